package audit

import (
	"slices"

	"github.com/hsedigital/hse/internal/hse"
)

// transitions is the audit lifecycle: Scheduled → In Progress → Completed
// → Closed, or Cancelled before completion, or Missed when its window
// passed unstarted: that one the server's daily sweep records, never a
// client, so it is not among the allowed transitions. Closed, Cancelled
// and Missed are final.
var transitions = map[string][]string{
	StatusScheduled:  {StatusInProgress, StatusCancelled},
	StatusInProgress: {StatusCompleted, StatusCancelled},
	StatusCompleted:  {StatusClosed},
	StatusClosed:     {},
	StatusCancelled:  {},
	StatusMissed:     {},
}

// Statuses lists every audit status in lifecycle order.
func Statuses() []string {
	return []string{StatusScheduled, StatusInProgress, StatusCompleted, StatusClosed, StatusCancelled, StatusMissed}
}

// ValidStatus reports whether s is an audit status.
func ValidStatus(s string) bool { _, ok := transitions[s]; return ok }

// Allowed returns the statuses an audit in status from may move to.
func Allowed(from string) []string { return slices.Clone(transitions[from]) }

// Transition checks a status change: nil when the lifecycle allows it,
// otherwise an INVALID_TRANSITION conflict naming the current status and
// the allowed ones.
func Transition(from, to string) error {
	if slices.Contains(transitions[from], to) {
		return nil
	}
	return hse.InvalidTransition("the audit", from, to, Allowed(from))
}
