# Sourced by the image scripts: buildah keeps its images and containers under .cache/containers
# (not /var/lib/containers), stores layers as plain directories (vfs: no overlay mount needed)
# and runs RUN steps in a chroot (no user namespace or runtime needed), which is what works
# inside an unprivileged container or a CI runner.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${SWEEP_CACHE_DIR:-$root/.cache}"
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
buildah_opts=(--root "$cache/containers/storage" --runroot "$cache/containers/run" --storage-driver vfs)
bah() { buildah "${buildah_opts[@]}" "$@"; }
