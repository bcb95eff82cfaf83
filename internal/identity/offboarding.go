package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// OffboardTx is what removing or suspending a member needs beyond
// memberships: their open work, handing it over, and suspension.
type OffboardTx interface {
	hse.AccessReader
	// OpenWork lists the member's open audits, actions, investigations
	// and permit requests.
	OpenWork(ctx context.Context, orgID, userID string) ([]hse.WorkItem, error)
	// ReassignWork hands items over to userID, bumping each record's
	// version, recording it in the record's history and emitting the
	// assignment events, as actor at at.
	ReassignWork(ctx context.Context, orgID string, items []hse.WorkItem, to, actor string, at time.Time) error
	// SetMemberSuspended suspends (at != nil) or reactivates a member.
	SetMemberSuspended(ctx context.Context, orgID, userID string, at *time.Time) error
}

// handOver refuses to let a member with open work go unless reassignTo
// names a member who may take all of it over, and then hands it over in
// the caller's transaction. It returns the work handed over.
func handOver(ctx context.Context, tx Tx, p *hse.Principal, userID, reassignTo string, now time.Time) ([]hse.WorkItem, error) {
	work, err := tx.OpenWork(ctx, p.OrgID, userID)
	if err != nil || len(work) == 0 {
		return work, err
	}
	if reassignTo == "" {
		e := hse.Conflict("OPEN_WORK", "the member has %d open audits, actions, investigations or permits; name who takes them over in reassignTo", len(work))
		e.Details = map[string]any{"openWork": work}
		return nil, e
	}
	if reassignTo == userID {
		return nil, hse.Invalid("the work cannot go to the member who leaves", hse.FieldError{Field: "reassignTo", Message: "must be another member"})
	}
	acc, err := tx.MemberAccess(ctx, p.OrgID, reassignTo)
	if hse.IsNotFound(err) {
		return nil, hse.Invalid("reassignTo is not an active member", hse.FieldError{Field: "reassignTo", Message: "must be an active member of this organization"})
	}
	if err != nil {
		return nil, err
	}
	for _, w := range work {
		if !acc.CanTakeOver(w) {
			return nil, hse.Invalid("reassignTo cannot take over all the work", hse.FieldError{Field: "reassignTo",
				Message: fmt.Sprintf("cannot take over %s %s: needs %s and its station or company in scope", w.Kind, w.Number, hse.WorkPermissions[w.Kind])})
		}
	}
	if err := tx.ReassignWork(ctx, p.OrgID, work, reassignTo, p.UserID, now); err != nil {
		return nil, err
	}
	return work, nil
}

// offboard checks that the caller may act on the member (they hold
// everything the member's role grants, and the last owner stays), then
// hands their work over. It returns the membership, its role and the work.
func (s *Service) offboard(ctx context.Context, tx Tx, p *hse.Principal, userID, reassignTo string) (*Membership, *Role, []hse.WorkItem, error) {
	m, err := tx.FindMembership(ctx, p.OrgID, userID)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := tx.FindRole(ctx, p.OrgID, m.RoleID)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := grantable(p, r.Permissions); err != nil {
		return nil, nil, nil, err
	}
	if err := s.keepAnOwner(ctx, tx, p.OrgID, m.RoleID, ""); err != nil {
		return nil, nil, nil, err
	}
	work, err := handOver(ctx, tx, p, userID, reassignTo, s.now())
	return m, r, work, err
}

// handedOver is what the audit trail records of reassigned work.
func handedOver(after map[string]any, reassignTo string, work []hse.WorkItem) map[string]any {
	if len(work) == 0 {
		return after
	}
	if after == nil {
		after = map[string]any{}
	}
	after["reassignedTo"], after["work"] = reassignTo, work
	return after
}

// SuspendMember stops a member (a contractor's staff member who left the
// company, say) from acting in the organization while keeping their
// membership and history. Open work is refused or handed over as on
// removal.
func (s *Service) SuspendMember(ctx context.Context, p *hse.Principal, userID, reassignTo string) error {
	defer s.forgetPrincipals() // the member's requests stop at once
	if err := p.Require(hse.PermUsersUpdate); err != nil {
		return err
	}
	if userID == p.UserID {
		return hse.Conflict("SELF_SUSPEND", "you cannot suspend yourself")
	}
	return s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID}, func(tx Tx) error {
		m, r, work, err := s.offboard(ctx, tx, p, userID, reassignTo)
		if err != nil {
			return err
		}
		now := s.now()
		if err := tx.SetMemberSuspended(ctx, p.OrgID, userID, &now); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.auditFor(ctx, p, "member.suspended", "member", userID, map[string]any{"roleId": m.RoleID, "role": r.Name},
			handedOver(map[string]any{"suspended": true}, reassignTo, work)))
	})
}

// ReactivateMember lifts a suspension.
func (s *Service) ReactivateMember(ctx context.Context, p *hse.Principal, userID string) error {
	defer s.forgetPrincipals()
	if err := p.Require(hse.PermUsersUpdate); err != nil {
		return err
	}
	return s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID}, func(tx Tx) error {
		m, err := tx.FindMembership(ctx, p.OrgID, userID)
		if err != nil {
			return err
		}
		r, err := tx.FindRole(ctx, p.OrgID, m.RoleID)
		if err != nil {
			return err
		}
		if err := grantable(p, r.Permissions); err != nil {
			return err
		}
		if err := tx.SetMemberSuspended(ctx, p.OrgID, userID, nil); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.auditFor(ctx, p, "member.reactivated", "member", userID, map[string]any{"suspended": true},
			map[string]any{"suspended": false}))
	})
}
