package inputguard

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// CheckPath checks the decoded path. pattern is the route pattern that
// serves it ("GET /api/actions/{id}", or "" when unknown); with it a bad
// segment is reported by the name of its parameter.
func CheckPath(path, pattern string) *Violation {
	reason := TextReason(path)
	if reason == "" {
		return nil
	}
	if _, p, ok := strings.Cut(pattern, " "); ok {
		pattern = p
	}
	segs, names := strings.Split(path, "/"), strings.Split(pattern, "/")
	for i, seg := range segs {
		r := TextReason(seg)
		if r == "" {
			continue
		}
		if i < len(names) && strings.HasPrefix(names[i], "{") && strings.HasSuffix(names[i], "}") {
			name := strings.TrimSuffix(strings.Trim(names[i], "{}"), "...")
			return &Violation{In: InPath, Field: name, Reason: r}
		}
		return &Violation{In: InPath, Reason: r}
	}
	return &Violation{In: InPath, Reason: reason}
}

// CheckQuery checks every name and value of a raw query string, in name
// order so that the answer does not depend on map order.
func CheckQuery(rawQuery string) *Violation {
	if rawQuery == "" {
		return nil
	}
	// A malformed pair is dropped by ParseQuery, as it is by the handlers,
	// so only what the handlers would read is checked.
	q, _ := url.ParseQuery(rawQuery)
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if r := TextReason(k); r != "" {
			return &Violation{In: InQuery, Field: printable(k), Reason: r}
		}
		for _, v := range q[k] {
			if r := TextReason(v); r != "" {
				return &Violation{In: InQuery, Field: k, Reason: r}
			}
		}
	}
	return nil
}

// Headers are the request headers whose values the API reads, stores or
// repeats: credentials, the client's description of itself (kept with
// sessions and in the audit log), preconditions, idempotency keys, the
// proxy's client address and the content negotiation.
var Headers = []string{"Authorization", "User-Agent", "If-Match", "If-None-Match", "Idempotency-Key",
	"X-CSRF-Token", "X-Forwarded-For", "X-Forwarded-Proto", "Content-Type", "Accept"}

// CheckHeaders checks the values of the named headers.
func CheckHeaders(h http.Header, names []string) *Violation {
	for _, name := range names {
		for _, v := range h.Values(name) {
			if r := TextReason(v); r != "" {
				return &Violation{In: InHeader, Field: name, Reason: r}
			}
		}
	}
	return nil
}
