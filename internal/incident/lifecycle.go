package incident

import (
	"strings"

	"github.com/hsedigital/hse/internal/hse"
)

// Move is a lifecycle operation, one per endpoint.
type Move string

// The moves of the lifecycle.
const (
	MoveInvestigate   Move = "investigate"    // Reported → Under Investigation
	MoveRequireAction Move = "require-action" // Under Investigation → Action Required
	MoveClose         Move = "close"          // Action Required (or Under Investigation, with a reason) → Closed
	MoveReopen        Move = "reopen"         // Closed → Under Investigation
)

// Moves lists the moves in lifecycle order.
var Moves = []Move{MoveInvestigate, MoveRequireAction, MoveClose, MoveReopen}

// transitions is the whole lifecycle with the permission each move needs;
// every other pair of states is refused.
var transitions = []struct {
	from, to string
	move     Move
	perm     hse.Permission
}{
	{StatusReported, StatusUnderInvestigation, MoveInvestigate, PermInvestigate},
	{StatusUnderInvestigation, StatusActionRequired, MoveRequireAction, PermInvestigate},
	{StatusActionRequired, StatusClosed, MoveClose, PermClose},
	// An incident whose investigation finds nothing to act on closes
	// from investigation, with the reason recorded.
	{StatusUnderInvestigation, StatusClosed, MoveClose, PermClose},
	{StatusClosed, StatusUnderInvestigation, MoveReopen, PermClose},
}

// Allowed lists the states an incident in state from may move to.
func Allowed(from string) []string {
	out := []string{}
	for _, t := range transitions {
		if t.from == from {
			out = append(out, t.to)
		}
	}
	return out
}

// Target is the state a move leads to ("" for an unknown move).
func Target(m Move) string {
	for _, t := range transitions {
		if t.move == m {
			return t.to
		}
	}
	return ""
}

// verbs describe moves in refusals.
var verbs = map[Move]string{MoveInvestigate: "put under investigation", MoveRequireAction: "marked as needing action",
	MoveClose: "closed", MoveReopen: "reopened"}

// CheckMove decides whether someone holding perms may make move m on an
// incident in state from, with the note the move needs (a reopen needs the
// reason). It is pure: the whole lifecycle and who may do what, in one
// place. A move the state does not allow is an hse.InvalidTransition
// naming the current state and the allowed ones; whether the incident's
// actions allow closing is checked by the service.
func CheckMove(from string, m Move, perms hse.PermissionSet, note string) error {
	// The permission comes before the state, so that a caller who may
	// never make the move learns nothing about the incident's state.
	if perm := MovePermission(m); perm != "" && !perms.Has(perm) {
		return hse.Forbidden("FORBIDDEN", "missing permission %s", perm)
	}
	for _, t := range transitions {
		if t.move != m {
			continue
		}
		if t.from != from {
			continue
		}
		if m == MoveReopen && strings.TrimSpace(note) == "" {
			return hse.Invalid("reopening needs the reason", hse.FieldError{Field: "reason", Message: "required: why the incident is reopened"})
		}
		if m == MoveClose && from == StatusUnderInvestigation && strings.TrimSpace(note) == "" {
			return hse.Invalid("closing without action needs the reason", hse.FieldError{Field: "reason",
				Message: "required when closing from investigation: why no action is needed"})
		}
		return nil
	}
	verb, ok := verbs[m]
	if !ok {
		verb = "moved by " + string(m)
	}
	return hse.InvalidTransition("the incident", from, verb, Allowed(from))
}

// MovePermission is the permission move m needs ("" for an unknown move).
func MovePermission(m Move) hse.Permission {
	for _, t := range transitions {
		if t.move == m {
			return t.perm
		}
	}
	return ""
}

// MoveFor is the move from one state to another, "" when the lifecycle
// has none.
func MoveFor(from, to string) Move {
	for _, t := range transitions {
		if t.from == from && t.to == to {
			return t.move
		}
	}
	return ""
}
