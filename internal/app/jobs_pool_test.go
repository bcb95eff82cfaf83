package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// A job holds its lock for the whole run; with DATABASE_POOL_SIZE=1 it
// must still finish, so the lock cannot take the pool's only connection.
func TestJobsRunWithAPoolOfOne(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.WithEnv("DATABASE_POOL_SIZE", "1"), apptest.WithEnv("HSE_BACKUP_SCHEDULE", "0 2 * * *"))
		e.Signup("Pool Of One Fuel")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		ran, err := e.App.BackupScheduler().RunSlot(ctx, time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
		if err != nil || !ran {
			t.Fatalf("scheduled backup with a pool of one: ran %v, %v", ran, err)
		}
	})
}
