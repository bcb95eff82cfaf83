package permit

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Permit types are the organization's own: every organization starts with
// StarterTypes and edits them (permits:configure). An edit is a new
// version of the type; a permit keeps the version it was created under,
// so its precautions, gases and limits never change under it.

// MaxTypes bounds the permit types of one organization (archived ones
// included: their permits still point at them).
const MaxTypes = 100

// TypesFor lists the organization's permit types with their current
// versions.
func (s *Service) TypesFor(ctx context.Context, pr *hse.Principal) ([]PermitType, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, err
	}
	var out []PermitType
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, true), func(tx Tx) error {
		var err error
		out, err = tx.FindPermitTypes(ctx, pr.OrgID)
		return err
	})
	return out, err
}

// TypeVersion returns one version of a type, current or past: what the
// permits created under it are held to.
func (s *Service) TypeVersion(ctx context.Context, pr *hse.Principal, key string, version int) (*TypeRule, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, err
	}
	var out *TypeRule
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, true), func(tx Tx) error {
		var err error
		out, err = tx.FindTypeVersion(ctx, pr.OrgID, key, version)
		return err
	})
	return out, err
}

// TypeInput is a new type, or the whole next version of one: the rules
// (Key and Version are set by the service) and whether it takes new
// permits.
type TypeInput struct {
	Rule   TypeRule
	Active *bool // nil: as it was (new types are active)
}

// checkKnownTypes refuses clashes with types the organization does not
// have (its own key is allowed, for two crews of the same kind).
func checkKnownTypes(r TypeRule, types []PermitType) error {
	var fs []hse.FieldError
	for i, k := range r.ClashesWith {
		known := k == r.Key || slices.ContainsFunc(types, func(t PermitType) bool { return t.Key == k })
		if !known {
			fs = append(fs, hse.FieldError{Field: "clashesWith[" + strconv.Itoa(i) + "]", Message: "no permit type has the key " + k})
		}
	}
	if len(fs) > 0 {
		return hse.Invalid("invalid permit type", fs...)
	}
	return nil
}

// nameTaken reports whether another type already has the name (any case).
func nameTaken(types []PermitType, key, name string) bool {
	return slices.ContainsFunc(types, func(t PermitType) bool {
		return t.Key != key && strings.EqualFold(t.Current.Type, name)
	})
}

// CreateType adds a permit type with its first version.
func (s *Service) CreateType(ctx context.Context, pr *hse.Principal, key string, in TypeInput) (*PermitType, error) {
	if err := pr.Require(PermConfigure); err != nil {
		return nil, err
	}
	r := in.Rule
	r.Key, r.Version = strings.TrimSpace(key), 1
	err := r.Validate()
	if !typeKeyPattern.MatchString(r.Key) {
		fe := hse.FieldError{Field: "key", Message: "lower_snake_case, 2 to 40 characters, starting with a letter"}
		if e, ok := err.(*hse.Error); ok {
			e.Fields = append(e.Fields, fe)
		} else {
			err = hse.Invalid("invalid permit type", fe)
		}
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	t := &PermitType{Key: r.Key, Active: in.Active == nil || *in.Active, Current: r, CreatedAt: now, UpdatedAt: now, UpdatedBy: pr.UserID}
	err = s.Store.InTx(ctx, hse.ScopeOf(pr, false), func(tx Tx) error {
		types, err := tx.FindPermitTypes(ctx, pr.OrgID)
		if err != nil {
			return err
		}
		if len(types) >= MaxTypes {
			return hse.Conflict("PERMIT_TYPE_LIMIT", "an organization has at most %d permit types; archive or change one instead", MaxTypes)
		}
		if slices.ContainsFunc(types, func(o PermitType) bool { return o.Key == r.Key }) {
			return hse.Conflict("PERMIT_TYPE_EXISTS", "a permit type with the key %s exists; change it with PUT", r.Key)
		}
		if nameTaken(types, r.Key, r.Type) {
			return hse.Conflict("PERMIT_TYPE_EXISTS", "a permit type is already named %q", r.Type)
		}
		if err := checkKnownTypes(r, types); err != nil {
			return err
		}
		if err := tx.CreatePermitType(ctx, pr.OrgID, t); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, hse.NewAuditEntry(ctx, pr, now, "permit_type.created", "permit_type", t.Key, nil, typeSnapshot(t)))
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// UpdateType stores the next version of a type whose current version is
// version (412 STALE_VERSION otherwise). Permits already created keep
// theirs; new ones take this one.
func (s *Service) UpdateType(ctx context.Context, pr *hse.Principal, key string, version int, in TypeInput) (*PermitType, error) {
	if err := pr.Require(PermConfigure); err != nil {
		return nil, err
	}
	var out *PermitType
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, false), func(tx Tx) error {
		types, err := tx.FindPermitTypes(ctx, pr.OrgID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(types, func(t PermitType) bool { return t.Key == key })
		if i < 0 {
			return hse.NotFound("permit type")
		}
		cur := types[i]
		if version != 0 && cur.Current.Version != version {
			return hse.StaleVersion("permit type", int64(cur.Current.Version))
		}
		r := in.Rule
		r.Key, r.Version = key, cur.Current.Version+1
		if err := r.Validate(); err != nil {
			return err
		}
		if nameTaken(types, key, r.Type) {
			return hse.Conflict("PERMIT_TYPE_EXISTS", "a permit type is already named %q", r.Type)
		}
		if err := checkKnownTypes(r, types); err != nil {
			return err
		}
		now := s.now()
		next := &PermitType{Key: key, Active: cur.Active, Current: r, CreatedAt: cur.CreatedAt, UpdatedAt: now, UpdatedBy: pr.UserID}
		if in.Active != nil {
			next.Active = *in.Active
		}
		if err := tx.UpdatePermitType(ctx, pr.OrgID, next, cur.Current.Version); err != nil {
			return err
		}
		out = next
		return tx.AppendAudit(ctx, hse.NewAuditEntry(ctx, pr, now, "permit_type.updated", "permit_type", key, typeSnapshot(&cur), typeSnapshot(next)))
	})
	return out, err
}

// typeSnapshot is what the audit trail records of a type.
func typeSnapshot(t *PermitType) map[string]any {
	r := t.Current
	var pcs, gases []string
	for _, p := range r.Precautions {
		pcs = append(pcs, p.Key)
	}
	for _, g := range r.Gases {
		gases = append(gases, g.Key)
	}
	return map[string]any{"key": t.Key, "name": r.Type, "version": r.Version, "active": t.Active, "precautions": pcs, "gases": gases,
		"maxDurationSeconds": secs(r.MaxDuration), "maxTotalSeconds": secs(r.MaxTotal), "maxExtensionSeconds": secs(r.MaxExtension),
		"maxExtensions": r.MaxExtensions, "gasTestValiditySeconds": secs(r.GasTestValidity), "retestIntervalSeconds": secs(r.RetestInterval),
		"documents": r.Documents, "clashesWith": r.ClashesWith}
}

func secs(d time.Duration) int64 { return int64(d / time.Second) }
