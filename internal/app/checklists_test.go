package app_test

import (
	"slices"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// TestTemplateArchiveRestore: an archived template stays readable and its
// audits go on with their version, but it cannot be scheduled (by hand or
// by a schedule), edited or published until restored; it cannot be
// archived while a schedule uses it.
func TestTemplateArchiveRestore(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		o := e.Signup("Archive Fuels")
		auditor := e.Invite(o, "sys-auditor", nil)
		st := newStation(t, e, o, "AR-1", nil)
		form := newAutoForm(t, e, o)
		running := decodeJSON[auditItem](t, e.Must(201, callAPI(t, e, "POST", "/api/audits", o.Access, map[string]any{
			"stationId": st.ID, "templateId": form.ID, "auditorUserId": auditor.UserID, "scheduledFor": "2026-12-01"})))
		e.Must(200, callAPI(t, e, "POST", "/api/audits/"+running.ID+"/start", auditor.Access, nil))

		// In use by a schedule: refused, naming it.
		sc := decodeJSON[scheduleSaved](t, e.Must(201, callAPI(t, e, "POST", "/api/audit-schedules", o.Access, map[string]any{"name": "AR yearly",
			"stationId": st.ID, "templateId": form.ID, "frequency": "yearly", "assigneeRule": "named", "auditorUserId": auditor.UserID})))
		inUse := callAPI(t, e, "POST", "/api/forms/"+form.ID+"/archive", o.Access, nil)
		wantProblem(t, inUse, 409, "TEMPLATE_IN_USE")
		if ids, _ := inUse.JSON(t)["details"].(map[string]any)["scheduleIds"].([]any); len(ids) != 1 || ids[0] != sc.Schedule.ID {
			t.Errorf("TEMPLATE_IN_USE: %s", inUse.Body)
		}
		e.Must(200, callAPI(t, e, "PATCH", "/api/audit-schedules/"+sc.Schedule.ID, o.Access, map[string]any{"active": false, "version": sc.Schedule.Version}))

		// Permission first: an auditor may not archive.
		wantProblem(t, callAPI(t, e, "POST", "/api/forms/"+form.ID+"/archive", auditor.Access, nil), 403, "")
		arch := decodeJSON[struct {
			ArchivedAt, ArchivedBy string
			Version                int64
		}](t, e.Must(200, callAPI(t, e, "POST", "/api/forms/"+form.ID+"/archive", o.Access, nil)))
		if arch.ArchivedAt == "" || arch.ArchivedBy != o.UserID {
			t.Fatalf("archived template: %+v", arch)
		}
		wantProblem(t, callAPI(t, e, "POST", "/api/forms/"+form.ID+"/archive", o.Access, nil), 409, "TEMPLATE_ARCHIVED")

		// Listed only when asked for; still readable.
		ids := func(q string) []string {
			var out []string
			for _, f := range decodeJSON[struct{ Items []formItem }](t, e.Must(200, callAPI(t, e, "GET", "/api/forms?limit=100"+q, o.Access, nil))).Items {
				out = append(out, f.ID)
			}
			return out
		}
		if slices.Contains(ids(""), form.ID) || !slices.Equal(ids("&archived=only"), []string{form.ID}) || !slices.Contains(ids("&archived=include"), form.ID) {
			t.Errorf("archived template in lists: default %v, only %v", ids(""), ids("&archived=only"))
		}
		e.Must(200, callAPI(t, e, "GET", "/api/forms/"+form.ID, auditor.Access, nil))

		// Not schedulable, editable or publishable.
		wantProblem(t, callAPI(t, e, "POST", "/api/audits", o.Access, map[string]any{"stationId": st.ID, "templateId": form.ID,
			"auditorUserId": auditor.UserID, "scheduledFor": "2026-12-02"}), 409, "TEMPLATE_ARCHIVED")
		wantProblem(t, callAPI(t, e, "POST", "/api/audit-schedules", o.Access, map[string]any{"name": "AR again", "stationId": st.ID,
			"templateId": form.ID, "frequency": "yearly", "assigneeRule": "named", "auditorUserId": auditor.UserID}), 409, "TEMPLATE_ARCHIVED")
		wantProblem(t, callAPI(t, e, "PUT", "/api/forms/"+form.ID+"/draft", o.Access, map[string]any{"definition": autoDefinition()}), 409, "TEMPLATE_ARCHIVED")
		wantProblem(t, callAPI(t, e, "POST", "/api/forms/"+form.ID+"/publish", o.Access, nil), 409, "TEMPLATE_ARCHIVED")

		// The audit started before goes on with its version.
		e.Must(200, callAPI(t, e, "PUT", "/api/audits/"+running.ID+"/answers/estop", auditor.Access, map[string]any{"value": "pass"}))
		done := decodeJSON[auditItem](t, e.Must(200, callAPI(t, e, "POST", "/api/audits/"+running.ID+"/complete", auditor.Access, nil)))
		if done.FormVersionID != running.FormVersionID || done.Status != "Closed" {
			t.Errorf("audit of an archived template: %+v", done)
		}

		// Restored: usable again.
		wantProblem(t, callAPI(t, e, "POST", "/api/forms/"+form.ID+"/restore", auditor.Access, nil), 403, "")
		e.Must(200, callAPI(t, e, "POST", "/api/forms/"+form.ID+"/restore", o.Access, nil))
		wantProblem(t, callAPI(t, e, "POST", "/api/forms/"+form.ID+"/restore", o.Access, nil), 409, "TEMPLATE_NOT_ARCHIVED")
		e.Must(201, callAPI(t, e, "POST", "/api/audits", o.Access, map[string]any{"stationId": st.ID, "templateId": form.ID,
			"auditorUserId": auditor.UserID, "scheduledFor": "2026-12-02"}))
	})
}

