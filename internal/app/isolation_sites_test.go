package app_test

import (
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
)

// sitesIsolation covers stations, contractors and corrective actions:
// tenant B can neither read nor change tenant A's, nor link its own data to
// them.
func sitesIsolation() isolationSuite {
	stationUnchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		s := e.Must(200, e.Call("GET", "/api/stations/"+a.ids["station"], a.owner.Access, nil)).JSON(t)
		if s["name"] != "Tenant A Harbour" || s["active"] != true || s["version"] != float64(1) {
			t.Errorf("tenant A's station was changed: %v", s)
		}
		h := string(e.Must(200, e.Call("GET", "/api/stations/"+a.ids["station"]+"/hours", a.owner.Access, nil)).Body)
		if !strings.Contains(h, `"month":"2026-01","hours":1234,`) || strings.Count(h, `"month"`) != 1 {
			t.Errorf("tenant A's hours were changed: %s", h)
		}
	}
	contractorUnchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		c := e.Must(200, e.Call("GET", "/api/contractors/"+a.ids["contractor"], a.owner.Access, nil)).JSON(t)
		docs, _ := c["documents"].([]any)
		if c["name"] != "Tenant A Welding" || c["status"] != "Active" || c["version"] != float64(1) || len(docs) != 1 {
			t.Errorf("tenant A's contractor was changed: %v", c)
		}
	}
	actionUnchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		ac := e.Must(200, e.Call("GET", "/api/actions/"+a.ids["action"], a.owner.Access, nil)).JSON(t)
		if ac["title"] != "Tenant A spill kit" || ac["status"] != "Completed" || ac["version"] != float64(3) {
			t.Errorf("tenant A's action was changed: %v", ac)
		}
	}
	action := map[string]string{"{id}": "action"}
	station := map[string]string{"{id}": "station"}
	contractor := map[string]string{"{id}": "contractor"}
	return isolationSuite{
		setup: func(t *testing.T, e *apptest.Env, a *tenantA) {
			a.ids["station"] = e.Must(201, e.Call("POST", "/api/stations", a.owner.Access, map[string]any{
				"code": "TA-001", "name": "Tenant A Harbour", "managerUserIds": []string{a.member.UserID}})).JSON(t)["id"].(string)
			a.ids["month"] = "2026-01"
			e.Must(200, e.Call("PUT", "/api/stations/"+a.ids["station"]+"/hours/2026-01", a.owner.Access, map[string]any{"hours": 1234}))
			a.ids["contractor"] = e.Must(201, e.Call("POST", "/api/contractors", a.owner.Access, map[string]any{
				"name": "Tenant A Welding", "licenceNumber": "TA-LIC-9"})).JSON(t)["id"].(string)
			a.ids["document"] = e.Must(201, e.Call("POST", "/api/contractors/"+a.ids["contractor"]+"/documents", a.owner.Access, map[string]any{
				"type": "insurance", "number": "TA-INS-7", "expiresOn": "2099-01-01"})).JSON(t)["id"].(string)
			// An action assigned to the owner and completed, so that every
			// move has a state to work from.
			ac := e.Must(201, e.Call("POST", "/api/actions", a.owner.Access, map[string]any{
				"title": "Tenant A spill kit", "stationId": a.ids["station"], "assigneeId": a.owner.UserID})).JSON(t)
			a.ids["action"] = ac["id"].(string)
			e.Must(200, e.Call("POST", "/api/actions/"+a.ids["action"]+"/start", a.owner.Access, nil))
			e.Must(200, e.Call("POST", "/api/actions/"+a.ids["action"]+"/complete", a.owner.Access, map[string]any{"notes": "Tenant A refilled"}))
			a.secrets = append(a.secrets, a.ids["action"], ac["number"].(string), "Tenant A spill kit", "Tenant A refilled")
			a.secrets = append(a.secrets, a.ids["station"], "TA-001", "Tenant A Harbour", a.ids["contractor"], "Tenant A Welding",
				"TA-LIC-9", a.ids["document"], "TA-INS-7")
		},
		cases: map[string]isolationCase{
			"GET /api/stations":                              {kind: "list"},
			"POST /api/stations":                             {kind: "target", body: map[string]any{"code": "TB-1", "name": "B", "managerUserIds": []string{"{member}"}}},
			"GET /api/stations/{id}":                         {kind: "target", params: station},
			"PATCH /api/stations/{id}":                       {kind: "target", params: station, body: map[string]any{"name": "Hijacked", "version": 1}, after: stationUnchanged},
			"DELETE /api/stations/{id}":                      {kind: "target", params: station, after: stationUnchanged},
			"PUT /api/stations/{id}/hours/{month}":           {kind: "target", params: map[string]string{"{id}": "station", "{month}": "month"}, body: map[string]any{"hours": 1}, after: stationUnchanged},
			"GET /api/stations/{id}/hours":                   {kind: "target", params: station},
			"GET /api/actions":                               {kind: "list"},
			"POST /api/actions":                              {kind: "target", body: map[string]any{"title": "B", "stationId": "{station}", "assigneeId": "{member}"}},
			"GET /api/actions/{id}":                          {kind: "target", params: action},
			"PATCH /api/actions/{id}":                        {kind: "target", params: action, body: map[string]any{"title": "Hijacked", "version": 3}, after: actionUnchanged},
			"POST /api/actions/{id}/start":                   {kind: "target", params: action, after: actionUnchanged},
			"POST /api/actions/{id}/complete":                {kind: "target", params: action, body: map[string]any{"notes": "x"}, after: actionUnchanged},
			"POST /api/actions/{id}/verify":                  {kind: "target", params: action, after: actionUnchanged},
			"POST /api/actions/{id}/reject":                  {kind: "target", params: action, body: map[string]any{"reason": "x"}, after: actionUnchanged},
			"GET /api/actions/{id}/history":                  {kind: "target", params: action},
			"GET /api/contractors":                           {kind: "list"},
			"POST /api/contractors":                          {kind: "self", body: map[string]any{"name": "B's own contractor"}},
			"GET /api/contractors/{id}":                      {kind: "target", params: contractor},
			"PATCH /api/contractors/{id}":                    {kind: "target", params: contractor, body: map[string]any{"name": "Hijacked", "version": 1}, after: contractorUnchanged},
			"DELETE /api/contractors/{id}":                   {kind: "target", params: contractor, after: contractorUnchanged},
			"GET /api/contractors/{id}/documents":            {kind: "target", params: contractor},
			"POST /api/contractors/{id}/documents":           {kind: "target", params: contractor, body: map[string]any{"type": "other"}, after: contractorUnchanged},
			"DELETE /api/contractors/{id}/documents/{docId}": {kind: "target", params: map[string]string{"{id}": "contractor", "{docId}": "document"}, after: contractorUnchanged},
		},
	}
}
