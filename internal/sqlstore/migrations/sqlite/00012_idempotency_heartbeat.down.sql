ALTER TABLE idempotency_keys DROP COLUMN heartbeat_at;
