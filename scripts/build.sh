#!/usr/bin/env bash
# Builds the hse binary. This is the only build recipe: the Dockerfile, the
# Makefile and CI all call it, so the binary CI tests is built exactly like the
# one the image ships.
#
#   scripts/build.sh [OUT [VERSION [COMMIT [BUILD_DATE]]]]     (OUT: bin/hse)
#
# VERSION, COMMIT and BUILD_DATE may also come from the environment; what is
# still missing is taken from git (a tag description, the commit hash and the
# commit time, so that two builds of one commit are byte-identical), or falls
# back to "dev", "unknown" and the current time outside a git checkout (the
# Docker build context has no .git, so the image build passes them in).
# GOOS and GOARCH are honoured for cross builds; the binary is always static.
set -euo pipefail

case "${1:-}" in
-h | --help)
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
esac

out=${1:-bin/hse}
# Relative to the caller's directory, before changing to the module root.
[[ "$out" == /* ]] || out="$PWD/$out"
cd "$(dirname "$0")/.."

in_git=false
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	in_git=true
fi

version=${2:-${VERSION:-}}
commit=${3:-${COMMIT:-}}
build_date=${4:-${BUILD_DATE:-}}

if [[ -z "$version" ]]; then
	if $in_git; then
		version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
	else
		version=dev
	fi
fi
if [[ -z "$commit" ]]; then
	if $in_git; then
		commit=$(git rev-parse HEAD)
	else
		commit=unknown
	fi
fi
if [[ -z "$build_date" ]]; then
	if $in_git; then
		build_date=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ)
	else
		build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	fi
fi

pkg=github.com/hsedigital/hse/internal/buildinfo
ldflags="-s -w -X ${pkg}.Version=${version} -X ${pkg}.Commit=${commit} -X ${pkg}.BuildDate=${build_date}"

mkdir -p "$(dirname "$out")"
echo "building $out: version=$version commit=$commit date=$build_date os/arch=$(go env GOOS)/$(go env GOARCH)" >&2
CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out" ./cmd/hse
