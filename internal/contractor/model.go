// Package contractor is the contractor companies domain: companies with
// their status and the documents (insurance, licence, certifications) whose
// expiry decides whether they may work under a permit.
package contractor

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Statuses of a contractor company.
const (
	StatusActive    = "Active"
	StatusSuspended = "Suspended"
	StatusInactive  = "Inactive"
)

// Statuses lists the statuses in display order.
var Statuses = []string{StatusActive, StatusSuspended, StatusInactive}

// DocumentTypes lists the kinds of contractor documents.
var DocumentTypes = []string{"insurance", "licence", "certification", "other"}

// ExpiringSoonDays is how close to expiry a document is flagged.
const ExpiringSoonDays = 30

// Contractor is a contractor company.
type Contractor struct {
	ID             string
	Name           string
	LicenceNumber  string
	Specialization string
	ContactName    string
	ContactEmail   string
	ContactPhone   string
	Status         string
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// DocumentsValid is computed when read: no document has expired.
	DocumentsValid bool
	// StationIDs are the stations where the company may work, which its
	// staff see (to request permits at); empty means every active station.
	StationIDs []string
}

// Document is a contractor's insurance, licence or certification. Dates
// are days (UTC midnight); ExpiresOn nil means it does not expire.
type Document struct {
	ID           string
	ContractorID string
	Type         string
	Number       string
	IssuedOn     *time.Time
	ExpiresOn    *time.Time
	AttachmentID string
	CreatedAt    time.Time
}

// Valid reports whether the document has not expired on the day of at: a
// document is valid through its expiry day.
func (d *Document) Valid(at time.Time) bool {
	return d.ExpiresOn == nil || !d.ExpiresOn.Before(Day(at))
}

// ExpiringSoon reports whether a valid document expires within
// ExpiringSoonDays of at.
func (d *Document) ExpiringSoon(at time.Time) bool {
	return d.Valid(at) && d.ExpiresOn != nil && !d.ExpiresOn.After(Day(at).AddDate(0, 0, ExpiringSoonDays))
}

// Day is the UTC day of t, as dates are stored.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Filter selects contractors of one organization.
type Filter struct {
	Status         string
	Specialization string
	Q              string // matches name or licence number
	// Only, when not empty, limits the list to one company: the caller's
	// scope.
	Only string
	// Today decides DocumentsValid.
	Today time.Time
}

// SortFields of the contractor list.
var SortFields = []string{"name", "status", "createdAt"}

// Permissions of the contractors resource.
const (
	PermRead   hse.Permission = "contractors:read"
	PermCreate hse.Permission = "contractors:create"
	PermUpdate hse.Permission = "contractors:update"
	PermDelete hse.Permission = "contractors:delete"
)

// Store opens transactions.
type Store interface {
	InTx(ctx context.Context, sc hse.TxScope, fn func(Tx) error) error
}

// Reader is the part of a transaction that reads contractors and their
// documents; other domains (permits) check eligibility through it.
type Reader interface {
	// FindContractor returns a contractor with DocumentsValid as of today.
	FindContractor(ctx context.Context, orgID, id string, today time.Time) (*Contractor, error)
	FindContractorDocuments(ctx context.Context, orgID, contractorID string) ([]Document, error)
}

// Tx is what the contractor services do inside one transaction.
type Tx interface {
	Reader
	hse.AttachmentSink
	hse.EventSink
	CreateContractor(ctx context.Context, orgID string, c *Contractor) error
	FindContractors(ctx context.Context, orgID string, f Filter, page hse.PageRequest) (hse.Page[Contractor], error)
	// UpdateContractor writes c if its stored version is still version;
	// otherwise it returns hse.StaleVersion.
	UpdateContractor(ctx context.Context, orgID string, c *Contractor, version int64) error
	CreateContractorDocument(ctx context.Context, orgID string, d *Document) error
	FindContractorDocument(ctx context.Context, orgID, contractorID, id string) (*Document, error)
	DeleteContractorDocument(ctx context.Context, orgID, contractorID, id string) error
	// MissingStations returns those of ids that are not stations of the
	// organization.
	MissingStations(ctx context.Context, orgID string, ids []string) ([]string, error)
	AppendAudit(ctx context.Context, e *hse.AuditEntry) error
}
