package app_test

import (
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
)

// fillDomainTables adds rows to the tables of the HSE domain (stations,
// checklists, audits, actions, …) for the backup round trip. Each new table
// needs a line here, or TestBackupRoundTrip names it.
func fillDomainTables(t *testing.T, e *apptest.Env, owner *apptest.User) {
	t.Helper()
	fillAuditTables(t, e, owner)
	fillSitesTables(t, e, owner)
	fillPlatformTables(t, e, owner)
	fillCommentTables(t, e, owner)
	fillPermitTables(t, e, owner)
	fillFilesTables(t, e, owner)
	fillIncidentTables(t, e, owner)
	fillProgrammeAndImportTables(t, e, owner)
}
