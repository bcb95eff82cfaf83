#!/usr/bin/env bash
# Compares an authenticated GET /api/auth/me (token verification, session,
# membership and role lookup, rate limiting, JSON) with GET /api/live on
# the same server, side by side, 100 keep-alive connections on loopback.
# Target: /api/auth/me >= 50% of /api/live's requests per second.
# Also times one login (argon2id dominates) with hyperfine-like repetition.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNS=${CONNS:-100}
THREADS=${THREADS:-2}
PORT=${PORT:-3913}
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/hse" ./cmd/hse
# The per-user limit is raised so the benchmark measures serving requests,
# not refusing them.
HSE_DATA_DIR="$work/data" PORT=$PORT HSE_RATE_LIMIT_USER=1000000 HSE_RATE_LIMIT_ORG=10000000 \
  "$work/hse" serve >"$work/hse.log" 2>&1 &
base=http://127.0.0.1:$PORT
for _ in $(seq 100); do curl -fs "$base/api/ready" >/dev/null && break; sleep 0.1; done

email="bench-$RANDOM@example.com"; password="a long benchmark passphrase"
curl -fsS -X POST "$base/api/auth/signup" -H 'Content-Type: application/json' \
  -d "{\"organizationName\":\"Bench Fuel\",\"name\":\"Bench\",\"email\":\"$email\",\"password\":\"$password\"}" >/dev/null
for _ in $(seq 50); do grep -q 'token=hsev_' "$work/hse.log" && break; sleep 0.1; done
token=$(grep -o 'token=hsev_[A-Za-z0-9_-]*' "$work/hse.log" | head -1 | cut -d= -f2)
curl -fsS -X POST "$base/api/auth/verify-email" -H 'Content-Type: application/json' -d "{\"token\":\"$token\"}" >/dev/null

login() {
  curl -fsS -X POST "$base/api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}"
}
start=$(date +%s%N)
for _ in 1 2 3 4 5; do login >/dev/null; done
login_ms=$(( ($(date +%s%N) - start) / 5000000 ))
access=$(login | sed 's/.*"accessToken":"\([^"]*\)".*/\1/')

rps() { # url [header] -> requests per second
  if [ $# -gt 1 ]; then wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -H "$2" "$1"; else wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "$1"; fi \
    | awk '/^Requests\/sec/ {print $2} /Non-2xx/ {print "non-2xx responses: " $0 > "/dev/stderr"}'
}
wrk -t1 -c10 -d2s "$base/api/live" >/dev/null
wrk -t1 -c10 -d2s -H "Authorization: Bearer $access" "$base/api/auth/me" >/dev/null
l1=$(rps "$base/api/live"); m1=$(rps "$base/api/auth/me" "Authorization: Bearer $access")
l2=$(rps "$base/api/live"); m2=$(rps "$base/api/auth/me" "Authorization: Bearer $access")
awk -v l1="$l1" -v l2="$l2" -v m1="$m1" -v m2="$m2" -v login="$login_ms" 'BEGIN {
  l = (l1 + l2) / 2; m = (m1 + m2) / 2; r = m / l * 100
  printf "GET /api/live    : %10.0f req/s (%s, %s)\n", l, l1, l2
  printf "GET /api/auth/me : %10.0f req/s (%s, %s)\n", m, m1, m2
  printf "ratio            : %9.1f %% (target >= 50 %%)\n", r
  printf "one login        : %7d ms (mean of 5, sequential, argon2id)\n", login
  exit (r >= 50 ? 0 : 1)
}'
