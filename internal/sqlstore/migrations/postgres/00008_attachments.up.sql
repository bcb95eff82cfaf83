-- Uploaded files. The bytes live in blob storage under storage_key (and
-- the thumbnail's under thumbnail_key); this table holds what was learnt
-- from them: the sniffed content type, size, digest and image metadata
-- (EXIF location is kept here, never in a served thumbnail).
CREATE TABLE attachments (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size_bytes      BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    storage_key     TEXT NOT NULL,
    thumbnail_key   TEXT NOT NULL DEFAULT '',
    metadata        JSONB,
    uploaded_by     TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX attachments_org_created ON attachments (organization_id, created_at, id);

-- Which records an attachment documents. entity_type is one of audit,
-- answer, finding, incident, action, permit, contractor_document;
-- station_id is copied from the record so downloads can follow the
-- station scope of the caller.
CREATE TABLE attachment_links (
    organization_id TEXT NOT NULL,
    attachment_id   TEXT NOT NULL,
    entity_type     TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    station_id      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, attachment_id, entity_type, entity_id),
    FOREIGN KEY (organization_id, attachment_id) REFERENCES attachments (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX attachment_links_entity ON attachment_links (organization_id, entity_type, entity_id);

ALTER TABLE attachments ENABLE ROW LEVEL SECURITY;
ALTER TABLE attachments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON attachments
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
ALTER TABLE attachment_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE attachment_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON attachment_links
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
