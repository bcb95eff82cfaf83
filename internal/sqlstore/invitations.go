package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/hsedigital/hse/internal/identity"
)

const invitationColumns = `id, email, role_id, station_ids, contractor_id, token_hash, invited_by, expires_at, accepted_at, revoked_at, created_at`

func scanInvitation(row interface{ Scan(...any) error }, orgID string) (*identity.Invitation, error) {
	inv := identity.Invitation{OrgID: orgID}
	var stations nullJSON
	var contractor sql.NullString
	var accepted, revoked sql.NullTime
	if err := row.Scan(&inv.ID, &inv.Email, &inv.RoleID, &stations, &contractor, &inv.TokenHash, &inv.InvitedBy,
		&inv.ExpiresAt, &accepted, &revoked, &inv.CreatedAt); err != nil {
		return nil, err
	}
	inv.ContractorID = contractor.String
	inv.AcceptedAt, inv.RevokedAt = timePtr(accepted), timePtr(revoked)
	inv.ExpiresAt, inv.CreatedAt = inv.ExpiresAt.UTC(), inv.CreatedAt.UTC()
	return &inv, jsonScan(stations.NullString, &inv.StationIDs)
}

func (t identityTx) CreateInvitation(ctx context.Context, orgID string, inv *identity.Invitation) error {
	stations, err := jsonParam(orEmpty(inv.StationIDs))
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO invitations (organization_id, `+invitationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, inv.ID, inv.Email, inv.RoleID, stations, nullString(inv.ContractorID), inv.TokenHash, inv.InvitedBy,
		utc(inv.ExpiresAt), nullTime(inv.AcceptedAt), nullTime(inv.RevokedAt), utc(inv.CreatedAt))
	return err
}

func (t identityTx) FindInvitationByTokenHash(ctx context.Context, orgID, hash string) (*identity.Invitation, error) {
	inv, err := scanInvitation(t.QueryRow(ctx, `SELECT `+invitationColumns+` FROM invitations
		WHERE organization_id = ? AND token_hash = ?`, orgID, hash), orgID)
	if err != nil {
		return nil, notFound(err, "invitation")
	}
	return inv, nil
}

func (t identityTx) FindInvitations(ctx context.Context, orgID string) ([]identity.Invitation, error) {
	rows, err := t.Query(ctx, `SELECT `+invitationColumns+` FROM invitations WHERE organization_id = ? ORDER BY created_at DESC, id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows, orgID)
		if err != nil {
			return nil, err
		}
		out = append(out, *inv)
	}
	return out, rows.Err()
}

func (t identityTx) MarkInvitationAccepted(ctx context.Context, orgID, id string, at time.Time) error {
	res, err := t.Exec(ctx, `UPDATE invitations SET accepted_at = ? WHERE organization_id = ? AND id = ? AND accepted_at IS NULL`, utc(at), orgID, id)
	return expectOne(res, err, "invitation")
}

func (t identityTx) RevokeInvitation(ctx context.Context, orgID, id string, at time.Time) error {
	res, err := t.Exec(ctx, `UPDATE invitations SET revoked_at = ? WHERE organization_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL`, utc(at), orgID, id)
	return expectOne(res, err, "invitation")
}

// ReplacePendingInvitations revokes, at at, the invitations of email that
// are neither accepted nor revoked, and returns their ids, so that the new
// invitation the caller creates next is the only one. It first takes the
// organization's row lock (a no-op update, portable where SELECT ... FOR
// UPDATE is not): two invitations of one address sent at once queue, and
// the second replaces the first instead of both staying pending.
func (t identityTx) ReplacePendingInvitations(ctx context.Context, orgID, email string, at time.Time) ([]string, error) {
	res, err := t.Exec(ctx, `UPDATE organizations SET updated_at = updated_at WHERE id = ?`, orgID)
	if err := expectOne(res, err, "organization"); err != nil {
		return nil, err
	}
	rows, err := t.Query(ctx, `SELECT id FROM invitations
		WHERE organization_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL ORDER BY created_at, id`, orgID, email)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := t.RevokeInvitation(ctx, orgID, id, at); err != nil {
			return nil, err
		}
	}
	return ids, nil
}
