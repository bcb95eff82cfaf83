package hse

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeCursor feeds arbitrary strings to the cursor parser that every
// list uses. It never panics; bad input is an Invalid error naming the
// cursor; a cursor it accepts carries text every engine can compare (no
// NUL, valid UTF-8) and survives Encode unchanged.
func FuzzDecodeCursor(f *testing.F) {
	f.Add("")
	f.Add(Cursor{Key: "2026-01-02T03:04:05Z", ID: "0190c0de-0000-7000-8000-000000000001"}.Encode())
	f.Add(Cursor{Key: "Station ø", ID: "x"}.Encode())
	f.Add("not base64!")
	f.Add("eyJrIjoiYSIsImkiOiIifQ") // {"k":"a","i":""}
	// Regression: a NUL in the key or id reached PostgreSQL (500).
	f.Add("eyJrIjoiYVx1MDAwMCIsImkiOiJ4In0") // {"k":"a\u0000","i":"x"}
	f.Add("eyJrIjoiYSIsImkiOiJ4XHUwMDAwIn0") // {"k":"a","i":"x\u0000"}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeCursor(s)
		if err != nil {
			if KindOf(err) != KindInvalid {
				t.Fatalf("DecodeCursor(%q): %v is not an Invalid error", s, err)
			}
			var e *Error
			if !asError(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "cursor" {
				t.Fatalf("DecodeCursor(%q): the error does not name the cursor: %v", s, err)
			}
			return
		}
		if s == "" {
			if !c.IsZero() {
				t.Fatalf("an empty cursor decoded to %+v", c)
			}
			return
		}
		if c.IsZero() {
			t.Fatalf("DecodeCursor(%q) accepted a cursor without an id", s)
		}
		for _, v := range []string{c.Key, c.ID} {
			if strings.ContainsRune(v, 0) || !utf8.ValidString(v) {
				t.Fatalf("DecodeCursor(%q) accepted %q, which PostgreSQL cannot compare", s, v)
			}
		}
		again, err := DecodeCursor(c.Encode())
		if err != nil || again != c {
			t.Fatalf("cursor %+v does not survive Encode: %+v, %v", c, again, err)
		}
	})
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}
