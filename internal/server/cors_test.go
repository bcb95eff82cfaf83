package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	allowedOrigin = "https://portal.example.com"
	devOrigin     = "http://localhost:5173"
)

type corsCase struct {
	name          string
	method        string
	origin        string
	requestMethod string // Access-Control-Request-Method
	wantStatus    int
	wantNext      bool              // the request reached the API
	wantHeaders   map[string]string // Access-Control-* headers, exactly
	wantCode      string            // problem code
}

func TestCORS(t *testing.T) {
	preflightOK := map[string]string{
		"Access-Control-Allow-Origin":      allowedOrigin,
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "GET, POST, PUT, PATCH, DELETE",
		"Access-Control-Allow-Headers":     "Authorization, Content-Type, Idempotency-Key, If-Match, X-Request-ID, X-CSRF-Token",
		"Access-Control-Max-Age":           "600",
	}
	actualOK := func(origin string) map[string]string {
		return map[string]string{
			"Access-Control-Allow-Origin":      origin,
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Expose-Headers":    "ETag, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Request-ID, Location",
		}
	}
	none := map[string]string{}
	tests := []corsCase{
		{name: "same-origin or non-browser request", method: "GET", wantStatus: 200, wantNext: true, wantHeaders: none},
		{name: "allowed origin", method: "POST", origin: allowedOrigin, wantStatus: 200, wantNext: true, wantHeaders: actualOK(allowedOrigin)},
		{name: "second allowed origin", method: "GET", origin: devOrigin, wantStatus: 200, wantNext: true, wantHeaders: actualOK(devOrigin)},
		{name: "allowed preflight", method: "OPTIONS", origin: allowedOrigin, requestMethod: "PATCH", wantStatus: 204, wantHeaders: preflightOK},
		{name: "denied preflight", method: "OPTIONS", origin: "https://evil.example.net", requestMethod: "DELETE", wantStatus: 403, wantHeaders: none, wantCode: "CORS_ORIGIN_DENIED"},
		{name: "denied actual request", method: "POST", origin: "https://evil.example.net", wantStatus: 200, wantNext: true, wantHeaders: none},
		{name: "null origin", method: "OPTIONS", origin: "null", requestMethod: "GET", wantStatus: 403, wantHeaders: none, wantCode: "CORS_ORIGIN_DENIED"},
		{name: "other scheme", method: "OPTIONS", origin: "http://portal.example.com", requestMethod: "GET", wantStatus: 403, wantHeaders: none, wantCode: "CORS_ORIGIN_DENIED"},
		{name: "other port", method: "OPTIONS", origin: "https://portal.example.com:8443", requestMethod: "GET", wantStatus: 403, wantHeaders: none, wantCode: "CORS_ORIGIN_DENIED"},
		{name: "suffix of an allowed host", method: "OPTIONS", origin: "https://portal.example.com.evil.net", requestMethod: "GET", wantStatus: 403, wantHeaders: none, wantCode: "CORS_ORIGIN_DENIED"},
		{name: "subdomain of an allowed host", method: "GET", origin: "https://x.portal.example.com", wantStatus: 200, wantNext: true, wantHeaders: none},
		// OPTIONS without Access-Control-Request-Method is not a preflight:
		// the API answers it like any request.
		{name: "plain OPTIONS", method: "OPTIONS", origin: allowedOrigin, wantStatus: 200, wantNext: true, wantHeaders: actualOK(allowedOrigin)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runCORSCase(t, CORSOptions{AllowedOrigins: []string{allowedOrigin, devOrigin}}, tt)
		})
	}
}

// With no origins configured every preflight is refused.
func TestCORSNoOriginsConfigured(t *testing.T) {
	runCORSCase(t, CORSOptions{}, corsCase{
		method: "OPTIONS", origin: allowedOrigin, requestMethod: "POST",
		wantStatus: 403, wantHeaders: map[string]string{}, wantCode: "CORS_ORIGIN_DENIED",
	})
}

func runCORSCase(t *testing.T, o CORSOptions, tt corsCase) {
	t.Helper()
	reached := false
	h := cors(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
		w.Write([]byte("{}"))
	}), o)
	r := httptest.NewRequest(tt.method, "/api/incidents", nil)
	if tt.origin != "" {
		r.Header.Set("Origin", tt.origin)
	}
	if tt.requestMethod != "" {
		r.Header.Set("Access-Control-Request-Method", tt.requestMethod)
		r.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)

	if w.Code != tt.wantStatus || reached != tt.wantNext {
		t.Errorf("status %d, reached API %v; want %d, %v", w.Code, reached, tt.wantStatus, tt.wantNext)
	}
	got := map[string]string{}
	for k, v := range w.Header() {
		if strings.HasPrefix(k, "Access-Control-") {
			got[k] = strings.Join(v, "|")
		}
	}
	if diff := cmp.Diff(tt.wantHeaders, got); diff != "" {
		t.Errorf("CORS headers (-want +got):\n%s", diff)
	}
	// With no allowed origin no answer differs by Origin, so there is
	// nothing for Vary to say.
	if vary := w.Header().Values("Vary"); len(o.AllowedOrigins) > 0 && (len(vary) == 0 || vary[0] != "Origin") {
		t.Errorf("Vary = %q, want Origin first", vary)
	} else if len(o.AllowedOrigins) == 0 && len(vary) != 0 {
		t.Errorf("Vary = %q without allowed origins, want none", vary)
	}
	if tt.wantCode != "" {
		var p struct {
			Code   string `json:"code"`
			Status int    `json:"status"`
			Detail string `json:"detail"`
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("Content-Type %q, want application/problem+json", ct)
		}
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatalf("problem body %q: %v", w.Body, err)
		}
		if p.Code != tt.wantCode || p.Status != tt.wantStatus || !strings.Contains(p.Detail, "CORS_ORIGINS") {
			t.Errorf("problem %+v, want code %s naming CORS_ORIGINS", p, tt.wantCode)
		}
	}
}

// Preflight answers vary on the requested method and headers as well, so
// caches keep one per request shape.
func TestCORSPreflightVary(t *testing.T) {
	h := cors(http.NotFoundHandler(), CORSOptions{AllowedOrigins: []string{allowedOrigin}})
	r := httptest.NewRequest(http.MethodOptions, "/api/incidents", nil)
	r.Header.Set("Origin", allowedOrigin)
	r.Header.Set("Access-Control-Request-Method", "POST")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	want := []string{"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"}
	if diff := cmp.Diff(want, w.Header().Values("Vary")); diff != "" {
		t.Errorf("Vary (-want +got):\n%s", diff)
	}
}
