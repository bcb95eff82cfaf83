package permit

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Types of permit.
const (
	TypeHotWork       = "Hot Work"
	TypeConfinedSpace = "Confined Space Entry"
	TypeWorkAtHeight  = "Work at Height"
	TypeElectrical    = "Electrical"
	TypeExcavation    = "Excavation"
	TypeTankCleaning  = "Tank Cleaning"
	TypeGeneral       = "General"
)

// PrecautionDef is a mandatory precaution of a type: a stable key clients
// confirm by, and its label.
type PrecautionDef struct {
	Key   string
	Label string
}

// TypeRule is what one type of permit demands.
type TypeRule struct {
	Type string
	// MaxDuration bounds validTo − validFrom of a new permit, and each
	// extension.
	MaxDuration time.Duration
	// MaxTotal bounds the whole span, validFrom to the latest validTo,
	// extensions included.
	MaxTotal time.Duration
	// Precautions must all be confirmed before approval.
	Precautions []PrecautionDef
	// GasTestValidity is how long a gas test stands; 0 when the type
	// needs no gas test.
	GasTestValidity time.Duration
	// Documents are the contractor document types that must be valid
	// through the permit's valid-to day.
	Documents []string
}

// GasTestRequired reports whether the type needs a passed, fresh gas test.
func (r TypeRule) GasTestRequired() bool { return r.GasTestValidity > 0 }

// rules is the one table of the permit types. Durations follow common
// practice for fuel-station work: hazardous work is bounded by a shift
// (8 h for confined spaces, 12 h otherwise), low-risk work by a day.
// Gas tests stand for 4 hours, after which the atmosphere is tested again.
var rules = []TypeRule{
	{TypeHotWork, 12 * time.Hour, 24 * time.Hour, []PrecautionDef{
		{"fire_extinguisher", "Fire extinguisher at the work place"},
		{"barricaded_area", "Work area barricaded"},
		{"fire_watch", "Fire watch posted"},
	}, 4 * time.Hour, []string{"insurance"}},
	{TypeConfinedSpace, 8 * time.Hour, 16 * time.Hour, []PrecautionDef{
		{"gas_monitoring", "Continuous gas monitoring"},
		{"rescue_plan", "Rescue plan and standby person"},
		{"ventilation", "Ventilation in place"},
	}, 4 * time.Hour, []string{"insurance"}},
	{TypeWorkAtHeight, 12 * time.Hour, 24 * time.Hour, []PrecautionDef{
		{"fall_arrest", "Fall arrest equipment"},
		{"scaffold_inspected", "Scaffold or ladder inspected"},
		{"tools_tethered", "Tools tethered"},
	}, 0, []string{"insurance"}},
	{TypeElectrical, 12 * time.Hour, 24 * time.Hour, []PrecautionDef{
		{"lockout_tagout", "Lock-out / tag-out applied"},
		{"insulated_tools", "Insulated tools"},
		{"arc_flash_ppe", "Arc-flash PPE worn"},
	}, 0, []string{"insurance", "licence"}},
	{TypeExcavation, 24 * time.Hour, 72 * time.Hour, []PrecautionDef{
		{"shoring", "Shoring or battering of the sides"},
		{"utilities_located", "Underground utilities located"},
		{"access_egress", "Safe access and egress"},
	}, 0, []string{"insurance"}},
	{TypeTankCleaning, 12 * time.Hour, 24 * time.Hour, []PrecautionDef{
		{"tank_isolated", "Tank isolated: lines blanked, pumps locked out"},
		{"tank_vented", "Tank emptied, vented and gas-freed"},
		{"ignition_sources_controlled", "Ignition sources removed, bonding and earthing in place"},
		{"rescue_plan", "Rescue plan and standby person"},
	}, 4 * time.Hour, []string{"insurance"}},
	{TypeGeneral, 24 * time.Hour, 72 * time.Hour, []PrecautionDef{
		{"risk_assessment", "Task risk assessment reviewed with the crew"},
		{"area_secured", "Work area secured from the public"},
		{"ppe", "PPE for the task worn"},
	}, 0, []string{"insurance"}},
}

