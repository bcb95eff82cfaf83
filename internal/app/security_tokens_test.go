package app_test

// Security tests of access and refresh tokens: missing, malformed, forged
// and expired access tokens, tokens used across organizations, refresh
// rotation and reuse detection, and refreshing with the browser's cookie.

import (
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/hsetest"
)

// TestAccessTokenRequired: every way of not presenting a usable bearer
// token is 401 with a WWW-Authenticate challenge.
func TestAccessTokenRequired(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := secEnv(t, engine)
		u := e.Signup("Bearer Fuel")
		for _, tc := range []struct {
			name          string
			authorization string // "" sends no header
			code          string
		}{
			{"no header", "", "UNAUTHORIZED"},
			{"empty bearer", "Bearer ", "UNAUTHORIZED"},
			{"bearer of spaces", "Bearer    ", "UNAUTHORIZED"},
			{"scheme only", "Bearer", "UNAUTHORIZED"},
			{"basic scheme", "Basic dXNlcjpwYXNz", "UNAUTHORIZED"},
			{"valid token, wrong scheme", "Token " + u.Access, "UNAUTHORIZED"},
			{"valid token, no scheme", u.Access, "UNAUTHORIZED"},
			{"garbage", "Bearer garbage", "TOKEN_INVALID"},
			{"three dots", "Bearer ...", "TOKEN_INVALID"},
			{"three empty-looking parts", "Bearer a.b.c", "TOKEN_INVALID"},
			{"refresh token as access token", "Bearer " + u.Refresh, "TOKEN_INVALID"},
			{"valid token with a suffix", "Bearer " + u.Access + "x", "TOKEN_INVALID"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h := map[string]string{}
				if tc.authorization != "" {
					h["Authorization"] = tc.authorization
				}
				r := e.Do(apptest.Request{Method: "GET", Path: "/api/auth/me", Header: h})
				secWantProblem(t, tc.name, r, 401, tc.code)
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", r.Header.Get("WWW-Authenticate"))
				}
			})
		}
		// The same route with the token as issued works: the cases above
		// fail for the reason they name.
		e.Must(200, e.Do(apptest.Request{Method: "GET", Path: "/api/auth/me", Header: map[string]string{"Authorization": "Bearer " + u.Access}}))
	})
}

