package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The guard hands bodies on byte for byte: the ones it checked, the ones
// too long to check (for the API's own 413), and the ones it does not
// read at all (multipart uploads).
func TestGuardInputPassesBodiesOn(t *testing.T) {
	var got []byte
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusNoContent)
	})
	h := guardInput(next, 1024, func(*http.Request) string { return "" })
	for _, tt := range []struct {
		name, path, ct, body string
	}{
		{"checked JSON", "/api/x", "application/json", `{"name":"caf\u00e9","n":[1,2]}`},
		{"no content type", "/api/x", "", `{"a":"b"}`},
		{"too long to check", "/api/x", "application/json", `{"a":"` + strings.Repeat("x", 2000) + `\u0000"}`},
		{"multipart", "/api/upload", "multipart/form-data; boundary=b", "--b\r\n\x00\x00\xff--b--"},
		{"not the API", "/assets/x", "application/json", `{"a":"\u0000"}`},
	} {
		got = nil
		req := httptest.NewRequest("POST", tt.path, strings.NewReader(tt.body))
		if tt.ct != "" {
			req.Header.Set("Content-Type", tt.ct)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent || !bytes.Equal(got, []byte(tt.body)) {
			t.Errorf("%s: %d, handler read %d of %d bytes", tt.name, rec.Code, len(got), len(tt.body))
		}
	}
}

func TestGuardInputRefuses(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Errorf("%s reached the handler", r.URL) })
	h := guardInput(next, 1024, func(*http.Request) string { return "GET /api/actions/{id}" })
	for _, tt := range []struct {
		target, body, field, code string
	}{
		{"/api/actions/a%00b", "", "id", "INVALID_CHARACTERS"},
		{"/api/actions?stationId=a%00b", "", "stationId", "INVALID_CHARACTERS"},
		{"/api/actions", `{"a":{"b":["\ud800"]}}`, "a.b[0]", "INVALID_CHARACTERS"},
		{"/api/actions", `{"n":1e400}`, "n", "VALIDATION_FAILED"},
	} {
		method := "GET"
		var body io.Reader
		if tt.body != "" {
			method, body = "POST", strings.NewReader(tt.body)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, tt.target, body))
		var p struct {
			Code   string
			Errors []struct{ Field string }
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		if rec.Code != 400 || p.Code != tt.code || len(p.Errors) != 1 || p.Errors[0].Field != tt.field {
			t.Errorf("%s %s: %d %s", tt.target, tt.body, rec.Code, rec.Body)
		}
	}
}
