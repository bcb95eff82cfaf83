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

const backupUsage = `hse backup create [--label L] | verify NAME [--restore-test] | list [--json] [--remote] | fetch NAME | restore FILE [--force] [--no-safety-backup] | prune [--dry-run]

  create    back the configured database up into HSE_BACKUP_DIR: pg_dump | gzip on
            PostgreSQL (pg_dump on PATH), an online copy then gzip on SQLite; verifies
            it and writes NAME.json beside it (time, engine, schema version, size,
            SHA-256, rows, verification), then uploads both to HSE_BACKUP_BUCKET when set
  verify    check a backup's checksum and gzip stream; --restore-test also restores it
            into a scratch database and compares row counts (the weekly drill); the
            result is written into the metadata, in the bucket too
  list      the backups in HSE_BACKUP_DIR (--remote: in HSE_BACKUP_BUCKET), newest
            first, with why the retention keeps each and its verification state
            (verified, FAILED, unverified)
  fetch     download a backup from HSE_BACKUP_BUCKET into HSE_BACKUP_DIR
  restore   replace the database's data with a backup, all or nothing (FILE: a
            .sql.gz/.sqlite.gz or its .json, a NAME fetched from HSE_BACKUP_BUCKET when
            only there, or a plain pg_dump | gzip file without metadata); refuses
            while an hse server uses the database, and a database that holds data
            without --force, and then takes a safety backup first (uploaded too)
            unless --no-safety-backup. The schema ends at the backup's version: run
            "hse migrate up" after.
  prune     delete backups outside the retention (HSE_BACKUP_KEEP_DAILY/WEEKLY/MONTHLY),
            in HSE_BACKUP_DIR and in HSE_BACKUP_BUCKET; only verified backups count
            (those never verified are verified first), and the newest verified
            backup is always kept`

func runBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "backup", backupUsage)
	label := fs.String("label", "", "create: a label for the name, e.g. pre-deploy-v1.5.0")
	restoreTest := fs.Bool("restore-test", false, "verify: also restore into a scratch database and compare row counts")
	asJSON := fs.Bool("json", false, "list: print JSON")
	remoteList := fs.Bool("remote", false, "list: the backups in HSE_BACKUP_BUCKET instead of HSE_BACKUP_DIR")
	force := fs.Bool("force", false, "restore: replace a database that holds data")
	noSafety := fs.Bool("no-safety-backup", false, "restore: skip the safety backup of the data being replaced")
	dryRun := fs.Bool("dry-run", false, "prune: only say what would be deleted")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return usagef("backup needs an action: create, verify, list, fetch, restore or prune")
	}
	action := fs.Arg(0)
	// The action is checked before the flags that follow it ("backup bogus
	// --help" is an error), and flags may also follow the operand, as the
	// usage writes them: "verify NAME --restore-test".
	switch action {
	case "create", "list", "prune", "verify", "restore", "fetch":
	default:
		return usagef("unknown backup action %q: expected create, verify, list, fetch, restore or prune", action)
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
	case "verify", "restore", "fetch":
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
	remote, err := backup.OpenRemote(ctx, cfg.Backup.Bucket)
	if err != nil {
		return err
	}
	defer remote.Close()
	switch action {
	case "list":
		if *remoteList {
			if remote == nil {
				return errors.New("backup list --remote: HSE_BACKUP_BUCKET is not set")
			}
			bs, err := remote.List(ctx)
			if err != nil {
				return err
			}
			return printBackups(e, bs, remote.URL, ret, *asJSON)
		}
		return listBackups(e, dir, ret, *asJSON)
	case "prune":
		return pruneBackups(ctx, e, dir, remote, ret, *dryRun, time.Now().UTC())
	case "fetch":
		if remote == nil {
			return errors.New("backup fetch: HSE_BACKUP_BUCKET is not set")
		}
		m, err := remote.Fetch(ctx, backupName(operand), dir)
		if err != nil {
			return fmt.Errorf("fetch failed: %w", err)
		}
		fmt.Fprintf(e.stdout, "fetched %s from %s (%d bytes); check it with \"hse backup verify %s\"\n", filepath.Join(dir, m.File), remote.URL, m.SizeBytes, m.Name)
		return nil
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
		if remote != nil {
			if err := remote.Upload(ctx, dir, m); err != nil {
				return fmt.Errorf("upload failed (the local copy %s is kept): %w", filepath.Join(dir, m.File), err)
			}
			fmt.Fprintf(e.stdout, "uploaded %s to %s\n", m.Name, remote.URL)
		}
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
		if remote != nil && m != nil && m.Verification != nil {
			// The bucket's copy of the metadata carries the result too,
			// when the bucket holds this backup.
			if has, herr := remote.Has(ctx, m); herr != nil {
				fmt.Fprintf(e.stderr, "warning: the verification result was not uploaded: %v\n", herr)
			} else if has {
				if uerr := remote.UploadMetadata(ctx, m); uerr != nil {
					fmt.Fprintf(e.stderr, "warning: the verification result was not uploaded: %v\n", uerr)
				}
			}
		}
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
			_, merr := backup.ReadMetadata(path)
			_, serr := os.Stat(path) // a plain dump has no metadata
			if merr != nil && serr != nil && remote != nil {
				// Only in the bucket (a new pod, or the local copy was
				// removed): fetch it first.
				m, ferr := remote.Fetch(ctx, backupName(operand), dir)
				if ferr != nil {
					return fmt.Errorf("restore failed: %s is not in %s and could not be fetched: %w", backupName(operand), dir, ferr)
				}
				fmt.Fprintf(e.stdout, "fetched %s from %s\n", m.Name, remote.URL)
			}
		}
		m, err := backup.Restore(ctx, db, target, path, backup.RestoreOptions{Force: *force, SafetyBackup: !*noSafety, Dir: dir, Remote: remote}, now)
		if errors.Is(err, backup.ErrNotEmpty) || errors.As(err, new(*backup.ServersRunningError)) {
			return err
		}
		if err != nil {
			return fmt.Errorf("restore failed: %w", err)
		}
		if m.Label == "plain" {
			fmt.Fprintf(e.stdout, "restored the plain dump %s (no metadata: its gzip stream was checked, there was no checksum to compare); run \"hse migrate status\" to see its schema version\n", m.File)
			return nil
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
	return printBackups(e, bs, dir, ret, asJSON)
}

// listedBackup is a backup as list prints it in JSON: its metadata, its
// verification state and why the retention keeps it (empty: prunable).
type listedBackup struct {
	backup.Metadata
	State string   `json:"state"`
	Keep  []string `json:"keep"`
}

func printBackups(e *env, bs []backup.Metadata, where string, ret backup.Retention, asJSON bool) error {
	plan := ret.Plan(bs)
	if asJSON {
		out := make([]listedBackup, 0, len(bs))
		for _, b := range bs {
			out = append(out, listedBackup{Metadata: b, State: b.State(), Keep: plan[b.Name]})
		}
		return json.NewEncoder(e.stdout).Encode(out)
	}
	if len(bs) == 0 {
		fmt.Fprintf(e.stdout, "no backups in %s\n", where)
		return nil
	}
	for _, b := range bs {
		state := "unverified"
		if v := b.Verification; v != nil {
			state = "FAILED " + v.At.Format(time.RFC3339) + ": " + v.Error
			if v.OK {
				state = "verified " + v.At.Format(time.RFC3339)
				if v.RestoreTest {
					state += " (restore test)"
				}
			}
		}
		keep := strings.Join(plan[b.Name], ",")
		if keep == "" {
			keep = "prunable"
		}
		fmt.Fprintf(e.stdout, "%-40s %s  %-8s schema %-3d %10d bytes  %-22s %s\n", b.Name, b.CreatedAt.Format(time.RFC3339), b.Engine, b.SchemaVersion, b.SizeBytes, keep, state)
	}
	return nil
}

func pruneBackups(ctx context.Context, e *env, dir string, remote *backup.Remote, ret backup.Retention, dryRun bool, now time.Time) error {
	verb := "deleted"
	if dryRun {
		verb = "would delete"
	}
	removed, err := backup.Prune(ctx, dir, ret, now, dryRun)
	for _, n := range removed {
		fmt.Fprintf(e.stdout, "%s %s\n", verb, n)
	}
	if err != nil {
		return err
	}
	total := len(removed)
	if remote != nil {
		rremoved, err := remote.Prune(ctx, ret, now, dryRun)
		for _, n := range rremoved {
			fmt.Fprintf(e.stdout, "%s %s from %s\n", verb, n, remote.URL)
		}
		if err != nil {
			return err
		}
		total += len(rremoved)
	}
	if total == 0 {
		fmt.Fprintln(e.stdout, "nothing to prune")
	}
	return nil
}
