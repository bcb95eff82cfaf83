package server

import (
	"database/sql"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the HTTP metrics named in the runbook, on an explicit
// registry (no globals).
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	errors   *prometheus.CounterVec
	duration *prometheus.HistogramVec

	// series caches the children of each (method, route, status): looking
	// them up by label values hashes the labels on every request. The key
	// space is bounded: routes are patterns, methods normalised.
	series sync.Map // seriesKey -> *seriesChildren
}

type seriesKey struct {
	method, route string
	status        int
}

type seriesChildren struct {
	requests prometheus.Counter
	errors   prometheus.Counter // nil below 500
	duration prometheus.Observer
}

// NewMetrics registers the HTTP metrics, the Go and process collectors and
// one database/sql collector per connection pool.
func NewMetrics(pools map[string]*sql.DB) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hse_digital_http_requests_total",
			Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "status_code"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hse_digital_http_request_errors_total",
			Help: "HTTP responses with a status of 500 or more, by method, route pattern and status code.",
		}, []string{"method", "route", "status_code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hse_digital_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by method and route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 5, 10},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.errors, m.duration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	for name, db := range pools {
		reg.MustRegister(collectors.NewDBStatsCollector(db, name))
	}
	return m
}

// observe records one finished request. route is a registered pattern or
// "unmatched"; method is normalised so clients cannot grow the label set.
func (m *Metrics) observe(method, route string, status int, d time.Duration) {
	k := seriesKey{normaliseMethod(method), route, status}
	c, ok := m.series.Load(k)
	if !ok {
		code := strconv.Itoa(status)
		sc := &seriesChildren{
			requests: m.requests.WithLabelValues(k.method, route, code),
			duration: m.duration.WithLabelValues(k.method, route),
		}
		if status >= 500 {
			sc.errors = m.errors.WithLabelValues(k.method, route, code)
		}
		c, _ = m.series.LoadOrStore(k, sc)
	}
	sc := c.(*seriesChildren)
	sc.requests.Inc()
	if sc.errors != nil {
		sc.errors.Inc()
	}
	sc.duration.Observe(d.Seconds())
}

func normaliseMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{EnableOpenMetrics: false})
}
