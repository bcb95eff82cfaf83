package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/checklist"
	"github.com/hsedigital/hse/internal/hse"
)

// optionalVersion reads an optional If-Match: 0 when absent or "*", so
// the change applies to whatever is current; otherwise the version the
// client edited, and a stale one is refused with 412.
func optionalVersion(ifMatch string) (int64, error) {
	tag := strings.TrimSpace(ifMatch)
	if tag == "" || tag == "*" {
		return 0, nil
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(tag, "W/"), `"`), 10, 64)
	if err != nil || v < 1 {
		return 0, hse.Invalid("invalid If-Match", hse.FieldError{Field: "If-Match", Message: `the ETag of the last read, e.g. "3"`})
	}
	return v, nil
}

// templateOutput carries the template's version as ETag.
type templateOutput struct {
	ETag string `header:"ETag"`
	Body *audit.Template
}

type formPath struct {
	ID string `path:"id" maxLength:"64"`
}

type formChange struct {
	ID      string `path:"id" maxLength:"64"`
	IfMatch string `header:"If-Match" maxLength:"40" doc:"the template's ETag; a stale one gets 412"`
}

var templateCSV = []CSVColumn[audit.Template]{
	{"id", func(t audit.Template) string { return t.ID }},
	{"name", func(t audit.Template) string { return t.Name }},
	{"kind", func(t audit.Template) string { return t.Kind }},
	{"publishedVersion", func(t audit.Template) string {
		if t.PublishedNumber == 0 {
			return ""
		}
		return strconv.Itoa(t.PublishedNumber)
	}},
	{"hasDraft", func(t audit.Template) string { return strconv.FormatBool(t.DraftVersionID != "") }},
	{"updatedAt", func(t audit.Template) string { return t.UpdatedAt.Format(time.RFC3339) }},
}

// DraftView is a saved draft with what would stop it from being published.
type DraftView struct {
	Template *audit.Template    `json:"template"`
	Draft    *audit.FormVersion `json:"draft"`
	Problems []hse.FieldError   `json:"problems" doc:"every problem publishing would report, by path; empty when it can be published"`
}

