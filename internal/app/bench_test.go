package app_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// BenchmarkMe measures an authenticated GET /api/auth/me through the full
// stack without the network; scripts/bench-auth.sh measures it over TCP.
func BenchmarkMe(b *testing.B) {
	for _, engine := range hsetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			e := apptest.New(b, engine, apptest.WithEnv("HSE_RATE_LIMIT_USER", "1000000"), apptest.WithEnv("HSE_RATE_LIMIT_ORG", "10000000"))
			u := e.Signup("Bench Fuel")
			req := httptest.NewRequest(http.MethodGet, "/api/auth/me", nil)
			req.Header.Set("Authorization", "Bearer "+u.Access)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				rec := httptest.NewRecorder()
				e.App.API.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
