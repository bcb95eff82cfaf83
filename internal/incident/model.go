// Package incident is the incidents domain: reporting an incident at a
// station, its investigation (root causes, five whys, contributing factors,
// findings), its recordkeeping and regulatory reporting deadline, the
// lifecycle Reported → Under Investigation → Action Required → Closed (and
// reopening), and the corrective actions raised from it.
package incident

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/hse"
)

// Statuses of an incident.
const (
	StatusReported           = "Reported"
	StatusUnderInvestigation = "Under Investigation"
	StatusActionRequired     = "Action Required"
	StatusClosed             = "Closed"
)

// Statuses lists the statuses in lifecycle order.
var Statuses = []string{StatusReported, StatusUnderInvestigation, StatusActionRequired, StatusClosed}

// Types of incident.
var Types = []string{"Injury", "Near Miss", "Spill / Environmental", "Fire", "Property Damage", "Security", "Vehicle",
	"Safety Observation", "Other"}

// Severities of an incident, lowest first.
var Severities = []string{"Low", "Medium", "High", "Critical"}

// RootCauseCategories is the fixed list an investigation classifies its
// root causes by.
var RootCauseCategories = []string{"People", "Process", "Equipment", "Environment", "Management", "Materials"}

// Permissions of the incidents resource.
const (
	PermRead        hse.Permission = "incidents:read"
	PermReport      hse.Permission = "incidents:report"
	PermInvestigate hse.Permission = "incidents:investigate"
	PermClose       hse.Permission = "incidents:close"
)

// Person is someone involved in an incident.
type Person struct {
	Name      string `json:"name"`
	Role      string `json:"role,omitempty"`
	Injury    string `json:"injury,omitempty"`
	BodyPart  string `json:"bodyPart,omitempty"`
	Treatment string `json:"treatment,omitempty"`
}

// Investigation is what the investigation of an incident found.
type Investigation struct {
	RootCauses          []string // categories from RootCauseCategories
	Whys                []string // the five-whys chain, first why first
	ContributingFactors []string
	Findings            string
}

// Recordkeeping is what an incident means for injury records and for the
// regulator (OSHA-style).
type Recordkeeping struct {
	Recordable     bool
	DaysAway       int
	DaysRestricted int // restricted work or job transfer
	Fatality       bool
	Hospitalised   bool // in-patient hospitalisation
	Amputation     bool
	EyeLoss        bool
}

// NoHarmTypes are the types of incident in which, by definition, nobody
// was hurt: their recordkeeping stays empty.
var NoHarmTypes = []string{"Near Miss", "Safety Observation"}

// outcomes names the recordkeeping fields that record harm to someone. Each
// makes a case recordable (OSHA 29 CFR 1904.7: death, days away, restricted
// work or transfer, and the medical treatment that an in-patient stay, an
// amputation or the loss of an eye mean).
func (r Recordkeeping) outcomes() []string {
	var out []string
	for _, o := range []struct {
		field string
		set   bool
	}{{"fatality", r.Fatality}, {"hospitalised", r.Hospitalised}, {"amputation", r.Amputation}, {"eyeLoss", r.EyeLoss},
		{"daysAway", r.DaysAway > 0}, {"daysRestricted", r.DaysRestricted > 0}} {
		if o.set {
			out = append(out, o.field)
		}
	}
	return out
}

// ImpliesRecordable reports whether an outcome of the record makes the case
// recordable, whatever else is said.
func (r Recordkeeping) ImpliesRecordable() bool { return len(r.outcomes()) > 0 }

