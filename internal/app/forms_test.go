package app_test

import (
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

type formItem struct {
	ID, Name, Kind, Description        string
	PublishedVersionID, DraftVersionID string
	PublishedNumber                    int
	Version                            int64
}

type formVersionItem struct {
	ID, TemplateID, Status string
	Number                 int
	PassMark               float64
	Definition             map[string]any
}

// simpleDefinition is a small valid checklist: one critical pass/fail
// item, a rating, a gate and a conditional item.
func simpleDefinition() map[string]any {
	return map[string]any{"passMark": 80, "sections": []any{
		map[string]any{"title": "Safety", "items": []any{
			map[string]any{"key": "estop", "label": "Emergency stop tested", "type": "pass_fail_na", "weight": 2, "critical": true, "required": true, "requirePhotoOrNoteOnFail": true},
			map[string]any{"key": "extinguishers", "label": "Extinguishers in date", "type": "pass_fail_na", "weight": 2, "required": true},
			map[string]any{"key": "housekeeping", "label": "Housekeeping", "type": "rating", "weight": 1},
			map[string]any{"key": "delivery", "label": "Delivery in progress?", "type": "yes_no"},
			map[string]any{"key": "zone", "label": "Exclusion zone kept", "type": "pass_fail_na", "weight": 1, "required": true,
				"visibleWhen": map[string]any{"itemKey": "delivery", "equals": "yes"}},
			map[string]any{"key": "notes", "label": "Notes", "type": "text"},
		}},
	}}
}

// newPublishedForm creates and publishes a template.
func newPublishedForm(t *testing.T, e *apptest.Env, u *apptest.User, name string, def map[string]any) formItem {
	t.Helper()
	f := decodeJSON[formItem](t, e.Must(201, callAPI(t, e, "POST", "/api/forms", u.Access, map[string]any{"name": name, "kind": "audit", "definition": def})))
	e.Must(200, callAPI(t, e, "POST", "/api/forms/"+f.ID+"/publish", u.Access, nil))
	return decodeJSON[formItem](t, e.Must(200, callAPI(t, e, "GET", "/api/forms/"+f.ID, u.Access, nil)))
}

func TestStarterTemplatesForNewOrganizations(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Starter Fuels")
		forms := listItems[formItem](t, e.Must(200, callAPI(t, e, "GET", "/api/forms", owner.Access, nil)))
		var names []string
		for _, f := range forms {
			names = append(names, f.Name)
			if f.PublishedNumber != 1 || f.PublishedVersionID == "" || f.DraftVersionID != "" {
				t.Errorf("starter %q is not published as version 1: %+v", f.Name, f)
			}
			v := decodeJSON[formVersionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/forms/"+f.ID+"/versions/"+f.PublishedVersionID, owner.Access, nil)))
			if v.Status != "published" || len(v.Definition["sections"].([]any)) < 3 {
				t.Errorf("starter %q version: %+v", f.Name, v)
			}
		}
		if got := strings.Join(names, " | "); got != "Monthly HSE Inspection — Fuel Station | Quarterly Compliance Audit" {
			t.Errorf("starter templates: %s", got)
		}
	})
}

func TestFormDraftPublishAndVersions(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Forms Co")
		f := decodeJSON[formItem](t, e.Must(201, callAPI(t, e, "POST", "/api/forms", owner.Access, map[string]any{"name": "Daily forecourt", "kind": "daily_checklist"})))
		if f.DraftVersionID == "" || f.PublishedVersionID != "" {
			t.Fatalf("new template: %+v", f)
		}
		// An empty draft cannot be published.
		wantProblem(t, callAPI(t, e, "POST", "/api/forms/"+f.ID+"/publish", owner.Access, nil), 400, "INVALID_DEFINITION")

		r := e.Must(200, doAPI(t, e, apptest.Request{Method: "PUT", Path: "/api/forms/" + f.ID + "/draft", Token: owner.Access,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"definition": simpleDefinition()}}))
		if r.Header.Get("ETag") != `"2"` || !strings.Contains(string(r.Body), `"problems":[]`) {
			t.Errorf("draft save: ETag %s %s", r.Header.Get("ETag"), r.Body)
		}
		// A stale If-Match is refused.
		wantProblem(t, doAPI(t, e, apptest.Request{Method: "PUT", Path: "/api/forms/" + f.ID + "/draft", Token: owner.Access,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"definition": simpleDefinition()}}), 412, "STALE_VERSION")

		v1 := decodeJSON[formVersionItem](t, e.Must(200, callAPI(t, e, "POST", "/api/forms/"+f.ID+"/publish", owner.Access, nil)))
		if v1.Status != "published" || v1.Number != 1 || v1.PassMark != 80 {
			t.Errorf("published: %+v", v1)
		}
		// Nothing left to publish.
		wantProblem(t, callAPI(t, e, "POST", "/api/forms/"+f.ID+"/publish", owner.Access, nil), 409, "NO_DRAFT")

		// Editing after publishing starts version 2; version 1 is unchanged.
		def := simpleDefinition()
		def["passMark"] = 90
		d := decodeJSON[struct{ Draft formVersionItem }](t, e.Must(200, callAPI(t, e, "PUT", "/api/forms/"+f.ID+"/draft", owner.Access, map[string]any{"definition": def})))
		if d.Draft.Number != 2 || d.Draft.Status != "draft" || d.Draft.ID == v1.ID {
			t.Errorf("second draft: %+v", d.Draft)
		}
		again := decodeJSON[formVersionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/forms/"+f.ID+"/versions/"+v1.ID, owner.Access, nil)))
		if again.PassMark != 80 || again.Status != "published" {
			t.Errorf("published version changed: %+v", again)
		}
		vs := listItems[formVersionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/forms/"+f.ID+"/versions", owner.Access, nil)))
		if len(vs) != 2 || vs[0].Number != 2 || vs[1].Number != 1 {
			t.Errorf("versions: %+v", vs)
		}
		// A version of another template is not found under this one.
		other := newPublishedForm(t, e, owner, "Other", simpleDefinition())
		wantProblem(t, callAPI(t, e, "GET", "/api/forms/"+f.ID+"/versions/"+other.PublishedVersionID, owner.Access, nil), 404, "NOT_FOUND")

		// CSV export of the list.
		csv := e.Must(200, callAPI(t, e, "GET", "/api/forms?format=csv&sort=name", owner.Access, nil))
		if lines := strings.Split(strings.TrimSpace(string(csv.Body)), "\n"); len(lines) != 5 || !strings.HasPrefix(lines[0], "id,name,kind") {
			t.Errorf("csv: %s", csv.Body)
		}
	})
}

