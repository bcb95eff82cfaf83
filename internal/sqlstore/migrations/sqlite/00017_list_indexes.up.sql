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

-- Search (q=) in audit numbers: a trigram full-text index, which answers
-- a case-insensitive substring (LIKE '%aud-2025%') of three characters or
-- more from the index. It holds its own copy of the number with the
-- audit's organization and id, so it never depends on the audits table's
-- rowids (which VACUUM INTO, and so a backup, may renumber).
CREATE VIRTUAL TABLE audits_search USING fts5(number, organization_id UNINDEXED, audit_id UNINDEXED, tokenize = 'trigram');
INSERT INTO audits_search (number, organization_id, audit_id) SELECT number, organization_id, id FROM audits;
CREATE TRIGGER audits_search_insert AFTER INSERT ON audits BEGIN
    INSERT INTO audits_search (number, organization_id, audit_id) VALUES (new.number, new.organization_id, new.id);
END;
-- Numbers never change and audits are deleted only with their
-- organization; the trigger keeps the index right anyway (LIKE, which
-- the trigram index answers; numbers hold no wildcard).
CREATE TRIGGER audits_search_delete AFTER DELETE ON audits BEGIN
    DELETE FROM audits_search WHERE rowid IN (SELECT rowid FROM audits_search WHERE number LIKE old.number AND audit_id = old.id);
END;
