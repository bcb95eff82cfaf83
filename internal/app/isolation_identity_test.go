package app_test

import (
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
)

// identityIsolation covers authentication, organizations, members,
// invitations, roles, the audit log and platform administration.
func identityIsolation() isolationSuite {
	roleStillThere := func(t *testing.T, e *apptest.Env, a *tenantA) {
		r := e.Must(200, e.Call("GET", "/api/roles/"+a.ids["role"], a.owner.Access, nil)).JSON(t)
		if r["name"] != "Tenant A Inspectors" {
			t.Errorf("tenant A's role was changed: %v", r)
		}
	}
	memberStillThere := func(t *testing.T, e *apptest.Env, a *tenantA) {
		body := string(e.Must(200, e.Call("GET", "/api/members", a.owner.Access, nil)).Body)
		if !strings.Contains(body, a.member.Email) || !strings.Contains(body, `"roleId":"sys-viewer"`) || strings.Contains(body, `"suspended":true`) {
			t.Errorf("tenant A's member was changed: %s", body)
		}
	}
	orgUnchanged := func(t *testing.T, e *apptest.Env, a *tenantA) {
		o := e.Must(200, e.Call("GET", "/api/organizations/"+a.owner.OrgID, a.owner.Access, nil)).JSON(t)
		if o["name"] != "Tenant A Fuel" || o["status"] != "active" {
			t.Errorf("tenant A's organization was changed: %v", o)
		}
	}
	invitationPending := func(t *testing.T, e *apptest.Env, a *tenantA) {
		body := string(e.Must(200, e.Call("GET", "/api/invitations", a.owner.Access, nil)).Body)
		if !strings.Contains(body, a.ids["invitation"]) || !strings.Contains(body, `"status":"pending"`) {
			t.Errorf("tenant A's invitation was changed: %s", body)
		}
	}
	org := map[string]string{"{id}": "org"}
	role := map[string]string{"{id}": "role"}
	member := map[string]string{"{userId}": "member"}
	return isolationSuite{
		setup: func(t *testing.T, e *apptest.Env, a *tenantA) {
			a.ids["role"] = e.Must(201, e.Call("POST", "/api/roles", a.owner.Access, map[string]any{
				"name": "Tenant A Inspectors", "permissions": []string{"stations:read", "audits:read"}})).JSON(t)["id"].(string)
			a.ids["invitation"] = e.Must(201, e.Call("POST", "/api/invitations", a.owner.Access, map[string]any{
				"email": "pending-a@example.com", "roleId": a.ids["role"]})).JSON(t)["id"].(string)
			a.secrets = append(a.secrets, a.ids["role"], a.ids["invitation"], "pending-a@example.com")
		},
		cases: map[string]isolationCase{
			"GET /api/live":                                 {kind: "public"},
			"GET /api/ready":                                {kind: "public"},
			"GET /api/health":                               {kind: "public"},
			"POST /api/auth/signup":                         {kind: "public"},
			"POST /api/auth/signup-with-org":                {kind: "public"},
			"POST /api/auth/verify-email":                   {kind: "public"},
			"POST /api/auth/resend-verification":            {kind: "public"},
			"POST /api/auth/password-reset/request":         {kind: "public"},
			"POST /api/auth/password-reset/confirm":         {kind: "public"},
			"POST /api/auth/login":                          {kind: "public"},
			"POST /api/auth/refresh":                        {kind: "public"},
			"POST /api/auth/logout/refresh":                 {kind: "public"},
			"POST /api/invitations/accept":                  {kind: "public"},
			"POST /api/auth/change-password":                {kind: "self", body: map[string]any{"currentPassword": "wrong", "newPassword": "another long passphrase"}},
			"POST /api/auth/logout":                         {kind: "self", endsSession: true},
			"POST /api/auth/logout-all":                     {kind: "self", endsSession: true},
			"GET /api/auth/me":                              {kind: "self"},
			"GET /api/auth/me/permissions":                  {kind: "self"},
			"POST /api/auth/switch-organization":            {kind: "target", body: map[string]any{"organizationId": "{org}"}},
			"GET /api/organizations":                        {kind: "list"},
			"GET /api/organizations/{id}":                   {kind: "target", params: org},
			"PATCH /api/organizations/{id}":                 {kind: "target", params: org, body: map[string]any{"name": "Hijacked"}, after: orgUnchanged},
			"GET /api/members":                              {kind: "list"},
			"PATCH /api/members/{userId}":                   {kind: "target", params: member, body: map[string]any{"roleId": "sys-admin"}, after: memberStillThere},
			"DELETE /api/members/{userId}":                  {kind: "target", params: member, after: memberStillThere},
			"POST /api/members/{userId}/suspend":            {kind: "target", params: member, after: memberStillThere},
			"POST /api/members/{userId}/reactivate":         {kind: "target", params: member, after: memberStillThere},
			"GET /api/invitations":                          {kind: "list"},
			"POST /api/invitations":                         {kind: "target", body: map[string]any{"email": "x@example.com", "roleId": "{role}"}},
			"DELETE /api/invitations/{id}":                  {kind: "target", params: map[string]string{"{id}": "invitation"}, after: invitationPending},
			"GET /api/roles":                                {kind: "list"},
			"POST /api/roles":                               {kind: "self", body: map[string]any{"name": "B role", "permissions": []string{"stations:read"}}},
			"GET /api/roles/{id}":                           {kind: "target", params: role},
			"PUT /api/roles/{id}":                           {kind: "target", params: role, body: map[string]any{"name": "Hijacked", "permissions": []string{}}, after: roleStillThere},
			"DELETE /api/roles/{id}":                        {kind: "target", params: role, after: roleStillThere},
			"GET /api/audit-log":                            {kind: "list"},
			"GET /api/admin/organizations":                  {kind: "admin"},
			"GET /api/backup/health":                        {kind: "admin"},
			"POST /api/admin/organizations/{id}/suspend":    {kind: "admin", params: org, after: orgUnchanged},
			"POST /api/admin/organizations/{id}/reactivate": {kind: "admin", params: org},
		},
	}
}
