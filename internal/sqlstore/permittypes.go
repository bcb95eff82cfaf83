package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/permit"
)

// A permit type's version is stored as one JSON document (rules) beside
// its name: versions are written once and read whole, and the document's
// fields are the API's (durations in whole seconds).

type precautionJSON struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

type gasJSON struct {
	Key   string   `json:"key"`
	Label string   `json:"label,omitempty"`
	Unit  string   `json:"unit,omitempty"`
	Min   *float64 `json:"min,omitempty"`
	Max   *float64 `json:"max,omitempty"`
	Below *float64 `json:"below,omitempty"`
}

type rulesJSON struct {
	Precautions            []precautionJSON `json:"precautions"`
	Gases                  []gasJSON        `json:"gases"`
	MaxDurationSeconds     int64            `json:"maxDurationSeconds"`
	MaxExtensionSeconds    int64            `json:"maxExtensionSeconds"`
	MaxExtensions          int              `json:"maxExtensions"`
	MaxTotalSeconds        int64            `json:"maxTotalSeconds"`
	GasTestValiditySeconds int64            `json:"gasTestValiditySeconds"`
	RetestIntervalSeconds  int64            `json:"retestIntervalSeconds"`
	Documents              []string         `json:"documents"`
	ClashesWith            []string         `json:"clashesWith"`
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// EncodeTypeRules is the stored JSON of a version's rules (its key,
// version and name are columns).
func EncodeTypeRules(r permit.TypeRule) string {
	j := rulesJSON{Precautions: []precautionJSON{}, Gases: []gasJSON{}, MaxDurationSeconds: seconds(r.MaxDuration),
		MaxExtensionSeconds: seconds(r.MaxExtension), MaxExtensions: r.MaxExtensions, MaxTotalSeconds: seconds(r.MaxTotal),
		GasTestValiditySeconds: seconds(r.GasTestValidity), RetestIntervalSeconds: seconds(r.RetestInterval),
		Documents: append([]string{}, r.Documents...), ClashesWith: append([]string{}, r.ClashesWith...)}
	for _, p := range r.Precautions {
		j.Precautions = append(j.Precautions, precautionJSON(p))
	}
	for _, g := range r.Gases {
		j.Gases = append(j.Gases, gasJSON(g))
	}
	b, _ := json.Marshal(j)
	return string(b)
}

func decodeTypeRules(key string, version int, name, doc string) (*permit.TypeRule, error) {
	var j rulesJSON
	if err := json.Unmarshal([]byte(doc), &j); err != nil {
		return nil, err
	}
	r := &permit.TypeRule{Key: key, Version: version, Type: name, MaxDuration: time.Duration(j.MaxDurationSeconds) * time.Second,
		MaxExtension: time.Duration(j.MaxExtensionSeconds) * time.Second, MaxExtensions: j.MaxExtensions,
		MaxTotal: time.Duration(j.MaxTotalSeconds) * time.Second, GasTestValidity: time.Duration(j.GasTestValiditySeconds) * time.Second,
		RetestInterval: time.Duration(j.RetestIntervalSeconds) * time.Second, Documents: j.Documents, ClashesWith: j.ClashesWith}
	for _, p := range j.Precautions {
		r.Precautions = append(r.Precautions, permit.PrecautionDef(p))
	}
	for _, g := range j.Gases {
		r.Gases = append(r.Gases, permit.Gas(g))
	}
	return r, nil
}

func (t permitTx) FindPermitTypes(ctx context.Context, orgID string) ([]permit.PermitType, error) {
	rows, err := t.Query(ctx, `SELECT t.key, t.active, t.created_at, t.updated_at, t.updated_by, v.version, v.name, v.rules
		FROM permit_types t JOIN permit_type_versions v
		ON v.organization_id = t.organization_id AND v.type_key = t.key AND v.version = t.current_version
		WHERE t.organization_id = ? ORDER BY t.key`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []permit.PermitType
	for rows.Next() {
		var pt permit.PermitType
		var updatedBy sql.NullString
		var version int
		var name, doc string
		if err := rows.Scan(&pt.Key, &pt.Active, &pt.CreatedAt, &pt.UpdatedAt, &updatedBy, &version, &name, &doc); err != nil {
			return nil, err
		}
		r, err := decodeTypeRules(pt.Key, version, name, doc)
		if err != nil {
			return nil, err
		}
		pt.Current, pt.UpdatedBy = *r, updatedBy.String
		pt.CreatedAt, pt.UpdatedAt = pt.CreatedAt.UTC(), pt.UpdatedAt.UTC()
		out = append(out, pt)
	}
	return out, rows.Err()
}

func (t permitTx) FindTypeVersion(ctx context.Context, orgID, key string, version int) (*permit.TypeRule, error) {
	var name, doc string
	err := t.QueryRow(ctx, `SELECT name, rules FROM permit_type_versions WHERE organization_id = ? AND type_key = ? AND version = ?`,
		orgID, key, version).Scan(&name, &doc)
	if err != nil {
		return nil, notFound(err, "permit type version")
	}
	return decodeTypeRules(key, version, name, doc)
}

func (t permitTx) createTypeVersion(ctx context.Context, orgID string, pt *permit.PermitType) error {
	_, err := t.Exec(ctx, `INSERT INTO permit_type_versions (organization_id, type_key, version, name, rules, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, orgID, pt.Key, pt.Current.Version, pt.Current.Type, EncodeTypeRules(pt.Current),
		nullString(pt.UpdatedBy), utc(pt.UpdatedAt))
	return err
}

func (t permitTx) CreatePermitType(ctx context.Context, orgID string, pt *permit.PermitType) error {
	if _, err := t.Exec(ctx, `INSERT INTO permit_types (organization_id, key, current_version, active, created_at, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, orgID, pt.Key, pt.Current.Version, pt.Active, utc(pt.CreatedAt), utc(pt.UpdatedAt), nullString(pt.UpdatedBy)); err != nil {
		return err
	}
	return t.createTypeVersion(ctx, orgID, pt)
}

// UpdatePermitType moves the type to its next version first, so a stale
// edit changes nothing (and inserts no version) before it is refused.
func (t permitTx) UpdatePermitType(ctx context.Context, orgID string, pt *permit.PermitType, prev int) error {
	res, err := t.Exec(ctx, `UPDATE permit_types SET current_version = ?, active = ?, updated_at = ?, updated_by = ?
		WHERE organization_id = ? AND key = ? AND current_version = ?`,
		pt.Current.Version, pt.Active, utc(pt.UpdatedAt), nullString(pt.UpdatedBy), orgID, pt.Key, prev)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return hse.StaleVersion("permit type", int64(prev))
	}
	return t.createTypeVersion(ctx, orgID, pt)
}

// CreateStarterPermitTypes gives a new organization the starter permit
// types (version 1 of each).
func (t *Tx) CreateStarterPermitTypes(ctx context.Context, orgID string, at time.Time) error {
	for _, r := range permit.StarterTypes() {
		if err := (permitTx{t}).CreatePermitType(ctx, orgID, &permit.PermitType{Key: r.Key, Active: true, Current: r, CreatedAt: at, UpdatedAt: at}); err != nil {
			return err
		}
	}
	return nil
}
