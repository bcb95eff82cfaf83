package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/hse"
)

// MemberInput is the role and scope given to a member or invitee.
type MemberInput struct {
	RoleID       string
	StationIDs   []string
	ContractorID string
}

// checkAssignment validates a role assignment: the role exists, the caller
// holds everything it grants, and the scope fits the role.
func (s *Service) checkAssignment(ctx context.Context, tx Tx, p *hse.Principal, in *MemberInput) (*Role, error) {
	r, err := tx.FindRole(ctx, p.OrgID, in.RoleID)
	if hse.IsNotFound(err) {
		return nil, hse.Invalid("unknown role", hse.FieldError{Field: "roleId", Message: "no such role in this organization"})
	}
	if err != nil {
		return nil, err
	}
	if err := grantable(p, r.Permissions); err != nil {
		return nil, err
	}
	if len(in.StationIDs) > 500 {
		return nil, hse.Invalid("too many stations", hse.FieldError{Field: "stationIds", Message: "at most 500"})
	}
	switch r.Scope {
	case hse.ScopeStations:
		in.ContractorID = ""
		// A station-scoped role without stations would reach nothing, or,
		// in code that reads an empty list as "no limit", everything.
		if len(in.StationIDs) == 0 {
			return nil, hse.Invalid("a station-scoped role needs stations", hse.FieldError{Field: "stationIds", Message: "required for this role: at least one station"})
		}
		for i, id := range in.StationIDs {
			if strings.TrimSpace(id) == "" || len(id) > 64 {
				return nil, hse.Invalid("invalid station id", hse.FieldError{Field: fmt.Sprintf("stationIds[%d]", i), Message: "must be a station id"})
			}
		}
	case hse.ScopeContractor:
		in.StationIDs = nil
		if in.ContractorID == "" {
			return nil, hse.Invalid("a contractor role needs a contractor company", hse.FieldError{Field: "contractorId", Message: "required for this role"})
		}
	default:
		in.StationIDs, in.ContractorID = nil, ""
	}
	return r, nil
}

// Members lists the organization's members.
func (s *Service) Members(ctx context.Context, p *hse.Principal) ([]Member, error) {
	if err := p.Require(hse.PermUsersRead); err != nil {
		return nil, err
	}
	var out []Member
	err := s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID, ReadOnly: true}, func(tx Tx) error {
		var err error
		out, err = tx.FindMembers(ctx, p.OrgID)
		return err
	})
	return out, err
}

// Invite mails an invitation link. The invitation is bound to this
// organization; the token carries the organization id so that accepting it
// is a lookup inside one tenant. Inviting an address that already has a
// pending invitation replaces it: the new role and scope apply, the old
// link stops working, and the audit trail names what was replaced. An
// administrator who re-invites with another role means the new one, and
// two pending invitations would leave it to the invitee which to accept.
func (s *Service) Invite(ctx context.Context, p *hse.Principal, email string, in MemberInput) (*Invitation, error) {
	if err := p.Require(hse.PermUsersInvite); err != nil {
		return nil, err
	}
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return nil, err
	}
	secret, err := auth.NewOpaqueToken("")
	if err != nil {
		return nil, err
	}
	token := "hsei_" + p.OrgID + "." + secret
	now := s.now()
	inv := &Invitation{ID: newID(), OrgID: p.OrgID, Email: email, TokenHash: s.hashOneTime(token), InvitedBy: p.UserID,
		ExpiresAt: now.Add(InvitationTTL), CreatedAt: now}
	var org *Organization
	err = s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID}, func(tx Tx) error {
		r, err := s.checkAssignment(ctx, tx, p, &in)
		if err != nil {
			return err
		}
		if u, err := tx.FindUserByEmail(ctx, email); err == nil {
			if _, err := tx.FindMembership(ctx, p.OrgID, u.ID); err == nil {
				return hse.Conflict("ALREADY_MEMBER", "%s is already a member", email)
			}
		}
		if org, err = tx.FindOrganizationByID(ctx, p.OrgID); err != nil {
			return err
		}
		inv.RoleID, inv.StationIDs, inv.ContractorID = r.ID, in.StationIDs, in.ContractorID
		replaced, err := tx.ReplacePendingInvitations(ctx, p.OrgID, email, now)
		if err != nil {
			return err
		}
		if err := tx.CreateInvitation(ctx, p.OrgID, inv); err != nil {
			return err
		}
		after := map[string]any{"email": email, "roleId": r.ID, "role": r.Name}
		if len(replaced) > 0 {
			after["replaces"] = replaced
		}
		return tx.AppendAudit(ctx, s.auditFor(ctx, p, "member.invited", "invitation", inv.ID, nil, after))
	})
	if err != nil {
		return nil, err
	}
	s.sendLater(ctx, hse.Mail{To: email, Kind: "invitation", Subject: "You are invited to " + org.Name + " on HSE Digital",
		Text: p.Email + " invited you to join " + org.Name + " on HSE Digital.\n\nAccept the invitation:\n\n" +
			s.PublicURL + "/accept-invitation?token=" + token + "\n\nThe link is valid for 7 days.\n"})
	return inv, nil
}

