#!/usr/bin/env bash
# Installs or builds the real servers the tests (and `sweep dev`) use; idempotent, cached in .cache/.
#
#   bash test/servers/install.sh [COMPONENT...]      (or SWEEP_SERVERS=temporal,nats; default: all)
#
# component    what                                              from
# temporal     Temporal CLI dev server                           Go build (build-temporal.sh)
# temporal-tls Temporal's server with frontend TLS (TLS tests)    Go build (build-temporal-tls.sh)
# nats         nats-server (JetStream)                           Debian package nats-server
# prometheus   prometheus + promtool                             Debian package prometheus
# etcd         etcd (the Kubernetes control plane's store)       Debian package etcd-server
# kube         kube-apiserver, -controller-manager, -scheduler   Go build (build-kube.sh); adds etcd
# manifests    helm and kustomize (rendering charts/ and k8s/)   Go build (build-manifest-tools.sh)
# scipy        numpy + scipy venv, the power-law fit reference   PyPI (install-scipy.sh)
# sdk          the Python SDK + pytest, nats-py, jax[cpu], mypy  PyPI (install-python-sdk.sh)
# wasm         clang-16 + lld-16 (rebuilding the gemm .wasm)     Debian packages
# openssl      openssl (test certificates)                       Debian package
# native       the native TensorFlow backend (tfjs-node, ~1.1 GB)  PyPI tensorflow-cpu + npm (scripts/install-tfjs-native.sh)
# images       buildah + a Debian base image for docker/*            Debian packages, debootstrap (build-base-image.sh)
#
# `npm test` runs it with no argument (everything). Only temporal, temporal-tls, kube and manifests need a Go
# toolchain, and only while they are not built yet; without one they are refused with exit 2
# before anything is installed. Ends with a summary: each component, installed or already
# there, and where.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${SWEEP_CACHE_DIR:-$root/.cache}"
all=(temporal temporal-tls nats prometheus etcd kube manifests scipy sdk native wasm openssl images)
go_built=(temporal temporal-tls kube manifests)

usage() { echo "usage: install.sh [${all[*]}|all]... (or SWEEP_SERVERS=a,b; default all)" >&2; }
if [ $# -eq 0 ] && [ -n "${SWEEP_SERVERS:-}" ]; then IFS=', ' read -r -a asked <<<"$SWEEP_SERVERS"; else asked=("$@"); fi
[ ${#asked[@]} -eq 0 ] && asked=(all)
selected=()
add() { local c; for c in "${selected[@]}"; do [ "$c" = "$1" ] && return 0; done; selected+=("$1"); }
for c in "${asked[@]}"; do
  case "$c" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    all) for a in "${all[@]}"; do add "$a"; done ;;
    kube) add etcd; add kube ;;
    temporal|temporal-tls|nats|prometheus|etcd|manifests|scipy|sdk|native|wasm|openssl|images) add "$c" ;;
    *) echo "install.sh: unknown component \"$c\"; choose from: ${all[*]} (or all)" >&2; usage; exit 2 ;;
  esac
done
selected_has() { local c; for c in "${selected[@]}"; do [ "$c" = "$1" ] && return 0; done; return 1; }

script_for() {
  case "$1" in
    temporal) echo build-temporal.sh ;; temporal-tls) echo build-temporal-tls.sh ;; sdk) echo install-python-sdk.sh ;; kube) echo build-kube.sh ;; manifests) echo build-manifest-tools.sh ;; scipy) echo install-scipy.sh ;; native) echo ../../scripts/install-tfjs-native.sh ;;
    images) echo build-base-image.sh ;;
  esac
}

# Go is needed only for Go-built components not in the cache yet: check before doing anything.
need_go=()
for c in "${go_built[@]}"; do
  selected_has "$c" || continue
  "$here/$(script_for "$c")" --cached >/dev/null 2>&1 || need_go+=("$c")
done
if [ ${#need_go[@]} -gt 0 ] && ! command -v go >/dev/null; then
  echo "install.sh: Go toolchain not found; it builds ${need_go[*]} (Go-built components: ${go_built[*]})." >&2
  echo "  Install Go 1.24 or newer (https://go.dev/dl/, then put its bin/ on PATH), or choose components without Go, e.g.: bash test/servers/install.sh nats prometheus" >&2
  exit 2
fi

# Debian packages: one apt-get for all that are missing.
declare -A debian_bins=(
  [nats]="nats-server" [prometheus]="prometheus promtool" [etcd]="etcd" [wasm]="clang-16 wasm-ld-16" [openssl]="openssl"
  [native]="unzip make g++"
)
declare -A debian_pkgs=(
  [nats]="nats-server" [prometheus]="prometheus" [etcd]="etcd-server" [wasm]="clang-16 lld-16" [openssl]="openssl"
  [native]="unzip make g++"
)
# Debian installs nats-server into /usr/sbin, which a non-root PATH may lack.
find_bin() { command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || return 1; }
declare -A status=() where=()
need=()
for c in "${selected[@]}"; do
  [ -n "${debian_pkgs[$c]:-}" ] || continue
  missing=0
  for b in ${debian_bins[$c]}; do find_bin "$b" >/dev/null || missing=1; done
  if [ $missing = 1 ]; then need+=(${debian_pkgs[$c]}); status[$c]=installed; else status[$c]=found; fi
done
if [ ${#need[@]} -gt 0 ]; then
  echo "install.sh: installing Debian packages: ${need[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
for c in "${selected[@]}"; do
  [ -n "${debian_pkgs[$c]:-}" ] || continue
  paths=()
  for b in ${debian_bins[$c]}; do paths+=("$(find_bin "$b")"); done
  where[$c]="${paths[*]} (Debian: ${debian_pkgs[$c]})"
done

# Builds and the venv, cached in .cache/.
start=$(date +%s)
for c in temporal temporal-tls kube manifests scipy sdk native images; do
  selected_has "$c" || continue
  script="$here/$(script_for "$c")"
  if out="$("$script" --cached 2>/dev/null)"; then
    status[$c]=cached
  else
    echo "install.sh: building $c (cached in ${cache/#$root\//} afterwards)" >&2
    out="$("$script")"
    status[$c]=built
  fi
  where[$c]="$(echo "$out" | tail -n 1)"
done

# The Go builds' module and build caches (~7 GB for Kubernetes and Temporal) only serve a build
# in progress: the binaries are kept in .cache/bin, so a machine with little disk keeps only them.
for c in "${go_built[@]}"; do
  if [ "${status[$c]:-}" = built ]; then
    rm -rf "$cache/gomod" "$cache/gobuild"
    echo "install.sh: removed the Go module and build caches (the binaries stay in ${cache/#$root\//}/bin)" >&2
    break
  fi
done

echo "install.sh: done in $(( $(date +%s) - start ))s for builds; components:" >&2
for c in "${selected[@]}"; do
  printf '  %-11s %-10s %s\n' "$c" "${status[$c]}" "${where[$c]}" >&2
done
