package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/reqid"
)

// Problem is the one error format of the API: RFC 9457 problem details with
// a stable machine-readable code and, for validation, the fields at fault.
type Problem struct {
	Type      string           `json:"type,omitempty"`
	Title     string           `json:"title"`
	Status    int              `json:"status"`
	Code      string           `json:"code"`
	Detail    string           `json:"detail,omitempty"`
	RequestID string           `json:"requestId,omitempty"`
	Errors    []hse.FieldError `json:"errors,omitempty"`
	Details   map[string]any   `json:"details,omitempty"`
}

// Error implements error.
func (p *Problem) Error() string { return p.Detail }

// GetStatus lets huma set the response status.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// codeForStatus gives the default code of a status.
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return "VALIDATION_FAILED"
	case http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case http.StatusForbidden:
		return "FORBIDDEN"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusMethodNotAllowed:
		return "METHOD_NOT_ALLOWED"
	case http.StatusConflict:
		return "CONFLICT"
	case http.StatusPreconditionFailed:
		return "PRECONDITION_FAILED"
	case http.StatusRequestEntityTooLarge:
		return "PAYLOAD_TOO_LARGE"
	case http.StatusUnsupportedMediaType:
		return "UNSUPPORTED_MEDIA_TYPE"
	case http.StatusTooManyRequests:
		return "RATE_LIMITED"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	}
	if status >= 500 {
		return "INTERNAL"
	}
	return strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_"))
}

// statusForKind is the one table from domain error kinds to HTTP statuses.
var statusForKind = map[hse.Kind]int{
	hse.KindInternal:         http.StatusInternalServerError,
	hse.KindInvalid:          http.StatusBadRequest,
	hse.KindNotFound:         http.StatusNotFound,
	hse.KindConflict:         http.StatusConflict,
	hse.KindUnauthorized:     http.StatusUnauthorized,
	hse.KindForbidden:        http.StatusForbidden,
	hse.KindRateLimited:      http.StatusTooManyRequests,
	hse.KindUnavailable:      http.StatusServiceUnavailable,
	hse.KindPrecondition:     http.StatusPreconditionFailed,
	hse.KindTooLarge:         http.StatusRequestEntityTooLarge,
	hse.KindUnsupportedMedia: http.StatusUnsupportedMediaType,
	hse.KindUnprocessable:    http.StatusUnprocessableEntity,
}

// newProblem replaces huma's error constructor, so that huma's own
// validation errors and ours share one format.
func newProblem(status int, msg string, errs ...error) huma.StatusError {
	p := &Problem{Title: http.StatusText(status), Status: status, Code: codeForStatus(status), Detail: msg}
	for _, err := range errs {
		if err == nil {
			continue
		}
		var d huma.ErrorDetailer
		if errors.As(err, &d) {
			ed := d.ErrorDetail()
			p.Errors = append(p.Errors, hse.FieldError{Field: fieldName(ed.Location), Message: ed.Message})
			continue
		}
		p.Errors = append(p.Errors, hse.FieldError{Message: err.Error()})
	}
	// huma answers schema violations with 422; this API uses 400 for every
	// malformed request and keeps 422 for requests that are well-formed but
	// cannot be processed (an idempotency key reused with another body).
	if status == http.StatusUnprocessableEntity {
		p.Status, p.Title = http.StatusBadRequest, http.StatusText(http.StatusBadRequest)
	}
	if p.Status == http.StatusBadRequest && len(p.Errors) > 0 && p.Detail != "" {
		p.Detail = strings.TrimSuffix(p.Detail, ".") + ": " + describeFields(p.Errors)
	}
	return p
}

// fieldName turns huma's location ("body.station.name", "query.limit") into
// the client's name of the field.
func fieldName(loc string) string {
	for _, prefix := range []string{"body.", "query.", "path.", "header."} {
		if strings.HasPrefix(loc, prefix) {
			return strings.TrimPrefix(loc, prefix)
		}
	}
	return loc
}

func describeFields(fs []hse.FieldError) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		if f.Field == "" || f.Field == "body" {
			parts = append(parts, f.Message)
			continue
		}
		parts = append(parts, f.Field+": "+f.Message)
	}
	return strings.Join(parts, "; ")
}

func init() {
	// huma keeps its error constructor in a package variable; this is the
	// documented way to change the error format.
	huma.NewError = newProblem
	// Field names are matched exactly: encoding/json would otherwise take
	// "timezone" for "timeZone", and a misspelt field must be refused by
	// name rather than half-applied.
	huma.ValidateStrictCasing = true
	huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		se := newProblem(status, msg, errs...)
		if p, ok := se.(*Problem); ok && ctx != nil {
			p.RequestID = reqid.From(ctx.Context())
		}
		return se
	}
}

// problemFor converts an error from a service into a problem. Internal
// errors are logged once with the request id and shown as "internal error".
// A rate-limit refusal and an unavailable dependency (503 UNAVAILABLE)
// carry Retry-After.
func problemFor(ctx context.Context, log *slog.Logger, err error) error {
	var de *hse.Error
	if !errors.As(err, &de) || de.Kind == hse.KindInternal {
		log.ErrorContext(ctx, "internal error", "err", err)
		return &Problem{Title: "Internal Server Error", Status: 500, Code: "INTERNAL", Detail: "internal error", RequestID: reqid.From(ctx)}
	}
	if de.Kind == hse.KindUnavailable && de.Err != nil {
		// A dependency is down: worth a line per request, like an internal
		// error, but the client is only told to retry.
		log.WarnContext(ctx, "dependency unavailable", "err", err)
	}
	status := statusForKind[de.Kind]
	p := &Problem{Title: http.StatusText(status), Status: status, Code: de.Code, Detail: de.Message, Errors: de.Fields,
		Details: de.Details, RequestID: reqid.From(ctx)}
	var limited *auth.LimitedError
	if errors.As(err, &limited) {
		h := http.Header{}
		for k, v := range limited.Decision.HeaderValues() {
			h.Set(k, v)
		}
		return huma.ErrorWithHeaders(p, h)
	}
	if de.RetryAfter > 0 {
		secs := int64((de.RetryAfter + time.Second - 1) / time.Second)
		return huma.ErrorWithHeaders(p, http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}})
	}
	return p
}

// WriteProblem writes a problem outside huma (middleware, plain handlers).
func WriteProblem(w http.ResponseWriter, status int, code, detail string) {
	WriteProblemFields(w, status, code, detail, nil)
}

// WriteProblemFields writes a problem outside huma that names the fields
// at fault, as a validation problem from a handler does.
func WriteProblemFields(w http.ResponseWriter, status int, code, detail string, fields []hse.FieldError) {
	if code == "" {
		code = codeForStatus(status)
	}
	p := Problem{Title: http.StatusText(status), Status: status, Code: code, Detail: detail, Errors: fields,
		RequestID: w.Header().Get("X-Request-ID")}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}
