package permit

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
)

// starter returns a starter type by key.
func starter(key string) TypeRule {
	for _, r := range StarterTypes() {
		if r.Key == key {
			return r
		}
	}
	panic("no starter type " + key)
}

// starterTypes are the starter types as an organization holds them.
func starterTypes() []PermitType {
	var out []PermitType
	for _, r := range StarterTypes() {
		out = append(out, PermitType{Key: r.Key, Active: true, Current: r})
	}
	return out
}

func TestStarterTypes(t *testing.T) {
	want := map[string]time.Duration{KeyHotWork: 12 * time.Hour, KeyConfinedSpace: 8 * time.Hour, KeyWorkAtHeight: 12 * time.Hour,
		KeyElectrical: 12 * time.Hour, KeyExcavation: 24 * time.Hour, KeyFuelDelivery: 12 * time.Hour, KeyGeneral: 24 * time.Hour}
	types := StarterTypes()
	if len(types) != len(want) {
		t.Fatalf("types %v", types)
	}
	for _, r := range types {
		if d, ok := want[r.Key]; !ok || r.MaxDuration != d || r.Version != 1 {
			t.Errorf("%s: max %s v%d, want %s v1", r.Key, r.MaxDuration, r.Version, d)
		}
		if err := r.Validate(); err != nil {
			t.Errorf("%s: %v", r.Key, err)
		}
		if len(r.Precautions) < 3 || len(r.Documents) == 0 || r.MaxExtensions == 0 {
			t.Errorf("%s: incomplete rule %+v", r.Key, r)
		}
		needsGas := r.Key == KeyHotWork || r.Key == KeyConfinedSpace || r.Key == KeyFuelDelivery
		if r.GasTestRequired() != needsGas || needsGas && (r.RetestInterval == 0 || r.GasTestValidity != 4*time.Hour) {
			t.Errorf("%s: gas test required %v, re-test every %s", r.Key, r.GasTestRequired(), r.RetestInterval)
		}
	}
	var keys []string
	for _, p := range starter(KeyHotWork).Precautions {
		keys = append(keys, p.Key)
	}
	if got := strings.Join(keys, ","); got != "fire_extinguisher,barricaded_area,fire_watch,dispenser_estop_isolated,drains_sealed,no_fuel_delivery" {
		t.Errorf("hot work precautions: %s", got)
	}
	// Names of the earlier fixed table still find their types.
	for name, key := range map[string]string{"Hot Work": KeyHotWork, "tank cleaning": KeyConfinedSpace, "Confined Space Entry": KeyConfinedSpace,
		"Electrical": KeyElectrical, "fuel_delivery_ust": KeyFuelDelivery, "FUEL DELIVERY / UST WORK": KeyFuelDelivery} {
		if got, ok := MatchType(starterTypes(), name); !ok || got.Key != key {
			t.Errorf("MatchType(%q) = %s %v, want %s", name, got.Key, ok, key)
		}
	}
	if _, ok := MatchType(starterTypes(), "Juggling"); ok {
		t.Error("an unknown type matched")
	}
}

// A type's configuration is refused field by field.
func TestTypeRuleValidate(t *testing.T) {
	neg := -1.0
	cases := map[string]struct {
		edit  func(r *TypeRule)
		field string
	}{
		"no name":              {func(r *TypeRule) { r.Type = " " }, "name"},
		"duration too short":   {func(r *TypeRule) { r.MaxDuration = time.Second }, "maxDurationSeconds"},
		"total below duration": {func(r *TypeRule) { r.MaxTotal = r.MaxDuration - time.Hour }, "maxTotalSeconds"},
		"fractional seconds":   {func(r *TypeRule) { r.RetestInterval = time.Hour + time.Millisecond }, "retestIntervalSeconds"},
		"retest too often":     {func(r *TypeRule) { r.RetestInterval = time.Minute }, "retestIntervalSeconds"},
		"duplicate precaution": {func(r *TypeRule) { r.Precautions = append(r.Precautions, r.Precautions[0]) }, "precautions[6].key"},
		"bad precaution key":   {func(r *TypeRule) { r.Precautions[1].Key = "Fire Watch" }, "precautions[1].key"},
		"gas without limits":   {func(r *TypeRule) { r.Gases[1] = Gas{Key: "LEL"} }, "gases[1]"},
		"negative limit":       {func(r *TypeRule) { r.Gases[0].Min = &neg }, "gases[0].min"},
		"unknown document":     {func(r *TypeRule) { r.Documents = []string{"passport"} }, "documents[0]"},
		"too many extensions":  {func(r *TypeRule) { r.MaxExtensions = 21 }, "maxExtensions"},
		"retest without gases": {func(r *TypeRule) { r.Gases = nil }, "gases"},
	}
	for name, c := range cases {
		r := starter(KeyHotWork)
		r.Precautions, r.Gases = slices.Clone(r.Precautions), slices.Clone(r.Gases)
		c.edit(&r)
		err := r.Validate()
		var e *hse.Error
		if !errors.As(err, &e) || !slices.ContainsFunc(e.Fields, func(f hse.FieldError) bool { return f.Field == c.field }) {
			t.Errorf("%s: %v, want an error on %s", name, err, c.field)
		}
	}
}

