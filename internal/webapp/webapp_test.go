package webapp

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func testBundle() fstest.MapFS {
	return fstest.MapFS{
		"index.html":              {Data: []byte("<!doctype html><title>app</title>")},
		"index.html.gz":           {Data: []byte("gz-index")},
		"index.html.br":           {Data: []byte("br-index")},
		"assets/app-abc123.js":    {Data: []byte("console.log(1)")},
		"assets/app-abc123.js.gz": {Data: []byte("gz-js")},
		"assets/logo-1.png":       {Data: []byte("\x89PNG\r\n\x1a\n")},
		"robots.txt":              {Data: []byte("User-agent: *")},
	}
}

func serve(t *testing.T, h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestServe(t *testing.T) {
	h, err := New(testBundle())
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		Status   int
		Body     string
		Cache    string
		Encoding string
		Type     string
	}
	index := want{200, "<!doctype html><title>app</title>", "no-cache", "", "text/html; charset=utf-8"}
	tests := []struct {
		name   string
		target string
		accept string
		want   want
	}{
		{"root is the app", "/", "", index},
		{"deep link falls back to the app", "/incidents/0193-abc", "", index},
		{"mail link with a token falls back to the app", "/verify-email?token=hsev_x", "", index},
		{"index by name", "/index.html", "", index},
		{"hashed asset is immutable", "/assets/app-abc123.js", "", want{200, "console.log(1)", "public, max-age=31536000, immutable", "", "text/javascript; charset=utf-8"}},
		{"gzip when accepted", "/assets/app-abc123.js", "gzip, deflate", want{200, "gz-js", "public, max-age=31536000, immutable", "gzip", "text/javascript; charset=utf-8"}},
		{"brotli preferred", "/", "gzip, deflate, br", want{200, "br-index", "no-cache", "br", "text/html; charset=utf-8"}},
		{"brotli refused with q=0", "/", "br;q=0, gzip", want{200, "gz-index", "no-cache", "gzip", "text/html; charset=utf-8"}},
		{"higher q wins", "/", "br;q=0.5, gzip;q=0.9", want{200, "gz-index", "no-cache", "gzip", "text/html; charset=utf-8"}},
		{"wildcard", "/", "*", want{200, "br-index", "no-cache", "br", "text/html; charset=utf-8"}},
		{"identity only", "/", "identity", index},
		{"brotli asked, only gzip exists", "/assets/app-abc123.js", "br", want{200, "console.log(1)", "public, max-age=31536000, immutable", "", "text/javascript; charset=utf-8"}},
		{"unhashed file revalidates", "/robots.txt", "", want{200, "User-agent: *", "no-cache", "", "text/plain; charset=utf-8"}},
		{"missing asset is a real 404", "/assets/app-old999.js", "", want{404, "not found\n", "no-cache", "", "text/plain; charset=utf-8"}},
		{"missing file-like path is a 404", "/favicon.ico", "", want{404, "not found\n", "no-cache", "", "text/plain; charset=utf-8"}},
		{"dot segments cannot escape", "/assets/../index.html", "", index},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(t, h, http.MethodGet, tt.target, "Accept-Encoding", tt.accept)
			got := want{w.Code, w.Body.String(), w.Header().Get("Cache-Control"), w.Header().Get("Content-Encoding"), w.Header().Get("Content-Type")}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("GET %s (Accept-Encoding %q) (-want +got):\n%s", tt.target, tt.accept, diff)
			}
		})
	}
}

func TestVaryAndETag(t *testing.T) {
	h, err := New(testBundle())
	if err != nil {
		t.Fatal(err)
	}
	plain := serve(t, h, http.MethodGet, "/")
	br := serve(t, h, http.MethodGet, "/", "Accept-Encoding", "br")
	if plain.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("Vary = %q, want Accept-Encoding", plain.Header().Get("Vary"))
	}
	if plain.Header().Get("ETag") == "" || plain.Header().Get("ETag") == br.Header().Get("ETag") {
		t.Errorf("ETags plain %q and brotli %q must be set and differ", plain.Header().Get("ETag"), br.Header().Get("ETag"))
	}
	again := serve(t, h, http.MethodGet, "/", "If-None-Match", plain.Header().Get("ETag"))
	if again.Code != http.StatusNotModified {
		t.Errorf("conditional GET = %d, want 304", again.Code)
	}
	// A file without variants does not vary.
	if v := serve(t, h, http.MethodGet, "/robots.txt").Header().Get("Vary"); v != "" {
		t.Errorf("Vary on robots.txt = %q, want none", v)
	}
}

func TestMethods(t *testing.T) {
	h, err := New(testBundle())
	if err != nil {
		t.Fatal(err)
	}
	if w := serve(t, h, http.MethodHead, "/stations"); w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD = %d with %d bytes, want 200 and no body", w.Code, w.Body.Len())
	}
	w := serve(t, h, http.MethodPost, "/stations")
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST = %d Allow %q, want 405 with Allow: GET, HEAD", w.Code, w.Header().Get("Allow"))
	}
}

func TestNewNeedsIndex(t *testing.T) {
	if _, err := New(fstest.MapFS{"assets/a.js": {Data: []byte("x")}}); err == nil {
		t.Fatal("New without index.html succeeded")
	}
}
