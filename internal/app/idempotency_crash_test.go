package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/idempotency"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// These tests stop the first request of a key at its fault points: a
// hook that panics with http.ErrAbortHandler stands for the process dying
// there (the connection drops, nothing more is done), one that blocks
// holds the request still while another replica retries.

// staleAfter is the default time after which a claim without a heartbeat
// is taken over; the tests move a shared clock past it.
const staleAfter = 15 * time.Second

// crash makes a hook simulate the process dying at its point.
func crash() { panic(http.ErrAbortHandler) }

// postOverHTTP sends a keyed request over a real connection, as a phone
// does: when the server dies mid-request the client gets no answer.
func postOverHTTP(t *testing.T, e *apptest.Env, u *apptest.User, path, key string, body any) (*http.Response, error) {
	t.Helper()
	srv := httptest.NewServer(e.App.API)
	t.Cleanup(srv.Close)
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", srv.URL+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+u.Access)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(idempotency.Header, key)
	resp, err := srv.Client().Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

// incidentsOf lists the organization's incidents.
func incidentsOf(t *testing.T, e *apptest.Env, u *apptest.User) []incidentItem {
	t.Helper()
	return decodeJSON[struct{ Items []incidentItem }](t, e.Must(200, callAPI(t, e, "GET", "/api/incidents?limit=100", u.Access, nil))).Items
}

// keyedIncident reports an incident with an Idempotency-Key.
func keyedIncident(e *apptest.Env, u *apptest.User, key string, body any) *apptest.Response {
	return e.Do(apptest.Request{Method: "POST", Path: "/api/incidents", Token: u.Access, Body: body, Header: map[string]string{idempotency.Header: key}})
}

// The process dies after the incident and the key's response committed,
// before the response reached the client. The retry, on the restarted
// process, replays the response: one incident, the one the retry names.
func TestIdempotencyCrashAfterCommitReplays(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Now().UTC())
		a := apptest.New(t, engine, apptest.WithNow(clock.Now), apptest.WithIdempotency(func(o *idempotency.Options) {
			o.Hooks.Committed = crash
		}))
		owner := a.Signup("Crash After Commit Co")
		st := newStation(t, a, owner, "CAC-1", nil)
		body := incidentBody(st.ID, clock.Now().Add(-time.Hour), nil)

		if resp, err := postOverHTTP(t, a, owner, "/api/incidents", "crash-after", body); err == nil {
			t.Fatalf("the client got an answer from a process that died: %d", resp.StatusCode)
		}
		// Even long after the claim would have gone stale.
		clock.Advance(10 * staleAfter)
		restarted := apptest.NewAt(t, a.Target, apptest.WithNow(clock.Now))
		retry := restarted.Must(201, keyedIncident(restarted, owner, "crash-after", body))
		if retry.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("the retry ran the request again instead of replaying it: %s", retry.Body)
		}
		got := decodeJSON[incidentItem](t, retry)
		stored := incidentsOf(t, restarted, owner)
		if len(stored) != 1 || stored[0].ID != got.ID || stored[0].Number != got.Number {
			t.Fatalf("stored %+v; the replay names %s %s", stored, got.ID, got.Number)
		}
		again := restarted.Must(201, keyedIncident(restarted, owner, "crash-after", body))
		if !bytes.Equal(again.Body, retry.Body) {
			t.Fatalf("replays differ:\n%s\n%s", retry.Body, again.Body)
		}
	})
}

