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

// tenantA is the organization under attack: its owner, a member, and the
// ids of resources each suite created, by name ("role", "station", ...).
type tenantA struct {
	owner, member *apptest.User
	ids           map[string]string
	// secrets must never appear in anything tenant B gets.
	secrets []string
}

// isolationCase says how to attack one route with tenant B's token.
type isolationCase struct {
	// kind: "public" (no token; nothing tenant-specific to leak),
	// "list" (B's token gets 200 without A's rows), "self" (about the
	// caller only), "target" (path ids are A's: B gets 403/404), "admin"
	// (operators only: B gets 403).
	kind string
	// params maps a path placeholder ("{id}") to the name of A's resource
	// in tenantA.ids; "{orgA}" etc. in body values are replaced the same way.
	params map[string]string
	body   map[string]any
	// after, for mutations, checks that A's data is unchanged.
	after func(t *testing.T, e *apptest.Env, a *tenantA)
	// endsSession: the call logs B out, so B logs in again afterwards.
	endsSession bool
}

// isolationSuite is one domain's share of the walk: it creates tenant A's
// resources and says how each of its routes must refuse tenant B.
type isolationSuite struct {
	setup func(t *testing.T, e *apptest.Env, a *tenantA)
	cases map[string]isolationCase
}

// isolationSuites lists every domain's suite; a new domain adds its file
// and its entry here.
var isolationSuites = []func() isolationSuite{
	identityIsolation,
	sitesIsolation,
	auditsIsolation,
	permitsIsolation,
	incidentsIsolation,
	filesIsolation,
	importsIsolation,
	commentsIsolation, // after the suites of the records it comments on
}

// TestRouteIsolation walks every registered route with tenant B's token on
// tenant A's ids: B gets 403 or 404, lists without A's rows, and A's data
// stays as it was. A route that no suite knows fails the test, so future
// routes are covered by construction.
func TestRouteIsolation(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		a := &tenantA{owner: e.Signup("Tenant A Fuel"), ids: map[string]string{}}
		a.member = e.Invite(a.owner, "sys-viewer", nil)
		a.ids["org"], a.ids["member"] = a.owner.OrgID, a.member.UserID
		a.secrets = append(a.secrets, a.owner.OrgID, a.owner.Email, a.owner.UserID, a.member.Email, a.member.UserID, "Tenant A Fuel")
		cases := map[string]isolationCase{}
		for _, suite := range isolationSuites {
			s := suite()
			s.setup(t, e, a)
			for route, c := range s.cases {
				if _, dup := cases[route]; dup {
					t.Fatalf("route %s has two isolation cases", route)
				}
				cases[route] = c
			}
		}
		b := e.Signup("Tenant B Stations")

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
				t.Errorf("route %s has no isolation case: add one to its domain's isolation suite saying how tenant B must be refused", route)
				continue
			}
			method, path, _ := strings.Cut(route, " ")
			target := path
			for placeholder, name := range c.params {
				id, ok := a.ids[name]
				if !ok {
					t.Fatalf("%s: tenant A has no %q resource", route, name)
				}
				target = strings.ReplaceAll(target, placeholder, id)
			}
			if strings.Contains(target, "{") {
				t.Fatalf("%s: path parameters without a value: %s", route, target)
			}
			body := substitute(c.body, a.ids)
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
			}
		}
		// B's own session still works after the walk and still sees only B.
		e.Login(b)
		assertNoLeak(t, e.Must(200, e.Call("GET", "/api/organizations", b.Access, nil)), a)
	})
}

// substitute replaces "{name}" body values with tenant A's ids.
func substitute(body map[string]any, ids map[string]string) map[string]any {
	if body == nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range body {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			if id, ok := ids[strings.Trim(s, "{}")]; ok {
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
	for _, s := range a.secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("response contains tenant A's %q: %s", s, text)
		}
	}
	if r.Status < 400 && len(r.Body) > 0 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") && !json.Valid(r.Body) {
		t.Errorf("response is not JSON: %s", text)
	}
}
