package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/identity"
)

func findMember(t *testing.T, e *apptest.Env, owner *apptest.User, userID string) (memberItem, bool) {
	t.Helper()
	ms := listItems[memberItem](t, e.Must(200, callAPI(t, e, "GET", "/api/members", owner.Access, nil)))
	for _, m := range ms {
		if m.UserID == userID {
			return m, true
		}
	}
	return memberItem{}, false
}

func TestInviteAcceptCreatesVerifiedMember(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Invite Fuel")
		email := newAddress("new")
		invID, token := invite(t, e, owner, email, "sys-auditor", nil, 1)

		// A new address needs a name and a valid password.
		wantField(t, callAPI(t, e, "POST", "/api/invitations/accept", "", map[string]any{"token": token}), "name")
		r := e.Must(200, callAPI(t, e, "POST", "/api/invitations/accept", "", map[string]any{"token": token, "name": "Ada Auditor", "password": "seven green apples falling"}))
		acc := decodeJSON[struct {
			OrganizationID, UserID string
			AccountCreated         bool
		}](t, r)
		if acc.OrganizationID != owner.OrgID || acc.UserID == "" || !acc.AccountCreated {
			t.Errorf("accept: %s", r.Body)
		}

		// The link proved the address: the account is verified and can log in
		// straight away, acting in the inviting organization as an auditor.
		u := &apptest.User{Email: email, Password: "seven green apples falling"}
		e.Login(u)
		if u.OrgID != owner.OrgID || u.UserID != acc.UserID {
			t.Errorf("login after accepting: org %s user %s, want %s %s", u.OrgID, u.UserID, owner.OrgID, acc.UserID)
		}
		pv := decodeJSON[permissionsView](t, e.Must(200, callAPI(t, e, "GET", "/api/auth/me/permissions", u.Access, nil)))
		if pv.RoleID != "sys-auditor" || pv.OrganizationID != owner.OrgID {
			t.Errorf("permissions of the new member: %+v", pv)
		}
		m, ok := findMember(t, e, owner, acc.UserID)
		if !ok || !m.EmailVerified || m.RoleID != "sys-auditor" || !strings.EqualFold(m.Email, email) {
			t.Errorf("member listing: %+v (found %v)", m, ok)
		}
		invs := listItems[invitationItem](t, e.Must(200, callAPI(t, e, "GET", "/api/invitations", owner.Access, nil)))
		if i := slices.IndexFunc(invs, func(i invitationItem) bool { return i.ID == invID }); i < 0 || invs[i].Status != "accepted" {
			t.Errorf("invitation after accepting: %+v", invs)
		}

		// Single use: the same link again is refused.
		wantField(t, callAPI(t, e, "POST", "/api/invitations/accept", "", map[string]any{"token": token, "name": "Ada", "password": "another long passphrase 9"}), "token")
		// Inviting someone who is already a member is a conflict.
		wantProblem(t, callAPI(t, e, "POST", "/api/invitations", owner.Access, map[string]any{"email": email, "roleId": "sys-viewer"}), 409, "ALREADY_MEMBER")
		// A token for another organization, or a mangled one, is invalid.
		other := strings.Replace(token, owner.OrgID, "00000000-0000-0000-0000-000000000000", 1)
		wantField(t, callAPI(t, e, "POST", "/api/invitations/accept", "", map[string]any{"token": other}), "token")
		wantField(t, callAPI(t, e, "POST", "/api/invitations/accept", "", map[string]any{"token": "hsei_garbage"}), "token")
	})
}

