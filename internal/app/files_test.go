package app_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// storedFiles lists the keys in the local files directory of e.
func storedFiles(t *testing.T, e *apptest.Env) []string {
	t.Helper()
	dir := filepath.Join(e.App.Config.DataDir, "files")
	var keys []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			keys = append(keys, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestUploadAndDownload(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Files Fuel")
		r := e.Must(201, upload(e, owner.Access, "inspection report.pdf", "application/octet-stream", testPDF))
		v := r.JSON(t)
		id := v["id"].(string)
		if v["contentType"] != "application/pdf" || v["fileName"] != "inspection report.pdf" || v["sizeBytes"] != float64(len(testPDF)) ||
			v["thumbnail"] != false || v["hasLocation"] != false || len(v["sha256"].(string)) != 64 {
			t.Errorf("upload answered %v", v)
		}
		got := e.Must(200, e.Call("GET", "/api/attachments/"+id, owner.Access, nil)).JSON(t)
		if got["id"] != id || got["fileName"] != "inspection report.pdf" {
			t.Errorf("metadata %v", got)
		}
		c := e.Must(200, e.Call("GET", "/api/attachments/"+id+"/content", owner.Access, nil))
		if !bytes.Equal(c.Body, testPDF) {
			t.Errorf("downloaded %q, want the uploaded bytes", c.Body)
		}
		for k, want := range map[string]string{
			"Content-Type":           "application/pdf",
			"X-Content-Type-Options": "nosniff",
			"Content-Disposition":    `attachment; filename="inspection report.pdf"`,
		} {
			if c.Header.Get(k) != want {
				t.Errorf("%s = %q, want %q", k, c.Header.Get(k), want)
			}
		}
		if !strings.HasPrefix(c.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("Content-Security-Policy = %q, want sandbox", c.Header.Get("Content-Security-Policy"))
		}
		e.Must(404, e.Call("GET", "/api/attachments/"+id+"/thumbnail", owner.Access, nil))
		use := e.Must(200, e.Call("GET", "/api/organizations/current/storage", owner.Access, nil)).JSON(t)
		if use["files"] != float64(1) || use["bytes"] != float64(len(testPDF)) {
			t.Errorf("storage %v", use)
		}
		if keys := storedFiles(t, e); len(keys) != 1 || keys[0] != owner.OrgID+"/"+id {
			t.Errorf("stored keys %v, want %s/%s", keys, owner.OrgID, id)
		}
		var events int
		if err := e.App.DB.Pools()["primary"].QueryRow(`SELECT COUNT(*) FROM outbox_events WHERE type = 'attachment:uploaded' AND entity_id = '` + id + `'`).Scan(&events); err != nil {
			t.Fatal(err)
		}
		if events != 1 {
			t.Errorf("%d attachment:uploaded events, want 1", events)
		}
		log := string(e.Must(200, e.Call("GET", "/api/audit-log?entityType=attachment", owner.Access, nil)).Body)
		if !strings.Contains(log, "attachment.uploaded") {
			t.Errorf("audit trail lacks the upload: %s", log)
		}

		// Another organization: not found, whatever the route.
		other := e.Signup("Other Fuel")
		for _, p := range []string{"", "/content", "/thumbnail"} {
			if r := e.Call("GET", "/api/attachments/"+id+p, other.Access, nil); r.Status != 404 {
				t.Errorf("GET %s by another organization: %d", p, r.Status)
			}
		}
		e.Must(404, e.Call("DELETE", "/api/attachments/"+id, other.Access, nil))

		// A Viewer creates nothing, so uploads nothing.
		viewer := e.Invite(owner, "sys-viewer", nil)
		if r := upload(e, viewer.Access, "x.pdf", "", testPDF); r.Status != 403 {
			t.Errorf("viewer upload: %d %s", r.Status, r.Body)
		}
		e.Must(200, e.Call("GET", "/api/attachments/"+id+"/content", viewer.Access, nil))
		e.Must(403, e.Call("DELETE", "/api/attachments/"+id, viewer.Access, nil))
		e.Must(204, e.Call("DELETE", "/api/attachments/"+id, owner.Access, nil))
		e.Must(404, e.Call("GET", "/api/attachments/"+id, owner.Access, nil))
		if keys := storedFiles(t, e); len(keys) != 0 {
			t.Errorf("deleted file still stored: %v", keys)
		}
	})
}

