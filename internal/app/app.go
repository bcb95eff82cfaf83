// Package app assembles the platform from its configuration: database,
// Redis, services, HTTP API and server. `hse serve`, the admin commands and
// the integration tests all build it the same way.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/redis/go-redis/v9"
	"gocloud.dev/blob"

	"github.com/hsedigital/hse/internal/attachment"
	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/auth"
	"github.com/hsedigital/hse/internal/backup"
	"github.com/hsedigital/hse/internal/blobstore"
	"github.com/hsedigital/hse/internal/buildinfo"
	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/comment"
	"github.com/hsedigital/hse/internal/config"
	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/health"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/httpapi"
	"github.com/hsedigital/hse/internal/idempotency"
	"github.com/hsedigital/hse/internal/identity"
	"github.com/hsedigital/hse/internal/importer"
	"github.com/hsedigital/hse/internal/incident"
	"github.com/hsedigital/hse/internal/mail"
	"github.com/hsedigital/hse/internal/notify"
	"github.com/hsedigital/hse/internal/outbox"
	"github.com/hsedigital/hse/internal/permit"
	"github.com/hsedigital/hse/internal/redisconn"
	"github.com/hsedigital/hse/internal/server"
	"github.com/hsedigital/hse/internal/sqlstore"
	"github.com/hsedigital/hse/internal/station"
	"github.com/hsedigital/hse/internal/webapp"
	"github.com/hsedigital/hse/web"
)

// Options override parts of the assembly, for tests.
type Options struct {
	Mailer hse.Mailer       // default: SMTP or files, from the configuration
	Now    func() time.Time // default: the wall clock
	// Idempotency adjusts the Idempotency-Key middleware's options: fault
	// hooks and timings for tests of crashes and takeovers.
	Idempotency func(*idempotency.Options)
}

// App is the assembled platform.
type App struct {
	Config   *config.Config
	Log      *slog.Logger
	DB       *sqlstore.DB
	Redis    *redis.Client // nil when not configured
	Identity *identity.Service
	Stations *station.Service
	// Audits serves checklist templates and audits.
	Audits *audit.Service
	// Contractors is the contractor companies service.
	Contractors *contractor.Service
	// Actions is the corrective actions service.
	Actions *capa.Service
	// Relay delivers the domain events of the outbox to its handlers;
	// serve runs it, and consumers add themselves to Relay.Handlers.
	Relay *outbox.Relay
	// Comments is the discussion on incidents, actions and permits.
	Comments *comment.Service
	// Permits is the permits-to-work service.
	Permits *permit.Service
	// Incidents is the incidents service.
	Incidents *incident.Service
	// Imports brings records in from CSV and XLSX files.
	Imports *importer.Service
	// Files stores and serves uploaded files (HSE_FILES_BUCKET).
	Files  *attachment.Service
	Health *health.Checker
	Server *server.Server
	API    http.Handler // the full middleware chain
	// OpenAPI describes every registered operation (the route-walking
	// isolation test enumerates it).
	OpenAPI *huma.OpenAPI
	// BackupBucket is HSE_BACKUP_BUCKET opened; nil when unset.
	BackupBucket *backup.Remote

	ownsDB      bool         // opened by New, so closed by Close
	filesBucket *blob.Bucket // closed by Close
}

// New opens the database (which must already be migrated as far as the
// caller requires) and builds every service around it.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, opts Options) (*App, error) {
	db, err := sqlstore.Open(ctx, sqlstore.Options{Engine: cfg.Engine, URL: cfg.DatabaseURL, Path: cfg.SQLitePath, PoolSize: cfg.DatabasePoolSize})
	if err != nil {
		return nil, err
	}
	a, err := NewWithDB(ctx, cfg, log, db, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.ownsDB = true
	return a, nil
}

