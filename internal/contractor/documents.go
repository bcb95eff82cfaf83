package contractor

import (
	"context"

	"github.com/hsedigital/hse/internal/hse"
)

// MaxDocuments bounds the documents of one company.
const MaxDocuments = 200

// Documents lists a company's documents, soonest expiry first.
func (s *Service) Documents(ctx context.Context, p *hse.Principal, contractorID string) ([]Document, error) {
	_, docs, err := s.Contractor(ctx, p, contractorID)
	return docs, err
}

// AddDocument records a document of a company.
func (s *Service) AddDocument(ctx context.Context, p *hse.Principal, contractorID string, in DocumentInput) (*Document, error) {
	if err := p.Require(PermUpdate); err != nil {
		return nil, err
	}
	d, err := in.document()
	if err != nil {
		return nil, err
	}
	d.ID, d.ContractorID, d.CreatedAt = newID(), contractorID, s.now()
	err = s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		if _, err := s.find(ctx, tx, p, contractorID); err != nil {
			return err
		}
		docs, err := tx.FindContractorDocuments(ctx, p.OrgID, contractorID)
		if err != nil {
			return err
		}
		if len(docs) >= MaxDocuments {
			return hse.Conflict("TOO_MANY_DOCUMENTS", "a contractor has at most %d documents; delete old ones first", MaxDocuments)
		}
		if err := tx.CreateContractorDocument(ctx, p.OrgID, d); err != nil {
			return err
		}
		if d.AttachmentID != "" {
			if err := hse.Attach(ctx, tx, p, documentLink(contractorID, d.ID), "attachmentId", []string{d.AttachmentID}); err != nil {
				return err
			}
		}
		return tx.AppendAudit(ctx, audit(ctx, p, d.CreatedAt, "contractor.document_added", "contractor_document", d.ID, nil, docSnapshot(d)))
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// documentLink names a contractor document as the record its file
// documents. Contractor documents belong to no station, to the company.
func documentLink(contractorID, id string) hse.AttachmentLink {
	return hse.AttachmentLink{EntityType: "contractor_document", EntityID: id, ContractorID: contractorID}
}

// DeleteDocument removes a document recorded by mistake; the audit trail
// keeps what it said.
func (s *Service) DeleteDocument(ctx context.Context, p *hse.Principal, contractorID, id string) error {
	if err := p.Require(PermUpdate); err != nil {
		return err
	}
	return s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		if _, err := s.find(ctx, tx, p, contractorID); err != nil {
			return err
		}
		d, err := tx.FindContractorDocument(ctx, p.OrgID, contractorID, id)
		if err != nil {
			return err
		}
		if err := tx.SetAttachments(ctx, p.OrgID, documentLink(contractorID, id), "attachmentId", nil); err != nil {
			return err
		}
		if err := tx.DeleteContractorDocument(ctx, p.OrgID, contractorID, id); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit(ctx, p, s.now(), "contractor.document_deleted", "contractor_document", id, docSnapshot(d), nil))
	})
}
