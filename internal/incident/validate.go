package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Limits of an incident's inputs.
const (
	MaxDescription      = 10000
	MaxImmediateActions = 5000
	MaxLocation         = 300
	MaxPeople           = 50
	MaxAttachments      = 20
	MaxWhys             = 5
	MaxFactors          = 20
	MaxFindings         = 10000
	// MaxDays bounds days away and days restricted: OSHA caps the count of
	// either at 180 per case.
	MaxDays = 180
	// ClockSkew is how far in the future an occurrence may be, for
	// devices whose clocks run a little fast.
	ClockSkew = 5 * time.Minute
	// MaxAge is how long ago an incident may have occurred when reported.
	MaxAge = 5 * 365 * 24 * time.Hour
)

// errs collects field errors.
type errs []hse.FieldError

func (e *errs) add(field, msg string) { *e = append(*e, hse.FieldError{Field: field, Message: msg}) }

func (e errs) err(msg string) error {
	if len(e) == 0 {
		return nil
	}
	return hse.Invalid(msg, e...)
}

func runes(s string) int { return len([]rune(s)) }

// text checks an optional free-text field.
func (e *errs) text(field, s string, max int) {
	if runes(s) > max {
		e.add(field, fmt.Sprintf("at most %d characters", max))
	}
}

// oneOf checks a value against a fixed list.
func (e *errs) oneOf(field, v string, list []string) {
	if !slices.Contains(list, v) {
		e.add(field, "one of "+strings.Join(list, ", "))
	}
}

// checkDetails validates what a reporter states about an incident, at now,
// trimming the free text. It names every bad field.
func checkDetails(i *Incident, now time.Time, prevOccurred time.Time) errs {
	var e errs
	if i.StationID == "" {
		e.add("stationId", "required")
	}
	e.oneOf("type", i.Type, Types)
	e.oneOf("severity", i.Severity, Severities)
	switch {
	case !prevOccurred.IsZero() && i.OccurredAt.Equal(prevOccurred):
		// Unchanged since it was accepted: an old incident stays editable.
	case i.OccurredAt.IsZero():
		e.add("occurredAt", "required: when it happened")
	case i.OccurredAt.After(now.Add(ClockSkew)):
		e.add("occurredAt", "in the future")
	case i.OccurredAt.Before(now.Add(-MaxAge)):
		e.add("occurredAt", "more than 5 years ago")
	}
	i.Description, i.ImmediateActions, i.Location = strings.TrimSpace(i.Description), strings.TrimSpace(i.ImmediateActions), strings.TrimSpace(i.Location)
	if n := runes(i.Description); n < 1 || n > MaxDescription {
		e.add("description", fmt.Sprintf("1 to %d characters: what happened", MaxDescription))
	}
	e.text("immediateActions", i.ImmediateActions, MaxImmediateActions)
	e.text("location", i.Location, MaxLocation)
	if len(i.People) > MaxPeople {
		e.add("people", fmt.Sprintf("at most %d people", MaxPeople))
	}
	for n := range i.People {
		p := &i.People[n]
		f := func(s string) string { return fmt.Sprintf("people[%d].%s", n, s) }
		p.Name, p.Role, p.Injury = strings.TrimSpace(p.Name), strings.TrimSpace(p.Role), strings.TrimSpace(p.Injury)
		p.BodyPart, p.Treatment = strings.TrimSpace(p.BodyPart), strings.TrimSpace(p.Treatment)
		if k := runes(p.Name); k < 1 || k > 200 {
			e.add(f("name"), "1 to 200 characters")
		}
		e.text(f("role"), p.Role, 100)
		e.text(f("injury"), p.Injury, 500)
		e.text(f("bodyPart"), p.BodyPart, 100)
		e.text(f("treatment"), p.Treatment, 500)
	}
	if len(i.AttachmentIDs) > MaxAttachments {
		e.add("attachmentIds", fmt.Sprintf("at most %d attachments", MaxAttachments))
	}
	for n, id := range i.AttachmentIDs {
		if id == "" || len(id) > 64 {
			e.add(fmt.Sprintf("attachmentIds[%d]", n), "an attachment id")
		}
	}
	return e
}

