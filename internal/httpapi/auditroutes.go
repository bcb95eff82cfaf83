package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/checklist"
	"github.com/hsedigital/hse/internal/hse"
)

// AuditView is an audit as the API shows it.
type AuditView struct {
	ID                 string            `json:"id"`
	Number             string            `json:"number" doc:"AUD-<year>-<seq>"`
	StationID          string            `json:"stationId"`
	StationName        string            `json:"stationName"`
	Region             string            `json:"region"`
	TemplateID         string            `json:"templateId"`
	TemplateName       string            `json:"templateName"`
	FormVersionID      string            `json:"formVersionId"`
	VersionNumber      int               `json:"versionNumber"`
	AuditorUserID      string            `json:"auditorUserId"`
	AuditorName        string            `json:"auditorName,omitempty"`
	Status             string            `json:"status" enum:"Scheduled,In Progress,Completed,Closed,Cancelled,Missed"`
	AllowedTransitions []string          `json:"allowedTransitions"`
	ScheduledFor       string            `json:"scheduledFor" doc:"YYYY-MM-DD"`
	Overdue            bool              `json:"overdue" doc:"still Scheduled after its date"`
	StartedAt          *time.Time        `json:"startedAt,omitempty"`
	CompletedAt        *time.Time        `json:"completedAt,omitempty"`
	ClosedAt           *time.Time        `json:"closedAt,omitempty"`
	CancelledAt        *time.Time        `json:"cancelledAt,omitempty"`
	CancelReason       string            `json:"cancelReason,omitempty"`
	Score              *float64          `json:"score,omitempty"`
	Result             string            `json:"result,omitempty" enum:"Pass,Fail,"`
	Breakdown          *checklist.Result `json:"breakdown,omitempty" doc:"per section, and the failed items; set at completion"`
	ScheduleID         string            `json:"scheduleId,omitempty" doc:"the audit schedule that created it"`
	OccurrenceDate     string            `json:"occurrenceDate,omitempty" doc:"YYYY-MM-DD: its schedule's date for it, kept when rescheduled"`
	WindowEnds         string            `json:"windowEnds,omitempty" doc:"YYYY-MM-DD: the last day it may be started; then it is Missed"`
	MissedAt           *time.Time        `json:"missedAt,omitempty"`
	Version            int64             `json:"version" doc:"also the ETag; send it as If-Match to refuse stale changes"`
	CreatedBy          string            `json:"createdBy"`
	CreatedAt          time.Time         `json:"createdAt"`
	UpdatedAt          time.Time         `json:"updatedAt"`
}

func auditView(a *audit.Audit, now time.Time) AuditView {
	return AuditView{ID: a.ID, Number: a.Number, StationID: a.StationID, StationName: a.StationName, Region: a.Region,
		TemplateID: a.TemplateID, TemplateName: a.TemplateName, FormVersionID: a.FormVersionID, VersionNumber: a.VersionNumber,
		AuditorUserID: a.AuditorUserID, AuditorName: a.AuditorName, Status: a.Status, AllowedTransitions: audit.Allowed(a.Status),
		ScheduledFor: a.ScheduledFor.Format(time.DateOnly), Overdue: a.Overdue(now), StartedAt: a.StartedAt, CompletedAt: a.CompletedAt, ClosedAt: a.ClosedAt,
		CancelledAt: a.CancelledAt, CancelReason: a.CancelReason, Score: a.Score, Result: a.Result, Breakdown: a.Breakdown,
		Version: a.Version, CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, ScheduleID: a.ScheduleID,
		OccurrenceDate: dateCell(a.OccurrenceDate), WindowEnds: dateCell(a.WindowEnds), MissedAt: a.MissedAt}
}

// dateCell formats an optional date as YYYY-MM-DD ("" when absent).
func dateCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// AnswerView is one saved answer.
type AnswerView struct {
	ItemKey       string          `json:"itemKey"`
	Value         json.RawMessage `json:"value,omitempty"`
	Note          string          `json:"note,omitempty"`
	AttachmentIDs []string        `json:"attachmentIds"`
	Severity      string          `json:"severity,omitempty"`
	AnsweredBy    string          `json:"answeredBy"`
	AnsweredAt    time.Time       `json:"answeredAt"`
}

// AuditDetailsView is an audit with its answers and findings.
type AuditDetailsView struct {
	AuditView
	Answers  []AnswerView    `json:"answers"`
	Findings []audit.Finding `json:"findings"`
}

// auditOutput carries the audit's version as ETag.
type auditOutput struct {
	ETag string `header:"ETag"`
	Body AuditDetailsView
}

