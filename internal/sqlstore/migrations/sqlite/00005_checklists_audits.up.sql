-- Checklist templates with immutable published versions, audits against
-- one version, their answers (one row per item, saved one at a time) and
-- the findings raised at completion. Every key includes organization_id so
-- the database refuses cross-tenant links.

CREATE TABLE form_templates (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('audit', 'inspection', 'daily_checklist')),
    description     TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX form_templates_org_name ON form_templates (organization_id, name, id);

-- A published version never changes (the UPDATE statements only touch
-- drafts); editing a published template starts a new draft.
CREATE TABLE form_versions (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    template_id     TEXT NOT NULL,
    number          INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    definition      TEXT NOT NULL,
    pass_mark       REAL NOT NULL DEFAULT 80,
    published_at    TIMESTAMP,
    published_by    TEXT,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, template_id, number),
    FOREIGN KEY (organization_id, template_id) REFERENCES form_templates (organization_id, id) ON DELETE CASCADE
);
-- At most one draft per template.
CREATE UNIQUE INDEX form_versions_one_draft ON form_versions (organization_id, template_id) WHERE status = 'draft';

CREATE TABLE audits (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    number          TEXT NOT NULL,
    station_id      TEXT NOT NULL,
    form_version_id TEXT NOT NULL,
    auditor_user_id TEXT NOT NULL REFERENCES users (id),
    status          TEXT NOT NULL CHECK (status IN ('Scheduled', 'In Progress', 'Completed', 'Closed', 'Cancelled')),
    scheduled_for   TIMESTAMP NOT NULL,
    started_at      TIMESTAMP,
    completed_at    TIMESTAMP,
    closed_at       TIMESTAMP,
    cancelled_at    TIMESTAMP,
    cancel_reason   TEXT NOT NULL DEFAULT '',
    score           REAL,
    result          TEXT CHECK (result IN ('Pass', 'Fail')),
    breakdown       TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, number),
    FOREIGN KEY (organization_id, station_id) REFERENCES stations (organization_id, id),
    FOREIGN KEY (organization_id, form_version_id) REFERENCES form_versions (organization_id, id)
);
-- The common list: by station and status in date order; and the plan's
-- "last completed audit per station".
CREATE INDEX audits_station_status ON audits (organization_id, station_id, status, scheduled_for, id);
CREATE INDEX audits_org_scheduled ON audits (organization_id, scheduled_for, id);
CREATE INDEX audits_org_status ON audits (organization_id, status, scheduled_for, id);
CREATE INDEX audits_auditor ON audits (organization_id, auditor_user_id, scheduled_for, id);

CREATE TABLE audit_answers (
    organization_id TEXT NOT NULL,
    audit_id        TEXT NOT NULL,
    item_key        TEXT NOT NULL,
    value           TEXT,
    note            TEXT NOT NULL DEFAULT '',
    attachment_ids  TEXT NOT NULL DEFAULT '[]',
    severity        TEXT CHECK (severity IN ('Minor', 'Major', 'Critical')),
    answered_by     TEXT NOT NULL REFERENCES users (id),
    answered_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, audit_id, item_key),
    FOREIGN KEY (organization_id, audit_id) REFERENCES audits (organization_id, id) ON DELETE CASCADE
);

-- action_id is the corrective action raised for the finding.
CREATE TABLE findings (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    audit_id        TEXT NOT NULL,
    item_key        TEXT NOT NULL,
    severity        TEXT NOT NULL CHECK (severity IN ('Minor', 'Major', 'Critical')),
    observation     TEXT NOT NULL DEFAULT '',
    attachment_ids  TEXT NOT NULL DEFAULT '[]',
    action_id       TEXT,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, audit_id, item_key),
    FOREIGN KEY (organization_id, audit_id) REFERENCES audits (organization_id, id) ON DELETE CASCADE
);

