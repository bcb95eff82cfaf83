package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/hse"
)

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589_000_000, time.UTC)

var someClaims = AccessClaims{UserID: "user-1", OrgID: "org-1", SessionID: "sess-1", ID: "tok-1"}

func TestAccessRoundTrip(t *testing.T) {
	k := newKeyring(t, secretA, "")
	tok, exp, err := k.IssueAccess(someClaims, t0)
	if err != nil {
		t.Fatal(err)
	}
	iat := t0.Truncate(time.Second)
	if want := iat.Add(DefaultAccessTTL); !exp.Equal(want) {
		t.Errorf("expiresAt = %v, want %v", exp, want)
	}
	got, err := k.VerifyAccess(tok, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	want := someClaims
	want.IssuedAt, want.ExpiresAt = iat, exp
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	header := decodeSegment(t, tok, 0)
	for _, s := range []string{`"alg":"HS256"`, `"kid":"` + KeyID(secretA) + `"`} {
		if !strings.Contains(header, s) {
			t.Errorf("header %s lacks %s", header, s)
		}
	}
	payload := decodeSegment(t, tok, 1)
	for _, s := range []string{`"iss":"hse-digital"`, `"aud":["hse-api"]`, `"sub":"user-1"`, `"org":"org-1"`, `"sid":"sess-1"`, `"jti":"tok-1"`, `"nbf":`} {
		if !strings.Contains(payload, s) {
			t.Errorf("payload %s lacks %s", payload, s)
		}
	}
}

func TestIssueAccessFillsID(t *testing.T) {
	k := newKeyring(t, secretA, "")
	c := someClaims
	c.ID = ""
	tok, _, err := k.IssueAccess(c, t0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.VerifyAccess(tok, t0)
	if err != nil || got.ID == "" {
		t.Fatalf("VerifyAccess = %+v, %v; want a generated token id", got, err)
	}
	if _, _, err := k.IssueAccess(AccessClaims{OrgID: "org-1"}, t0); err == nil {
		t.Error("IssueAccess accepted claims without user and session")
	}
}

func TestVerifyAccessRefuses(t *testing.T) {
	k := newKeyring(t, secretA, "")
	valid, _, err := k.IssueAccess(someClaims, t0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		token string
		at    time.Time
		code  string
	}{
		{"expired", valid, t0.Add(DefaultAccessTTL + ClockSkew + time.Second), CodeTokenExpired},
		{"not yet valid", valid, t0.Add(-ClockSkew - time.Second), CodeTokenInvalid},
		{"unknown kid: other secret", issueWith(t, jwt.SigningMethodHS256, secretB, KeyID(secretB), nil), t0, CodeTokenInvalid},
		{"known kid, wrong secret", issueWith(t, jwt.SigningMethodHS256, secretB, KeyID(secretA), nil), t0, CodeTokenInvalid},
		{"no kid", issueWith(t, jwt.SigningMethodHS256, secretA, "", nil), t0, CodeTokenInvalid},
		{"alg none", issueWith(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, KeyID(secretA), nil), t0, CodeTokenInvalid},
		{"alg HS512", issueWith(t, jwt.SigningMethodHS512, secretA, KeyID(secretA), nil), t0, CodeTokenInvalid},
		{"tampered payload", tamper(t, valid), t0, CodeTokenInvalid},
		{"wrong issuer", issueWith(t, jwt.SigningMethodHS256, secretA, KeyID(secretA), func(c *jwtClaims) { c.Issuer = "someone-else" }), t0, CodeTokenInvalid},
		{"wrong audience", issueWith(t, jwt.SigningMethodHS256, secretA, KeyID(secretA), func(c *jwtClaims) { c.Audience = jwt.ClaimStrings{"other-api"} }), t0, CodeTokenInvalid},
		{"no expiry", issueWith(t, jwt.SigningMethodHS256, secretA, KeyID(secretA), func(c *jwtClaims) { c.ExpiresAt = nil }), t0, CodeTokenInvalid},
		{"no session", issueWith(t, jwt.SigningMethodHS256, secretA, KeyID(secretA), func(c *jwtClaims) { c.SessionID = "" }), t0, CodeTokenInvalid},
		{"no issue time", issueWith(t, jwt.SigningMethodHS256, secretA, KeyID(secretA), func(c *jwtClaims) { c.IssuedAt = nil }), t0, CodeTokenInvalid},
		{"empty", "", t0, CodeTokenInvalid},
		{"garbage", "not.a.token", t0, CodeTokenInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := k.VerifyAccess(tt.token, tt.at)
			assertTokenError(t, err, tt.code)
		})
	}
}

// Tokens stay valid for ClockSkew past their expiry, so that replicas whose
// clocks differ slightly agree.
func TestVerifyAccessAllowsClockSkew(t *testing.T) {
	k := newKeyring(t, secretA, "")
	tok, exp, err := k.IssueAccess(someClaims, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{exp.Add(ClockSkew - time.Second), t0.Add(-ClockSkew + time.Second)} {
		if _, err := k.VerifyAccess(tok, at); err != nil {
			t.Errorf("VerifyAccess at %v: %v", at, err)
		}
	}
}

func TestKeyRotation(t *testing.T) {
	before := newKeyring(t, secretA, "")
	after := newKeyring(t, secretB, secretA)
	old, _, err := before.IssueAccess(someClaims, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := after.VerifyAccess(old, t0); err != nil {
		t.Fatalf("token signed with the previous secret refused after rotation: %v", err)
	}
	fresh, _, err := after.IssueAccess(someClaims, t0)
	if err != nil {
		t.Fatal(err)
	}
	if h := decodeSegment(t, fresh, 0); !strings.Contains(h, KeyID(secretB)) {
		t.Errorf("new token header %s is not signed with the current secret", h)
	}
	if _, err := before.VerifyAccess(fresh, t0); err == nil {
		t.Error("keyring without the new secret accepted a token signed with it")
	}
	retired := newKeyring(t, secretC, secretB)
	_, err = retired.VerifyAccess(old, t0)
	assertTokenError(t, err, CodeTokenInvalid)
}

func FuzzVerifyAccess(f *testing.F) {
	k := newKeyring(f, secretA, secretB)
	valid, _, err := k.IssueAccess(someClaims, t0)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{valid, "", ".", "..", "a.b.c", valid + "x", tamper(f, valid),
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", strings.Repeat("A", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := k.VerifyAccess(token, t0)
		if err == nil {
			if c.UserID == "" || c.SessionID == "" {
				t.Fatalf("accepted a token without user or session: %+v", c)
			}
			return
		}
		if hse.KindOf(err) != hse.KindUnauthorized {
			t.Fatalf("error %v is not Unauthorized", err)
		}
	})
}

func assertTokenError(t *testing.T, err error, code string) {
	t.Helper()
	var e *hse.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *hse.Error", err)
	}
	if e.Kind != hse.KindUnauthorized || e.Code != code {
		t.Fatalf("error kind %v code %q (%v), want Unauthorized %q", e.Kind, e.Code, err, code)
	}
}

// issueWith signs a token by hand, to build the malformed and hostile
// tokens that IssueAccess never makes.
func issueWith(t testing.TB, m jwt.SigningMethod, key any, kid string, edit func(*jwtClaims)) string {
	t.Helper()
	c := jwtClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: TokenIssuer, Subject: "user-1", Audience: jwt.ClaimStrings{TokenAudience}, ID: "tok-1",
			IssuedAt: jwt.NewNumericDate(t0), NotBefore: jwt.NewNumericDate(t0),
			ExpiresAt: jwt.NewNumericDate(t0.Add(time.Minute)),
		},
		OrgID: "org-1", SessionID: "sess-1",
	}
	if edit != nil {
		edit(&c)
	}
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	if s, ok := key.(string); ok {
		key = []byte(s)
	}
	if m == jwt.SigningMethodNone {
		key = jwt.UnsafeAllowNoneSignatureType
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tamper rewrites the subject in the payload and keeps the signature.
func tamper(t testing.TB, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	payload := strings.Replace(decodeSegment(t, token, 1), `"sub":"user-1"`, `"sub":"admin"`, 1)
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(payload))
	return strings.Join(parts, ".")
}

func decodeSegment(t testing.TB, token string, i int) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
