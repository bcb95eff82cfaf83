// Package importer brings an organization's existing records in from a
// spreadsheet: stations, members (as invitations), contractors and their
// documents' metadata, from CSV or XLSX. A file is read under strict
// limits into a table, its header is mapped onto the kind's columns, and
// every row is validated by the owning domain's own rules. A dry run
// reports every row's errors without writing; a real run writes the valid
// rows, matched on each record's external code so that importing the same
// file twice changes nothing the second time.
package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/hsedigital/hse/internal/hse"
)

// Formats of import files.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// Limits bound what one file may hold, so that a file cannot exhaust the
// server's memory or keep a job running for hours.
type Limits struct {
	MaxBytes   int64 // the file as uploaded
	MaxRows    int   // data rows, the header not counted
	MaxColumns int
	MaxCell    int // characters of one cell
}

// DefaultLimits are the limits the API applies.
var DefaultLimits = Limits{MaxBytes: 10 << 20, MaxRows: 50_000, MaxColumns: 50, MaxCell: 2000}

// Table is a file's first sheet: its header and its data rows.
type Table struct {
	Format string
	Header []string
	Rows   []Row
}

// Row is one data row with its line in the file (the header is line 1;
// in a CSV file a quoted cell may span lines, so this is the line where
// the row starts).
type Row struct {
	Line  int
	Cells []string
}

// Parse reads a whole file in the given format (FormatCSV or FormatXLSX;
// "" sniffs it) under lim. Errors are domain errors: a file too large is
// KindTooLarge, anything unreadable or beyond the other limits Invalid.
// Blank rows are skipped; cells are trimmed of surrounding spaces.
func Parse(format string, r io.Reader, lim Limits) (*Table, error) {
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, hse.Errorf(hse.KindTooLarge, "IMPORT_TOO_LARGE", "the file is larger than the limit of %d bytes", lim.MaxBytes)
	}
	if format == "" {
		format = Sniff(data)
	}
	var t *Table
	switch format {
	case FormatCSV:
		t, err = parseCSV(data, lim)
	case FormatXLSX:
		t, err = parseXLSX(data, lim)
	default:
		return nil, hse.Invalid("unknown file format", hse.FieldError{Field: "format", Message: "csv or xlsx"})
	}
	if err != nil {
		return nil, err
	}
	if len(t.Header) == 0 {
		return nil, fileError("the file is empty: the first row must name the columns")
	}
	return t, nil
}

// Sniff tells an XLSX workbook (a ZIP archive) from CSV text.
func Sniff(data []byte) string {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return FormatXLSX
	}
	return FormatCSV
}

func fileError(msg string) error {
	return hse.Invalid(msg, hse.FieldError{Field: "file", Message: msg})
}

// collector applies the limits to rows as they are read.
type collector struct {
	lim Limits
	t   *Table
}

// add takes one row read at line; the first non-blank row is the header.
func (c *collector) add(line int, cells []string) error {
	blank := true
	for i, v := range cells {
		v = strings.TrimSpace(v)
		cells[i] = v
		if v != "" {
			blank = false
		}
	}
	if blank {
		return nil
	}
	if len(cells) > c.lim.MaxColumns {
		return fileError(fmt.Sprintf("line %d has %d columns; at most %d are read", line, len(cells), c.lim.MaxColumns))
	}
	for _, v := range cells {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return fileError(fmt.Sprintf("line %d holds text that is not UTF-8; save the file as UTF-8", line))
		}
	}
	if c.t.Header == nil {
		c.t.Header = cells
		return nil
	}
	if len(c.t.Rows) >= c.lim.MaxRows {
		return hse.Errorf(hse.KindTooLarge, "IMPORT_TOO_MANY_ROWS", "the file has more than %d rows; split it", c.lim.MaxRows)
	}
	c.t.Rows = append(c.t.Rows, Row{Line: line, Cells: cells})
	return nil
}

func parseCSV(data []byte, lim Limits) (*Table, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // the BOM spreadsheet programs write
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = delimiter(data)
	cr.FieldsPerRecord = -1 // ragged rows are reported per cell, not as a broken file
	cr.ReuseRecord = false
	c := &collector{lim: lim, t: &Table{Format: FormatCSV}}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fileError(fmt.Sprintf("line %d is not valid CSV: %v", pe.StartLine, pe.Err))
			}
			return nil, fileError("the file is not valid CSV")
		}
		line, _ := cr.FieldPos(0)
		if err := c.add(line, rec); err != nil {
			return nil, err
		}
	}
	return c.t, nil
}

// delimiter picks ";" when the header line has more semicolons than commas
// (spreadsheets in locales with a decimal comma save CSV that way), else ",".
func delimiter(data []byte) rune {
	first, _, _ := bufio.NewReader(bytes.NewReader(data)).ReadLine()
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		return ';'
	}
	return ','
}

// xlsxUnzipLimit bounds what a workbook may expand to: a small ZIP can
// hold gigabytes of XML.
const xlsxUnzipLimit = 64 << 20

func parseXLSX(data []byte, lim Limits) (*Table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: xlsxUnzipLimit, UnzipXMLSizeLimit: xlsxUnzipLimit})
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || errors.Is(err, excelize.ErrOptionsUnzipSizeLimit) {
			return nil, fileError("the file is not an XLSX workbook")
		}
		return nil, fileError("the workbook cannot be read: " + err.Error())
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileError("the workbook has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fileError("the first sheet cannot be read: " + err.Error())
	}
	defer rows.Close()
	c := &collector{lim: lim, t: &Table{Format: FormatXLSX}}
	line := 0
	for rows.Next() {
		line++
		// Raw values: numbers as stored (a coordinate keeps its digits)
		// and dates as serial numbers, which the date columns accept.
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fileError(fmt.Sprintf("row %d cannot be read: %v", line, err))
		}
		if err := c.add(line, cells); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, fileError("the first sheet cannot be read: " + err.Error())
	}
	return c.t, nil
}
