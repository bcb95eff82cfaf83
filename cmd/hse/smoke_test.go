package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/backup"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// smokeServer runs the real API of a fresh platform on a real listener.
func smokeServer(t *testing.T, engine string, opts ...apptest.Option) (*apptest.Env, *httptest.Server) {
	t.Helper()
	e := apptest.New(t, engine, opts...)
	srv := httptest.NewServer(e.App.API)
	t.Cleanup(srv.Close)
	return e, srv
}

// operatorAccount creates a platform operator and returns its credentials.
func operatorAccount(t *testing.T, e *apptest.Env) (email, password string) {
	t.Helper()
	email = "ops-smoke@example.com"
	pw, _, err := e.App.Identity.CreateOperator(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return email, pw
}

func smokeCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, errOut, err := runCLI(t, nil, append([]string{"smoke"}, args...)...)
	t.Logf("hse smoke %s\n%s%s", strings.Join(args, " "), out, errOut)
	return out, err
}

// lineOf returns the output line of a check, or "".
func lineOf(out, check string) string {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[1] == check {
			return l
		}
	}
	return ""
}

func TestSmokeHealthyServer(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e, srv := smokeServer(t, engine)
		u := e.Signup("Smoke Test Fuel")
		opEmail, opPassword := operatorAccount(t, e)

		out, err := smokeCLI(t, "--url", srv.URL, "--email", u.Email, "--password", u.Password,
			"--operator-email", opEmail, "--operator-password", opPassword, "--timeout", "5s")
		if err != nil {
			t.Fatalf("smoke on a healthy server: %v", err)
		}
		for _, check := range []string{"live", "ready", "health", "login", "me", "orgs", "oplogin"} {
			if l := lineOf(out, check); !strings.HasPrefix(l, "ok ") {
				t.Errorf("check %s: line %q, want ok", check, l)
			}
		}
		if l := lineOf(out, "health"); !strings.Contains(l, "healthy") {
			t.Errorf("health line does not print the status: %q", l)
		}
		if l := lineOf(out, "live"); !strings.HasPrefix(l, "ok   live  ") || !strings.HasSuffix(l, "ms") {
			t.Errorf("live line %q, want like \"ok   live  12ms\"", l)
		}
		// The server lists /api/upload, so the PDF goes up and is accepted.
		if l := lineOf(out, "upload"); !strings.HasPrefix(l, "ok   upload ") || !strings.HasSuffix(l, " 201") {
			t.Errorf("upload line %q, want ok with 201", l)
		}
		// No backup yet: stale warns without failing.
		if l := lineOf(out, "backup"); !strings.HasPrefix(l, "warn backup ") || !strings.Contains(l, "stale") {
			t.Errorf("backup line %q, want a stale warning", l)
		}

		// Without credentials only the public checks run.
		out, err = smokeCLI(t, "--url", srv.URL+"/")
		if err != nil {
			t.Fatalf("smoke without credentials: %v", err)
		}
		if lineOf(out, "login") != "" || lineOf(out, "backup") != "" || lineOf(out, "ready") == "" {
			t.Errorf("smoke without credentials:\n%s", out)
		}
	})
}

// Redis down is degraded, not down: the smoke test warns and passes.
func TestSmokeDegradedServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	e, srv := smokeServer(t, sqlstore.SQLite, apptest.WithEnv("REDIS_URL", "redis://"+dead+"/0"))
	u := e.Signup("Smoke Degraded")
	out, err := smokeCLI(t, "--url", srv.URL, "--email", u.Email, "--password", u.Password)
	if err != nil {
		t.Fatalf("smoke with Redis down: %v", err)
	}
	if l := lineOf(out, "health"); !strings.HasPrefix(l, "warn health ") || !strings.Contains(l, "degraded: redis down") {
		t.Errorf("health line %q, want a degraded warning naming redis", l)
	}
	if !strings.Contains(out, "passed with 1 warning(s)") {
		t.Errorf("no warning count:\n%s", out)
	}
}

func TestSmokeWrongPasswordFailsAtLogin(t *testing.T) {
	t.Parallel()
	e, srv := smokeServer(t, sqlstore.SQLite)
	u := e.Signup("Smoke Wrong Password")
	out, err := smokeCLI(t, "--url", srv.URL, "--email", u.Email, "--password", "not the password at all")
	if err == nil {
		t.Fatal("smoke passed with a wrong password")
	}
	if code := exitCode(io.Discard, err); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if l := lineOf(out, "login"); !strings.HasPrefix(l, "FAIL login 401") {
		t.Errorf("login line %q, want FAIL login 401", l)
	}
	if lineOf(out, "me") != "" || lineOf(out, "orgs") != "" {
		t.Errorf("checks ran after the first failure:\n%s", out)
	}
}

func TestSmokeDatabaseDownFailsAtReady(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e, srv := smokeServer(t, engine)
		e.App.DB.Close()
		out, err := smokeCLI(t, "--url", srv.URL)
		if code := exitCode(io.Discard, err); err == nil || code != 1 {
			t.Fatalf("smoke with the database closed: %v (exit %d), want exit 1", err, code)
		}
		if l := lineOf(out, "live"); !strings.HasPrefix(l, "ok ") {
			t.Errorf("live must pass without a database: %q", l)
		}
		if l := lineOf(out, "ready"); !strings.HasPrefix(l, "FAIL ready 503: ") || !strings.Contains(l, "database") {
			t.Errorf("ready line %q, want FAIL ready 503 naming the database", l)
		}
		if lineOf(out, "health") != "" {
			t.Errorf("checks ran after the first failure:\n%s", out)
		}
	})
}

func TestSmokeUnreachableServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	out, err := smokeCLI(t, "--url", url, "--timeout", "2s")
	if code := exitCode(io.Discard, err); code != 1 {
		t.Errorf("exit code %d, want 1 (%v)", code, err)
	}
	if l := lineOf(out, "live"); !strings.HasPrefix(l, "FAIL live") {
		t.Errorf("live line %q", l)
	}
}

func TestSmokeBackupStatus(t *testing.T) {
	t.Parallel()
	e, srv := smokeServer(t, sqlstore.SQLite)
	opEmail, opPassword := operatorAccount(t, e)
	args := []string{"--url", srv.URL, "--operator-email", opEmail, "--operator-password", opPassword}

	ctx := context.Background()
	dir := e.App.Config.Backup.Dir
	target := backup.Target{Engine: e.Engine, DatabaseURL: e.App.DB.URL(), SQLitePath: e.App.DB.SQLitePath()}
	m, err := backup.Create(ctx, e.App.DB, target, dir, "smoke", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out, err := smokeCLI(t, args...)
	if err != nil {
		t.Fatalf("smoke with a fresh backup: %v", err)
	}
	if l := lineOf(out, "backup"); !strings.HasPrefix(l, "ok   backup ") || !strings.Contains(l, m.Name) {
		t.Errorf("backup line %q, want ok naming %s", l, m.Name)
	}

	// A damaged newest backup, once verified, makes the status failing.
	path := filepath.Join(dir, m.File)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b[:len(b)/2], 0o640); err != nil {
		t.Fatal(err)
	}
	backup.Verify(ctx, dir, m.Name, nil, time.Now())
	out, err = smokeCLI(t, args...)
	if code := exitCode(io.Discard, err); err == nil || code != 1 {
		t.Fatalf("smoke with a failing backup: %v (exit %d), want exit 1", err, code)
	}
	if l := lineOf(out, "backup"); !strings.HasPrefix(l, "FAIL backup failing") {
		t.Errorf("backup line %q, want FAIL backup failing", l)
	}
}

// When the server lists /api/upload, the smoke test posts a PDF in the
// multipart field "file" and fails on an error answer.
func TestSmokeUpload(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, sqlstore.SQLite)
	u := e.Signup("Smoke Upload")
	var status = http.StatusCreated
	var got struct {
		auth, contentType, filename string
		pdf                         []byte
	}
	h := http.NewServeMux()
	h.HandleFunc("GET /api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"openapi":"3.1.0","paths":{"/api/upload":{"post":{}}}}`)
	})
	h.HandleFunc("POST /api/upload", func(w http.ResponseWriter, r *http.Request) {
		got.auth = r.Header.Get("Authorization")
		_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			if p.FormName() == "file" {
				got.filename, got.contentType = p.FileName(), p.Header.Get("Content-Type")
				got.pdf, _ = io.ReadAll(p)
			}
		}
		w.WriteHeader(status)
		io.WriteString(w, `{"id":"f1"}`)
	})
	h.Handle("/", e.App.API)
	srv := httptest.NewServer(h)
	defer srv.Close()

	args := []string{"--url", srv.URL, "--email", u.Email, "--password", u.Password}
	out, err := smokeCLI(t, args...)
	if err != nil {
		t.Fatalf("smoke with upload: %v", err)
	}
	if l := lineOf(out, "upload"); !strings.HasPrefix(l, "ok   upload ") {
		t.Errorf("upload line %q", l)
	}
	if !strings.HasPrefix(got.auth, "Bearer ") || got.contentType != "application/pdf" || !strings.HasSuffix(got.filename, ".pdf") {
		t.Errorf("upload request: auth %q, type %q, name %q", got.auth, got.contentType, got.filename)
	}
	if !strings.HasPrefix(string(got.pdf), "%PDF-1.") || !strings.HasSuffix(string(got.pdf), "%%EOF\n") {
		t.Errorf("uploaded file is not a PDF:\n%s", got.pdf)
	}

	status = http.StatusRequestEntityTooLarge
	out, err = smokeCLI(t, args...)
	if code := exitCode(io.Discard, err); code != 1 {
		t.Errorf("exit code %d after a failed upload, want 1", code)
	}
	if l := lineOf(out, "upload"); !strings.HasPrefix(l, "FAIL upload 413") {
		t.Errorf("upload line %q", l)
	}
}

func TestSmokeUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{},
		{"--url", "http://127.0.0.1:1", "--bogus"},
		{"--bogus"},
		{"--url", "127.0.0.1:3001"},
		{"--url", "http://127.0.0.1:1", "--email", "a@example.com"},
		{"--url", "http://127.0.0.1:1", "--operator-password", "x"},
		{"--url", "http://127.0.0.1:1", "--timeout", "soon"},
		{"--url", "http://127.0.0.1:1", "extra", "args"},
	} {
		_, err := smokeCLI(t, args...)
		if !errors.As(err, new(usageError)) || exitCode(io.Discard, err) != 2 {
			t.Errorf("smoke %q: %v, want a usage error (exit 2)", args, err)
		}
	}
	if _, err := smokeCLI(t, "--help"); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("smoke --help: %v", err)
	}
}
