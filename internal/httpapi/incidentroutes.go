package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/incident"
)

// PersonView is someone involved in an incident.
type PersonView struct {
	Name      string `json:"name" maxLength:"200"`
	Role      string `json:"role,omitempty" maxLength:"100" doc:"employee, contractor, visitor, member of the public…"`
	Injury    string `json:"injury,omitempty" maxLength:"500"`
	BodyPart  string `json:"bodyPart,omitempty" maxLength:"100"`
	Treatment string `json:"treatment,omitempty" maxLength:"500" doc:"first aid, clinic, hospital…"`
}

// InvestigationView is what an incident's investigation found.
type InvestigationView struct {
	RootCauses          []string `json:"rootCauses" maxItems:"6" doc:"People, Process, Equipment, Environment, Management, Materials"`
	Whys                []string `json:"whys" maxItems:"5" doc:"the five-whys chain, first why first"`
	ContributingFactors []string `json:"contributingFactors" maxItems:"20"`
	Findings            string   `json:"findings" maxLength:"10000"`
}

// RecordkeepingView is an incident's injury record.
type RecordkeepingView struct {
	Recordable     bool `json:"recordable"`
	DaysAway       int  `json:"daysAway" doc:"0-180"`
	DaysRestricted int  `json:"daysRestricted" doc:"days of restricted work or job transfer, 0-180"`
	Fatality       bool `json:"fatality" doc:"reportable within 8 hours"`
	Hospitalised   bool `json:"hospitalised" doc:"in-patient hospitalisation: reportable within 24 hours"`
	Amputation     bool `json:"amputation" doc:"reportable within 24 hours"`
	EyeLoss        bool `json:"eyeLoss" doc:"loss of an eye: reportable within 24 hours"`
}

// IncidentView is an incident as the API shows it.
type IncidentView struct {
	ID                   string            `json:"id"`
	Number               string            `json:"number" doc:"INC-<year>-<seq>"`
	StationID            string            `json:"stationId"`
	StationName          string            `json:"stationName,omitempty" doc:"in lists"`
	Type                 string            `json:"type"`
	Severity             string            `json:"severity" enum:"Low,Medium,High,Critical"`
	Status               string            `json:"status" enum:"Reported,Under Investigation,Action Required,Closed"`
	AllowedTransitions   []string          `json:"allowedTransitions" doc:"states the lifecycle allows next (who may move it is checked on the move)"`
	OccurredAt           time.Time         `json:"occurredAt"`
	ReportedAt           time.Time         `json:"reportedAt"`
	ReporterID           string            `json:"reporterId,omitempty"`
	ReporterName         string            `json:"reporterName,omitempty" doc:"in lists"`
	Description          string            `json:"description"`
	ImmediateActions     string            `json:"immediateActions"`
	Location             string            `json:"location"`
	People               []PersonView      `json:"people"`
	AttachmentIDs        []string          `json:"attachmentIds"`
	Investigation        InvestigationView `json:"investigation"`
	Recordkeeping        RecordkeepingView `json:"recordkeeping"`
	RegulatoryDeadline   *time.Time        `json:"regulatoryDeadline,omitempty" doc:"fatality: occurredAt + 8 h; in-patient hospitalisation, amputation or loss of an eye: + 24 h"`
	RegulatorReportedAt  *time.Time        `json:"regulatorReportedAt,omitempty"`
	Overdue              bool              `json:"overdue" doc:"the regulatory deadline passed and the regulator has not been told"`
	ResolvedAt           *time.Time        `json:"resolvedAt,omitempty"`
	ClosureReason        string            `json:"closureReason,omitempty" doc:"why it closed; required when closed straight from investigation"`
	InvestigatorID       string            `json:"investigatorId,omitempty" doc:"the member investigating (PUT /api/incidents/{id}/investigator)"`
	InvestigationDueOn   string            `json:"investigationDueOn,omitempty" doc:"YYYY-MM-DD, a day in the organization's time zone"`
	InvestigationOverdue bool              `json:"investigationOverdue" doc:"the investigation is past its due day (organization's time zone) and the incident still Reported or Under Investigation"`
	Version              int64             `json:"version" doc:"send as If-Match (or version) with a change"`
	CreatedAt            time.Time         `json:"createdAt"`
	UpdatedAt            time.Time         `json:"updatedAt"`
}

