package seed

import (
	"context"
	"fmt"
	"strings"

	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// hashPassword hashes the demo password once: every demo account shares
// it, and one hash instead of one per account keeps seeding quick.
func (g *generator) hashPassword() error {
	h, err := auth.HashPassword(g.o.Password)
	g.pwHash = h
	return err
}

// staff is who does what in one organization's data.
type staff struct {
	owner, compliance string
	auditors          []string
	// managerOf maps a station's index to its manager.
	managerOf []string
}

func people(org *Org) *staff {
	s := &staff{owner: org.Owner.UserID, managerOf: make([]string, len(org.StationIDs))}
	var managers []string
	for _, m := range org.Members {
		switch m.Role {
		case hse.RoleComplianceManager:
			if s.compliance == "" {
				s.compliance = m.UserID
			}
		case hse.RoleAuditor:
			s.auditors = append(s.auditors, m.UserID)
		case hse.RoleStationManager:
			managers = append(managers, m.UserID)
		}
	}
	per := (len(org.StationIDs) + len(managers) - 1) / len(managers)
	for i := range org.StationIDs {
		s.managerOf[i] = managers[i/per]
	}
	return s
}

// memberPlan is how many members of each role an organization with n
// stations gets: auditors for about 50 stations each, a manager for about
// 25 stations each.
func memberPlan(n int) []struct {
	role  string
	count int
} {
	return []struct {
		role  string
		count int
	}{
		{hse.RoleAdmin, 1},
		{hse.RoleComplianceManager, 2},
		{hse.RoleAuditor, min(20, max(2, n/50))},
		{hse.RoleStationManager, min(40, max(1, n/25))},
		{hse.RoleContractor, 1},
		{hse.RoleViewer, 1},
	}
}

// identity creates the organization, its system roles, the verified owner
// and the members of every role, and the starter templates, in one
// transaction, as signup and accepted invitations would.
func (g *generator) identity(ctx context.Context, i, nStations int) (*Org, error) {
	now := g.o.Now
	base := orgNames[i%len(orgNames)]
	if i >= len(orgNames) {
		base = fmt.Sprintf("%s %d", base, i/len(orgNames)+1)
	}
	org := &Org{ID: newID(), Name: base + " (demo)", ByStatus: map[string]int{}}
	org.StationIDs = make([]string, nStations)
	for k := range org.StationIDs {
		org.StationIDs[k] = newID()
	}
	contractorID := newID()
	err := g.db.Identity().InTx(ctx, identity.TxScope{OrgID: org.ID}, func(tx identity.Tx) error {
		slug, err := freeSlug(ctx, tx, base)
		if err != nil {
			return err
		}
		org.Slug = slug
		o := &identity.Organization{ID: org.ID, Name: org.Name, Slug: slug, Plan: "free", Status: identity.OrgActive,
			CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateOrganization(ctx, o); err != nil {
			return err
		}
		for _, rt := range hse.SystemRoles() {
			r := &identity.Role{ID: hse.SystemRoleID(rt.Key), Name: rt.Name, Description: rt.Description, System: true,
				Scope: rt.Scope, Permissions: rt.Permissions, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateRole(ctx, org.ID, r); err != nil {
				return err
			}
		}
		add := func(role, local, name string, m *identity.Membership) (Account, error) {
			verified := now
			u := &identity.User{ID: newID(), Email: local + "@" + slug + ".example.com", Name: name, PasswordHash: g.pwHash,
				EmailVerifiedAt: &verified, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateUser(ctx, u); err != nil {
				return Account{}, fmt.Errorf("user %s: %w", u.Email, err)
			}
			m.OrgID, m.UserID, m.RoleID, m.CreatedAt, m.UpdatedAt = org.ID, u.ID, hse.SystemRoleID(role), now, now
			if err := tx.CreateMembership(ctx, org.ID, m); err != nil {
				return Account{}, err
			}
			return Account{Email: u.Email, Role: role, UserID: u.ID}, nil
		}
		owner, err := add(hse.RoleOwner, "owner", g.personName()+" (Owner)", &identity.Membership{})
		if err != nil {
			return err
		}
		org.Owner, org.Members = owner, []Account{owner}
		for _, p := range memberPlan(nStations) {
			for k := range p.count {
				m := &identity.Membership{}
				switch p.role {
				case hse.RoleStationManager:
					per := (nStations + p.count - 1) / p.count
					m.StationIDs = org.StationIDs[min(k*per, nStations):min((k+1)*per, nStations)]
					if len(m.StationIDs) == 0 {
						m.StationIDs = org.StationIDs[nStations-1:]
					}
				case hse.RoleContractor:
					m.ContractorID = contractorID
				}
				local := fmt.Sprintf("%s%d", strings.ReplaceAll(p.role, "_", "-"), k+1)
				acc, err := add(p.role, local, g.personName(), m)
				if err != nil {
					return err
				}
				org.Members = append(org.Members, acc)
			}
		}
		if err := tx.CreateStarterPermitTypes(ctx, org.ID, now); err != nil {
			return err
		}
		ttx, ok := sqlstore.TemplateTxOf(tx)
		if !ok {
			return fmt.Errorf("the identity transaction is not one of sqlstore")
		}
		if err := audit.InstallStarters(ctx, ttx, org.ID, owner.UserID, now); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &hse.AuditEntry{ID: newID(), OrgID: org.ID, OccurredAt: now, ActorUserID: owner.UserID,
			ActorEmail: owner.Email, Action: "organization.created", EntityType: "organization", EntityID: org.ID,
			After: map[string]any{"name": org.Name, "slug": slug, "owner": owner.Email, "demo": true}})
	})
	if err != nil {
		return nil, err
	}
	g.firstContractor = contractorID
	return org, nil
}

// freeSlug is the name's slug, or the first free one with a number.
func freeSlug(ctx context.Context, tx identity.Tx, name string) (string, error) {
	base := strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, name), "-")
	base = strings.Join(strings.FieldsFunc(base, func(r rune) bool { return r == '-' }), "-") + "-demo"
	for n := 1; n < 1000; n++ {
		cand := base
		if n > 1 {
			cand = fmt.Sprintf("%s-%d", base, n)
		}
		taken, err := tx.SlugTaken(ctx, cand)
		if err != nil {
			return "", err
		}
		if !taken {
			return cand, nil
		}
	}
	return "", fmt.Errorf("no free slug for %s", name)
}

func (g *generator) personName() string { return g.pick(firstNames) + " " + g.pick(lastNames) }
