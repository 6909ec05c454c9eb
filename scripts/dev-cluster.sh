#!/usr/bin/env bash
# A working one-machine Baton cluster: the coordinator with its embedded MQTT broker on
# 127.0.0.1:1883 (TLS on 8883) and its installer and join endpoint on 127.0.0.1:8484, one
# agent on the local Docker engine that joins with a token, then the example applied.
# The CLI's admin credentials are copied to ~/.config/baton/admin.json (an older, other
# file there is kept as admin.json.bak).
#   scripts/dev-cluster.sh          start (or restart) it
#   scripts/dev-cluster.sh stop     stop both daemons (the pods' containers keep running
#                                   until you `baton delete` them)
# State and logs live in .baton/ in this folder.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
state="$root/.baton"
baton() { BATON_CREDENTIALS="$state/coordinator/admin.json" node "$root/dist/baton.js" "$@"; }

stop_daemons() {
  for name in agent coordinator; do
    pidfile="$state/$name.pid"
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      kill "$(cat "$pidfile")"
      for _ in $(seq 1 50); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
  done
}

wait_until() { # wait_until SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq 1 $((seconds * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  echo "dev-cluster: timed out waiting for $what; logs are in $state/" >&2
  exit 1
}

if [ "${1:-}" = stop ]; then
  stop_daemons
  echo "dev-cluster: stopped"
  exit 0
fi

scripts/setup.sh
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
mkdir -p "$state"
stop_daemons

node dist/baton-coordinator.js --listen 127.0.0.1:1883 --listen-tls 127.0.0.1:8883 \
  --http 127.0.0.1:8484 --anonymous-read --state-dir "$state/coordinator" \
  >"$state/coordinator.log" 2>&1 &
echo $! >"$state/coordinator.pid"
coordinator_up() { [ -f "$state/coordinator/admin.json" ] && baton get nodes; }
wait_until 30 "the coordinator" coordinator_up
config="${XDG_CONFIG_HOME:-$HOME/.config}/baton"
mkdir -p "$config"
if [ -f "$config/admin.json" ] && ! cmp -s "$config/admin.json" "$state/coordinator/admin.json"; then
  mv "$config/admin.json" "$config/admin.json.bak"
fi
install -m 0600 "$state/coordinator/admin.json" "$config/admin.json"
# A token for the agent; once joined it keeps its credentials in $state/agent.
token=$(baton token create --ttl 10m --description dev-cluster)
node dist/baton-agent.js --server http://127.0.0.1:8484 --token "$token" --state-dir "$state/agent" \
  >"$state/agent.log" 2>&1 &
echo $! >"$state/agent.pid"

node_ready() { baton get nodes | grep -q ' Ready '; }
wait_until 30 "the node to be Ready" node_ready
baton apply -f examples/hello.yaml
pods_running() { [ "$(baton get pods | grep -c ' Running ')" -ge 2 ]; }
wait_until 60 "the example pods to run" pods_running

baton get nodes
echo
baton get pods -o wide
cat <<MSG

Baton is running: coordinator + embedded broker on 127.0.0.1:1883 (TLS 8883), one agent.
  node dist/baton.js get pods            # or: npm link, then baton get pods
  mosquitto_sub -t 'baton/v1/nodes/+/status' -t 'baton/v1/nodes/+/pods/+' -v   # what makers see
  scripts/dev-cluster.sh stop            # stop the daemons
MSG
