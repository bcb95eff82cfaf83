package identity

import (
	"context"
	"fmt"

	"github.com/hsedigital/hse/internal/hse"
)

// RoleInput describes a custom role.
type RoleInput struct {
	Name        string
	Description string
	Scope       string
	Permissions []hse.Permission
}

func (in *RoleInput) validate() error {
	name, err := checkName("name", in.Name, 2, 60)
	if err != nil {
		return err
	}
	in.Name = name
	var fields []hse.FieldError
	if len(in.Description) > 500 {
		fields = append(fields, hse.FieldError{Field: "description", Message: "must be at most 500 characters"})
	}
	switch in.Scope {
	case "":
		in.Scope = hse.ScopeOrganization
	case hse.ScopeOrganization, hse.ScopeStations, hse.ScopeContractor:
	default:
		fields = append(fields, hse.FieldError{Field: "scope", Message: "must be organization, stations or contractor"})
	}
	seen := map[hse.Permission]bool{}
	for i, p := range in.Permissions {
		if !hse.ValidPermission(p) {
			fields = append(fields, hse.FieldError{Field: fmt.Sprintf("permissions[%d]", i), Message: fmt.Sprintf("unknown permission %q", p)})
		}
		if seen[p] {
			fields = append(fields, hse.FieldError{Field: fmt.Sprintf("permissions[%d]", i), Message: fmt.Sprintf("%q is listed twice", p)})
		}
		seen[p] = true
	}
	if len(fields) > 0 {
		return hse.Invalid("invalid role", fields...)
	}
	return nil
}

// grantable checks the rule that nobody hands out more than they hold.
func grantable(p *hse.Principal, perms []hse.Permission) error {
	if !p.Permissions.Covers(hse.NewPermissionSet(perms...)) {
		return hse.Forbidden("ROLE_ABOVE_YOUR_OWN", "you cannot grant permissions you do not hold")
	}
	return nil
}

// Roles lists the organization's roles.
func (s *Service) Roles(ctx context.Context, p *hse.Principal) ([]Role, error) {
	if err := p.Require(hse.PermRolesRead); err != nil {
		return nil, err
	}
	var out []Role
	err := s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID, ReadOnly: true}, func(tx Tx) error {
		var err error
		out, err = tx.FindRoles(ctx, p.OrgID)
		return err
	})
	return out, err
}

// Role returns one role.
func (s *Service) Role(ctx context.Context, p *hse.Principal, id string) (*Role, error) {
	if err := p.Require(hse.PermRolesRead); err != nil {
		return nil, err
	}
	var r *Role
	err := s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID, ReadOnly: true}, func(tx Tx) error {
		var err error
		r, err = tx.FindRole(ctx, p.OrgID, id)
		return err
	})
	return r, err
}

// CreateRole adds a custom role.
func (s *Service) CreateRole(ctx context.Context, p *hse.Principal, in RoleInput) (*Role, error) {
	if err := p.Require(hse.PermRolesManage); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	if err := grantable(p, in.Permissions); err != nil {
		return nil, err
	}
	now := s.now()
	r := &Role{ID: newID(), Name: in.Name, Description: in.Description, Scope: in.Scope, Permissions: orNone(in.Permissions), CreatedAt: now, UpdatedAt: now}
	err := s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID}, func(tx Tx) error {
		if err := tx.CreateRole(ctx, p.OrgID, r); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.auditFor(ctx, p, "role.created", "role", r.ID, nil, roleAudit(r)))
	})
	return r, err
}

func orNone(ps []hse.Permission) []hse.Permission {
	if ps == nil {
		return []hse.Permission{}
	}
	return ps
}

func roleAudit(r *Role) map[string]any {
	return map[string]any{"name": r.Name, "scope": r.Scope, "permissions": r.Permissions}
}

// UpdateRole changes a custom role; system roles are fixed.
func (s *Service) UpdateRole(ctx context.Context, p *hse.Principal, id string, in RoleInput) (*Role, error) {
	defer s.forgetPrincipals() // what the caller may do has changed
	if err := p.Require(hse.PermRolesManage); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var r *Role
	err := s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID}, func(tx Tx) error {
		var err error
		if r, err = tx.FindRole(ctx, p.OrgID, id); err != nil {
			return err
		}
		if r.System {
			return hse.Conflict("SYSTEM_ROLE", "system roles cannot be changed; create a custom role instead")
		}
		// Changing a role changes what its holders may do: the caller must
		// hold both what it grants now and what it will grant.
		if err := grantable(p, append(append([]hse.Permission{}, r.Permissions...), in.Permissions...)); err != nil {
			return err
		}
		before := roleAudit(r)
		r.Name, r.Description, r.Scope, r.Permissions, r.UpdatedAt = in.Name, in.Description, in.Scope, orNone(in.Permissions), s.now()
		if err := tx.UpdateRole(ctx, p.OrgID, r); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.auditFor(ctx, p, "role.updated", "role", r.ID, before, roleAudit(r)))
	})
	return r, err
}

// DeleteRole removes a custom role nobody holds.
func (s *Service) DeleteRole(ctx context.Context, p *hse.Principal, id string) error {
	defer s.forgetPrincipals() // what the caller may do has changed
	if err := p.Require(hse.PermRolesManage); err != nil {
		return err
	}
	return s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID}, func(tx Tx) error {
		r, err := tx.FindRole(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		if r.System {
			return hse.Conflict("SYSTEM_ROLE", "system roles cannot be deleted")
		}
		if err := grantable(p, r.Permissions); err != nil {
			return err
		}
		n, err := tx.CountRoleMembers(ctx, p.OrgID, id)
		if err != nil {
			return err
		}
		if n > 0 {
			return hse.Conflict("ROLE_IN_USE", "%d members or pending invitations use this role; give them another role first", n)
		}
		if err := tx.DeleteRole(ctx, p.OrgID, id); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.auditFor(ctx, p, "role.deleted", "role", id, roleAudit(r), nil))
	})
}
