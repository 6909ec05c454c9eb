#!/usr/bin/env bash
# Makes this machine ready to run Baton and its tests: Docker Engine running; mosquitto,
# a static busybox, iproute2, systemd-notify and python3 installed; the tools that build
# and check the single binaries (xz, qemu-user, the ARM cross binutils and runtime
# libraries, sfdisk, mkfs); the local busybox image built. Idempotent: it installs or starts only what is missing. Debian/Ubuntu
# packages via apt-get (as root); elsewhere it names what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "setup: $*" >&2; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v mosquitto >/dev/null 2>&1 || missing+=(mosquitto)
command -v mosquitto_sub >/dev/null 2>&1 || missing+=(mosquitto-clients)
{ [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || missing+=(busybox-static)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
# The systemd notify test: systemd-notify is what the agent sends with, and a small
# python3 program stands in for systemd's socket (Node cannot bind a datagram socket).
command -v systemd-notify >/dev/null 2>&1 || missing+=(systemd)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# The single binaries (scripts/build-binaries.mjs): xz for the release files, the
# target's strip, and qemu-user with the ARM runtime libraries to make the armv7l blob
# and to run the ARM binaries in the tests.
command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
command -v qemu-aarch64-static >/dev/null 2>&1 || missing+=(qemu-user-static)
command -v qemu-arm-static >/dev/null 2>&1 || missing+=(qemu-user-static)
command -v aarch64-linux-gnu-strip >/dev/null 2>&1 || missing+=(binutils-aarch64-linux-gnu)
command -v arm-linux-gnueabihf-strip >/dev/null 2>&1 || missing+=(binutils-arm-linux-gnueabihf)
[ -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ] || missing+=(libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)
[ -e /usr/arm-linux-gnueabihf/lib/libatomic.so.1 ] || missing+=(libc6-armhf-cross libstdc++6-armhf-cross libgcc-s1-armhf-cross libatomic1-armhf-cross)
# The systemd units' check, and the SD card test's synthetic image.
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v sfdisk >/dev/null 2>&1 || missing+=(fdisk)
command -v mkfs.vfat >/dev/null 2>&1 || missing+=(dosfstools)
command -v mkfs.ext4 >/dev/null 2>&1 || missing+=(e2fsprogs)
command -v losetup >/dev/null 2>&1 || missing+=(mount)

if [ ${#missing[@]} -gt 0 ]; then
  # Unique names, order kept.
  packages=$(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++' | tr '\n' ' ')
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "missing: $packages- install them (Debian: sudo apt-get install -y $packages) and run again"
    exit 1
  fi
  log "installing $packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $packages >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    log "starting docker.service"
    systemctl start docker
  elif [ "$(id -u)" -eq 0 ]; then
    log "starting dockerd (log: /var/log/baton-dockerd.log)"
    nohup dockerd >/var/log/baton-dockerd.log 2>&1 &
  else
    log "Docker is not running and I cannot start it without root; start it and run again"
    exit 1
  fi
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { log "Docker did not come up; see /var/log/baton-dockerd.log"; exit 1; }
fi

scripts/build-test-image.sh
