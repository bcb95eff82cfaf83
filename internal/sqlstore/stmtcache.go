package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// maxCachedStmts bounds the cache: queries built from filters vary, and an
// unbounded cache would grow with every combination.
const maxCachedStmts = 1000

// stmtCache keeps prepared statements of one pool by query text.
// database/sql re-prepares a statement on each connection the first time
// a transaction on that connection uses it (on the transaction's own
// connection) and then reuses it.
type stmtCache struct {
	pool *sql.DB
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
	busy map[string]bool // being prepared
	done bool            // closed
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}, busy: map[string]bool{}}
}

// get returns the prepared statement for query, or nil when it is not
// prepared yet; the caller then runs the query unprepared. Preparing
// happens in the background: DB.Prepare needs a connection of its own, and
// waiting for one while the caller's transaction holds the SQLite writer
// (a pool of one) would deadlock.
func (c *stmtCache) get(_ context.Context, query string) *sql.Stmt {
	c.mu.RLock()
	st := c.m[query]
	c.mu.RUnlock()
	if st != nil {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done || c.busy[query] || len(c.m)+len(c.busy) >= maxCachedStmts {
		return nil
	}
	c.busy[query] = true
	go c.prepare(query)
	return nil
}

func (c *stmtCache) prepare(query string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := c.pool.PrepareContext(ctx, query)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.busy, query)
	if err != nil {
		return // the unprepared path reports real errors to its caller
	}
	if c.done {
		st.Close()
		return
	}
	c.m[query] = st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
}