func TestDurationsOnInput(t *testing.T) {
	now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	at := func(h float64) *time.Time { v := now.Add(time.Duration(h * float64(time.Hour))); return &v }
	cases := []struct {
		typ      string
		from, to float64
		field    string
	}{
		{"Hot Work", 1, 13, ""},
		{"Hot Work", 1, 13.5, "validTo"},
		{"Confined Space Entry", 0, 8, ""},
		{KeyConfinedSpace, 0, 8.1, "validTo"},
		{"Excavation", 0, 24, ""},
		{"General", 0, 25, "validTo"},
		{"Electrical", 2, 1, "validTo"},   // backwards
		{"Electrical", -3, -1, "validTo"}, // over already
		{"Juggling", 0, 1, "type"},
	}
	for _, c := range cases {
		p := &Permit{}
		_, err := Input{Type: str(c.typ), Description: str("Weld the canopy"), Location: str("Canopy"), ValidFrom: at(c.from), ValidTo: at(c.to)}.apply(p, now, starterTypes(), TypeRule{})
		var e *hse.Error
		if c.field == "" {
			if err != nil {
				t.Errorf("%s %v–%v h: %v", c.typ, c.from, c.to, err)
			}
			continue
		}
		if !errors.As(err, &e) || len(e.Fields) == 0 || e.Fields[0].Field != c.field {
			t.Errorf("%s %v–%v h: %v, want a %s error", c.typ, c.from, c.to, err, c.field)
		}
	}
}

func TestEvaluateGas(t *testing.T) {
	gases := starter(KeyConfinedSpace).Gases
	air := func(o2, lel, h2s, co float64) map[string]float64 {
		return map[string]float64{"O2": o2, "LEL": lel, "H2S": h2s, "CO": co}
	}
	cases := []struct {
		name string
		r    map[string]float64
		fail []string
	}{
		{"clean air", air(20.9, 0, 0, 0), nil},
		{"low edge", air(19.5, 9.9, 9.9, 34.9), nil},
		{"high edge", air(23.5, 0, 0, 0), nil},
		{"oxygen deficient", air(19.4, 0, 0, 0), []string{"O2"}},
		{"oxygen enriched", air(23.6, 0, 0, 0), []string{"O2"}},
		{"flammable", air(20.9, 10, 0, 0), []string{"LEL"}},
		{"sour", air(20.9, 0, 10, 0), []string{"H2S"}},
		{"exhaust", air(20.9, 0, 0, 35), []string{"CO"}},
		{"everything", air(15, 50, 20, 100), []string{"O2", "LEL", "H2S", "CO"}},
		{"not measured", map[string]float64{"O2": 20.9, "LEL": 0}, []string{"H2S", "CO"}},
		{"extra gas kept, not judged", map[string]float64{"O2": 20.9, "LEL": 0, "H2S": 0, "CO": 0, "VOC": 900}, nil},
	}
	for _, c := range cases {
		got := EvaluateGas(gases, c.r)
		if len(got) != len(c.fail) {
			t.Errorf("%s: %v, want failures of %v", c.name, got, c.fail)
			continue
		}
		for i, f := range c.fail {
			if !strings.HasPrefix(got[i], f+" ") {
				t.Errorf("%s: failure %q, want one about %s", c.name, got[i], f)
			}
		}
	}
	r := starter(KeyConfinedSpace)
	tested := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	if !GasTestFresh(r, tested, tested.Add(4*time.Hour)) || GasTestFresh(r, tested, tested.Add(4*time.Hour+time.Second)) {
		t.Error("a gas test stands for exactly its validity")
	}
}

func TestClashMatrix(t *testing.T) {
	unsafe := map[[2]string]bool{{KeyHotWork, KeyConfinedSpace}: true, {KeyHotWork, KeyFuelDelivery}: true}
	for _, a := range StarterTypes() {
		for _, b := range StarterTypes() {
			want := unsafe[[2]string{a.Key, b.Key}] || unsafe[[2]string{b.Key, a.Key}]
			if got := clashes(a, b); got != want {
				t.Errorf("clashes(%s, %s) = %v, want %v", a.Key, b.Key, got, want)
			}
		}
	}
	// Either side's list counts: an organization that adds a clash to one
	// type need not edit the other.
	own := TypeRule{Key: "painting", ClashesWith: []string{KeyHotWork}}
	if !clashes(starter(KeyHotWork), own) || !clashes(own, starter(KeyHotWork)) {
		t.Error("a one-sided clash is not symmetric")
	}
	h := func(n int) time.Time { return time.Date(2026, 5, 4, n, 0, 0, 0, time.UTC) }
	if !Overlap(h(8), h(12), h(11), h(14)) || Overlap(h(8), h(12), h(12), h(14)) || Overlap(h(12), h(14), h(8), h(12)) {
		t.Error("windows overlap when they share time; touching ends do not")
	}
}

