package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/backup"
	"github.com/hsedigital/hse/internal/hsetest"
)

// operator creates a platform operator and logs them in.
func operator(t *testing.T, e *apptest.Env) *apptest.User {
	t.Helper()
	u := &apptest.User{Email: newAddress("operator")}
	pw, _, err := e.App.Identity.CreateOperator(context.Background(), u.Email)
	if err != nil {
		t.Fatal(err)
	}
	u.Password = pw
	e.Login(u)
	return u
}

func TestBackupHealthEndpoint(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		e := apptest.New(t, engine, apptest.WithEnv("HSE_BACKUP_RPO", "1h"))
		owner := e.Signup("Backed Up Fuel")
		ops := operator(t, e)
		e.Must(401, e.Call("GET", "/api/backup/health", "", nil))
		if r := e.Call("GET", "/api/backup/health", owner.Access, nil); r.Status != 403 || r.Code() != "OPERATOR_ONLY" {
			t.Errorf("tenant owner on backup health: %d %s", r.Status, r.Body)
		}
		h := e.Must(200, e.Call("GET", "/api/backup/health", ops.Access, nil)).JSON(t)
		if h["status"] != "stale" || h["count"].(float64) != 0 {
			t.Errorf("health without backups: %v", h)
		}

		dir := e.App.Config.Backup.Dir
		m, err := backup.Create(ctx, e.App.DB, targetOf(e), dir, "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		h = e.Must(200, e.Call("GET", "/api/backup/health", ops.Access, nil)).JSON(t)
		if h["status"] != "ok" || h["lastBackup"] != m.Name || h["lastSizeBytes"].(float64) != float64(m.SizeBytes) {
			t.Errorf("health after a backup: %v", h)
		}
		if classes := h["retentionClasses"].(map[string]any); classes["daily"].(float64) != 1 {
			t.Errorf("retention classes: %v", classes)
		}
		metrics := string(e.Must(200, e.Call("GET", "/metrics", "", nil)).Body)
		for _, want := range []string{"hse_digital_backup_last_success_timestamp_seconds ", "hse_digital_backup_last_size_bytes ", `hse_digital_backup_status{status="ok"} 1`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %q", want)
			}
		}

		// A damaged newest backup makes the status failing once verified.
		path := filepath.Join(dir, m.File)
		b, _ := os.ReadFile(path)
		os.WriteFile(path, b[:len(b)/2], 0o640)
		backup.Verify(ctx, dir, m.Name, nil, time.Now())
		h = e.Must(200, e.Call("GET", "/api/backup/health", ops.Access, nil)).JSON(t)
		if h["status"] != "failing" || !strings.Contains(h["reason"].(string), "verification") {
			t.Errorf("health after a failed verification: %v", h)
		}
	})
}

// Every replica runs the schedule; each slot must give exactly one backup.
func TestScheduledBackupRunsOncePerSlot(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		e := apptest.New(t, engine, apptest.WithEnv("HSE_BACKUP_SCHEDULE", "0 2 * * *"))
		e.Signup("Scheduled Fuel")
		sched := e.App.BackupScheduler()
		if sched == nil {
			t.Fatal("no scheduler although HSE_BACKUP_SCHEDULE is set")
		}
		// Replicas: schedulers on their own connections to the same database.
		replicas := []*backup.Scheduler{sched}
		for i := 0; i < 3; i++ {
			other := apptest.NewAt(t, e.Target, apptest.WithEnv("HSE_BACKUP_SCHEDULE", "0 2 * * *"), apptest.WithEnv("HSE_BACKUP_DIR", e.App.Config.Backup.Dir))
			replicas = append(replicas, other.App.BackupScheduler())
		}
		slot := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		var mu sync.Mutex
		done := 0
		for _, r := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ran, err := r.RunSlot(ctx, slot)
				if err != nil {
					t.Errorf("RunSlot: %v", err)
				}
				if ran {
					mu.Lock()
					done++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if done != 1 {
			t.Errorf("%d replicas backed up the same slot, want exactly 1", done)
		}
		if ran, _ := replicas[2].RunSlot(ctx, slot); ran {
			t.Error("a slot already done was backed up again")
		}
		bs, _ := backup.List(e.App.Config.Backup.Dir)
		if len(bs) != 1 || bs[0].Label != "scheduled" || bs[0].Verification == nil || !bs[0].Verification.OK {
			t.Fatalf("backups after one slot: %+v", bs)
		}
		h, _ := backup.Check(e.App.Config.Backup.Dir, backup.DefaultRetention, time.Hour, time.Now())
		if h.LastAttempt == nil || !h.LastAttempt.OK {
			t.Errorf("last attempt not recorded: %+v", h.LastAttempt)
		}
	})
}
