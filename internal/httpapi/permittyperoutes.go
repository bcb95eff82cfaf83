package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/permit"
)

// seconds writes a duration as whole seconds, as durations are everywhere
// in the API (docs/api.md, Conventions).
func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// GasView is one gas a permit type's tests measure, with its safe limits.
type GasView struct {
	Key   string   `json:"key" maxLength:"20" doc:"O2, LEL, H2S, CO or your own; letters, digits and _"`
	Label string   `json:"label,omitempty" maxLength:"100"`
	Unit  string   `json:"unit,omitempty" maxLength:"20" doc:"%, % LEL, ppm"`
	Min   *float64 `json:"min,omitempty" doc:"a reading passes when at least this"`
	Max   *float64 `json:"max,omitempty" doc:"a reading passes when at most this"`
	Below *float64 `json:"below,omitempty" doc:"a reading passes when strictly below this"`
}

func gasViews(gs []permit.Gas) []GasView {
	out := make([]GasView, 0, len(gs))
	for _, g := range gs {
		out = append(out, GasView(g))
	}
	return out
}

// PrecautionDefView is one precaution of a type's template.
type PrecautionDefView struct {
	Key   string `json:"key" maxLength:"40" doc:"lower_snake_case; confirmed by PUT /api/permits/{id}/precautions/{key}"`
	Label string `json:"label" maxLength:"300"`
}

// PermitTypeRules is one version of a permit type, as shown and as sent.
type PermitTypeRules struct {
	Name                   string              `json:"name" maxLength:"100"`
	Precautions            []PrecautionDefView `json:"precautions" maxItems:"40" doc:"all must be confirmed before approval"`
	Gases                  []GasView           `json:"gases" maxItems:"10" doc:"measured by every gas test; empty: the type needs no gas test"`
	GasTestValiditySeconds int64               `json:"gasTestValiditySeconds" doc:"how long a test stands for approval and activation; 0 without gases"`
	RetestIntervalSeconds  int64               `json:"retestIntervalSeconds" doc:"while Active, how often the air is tested again (0: no re-tests); a missed re-test suspends the work"`
	MaxDurationSeconds     int64               `json:"maxDurationSeconds" doc:"validTo − validFrom of a new permit"`
	MaxExtensionSeconds    int64               `json:"maxExtensionSeconds" doc:"what one extension adds at most"`
	MaxExtensions          int                 `json:"maxExtensions" minimum:"0" maximum:"20" doc:"how many extensions a permit may have (0: none)"`
	MaxTotalSeconds        int64               `json:"maxTotalSeconds" doc:"validFrom to the latest validTo, extensions included"`
	Documents              []string            `json:"documents" maxItems:"10" doc:"contractor document types valid through validTo: insurance, licence, certification, other"`
	ClashesWith            []string            `json:"clashesWith" maxItems:"40" doc:"keys of the types whose work must not overlap with this one at a station"`
}

func typeRulesView(r permit.TypeRule) PermitTypeRules {
	v := PermitTypeRules{Name: r.Type, Precautions: []PrecautionDefView{}, Gases: gasViews(r.Gases),
		GasTestValiditySeconds: seconds(r.GasTestValidity), RetestIntervalSeconds: seconds(r.RetestInterval),
		MaxDurationSeconds: seconds(r.MaxDuration), MaxExtensionSeconds: seconds(r.MaxExtension), MaxExtensions: r.MaxExtensions,
		MaxTotalSeconds: seconds(r.MaxTotal), Documents: nonNil(r.Documents), ClashesWith: nonNil(r.ClashesWith)}
	for _, p := range r.Precautions {
		v.Precautions = append(v.Precautions, PrecautionDefView(p))
	}
	return v
}

func (b PermitTypeRules) rule() permit.TypeRule {
	sec := func(n int64) time.Duration {
		if n < 0 || n > 1<<32 {
			return -1 // refused by Validate, without overflowing
		}
		return time.Duration(n) * time.Second
	}
	r := permit.TypeRule{Type: b.Name, MaxDuration: sec(b.MaxDurationSeconds), MaxExtension: sec(b.MaxExtensionSeconds),
		MaxExtensions: b.MaxExtensions, MaxTotal: sec(b.MaxTotalSeconds), GasTestValidity: sec(b.GasTestValiditySeconds),
		RetestInterval: sec(b.RetestIntervalSeconds), Documents: b.Documents, ClashesWith: b.ClashesWith}
	for _, p := range b.Precautions {
		r.Precautions = append(r.Precautions, permit.PrecautionDef(p))
	}
	for _, g := range b.Gases {
		r.Gases = append(r.Gases, permit.Gas(g))
	}
	return r
}

