#!/usr/bin/env bash
# Thin wrapper: make a backup of the configured database (DATABASE_URL or
# the embedded SQLite) with `hse backup create`, then verify it.
#   scripts/backup.sh [LABEL]        e.g. scripts/backup.sh pre-deploy-v1.5.0
# HSE_BACKUP_DIR chooses the directory (default $HSE_DATA_DIR/backups).
set -euo pipefail
HSE=${HSE:-hse}
command -v "$HSE" >/dev/null || HSE="$(dirname "$0")/../bin/hse"
args=(backup create)
[ $# -gt 0 ] && args+=(--label "$1")
out=$("$HSE" "${args[@]}")
echo "$out"
name=$(echo "$out" | sed -n 's|^created \(.*\) (.*|\1|p')
"$HSE" backup verify "$name"
