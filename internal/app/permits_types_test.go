package app_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/permit"
)

type permitTypeItem struct {
	Key, Name                                                         string
	Version                                                           int
	Active                                                            bool
	Precautions                                                       []struct{ Key, Label string }
	Gases                                                             []struct{ Key string }
	MaxDurationSeconds, RetestIntervalSeconds, GasTestValiditySeconds int64
	MaxExtensions                                                     int
	ClashesWith                                                       []string
}

// typeBody is a whole version of a type as PUT and POST take it.
func typeBody(it permitTypeItem, edit func(b map[string]any)) map[string]any {
	var pcs []map[string]any
	for _, p := range it.Precautions {
		pcs = append(pcs, map[string]any{"key": p.Key, "label": p.Label})
	}
	b := map[string]any{"name": it.Name, "precautions": pcs, "gases": []any{}, "gasTestValiditySeconds": 0, "retestIntervalSeconds": 0,
		"maxDurationSeconds": it.MaxDurationSeconds, "maxExtensionSeconds": 0, "maxExtensions": 0, "maxTotalSeconds": it.MaxDurationSeconds,
		"documents": []string{"insurance"}, "clashesWith": []string{}}
	if edit != nil {
		edit(b)
	}
	return b
}

func findType(t *testing.T, ts []permitTypeItem, key string) permitTypeItem {
	t.Helper()
	i := slices.IndexFunc(ts, func(x permitTypeItem) bool { return x.Key == key })
	if i < 0 {
		t.Fatalf("no type %s in %+v", key, ts)
	}
	return ts[i]
}

