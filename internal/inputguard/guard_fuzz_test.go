package inputguard

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// FuzzCheckJSON compares the guard with a second opinion on every JSON
// document it is given: a strict tokenizer (refusing invalid UTF-8 and
// lone surrogates) plus a NUL and range test on each string and number.
// A document both read as JSON is refused by the guard exactly when the
// second opinion finds something to refuse; the guard never panics, and
// what it refuses is named with a printable field.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"ok","people":[{"name":"a"}],"n":1.5}`,
		`{"a":"x\u0000y"}`, `{"a":"\ud800"}`, `{"a":"\ud83d\ude00"}`, "{\"a\":\"\xff\"}",
		`{"k\u0000":1}`, `[1e999999]`, `[1e-999999]`, `[0e-999999]`, `"top"`, `{"a":`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v := CheckJSON(body)
		if v != nil && (v.In != InBody || v.Reason == "" || TextReason(v.Field) != "") {
			t.Fatalf("CheckJSON(%q) = %+v: not a printable body violation", body, v)
		}
		if !json.Valid(body) {
			return // not JSON: the API's decoder answers, whatever the guard said
		}
		want := secondOpinion(body)
		if (v != nil) != want {
			t.Fatalf("CheckJSON(%q) = %+v, but the second opinion says refuse=%v", body, v, want)
		}
	})
}

// secondOpinion reports whether body holds something the database cannot
// store, by other means than CheckJSON: the strict tokenizer's own UTF-8
// and surrogate check, then a look at each decoded string and number.
func secondOpinion(body []byte) bool {
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true))
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return false
		}
		if err != nil {
			return true // valid for encoding/json, refused by the strict reader: characters
		}
		switch tok.Kind() {
		case '"':
			if strings.IndexByte(tok.String(), 0) >= 0 {
				return true
			}
		case '0':
			if !numberFits([]byte(tok.String())) {
				return true
			}
		}
	}
}

// FuzzCheckQuery checks that a query is refused exactly when one of its
// decoded names or values holds a NUL or invalid UTF-8, and that the
// refusal names a parameter that is in the query.
func FuzzCheckQuery(f *testing.F) {
	for _, s := range []string{"stationId=a%00b", "q=%FF%FE", "limit=5&sort=-name", "a=1&a=%00", "%00=1", "x=caf%C3%A9", "bad=%zz", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v := CheckQuery(raw)
		q, _ := url.ParseQuery(raw)
		bad := false
		for k, vs := range q {
			bad = bad || TextReason(k) != ""
			for _, val := range vs {
				bad = bad || TextReason(val) != ""
			}
		}
		if (v != nil) != bad {
			t.Fatalf("CheckQuery(%q) = %+v, want refused=%v", raw, v, bad)
		}
		if v != nil && (v.In != InQuery || TextReason(v.Field) != "") {
			t.Fatalf("CheckQuery(%q) = %+v: not a printable query violation", raw, v)
		}
	})
}
