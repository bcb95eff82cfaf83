package sqlstore

import (
	"context"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
)

const roleColumns = `id, name, description, system, scope, permissions, created_at, updated_at`

func scanRole(row interface{ Scan(...any) error }) (*identity.Role, error) {
	var r identity.Role
	var perms nullJSON
	if err := row.Scan(&r.ID, &r.Name, &r.Description, &r.System, &r.Scope, &perms, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	if err := jsonScan(perms.NullString, &r.Permissions); err != nil {
		return nil, err
	}
	return &r, nil
}

func (t identityTx) CreateRole(ctx context.Context, orgID string, r *identity.Role) error {
	perms, err := jsonParam(r.Permissions)
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO roles (organization_id, `+roleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, r.ID, r.Name, r.Description, r.System, r.Scope, perms, utc(r.CreatedAt), utc(r.UpdatedAt))
	if isUniqueViolation(err) {
		return hse.Conflict("ROLE_NAME_TAKEN", "a role named %q exists", r.Name)
	}
	return err
}

func (t identityTx) FindRole(ctx context.Context, orgID, id string) (*identity.Role, error) {
	r, err := scanRole(t.QueryRow(ctx, `SELECT `+roleColumns+` FROM roles WHERE organization_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return nil, notFound(err, "role")
	}
	return r, nil
}

func (t identityTx) FindRoles(ctx context.Context, orgID string) ([]identity.Role, error) {
	rows, err := t.Query(ctx, `SELECT `+roleColumns+` FROM roles WHERE organization_id = ? ORDER BY system DESC, created_at, name`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.Role
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

func (t identityTx) UpdateRole(ctx context.Context, orgID string, r *identity.Role) error {
	perms, err := jsonParam(r.Permissions)
	if err != nil {
		return err
	}
	res, err := t.Exec(ctx, `UPDATE roles SET name = ?, description = ?, scope = ?, permissions = ?, updated_at = ?
		WHERE organization_id = ? AND id = ?`, r.Name, r.Description, r.Scope, perms, utc(r.UpdatedAt), orgID, r.ID)
	if isUniqueViolation(err) {
		return hse.Conflict("ROLE_NAME_TAKEN", "a role named %q exists", r.Name)
	}
	return expectOne(res, err, "role")
}

// DeleteRole deletes a role. Accepted and revoked invitations that offered
// it are history (the audit trail keeps them) and go with it; their foreign
// key would otherwise refuse the delete of a role nobody uses any more.
func (t identityTx) DeleteRole(ctx context.Context, orgID, id string) error {
	if _, err := t.Exec(ctx, `DELETE FROM invitations WHERE organization_id = ? AND role_id = ?
		AND (accepted_at IS NOT NULL OR revoked_at IS NOT NULL)`, orgID, id); err != nil {
		return err
	}
	res, err := t.Exec(ctx, `DELETE FROM roles WHERE organization_id = ? AND id = ?`, orgID, id)
	return expectOne(res, err, "role")
}

// CountRoleMembers counts members and pending invitations that use a role,
// so a role in use is never deleted.
func (t identityTx) CountRoleMembers(ctx context.Context, orgID, roleID string) (int, error) {
	var n int
	err := t.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM memberships WHERE organization_id = ? AND role_id = ?) +
		(SELECT COUNT(*) FROM invitations WHERE organization_id = ? AND role_id = ? AND accepted_at IS NULL AND revoked_at IS NULL)`,
		orgID, roleID, orgID, roleID).Scan(&n)
	return n, err
}

// CountRoleHolders counts the members holding a role (the last-owner rule).
func (t identityTx) CountRoleHolders(ctx context.Context, orgID, roleID string) (int, error) {
	var n int
	err := t.QueryRow(ctx, `SELECT COUNT(*) FROM memberships WHERE organization_id = ? AND role_id = ?`, orgID, roleID).Scan(&n)
	return n, err
}