// PermitTypeView is an organization's permit type and its current version.
type PermitTypeView struct {
	Key     string `json:"key"`
	Version int    `json:"version" doc:"the current version; send it as If-Match to change the type"`
	Active  bool   `json:"active" doc:"inactive types take no new permits"`
	PermitTypeRules
	UpdatedAt time.Time `json:"updatedAt"`
	UpdatedBy string    `json:"updatedBy,omitempty" doc:"absent for the starter content"`
}

func permitTypeView(t *permit.PermitType) PermitTypeView {
	return PermitTypeView{Key: t.Key, Version: t.Current.Version, Active: t.Active, PermitTypeRules: typeRulesView(t.Current),
		UpdatedAt: t.UpdatedAt, UpdatedBy: t.UpdatedBy}
}

type permitTypeOutput struct {
	ETag string `header:"ETag"`
	Body PermitTypeView
}

// PermitTypeVersionView is one version of a type, current or past.
type PermitTypeVersionView struct {
	Key     string `json:"key"`
	Version int    `json:"version"`
	PermitTypeRules
}

func registerPermitTypes(api huma.API, d Deps) {
	svc := d.Permits
	tags := []string{"Permits to work"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }

	huma.Register(api, huma.Operation{OperationID: "listPermitTypes", Method: http.MethodGet, Path: "/api/permit-types", Tags: tags, Security: bearer,
		Summary:     "The organization's permit types",
		Description: "permits:read. Every organization starts with the fuel-station starter types; permits:configure edits them."},
		func(ctx context.Context, _ *struct{}) (*itemsOutput[PermitTypeView], error) {
			ts, err := svc.TypesFor(ctx, principalFrom(ctx))
			if err != nil {
				return nil, fail(ctx, err)
			}
			out := make([]PermitTypeView, 0, len(ts))
			for i := range ts {
				out = append(out, permitTypeView(&ts[i]))
			}
			return items(out), nil
		})

	huma.Register(api, huma.Operation{OperationID: "getPermitTypeVersion", Method: http.MethodGet, Path: "/api/permit-types/{key}/versions/{version}",
		Tags: tags, Security: bearer, Summary: "One version of a permit type",
		Description: "permits:read. What the permits created under that version (typeKey, typeVersion) are held to."},
		func(ctx context.Context, in *struct {
			Key     string `path:"key" maxLength:"40"`
			Version int    `path:"version" minimum:"1" maximum:"1000000"`
		}) (*struct{ Body PermitTypeVersionView }, error) {
			r, err := svc.TypeVersion(ctx, principalFrom(ctx), in.Key, in.Version)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &struct{ Body PermitTypeVersionView }{PermitTypeVersionView{Key: r.Key, Version: r.Version, PermitTypeRules: typeRulesView(*r)}}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "createPermitType", Method: http.MethodPost, Path: "/api/permit-types", Tags: tags, Security: bearer,
		DefaultStatus: 201, Summary: "Add a permit type",
		Description: "permits:configure. The key is lower_snake_case and never changes; a key or name in use is 409 PERMIT_TYPE_EXISTS. " +
			"Durations are whole seconds; clashesWith names existing type keys."},
		func(ctx context.Context, in *struct {
			Body struct {
				Key    string `json:"key" maxLength:"40"`
				Active *bool  `json:"active,omitempty" doc:"default true"`
				PermitTypeRules
			}
		}) (*permitTypeOutput, error) {
			t, err := svc.CreateType(ctx, principalFrom(ctx), in.Body.Key, permit.TypeInput{Rule: in.Body.rule(), Active: in.Body.Active})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &permitTypeOutput{ETag: etag(int64(t.Current.Version)), Body: permitTypeView(t)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "updatePermitType", Method: http.MethodPut, Path: "/api/permit-types/{key}", Tags: tags, Security: bearer,
		Summary: "Change a permit type: its next version",
		Description: "permits:configure. The body is the whole next version; send the current version as If-Match (or version), a stale " +
			"one is 412 STALE_VERSION. Permits already created keep the version they were created under; new ones take this one. " +
			"active false archives the type: it takes no new permits."},
		func(ctx context.Context, in *struct {
			Key     string `path:"key" maxLength:"40"`
			IfMatch string `header:"If-Match" maxLength:"40"`
			Body    struct {
				Active  *bool  `json:"active,omitempty" doc:"default: as it was"`
				Version *int64 `json:"version,omitempty" doc:"the version you edited, instead of If-Match"`
				PermitTypeRules
			}
		}) (*permitTypeOutput, error) {
			v, err := expectedVersion(in.IfMatch, in.Body.Version)
			if err != nil {
				// Who may edit types is answered before what the edit lacks.
				if perr := principalFrom(ctx).Require(permit.PermConfigure); perr != nil {
					return nil, fail(ctx, perr)
				}
				return nil, versionProblem(ctx, d, err)
			}
			if v > 1<<30 {
				v = 1 << 30 // no type has that many versions: stale
			}
			t, err := svc.UpdateType(ctx, principalFrom(ctx), in.Key, int(v), permit.TypeInput{Rule: in.Body.rule(), Active: in.Body.Active})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &permitTypeOutput{ETag: etag(int64(t.Current.Version)), Body: permitTypeView(t)}, nil
		})
}

func registerIsolations(api huma.API, d Deps, tags []string) {
	svc := d.Permits
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }

	huma.Register(api, huma.Operation{OperationID: "applyPermitIsolation", Method: http.MethodPost, Path: "/api/permits/{id}/isolations", Tags: tags,
		Security: bearer, DefaultStatus: 201, Summary: "Record an isolation (lock-out/tag-out) applied",
		Description: "permits:request, permits:activate or permits:approve; once the permit is Approved and until it closes " +
			"(409 PERMIT_NOT_ISOLATABLE). Who applied it and when are recorded. The response is the permit. If-Match is optional."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40"`
			Body    struct {
				Point   string `json:"point" maxLength:"300" doc:"what is isolated, e.g. Dispenser 3 pump motor, panel B circuit 7"`
				Method  string `json:"method" maxLength:"300" doc:"how: breaker locked off, lock and tag numbers"`
				Note    string `json:"note,omitempty" maxLength:"1000"`
				Version *int64 `json:"version,omitempty"`
			}
		}) (*permitOutput, error) {
			v, err := permitVersion(in.IfMatch, in.Body.Version)
			if err != nil {
				return nil, versionProblem(ctx, d, err)
			}
			pd, err := svc.ApplyIsolation(ctx, principalFrom(ctx), in.ID, v, permit.IsolationInput{Point: in.Body.Point, Method: in.Body.Method, Note: in.Body.Note})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return permitOut(pd), nil
		})

	huma.Register(api, huma.Operation{OperationID: "removePermitIsolation", Method: http.MethodPost, Path: "/api/permits/{id}/isolations/{isolationId}/remove",
		Tags: tags, Security: bearer, Summary: "Record an isolation removed",
		Description: "permits:request, permits:activate or permits:approve. An isolation removed already is 409 ISOLATION_REMOVED. " +
			"The permit closes only when every isolation is removed. If-Match is optional."},
		func(ctx context.Context, in *struct {
			ID          string `path:"id" maxLength:"64"`
			IsolationID string `path:"isolationId" maxLength:"64"`
			IfMatch     string `header:"If-Match" maxLength:"40"`
			Body        *struct {
				Note    string `json:"note,omitempty" maxLength:"1000"`
				Version *int64 `json:"version,omitempty"`
			}
		}) (*permitOutput, error) {
			var note string
			var bodyVersion *int64
			if in.Body != nil {
				note, bodyVersion = in.Body.Note, in.Body.Version
			}
			v, err := permitVersion(in.IfMatch, bodyVersion)
			if err != nil {
				return nil, versionProblem(ctx, d, err)
			}
			pd, err := svc.RemoveIsolation(ctx, principalFrom(ctx), in.ID, v, in.IsolationID, note)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return permitOut(pd), nil
		})
}
