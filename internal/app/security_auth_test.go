package app_test

// Security tests of logging in, signing up, password reset and change, and
// ending sessions. Helpers shared by the security_*, ratelimit and rotation
// tests are at the end of this file.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// TestLoginFailuresLookAlike: a wrong password and an unknown address get
// the same answer in the same time, so login reveals no registered address.
// Not parallel: the timing comparison wants a quiet machine.
func TestLoginFailuresLookAlike(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := secEnv(t, engine)
		u := e.Signup("Lookalike Fuel")
		ip := secIP()
		attempt := func(email string) (*apptest.Response, time.Duration) {
			start := time.Now()
			r := e.Do(apptest.Request{Method: "POST", Path: "/api/auth/login", IP: ip,
				Body: map[string]any{"email": email, "password": "not the right password"}})
			return r, time.Since(start)
		}
		unknown := secEmail("nobody")

		wrong, _ := attempt(u.Email)
		missing, _ := attempt(unknown)
		for name, r := range map[string]*apptest.Response{"wrong password": wrong, "unknown address": missing} {
			secWantProblem(t, name, r, 401, "INVALID_CREDENTIALS")
		}
		if diff := cmp.Diff(secBodyWithoutRequestID(t, wrong), secBodyWithoutRequestID(t, missing)); diff != "" {
			t.Errorf("the answers differ (-wrong password +unknown address):\n%s", diff)
		}
		if w, m := wrong.Header.Get("Content-Type"), missing.Header.Get("Content-Type"); w != m {
			t.Errorf("Content-Type %q for a wrong password, %q for an unknown address", w, m)
		}

		// Interleaved, so that a slower moment of the machine hits both.
		var known, unknowns []time.Duration
		for range 10 {
			_, d := attempt(u.Email)
			known = append(known, d)
			_, d = attempt(unknown)
			unknowns = append(unknowns, d)
		}
		// The fastest of each: a busy machine only ever adds time, so the
		// minimum is the cost of the work itself. This package hashes with
		// cheap parameters (main_test.go), so a millisecond of database work
		// weighs more here than behind a production hash; the bound allows
		// that, and internal/auth checks that the dummy check costs a real
		// one at the production parameters.
		mk, mu := slices.Min(known), slices.Min(unknowns)
		if ratio := float64(mk) / float64(mu); ratio < 0.4 || ratio > 2.5 {
			t.Errorf("fastest wrong password %v, fastest unknown address %v: ratio %.2f outside 0.4-2.5", mk, mu, ratio)
		}
	})
}

// TestLoginBeforeVerification: only the right password learns that the
// address awaits confirmation.
func TestLoginBeforeVerification(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := secEnv(t, engine)
		email, pw := secEmail("unverified"), "lantern harbour seventeen"
		e.Must(202, e.Call("POST", "/api/auth/signup", "", map[string]any{"organizationName": "Unverified Fuel", "name": "U", "email": email, "password": pw}))
		for _, tc := range []struct {
			password string
			status   int
			code     string
		}{
			{"wrong password here", 401, "INVALID_CREDENTIALS"},
			{pw, 403, "EMAIL_NOT_VERIFIED"},
		} {
			r := e.Call("POST", "/api/auth/login", "", map[string]any{"email": email, "password": tc.password})
			secWantProblem(t, "login with "+tc.password, r, tc.status, tc.code)
			if strings.Contains(string(r.Body), "accessToken") {
				t.Errorf("a refused login carries a token: %s", r.Body)
			}
		}
	})
}