// Permit types are the organization's own and versioned: the starter
// types come with signup; an edit is a new version that new permits take,
// while a permit keeps the version it was created under; only
// permits:configure edits them, with the version it read.
func TestPermitTypesAreConfigurableAndVersioned(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		e := w.e
		types := listItems[permitTypeItem](t, e.Must(200, callAPI(t, e, "GET", "/api/permit-types", w.viewer.Access, nil)))
		var keys []string
		for _, pt := range types {
			keys = append(keys, pt.Key)
		}
		if strings.Join(keys, ",") != "confined_space,electrical_isolation,excavation,fuel_delivery_ust,general,hot_work,work_at_height" {
			t.Fatalf("starter types: %v", keys)
		}
		hot := findType(t, types, permit.KeyHotWork)
		if hot.Version != 1 || len(hot.Gases) != 4 || hot.RetestIntervalSeconds != 7200 || hot.GasTestValiditySeconds != 14400 ||
			!slices.Contains(hot.ClashesWith, permit.KeyFuelDelivery) {
			t.Errorf("hot work: %+v", hot)
		}
		old := w.request(t, w.sm, nil)

		// Only permits:configure edits, and with the version it read.
		edit := func(b map[string]any) {
			b["name"], b["maxDurationSeconds"], b["maxTotalSeconds"] = "Hot Work", 4*3600, 8*3600
			b["gases"] = []map[string]any{{"key": "O2", "unit": "%", "min": 19.5, "max": 23.5}, {"key": "LEL", "unit": "% LEL", "below": 5}}
			b["gasTestValiditySeconds"], b["retestIntervalSeconds"] = 3600, 1800
			b["precautions"] = append(b["precautions"].([]map[string]any), map[string]any{"key": "hot_work_plan", "label": "Hot work plan signed"})
			b["clashesWith"] = []string{permit.KeyConfinedSpace, permit.KeyFuelDelivery}
		}
		body := typeBody(hot, edit)
		wantForbiddenNaming(t, callAPI(t, e, "PUT", "/api/permit-types/hot_work", w.sm.Access, body), permit.PermConfigure)
		wantProblem(t, callAPI(t, e, "PUT", "/api/permit-types/hot_work", w.cm.Access, body), http.StatusPreconditionRequired, "PRECONDITION_REQUIRED")
		body["version"] = 1
		v2 := decodeJSON[permitTypeItem](t, e.Must(200, callAPI(t, e, "PUT", "/api/permit-types/hot_work", w.cm.Access, body)))
		if v2.Version != 2 || len(v2.Precautions) != 7 || v2.MaxDurationSeconds != 4*3600 {
			t.Fatalf("version 2: %+v", v2)
		}
		wantProblem(t, callAPI(t, e, "PUT", "/api/permit-types/hot_work", w.cm.Access, body), http.StatusPreconditionFailed, "STALE_VERSION")

		// The permit created before keeps version 1: six precautions, 12 h.
		got := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.sm, "GET", old.ID, nil)))
		if got.TypeVersion != 1 || len(got.Precautions) != 6 {
			t.Errorf("the old permit moved: v%d, %d precautions", got.TypeVersion, len(got.Precautions))
		}
		e.Must(200, w.call(t, w.sm, "PATCH", old.ID, map[string]any{"validTo": w.at(12), "version": 1}))
		wantField(t, w.call(t, w.sm, "PUT", old.ID+"/precautions/hot_work_plan", nil), "key")
		// A new one takes version 2: seven precautions, at most 4 h, LEL below 5.
		wantField(t, callAPI(t, e, "POST", "/api/permits", w.sm.Access, map[string]any{"type": "Hot Work", "stationId": w.station.ID,
			"description": "Weld", "location": "Canopy", "validFrom": w.at(1), "validTo": w.at(6)}), "validTo")
		fresh := w.request(t, w.sm, map[string]any{"validTo": w.at(5)})
		if fresh.TypeVersion != 2 || len(fresh.Precautions) != 7 {
			t.Errorf("new permit: v%d, %d precautions", fresh.TypeVersion, len(fresh.Precautions))
		}
		g := w.gasTest(t, w.cm, fresh.ID, 20.9, 6, "")
		if g.GasTests[0].Passed {
			t.Errorf("LEL 6 passed version 2's limit of 5: %+v", g.GasTests[0])
		}
		if g = w.gasTest(t, w.cm, old.ID, 20.9, 6, ""); !g.GasTests[0].Passed {
			t.Errorf("LEL 6 failed version 1's limit of 10: %+v", g.GasTests[0])
		}
		v1 := decodeJSON[permitTypeItem](t, e.Must(200, callAPI(t, e, "GET", "/api/permit-types/hot_work/versions/1", w.viewer.Access, nil)))
		if len(v1.Precautions) != 6 || v1.MaxDurationSeconds != 12*3600 {
			t.Errorf("version 1 as stored: %+v", v1)
		}
		wantProblem(t, callAPI(t, e, "GET", "/api/permit-types/hot_work/versions/3", w.viewer.Access, nil), 404, "NOT_FOUND")

		// A type of the organization's own; refusals name the field.
		own := typeBody(permitTypeItem{Name: "Canopy Painting", MaxDurationSeconds: 8 * 3600,
			Precautions: []struct{ Key, Label string }{{"overspray_sheeting", "Dispensers sheeted against overspray"}}}, func(b map[string]any) {
			b["key"], b["clashesWith"] = "canopy_painting", []string{permit.KeyHotWork}
		})
		wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/permit-types", w.sm.Access, own), permit.PermConfigure)
		wantField(t, callAPI(t, e, "POST", "/api/permit-types", w.cm.Access, typeBody(permitTypeItem{Name: "X"}, func(b map[string]any) {
			b["key"] = "Bad Key"
		})), "key")
		wantField(t, callAPI(t, e, "POST", "/api/permit-types", w.cm.Access, typeBody(permitTypeItem{Name: "Juggling", MaxDurationSeconds: 3600},
			func(b map[string]any) { b["key"], b["clashesWith"] = "juggling", []string{"no_such_type"} })), "clashesWith[0]")
		wantField(t, callAPI(t, e, "POST", "/api/permit-types", w.cm.Access, typeBody(permitTypeItem{Name: "Sniffing", MaxDurationSeconds: 3600},
			func(b map[string]any) { b["key"], b["gases"] = "sniffing", []map[string]any{{"key": "VOC"}} })), "gases[0]")
		e.Must(201, callAPI(t, e, "POST", "/api/permit-types", w.cm.Access, own))
		wantProblem(t, callAPI(t, e, "POST", "/api/permit-types", w.cm.Access, own), 409, "PERMIT_TYPE_EXISTS")
		paint := w.request(t, w.sm, map[string]any{"type": "canopy_painting", "validTo": w.at(8)})
		if paint.Type != "Canopy Painting" || paint.GasTestRequired || len(paint.Precautions) != 1 {
			t.Errorf("own type's permit: %+v", paint)
		}
		// Archived, it takes no new permits; the existing one stays.
		archive := typeBody(permitTypeItem{Name: "Canopy Painting", MaxDurationSeconds: 8 * 3600,
			Precautions: []struct{ Key, Label string }{{"overspray_sheeting", "Dispensers sheeted"}}}, func(b map[string]any) {
			b["active"], b["version"] = false, 1
		})
		e.Must(200, callAPI(t, e, "PUT", "/api/permit-types/canopy_painting", w.cm.Access, archive))
		wantField(t, callAPI(t, e, "POST", "/api/permits", w.sm.Access, map[string]any{"type": "Canopy Painting", "stationId": w.station.ID,
			"description": "Paint", "location": "Canopy", "validFrom": w.at(1), "validTo": w.at(3)}), "type")
		// The existing permit stays workable, under its version's rules:
		// no extensions for this type.
		w.ready(t, paint)
		e.Must(200, w.call(t, w.cm, "POST", paint.ID+"/approve", nil))
		wantProblem(t, w.call(t, w.cm, "POST", paint.ID+"/extend", map[string]any{"validTo": w.at(8.5), "reason": "Rain"}), 409, "EXTENSION_LIMIT")
		// The list filters by key or name.
		if ps := listItems[permitItem](t, e.Must(200, callAPI(t, e, "GET", "/api/permits?type=canopy_painting", w.owner.Access, nil))); len(ps) != 1 {
			t.Errorf("filter by key: %d permits", len(ps))
		}
	})
}

