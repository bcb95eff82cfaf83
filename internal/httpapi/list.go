package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
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

	// binding fingerprints the sort and filters of the request (see
	// Resolve); a cursor carries it to the next request.
	binding string
}

// pagingParams are the query parameters that may change between the pages
// of one list without changing what the cursor means.
var pagingParams = map[string]bool{"cursor": true, "limit": true, "format": true}

// Resolve fingerprints every other query parameter (the sort and each
// filter), so that PageRequest can refuse a cursor made for another list.
func (p *ListParams) Resolve(ctx huma.Context) []error {
	u := ctx.URL()
	p.binding = queryBinding(u.Query())
	return nil
}

// queryBinding is a short digest of the query parameters that decide the
// order and the set of rows, independent of their order in the URL.
func queryBinding(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k, vs := range q {
		if !pagingParams[k] && strings.Join(vs, "") != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		vs := slices.Clone(q[k])
		slices.Sort(vs)
		// Lengths keep "a=bc" and "ab=c" apart.
		fmt.Fprintf(h, "%d:%s", len(k), k)
		for _, v := range vs {
			fmt.Fprintf(h, "%d:%s", len(v), v)
		}
		h.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:9])
}

// PageRequest turns the parameters into a page request; the sort field must
// be one of allowed ("" keeps the list's default order).
func (p ListParams) PageRequest(allowed ...string) (hse.PageRequest, error) {
	cur, err := hse.DecodeCursor(p.Cursor)
	if err != nil {
		return hse.PageRequest{}, err
	}
	// A cursor without a binding (made before cursors carried one) is
	// refused too: the client starts the list again, never gets a wrong page.
	if !cur.IsZero() && cur.Bind != p.binding {
		return hse.PageRequest{}, hse.CursorMismatch()
	}
	pr := hse.PageRequest{Limit: p.Limit, Cursor: cur, Binding: p.binding}
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
		next := first.NextCursor
		if !next.IsZero() {
			next.Bind = page.Binding
		}
		body := ListBody[T]{Items: first.Items, NextCursor: next.Encode()}
		if body.Items == nil {
			body.Items = []T{}
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			hctx.SetHeader("Content-Type", "application/json")
			_ = json.NewEncoder(hctx.BodyWriter()).Encode(body)
		}}, nil
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		w := startCSV(hctx, cols, filename)
		pg := first
		for {
			if !writeCSVRows(hctx, w, cols, pg.Items) || pg.NextCursor.IsZero() {
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

// Streamer hands every row of a list, in the page's order, to emit, from
// one query; it stops when emit fails.
type Streamer[T any] func(ctx context.Context, page hse.PageRequest, emit func(T) error) error

// ListResponseStream is ListResponse whose CSV export is one query whose
// rows go to the client as the database reads them (flushed every 100
// rows), instead of one query per page. Errors the caller must see as a
// problem (permission, bad filter) surface first, from a one-row page;
// once the CSV has started, a failure ends the stream early and is
// logged. A client that goes away fails the next write, which stops the
// query.
func ListResponseStream[T any](ctx context.Context, d Deps, p ListParams, page hse.PageRequest, fetch Fetcher[T], stream Streamer[T],
	cols []CSVColumn[T], filename string) (*huma.StreamResponse, error) {
	if !p.WantsCSV() {
		return ListResponse(ctx, d, p, page, fetch, cols, filename)
	}
	probe := page
	probe.Limit = 1
	if _, err := fetch(ctx, probe); err != nil {
		return nil, problemFor(ctx, d.Logger, err)
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		w := startCSV(hctx, cols, filename)
		batch := make([]T, 0, hse.MaxPageSize)
		err := stream(ctx, page, func(v T) error {
			if batch = append(batch, v); len(batch) < cap(batch) {
				return nil
			}
			ok := writeCSVRows(hctx, w, cols, batch)
			batch = batch[:0]
			if !ok {
				return errClientGone
			}
			return ctx.Err()
		})
		if err == nil {
			writeCSVRows(hctx, w, cols, batch)
			return
		}
		if err != errClientGone && ctx.Err() == nil {
			d.Logger.ErrorContext(ctx, "csv export stopped", "err", err)
		}
	}}, nil
}

// errClientGone stops an export whose client no longer reads.
var errClientGone = errors.New("the client went away")

// startCSV sends the headers of a CSV download and its header row.
func startCSV[T any](hctx huma.Context, cols []CSVColumn[T], filename string) *csv.Writer {
	hctx.SetHeader("Content-Type", "text/csv; charset=utf-8")
	hctx.SetHeader("Content-Disposition", `attachment; filename="`+filename+`"`)
	w := csv.NewWriter(hctx.BodyWriter())
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Header
	}
	_ = w.Write(header)
	return w
}

