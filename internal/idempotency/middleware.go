package idempotency

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/reqid"
)

// Header is the request header that carries the key.
const Header = "Idempotency-Key"

// MaxKeyLen bounds a key; clients use UUIDs.
const MaxKeyLen = 255

// Authenticator resolves an access token to its caller.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*hse.Principal, error)
}

// Options configure the middleware.
type Options struct {
	Store Store
	Auth  Authenticator
	// TTL is how long a key is kept (at least 24 h).
	TTL time.Duration
	// Wait bounds how long a retry waits for the first request to finish
	// before answering 409.
	Wait time.Duration
	// StaleAfter is how long a pending claim may go without a heartbeat
	// before its request is presumed dead and the key taken over.
	StaleAfter time.Duration
	// Heartbeat is how often a running request refreshes its claim
	// (default a third of StaleAfter).
	Heartbeat time.Duration
	// MaxDrain bounds how much of a request body is read to digest it
	// when the handler did not read it all (the upload limit).
	MaxDrain int64
	Now      func() time.Time
	Log      *slog.Logger
	// Hooks are fault-injection points for tests; empty in production.
	Hooks Hooks
}

// The defaults. A retry of a request whose process died waits at most
// about defaultStaleAfter for the takeover, well within defaultWait.
const (
	defaultWait       = 30 * time.Second
	defaultStaleAfter = 15 * time.Second
)

func (o *Options) defaults() {
	if o.TTL < 24*time.Hour {
		o.TTL = 24 * time.Hour
	}
	if o.Wait <= 0 {
		o.Wait = defaultWait
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = defaultStaleAfter
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = o.StaleAfter / 3
	}
	if o.MaxDrain <= 0 {
		o.MaxDrain = 64 << 20
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// A retry looks whether the first request has finished after
// pollInterval, backing off to maxPollInterval so that many waiting
// retries do not hammer the database.
const (
	pollInterval    = 10 * time.Millisecond
	maxPollInterval = 200 * time.Millisecond
)

// Middleware applies idempotency keys to authenticated POST requests under
// /api/ (except /api/auth/, whose responses carry tokens that must not be
// stored). Requests without the header pass through unchanged.
func Middleware(o Options) func(http.Handler) http.Handler {
	o.defaults()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := r.Header.Get(Header)
			if key == "" || r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/api/auth/") {
				next.ServeHTTP(w, r)
				return
			}
			if !validKey(key) {
				problem(w, r, http.StatusBadRequest, "IDEMPOTENCY_KEY_INVALID", "the Idempotency-Key header must be 1 to 255 visible ASCII characters")
				return
			}
			token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok {
				next.ServeHTTP(w, r) // the handler answers 401
				return
			}
			p, err := o.Auth.Authenticate(r.Context(), strings.TrimSpace(token))
			if err != nil || p == nil || p.OrgID == "" {
				// Not a tenant's request (the handler answers 401, or
				// an operator acts outside any organization): keys are
				// kept per organization, so there is none to keep.
				next.ServeHTTP(w, r)
				return
			}
			o.serve(w, r, next, p, key)
		})
	}
}

func validKey(k string) bool {
	if len(k) == 0 || len(k) > MaxKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

func (o *Options) serve(w http.ResponseWriter, r *http.Request, next http.Handler, p *hse.Principal, key string) {
	ctx := r.Context()
	body := newDigest(r)
	r.Body = body
	deadline := time.Now().Add(o.Wait)
	wait := pollInterval
	for {
		now := o.now()
		rec := &Record{OrgID: p.OrgID, Key: key, UserID: p.UserID, Method: r.Method, Path: r.URL.Path,
			Claim: hse.NewID(), CreatedAt: now, ExpiresAt: now.Add(o.TTL)}
		cur, err := o.Store.Claim(ctx, rec, o.StaleAfter)
		if err != nil {
			// The key store is the database: it is down, and the request
			// gets the API's one answer for that.
			o.Log.ErrorContext(ctx, "idempotency key claim failed", "err", err)
			w.Header().Set("Retry-After", "5")
			problem(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "the request could not be made safe to retry because the database is unavailable; try again shortly")
			return
		}
		if cur == nil {
			o.run(w, r, next, body, rec)
			return
		}
		if cur.Claim == "" {
			continue // released while we looked: claim it again
		}
		if cur.UserID != p.UserID || cur.Method != r.Method || cur.Path != r.URL.Path {
			mismatch(w, r)
			return
		}
		if !cur.Pending() {
			o.replay(w, r, body, cur)
			return
		}
		if time.Now().After(deadline) {
			inProgress(w, r)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, maxPollInterval)
	}
}

// replay answers a retry with the stored response when its body matches
// the first request's.
func (o *Options) replay(w http.ResponseWriter, r *http.Request, body *digestReader, cur *Record) {
	if body.finish(o.MaxDrain) != cur.RequestHash {
		mismatch(w, r)
		return
	}
	for k, v := range cur.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(cur.Status)
	_, _ = io.Copy(w, bytes.NewReader(cur.Body))
}

func inProgress(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "1")
	problem(w, r, http.StatusConflict, "IDEMPOTENCY_IN_PROGRESS", "a request with this Idempotency-Key is still being processed; retry shortly")
}

func mismatch(w http.ResponseWriter, r *http.Request) {
	problem(w, r, http.StatusUnprocessableEntity, "IDEMPOTENCY_KEY_REUSED",
		"this Idempotency-Key was used for a different request; use a new key for a new request")
}

// problem writes the API's problem format.
func problem(w http.ResponseWriter, r *http.Request, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(status), "status": status, "code": code,
		"detail": detail, "requestId": reqid.From(r.Context())})
}