// incidentView shows an incident at now; today is the day it is in the
// organization's time zone.
func incidentView(i *incident.Incident, now, today time.Time) IncidentView {
	people := make([]PersonView, len(i.People))
	for n, p := range i.People {
		people[n] = PersonView(p)
	}
	v := i.Investigation
	r := i.Record
	return IncidentView{ID: i.ID, Number: i.Number, StationID: i.StationID, Type: i.Type, Severity: i.Severity, Status: i.Status,
		AllowedTransitions: incident.Allowed(i.Status), OccurredAt: i.OccurredAt, ReportedAt: i.ReportedAt, ReporterID: i.ReporterUserID, ReporterName: i.ReporterName, StationName: i.StationName,
		Description: i.Description, ImmediateActions: i.ImmediateActions, Location: i.Location, People: people,
		AttachmentIDs: nonNil(i.AttachmentIDs),
		Investigation: InvestigationView{RootCauses: nonNil(v.RootCauses), Whys: nonNil(v.Whys), ContributingFactors: nonNil(v.ContributingFactors), Findings: v.Findings},
		Recordkeeping: RecordkeepingView(r), RegulatoryDeadline: i.RegulatoryDeadline, RegulatorReportedAt: i.RegulatorReportedAt,
		Overdue: i.Overdue(now), ResolvedAt: i.ResolvedAt, Version: i.Version, CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt,
		ClosureReason: i.ClosureReason, InvestigatorID: i.InvestigatorUserID, InvestigationOverdue: i.InvestigationOverdue(today),
		InvestigationDueOn: dateOnly(i.InvestigationDueOn)}
}

// dateOnly formats a day as YYYY-MM-DD, "" for none.
func dateOnly(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

type incidentOutput struct {
	ETag string `header:"ETag"`
	Body IncidentView
}

var incidentCSV = []CSVColumn[IncidentView]{
	{"number", func(i IncidentView) string { return i.Number }},
	{"occurredAt", func(i IncidentView) string { return i.OccurredAt.Format(time.RFC3339) }},
	{"reportedAt", func(i IncidentView) string { return i.ReportedAt.Format(time.RFC3339) }},
	{"stationId", func(i IncidentView) string { return i.StationID }},
	{"station", func(i IncidentView) string { return i.StationName }},
	{"reporterId", func(i IncidentView) string { return i.ReporterID }},
	{"reporter", func(i IncidentView) string { return i.ReporterName }},
	{"type", func(i IncidentView) string { return i.Type }},
	{"severity", func(i IncidentView) string { return i.Severity }},
	{"status", func(i IncidentView) string { return i.Status }},
	{"description", func(i IncidentView) string { return i.Description }},
	{"location", func(i IncidentView) string { return i.Location }},
	{"people", func(i IncidentView) string { return strconv.Itoa(len(i.People)) }},
	{"recordable", func(i IncidentView) string { return strconv.FormatBool(i.Recordkeeping.Recordable) }},
	{"daysAway", func(i IncidentView) string { return strconv.Itoa(i.Recordkeeping.DaysAway) }},
	{"daysRestricted", func(i IncidentView) string { return strconv.Itoa(i.Recordkeeping.DaysRestricted) }},
	{"regulatoryDeadline", func(i IncidentView) string { return timeCell(i.RegulatoryDeadline) }},
	{"regulatorReportedAt", func(i IncidentView) string { return timeCell(i.RegulatorReportedAt) }},
	{"overdue", func(i IncidentView) string { return strconv.FormatBool(i.Overdue) }},
	{"resolvedAt", func(i IncidentView) string { return timeCell(i.ResolvedAt) }},
}

type incidentListInput struct {
	ListParams
	Status     string `query:"status" enum:"Reported,Under Investigation,Action Required,Closed"`
	Type       string `query:"type" enum:"Injury,Near Miss,Spill / Environmental,Fire,Property Damage,Security,Vehicle,Safety Observation,Other"`
	Severity   string `query:"severity" enum:"Low,Medium,High,Critical"`
	StationID  string `query:"stationId" maxLength:"64"`
	From       string `query:"from" maxLength:"40" doc:"occurred at or after: YYYY-MM-DD or an RFC 3339 time"`
	To         string `query:"to" maxLength:"40" doc:"occurred at or before: YYYY-MM-DD (the whole day) or an RFC 3339 time"`
	Overdue    string `query:"overdue" enum:"true,false" doc:"regulatory deadline passed, not reported to the regulator"`
	Recordable string `query:"recordable" enum:"true,false"`
	Q          string `query:"q" maxLength:"100" doc:"search in number, description and location"`
}

// incidentTime parses a from/to bound: a day or an RFC 3339 time. A day as
// the upper bound means its end.
func incidentTime(field, s string, end bool) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, hse.Invalid("invalid time", hse.FieldError{Field: field, Message: "YYYY-MM-DD or an RFC 3339 time"})
	}
	if end {
		t = t.Add(24*time.Hour - time.Microsecond)
	}
	return &t, nil
}

