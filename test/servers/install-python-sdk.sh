#!/usr/bin/env bash
# The Python SDK (sdk/python) installed into a private venv under .cache/, with what its tests,
# the JAX example (examples/byo-jax) and the protocol bench need: pytest, nats-py, jax[cpu],
# mypy. --cached: exit 1 unless already installed. Pinned versions; does nothing when they are already installed (the SDK itself is
# installed editable, so its source changes need no reinstall). Prints the venv's python.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${SWEEP_CACHE_DIR:-$root/.cache}"
jax_version="${JAX_VERSION:-0.10.2}"
nats_version="${NATS_PY_VERSION:-2.16.0}"
pytest_version="${PYTEST_VERSION:-9.2.0}"
mypy_version="${MYPY_VERSION:-2.4.1}"
venv="$cache/sdk-venv"
python="$venv/bin/python"
deps="$jax_version $nats_version $pytest_version $mypy_version"
deps_check='import jax, nats, pytest, mypy.version, importlib.metadata as m
print(jax.__version__, m.version("nats-py"), pytest.__version__, mypy.version.__version__)'
sdk_check='import os, sweep_trial; print(os.path.dirname(os.path.dirname(os.path.dirname(sweep_trial.__file__))))'
sdk_editable() { "$python" -m pip install -q --disable-pip-version-check --no-deps -e "$root/sdk/python" >&2; }
if [ -x "$python" ] && [ "$("$python" -c "$deps_check" 2>/dev/null)" = "$deps" ]; then
  # the pinned packages are there; the SDK must be this checkout's (another clone may share .cache)
  [ "$("$python" -c "$sdk_check" 2>/dev/null)" = "$root/sdk/python" ] || sdk_editable
  echo "$python"
  exit 0
fi
[ "${1:-}" = --cached ] && exit 1
mkdir -p "$cache"
# Build into a staging folder and move it in place once everything installed, so an interrupted
# install leaves no half venv. (Its bin/ scripts keep the staging path: use "$python" -m pip.)
tmp="$cache/sdk-venv.partial"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp" >&2
"$tmp/bin/python" -m pip install -q --disable-pip-version-check \
  "jax[cpu]==$jax_version" "nats-py==$nats_version" "pytest==$pytest_version" "mypy==$mypy_version" >&2
rm -rf "$venv"
mv "$tmp" "$venv"
trap - EXIT
# Editable, so the installed package is this checkout's sdk/python.
sdk_editable
echo "$python"