// details builds a permit of a type with its precautions as given.
func testDetails(key string, confirmAll bool, tests ...GasTest) *Details {
	r := starter(key)
	p := &Permit{ID: "p1", Number: "PTW-2026-0001", Type: r.Type, TypeKey: key, TypeVersion: 1, StationID: "s1", RequestedBy: "req",
		ValidFrom: time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC), ValidTo: time.Date(2026, 5, 4, 16, 0, 0, 0, time.UTC), Status: StatusPendingApproval}
	d := &Details{Permit: p, Rule: r, GasTests: tests}
	for _, def := range r.Precautions {
		d.Precautions = append(d.Precautions, Precaution{Key: def.Key, Confirmed: confirmAll})
	}
	return d
}

func codes(rs []Reason) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return strings.Join(out, ",")
}

func TestApprovalProblems(t *testing.T) {
	at := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	clean := map[string]float64{"O2": 20.9, "LEL": 0, "H2S": 0, "CO": 0}
	fresh := GasTest{ID: "g1", Readings: clean, TestedAt: at.Add(-time.Hour)}
	stale := GasTest{ID: "g0", Readings: clean, TestedAt: at.Add(-5 * time.Hour)}
	failed := GasTest{ID: "g2", Readings: map[string]float64{"O2": 20.9, "LEL": 12, "H2S": 0, "CO": 0}, TestedAt: at.Add(-time.Minute)}
	other := func(key, status string) Neighbour {
		r := starter(key)
		return Neighbour{Rule: r, Permit: Permit{ID: "p2", Number: "PTW-2026-0002", Type: r.Type, TypeKey: key, StationID: "s1", Status: status,
			ValidFrom: at.Add(2 * time.Hour), ValidTo: at.Add(6 * time.Hour)}}
	}
	cases := []struct {
		name     string
		d        *Details
		clashing []Neighbour
		approver string
		want     string
	}{
		{"all good", testDetails(KeyHotWork, true, fresh), nil, "boss", ""},
		{"no gas test needed", testDetails(KeyElectrical, true), nil, "boss", ""},
		{"self approval", testDetails(KeyElectrical, true), nil, "req", ReasonSelfApproval},
		{"unconfirmed", testDetails(KeyWorkAtHeight, false), nil, "boss", "PRECAUTION_UNCONFIRMED,PRECAUTION_UNCONFIRMED,PRECAUTION_UNCONFIRMED,PRECAUTION_UNCONFIRMED"},
		{"clash with fuel delivery", testDetails(KeyHotWork, true, fresh), []Neighbour{other(KeyFuelDelivery, StatusSuspended)}, "boss", ReasonClash},
		{"gas missing", testDetails(KeyConfinedSpace, true), nil, "boss", ReasonGasTestMissing},
		{"gas stale", testDetails(KeyConfinedSpace, true, stale), nil, "boss", ReasonGasTestStale},
		{"latest gas failed", testDetails(KeyHotWork, true, fresh, failed), nil, "boss", ReasonGasTestFailed},
		{"clash with confined space", testDetails(KeyHotWork, true, fresh), []Neighbour{other(KeyConfinedSpace, StatusActive)}, "boss", ReasonClash},
		{"clash with hot work", testDetails(KeyConfinedSpace, true, fresh), []Neighbour{other(KeyHotWork, StatusApproved)}, "boss", ReasonClash},
		{"safe combination", testDetails(KeyHotWork, true, fresh), []Neighbour{other(KeyElectrical, StatusActive)}, "boss", ""},
		{"same type at the same place", located(testDetails(KeyHotWork, true, fresh), "Pump island 2"),
			[]Neighbour{place(other(KeyHotWork, StatusApproved), "pump-island 2")}, "boss", ReasonClash},
		{"same type, no place named", testDetails(KeyWorkAtHeight, true), []Neighbour{other(KeyWorkAtHeight, StatusActive)}, "boss", ReasonClash},
		{"same type elsewhere at the station", located(testDetails(KeyHotWork, true, fresh), "Pump island 2"),
			[]Neighbour{place(other(KeyHotWork, StatusApproved), "Canopy")}, "boss", ""},
		{"same type at the same place, not overlapping", located(testDetails(KeyHotWork, true, fresh), "Canopy"),
			[]Neighbour{place(later(other(KeyHotWork, StatusApproved)), "Canopy")}, "boss", ""},
		{"several at once", testDetails(KeyConfinedSpace, false), []Neighbour{other(KeyHotWork, StatusActive)}, "req",
			"SELF_APPROVAL," + strings.Repeat("PRECAUTION_UNCONFIRMED,", 7) + "GAS_TEST_MISSING,PERMIT_CLASH"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ApprovalProblems(WorkCheck{Details: c.d, Clashing: c.clashing, At: at}, c.approver)
			if codes(got) != c.want {
				t.Errorf("reasons %s, want %s: %+v", codes(got), c.want, got)
			}
			for _, r := range got {
				if r.Message == "" {
					t.Errorf("reason %s without a message", r.Code)
				}
			}
		})
	}
	d := testDetails(KeyHotWork, true, fresh)
	if got := codes(ActivationProblems(WorkCheck{Details: d, At: d.Permit.ValidFrom.Add(-time.Minute)})); got != ReasonNotYetValid {
		t.Errorf("activation before validFrom: %s", got)
	}
	if got := codes(ActivationProblems(WorkCheck{Details: d, At: at.Add(3*time.Hour + time.Minute)})); got != ReasonGasTestStale {
		t.Errorf("activation with a gas test gone stale: %s", got)
	}
	// Within its 4 h validity but past the 2 h re-test interval: the work
	// would be suspended at once, so it does not start.
	if got := codes(ActivationProblems(WorkCheck{Details: d, At: at.Add(time.Hour + time.Minute)})); got != ReasonGasTestStale {
		t.Errorf("activation past the re-test interval: %s", got)
	}
	if got := codes(ActivationProblems(WorkCheck{Details: d, At: at.Add(59 * time.Minute)})); got != "" {
		t.Errorf("activation within the re-test interval: %s", got)
	}
	err := Refusal("APPROVAL_REFUSED", "approved", ApprovalProblems(WorkCheck{Details: testDetails(KeyConfinedSpace, true), At: at}, "req"))
	var e *hse.Error
	if !errors.As(err, &e) || e.Kind != hse.KindConflict || len(e.Details["reasons"].([]Reason)) != 2 || !strings.Contains(e.Message, "gas test") {
		t.Errorf("refusal: %+v", err)
	}
}

