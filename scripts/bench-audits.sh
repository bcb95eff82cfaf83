#!/usr/bin/env bash
# Audit benchmarks at the volume of the performance targets: seeds two demo
# organizations of 1,000 stations and 100,000 audits each (hse seed --demo
# --scale 1 --orgs 2) into a fresh SQLite file and a fresh PostgreSQL
# database, then runs BenchmarkAudits (internal/app) against each: the
# full HTTP stack in-process, so the figures are server time.
# Targets (median): list by station and status, page of 50 < 10 ms;
# complete an audit of 100 items < 50 ms. Exits non-zero when one is missed.
#
#   scripts/bench-audits.sh [POSTGRES_URL]
#
# POSTGRES_URL (or HSE_BENCH_POSTGRES_URL, or HSE_TEST_POSTGRES_URL) names a
# server where a database hse_bench_<pid> is created and dropped after;
# without one only SQLite runs. SCALE (default 1), BENCHTIME (default
# 200x), COUNT (default 3) and KEEP=1 (keep the databases) adjust the run.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${SCALE:-1}
BENCHTIME=${BENCHTIME:-200x}
COUNT=${COUNT:-3}
pg_base=${1:-${HSE_BENCH_POSTGRES_URL:-${HSE_TEST_POSTGRES_URL:-}}}

work=$(mktemp -d)
pg_db=""
cleanup() {
  if [ -z "${KEEP:-}" ]; then
    [ -n "$pg_db" ] && psql -q "$pg_base" -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
    rm -rf "$work"
  else
    echo "kept: $work ${pg_db:+and database $pg_db}" >&2
  fi
}
trap cleanup EXIT
CGO_ENABLED=0 go build -o "$work/hse" ./cmd/hse

seed() { # DATABASE_URL
  DATABASE_URL="$1" HSE_DATA_DIR="$work/data" "$work/hse" migrate up >/dev/null
  DATABASE_URL="$1" HSE_DATA_DIR="$work/data" "$work/hse" seed --demo --scale "$SCALE" --orgs 2 >"$work/seed.out"
  tail -1 "$work/seed.out"
}

echo "== seeding SQLite (scale $SCALE, 2 organizations)"
seed "sqlite:$work/bench.db"
export HSE_BENCH_SQLITE="$work/bench.db"
unset HSE_BENCH_POSTGRES_URL HSE_TEST_POSTGRES_URL
if [ -n "$pg_base" ]; then
  command -v psql >/dev/null || { echo "psql is required for the PostgreSQL run" >&2; exit 1; }
  pg_db="hse_bench_$$"
  psql -q "$pg_base" -c "CREATE DATABASE $pg_db" >/dev/null
  # The same server and options, the new database.
  pg_url=$(printf '%s' "$pg_base" | sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$pg_db#")
  echo "== seeding PostgreSQL database $pg_db"
  seed "$pg_url"
  export HSE_BENCH_POSTGRES_URL="$pg_url"
fi

echo "== benchmarks (benchtime $BENCHTIME, count $COUNT; $(nproc) cores)"
go test ./internal/app/ -run '^$' -bench '^BenchmarkAudits$' -benchtime "$BENCHTIME" -count "$COUNT" -timeout 60m | tee "$work/bench.out"

# The median of each benchmark's per-run medians, against its target.
awk '
  /^BenchmarkAudits\// {
    name = $1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkAudits\//, "", name)
    for (i = 1; i <= NF; i++) if ($(i) == "ms-median") v[name] = v[name] " " $(i-1)
  }
  END {
    fail = 0
    printf "\n%-40s %12s %10s\n", "operation", "median ms", "target"
    for (name in v) {
      n = split(substr(v[name], 2), a, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      m = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
      target = ""
      if (name ~ /list-station-status$/) target = 10
      if (name ~ /complete-100-items$/) target = 50
      verdict = (target == "") ? "" : ((m + 0 < target) ? "ok" : "MISSED")
      printf "%-40s %12.2f %10s %s\n", name, m, (target == "" ? "-" : "< " target), verdict
      if (verdict == "MISSED") fail = 1
    }
    exit fail
  }' "$work/bench.out"
