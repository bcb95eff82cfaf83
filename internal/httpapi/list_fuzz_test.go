package httpapi

import (
	"slices"
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/hse"
)

// formulaTriggers start a formula in a spreadsheet cell.
const formulaTriggers = "=+-@\t\r"

// FuzzCSVSafe checks the CSV formula guard: a cell comes out unchanged or
// with one apostrophe in front, and never starts with a formula trigger
// unless it is plainly data (digits, spaces and number punctuation).
func FuzzCSVSafe(f *testing.F) {
	for _, s := range []string{"", "plain", "=SUM(A1:A9)", "+1", "-0.12", "@cmd", "\t=1", "\r\n", "1e5", "-", "'=x", "=", "+inf", "-NaN", "0x1p-2",
		"+31 20 123 4567", "-1+1", "+1 (555) 010-0199", "-A1", "+cmd|' /C calc'!A0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := csvSafe(in)
		if out != in && out != "'"+in {
			t.Fatalf("csvSafe(%q) = %q: neither the input nor the input after one apostrophe", in, out)
		}
		if out != "" && strings.ContainsRune(formulaTriggers, rune(out[0])) && !plainlyData(out) {
			t.Fatalf("csvSafe(%q) = %q starts a formula", in, out)
		}
	})
}

// plainlyData reports whether s, starting with + or -, holds nothing a
// formula could be made of: no letter (function names, references), no
// quote, no operator other than + - /, only digits and number punctuation
// (an exponent's e included).
func plainlyData(s string) bool {
	if s[0] != '+' && s[0] != '-' {
		return false
	}
	return strings.Trim(s, "0123456789 .,()/+-eE") == "" && strings.IndexAny(s, "0123456789") >= 0
}

// FuzzListParams feeds arbitrary list parameters to the page request every
// list builds: bad input is an Invalid error naming cursor or sort, good
// input a page of 1 to 100 rows sorted by an allowed field.
func FuzzListParams(f *testing.F) {
	f.Add(0, "", "")
	f.Add(50, hse.Cursor{Key: "2026-01-01T00:00:00Z", ID: "a"}.Encode(), "-createdAt")
	f.Add(1000, "garbage", "name")
	f.Add(-1, "eyJrIjoiYVx1MDAwMCIsImkiOiJ4In0", "--name")
	allowed := []string{"name", "createdAt", "code"}
	f.Fuzz(func(t *testing.T, limit int, cursor, sort string) {
		pr, err := ListParams{Limit: limit, Cursor: cursor, Sort: sort}.PageRequest(allowed...)
		if err != nil {
			var de *hse.Error
			if hse.KindOf(err) != hse.KindInvalid || !errorsAs(err, &de) || len(de.Fields) == 0 ||
				(de.Fields[0].Field != "cursor" && de.Fields[0].Field != "sort") {
				t.Fatalf("PageRequest(%d, %q, %q): %v is not a 400 naming cursor or sort", limit, cursor, sort, err)
			}
			return
		}
		if pr.Limit < 1 || pr.Limit > hse.MaxPageSize {
			t.Fatalf("PageRequest(%d, …): limit %d outside 1..%d", limit, pr.Limit, hse.MaxPageSize)
		}
		if pr.Sort != "" && !slices.Contains(allowed, pr.Sort) {
			t.Fatalf("PageRequest(…, %q): sorts by %q, which is not allowed", sort, pr.Sort)
		}
	})
}

func errorsAs(err error, target **hse.Error) bool {
	e, ok := err.(*hse.Error)
	if ok {
		*target = e
	}
	return ok
}
