package app_test

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// pathParam matches a placeholder of an OpenAPI path ("{id}").
var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// operations lists, for each path of the OpenAPI document with its
// placeholders filled in, the methods the API serves there: those of
// every template that matches it (GET /api/permits/active, and PATCH
// /api/permits/{id} with id "active").
func operations(doc *huma.OpenAPI) map[string][]string {
	templates := map[string][]string{}
	for path, item := range doc.Paths {
		for _, mo := range []struct {
			m  string
			op *huma.Operation
		}{{"GET", item.Get}, {"POST", item.Post}, {"PUT", item.Put}, {"PATCH", item.Patch}, {"DELETE", item.Delete}} {
			if mo.op != nil {
				templates[path] = append(templates[path], mo.m)
			}
		}
	}
	out := map[string][]string{}
	for path := range templates {
		target := pathParam.ReplaceAllString(path, "x1")
		for tmpl, methods := range templates {
			parts := pathParam.Split(tmpl, -1)
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			re := regexp.MustCompile("^" + strings.Join(parts, "[^/]+") + "$")
			if re.MatchString(target) {
				for _, m := range methods {
					if !contains(out[target], m) {
						out[target] = append(out[target], m)
					}
				}
			}
		}
	}
	return out
}

// A method a path does not have is 405 with Allow listing the methods it
// has, for every path of the API; OPTIONS lists them too. Unknown paths
// stay 404.
func TestWrongMethodIs405WithAllow(t *testing.T) {
	e := apptest.New(t, sqlstore.SQLite)
	owner := e.Signup("Method Fuel")
	ops := operations(e.App.OpenAPI)
	if len(ops) < 40 {
		t.Fatalf("only %d paths in the OpenAPI document", len(ops))
	}
	for path, methods := range ops {
		sort.Strings(methods)
		allow := map[string]bool{}
		for _, m := range methods {
			allow[m] = true
		}
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			if allow[m] {
				continue
			}
			r := e.Do(apptest.Request{Method: m, Path: path, Token: owner.Access, Body: map[string]any{}})
			if r.Status != http.StatusMethodNotAllowed || r.Code() != "METHOD_NOT_ALLOWED" ||
				r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s: %d %s, want 405 METHOD_NOT_ALLOWED", m, path, r.Status, r.Body)
				continue
			}
			got := strings.Split(r.Header.Get("Allow"), ", ")
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(methods, ",") {
				t.Errorf("%s %s: Allow %q, want %v", m, path, r.Header.Get("Allow"), methods)
			}
		}
		r := e.Do(apptest.Request{Method: "OPTIONS", Path: path})
		if r.Status != http.StatusNoContent || !strings.Contains(r.Header.Get("Allow"), methods[0]) {
			t.Errorf("OPTIONS %s: %d Allow %q", path, r.Status, r.Header.Get("Allow"))
		}
	}
	r := e.Call("PATCH", "/api/no-such-thing", owner.Access, nil)
	if r.Status != http.StatusNotFound || r.Header.Get("Allow") != "" {
		t.Errorf("unknown path: %d Allow %q, want 404 without Allow", r.Status, r.Header.Get("Allow"))
	}
	// The example.
	r = e.Call("PATCH", "/api/audits/00000000-0000-0000-0000-000000000000", owner.Access, map[string]any{})
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET" {
		t.Errorf("PATCH /api/audits/{id}: %d Allow %q, want 405 Allow GET", r.Status, r.Header.Get("Allow"))
	}
}

// Every API answer is personal or says otherwise: Cache-Control no-store
// on each GET route of the document (whatever its status) and on the
// answers that carry tokens or the caller's identity.
func TestAPIAnswersAreNotStored(t *testing.T) {
	e := apptest.New(t, sqlstore.SQLite)
	owner := e.Signup("No Store Fuel")
	check := func(what string, r *apptest.Response) {
		t.Helper()
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: %d Cache-Control %q, want no-store", what, r.Status, got)
		}
	}
	check("GET /api/auth/me", e.Must(200, e.Call("GET", "/api/auth/me", owner.Access, nil)))
	check("GET /api/auth/me/permissions", e.Must(200, e.Call("GET", "/api/auth/me/permissions", owner.Access, nil)))
	check("GET /api/organizations", e.Must(200, e.Call("GET", "/api/organizations", owner.Access, nil)))
	check("POST /api/auth/login", e.Must(200, e.Call("POST", "/api/auth/login", "", map[string]any{"email": owner.Email, "password": owner.Password})))
	check("401", e.Must(401, e.Call("GET", "/api/auth/me", "", nil)))
	check("404", e.Must(404, e.Call("GET", "/api/nothing", "", nil)))
	for path, methods := range operations(e.App.OpenAPI) {
		if methods[0] != "GET" && !contains(methods, "GET") {
			continue
		}
		if strings.HasSuffix(path, "/content") || strings.HasSuffix(path, "/thumbnail") || strings.HasPrefix(path, "/api/files/") {
			continue // file contents: private, revalidated with their ETag
		}
		check("GET "+path, e.Call("GET", path, owner.Access, nil))
	}
	// The reference page is public and may be cached.
	if got := e.Call("GET", "/api/docs", "", nil).Header.Get("Cache-Control"); got == "no-store" {
		t.Errorf("/api/docs is public, yet Cache-Control %q", got)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// A CORS preflight is still answered by the CORS layer, before the API's
// 405 logic could see the OPTIONS method.
func TestPreflightUnaffectedByMethodCheck(t *testing.T) {
	const origin = "https://portal.example.com"
	e := apptest.New(t, sqlstore.SQLite, apptest.WithEnv("CORS_ORIGINS", origin))
	r := e.Do(apptest.Request{Method: "OPTIONS", Path: "/api/audits/x1",
		Header: map[string]string{"Origin": origin, "Access-Control-Request-Method": "PATCH"}})
	if r.Status != http.StatusNoContent || r.Header.Get("Access-Control-Allow-Origin") != origin ||
		!strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), "PATCH") {
		t.Errorf("preflight: %d %v", r.Status, r.Header)
	}
}
