package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// ServingLock is the lock every running server holds shared (HoldServing)
// and a restore takes alone (TryLock): a restore cannot start while a
// server uses the database, and a server does not start while a restore
// runs. Its jobs and outbox relay would otherwise work against tables that
// are being replaced.
const ServingLock = "serving"

// ServingApplication is the application_name of the PostgreSQL session
// that holds ServingLock for a server, so that it can be named in
// pg_stat_activity and in the refusal of a restore.
const ServingApplication = "hse serve"

// servingCheck is how often a server checks that its PostgreSQL session
// holding ServingLock is still there, and takes the lock again when not
// (a variable for tests).
var servingCheck = 15 * time.Second

// HoldServing marks this process as a server of the database until
// release is called: a shared hold of ServingLock (a shared flock beside
// the SQLite file, a shared session advisory lock on PostgreSQL). ok is
// false while a restore holds the lock. On PostgreSQL the hold lives in a
// session of its own (one connection per server, named
// ServingApplication); when that session is lost it is taken again, and
// report is told of the loss (an error) and of the recovery (nil).
func (db *DB) HoldServing(ctx context.Context, report func(error)) (release func(), ok bool, err error) {
	if db.engine == SQLite {
		return db.holdServingFile()
	}
	cfg, err := pgx.ParseConfig(db.url)
	if err != nil {
		return nil, false, err
	}
	cfg.RuntimeParams["application_name"] = ServingApplication
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(1)
	conn, key, ok, err := takeShared(ctx, pool)
	if err != nil || !ok {
		pool.Close()
		return nil, ok, err
	}
	h := &servingHold{pool: pool, conn: conn, key: key, report: report, every: servingCheck, done: make(chan struct{})}
	go h.keep()
	return h.release, true, nil
}

// holdServingFile takes the shared flock of a SQLite server; it lasts as
// long as the process, so nothing needs watching.
func (db *DB) holdServingFile() (func(), bool, error) {
	f, err := os.OpenFile(db.path+"."+ServingLock+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, true, nil
}

// takeShared takes ServingLock shared on a session of pool, and returns
// the session and the lock's key.
func takeShared(ctx context.Context, pool *sql.DB) (*sql.Conn, int64, bool, error) {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	key, err := advisoryKey(ctx, conn, ServingLock)
	if err != nil {
		conn.Close()
		return nil, 0, false, err
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock_shared($1)`, key).Scan(&ok); err != nil || !ok {
		conn.Close()
		return nil, 0, false, err
	}
	return conn, key, true, nil
}

// servingHold is a server's PostgreSQL session holding ServingLock.
type servingHold struct {
	pool   *sql.DB
	report func(error)
	every  time.Duration
	done   chan struct{}
	once   sync.Once

	mu   sync.Mutex
	conn *sql.Conn // nil while lost
	key  int64
}

// keep checks the session now and then and takes the lock again on a new
// session when the old one is gone (a database restart, a network cut).
func (h *servingHold) keep() {
	t := time.NewTicker(h.every)
	defer t.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-t.C:
		}
		h.check()
	}
}

func (h *servingHold) check() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conn != nil {
		if err := h.conn.PingContext(ctx); err == nil {
			return
		} else if h.report != nil {
			h.report(fmt.Errorf("the session marking this server as running is lost; taking it again: %w", err))
		}
		h.conn.Close()
		h.conn = nil
	}
	conn, key, ok, err := takeShared(ctx, h.pool)
	switch {
	case err != nil:
		return // reported when lost; tried again at the next check
	case !ok:
		if h.report != nil {
			h.report(errors.New("a restore holds the database while this server runs: stop this server and start it after the restore"))
		}
		return
	}
	h.conn, h.key = conn, key
	if h.report != nil {
		h.report(nil)
	}
}

func (h *servingHold) release() {
	h.once.Do(func() {
		close(h.done)
		h.mu.Lock()
		if h.conn != nil {
			// Unlocked before the session ends: a closed session lets go
			// of its locks only once the server has noticed, and a restore
			// started right after the server stopped must not be refused.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			h.conn.ExecContext(ctx, `SELECT pg_advisory_unlock_shared($1)`, h.key)
			cancel()
			h.conn.Close()
			h.conn = nil
		}
		h.mu.Unlock()
		h.pool.Close() // ends the session
	})
}

// Server is a process that holds ServingLock, as PostgreSQL sees it;
// fields the connecting role may not see are empty.
type Server struct {
	PID         int
	Application string
	Client      string    // address of the server's host
	Since       time.Time // when its session started
}

// Servers lists the PostgreSQL sessions holding ServingLock on this
// database and schema. SQLite cannot say who holds its flock: it returns
// none, and TryLock(ServingLock) alone tells whether any server runs.
func (db *DB) Servers(ctx context.Context) ([]Server, error) {
	if db.engine != Postgres {
		return nil, nil
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	key, err := advisoryKey(ctx, conn, ServingLock)
	if err != nil {
		return nil, err
	}
	// A bigint advisory key shows in pg_locks as its high and low halves.
	rows, err := conn.QueryContext(ctx, `
		SELECT l.pid, COALESCE(a.application_name, ''), COALESCE(host(a.client_addr), ''), a.backend_start
		FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted
		  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 1
		ORDER BY l.pid`, key>>32, key&0xffffffff)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Server
	for rows.Next() {
		var s Server
		var since sql.NullTime
		if err := rows.Scan(&s.PID, &s.Application, &s.Client, &since); err != nil {
			return nil, err
		}
		s.Since = since.Time
		out = append(out, s)
	}
	return out, rows.Err()
}
