package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/hsedigital/hse/internal/hse"
)

// Fixed values of access tokens. Checking issuer and audience keeps a token
// minted for another service that happens to share a secret from being
// accepted here.
const (
	TokenIssuer   = "hse-digital"
	TokenAudience = "hse-api"
	// ClockSkew is how far the clocks of two replicas may disagree before
	// a fresh token is refused as not yet valid, or a stale one accepted.
	ClockSkew = 30 * time.Second
)

// Error codes of VerifyAccess. A client that gets TOKEN_EXPIRED refreshes;
// on TOKEN_INVALID it must log in again.
const (
	CodeTokenExpired = "TOKEN_EXPIRED"
	CodeTokenInvalid = "TOKEN_INVALID"
)

// AccessClaims is what an access token says about its bearer.
type AccessClaims struct {
	UserID    string    // sub
	OrgID     string    // org: the organization the token acts in
	SessionID string    // sid: the refresh-token family, revoked as a whole on logout or reuse
	ID        string    // jti: unique per token; generated when empty
	IssuedAt  time.Time // iat: set by IssueAccess
	ExpiresAt time.Time // exp: set by IssueAccess
}

// jwtClaims is the wire form of AccessClaims.
type jwtClaims struct {
	jwt.RegisteredClaims
	OrgID     string `json:"org,omitempty"`
	SessionID string `json:"sid"`
}

// IssueAccess signs a new access token for c with the current secret
// (HS256). It fills in the token id when c.ID is empty, and the issue and
// expiry times from now and the keyring's TTL; c.IssuedAt and c.ExpiresAt
// are ignored.
func (k *Keyring) IssueAccess(c AccessClaims, now time.Time) (token string, expiresAt time.Time, err error) {
	if c.UserID == "" || c.SessionID == "" {
		return "", time.Time{}, errors.New("auth: access token needs a user id and a session id")
	}
	if c.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return "", time.Time{}, fmt.Errorf("auth: token id: %w", err)
		}
		c.ID = id.String()
	}
	// JWT times have one-second resolution; truncating here makes the
	// returned expiry exactly the one in the token.
	iat := now.UTC().Truncate(time.Second)
	exp := iat.Add(k.ttl)
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwtClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    TokenIssuer,
			Subject:   c.UserID,
			Audience:  jwt.ClaimStrings{TokenAudience},
			ExpiresAt: jwt.NewNumericDate(exp),
			NotBefore: jwt.NewNumericDate(iat),
			IssuedAt:  jwt.NewNumericDate(iat),
			ID:        c.ID,
		},
		OrgID:     c.OrgID,
		SessionID: c.SessionID,
	})
	t.Header["kid"] = k.currentKID
	s, err := t.SignedString(k.keys[k.currentKID])
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign access token: %w", err)
	}
	return s, exp, nil
}

// VerifyAccess checks the signature, algorithm, key id, issuer, audience and
// validity period of token at time now, and returns its claims. Failures are
// *hse.Error of kind Unauthorized, code CodeTokenExpired when the token is
// genuine but expired and CodeTokenInvalid for anything else; the cause is
// kept for logs but never shown to clients.
func (k *Keyring) VerifyAccess(token string, now time.Time) (AccessClaims, error) {
	p := jwt.NewParser(
		// Pinning the algorithm refuses "none" and RS/HS confusion.
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(TokenIssuer),
		jwt.WithAudience(TokenAudience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(ClockSkew),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	var claims jwtClaims
	_, err := p.ParseWithClaims(token, &claims, k.keyFor)
	if err == nil && (claims.Subject == "" || claims.SessionID == "" || claims.ID == "" || claims.IssuedAt == nil) {
		err = errors.New("token lacks sub, sid, jti or iat")
	}
	if err != nil {
		code, msg := CodeTokenInvalid, "invalid access token"
		if errors.Is(err, jwt.ErrTokenExpired) {
			code, msg = CodeTokenExpired, "access token expired"
		}
		e := hse.Errorf(hse.KindUnauthorized, code, "%s", msg)
		e.Err = err
		return AccessClaims{}, e
	}
	return AccessClaims{
		UserID:    claims.Subject,
		OrgID:     claims.OrgID,
		SessionID: claims.SessionID,
		ID:        claims.ID,
		IssuedAt:  claims.IssuedAt.Time,
		ExpiresAt: claims.ExpiresAt.Time,
	}, nil
}

// keyFor selects the secret named by the token's kid header. Choosing by
// kid, rather than trying every secret, means a token signed with a retired
// secret is refused outright.
func (k *Keyring) keyFor(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	key, ok := k.keys[kid]
	if !ok {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	return key, nil
}