func TestInviteExistingUserLinksAndSwitches(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		alpha := e.Signup("Alpha Fuel")
		beta := e.Signup("Beta Fuel")

		_, token := invite(t, e, alpha, beta.Email, "sys-viewer", nil, 1)
		// An existing account needs no name or password: it is linked.
		r := e.Must(200, callAPI(t, e, "POST", "/api/invitations/accept", "", map[string]any{"token": token}))
		acc := decodeJSON[struct {
			UserID         string
			AccountCreated bool
		}](t, r)
		if acc.AccountCreated || acc.UserID != beta.UserID {
			t.Errorf("accepting as an existing user: %s", r.Body)
		}

		// Beta's owner now sees both organizations with their role in each.
		orgs := listItems[orgItem](t, e.Must(200, callAPI(t, e, "GET", "/api/organizations", beta.Access, nil)))
		got := map[string]string{}
		for _, o := range orgs {
			got[o.ID] = o.RoleID
		}
		if diff := cmp.Diff(map[string]string{alpha.OrgID: "sys-viewer", beta.OrgID: "sys-owner"}, got); diff != "" {
			t.Errorf("organizations of the linked user (-want +got):\n%s", diff)
		}

		// The token acts in Beta only; Alpha is not found with it.
		wantProblem(t, callAPI(t, e, "GET", "/api/organizations/"+alpha.OrgID, beta.Access, nil), 404, "NOT_FOUND")
		e.Must(200, callAPI(t, e, "GET", "/api/organizations/"+beta.OrgID, beta.Access, nil))

		r = e.Must(200, callAPI(t, e, "POST", "/api/auth/switch-organization", beta.Access, map[string]any{"organizationId": alpha.OrgID}))
		sw := decodeJSON[tokenPair](t, r)
		if sw.OrganizationID != alpha.OrgID || sw.AccessToken == "" || sw.AccessToken == beta.Access {
			t.Fatalf("switch: %s", r.Body)
		}
		o := decodeJSON[identity.Organization](t, e.Must(200, callAPI(t, e, "GET", "/api/organizations/"+alpha.OrgID, sw.AccessToken, nil)))
		if o.Name != "Alpha Fuel" {
			t.Errorf("organization after switching: %+v", o)
		}
		wantProblem(t, callAPI(t, e, "GET", "/api/organizations/"+beta.OrgID, sw.AccessToken, nil), 404, "NOT_FOUND")
		pv := decodeJSON[permissionsView](t, e.Must(200, callAPI(t, e, "GET", "/api/auth/me/permissions", sw.AccessToken, nil)))
		if pv.OrganizationID != alpha.OrgID || pv.RoleID != "sys-viewer" {
			t.Errorf("permissions after switching: %+v", pv)
		}
		// As a viewer in Alpha, Beta's owner cannot read Alpha's members.
		wantForbiddenNaming(t, callAPI(t, e, "GET", "/api/members", sw.AccessToken, nil), hse.PermUsersRead)

		// Switching into an organization one does not belong to is not found.
		gamma := e.Signup("Gamma Fuel")
		wantProblem(t, callAPI(t, e, "POST", "/api/auth/switch-organization", beta.Access, map[string]any{"organizationId": gamma.OrgID}), 404, "NOT_FOUND")
	})
}

func TestInvitationExpiresAndCanBeRevoked(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clk := apptest.NewClock(time.Now().UTC())
		e := apptest.New(t, engine, apptest.WithNow(clk.Now))
		owner := e.Signup("Expiry Fuel")
		accept := func(token string) *apptest.Response {
			return callAPI(t, e, "POST", "/api/invitations/accept", "", map[string]any{"token": token, "name": "Late Larry", "password": "seven green apples falling"})
		}

		// Revoked: the link stops working at once.
		revoked := newAddress("revoked")
		id, token := invite(t, e, owner, revoked, "sys-viewer", nil, 1)
		e.Must(204, callAPI(t, e, "DELETE", "/api/invitations/"+id, owner.Access, nil))
		wantField(t, accept(token), "token")
		wantProblem(t, callAPI(t, e, "DELETE", "/api/invitations/"+id, owner.Access, nil), 404, "NOT_FOUND")
		invs := listItems[invitationItem](t, e.Must(200, callAPI(t, e, "GET", "/api/invitations", owner.Access, nil)))
		if i := slices.IndexFunc(invs, func(i invitationItem) bool { return i.ID == id }); i < 0 || invs[i].Status != "revoked" {
			t.Errorf("revoked invitation listed as %+v", invs)
		}

		// Expired: valid just before seven days, refused after.
		_, token = invite(t, e, owner, newAddress("late"), "sys-viewer", nil, 1)
		_, fresh := invite(t, e, owner, newAddress("ontime"), "sys-viewer", nil, 1)
		clk.Advance(identity.InvitationTTL - time.Minute)
		e.Must(200, accept(fresh))
		clk.Advance(2 * time.Minute)
		wantField(t, accept(token), "token")
	})
}

