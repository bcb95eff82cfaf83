package sqlstore

import (
	"context"
	"sync"
)

// gate admits at most size transactions to a pool at once, in the order
// they asked. database/sql hands a freed connection to a random waiter, so
// under load some requests wait many turns while others wait none, and the
// 95th percentile grows far past the median. Queuing in front of the pool,
// first come first served, with as many places as the pool has
// connections, keeps that queue out of database/sql.
type gate struct {
	mu      sync.Mutex
	size    int // 0: unlimited, like a pool without a maximum
	held    int
	waiters []chan struct{} // oldest first; closed when admitted
}

func newGate(size int) *gate { return &gate{size: max(size, 0)} }

// enter waits for a place, or for ctx to end.
func (g *gate) enter(ctx context.Context) error {
	g.mu.Lock()
	if (g.size == 0 || g.held < g.size) && len(g.waiters) == 0 {
		g.held++
		g.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	g.waiters = append(g.waiters, ch)
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		for i, w := range g.waiters {
			if w == ch {
				g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
				return ctx.Err()
			}
		}
		// Admitted just as ctx ended: pass the place on.
		g.leaveLocked()
		return ctx.Err()
	}
}

// leave gives the place to the oldest waiter, if any.
func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.leaveLocked()
}

func (g *gate) leaveLocked() {
	g.held--
	g.admitLocked()
}

// admitLocked lets waiters in while there is room.
func (g *gate) admitLocked() {
	for (g.size == 0 || g.held < g.size) && len(g.waiters) > 0 {
		ch := g.waiters[0]
		g.waiters = g.waiters[1:]
		g.held++
		close(ch)
	}
}

// resize changes the number of places (0: unlimited); a smaller gate
// admits nobody new until enough have left.
func (g *gate) resize(size int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.size = max(size, 0)
	g.admitLocked()
}

// queue lets at most size holders of one key in at a time, in arrival
// order; keys nobody holds or waits for take no memory.
type queue struct {
	size  int
	mu    sync.Mutex
	gates map[string]*queued
}

type queued struct {
	g     *gate
	users int // holding or waiting
}

// enter waits for the key, or for ctx to end; leave releases it.
func (q *queue) enter(ctx context.Context, key string) (leave func(), err error) {
	q.mu.Lock()
	if q.gates == nil {
		q.gates = map[string]*queued{}
	}
	e := q.gates[key]
	if e == nil {
		e = &queued{g: newGate(q.size)}
		q.gates[key] = e
	}
	e.users++
	q.mu.Unlock()
	done := func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		if e.users--; e.users == 0 {
			delete(q.gates, key)
		}
	}
	if err := e.g.enter(ctx); err != nil {
		done()
		return nil, err
	}
	return func() { e.g.leave(); done() }, nil
}
