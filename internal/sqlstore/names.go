package sqlstore

import "database/sql"

// The lists show, beside each id they carry, the name it stands for
// (station, assignee, reporter...), so that a CSV export reads on its own.
// The names come from scalar subqueries in the SELECT list: they run once
// per row returned, after the page (or the export's row) is chosen, by
// primary key, so they add no scan and leave the list's plan alone.

// nameOf is the subquery giving the name of the row of table whose id is
// in column col of the list's table alias t; tenant tables are matched on
// the organization too.
func nameOf(table, t, col string) string {
	if table == "users" {
		return `(SELECT n.name FROM users n WHERE n.id = ` + t + `.` + col + `)`
	}
	return `(SELECT n.name FROM ` + table + ` n WHERE n.organization_id = ` + t + `.organization_id AND n.id = ` + t + `.` + col + `)`
}

// namedRow scans a row whose last columns are names into extra, so the
// entity's own scanner can read the columns before them unchanged.
type namedRow struct {
	row   interface{ Scan(...any) error }
	extra []any
}

// Scan implements the scanner interface of the entity scanners.
func (r namedRow) Scan(dest ...any) error { return r.row.Scan(append(dest, r.extra...)...) }

// scanNamed reads an entity with n trailing names; set stores them.
func scanNamed[T any](scan func(interface{ Scan(...any) error }) (*T, error), n int, set func(*T, []string)) func(interface{ Scan(...any) error }) (*T, error) {
	return func(row interface{ Scan(...any) error }) (*T, error) {
		ns := make([]sql.NullString, n)
		extra := make([]any, n)
		for i := range ns {
			extra[i] = &ns[i]
		}
		v, err := scan(namedRow{row: row, extra: extra})
		if err != nil {
			return nil, err
		}
		names := make([]string, n)
		for i, s := range ns {
			names[i] = s.String
		}
		set(v, names)
		return v, nil
	}
}
