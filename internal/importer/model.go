package importer

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
	"github.com/hsedigital/hse/internal/station"
)

// Kinds of records a file can import.
const (
	KindStations            = "stations"
	KindMembers             = "members"
	KindContractors         = "contractors"
	KindContractorDocuments = "contractor_documents"
)

// Kinds lists the kinds in documentation order.
var Kinds = []string{KindStations, KindMembers, KindContractors, KindContractorDocuments}

// Statuses of an import.
const (
	StatusRunning   = "running"
	StatusSucceeded = "succeeded" // every row imported (or, in a dry run, valid)
	StatusPartial   = "completed_with_errors"
	StatusFailed    = "failed" // nothing imported: the header or the whole file is wrong
	// StatusInterrupted is shown for an import whose process stopped
	// before it finished; running the same file again completes it.
	StatusInterrupted = "interrupted"
)

// Import is one uploaded file's run: its progress while it runs and its
// outcome afterwards.
type Import struct {
	ID        string
	Kind      string
	Format    string
	FileName  string
	DryRun    bool
	Status    string
	Total     int // data rows in the file
	Processed int // rows done so far
	Created   int // rows that created a record (in a dry run: would create)
	Updated   int
	Unchanged int
	Failed    int // rows with errors, not imported
	// Errors are the file's problems by line and column, at most
	// MaxStoredErrors of them; ErrorCount counts them all.
	Errors     []RowError
	ErrorCount int
	CreatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	FinishedAt *time.Time
}

// MaxStoredErrors bounds the errors kept for one import: a file where
// every cell is wrong would otherwise store more than the file.
const MaxStoredErrors = 5000

// addErrors records errs, keeping at most MaxStoredErrors.
func (im *Import) addErrors(errs []RowError) {
	im.ErrorCount += len(errs)
	if room := MaxStoredErrors - len(im.Errors); room > 0 {
		im.Errors = append(im.Errors, errs[:min(room, len(errs))]...)
	}
}

// PendingInvitation is the role and scope of an address's invitation that
// is neither accepted, revoked nor expired.
type PendingInvitation struct {
	RoleID       string
	StationIDs   []string
	ContractorID string
}

// Store opens transactions.
type Store interface {
	InTx(ctx context.Context, sc hse.TxScope, fn func(Tx) error) error
}

// Tx is what an import does inside one transaction. Every method takes the
// organization id right after ctx.
type Tx interface {
	// EmitEvents and AppendAudits write many rows in few statements: an
	// import's cost is mostly its round trips to the database.
	EmitEvents(ctx context.Context, es []*hse.Event) error
	AppendAudits(ctx context.Context, es []*hse.AuditEntry) error

	CreateImport(ctx context.Context, orgID string, im *Import) error
	// UpdateImport stores im's progress and outcome.
	UpdateImport(ctx context.Context, orgID string, im *Import) error
	FindImport(ctx context.Context, orgID, id string) (*Import, error)
	// FindImports lists the latest imports, newest first, without their errors.
	FindImports(ctx context.Context, orgID string, kinds []string, limit int) ([]Import, error)

	// FindExternalRefs maps external codes of a kind to the ids of the
	// records they were imported as; unknown codes are absent.
	FindExternalRefs(ctx context.Context, orgID, kind string, codes []string) (map[string]string, error)
	PutExternalRef(ctx context.Context, orgID, kind, code, entityID string) error

	// FindStationsByCode returns the stations with these codes, by code.
	FindStationsByCode(ctx context.Context, orgID string, codes []string) (map[string]*station.Station, error)
	CreateStations(ctx context.Context, orgID string, ss []*station.Station) error
	UpdateStation(ctx context.Context, orgID string, s *station.Station, version int64) error

	FindContractor(ctx context.Context, orgID, id string, today time.Time) (*contractor.Contractor, error)
	CreateContractor(ctx context.Context, orgID string, c *contractor.Contractor) error
	UpdateContractor(ctx context.Context, orgID string, c *contractor.Contractor, version int64) error
	FindContractorDocuments(ctx context.Context, orgID, contractorID string) ([]contractor.Document, error)
	CreateContractorDocument(ctx context.Context, orgID string, d *contractor.Document) error
	// UpdateContractorDocument changes a document's type, number and dates.
	UpdateContractorDocument(ctx context.Context, orgID string, d *contractor.Document) error

	FindRoles(ctx context.Context, orgID string) ([]identity.Role, error)
	// IsMemberEmail reports whether the address belongs to a member.
	IsMemberEmail(ctx context.Context, orgID, email string) (bool, error)
	// FindPendingInvitation returns an address's pending invitation, or
	// hse.NotFound.
	FindPendingInvitation(ctx context.Context, orgID, email string, now time.Time) (*PendingInvitation, error)
}

// Inviter sends invitations as the members API does (the identity
// service): the rules of who may grant which role, mail and audit.
type Inviter interface {
	Invite(ctx context.Context, p *hse.Principal, email string, in identity.MemberInput) (*identity.Invitation, error)
}
