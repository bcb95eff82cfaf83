// Package idempotency makes creating requests safe to retry: a POST with an
// Idempotency-Key header runs once per organization and key, and a retry
// with the same key and body gets the first response back without creating
// anything again. Field staff on poor connections retry whatever did not
// visibly succeed; this is what keeps those retries from duplicating
// incidents, permits and uploads.
package idempotency

import (
	"context"
	"net/http"
	"time"
)

// Record is one key's claim and, once the request finished, its response.
type Record struct {
	OrgID  string
	Key    string
	UserID string
	Method string
	Path   string
	// Claim identifies the request that holds a pending key, so that only
	// it completes or releases the key.
	Claim string
	// RequestHash digests method, path and body; set on completion.
	RequestHash string
	// Status is 0 while the first request runs.
	Status    int
	Header    http.Header
	Body      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Pending reports whether the first request is still running.
func (r *Record) Pending() bool { return r.Status == 0 }

// Store keeps the records. Implementations must make Claim atomic: of
// concurrent claims of one key exactly one succeeds.
type Store interface {
	// Claim stores rec as the pending claim of its key and returns nil, or
	// returns the key's current record when another request holds it.
	// Expired records are replaced; a pending record older than
	// staleAfter is taken over (its request is presumed dead).
	Claim(ctx context.Context, rec *Record, staleAfter time.Duration) (*Record, error)
	// Complete stores the response of the claim.
	Complete(ctx context.Context, rec *Record) error
	// Release deletes a pending claim so the request can be retried.
	Release(ctx context.Context, orgID, key, claim string) error
	// Purge deletes records that expired before now.
	Purge(ctx context.Context, now time.Time) (int64, error)
}
