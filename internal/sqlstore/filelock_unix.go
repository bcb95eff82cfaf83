//go:build unix

package sqlstore

import (
	"fmt"
	"os"
	"syscall"
)

// withFileLock serialises migrations on SQLite across processes with an
// exclusive flock on a file beside the database; PostgreSQL uses goose's
// advisory lock instead and needs nothing here.
func (m *Migrator) withFileLock(fn func() error) error {
	if m.db.engine != SQLite || m.db.path == "" {
		return fn()
	}
	f, err := os.OpenFile(m.db.path+".migrate.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("opening the migration lock: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("taking the migration lock: %w", err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return fn()
}
