// Package inputguard finds text in a request that the database cannot
// store: a NUL character (U+0000), bytes that are not UTF-8, a lone
// UTF-16 surrogate escape in JSON, and JSON numbers beyond any float.
//
// PostgreSQL refuses all of them (SQLSTATE 22021 for text, 22P05 for NUL
// and surrogates inside jsonb, 22003 for numbers), while SQLite stores
// them, so without this check the same request answered 500 on one engine
// and was accepted on the other. The server checks every request here,
// once, before any handler runs, and answers 400 naming the place: the
// path parameter, query parameter, header or JSON field.
package inputguard

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Where a violation was found.
const (
	InPath   = "path"
	InQuery  = "query"
	InHeader = "header"
	InBody   = "body"
)

// Reasons a value is refused, stated for people.
const (
	ReasonNUL       = "contains a NUL character (U+0000)"
	ReasonUTF8      = "is not valid UTF-8"
	ReasonSurrogate = `contains a lone UTF-16 surrogate escape (such as \ud800), which is not a character`
	ReasonNumber    = "is a number too large or too small to store"
)

// Violation says where a request holds a value that cannot be stored.
type Violation struct {
	In     string // InPath, InQuery, InHeader or InBody
	Field  string // the parameter, header or JSON field ("people[0].name"); printable
	Reason string // one of the Reason constants
	// Number is set for an out-of-range JSON number, which is a bad value
	// rather than bad characters.
	Number bool
}

// Error describes the violation in one sentence.
func (v *Violation) Error() string {
	switch v.In {
	case InPath:
		if v.Field == "" {
			return "the path " + v.Reason
		}
		return "path parameter " + v.Field + " " + v.Reason
	case InQuery:
		return "query parameter " + v.Field + " " + v.Reason
	case InHeader:
		return "header " + v.Field + " " + v.Reason
	}
	if v.Field == "" {
		return "the body " + v.Reason
	}
	return "body field " + v.Field + " " + v.Reason
}

// TextReason returns why s cannot be stored, or "" when it can.
func TextReason(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		return ReasonNUL
	}
	if !utf8.ValidString(s) {
		return ReasonUTF8
	}
	return ""
}

// printable renders a name that may itself hold the bad bytes, so that
// the answer can name it without repeating them.
func printable(s string) string {
	if TextReason(s) == "" {
		return s
	}
	q := strconv.QuoteToASCII(s)
	return q[1 : len(q)-1]
}
