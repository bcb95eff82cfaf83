ALTER TABLE form_templates DROP COLUMN archived_by;
ALTER TABLE form_templates DROP COLUMN archived_at;
DROP TABLE audit_events;
DROP INDEX audits_window;
DROP INDEX audits_schedule_occurrence;
-- Missed audits were never started: going back, they are cancelled.
UPDATE audits SET status = 'Cancelled', cancelled_at = missed_at, cancel_reason = 'missed' WHERE status = 'Missed';
ALTER TABLE audits DROP COLUMN missed_at;
ALTER TABLE audits DROP COLUMN window_ends;
ALTER TABLE audits DROP COLUMN occurrence_date;
ALTER TABLE audits DROP COLUMN schedule_id;
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, '''Closed'', ''Cancelled'', ''Missed'')', '''Closed'', ''Cancelled'')')
    WHERE type = 'table' AND name = 'audits';
PRAGMA writable_schema = RESET;
DROP TABLE audit_schedules;
