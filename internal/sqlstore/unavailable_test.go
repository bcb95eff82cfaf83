package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hsedigital/hse/internal/hse"
)

func TestIsUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", fmt.Errorf("begin transaction: %w", refused), true},
		{"bad connection", driver.ErrBadConn, true},
		{"deadline waiting for a connection", fmt.Errorf("begin transaction: %w", context.DeadlineExceeded), true},
		{"dropped mid-query", fmt.Errorf("query: %w", io.ErrUnexpectedEOF), true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"closed pool", errors.New("sql: database is closed"), true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"bad text", &pgconn.PgError{Code: "22021"}, false},
		{"a fault of ours", errors.New("scanning: converting NULL to string"), false},
		{"client went away", context.Canceled, false},
		{"nil", nil, false},
	} {
		if got := IsUnavailable(tt.err); got != tt.want {
			t.Errorf("%s: IsUnavailable = %v, want %v", tt.name, got, tt.want)
		}
	}
	// Domain errors are never reclassified, whatever they wrap.
	nf := hse.NotFound("station")
	if got := unavailable(nf); got != error(nf) {
		t.Errorf("a domain error was reclassified: %v", got)
	}
	if got := hse.KindOf(unavailable(fmt.Errorf("begin: %w", refused))); got != hse.KindUnavailable {
		t.Errorf("connection refused is kind %v, want unavailable", got)
	}
}
