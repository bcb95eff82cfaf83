package config

import (
	"fmt"
	"strconv"
	"time"

	"github.com/hsedigital/hse/internal/redact"
)

// Setting is one line of the effective configuration, safe to print.
type Setting struct {
	Name  string
	Value string
}

// Describe lists the effective configuration with every secret masked, in
// the order an operator reads it. `hse config` prints this.
func (c *Config) Describe() []Setting {
	port := func(p int) string {
		if p == 0 {
			return "(same as PORT)"
		}
		return strconv.Itoa(p)
	}
	dbURL := maskURL(c.DatabaseURL)
	if c.DatabaseDefault {
		dbURL = "(unset: embedded SQLite)"
	}
	out := []Setting{
		{"HSE_ENV", c.Env},
		{"PORT", strconv.Itoa(c.Port)},
		{"HSE_LISTEN_ADDR", c.listenNote()},
		{"METRICS_PORT", port(c.MetricsPort)},
		{"HSE_DATA_DIR", c.DataDir},
		{"DATABASE_URL", dbURL},
		{"database engine", c.Engine + c.sqliteNote()},
		{"DATABASE_POOL_SIZE", strconv.Itoa(c.DatabasePoolSize)},
		{"JWT_SECRET", maskSecret(c.JWTSecret)},
		{"JWT_SECRET_PREVIOUS", maskSecret(c.JWTSecretPrevious)},
		{"REFRESH_SECRET", maskSecret(c.RefreshSecret)},
		{"REFRESH_SECRET_PREVIOUS", maskSecret(c.RefreshSecretPrevious)},
		{"REDIS_URL", orUnset(maskURL(c.RedisURL))},
		{"LOG_LEVEL", c.LogLevel.String()},
		{"LOG_FORMAT", c.LogFormat},
		{"HSE_SHUTDOWN_DELAY", c.ShutdownDelay.String()},
		{"HSE_DRAIN_TIMEOUT", c.DrainTimeout.String()},
		{"HSE_RATE_LIMIT_USER", strconv.Itoa(c.RateLimitUser) + "/min"},
		{"HSE_RATE_LIMIT_ORG", strconv.Itoa(c.RateLimitOrg) + "/min"},
		{"HSE_PRINCIPAL_CACHE_TTL", c.PrincipalCacheTTL.String()},
	}
	out = append(out, c.HTTP.Describe()...)
	out = append(out,
		Setting{"HSE_BACKUP_DIR", c.Backup.Dir},
		Setting{"HSE_BACKUP_BUCKET", orUnset(maskURL(c.Backup.Bucket))},
		Setting{"HSE_BACKUP_KEEP_*", fmt.Sprintf("daily %d, weekly %d, monthly %d", c.Backup.Daily, c.Backup.Weekly, c.Backup.Monthly)},
		Setting{"HSE_BACKUP_RPO", c.Backup.RPO.String()},
		Setting{"HSE_BACKUP_SCHEDULE", orUnset(c.Backup.Schedule)},
		Setting{"HSE_AUDIT_SCHEDULE", orOff(c.Jobs.AuditSchedule)},
		Setting{"HSE_ACTION_OVERDUE_SCHEDULE", orOff(c.Jobs.ActionOverdueSchedule)},
		Setting{"HSE_PERMIT_EXPIRY_INTERVAL", orOff(durationOrEmpty(c.Jobs.PermitExpiryInterval))},
	)
	out = append(out, c.Files.Describe()...)
	return append(out, c.Mail.Describe()...)
}

// listenNote says where the API listens, in words for every interface.
func (c *Config) listenNote() string {
	if c.ListenHost == "" {
		return c.ListenAddr + " (every interface)"
	}
	return c.ListenAddr
}

func (c *Config) sqliteNote() string {
	if c.Engine == EngineSQLite {
		return " (" + c.SQLitePath + ")"
	}
	return ""
}

func maskSecret(s string) string {
	if s == "" {
		return "(unset)"
	}
	return fmt.Sprintf("******** (%d bytes)", len(s))
}

// maskURL hides the secrets of a connection URL (password, secret query
// parameters) and leaves the rest, which an operator needs to recognise
// the target. A value that is not a URL is hidden whole.
func maskURL(raw string) string { return redact.URL(raw) }

func orUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}

func durationOrEmpty(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func orOff(s string) string {
	if s == "" {
		return "off"
	}
	return s
}
