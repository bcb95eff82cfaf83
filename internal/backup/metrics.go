package backup

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector exports the backup state read from the backup directory at
// scrape time, so every replica reports the same truth.
type Collector struct {
	dir       string
	retention Retention
	rpo       time.Duration
	success   *prometheus.Desc
	size      *prometheus.Desc
	healthy   *prometheus.Desc
}

// NewCollector builds the collector for dir.
func NewCollector(dir string, r Retention, rpo time.Duration) *Collector {
	return &Collector{dir: dir, retention: r, rpo: rpo,
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
	h, err := Check(c.dir, c.retention, c.rpo, time.Now())
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
