package outbox

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hsedigital/hse/internal/hse"
)

// Counter counts delivered events by type: the first consumer, and what
// shows on a dashboard that incidents, permits and overdue actions flow.
type Counter struct{ vec *prometheus.CounterVec }

// NewCounter registers hse_domain_events_total on reg.
func NewCounter(reg prometheus.Registerer) *Counter {
	c := &Counter{vec: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hse_domain_events_total", Help: "Domain events delivered from the outbox, by type.",
	}, []string{"type"})}
	reg.MustRegister(c.vec)
	return c
}

// Handle counts e.
func (c *Counter) Handle(_ context.Context, e hse.Event) error {
	c.vec.WithLabelValues(e.Type).Inc()
	return nil
}
