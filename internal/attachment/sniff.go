package attachment

import (
	"bytes"
	"mime"
	"net/http"
	"strings"

	"github.com/gabriel-vasile/mimetype"

	"github.com/hsedigital/hse/internal/hse"
)

// SniffBytes is how much of the start of a file decides its type.
const SniffBytes = 4096

// Type is an accepted kind of file.
type Type struct {
	MIME string // canonical content type, served as is
	// Exts are the file name extensions that fit the type; the first is
	// the one given to names that have none of them.
	Exts []string
	// Image is set for formats the platform decodes (thumbnails, EXIF).
	Image bool
	// Binary types are scanned for markup in their first bytes; text is
	// not (it is always served as text/plain).
	Binary bool
}

// allowed is the allow-list, keyed by the type the detector reports.
var allowed = map[string]Type{
	"image/jpeg": {MIME: "image/jpeg", Exts: []string{".jpg", ".jpeg"}, Image: true, Binary: true},
	"image/png":  {MIME: "image/png", Exts: []string{".png"}, Image: true, Binary: true},
	"image/gif":  {MIME: "image/gif", Exts: []string{".gif"}, Image: true, Binary: true},
	"image/webp": {MIME: "image/webp", Exts: []string{".webp"}, Image: true, Binary: true},
	"image/heic": {MIME: "image/heic", Exts: []string{".heic"}, Binary: true},
	"image/heif": {MIME: "image/heif", Exts: []string{".heif", ".heic"}, Binary: true},

	"application/pdf": {MIME: "application/pdf", Exts: []string{".pdf"}, Binary: true},

	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
		MIME: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Exts: []string{".docx"}, Binary: true},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
		MIME: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Exts: []string{".xlsx"}, Binary: true},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {
		MIME: "application/vnd.openxmlformats-officedocument.presentationml.presentation", Exts: []string{".pptx"}, Binary: true},
	"application/msword":                      {MIME: "application/msword", Exts: []string{".doc"}, Binary: true},
	"application/vnd.ms-excel":                {MIME: "application/vnd.ms-excel", Exts: []string{".xls"}, Binary: true},
	"application/vnd.oasis.opendocument.text": {MIME: "application/vnd.oasis.opendocument.text", Exts: []string{".odt"}, Binary: true},
	"application/vnd.oasis.opendocument.spreadsheet": {
		MIME: "application/vnd.oasis.opendocument.spreadsheet", Exts: []string{".ods"}, Binary: true},

	"text/plain": {MIME: "text/plain; charset=utf-8", Exts: []string{".txt", ".log", ".md"}},
	"text/csv":   {MIME: "text/csv; charset=utf-8", Exts: []string{".csv"}},
}

// activeTypes are content types a browser would run or render as a
// document; a file detected as one of them is refused, whatever else it
// also is.
var activeTypes = []string{"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
	"text/javascript", "application/javascript", "application/x-shockwave-flash", "text/x-php"}

// markers are the byte sequences of markup and script that a browser or
// plug-in sniffing the content might act on. A binary file that carries
// one is a polyglot: refused.
var markers = [][]byte{
	[]byte("<script"), []byte("<html"), []byte("<!doctype html"), []byte("<iframe"), []byte("<svg"),
	[]byte("<body"), []byte("<object"), []byte("<embed"), []byte("<?php"), []byte("<head"), []byte("<meta"),
}

// maxMarker is the length of the longest marker.
var maxMarker = func() int {
	n := 0
	for _, m := range markers {
		n = max(n, len(m))
	}
	return n
}()

// Unsupported is the refusal of a file type.
func unsupported(format string, args ...any) error {
	return hse.Errorf(hse.KindUnsupportedMedia, "UNSUPPORTED_FILE_TYPE", format, args...)
}

// polyglot is the refusal of a file that is two things at once.
func polyglot(format string, args ...any) error {
	return hse.Errorf(hse.KindUnsupportedMedia, "POLYGLOT_FILE", format, args...)
}

// Sniff decides a file's type from its first bytes (at most SniffBytes).
// Two detectors look: the standard library's (the browsers' algorithm)
// and mimetype (which knows office formats). A file either of them takes
// for markup or script is refused, as is anything outside the allow-list;
// binary files with markup in their first bytes are refused as polyglots.
func Sniff(head []byte) (Type, error) {
	if len(head) == 0 {
		return Type{}, hse.Invalid("the file is empty", hse.FieldError{Field: "file", Message: "empty"})
	}
	if len(head) > SniffBytes {
		head = head[:SniffBytes]
	}
	std, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	mt := mimetype.Detect(head)
	for _, a := range activeTypes {
		if std == a || mt.Is(a) {
			return Type{}, unsupported("this file is %s, which is not accepted: upload images, PDF, office documents or plain text", a)
		}
	}
	base, _, _ := mime.ParseMediaType(mt.String())
	t, ok := allowed[base]
	if !ok {
		return Type{}, unsupported("files of type %s are not accepted: upload JPEG, PNG, GIF, WebP or HEIC images, PDF, Word, Excel, PowerPoint, OpenDocument or plain text/CSV", base)
	}
	// The standard detector must not disagree about an image: a file the
	// browsers take for one kind of image and the platform for another is
	// crafted.
	if t.Image && strings.HasPrefix(std, "image/") && std != base {
		return Type{}, polyglot("the file's first bytes say both %s and %s", std, base)
	}
	if t.Binary && findMarker(head) != "" {
		return Type{}, polyglot("the file is %s but carries markup (%s) that a browser could run; save it again without it", t.MIME, findMarker(head))
	}
	return t, nil
}

// findMarker returns the first marker in b, matched without regard to
// case, or "".
func findMarker(b []byte) string {
	return findLowered(bytes.ToLower(b))
}

// findLowered is findMarker on bytes already in lower case.
func findLowered(lower []byte) string {
	for _, m := range markers {
		if bytes.Contains(lower, m) {
			return string(m)
		}
	}
	return ""
}

// markerScanner looks for markers in a stream written to it in chunks,
// including markers split across two chunks. It reuses one buffer of a
// chunk's size, so scanning a large file allocates nothing per chunk.
type markerScanner struct {
	buf   []byte // the tail of the previous chunk, then this chunk
	found string
}

func (s *markerScanner) Write(p []byte) (int, error) {
	if s.found != "" {
		return len(p), nil
	}
	keep := min(len(s.buf), maxMarker-1)
	copy(s.buf, s.buf[len(s.buf)-keep:])
	s.buf = append(s.buf[:keep], p...)
	for i, c := range s.buf[keep:] {
		if 'A' <= c && c <= 'Z' {
			s.buf[keep+i] = c + ('a' - 'A')
		}
	}
	s.found = findLowered(s.buf)
	return len(p), nil
}
