package sqlstore

import (
	"context"
	"database/sql"
	"slices"

	"github.com/hsedigital/hse/internal/hse"
)

// MemberAccess reads a member's permissions and scope, with the stations
// they manage in a station scope as LoadPrincipal counts them. A suspended
// member is not found: they cannot be given work.
func (t *Tx) MemberAccess(ctx context.Context, orgID, userID string) (*hse.MemberAccess, error) {
	var perms, stations nullJSON
	var scope string
	var contractor sql.NullString
	err := t.QueryRow(ctx, `SELECT r.permissions, r.scope, m.station_ids, m.contractor_id FROM memberships m
		JOIN roles r ON r.organization_id = m.organization_id AND r.id = m.role_id
		WHERE m.organization_id = ? AND m.user_id = ? AND m.suspended_at IS NULL`, orgID, userID).Scan(&perms, &scope, &stations, &contractor)
	if err != nil {
		return nil, notFound(err, "member")
	}
	var ps []hse.Permission
	acc := &hse.MemberAccess{Scope: hse.Scope{Kind: scope, ContractorID: contractor.String}}
	if err := jsonScan(perms.NullString, &ps); err != nil {
		return nil, err
	}
	acc.Permissions = hse.NewPermissionSet(ps...)
	if err := jsonScan(stations.NullString, &acc.Scope.StationIDs); err != nil {
		return nil, err
	}
	if scope == hse.ScopeStations {
		managed, err := identityTx{t}.managedStations(ctx, orgID, userID)
		if err != nil {
			return nil, err
		}
		for _, id := range managed {
			if !slices.Contains(acc.Scope.StationIDs, id) {
				acc.Scope.StationIDs = append(acc.Scope.StationIDs, id)
			}
		}
	}
	return acc, nil
}

// MissingStations returns those of ids that are not stations of the
// organization.
func (t *Tx) MissingStations(ctx context.Context, orgID string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := t.Query(ctx, `SELECT id FROM stations WHERE organization_id = ? AND id IN (`+placeholders(len(ids))+`)`,
		append([]any{orgID}, anys(ids)...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		found[id] = true
	}
	var out []string
	for _, id := range ids {
		if !found[id] {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}
