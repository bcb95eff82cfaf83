package idempotency

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

// normalised writes body through the normaliser in chunks of size n.
func normalised(boundary, body string, n int) []byte {
	h := sha256.New()
	b := &boundaryNormaliser{w: h, boundary: []byte(boundary)}
	for len(body) > 0 {
		k := min(n, len(body))
		_, _ = b.Write([]byte(body[:k]))
		body = body[k:]
	}
	b.flush()
	return h.Sum(nil)
}

func TestBoundaryLeftOutOfTheDigest(t *testing.T) {
	form := func(boundary, content string) string {
		return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n"
	}
	a, b := "XyZ123boundaryAAAA", "otherBoundary9876543"
	want := normalised(a, form(a, "%PDF-1.4 same bytes"), 1<<20)
	// Any chunking, and any boundary, give the same digest: boundaries
	// split across writes are still found.
	for _, n := range []int{1, 2, 3, 7, 16, 64, 1 << 20} {
		if got := normalised(b, form(b, "%PDF-1.4 same bytes"), n); !bytes.Equal(got, want) {
			t.Errorf("chunks of %d: the digest depends on the boundary", n)
		}
	}
	if got := normalised(b, form(b, "%PDF-1.4 other bytes"), 5); bytes.Equal(got, want) {
		t.Error("different content has the same digest")
	}
	// Text that merely starts like the boundary is kept.
	if bytes.Equal(normalised(a, "XyZ12", 1), normalised(a, "XyZ13", 1)) {
		t.Error("a partial boundary at the end was lost")
	}
}
