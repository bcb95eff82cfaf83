package attachment

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Totals reads the number and size of every organization's files.
type Totals func(ctx context.Context) (files, bytes int64, err error)

// usageCollector exports the platform's file storage at scrape time. The
// gauges are platform totals, not per organization: organization ids are
// not metric labels.
type usageCollector struct {
	totals       Totals
	files, bytes *prometheus.Desc
}

// NewUsageCollector returns the hse_digital_attachment_files and
// hse_digital_attachment_bytes gauges.
func NewUsageCollector(t Totals) prometheus.Collector {
	return &usageCollector{totals: t,
		files: prometheus.NewDesc("hse_digital_attachment_files", "Uploaded files stored, all organizations.", nil, nil),
		bytes: prometheus.NewDesc("hse_digital_attachment_bytes", "Bytes of uploaded files stored (thumbnails excluded), all organizations.", nil, nil)}
}

func (c *usageCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.files; ch <- c.bytes }

func (c *usageCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	files, bytes, err := c.totals(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.files, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.files, prometheus.GaugeValue, float64(files))
	ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(bytes))
}
