package importer

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/hsedigital/hse/internal/hse"
)

func kindOf(err error) hse.Kind {
	var e *hse.Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return hse.KindInternal
}

func TestParseCSV(t *testing.T) {
	in := "\xef\xbb\xbfCode,Name,Address\r\n" +
		"ST-01, Harbour ,\"1 Quay St,\nDock\"\r\n" +
		",,\r\n" + // blank: skipped
		"ST-02,Hill\r\n"
	tbl, err := Parse("", strings.NewReader(in), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := &Table{Format: FormatCSV, Header: []string{"Code", "Name", "Address"}, Rows: []Row{
		{Line: 2, Cells: []string{"ST-01", "Harbour", "1 Quay St,\nDock"}},
		{Line: 5, Cells: []string{"ST-02", "Hill"}},
	}}
	if d := cmp.Diff(want, tbl); d != "" {
		t.Errorf("table (-want +got):\n%s", d)
	}
}

func TestParseCSVSemicolons(t *testing.T) {
	tbl, err := Parse(FormatCSV, strings.NewReader("code;name;latitude\nST-01;Harbour;51,5\n"), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"ST-01", "Harbour", "51,5"}, tbl.Rows[0].Cells); d != "" {
		t.Errorf("cells (-want +got):\n%s", d)
	}
}

func TestParseLimits(t *testing.T) {
	lim := Limits{MaxBytes: 200, MaxRows: 2, MaxColumns: 3, MaxCell: 10}
	cases := []struct {
		name string
		in   string
		kind hse.Kind
	}{
		{"too large", "code\n" + strings.Repeat("A\n", 150), hse.KindTooLarge},
		{"too many rows", "code\nA\nB\nC\n", hse.KindTooLarge},
		{"too many columns", "a,b,c,d\n", hse.KindInvalid},
		{"not UTF-8", "code\n\xff\xfe\n", hse.KindInvalid},
		{"broken quotes", "code\n\"A\n", hse.KindInvalid},
		{"empty", "\n\n", hse.KindInvalid},
		{"not a workbook", "PK\x03\x04garbage", hse.KindInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("", strings.NewReader(c.in), lim)
			if kindOf(err) != c.kind {
				t.Errorf("err = %v, want kind %v", err, c.kind)
			}
		})
	}
}

func TestParseXLSX(t *testing.T) {
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	for cell, v := range map[string]any{"A1": "code", "B1": "name", "C1": "latitude", "D1": "expires_on",
		"A2": "ST-01", "B2": "Harbour", "C2": 51.123456789, "A4": "ST-02", "B4": "Hill"} {
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	// A date cell, as a spreadsheet stores it: a serial number shown as a date.
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	_ = f.SetCellValue(sheet, "D2", 46387) // 2026-12-31
	_ = f.SetCellStyle(sheet, "D2", "D2", style)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	tbl, err := Parse("", &buf, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := &Table{Format: FormatXLSX, Header: []string{"code", "name", "latitude", "expires_on"}, Rows: []Row{
		{Line: 2, Cells: []string{"ST-01", "Harbour", "51.123456789", "46387"}},
		{Line: 4, Cells: []string{"ST-02", "Hill"}}, // line 3 is empty
	}}
	if d := cmp.Diff(want, tbl); d != "" {
		t.Errorf("table (-want +got):\n%s", d)
	}
}

func TestMapHeader(t *testing.T) {
	cols := specs[KindStations].columns
	m, errs := MapHeader([]string{"Station Code", "NAME", "Risk", "colour", "lat", "Latitude"}, cols)
	want := []RowError{
		{Line: 1, Column: "colour", Message: "unknown column; expected " + columnList(cols)},
		{Line: 1, Column: "Latitude", Message: `the column latitude is named twice (also "lat")`},
	}
	if d := cmp.Diff(want, errs); d != "" {
		t.Errorf("header errors (-want +got):\n%s", d)
	}
	if got := m.ColumnOfField("riskCategory"); got != "Risk" {
		t.Errorf("riskCategory is in column %q", got)
	}
	_, errs = MapHeader([]string{"name"}, cols)
	if d := cmp.Diff([]RowError{{Line: 1, Column: "code", Message: "required column missing"}}, errs); d != "" {
		t.Errorf("missing code (-want +got):\n%s", d)
	}
}

func TestRecord(t *testing.T) {
	m, _ := MapHeader([]string{"code", "name", ""}, specs[KindStations].columns)
	rec, errs := m.Record(Row{Line: 7, Cells: []string{"ST-01", strings.Repeat("n", 11), "stray"}}, 10)
	want := []RowError{
		{Line: 7, Column: "name", Message: "longer than 10 characters"},
		{Line: 7, Column: "column 3", Message: "a value in a column without a header"},
		{Line: 7, Column: "name", Message: "required"},
	}
	if d := cmp.Diff(want, errs); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	if v, _ := rec.Get("code"); v != "ST-01" {
		t.Errorf("code = %q", v)
	}
}

// Whatever the bytes, Parse answers a table within the limits or a
// domain error (a 4xx), never a panic or an internal error; and a table's
// mapped records stay within the cell limit.
func FuzzParse(f *testing.F) {
	f.Add([]byte("code,name\nST-01,Harbour\n"))
	f.Add([]byte("\xef\xbb\xbfcode;name\n\"a\nb\";c\n"))
	f.Add([]byte("PK\x03\x04\x14\x00\x00\x00"))
	f.Add([]byte("a,\"b\n"))
	lim := Limits{MaxBytes: 4096, MaxRows: 20, MaxColumns: 8, MaxCell: 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl, err := Parse("", bytes.NewReader(data), lim)
		if err != nil {
			if k := kindOf(err); k != hse.KindInvalid && k != hse.KindTooLarge {
				t.Fatalf("Parse: %v (kind %v)", err, k)
			}
			return
		}
		if len(tbl.Rows) > lim.MaxRows || len(tbl.Header) > lim.MaxColumns {
			t.Fatalf("limits exceeded: %d rows, %d columns", len(tbl.Rows), len(tbl.Header))
		}
		m, _ := MapHeader(tbl.Header, specs[KindStations].columns)
		for _, row := range tbl.Rows {
			rec, _ := m.Record(row, lim.MaxCell)
			for _, v := range rec.Values {
				if len([]rune(v)) > lim.MaxCell {
					t.Fatalf("a cell over the limit was kept: %q", v)
				}
			}
		}
	})
}
