#!/usr/bin/env bash
# The Python SDK (sdk/python) installed into a private venv under .cache/, with what its tests,
# the JAX example (examples/byo-jax) and the protocol bench need: pytest, nats-py, jax[cpu],
# mypy. Pinned versions; does nothing when they are already installed (the SDK itself is
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
want="$jax_version $nats_version $pytest_version $mypy_version $root/sdk/python"
check='import jax, nats, pytest, mypy.version, sweep_trial, os, importlib.metadata as m
print(jax.__version__, m.version("nats-py"), pytest.__version__, mypy.version.__version__, os.path.dirname(os.path.dirname(os.path.dirname(sweep_trial.__file__))))'
if [ -x "$python" ] && [ "$("$python" -c "$check" 2>/dev/null)" = "$want" ]; then
  echo "$python"
  exit 0
fi
mkdir -p "$cache"
# Build into a fresh folder and move it in place, so an interrupted install leaves no half venv.
# The venv's scripts hold its path, so it is made at its final path from a staging name: the
# staging folder is renamed only once everything installed.
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
"$python" -m pip install -q --disable-pip-version-check --no-deps -e "$root/sdk/python" >&2
echo "$python"
