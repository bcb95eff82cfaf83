package importer

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/hsedigital/hse/internal/hse"
)

// rowCheck collects one row's problems, so that a row with several is
// reported whole and counted once.
type rowCheck struct {
	r    *run
	rec  Record
	errs []RowError
}

func (r *run) check(rec Record) *rowCheck { return &rowCheck{r: r, rec: rec} }

// bad records a problem in a column (canonical name; "" for the row).
func (c *rowCheck) bad(column, msg string) {
	col := ""
	if column != "" {
		col = c.r.mapping.ColumnOf(column)
	}
	c.errs = append(c.errs, RowError{Line: c.rec.Line, Column: col, Message: msg})
}

// domain records a domain rule's refusal, each field error on the column
// that holds the field. Errors that are not the row's fault are returned.
func (c *rowCheck) domain(err error) error {
	var e *hse.Error
	if !errors.As(err, &e) || e.Kind == hse.KindInternal || e.Kind == hse.KindUnavailable {
		return err
	}
	if len(e.Fields) == 0 {
		c.errs = append(c.errs, RowError{Line: c.rec.Line, Message: e.Message})
		return nil
	}
	for _, f := range e.Fields {
		c.errs = append(c.errs, RowError{Line: c.rec.Line, Column: c.r.mapping.ColumnOfField(f.Field), Message: f.Message})
	}
	return nil
}

// ok reports whether the row has no problems; a row that has them is
// recorded as failed.
func (c *rowCheck) ok() bool {
	if len(c.errs) == 0 {
		return true
	}
	c.r.fail(c.errs...)
	c.errs = nil
	return false
}

// text is a column's value as a domain input: nil when the file leaves it
// empty, which keeps the record's value (or the default, when created).
func (c *rowCheck) text(name string) *string {
	if v, ok := c.rec.Get(name); ok {
		return &v
	}
	return nil
}

func (c *rowCheck) number(name string) *float64 {
	v, ok := c.rec.Get(name)
	if !ok {
		return nil
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
	if err != nil {
		c.bad(name, "must be a number")
		return nil
	}
	return &f
}

// enum matches a value to one of options regardless of case ("high" is
// "High"), leaving other values for the domain to refuse by name.
func (c *rowCheck) enum(name string, options []string) *string {
	v, ok := c.rec.Get(name)
	if !ok {
		return nil
	}
	for _, o := range options {
		if strings.EqualFold(o, v) || strings.EqualFold(strings.ReplaceAll(o, "-", " "), v) {
			return &o
		}
	}
	return &v
}

func (c *rowCheck) boolean(name string) *bool {
	v, ok := c.rec.Get(name)
	if !ok {
		return nil
	}
	switch strings.ToLower(v) {
	case "true", "yes", "y", "1", "active":
		b := true
		return &b
	case "false", "no", "n", "0", "inactive":
		b := false
		return &b
	}
	c.bad(name, "yes or no")
	return nil
}

// date reads a day as YYYY-MM-DD, or as the serial number a spreadsheet
// stores a date cell as; it returns the YYYY-MM-DD form ("" when empty).
func (c *rowCheck) date(name string) string {
	v, ok := c.rec.Get(name)
	if !ok {
		return ""
	}
	if _, err := time.Parse(time.DateOnly, v); err == nil {
		return v
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 1 && n < 2958466 {
		if t, err := excelize.ExcelDateToTime(n, false); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	c.bad(name, "a date as YYYY-MM-DD")
	return ""
}
