package audit

import (
	"context"
	"errors"
	"time"

	"github.com/hsedigital/hse/internal/checklist"
	"github.com/hsedigital/hse/internal/hse"
)

// TemplateInput creates a template or changes its name and description.
type TemplateInput struct {
	Name        string
	Kind        string
	Description string
	// Definition is the first draft's content (may be empty: drafts are
	// checked only when published).
	Definition *checklist.Definition
}

func (in *TemplateInput) validate() error {
	var fs []hse.FieldError
	in.Name = checkText("name", in.Name, 2, 200, &fs)
	in.Description = checkText("description", in.Description, 0, 2000, &fs)
	switch in.Kind {
	case KindAudit, KindInspection, KindDailyChecklist:
	default:
		fs = append(fs, hse.FieldError{Field: "kind", Message: "must be audit, inspection or daily_checklist"})
	}
	if len(fs) > 0 {
		return hse.Invalid("invalid template", fs...)
	}
	return nil
}

// Templates lists the organization's templates.
func (s *Service) Templates(ctx context.Context, p *hse.Principal, f TemplateFilter, page hse.PageRequest) (hse.Page[Template], error) {
	if err := p.Require(PermFormsRead); err != nil {
		return hse.Page[Template]{}, err
	}
	var out hse.Page[Template]
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		out, err = tx.FindTemplates(ctx, p.OrgID, f, page)
		return err
	})
	return out, err
}

// Template returns one template.
func (s *Service) Template(ctx context.Context, p *hse.Principal, id string) (*Template, error) {
	if err := p.Require(PermFormsRead); err != nil {
		return nil, err
	}
	var t *Template
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		t, err = tx.FindTemplate(ctx, p.OrgID, id)
		return err
	})
	return t, err
}

// CreateTemplate creates a template with its first draft.
func (s *Service) CreateTemplate(ctx context.Context, p *hse.Principal, in TemplateInput) (*Template, error) {
	if err := p.Require(PermFormsCreate); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	now := s.now()
	t := &Template{ID: newID(), Name: in.Name, Kind: in.Kind, Description: in.Description, Version: 1, CreatedAt: now, UpdatedAt: now}
	def := checklist.Definition{Sections: []checklist.Section{}}
	if in.Definition != nil {
		def = *in.Definition
	}
	v := &FormVersion{ID: newID(), TemplateID: t.ID, Number: 1, Status: VersionDraft, Definition: def, PassMark: def.EffectivePassMark(), CreatedAt: now}
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		if err := tx.CreateTemplate(ctx, p.OrgID, t); err != nil {
			return err
		}
		if err := tx.CreateVersion(ctx, p.OrgID, v); err != nil {
			return err
		}
		t.DraftVersionID = v.ID
		return tx.AppendAudit(ctx, trail(ctx, p, now, "form.created", "form", t.ID, nil,
			map[string]any{"name": t.Name, "kind": t.Kind, "draftVersionId": v.ID}))
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Version returns one version of a template.
func (s *Service) Version(ctx context.Context, p *hse.Principal, templateID, versionID string) (*FormVersion, error) {
	if err := p.Require(PermFormsRead); err != nil {
		return nil, err
	}
	var v *FormVersion
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		v, err = tx.FindVersion(ctx, p.OrgID, versionID)
		return err
	})
	if err == nil && v.TemplateID != templateID {
		return nil, hse.NotFound("form version")
	}
	return v, err
}

// Versions lists a template's versions, newest first.
func (s *Service) Versions(ctx context.Context, p *hse.Principal, templateID string) ([]FormVersion, error) {
	if err := p.Require(PermFormsRead); err != nil {
		return nil, err
	}
	var out []FormVersion
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		if _, err := tx.FindTemplate(ctx, p.OrgID, templateID); err != nil {
			return err
		}
		var err error
		out, err = tx.FindVersions(ctx, p.OrgID, templateID)
		return err
	})
	return out, err
}

// DraftResult is a saved draft and what would stop it from being
// published.
type DraftResult struct {
	Template *Template
	Draft    *FormVersion
	Problems []hse.FieldError
}

