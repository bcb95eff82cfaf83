package inputguard

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// IsJSON reports whether a request with this Content-Type carries JSON to
// the API: an explicit JSON type, or none at all (the API then reads JSON).
// Multipart uploads are not JSON: their contents are binary and hold NUL
// legitimately, and their only stored text, the file name, is sanitised
// by the upload itself.
func IsJSON(contentType string) bool {
	if strings.TrimSpace(contentType) == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false // the API refuses the type itself
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// CheckJSON walks every name and value of a JSON document and returns the
// first string (name or value) that cannot be stored, or a number out of
// range. A document that is not JSON at all yields nil: the API's decoder
// reports that in its own words.
func CheckJSON(body []byte) *Violation {
	// Invalid UTF-8 must reach this code rather than stop the tokenizer,
	// and duplicate names are the decoder's business, not this check's.
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
	for {
		switch dec.PeekKind() {
		case '"':
			// The stack before the read says whether this is a name.
			isName := isObject(dec, dec.StackDepth()) && objectExpectsName(dec)
			raw, err := dec.ReadValue()
			if err != nil {
				return nil
			}
			if r := stringReason(raw); r != "" {
				if isName {
					// The pointer now ends in the bad name itself; the
					// answer names the object that holds it.
					return &Violation{In: InBody, Field: nameField(fieldPath(dec, true)), Reason: r}
				}
				return &Violation{In: InBody, Field: fieldPath(dec, false), Reason: r}
			}
		case '0':
			raw, err := dec.ReadValue()
			if err != nil {
				return nil
			}
			if !numberFits(raw) {
				return &Violation{In: InBody, Field: fieldPath(dec, false), Reason: ReasonNumber, Number: true}
			}
		default:
			if _, err := dec.ReadToken(); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return nil // not JSON: left to the API's decoder
			}
		}
	}
}

// isObject reports whether stack level i is an object.
func isObject(dec *jsontext.Decoder, i int) bool {
	k, _ := dec.StackIndex(i)
	return k == '{'
}

// objectExpectsName reports whether the innermost object's next string is
// a name: names and values alternate, so an even count means a name.
func objectExpectsName(dec *jsontext.Decoder) bool {
	_, n := dec.StackIndex(dec.StackDepth())
	return n%2 == 0
}

// nameField names a bad field name by the object that holds it.
func nameField(parent string) string {
	if parent == "" {
		return "(a field name)"
	}
	return parent + " (a field name)"
}

// stringReason checks one raw JSON string, quotes and escapes included.
func stringReason(raw []byte) string {
	if !utf8.Valid(raw) {
		return ReasonUTF8
	}
	s, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		// Valid UTF-8 and read as a string: only an unpaired surrogate
		// escape makes unquoting fail.
		return ReasonSurrogate
	}
	if bytes.IndexByte(s, 0) >= 0 {
		return ReasonNUL
	}
	return ""
}

// numberFits reports whether a JSON number is within float64's range,
// which the API's types use and PostgreSQL's numeric holds with room to
// spare: not infinite, and not a non-zero value that underflows to zero.
func numberFits(raw []byte) bool {
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return false
	}
	if f == 0 {
		// Only a mantissa of zeros may read as zero.
		mantissa, _, _ := strings.Cut(strings.ToLower(string(raw)), "e")
		return strings.Trim(mantissa, "-+0.") == ""
	}
	return true
}

// fieldPath turns the decoder's position into the API's field notation:
// people[0].name. dropLast leaves out the innermost step.
func fieldPath(dec *jsontext.Decoder, dropLast bool) string {
	var steps []string
	level := 1
	for tok := range dec.StackPointer().Tokens() {
		if k, _ := dec.StackIndex(level); k == '[' {
			steps = append(steps, "["+tok+"]")
		} else {
			steps = append(steps, "."+printable(tok))
		}
		level++
	}
	if dropLast && len(steps) > 0 {
		steps = steps[:len(steps)-1]
	}
	return strings.TrimPrefix(strings.Join(steps, ""), ".")
}
