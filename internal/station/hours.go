package station

import (
	"context"
	"math"

	"github.com/hsedigital/hse/internal/hse"
)

// PutHours records the hours worked at a station in a month ("YYYY-MM"),
// replacing any earlier figure. Incident rates divide by these.
func (s *Service) PutHours(ctx context.Context, p *hse.Principal, stationID, month string, hours float64) (*Hours, error) {
	if err := p.Require(PermUpdate); err != nil {
		return nil, err
	}
	if !ValidMonth(month) {
		return nil, hse.Invalid("invalid month", hse.FieldError{Field: "month", Message: "a month as YYYY-MM"})
	}
	if math.IsNaN(hours) || hours < 0 || hours > MaxHours {
		return nil, hse.Invalid("invalid hours", hse.FieldError{Field: "hours", Message: "between 0 and 1,000,000"})
	}
	h := &Hours{StationID: stationID, Month: month, Hours: hours, UpdatedAt: s.now()}
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		if _, err := find(ctx, tx, p, stationID); err != nil {
			return err
		}
		old, err := tx.PutStationHours(ctx, p.OrgID, h)
		if err != nil {
			return err
		}
		var before map[string]any
		if old != nil {
			before = map[string]any{"month": month, "hours": old.Hours}
		}
		return tx.AppendAudit(ctx, audit(ctx, p, h.UpdatedAt, "station.hours_recorded", stationID, before,
			map[string]any{"month": month, "hours": hours}))
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// StationHours lists a station's monthly hours between two months
// (inclusive; either may be empty).
func (s *Service) StationHours(ctx context.Context, p *hse.Principal, stationID, from, to string) ([]Hours, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	var fields []hse.FieldError
	if from != "" && !ValidMonth(from) {
		fields = append(fields, hse.FieldError{Field: "from", Message: "a month as YYYY-MM"})
	}
	if to != "" && !ValidMonth(to) {
		fields = append(fields, hse.FieldError{Field: "to", Message: "a month as YYYY-MM"})
	}
	if len(fields) > 0 {
		return nil, hse.Invalid("invalid month range", fields...)
	}
	var out []Hours
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		if _, err := find(ctx, tx, p, stationID); err != nil {
			return err
		}
		var err error
		out, err = tx.FindStationHours(ctx, p.OrgID, stationID, from, to)
		return err
	})
	return out, err
}