// located sets the location of a permit under test.
func located(d *Details, location string) *Details { d.Permit.Location = location; return d }

func place(n Neighbour, location string) Neighbour { n.Permit.Location = location; return n }

// later moves a permit past the end of testDetails' window.
func later(n Neighbour) Neighbour {
	n.Permit.ValidFrom, n.Permit.ValidTo = n.Permit.ValidFrom.Add(6*time.Hour), n.Permit.ValidTo.Add(6*time.Hour)
	return n
}

func TestSamePlace(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"Canopy, pump island 2", "canopy pump-island 2", true},
		{"  Tank  farm ", "TANK FARM.", true},
		{"Tank farm", "", true},
		{"", "", true},
		{"Pump island 2", "Pump island 3", false},
		{"Canopy", "Canopy roof", false},
		{"Zone 1", "Zone1", false},
	} {
		if got := SamePlace(c.a, c.b); got != c.want {
			t.Errorf("SamePlace(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestContractorReasons(t *testing.T) {
	at := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	expired := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	docs := []contractor.Document{{Type: "insurance", ExpiresOn: &expired}}
	err := contractor.CheckEligible(&contractor.Contractor{ID: "c1", Name: "Sparks", Status: contractor.StatusSuspended}, docs, []string{"insurance"}, at)
	if got := codes(ContractorReasons(err, false)); got != "CONTRACTOR_NOT_ACTIVE,CONTRACTOR_DOCUMENT_INVALID" {
		t.Errorf("suspended with an expired document: %s", got)
	}
	err = contractor.CheckEligible(&contractor.Contractor{ID: "c1", Name: "Sparks", Status: contractor.StatusActive}, docs, []string{"insurance"}, at)
	if got := codes(ContractorReasons(err, true)); got != "CONTRACTOR_DOCUMENT_INVALID" {
		t.Errorf("expired document: %s", got)
	}
}

func TestHours(t *testing.T) {
	for d, want := range map[time.Duration]string{
		12 * time.Hour:               "12 h",
		4*time.Hour + 30*time.Minute: "4 h 30 min",
		45 * time.Minute:             "45 min",
		72 * time.Hour:               "72 h",
	} {
		if got := Hours(d); got != want {
			t.Errorf("Hours(%v) = %q, want %q", d, got, want)
		}
	}
}
