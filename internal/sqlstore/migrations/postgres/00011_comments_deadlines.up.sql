-- Comments on incidents, actions and permits. entity_id points into one of
-- several tables, so it is not a foreign key; the service checks that the
-- caller can see the record before reading or writing its comments.
-- mentions holds the user ids of the members named in the comment.
CREATE TABLE comments (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    entity_type     TEXT NOT NULL CHECK (entity_type IN ('incident', 'action', 'permit')),
    entity_id       TEXT NOT NULL,
    author_user_id  TEXT NOT NULL,
    body            TEXT NOT NULL,
    mentions        JSONB,
    created_at      TIMESTAMPTZ NOT NULL,
    deleted_at      TIMESTAMPTZ,
    deleted_by      TEXT,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX comments_entity ON comments (organization_id, entity_type, entity_id, id);

ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE comments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON comments
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');

-- The regulatory deadline an incident was last announced as missed for,
-- so the deadline job emits "incident:deadline_missed" once per deadline
-- (and again if a correction moves the deadline and it passes again).
ALTER TABLE incidents ADD COLUMN deadline_missed_for TIMESTAMPTZ;

-- The contractor company a linked record belongs to (a permit's
-- contractor, a contractor document's company), so contractor staff can
-- open the files of their company's records.
ALTER TABLE attachment_links ADD COLUMN contractor_id TEXT;
