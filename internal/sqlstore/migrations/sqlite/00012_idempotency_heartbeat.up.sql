-- A running request refreshes its claim every few seconds; a claim whose
-- heartbeat stopped belongs to a request that died and is taken over
-- within seconds instead of minutes. Taking over is safe because a
-- request's writes and its key's completion commit in one transaction.
-- Claims made before this column existed count from created_at.
ALTER TABLE idempotency_keys ADD COLUMN heartbeat_at TIMESTAMP;
