package sqlstore

import (
	"context"
	"sync"
)

// fairness keeps reads from starving the writes that queue for a
// resource only one transaction holds at a time: SQLite's single writer,
// and an organization's number counter (ADR 15).
//
// Reads and such writes do not wait in the same queue. Under saturation
// the reads, which run side by side, take every core, and each statement
// of the one transaction that holds the writer or the counter row waits
// for a core behind them; that transaction takes several times longer,
// every write behind it waits that much longer each, and with clients
// sending back to back the clients gather in the writes' queue: reports
// waited a hundred times as long as reads. So the read places shrink by
// one for each such write that waits or runs: the more writes are queued
// for the serialized resource, the fewer reads run beside the one that
// holds it, until the writes' queue is short again. At least minReads
// places stay open, so a read never waits for a write (a read opened
// inside a write transaction always gets a place in the end), and with
// no write queued reads have the whole pool.
type fairness struct {
	mu      sync.Mutex
	size    int // read places with no write queued: the pool's size (0: unlimited)
	backlog int // writes waiting for or holding a serialized resource
	reads   *gate
}

// minReads is how many reads may run however long the writes' queue.
const minReads = 1

func newFairness(size int) *fairness {
	f := &fairness{size: max(size, 0)}
	f.reads = newGate(f.placesLocked())
	return f
}

// placesLocked is how many reads may run now.
func (f *fairness) placesLocked() int {
	if f.size == 0 {
		return 0 // unlimited
	}
	return max(minReads, f.size-f.backlog)
}

// enterRead waits for a read place, or for ctx to end.
func (f *fairness) enterRead(ctx context.Context) (leave func(), err error) {
	if err := f.reads.enter(ctx); err != nil {
		return nil, err
	}
	return f.reads.leave, nil
}

// queued counts a write that waits for or holds a serialized resource,
// until done is called (once).
func (f *fairness) queued() (done func()) {
	f.add(1)
	var once sync.Once
	return func() { once.Do(func() { f.add(-1) }) }
}

func (f *fairness) add(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.backlog += n
	f.reads.resize(f.placesLocked())
}

// resize follows a change of the pool's size.
func (f *fairness) resize(size int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.size = max(size, 0)
	f.reads.resize(f.placesLocked())
}