func (in *incidentListInput) filter() (incident.Filter, error) {
	f := incident.Filter{Status: in.Status, Type: in.Type, Severity: in.Severity, StationID: in.StationID, Q: strings.TrimSpace(in.Q),
		Overdue: in.Overdue == "true"}
	if in.Recordable != "" {
		b := in.Recordable == "true"
		f.Recordable = &b
	}
	var err error
	if f.From, err = incidentTime("from", in.From, false); err != nil {
		return f, err
	}
	f.To, err = incidentTime("to", in.To, true)
	return f, err
}

// incidentBody is the JSON of a new incident.
type incidentBody struct {
	StationID        string             `json:"stationId" maxLength:"64"`
	Type             string             `json:"type" maxLength:"40" doc:"Injury, Near Miss, Spill / Environmental, Fire, Property Damage, Security, Vehicle, Safety Observation or Other"`
	Severity         string             `json:"severity" maxLength:"20" doc:"Low, Medium, High or Critical"`
	OccurredAt       time.Time          `json:"occurredAt" doc:"not in the future, not more than 5 years ago"`
	Description      string             `json:"description" maxLength:"10000"`
	ImmediateActions string             `json:"immediateActions,omitempty" maxLength:"5000"`
	Location         string             `json:"location,omitempty" maxLength:"300"`
	People           []PersonView       `json:"people,omitempty" maxItems:"50"`
	AttachmentIDs    []string           `json:"attachmentIds,omitempty" maxItems:"20" doc:"ids from POST /api/upload"`
	Recordkeeping    recordkeepingInput `json:"recordkeeping,omitempty"`
}

// recordkeepingInput is the recordkeeping of a new incident; what is left
// out is false or 0, except recordable, which then follows from the
// outcomes.
type recordkeepingInput struct {
	Recordable     *bool `json:"recordable,omitempty" doc:"default: true when any outcome below is recorded, false otherwise; false with such an outcome is refused"`
	DaysAway       int   `json:"daysAway,omitempty" doc:"0-180"`
	DaysRestricted int   `json:"daysRestricted,omitempty" doc:"days of restricted work or job transfer, 0-180"`
	Fatality       bool  `json:"fatality,omitempty" doc:"reportable within 8 hours"`
	Hospitalised   bool  `json:"hospitalised,omitempty" doc:"in-patient hospitalisation: reportable within 24 hours"`
	Amputation     bool  `json:"amputation,omitempty" doc:"reportable within 24 hours"`
	EyeLoss        bool  `json:"eyeLoss,omitempty" doc:"loss of an eye: reportable within 24 hours"`
}

