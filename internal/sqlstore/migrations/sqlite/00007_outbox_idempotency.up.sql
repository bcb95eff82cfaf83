-- Domain events, written in the transaction of the change that caused
-- them (a transactional outbox), and delivered afterwards by the relay.
-- Ids are time-ordered, so delivery follows the order of commits closely
-- enough for notifications; consumers must still tolerate repeats.
CREATE TABLE outbox_events (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    type            TEXT NOT NULL,
    entity_type     TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    actor_user_id   TEXT,
    occurred_at     TIMESTAMP NOT NULL,
    payload         JSONB,
    dispatched_at   TIMESTAMP,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX outbox_events_pending ON outbox_events (id) WHERE dispatched_at IS NULL;
CREATE INDEX outbox_events_entity ON outbox_events (organization_id, entity_type, entity_id);

-- Idempotency keys of creating requests: the first request with a key
-- claims it (status 0), and its response is kept so that a retry with the
-- same key and body gets the same answer without creating anything again.
CREATE TABLE idempotency_keys (
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    key              TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    method           TEXT NOT NULL,
    path             TEXT NOT NULL,
    request_hash     TEXT NOT NULL DEFAULT '',
    claim            TEXT NOT NULL,
    status           INTEGER NOT NULL DEFAULT 0,
    response_headers JSONB,
    response_body    BLOB,
    created_at       TIMESTAMP NOT NULL,
    completed_at     TIMESTAMP,
    expires_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- The due date an action was last announced overdue (and escalated) for,
-- so the overdue job emits each event once per due date, and again when
-- the due date moved and passed again.
ALTER TABLE actions ADD COLUMN overdue_for DATE;
ALTER TABLE actions ADD COLUMN escalated_for DATE;
