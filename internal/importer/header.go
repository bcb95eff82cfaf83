package importer

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Column is one column a kind of import reads.
type Column struct {
	Name     string   // canonical, as documented: "risk_category"
	Aliases  []string // other headers accepted for it: "risk", "Risk category"
	Required bool     // the header must have it and every row a value
	// Field is the domain's name of the value, as its validation errors
	// name it ("riskCategory"), so that they can be reported on this column.
	Field string
}

// RowError is one problem of a file: the line (1 is the header, 0 the
// whole file) and the column it is in, as the file names it.
type RowError struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// Record is a data row mapped onto a kind's columns.
type Record struct {
	Line int
	// Values by canonical column name; a column the file does not have, or
	// an empty cell, is absent.
	Values map[string]string
}

// Get returns a column's value ("" when absent) and whether it was given.
func (r Record) Get(name string) (string, bool) {
	v, ok := r.Values[name]
	return v, ok
}

// Mapping maps a file's header onto a kind's columns.
type Mapping struct {
	columns []Column
	index   []int          // file column i → columns index, or -1 (ignored)
	header  []string       // the file's own header texts
	byName  map[string]int // canonical name → file column
}

// normalizeHeader makes "Risk Category", "risk_category" and "RISK-CATEGORY"
// the same header.
func normalizeHeader(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MapHeader maps header onto columns. Unknown columns, a column named
// twice and missing required columns are errors on line 1: a misspelt
// header would otherwise silently drop a whole column of data.
func MapHeader(header []string, columns []Column) (*Mapping, []RowError) {
	names := map[string]int{}
	for i, c := range columns {
		names[normalizeHeader(c.Name)] = i
		for _, a := range c.Aliases {
			names[normalizeHeader(a)] = i
		}
	}
	m := &Mapping{columns: columns, index: make([]int, len(header)), header: header, byName: map[string]int{}}
	var errs []RowError
	for i, h := range header {
		m.index[i] = -1
		if h == "" {
			continue // an unnamed column is ignored only if every row leaves it empty (see Record)
		}
		ci, ok := names[normalizeHeader(h)]
		if !ok {
			errs = append(errs, RowError{Line: 1, Column: h, Message: "unknown column; expected " + columnList(columns)})
			continue
		}
		name := columns[ci].Name
		if j, dup := m.byName[name]; dup {
			errs = append(errs, RowError{Line: 1, Column: h, Message: fmt.Sprintf("the column %s is named twice (also %q)", name, header[j])})
			continue
		}
		m.index[i], m.byName[name] = ci, i
	}
	for _, c := range columns {
		if _, ok := m.byName[c.Name]; c.Required && !ok {
			errs = append(errs, RowError{Line: 1, Column: c.Name, Message: "required column missing"})
		}
	}
	return m, errs
}

func columnList(columns []Column) string {
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// ColumnOf is the file's header of a canonical column, for error reports;
// the canonical name when the file has no such column.
func (m *Mapping) ColumnOf(name string) string {
	if i, ok := m.byName[name]; ok {
		return m.header[i]
	}
	return name
}

// ColumnOfField is the file's header of the column holding a domain field
// ("riskCategory"); "" when no column holds it.
func (m *Mapping) ColumnOfField(field string) string {
	for _, c := range m.columns {
		if c.Field == field || c.Name == field {
			return m.ColumnOf(c.Name)
		}
	}
	return ""
}

// Record maps one row, checking the cell limit and the required values.
func (m *Mapping) Record(row Row, maxCell int) (Record, []RowError) {
	rec := Record{Line: row.Line, Values: map[string]string{}}
	var errs []RowError
	for i, v := range row.Cells {
		if v == "" {
			continue
		}
		if i >= len(m.index) || m.index[i] < 0 {
			col := fmt.Sprintf("column %d", i+1)
			if i < len(m.header) && m.header[i] != "" {
				continue // an unknown named column is reported once, on the header
			}
			errs = append(errs, RowError{Line: row.Line, Column: col, Message: "a value in a column without a header"})
			continue
		}
		name := m.columns[m.index[i]].Name
		if utf8.RuneCountInString(v) > maxCell {
			errs = append(errs, RowError{Line: row.Line, Column: m.header[i], Message: fmt.Sprintf("longer than %d characters", maxCell)})
			continue
		}
		rec.Values[name] = v
	}
	for _, c := range m.columns {
		if _, ok := rec.Values[c.Name]; c.Required && !ok {
			if _, has := m.byName[c.Name]; has {
				errs = append(errs, RowError{Line: row.Line, Column: m.ColumnOf(c.Name), Message: "required"})
			}
		}
	}
	return rec, errs
}