func TestRoleEscalationIsImpossible(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Escalation Fuel")
		admin := e.Invite(owner, "sys-admin", nil)
		cm := e.Invite(owner, "sys-compliance_manager", nil)

		// An admin lacks organization:billing, so cannot hand out Owner.
		wantProblem(t, callAPI(t, e, "POST", "/api/invitations", admin.Access, map[string]any{"email": newAddress("x"), "roleId": "sys-owner"}), 403, "ROLE_ABOVE_YOUR_OWN")
		wantProblem(t, callAPI(t, e, "PATCH", "/api/members/"+cm.UserID, admin.Access, map[string]any{"roleId": "sys-owner"}), 403, "ROLE_ABOVE_YOUR_OWN")
		wantProblem(t, callAPI(t, e, "PATCH", "/api/members/"+admin.UserID, admin.Access, map[string]any{"roleId": "sys-owner"}), 403, "ROLE_ABOVE_YOUR_OWN")
		// ...nor touch the owner, whose role grants more than theirs.
		wantProblem(t, callAPI(t, e, "PATCH", "/api/members/"+owner.UserID, admin.Access, map[string]any{"roleId": "sys-viewer"}), 403, "ROLE_ABOVE_YOUR_OWN")
		wantProblem(t, callAPI(t, e, "DELETE", "/api/members/"+owner.UserID, admin.Access, nil), 403, "ROLE_ABOVE_YOUR_OWN")
		// ...nor make a role with billing in it.
		wantProblem(t, callAPI(t, e, "POST", "/api/roles", admin.Access, map[string]any{"name": "Billing clerk", "permissions": []string{"organization:read", "organization:billing"}}), 403, "ROLE_ABOVE_YOUR_OWN")
		// Within their own powers an admin may manage members.
		e.Must(200, callAPI(t, e, "PATCH", "/api/members/"+cm.UserID, admin.Access, map[string]any{"roleId": "sys-auditor"}))
		e.Must(200, callAPI(t, e, "PATCH", "/api/members/"+cm.UserID, admin.Access, map[string]any{"roleId": "sys-compliance_manager"}))

		// A compliance manager has no users:invite, users:update or
		// roles:manage at all, and each refusal names the permission.
		wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/invitations", cm.Access, map[string]any{"email": newAddress("y"), "roleId": "sys-viewer"}), hse.PermUsersInvite)
		wantForbiddenNaming(t, callAPI(t, e, "PATCH", "/api/members/"+admin.UserID, cm.Access, map[string]any{"roleId": "sys-viewer"}), hse.PermUsersUpdate)
		wantForbiddenNaming(t, callAPI(t, e, "PATCH", "/api/members/"+cm.UserID, cm.Access, map[string]any{"roleId": "sys-admin"}), hse.PermUsersUpdate)
		wantForbiddenNaming(t, callAPI(t, e, "DELETE", "/api/members/"+admin.UserID, cm.Access, nil), hse.PermUsersRemove)
		wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/roles", cm.Access, map[string]any{"name": "User admins", "permissions": []string{"users:read", "users:invite", "users:update", "users:remove"}}), hse.PermRolesManage)
		if _, ok := findMember(t, e, owner, cm.UserID); !ok {
			t.Fatal("compliance manager missing")
		}

		// A member whose custom role may manage roles still cannot grant
		// what that role lacks, by creating or by updating a role.
		rm := decodeJSON[roleItem](t, e.Must(201, callAPI(t, e, "POST", "/api/roles", owner.Access, map[string]any{
			"name": "Role steward", "permissions": []string{"roles:read", "roles:manage", "users:read", "audits:read"}})))
		steward := e.Invite(owner, rm.ID, nil)
		sub := decodeJSON[roleItem](t, e.Must(201, callAPI(t, e, "POST", "/api/roles", steward.Access, map[string]any{"name": "Audit readers", "permissions": []string{"audits:read"}})))
		wantProblem(t, callAPI(t, e, "POST", "/api/roles", steward.Access, map[string]any{"name": "Audit planners", "permissions": []string{"audits:read", "audits:schedule"}}), 403, "ROLE_ABOVE_YOUR_OWN")
		wantProblem(t, callAPI(t, e, "PUT", "/api/roles/"+sub.ID, steward.Access, map[string]any{"name": "Audit readers", "permissions": []string{"audits:read", "audits:schedule"}}), 403, "ROLE_ABOVE_YOUR_OWN")
		wantProblem(t, callAPI(t, e, "PUT", "/api/roles/"+rm.ID, steward.Access, map[string]any{"name": "Role steward", "permissions": []string{"roles:read", "roles:manage", "users:read", "audits:read", "users:invite"}}), 403, "ROLE_ABOVE_YOUR_OWN")
		// A role the steward does not fully hold cannot be edited down
		// either: that would change what its holders may do.
		wide := decodeJSON[roleItem](t, e.Must(201, callAPI(t, e, "POST", "/api/roles", owner.Access, map[string]any{"name": "Wide", "permissions": []string{"audits:read", "audits:schedule"}})))
		wantProblem(t, callAPI(t, e, "PUT", "/api/roles/"+wide.ID, steward.Access, map[string]any{"name": "Wide", "permissions": []string{"audits:read"}}), 403, "ROLE_ABOVE_YOUR_OWN")
		got := decodeJSON[roleItem](t, e.Must(200, callAPI(t, e, "GET", "/api/roles/"+sub.ID, owner.Access, nil)))
		if diff := cmp.Diff([]string{"audits:read"}, permSet(got.Permissions)); diff != "" {
			t.Errorf("a refused update changed the role (-want +got):\n%s", diff)
		}
		// The refusals left everyone's role as it was.
		for _, u := range []struct {
			u    *apptest.User
			role string
		}{{owner, "sys-owner"}, {admin, "sys-admin"}, {cm, "sys-compliance_manager"}, {steward, rm.ID}} {
			pv := decodeJSON[permissionsView](t, e.Must(200, callAPI(t, e, "GET", "/api/auth/me/permissions", u.u.Access, nil)))
			if pv.RoleID != u.role {
				t.Errorf("%s has role %s, want %s", u.u.Email, pv.RoleID, u.role)
			}
		}
	})
}

