package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hsedigital/hse/internal/app"
	"github.com/hsedigital/hse/internal/logging"
)

const adminUsage = `hse admin create-operator --email EMAIL | reset-password --email EMAIL

  create-operator  make EMAIL a platform operator (creating the account with a
                   generated password, printed once, if it does not exist).
                   Operators use /api/admin/... and /api/backup/health; they
                   see no tenant data through tenant endpoints.
  reset-password   set a new generated password for EMAIL, printed once, and
                   end every session of the account`

func runAdmin(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "admin", adminUsage)
	email := fs.String("email", "", "the account's e-mail address")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return usagef("admin needs an action: create-operator or reset-password")
	}
	action := fs.Arg(0)
	// Checked before the trailing flags: "admin bogus --help" is an error.
	if action != "create-operator" && action != "reset-password" {
		return usagef("unknown admin action %q: expected create-operator or reset-password", action)
	}
	if err := parseFlags(fs, fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("admin %s: unexpected argument %q", action, fs.Arg(0))
	}
	if *email == "" {
		return usagef("admin %s needs --email", action)
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	if err := cfg.EnsureDevSecrets(); err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, _, err := db.CheckSchema(ctx); err != nil {
		return err
	}
	log := logging.New(e.stderr, cfg.LogFormat, slog.LevelWarn)
	a, err := app.NewWithDB(ctx, cfg, log, db, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()

	switch action {
	case "create-operator":
		pw, created, err := a.Identity.CreateOperator(ctx, *email)
		if err != nil {
			return err
		}
		if created {
			fmt.Fprintf(e.stdout, "created operator %s\npassword: %s\n(shown once; change it after the first login)\n", *email, pw)
		} else {
			fmt.Fprintf(e.stdout, "%s is now a platform operator\n", *email)
		}
	case "reset-password":
		pw, err := a.Identity.AdminResetPassword(ctx, *email)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "new password for %s: %s\n(shown once; every session of the account was ended)\n", *email, pw)
	}
	return nil
}
