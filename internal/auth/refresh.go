package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
)

// RefreshTokenPrefix starts every refresh token. A recognisable prefix lets
// secret scanners (and people) spot a leaked token in logs or repositories.
const RefreshTokenPrefix = "hser_"

// opaqueTokenBytes is the entropy of opaque tokens: 256 bits, far beyond
// guessing even with unlimited online attempts.
const opaqueTokenBytes = 32

// NewRefreshToken returns a new random refresh token. Only its hash
// (RefreshHasher.Hash) is ever stored.
func NewRefreshToken() (token string, err error) {
	return NewOpaqueToken(RefreshTokenPrefix)
}

// NewOpaqueToken returns prefix followed by 32 random bytes in unpadded
// base64url, for any bearer secret that is looked up rather than verified:
// refresh tokens, e-mail verification, password reset and invitation links.
// The error is kept for API stability; crypto/rand does not fail on
// supported systems.
func NewOpaqueToken(prefix string) (string, error) {
	b := make([]byte, opaqueTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashOpaque returns the hex HMAC-SHA256 of token keyed with secret: the
// form in which opaque tokens are stored. Keying the hash means a copy of
// the database alone does not let anyone test guesses offline, and the
// token's own entropy makes a slow hash unnecessary.
func HashOpaque(secret, token string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// RefreshHasher hashes refresh tokens with REFRESH_SECRET, and with
// REFRESH_SECRET_PREVIOUS while a rotation is under way.
type RefreshHasher struct {
	current, previous string
}

// NewRefreshHasher builds a RefreshHasher from the current secret and an
// optional previous one (empty when no rotation is under way).
func NewRefreshHasher(current, previous string) (*RefreshHasher, error) {
	if current == "" {
		return nil, errors.New("auth: the current refresh secret is empty")
	}
	if previous == current {
		previous = ""
	}
	return &RefreshHasher{current: current, previous: previous}, nil
}

// Hash returns the hash to store for token, always under the current secret.
func (h *RefreshHasher) Hash(token string) string {
	return HashOpaque(h.current, token)
}

// Candidates returns the hashes to look token up by: under the current
// secret first, then under the previous one. A token stored before the
// rotation is still found, and the caller re-stores it under Hash when it
// rotates the refresh token anyway.
func (h *RefreshHasher) Candidates(token string) []string {
	c := []string{HashOpaque(h.current, token)}
	if h.previous != "" {
		c = append(c, HashOpaque(h.previous, token))
	}
	return c
}
