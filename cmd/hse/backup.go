package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/backup"
)

const backupUsage = `hse backup create [--label L] | verify NAME [--restore-test] | list [--json] | restore FILE [--force] [--no-safety-backup] | prune [--dry-run]

  create    back the configured database up into HSE_BACKUP_DIR: pg_dump | gzip on
            PostgreSQL (pg_dump on PATH), an online copy then gzip on SQLite; writes
            NAME.json beside it (time, engine, schema version, size, SHA-256, rows)
  verify    check a backup's checksum and gzip stream; --restore-test also restores it
            into a scratch database and compares row counts (the weekly drill)
  list      the backups in HSE_BACKUP_DIR, newest first, with their retention class
  restore   replace the database's data with a backup (FILE: a .sql.gz/.sqlite.gz or
            its .json); refuses a database that holds data without --force, and then
            takes a safety backup first unless --no-safety-backup. The schema ends at
            the backup's version: run "hse migrate up" after.
  prune     delete backups outside the retention (HSE_BACKUP_KEEP_DAILY/WEEKLY/MONTHLY)`

func runBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "backup", backupUsage)
	label := fs.String("label", "", "create: a label for the name, e.g. pre-deploy-v1.5.0")
	restoreTest := fs.Bool("restore-test", false, "verify: also restore into a scratch database and compare row counts")
	asJSON := fs.Bool("json", false, "list: print JSON")
	force := fs.Bool("force", false, "restore: replace a database that holds data")
	noSafety := fs.Bool("no-safety-backup", false, "restore: skip the safety backup of the data being replaced")
	dryRun := fs.Bool("dry-run", false, "prune: only say what would be deleted")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return usagef("backup needs an action: create, verify, list, restore or prune")
	}
	action := fs.Arg(0)
	// The action is checked before the flags that follow it ("backup bogus
	// --help" is an error), and flags may also follow the operand, as the
	// usage writes them: "verify NAME --restore-test".
	switch action {
	case "create", "list", "prune", "verify", "restore":
	default:
		return usagef("unknown backup action %q: expected create, verify, list, restore or prune", action)
	}
	if err := parseFlags(fs, fs.Args()[1:]); err != nil {
		return err
	}
	var operands []string
	for fs.NArg() > 0 {
		operands = append(operands, fs.Arg(0))
		if err := parseFlags(fs, fs.Args()[1:]); err != nil {
			return err
		}
	}
	operand := ""
	switch action {
	case "verify", "restore":
		if len(operands) != 1 {
			return usagef("backup %s needs one backup name or file", action)
		}
		operand = operands[0]
	default:
		if len(operands) != 0 {
			return usagef("backup %s takes no arguments", action)
		}
	}

	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	dir := cfg.Backup.Dir
	ret := backup.Retention{Daily: cfg.Backup.Daily, Weekly: cfg.Backup.Weekly, Monthly: cfg.Backup.Monthly}
	switch action {
	case "list":
		return listBackups(e, dir, ret, *asJSON)
	case "prune":
		return pruneBackups(e, dir, ret, *dryRun)
	}

	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	target := backup.Target{Engine: cfg.Engine, DatabaseURL: cfg.DatabaseURL, SQLitePath: cfg.SQLitePath}
	now := time.Now().UTC()
	switch action {
	case "create":
		m, err := backup.Create(ctx, db, target, dir, *label, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created %s (%s, schema %d, %d bytes, sha256 %s)\n", filepath.Join(dir, m.File), m.Engine, m.SchemaVersion, m.SizeBytes, m.SHA256)
	case "verify":
		var scratch *backup.Scratch
		if *restoreTest {
			scratch = backup.NewScratch(target)
		}
		name := backupName(operand)
		vdir := dir
		if strings.ContainsRune(operand, os.PathSeparator) {
			vdir = filepath.Dir(operand)
		}
		m, err := backup.Verify(ctx, vdir, name, scratch, now)
		if err != nil {
			return fmt.Errorf("verification failed: %w", err)
		}
		what := "checksum and gzip stream"
		if *restoreTest {
			what += ", restore into a scratch database and row counts of " + fmt.Sprint(len(m.RowCounts)) + " tables"
		}
		fmt.Fprintf(e.stdout, "ok %s: %s\n", m.Name, what)
	case "restore":
		path := operand
		if !strings.ContainsRune(path, os.PathSeparator) {
			path = filepath.Join(dir, path)
		}
		m, err := backup.Restore(ctx, db, target, path, backup.RestoreOptions{Force: *force, SafetyBackup: !*noSafety, Dir: dir}, now)
		if errors.Is(err, backup.ErrNotEmpty) {
			return err
		}
		if err != nil {
			return fmt.Errorf("restore failed: %w", err)
		}
		fmt.Fprintf(e.stdout, "restored %s (taken %s, schema version %d); run \"hse migrate up\" if this binary needs a newer schema\n",
			m.Name, m.CreatedAt.Format(time.RFC3339), m.SchemaVersion)
	}
	return nil
}

// backupName accepts a name, an artifact file or a metadata file.
func backupName(s string) string {
	base := filepath.Base(s)
	for _, ext := range []string{".json", ".sql.gz", ".sqlite.gz"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

func listBackups(e *env, dir string, ret backup.Retention, asJSON bool) error {
	bs, err := backup.List(dir)
	if err != nil {
		return err
	}
	classes := ret.Classes(bs)
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(bs)
	}
	if len(bs) == 0 {
		fmt.Fprintf(e.stdout, "no backups in %s\n", dir)
		return nil
	}
	for _, b := range bs {
		verified := "not verified"
		if v := b.Verification; v != nil {
			verified = "verify failed " + v.At.Format(time.RFC3339)
			if v.OK {
				verified = "verified " + v.At.Format(time.RFC3339)
			}
		}
		keep := strings.Join(classes[b.Name], ",")
		if keep == "" {
			keep = "prunable"
		}
		fmt.Fprintf(e.stdout, "%-40s %s  %-8s schema %-3d %10d bytes  %-22s %s\n", b.Name, b.CreatedAt.Format(time.RFC3339), b.Engine, b.SchemaVersion, b.SizeBytes, keep, verified)
	}
	return nil
}

func pruneBackups(e *env, dir string, ret backup.Retention, dryRun bool) error {
	if dryRun {
		bs, err := backup.List(dir)
		if err != nil {
			return err
		}
		for name, cs := range ret.Classes(bs) {
			if len(cs) == 0 {
				fmt.Fprintf(e.stdout, "would delete %s\n", name)
			}
		}
		return nil
	}
	removed, err := backup.Prune(dir, ret)
	for _, n := range removed {
		fmt.Fprintf(e.stdout, "deleted %s\n", n)
	}
	if err == nil && len(removed) == 0 {
		fmt.Fprintln(e.stdout, "nothing to prune")
	}
	return err
}
