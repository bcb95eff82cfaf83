-- Back to the fixed table of types: each permit takes the old name of its
-- type's key (an organization's own types become General), Suspended
-- work is Active again, and gas tests keep O2, LEL, H2S and CO (0 when a
-- test did not measure one).
DROP TABLE permit_isolations;
CREATE TABLE permits_new (
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
INSERT INTO permits_new (organization_id, id, number, station_id, contractor_id, requested_by, description, location,
    valid_from, valid_to, original_valid_to, approved_by, approved_at, activated_by, activated_at, closed_by, closed_at,
    close_notes, reason, version, created_at, updated_at, type, status)
    SELECT organization_id, id, number, station_id, contractor_id, requested_by, description, location,
    valid_from, valid_to, original_valid_to, approved_by, approved_at, activated_by, activated_at, closed_by, closed_at,
    close_notes, reason, version, created_at, updated_at,
    CASE type_key WHEN 'hot_work' THEN 'Hot Work' WHEN 'confined_space' THEN 'Confined Space Entry'
        WHEN 'electrical_isolation' THEN 'Electrical' WHEN 'work_at_height' THEN 'Work at Height'
        WHEN 'excavation' THEN 'Excavation' ELSE 'General' END,
    CASE status WHEN 'Suspended' THEN 'Active' ELSE status END FROM permits;
CREATE TABLE permit_precautions_new (
    organization_id TEXT NOT NULL,
    permit_id       TEXT NOT NULL,
    key             TEXT NOT NULL,
    confirmed_by    TEXT NOT NULL,
    confirmed_at    TIMESTAMP NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organization_id, permit_id, key),
    FOREIGN KEY (organization_id, permit_id) REFERENCES permits_new (organization_id, id) ON DELETE CASCADE
);
CREATE TABLE permit_gas_tests_new (
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
    FOREIGN KEY (organization_id, permit_id) REFERENCES permits_new (organization_id, id) ON DELETE CASCADE
);
CREATE TABLE permit_extensions_new (
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
    FOREIGN KEY (organization_id, permit_id) REFERENCES permits_new (organization_id, id) ON DELETE CASCADE
);
CREATE TABLE permit_events_new (
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
    FOREIGN KEY (organization_id, permit_id) REFERENCES permits_new (organization_id, id) ON DELETE CASCADE
);
INSERT INTO permit_precautions_new SELECT organization_id, permit_id, key, confirmed_by, confirmed_at, note FROM permit_precautions;
INSERT INTO permit_extensions_new SELECT organization_id, id, permit_id, old_valid_to, new_valid_to, reason, extended_by, extended_at
    FROM permit_extensions;
INSERT INTO permit_events_new SELECT organization_id, id, permit_id, at, actor_user_id, kind, from_status, to_status, note FROM permit_events;
INSERT INTO permit_gas_tests_new SELECT organization_id, id, permit_id,
    COALESCE(json_extract(readings, '$.O2'), 0), COALESCE(json_extract(readings, '$.LEL'), 0),
    COALESCE(json_extract(readings, '$.H2S'), 0), COALESCE(json_extract(readings, '$.CO'), 0),
    tested_at, tester, instrument, passed, failures, recorded_by, recorded_at FROM permit_gas_tests;
DROP TABLE permit_precautions;
DROP TABLE permit_gas_tests;
DROP TABLE permit_extensions;
DROP TABLE permit_events;
DROP TABLE permits;
-- Renaming the parent also points the new children's foreign keys at it.
ALTER TABLE permits_new RENAME TO permits;
ALTER TABLE permit_precautions_new RENAME TO permit_precautions;
ALTER TABLE permit_gas_tests_new RENAME TO permit_gas_tests;
ALTER TABLE permit_extensions_new RENAME TO permit_extensions;
ALTER TABLE permit_events_new RENAME TO permit_events;
CREATE INDEX permits_clash ON permits (organization_id, station_id, status, valid_from, valid_to);
CREATE INDEX permits_expiry ON permits (status, valid_to);
CREATE INDEX permits_org_valid_from ON permits (organization_id, valid_from, id);
CREATE INDEX permits_org_contractor ON permits (organization_id, contractor_id, status);
CREATE INDEX permit_gas_tests_permit ON permit_gas_tests (organization_id, permit_id, tested_at);
CREATE INDEX permit_extensions_permit ON permit_extensions (organization_id, permit_id, extended_at);
CREATE INDEX permit_events_permit ON permit_events (organization_id, permit_id, at);
DROP TABLE permit_type_versions;
DROP TABLE permit_types;
UPDATE roles SET permissions = (SELECT json_group_array(value) FROM json_each(roles.permissions)
    WHERE value NOT IN ('permits:gas_test', 'permits:configure'));
