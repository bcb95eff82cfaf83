#!/usr/bin/env bash
# Thin wrapper for the runbook's full-system rollback:
#   ./scripts/restore.sh /var/backups/hse-digital/deployments/pre-deploy-*.sql.gz
# Restores the newest matching backup into the configured database with
# `hse backup restore --force` (a safety backup of the current data is taken
# first), then shows the migration status: run `hse migrate up` if the
# release you roll forward to needs a newer schema.
#
# A plain `pg_dump | gzip` artifact without an hse metadata file is
# restored with psql directly, as the runbook did before.
set -euo pipefail
HSE=${HSE:-hse}
command -v "$HSE" >/dev/null || HSE="$(dirname "$0")/../bin/hse"
[ $# -ge 1 ] || { echo "usage: $0 BACKUP_FILE..." >&2; exit 2; }
file=$(ls -t "$@" 2>/dev/null | head -1)
[ -n "$file" ] || { echo "no backup matches $*" >&2; exit 1; }
meta="${file%.sql.gz}"; meta="${meta%.sqlite.gz}.json"
if [ -f "$meta" ]; then
  "$HSE" backup restore --force "$file"
else
  : "${DATABASE_URL:?DATABASE_URL must name the database to restore into}"
  gzip -t "$file"
  echo "no hse metadata beside $file: restoring the plain dump with psql"
  gunzip -c "$file" | psql -v ON_ERROR_STOP=1 --single-transaction "$DATABASE_URL"
fi
"$HSE" migrate status
