package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// ScheduleInput plans an audit.
type ScheduleInput struct {
	StationID     string
	TemplateID    string // its latest published version is used
	AuditorUserID string
	ScheduledFor  string // YYYY-MM-DD
}

// visible reports whether the caller's scope reaches an audit's station.
func visible(p *hse.Principal, a *Audit) bool { return p.Scope.AllowsStation(a.StationID) }

// find loads an audit the caller may read; anything else is not found.
func find(ctx context.Context, tx Tx, p *hse.Principal, id string, lock bool) (*Audit, error) {
	var a *Audit
	var err error
	if lock {
		a, err = tx.LockAudit(ctx, p.OrgID, id)
	} else {
		a, err = tx.FindAudit(ctx, p.OrgID, id)
	}
	if err != nil {
		return nil, err
	}
	if !visible(p, a) {
		return nil, hse.NotFound("audit")
	}
	return a, nil
}

// snapshot is an audit as the audit trail records it.
func snapshot(a *Audit) map[string]any {
	m := map[string]any{"number": a.Number, "status": a.Status, "stationId": a.StationID, "formVersionId": a.FormVersionID,
		"auditorUserId": a.AuditorUserID, "scheduledFor": a.ScheduledFor.Format(time.DateOnly), "version": a.Version}
	if a.Score != nil {
		m["score"], m["result"] = *a.Score, a.Result
	}
	if a.CancelReason != "" {
		m["cancelReason"] = a.CancelReason
	}
	if a.ScheduleID != "" {
		m["scheduleId"] = a.ScheduleID
	}
	if a.WindowEnds != nil {
		m["windowEnds"] = dateOf(*a.WindowEnds)
	}
	return m
}

