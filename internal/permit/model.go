// Package permit is the permits-to-work domain: permits for hazardous work
// at a station, their mandatory precautions and gas tests, the lifecycle
// Draft → Pending Approval → Approved → Active → Closed (or Rejected,
// Cancelled, Expired), extensions, and the rules that refuse an approval:
// unconfirmed precautions, a missing, failed or stale gas test, an
// ineligible contractor, a clash with another permit at the station, and
// self-approval.
package permit

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
)

// Statuses of a permit.
const (
	StatusDraft           = "Draft"
	StatusPendingApproval = "Pending Approval"
	StatusApproved        = "Approved"
	StatusActive          = "Active"
	StatusClosed          = "Closed"
	StatusRejected        = "Rejected"
	StatusCancelled       = "Cancelled"
	StatusExpired         = "Expired"
	// StatusSuspended is Active work stopped: a gas re-test was missed or
	// failed, or the area authority stopped it. It resumes after a passing
	// test.
	StatusSuspended = "Suspended"
)

// Statuses lists the statuses in lifecycle order.
var Statuses = []string{StatusDraft, StatusPendingApproval, StatusApproved, StatusActive, StatusSuspended, StatusClosed,
	StatusRejected, StatusCancelled, StatusExpired}

// Permit is one permit to work.
type Permit struct {
	ID     string
	Number string // PTW-<year>-<seq>, per organization
	Type   string // the name of its type's version
	// TypeKey and TypeVersion are the version of the organization's
	// permit type the permit was created (or last edited as a Draft)
	// under; its rules stay those of that version.
	TypeKey      string
	TypeVersion  int
	StationID    string
	ContractorID string // "" for in-house work
	RequestedBy  string
	// Names of the station, contractor and requester: read-only, in lists.
	StationName, ContractorName, RequesterName string
	Description                                string
	Location                                   string // the exact place of the work at the station
	ValidFrom                                  time.Time
	ValidTo                                    time.Time
	Status                                     string
	// OriginalValidTo is the valid-to the permit was approved with, before
	// any extension.
	OriginalValidTo time.Time
	ApprovedBy      string
	ApprovedAt      *time.Time
	ActivatedBy     string
	ActivatedAt     *time.Time
	ClosedBy        string
	ClosedAt        *time.Time
	CloseNotes      string
	// Reason is why the permit was rejected or cancelled.
	Reason string
	// RetestDueAt is when the next gas test is due while Active (nil when
	// the type has no re-test interval or the work is not Active).
	RetestDueAt *time.Time
	// SuspendedAt and SuspensionReason tell why Suspended work stopped.
	SuspendedAt      *time.Time
	SuspensionReason string
	AttachmentIDs    []string
	Version          int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Precaution is one mandatory precaution of a permit, confirmed or not.
type Precaution struct {
	Key         string
	Label       string
	Confirmed   bool
	ConfirmedBy string
	ConfirmedAt *time.Time
	Note        string
}

// GasTest is one atmospheric test. Every test is kept; the latest counts.
type GasTest struct {
	ID       string
	PermitID string
	// Readings by gas key ("O2": % by volume, "LEL": % of the lower
	// explosive limit, "H2S" and "CO": ppm, or the type's own gases).
	Readings   map[string]float64
	TestedAt   time.Time
	Tester     string // the name of who took the readings
	Instrument string
	RecordedBy string
	RecordedAt time.Time
	// Passed and Failures are computed from the limits when recorded.
	Passed   bool
	Failures []string
}

// Extension is one extension of a permit's validity, kept against the
// original permit.
type Extension struct {
	ID         string
	PermitID   string
	OldValidTo time.Time
	NewValidTo time.Time
	Reason     string
	ExtendedBy string
	ExtendedAt time.Time
}

// Isolation is one lock-out/tag-out point of a permit: applied before the
// work, removed after it. A permit does not close while one is applied.
type Isolation struct {
	ID        string
	PermitID  string
	Point     string // what is isolated ("Dispenser 3 pump motor, panel B circuit 7")
	Method    string // how ("breaker locked off, tag 1142")
	AppliedBy string
	AppliedAt time.Time
	RemovedBy string
	RemovedAt *time.Time
	Note      string
}

// Applied reports whether the isolation is still in place.
func (i Isolation) Applied() bool { return i.RemovedAt == nil }

// Details is a permit with the rules of its type's version, its
// precautions, gas tests (newest first), extensions (oldest first) and
// isolations (oldest first).
type Details struct {
	Permit      *Permit
	Rule        TypeRule
	Precautions []Precaution
	GasTests    []GasTest
	Extensions  []Extension
	Isolations  []Isolation
}

// LatestGasTest is the test that counts, nil when none was recorded.
func (d *Details) LatestGasTest() *GasTest {
	if len(d.GasTests) == 0 {
		return nil
	}
	latest := &d.GasTests[0]
	for i := range d.GasTests {
		if d.GasTests[i].TestedAt.After(latest.TestedAt) {
			latest = &d.GasTests[i]
		}
	}
	return latest
}

// Event kinds of a permit's history.
const (
	EventCreated             = "created"
	EventUpdated             = "updated"
	EventStatusChanged       = "status_changed"
	EventPrecautionConfirmed = "precaution_confirmed"
	EventPrecautionCleared   = "precaution_cleared"
	EventGasTest             = "gas_test_recorded"
	EventExtended            = "extended"
	EventIsolationApplied    = "isolation_applied"
	EventIsolationRemoved    = "isolation_removed"
)

// Event is one entry of a permit's history. ActorUserID is empty for the
// system's own changes (expiry).
type Event = hse.HistoryEntry

// Filter selects permits of one organization.
type Filter struct {
	Status       string
	Statuses     []string // any of these, when set
	Type         string
	StationID    string
	ContractorID string
	// From and To select permits whose validity overlaps [From, To).
	From, To *time.Time
	// ValidAt selects permits valid at that instant: validFrom ≤ at < validTo.
	ValidAt *time.Time
	Q       string // matches number, description or location
	// Restricted limits the list to the caller's scope: the stations
	// listed, or the one contractor company.
	Restricted      bool
	VisibleStations []string
	VisibleCompany  string
}

// SortFields of the permit list.
var SortFields = []string{"validFrom", "createdAt", "number"}

// Permissions of the permits resource.
const (
	PermRead     hse.Permission = "permits:read"
	PermRequest  hse.Permission = "permits:request"
	PermApprove  hse.Permission = "permits:approve"
	PermActivate hse.Permission = "permits:activate"
	PermClose    hse.Permission = "permits:close"
	// PermGasTest marks the competence to test the atmosphere.
	PermGasTest hse.Permission = "permits:gas_test"
	// PermConfigure edits the organization's permit types.
	PermConfigure hse.Permission = "permits:configure"
)

// Store opens transactions.
type Store interface {
	InTx(ctx context.Context, sc hse.TxScope, fn func(Tx) error) error
}

// Tx is what the permit services do inside one transaction.
type Tx interface {
	hse.EventSink
	hse.AttachmentSink
	contractor.Reader
	// NextNumber takes the next number of a series (gap-free).
	NextNumber(ctx context.Context, orgID, series string) (int64, error)
	CreatePermit(ctx context.Context, orgID string, p *Permit) error
	FindPermit(ctx context.Context, orgID, id string) (*Permit, error)
	FindPermits(ctx context.Context, orgID string, f Filter, page hse.PageRequest) (hse.Page[Permit], error)
	// UpdatePermit writes p if its stored version is still version;
	// otherwise it returns hse.StaleVersion.
	UpdatePermit(ctx context.Context, orgID string, p *Permit, version int64) error
	// FindOverlapping lists the Approved and Active permits of a station
	// whose validity overlaps [from, to), other than exceptID.
	FindOverlapping(ctx context.Context, orgID, stationID string, from, to time.Time, exceptID string) ([]Permit, error)
	// FindExpiring lists the Approved and Active permits whose valid-to is
	// at or before at.
	FindExpiring(ctx context.Context, orgID string, at time.Time, limit int) ([]Permit, error)
	FindPrecautions(ctx context.Context, orgID, permitID string) ([]Precaution, error)
	// SetPrecaution stores the confirmation of one precaution (or its
	// removal, when p.Confirmed is false).
	SetPrecaution(ctx context.Context, orgID, permitID string, p *Precaution) error
	// ClearPrecautions forgets every confirmation of a permit.
	ClearPrecautions(ctx context.Context, orgID, permitID string) error
	CreateGasTest(ctx context.Context, orgID string, g *GasTest) error
	FindGasTests(ctx context.Context, orgID, permitID string) ([]GasTest, error)
	// FindPermitTypes lists the organization's permit types with their
	// current versions, in key order.
	FindPermitTypes(ctx context.Context, orgID string) ([]PermitType, error)
	// FindTypeVersion returns one version of a type (hse not found when
	// there is none).
	FindTypeVersion(ctx context.Context, orgID, key string, version int) (*TypeRule, error)
	// CreatePermitType adds a type with its first version.
	CreatePermitType(ctx context.Context, orgID string, t *PermitType) error
	// UpdatePermitType stores t.Current as a new version and the type's
	// other fields, if the current version is still prev; otherwise it
	// returns hse.StaleVersion.
	UpdatePermitType(ctx context.Context, orgID string, t *PermitType, prev int) error
	// FindRetestDue lists the Active permits whose gas re-test was due at
	// or before at.
	FindRetestDue(ctx context.Context, orgID string, at time.Time, limit int) ([]Permit, error)
	CreateIsolation(ctx context.Context, orgID string, i *Isolation) error
	// RemoveIsolation records the removal of an applied isolation.
	RemoveIsolation(ctx context.Context, orgID string, i *Isolation) error
	FindIsolations(ctx context.Context, orgID, permitID string) ([]Isolation, error)
	CreateExtension(ctx context.Context, orgID string, e *Extension) error
	FindExtensions(ctx context.Context, orgID, permitID string) ([]Extension, error)
	AppendPermitEvent(ctx context.Context, orgID string, e *Event) error
	FindPermitEvents(ctx context.Context, orgID, permitID string) ([]Event, error)
	StationExists(ctx context.Context, orgID, id string) (bool, error)
	AppendAudit(ctx context.Context, e *hse.AuditEntry) error
}
