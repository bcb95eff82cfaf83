package app_test

import (
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
)

// incidentsIsolation covers incidents: tenant B can neither read nor
// change tenant A's, raise actions from them, nor report at A's station.
func incidentsIsolation() isolationSuite {
	unchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		i := e.Must(200, e.Call("GET", "/api/incidents/"+a.ids["incident"], a.owner.Access, nil)).JSON(t)
		if i["status"] != "Under Investigation" || i["version"] != float64(2) || i["location"] != "Tenant A forecourt" {
			t.Errorf("tenant A's incident was changed: %v", i)
		}
		acts := e.Must(200, e.Call("GET", "/api/incidents/"+a.ids["incident"]+"/actions", a.owner.Access, nil)).JSON(t)
		if items, _ := acts["items"].([]any); len(items) != 1 {
			t.Errorf("tenant A's incident actions changed: %v", acts)
		}
	}
	inc := map[string]string{"{id}": "incident"}
	return isolationSuite{
		setup: func(t *testing.T, e *apptest.Env, a *tenantA) {
			a.ids["incidentStation"] = e.Must(201, e.Call("POST", "/api/stations", a.owner.Access, map[string]any{
				"code": "TA-INC-1", "name": "Tenant A Incident Site"})).JSON(t)["id"].(string)
			i := e.Must(201, e.Call("POST", "/api/incidents", a.owner.Access, incidentBody(a.ids["incidentStation"], time.Now().Add(-time.Hour),
				map[string]any{"description": "Tenant A spill secret", "location": "Tenant A forecourt"}))).JSON(t)
			a.ids["incident"] = i["id"].(string)
			e.Must(200, e.Call("POST", "/api/incidents/"+a.ids["incident"]+"/investigate", a.owner.Access, nil))
			ac := e.Must(201, e.Call("POST", "/api/incidents/"+a.ids["incident"]+"/actions", a.owner.Access,
				map[string]any{"title": "Tenant A incident fix"})).JSON(t)
			a.secrets = append(a.secrets, a.ids["incidentStation"], "TA-INC-1", "Tenant A Incident Site", a.ids["incident"], i["number"].(string),
				"Tenant A spill secret", "Tenant A forecourt", ac["id"].(string), "Tenant A incident fix")
		},
		cases: map[string]isolationCase{
			"GET /api/incidents":                      {kind: "list"},
			"POST /api/incidents":                     {kind: "target", body: incidentBody("{incidentStation}", time.Now().Add(-time.Hour), nil)},
			"GET /api/incidents/{id}":                 {kind: "target", params: inc},
			"PATCH /api/incidents/{id}":               {kind: "target", params: inc, body: map[string]any{"location": "Hijacked", "version": 2}, after: unchanged},
			"PUT /api/incidents/{id}/investigation":   {kind: "target", params: inc, body: map[string]any{"findings": "Hijacked", "version": 2}, after: unchanged},
			"POST /api/incidents/{id}/investigate":    {kind: "target", params: inc, after: unchanged},
			"POST /api/incidents/{id}/require-action": {kind: "target", params: inc, after: unchanged},
			"POST /api/incidents/{id}/close":          {kind: "target", params: inc, body: map[string]any{"reason": "hijack"}, after: unchanged},
			"PUT /api/incidents/{id}/investigator":    {kind: "target", params: inc, body: map[string]any{"investigatorId": "{member}"}, after: unchanged},
			"POST /api/incidents/{id}/reopen":         {kind: "target", params: inc, body: map[string]any{"reason": "hijack"}, after: unchanged},
			"GET /api/incidents/{id}/history":         {kind: "target", params: inc},
			"GET /api/incidents/{id}/actions":         {kind: "target", params: inc},
			"POST /api/incidents/{id}/actions":        {kind: "target", params: inc, body: map[string]any{"title": "Hijacked"}, after: unchanged},
		},
	}
}
