package httpapi

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/reqid"
)

// Authenticator resolves an access token to its caller.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*hse.Principal, error)
}

// APILimits are the per-user and per-organization request limits of
// authenticated API calls.
type APILimits struct {
	PerUser auth.Limit
	PerOrg  auth.Limit
}

// bearer is the security requirement of authenticated operations.
var bearer = []map[string][]string{{"bearer": {}}}

type principalKey struct{}

// principalFrom returns the authenticated caller. Operations that declare
// the bearer requirement never run without one.
func principalFrom(ctx context.Context) *hse.Principal {
	p, _ := ctx.Value(principalKey{}).(*hse.Principal)
	return p
}

// clientIP is the address rate limits and the audit trail use. Behind a
// trusted proxy it is the first X-Forwarded-For entry.
func clientIP(ctx huma.Context, trustProxy bool) string {
	if trustProxy {
		if xff := ctx.Header("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(ctx.RemoteAddr())
	if err != nil {
		return ctx.RemoteAddr()
	}
	return host
}

// authMiddleware attaches the request's metadata to every operation and,
// for operations that declare the bearer requirement, authenticates the
// caller and applies the per-user and per-organization limits.
func authMiddleware(d Deps) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		ua := ctx.Header("User-Agent")
		if len(ua) > 300 {
			// Cut on a character boundary: half a character is invalid
			// UTF-8, which PostgreSQL refuses to store with the session.
			ua = strings.ToValidUTF8(ua[:300], "")
		}
		meta := hse.RequestMeta{IP: clientIP(ctx, d.TrustProxy), UserAgent: ua, RequestID: reqid.From(ctx.Context())}
		ctx = huma.WithContext(ctx, hse.WithRequestMeta(ctx.Context(), meta))
		if len(ctx.Operation().Security) == 0 {
			next(ctx)
			return
		}
		token, ok := strings.CutPrefix(ctx.Header("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="hse"`)
			writeProblem(ctx, &Problem{Status: 401, Code: "UNAUTHORIZED", Detail: "an access token is required (Authorization: Bearer …)"})
			return
		}
		p, err := d.Auth.Authenticate(ctx.Context(), strings.TrimSpace(token))
		if err != nil {
			if hse.KindOf(err) == hse.KindUnauthorized {
				ctx.SetHeader("WWW-Authenticate", `Bearer realm="hse", error="invalid_token"`)
			}
			writeError(ctx, d, err)
			return
		}
		// Operator-only operations refuse everyone else before the body is
		// even read.
		if ctx.Operation().Metadata["operatorOnly"] == true && !p.Operator {
			writeProblem(ctx, &Problem{Status: 403, Code: "OPERATOR_ONLY", Detail: "this endpoint is for platform operators"})
			return
		}
		if !limitAPI(ctx, d, p) {
			return
		}
		next(huma.WithValue(ctx, principalKey{}, p))
	}
}

// limitAPI applies the per-user and then the per-organization limit and
// answers 429 when one is exhausted. The RateLimit headers describe the
// tighter of the two, the one the client will run into first. The limiter
// degrades to in-process counting when Redis fails, so an error here is
// unexpected and refuses the request.
func limitAPI(ctx huma.Context, d Deps, p *hse.Principal) bool {
	if d.Limiter == nil {
		return true
	}
	checks := []struct {
		key string
		l   auth.Limit
	}{{"api:user:" + p.UserID, d.Limits.PerUser}}
	if p.OrgID != "" {
		checks = append(checks, struct {
			key string
			l   auth.Limit
		}{"api:org:" + p.OrgID, d.Limits.PerOrg})
	}
	var shown *auth.Decision
	for _, c := range checks {
		if c.l.Requests == 0 {
			continue
		}
		dec, err := d.Limiter.Allow(ctx.Context(), c.key, c.l)
		if err != nil {
			writeError(ctx, d, err)
			return false
		}
		if shown == nil || !dec.Allowed || dec.Remaining < shown.Remaining {
			shown = &dec
		}
		if !dec.Allowed {
			break
		}
	}
	if shown == nil {
		return true
	}
	for k, v := range shown.HeaderValues() {
		ctx.SetHeader(k, v)
	}
	if !shown.Allowed {
		writeProblem(ctx, &Problem{Status: 429, Code: "RATE_LIMITED", Detail: "too many requests; slow down and retry after the time in Retry-After"})
		return false
	}
	return true
}

func writeError(ctx huma.Context, d Deps, err error) {
	e := problemFor(ctx.Context(), d.Logger, err)
	var he huma.HeadersError
	if h, ok := e.(huma.HeadersError); ok {
		he = h
		for k, vs := range he.GetHeaders() {
			for _, v := range vs {
				ctx.SetHeader(k, v)
			}
		}
	}
	p, ok := e.(*Problem)
	if !ok {
		if u, ok2 := e.(interface{ Unwrap() error }); ok2 {
			p, _ = u.Unwrap().(*Problem)
		}
	}
	if p == nil {
		p = &Problem{Status: 500, Code: "INTERNAL", Detail: "internal error"}
	}
	writeProblem(ctx, p)
}

// writeProblem answers from a huma middleware, before any handler ran.
func writeProblem(ctx huma.Context, p *Problem) {
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	if p.RequestID == "" {
		p.RequestID = reqid.From(ctx.Context())
	}
	ctx.SetHeader("Content-Type", "application/problem+json")
	ctx.SetStatus(p.Status)
	_ = json.NewEncoder(ctx.BodyWriter()).Encode(p)
}
