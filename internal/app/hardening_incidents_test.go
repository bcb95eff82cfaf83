package app_test

import (
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// Recordkeeping that contradicts itself or the incident's type is refused
// naming the fields: a Near Miss hurt nobody, and a fatality (days away,
// an in-patient stay, an amputation, a lost eye) is always recordable.
// recordable, when not stated, follows from the outcomes.
func TestIncidentRecordkeepingContradictionsRefused(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		e := apptest.New(t, engine, apptest.WithNow(apptest.NewClock(start).Now))
		owner := e.Signup("Records Co")
		st := newStation(t, e, owner, "RK-1", nil)
		at := start.Add(-time.Hour)
		report := func(extra map[string]any) *apptest.Response {
			return callAPI(t, e, "POST", "/api/incidents", owner.Access, incidentBody(st.ID, at, extra))
		}

		// Before: 201 with an 8 h deadline and recordable false.
		wantField(t, report(map[string]any{"type": "Near Miss", "recordkeeping": map[string]any{"fatality": true}}), "recordkeeping.fatality")
		wantField(t, report(map[string]any{"type": "Safety Observation", "recordkeeping": map[string]any{"recordable": true}}), "recordkeeping.recordable")
		wantField(t, report(map[string]any{"type": "Injury", "recordkeeping": map[string]any{"recordable": false, "fatality": true}}),
			"recordkeeping.recordable")
		wantField(t, report(map[string]any{"type": "Injury", "recordkeeping": map[string]any{"recordable": false, "daysAway": 3}}),
			"recordkeeping.recordable")
		if got := listItems[incidentItem](t, e.Must(200, callAPI(t, e, "GET", "/api/incidents", owner.Access, nil))); len(got) != 0 {
			t.Fatalf("refused reports were stored: %+v", got)
		}

		// Left out, recordable follows from the outcomes.
		fatal := decodeJSON[incidentItem](t, e.Must(201, report(map[string]any{"type": "Injury", "recordkeeping": map[string]any{"fatality": true}})))
		if !fatal.Recordkeeping.Recordable || fatal.RegulatoryDeadline == nil {
			t.Errorf("a fatality without recordable: %+v", fatal.Recordkeeping)
		}
		nearMiss := decodeJSON[incidentItem](t, e.Must(201, report(map[string]any{"type": "Near Miss"})))
		if nearMiss.Recordkeeping.Recordable || nearMiss.RegulatoryDeadline != nil {
			t.Errorf("a plain near miss: %+v", nearMiss)
		}

		// Edits: harm recorded on a near miss is refused; on a fire it
		// makes the case recordable unless the change says otherwise.
		wantField(t, patchIncident(t, e, owner, nearMiss.ID, `"1"`, map[string]any{"recordkeeping": map[string]any{"hospitalised": true}}),
			"recordkeeping.hospitalised")
		fire := reportIncident(t, e, owner, incidentBody(st.ID, at, map[string]any{"type": "Fire"}))
		wantField(t, patchIncident(t, e, owner, fire.ID, `"1"`, map[string]any{"recordkeeping": map[string]any{"recordable": false, "amputation": true}}),
			"recordkeeping.recordable")
		fire = decodeJSON[incidentItem](t, e.Must(200, patchIncident(t, e, owner, fire.ID, `"1"`,
			map[string]any{"recordkeeping": map[string]any{"amputation": true}})))
		if !fire.Recordkeeping.Recordable || !fire.Recordkeeping.Amputation {
			t.Errorf("an amputation recorded later: %+v", fire.Recordkeeping)
		}
		wantField(t, patchIncident(t, e, owner, fire.ID, `"2"`, map[string]any{"recordkeeping": map[string]any{"recordable": false}}),
			"recordkeeping.recordable")
		wantField(t, patchIncident(t, e, owner, fire.ID, `"2"`, map[string]any{"type": "Near Miss"}), "recordkeeping.amputation")
	})
}
