package checklist

import (
	"encoding/json"
	"math"
	"testing"
)

// FuzzDefinition feeds arbitrary JSON to the checklist definition as the
// forms API decodes it. Validation, scoring and completeness checks never
// panic; every problem names a field; a definition found valid stays
// valid through a JSON round trip, and scores within 0 to 100.
func FuzzDefinition(f *testing.F) {
	f.Add([]byte(`{"passMark":80,"sections":[{"title":"Safety","items":[{"key":"estop","label":"E-stop","type":"pass_fail_na","weight":2,"critical":true,"required":true}]}]}`),
		[]byte(`{"estop":{"value":"fail","note":"broken"}}`))
	f.Add([]byte(`{"sections":[{"title":"S","items":[{"key":"a","label":"A","type":"yes_no"},{"key":"b","label":"B","type":"number","min":1,"max":5,"visibleWhen":{"itemKey":"a","equals":"yes"}},{"key":"c","label":"C","type":"choice","options":["x","y"]},{"key":"r","label":"R","type":"rating","weight":3}]}]}`),
		[]byte(`{"a":{"value":"yes"},"b":{"value":3},"c":{"value":"y"},"r":{"value":4}}`))
	f.Add([]byte(`{"sections":[{"title":"S","items":[{"key":"p","label":"P","type":"pass_fail_na","weight":1},{"key":"w","label":"W","type":"text","visibleWhen":{"itemKey":"p","failed":true}},{"key":"n","label":"N","type":"number"},{"key":"f","label":"F","type":"yes_no","weight":1,"visibleWhen":{"itemKey":"n","below":1.5,"above":9}}]}]}`),
		[]byte(`{"p":{"value":"fail"},"w":{"value":"why"},"n":{"value":12},"f":{"value":"no"}}`))
	f.Add([]byte(`{"passMark":-5,"sections":[{"items":[{"key":"Bad Key","type":"checkbox","weight":-1}]}]}`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, def, answers []byte) {
		var d Definition
		if json.Unmarshal(def, &d) != nil {
			return
		}
		var a Answers
		_ = json.Unmarshal(answers, &a)
		problems := Validate(&d)
		for _, p := range problems {
			if p.Field == "" || p.Message == "" {
				t.Fatalf("a problem without a field or message: %+v", p)
			}
		}
		for _, loc := range d.Items() {
			if ans, ok := a[loc.Item.Key]; ok {
				_ = ValidateAnswer(loc.Item, ans)
			}
		}
		if len(problems) > 0 {
			return
		}
		b, err := json.Marshal(&d)
		if err != nil {
			t.Fatalf("a valid definition does not marshal: %v", err)
		}
		var again Definition
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("a valid definition does not unmarshal again: %v\n%s", err, b)
		}
		if ps := Validate(&again); len(ps) > 0 {
			t.Fatalf("a valid definition is invalid after a round trip: %v\n%s", ps, b)
		}
		_ = Visible(&d, a)
		_ = Incomplete(&d, a)
		res := Score(&d, a)
		if math.IsNaN(res.Score) || res.Score < 0 || res.Score > 100 {
			t.Fatalf("score %v out of 0..100 for %s with %s", res.Score, def, answers)
		}
	})
}
