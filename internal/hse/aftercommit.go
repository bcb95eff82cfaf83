package hse

import (
	"context"
	"sync"
)

// AfterCommit runs fn once the changes made so far under ctx are
// committed: at once, unless the request's transaction is being held open
// (a request with an Idempotency-Key commits its changes together with the
// key's response at its very end), then after that commit, and never if
// it rolls back. Services use it for what cannot be undone, such as
// sending e-mail about a change.
func AfterCommit(ctx context.Context, fn func()) {
	if e, ok := ctx.Value(effectsKey{}).(*Effects); ok && e.add(fn) {
		return
	}
	fn()
}

// Effects are the functions AfterCommit deferred under one request.
type Effects struct {
	mu   sync.Mutex
	fns  []func()
	over bool // run or dropped: later ones run at once
}

type effectsKey struct{}

// WithEffects returns a context under which AfterCommit defers its
// functions until e.Run or e.Drop.
func WithEffects(ctx context.Context) (context.Context, *Effects) {
	e := &Effects{}
	return context.WithValue(ctx, effectsKey{}, e), e
}

func (e *Effects) add(fn func()) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.over {
		return false
	}
	e.fns = append(e.fns, fn)
	return true
}

// Run runs the deferred functions in order: their changes are committed.
func (e *Effects) Run() {
	for _, fn := range e.take() {
		fn()
	}
}

// Drop forgets the deferred functions: their changes were rolled back.
func (e *Effects) Drop() { e.take() }

func (e *Effects) take() []func() {
	e.mu.Lock()
	defer e.mu.Unlock()
	fns := e.fns
	e.fns, e.over = nil, true
	return fns
}
