//go:build !faultinject

package main

import (
	"log/slog"

	"github.com/hsedigital/hse/internal/idempotency"
)

// idempotencyFaults adds nothing: fault injection exists only in binaries
// built with -tags faultinject (see faults_inject.go), which the crash
// tests build. A release binary has no such point.
func idempotencyFaults(*env, *slog.Logger) func(*idempotency.Options) { return nil }
