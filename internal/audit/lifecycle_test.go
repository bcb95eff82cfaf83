package audit

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/hse"
)

// TestTransition checks every pair of statuses against the lifecycle.
func TestTransition(t *testing.T) {
	allowed := map[[2]string]bool{
		{StatusScheduled, StatusInProgress}: true,
		{StatusScheduled, StatusCancelled}:  true,
		{StatusInProgress, StatusCompleted}: true,
		{StatusInProgress, StatusCancelled}: true,
		{StatusCompleted, StatusClosed}:     true,
	}
	for _, from := range Statuses() {
		for _, to := range Statuses() {
			err := Transition(from, to)
			if allowed[[2]string{from, to}] {
				if err != nil {
					t.Errorf("%s → %s refused: %v", from, to, err)
				}
				continue
			}
			var e *hse.Error
			if !errors.As(err, &e) || e.Kind != hse.KindConflict || e.Code != "INVALID_TRANSITION" {
				t.Errorf("%s → %s: %v, want INVALID_TRANSITION", from, to, err)
				continue
			}
			if e.Details["currentState"] != from {
				t.Errorf("%s → %s: currentState %v", from, to, e.Details["currentState"])
			}
			want := []string{}
			for _, s := range Statuses() {
				if allowed[[2]string{from, s}] {
					want = append(want, s)
				}
			}
			got := e.Details["allowedTransitions"].([]string)
			slices.Sort(got)
			slices.Sort(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s → %s allowed (-want +got):\n%s", from, to, diff)
			}
		}
	}
}

func TestPlanFor(t *testing.T) {
	today := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	at := func(s string) *time.Time { d, _ := time.Parse(time.DateOnly, s); return &d }
	created := time.Date(2026, 1, 31, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		row       PlanRow
		due       string
		overdue   bool
		suggested string
	}{
		{"monthly after last", PlanRow{Station: StationRef{AuditFrequency: Monthly, CreatedAt: created}, LastCompletedAt: at("2026-11-10")}, "2026-12-10", false, ""},
		{"month end clamps", PlanRow{Station: StationRef{AuditFrequency: Monthly, CreatedAt: created}, LastCompletedAt: at("2026-01-31")}, "2026-02-28", true, ""},
		{"never audited counts from creation", PlanRow{Station: StationRef{AuditFrequency: Annually, CreatedAt: created}}, "2027-01-31", false, ""},
		{"quarterly overdue", PlanRow{Station: StationRef{AuditFrequency: Quarterly, CreatedAt: created}, LastCompletedAt: at("2026-07-01")}, "2026-10-01", true, ""},
		{"due today is not overdue", PlanRow{Station: StationRef{AuditFrequency: SemiAnnually, CreatedAt: created}, LastCompletedAt: at("2026-05-27")}, "2026-11-27", false, ""},
		{"major findings suggest higher", PlanRow{Station: StationRef{AuditFrequency: Quarterly, CreatedAt: created}, LastCompletedAt: at("2026-11-01"), WorstSeverity: "Major"}, "2027-02-01", false, Monthly},
		{"critical on annual", PlanRow{Station: StationRef{AuditFrequency: Annually, CreatedAt: created}, LastCompletedAt: at("2026-11-01"), WorstSeverity: "Critical"}, "2027-11-01", false, SemiAnnually},
		{"minor findings suggest nothing", PlanRow{Station: StationRef{AuditFrequency: Annually, CreatedAt: created}, LastCompletedAt: at("2026-11-01"), WorstSeverity: "Minor"}, "2027-11-01", false, ""},
		{"monthly has nothing higher", PlanRow{Station: StationRef{AuditFrequency: Monthly, CreatedAt: created}, LastCompletedAt: at("2026-11-01"), WorstSeverity: "Critical"}, "2026-12-01", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := PlanFor(tt.row, today)
			if e.DueDate != tt.due || e.Overdue != tt.overdue || e.SuggestedFrequency != tt.suggested {
				t.Errorf("due %s overdue %v suggested %q; want %s %v %q", e.DueDate, e.Overdue, e.SuggestedFrequency, tt.due, tt.overdue, tt.suggested)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	for in, want := range map[string]string{"short": "short", "exactly": "exactly", "éééééééé": "éééééé…"} {
		if got := truncate(in, 7); got != want {
			t.Errorf("truncate(%q) = %q, want %q", in, got, want)
		}
	}
}
