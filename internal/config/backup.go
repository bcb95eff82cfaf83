package config

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/hsedigital/hse/internal/blobstore"
	"github.com/hsedigital/hse/internal/redact"
)

// Backup configures backups.
type Backup struct {
	Dir     string        // HSE_BACKUP_DIR, default $HSE_DATA_DIR/backups
	Daily   int           // HSE_BACKUP_KEEP_DAILY (7)
	Weekly  int           // HSE_BACKUP_KEEP_WEEKLY (4)
	Monthly int           // HSE_BACKUP_KEEP_MONTHLY (12)
	RPO     time.Duration // HSE_BACKUP_RPO: older than this is stale (26h)
	// Schedule is a five-field cron expression in UTC (HSE_BACKUP_SCHEDULE,
	// e.g. "0 2 * * *"); empty turns scheduled backups off.
	Schedule string
	// Bucket is where backups are copied after they are written to Dir
	// (HSE_BACKUP_BUCKET): s3://BUCKET/PREFIX?region=… (credentials from
	// the AWS_* variables) or file:///path; empty keeps them local only.
	Bucket string
}

// LoadBackup reads the HSE_BACKUP_* variables.
func LoadBackup(getenv Getenv, dataDir string) (Backup, []error) {
	var errs []error
	bad := func(name, value, want string) {
		errs = append(errs, fmt.Errorf("%s=%q is invalid: %s", name, value, want))
	}
	b := Backup{Dir: strings.TrimSpace(getenv("HSE_BACKUP_DIR"))}
	if b.Dir == "" {
		b.Dir = filepath.Join(dataDir, "backups")
	}
	keep := func(name string, def int) int {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			bad(name, v, "expected a whole number from 0 to 1000")
			return def
		}
		return n
	}
	b.Daily, b.Weekly, b.Monthly = keep("HSE_BACKUP_KEEP_DAILY", 7), keep("HSE_BACKUP_KEEP_WEEKLY", 4), keep("HSE_BACKUP_KEEP_MONTHLY", 12)
	b.RPO = durationVar(getenv, "HSE_BACKUP_RPO", 26*time.Hour, bad)
	b.Schedule = strings.TrimSpace(getenv("HSE_BACKUP_SCHEDULE"))
	if b.Schedule != "" {
		if _, err := cron.ParseStandard(b.Schedule); err != nil {
			bad("HSE_BACKUP_SCHEDULE", b.Schedule, `expected a five-field cron expression in UTC such as "0 2 * * *"`)
		}
	}
	b.Bucket = strings.TrimSpace(getenv("HSE_BACKUP_BUCKET"))
	if b.Bucket != "" {
		if _, err := blobstore.ParseURL(b.Bucket); err != nil {
			errs = append(errs, fmt.Errorf("HSE_BACKUP_BUCKET=%q is invalid: %v (expected s3://BUCKET/PREFIX?region=REGION[&endpoint=http://host:port&use_path_style=true] or file:///absolute/path)", redact.URL(b.Bucket), err))
		}
	}
	return b, errs
}
