package station

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hsedigital/hse/internal/hse"
)

// Input is a new station or a change to one; nil fields are left as they
// are (on create: defaults).
type Input struct {
	Code           *string
	Name           *string
	Brand          *string
	Region         *string
	Address        *string
	Latitude       *float64
	Longitude      *float64
	RiskCategory   *string
	AuditFrequency *string
	ManagerUserIDs *[]string
	Active         *bool
	TimeZone       *string // "" clears it
}

var codePattern = regexp.MustCompile(`^[A-Z0-9-]{1,32}$`)

// MaxManagers bounds the managers of one station.
const MaxManagers = 50

// apply validates in and writes it onto s, naming every field at fault.
func (in Input) apply(s *Station) error {
	var fields []hse.FieldError
	bad := func(field, msg string) { fields = append(fields, hse.FieldError{Field: field, Message: msg}) }
	text := func(field string, v *string, dst *string, min, max int) {
		if v == nil {
			return
		}
		t := strings.TrimSpace(*v)
		if n := len([]rune(t)); n < min || n > max {
			bad(field, fmt.Sprintf("must be %d to %d characters", min, max))
			return
		}
		*dst = t
	}
	if in.Code != nil {
		c := strings.TrimSpace(*in.Code)
		if !codePattern.MatchString(c) {
			bad("code", "1 to 32 characters of A-Z, 0-9 and -")
		} else {
			s.Code = c
		}
	}
	if in.TimeZone != nil {
		if tz := strings.TrimSpace(*in.TimeZone); !hse.ValidTimeZone(tz) {
			bad("timeZone", "an IANA time zone such as Europe/London, or \"\" to follow the organization's")
		} else {
			s.TimeZone = tz
		}
	}
	text("name", in.Name, &s.Name, 1, 200)
	text("brand", in.Brand, &s.Brand, 0, 100)
	text("region", in.Region, &s.Region, 0, 100)
	text("address", in.Address, &s.Address, 0, 500)
	if in.Latitude != nil {
		if *in.Latitude < -90 || *in.Latitude > 90 {
			bad("latitude", "must be between -90 and 90")
		} else {
			s.Latitude = in.Latitude
		}
	}
	if in.Longitude != nil {
		if *in.Longitude < -180 || *in.Longitude > 180 {
			bad("longitude", "must be between -180 and 180")
		} else {
			s.Longitude = in.Longitude
		}
	}
	if in.RiskCategory != nil {
		if !slices.Contains(RiskCategories, *in.RiskCategory) {
			bad("riskCategory", "one of "+strings.Join(RiskCategories, ", "))
		} else {
			s.RiskCategory = *in.RiskCategory
		}
	}
	if in.AuditFrequency != nil {
		if !slices.Contains(AuditFrequencies, *in.AuditFrequency) {
			bad("auditFrequency", "one of "+strings.Join(AuditFrequencies, ", "))
		} else {
			s.AuditFrequency = *in.AuditFrequency
		}
	}
	if in.ManagerUserIDs != nil {
		ids := *in.ManagerUserIDs
		if len(ids) > MaxManagers {
			bad("managerUserIds", fmt.Sprintf("at most %d managers", MaxManagers))
		} else {
			// Order is kept; duplicates are dropped rather than refused.
			out := []string{}
			for _, id := range ids {
				if !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
			s.ManagerUserIDs = out
		}
	}
	if in.Active != nil {
		s.Active = *in.Active
	}
	if len(fields) > 0 {
		return hse.Invalid("invalid station", fields...)
	}
	return nil
}

// checkManagers refuses managers who could not run the station: a manager
// is a member of the organization whose role reads stations and is not a
// contractor company's (contractor staff work at stations; they do not
// run them). Naming someone manager lets them see the station (see
// ScopeChanged), so it must not reach people who should not.
func checkManagers(ctx context.Context, tx Tx, orgID string, ids []string) error {
	var problems []string
	for _, id := range ids {
		acc, err := tx.FindMemberAccess(ctx, orgID, id)
		switch {
		case hse.IsNotFound(err):
			problems = append(problems, id+" is not a member of this organization")
		case err != nil:
			return err
		case acc.ScopeKind == hse.ScopeContractor:
			problems = append(problems, id+" is a contractor's staff member")
		case !acc.Permissions.Has(PermRead):
			problems = append(problems, id+" has a role without "+string(PermRead))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return hse.Invalid("managers must be members who may see stations and are not contractor staff",
		hse.FieldError{Field: "managerUserIds", Message: strings.Join(problems, "; ")})
}

var monthPattern = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// ValidMonth reports whether m is a month as "YYYY-MM".
func ValidMonth(m string) bool { return monthPattern.MatchString(m) }

// MaxHours bounds the hours of one station in one month.
const MaxHours = 1_000_000
