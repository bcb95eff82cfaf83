package hse

import "context"

// Locker makes a recurring job run on one replica at a time: TryLock
// takes a named lock shared through the database, or reports that another
// replica holds it.
type Locker interface {
	TryLock(ctx context.Context, name string) (release func(), ok bool, err error)
}

// SlotStore also remembers, in the shared database, the last slot of a
// schedule a job finished, so each slot runs once across replicas.
type SlotStore interface {
	Locker
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
}
