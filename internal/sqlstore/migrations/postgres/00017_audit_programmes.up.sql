-- Audit programmes: recurring schedules per station or region and
-- template, the audits they create, the Missed status, an audit's history
-- (rescheduled, reassigned, missed, status changes) and archived templates.

-- A schedule targets one station or every active station of a region.
-- Occurrences fall on start_date + k × interval; the server creates the
-- Scheduled audits of the occurrences within lead_days, each open for
-- window_days (then Missed). The assignee rule picks the auditor: a named
-- one, the station's manager, or round-robin over group_user_ids
-- (rotation counts the audits assigned so far).
CREATE TABLE audit_schedules (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    station_id      TEXT,
    region          TEXT,
    template_id     TEXT NOT NULL,
    frequency       TEXT NOT NULL CHECK (frequency IN ('weekly', 'monthly', 'quarterly', 'semiannually', 'yearly', 'days')),
    interval_days   INTEGER NOT NULL DEFAULT 0,
    start_date      TIMESTAMPTZ NOT NULL,
    end_date        TIMESTAMPTZ,
    window_days     INTEGER NOT NULL,
    lead_days       INTEGER NOT NULL,
    assignee_rule   TEXT NOT NULL CHECK (assignee_rule IN ('named', 'station_manager', 'round_robin')),
    auditor_user_id TEXT,
    group_user_ids  JSONB NOT NULL DEFAULT '[]',
    rotation        BIGINT NOT NULL DEFAULT 0,
    active          BOOLEAN NOT NULL DEFAULT true,
    version         BIGINT NOT NULL DEFAULT 1,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    CHECK ((station_id IS NULL) <> (region IS NULL)),
    FOREIGN KEY (organization_id, station_id) REFERENCES stations (organization_id, id),
    FOREIGN KEY (organization_id, template_id) REFERENCES form_templates (organization_id, id)
);
CREATE INDEX audit_schedules_active ON audit_schedules (organization_id, active, id);

-- An audit created by a schedule names it and its occurrence (the date
-- the schedule gave it, kept when the audit is rescheduled), so a run
-- repeated for the same day creates nothing more. window_ends is the last
-- day it may be started; a Scheduled audit past it becomes Missed.
ALTER TABLE audits ADD COLUMN schedule_id TEXT;
ALTER TABLE audits ADD COLUMN occurrence_date TIMESTAMPTZ;
ALTER TABLE audits ADD COLUMN window_ends TIMESTAMPTZ;
ALTER TABLE audits ADD COLUMN missed_at TIMESTAMPTZ;
ALTER TABLE audits DROP CONSTRAINT audits_status_check;
ALTER TABLE audits ADD CONSTRAINT audits_status_check
    CHECK (status IN ('Scheduled', 'In Progress', 'Completed', 'Closed', 'Cancelled', 'Missed'));
ALTER TABLE audits ADD FOREIGN KEY (organization_id, schedule_id) REFERENCES audit_schedules (organization_id, id);

CREATE UNIQUE INDEX audits_schedule_occurrence ON audits (organization_id, schedule_id, station_id, occurrence_date)
    WHERE schedule_id IS NOT NULL;
-- The missed-audit sweep: Scheduled audits with a window, by its end.
CREATE INDEX audits_window ON audits (window_ends) WHERE status = 'Scheduled' AND window_ends IS NOT NULL;

-- The history of an audit, append-only.
CREATE TABLE audit_events (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    audit_id        TEXT NOT NULL,
    at              TIMESTAMPTZ NOT NULL,
    actor_user_id   TEXT,
    kind            TEXT NOT NULL,
    from_status     TEXT NOT NULL DEFAULT '',
    to_status       TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, audit_id) REFERENCES audits (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX audit_events_audit ON audit_events (organization_id, audit_id, at);

-- Archived templates stay readable (their audits keep their versions) but
-- cannot be scheduled, edited or published until restored.
ALTER TABLE form_templates ADD COLUMN archived_at TIMESTAMPTZ;
ALTER TABLE form_templates ADD COLUMN archived_by TEXT;

ALTER TABLE audit_schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_schedules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON audit_schedules
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON audit_events
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
