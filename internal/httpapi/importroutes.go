package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/importer"
)

// ImportView is an import's progress and outcome.
type ImportView struct {
	ID        string `json:"id"`
	Kind      string `json:"kind" enum:"stations,members,contractors,contractor_documents"`
	Format    string `json:"format" enum:"csv,xlsx"`
	FileName  string `json:"fileName"`
	DryRun    bool   `json:"dryRun" doc:"validated only: nothing was written"`
	Status    string `json:"status" enum:"running,succeeded,completed_with_errors,failed,interrupted" doc:"failed: nothing imported (the header or the file is wrong); completed_with_errors: the valid rows were imported, the rows in errors were not; interrupted: the server stopped while it ran, run the file again to complete it"`
	Total     int    `json:"total" doc:"data rows in the file"`
	Processed int    `json:"processed" doc:"rows done so far"`
	Created   int    `json:"created" doc:"rows that created a record (in a dry run: would create)"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Failed    int    `json:"failed" doc:"rows with errors, not imported"`
	// Errors name the file's own lines and columns.
	Errors          []ImportErrorView `json:"errors"`
	ErrorCount      int               `json:"errorCount"`
	ErrorsTruncated bool              `json:"errorsTruncated" doc:"more errors than are kept (5,000): fix these and run a dry run again"`
	CreatedBy       string            `json:"createdBy"`
	CreatedAt       time.Time         `json:"createdAt"`
	UpdatedAt       time.Time         `json:"updatedAt"`
	FinishedAt      *time.Time        `json:"finishedAt,omitempty"`
}

// ImportErrorView is one problem of an import file.
type ImportErrorView struct {
	Line    int    `json:"line" doc:"1 is the header row; 0 the whole file"`
	Column  string `json:"column,omitempty" doc:"as the file's header names it"`
	Message string `json:"message"`
}

func importView(im *importer.Import) ImportView {
	errs := make([]ImportErrorView, 0, len(im.Errors))
	for _, e := range im.Errors {
		errs = append(errs, ImportErrorView(e))
	}
	return ImportView{ID: im.ID, Kind: im.Kind, Format: im.Format, FileName: im.FileName, DryRun: im.DryRun, Status: im.Status,
		Total: im.Total, Processed: im.Processed, Created: im.Created, Updated: im.Updated, Unchanged: im.Unchanged, Failed: im.Failed,
		Errors: errs, ErrorCount: im.ErrorCount, ErrorsTruncated: im.ErrorCount > len(im.Errors), CreatedBy: im.CreatedBy,
		CreatedAt: im.CreatedAt, UpdatedAt: im.UpdatedAt, FinishedAt: im.FinishedAt}
}

// importUploadInput is the upload's query and the raw request, whose
// multipart body the handler streams.
type importUploadInput struct {
	uploadInput
	Kind   string `query:"kind" required:"true" enum:"stations,members,contractors,contractor_documents" doc:"what the file holds"`
	DryRun bool   `query:"dryRun" doc:"validate every row and report the errors without writing anything"`
}

func registerImports(api huma.API, d Deps) {
	svc := d.Imports
	tags := []string{"Imports"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }
	lim := svc.Limits
	if lim.MaxBytes == 0 {
		lim = importer.DefaultLimits
	}

	huma.Register(api, huma.Operation{OperationID: "startImport", Method: http.MethodPost, Path: "/api/imports", Tags: tags, Security: bearer,
		Summary: "Import stations, members, contractors or contractor documents from a CSV or XLSX file",
		Description: "multipart/form-data with the file in the field `file` (CSV in UTF-8, comma- or semicolon-separated, or the first " +
			"sheet of an XLSX workbook; at most 10 MB, 50,000 rows, 50 columns and 2,000 characters a cell). The first row names the " +
			"columns (see docs/import.md). `dryRun=true` validates every row by the same rules as the API and reports each error by " +
			"line and column without writing. A real run writes the valid rows, matched on each record's code (stations: code; " +
			"contractors and documents: their external code; members: e-mail), so the same file imported again changes nothing. " +
			"Files up to 500 rows answer 200 with the outcome; larger ones answer 202 while they run: poll GET /api/imports/{id}. " +
			"Needs the permissions that create and change the records (stations: stations:create and stations:update; contractors: " +
			"contractors:create and contractors:update; contractor_documents: contractors:update; members: users:invite) and an " +
			"organization-wide role.",
		Errors: []int{400, 403, 413}},
		func(ctx context.Context, in *importUploadInput) (*struct {
			Status int
			Body   ImportView
		}, error) {
			p := principalFrom(ctx)
			if err := importer.MayImport(p, in.Kind); err != nil {
				return nil, fail(ctx, err)
			}
			in.req.Body = http.MaxBytesReader(in.w, in.req.Body, lim.MaxBytes+uploadEnvelope)
			part, err := filePart(in.req)
			if err == nil {
				defer part.Close()
			}
			var t *importer.Table
			if err == nil {
				t, err = importer.Parse("", part, lim)
			}
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					err = hse.Errorf(hse.KindTooLarge, "IMPORT_TOO_LARGE", "the file is larger than the limit of %d bytes", lim.MaxBytes)
				}
				return nil, fail(ctx, err)
			}
			im, err := svc.Start(ctx, p, in.Kind, part.FileName(), t, in.DryRun)
			if err != nil {
				return nil, fail(ctx, err)
			}
			status := http.StatusOK
			if im.Status == importer.StatusRunning {
				status = http.StatusAccepted
			}
			return &struct {
				Status int
				Body   ImportView
			}{Status: status, Body: importView(im)}, nil
		})
	if op := api.OpenAPI().Paths["/api/imports"].Post; op != nil {
		op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"multipart/form-data": {Schema: &huma.Schema{Type: "object", Required: []string{"file"},
				Properties: map[string]*huma.Schema{"file": {Type: "string", Format: "binary",
					Description: "a .csv or .xlsx file; the format is read from its content"}}}},
		}}
		op.Responses["202"] = &huma.Response{Description: "Accepted: a large file is running; poll GET /api/imports/{id}",
			Content: op.Responses["200"].Content}
	}

	huma.Register(api, huma.Operation{OperationID: "getImport", Method: http.MethodGet, Path: "/api/imports/{id}", Tags: tags, Security: bearer,
		Summary: "An import's progress and outcome, with its errors by line and column",
		Description: "Only for callers who may run imports of its kind (others: 404). A running import's `processed` grows as " +
			"it goes; one whose server stopped shows as `interrupted`."},
		func(ctx context.Context, in *struct {
			ID string `path:"id" maxLength:"64"`
		}) (*struct{ Body ImportView }, error) {
			im, err := svc.Import(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &struct{ Body ImportView }{Body: importView(im)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "listImports", Method: http.MethodGet, Path: "/api/imports", Tags: tags, Security: bearer,
		Summary: "The latest imports, newest first, of the kinds the caller may run (errors omitted: read one import for them)"},
		func(ctx context.Context, in *struct {
			Limit int `query:"limit" minimum:"1" maximum:"100" default:"20"`
		}) (*struct{ Body []ImportView }, error) {
			list, err := svc.Imports(ctx, principalFrom(ctx), in.Limit)
			if err != nil {
				return nil, fail(ctx, err)
			}
			out := make([]ImportView, 0, len(list))
			for i := range list {
				v := importView(&list[i])
				v.ErrorsTruncated = false
				out = append(out, v)
			}
			return &struct{ Body []ImportView }{Body: out}, nil
		})
}
