#!/bin/sh
# Installs, upgrades or removes the Baton node agent on this machine, or in a root folder
# such as a mounted SD card (--root). POSIX sh: it runs under dash on Raspberry Pi OS and
# piped from the coordinator, which fills in the two DEFAULT_ lines below:
#   curl -sfL http://<coordinator>:8484/install.sh | sudo sh -s -- --token <token>
# Idempotent: a second run with the same inputs changes nothing; a changed program, config
# or unit is replaced atomically (rename), and only the agent is restarted: its unit has
# KillMode=process, so the containers keep running. docs/install.md has every flag.
set -eu

# Filled in by the coordinator when it serves this script (single-quoted values).
DEFAULT_SERVER=''
DEFAULT_BROKER=''

PROGRAM=/usr/local/bin/baton-agent
CONFIG=/etc/baton/agent.env
UNIT_DIR=/etc/systemd/system
UNIT=baton-agent.service
DOCKER_UNIT=baton-install-docker.service
STATE_DIR=/var/lib/baton/agent
NODE_LABEL=io.baton.node

usage() {
  cat <<'EOF'
Usage: install-agent.sh [--server URL] [--broker URL] [--node NAME] [--token TOKEN]
                        [--label K=V]... [--binary FILE] [--unit FILE] [--root DIR]
                        [--no-start] [--skip-docker]
       install-agent.sh --uninstall [--purge] [--root DIR]

Installs the Baton agent as /usr/local/bin/baton-agent, its settings as
/etc/baton/agent.env (mode 0600) and its unit baton-agent.service, then enables and
starts it. Running it again with the same inputs changes nothing.

  --server URL    the coordinator's HTTP address (http://HOST:8484): binaries and unit
                  are downloaded from it and checked against its SHA256SUMS (env BATON_SERVER)
  --broker URL    the MQTT broker, mqtt://HOST:PORT or mqtts://HOST:PORT (env BATON_BROKER)
  --node NAME     node name: lowercase letters, digits, '-' and '.'; the hostname when
                  not given (env BATON_NODE)
  --token TOKEN   join token (baton token create), kept in agent.env with the server:
                  the agent joins there once (env BATON_TOKEN)
  --label K=V     node label, repeatable
  --binary FILE   install this agent program (or FILE.xz) instead of downloading one
  --unit FILE     install this unit file instead of the checkout's or the server's
  --root DIR      install into the root file system mounted at DIR (an SD card): no
                  Docker install, nothing started; systemctl --root=DIR enable
  --no-start      enable the agent but do not start or restart it
  --skip-docker   do not install Docker (docker.io) when it is missing
  --uninstall     stop, disable and remove the agent, its unit and its config; keep its
                  state (/var/lib/baton/agent) and its containers
  --purge         with --uninstall: also remove the state and this node's containers
EOF
}

say() { printf 'baton: %s\n' "$*"; }
fail() {
  printf 'baton: error: %s\n' "$*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

NL='
'
# True if $2 matches the extended regular expression $1 as a whole (one line only).
matches() {
  case $2 in *"$NL"*) return 1 ;; esac
  printf '%s\n' "$2" | grep -Eq "$1"
}

# --- inputs --------------------------------------------------------------------------

opt_server='' opt_broker='' opt_node='' opt_token='' labels='' opt_binary='' opt_unit=''
opt_root='' no_start='' skip_docker='' uninstall='' purge='' install_flags=''

NODE_RE='^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'
LABEL_NAME_RE='^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$'
# URL characters without quotes, backslash, '$', '`' and spaces: agent.env is read by
# systemd, which would interpret those.
BROKER_RE='^mqtts?://[]A-Za-z0-9._~%!&*+,;=:@[-][]A-Za-z0-9._~%!&*+,;=:@/?#[-]*$'
SERVER_RE='^https?://[]A-Za-z0-9._~%!&*+,;=:@[-][]A-Za-z0-9._~%!&*+,;=:@/[-]*$'
TOKEN_RE='^[]A-Za-z0-9!#%&()*+,./:;<=>?@^_{|}~[-]+$'

