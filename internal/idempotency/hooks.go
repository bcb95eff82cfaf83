package idempotency

// Hooks are called at their points of the first request of a key, for
// tests that simulate a crash there or hold the request still. A hook that
// panics stands for the process dying: the held transaction is rolled
// back, as the database does when a connection drops, and nothing else is
// done (the claim is left to go stale).
type Hooks struct {
	// Claimed: the key is claimed and the handler is about to run.
	Claimed func()
	// Handled: the handler answered 2xx, its writes are held and not
	// committed, and the key's completion is about to be written.
	Handled func()
	// Committed: the writes and the key's completion are committed and
	// the response has not been sent.
	Committed func()
}
