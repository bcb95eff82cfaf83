package app_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/textproto"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
)

// multipartFile is a multipart/form-data body with one file part, whose
// part Content-Type is what the client claims (partType, may be "").
func multipartFile(t testing.TB, field, name, partType string, content []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("note", "a field before the file")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+field+`"; filename="`+name+`"`)
	if partType != "" {
		h.Set("Content-Type", partType)
	}
	pw, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = pw.Write(content)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

// upload posts content as the "file" field to /api/upload.
func upload(e *apptest.Env, token, name, partType string, content []byte) *apptest.Response {
	e.T.Helper()
	body, ct := multipartFile(e.T, "file", name, partType, content)
	return e.Do(apptest.Request{Method: "POST", Path: "/api/upload", Token: token, Body: body, Header: map[string]string{"Content-Type": ct}})
}

// uploadID uploads content and returns the attachment's id.
func uploadID(t testing.TB, e *apptest.Env, token, name string, content []byte) string {
	t.Helper()
	r := e.Must(201, upload(e, token, name, "", content))
	var v struct{ ID string }
	if err := json.Unmarshal(r.Body, &v); err != nil || v.ID == "" {
		t.Fatalf("upload answered %s", r.Body)
	}
	return v.ID
}

// testPDF is a minimal PDF.
var testPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// testJPEG encodes a w × h gradient.
func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withGPS splices an APP1 EXIF segment right after the JPEG's SOI
// marker: a little-endian TIFF structure whose IFD0 points to a GPS IFD
// with version, latitude 51°30′0″ N and longitude 0°7′30″ W.
func withGPS(jpg []byte) []byte {
	le := binary.LittleEndian
	tiff := make([]byte, 140)
	copy(tiff, "II")
	le.PutUint16(tiff[2:], 42)
	le.PutUint32(tiff[4:], 8)
	entry := func(at int, tag, typ uint16, count, value uint32) {
		le.PutUint16(tiff[at:], tag)
		le.PutUint16(tiff[at+2:], typ)
		le.PutUint32(tiff[at+4:], count)
		le.PutUint32(tiff[at+8:], value)
	}
	// IFD0 at 8: one entry, the GPS IFD pointer (type LONG).
	le.PutUint16(tiff[8:], 1)
	entry(10, 0x8825, 4, 1, 26)
	le.PutUint32(tiff[22:], 0)
	// GPS IFD at 26: five entries, then rationals at 92 and 116.
	le.PutUint16(tiff[26:], 5)
	entry(28, 0x0000, 1, 4, 0) // GPSVersionID (bytes set below)
	copy(tiff[36:40], []byte{2, 3, 0, 0})
	entry(40, 0x0001, 2, 2, 0) // GPSLatitudeRef
	copy(tiff[48:50], "N\x00")
	entry(52, 0x0002, 5, 3, 92) // GPSLatitude
	entry(64, 0x0003, 2, 2, 0)  // GPSLongitudeRef
	copy(tiff[72:74], "W\x00")
	entry(76, 0x0004, 5, 3, 116) // GPSLongitude
	le.PutUint32(tiff[88:], 0)
	rational := func(at int, nums ...uint32) {
		for i, n := range nums {
			le.PutUint32(tiff[at+8*i:], n)
			le.PutUint32(tiff[at+8*i+4:], 1)
		}
	}
	rational(92, 51, 30, 0)
	rational(116, 0, 7, 30)
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

func decodeJPEG(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }

// fillFilesTables uploads a photo (a row in attachments, its upload event
// in the outbox) and links it to a contractor document (attachment_links),
// for the backup round trip. The bytes themselves are in the files
// bucket, which database backups do not include.
func fillFilesTables(t *testing.T, e *apptest.Env, owner *apptest.User) {
	t.Helper()
	id := uploadID(t, e, owner.Access, "backup.jpg", withGPS(testJPEG(t, 40, 30)))
	c := e.Must(201, e.Call("POST", "/api/contractors", owner.Access, map[string]any{"name": "Backup Files Ltd"})).JSON(t)
	e.Must(201, e.Call("POST", "/api/contractors/"+c["id"].(string)+"/documents", owner.Access, map[string]any{
		"type": "insurance", "attachmentId": id}))
}