add_label() {
  al_key=${1%%=*}
  al_value=${1#*=}
  [ "$al_key" != "$1" ] || fail "--label '$1': expected KEY=VALUE, e.g. --label zone=attic"
  al_name=${al_key##*/}
  al_prefix=${al_key%"$al_name"}
  al_prefix=${al_prefix%/}
  if ! matches "$LABEL_NAME_RE" "$al_name" || [ ${#al_name} -gt 63 ] ||
    { [ -n "$al_prefix" ] && ! matches "$NODE_RE" "$al_prefix"; } ||
    { [ "$al_key" != "$al_name" ] && [ -z "$al_prefix" ]; }; then
    fail "--label '$1': the key must be an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
  fi
  if [ -n "$al_value" ] && { ! matches "$LABEL_NAME_RE" "$al_value" || [ ${#al_value} -gt 63 ]; }; then
    fail "--label '$1': the value must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
  fi
  labels="$labels${labels:+,}$1"
}

parse_args() {
  while [ $# -gt 0 ]; do
    pa_flag=$1
    case $pa_flag in
      --*=*) pa_value=${pa_flag#*=}; pa_flag=${pa_flag%%=*}; pa_shift=1 ;;
      *) pa_value=${2-}; pa_shift=2 ;;
    esac
    case $pa_flag in
      --server | --broker | --node | --token | --label | --binary | --unit | --root)
        if [ "$pa_shift" = 2 ] && [ $# -lt 2 ]; then fail "$pa_flag needs a value: see --help"; fi ;;
      --no-start | --skip-docker | --uninstall | --purge | -h | --help) pa_shift=1 ;;
      *) fail "unknown argument '$1': see install-agent.sh --help" ;;
    esac
    case $pa_flag in
      --server) opt_server=$pa_value ;;
      --broker) opt_broker=$pa_value ;;
      --node) opt_node=$pa_value ;;
      --token) opt_token=$pa_value ;;
      --label) add_label "$pa_value" ;;
      --binary) opt_binary=$pa_value ;;
      --unit) opt_unit=$pa_value ;;
      --root) opt_root=$pa_value ;;
      --no-start) no_start=1 ;;
      --skip-docker) skip_docker=1 ;;
      --uninstall) uninstall=1 ;;
      --purge) purge=1 uninstall=1 ;;
      -h | --help) usage; exit 0 ;;
    esac
    case $pa_flag in
      --root | --uninstall | --purge) ;;
      *) install_flags="$install_flags $pa_flag" ;;
    esac
    shift "$pa_shift"
  done

  # Flags win over the environment, which wins over what the coordinator filled in.
  server=${opt_server:-${BATON_SERVER:-$DEFAULT_SERVER}}
  server=${server%/}
  broker=${opt_broker:-${BATON_BROKER:-$DEFAULT_BROKER}}
  node=${opt_node:-${BATON_NODE:-}}
  token=${opt_token:-${BATON_TOKEN:-}}

  if [ -n "$uninstall" ] && [ -n "$install_flags" ]; then
    fail "--uninstall takes only --purge and --root, not$install_flags"
  fi
  if [ -n "$server" ] && ! matches "$SERVER_RE" "$server"; then
    fail "server '$server' is not an http:// or https:// URL: pass --server http://HOST:8484"
  fi
  if [ -n "$broker" ] && ! matches "$BROKER_RE" "$broker"; then
    fail "broker '$broker' is not a broker URL: pass --broker mqtt://HOST:1883 or mqtts://HOST:8883"
  fi
  if [ -n "$node" ] && { ! matches "$NODE_RE" "$node" || [ ${#node} -gt 253 ]; }; then
    fail "node name '$node' is not valid: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. --node pi-kitchen)"
  fi
  if [ -n "$token" ] && ! matches "$TOKEN_RE" "$token"; then
    fail "the token has spaces, quotes, '\\', '\$' or '\`' in it: pass the token the coordinator gave"
  fi

  root=''
  if [ -n "$opt_root" ]; then
    [ -d "$opt_root" ] || fail "--root $opt_root is not a directory: mount the SD card's root file system there first"
    root=$(cd "$opt_root" && pwd -P)
    [ "$root" != / ] || root=''
  fi
}

# --- helpers -------------------------------------------------------------------------

work=''
pending=''
cleanup() {
  if [ -n "$pending" ]; then rm -f "$pending"; fi
  if [ -n "$work" ]; then rm -rf "$work"; fi
}

make_work_dir() {
  # Not /tmp: it can be a small tmpfs on a 1 GB Pi, and the program is ~100 MB.
  work=$(mktemp -d "${TMPDIR:-/var/tmp}/baton-install.XXXXXX") ||
    fail "could not make a work folder in ${TMPDIR:-/var/tmp}: set TMPDIR to a writable folder with 200 MB free"
}

sha256_of() {
  if have sha256sum; then sha256sum "$1" | cut -d' ' -f1
  elif have shasum; then shasum -a 256 "$1" | cut -d' ' -f1
  elif have openssl; then openssl dgst -sha256 -r "$1" | cut -d' ' -f1
  else fail "no sha256sum, shasum or openssl here to check the download: install coreutils"
  fi
}

same_content() {
  if have cmp; then cmp -s "$1" "$2"
  else [ "$(sha256_of "$1")" = "$(sha256_of "$2")" ]
  fi
}

fetch() {
  if have curl; then
    curl -fsL -o "$2" "$1" </dev/null || fail "could not download $1: is the coordinator serving HTTP there (baton-coordinator --http HOST:PORT)?"
  elif have wget; then
    wget -q -O "$2" "$1" </dev/null || fail "could not download $1: is the coordinator serving HTTP there (baton-coordinator --http HOST:PORT)?"
  else
    fail "neither curl nor wget is here: install one (apt-get install -y curl), or pass --binary FILE and --unit FILE"
  fi
}

# Prints the Node arch name (x64, arm64, armv7l) of an ELF file, "other" for another
# machine, nothing when FILE is not an ELF file. ELF files of all three are little-endian.
elf_arch() {
  [ "$(od -An -tx1 -N4 "$1" 2>/dev/null | tr -d ' \n')" = 7f454c46 ] || return 0
  # shellcheck disable=SC2046
  set -- $(od -An -tu1 -j18 -N2 "$1")
  case $(($1 + 256 * $2)) in
    62) echo x64 ;;
    183) echo arm64 ;;
    40) echo armv7l ;;
    *) echo other ;;
  esac
}

