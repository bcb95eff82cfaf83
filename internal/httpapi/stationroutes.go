package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/reqid"
	"github.com/hsedigital/hse/internal/station"
)

// StationView is a station as the API shows it.
type StationView struct {
	ID             string    `json:"id"`
	Code           string    `json:"code"`
	Name           string    `json:"name"`
	Brand          string    `json:"brand"`
	Region         string    `json:"region"`
	Address        string    `json:"address"`
	Latitude       *float64  `json:"latitude,omitempty"`
	Longitude      *float64  `json:"longitude,omitempty"`
	RiskCategory   string    `json:"riskCategory" enum:"Low,Medium,High,Critical"`
	AuditFrequency string    `json:"auditFrequency" enum:"Monthly,Quarterly,Semi-Annually,Annually"`
	ManagerUserIDs []string  `json:"managerUserIds"`
	Active         bool      `json:"active"`
	TimeZone       string    `json:"timeZone,omitempty" doc:"the station's own IANA time zone; absent: the organization's"`
	Version        int64     `json:"version" doc:"send as If-Match (or version) with a change"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

func stationView(s *station.Station) StationView {
	return StationView{ID: s.ID, Code: s.Code, Name: s.Name, Brand: s.Brand, Region: s.Region, Address: s.Address,
		Latitude: s.Latitude, Longitude: s.Longitude, RiskCategory: s.RiskCategory, AuditFrequency: s.AuditFrequency,
		ManagerUserIDs: nonNil(s.ManagerUserIDs), Active: s.Active, TimeZone: s.TimeZone, Version: s.Version, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// stationOutput carries the version as ETag, for If-Match on the next
// change.
type stationOutput struct {
	ETag string `header:"ETag"`
	Body StationView
}

func stationOut(s *station.Station) *stationOutput {
	return &stationOutput{ETag: etag(s.Version), Body: stationView(s)}
}

// etag is the strong entity tag of a version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// expectedVersion reads the version a change is based on: If-Match
// ("3", W/"3" or 3) or, failing that, a version in the body. A change
// without either is refused with 428: a blind overwrite would silently
// undo someone else's edit.
func expectedVersion(ifMatch string, body *int64) (int64, error) {
	tag := strings.TrimSpace(ifMatch)
	if tag == "" {
		if body != nil && *body > 0 {
			return *body, nil
		}
		return 0, &Problem{Title: http.StatusText(http.StatusPreconditionRequired), Status: http.StatusPreconditionRequired,
			Code: "PRECONDITION_REQUIRED", Detail: "send the version you edited as If-Match (the ETag of the last read) or as version in the body"}
	}
	tag = strings.Trim(strings.TrimPrefix(tag, "W/"), `"`)
	v, err := strconv.ParseInt(tag, 10, 64)
	if err != nil || v < 1 {
		return 0, hse.Invalid("invalid If-Match", hse.FieldError{Field: "If-Match", Message: `the ETag of the last read, e.g. "3"`})
	}
	return v, nil
}

// versionProblem passes expectedVersion's 428 through as it is and maps
// domain errors as usual.
func versionProblem(ctx context.Context, d Deps, err error) error {
	var p *Problem
	if errors.As(err, &p) {
		p.RequestID = reqid.From(ctx)
		return p
	}
	return problemFor(ctx, d.Logger, err)
}

// stationBody is the JSON of a new station or a change to one.
type stationBody struct {
	Code           *string   `json:"code,omitempty" maxLength:"32" doc:"1-32 of A-Z, 0-9 and -; unique in the organization"`
	Name           *string   `json:"name,omitempty" maxLength:"200"`
	Brand          *string   `json:"brand,omitempty" maxLength:"100"`
	Region         *string   `json:"region,omitempty" maxLength:"100"`
	Address        *string   `json:"address,omitempty" maxLength:"500"`
	Latitude       *float64  `json:"latitude,omitempty"`
	Longitude      *float64  `json:"longitude,omitempty"`
	RiskCategory   *string   `json:"riskCategory,omitempty"`
	AuditFrequency *string   `json:"auditFrequency,omitempty"`
	ManagerUserIDs *[]string `json:"managerUserIds,omitempty" maxItems:"50" doc:"members whose role holds stations:read, not contractor staff; naming a station-scoped member adds the station to their scope"`
	Active         *bool     `json:"active,omitempty"`
	TimeZone       *string   `json:"timeZone,omitempty" maxLength:"64" doc:"IANA time zone such as Europe/London for a station outside the organization's zone; \"\" follows the organization's; an unknown zone is 400"`
	Version        *int64    `json:"version,omitempty" doc:"changes only: the version you edited, instead of If-Match"`
}

