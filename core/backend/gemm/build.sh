#!/usr/bin/env bash
# Rebuilds the two committed WebAssembly builds of sgemm.c (clang and lld 16 from Debian:
# apt-get install clang-16 lld-16). The outputs are committed so that installing the product needs
# no C toolchain; test/unit/wasm-gemm-build.test.ts checks they match this source.
#   sgemm-relaxed.wasm  wasm SIMD + relaxed SIMD (fused multiply-add where the CPU has it)
#   sgemm-simd.wasm     wasm SIMD only, for runtimes without relaxed SIMD
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
cc="${CLANG:-clang-16}"
flags=(--target=wasm32 -O3 -msimd128 -nostdlib -fno-builtin -Wall -Werror
  -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all)
"$cc" "${flags[@]}" -mrelaxed-simd -DRELAXED -o "$out/sgemm-relaxed.wasm" "$here/sgemm.c"
"$cc" "${flags[@]}" -o "$out/sgemm-simd.wasm" "$here/sgemm.c"
