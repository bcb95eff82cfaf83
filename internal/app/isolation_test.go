package app_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// tenantA is the data of the organization under attack.
type tenantA struct {
	owner, member *apptest.User
	roleID        string
	invitationID  string
}

// secrets are strings that must never appear in anything tenant B gets.
func (a *tenantA) secrets() []string {
	return []string{a.owner.OrgID, a.owner.Email, a.owner.UserID, a.member.Email, a.member.UserID, a.roleID, a.invitationID, "Tenant A Fuel"}
}

// isolationCase says how to attack one route with tenant B's token.
type isolationCase struct {
	// kind: "public" (no token; nothing tenant-specific to leak),
	// "list" (B's token gets 200 without A's rows), "self" (about the
	// caller only), "target" (path ids are A's: B gets 403/404), "admin"
	// (operators only: B gets 403).
	kind string
	body map[string]any
	// after, for mutations, checks that A's data is unchanged.
	after func(t *testing.T, e *apptest.Env, a *tenantA)
	// endsSession: the call logs B out, so B logs in again afterwards.
	endsSession bool
}

// isolationCases must name every registered route: a new route fails the
// test until someone decides how tenant B could abuse it.
func isolationCases() map[string]isolationCase {
	roleStillThere := func(t *testing.T, e *apptest.Env, a *tenantA) {
		r := e.Must(200, e.Call("GET", "/api/roles/"+a.roleID, a.owner.Access, nil)).JSON(t)
		if r["name"] != "Tenant A Inspectors" {
			t.Errorf("tenant A's role was changed: %v", r)
		}
	}
	memberStillThere := func(t *testing.T, e *apptest.Env, a *tenantA) {
		body := string(e.Must(200, e.Call("GET", "/api/members", a.owner.Access, nil)).Body)
		if !strings.Contains(body, a.member.Email) || !strings.Contains(body, `"roleId":"sys-viewer"`) {
			t.Errorf("tenant A's member was changed: %s", body)
		}
	}
	orgUnchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		o := e.Must(200, e.Call("GET", "/api/organizations/"+a.owner.OrgID, a.owner.Access, nil)).JSON(t)
		if o["name"] != "Tenant A Fuel" || o["status"] != "active" {
			t.Errorf("tenant A's organization was changed: %v", o)
		}
	}
	invitationPending := func(t *testing.T, e *apptest.Env, a *tenantA) {
		body := string(e.Must(200, e.Call("GET", "/api/invitations", a.owner.Access, nil)).Body)
		if !strings.Contains(body, a.invitationID) || !strings.Contains(body, `"status":"pending"`) {
			t.Errorf("tenant A's invitation was changed: %s", body)
		}
	}
	return map[string]isolationCase{
		"GET /api/live":                                 {kind: "public"},
		"GET /api/ready":                                {kind: "public"},
		"GET /api/health":                               {kind: "public"},
		"POST /api/auth/signup":                         {kind: "public"},
		"POST /api/auth/signup-with-org":                {kind: "public"},
		"POST /api/auth/verify-email":                   {kind: "public"},
		"POST /api/auth/resend-verification":            {kind: "public"},
		"POST /api/auth/password-reset/request":         {kind: "public"},
		"POST /api/auth/password-reset/confirm":         {kind: "public"},
		"POST /api/auth/login":                          {kind: "public"},
		"POST /api/auth/refresh":                        {kind: "public"},
		"POST /api/auth/logout/refresh":                 {kind: "public"},
		"POST /api/invitations/accept":                  {kind: "public"},
		"POST /api/auth/change-password":                {kind: "self", body: map[string]any{"currentPassword": "wrong", "newPassword": "another long passphrase"}},
		"POST /api/auth/logout":                         {kind: "self", endsSession: true},
		"POST /api/auth/logout-all":                     {kind: "self", endsSession: true},
		"GET /api/auth/me":                              {kind: "self"},
		"GET /api/auth/me/permissions":                  {kind: "self"},
		"POST /api/auth/switch-organization":            {kind: "target", body: map[string]any{"organizationId": "{orgA}"}},
		"GET /api/organizations":                        {kind: "list"},
		"GET /api/organizations/{id}":                   {kind: "target"},
		"PATCH /api/organizations/{id}":                 {kind: "target", body: map[string]any{"name": "Hijacked"}, after: orgUnchanged},
		"GET /api/members":                              {kind: "list"},
		"PATCH /api/members/{userId}":                   {kind: "target", body: map[string]any{"roleId": "sys-admin"}, after: memberStillThere},
		"DELETE /api/members/{userId}":                  {kind: "target", after: memberStillThere},
		"GET /api/invitations":                          {kind: "list"},
		"POST /api/invitations":                         {kind: "target", body: map[string]any{"email": "x@example.com", "roleId": "{roleA}"}},
		"DELETE /api/invitations/{id}":                  {kind: "target", after: invitationPending},
		"GET /api/roles":                                {kind: "list"},
		"POST /api/roles":                               {kind: "self", body: map[string]any{"name": "B role", "permissions": []string{"stations:read"}}},
		"GET /api/roles/{id}":                           {kind: "target"},
		"PUT /api/roles/{id}":                           {kind: "target", body: map[string]any{"name": "Hijacked", "permissions": []string{}}, after: roleStillThere},
		"DELETE /api/roles/{id}":                        {kind: "target", after: roleStillThere},
		"GET /api/audit-log":                            {kind: "list"},
		"GET /api/admin/organizations":                  {kind: "admin"},
		"POST /api/admin/organizations/{id}/suspend":    {kind: "admin", after: orgUnchanged},
		"POST /api/admin/organizations/{id}/reactivate": {kind: "admin"},
	}
}

