package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// A server's hold of ServingLock keeps a restore out while it runs, and
// only until it is released.
func TestServingLockKeepsRestoresOut(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := hsetest.MigratedDB(t, engine)
		release, ok, err := db.HoldServing(ctx, nil)
		if err != nil || !ok {
			t.Fatalf("HoldServing: %v %v", ok, err)
		}
		if _, ok, err := db.TryLock(ctx, sqlstore.ServingLock); err != nil || ok {
			t.Errorf("a restore took the lock while a server holds it: %v %v", ok, err)
		}
		release()
		unlock, ok, err := db.TryLock(ctx, sqlstore.ServingLock)
		if err != nil || !ok {
			t.Fatalf("a restore after the server stopped: %v %v", ok, err)
		}
		unlock()
	})
}

// On PostgreSQL the hold lives in a session of its own: when that session
// is cut (a database restart, a network blip, an administrator), the server
// takes the lock again on a new one and says so.
func TestServingLockRecoversALostSession(t *testing.T) {
	if hsetest.PostgresURL(t) == "" {
		t.Skip("HSE_TEST_POSTGRES_URL is not set: the session lock is PostgreSQL's")
	}
	defer sqlstore.SetServingCheck(50 * time.Millisecond)()
	ctx := context.Background()
	db := hsetest.MigratedDB(t, sqlstore.Postgres)
	reports := make(chan error, 16)
	release, ok, err := db.HoldServing(ctx, func(err error) { reports <- err })
	if err != nil || !ok {
		t.Fatalf("HoldServing: %v %v", ok, err)
	}
	defer release()
	servers, err := db.Servers(ctx)
	if err != nil || len(servers) != 1 || servers[0].Application != sqlstore.ServingApplication {
		t.Fatalf("servers: %+v %v", servers, err)
	}

	admin, err := sql.Open("pgx", db.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, servers[0].PID); err != nil {
		t.Fatal(err)
	}
	wait := func(what string, want func(error) bool) {
		t.Helper()
		for {
			select {
			case err := <-reports:
				if want(err) {
					return
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("no report that the hold was %s", what)
			}
		}
	}
	wait("lost", func(err error) bool { return err != nil })
	wait("taken again", func(err error) bool { return err == nil })
	again, err := db.Servers(ctx)
	if err != nil || len(again) != 1 || again[0].PID == servers[0].PID {
		t.Errorf("servers after the session was cut: %+v %v (was pid %d)", again, err, servers[0].PID)
	}
	if _, ok, err := db.TryLock(ctx, sqlstore.ServingLock); err != nil || ok {
		t.Errorf("a restore took the lock after the hold was taken again: %v %v", ok, err)
	}
}