// TestForgedAndExpiredAccessTokens: tokens for a real session that are
// expired, signed with another secret, unsigned or tampered with are
// refused; the same claims signed correctly are accepted.
func TestForgedAndExpiredAccessTokens(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Now())
		e := secEnv(t, engine, apptest.WithNow(clock.Now))
		u := e.Signup("Forgery Fuel")
		claims := secJWTPart(t, u.Access, 1)
		real := auth.AccessClaims{UserID: claims["sub"].(string), OrgID: claims["org"].(string), SessionID: claims["sid"].(string)}
		keys, err := auth.NewKeyring(e.App.Config.JWTSecret, "")
		if err != nil {
			t.Fatal(err)
		}
		issue := func(k *auth.Keyring, c auth.AccessClaims, at time.Time) string {
			t.Helper()
			tok, _, err := k.IssueAccess(c, at)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		otherKeys, err := auth.NewKeyring("another-secret-0123456789abcdefghijklmnopq", "")
		if err != nil {
			t.Fatal(err)
		}
		// signed builds a token by hand, for what the keyring would never make.
		signed := func(m jwt.SigningMethod, key any, kid string, mutate func(jwt.MapClaims)) string {
			t.Helper()
			now := clock.Now()
			c := jwt.MapClaims{"iss": auth.TokenIssuer, "aud": []string{auth.TokenAudience}, "sub": real.UserID, "org": real.OrgID,
				"sid": real.SessionID, "jti": "forged-1", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
			if mutate != nil {
				mutate(c)
			}
			tok := jwt.NewWithClaims(m, c)
			tok.Header["kid"] = kid
			s, err := tok.SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		secret := []byte(e.App.Config.JWTSecret)
		kid := auth.KeyID(e.App.Config.JWTSecret)
		parts := strings.Split(u.Access, ".")

		for _, tc := range []struct {
			name   string
			token  string
			status int
			code   string
		}{
			{"issued now with the app's secret", issue(keys, real, clock.Now()), 200, ""},
			{"hand-made with the app's secret", signed(jwt.SigningMethodHS256, secret, kid, nil), 200, ""},
			{"expired 16 minutes ago", issue(keys, real, clock.Now().Add(-31*time.Minute)), 401, "TOKEN_EXPIRED"},
			{"signed with another secret", issue(otherKeys, real, clock.Now()), 401, "TOKEN_INVALID"},
			{"another secret under the app's key id", signed(jwt.SigningMethodHS256, []byte("another-secret-0123456789abcdefghijklmnopq"), kid, nil), 401, "TOKEN_INVALID"},
			{"alg none", signed(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, nil), 401, "TOKEN_INVALID"},
			{"alg none, signature stripped from a real token", secJWTWithHeader(t, `{"alg":"none","typ":"JWT","kid":"`+kid+`"}`, parts[1], ""), 401, "TOKEN_INVALID"},
			{"HS512 with the app's secret", signed(jwt.SigningMethodHS512, secret, kid, nil), 401, "TOKEN_INVALID"},
			{"no key id", signed(jwt.SigningMethodHS256, secret, "", nil), 401, "TOKEN_INVALID"},
			{"claims of a real token changed", parts[0] + "." + strings.Split(signed(jwt.SigningMethodHS256, []byte("x"), kid, func(c jwt.MapClaims) { c["sid"] = "other" }), ".")[1] + "." + parts[2], 401, "TOKEN_INVALID"},
			{"wrong audience", signed(jwt.SigningMethodHS256, secret, kid, func(c jwt.MapClaims) { c["aud"] = []string{"other-api"} }), 401, "TOKEN_INVALID"},
			{"session that does not exist", issue(keys, auth.AccessClaims{UserID: real.UserID, OrgID: real.OrgID, SessionID: "00000000-0000-7000-8000-000000000001"}, clock.Now()), 401, "TOKEN_INVALID"},
			{"organization the user is not in", issue(keys, auth.AccessClaims{UserID: real.UserID, OrgID: "00000000-0000-7000-8000-000000000002", SessionID: real.SessionID}, clock.Now()), 401, "NOT_A_MEMBER"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.Call("GET", "/api/auth/me", tc.token, nil)
				if tc.status == 200 {
					e.Must(200, r)
					return
				}
				secWantProblem(t, tc.name, r, tc.status, tc.code)
				if got := r.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error="invalid_token"`) {
					t.Errorf("WWW-Authenticate = %q, want an invalid_token challenge", got)
				}
				if strings.Contains(string(r.Body), u.Email) {
					t.Errorf("a refused token got account data: %s", r.Body)
				}
			})
		}

		// The token from login expires with the clock, after its 15
		// minutes and the allowed clock skew; refreshing then still works.
		e.Must(200, e.Call("GET", "/api/auth/me", u.Access, nil))
		clock.Advance(15*time.Minute + auth.ClockSkew + time.Second)
		secWantProblem(t, "the login's token after 15 minutes", e.Call("GET", "/api/auth/me", u.Access, nil), 401, "TOKEN_EXPIRED")
		fresh := e.Must(200, e.Call("POST", "/api/auth/refresh", "", map[string]any{"refreshToken": u.Refresh})).JSON(t)
		e.Must(200, e.Call("GET", "/api/auth/me", fresh["accessToken"].(string), nil))
	})
}

// TestTokenOfAnotherOrganization: a member of B reaches none of A's
// resources, and naming A's id in a query or body changes nothing.
func TestTokenOfAnotherOrganization(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := secEnv(t, engine)
		a, b := e.Signup("Alpha Fuel"), e.Signup("Bravo Fuel")
		leaks := func(t *testing.T, what string, r *apptest.Response) {
			t.Helper()
			for _, s := range []string{a.OrgID, a.Email, a.UserID, "Alpha Fuel"} {
				if strings.Contains(string(r.Body), s) {
					t.Errorf("%s: B's answer contains A's %q: %s", what, s, r.Body)
				}
			}
		}

		t.Run("A's resources by id", func(t *testing.T) {
			for _, tc := range []struct {
				method, path string
				body         any
			}{
				{"GET", "/api/organizations/" + a.OrgID, nil},
				{"PATCH", "/api/organizations/" + a.OrgID, map[string]any{"name": "Taken Over"}},
				{"PATCH", "/api/members/" + a.UserID, map[string]any{"roleId": "sys-viewer"}},
				{"DELETE", "/api/members/" + a.UserID, nil},
			} {
				r := e.Call(tc.method, tc.path, b.Access, tc.body)
				if r.Status != 404 && r.Status != 403 {
					t.Errorf("%s %s with B's token: %d %s, want 404 or 403", tc.method, tc.path, r.Status, r.Body)
				}
				leaks(t, tc.method+" "+tc.path, r)
			}
			o := e.Must(200, e.Call("GET", "/api/organizations/"+a.OrgID, a.Access, nil)).JSON(t)
			if o["name"] != "Alpha Fuel" {
				t.Errorf("A's organization after B's attempts: %v", o)
			}
			e.Must(200, e.Call("GET", "/api/auth/me", a.Access, nil)) // A is still owner and member
		})

		t.Run("A's id in the query", func(t *testing.T) {
			for _, path := range []string{"/api/members", "/api/roles", "/api/invitations", "/api/audit-log", "/api/auth/me", "/api/organizations"} {
				r := e.Must(200, e.Call("GET", path+"?organizationId="+a.OrgID+"&orgId="+a.OrgID, b.Access, nil))
				leaks(t, path, r)
			}
			members := string(e.Must(200, e.Call("GET", "/api/members?organizationId="+a.OrgID, b.Access, nil)).Body)
			if !strings.Contains(members, b.Email) {
				t.Errorf("B's members do not list B: %s", members)
			}
		})

		t.Run("A's id in the body", func(t *testing.T) {
			for _, tc := range []struct {
				method, path string
				body         map[string]any
				field        string // the unknown field to name; "" for a field the route knows
				status       int
			}{
				{"PATCH", "/api/organizations/" + b.OrgID, map[string]any{"organizationId": a.OrgID, "name": "Bravo Renamed"}, "organizationId", 400},
				{"POST", "/api/invitations", map[string]any{"organizationId": a.OrgID, "email": secEmail("intruder"), "roleId": "sys-viewer"}, "organizationId", 400},
				{"POST", "/api/roles", map[string]any{"organizationId": a.OrgID, "name": "Intruders", "permissions": []string{"organization:read"}}, "organizationId", 400},
				{"POST", "/api/auth/switch-organization", map[string]any{"organizationId": a.OrgID}, "", 404},
			} {
				r := e.Call(tc.method, tc.path, b.Access, tc.body)
				if r.Status != tc.status {
					t.Errorf("%s %s with A's id in the body: %d %s, want %d", tc.method, tc.path, r.Status, r.Body, tc.status)
				}
				if tc.field != "" && !strings.Contains(string(r.Body), tc.field) {
					t.Errorf("%s %s: the error does not name %s: %s", tc.method, tc.path, tc.field, r.Body)
				}
				leaks(t, tc.method+" "+tc.path, r)
			}
			r := e.Call("POST", "/api/auth/login", "", map[string]any{"email": b.Email, "password": b.Password, "organizationId": a.OrgID})
			secWantProblem(t, "B logging in to A", r, 404, "NOT_FOUND")
			leaks(t, "login", r)

			for _, u := range []*apptest.User{a, b} {
				o := e.Must(200, e.Call("GET", "/api/organizations/"+u.OrgID, u.Access, nil)).JSON(t)
				if o["name"] == "Bravo Renamed" {
					t.Errorf("a refused update changed the organization: %v", o)
				}
			}
			inv := string(e.Must(200, e.Call("GET", "/api/invitations", a.Access, nil)).Body)
			if strings.Contains(inv, "intruder") {
				t.Errorf("A has an invitation made by B: %s", inv)
			}
		})
	})
}

// TestRefreshRotationAndReuse: a refresh token works once; presenting it
// again ends its whole session (token family), is audited, and leaves the
// user's other sessions alone.
func TestRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := secEnv(t, engine)
		u := e.Signup("Rotation Fuel")
		other := secLogin(t, e, u)
		refresh := func(token string) *apptest.Response {
			return e.Call("POST", "/api/auth/refresh", "", map[string]any{"refreshToken": token})
		}

		r := e.Must(200, refresh(u.Refresh)).JSON(t)
		next, access := r["refreshToken"].(string), r["accessToken"].(string)
		if next == "" || next == u.Refresh {
			t.Fatalf("refresh returned refresh token %q (old %q)", next, u.Refresh)
		}
		if exp, _ := r["expiresIn"].(float64); r["tokenType"] != "Bearer" || exp < 890 || exp > 900 {
			t.Errorf("refresh answer: %v", r)
		}
		e.Must(200, e.Call("GET", "/api/auth/me", access, nil))

		secWantProblem(t, "the rotated token again", refresh(u.Refresh), 401, "REFRESH_TOKEN_REUSED")
		secWantProblem(t, "the family's newest token after reuse", refresh(next), 401, "REFRESH_TOKEN_INVALID")
		for name, tok := range map[string]string{"first": u.Access, "refreshed": access} {
			secWantProblem(t, "the session's "+name+" access token after reuse", e.Call("GET", "/api/auth/me", tok, nil), 401, "SESSION_REVOKED")
		}

		// The other session is untouched and sees the reuse in the trail.
		log := e.Must(200, e.Call("GET", "/api/audit-log?action=auth.refresh_token_reuse", other.Access, nil)).JSON(t)["items"].([]any)
		sid := secJWTPart(t, u.Access, 1)["sid"]
		if len(log) != 1 || log[0].(map[string]any)["entityId"] != sid || log[0].(map[string]any)["actorUserId"] != u.UserID {
			t.Errorf("audit entries for the reuse of session %v: %v", sid, log)
		}
		r = e.Must(200, refresh(other.Refresh)).JSON(t)
		e.Must(200, e.Call("GET", "/api/auth/me", r["accessToken"].(string), nil))

		secWantProblem(t, "an unknown refresh token", refresh("hser_"+strings.Repeat("A", 43)), 401, "REFRESH_TOKEN_INVALID")
		secWantProblem(t, "an empty refresh token", refresh(""), 401, "REFRESH_TOKEN_INVALID")
	})
}

// TestConcurrentRefresh: ten simultaneous refreshes of one token make
// exactly one new token.
func TestConcurrentRefresh(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := secEnv(t, engine)
		u := e.Signup("Race Fuel")
		const n = 10
		ip := secIP()
		res := make([]*apptest.Response, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				res[i] = e.Do(apptest.Request{Method: "POST", Path: "/api/auth/refresh", IP: ip, Body: map[string]any{"refreshToken": u.Refresh}})
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, r := range res {
			switch {
			case r.Status == 200:
				ok++
			case r.Status == 401 && (r.Code() == "REFRESH_TOKEN_REUSED" || r.Code() == "REFRESH_TOKEN_INVALID"):
			default:
				t.Errorf("a concurrent refresh: %d %s", r.Status, r.Body)
			}
		}
		if ok != 1 {
			t.Errorf("%d of %d concurrent refreshes of one token succeeded, want exactly 1", ok, n)
		}
	})
}

// TestRefreshCookie: login sets the refresh token as a locked-down
// cookie; refreshing with it needs the double-submit CSRF header.
func TestRefreshCookie(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := secEnv(t, engine)
		u := e.Signup("Cookie Fuel")
		login := e.Must(200, e.Call("POST", "/api/auth/login", "", map[string]any{"email": u.Email, "password": u.Password}))
		body := login.JSON(t)
		rc, cc := secCookie(login, "hse_refresh"), secCookie(login, "hse_csrf")
		if rc == nil || cc == nil {
			t.Fatalf("login sets no hse_refresh or hse_csrf cookie: %v", login.Header["Set-Cookie"])
		}
		if !rc.HttpOnly || !rc.Secure || rc.SameSite != http.SameSiteStrictMode || rc.Path != "/api/auth" || rc.Value != body["refreshToken"] || rc.MaxAge <= 0 {
			t.Errorf("hse_refresh cookie: %+v", rc)
		}
		if cc.HttpOnly || !cc.Secure || cc.SameSite != http.SameSiteStrictMode || cc.Value == "" || cc.Value == rc.Value {
			t.Errorf("hse_csrf cookie (the page must read it): %+v", cc)
		}
		if cache := login.Header.Get("Cache-Control"); cache != "no-store" {
			t.Errorf("login Cache-Control = %q, want no-store", cache)
		}

		refresh := func(cookie, csrf string) *apptest.Response {
			h := map[string]string{"Cookie": cookie}
			if csrf != "" {
				h["X-CSRF-Token"] = csrf
			}
			return e.Do(apptest.Request{Method: "POST", Path: "/api/auth/refresh", Body: map[string]any{}, Header: h})
		}
		both := "hse_refresh=" + rc.Value + "; hse_csrf=" + cc.Value
		for _, tc := range []struct{ name, cookie, csrf string }{
			{"refresh cookie alone", "hse_refresh=" + rc.Value, ""},
			{"both cookies, no header", both, ""},
			{"both cookies, wrong header", both, cc.Value + "x"},
			{"header without the csrf cookie", "hse_refresh=" + rc.Value, cc.Value},
			{"header equal to another csrf cookie", "hse_refresh=" + rc.Value + "; hse_csrf=attacker", cc.Value},
		} {
			secWantProblem(t, tc.name, refresh(tc.cookie, tc.csrf), 403, "CSRF_FAILED")
		}
		// None of the refused attempts spent the token.
		r := e.Must(200, refresh(both, cc.Value))
		next := secCookie(r, "hse_refresh")
		if next == nil || next.Value == rc.Value || next.Value != r.JSON(t)["refreshToken"] {
			t.Errorf("refresh by cookie sets hse_refresh %+v, answer %s", next, r.Body)
		}
		e.Must(200, e.Call("GET", "/api/auth/me", r.JSON(t)["accessToken"].(string), nil))
	})
}

// secJWTWithHeader assembles a token from a raw JSON header, a claims part
// and a signature part.
func secJWTWithHeader(t *testing.T, header, claims, sig string) string {
	t.Helper()
	return base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + claims + "." + sig
}
