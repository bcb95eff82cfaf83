package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// fuzzRoutes are the write operations whose JSON bodies FuzzWriteBodies
// sends through the real middleware, handlers and services. "{form}" is
// replaced with a form of the fuzzed organization.
var fuzzRoutes = []struct{ method, path string }{
	{"POST", "/api/incidents"},
	{"POST", "/api/actions"},
	{"POST", "/api/permits"},
	{"POST", "/api/forms"},
	{"PUT", "/api/forms/{form}/draft"},
	{"POST", "/api/stations"},
	{"POST", "/api/contractors"},
	{"POST", "/api/permit-types"},
}

// FuzzWriteBodies sends arbitrary bodies to the write routes of the API on
// the embedded database. Whatever the body, the answer is never a 5xx (a
// panic would be one), and an error is a problem document whose status
// and code agree with the response.
func FuzzWriteBodies(f *testing.F) {
	e := apptest.New(f, sqlstore.SQLite, apptest.WithEnv("HSE_RATE_LIMIT_USER", "1000000"), apptest.WithEnv("HSE_RATE_LIMIT_ORG", "10000000"))
	owner := e.Signup("Fuzz Fuel")
	created := func(method, path string, body map[string]any) string {
		var v struct{ ID string }
		if err := json.Unmarshal(e.Must(201, e.Call(method, path, owner.Access, body)).Body, &v); err != nil || v.ID == "" {
			f.Fatalf("%s %s: no id", method, path)
		}
		return v.ID
	}
	station := created("POST", "/api/stations", map[string]any{"code": "FZ-1", "name": "Fuzz One", "region": "North"})
	contractor := created("POST", "/api/contractors", map[string]any{"name": "Fuzz Works", "specialization": "Electrical"})
	form := created("POST", "/api/forms", map[string]any{"name": "Fuzz form", "kind": "audit"})
	at := time.Now().UTC()

	seeds := []map[string]any{
		{"stationId": station, "type": "Spill / Environmental", "severity": "Medium", "occurredAt": at.Add(-time.Hour).Format(time.RFC3339),
			"description": "Diesel spill at pump 3", "people": []any{map[string]any{"name": "Driver", "role": "Contractor", "injury": "cut"}}},
		{"title": "Replace the hose", "stationId": station, "priority": "High", "dueOn": at.AddDate(0, 0, 7).Format("2006-01-02")},
		{"type": "Hot Work", "stationId": station, "contractorId": contractor, "description": "Weld the canopy", "location": "Canopy",
			"validFrom": at.Add(time.Hour).Format(time.RFC3339), "validTo": at.Add(9 * time.Hour).Format(time.RFC3339)},
		{"name": "Daily", "kind": "daily_checklist", "definition": simpleDefinition()},
		{"definition": simpleDefinition()},
		{"code": "FZ-2", "name": "Fuzz Two", "region": "South", "latitude": 51.5, "longitude": -0.12, "riskCategory": "High"},
		{"name": "Sparks Ltd", "specialization": "Electrical", "contactEmail": "a@example.com"},
		{"key": "tank_lining", "name": "Tank Lining", "precautions": []any{map[string]any{"key": "tank_vented", "label": "Tank vented"}},
			"gases":                  []any{map[string]any{"key": "LEL", "unit": "% LEL", "below": 5}, map[string]any{"key": "O2", "min": 19.5, "max": 23.5}},
			"gasTestValiditySeconds": 3600, "retestIntervalSeconds": 1800, "maxDurationSeconds": 28800, "maxExtensionSeconds": 3600,
			"maxExtensions": 1, "maxTotalSeconds": 32400, "documents": []string{"insurance"}, "clashesWith": []string{"hot_work"}},
	}
	for i, s := range seeds {
		b, _ := json.Marshal(s)
		f.Add(uint8(i), b)
	}
	f.Add(uint8(0), []byte(`{"stationId":1}`))
	f.Add(uint8(3), []byte(`{"name":"x","kind":"audit","definition":{"sections":[{"items":[{"key":"a","type":"number","min":5,"max":1}]}]}}`))
	f.Add(uint8(4), []byte(`{"definition":{"passMark":1e308,"sections":null}}`))
	f.Add(uint8(5), []byte(`[]`))
	f.Add(uint8(6), []byte(`{"name":"\u0000"}`))
	f.Add(uint8(7), []byte(`{"key":"x_y","name":"XY","maxDurationSeconds":9223372036854775807,"gases":[{"key":"O2","min":1e308}]}`))

	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		req := httptest.NewRequest(r.method, strings.ReplaceAll(r.path, "{form}", form), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+owner.Access)
		rec := httptest.NewRecorder()
		e.App.API.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s with %q: %d %s", r.method, r.path, body, rec.Code, rec.Body)
		}
		if rec.Code < 400 {
			return
		}
		var p struct {
			Code   string `json:"code"`
			Status int    `json:"status"`
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(rec.Body.Bytes(), &p) != nil ||
			p.Code == "" || p.Status != rec.Code {
			t.Fatalf("%s %s with %q: %d is not a problem document: %s %s", r.method, r.path, body, rec.Code, ct, rec.Body)
		}
		if rec.Code != http.StatusBadRequest && rec.Code != http.StatusUnprocessableEntity && rec.Code != http.StatusNotFound &&
			rec.Code != http.StatusConflict && rec.Code != http.StatusPreconditionFailed && rec.Code != http.StatusPreconditionRequired &&
			rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s %s with %q: unexpected %d %s", r.method, r.path, body, rec.Code, rec.Body)
		}
	})
}
