package incident

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/hse"
)

var everyone = hse.NewPermissionSet(PermRead, PermReport, PermInvestigate, PermClose)

// Every move from every state, for someone holding every permission: only
// the five lifecycle transitions pass; everything else is
// INVALID_TRANSITION with the current state and the allowed ones.
func TestCheckMoveEveryState(t *testing.T) {
	allowed := map[string][]Move{
		StatusReported:           {MoveInvestigate},
		StatusUnderInvestigation: {MoveRequireAction, MoveClose},
		StatusActionRequired:     {MoveClose},
		StatusClosed:             {MoveReopen},
	}
	for _, from := range Statuses {
		for _, m := range append(Moves, "teleport") {
			t.Run(from+"/"+string(m), func(t *testing.T) {
				err := CheckMove(from, m, everyone, "the reason")
				if slices.Contains(allowed[from], m) {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				var e *hse.Error
				if !errors.As(err, &e) || e.Code != "INVALID_TRANSITION" || e.Kind != hse.KindConflict {
					t.Fatalf("CheckMove = %v, want INVALID_TRANSITION", err)
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

// Every pair of states: MoveFor knows exactly the four transitions.
func TestMoveForEveryPair(t *testing.T) {
	want := map[[2]string]Move{
		{StatusReported, StatusUnderInvestigation}:       MoveInvestigate,
		{StatusUnderInvestigation, StatusActionRequired}: MoveRequireAction,
		{StatusUnderInvestigation, StatusClosed}:         MoveClose,
		{StatusActionRequired, StatusClosed}:             MoveClose,
		{StatusClosed, StatusUnderInvestigation}:         MoveReopen,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			if got := MoveFor(from, to); got != want[[2]string{from, to}] {
				t.Errorf("MoveFor(%s, %s) = %q, want %q", from, to, got, want[[2]string{from, to}])
			}
		}
	}
	for from, w := range map[string][]string{
		StatusReported:           {StatusUnderInvestigation},
		StatusUnderInvestigation: {StatusActionRequired, StatusClosed},
		StatusActionRequired:     {StatusClosed},
		StatusClosed:             {StatusUnderInvestigation},
		"Bogus":                  {},
	} {
		if diff := cmp.Diff(w, Allowed(from)); diff != "" {
			t.Errorf("Allowed(%s) (-want +got):\n%s", from, diff)
		}
	}
}

// Closing straight from investigation needs the reason no action is
// needed; closing after Action Required does not.
func TestCloseFromInvestigationNeedsReason(t *testing.T) {
	var e *hse.Error
	if err := CheckMove(StatusUnderInvestigation, MoveClose, everyone, " "); !errors.As(err, &e) || e.Kind != hse.KindInvalid || e.Fields[0].Field != "reason" {
		t.Errorf("without a reason: %v", err)
	}
	if err := CheckMove(StatusActionRequired, MoveClose, everyone, ""); err != nil {
		t.Errorf("from Action Required: %v", err)
	}
}

// Who may make each move, and what it needs.
func TestCheckMoveWho(t *testing.T) {
	stationManager := hse.NewPermissionSet(PermRead, PermReport, PermInvestigate)
	contractor := hse.NewPermissionSet(PermReport)
	cases := []struct {
		name   string
		from   string
		move   Move
		perms  hse.PermissionSet
		note   string
		code   string
		naming hse.Permission
		field  string
	}{
		{name: "investigator starts", from: StatusReported, move: MoveInvestigate, perms: stationManager},
		{name: "reporter alone may not investigate", from: StatusReported, move: MoveInvestigate, perms: contractor, code: "FORBIDDEN", naming: PermInvestigate},
		{name: "investigator requires action", from: StatusUnderInvestigation, move: MoveRequireAction, perms: stationManager},
		{name: "closing needs incidents:close", from: StatusActionRequired, move: MoveClose, perms: stationManager, code: "FORBIDDEN", naming: PermClose},
		{name: "closer closes", from: StatusActionRequired, move: MoveClose, perms: everyone},
		{name: "reopening needs incidents:close", from: StatusClosed, move: MoveReopen, perms: stationManager, note: "x", code: "FORBIDDEN", naming: PermClose},
		{name: "reopening needs the reason", from: StatusClosed, move: MoveReopen, perms: everyone, note: "  ", code: "VALIDATION_FAILED", field: "reason"},
		{name: "the permission is checked before the state", from: StatusReported, move: MoveClose, perms: contractor, code: "FORBIDDEN", naming: PermClose},
		{name: "with the permission, the state refuses", from: StatusReported, move: MoveClose, perms: everyone, code: "INVALID_TRANSITION"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckMove(c.from, c.move, c.perms, c.note)
			if c.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *hse.Error
			if !errors.As(err, &e) || e.Code != c.code {
				t.Fatalf("CheckMove = %v, want %s", err, c.code)
			}
			if c.naming != "" && e.Message != "missing permission "+string(c.naming) {
				t.Errorf("message %q does not name %s", e.Message, c.naming)
			}
			if c.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != c.field) {
				t.Errorf("fields %+v, want %s", e.Fields, c.field)
			}
		})
	}
	for _, m := range Moves {
		if MovePermission(m) == "" || Target(m) == "" {
			t.Errorf("move %s has no permission or target", m)
		}
	}
}
