package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/config"
	"github.com/hsedigital/hse/internal/seed"
)

const seedUsage = `hse seed --demo [--scale N] [--orgs 2] [--password P] [--force]

  Fill a migrated database with demo organizations: an owner and members of
  every role (all with the printed password, e-mail addresses verified),
  stations, contractors and years of audits with scores, findings and
  corrective actions. Scale 1 is 1,000 stations and 100,000 audits per
  organization; 0.01 is 10 and 1,000. Refuses a database that holds data
  unless --force, and never runs with HSE_ENV=production.`

func runSeed(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "seed", seedUsage)
	demo := fs.Bool("demo", false, "generate demo data (the only kind there is; required so the intent is explicit)")
	scale := fs.Float64("scale", 1, "volume per organization: 1 = 1,000 stations and 100,000 audits")
	orgs := fs.Int("orgs", 2, "number of demo organizations")
	password := fs.String("password", seed.DefaultPassword, "password of every demo account")
	force := fs.Bool("force", false, "seed a database that already holds data")
	rngSeed := fs.Uint64("seed", 1, "random seed; the same seed gives the same data")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("seed: unexpected argument %q", fs.Arg(0))
	}
	if !*demo {
		return usagef("seed needs --demo")
	}
	if *scale <= 0 || *scale > 100 {
		return usagef("--scale must be above 0 and at most 100")
	}
	if *orgs < 1 || *orgs > 50 {
		return usagef("--orgs must be 1 to 50")
	}
	// Checked before the configuration, which may not even load without
	// production secrets: demo data never goes near production.
	if strings.EqualFold(strings.TrimSpace(e.getenv("HSE_ENV")), config.EnvProduction) {
		return errors.New("seed refuses to run with HSE_ENV=production")
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	if cfg.Env == config.EnvProduction {
		return errors.New("seed refuses to run with HSE_ENV=production")
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, _, err := db.CheckSchema(ctx); err != nil {
		return err
	}
	started := time.Now()
	res, err := seed.Run(ctx, db, seed.Options{Scale: *scale, Orgs: *orgs, Password: *password, Force: *force, Seed: *rngSeed,
		Progress: e.stderr})
	if err != nil {
		return err
	}
	for _, o := range res.Orgs {
		fmt.Fprintf(e.stdout, "organization %s (%s, id %s): %d stations, %d contractors, %d audits, %d findings, %d actions\n",
			o.Name, o.Slug, o.ID, len(o.StationIDs), o.Contractors, o.Audits, o.Findings, o.Actions)
		for _, m := range o.Members {
			fmt.Fprintf(e.stdout, "  %-18s %s %s\n", m.Role, m.Email, m.UserID)
		}
	}
	fmt.Fprintf(e.stdout, "password of every demo account: %s\nseeded in %s\n", res.Password, time.Since(started).Round(time.Millisecond))
	return nil
}
