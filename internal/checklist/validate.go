package checklist

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/hsedigital/hse/internal/hse"
)

// keyPattern keeps item keys usable in URLs (PUT .../answers/{itemKey}).
var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,63}$`)

// Validate checks a whole definition and returns every problem by path
// (sections[1].items[3].key), not just the first, so an editor can show
// them all at once. A definition with no problems can be published.
func Validate(d *Definition) []hse.FieldError {
	var fs []hse.FieldError
	add := func(field, format string, args ...any) {
		fs = append(fs, hse.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if d.PassMark != nil && (math.IsNaN(*d.PassMark) || *d.PassMark < 0 || *d.PassMark > 100) {
		add("passMark", "must be between 0 and 100")
	}
	if len(d.Sections) == 0 {
		add("sections", "at least one section is needed")
	}
	// earlier holds the items already seen, for conditions: a condition
	// may only look back, so visibility resolves in one pass and can never
	// loop.
	earlier := map[string]*Item{}
	scored := false
	for si := range d.Sections {
		s := &d.Sections[si]
		sp := fmt.Sprintf("sections[%d]", si)
		if strings.TrimSpace(s.Title) == "" {
			add(sp+".title", "a section title is needed")
		}
		if len(s.Items) == 0 {
			add(sp+".items", "a section needs at least one item")
		}
		for ii := range s.Items {
			it := &s.Items[ii]
			p := fmt.Sprintf("%s.items[%d]", sp, ii)
			validateItem(it, p, earlier, add)
			if it.Type.Scored() && it.Weight > 0 {
				scored = true
			}
			if it.Key != "" && earlier[it.Key] == nil {
				earlier[it.Key] = it
			}
		}
	}
	if len(d.Sections) > 0 && !scored {
		add("sections", "at least one scored item is needed (pass_fail_na, yes_no or rating with a weight above 0)")
	}
	return fs
}

func validateItem(it *Item, p string, earlier map[string]*Item, add func(string, string, ...any)) {
	switch {
	case it.Key == "":
		add(p+".key", "a key is needed")
	case !keyPattern.MatchString(it.Key):
		add(p+".key", "%q must be lower-case letters, digits and underscores, at most 64, starting with a letter or digit", it.Key)
	case earlier[it.Key] != nil:
		add(p+".key", "duplicate key %q", it.Key)
	}
	if strings.TrimSpace(it.Label) == "" {
		add(p+".label", "a label is needed")
	}
	known := false
	for _, t := range itemTypes {
		known = known || t == it.Type
	}
	if !known {
		add(p+".type", "unknown type %q: one of pass_fail_na, yes_no, rating, number, text, date, choice, photo, signature", it.Type)
	}
	if math.IsNaN(it.Weight) || math.IsInf(it.Weight, 0) || it.Weight < 0 {
		add(p+".weight", "must be 0 or more")
	}
	if known && !it.Type.Scored() {
		if it.Critical {
			add(p+".critical", "only items that can fail (pass_fail_na, yes_no, rating) can be critical")
		}
		if it.RequirePhotoOrNoteOnFail {
			add(p+".requirePhotoOrNoteOnFail", "only items that can fail (pass_fail_na, yes_no, rating) can demand evidence of a failure")
		}
	}
	if it.Type == Choice {
		if len(it.Options) == 0 {
			add(p+".options", "a choice item needs options")
		}
		seen := map[string]bool{}
		for oi, o := range it.Options {
			switch {
			case strings.TrimSpace(o) == "":
				add(fmt.Sprintf("%s.options[%d]", p, oi), "an option cannot be empty")
			case seen[o]:
				add(fmt.Sprintf("%s.options[%d]", p, oi), "duplicate option %q", o)
			}
			seen[o] = true
		}
	} else if known && len(it.Options) > 0 {
		add(p+".options", "only choice items have options")
	}
	if it.Type != Number && known && (it.Min != nil || it.Max != nil) {
		add(p+".min", "only number items have min and max")
	}
	if it.Min != nil && it.Max != nil && *it.Min > *it.Max {
		add(p+".min", "min %s is above max %s", fmtNum(*it.Min), fmtNum(*it.Max))
	}
	if c := it.VisibleWhen; c != nil {
		validateCondition(it, c, p+".visibleWhen", earlier, add)
	}
}

func validateCondition(it *Item, c *Condition, p string, earlier map[string]*Item, add func(string, string, ...any)) {
	src := earlier[c.ItemKey]
	switch {
	case c.ItemKey == "":
		add(p+".itemKey", "the key of an earlier item is needed")
		return
	case c.ItemKey == it.Key:
		add(p+".itemKey", "an item cannot depend on itself")
		return
	case src == nil:
		add(p+".itemKey", "%q is not an earlier item: conditions may only refer to items above them", c.ItemKey)
		return
	}
	if src.Type == Photo {
		add(p+".itemKey", "%q is a photo item; conditions need an item with a value", c.ItemKey)
		return
	}
	tests := 0
	if !isNull(c.Equals) {
		tests++
	}
	if c.Failed {
		tests++
	}
	if c.outOfRange() {
		tests++
	}
	switch {
	case tests == 0:
		add(p+".equals", "a test is needed: equals (a value of %q), failed, or below/above", c.ItemKey)
	case tests > 1:
		add(p, "exactly one test: equals, failed, or below/above")
	case !isNull(c.Equals):
		if _, msg := canonical(src, c.Equals); msg != "" {
			add(p+".equals", "not a possible answer of %q: %s", c.ItemKey, msg)
		}
	case c.Failed:
		if !src.Type.Scored() {
			add(p+".failed", "%q is a %s item, which cannot fail; failed needs a pass_fail_na, yes_no or rating item", c.ItemKey, src.Type)
		}
	default:
		if src.Type != Number {
			add(p+".below", "%q is a %s item; below and above need a number item", c.ItemKey, src.Type)
		}
		for field, v := range map[string]*float64{"below": c.Below, "above": c.Above} {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
				add(p+"."+field, "must be a number")
			}
		}
		if c.Below != nil && c.Above != nil && *c.Below > *c.Above {
			add(p+".below", "below %s is above above %s: no answer could be out of that range", fmtNum(*c.Below), fmtNum(*c.Above))
		}
	}
}
