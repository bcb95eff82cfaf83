package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/identity"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// platformAudit returns the actions recorded about entityID, across every
// organization and outside any (operator commands have none).
func platformAudit(t *testing.T, e *apptest.Env, entityID string) []hse.AuditEntry {
	t.Helper()
	ctx := context.Background()
	var out []hse.AuditEntry
	err := e.App.DB.InTx(ctx, sqlstore.Scope{Platform: true, ReadOnly: true}, func(tx *sqlstore.Tx) error {
		rows, err := tx.Query(ctx, `SELECT COALESCE(organization_id, ''), COALESCE(actor_user_id, ''), actor_email, action, entity_type FROM audit_log WHERE entity_id = ? ORDER BY id`, entityID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var en hse.AuditEntry
			if err := rows.Scan(&en.OrgID, &en.ActorUserID, &en.ActorEmail, &en.Action, &en.EntityType); err != nil {
				return err
			}
			out = append(out, en)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hasAction(es []hse.AuditEntry, action string) bool {
	for _, en := range es {
		if en.Action == action {
			return true
		}
	}
	return false
}

func login(t *testing.T, e *apptest.Env, email, password string) *apptest.Response {
	t.Helper()
	return callAPI(t, e, "POST", "/api/auth/login", "", map[string]any{"email": email, "password": password})
}

func TestCreateOperator(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		ctx := context.Background()
		email := newAddress("ops")
		pw, created, err := e.App.Identity.CreateOperator(ctx, "  "+strings.ToUpper(email)+" ")
		if err != nil || !created || len(pw) < 16 {
			t.Fatalf("CreateOperator: created %v, password of %d characters, %v", created, len(pw), err)
		}
		r := e.Must(200, login(t, e, email, pw))
		tp := decodeJSON[tokenPair](t, r)
		if !tp.User.PlatformOperator || !tp.User.EmailVerified || tp.OrganizationID != "" || len(tp.Organizations) != 0 || tp.User.Email != email {
			t.Errorf("operator login: %s", r.Body)
		}
		if !hasAction(platformAudit(t, e, tp.User.ID), "admin.operator_granted") {
			t.Error("creating an operator is not audited")
		}

		// Again: nothing created, no new password, the old one still works.
		pw2, created, err := e.App.Identity.CreateOperator(ctx, email)
		if err != nil || created || pw2 != "" {
			t.Errorf("CreateOperator again: %q, %v, %v", pw2, created, err)
		}
		e.Must(200, login(t, e, email, pw))

		// An existing tenant user keeps their password and memberships.
		owner := e.Signup("Operator Home Fuel")
		if _, created, err := e.App.Identity.CreateOperator(ctx, owner.Email); err != nil || created {
			t.Fatalf("CreateOperator for an existing user: %v, %v", created, err)
		}
		tp = decodeJSON[tokenPair](t, e.Must(200, login(t, e, owner.Email, owner.Password)))
		if !tp.User.PlatformOperator || tp.OrganizationID != owner.OrgID {
			t.Errorf("existing user after CreateOperator: operator %v org %s", tp.User.PlatformOperator, tp.OrganizationID)
		}

		if _, _, err := e.App.Identity.CreateOperator(ctx, "not an address"); hse.KindOf(err) != hse.KindInvalid {
			t.Errorf("CreateOperator with a bad address: %v", err)
		}
	})
}

func TestAdminResetPassword(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		ctx := context.Background()
		owner := e.Signup("Reset Fuel")
		pw, err := e.App.Identity.AdminResetPassword(ctx, strings.ToUpper(owner.Email))
		if err != nil || len(pw) < 16 || pw == owner.Password {
			t.Fatalf("AdminResetPassword: %q, %v", pw, err)
		}
		// Every session ended; the old password is gone; the new one works.
		wantProblem(t, callAPI(t, e, "GET", "/api/auth/me", owner.Access, nil), 401, "SESSION_REVOKED")
		wantProblem(t, callAPI(t, e, "POST", "/api/auth/refresh", "", map[string]any{"refreshToken": owner.Refresh}), 401, "REFRESH_TOKEN_INVALID")
		wantProblem(t, login(t, e, owner.Email, owner.Password), 401, "INVALID_CREDENTIALS")
		e.Must(200, login(t, e, owner.Email, pw))
		if !hasAction(platformAudit(t, e, owner.UserID), "admin.password_reset") {
			t.Error("the reset is not audited")
		}

		// An account that never confirmed its address can log in after an
		// operator reset (the operator vouches for it).
		pending := newAddress("pending")
		e.Must(202, callAPI(t, e, "POST", "/api/auth/signup", "", map[string]any{"organizationName": "Pending Fuel", "name": "P", "email": pending, "password": "purple monkey dishwasher 42"}))
		wantProblem(t, login(t, e, pending, "purple monkey dishwasher 42"), 403, "EMAIL_NOT_VERIFIED")
		pw, err = e.App.Identity.AdminResetPassword(ctx, pending)
		if err != nil {
			t.Fatal(err)
		}
		e.Must(200, login(t, e, pending, pw))

		if _, err := e.App.Identity.AdminResetPassword(ctx, newAddress("nobody")); !hse.IsNotFound(err) {
			t.Errorf("resetting an unknown address: %v, want not found", err)
		}
	})
}

