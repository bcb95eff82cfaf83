package permit

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Gas tests: taken by a competent person other than the requester, judged
// against the gases of the permit's type version, and, while the work is
// Active, repeated every re-test interval (a failing one stops the work).

// GasTestInput is a gas test's readings, by gas key.
type GasTestInput struct {
	Readings   map[string]float64
	TestedAt   time.Time // zero: now
	Tester     string
	Instrument string
}

// clockSkew is how far in the future a test's time may lie: the tester's
// device clock may run ahead of the server's.
const clockSkew = 5 * time.Minute

// maxReadings bounds the readings of one test.
const maxReadings = 20

// RecordGasTest adds a gas test to a permit that is not yet finished. It
// needs permits:gas_test, the competence to test, and a tester other than
// the requester (403 SELF_GAS_TEST). Every test is kept; the latest counts
// for approval, activation and resumption. While the work is Active a
// passing test sets when the next is due, and a failing one suspends the
// work at once and tells the issuer.
func (s *Service) RecordGasTest(ctx context.Context, pr *hse.Principal, id string, version int64, in GasTestInput) (*Details, *GasTest, error) {
	if err := pr.Require(PermGasTest); err != nil {
		return nil, nil, err
	}
	now := s.now()
	g := &GasTest{ID: hse.NewID(), PermitID: id, Readings: map[string]float64{}, TestedAt: in.TestedAt.UTC().Truncate(time.Second),
		Tester: strings.TrimSpace(in.Tester), Instrument: strings.TrimSpace(in.Instrument), RecordedBy: pr.UserID, RecordedAt: now}
	if in.TestedAt.IsZero() {
		g.TestedAt = now
	}
	var fields []hse.FieldError
	if len(in.Readings) > maxReadings {
		fields = append(fields, hse.FieldError{Field: "readings", Message: fmt.Sprintf("at most %d gases", maxReadings)})
	}
	for k, v := range in.Readings {
		switch {
		case !gasKeyPattern.MatchString(k):
			fields = append(fields, hse.FieldError{Field: "readings", Message: "gas keys are letters, digits and _, at most 20 characters"})
		case math.IsNaN(v) || v < 0 || v > 1e6:
			fields = append(fields, hse.FieldError{Field: "readings." + k, Message: "from 0 to 1000000"})
		default:
			g.Readings[k] = v
		}
	}
	if n := len([]rune(g.Tester)); n < 1 || n > 200 {
		fields = append(fields, hse.FieldError{Field: "tester", Message: "required: who took the readings, at most 200 characters"})
	}
	if len(g.Instrument) > 200 {
		fields = append(fields, hse.FieldError{Field: "instrument", Message: "at most 200 characters"})
	}
	if g.TestedAt.After(now.Add(clockSkew)) {
		fields = append(fields, hse.FieldError{Field: "testedAt", Message: "must not be in the future"})
	}
	if len(fields) > 0 {
		return nil, nil, hse.Invalid("invalid gas test", fields...)
	}
	var d *Details
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, false), func(tx Tx) error {
		p, err := find(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if p.RequestedBy == pr.UserID {
			return hse.Forbidden("SELF_GAS_TEST", "the requester of a permit does not test the atmosphere for it; another competent person does")
		}
		if version != 0 && p.Version != version {
			return hse.StaleVersion("permit", p.Version)
		}
		switch p.Status {
		case StatusDraft, StatusPendingApproval, StatusApproved, StatusActive, StatusSuspended:
		default:
			return hse.Conflict("PERMIT_FINISHED", "gas tests are recorded until the permit is finished; it is %s", p.Status)
		}
		r, err := tx.FindTypeVersion(ctx, pr.OrgID, p.TypeKey, p.TypeVersion)
		if err != nil {
			return err
		}
		if len(r.Gases) == 0 {
			return hse.Conflict("GAS_TEST_NOT_NEEDED", "a %s permit tests no gases", p.Type)
		}
		// A reading is the type's gas whatever its case ("o2" is O2).
		for _, gas := range r.Gases {
			for k, v := range g.Readings {
				if k != gas.Key && strings.EqualFold(k, gas.Key) {
					delete(g.Readings, k)
					g.Readings[gas.Key] = v
				}
			}
		}
		var missing []hse.FieldError
		for _, gas := range r.Gases {
			if _, ok := g.Readings[gas.Key]; !ok {
				missing = append(missing, hse.FieldError{Field: "readings." + gas.Key, Message: "required: a " + p.Type + " test measures " + gas.Key})
			}
		}
		if len(missing) > 0 {
			return hse.Invalid("the test misses a gas of the permit's type", missing...)
		}
		g.Failures = EvaluateGas(r.Gases, g.Readings)
		g.Passed = len(g.Failures) == 0
		if err := tx.CreateGasTest(ctx, pr.OrgID, g); err != nil {
			return err
		}
		result := "passed"
		if !g.Passed {
			result = "failed: " + strings.Join(g.Failures, ", ")
		}
		before := Snapshot(p)
		next := *p
		events := []*Event{event(pr, p, now, EventGasTest, "", "", result)}
		// A later test counts only when it is the latest one.
		latest := true
		if tests, err := tx.FindGasTests(ctx, pr.OrgID, p.ID); err != nil {
			return err
		} else {
			for _, o := range tests {
				if o.TestedAt.After(g.TestedAt) {
					latest = false
				}
			}
		}
		suspend := p.Status == StatusActive && latest && !g.Passed
		switch {
		case suspend:
			next.Status, next.SuspendedAt, next.RetestDueAt = StatusSuspended, &now, nil
			next.SuspensionReason = "gas test failed: " + strings.Join(g.Failures, ", ")
			events = append(events, event(nil, p, now, EventStatusChanged, p.Status, next.Status, next.SuspensionReason))
		case p.Status == StatusActive && latest && r.RetestInterval > 0:
			due := g.TestedAt.Add(r.RetestInterval)
			next.RetestDueAt = &due
		}
		if err := bump(ctx, tx, pr.OrgID, &next, now, events...); err != nil {
			return err
		}
		after := Snapshot(&next)
		after["gasTest"] = map[string]any{"id": g.ID, "readings": g.Readings, "testedAt": g.TestedAt.Format(time.RFC3339),
			"tester": g.Tester, "passed": g.Passed}
		if err := tx.AppendAudit(ctx, audit(ctx, pr, now, "permit.gas_test_recorded", p.ID, before, after)); err != nil {
			return err
		}
		if suspend {
			if err := emitSuspended(ctx, tx, pr, pr.OrgID, &next, p.Status, now); err != nil {
				return err
			}
		}
		d, err = details(ctx, tx, pr.OrgID, &next)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return d, g, nil
}

// emitSuspended tells who must know that work stopped: the status change
// for every listener, and work_permit:suspended naming the issuer (and the
// area authority who started the work) in notify. pr is nil for the
// system's own suspensions.
func emitSuspended(ctx context.Context, tx Tx, pr *hse.Principal, orgID string, p *Permit, from string, now time.Time) error {
	extra := map[string]any{"type": p.Type, "stationId": p.StationID, "reason": p.SuspensionReason}
	if err := tx.Emit(ctx, hse.NewEvent(pr, orgID, now, EventTypeStatusChanged, EventEntityType, p.ID,
		hse.StatusChange(p.Number, from, p.Status, extra))); err != nil {
		return err
	}
	var notify []string
	for _, u := range []string{p.ApprovedBy, p.ActivatedBy} {
		if u != "" && !slices.Contains(notify, u) {
			notify = append(notify, u)
		}
	}
	return tx.Emit(ctx, hse.NewEvent(pr, orgID, now, EventTypeSuspended, EventEntityType, p.ID, map[string]any{
		"number": p.Number, "stationId": p.StationID, "reason": p.SuspensionReason, "issuerId": p.ApprovedBy,
		"areaAuthorityId": p.ActivatedBy, "notify": notify}))
}
