package idempotency

import (
	"bytes"
	"net/http"
)

// maxStoredBody bounds a response kept for replay. Creating requests answer
// with the created record, far below this; a larger response is passed
// through but not kept (the key is released).
const maxStoredBody = 1 << 20

// capture passes a response through while keeping a copy for replay.
type capture struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	overflow bool
}

func (c *capture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *capture) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if !c.overflow {
		if c.body.Len()+len(p) > maxStoredBody {
			c.overflow = true
			c.body.Reset()
		} else {
			c.body.Write(p)
		}
	}
	return c.ResponseWriter.Write(p)
}

// Flush lets streaming handlers flush through the capture.
func (c *capture) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (c *capture) Unwrap() http.ResponseWriter { return c.ResponseWriter }

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