// Gas tests are taken by a competent person (permits:gas_test) other than
// the requester, and measure every gas of the permit's type.
func TestPermitGasTesterIsNotTheRequester(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		e := w.e
		p := w.request(t, w.con, nil) // the contractor requests: the performer
		clean := map[string]any{"readings": map[string]float64{"O2": 20.9, "LEL": 0, "H2S": 0, "CO": 0}, "tester": "Gas Tester"}
		wantForbiddenNaming(t, w.call(t, w.con, "POST", p.ID+"/gas-tests", clean), permit.PermGasTest)
		wantForbiddenNaming(t, w.call(t, w.viewer, "POST", p.ID+"/gas-tests", clean), permit.PermGasTest)
		mine := w.request(t, w.sm, nil)
		wantProblem(t, w.call(t, w.sm, "POST", mine.ID+"/gas-tests", clean), http.StatusForbidden, "SELF_GAS_TEST")
		wantField(t, w.call(t, w.sm, "POST", p.ID+"/gas-tests", map[string]any{"readings": map[string]float64{"O2": 20.9, "LEL": 0}, "tester": "T"}),
			"readings.H2S")
		wantField(t, w.call(t, w.sm, "POST", p.ID+"/gas-tests", map[string]any{"readings": map[string]float64{"O2": -1, "LEL": 0, "H2S": 0, "CO": 0},
			"tester": "T"}), "readings.O2")
		g := decodeJSON[permitItem](t, e.Must(201, w.call(t, w.sm, "POST", p.ID+"/gas-tests", map[string]any{
			"readings": map[string]float64{"o2": 20.9, "Lel": 0, "H2S": 0, "CO": 0}, "tester": "Gas Tester"})))
		if !g.GasTests[0].Passed {
			t.Errorf("readings named in another case: %+v", g.GasTests[0])
		}
		// The four fields of the earlier API are readings too.
		g = decodeJSON[permitItem](t, e.Must(201, w.call(t, w.sm, "POST", p.ID+"/gas-tests", map[string]any{"o2": 20.9, "lel": 11, "h2s": 0, "co": 0,
			"tester": "Gas Tester"})))
		if len(g.GasTests) != 2 || g.GasTests[0].Passed || !strings.HasPrefix(g.GasTests[0].Failures[0], "LEL") {
			t.Errorf("gas tests: %+v", g.GasTests)
		}
		// A type that tests no gases takes none.
		el := w.request(t, w.con, map[string]any{"type": "Electrical Isolation"})
		wantProblem(t, w.call(t, w.sm, "POST", el.ID+"/gas-tests", clean), 409, "GAS_TEST_NOT_NEEDED")
	})
}

