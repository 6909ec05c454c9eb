#!/usr/bin/env bash
# Builds the small local image the tests and the demo cluster run, without any registry:
# a busybox rootfs from Debian's busybox-static, imported with `docker import`.
# Usage: scripts/build-test-image.sh [NAME:TAG]   (default baton-test/busybox:1)
set -euo pipefail
image="${1:-baton-test/busybox:1}"
if docker image inspect "$image" >/dev/null 2>&1; then
  exit 0
fi
busybox=/bin/busybox
if [ ! -x "$busybox" ] || ! "$busybox" --list >/dev/null 2>&1 || ldd "$busybox" >/dev/null 2>&1; then
  echo "build-test-image: needs a static busybox (apt-get install busybox-static)" >&2
  exit 1
fi
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,etc,tmp,var/www,proc,sys,dev}
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs/etc/passwd"
echo 'root:x:0:' > "$rootfs/etc/group"
echo '<h1>Hello from Baton</h1>' > "$rootfs/var/www/index.html"
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/bin' \
  --change 'CMD ["/bin/sh"]' \
  - "$image" >/dev/null
echo "build-test-image: built $image"
