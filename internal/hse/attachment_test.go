package hse

import (
	"context"
	"errors"
	"testing"
)

// fakeFiles is an AttachmentSink over a map of files.
type fakeFiles struct {
	files  map[string]*FileAccess
	linked []string
}

func (f *fakeFiles) SetAttachments(_ context.Context, _ string, _ AttachmentLink, _ string, ids []string) error {
	f.linked = ids
	return nil
}

func (f *fakeFiles) FindFileAccess(_ context.Context, _ string, id string) (*FileAccess, error) {
	if a, ok := f.files[id]; ok {
		return a, nil
	}
	return nil, NotFound("attachment")
}

// Attach links only files the caller may see, or that the record has
// already; anything else is an unknown attachment naming the field.
func TestAttach(t *testing.T) {
	incident := AttachmentLink{EntityType: "incident", EntityID: "inc-1", StationID: "st-1"}
	sink := &fakeFiles{files: map[string]*FileAccess{
		"mine":       {UploadedBy: "con"},
		"others":     {UploadedBy: "owner"},
		"station-1":  {UploadedBy: "owner", Links: []AttachmentLink{{EntityType: "incident", EntityID: "inc-0", StationID: "st-1"}}},
		"company":    {UploadedBy: "owner", Links: []AttachmentLink{{EntityType: "permit", EntityID: "p-1", StationID: "st-2", ContractorID: "c-1"}}},
		"already":    {UploadedBy: "owner", Links: []AttachmentLink{incident}},
		"other-firm": {UploadedBy: "owner", Links: []AttachmentLink{{EntityType: "permit", EntityID: "p-2", ContractorID: "c-2"}}},
	}}
	con := &Principal{UserID: "con", OrgID: "o", Scope: Scope{Kind: ScopeContractor, ContractorID: "c-1"}}
	sm := &Principal{UserID: "sm", OrgID: "o", Scope: Scope{Kind: ScopeStations, StationIDs: []string{"st-1"}}}
	admin := &Principal{UserID: "admin", OrgID: "o", Scope: Scope{Kind: ScopeOrganization}}
	for _, c := range []struct {
		name  string
		p     *Principal
		ids   []string
		field string // "" when allowed
	}{
		{"own upload", con, []string{"mine"}, ""},
		{"the company's permit file", con, []string{"mine", "company"}, ""},
		{"already on the record", con, []string{"already"}, ""},
		{"someone else's upload", con, []string{"mine", "others"}, "attachmentIds[1]"},
		{"another company's file", con, []string{"other-firm"}, "attachmentIds[0]"},
		{"never uploaded", admin, []string{"nope"}, "attachmentIds[0]"},
		{"the station's file", sm, []string{"station-1"}, ""},
		{"another station's file", sm, []string{"company"}, "attachmentIds[0]"},
		{"anything of the organization", admin, []string{"others", "company", "other-firm"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			sink.linked = nil
			err := Attach(context.Background(), sink, c.p, incident, "attachmentIds", c.ids)
			if c.field == "" {
				if err != nil || len(sink.linked) != len(c.ids) {
					t.Fatalf("Attach = %v, linked %v", err, sink.linked)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != "UNKNOWN_ATTACHMENT" || len(e.Fields) != 1 || e.Fields[0].Field != c.field {
				t.Fatalf("Attach = %v, want UNKNOWN_ATTACHMENT naming %s", err, c.field)
			}
			if sink.linked != nil {
				t.Errorf("refused, yet linked %v", sink.linked)
			}
		})
	}
}