// TestAccountRequestsDoNotRevealAddresses: password-reset and
// resend-verification requests answer alike for any address, and signing up
// with a registered address answers like a new signup but creates nothing.
func TestAccountRequestsDoNotRevealAddresses(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := secEnv(t, engine)
		verified := e.Signup("Registered Fuel")
		unverified := secEmail("pending")
		e.Must(202, e.Call("POST", "/api/auth/signup", "", map[string]any{"organizationName": "Pending Fuel", "name": "P", "email": unverified, "password": "copper kettle marching band"}))
		secWaitMail(t, e, unverified, "verify_email", 1)

		for _, tc := range []struct {
			path, kind string
			mailed     []string // registered addresses the request is for
			silent     []string // addresses that must get the same answer and no mail
		}{
			{"/api/auth/password-reset/request", "password_reset", []string{verified.Email, unverified}, []string{secEmail("stranger")}},
			{"/api/auth/resend-verification", "verify_email", []string{unverified}, []string{verified.Email, secEmail("stranger")}},
		} {
			t.Run(strings.TrimPrefix(tc.path, "/api/auth/"), func(t *testing.T) {
				sent := map[string]int{}
				for _, addr := range append(slices.Clone(tc.mailed), tc.silent...) {
					sent[addr] = secMailCount(e, addr, tc.kind)
				}
				var first *apptest.Response
				for _, addr := range append(slices.Clone(tc.mailed), tc.silent...) {
					r := e.Do(apptest.Request{Method: "POST", Path: tc.path, IP: secIP(), Body: map[string]any{"email": addr}})
					if first == nil {
						first = r
						if r.Status != 202 {
							t.Fatalf("%s for %s: status %d: %s", tc.path, addr, r.Status, r.Body)
						}
					} else if r.Status != first.Status || string(r.Body) != string(first.Body) {
						t.Errorf("%s for %s: %d %s; for %s: %d %s", tc.path, addr, r.Status, r.Body, tc.mailed[0], first.Status, first.Body)
					}
				}
				// The identical answers hide a real difference: only the
				// registered accounts get mail.
				for _, addr := range tc.mailed {
					secWaitMail(t, e, addr, tc.kind, sent[addr]+1)
				}
				time.Sleep(50 * time.Millisecond) // mail leaves after the answer
				for _, addr := range tc.silent {
					if n := secMailCount(e, addr, tc.kind); n != sent[addr] {
						t.Errorf("%s sent %s mail to %s", tc.path, tc.kind, addr)
					}
				}
			})
		}

		t.Run("signup with a registered address", func(t *testing.T) {
			signup := func(email string) *apptest.Response {
				return e.Do(apptest.Request{Method: "POST", Path: "/api/auth/signup", IP: secIP(), Body: map[string]any{
					"organizationName": "Squatter Fuel", "name": "Someone", "email": email, "password": "orange glider sunday 99"}})
			}
			fresh, existing := signup(secEmail("fresh")), signup(verified.Email)
			if fresh.Status != 202 || existing.Status != fresh.Status || string(existing.Body) != string(fresh.Body) {
				t.Errorf("new address: %d %s; registered address: %d %s", fresh.Status, fresh.Body, existing.Status, existing.Body)
			}
			orgs := e.Must(200, e.Call("GET", "/api/organizations", verified.Access, nil)).JSON(t)["items"].([]any)
			if len(orgs) != 1 || orgs[0].(map[string]any)["id"] != verified.OrgID {
				t.Errorf("the registered user's organizations after a second signup: %v", orgs)
			}
			// The password of the second signup opened nothing.
			r := e.Call("POST", "/api/auth/login", "", map[string]any{"email": verified.Email, "password": "orange glider sunday 99"})
			secWantProblem(t, "login with the second signup's password", r, 401, "INVALID_CREDENTIALS")
			if m := e.Mail.WaitFor(t, verified.Email, "signup_existing"); !strings.Contains(m.Text, "already has an account") {
				t.Errorf("mail to the registered address: %s", m.Text)
			}
		})
	})
}

// TestPasswordPolicy: the policy applies at signup and password reset, and
// names the field.
func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := secEnv(t, engine)
		email := secEmail("policy")
		for _, tc := range []struct {
			name, password string
		}{
			{"too short", "abc1234"},
			{"over 128 characters", strings.Repeat("correct horse ", 10)[:129]},
			{"common password", "password1"},
			{"keyboard walk", "qwertyuiop"},
			{"the e-mail address", email},
			{"the address's local part", strings.SplitN(email, "@", 2)[0]},
			{"one character repeated", "zzzzzzzzzzzz"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.Do(apptest.Request{Method: "POST", Path: "/api/auth/signup", IP: secIP(), Body: map[string]any{
					"organizationName": "Policy Fuel", "name": "P", "email": email, "password": tc.password}})
				secWantProblem(t, "signup", r, 400, "VALIDATION_FAILED")
				if !secNamesField(t, r, "password") {
					t.Errorf("the error does not name the field password: %s", r.Body)
				}
			})
		}
		passphrase := "the quiet fox walks past nine red lanterns at dawn, humming"
		e.Must(202, e.Do(apptest.Request{Method: "POST", Path: "/api/auth/signup", IP: secIP(), Body: map[string]any{
			"organizationName": "Policy Fuel", "name": "P", "email": email, "password": passphrase}}))

		// At reset, a refused password leaves the link usable.
		e.Must(202, e.Call("POST", "/api/auth/password-reset/request", "", map[string]any{"email": email}))
		token := e.TokenFromMail(email, "password_reset")
		r := e.Call("POST", "/api/auth/password-reset/confirm", "", map[string]any{"token": token, "password": "qwertyuiop"})
		secWantProblem(t, "reset to a common password", r, 400, "VALIDATION_FAILED")
		if !secNamesField(t, r, "password") {
			t.Errorf("the error does not name the field password: %s", r.Body)
		}
		e.Must(200, e.Call("POST", "/api/auth/password-reset/confirm", "", map[string]any{"token": token, "password": passphrase + " again"}))
	})
}