func TestLastOwnerStays(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Owner Fuel")
		wantProblem(t, callAPI(t, e, "PATCH", "/api/members/"+owner.UserID, owner.Access, map[string]any{"roleId": "sys-admin"}), 409, "LAST_OWNER")
		wantProblem(t, callAPI(t, e, "DELETE", "/api/members/"+owner.UserID, owner.Access, nil), 409, "LAST_OWNER")

		// With two owners, one can be demoted; then the other is last again.
		second := e.Invite(owner, "sys-owner", nil)
		e.Must(200, callAPI(t, e, "PATCH", "/api/members/"+owner.UserID, second.Access, map[string]any{"roleId": "sys-admin"}))
		pv := decodeJSON[permissionsView](t, e.Must(200, callAPI(t, e, "GET", "/api/auth/me/permissions", owner.Access, nil)))
		if pv.RoleID != "sys-admin" || slices.Contains(pv.Permissions, hse.PermOrgBilling) {
			t.Errorf("demoted owner's token still carries %+v", pv)
		}
		wantProblem(t, callAPI(t, e, "PATCH", "/api/members/"+second.UserID, second.Access, map[string]any{"roleId": "sys-admin"}), 409, "LAST_OWNER")
		wantProblem(t, callAPI(t, e, "DELETE", "/api/members/"+second.UserID, second.Access, nil), 409, "LAST_OWNER")
		// Promoting back gives two owners, and then one may leave.
		e.Must(200, callAPI(t, e, "PATCH", "/api/members/"+owner.UserID, second.Access, map[string]any{"roleId": "sys-owner"}))
		e.Must(204, callAPI(t, e, "DELETE", "/api/members/"+second.UserID, second.Access, nil))
		if _, ok := findMember(t, e, owner, second.UserID); ok {
			t.Error("the owner who left is still listed")
		}
	})
}