// While Active, the air is tested again every re-test interval: a missed
// re-test suspends the work (the sweep) and tells the issuer; a failing
// reading suspends it at once; it resumes only after a passing test taken
// since, and may be closed out from Suspended.
func TestPermitGasRetestsSuspendAndResume(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		w := newPermitWorld(t, engine)
		e := w.e
		job := e.App.PermitExpiry()
		p := w.approved(t, map[string]any{"validFrom": w.at(0.5), "validTo": w.at(10)}) // gas tested at T0 by the compliance manager
		w.advance(t, time.Hour)
		act := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.sm, "POST", p.ID+"/activate", nil)))
		if act.RetestDueAt == nil || !act.RetestDueAt.Equal(permitT0.Add(2*time.Hour)) {
			t.Fatalf("re-test due after activation: %v", act.RetestDueAt)
		}
		// A passing re-test moves the next one.
		w.advance(t, 30*time.Minute)
		g := w.gasTest(t, w.cm, p.ID, 20.9, 0, "")
		if g.Status != "Active" || !g.RetestDueAt.Equal(w.clock.Now().Add(2*time.Hour)) {
			t.Fatalf("after a re-test: %s due %v", g.Status, g.RetestDueAt)
		}
		// Not yet due: the sweep leaves it.
		if _, _, err := job.RunSlot(ctx, w.clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.sm, "GET", p.ID, nil))); got.Status != "Active" {
			t.Fatalf("suspended before the re-test was due: %s", got.Status)
		}
		// Missed: Suspended by the sweep, the issuer told.
		w.advance(t, 2*time.Hour+time.Minute)
		if _, _, err := job.RunSlot(ctx, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		sus := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.sm, "GET", p.ID, nil)))
		if sus.Status != "Suspended" || sus.SuspendedAt == nil || !strings.HasPrefix(sus.SuspensionReason, permit.RetestMissedReason) || sus.RetestDueAt != nil ||
			strings.Join(sus.AllowedTransitions, ",") != "Active,Closed,Expired" {
			t.Fatalf("after a missed re-test: %+v", sus)
		}
		evs, _ := e.App.DB.Outbox().Events(ctx, w.owner.OrgID, "work_permit", p.ID)
		last := evs[len(evs)-1]
		if notify, _ := last.Payload["notify"].([]any); last.Type != permit.EventTypeSuspended || last.Payload["issuerId"] != w.cm.UserID ||
			!slices.Contains(notify, any(w.cm.UserID)) || last.ActorUserID != "" {
			t.Errorf("suspension event: %+v", last)
		}
		// Resumption needs a test taken since; a failing one does not do.
		wantReasons(t, w.call(t, w.sm, "POST", p.ID+"/resume", nil), "RESUME_REFUSED", permit.ReasonGasTestMissing)
		wantForbiddenNaming(t, w.call(t, w.con, "POST", p.ID+"/resume", nil), permit.PermActivate)
		w.gasTest(t, w.cm, p.ID, 18, 0, "")
		wantReasons(t, w.call(t, w.sm, "POST", p.ID+"/resume", nil), "RESUME_REFUSED", permit.ReasonGasTestFailed)
		w.gasTest(t, w.cm, p.ID, 20.9, 0, "")
		res := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.sm, "POST", p.ID+"/resume", nil)))
		if res.Status != "Active" || res.SuspendedAt != nil || res.RetestDueAt == nil || !res.RetestDueAt.Equal(w.clock.Now().Add(2*time.Hour)) {
			t.Fatalf("resumed: %+v", res)
		}
		// A failing reading while Active stops the work at once.
		fail := w.gasTest(t, w.cm, p.ID, 20.9, 25, "")
		if fail.Status != "Suspended" || !strings.Contains(fail.SuspensionReason, "LEL") {
			t.Fatalf("after a failing re-test: %s %q", fail.Status, fail.SuspensionReason)
		}
		evs, _ = e.App.DB.Outbox().Events(ctx, w.owner.OrgID, "work_permit", p.ID)
		if last := evs[len(evs)-1]; last.Type != permit.EventTypeSuspended || last.ActorUserID != w.cm.UserID {
			t.Errorf("suspension by a failing test: %+v", last)
		}
		// The area authority may stop work by hand, with the reason; the
		// work may be closed out from Suspended.
		w.gasTest(t, w.cm, p.ID, 20.9, 0, "")
		e.Must(200, w.call(t, w.sm, "POST", p.ID+"/resume", nil))
		wantField(t, w.call(t, w.sm, "POST", p.ID+"/suspend", nil), "reason")
		wantForbiddenNaming(t, w.call(t, w.con, "POST", p.ID+"/suspend", map[string]any{"reason": "x"}), permit.PermActivate)
		e.Must(200, w.call(t, w.sm, "POST", p.ID+"/suspend", map[string]any{"reason": "Tanker arrived early"}))
		cl := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.sm, "POST", p.ID+"/close", map[string]any{"notes": "Stopped for the day, area made safe"})))
		if cl.Status != "Closed" {
			t.Errorf("closed from Suspended: %s", cl.Status)
		}
		hist := listItems[permitEvent](t, e.Must(200, w.call(t, w.owner, "GET", p.ID+"/history", nil)))
		var moves []string
		for _, h := range hist {
			if h.Kind == "status_changed" {
				moves = append(moves, h.ToStatus)
			}
		}
		if got := strings.Join(moves, ","); got != "Pending Approval,Approved,Active,Suspended,Active,Suspended,Active,Suspended,Closed" {
			t.Errorf("history: %s", got)
		}
	})
}

