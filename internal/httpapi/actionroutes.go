package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/hse"
)

// ActionView is a corrective action as the API shows it.
type ActionView struct {
	ID              string     `json:"id"`
	Number          string     `json:"number" doc:"CA-<year>-<seq>"`
	SourceType      string     `json:"sourceType" enum:"finding,incident,permit,manual"`
	SourceID        string     `json:"sourceId,omitempty"`
	AuditID         string     `json:"auditId,omitempty"`
	StationID       string     `json:"stationId,omitempty"`
	StationName     string     `json:"stationName,omitempty" doc:"in lists"`
	Title           string     `json:"title"`
	Description     string     `json:"description"`
	AssigneeID      string     `json:"assigneeId,omitempty"`
	AssigneeName    string     `json:"assigneeName,omitempty" doc:"in lists"`
	DueOn           string     `json:"dueOn" doc:"YYYY-MM-DD"`
	Priority        string     `json:"priority" enum:"Low,Medium,High,Critical"`
	Severity        string     `json:"severity,omitempty" enum:"Minor,Major,Critical"`
	Status          string     `json:"status" enum:"Open,In Progress,Completed,Verified"`
	Overdue         bool       `json:"overdue" doc:"due before today and not done"`
	Escalated       bool       `json:"escalated" doc:"7 or more days overdue"`
	CompletedBy     string     `json:"completedBy,omitempty"`
	CompletedAt     *time.Time `json:"completedAt,omitempty"`
	CompletionNotes string     `json:"completionNotes,omitempty"`
	VerifiedBy      string     `json:"verifiedBy,omitempty"`
	VerifiedAt      *time.Time `json:"verifiedAt,omitempty"`
	AllowedNext     []string   `json:"allowedTransitions" doc:"states the lifecycle allows next (who may move it is checked on the move)"`
	Version         int64      `json:"version" doc:"send as If-Match (or version) with a change"`
	CreatedBy       string     `json:"createdBy,omitempty"`
	CreatedAt       time.Time  `json:"createdAt"`
	UpdatedAt       time.Time  `json:"updatedAt"`
}

