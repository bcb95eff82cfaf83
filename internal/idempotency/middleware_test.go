package idempotency

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
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
