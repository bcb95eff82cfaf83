package app_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/identity"
)

func TestListMyOrganizations(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		north := e.Signup("North Fuel")
		south := e.Signup("South Fuel")
		stranger := e.Signup("Stranger Fuel")
		_, token := invite(t, e, south, north.Email, "sys-auditor", nil, 1)
		e.Must(200, callAPI(t, e, "POST", "/api/invitations/accept", "", map[string]any{"token": token}))

		orgs := listItems[orgItem](t, e.Must(200, callAPI(t, e, "GET", "/api/organizations", north.Access, nil)))
		got := map[string]orgItem{}
		for _, o := range orgs {
			got[o.ID] = orgItem{Name: o.Name, RoleID: o.RoleID, Role: o.Role, Status: o.Status}
			if o.Slug == "" {
				t.Errorf("organization %s without a slug", o.ID)
			}
		}
		want := map[string]orgItem{
			north.OrgID: {Name: "North Fuel", RoleID: "sys-owner", Role: "Owner", Status: identity.OrgActive},
			south.OrgID: {Name: "South Fuel", RoleID: "sys-auditor", Role: "Auditor", Status: identity.OrgActive},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("organizations (-want +got):\n%s", diff)
		}
		if _, ok := got[stranger.OrgID]; ok {
			t.Error("an organization the caller does not belong to is listed")
		}
		// The list is the caller's, whatever organization the token acts in,
		// and needs no permission.
		only := listItems[orgItem](t, e.Must(200, callAPI(t, e, "GET", "/api/organizations", stranger.Access, nil)))
		if len(only) != 1 || only[0].ID != stranger.OrgID {
			t.Errorf("stranger's organizations: %+v", only)
		}
		wantProblem(t, callAPI(t, e, "GET", "/api/organizations", "", nil), 401, "UNAUTHORIZED")
	})
}

func TestUpdateOrganization(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Patch Fuel")
		path := "/api/organizations/" + owner.OrgID

		r := e.Must(200, callAPI(t, e, "PATCH", path, owner.Access, map[string]any{
			"name":     "Patch Fuel Ltd",
			"settings": map[string]any{"timeZone": "Africa/Lagos", "locale": "en-NG", "brandColor": "#0a7f3c", "passMark": 75, "autoScheduleAudits": true}}))
		o := decodeJSON[identity.Organization](t, r)
		pass := 75
		want := identity.OrgSettings{TimeZone: "Africa/Lagos", Locale: "en-NG", BrandColor: "#0a7f3c", PassMark: &pass, AutoSchedule: true}
		if o.Name != "Patch Fuel Ltd" || !cmp.Equal(o.Settings, want) || o.Plan != "free" {
			t.Errorf("patched organization: %s", r.Body)
		}
		got := decodeJSON[identity.Organization](t, e.Must(200, callAPI(t, e, "GET", path, owner.Access, nil)))
		if diff := cmp.Diff(o, got); diff != "" {
			t.Errorf("GET after PATCH (-patch +get):\n%s", diff)
		}
		// Only what is sent changes.
		got = decodeJSON[identity.Organization](t, e.Must(200, callAPI(t, e, "PATCH", path, owner.Access, map[string]any{"name": "Patch Fuel Group"})))
		if got.Name != "Patch Fuel Group" || !cmp.Equal(got.Settings, want) {
			t.Errorf("a name-only patch changed the settings: %+v", got)
		}

		for _, c := range []struct {
			name  string
			body  any
			field string
		}{
			{"unknown time zone", map[string]any{"settings": map[string]any{"timeZone": "Mars/Olympus_Mons"}}, "settings.timeZone"},
			{"bad brand colour", map[string]any{"settings": map[string]any{"brandColor": "green"}}, "settings.brandColor"},
			{"pass mark out of range", map[string]any{"settings": map[string]any{"passMark": 101}}, "settings.passMark"},
			{"name too short", map[string]any{"name": "P"}, "name"},
			{"name only spaces", map[string]any{"name": "    "}, "name"},
			{"plan is not self-service", map[string]any{"plan": "enterprise"}, "plan"},
			{"plan beside a valid name", map[string]any{"name": "Patch Fuel", "plan": "enterprise"}, "plan"},
			{"status is not editable", map[string]any{"status": "active"}, "status"},
			{"unknown top-level field", map[string]any{"nmae": "Typo Fuel"}, "nmae"},
			{"unknown settings field", map[string]any{"settings": map[string]any{"timezone": "Europe/London"}}, "settings.timezone"},
			{"name of the wrong type", map[string]any{"name": 42}, "name"},
			{"settings of the wrong type", map[string]any{"settings": "dark"}, "settings"},
			{"pass mark of the wrong type", map[string]any{"settings": map[string]any{"passMark": "high"}}, "settings.passMark"},
			{"flag of the wrong type", map[string]any{"settings": map[string]any{"autoScheduleAudits": "yes"}}, "settings.autoScheduleAudits"},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantField(t, callAPI(t, e, "PATCH", path, owner.Access, c.body), c.field)
			})
		}
		wantProblem(t, callAPI(t, e, "PATCH", path, owner.Access, `{"name": "Broken`), 400, "")
		wantProblem(t, callAPI(t, e, "PATCH", path, owner.Access, `[1, 2]`), 400, "")

		// Nothing refused was stored; the plan in particular is unchanged.
		after := decodeJSON[identity.Organization](t, e.Must(200, callAPI(t, e, "GET", path, owner.Access, nil)))
		if diff := cmp.Diff(got, after); diff != "" {
			t.Errorf("refused patches changed the organization (-before +after):\n%s", diff)
		}

		// A viewer reads but cannot change the organization.
		viewer := e.Invite(owner, "sys-viewer", nil)
		e.Must(200, callAPI(t, e, "GET", path, viewer.Access, nil))
		wantForbiddenNaming(t, callAPI(t, e, "PATCH", path, viewer.Access, map[string]any{"name": "Viewer Was Here"}), hse.PermOrgUpdate)
		// Another organization's id is not found, even for its owner's peer.
		other := e.Signup("Other Patch Fuel")
		wantProblem(t, callAPI(t, e, "PATCH", "/api/organizations/"+other.OrgID, owner.Access, map[string]any{"name": "Taken Over"}), 404, "NOT_FOUND")
		theirs := decodeJSON[identity.Organization](t, e.Must(200, callAPI(t, e, "GET", "/api/organizations/"+other.OrgID, other.Access, nil)))
		if theirs.Name != "Other Patch Fuel" {
			t.Errorf("other organization renamed: %+v", theirs)
		}
	})
}

