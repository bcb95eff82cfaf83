package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// benchImportRows is the file size of BenchmarkImportStations:
// HSE_BENCH_IMPORT_ROWS, 10,000 by default (the target: under 10 s).
func benchImportRows(b *testing.B) int {
	if s := os.Getenv("HSE_BENCH_IMPORT_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("HSE_BENCH_IMPORT_ROWS=%q: a number of rows", s)
		}
		return n
	}
	return 10_000
}

// benchStationsCSV is a stations file of n rows with every column filled.
func benchStationsCSV(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("code,name,brand,region,address,latitude,longitude,risk_category,audit_frequency,active\n")
	for i := range n {
		fmt.Fprintf(&buf, "BX-%05d,Station %d,Brand %d,Region %d,\"%d High Street, Town\",%.5f,%.5f,%s,%s,yes\n",
			i, i, i%7, i%12, i, 50+float64(i%1000)/1000, -1-float64(i%1000)/1000,
			[]string{"Low", "Medium", "High", "Critical"}[i%4], []string{"Monthly", "Quarterly", "Annually"}[i%3])
	}
	return buf.Bytes()
}

// benchStationsXLSX is the same rows as a workbook.
func benchStationsXLSX(b *testing.B, n int) []byte {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter(f.GetSheetName(0))
	if err != nil {
		b.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(benchStationsCSV(n))), "\n") {
		var row []any
		for _, cell := range splitCSVLine(line) {
			row = append(row, cell)
		}
		cellName, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cellName, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// splitCSVLine splits one line of benchStationsCSV (one quoted cell).
func splitCSVLine(line string) []string {
	var out []string
	for line != "" {
		if strings.HasPrefix(line, `"`) {
			end := strings.Index(line[1:], `"`) + 1
			out = append(out, line[1:end])
			line = strings.TrimPrefix(line[end+1:], ",")
			continue
		}
		cell, rest, _ := strings.Cut(line, ",")
		out, line = append(out, cell), rest
	}
	return out
}

// BenchmarkImportStations imports a 10,000-row stations file through the
// API (POST /api/imports, then polling GET /api/imports/{id} until it
// ends), each iteration into a new organization so that every row is
// created: validation, insert, event and audit entry per row. The figure
// is in docs/performance.md; scripts/bench-import.sh checks the target.
func BenchmarkImportStations(b *testing.B) {
	rows := benchImportRows(b)
	files := map[string][]byte{"csv": benchStationsCSV(rows), "xlsx": benchStationsXLSX(b, rows)}
	for _, engine := range hsetest.Engines(b) {
		for _, format := range []string{"csv", "xlsx"} {
			b.Run(engine+"/"+format, func(b *testing.B) {
				e := apptest.New(b, engine, apptest.WithEnv("HSE_RATE_LIMIT_USER", "1000000"), apptest.WithEnv("HSE_RATE_LIMIT_ORG", "10000000"))
				owners := make([]*apptest.User, b.N)
				for i := range owners {
					owners[i] = e.Signup(fmt.Sprintf("Bench Import %d", i))
				}
				var worst, cpu, accept time.Duration
				b.ResetTimer()
				for i := range b.N {
					start, cpuStart := time.Now(), processCPU()
					r := importFile(e, owners[i].Access, "stations", false, "stations."+format, files[format])
					accept += time.Since(start)
					if r.Status != 202 && r.Status != 200 {
						b.Fatalf("import: %d %s", r.Status, r.Body)
					}
					var im importResult
					for im = decodeImportB(b, r); im.Status == "running"; im = decodeImportB(b, e.Call("GET", "/api/imports/"+im.ID, owners[i].Access, nil)) {
						time.Sleep(100 * time.Millisecond) // a client polls far less often
					}
					worst = max(worst, time.Since(start))
					cpu += processCPU() - cpuStart
					if im.Status != "succeeded" || im.Created != rows {
						b.Fatalf("import ended %+v", im)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(worst.Seconds(), "worst-s")
				// The process's own CPU per import (SQLite included, the
				// PostgreSQL server not): on a machine shared with other
				// work the elapsed time is mostly waiting for a core.
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
				// Until the upload is answered: reading and parsing the file.
				b.ReportMetric(accept.Seconds()/float64(b.N), "accept-s/op")
			})
		}
	}
}

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func decodeImportB(b *testing.B, r *apptest.Response) importResult {
	b.Helper()
	im := importResult{}
	if err := json.Unmarshal(r.Body, &im); err != nil || r.Status != 200 && r.Status != 202 {
		b.Fatalf("import answered %d %s", r.Status, r.Body)
	}
	return im
}
