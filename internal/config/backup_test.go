package config

import (
	"strings"
	"testing"
)

func TestLoadBackupBucket(t *testing.T) {
	for _, ok := range []string{"", "s3://hse-backups/production?region=eu-west-1", "file:///var/backups/hse",
		"s3://hse-backups?endpoint=http://127.0.0.1:9000&use_path_style=true&region=us-east-1"} {
		c, err := Load(env(map[string]string{"HSE_BACKUP_BUCKET": ok}))
		if err != nil {
			t.Errorf("HSE_BACKUP_BUCKET=%q: %v", ok, err)
			continue
		}
		if c.Backup.Bucket != ok {
			t.Errorf("HSE_BACKUP_BUCKET=%q read as %q", ok, c.Backup.Bucket)
		}
	}
	for _, bad := range []string{"hse-backups", "s3://", "file://backups", "gs://b", "s3://b?regoin=eu-west-1", "s3://AKIA:secret@b"} {
		_, err := Load(env(map[string]string{"HSE_BACKUP_BUCKET": bad}))
		if err == nil || !strings.Contains(err.Error(), "HSE_BACKUP_BUCKET") {
			t.Errorf("HSE_BACKUP_BUCKET=%q: %v, want an error naming the variable", bad, err)
		}
	}
}
