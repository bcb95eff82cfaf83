package identity

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/hse"
)

// Lifetimes of tokens and links.
const (
	RefreshTTL       = 30 * 24 * time.Hour
	VerifyEmailTTL   = 24 * time.Hour
	ResetPasswordTTL = time.Hour
	InvitationTTL    = 7 * 24 * time.Hour
)

// Limits of the sensitive endpoints, per client address and per account.
var (
	LoginPerIP      = auth.Limit{Requests: 30, Per: time.Minute}
	LoginPerAccount = auth.Limit{Requests: 10, Per: 15 * time.Minute}
	ResetPerIP      = auth.Limit{Requests: 10, Per: time.Hour}
	ResetPerAccount = auth.Limit{Requests: 3, Per: time.Hour}
	SignupPerIP     = auth.Limit{Requests: 10, Per: time.Hour}
	TokenUsePerIP   = auth.Limit{Requests: 30, Per: time.Minute}
)

// Service is the identity domain's service: every method checks who may do
// what, applies the rules in one transaction and records the audit trail.
type Service struct {
	Store     Store
	Keys      *auth.Keyring
	Hasher    *auth.RefreshHasher
	Limiter   auth.Limiter
	Mailer    hse.Mailer
	Log       *slog.Logger
	PublicURL string // base of links in e-mails
	Now       func() time.Time
	// PrincipalTTL is how long a resolved caller is reused without asking
	// the database again (0 disables the cache).
	PrincipalTTL time.Duration

	cacheOnce sync.Once
	cache     *caches
}

func (s *Service) caches() *caches {
	s.cacheOnce.Do(func() {
		s.cache = &caches{
			principals: newTTLCache[principalKey, *hse.Principal](s.PrincipalTTL),
			accounts:   newTTLCache[string, account](s.PrincipalTTL),
			tokens:     newTTLCache[string, auth.AccessClaims](s.PrincipalTTL),
		}
	})
	return s.cache
}

// forgetPrincipals is called after every change that can narrow what a
// caller may do or change what they see of themselves.
func (s *Service) forgetPrincipals() { s.caches().clear() }

// ForgetPrincipals drops this replica's resolved callers, for changes made
// outside the identity service that alter a caller's scope (a station's
// managers), so they take effect at the next request.
func (s *Service) ForgetPrincipals() { s.forgetPrincipals() }

// now is the service's clock, at the microsecond precision both engines
// store, so that what a change returns is what a later read returns.
func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// limit applies a rate limit; a refusal is a RateLimited domain error
// carrying the retry delay.
func (s *Service) limit(ctx context.Context, key string, l auth.Limit) error {
	d, err := s.Limiter.Allow(ctx, key, l)
	if err != nil {
		// The fallback limiter never errors; any other limiter failing
		// must not open the gate.
		s.Log.ErrorContext(ctx, "rate limiter failed", "err", err)
		return hse.Errorf(hse.KindUnavailable, "UNAVAILABLE", "please try again shortly")
	}
	if !d.Allowed {
		// Whole seconds, as Retry-After says, rather than Go's "1m0s".
		secs := int64((d.RetryAfter + time.Second - 1) / time.Second)
		e := hse.Errorf(hse.KindRateLimited, "RATE_LIMITED", "too many attempts; try again in %d seconds", secs)
		e.RetryAfter = d.RetryAfter
		e.Err = &auth.LimitedError{Decision: d} // for the RateLimit headers
		return e
	}
	return nil
}

// audit builds an audit entry from the request behind ctx.
func (s *Service) audit(ctx context.Context, orgID, actorID, actorEmail, action, entityType, entityID string, before, after map[string]any) *hse.AuditEntry {
	m := hse.RequestMetaFrom(ctx)
	return &hse.AuditEntry{
		ID: newID(), OrgID: orgID, OccurredAt: s.now(), ActorUserID: actorID, ActorEmail: actorEmail,
		Action: action, EntityType: entityType, EntityID: entityID,
		Before: hse.Redact(before), After: hse.Redact(after),
		IP: m.IP, UserAgent: m.UserAgent, RequestID: m.RequestID,
	}
}

// auditFor builds an audit entry for a principal's change.
func (s *Service) auditFor(ctx context.Context, p *hse.Principal, action, entityType, entityID string, before, after map[string]any) *hse.AuditEntry {
	return s.audit(ctx, p.OrgID, p.UserID, p.Email, action, entityType, entityID, before, after)
}

// sendLater sends mail after the transaction and off the request path, so
// neither a slow mail server nor the time it takes reveals anything. It
// waits for the commit, which a request with an Idempotency-Key makes at
// its very end: no mail goes out about a change that was rolled back.
func (s *Service) sendLater(ctx context.Context, m hse.Mail) {
	hse.AfterCommit(ctx, func() {
		go func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if err := s.Mailer.Send(ctx, m); err != nil {
				s.Log.ErrorContext(ctx, "sending mail failed", "kind", m.Kind, "err", err)
			}
		}()
	})
}

// hashOneTime hashes a one-time token (verification, reset, invitation)
// like refresh tokens: keyed, and found under the previous secret too.
func (s *Service) hashOneTime(token string) string { return s.Hasher.Hash(token) }
