// Package config reads, validates and describes the server's configuration.
// Everything comes from environment variables named as in the production
// runbook; one Config value is built at start and passed down explicitly.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/redact"
)

// Environments accepted in HSE_ENV.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// Database engines selected by DATABASE_URL.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// MinSecretBytes is the shortest secret accepted in production: 256 bits,
// the HS256 key size.
const MinSecretBytes = 32

// Config is the effective configuration of one process.
type Config struct {
	Env string // development | production

	Port        int // PORT, or the port of HSE_LISTEN_ADDR
	MetricsPort int // METRICS_PORT; 0 serves /metrics on the main port
	// ListenAddr is where the API listens (HSE_LISTEN_ADDR, HOST:PORT);
	// ":PORT", every interface, when unset.
	ListenAddr string
	// ListenHost is the host part of ListenAddr ("" for every interface);
	// a separate metrics port binds it too.
	ListenHost string

	DatabaseURL      string // as given; empty means the embedded default
	Engine           string // sqlite | postgres
	SQLitePath       string // file path when Engine is sqlite
	DatabasePoolSize int    // DATABASE_POOL_SIZE
	DatabaseDefault  bool   // true when DATABASE_URL was not set

	JWTSecret             string
	RefreshSecret         string
	JWTSecretPrevious     string
	RefreshSecretPrevious string
	// GeneratedSecrets names the secrets that were generated for development
	// because they were missing.
	GeneratedSecrets []string

	RedisURL string // REDIS_URL, or built from REDIS_HOST/REDIS_PORT

	DataDir   string // HSE_DATA_DIR
	LogLevel  slog.Level
	LogFormat string // json | text

	// ShutdownDelay keeps serving after readiness turned 503, so that load
	// balancers stop sending traffic before the listener closes.
	ShutdownDelay time.Duration
	// DrainTimeout bounds how long in-flight requests may take to finish.
	DrainTimeout time.Duration

	// RateLimitUser and RateLimitOrg are authenticated API requests per
	// minute allowed per user and per organization.
	RateLimitUser int
	RateLimitOrg  int
	// PrincipalCacheTTL is how long a replica reuses a resolved session,
	// membership and role (HSE_PRINCIPAL_CACHE_TTL); other replicas see a
	// revocation within this time.
	PrincipalCacheTTL time.Duration

	HTTP   HTTP   // CORS, proxy trust, public URL, body limits
	Mail   Mail   // SMTP, or files under the data directory when unset
	Backup Backup // backup directory, bucket, retention, RPO
	Jobs   Jobs   // schedules of the recurring jobs (HSE_AUDIT_SCHEDULE)
	Files  Files  // where uploaded files go and how large they may be
}

// Getenv is the signature of os.Getenv; tests pass a map lookup instead.
type Getenv func(string) string

