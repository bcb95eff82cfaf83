-- Identity and tenancy: organizations, users, roles, memberships,
-- invitations, sessions (refresh-token families) and one-time tokens.
-- Tenant-owned tables carry organization_id in every unique and foreign key,
-- so the database itself refuses cross-tenant links.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    plan        TEXT NOT NULL DEFAULT 'free',
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL DEFAULT '',
    email_verified_at   TIMESTAMP,
    is_operator         INTEGER NOT NULL DEFAULT 0,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE roles (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    system          INTEGER NOT NULL DEFAULT 0,
    scope           TEXT NOT NULL DEFAULT 'organization' CHECK (scope IN ('organization', 'stations', 'contractor')),
    permissions     TEXT NOT NULL DEFAULT '[]',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, name)
);

CREATE TABLE memberships (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id         TEXT NOT NULL,
    station_ids     TEXT NOT NULL DEFAULT '[]',
    contractor_id   TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, user_id),
    FOREIGN KEY (organization_id, role_id) REFERENCES roles (organization_id, id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE invitations (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    email           TEXT NOT NULL,
    role_id         TEXT NOT NULL,
    station_ids     TEXT NOT NULL DEFAULT '[]',
    contractor_id   TEXT,
    token_hash      TEXT NOT NULL UNIQUE,
    invited_by      TEXT NOT NULL REFERENCES users (id),
    expires_at      TIMESTAMP NOT NULL,
    accepted_at     TIMESTAMP,
    revoked_at      TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, role_id) REFERENCES roles (organization_id, id)
);

-- A session is one refresh-token family: every rotation stays in it, and
-- reuse of a rotated token revokes the whole family.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    created_at      TIMESTAMP NOT NULL,
    last_used_at    TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP,
    revoked_reason  TEXT NOT NULL DEFAULT '',
    ip              TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    issued_at   TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    rotated_at  TIMESTAMP
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- One-time tokens for e-mail verification and password reset, stored hashed.
CREATE TABLE user_tokens (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

-- The audit trail is append-only: triggers refuse every change.
CREATE TABLE audit_log (
    id              TEXT PRIMARY KEY,
    organization_id TEXT,
    occurred_at     TIMESTAMP NOT NULL,
    actor_user_id   TEXT,
    actor_email     TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL,
    entity_type     TEXT NOT NULL DEFAULT '',
    entity_id       TEXT NOT NULL DEFAULT '',
    before          TEXT,
    after           TEXT,
    ip              TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT '',
    request_id      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_org ON audit_log (organization_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
