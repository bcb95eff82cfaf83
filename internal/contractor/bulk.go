package contractor

import (
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// The functions below let a bulk import (internal/importer) apply exactly
// the rules of CreateContractor, UpdateContractor and AddDocument, row by
// row, inside its own transactions.

// Build validates in as CreateContractor does (base nil: name required,
// Active by default) or as UpdateContractor does (a copy of base changed
// by in). base is not modified.
func Build(base *Contractor, in Input, now time.Time) (*Contractor, error) {
	if base == nil {
		if in.Name == nil {
			return nil, hse.Invalid("invalid contractor", hse.FieldError{Field: "name", Message: "required"})
		}
		c := &Contractor{ID: newID(), Status: StatusActive, Version: 1, CreatedAt: now, UpdatedAt: now, DocumentsValid: true}
		if err := in.apply(c); err != nil {
			return nil, err
		}
		return c, nil
	}
	c := *base
	if err := in.apply(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

// BuildDocument validates a document as AddDocument does.
func BuildDocument(in DocumentInput) (*Document, error) { return in.document() }

// Snapshot is what the audit trail records of a contractor.
func Snapshot(c *Contractor) map[string]any { return snapshot(c) }

// DocumentSnapshot is what the audit trail records of a document.
func DocumentSnapshot(d *Document) map[string]any { return docSnapshot(d) }

// EventPayload is what a contractor's events carry.
func EventPayload(c *Contractor) map[string]any { return eventPayload(c) }
