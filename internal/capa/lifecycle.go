package capa

import (
	"strings"

	"github.com/hsedigital/hse/internal/hse"
)

// Move is a lifecycle operation, one per endpoint.
type Move string

// The moves of the lifecycle.
const (
	MoveStart    Move = "start"    // Open → In Progress
	MoveComplete Move = "complete" // In Progress → Completed
	MoveVerify   Move = "verify"   // Completed → Verified
	MoveReject   Move = "reject"   // Completed → In Progress: verification failed
)

// transitions is the whole lifecycle; every other pair of states is
// refused.
var transitions = []struct {
	from, to string
	move     Move
}{
	{StatusOpen, StatusInProgress, MoveStart},
	{StatusInProgress, StatusCompleted, MoveComplete},
	{StatusCompleted, StatusVerified, MoveVerify},
	{StatusCompleted, StatusInProgress, MoveReject},
}

// Allowed lists the states an action in state from may move to.
func Allowed(from string) []string {
	out := []string{}
	for _, t := range transitions {
		if t.from == from {
			out = append(out, t.to)
		}
	}
	return out
}

// Actor is who attempts a transition.
type Actor struct {
	UserID      string
	Permissions hse.PermissionSet
}

// Check decides whether actor may move action a to state to, with the
// note the move needs (completion notes, or the reason verification
// failed). It returns the move the pair of states stands for. It is pure:
// the whole lifecycle and who may do what, in one place.
//
//   - Open → In Progress: the assignee, or anyone with actions:update.
//   - In Progress → Completed: the assignee only, with actions:complete and
//     completion notes.
//   - Completed → Verified: actions:verify, and not the one who completed it.
//   - Completed → In Progress: actions:verify, with the reason.
//
// Any other pair is an hse.InvalidTransition naming the current state and
// the allowed ones.
func Check(a *Action, to string, actor Actor, note string) (Move, error) {
	move := moveFor(a.Status, to)
	if move == "" {
		return "", hse.InvalidTransition("the action", a.Status, "moved to "+to, Allowed(a.Status))
	}
	if err := MayMove(a, move, actor); err != nil {
		return "", err
	}
	noted := strings.TrimSpace(note) != ""
	switch move {
	case MoveComplete:
		if !noted {
			return "", hse.Invalid("completion needs notes", hse.FieldError{Field: "notes", Message: "required: what was done"})
		}
	case MoveVerify:
		if a.CompletedBy == actor.UserID {
			return "", hse.Forbidden("SELF_VERIFICATION", "an action is verified by someone other than the one who completed it")
		}
	case MoveReject:
		if !noted {
			return "", hse.Invalid("a failed verification needs the reason", hse.FieldError{Field: "reason", Message: "required: what is still wrong"})
		}
	}
	return move, nil
}

// MayMove decides whether actor may make move m on action a at all,
// whatever state a is in: the permission the move needs and, for starting
// and completing, being the assignee. It comes before any check of the
// state, so that a caller who may never make the move learns that and
// nothing about the action's state.
func MayMove(a *Action, m Move, actor Actor) error {
	isAssignee := a.AssigneeUserID != "" && a.AssigneeUserID == actor.UserID
	switch m {
	case MoveStart:
		if !isAssignee && !actor.Permissions.Has(PermUpdate) {
			return hse.Forbidden("FORBIDDEN", "only the assignee or someone with %s may start an action", PermUpdate)
		}
	case MoveComplete:
		if !actor.Permissions.Has(PermComplete) {
			return hse.Forbidden("FORBIDDEN", "missing permission %s", PermComplete)
		}
		if !isAssignee {
			return hse.Forbidden("NOT_ASSIGNEE", "only the assignee may complete an action")
		}
	case MoveVerify, MoveReject:
		if !actor.Permissions.Has(PermVerify) {
			return hse.Forbidden("FORBIDDEN", "missing permission %s", PermVerify)
		}
	}
	return nil
}

// Target is the state a move leads to.
func Target(m Move) string {
	for _, t := range transitions {
		if t.move == m {
			return t.to
		}
	}
	return ""
}

// moveFor is the move from one state to another, "" when there is none.
func moveFor(from, to string) Move {
	for _, t := range transitions {
		if t.from == from && t.to == to {
			return t.move
		}
	}
	return ""
}

// verbs describe moves in refusals.
var verbs = map[Move]string{MoveStart: "started", MoveComplete: "completed", MoveVerify: "verified", MoveReject: "sent back as failed verification"}

// CheckMove is Check for an endpoint's move: who may make it first, then
// the move must be the one the current state allows towards its target
// (start on a Completed action is not a failed verification).
func CheckMove(a *Action, m Move, actor Actor, note string) error {
	if err := MayMove(a, m, actor); err != nil {
		return err
	}
	if moveFor(a.Status, Target(m)) != m {
		return hse.InvalidTransition("the action", a.Status, verbs[m], Allowed(a.Status))
	}
	_, err := Check(a, Target(m), actor, note)
	return err
}
