package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
)

type orgPath struct {
	ID string `path:"id" maxLength:"64"`
}

type orgOutput struct {
	Body *identity.Organization
}

func registerOrganizations(api huma.API, d Deps) {
	svc := d.Identity
	tags := []string{"Organizations"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }

	huma.Register(api, huma.Operation{OperationID: "listMyOrganizations", Method: http.MethodGet, Path: "/api/organizations", Tags: tags, Security: bearer,
		Summary: "Your organizations, with your role in each"},
		func(ctx context.Context, _ *struct{}) (*struct {
			Body struct {
				Items []MembershipView `json:"items"`
			}
		}, error) {
			ms, err := svc.MyOrganizations(ctx, principalFrom(ctx))
			if err != nil {
				return nil, fail(ctx, err)
			}
			out := &struct {
				Body struct {
					Items []MembershipView `json:"items"`
				}
			}{}
			out.Body.Items = membershipViews(ms)
			return out, nil
		})

	huma.Register(api, huma.Operation{OperationID: "getOrganization", Method: http.MethodGet, Path: "/api/organizations/{id}", Tags: tags, Security: bearer,
		Summary: "The organization your token acts in", Description: "Any other id is 404: switch organization first."},
		func(ctx context.Context, in *orgPath) (*orgOutput, error) {
			o, err := svc.GetOrganization(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &orgOutput{Body: o}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "updateOrganization", Method: http.MethodPatch, Path: "/api/organizations/{id}", Tags: tags, Security: bearer,
		Summary: "Rename the organization or change its settings",
		Description: "The plan is not editable here. settings replaces the settings as a whole; settings.logoFileId must be an image uploaded " +
			"to this organization (422 UNKNOWN_ATTACHMENT otherwise, 400 for a file that is not an image), and the logo cannot be deleted while set."},
		func(ctx context.Context, in *struct {
			ID   string `path:"id" maxLength:"64"`
			Body struct {
				Name     *string               `json:"name,omitempty" minLength:"2" maxLength:"100"`
				Settings *identity.OrgSettings `json:"settings,omitempty"`
			}
		}) (*orgOutput, error) {
			o, err := svc.UpdateOrganization(ctx, principalFrom(ctx), in.ID, identity.OrgUpdate{Name: in.Body.Name, Settings: in.Body.Settings})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &orgOutput{Body: o}, nil
		})
}

type memberInputBody struct {
	RoleID       string   `json:"roleId" minLength:"1" maxLength:"64"`
	StationIDs   []string `json:"stationIds,omitempty" maxItems:"500" doc:"for station-scoped roles"`
	ContractorID string   `json:"contractorId,omitempty" maxLength:"64" doc:"for the contractor role"`
}

func (b memberInputBody) input() identity.MemberInput {
	return identity.MemberInput{RoleID: b.RoleID, StationIDs: b.StationIDs, ContractorID: b.ContractorID}
}

func memberView(m identity.Member) MemberView {
	return MemberView{UserID: m.UserID, Email: m.Email, Name: m.Name, EmailVerified: m.Verified, RoleID: m.RoleID, Role: m.RoleName,
		StationIDs: nonNil(m.StationIDs), ContractorID: m.ContractorID, JoinedAt: m.CreatedAt, Suspended: m.Suspended}
}

type itemsOutput[T any] struct {
	Body struct {
		Items []T `json:"items"`
	}
}

func items[T any](v []T) *itemsOutput[T] {
	out := &itemsOutput[T]{}
	out.Body.Items = v
	if out.Body.Items == nil {
		out.Body.Items = []T{}
	}
	return out
}

// openWorkRule is how removing and suspending treat a member's open work.
const openWorkRule = "A member with open work (audits to conduct, open or in-progress actions assigned to them, incidents they investigate, " +
	"permits they requested that are not finished) is refused with 409 OPEN_WORK whose details.openWork lists each item (kind, id, number, " +
	"status, stationId), unless reassignTo names an active member who takes all of it over in the same transaction: they must hold " +
	"audits:conduct, actions:complete, incidents:investigate or permits:request for the kinds concerned, with the stations (or, for a " +
	"contractor's permits, the company) in their scope, otherwise 400 naming reassignTo. Each record's history and the audit trail " +
	"(details.work) record the hand-over, and the new holders are notified."

func registerMembers(api huma.API, d Deps) {
	svc := d.Identity
	tags := []string{"Members"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }

	op := huma.Operation{OperationID: "listMembers", Method: http.MethodGet, Path: "/api/members", Tags: tags, Security: bearer,
		Summary: "Members of the organization"}
	DocumentItems[MemberView](api, &op)
	huma.Register(api, op, func(ctx context.Context, in *FormatParams) (*huma.StreamResponse, error) {
		ms, err := svc.Members(ctx, principalFrom(ctx))
		if err != nil {
			return nil, fail(ctx, err)
		}
		views := make([]MemberView, 0, len(ms))
		for _, m := range ms {
			views = append(views, memberView(m))
		}
		return ItemsResponse(*in, views, memberCSV, "members.csv"), nil
	})

	type memberPath struct {
		UserID string `path:"userId" maxLength:"64"`
	}
	huma.Register(api, huma.Operation{OperationID: "updateMember", Method: http.MethodPatch, Path: "/api/members/{userId}", Tags: tags, Security: bearer,
		Summary: "Change a member's role or scope", Description: "You cannot grant permissions you do not hold; the last owner stays owner."},
		func(ctx context.Context, in *struct {
			UserID string `path:"userId" maxLength:"64"`
			Body   memberInputBody
		}) (*struct{ Body MemberView }, error) {
			m, err := svc.UpdateMember(ctx, principalFrom(ctx), in.UserID, in.Body.input())
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &struct{ Body MemberView }{Body: MemberView{UserID: m.UserID, RoleID: m.RoleID, StationIDs: nonNil(m.StationIDs), ContractorID: m.ContractorID, JoinedAt: m.CreatedAt}}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "removeMember", Method: http.MethodDelete, Path: "/api/members/{userId}", Tags: tags, Security: bearer, DefaultStatus: 204,
		Summary:     "Remove a member from the organization",
		Description: "users:remove. " + openWorkRule},
		func(ctx context.Context, in *struct {
			UserID     string `path:"userId" maxLength:"64"`
			ReassignTo string `query:"reassignTo" maxLength:"64" doc:"the member who takes over the open work"`
		}) (*struct{}, error) {
			if err := svc.RemoveMember(ctx, principalFrom(ctx), in.UserID, in.ReassignTo); err != nil {
				return nil, fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(api, huma.Operation{OperationID: "suspendMember", Method: http.MethodPost, Path: "/api/members/{userId}/suspend", Tags: tags, Security: bearer, DefaultStatus: 204,
		Summary: "Suspend a member (a contractor's staff member who left, say)",
		Description: "users:update. The membership and its history stay; the member's requests are refused with 403 MEMBER_SUSPENDED " +
			"until POST .../reactivate, and nothing new can be assigned to them. You cannot suspend yourself (409 SELF_SUSPEND). " + openWorkRule},
		func(ctx context.Context, in *struct {
			UserID string `path:"userId" maxLength:"64"`
			Body   *struct {
				ReassignTo string `json:"reassignTo,omitempty" maxLength:"64" doc:"the member who takes over the open work"`
			}
		}) (*struct{}, error) {
			to := ""
			if in.Body != nil {
				to = in.Body.ReassignTo
			}
			if err := svc.SuspendMember(ctx, principalFrom(ctx), in.UserID, to); err != nil {
				return nil, fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(api, huma.Operation{OperationID: "reactivateMember", Method: http.MethodPost, Path: "/api/members/{userId}/reactivate", Tags: tags, Security: bearer, DefaultStatus: 204,
		Summary: "Lift a member's suspension", Description: "users:update."},
		func(ctx context.Context, in *memberPath) (*struct{}, error) {
			if err := svc.ReactivateMember(ctx, principalFrom(ctx), in.UserID); err != nil {
				return nil, fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(api, huma.Operation{OperationID: "listInvitations", Method: http.MethodGet, Path: "/api/invitations", Tags: tags, Security: bearer,
		Summary: "Invitations of the organization"},
		func(ctx context.Context, _ *struct{}) (*itemsOutput[InvitationView], error) {
			invs, err := svc.Invitations(ctx, principalFrom(ctx))
			if err != nil {
				return nil, fail(ctx, err)
			}
			now := time.Now()
			views := make([]InvitationView, 0, len(invs))
			for i := range invs {
				views = append(views, invitationView(&invs[i], now))
			}
			return items(views), nil
		})

	huma.Register(api, huma.Operation{OperationID: "inviteMember", Method: http.MethodPost, Path: "/api/invitations", Tags: tags, Security: bearer, DefaultStatus: 201,
		Summary: "Invite someone by e-mail", Description: "They get a link valid 7 days; accepting creates their account or links the existing one. " +
			"A pending invitation of the same address is replaced: the new role and scope apply and its old link stops working."},
		func(ctx context.Context, in *struct {
			Body struct {
				Email        string   `json:"email" maxLength:"254"`
				RoleID       string   `json:"roleId" minLength:"1" maxLength:"64"`
				StationIDs   []string `json:"stationIds,omitempty" maxItems:"500" doc:"for station-scoped roles"`
				ContractorID string   `json:"contractorId,omitempty" maxLength:"64" doc:"for the contractor role"`
			}
		}) (*struct{ Body InvitationView }, error) {
			inv, err := svc.Invite(ctx, principalFrom(ctx), in.Body.Email,
				identity.MemberInput{RoleID: in.Body.RoleID, StationIDs: in.Body.StationIDs, ContractorID: in.Body.ContractorID})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &struct{ Body InvitationView }{Body: invitationView(inv, time.Now())}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "revokeInvitation", Method: http.MethodDelete, Path: "/api/invitations/{id}", Tags: tags, Security: bearer, DefaultStatus: 204,
		Summary: "Withdraw a pending invitation"},
		func(ctx context.Context, in *orgPath) (*struct{}, error) {
			if err := svc.RevokeInvitation(ctx, principalFrom(ctx), in.ID); err != nil {
				return nil, fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(api, huma.Operation{OperationID: "acceptInvitation", Method: http.MethodPost, Path: "/api/invitations/accept", Tags: tags,
		Summary: "Accept an invitation", Description: "name and password are needed when the address has no account yet."},
		func(ctx context.Context, in *struct {
			Body struct {
				Token    string `json:"token" minLength:"1" maxLength:"300"`
				Name     string `json:"name,omitempty" maxLength:"100"`
				Password string `json:"password,omitempty" maxLength:"512"`
			}
		}) (*struct {
			Body struct {
				OrganizationID string `json:"organizationId"`
				UserID         string `json:"userId"`
				AccountCreated bool   `json:"accountCreated"`
			}
		}, error) {
			a, err := svc.AcceptInvitation(ctx, identity.AcceptInput{Token: in.Body.Token, Name: in.Body.Name, Password: in.Body.Password})
			if err != nil {
				return nil, fail(ctx, err)
			}
			out := &struct {
				Body struct {
					OrganizationID string `json:"organizationId"`
					UserID         string `json:"userId"`
					AccountCreated bool   `json:"accountCreated"`
				}
			}{}
			out.Body.OrganizationID, out.Body.UserID, out.Body.AccountCreated = a.OrgID, a.UserID, a.UserCreated
			return out, nil
		})
}

type roleBody struct {
	Name        string           `json:"name" minLength:"2" maxLength:"60"`
	Description string           `json:"description,omitempty" maxLength:"500"`
	Scope       string           `json:"scope,omitempty" enum:"organization,stations,contractor"`
	Permissions []hse.Permission `json:"permissions" maxItems:"100"`
}

func (b roleBody) input() identity.RoleInput {
	return identity.RoleInput{Name: b.Name, Description: b.Description, Scope: b.Scope, Permissions: b.Permissions}
}

func registerRoles(api huma.API, d Deps) {
	svc := d.Identity
	tags := []string{"Roles"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }
	type roleOut struct{ Body *identity.Role }

	huma.Register(api, huma.Operation{OperationID: "listRoles", Method: http.MethodGet, Path: "/api/roles", Tags: tags, Security: bearer,
		Summary: "Roles of the organization: the system roles and custom ones"},
		func(ctx context.Context, _ *struct{}) (*itemsOutput[identity.Role], error) {
			rs, err := svc.Roles(ctx, principalFrom(ctx))
			if err != nil {
				return nil, fail(ctx, err)
			}
			return items(rs), nil
		})
	huma.Register(api, huma.Operation{OperationID: "getRole", Method: http.MethodGet, Path: "/api/roles/{id}", Tags: tags, Security: bearer, Summary: "One role"},
		func(ctx context.Context, in *orgPath) (*roleOut, error) {
			r, err := svc.Role(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &roleOut{Body: r}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "createRole", Method: http.MethodPost, Path: "/api/roles", Tags: tags, Security: bearer, DefaultStatus: 201,
		Summary: "Create a custom role", Description: "Only permissions you hold can be granted."},
		func(ctx context.Context, in *struct{ Body roleBody }) (*roleOut, error) {
			r, err := svc.CreateRole(ctx, principalFrom(ctx), in.Body.input())
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &roleOut{Body: r}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "updateRole", Method: http.MethodPut, Path: "/api/roles/{id}", Tags: tags, Security: bearer,
		Summary: "Replace a custom role's name, scope and permissions"},
		func(ctx context.Context, in *struct {
			ID   string `path:"id" maxLength:"64"`
			Body roleBody
		}) (*roleOut, error) {
			r, err := svc.UpdateRole(ctx, principalFrom(ctx), in.ID, in.Body.input())
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &roleOut{Body: r}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "deleteRole", Method: http.MethodDelete, Path: "/api/roles/{id}", Tags: tags, Security: bearer, DefaultStatus: 204,
		Summary: "Delete a custom role nobody holds"},
		func(ctx context.Context, in *orgPath) (*struct{}, error) {
			if err := svc.DeleteRole(ctx, principalFrom(ctx), in.ID); err != nil {
				return nil, fail(ctx, err)
			}
			return nil, nil
		})
}

func registerAdmin(api huma.API, d Deps) {
	svc := d.Identity
	tags := []string{"Platform administration"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }
	operatorOnly := map[string]any{"operatorOnly": true}
	huma.Register(api, huma.Operation{OperationID: "adminListOrganizations", Method: http.MethodGet, Path: "/api/admin/organizations", Tags: tags, Security: bearer, Metadata: operatorOnly,
		Summary: "Every organization with its member count (platform operators)"},
		func(ctx context.Context, _ *struct{}) (*itemsOutput[identity.OrgSummary], error) {
			os, err := svc.AdminOrganizations(ctx, principalFrom(ctx))
			if err != nil {
				return nil, fail(ctx, err)
			}
			return items(os), nil
		})
	for _, st := range []struct{ id, verb, status string }{{"adminSuspendOrganization", "suspend", identity.OrgSuspended}, {"adminReactivateOrganization", "reactivate", identity.OrgActive}} {
		huma.Register(api, huma.Operation{OperationID: st.id, Method: http.MethodPost, Path: "/api/admin/organizations/{id}/" + st.verb, Tags: tags, Security: bearer, Metadata: operatorOnly,
			Summary: "Set an organization's status to " + st.status + " (platform operators)"},
			func(ctx context.Context, in *struct {
				// Not the embedded orgPath: huma ignores the fields of an
				// embedded unexported type, which left the id empty.
				ID   string `path:"id" maxLength:"64"`
				Body *struct {
					Reason string `json:"reason,omitempty" maxLength:"500"`
				}
			}) (*orgOutput, error) {
				reason := ""
				if in.Body != nil {
					reason = in.Body.Reason
				}
				o, err := svc.SetOrganizationStatus(ctx, principalFrom(ctx), in.ID, st.status, reason)
				if err != nil {
					return nil, fail(ctx, err)
				}
				return &orgOutput{Body: o}, nil
			})
	}
}

func registerAuditLog(api huma.API, d Deps) {
	svc := d.Identity
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }
	op := huma.Operation{OperationID: "listAuditLog", Method: http.MethodGet, Path: "/api/audit-log", Tags: []string{"Audit trail"}, Security: bearer,
		Summary: "The organization's audit trail, newest first", Description: "Append-only. Pass nextCursor as cursor for the next page; format=csv exports every matching entry."}
	DocumentList[hse.AuditEntry](api, &op)
	huma.Register(api, op, func(ctx context.Context, in *struct {
		ListParams
		Action     string    `query:"action" maxLength:"100"`
		ActorID    string    `query:"actorId" maxLength:"64"`
		EntityType string    `query:"entityType" maxLength:"64"`
		EntityID   string    `query:"entityId" maxLength:"64"`
		From       time.Time `query:"from" doc:"RFC 3339"`
		To         time.Time `query:"to" doc:"RFC 3339"`
	}) (*huma.StreamResponse, error) {
		page, err := in.PageRequest() // newest first, no other order
		if err != nil {
			return nil, fail(ctx, err)
		}
		p := principalFrom(ctx)
		f := hse.AuditFilter{Action: in.Action, ActorID: in.ActorID, EntityType: in.EntityType, EntityID: in.EntityID, From: in.From, To: in.To}
		return ListResponse(ctx, d, in.ListParams, page, func(ctx context.Context, page hse.PageRequest) (hse.Page[hse.AuditEntry], error) {
			f.Cursor, f.Limit = page.Cursor.ID, page.Limit
			es, err := svc.AuditLog(ctx, p, f)
			out := hse.Page[hse.AuditEntry]{Items: es}
			// Ids are time-ordered: the last id is the whole position.
			if len(es) == page.Limit {
				out.NextCursor = hse.Cursor{ID: es[len(es)-1].ID}
			}
			return out, err
		}, auditLogCSV, "audit-log.csv")
	})
}

var memberCSV = []CSVColumn[MemberView]{
	{"userId", func(m MemberView) string { return m.UserID }},
	{"name", func(m MemberView) string { return m.Name }},
	{"email", func(m MemberView) string { return m.Email }},
	{"emailVerified", func(m MemberView) string { return strconv.FormatBool(m.EmailVerified) }},
	{"roleId", func(m MemberView) string { return m.RoleID }},
	{"role", func(m MemberView) string { return m.Role }},
	{"stationIds", func(m MemberView) string { return strings.Join(m.StationIDs, " ") }},
	{"contractorId", func(m MemberView) string { return m.ContractorID }},
	{"joinedAt", func(m MemberView) string { return m.JoinedAt.Format(time.RFC3339) }},
}

var auditLogCSV = []CSVColumn[hse.AuditEntry]{
	{"id", func(e hse.AuditEntry) string { return e.ID }},
	{"occurredAt", func(e hse.AuditEntry) string { return e.OccurredAt.Format(time.RFC3339Nano) }},
	{"actorUserId", func(e hse.AuditEntry) string { return e.ActorUserID }},
	{"actorEmail", func(e hse.AuditEntry) string { return e.ActorEmail }},
	{"action", func(e hse.AuditEntry) string { return e.Action }},
	{"entityType", func(e hse.AuditEntry) string { return e.EntityType }},
	{"entityId", func(e hse.AuditEntry) string { return e.EntityID }},
	{"before", func(e hse.AuditEntry) string { return jsonCell(e.Before) }},
	{"after", func(e hse.AuditEntry) string { return jsonCell(e.After) }},
	{"ip", func(e hse.AuditEntry) string { return e.IP }},
	{"requestId", func(e hse.AuditEntry) string { return e.RequestID }},
}

// jsonCell is a map as compact JSON, "" when empty.
func jsonCell(m map[string]any) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m)
	return string(b)
}
