package app_test

import (
	"slices"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// TestContractorUsersSeeTheirCompanysStations: a contractor's staff see
// the active stations where their company may work (every active station
// until the company names some), so they can request permits there, and
// no other.
func TestContractorUsersSeeTheirCompanysStations(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		o := e.Signup("Sites Fuels")
		s1, s2 := newStation(t, e, o, "CS-1", nil), newStation(t, e, o, "CS-2", nil)
		closed := newStation(t, e, o, "CS-3", nil)
		e.Must(200, patchStation(t, e, o, closed.ID, `"1"`, map[string]any{"active": false}))
		company := newContractor(t, e, o, "Site Works", nil)
		rival := newContractor(t, e, o, "Rival Works", map[string]any{"stationIds": []string{s2.ID}})
		con := e.Invite(o, "sys-contractor", map[string]any{"contractorId": company.ID})
		rivalCon := e.Invite(o, "sys-contractor", map[string]any{"contractorId": rival.ID})
		other := e.Signup("Elsewhere Fuels")
		foreign := newStation(t, e, other, "EX-1", nil)

		codes := func(u *apptest.User) []string {
			var out []string
			for _, s := range listItems[stationItem](t, e.Must(200, callAPI(t, e, "GET", "/api/stations", u.Access, nil))) {
				out = append(out, s.Code)
			}
			slices.Sort(out)
			return out
		}
		if got := codes(con); !slices.Equal(got, []string{"CS-1", "CS-2"}) {
			t.Errorf("a company without stations sees %v, want every active station", got)
		}
		if got := codes(rivalCon); !slices.Equal(got, []string{"CS-2"}) {
			t.Errorf("the rival sees %v", got)
		}
		e.Must(404, callAPI(t, e, "GET", "/api/stations/"+closed.ID, con.Access, nil))

		path := "/api/contractors/" + company.ID
		patch := func(ids []string) *apptest.Response {
			v := e.Must(200, callAPI(t, e, "GET", path, o.Access, nil)).JSON(t)["version"]
			return e.Do(apptest.Request{Method: "PATCH", Path: path, Token: o.Access, Body: map[string]any{"stationIds": ids, "version": v}})
		}
		wantField(t, patch([]string{foreign.ID}), "stationIds")
		wantField(t, patch([]string{""}), "stationIds[0]")
		got := decodeJSON[struct{ StationIDs []string }](t, e.Must(200, patch([]string{s1.ID, s1.ID})))
		if !slices.Equal(got.StationIDs, []string{s1.ID}) {
			t.Errorf("stationIds %v", got.StationIDs)
		}
		if got := codes(con); !slices.Equal(got, []string{"CS-1"}) {
			t.Errorf("after naming CS-1 the company's staff see %v", got)
		}
		e.Must(200, callAPI(t, e, "GET", "/api/stations/"+s1.ID, con.Access, nil))
		e.Must(404, callAPI(t, e, "GET", "/api/stations/"+s2.ID, con.Access, nil))
		// Organization-wide members still see every station.
		if got := codes(o); len(got) != 3 {
			t.Errorf("owner sees %v", got)
		}
	})
}