func TestRemovedMemberLosesAccessButKeepsAccount(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Removal Fuel")
		viewer := e.Invite(owner, "sys-viewer", nil)
		e.Must(200, callAPI(t, e, "GET", "/api/organizations/"+owner.OrgID, viewer.Access, nil))

		e.Must(204, callAPI(t, e, "DELETE", "/api/members/"+viewer.UserID, owner.Access, nil))
		wantProblem(t, callAPI(t, e, "GET", "/api/organizations/"+owner.OrgID, viewer.Access, nil), 401, "NOT_A_MEMBER")
		wantProblem(t, callAPI(t, e, "GET", "/api/auth/me", viewer.Access, nil), 401, "NOT_A_MEMBER")
		// Refreshing does not bring the membership back.
		wantProblem(t, callAPI(t, e, "POST", "/api/auth/refresh", "", map[string]any{"refreshToken": viewer.Refresh}), 401, "NOT_A_MEMBER")
		if _, ok := findMember(t, e, owner, viewer.UserID); ok {
			t.Error("removed member still listed")
		}
		wantProblem(t, callAPI(t, e, "DELETE", "/api/members/"+viewer.UserID, owner.Access, nil), 404, "NOT_FOUND")

		// The account itself still logs in, into no organization.
		r := e.Must(200, callAPI(t, e, "POST", "/api/auth/login", "", map[string]any{"email": viewer.Email, "password": viewer.Password}))
		tp := decodeJSON[tokenPair](t, r)
		if tp.OrganizationID != "" || len(tp.Organizations) != 0 || tp.User.ID != viewer.UserID {
			t.Errorf("login after removal: %s", r.Body)
		}
		e.Must(200, callAPI(t, e, "GET", "/api/auth/me", tp.AccessToken, nil))
		wantProblem(t, callAPI(t, e, "GET", "/api/organizations/"+owner.OrgID, tp.AccessToken, nil), 404, "NOT_FOUND")
	})
}

func TestScopedRoleInvitations(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Scope Fuel")
		wantField(t, callAPI(t, e, "POST", "/api/invitations", owner.Access, map[string]any{"email": newAddress("sm"), "roleId": "sys-station_manager"}), "stationIds")
		wantField(t, callAPI(t, e, "POST", "/api/invitations", owner.Access, map[string]any{"email": newAddress("sm"), "roleId": "sys-station_manager", "stationIds": []string{}}), "stationIds")
		wantField(t, callAPI(t, e, "POST", "/api/invitations", owner.Access, map[string]any{"email": newAddress("co"), "roleId": "sys-contractor"}), "contractorId")
		wantField(t, callAPI(t, e, "POST", "/api/invitations", owner.Access, map[string]any{"email": newAddress("zz"), "roleId": "no-such-role"}), "roleId")

		stations := []string{"st-north", "st-south"}
		sm := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": stations})
		pv := decodeJSON[permissionsView](t, e.Must(200, callAPI(t, e, "GET", "/api/auth/me/permissions", sm.Access, nil)))
		if diff := cmp.Diff(hse.Scope{Kind: hse.ScopeStations, StationIDs: stations}, pv.Scope); diff != "" {
			t.Errorf("station manager scope (-want +got):\n%s", diff)
		}
		if pv.Role != "Station Manager" || !slices.Contains(pv.Permissions, "permits:request") {
			t.Errorf("station manager permissions: %+v", pv)
		}

		co := e.Invite(owner, "sys-contractor", map[string]any{"contractorId": "ctr-sparks", "stationIds": []string{"st-north"}})
		pv = decodeJSON[permissionsView](t, e.Must(200, callAPI(t, e, "GET", "/api/auth/me/permissions", co.Access, nil)))
		if diff := cmp.Diff(hse.Scope{Kind: hse.ScopeContractor, ContractorID: "ctr-sparks"}, pv.Scope); diff != "" {
			t.Errorf("contractor scope (-want +got):\n%s", diff)
		}
		// An organization-wide role carries no station list.
		pv = decodeJSON[permissionsView](t, e.Must(200, callAPI(t, e, "GET", "/api/auth/me/permissions", owner.Access, nil)))
		if pv.Scope.Kind != hse.ScopeOrganization || len(pv.Scope.StationIDs) != 0 {
			t.Errorf("owner scope: %+v", pv.Scope)
		}

		// Changing the scope takes effect on the next request.
		e.Must(200, callAPI(t, e, "PATCH", "/api/members/"+sm.UserID, owner.Access, map[string]any{"roleId": "sys-station_manager", "stationIds": []string{"st-east"}}))
		pv = decodeJSON[permissionsView](t, e.Must(200, callAPI(t, e, "GET", "/api/auth/me/permissions", sm.Access, nil)))
		if diff := cmp.Diff([]string{"st-east"}, pv.Scope.StationIDs); diff != "" {
			t.Errorf("stations after the change (-want +got):\n%s", diff)
		}
		wantField(t, callAPI(t, e, "PATCH", "/api/members/"+sm.UserID, owner.Access, map[string]any{"roleId": "sys-station_manager"}), "stationIds")
	})
}

