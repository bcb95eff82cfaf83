package app_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// createWithKey posts body with an Idempotency-Key.
func createWithKey(t *testing.T, e *apptest.Env, u *apptest.User, path, key string, body any) *apptest.Response {
	t.Helper()
	return doAPI(t, e, apptest.Request{Method: "POST", Path: path, Token: u.Access, Body: body, Header: map[string]string{"Idempotency-Key": key}})
}

func countActions(t *testing.T, e *apptest.Env, u *apptest.User) int {
	t.Helper()
	page := decodeJSON[struct{ Items []actionItem }](t, e.Must(200, callAPI(t, e, "GET", "/api/actions?limit=100", u.Access, nil)))
	return len(page.Items)
}

func TestIdempotentRetryReturnsTheFirstResponse(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		owner := e.Signup("Retry Co")
		body := map[string]any{"title": "Fix the leaking dispenser hose", "priority": "High"}

		first := e.Must(201, createWithKey(t, e, owner, "/api/actions", "key-1", body))
		again := e.Must(201, createWithKey(t, e, owner, "/api/actions", "key-1", body))
		if !bytes.Equal(first.Body, again.Body) {
			t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
		}
		if again.Header.Get("Idempotent-Replayed") != "true" || first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("replay header: first %q, again %q", first.Header.Get("Idempotent-Replayed"), again.Header.Get("Idempotent-Replayed"))
		}
		if again.Header.Get("Content-Type") != first.Header.Get("Content-Type") {
			t.Fatalf("content type %q, want %q", again.Header.Get("Content-Type"), first.Header.Get("Content-Type"))
		}
		if n := countActions(t, e, owner); n != 1 {
			t.Fatalf("%d actions after a retry, want 1", n)
		}

		// The same key with another body is refused, and creates nothing.
		other := map[string]any{"title": "Something else", "priority": "Low"}
		if r := createWithKey(t, e, owner, "/api/actions", "key-1", other); r.Status != 422 || r.Code() != "IDEMPOTENCY_KEY_REUSED" {
			t.Fatalf("other body: %d %s", r.Status, r.Body)
		}
		// … as is the same key on another path.
		if r := createWithKey(t, e, owner, "/api/stations", "key-1", map[string]any{"code": "RT-1", "name": "Retry", "region": "N"}); r.Status != 422 {
			t.Fatalf("other path: %d %s", r.Status, r.Body)
		}
		// Another member of the organization cannot replay someone else's key.
		cm := e.Invite(owner, "sys-compliance_manager", nil)
		if r := createWithKey(t, e, cm, "/api/actions", "key-1", body); r.Status != 422 {
			t.Fatalf("other user: %d %s", r.Status, r.Body)
		}
		if n := countActions(t, e, owner); n != 1 {
			t.Fatalf("%d actions after refused reuses, want 1", n)
		}

		// Keys are per organization: another organization's key of the
		// same name is its own.
		other2 := e.Signup("Other Retry Co")
		e.Must(201, createWithKey(t, e, other2, "/api/actions", "key-1", body))
		if n := countActions(t, e, other2); n != 1 {
			t.Fatalf("other org: %d actions", n)
		}

		// Kept for 24 hours, then the key is free again.
		clock.Advance(23 * time.Hour)
		e.Login(owner) // the access token lives 15 minutes
		if r := e.Must(201, createWithKey(t, e, owner, "/api/actions", "key-1", body)); r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatal("a key was forgotten before 24 hours")
		}
		clock.Advance(2 * time.Hour)
		e.Login(owner)
		if r := e.Must(201, createWithKey(t, e, owner, "/api/actions", "key-1", body)); r.Header.Get("Idempotent-Replayed") != "" {
			t.Fatal("an expired key was replayed")
		}
		if n := countActions(t, e, owner); n != 2 {
			t.Fatalf("%d actions after the key expired, want 2", n)
		}
	})
}

func TestIdempotencyKeepsOnlySuccesses(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Fix Co")
		// A refused request created nothing, so its key stays usable and
		// the corrected retry runs.
		if r := createWithKey(t, e, owner, "/api/actions", "k-fix", map[string]any{"title": "", "priority": "High"}); r.Status != 400 || r.Code() != "VALIDATION_FAILED" {
			t.Fatalf("invalid body: %d %s", r.Status, r.Body)
		}
		e.Must(201, createWithKey(t, e, owner, "/api/actions", "k-fix", map[string]any{"title": "Sweep the forecourt", "priority": "High"}))

		for _, key := range []string{strings.Repeat("k", 256), "has space", "tab\tkey"} {
			if r := createWithKey(t, e, owner, "/api/actions", key, map[string]any{"title": "x", "priority": "High"}); r.Status != 400 || r.Code() != "IDEMPOTENCY_KEY_INVALID" {
				t.Fatalf("key %q: %d %s", key, r.Status, r.Body)
			}
		}
		// Without a valid token the key changes nothing: the API answers 401.
		r := doAPI(t, e, apptest.Request{Method: "POST", Path: "/api/actions", Token: "nope", Body: map[string]any{"title": "x"},
			Header: map[string]string{"Idempotency-Key": "k-anon"}})
		if r.Status != 401 {
			t.Fatalf("bad token: %d %s", r.Status, r.Body)
		}
		if n := countActions(t, e, owner); n != 1 {
			t.Fatalf("%d actions, want 1", n)
		}
	})
}