# The host path of PATH inside $root, following symbolic links as that root sees them.
in_root() {
  ir_path=$1
  ir_hops=0
  while [ -L "$root$ir_path" ] && [ $ir_hops -lt 20 ]; do
    ir_target=$(readlink "$root$ir_path")
    case $ir_target in
      /*) ir_path=$ir_target ;;
      *) ir_path=${ir_path%/*}/$ir_target ;;
    esac
    ir_hops=$((ir_hops + 1))
  done
  printf '%s\n' "$root$ir_path"
}

detect_arch() {
  arch=''
  if [ -n "$root" ]; then
    for da_sh in /usr/bin/sh /bin/sh; do
      da_file=$(in_root "$da_sh")
      if [ -f "$da_file" ]; then
        arch=$(elf_arch "$da_file")
        case $arch in
          x64 | arm64 | armv7l) arch_source="the ELF header of $root$da_sh"; return 0 ;;
          other) fail "$root$da_sh is a program for a machine Baton has no agent for (it has x64, arm64 and armv7l)" ;;
        esac
      fi
    done
  fi
  if have dpkg; then
    da_deb=$(dpkg --print-architecture 2>/dev/null || true)
    case $da_deb in
      amd64) arch=x64 ;;
      arm64) arch=arm64 ;;
      armhf) arch=armv7l ;;
      '') ;;
      *) fail "this system's userland is $da_deb: Baton has agents for amd64, arm64 and armhf only" ;;
    esac
    arch_source="dpkg --print-architecture: $da_deb"
  fi
  if [ -z "$arch" ]; then
    da_m=$(uname -m)
    case $da_m in
      x86_64) arch=x64 ;;
      aarch64 | arm64) arch=arm64 ;;
      armv7l | armv8l) arch=armv7l ;;
      *) fail "this machine is $da_m: Baton has agents for x86_64, aarch64 and armv7l only" ;;
    esac
    arch_source="uname -m: $da_m"
  fi
  if [ -n "$root" ]; then arch_source="$arch_source; no /usr/bin/sh in $root"; fi
}

# Installs SRC as DEST with MODE by a rename within DEST's folder, so a reader (or a
# reboot) sees the old file or the new one, never a part. Returns 1 if DEST already had
# this content and mode (nothing touched). A 4th argument "move" moves SRC instead of
# copying it (a staged download).
put_file() {
  pf_src=$1 pf_dest=$2 pf_mode=$3
  if [ -f "$pf_dest" ] && [ ! -L "$pf_dest" ] && same_content "$pf_src" "$pf_dest"; then
    if [ "$(stat -c %a "$pf_dest")" = "$pf_mode" ]; then return 1; fi
    chmod "$pf_mode" "$pf_dest"
    return 0
  fi
  mkdir -p "${pf_dest%/*}"
  pending="${pf_dest%/*}/.${pf_dest##*/}.new.$$"
  rm -f "$pending"
  if [ "${4-}" = move ]; then
    mv -f "$pf_src" "$pending"
  else
    (umask 077 && cp "$pf_src" "$pending")
  fi
  chmod "$pf_mode" "$pending"
  mv -f "$pending" "$pf_dest"
  pending=''
}

