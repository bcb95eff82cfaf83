package backup

import (
	"fmt"
	"testing"
	"time"
)

func TestRetentionClasses(t *testing.T) {
	// One backup a day at 02:00 for 400 days, plus a second one on the
	// latest day: the newest of each period represents it.
	end := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	var bs []Metadata
	for i := 0; i < 400; i++ {
		at := end.AddDate(0, 0, -i)
		bs = append(bs, Metadata{Name: fmt.Sprintf("b%03d", i), CreatedAt: at})
	}
	bs = append(bs, Metadata{Name: "early-today", CreatedAt: end.Add(-time.Hour)})
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
