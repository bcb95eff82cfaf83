#!/bin/sh
# Regenerates the typed API client from the server's OpenAPI document, which
# the Go code produces (no running server needed).
set -eu
cd "$(dirname "$0")/.."
(cd .. && go run ./cmd/hse openapi) > openapi.json
npx openapi-typescript openapi.json -o src/api/schema.d.ts
