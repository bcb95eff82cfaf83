package audit

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/hse"
)

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestScheduleOccurrences(t *testing.T) {
	end := date("2026-05-01")
	tests := []struct {
		name     string
		s        Schedule
		from, to string
		want     []string
	}{
		{"weekly", Schedule{Frequency: FrequencyWeekly, StartDate: date("2026-01-05")}, "2026-01-10", "2026-02-01",
			[]string{"2026-01-12", "2026-01-19", "2026-01-26"}},
		{"every 10 days", Schedule{Frequency: FrequencyDays, IntervalDays: 10, StartDate: date("2026-01-01")}, "2026-01-01", "2026-01-31",
			[]string{"2026-01-01", "2026-01-11", "2026-01-21", "2026-01-31"}},
		{"monthly from the 31st clamps without drifting", Schedule{Frequency: FrequencyMonthly, StartDate: date("2026-01-31")}, "2026-01-01", "2026-04-30",
			[]string{"2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"}},
		{"quarterly", Schedule{Frequency: FrequencyQuarterly, StartDate: date("2025-11-15")}, "2026-01-01", "2026-12-31",
			[]string{"2026-02-15", "2026-05-15", "2026-08-15", "2026-11-15"}},
		{"semiannually", Schedule{Frequency: FrequencySemiannually, StartDate: date("2026-03-01")}, "2026-01-01", "2027-12-31",
			[]string{"2026-03-01", "2026-09-01", "2027-03-01", "2027-09-01"}},
		{"yearly from 29 February", Schedule{Frequency: FrequencyYearly, StartDate: date("2024-02-29")}, "2025-01-01", "2028-12-31",
			[]string{"2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29"}},
		{"the end date stops it", Schedule{Frequency: FrequencyMonthly, StartDate: date("2026-03-01"), EndDate: &end}, "2026-01-01", "2026-12-31",
			[]string{"2026-03-01", "2026-04-01", "2026-05-01"}},
		{"nothing before the start", Schedule{Frequency: FrequencyWeekly, StartDate: date("2026-06-01")}, "2026-01-01", "2026-05-31", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range tc.s.Occurrences(date(tc.from), date(tc.to)) {
				got = append(got, dateOf(d))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("occurrences (-want +got):\n%s", diff)
			}
		})
	}
	s := Schedule{WindowDays: 7}
	if got := dateOf(s.WindowEnd(date("2026-01-01"))); got != "2026-01-07" {
		t.Errorf("a 7-day window from 1 January ends on %s, want 2026-01-07", got)
	}
}

func TestProgrammeInputValidation(t *testing.T) {
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	tests := []struct {
		name   string
		in     ProgrammeInput
		fields []string
	}{
		{"ok", ProgrammeInput{Name: str("North monthly"), StationID: str("s1"), TemplateID: str("t1"), Frequency: str("monthly"),
			AssigneeRule: str("named"), AuditorUserID: str("u1")}, nil},
		{"station and region", ProgrammeInput{Name: str("Both"), StationID: str("s1"), Region: str("North"), TemplateID: str("t1"),
			Frequency: str("weekly"), AssigneeRule: str("station_manager")}, []string{"stationId"}},
		{"days without interval", ProgrammeInput{Name: str("Days"), Region: str("North"), TemplateID: str("t1"), Frequency: str("days"),
			AssigneeRule: str("station_manager")}, []string{"intervalDays"}},
		{"bad everything", ProgrammeInput{Name: str("x"), Frequency: str("hourly"), AssigneeRule: str("anyone"), WindowDays: num(0),
			LeadDays: num(400), StartDate: str("soon")},
			[]string{"name", "startDate", "stationId", "templateId", "frequency", "windowDays", "leadDays", "assigneeRule"}},
		{"round robin needs a group without repeats", ProgrammeInput{Name: str("RR"), Region: str("North"), TemplateID: str("t1"),
			Frequency: str("weekly"), AssigneeRule: str("round_robin"), GroupUserIDs: []string{"a", "a"}}, []string{"groupUserIds"}},
		{"end before start", ProgrammeInput{Name: str("Ends"), StationID: str("s1"), TemplateID: str("t1"), Frequency: str("yearly"),
			AssigneeRule: str("named"), AuditorUserID: str("u1"), StartDate: str("2026-05-01"), EndDate: str("2026-04-01")}, []string{"endDate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &Schedule{WindowDays: DefaultWindowDays, LeadDays: DefaultLeadDays, StartDate: date("2026-01-01")}
			err := tc.in.apply(s)
			var got []string
			var e *hse.Error
			if errors.As(err, &e) {
				for _, f := range e.Fields {
					got = append(got, f.Field)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.fields, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}
