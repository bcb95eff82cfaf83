package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// hseBinary builds the real binary once per test run, stamped like a release.
func hseBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hse-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "hse")
		cmd := exec.Command("go", "build", "-ldflags", "-X github.com/hsedigital/hse/internal/buildinfo.Version=e2e-test", "-o", binPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestEndToEnd starts the real binary on a random port, waits for
// readiness, exercises the public endpoints and stops it with SIGTERM.
func TestEndToEnd(t *testing.T) {
	bin := hseBinary(t)
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		port := freePort(t)
		dataDir := t.TempDir()
		env := []string{"PORT=" + fmt.Sprint(port), "HSE_DATA_DIR=" + dataDir, "PATH=" + os.Getenv("PATH")}
		args := []string{"serve"}
		if engine == sqlstore.Postgres {
			env = append(env, "DATABASE_URL="+hsetest.NewTarget(t, engine).DatabaseURL)
			args = append(args, "--migrate")
		}
		var logs bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		t.Cleanup(func() { cmd.Process.Kill() })

		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get(base + "/api/ready")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			select {
			case err := <-exited:
				t.Fatalf("server exited before ready: %v\n%s", err, logs.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("not ready within 30s\n%s", logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}

		var h struct {
			Status  string `json:"status"`
			Version string `json:"version"`
		}
		getJSON(t, base+"/api/health", &h)
		if h.Status != "healthy" || h.Version != "e2e-test" {
			t.Errorf("health = %+v", h)
		}
		var doc struct {
			OpenAPI string         `json:"openapi"`
			Paths   map[string]any `json:"paths"`
		}
		getJSON(t, base+"/api/openapi.json", &doc)
		if doc.OpenAPI != "3.1.0" || doc.Paths["/api/live"] == nil || doc.Paths["/api/health"] == nil {
			t.Errorf("openapi.json: version %q, paths %v", doc.OpenAPI, keys(doc.Paths))
		}
		page := getBody(t, base+"/api/docs")
		if !strings.Contains(page, "/api/ready") || strings.Contains(page, "<script") || strings.Contains(page, "https://") {
			t.Errorf("/api/docs must list the routes and load nothing from elsewhere")
		}
		if m := getBody(t, base+"/metrics"); !strings.Contains(m, "hse_digital_http_requests_total") {
			t.Error("metrics endpoint lacks the request counter")
		}
		if engine == sqlstore.SQLite {
			if _, err := os.Stat(filepath.Join(dataDir, "hse.db")); err != nil {
				t.Errorf("embedded default did not create the database under HSE_DATA_DIR: %v", err)
			}
		}

		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatal("server did not stop within 30s of SIGTERM")
		}
		if !strings.Contains(logs.String(), `"msg":"drained"`) {
			t.Errorf("no drain in the log:\n%s", logs.String())
		}
	})
}

// In production a missing or short secret stops the server before it
// listens, naming the variable.
func TestProductionRefusesWeakSecrets(t *testing.T) {
	bin := hseBinary(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"HSE_ENV=production", "DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "x.db"), "JWT_SECRET=tooshort", "PORT=" + fmt.Sprint(freePort(t))}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("server started in production with weak secrets")
	}
	if cmd.ProcessState.ExitCode() != 1 {
		t.Errorf("exit code %d, want 1", cmd.ProcessState.ExitCode())
	}
	for _, want := range []string{"JWT_SECRET is too short", "REFRESH_SECRET is required"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(getBody(t, url)), v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