func TestIdempotentParallelRetriesCreateOne(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Parallel Co")
		st := newStation(t, e, owner, "PAR-1", nil)
		for _, c := range []struct {
			path string
			body map[string]any
		}{
			{"/api/incidents", incidentBody(st.ID, time.Now().Add(-time.Hour), nil)},
			{"/api/actions", map[string]any{"title": "Replace the spill kit", "priority": "Medium"}},
		} {
			const n = 10
			resps := make([]*apptest.Response, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					resps[i] = e.Do(apptest.Request{Method: "POST", Path: c.path, Token: owner.Access, Body: c.body,
						Header: map[string]string{"Idempotency-Key": "same-key" + c.path}})
				}()
			}
			close(start)
			wg.Wait()
			ids := map[string]bool{}
			for i, r := range resps {
				if r.Status != 201 {
					t.Fatalf("%s request %d: %d %s", c.path, i, r.Status, r.Body)
				}
				ids[decodeJSON[struct{ ID string }](t, r).ID] = true
			}
			if len(ids) != 1 {
				t.Fatalf("%d different records from %d identical requests to %s", len(ids), n, c.path)
			}
			page := decodeJSON[struct{ Items []struct{ ID string } }](t, e.Must(200, callAPI(t, e, "GET", c.path+"?limit=100", owner.Access, nil)))
			if len(page.Items) != 1 {
				t.Fatalf("%d records stored by %s, want 1", len(page.Items), c.path)
			}
		}
	})
}

// fillPlatformTables adds rows to the outbox and the idempotency keys for
// the backup round trip (a restored replica must still replay a retry).
func fillPlatformTables(t *testing.T, e *apptest.Env, owner *apptest.User) {
	t.Helper()
	e.Must(201, createWithKey(t, e, owner, "/api/actions", "backup-key", map[string]any{"title": "Backup keyed action", "priority": "Low"}))
}

func TestIdempotentUploadRetry(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Upload Retry Co")
		send := func(content []byte) *apptest.Response {
			body, ct := multipartFile(t, "file", "plan.pdf", "", content)
			return e.Do(apptest.Request{Method: "POST", Path: "/api/upload", Token: owner.Access, Body: body,
				Header: map[string]string{"Content-Type": ct, "Idempotency-Key": "upload-1"}})
		}
		first := e.Must(201, send(testPDF))
		again := e.Must(201, send(testPDF))
		if !bytes.Equal(first.Body, again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replayed upload differs:\n%s\n%s", first.Body, again.Body)
		}
		if files := storedFiles(t, e); len(files) != 1 {
			t.Fatalf("%d files stored after a retried upload, want 1: %v", len(files), files)
		}
		other := append(bytes.Clone(testPDF), []byte("% another revision\n")...)
		if r := send(other); r.Status != 422 || r.Code() != "IDEMPOTENCY_KEY_REUSED" {
			t.Fatalf("another file under the same key: %d %s", r.Status, r.Body)
		}
	})
}

// Two replicas on one database: retries that land on different replicas
// still create one incident, since the key is claimed in the database.
func TestIdempotencyAcrossReplicas(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		a := apptest.New(t, engine)
		owner := a.Signup("Two Replicas Co")
		st := newStation(t, a, owner, "REP-1", nil)
		b := apptest.NewAt(t, a.Target)
		body := incidentBody(st.ID, time.Now().Add(-time.Hour), nil)
		var wg sync.WaitGroup
		resps := make([]*apptest.Response, 10)
		for i := range resps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e := a
				if i%2 == 1 {
					e = b
				}
				resps[i] = e.Do(apptest.Request{Method: "POST", Path: "/api/incidents", Token: owner.Access, Body: body,
					Header: map[string]string{"Idempotency-Key": "replicas-1"}})
			}()
		}
		wg.Wait()
		ids := map[string]bool{}
		for i, r := range resps {
			if r.Status != 201 {
				t.Fatalf("request %d: %d %s", i, r.Status, r.Body)
			}
			ids[decodeJSON[struct{ ID string }](t, r).ID] = true
		}
		page := decodeJSON[struct{ Items []struct{ ID string } }](t, b.Must(200, callAPI(t, b, "GET", "/api/incidents", owner.Access, nil)))
		if len(ids) != 1 || len(page.Items) != 1 {
			t.Fatalf("%d ids answered, %d incidents stored; want 1 and 1", len(ids), len(page.Items))
		}
	})
}
