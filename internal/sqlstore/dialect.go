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
}

type sqliteDialect struct{}

func (sqliteDialect) rebind(q string) string { return q }
func (sqliteDialect) tableExistsQuery() string {
	return `SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?`
}

func (sqliteDialect) jsonArrayHas(column string) string {
	return `EXISTS (SELECT 1 FROM json_each(` + column + `) WHERE json_each.value = ?)`
}

type postgresDialect struct{}

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
