// Package idempotency makes creating requests safe to retry: a POST with an
// Idempotency-Key header runs once per organization and key, and a retry
// with the same key and body gets the first response back without creating
// anything again. Field staff on poor connections retry whatever did not
// visibly succeed; this is what keeps those retries from duplicating
// incidents, permits and uploads.
//
// What a request writes and its key's completion commit in one database
// transaction (see Hold), so a crash at any point either leaves both or
// neither: a retry then replays the response or runs the request for the
// first time, never a second time.
package idempotency

import (
	"context"
	"errors"
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

// ErrClaimLost means the key's claim is no longer the request's: it was
// presumed dead and another request took the key over. What the request
// wrote is not committed.
var ErrClaimLost = errors.New("idempotency: the claim of the key was taken over by another request")

// Store keeps the records. Implementations must make Claim atomic: of
// concurrent claims of one key exactly one succeeds.
type Store interface {
	// Claim stores rec as the pending claim of its key and returns nil, or
	// returns the key's current record when another request holds it.
	// Expired records are replaced; a pending record whose heartbeat is
	// older than staleAfter is taken over (its request is presumed dead).
	Claim(ctx context.Context, rec *Record, staleAfter time.Duration) (*Record, error)
	// Heartbeat marks rec's pending claim alive at now; it reports false
	// when the claim is no longer pending under rec.Claim.
	Heartbeat(ctx context.Context, rec *Record, now time.Time) (bool, error)
	// Hold returns a context under which the request's first write
	// transaction is kept open until the returned Hold ends it.
	Hold(ctx context.Context) (context.Context, Hold)
	// Complete stores the response of the claim in a transaction of its
	// own (the request wrote nothing); ErrClaimLost when the claim is no
	// longer rec's.
	Complete(ctx context.Context, rec *Record) error
	// Release deletes a pending claim so the request can be retried.
	Release(ctx context.Context, orgID, key, claim string) error
	// Purge deletes records that expired before now.
	Purge(ctx context.Context, now time.Time) (int64, error)
}

// Hold is a request's write transaction, kept open until the request's
// response is known. Exactly one of Complete, Release or Abort ends it.
type Hold interface {
	// Held reports whether the request wrote: a transaction is open.
	Held() bool
	// Complete stores rec's response in the held transaction and commits
	// it. ErrClaimLost (or any error) means it was rolled back instead.
	Complete(ctx context.Context, rec *Record) error
	// Release deletes rec's pending claim in the held transaction and
	// commits it, so that what the request wrote stays and a retry runs
	// again. ErrClaimLost (or any error) means it was rolled back instead.
	Release(ctx context.Context, rec *Record) error
	// Abort rolls the held transaction back, if there is one.
	Abort()
}
