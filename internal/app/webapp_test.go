package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// The web application is served at / through the whole middleware chain,
// with the document security headers, while /api keeps answering with
// problem documents of its own.
func TestWebAppServedBesideAPI(t *testing.T) {
	e := apptest.New(t, sqlstore.SQLite)
	tests := []struct {
		path, wantType, wantCSP string
		wantStatus              int
	}{
		{"/", "text/html", "script-src 'self'", http.StatusOK},
		{"/incidents/new", "text/html", "script-src 'self'", http.StatusOK},
		{"/verify-email?token=hsev_abc", "text/html", "script-src 'self'", http.StatusOK},
		{"/api/no-such-thing", "application/problem+json", "default-src 'none'", http.StatusNotFound},
		{"/api/live", "application/json", "default-src 'none'", http.StatusOK},
	}
	for _, tt := range tests {
		r := e.Call(http.MethodGet, tt.path, "", nil)
		if r.Status != tt.wantStatus || !strings.HasPrefix(r.Header.Get("Content-Type"), tt.wantType) ||
			!strings.Contains(r.Header.Get("Content-Security-Policy"), tt.wantCSP) {
			t.Errorf("GET %s = %d %q CSP %q, want %d %q with %q", tt.path, r.Status, r.Header.Get("Content-Type"),
				r.Header.Get("Content-Security-Policy"), tt.wantStatus, tt.wantType, tt.wantCSP)
		}
	}
}
