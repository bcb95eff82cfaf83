package hse

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// MaxPageSize bounds every list page.
const MaxPageSize = 100

// PageRequest asks for one page of a list in a stable order.
type PageRequest struct {
	Limit  int
	Cursor Cursor // zero for the first page
	Sort   string // a field the list allows; "" for the list's default
	Desc   bool
	// Binding fingerprints the sort and filters the page was asked with;
	// the next page's cursor carries it, so that a cursor reused with
	// another sort or filter is refused instead of answering a wrong page.
	Binding string
}

// Normalize applies the default and maximum page size.
func (p *PageRequest) Normalize() {
	if p.Limit <= 0 {
		p.Limit = 50
	}
	if p.Limit > MaxPageSize {
		p.Limit = MaxPageSize
	}
}

// Cursor is the position after the last row of a page: the sort value and
// the id, so that ties in the sort value still give a stable order.
type Cursor struct {
	Key string `json:"k"`
	ID  string `json:"i"`
	// Bind is the Binding of the request that produced the cursor.
	Bind string `json:"b,omitempty"`
}

// IsZero reports whether the cursor is unset (first page).
func (c Cursor) IsZero() bool { return c.ID == "" }

// Encode makes the opaque string clients pass back as `cursor`.
func (c Cursor) Encode() string {
	if c.IsZero() {
		return ""
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses a cursor from a client; bad input is a 400 naming
// the field.
func DecodeCursor(s string) (Cursor, error) {
	var c Cursor
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	// A NUL in the key or id would reach the list query, where PostgreSQL
	// refuses it (SQLSTATE 22021); no cursor the server made holds one.
	if err != nil || len(b) > 1024 || json.Unmarshal(b, &c) != nil || c.ID == "" || strings.ContainsRune(c.Key+c.ID+c.Bind, 0) {
		return Cursor{}, Invalid("invalid cursor", FieldError{Field: "cursor", Message: "pass back nextCursor from the previous page unchanged"})
	}
	return c, nil
}

// Page is one page of results.
type Page[T any] struct {
	Items      []T
	NextCursor Cursor // zero on the last page
}

// CursorMismatch is the error of a cursor passed with another sort or
// other filters than the request that produced it: its position means
// nothing in the other order, so the page would be wrong, not just late.
func CursorMismatch() *Error {
	return &Error{Kind: KindInvalid, Code: "CURSOR_MISMATCH",
		Message: "this cursor belongs to a list with another sort or other filters; start again without cursor",
		Fields:  []FieldError{{Field: "cursor", Message: "pass nextCursor back only with the same sort and filters"}}}
}
