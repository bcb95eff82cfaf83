ALTER TABLE memberships DROP COLUMN suspended_at;
ALTER TABLE contractors DROP COLUMN station_ids;
ALTER TABLE stations DROP COLUMN time_zone;
ALTER TABLE incidents DROP COLUMN closure_reason;
ALTER TABLE incidents DROP COLUMN investigation_due_on;
ALTER TABLE incidents DROP COLUMN investigator_user_id;
