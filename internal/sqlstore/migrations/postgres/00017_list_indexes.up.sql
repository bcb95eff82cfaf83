-- Lists at scale: every list's sort has an index that starts with the
-- organization and ends with the id, so a page (first or deep, by keyset)
-- is an index range read of limit+1 rows, never a scan and sort of the
-- organization's rows. Filters that keep few rows have their own.
CREATE INDEX audits_org_number ON audits (organization_id, number, id);
CREATE INDEX audits_org_created ON audits (organization_id, created_at, id);
CREATE INDEX audits_org_updated ON audits (organization_id, updated_at, id);
CREATE INDEX audits_org_completed ON audits (organization_id, completed_at, id);
-- A station's audits in date order (its audits tab): the status index cannot give that order.
CREATE INDEX audits_station_scheduled ON audits (organization_id, station_id, scheduled_for, id);
CREATE INDEX actions_station_due ON actions (organization_id, station_id, due_on, id);
-- The plan's "last completed audit of each station": one index probe per
-- station instead of reading and sorting all its audits. The WHERE is
-- written exactly as the plan query writes it, so SQLite can use it.
CREATE INDEX audits_station_last_completed ON audits (organization_id, station_id, completed_at, id) WHERE status IN ('Completed', 'Closed');
-- and its next open audit, and a region's stations in code order.
CREATE INDEX audits_station_next_open ON audits (organization_id, station_id, scheduled_for, id) WHERE status IN ('Scheduled', 'In Progress');
CREATE INDEX stations_org_region_code ON stations (organization_id, region, code);
CREATE INDEX actions_org_created ON actions (organization_id, created_at, id);
CREATE INDEX actions_org_number ON actions (organization_id, number, id);
CREATE INDEX actions_org_status_due ON actions (organization_id, status, due_on, id);
CREATE INDEX actions_org_priority ON actions (organization_id, (CASE priority WHEN 'Low' THEN 1 WHEN 'Medium' THEN 2 WHEN 'High' THEN 3 ELSE 4 END), id);
CREATE INDEX incidents_org_reported ON incidents (organization_id, reported_at, id);
CREATE INDEX incidents_org_created ON incidents (organization_id, created_at, id);
CREATE INDEX incidents_org_number ON incidents (organization_id, number, id);
CREATE INDEX incidents_org_severity ON incidents (organization_id, (CASE severity WHEN 'Low' THEN 1 WHEN 'Medium' THEN 2 WHEN 'High' THEN 3 ELSE 4 END), id);
CREATE INDEX permits_org_created ON permits (organization_id, created_at, id);
CREATE INDEX permits_org_number ON permits (organization_id, number, id);
CREATE INDEX stations_org_code ON stations (organization_id, code, id);
CREATE INDEX stations_org_created ON stations (organization_id, created_at, id);
CREATE INDEX audit_log_org_occurred ON audit_log (organization_id, id DESC);

-- Search (q=) in audit numbers and station names: trigram GIN indexes
-- (pg_trgm, a trusted extension), which answer a case-insensitive
-- substring (LOWER(col) LIKE '%aud-2025%') from the index, the same
-- meaning as SQLite's trigram full-text table. The extension lives in its
-- own schema, hse_ext, so that a backup of the application's schema
-- (restored under another schema name by the restore test) refers to its
-- operator class by a name the restore does not rewrite. Where pg_trgm is
-- already installed, in whatever schema, that one is used.
DO $$
BEGIN
    CREATE SCHEMA IF NOT EXISTS hse_ext;
    CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA hse_ext;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- created concurrently
END $$;
DO $$
DECLARE
    ext text;
BEGIN
    SELECT n.nspname INTO ext FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX audits_number_trgm ON audits USING gin (LOWER(number) %I.gin_trgm_ops)', ext);
    EXECUTE format('CREATE INDEX stations_name_trgm ON stations USING gin (LOWER(name) %I.gin_trgm_ops)', ext);
END $$;
