#!/usr/bin/env bash
# Builds the native TensorFlow backend (backend: {name: tfjs-node}) from registry packages:
#   PyPI  tensorflow-cpu (or tensorflow with --gpu): libtensorflow_cc.so.2 exports the TF C and
#         eager C APIs the tfjs-node addon binds; libtensorflow_framework.so.2; the C headers
#   npm   @tensorflow/tfjs-node (or -node-gpu) with its install script off (that script downloads
#         libtensorflow 2.9 and a prebuilt addon from a host that is often unreachable)
# then compiles the addon against that library with the node-gyp bundled with npm.
# The result lives in .cache/tfjs-native/<variant>/ (about 1.6 GB, never committed: the package,
# and TensorFlow's Python package in python/, whose libraries the addon links and which exports
# compiled training steps) and the product loads it from there (core/backend/native-location.ts). The shared node_modules is not touched:
# the package's own @tensorflow/tfjs* copies are removed so it resolves the project's tfjs-core.
# Idempotent: does nothing when the same versions are already built. Prints the package folder.
#   scripts/install-tfjs-native.sh [--gpu] [--cached]   (--cached: print it if built, else exit 1)
# Environment: TF_VERSION (2.21.0), SWEEP_CACHE_DIR, SWEEP_TFJS_NATIVE_DIR (install under this
# folder instead of .cache/tfjs-native; the product reads the same variable), PIP (python3 -m pip).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${SWEEP_CACHE_DIR:-$root/.cache}"
variant=cpu; cached_only=0
for a in "$@"; do case "$a" in --gpu) variant=gpu ;; --cached) cached_only=1 ;; esac; done
tf_version="${TF_VERSION:-2.21.0}"
# the addon must match the tfjs-core the product uses, so its version is read from there
tfjs_version="$(cd "$root" && node -p "require('@tensorflow/tfjs-core/package.json').version")"
if [ "$variant" = gpu ]; then wheel=tensorflow; pkg=tfjs-node-gpu; else wheel=tensorflow-cpu; pkg=tfjs-node; fi
dest="${SWEEP_TFJS_NATIVE_DIR:-$cache/tfjs-native}/$variant"
stamp="$dest/node_modules/@tensorflow/$pkg/.sweep-build"
want="$wheel $tf_version @tensorflow/$pkg $tfjs_version node-abi $(node -p process.versions.modules) python-env"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "$dest/node_modules/@tensorflow/$pkg"
  exit 0
fi
[ $cached_only = 1 ] && exit 1
read -r -a pip <<< "${PIP:-python3 -m pip}"
mkdir -p "$(dirname "$dest")"
# Build in a fresh folder beside the destination and move it in place: an interrupted install
# leaves no half-built backend behind.
tmp="$(mktemp -d "$(dirname "$dest")/.build-$variant.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)

echo "install-tfjs-native: downloading $wheel==$tf_version from PyPI" >&2
# the wheel is kept until the build succeeds, so a failed compile does not download it again
wheels="$(dirname "$dest")/.wheels"
"${pip[@]}" download -q --disable-pip-version-check --no-deps --only-binary=:all: -d "$wheels" "$wheel==$tf_version" >&2
whl="$(ls "$wheels"/"${wheel//-/_}"-"$tf_version"-*.whl | head -1)"

# TensorFlow's Python package, installed from that wheel into a private environment: it exports
# the compiled training steps (backend.step: compiled, core/backend/compiled-step.ts), and the
# addon links the libraries inside it rather than a second 1.1 GB copy.
echo "install-tfjs-native: installing $wheel into a Python environment (its dependencies from PyPI)" >&2
python3 -m venv "$tmp/prefix/python"
"$tmp/prefix/python/bin/python" -m pip install -q --no-cache-dir --disable-pip-version-check "$whl" >&2
tfdir="$("$tmp/prefix/python/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/tensorflow"
[ -f "$tfdir/libtensorflow_cc.so.2" ] || { echo "install-tfjs-native: $tfdir/libtensorflow_cc.so.2 not found in the installed wheel" >&2; exit 1; }

echo "install-tfjs-native: fetching @tensorflow/$pkg@$tfjs_version from npm (scripts off)" >&2
mkdir -p "$tmp/prefix"
echo '{"name":"sweep-tfjs-native","private":true}' > "$tmp/prefix/package.json"
npm install --prefix "$tmp/prefix" --ignore-scripts --no-package-lock --no-audit --no-fund --omit=dev \
  --loglevel=error "@tensorflow/$pkg@$tfjs_version" >&2
# a second tfjs-core would hold its own kernel registry; the project's copy must be the one used
for dup in "$tmp"/prefix/node_modules/@tensorflow/*; do
  [ "$(basename "$dup")" = "$pkg" ] || rm -rf "$dup"
done
addon="$tmp/prefix/node_modules/@tensorflow/$pkg"
mkdir -p "$addon/deps/lib"
# relative links, so they hold once the build folder is moved into place
rel() { realpath -s --relative-to="$2" "$1"; }
ln -s "$(rel "$tfdir/include" "$addon/deps")" "$addon/deps/include"
for so in libtensorflow_cc.so.2 libtensorflow_framework.so.2; do ln -s "$(rel "$tfdir/$so" "$addon/deps/lib")" "$addon/deps/lib/$so"; done
# the addon links -ltensorflow; the wheel names the C API library libtensorflow_cc
ln -s libtensorflow_cc.so.2 "$addon/deps/lib/libtensorflow.so.2"
ln -s libtensorflow.so.2 "$addon/deps/lib/libtensorflow.so"
ln -s libtensorflow_framework.so.2 "$addon/deps/lib/libtensorflow_framework.so"

echo "install-tfjs-native: compiling the addon" >&2
nodedir="$(dirname "$(dirname "$(node -p process.execPath)")")"
[ -f "$nodedir/include/node/common.gypi" ] || { echo "install-tfjs-native: Node headers not found under $nodedir/include/node" >&2; exit 1; }
npm_dir="$(dirname "$(dirname "$(node -p "require('fs').realpathSync('$(command -v npm)')")")")"
gyp="$npm_dir/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$gyp" ] || { echo "install-tfjs-native: node-gyp not found in npm ($gyp)" >&2; exit 1; }
napi="$(node -p "require('$addon/package.json').binary.napi_versions.slice(-1)[0]")"
(cd "$addon" && node "$gyp" rebuild --silent --nodedir="$nodedir" -- \
  -Dmodule_name=tfjs_binding "-Dmodule_path=lib/napi-v$napi" "-Dnapi_build_version=$napi") >&2
rm -rf "$addon/build"

# check it loads against the project's tfjs before putting it in place
(cd "$root" && NODE_PATH="$tmp/prefix/node_modules" TF_CPP_MIN_LOG_LEVEL=2 node -e "
  const tf = require('@tensorflow/$pkg');
  if (tf.getBackend() !== 'tensorflow') throw new Error('backend is ' + tf.getBackend());
  if (tf.version['tfjs-core'] !== '$tfjs_version') throw new Error('tfjs-core ' + tf.version['tfjs-core']);
  console.error('install-tfjs-native: TensorFlow ' + tf.version['tfjs-node'] + ' / C API ' + tf.backend().binding.TF_Version);
") >&2
echo "$want" > "$addon/.sweep-build"
rm -rf "$dest"
mv "$tmp/prefix" "$dest"
rm -f "$whl"
echo "install-tfjs-native: ready in $(( $(date +%s) - start ))s" >&2
echo "$dest/node_modules/@tensorflow/$pkg"
