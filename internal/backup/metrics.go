package backup

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector exports the backup state read at scrape time from the bucket
// (HSE_BACKUP_BUCKET) or else the backup directory, so every replica
// reports the same truth.
type Collector struct {
	checker *Checker
	success *prometheus.Desc
	size    *prometheus.Desc
	healthy *prometheus.Desc
}

// NewCollector builds the collector for dir.
func NewCollector(dir string, r Retention, rpo time.Duration) *Collector {
	return NewCheckerCollector(&Checker{Dir: dir, Retention: r, RPO: rpo})
}

// NewCheckerCollector builds the collector reporting what c checks.
func NewCheckerCollector(c *Checker) *Collector {
	return &Collector{checker: c,
		success: prometheus.NewDesc("hse_digital_backup_last_success_timestamp_seconds", "Unix time of the newest backup.", nil, nil),
		size:    prometheus.NewDesc("hse_digital_backup_last_size_bytes", "Size of the newest backup in bytes.", nil, nil),
		healthy: prometheus.NewDesc("hse_digital_backup_status", "1 for the current backup status (ok, stale or failing).", []string{"status"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.success
	ch <- c.size
	ch <- c.healthy
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := c.checker.Check(ctx, time.Now())
	if err != nil {
		return
	}
	if h.LastSuccessAt != nil {
		ch <- prometheus.MustNewConstMetric(c.success, prometheus.GaugeValue, float64(h.LastSuccessAt.Unix()))
		ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(h.LastSizeBytes))
	}
	for _, s := range []string{StatusOK, StatusStale, StatusFailing} {
		v := 0.0
		if h.Status == s {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.healthy, prometheus.GaugeValue, v, s)
	}
}
