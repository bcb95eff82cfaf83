// Package reqid carries the request id through a request's context, so that
// logs, problems and audit entries of one request can be tied together.
package reqid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strconv"
	"sync/atomic"
)

type key struct{}

// Info is what the outermost middleware knows of a request and shares with
// everything below it through one context value: its id and, once the mux
// has matched, the route pattern (for metrics and access logs).
type Info struct {
	ID        string
	Pattern   string // "GET /api/stations/{id}", set after routing
	Unmatched bool   // served by the catch-all 404
}

// Header is the request and response header that carries the id.
const Header = "X-Request-ID"

// sane accepts ids that proxies and clients commonly send; anything else is
// replaced, so no client can inject log lines or huge values.
var sane = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// Generated ids are a random per-process prefix and a counter: unique
// across replicas and restarts, and cheap (no system call per request,
// which the liveness benchmark notices). They need not be unpredictable.
var (
	prefix  = newPrefix()
	counter atomic.Uint64
)

func newPrefix() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic("reqid: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b) + "-"
}

// New returns a fresh request id.
func New() string {
	return prefix + strconv.FormatUint(counter.Add(1), 36)
}

// FromHeader returns the client's id when it is sane, otherwise a new one.
func FromHeader(v string) string {
	if v != "" && len(v) <= 128 && sane.MatchString(v) {
		return v
	}
	return New()
}

// With returns a context carrying id.
func With(ctx context.Context, id string) context.Context {
	return WithInfo(ctx, &Info{ID: id})
}

// WithInfo returns a context carrying a request's info.
func WithInfo(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// InfoFrom returns the request's info, or nil outside a request.
func InfoFrom(ctx context.Context) *Info {
	info, _ := ctx.Value(key{}).(*Info)
	return info
}

// From returns the request id, or "".
func From(ctx context.Context) string {
	if info := InfoFrom(ctx); info != nil {
		return info.ID
	}
	return ""
}
