-- Imports of spreadsheets: one row per uploaded file's run, holding its
-- progress while it runs (polled by the client) and its outcome: counts
-- and the first errors by line and column.
CREATE TABLE imports (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('stations', 'members', 'contractors', 'contractor_documents')),
    format          TEXT NOT NULL CHECK (format IN ('csv', 'xlsx')),
    file_name       TEXT NOT NULL DEFAULT '',
    dry_run         BOOLEAN NOT NULL,
    status          TEXT NOT NULL,
    total           INTEGER NOT NULL DEFAULT 0,
    processed       INTEGER NOT NULL DEFAULT 0,
    created         INTEGER NOT NULL DEFAULT 0,
    updated         INTEGER NOT NULL DEFAULT 0,
    unchanged       INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    error_count     INTEGER NOT NULL DEFAULT 0,
    errors          TEXT NOT NULL DEFAULT '[]',
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    PRIMARY KEY (organization_id, id)
);

-- The codes records were imported under (a contractor's code in the
-- system it came from), so that importing the same file again finds and
-- updates them instead of adding copies. Stations are matched on their
-- own code and need no entry. entity_id points into the table kind names.
CREATE TABLE external_refs (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('contractor', 'contractor_document')),
    code            TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, kind, code)
);

ALTER TABLE imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE imports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON imports
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');

ALTER TABLE external_refs ENABLE ROW LEVEL SECURITY;
ALTER TABLE external_refs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON external_refs
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