// The process dies after the handler wrote the incident but before the
// commit: nothing is left but the claim, which a retry waits for until it
// goes stale, then runs the request once.
func TestIdempotencyCrashBeforeCommitRunsOnce(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Now().UTC())
		a := apptest.New(t, engine, apptest.WithNow(clock.Now), apptest.WithIdempotency(func(o *idempotency.Options) {
			o.Hooks.Handled = crash
		}))
		owner := a.Signup("Crash Before Commit Co")
		st := newStation(t, a, owner, "CBC-1", nil)
		body := incidentBody(st.ID, clock.Now().Add(-time.Hour), nil)

		if resp, err := postOverHTTP(t, a, owner, "/api/incidents", "crash-before", body); err == nil {
			t.Fatalf("the client got an answer from a process that died: %d", resp.StatusCode)
		}
		restarted := apptest.NewAt(t, a.Target, apptest.WithNow(clock.Now), apptest.WithIdempotency(func(o *idempotency.Options) {
			o.Wait = 100 * time.Millisecond
		}))
		if n := len(incidentsOf(t, restarted, owner)); n != 0 {
			t.Fatalf("%d incidents left by a request that died before its commit", n)
		}
		// The dead request's claim is still fresh: the retry waits, then
		// is told to come back.
		if r := keyedIncident(restarted, owner, "crash-before", body); r.Status != 409 || r.Code() != "IDEMPOTENCY_IN_PROGRESS" {
			t.Fatalf("retry while the claim is fresh: %d %s", r.Status, r.Body)
		}
		clock.Advance(staleAfter + time.Second)
		first := restarted.Must(201, keyedIncident(restarted, owner, "crash-before", body))
		if first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatal("a request that never committed was replayed")
		}
		got := decodeJSON[incidentItem](t, first)
		if !strings.HasSuffix(got.Number, "-0001") {
			t.Errorf("number %s: the dead request's number was not given back", got.Number)
		}
		again := restarted.Must(201, keyedIncident(restarted, owner, "crash-before", body))
		if !bytes.Equal(again.Body, first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("the next retry was not a replay:\n%s\n%s", first.Body, again.Body)
		}
		if stored := incidentsOf(t, restarted, owner); len(stored) != 1 || stored[0].ID != got.ID {
			t.Fatalf("stored %+v, want only %s", stored, got.ID)
		}
	})
}

// blocker holds the first request that reaches its hook until released.
type blocker struct {
	once             sync.Once
	reached, release chan struct{}
}

func newBlocker() *blocker {
	return &blocker{reached: make(chan struct{}), release: make(chan struct{})}
}

func (b *blocker) hook() {
	first := false
	b.once.Do(func() { first = true })
	if first {
		close(b.reached)
		<-b.release
	}
}

// wait waits until a request reached the hook.
func (b *blocker) wait(t *testing.T) {
	t.Helper()
	select {
	case <-b.reached:
	case <-time.After(30 * time.Second):
		t.Fatal("no request reached the hook")
	}
}

// A replica presumes a request dead (its heartbeat stopped) and takes its
// key over while it still runs. Only one of the two may commit: the
// retry, which runs to the end; the first finds its claim gone and rolls
// back.
func TestIdempotencyTakeoverWhileTheFirstRuns(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Now().UTC())
		stall := newBlocker()
		a := apptest.New(t, engine, apptest.WithNow(clock.Now), apptest.WithIdempotency(func(o *idempotency.Options) {
			o.Hooks.Claimed = stall.hook
			o.Heartbeat = time.Hour // a request that stalls without a heartbeat
		}))
		owner := a.Signup("Takeover Co")
		st := newStation(t, a, owner, "TKO-1", nil)
		b := apptest.NewAt(t, a.Target, apptest.WithNow(clock.Now))
		body := incidentBody(st.ID, clock.Now().Add(-time.Hour), nil)

		firstDone := make(chan *apptest.Response, 1)
		go func() { firstDone <- keyedIncident(a, owner, "takeover", body) }()
		stall.wait(t)
		clock.Advance(staleAfter + time.Second)
		second := b.Must(201, keyedIncident(b, owner, "takeover", body))
		close(stall.release)
		first := <-firstDone
		if first.Status != 409 || first.Code() != "IDEMPOTENCY_IN_PROGRESS" || first.Header.Get("Retry-After") == "" {
			t.Fatalf("the request whose key was taken over answered %d %s", first.Status, first.Body)
		}
		got := decodeJSON[incidentItem](t, second)
		if stored := incidentsOf(t, b, owner); len(stored) != 1 || stored[0].ID != got.ID {
			t.Fatalf("stored %+v, want only the takeover's %s", stored, got.ID)
		}
		// The first request's client retries and gets the takeover's answer.
		if r := a.Must(201, keyedIncident(a, owner, "takeover", body)); !bytes.Equal(r.Body, second.Body) {
			t.Fatalf("retry after the takeover:\n%s\nwant\n%s", r.Body, second.Body)
		}
	})
}