// Types lists the permit types in display order.
var Types = func() []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.Type
	}
	return out
}()

// Rules returns the table of types, in display order.
func Rules() []TypeRule { return slices.Clone(rules) }

// RuleFor returns the rule of a type.
func RuleFor(typ string) (TypeRule, bool) {
	for _, r := range rules {
		if r.Type == typ {
			return r, true
		}
	}
	return TypeRule{}, false
}

// Gas test limits: the atmosphere is safe for work when O₂ is within
// 19.5–23.5 % and LEL, H₂S and CO are below their limits.
const (
	O2Min  = 19.5 // % by volume
	O2Max  = 23.5
	LELMax = 10.0 // % LEL, exclusive
	H2SMax = 10.0 // ppm, exclusive (the 8-hour exposure limit)
	COMax  = 35.0 // ppm, exclusive
)

// EvaluateGasTest returns the readings outside the limits; none means the
// test passed.
func EvaluateGasTest(g GasTest) []string {
	var out []string
	if g.O2 < O2Min || g.O2 > O2Max {
		out = append(out, fmt.Sprintf("O2 %.1f %% outside %.1f–%.1f %%", g.O2, O2Min, O2Max))
	}
	if g.LEL >= LELMax {
		out = append(out, fmt.Sprintf("LEL %.1f %% not below %.0f %%", g.LEL, LELMax))
	}
	if g.H2S >= H2SMax {
		out = append(out, fmt.Sprintf("H2S %.1f ppm not below %.0f ppm", g.H2S, H2SMax))
	}
	if g.CO >= COMax {
		out = append(out, fmt.Sprintf("CO %.1f ppm not below %.0f ppm", g.CO, COMax))
	}
	return out
}

// GasTestFresh reports whether a test taken at testedAt still stands at
// at for a type: no older than the type's validity.
func GasTestFresh(r TypeRule, testedAt, at time.Time) bool {
	return !at.After(testedAt.Add(r.GasTestValidity))
}

// unsafePairs are the combinations of work that must not overlap at one
// station: sparks near a confined space or an open tank.
var unsafePairs = [][2]string{
	{TypeHotWork, TypeConfinedSpace},
	{TypeHotWork, TypeTankCleaning},
}

// Clashes reports whether two types of work must not run at one station at
// the same time (either way round).
func Clashes(a, b string) bool {
	for _, p := range unsafePairs {
		if (p[0] == a && p[1] == b) || (p[0] == b && p[1] == a) {
			return true
		}
	}
	return false
}

// Hours writes a duration for people, in hours and minutes ("12 h",
// "4 h 30 min"), rather than Go's "12h0m0s".
func Hours(d time.Duration) string {
	h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
	switch {
	case m == 0:
		return fmt.Sprintf("%d h", h)
	case h == 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}

// SamePlace reports whether two permits' locations at one station name the
// same place: their text is equal once case, punctuation and spacing are
// set aside ("Canopy, pump island 2" is "canopy pump-island 2"), or either
// names none. Different words are different places: the requester states
// the exact location, and the approver reads both.
func SamePlace(a, b string) bool {
	na, nb := placeKey(a), placeKey(b)
	return na == "" || nb == "" || na == nb
}

// placeKey is a location folded for comparison: lower case, every run of
// characters that are neither letters nor digits one space, trimmed.
func placeKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			space = false
			continue
		}
		space = true
	}
	return b.String()
}

// Overlap reports whether the windows [aFrom, aTo) and [bFrom, bTo)
// overlap.
func Overlap(aFrom, aTo, bFrom, bTo time.Time) bool {
	return aFrom.Before(bTo) && bFrom.Before(aTo)
}
