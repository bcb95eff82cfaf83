package httpapi

import (
	"context"
	"github.com/hsedigital/hse/internal/hse"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/audit"
)

// ScheduleView is an audit schedule (programme) as the API shows it.
type ScheduleView struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	StationID     string    `json:"stationId,omitempty" doc:"the station audited; absent when the schedule covers a region"`
	Region        string    `json:"region,omitempty" doc:"every active station of this region is audited"`
	TemplateID    string    `json:"templateId"`
	Frequency     string    `json:"frequency" enum:"weekly,monthly,quarterly,semiannually,yearly,days"`
	IntervalDays  int       `json:"intervalDays,omitempty" doc:"with frequency days: the days between occurrences"`
	StartDate     string    `json:"startDate" doc:"YYYY-MM-DD: the first occurrence; the others follow at the frequency"`
	EndDate       string    `json:"endDate,omitempty" doc:"YYYY-MM-DD: no occurrence after it"`
	WindowDays    int       `json:"windowDays" doc:"days an audit may be started in, from its date; then it is Missed"`
	LeadDays      int       `json:"leadDays" doc:"how far ahead the server creates the Scheduled audits"`
	AssigneeRule  string    `json:"assigneeRule" enum:"named,station_manager,round_robin"`
	AuditorUserID string    `json:"auditorUserId,omitempty"`
	GroupUserIDs  []string  `json:"groupUserIds,omitempty"`
	Active        bool      `json:"active"`
	Version       int64     `json:"version" doc:"also the ETag"`
	CreatedBy     string    `json:"createdBy"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

func scheduleView(s *audit.Schedule) ScheduleView {
	v := ScheduleView{ID: s.ID, Name: s.Name, StationID: s.StationID, Region: s.Region, TemplateID: s.TemplateID, Frequency: s.Frequency,
		IntervalDays: s.IntervalDays, StartDate: s.StartDate.Format(time.DateOnly), WindowDays: s.WindowDays, LeadDays: s.LeadDays,
		AssigneeRule: s.AssigneeRule, AuditorUserID: s.AuditorUserID, GroupUserIDs: s.GroupUserIDs, Active: s.Active, Version: s.Version,
		CreatedBy: s.CreatedBy, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	if s.EndDate != nil {
		v.EndDate = s.EndDate.Format(time.DateOnly)
	}
	return v
}

// ScheduleSaved is a saved schedule with what saving did to its audits.
type ScheduleSaved struct {
	Schedule ScheduleView     `json:"schedule"`
	Audits   audit.SyncReport `json:"audits"`
}

// scheduleBody is a new schedule or a change to one (absent fields keep
// their value on a change).
type scheduleBody struct {
	Name          *string  `json:"name,omitempty" maxLength:"200"`
	StationID     *string  `json:"stationId,omitempty" maxLength:"64"`
	Region        *string  `json:"region,omitempty" maxLength:"100"`
	TemplateID    *string  `json:"templateId,omitempty" maxLength:"64"`
	Frequency     *string  `json:"frequency,omitempty" enum:"weekly,monthly,quarterly,semiannually,yearly,days"`
	IntervalDays  *int     `json:"intervalDays,omitempty" minimum:"1" maximum:"3660"`
	StartDate     *string  `json:"startDate,omitempty" maxLength:"10" doc:"YYYY-MM-DD; default today"`
	EndDate       *string  `json:"endDate,omitempty" maxLength:"10" doc:"YYYY-MM-DD, or empty for none"`
	WindowDays    *int     `json:"windowDays,omitempty" minimum:"1" maximum:"366" doc:"default 7"`
	LeadDays      *int     `json:"leadDays,omitempty" minimum:"1" maximum:"366" doc:"default 30"`
	AssigneeRule  *string  `json:"assigneeRule,omitempty" enum:"named,station_manager,round_robin"`
	AuditorUserID *string  `json:"auditorUserId,omitempty" maxLength:"64"`
	GroupUserIDs  []string `json:"groupUserIds,omitempty" maxItems:"50"`
	Active        *bool    `json:"active,omitempty" doc:"false ends the schedule: its future unstarted audits are cancelled"`
	Version       *int64   `json:"version,omitempty" doc:"on a change: the version edited, when If-Match is not sent"`
}

func (b *scheduleBody) input() audit.ProgrammeInput {
	return audit.ProgrammeInput{Name: b.Name, StationID: b.StationID, Region: b.Region, TemplateID: b.TemplateID, Frequency: b.Frequency,
		IntervalDays: b.IntervalDays, StartDate: b.StartDate, EndDate: b.EndDate, WindowDays: b.WindowDays, LeadDays: b.LeadDays,
		AssigneeRule: b.AssigneeRule, AuditorUserID: b.AuditorUserID, GroupUserIDs: b.GroupUserIDs, Active: b.Active}
}

type scheduleOutput struct {
	ETag string `header:"ETag"`
	Body ScheduleSaved
}

func scheduleSaved(r *audit.ScheduleResult) *scheduleOutput {
	return &scheduleOutput{ETag: etag(r.Schedule.Version), Body: ScheduleSaved{Schedule: scheduleView(r.Schedule), Audits: r.Sync}}
}

// BulkView is what scheduling from the plan did.
type BulkView struct {
	Created []AuditView      `json:"created"`
	Skipped []audit.BulkSkip `json:"skipped"`
}

// AppliedView is what applying a suggested frequency changed.
type AppliedView struct {
	StationID string          `json:"stationId"`
	From      string          `json:"from" doc:"the station's audit frequency before"`
	To        string          `json:"to" doc:"the suggested frequency, now the station's"`
	Reason    string          `json:"reason"`
	Schedules []ScheduleSaved `json:"schedules" doc:"the station's schedules that took the frequency, with what their audits did"`
}

func registerProgrammes(api huma.API, d Deps) {
	svc := d.Audits
	tags := []string{"Audit programmes"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }

	huma.Register(api, huma.Operation{OperationID: "listAuditSchedules", Method: http.MethodGet, Path: "/api/audit-schedules", Tags: tags, Security: bearer,
		Summary: "Recurring audit schedules", Description: "Station-scoped members see the schedules of their stations."},
		func(ctx context.Context, _ *struct{}) (*itemsOutput[ScheduleView], error) {
			ss, err := svc.Schedules(ctx, principalFrom(ctx))
			if err != nil {
				return nil, fail(ctx, err)
			}
			views := make([]ScheduleView, 0, len(ss))
			for i := range ss {
				views = append(views, scheduleView(&ss[i]))
			}
			return items(views), nil
		})

	huma.Register(api, huma.Operation{OperationID: "createAuditSchedule", Method: http.MethodPost, Path: "/api/audit-schedules", Tags: tags, Security: bearer,
		DefaultStatus: 201, Summary: "Create a recurring audit schedule",
		Description: "For one station (stationId) or every active station of a region, against a template's latest published version. " +
			"The Scheduled audits of the occurrences within leadDays are created at once, the later ones by the daily run. " +
			"An archived template is 409 TEMPLATE_ARCHIVED."},
		func(ctx context.Context, in *struct{ Body scheduleBody }) (*scheduleOutput, error) {
			r, err := svc.CreateSchedule(ctx, principalFrom(ctx), in.Body.input())
			if err != nil {
				return nil, fail(ctx, err)
			}
			return scheduleSaved(r), nil
		})

	huma.Register(api, huma.Operation{OperationID: "getAuditSchedule", Method: http.MethodGet, Path: "/api/audit-schedules/{id}", Tags: tags, Security: bearer,
		Summary: "One audit schedule"},
		func(ctx context.Context, in *struct {
			ID string `path:"id" maxLength:"64"`
		}) (*struct {
			ETag string `header:"ETag"`
			Body ScheduleView
		}, error) {
			s, err := svc.ScheduleByID(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &struct {
				ETag string `header:"ETag"`
				Body ScheduleView
			}{ETag: etag(s.Version), Body: scheduleView(s)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "updateAuditSchedule", Method: http.MethodPatch, Path: "/api/audit-schedules/{id}", Tags: tags, Security: bearer,
		Summary: "Change an audit schedule",
		Description: "Future unstarted (Scheduled) audits follow the change: new dates in order, the template's latest version, a new auditor " +
			"when the assignee rule changed; those left without an occurrence are cancelled. Audits started, completed, missed or past stay. " +
			"If-Match or version is required (428 otherwise)."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40"`
			Body    scheduleBody
		}) (*scheduleOutput, error) {
			v, err := expectedVersion(in.IfMatch, in.Body.Version)
			if err != nil {
				return nil, versionProblem(ctx, d, err)
			}
			r, err := svc.UpdateSchedule(ctx, principalFrom(ctx), in.ID, in.Body.input(), v)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return scheduleSaved(r), nil
		})

	huma.Register(api, huma.Operation{OperationID: "rescheduleAudit", Method: http.MethodPost, Path: "/api/audits/{id}/reschedule", Tags: tags, Security: bearer,
		Summary: "Move a Scheduled audit to another date", Description: "Today or later, with a reason; the window moves with it. " +
			"Recorded in the audit's history. 409 AUDIT_NOT_SCHEDULED once started, completed, cancelled or missed."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40" doc:"optional: the audit's ETag; a stale one gets 412"`
			Body    struct {
				ScheduledFor string `json:"scheduledFor" maxLength:"10" doc:"YYYY-MM-DD"`
				Reason       string `json:"reason" maxLength:"500"`
			}
		}) (*auditOutput, error) {
			v, err := optionalVersion(in.IfMatch)
			if err != nil {
				return nil, fail(ctx, err)
			}
			a, err := svc.Reschedule(ctx, principalFrom(ctx), in.ID, in.Body.ScheduledFor, in.Body.Reason, v)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return auditOut(a, hse.Now(svc.Now)), nil
		})

	huma.Register(api, huma.Operation{OperationID: "reassignAudit", Method: http.MethodPost, Path: "/api/audits/{id}/reassign", Tags: tags, Security: bearer,
		Summary: "Give a Scheduled or In Progress audit to another auditor", Description: "The auditor must hold audits:conduct for the station; " +
			"a reason is required. Recorded in the audit's history; the new auditor gets audit:assigned."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40" doc:"optional: the audit's ETag; a stale one gets 412"`
			Body    struct {
				AuditorUserID string `json:"auditorUserId" maxLength:"64"`
				Reason        string `json:"reason" maxLength:"500"`
			}
		}) (*auditOutput, error) {
			v, err := optionalVersion(in.IfMatch)
			if err != nil {
				return nil, fail(ctx, err)
			}
			a, err := svc.Reassign(ctx, principalFrom(ctx), in.ID, in.Body.AuditorUserID, in.Body.Reason, v)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return auditOut(a, hse.Now(svc.Now)), nil
		})

	huma.Register(api, huma.Operation{OperationID: "scheduleAuditsFromPlan", Method: http.MethodPost, Path: "/api/audits/plan/schedule", Tags: tags,
		Security: bearer, Summary: "Schedule the plan's due stations in one call",
		Description: "Every station the plan lists as due in [from, to] (overdue ones included) without an open audit gets a Scheduled audit " +
			"on its due date (today when overdue), all in one transaction. stationIds limits the call; the stations left out are listed " +
			"in skipped with the reason. Without auditorUserId each station gets its last auditor, else the earliest member who may audit it."},
		func(ctx context.Context, in *struct {
			Body struct {
				TemplateID    string   `json:"templateId" maxLength:"64"`
				AuditorUserID string   `json:"auditorUserId,omitempty" maxLength:"64"`
				StationIDs    []string `json:"stationIds,omitempty" maxItems:"500"`
				From          string   `json:"from,omitempty" maxLength:"10" doc:"YYYY-MM-DD; default today"`
				To            string   `json:"to,omitempty" maxLength:"10" doc:"YYYY-MM-DD; default 90 days on"`
				WindowDays    int      `json:"windowDays,omitempty" minimum:"0" maximum:"366" doc:"days each audit may be started in; 0 for no window"`
			}
		}) (*struct{ Body BulkView }, error) {
			r, err := svc.ScheduleFromPlan(ctx, principalFrom(ctx), audit.BulkInput{TemplateID: in.Body.TemplateID, AuditorUserID: in.Body.AuditorUserID,
				StationIDs: in.Body.StationIDs, From: in.Body.From, To: in.Body.To, WindowDays: in.Body.WindowDays})
			if err != nil {
				return nil, fail(ctx, err)
			}
			v := BulkView{Created: make([]AuditView, 0, len(r.Created)), Skipped: r.Skipped}
			for i := range r.Created {
				v.Created = append(v.Created, auditView(&r.Created[i], hse.Now(svc.Now)))
			}
			return &struct{ Body BulkView }{Body: v}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "applySuggestedFrequency", Method: http.MethodPost, Path: "/api/audits/plan/apply-frequency", Tags: tags,
		Security: bearer, Summary: "Apply the plan's suggested frequency to a station and its schedules",
		Description: "The station's audit frequency becomes the higher one the plan suggests after Major or Critical findings, and each of its " +
			"active station schedules that is less frequent takes it (future unstarted audits follow). Needs audits:schedule and stations:update; " +
			"409 NO_SUGGESTION when there is none."},
		func(ctx context.Context, in *struct {
			Body struct {
				StationID string `json:"stationId" maxLength:"64"`
			}
		}) (*struct{ Body AppliedView }, error) {
			r, err := svc.ApplySuggestedFrequency(ctx, principalFrom(ctx), in.Body.StationID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			v := AppliedView{StationID: r.StationID, From: r.From, To: r.To, Reason: r.Reason, Schedules: make([]ScheduleSaved, 0, len(r.Schedules))}
			for _, sr := range r.Schedules {
				v.Schedules = append(v.Schedules, ScheduleSaved{Schedule: scheduleView(sr.Schedule), Audits: sr.Sync})
			}
			return &struct{ Body AppliedView }{Body: v}, nil
		})

	registerHistory(api, d, "listAuditHistory", "/api/audits", tags, "An audit's history, oldest first",
		"scheduled, status (fromStatus → toStatus), rescheduled, reassigned, schedule_changed (moved by its schedule), missed", svc.History)
}