// TestLogout: logging out ends the session, with the access token or with
// the refresh token; logging out everywhere ends every session.
func TestLogout(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := secEnv(t, engine)
		u := e.Signup("Logout Fuel")

		t.Run("access token", func(t *testing.T) {
			s := secLogin(t, e, u)
			r := e.Must(204, e.Call("POST", "/api/auth/logout", s.Access, nil))
			if c := secCookie(r, "hse_refresh"); c == nil || c.MaxAge >= 0 || c.Value != "" {
				t.Errorf("logout does not clear the refresh cookie: %v", r.Header["Set-Cookie"])
			}
			secWantEnded(t, e, s)
			e.Must(200, e.Call("GET", "/api/auth/me", u.Access, nil)) // another session
		})
		t.Run("refresh token", func(t *testing.T) {
			s := secLogin(t, e, u)
			e.Must(204, e.Call("POST", "/api/auth/logout/refresh", "", map[string]any{"refreshToken": s.Refresh}))
			secWantEnded(t, e, s)
		})
		t.Run("everywhere", func(t *testing.T) {
			s := secLogin(t, e, u)
			r := e.Must(200, e.Call("POST", "/api/auth/logout-all", s.Access, nil)).JSON(t)
			if r["sessionsEnded"] != float64(2) {
				t.Errorf("sessionsEnded = %v, want 2 (this one and the first login)", r["sessionsEnded"])
			}
			secWantEnded(t, e, s)
			secWantEnded(t, e, u)
		})
	})
}

// TestPasswordResetConfirm: a reset ends every session, its link works once
// and expires after an hour.
func TestPasswordResetConfirm(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Now())
		e := secEnv(t, engine, apptest.WithNow(clock.Now))
		u := e.Signup("Reset Fuel")
		other := secLogin(t, e, u)
		request := func() string {
			t.Helper()
			n := secMailCount(e, u.Email, "password_reset")
			e.Must(202, e.Call("POST", "/api/auth/password-reset/request", "", map[string]any{"email": u.Email}))
			secWaitMail(t, e, u.Email, "password_reset", n+1)
			return e.TokenFromMail(u.Email, "password_reset")
		}
		confirm := func(token, pw string) *apptest.Response {
			return e.Call("POST", "/api/auth/password-reset/confirm", "", map[string]any{"token": token, "password": pw})
		}

		token := request()
		newPW := "violet ferry crossing at noon"
		e.Must(200, confirm(token, newPW))
		secWantEnded(t, e, u)
		secWantEnded(t, e, other)
		secWantProblem(t, "the link a second time", confirm(token, "another fine passphrase"), 400, "VALIDATION_FAILED")
		r := e.Call("POST", "/api/auth/login", "", map[string]any{"email": u.Email, "password": u.Password})
		secWantProblem(t, "login with the old password", r, 401, "INVALID_CREDENTIALS")
		u.Password = newPW
		secLogin(t, e, u)

		// A link is valid for one hour: still at 59 minutes, no longer at 61.
		token = request()
		clock.Advance(59 * time.Minute)
		u.Password = "violet ferry crossing at dusk"
		e.Must(200, confirm(token, u.Password))
		token = request()
		clock.Advance(61 * time.Minute)
		secWantProblem(t, "a link after 61 minutes", confirm(token, "violet ferry crossing at midnight"), 400, "VALIDATION_FAILED")
		secLogin(t, e, u) // the expired link changed nothing
	})
}

