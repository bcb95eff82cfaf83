package idempotency

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// stuckStore always reports the key as held by a request still running.
type stuckStore struct{}

func (s *stuckStore) Claim(_ context.Context, rec *Record, _ time.Duration) (*Record, error) {
	return &Record{OrgID: rec.OrgID, Key: rec.Key, UserID: rec.UserID, Method: rec.Method, Path: rec.Path, Claim: "other"}, nil
}
func (s *stuckStore) Heartbeat(context.Context, *Record, time.Time) (bool, error) { return false, nil }
func (s *stuckStore) Hold(ctx context.Context) (context.Context, Hold)            { return ctx, nil }
func (s *stuckStore) Complete(context.Context, *Record) error {
	return errors.New("not the claim holder")
}
func (s *stuckStore) Release(context.Context, string, string, string) error { return nil }
func (s *stuckStore) Purge(context.Context, time.Time) (int64, error)       { return 0, nil }

type fixedAuth struct{}

func (fixedAuth) Authenticate(context.Context, string) (*hse.Principal, error) {
	return &hse.Principal{UserID: "u1", OrgID: "o1"}, nil
}

func TestRetryGivesUpWhileTheFirstRequestRuns(t *testing.T) {
	ran := false
	h := Middleware(Options{Store: &stuckStore{}, Auth: fixedAuth{}, Wait: 60 * time.Millisecond})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran = true
	}))
	req := httptest.NewRequest(http.MethodPost, "/api/incidents", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set(Header, "k1")
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "IDEMPOTENCY_IN_PROGRESS") || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("%d %s %v", rec.Code, rec.Body, rec.Header())
	}
	if ran {
		t.Error("the handler ran while another request held the key")
	}
	if d := time.Since(start); d < 60*time.Millisecond || d > 2*time.Second {
		t.Errorf("waited %v, want about the Wait option", d)
	}
}

func TestRequestsOutsideTheirScopePassThrough(t *testing.T) {
	calls := 0
	h := Middleware(Options{Store: &stuckStore{}, Auth: fixedAuth{}, Wait: time.Millisecond})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
	}))
	for _, c := range []struct {
		method, path string
		key, token   bool
	}{
		{http.MethodGet, "/api/incidents", true, true},   // not a POST
		{http.MethodPost, "/api/auth/login", true, true}, // token responses are never stored
		{http.MethodPost, "/api/incidents", false, true}, // no key
		{http.MethodPost, "/other", true, true},          // not the API
		{http.MethodPost, "/api/incidents", true, false}, // no token: the handler answers 401
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		if c.key {
			r.Header.Set(Header, "k1")
		}
		if c.token {
			r.Header.Set("Authorization", "Bearer t")
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	if calls != 5 {
		t.Fatalf("%d of 5 requests reached the handler", calls)
	}
}

// fakeStore claims every key at once and records what the middleware did
// with the request's hold.
type fakeStore struct {
	mu         sync.Mutex
	hold       *fakeHold
	completed  int // in a transaction of its own
	released   int
	heartbeats int
}

func (s *fakeStore) Claim(context.Context, *Record, time.Duration) (*Record, error) { return nil, nil }
func (s *fakeStore) Heartbeat(context.Context, *Record, time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heartbeats++
	return true, nil
}
func (s *fakeStore) Hold(ctx context.Context) (context.Context, Hold) { return ctx, s.hold }
func (s *fakeStore) Complete(context.Context, *Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.completed++
	return nil
}
func (s *fakeStore) Release(context.Context, string, string, string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.released++
	return nil
}
func (s *fakeStore) Purge(context.Context, time.Time) (int64, error) { return 0, nil }

// fakeHold stands for a held write transaction whose end fails with err.
type fakeHold struct {
	held                        bool
	err                         error
	completed, released, aborts int
}

func (h *fakeHold) Held() bool { return h.held }
func (h *fakeHold) Complete(context.Context, *Record) error {
	h.completed++
	return h.err
}
func (h *fakeHold) Release(context.Context, *Record) error {
	h.released++
	return h.err
}
func (h *fakeHold) Abort() { h.aborts++ }

func keyedPost() *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/api/incidents", strings.NewReader(`{"a":1}`))
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set(Header, "k1")
	return req
}

func created(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte(`{"id":"created"}`))
}