// Load reads the configuration from getenv and validates it. Development
// secrets are not generated here: call EnsureDevSecrets once the data
// directory is known to be usable.
func Load(getenv Getenv) (*Config, error) {
	var errs []error
	bad := func(name, value, want string) {
		errs = append(errs, fmt.Errorf("%s=%q is invalid: %s", name, value, want))
	}

	c := &Config{}
	c.Env = strings.ToLower(strings.TrimSpace(getenv("HSE_ENV")))
	switch c.Env {
	case "":
		c.Env = EnvDevelopment
	case EnvDevelopment, EnvProduction:
	default:
		bad("HSE_ENV", c.Env, `expected "development" or "production"`)
	}

	c.loadListen(getenv, bad)

	c.DataDir = strings.TrimSpace(getenv("HSE_DATA_DIR"))
	if c.DataDir == "" {
		c.DataDir = "./data"
	}

	c.DatabaseURL = strings.TrimSpace(getenv("DATABASE_URL"))
	c.DatabasePoolSize = intVar(getenv, "DATABASE_POOL_SIZE", 10, 1, 1000, bad)
	if err := c.parseDatabaseURL(); err != nil {
		errs = append(errs, err)
	}
	if c.Env == EnvProduction && c.DatabaseDefault {
		errs = append(errs, errors.New("DATABASE_URL is required when HSE_ENV=production (postgres://… or sqlite:PATH)"))
	}

	c.JWTSecret = getenv("JWT_SECRET")
	c.RefreshSecret = getenv("REFRESH_SECRET")
	c.JWTSecretPrevious = getenv("JWT_SECRET_PREVIOUS")
	c.RefreshSecretPrevious = getenv("REFRESH_SECRET_PREVIOUS")
	errs = append(errs, c.checkSecrets()...)

	if err := c.parseRedis(getenv); err != nil {
		errs = append(errs, err)
	}

	level := strings.ToLower(strings.TrimSpace(getenv("LOG_LEVEL")))
	switch level {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		bad("LOG_LEVEL", level, "expected debug, info, warn or error")
	}
	c.LogFormat = strings.ToLower(strings.TrimSpace(getenv("LOG_FORMAT")))
	switch c.LogFormat {
	case "":
		c.LogFormat = "json"
	case "json", "text":
	default:
		bad("LOG_FORMAT", c.LogFormat, "expected json or text")
	}

	c.RateLimitUser = intVar(getenv, "HSE_RATE_LIMIT_USER", 600, 1, 1_000_000, bad)
	c.RateLimitOrg = intVar(getenv, "HSE_RATE_LIMIT_ORG", 3000, 1, 10_000_000, bad)
	c.PrincipalCacheTTL = durationVar(getenv, "HSE_PRINCIPAL_CACHE_TTL", 5*time.Second, bad)
	if c.PrincipalCacheTTL > time.Minute {
		bad("HSE_PRINCIPAL_CACHE_TTL", c.PrincipalCacheTTL.String(), "at most 1m: revocations must take effect quickly")
	}
	c.ShutdownDelay = durationVar(getenv, "HSE_SHUTDOWN_DELAY", 0, bad)
	c.DrainTimeout = durationVar(getenv, "HSE_DRAIN_TIMEOUT", 25*time.Second, bad)

	var err error
	if c.HTTP, err = LoadHTTP(getenv); err != nil {
		errs = append(errs, err)
	}
	if c.Mail, err = LoadMail(getenv); err != nil {
		errs = append(errs, err)
	}
	c.Mail.LogBodies = c.Env == EnvDevelopment
	var backupErrs []error
	c.Backup, backupErrs = LoadBackup(getenv, c.DataDir)
	errs = append(errs, backupErrs...)
	c.Jobs = LoadJobs(getenv, bad)
	var fileErrs []error
	c.Files, fileErrs = LoadFiles(getenv, c.DataDir)
	errs = append(errs, fileErrs...)

	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// parseDatabaseURL selects the engine: postgres:// or postgresql:// is
// PostgreSQL; unset or sqlite:PATH is SQLite.
func (c *Config) parseDatabaseURL() error {
	raw := c.DatabaseURL
	switch {
	case raw == "":
		c.DatabaseDefault = true
		c.Engine = EngineSQLite
		c.SQLitePath = filepath.Join(c.DataDir, "hse.db")
	case strings.HasPrefix(raw, "sqlite:"):
		c.Engine = EngineSQLite
		p := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if p == "" {
			return fmt.Errorf("DATABASE_URL=%q is invalid: expected sqlite:PATH with a file path", redact.URL(raw))
		}
		c.SQLitePath = p
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		c.Engine = EnginePostgres
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return fmt.Errorf("DATABASE_URL is invalid: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")
		}
	default:
		return fmt.Errorf("DATABASE_URL has an unknown scheme: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE or sqlite:PATH")
	}
	return nil
}

func (c *Config) parseRedis(getenv Getenv) error {
	c.RedisURL = strings.TrimSpace(getenv("REDIS_URL"))
	host := strings.TrimSpace(getenv("REDIS_HOST"))
	port := strings.TrimSpace(getenv("REDIS_PORT"))
	if c.RedisURL == "" && host != "" {
		if port == "" {
			port = "6379"
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("REDIS_PORT=%q is invalid: expected a port number 1-65535", port)
		}
		c.RedisURL = "redis://" + host + ":" + port
	}
	if c.RedisURL == "" {
		return nil
	}
	u, err := url.Parse(c.RedisURL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return errors.New("REDIS_URL is invalid: expected redis://[:PASSWORD@]HOST:PORT[/DB] or rediss://…")
	}
	return nil
}

// checkSecrets applies the production rule: each required secret present and
// at least MinSecretBytes long. In development a missing secret is filled in
// later by EnsureDevSecrets, but a short one given explicitly is still an error
// in production only; development accepts what it is given.
func (c *Config) checkSecrets() []error {
	var errs []error
	check := func(name, v string, required bool) {
		if v == "" {
			if required && c.Env == EnvProduction {
				errs = append(errs, fmt.Errorf("%s is required when HSE_ENV=production (at least %d bytes, e.g. openssl rand -base64 32)", name, MinSecretBytes))
			}
			return
		}
		if c.Env == EnvProduction && len(v) < MinSecretBytes {
			errs = append(errs, fmt.Errorf("%s is too short: %d bytes, at least %d are required", name, len(v), MinSecretBytes))
		}
	}
	check("JWT_SECRET", c.JWTSecret, true)
	check("REFRESH_SECRET", c.RefreshSecret, true)
	check("JWT_SECRET_PREVIOUS", c.JWTSecretPrevious, false)
	check("REFRESH_SECRET_PREVIOUS", c.RefreshSecretPrevious, false)
	if c.JWTSecret != "" && c.JWTSecret == c.RefreshSecret {
		errs = append(errs, errors.New("JWT_SECRET and REFRESH_SECRET must differ"))
	}
	return errs
}

func intVar(getenv Getenv, name string, def, lo, hi int, bad func(string, string, string)) int {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		bad(name, v, fmt.Sprintf("expected a whole number from %d to %d", lo, hi))
		return def
	}
	return n
}

func durationVar(getenv Getenv, name string, def time.Duration, bad func(string, string, string)) time.Duration {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		bad(name, v, `expected a duration such as "15s" or "1m"`)
		return def
	}
	return d
}