func TestUploadRefusals(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.WithEnv("HSE_UPLOAD_MAX_BYTES", "4096"))
		owner := e.Signup("Refusals Fuel")
		html := []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
		jpg := testJPEG(t, 32, 32)
		zipTail := []byte("PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
		tests := []struct {
			name, file, claims string
			content            []byte
			status             int
			code               string
		}{
			{"spoofed type: HTML sent as a PNG", "photo.png", "image/png", html, 415, "UNSUPPORTED_FILE_TYPE"},
			{"PDF with HTML first", "report.pdf", "application/pdf", append(append([]byte{}, html...), testPDF...), 415, "UNSUPPORTED_FILE_TYPE"},
			{"SVG", "logo.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 415, "UNSUPPORTED_FILE_TYPE"},
			{"executable", "setup.exe", "application/octet-stream", append([]byte("MZ\x90\x00"), make([]byte, 200)...), 415, "UNSUPPORTED_FILE_TYPE"},
			{"JPEG with HTML appended", "photo.jpg", "image/jpeg", append(append([]byte{}, jpg...), html...), 415, "POLYGLOT_FILE"},
			{"GIF header with a script", "anim.gif", "image/gif", []byte("GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;<script>alert(1)</script>"), 415, "POLYGLOT_FILE"},
			{"JPEG with a ZIP appended", "photo.jpg", "image/jpeg", append(append([]byte{}, jpg...), zipTail...), 415, "POLYGLOT_FILE"},
			{"a JPEG header and nothing else", "photo.jpg", "image/jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), 415, "INVALID_IMAGE"},
			{"over the size limit", "big.txt", "text/plain", bytes.Repeat([]byte("a"), 5000), 413, "FILE_TOO_LARGE"},
			{"empty", "empty.txt", "text/plain", nil, 400, "VALIDATION_FAILED"},
		}
		for _, tt := range tests {
			r := upload(e, owner.Access, tt.file, tt.claims, tt.content)
			if r.Status != tt.status || r.Code() != tt.code {
				t.Errorf("%s: %d %s, want %d %s", tt.name, r.Status, r.Body, tt.status, tt.code)
			}
		}
		if keys := storedFiles(t, e); len(keys) != 0 {
			t.Errorf("refused uploads left files in storage: %v", keys)
		}
		// No "file" field, and not multipart at all.
		body, ct := multipartFile(t, "document", "x.pdf", "", testPDF)
		if r := e.Do(apptest.Request{Method: "POST", Path: "/api/upload", Token: owner.Access, Body: body, Header: map[string]string{"Content-Type": ct}}); r.Status != 400 {
			t.Errorf("without a file field: %d %s", r.Status, r.Body)
		}
		if r := e.Call("POST", "/api/upload", owner.Access, map[string]any{"file": "x"}); r.Status != 400 {
			t.Errorf("JSON body: %d %s", r.Status, r.Body)
		}
		if r := upload(e, "", "x.pdf", "", testPDF); r.Status != 401 {
			t.Errorf("without a token: %d", r.Status)
		}
	})
}

