// Package hse is the domain: entities, errors, permissions, state machines
// and the services that enforce the rules. It imports nothing from internal/.
package hse

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies a domain error. The HTTP layer maps each kind to one
// status; nothing below it knows about HTTP.
type Kind int

// Error kinds.
const (
	KindInternal Kind = iota
	KindInvalid
	KindNotFound
	KindConflict
	KindUnauthorized
	KindForbidden
	KindRateLimited
	KindUnavailable
	// KindPrecondition: the client's If-Match names a version that is no
	// longer current (a stale write).
	KindPrecondition
	// KindTooLarge: the request's content is bigger than allowed (an
	// upload over the size limit).
	KindTooLarge
	// KindUnsupportedMedia: the content is of a type the operation does
	// not accept (an upload that is not an allowed file type).
	KindUnsupportedMedia
	// KindUnprocessable: a well-formed request that refers to something
	// that cannot be used (an attachment id that was never uploaded).
	KindUnprocessable
)

// FieldError names one invalid input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a domain error with a stable, machine-readable code.
type Error struct {
	Kind    Kind
	Code    string // e.g. EMAIL_NOT_VERIFIED; stable, for clients
	Message string // for people
	Fields  []FieldError
	// RetryAfter tells a rate-limited client when to try again.
	RetryAfter time.Duration
	// Details are extra machine-readable facts for the client, such as the
	// current state and allowed transitions of a refused state change.
	Details map[string]any
	Err     error // cause, never shown to clients
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error of the given kind and code.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input, naming each offending field.
func Invalid(msg string, fields ...FieldError) *Error {
	return &Error{Kind: KindInvalid, Code: "VALIDATION_FAILED", Message: msg, Fields: fields}
}

// NotFound reports a missing resource; "not yours" is reported the same way
// so that other tenants' ids reveal nothing.
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Code: "NOT_FOUND", Message: what + " not found"}
}

// KindOf returns the kind of err, KindInternal for foreign errors.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Forbidden reports a caller who may not do something.
func Forbidden(code, format string, args ...any) *Error {
	return &Error{Kind: KindForbidden, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Conflict reports a change the current state does not allow.
func Conflict(code, format string, args ...any) *Error {
	return &Error{Kind: KindConflict, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Unauthorized reports missing or bad credentials.
func Unauthorized(code, format string, args ...any) *Error {
	return &Error{Kind: KindUnauthorized, Code: code, Message: fmt.Sprintf(format, args...)}
}

// IsNotFound reports whether err is a not-found domain error.
func IsNotFound(err error) bool { return KindOf(err) == KindNotFound }

// StaleVersion reports a write based on a version that is no longer
// current: someone else changed the resource first.
func StaleVersion(what string, current int64) *Error {
	return &Error{Kind: KindPrecondition, Code: "STALE_VERSION",
		Message: what + " was changed by someone else; reload it and apply your change again",
		Details: map[string]any{"currentVersion": current}}
}

// InvalidTransition reports a state change the lifecycle does not allow,
// with the current state and the transitions that are allowed from it.
func InvalidTransition(what, current, attempted string, allowed []string) *Error {
	if allowed == nil {
		allowed = []string{}
	}
	return &Error{Kind: KindConflict, Code: "INVALID_TRANSITION",
		Message: what + " is " + current + "; it cannot be " + attempted,
		Details: map[string]any{"currentState": current, "allowedTransitions": allowed}}
}
