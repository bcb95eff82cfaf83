package app_test

import (
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

func TestSignupVerifyLogin(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		defer func() {
			if t.Failed() {
				t.Log(e.Logs.String())
			}
		}()
		u := e.Signup("Acme Fuel")
		me := e.Must(200, e.Call("GET", "/api/auth/me", u.Access, nil)).JSON(t)
		if me["user"].(map[string]any)["email"] != u.Email {
			t.Errorf("me: %v", me)
		}
		r := e.Must(200, e.Call("PATCH", "/api/organizations/"+u.OrgID, u.Access, map[string]any{"name": "Acme Fuel Ltd", "settings": map[string]any{"timeZone": "Europe/London"}}))
		if r.JSON(t)["name"] != "Acme Fuel Ltd" {
			t.Errorf("patch: %s", r.Body)
		}
	})
}
