package audit

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Audit frequencies of a station.
const (
	Monthly      = "Monthly"
	Quarterly    = "Quarterly"
	SemiAnnually = "Semi-Annually"
	Annually     = "Annually"
)

// frequencyMonths is the interval between audits of each frequency.
var frequencyMonths = map[string]int{Monthly: 1, Quarterly: 3, SemiAnnually: 6, Annually: 12}

// higher is the next more frequent schedule.
var higher = map[string]string{Annually: SemiAnnually, SemiAnnually: Quarterly, Quarterly: Monthly, Monthly: Monthly}

// PlanRow is what the store knows of one active station for planning.
type PlanRow struct {
	Station StationRef
	// LastCompletedAt and LastAuditID describe the station's last
	// completed (or closed) audit; nil when it never had one.
	LastCompletedAt *time.Time
	LastAuditID     string
	LastScore       *float64
	// WorstSeverity is the worst finding of that audit ("" for none).
	WorstSeverity string
	// NextScheduled is the earliest open (Scheduled or In Progress) audit.
	NextScheduledAt     *time.Time
	NextScheduledID     string
	NextScheduledStatus string
}

// PlanEntry is one station's next due audit.
type PlanEntry struct {
	StationID          string     `json:"stationId"`
	StationCode        string     `json:"stationCode"`
	StationName        string     `json:"stationName"`
	Region             string     `json:"region"`
	RiskCategory       string     `json:"riskCategory"`
	AuditFrequency     string     `json:"auditFrequency"`
	LastAuditID        string     `json:"lastAuditId,omitempty"`
	LastCompletedAt    *time.Time `json:"lastCompletedAt,omitempty"`
	LastScore          *float64   `json:"lastScore,omitempty"`
	DueDate            string     `json:"dueDate" doc:"YYYY-MM-DD"`
	Overdue            bool       `json:"overdue"`
	DaysOverdue        int        `json:"daysOverdue,omitempty"`
	ScheduledAuditID   string     `json:"scheduledAuditId,omitempty" doc:"an open audit already planned"`
	ScheduledFor       string     `json:"scheduledFor,omitempty"`
	ScheduledOverdue   bool       `json:"scheduledOverdue,omitempty" doc:"the planned audit is still Scheduled after its date"`
	SuggestedFrequency string     `json:"suggestedFrequency,omitempty" doc:"a higher frequency, proposed after Major or Critical findings"`
	SuggestionReason   string     `json:"suggestionReason,omitempty"`
}

// addMonths adds calendar months, clamping to the month's last day (31
// January plus one month is 28 or 29 February, not 3 March).
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// day truncates a time to its UTC date.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// PlanFor computes a station's entry: due one interval after its last
// completed audit (or after it was created, when it never had one),
// overdue once that date has passed, and a higher frequency proposed when
// the last audit had Major or Critical findings.
func PlanFor(r PlanRow, today time.Time) PlanEntry {
	st := r.Station
	e := PlanEntry{StationID: st.ID, StationCode: st.Code, StationName: st.Name, Region: st.Region, RiskCategory: st.RiskCategory,
		AuditFrequency: st.AuditFrequency, LastAuditID: r.LastAuditID, LastCompletedAt: r.LastCompletedAt, LastScore: r.LastScore}
	months := frequencyMonths[st.AuditFrequency]
	if months == 0 {
		months = 3 // an unknown frequency is planned quarterly rather than dropped
	}
	base := st.CreatedAt
	if r.LastCompletedAt != nil {
		base = *r.LastCompletedAt
	}
	due := addMonths(day(base), months)
	e.DueDate = due.Format(time.DateOnly)
	if today = day(today); due.Before(today) {
		e.Overdue, e.DaysOverdue = true, int(today.Sub(due).Hours()/24)
	}
	if r.NextScheduledAt != nil {
		e.ScheduledAuditID, e.ScheduledFor = r.NextScheduledID, r.NextScheduledAt.UTC().Format(time.DateOnly)
		// A planned audit left Scheduled past its date makes the station
		// overdue too, even when the frequency says it is not yet due:
		// the same rule as Audit.Overdue.
		next := Audit{Status: r.NextScheduledStatus, ScheduledFor: *r.NextScheduledAt}
		if next.Overdue(today) {
			e.Overdue, e.ScheduledOverdue = true, true
			e.DaysOverdue = max(e.DaysOverdue, int(today.Sub(day(next.ScheduledFor)).Hours()/24))
		}
	}
	if r.WorstSeverity == "Major" || r.WorstSeverity == "Critical" {
		if h := higher[st.AuditFrequency]; h != "" && h != st.AuditFrequency {
			e.SuggestedFrequency = h
			e.SuggestionReason = "the last audit had " + r.WorstSeverity + " findings"
		}
	}
	return e
}

// PlanQuery asks for the plan: a due-date range (empty: today and 90
// days on), a region, and optionally a page of stations.
type PlanQuery struct {
	From, To string
	Region   string
	// Limit, when above 0, pages through the stations in code order;
	// After is the code of the previous page's last station (the cursor).
	Limit int
	After string
}

// Plan gives the next due audit of every active station in the caller's
// scope whose due date falls in [from, to], plus every overdue station
// whatever the range, most urgent first. With a limit it covers the next
// limit stations (by code) after q.After, and returns the code to pass as
// After for the next page ("" on the last).
func (s *Service) Plan(ctx context.Context, p *hse.Principal, q PlanQuery) ([]PlanEntry, string, error) {
	from, to := q.From, q.To
	if err := p.Require(PermAuditsRead); err != nil {
		return nil, "", err
	}
	today := p.Today(s.now()) // the organization's day, not UTC's
	start, end := today, today.AddDate(0, 0, 90)
	var fs []hse.FieldError
	if from != "" {
		t, err := time.Parse(time.DateOnly, from)
		if err != nil {
			fs = append(fs, hse.FieldError{Field: "from", Message: "must be a date YYYY-MM-DD"})
		}
		start = t
	}
	if to != "" {
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			fs = append(fs, hse.FieldError{Field: "to", Message: "must be a date YYYY-MM-DD"})
		}
		end = t
	}
	if len(fs) == 0 && end.Before(start) {
		fs = append(fs, hse.FieldError{Field: "to", Message: "must not be before from"})
	}
	if len(fs) > 0 {
		return nil, "", hse.Invalid("invalid plan range", fs...)
	}
	restricted, only := !p.Scope.All(), []string(nil)
	if p.Scope.Kind == hse.ScopeStations {
		only = p.Scope.StationIDs
	}
	var rows []PlanRow
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		rows, err = tx.FindPlanPage(ctx, p.OrgID, restricted, only, PlanFilter{Region: q.Region, After: q.After, Limit: q.Limit})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if q.Limit > 0 && len(rows) == q.Limit {
		next = rows[len(rows)-1].Station.Code
	}
	out := []PlanEntry{}
	for _, r := range rows {
		e := PlanFor(r, today)
		due, _ := time.Parse(time.DateOnly, e.DueDate)
		if e.Overdue || (!due.Before(start) && !due.After(end)) {
			out = append(out, e)
		}
	}
	// Most urgent first: the earliest due date, then the station code.
	slices.SortStableFunc(out, func(a, b PlanEntry) int {
		return cmp.Or(strings.Compare(a.DueDate, b.DueDate), strings.Compare(a.StationCode, b.StationCode))
	})
	return out, next, nil
}
