package app_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// wantUnavailable fails unless r is 503 UNAVAILABLE with a Retry-After.
func wantUnavailable(t *testing.T, what string, r *apptest.Response) {
	t.Helper()
	checkProblemFormat(t, what, r)
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if r.Status != http.StatusServiceUnavailable || r.Code() != "UNAVAILABLE" || err != nil || secs < 1 {
		t.Errorf("%s with the database down: %d %s Retry-After %q, want 503 UNAVAILABLE with Retry-After",
			what, r.Status, r.Body, r.Header.Get("Retry-After"))
	}
}

// PostgreSQL going away mid-run (connections dropped, new ones refused):
// reads, writes, logins and idempotent writes answer 503 UNAVAILABLE with
// Retry-After, never 500, and the API recovers when it returns.
func TestDatabaseOutageIs503(t *testing.T) {
	tg := hsetest.NewTarget(t, sqlstore.Postgres)
	u, err := url.Parse(tg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := hsetest.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	tg.DatabaseURL, tg.Options.URL = u.String(), u.String()
	e := apptest.NewAt(t, tg)
	owner := e.Signup("Outage Fuel")
	st := newStation(t, e, owner, "OUT1", nil)

	proxy.Cut()
	wantUnavailable(t, "GET /api/stations", e.Call("GET", "/api/stations", owner.Access, nil))
	wantUnavailable(t, "GET /api/stations/{id}", e.Call("GET", "/api/stations/"+st.ID, owner.Access, nil))
	wantUnavailable(t, "POST /api/stations", e.Call("POST", "/api/stations", owner.Access, map[string]any{"code": "OUT2", "name": "Second", "region": "North"}))
	wantUnavailable(t, "PATCH /api/stations/{id}", e.Do(apptest.Request{Method: "PATCH", Path: "/api/stations/" + st.ID, Token: owner.Access,
		Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"name": "Renamed"}}))
	wantUnavailable(t, "POST /api/stations with Idempotency-Key", e.Do(apptest.Request{Method: "POST", Path: "/api/stations", Token: owner.Access,
		Header: map[string]string{"Idempotency-Key": "outage-1"}, Body: map[string]any{"code": "OUT3", "name": "Third", "region": "North"}}))
	wantUnavailable(t, "POST /api/auth/login", e.Call("POST", "/api/auth/login", "", map[string]any{"email": owner.Email, "password": owner.Password}))

	proxy.Restore()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := e.Call("GET", "/api/stations/"+st.ID, owner.Access, nil)
		if r.Status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after the database returned: %d %s", r.Status, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.Must(201, e.Call("POST", "/api/stations", owner.Access, map[string]any{"code": "OUT4", "name": "After", "region": "North"}))
}

// SQLite's equivalents: the file locked by another process beyond the
// busy timeout, and a database closed under a request that outlived it
// (shutdown). Both are 503 UNAVAILABLE with Retry-After.
func TestSQLiteUnavailableIs503(t *testing.T) {
	t.Run("locked by another process", func(t *testing.T) {
		t.Parallel()
		e := apptest.New(t, sqlstore.SQLite)
		owner := e.Signup("Locked Fuel")
		other, err := sql.Open("sqlite", "file:"+e.Target.Options.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		conn, err := other.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(context.Background(), "ROLLBACK")
		// Reads go on under WAL; the write waits out the busy timeout.
		e.Must(200, e.Call("GET", "/api/stations", owner.Access, nil))
		wantUnavailable(t, "POST /api/stations", e.Call("POST", "/api/stations", owner.Access, map[string]any{"code": "LCK1", "name": "Locked", "region": "North"}))
	})
	t.Run("closed", func(t *testing.T) {
		t.Parallel()
		e := apptest.New(t, sqlstore.SQLite, apptest.WithEnv("HSE_PRINCIPAL_CACHE_TTL", "0s"))
		owner := e.Signup("Closed Fuel")
		e.App.DB.Close()
		wantUnavailable(t, "GET /api/stations", e.Call("GET", "/api/stations", owner.Access, nil))
		wantUnavailable(t, "POST /api/stations", e.Call("POST", "/api/stations", owner.Access, map[string]any{"code": "CLS1", "name": "Closed", "region": "North"}))
	})
}
