package backup

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	passed = &Verification{OK: true}
	failed = &Verification{OK: false, Error: "damaged"}
)

func TestRetentionClasses(t *testing.T) {
	// One verified backup a day at 02:00 for 400 days, plus a second one
	// on the latest day: the newest of each period represents it.
	end := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	var bs []Metadata
	for i := 0; i < 400; i++ {
		at := end.AddDate(0, 0, -i)
		bs = append(bs, Metadata{Name: fmt.Sprintf("b%03d", i), CreatedAt: at, Verification: passed})
	}
	bs = append(bs, Metadata{Name: "early-today", CreatedAt: end.Add(-time.Hour), Verification: passed})
	classes := DefaultRetention.Classes(bs)
	count := map[string]int{}
	kept := 0
	for _, cs := range classes {
		if len(cs) > 0 {
			kept++
		}
		for _, c := range cs {
			count[c]++
		}
	}
	if count["daily"] != 7 || count["weekly"] != 4 || count["monthly"] != 12 {
		t.Errorf("class counts = %v, want daily 7, weekly 4, monthly 12", count)
	}
	if len(classes["early-today"]) != 0 {
		t.Errorf("an older backup of the same day was kept: %v", classes["early-today"])
	}
	if len(classes["b000"]) != 3 {
		t.Errorf("the newest backup should be daily, weekly and monthly: %v", classes["b000"])
	}
	if len(classes["b006"]) == 0 || len(classes["b007"]) != 0 && classes["b007"][0] == "daily" {
		t.Errorf("dailies: b006 %v, b007 %v", classes["b006"], classes["b007"])
	}
	// 7 dailies overlap the newest weekly and monthly; the total is bounded.
	if kept > 7+4+12 || kept < 12 {
		t.Errorf("kept %d backups", kept)
	}
}

// Only verified backups stand in for their day, week or month: a corrupt
// or unverified backup never pushes a good one out, and the newest
// verified backup is kept whatever the retention.
func TestRetentionPlanCountsOnlyVerified(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		name    string
		ret     Retention
		backups []Metadata
		want    map[string][]string
	}{{
		name: "a corrupt newest backup does not take a daily from a good one",
		ret:  Retention{Daily: 2},
		backups: []Metadata{
			{Name: "d27-corrupt", CreatedAt: day(27, 2), Verification: failed},
			{Name: "d26", CreatedAt: day(26, 2), Verification: passed},
			{Name: "d25", CreatedAt: day(25, 2), Verification: passed},
			{Name: "d24", CreatedAt: day(24, 2), Verification: passed},
		},
		want: map[string][]string{"d27-corrupt": {KeepFailedRecent}, "d26": {"daily"}, "d25": {"daily"}, "d24": nil},
	}, {
		name: "a later corrupt backup of a day does not stand in for it",
		ret:  Retention{Daily: 2},
		backups: []Metadata{
			{Name: "d27", CreatedAt: day(27, 2), Verification: passed},
			{Name: "d26-late-corrupt", CreatedAt: day(26, 14), Verification: failed},
			{Name: "d26-early", CreatedAt: day(26, 2), Verification: passed},
			{Name: "d25", CreatedAt: day(25, 2), Verification: passed},
		},
		want: map[string][]string{"d27": {"daily"}, "d26-late-corrupt": nil, "d26-early": {"daily"}, "d25": nil},
	}, {
		name: "weeklies and monthlies skip corrupt backups too",
		ret:  Retention{Weekly: 1, Monthly: 1},
		backups: []Metadata{
			{Name: "new-corrupt", CreatedAt: day(27, 2), Verification: failed},
			{Name: "good", CreatedAt: day(26, 2), Verification: passed},
		},
		want: map[string][]string{"new-corrupt": {KeepFailedRecent}, "good": {"weekly", "monthly"}},
	}, {
		name: "the newest verified backup is kept with every class at 0",
		ret:  Retention{},
		backups: []Metadata{
			{Name: "new-corrupt", CreatedAt: day(27, 2), Verification: failed},
			{Name: "good", CreatedAt: day(26, 2), Verification: passed},
			{Name: "older", CreatedAt: day(25, 2), Verification: passed},
		},
		want: map[string][]string{"new-corrupt": {KeepFailedRecent}, "good": {KeepNewestVerified}, "older": nil},
	}, {
		name: "unverified backups are not judged",
		ret:  Retention{Daily: 1},
		backups: []Metadata{
			{Name: "new-unverified", CreatedAt: day(27, 2)},
			{Name: "good", CreatedAt: day(26, 2), Verification: passed},
			{Name: "old-unverified", CreatedAt: day(25, 2)},
		},
		want: map[string][]string{"new-unverified": {KeepUnverified}, "good": {"daily"}, "old-unverified": {KeepUnverified}},
	}, {
		name: "with nothing verified, failed backups are all kept",
		ret:  Retention{Daily: 1},
		backups: []Metadata{
			{Name: "a", CreatedAt: day(27, 2), Verification: failed},
			{Name: "b", CreatedAt: day(26, 2), Verification: failed},
		},
		want: map[string][]string{"a": {KeepFailedRecent}, "b": {KeepFailedRecent}},
	}} {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, c.ret.Plan(c.backups)); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}
