package checklist

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func val(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func ans(v any) Answer { return Answer{Value: val(v)} }

func TestScore(t *testing.T) {
	basic := Definition{Sections: []Section{
		{Title: "A", Items: []Item{
			{Key: "a1", Label: "a1", Type: PassFailNA, Weight: 1},
			{Key: "a2", Label: "a2", Type: PassFailNA, Weight: 3},
		}},
		{Title: "B", Items: []Item{
			{Key: "b1", Label: "b1", Type: YesNo, Weight: 2},
			{Key: "b2", Label: "b2", Type: Rating, Weight: 4},
			{Key: "b3", Label: "b3", Type: Text, Weight: 5}, // never scored
		}},
	}}
	withCritical := Definition{Sections: []Section{{Title: "S", Items: []Item{
		{Key: "c", Label: "c", Type: PassFailNA, Weight: 1, Critical: true},
		{Key: "x", Label: "x", Type: PassFailNA, Weight: 99},
	}}}}
	conditional := Definition{Sections: []Section{{Title: "S", Items: []Item{
		{Key: "delivery", Label: "delivery", Type: YesNo},
		{Key: "zone", Label: "zone", Type: PassFailNA, Weight: 10, Critical: true, VisibleWhen: &Condition{ItemKey: "delivery", Equals: val("yes")}},
		{Key: "nested", Label: "nested", Type: PassFailNA, Weight: 10, VisibleWhen: &Condition{ItemKey: "zone", Equals: val("fail")}},
		{Key: "other", Label: "other", Type: PassFailNA, Weight: 1},
	}}}}
	pm := 50.0
	lowMark := Definition{PassMark: &pm, Sections: basic.Sections}

	tests := []struct {
		name    string
		def     Definition
		answers Answers
		score   float64
		result  string
		failed  []string
	}{
		{"all pass", basic, Answers{"a1": ans("pass"), "a2": ans("pass"), "b1": ans("yes"), "b2": ans(5)}, 100, Pass, nil},
		{"weights: a2 (3) fails of 10", basic, Answers{"a1": ans("pass"), "a2": ans("fail"), "b1": ans("yes"), "b2": ans(5)}, 70, Fail, []string{"a2"}},
		{"yes/no no scores 0", basic, Answers{"a1": ans("pass"), "a2": ans("pass"), "b1": ans("no"), "b2": ans(5)}, 80, Pass, []string{"b1"}},
		{"rating 3 is half", basic, Answers{"a1": ans("pass"), "a2": ans("pass"), "b1": ans("yes"), "b2": ans(3)}, 80, Pass, nil},
		{"rating 1 is zero and a failure", basic, Answers{"a1": ans("pass"), "a2": ans("pass"), "b1": ans("yes"), "b2": ans(1)}, 60, Fail, []string{"b2"}},
		{"rating 4 is three quarters", basic, Answers{"b2": ans(4)}, 75, Fail, nil},
		{"N/A excluded from both sums", basic, Answers{"a1": ans("fail"), "a2": ans("na"), "b1": ans("na"), "b2": ans(5)}, 80, Pass, []string{"a1"}},
		{"all N/A is 100", basic, Answers{"a1": ans("na"), "a2": ans("na")}, 100, Pass, nil},
		{"nothing answered is 100", basic, Answers{}, 100, Pass, nil},
		{"unscored text ignored", basic, Answers{"a1": ans("pass"), "b3": ans("anything")}, 100, Pass, nil},
		{"pass mark is inclusive", basic, Answers{"a1": ans("pass"), "a2": ans("pass"), "b1": ans("no"), "b2": ans(5)}, 80, Pass, []string{"b1"}},
		{"template pass mark", lowMark, Answers{"a1": ans("pass"), "a2": ans("fail"), "b1": ans("yes"), "b2": ans(5)}, 70, Pass, []string{"a2"}},
		{"critical failure fails whatever the score", withCritical, Answers{"c": ans("fail"), "x": ans("pass")}, 99, Fail, []string{"c"}},
		{"critical N/A does not fail", withCritical, Answers{"c": ans("na"), "x": ans("pass")}, 100, Pass, nil},
		{"hidden items excluded (critical too)", conditional, Answers{"delivery": ans("no"), "zone": ans("fail"), "nested": ans("fail"), "other": ans("pass")}, 100, Pass, nil},
		{"visible conditional counts", conditional, Answers{"delivery": ans("yes"), "zone": ans("fail"), "nested": ans("pass"), "other": ans("pass")}, 52.38, Fail, []string{"zone"}},
		{"unanswered condition source hides", conditional, Answers{"zone": ans("fail"), "other": ans("pass")}, 100, Pass, nil},
		{"chained hidden when parent hidden", conditional, Answers{"delivery": ans("no"), "zone": ans("fail"), "nested": ans("fail")}, 100, Pass, nil},
		{"rounded to 2 decimals", Definition{Sections: []Section{{Title: "S", Items: []Item{
			{Key: "a", Label: "a", Type: PassFailNA, Weight: 1}, {Key: "b", Label: "b", Type: PassFailNA, Weight: 1}, {Key: "c", Label: "c", Type: PassFailNA, Weight: 1}}}}},
			Answers{"a": ans("pass"), "b": ans("pass"), "c": ans("fail")}, 66.67, Fail, []string{"c"}},
		{"invalid stored answer is ignored", basic, Answers{"a1": ans("maybe"), "a2": ans("pass")}, 100, Pass, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Score(&tt.def, tt.answers)
			if r.Score != tt.score || r.Result != tt.result {
				t.Errorf("score %v %s, want %v %s", r.Score, r.Result, tt.score, tt.result)
			}
			var keys []string
			for _, f := range r.Failed {
				keys = append(keys, f.Key)
			}
			if diff := cmp.Diff(tt.failed, keys); diff != "" {
				t.Errorf("failed items (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScoreBreakdownAndSeverity(t *testing.T) {
	d := Definition{Sections: []Section{
		{Title: "A", Items: []Item{{Key: "a1", Label: "A one", Type: PassFailNA, Weight: 1, Critical: true}, {Key: "a2", Label: "A two", Type: PassFailNA, Weight: 1}}},
		{Title: "B", Items: []Item{{Key: "b1", Label: "B one", Type: PassFailNA, Weight: 2}}},
		{Title: "C", Items: []Item{{Key: "c1", Label: "C one", Type: PassFailNA, Weight: 2}}},
	}}
	r := Score(&d, Answers{"a1": ans("fail"), "a2": {Value: val("fail"), Severity: SeverityMajor}, "b1": ans("pass"), "c1": ans("na")})
	want := Result{Score: 50, Result: Fail, PassMark: 80, CriticalFailed: true,
		Sections: []SectionScore{
			{Title: "A", Score: 0, Earned: 0, Possible: 2, Applicable: 2, Failed: 2},
			{Title: "B", Score: 100, Earned: 2, Possible: 2, Applicable: 1},
			{Title: "C", Score: 100},
		},
		Failed: []FailedItem{
			{Key: "a1", Label: "A one", Section: "A", Critical: true, Severity: SeverityCritical},
			{Key: "a2", Label: "A two", Section: "A", Severity: SeverityMajor},
		}}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

func TestVisible(t *testing.T) {
	d := Definition{Sections: []Section{{Title: "S", Items: []Item{
		{Key: "n", Label: "n", Type: Rating},
		{Key: "r3", Label: "r3", Type: PassFailNA, VisibleWhen: &Condition{ItemKey: "n", Equals: val(3)}},
		{Key: "num", Label: "num", Type: Number},
		{Key: "big", Label: "big", Type: Text, VisibleWhen: &Condition{ItemKey: "num", Equals: val(2.5)}},
		{Key: "ch", Label: "ch", Type: Choice, Options: []string{"a", "b"}},
		{Key: "onb", Label: "onb", Type: Text, VisibleWhen: &Condition{ItemKey: "ch", Equals: val("b")}},
	}}}}
	got := Visible(&d, Answers{"n": ans(3.0), "num": ans(2.50), "ch": ans("a")})
	want := map[string]bool{"n": true, "r3": true, "num": true, "big": true, "ch": true, "onb": false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("visible (-want +got):\n%s", diff)
	}
}

func TestIncomplete(t *testing.T) {
	d := Definition{Sections: []Section{{Title: "S", Items: []Item{
		{Key: "req", Label: "Required", Type: PassFailNA, Weight: 1, Required: true},
		{Key: "opt", Label: "Optional", Type: PassFailNA, Weight: 1},
		{Key: "ev", Label: "Evidence", Type: PassFailNA, Weight: 1, RequirePhotoOrNoteOnFail: true},
		{Key: "gate", Label: "Gate", Type: YesNo},
		{Key: "hidden_req", Label: "Hidden", Type: PassFailNA, Weight: 1, Required: true, VisibleWhen: &Condition{ItemKey: "gate", Equals: val("yes")}},
		{Key: "photo", Label: "Photo", Type: Photo, Required: true},
	}}}}
	tests := []struct {
		name    string
		answers Answers
		want    []string
	}{
		{"nothing answered", Answers{}, []string{"answers.req", "answers.photo"}},
		{"failure without evidence", Answers{"req": ans("pass"), "ev": ans("fail"), "photo": {AttachmentIDs: []string{"f1"}}}, []string{"answers.ev"}},
		{"failure with a note", Answers{"req": ans("pass"), "ev": {Value: val("fail"), Note: "cracked"}, "photo": {AttachmentIDs: []string{"f1"}}}, nil},
		{"failure with a photo", Answers{"req": ans("pass"), "ev": {Value: val("fail"), AttachmentIDs: []string{"p"}}, "photo": {AttachmentIDs: []string{"f1"}}}, nil},
		{"visible conditional required", Answers{"req": ans("pass"), "gate": ans("yes"), "photo": {AttachmentIDs: []string{"f1"}}}, []string{"answers.hidden_req"}},
		{"invalid answer counts as missing", Answers{"req": ans("maybe"), "photo": {AttachmentIDs: []string{"f1"}}}, []string{"answers.req"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range Incomplete(&d, tt.answers) {
				got = append(got, f.Field)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("incomplete (-want +got):\n%s", diff)
			}
		})
	}
}
