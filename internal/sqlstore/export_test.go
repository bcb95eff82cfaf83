package sqlstore

import "time"

// SetServingCheck makes servers check their hold of ServingLock every d,
// for the tests of its recovery; the returned function restores it.
func SetServingCheck(d time.Duration) (restore func()) {
	old := servingCheck
	servingCheck = d
	return func() { servingCheck = old }
}
