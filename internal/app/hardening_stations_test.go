package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// A station's managers are members who may see stations and are not
// contractor staff; naming one gives them the station at their next
// request, and removing them takes it away as soon.
func TestStationManagersAreEligibleAndSeeTheirStation(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.WithEnv("HSE_PRINCIPAL_CACHE_TTL", "1m"))
		owner := e.Signup("Managed Stations")
		other := e.Signup("Other Stations")
		home := newStation(t, e, owner, "MG-1", nil)
		site := newStation(t, e, owner, "MG-2", nil)
		sm := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": []string{home.ID}})
		company := newContractor(t, e, owner, "Crew Ltd", nil)
		con := e.Invite(owner, "sys-contractor", map[string]any{"contractorId": company.ID})
		role := decodeJSON[roleItem](t, e.Must(201, callAPI(t, e, "POST", "/api/roles", owner.Access,
			map[string]any{"name": "Reports only", "permissions": []string{"organization:read", "reports:read"}})))
		blind := e.Invite(owner, role.ID, nil)

		// Before: 200 for a contractor and for a role that cannot see stations.
		for _, u := range []*apptest.User{con, blind, other} {
			wantField(t, patchStation(t, e, owner, site.ID, `"1"`, map[string]any{"managerUserIds": []string{u.UserID}}), "managerUserIds")
			wantField(t, callAPI(t, e, "POST", "/api/stations", owner.Access,
				map[string]any{"code": "MG-X", "name": "X", "managerUserIds": []string{u.UserID}}), "managerUserIds")
		}

		// The station manager cannot see the other station yet (and that
		// answer is now cached for a minute).
		wantProblem(t, callAPI(t, e, "GET", "/api/stations/"+site.ID, sm.Access, nil), 404, "NOT_FOUND")
		named := decodeJSON[stationItem](t, e.Must(200, patchStation(t, e, owner, site.ID, `"1"`, map[string]any{"managerUserIds": []string{sm.UserID}})))
		if !slices.Equal(named.ManagerUserIDs, []string{sm.UserID}) {
			t.Fatalf("managers %v", named.ManagerUserIDs)
		}
		// Before: 404 for the station's own manager.
		e.Must(200, callAPI(t, e, "GET", "/api/stations/"+site.ID, sm.Access, nil))
		codes := func() []string {
			var out []string
			for _, s := range listItems[stationItem](t, e.Must(200, callAPI(t, e, "GET", "/api/stations?sort=code", sm.Access, nil))) {
				out = append(out, s.Code)
			}
			return out
		}
		if got := codes(); !slices.Equal(got, []string{"MG-1", "MG-2"}) {
			t.Errorf("the manager lists %v, want MG-1 and MG-2", got)
		}
		// The station is in their scope for its records too.
		e.Must(201, callAPI(t, e, "POST", "/api/incidents", sm.Access, incidentBody(site.ID, time.Now().Add(-time.Hour), nil)))

		// Removed as manager: the station is gone from their scope at once.
		e.Must(200, patchStation(t, e, owner, site.ID, `"2"`, map[string]any{"managerUserIds": []string{}}))
		wantProblem(t, callAPI(t, e, "GET", "/api/stations/"+site.ID, sm.Access, nil), 404, "NOT_FOUND")
		if got := codes(); !slices.Equal(got, []string{"MG-1"}) {
			t.Errorf("after removal the manager lists %v, want MG-1", got)
		}
		// Organization-wide members may manage too; it changes nothing of
		// what they see.
		viewer := e.Invite(owner, "sys-viewer", nil)
		e.Must(200, patchStation(t, e, owner, site.ID, `"3"`, map[string]any{"managerUserIds": []string{viewer.UserID, sm.UserID}}))
		e.Must(200, callAPI(t, e, "GET", "/api/stations/"+site.ID, sm.Access, nil))
	})
}
