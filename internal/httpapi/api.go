// Package httpapi holds the JSON API: one huma operation per route, request
// and response types, the error format and the generated OpenAPI document.
// Handlers decode, call one service method and encode; no SQL, no rules.
package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/hsedigital/hse/internal/buildinfo"
	"github.com/hsedigital/hse/internal/health"
)

// Deps are the services the handlers call.
type Deps struct {
	Logger *slog.Logger
	Health *health.Checker
	Build  buildinfo.Info
}

// New registers every route on mux and returns the API, whose OpenAPI
// document describes exactly what was registered.
func New(mux *http.ServeMux, d Deps) huma.API {
	cfg := huma.DefaultConfig("HSE Digital API", d.Build.Version)
	cfg.Info.Description = "Multi-tenant health, safety and environment compliance platform: " +
		"audits and inspections, incidents, corrective actions, contractors and permits to work."
	// The document and the reference page are served by this package (the
	// page without any CDN), and responses carry no $schema links.
	cfg.OpenAPIPath, cfg.DocsPath, cfg.SchemasPath = "", "", ""
	cfg.CreateHooks = nil
	api := humago.New(mux, cfg)

	registerHealth(mux, api, d)
	registerDocs(mux, api)
	// Unknown API paths get a problem document rather than the mux's text.
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		MarkUnmatched(r)
		WriteProblem(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	return api
}