// writeCSVRows writes rows and flushes them to the client; false when the
// client is gone (the write failed), so the caller stops.
func writeCSVRows[T any](hctx huma.Context, w *csv.Writer, cols []CSVColumn[T], items []T) bool {
	row := make([]string, len(cols))
	for _, it := range items {
		for i, c := range cols {
			row[i] = csvSafe(c.Value(it))
		}
		_ = w.Write(row)
	}
	w.Flush()
	if f, ok := hctx.BodyWriter().(http.Flusher); ok {
		f.Flush()
	}
	return w.Error() == nil
}

// FormatParams choose JSON or CSV for a list that is not paginated (one
// organization's members, roles...).
type FormatParams struct {
	Format string `query:"format" enum:"json,csv" doc:"csv returns the list as CSV (also Accept: text/csv)"`
	Accept string `header:"Accept"`
}

// WantsCSV reports whether the client asked for CSV.
func (p FormatParams) WantsCSV() bool {
	return ListParams{Format: p.Format, Accept: p.Accept}.WantsCSV()
}

// DocumentItems fills in the 200 response of a whole-list operation: JSON
// items, or CSV.
func DocumentItems[T any](api huma.API, op *huma.Operation) {
	schema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[itemsBody[T]](), true, op.OperationID+"Items")
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	op.Responses["200"] = &huma.Response{Description: "Every item, as JSON or with format=csv as CSV",
		Content: map[string]*huma.MediaType{
			"application/json": {Schema: schema},
			"text/csv":         {Schema: &huma.Schema{Type: "string"}},
		}}
}

// itemsBody is the JSON of a whole list.
type itemsBody[T any] struct {
	Items []T `json:"items"`
}

// ItemsResponse answers a whole list as JSON or CSV.
func ItemsResponse[T any](p FormatParams, items []T, cols []CSVColumn[T], filename string) *huma.StreamResponse {
	if items == nil {
		items = []T{}
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		if p.WantsCSV() {
			writeCSVRows(hctx, startCSV(hctx, cols, filename), cols, items)
			return
		}
		hctx.SetHeader("Content-Type", "application/json")
		_ = json.NewEncoder(hctx.BodyWriter()).Encode(itemsBody[T]{Items: items})
	}}
}

// csvSafe defuses spreadsheet formulas: a cell a spreadsheet would
// evaluate is prefixed with an apostrophe so it shows as text. That is a
// cell starting with = or @, or with a tab or CR (which some spreadsheets
// skip before looking for one); and a cell starting with + or - unless it
// is plainly data. Plain data is a decimal number (-0.12, +1e5) or, like a
// phone number (+31 20 123 4567) or a range (-5 / +10), only digits,
// spaces and the punctuation . , ( ) / + -: a formula needs a function
// name, a cell reference or a quote, and all of those need letters or
// other characters. The value itself is never changed otherwise.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if plainData(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// plainData reports whether a cell starting with + or - is a number or a
// phone-like string that no spreadsheet reads as a formula.
func plainData(s string) bool {
	// ParseFloat also reads "+Inf", "-NaN" and hexadecimal floats, which a
	// spreadsheet takes for a formula: only decimal digits, sign, point and
	// exponent make a plain number.
	if _, err := strconv.ParseFloat(s, 64); err == nil && strings.Trim(s, "+-0123456789.eE") == "" {
		return true
	}
	digits := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case strings.ContainsRune(" .,()/+-", r):
		default:
			return false
		}
	}
	return digits
}
