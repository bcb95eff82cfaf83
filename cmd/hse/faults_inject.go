//go:build faultinject

package main

import (
	"log/slog"
	"time"

	"github.com/hsedigital/hse/internal/idempotency"
)

// idempotencyFaults pauses the first request of an Idempotency-Key at the
// point HSE_FAULT names, so that a test can kill the process there with
// SIGKILL: "idempotency-after-commit" (the change and the key's response
// are committed, the response is not sent) or "idempotency-before-commit"
// (the change is written and not committed). The pause is announced in
// the log. Only test binaries are built with this file.
func idempotencyFaults(e *env, log *slog.Logger) func(*idempotency.Options) {
	fault := e.getenv("HSE_FAULT")
	pause := func(point string) func() {
		return func() {
			log.Warn("fault injected: paused until killed", "point", point)
			time.Sleep(time.Hour)
		}
	}
	return func(o *idempotency.Options) {
		switch fault {
		case "idempotency-after-commit":
			o.Hooks.Committed = pause(fault)
		case "idempotency-before-commit":
			o.Hooks.Handled = pause(fault)
		}
	}
}