func TestUploadNames(t *testing.T) {
	e := apptest.New(t, "sqlite")
	owner := e.Signup("Names Fuel")
	tests := []struct{ name, want string }{
		{"../../etc/passwd.png", "passwd.png.pdf"},
		{`..\..\x.pdf`, "x.pdf"},
		{"report.PDF", "report.PDF"},
		{"invoice.exe", "invoice.exe.pdf"},
		{"a\tb|c\u202e<fdp>.pdf", "a_b_c__fdp_.pdf"},
		{"....", "file.pdf"},
		{strings.Repeat("é", 200) + ".pdf", strings.Repeat("é", 73) + ".pdf"},
	}
	for _, tt := range tests {
		v := e.Must(201, upload(e, owner.Access, tt.name, "", testPDF)).JSON(t)
		if v["fileName"] != tt.want {
			t.Errorf("name %q stored as %q, want %q", tt.name, v["fileName"], tt.want)
		}
		id := v["id"].(string)
		c := e.Must(200, e.Call("GET", "/api/attachments/"+id+"/content", owner.Access, nil))
		if d := c.Header.Get("Content-Disposition"); !strings.HasPrefix(d, "attachment;") || strings.ContainsAny(d, "\r\n/\\") {
			t.Errorf("Content-Disposition %q", d)
		}
	}
	for _, k := range storedFiles(t, e) {
		if !strings.HasPrefix(k, owner.OrgID+"/") || strings.Count(k, "/") != 1 || strings.Contains(k, "..") || strings.Contains(k, ".pdf") {
			t.Errorf("storage key %q depends on the client's name", k)
		}
	}
}

func TestUploadImageEXIF(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Photos Fuel")
		photo := withGPS(testJPEG(t, 800, 600))
		v := e.Must(201, upload(e, owner.Access, "forecourt.jpg", "image/png", photo)).JSON(t)
		id := v["id"].(string)
		if v["contentType"] != "image/jpeg" || v["thumbnail"] != true || v["width"] != float64(800) || v["height"] != float64(600) || v["hasLocation"] != true {
			t.Fatalf("upload answered %v", v)
		}
		lat, lon := v["latitude"].(float64), v["longitude"].(float64)
		if math.Abs(lat-51.5) > 1e-9 || math.Abs(lon-(-0.125)) > 1e-9 {
			t.Errorf("location %v, %v; want 51.5, -0.125", lat, lon)
		}
		c := e.Must(200, e.Call("GET", "/api/attachments/"+id+"/content", owner.Access, nil))
		if !bytes.Equal(c.Body, photo) {
			t.Error("the downloaded photo differs from the uploaded one")
		}
		th := e.Must(200, e.Call("GET", "/api/attachments/"+id+"/thumbnail", owner.Access, nil))
		if th.Header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(th.Header.Get("Content-Disposition"), "inline") {
			t.Errorf("thumbnail headers %v", th.Header)
		}
		assertNoExif(t, th.Body)
		if !bytes.Contains(photo, []byte("Exif\x00\x00")) {
			t.Fatal("the test photo has no EXIF to strip")
		}
		var cfg struct{ W, H int }
		if img, err := decodeJPEG(th.Body); err != nil {
			t.Fatal(err)
		} else {
			cfg.W, cfg.H = img.Bounds().Dx(), img.Bounds().Dy()
		}
		if cfg.W != 320 || cfg.H != 240 {
			t.Errorf("thumbnail %d×%d, want 320×240", cfg.W, cfg.H)
		}
		var meta string
		if err := e.App.DB.Pools()["primary"].QueryRow(`SELECT metadata FROM attachments WHERE id = '` + id + `'`).Scan(&meta); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(meta), &m); err != nil || m["latitude"] == nil || m["longitude"] == nil {
			t.Errorf("stored metadata %s", meta)
		}
	})
}

// assertNoExif fails when a JPEG carries an APP1 (EXIF/XMP) segment or
// GPS data in any form.
func assertNoExif(t *testing.T, jpg []byte) {
	t.Helper()
	if bytes.Contains(jpg, []byte{0xFF, 0xE1}) || bytes.Contains(jpg, []byte("Exif")) || bytes.Contains(jpg, []byte("GPS")) {
		t.Error("the thumbnail carries EXIF")
	}
	if len(jpg) < 2 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		t.Error("the thumbnail is not a JPEG")
	}
}
