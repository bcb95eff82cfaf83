package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// DefaultAccessTTL is how long an access token lives unless configured
// otherwise: short, because an access token cannot be revoked before it
// expires, while its refresh token can.
const DefaultAccessTTL = 15 * time.Minute

// Keyring holds the secrets that sign and verify access tokens. New tokens
// are always signed with the current secret; tokens signed with the previous
// one keep verifying, so JWT_SECRET can be rotated without logging everyone
// out: set JWT_SECRET_PREVIOUS to the old value for at least one access
// token lifetime, then drop it.
type Keyring struct {
	currentKID string
	keys       map[string][]byte // kid -> secret
	ttl        time.Duration
}

// KeyringOption adjusts a Keyring made by NewKeyring.
type KeyringOption func(*Keyring)

// WithAccessTTL sets the lifetime of new access tokens (DefaultAccessTTL
// when not given or not positive).
func WithAccessTTL(d time.Duration) KeyringOption {
	return func(k *Keyring) {
		if d > 0 {
			k.ttl = d
		}
	}
}

// NewKeyring builds a Keyring from the current secret and an optional
// previous one (empty when no rotation is under way). The current secret is
// required; its strength is checked with the rest of the configuration.
func NewKeyring(current, previous string, opts ...KeyringOption) (*Keyring, error) {
	if current == "" {
		return nil, errors.New("auth: the current token secret is empty")
	}
	k := &Keyring{
		currentKID: KeyID(current),
		keys:       map[string][]byte{KeyID(current): []byte(current)},
		ttl:        DefaultAccessTTL,
	}
	if previous != "" {
		k.keys[KeyID(previous)] = []byte(previous)
	}
	for _, o := range opts {
		o(k)
	}
	return k, nil
}

// KeyID names a secret in token headers: the first 16 hex digits of its
// SHA-256. Operators can see which secret signed a token, and that a
// rotation happened, without the header revealing anything usable about
// the secret itself.
func KeyID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:8])
}

// CurrentKeyID returns the key id that new tokens carry.
func (k *Keyring) CurrentKeyID() string { return k.currentKID }

// AccessTTL returns the lifetime of new access tokens.
func (k *Keyring) AccessTTL() time.Duration { return k.ttl }
