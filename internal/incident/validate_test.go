package incident

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

func validIncident(now time.Time) *Incident {
	return &Incident{StationID: "st", Type: "Fire", Severity: "High", OccurredAt: now.Add(-time.Hour), Description: " Bin fire "}
}

func fields(err error) string {
	var e *hse.Error
	if !errors.As(err, &e) {
		return ""
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return strings.Join(out, ",")
}

func TestCheck(t *testing.T) {
	now := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	reg := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	cases := []struct {
		name   string
		change func(i *Incident)
		prev   time.Time
		fields string
	}{
		{"valid", func(*Incident) {}, time.Time{}, ""},
		{"within the clock skew", func(i *Incident) { i.OccurredAt = now.Add(4 * time.Minute) }, time.Time{}, ""},
		{"in the future", func(i *Incident) { i.OccurredAt = now.Add(10 * time.Minute) }, time.Time{}, "occurredAt"},
		{"absurdly old", func(i *Incident) { i.OccurredAt = now.AddDate(-6, 0, 0) }, time.Time{}, "occurredAt"},
		{"old but unchanged stays editable", func(i *Incident) { i.OccurredAt = now.AddDate(-6, 0, 0) }, now.AddDate(-6, 0, 0), ""},
		{"missing time", func(i *Incident) { i.OccurredAt = time.Time{} }, time.Time{}, "occurredAt"},
		{"bad type and severity", func(i *Incident) { i.Type, i.Severity = "Meteor", "Apocalyptic" }, time.Time{}, "type,severity"},
		{"blank description", func(i *Incident) { i.Description = " \n " }, time.Time{}, "description"},
		{"too many people", func(i *Incident) { i.People = make([]Person, MaxPeople+1); fillNames(i.People) }, time.Time{}, "people"},
		{"nameless person", func(i *Incident) { i.People = []Person{{Name: "A"}, {Injury: "cut"}} }, time.Time{}, "people[1].name"},
		{"too many attachments", func(i *Incident) { i.AttachmentIDs = strings.Split(strings.Repeat("a,", MaxAttachments)+"a", ",") }, time.Time{}, "attachmentIds"},
		{"negative days", func(i *Incident) { i.Record.DaysAway = -1 }, time.Time{}, "recordkeeping.daysAway"},
		{"days capped at 180", func(i *Incident) { i.Record.Recordable, i.Record.DaysRestricted = true, 181 }, time.Time{}, "recordkeeping.daysRestricted"},
		{"a near miss with a fatality", func(i *Incident) { i.Type, i.Record.Recordable, i.Record.Fatality = "Near Miss", true, true }, time.Time{},
			"recordkeeping.fatality"},
		{"a safety observation with harm", func(i *Incident) {
			i.Type, i.Record = "Safety Observation", Recordkeeping{Recordable: true, Hospitalised: true, DaysAway: 3}
		}, time.Time{}, "recordkeeping.hospitalised,recordkeeping.daysAway"},
		{"a recordable near miss", func(i *Incident) { i.Type, i.Record.Recordable = "Near Miss", true }, time.Time{}, "recordkeeping.recordable"},
		{"a near miss with nothing recorded", func(i *Incident) { i.Type = "Near Miss" }, time.Time{}, ""},
		{"a fatality that is not recordable", func(i *Incident) { i.Type, i.Record.Fatality = "Injury", true }, time.Time{}, "recordkeeping.recordable"},
		{"days away that are not recordable", func(i *Incident) { i.Record.DaysAway = 2 }, time.Time{}, "recordkeeping.recordable"},
		{"a recordable fatality", func(i *Incident) { i.Type, i.Record = "Injury", Recordkeeping{Recordable: true, Fatality: true} }, time.Time{}, ""},
		{"recordable without an outcome listed", func(i *Incident) { i.Type, i.Record.Recordable = "Injury", true }, time.Time{}, ""},
		{"reported to the regulator in the future", func(i *Incident) { i.RegulatorReportedAt = reg(time.Hour) }, time.Time{}, "regulatorReportedAt"},
		{"reported before it happened", func(i *Incident) { i.RegulatorReportedAt = reg(-2 * time.Hour) }, time.Time{}, "regulatorReportedAt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			i := validIncident(now)
			c.change(i)
			err := Check(i, now, c.prev)
			if got := fields(err); got != c.fields || (c.fields == "") != (err == nil) {
				t.Fatalf("Check = %v (fields %q), want fields %q", err, got, c.fields)
			}
			if err == nil && i.Description != "Bin fire" {
				t.Errorf("description not trimmed: %q", i.Description)
			}
		})
	}
}

func fillNames(ps []Person) {
	for n := range ps {
		ps[n].Name = "P"
	}
}

func TestCheckInvestigation(t *testing.T) {
	cases := []struct {
		name   string
		v      Investigation
		fields string
	}{
		{"empty is fine", Investigation{}, ""},
		{"full", Investigation{RootCauses: RootCauseCategories, Whys: []string{"1", "2", "3", "4", "5"}, ContributingFactors: []string{"rain"}, Findings: "f"}, ""},
		{"unknown category", Investigation{RootCauses: []string{"Luck"}}, "investigation.rootCauses[0]"},
		{"duplicate category", Investigation{RootCauses: []string{"People", "People"}}, "investigation.rootCauses[1]"},
		{"six whys", Investigation{Whys: []string{"1", "2", "3", "4", "5", "6"}}, "investigation.whys"},
		{"blank why", Investigation{Whys: []string{" "}}, "investigation.whys[0]"},
		{"long factor", Investigation{ContributingFactors: []string{strings.Repeat("f", 501)}}, "investigation.contributingFactors[0]"},
		{"long findings", Investigation{Findings: strings.Repeat("f", MaxFindings+1)}, "investigation.findings"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := fields(CheckInvestigation(&c.v)); got != c.fields {
				t.Errorf("fields %q, want %q", got, c.fields)
			}
		})
	}
}
