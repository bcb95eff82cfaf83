package permit

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
)

// PrecautionDef is a mandatory precaution of a type: a stable key clients
// confirm by, and its label.
type PrecautionDef struct {
	Key   string
	Label string
}

// Gas is one gas a type's tests measure, with its safe range. A reading
// passes when it is at least Min, at most Max and strictly below Below,
// for each bound that is set.
type Gas struct {
	Key   string // "O2", "LEL", "H2S", "CO" or the organization's own
	Label string
	Unit  string // "%", "% LEL", "ppm"
	Min   *float64
	Max   *float64
	Below *float64
}

// TypeRule is one version of a permit type: what a permit issued under it
// demands. Versions are immutable; a permit keeps the version it was
// created under, whatever the organization changes later.
type TypeRule struct {
	Key     string // stable, lower_snake ("hot_work")
	Version int
	Type    string // the name shown ("Hot Work")
	// MaxDuration bounds validTo − validFrom of a new permit.
	MaxDuration time.Duration
	// MaxExtension bounds what one extension adds; MaxExtensions how many
	// there may be (0: none).
	MaxExtension  time.Duration
	MaxExtensions int
	// MaxTotal bounds the whole span, validFrom to the latest validTo,
	// extensions included.
	MaxTotal time.Duration
	// Precautions must all be confirmed before approval.
	Precautions []PrecautionDef
	// Gases are measured by each gas test; none: the type needs no test.
	Gases []Gas
	// GasTestValidity is how long a test stands for approval and
	// activation; RetestInterval how often the atmosphere is tested again
	// while the work is Active (0: no re-tests).
	GasTestValidity time.Duration
	RetestInterval  time.Duration
	// Documents are the contractor document types that must be valid
	// through the permit's valid-to day.
	Documents []string
	// ClashesWith are the keys of the types whose work must not overlap
	// with this one at a station (either side's list counts).
	ClashesWith []string
}

// GasTestRequired reports whether the type needs a passed, fresh gas test.
func (r TypeRule) GasTestRequired() bool { return len(r.Gases) > 0 }

// PermitType is an organization's permit type and its current version.
type PermitType struct {
	Key       string
	Active    bool // inactive types take no new permits
	Current   TypeRule
	CreatedAt time.Time
	UpdatedAt time.Time
	UpdatedBy string // "" for the starter content
}

// EvaluateGas returns the readings outside the type's limits (a missing
// reading of a tested gas is a failure); none means the test passed.
// Readings of gases the type does not test are kept but not judged.
func EvaluateGas(gases []Gas, readings map[string]float64) []string {
	var out []string
	for _, g := range gases {
		v, ok := readings[g.Key]
		if !ok {
			out = append(out, g.Key+" not measured")
			continue
		}
		if g.Min != nil && v < *g.Min || g.Max != nil && v > *g.Max {
			out = append(out, fmt.Sprintf("%s %s %s outside %s", g.Key, num(v), g.Unit, rangeText(g)))
			continue
		}
		if g.Below != nil && v >= *g.Below {
			out = append(out, fmt.Sprintf("%s %s %s not below %s %s", g.Key, num(v), g.Unit, num(*g.Below), g.Unit))
		}
	}
	return out
}

// num writes a reading without trailing zeros ("19.5", "10").
func num(v float64) string { return fmt.Sprintf("%g", math.Round(v*1000)/1000) }

func rangeText(g Gas) string {
	switch {
	case g.Min != nil && g.Max != nil:
		return fmt.Sprintf("%s–%s %s", num(*g.Min), num(*g.Max), g.Unit)
	case g.Min != nil:
		return "at least " + num(*g.Min) + " " + g.Unit
	case g.Max != nil:
		return "at most " + num(*g.Max) + " " + g.Unit
	}
	return "its limits"
}

// GasTestFresh reports whether a test taken at testedAt still stands at
// at for a type: no older than the type's validity.
func GasTestFresh(r TypeRule, testedAt, at time.Time) bool {
	return !at.After(testedAt.Add(r.GasTestValidity))
}

// clashes reports whether two versions' work must not overlap at one
// station: either names the other's type.
func clashes(a, b TypeRule) bool {
	return slices.Contains(a.ClashesWith, b.Key) || slices.Contains(b.ClashesWith, a.Key)
}

