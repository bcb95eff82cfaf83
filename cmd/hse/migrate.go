package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hsedigital/hse/internal/logging"
	"github.com/hsedigital/hse/internal/sqlstore"
)

const migrateUsage = `hse migrate up | down [--to VERSION] | status

  up       apply every pending migration (each in its own transaction; safe to
           start from several pods at once: they take turns on a lock)
  down     roll back the latest migration, or with --to VERSION every
           migration above VERSION (--to 0 empties the schema)
  status   list the migrations of this binary and whether each is applied`

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "migrate", migrateUsage)
	to := fs.String("to", "", "with down: roll back to this version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return usagef("migrate needs an action: up, down or status")
	}
	action := fs.Arg(0)
	// The action is checked before the flags that follow it, so that
	// "migrate bogus --help" is an error rather than help.
	switch action {
	case "up", "down", "status":
	default:
		return usagef("unknown migrate action %q: expected up, down or status", action)
	}
	// Flags may follow the action: "migrate down --to 3".
	if err := parseFlags(fs, fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("migrate %s: unexpected argument %q", action, fs.Arg(0))
	}
	var target int64 = -1
	if *to != "" {
		if action != "down" {
			return usagef("--to only applies to migrate down")
		}
		v, err := strconv.ParseInt(*to, 10, 64)
		if err != nil || v < 0 {
			return usagef("--to %q: expected a migration version, 0 or more", *to)
		}
		target = v
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	log := logging.New(e.stderr, cfg.LogFormat, cfg.LogLevel)
	m, err := db.Migrator(ctx, log)
	if err != nil {
		return err
	}

	var results []sqlstore.MigrationResult
	switch action {
	case "status":
		return printStatus(ctx, e, db, m)
	case "up":
		results, err = m.Up(ctx)
	case "down":
		if target >= 0 {
			results, err = m.DownTo(ctx, target)
		} else {
			results, err = m.Down(ctx)
		}
	}
	for _, r := range results {
		fmt.Fprintf(e.stdout, "%-4s %05d_%s (%s)\n", r.Direction, r.Version, r.Name, r.Duration)
	}
	if err != nil {
		return fmt.Errorf("migrate %s: %w", action, err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if len(results) == 0 {
		fmt.Fprintf(e.stdout, "nothing to do: schema is at version %d\n", v)
		return nil
	}
	fmt.Fprintf(e.stdout, "schema is at version %d (this binary needs %d)\n", v, sqlstore.LatestVersion(db.Engine()))
	return nil
}

func printStatus(ctx context.Context, e *env, db *sqlstore.DB, m *sqlstore.Migrator) error {
	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "engine %s, schema version %d, this binary needs %d\n\n", db.Engine(), v, sqlstore.LatestVersion(db.Engine()))
	for _, s := range st {
		state := "pending"
		if s.Applied {
			state = "applied " + s.AppliedAt
		}
		fmt.Fprintf(e.stdout, "%05d_%-30s %s\n", s.Version, s.Name, state)
	}
	return nil
}