# Runs a command, showing its output only when it fails.
quietly() {
  q_out=$("$@" 2>&1 </dev/null) && return 0
  q_status=$?
  printf '%s\n' "$q_out" >&2
  return "$q_status"
}

systemd_running() { [ -z "$root" ] && [ -d /run/systemd/system ]; }

# systemctl on the unit files under $root (offline), or on the running system.
unit_ctl() {
  if [ -n "$root" ]; then systemctl --root="$root" "$@"
  else systemctl "$@"
  fi
}

script_dir=''
find_script_dir() {
  case $0 in
    */*.sh | *.sh) if [ -f "$0" ]; then script_dir=$(cd "$(dirname "$0")" && pwd); fi ;;
  esac
}

# --- install -------------------------------------------------------------------------

stage_binary() {
  if [ -n "$opt_binary" ]; then
    [ -f "$opt_binary" ] && [ -r "$opt_binary" ] || fail "--binary $opt_binary: no such readable file (npm run build:binaries makes dist/bin/baton-agent-linux-$arch)"
    [ -s "$opt_binary" ] || fail "--binary $opt_binary is empty: rebuild it with npm run build:binaries"
    case $opt_binary in
      *.xz)
        have xz || fail "--binary $opt_binary is xz-compressed and xz is not here: apt-get install -y xz-utils, or pass the uncompressed file"
        xz -dc "$opt_binary" >"$work/baton-agent" || fail "could not decompress $opt_binary: is it whole?"
        binary="$work/baton-agent" binary_how=move
        ;;
      *) binary=$opt_binary binary_how=copy ;;
    esac
    binary_from=$opt_binary
  else
    [ -n "$server" ] || fail "no agent program: pass --server http://COORDINATOR:8484 to download it, or --binary FILE"
    sb_name=baton-agent-linux-$arch
    fetch "$server/binaries/SHA256SUMS" "$work/SHA256SUMS"
    sb_raw_sum=$(awk -v n="$sb_name" '$2 == n || $2 == "*" n { print $1; exit }' "$work/SHA256SUMS")
    sb_xz_sum=$(awk -v n="$sb_name.xz" '$2 == n || $2 == "*" n { print $1; exit }' "$work/SHA256SUMS")
    if [ -n "$sb_xz_sum" ] && have xz; then
      fetch "$server/binaries/$sb_name.xz" "$work/$sb_name.xz"
      sb_got=$(sha256_of "$work/$sb_name.xz")
      [ "$sb_got" = "$sb_xz_sum" ] || fail "$server/binaries/$sb_name.xz does not match its SHA256SUMS (got $sb_got): nothing installed; download again or rebuild the binaries on the coordinator"
      xz -dc "$work/$sb_name.xz" >"$work/baton-agent" || fail "could not decompress $sb_name.xz: nothing installed; download again"
      rm -f "$work/$sb_name.xz"
      binary_from="$server/binaries/$sb_name.xz"
    elif [ -n "$sb_raw_sum" ]; then
      fetch "$server/binaries/$sb_name" "$work/baton-agent"
      binary_from="$server/binaries/$sb_name"
    else
      fail "$server has no $sb_name (its SHA256SUMS does not list it): run npm run build:binaries where the coordinator runs"
    fi
    if [ -n "$sb_raw_sum" ]; then
      sb_got=$(sha256_of "$work/baton-agent")
      [ "$sb_got" = "$sb_raw_sum" ] || fail "$server/binaries/$sb_name does not match its SHA256SUMS (got $sb_got): nothing installed; download again or rebuild the binaries on the coordinator"
    fi
    binary="$work/baton-agent" binary_how=move
    binary_from="$binary_from (sha256 checked)"
  fi
  sb_elf=$(elf_arch "$binary")
  if [ -n "$sb_elf" ] && [ "$sb_elf" != "$arch" ]; then
    fail "$binary_from is a program for $sb_elf, this ${root:+root }is $arch: use baton-agent-linux-$arch"
  fi
}

stage_unit() {
  if [ -n "$opt_unit" ]; then
    [ -f "$opt_unit" ] || fail "--unit $opt_unit: no such file"
    unit_file=$opt_unit
  elif [ -n "$script_dir" ] && [ -f "$script_dir/../systemd/$UNIT" ]; then
    unit_file="$script_dir/../systemd/$UNIT"
  elif [ -n "$server" ]; then
    fetch "$server/$UNIT" "$work/$UNIT"
    unit_file="$work/$UNIT"
  else
    fail "no $UNIT: pass --unit FILE or --server URL, or run this script from a Baton checkout"
  fi
  grep -q '^ExecStart=' "$unit_file" || fail "$unit_file has no ExecStart=: is it $UNIT?"

  docker_unit_file=''
  if [ -n "$root" ] && [ -z "$skip_docker" ] && [ ! -e "$root/usr/bin/dockerd" ]; then
    for su_dir in "$(dirname "$unit_file")" "${script_dir:-/nonexistent}/../systemd"; do
      if [ -f "$su_dir/$DOCKER_UNIT" ]; then docker_unit_file="$su_dir/$DOCKER_UNIT"; break; fi
    done
  fi
}

stage_config() {
  # With a server and a token the agent joins there, and the join tells it its broker.
  joins=''
  if [ -n "$server" ] && [ -n "$token" ]; then joins=1; fi
  if [ -z "$broker" ] && [ -z "$joins" ]; then
    if [ -f "$root$CONFIG" ] && [ -z "$node$token$labels" ]; then
      config_file=''
      return 0
    fi
    fail "no broker: pass --broker mqtt://HOST:1883 (the coordinator's broker), or --server URL and --token TOKEN to join"
  fi
  config_file="$work/agent.env"
  {
    if [ -n "$broker" ]; then printf 'BATON_BROKER=%s\n' "$broker"; fi
    if [ -n "$node" ]; then printf 'BATON_NODE=%s\n' "$node"; fi
    if [ -n "$labels" ]; then printf 'BATON_LABELS=%s\n' "$labels"; fi
    if [ -n "$joins" ]; then printf 'BATON_SERVER=%s\n' "$server"; fi
    if [ -n "$token" ]; then printf 'BATON_TOKEN=%s\n' "$token"; fi
  } >"$config_file"
}

ensure_docker() {
  if [ -n "$root" ]; then
    if [ -e "$root/usr/bin/dockerd" ]; then say "docker: present in $root"; fi
    return 0
  fi
  if have dockerd || [ -x /usr/bin/dockerd ]; then
    say "docker: present ($(command -v dockerd || echo /usr/bin/dockerd))"
  elif [ -n "$skip_docker" ]; then
    say "docker: missing, not installed (--skip-docker): the agent waits for a Docker engine"
  else
    have apt-get || fail "Docker is missing and apt-get is not here: install Docker Engine yourself, then run this again with --skip-docker"
    say "docker: installing docker.io with apt-get (a few minutes on a Pi)"
    quietly env DEBIAN_FRONTEND=noninteractive apt-get update || fail "apt-get update failed: check the network and /etc/apt/sources.list, or install docker.io yourself"
    quietly env DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io || fail "apt-get install -y docker.io failed (output above): install it yourself, then run this again"
    say "docker: installed docker.io"
  fi
}

install_agent() {
  if [ -z "$root" ] && [ "$(id -u)" != 0 ]; then
    fail "run as root: sudo sh install-agent.sh ..., or pipe into 'sudo sh -s -- ...' (or pass --root DIR)"
  fi
  if [ -z "$root" ]; then
    have systemctl || fail "systemctl is not here: Baton's agent runs as a systemd service (Raspberry Pi OS and Debian have systemd)"
  else
    have systemctl || fail "systemctl is not here: it enables the unit in $root (apt-get install -y systemd)"
  fi
  detect_arch
  say "arch: $arch ($arch_source)"
  make_work_dir
  # Everything is fetched and checked before anything is changed.
  stage_binary
  stage_unit
  stage_config
  ensure_docker

  changed=''
  unit_changed=''
  if [ -d "$root$STATE_DIR" ]; then
    if [ "$(stat -c %a "$root$STATE_DIR")" != 700 ]; then chmod 700 "$root$STATE_DIR"; fi
  else
    mkdir -p "$root$STATE_DIR"
    chmod 700 "$root$STATE_DIR"
    say "state $root$STATE_DIR: created"
  fi
  ia_verb=installed
  if [ -e "$root$PROGRAM" ]; then ia_verb=replaced; fi
  if put_file "$binary" "$root$PROGRAM" 755 "$binary_how"; then
    changed=1
    say "program $root$PROGRAM: $ia_verb from $binary_from"
  else
    say "program $root$PROGRAM: unchanged"
  fi
  if [ -z "$config_file" ]; then
    say "config $root$CONFIG: kept (no settings given)"
  else
    ia_verb=written
    if [ -e "$root$CONFIG" ]; then ia_verb=replaced; fi
    if put_file "$config_file" "$root$CONFIG" 600; then
      changed=1
      say "config $root$CONFIG: $ia_verb (mode 0600)"
    else
      say "config $root$CONFIG: unchanged"
    fi
  fi
  ia_verb=installed
  if [ -e "$root$UNIT_DIR/$UNIT" ]; then ia_verb=replaced; fi
  if put_file "$unit_file" "$root$UNIT_DIR/$UNIT" 644; then
    changed=1 unit_changed=1
    say "unit $root$UNIT_DIR/$UNIT: $ia_verb"
  else
    say "unit $root$UNIT_DIR/$UNIT: unchanged"
  fi

  if [ -n "$root" ]; then
    install_docker_unit
    if unit_ctl is-enabled --quiet "$UNIT" 2>/dev/null; then
      say "$UNIT: enabled already"
    else
      quietly unit_ctl enable "$UNIT" || fail "systemctl --root=$root enable $UNIT failed (output above)"
      changed=1
      say "$UNIT: enabled in $root; it starts on the first boot"
    fi
  else
    start_agent
  fi
  if [ -z "$changed" ]; then say "baton-agent is up to date: nothing changed"; else say "done"; fi
}

# On an SD card Docker cannot be installed now: a oneshot unit installs docker.io on the
# first boot (only when /usr/bin/dockerd is missing), before the agent starts.
install_docker_unit() {
  [ -z "$skip_docker" ] || { say "docker: not arranged (--skip-docker)"; return 0; }
  [ ! -e "$root/usr/bin/dockerd" ] || return 0
  if [ -z "$docker_unit_file" ]; then
    say "docker: missing in $root and no $DOCKER_UNIT beside the unit: install docker.io on the Pi yourself after the first boot"
    return 0
  fi
  idu_verb=installed
  if [ -e "$root$UNIT_DIR/$DOCKER_UNIT" ]; then idu_verb=replaced; fi
  if put_file "$docker_unit_file" "$root$UNIT_DIR/$DOCKER_UNIT" 644; then
    changed=1
    say "unit $root$UNIT_DIR/$DOCKER_UNIT: $idu_verb (docker.io is installed on the first boot)"
  else
    say "unit $root$UNIT_DIR/$DOCKER_UNIT: unchanged"
  fi
  if ! unit_ctl is-enabled --quiet "$DOCKER_UNIT" 2>/dev/null; then
    quietly unit_ctl enable "$DOCKER_UNIT" || fail "systemctl --root=$root enable $DOCKER_UNIT failed (output above)"
    changed=1
    say "$DOCKER_UNIT: enabled in $root"
  fi
}

start_agent() {
  if ! systemd_running; then
    if ! unit_ctl is-enabled --quiet "$UNIT" 2>/dev/null; then
      quietly unit_ctl enable "$UNIT" || fail "systemctl enable $UNIT failed (output above)"
      changed=1
      say "$UNIT: enabled"
    fi
    say "systemd is not running here (no /run/systemd/system): the agent is installed and enabled for the next boot; nothing was started"
    return 0
  fi
  if [ -n "$unit_changed" ]; then
    quietly systemctl daemon-reload || fail "systemctl daemon-reload failed (output above)"
    say "systemd: reloaded"
  fi
  sa_enabled=''
  if systemctl is-enabled --quiet "$UNIT" 2>/dev/null; then sa_enabled=1; fi
  if [ -n "$no_start" ]; then
    if [ -z "$sa_enabled" ]; then
      quietly systemctl enable "$UNIT" || fail "systemctl enable $UNIT failed (output above)"
      changed=1
      say "$UNIT: enabled, not started (--no-start)"
    else
      say "$UNIT: enabled; not started or restarted (--no-start)"
    fi
    return 0
  fi
  if systemctl is-active --quiet "$UNIT"; then
    if [ -z "$sa_enabled" ]; then
      quietly systemctl enable "$UNIT" || fail "systemctl enable $UNIT failed (output above)"
      say "$UNIT: enabled"
    fi
    if [ -n "$changed" ]; then
      quietly systemctl restart "$UNIT" || fail "systemctl restart $UNIT failed: see journalctl -u $UNIT"
      say "$UNIT: restarted (its containers keep running)"
    else
      say "$UNIT: running"
    fi
  elif [ -z "$sa_enabled" ]; then
    quietly systemctl enable --now "$UNIT" || fail "systemctl enable --now $UNIT failed: see journalctl -u $UNIT"
    changed=1
    say "$UNIT: enabled and started"
  else
    quietly systemctl start "$UNIT" || fail "systemctl start $UNIT failed: see journalctl -u $UNIT"
    changed=1
    say "$UNIT: started"
  fi
}

# --- uninstall -----------------------------------------------------------------------

remove_file() {
  if [ -e "$1" ] || [ -L "$1" ]; then
    rm -f "$1"
    say "$2 $1: removed"
    removed=1
  fi
}

uninstall_agent() {
  if [ -z "$root" ] && [ "$(id -u)" != 0 ]; then
    fail "run as root: sudo sh install-agent.sh --uninstall (or pass --root DIR)"
  fi
  removed=''
  # The node whose containers --purge removes: the configured name, else the agent's
  # default, the hostname in lowercase.
  ua_node=''
  if [ -f "$root$CONFIG" ]; then ua_node=$(sed -n 's/^BATON_NODE=//p' "$root$CONFIG" | tail -n 1); fi
  if [ -z "$ua_node" ] && [ -z "$root" ]; then ua_node=$(uname -n | tr 'A-Z' 'a-z'); fi

  for ua_unit in "$UNIT" "$DOCKER_UNIT"; do
    [ -e "$root$UNIT_DIR/$ua_unit" ] || continue
    if systemd_running; then
      if systemctl is-active --quiet "$ua_unit"; then
        quietly systemctl stop "$ua_unit" || fail "systemctl stop $ua_unit failed (output above)"
        say "$ua_unit: stopped (its containers keep running)"
      fi
    fi
    if have systemctl && unit_ctl is-enabled --quiet "$ua_unit" 2>/dev/null; then
      quietly unit_ctl disable "$ua_unit" || fail "systemctl disable $ua_unit failed (output above)"
      say "$ua_unit: disabled"
    fi
  done
  remove_file "$root$UNIT_DIR/$UNIT" unit
  remove_file "$root$UNIT_DIR/$DOCKER_UNIT" unit
  remove_file "$root$PROGRAM" program
  remove_file "$root$CONFIG" config
  rmdir "$root/etc/baton" 2>/dev/null || true
  if systemd_running && [ -n "$removed" ]; then
    quietly systemctl daemon-reload || fail "systemctl daemon-reload failed (output above)"
    say "systemd: reloaded"
  fi

  if [ -z "$purge" ]; then
    if [ -d "$root$STATE_DIR" ]; then say "state $root$STATE_DIR: kept (--purge removes it)"; fi
  else
    if [ -d "$root$STATE_DIR" ]; then
      rm -rf "$root$STATE_DIR"
      rmdir "$root/var/lib/baton" 2>/dev/null || true
      say "state $root$STATE_DIR: removed"
      removed=1
    fi
    purge_containers
  fi
  if [ -z "$removed" ]; then say "baton-agent is not installed${root:+ in $root}: nothing to remove"; else say "done"; fi
}

purge_containers() {
  if [ -n "$root" ]; then
    say "containers: not touched (--root: they belong to that machine's Docker)"
    return 0
  fi
  if ! have docker; then
    say "containers: none (docker is not here)"
    return 0
  fi
  pc_ids=$(docker ps -aq --filter "label=$NODE_LABEL=$ua_node" </dev/null) ||
    fail "docker ps failed: is Docker running? Remove the containers labelled $NODE_LABEL=$ua_node yourself"
  if [ -z "$pc_ids" ]; then
    say "containers: none labelled $NODE_LABEL=$ua_node"
    return 0
  fi
  # shellcheck disable=SC2086
  quietly docker rm -f $pc_ids || fail "docker rm -f failed (output above)"
  say "containers: removed $(printf '%s\n' "$pc_ids" | wc -l | tr -d ' ') labelled $NODE_LABEL=$ua_node"
  removed=1
}

# Everything runs from here, after the whole script has been read: piped into sh, a
# partial download runs nothing, and no command can eat the rest of the script on stdin.
main() {
  umask 022
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  find_script_dir
  parse_args "$@"
  if [ -n "$uninstall" ]; then uninstall_agent; else install_agent; fi
}

main "$@"