func (b stationBody) input() station.Input {
	return station.Input{Code: b.Code, Name: b.Name, Brand: b.Brand, Region: b.Region, Address: b.Address,
		Latitude: b.Latitude, Longitude: b.Longitude, RiskCategory: b.RiskCategory, AuditFrequency: b.AuditFrequency,
		ManagerUserIDs: b.ManagerUserIDs, Active: b.Active, TimeZone: b.TimeZone}
}

type stationListInput struct {
	ListParams
	Region       string `query:"region" maxLength:"100"`
	RiskCategory string `query:"riskCategory" enum:"Low,Medium,High,Critical"`
	Active       string `query:"active" enum:"true,false"`
	Q            string `query:"q" maxLength:"100" doc:"search in code and name"`
}

var stationCSV = []CSVColumn[StationView]{
	{"id", func(s StationView) string { return s.ID }},
	{"code", func(s StationView) string { return s.Code }},
	{"name", func(s StationView) string { return s.Name }},
	{"brand", func(s StationView) string { return s.Brand }},
	{"region", func(s StationView) string { return s.Region }},
	{"address", func(s StationView) string { return s.Address }},
	{"latitude", func(s StationView) string { return floatCell(s.Latitude) }},
	{"longitude", func(s StationView) string { return floatCell(s.Longitude) }},
	{"riskCategory", func(s StationView) string { return s.RiskCategory }},
	{"auditFrequency", func(s StationView) string { return s.AuditFrequency }},
	{"active", func(s StationView) string { return strconv.FormatBool(s.Active) }},
	{"createdAt", func(s StationView) string { return s.CreatedAt.Format(time.RFC3339) }},
}

