-- Who does the work, and in which time zone.
--
-- An incident names its investigator and the day the investigation is due;
-- an incident closed straight from investigation keeps the reason.
ALTER TABLE incidents ADD COLUMN investigator_user_id TEXT;
ALTER TABLE incidents ADD COLUMN investigation_due_on DATE;
ALTER TABLE incidents ADD COLUMN closure_reason TEXT NOT NULL DEFAULT '';
-- A station may keep its own IANA time zone; '' follows the organization.
ALTER TABLE stations ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
-- The stations where a contractor company may work; [] means every station.
ALTER TABLE contractors ADD COLUMN station_ids JSONB NOT NULL DEFAULT '[]';
-- A suspended member keeps the membership (and its history) but cannot act.
ALTER TABLE memberships ADD COLUMN suspended_at TIMESTAMPTZ;
