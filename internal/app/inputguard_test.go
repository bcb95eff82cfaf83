package app_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// badText are the escaped forms of what PostgreSQL cannot store in text:
// a NUL, and bytes that are not UTF-8.
var badText = map[string]string{"NUL": "a%00b", "invalid UTF-8": "a%FF%FEb"}

// badBodies hold a nested string PostgreSQL cannot store; each names the
// field the answer must point at.
var badBodies = map[string]struct{ body, field string }{
	"NUL":            {`{"guardProbe":{"nested":["fine","a\u0000b"]}}`, "guardProbe.nested[1]"},
	"invalid UTF-8":  {"{\"guardProbe\":\"a\xff\xfeb\"}", "guardProbe"},
	"lone surrogate": {`{"guardProbe":[{"x":"\ud800"}]}`, "guardProbe[0].x"},
	"NUL in a name":  {`{"guardProbe":{"a\u0000b":1}}`, "guardProbe (a field name)"},
	"number too big": {`{"guardProbe":1e999999}`, "guardProbe"},
}

// nulCursors are well-formed cursors whose key or id holds a NUL:
// {"k":"a\u0000","i":"x"} and {"k":"a","i":"x\u0000"}.
var nulCursors = []string{"eyJrIjoiYVx1MDAwMCIsImkiOiJ4In0", "eyJrIjoiYSIsImkiOiJ4XHUwMDAwIn0"}

// routeOps lists every operation of the OpenAPI document as "METHOD path".
func routeOps(doc *huma.OpenAPI) map[string]*huma.Operation {
	out := map[string]*huma.Operation{}
	for path, item := range doc.Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op != nil {
				out[method+" "+path] = op
			}
		}
	}
	return out
}

// wantRefused fails unless r is the input guard's 400 naming field.
func wantRefused(t *testing.T, what string, r *apptest.Response, field string) {
	t.Helper()
	if r.Status >= 500 {
		t.Errorf("%s: %d %s", what, r.Status, r.Body)
		return
	}
	var p problemDoc
	_ = json.Unmarshal(r.Body, &p)
	if r.Status != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/problem+json" || len(p.Errors) != 1 || p.Errors[0].Field != field {
		t.Errorf("%s: %d %s, want 400 naming %q", what, r.Status, r.Body, field)
		return
	}
	if p.Code != "INVALID_CHARACTERS" && !(p.Code == "VALIDATION_FAILED" && strings.Contains(p.Errors[0].Message, "number")) {
		t.Errorf("%s: code %s, want INVALID_CHARACTERS", what, p.Code)
	}
}

// TestInputGuardEveryRoute sends, to every operation of the API on both
// engines, a NUL and invalid UTF-8 in each path parameter and each query
// parameter, and a body with a bad nested string: every one is a 400 that
// names the place, never a 5xx, whatever the engine.
func TestInputGuardEveryRoute(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Guard Fuel")
		ops := routeOps(e.App.OpenAPI)
		routes := make([]string, 0, len(ops))
		for r := range ops {
			routes = append(routes, r)
		}
		sort.Strings(routes)
		probes := 0
		for _, route := range routes {
			op := ops[route]
			method, path, _ := strings.Cut(route, " ")
			base := pathParam.ReplaceAllString(path, "x1")
			for _, p := range op.Parameters {
				for name, bad := range badText {
					switch p.In {
					case "path":
						target := pathParam.ReplaceAllStringFunc(path, func(ph string) string {
							if ph == "{"+p.Name+"}" {
								return bad
							}
							return "x1"
						})
						wantRefused(t, route+" path "+p.Name+" "+name, e.Call(method, target, owner.Access, nil), p.Name)
						probes++
					case "query":
						target := base + "?" + url.QueryEscape(p.Name) + "=" + bad
						wantRefused(t, route+" query "+p.Name+" "+name, e.Call(method, target, owner.Access, nil), p.Name)
						probes++
					}
				}
				if p.In == "query" && p.Name == "cursor" {
					// The cursor is base64: its NUL hides from the check
					// and must be refused by the cursor's own parser.
					for _, c := range nulCursors {
						r := e.Call(method, base+"?cursor="+c, owner.Access, nil)
						if r.Status >= 500 {
							t.Errorf("%s with a cursor holding a NUL: %d %s", route, r.Status, r.Body)
						}
						probes++
					}
				}
			}
			if op.RequestBody == nil {
				continue
			}
			if _, isJSON := op.RequestBody.Content["application/json"]; !isJSON {
				continue // the upload: see TestInputGuardUpload
			}
			for name, b := range badBodies {
				r := e.Do(apptest.Request{Method: method, Path: base, Token: owner.Access, Body: []byte(b.body)})
				wantRefused(t, route+" body "+name, r, b.field)
				probes++
			}
		}
		if len(routes) < 80 || probes < 300 {
			t.Errorf("walked %d operations with %d probes: the walk lost its routes", len(routes), probes)
		}
		t.Logf("%d operations, %d probes", len(routes), probes)
		// Headers the API keeps (User-Agent goes with the session).
		r := e.Do(apptest.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": owner.Email, "password": owner.Password},
			Header: map[string]string{"User-Agent": "Field app \xff"}})
		wantRefused(t, "User-Agent with invalid UTF-8", r, "User-Agent")
	})
}

