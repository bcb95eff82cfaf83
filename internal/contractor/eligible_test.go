package contractor

import (
	"errors"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

func day(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestDocumentValidity(t *testing.T) {
	d := Document{ExpiresOn: day("2026-06-30")}
	for at, want := range map[string][2]bool{
		"2026-05-30T10:00:00Z": {true, false}, // 31 days: not yet soon
		"2026-05-31T10:00:00Z": {true, true},  // 30 days
		"2026-06-01T00:00:00Z": {true, true},  // 29 days
		"2026-06-30T23:59:59Z": {true, true},  // valid through its expiry day
		"2026-07-01T00:00:00Z": {false, false},
	} {
		ts, _ := time.Parse(time.RFC3339, at)
		if got := [2]bool{d.Valid(ts), d.ExpiringSoon(ts)}; got != want {
			t.Errorf("at %s: valid, expiringSoon = %v, want %v", at, got, want)
		}
	}
	forever := Document{}
	if !forever.Valid(time.Now()) || forever.ExpiringSoon(time.Now()) {
		t.Error("a document without expiry is always valid and never expiring")
	}
}

func TestCheckEligible(t *testing.T) {
	at := time.Date(2026, 6, 15, 8, 0, 0, 0, time.UTC)
	docs := []Document{
		{Type: "insurance", ExpiresOn: day("2026-06-14")}, // expired
		{Type: "insurance", ExpiresOn: day("2026-12-31")}, // a renewal
		{Type: "licence", ExpiresOn: day("2026-06-10")},
		{Type: "certification"},
	}
	cases := []struct {
		name     string
		status   string
		required []string
		problems int
	}{
		{"active with valid insurance", StatusActive, []string{"insurance", "certification"}, 0},
		{"expired licence", StatusActive, []string{"insurance", "licence"}, 1},
		{"missing type", StatusActive, []string{"other"}, 1},
		{"suspended", StatusSuspended, nil, 1},
		{"inactive and expired", StatusInactive, []string{"licence"}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckEligible(&Contractor{ID: "c", Name: "Co", Status: c.status}, docs, c.required, at)
			if c.problems == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *hse.Error
			if !errors.As(err, &e) || e.Code != "CONTRACTOR_NOT_ELIGIBLE" || len(e.Details["problems"].([]string)) != c.problems {
				t.Fatalf("err = %v (%+v)", err, e)
			}
		})
	}
}
