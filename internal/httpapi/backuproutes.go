package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/backup"
)

// BackupDeps locate the backups for the health endpoint: the bucket when
// one is configured, the directory otherwise.
type BackupDeps struct {
	Dir       string
	Remote    *backup.Remote // HSE_BACKUP_BUCKET; nil when unset
	Retention backup.Retention
	RPO       time.Duration
}

func registerBackup(api huma.API, d Deps) {
	huma.Register(api, huma.Operation{OperationID: "backupHealth", Method: http.MethodGet, Path: "/api/backup/health",
		Tags: []string{"Platform administration"}, Security: bearer, Metadata: map[string]any{"operatorOnly": true},
		Summary:     "Backup status (platform operators)",
		Description: "Last successful backup, its age, size and verification, counts per retention class, and status ok, stale (older than the RPO, default 26 h) or failing."},
		func(ctx context.Context, _ *struct{}) (*struct{ Body *backup.Health }, error) {
			c := backup.Checker{Dir: d.Backup.Dir, Remote: d.Backup.Remote, Retention: d.Backup.Retention, RPO: d.Backup.RPO}
			h, err := c.Check(ctx, time.Now().UTC())
			if err != nil {
				return nil, problemFor(ctx, d.Logger, err)
			}
			return &struct{ Body *backup.Health }{Body: h}, nil
		})
}
