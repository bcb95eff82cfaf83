package httpapi

import (
	"net/http"
	"strings"
)

// catchAll is the pattern that answers every /api/ request no route
// matched. It takes every method, so the mux never gets to its own 405:
// this handler works out whether the path exists with other methods.
const catchAll = "/api/"

// routeMethods are the methods API operations are registered with.
var routeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// unmatched answers a request that no route took: 405 with Allow when the
// path exists with other methods (PATCH on a resource that only has GET),
// an Allow list for OPTIONS on such a path, and otherwise 404. All are
// problem documents; metrics label them "unmatched", never by raw path.
func unmatched(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		MarkUnmatched(r)
		allowed := allowedMethods(mux, r)
		switch {
		case len(allowed) == 0:
			WriteProblem(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint: "+r.Method+" "+r.URL.Path)
		case r.Method == http.MethodOptions:
			// Not a CORS preflight (the CORS middleware answers those):
			// the plain HTTP question of what the path supports.
			w.Header().Set("Allow", strings.Join(append(allowed, http.MethodOptions), ", "))
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			WriteProblem(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
				r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+strings.Join(allowed, ", "))
		}
	}
}

// allowedMethods asks the mux, method by method, which routes other than
// the catch-all would serve r's path. The mux holds the registered
// operations, so the answer cannot drift from them.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var out []string
	for _, m := range routeMethods {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != catchAll {
			out = append(out, m)
		}
	}
	return out
}
