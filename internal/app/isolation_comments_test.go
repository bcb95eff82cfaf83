package app_test

import (
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
)

// commentsIsolation covers the comment threads: tenant B can neither read
// tenant A's comments, nor add to them, nor delete them. It relies on the
// action of sitesIsolation, the permit of permitsIsolation and the
// incident of incidentsIsolation.
func commentsIsolation() isolationSuite {
	threadUnchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		cs := e.Must(200, e.Call("GET", "/api/actions/"+a.ids["action"]+"/comments", a.owner.Access, nil)).JSON(t)["items"].([]any)
		if len(cs) != 1 || cs[0].(map[string]any)["body"] != "Tenant A remark" {
			t.Errorf("tenant A's thread was changed: %v", cs)
		}
	}
	return isolationSuite{
		setup: func(t *testing.T, e *apptest.Env, a *tenantA) {
			c := e.Must(201, e.Call("POST", "/api/actions/"+a.ids["action"]+"/comments", a.owner.Access, map[string]any{
				"body": "Tenant A remark", "mentions": []string{a.member.UserID}})).JSON(t)
			a.ids["comment"] = c["id"].(string)
			e.Must(201, e.Call("POST", "/api/incidents/"+a.ids["incident"]+"/comments", a.owner.Access, map[string]any{"body": "Tenant A incident remark"}))
			e.Must(201, e.Call("POST", "/api/permits/"+a.ids["permit"]+"/comments", a.owner.Access, map[string]any{"body": "Tenant A permit remark"}))
			a.secrets = append(a.secrets, a.ids["comment"], "Tenant A remark", "Tenant A permit remark", "Tenant A incident remark")
		},
		cases: map[string]isolationCase{
			"GET /api/actions/{id}/comments":    {kind: "target", params: map[string]string{"{id}": "action"}},
			"POST /api/actions/{id}/comments":   {kind: "target", params: map[string]string{"{id}": "action"}, body: map[string]any{"body": "B was here"}, after: threadUnchanged},
			"GET /api/incidents/{id}/comments":  {kind: "target", params: map[string]string{"{id}": "incident"}},
			"POST /api/incidents/{id}/comments": {kind: "target", params: map[string]string{"{id}": "incident"}, body: map[string]any{"body": "B was here"}},
			"GET /api/permits/{id}/comments":    {kind: "target", params: map[string]string{"{id}": "permit"}},
			"POST /api/permits/{id}/comments":   {kind: "target", params: map[string]string{"{id}": "permit"}, body: map[string]any{"body": "B was here"}},
			"DELETE /api/comments/{id}":         {kind: "target", params: map[string]string{"{id}": "comment"}, after: threadUnchanged},
		},
	}
}
