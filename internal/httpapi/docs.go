package httpapi

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
)

//go:embed docs/reference.html.tmpl docs/reference.css
var docsFiles embed.FS

var referenceTmpl = template.Must(template.New("reference.html.tmpl").Funcs(template.FuncMap{
	"lower": strings.ToLower,
}).ParseFS(docsFiles, "docs/reference.html.tmpl"))

// docOperation is one row of the reference page.
type docOperation struct {
	Method, Path, ID, Summary, Description string
	Params                                 []docParam
	Request                                string
	Responses                              []docResponse
}

type docParam struct {
	Name, In, Type, Description string
	Required                    bool
}
type docResponse struct{ Status, Description, Schema string }
type docSchema struct {
	Name   string
	Fields []docField
}
type docField struct {
	Name, Type, Description string
	Required                bool
}

// registerDocs serves the generated OpenAPI document and a reference page
// rendered on the server from that same document: no JavaScript, no CDN,
// so it works offline and under a strict Content-Security-Policy.
func registerDocs(mux *http.ServeMux, api huma.API) {
	var once sync.Once
	var spec, page []byte
	var buildErr error
	build := func() {
		spec, buildErr = json.MarshalIndent(api.OpenAPI(), "", "  ")
		if buildErr != nil {
			return
		}
		var buf bytes.Buffer
		buildErr = referenceTmpl.Execute(&buf, referenceData(api.OpenAPI()))
		page = buf.Bytes()
	}
	// Routes are all registered before the first request, so the document
	// is built once, lazily.
	serve := func(w http.ResponseWriter, ct string, body func() []byte) {
		once.Do(build)
		if buildErr != nil {
			WriteProblem(w, http.StatusInternalServerError, "INTERNAL", "the API description could not be generated")
			return
		}
		w.Header().Set("Content-Type", ct)
		w.Write(body())
	}
	mux.HandleFunc("GET /api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		serve(w, "application/json", func() []byte { return spec })
	})
	mux.HandleFunc("GET /api/docs", func(w http.ResponseWriter, r *http.Request) {
		serve(w, "text/html; charset=utf-8", func() []byte { return page })
	})
	css, _ := docsFiles.ReadFile("docs/reference.css")
	mux.HandleFunc("GET /api/docs/reference.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Write(css)
	})
}

func referenceData(doc *huma.OpenAPI) map[string]any {
	groups := map[string][]docOperation{}
	for path, item := range doc.Paths {
		for _, mo := range []struct {
			m  string
			op *huma.Operation
		}{{"GET", item.Get}, {"POST", item.Post}, {"PUT", item.Put}, {"PATCH", item.Patch}, {"DELETE", item.Delete}} {
			if mo.op == nil {
				continue
			}
			tag := "Other"
			if len(mo.op.Tags) > 0 {
				tag = mo.op.Tags[0]
			}
			groups[tag] = append(groups[tag], describeOperation(mo.m, path, mo.op))
		}
	}
	type group struct {
		Tag string
		Ops []docOperation
	}
	var out []group
	for tag, ops := range groups {
		sort.Slice(ops, func(i, j int) bool {
			if ops[i].Path != ops[j].Path {
				return ops[i].Path < ops[j].Path
			}
			return ops[i].Method < ops[j].Method
		})
		out = append(out, group{tag, ops})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tag < out[j].Tag })

	var schemas []docSchema
	if doc.Components != nil && doc.Components.Schemas != nil {
		for name, s := range doc.Components.Schemas.Map() {
			schemas = append(schemas, describeSchema(name, s))
		}
	}
	sort.Slice(schemas, func(i, j int) bool { return schemas[i].Name < schemas[j].Name })
	return map[string]any{"Info": doc.Info, "Groups": out, "Schemas": schemas}
}

func describeOperation(method, path string, op *huma.Operation) docOperation {
	d := docOperation{Method: method, Path: path, ID: op.OperationID, Summary: op.Summary, Description: op.Description}
	for _, p := range op.Parameters {
		d.Params = append(d.Params, docParam{Name: p.Name, In: p.In, Type: schemaType(p.Schema), Description: p.Description, Required: p.Required})
	}
	if op.RequestBody != nil {
		for ct, mt := range op.RequestBody.Content {
			d.Request = ct + ": " + schemaType(mt.Schema)
		}
	}
	codes := make([]string, 0, len(op.Responses))
	for code := range op.Responses {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		resp := op.Responses[code]
		r := docResponse{Status: code, Description: resp.Description}
		for _, mt := range resp.Content {
			r.Schema = schemaType(mt.Schema)
		}
		d.Responses = append(d.Responses, r)
	}
	return d
}

func describeSchema(name string, s *huma.Schema) docSchema {
	ds := docSchema{Name: name}
	req := map[string]bool{}
	for _, r := range s.Required {
		req[r] = true
	}
	for field, fs := range s.Properties {
		ds.Fields = append(ds.Fields, docField{Name: field, Type: schemaType(fs), Description: fs.Description, Required: req[field]})
	}
	sort.Slice(ds.Fields, func(i, j int) bool { return ds.Fields[i].Name < ds.Fields[j].Name })
	return ds
}

// schemaType is a short human description: a schema name, "array of X", or
// the JSON type with its format.
func schemaType(s *huma.Schema) string {
	if s == nil {
		return ""
	}
	if s.Ref != "" {
		return s.Ref[strings.LastIndex(s.Ref, "/")+1:]
	}
	if s.Type == "array" {
		return "array of " + schemaType(s.Items)
	}
	t := s.Type
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	if len(s.Enum) > 0 {
		vals := make([]string, 0, len(s.Enum))
		for _, v := range s.Enum {
			b, _ := json.Marshal(v)
			vals = append(vals, string(b))
		}
		t += ": " + strings.Join(vals, " | ")
	}
	return t
}