// NewWithDB builds the platform on an open database.
func NewWithDB(ctx context.Context, cfg *config.Config, log *slog.Logger, db *sqlstore.DB, opts Options) (*App, error) {
	a := &App{Config: cfg, Log: log, DB: db}
	var redisPing health.Pinger
	// The limiters follow the services' clock, so that tests with a fake
	// clock see limits recover.
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	var limiter auth.Limiter = auth.NewMemoryLimiter(auth.WithClock(now))
	if cfg.RedisURL != "" {
		rc, err := redisconn.Open(cfg.RedisURL)
		if err != nil {
			return nil, err
		}
		a.Redis = rc
		redisPing = func(ctx context.Context) error { return redisconn.Ping(ctx, rc) }
		// Redis makes limits shared across replicas; when it fails they
		// fall back to this process, never to unlimited.
		limiter = auth.NewFallback(auth.NewRedisLimiter(rc, auth.WithClock(now)), limiter, log, auth.WithClock(now))
	}

	mailer := opts.Mailer
	if mailer == nil {
		m, err := mail.New(cfg.Mail, cfg.DataDir, log)
		if err != nil {
			return nil, err
		}
		mailer = m
	}
	if cfg.JWTSecret == "" || cfg.RefreshSecret == "" {
		return nil, errors.New("JWT_SECRET and REFRESH_SECRET must be set (development generates them on serve)")
	}
	keys, err := auth.NewKeyring(cfg.JWTSecret, cfg.JWTSecretPrevious)
	if err != nil {
		return nil, fmt.Errorf("JWT_SECRET: %w", err)
	}
	hasher, err := auth.NewRefreshHasher(cfg.RefreshSecret, cfg.RefreshSecretPrevious)
	if err != nil {
		return nil, fmt.Errorf("REFRESH_SECRET: %w", err)
	}
	a.Identity = &identity.Service{Store: db.Identity(), Keys: keys, Hasher: hasher, Limiter: limiter, Mailer: mailer,
		Log: log, PublicURL: cfg.HTTP.PublicURL, Now: opts.Now, PrincipalTTL: cfg.PrincipalCacheTTL}

	a.Stations = &station.Service{Store: db.Stations(), Now: opts.Now, ScopeChanged: a.Identity.ForgetPrincipals}
	a.Audits = &audit.Service{Store: db.Audits(), Now: opts.Now}
	a.Contractors = &contractor.Service{Store: db.Contractors(), Now: opts.Now}
	a.Actions = &capa.Service{Store: db.Actions(), Now: opts.Now}
	a.Incidents = &incident.Service{Store: db.Incidents(), Now: opts.Now}
	a.Permits = &permit.Service{Store: db.Permits(), Now: opts.Now}
	a.Comments = &comment.Service{Store: db.Comments(), Now: opts.Now, Targets: map[string]comment.Target{
		"action": commentTarget(a.Actions.Action, func(x *capa.Action) string { return x.StationID },
			capa.PermCreate, capa.PermUpdate, capa.PermComplete, capa.PermVerify),
		"incident": commentTarget(a.Incidents.Incident, func(x *incident.Incident) string { return x.StationID },
			incident.PermReport, incident.PermInvestigate, incident.PermClose),
		"permit": commentTarget(a.Permits.Permit, func(x *permit.Details) string { return x.Permit.StationID },
			permit.PermRequest, permit.PermApprove, permit.PermActivate, permit.PermClose),
	}}
	a.Imports = &importer.Service{Store: db.Imports(), Inviter: a.Identity, Log: log, Now: opts.Now}
	if a.filesBucket, err = blobstore.Open(ctx, cfg.Files.Bucket); err != nil {
		return nil, fmt.Errorf("HSE_FILES_BUCKET: %w", err)
	}
	a.Files = attachment.NewService(db.Attachments(), a.filesBucket, cfg.Files.MaxBytes, cfg.Files.MaxPixels, opts.Now, log)
	a.Files.Links = attachment.NewSigner(cfg.JWTSecret, cfg.JWTSecretPrevious)

	a.Health = health.New(db, redisPing, cfg.DataDir)
	metrics := server.NewMetrics(db.Pools())
	if a.BackupBucket, err = backup.OpenRemote(ctx, cfg.Backup.Bucket); err != nil {
		return nil, err
	}
	metrics.Registry.MustRegister(outbox.NewBacklogCollector(db.Outbox(), opts.Now))
	// Assignments are mailed once committed: the notifier is a handler
	// of the outbox, so a rolled-back change tells nobody.
	notifier := &notify.Notifier{Store: db.Outbox(), Mailer: mailer, PublicURL: cfg.HTTP.PublicURL}
	a.Relay = &outbox.Relay{Store: db.Outbox(), Lock: db, Handlers: []outbox.Handler{notifier},
		Observers: []outbox.Handler{outbox.NewCounter(metrics.Registry)},
		Purgers:   []outbox.Purger{db.Idempotency()}, Now: opts.Now, Log: log}
	metrics.Registry.MustRegister(backup.NewCheckerCollector(&backup.Checker{Dir: cfg.Backup.Dir, Remote: a.BackupBucket, Retention: a.BackupRetention(), RPO: cfg.Backup.RPO}))
	metrics.Registry.MustRegister(attachment.NewUsageCollector(db.AttachmentTotals))
	mux := http.NewServeMux()
	api := httpapi.New(mux, httpapi.Deps{
		Logger: log, Health: a.Health, Build: buildinfo.Get(),
		Identity: a.Identity, Auth: a.Identity, Limiter: limiter,
		Audits: a.Audits, OrgInitializers: []identity.OrgInitializer{db.Audits().StarterTemplates()},
		Stations: a.Stations, Contractors: a.Contractors, Actions: a.Actions, Comments: a.Comments, Permits: a.Permits, Files: a.Files,
		Incidents: a.Incidents, Imports: a.Imports,
		Limits: httpapi.APILimits{
			PerUser: auth.Limit{Requests: cfg.RateLimitUser, Per: time.Minute},
			PerOrg:  auth.Limit{Requests: cfg.RateLimitOrg, Per: time.Minute},
		},
		TrustProxy:   cfg.HTTP.TrustProxy,
		Backup:       httpapi.BackupDeps{Dir: cfg.Backup.Dir, Remote: a.BackupBucket, Retention: a.BackupRetention(), RPO: cfg.Backup.RPO},
		MaxBodyBytes: cfg.HTTP.MaxBodyBytes,
	})
	// The web application takes every path the API and metrics do not:
	// the mux matches the longer patterns first, so /api stays as fast.
	webHandler, err := webapp.New(web.Dist())
	if err != nil {
		return nil, err
	}
	mux.Handle("/", webHandler)
	idem := idempotency.Options{
		Store: db.Idempotency(), Auth: a.Identity, Now: opts.Now, Log: log,
		// A retried upload is digested up to the upload limit.
		MaxDrain: cfg.Files.MaxBytes + 1<<20,
	}
	if opts.Idempotency != nil {
		opts.Idempotency(&idem)
	}
	a.Server = server.New(server.Options{
		Addr:          cfg.ListenAddr,
		MetricsAddr:   cfg.MetricsAddr(),
		ShutdownDelay: cfg.ShutdownDelay,
		DrainTimeout:  cfg.DrainTimeout,
		Security:      server.SecurityOptions{TrustProxy: cfg.HTTP.TrustProxy},
		CORS:          server.CORSOptions{AllowedOrigins: cfg.HTTP.CORSOrigins},
		MaxBodyBytes:  cfg.HTTP.MaxBodyBytes,
		Wrap:          idempotency.Middleware(idem),
	}, log, a.Health, metrics, mux)
	a.API = a.Server.Handler()
	a.OpenAPI = api.OpenAPI()
	return a, nil
}

