package httpapi

import (
	"net/url"
	"testing"

	"github.com/hsedigital/hse/internal/hse"
)

func TestCSVSafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"+31 20 123 4567", "+31 20 123 4567"},
		{"+1 (555) 010-0199", "+1 (555) 010-0199"},
		{"-12.5", "-12.5"},
		{"-0.12", "-0.12"},
		{"+1e5", "+1e5"},
		{"-5 / +10", "-5 / +10"},
		{"=SUM(A1:A9)", "'=SUM(A1:A9)"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"+A1", "'+A1"},
		{"-A1+B2", "'-A1+B2"},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-HYPERLINK(\"http://x\")", "'-HYPERLINK(\"http://x\")"},
		{"+inf", "'+inf"},
		{"-NaN", "'-NaN"},
		{"-", "'-"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"- note", "'- note"},
	} {
		if got := csvSafe(tc.in); got != tc.want {
			t.Errorf("csvSafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestQueryBinding(t *testing.T) {
	b := func(q string) string {
		v, err := url.ParseQuery(q)
		if err != nil {
			t.Fatal(err)
		}
		return queryBinding(v)
	}
	same := [][2]string{
		{"status=Open&sort=-dueOn", "sort=-dueOn&status=Open"},
		{"status=Open", "status=Open&limit=10&cursor=abc&format=json"},
		{"status=Open&q=", "status=Open"},
	}
	for _, p := range same {
		if b(p[0]) != b(p[1]) {
			t.Errorf("%q and %q bind differently", p[0], p[1])
		}
	}
	differ := [][2]string{
		{"sort=dueOn", "sort=-dueOn"},
		{"", "sort=number"},
		{"status=Open", "status=Closed"},
		{"a=bc", "ab=c"},
		{"stationId=x", "stationId=x&overdue=true"},
	}
	for _, p := range differ {
		if b(p[0]) == b(p[1]) {
			t.Errorf("%q and %q bind the same", p[0], p[1])
		}
	}
}

func TestPageRequestRefusesCursorOfAnotherList(t *testing.T) {
	byDue := ListParams{binding: "due"}
	cur := hse.Cursor{Key: "2026-01-01T00:00:00Z", ID: "x", Bind: "due"}.Encode()
	byDue.Cursor = cur
	if _, err := byDue.PageRequest("dueOn"); err != nil {
		t.Fatalf("the cursor's own list: %v", err)
	}
	other := ListParams{binding: "number", Cursor: cur}
	_, err := other.PageRequest("dueOn")
	var de *hse.Error
	if !errorsAs(err, &de) || de.Code != "CURSOR_MISMATCH" || hse.KindOf(err) != hse.KindInvalid {
		t.Fatalf("another list's cursor: %v, want Invalid CURSOR_MISMATCH", err)
	}
	unbound := ListParams{binding: "due", Cursor: hse.Cursor{Key: "k", ID: "x"}.Encode()}
	if _, err := unbound.PageRequest("dueOn"); hse.KindOf(err) != hse.KindInvalid {
		t.Fatalf("a cursor without binding: %v, want Invalid", err)
	}
}
