#!/usr/bin/env bash
# A realistic mix at saturation: BenchmarkMixed (internal/app) sends, from
# 100 concurrent keep-alive clients back to back, over loopback HTTP to the
# full server, 45 % list reads, 40 % record reads, 10 % incident reports
# and 5 % comments (writes with an Idempotency-Key), all in one
# organization, on SQLite and, when a PostgreSQL URL is given, on
# PostgreSQL (a fresh schema per run). Prints, per engine, the total
# throughput and the median, 95th and 99th percentile of each class (the
# median of COUNT runs), and exits non-zero when the target is missed:
# under saturation every class slows down in proportion, so the p95 of
# incident reports is at most 3 times the p95 of list reads.
#
#   scripts/bench-mixed.sh [POSTGRES_URL]
#
# POSTGRES_URL (or HSE_TEST_POSTGRES_URL) names a database the test
# helpers may create schemas in. BENCHTIME (default 6000x), COUNT
# (default 3), ORGS (default 1) and IDEMPOTENCY=0 (writes without a key)
# adjust the run.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-6000x}
COUNT=${COUNT:-3}
pg=${1:-${HSE_TEST_POSTGRES_URL:-}}
if [ -n "$pg" ]; then export HSE_TEST_POSTGRES_URL="$pg"; else unset HSE_TEST_POSTGRES_URL; fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "== BenchmarkMixed (benchtime $BENCHTIME, count $COUNT, orgs ${ORGS:-1}; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg))"
HSE_BENCH_ORGS=${ORGS:-1} HSE_BENCH_IDEMPOTENCY=${IDEMPOTENCY:-1} \
  go test ./internal/app/ -run '^$' -bench '^BenchmarkMixed$' -benchtime "$BENCHTIME" -count "$COUNT" -timeout 30m | tee "$out"

# The median of each engine's runs, per metric, against the target.
awk '
  function median(list,   n, a, i, j, t) {
    n = split(substr(list, 2), a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  /^BenchmarkMixed\// {
    engine = $1; sub(/-[0-9]+$/, "", engine); sub(/^BenchmarkMixed\//, "", engine); engines[engine] = 1
    for (i = 3; i <= NF; i += 2) v[engine, $(i + 1)] = v[engine, $(i + 1)] " " $(i)
  }
  END {
    fail = 0
    split("list record report comment", classes, " ")
    for (engine in engines) {
      ratio = median(v[engine, "report/list-p95"])
      verdict = (ratio + 0 <= 3) ? "ok" : "MISSED"
      if (verdict == "MISSED") fail = 1
      printf "\n%s: %.0f req/s; report p95 / list p95 = %.2f (target <= 3): %s\n", engine, median(v[engine, "req/s"]), ratio, verdict
      printf "  %-8s %9s %9s %9s\n", "class", "p50 ms", "p95 ms", "p99 ms"
      for (c = 1; c <= 4; c++) {
        k = classes[c]
        printf "  %-8s %9.1f %9.1f %9.1f\n", k, median(v[engine, k "-ms-p50"]), median(v[engine, k "-ms-p95"]), median(v[engine, k "-ms-p99"])
      }
    }
    exit fail
  }' "$out"
