package sqlstore

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Waiters are admitted in the order they arrived.
func TestGateIsFirstComeFirstServed(t *testing.T) {
	g := newGate(1)
	ctx := context.Background()
	if err := g.enter(ctx); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.enter(ctx); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			g.leave()
		}()
		// Each waiter queues before the next starts.
		for deadline := time.Now().Add(time.Second); ; {
			g.mu.Lock()
			n := len(g.waiters)
			g.mu.Unlock()
			if n == i+1 || time.Now().After(deadline) {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	g.leave()
	wg.Wait()
	for i, v := range order {
		if v != i {
			t.Fatalf("admitted in order %v", order)
		}
	}
	if g.held != 0 || len(g.waiters) != 0 {
		t.Errorf("held %d, waiting %d after everyone left", g.held, len(g.waiters))
	}
}

// A waiter whose context ends leaves the queue and holds nothing.
func TestGateCancel(t *testing.T) {
	g := newGate(1)
	if err := g.enter(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := g.enter(ctx); err == nil {
		t.Fatal("entered a full gate")
	}
	g.leave()
	if g.held != 0 || len(g.waiters) != 0 {
		t.Errorf("held %d, waiting %d", g.held, len(g.waiters))
	}
	// Growing the gate admits the waiters at once.
	g.resize(3)
	for range 3 {
		if err := g.enter(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() { _ = g.enter(context.Background()); close(done) }()
	time.Sleep(10 * time.Millisecond)
	g.resize(4)
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("resize did not admit the waiter")
	}
}

// A pool without a maximum has a gate without one.
func TestGateUnlimited(t *testing.T) {
	g := newGate(0)
	for range 100 {
		if err := g.enter(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if g.held != 100 || len(g.waiters) != 0 {
		t.Errorf("held %d, waiting %d", g.held, len(g.waiters))
	}
}

// One key at a time, others in parallel, and nothing kept once idle.
func TestQueue(t *testing.T) {
	q := queue{size: 1}
	ctx := context.Background()
	leaveA, err := q.enter(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	leaveB, err := q.enter(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := q.enter(short, "a"); err == nil {
		t.Fatal("a second holder of a")
	}
	leaveA()
	leaveB()
	leaveA2, err := q.enter(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	leaveA2()
	if len(q.gates) != 0 {
		t.Errorf("%d idle keys kept", len(q.gates))
	}
}
