package permit

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Hours writes a duration for people, in hours and minutes ("12 h",
// "4 h 30 min"), rather than Go's "12h0m0s".
func Hours(d time.Duration) string {
	h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
	switch {
	case m == 0:
		return fmt.Sprintf("%d h", h)
	case h == 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}

// SamePlace reports whether two permits' locations at one station name the
// same place: their text is equal once case, punctuation and spacing are
// set aside ("Canopy, pump island 2" is "canopy pump-island 2"), or either
// names none. Different words are different places: the requester states
// the exact location, and the approver reads both.
func SamePlace(a, b string) bool {
	na, nb := placeKey(a), placeKey(b)
	return na == "" || nb == "" || na == nb
}

// placeKey is a location folded for comparison: lower case, every run of
// characters that are neither letters nor digits one space, trimmed.
func placeKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			space = false
			continue
		}
		space = true
	}
	return b.String()
}

// Overlap reports whether the windows [aFrom, aTo) and [bFrom, bTo)
// overlap.
func Overlap(aFrom, aTo, bFrom, bTo time.Time) bool {
	return aFrom.Before(bTo) && bFrom.Before(aTo)
}
