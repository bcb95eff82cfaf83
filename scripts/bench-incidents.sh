#!/usr/bin/env bash
# Incident reporting under load: BenchmarkReportIncident (internal/app)
# posts POST /api/incidents (no attachment) over loopback HTTP to the full
# server with 50 concurrent keep-alive clients, on SQLite and, when a
# PostgreSQL URL is given, on PostgreSQL (a fresh schema per run). It runs
# once with every client in one organization (all reports queue on that
# organization's gap-free INC-<year> counter: the worst case) and once
# with the clients spread over ten organizations.
# Each case runs twice: as fast as the 50 clients can (the capacity,
# target at least 500 req/s) and paced at an offered 500 req/s (latency
# counted from when each request was due; target p95 under 50 ms). Prints
# the median of COUNT runs per case and exits non-zero when a target is
# missed.
#
#   scripts/bench-incidents.sh [POSTGRES_URL]
#
# POSTGRES_URL (or HSE_TEST_POSTGRES_URL) names a database the test
# helpers may create schemas in. BENCHTIME (default 3000x), COUNT (default
# 3) and ORGS (default "1 10") adjust the run.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-3000x}
COUNT=${COUNT:-3}
ORGS=${ORGS:-1 10}
pg=${1:-${HSE_TEST_POSTGRES_URL:-}}
if [ -n "$pg" ]; then export HSE_TEST_POSTGRES_URL="$pg"; else unset HSE_TEST_POSTGRES_URL; fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "== BenchmarkReportIncident (benchtime $BENCHTIME, count $COUNT; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg))"
RATE=${RATE:-500}
for orgs in $ORGS; do
  for mode in max "at$RATE"; do
    r=""; [ "$mode" = max ] || r=$RATE
    HSE_BENCH_RATE=$r HSE_BENCH_ORGS=$orgs go test ./internal/app/ -run '^$' -bench '^BenchmarkReportIncident$' -benchtime "$BENCHTIME" -count "$COUNT" -timeout 30m |
      sed "s#^BenchmarkReportIncident/\([a-z]*\)#BenchmarkReportIncident/\1/orgs=$orgs/$mode#" | tee -a "$out"
  done
done

# The median of each case's runs, against the targets.
awk -v rate="$RATE" '
  function median(list,   n, a, i, j, t) {
    n = split(substr(list, 2), a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  /^BenchmarkReportIncident\// {
    name = $1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkReportIncident\//, "", name)
    for (i = 1; i <= NF; i++) {
      if ($(i) == "req/s") rps[name] = rps[name] " " $(i-1)
      if ($(i) == "ms-p95") p95[name] = p95[name] " " $(i-1)
      if ($(i) == "ms-median") med[name] = med[name] " " $(i-1)
    }
  }
  END {
    fail = 0
    printf "\n%-28s %10s %12s %10s   %s\n", "case", "req/s", "median ms", "p95 ms", "targets: max >= 500 req/s; at " rate " req/s p95 < 50 ms"
    for (name in rps) {
      r = median(rps[name]); p = median(p95[name]); m = median(med[name])
      if (name ~ /\/max$/) verdict = (r + 0 >= 500) ? "ok" : "MISSED"
      else verdict = (p + 0 < 50 && r + 0 >= 0.95 * rate) ? "ok" : "MISSED"
      printf "%-24s %10.0f %12.1f %10.1f   %s\n", name, r, m, p, verdict
      if (verdict == "MISSED") fail = 1
    }
    exit fail
  }' "$out"
