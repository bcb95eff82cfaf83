package server

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wantAPIHeaders are sent on every API (data) response, HTTP or HTTPS.
var wantAPIHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options":  "nosniff",
	"X-Frame-Options":         "DENY",
}

// wantSecurityHeaders are sent on every page (the web app, the API
// reference), HTTP or HTTPS.
var wantSecurityHeaders = map[string]string{
	"Content-Security-Policy":    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
	"X-Content-Type-Options":     "nosniff",
	"X-Frame-Options":            "DENY",
	"Referrer-Policy":            "strict-origin-when-cross-origin",
	"Permissions-Policy":         "camera=(self), geolocation=(self), microphone=()",
	"Cross-Origin-Opener-Policy": "same-origin",
}

func TestSecurityHeaders(t *testing.T) {
	for _, c := range []struct {
		path string
		want map[string]string
	}{{"/api/health", wantAPIHeaders}, {"/metrics", wantAPIHeaders}, {"/", wantSecurityHeaders}, {"/stations/1", wantSecurityHeaders}, {"/api/docs", wantSecurityHeaders}} {
		t.Run(c.path, func(t *testing.T) { testSecurityHeaders(t, c.path, c.want) })
	}
}

func testSecurityHeaders(t *testing.T, path string, wantHeaders map[string]string) {
	tests := []struct {
		name       string
		tls        bool
		forwarded  string // X-Forwarded-Proto
		trustProxy bool
		wantHSTS   bool
	}{
		{name: "plain http", wantHSTS: false},
		{name: "direct tls", tls: true, wantHSTS: true},
		{name: "direct tls, proxy trusted", tls: true, trustProxy: true, wantHSTS: true},
		{name: "trusted proxy says https", forwarded: "https", trustProxy: true, wantHSTS: true},
		{name: "trusted proxy says HTTPS", forwarded: "HTTPS", trustProxy: true, wantHSTS: true},
		{name: "trusted proxy chain starting at https", forwarded: "https, http", trustProxy: true, wantHSTS: true},
		{name: "trusted proxy says http", forwarded: "http", trustProxy: true, wantHSTS: false},
		{name: "trusted proxy chain starting at http", forwarded: "http, https", trustProxy: true, wantHSTS: false},
		{name: "untrusted client claims https", forwarded: "https", trustProxy: false, wantHSTS: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusTeapot)
			}), SecurityOptions{TrustProxy: tt.trustProxy})
			r := httptest.NewRequest(http.MethodGet, path, nil)
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if tt.forwarded != "" {
				r.Header.Set("X-Forwarded-Proto", tt.forwarded)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)

			want := map[string]string{}
			for k, v := range wantHeaders {
				want[k] = v
			}
			for k := range wantSecurityHeaders { // headers of the other set stay away
				if _, ok := want[k]; !ok {
					want[k] = ""
				}
			}
			if tt.wantHSTS {
				want["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
			}
			got := map[string]string{}
			for k := range want {
				got[k] = w.Header().Get(k)
			}
			got["Strict-Transport-Security"] = w.Header().Get("Strict-Transport-Security")
			if !tt.wantHSTS {
				want["Strict-Transport-Security"] = ""
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if w.Code != http.StatusTeapot {
				t.Errorf("status %d: the handler's status was lost", w.Code)
			}
		})
	}
}

// A handler may replace a header for its own response.
func TestSecurityHeadersCanBeOverridden(t *testing.T) {
	h := securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "sandbox")
		w.Write([]byte("file"))
	}), SecurityOptions{})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/files/1", nil))
	if got := w.Header().Get("Content-Security-Policy"); got != "sandbox" {
		t.Errorf("Content-Security-Policy = %q, want the handler's", got)
	}
	if got := w.Header().Values("X-Frame-Options"); len(got) != 1 {
		t.Errorf("X-Frame-Options = %q, want exactly one", got)
	}
}
