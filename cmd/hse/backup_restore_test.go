package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// startServe runs "hse serve --migrate" in-process until the test ends or
// stop is called, and waits until it is ready.
func startServe(t *testing.T, vars map[string]string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	exited := make(chan error, 1)
	go func() {
		exited <- run(ctx, []string{"serve", "--migrate"}, func(k string) string { return vars[k] }, logs, logs)
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("serve: %v\n%s", err, logs.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("serve did not stop\n%s", logs.String())
		}
	}
	t.Cleanup(stop)
	base := "http://127.0.0.1:" + vars["PORT"]
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get(base + "/api/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return stop
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("serve exited before ready: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready within 30s\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A running "hse serve" makes "hse backup restore" refuse, saying how to
// stop it; once it has stopped, the restore runs.
func TestRestoreRefusedWhileServeRuns(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		tg := hsetest.NewTarget(t, engine)
		vars := map[string]string{"DATABASE_URL": tg.DatabaseURL, "HSE_DATA_DIR": t.TempDir(), "PORT": fmt.Sprint(freePort(t))}
		stop := startServe(t, vars)
		out, errOut, err := runCLI(t, vars, "backup", "create")
		if err != nil {
			t.Fatalf("backup create while serving: %v\n%s%s", err, out, errOut)
		}
		name := backupName(strings.Fields(out)[1]) // "created PATH (...)"

		_, _, err = runCLI(t, vars, "backup", "restore", name, "--force")
		if err == nil {
			t.Fatal("restore ran while a server used the database")
		}
		msg := err.Error()
		for _, want := range []string{"refusing to restore while hse servers use this database",
			"kubectl scale deployment/prod-hse-app-blue deployment/prod-hse-app-green --replicas=0 -n hse-production"} {
			if !strings.Contains(msg, want) {
				t.Errorf("the refusal does not say %q:\n%s", want, msg)
			}
		}
		if engine == sqlstore.Postgres && !strings.Contains(msg, `"hse serve"`) {
			t.Errorf("the refusal does not name the server's session:\n%s", msg)
		}

		stop()
		out, errOut, err = runCLI(t, vars, "backup", "restore", name, "--force")
		if err != nil || !strings.Contains(out, "restored "+name) {
			t.Fatalf("restore after the server stopped: %v\n%s%s", err, out, errOut)
		}
	})
}

// scripts/restore.sh with a plain `pg_dump | gzip` file (no metadata, made
// without --clean) restores over the existing schema, with a safety
// backup; a dump of another schema, or into SQLite, is refused clearly.
func TestRestoreScriptPlainDump(t *testing.T) {
	for _, tool := range []string{"bash", "gzip", "psql", "pg_dump"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed on PATH: %v", tool, err)
		}
	}
	bin := hseBinary(t)
	script, err := filepath.Abs(filepath.Join(repoRoot, "scripts", "restore.sh"))
	if err != nil {
		t.Fatal(err)
	}
	restoreSh := func(t *testing.T, databaseURL, dataDir string, files ...string) (string, error) {
		t.Helper()
		cmd := exec.Command("bash", append([]string{script}, files...)...)
		cmd.Env = []string{"HSE=" + bin, "DATABASE_URL=" + databaseURL, "HSE_DATA_DIR=" + dataDir, "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		kept := e.Signup("Plain Dump Fuel")
		dumps := t.TempDir()
		dataDir := t.TempDir()
		if engine == sqlstore.SQLite {
			plain := filepath.Join(dumps, "pre-deploy-plain.sql.gz")
			os.WriteFile(plain, gzipped(t, "CREATE TABLE public.t (a integer);\n"), 0o640)
			out, err := restoreSh(t, e.Target.DatabaseURL, dataDir, plain)
			if err == nil || !strings.Contains(out, "is a plain PostgreSQL dump without metadata; the configured database is sqlite") {
				t.Errorf("a plain dump into SQLite: %v\n%s", err, out)
			}
			return
		}

		schema := searchPath(t, e.Target.DatabaseURL)
		plain := filepath.Join(dumps, "pre-deploy-v1.5.0-plain.sql.gz")
		pgDumpGzip(t, schema, plain)
		gone := e.Signup("Written After The Dump Fuel")

		out, err := restoreSh(t, e.Target.DatabaseURL, dataDir, plain)
		if err != nil {
			t.Fatalf("restore.sh with a plain dump: %v\n%s", err, out)
		}
		for _, want := range []string{"no hse metadata beside", "restored the plain dump pre-deploy-v1.5.0-plain.sql.gz", "schema version"} {
			if !strings.Contains(out, want) {
				t.Errorf("restore.sh output lacks %q:\n%s", want, out)
			}
		}
		// The data is the dump's: the owner from before it logs in, the one
		// from after it is gone.
		after := apptest.NewAt(t, e.Target)
		after.Login(kept)
		if r := after.Call("POST", "/api/auth/login", "", map[string]any{"email": gone.Email, "password": gone.Password}); r.Status != 401 {
			t.Errorf("login of an owner made after the dump: %d, want 401", r.Status)
		}
		if entries, _ := filepath.Glob(filepath.Join(dataDir, "backups", "safety-*.sql.gz")); len(entries) != 1 {
			t.Errorf("safety backups: %v", entries)
		}

		// A dump of another schema would fill that one: refused, nothing
		// changed.
		other := apptest.New(t, engine)
		other.Signup("Other Schema Fuel")
		foreign := filepath.Join(dumps, "other-schema.sql.gz")
		pgDumpGzip(t, searchPath(t, other.Target.DatabaseURL), foreign)
		out, err = restoreSh(t, e.Target.DatabaseURL, dataDir, foreign)
		if err == nil || !strings.Contains(out, "creates tables in schema(s) "+searchPath(t, other.Target.DatabaseURL)) || !strings.Contains(out, "DATABASE_URL's schema is "+schema) {
			t.Errorf("a dump of another schema: %v\n%s", err, out)
		}
		after.Login(kept)
	})
}

// pgDumpGzip writes `pg_dump --schema=S | gzip` of the test database, as an
// operator would by hand: plain SQL, no --clean.
func pgDumpGzip(t *testing.T, schema, path string) {
	t.Helper()
	cmd := exec.Command("bash", "-c", `set -o pipefail; pg_dump --schema="$SCHEMA" --dbname="$PGURL" | gzip > "$OUT"`)
	cmd.Env = append(os.Environ(), "SCHEMA="+schema, "PGURL="+hsetest.PostgresURL(t), "OUT="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_dump | gzip: %v\n%s", err, out)
	}
}

func searchPath(t *testing.T, databaseURL string) string {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("search_path")
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	cmd := exec.Command("gzip", "-c")
	cmd.Stdin = strings.NewReader(s)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
