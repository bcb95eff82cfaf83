package identity

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/hsedigital/hse/internal/hse"
)

// MyOrganizations lists the caller's organizations with their role in each.
func (s *Service) MyOrganizations(ctx context.Context, p *hse.Principal) ([]UserMembership, error) {
	return s.memberships(ctx, p.UserID)
}

// GetOrganization returns the organization the caller acts in. Any other id
// is not found: an access token is bound to one organization.
func (s *Service) GetOrganization(ctx context.Context, p *hse.Principal, id string) (*Organization, error) {
	if id != p.OrgID || p.OrgID == "" {
		return nil, hse.NotFound("organization")
	}
	if err := p.Require(hse.PermOrgRead); err != nil {
		return nil, err
	}
	var o *Organization
	err := s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID, ReadOnly: true}, func(tx Tx) error {
		var err error
		o, err = tx.FindOrganizationByID(ctx, id)
		return err
	})
	return o, err
}

// OrgUpdate is a partial update; nil fields are left alone. The plan is
// not here on purpose: it changes through billing, not self-service.
type OrgUpdate struct {
	Name     *string
	Settings *OrgSettings
}

var brandColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func validateSettings(st *OrgSettings) error {
	var fields []hse.FieldError
	if !hse.ValidTimeZone(st.TimeZone) {
		fields = append(fields, hse.FieldError{Field: "settings.timeZone", Message: "unknown IANA time zone, e.g. Europe/London"})
	}
	if st.ActionAssignment != "" && !slices.Contains(hse.AssignmentRules, st.ActionAssignment) {
		fields = append(fields, hse.FieldError{Field: "settings.actionAssignment", Message: "one of " + strings.Join(hse.AssignmentRules, ", ")})
	}
	if st.BrandColor != "" && !brandColor.MatchString(st.BrandColor) {
		fields = append(fields, hse.FieldError{Field: "settings.brandColor", Message: "must be #RRGGBB"})
	}
	if st.PassMark != nil && (*st.PassMark < 0 || *st.PassMark > 100) {
		fields = append(fields, hse.FieldError{Field: "settings.passMark", Message: "must be 0 to 100"})
	}
	if len(st.LogoFileID) > 64 {
		fields = append(fields, hse.FieldError{Field: "settings.logoFileId", Message: "an attachment id from POST /api/upload"})
	}
	if len(st.Locale) > 35 {
		fields = append(fields, hse.FieldError{Field: "settings.locale", Message: "must be a language tag such as en-GB"})
	}
	if len(fields) > 0 {
		return hse.Invalid("invalid settings", fields...)
	}
	return nil
}

// UpdateOrganization changes the name or settings of the caller's
// organization.
func (s *Service) UpdateOrganization(ctx context.Context, p *hse.Principal, id string, upd OrgUpdate) (*Organization, error) {
	defer s.forgetPrincipals() // what callers see of themselves has changed
	if id != p.OrgID || p.OrgID == "" {
		return nil, hse.NotFound("organization")
	}
	if err := p.Require(hse.PermOrgUpdate); err != nil {
		return nil, err
	}
	if upd.Name != nil {
		n, err := checkName("name", *upd.Name, 2, 100)
		if err != nil {
			return nil, err
		}
		upd.Name = &n
	}
	if upd.Settings != nil {
		if err := validateSettings(upd.Settings); err != nil {
			return nil, err
		}
	}
	var o *Organization
	err := s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID}, func(tx Tx) error {
		var err error
		if o, err = tx.FindOrganizationByID(ctx, id); err != nil {
			return err
		}
		before := map[string]any{"name": o.Name, "settings": o.Settings}
		if upd.Name != nil {
			o.Name = *upd.Name
		}
		if upd.Settings != nil {
			if upd.Settings.LogoFileID != o.Settings.LogoFileID {
				if err := setLogo(ctx, tx, p, upd.Settings.LogoFileID); err != nil {
					return err
				}
			}
			o.Settings = *upd.Settings
		}
		o.UpdatedAt = s.now()
		if err := tx.UpdateOrganization(ctx, o); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.auditFor(ctx, p, "organization.updated", "organization", o.ID, before,
			map[string]any{"name": o.Name, "settings": o.Settings}))
	})
	return o, err
}

// setLogo makes id (or, when "", no file) the organization's logo. The
// logo is a file of the organization that the caller may see, and an
// image; it is linked to the organization, so it is not deleted while in
// use.
func setLogo(ctx context.Context, tx Tx, p *hse.Principal, id string) error {
	const field = "settings.logoFileId"
	link := hse.AttachmentLink{EntityType: "organization", EntityID: p.OrgID}
	var ids []string
	if id != "" {
		files, err := hse.VisibleFiles(ctx, tx, p, link, field, []string{id})
		if err != nil {
			return err
		}
		if !strings.HasPrefix(files[0].ContentType, "image/") {
			return hse.Invalid("the logo must be an image", hse.FieldError{Field: field, Message: "an uploaded image, not " + files[0].ContentType})
		}
		ids = []string{id}
	}
	return tx.SetAttachments(ctx, p.OrgID, link, field, ids)
}

// AuditLog lists the organization's audit trail.
func (s *Service) AuditLog(ctx context.Context, p *hse.Principal, f hse.AuditFilter) ([]hse.AuditEntry, error) {
	if err := p.Require(hse.PermAuditLogRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 50
	}
	var out []hse.AuditEntry
	err := s.Store.InTx(ctx, TxScope{OrgID: p.OrgID, UserID: p.UserID, ReadOnly: true}, func(tx Tx) error {
		var err error
		out, err = tx.FindAuditEntries(ctx, p.OrgID, f)
		return err
	})
	return out, err
}