// The same, with the first request stopped after its write, holding its
// transaction (and the organization's incident counter). On PostgreSQL the
// retry takes the key over and then waits for the counter; the first
// finds its claim gone, rolls back and so lets the retry through. On
// SQLite the held transaction has the only writer, so the retry's claim
// waits for the first to commit and replays it. Either way: one incident.
func TestIdempotencyTakeoverWhileTheFirstHoldsItsWrite(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Now().UTC())
		stall := newBlocker()
		a := apptest.New(t, engine, apptest.WithNow(clock.Now), apptest.WithIdempotency(func(o *idempotency.Options) {
			o.Hooks.Handled = stall.hook
			o.Heartbeat = time.Hour
		}))
		owner := a.Signup("Held Takeover Co")
		st := newStation(t, a, owner, "HTK-1", nil)
		claimed := newBlocker()
		b := apptest.NewAt(t, a.Target, apptest.WithNow(clock.Now), apptest.WithIdempotency(func(o *idempotency.Options) {
			o.Hooks.Claimed = func() { claimed.hook() }
		}))
		close(claimed.release) // b only reports its claim
		body := incidentBody(st.ID, clock.Now().Add(-time.Hour), nil)

		firstDone := make(chan *apptest.Response, 1)
		go func() { firstDone <- keyedIncident(a, owner, "held-takeover", body) }()
		stall.wait(t)
		clock.Advance(staleAfter + time.Second)
		secondDone := make(chan *apptest.Response, 1)
		go func() { secondDone <- keyedIncident(b, owner, "held-takeover", body) }()
		if engine == sqlstore.Postgres {
			claimed.wait(t) // the takeover committed
		} else {
			time.Sleep(300 * time.Millisecond) // the retry waits for the writer
		}
		close(stall.release)
		first, second := <-firstDone, <-secondDone
		if second.Status != 201 {
			t.Fatalf("retry: %d %s", second.Status, second.Body)
		}
		got := decodeJSON[incidentItem](t, second)
		switch engine {
		case sqlstore.Postgres:
			if first.Status != 409 || first.Code() != "IDEMPOTENCY_IN_PROGRESS" {
				t.Fatalf("the request whose key was taken over answered %d %s", first.Status, first.Body)
			}
			if second.Header.Get("Idempotent-Replayed") != "" {
				t.Fatal("the takeover replayed a response that was rolled back")
			}
		default:
			if first.Status != 201 || second.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(first.Body, second.Body) {
				t.Fatalf("first %d %s; retry replayed %q %s", first.Status, first.Body, second.Header.Get("Idempotent-Replayed"), second.Body)
			}
		}
		if stored := incidentsOf(t, b, owner); len(stored) != 1 || stored[0].ID != got.ID {
			t.Fatalf("stored %+v, want only %s", stored, got.ID)
		}
	})
}

// A request that runs long (an upload on a slow connection) keeps its
// claim alive with heartbeats: however much time passes, a retry waits
// for it instead of taking the key over, and the first run's answer is
// the one that counts.
func TestIdempotencyBeatingRequestIsNotTakenOver(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Now().UTC())
		stall := newBlocker()
		a := apptest.New(t, engine, apptest.WithNow(clock.Now), apptest.WithIdempotency(func(o *idempotency.Options) {
			o.Hooks.Claimed = stall.hook
			o.Heartbeat = 10 * time.Millisecond
		}))
		owner := a.Signup("Slow Upload Co")
		st := newStation(t, a, owner, "SLO-1", nil)
		b := apptest.NewAt(t, a.Target, apptest.WithNow(clock.Now), apptest.WithIdempotency(func(o *idempotency.Options) {
			o.Wait = 100 * time.Millisecond
		}))
		body := incidentBody(st.ID, clock.Now().Add(-time.Hour), nil)

		firstDone := make(chan *apptest.Response, 1)
		go func() { firstDone <- keyedIncident(a, owner, "slow", body) }()
		stall.wait(t)
		clock.Advance(10 * staleAfter)
		time.Sleep(300 * time.Millisecond) // heartbeats at the new time
		if r := keyedIncident(b, owner, "slow", body); r.Status != 409 || r.Code() != "IDEMPOTENCY_IN_PROGRESS" {
			t.Fatalf("retry while the first request beats: %d %s", r.Status, r.Body)
		}
		close(stall.release)
		first := a.Must(201, <-firstDone)
		if r := b.Must(201, keyedIncident(b, owner, "slow", body)); !bytes.Equal(r.Body, first.Body) || r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry after the first finished: %s", r.Body)
		}
		if n := len(incidentsOf(t, b, owner)); n != 1 {
			t.Fatalf("%d incidents, want 1", n)
		}
	})
}
