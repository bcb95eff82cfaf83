package sqlstore

import (
	"context"
	"database/sql"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
)

func (t identityTx) CreateMembership(ctx context.Context, orgID string, m *identity.Membership) error {
	stations, err := jsonParam(orEmpty(m.StationIDs))
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO memberships (organization_id, user_id, role_id, station_ids, contractor_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, orgID, m.UserID, m.RoleID, stations, nullString(m.ContractorID), utc(m.CreatedAt), utc(m.UpdatedAt))
	if isUniqueViolation(err) {
		return hse.Conflict("ALREADY_MEMBER", "the user is already a member of this organization")
	}
	return err
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func scanMembership(dst *identity.Membership, stations nullJSON, contractor sql.NullString) error {
	dst.ContractorID = contractor.String
	dst.CreatedAt, dst.UpdatedAt = dst.CreatedAt.UTC(), dst.UpdatedAt.UTC()
	return jsonScan(stations.NullString, &dst.StationIDs)
}

func (t identityTx) FindMembership(ctx context.Context, orgID, userID string) (*identity.Membership, error) {
	m := identity.Membership{OrgID: orgID, UserID: userID}
	var stations nullJSON
	var contractor sql.NullString
	err := t.QueryRow(ctx, `SELECT role_id, station_ids, contractor_id, created_at, updated_at FROM memberships
		WHERE organization_id = ? AND user_id = ?`, orgID, userID).Scan(&m.RoleID, &stations, &contractor, &m.CreatedAt, &m.UpdatedAt)
	if err != nil {
		return nil, notFound(err, "member")
	}
	return &m, scanMembership(&m, stations, contractor)
}

func (t identityTx) FindMembers(ctx context.Context, orgID string) ([]identity.Member, error) {
	rows, err := t.Query(ctx, `SELECT m.user_id, m.role_id, m.station_ids, m.contractor_id, m.created_at, m.updated_at,
			u.email, u.name, u.email_verified_at IS NOT NULL, r.name, m.suspended_at IS NOT NULL
		FROM memberships m
		JOIN users u ON u.id = m.user_id
		JOIN roles r ON r.organization_id = m.organization_id AND r.id = m.role_id
		WHERE m.organization_id = ? ORDER BY u.email`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.Member
	for rows.Next() {
		mb := identity.Member{Membership: identity.Membership{OrgID: orgID}}
		var stations nullJSON
		var contractor sql.NullString
		if err := rows.Scan(&mb.UserID, &mb.RoleID, &stations, &contractor, &mb.CreatedAt, &mb.UpdatedAt,
			&mb.Email, &mb.Name, &mb.Verified, &mb.RoleName, &mb.Suspended); err != nil {
			return nil, err
		}
		if err := scanMembership(&mb.Membership, stations, contractor); err != nil {
			return nil, err
		}
		out = append(out, mb)
	}
	return out, rows.Err()
}

// FindUserMemberships lists a user's organizations; the transaction must be
// scoped to the user (row-level security lets a user see their own rows).
func (t identityTx) FindUserMemberships(ctx context.Context, userID string) ([]identity.UserMembership, error) {
	rows, err := t.Query(ctx, `SELECT o.id, o.name, o.slug, o.status, m.role_id, r.name, m.created_at
		FROM memberships m
		JOIN organizations o ON o.id = m.organization_id
		JOIN roles r ON r.organization_id = m.organization_id AND r.id = m.role_id
		WHERE m.user_id = ? ORDER BY m.created_at, o.id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.UserMembership
	for rows.Next() {
		var um identity.UserMembership
		if err := rows.Scan(&um.OrgID, &um.OrgName, &um.OrgSlug, &um.OrgStatus, &um.RoleID, &um.RoleName, &um.JoinedAt); err != nil {
			return nil, err
		}
		um.JoinedAt = um.JoinedAt.UTC()
		out = append(out, um)
	}
	return out, rows.Err()
}

func (t identityTx) UpdateMembership(ctx context.Context, orgID string, m *identity.Membership) error {
	stations, err := jsonParam(orEmpty(m.StationIDs))
	if err != nil {
		return err
	}
	res, err := t.Exec(ctx, `UPDATE memberships SET role_id = ?, station_ids = ?, contractor_id = ?, updated_at = ?
		WHERE organization_id = ? AND user_id = ?`, m.RoleID, stations, nullString(m.ContractorID), utc(m.UpdatedAt), orgID, m.UserID)
	return expectOne(res, err, "member")
}

func (t identityTx) DeleteMembership(ctx context.Context, orgID, userID string) error {
	res, err := t.Exec(ctx, `DELETE FROM memberships WHERE organization_id = ? AND user_id = ?`, orgID, userID)
	return expectOne(res, err, "member")
}