// BackupRetention is the configured retention.
func (a *App) BackupRetention() backup.Retention {
	b := a.Config.Backup
	return backup.Retention{Daily: b.Daily, Weekly: b.Weekly, Monthly: b.Monthly}
}

// BackupScheduler returns the in-server backup schedule, or nil when
// HSE_BACKUP_SCHEDULE is unset.
func (a *App) BackupScheduler() *backup.Scheduler {
	b := a.Config.Backup
	if b.Schedule == "" {
		return nil
	}
	sched, err := backup.ParseSchedule(b.Schedule)
	if err != nil {
		return nil // validated by config.Load
	}
	return &backup.Scheduler{DB: a.DB, Target: backup.Target{Engine: a.Config.Engine, DatabaseURL: a.Config.DatabaseURL, SQLitePath: a.Config.SQLitePath},
		Dir: b.Dir, Remote: a.BackupBucket, Retention: a.BackupRetention(), Schedule: sched, Log: a.Log}
}

// commentTarget makes a kind of record take comments: find is the record's
// own read (which applies its permissions and scope), station names the
// record's station, write the permissions that let a member comment.
func commentTarget[T any](find func(context.Context, *hse.Principal, string) (T, error), station func(T) string,
	write ...hse.Permission) comment.Target {
	return comment.Target{Write: write, Find: func(ctx context.Context, p *hse.Principal, id string) (string, error) {
		r, err := find(ctx, p, id)
		if err != nil {
			return "", err
		}
		return station(r), nil
	}}
}

