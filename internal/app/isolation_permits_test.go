package app_test

import (
	"strings"
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
	isolated := func(t *testing.T, e *apptest.Env, a *tenantA) {
		p := e.Must(200, e.Call("GET", "/api/permits/"+a.ids["isoPermit"], a.owner.Access, nil)).JSON(t)
		isos, _ := p["isolations"].([]any)
		if len(isos) != 1 || isos[0].(map[string]any)["applied"] != true || p["status"] != "Approved" {
			t.Errorf("tenant A's isolations were changed: %v", p)
		}
	}
	typeUnchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		r := e.Must(200, e.Call("GET", "/api/permit-types", a.owner.Access, nil))
		if !strings.Contains(string(r.Body), `"key":"tenant_a_secret","version":1`) {
			t.Errorf("tenant A's permit type was changed: %s", r.Body)
		}
	}
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
			// The requester never tests the air of their own permit: a
			// compliance manager of A does.
			tester := e.Invite(a.owner, "sys-compliance_manager", nil)
			e.Must(201, e.Call("POST", "/api/permits/"+a.ids["permit"]+"/gas-tests", tester.Access, map[string]any{
				"o2": 20.9, "lel": 0, "h2s": 0, "co": 0, "tester": "Tenant A Tester"}))
			e.Must(200, e.Call("POST", "/api/permits/"+a.ids["permit"]+"/submit", a.owner.Access, nil))
			// An Approved in-house permit with an isolation applied.
			iso := e.Must(201, e.Call("POST", "/api/permits", a.owner.Access, map[string]any{"type": "general", "stationId": a.ids["permitStation"],
				"description": "Tenant A isolated work", "location": "Tenant A panel room",
				"validFrom": now.Add(time.Hour).Format(time.RFC3339), "validTo": now.Add(5 * time.Hour).Format(time.RFC3339)})).JSON(t)
			a.ids["isoPermit"] = iso["id"].(string)
			for _, k := range []string{"risk_assessment", "area_secured", "ppe"} {
				e.Must(200, e.Call("PUT", "/api/permits/"+a.ids["isoPermit"]+"/precautions/"+k, a.owner.Access, nil))
			}
			e.Must(200, e.Call("POST", "/api/permits/"+a.ids["isoPermit"]+"/submit", a.owner.Access, nil))
			e.Must(200, e.Call("POST", "/api/permits/"+a.ids["isoPermit"]+"/approve", tester.Access, nil))
			applied := e.Must(201, e.Call("POST", "/api/permits/"+a.ids["isoPermit"]+"/isolations", a.owner.Access, map[string]any{
				"point": "Tenant A isolation point", "method": "Tenant A lock 77"})).JSON(t)
			a.ids["isolation"] = applied["isolations"].([]any)[0].(map[string]any)["id"].(string)
			// A type of A's own.
			e.Must(201, e.Call("POST", "/api/permit-types", a.owner.Access, map[string]any{"key": "tenant_a_secret", "name": "Tenant A Secret Work",
				"precautions": []map[string]any{{"key": "secret_step", "label": "Tenant A secret precaution"}}, "gases": []any{},
				"maxDurationSeconds": 3600, "maxExtensionSeconds": 0, "maxExtensions": 0, "maxTotalSeconds": 3600,
				"gasTestValiditySeconds": 0, "retestIntervalSeconds": 0, "documents": []string{}, "clashesWith": []string{}}))
			a.ids["permitType"], a.ids["permitTypeVersion"] = "tenant_a_secret", "1"
			a.secrets = append(a.secrets, a.ids["permitStation"], "TA-PTW-1", "Tenant A Permit Site", a.ids["permitContractor"], "Tenant A Tank Cleaners",
				a.ids["permit"], "Tenant A permit description", "Tenant A pump 7", "Tenant A note on the extinguisher", "Tenant A Tester",
				a.ids["isoPermit"], "Tenant A isolated work", "Tenant A panel room", "Tenant A isolation point", "Tenant A lock 77", a.ids["isolation"],
				"tenant_a_secret", "Tenant A Secret Work", "Tenant A secret precaution")
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
			"POST /api/permits/{id}/suspend": {kind: "target", params: pt, body: map[string]any{"reason": "B stops it"}, after: unchanged},
			"POST /api/permits/{id}/resume":  {kind: "target", params: pt, after: unchanged},
			"POST /api/permits/{id}/isolations": {kind: "target", params: map[string]string{"{id}": "isoPermit"},
				body: map[string]any{"point": "B point", "method": "B lock"}, after: isolated},
			"POST /api/permits/{id}/isolations/{isolationId}/remove": {kind: "target",
				params: map[string]string{"{id}": "isoPermit", "{isolationId}": "isolation"}, after: isolated},
			"GET /api/permit-types": {kind: "list"},
			"GET /api/permit-types/{key}/versions/{version}": {kind: "target",
				params: map[string]string{"{key}": "permitType", "{version}": "permitTypeVersion"}},
			"POST /api/permit-types": {kind: "self", body: map[string]any{"key": "b_own_work", "name": "B's own work", "precautions": []any{},
				"gases": []any{}, "maxDurationSeconds": 3600, "maxExtensionSeconds": 0, "maxExtensions": 0, "maxTotalSeconds": 3600,
				"gasTestValiditySeconds": 0, "retestIntervalSeconds": 0, "documents": []string{}, "clashesWith": []string{}}, after: typeUnchanged},
			"PUT /api/permit-types/{key}": {kind: "target", params: map[string]string{"{key}": "permitType"}, body: map[string]any{"version": 1,
				"name": "Hijacked", "precautions": []any{}, "gases": []any{}, "maxDurationSeconds": 3600, "maxExtensionSeconds": 0,
				"maxExtensions": 0, "maxTotalSeconds": 3600, "gasTestValiditySeconds": 0, "retestIntervalSeconds": 0,
				"documents": []string{}, "clashesWith": []string{}}, after: typeUnchanged},
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