// How a request that wrote ends: its response leaves only when its writes
// and the key's completion committed together.
func TestHeldWritesEndWithTheResponse(t *testing.T) {
	for _, c := range []struct {
		name        string
		handler     http.HandlerFunc
		held        bool
		err         error
		status      int
		code        string
		inHold      [2]int // completed, released in the held transaction
		onItsOwn    [2]int // completed, released in a transaction of their own
		createdSent bool
	}{
		{"success commits with the response", created, true, nil, 201, "", [2]int{1, 0}, [2]int{0, 0}, true},
		{"a failed commit is never a success", created, true, errors.New("commit failed"), 503, "UNAVAILABLE", [2]int{1, 0}, [2]int{0, 1}, false},
		{"a lost claim rolls back", created, true, ErrClaimLost, 409, "IDEMPOTENCY_IN_PROGRESS", [2]int{1, 0}, [2]int{0, 0}, false},
		{"a refusal keeps its writes and frees the key", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusConflict)
		}, true, nil, 409, "", [2]int{0, 1}, [2]int{0, 0}, false},
		{"nothing written completes on its own", created, false, nil, 201, "", [2]int{0, 0}, [2]int{1, 0}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &fakeStore{hold: &fakeHold{held: c.held, err: c.err}}
			h := Middleware(Options{Store: s, Auth: fixedAuth{}})(c.handler)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, keyedPost())
			if rec.Code != c.status || (c.code != "" && !strings.Contains(rec.Body.String(), c.code)) {
				t.Fatalf("%d %s, want %d %s", rec.Code, rec.Body, c.status, c.code)
			}
			if got := strings.Contains(rec.Body.String(), `"created"`); got != c.createdSent {
				t.Fatalf("the handler's response sent: %v, want %v", got, c.createdSent)
			}
			if got := [2]int{s.hold.completed, s.hold.released}; got != c.inHold {
				t.Errorf("in the held transaction: completed, released %v, want %v", got, c.inHold)
			}
			if got := [2]int{s.completed, s.released}; got != c.onItsOwn {
				t.Errorf("on their own: completed, released %v, want %v", got, c.onItsOwn)
			}
		})
	}
}

// A handler that panics leaves nothing: its held writes are rolled back
// and the key is freed for the retry.
func TestPanicRollsBackAndFreesTheKey(t *testing.T) {
	s := &fakeStore{hold: &fakeHold{held: true}}
	h := Middleware(Options{Store: s, Auth: fixedAuth{}})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("bug")
	}))
	rec := httptest.NewRecorder()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic did not reach the recovering middleware")
			}
		}()
		h.ServeHTTP(rec, keyedPost())
	}()
	if s.hold.aborts != 1 || s.released != 1 || s.hold.completed+s.completed != 0 {
		t.Fatalf("aborts %d, releases %d, completions %d", s.hold.aborts, s.released, s.hold.completed+s.completed)
	}
	if rec.Body.Len() != 0 {
		t.Fatalf("something was sent: %s", rec.Body)
	}
}

// A hook that panics stands for the process dying: the held writes are
// rolled back (as by the database) and the claim is left as it is.
func TestSimulatedCrashLeavesTheClaim(t *testing.T) {
	s := &fakeStore{hold: &fakeHold{held: true}}
	h := Middleware(Options{Store: s, Auth: fixedAuth{}, Hooks: Hooks{Handled: func() { panic(http.ErrAbortHandler) }}})(http.HandlerFunc(created))
	func() {
		defer func() { _ = recover() }()
		h.ServeHTTP(httptest.NewRecorder(), keyedPost())
	}()
	if s.hold.aborts != 1 || s.released != 0 || s.hold.completed != 0 {
		t.Fatalf("aborts %d, releases %d, completions %d; want a rollback only", s.hold.aborts, s.released, s.hold.completed)
	}
}

// A request keeps its claim alive while it runs, and stops when it ends.
func TestRunningRequestBeats(t *testing.T) {
	s := &fakeStore{hold: &fakeHold{}}
	h := Middleware(Options{Store: s, Auth: fixedAuth{}, Heartbeat: 5 * time.Millisecond})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond) // a slow upload
		created(w, r)
	}))
	h.ServeHTTP(httptest.NewRecorder(), keyedPost())
	s.mu.Lock()
	during := s.heartbeats
	s.mu.Unlock()
	if during < 3 {
		t.Fatalf("%d heartbeats during a 100 ms request beating every 5 ms", during)
	}
	time.Sleep(50 * time.Millisecond)
	s.mu.Lock()
	after := s.heartbeats
	s.mu.Unlock()
	if after > during+1 {
		t.Fatalf("%d heartbeats after the request ended", after-during)
	}
}
