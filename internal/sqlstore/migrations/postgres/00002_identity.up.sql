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
    settings    JSONB NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL DEFAULT '',
    email_verified_at   TIMESTAMPTZ,
    is_operator         BOOLEAN NOT NULL DEFAULT false,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE roles (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    system          BOOLEAN NOT NULL DEFAULT false,
    scope           TEXT NOT NULL DEFAULT 'organization' CHECK (scope IN ('organization', 'stations', 'contractor')),
    permissions     JSONB NOT NULL DEFAULT '[]',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, name)
);

CREATE TABLE memberships (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id         TEXT NOT NULL,
    station_ids     JSONB NOT NULL DEFAULT '[]',
    contractor_id   TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, user_id),
    FOREIGN KEY (organization_id, role_id) REFERENCES roles (organization_id, id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE invitations (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    email           TEXT NOT NULL,
    role_id         TEXT NOT NULL,
    station_ids     JSONB NOT NULL DEFAULT '[]',
    contractor_id   TEXT,
    token_hash      TEXT NOT NULL UNIQUE,
    invited_by      TEXT NOT NULL REFERENCES users (id),
    expires_at      TIMESTAMPTZ NOT NULL,
    accepted_at     TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, role_id) REFERENCES roles (organization_id, id)
);

-- A session is one refresh-token family: every rotation stays in it, and
-- reuse of a rotated token revokes the whole family.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    last_used_at    TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    revoked_at      TIMESTAMPTZ,
    revoked_reason  TEXT NOT NULL DEFAULT '',
    ip              TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    issued_at   TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    rotated_at  TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- One-time tokens for e-mail verification and password reset, stored hashed.
CREATE TABLE user_tokens (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

-- The audit trail is append-only: triggers refuse every change.
CREATE TABLE audit_log (
    id              TEXT PRIMARY KEY,
    organization_id TEXT,
    occurred_at     TIMESTAMPTZ NOT NULL,
    actor_user_id   TEXT,
    actor_email     TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL,
    entity_type     TEXT NOT NULL DEFAULT '',
    entity_id       TEXT NOT NULL DEFAULT '',
    before          JSONB,
    after           JSONB,
    ip              TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT '',
    request_id      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_org ON audit_log (organization_id, id);
CREATE FUNCTION hse_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION hse_refuse_change();

-- The application works as hse_app, a role without BYPASSRLS, whatever role
-- it connects as (SET LOCAL ROLE per transaction): row-level security then
-- applies even when the connecting role owns the tables or is a superuser.
DO $$
BEGIN
    CREATE ROLE hse_app NOLOGIN NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$
BEGIN
    EXECUTE format('GRANT hse_app TO %I', current_user);
EXCEPTION WHEN OTHERS THEN NULL; -- already a member, or granted concurrently
END $$;
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO hse_app', current_schema());
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO hse_app', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO hse_app', current_schema());
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO hse_app', current_schema());
END $$;
REVOKE UPDATE, DELETE ON audit_log FROM hse_app;

-- Row-level security, enabled and forced on every tenant table. The
-- application sets hse.org_id (and hse.user_id) per transaction; without
-- them a query sees nothing. hse.platform is set only by explicitly named
-- platform-operator operations.
ALTER TABLE roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE roles FORCE ROW LEVEL SECURITY;
-- A user also reads the roles they hold in their other organizations (the
-- organization switcher shows them).
CREATE POLICY tenant ON roles
    USING (organization_id = current_setting('hse.org_id', true)
           OR current_setting('hse.platform', true) = 'on'
           OR EXISTS (SELECT 1 FROM memberships m
                      WHERE m.organization_id = roles.organization_id
                        AND m.role_id = roles.id
                        AND m.user_id = current_setting('hse.user_id', true)));

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON invitations
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');

-- A user sees their own memberships in every organization (to log in and to
-- switch organization), and an organization sees its members.
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON memberships
    USING (organization_id = current_setting('hse.org_id', true)
           OR user_id = current_setting('hse.user_id', true)
           OR current_setting('hse.platform', true) = 'on');

-- Security events outside any organization (a failed login for an unknown
-- address) have no organization and are visible to platform operators only.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON audit_log FOR SELECT
    USING (organization_id = current_setting('hse.org_id', true) OR current_setting('hse.platform', true) = 'on');
CREATE POLICY tenant_write ON audit_log FOR INSERT
    WITH CHECK (organization_id IS NULL OR organization_id = current_setting('hse.org_id', true)
                OR current_setting('hse.platform', true) = 'on');
