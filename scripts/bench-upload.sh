#!/usr/bin/env bash
# Upload memory benchmark: a server process on the embedded default
# (SQLite, files under its data directory) takes PARALLEL (10) uploads at
# once of a 5 MB file: a 5 MB PDF (streamed only), then a 12-megapixel
# JPEG photo (streamed to storage, then decoded for its thumbnail, one
# image at a time per process), once alone and once 10 in parallel. The server's peak resident memory is reset
# (/proc/PID/clear_refs) before each round and read (VmHWM) after it;
# the growth over the resident memory before the round is the figure.
# Target: a round of streamed uploads grows the peak by < 20 MB. Ends
# with `hse smoke` against the same server. Linux only (/proc).
#
#   scripts/bench-upload.sh        (make bench-upload)
#
# PARALLEL, PORT and KEEP=1 (keep the work directory) adjust the run.
set -euo pipefail
cd "$(dirname "$0")/.."
PARALLEL=${PARALLEL:-10}
PORT=${PORT:-3914}
TARGET_MB=${TARGET_MB:-20}

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/hse" ./cmd/hse
go run ./tools/benchphoto -bytes 5242880 -o "$work/photo.jpg" >/dev/null
{ printf '%%PDF-1.4\n%% benchmark\n'; head -c 3880000 /dev/urandom | base64 -w 76; printf '\n%%%%EOF\n'; } >"$work/doc.pdf"

serve() {
  HSE_DATA_DIR="$work/data" PORT=$PORT HSE_RATE_LIMIT_USER=1000000 HSE_RATE_LIMIT_ORG=10000000 \
    "$work/hse" serve >>"$work/hse.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -fs "$base/api/ready" >/dev/null && break; sleep 0.1; done
}
base=http://127.0.0.1:$PORT
serve

email="bench-$RANDOM@example.com"; password="a long benchmark passphrase"
curl -fsS -X POST "$base/api/auth/signup" -H 'Content-Type: application/json' \
  -d "{\"organizationName\":\"Upload Bench\",\"name\":\"Bench\",\"email\":\"$email\",\"password\":\"$password\"}" >/dev/null
for _ in $(seq 50); do grep -q 'token=hsev_' "$work/hse.log" && break; sleep 0.1; done
vtoken=$(grep -o 'token=hsev_[A-Za-z0-9_-]*' "$work/hse.log" | head -1 | cut -d= -f2)
curl -fsS -X POST "$base/api/auth/verify-email" -H 'Content-Type: application/json' -d "{\"token\":\"$vtoken\"}" >/dev/null
access=$(curl -fsS -X POST "$base/api/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}" | sed 's/.*"accessToken":"\([^"]*\)".*/\1/')
# Signup and login hash passwords with argon2id (64 MB each), memory the
# Go runtime keeps for a while and would lend to the uploads. The rounds
# run on a fresh process on the same data directory instead, where the
# access token is still valid and no password was ever hashed.
kill "$pid"; wait "$pid" 2>/dev/null || true
serve

kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$pid/status"; }
upload() { curl -fsS -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $access" -F "file=@$1" "$base/api/upload"; }

# One upload before each round, so code paths and pools are warm; the
# streamed round comes first, before any photo was ever decoded.

fail=0
round() { # name file [count]
  local n=${3:-$PARALLEL}
  sleep 1
  echo 5 >"/proc/$pid/clear_refs"
  local before; before=$(kb VmRSS)
  local start; start=$(date +%s%N)
  local codes; codes=$(for _ in $(seq "$n"); do upload "$2" & done; wait)
  local ms=$(( ($(date +%s%N) - start) / 1000000 ))
  local peak; peak=$(kb VmHWM)
  local ok; ok=$(grep -c '^201$' <<<"$codes" || true)
  local growth=$(( (peak - before) / 1024 ))
  printf '%-7s %2d × %s: %d/%d × 201 in %5d ms; RSS before %3d MB, peak %3d MB, growth %3d MB\n' \
    "$1" "$n" "$(du -h "$2" | cut -f1)" "$ok" "$n" "$ms" $((before / 1024)) $((peak / 1024)) "$growth"
  [ "$ok" = "$n" ] || fail=1
  eval "growth_$1=$growth"
}
upload "$work/doc.pdf" >/dev/null
round pdf "$work/doc.pdf"
upload "$work/photo.jpg" >/dev/null
round photo1 "$work/photo.jpg" 1
round photo "$work/photo.jpg"
echo "target: a round of streamed uploads (pdf) grows the peak RSS by < ${TARGET_MB} MB"
[ "$growth_pdf" -lt "$TARGET_MB" ] || { echo "MISSED: pdf growth ${growth_pdf} MB" >&2; fail=1; }

"$work/hse" smoke --url "$base" --email "$email" --password "$password" || fail=1
exit $fail
