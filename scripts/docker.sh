#!/usr/bin/env bash
# A Docker engine of our own for the kind tests: never a host-wide daemon.
#
#   scripts/docker.sh start   install docker.io from Debian if dockerd is missing, start a
#                             dockerd with its own data root, exec root and unix socket under
#                             the cache folder, probe whether a privileged container starts
#   scripts/docker.sh env     print the exports that point clients at it (eval "$(... env)")
#   scripts/docker.sh stop    stop the dockerd this script started (and nothing else)
#   scripts/docker.sh status  say whether it runs and whether the privileged wrapper is needed
#
# When the machine's capability bounding set lacks capabilities Docker grants to privileged
# containers, `docker run --privileged` fails; kind always uses it. Then `env` also puts
# scripts/unprivileged/docker first on PATH, a wrapper that spells --privileged out as what is
# allowed. On an ordinary machine the probe passes and the wrapper is not used.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${FLIGHTSCHOOL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flightschool}"
root="$cache/docker"
sock="$root/docker.sock"
pidfile="$root/dockerd.pid"
log="$root/dockerd.log"
probe_result="$root/privileged-probe"
export DOCKER_HOST="unix://$sock"

ours_running() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile")"
  [ -d "/proc/$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--data-root $root/data"
}

install_docker() {
  command -v dockerd >/dev/null 2>&1 && return 0
  echo "installing Debian packages: docker.io"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends docker.io
}

# A tiny image to probe with: the host's `true` and the libraries it needs, no registry.
probe_image() {
  docker image inspect flightschool/probe:1 >/dev/null 2>&1 && return 0
  local dir
  dir="$(mktemp -d)"
  mkdir -p "$dir/bin"
  cp "$(type -P true)" "$dir/bin/true"
  for lib in $(ldd "$(type -P true)" | grep -o '/[^ ]*'); do
    mkdir -p "$dir$(dirname "$lib")"
    cp -L "$lib" "$dir$lib"
  done
  tar -C "$dir" -c . | docker import - flightschool/probe:1 >/dev/null
  rm -rf "$dir"
}

probe_privileged() {
  probe_image
  if docker run --rm --privileged flightschool/probe:1 /bin/true >"$root/probe.log" 2>&1; then
    echo "privileged" >"$probe_result"
  else
    echo "wrapper" >"$probe_result"
  fi
}

start() {
  install_docker
  mkdir -p "$root/data" "$root/exec"
  if ! ours_running; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    # setsid: the daemon outlives this script but not `stop`
    $sudo setsid dockerd --data-root "$root/data" --exec-root "$root/exec" \
      --host "unix://$sock" --pidfile "$pidfile" --bridge none --iptables=true \
      >"$log" 2>&1 </dev/null &
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && break
      sleep 0.5
    done
    if ! docker info >/dev/null 2>&1; then
      echo "dockerd did not start; see $log" >&2
      tail -n 20 "$log" >&2
      exit 2
    fi
  fi
  [ -f "$probe_result" ] || probe_privileged
  # Every rebuild of a tag (the app image, a lab's learner image) leaves the image it
  # replaced untagged here: about 2 GB a test run, 30 GB after a day of runs. This engine
  # is ours alone, so what no tag or container holds goes.
  docker image prune --force >/dev/null 2>&1 || echo "could not remove untagged images" >&2
  echo "dockerd running: DOCKER_HOST=$DOCKER_HOST ($(cat "$probe_result") containers for kind)"
}

stop() {
  if ours_running; then
    local pid
    pid="$(cat "$pidfile")"
    kill "$pid"
    for _ in $(seq 1 40); do
      [ -d "/proc/$pid" ] || break
      sleep 0.5
    done
    echo "dockerd stopped"
  fi
  rm -f "$probe_result"
}

env_exports() {
  echo "export DOCKER_HOST=$DOCKER_HOST"
  if [ "$(cat "$probe_result" 2>/dev/null)" = "wrapper" ]; then
    echo "export PATH=$here/unprivileged:\$PATH"
  fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env) env_exports ;;
status)
  if ours_running; then
    echo "running ($(cat "$probe_result" 2>/dev/null || echo unprobed)); DOCKER_HOST=$DOCKER_HOST"
  else
    echo "not running"
    exit 1
  fi
  ;;
*)
  echo "usage: $0 start|stop|env|status" >&2
  exit 2
  ;;
esac
