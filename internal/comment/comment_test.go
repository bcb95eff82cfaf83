package comment

import (
	"errors"
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/hse"
)

func TestValidate(t *testing.T) {
	c := &Comment{Body: "  looks fine  ", Mentions: []string{"u1", "u2", "u1"}}
	if err := Validate(c); err != nil {
		t.Fatal(err)
	}
	if c.Body != "looks fine" || strings.Join(c.Mentions, ",") != "u1,u2" {
		t.Fatalf("normalised %+v", c)
	}
	many := make([]string, MaxMentions+1)
	for i := range many {
		many[i] = string(rune('a' + i))
	}
	for name, bad := range map[string]*Comment{
		"body":     {Body: " \n\t "},
		"body ":    {Body: strings.Repeat("é", MaxBodyLen+1)},
		"mentions": {Body: "x", Mentions: many},
	} {
		err := Validate(bad)
		var he *hse.Error
		if !errors.As(err, &he) || he.Kind != hse.KindInvalid || len(he.Fields) != 1 || he.Fields[0].Field != strings.TrimSpace(name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Exactly the limit is fine: characters, not bytes, are counted.
	if err := Validate(&Comment{Body: strings.Repeat("é", MaxBodyLen)}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}
