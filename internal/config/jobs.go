package config

import (
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultAuditSchedule is when automatic audit scheduling runs unless
// HSE_AUDIT_SCHEDULE says otherwise: daily at 01:30 UTC.
const DefaultAuditSchedule = "30 1 * * *"

// Jobs configures the recurring jobs the server runs.
type Jobs struct {
	// AuditSchedule is a five-field cron expression in UTC for the daily
	// audit job: the scheduled audits of organizations with automatic
	// scheduling on, the audits of audit schedules within their lead time,
	// and Missed audits (HSE_AUDIT_SCHEDULE, default DefaultAuditSchedule);
	// empty when HSE_AUDIT_SCHEDULE is "off".
	AuditSchedule string
	// ActionOverdueSchedule is when the job that emits "action:overdue"
	// and "action:escalated" events runs (HSE_ACTION_OVERDUE_SCHEDULE,
	// default hourly); empty when "off".
	ActionOverdueSchedule string
	// PermitExpiryInterval is how often the job that expires permits past
	// their valid-to (and suspends those whose gas re-test is overdue) runs (HSE_PERMIT_EXPIRY_INTERVAL, default
	// DefaultPermitExpiryInterval, from 1s to 1h); 0 when "off".
	PermitExpiryInterval time.Duration
}

// DefaultActionOverdueSchedule runs the overdue-action job hourly, so an
// action that became overdue at midnight UTC is announced within the hour.
const DefaultActionOverdueSchedule = "5 * * * *"

// cronSetting reads a cron job setting: def when unset, "" when "off".
func cronSetting(getenv Getenv, bad func(name, value, want string), name, def string) string {
	v := strings.TrimSpace(getenv(name))
	switch {
	case v == "":
		return def
	case strings.EqualFold(v, "off"):
		return ""
	}
	if _, err := cron.ParseStandard(v); err != nil {
		bad(name, v, `expected a five-field cron expression in UTC such as "`+def+`", or "off"`)
	}
	return v
}

// DefaultPermitExpiryInterval is how often permits are expired unless
// HSE_PERMIT_EXPIRY_INTERVAL says otherwise: a permit is shown Expired at
// most this long after its valid-to.
const DefaultPermitExpiryInterval = time.Minute

// LoadJobs reads the job schedules, reporting invalid values through bad.
func LoadJobs(getenv Getenv, bad func(name, value, want string)) Jobs {
	return Jobs{
		AuditSchedule:         cronSetting(getenv, bad, "HSE_AUDIT_SCHEDULE", DefaultAuditSchedule),
		ActionOverdueSchedule: cronSetting(getenv, bad, "HSE_ACTION_OVERDUE_SCHEDULE", DefaultActionOverdueSchedule),
		PermitExpiryInterval:  permitExpiryInterval(getenv, bad),
	}
}

func permitExpiryInterval(getenv Getenv, bad func(name, value, want string)) time.Duration {
	v := strings.TrimSpace(getenv("HSE_PERMIT_EXPIRY_INTERVAL"))
	switch {
	case v == "":
		return DefaultPermitExpiryInterval
	case strings.EqualFold(v, "off"):
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second || d > time.Hour {
		bad("HSE_PERMIT_EXPIRY_INTERVAL", v, `expected a duration from 1s to 1h such as "1m", or "off"`)
		return DefaultPermitExpiryInterval
	}
	return d
}