// Invitations lists the organization's invitations.
func (s *Service) Invitations(ctx context.Context, p *hse.Principal) ([]Invitation, error) {
	if err := p.Require(hse.PermUsersRead); err != nil {
		return nil, err
	}
	var out []Invitation
	err := s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID, ReadOnly: true}, func(tx Tx) error {
		var err error
		out, err = tx.FindInvitations(ctx, p.OrgID)
		return err
	})
	return out, err
}

// RevokeInvitation withdraws a pending invitation.
func (s *Service) RevokeInvitation(ctx context.Context, p *hse.Principal, id string) error {
	if err := p.Require(hse.PermUsersInvite); err != nil {
		return err
	}
	return s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID}, func(tx Tx) error {
		if err := tx.RevokeInvitation(ctx, p.OrgID, id, s.now()); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.auditFor(ctx, p, "member.invitation_revoked", "invitation", id, nil, nil))
	})
}

// AcceptInput accepts an invitation. Name and password are needed only when
// the address has no account yet.
type AcceptInput struct {
	Token    string
	Name     string
	Password string
}

// Accepted says what accepting did.
type Accepted struct {
	OrgID       string
	UserID      string
	UserCreated bool
}

var errBadInvitation = hse.Invalid("the invitation is invalid or has expired", hse.FieldError{Field: "token", Message: "invalid or expired"})

