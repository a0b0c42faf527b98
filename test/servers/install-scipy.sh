#!/usr/bin/env bash
# numpy + scipy in a private venv under .cache/, the reference the power-law fit is tested
# against (test/unit/analysis-power-law-scipy.test.ts) and benchmarked against
# (bench/fit-vs-scipy). Pinned versions; does nothing when they are already installed.
# Prints the venv's python. --cached: the same if it is installed already, else exit 1.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${SWEEP_CACHE_DIR:-$root/.cache}"
numpy_version="${NUMPY_VERSION:-2.1.3}"
scipy_version="${SCIPY_VERSION:-1.14.1}"
venv="$cache/scipy-venv"
python="$venv/bin/python"
want="$numpy_version $scipy_version"
if [ -x "$python" ] && [ "$("$python" -c 'import numpy, scipy; print(numpy.__version__, scipy.__version__)' 2>/dev/null)" = "$want" ]; then
  echo "$python"
  exit 0
fi
[ "${1:-}" = --cached ] && exit 1
mkdir -p "$cache"
# Build into a fresh folder and move it in place, so an interrupted install leaves no half venv.
tmp="$(mktemp -d "$cache/scipy-venv.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv" >&2
"$tmp/venv/bin/pip" install -q --disable-pip-version-check "numpy==$numpy_version" "scipy==$scipy_version" >&2
rm -rf "$venv"
mv "$tmp/venv" "$venv"
echo "$python"