func floatCell(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// boolQuery parses an optional "true"/"false" query parameter.
func boolQuery(s string) *bool {
	if s == "" {
		return nil
	}
	b := s == "true"
	return &b
}

// mapPage converts a page of domain values into views.
func mapPage[T, V any](pg hse.Page[T], view func(*T) V) hse.Page[V] {
	out := hse.Page[V]{NextCursor: pg.NextCursor, Items: make([]V, 0, len(pg.Items))}
	for i := range pg.Items {
		out.Items = append(out.Items, view(&pg.Items[i]))
	}
	return out
}

type stationPath struct {
	ID string `path:"id" maxLength:"64"`
}

func registerStations(api huma.API, d Deps) {
	svc := d.Stations
	tags := []string{"Stations"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }

	op := huma.Operation{OperationID: "listStations", Method: http.MethodGet, Path: "/api/stations", Tags: tags, Security: bearer,
		Summary: "Stations you may see", Description: "Station managers see their own stations: those of their membership and those naming them in managerUserIds. Sort by code, name, region or createdAt."}
	DocumentList[StationView](api, &op)
	huma.Register(api, op, func(ctx context.Context, in *stationListInput) (*huma.StreamResponse, error) {
		page, err := in.PageRequest(station.SortFields...)
		if err != nil {
			return nil, fail(ctx, err)
		}
		f := station.Filter{Region: in.Region, RiskCategory: in.RiskCategory, Active: boolQuery(in.Active), Q: in.Q}
		p := principalFrom(ctx)
		return ListResponse(ctx, d, in.ListParams, page, func(ctx context.Context, page hse.PageRequest) (hse.Page[StationView], error) {
			pg, err := svc.Stations(ctx, p, f, page)
			return mapPage(pg, stationView), err
		}, stationCSV, "stations.csv")
	})

	huma.Register(api, huma.Operation{OperationID: "createStation", Method: http.MethodPost, Path: "/api/stations", Tags: tags, Security: bearer, DefaultStatus: 201,
		Summary: "Add a station", Description: "code and name are required; riskCategory defaults to Medium, auditFrequency to Quarterly."},
		func(ctx context.Context, in *struct{ Body stationBody }) (*stationOutput, error) {
			s, err := svc.CreateStation(ctx, principalFrom(ctx), in.Body.input())
			if err != nil {
				return nil, fail(ctx, err)
			}
			return stationOut(s), nil
		})

	huma.Register(api, huma.Operation{OperationID: "getStation", Method: http.MethodGet, Path: "/api/stations/{id}", Tags: tags, Security: bearer,
		Summary: "One station"},
		func(ctx context.Context, in *stationPath) (*stationOutput, error) {
			s, err := svc.Station(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return stationOut(s), nil
		})

	huma.Register(api, huma.Operation{OperationID: "updateStation", Method: http.MethodPatch, Path: "/api/stations/{id}", Tags: tags, Security: bearer,
		Summary: "Change a station", Description: "Send the version you edited as If-Match (or version in the body); a stale one gets 412 STALE_VERSION."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40"`
			Body    stationBody
		}) (*stationOutput, error) {
			v, err := expectedVersion(in.IfMatch, in.Body.Version)
			if err != nil {
				return nil, versionProblem(ctx, d, err)
			}
			s, err := svc.UpdateStation(ctx, principalFrom(ctx), in.ID, v, in.Body.input())
			if err != nil {
				return nil, fail(ctx, err)
			}
			return stationOut(s), nil
		})

	huma.Register(api, huma.Operation{OperationID: "deactivateStation", Method: http.MethodDelete, Path: "/api/stations/{id}", Tags: tags, Security: bearer, DefaultStatus: 204,
		Summary: "Deactivate a station", Description: "Stations are never deleted: their history stays and they can be reactivated with PATCH active=true."},
		func(ctx context.Context, in *stationPath) (*struct{}, error) {
			if err := svc.DeactivateStation(ctx, principalFrom(ctx), in.ID); err != nil {
				return nil, fail(ctx, err)
			}
			return nil, nil
		})

	type hoursView struct {
		StationID string    `json:"stationId"`
		Month     string    `json:"month" doc:"YYYY-MM"`
		Hours     float64   `json:"hours"`
		UpdatedAt time.Time `json:"updatedAt"`
	}
	hv := func(h station.Hours) hoursView {
		return hoursView{StationID: h.StationID, Month: h.Month, Hours: h.Hours, UpdatedAt: h.UpdatedAt}
	}
	huma.Register(api, huma.Operation{OperationID: "putStationHours", Method: http.MethodPut, Path: "/api/stations/{id}/hours/{month}", Tags: tags, Security: bearer,
		Summary: "Record the hours worked at a station in a month", Description: "Replaces any earlier figure; incident rates divide by these."},
		func(ctx context.Context, in *struct {
			ID    string `path:"id" maxLength:"64"`
			Month string `path:"month" maxLength:"7" doc:"YYYY-MM"`
			Body  struct {
				Hours float64 `json:"hours" minimum:"0" maximum:"1000000"`
			}
		}) (*struct{ Body hoursView }, error) {
			h, err := svc.PutHours(ctx, principalFrom(ctx), in.ID, in.Month, in.Body.Hours)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &struct{ Body hoursView }{Body: hv(*h)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "listStationHours", Method: http.MethodGet, Path: "/api/stations/{id}/hours", Tags: tags, Security: bearer,
		Summary: "A station's monthly hours", Description: "from and to are months (YYYY-MM), both inclusive and optional."},
		func(ctx context.Context, in *struct {
			ID   string `path:"id" maxLength:"64"`
			From string `query:"from" maxLength:"7"`
			To   string `query:"to" maxLength:"7"`
		}) (*itemsOutput[hoursView], error) {
			hs, err := svc.StationHours(ctx, principalFrom(ctx), in.ID, in.From, in.To)
			if err != nil {
				return nil, fail(ctx, err)
			}
			views := make([]hoursView, 0, len(hs))
			for _, h := range hs {
				views = append(views, hv(h))
			}
			return items(views), nil
		})
}
