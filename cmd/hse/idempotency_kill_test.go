package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

var (
	faultBuildOnce sync.Once
	faultBinPath   string
	faultBuildErr  error
)

// faultBinary builds the binary with the fault-injection points
// (-tags faultinject), once per test run.
func faultBinary(t *testing.T) string {
	t.Helper()
	faultBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hse-fault-")
		if err != nil {
			faultBuildErr = err
			return
		}
		faultBinPath = filepath.Join(dir, "hse")
		cmd := exec.Command("go", "build", "-tags", "faultinject", "-o", faultBinPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			faultBuildErr = fmt.Errorf("go build -tags faultinject: %v\n%s", err, out)
		}
	})
	if faultBuildErr != nil {
		t.Fatal(faultBuildErr)
	}
	return faultBinPath
}

// server is a running `hse serve`.
type server struct {
	cmd    *exec.Cmd
	base   string
	logs   *syncBuffer
	exited chan error
}

// startServer runs bin's `hse serve` on the database tg with the test
// platform's secrets (tokens issued in-process are valid there) and waits
// until it is ready.
func startServer(t *testing.T, bin string, tg hsetest.Target, extra ...string) *server {
	t.Helper()
	port := freePort(t)
	s := &server{base: fmt.Sprintf("http://127.0.0.1:%d", port), logs: &syncBuffer{}, exited: make(chan error, 1)}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = append([]string{"PORT=" + fmt.Sprint(port), "HSE_DATA_DIR=" + t.TempDir(), "PATH=" + os.Getenv("PATH"),
		"DATABASE_URL=" + tg.DatabaseURL, "JWT_SECRET=" + apptest.JWTSecret, "REFRESH_SECRET=" + apptest.RefreshSecret}, extra...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() { s.cmd.Process.Kill() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.base + "/api/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		select {
		case err := <-s.exited:
			t.Fatalf("server exited before ready: %v\n%s", err, s.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within 30s\n%s", s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForLog waits until the server logged text.
func (s *server) waitForLog(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.logs.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not log %q within 30s:\n%s", text, s.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// kill ends the server with SIGKILL, as an out-of-memory kill or a lost
// node does: no drain, no deferred work.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.exited
}

type keyedResult struct {
	status   int
	replayed string
	body     []byte
	err      error
}

// postKeyed sends a POST with an Idempotency-Key.
func postKeyed(base, token, path, key string, body any) keyedResult {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", base+path, bytes.NewReader(b))
	if err != nil {
		return keyedResult{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return keyedResult{err: err}
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return keyedResult{status: resp.StatusCode, replayed: resp.Header.Get("Idempotent-Replayed"), body: out, err: err}
}

type incidentOut struct{ ID, Number string }

// TestIdempotencyKilledServer reports an incident with an Idempotency-Key
// to a real `hse serve` and kills it with SIGKILL at a fault point: after
// the incident and the key's response committed (the client never gets
// the answer), and after the incident was written but before the commit.
// The retry to the restarted server gets the incident reported once: the
// same one replayed, or the first and only one.
func TestIdempotencyKilledServer(t *testing.T) {
	prod, fault := hseBinary(t), faultBinary(t)
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		tg := hsetest.NewTarget(t, engine)
		e := apptest.NewAt(t, tg)
		owner := e.Signup("Killed Server Co")
		var st struct{ ID string }
		if err := json.Unmarshal(e.Must(201, e.Call("POST", "/api/stations", owner.Access,
			map[string]any{"code": "KILL-1", "name": "Station Kill", "region": "North"})).Body, &st); err != nil {
			t.Fatal(err)
		}
		incidents := func() []incidentOut {
			t.Helper()
			var page struct{ Items []incidentOut }
			if err := json.Unmarshal(e.Must(200, e.Call("GET", "/api/incidents?limit=100", owner.Access, nil)).Body, &page); err != nil {
				t.Fatal(err)
			}
			return page.Items
		}
		for _, c := range []struct {
			fault    string
			replayed bool // the retry replays; otherwise it is the first run that counts
		}{
			{"idempotency-after-commit", true},
			{"idempotency-before-commit", false},
		} {
			t.Run(c.fault, func(t *testing.T) {
				key := "kill-" + c.fault
				body := map[string]any{"stationId": st.ID, "type": "Fire", "severity": "High", "location": "Behind the shop",
					"occurredAt": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "description": "Bin fire, " + c.fault,
					"immediateActions": "Extinguished with the forecourt extinguisher"}

				before := len(incidents())
				srv := startServer(t, fault, tg, "HSE_FAULT="+c.fault)
				first := make(chan keyedResult, 1)
				go func() { first <- postKeyed(srv.base, owner.Access, "/api/incidents", key, body) }()
				srv.waitForLog(t, "fault injected")
				srv.kill(t)
				if r := <-first; r.err == nil {
					t.Fatalf("the client got %d from a server that was killed", r.status)
				}

				// The release binary has no fault point: HSE_FAULT changes nothing.
				restarted := startServer(t, prod, tg, "HSE_FAULT="+c.fault)
				retry := postKeyed(restarted.base, owner.Access, "/api/incidents", key, body)
				if retry.err != nil || retry.status != 201 {
					t.Fatalf("retry: %d %v %s\n%s", retry.status, retry.err, retry.body, restarted.logs.String())
				}
				if got := retry.replayed == "true"; got != c.replayed {
					t.Fatalf("retry replayed: %v, want %v", got, c.replayed)
				}
				var inc incidentOut
				if err := json.Unmarshal(retry.body, &inc); err != nil {
					t.Fatal(err)
				}
				stored := incidents()
				if len(stored) != before+1 || stored[0].ID != inc.ID || stored[0].Number != inc.Number {
					t.Fatalf("%d incidents stored (newest first: %+v), want %d with the retry's %s %s", len(stored), stored, before+1, inc.ID, inc.Number)
				}
				if want := fmt.Sprintf("-%04d", before+1); !strings.HasSuffix(inc.Number, want) {
					t.Errorf("number %s, want it to end in %s: numbers stay gap-free", inc.Number, want)
				}
				again := postKeyed(restarted.base, owner.Access, "/api/incidents", key, body)
				if again.status != 201 || again.replayed != "true" || !bytes.Equal(again.body, retry.body) {
					t.Fatalf("second retry: %d %q %s", again.status, again.replayed, again.body)
				}
				restarted.kill(t)
			})
		}
	})
}
