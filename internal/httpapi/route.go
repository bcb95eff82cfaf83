package httpapi

import (
	"context"
	"net/http"
	"strings"
)

// Route records which registered pattern served a request, for metrics and
// access logs. The outermost middleware installs it; the mux fills it in.
type Route struct {
	Pattern   string
	unmatched bool
}

type routeKey struct{}

// WithRoute returns a context carrying a route holder.
func WithRoute(ctx context.Context, rt *Route) context.Context {
	return context.WithValue(ctx, routeKey{}, rt)
}

// MarkUnmatched records that no real route served the request (the
// catch-all 404), so metrics label it "unmatched" and never use the path.
func MarkUnmatched(r *http.Request) {
	if rt, ok := r.Context().Value(routeKey{}).(*Route); ok {
		rt.unmatched = true
	}
}

// Label is the route label for metrics and logs: the pattern without its
// method, or "unmatched".
func (rt *Route) Label() string {
	if rt.unmatched || rt.Pattern == "" {
		return "unmatched"
	}
	if _, path, ok := strings.Cut(rt.Pattern, " "); ok {
		return path
	}
	return rt.Pattern
}

// CapturePattern wraps the mux so that the pattern it matched is recorded
// in the request's Route, even when the handler panics.
func CapturePattern(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if rt, ok := r.Context().Value(routeKey{}).(*Route); ok {
				rt.Pattern = r.Pattern // set by ServeMux on this request
			}
		}()
		mux.ServeHTTP(w, r)
	})
}
