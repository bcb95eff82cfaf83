package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
)

// LoadPrincipal resolves the caller behind an access token in one query.
func (t identityTx) LoadPrincipal(ctx context.Context, orgID, userID, sessionID string, now time.Time) (*hse.Principal, error) {
	var (
		email                   string
		operator                bool
		revoked                 sql.NullTime
		expires                 time.Time
		roleID, roleName, scope sql.NullString
		perms, stations, orgSet nullJSON
		contractor, orgStatus   sql.NullString
		suspended               sql.NullBool
	)
	err := t.QueryRow(ctx, `SELECT u.email, u.is_operator, s.revoked_at, s.expires_at,
			m.role_id, r.name, r.scope, r.permissions, m.station_ids, m.contractor_id, o.status, o.settings,
			m.suspended_at IS NOT NULL
		FROM sessions s
		JOIN users u ON u.id = s.user_id
		LEFT JOIN memberships m ON m.organization_id = ? AND m.user_id = s.user_id
		LEFT JOIN roles r ON r.organization_id = m.organization_id AND r.id = m.role_id
		LEFT JOIN organizations o ON o.id = m.organization_id
		WHERE s.id = ? AND s.user_id = ?`, orgID, sessionID, userID).
		Scan(&email, &operator, &revoked, &expires, &roleID, &roleName, &scope, &perms, &stations, &contractor, &orgStatus, &orgSet, &suspended)
	if err != nil {
		if err == sql.ErrNoRows {
			return nil, hse.Unauthorized("TOKEN_INVALID", "the session does not exist")
		}
		return nil, err
	}
	if revoked.Valid || !now.Before(expires) {
		return nil, hse.Unauthorized("SESSION_REVOKED", "the session has ended; log in again")
	}
	p := &hse.Principal{UserID: userID, Email: email, SessionID: sessionID, Operator: operator, Permissions: hse.PermissionSet{}}
	if orgID == "" {
		return p, nil
	}
	if !roleID.Valid {
		return nil, hse.Unauthorized("NOT_A_MEMBER", "you are no longer a member of this organization")
	}
	if orgStatus.String != "active" {
		return nil, hse.Forbidden("ORGANIZATION_SUSPENDED", "this organization is suspended")
	}
	if suspended.Bool {
		return nil, hse.Forbidden("MEMBER_SUSPENDED", "your membership of this organization is suspended")
	}
	var settings identity.OrgSettings
	if err := jsonScan(orgSet.NullString, &settings); err != nil {
		return nil, err
	}
	p.TimeZone = settings.TimeZone
	var list []hse.Permission
	if err := jsonScan(perms.NullString, &list); err != nil {
		return nil, err
	}
	p.OrgID, p.RoleID, p.RoleName = orgID, roleID.String, roleName.String
	p.Permissions = hse.NewPermissionSet(list...)
	p.Scope = hse.Scope{Kind: scope.String, ContractorID: contractor.String}
	if err := jsonScan(stations.NullString, &p.Scope.StationIDs); err != nil {
		return nil, err
	}
	if p.Scope.Kind == hse.ScopeStations {
		// Being named a station's manager puts it in the manager's scope,
		// beside the stations of the membership.
		managed, err := t.managedStations(ctx, orgID, userID)
		if err != nil {
			return nil, err
		}
		for _, id := range managed {
			if !slices.Contains(p.Scope.StationIDs, id) {
				p.Scope.StationIDs = append(p.Scope.StationIDs, id)
			}
		}
	}
	return p, nil
}

// managedStations lists the stations that name userID among their
// managers.
func (t identityTx) managedStations(ctx context.Context, orgID, userID string) ([]string, error) {
	rows, err := t.Query(ctx, `SELECT id FROM stations WHERE organization_id = ? AND `+t.db.dialect.jsonArrayHas("manager_user_ids")+
		` ORDER BY id`, orgID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
