package sqlstore

import "time"

// SetServingCheck makes servers check their hold of ServingLock every d,
// for the tests of its recovery; the returned function restores it.
func SetServingCheck(d time.Duration) (restore func()) {
	old := servingCheck
	servingCheck = d
	return func() { servingCheck = old }
}

// FairState reports how many writes count against the reads (see
// fairness) and how many reads may run now.
func (db *DB) FairState() (backlog, readPlaces int) {
	db.fair.mu.Lock()
	defer db.fair.mu.Unlock()
	return db.fair.backlog, db.fair.placesLocked()
}
