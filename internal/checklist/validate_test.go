package checklist

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/hse"
)

func TestValidate(t *testing.T) {
	neg, one, two := -1.0, 1.0, 2.0
	over := 120.0
	d := Definition{PassMark: &over, Sections: []Section{
		{Title: "Fire", Items: []Item{
			{Key: "spill_kit", Label: "Spill kit", Type: PassFailNA, Weight: 1},
			{Key: "later_ref", Label: "Refers forward", Type: Text, VisibleWhen: &Condition{ItemKey: "gauge", Equals: val(1)}},
		}},
		{Title: "", Items: []Item{
			{Key: "gauge", Label: "Gauge", Type: Number, Min: &two, Max: &one},
			{Key: "kind", Label: "Kind", Type: Choice},
			{Key: "Bad Key", Label: "", Type: "checkbox", Weight: neg},
			{Key: "spill_kit", Label: "Again", Type: PassFailNA},
			{Key: "txt", Label: "Text", Type: Text, Critical: true, Options: []string{"x"}},
			{Key: "cond", Label: "Cond", Type: PassFailNA, VisibleWhen: &Condition{ItemKey: "spill_kit", Equals: val("maybe")}},
			{Key: "self", Label: "Self", Type: YesNo, VisibleWhen: &Condition{ItemKey: "self", Equals: val("yes")}},
			{Key: "opts", Label: "Opts", Type: Choice, Options: []string{"a", "a", ""}},
			{Key: "nomin", Label: "Min on text", Type: Text, Min: &one},
		}},
		{Title: "Empty"},
	}}
	got := Validate(&d)
	want := []hse.FieldError{
		{Field: "passMark", Message: "must be between 0 and 100"},
		{Field: "sections[0].items[1].visibleWhen.itemKey", Message: `"gauge" is not an earlier item: conditions may only refer to items above them`},
		{Field: "sections[1].title", Message: "a section title is needed"},
		{Field: "sections[1].items[0].min", Message: "min 2 is above max 1"},
		{Field: "sections[1].items[1].options", Message: "a choice item needs options"},
		{Field: "sections[1].items[2].key", Message: `"Bad Key" must be lower-case letters, digits and underscores, at most 64, starting with a letter or digit`},
		{Field: "sections[1].items[2].label", Message: "a label is needed"},
		{Field: "sections[1].items[2].type", Message: `unknown type "checkbox": one of pass_fail_na, yes_no, rating, number, text, date, choice, photo, signature`},
		{Field: "sections[1].items[2].weight", Message: "must be 0 or more"},
		{Field: "sections[1].items[3].key", Message: `duplicate key "spill_kit"`},
		{Field: "sections[1].items[4].critical", Message: "only items that can fail (pass_fail_na, yes_no, rating) can be critical"},
		{Field: "sections[1].items[4].options", Message: "only choice items have options"},
		{Field: "sections[1].items[5].visibleWhen.equals", Message: `not a possible answer of "spill_kit": must be "pass", "fail" or "na"`},
		{Field: "sections[1].items[6].visibleWhen.itemKey", Message: "an item cannot depend on itself"},
		{Field: "sections[1].items[7].options[1]", Message: `duplicate option "a"`},
		{Field: "sections[1].items[7].options[2]", Message: "an option cannot be empty"},
		{Field: "sections[1].items[8].min", Message: "only number items have min and max"},
		{Field: "sections[2].items", Message: "a section needs at least one item"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestValidateNeedsAScoredItem(t *testing.T) {
	for name, d := range map[string]Definition{
		"no sections":   {},
		"only text":     {Sections: []Section{{Title: "S", Items: []Item{{Key: "t", Label: "t", Type: Text, Weight: 3}}}}},
		"weight 0 only": {Sections: []Section{{Title: "S", Items: []Item{{Key: "p", Label: "p", Type: PassFailNA}}}}},
	} {
		t.Run(name, func(t *testing.T) {
			fs := Validate(&d)
			if len(fs) != 1 || fs[0].Field != "sections" {
				t.Errorf("got %v, want one problem on sections", fs)
			}
		})
	}
	ok := Definition{Sections: []Section{{Title: "S", Items: []Item{{Key: "p", Label: "p", Type: Rating, Weight: 1}}}}}
	if fs := Validate(&ok); fs != nil {
		t.Errorf("valid definition: %v", fs)
	}
}

func TestValidateAnswer(t *testing.T) {
	lo, hi := 0.0, 10.0
	items := map[string]Item{
		"pf":   {Key: "pf", Type: PassFailNA},
		"yn":   {Key: "yn", Type: YesNo},
		"r":    {Key: "r", Type: Rating},
		"n":    {Key: "n", Type: Number, Min: &lo, Max: &hi},
		"t":    {Key: "t", Type: Text},
		"d":    {Key: "d", Type: Date},
		"c":    {Key: "c", Type: Choice, Options: []string{"Low", "High"}},
		"ph":   {Key: "ph", Type: Photo},
		"sig":  {Key: "sig", Type: Signature},
		"free": {Key: "free", Type: Number},
	}
	tests := []struct {
		item string
		a    Answer
		want string // "" for valid; otherwise a fragment of the message
	}{
		{"pf", ans("pass"), ""},
		{"pf", ans("na"), ""},
		{"pf", ans("yes"), `must be "pass", "fail" or "na"`},
		{"pf", ans(1), "must be a string"},
		{"pf", Answer{}, "an answer value is needed"},
		{"yn", ans("no"), ""},
		{"yn", ans(true), "must be a string"},
		{"r", ans(5), ""},
		{"r", ans(0), "whole number from 1 to 5"},
		{"r", ans(6), "whole number from 1 to 5"},
		{"r", ans(2.5), "whole number from 1 to 5"},
		{"r", ans("3"), "whole number from 1 to 5"},
		{"n", ans(10), ""},
		{"n", ans(-0.1), "must be at least 0"},
		{"n", ans(10.5), "must be at most 10"},
		{"n", ans("7"), "must be a number"},
		{"free", ans(-1e9), ""},
		{"t", ans("ok"), ""},
		{"t", ans("  "), "1 to 5000 characters"},
		{"t", ans(strings.Repeat("x", 5001)), "1 to 5000 characters"},
		{"d", ans("2026-11-27"), ""},
		{"d", ans("27/11/2026"), "YYYY-MM-DD"},
		{"c", ans("High"), ""},
		{"c", ans("Medium"), `one of the options "Low", "High"`},
		{"ph", Answer{AttachmentIDs: []string{"f1"}}, ""},
		{"ph", Answer{}, "at least one photo"},
		{"ph", Answer{Value: val("x"), AttachmentIDs: []string{"f1"}}, "answered with attachmentIds"},
		{"sig", ans("Jane Doe"), ""},
		{"sig", ans(""), "signer's name"},
		{"pf", Answer{Value: val("fail"), Severity: "Major"}, ""},
		{"pf", Answer{Value: val("fail"), Severity: "Severe"}, "Minor, Major or Critical"},
		{"t", Answer{Value: val("x"), Severity: "Major"}, "only items that can fail"},
		{"pf", Answer{Value: val("pass"), AttachmentIDs: []string{""}}, "must be an attachment id"},
	}
	for _, tt := range tests {
		it := items[tt.item]
		raw, _ := json.Marshal(tt.a)
		t.Run(tt.item+" "+string(raw), func(t *testing.T) {
			fs := ValidateAnswer(&it, tt.a)
			if tt.want == "" {
				if fs != nil {
					t.Errorf("valid answer refused: %v", fs)
				}
				return
			}
			if len(fs) == 0 {
				t.Fatalf("accepted, want %q", tt.want)
			}
			if !strings.Contains(fs[0].Message, tt.want) || !strings.Contains(fs[0].Message, `"`+tt.item+`"`) {
				t.Errorf("message %q should name the item and say %q", fs[0].Message, tt.want)
			}
		})
	}
}

func TestStartersAreValid(t *testing.T) {
	ss := Starters()
	if len(ss) != 2 {
		t.Fatalf("%d starters, want 2", len(ss))
	}
	for _, s := range ss {
		t.Run(s.Name, func(t *testing.T) {
			if fs := Validate(&s.Definition); fs != nil {
				t.Errorf("starter %q is invalid: %v", s.Name, fs)
			}
			var crit, cond int
			for _, l := range s.Definition.Items() {
				if l.Item.Critical {
					crit++
				}
				if l.Item.VisibleWhen != nil {
					cond++
				}
			}
			if crit == 0 || cond == 0 || len(s.Definition.Items()) < 15 {
				t.Errorf("starter %q: %d items, %d critical, %d conditional; want realistic content", s.Name, len(s.Definition.Items()), crit, cond)
			}
			// Everything passing is a pass; the definition survives JSON.
			answers := Answers{}
			for _, l := range s.Definition.Items() {
				switch l.Item.Type {
				case PassFailNA:
					answers[l.Item.Key] = ans("pass")
				case Rating:
					answers[l.Item.Key] = ans(5)
				}
			}
			if r := Score(&s.Definition, answers); r.Score != 100 || r.Result != Pass {
				t.Errorf("all passing: %v %s", r.Score, r.Result)
			}
			b, _ := json.Marshal(s.Definition)
			var back Definition
			if err := json.Unmarshal(b, &back); err != nil || Validate(&back) != nil {
				t.Errorf("round trip: %v %v", err, Validate(&back))
			}
		})
	}
}