func registerForms(api huma.API, d Deps) {
	svc := d.Audits
	tags := []string{"Checklist templates"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }

	op := huma.Operation{OperationID: "listForms", Method: http.MethodGet, Path: "/api/forms", Tags: tags, Security: bearer,
		Summary: "Checklist templates", Description: "Sort by name, createdAt or updatedAt."}
	DocumentList[audit.Template](api, &op)
	huma.Register(api, op, func(ctx context.Context, in *struct {
		ListParams
		Kind     string `query:"kind" enum:"audit,inspection,daily_checklist"`
		Q        string `query:"q" maxLength:"100" doc:"search in the name"`
		Archived string `query:"archived" enum:"exclude,only,include" doc:"archived templates: left out (default), only them, or with the others"`
	}) (*huma.StreamResponse, error) {
		page, err := in.PageRequest("name", "createdAt", "updatedAt")
		if err != nil {
			return nil, fail(ctx, err)
		}
		p, f := principalFrom(ctx), audit.TemplateFilter{Kind: in.Kind, Q: in.Q, Archived: in.Archived}
		return ListResponse(ctx, d, in.ListParams, page, func(ctx context.Context, page hse.PageRequest) (hse.Page[audit.Template], error) {
			return svc.Templates(ctx, p, f, page)
		}, templateCSV, "forms.csv")
	})

	huma.Register(api, huma.Operation{OperationID: "createForm", Method: http.MethodPost, Path: "/api/forms", Tags: tags, Security: bearer, DefaultStatus: 201,
		Summary: "Create a checklist template", Description: "The definition becomes the first draft; it is checked when published."},
		func(ctx context.Context, in *struct {
			Body struct {
				Name        string                `json:"name" maxLength:"200"`
				Kind        string                `json:"kind" enum:"audit,inspection,daily_checklist"`
				Description string                `json:"description,omitempty" maxLength:"2000"`
				Definition  *checklist.Definition `json:"definition,omitempty"`
			}
		}) (*templateOutput, error) {
			t, err := svc.CreateTemplate(ctx, principalFrom(ctx), audit.TemplateInput{Name: in.Body.Name, Kind: in.Body.Kind,
				Description: in.Body.Description, Definition: in.Body.Definition})
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &templateOutput{ETag: etag(t.Version), Body: t}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "getForm", Method: http.MethodGet, Path: "/api/forms/{id}", Tags: tags, Security: bearer,
		Summary: "One checklist template", Description: "publishedVersionId and draftVersionId name its versions."},
		func(ctx context.Context, in *formPath) (*templateOutput, error) {
			t, err := svc.Template(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &templateOutput{ETag: etag(t.Version), Body: t}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "listFormVersions", Method: http.MethodGet, Path: "/api/forms/{id}/versions", Tags: tags, Security: bearer,
		Summary: "Versions of a template, newest first"},
		func(ctx context.Context, in *formPath) (*itemsOutput[audit.FormVersion], error) {
			vs, err := svc.Versions(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return items(vs), nil
		})

	huma.Register(api, huma.Operation{OperationID: "getFormVersion", Method: http.MethodGet, Path: "/api/forms/{id}/versions/{versionId}", Tags: tags, Security: bearer,
		Summary: "One version of a template"},
		func(ctx context.Context, in *struct {
			ID        string `path:"id" maxLength:"64"`
			VersionID string `path:"versionId" maxLength:"64"`
		}) (*struct{ Body *audit.FormVersion }, error) {
			v, err := svc.Version(ctx, principalFrom(ctx), in.ID, in.VersionID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &struct{ Body *audit.FormVersion }{Body: v}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "saveFormDraft", Method: http.MethodPut, Path: "/api/forms/{id}/draft", Tags: tags, Security: bearer,
		Summary: "Replace the template's draft", Description: "After a publication this starts a new draft version; published versions never change. " +
			"The draft is saved whatever its problems, which are listed in the answer."},
		func(ctx context.Context, in *struct {
			// Not the embedded formChange: huma ignores the fields of an
			// embedded unexported type.
			ID      string `path:"id" maxLength:"64"`
			IfMatch string `header:"If-Match" maxLength:"40" doc:"the template's ETag; a stale one gets 412"`
			Body    struct {
				Definition checklist.Definition `json:"definition"`
			}
		}) (*struct {
			ETag string `header:"ETag"`
			Body DraftView
		}, error) {
			v, err := optionalVersion(in.IfMatch)
			if err != nil {
				return nil, fail(ctx, err)
			}
			r, err := svc.SaveDraft(ctx, principalFrom(ctx), in.ID, in.Body.Definition, v)
			if err != nil {
				return nil, fail(ctx, err)
			}
			problems := r.Problems
			if problems == nil {
				problems = []hse.FieldError{}
			}
			return &struct {
				ETag string `header:"ETag"`
				Body DraftView
			}{ETag: etag(r.Template.Version), Body: DraftView{Template: r.Template, Draft: r.Draft, Problems: problems}}, nil
		})

	for _, st := range []struct {
		id, verb, summary, desc string
		run                     func(context.Context, *hse.Principal, string, int64) (*audit.Template, error)
	}{
		{"archiveForm", "archive", "Archive a template", "It stays readable and its audits keep their versions, but it cannot be scheduled, " +
			"edited or published (409 TEMPLATE_ARCHIVED) until restored. Refused with 409 TEMPLATE_IN_USE while an active audit schedule uses it.", svc.ArchiveTemplate},
		{"restoreForm", "restore", "Restore an archived template", "It can be scheduled, edited and published again.", svc.RestoreTemplate},
	} {
		huma.Register(api, huma.Operation{OperationID: st.id, Method: http.MethodPost, Path: "/api/forms/{id}/" + st.verb, Tags: tags, Security: bearer,
			Summary: st.summary, Description: st.desc},
			func(ctx context.Context, in *formChange) (*templateOutput, error) {
				v, err := optionalVersion(in.IfMatch)
				if err != nil {
					return nil, fail(ctx, err)
				}
				t, err := st.run(ctx, principalFrom(ctx), in.ID, v)
				if err != nil {
					return nil, fail(ctx, err)
				}
				return &templateOutput{ETag: etag(t.Version), Body: t}, nil
			})
	}

	huma.Register(api, huma.Operation{OperationID: "publishForm", Method: http.MethodPost, Path: "/api/forms/{id}/publish", Tags: tags, Security: bearer,
		Summary: "Publish the draft", Description: "The whole definition is checked; 400 lists every problem by path (definition.sections[1].items[3].key)."},
		func(ctx context.Context, in *formChange) (*struct{ Body *audit.FormVersion }, error) {
			v, err := optionalVersion(in.IfMatch)
			if err != nil {
				return nil, fail(ctx, err)
			}
			fv, err := svc.Publish(ctx, principalFrom(ctx), in.ID, v)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &struct{ Body *audit.FormVersion }{Body: fv}, nil
		})
}
