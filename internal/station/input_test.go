package station

import (
	"errors"
	"slices"
	"testing"

	"github.com/hsedigital/hse/internal/hse"
)

func ptr[T any](v T) *T { return &v }

func TestInputApply(t *testing.T) {
	s := &Station{Code: "OLD", Name: "Old", RiskCategory: "Low", AuditFrequency: "Monthly"}
	in := Input{Code: ptr(" ST-01 "), Name: ptr(" Harbour "), Latitude: ptr(-90.0), Longitude: ptr(180.0),
		ManagerUserIDs: &[]string{"a", "b", "a"}, RiskCategory: ptr("Critical")}
	if err := in.apply(s); err != nil {
		t.Fatal(err)
	}
	if s.Code != "ST-01" || s.Name != "Harbour" || *s.Latitude != -90 || s.RiskCategory != "Critical" || s.AuditFrequency != "Monthly" ||
		!slices.Equal(s.ManagerUserIDs, []string{"a", "b"}) {
		t.Errorf("applied: %+v", s)
	}
	bad := Input{Code: ptr("st 1"), Name: ptr(""), Latitude: ptr(90.5), Longitude: ptr(-180.5), RiskCategory: ptr("Severe"),
		AuditFrequency: ptr("Weekly")}
	var e *hse.Error
	if err := bad.apply(&Station{}); !errors.As(err, &e) || len(e.Fields) != 6 {
		t.Fatalf("err = %v, want six fields named", err)
	}
}

func TestValidMonth(t *testing.T) {
	for m, want := range map[string]bool{"2026-01": true, "2026-12": true, "2026-13": false, "2026-00": false, "26-01": false, "2026-1": false} {
		if ValidMonth(m) != want {
			t.Errorf("ValidMonth(%q) = %v", m, !want)
		}
	}
}
