package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hsedigital/hse/internal/hse"
)

// RetryAfter is how long a client is told to wait when the database
// cannot be reached: long enough for a restart or failover to be noticed,
// short enough that a blip costs a field worker little.
const RetryAfter = 5 * time.Second

// ErrUnavailable is the domain error of a database that cannot serve the
// request at all; its cause is kept for the log.
func ErrUnavailable(cause error) *hse.Error {
	return &hse.Error{Kind: hse.KindUnavailable, Code: "UNAVAILABLE",
		Message: "the database is unavailable; try again shortly", RetryAfter: RetryAfter, Err: cause}
}

// unavailable turns a failure to reach the database into ErrUnavailable,
// so the API answers 503 with Retry-After, not 500: the request itself was
// fine and its retry will succeed once the database is back. Domain
// errors and faults in the query itself pass through unchanged.
func unavailable(err error) error {
	if err == nil || hse.KindOf(err) != hse.KindInternal || !IsUnavailable(err) {
		return err
	}
	return ErrUnavailable(err)
}

// IsUnavailable reports whether err says the database could not be
// reached or could not serve at all, as opposed to refusing a statement:
// a refused or dropped connection, a server shutting down or starting up,
// too many connections, a deadline that ran out waiting for one, and on
// SQLite a file that is locked by another process beyond the busy
// timeout, cannot be opened, read or written (I/O error, disk full).
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	// database/sql has no exported value for a closed pool: a request that
	// outlives the database during shutdown meets this message.
	if strings.Contains(err.Error(), "sql: database is closed") {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"): // connection exception
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutdown, crash, starting up
			return true
		case pgErr.Code == "53300": // too many connections
			return true
		}
		return false
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() & 0xff { // the primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_FULL:
			return true
		}
	}
	return false
}
