package config

import (
	"strings"
	"testing"
)

func TestLoadAuditSchedule(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"", DefaultAuditSchedule},
		{"off", ""},
		{"OFF", ""},
		{" 0 3 * * 1 ", "0 3 * * 1"},
	} {
		c, err := Load(env(map[string]string{"HSE_AUDIT_SCHEDULE": tc.value}))
		if err != nil {
			t.Fatalf("HSE_AUDIT_SCHEDULE=%q: %v", tc.value, err)
		}
		if c.Jobs.AuditSchedule != tc.want {
			t.Errorf("HSE_AUDIT_SCHEDULE=%q: %q, want %q", tc.value, c.Jobs.AuditSchedule, tc.want)
		}
	}
	_, err := Load(env(map[string]string{"HSE_AUDIT_SCHEDULE": "daily"}))
	if err == nil || !strings.Contains(err.Error(), "HSE_AUDIT_SCHEDULE") {
		t.Errorf("an invalid schedule: %v", err)
	}
}
