#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and kube-scheduler from the Kubernetes Go
# modules at the version pinned in kube-build/go.mod; binaries and Go caches live in .cache/.
# --cached: print the folder and exit 0 if all three are built already, exit 1 otherwise.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${SWEEP_CACHE_DIR:-$root/.cache}"
version="$(sed -n 's/^require k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$here/kube-build/go.mod")"
minor="$(echo "$version" | cut -d. -f2)"
out="$cache/bin/kube-$version"
if [ -x "$out/kube-apiserver" ] && [ -x "$out/kube-controller-manager" ] && [ -x "$out/kube-scheduler" ]; then
  echo "$out"; exit 0
fi
[ "${1:-}" = --cached ] && exit 1
mkdir -p "$out" "$cache/gomod" "$cache/gobuild"
export GOMODCACHE="$cache/gomod" GOCACHE="$cache/gobuild" GOFLAGS=-modcacherw
# Build in a copy so a run never rewrites the committed go.mod/go.sum.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/kube-build/go.mod" "$work/"
[ -f "$here/kube-build/go.sum" ] && cp "$here/kube-build/go.sum" "$work/"
cd "$work"
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
go build -mod=mod -trimpath -ldflags "$ldflags" -o "$out/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler >&2
# Keep the resolved module graph next to the binaries, for refreshing the committed go.sum.
cp go.mod go.sum "$out/"
echo "$out"
