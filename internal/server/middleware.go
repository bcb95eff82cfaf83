package server

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/hsedigital/hse/internal/httpapi"
	"github.com/hsedigital/hse/internal/reqid"
)

// recorder remembers the status and size of a response. It keeps the
// underlying writer reachable (Unwrap) so http.ResponseController can flush
// streamed responses such as CSV exports.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush passes flushes through for streaming responses.
func (r *recorder) Flush() {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	http.NewResponseController(r.ResponseWriter).Flush()
}

// quietRoutes are polled by probes and scrapers every few seconds; their
// access lines go out at debug level so they do not drown real traffic.
var quietRoutes = map[string]bool{"/api/live": true, "/api/ready": true, "/metrics": true}

// observe gives each request its id (a sane X-Request-ID is honoured,
// otherwise one is made; either way it is echoed back), then writes the
// access log line and the HTTP metrics, labelled by the route pattern the
// mux matched. One middleware does both so the request is copied once.
func observe(log *slog.Logger, m *Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := reqid.FromHeader(r.Header.Get(reqid.Header))
		// One allocation carries the request's info and the recorder; one
		// context value carries the info to everything below.
		st := &requestState{info: reqid.Info{ID: id}, rec: recorder{ResponseWriter: w}}
		w.Header()[canonicalRequestID] = []string{id}
		ctx := reqid.WithInfo(r.Context(), &st.info)
		rec := &st.rec
		defer func() {
			d := time.Since(start)
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			route := httpapi.RouteLabel(&st.info)
			m.observe(r.Method, route, status, d)
			level := slog.LevelInfo
			switch {
			case status >= 500:
				level = slog.LevelError
			case quietRoutes[route] && status < 400:
				level = slog.LevelDebug
			}
			if !log.Enabled(ctx, level) {
				return
			}
			log.LogAttrs(ctx, level, "request",
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Float64("duration_ms", float64(d.Microseconds())/1000),
				slog.Int64("bytes", rec.bytes),
				slog.String("remote", r.RemoteAddr),
			)
		}()
		next.ServeHTTP(rec, r.WithContext(ctx))
	})
}

// requestState is the per-request memory of observe.
type requestState struct {
	info reqid.Info
	rec  recorder
}

// canonicalRequestID is X-Request-ID in the form net/http stores it.
var canonicalRequestID = http.CanonicalHeaderKey(reqid.Header)

// recoverPanics turns a panic into a logged 500 problem, unless the handler
// deliberately aborted the response.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			log.ErrorContext(r.Context(), "panic serving request", "panic", p, "stack", string(debug.Stack()))
			if rec, ok := w.(*recorder); ok && rec.status != 0 {
				return // headers already went out; nothing more can be said
			}
			httpapi.WriteProblem(w, http.StatusInternalServerError, "INTERNAL", "internal error")
		}()
		next.ServeHTTP(w, r)
	})
}
