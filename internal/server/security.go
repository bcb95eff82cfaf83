package server

import (
	"net/http"
	"strings"
)

// SecurityOptions configure the browser security headers.
type SecurityOptions struct {
	// TrustProxy believes X-Forwarded-Proto from the load balancer when
	// deciding whether the request came over HTTPS. Only set it behind a
	// proxy that overwrites the header, or any client could claim HTTPS.
	TrustProxy bool
}

// contentSecurityPolicy fits the web app: a TypeScript SPA served from this
// origin, with no inline scripts or styles, that only talks to this API.
// Photos are previewed from data: and blob: URLs before upload.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
	"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// permissionsPolicy lets the app itself use the camera (photo evidence on
// inspections and incidents) and location (where a hazard was seen), and
// nothing else, not even embedded content, any of them.
const permissionsPolicy = "camera=(self), geolocation=(self), microphone=()"

// hsts pins HTTPS for two years. It is sent only on HTTPS responses:
// browsers ignore it over HTTP, and a local install on plain HTTP must not
// be told otherwise by a misread proxy header.
const hsts = "max-age=63072000; includeSubDomains"

// securityHeaders sets the browser security headers on every response.
// They are set before the handler runs, so a handler with special needs
// (a sandboxed file download, say) can still replace one.
func securityHeaders(next http.Handler, o SecurityOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY") // for browsers without frame-ancestors
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Permissions-Policy", permissionsPolicy)
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if isHTTPS(r, o.TrustProxy) {
			h.Set("Strict-Transport-Security", hsts)
		}
		next.ServeHTTP(w, r)
	})
}

// isHTTPS reports whether the client reached us over HTTPS: directly over
// TLS, or through a trusted proxy that says so. Of a list in
// X-Forwarded-Proto the first entry is the client's side of the chain.
func isHTTPS(r *http.Request, trustProxy bool) bool {
	if r.TLS != nil {
		return true
	}
	if !trustProxy {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}
