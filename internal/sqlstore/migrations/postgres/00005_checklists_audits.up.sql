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
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
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
    definition      JSONB NOT NULL,
    pass_mark       DOUBLE PRECISION NOT NULL DEFAULT 80,
    published_at    TIMESTAMPTZ,
    published_by    TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
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
    scheduled_for   TIMESTAMPTZ NOT NULL,
    started_at      TIMESTAMPTZ,
    completed_at    TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    cancelled_at    TIMESTAMPTZ,
    cancel_reason   TEXT NOT NULL DEFAULT '',
    score           DOUBLE PRECISION,
    result          TEXT CHECK (result IN ('Pass', 'Fail')),
    breakdown       JSONB,
    version         BIGINT NOT NULL DEFAULT 1,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
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
    value           JSONB,
    note            TEXT NOT NULL DEFAULT '',
    attachment_ids  JSONB NOT NULL DEFAULT '[]',
    severity        TEXT CHECK (severity IN ('Minor', 'Major', 'Critical')),
    answered_by     TEXT NOT NULL REFERENCES users (id),
    answered_at     TIMESTAMPTZ NOT NULL,
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
    attachment_ids  JSONB NOT NULL DEFAULT '[]',
    action_id       TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, audit_id, item_key),
    FOREIGN KEY (organization_id, audit_id) REFERENCES audits (organization_id, id) ON DELETE CASCADE
);

ALTER TABLE form_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE form_templates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON form_templates
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
ALTER TABLE form_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE form_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON form_versions
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
ALTER TABLE audits ENABLE ROW LEVEL SECURITY;
ALTER TABLE audits FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON audits
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
ALTER TABLE audit_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_answers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON audit_answers
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
ALTER TABLE findings ENABLE ROW LEVEL SECURITY;
ALTER TABLE findings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON findings
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
