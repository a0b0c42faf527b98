#!/usr/bin/env bash
# Builds the manifest renderers the chart and kustomize tests use, from their Go modules at
# pinned tags (neither is packaged by Debian), cached in .cache/bin like the servers.
#   helm      helm.sh/helm/v3/cmd/helm
#   kustomize sigs.k8s.io/kustomize/kustomize/v5
# Prints the directory holding both binaries. --cached: the same if both are built already,
# else exit 1 without building.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${SWEEP_CACHE_DIR:-$root/.cache}"
helm_version="${HELM_VERSION:-v3.19.5}"
kustomize_version="${KUSTOMIZE_VERSION:-v5.8.1}"
out="$cache/bin/manifest-tools"
if [ "${1:-}" = --cached ]; then
  [ -x "$out/helm-$helm_version" ] && [ -x "$out/kustomize-$kustomize_version" ] || exit 1
  echo "$out"; exit 0
fi
mkdir -p "$out" "$cache/gomod" "$cache/gobuild"
export GOMODCACHE="$cache/gomod" GOCACHE="$cache/gobuild" GOFLAGS=-modcacherw
build() { # name module version
  local bin="$out/$1-$3"
  [ -x "$bin" ] && return 0
  local tmp; tmp="$(mktemp -d)"
  GOBIN="$tmp" go install -trimpath -ldflags "-s -w" "$2@$3" >&2
  mv "$tmp/$1" "$bin"
  rmdir "$tmp"
}
build helm helm.sh/helm/v3/cmd/helm "$helm_version"
build kustomize sigs.k8s.io/kustomize/kustomize/v5 "$kustomize_version"
# Stable names for the tests.
ln -sf "helm-$helm_version" "$out/helm"
ln -sf "kustomize-$kustomize_version" "$out/kustomize"
echo "$out"
