package incident

import (
	"fmt"
	"time"
)

// Regulatory reporting windows (OSHA 29 CFR 1904.39): a work-related
// fatality within 8 hours, an in-patient hospitalisation, amputation or
// loss of an eye within 24 hours of the incident.
const (
	FatalityWindow     = 8 * time.Hour
	SevereInjuryWindow = 24 * time.Hour
)

// Deadline is when an incident that occurred at occurredAt with record r
// must be reported to the regulator, or nil when it need not be. The
// shortest window that applies wins.
func Deadline(occurredAt time.Time, r Recordkeeping) *time.Time {
	var d time.Time
	switch {
	case r.Fatality:
		d = occurredAt.Add(FatalityWindow)
	case r.Hospitalised || r.Amputation || r.EyeLoss:
		d = occurredAt.Add(SevereInjuryWindow)
	default:
		return nil
	}
	d = d.UTC()
	return &d
}

// Overdue reports whether the regulatory deadline passed at now without
// the incident being reported to the regulator.
func (i *Incident) Overdue(now time.Time) bool {
	return i.RegulatoryDeadline != nil && i.RegulatorReportedAt == nil && now.After(*i.RegulatoryDeadline)
}

// derive recomputes what follows from the incident's facts: the
// regulatory deadline.
func (i *Incident) derive() { i.RegulatoryDeadline = Deadline(i.OccurredAt, i.Record) }

// Series is the number series of incidents reported at t ("INC-2026").
func Series(t time.Time) string { return fmt.Sprintf("INC-%d", t.UTC().Year()) }

// FormatNumber formats the n-th incident number of a series.
func FormatNumber(series string, n int64) string { return fmt.Sprintf("%s-%04d", series, n) }
