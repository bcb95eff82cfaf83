package identity

import (
	"sync"
	"time"

	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/hse"
)

// ttlCache keeps values for a few seconds. The identity service uses it for
// resolved callers and for their account and organizations, so that an
// authenticated request does not cost database round trips to re-read a
// session, membership and role that almost never change between two
// requests.
//
// Every change that could narrow what a caller may do or alter what they
// see (logout, password change or reset, a role or membership change,
// suspension, renaming) clears the caches of this replica at once; other
// replicas see it within the TTL. That bound is the price of the cache and
// is recorded in docs/adr/0005-identity-caching.md.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration
	max int

	mu sync.Mutex
	m  map[K]cached[V]
}

type cached[V any] struct {
	v       V
	expires time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, max: 50_000, m: map[K]cached[V]{}}
}

func (c *ttlCache[K, V]) get(k K, now time.Time) (V, bool) {
	var zero V
	if c.ttl <= 0 {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || !now.Before(e.expires) {
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[K, V]) put(k K, v V, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		// Dropping everything is crude but bounded and rare: entries live
		// seconds, so the map refills with the active callers only.
		c.m = map[K]cached[V]{}
	}
	c.m[k] = cached[V]{v: v, expires: now.Add(c.ttl)}
}

func (c *ttlCache[K, V]) clear() {
	c.mu.Lock()
	c.m = map[K]cached[V]{}
	c.mu.Unlock()
}

type principalKey struct{ org, user, session string }

// account is what Me shows besides the principal.
type account struct {
	user *User
	orgs []UserMembership
}

// caches are the identity service's short-lived caches.
type caches struct {
	principals *ttlCache[principalKey, *hse.Principal]
	accounts   *ttlCache[string, account]
	// tokens maps an access token to its verified claims. A token never
	// changes, so this only saves re-parsing it; expiry is still checked.
	tokens *ttlCache[string, auth.AccessClaims]
}

// clear forgets callers and accounts; verified tokens stay valid, since
// whether their session still counts is the principal's business.
func (c *caches) clear() {
	c.principals.clear()
	c.accounts.clear()
}
