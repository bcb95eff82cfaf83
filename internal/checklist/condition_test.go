package checklist

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/hse"
)

// conditionalDef has follow-ups shown when a pass/fail item failed, when a
// gate of weight 0 is answered "no", and when a reading is out of range.
func conditionalDef() Definition {
	lo, hi, max := 19.5, 23.5, 100.0
	zero := 0.0
	return Definition{Sections: []Section{{Title: "S", Items: []Item{
		{Key: "estop", Label: "E-stop works", Type: PassFailNA, Weight: 1},
		{Key: "estop_why", Label: "Why did it fail?", Type: Text, Required: true, VisibleWhen: &Condition{ItemKey: "estop", Failed: true}},
		{Key: "estop_tag", Label: "Pump tagged out", Type: PassFailNA, Weight: 5, Critical: true, VisibleWhen: &Condition{ItemKey: "estop", Failed: true}},
		{Key: "gate", Label: "Records up to date?", Type: YesNo},
		{Key: "gate_plan", Label: "Catch-up plan agreed", Type: YesNo, Weight: 2, VisibleWhen: &Condition{ItemKey: "gate", Failed: true}},
		{Key: "o2", Label: "Oxygen %", Type: Number, Min: &zero, Max: &max},
		{Key: "o2_action", Label: "Ventilated and re-tested", Type: PassFailNA, Weight: 3, Required: true, VisibleWhen: &Condition{ItemKey: "o2", Below: &lo, Above: &hi}},
	}}}}
}

func TestConditionsFailedAndOutOfRange(t *testing.T) {
	d := conditionalDef()
	if fs := Validate(&d); fs != nil {
		t.Fatalf("valid definition refused: %v", fs)
	}
	tests := []struct {
		name    string
		answers Answers
		visible []string // of the conditional items
		score   float64
		result  string
		missing []string // Incomplete's fields
		hidden  []string
	}{
		{"all good: follow-ups hidden", Answers{"estop": ans("pass"), "gate": ans("yes"), "o2": ans(20.9)},
			nil, 100, Pass, nil, []string{"estop_why", "estop_tag", "gate_plan", "o2_action"}},
		{"estop failed: its follow-ups show and are required", Answers{"estop": ans("fail"), "gate": ans("yes"), "o2": ans(20.9)},
			[]string{"estop_why", "estop_tag"}, 0, Fail, []string{"answers.estop_why"}, []string{"gate_plan", "o2_action"}},
		{"failed follow-up answered: scored", Answers{"estop": ans("fail"), "estop_why": ans("Button stuck"), "estop_tag": ans("pass"), "gate": ans("yes"), "o2": ans(20.9)},
			[]string{"estop_why", "estop_tag"}, 83.33, Pass, nil, []string{"gate_plan", "o2_action"}},
		{"gate of weight 0 answered no shows its follow-up", Answers{"estop": ans("pass"), "gate": ans("no"), "o2": ans(21), "gate_plan": ans("no")},
			[]string{"gate_plan"}, 33.33, Fail, nil, []string{"estop_why", "estop_tag", "o2_action"}},
		{"low oxygen shows the action", Answers{"estop": ans("pass"), "gate": ans("yes"), "o2": ans(19)},
			[]string{"o2_action"}, 100, Pass, []string{"answers.o2_action"}, []string{"estop_why", "estop_tag", "gate_plan"}},
		{"high oxygen shows the action", Answers{"estop": ans("pass"), "gate": ans("yes"), "o2": ans(24), "o2_action": ans("pass")},
			[]string{"o2_action"}, 100, Pass, nil, []string{"estop_why", "estop_tag", "gate_plan"}},
		{"limits themselves are in range", Answers{"estop": ans("pass"), "gate": ans("yes"), "o2": ans(23.5)},
			nil, 100, Pass, nil, []string{"estop_why", "estop_tag", "gate_plan", "o2_action"}},
		{"answers to hidden items are ignored", Answers{"estop": ans("pass"), "estop_tag": ans("fail"), "gate": ans("yes"), "gate_plan": ans("no"), "o2": ans(21), "o2_action": ans("fail")},
			nil, 100, Pass, nil, []string{"estop_why", "estop_tag", "gate_plan", "o2_action"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vis := Visible(&d, tc.answers)
			var got []string
			for _, k := range []string{"estop_why", "estop_tag", "gate_plan", "o2_action"} {
				if vis[k] {
					got = append(got, k)
				}
			}
			if diff := cmp.Diff(tc.visible, got); diff != "" {
				t.Errorf("visible (-want +got):\n%s", diff)
			}
			r := Score(&d, tc.answers)
			if r.Score != tc.score || r.Result != tc.result {
				t.Errorf("score %v %s, want %v %s", r.Score, r.Result, tc.score, tc.result)
			}
			if diff := cmp.Diff(tc.hidden, r.Hidden); diff != "" {
				t.Errorf("hidden (-want +got):\n%s", diff)
			}
			var missing []string
			for _, f := range Incomplete(&d, tc.answers) {
				missing = append(missing, f.Field)
			}
			if diff := cmp.Diff(tc.missing, missing); diff != "" {
				t.Errorf("incomplete (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateConditionTests(t *testing.T) {
	lo, hi := 5.0, 1.0
	d := Definition{Sections: []Section{{Title: "S", Items: []Item{
		{Key: "p", Label: "p", Type: PassFailNA, Weight: 1},
		{Key: "n", Label: "n", Type: Number},
		{Key: "t", Label: "t", Type: Text},
		{Key: "none", Label: "none", Type: Text, VisibleWhen: &Condition{ItemKey: "p"}},
		{Key: "two", Label: "two", Type: Text, VisibleWhen: &Condition{ItemKey: "p", Equals: val("fail"), Failed: true}},
		{Key: "textfail", Label: "textfail", Type: Text, VisibleWhen: &Condition{ItemKey: "t", Failed: true}},
		{Key: "rangepf", Label: "rangepf", Type: Text, VisibleWhen: &Condition{ItemKey: "p", Below: &lo}},
		{Key: "badrange", Label: "badrange", Type: Text, VisibleWhen: &Condition{ItemKey: "n", Below: &lo, Above: &hi}},
	}}}}
	want := []hse.FieldError{
		{Field: "sections[0].items[3].visibleWhen.equals", Message: `a test is needed: equals (a value of "p"), failed, or below/above`},
		{Field: "sections[0].items[4].visibleWhen", Message: "exactly one test: equals, failed, or below/above"},
		{Field: "sections[0].items[5].visibleWhen.failed", Message: `"t" is a text item, which cannot fail; failed needs a pass_fail_na, yes_no or rating item`},
		{Field: "sections[0].items[6].visibleWhen.below", Message: `"p" is a pass_fail_na item; below and above need a number item`},
		{Field: "sections[0].items[7].visibleWhen.below", Message: "below 5 is above above 1: no answer could be out of that range"},
	}
	if diff := cmp.Diff(want, Validate(&d)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
