package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"log/slog"
	"mime"
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
	// StaleAfter is when a pending claim is presumed dead and taken over.
	StaleAfter time.Duration
	// MaxDrain bounds how much of a request body is read to digest it
	// when the handler did not read it all (the upload limit).
	MaxDrain int64
	Now      func() time.Time
	Log      *slog.Logger
}

func (o *Options) defaults() {
	if o.TTL < 24*time.Hour {
		o.TTL = 24 * time.Hour
	}
	if o.Wait <= 0 {
		o.Wait = 30 * time.Second
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = 5 * time.Minute
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

// digestReader hashes a request body as the handler reads it.
type digestReader struct {
	r    io.ReadCloser
	h    io.Writer // the hash, behind the boundary normaliser for multipart
	n    int64
	sum  hash.Hash
	norm *boundaryNormaliser
}

func newDigest(r *http.Request) *digestReader {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + "\n"))
	d := &digestReader{r: r.Body, h: h, sum: h}
	// A client that retries a multipart upload builds the form again with
	// a new random boundary; the same files and fields are the same
	// request, so the boundary is left out of the digest.
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		h.Write([]byte(mt + "\n"))
		d.norm = &boundaryNormaliser{w: h, boundary: []byte(params["boundary"])}
		d.h = d.norm
	}
	return d
}

func (d *digestReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	_, _ = d.h.Write(p[:n])
	d.n += int64(n)
	return n, err
}

func (d *digestReader) Close() error { return d.r.Close() }

// finish reads what the handler left of the body (up to max) and returns
// the digest, or "" when the body was longer than max.
func (d *digestReader) finish(max int64) string {
	_, _ = io.Copy(io.Discard, io.LimitReader(d, max-d.n+1))
	if d.n > max {
		return ""
	}
	if d.norm != nil {
		d.norm.flush()
	}
	return hex.EncodeToString(d.sum.Sum(nil))
}

// boundaryNormaliser writes a stream to w with every occurrence of the
// boundary replaced by a fixed token. It holds back the last
// len(boundary)-1 bytes of each write, where a boundary split across
// writes could begin.
type boundaryNormaliser struct {
	w        io.Writer
	boundary []byte
	carry    []byte
}

func (b *boundaryNormaliser) Write(p []byte) (int, error) {
	buf := append(b.carry, p...)
	i := 0
	for {
		j := bytes.Index(buf[i:], b.boundary)
		if j < 0 {
			break
		}
		_, _ = b.w.Write(buf[i : i+j])
		_, _ = b.w.Write([]byte("\x00boundary\x00"))
		i += j + len(b.boundary)
	}
	keep := max(len(buf)-i-(len(b.boundary)-1), 0)
	_, _ = b.w.Write(buf[i : i+keep])
	b.carry = append(b.carry[:0:0], buf[i+keep:]...)
	return len(p), nil
}

func (b *boundaryNormaliser) flush() {
	_, _ = b.w.Write(b.carry)
	b.carry = nil
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
			w.Header().Set("Retry-After", "1")
			problem(w, r, http.StatusConflict, "IDEMPOTENCY_IN_PROGRESS", "a request with this Idempotency-Key is still being processed; retry shortly")
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

// run serves the first request of a key and keeps its response when it
// succeeded; otherwise it releases the key.
func (o *Options) run(w http.ResponseWriter, r *http.Request, next http.Handler, body *digestReader, rec *Record) {
	ctx := context.WithoutCancel(r.Context())
	c := &capture{ResponseWriter: w}
	completed := false
	defer func() {
		if !completed {
			if err := o.Store.Release(ctx, rec.OrgID, rec.Key, rec.Claim); err != nil {
				o.Log.ErrorContext(ctx, "idempotency key release failed", "err", err)
			}
		}
	}()
	next.ServeHTTP(c, r)
	status := c.status
	if status == 0 {
		status = http.StatusOK
	}
	// Only successes are kept: a refused request created nothing, so
	// running its retry again is harmless and answers from the current
	// state (a permission granted since, a station created since).
	if status < 200 || status > 299 || c.overflow {
		return
	}
	digest := body.finish(o.MaxDrain)
	if digest == "" {
		return
	}
	rec.RequestHash, rec.Status, rec.Header, rec.Body = digest, status, keptHeader(w.Header()), c.body.Bytes()
	if err := o.Store.Complete(ctx, rec); err != nil {
		o.Log.ErrorContext(ctx, "idempotency key completion failed", "err", err)
		return
	}
	completed = true
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
