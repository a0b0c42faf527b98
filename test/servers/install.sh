#!/usr/bin/env bash
# Installs or builds every real server the tests use; idempotent and cached in .cache/.
#   Debian: nats-server (JetStream), prometheus + promtool, etcd-server; clang-16 + lld-16 (the
#           test that rebuilds core/backend/gemm/*.wasm from sgemm.c and compares)
#   Go:     temporal CLI dev server, kube-apiserver / kube-controller-manager / kube-scheduler,
#           helm and kustomize (rendering the chart and k8s/ in tests)
#   PyPI:   numpy + scipy in a venv (install-scipy.sh), the reference for the power-law fit;
#           tensorflow-cpu's wheel for the native backend the numerical tests also run on
#           (scripts/install-tfjs-native.sh, with @tensorflow/tfjs-node from npm)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
need=()
command -v nats-server >/dev/null || need+=(nats-server)
command -v prometheus >/dev/null && command -v promtool >/dev/null || need+=(prometheus)
command -v etcd >/dev/null || need+=(etcd-server)
command -v openssl >/dev/null || need+=(openssl)
command -v clang-16 >/dev/null && command -v wasm-ld-16 >/dev/null || need+=(clang-16 lld-16)
command -v unzip >/dev/null || need+=(unzip)
command -v make >/dev/null && command -v g++ >/dev/null || need+=(make g++)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
command -v go >/dev/null || { echo "install.sh: Go toolchain not found (needed to build the Temporal and Kubernetes test servers)" >&2; exit 1; }
start=$(date +%s)
"$here/install-scipy.sh" >/dev/null
"$here/build-temporal.sh" >/dev/null
"$here/build-kube.sh" >/dev/null
"$here/build-manifest-tools.sh" >/dev/null
native_start=$(date +%s)
"$here/../../scripts/install-tfjs-native.sh" >/dev/null
echo "native TensorFlow backend ready ($(( $(date +%s) - native_start ))s)" >&2
echo "test servers ready ($(( $(date +%s) - start ))s for Go builds)" >&2