// SaveDraft replaces the template's draft definition. When the latest
// version is published, a new draft version starts, so published versions
// never change. ifMatch is the template version the client edited (0 for
// none); a stale one is refused. The draft is stored whatever its
// problems, which come back so an editor can show them.
func (s *Service) SaveDraft(ctx context.Context, p *hse.Principal, templateID string, def checklist.Definition, ifMatch int64) (*DraftResult, error) {
	if err := p.Require(PermFormsUpdate); err != nil {
		return nil, err
	}
	now := s.now()
	res := &DraftResult{}
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		t, err := tx.FindTemplate(ctx, p.OrgID, templateID)
		if err != nil {
			return err
		}
		if err := stale("the template", ifMatch, t.Version); err != nil {
			return err
		}
		if err := notArchived(t); err != nil {
			return err
		}
		draft, err := tx.FindDraft(ctx, p.OrgID, templateID)
		switch {
		case hse.IsNotFound(err):
			draft = &FormVersion{ID: newID(), TemplateID: templateID, Number: t.PublishedNumber + 1, Status: VersionDraft,
				Definition: def, PassMark: def.EffectivePassMark(), CreatedAt: now}
			if err := tx.CreateVersion(ctx, p.OrgID, draft); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			draft.Definition, draft.PassMark = def, def.EffectivePassMark()
			if err := tx.UpdateDraft(ctx, p.OrgID, draft); err != nil {
				return err
			}
		}
		t.UpdatedAt = now
		if err := tx.TouchTemplate(ctx, p.OrgID, t, t.Version); err != nil {
			return err
		}
		t.DraftVersionID = draft.ID
		res.Template, res.Draft = t, draft
		return tx.AppendAudit(ctx, trail(ctx, p, now, "form.draft_saved", "form", t.ID, nil,
			map[string]any{"versionId": draft.ID, "number": draft.Number}))
	})
	if err != nil {
		return nil, err
	}
	res.Problems = checklist.Validate(&res.Draft.Definition)
	return res, nil
}

// Publish checks the whole draft and publishes it: 400 with every problem
// by path when it is not valid.
func (s *Service) Publish(ctx context.Context, p *hse.Principal, templateID string, ifMatch int64) (*FormVersion, error) {
	if err := p.Require(PermFormsPublish); err != nil {
		return nil, err
	}
	now := s.now()
	var v *FormVersion
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		t, err := tx.FindTemplate(ctx, p.OrgID, templateID)
		if err != nil {
			return err
		}
		if err := stale("the template", ifMatch, t.Version); err != nil {
			return err
		}
		if err := notArchived(t); err != nil {
			return err
		}
		if v, err = tx.FindDraft(ctx, p.OrgID, templateID); err != nil {
			if hse.IsNotFound(err) {
				return hse.Conflict("NO_DRAFT", "the template has no draft to publish; save a draft first")
			}
			return err
		}
		if fs := checklist.Validate(&v.Definition); len(fs) > 0 {
			e := hse.Invalid("the draft cannot be published", prefixed("definition.", fs)...)
			e.Code = "INVALID_DEFINITION"
			return e
		}
		v.Status, v.PublishedAt, v.PublishedBy, v.PassMark = VersionPublished, &now, p.UserID, v.Definition.EffectivePassMark()
		if err := tx.PublishVersion(ctx, p.OrgID, v); err != nil {
			return err
		}
		t.UpdatedAt = now
		if err := tx.TouchTemplate(ctx, p.OrgID, t, t.Version); err != nil {
			return err
		}
		if err := tx.Emit(ctx, hse.NewEvent(p, p.OrgID, now, "form:published", "form", t.ID,
			map[string]any{"versionId": v.ID, "number": v.Number, "name": t.Name})); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, trail(ctx, p, now, "form.published", "form", t.ID, nil,
			map[string]any{"versionId": v.ID, "number": v.Number, "passMark": v.PassMark}))
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func prefixed(prefix string, fs []hse.FieldError) []hse.FieldError {
	out := make([]hse.FieldError, len(fs))
	for i, f := range fs {
		out[i] = hse.FieldError{Field: prefix + f.Field, Message: f.Message}
	}
	return out
}

// InstallStarters adds the starter templates, published, to a new
// organization inside the signup transaction.
func InstallStarters(ctx context.Context, tx TemplateTx, orgID, ownerID string, now time.Time) error {
	for _, st := range checklist.Starters() {
		if fs := checklist.Validate(&st.Definition); len(fs) > 0 {
			return errors.New("starter template " + st.Name + " is invalid: " + fs[0].Field + ": " + fs[0].Message)
		}
		t := &Template{ID: newID(), Name: st.Name, Kind: st.Kind, Description: st.Description, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateTemplate(ctx, orgID, t); err != nil {
			return err
		}
		at := now
		v := &FormVersion{ID: newID(), TemplateID: t.ID, Number: 1, Status: VersionPublished, Definition: st.Definition,
			PassMark: st.Definition.EffectivePassMark(), PublishedAt: &at, PublishedBy: ownerID, CreatedAt: now}
		if err := tx.CreateVersion(ctx, orgID, v); err != nil {
			return err
		}
	}
	return nil
}