// OverdueJob returns the job that announces overdue and escalated
// actions, or nil when HSE_ACTION_OVERDUE_SCHEDULE is "off".
func (a *App) OverdueJob() *capa.OverdueJob {
	spec := a.Config.Jobs.ActionOverdueSchedule
	if spec == "" {
		return nil
	}
	sched, err := backup.ParseSchedule(spec)
	if err != nil {
		return nil // validated by config.Load
	}
	return &capa.OverdueJob{Store: a.DB.Actions(), Lock: a.DB, Schedule: sched, Now: a.Actions.Now, Log: a.Log}
}

// DeadlineJob returns the job that announces missed regulatory deadlines
// of incidents.
func (a *App) DeadlineJob() *incident.DeadlineJob {
	return &incident.DeadlineJob{Store: a.DB.Incidents(), Lock: a.DB, Now: a.Incidents.Now, Log: a.Log}
}

// AuditScheduler returns the job that creates the scheduled audits of
// organizations with automatic scheduling on, or nil when
// HSE_AUDIT_SCHEDULE is "off". It follows the services' clock.
func (a *App) AuditScheduler() *audit.AutoScheduler {
	spec := a.Config.Jobs.AuditSchedule
	if spec == "" {
		return nil
	}
	sched, err := backup.ParseSchedule(spec)
	if err != nil {
		return nil // validated by config.Load
	}
	return &audit.AutoScheduler{Store: a.DB.Audits(), Slots: a.DB, Schedule: sched, Log: a.Log, Now: a.Audits.Now}
}

// PermitExpiry returns the job that expires permits past their valid-to,
// or nil when HSE_PERMIT_EXPIRY_INTERVAL is "off". It follows the
// services' clock.
func (a *App) PermitExpiry() *permit.ExpiryJob {
	if a.Config.Jobs.PermitExpiryInterval == 0 {
		return nil
	}
	return &permit.ExpiryJob{Store: a.DB.Permits(), Slots: a.DB, Interval: a.Config.Jobs.PermitExpiryInterval, Log: a.Log, Now: a.Permits.Now}
}

// Close releases Redis, and the database when New opened it; call it after
// the server drained.
func (a *App) Close() error {
	var errs []error
	if a.Imports != nil {
		a.Imports.Wait() // background imports write to the database until they end
	}
	if a.filesBucket != nil {
		errs = append(errs, a.filesBucket.Close())
	}
	if a.BackupBucket != nil {
		errs = append(errs, a.BackupBucket.Close())
	}
	if a.Redis != nil {
		errs = append(errs, a.Redis.Close())
	}
	if a.ownsDB {
		errs = append(errs, a.DB.Close())
	}
	return errors.Join(errs...)
}
