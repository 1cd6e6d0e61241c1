#!/usr/bin/env bash
# Start-up load time of one dump.rdb, ferrokv beside redis-server.
#
# redis-server builds the file: DEBUG POPULATE of KEYS strings (32-byte values) plus 50,000
# each of small hashes, lists and sorted sets, then SAVE. Each server then starts on that file
# RUNS times, pinned to CPU 0 (`taskset`), with the AOF off; the time is what each server logs
# ("DB loaded from ...: X seconds" here, "DB loaded from disk: X seconds" for Redis). Prints the
# median of each and the ratio ferrokv/redis (below 1: ferrokv loads faster).
#
#   scripts/rdb_load_bench.sh            # KEYS=1000000 RUNS=3
#   FERROKV=path/to/ferrokv-server KEYS=2000000 scripts/rdb_load_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FERROKV=${FERROKV:-$PWD/target/release/ferrokv-server}
KEYS=${KEYS:-1000000}
RUNS=${RUNS:-3}
PORT=${PORT:-6421}
[ -x "$FERROKV" ] || cargo build --release -p ferrokv-server
work=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --enable-debug-command yes --dir "$work" >"$work/gen.log" 2>&1 &
pid=$!
until redis-cli -p "$PORT" PING >/dev/null 2>&1; do sleep 0.05; done
redis-cli -p "$PORT" DEBUG POPULATE "$KEYS" key 32 >/dev/null
redis-cli -p "$PORT" EVAL "for i=1,50000 do
    redis.call('HSET','h'..i,'a',i,'b',i,'c',i)
    redis.call('RPUSH','l'..i,'x','y','z')
    redis.call('ZADD','z'..i,i,'m1',i+1,'m2') end return 1" 0 >/dev/null
redis-cli -p "$PORT" SAVE >/dev/null
redis-cli -p "$PORT" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
wait "$pid" 2>/dev/null || true
pid=
echo "dump.rdb: $(stat -c %s "$work/dump.rdb") bytes, $((KEYS + 150000)) keys"

# Starts one server on the file, waits until it has loaded, prints the time it logged.
load_once() {
    local log=$work/load.log
    : >"$log"
    if [ "$1" = ferrokv ]; then
        taskset -c 0 "$FERROKV" --port "$PORT" --bind 127.0.0.1 --http-port 0 \
            --appendonly no --save '' --dir "$work" >"$log" 2>&1 &
    else
        taskset -c 0 redis-server --port "$PORT" --bind 127.0.0.1 --save '' \
            --appendonly no --dir "$work" >"$log" 2>&1 &
    fi
    pid=$!
    until grep -q "DB loaded" "$log"; do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.05
    done
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
    grep "DB loaded" "$log" | grep -oE '[0-9]+\.[0-9]+ seconds' | cut -d' ' -f1
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ours=$(for _ in $(seq "$RUNS"); do load_once ferrokv; done | median)
theirs=$(for _ in $(seq "$RUNS"); do load_once redis; done | median)
echo "load time (median of $RUNS, one CPU): ferrokv ${ours} s, redis ${theirs} s"
awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "ratio ferrokv/redis: %.2f\n", a / b}'
