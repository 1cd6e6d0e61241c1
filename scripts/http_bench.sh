#!/usr/bin/env bash
# HTTP API throughput beside RESP at pipeline depth 1, on the same server: GET and PUT of random
# keys (redis-benchmark's key:%012d names) from a filled keyspace (wrk, 50 connections) against GET and SET (redis-benchmark -P 1,
# 50 clients). Server pinned to CPU 0, load generator to CPU 1, as scripts/bench.sh does.
# Needs: wrk, redis-tools.  Env: SECONDS_PER_RUN (default 10), KEYS (default 100000).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${FERROKV_BIN:-target/release/ferrokv-server}
DURATION=${SECONDS_PER_RUN:-10}
KEYS=${KEYS:-100000}
[ -n "${SKIP_BUILD:-}" ] || cargo build --release -q -p ferrokv-server
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RESP=$(free_port)
HTTP=$(free_port)
DIR=$(mktemp -d)
taskset -c 0 "$BIN" --port "$RESP" --http-port "$HTTP" --appendonly no --save '' --dir "$DIR" >"$DIR/log" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do redis-cli -p "$RESP" ping >/dev/null 2>&1 && break; sleep 0.05; done
python3 -c "
import sys
for i in range($KEYS):
    k = 'key:%012d' % i
    sys.stdout.write('*3\r\n\$3\r\nSET\r\n\$%d\r\n%s\r\n\$16\r\n0123456789abcdef\r\n' % (len(k), k))
" | redis-cli -p "$RESP" --pipe >/dev/null
cat >"$DIR/get.lua" <<LUA
request = function() return wrk.format("GET", string.format("/v1/keys/key:%012d", math.random(0, $KEYS - 1))) end
LUA
cat >"$DIR/put.lua" <<LUA
request = function() return wrk.format("PUT", string.format("/v1/keys/key:%012d", math.random(0, $KEYS - 1)), nil, "0123456789abcdef") end
LUA
wrk_rps() { taskset -c 1 wrk -t1 -c50 -d"${DURATION}s" -s "$1" "http://127.0.0.1:$HTTP" | awk '/Requests\/sec/ {print $2}'; }
resp_rps() { taskset -c 1 redis-benchmark -p "$RESP" -t "$1" -P 1 -c 50 -r "$KEYS" -n $((DURATION * 80000)) --csv 2>/dev/null | tail -1 | cut -d, -f2 | tr -d '"'; }
printf '%-6s %14s %14s %8s\n' op "HTTP req/s" "RESP P1 ops/s" "HTTP/RESP"
for op in get put; do
  h=$(wrk_rps "$DIR/$op.lua")
  cmd=$([ "$op" = get ] && echo get || echo set)
  r=$(resp_rps "$cmd")
  printf '%-6s %14.0f %14.0f %8.2f\n' "$op" "$h" "$r" "$(python3 -c "print($h / $r)")"
done
