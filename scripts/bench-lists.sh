#!/usr/bin/env bash
# List benchmarks at two scales: seeds one demo organization at each scale
# (hse seed --demo --scale S --orgs 1) into a fresh SQLite file and, when a
# PostgreSQL URL is given, a fresh PostgreSQL database; runs BenchmarkLists
# (internal/app: every list x sort x filter, first page and a deep cursor
# page, search, the plan and the CSV exports, through the full HTTP stack
# in-process) against each, and prints the p95 of every case per scale
# with the growth ratio of the largest scale to the smallest.
# Targets at the largest scale: lists p95 <= 20 ms, search (q=) <= 50 ms,
# the plan <= 100 ms, an export <= 5 s; and a growth ratio <= 1.5 for the
# lists (a ratio is only judged when the case takes 2 ms or more, below
# which timer noise dominates). Exits non-zero when a target is missed.
#
#   scripts/bench-lists.sh [POSTGRES_URL]
#
# SCALES (default "0.01 1"), BENCHTIME (default 20x), CASES (a regular
# expression of case names, default all) and KEEP=1 (keep the databases)
# adjust the run; POSTGRES_URL may also come from
# HSE_BENCH_POSTGRES_URL or HSE_TEST_POSTGRES_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALES=${SCALES:-"0.01 1"}
BENCHTIME=${BENCHTIME:-20x}
pg_base=${1:-${HSE_BENCH_POSTGRES_URL:-${HSE_TEST_POSTGRES_URL:-}}}

work=$(mktemp -d)
pg_dbs=()
cleanup() {
  if [ -z "${KEEP:-}" ]; then
    for db in "${pg_dbs[@]}"; do psql -q "$pg_base" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
    rm -rf "$work"
  else
    echo "kept: $work ${pg_dbs[*]}" >&2
  fi
}
trap cleanup EXIT
CGO_ENABLED=0 go build -o "$work/hse" ./cmd/hse
go test -c -o "$work/app.test" ./internal/app

seed() { # DATABASE_URL SCALE
  local start=$SECONDS
  DATABASE_URL="$1" HSE_DATA_DIR="$work/data" "$work/hse" migrate up >/dev/null
  DATABASE_URL="$1" HSE_DATA_DIR="$work/data" "$work/hse" seed --demo --scale "$2" --orgs 1 >"$work/seed.out"
  echo "   seeded in $((SECONDS - start)) s: $(head -1 "$work/seed.out")"
}

run() { # ENGINE SCALE
  echo "== $1, scale $2: benchmarks (benchtime $BENCHTIME; $(nproc) cores)"
  if ! (cd internal/app && "$work/app.test" -test.run '^$' -test.bench "^BenchmarkLists\$/^$1\$/${CASES:-}" -test.benchtime "$BENCHTIME" \
    -test.timeout 120m) >"$work/bench-$1-$2.out" 2>&1; then
    tail -20 "$work/bench-$1-$2.out" >&2
    exit 1
  fi
  awk -v scale="$2" -v engine="$1" '/^BenchmarkLists\// {
      name = $1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkLists\/[a-z]+\//, "", name)
      for (i = 1; i <= NF; i++) if ($(i) == "ms-p95") print engine, scale, name, $(i-1)
    }' "$work/bench-$1-$2.out" >>"$work/results"
}

for scale in $SCALES; do
  echo "== seeding SQLite, scale $scale"
  seed "sqlite:$work/lists-$scale.db" "$scale"
  HSE_BENCH_SQLITE="$work/lists-$scale.db" HSE_BENCH_POSTGRES_URL= HSE_TEST_POSTGRES_URL= run sqlite "$scale"
  if [ -n "$pg_base" ]; then
    db="hse_bench_lists_$$_${scale//./_}"
    pg_dbs+=("$db")
    psql -q "$pg_base" -c "CREATE DATABASE $db" >/dev/null
    url=$(printf '%s' "$pg_base" | sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$db#")
    echo "== seeding PostgreSQL, scale $scale"
    seed "$url" "$scale"
    psql -q "$url" -c "ANALYZE" >/dev/null
    HSE_BENCH_POSTGRES_URL="$url" HSE_BENCH_SQLITE= run postgres "$scale"
  fi
done

# One line per engine and case: p95 at each scale, the growth ratio and
# the verdict against the targets.
lo=$(echo $SCALES | awk '{print $1}'); hi=$(echo $SCALES | awk '{print $NF}')
awk -v lo="$lo" -v hi="$hi" '
  { key = $1 " " $3; v[key, $2] = $4; keys[key] = 1 }
  END {
    fail = 0
    printf "%-9s %-90s %10s %10s %7s %8s\n", "engine", "case", "p95@" lo, "p95@" hi, "ratio", "target"
    n = asorti(keys, sorted)
    for (k = 1; k <= n; k++) {
      key = sorted[k]; split(key, p, " "); name = p[2]
      a = v[key, lo]; b = v[key, hi]
      target = 20
      if (name ~ /q=/) target = 50
      if (name ~ /^plan/) target = 100
      if (name ~ /^export:/) target = 5000
      ratio = (a > 0) ? b / a : 0
      verdict = "ok"
      if (b == "" ) verdict = "-"
      else if (b + 0 > target) verdict = "MISSED"
      else if (name !~ /^(export|plan)/ && b + 0 >= 2 && ratio > 1.5) verdict = "MISSED(ratio)"
      if (verdict ~ /MISSED/) fail = 1
      printf "%-9s %-90s %10s %10s %7.2f %8s %s\n", p[1], name, a, b, ratio, "<= " target, verdict
    }
    exit fail
  }' "$work/results"