func TestCustomRoleCRUD(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Roles Fuel")

		r := e.Must(201, callAPI(t, e, "POST", "/api/roles", owner.Access, map[string]any{
			"name": "Safety officer", "description": "Reports and investigates", "permissions": []string{"incidents:read", "incidents:report"}}))
		created := decodeJSON[roleItem](t, r)
		if created.ID == "" || created.System || created.Scope != hse.ScopeOrganization || created.Name != "Safety officer" {
			t.Errorf("created role: %s", r.Body)
		}
		got := decodeJSON[roleItem](t, e.Must(200, callAPI(t, e, "GET", "/api/roles/"+created.ID, owner.Access, nil)))
		if diff := cmp.Diff(created, got); diff != "" {
			t.Errorf("get after create (-created +got):\n%s", diff)
		}
		wantProblem(t, callAPI(t, e, "POST", "/api/roles", owner.Access, map[string]any{"name": "Safety officer", "permissions": []string{}}), 409, "")
		wantField(t, callAPI(t, e, "POST", "/api/roles", owner.Access, map[string]any{"name": "Bogus", "permissions": []string{"incidents:read", "incidents:teleport"}}), "permissions[1]")

		r = e.Must(200, callAPI(t, e, "PUT", "/api/roles/"+created.ID, owner.Access, map[string]any{
			"name": "Site safety officer", "scope": "stations", "permissions": []string{"incidents:read", "incidents:report", "incidents:investigate"}}))
		got = decodeJSON[roleItem](t, e.Must(200, callAPI(t, e, "GET", "/api/roles/"+created.ID, owner.Access, nil)))
		if got.Name != "Site safety officer" || got.Scope != hse.ScopeStations || got.Description != "" ||
			!cmp.Equal(permSet(got.Permissions), []string{"incidents:investigate", "incidents:read", "incidents:report"}) {
			t.Errorf("after update: %+v", got)
		}
		all := listItems[roleItem](t, e.Must(200, callAPI(t, e, "GET", "/api/roles", owner.Access, nil)))
		if _, ok := findRole(all, created.ID); !ok || len(all) != len(hse.SystemRoles())+1 {
			t.Errorf("role list has %d roles, want the %d system roles and the custom one", len(all), len(hse.SystemRoles()))
		}

		// System roles are fixed.
		wantProblem(t, callAPI(t, e, "PUT", "/api/roles/sys-viewer", owner.Access, map[string]any{"name": "Viewer", "permissions": []string{"organization:read"}}), 409, "SYSTEM_ROLE")
		wantProblem(t, callAPI(t, e, "DELETE", "/api/roles/sys-viewer", owner.Access, nil), 409, "SYSTEM_ROLE")
		wantProblem(t, callAPI(t, e, "DELETE", "/api/roles/sys-owner", owner.Access, nil), 409, "SYSTEM_ROLE")

		// A role held by a member, or offered by a pending invitation, stays.
		holder := e.Invite(owner, created.ID, map[string]any{"stationIds": []string{"st-1"}})
		wantProblem(t, callAPI(t, e, "DELETE", "/api/roles/"+created.ID, owner.Access, nil), 409, "ROLE_IN_USE")
		e.Must(200, callAPI(t, e, "PATCH", "/api/members/"+holder.UserID, owner.Access, map[string]any{"roleId": "sys-viewer"}))
		invID, _ := invite(t, e, owner, newAddress("pending"), created.ID, map[string]any{"stationIds": []string{"st-1"}}, 1)
		wantProblem(t, callAPI(t, e, "DELETE", "/api/roles/"+created.ID, owner.Access, nil), 409, "ROLE_IN_USE")
		// Once nobody uses it (the accepted and the revoked invitations
		// are history), it can be deleted.
		e.Must(204, callAPI(t, e, "DELETE", "/api/invitations/"+invID, owner.Access, nil))
		e.Must(204, callAPI(t, e, "DELETE", "/api/roles/"+created.ID, owner.Access, nil))
		wantProblem(t, callAPI(t, e, "GET", "/api/roles/"+created.ID, owner.Access, nil), 404, "NOT_FOUND")
		wantProblem(t, callAPI(t, e, "DELETE", "/api/roles/"+created.ID, owner.Access, nil), 404, "NOT_FOUND")

		// Another organization's role ids mean nothing here.
		other := e.Signup("Other Roles Fuel")
		theirs := decodeJSON[roleItem](t, e.Must(201, callAPI(t, e, "POST", "/api/roles", other.Access, map[string]any{"name": "Theirs", "permissions": []string{"audits:read"}})))
		wantProblem(t, callAPI(t, e, "GET", "/api/roles/"+theirs.ID, owner.Access, nil), 404, "NOT_FOUND")
		wantProblem(t, callAPI(t, e, "DELETE", "/api/roles/"+theirs.ID, owner.Access, nil), 404, "NOT_FOUND")
		wantField(t, callAPI(t, e, "POST", "/api/invitations", owner.Access, map[string]any{"email": newAddress("x"), "roleId": theirs.ID}), "roleId")
	})
}

