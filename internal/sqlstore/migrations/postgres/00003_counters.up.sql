-- Per-organization number series (AUD-2026, INC-2026, PTW-2026). The
-- counter is bumped in the same transaction that inserts the numbered row,
-- so numbers are unique and gap-free: a rolled-back insert takes its number
-- back with it, and concurrent inserts queue on the counter's row lock.
CREATE TABLE counters (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    series          TEXT NOT NULL,
    value           BIGINT NOT NULL,
    PRIMARY KEY (organization_id, series)
);
ALTER TABLE counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE counters FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON counters
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
