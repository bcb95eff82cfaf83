-- Permits to work, with their precaution confirmations, gas tests,
-- extensions and history. contractor_id is NULL for in-house work.
-- original_valid_to keeps the valid-to the permit was approved with; each
-- extension is a row of permit_extensions with the old and new valid-to.

CREATE TABLE permits (
    organization_id   TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                TEXT NOT NULL,
    number            TEXT NOT NULL,
    type              TEXT NOT NULL CHECK (type IN ('Hot Work', 'Confined Space Entry', 'Work at Height', 'Electrical',
                          'Excavation', 'Tank Cleaning', 'General')),
    station_id        TEXT NOT NULL,
    contractor_id     TEXT,
    requested_by      TEXT NOT NULL,
    description       TEXT NOT NULL,
    location          TEXT NOT NULL,
    valid_from        TIMESTAMPTZ NOT NULL,
    valid_to          TIMESTAMPTZ NOT NULL,
    original_valid_to TIMESTAMPTZ NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('Draft', 'Pending Approval', 'Approved', 'Active', 'Closed',
                          'Rejected', 'Cancelled', 'Expired')),
    approved_by       TEXT,
    approved_at       TIMESTAMPTZ,
    activated_by      TEXT,
    activated_at      TIMESTAMPTZ,
    closed_by         TEXT,
    closed_at         TIMESTAMPTZ,
    close_notes       TEXT NOT NULL DEFAULT '',
    reason            TEXT NOT NULL DEFAULT '',
    version           BIGINT NOT NULL DEFAULT 1,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, number),
    CHECK (valid_to > valid_from),
    FOREIGN KEY (organization_id, station_id) REFERENCES stations (organization_id, id),
    FOREIGN KEY (organization_id, contractor_id) REFERENCES contractors (organization_id, id)
);
-- The clash check and the station board: one station's permits in a
-- status, by validity.
CREATE INDEX permits_clash ON permits (organization_id, station_id, status, valid_from, valid_to);
-- The expiry job: Approved and Active permits by valid-to.
CREATE INDEX permits_expiry ON permits (status, valid_to);
CREATE INDEX permits_org_valid_from ON permits (organization_id, valid_from, id);
CREATE INDEX permits_org_contractor ON permits (organization_id, contractor_id, status);

-- One row per confirmed precaution; a withdrawn confirmation is deleted.
CREATE TABLE permit_precautions (
    organization_id TEXT NOT NULL,
    permit_id       TEXT NOT NULL,
    key             TEXT NOT NULL,
    confirmed_by    TEXT NOT NULL,
    confirmed_at    TIMESTAMPTZ NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organization_id, permit_id, key),
    FOREIGN KEY (organization_id, permit_id) REFERENCES permits (organization_id, id) ON DELETE CASCADE
);

-- Every gas test is kept; the latest counts.
CREATE TABLE permit_gas_tests (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    permit_id       TEXT NOT NULL,
    o2              DOUBLE PRECISION NOT NULL,
    lel             DOUBLE PRECISION NOT NULL,
    h2s             DOUBLE PRECISION NOT NULL,
    co              DOUBLE PRECISION NOT NULL,
    tested_at       TIMESTAMPTZ NOT NULL,
    tester          TEXT NOT NULL,
    instrument      TEXT NOT NULL DEFAULT '',
    passed          BOOLEAN NOT NULL,
    failures        TEXT NOT NULL DEFAULT '',
    recorded_by     TEXT NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, permit_id) REFERENCES permits (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX permit_gas_tests_permit ON permit_gas_tests (organization_id, permit_id, tested_at);

CREATE TABLE permit_extensions (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    permit_id       TEXT NOT NULL,
    old_valid_to    TIMESTAMPTZ NOT NULL,
    new_valid_to    TIMESTAMPTZ NOT NULL,
    reason          TEXT NOT NULL,
    extended_by     TEXT NOT NULL,
    extended_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    CHECK (new_valid_to > old_valid_to),
    FOREIGN KEY (organization_id, permit_id) REFERENCES permits (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX permit_extensions_permit ON permit_extensions (organization_id, permit_id, extended_at);

-- The history of a permit: every change, append-only. actor_user_id is
-- NULL for the system's own changes (expiry).
CREATE TABLE permit_events (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    permit_id       TEXT NOT NULL,
    at              TIMESTAMPTZ NOT NULL,
    actor_user_id   TEXT,
    kind            TEXT NOT NULL,
    from_status     TEXT NOT NULL DEFAULT '',
    to_status       TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, permit_id) REFERENCES permits (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX permit_events_permit ON permit_events (organization_id, permit_id, at);

ALTER TABLE permits ENABLE ROW LEVEL SECURITY;
ALTER TABLE permits FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON permits
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');

ALTER TABLE permit_precautions ENABLE ROW LEVEL SECURITY;
ALTER TABLE permit_precautions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON permit_precautions
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');

ALTER TABLE permit_gas_tests ENABLE ROW LEVEL SECURITY;
ALTER TABLE permit_gas_tests FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON permit_gas_tests
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');

ALTER TABLE permit_extensions ENABLE ROW LEVEL SECURITY;
ALTER TABLE permit_extensions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON permit_extensions
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');

ALTER TABLE permit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE permit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON permit_events
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