func TestOperatorEndpoints(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		ctx := context.Background()
		a := e.Signup("Operated A Fuel")
		viewer := e.Invite(a, "sys-viewer", nil)
		b := e.Signup("Operated B Fuel")
		// B's owner is also a member of A.
		_, token := invite(t, e, a, b.Email, "sys-auditor", nil, 1)
		e.Must(200, callAPI(t, e, "POST", "/api/invitations/accept", "", map[string]any{"token": token}))

		email := newAddress("operator")
		pw, _, err := e.App.Identity.CreateOperator(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		ops := decodeJSON[tokenPair](t, e.Must(200, login(t, e, email, pw)))

		list := func() map[string]identity.OrgSummary {
			t.Helper()
			out := map[string]identity.OrgSummary{}
			for _, o := range listItems[identity.OrgSummary](t, e.Must(200, callAPI(t, e, "GET", "/api/admin/organizations", ops.AccessToken, nil))) {
				out[o.ID] = o
			}
			return out
		}
		orgs := list()
		if orgs[a.OrgID].Members != 3 || orgs[b.OrgID].Members != 1 || orgs[a.OrgID].Name != "Operated A Fuel" || orgs[a.OrgID].Status != identity.OrgActive {
			t.Errorf("admin organization list: A %+v, B %+v", orgs[a.OrgID], orgs[b.OrgID])
		}

		// Nobody else may use the operator endpoints, whatever their role.
		for _, u := range []*apptest.User{a, viewer} {
			wantProblem(t, callAPI(t, e, "GET", "/api/admin/organizations", u.Access, nil), 403, "OPERATOR_ONLY")
			wantProblem(t, callAPI(t, e, "POST", "/api/admin/organizations/"+a.OrgID+"/suspend", u.Access, map[string]any{"reason": "self-suspension"}), 403, "OPERATOR_ONLY")
			wantProblem(t, callAPI(t, e, "POST", "/api/admin/organizations/"+b.OrgID+"/suspend", u.Access, nil), 403, "OPERATOR_ONLY")
		}
		wantProblem(t, callAPI(t, e, "GET", "/api/admin/organizations", "", nil), 401, "UNAUTHORIZED")

		// An operator who belongs to no organization gets no tenant data.
		wantProblem(t, callAPI(t, e, "GET", "/api/roles", ops.AccessToken, nil), 403, "")
		wantProblem(t, callAPI(t, e, "GET", "/api/audit-log", ops.AccessToken, nil), 403, "")
		wantProblem(t, callAPI(t, e, "GET", "/api/invitations", ops.AccessToken, nil), 403, "")
		if r := callAPI(t, e, "GET", "/api/members", ops.AccessToken, nil); r.Status != 403 && r.Status != 404 {
			t.Errorf("operator lists members: %d %s", r.Status, r.Body)
		}
		wantProblem(t, callAPI(t, e, "GET", "/api/organizations/"+a.OrgID, ops.AccessToken, nil), 404, "NOT_FOUND")
		wantProblem(t, callAPI(t, e, "PATCH", "/api/organizations/"+a.OrgID, ops.AccessToken, map[string]any{"name": "Operated"}), 404, "NOT_FOUND")
		if mine := listItems[orgItem](t, e.Must(200, callAPI(t, e, "GET", "/api/organizations", ops.AccessToken, nil))); len(mine) != 0 {
			t.Errorf("operator's own organizations: %+v", mine)
		}
		wantProblem(t, callAPI(t, e, "POST", "/api/auth/switch-organization", ops.AccessToken, map[string]any{"organizationId": a.OrgID}), 404, "NOT_FOUND")

		// Suspending A locks out its members, on every path in.
		r := e.Must(200, callAPI(t, e, "POST", "/api/admin/organizations/"+a.OrgID+"/suspend", ops.AccessToken, map[string]any{"reason": "unpaid invoices"}))
		if o := decodeJSON[identity.Organization](t, r); o.Status != identity.OrgSuspended || o.ID != a.OrgID {
			t.Errorf("suspend answer: %s", r.Body)
		}
		for _, u := range []*apptest.User{a, viewer} {
			wantProblem(t, callAPI(t, e, "GET", "/api/organizations/"+a.OrgID, u.Access, nil), 403, "ORGANIZATION_SUSPENDED")
			wantProblem(t, callAPI(t, e, "GET", "/api/auth/me", u.Access, nil), 403, "ORGANIZATION_SUSPENDED")
			wantProblem(t, login(t, e, u.Email, u.Password), 403, "ORGANIZATION_SUSPENDED")
		}
		wantProblem(t, callAPI(t, e, "POST", "/api/auth/refresh", "", map[string]any{"refreshToken": a.Refresh}), 403, "ORGANIZATION_SUSPENDED")
		// B's owner still works in B, but cannot switch into A.
		e.Must(200, callAPI(t, e, "GET", "/api/organizations/"+b.OrgID, b.Access, nil))
		wantProblem(t, callAPI(t, e, "POST", "/api/auth/switch-organization", b.Access, map[string]any{"organizationId": a.OrgID}), 403, "ORGANIZATION_SUSPENDED")
		wantProblem(t, callAPI(t, e, "POST", "/api/auth/login", "", map[string]any{"email": b.Email, "password": b.Password, "organizationId": a.OrgID}), 403, "ORGANIZATION_SUSPENDED")
		if got := list(); got[a.OrgID].Status != identity.OrgSuspended || got[b.OrgID].Status != identity.OrgActive {
			t.Errorf("statuses after suspending A: A %s, B %s", got[a.OrgID].Status, got[b.OrgID].Status)
		}
		wantProblem(t, callAPI(t, e, "POST", "/api/admin/organizations/"+a.OrgID+"/suspend", ops.AccessToken, nil), 409, "NO_CHANGE")
		wantProblem(t, callAPI(t, e, "POST", "/api/admin/organizations/00000000-0000-0000-0000-000000000000/suspend", ops.AccessToken, nil), 404, "NOT_FOUND")

		// Reactivating lets the same tokens and sessions back in.
		e.Must(200, callAPI(t, e, "POST", "/api/admin/organizations/"+a.OrgID+"/reactivate", ops.AccessToken, map[string]any{}))
		e.Must(200, callAPI(t, e, "GET", "/api/organizations/"+a.OrgID, a.Access, nil))
		e.Must(200, callAPI(t, e, "GET", "/api/auth/me", viewer.Access, nil))
		e.Must(200, callAPI(t, e, "POST", "/api/auth/refresh", "", map[string]any{"refreshToken": a.Refresh}))
		wantProblem(t, callAPI(t, e, "POST", "/api/admin/organizations/"+a.OrgID+"/reactivate", ops.AccessToken, nil), 409, "NO_CHANGE")

		// A's administrators see what the operator did, and why.
		entries, _ := auditLog(t, e, a.Access, "entityType=organization&limit=100")
		var suspended, reactivated bool
		for _, en := range entries {
			switch en.Action {
			case "admin.organization_suspended":
				suspended = en.ActorUserID == ops.User.ID && en.After["reason"] == "unpaid invoices" && en.Before["status"] == identity.OrgActive
			case "admin.organization_active":
				reactivated = en.ActorUserID == ops.User.ID && en.After["status"] == identity.OrgActive
			}
		}
		if !suspended || !reactivated {
			t.Errorf("operator actions in A's trail: suspended %v reactivated %v: %+v", suspended, reactivated, entries)
		}
		if !hasAction(platformAudit(t, e, ""), "admin.organizations_listed") {
			t.Error("listing every organization is not audited")
		}
	})
}
