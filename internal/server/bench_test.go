package server_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/server"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// BenchmarkLive measures the middleware chain and huma on the liveness
// probe, without the network; scripts/bench-health.sh measures it over TCP.
func BenchmarkLive(b *testing.B) {
	fixtureLogLevel = slog.LevelInfo
	defer func() { fixtureLogLevel = slog.LevelDebug }()
	f := newFixture(&testing.T{}, hsetest.MigratedDB(b, sqlstore.SQLite), nil, server.Options{})
	h := f.srv.Handler()
	req := httptest.NewRequest(http.MethodGet, "/api/live", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
