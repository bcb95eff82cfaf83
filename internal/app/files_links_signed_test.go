package app_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

type fileLink struct {
	URL       string
	ExpiresAt time.Time
}

// TestFileLinks: a signed link opens one file (or its thumbnail) without a
// token, for a few minutes, and nothing else.
func TestFileLinks(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		owner := e.Signup("Links Co")
		photo := testJPEG(t, 640, 480)
		id := uploadID(t, e, owner.Access, "forecourt.jpg", photo)
		link := func(variant string) fileLink {
			t.Helper()
			return decodeJSON[fileLink](t, e.Must(200, callAPI(t, e, "GET", "/api/attachments/"+id+"/link?variant="+variant, owner.Access, nil)))
		}
		content, thumb := link("content"), link("thumbnail")
		if !content.ExpiresAt.Equal(clock.Now().Add(5*time.Minute)) || !strings.HasPrefix(content.URL, "/api/files/"+id+"?") {
			t.Fatalf("link %+v", content)
		}
		r := e.Must(200, e.Call("GET", content.URL, "", nil))
		if !bytes.Equal(r.Body, photo) || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") ||
			r.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(r.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("content through the link: %d bytes, headers %v", len(r.Body), r.Header)
		}
		r = e.Must(200, e.Call("GET", thumb.URL, "", nil))
		if r.Header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "inline") || len(r.Body) == 0 || len(r.Body) >= len(photo) {
			t.Fatalf("thumbnail through the link: %d bytes, %v", len(r.Body), r.Header)
		}

		// Any change to the link breaks it.
		u, _ := url.Parse(content.URL)
		other := e.Signup("Other Links Co")
		otherID := uploadID(t, e, other.Access, "other.pdf", testPDF)
		for name, change := range map[string]func(q url.Values, path *string){
			"signature": func(q url.Values, _ *string) { q.Set("sig", strings.Repeat("A", 43)) },
			"org":       func(q url.Values, _ *string) { q.Set("org", other.OrgID) },
			"variant":   func(q url.Values, _ *string) { q.Set("variant", "thumbnail") },
			"expiry":    func(q url.Values, _ *string) { q.Set("exp", "9999999999") },
			"file":      func(_ url.Values, p *string) { *p = "/api/files/" + otherID },
		} {
			q := u.Query()
			path := u.Path
			change(q, &path)
			if r := e.Call("GET", path+"?"+q.Encode(), "", nil); r.Status != 403 || r.Code() != "LINK_INVALID" {
				t.Errorf("link with another %s: %d %s", name, r.Status, r.Body)
			}
		}
		if r := e.Call("GET", "/api/files/"+id, "", nil); r.Status < 400 || r.Status >= 500 {
			t.Errorf("no signature at all: %d", r.Status)
		}
		// Another organization cannot get a link to the file.
		if r := callAPI(t, e, "GET", "/api/attachments/"+id+"/link", other.Access, nil); r.Status != 404 {
			t.Errorf("link for another organization: %d", r.Status)
		}
		// Files without a thumbnail have no thumbnail link.
		if r := callAPI(t, e, "GET", "/api/attachments/"+otherID+"/link?variant=thumbnail", other.Access, nil); r.Status != 404 {
			t.Errorf("thumbnail link of a PDF: %d", r.Status)
		}
		// Links expire.
		clock.Advance(5*time.Minute + time.Second)
		if r := e.Call("GET", content.URL, "", nil); r.Status != 403 || r.Code() != "LINK_EXPIRED" {
			t.Errorf("expired link: %d %s", r.Status, r.Body)
		}
	})
}
