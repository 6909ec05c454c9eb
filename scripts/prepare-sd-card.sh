#!/bin/sh
# Writes the Baton agent, its settings and its unit into a Raspberry Pi OS image, an SD
# card, or a root file system already mounted, before the Pi's first boot. The install
# itself is install-agent.sh --root (one install logic); this script finds and mounts
# the root partition. A loop device per partition, at the partition's offset, because
# partition nodes do not always appear for a loop device (no udev). Whatever happens,
# what it mounted is unmounted and its loop devices detached.
set -eu

usage() {
  cat <<'EOF'
Usage: prepare-sd-card.sh [--binary FILE | --arch arm64|armv7l|x64]
                          (--server URL --token TOKEN | --broker URL)
                          [--node NAME] [--label K=V]...
                          IMAGE|DEVICE|ROOT_DIR

Installs the Baton agent into a Raspberry Pi OS image file (.img, uncompressed), an SD
card (/dev/sdX, /dev/mmcblkN) or a mounted root file system, so that the Pi joins the
fleet on its first boot. Docker is installed on the first boot when the image has none.

  --binary FILE   the agent program to install (default: dist/bin/baton-agent-linux-ARCH
                  of this checkout, ARCH read from the image's /bin/sh)
  --arch ARCH     pick dist/bin/baton-agent-linux-ARCH without looking at the image
  --server URL    the coordinator's HTTP address (http://HOST:8484): with --token, the
                  Pi joins there on its first boot and is told its broker
  --token TOKEN   join token (baton token create; make it last until the Pi boots)
  --broker URL    the MQTT broker: mqtts://HOST:8883 (required without --server)
  --node NAME     the node name (default: the Pi's hostname; give each card its own)
  --label K=V     node label, repeatable
EOF
}

say() { printf 'baton: %s\n' "$*"; }
fail() {
  printf 'baton: error: %s\n' "$*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

script_dir=$(cd "$(dirname "$0")" && pwd)

binary='' arch='' broker='' server='' node='' token='' labels='' target=''
while [ $# -gt 0 ]; do
  flag=$1
  case $flag in
    --*=*) value=${flag#*=}; flag=${flag%%=*}; step=1 ;;
    *) value=${2-}; step=2 ;;
  esac
  case $flag in
    --binary | --arch | --broker | --server | --node | --token | --label)
      if [ "$step" = 2 ] && [ $# -lt 2 ]; then fail "$flag needs a value: see --help"; fi ;;
    -h | --help) usage; exit 0 ;;
    -*) fail "unknown argument '$1': see prepare-sd-card.sh --help" ;;
    *)
      [ -z "$target" ] || fail "one IMAGE, DEVICE or ROOT_DIR only, not '$target' and '$1'"
      target=$1 step=1
      ;;
  esac
  case $flag in
    --binary) binary=$value ;;
    --arch) arch=$value ;;
    --broker) broker=$value ;;
    --server) server=$value ;;
    --node) node=$value ;;
    --token) token=$value ;;
    --label) labels="$labels$value
" ;;
  esac
  shift "$step"
done

[ -n "$target" ] || fail "no IMAGE, DEVICE or ROOT_DIR given: see --help"
if [ -z "$broker" ] && { [ -z "$server" ] || [ -z "$token" ]; }; then
  fail "no broker: pass --server http://HOST:8484 with --token (the Pi joins the coordinator), or --broker URL"
fi
[ -z "$binary" ] || [ -z "$arch" ] || fail "--binary and --arch together: give one (--arch only picks dist/bin/baton-agent-linux-ARCH)"
case $arch in
  '' | arm64 | armv7l | x64) ;;
  *) fail "--arch $arch: Baton has agents for arm64, armv7l and x64" ;;
esac
if [ -n "$binary" ] && [ ! -f "$binary" ]; then fail "--binary $binary: no such file"; fi

# Prints the Node arch name of an ELF program: e_machine 183 arm64, 40 armv7l, 62 x64.
elf_arch() {
  [ "$(od -An -tx1 -N4 "$1" 2>/dev/null | tr -d ' \n')" = 7f454c46 ] || return 0
  # shellcheck disable=SC2046
  set -- $(od -An -tu1 -j18 -N2 "$1")
  case $(($1 + 256 * $2)) in
    183) echo arm64 ;;
    40) echo armv7l ;;
    62) echo x64 ;;
    *) echo "other (e_machine $(($1 + 256 * $2)))" ;;
  esac
}

