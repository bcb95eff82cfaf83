package station

import (
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// The functions below let a bulk import (internal/importer) apply exactly
// the rules CreateStation and UpdateStation apply, row by row, inside its
// own transactions.

// Build validates in as CreateStation does (base nil: code and name
// required, the same defaults) or as UpdateStation does (a copy of base
// changed by in), naming every field at fault. base is not modified.
func Build(base *Station, in Input, now time.Time) (*Station, error) {
	if base == nil {
		var missing []hse.FieldError
		if in.Code == nil {
			missing = append(missing, hse.FieldError{Field: "code", Message: "required"})
		}
		if in.Name == nil {
			missing = append(missing, hse.FieldError{Field: "name", Message: "required"})
		}
		if len(missing) > 0 {
			return nil, hse.Invalid("invalid station", missing...)
		}
		st := &Station{ID: newID(), RiskCategory: "Medium", AuditFrequency: "Quarterly", ManagerUserIDs: []string{},
			Active: true, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := in.apply(st); err != nil {
			return nil, err
		}
		return st, nil
	}
	st := *base
	st.ManagerUserIDs = append([]string{}, base.ManagerUserIDs...)
	if err := in.apply(&st); err != nil {
		return nil, err
	}
	return &st, nil
}

// Snapshot is what the audit trail records of a station.
func Snapshot(s *Station) map[string]any { return snapshot(s) }

// EventPayload is what a station's events carry.
func EventPayload(s *Station) map[string]any { return eventPayload(s) }
