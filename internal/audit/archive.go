package audit

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// errArchived refuses scheduling, editing or publishing an archived
// template.
func errArchived(t *Template) error {
	e := hse.Conflict("TEMPLATE_ARCHIVED", "the template %q is archived; restore it first", t.Name)
	e.Details = map[string]any{"templateId": t.ID, "archivedAt": t.ArchivedAt}
	return e
}

// notArchived is nil for a template in use.
func notArchived(t *Template) error {
	if t.ArchivedAt != nil {
		return errArchived(t)
	}
	return nil
}

// ArchiveTemplate archives a template: it stays readable and its audits
// keep their versions, but it can no longer be scheduled, edited or
// published. It is refused while an active audit schedule uses it (409
// TEMPLATE_IN_USE naming them), so no programme silently stops.
func (s *Service) ArchiveTemplate(ctx context.Context, p *hse.Principal, id string, ifMatch int64) (*Template, error) {
	return s.setArchived(ctx, p, id, ifMatch, true)
}

// RestoreTemplate brings an archived template back into use.
func (s *Service) RestoreTemplate(ctx context.Context, p *hse.Principal, id string, ifMatch int64) (*Template, error) {
	return s.setArchived(ctx, p, id, ifMatch, false)
}

func (s *Service) setArchived(ctx context.Context, p *hse.Principal, id string, ifMatch int64, archive bool) (*Template, error) {
	if err := p.Require(PermFormsUpdate); err != nil {
		return nil, err
	}
	now := s.now()
	var t *Template
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		var err error
		if t, err = tx.FindTemplate(ctx, p.OrgID, id); err != nil {
			return err
		}
		if err := stale("the template", ifMatch, t.Version); err != nil {
			return err
		}
		action := "form.restored"
		if archive {
			if t.ArchivedAt != nil {
				return hse.Conflict("TEMPLATE_ARCHIVED", "the template is archived already")
			}
			ids, err := tx.FindScheduleIDsUsing(ctx, p.OrgID, id)
			if err != nil {
				return err
			}
			if len(ids) > 0 {
				e := hse.Conflict("TEMPLATE_IN_USE", "%d active audit schedules use the template; end them or move them to another template first", len(ids))
				e.Details = map[string]any{"scheduleIds": ids}
				return e
			}
			at := now
			t.ArchivedAt, t.ArchivedBy, action = &at, p.UserID, "form.archived"
		} else {
			if t.ArchivedAt == nil {
				return hse.Conflict("TEMPLATE_NOT_ARCHIVED", "the template is not archived")
			}
			t.ArchivedAt, t.ArchivedBy = nil, ""
		}
		t.UpdatedAt = now
		if err := tx.SetTemplateArchived(ctx, p.OrgID, t, t.Version); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, trail(ctx, p, now, action, "form", t.ID, nil, map[string]any{"name": t.Name, "archived": archive}))
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// dateOf formats a date for messages and the trail.
func dateOf(t time.Time) string { return t.Format(time.DateOnly) }
