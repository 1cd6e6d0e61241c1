#!/usr/bin/env bash
# scripts/aof_bench.sh - SET throughput with the append-only file on, ferrokv beside redis-server,
# for each appendfsync policy, same method as bench.sh (servers on CPU 0, redis-benchmark on CPU
# 1, 50 clients, alternating order), and the ratio ferrokv/redis.
#
# Usage: scripts/aof_bench.sh            (POLICIES="always everysec", PIPELINES="1 16", REPS=3)
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
POLICIES=${POLICIES:-always everysec}
PIPELINES=${PIPELINES:-1 16}
REPS=${REPS:-3}
REQUESTS=${REQUESTS:-100000}
BIN=${FERROKV_BIN:-$ROOT/target/release/ferrokv-server}
[[ ${SKIP_BUILD:-0} == 1 ]] || (cd "$ROOT" && cargo build --release -p ferrokv-server >&2)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferrokv-aof-bench.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ready() { for _ in $(seq 100); do [[ $(redis-cli -p "$1" ping 2>/dev/null) == PONG ]] && return; sleep 0.1; done; echo "no PONG on $1" >&2; exit 1; }
rps() { taskset -c 1 redis-benchmark -p "$1" -t set -c 50 -P "$2" -r 100000 -n "$3" --csv | tail -n 1 | cut -d, -f2 | tr -d '"'; }
printf '%-9s %-4s %14s %14s %7s\n' policy pipe ferrokv redis ratio
for policy in $POLICIES; do
    mkdir -p "$WORK/$policy/ours" "$WORK/$policy/redis"
    po=$(port); pr=$(port)
    taskset -c 0 "$BIN" --port "$po" --bind 127.0.0.1 --http-port 0 --save '' --appendonly yes \
        --appendfsync "$policy" --dir "$WORK/$policy/ours" >"$WORK/$policy/ours.log" 2>&1 &
    PIDS+=($!)
    taskset -c 0 redis-server --port "$pr" --bind 127.0.0.1 --save '' --appendonly yes \
        --appendfsync "$policy" --dir "$WORK/$policy/redis" >"$WORK/$policy/redis.log" 2>&1 &
    PIDS+=($!)
    ready "$po"; ready "$pr"
    for p in $PIPELINES; do
        n=$(( p == 1 ? REQUESTS : REQUESTS * 5 ))
        ours=(); theirs=()
        for ((r = 0; r < REPS; r++)); do
            if (( r % 2 )); then theirs+=("$(rps "$pr" "$p" "$n")"); ours+=("$(rps "$po" "$p" "$n")")
            else ours+=("$(rps "$po" "$p" "$n")"); theirs+=("$(rps "$pr" "$p" "$n")"); fi
        done
        python3 - "$policy" "$p" "${ours[*]}" "${theirs[*]}" <<'PY'
import statistics, sys
policy, p, a, b = sys.argv[1], sys.argv[2], list(map(float, sys.argv[3].split())), list(map(float, sys.argv[4].split()))
ratio = statistics.median(x / y for x, y in zip(a, b))
print(f"{policy:<9} P{p:<3} {statistics.median(a):14,.0f} {statistics.median(b):14,.0f} {ratio:6.2f}x")
PY
    done
done
