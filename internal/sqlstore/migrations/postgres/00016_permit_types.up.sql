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
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
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
    created_at      TIMESTAMPTZ NOT NULL,
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

ALTER TABLE permits DROP CONSTRAINT permits_type_check;
ALTER TABLE permits DROP CONSTRAINT permits_status_check;
ALTER TABLE permits ADD CONSTRAINT permits_status_check CHECK (status IN ('Draft', 'Pending Approval', 'Approved', 'Active',
    'Suspended', 'Closed', 'Rejected', 'Cancelled', 'Expired'));
ALTER TABLE permits ADD COLUMN type_key TEXT;
ALTER TABLE permits ADD COLUMN type_version INTEGER;
ALTER TABLE permits ADD COLUMN retest_due_at TIMESTAMPTZ;
ALTER TABLE permits ADD COLUMN suspended_at TIMESTAMPTZ;
ALTER TABLE permits ADD COLUMN suspension_reason TEXT NOT NULL DEFAULT '';
UPDATE permits SET type_key = CASE type WHEN 'Hot Work' THEN 'hot_work' WHEN 'Confined Space Entry' THEN 'confined_space'
        WHEN 'Tank Cleaning' THEN 'confined_space' WHEN 'Electrical' THEN 'electrical_isolation'
        WHEN 'Work at Height' THEN 'work_at_height' WHEN 'Excavation' THEN 'excavation' ELSE 'general' END,
    type = CASE type WHEN 'Hot Work' THEN 'Hot Work' WHEN 'Confined Space Entry' THEN 'Confined Space / Tank Entry'
        WHEN 'Tank Cleaning' THEN 'Confined Space / Tank Entry' WHEN 'Electrical' THEN 'Electrical Isolation'
        WHEN 'Work at Height' THEN 'Work at Height' WHEN 'Excavation' THEN 'Excavation' ELSE 'General' END,
    type_version = 1;
ALTER TABLE permits ALTER COLUMN type_key SET NOT NULL;
ALTER TABLE permits ALTER COLUMN type_version SET NOT NULL;
ALTER TABLE permits ADD CONSTRAINT permits_type_version_fkey FOREIGN KEY (organization_id, type_key, type_version)
    REFERENCES permit_type_versions (organization_id, type_key, version);
-- The gas re-test sweep: Active permits by the time their next test is due.
CREATE INDEX permits_retest ON permits (status, retest_due_at);

ALTER TABLE permit_gas_tests ADD COLUMN readings TEXT NOT NULL DEFAULT '{}';
UPDATE permit_gas_tests SET readings = json_build_object('O2', o2, 'LEL', lel, 'H2S', h2s, 'CO', co)::text;
ALTER TABLE permit_gas_tests ALTER COLUMN readings DROP DEFAULT;
ALTER TABLE permit_gas_tests DROP COLUMN o2, DROP COLUMN lel, DROP COLUMN h2s, DROP COLUMN co;

-- Lock-out/tag-out points of a permit: who applied each, who removed it.
CREATE TABLE permit_isolations (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    permit_id       TEXT NOT NULL,
    point           TEXT NOT NULL,
    method          TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    applied_by      TEXT NOT NULL,
    applied_at      TIMESTAMPTZ NOT NULL,
    removed_by      TEXT,
    removed_at      TIMESTAMPTZ,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, permit_id) REFERENCES permits (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX permit_isolations_permit ON permit_isolations (organization_id, permit_id, applied_at);

ALTER TABLE permit_types ENABLE ROW LEVEL SECURITY;
ALTER TABLE permit_types FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON permit_types
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');

ALTER TABLE permit_type_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE permit_type_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON permit_type_versions
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');

ALTER TABLE permit_isolations ENABLE ROW LEVEL SECURITY;
ALTER TABLE permit_isolations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON permit_isolations
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');

UPDATE roles SET permissions = permissions || '["permits:gas_test"]'::jsonb
    WHERE id IN ('sys-owner', 'sys-admin', 'sys-compliance_manager', 'sys-station_manager')
    AND NOT permissions @> '["permits:gas_test"]'::jsonb;
UPDATE roles SET permissions = permissions || '["permits:configure"]'::jsonb
    WHERE id IN ('sys-owner', 'sys-admin', 'sys-compliance_manager')
    AND NOT permissions @> '["permits:configure"]'::jsonb;
