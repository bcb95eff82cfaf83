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
    valid_from        TIMESTAMP NOT NULL,
    valid_to          TIMESTAMP NOT NULL,
    original_valid_to TIMESTAMP NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('Draft', 'Pending Approval', 'Approved', 'Active', 'Closed',
                          'Rejected', 'Cancelled', 'Expired')),
    approved_by       TEXT,
    approved_at       TIMESTAMP,
    activated_by      TEXT,
    activated_at      TIMESTAMP,
    closed_by         TEXT,
    closed_at         TIMESTAMP,
    close_notes       TEXT NOT NULL DEFAULT '',
    reason            TEXT NOT NULL DEFAULT '',
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
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
    confirmed_at    TIMESTAMP NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organization_id, permit_id, key),
    FOREIGN KEY (organization_id, permit_id) REFERENCES permits (organization_id, id) ON DELETE CASCADE
);

-- Every gas test is kept; the latest counts.
CREATE TABLE permit_gas_tests (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    permit_id       TEXT NOT NULL,
    o2              REAL NOT NULL,
    lel             REAL NOT NULL,
    h2s             REAL NOT NULL,
    co              REAL NOT NULL,
    tested_at       TIMESTAMP NOT NULL,
    tester          TEXT NOT NULL,
    instrument      TEXT NOT NULL DEFAULT '',
    passed          INTEGER NOT NULL,
    failures        TEXT NOT NULL DEFAULT '',
    recorded_by     TEXT NOT NULL,
    recorded_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, permit_id) REFERENCES permits (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX permit_gas_tests_permit ON permit_gas_tests (organization_id, permit_id, tested_at);

CREATE TABLE permit_extensions (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    permit_id       TEXT NOT NULL,
    old_valid_to    TIMESTAMP NOT NULL,
    new_valid_to    TIMESTAMP NOT NULL,
    reason          TEXT NOT NULL,
    extended_by     TEXT NOT NULL,
    extended_at     TIMESTAMP NOT NULL,
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
    at              TIMESTAMP NOT NULL,
    actor_user_id   TEXT,
    kind            TEXT NOT NULL,
    from_status     TEXT NOT NULL DEFAULT '',
    to_status       TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, permit_id) REFERENCES permits (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX permit_events_permit ON permit_events (organization_id, permit_id, at);
