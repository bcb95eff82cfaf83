package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
)

// ContractorView is a contractor company as the API shows it.
type ContractorView struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	LicenceNumber  string    `json:"licenceNumber"`
	Specialization string    `json:"specialization"`
	ContactName    string    `json:"contactName"`
	ContactEmail   string    `json:"contactEmail"`
	ContactPhone   string    `json:"contactPhone"`
	Status         string    `json:"status" enum:"Active,Suspended,Inactive"`
	DocumentsValid bool      `json:"documentsValid" doc:"no document has expired"`
	StationIDs     []string  `json:"stationIds" doc:"the stations where the company may work, which its staff see; empty: every active station"`
	Version        int64     `json:"version" doc:"send as If-Match (or version) with a change"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
	// Documents are included when one contractor is read.
	Documents []DocumentView `json:"documents,omitempty"`
}

// DocumentView is a contractor document with its validity today.
type DocumentView struct {
	ID           string    `json:"id"`
	ContractorID string    `json:"contractorId"`
	Type         string    `json:"type" enum:"insurance,licence,certification,other"`
	Number       string    `json:"number"`
	IssuedOn     string    `json:"issuedOn,omitempty" doc:"YYYY-MM-DD"`
	ExpiresOn    string    `json:"expiresOn,omitempty" doc:"YYYY-MM-DD; absent: does not expire"`
	AttachmentID string    `json:"attachmentId,omitempty"`
	Valid        bool      `json:"valid" doc:"not expired today"`
	ExpiringSoon bool      `json:"expiringSoon" doc:"valid and expires within 30 days"`
	CreatedAt    time.Time `json:"createdAt"`
}

func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func contractorView(c *contractor.Contractor) ContractorView {
	return ContractorView{ID: c.ID, Name: c.Name, LicenceNumber: c.LicenceNumber, Specialization: c.Specialization,
		ContactName: c.ContactName, ContactEmail: c.ContactEmail, ContactPhone: c.ContactPhone, Status: c.Status,
		DocumentsValid: c.DocumentsValid, StationIDs: nonNil(c.StationIDs), Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

func documentView(d *contractor.Document, now time.Time) DocumentView {
	return DocumentView{ID: d.ID, ContractorID: d.ContractorID, Type: d.Type, Number: d.Number, IssuedOn: dateString(d.IssuedOn),
		ExpiresOn: dateString(d.ExpiresOn), AttachmentID: d.AttachmentID, Valid: d.Valid(now), ExpiringSoon: d.ExpiringSoon(now), CreatedAt: d.CreatedAt}
}

type contractorOutput struct {
	ETag string `header:"ETag"`
	Body ContractorView
}

func contractorOut(c *contractor.Contractor, docs []contractor.Document, now time.Time) *contractorOutput {
	v := contractorView(c)
	if docs != nil {
		v.Documents = make([]DocumentView, 0, len(docs))
		for i := range docs {
			v.Documents = append(v.Documents, documentView(&docs[i], now))
		}
	}
	return &contractorOutput{ETag: etag(c.Version), Body: v}
}

type contractorBody struct {
	Name           *string `json:"name,omitempty" maxLength:"200"`
	LicenceNumber  *string `json:"licenceNumber,omitempty" maxLength:"100"`
	Specialization *string `json:"specialization,omitempty" maxLength:"100"`
	ContactName    *string `json:"contactName,omitempty" maxLength:"200"`
	ContactEmail   *string `json:"contactEmail,omitempty" maxLength:"254"`
	ContactPhone   *string `json:"contactPhone,omitempty" maxLength:"50"`
	Status         *string `json:"status,omitempty" doc:"Active, Suspended or Inactive"`
	// StationIDs replaces the company's stations.
	StationIDs *[]string `json:"stationIds,omitempty" maxItems:"500" doc:"the stations where the company may work (its staff see them to request permits); [] means every active station; unknown ids are 400"`
	Version    *int64    `json:"version,omitempty" doc:"changes only: the version you edited, instead of If-Match"`
}

func (b contractorBody) input() contractor.Input {
	return contractor.Input{Name: b.Name, LicenceNumber: b.LicenceNumber, Specialization: b.Specialization,
		ContactName: b.ContactName, ContactEmail: b.ContactEmail, ContactPhone: b.ContactPhone, Status: b.Status, StationIDs: b.StationIDs}
}

var contractorCSV = []CSVColumn[ContractorView]{
	{"id", func(c ContractorView) string { return c.ID }},
	{"name", func(c ContractorView) string { return c.Name }},
	{"licenceNumber", func(c ContractorView) string { return c.LicenceNumber }},
	{"specialization", func(c ContractorView) string { return c.Specialization }},
	{"contactName", func(c ContractorView) string { return c.ContactName }},
	{"contactEmail", func(c ContractorView) string { return c.ContactEmail }},
	{"contactPhone", func(c ContractorView) string { return c.ContactPhone }},
	{"status", func(c ContractorView) string { return c.Status }},
	{"documentsValid", func(c ContractorView) string { return strconv.FormatBool(c.DocumentsValid) }},
	{"createdAt", func(c ContractorView) string { return c.CreatedAt.Format(time.RFC3339) }},
}

func registerContractors(api huma.API, d Deps) {
	svc := d.Contractors
	tags := []string{"Contractors"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }
	now := func() time.Time {
		if svc.Now != nil {
			return svc.Now()
		}
		return time.Now()
	}

	op := huma.Operation{OperationID: "listContractors", Method: http.MethodGet, Path: "/api/contractors", Tags: tags, Security: bearer,
		Summary: "Contractor companies", Description: "Contractor staff see only their own company. Sort by name, status or createdAt."}
	DocumentList[ContractorView](api, &op)
	huma.Register(api, op, func(ctx context.Context, in *struct {
		ListParams
		Status         string `query:"status" enum:"Active,Suspended,Inactive"`
		Specialization string `query:"specialization" maxLength:"100"`
		Q              string `query:"q" maxLength:"100" doc:"search in name and licence number"`
	}) (*huma.StreamResponse, error) {
		page, err := in.PageRequest(contractor.SortFields...)
		if err != nil {
			return nil, fail(ctx, err)
		}
		f := contractor.Filter{Status: in.Status, Specialization: in.Specialization, Q: in.Q}
		p := principalFrom(ctx)
		return ListResponse(ctx, d, in.ListParams, page, func(ctx context.Context, page hse.PageRequest) (hse.Page[ContractorView], error) {
			pg, err := svc.Contractors(ctx, p, f, page)
			return mapPage(pg, contractorView), err
		}, contractorCSV, "contractors.csv")
	})

	huma.Register(api, huma.Operation{OperationID: "createContractor", Method: http.MethodPost, Path: "/api/contractors", Tags: tags, Security: bearer, DefaultStatus: 201,
		Summary: "Add a contractor company", Description: "name is required; the status defaults to Active."},
		func(ctx context.Context, in *struct{ Body contractorBody }) (*contractorOutput, error) {
			c, err := svc.CreateContractor(ctx, principalFrom(ctx), in.Body.input())
			if err != nil {
				return nil, fail(ctx, err)
			}
			return contractorOut(c, []contractor.Document{}, now()), nil
		})

	huma.Register(api, huma.Operation{OperationID: "getContractor", Method: http.MethodGet, Path: "/api/contractors/{id}", Tags: tags, Security: bearer,
		Summary: "One contractor company with its documents"},
		func(ctx context.Context, in *stationPath) (*contractorOutput, error) {
			c, docs, err := svc.Contractor(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return contractorOut(c, docs, now()), nil
		})

	huma.Register(api, huma.Operation{OperationID: "updateContractor", Method: http.MethodPatch, Path: "/api/contractors/{id}", Tags: tags, Security: bearer,
		Summary: "Change a contractor company", Description: "Send the version you edited as If-Match (or version in the body); a stale one gets 412 STALE_VERSION. Setting Inactive needs contractors:delete."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40"`
			Body    contractorBody
		}) (*contractorOutput, error) {
			v, err := expectedVersion(in.IfMatch, in.Body.Version)
			if err != nil {
				return nil, versionProblem(ctx, d, err)
			}
			c, err := svc.UpdateContractor(ctx, principalFrom(ctx), in.ID, v, in.Body.input())
			if err != nil {
				return nil, fail(ctx, err)
			}
			return contractorOut(c, nil, now()), nil
		})

	huma.Register(api, huma.Operation{OperationID: "deactivateContractor", Method: http.MethodDelete, Path: "/api/contractors/{id}", Tags: tags, Security: bearer, DefaultStatus: 204,
		Summary: "Set a contractor company Inactive", Description: "Contractors are never deleted; their permits and documents stay on record."},
		func(ctx context.Context, in *stationPath) (*struct{}, error) {
			if err := svc.DeactivateContractor(ctx, principalFrom(ctx), in.ID); err != nil {
				return nil, fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(api, huma.Operation{OperationID: "listContractorDocuments", Method: http.MethodGet, Path: "/api/contractors/{id}/documents", Tags: tags, Security: bearer,
		Summary: "A contractor's documents, soonest expiry first"},
		func(ctx context.Context, in *stationPath) (*itemsOutput[DocumentView], error) {
			docs, err := svc.Documents(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			at := now()
			views := make([]DocumentView, 0, len(docs))
			for i := range docs {
				views = append(views, documentView(&docs[i], at))
			}
			return items(views), nil
		})

	huma.Register(api, huma.Operation{OperationID: "addContractorDocument", Method: http.MethodPost, Path: "/api/contractors/{id}/documents", Tags: tags, Security: bearer, DefaultStatus: 201,
		Summary: "Record a contractor document", Description: "Dates are YYYY-MM-DD; a document without expiresOn does not expire."},
		func(ctx context.Context, in *struct {
			ID   string `path:"id" maxLength:"64"`
			Body struct {
				Type         string `json:"type" doc:"insurance, licence, certification or other"`
				Number       string `json:"number,omitempty" maxLength:"100"`
				IssuedOn     string `json:"issuedOn,omitempty" maxLength:"10"`
				ExpiresOn    string `json:"expiresOn,omitempty" maxLength:"10"`
				AttachmentID string `json:"attachmentId,omitempty" maxLength:"64"`
			}
		}) (*struct{ Body DocumentView }, error) {
			b := in.Body
			doc, err := svc.AddDocument(ctx, principalFrom(ctx), in.ID, contractor.DocumentInput{Type: b.Type, Number: b.Number,
				IssuedOn: b.IssuedOn, ExpiresOn: b.ExpiresOn, AttachmentID: b.AttachmentID})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &struct{ Body DocumentView }{Body: documentView(doc, now())}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "deleteContractorDocument", Method: http.MethodDelete, Path: "/api/contractors/{id}/documents/{docId}", Tags: tags, Security: bearer, DefaultStatus: 204,
		Summary: "Delete a document recorded by mistake", Description: "The audit trail keeps what it said."},
		func(ctx context.Context, in *struct {
			ID    string `path:"id" maxLength:"64"`
			DocID string `path:"docId" maxLength:"64"`
		}) (*struct{}, error) {
			if err := svc.DeleteDocument(ctx, principalFrom(ctx), in.ID, in.DocID); err != nil {
				return nil, fail(ctx, err)
			}
			return nil, nil
		})
}
