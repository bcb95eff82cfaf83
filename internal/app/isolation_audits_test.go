package app_test

import (
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
)

// auditsIsolation covers checklist templates and audits: tenant B can
// neither read nor change tenant A's, nor schedule audits on A's station,
// template or auditor.
func auditsIsolation() isolationSuite {
	formUnchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		f := e.Must(200, e.Call("GET", "/api/forms/"+a.ids["form"], a.owner.Access, nil)).JSON(t)
		if f["name"] != "Tenant A Checklist" || f["version"] != float64(2) || f["draftVersionId"] != nil || f["publishedNumber"] != float64(1) {
			t.Errorf("tenant A's template was changed: %v", f)
		}
	}
	auditUnchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		au := e.Must(200, e.Call("GET", "/api/audits/"+a.ids["audit"], a.owner.Access, nil)).JSON(t)
		answers, _ := au["answers"].([]any)
		if au["status"] != "In Progress" || au["version"] != float64(3) || len(answers) != 1 {
			t.Errorf("tenant A's audit was changed: %v", au)
		}
	}
	scheduleUnchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		sc := e.Must(200, e.Call("GET", "/api/audit-schedules/"+a.ids["auditSchedule"], a.owner.Access, nil)).JSON(t)
		if sc["name"] != "Tenant A Programme" || sc["version"] != float64(1) || sc["active"] != true {
			t.Errorf("tenant A's schedule was changed: %v", sc)
		}
	}
	form := map[string]string{"{id}": "form"}
	aud := map[string]string{"{id}": "audit"}
	return isolationSuite{
		setup: func(t *testing.T, e *apptest.Env, a *tenantA) {
			a.ids["auditStation"] = e.Must(201, e.Call("POST", "/api/stations", a.owner.Access, map[string]any{
				"code": "TA-AUD-1", "name": "Tenant A Audited Site"})).JSON(t)["id"].(string)
			f := e.Must(201, e.Call("POST", "/api/forms", a.owner.Access, map[string]any{"name": "Tenant A Checklist", "kind": "audit",
				"definition": simpleDefinition()})).JSON(t)
			a.ids["form"] = f["id"].(string)
			a.ids["formVersion"] = e.Must(200, e.Call("POST", "/api/forms/"+a.ids["form"]+"/publish", a.owner.Access, nil)).JSON(t)["id"].(string)
			a.ids["audit"] = e.Must(201, e.Call("POST", "/api/audits", a.owner.Access, map[string]any{"stationId": a.ids["auditStation"],
				"templateId": a.ids["form"], "auditorUserId": a.owner.UserID, "scheduledFor": "2026-12-01"})).JSON(t)["id"].(string)
			e.Must(200, e.Call("POST", "/api/audits/"+a.ids["audit"]+"/start", a.owner.Access, nil))
			e.Must(200, e.Call("PUT", "/api/audits/"+a.ids["audit"]+"/answers/estop", a.owner.Access, map[string]any{"value": "pass", "note": "Tenant A note"}))
			a.ids["itemKey"] = "estop"
			// A schedule starting far ahead: it creates no audit now.
			sc := e.Must(201, e.Call("POST", "/api/audit-schedules", a.owner.Access, map[string]any{"name": "Tenant A Programme",
				"stationId": a.ids["auditStation"], "templateId": a.ids["form"], "frequency": "monthly", "startDate": "2031-01-01",
				"assigneeRule": "named", "auditorUserId": a.owner.UserID})).JSON(t)
			a.ids["auditSchedule"] = sc["schedule"].(map[string]any)["id"].(string)
			a.secrets = append(a.secrets, a.ids["auditStation"], "TA-AUD-1", "Tenant A Audited Site", a.ids["form"], "Tenant A Checklist",
				a.ids["formVersion"], a.ids["audit"], "Tenant A note", a.ids["auditSchedule"], "Tenant A Programme")
		},
		cases: map[string]isolationCase{
			"GET /api/forms":                           {kind: "list"},
			"POST /api/forms":                          {kind: "self", body: map[string]any{"name": "B's checklist", "kind": "inspection"}},
			"GET /api/forms/{id}":                      {kind: "target", params: form},
			"GET /api/forms/{id}/versions":             {kind: "target", params: form},
			"GET /api/forms/{id}/versions/{versionId}": {kind: "target", params: map[string]string{"{id}": "form", "{versionId}": "formVersion"}},
			"PUT /api/forms/{id}/draft":                {kind: "target", params: form, body: map[string]any{"definition": simpleDefinition()}, after: formUnchanged},
			"POST /api/forms/{id}/publish":             {kind: "target", params: form, after: formUnchanged},
			"GET /api/audits":                          {kind: "list"},
			"GET /api/audits/plan":                     {kind: "list"},
			"POST /api/audits":                         {kind: "target", body: map[string]any{"stationId": "{auditStation}", "templateId": "{form}", "auditorUserId": "{member}", "scheduledFor": "2026-12-02"}},
			"GET /api/audits/{id}":                     {kind: "target", params: aud},
			"POST /api/audits/{id}/start":              {kind: "target", params: aud, after: auditUnchanged},
			"POST /api/audits/{id}/complete":           {kind: "target", params: aud, after: auditUnchanged},
			"POST /api/audits/{id}/cancel":             {kind: "target", params: aud, body: map[string]any{"reason": "hijack"}, after: auditUnchanged},
			"POST /api/audits/{id}/close":              {kind: "target", params: aud, after: auditUnchanged},
			"POST /api/forms/{id}/archive":             {kind: "target", params: form, after: formUnchanged},
			"POST /api/forms/{id}/restore":             {kind: "target", params: form, after: formUnchanged},
			"GET /api/audit-schedules":                 {kind: "list"},
			"POST /api/audit-schedules": {kind: "target", body: map[string]any{"name": "B's programme", "stationId": "{auditStation}",
				"templateId": "{form}", "frequency": "weekly", "assigneeRule": "named", "auditorUserId": "{member}"}},
			"GET /api/audit-schedules/{id}": {kind: "target", params: map[string]string{"{id}": "auditSchedule"}},
			"PATCH /api/audit-schedules/{id}": {kind: "target", params: map[string]string{"{id}": "auditSchedule"},
				body: map[string]any{"name": "Hijacked", "active": false, "version": 1}, after: scheduleUnchanged},
			"POST /api/audits/{id}/reschedule":       {kind: "target", params: aud, body: map[string]any{"scheduledFor": "2031-01-01", "reason": "hijack"}, after: auditUnchanged},
			"POST /api/audits/{id}/reassign":         {kind: "target", params: aud, body: map[string]any{"auditorUserId": "{member}", "reason": "hijack"}, after: auditUnchanged},
			"GET /api/audits/{id}/history":           {kind: "target", params: aud},
			"POST /api/audits/plan/schedule":         {kind: "target", body: map[string]any{"templateId": "{form}", "stationIds": []any{}}},
			"POST /api/audits/plan/apply-frequency":  {kind: "target", body: map[string]any{"stationId": "{auditStation}"}},
			"PUT /api/audits/{id}/answers/{itemKey}": {kind: "target", params: map[string]string{"{id}": "audit", "{itemKey}": "itemKey"}, body: map[string]any{"value": "fail"}, after: auditUnchanged},
		},
	}
}