// Strict decoding everywhere: unknown fields and wrong types are refused
// with the field named, whichever operation receives them.
func TestRequestBodiesAreStrict(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Strict Fuel")
		for _, c := range []struct {
			name, method, path, token string
			body                      any
			field                     string
		}{
			{"login extra field", "POST", "/api/auth/login", "", map[string]any{"email": owner.Email, "password": owner.Password, "remember": true}, "remember"},
			{"login email as number", "POST", "/api/auth/login", "", map[string]any{"email": 12, "password": "x"}, "email"},
			{"signup extra field", "POST", "/api/auth/signup", "", map[string]any{"organizationName": "X Fuel", "name": "X", "email": newAddress("x"), "password": "purple monkey dishwasher 42", "plan": "enterprise"}, "plan"},
			{"invitation extra field", "POST", "/api/invitations", owner.Access, map[string]any{"email": newAddress("x"), "roleId": "sys-viewer", "permissions": []string{"users:invite"}}, "permissions"},
			{"invitation station ids as string", "POST", "/api/invitations", owner.Access, map[string]any{"email": newAddress("x"), "roleId": "sys-station_manager", "stationIds": "st-1"}, "stationIds"},
			{"role permissions as string", "POST", "/api/roles", owner.Access, map[string]any{"name": "Strings", "permissions": "audits:read"}, "permissions"},
			{"role permission as number", "POST", "/api/roles", owner.Access, map[string]any{"name": "Numbers", "permissions": []any{"audits:read", 7}}, "permissions[1]"},
			{"role system flag", "POST", "/api/roles", owner.Access, map[string]any{"name": "Sneaky", "permissions": []string{}, "system": true}, "system"},
			{"role unknown scope", "POST", "/api/roles", owner.Access, map[string]any{"name": "Galaxy", "permissions": []string{}, "scope": "galaxy"}, "scope"},
			{"member patch extra field", "PATCH", "/api/members/" + owner.UserID, owner.Access, map[string]any{"roleId": "sys-owner", "isOperator": true}, "isOperator"},
			{"switch organization as number", "POST", "/api/auth/switch-organization", owner.Access, map[string]any{"organizationId": 5}, "organizationId"},
			{"accept extra field", "POST", "/api/invitations/accept", "", map[string]any{"token": "hsei_x.y", "roleId": "sys-owner"}, "roleId"},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantField(t, callAPI(t, e, c.method, c.path, c.token, c.body), c.field)
			})
		}
		if rs := listItems[roleItem](t, e.Must(200, callAPI(t, e, "GET", "/api/roles", owner.Access, nil))); len(rs) != len(hse.SystemRoles()) {
			t.Errorf("refused role bodies created roles: %d roles", len(rs))
		}
	})
}

func TestRequestBodyLimit(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.WithEnv("HSE_MAX_BODY_BYTES", "2048"))
		owner := e.Signup("Limit Fuel")
		path := "/api/organizations/" + owner.OrgID
		// Just under the limit is decoded (and then validated).
		small := `{"name": "` + strings.Repeat("n", 1900) + `"}`
		wantField(t, callAPI(t, e, "PATCH", path, owner.Access, small), "name")
		big := `{"name": "Big Fuel", "settings": {"locale": "` + strings.Repeat("x", 3000) + `"}}`
		wantProblem(t, callAPI(t, e, "PATCH", path, owner.Access, big), 413, "")
		wantProblem(t, callAPI(t, e, "POST", "/api/auth/login", "", `{"email": "a@example.com", "password": "`+strings.Repeat("p", 4000)+`"}`), 413, "")
		wantProblem(t, callAPI(t, e, "POST", "/api/roles", owner.Access, map[string]any{"name": "Huge", "description": strings.Repeat("d", 2100), "permissions": []string{}}), 413, "")
		got := decodeJSON[identity.Organization](t, e.Must(200, callAPI(t, e, "GET", path, owner.Access, nil)))
		if got.Name != "Limit Fuel" || got.Settings.Locale != "" {
			t.Errorf("an oversized body changed the organization: %+v", got)
		}
	})
}
