#!/usr/bin/env bash
# The base image of docker/*.Dockerfile made here from Debian's packages, instead of pulling
# node:20-bookworm-slim and the CUDA image: debootstrap (minbase) of Debian trixie, whose nodejs
# is 20.19 (bookworm's is 18, below the project's engines), with npm and CA certificates, from
# the Debian mirror apt uses; committed with buildah as the local image `sweep-base:trixie`.
# The Dockerfiles' stages copy node from /usr/local/bin and npm from /usr/local/lib/node_modules,
# where the official Node images keep them: links put Debian's there. Cached: an existing image
# is kept. Prints the image name; --cached: the same if it exists, else exit 1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/images-env.sh"
suite="${SWEEP_BASE_SUITE:-trixie}"
image="${SWEEP_BASE_IMAGE:-localhost/sweep-base:$suite}"
debian="localhost/sweep-debian:$suite"
if command -v buildah >/dev/null && bah inspect --type image "$image" >/dev/null 2>&1; then echo "$image"; exit 0; fi
[ "${1:-}" = --cached ] && exit 1
"$here/install-buildah.sh" >/dev/null

# The builds inside the images download from the npm registry and the Debian mirror: a host that
# reaches them through a TLS-inspecting proxy trusts its CA in /usr/local/share/ca-certificates,
# and so must the images. A layer of its own over the cached Debian image, quick to make again.
add_local_cas() {
  local ctr
  ctr="$(bah from --pull=never --quiet "$debian")"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    bah copy "$ctr" /usr/local/share/ca-certificates/ /usr/local/share/ca-certificates/ >/dev/null
    twice bah run --isolation chroot "$ctr" -- update-ca-certificates >&2
  fi
  # Node reads its own CA list; this points it at the system one as well
  bah config --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt "$ctr"
  bah commit --quiet --rm "$ctr" "$image" >/dev/null
}
if bah inspect --type image "$debian" >/dev/null 2>&1; then add_local_cas; echo "$image"; exit 0; fi
mirror="$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/* *$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)"
[ -n "$mirror" ] || mirror="$(sed -n 's/^deb \(http[^ ]*\) [a-z-]* main.*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n 1)"
mirror="${mirror:-http://deb.debian.org/debian}"
mkdir -p "$cache/images"
rootfs="$(mktemp -d "$cache/images/rootfs.XXXXXX")"
trap 'rm -rf "$rootfs"' EXIT
echo "build-base-image.sh: debootstrap $suite from $mirror" >&2
# npm is installed by apt inside the image: debootstrap's own resolver stops at the
# alternatives in npm's dependencies
mkdir -p "$cache/images/debs"
if ! debootstrap --variant=minbase --cache-dir="$cache/images/debs" --include=nodejs,ca-certificates "$suite" "$rootfs" "$mirror" >&2; then
  echo "build-base-image.sh: debootstrap failed; the end of its log:" >&2
  tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2 || true
  exit 1
fi
ctr="$(bah from scratch)"
trap 'rm -rf "$rootfs"; bah rm "$ctr" >/dev/null 2>&1 || true' EXIT
mnt="$(bah mount "$ctr")"
cp -a "$rootfs/." "$mnt/"
bah umount "$ctr" >/dev/null
bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env DEBIAN_FRONTEND=noninteractive "$ctr"
twice bah run --isolation chroot --network host "$ctr" -- sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends npm >/dev/null \
  && mkdir -p /usr/local/bin /usr/local/lib/node_modules \
  && ln -sf /usr/bin/node /usr/local/bin/node && ln -sfn /usr/share/nodejs/npm /usr/local/lib/node_modules/npm \
  && apt-get clean && rm -rf /var/lib/apt/lists/* && node --version && npm --version' >&2
bah config --env DEBIAN_FRONTEND- --cmd /bin/bash \
  --label org.opencontainers.image.description="Debian $suite (minbase) with nodejs and npm, made by debootstrap" "$ctr"
bah commit --quiet --rm "$ctr" "$debian" >/dev/null
add_local_cas
echo "$image"
