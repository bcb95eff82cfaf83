package permit

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
)

func TestTypeTable(t *testing.T) {
	want := map[string]time.Duration{TypeHotWork: 12 * time.Hour, TypeConfinedSpace: 8 * time.Hour, TypeWorkAtHeight: 12 * time.Hour,
		TypeElectrical: 12 * time.Hour, TypeExcavation: 24 * time.Hour, TypeTankCleaning: 12 * time.Hour, TypeGeneral: 24 * time.Hour}
	if len(Types) != len(want) {
		t.Fatalf("types %v", Types)
	}
	for typ, d := range want {
		r, ok := RuleFor(typ)
		if !ok || r.MaxDuration != d {
			t.Errorf("%s: max %s, want %s", typ, r.MaxDuration, d)
		}
		if r.MaxTotal < r.MaxDuration || len(r.Precautions) < 3 || len(r.Documents) == 0 {
			t.Errorf("%s: incomplete rule %+v", typ, r)
		}
		seen := map[string]bool{}
		for _, p := range r.Precautions {
			if seen[p.Key] || p.Key == "" || strings.ToLower(p.Key) != p.Key || p.Label == "" {
				t.Errorf("%s: bad precaution key %q", typ, p.Key)
			}
			seen[p.Key] = true
		}
		needsGas := typ == TypeHotWork || typ == TypeConfinedSpace || typ == TypeTankCleaning
		if r.GasTestRequired() != needsGas {
			t.Errorf("%s: gas test required %v", typ, r.GasTestRequired())
		}
	}
	hot, _ := RuleFor(TypeHotWork)
	var keys []string
	for _, p := range hot.Precautions {
		keys = append(keys, p.Key)
	}
	if strings.Join(keys, ",") != "fire_extinguisher,barricaded_area,fire_watch" {
		t.Errorf("hot work precautions: %v", keys)
	}
	if _, ok := RuleFor("Juggling"); ok {
		t.Error("an unknown type has a rule")
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
		{TypeHotWork, 1, 13, ""},
		{TypeHotWork, 1, 13.5, "validTo"},
		{TypeConfinedSpace, 0, 8, ""},
		{TypeConfinedSpace, 0, 8.1, "validTo"},
		{TypeExcavation, 0, 24, ""},
		{TypeGeneral, 0, 25, "validTo"},
		{TypeElectrical, 2, 1, "validTo"},   // backwards
		{TypeElectrical, -3, -1, "validTo"}, // over already
		{"Juggling", 0, 1, "type"},
	}
	for _, c := range cases {
		p := &Permit{}
		err := Input{Type: str(c.typ), Description: str("Weld the canopy"), Location: str("Canopy"), ValidFrom: at(c.from), ValidTo: at(c.to)}.apply(p, now)
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

func TestEvaluateGasTest(t *testing.T) {
	cases := []struct {
		name string
		g    GasTest
		fail []string
	}{
		{"clean air", GasTest{O2: 20.9}, nil},
		{"low edge", GasTest{O2: 19.5, LEL: 9.9, H2S: 9.9, CO: 34.9}, nil},
		{"high edge", GasTest{O2: 23.5}, nil},
		{"oxygen deficient", GasTest{O2: 19.4}, []string{"O2"}},
		{"oxygen enriched", GasTest{O2: 23.6}, []string{"O2"}},
		{"flammable", GasTest{O2: 20.9, LEL: 10}, []string{"LEL"}},
		{"sour", GasTest{O2: 20.9, H2S: 10}, []string{"H2S"}},
		{"exhaust", GasTest{O2: 20.9, CO: 35}, []string{"CO"}},
		{"everything", GasTest{O2: 15, LEL: 50, H2S: 20, CO: 100}, []string{"O2", "LEL", "H2S", "CO"}},
	}
	for _, c := range cases {
		got := EvaluateGasTest(c.g)
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
	r, _ := RuleFor(TypeConfinedSpace)
	tested := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
	if !GasTestFresh(r, tested, tested.Add(4*time.Hour)) || GasTestFresh(r, tested, tested.Add(4*time.Hour+time.Second)) {
		t.Error("a gas test stands for exactly its validity")
	}
}

func TestClashMatrix(t *testing.T) {
	unsafe := map[[2]string]bool{{TypeHotWork, TypeConfinedSpace}: true, {TypeHotWork, TypeTankCleaning}: true}
	for _, a := range Types {
		for _, b := range Types {
			want := unsafe[[2]string{a, b}] || unsafe[[2]string{b, a}]
			if got := Clashes(a, b); got != want {
				t.Errorf("Clashes(%s, %s) = %v, want %v", a, b, got, want)
			}
		}
	}
	h := func(n int) time.Time { return time.Date(2026, 5, 4, n, 0, 0, 0, time.UTC) }
	if !Overlap(h(8), h(12), h(11), h(14)) || Overlap(h(8), h(12), h(12), h(14)) || Overlap(h(12), h(14), h(8), h(12)) {
		t.Error("windows overlap when they share time; touching ends do not")
	}
}

// details builds a permit of a type with its precautions as given.
func testDetails(typ string, confirmAll bool, tests ...GasTest) *Details {
	p := &Permit{ID: "p1", Number: "PTW-2026-0001", Type: typ, StationID: "s1", RequestedBy: "req",
		ValidFrom: time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC), ValidTo: time.Date(2026, 5, 4, 16, 0, 0, 0, time.UTC), Status: StatusPendingApproval}
	d := &Details{Permit: p, GasTests: tests}
	r, _ := RuleFor(typ)
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
	fresh := GasTest{ID: "g1", O2: 20.9, TestedAt: at.Add(-time.Hour)}
	stale := GasTest{ID: "g0", O2: 20.9, TestedAt: at.Add(-5 * time.Hour)}
	failed := GasTest{ID: "g2", O2: 20.9, LEL: 12, TestedAt: at.Add(-time.Minute)}
	other := func(typ, status string) Permit {
		return Permit{ID: "p2", Number: "PTW-2026-0002", Type: typ, StationID: "s1", Status: status,
			ValidFrom: at.Add(2 * time.Hour), ValidTo: at.Add(6 * time.Hour)}
	}
	cases := []struct {
		name     string
		d        *Details
		clashing []Permit
		approver string
		want     string
	}{
		{"all good", testDetails(TypeHotWork, true, fresh), nil, "boss", ""},
		{"no gas test needed", testDetails(TypeElectrical, true), nil, "boss", ""},
		{"self approval", testDetails(TypeElectrical, true), nil, "req", ReasonSelfApproval},
		{"unconfirmed", testDetails(TypeHotWork, false, fresh), nil, "boss", "PRECAUTION_UNCONFIRMED,PRECAUTION_UNCONFIRMED,PRECAUTION_UNCONFIRMED"},
		{"gas missing", testDetails(TypeConfinedSpace, true), nil, "boss", ReasonGasTestMissing},
		{"gas stale", testDetails(TypeTankCleaning, true, stale), nil, "boss", ReasonGasTestStale},
		{"latest gas failed", testDetails(TypeHotWork, true, fresh, failed), nil, "boss", ReasonGasTestFailed},
		{"clash with confined space", testDetails(TypeHotWork, true, fresh), []Permit{other(TypeConfinedSpace, StatusActive)}, "boss", ReasonClash},
		{"clash with hot work", testDetails(TypeConfinedSpace, true, fresh), []Permit{other(TypeHotWork, StatusApproved)}, "boss", ReasonClash},
		{"safe combination", testDetails(TypeHotWork, true, fresh), []Permit{other(TypeElectrical, StatusActive)}, "boss", ""},
		{"same type at the same place", located(testDetails(TypeHotWork, true, fresh), "Pump island 2"),
			[]Permit{place(other(TypeHotWork, StatusApproved), "pump-island 2")}, "boss", ReasonClash},
		{"same type, no place named", testDetails(TypeWorkAtHeight, true), []Permit{other(TypeWorkAtHeight, StatusActive)}, "boss", ReasonClash},
		{"same type elsewhere at the station", located(testDetails(TypeHotWork, true, fresh), "Pump island 2"),
			[]Permit{place(other(TypeHotWork, StatusApproved), "Canopy")}, "boss", ""},
		{"same type at the same place, not overlapping", located(testDetails(TypeHotWork, true, fresh), "Canopy"),
			[]Permit{place(later(other(TypeHotWork, StatusApproved)), "Canopy")}, "boss", ""},
		{"several at once", testDetails(TypeHotWork, false), []Permit{other(TypeTankCleaning, StatusActive)}, "req",
			"SELF_APPROVAL,PRECAUTION_UNCONFIRMED,PRECAUTION_UNCONFIRMED,PRECAUTION_UNCONFIRMED,GAS_TEST_MISSING,PERMIT_CLASH"},
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
	d := testDetails(TypeHotWork, true, fresh)
	if got := codes(ActivationProblems(WorkCheck{Details: d, At: d.Permit.ValidFrom.Add(-time.Minute)})); got != ReasonNotYetValid {
		t.Errorf("activation before validFrom: %s", got)
	}
	if got := codes(ActivationProblems(WorkCheck{Details: d, At: at.Add(3*time.Hour + time.Minute)})); got != ReasonGasTestStale {
		t.Errorf("activation with a gas test gone stale: %s", got)
	}
	err := Refusal("APPROVAL_REFUSED", "approved", ApprovalProblems(WorkCheck{Details: testDetails(TypeConfinedSpace, true), At: at}, "req"))
	var e *hse.Error
	if !errors.As(err, &e) || e.Kind != hse.KindConflict || len(e.Details["reasons"].([]Reason)) != 2 || !strings.Contains(e.Message, "gas test") {
		t.Errorf("refusal: %+v", err)
	}
}

// located sets the location of a permit under test.
func located(d *Details, location string) *Details { d.Permit.Location = location; return d }

func place(p Permit, location string) Permit { p.Location = location; return p }

// later moves a permit past the end of testDetails' window.
func later(p Permit) Permit {
	p.ValidFrom, p.ValidTo = p.ValidFrom.Add(6*time.Hour), p.ValidTo.Add(6*time.Hour)
	return p
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