// TestChangePassword: the current password is required; this session
// stays, the others end.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := secEnv(t, engine)
		u := e.Signup("Change Fuel")
		other := secLogin(t, e, u)
		change := func(current, next string) *apptest.Response {
			return e.Call("POST", "/api/auth/change-password", u.Access, map[string]any{"currentPassword": current, "newPassword": next})
		}

		r := change("not my password at all", "granite owl reading poetry")
		secWantProblem(t, "wrong current password", r, 400, "VALIDATION_FAILED")
		if !secNamesField(t, r, "currentPassword") {
			t.Errorf("the error does not name currentPassword: %s", r.Body)
		}
		e.Must(200, e.Call("GET", "/api/auth/me", other.Access, nil)) // a failed attempt ends nothing

		r = change(u.Password, "password1")
		secWantProblem(t, "a common new password", r, 400, "VALIDATION_FAILED")
		if !secNamesField(t, r, "newPassword") {
			t.Errorf("the error does not name newPassword: %s", r.Body)
		}

		old := u.Password
		u.Password = "granite owl reading poetry"
		e.Must(200, change(old, u.Password))
		e.Must(200, e.Call("GET", "/api/auth/me", u.Access, nil))
		refreshed := e.Must(200, e.Call("POST", "/api/auth/refresh", "", map[string]any{"refreshToken": u.Refresh})).JSON(t)
		e.Must(200, e.Call("GET", "/api/auth/me", refreshed["accessToken"].(string), nil))
		secWantEnded(t, e, other)
		r = e.Call("POST", "/api/auth/login", "", map[string]any{"email": u.Email, "password": old})
		secWantProblem(t, "login with the old password", r, 401, "INVALID_CREDENTIALS")
		secLogin(t, e, u)
	})
}

// --- helpers shared by the security tests ---

// secEnv builds a platform and prints its log when the test fails.
func secEnv(t *testing.T, engine string, opts ...apptest.Option) *apptest.Env {
	t.Helper()
	e := apptest.New(t, engine, opts...)
	secLogOnFailure(t, e)
	return e
}

func secLogOnFailure(t *testing.T, e *apptest.Env) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(e.Logs.String())
		}
	})
}

var secSeq atomic.Int64

// secEmail returns an address no other test uses.
func secEmail(prefix string) string {
	return fmt.Sprintf("%s%d-%d@example.com", prefix, secSeq.Add(1), time.Now().UnixNano()%1e6)
}

// secIP returns a client address no other test in this process uses, so
// that one test's rate limits never touch another's.
func secIP() string {
	n := secSeq.Add(1)
	return fmt.Sprintf("198.18.%d.%d", n/250%250, n%250+1)
}

// secLogin opens a new session of u and returns it as a copy of u.
func secLogin(t *testing.T, e *apptest.Env, u *apptest.User) *apptest.User {
	t.Helper()
	s := *u
	e.Login(&s)
	return &s
}

// secWantProblem checks the status, code and format of an error answer.
func secWantProblem(t *testing.T, what string, r *apptest.Response, status int, code string) {
	t.Helper()
	if r.Status != status || r.Code() != code {
		t.Errorf("%s: %d %s, want %d %s", what, r.Status, r.Body, status, code)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
}

// secWantEnded checks that a session's access and refresh tokens are both
// refused.
func secWantEnded(t *testing.T, e *apptest.Env, s *apptest.User) {
	t.Helper()
	secWantProblem(t, "the access token of an ended session", e.Call("GET", "/api/auth/me", s.Access, nil), 401, "SESSION_REVOKED")
	secWantProblem(t, "the refresh token of an ended session",
		e.Call("POST", "/api/auth/refresh", "", map[string]any{"refreshToken": s.Refresh}), 401, "REFRESH_TOKEN_INVALID")
}

// secNamesField reports whether an error answer names field.
func secNamesField(t *testing.T, r *apptest.Response, field string) bool {
	t.Helper()
	var p struct {
		Errors []struct{ Field string } `json:"errors"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("error answer is not JSON: %s", r.Body)
	}
	return slices.ContainsFunc(p.Errors, func(f struct{ Field string }) bool { return f.Field == field })
}

// secBodyWithoutRequestID is a JSON answer without its (per-request) id.
func secBodyWithoutRequestID(t *testing.T, r *apptest.Response) map[string]any {
	t.Helper()
	m := r.JSON(t)
	delete(m, "requestId")
	return m
}

// secMailCount counts the mail of kind sent to addr.
func secMailCount(e *apptest.Env, addr, kind string) int {
	n := 0
	for _, m := range e.Mail.Messages() {
		if m.Kind == kind && strings.EqualFold(m.To, addr) {
			n++
		}
	}
	return n
}

// secWaitMail waits until addr has n mails of kind: mail leaves after the
// answer.
func secWaitMail(t *testing.T, e *apptest.Env, addr, kind string, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); secMailCount(e, addr, kind) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%s has %d %s mails, want %d", addr, secMailCount(e, addr, kind), kind, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// secCookie returns the cookie name set by a response.
func secCookie(r *apptest.Response, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// secJWTPart decodes the header (0) or claims (1) of a JWT.
func secJWTPart(t *testing.T, token string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatalf("JWT part %d: %v", i, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("JWT part %d: %v", i, err)
	}
	return m
}
