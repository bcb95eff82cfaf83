package app_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// goDuration matches Go's rendering of a duration ("4h0m0s", "1m30s").
var goDuration = regexp.MustCompile(`\b\d+h\d+m\d+s\b|\b\d+m\d+s\b`)

// Durations in the API are whole seconds in a field named for the unit,
// and texts speak in hours: never Go's "4h0m0s".
func TestPermitDurationsInSecondsNotGoStrings(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		r := w.e.Must(201, callAPI(t, w.e, "POST", "/api/permits", w.sm.Access, map[string]any{"type": "Hot Work", "stationId": w.station.ID,
			"description": "Weld", "location": "Canopy", "validFrom": w.at(1), "validTo": w.at(5)}))
		body := r.JSON(t)
		// Before: "gasTestValidity": "4h0m0s".
		if _, old := body["gasTestValidity"]; old {
			t.Errorf("gasTestValidity is still a Go string: %v", body["gasTestValidity"])
		}
		if got := body["gasTestValiditySeconds"]; got != float64(4*time.Hour/time.Second) {
			t.Errorf("gasTestValiditySeconds = %v, want 14400", got)
		}
		general := w.request(t, w.sm, map[string]any{"type": "General", "location": "Shop"})
		g := w.e.Must(200, callAPI(t, w.e, "GET", "/api/permits/"+general.ID, w.sm.Access, nil)).JSON(t)
		if _, ok := g["gasTestValiditySeconds"]; ok {
			t.Errorf("a type without gas tests has a validity: %v", g["gasTestValiditySeconds"])
		}

		// Refusals state limits in hours.
		for _, resp := range []*apptest.Response{
			callAPI(t, w.e, "POST", "/api/permits", w.sm.Access, map[string]any{"type": "Hot Work", "stationId": w.station.ID,
				"description": "Weld", "location": "Canopy", "validFrom": w.at(1), "validTo": w.at(14)}),
		} {
			p := wantProblem(t, resp, 400, "VALIDATION_FAILED")
			if goDuration.MatchString(string(resp.Body)) || !strings.Contains(string(resp.Body), "12 h") {
				t.Errorf("the limit is not stated in hours: %s (%+v)", resp.Body, p.Errors)
			}
		}

		// The OpenAPI document describes no duration as a Go string.
		doc := string(w.e.Must(200, w.e.Call("GET", "/api/openapi.json", "", nil)).Body)
		if !strings.Contains(doc, `"gasTestValiditySeconds"`) || strings.Contains(doc, `"gasTestValidity"`) || goDuration.MatchString(doc) {
			t.Errorf("the OpenAPI document still shows Go durations (gasTestValiditySeconds present: %v)", strings.Contains(doc, `"gasTestValiditySeconds"`))
		}
	})
}
