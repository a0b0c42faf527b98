#!/usr/bin/env bash
# buildah (builds OCI images from the Dockerfiles without a daemon) and debootstrap (the Debian
# root filesystem of the base image, build-base-image.sh), from Debian's packages. Does nothing
# when both are installed. Prints buildah's path.
set -euo pipefail
need=()
command -v buildah >/dev/null || need+=(buildah)
command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  echo "install-buildah.sh: installing Debian packages: ${need[*]}" >&2
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" uidmap >&2
fi
command -v buildah
