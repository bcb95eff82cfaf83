package server

import (
	"net/http"
	"strings"

	"github.com/hsedigital/hse/internal/httpapi"
)

// CORSOptions configure cross-origin access to the API. The web app is
// served from the API's own origin and needs none; these are for other
// front ends (a dev server on another port, a partner portal).
type CORSOptions struct {
	// AllowedOrigins are exact origins as browsers send them
	// (scheme://host[:port]), validated by config.LoadHTTP. There is no
	// wildcard: responses allow credentials.
	AllowedOrigins []string
}

// The preflight answers list what the API uses, so a browser can cache
// one answer per origin for all routes.
var (
	corsAllowMethods  = strings.Join([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, ", ")
	corsAllowHeaders  = strings.Join([]string{"Authorization", "Content-Type", "Idempotency-Key", "If-Match", "X-Request-ID", "X-CSRF-Token"}, ", ")
	corsExposeHeaders = strings.Join([]string{"ETag", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "X-Request-ID", "Location"}, ", ")
)

// corsMaxAge is how long (seconds) a browser may reuse a preflight answer.
const corsMaxAge = "600"

// cors answers preflight requests and marks responses to allowed origins
// as readable by them. A request from any other origin is served without
// CORS headers, so the browser keeps the response from the calling page;
// its preflight is refused outright with a problem that says why.
func cors(next http.Handler, o CORSOptions) http.Handler {
	allowed := make(map[string]bool, len(o.AllowedOrigins))
	for _, origin := range o.AllowedOrigins {
		allowed[origin] = true
	}
	vary := []string{"Origin"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if len(allowed) == 0 {
			// No origin is allowed, so no answer differs by Origin and
			// nothing needs Vary; cross-origin preflights are refused.
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" && r.Header.Get("Origin") != "" {
				httpapi.WriteProblem(w, http.StatusForbidden, "CORS_ORIGIN_DENIED",
					"origin "+r.Header.Get("Origin")+" may not call this API from a browser; it must be listed in CORS_ORIGINS")
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		// Every response depends on Origin, including those without CORS
		// headers: a shared cache must not hand one origin's answer to
		// another.
		if len(h["Vary"]) == 0 {
			h["Vary"] = vary
		} else {
			h.Add("Vary", "Origin")
		}
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if !allowed[origin] {
			if preflight {
				httpapi.WriteProblem(w, http.StatusForbidden, "CORS_ORIGIN_DENIED",
					"origin "+origin+" may not call this API from a browser; it must be listed in CORS_ORIGINS")
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		if preflight {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		next.ServeHTTP(w, r)
	})
}
