package sqlstore

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
)

const orgColumns = `id, name, slug, plan, status, settings, created_at, updated_at`

func scanOrg(row interface{ Scan(...any) error }, o *identity.Organization, extra ...any) error {
	var settings nullJSON
	dst := append([]any{&o.ID, &o.Name, &o.Slug, &o.Plan, &o.Status, &settings, &o.CreatedAt, &o.UpdatedAt}, extra...)
	if err := row.Scan(dst...); err != nil {
		return err
	}
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return jsonScan(settings.NullString, &o.Settings)
}

func (t identityTx) CreateOrganization(ctx context.Context, o *identity.Organization) error {
	settings, err := jsonParam(o.Settings)
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO organizations (`+orgColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.Name, o.Slug, o.Plan, o.Status, settings, utc(o.CreatedAt), utc(o.UpdatedAt))
	return err
}

func (t identityTx) FindOrganizationByID(ctx context.Context, id string) (*identity.Organization, error) {
	var o identity.Organization
	err := scanOrg(t.QueryRow(ctx, `SELECT `+orgColumns+` FROM organizations WHERE id = ?`, id), &o)
	if err != nil {
		return nil, notFound(err, "organization")
	}
	return &o, nil
}

func (t identityTx) SlugTaken(ctx context.Context, slug string) (bool, error) {
	var n int
	err := t.QueryRow(ctx, `SELECT COUNT(*) FROM organizations WHERE slug = ?`, slug).Scan(&n)
	return n > 0, err
}

func (t identityTx) UpdateOrganization(ctx context.Context, o *identity.Organization) error {
	settings, err := jsonParam(o.Settings)
	if err != nil {
		return err
	}
	res, err := t.Exec(ctx, `UPDATE organizations SET name = ?, settings = ?, updated_at = ? WHERE id = ?`,
		o.Name, settings, utc(o.UpdatedAt), o.ID)
	return expectOne(res, err, "organization")
}

func (t identityTx) SetOrganizationStatus(ctx context.Context, id, status string, at time.Time) error {
	res, err := t.Exec(ctx, `UPDATE organizations SET status = ?, updated_at = ? WHERE id = ?`, status, utc(at), id)
	return expectOne(res, err, "organization")
}

// FindOrganizationSummaries lists every organization with its member count,
// for platform operators (the transaction must be platform-scoped).
func (t identityTx) FindOrganizationSummaries(ctx context.Context) ([]identity.OrgSummary, error) {
	rows, err := t.Query(ctx, `SELECT `+prefixed("o.", orgColumns)+`,
		(SELECT COUNT(*) FROM memberships m WHERE m.organization_id = o.id)
		FROM organizations o ORDER BY o.created_at, o.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.OrgSummary
	for rows.Next() {
		var s identity.OrgSummary
		if err := scanOrg(rows, &s.Organization, &s.Members); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// OrgPrefs reads the settings that domain rules follow (time zone, action
// assignment) from the organization's settings, inside any domain
// transaction. The organizations table is readable by its own tenant.
func (t *Tx) OrgPrefs(ctx context.Context, orgID string) (hse.OrgPrefs, error) {
	var settings nullJSON
	if err := t.QueryRow(ctx, `SELECT settings FROM organizations WHERE id = ?`, orgID).Scan(&settings); err != nil {
		return hse.OrgPrefs{}, notFound(err, "organization")
	}
	var s identity.OrgSettings
	if err := jsonScan(settings.NullString, &s); err != nil {
		return hse.OrgPrefs{}, err
	}
	return hse.OrgPrefs{TimeZone: s.TimeZone, ActionAssignment: s.ActionAssignment}, nil
}
