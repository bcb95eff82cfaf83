package sqlstore

import (
	"context"
	"database/sql"

	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
)

var _ audit.ScheduleStore = (*AuditStore)(nil)
var _ audit.ScheduleTx = auditTx{}

// AutoScheduleOrgs lists the active organizations whose settings turn
// automatic audit scheduling on, oldest first. It reads every tenant, so
// it runs with the platform scope; the settings are decoded here rather
// than in SQL, the JSON functions of the two engines being different.
func (s *AuditStore) AutoScheduleOrgs(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.InTx(ctx, Scope{Platform: true, ReadOnly: true}, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, settings FROM organizations
			WHERE status = 'active' AND CAST(settings AS TEXT) LIKE '%autoScheduleAudits%'
			ORDER BY created_at, id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var raw nullJSON
			if err := rows.Scan(&id, &raw); err != nil {
				return err
			}
			var settings identity.OrgSettings
			if err := jsonScan(raw.NullString, &settings); err != nil {
				return err
			}
			if settings.AutoSchedule {
				out = append(out, id)
			}
		}
		return rows.Err()
	})
	return out, err
}

// InScheduleTx runs fn in one transaction scoped as sc.
func (s *AuditStore) InScheduleTx(ctx context.Context, sc hse.TxScope, fn func(audit.ScheduleTx) error) error {
	return s.db.InTx(ctx, Scope{OrgID: sc.OrgID, UserID: sc.UserID, ReadOnly: sc.ReadOnly}, func(tx *Tx) error {
		return fn(auditTx{tx})
	})
}

// FindLastAuditors maps each active station to the auditor of its last
// audit that was not cancelled (the most recently scheduled one).
func (t auditTx) FindLastAuditors(ctx context.Context, orgID string) (map[string]string, error) {
	rows, err := t.Query(ctx, `SELECT s.id,
			(SELECT a.auditor_user_id FROM audits a WHERE a.organization_id = s.organization_id AND a.station_id = s.id
				AND a.status <> 'Cancelled' ORDER BY a.scheduled_for DESC, a.created_at DESC, a.id DESC LIMIT 1)
		FROM stations s WHERE s.organization_id = ? AND s.active = ?`, orgID, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var station string
		var auditor sql.NullString
		if err := rows.Scan(&station, &auditor); err != nil {
			return nil, err
		}
		if auditor.Valid {
			out[station] = auditor.String
		}
	}
	return out, rows.Err()
}

// FindConductors lists the organization's members with the permissions and
// scope of their role, earliest to join first, then by user id.
func (t auditTx) FindConductors(ctx context.Context, orgID string) ([]audit.Conductor, error) {
	rows, err := t.Query(ctx, `SELECT m.user_id, r.permissions, r.scope, m.station_ids, m.contractor_id FROM memberships m
		JOIN roles r ON r.organization_id = m.organization_id AND r.id = m.role_id
		WHERE m.organization_id = ? ORDER BY m.created_at, m.user_id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Conductor
	for rows.Next() {
		var c audit.Conductor
		var perms, stations nullJSON
		var scope string
		var contractor sql.NullString
		if err := rows.Scan(&c.UserID, &perms, &scope, &stations, &contractor); err != nil {
			return nil, err
		}
		var ps []hse.Permission
		if err := jsonScan(perms.NullString, &ps); err != nil {
			return nil, err
		}
		c.Access = audit.MemberAccess{Permissions: hse.NewPermissionSet(ps...), Scope: hse.Scope{Kind: scope, ContractorID: contractor.String}}
		if err := jsonScan(stations.NullString, &c.Access.Scope.StationIDs); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FindDefaultTemplate returns the latest published version of the template
// named starterName (the starter monthly inspection) when there is one,
// otherwise the most recently published version of any audit-kind
// template.
func (t auditTx) FindDefaultTemplate(ctx context.Context, orgID, starterName string) (*audit.FormVersion, error) {
	v, err := scanVersion(t.QueryRow(ctx, `SELECT `+prefixed("v.", versionColumns)+` FROM form_versions v
		JOIN form_templates t ON t.organization_id = v.organization_id AND t.id = v.template_id
		WHERE v.organization_id = ? AND v.status = 'published' AND (t.name = ? OR t.kind = 'audit') AND t.archived_at IS NULL
		ORDER BY CASE WHEN t.name = ? THEN 0 ELSE 1 END, v.published_at DESC, v.created_at DESC, v.id DESC
		LIMIT 1`, orgID, starterName, starterName))
	if err != nil {
		return nil, notFound(err, "form template")
	}
	return v, nil
}