func TestFormPublishReportsEveryProblem(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Broken Forms")
		bad := map[string]any{"sections": []any{
			map[string]any{"title": "A", "items": []any{
				map[string]any{"key": "spill_kit", "label": "Spill kit", "type": "pass_fail_na", "weight": -1},
				map[string]any{"key": "cond", "label": "Cond", "type": "text", "visibleWhen": map[string]any{"itemKey": "later", "equals": "x"}},
			}},
			map[string]any{"title": "B", "items": []any{
				map[string]any{"key": "later", "label": "Later", "type": "choice"},
				map[string]any{"key": "spill_kit", "label": "Again", "type": "number", "min": 5, "max": 1},
			}},
		}}
		f := decodeJSON[formItem](t, e.Must(201, callAPI(t, e, "POST", "/api/forms", owner.Access, map[string]any{"name": "Broken", "kind": "inspection", "definition": bad})))
		p := wantProblem(t, callAPI(t, e, "POST", "/api/forms/"+f.ID+"/publish", owner.Access, nil), 400, "INVALID_DEFINITION")
		got := map[string]string{}
		for _, fe := range p.Errors {
			got[fe.Field] = fe.Message
		}
		for field, msg := range map[string]string{
			"definition.sections[0].items[0].weight":              "must be 0 or more",
			"definition.sections[0].items[1].visibleWhen.itemKey": "not an earlier item",
			"definition.sections[1].items[0].options":             "needs options",
			"definition.sections[1].items[1].key":                 `duplicate key "spill_kit"`,
			"definition.sections[1].items[1].min":                 "above max",
			"definition.sections":                                 "at least one scored item",
		} {
			if !strings.Contains(got[field], msg) {
				t.Errorf("%s: %q, want %q (all: %v)", field, got[field], msg, got)
			}
		}
		if len(p.Errors) != 6 {
			t.Errorf("%d problems, want 6: %v", len(p.Errors), got)
		}
	})
}

func TestFormPermissions(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Form Perms")
		cm := e.Invite(owner, "sys-compliance_manager", nil)
		auditor := e.Invite(owner, "sys-auditor", nil)
		viewer := e.Invite(owner, "sys-viewer", nil)
		con := e.Invite(owner, "sys-contractor", map[string]any{"contractorId": "c-1"})

		f := newPublishedForm(t, e, cm, "CM form", simpleDefinition())
		for _, u := range []*apptest.User{auditor, viewer} {
			e.Must(200, callAPI(t, e, "GET", "/api/forms/"+f.ID, u.Access, nil))
			wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/forms", u.Access, map[string]any{"name": "No", "kind": "audit"}), "forms:create")
			wantForbiddenNaming(t, callAPI(t, e, "PUT", "/api/forms/"+f.ID+"/draft", u.Access, map[string]any{"definition": simpleDefinition()}), "forms:update")
			wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/forms/"+f.ID+"/publish", u.Access, nil), "forms:publish")
		}
		wantForbiddenNaming(t, callAPI(t, e, "GET", "/api/forms", con.Access, nil), "forms:read")
		wantForbiddenNaming(t, callAPI(t, e, "GET", "/api/forms/"+f.ID, con.Access, nil), "forms:read")
	})
}
