-- Back to the fixed table of types: each permit takes the old name of its
-- type's key (an organization's own types become General), Suspended
-- work is Active again, and gas tests keep O2, LEL, H2S and CO (0 when a
-- test did not measure one).
DROP TABLE permit_isolations;
ALTER TABLE permit_gas_tests ADD COLUMN o2 DOUBLE PRECISION NOT NULL DEFAULT 0, ADD COLUMN lel DOUBLE PRECISION NOT NULL DEFAULT 0,
    ADD COLUMN h2s DOUBLE PRECISION NOT NULL DEFAULT 0, ADD COLUMN co DOUBLE PRECISION NOT NULL DEFAULT 0;
UPDATE permit_gas_tests SET o2 = COALESCE((readings::jsonb ->> 'O2')::double precision, 0),
    lel = COALESCE((readings::jsonb ->> 'LEL')::double precision, 0), h2s = COALESCE((readings::jsonb ->> 'H2S')::double precision, 0),
    co = COALESCE((readings::jsonb ->> 'CO')::double precision, 0);
ALTER TABLE permit_gas_tests ALTER COLUMN o2 DROP DEFAULT, ALTER COLUMN lel DROP DEFAULT, ALTER COLUMN h2s DROP DEFAULT,
    ALTER COLUMN co DROP DEFAULT, DROP COLUMN readings;
DROP INDEX permits_retest;
ALTER TABLE permits DROP CONSTRAINT permits_type_version_fkey;
UPDATE permits SET type = CASE type_key WHEN 'hot_work' THEN 'Hot Work' WHEN 'confined_space' THEN 'Confined Space Entry'
        WHEN 'electrical_isolation' THEN 'Electrical' WHEN 'work_at_height' THEN 'Work at Height'
        WHEN 'excavation' THEN 'Excavation' ELSE 'General' END,
    status = CASE status WHEN 'Suspended' THEN 'Active' ELSE status END;
ALTER TABLE permits DROP COLUMN type_key, DROP COLUMN type_version, DROP COLUMN retest_due_at, DROP COLUMN suspended_at,
    DROP COLUMN suspension_reason;
ALTER TABLE permits DROP CONSTRAINT permits_status_check;
ALTER TABLE permits ADD CONSTRAINT permits_status_check CHECK (status IN ('Draft', 'Pending Approval', 'Approved', 'Active', 'Closed',
    'Rejected', 'Cancelled', 'Expired'));
ALTER TABLE permits ADD CONSTRAINT permits_type_check CHECK (type IN ('Hot Work', 'Confined Space Entry', 'Work at Height', 'Electrical',
    'Excavation', 'Tank Cleaning', 'General'));
DROP TABLE permit_type_versions;
DROP TABLE permit_types;
UPDATE roles SET permissions = permissions - 'permits:gas_test' - 'permits:configure';