# The host path of PATH inside the root at $root, following links as that root sees them.
in_root() {
  p=$1 hops=0
  while [ -L "$root$p" ] && [ $hops -lt 20 ]; do
    t=$(readlink "$root$p")
    case $t in /*) p=$t ;; *) p=${p%/*}/$t ;; esac
    hops=$((hops + 1))
  done
  printf '%s\n' "$root$p"
}

mnt='' root_loop=''
cleanup() {
  status=$?
  if [ -n "$mnt" ]; then
    if umount "$mnt"; then
      say "root: unmounted"
    else
      printf 'baton: error: could not unmount %s: umount %s && losetup -d %s\n' "$mnt" "$mnt" "$root_loop" >&2
      status=1 root_loop=''
    fi
    rmdir "$mnt" 2>/dev/null || true
  fi
  if [ -n "$root_loop" ]; then losetup -d "$root_loop" 2>/dev/null || true; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Reads the partition table: one line "INDEX START SIZE TYPE NODE" per partition, in
# bytes, from sfdisk's JSON (one object per partition, no nesting inside it).
partitions() {
  sfdisk -J "$1" 2>/dev/null | awk -v RS='}' '
    function val(key,   m) {
      if (!match($0, "\"" key "\"[ \t\n]*:[ \t\n]*\"?[^\",\n]*")) return ""
      m = substr($0, RSTART, RLENGTH)
      sub(/^"[^"]*"[ \t\n]*:[ \t\n]*"?/, "", m)
      return m
    }
    { if (val("sectorsize") != "") sector = val("sectorsize") + 0 }
    val("start") != "" {
      n++
      if (sector == 0) sector = 512
      print n, val("start") * sector, val("size") * sector, toupper(val("type")), val("node")
    }'
}

# True if DEVICE is mounted (by its name in /proc/mounts); prints where.
mounted_at() {
  awk -v d="$1" '$1 == d { print $2; found = 1; exit } END { exit !found }' /proc/mounts
}

# Refuses a root partition that is mounted already: two mounts of one ext4 file
# system corrupt it.
refuse_if_mounted() {
  real=$(readlink -f "$target")
  if [ -b "$real" ]; then
    if where=$(mounted_at "$real"); then fail "$target is mounted at $where: unmount it first (umount $where)"; fi
    real_node=$(readlink -f "$root_node" 2>/dev/null || echo "$root_node")
    if where=$(mounted_at "$real_node"); then
      fail "the root partition $root_node of $target is mounted at $where: unmount it first (umount $where)"
    fi
  fi
  # Loop devices on the image (or the card): one at the root partition's offset, or one
  # on the whole of it whose partition node is mounted.
  for loop in $(losetup -j "$real" 2>/dev/null | awk -F: '{ print $1 }'); do
    loop_offset=$(losetup -n -O OFFSET "$loop" 2>/dev/null | tr -d ' ')
    if [ "$loop_offset" = "$root_offset" ] && where=$(mounted_at "$loop"); then
      fail "the root partition of $target is mounted at $where (through $loop): unmount it first (umount $where && losetup -d $loop)"
    fi
    if [ "$loop_offset" = 0 ] && where=$(mounted_at "${loop}p$root_index"); then
      fail "the root partition of $target is mounted at $where (${loop}p$root_index): unmount it first (umount $where)"
    fi
  done
}

# Looks for the FAT boot partition by its boot sector (the file system type at byte 82
# for FAT32, 54 for FAT12/16, and 0x55AA at 510): no mount, no vfat driver needed.
check_boot_partition() {
  boot=$(printf '%s\n' "$table" | awk '$4 == "C" || $4 == "B" || $4 == "E" || $4 == "EF" || $4 == "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" || $4 == "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7" { print; exit }')
  if [ -z "$boot" ]; then
    say "boot: no FAT partition in $target's table: is it a Raspberry Pi OS image? Going on with the root partition"
    return 0
  fi
  # shellcheck disable=SC2086
  set -- $boot
  fat32=$(dd if="$real" bs=1 skip=$(($2 + 82)) count=5 2>/dev/null || true)
  fat16=$(dd if="$real" bs=1 skip=$(($2 + 54)) count=3 2>/dev/null || true)
  magic=$(dd if="$real" bs=1 skip=$(($2 + 510)) count=2 2>/dev/null | od -An -tx1 | tr -d ' \n')
  if [ "$magic" = 55aa ] && { [ "$fat32" = FAT32 ] || [ "$fat16" = FAT ]; }; then
    say "boot: partition $1 holds a FAT file system"
  else
    say "boot: partition $1 (type $4) holds no FAT file system: is it a Raspberry Pi OS image? Going on with the root partition"
  fi
}

mount_root() {
  [ "$(id -u)" = 0 ] || fail "run as root: mounting $target needs it (sudo sh $0 ...)"
  for tool in sfdisk losetup mount umount; do
    have "$tool" || fail "$tool is not here: apt-get install -y fdisk mount"
  done
  real=$(readlink -f "$target")
  table=$(partitions "$real")
  [ -n "$table" ] || fail "no partition table in $target: pass an uncompressed Raspberry Pi OS image (unxz it first) or the SD card's device"
  root_part=$(printf '%s\n' "$table" | awk '$4 == "83" || $4 == "0FC63DAF-8483-4772-8E79-3D69D8477DE4" { print; exit }')
  [ -n "$root_part" ] || fail "no Linux partition (type 83) in $target: is it a Raspberry Pi OS image?"
  # shellcheck disable=SC2086
  set -- $root_part
  root_index=$1 root_offset=$2 root_size=$3 root_node=${5-}
  refuse_if_mounted
  check_boot_partition
  root_loop=$(losetup -f --show -o "$root_offset" --sizelimit "$root_size" "$real") ||
    fail "could not attach a loop device to $target's root partition: is the loop module loaded (modprobe loop)?"
  mnt=$(mktemp -d "${TMPDIR:-/tmp}/baton-root.XXXXXX")
  if ! mount "$root_loop" "$mnt"; then
    rmdir "$mnt"
    mnt=''
    fail "could not mount partition $root_index of $target ($root_loop): is it an ext4 file system?"
  fi
  say "root: partition $root_index of $target mounted at $mnt ($root_loop)"
  root=$mnt
}

if [ -d "$target" ]; then
  root=$(cd "$target" && pwd -P)
elif [ -f "$target" ] || [ -b "$target" ]; then
  mount_root
else
  fail "$target is no image file, block device or folder"
fi
[ -d "$root/etc" ] || fail "$target holds no /etc: it is not a root file system (pass the image, the card, or its mounted root partition)"

if [ -z "$binary" ]; then
  if [ -z "$arch" ]; then
    for sh in /usr/bin/sh /bin/sh; do
      file=$(in_root "$sh")
      if [ -f "$file" ]; then arch=$(elf_arch "$file"); break; fi
    done
    case $arch in
      arm64 | armv7l | x64) say "arch: $arch (the ELF header of $sh in the image)" ;;
      '') fail "no /bin/sh program in $target to tell its arch: pass --arch arm64 or --arch armv7l" ;;
      *) fail "$sh in $target is a program for $arch: Baton has agents for arm64, armv7l and x64" ;;
    esac
  fi
  binary="$script_dir/../dist/bin/baton-agent-linux-$arch"
  if [ ! -f "$binary" ] && [ -f "$binary.xz" ]; then binary="$binary.xz"; fi
  [ -f "$binary" ] || fail "no dist/bin/baton-agent-linux-$arch: run npm run build:binaries first, or pass --binary FILE"
fi

set -- --root "$root" --binary "$binary"
if [ -n "$broker" ]; then set -- "$@" --broker "$broker"; fi
if [ -n "$server" ]; then set -- "$@" --server "$server"; fi
if [ -n "$node" ]; then set -- "$@" --node "$node"; fi
if [ -n "$token" ]; then set -- "$@" --token "$token"; fi
while [ -n "$labels" ]; do
  set -- "$@" --label "${labels%%
*}"
  labels=${labels#*
}
done
sh "$script_dir/install-agent.sh" "$@"
# Only this file system: a card may be pulled as soon as this returns.
sync -f "$root/etc" 2>/dev/null || sync