// Schedule plans an audit of a station against the latest published
// version of a template, assigned to a member who may conduct audits at
// that station. Its number, AUD-<year of the scheduled date>-<seq>, is
// taken in the same transaction, so numbers are unique and gap-free.
func (s *Service) Schedule(ctx context.Context, p *hse.Principal, in ScheduleInput) (*Audit, error) {
	if err := p.Require(PermAuditSchedule); err != nil {
		return nil, err
	}
	var fs []hse.FieldError
	day, err := time.Parse(time.DateOnly, in.ScheduledFor)
	if err != nil {
		fs = append(fs, hse.FieldError{Field: "scheduledFor", Message: "must be a date YYYY-MM-DD"})
	}
	for field, v := range map[string]string{"stationId": in.StationID, "templateId": in.TemplateID, "auditorUserId": in.AuditorUserID} {
		if v == "" {
			fs = append(fs, hse.FieldError{Field: field, Message: "is required"})
		}
	}
	if len(fs) > 0 {
		return nil, hse.Invalid("invalid audit", fs...)
	}
	if !p.Scope.AllowsStation(in.StationID) {
		return nil, hse.NotFound("station")
	}
	now := s.now()
	a := &Audit{ID: newID(), StationID: in.StationID, AuditorUserID: in.AuditorUserID, Status: StatusScheduled,
		ScheduledFor: day.UTC(), Version: 1, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	err = s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		st, err := tx.FindStation(ctx, p.OrgID, in.StationID)
		if err != nil {
			return err
		}
		if !st.Active {
			return hse.Conflict("STATION_INACTIVE", "station %s is inactive; reactivate it to schedule audits", st.Code)
		}
		// The template's name is part of the answer, as on every read.
		tmpl, err := tx.FindTemplate(ctx, p.OrgID, in.TemplateID)
		if hse.IsNotFound(err) {
			return hse.NotFound("form template")
		} else if err != nil {
			return err
		}
		if err := notArchived(tmpl); err != nil {
			return err
		}
		v, err := tx.FindLatestPublished(ctx, p.OrgID, in.TemplateID)
		if hse.IsNotFound(err) {
			return hse.Conflict("TEMPLATE_NOT_PUBLISHED", "the template has no published version yet")
		} else if err != nil {
			return err
		}
		acc, err := tx.FindMemberAccess(ctx, p.OrgID, in.AuditorUserID)
		if err != nil {
			if hse.IsNotFound(err) {
				return hse.NotFound("auditor")
			}
			return err
		}
		if !acc.Permissions.Has(PermAuditConduct) || !acc.Scope.AllowsStation(in.StationID) {
			return hse.Invalid("the auditor cannot conduct this audit", hse.FieldError{Field: "auditorUserId",
				Message: "must be a member whose role holds audits:conduct for this station"})
		}
		n, err := tx.NextNumber(ctx, p.OrgID, fmt.Sprintf("AUD-%d", day.Year()))
		if err != nil {
			return err
		}
		a.Number = fmt.Sprintf("AUD-%d-%04d", day.Year(), n)
		a.FormVersionID, a.TemplateID, a.TemplateName, a.VersionNumber = v.ID, v.TemplateID, tmpl.Name, v.Number
		a.StationName, a.Region = st.Name, st.Region
		if err := tx.CreateAudit(ctx, p.OrgID, a); err != nil {
			return err
		}
		if err := tx.Emit(ctx, assignedEvent(p, p.OrgID, now, a)); err != nil {
			return err
		}
		if err := history(ctx, tx, p, p.OrgID, a, now, HistoryScheduled, "", StatusScheduled, "by hand"); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, trail(ctx, p, now, "audit.scheduled", "audit", a.ID, nil, snapshot(a)))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Audits lists audits; a station-scoped caller sees only their stations'.
func (s *Service) Audits(ctx context.Context, p *hse.Principal, f Filter, page hse.PageRequest) (hse.Page[Audit], error) {
	if err := p.Require(PermAuditsRead); err != nil {
		return hse.Page[Audit]{}, err
	}
	if f.Status != "" && !ValidStatus(f.Status) {
		return hse.Page[Audit]{}, hse.Invalid("unknown status", hse.FieldError{Field: "status", Message: "one of Scheduled, In Progress, Completed, Closed, Cancelled, Missed"})
	}
	if !p.Scope.All() {
		f.Restricted, f.Only = true, nil
		if p.Scope.Kind == hse.ScopeStations {
			f.Only = append(f.Only, p.Scope.StationIDs...)
		}
	}
	f.Today = day(s.now())
	var out hse.Page[Audit]
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		out, err = tx.FindAudits(ctx, p.OrgID, f, page)
		return err
	})
	return out, err
}

// EachAudit streams every audit of the list (an export) to fn in one read
// transaction and one query: memory stays flat and the rows come as the
// database reads them; when fn fails (the client went away) it stops.
func (s *Service) EachAudit(ctx context.Context, p *hse.Principal, f Filter, page hse.PageRequest, fn func(*Audit) error) error {
	if err := p.Require(PermAuditsRead); err != nil {
		return err
	}
	if !p.Scope.All() {
		f.Restricted, f.Only = true, nil
		if p.Scope.Kind == hse.ScopeStations {
			f.Only = append(f.Only, p.Scope.StationIDs...)
		}
	}
	f.Today = day(s.now())
	return s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		return tx.EachAudit(ctx, p.OrgID, f, page, fn)
	})
}

// Audit returns an audit with its answers and findings.
func (s *Service) Audit(ctx context.Context, p *hse.Principal, id string) (*Details, error) {
	if err := p.Require(PermAuditsRead); err != nil {
		return nil, err
	}
	var d *Details
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		d, err = details(ctx, tx, p, id)
		return err
	})
	return d, err
}

func details(ctx context.Context, tx Tx, p *hse.Principal, id string) (*Details, error) {
	a, err := find(ctx, tx, p, id, false)
	if err != nil {
		return nil, err
	}
	d := &Details{Audit: a}
	if d.Answers, err = tx.FindAnswers(ctx, p.OrgID, id); err != nil {
		return nil, err
	}
	if d.Findings, err = tx.FindFindings(ctx, p.OrgID, id); err != nil {
		return nil, err
	}
	return d, nil
}
