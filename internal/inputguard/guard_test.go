package inputguard

import (
	"net/http"
	"testing"
)

func TestCheckJSON(t *testing.T) {
	tests := []struct {
		body   string
		field  string
		reason string
	}{
		{`{"name":"ok","n":1.5,"list":[1,"two",{"x":null}]}`, "", ""},
		{`{"name":"a\u0000b"}`, "name", ReasonNUL},
		{`{"people":[{"name":"x"},{"name":"a\u0000"}]}`, "people[1].name", ReasonNUL},
		{`{"settings":{"branding":{"color":"\ud800"}}}`, "settings.branding.color", ReasonSurrogate},
		{`{"a":"\udc00\ud800"}`, "a", ReasonSurrogate},
		{`{"a":"\ud83d\ude00 ok"}`, "", ""},
		{"{\"a\":\"\xff\xfe\"}", "a", ReasonUTF8},
		{`{"ok":1,"bad\u0000key":1}`, "(a field name)", ReasonNUL},
		{`{"outer":{"bad\u0000key":1}}`, "outer (a field name)", ReasonNUL},
		{`{"list":[["x","\u0000"]]}`, "list[0][1]", ReasonNUL},
		{`"\u0000"`, "", ReasonNUL},
		{`{"n":1e999999}`, "n", ReasonNumber},
		{`{"n":[-1e400]}`, "n[0]", ReasonNumber},
		{`{"n":1e-999999}`, "n", ReasonNumber},
		{`{"n":0.0e-999999}`, "", ""},
		{`{"n":-0}`, "", ""},
		{`{"a.b":{"c":"\u0000"}}`, "a.b.c", ReasonNUL},
		// Not JSON: the API's decoder answers in its own words.
		{`{"a":`, "", ""},
		{`{"a":1,}`, "", ""},
		{"{\"a\":\"\x00\"}", "", ""},
		{``, "", ""},
	}
	for _, tt := range tests {
		v := CheckJSON([]byte(tt.body))
		switch {
		case tt.reason == "" && v != nil:
			t.Errorf("%q: unexpected %v", tt.body, v)
		case tt.reason != "" && v == nil:
			t.Errorf("%q: not refused", tt.body)
		case v != nil && (v.Field != tt.field || v.Reason != tt.reason || v.In != InBody):
			t.Errorf("%q: %+v, want field %q reason %q", tt.body, v, tt.field, tt.reason)
		}
	}
}

func TestCheckPathQueryHeaders(t *testing.T) {
	if v := CheckPath("/api/actions/a\x00b", "GET /api/actions/{id}"); v == nil || v.Field != "id" || v.Reason != ReasonNUL {
		t.Errorf("path: %+v", v)
	}
	if v := CheckPath("/api/actions/\xff\xfe/history", "GET /api/actions/{id}/history"); v == nil || v.Field != "id" || v.Reason != ReasonUTF8 {
		t.Errorf("path: %+v", v)
	}
	if v := CheckPath("/api/n\x00pe", "/api/"); v == nil || v.Field != "" || v.Error() != "the path "+ReasonNUL {
		t.Errorf("path without a parameter: %+v", v)
	}
	if v := CheckPath("/api/actions/abc", "GET /api/actions/{id}"); v != nil {
		t.Errorf("clean path: %+v", v)
	}
	if v := CheckQuery("stationId=a%00b&limit=5"); v == nil || v.Field != "stationId" || v.Reason != ReasonNUL {
		t.Errorf("query: %+v", v)
	}
	if v := CheckQuery("q=%FF%FE"); v == nil || v.Field != "q" || v.Reason != ReasonUTF8 {
		t.Errorf("query: %+v", v)
	}
	if v := CheckQuery("bad%00name=1"); v == nil || v.Field != `bad\x00name` {
		t.Errorf("query name: %+v", v)
	}
	if v := CheckQuery("q=caf%C3%A9&sort=-name"); v != nil {
		t.Errorf("clean query: %+v", v)
	}
	h := http.Header{}
	h.Set("User-Agent", "Mozilla\xff")
	if v := CheckHeaders(h, Headers); v == nil || v.Field != "User-Agent" || v.Reason != ReasonUTF8 {
		t.Errorf("header: %+v", v)
	}
	if v := CheckHeaders(http.Header{"X-Other": {"\x00"}}, Headers); v != nil {
		t.Errorf("a header the API does not read: %+v", v)
	}
}

func TestIsJSON(t *testing.T) {
	for ct, want := range map[string]bool{"": true, "application/json": true, "application/json; charset=utf-8": true,
		"application/merge-patch+json": true, "multipart/form-data; boundary=x": false, "text/plain": false, "bad;;": false} {
		if IsJSON(ct) != want {
			t.Errorf("IsJSON(%q) = %v", ct, !want)
		}
	}
}
