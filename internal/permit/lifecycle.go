package permit

import (
	"strings"

	"github.com/hsedigital/hse/internal/hse"
)

// Move is a lifecycle operation, one per endpoint (expire is the job's).
type Move string

// The moves of the lifecycle.
const (
	MoveSubmit   Move = "submit"   // Draft → Pending Approval
	MoveApprove  Move = "approve"  // Pending Approval → Approved
	MoveReject   Move = "reject"   // Pending Approval → Rejected
	MoveActivate Move = "activate" // Approved → Active
	MoveClose    Move = "close"    // Active → Closed
	MoveCancel   Move = "cancel"   // Draft, Pending Approval or Approved → Cancelled
	MoveExpire   Move = "expire"   // Approved, Active or Suspended → Expired, by the expiry job only
	// MoveSuspend stops Active work: by the area authority or the issuer,
	// with the reason, or by the system on a missed or failed gas re-test.
	MoveSuspend Move = "suspend" // Active → Suspended
	// MoveResume restarts Suspended work after a passing gas test.
	MoveResume Move = "resume" // Suspended → Active
)

// transitions is the whole lifecycle; every other pair of states is
// refused. Closed, Rejected, Cancelled and Expired are final.
var transitions = []struct {
	from, to string
	move     Move
}{
	{StatusDraft, StatusPendingApproval, MoveSubmit},
	{StatusDraft, StatusCancelled, MoveCancel},
	{StatusPendingApproval, StatusApproved, MoveApprove},
	{StatusPendingApproval, StatusRejected, MoveReject},
	{StatusPendingApproval, StatusCancelled, MoveCancel},
	{StatusApproved, StatusActive, MoveActivate},
	{StatusApproved, StatusCancelled, MoveCancel},
	{StatusApproved, StatusExpired, MoveExpire},
	{StatusActive, StatusClosed, MoveClose},
	{StatusActive, StatusExpired, MoveExpire},
	{StatusActive, StatusSuspended, MoveSuspend},
	{StatusSuspended, StatusActive, MoveResume},
	{StatusSuspended, StatusClosed, MoveClose},
	{StatusSuspended, StatusExpired, MoveExpire},
}

// Allowed lists the states a permit in state from may move to.
func Allowed(from string) []string {
	out := []string{}
	for _, t := range transitions {
		if t.from == from {
			out = append(out, t.to)
		}
	}
	return out
}

// Target is the state a move from a state leads to, "" when the lifecycle
// has no such move from there.
func Target(from string, m Move) string {
	for _, t := range transitions {
		if t.from == from && t.move == m {
			return t.to
		}
	}
	return ""
}

// verbs describe moves in refusals.
var verbs = map[Move]string{MoveSubmit: "submitted", MoveApprove: "approved", MoveReject: "rejected", MoveActivate: "activated",
	MoveClose: "closed", MoveCancel: "cancelled", MoveExpire: "expired", MoveSuspend: "suspended", MoveResume: "resumed"}

// Actor is who attempts a move.
type Actor struct {
	UserID      string
	Permissions hse.PermissionSet
	System      bool // the expiry and re-test job
}

// Check decides whether actor may make move m on permit p with its note
// (the rejection reason, the close-out notes or the cancellation reason).
// It is pure: the lifecycle and who may do what, in one place. The rules of
// the work itself (precautions, gas tests, contractor, clashes) are
// ApprovalProblems and ActivationProblems.
//
//   - submit: permits:request.
//   - approve: permits:approve (never by the requester: an approval
//     problem, listed with the others).
//   - reject: permits:approve, with the reason.
//   - activate: permits:activate.
//   - close: permits:close, with close-out notes (Active or Suspended).
//   - suspend: permits:activate or permits:approve, with the reason (or
//     the system, on a missed or failed gas re-test).
//   - resume: permits:activate.
//   - cancel: permits:request or permits:approve.
//   - expire: the expiry job only.
//
// A move the current state does not allow is an hse.InvalidTransition
// naming the current state and the allowed ones.
func Check(p *Permit, m Move, actor Actor, note string) error {
	// Who may make the move comes first: a caller without the permission
	// learns that, whatever state the permit is in.
	if err := MayMove(m, actor); err != nil {
		return err
	}
	if Target(p.Status, m) == "" {
		return hse.InvalidTransition("the permit", p.Status, verbs[m], Allowed(p.Status))
	}
	noted := strings.TrimSpace(note) != ""
	switch {
	case m == MoveReject && !noted:
		return hse.Invalid("a rejection needs the reason", hse.FieldError{Field: "reason", Message: "required: why the permit is refused"})
	case m == MoveClose && !noted:
		return hse.Invalid("close-out needs notes", hse.FieldError{Field: "notes", Message: "required: the state the work and the site were left in"})
	case m == MoveSuspend && !noted:
		return hse.Invalid("a suspension needs the reason", hse.FieldError{Field: "reason", Message: "required: why the work must stop"})
	}
	return nil
}

// MayMove decides whether actor may make move m at all, whatever the
// permit's state: the permission the move needs (expiry is the system's
// alone).
func MayMove(m Move, actor Actor) error {
	if actor.System && (m == MoveExpire || m == MoveSuspend) {
		return nil
	}
	if perm := movePermission(m, actor); perm != "" {
		return hse.Forbidden("FORBIDDEN", "missing permission %s", perm)
	}
	if m == MoveExpire && !actor.System {
		return hse.Forbidden("FORBIDDEN", "permits expire by themselves at their valid-to time")
	}
	return nil
}

// movePermission is the permission actor lacks for a move, "" when none.
func movePermission(m Move, actor Actor) hse.Permission {
	var need hse.Permission
	switch m {
	case MoveSubmit:
		need = PermRequest
	case MoveApprove, MoveReject:
		need = PermApprove
	case MoveActivate, MoveResume:
		need = PermActivate
	case MoveSuspend:
		if actor.Permissions.Has(PermApprove) {
			return ""
		}
		need = PermActivate
	case MoveClose:
		need = PermClose
	case MoveCancel:
		if actor.Permissions.Has(PermApprove) {
			return ""
		}
		need = PermRequest
	default:
		return ""
	}
	if actor.Permissions.Has(need) {
		return ""
	}
	return need
}