// Incident is one reported incident.
type Incident struct {
	ID               string
	Number           string // INC-<year>-<seq>, per organization
	StationID        string
	Type             string
	Severity         string
	Status           string
	OccurredAt       time.Time
	ReportedAt       time.Time
	ReporterUserID   string
	StationName      string // read-only, in lists
	ReporterName     string // read-only, in lists
	Description      string
	ImmediateActions string
	Location         string
	People           []Person
	AttachmentIDs    []string
	Investigation    Investigation
	Record           Recordkeeping
	// RegulatoryDeadline is derived from OccurredAt and Record (see
	// Deadline); nil when nothing is reportable.
	RegulatoryDeadline  *time.Time
	RegulatorReportedAt *time.Time
	ResolvedAt          *time.Time // set on close, cleared on reopen
	// InvestigatorUserID is the member who investigates, and
	// InvestigationDueOn the day (UTC midnight) the investigation is due.
	InvestigatorUserID string
	InvestigationDueOn *time.Time
	// ClosureReason says why an incident closed (required when it closes
	// straight from investigation, with no action needed); cleared on
	// reopen, kept in the history.
	ClosureReason string
	Version       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Event kinds of an incident's history.
const (
	EventCreated              = "created"
	EventUpdated              = "updated"
	EventInvestigationUpdated = "investigation_updated"
	EventStatusChanged        = "status_changed"
	EventReopened             = "reopened"
	EventActionRaised         = "action_raised"
	EventRegulatorReported    = "regulator_reported"
	EventInvestigatorAssigned = "investigator_assigned"
)

// Event is one entry of an incident's history.
type Event = hse.HistoryEntry

// Filter selects incidents of one organization.
type Filter struct {
	Status     string
	Type       string
	Severity   string
	StationID  string
	From, To   *time.Time // occurredAt, inclusive
	Recordable *bool
	// Overdue: a regulatory deadline before Now and not yet reported.
	Overdue bool
	Now     time.Time
	Q       string // matches number, description or location
	// Restricted limits the list to incidents at VisibleStations or
	// reported by VisibleReporter: the caller's scope.
	Restricted      bool
	VisibleStations []string
	VisibleReporter string
}

// SortFields of the incident list; the default is occurredAt, newest
// first.
var SortFields = []string{"occurredAt", "reportedAt", "createdAt", "severity", "number"}

// Store opens transactions.
type Store interface {
	InTx(ctx context.Context, sc hse.TxScope, fn func(Tx) error) error
	// InSeriesTx opens a write transaction that takes the next number of
	// series: the store queues those of one organization and series in
	// arrival order, since they wait on one counter anyway.
	InSeriesTx(ctx context.Context, sc hse.TxScope, series string, fn func(Tx) error) error
}

// Tx is what the incident services do inside one transaction.
type Tx interface {
	hse.EventSink
	hse.AttachmentSink
	// NextNumber takes the next number of a series, gap-free.
	NextNumber(ctx context.Context, orgID, series string) (int64, error)
	// StationExists reports whether the organization has the station.
	StationExists(ctx context.Context, orgID, id string) (bool, error)
	// CreateIncident stores a new incident; a station the organization
	// does not have is hse.NotFound("station") (the store checks it, so
	// reporting takes no extra round trip).
	CreateIncident(ctx context.Context, orgID string, i *Incident) error
	FindIncident(ctx context.Context, orgID, id string) (*Incident, error)
	FindIncidents(ctx context.Context, orgID string, f Filter, page hse.PageRequest) (hse.Page[Incident], error)
	// UpdateIncident writes i if its stored version is still version;
	// otherwise it returns hse.StaleVersion.
	UpdateIncident(ctx context.Context, orgID string, i *Incident, version int64) error
	AppendIncidentEvent(ctx context.Context, orgID string, e *Event) error
	FindIncidentEvents(ctx context.Context, orgID, incidentID string) ([]Event, error)
	// CreateAction numbers and stores a corrective action with its history
	// and audit entry (capa.Prepare validates it).
	CreateAction(ctx context.Context, orgID string, a *capa.Action) error
	// IncidentActions lists the actions raised from an incident, oldest
	// first.
	IncidentActions(ctx context.Context, orgID, incidentID string) ([]capa.Action, error)
	// OpenIncidentActions counts an incident's actions not yet Verified.
	OpenIncidentActions(ctx context.Context, orgID, incidentID string) (int, error)
	NonMembers(ctx context.Context, orgID string, userIDs []string) ([]string, error)
	hse.AccessReader
	hse.PrefsReader
	AppendAudit(ctx context.Context, e *hse.AuditEntry) error
}
