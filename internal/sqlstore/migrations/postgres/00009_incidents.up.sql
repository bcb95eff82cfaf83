-- Incidents and their history. People involved, attachment ids and the
-- investigation's lists are JSON: they are read and written with the
-- incident, never queried on their own. regulatory_deadline is derived
-- from occurred_at and the recordkeeping flags and stored so the overdue
-- filter is one indexed comparison.
CREATE TABLE incidents (
    organization_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                    TEXT NOT NULL,
    number                TEXT NOT NULL,
    station_id            TEXT NOT NULL,
    type                  TEXT NOT NULL,
    severity              TEXT NOT NULL CHECK (severity IN ('Low', 'Medium', 'High', 'Critical')),
    status                TEXT NOT NULL CHECK (status IN ('Reported', 'Under Investigation', 'Action Required', 'Closed')),
    occurred_at           TIMESTAMPTZ NOT NULL,
    reported_at           TIMESTAMPTZ NOT NULL,
    reporter_user_id      TEXT,
    description           TEXT NOT NULL,
    immediate_actions     TEXT NOT NULL DEFAULT '',
    location              TEXT NOT NULL DEFAULT '',
    people                JSONB NOT NULL DEFAULT '[]',
    attachment_ids        JSONB NOT NULL DEFAULT '[]',
    root_causes           JSONB NOT NULL DEFAULT '[]',
    whys                  JSONB NOT NULL DEFAULT '[]',
    contributing_factors  JSONB NOT NULL DEFAULT '[]',
    findings              TEXT NOT NULL DEFAULT '',
    recordable            BOOLEAN NOT NULL DEFAULT false,
    days_away             INTEGER NOT NULL DEFAULT 0 CHECK (days_away BETWEEN 0 AND 180),
    days_restricted       INTEGER NOT NULL DEFAULT 0 CHECK (days_restricted BETWEEN 0 AND 180),
    fatality              BOOLEAN NOT NULL DEFAULT false,
    hospitalised          BOOLEAN NOT NULL DEFAULT false,
    amputation            BOOLEAN NOT NULL DEFAULT false,
    eye_loss              BOOLEAN NOT NULL DEFAULT false,
    regulatory_deadline   TIMESTAMPTZ,
    regulator_reported_at TIMESTAMPTZ,
    resolved_at           TIMESTAMPTZ,
    version               BIGINT NOT NULL DEFAULT 1,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, number),
    FOREIGN KEY (organization_id, station_id) REFERENCES stations (organization_id, id)
);
CREATE INDEX incidents_org_occurred ON incidents (organization_id, occurred_at, id);
CREATE INDEX incidents_org_station ON incidents (organization_id, station_id, occurred_at);
CREATE INDEX incidents_org_status ON incidents (organization_id, status, occurred_at);
CREATE INDEX incidents_org_reporter ON incidents (organization_id, reporter_user_id);
CREATE INDEX incidents_org_deadline ON incidents (organization_id, regulatory_deadline) WHERE regulatory_deadline IS NOT NULL AND regulator_reported_at IS NULL;

-- The history of an incident: every change, append-only.
CREATE TABLE incident_events (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    incident_id     TEXT NOT NULL,
    at              TIMESTAMPTZ NOT NULL,
    actor_user_id   TEXT,
    kind            TEXT NOT NULL,
    from_status     TEXT NOT NULL DEFAULT '',
    to_status       TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, incident_id) REFERENCES incidents (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX incident_events_incident ON incident_events (organization_id, incident_id, at);

ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
ALTER TABLE incidents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON incidents
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
ALTER TABLE incident_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON incident_events
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