// matrix is the permission table of DOMAIN.md, cell by cell as written
// there; "(own)" remarks are scopes, not separate permissions. Columns:
// Owner/Admin, Compliance Manager, Auditor, Station Manager, Contractor,
// Viewer.
var matrix = []struct {
	resource string
	actions  string
	cells    [6]string
}{
	{"organization", "read, update, billing", [6]string{"all (billing: Owner)", "read", "read", "read", "read", "read"}},
	{"users", "read, invite, update, remove", [6]string{"all", "read", "—", "—", "—", "—"}},
	{"roles", "read, manage", [6]string{"all", "read", "—", "—", "—", "—"}},
	{"stations", "read, create, update, delete", [6]string{"all", "read, create, update", "read", "read (own)", "read (own permits' stations)", "read"}},
	{"contractors", "read, create, update, delete", [6]string{"all", "all but delete", "read", "read", "read (own company)", "read"}},
	{"forms", "read, create, update, publish", [6]string{"all", "all", "read", "read", "—", "read"}},
	{"audits", "read, schedule, conduct, review, cancel", [6]string{"all", "all", "read, conduct (assigned)", "read (own stations)", "—", "read"}},
	{"incidents", "read, report, investigate, close", [6]string{"all", "all", "read, report", "read, report, investigate (own stations)", "report", "read"}},
	{"actions", "read, create, update, complete, verify", [6]string{"all", "all", "read, create", "read, complete (assigned)", "read, complete (assigned)", "read"}},
	{"permits", "read, request, approve, activate, close, gas_test, configure", [6]string{"all", "read, approve, close, gas_test, configure", "read",
		"read, request, activate, close, gas_test (own stations)", "read, request (own company)", "read"}},
	{"reports", "read, generate", [6]string{"all", "all", "read, generate", "read", "—", "read"}},
	{"audit_log", "read", [6]string{"all", "read", "—", "—", "—", "—"}},
}

// matrixPermissions reads the table above for one system role.
func matrixPermissions(t *testing.T, role string) []string {
	t.Helper()
	col := map[string]int{"owner": 0, "admin": 0, "compliance_manager": 1, "auditor": 2, "station_manager": 3, "contractor": 4, "viewer": 5}[role]
	var out []string
	split := func(s string) []string {
		var xs []string
		for _, x := range strings.Split(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				xs = append(xs, x)
			}
		}
		return xs
	}
	for _, row := range matrix {
		actions := split(row.actions)
		cell := row.cells[col]
		var granted []string
		switch {
		case cell == "—":
		case cell == "all (billing: Owner)":
			for _, a := range actions {
				if a != "billing" || role == "owner" {
					granted = append(granted, a)
				}
			}
		case cell == "all":
			granted = actions
		case strings.HasPrefix(cell, "all but "):
			but := strings.TrimPrefix(cell, "all but ")
			granted = slices.DeleteFunc(slices.Clone(actions), func(a string) bool { return a == but })
		default:
			for _, a := range split(cell) {
				a, _, _ = strings.Cut(a, " (")
				if !slices.Contains(actions, a) {
					t.Fatalf("matrix cell %q of %s names unknown action %q", cell, row.resource, a)
				}
				granted = append(granted, a)
			}
		}
		for _, a := range granted {
			out = append(out, row.resource+":"+a)
		}
	}
	slices.Sort(out)
	return out
}

