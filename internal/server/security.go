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
	// The values are built once and assigned under their canonical names:
	// every response carries them, so per-request canonicalisation and
	// allocation show up on the liveness benchmark. Sharing the slices is
	// safe: Header.Set replaces a slice, and Add on a one-element slice
	// reallocates.
	document := []header{
		{"Content-Security-Policy", []string{contentSecurityPolicy}},
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"X-Frame-Options", []string{"DENY"}}, // for browsers without frame-ancestors
		{"Referrer-Policy", []string{"strict-origin-when-cross-origin"}},
		{"Permissions-Policy", []string{permissionsPolicy}},
		{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
	}
	// API answers are data, never rendered: they get the compact set of
	// the OWASP REST guidance. A JSON body that some browser did render
	// could load nothing and sit in no frame. Nearly every answer is
	// personal (a member's records, their tokens, their permissions), so
	// none may be kept by a browser or a shared cache: no-store is the
	// default, and the few answers that may be cached say so themselves
	// (file contents revalidate with their ETag; the API reference under
	// /api/docs is not an API path and is public).
	api := []header{
		{"Content-Security-Policy", []string{apiContentSecurityPolicy}},
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Cache-Control", []string{"no-store"}},
	}
	hstsValue := []string{hsts}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		set := document
		if isAPIPath(r.URL.Path) {
			set = api
		}
		for _, f := range set {
			h[f.key] = f.val
		}
		if isHTTPS(r, o.TrustProxy) {
			h["Strict-Transport-Security"] = hstsValue
		}
		next.ServeHTTP(w, r)
	})
}

type header struct {
	key string
	val []string
}

// apiContentSecurityPolicy forbids everything: an API response is data.
const apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

// isAPIPath reports whether a path serves data rather than a page: the JSON
// API and the metrics, but not the API reference page, which is a document.
func isAPIPath(p string) bool {
	if strings.HasPrefix(p, "/api/docs") {
		return false
	}
	return strings.HasPrefix(p, "/api/") || p == "/metrics"
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
