package importer

import (
	"context"
	"reflect"
	"strings"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
)

// Documents name their company by the contractor's external code (from a
// contractors import) and have a code of their own within it: a document
// is matched on both.
func init() {
	specs[KindContractorDocuments] = kindSpec{
		columns: []Column{
			{Name: "contractor_code", Required: true, Aliases: []string{"contractor"}},
			{Name: "code", Required: true, Aliases: []string{"document code"}},
			{Name: "type", Required: true, Aliases: []string{"document type"}},
			{Name: "number", Aliases: []string{"document number"}},
			{Name: "issued_on", Field: "issuedOn", Aliases: []string{"issued", "issue date"}},
			{Name: "expires_on", Field: "expiresOn", Aliases: []string{"expires", "expiry", "expiry date"}},
		},
		key:   documentKey,
		chunk: importDocuments,
	}
}

// documentKey is a document's external code: its company's and its own.
func documentKey(r Record) string {
	c, _ := r.Get("contractor_code")
	d, _ := r.Get("code")
	return c + "/" + d
}

func importDocuments(ctx context.Context, r *run, tx Tx, recs []Record) ([]func(context.Context), error) {
	var companies, keys []string
	for _, rec := range recs {
		c, _ := rec.Get("contractor_code")
		companies, keys = append(companies, c), append(keys, documentKey(rec))
	}
	contractorIDs, err := tx.FindExternalRefs(ctx, r.p.OrgID, refContractor, companies)
	if err != nil {
		return nil, err
	}
	docIDs, err := tx.FindExternalRefs(ctx, r.p.OrgID, refDocument, keys)
	if err != nil {
		return nil, err
	}
	now := r.svc.now()
	docsOf := map[string][]contractor.Document{} // loaded once per company and chunk
	for _, rec := range recs {
		c := r.check(rec)
		company, _ := rec.Get("contractor_code")
		code, _ := rec.Get("code")
		if !codePattern.MatchString(code) {
			c.bad("code", codeRule)
		}
		contractorID, known := contractorIDs[company]
		if !known {
			c.bad("contractor_code", "no contractor was imported with this code; import the contractors first")
		}
		typ, _ := rec.Get("type")
		in := contractor.DocumentInput{Type: strings.ToLower(typ), Number: deref(c.text("number")),
			IssuedOn: c.date("issued_on"), ExpiresOn: c.date("expires_on")}
		d, err := contractor.BuildDocument(in)
		if err != nil {
			if err := c.domain(err); err != nil {
				return nil, err
			}
		}
		if !c.ok() {
			continue
		}
		docs, loaded := docsOf[contractorID]
		if !loaded {
			if docs, err = tx.FindContractorDocuments(ctx, r.p.OrgID, contractorID); err != nil {
				return nil, err
			}
			docsOf[contractorID] = docs
		}
		var old *contractor.Document
		if id, ok := docIDs[documentKey(rec)]; ok {
			for i := range docs {
				if docs[i].ID == id {
					old = &docs[i]
				}
			}
		}
		d.ContractorID = contractorID
		if old == nil {
			if len(docs) >= contractor.MaxDocuments {
				c.bad("", "the contractor already has the most documents allowed; delete old ones first")
				c.ok()
				continue
			}
			r.im.Created++
			d.ID, d.CreatedAt = hse.NewID(), now
			docsOf[contractorID] = append(docs, *d)
			if r.dryRun {
				continue
			}
			if err := tx.CreateContractorDocument(ctx, r.p.OrgID, d); err != nil {
				return nil, err
			}
			if err := tx.PutExternalRef(ctx, r.p.OrgID, refDocument, documentKey(rec), d.ID); err != nil {
				return nil, err
			}
			after := contractor.DocumentSnapshot(d)
			after["externalCode"] = code
			r.audit(ctx, "contractor.document_added", "contractor_document", d.ID, nil, after)
			continue
		}
		// The file describes the metadata; a file attached through the API
		// stays attached.
		d.ID, d.CreatedAt, d.AttachmentID = old.ID, old.CreatedAt, old.AttachmentID
		before := contractor.DocumentSnapshot(old)
		if reflect.DeepEqual(before, contractor.DocumentSnapshot(d)) {
			r.im.Unchanged++
			continue
		}
		r.im.Updated++
		if r.dryRun {
			continue
		}
		if err := tx.UpdateContractorDocument(ctx, r.p.OrgID, d); err != nil {
			return nil, err
		}
		r.audit(ctx, "contractor.document_updated", "contractor_document", d.ID, before, contractor.DocumentSnapshot(d))
	}
	return nil, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
