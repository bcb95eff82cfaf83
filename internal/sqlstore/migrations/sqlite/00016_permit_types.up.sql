-- Permit types become the organization's own, versioned (a permit keeps
-- the version it was created under); existing organizations get the
-- starter types as version 1 and existing permits move onto them
-- (Tank Cleaning and Confined Space Entry become Confined Space / Tank
-- Entry, Electrical becomes Electrical Isolation). Active work can be
-- Suspended (a missed or failed gas re-test); gas tests keep their
-- readings by gas; permits list their isolations (lock-out/tag-out).
-- Gas testers need permits:gas_test and type editors permits:configure,
-- added to the system roles that do that work.

CREATE TABLE permit_types (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    key             TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    updated_by      TEXT,
    PRIMARY KEY (organization_id, key)
);

-- Every version is kept: permits point at the one they were created
-- under. rules is the version's JSON document (precautions, gases and
-- their limits, durations in seconds, documents, clashes).
CREATE TABLE permit_type_versions (
    organization_id TEXT NOT NULL,
    type_key        TEXT NOT NULL,
    version         INTEGER NOT NULL,
    name            TEXT NOT NULL,
    rules           TEXT NOT NULL,
    created_by      TEXT,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, type_key, version),
    FOREIGN KEY (organization_id, type_key) REFERENCES permit_types (organization_id, key) ON DELETE CASCADE
);

INSERT INTO permit_types (organization_id, key, current_version, active, created_at, updated_at)
    SELECT id, 'hot_work', 1, TRUE, created_at, created_at FROM organizations;
INSERT INTO permit_type_versions (organization_id, type_key, version, name, rules, created_at)
    SELECT id, 'hot_work', 1, 'Hot Work',
    '{"precautions":[{"key":"fire_extinguisher","label":"Fire extinguisher at the work place"},{"key":"barricaded_area","label":"Work area barricaded"},{"key":"fire_watch","label":"Fire watch posted, during the work and after it"},{"key":"dispenser_estop_isolated","label":"Dispenser emergency stop operated and the dispensers near the work isolated"},{"key":"drains_sealed","label":"Drains and interceptor covers near the work sealed"},{"key":"no_fuel_delivery","label":"No fuel deliveries during the work"}],"gases":[{"key":"O2","label":"Oxygen","unit":"%","min":19.5,"max":23.5},{"key":"LEL","label":"Flammable gas","unit":"% LEL","below":10},{"key":"H2S","label":"Hydrogen sulphide","unit":"ppm","below":10},{"key":"CO","label":"Carbon monoxide","unit":"ppm","below":35}],"maxDurationSeconds":43200,"maxExtensionSeconds":43200,"maxExtensions":2,"maxTotalSeconds":86400,"gasTestValiditySeconds":14400,"retestIntervalSeconds":7200,"documents":["insurance"],"clashesWith":["confined_space","fuel_delivery_ust"]}',
    created_at FROM organizations;
INSERT INTO permit_types (organization_id, key, current_version, active, created_at, updated_at)
    SELECT id, 'confined_space', 1, TRUE, created_at, created_at FROM organizations;
INSERT INTO permit_type_versions (organization_id, type_key, version, name, rules, created_at)
    SELECT id, 'confined_space', 1, 'Confined Space / Tank Entry',
    '{"precautions":[{"key":"gas_monitoring","label":"Continuous gas monitoring"},{"key":"ventilation","label":"Ventilation in place"},{"key":"rescue_plan","label":"Rescue plan and standby person"},{"key":"tank_isolated","label":"Tank isolated: lines blanked, pumps locked out"},{"key":"tank_vented","label":"Tank emptied, vented and gas-freed"},{"key":"ignition_sources_controlled","label":"Ignition sources removed, bonding and earthing in place"},{"key":"no_fuel_delivery","label":"No fuel deliveries during the work"}],"gases":[{"key":"O2","label":"Oxygen","unit":"%","min":19.5,"max":23.5},{"key":"LEL","label":"Flammable gas","unit":"% LEL","below":10},{"key":"H2S","label":"Hydrogen sulphide","unit":"ppm","below":10},{"key":"CO","label":"Carbon monoxide","unit":"ppm","below":35}],"maxDurationSeconds":28800,"maxExtensionSeconds":28800,"maxExtensions":2,"maxTotalSeconds":57600,"gasTestValiditySeconds":14400,"retestIntervalSeconds":3600,"documents":["insurance"],"clashesWith":["hot_work"]}',
    created_at FROM organizations;
INSERT INTO permit_types (organization_id, key, current_version, active, created_at, updated_at)
    SELECT id, 'electrical_isolation', 1, TRUE, created_at, created_at FROM organizations;
