#!/usr/bin/env bash
# Import throughput: BenchmarkImportStations (internal/app) imports a
# 10,000-row stations file, as CSV and as XLSX, through the API
# (POST /api/imports, then polling GET /api/imports/{id} until it ends),
# each run into a new organization so every row creates a station with its
# event and audit entry. SQLite always; PostgreSQL when a URL is given.
# Prints the median of COUNT runs per case and exits non-zero when one
# takes 10 s or more.
#
#   scripts/bench-import.sh [POSTGRES_URL]
#
# POSTGRES_URL (or HSE_TEST_POSTGRES_URL) names a database the test
# helpers may create schemas in. COUNT (default 3) and
# HSE_BENCH_IMPORT_ROWS (default 10000) adjust the run.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-3}
pg=${1:-${HSE_TEST_POSTGRES_URL:-}}
if [ -n "$pg" ]; then export HSE_TEST_POSTGRES_URL="$pg"; else unset HSE_TEST_POSTGRES_URL; fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "== BenchmarkImportStations (count $COUNT; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg))"
go test ./internal/app/ -run '^$' -bench '^BenchmarkImportStations$' -benchtime 1x -count "$COUNT" -timeout 30m | tee "$out"

awk '
  function median(list,   n, a, i, j, t) {
    n = split(substr(list, 2), a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  /^BenchmarkImportStations\// {
    name = $1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkImportStations\//, "", name)
    for (i = 1; i <= NF; i++) {
      if ($(i) == "ns/op") secs[name] = secs[name] " " $(i-1) / 1e9
      if ($(i) == "rows/s") rows[name] = rows[name] " " $(i-1)
      if ($(i) == "cpu-s/op") cpu[name] = cpu[name] " " $(i-1)
    }
  }
  END {
    fail = 0
    printf "\n%-16s %10s %10s %10s   %s\n", "case", "seconds", "rows/s", "cpu s", "target: 10,000 rows in under 10 s"
    for (name in secs) {
      s = median(secs[name]); r = median(rows[name]); c = median(cpu[name])
      verdict = (s + 0 < 10) ? "ok" : "MISSED"
      printf "%-16s %10.2f %10.0f %10.2f   %s\n", name, s, r, c, verdict
      if (verdict == "MISSED") fail = 1
    }
    exit fail
  }' "$out"
