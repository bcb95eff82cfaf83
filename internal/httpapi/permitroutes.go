package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/permit"
)

// PermitView is a permit to work as the API shows it.
type PermitView struct {
	ID                 string     `json:"id"`
	Number             string     `json:"number" doc:"PTW-<year>-<seq>"`
	Type               string     `json:"type" doc:"the name of its permit type's version"`
	TypeKey            string     `json:"typeKey" doc:"the key of the organization's permit type (see /api/permit-types)"`
	TypeVersion        int        `json:"typeVersion" doc:"the version of the type the permit is held to; later edits of the type do not change it"`
	StationID          string     `json:"stationId"`
	StationName        string     `json:"stationName,omitempty" doc:"in lists"`
	ContractorID       string     `json:"contractorId,omitempty" doc:"absent for in-house work"`
	ContractorName     string     `json:"contractorName,omitempty" doc:"in lists"`
	RequestedBy        string     `json:"requestedBy"`
	RequesterName      string     `json:"requesterName,omitempty" doc:"in lists"`
	Description        string     `json:"description"`
	Location           string     `json:"location" doc:"the exact place of the work at the station"`
	ValidFrom          time.Time  `json:"validFrom"`
	ValidTo            time.Time  `json:"validTo"`
	OriginalValidTo    time.Time  `json:"originalValidTo" doc:"validTo before any extension"`
	Status             string     `json:"status" enum:"Draft,Pending Approval,Approved,Active,Suspended,Closed,Rejected,Cancelled,Expired"`
	AllowedTransitions []string   `json:"allowedTransitions" doc:"states the lifecycle allows next (who may move it, and the safety checks, apply on the move)"`
	ApprovedBy         string     `json:"approvedBy,omitempty"`
	ApprovedAt         *time.Time `json:"approvedAt,omitempty"`
	ActivatedBy        string     `json:"activatedBy,omitempty"`
	ActivatedAt        *time.Time `json:"activatedAt,omitempty"`
	ClosedBy           string     `json:"closedBy,omitempty"`
	ClosedAt           *time.Time `json:"closedAt,omitempty"`
	CloseNotes         string     `json:"closeNotes,omitempty"`
	Reason             string     `json:"reason,omitempty" doc:"why it was rejected or cancelled"`
	RetestDueAt        *time.Time `json:"retestDueAt,omitempty" doc:"while Active: when the next gas test is due; missed, the work is Suspended"`
	SuspendedAt        *time.Time `json:"suspendedAt,omitempty"`
	SuspensionReason   string     `json:"suspensionReason,omitempty" doc:"why Suspended work stopped"`
	AttachmentIDs      []string   `json:"attachmentIds"`
	Version            int64      `json:"version" doc:"send as If-Match (or version) with a change"`
	CreatedAt          time.Time  `json:"createdAt"`
	UpdatedAt          time.Time  `json:"updatedAt"`
}

