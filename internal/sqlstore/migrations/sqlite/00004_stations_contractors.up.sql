-- Sites and contractor companies. Stations are never deleted: deactivating
-- one keeps its audits, incidents and hours. Contractors likewise become
-- Inactive instead of disappearing.

CREATE TABLE stations (
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    code             TEXT NOT NULL,
    name             TEXT NOT NULL,
    brand            TEXT NOT NULL DEFAULT '',
    region           TEXT NOT NULL DEFAULT '',
    address          TEXT NOT NULL DEFAULT '',
    latitude         REAL CHECK (latitude BETWEEN -90 AND 90),
    longitude        REAL CHECK (longitude BETWEEN -180 AND 180),
    risk_category    TEXT NOT NULL CHECK (risk_category IN ('Low', 'Medium', 'High', 'Critical')),
    audit_frequency  TEXT NOT NULL CHECK (audit_frequency IN ('Monthly', 'Quarterly', 'Semi-Annually', 'Annually')),
    manager_user_ids TEXT NOT NULL DEFAULT '[]',
    active           INTEGER NOT NULL DEFAULT 1,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, code)
);
CREATE INDEX stations_org_name ON stations (organization_id, name, id);
CREATE INDEX stations_org_region ON stations (organization_id, region, id);

-- Hours worked per station and month ('YYYY-MM'), the denominator of
-- incident rates.
CREATE TABLE station_hours (
    organization_id TEXT NOT NULL,
    station_id      TEXT NOT NULL,
    month           TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
    hours           REAL NOT NULL CHECK (hours >= 0 AND hours <= 1000000),
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, station_id, month),
    FOREIGN KEY (organization_id, station_id) REFERENCES stations (organization_id, id) ON DELETE CASCADE
);

CREATE TABLE contractors (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    licence_number  TEXT NOT NULL DEFAULT '',
    specialization  TEXT NOT NULL DEFAULT '',
    contact_name    TEXT NOT NULL DEFAULT '',
    contact_email   TEXT NOT NULL DEFAULT '',
    contact_phone   TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('Active', 'Suspended', 'Inactive')),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX contractors_org_name ON contractors (organization_id, name, id);

-- attachment_id points at a stored file once attachments exist.
CREATE TABLE contractor_documents (
    organization_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    contractor_id   TEXT NOT NULL,
    type            TEXT NOT NULL CHECK (type IN ('insurance', 'licence', 'certification', 'other')),
    number          TEXT NOT NULL DEFAULT '',
    issued_on       DATE,
    expires_on      DATE,
    attachment_id   TEXT,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, contractor_id) REFERENCES contractors (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX contractor_documents_contractor ON contractor_documents (organization_id, contractor_id, expires_on);

