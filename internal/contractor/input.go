package contractor

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Input is a new contractor or a change to one; nil fields are left as
// they are.
type Input struct {
	Name           *string
	LicenceNumber  *string
	Specialization *string
	ContactName    *string
	ContactEmail   *string
	ContactPhone   *string
	Status         *string
	StationIDs     *[]string // replaces the list; empty: every station
}

// apply validates in and writes it onto c, naming every field at fault.
func (in Input) apply(c *Contractor) error {
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
	text("name", in.Name, &c.Name, 1, 200)
	text("licenceNumber", in.LicenceNumber, &c.LicenceNumber, 0, 100)
	text("specialization", in.Specialization, &c.Specialization, 0, 100)
	text("contactName", in.ContactName, &c.ContactName, 0, 200)
	text("contactPhone", in.ContactPhone, &c.ContactPhone, 0, 50)
	if in.ContactEmail != nil {
		e := strings.TrimSpace(*in.ContactEmail)
		if a, err := mail.ParseAddress(e); e != "" && (err != nil || a.Address != e || len(e) > 254) {
			bad("contactEmail", "must be an e-mail address")
		} else {
			c.ContactEmail = e
		}
	}
	if in.Status != nil {
		if !slices.Contains(Statuses, *in.Status) {
			bad("status", "one of "+strings.Join(Statuses, ", "))
		} else {
			c.Status = *in.Status
		}
	}
	if in.StationIDs != nil {
		ids := []string{}
		for i, id := range *in.StationIDs {
			if strings.TrimSpace(id) == "" || len(id) > 64 {
				bad(fmt.Sprintf("stationIds[%d]", i), "must be a station id")
			} else if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if len(ids) > 500 {
			bad("stationIds", "at most 500")
		}
		c.StationIDs = ids
	}
	if len(fields) > 0 {
		return hse.Invalid("invalid contractor", fields...)
	}
	return nil
}

// checkStations refuses stations the organization does not have.
func checkStations(ctx context.Context, tx Tx, orgID string, ids []string) error {
	missing, err := tx.MissingStations(ctx, orgID, ids)
	if err != nil || len(missing) == 0 {
		return err
	}
	return hse.Invalid("unknown stations", hse.FieldError{Field: "stationIds", Message: "no such station: " + strings.Join(missing, ", ")})
}

// DocumentInput is a new contractor document. Dates are "YYYY-MM-DD".
type DocumentInput struct {
	Type         string
	Number       string
	IssuedOn     string
	ExpiresOn    string
	AttachmentID string
}

func (in DocumentInput) document() (*Document, error) {
	var fields []hse.FieldError
	bad := func(field, msg string) { fields = append(fields, hse.FieldError{Field: field, Message: msg}) }
	d := &Document{Type: in.Type, Number: strings.TrimSpace(in.Number), AttachmentID: in.AttachmentID}
	if !slices.Contains(DocumentTypes, in.Type) {
		bad("type", "one of "+strings.Join(DocumentTypes, ", "))
	}
	if len(d.Number) > 100 {
		bad("number", "at most 100 characters")
	}
	date := func(field, s string) *time.Time {
		if s == "" {
			return nil
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			bad(field, "a date as YYYY-MM-DD")
			return nil
		}
		return &t
	}
	d.IssuedOn, d.ExpiresOn = date("issuedOn", in.IssuedOn), date("expiresOn", in.ExpiresOn)
	if d.IssuedOn != nil && d.ExpiresOn != nil && d.ExpiresOn.Before(*d.IssuedOn) {
		bad("expiresOn", "must not be before issuedOn")
	}
	if len(fields) > 0 {
		return nil, hse.Invalid("invalid document", fields...)
	}
	return d, nil
}