// AcceptInvitation joins the invitee to the organization, creating their
// account (verified: the link proved the address) or linking the existing
// one.
func (s *Service) AcceptInvitation(ctx context.Context, in AcceptInput) (*Accepted, error) {
	defer s.forgetPrincipals() // what callers see of themselves has changed
	if err := s.limit(ctx, "token:ip:"+hse.RequestMetaFrom(ctx).IP, TokenUsePerIP); err != nil {
		return nil, err
	}
	rest, ok := strings.CutPrefix(in.Token, "hsei_")
	orgID, _, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || orgID == "" || len(in.Token) > 200 {
		return nil, errBadInvitation
	}
	now := s.now()
	out := &Accepted{OrgID: orgID}
	var hash string
	var pre *Invitation
	// Find the invitation first (to know whether a password is needed).
	err := s.Store.InTx(ctx, TxScope{OrgID: orgID, ReadOnly: true}, func(tx Tx) error {
		for _, h := range s.Hasher.Candidates(in.Token) {
			inv, err := tx.FindInvitationByTokenHash(ctx, orgID, h)
			if err == nil {
				pre, hash = inv, h
				return nil
			}
		}
		return errBadInvitation
	})
	if err != nil {
		return nil, err
	}
	if pre.AcceptedAt != nil || pre.RevokedAt != nil || !now.Before(pre.ExpiresAt) {
		return nil, errBadInvitation
	}
	var pwHash string
	var existing *User
	_ = s.Store.InTx(ctx, TxScope{ReadOnly: true}, func(tx Tx) error {
		existing, _ = tx.FindUserByEmail(ctx, pre.Email)
		return nil
	})
	if existing == nil {
		if _, err := checkName("name", in.Name, 1, 100); err != nil {
			return nil, err
		}
		if err := auth.ValidatePassword(in.Password, pre.Email); err != nil {
			return nil, err
		}
		if pwHash, err = auth.HashPassword(in.Password); err != nil {
			return nil, err
		}
	}
	err = s.Store.InTx(ctx, TxScope{OrgID: orgID}, func(tx Tx) error {
		inv, err := tx.FindInvitationByTokenHash(ctx, orgID, hash)
		if err != nil {
			return errBadInvitation
		}
		if err := tx.MarkInvitationAccepted(ctx, orgID, inv.ID, now); err != nil {
			return errBadInvitation // accepted concurrently
		}
		u, err := tx.FindUserByEmail(ctx, inv.Email)
		if hse.IsNotFound(err) {
			if pwHash == "" {
				return errBadInvitation
			}
			name, _ := checkName("name", in.Name, 1, 100)
			u = &User{ID: newID(), Email: inv.Email, Name: name, PasswordHash: pwHash, EmailVerifiedAt: &now, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			out.UserCreated = true
		} else if err != nil {
			return err
		} else if u.EmailVerifiedAt == nil {
			u.EmailVerifiedAt, u.UpdatedAt = &now, now
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		out.UserID = u.ID
		m := &Membership{OrgID: orgID, UserID: u.ID, RoleID: inv.RoleID, StationIDs: inv.StationIDs, ContractorID: inv.ContractorID, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateMembership(ctx, orgID, m); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.audit(ctx, orgID, u.ID, u.Email, "member.joined", "member", u.ID, nil,
			map[string]any{"roleId": inv.RoleID, "invitationId": inv.ID, "accountCreated": out.UserCreated}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateMember changes a member's role or scope. The caller must hold every
// permission of both the old and the new role, and the last owner keeps
// the owner role.
func (s *Service) UpdateMember(ctx context.Context, p *hse.Principal, userID string, in MemberInput) (*Membership, error) {
	defer s.forgetPrincipals() // what the caller may do has changed
	if err := p.Require(hse.PermUsersUpdate); err != nil {
		return nil, err
	}
	var m *Membership
	err := s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID}, func(tx Tx) error {
		var err error
		if m, err = tx.FindMembership(ctx, p.OrgID, userID); err != nil {
			return err
		}
		old, err := tx.FindRole(ctx, p.OrgID, m.RoleID)
		if err != nil {
			return err
		}
		if err := grantable(p, old.Permissions); err != nil {
			return err
		}
		r, err := s.checkAssignment(ctx, tx, p, &in)
		if err != nil {
			return err
		}
		if err := s.keepAnOwner(ctx, tx, p.OrgID, m.RoleID, r.ID); err != nil {
			return err
		}
		before := map[string]any{"roleId": m.RoleID, "stationIds": m.StationIDs, "contractorId": m.ContractorID}
		m.RoleID, m.StationIDs, m.ContractorID, m.UpdatedAt = r.ID, in.StationIDs, in.ContractorID, s.now()
		if err := tx.UpdateMembership(ctx, p.OrgID, m); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.auditFor(ctx, p, "member.role_changed", "member", userID, before,
			map[string]any{"roleId": m.RoleID, "role": r.Name, "stationIds": m.StationIDs, "contractorId": m.ContractorID}))
	})
	return m, err
}

// keepAnOwner refuses to take the owner role from its last holder.
func (s *Service) keepAnOwner(ctx context.Context, tx Tx, orgID, fromRole, toRole string) error {
	owner := hse.SystemRoleID(hse.RoleOwner)
	if fromRole != owner || toRole == owner {
		return nil
	}
	n, err := tx.CountRoleHolders(ctx, orgID, owner)
	if err != nil {
		return err
	}
	if n <= 1 {
		return hse.Conflict("LAST_OWNER", "the organization needs at least one owner; make someone else owner first")
	}
	return nil
}

// RemoveMember takes a member out of the organization. Their access tokens
// for it stop working at once (each request checks the membership). A
// member with open work (audits, actions, investigations, permit
// requests) is refused with 409 OPEN_WORK listing it, unless reassignTo
// names a member who takes it over in the same transaction.
func (s *Service) RemoveMember(ctx context.Context, p *hse.Principal, userID, reassignTo string) error {
	defer s.forgetPrincipals() // what the caller may do has changed
	if err := p.Require(hse.PermUsersRemove); err != nil {
		return err
	}
	return s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID}, func(tx Tx) error {
		m, r, work, err := s.offboard(ctx, tx, p, userID, reassignTo)
		if err != nil {
			return err
		}
		if err := tx.DeleteMembership(ctx, p.OrgID, userID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.auditFor(ctx, p, "member.removed", "member", userID, map[string]any{"roleId": m.RoleID, "role": r.Name},
			handedOver(nil, reassignTo, work)))
	})
}
