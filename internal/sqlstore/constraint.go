package sqlstore

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hsedigital/hse/internal/hse"
)

// constraintKind is the kind of integrity rule a statement broke.
type constraintKind int

const (
	noConstraint constraintKind = iota
	uniqueConstraint
	foreignKeyConstraint
	checkConstraint // CHECK, including the enumerations of status columns
	notNullConstraint
)

// violation tells which integrity rule err broke, on either engine:
// PostgreSQL's SQLSTATE class 23, SQLite's extended constraint codes.
func violation(err error) constraintKind {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505", "23P01": // unique_violation, exclusion_violation
			return uniqueConstraint
		case "23503":
			return foreignKeyConstraint
		case "23514":
			return checkConstraint
		case "23502":
			return notNullConstraint
		}
		return noConstraint
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		// The driver turns extended result codes on, so the kind of
		// constraint is in the code.
		switch lite.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueConstraint
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyConstraint
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			return checkConstraint
		case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return notNullConstraint
		}
	}
	return noConstraint
}

// isUniqueViolation reports whether err is a unique-constraint violation on
// either engine, for the stores that turn a duplicate into their own
// error (a station code taken, an e-mail address in use).
func isUniqueViolation(err error) bool {
	return violation(err) == uniqueConstraint
}

// constraintError turns a constraint violation that reached the database
// into a domain error: the services validate their input first, so this is
// the last wall, and a client whose request slipped past the validation
// gets a 400 or 409 rather than an internal error. Errors that are already
// domain errors, and every other failure, pass unchanged. The engine's
// error stays the cause, for the log; the client sees no SQL.
func constraintError(err error) error {
	if err == nil {
		return nil
	}
	var de *hse.Error
	if errors.As(err, &de) {
		return err
	}
	var e *hse.Error
	switch violation(err) {
	case uniqueConstraint:
		e = hse.Conflict("DUPLICATE", "the change conflicts with a record that already exists")
	case foreignKeyConstraint:
		e = hse.Conflict("REFERENCE_CONFLICT", "the change refers to a record that does not exist, or removes one that others still refer to")
	case checkConstraint:
		e = hse.Invalid("a value is not one the field allows")
	case notNullConstraint:
		e = hse.Invalid("a required value is missing")
	default:
		return err
	}
	e.Err = err
	return e
}