func auditOut(d *audit.Details, now time.Time) *auditOutput {
	v := AuditDetailsView{AuditView: auditView(d.Audit, now), Answers: make([]AnswerView, 0, len(d.Answers)), Findings: d.Findings}
	for _, a := range d.Answers {
		v.Answers = append(v.Answers, AnswerView{ItemKey: a.ItemKey, Value: a.Value, Note: a.Note, AttachmentIDs: nonNil(a.AttachmentIDs),
			Severity: a.Severity, AnsweredBy: a.AnsweredBy, AnsweredAt: a.AnsweredAt})
	}
	if v.Findings == nil {
		v.Findings = []audit.Finding{}
	}
	return &auditOutput{ETag: etag(d.Audit.Version), Body: v}
}

var auditCSV = []CSVColumn[AuditView]{
	{"number", func(a AuditView) string { return a.Number }},
	{"stationId", func(a AuditView) string { return a.StationID }},
	{"station", func(a AuditView) string { return a.StationName }},
	{"region", func(a AuditView) string { return a.Region }},
	{"template", func(a AuditView) string { return a.TemplateName }},
	{"status", func(a AuditView) string { return a.Status }},
	{"scheduledFor", func(a AuditView) string { return a.ScheduledFor }},
	{"overdue", func(a AuditView) string { return strconv.FormatBool(a.Overdue) }},
	{"auditorUserId", func(a AuditView) string { return a.AuditorUserID }},
	{"auditor", func(a AuditView) string { return a.AuditorName }},
	{"completedAt", func(a AuditView) string { return timeCell(a.CompletedAt) }},
	{"score", func(a AuditView) string { return floatCell(a.Score) }},
	{"result", func(a AuditView) string { return a.Result }},
	{"id", func(a AuditView) string { return a.ID }},
}

func timeCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}

// dateQuery parses an optional YYYY-MM-DD query parameter.
func dateQuery(field, s string, fs *[]hse.FieldError) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		*fs = append(*fs, hse.FieldError{Field: field, Message: "must be a date YYYY-MM-DD"})
	}
	return t
}

// planOutput is a page of the plan.
type planOutput struct {
	Body struct {
		Items      []audit.PlanEntry `json:"items"`
		NextCursor string            `json:"nextCursor,omitempty" doc:"with limit: pass as cursor for the next stations; absent on the last page"`
	}
}

// planBinding ties a plan cursor to its range and region.
func planBinding(from, to, region string) string {
	return queryBinding(url.Values{"from": {from}, "to": {to}, "region": {region}})
}

type auditListInput struct {
	ListParams
	StationID     string `query:"stationId" maxLength:"64"`
	Region        string `query:"region" maxLength:"100"`
	Status        string `query:"status" enum:"Scheduled,In Progress,Completed,Closed,Cancelled,Missed"`
	AuditorID     string `query:"auditorId" maxLength:"64"`
	Result        string `query:"result" enum:"Pass,Fail"`
	Q             string `query:"q" minLength:"3" maxLength:"100" doc:"search in the number and the station name: a case-insensitive substring of 3 characters or more (what the trigram index answers)"`
	Overdue       string `query:"overdue" enum:"true,false" doc:"true: Scheduled audits whose date has passed; false: all others"`
	ScheduledFrom string `query:"scheduledFrom" doc:"YYYY-MM-DD, inclusive"`
	ScheduledTo   string `query:"scheduledTo" doc:"YYYY-MM-DD, inclusive"`
	CompletedFrom string `query:"completedFrom" doc:"YYYY-MM-DD, inclusive"`
	CompletedTo   string `query:"completedTo" doc:"YYYY-MM-DD, inclusive"`
}

// filter turns the query into a filter; "to" dates include their day.
func (in *auditListInput) filter() (audit.Filter, error) {
	var fs []hse.FieldError
	f := audit.Filter{StationID: in.StationID, Region: in.Region, Status: in.Status, AuditorID: in.AuditorID, Result: in.Result, Q: in.Q,
		Overdue:       map[string]*bool{"true": new(true), "false": new(false)}[in.Overdue],
		ScheduledFrom: dateQuery("scheduledFrom", in.ScheduledFrom, &fs), ScheduledTo: dateQuery("scheduledTo", in.ScheduledTo, &fs),
		CompletedFrom: dateQuery("completedFrom", in.CompletedFrom, &fs), CompletedTo: dateQuery("completedTo", in.CompletedTo, &fs)}
	for _, t := range []*time.Time{&f.ScheduledTo, &f.CompletedTo} {
		if !t.IsZero() {
			*t = t.AddDate(0, 0, 1)
		}
	}
	if len(fs) > 0 {
		return f, hse.Invalid("invalid filter", fs...)
	}
	return f, nil
}

