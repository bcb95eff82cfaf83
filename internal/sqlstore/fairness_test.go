package sqlstore

import (
	"context"
	"testing"
	"time"
)

// Each queued write takes one read place away, down to minReads; a pool
// without a maximum stays unlimited.
func TestFairnessReadPlaces(t *testing.T) {
	for _, c := range []struct {
		size, backlog, want int
	}{
		{10, 0, 10},
		{10, 1, 9},
		{10, 7, 3},
		{10, 9, 1},
		{10, 40, minReads},
		{1, 1, minReads},
		{0, 5, 0}, // unlimited
	} {
		f := newFairness(c.size)
		for range c.backlog {
			f.queued()
		}
		if got := f.placesLocked(); got != c.want {
			t.Errorf("size %d, %d writes queued: %d read places, want %d", c.size, c.backlog, got, c.want)
		}
		if f.reads.size != c.want {
			t.Errorf("size %d, %d writes queued: the read gate has %d places, want %d", c.size, c.backlog, f.reads.size, c.want)
		}
	}
}

// A read waits while queued writes hold its place, and gets it as soon as
// one of them is done; done counts once however often it is called.
func TestFairnessReadWaitsForTheWritesQueue(t *testing.T) {
	f := newFairness(2)
	ctx := context.Background()
	done := f.queued()
	first, err := f.enterRead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admitted := make(chan func(), 1)
	go func() {
		leave, err := f.enterRead(ctx)
		if err != nil {
			t.Error(err)
		}
		admitted <- leave
	}()
	select {
	case <-admitted:
		t.Fatal("a second read ran beside a queued write in a pool of two")
	case <-time.After(100 * time.Millisecond):
	}
	done()
	done()
	select {
	case leave := <-admitted:
		leave()
	case <-time.After(5 * time.Second):
		t.Fatal("the read was not admitted when the write was done")
	}
	first()
	if f.backlog != 0 {
		t.Fatalf("backlog %d after the write was done twice, want 0", f.backlog)
	}
	// A read whose context ends while it waits leaves the queue.
	f.queued()
	hold, _ := f.enterRead(ctx)
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := f.enterRead(cctx); err == nil {
		t.Fatal("a read was admitted past its place")
	}
	hold()
	if len(f.reads.waiters) != 0 {
		t.Fatalf("%d waiters left behind", len(f.reads.waiters))
	}
}

// A larger or smaller pool moves the read places with it.
func TestFairnessResize(t *testing.T) {
	f := newFairness(10)
	f.queued()
	f.resize(4)
	if got := f.placesLocked(); got != 3 {
		t.Fatalf("pool of 4, one write queued: %d read places, want 3", got)
	}
}