// record is the domain's recordkeeping of the input (recordable false when
// not stated; the service derives it then).
func (r recordkeepingInput) record() incident.Recordkeeping {
	return incident.Recordkeeping{Recordable: r.Recordable != nil && *r.Recordable, DaysAway: r.DaysAway, DaysRestricted: r.DaysRestricted,
		Fatality: r.Fatality, Hospitalised: r.Hospitalised, Amputation: r.Amputation, EyeLoss: r.EyeLoss}
}

// investigationInput replaces an incident's investigation; what is left
// out is empty.
type investigationInput struct {
	RootCauses          []string `json:"rootCauses,omitempty" maxItems:"6" doc:"People, Process, Equipment, Environment, Management, Materials"`
	Whys                []string `json:"whys,omitempty" maxItems:"5" doc:"the five-whys chain, first why first"`
	ContributingFactors []string `json:"contributingFactors,omitempty" maxItems:"20"`
	Findings            string   `json:"findings,omitempty" maxLength:"10000"`
	Version             *int64   `json:"version,omitempty" doc:"the version you edited, instead of If-Match"`
}

// recordkeepingChange is a partial change of the recordkeeping.
type recordkeepingChange struct {
	Recordable     *bool `json:"recordable,omitempty"`
	DaysAway       *int  `json:"daysAway,omitempty"`
	DaysRestricted *int  `json:"daysRestricted,omitempty"`
	Fatality       *bool `json:"fatality,omitempty"`
	Hospitalised   *bool `json:"hospitalised,omitempty"`
	Amputation     *bool `json:"amputation,omitempty"`
	EyeLoss        *bool `json:"eyeLoss,omitempty"`
}

func people(ps []PersonView) []incident.Person {
	out := make([]incident.Person, len(ps))
	for n, p := range ps {
		out[n] = incident.Person(p)
	}
	return out
}

type incidentPath struct {
	ID string `path:"id" maxLength:"64"`
}

