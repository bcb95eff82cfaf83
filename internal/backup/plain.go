package backup

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hsedigital/hse/internal/sqlstore"
)

// A plain dump is a `pg_dump | gzip` file without metadata beside it: one
// made by hand, or by the seed runbook. It has no checksum and no row
// counts, and was not necessarily made with --clean; Restore checks its gzip
// stream, that its tables are in the schema being replaced, and replays it
// over an emptied schema in one transaction like any other backup.

// plainMetadata describes the plain dump at path, or says why it is none.
func plainMetadata(path string) (*Metadata, error) {
	base := filepath.Base(path)
	if !strings.HasSuffix(base, ".sql.gz") {
		return nil, fmt.Errorf("%s has no metadata beside it and is not a plain SQL dump (NAME.sql.gz)", path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	return &Metadata{Name: strings.TrimSuffix(base, ".sql.gz"), File: base, Engine: sqlstore.Postgres,
		CreatedAt: st.ModTime().UTC(), SizeBytes: st.Size(), Label: "plain"}, nil
}

// plainSchemas reads a plain dump to the end, which checks its whole gzip
// stream, and returns the schemas its tables are created in, sorted ("" for
// a table named without one).
func plainSchemas(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid gzip file: %w", filepath.Base(path), err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	seen := map[string]bool{}
	inCopy := false
	for sc.Scan() {
		line := sc.Text()
		if inCopy {
			inCopy = line != `\.`
			continue
		}
		inCopy = strings.HasPrefix(line, "COPY ") && strings.HasSuffix(line, " FROM stdin;")
		for _, p := range []string{"CREATE TABLE ", "CREATE UNLOGGED TABLE "} {
			if rest, ok := strings.CutPrefix(line, p); ok {
				seen[tableSchema(rest)] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s is damaged: %w", filepath.Base(path), err)
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out, nil
}

// tableSchema returns the schema of a table name as pg_dump writes it
// (schema.table, either part possibly "quoted"), or "" when unqualified.
func tableSchema(name string) string {
	first, rest := identifier(name)
	if !strings.HasPrefix(rest, ".") {
		return ""
	}
	return first
}

// identifier splits a leading SQL identifier, unquoted, from the rest.
func identifier(s string) (string, string) {
	if !strings.HasPrefix(s, `"`) {
		i := strings.IndexAny(s, ". (")
		if i < 0 {
			return s, ""
		}
		return s[:i], s[i:]
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '"' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '"' {
			b.WriteByte('"')
			i++
			continue
		}
		return b.String(), s[i+1:]
	}
	return b.String(), ""
}
