package permit

import (
	"errors"
	"slices"
	"testing"

	"github.com/hsedigital/hse/internal/hse"
)

var allPerms = hse.NewPermissionSet(PermRead, PermRequest, PermApprove, PermActivate, PermClose, PermGasTest)

var allMoves = []Move{MoveSubmit, MoveApprove, MoveReject, MoveActivate, MoveClose, MoveCancel, MoveExpire, MoveSuspend, MoveResume}

// TestLifecycleTable walks every move from every state: the allowed ones
// lead where the table says, every other is an invalid transition naming
// the current state and the allowed ones.
func TestLifecycleTable(t *testing.T) {
	allowed := map[string]map[Move]string{
		StatusDraft:           {MoveSubmit: StatusPendingApproval, MoveCancel: StatusCancelled},
		StatusPendingApproval: {MoveApprove: StatusApproved, MoveReject: StatusRejected, MoveCancel: StatusCancelled},
		StatusApproved:        {MoveActivate: StatusActive, MoveCancel: StatusCancelled, MoveExpire: StatusExpired},
		StatusActive:          {MoveClose: StatusClosed, MoveExpire: StatusExpired, MoveSuspend: StatusSuspended},
		StatusSuspended:       {MoveResume: StatusActive, MoveClose: StatusClosed, MoveExpire: StatusExpired},
		StatusClosed:          {},
		StatusRejected:        {},
		StatusCancelled:       {},
		StatusExpired:         {},
	}
	if len(allowed) != len(Statuses) {
		t.Fatalf("the test covers %d statuses, the domain has %d", len(allowed), len(Statuses))
	}
	for _, from := range Statuses {
		for _, m := range allMoves {
			want := allowed[from][m]
			if got := Target(from, m); got != want {
				t.Errorf("Target(%s, %s) = %q, want %q", from, m, got, want)
			}
			p := &Permit{Status: from, RequestedBy: "req"}
			err := Check(p, m, Actor{UserID: "boss", Permissions: allPerms, System: true}, "a note")
			if want != "" {
				if err != nil {
					t.Errorf("%s from %s: %v", m, from, err)
				}
				continue
			}
			var e *hse.Error
			if !errors.As(err, &e) || e.Code != "INVALID_TRANSITION" || e.Details["currentState"] != from {
				t.Errorf("%s from %s: %v, want INVALID_TRANSITION", m, from, err)
				continue
			}
			if got := e.Details["allowedTransitions"].([]string); !slices.Equal(got, Allowed(from)) {
				t.Errorf("%s from %s: allowed %v, want %v", m, from, got, Allowed(from))
			}
		}
	}
}

func TestCheckPermissionsAndNotes(t *testing.T) {
	set := func(ps ...hse.Permission) hse.PermissionSet { return hse.NewPermissionSet(ps...) }
	cases := []struct {
		name   string
		status string
		move   Move
		actor  Actor
		note   string
		code   string // "" allowed
	}{
		{"submit needs request", StatusDraft, MoveSubmit, Actor{Permissions: set(PermRead)}, "", "FORBIDDEN"},
		{"submit", StatusDraft, MoveSubmit, Actor{Permissions: set(PermRequest)}, "", ""},
		{"approve needs approve", StatusPendingApproval, MoveApprove, Actor{Permissions: set(PermRequest, PermActivate)}, "", "FORBIDDEN"},
		{"reject needs a reason", StatusPendingApproval, MoveReject, Actor{Permissions: set(PermApprove)}, " ", "VALIDATION_FAILED"},
		{"reject", StatusPendingApproval, MoveReject, Actor{Permissions: set(PermApprove)}, "no fire watch", ""},
		{"activate needs activate", StatusApproved, MoveActivate, Actor{Permissions: set(PermApprove)}, "", "FORBIDDEN"},
		{"close needs notes", StatusActive, MoveClose, Actor{Permissions: set(PermClose)}, "", "VALIDATION_FAILED"},
		{"close needs close", StatusActive, MoveClose, Actor{Permissions: set(PermActivate)}, "done", "FORBIDDEN"},
		{"cancel by requester", StatusApproved, MoveCancel, Actor{Permissions: set(PermRequest)}, "", ""},
		{"cancel by approver", StatusPendingApproval, MoveCancel, Actor{Permissions: set(PermApprove)}, "", ""},
		{"cancel by reader", StatusDraft, MoveCancel, Actor{Permissions: set(PermRead)}, "", "FORBIDDEN"},
		{"expire by a person", StatusActive, MoveExpire, Actor{Permissions: allPerms}, "", "FORBIDDEN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Check(&Permit{Status: c.status}, c.move, c.actor, c.note)
			var e *hse.Error
			switch {
			case c.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.code != "" && (!errors.As(err, &e) || e.Code != c.code):
				t.Fatalf("err = %v, want %s", err, c.code)
			}
		})
	}
}
