package sqlstore

import (
	"strconv"
	"strings"
)

// dialect holds the few real differences between the engines, so that no
// query carries an "if sqlite" branch. Queries are written once with "?"
// placeholders in the portable subset of SQL.
type dialect interface {
	// rebind turns "?" placeholders into the engine's form.
	rebind(query string) string
	// tableExists is a query with one placeholder (the table name) that
	// returns one boolean-ish row.
	tableExistsQuery() string
	// jsonArrayHas is a condition that the JSON array of strings in column
	// holds the value of its one placeholder.
	jsonArrayHas(column string) string
	// auditNumberSearch is a condition on the audits table that its number
	// holds q (case-insensitive substring), answered from the engine's
	// trigram index; q has at least minSearch characters.
	auditNumberSearch(orgID, q string) (string, []any)
}

// minSearch is the shortest search a trigram index answers; shorter ones
// are matched row by row (same meaning, no index).
const minSearch = 3

type sqliteDialect struct{}

func (sqliteDialect) rebind(q string) string { return q }
func (sqliteDialect) tableExistsQuery() string {
	return `SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?`
}

func (sqliteDialect) jsonArrayHas(column string) string {
	return `EXISTS (SELECT 1 FROM json_each(` + column + `) WHERE json_each.value = ?)`
}

// The FTS5 trigram table matches a phrase as a case-insensitive substring
// (the same as LIKE '%q%'); quotes inside the phrase are doubled.
func (sqliteDialect) auditNumberSearch(orgID, q string) (string, []any) {
	return `id IN (SELECT audit_id FROM audits_search WHERE audits_search MATCH ? AND organization_id = ?)`,
		[]any{`number : "` + strings.ReplaceAll(q, `"`, `""`) + `"`, orgID}
}

type postgresDialect struct{}

// The GIN trigram index on LOWER(number) answers the LIKE.
func (postgresDialect) auditNumberSearch(_, q string) (string, []any) {
	return `LOWER(number) LIKE ? ESCAPE '\'`, []any{likePattern(q)}
}

// rebind numbers placeholders $1, $2, … . Queries never put a literal "?"
// inside a string constant, so a plain scan is enough.
func (postgresDialect) rebind(q string) string {
	n := strings.Count(q, "?")
	if n == 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + n*2)
	i := 0
	for _, r := range q {
		if r == '?' {
			i++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(i))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (postgresDialect) tableExistsQuery() string {
	return `SELECT to_regclass(?) IS NOT NULL`
}

func (postgresDialect) jsonArrayHas(column string) string {
	return column + ` @> jsonb_build_array(?::text)`
}