type auditChange struct {
	ID      string `path:"id" maxLength:"64"`
	IfMatch string `header:"If-Match" maxLength:"40" doc:"optional: the audit's ETag; a stale one gets 412"`
}

func registerAudits(api huma.API, d Deps) {
	svc := d.Audits
	tags := []string{"Audits"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }
	now := func() time.Time { return hse.Now(svc.Now) }

	op := huma.Operation{OperationID: "listAudits", Method: http.MethodGet, Path: "/api/audits", Tags: tags, Security: bearer,
		Summary: "Audits you may see", Description: "Station managers see their stations' audits. Sort by scheduledFor (default), number, createdAt or updatedAt."}
	DocumentList[AuditView](api, &op)
	huma.Register(api, op, func(ctx context.Context, in *auditListInput) (*huma.StreamResponse, error) {
		page, err := in.PageRequest(audit.SortFields...)
		if err != nil {
			return nil, fail(ctx, err)
		}
		f, err := in.filter()
		if err != nil {
			return nil, fail(ctx, err)
		}
		p := principalFrom(ctx)
		at := now()
		return ListResponseStream(ctx, d, in.ListParams, page, func(ctx context.Context, page hse.PageRequest) (hse.Page[AuditView], error) {
			pg, err := svc.Audits(ctx, p, f, page)
			return mapPage(pg, func(a *audit.Audit) AuditView { return auditView(a, at) }), err
		}, func(ctx context.Context, page hse.PageRequest, emit func(AuditView) error) error {
			return svc.EachAudit(ctx, p, f, page, func(a *audit.Audit) error { return emit(auditView(a, at)) })
		}, auditCSV, "audits.csv")
	})

	huma.Register(api, huma.Operation{OperationID: "scheduleAudit", Method: http.MethodPost, Path: "/api/audits", Tags: tags, Security: bearer, DefaultStatus: 201,
		Summary: "Schedule an audit", Description: "Against the template's latest published version; the auditor must be a member who may conduct audits at the station."},
		func(ctx context.Context, in *struct {
			Body struct {
				StationID     string `json:"stationId" maxLength:"64"`
				TemplateID    string `json:"templateId" maxLength:"64"`
				AuditorUserID string `json:"auditorUserId" maxLength:"64"`
				ScheduledFor  string `json:"scheduledFor" maxLength:"10" doc:"YYYY-MM-DD"`
			}
		}) (*auditOutput, error) {
			a, err := svc.Schedule(ctx, principalFrom(ctx), audit.ScheduleInput{StationID: in.Body.StationID, TemplateID: in.Body.TemplateID,
				AuditorUserID: in.Body.AuditorUserID, ScheduledFor: in.Body.ScheduledFor})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return auditOut(&audit.Details{Audit: a}, now()), nil
		})

	huma.Register(api, huma.Operation{OperationID: "planAudits", Method: http.MethodGet, Path: "/api/audits/plan", Tags: tags, Security: bearer,
		Summary: "Next due audit of each active station", Description: "Due one frequency interval after the last completed audit; " +
			"overdue stations are always listed; a higher frequency is suggested after Major or Critical findings. " +
			"With limit, the stations are taken in pages in code order (each page most urgent first); pass nextCursor as cursor for the next."},
		func(ctx context.Context, in *struct {
			From   string `query:"from" maxLength:"10" doc:"YYYY-MM-DD; default today"`
			To     string `query:"to" maxLength:"10" doc:"YYYY-MM-DD; default 90 days on"`
			Region string `query:"region" maxLength:"100" doc:"only the stations of this region"`
			Limit  int    `query:"limit" minimum:"0" maximum:"1000" doc:"stations per page (0 or absent: every station)"`
			Cursor string `query:"cursor" maxLength:"1024" doc:"nextCursor of the previous page"`
		}) (*planOutput, error) {
			after := ""
			if in.Cursor != "" {
				// The same binding as the lists: a cursor of another region
				// or range would skip stations.
				c, err := hse.DecodeCursor(in.Cursor)
				if err == nil && c.Bind != planBinding(in.From, in.To, in.Region) {
					err = hse.CursorMismatch()
				}
				if err != nil {
					return nil, fail(ctx, err)
				}
				after = c.Key
			}
			es, next, err := svc.Plan(ctx, principalFrom(ctx), audit.PlanQuery{From: in.From, To: in.To, Region: in.Region, Limit: in.Limit, After: after})
			if err != nil {
				return nil, fail(ctx, err)
			}
			out := &planOutput{}
			out.Body.Items = es
			if next != "" {
				out.Body.NextCursor = hse.Cursor{Key: next, ID: next, Bind: planBinding(in.From, in.To, in.Region)}.Encode()
			}
			return out, nil
		})

	huma.Register(api, huma.Operation{OperationID: "getAudit", Method: http.MethodGet, Path: "/api/audits/{id}", Tags: tags, Security: bearer,
		Summary: "One audit with its answers, score, breakdown and findings"},
		func(ctx context.Context, in *struct {
			ID string `path:"id" maxLength:"64"`
		}) (*auditOutput, error) {
			a, err := svc.Audit(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return auditOut(a, now()), nil
		})

	// Lifecycle steps share one shape: the audit id, an optional If-Match.
	for _, st := range []struct {
		id, verb, summary string
		run               func(context.Context, *hse.Principal, string, int64) (*audit.Details, error)
	}{
		{"startAudit", "start", "Start a scheduled audit (the assigned auditor)", svc.Start},
		{"completeAudit", "complete", "Complete an audit: checks required items, scores it and raises findings", svc.Complete},
		{"closeAudit", "close", "Close a completed audit whose corrective actions are all verified (409 ACTIONS_OPEN otherwise; verifying the last action closes it by itself)", svc.Close},
	} {
		huma.Register(api, huma.Operation{OperationID: st.id, Method: http.MethodPost, Path: "/api/audits/{id}/" + st.verb, Tags: tags, Security: bearer,
			Summary: st.summary, Description: "An invalid step is 409 INVALID_TRANSITION with the current state and the allowed ones."},
			func(ctx context.Context, in *auditChange) (*auditOutput, error) {
				v, err := optionalVersion(in.IfMatch)
				if err != nil {
					return nil, fail(ctx, err)
				}
				a, err := st.run(ctx, principalFrom(ctx), in.ID, v)
				if err != nil {
					return nil, fail(ctx, err)
				}
				return auditOut(a, now()), nil
			})
	}

	huma.Register(api, huma.Operation{OperationID: "cancelAudit", Method: http.MethodPost, Path: "/api/audits/{id}/cancel", Tags: tags, Security: bearer,
		Summary: "Cancel an audit before completion", Description: "A reason is required."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40" doc:"optional: the audit's ETag; a stale one gets 412"`
			Body    struct {
				Reason string `json:"reason" maxLength:"500"`
			}
		}) (*auditOutput, error) {
			v, err := optionalVersion(in.IfMatch)
			if err != nil {
				return nil, fail(ctx, err)
			}
			a, err := svc.Cancel(ctx, principalFrom(ctx), in.ID, in.Body.Reason, v)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return auditOut(a, now()), nil
		})

	huma.Register(api, huma.Operation{OperationID: "saveAuditAnswer", Method: http.MethodPut, Path: "/api/audits/{id}/answers/{itemKey}", Tags: tags, Security: bearer,
		Summary: "Save one item's answer", Description: "Idempotent; works while the audit is In Progress. A value of the wrong type, out of range " +
			"or for an unknown item is 400 naming the item. pass_fail_na: \"pass\"|\"fail\"|\"na\"; yes_no: \"yes\"|\"no\"; rating: 1-5; " +
			"number: within min/max; date: \"YYYY-MM-DD\"; choice: one of the options; photo: attachmentIds only."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			ItemKey string `path:"itemKey" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40" doc:"optional: the audit's ETag; a stale one gets 412"`
			Body    struct {
				Value         json.RawMessage `json:"value,omitempty"`
				Note          string          `json:"note,omitempty" maxLength:"5000"`
				AttachmentIDs []string        `json:"attachmentIds,omitempty" maxItems:"20"`
				Severity      string          `json:"severity,omitempty" maxLength:"20" doc:"Minor, Major or Critical: the finding's severity should the item fail"`
			}
		}) (*auditOutput, error) {
			v, err := optionalVersion(in.IfMatch)
			if err != nil {
				return nil, fail(ctx, err)
			}
			a, err := svc.SaveAnswer(ctx, principalFrom(ctx), in.ID, in.ItemKey, checklist.Answer{Value: in.Body.Value, Note: in.Body.Note,
				AttachmentIDs: in.Body.AttachmentIDs, Severity: in.Body.Severity}, v)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return auditOut(a, now()), nil
		})
}
