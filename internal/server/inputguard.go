package server

import (
	"bytes"
	"io"
	"net/http"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/httpapi"
	"github.com/hsedigital/hse/internal/inputguard"
)

// defaultMaxBodyBytes is the JSON body limit when Options sets none.
const defaultMaxBodyBytes = 1 << 20

// guardInput refuses, with 400 and before any handler or the idempotency
// layer sees it, an API request with text the database cannot store: a
// NUL or invalid UTF-8 in the path, the query, a header the API reads or
// any string of a JSON body (names included, nested), a lone surrogate
// escape, or a JSON number out of range. One check in front of every
// route keeps the two engines alike: PostgreSQL would fail with 500 where
// SQLite stored the bytes.
//
// JSON bodies are read up to maxBody (the API's own limit) and handed on
// unchanged; a longer body is passed through for the API to refuse with
// 413. Other bodies (multipart uploads, whose files hold NUL bytes
// legitimately) stream through untouched.
func guardInput(next http.Handler, maxBody int64, pattern func(*http.Request) string) http.Handler {
	if maxBody <= 0 {
		maxBody = defaultMaxBodyBytes
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isAPIPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		v := inputguard.CheckPath(r.URL.Path, pattern(r))
		if v == nil {
			v = inputguard.CheckQuery(r.URL.RawQuery)
		}
		if v == nil {
			v = inputguard.CheckHeaders(r.Header, inputguard.Headers)
		}
		if v == nil {
			if body, ok := bufferJSON(r, maxBody); ok {
				v = inputguard.CheckJSON(body)
			}
		}
		if v != nil {
			refuseInput(w, v)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refuseInput answers 400 naming the place at fault. Characters get their
// own code, so that a client can tell "fix the encoding" from an ordinary
// validation failure; an out-of-range number is an ordinary one.
func refuseInput(w http.ResponseWriter, v *inputguard.Violation) {
	code := "INVALID_CHARACTERS"
	if v.Number {
		code = "VALIDATION_FAILED"
	}
	field := v.Field
	if field == "" {
		field = v.In
	}
	httpapi.WriteProblemFields(w, http.StatusBadRequest, code, v.Error(), []hse.FieldError{{Field: field, Message: v.Reason}})
}

// bufferJSON reads a JSON request body of at most maxBody bytes and puts
// it back for the handler. It reports false, leaving the body as the
// handler would have found it, when there is no JSON body or it is too
// long to check (the API refuses it for its size) or could not be read
// (the handler meets the same error).
func bufferJSON(r *http.Request, maxBody int64) ([]byte, bool) {
	if r.Body == nil || r.Body == http.NoBody || !inputguard.IsJSON(r.Header.Get("Content-Type")) || r.ContentLength > maxBody {
		return nil, false
	}
	orig := r.Body
	buf, err := io.ReadAll(io.LimitReader(orig, maxBody+1))
	var rest io.Reader = orig
	if err != nil {
		rest = errReader{err}
	}
	r.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(buf), rest), Closer: orig}
	if err != nil || int64(len(buf)) > maxBody {
		return nil, false
	}
	return buf, true
}

// readCloser joins the replayed body with the original's Close.
type readCloser struct {
	io.Reader
	io.Closer
}

// errReader repeats a read error after the bytes read before it.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