// TestRouteIsolation walks every registered route with tenant B's token on
// tenant A's ids: B gets 403 or 404, lists without A's rows, and A's data
// stays as it was.
func TestRouteIsolation(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		a := &tenantA{owner: e.Signup("Tenant A Fuel")}
		a.member = e.Invite(a.owner, "sys-viewer", nil)
		a.roleID = e.Must(201, e.Call("POST", "/api/roles", a.owner.Access, map[string]any{
			"name": "Tenant A Inspectors", "permissions": []string{"stations:read", "audits:read"}})).JSON(t)["id"].(string)
		a.invitationID = e.Must(201, e.Call("POST", "/api/invitations", a.owner.Access, map[string]any{
			"email": "pending-a@example.com", "roleId": a.roleID})).JSON(t)["id"].(string)
		b := e.Signup("Tenant B Stations")

		ids := map[string]string{"{id}": "", "{userId}": a.member.UserID, "{orgA}": a.owner.OrgID, "{roleA}": a.roleID}
		cases := isolationCases()
		var routes []string
		for path, item := range e.App.OpenAPI.Paths {
			for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
				if op != nil {
					routes = append(routes, method+" "+path)
				}
			}
		}
		sort.Strings(routes)
		for _, route := range routes {
			c, ok := cases[route]
			if !ok {
				t.Errorf("route %s has no isolation case: add one to isolationCases saying how tenant B must be refused", route)
				continue
			}
			method, path, _ := strings.Cut(route, " ")
			// {id} is the id of A's resource of the route's kind.
			switch {
			case strings.HasPrefix(path, "/api/roles/"):
				ids["{id}"] = a.roleID
			case strings.HasPrefix(path, "/api/invitations/"):
				ids["{id}"] = a.invitationID
			default:
				ids["{id}"] = a.owner.OrgID
			}
			target := path
			for k, v := range ids {
				target = strings.ReplaceAll(target, k, v)
			}
			body := substitute(c.body, ids)
			t.Run(route, func(t *testing.T) {
				switch c.kind {
				case "public":
					return // nothing of a tenant is reachable without credentials
				case "self", "list":
					r := e.Call(method, target, b.Access, body)
					if r.Status >= 500 {
						t.Fatalf("%s with B's token: %d %s", route, r.Status, r.Body)
					}
					assertNoLeak(t, r, a)
				case "target":
					r := e.Call(method, target, b.Access, body)
					if r.Status != http.StatusNotFound && r.Status != http.StatusForbidden && r.Status != http.StatusBadRequest {
						t.Errorf("%s on A's ids with B's token: %d %s, want 403/404", route, r.Status, r.Body)
					}
					assertNoLeak(t, r, a)
				case "admin":
					r := e.Call(method, target, b.Access, body)
					if r.Status != http.StatusForbidden {
						t.Errorf("%s with a tenant's token: %d, want 403", route, r.Status)
					}
					assertNoLeak(t, r, a)
				default:
					t.Fatalf("unknown case kind %q", c.kind)
				}
				if c.after != nil {
					c.after(t, e, a)
				}
			})
			if c.endsSession {
				e.Login(b)
				e.Must(200, e.Call("GET", "/api/auth/me", b.Access, nil))
			}
		}
		if t.Failed() {
			for _, l := range strings.Split(e.Logs.String(), "\n") {
				if strings.Contains(l, `"/api/auth`) || strings.Contains(l, "ERROR") {
					t.Log(l)
				}
			}
		}
		// B's own session must still work after the walk (logout routes
		// ran with it): log in again and confirm B still sees only B.
		e.Login(b)
		assertNoLeak(t, e.Must(200, e.Call("GET", "/api/organizations", b.Access, nil)), a)
	})
}

func substitute(body map[string]any, ids map[string]string) map[string]any {
	if body == nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range body {
		if s, ok := v.(string); ok {
			if id, ok := ids[s]; ok {
				v = id
			}
		}
		out[k] = v
	}
	return out
}

func assertNoLeak(t *testing.T, r *apptest.Response, a *tenantA) {
	t.Helper()
	text := string(r.Body)
	for _, s := range a.secrets() {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("response contains tenant A's %q: %s", s, text)
		}
	}
	if r.Status < 400 && len(r.Body) > 0 && !json.Valid(r.Body) {
		t.Errorf("response is not JSON: %s", text)
	}
}
