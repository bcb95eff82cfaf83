package hse

import (
	"context"
	"time"
)

// The rules by which the corrective action of an audit finding is
// assigned (the organization's actionAssignment setting).
const (
	// AssignStationManagers gives the action to the station's first
	// manager, who runs the site; the default.
	AssignStationManagers = "stationManagers"
	// AssignAuditor gives it to the auditor who found it.
	AssignAuditor = "auditor"
	// AssignUnassigned leaves it for a compliance manager to assign.
	AssignUnassigned = "unassigned"
)

// AssignmentRules lists the rules, the default first.
var AssignmentRules = []string{AssignStationManagers, AssignAuditor, AssignUnassigned}

// OrgPrefs are the organization settings that domain rules follow: its
// time zone and who gets the work it raises. The identity package owns
// the full settings; this is the part other services read in their
// transactions.
type OrgPrefs struct {
	TimeZone         string
	ActionAssignment string
}

// Location is the organization's time zone, UTC when unset or unknown
// (settings are validated when written, so unknown means a zone database
// without it).
func (o OrgPrefs) Location() *time.Location { return LoadLocation(o.TimeZone) }

// FindingAssignee picks the assignee of a finding's corrective action by
// the organization's rule: the station's first manager (the default, also
// for an unknown rule), the auditor, or nobody.
func (o OrgPrefs) FindingAssignee(managers []string, auditor string) string {
	switch o.ActionAssignment {
	case AssignAuditor:
		return auditor
	case AssignUnassigned:
		return ""
	}
	if len(managers) > 0 {
		return managers[0]
	}
	return ""
}

// PrefsReader reads the organization's preferences inside a transaction.
type PrefsReader interface {
	OrgPrefs(ctx context.Context, orgID string) (OrgPrefs, error)
}

// LoadLocation is the IANA zone named tz, UTC for "" or an unknown name.
func LoadLocation(tz string) *time.Location {
	if tz == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
}

// ValidTimeZone reports whether tz names an IANA zone ("" is valid: it
// means "inherit"). "Local" is refused: it would mean the server's zone.
func ValidTimeZone(tz string) bool {
	if tz == "" {
		return true
	}
	if tz == "Local" || len(tz) > 64 {
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

// Today is the calendar day that instant at falls on in loc, as days are
// stored: midnight UTC of that date. A due day is compared with it, so an
// action due "today" in Sydney is not overdue while it is still today
// there.
func Today(at time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := at.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
