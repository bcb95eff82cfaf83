package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/app"
	"github.com/hsedigital/hse/internal/config"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/identity"
	"github.com/hsedigital/hse/internal/mail/mailtest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// loginAt logs in on the database of tg, as the server would.
func loginAt(t *testing.T, tg hsetest.Target, email, password string) (*identity.Tokens, error) {
	t.Helper()
	ctx := context.Background()
	vars := map[string]string{"DATABASE_URL": tg.DatabaseURL, "HSE_DATA_DIR": t.TempDir(),
		"JWT_SECRET": "cli-test-jwt-secret-0123456789abcdefghijk", "REFRESH_SECRET": "cli-test-refresh-secret-0123456789abcdef"}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(ctx, tg.Options)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := app.NewWithDB(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), db, app.Options{Mailer: &mailtest.Recorder{}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	return a.Identity.Login(ctx, identity.LoginInput{Email: email, Password: password})
}

var (
	createdPassword = regexp.MustCompile(`(?m)^password: (\S+)$`)
	resetPassword   = regexp.MustCompile(`(?m)^new password for \S+: (\S+)$`)
)

func TestAdminCommands(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		tg := hsetest.NewTarget(t, engine)
		// No JWT or refresh secret: the embedded default generates them,
		// as it does for serve.
		vars := map[string]string{"DATABASE_URL": tg.DatabaseURL, "HSE_DATA_DIR": t.TempDir()}

		// On a database that is not migrated the command refuses.
		if _, _, err := runCLI(t, vars, "admin", "create-operator", "--email", "ops@example.com"); err == nil || !strings.Contains(err.Error(), "hse migrate up") {
			t.Fatalf("admin on an empty database: %v", err)
		}
		if _, _, err := runCLI(t, vars, "migrate", "up"); err != nil {
			t.Fatal(err)
		}

		out, errOut, err := runCLI(t, vars, "admin", "create-operator", "--email", "Ops@Example.com")
		if err != nil {
			t.Fatalf("create-operator: %v\n%s", err, errOut)
		}
		m := createdPassword.FindStringSubmatch(out)
		if m == nil || !strings.Contains(out, "created operator") {
			t.Fatalf("create-operator output:\n%s", out)
		}
		first := m[1]
		if strings.Contains(errOut, first) {
			t.Error("the generated password is also written to stderr")
		}
		tok, err := loginAt(t, tg, "ops@example.com", first)
		if err != nil || !tok.User.Operator || tok.OrgID != "" {
			t.Fatalf("logging in as the new operator: %+v, %v", tok, err)
		}

		// Again: the account exists, so no password is printed.
		out, _, err = runCLI(t, vars, "admin", "create-operator", "--email", "ops@example.com")
		if err != nil || !strings.Contains(out, "is now a platform operator") || strings.Contains(out, "password") {
			t.Errorf("create-operator for an existing account: %v\n%s", err, out)
		}

		// reset-password prints a new password; the old one stops working.
		// The flag may come before or after the action.
		var second string
		for _, args := range [][]string{
			{"admin", "reset-password", "--email", "ops@example.com"},
			{"admin", "--email", "ops@example.com", "reset-password"},
		} {
			out, _, err = runCLI(t, vars, args...)
			m = resetPassword.FindStringSubmatch(out)
			if err != nil || m == nil {
				t.Fatalf("%v: %v\n%s", args, err, out)
			}
			if m[1] == first || m[1] == second {
				t.Errorf("%v printed a password used before", args)
			}
			second = m[1]
		}
		if _, err := loginAt(t, tg, "ops@example.com", first); hse.KindOf(err) != hse.KindUnauthorized {
			t.Errorf("the first password after the resets: %v, want refused", err)
		}
		if tok, err = loginAt(t, tg, "ops@example.com", second); err != nil || !tok.User.Operator {
			t.Errorf("the newest password: %+v, %v", tok, err)
		}

		// Failures print no password.
		out, _, err = runCLI(t, vars, "admin", "reset-password", "--email", "nobody@example.com")
		if err == nil || !hse.IsNotFound(err) || out != "" {
			t.Errorf("reset-password for an unknown address: %v, output %q", err, out)
		}
		if _, _, err := runCLI(t, vars, "admin", "create-operator", "--email", "not-an-address"); err == nil || hse.KindOf(err) != hse.KindInvalid {
			t.Errorf("create-operator with a bad address: %v", err)
		}
		for _, bad := range [][]string{
			{"admin"},
			{"admin", "--email", "ops@example.com"},
			{"admin", "create-operator"},
			{"admin", "promote", "--email", "ops@example.com"},
			{"admin", "create-operator", "--email", "ops@example.com", "extra"},
			{"admin", "reset-password", "--mail", "ops@example.com"},
		} {
			if _, _, err := runCLI(t, vars, bad...); !errors.As(err, new(usageError)) {
				t.Errorf("%v: %v, want a usage error", bad, err)
			}
		}
		out, _, err = runCLI(t, vars, "admin", "--help")
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "create-operator") || !strings.Contains(out, "reset-password") {
			t.Errorf("admin --help: %v\n%s", err, out)
		}
	})
}