func permitView(p *permit.Permit) PermitView {
	return PermitView{ID: p.ID, Number: p.Number, Type: p.Type, TypeKey: p.TypeKey, TypeVersion: p.TypeVersion, RetestDueAt: p.RetestDueAt,
		SuspendedAt: p.SuspendedAt, SuspensionReason: p.SuspensionReason, StationID: p.StationID, ContractorID: p.ContractorID, RequestedBy: p.RequestedBy,
		StationName: p.StationName, ContractorName: p.ContractorName, RequesterName: p.RequesterName,
		Description: p.Description, Location: p.Location, ValidFrom: p.ValidFrom, ValidTo: p.ValidTo, OriginalValidTo: p.OriginalValidTo,
		Status: p.Status, AllowedTransitions: permit.Allowed(p.Status), ApprovedBy: p.ApprovedBy, ApprovedAt: p.ApprovedAt,
		ActivatedBy: p.ActivatedBy, ActivatedAt: p.ActivatedAt, ClosedBy: p.ClosedBy, ClosedAt: p.ClosedAt, CloseNotes: p.CloseNotes,
		Reason: p.Reason, AttachmentIDs: nonNil(p.AttachmentIDs), Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// PrecautionView is one mandatory precaution of a permit.
type PrecautionView struct {
	Key         string     `json:"key"`
	Label       string     `json:"label"`
	Confirmed   bool       `json:"confirmed"`
	ConfirmedBy string     `json:"confirmedBy,omitempty"`
	ConfirmedAt *time.Time `json:"confirmedAt,omitempty"`
	Note        string     `json:"note,omitempty"`
}

// IsolationView is one lock-out/tag-out point of a permit.
type IsolationView struct {
	ID        string     `json:"id"`
	Point     string     `json:"point" doc:"what is isolated"`
	Method    string     `json:"method" doc:"how: lock, tag number"`
	Note      string     `json:"note,omitempty"`
	AppliedBy string     `json:"appliedBy"`
	AppliedAt time.Time  `json:"appliedAt"`
	Applied   bool       `json:"applied" doc:"still in place: the permit does not close until every isolation is removed"`
	RemovedBy string     `json:"removedBy,omitempty"`
	RemovedAt *time.Time `json:"removedAt,omitempty"`
}

// ExtensionView is one extension of a permit's validity.
type ExtensionView struct {
	ID         string    `json:"id"`
	OldValidTo time.Time `json:"oldValidTo"`
	NewValidTo time.Time `json:"newValidTo"`
	Reason     string    `json:"reason"`
	ExtendedBy string    `json:"extendedBy"`
	ExtendedAt time.Time `json:"extendedAt"`
}

// PermitDetailsView is a permit with its precautions, gas tests (newest
// first) and extensions (oldest first).
type PermitDetailsView struct {
	PermitView
	Precautions     []PrecautionView `json:"precautions" doc:"every mandatory precaution of the type; all must be confirmed before approval"`
	GasTestRequired bool             `json:"gasTestRequired"`
	// Durations are whole seconds in a field named for the unit, as
	// everywhere in the API (docs/api.md, Conventions).
	GasTestValiditySeconds int64           `json:"gasTestValiditySeconds,omitempty" doc:"how long a gas test stands, in seconds (14400 = 4 h); absent when the type needs none"`
	RetestIntervalSeconds  int64           `json:"retestIntervalSeconds,omitempty" doc:"while Active, the atmosphere is tested again this often, in seconds"`
	Gases                  []GasView       `json:"gases" doc:"what each gas test of this permit measures, and the safe limits"`
	GasTests               []GasTestView   `json:"gasTests"`
	Extensions             []ExtensionView `json:"extensions"`
	Isolations             []IsolationView `json:"isolations" doc:"lock-out/tag-out points, oldest first"`
}

type permitOutput struct {
	ETag string `header:"ETag"`
	Body PermitDetailsView
}

func permitOut(d *permit.Details) *permitOutput {
	v := PermitDetailsView{PermitView: permitView(d.Permit), Precautions: []PrecautionView{}, GasTests: []GasTestView{}, Extensions: []ExtensionView{},
		Isolations: []IsolationView{}, Gases: gasViews(d.Rule.Gases)}
	if r := d.Rule; r.GasTestRequired() {
		v.GasTestRequired, v.GasTestValiditySeconds, v.RetestIntervalSeconds = true, seconds(r.GasTestValidity), seconds(r.RetestInterval)
	}
	for _, i := range d.Isolations {
		v.Isolations = append(v.Isolations, IsolationView{ID: i.ID, Point: i.Point, Method: i.Method, Note: i.Note, AppliedBy: i.AppliedBy,
			AppliedAt: i.AppliedAt, Applied: i.Applied(), RemovedBy: i.RemovedBy, RemovedAt: i.RemovedAt})
	}
	for _, p := range d.Precautions {
		v.Precautions = append(v.Precautions, PrecautionView{Key: p.Key, Label: p.Label, Confirmed: p.Confirmed, ConfirmedBy: p.ConfirmedBy,
			ConfirmedAt: p.ConfirmedAt, Note: p.Note})
	}
	for i := range d.GasTests {
		v.GasTests = append(v.GasTests, gasTestView(&d.GasTests[i]))
	}
	for _, x := range d.Extensions {
		v.Extensions = append(v.Extensions, ExtensionView{ID: x.ID, OldValidTo: x.OldValidTo, NewValidTo: x.NewValidTo, Reason: x.Reason,
			ExtendedBy: x.ExtendedBy, ExtendedAt: x.ExtendedAt})
	}
	return &permitOutput{ETag: etag(d.Permit.Version), Body: v}
}

var permitCSV = []CSVColumn[PermitView]{
	{"number", func(p PermitView) string { return p.Number }},
	{"type", func(p PermitView) string { return p.Type }},
	{"status", func(p PermitView) string { return p.Status }},
	{"stationId", func(p PermitView) string { return p.StationID }},
	{"station", func(p PermitView) string { return p.StationName }},
	{"contractorId", func(p PermitView) string { return p.ContractorID }},
	{"contractor", func(p PermitView) string { return p.ContractorName }},
	{"location", func(p PermitView) string { return p.Location }},
	{"validFrom", func(p PermitView) string { return p.ValidFrom.Format(time.RFC3339) }},
	{"validTo", func(p PermitView) string { return p.ValidTo.Format(time.RFC3339) }},
	{"requestedBy", func(p PermitView) string { return p.RequestedBy }},
	{"requester", func(p PermitView) string { return p.RequesterName }},
	{"approvedBy", func(p PermitView) string { return p.ApprovedBy }},
	{"closedAt", func(p PermitView) string { return timeCell(p.ClosedAt) }},
	{"id", func(p PermitView) string { return p.ID }},
}

// permitTime parses an optional query instant: RFC 3339, or a day
// (YYYY-MM-DD, its start in UTC).
func permitTime(field, s string, fs *[]hse.FieldError) *time.Time {
	if s == "" {
		return nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return &t
	}
	*fs = append(*fs, hse.FieldError{Field: field, Message: "a date YYYY-MM-DD or a time in RFC 3339"})
	return nil
}

type permitListInput struct {
	ListParams
	Status       string `query:"status" enum:"Draft,Pending Approval,Approved,Active,Suspended,Closed,Rejected,Cancelled,Expired"`
	Type         string `query:"type" maxLength:"100" doc:"a permit type's key or name"`
	StationID    string `query:"stationId" maxLength:"64"`
	ContractorID string `query:"contractorId" maxLength:"64"`
	From         string `query:"from" maxLength:"40" doc:"permits valid at some time after this (YYYY-MM-DD or RFC 3339)"`
	To           string `query:"to" maxLength:"40" doc:"permits valid at some time before this (YYYY-MM-DD or RFC 3339, exclusive)"`
	Q            string `query:"q" maxLength:"100" doc:"search in number, description and location"`
}

func (in *permitListInput) filter() (permit.Filter, error) {
	var fs []hse.FieldError
	f := permit.Filter{Status: in.Status, Type: in.Type, StationID: in.StationID, ContractorID: in.ContractorID, Q: in.Q,
		From: permitTime("from", in.From, &fs), To: permitTime("to", in.To, &fs)}
	if len(fs) > 0 {
		return f, hse.Invalid("invalid filter", fs...)
	}
	return f, nil
}

type permitPath struct {
	ID string `path:"id" maxLength:"64"`
}

// permitVersion reads the optional version of a step on a permit: none
// means "whatever is current"; a bad If-Match is still refused.
func permitVersion(ifMatch string, body *int64) (int64, error) {
	if ifMatch == "" && body == nil {
		return 0, nil
	}
	return expectedVersion(ifMatch, body)
}

func registerPermits(api huma.API, d Deps) {
	svc := d.Permits
	tags := []string{"Permits to work"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }

	op := huma.Operation{OperationID: "listPermits", Method: http.MethodGet, Path: "/api/permits", Tags: tags, Security: bearer,
		Summary:     "Permits to work you may see",
		Description: "Station managers see their stations' permits, contractors their company's. Sort by validFrom (default), createdAt or number."}
	DocumentList[PermitView](api, &op)
	huma.Register(api, op, func(ctx context.Context, in *permitListInput) (*huma.StreamResponse, error) {
		page, err := in.PageRequest(permit.SortFields...)
		if err != nil {
			return nil, fail(ctx, err)
		}
		f, err := in.filter()
		if err != nil {
			return nil, fail(ctx, err)
		}
		p := principalFrom(ctx)
		return ListResponse(ctx, d, in.ListParams, page, func(ctx context.Context, page hse.PageRequest) (hse.Page[PermitView], error) {
			pg, err := svc.Permits(ctx, p, f, page)
			return mapPage(pg, permitView), err
		}, permitCSV, "permits.csv")
	})

	huma.Register(api, huma.Operation{OperationID: "permitBoard", Method: http.MethodGet, Path: "/api/permits/active", Tags: tags, Security: bearer,
		Summary:     "The station board: permits in force now at a station",
		Description: "Approved, Active and Suspended permits whose validity includes now. The station is required; one outside your scope is 404."},
		func(ctx context.Context, in *struct {
			Station   string `query:"station" maxLength:"64" doc:"the station id"`
			StationID string `query:"stationId" maxLength:"64" doc:"the same, under the name the other lists use"`
		}) (*itemsOutput[PermitView], error) {
			st := in.Station
			if st == "" {
				st = in.StationID
			}
			ps, err := svc.Board(ctx, principalFrom(ctx), st)
			if err != nil {
				return nil, fail(ctx, err)
			}
			views := make([]PermitView, 0, len(ps))
			for i := range ps {
				views = append(views, permitView(&ps[i]))
			}
			return items(views), nil
		})

	huma.Register(api, huma.Operation{OperationID: "createPermit", Method: http.MethodPost, Path: "/api/permits", Tags: tags, Security: bearer, DefaultStatus: 201,
		Summary: "Request a permit to work (a Draft)",
		Description: "permits:request. The permit is held to the current version of its type (typeVersion). " +
			"validTo − validFrom is at most the type's maxDurationSeconds. " +
			"contractorId is optional for in-house work; contractor staff always request for their own company. " +
			"attachmentIds must be files of the organization you may see (422 UNKNOWN_ATTACHMENT otherwise)."},
		func(ctx context.Context, in *struct {
			Body struct {
				Type          string    `json:"type" maxLength:"100" doc:"the key or name of one of the organization's active permit types (GET /api/permit-types)"`
				StationID     string    `json:"stationId" maxLength:"64"`
				ContractorID  string    `json:"contractorId,omitempty" maxLength:"64"`
				Description   string    `json:"description" maxLength:"5000"`
				Location      string    `json:"location" maxLength:"500"`
				ValidFrom     time.Time `json:"validFrom"`
				ValidTo       time.Time `json:"validTo"`
				AttachmentIDs []string  `json:"attachmentIds,omitempty" maxItems:"20"`
			}
		}) (*permitOutput, error) {
			b := in.Body
			pd, err := svc.CreatePermit(ctx, principalFrom(ctx), permit.Input{Type: &b.Type, StationID: &b.StationID, ContractorID: &b.ContractorID,
				Description: &b.Description, Location: &b.Location, ValidFrom: &b.ValidFrom, ValidTo: &b.ValidTo, AttachmentIDs: &b.AttachmentIDs})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return permitOut(pd), nil
		})

	huma.Register(api, huma.Operation{OperationID: "getPermit", Method: http.MethodGet, Path: "/api/permits/{id}", Tags: tags, Security: bearer,
		Summary: "One permit with its precautions, gas tests and extensions"},
		func(ctx context.Context, in *permitPath) (*permitOutput, error) {
			pd, err := svc.Permit(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return permitOut(pd), nil
		})

	huma.Register(api, huma.Operation{OperationID: "updatePermit", Method: http.MethodPatch, Path: "/api/permits/{id}", Tags: tags, Security: bearer,
		Summary: "Change a Draft permit",
		Description: "Send the version you edited as If-Match (or version in the body); a stale one gets 412 STALE_VERSION. " +
			"Only a Draft is edited (409 PERMIT_NOT_DRAFT); changing the type forgets the precautions confirmed for the old one."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40"`
			Body    struct {
				Type          *string    `json:"type,omitempty" maxLength:"100" doc:"a permit type's key or name; another type puts the draft under that type's current version"`
				ContractorID  *string    `json:"contractorId,omitempty" maxLength:"64" doc:"\"\" for in-house work"`
				Description   *string    `json:"description,omitempty" maxLength:"5000"`
				Location      *string    `json:"location,omitempty" maxLength:"500"`
				ValidFrom     *time.Time `json:"validFrom,omitempty"`
				ValidTo       *time.Time `json:"validTo,omitempty"`
				AttachmentIDs *[]string  `json:"attachmentIds,omitempty" maxItems:"20"`
				Version       *int64     `json:"version,omitempty" doc:"the version you edited, instead of If-Match"`
			}
		}) (*permitOutput, error) {
			v, err := expectedVersion(in.IfMatch, in.Body.Version)
			if err != nil {
				return nil, versionProblem(ctx, d, err)
			}
			b := in.Body
			pd, err := svc.UpdatePermit(ctx, principalFrom(ctx), in.ID, v, permit.Input{Type: b.Type, ContractorID: b.ContractorID,
				Description: b.Description, Location: b.Location, ValidFrom: b.ValidFrom, ValidTo: b.ValidTo, AttachmentIDs: b.AttachmentIDs})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return permitOut(pd), nil
		})

	huma.Register(api, huma.Operation{OperationID: "confirmPermitPrecaution", Method: http.MethodPut, Path: "/api/permits/{id}/precautions/{key}", Tags: tags, Security: bearer,
		Summary: "Confirm a mandatory precaution (or withdraw the confirmation)",
		Description: "While the permit is Draft or Pending Approval; by someone with permits:request, permits:activate or permits:approve. " +
			"The keys are the permit's precautions: those of its type's version (GET /api/permit-types). If-Match is optional."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			Key     string `path:"key" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40"`
			Body    *struct {
				Confirmed *bool  `json:"confirmed,omitempty" doc:"default true; false withdraws the confirmation"`
				Note      string `json:"note,omitempty" maxLength:"1000"`
				Version   *int64 `json:"version,omitempty"`
			}
		}) (*permitOutput, error) {
			confirmed, note := true, ""
			var bodyVersion *int64
			if in.Body != nil {
				if in.Body.Confirmed != nil {
					confirmed = *in.Body.Confirmed
				}
				note, bodyVersion = in.Body.Note, in.Body.Version
			}
			v, err := permitVersion(in.IfMatch, bodyVersion)
			if err != nil {
				return nil, versionProblem(ctx, d, err)
			}
			pd, err := svc.ConfirmPrecaution(ctx, principalFrom(ctx), in.ID, v, in.Key, confirmed, note)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return permitOut(pd), nil
		})

	registerGasTests(api, d, tags)
	registerIsolations(api, d, tags)

	moves := []struct {
		move    permit.Move
		id, sum string
		desc    string
	}{
		{permit.MoveSubmit, "submitPermit", "Submit a Draft for approval (Draft → Pending Approval)", "permits:request."},
		{permit.MoveApprove, "approvePermit", "Approve a permit (Pending Approval → Approved)",
			"permits:approve, never by the requester. Refused with 409 APPROVAL_REFUSED listing every reason in details.reasons " +
				"(code, message, ref): PRECAUTION_UNCONFIRMED, GAS_TEST_MISSING, GAS_TEST_FAILED, GAS_TEST_STALE, CONTRACTOR_NOT_ACTIVE, " +
				"CONTRACTOR_DOCUMENT_INVALID, PERMIT_CLASH (an unsafe pair of types at the station, or the same type at the same location), " +
				"SELF_APPROVAL, VALIDITY_PASSED."},
		{permit.MoveReject, "rejectPermit", "Reject a permit (Pending Approval → Rejected)", "permits:approve, with the reason."},
		{permit.MoveActivate, "activatePermit", "Start the work (Approved → Active)",
			"permits:activate. Re-checks the validity window, the gas test, clashes and the contractor: 409 ACTIVATION_REFUSED with details.reasons " +
				"(NOT_YET_VALID, VALIDITY_PASSED, GAS_TEST_*, PERMIT_CLASH, CONTRACTOR_NOT_ACTIVE, CONTRACTOR_DOCUMENT_INVALID)."},
		{permit.MoveClose, "closePermit", "Close out the work (Active or Suspended → Closed)",
			"permits:close, with close-out notes. Refused with 409 ISOLATIONS_APPLIED (details.isolationIds) while an isolation is still applied."},
		{permit.MoveSuspend, "suspendPermit", "Stop the work (Active → Suspended)",
			"permits:activate (the area authority) or permits:approve (the issuer), with the reason. The issuer is told (work_permit:suspended). " +
				"The system suspends by itself when a gas re-test is missed or fails."},
		{permit.MoveResume, "resumePermit", "Restart suspended work (Suspended → Active)",
			"permits:activate. Needs a passing gas test taken since the suspension and not yet due again, when the type tests gases, and the " +
				"validity not over: 409 RESUME_REFUSED with details.reasons (GAS_TEST_MISSING, GAS_TEST_FAILED, GAS_TEST_STALE, VALIDITY_PASSED)."},
		{permit.MoveCancel, "cancelPermit", "Cancel a permit before the work starts (Draft, Pending Approval or Approved → Cancelled)",
			"permits:request or permits:approve; the reason is optional."},
	}
	for _, m := range moves {
		huma.Register(api, huma.Operation{OperationID: m.id, Method: http.MethodPost, Path: "/api/permits/{id}/" + string(m.move), Tags: tags, Security: bearer,
			Summary: m.sum, Description: m.desc + " Any other move is 409 INVALID_TRANSITION with the current state and the allowed ones. If-Match is optional."},
			func(ctx context.Context, in *struct {
				ID      string `path:"id" maxLength:"64"`
				IfMatch string `header:"If-Match" maxLength:"40"`
				Body    *struct {
					Notes   string `json:"notes,omitempty" maxLength:"5000" doc:"close: the state the work and the site were left in"`
					Reason  string `json:"reason,omitempty" maxLength:"5000" doc:"reject and suspend (required), cancel"`
					Version *int64 `json:"version,omitempty"`
				}
			}) (*permitOutput, error) {
				var note string
				var bodyVersion *int64
				if in.Body != nil {
					note, bodyVersion = in.Body.Reason, in.Body.Version
					if m.move == permit.MoveClose {
						note = in.Body.Notes
					}
				}
				v, err := permitVersion(in.IfMatch, bodyVersion)
				if err != nil {
					return nil, versionProblem(ctx, d, err)
				}
				pd, err := svc.Transition(ctx, principalFrom(ctx), in.ID, v, m.move, note)
				if err != nil {
					return nil, fail(ctx, err)
				}
				return permitOut(pd), nil
			})
	}

	huma.Register(api, huma.Operation{OperationID: "extendPermit", Method: http.MethodPost, Path: "/api/permits/{id}/extend", Tags: tags, Security: bearer,
		Summary: "Extend an Approved or Active permit",
		Description: "permits:approve, never by the requester, with the reason; Approved, Active or Suspended. Under the permit's type version: " +
			"one extension adds at most maxExtensionSeconds, there are at most maxExtensions of them (409 EXTENSION_LIMIT), and the " +
			"span from validFrom stays within maxTotalSeconds. Refused with every reason at once as 409 EXTENSION_REFUSED: " +
			"SELF_APPROVAL, CONTRACTOR_NOT_ACTIVE or CONTRACTOR_DOCUMENT_INVALID through the new validTo, PERMIT_CLASH of the longer window. " +
			"The extension is kept against the original, with the old and new validTo. If-Match is optional."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40"`
			Body    struct {
				ValidTo time.Time `json:"validTo"`
				Reason  string    `json:"reason,omitempty" maxLength:"2000" doc:"required: why the work needs longer"`
				Version *int64    `json:"version,omitempty"`
			}
		}) (*permitOutput, error) {
			v, err := permitVersion(in.IfMatch, in.Body.Version)
			if err != nil {
				return nil, versionProblem(ctx, d, err)
			}
			pd, err := svc.Extend(ctx, principalFrom(ctx), in.ID, v, in.Body.ValidTo, in.Body.Reason)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return permitOut(pd), nil
		})

	registerHistory(api, d, "listPermitHistory", "/api/permits", tags, "A permit's history, oldest first",
		"created, updated, status_changed, precaution_confirmed, precaution_cleared, gas_test_recorded, extended, isolation_applied, "+
			"isolation_removed; expiry and the system's suspensions have no actor", svc.History)
}
