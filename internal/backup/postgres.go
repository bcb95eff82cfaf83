package backup

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
)

// clientTools checks that the PostgreSQL client programs are installed.
func clientTools(names ...string) error {
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			return fmt.Errorf("%s not found on PATH: install the PostgreSQL client (Debian: apt-get install postgresql-client; Alpine: apk add postgresql-client)", n)
		}
	}
	return nil
}

// libpqURL turns the application's DATABASE_URL into one that pg_dump and
// psql accept: pgx-only parameters are dropped and a search_path parameter
// becomes a libpq "options" setting. It also returns the schema named by
// search_path ("" for the default).
func libpqURL(raw string) (string, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", errors.New("DATABASE_URL is not a valid URL")
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	for k := range q {
		if strings.HasPrefix(k, "pool_") || k == "default_query_exec_mode" || k == "statement_cache_capacity" {
			q.Del(k)
		}
	}
	if schema != "" {
		q.Set("options", "-c search_path="+schema)
	}
	// libpq decodes %20 but not "+" as a space.
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return u.String(), schema, nil
}

// dumpPostgres writes a gzip-compressed plain-SQL dump to out. The dump
// drops what it creates first (--clean --if-exists) so that it can also be
// restored over an existing schema, and leaves ownership to whoever
// restores it (--no-owner); grants to the application role are kept.
func dumpPostgres(ctx context.Context, dbURL, out string) error {
	if err := clientTools("pg_dump"); err != nil {
		return err
	}
	conn, schema, err := libpqURL(dbURL)
	if err != nil {
		return err
	}
	args := []string{"--format=plain", "--no-owner", "--clean", "--if-exists", "--dbname=" + conn}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, "pg_dump", args...)
	cmd.Stdout, cmd.Stderr = zw, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_dump failed: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Sync()
}

// pgRestore says how a dump is replayed.
type pgRestore struct {
	// fromSchema is the schema the dump was taken from ("" for the
	// default); it is renamed to the target's when they differ.
	fromSchema string
	// schema is the target schema and preamble the SQL that empties it,
	// run in the dump's transaction (sqlstore's RestorePreamble); both are
	// empty for a scratch database, which is empty already.
	schema, preamble string
}

// restorePostgres replays a gzip-compressed SQL dump with psql in one
// transaction, preamble included, stopping at the first error: a dump that
// fails anywhere leaves the database as it was. A dump of a named schema
// restored into a database whose URL names another schema is renamed on
// the way; dumps of the default schema are replayed as they are.
func restorePostgres(ctx context.Context, dbURL, in string, o pgRestore) error {
	if err := clientTools("psql"); err != nil {
		return err
	}
	conn, toSchema, err := libpqURL(dbURL)
	if err != nil {
		return err
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("%s is not a gzip file: %w", in, err)
	}
	rw := dumpRewrite{}
	if o.fromSchema != "" && toSchema != "" && o.fromSchema != toSchema {
		rw.from, rw.to = o.fromSchema, toSchema
	}
	if o.schema != "" {
		// The preamble made the schema: a plain dump's own CREATE SCHEMA
		// of it must not fail.
		rw.createSchema = map[string]string{}
		for _, n := range []string{o.schema, quoteIdent(o.schema)} {
			rw.createSchema["CREATE SCHEMA "+n+";"] = "CREATE SCHEMA IF NOT EXISTS " + n + ";"
		}
	}
	dump, stop := rw.apply(zr)
	defer stop() // psql may stop reading at an error
	src := io.MultiReader(strings.NewReader(pgExtensions+o.preamble), dump)
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, "psql", "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "--single-transaction", "--dbname="+conn, "-f", "-")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = src, io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("psql restore failed: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// pgExtensions installs what the schema's indexes use but a dump of the
// schema does not carry: pg_trgm lives in its own schema, hse_ext (see
// migration 00017), so a restore into a new database needs it first.
const pgExtensions = "CREATE SCHEMA IF NOT EXISTS hse_ext;\nCREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA hse_ext;\n"

// quoteIdent quotes a PostgreSQL identifier as pg_dump writes one that
// needs quoting.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// dumpRewrite rewrites a plain dump line by line on its way to psql: the
// schema from becomes to (only generated schema names, never "public", are
// renamed), and lines of createSchema are replaced. The rows of COPY
// blocks are passed through untouched, so data is never rewritten.
type dumpRewrite struct {
	from, to     string
	createSchema map[string]string
}

// apply returns the rewritten stream, and a function that stops the
// rewriting when the reader gives up early.
func (rw dumpRewrite) apply(r io.Reader) (io.Reader, func()) {
	if rw.from == "" && len(rw.createSchema) == 0 {
		return r, func() {}
	}
	pr, pw := io.Pipe()
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		w := bufio.NewWriter(pw)
		inCopy := false
		for sc.Scan() {
			line := sc.Text()
			switch {
			case inCopy:
				inCopy = line != `\.`
			default:
				if rw.from != "" {
					line = strings.ReplaceAll(line, rw.from, rw.to)
				}
				if repl, ok := rw.createSchema[line]; ok {
					line = repl
				}
				inCopy = strings.HasPrefix(line, "COPY ") && strings.HasSuffix(line, " FROM stdin;")
			}
			w.WriteString(line)
			w.WriteByte('\n')
		}
		if err := sc.Err(); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(w.Flush())
	}()
	return pr, func() { pr.CloseWithError(io.ErrClosedPipe) }
}
