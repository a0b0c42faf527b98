# Sourced by the image scripts: buildah keeps its images and containers under .cache/containers
# (not /var/lib/containers), stores layers as plain directories (vfs: no overlay mount needed)
# and runs RUN steps in a chroot (no user namespace or runtime needed), which is what works
# inside an unprivileged container or a CI runner.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${SWEEP_CACHE_DIR:-$root/.cache}"
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
buildah_opts=(--root "$cache/containers/storage" --runroot "$cache/containers/run" --storage-driver vfs)
bah() { buildah "${buildah_opts[@]}" "$@"; }
# Runs a buildah step a second time if it fails: with chroot isolation every RUN re-executes
# buildah from a sealed memfd copy of itself, and on a loaded machine the kernel can refuse that
# seal (EBUSY) for pages still queued on another CPU. A step that is really broken fails twice.
twice() {
  "$@" && return 0
  echo "images: '$1 ${2:-}' failed; trying once more" >&2
  "$@"
}
