package idempotency

import (
	"bytes"
	"net/http"
)

// maxStoredBody bounds a response kept for replay. Creating requests answer
// with the created record, far below this; a larger response is sent but
// not kept (the key is released).
const maxStoredBody = 1 << 20

// capture keeps the whole response of the first request of a key until
// the request's writes and the key's completion have committed: a client
// must never see a success for a change that was then rolled back. The
// responses of creating requests are small JSON documents.
type capture struct {
	// ResponseWriter is the real one, reached through Unwrap by
	// http.ResponseController (read deadlines of long uploads).
	http.ResponseWriter
	header http.Header
	status int
	body   bytes.Buffer
}

func newCapture(w http.ResponseWriter) *capture {
	// The headers set so far (request id, security headers) are the
	// starting point; the handler may add to them or change them.
	return &capture{ResponseWriter: w, header: w.Header().Clone()}
}

func (c *capture) Header() http.Header { return c.header }

func (c *capture) WriteHeader(status int) {
	if c.status == 0 && status >= 200 {
		c.status = status
	}
}

func (c *capture) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(p)
}

// Flush does nothing: nothing leaves before the commit.
func (c *capture) Flush() {}

// Unwrap gives http.ResponseController the underlying writer.
func (c *capture) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// code is the response's status.
func (c *capture) code() int {
	if c.status == 0 {
		return http.StatusOK
	}
	return c.status
}

// keepable reports whether the response can be kept for replay: only
// successes are, since a refused request created nothing and its retry
// should answer from the state it then finds.
func (c *capture) keepable() bool {
	s := c.code()
	return s >= 200 && s <= 299 && c.body.Len() <= maxStoredBody
}

// send writes the captured response to the client.
func (c *capture) send() {
	h := c.ResponseWriter.Header()
	for k := range h {
		if _, ok := c.header[k]; !ok {
			delete(h, k)
		}
	}
	for k, v := range c.header {
		h[k] = v
	}
	c.ResponseWriter.WriteHeader(c.code())
	_, _ = c.ResponseWriter.Write(c.body.Bytes())
}

// replayedHeaders are the response headers a replay repeats; the others
// (dates, request ids, security headers) belong to the replaying response.
var replayedHeaders = []string{"Content-Type", "Location", "ETag", "Content-Location", "Last-Modified"}

func keptHeader(h http.Header) http.Header {
	out := http.Header{}
	for _, k := range replayedHeaders {
		if v := h.Values(k); len(v) > 0 {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}
