package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// runCLI runs the command in-process with the given environment.
func runCLI(t *testing.T, vars map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return vars[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestHelp(t *testing.T) {
	out, _, err := runCLI(t, nil, "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"serve", "migrate", "config", "version", "DATABASE_URL", "JWT_SECRET", "PORT"} {
		if !strings.Contains(out, want) {
			t.Errorf("hse --help lacks %q", want)
		}
	}
	for _, sub := range []string{"serve", "migrate", "config", "version"} {
		out, _, err := runCLI(t, nil, sub, "--help")
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s --help: %v", sub, err)
		}
		if !strings.Contains(out, "hse "+sub) || !strings.Contains(out, "DATABASE_URL") {
			t.Errorf("%s --help does not explain usage and environment:\n%s", sub, out)
		}
	}
	if _, _, err := runCLI(t, nil, "serve", "--bogus"); !errors.As(err, new(usageError)) {
		t.Errorf("unknown flag: %v, want a usage error", err)
	}
	if _, _, err := runCLI(t, nil, "frobnicate"); err == nil || !strings.Contains(err.Error(), `unknown subcommand "frobnicate"`) {
		t.Errorf("unknown subcommand: %v", err)
	}
}

func TestConfigCommandMasksSecrets(t *testing.T) {
	vars := map[string]string{"JWT_SECRET": "super-secret-jwt-value", "DATABASE_URL": "postgres://hse:pw-in-url@db:5432/hse"}
	out, _, err := runCLI(t, vars, "config")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "super-secret-jwt-value") || strings.Contains(out, "pw-in-url") {
		t.Errorf("hse config prints a secret:\n%s", out)
	}
	if !strings.Contains(out, "postgres") || !strings.Contains(out, "JWT_SECRET") {
		t.Errorf("hse config output:\n%s", out)
	}
	_, _, err = runCLI(t, map[string]string{"PORT": "nope"}, "config")
	if err == nil || !strings.Contains(err.Error(), `PORT="nope"`) {
		t.Errorf("invalid PORT: %v", err)
	}
}

func TestVersion(t *testing.T) {
	out, _, err := runCLI(t, nil, "version")
	if err != nil || !strings.HasPrefix(out, "hse ") || !strings.Contains(out, "commit:") || !strings.Contains(out, "build date:") {
		t.Errorf("version: %v\n%s", err, out)
	}
}

func TestMigrateCommands(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		tg := hsetest.NewTarget(t, engine)
		vars := map[string]string{"DATABASE_URL": tg.DatabaseURL, "HSE_DATA_DIR": t.TempDir()}
		latest := sqlstore.LatestVersion(engine)

		out, _, err := runCLI(t, vars, "migrate", "status")
		if err != nil || !strings.Contains(out, "schema version 0") || !strings.Contains(out, "pending") {
			t.Fatalf("status on an empty database: %v\n%s", err, out)
		}
		if out, _, err = runCLI(t, vars, "migrate", "up"); err != nil || !strings.Contains(out, "up   00001_init") {
			t.Fatalf("up: %v\n%s", err, out)
		}
		if out, _, _ = runCLI(t, vars, "migrate", "up"); !strings.Contains(out, "nothing to do") {
			t.Errorf("second up: %s", out)
		}
		if out, _, err = runCLI(t, vars, "migrate", "down", "--to", "0"); err != nil || !strings.Contains(out, "down 00001_init") {
			t.Fatalf("down --to 0: %v\n%s", err, out)
		}
		if _, _, err = runCLI(t, vars, "migrate", "up"); err != nil {
			t.Fatal(err)
		}
		out, _, _ = runCLI(t, vars, "migrate", "status")
		if !strings.Contains(out, "applied") || strings.Contains(out, "pending") {
			t.Errorf("status after up:\n%s", out)
		}
		if !strings.Contains(out, fmt.Sprintf("%05d_", latest)) {
			t.Errorf("status does not list the latest migration %d:\n%s", latest, out)
		}
		for _, bad := range [][]string{{"migrate"}, {"migrate", "sideways"}, {"migrate", "up", "--to", "1"}, {"migrate", "down", "--to", "x"}} {
			if _, _, err := runCLI(t, vars, bad...); !errors.As(err, new(usageError)) {
				t.Errorf("%v: %v, want a usage error", bad, err)
			}
		}
	})
}

// serve migrates only the embedded default; on any other database it
// refuses a schema that is behind, saying what to run.
func TestServeRefusesSchemaBehind(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		tg := hsetest.NewTarget(t, engine)
		vars := map[string]string{"DATABASE_URL": tg.DatabaseURL, "HSE_DATA_DIR": t.TempDir(), "PORT": "1"}
		_, _, err := runCLI(t, vars, "serve")
		want := fmt.Sprintf(`schema is at 0, this binary needs %d: run "hse migrate up"`, sqlstore.LatestVersion(engine))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("serve on an empty schema: %v, want %q", err, want)
		}
	})
}
