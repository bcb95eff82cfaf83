package idempotency

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"mime"
	"net/http"
	"strings"
)

// digestReader hashes a request body as the handler reads it.
type digestReader struct {
	r    io.ReadCloser
	h    io.Writer // the hash, behind the boundary normaliser for multipart
	n    int64
	sum  hash.Hash
	norm *boundaryNormaliser
}

func newDigest(r *http.Request) *digestReader {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery + "\n"))
	d := &digestReader{r: r.Body, h: h, sum: h}
	// A client that retries a multipart upload builds the form again with
	// a new random boundary; the same files and fields are the same
	// request, so the boundary is left out of the digest.
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		h.Write([]byte(mt + "\n"))
		d.norm = &boundaryNormaliser{w: h, boundary: []byte(params["boundary"])}
		d.h = d.norm
	}
	return d
}

func (d *digestReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	_, _ = d.h.Write(p[:n])
	d.n += int64(n)
	return n, err
}

func (d *digestReader) Close() error { return d.r.Close() }

// finish reads what the handler left of the body (up to max) and returns
// the digest, or "" when the body was longer than max.
func (d *digestReader) finish(max int64) string {
	_, _ = io.Copy(io.Discard, io.LimitReader(d, max-d.n+1))
	if d.n > max {
		return ""
	}
	if d.norm != nil {
		d.norm.flush()
	}
	return hex.EncodeToString(d.sum.Sum(nil))
}

// boundaryNormaliser writes a stream to w with every occurrence of the
// boundary replaced by a fixed token. It holds back the last
// len(boundary)-1 bytes of each write, where a boundary split across
// writes could begin.
type boundaryNormaliser struct {
	w        io.Writer
	boundary []byte
	carry    []byte
}

func (b *boundaryNormaliser) Write(p []byte) (int, error) {
	buf := append(b.carry, p...)
	i := 0
	for {
		j := bytes.Index(buf[i:], b.boundary)
		if j < 0 {
			break
		}
		_, _ = b.w.Write(buf[i : i+j])
		_, _ = b.w.Write([]byte("\x00boundary\x00"))
		i += j + len(b.boundary)
	}
	keep := max(len(buf)-i-(len(b.boundary)-1), 0)
	_, _ = b.w.Write(buf[i : i+keep])
	b.carry = append(b.carry[:0:0], buf[i+keep:]...)
	return len(p), nil
}

func (b *boundaryNormaliser) flush() {
	_, _ = b.w.Write(b.carry)
	b.carry = nil
}
