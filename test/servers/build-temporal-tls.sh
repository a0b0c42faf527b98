#!/usr/bin/env bash
# Builds temporal-tls (temporal-tls/main.go: Temporal's server from its Go module, frontend TLS)
# at the server version the pinned CLI bundles; the binary and Go caches live in .cache/.
# Prints the binary. --cached: the same if it is built already, else exit 1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${SWEEP_CACHE_DIR:-$root/.cache}"
version="$(sed -n 's/^\s*go.temporal.io\/server \(v[0-9.]*\)$/\1/p' "$here/temporal-tls/go.mod")"
sum="$(cat "$here/temporal-tls/main.go" "$here/temporal-tls/go.mod" | sha256sum | cut -c1-12)"
bin="$cache/bin/temporal-tls-$version-$sum"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
[ "${1:-}" = --cached ] && exit 1
mkdir -p "$cache/bin" "$cache/gomod" "$cache/gobuild"
export GOMODCACHE="$cache/gomod" GOCACHE="$cache/gobuild" GOFLAGS=-modcacherw
# Build in a copy so a run never rewrites the committed go.mod/go.sum.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/temporal-tls/main.go" "$here/temporal-tls/go.mod" "$work/"
[ -f "$here/temporal-tls/go.sum" ] && cp "$here/temporal-tls/go.sum" "$work/"
cd "$work"
go build -mod=mod -o "$bin.tmp" . >&2
mv "$bin.tmp" "$bin"
# builds of earlier sources are not used again
find "$cache/bin" -maxdepth 1 -name "temporal-tls-$version-*" ! -name "$(basename "$bin")" -delete
echo "$bin"
