// Package httpapi holds the JSON API: one huma operation per route, request
// and response types, the error format and the generated OpenAPI document.
// Handlers decode, call one service method and encode; no SQL, no rules.
package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/hsedigital/hse/internal/attachment"
	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/buildinfo"
	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/comment"
	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/health"
	"github.com/hsedigital/hse/internal/identity"
	"github.com/hsedigital/hse/internal/importer"
	"github.com/hsedigital/hse/internal/incident"
	"github.com/hsedigital/hse/internal/permit"
	"github.com/hsedigital/hse/internal/station"
)

// Deps are the services the handlers call.
type Deps struct {
	Logger   *slog.Logger
	Health   *health.Checker
	Build    buildinfo.Info
	Identity *identity.Service // nil serves only health and docs (tests)
	Auth     Authenticator
	Limiter  auth.Limiter
	Limits   APILimits
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
	// MaxBodyBytes bounds JSON request bodies of every operation that does
	// not set its own limit.
	MaxBodyBytes int64
	// Backup locates backups for GET /api/backup/health.
	Backup BackupDeps
	// OrgInitializers add starter content to organizations at signup.
	OrgInitializers []identity.OrgInitializer
	// Audits serves /api/forms and /api/audits when set.
	Audits *audit.Service
	// Stations serves /api/stations when set.
	Stations *station.Service
	// Contractors serves /api/contractors when set.
	Contractors *contractor.Service
	// Actions serves /api/actions when set.
	Actions *capa.Service
	// Comments serves the comments of the records its targets name.
	Comments *comment.Service
	// Permits serves /api/permits when set.
	Permits *permit.Service
	// Files serves /api/upload and /api/attachments when set.
	Files *attachment.Service
	// Incidents serves /api/incidents when set.
	Incidents *incident.Service
	// Imports serves /api/imports when set.
	Imports *importer.Service
}

// humaDefaultMaxBodyBytes is the limit huma gives operations that set none.
const humaDefaultMaxBodyBytes = 1024 * 1024

// New registers every route on mux and returns the API, whose OpenAPI
// document describes exactly what was registered.
func New(mux *http.ServeMux, d Deps) huma.API {
	cfg := huma.DefaultConfig("HSE Digital API", d.Build.Version)
	cfg.Info.Description = "Multi-tenant health, safety and environment compliance platform: " +
		"audits and inspections, incidents, corrective actions, contractors and permits to work.\n\n" +
		"Every error is an RFC 9457 problem document with a stable `code`. Text that cannot be stored " +
		"(a NUL, bytes that are not UTF-8, a lone surrogate escape) anywhere in the path, query, headers " +
		"or JSON body is `400 INVALID_CHARACTERS` naming the field; a method a path does not have is " +
		"`405 METHOD_NOT_ALLOWED` with `Allow`; a database that cannot be reached is " +
		"`503 UNAVAILABLE` with `Retry-After`. API answers carry `Cache-Control: no-store`."
	// The document and the reference page are served by this package (the
	// page without any CDN), and responses carry no $schema links.
	cfg.OpenAPIPath, cfg.DocsPath, cfg.SchemasPath = "", "", ""
	cfg.CreateHooks = nil
	if d.MaxBodyBytes > 0 {
		// huma fills in its own default before these hooks run, so that
		// default counts as "not set by the operation".
		cfg.OnAddOperation = append(cfg.OnAddOperation, func(_ *huma.OpenAPI, op *huma.Operation) {
			if op.MaxBodyBytes == 0 || op.MaxBodyBytes == humaDefaultMaxBodyBytes {
				op.MaxBodyBytes = d.MaxBodyBytes
			}
		})
	}
	api := humago.New(mux, cfg)

	api.OpenAPI().Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT",
			Description: "An access token from POST /api/auth/login, valid 15 minutes, bound to one organization."},
	}
	api.UseMiddleware(authMiddleware(d))

	registerHealth(mux, api, d)
	if d.Identity != nil {
		registerAuth(api, d)
		registerOrganizations(api, d)
		registerMembers(api, d)
		registerRoles(api, d)
		registerAdmin(api, d)
		registerAuditLog(api, d)
		registerBackup(api, d)
	}
	if d.Stations != nil {
		registerStations(api, d)
	}
	if d.Contractors != nil {
		registerContractors(api, d)
	}
	if d.Actions != nil {
		registerActions(api, d)
	}
	if d.Permits != nil {
		registerPermits(api, d)
		registerPermitTypes(api, d)
	}
	if d.Files != nil {
		registerFiles(api, d)
	}
	if d.Incidents != nil {
		registerIncidents(api, d)
	}
	if d.Audits != nil {
		registerForms(api, d)
		registerAudits(api, d)
		registerProgrammes(api, d)
	}
	if d.Comments != nil {
		registerComments(api, d)
	}
	if d.Imports != nil {
		registerImports(api, d)
	}
	registerDocs(mux, api)
	mux.HandleFunc(catchAll, unmatched(mux))
	return api
}
