package sqlstore_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// Both engines must list exactly the same migrations, so a version number
// means the same schema everywhere.
func TestMigrationParity(t *testing.T) {
	lite, err := sqlstore.Migrations(sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := sqlstore.Migrations(sqlstore.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	names := func(ms []sqlstore.Migration) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return out
	}
	if len(lite) == 0 {
		t.Fatal("no migrations embedded")
	}
	if diff := cmp.Diff(names(lite), names(pg)); diff != "" {
		t.Errorf("migration trees differ (-sqlite +postgres):\n%s", diff)
	}
	for i, m := range lite {
		if m.Version != int64(i+1) {
			t.Errorf("migration %s has version %d, want %d (numbers are gap-free)", m.Name, m.Version, i+1)
		}
	}
}

func TestMigrateUpDownUp(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := hsetest.OpenDB(t, engine)
		m, err := db.Migrator(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		latest := sqlstore.LatestVersion(engine)
		if _, _, err := db.CheckSchema(ctx); err == nil {
			t.Fatal("CheckSchema on an empty database: want an error")
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("up: %v", err)
		}
		assertVersion(t, db, latest)
		if _, err := m.DownTo(ctx, 0); err != nil {
			t.Fatalf("down to 0: %v", err)
		}
		assertVersion(t, db, 0)
		res, err := m.Up(ctx)
		if err != nil {
			t.Fatalf("up again: %v", err)
		}
		if int64(len(res)) != latest {
			t.Errorf("second up applied %d migrations, want %d", len(res), latest)
		}
		assertVersion(t, db, latest)
		if cur, need, err := db.CheckSchema(ctx); err != nil || cur != need {
			t.Errorf("CheckSchema = %d, %d, %v; want current", cur, need, err)
		}
		st, err := m.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range st {
			if !s.Applied {
				t.Errorf("migration %d %s not applied after up", s.Version, s.Name)
			}
		}
		if _, err := m.DownTo(ctx, 999999); err == nil {
			t.Error("down to an unknown version: want an error")
		}
	})
}

// Two migrators started at once (two pods running the migration Job) must
// both succeed and leave the schema at the latest version exactly once.
func TestConcurrentMigrateUp(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		tg := hsetest.NewTarget(t, engine)
		var wg sync.WaitGroup
		errs := make([]error, 3)
		applied := make([]int, 3)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db, err := sqlstore.Open(ctx, tg.Options)
				if err != nil {
					errs[i] = err
					return
				}
				defer db.Close()
				m, err := db.Migrator(ctx, nil)
				if err != nil {
					errs[i] = err
					return
				}
				res, err := m.Up(ctx)
				applied[i], errs[i] = len(res), err
			}()
		}
		wg.Wait()
		total := 0
		for i, err := range errs {
			if err != nil {
				t.Errorf("migrator %d: %v", i, err)
			}
			total += applied[i]
		}
		latest := sqlstore.LatestVersion(engine)
		if int64(total) != latest {
			t.Errorf("migrations applied in total = %d, want %d (each exactly once)", total, latest)
		}
		db, err := sqlstore.Open(ctx, tg.Options)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		assertVersion(t, db, latest)
	})
}

func assertVersion(t *testing.T, db *sqlstore.DB, want int64) {
	t.Helper()
	got, err := db.SchemaVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("schema version = %d, want %d", got, want)
	}
}
