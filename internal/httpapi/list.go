package httpapi

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/hse"
)

// ListParams are the query parameters of every list endpoint. Embed it
// (exported, so huma sees its fields) in the endpoint's input.
type ListParams struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"50" doc:"page size, at most 100"`
	Cursor string `query:"cursor" maxLength:"1024" doc:"nextCursor of the previous page"`
	Sort   string `query:"sort" maxLength:"40" doc:"field to sort by; prefix with - for descending"`
	Format string `query:"format" enum:"json,csv" doc:"csv streams every matching row (also Accept: text/csv)"`
	Accept string `header:"Accept"`
}

// PageRequest turns the parameters into a page request; the sort field must
// be one of allowed ("" keeps the list's default order).
func (p ListParams) PageRequest(allowed ...string) (hse.PageRequest, error) {
	cur, err := hse.DecodeCursor(p.Cursor)
	if err != nil {
		return hse.PageRequest{}, err
	}
	pr := hse.PageRequest{Limit: p.Limit, Cursor: cur}
	if p.Sort != "" {
		field := strings.TrimPrefix(p.Sort, "-")
		ok := false
		for _, a := range allowed {
			ok = ok || a == field
		}
		if !ok {
			return pr, hse.Invalid("unknown sort field", hse.FieldError{Field: "sort", Message: "one of " + strings.Join(allowed, ", ") + " (prefix - for descending)"})
		}
		pr.Sort, pr.Desc = field, strings.HasPrefix(p.Sort, "-")
	}
	pr.Normalize()
	return pr, nil
}

// WantsCSV reports whether the client asked for the CSV export.
func (p ListParams) WantsCSV() bool {
	return p.Format == "csv" || (p.Format == "" && strings.Contains(p.Accept, "text/csv"))
}

// ListBody is the JSON page of a list.
type ListBody[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty" doc:"pass as cursor for the next page; absent on the last page"`
}

// CSVColumn is one column of a list's CSV export.
type CSVColumn[T any] struct {
	Header string
	Value  func(T) string
}

// Fetcher returns one page of a list.
type Fetcher[T any] func(ctx context.Context, page hse.PageRequest) (hse.Page[T], error)

// DocumentList fills in the 200 response of a list operation: a JSON page,
// or CSV.
func DocumentList[T any](api huma.API, op *huma.Operation) {
	schema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[ListBody[T]](), true, op.OperationID+"Page")
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	op.Responses["200"] = &huma.Response{Description: "A page of results, or with format=csv every matching row as CSV",
		Content: map[string]*huma.MediaType{
			"application/json": {Schema: schema},
			"text/csv":         {Schema: &huma.Schema{Type: "string"}},
		}}
}

// ListResponse answers a list request. JSON returns one page. CSV walks
// every page and streams each as it arrives, so an export of any size holds
// one page in memory.
func ListResponse[T any](ctx context.Context, d Deps, p ListParams, page hse.PageRequest, fetch Fetcher[T], cols []CSVColumn[T], filename string) (*huma.StreamResponse, error) {
	if p.WantsCSV() {
		page.Limit = hse.MaxPageSize
	}
	first, err := fetch(ctx, page)
	if err != nil {
		return nil, problemFor(ctx, d.Logger, err)
	}
	if !p.WantsCSV() {
		body := ListBody[T]{Items: first.Items, NextCursor: first.NextCursor.Encode()}
		if body.Items == nil {
			body.Items = []T{}
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			hctx.SetHeader("Content-Type", "application/json")
			_ = json.NewEncoder(hctx.BodyWriter()).Encode(body)
		}}, nil
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		hctx.SetHeader("Content-Type", "text/csv; charset=utf-8")
		hctx.SetHeader("Content-Disposition", `attachment; filename="`+filename+`"`)
		w := csv.NewWriter(hctx.BodyWriter())
		header := make([]string, len(cols))
		for i, c := range cols {
			header[i] = c.Header
		}
		_ = w.Write(header)
		row := make([]string, len(cols))
		pg := first
		for {
			for _, it := range pg.Items {
				for i, c := range cols {
					row[i] = csvSafe(c.Value(it))
				}
				_ = w.Write(row)
			}
			w.Flush()
			if f, ok := hctx.BodyWriter().(http.Flusher); ok {
				f.Flush()
			}
			if pg.NextCursor.IsZero() || w.Error() != nil {
				return
			}
			page.Cursor = pg.NextCursor
			if pg, err = fetch(ctx, page); err != nil {
				// Headers are gone: end the stream early and leave the
				// reason in the log.
				d.Logger.ErrorContext(ctx, "csv export stopped", "err", err)
				return
			}
		}
	}}, nil
}

// csvSafe defuses spreadsheet formulas: a cell starting with = + - @ tab or
// CR is prefixed with an apostrophe so Excel shows it as text.
// Plain numbers (a longitude of -0.12) are left alone.
func csvSafe(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	// ParseFloat also reads "+Inf", "-NaN" and hexadecimal floats, which a
	// spreadsheet takes for a formula: only decimal digits, sign, point and
	// exponent make a plain number.
	if _, err := strconv.ParseFloat(s, 64); err == nil && strings.Trim(s, "+-0123456789.eE") == "" {
		return s
	}
	return "'" + s
}
