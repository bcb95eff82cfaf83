package hse

import (
	"slices"
	"strings"
)

// Permission is a resource:action string, as in DOMAIN.md.
type Permission string

// Resources and their actions. The order here is the order shown to people.
var resourceActions = []struct {
	resource string
	actions  []string
}{
	{"organization", []string{"read", "update", "billing"}},
	{"users", []string{"read", "invite", "update", "remove"}},
	{"roles", []string{"read", "manage"}},
	{"stations", []string{"read", "create", "update", "delete"}},
	{"contractors", []string{"read", "create", "update", "delete"}},
	{"forms", []string{"read", "create", "update", "publish"}},
	{"audits", []string{"read", "schedule", "conduct", "review", "cancel"}},
	{"incidents", []string{"read", "report", "investigate", "close"}},
	{"actions", []string{"read", "create", "update", "complete", "verify"}},
	// permits:gas_test marks the competence to test the atmosphere;
	// permits:configure edits the organization's permit types.
	{"permits", []string{"read", "request", "approve", "activate", "close", "gas_test", "configure"}},
	{"reports", []string{"read", "generate"}},
	{"audit_log", []string{"read"}},
}

// Permissions used by the identity features.
const (
	PermOrgRead      Permission = "organization:read"
	PermOrgUpdate    Permission = "organization:update"
	PermOrgBilling   Permission = "organization:billing"
	PermUsersRead    Permission = "users:read"
	PermUsersInvite  Permission = "users:invite"
	PermUsersUpdate  Permission = "users:update"
	PermUsersRemove  Permission = "users:remove"
	PermRolesRead    Permission = "roles:read"
	PermRolesManage  Permission = "roles:manage"
	PermAuditLogRead Permission = "audit_log:read"
)

// AllPermissions lists every permission in display order.
func AllPermissions() []Permission {
	var out []Permission
	for _, ra := range resourceActions {
		for _, a := range ra.actions {
			out = append(out, Permission(ra.resource+":"+a))
		}
	}
	return out
}

// ValidPermission reports whether p is a known permission.
func ValidPermission(p Permission) bool {
	_, ok := permissionOrder[p]
	return ok
}

// PermissionSet is a set of permissions.
type PermissionSet map[Permission]bool

// NewPermissionSet builds a set from a list.
func NewPermissionSet(ps ...Permission) PermissionSet {
	s := make(PermissionSet, len(ps))
	for _, p := range ps {
		s[p] = true
	}
	return s
}

// Has reports whether the set grants p.
func (s PermissionSet) Has(p Permission) bool { return s[p] }

// Covers reports whether s grants everything other grants: the rule that
// nobody gives a role more power than their own.
func (s PermissionSet) Covers(other PermissionSet) bool {
	for p := range other {
		if !s[p] {
			return false
		}
	}
	return true
}

// permissionList is every permission in display order, computed once.
var permissionList = AllPermissions()

// permissionOrder is each permission's position in display order.
var permissionOrder = func() map[Permission]int {
	order := map[Permission]int{}
	for i, p := range permissionList {
		order[p] = i
	}
	return order
}()

// List returns the permissions in display order.
func (s PermissionSet) List() []Permission {
	out := make([]Permission, 0, len(s))
	for _, p := range permissionList {
		if s[p] {
			out = append(out, p)
		}
	}
	return out
}

// Role scopes: how far a member's role reaches.
const (
	ScopeOrganization = "organization" // every station and contractor
	ScopeStations     = "stations"     // the stations on the membership
	ScopeContractor   = "contractor"   // the contractor company on the membership
)

// RoleTemplate describes a system role created for every organization.
type RoleTemplate struct {
	Key         string // stable id suffix, e.g. "owner"
	Name        string
	Description string
	Scope       string
	Permissions []Permission
}

// System role keys.
const (
	RoleOwner             = "owner"
	RoleAdmin             = "admin"
	RoleComplianceManager = "compliance_manager"
	RoleAuditor           = "auditor"
	RoleStationManager    = "station_manager"
	RoleContractor        = "contractor"
	RoleViewer            = "viewer"
)

// perms expands "resource:a,b" shorthands.
func perms(specs ...string) []Permission {
	var out []Permission
	for _, s := range specs {
		res, acts, _ := strings.Cut(s, ":")
		if acts == "*" {
			for _, ra := range resourceActions {
				if ra.resource == res {
					for _, a := range ra.actions {
						out = append(out, Permission(res+":"+a))
					}
				}
			}
			continue
		}
		for _, a := range strings.Split(acts, ",") {
			out = append(out, Permission(res+":"+a))
		}
	}
	return out
}

// SystemRoles is the role matrix of DOMAIN.md. "(own)" in the matrix is the
// role's scope, applied by Scope filters rather than by separate permissions.
func SystemRoles() []RoleTemplate {
	var all []string
	for _, ra := range resourceActions {
		all = append(all, ra.resource+":*")
	}
	adminPerms := slices.DeleteFunc(perms(all...), func(p Permission) bool { return p == PermOrgBilling })
	return []RoleTemplate{
		{RoleOwner, "Owner", "Everything, including billing; the last owner cannot leave.", ScopeOrganization, perms(all...)},
		{RoleAdmin, "Admin", "Everything but billing.", ScopeOrganization, adminPerms},
		{RoleComplianceManager, "Compliance Manager", "Runs the HSE programme across all stations.", ScopeOrganization, perms(
			"organization:read", "users:read", "roles:read", "stations:read,create,update",
			"contractors:read,create,update", "forms:*", "audits:*", "incidents:*", "actions:*",
			"permits:read,approve,close,gas_test,configure", "reports:*", "audit_log:read")},
		{RoleAuditor, "Auditor", "Conducts the audits assigned to them.", ScopeOrganization, perms(
			"organization:read", "stations:read", "contractors:read", "forms:read", "audits:read,conduct",
			"incidents:read,report", "actions:read,create", "permits:read", "reports:read,generate")},
		{RoleStationManager, "Station Manager", "Runs their own stations.", ScopeStations, perms(
			"organization:read", "stations:read", "contractors:read", "forms:read", "audits:read",
			"incidents:read,report,investigate", "actions:read,complete", "permits:read,request,activate,close,gas_test",
			"reports:read")},
		{RoleContractor, "Contractor", "A contractor company's staff: their permits and actions.", ScopeContractor, perms(
			"organization:read", "stations:read", "contractors:read", "incidents:report", "actions:read,complete",
			"permits:read,request")},
		{RoleViewer, "Viewer", "Reads everything, changes nothing.", ScopeOrganization, perms(
			"organization:read", "stations:read", "contractors:read", "forms:read", "audits:read",
			"incidents:read", "actions:read", "permits:read", "reports:read")},
	}
}

// SystemRoleID is the id of a system role in an organization: stable, so
// code can refer to "the owner role" without a lookup.
func SystemRoleID(key string) string { return "sys-" + key }
