#!/usr/bin/env bash
# Builds docker/worker.Dockerfile, docker/trainer.Dockerfile and the example command-trainer image
# docker/byo-trainer.Dockerfile with buildah (no daemon) on the Debian base image of
# build-base-image.sh, passed through the Dockerfiles' base-image build arguments (NODE_IMAGE,
# PYTHON_IMAGE). The trainer is built with TF_NATIVE=none (its trials on the wasm backend)
# unless SWEEP_TRAINER_TF_NATIVE=gpu: the GPU build pulls several GB of CUDA wheels.
# Images: localhost/sweep-worker:dev, localhost/sweep-trainer:dev and localhost/sweep-byo-jax:dev,
# rebuilt only when the sources they copy changed (a label holds their hash). Prints the three
# names, one per line, in that order.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/images-env.sh"
base="$("$here/build-base-image.sh")"
# Working containers a failed or killed build leaves behind hold a full copy of their image each
# (vfs): remove them whenever this script ends (a killed run's at the next run's end), so builds
# do not fill a small disk.
trap 'bah rm --all >/dev/null 2>&1 || true' EXIT
cd "$root"
# what an image is made of: its Dockerfile, the sources it copies, its build arguments
sources_of() { # dockerfile build-args...
  local file="$1"; shift
  (echo "$*"; git ls-files -z "${copies[@]}" .dockerignore "$file" \
    | xargs -0 sha256sum) | sha256sum | cut -c1-16
}
build() { # name dockerfile build-args...
  local name="$1" file="$2"; shift 2
  local image="localhost/sweep-$name:dev" sources
  sources="$(sources_of "$file" "$@")"
  if [ "$(bah inspect --type image --format '{{index .OCIv1.Config.Labels "org.sweep.sources"}}' "$image" 2>/dev/null)" = "$sources" ]; then
    echo "$image"; return 0
  fi
  local previous
  previous="$(bah inspect --type image --format '{{.FromImageID}}' "$image" 2>/dev/null || true)"
  echo "build-images.sh: building $image from $file" >&2
  twice bah bud --isolation chroot --network host --pull=never --layers=false --label "org.sweep.sources=$sources" \
    -f "$file" "$@" -t "$image" . >&2
  # the image this one replaces is left untagged: free its full vfs copy
  if [ -n "$previous" ]; then bah rmi "$previous" >/dev/null 2>&1 || true; fi
  echo "$image"
}
# what the product's images copy
copies=(package.json package-lock.json tsconfig.json core client workflows store activities workers)
build worker docker/worker.Dockerfile --build-arg "NODE_IMAGE=$base"
# SWEEP_TRAINER_TF_NATIVE=gpu for the CUDA build (see trainer.Dockerfile)
build trainer docker/trainer.Dockerfile --build-arg "NODE_IMAGE=$base" --build-arg "TF_NATIVE=${SWEEP_TRAINER_TF_NATIVE:-none}"
copies=(sdk/python examples/byo-jax/train.py)
build byo-jax docker/byo-trainer.Dockerfile --build-arg "PYTHON_IMAGE=$base"
