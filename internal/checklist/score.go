package checklist

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hsedigital/hse/internal/hse"
)

// Audit results.
const (
	Pass = "Pass"
	Fail = "Fail"
)

// Result is the outcome of scoring an audit's answers.
type Result struct {
	Score    float64        `json:"score" doc:"0-100, rounded to 2 decimals"`
	Result   string         `json:"result" enum:"Pass,Fail"`
	PassMark float64        `json:"passMark"`
	Sections []SectionScore `json:"sections"`
	// CriticalFailed is true when a visible critical item failed, which
	// fails the audit whatever the score.
	CriticalFailed bool         `json:"criticalFailed"`
	Failed         []FailedItem `json:"failedItems"`
	// Hidden lists the items their conditions hid: neither required nor
	// scored, whatever answer they may hold.
	Hidden []string `json:"hiddenItems,omitempty"`
}

// SectionScore is one section's share of the breakdown.
type SectionScore struct {
	Title string `json:"title"`
	// Score is 0–100 over the section's applicable items, 100 when none
	// applies.
	Score float64 `json:"score"`
	// Earned and Possible are the weighted sums behind Score.
	Earned     float64 `json:"earned"`
	Possible   float64 `json:"possible"`
	Applicable int     `json:"applicableItems"`
	Failed     int     `json:"failedItems"`
}

// FailedItem is a visible item whose answer is a failure; each becomes a
// finding.
type FailedItem struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Section  string `json:"section"`
	Critical bool   `json:"critical"`
	// Severity is the auditor's choice on the answer or the item default.
	Severity string `json:"severity"`
}

// Visible resolves conditional visibility: an item is visible when it has
// no condition, or when the item it depends on is itself visible and its
// answer equals the condition's value. Conditions only look back, so one
// pass in order settles every item.
func Visible(d *Definition, answers Answers) map[string]bool {
	vis := map[string]bool{}
	byKey := map[string]*Item{}
	for _, l := range d.Items() {
		it := l.Item
		show := true
		if c := it.VisibleWhen; c != nil {
			src := byKey[c.ItemKey]
			show = false
			if src != nil && vis[src.Key] {
				a, ok := answers[src.Key]
				if answered(src, a, ok) {
					got, _ := canonical(src, a.Value)
					show = meets(src, c, got)
				}
			}
		}
		vis[it.Key] = show
		if byKey[it.Key] == nil {
			byKey[it.Key] = it
		}
	}
	return vis
}

// meets reports whether an answer (in canonical form) meets a condition
// on its item.
func meets(src *Item, c *Condition, got string) bool {
	switch {
	case c.Failed:
		return failing(src, got)
	case c.outOfRange():
		f, err := strconv.ParseFloat(got, 64)
		if err != nil {
			return false
		}
		return (c.Below != nil && f < *c.Below) || (c.Above != nil && f > *c.Above)
	default:
		want, msg := canonical(src, c.Equals)
		return msg == "" && got == want
	}
}

// Score computes the score exactly as DOMAIN.md states it:
// Σ(weight × item score) / Σ(weight of applicable items) × 100, where only
// visible, answered, non-N/A scored items apply; pass/fail and yes/no score
// 1 or 0 and ratings (r−1)/4; 100 when nothing applies. A failed visible
// critical item fails the audit whatever the score; otherwise it passes
// when the score reaches the pass mark.
func Score(d *Definition, answers Answers) Result {
	vis := Visible(d, answers)
	r := Result{PassMark: d.EffectivePassMark(), Sections: []SectionScore{}, Failed: []FailedItem{}}
	for _, l := range d.Items() {
		if !vis[l.Item.Key] {
			r.Hidden = append(r.Hidden, l.Item.Key)
		}
	}
	var earned, possible float64
	for si := range d.Sections {
		s := &d.Sections[si]
		ss := SectionScore{Title: s.Title}
		for ii := range s.Items {
			it := &s.Items[ii]
			a, ok := answers[it.Key]
			if !vis[it.Key] || !it.Type.Scored() || !answered(it, a, ok) {
				continue
			}
			v, _ := canonical(it, a.Value)
			if failed(it, v) {
				ss.Failed++
				sev := a.Severity
				if !ValidSeverity(sev) {
					sev = it.DefaultSeverity()
				}
				r.Failed = append(r.Failed, FailedItem{Key: it.Key, Label: it.Label, Section: s.Title, Critical: it.Critical, Severity: sev})
				if it.Critical {
					r.CriticalFailed = true
				}
			}
			if sc, ok := itemScore(it, v); ok {
				ss.Applicable++
				ss.Earned += it.Weight * sc
				ss.Possible += it.Weight
			}
		}
		ss.Score = percent(ss.Earned, ss.Possible)
		earned += ss.Earned
		possible += ss.Possible
		r.Sections = append(r.Sections, ss)
	}
	r.Score = percent(earned, possible)
	r.Result = Pass
	// The comparison uses the rounded score, the one people see: 79.996
	// shows as 80.00 and must not fail a pass mark of 80.
	if r.CriticalFailed || r.Score < r.PassMark {
		r.Result = Fail
	}
	return r
}

// percent is earned/possible as 0–100 rounded to 2 decimals; 100 when
// nothing applies (an audit of N/A items has nothing wrong).
func percent(earned, possible float64) float64 {
	if possible <= 0 {
		return 100
	}
	return math.Round(earned/possible*100*100) / 100
}

// Incomplete lists what stops an audit from being completed: every
// visible required item without an answer, and every visible failure
// without the photo or note its item demands. It returns them all, by item
// key.
func Incomplete(d *Definition, answers Answers) []hse.FieldError {
	vis := Visible(d, answers)
	var fs []hse.FieldError
	for _, l := range d.Items() {
		it := l.Item
		if !vis[it.Key] {
			continue
		}
		a, ok := answers[it.Key]
		if !answered(it, a, ok) {
			if it.Required {
				fs = append(fs, hse.FieldError{Field: "answers." + it.Key, Message: fmt.Sprintf("item %q (%s) is required", it.Key, it.Label)})
			}
			continue
		}
		if it.RequirePhotoOrNoteOnFail && it.Type.Scored() {
			v, _ := canonical(it, a.Value)
			if failed(it, v) && len(a.AttachmentIDs) == 0 && strings.TrimSpace(a.Note) == "" {
				fs = append(fs, hse.FieldError{Field: "answers." + it.Key, Message: fmt.Sprintf("item %q (%s) failed and needs a photo or a note", it.Key, it.Label)})
			}
		}
	}
	return fs
}
