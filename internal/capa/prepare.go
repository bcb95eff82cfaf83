package capa

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hsedigital/hse/internal/hse"
)

// Day is the UTC day of t, as due dates are stored.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DefaultDue is the due day of an action raised at from with a severity:
// Critical 3 days, Major 14, Minor (and unrated) 30.
func DefaultDue(severity string, from time.Time) time.Time {
	days := 30
	switch severity {
	case "Critical":
		days = 3
	case "Major":
		days = 14
	}
	return Day(from).AddDate(0, 0, days)
}

// Prepare validates a new action and fills in what is not given: id,
// status Open, version 1, priority Medium, the due day from the severity,
// and the times. Every creator (by hand, audit completion, incidents,
// permits) goes through it. The number is given by the store.
func Prepare(a *Action, now time.Time) error {
	var fields []hse.FieldError
	bad := func(field, msg string) { fields = append(fields, hse.FieldError{Field: field, Message: msg}) }
	a.Title = strings.TrimSpace(a.Title)
	if n := len([]rune(a.Title)); n < 1 || n > 300 {
		bad("title", "1 to 300 characters")
	}
	if len(a.Description) > 10000 {
		bad("description", "at most 10,000 characters")
	}
	if !slices.Contains(SourceTypes, a.SourceType) {
		bad("sourceType", "one of "+strings.Join(SourceTypes, ", "))
	}
	if a.Priority == "" {
		a.Priority = "Medium"
	}
	if !slices.Contains(Priorities, a.Priority) {
		bad("priority", "one of "+strings.Join(Priorities, ", "))
	}
	if a.Severity != "" && !slices.Contains(Severities, a.Severity) {
		bad("severity", "one of "+strings.Join(Severities, ", "))
	}
	if len(fields) > 0 {
		return hse.Invalid("invalid action", fields...)
	}
	now = now.UTC().Truncate(time.Microsecond)
	if a.ID == "" {
		a.ID = uuid.Must(uuid.NewV7()).String()
	}
	if a.DueOn.IsZero() {
		a.DueOn = DefaultDue(a.Severity, now)
	}
	a.DueOn = Day(a.DueOn)
	a.Status, a.Version = StatusOpen, 1
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	a.UpdatedAt = a.CreatedAt
	return nil
}

// Series is the number series of actions created at t ("CA-2026").
func Series(t time.Time) string { return fmt.Sprintf("CA-%d", t.UTC().Year()) }

// FormatNumber formats the n-th action number of a series.
func FormatNumber(series string, n int64) string { return fmt.Sprintf("%s-%04d", series, n) }