// The cases with real records, on both engines: stored JSON with a
// nested NUL is refused and the record is unchanged; the same strings
// without the NUL are accepted.
func TestInputGuardStoredJSON(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Stored JSON Fuel")
		st := newStation(t, e, owner, "NUL1", nil)
		at := time.Now().Add(-time.Hour).UTC()

		def := simpleDefinition()
		def["sections"].([]any)[0].(map[string]any)["items"].([]any)[0].(map[string]any)["guidance"] = "press\u0000it"
		wantRefused(t, "POST /api/forms", callAPI(t, e, "POST", "/api/forms", owner.Access, map[string]any{"name": "Nul", "kind": "audit", "definition": def}),
			"definition.sections[0].items[0].guidance")
		f := decodeJSON[formItem](t, e.Must(201, callAPI(t, e, "POST", "/api/forms", owner.Access, map[string]any{"name": "Clean", "kind": "audit", "definition": simpleDefinition()})))
		wantRefused(t, "PUT /api/forms/{id}/draft", callAPI(t, e, "PUT", "/api/forms/"+f.ID+"/draft", owner.Access, map[string]any{"definition": def}),
			"definition.sections[0].items[0].guidance")

		people := []any{map[string]any{"name": "Driver", "role": "Contractor", "injury": "cut\u0000"}}
		wantRefused(t, "POST /api/incidents", callAPI(t, e, "POST", "/api/incidents", owner.Access, incidentBody(st.ID, at, map[string]any{"people": people})),
			"people[0].injury")
		inc := reportIncident(t, e, owner, incidentBody(st.ID, at, nil))
		wantRefused(t, "PATCH /api/incidents/{id}", doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/incidents/" + inc.ID, Token: owner.Access,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"people": people}}), "people[0].injury")
		if got := decodeJSON[incidentItem](t, e.Must(200, callAPI(t, e, "GET", "/api/incidents/"+inc.ID, owner.Access, nil))); got.Version != inc.Version || len(got.People) != 0 {
			t.Errorf("the refused PATCH changed the incident: %+v", got)
		}

		wantRefused(t, "PATCH /api/organizations/{id}", callAPI(t, e, "PATCH", "/api/organizations/"+owner.OrgID, owner.Access,
			map[string]any{"settings": map[string]any{"timeZone": "Europe/London\u0000"}}), "settings.timeZone")
		wantRefused(t, "GET /api/actions?stationId=a%00b", callAPI(t, e, "GET", "/api/actions?stationId=a%00b", owner.Access, nil), "stationId")
		e.Must(200, callAPI(t, e, "GET", "/api/actions?stationId="+url.QueryEscape("café"), owner.Access, nil))
	})
}

// The upload streams: its file may hold NUL bytes, and a file name with a
// NUL or invalid UTF-8 is stored sanitised (or the form refused as
// malformed), never a 5xx, on both engines.
func TestInputGuardUpload(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Upload Guard Fuel")
		pdf := append(append([]byte{}, testPDF...), 0, 0, 0) // binary content with NULs
		send := func(disposition string) *apptest.Response {
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", disposition)
			pw, _ := w.CreatePart(h)
			_, _ = pw.Write(pdf)
			_ = w.Close()
			return e.Do(apptest.Request{Method: "POST", Path: "/api/upload", Token: owner.Access, Body: buf.Bytes(),
				Header: map[string]string{"Content-Type": w.FormDataContentType()}})
		}
		for _, disposition := range []string{
			`form-data; name="file"; filename*=UTF-8''report%00.pdf`,
			`form-data; name="file"; filename*=UTF-8''r%FF%FEport.pdf`,
			"form-data; name=\"file\"; filename=\"r\xff\xfeport.pdf\"",
			"form-data; name=\"file\"; filename=\"report\x00.pdf\"",
		} {
			r := send(disposition)
			switch r.Status {
			case http.StatusCreated:
				var v struct{ FileName string }
				_ = json.Unmarshal(r.Body, &v)
				if strings.ContainsRune(v.FileName, 0) || !utf8.ValidString(v.FileName) || !strings.HasSuffix(v.FileName, ".pdf") {
					t.Errorf("upload with %q stored as %q", disposition, v.FileName)
				}
			case http.StatusBadRequest:
				checkProblemFormat(t, "upload with "+disposition, r)
			default:
				t.Errorf("upload with %q: %d %s", disposition, r.Status, r.Body)
			}
		}
		body, ct := multipartFile(t, "file", "x.pdf", "", testPDF)
		r := e.Do(apptest.Request{Method: "POST", Path: "/api/upload?note=a%00b", Token: owner.Access, Body: body, Header: map[string]string{"Content-Type": ct}})
		wantRefused(t, "upload with a NUL in the query", r, "note")
	})
}

// A long User-Agent is shortened for the session record on a character
// boundary: cutting "é" in half made invalid UTF-8 that PostgreSQL
// refused (500) although the header itself was fine.
func TestLongUserAgentIsCutOnACharacter(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Agent Fuel")
		ua := strings.Repeat("a", 299) + "é and more"
		e.Must(200, e.Do(apptest.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": owner.Email, "password": owner.Password},
			Header: map[string]string{"User-Agent": ua}}))
	})
}
