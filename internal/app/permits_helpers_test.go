package app_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/permit"
)

type permitItem struct {
	ID, Number, Type, TypeKey, StationID, ContractorID, RequestedBy, Status, Location, Description string
	TypeVersion                                                                                    int
	RetestDueAt, SuspendedAt                                                                       *time.Time
	SuspensionReason                                                                               string
	Isolations                                                                                     []struct {
		ID, Point, AppliedBy, RemovedBy string
		Applied                         bool
	}
	ValidFrom, ValidTo, OriginalValidTo                   time.Time
	ApprovedBy, ActivatedBy, ClosedBy, CloseNotes, Reason string
	AllowedTransitions, AttachmentIDs                     []string
	Version                                               int64
	GasTestRequired                                       bool
	Precautions                                           []struct {
		Key, ConfirmedBy string
		Confirmed        bool
	}
	GasTests []struct {
		ID       string
		Passed   bool
		Failures []string
	}
	Extensions []struct {
		OldValidTo, NewValidTo time.Time
		Reason, ExtendedBy     string
	}
}

type permitEvent struct {
	Kind, FromStatus, ToStatus, Note, ActorID string
}

// permitWorld is an organization with a station, a contractor and the
// roles that take part in a permit.
type permitWorld struct {
	e                          *apptest.Env
	clock                      *apptest.Clock
	owner, cm, sm, con, viewer *apptest.User
	station, other             stationItem
	company                    contractorItem
}

var permitT0 = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

func newPermitWorld(t *testing.T, engine string) *permitWorld {
	t.Helper()
	w := &permitWorld{clock: apptest.NewClock(permitT0)}
	w.e = apptest.New(t, engine, apptest.WithNow(w.clock.Now))
	w.owner = w.e.Signup("Permit Fuels")
	w.station = newStation(t, w.e, w.owner, "PW-1", nil)
	w.other = newStation(t, w.e, w.owner, "PW-2", nil)
	w.company = newContractor(t, w.e, w.owner, "Hotworks Ltd", nil)
	w.e.Must(201, callAPI(t, w.e, "POST", "/api/contractors/"+w.company.ID+"/documents", w.owner.Access,
		map[string]any{"type": "insurance", "number": "INS-1", "expiresOn": "2030-01-01"}))
	w.cm = w.e.Invite(w.owner, "sys-compliance_manager", nil)
	w.sm = w.e.Invite(w.owner, "sys-station_manager", map[string]any{"stationIds": []string{w.station.ID}})
	w.con = w.e.Invite(w.owner, "sys-contractor", map[string]any{"contractorId": w.company.ID})
	w.viewer = w.e.Invite(w.owner, "sys-viewer", nil)
	return w
}

// advance moves the clock; access tokens live 15 minutes, so everyone
// signs in again.
func (w *permitWorld) advance(t *testing.T, d time.Duration) {
	t.Helper()
	w.clock.Advance(d)
	for _, u := range []*apptest.User{w.owner, w.cm, w.sm, w.con, w.viewer} {
		w.e.Login(u)
	}
}

func (w *permitWorld) at(h float64) string {
	return w.clock.Now().Add(time.Duration(h * float64(time.Hour))).Format(time.RFC3339)
}

// request creates a Draft permit; body overrides the defaults (Hot Work at
// the station by the company, from in 1 h for 8 h).
func (w *permitWorld) request(t *testing.T, u *apptest.User, body map[string]any) permitItem {
	t.Helper()
	b := map[string]any{"type": "Hot Work", "stationId": w.station.ID, "contractorId": w.company.ID,
		"description": "Weld the canopy bracket", "location": "Canopy, pump island 2", "validFrom": w.at(1), "validTo": w.at(9)}
	for k, v := range body {
		if v == nil {
			delete(b, k)
			continue
		}
		b[k] = v
	}
	return decodeJSON[permitItem](t, w.e.Must(201, callAPI(t, w.e, "POST", "/api/permits", u.Access, b)))
}

func (w *permitWorld) call(t *testing.T, u *apptest.User, method, path string, body any) *apptest.Response {
	t.Helper()
	return callAPI(t, w.e, method, "/api/permits/"+path, u.Access, body)
}

// confirmAll confirms every precaution of the permit.
func (w *permitWorld) confirmAll(t *testing.T, u *apptest.User, p permitItem) {
	t.Helper()
	for _, pc := range p.Precautions {
		w.e.Must(200, w.call(t, u, "PUT", p.ID+"/precautions/"+pc.Key, map[string]any{"note": "checked"}))
	}
}

func (w *permitWorld) gasTest(t *testing.T, u *apptest.User, id string, o2, lel float64, testedAt string) permitItem {
	t.Helper()
	body := map[string]any{"readings": map[string]float64{"O2": o2, "LEL": lel, "H2S": 0, "CO": 2}, "tester": "A. Tester", "instrument": "MX4"}
	if testedAt != "" {
		body["testedAt"] = testedAt
	}
	return decodeJSON[permitItem](t, w.e.Must(201, w.call(t, u, "POST", id+"/gas-tests", body)))
}

// tester is a gas tester (permits:gas_test) other than the permit's
// requester: the station manager, or the compliance manager for the
// station manager's own permits.
func (w *permitWorld) tester(p permitItem) *apptest.User {
	if p.RequestedBy == w.sm.UserID {
		return w.cm
	}
	return w.sm
}

// ready makes a permit approvable: precautions confirmed, a passed gas test
// now when the type needs one, submitted.
func (w *permitWorld) ready(t *testing.T, p permitItem) {
	t.Helper()
	w.confirmAll(t, w.sm, p)
	if p.GasTestRequired {
		w.gasTest(t, w.tester(p), p.ID, 20.9, 0, "")
	}
	w.e.Must(200, w.call(t, w.sm, "POST", p.ID+"/submit", nil))
}

// wantReasons fails unless r refuses with code and exactly these reason
// codes, each with a message.
func wantReasons(t *testing.T, r *apptest.Response, code string, want ...string) {
	t.Helper()
	wantProblem(t, r, http.StatusConflict, code)
	p := decodeJSON[struct {
		Detail  string
		Details struct{ Reasons []permit.Reason }
	}](t, r)
	var got []string
	for _, rs := range p.Details.Reasons {
		got = append(got, rs.Code)
		if rs.Message == "" || !strings.Contains(p.Detail, rs.Message) {
			t.Errorf("reason %s: message %q not in the detail %q", rs.Code, rs.Message, p.Detail)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("reasons %v, want %v: %s", got, want, r.Body)
	}
}
