// Package checklist is the pure core of checklists and audits: template
// definitions (sections of items), their validation, answer validation,
// conditional visibility and scoring exactly as DOMAIN.md states it. It does
// no I/O, so every rule is covered by table tests.
package checklist

import "encoding/json"

// ItemType is the kind of answer an item takes.
type ItemType string

// Item types.
const (
	PassFailNA ItemType = "pass_fail_na" // "pass", "fail" or "na"
	YesNo      ItemType = "yes_no"       // "yes" or "no"
	Rating     ItemType = "rating"       // integer 1–5
	Number     ItemType = "number"       // a number within min/max
	Text       ItemType = "text"         // free text
	Date       ItemType = "date"         // YYYY-MM-DD
	Choice     ItemType = "choice"       // one of the item's options
	Photo      ItemType = "photo"        // at least one attachment
	Signature  ItemType = "signature"    // the signer's name or a signature attachment id
)

// itemTypes lists the valid types in the order documentation shows them.
var itemTypes = []ItemType{PassFailNA, YesNo, Rating, Number, Text, Date, Choice, Photo, Signature}

// Scored reports whether answers of this type count towards the score.
// Only pass/fail, yes/no and ratings have a notion of good and bad.
func (t ItemType) Scored() bool { return t == PassFailNA || t == YesNo || t == Rating }

// DefaultPassMark is the pass mark of a template that sets none.
const DefaultPassMark = 80.0

// Definition is the content of one template version: sections of items.
type Definition struct {
	// PassMark is the score (0–100) at or above which an audit passes;
	// absent means DefaultPassMark.
	PassMark *float64  `json:"passMark,omitempty" doc:"0-100; default 80"`
	Sections []Section `json:"sections" maxItems:"100"`
}

// EffectivePassMark is the pass mark that applies.
func (d *Definition) EffectivePassMark() float64 {
	if d.PassMark == nil {
		return DefaultPassMark
	}
	return *d.PassMark
}

// Section is a titled group of items; the score breakdown is per section.
type Section struct {
	Title string `json:"title" maxLength:"200"`
	Items []Item `json:"items" maxItems:"500"`
}

// Item is one question of a checklist.
type Item struct {
	Key      string   `json:"key" maxLength:"64" doc:"unique in the template; answers are saved under it"`
	Label    string   `json:"label" maxLength:"500"`
	Type     ItemType `json:"type" doc:"pass_fail_na, yes_no, rating, number, text, date, choice, photo or signature"`
	Weight   float64  `json:"weight,omitempty" doc:"weight in the score, >= 0; only pass_fail_na, yes_no and rating items are scored"`
	Critical bool     `json:"critical,omitempty" doc:"a failure makes the audit fail whatever the score"`
	Required bool     `json:"required,omitempty" doc:"must be answered (when visible) to complete an audit"`
	Guidance string   `json:"guidance,omitempty" maxLength:"2000"`
	// Options are the choices of a choice item.
	Options []string `json:"options,omitempty" maxItems:"50"`
	// Min and Max bound a number item.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// VisibleWhen shows the item only when an earlier item has a given
	// answer; hidden items are neither required nor scored.
	VisibleWhen *Condition `json:"visibleWhen,omitempty"`
	// RequirePhotoOrNoteOnFail demands evidence for a failed answer before
	// the audit can be completed.
	RequirePhotoOrNoteOnFail bool `json:"requirePhotoOrNoteOnFail,omitempty"`
}

// Condition makes an item visible only when an earlier item's answer
// meets it. It takes exactly one test: Equals (the answer is this value),
// Failed (the answer is a failure: "fail", "no", or a rating of
// FailingRating or less), or Below and/or Above (a number answer outside
// the range: below Below or above Above).
type Condition struct {
	ItemKey string          `json:"itemKey" maxLength:"64"`
	Equals  json.RawMessage `json:"equals,omitempty" doc:"an answer value of the referenced item, e.g. \"yes\" or 3"`
	Failed  bool            `json:"failed,omitempty" doc:"shown when the referenced pass_fail_na, yes_no or rating item failed"`
	Below   *float64        `json:"below,omitempty" doc:"shown when the referenced number item's answer is below this"`
	Above   *float64        `json:"above,omitempty" doc:"shown when the referenced number item's answer is above this"`
}

// outOfRange reports whether the condition is a range test.
func (c *Condition) outOfRange() bool { return c.Below != nil || c.Above != nil }

// Answer is what an auditor saved for one item.
type Answer struct {
	Value         json.RawMessage `json:"value,omitempty"`
	Note          string          `json:"note,omitempty"`
	AttachmentIDs []string        `json:"attachmentIds,omitempty"`
	// Severity overrides the item's default finding severity ("" keeps it).
	Severity string `json:"severity,omitempty"`
}

// Answers are an audit's answers by item key.
type Answers map[string]Answer

// Finding severities.
const (
	SeverityMinor    = "Minor"
	SeverityMajor    = "Major"
	SeverityCritical = "Critical"
)

// ValidSeverity reports whether s is a finding severity.
func ValidSeverity(s string) bool {
	return s == SeverityMinor || s == SeverityMajor || s == SeverityCritical
}

// DefaultSeverity is the severity of a finding raised on an item when the
// auditor sets none: Critical for critical items, Minor otherwise.
func (it *Item) DefaultSeverity() string {
	if it.Critical {
		return SeverityCritical
	}
	return SeverityMinor
}

// Items returns every item in order with the index of its section.
func (d *Definition) Items() []Located {
	var out []Located
	for si := range d.Sections {
		for ii := range d.Sections[si].Items {
			out = append(out, Located{Section: si, Index: ii, Item: &d.Sections[si].Items[ii]})
		}
	}
	return out
}

// Located is an item with its position in the definition.
type Located struct {
	Section, Index int
	Item           *Item
}

// Find returns the item with key.
func (d *Definition) Find(key string) (*Item, bool) {
	for si := range d.Sections {
		for ii := range d.Sections[si].Items {
			if d.Sections[si].Items[ii].Key == key {
				return &d.Sections[si].Items[ii], true
			}
		}
	}
	return nil, false
}
