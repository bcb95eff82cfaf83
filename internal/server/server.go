// Package server runs the HTTP server: the middleware chain, the metrics
// endpoint and graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/hsedigital/hse/internal/health"
	"github.com/hsedigital/hse/internal/httpapi"
)

// Options configure the server.
type Options struct {
	Addr        string // listen address of the API, e.g. ":3001"
	MetricsAddr string // separate address for /metrics; empty serves it on Addr
	// ShutdownDelay keeps serving (with readiness 503) before closing the
	// listener, so load balancers stop routing to this replica first.
	ShutdownDelay time.Duration
	// DrainTimeout bounds how long in-flight requests may take to finish.
	DrainTimeout time.Duration
	Security     SecurityOptions
	CORS         CORSOptions
	// Wrap, when set, wraps the API routes inside the server's own
	// middleware (after panic recovery and the input check, before
	// routing): the idempotency keys of creating requests.
	Wrap func(http.Handler) http.Handler
	// MaxBodyBytes bounds the JSON bodies the input check reads (the
	// API's own limit, HSE_MAX_BODY_BYTES); 0 means 1 MiB.
	MaxBodyBytes int64
}

// Server is the HSE Digital HTTP server.
type Server struct {
	opts    Options
	log     *slog.Logger
	health  *health.Checker
	metrics *Metrics
	handler http.Handler
	mux     *http.ServeMux
}

// New builds the server around an API mux that httpapi has filled in.
func New(opts Options, log *slog.Logger, checker *health.Checker, metrics *Metrics, mux *http.ServeMux) *Server {
	s := &Server{opts: opts, log: log, health: checker, metrics: metrics, mux: mux}
	metrics.Registry.MustRegister(newDependencyCollector(checker))
	if opts.MetricsAddr == "" {
		mux.Handle("GET /metrics", metrics.Handler())
	}
	var routes http.Handler = httpapi.CapturePattern(mux)
	if opts.Wrap != nil {
		routes = opts.Wrap(routes)
	}
	pattern := func(r *http.Request) string { _, p := mux.Handler(r); return p }
	routes = guardInput(routes, opts.MaxBodyBytes, pattern)
	s.handler = observe(log, metrics, securityHeaders(cors(recoverPanics(log, routes), opts.CORS), opts.Security))
	return s
}

// Handler is the full middleware chain, for tests that use httptest.
func (s *Server) Handler() http.Handler { return s.handler }

// Run serves until ctx is cancelled, then shuts down gracefully: readiness
// turns 503 at once, the server keeps serving for ShutdownDelay, then stops
// accepting connections and lets in-flight requests finish within
// DrainTimeout. The caller closes the database after Run returns.
func (s *Server) Run(ctx context.Context, ready func(addr net.Addr)) error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.opts.Addr, err)
	}
	srv := newHTTPServer(s.handler)
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()

	if s.opts.MetricsAddr != "" {
		mln, err := net.Listen("tcp", s.opts.MetricsAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("listening on %s for metrics: %w", s.opts.MetricsAddr, err)
		}
		mmux := http.NewServeMux()
		mmux.Handle("GET /metrics", s.metrics.Handler())
		msrv := newHTTPServer(mmux)
		servers = append(servers, msrv)
		go func() { errc <- msrv.Serve(mln) }()
		s.log.Info("metrics listening", "addr", mln.Addr().String())
	}
	s.log.Info("listening", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr())
	}

	select {
	case err := <-errc:
		for _, sv := range servers {
			sv.Close()
		}
		return fmt.Errorf("server stopped: %w", err)
	case <-ctx.Done():
	}

	s.health.SetDraining()
	s.log.Info("shutting down: readiness is now 503", "delay", s.opts.ShutdownDelay.String(), "drain_timeout", s.opts.DrainTimeout.String())
	if s.opts.ShutdownDelay > 0 {
		time.Sleep(s.opts.ShutdownDelay)
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.DrainTimeout)
	defer cancel()
	var errs []error
	for _, sv := range servers {
		if err := sv.Shutdown(sctx); err != nil {
			errs = append(errs, err)
			sv.Close()
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("drain did not finish within %s: %w", s.opts.DrainTimeout, err)
	}
	s.log.Info("drained")
	return nil
}

func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// Uploads of large photos on slow field connections need minutes.
		ReadTimeout:    5 * time.Minute,
		WriteTimeout:   5 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
	}
}
