package incident

import (
	"testing"
	"time"
)

func TestDeadline(t *testing.T) {
	at := time.Date(2026, 7, 1, 22, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	h := func(n int) *time.Time { d := at.Add(time.Duration(n) * time.Hour).UTC(); return &d }
	cases := []struct {
		name string
		r    Recordkeeping
		want *time.Time
	}{
		{"nothing reportable", Recordkeeping{Recordable: true, DaysAway: 30, DaysRestricted: 10}, nil},
		{"fatality: 8 hours", Recordkeeping{Fatality: true}, h(8)},
		{"hospitalisation: 24 hours", Recordkeeping{Hospitalised: true}, h(24)},
		{"amputation: 24 hours", Recordkeeping{Amputation: true}, h(24)},
		{"loss of an eye: 24 hours", Recordkeeping{EyeLoss: true}, h(24)},
		{"the shortest window wins", Recordkeeping{Fatality: true, Hospitalised: true, Amputation: true}, h(8)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Deadline(at, c.r)
			if (got == nil) != (c.want == nil) || (got != nil && (!got.Equal(*c.want) || got.Location() != time.UTC)) {
				t.Errorf("Deadline = %v, want %v (UTC)", got, c.want)
			}
		})
	}
}

func TestOverdue(t *testing.T) {
	occurred := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	reported := occurred.Add(7 * time.Hour)
	cases := []struct {
		name     string
		r        Recordkeeping
		reported *time.Time
		after    time.Duration
		want     bool
	}{
		{"no deadline is never overdue", Recordkeeping{Recordable: true}, nil, 1000 * time.Hour, false},
		{"before the deadline", Recordkeeping{Fatality: true}, nil, 7 * time.Hour, false},
		{"at the deadline", Recordkeeping{Fatality: true}, nil, 8 * time.Hour, false},
		{"past the deadline, not reported", Recordkeeping{Fatality: true}, nil, 8*time.Hour + time.Second, true},
		{"past the deadline, reported", Recordkeeping{Fatality: true}, &reported, 9 * time.Hour, false},
		{"24-hour window", Recordkeeping{Hospitalised: true}, nil, 23 * time.Hour, false},
		{"24-hour window passed", Recordkeeping{Hospitalised: true}, nil, 25 * time.Hour, true},
		{"reported late still ends overdue", Recordkeeping{Amputation: true}, &reported, 48 * time.Hour, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			i := &Incident{OccurredAt: occurred, Record: c.r, RegulatorReportedAt: c.reported}
			i.derive()
			if got := i.Overdue(occurred.Add(c.after)); got != c.want {
				t.Errorf("Overdue = %v, want %v", got, c.want)
			}
		})
	}
}

func TestNumber(t *testing.T) {
	if got := FormatNumber(Series(time.Date(2026, 12, 31, 23, 0, 0, 0, time.FixedZone("X", -3*3600))), 7); got != "INC-2027-0007" {
		t.Errorf("number = %s (the series follows the UTC year)", got)
	}
}
