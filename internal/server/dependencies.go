package server

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hsedigital/hse/internal/health"
)

// dependencyCollector exports hse_digital_dependency_up{dependency} from the
// health checks, so alerts can tell "Redis down, degraded" apart from "API
// down". Results are cached briefly: several Prometheus servers scraping
// must not multiply the checks.
type dependencyCollector struct {
	checker *health.Checker
	desc    *prometheus.Desc
	ttl     time.Duration

	mu     sync.Mutex
	at     time.Time
	report health.Report
}

func newDependencyCollector(c *health.Checker) *dependencyCollector {
	return &dependencyCollector{
		checker: c,
		ttl:     5 * time.Second,
		desc: prometheus.NewDesc("hse_digital_dependency_up",
			"1 when the dependency answered its health check, 0 when it did not. Unconfigured dependencies are absent.",
			[]string{"dependency"}, nil),
	}
}

func (d *dependencyCollector) Describe(ch chan<- *prometheus.Desc) { ch <- d.desc }

func (d *dependencyCollector) Collect(ch chan<- prometheus.Metric) {
	d.mu.Lock()
	if time.Since(d.at) > d.ttl {
		d.report = d.checker.Report(context.Background())
		d.at = time.Now()
	}
	rep := d.report
	d.mu.Unlock()
	for name, c := range rep.Checks {
		if c.Status == health.NotConfigured {
			continue
		}
		v := 0.0
		if c.Status == health.Up {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(d.desc, prometheus.GaugeValue, v, name)
	}
}
