-- Corrective and preventive actions and their history. An action comes
-- from an audit finding, an incident, a permit or is raised by hand;
-- source_id is not a foreign key because it points at one of several
-- tables. audit_id is set for actions raised by an audit, so that the
-- audit can close once all of its actions are verified.

CREATE TABLE actions (
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    number           TEXT NOT NULL,
    source_type      TEXT NOT NULL CHECK (source_type IN ('finding', 'incident', 'permit', 'manual')),
    source_id        TEXT NOT NULL DEFAULT '',
    audit_id         TEXT,
    station_id       TEXT,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    assignee_user_id TEXT,
    due_on           DATE NOT NULL,
    priority         TEXT NOT NULL CHECK (priority IN ('Low', 'Medium', 'High', 'Critical')),
    severity         TEXT CHECK (severity IN ('Minor', 'Major', 'Critical')),
    status           TEXT NOT NULL CHECK (status IN ('Open', 'In Progress', 'Completed', 'Verified')),
    completed_by     TEXT,
    completed_at     TIMESTAMPTZ,
    completion_notes TEXT NOT NULL DEFAULT '',
    verified_by      TEXT,
    verified_at      TIMESTAMPTZ,
    version          BIGINT NOT NULL DEFAULT 1,
    created_by       TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, number),
    FOREIGN KEY (organization_id, station_id) REFERENCES stations (organization_id, id)
);
CREATE INDEX actions_org_due ON actions (organization_id, due_on, id);
CREATE INDEX actions_org_assignee ON actions (organization_id, assignee_user_id, status);
CREATE INDEX actions_org_station ON actions (organization_id, station_id, status);
CREATE INDEX actions_org_audit ON actions (organization_id, audit_id);
CREATE INDEX actions_org_source ON actions (organization_id, source_type, source_id);

-- The history of an action: every change, append-only.
CREATE TABLE action_events (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    action_id       TEXT NOT NULL,
    at              TIMESTAMPTZ NOT NULL,
    actor_user_id   TEXT,
    kind            TEXT NOT NULL,
    from_status     TEXT NOT NULL DEFAULT '',
    to_status       TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, action_id) REFERENCES actions (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX action_events_action ON action_events (organization_id, action_id, at);

ALTER TABLE actions ENABLE ROW LEVEL SECURITY;
ALTER TABLE actions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON actions
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
ALTER TABLE action_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE action_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON action_events
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
