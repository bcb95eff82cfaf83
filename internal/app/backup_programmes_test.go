package app_test

import (
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
)

// fillProgrammeAndImportTables adds an audit schedule (audit_schedules and
// the audits and audit_events it creates) and a contractors import
// (imports, external_refs) for the backup round trip.
func fillProgrammeAndImportTables(t *testing.T, e *apptest.Env, owner *apptest.User) {
	t.Helper()
	auditor := e.Invite(owner, "sys-auditor", nil)
	st := newStation(t, e, owner, "BACKUP-PRG-1", nil)
	form := newAutoForm(t, e, owner)
	e.Must(201, callAPI(t, e, "POST", "/api/audit-schedules", owner.Access, map[string]any{"name": "Backup monthly",
		"stationId": st.ID, "templateId": form.ID, "frequency": "monthly", "assigneeRule": "named", "auditorUserId": auditor.UserID}))
	csv := "code,name,licence_number,specialization,contact_name,contact_email,contact_phone,status\n" +
		"BCK-001,Backup Electrical Ltd,EL-1,Electrical,Dana Price,office@backup-electrical.example,+44 161 555 0101,Active\n"
	e.Must(200, importFile(e, owner.Access, "contractors", false, "contractors.csv", []byte(csv)))
}
