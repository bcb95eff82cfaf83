package checklist

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hsedigital/hse/internal/hse"
)

// Limits of free-form answers.
const (
	MaxTextLength   = 5000
	MaxNoteLength   = 5000
	MaxAttachments  = 20
	maxSignatureLen = 500
)

// isNull reports whether a raw value is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// canonical parses a value for an item and returns its canonical form, the
// string that conditions compare and scoring reads, or a message saying
// what the item accepts.
func canonical(it *Item, raw json.RawMessage) (string, string) {
	switch it.Type {
	case PassFailNA, YesNo, Choice, Text, Date, Signature:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", "must be a string"
		}
		switch it.Type {
		case PassFailNA:
			if s != "pass" && s != "fail" && s != "na" {
				return "", `must be "pass", "fail" or "na"`
			}
		case YesNo:
			if s != "yes" && s != "no" {
				return "", `must be "yes" or "no"`
			}
		case Choice:
			if !slices.Contains(it.Options, s) {
				return "", fmt.Sprintf("must be one of the options %s", quoteAll(it.Options))
			}
		case Text:
			if strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > MaxTextLength {
				return "", fmt.Sprintf("must be 1 to %d characters", MaxTextLength)
			}
		case Date:
			if _, err := time.Parse(time.DateOnly, s); err != nil {
				return "", "must be a date YYYY-MM-DD"
			}
		case Signature:
			if strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > maxSignatureLen {
				return "", fmt.Sprintf("must be the signer's name or a signature attachment id, 1 to %d characters", maxSignatureLen)
			}
		}
		return s, ""
	case Rating:
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil || f != math.Trunc(f) || f < 1 || f > 5 {
			return "", "must be a whole number from 1 to 5"
		}
		return strconv.Itoa(int(f)), ""
	case Number:
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil {
			return "", "must be a number"
		}
		if it.Min != nil && f < *it.Min {
			return "", fmt.Sprintf("must be at least %s", fmtNum(*it.Min))
		}
		if it.Max != nil && f > *it.Max {
			return "", fmt.Sprintf("must be at most %s", fmtNum(*it.Max))
		}
		return fmtNum(f), ""
	case Photo:
		return "", "photo items are answered with attachmentIds, not a value"
	}
	return "", fmt.Sprintf("item type %q takes no answers", it.Type)
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// ValidateAnswer checks an answer against its item's type. Every problem
// names the item, so a client saving many answers knows which one is wrong.
func ValidateAnswer(it *Item, a Answer) []hse.FieldError {
	var fs []hse.FieldError
	bad := func(field, msg string) {
		fs = append(fs, hse.FieldError{Field: field, Message: fmt.Sprintf("item %q (%s): %s", it.Key, it.Type, msg)})
	}
	switch {
	case it.Type == Photo:
		if !isNull(a.Value) {
			bad("value", "photo items are answered with attachmentIds, not a value")
		} else if len(a.AttachmentIDs) == 0 {
			bad("attachmentIds", "at least one photo is needed")
		}
	case isNull(a.Value):
		bad("value", "an answer value is needed")
	default:
		if _, msg := canonical(it, a.Value); msg != "" {
			bad("value", msg)
		}
	}
	if utf8.RuneCountInString(a.Note) > MaxNoteLength {
		bad("note", fmt.Sprintf("must be at most %d characters", MaxNoteLength))
	}
	if len(a.AttachmentIDs) > MaxAttachments {
		bad("attachmentIds", fmt.Sprintf("at most %d attachments", MaxAttachments))
	}
	for i, id := range a.AttachmentIDs {
		if strings.TrimSpace(id) == "" || len(id) > 64 {
			bad(fmt.Sprintf("attachmentIds[%d]", i), "must be an attachment id")
		}
	}
	if a.Severity != "" {
		if !ValidSeverity(a.Severity) {
			bad("severity", "must be Minor, Major or Critical")
		} else if !it.Type.Scored() {
			bad("severity", "only items that can fail (pass_fail_na, yes_no, rating) take a finding severity")
		}
	}
	return fs
}

// answered reports whether an item has a usable answer.
func answered(it *Item, a Answer, ok bool) bool {
	if !ok {
		return false
	}
	if it.Type == Photo {
		return len(a.AttachmentIDs) > 0
	}
	_, msg := canonical(it, a.Value)
	return !isNull(a.Value) && msg == ""
}

// itemScore is the score of a scored item's answer in [0, 1]; applicable
// is false for N/A and for anything unanswered.
func itemScore(it *Item, value string) (score float64, applicable bool) {
	switch it.Type {
	case PassFailNA:
		switch value {
		case "pass":
			return 1, true
		case "fail":
			return 0, true
		}
	case YesNo:
		switch value {
		case "yes":
			return 1, true
		case "no":
			return 0, true
		}
	case Rating:
		if r, err := strconv.Atoi(value); err == nil && r >= 1 && r <= 5 {
			// Ratings scale linearly: 1 is 0, 5 is 1.
			return float64(r-1) / 4, true
		}
	}
	return 0, false
}

// FailingRating is the highest rating that counts as a failure: a 1 or 2
// on the 1–5 scale is below the "acceptable" middle and raises a finding.
const FailingRating = 2

// failed reports whether a scored item's answer is a failure: "fail",
// "no", or a rating of FailingRating or less. An item of weight 0 that is
// not critical is informational (a gate such as "was a delivery in
// progress?"), so its "no" is no failure and raises no finding.
func failed(it *Item, value string) bool {
	if it.Weight <= 0 && !it.Critical {
		return false
	}
	return failing(it, value)
}

// failing reports whether an answer is a failing one whatever the item's
// weight: what a "failed" condition tests, so an informational gate
// ("fuel delivery in progress?" answered no) can still show follow-ups.
func failing(it *Item, value string) bool {
	switch it.Type {
	case PassFailNA:
		return value == "fail"
	case YesNo:
		return value == "no"
	case Rating:
		r, err := strconv.Atoi(value)
		return err == nil && r <= FailingRating
	}
	return false
}
