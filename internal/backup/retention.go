package backup

import (
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

// Classes says which retention classes keep each backup, by name; a backup
// in no class is due for pruning. Within each day, ISO week and month the
// newest backup represents the period, and the newest periods are kept.
func (r Retention) Classes(backups []Metadata) map[string][]string {
	sorted := append([]Metadata(nil), backups...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].CreatedAt.After(sorted[j].CreatedAt) })
	out := map[string][]string{}
	for _, b := range sorted {
		out[b.Name] = nil
	}
	keep := func(class string, n int, period func(time.Time) string) {
		seen := map[string]bool{}
		for _, b := range sorted {
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

// Prune deletes the backups (artifact and metadata) that no retention class
// keeps, and returns their names.
func Prune(dir string, r Retention) ([]string, error) {
	backups, err := List(dir)
	if err != nil {
		return nil, err
	}
	classes := r.Classes(backups)
	var removed []string
	for _, b := range backups {
		if len(classes[b.Name]) > 0 {
			continue
		}
		if err := os.Remove(filepath.Join(dir, b.File)); err != nil && !os.IsNotExist(err) {
			return removed, err
		}
		if err := os.Remove(filepath.Join(dir, b.Name+".json")); err != nil && !os.IsNotExist(err) {
			return removed, err
		}
		removed = append(removed, b.Name)
	}
	return removed, nil
}
