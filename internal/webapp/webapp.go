// Package webapp serves the single-page application at the site root, from
// the same binary and origin as the API.
//
// Every file is read into memory once, with its precompressed twins and an
// ETag, so a request costs a map lookup: the app never touches the API's
// hot path or the disk.
package webapp

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// Cache policies. Files under assets/ carry a content hash in their names,
// so a browser may keep them forever; everything else, index.html above
// all, must be revalidated so a deploy reaches every browser at once.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	assetsDir       = "assets/"
	indexFile       = "index.html"
)

// encodings are the precompressed variants, best first.
var encodings = []struct{ name, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// file is one servable file with its precompressed variants.
type file struct {
	body        []byte
	etag        string
	contentType string
	cache       string
	variants    map[string]variant // by encoding name
}

type variant struct {
	body []byte
	etag string
}

// Handler serves an application bundle.
type Handler struct {
	files map[string]*file // by path without the leading slash
}

// New loads every file of dist into memory. dist must hold index.html.
func New(dist fs.FS) (*Handler, error) {
	h := &Handler{files: map[string]*file{}}
	raw := map[string][]byte{}
	err := fs.WalkDir(dist, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(dist, p)
		if err != nil {
			return err
		}
		raw[p] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the web bundle: %w", err)
	}
	for p, b := range raw {
		if isVariant(p, raw) {
			continue
		}
		f := &file{body: b, etag: etag(b, ""), contentType: contentType(p, b), cache: cacheRevalidate, variants: map[string]variant{}}
		if strings.HasPrefix(p, assetsDir) {
			f.cache = cacheImmutable
		}
		for _, e := range encodings {
			if vb, ok := raw[p+e.ext]; ok {
				f.variants[e.name] = variant{body: vb, etag: etag(b, e.name)}
			}
		}
		h.files[p] = f
	}
	if h.files[indexFile] == nil {
		return nil, fmt.Errorf("the web bundle has no %s", indexFile)
	}
	return h, nil
}

// isVariant reports whether p is the precompressed twin of another file.
func isVariant(p string, raw map[string][]byte) bool {
	for _, e := range encodings {
		if base, ok := strings.CutSuffix(p, e.ext); ok {
			if _, exists := raw[base]; exists {
				return true
			}
		}
	}
	return false
}

// etag is strong and differs per encoding, as RFC 9110 requires of
// representations whose bytes differ.
func etag(b []byte, enc string) string {
	sum := sha256.Sum256(b)
	tag := base64.RawURLEncoding.EncodeToString(sum[:12])
	if enc != "" {
		tag += "-" + enc
	}
	return `"` + tag + `"`
}

func contentType(p string, b []byte) string {
	if ct := mime.TypeByExtension(path.Ext(p)); ct != "" {
		return ct
	}
	return http.DetectContentType(b)
}

// ServeHTTP serves a file of the bundle, or index.html for any path that
// names no file, so the client-side router can take a deep link such as
// /incidents/123 or /verify-email?token=... A missing path that looks like
// a file (it has an extension, or lies under assets/) is a real 404: an old
// chunk after a deploy must fail loudly, not parse HTML as JavaScript.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	f := h.files[name]
	if f == nil || name == "" {
		if name != "" && (strings.HasPrefix(name, assetsDir) || path.Ext(name) != "") {
			w.Header().Set("Cache-Control", cacheRevalidate)
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		f = h.files[indexFile]
	}
	hdr := w.Header()
	hdr.Set("Cache-Control", f.cache)
	hdr.Set("Content-Type", f.contentType)
	body, tag := f.body, f.etag
	if len(f.variants) > 0 {
		hdr.Add("Vary", "Accept-Encoding")
		if enc := pickEncoding(r.Header.Get("Accept-Encoding"), f.variants); enc != "" {
			v := f.variants[enc]
			body, tag = v.body, v.etag
			hdr.Set("Content-Encoding", enc)
		}
	}
	hdr.Set("ETag", tag)
	// ServeContent answers If-None-Match with 304 and serves ranges of
	// the representation chosen above.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// pickEncoding chooses the best precompressed variant the client accepts.
// A coding with q=0 is refused; "*" stands for any coding not named.
func pickEncoding(header string, have map[string]variant) string {
	if header == "" {
		return ""
	}
	q := map[string]float64{}
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		weight := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscanf(v, "%g", &weight); err != nil {
				weight = 0
			}
		}
		if coding != "" {
			q[coding] = weight
		}
	}
	best, bestQ := "", 0.0
	for _, e := range encodings {
		if _, ok := have[e.name]; !ok {
			continue
		}
		w, named := q[e.name]
		if !named {
			w, named = q["*"]
		}
		if named && w > bestQ {
			best, bestQ = e.name, w
		}
	}
	return best
}
