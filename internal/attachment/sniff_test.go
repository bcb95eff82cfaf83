package attachment

import (
	"archive/zip"
	"bytes"
	"testing"

	"github.com/hsedigital/hse/internal/hse"
)

// officeZip builds a minimal OOXML or ODF package with the given entries.
func officeZip(t *testing.T, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range entries {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if name == "mimetype" {
			_, _ = f.Write([]byte("application/vnd.oasis.opendocument.text"))
		} else {
			_, _ = f.Write([]byte("<?xml version=\"1.0\"?><x/>"))
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSniff(t *testing.T) {
	ok := []struct {
		name    string
		content []byte
		want    string
	}{
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"), "image/jpeg"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00"), "image/gif"},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), "image/webp"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "application/pdf"},
		{"docx", officeZip(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"xlsx", officeZip(t, "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"text", []byte("Forecourt checked, all fine.\n"), "text/plain; charset=utf-8"},
		{"csv", []byte("station,score\nA,90\nB,85\n"), "text/csv; charset=utf-8"},
		{"text mentioning a script", []byte("Note: the old page had <script> tags.\n"), "text/plain; charset=utf-8"},
	}
	for _, tt := range ok {
		got, err := Sniff(tt.content)
		if err != nil || got.MIME != tt.want {
			t.Errorf("%s: %q, %v; want %s", tt.name, got.MIME, err, tt.want)
		}
	}
	refused := []struct {
		name    string
		content []byte
		code    string
	}{
		{"html", []byte("<!DOCTYPE html><html><body>x</body></html>"), "UNSUPPORTED_FILE_TYPE"},
		{"html after spaces", []byte("   \n<html><script>alert(1)</script>"), "UNSUPPORTED_FILE_TYPE"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), "UNSUPPORTED_FILE_TYPE"},
		{"xml", []byte(`<?xml version="1.0"?><root/>`), "UNSUPPORTED_FILE_TYPE"},
		{"zip", officeZip(t, "a.txt"), "UNSUPPORTED_FILE_TYPE"},
		{"exe", append([]byte("MZ\x90\x00\x03"), make([]byte, 100)...), "UNSUPPORTED_FILE_TYPE"},
		{"gif with script", []byte("GIF89a/*\x01\x00*/=1;<script>alert(1)</script>"), "POLYGLOT_FILE"},
		{"pdf with html inside the head", []byte("%PDF-1.4\n<html><body onload=alert(1)>"), "POLYGLOT_FILE"},
	}
	for _, tt := range refused {
		_, err := Sniff(tt.content)
		var e *hse.Error
		if err == nil || !asError(err, &e) || e.Code != tt.code || e.Kind != hse.KindUnsupportedMedia {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
}

func asError(err error, target **hse.Error) bool {
	e, ok := err.(*hse.Error)
	*target = e
	return ok
}

func TestMarkerScannerAcrossChunks(t *testing.T) {
	s := &markerScanner{}
	for _, chunk := range []string{"\xff\xd8 binary <scr", "IPT>alert(1)"} {
		_, _ = s.Write([]byte(chunk))
	}
	if s.found != "<script" {
		t.Errorf("found %q, want <script across the chunk boundary", s.found)
	}
	clean := &markerScanner{}
	_, _ = clean.Write(bytes.Repeat([]byte("\xff\x00<scri"), 1000))
	if clean.found != "" {
		t.Errorf("found %q in clean data", clean.found)
	}
}

func TestEndsInZip(t *testing.T) {
	eocd := []byte("PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	withComment := append(append([]byte{}, eocd...), 3, 0)
	for _, tt := range []struct {
		b    []byte
		want bool
	}{
		{append([]byte("\xff\xd8 image"), append(eocd, 0, 0)...), true},
		{append([]byte("\xff\xd8 image"), append(withComment, "abc"...)...), true},
		{append([]byte("\xff\xd8 image"), append(withComment, "ab"...)...), false},
		{[]byte("\xff\xd8 image PK\x05\x06 in the middle of pixels"), false},
	} {
		if got := endsInZip(tt.b); got != tt.want {
			t.Errorf("endsInZip(%q) = %v, want %v", tt.b, got, tt.want)
		}
	}
}
