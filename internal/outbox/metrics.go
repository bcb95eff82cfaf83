package outbox

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hsedigital/hse/internal/hse"
)

// Counter counts delivered events by type (a relay observer, so an event
// retried for a failing handler counts once): what shows on a dashboard
// that incidents, permits and overdue actions flow.
type Counter struct{ vec *prometheus.CounterVec }

// NewCounter registers hse_digital_domain_events_total on reg.
func NewCounter(reg prometheus.Registerer) *Counter {
	c := &Counter{vec: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hse_digital_domain_events_total", Help: "Domain events delivered from the outbox, by type.",
	}, []string{"type"})}
	reg.MustRegister(c.vec)
	return c
}

// Handle counts e.
func (c *Counter) Handle(_ context.Context, e hse.Event) error {
	c.vec.WithLabelValues(e.Type).Inc()
	return nil
}

// BacklogReader reads the outbox backlog (sqlstore.Outbox).
type BacklogReader interface {
	Backlog(ctx context.Context) (pending int64, oldest time.Time, err error)
}

// BacklogCollector reports the undelivered events at each scrape: a relay
// that stopped delivering (or a consumer that keeps failing) shows as a
// growing age, which the HSEEventsBacklog alert watches.
type BacklogCollector struct {
	store   BacklogReader
	now     func() time.Time
	pending *prometheus.Desc
	age     *prometheus.Desc
}

// NewBacklogCollector builds the collector; now may be nil.
func NewBacklogCollector(store BacklogReader, now func() time.Time) *BacklogCollector {
	return &BacklogCollector{store: store, now: now,
		pending: prometheus.NewDesc("hse_digital_outbox_pending_events", "Domain events waiting for delivery, all organizations.", nil, nil),
		age:     prometheus.NewDesc("hse_digital_outbox_oldest_pending_age_seconds", "Age of the oldest undelivered domain event (0 when none wait).", nil, nil)}
}

// Describe implements prometheus.Collector.
func (c *BacklogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.age
}

// Collect implements prometheus.Collector. A failed read reports nothing
// (the database alerts cover an unreachable database).
func (c *BacklogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, oldest, err := c.store.Backlog(ctx)
	if err != nil {
		return
	}
	age := 0.0
	if n > 0 && !oldest.IsZero() {
		age = max(hse.Now(c.now).Sub(oldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age)
}
