#!/usr/bin/env bash
# One-time (idempotent) set-up on Debian 12: system packages the drivers and the interop tests
# use, node modules, the build, and the bootable test guest. Safe to re-run; fast when done.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(qemu-system-x86 qemu-utils dnsmasq-base nftables iproute2 busybox-static linux-image-amd64
      cpio libvirt-clients libvirt-daemon libvirt-daemon-driver-qemu python3-libvirt
      gcc libc6-dev)  # gcc + libc headers: the small native module for fd passing (src/native)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
  else
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # policy-rc.d keeps package scripts from starting a system libvirtd we do not want running
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    rm -f /usr/sbin/policy-rc.d
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build

# The test guest (kernel + busybox initramfs) is built from the machine's own packages, never
# committed. The builder lives in the shared folder beside the project.
guest_builder=""
for c in ${TSVIRT_SHARED:+"$TSVIRT_SHARED/guest/build-guest.sh"} ../shared/guest/build-guest.sh ./shared/guest/build-guest.sh /work/shared/guest/build-guest.sh; do
  [ -f "$c" ] && { guest_builder=$c; break; }
done
if [ -n "$guest_builder" ] && [ ! -f .guest/guest.env ]; then
  sh "$guest_builder" .guest >/dev/null 2>&1 || echo "setup: test guest not built (see $guest_builder)" >&2
fi
echo "setup: done" >&2
