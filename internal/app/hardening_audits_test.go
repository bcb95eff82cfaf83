package app_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/hsetest"
)

// Scheduling an audit answers with the audit as a read shows it: the
// template's name (and every other field) included, not an empty string.
func TestAuditScheduleAnswersLikeARead(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newAuditFixture(t, engine, "Schedule Answers")
		r := f.e.Must(201, callAPI(t, f.e, "POST", "/api/audits", f.owner.Access, map[string]any{
			"stationId": f.station.ID, "templateId": f.form.ID, "auditorUserId": f.owner.UserID, "scheduledFor": "2026-12-01"}))
		created := r.JSON(t)
		if created["templateName"] != "Site audit" {
			t.Errorf("templateName %q, want %q", created["templateName"], "Site audit")
		}
		read := f.e.Must(200, callAPI(t, f.e, "GET", "/api/audits/"+created["id"].(string), f.owner.Access, nil)).JSON(t)
		for k, v := range read {
			if _, ok := created[k]; !ok {
				continue // what only a read of one audit carries (answers, findings)
			}
			if diff := cmp.Diff(v, created[k]); diff != "" {
				t.Errorf("%s: the created audit differs from its read (-read +created):\n%s", k, diff)
			}
		}
	})
}
