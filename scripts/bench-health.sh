#!/usr/bin/env bash
# Compares GET /api/live on the real server (full middleware chain: request
# id, access log, metrics, recovery, huma) with a bare net/http handler that
# returns the same bytes, side by side in one run, 100 keep-alive
# connections on loopback. Target: hse >= 70% of the bare handler's req/s.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-100}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/hse" ./cmd/hse
CGO_ENABLED=0 go build -o "$work/barehttp" ./tools/barehttp

HSE_DATA_DIR="$work/data" PORT=3911 LOG_LEVEL=info "$work/hse" serve >"$work/hse.log" 2>&1 &
"$work/barehttp" -addr 127.0.0.1:3912 &
for port in 3911 3912; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/live" >/dev/null && break; sleep 0.1; done
done

rps() { # url -> requests per second
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$1" | tee -a "$work/wrk.txt" | awk '/^Requests\/sec/ {print $2}'
}
# Warm both, then measure bare, hse, bare, hse and keep the mean of each.
wrk -t1 -c10 -d2s http://127.0.0.1:3911/api/live >/dev/null
wrk -t1 -c10 -d2s http://127.0.0.1:3912/api/live >/dev/null
b1=$(rps http://127.0.0.1:3912/api/live); h1=$(rps http://127.0.0.1:3911/api/live)
b2=$(rps http://127.0.0.1:3912/api/live); h2=$(rps http://127.0.0.1:3911/api/live)
awk -v b1="$b1" -v b2="$b2" -v h1="$h1" -v h2="$h2" 'BEGIN {
  b = (b1 + b2) / 2; h = (h1 + h2) / 2; r = h / b * 100
  printf "bare net/http : %10.0f req/s (%s, %s)\n", b, b1, b2
  printf "hse /api/live : %10.0f req/s (%s, %s)\n", h, h1, h2
  printf "ratio         : %9.1f %% (target >= 70 %%)\n", r
  exit (r >= 70 ? 0 : 1)
}'
