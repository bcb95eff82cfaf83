ALTER TABLE actions DROP COLUMN escalated_for;
ALTER TABLE actions DROP COLUMN overdue_for;
DROP TABLE idempotency_keys;
DROP TABLE outbox_events;