INSERT INTO permit_type_versions (organization_id, type_key, version, name, rules, created_at)
    SELECT id, 'electrical_isolation', 1, 'Electrical Isolation',
    '{"precautions":[{"key":"lockout_tagout","label":"Lock-out / tag-out applied"},{"key":"voltage_proved_absent","label":"Absence of voltage proved"},{"key":"insulated_tools","label":"Insulated tools"},{"key":"arc_flash_ppe","label":"Arc-flash PPE worn"},{"key":"dispenser_estop_isolated","label":"Dispenser emergency stop operated and the dispensers near the work isolated"}],"gases":[],"maxDurationSeconds":43200,"maxExtensionSeconds":43200,"maxExtensions":2,"maxTotalSeconds":86400,"gasTestValiditySeconds":0,"retestIntervalSeconds":0,"documents":["insurance","licence"],"clashesWith":[]}',
    created_at FROM organizations;
INSERT INTO permit_types (organization_id, key, current_version, active, created_at, updated_at)
    SELECT id, 'work_at_height', 1, TRUE, created_at, created_at FROM organizations;
INSERT INTO permit_type_versions (organization_id, type_key, version, name, rules, created_at)
    SELECT id, 'work_at_height', 1, 'Work at Height',
    '{"precautions":[{"key":"fall_arrest","label":"Fall arrest equipment"},{"key":"scaffold_inspected","label":"Scaffold or ladder inspected"},{"key":"tools_tethered","label":"Tools tethered"},{"key":"exclusion_zone","label":"Exclusion zone below the work"}],"gases":[],"maxDurationSeconds":43200,"maxExtensionSeconds":43200,"maxExtensions":2,"maxTotalSeconds":86400,"gasTestValiditySeconds":0,"retestIntervalSeconds":0,"documents":["insurance"],"clashesWith":[]}',
    created_at FROM organizations;
INSERT INTO permit_types (organization_id, key, current_version, active, created_at, updated_at)
    SELECT id, 'excavation', 1, TRUE, created_at, created_at FROM organizations;
INSERT INTO permit_type_versions (organization_id, type_key, version, name, rules, created_at)
    SELECT id, 'excavation', 1, 'Excavation',
    '{"precautions":[{"key":"shoring","label":"Shoring or battering of the sides"},{"key":"utilities_located","label":"Underground utilities, tanks and product lines located"},{"key":"access_egress","label":"Safe access and egress"},{"key":"barriers","label":"Excavation barriered and lit"}],"gases":[],"maxDurationSeconds":86400,"maxExtensionSeconds":86400,"maxExtensions":2,"maxTotalSeconds":259200,"gasTestValiditySeconds":0,"retestIntervalSeconds":0,"documents":["insurance"],"clashesWith":[]}',
    created_at FROM organizations;
INSERT INTO permit_types (organization_id, key, current_version, active, created_at, updated_at)
    SELECT id, 'fuel_delivery_ust', 1, TRUE, created_at, created_at FROM organizations;
INSERT INTO permit_type_versions (organization_id, type_key, version, name, rules, created_at)
    SELECT id, 'fuel_delivery_ust', 1, 'Fuel Delivery / UST Work',
    '{"precautions":[{"key":"tanker_exclusion_zone","label":"Tanker exclusion zone set with cones and bollards"},{"key":"spill_kit","label":"Spill kit at the fill point"},{"key":"dispenser_estop_isolated","label":"Dispenser emergency stop operated and the dispensers near the work isolated"},{"key":"drains_sealed","label":"Drains and interceptor covers near the work sealed"},{"key":"fire_extinguisher","label":"Fire extinguisher at the work place"},{"key":"ullage_checked","label":"Tank ullage checked against the delivery"}],"gases":[{"key":"O2","label":"Oxygen","unit":"%","min":19.5,"max":23.5},{"key":"LEL","label":"Flammable gas","unit":"% LEL","below":10}],"maxDurationSeconds":43200,"maxExtensionSeconds":43200,"maxExtensions":2,"maxTotalSeconds":86400,"gasTestValiditySeconds":14400,"retestIntervalSeconds":7200,"documents":["insurance"],"clashesWith":["hot_work"]}',
    created_at FROM organizations;
INSERT INTO permit_types (organization_id, key, current_version, active, created_at, updated_at)
    SELECT id, 'general', 1, TRUE, created_at, created_at FROM organizations;
INSERT INTO permit_type_versions (organization_id, type_key, version, name, rules, created_at)
    SELECT id, 'general', 1, 'General',
    '{"precautions":[{"key":"risk_assessment","label":"Task risk assessment reviewed with the crew"},{"key":"area_secured","label":"Work area secured from the public"},{"key":"ppe","label":"PPE for the task worn"}],"gases":[],"maxDurationSeconds":86400,"maxExtensionSeconds":86400,"maxExtensions":2,"maxTotalSeconds":259200,"gasTestValiditySeconds":0,"retestIntervalSeconds":0,"documents":["insurance"],"clashesWith":[]}',
    created_at FROM organizations;

