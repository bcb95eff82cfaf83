-- Lists at scale: every list's sort has an index that starts with the
-- organization and ends with the id, so a page (first or deep, by keyset)
-- is an index range read of limit+1 rows, never a scan and sort of the
-- organization's rows. Filters that keep few rows have their own.
CREATE INDEX audits_org_number ON audits (organization_id, number, id);
CREATE INDEX audits_org_created ON audits (organization_id, created_at, id);
CREATE INDEX audits_org_updated ON audits (organization_id, updated_at, id);
CREATE INDEX audits_org_completed ON audits (organization_id, completed_at, id);
-- The plan's "last completed audit of each station": one index probe per
-- station instead of reading and sorting all its audits. The WHERE is
-- written exactly as the plan query writes it, so SQLite can use it.
CREATE INDEX audits_station_last_completed ON audits (organization_id, station_id, completed_at, id) WHERE status IN ('Completed', 'Closed');
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
-- meaning as SQLite's trigram full-text table.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX audits_number_trgm ON audits USING gin (LOWER(number) gin_trgm_ops);
CREATE INDEX stations_name_trgm ON stations USING gin (LOWER(name) gin_trgm_ops);
