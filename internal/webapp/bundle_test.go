package webapp

import (
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hsedigital/hse/web"
)

// The committed bundle is what the binary serves: it loads, every file
// index.html references exists, and nothing in it needs an inline script,
// which the Content-Security-Policy would refuse.
func TestCommittedBundle(t *testing.T) {
	dist := web.Dist()
	h, err := New(dist)
	if err != nil {
		t.Fatal(err)
	}
	index, err := fs.ReadFile(dist, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAll(index, -1) {
		if !strings.Contains(string(tag), " src=") {
			t.Errorf("index.html has an inline script: %s", tag)
		}
	}
	if strings.Contains(string(index), "<style") || strings.Contains(string(index), " style=") {
		t.Error("index.html has inline styles")
	}
	refs := regexp.MustCompile(`(?:src|href)="(/[^"]+)"`).FindAllSubmatch(index, -1)
	if len(refs) < 2 {
		t.Fatalf("index.html references %d files, want the script and the stylesheet at least", len(refs))
	}
	for _, ref := range refs {
		path := string(ref[1])
		w := serve(t, h, http.MethodGet, path, "Accept-Encoding", "br, gzip")
		if w.Code != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, w.Code)
		}
		if strings.HasPrefix(path, "/assets/") && w.Header().Get("Cache-Control") != cacheImmutable {
			t.Errorf("GET %s Cache-Control = %q, want immutable", path, w.Header().Get("Cache-Control"))
		}
		if strings.HasSuffix(path, ".js") && w.Header().Get("Content-Encoding") != "br" {
			t.Errorf("GET %s is not served precompressed", path)
		}
	}
}