// checkRecord validates the recordkeeping and the regulator report of an
// incident at now. A record that contradicts itself or the type of the
// incident is refused, naming the fields at fault: a Near Miss with a
// fatality would otherwise raise an 8-hour regulatory deadline for a case
// that is not even recordable.
func checkRecord(i *Incident, now time.Time) errs {
	var e errs
	r := i.Record
	outcomes := r.outcomes()
	switch {
	case slices.Contains(NoHarmTypes, i.Type):
		for _, f := range outcomes {
			e.add("recordkeeping."+f, "a "+i.Type+" is one in which nobody was hurt; report an injury as an Injury (or the type of event it was)")
		}
		if len(outcomes) == 0 && r.Recordable {
			e.add("recordkeeping.recordable", "a "+i.Type+" is one in which nobody was hurt, so it is not recordable")
		}
	case len(outcomes) > 0 && !r.Recordable:
		e.add("recordkeeping.recordable", "must be true: a "+strings.Join(outcomes, ", ")+" case is always recordable")
	}
	if r.DaysAway < 0 || r.DaysAway > MaxDays {
		e.add("recordkeeping.daysAway", fmt.Sprintf("0 to %d", MaxDays))
	}
	if r.DaysRestricted < 0 || r.DaysRestricted > MaxDays {
		e.add("recordkeeping.daysRestricted", fmt.Sprintf("0 to %d", MaxDays))
	}
	if t := i.RegulatorReportedAt; t != nil {
		switch {
		case t.After(now.Add(ClockSkew)):
			e.add("regulatorReportedAt", "in the future")
		case t.Before(i.OccurredAt):
			e.add("regulatorReportedAt", "before the incident occurred")
		}
	}
	return e
}

// CheckInvestigation validates an investigation, trimming its text.
func CheckInvestigation(v *Investigation) error {
	var e errs
	seen := map[string]bool{}
	for n, c := range v.RootCauses {
		f := fmt.Sprintf("investigation.rootCauses[%d]", n)
		switch {
		case !slices.Contains(RootCauseCategories, c):
			e.add(f, "one of "+strings.Join(RootCauseCategories, ", "))
		case seen[c]:
			e.add(f, "listed twice")
		}
		seen[c] = true
	}
	if len(v.Whys) > MaxWhys {
		e.add("investigation.whys", fmt.Sprintf("at most %d whys", MaxWhys))
	}
	for n := range v.Whys {
		v.Whys[n] = strings.TrimSpace(v.Whys[n])
		if k := runes(v.Whys[n]); k < 1 || k > 1000 {
			e.add(fmt.Sprintf("investigation.whys[%d]", n), "1 to 1,000 characters")
		}
	}
	if len(v.ContributingFactors) > MaxFactors {
		e.add("investigation.contributingFactors", fmt.Sprintf("at most %d factors", MaxFactors))
	}
	for n := range v.ContributingFactors {
		v.ContributingFactors[n] = strings.TrimSpace(v.ContributingFactors[n])
		if k := runes(v.ContributingFactors[n]); k < 1 || k > 500 {
			e.add(fmt.Sprintf("investigation.contributingFactors[%d]", n), "1 to 500 characters")
		}
	}
	v.Findings = strings.TrimSpace(v.Findings)
	e.text("investigation.findings", v.Findings, MaxFindings)
	return e.err("invalid investigation")
}

// Check validates a whole incident at now and derives its deadline.
// prevOccurred is when the stored incident says it occurred (zero for a
// new one): an unchanged occurrence is not checked against the clock again.
func Check(i *Incident, now, prevOccurred time.Time) error {
	e := append(checkDetails(i, now, prevOccurred), checkRecord(i, now)...)
	if err := e.err("invalid incident"); err != nil {
		return err
	}
	i.derive()
	return nil
}
