package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// A regulatory deadline that passes unreported raises one
// "incident:deadline_missed" event; a reported one raises none.
func TestMissedRegulatoryDeadlinesAreAnnounced(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 8, 3, 12, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		owner := e.Signup("Deadline Co")
		st := newStation(t, e, owner, "DL-1", nil)
		fatal := reportIncident(t, e, owner, incidentBody(st.ID, clock.Now().Add(-2*time.Hour), map[string]any{
			"type": "Injury", "severity": "Critical", "recordkeeping": map[string]any{"fatality": true}}))
		hospital := reportIncident(t, e, owner, incidentBody(st.ID, clock.Now().Add(-2*time.Hour), map[string]any{
			"type": "Injury", "severity": "High", "recordkeeping": map[string]any{"hospitalised": true}}))
		reported := reportIncident(t, e, owner, incidentBody(st.ID, clock.Now().Add(-2*time.Hour), map[string]any{
			"type": "Injury", "severity": "Critical", "recordkeeping": map[string]any{"fatality": true}}))
		e.Must(200, patchIncident(t, e, owner, reported.ID, `"1"`, map[string]any{"regulatorReportedAt": clock.Now().Format(time.RFC3339)}))
		reportIncident(t, e, owner, incidentBody(st.ID, clock.Now().Add(-2*time.Hour), nil)) // nothing reportable

		job := e.App.DeadlineJob()
		missed := func() map[string]int {
			t.Helper()
			if ran, err := job.RunOnce(context.Background()); err != nil || !ran {
				t.Fatalf("run: %v %v", ran, err)
			}
			out := map[string]int{}
			for _, ev := range eventsOf(t, e, owner.OrgID, "incident", "") {
				if ev.Type == "incident:deadline_missed" {
					out[ev.EntityID]++
				}
			}
			return out
		}
		if m := missed(); len(m) != 0 {
			t.Fatalf("announced before any deadline: %v", m)
		}
		clock.Advance(6*time.Hour + time.Minute) // the fatality's 8 hours are up
		if m := missed(); len(m) != 1 || m[fatal.ID] != 1 {
			t.Fatalf("after 8 hours: %v, want the unreported fatality once", m)
		}
		clock.Advance(16 * time.Hour) // the hospitalisation's 24 hours are up
		m := missed()
		if len(m) != 2 || m[fatal.ID] != 1 || m[hospital.ID] != 1 {
			t.Fatalf("after 24 hours: %v, want each unreported incident once", m)
		}
		evs := eventsOf(t, e, owner.OrgID, "incident", hospital.ID)
		last := evs[len(evs)-1]
		if last.Payload["number"] != hospital.Number || last.Payload["stationId"] != st.ID || last.Payload["regulatoryDeadline"] != "2026-08-04T10:00:00Z" {
			t.Fatalf("event payload %v", last.Payload)
		}
	})
}
