package app_test

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/backup"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// A restore refuses while a server uses the database (its jobs and outbox
// relay would run against the tables being replaced), says how to stop it,
// and changes nothing; once the server is gone it restores. The server is
// another process's view of the same database, as in production.
func TestRestoreRefusedWhileAServerRuns(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		e := apptest.New(t, engine)
		e.Signup("Served Fuel")
		dir := t.TempDir()
		now := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
		m, err := backup.Create(ctx, e.App.DB, targetOf(e), dir, "", now)
		if err != nil {
			t.Fatal(err)
		}
		e.Signup("Written After The Backup Fuel")
		before, _ := e.App.DB.RowCounts(ctx)

		server := apptest.NewAt(t, e.Target)
		release, ok, err := server.App.DB.HoldServing(ctx, nil)
		if err != nil || !ok {
			t.Fatalf("HoldServing: %v %v", ok, err)
		}
		restore := func() error {
			_, err := backup.Restore(ctx, e.App.DB, targetOf(e), filepath.Join(dir, m.File),
				backup.RestoreOptions{Force: true, SafetyBackup: true, Dir: dir}, now.Add(time.Hour))
			return err
		}
		err = restore()
		var running *backup.ServersRunningError
		if !errors.As(err, &running) {
			t.Fatalf("restore while a server runs: %v, want a *backup.ServersRunningError", err)
		}
		for _, want := range []string{"refusing to restore while hse servers use this database",
			"kubectl scale deployment/prod-hse-app-blue deployment/prod-hse-app-green --replicas=0 -n hse-production",
			`stop the "hse serve" process`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the refusal does not say %q:\n%s", want, err)
			}
		}
		if engine == sqlstore.Postgres {
			if len(running.Servers) != 1 || running.Servers[0].Application != sqlstore.ServingApplication || running.Servers[0].PID == 0 {
				t.Errorf("servers named: %+v", running.Servers)
			}
			if !strings.Contains(err.Error(), `(1 connected; pid `) {
				t.Errorf("the refusal does not name the server's session:\n%s", err)
			}
		}
		if after, _ := e.App.DB.RowCounts(ctx); !maps.Equal(before, after) {
			t.Errorf("a refused restore changed the data: %v -> %v", before, after)
		}
		if bs, _ := backup.List(dir); len(bs) != 1 {
			t.Errorf("a refused restore took a safety backup: %+v", bs)
		}

		// A second server of the same database is refused too, and the
		// refusal ends with the last one.
		release2, ok, err := e.App.DB.HoldServing(ctx, nil)
		if err != nil || !ok {
			t.Fatalf("a second server: %v %v", ok, err)
		}
		release()
		if err := restore(); !errors.As(err, &running) {
			t.Errorf("restore with one of two servers left: %v", err)
		}
		release2()
		if err := restore(); err != nil {
			t.Fatalf("restore once the servers stopped: %v", err)
		}
		if after, _ := e.App.DB.RowCounts(ctx); !maps.Equal(after, m.RowCounts) {
			t.Errorf("after the restore: %v, want the backup's %v", after, m.RowCounts)
		}
	})
}

// While a restore runs, a server does not start: HoldServing reports the
// lock taken until the restore ends.
func TestServerWaitsForARestore(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		e := apptest.New(t, engine)
		server := apptest.NewAt(t, e.Target)
		unlock, ok, err := e.App.DB.TryLock(ctx, sqlstore.ServingLock) // what Restore holds
		if err != nil || !ok {
			t.Fatalf("TryLock: %v %v", ok, err)
		}
		if _, ok, err := server.App.DB.HoldServing(ctx, nil); err != nil || ok {
			t.Fatalf("a server started during a restore: ok %v, err %v", ok, err)
		}
		unlock()
		release, ok, err := server.App.DB.HoldServing(ctx, nil)
		if err != nil || !ok {
			t.Fatalf("a server after the restore: %v %v", ok, err)
		}
		release()
	})
}