var (
	typeKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
	gasKeyPattern  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,19}$`)
)

// Limits of a type's configuration.
const (
	maxTypeSpan     = 31 * 24 * time.Hour
	maxPrecautions  = 40
	maxGases        = 10
	maxDocuments    = 10
	maxClashes      = 40
	maxExtensionsIn = 20
)

// Validate checks a new version of a type, naming every field at fault
// (as the API names them).
func (r *TypeRule) Validate() error {
	var fs []hse.FieldError
	bad := func(field, format string, args ...any) {
		fs = append(fs, hse.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	r.Type = strings.TrimSpace(r.Type)
	if n := len([]rune(r.Type)); n < 2 || n > 100 {
		bad("name", "required, 2 to 100 characters")
	}
	dur := func(field string, d time.Duration, min time.Duration) {
		if d < min || d > maxTypeSpan || d%time.Second != 0 {
			bad(field, "whole seconds from %d to %d", int64(min/time.Second), int64(maxTypeSpan/time.Second))
		}
	}
	dur("maxDurationSeconds", r.MaxDuration, time.Minute)
	dur("maxTotalSeconds", r.MaxTotal, time.Minute)
	if r.MaxTotal < r.MaxDuration {
		bad("maxTotalSeconds", "at least maxDurationSeconds")
	}
	if r.MaxExtensions < 0 || r.MaxExtensions > maxExtensionsIn {
		bad("maxExtensions", "from 0 to %d", maxExtensionsIn)
	}
	if r.MaxExtensions > 0 {
		dur("maxExtensionSeconds", r.MaxExtension, time.Minute)
	} else if r.MaxExtension != 0 {
		dur("maxExtensionSeconds", r.MaxExtension, 0)
	}
	if len(r.Precautions) > maxPrecautions {
		bad("precautions", "at most %d", maxPrecautions)
	}
	seen := map[string]bool{}
	for i, p := range r.Precautions {
		r.Precautions[i].Label = strings.TrimSpace(p.Label)
		if !typeKeyPattern.MatchString(p.Key) || seen[p.Key] {
			bad(fmt.Sprintf("precautions[%d].key", i), "unique, lower_snake_case, 2 to 40 characters")
		}
		seen[p.Key] = true
		if n := len([]rune(r.Precautions[i].Label)); n < 1 || n > 300 {
			bad(fmt.Sprintf("precautions[%d].label", i), "required, at most 300 characters")
		}
	}
	if len(r.Gases) > maxGases {
		bad("gases", "at most %d", maxGases)
	}
	seen = map[string]bool{}
	for i, g := range r.Gases {
		f := fmt.Sprintf("gases[%d]", i)
		if !gasKeyPattern.MatchString(g.Key) || seen[strings.ToUpper(g.Key)] {
			bad(f+".key", "unique, letters, digits and _, at most 20 characters")
		}
		seen[strings.ToUpper(g.Key)] = true
		if len([]rune(g.Label)) > 100 || len([]rune(g.Unit)) > 20 {
			bad(f, "label at most 100 characters, unit at most 20")
		}
		if g.Min == nil && g.Max == nil && g.Below == nil {
			bad(f, "needs a limit: min, max or below")
		}
		for name, v := range map[string]*float64{"min": g.Min, "max": g.Max, "below": g.Below} {
			if v != nil && (math.IsNaN(*v) || *v < 0 || *v > 1e6) {
				bad(f+"."+name, "from 0 to 1000000")
			}
		}
		if g.Min != nil && g.Max != nil && *g.Min > *g.Max {
			bad(f+".max", "at least min")
		}
	}
	if len(r.Gases) > 0 {
		dur("gasTestValiditySeconds", r.GasTestValidity, time.Minute)
		if r.RetestInterval != 0 {
			dur("retestIntervalSeconds", r.RetestInterval, 5*time.Minute)
		}
	} else if r.GasTestValidity != 0 || r.RetestInterval != 0 {
		bad("gases", "a gas-test validity or re-test interval needs the gases to test")
	}
	if len(r.Documents) > maxDocuments {
		bad("documents", "at most %d", maxDocuments)
	}
	for i, d := range r.Documents {
		if !slices.Contains(contractor.DocumentTypes, d) || slices.Index(r.Documents, d) != i {
			bad(fmt.Sprintf("documents[%d]", i), "once each, one of %s", strings.Join(contractor.DocumentTypes, ", "))
		}
	}
	if len(r.ClashesWith) > maxClashes {
		bad("clashesWith", "at most %d", maxClashes)
	}
	for i, k := range r.ClashesWith {
		if !typeKeyPattern.MatchString(k) {
			bad(fmt.Sprintf("clashesWith[%d]", i), "a permit type key")
		}
	}
	if len(fs) > 0 {
		return hse.Invalid("invalid permit type", fs...)
	}
	return nil
}
