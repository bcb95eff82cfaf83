package importer

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
)

// Reference kinds: what an external code names.
const (
	refContractor = "contractor"
	refDocument   = "contractor_document"
)

// codePattern is an external code: the identifier of a record in the
// system it comes from.
var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

const codeRule = "1 to 64 characters of letters, digits, '.', '_' and '-'"

// Contractors have no code of their own in this system: the file's code is
// kept beside the record (external_refs) and matched on the next import.
func init() {
	specs[KindContractors] = kindSpec{
		columns: []Column{
			{Name: "code", Required: true, Aliases: []string{"contractor code", "external code"}},
			{Name: "name", Required: true, Aliases: []string{"company", "company name"}},
			{Name: "licence_number", Field: "licenceNumber", Aliases: []string{"license number", "licence", "license"}},
			{Name: "specialization", Aliases: []string{"specialisation", "trade"}},
			{Name: "contact_name", Field: "contactName", Aliases: []string{"contact"}},
			{Name: "contact_email", Field: "contactEmail", Aliases: []string{"email"}},
			{Name: "contact_phone", Field: "contactPhone", Aliases: []string{"phone"}},
			{Name: "status"},
		},
		key:   func(r Record) string { v, _ := r.Get("code"); return v },
		chunk: importContractors,
	}
}

func importContractors(ctx context.Context, r *run, tx Tx, recs []Record) ([]func(context.Context), error) {
	codes := make([]string, len(recs))
	for i, rec := range recs {
		codes[i], _ = rec.Get("code")
	}
	refs, err := tx.FindExternalRefs(ctx, r.p.OrgID, refContractor, codes)
	if err != nil {
		return nil, err
	}
	now := r.svc.now()
	for _, rec := range recs {
		c := r.check(rec)
		code, _ := rec.Get("code")
		if !codePattern.MatchString(code) {
			c.bad("code", codeRule)
		}
		in := contractor.Input{Name: c.text("name"), LicenceNumber: c.text("licence_number"), Specialization: c.text("specialization"),
			ContactName: c.text("contact_name"), ContactEmail: c.text("contact_email"), ContactPhone: c.text("contact_phone"),
			Status: c.enum("status", contractor.Statuses)}
		var old *contractor.Contractor
		if id, ok := refs[code]; ok {
			if old, err = tx.FindContractor(ctx, r.p.OrgID, id, now); err != nil && !hse.IsNotFound(err) {
				return nil, err
			}
		}
		co, err := contractor.Build(old, in, now)
		if err != nil {
			if err := c.domain(err); err != nil {
				return nil, err
			}
		}
		// As UpdateContractor: making a company Inactive is deleting it.
		if co != nil && old != nil && co.Status == contractor.StatusInactive && old.Status != contractor.StatusInactive && !r.p.Can(contractor.PermDelete) {
			c.bad("status", fmt.Sprintf("setting a contractor Inactive needs the permission %s", contractor.PermDelete))
		}
		if !c.ok() {
			continue
		}
		if old == nil {
			r.im.Created++
			if r.dryRun {
				continue
			}
			if err := tx.CreateContractor(ctx, r.p.OrgID, co); err != nil {
				return nil, err
			}
			if err := tx.PutExternalRef(ctx, r.p.OrgID, refContractor, code, co.ID); err != nil {
				return nil, err
			}
			r.emit("contractor:created", "contractor", co.ID, contractor.EventPayload(co))
			after := contractor.Snapshot(co)
			after["externalCode"] = code
			r.audit(ctx, "contractor.created", "contractor", co.ID, nil, after)
			continue
		}
		before := contractor.Snapshot(old)
		if reflect.DeepEqual(before, contractor.Snapshot(co)) {
			r.im.Unchanged++
			continue
		}
		r.im.Updated++
		if r.dryRun {
			continue
		}
		co.Version, co.UpdatedAt = old.Version+1, now
		if err := tx.UpdateContractor(ctx, r.p.OrgID, co, old.Version); err != nil {
			return nil, err
		}
		// A status change matters to permits, so it has its own event type.
		if old.Status != co.Status {
			r.emit("contractor:status_changed", "contractor", co.ID, hse.StatusChange(co.Name, old.Status, co.Status, contractor.EventPayload(co)))
		} else {
			r.emit("contractor:updated", "contractor", co.ID, contractor.EventPayload(co))
		}
		r.audit(ctx, "contractor.updated", "contractor", co.ID, before, contractor.Snapshot(co))
	}
	return nil, nil
}

// splitList reads a cell holding several values ("ST-01; ST-02").
func splitList(v string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' || r == '|' || r == ' ' || r == '\n' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
