package config

import (
	"strings"

	"github.com/robfig/cron/v3"
)

// DefaultAuditSchedule is when automatic audit scheduling runs unless
// HSE_AUDIT_SCHEDULE says otherwise: daily at 01:30 UTC.
const DefaultAuditSchedule = "30 1 * * *"

// Jobs configures the recurring jobs the server runs.
type Jobs struct {
	// AuditSchedule is a five-field cron expression in UTC for the job that
	// creates the scheduled audits of organizations with automatic
	// scheduling on (HSE_AUDIT_SCHEDULE, default DefaultAuditSchedule);
	// empty when HSE_AUDIT_SCHEDULE is "off".
	AuditSchedule string
}

// LoadJobs reads the job schedules, reporting invalid values through bad.
func LoadJobs(getenv Getenv, bad func(name, value, want string)) Jobs {
	j := Jobs{AuditSchedule: strings.TrimSpace(getenv("HSE_AUDIT_SCHEDULE"))}
	switch {
	case j.AuditSchedule == "":
		j.AuditSchedule = DefaultAuditSchedule
	case strings.EqualFold(j.AuditSchedule, "off"):
		j.AuditSchedule = ""
	default:
		if _, err := cron.ParseStandard(j.AuditSchedule); err != nil {
			bad("HSE_AUDIT_SCHEDULE", j.AuditSchedule, `expected a five-field cron expression in UTC such as "30 1 * * *", or "off"`)
		}
	}
	return j
}
