package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Retention is how many daily, weekly and monthly backups to keep.
type Retention struct {
	Daily, Weekly, Monthly int
}

// DefaultRetention keeps a week of dailies, a month of weeklies and a year
// of monthlies.
var DefaultRetention = Retention{Daily: 7, Weekly: 4, Monthly: 12}

// Verification states of a backup.
const (
	StateVerified   = "verified"   // its last verification passed
	StateFailed     = "failed"     // its last verification failed
	StateUnverified = "unverified" // it was never verified
)

// State is the backup's verification state.
func (m *Metadata) State() string {
	switch {
	case m.Verification == nil:
		return StateUnverified
	case m.Verification.OK:
		return StateVerified
	default:
		return StateFailed
	}
}

// Reasons, beside the retention classes, for which Plan keeps a backup.
const (
	// KeepNewestVerified: the newest verified backup is never deleted,
	// whatever the retention says (even with every class at 0).
	KeepNewestVerified = "newest-verified"
	// KeepFailedRecent: a backup that failed verification and is newer
	// than every verified one stays for inspection (or for a verification
	// that passes); once a newer verified backup exists it is pruned.
	KeepFailedRecent = "failed-newest"
	// KeepUnverified: a backup never verified is not judged; prune
	// verifies it first.
	KeepUnverified = "unverified"
)

// Classes says which retention classes keep each backup, by name. Only
// verified backups count: within each day, ISO week and month the newest
// verified backup represents the period, and the newest periods are kept.
// A backup that failed verification, or was never verified, never stands
// in for its period, so a bad backup cannot push a good one out.
func (r Retention) Classes(backups []Metadata) map[string][]string {
	sorted := newestFirst(backups)
	out := map[string][]string{}
	for _, b := range sorted {
		out[b.Name] = nil
	}
	keep := func(class string, n int, period func(time.Time) string) {
		seen := map[string]bool{}
		for _, b := range sorted {
			if b.State() != StateVerified {
				continue
			}
			p := period(b.CreatedAt.UTC())
			if seen[p] {
				continue
			}
			if len(seen) >= n {
				return
			}
			seen[p] = true
			out[b.Name] = append(out[b.Name], class)
		}
	}
	keep("daily", r.Daily, func(t time.Time) string { return t.Format("2006-01-02") })
	keep("weekly", r.Weekly, func(t time.Time) string { y, w := t.ISOWeek(); return fmt.Sprintf("%d-W%02d", y, w) })
	keep("monthly", r.Monthly, func(t time.Time) string { return t.Format("2006-01") })
	return out
}

// Plan says why the retention keeps each backup, by name: its classes, or
// one of the Keep reasons; a backup with none is due for pruning.
func (r Retention) Plan(backups []Metadata) map[string][]string {
	out := r.Classes(backups)
	var newestVerified *Metadata
	for _, b := range newestFirst(backups) {
		if b.State() == StateVerified {
			newestVerified = &b
			break
		}
	}
	for _, b := range backups {
		switch b.State() {
		case StateVerified:
			if b.Name == newestVerified.Name && len(out[b.Name]) == 0 {
				out[b.Name] = []string{KeepNewestVerified}
			}
		case StateFailed:
			if newestVerified == nil || b.CreatedAt.After(newestVerified.CreatedAt) {
				out[b.Name] = []string{KeepFailedRecent}
			}
		case StateUnverified:
			out[b.Name] = []string{KeepUnverified}
		}
	}
	return out
}

func newestFirst(backups []Metadata) []Metadata {
	sorted := append([]Metadata(nil), backups...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].CreatedAt.After(sorted[j].CreatedAt) })
	return sorted
}

// Prune applies the retention to dir. Backups never verified are verified
// first (checksum and gzip stream; the result is recorded in their
// metadata), so that every backup is judged; then those Plan keeps for no
// reason are deleted (artifact and metadata) and their names returned.
// With dryRun nothing is written or deleted: the names are those that
// would be. A backup that cannot be read aborts the prune rather than
// count as bad.
func Prune(ctx context.Context, dir string, r Retention, now time.Time, dryRun bool) ([]string, error) {
	backups, err := List(dir)
	if err != nil {
		return nil, err
	}
	for i := range backups {
		b := &backups[i]
		if b.State() != StateUnverified {
			continue
		}
		verr := verify(ctx, dir, b, nil)
		if verr != nil && !isCorrupt(verr) {
			return nil, fmt.Errorf("verifying %s before pruning: %w", b.Name, verr)
		}
		b.Verification = verdict(verr, false, now)
		if !dryRun {
			if err := WriteMetadata(dir, b); err != nil {
				return nil, err
			}
		}
	}
	plan := r.Plan(backups)
	var removed []string
	for _, b := range backups {
		if len(plan[b.Name]) > 0 {
			continue
		}
		if !dryRun {
			if err := os.Remove(filepath.Join(dir, b.File)); err != nil && !os.IsNotExist(err) {
				return removed, err
			}
			if err := os.Remove(filepath.Join(dir, b.Name+".json")); err != nil && !os.IsNotExist(err) {
				return removed, err
			}
		}
		removed = append(removed, b.Name)
	}
	return removed, nil
}