// actionView shows an action on the day today (in the organization's time
// zone): overdue and escalated follow that day.
func actionView(a *capa.Action, today time.Time) ActionView {
	return ActionView{ID: a.ID, Number: a.Number, SourceType: a.SourceType, SourceID: a.SourceID, AuditID: a.AuditID,
		StationID: a.StationID, StationName: a.StationName, Title: a.Title, Description: a.Description, AssigneeID: a.AssigneeUserID, AssigneeName: a.AssigneeName,
		DueOn: a.DueOn.Format(time.DateOnly), Priority: a.Priority, Severity: a.Severity, Status: a.Status,
		Overdue: a.Overdue(today), Escalated: a.Escalated(today), CompletedBy: a.CompletedBy, CompletedAt: a.CompletedAt,
		CompletionNotes: a.CompletionNotes, VerifiedBy: a.VerifiedBy, VerifiedAt: a.VerifiedAt, AllowedNext: capa.Allowed(a.Status),
		Version: a.Version, CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

type actionOutput struct {
	ETag string `header:"ETag"`
	Body ActionView
}

var actionCSV = []CSVColumn[ActionView]{
	{"number", func(a ActionView) string { return a.Number }},
	{"title", func(a ActionView) string { return a.Title }},
	{"status", func(a ActionView) string { return a.Status }},
	{"priority", func(a ActionView) string { return a.Priority }},
	{"severity", func(a ActionView) string { return a.Severity }},
	{"dueOn", func(a ActionView) string { return a.DueOn }},
	{"overdue", func(a ActionView) string { return strconv.FormatBool(a.Overdue) }},
	{"escalated", func(a ActionView) string { return strconv.FormatBool(a.Escalated) }},
	{"assigneeId", func(a ActionView) string { return a.AssigneeID }},
	{"assignee", func(a ActionView) string { return a.AssigneeName }},
	{"stationId", func(a ActionView) string { return a.StationID }},
	{"station", func(a ActionView) string { return a.StationName }},
	{"sourceType", func(a ActionView) string { return a.SourceType }},
	{"sourceId", func(a ActionView) string { return a.SourceID }},
	{"createdAt", func(a ActionView) string { return a.CreatedAt.Format(time.RFC3339) }},
}

// actionDate parses an optional YYYY-MM-DD parameter, naming it when bad.
func actionDate(field, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, hse.Invalid("invalid date", hse.FieldError{Field: field, Message: "a date as YYYY-MM-DD"})
	}
	return &t, nil
}

type actionListInput struct {
	ListParams
	Mine       string `query:"mine" enum:"true,false" doc:"only actions assigned to you"`
	Overdue    string `query:"overdue" enum:"true,false" doc:"due before today and not Completed or Verified"`
	Escalated  string `query:"escalated" enum:"true,false" doc:"7 or more days overdue"`
	StationID  string `query:"stationId" maxLength:"64"`
	SourceType string `query:"sourceType" enum:"finding,incident,permit,manual"`
	SourceID   string `query:"sourceId" maxLength:"64"`
	AuditID    string `query:"auditId" maxLength:"64"`
	Status     string `query:"status" enum:"Open,In Progress,Completed,Verified"`
	AssigneeID string `query:"assigneeId" maxLength:"64"`
	Priority   string `query:"priority" enum:"Low,Medium,High,Critical"`
	DueFrom    string `query:"dueFrom" maxLength:"10" doc:"YYYY-MM-DD, inclusive"`
	DueTo      string `query:"dueTo" maxLength:"10" doc:"YYYY-MM-DD, inclusive"`
	Q          string `query:"q" maxLength:"100" doc:"search in number and title"`
}

func (in *actionListInput) filter(p *hse.Principal) (capa.Filter, error) {
	f := capa.Filter{Status: in.Status, Priority: in.Priority, StationID: in.StationID, SourceType: in.SourceType, SourceID: in.SourceID,
		AuditID: in.AuditID, AssigneeID: in.AssigneeID, Q: in.Q, Overdue: in.Overdue == "true", Escalated: in.Escalated == "true"}
	if in.Mine == "true" {
		f.AssigneeID = p.UserID
	}
	var err error
	if f.DueFrom, err = actionDate("dueFrom", in.DueFrom); err != nil {
		return f, err
	}
	f.DueTo, err = actionDate("dueTo", in.DueTo)
	return f, err
}

type actionPath struct {
	ID string `path:"id" maxLength:"64"`
}

func registerActions(api huma.API, d Deps) {
	svc := d.Actions
	tags := []string{"Corrective actions"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }
	now := func() time.Time {
		if svc.Now != nil {
			return svc.Now()
		}
		return time.Now()
	}
	out := func(ctx context.Context, a *capa.Action) *actionOutput {
		return &actionOutput{ETag: etag(a.Version), Body: actionView(a, principalFrom(ctx).Today(now()))}
	}

	op := huma.Operation{OperationID: "listActions", Method: http.MethodGet, Path: "/api/actions", Tags: tags, Security: bearer,
		Summary: "Corrective actions you may see",
		Description: "Station managers see their stations' actions and those assigned to them; contractors those assigned to them. " +
			"Sort by dueOn (default), createdAt, priority or number."}
	DocumentList[ActionView](api, &op)
	huma.Register(api, op, func(ctx context.Context, in *actionListInput) (*huma.StreamResponse, error) {
		page, err := in.PageRequest(capa.SortFields...)
		if err != nil {
			return nil, fail(ctx, err)
		}
		p := principalFrom(ctx)
		f, err := in.filter(p)
		if err != nil {
			return nil, fail(ctx, err)
		}
		return ListResponse(ctx, d, in.ListParams, page, func(ctx context.Context, page hse.PageRequest) (hse.Page[ActionView], error) {
			pg, err := svc.Actions(ctx, p, f, page)
			today := p.Today(now())
			return mapPage(pg, func(a *capa.Action) ActionView { return actionView(a, today) }), err
		}, actionCSV, "actions.csv")
	})

	huma.Register(api, huma.Operation{OperationID: "createAction", Method: http.MethodPost, Path: "/api/actions", Tags: tags, Security: bearer, DefaultStatus: 201,
		Summary:     "Raise a corrective action by hand",
		Description: "dueOn defaults by severity: Critical 3 days, Major 14, Minor or none 30. The assignee must be a member."},
		func(ctx context.Context, in *struct {
			Body struct {
				Title       string `json:"title" maxLength:"300"`
				Description string `json:"description,omitempty" maxLength:"10000"`
				AssigneeID  string `json:"assigneeId,omitempty" maxLength:"64"`
				StationID   string `json:"stationId,omitempty" maxLength:"64"`
				DueOn       string `json:"dueOn,omitempty" maxLength:"10" doc:"YYYY-MM-DD"`
				Priority    string `json:"priority,omitempty" doc:"Low, Medium (default), High or Critical"`
				Severity    string `json:"severity,omitempty" doc:"Minor, Major or Critical"`
			}
		}) (*actionOutput, error) {
			b := in.Body
			due, err := actionDate("dueOn", b.DueOn)
			if err != nil {
				return nil, fail(ctx, err)
			}
			a, err := svc.CreateAction(ctx, principalFrom(ctx), capa.NewInput{Title: b.Title, Description: b.Description, AssigneeID: b.AssigneeID,
				StationID: b.StationID, DueOn: due, Priority: b.Priority, Severity: b.Severity})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return out(ctx, a), nil
		})

	huma.Register(api, huma.Operation{OperationID: "getAction", Method: http.MethodGet, Path: "/api/actions/{id}", Tags: tags, Security: bearer,
		Summary: "One corrective action"},
		func(ctx context.Context, in *actionPath) (*actionOutput, error) {
			a, err := svc.Action(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return out(ctx, a), nil
		})

	huma.Register(api, huma.Operation{OperationID: "updateAction", Method: http.MethodPatch, Path: "/api/actions/{id}", Tags: tags, Security: bearer,
		Summary:     "Change an action's title, description, assignee, due date or priority",
		Description: "Send the version you edited as If-Match (or version in the body); a stale one gets 412 STALE_VERSION. The status changes only through start, complete, verify and reject."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40"`
			Body    struct {
				Title       *string `json:"title,omitempty" maxLength:"300"`
				Description *string `json:"description,omitempty" maxLength:"10000"`
				AssigneeID  *string `json:"assigneeId,omitempty" maxLength:"64" doc:"\"\" unassigns"`
				DueOn       *string `json:"dueOn,omitempty" maxLength:"10" doc:"YYYY-MM-DD"`
				Priority    *string `json:"priority,omitempty"`
				Version     *int64  `json:"version,omitempty" doc:"the version you edited, instead of If-Match"`
			}
		}) (*actionOutput, error) {
			v, err := expectedVersion(in.IfMatch, in.Body.Version)
			if err != nil {
				return nil, versionProblem(ctx, d, err)
			}
			b := in.Body
			c := capa.Change{Title: b.Title, Description: b.Description, AssigneeID: b.AssigneeID, Priority: b.Priority}
			if b.DueOn != nil {
				if c.DueOn, err = actionDate("dueOn", *b.DueOn); err != nil || c.DueOn == nil {
					return nil, fail(ctx, hse.Invalid("invalid date", hse.FieldError{Field: "dueOn", Message: "a date as YYYY-MM-DD"}))
				}
			}
			a, err := svc.UpdateAction(ctx, principalFrom(ctx), in.ID, v, c)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return out(ctx, a), nil
		})

	moves := []struct {
		move    capa.Move
		id, sum string
		desc    string
	}{
		{capa.MoveStart, "startAction", "Start work on an action (Open → In Progress)", "The assignee, or someone with actions:update."},
		{capa.MoveComplete, "completeAction", "Complete an action (In Progress → Completed)", "The assignee only, with actions:complete and notes on what was done."},
		{capa.MoveVerify, "verifyAction", "Verify a completed action (Completed → Verified)", "actions:verify, by someone other than the one who completed it. Verifying an audit's last open action closes the audit."},
		{capa.MoveReject, "rejectAction", "Fail verification (Completed → In Progress)", "actions:verify, with the reason."},
	}
	for _, m := range moves {
		huma.Register(api, huma.Operation{OperationID: m.id, Method: http.MethodPost, Path: "/api/actions/{id}/" + string(m.move), Tags: tags, Security: bearer,
			Summary: m.sum, Description: m.desc + " Any other move is 409 INVALID_TRANSITION with the current state and the allowed ones. If-Match is optional."},
			func(ctx context.Context, in *struct {
				ID      string `path:"id" maxLength:"64"`
				IfMatch string `header:"If-Match" maxLength:"40"`
				Body    *struct {
					Notes  string `json:"notes,omitempty" maxLength:"10000" doc:"complete: what was done"`
					Reason string `json:"reason,omitempty" maxLength:"10000" doc:"reject: what is still wrong"`
					// Evidence of the work, uploaded first with POST /api/upload.
					AttachmentIDs []string `json:"attachmentIds,omitempty" maxItems:"20" doc:"complete: uploaded files showing the work done"`
					Version       *int64   `json:"version,omitempty"`
				}
			}) (*actionOutput, error) {
				var v int64
				var note string
				var bodyVersion *int64
				var evidence []string
				if in.Body != nil {
					note, bodyVersion, evidence = in.Body.Notes, in.Body.Version, in.Body.AttachmentIDs
					if m.move == capa.MoveReject {
						note = in.Body.Reason
					}
				}
				if in.IfMatch != "" || bodyVersion != nil {
					var err error
					if v, err = expectedVersion(in.IfMatch, bodyVersion); err != nil {
						return nil, versionProblem(ctx, d, err)
					}
				}
				a, err := svc.Transition(ctx, principalFrom(ctx), in.ID, v, m.move, note, evidence)
				if err != nil {
					return nil, fail(ctx, err)
				}
				return out(ctx, a), nil
			})
	}

	registerHistory(api, d, "listActionHistory", "/api/actions", tags, "An action's history, oldest first",
		"created, assigned, status_changed, due_changed, updated, verification_failed", svc.History)
}
