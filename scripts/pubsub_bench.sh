#!/usr/bin/env bash
# PUBLISH fan-out beside redis-server: SUBSCRIBERS redis-cli subscribers on one channel, then
# redis-benchmark publishing to it (pipeline 16, 10 clients). Servers pinned to CPU 0, clients to
# CPU 1. Prints publishes/s, messages delivered/s and server CPU µs per publish, and the ratio.
# Env: SUBSCRIBERS (50), PUBLISHES (200000), SKIP_BUILD.
set -euo pipefail
cd "$(dirname "$0")/.."
SUBS=${SUBSCRIBERS:-50}
N=${PUBLISHES:-200000}
[ -n "${SKIP_BUILD:-}" ] || cargo build --release -q -p ferrokv-server
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
TICK=$(getconf CLK_TCK)
PIDS=()
DIRS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for d in "${DIRS[@]}"; do rm -rf "$d"; done
}
trap cleanup EXIT
run() {
  local name=$1; shift
  local port dir spid
  port=$(free_port); dir=$(mktemp -d); DIRS+=("$dir")
  taskset -c 0 "$@" --port "$port" --bind 127.0.0.1 --dir "$dir" >"$dir/log" 2>&1 &
  spid=$!; PIDS+=("$spid")
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  local subs=()
  for _ in $(seq "$SUBS"); do
    taskset -c 1 redis-cli -p "$port" subscribe bench >/dev/null 2>&1 &
    subs+=($!); PIDS+=($!)
  done
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$port" pubsub numsub bench | tail -1)" = "$SUBS" ] && break; sleep 0.05
  done
  local before after rps
  before=$(awk '{print $14+$15}' "/proc/$spid/stat")
  rps=$(taskset -c 1 redis-benchmark -p "$port" -n "$N" -c 10 -P 16 --csv publish bench hello-subscribers 2>/dev/null | tail -1 | cut -d, -f2 | tr -d '"')
  after=$(awk '{print $14+$15}' "/proc/$spid/stat")
  local cpu_us
  cpu_us=$(python3 -c "print(($after - $before) * 1e6 / $TICK / $N)")
  printf '%-8s %12.0f %16.0f %14.2f\n' "$name" "$rps" "$(python3 -c "print($rps * $SUBS)")" "$cpu_us"
  for s in "${subs[@]}"; do kill "$s" 2>/dev/null || true; done
  echo "$rps" >"$dir/rps"
  RESULT=$rps
}
printf '%-8s %12s %16s %14s\n' server "publishes/s" "messages/s" "cpu µs/publish"
run ferrokv "${FERROKV_BIN:-target/release/ferrokv-server}" --http-port 0 --appendonly no --save ''
F=$RESULT
run redis redis-server --save '' --appendonly no --daemonize no
R=$RESULT
python3 -c "print(f'ratio ferrokv/redis (publishes/s): {$F / $R:.2f}x  ($SUBS subscribers)')"
