package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/hsedigital/hse/internal/app"
	"github.com/hsedigital/hse/internal/buildinfo"
	"github.com/hsedigital/hse/internal/config"
	"github.com/hsedigital/hse/internal/logging"
	"github.com/hsedigital/hse/internal/sqlstore"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve", `hse serve [--migrate]

Runs the API server on PORT. On the embedded default database (DATABASE_URL
unset) pending migrations are applied automatically; otherwise the server
refuses to start on a schema that is behind unless --migrate is given.`)
	migrate := fs.Bool("migrate", false, "apply pending migrations before serving")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve takes no arguments")
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	return serve(ctx, e, cfg, *migrate, nil)
}

// serve runs the server until ctx ends. onListen, when set, receives the
// bound address (tests listen on port 0).
func serve(ctx context.Context, e *env, cfg *config.Config, migrate bool, onListen func(net.Addr)) error {
	log := logging.New(e.stdout, cfg.LogFormat, cfg.LogLevel)
	if err := cfg.EnsureDevSecrets(); err != nil {
		return err
	}
	for _, name := range cfg.GeneratedSecrets {
		log.Warn("secret not set: generated one for development and stored it in the data directory; set it explicitly in production",
			"variable", name, "data_dir", cfg.DataDir)
	}

	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close() // after the server has drained
	release, err := holdServing(ctx, log, db)
	if err != nil {
		return err
	}
	defer release()
	if err := ensureSchema(ctx, e, cfg, db, migrate); err != nil {
		return err
	}
	a, err := app.NewWithDB(ctx, cfg, log, db, app.Options{Idempotency: idempotencyFaults(e, log)})
	if err != nil {
		return err
	}
	defer a.Close()

	if sched := a.BackupScheduler(); sched != nil {
		go sched.Run(ctx)
		log.Info("scheduled backups on", "schedule", cfg.Backup.Schedule, "dir", cfg.Backup.Dir)
	}
	if sched := a.AuditScheduler(); sched != nil {
		go sched.Run(ctx)
		log.Info("automatic audit scheduling on", "schedule", cfg.Jobs.AuditSchedule)
	}
	if job := a.OverdueJob(); job != nil {
		go job.Run(ctx)
	}
	go a.DeadlineJob().Run(ctx)
	// Domain events leave the outbox for their consumers.
	go a.Relay.Run(ctx)
	if job := a.PermitExpiry(); job != nil {
		go job.Run(ctx)
		log.Info("permit expiry on", "interval", cfg.Jobs.PermitExpiryInterval.String())
	}

	bi := buildinfo.Get()
	log.Info("starting hse", "version", bi.Version, "commit", bi.Commit, "env", cfg.Env, "engine", cfg.Engine,
		"redis", cfg.RedisURL != "", "smtp", cfg.Mail.Enabled())
	return a.Server.Run(ctx, onListen)
}

// ensureSchema migrates on the embedded default or with --migrate, and
// otherwise refuses to serve on a schema that is behind.
func ensureSchema(ctx context.Context, e *env, cfg *config.Config, db *sqlstore.DB, migrate bool) error {
	_, _, err := db.CheckSchema(ctx)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sqlstore.ErrSchemaBehind) {
		return err
	}
	if !migrate && !cfg.DatabaseDefault {
		return err
	}
	m, err := db.Migrator(ctx, logging.New(e.stdout, cfg.LogFormat, cfg.LogLevel))
	if err != nil {
		return err
	}
	if _, err := m.Up(ctx); err != nil {
		return fmt.Errorf("migrating before serving: %w", err)
	}
	return nil
}

// holdServing marks this process as a server of the database for as long
// as it runs, so that "hse backup restore" refuses to replace the tables
// under it; while a restore runs it waits, and serves what was restored.
func holdServing(ctx context.Context, log *slog.Logger, db *sqlstore.DB) (func(), error) {
	report := func(err error) {
		if err != nil {
			log.Error("marking this server as running", "err", err)
		} else {
			log.Info("this server is marked as running again")
		}
	}
	for waited := false; ; waited = true {
		release, ok, err := db.HoldServing(ctx, report)
		if err != nil {
			return nil, fmt.Errorf("marking this server as running: %w", err)
		}
		if ok {
			return release, nil
		}
		if !waited {
			log.Warn("a restore (hse backup restore) is running on this database; waiting for it to end before serving")
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}
