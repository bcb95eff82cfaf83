package httpapi

import (
	"net/http"
	"strings"

	"github.com/hsedigital/hse/internal/reqid"
)

// MarkUnmatched records that no real route served the request (the
// catch-all 404), so metrics label it "unmatched" and never use the path.
func MarkUnmatched(r *http.Request) {
	if info := reqid.InfoFrom(r.Context()); info != nil {
		info.Unmatched = true
	}
}

// RouteLabel is the route label for metrics and logs: the pattern the mux
// matched without its method, or "unmatched".
func RouteLabel(info *reqid.Info) string {
	if info == nil || info.Unmatched || info.Pattern == "" {
		return "unmatched"
	}
	if _, path, ok := strings.Cut(info.Pattern, " "); ok {
		return path
	}
	return info.Pattern
}

// CapturePattern wraps the mux so that the pattern it matched is recorded
// in the request's info, even when the handler panics.
func CapturePattern(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if info := reqid.InfoFrom(r.Context()); info != nil {
				info.Pattern = r.Pattern // set by ServeMux on this request
			}
		}()
		mux.ServeHTTP(w, r)
	})
}
