package app_test

import (
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/hsetest"
)

// TestSecretRotation follows a rotation of JWT_SECRET and REFRESH_SECRET
// through restarts on one database: while the old secrets are configured as
// *_PREVIOUS, tokens made with them keep working and new ones are made with
// the new secrets; once the old secrets are dropped, their tokens are
// refused and the new ones still work.
func TestSecretRotation(t *testing.T) {
	t.Parallel()
	const (
		jwtOld     = "rotation-jwt-secret-old-0123456789abcdefgh"
		jwtNew     = "rotation-jwt-secret-new-0123456789abcdefgh"
		refreshOld = "rotation-refresh-secret-old-0123456789abcd"
		refreshNew = "rotation-refresh-secret-new-0123456789abcd"
	)
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		tg := hsetest.NewTarget(t, engine)
		start := func(vars ...string) *apptest.Env {
			t.Helper()
			var opts []apptest.Option
			for i := 0; i < len(vars); i += 2 {
				opts = append(opts, apptest.WithEnv(vars[i], vars[i+1]))
			}
			e := apptest.NewAt(t, tg, opts...)
			secLogOnFailure(t, e)
			return e
		}
		me := func(e *apptest.Env, access string) *apptest.Response {
			return e.Call("GET", "/api/auth/me", access, nil)
		}
		refresh := func(e *apptest.Env, token string) *apptest.Response {
			return e.Call("POST", "/api/auth/refresh", "", map[string]any{"refreshToken": token})
		}
		tokens := func(t *testing.T, r *apptest.Response) (access, refresh string) {
			t.Helper()
			m := r.JSON(t)
			return m["accessToken"].(string), m["refreshToken"].(string)
		}

		before := start("JWT_SECRET", jwtOld, "REFRESH_SECRET", refreshOld)
		u := before.Signup("Rotating Fuel")
		spare := secLogin(t, before, u) // a session whose refresh token stays unused
		if kid := secJWTPart(t, u.Access, 0)["kid"]; kid != auth.KeyID(jwtOld) {
			t.Fatalf("kid before the rotation = %v, want %s", kid, auth.KeyID(jwtOld))
		}

		during := start("JWT_SECRET", jwtNew, "JWT_SECRET_PREVIOUS", jwtOld, "REFRESH_SECRET", refreshNew, "REFRESH_SECRET_PREVIOUS", refreshOld)
		during.Must(200, me(during, u.Access))
		access, next := tokens(t, during.Must(200, refresh(during, u.Refresh)))
		if kid := secJWTPart(t, access, 0)["kid"]; kid != auth.KeyID(jwtNew) {
			t.Errorf("kid of a token made during the rotation = %v, want the new secret's %s", kid, auth.KeyID(jwtNew))
		}
		during.Must(200, me(during, access))
		// A replica still on the old secret alone cannot read new tokens.
		secWantProblem(t, "a new token on a replica without the new secret", me(before, access), 401, "TOKEN_INVALID")
		// The refresh token made during the rotation is stored under the
		// new secret, so it outlives the old one.
		access, next = tokens(t, during.Must(200, refresh(during, next)))

		after := start("JWT_SECRET", jwtNew, "REFRESH_SECRET", refreshNew)
		secWantProblem(t, "an access token of the old secret", me(after, spare.Access), 401, "TOKEN_INVALID")
		secWantProblem(t, "a refresh token of the old secret", refresh(after, spare.Refresh), 401, "REFRESH_TOKEN_INVALID")
		after.Must(200, me(after, access))
		after.Must(200, refresh(after, next))
		// The refused refresh token was valid: the rotating replica takes it.
		during.Must(200, refresh(during, spare.Refresh))
	})
}
