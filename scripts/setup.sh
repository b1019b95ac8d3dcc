#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the build and the QEMU runs need, only when
# one is missing.  Idempotent: a second run installs nothing.  Packages given
# as arguments are needed too (scripts/bench.sh adds gnuplot-nox).
set -euo pipefail

pkgs=(qemu-system-x86 busybox-static linux-source-6.12 build-essential
      flex bison bc libelf-dev libssl-dev cpio python3 kmod xz-utils sparse "$@")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "nmr: installing missing packages: ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
