#!/usr/bin/env bash
# Builds the Temporal CLI (dev server) from its Go module at a pinned tag, cached in .cache/.
# v1.5.1 is the newest tag whose go.mod has no replace directives, so `go install` accepts it.
# --cached: print the binary and exit 0 if it is built already, exit 1 otherwise (builds nothing).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${SWEEP_CACHE_DIR:-$root/.cache}"
version="${TEMPORAL_CLI_VERSION:-v1.5.1}"
bin="$cache/bin/temporal-$version"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
[ "${1:-}" = --cached ] && exit 1
mkdir -p "$cache/bin" "$cache/gomod" "$cache/gobuild"
export GOMODCACHE="$cache/gomod" GOCACHE="$cache/gobuild" GOFLAGS=-modcacherw
tmp="$(mktemp -d)"
GOBIN="$tmp" go install "github.com/temporalio/cli/cmd/temporal@$version" >&2
mv "$tmp/temporal" "$bin"
rmdir "$tmp"
echo "$bin"
