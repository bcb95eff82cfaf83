-- Per-organization number series (AUD-2026, INC-2026, PTW-2026). The
-- counter is bumped in the same transaction that inserts the numbered row,
-- so numbers are unique and gap-free: a rolled-back insert takes its number
-- back with it.
CREATE TABLE counters (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    series          TEXT NOT NULL,
    value           INTEGER NOT NULL,
    PRIMARY KEY (organization_id, series)
);