// TestConditionalItemsAPI: conditions on a failure and on an out-of-range
// number are checked on publish and applied on completion: a shown
// follow-up is required, a hidden one is neither required nor scored.
func TestConditionalItemsAPI(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		o := e.Signup("Conditional Fuels")
		st := newStation(t, e, o, "CI-1", nil)
		item := func(key, typ string, extra map[string]any) map[string]any {
			m := map[string]any{"key": key, "label": key, "type": typ}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		def := func(cond map[string]any) map[string]any {
			return map[string]any{"sections": []any{map[string]any{"title": "Forecourt", "items": []any{
				item("estop", "pass_fail_na", map[string]any{"weight": 1, "required": true}),
				item("estop_why", "text", map[string]any{"required": true, "visibleWhen": map[string]any{"itemKey": "estop", "failed": true}}),
				item("pressure", "number", map[string]any{"min": 0, "max": 100, "required": true}),
				item("pressure_fix", "pass_fail_na", map[string]any{"weight": 5, "required": true, "visibleWhen": cond}),
			}}}}
		}
		form := decodeJSON[formItem](t, e.Must(201, callAPI(t, e, "POST", "/api/forms", o.Access, map[string]any{"name": "Conditional", "kind": "audit",
			"definition": def(map[string]any{"itemKey": "estop", "below": 10})})))
		// A range on a pass/fail item cannot be published.
		wantField(t, callAPI(t, e, "POST", "/api/forms/"+form.ID+"/publish", o.Access, nil), "definition.sections[0].items[3].visibleWhen.below")
		e.Must(200, callAPI(t, e, "PUT", "/api/forms/"+form.ID+"/draft", o.Access, map[string]any{
			"definition": def(map[string]any{"itemKey": "pressure", "below": 20, "above": 80})}))
		e.Must(200, callAPI(t, e, "POST", "/api/forms/"+form.ID+"/publish", o.Access, nil))

		a := decodeJSON[auditItem](t, e.Must(201, callAPI(t, e, "POST", "/api/audits", o.Access, map[string]any{
			"stationId": st.ID, "templateId": form.ID, "auditorUserId": o.UserID, "scheduledFor": "2026-12-01"})))
		e.Must(200, callAPI(t, e, "POST", "/api/audits/"+a.ID+"/start", o.Access, nil))
		put := func(key string, v any) {
			t.Helper()
			e.Must(200, callAPI(t, e, "PUT", "/api/audits/"+a.ID+"/answers/"+key, o.Access, map[string]any{"value": v}))
		}
		put("estop", "fail")
		put("pressure", 90)
		p := wantProblem(t, callAPI(t, e, "POST", "/api/audits/"+a.ID+"/complete", o.Access, nil), 400, "AUDIT_INCOMPLETE")
		var fields []string
		for _, f := range p.Errors {
			fields = append(fields, f.Field)
		}
		if !slices.Equal(fields, []string{"answers.estop_why", "answers.pressure_fix"}) {
			t.Errorf("incomplete fields %v, want the two shown follow-ups", fields)
		}
		// Back in range: the fix is hidden again, so its failing answer is
		// neither required nor scored.
		put("pressure_fix", "fail")
		put("pressure", 50)
		put("estop", "pass")
		done := decodeJSON[struct {
			Score     float64
			Breakdown struct{ HiddenItems []string }
		}](t, e.Must(200, callAPI(t, e, "POST", "/api/audits/"+a.ID+"/complete", o.Access, nil)))
		if done.Score != 100 || !slices.Equal(done.Breakdown.HiddenItems, []string{"estop_why", "pressure_fix"}) {
			t.Errorf("completed: %+v", done)
		}
	})
}
