DROP TABLE idempotency_keys;
DROP TABLE outbox_events;