func registerIncidents(api huma.API, d Deps) {
	svc := d.Incidents
	tags := []string{"Incidents"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }
	now := func() time.Time { return hse.Now(svc.Now) }
	out := func(ctx context.Context, i *incident.Incident) *incidentOutput {
		at := now()
		return &incidentOutput{ETag: etag(i.Version), Body: incidentView(i, at, principalFrom(ctx).Today(at))}
	}

	op := huma.Operation{OperationID: "listIncidents", Method: http.MethodGet, Path: "/api/incidents", Tags: tags, Security: bearer,
		Summary: "Incidents you may see",
		Description: "incidents:read sees the incidents of your stations (all of them for organization-wide roles); everyone sees the ones " +
			"they reported, which is all a contractor sees. Sort by occurredAt (default, newest first), reportedAt, createdAt, severity or number."}
	DocumentList[IncidentView](api, &op)
	huma.Register(api, op, func(ctx context.Context, in *incidentListInput) (*huma.StreamResponse, error) {
		page, err := in.PageRequest(incident.SortFields...)
		if err != nil {
			return nil, fail(ctx, err)
		}
		f, err := in.filter()
		if err != nil {
			return nil, fail(ctx, err)
		}
		p := principalFrom(ctx)
		return ListResponse(ctx, d, in.ListParams, page, func(ctx context.Context, page hse.PageRequest) (hse.Page[IncidentView], error) {
			pg, err := svc.Incidents(ctx, p, f, page)
			at := now()
			today := p.Today(at)
			return mapPage(pg, func(i *incident.Incident) IncidentView { return incidentView(i, at, today) }), err
		}, incidentCSV, "incidents.csv")
	})

	huma.Register(api, huma.Operation{OperationID: "reportIncident", Method: http.MethodPost, Path: "/api/incidents", Tags: tags, Security: bearer, DefaultStatus: 201,
		Summary: "Report an incident",
		Description: "incidents:report. The station must be in your scope (contractors may name any station of the organization). " +
			"A fatality, in-patient hospitalisation, amputation or loss of an eye sets the regulatory deadline and emits incident:deadline_set. " +
			"An attachment id that is not a file of the organization you may see is 422 UNKNOWN_ATTACHMENT naming attachmentIds[i]."},
		func(ctx context.Context, in *struct{ Body incidentBody }) (*incidentOutput, error) {
			b := in.Body
			i, err := svc.Report(ctx, principalFrom(ctx), incident.NewInput{StationID: b.StationID, Type: b.Type, Severity: b.Severity,
				OccurredAt: b.OccurredAt, Description: b.Description, ImmediateActions: b.ImmediateActions, Location: b.Location,
				People: people(b.People), AttachmentIDs: b.AttachmentIDs, Record: b.Recordkeeping.record(),
				RecordableUnstated: b.Recordkeeping.Recordable == nil})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return out(ctx, i), nil
		})

	huma.Register(api, huma.Operation{OperationID: "getIncident", Method: http.MethodGet, Path: "/api/incidents/{id}", Tags: tags, Security: bearer,
		Summary: "One incident"},
		func(ctx context.Context, in *incidentPath) (*incidentOutput, error) {
			i, err := svc.Incident(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return out(ctx, i), nil
		})

	huma.Register(api, huma.Operation{OperationID: "updateIncident", Method: http.MethodPatch, Path: "/api/incidents/{id}", Tags: tags, Security: bearer,
		Summary: "Change an incident's details or recordkeeping, or record its report to the regulator",
		Description: "incidents:investigate, station in your scope. Send the version you edited as If-Match (or version in the body): " +
			"a stale one is 412 STALE_VERSION, none is 428. A closed incident is reopened first (409 INCIDENT_CLOSED)."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40"`
			Body    struct {
				StationID           *string              `json:"stationId,omitempty" maxLength:"64"`
				Type                *string              `json:"type,omitempty" maxLength:"40"`
				Severity            *string              `json:"severity,omitempty" maxLength:"20"`
				OccurredAt          *time.Time           `json:"occurredAt,omitempty"`
				Description         *string              `json:"description,omitempty" maxLength:"10000"`
				ImmediateActions    *string              `json:"immediateActions,omitempty" maxLength:"5000"`
				Location            *string              `json:"location,omitempty" maxLength:"300"`
				People              *[]PersonView        `json:"people,omitempty" maxItems:"50" doc:"replaces the list"`
				AttachmentIDs       *[]string            `json:"attachmentIds,omitempty" maxItems:"20" doc:"replaces the list"`
				Recordkeeping       *recordkeepingChange `json:"recordkeeping,omitempty"`
				RegulatorReportedAt *time.Time           `json:"regulatorReportedAt,omitempty" doc:"when it was reported to the regulator"`
				Version             *int64               `json:"version,omitempty" doc:"the version you edited, instead of If-Match"`
			}
		}) (*incidentOutput, error) {
			v, err := expectedVersion(in.IfMatch, in.Body.Version)
			if err != nil {
				return nil, versionProblem(ctx, d, err)
			}
			b := in.Body
			c := incident.Change{StationID: b.StationID, Type: b.Type, Severity: b.Severity, OccurredAt: b.OccurredAt, Description: b.Description,
				ImmediateActions: b.ImmediateActions, Location: b.Location, AttachmentIDs: b.AttachmentIDs, RegulatorReportedAt: b.RegulatorReportedAt}
			if b.People != nil {
				ps := people(*b.People)
				c.People = &ps
			}
			if r := b.Recordkeeping; r != nil {
				c.Recordable, c.DaysAway, c.DaysRestricted, c.Fatality = r.Recordable, r.DaysAway, r.DaysRestricted, r.Fatality
				c.Hospitalised, c.Amputation, c.EyeLoss = r.Hospitalised, r.Amputation, r.EyeLoss
			}
			i, err := svc.Update(ctx, principalFrom(ctx), in.ID, v, c)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return out(ctx, i), nil
		})

	huma.Register(api, huma.Operation{OperationID: "setIncidentInvestigation", Method: http.MethodPut, Path: "/api/incidents/{id}/investigation", Tags: tags, Security: bearer,
		Summary: "Record an incident's investigation",
		Description: "Replaces the investigation: root-cause categories, the five-whys chain (at most 5), contributing factors and findings. " +
			"incidents:investigate, while the incident is Under Investigation or Action Required (409 NOT_UNDER_INVESTIGATION otherwise). " +
			"If-Match or version is required as for PATCH."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40"`
			Body    investigationInput
		}) (*incidentOutput, error) {
			v, err := expectedVersion(in.IfMatch, in.Body.Version)
			if err != nil {
				return nil, versionProblem(ctx, d, err)
			}
			b := in.Body
			i, err := svc.SetInvestigation(ctx, principalFrom(ctx), in.ID, v, incident.Investigation{RootCauses: b.RootCauses, Whys: b.Whys,
				ContributingFactors: b.ContributingFactors, Findings: b.Findings})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return out(ctx, i), nil
		})

	moves := []struct {
		move    incident.Move
		id, sum string
		desc    string
	}{
		{incident.MoveInvestigate, "investigateIncident", "Start investigating (Reported → Under Investigation)", "incidents:investigate."},
		{incident.MoveRequireAction, "requireIncidentAction", "Mark as needing corrective action (Under Investigation → Action Required)", "incidents:investigate."},
		{incident.MoveClose, "closeIncident", "Close an incident (Action Required → Closed, or Under Investigation → Closed when no action is needed)",
			"incidents:close. Closing from Under Investigation needs the reason no action is needed (400 naming reason), kept as closureReason " +
				"and in the history. Refused with 409 INCIDENT_ACTIONS_OPEN while any corrective action raised from it is not Verified; sets resolvedAt."},
		{incident.MoveReopen, "reopenIncident", "Reopen a closed incident (Closed → Under Investigation)", "incidents:close, with the reason; clears resolvedAt."},
	}
	for _, m := range moves {
		huma.Register(api, huma.Operation{OperationID: m.id, Method: http.MethodPost, Path: "/api/incidents/{id}/" + string(m.move), Tags: tags, Security: bearer,
			Summary: m.sum, Description: m.desc + " The station must be in your scope. Any other move is 409 INVALID_TRANSITION with the current state " +
				"and the allowed ones. If-Match (or version) is optional; a stale one is 412."},
			func(ctx context.Context, in *struct {
				ID      string `path:"id" maxLength:"64"`
				IfMatch string `header:"If-Match" maxLength:"40"`
				Body    *struct {
					Reason  string `json:"reason,omitempty" maxLength:"5000" doc:"reopen: why; close from Under Investigation: why no action is needed (optional from Action Required)"`
					Version *int64 `json:"version,omitempty"`
				}
			}) (*incidentOutput, error) {
				var v int64
				var note string
				var bodyVersion *int64
				if in.Body != nil {
					note, bodyVersion = in.Body.Reason, in.Body.Version
				}
				if in.IfMatch != "" || bodyVersion != nil {
					var err error
					if v, err = expectedVersion(in.IfMatch, bodyVersion); err != nil {
						return nil, versionProblem(ctx, d, err)
					}
				}
				i, err := svc.Transition(ctx, principalFrom(ctx), in.ID, v, m.move, note)
				if err != nil {
					return nil, fail(ctx, err)
				}
				return out(ctx, i), nil
			})
	}

	huma.Register(api, huma.Operation{OperationID: "assignIncidentInvestigator", Method: http.MethodPut, Path: "/api/incidents/{id}/investigator", Tags: tags, Security: bearer,
		Summary: "Name an incident's investigator and the day the investigation is due",
		Description: "incidents:investigate, station in your scope, incident not Closed (409 INCIDENT_CLOSED). The investigator must be a member " +
			"who may investigate incidents at the incident's station (400 naming investigatorId). investigationDueOn defaults by severity " +
			"(Critical 7 days, High 14, otherwise 30) from today in the organization's time zone, and cannot be earlier than today. " +
			"The investigator is mailed (incident:investigator_assigned). If-Match or version is optional; a stale one is 412."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40"`
			Body    struct {
				InvestigatorID     string `json:"investigatorId" maxLength:"64"`
				InvestigationDueOn string `json:"investigationDueOn,omitempty" maxLength:"10" doc:"YYYY-MM-DD"`
				Version            *int64 `json:"version,omitempty"`
			}
		}) (*incidentOutput, error) {
			var v int64
			if in.IfMatch != "" || in.Body.Version != nil {
				var err error
				if v, err = expectedVersion(in.IfMatch, in.Body.Version); err != nil {
					return nil, versionProblem(ctx, d, err)
				}
			}
			due, err := actionDate("investigationDueOn", in.Body.InvestigationDueOn)
			if err != nil {
				return nil, fail(ctx, err)
			}
			i, err := svc.AssignInvestigator(ctx, principalFrom(ctx), in.ID, v, incident.AssignInput{InvestigatorID: in.Body.InvestigatorID, DueOn: due})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return out(ctx, i), nil
		})

	registerHistory(api, d, "listIncidentHistory", "/api/incidents", tags, "An incident's history, oldest first",
		"created, updated, investigation_updated, investigator_assigned (note: the investigator's user id), regulator_reported, status_changed (note: a closure reason), reopened (note: the reason), action_raised (note: the action's number)", svc.History)

	huma.Register(api, huma.Operation{OperationID: "raiseIncidentAction", Method: http.MethodPost, Path: "/api/incidents/{id}/actions", Tags: tags, Security: bearer, DefaultStatus: 201,
		Summary: "Raise a corrective action from an incident",
		Description: "incidents:investigate, station in your scope, incident not Closed. The action's source is the incident and its station the " +
			"incident's; priority defaults to the incident's severity, dueOn to the action severity's default (Critical 3 days, Major 14, otherwise 30)."},
		func(ctx context.Context, in *struct {
			ID   string `path:"id" maxLength:"64"`
			Body struct {
				Title       string `json:"title" maxLength:"300"`
				Description string `json:"description,omitempty" maxLength:"10000"`
				AssigneeID  string `json:"assigneeId,omitempty" maxLength:"64"`
				DueOn       string `json:"dueOn,omitempty" maxLength:"10" doc:"YYYY-MM-DD"`
				Priority    string `json:"priority,omitempty" doc:"Low, Medium, High or Critical; default: the incident's severity"`
				Severity    string `json:"severity,omitempty" doc:"Minor, Major or Critical"`
			}
		}) (*actionOutput, error) {
			b := in.Body
			due, err := actionDate("dueOn", b.DueOn)
			if err != nil {
				return nil, fail(ctx, err)
			}
			a, err := svc.RaiseAction(ctx, principalFrom(ctx), in.ID, incident.ActionInput{Title: b.Title, Description: b.Description,
				AssigneeID: b.AssigneeID, DueOn: due, Priority: b.Priority, Severity: b.Severity})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &actionOutput{ETag: etag(a.Version), Body: actionView(a, principalFrom(ctx).Today(now()))}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "listIncidentActions", Method: http.MethodGet, Path: "/api/incidents/{id}/actions", Tags: tags, Security: bearer,
		Summary: "The corrective actions raised from an incident, oldest first"},
		func(ctx context.Context, in *incidentPath) (*itemsOutput[ActionView], error) {
			as, err := svc.Actions(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			today := principalFrom(ctx).Today(now())
			views := make([]ActionView, 0, len(as))
			for n := range as {
				views = append(views, actionView(&as[n], today))
			}
			return items(views), nil
		})
}
