-- The roles policy reads memberships, so it goes before the tables.
DROP POLICY tenant ON roles;
DROP TABLE audit_log;
DROP TABLE user_tokens;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE invitations;
DROP TABLE memberships;
DROP TABLE roles;
DROP TABLE users;
DROP TABLE organizations;
DROP FUNCTION hse_refuse_change();
-- The hse_app role is shared by every schema of the cluster; it is left in place.
