package app_test

import (
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// permitsIsolation covers permits to work: tenant B can neither read nor
// change tenant A's permits, nor request one at A's station or for A's
// contractor.
func permitsIsolation() isolationSuite {
	unchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		p := e.Must(200, e.Call("GET", "/api/permits/"+a.ids["permit"], a.owner.Access, nil)).JSON(t)
		gas, _ := p["gasTests"].([]any)
		if p["status"] != "Pending Approval" || p["version"] != float64(a.permitVersion()) || p["location"] != "Tenant A pump 7" || len(gas) != 1 {
			t.Errorf("tenant A's permit was changed: %v", p)
		}
	}
	pt := map[string]string{"{id}": "permit"}
	return isolationSuite{
		setup: func(t *testing.T, e *apptest.Env, a *tenantA) {
			a.ids["permitStation"] = e.Must(201, e.Call("POST", "/api/stations", a.owner.Access, map[string]any{
				"code": "TA-PTW-1", "name": "Tenant A Permit Site"})).JSON(t)["id"].(string)
			a.ids["permitContractor"] = e.Must(201, e.Call("POST", "/api/contractors", a.owner.Access, map[string]any{
				"name": "Tenant A Tank Cleaners"})).JSON(t)["id"].(string)
			now := time.Now().UTC()
			p := e.Must(201, e.Call("POST", "/api/permits", a.owner.Access, map[string]any{"type": "Hot Work", "stationId": a.ids["permitStation"],
				"contractorId": a.ids["permitContractor"], "description": "Tenant A permit description", "location": "Tenant A pump 7",
				"validFrom": now.Add(time.Hour).Format(time.RFC3339), "validTo": now.Add(5 * time.Hour).Format(time.RFC3339)})).JSON(t)
			a.ids["permit"] = p["id"].(string)
			a.ids["precaution"] = "fire_watch"
			e.Must(200, e.Call("PUT", "/api/permits/"+a.ids["permit"]+"/precautions/fire_extinguisher", a.owner.Access, map[string]any{"note": "Tenant A note on the extinguisher"}))
			e.Must(201, e.Call("POST", "/api/permits/"+a.ids["permit"]+"/gas-tests", a.owner.Access, map[string]any{
				"o2": 20.9, "lel": 0, "h2s": 0, "co": 0, "tester": "Tenant A Tester"}))
			e.Must(200, e.Call("POST", "/api/permits/"+a.ids["permit"]+"/submit", a.owner.Access, nil))
			a.secrets = append(a.secrets, a.ids["permitStation"], "TA-PTW-1", "Tenant A Permit Site", a.ids["permitContractor"], "Tenant A Tank Cleaners",
				a.ids["permit"], "Tenant A permit description", "Tenant A pump 7", "Tenant A note on the extinguisher", "Tenant A Tester")
		},
		cases: map[string]isolationCase{
			"GET /api/permits":        {kind: "list"},
			"GET /api/permits/active": {kind: "target"}, // without a station: 400; A's station is TestPermitBoardIsolation
			"POST /api/permits": {kind: "target", body: map[string]any{"type": "General", "stationId": "{permitStation}", "contractorId": "{permitContractor}",
				"description": "B", "location": "B", "validFrom": "2030-01-01T08:00:00Z", "validTo": "2030-01-01T10:00:00Z"}},
			"GET /api/permits/{id}":         {kind: "target", params: pt},
			"GET /api/permits/{id}/history": {kind: "target", params: pt},
			"PATCH /api/permits/{id}":       {kind: "target", params: pt, body: map[string]any{"location": "Hijacked", "version": 4}, after: unchanged},
			"PUT /api/permits/{id}/precautions/{key}": {kind: "target", params: map[string]string{"{id}": "permit", "{key}": "precaution"},
				after: unchanged},
			"POST /api/permits/{id}/gas-tests": {kind: "target", params: pt, body: map[string]any{"o2": 20.9, "lel": 0, "h2s": 0, "co": 0, "tester": "B"},
				after: unchanged},
			"POST /api/permits/{id}/submit":   {kind: "target", params: pt, after: unchanged},
			"POST /api/permits/{id}/approve":  {kind: "target", params: pt, after: unchanged},
			"POST /api/permits/{id}/reject":   {kind: "target", params: pt, body: map[string]any{"reason": "B says no"}, after: unchanged},
			"POST /api/permits/{id}/activate": {kind: "target", params: pt, after: unchanged},
			"POST /api/permits/{id}/close":    {kind: "target", params: pt, body: map[string]any{"notes": "B closes"}, after: unchanged},
			"POST /api/permits/{id}/cancel":   {kind: "target", params: pt, body: map[string]any{"reason": "B cancels"}, after: unchanged},
			"POST /api/permits/{id}/extend": {kind: "target", params: pt, body: map[string]any{"validTo": "2030-01-01T10:00:00Z", "reason": "B"},
				after: unchanged},
		},
	}
}

// permitVersion is the version of tenant A's permit after the setup:
// created, one precaution, one gas test, submitted.
func (a *tenantA) permitVersion() int { return 4 }

// TestPermitBoardIsolation: another tenant's station is not found on the
// board, even for that tenant's owner.
func TestPermitBoardIsolation(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		a := e.Signup("Board A")
		b := e.Signup("Board B")
		st := newStation(t, e, a, "BA-1", nil)
		e.Must(200, callAPI(t, e, "GET", "/api/permits/active?station="+st.ID, a.Access, nil))
		wantProblem(t, callAPI(t, e, "GET", "/api/permits/active?station="+st.ID, b.Access, nil), 404, "NOT_FOUND")
		wantProblem(t, callAPI(t, e, "GET", "/api/permits/active?stationId="+st.ID, b.Access, nil), 404, "NOT_FOUND")
	})
}
