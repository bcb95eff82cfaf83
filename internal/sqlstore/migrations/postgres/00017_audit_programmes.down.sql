ALTER TABLE form_templates DROP COLUMN archived_by;
ALTER TABLE form_templates DROP COLUMN archived_at;
DROP TABLE audit_events;
DROP INDEX audits_window;
DROP INDEX audits_schedule_occurrence;
-- Missed audits were never started: going back, they are cancelled.
UPDATE audits SET status = 'Cancelled', cancelled_at = missed_at, cancel_reason = 'missed' WHERE status = 'Missed';
ALTER TABLE audits DROP CONSTRAINT audits_status_check;
ALTER TABLE audits ADD CONSTRAINT audits_status_check
    CHECK (status IN ('Scheduled', 'In Progress', 'Completed', 'Closed', 'Cancelled'));
ALTER TABLE audits DROP COLUMN missed_at;
ALTER TABLE audits DROP COLUMN window_ends;
ALTER TABLE audits DROP COLUMN occurrence_date;
ALTER TABLE audits DROP COLUMN schedule_id;
DROP TABLE audit_schedules;
