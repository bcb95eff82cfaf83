package capa

import (
	"errors"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

func TestDefaultDue(t *testing.T) {
	from := time.Date(2026, 3, 30, 22, 15, 0, 0, time.UTC)
	for sev, want := range map[string]string{"Critical": "2026-04-02", "Major": "2026-04-13", "Minor": "2026-04-29", "": "2026-04-29"} {
		if got := DefaultDue(sev, from).Format(time.DateOnly); got != want {
			t.Errorf("DefaultDue(%q) = %s, want %s", sev, got, want)
		}
	}
}

func TestOverdueAndEscalated(t *testing.T) {
	due := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		status           string
		at               string
		overdue, escaled bool
	}{
		{StatusOpen, "2026-05-10T23:00:00Z", false, false},
		{StatusOpen, "2026-05-11T00:00:00Z", true, false},
		{StatusInProgress, "2026-05-16T12:00:00Z", true, false},
		{StatusInProgress, "2026-05-17T00:00:00Z", true, true},
		{StatusCompleted, "2026-06-30T00:00:00Z", false, false},
		{StatusVerified, "2026-06-30T00:00:00Z", false, false},
	} {
		at, _ := time.Parse(time.RFC3339, c.at)
		a := &Action{Status: c.status, DueOn: due}
		if a.Overdue(at) != c.overdue || a.Escalated(at) != c.escaled {
			t.Errorf("%s at %s: overdue %v escalated %v", c.status, c.at, a.Overdue(at), a.Escalated(at))
		}
	}
}

func TestPrepare(t *testing.T) {
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	a := &Action{Title: " Replace extinguisher ", SourceType: SourceFinding, Severity: "Major"}
	if err := Prepare(a, now); err != nil {
		t.Fatal(err)
	}
	if a.ID == "" || a.Status != StatusOpen || a.Version != 1 || a.Priority != "Medium" || a.Title != "Replace extinguisher" ||
		a.DueOn.Format(time.DateOnly) != "2026-01-15" || !a.CreatedAt.Equal(now) {
		t.Errorf("prepared: %+v", a)
	}
	bad := &Action{SourceType: "email", Priority: "Urgent", Severity: "Huge"}
	var e *hse.Error
	if err := Prepare(bad, now); !errors.As(err, &e) || len(e.Fields) != 4 {
		t.Fatalf("Prepare(bad) = %v, want title, sourceType, priority and severity named", err)
	}
}
