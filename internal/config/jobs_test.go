package config

import (
	"strings"
	"testing"
	"time"
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

func TestLoadPermitExpiryInterval(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  time.Duration
	}{
		{"", DefaultPermitExpiryInterval},
		{"off", 0},
		{"30s", 30 * time.Second},
		{" 5m ", 5 * time.Minute},
	} {
		c, err := Load(env(map[string]string{"HSE_PERMIT_EXPIRY_INTERVAL": tc.value}))
		if err != nil {
			t.Fatalf("HSE_PERMIT_EXPIRY_INTERVAL=%q: %v", tc.value, err)
		}
		if c.Jobs.PermitExpiryInterval != tc.want {
			t.Errorf("HSE_PERMIT_EXPIRY_INTERVAL=%q: %s, want %s", tc.value, c.Jobs.PermitExpiryInterval, tc.want)
		}
	}
	for _, bad := range []string{"soon", "500ms", "2h", "-1m"} {
		_, err := Load(env(map[string]string{"HSE_PERMIT_EXPIRY_INTERVAL": bad}))
		if err == nil || !strings.Contains(err.Error(), "HSE_PERMIT_EXPIRY_INTERVAL") {
			t.Errorf("HSE_PERMIT_EXPIRY_INTERVAL=%q: %v", bad, err)
		}
	}
}