// Isolations (lock-out/tag-out) record who applied and removed each point;
// the permit does not close while one is applied.
func TestPermitIsolations(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		e := w.e
		draft := w.request(t, w.con, map[string]any{"type": "Electrical Isolation", "location": "Panel B"})
		iso := map[string]any{"point": "Dispenser 3 pump motor, panel B circuit 7", "method": "Breaker locked off, lock 12, tag 1142"}
		wantProblem(t, w.call(t, w.con, "POST", draft.ID+"/isolations", iso), 409, "PERMIT_NOT_ISOLATABLE")
		p := w.approved(t, map[string]any{"type": "Electrical Isolation", "location": "Panel A", "contractorId": nil})
		wantForbiddenNaming(t, w.call(t, w.viewer, "POST", p.ID+"/isolations", iso), permit.PermRequest)
		wantField(t, w.call(t, w.sm, "POST", p.ID+"/isolations", map[string]any{"point": "Panel", "method": " "}), "method")
		a := decodeJSON[permitItem](t, e.Must(201, w.call(t, w.sm, "POST", p.ID+"/isolations", iso)))
		b := decodeJSON[permitItem](t, e.Must(201, w.call(t, w.cm, "POST", p.ID+"/isolations",
			map[string]any{"point": "Canopy lighting circuit", "method": "Fuse withdrawn, tag 1143"})))
		if len(b.Isolations) != 2 || !b.Isolations[0].Applied || b.Isolations[0].AppliedBy != w.sm.UserID || b.Isolations[1].AppliedBy != w.cm.UserID {
			t.Fatalf("isolations: %+v", b.Isolations)
		}
		w.advance(t, time.Hour+time.Minute)
		e.Must(200, w.call(t, w.sm, "POST", p.ID+"/activate", nil))
		r := w.call(t, w.sm, "POST", p.ID+"/close", map[string]any{"notes": "Done"})
		wantProblem(t, r, 409, "ISOLATIONS_APPLIED")
		if !strings.Contains(string(r.Body), a.Isolations[0].ID) {
			t.Errorf("the refusal names the isolation: %s", r.Body)
		}
		rm := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.sm, "POST", p.ID+"/isolations/"+a.Isolations[0].ID+"/remove",
			map[string]any{"note": "Lock 12 returned"})))
		if rm.Isolations[0].Applied || rm.Isolations[0].RemovedBy != w.sm.UserID || !rm.Isolations[1].Applied {
			t.Errorf("after a removal: %+v", rm.Isolations)
		}
		wantProblem(t, w.call(t, w.sm, "POST", p.ID+"/isolations/"+a.Isolations[0].ID+"/remove", nil), 409, "ISOLATION_REMOVED")
		wantProblem(t, w.call(t, w.sm, "POST", p.ID+"/isolations/no-such/remove", nil), 404, "NOT_FOUND")
		wantProblem(t, w.call(t, w.sm, "POST", p.ID+"/close", map[string]any{"notes": "Done"}), 409, "ISOLATIONS_APPLIED")
		e.Must(200, w.call(t, w.cm, "POST", p.ID+"/isolations/"+b.Isolations[1].ID+"/remove", nil))
		cl := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.sm, "POST", p.ID+"/close", map[string]any{"notes": "Done, circuits restored"})))
		if cl.Status != "Closed" {
			t.Errorf("closed: %s", cl.Status)
		}
		wantProblem(t, w.call(t, w.sm, "POST", p.ID+"/isolations", iso), 409, "PERMIT_NOT_ISOLATABLE")
		hist := listItems[permitEvent](t, e.Must(200, w.call(t, w.owner, "GET", p.ID+"/history", nil)))
		var n int
		for _, h := range hist {
			if h.Kind == permit.EventIsolationApplied || h.Kind == permit.EventIsolationRemoved {
				n++
			}
		}
		if n != 4 {
			t.Errorf("isolation history entries: %d, want 4", n)
		}
	})
}