func TestSystemRolesFollowTheMatrix(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Matrix Fuel")
		roles := listItems[roleItem](t, e.Must(200, callAPI(t, e, "GET", "/api/roles", owner.Access, nil)))
		if len(roles) != len(hse.SystemRoles()) {
			t.Errorf("a new organization has %d roles, want %d", len(roles), len(hse.SystemRoles()))
		}
		for _, tpl := range hse.SystemRoles() {
			r, ok := findRole(roles, hse.SystemRoleID(tpl.Key))
			if !ok {
				t.Errorf("system role %s missing", tpl.Key)
				continue
			}
			if !r.System || r.Name != tpl.Name || r.Scope != tpl.Scope {
				t.Errorf("role %s: %+v, want name %q scope %q system", tpl.Key, r, tpl.Name, tpl.Scope)
			}
			if diff := cmp.Diff(permSet(tpl.Permissions), permSet(r.Permissions)); diff != "" {
				t.Errorf("role %s in the API differs from hse.SystemRoles (-code +api):\n%s", tpl.Key, diff)
			}
			if diff := cmp.Diff(matrixPermissions(t, tpl.Key), permSet(r.Permissions)); diff != "" {
				t.Errorf("role %s differs from the DOMAIN.md matrix (-matrix +api):\n%s", tpl.Key, diff)
			}
		}
		scopes := map[string]string{}
		for _, r := range roles {
			scopes[r.ID] = r.Scope
		}
		if scopes["sys-station_manager"] != hse.ScopeStations || scopes["sys-contractor"] != hse.ScopeContractor || scopes["sys-auditor"] != hse.ScopeOrganization {
			t.Errorf("role scopes: %v", scopes)
		}

		// Spot checks, straight from the table.
		perms := func(id string) []hse.Permission {
			r, _ := findRole(roles, id)
			return r.Permissions
		}
		has := func(id string, p hse.Permission) bool { return slices.Contains(perms(id), p) }
		checks := []struct {
			role string
			perm hse.Permission
			want bool
		}{
			{"sys-auditor", "audits:conduct", true},
			{"sys-auditor", "audits:schedule", false},
			{"sys-auditor", "reports:generate", true},
			{"sys-station_manager", "permits:request", true},
			{"sys-station_manager", "permits:approve", false},
			{"sys-station_manager", "incidents:investigate", true},
			{"sys-compliance_manager", "contractors:delete", false},
			{"sys-compliance_manager", "contractors:update", true},
			{"sys-compliance_manager", "users:invite", false},
			{"sys-compliance_manager", "permits:request", false},
			{"sys-contractor", "incidents:read", false},
			{"sys-contractor", "incidents:report", true},
			{"sys-contractor", "forms:read", false},
			{"sys-admin", "roles:manage", true},
			{"sys-admin", "organization:billing", false},
			{"sys-owner", "organization:billing", true},
		}
		for _, c := range checks {
			if has(c.role, c.perm) != c.want {
				t.Errorf("%s has %s: %v, want %v", c.role, c.perm, !c.want, c.want)
			}
		}
		for _, r := range roles {
			if r.ID != "sys-owner" && slices.Contains(r.Permissions, hse.PermOrgBilling) {
				t.Errorf("%s has organization:billing; only the owner may", r.ID)
			}
		}
		for _, p := range perms("sys-viewer") {
			if _, action, _ := strings.Cut(string(p), ":"); action != "read" {
				t.Errorf("viewer has write permission %s", p)
			}
		}
		if n := len(perms("sys-owner")); n != len(hse.AllPermissions()) {
			t.Errorf("owner has %d permissions, want all %d", n, len(hse.AllPermissions()))
		}
	})
}
