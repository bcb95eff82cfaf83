#!/usr/bin/env bash
# Thin wrapper for the runbook's full-system rollback:
#   ./scripts/restore.sh /var/backups/hse-digital/deployments/pre-deploy-*.sql.gz
# Restores the newest matching backup into the configured database with
# `hse backup restore --force`, then shows the migration status: run
# `hse migrate up` if the release you roll forward to needs a newer schema.
#
# The restore is all or nothing, takes a safety backup of the current data
# first, and refuses while an hse server uses the database (stop both slots
# first). A plain `pg_dump | gzip` file without an hse metadata file goes
# the same way: hse checks its gzip stream and that its tables are in the
# schema of DATABASE_URL, then replays it over an emptied schema in one
# transaction, so a dump made without --clean restores over an existing
# schema too.
set -euo pipefail
HSE=${HSE:-hse}
command -v "$HSE" >/dev/null || HSE="$(dirname "$0")/../bin/hse"
[ $# -ge 1 ] || { echo "usage: $0 BACKUP_FILE..." >&2; exit 2; }
file=$(ls -t "$@" 2>/dev/null | head -1)
[ -n "$file" ] || { echo "no backup matches $*" >&2; exit 1; }
meta="${file%.sql.gz}"; meta="${meta%.sqlite.gz}.json"
[ -f "$meta" ] || echo "no hse metadata beside $file: restoring it as a plain pg_dump" >&2
"$HSE" backup restore --force "$file"
"$HSE" migrate status
