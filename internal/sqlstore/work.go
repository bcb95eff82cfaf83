package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/hse"
)

// openWorkQuery lists a member's open work in one statement: audits to
// conduct, actions to do, incidents to investigate and permits requested
// and not yet finished.
const openWorkQuery = `
	SELECT 'audit', id, number, status, station_id, NULL FROM audits
		WHERE organization_id = ? AND auditor_user_id = ? AND status IN ('Scheduled', 'In Progress')
	UNION ALL
	SELECT 'action', id, number, status, station_id, NULL FROM actions
		WHERE organization_id = ? AND assignee_user_id = ? AND status IN ('Open', 'In Progress')
	UNION ALL
	SELECT 'investigation', id, number, status, station_id, NULL FROM incidents
		WHERE organization_id = ? AND investigator_user_id = ? AND status <> 'Closed'
	UNION ALL
	SELECT 'permit', id, number, status, station_id, contractor_id FROM permits
		WHERE organization_id = ? AND requested_by = ? AND status IN ('Draft', 'Pending Approval', 'Approved', 'Active', 'Suspended')
	ORDER BY 1, 3`

// OpenWork lists a member's open audits, actions, investigations and
// permit requests.
func (t identityTx) OpenWork(ctx context.Context, orgID, userID string) ([]hse.WorkItem, error) {
	rows, err := t.Query(ctx, openWorkQuery, orgID, userID, orgID, userID, orgID, userID, orgID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hse.WorkItem
	for rows.Next() {
		var w hse.WorkItem
		var station, contractor sql.NullString
		if err := rows.Scan(&w.Kind, &w.ID, &w.Number, &w.Status, &station, &contractor); err != nil {
			return nil, err
		}
		w.StationID, w.ContractorID = station.String, contractor.String
		out = append(out, w)
	}
	return out, rows.Err()
}

// ReassignWork hands each item over to `to`: the record's person column,
// version and time change; actions, incidents and permits get a history
// entry; audits, actions and investigations emit the event that tells the
// new holder.
func (t identityTx) ReassignWork(ctx context.Context, orgID string, items []hse.WorkItem, to, actor string, at time.Time) error {
	for _, w := range items {
		var err error
		switch w.Kind {
		case hse.WorkAudit:
			err = t.reassign(ctx, `UPDATE audits SET auditor_user_id = ?, version = version + 1, updated_at = ? WHERE organization_id = ? AND id = ?`,
				to, at, orgID, w.ID)
			if err == nil {
				err = t.Emit(ctx, workEvent(orgID, actor, at, "audit:assigned", "audit", w,
					map[string]any{"number": w.Number, "auditorUserId": to, "stationId": w.StationID}))
			}
		case hse.WorkAction:
			err = t.reassignAction(ctx, orgID, w, to, actor, at)
		case hse.WorkInvestigation:
			err = t.reassign(ctx, `UPDATE incidents SET investigator_user_id = ?, version = version + 1, updated_at = ? WHERE organization_id = ? AND id = ?`,
				to, at, orgID, w.ID)
			if err == nil {
				err = appendHistory(ctx, t.Tx, "incident_events", "incident_id", orgID, workHistory(w, actor, at, "investigator_assigned", to))
			}
			if err == nil {
				err = t.Emit(ctx, workEvent(orgID, actor, at, "incident:investigator_assigned", "incident", w,
					map[string]any{"number": w.Number, "investigatorUserId": to, "stationId": w.StationID}))
			}
		case hse.WorkPermit:
			err = t.reassign(ctx, `UPDATE permits SET requested_by = ?, version = version + 1, updated_at = ? WHERE organization_id = ? AND id = ?`,
				to, at, orgID, w.ID)
			if err == nil {
				err = appendHistory(ctx, t.Tx, "permit_events", "permit_id", orgID, workHistory(w, actor, at, "requester_changed", to))
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// reassign runs one UPDATE that must touch exactly one row.
func (t identityTx) reassign(ctx context.Context, query, to string, at time.Time, orgID, id string) error {
	res, err := t.Exec(ctx, query, to, utc(at), orgID, id)
	return expectOne(res, err, "record")
}

// reassignAction gives an action to `to` with its "assigned" history entry
// and the action:assigned event that mails the new assignee.
func (t identityTx) reassignAction(ctx context.Context, orgID string, w hse.WorkItem, to, actor string, at time.Time) error {
	if err := t.reassign(ctx, `UPDATE actions SET assignee_user_id = ?, version = version + 1, updated_at = ? WHERE organization_id = ? AND id = ?`,
		to, at, orgID, w.ID); err != nil {
		return err
	}
	if err := appendHistory(ctx, t.Tx, "action_events", "action_id", orgID, workHistory(w, actor, at, capa.EventAssigned, to)); err != nil {
		return err
	}
	a, err := scanAction(t.QueryRow(ctx, `SELECT `+actionColumns+` FROM actions WHERE organization_id = ? AND id = ?`, orgID, w.ID))
	if err != nil {
		return err
	}
	return t.Emit(ctx, workEvent(orgID, actor, at, capa.TypeAssigned, "action", w, capa.EventPayload(a)))
}

func workHistory(w hse.WorkItem, actor string, at time.Time, kind, note string) *hse.HistoryEntry {
	return &hse.HistoryEntry{ID: hse.NewID(), RecordID: w.ID, At: at, ActorUserID: actor, Kind: kind, Note: note}
}

func workEvent(orgID, actor string, at time.Time, typ, entity string, w hse.WorkItem, payload map[string]any) *hse.Event {
	e := hse.NewEvent(nil, orgID, at, typ, entity, w.ID, payload)
	e.ActorUserID = actor
	return e
}

// SetMemberSuspended suspends a member at `at`, or reactivates them (nil).
func (t identityTx) SetMemberSuspended(ctx context.Context, orgID, userID string, at *time.Time) error {
	res, err := t.Exec(ctx, `UPDATE memberships SET suspended_at = ? WHERE organization_id = ? AND user_id = ?`, nullTime(at), orgID, userID)
	return expectOne(res, err, "member")
}
