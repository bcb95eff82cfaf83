// Package reqid carries the request id through a request's context, so that
// logs, problems and audit entries of one request can be tied together.
package reqid

import (
	"context"
	"regexp"

	"github.com/google/uuid"
)

type key struct{}

// Header is the request and response header that carries the id.
const Header = "X-Request-ID"

// sane accepts ids that proxies and clients commonly send; anything else is
// replaced, so no client can inject log lines or huge values.
var sane = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// FromHeader returns the client's id when it is sane, otherwise a new one.
func FromHeader(v string) string {
	if sane.MatchString(v) {
		return v
	}
	return uuid.Must(uuid.NewV7()).String()
}

// With returns a context carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// From returns the request id, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}
