package capa

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/hse"
)

// Every pair of states, for an actor who holds every permission and is the
// assignee but not the completer: only the four lifecycle transitions pass,
// everything else is INVALID_TRANSITION with the allowed states.
func TestCheckEveryPairOfStates(t *testing.T) {
	allowed := map[[2]string]Move{
		{StatusOpen, StatusInProgress}:      MoveStart,
		{StatusInProgress, StatusCompleted}: MoveComplete,
		{StatusCompleted, StatusVerified}:   MoveVerify,
		{StatusCompleted, StatusInProgress}: MoveReject,
	}
	boss := Actor{UserID: "assignee", Permissions: hse.NewPermissionSet(PermRead, PermCreate, PermUpdate, PermComplete, PermVerify)}
	for _, from := range Statuses {
		for _, to := range Statuses {
			t.Run(from+"→"+to, func(t *testing.T) {
				a := &Action{Status: from, AssigneeUserID: "assignee", CompletedBy: "someone-else"}
				move, err := Check(a, to, boss, "notes")
				want, ok := allowed[[2]string{from, to}]
				if ok {
					if err != nil || move != want {
						t.Fatalf("Check = %q, %v; want %q", move, err, want)
					}
					return
				}
				var e *hse.Error
				if err == nil || !asError(err, &e) || e.Code != "INVALID_TRANSITION" {
					t.Fatalf("Check = %q, %v; want INVALID_TRANSITION", move, err)
				}
				if e.Details["currentState"] != from {
					t.Errorf("currentState = %v", e.Details["currentState"])
				}
				if diff := cmp.Diff(Allowed(from), e.Details["allowedTransitions"]); diff != "" {
					t.Errorf("allowedTransitions (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestAllowed(t *testing.T) {
	for from, want := range map[string][]string{
		StatusOpen:       {StatusInProgress},
		StatusInProgress: {StatusCompleted},
		StatusCompleted:  {StatusVerified, StatusInProgress},
		StatusVerified:   {},
	} {
		if diff := cmp.Diff(want, Allowed(from)); diff != "" {
			t.Errorf("Allowed(%s) (-want +got):\n%s", from, diff)
		}
	}
}

// Who may do each transition, and what it needs.
func TestCheckWho(t *testing.T) {
	perms := func(ps ...hse.Permission) hse.PermissionSet { return hse.NewPermissionSet(ps...) }
	stationManager := perms(PermRead, PermComplete)
	compliance := perms(PermRead, PermCreate, PermUpdate, PermComplete, PermVerify)
	viewer := perms(PermRead)
	cases := []struct {
		name     string
		from, to string
		actor    Actor
		note     string
		code     string // "" for allowed
		field    string
		naming   hse.Permission
		compBy   string
		assignee string
	}{
		{name: "assignee starts without update", from: StatusOpen, to: StatusInProgress, actor: Actor{"sm", stationManager}, assignee: "sm"},
		{name: "manager with update starts", from: StatusOpen, to: StatusInProgress, actor: Actor{"cm", compliance}, assignee: "sm"},
		{name: "others may not start", from: StatusOpen, to: StatusInProgress, actor: Actor{"v", viewer}, assignee: "sm", code: "FORBIDDEN", naming: PermUpdate},
		{name: "assignee completes with notes", from: StatusInProgress, to: StatusCompleted, actor: Actor{"sm", stationManager}, assignee: "sm", note: "fixed"},
		{name: "completion needs notes", from: StatusInProgress, to: StatusCompleted, actor: Actor{"sm", stationManager}, assignee: "sm", note: "  ", code: "VALIDATION_FAILED", field: "notes"},
		{name: "only the assignee completes", from: StatusInProgress, to: StatusCompleted, actor: Actor{"cm", compliance}, assignee: "sm", note: "x", code: "NOT_ASSIGNEE"},
		{name: "completion needs actions:complete", from: StatusInProgress, to: StatusCompleted, actor: Actor{"v", viewer}, assignee: "v", note: "x", code: "FORBIDDEN", naming: PermComplete},
		{name: "someone else verifies", from: StatusCompleted, to: StatusVerified, actor: Actor{"cm", compliance}, compBy: "sm"},
		{name: "the completer may not verify", from: StatusCompleted, to: StatusVerified, actor: Actor{"cm", compliance}, compBy: "cm", code: "SELF_VERIFICATION"},
		{name: "verification needs actions:verify", from: StatusCompleted, to: StatusVerified, actor: Actor{"sm2", stationManager}, compBy: "sm", code: "FORBIDDEN", naming: PermVerify},
		{name: "failed verification with a reason", from: StatusCompleted, to: StatusInProgress, actor: Actor{"cm", compliance}, compBy: "sm", note: "still leaking"},
		{name: "failed verification needs a reason", from: StatusCompleted, to: StatusInProgress, actor: Actor{"cm", compliance}, compBy: "sm", code: "VALIDATION_FAILED", field: "reason"},
		{name: "failed verification needs actions:verify", from: StatusCompleted, to: StatusInProgress, actor: Actor{"sm", stationManager}, compBy: "sm", note: "x", code: "FORBIDDEN", naming: PermVerify},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := &Action{Status: c.from, AssigneeUserID: c.assignee, CompletedBy: c.compBy}
			_, err := Check(a, c.to, c.actor, c.note)
			if c.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *hse.Error
			if !asError(err, &e) || e.Code != c.code {
				t.Fatalf("err = %v, want %s", err, c.code)
			}
			if c.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != c.field) {
				t.Errorf("fields = %v, want %s", e.Fields, c.field)
			}
			if c.naming != "" && !strings.Contains(e.Message, string(c.naming)) {
				t.Errorf("message %q does not name %s", e.Message, c.naming)
			}
		})
	}
}

// Each endpoint's move works only from its own state: start on a
// Completed action is not a failed verification.
func TestCheckMove(t *testing.T) {
	boss := Actor{UserID: "u", Permissions: hse.NewPermissionSet(PermUpdate, PermComplete, PermVerify)}
	for _, m := range []Move{MoveStart, MoveComplete, MoveVerify, MoveReject} {
		for _, from := range Statuses {
			a := &Action{Status: from, AssigneeUserID: "u", CompletedBy: "other"}
			err := CheckMove(a, m, boss, "note")
			ok := moveFor(from, Target(m)) == m
			if ok != (err == nil) {
				t.Errorf("%s from %s: err = %v", m, from, err)
			}
			if !ok && hse.KindOf(err) != hse.KindConflict {
				t.Errorf("%s from %s: %v, want a conflict", m, from, err)
			}
		}
	}
}

func asError(err error, e **hse.Error) bool { return errors.As(err, e) }

// A caller who may never make a move is told so in every state, before
// anything about the state: 403, never 409.
func TestCheckMovePermissionBeforeState(t *testing.T) {
	viewer := Actor{UserID: "v", Permissions: hse.NewPermissionSet(PermRead)}
	notAssignee := Actor{UserID: "cm", Permissions: hse.NewPermissionSet(PermRead, PermComplete)}
	for _, c := range []struct {
		m     Move
		actor Actor
		code  string
	}{
		{MoveStart, viewer, "FORBIDDEN"},
		{MoveComplete, viewer, "FORBIDDEN"},
		{MoveComplete, notAssignee, "NOT_ASSIGNEE"},
		{MoveVerify, notAssignee, "FORBIDDEN"},
		{MoveReject, notAssignee, "FORBIDDEN"},
	} {
		for _, from := range Statuses {
			a := &Action{Status: from, AssigneeUserID: "sm", CompletedBy: "sm"}
			var e *hse.Error
			if err := CheckMove(a, c.m, c.actor, "note"); !asError(err, &e) || e.Kind != hse.KindForbidden || e.Code != c.code {
				t.Errorf("%s by %s from %s: %v, want 403 %s", c.m, c.actor.UserID, from, err, c.code)
			}
		}
	}
}