-- SQLite cannot change a CHECK constraint in place: the permit tables are
-- rebuilt. The children are rebuilt too, pointing at the new parent, so
-- that dropping the old parent cascades into nothing.
CREATE TABLE permits_new (
    organization_id   TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                TEXT NOT NULL,
    number            TEXT NOT NULL,
    type              TEXT NOT NULL,
    type_key          TEXT NOT NULL,
    type_version      INTEGER NOT NULL,
    station_id        TEXT NOT NULL,
    contractor_id     TEXT,
    requested_by      TEXT NOT NULL,
    description       TEXT NOT NULL,
    location          TEXT NOT NULL,
    valid_from        TIMESTAMP NOT NULL,
    valid_to          TIMESTAMP NOT NULL,
    original_valid_to TIMESTAMP NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('Draft', 'Pending Approval', 'Approved', 'Active', 'Suspended', 'Closed',
                          'Rejected', 'Cancelled', 'Expired')),
    approved_by       TEXT,
    approved_at       TIMESTAMP,
    activated_by      TEXT,
    activated_at      TIMESTAMP,
    closed_by         TEXT,
    closed_at         TIMESTAMP,
    close_notes       TEXT NOT NULL DEFAULT '',
    reason            TEXT NOT NULL DEFAULT '',
    retest_due_at     TIMESTAMP,
    suspended_at      TIMESTAMP,
    suspension_reason TEXT NOT NULL DEFAULT '',
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, number),
    CHECK (valid_to > valid_from),
    FOREIGN KEY (organization_id, type_key, type_version) REFERENCES permit_type_versions (organization_id, type_key, version),
    FOREIGN KEY (organization_id, station_id) REFERENCES stations (organization_id, id),
    FOREIGN KEY (organization_id, contractor_id) REFERENCES contractors (organization_id, id)
);
INSERT INTO permits_new (organization_id, id, number, station_id, contractor_id, requested_by, description, location,
    valid_from, valid_to, original_valid_to, approved_by, approved_at, activated_by, activated_at, closed_by, closed_at,
    close_notes, reason, version, created_at, updated_at, type, type_key, type_version, status)
    SELECT organization_id, id, number, station_id, contractor_id, requested_by, description, location,
    valid_from, valid_to, original_valid_to, approved_by, approved_at, activated_by, activated_at, closed_by, closed_at,
    close_notes, reason, version, created_at, updated_at,
    CASE type WHEN 'Hot Work' THEN 'Hot Work' WHEN 'Confined Space Entry' THEN 'Confined Space / Tank Entry'
        WHEN 'Tank Cleaning' THEN 'Confined Space / Tank Entry' WHEN 'Electrical' THEN 'Electrical Isolation'
        WHEN 'Work at Height' THEN 'Work at Height' WHEN 'Excavation' THEN 'Excavation' ELSE 'General' END,
    CASE type WHEN 'Hot Work' THEN 'hot_work' WHEN 'Confined Space Entry' THEN 'confined_space'
        WHEN 'Tank Cleaning' THEN 'confined_space' WHEN 'Electrical' THEN 'electrical_isolation'
        WHEN 'Work at Height' THEN 'work_at_height' WHEN 'Excavation' THEN 'excavation' ELSE 'general' END,
    1, status FROM permits;
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
    readings        TEXT NOT NULL,
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
INSERT INTO permit_gas_tests_new SELECT organization_id, id, permit_id, json_object('O2', o2, 'LEL', lel, 'H2S', h2s, 'CO', co),
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
-- The gas re-test sweep: Active permits by the time their next test is due.
CREATE INDEX permits_retest ON permits (status, retest_due_at);

-- Lock-out/tag-out points of a permit: who applied each, who removed it.
CREATE TABLE permit_isolations (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    permit_id       TEXT NOT NULL,
    point           TEXT NOT NULL,
    method          TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    applied_by      TEXT NOT NULL,
    applied_at      TIMESTAMP NOT NULL,
    removed_by      TEXT,
    removed_at      TIMESTAMP,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, permit_id) REFERENCES permits (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX permit_isolations_permit ON permit_isolations (organization_id, permit_id, applied_at);

UPDATE roles SET permissions = json_insert(permissions, '$[#]', 'permits:gas_test')
    WHERE id IN ('sys-owner', 'sys-admin', 'sys-compliance_manager', 'sys-station_manager')
    AND NOT EXISTS (SELECT 1 FROM json_each(roles.permissions) WHERE value = 'permits:gas_test');
UPDATE roles SET permissions = json_insert(permissions, '$[#]', 'permits:configure')
    WHERE id IN ('sys-owner', 'sys-admin', 'sys-compliance_manager')
    AND NOT EXISTS (SELECT 1 FROM json_each(roles.permissions) WHERE value = 'permits:configure');
