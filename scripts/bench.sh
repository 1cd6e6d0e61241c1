#!/usr/bin/env bash
# scripts/bench.sh - compare ferrokv against redis-server on this machine.
#
# Usage:  scripts/bench.sh                      # build release, full run (~5-8 min on 2 cores)
#         SKIP_BUILD=1 REQUESTS=20000 REPS=1 scripts/bench.sh      # quick smoke run
#         FERROKV_BIN=/usr/bin/redis-server SKIP_BUILD=1 scripts/bench.sh   # redis vs redis
#
# Both servers are pinned to CPU $SERVER_CPU (all their threads), redis-benchmark
# (single-threaded) to CPU $CLIENT_CPU; everything binds 127.0.0.1 only. For every
# test x pipeline depth the two servers are run alternately (A B, B A, ...) for REPS
# repetitions; the report gives per-cell medians, the median per-repetition ops/s
# ratio ferrokv/redis, the geometric mean of the ratios per pipeline depth, and an
# RSS-per-key memory comparison. The report goes to stdout and to $OUT.
#
# Environment knobs (defaults in brackets):
#   SKIP_BUILD=1     don't run `cargo build --release -p ferrokv-server`      [0]
#   FERROKV_BIN      server binary under test       [<repo>/target/release/ferrokv-server]
#   FERROKV_ARGS     extra flags after `--port P --bind 127.0.0.1` (shell-quoted string)
#                    [`--appendonly no --save ''` (persistence off, as redis-server is run);
#                     `--save '' --appendonly no --daemonize no` if FERROKV_BIN is redis-server]
#                    Each server runs with its own temp dir under $WORK as working directory, so
#                    whatever it writes (ferrokv's default dir is ./data) stays there.
#   REQUESTS         -n for pipeline 1; pipeline <=16 uses 5x, deeper uses 10x   [250000]
#   REPS             repetitions per cell (>=3 recommended for medians)          [3]
#   TESTS            redis-benchmark -t list   [set,get,incr,mset,lpush,lpop,sadd,hset,zadd,lrange_100,evalsha,xadd,xreadgroup,xrange_10]
#                    (lpush/lpop/sadd/hset/zadd each hit one key; lpop drains what lpush pushed)
#                    evalsha is not a redis-benchmark test: it runs a fixed-window rate limiter
#                    (INCR, EXPIRE on the first hit, compare) with EVALSHA on rl:<random key>,
#                    the script loaded with SCRIPT LOAD on both servers first; xadd appends
#                    `* field <random>` to one stream (bench:stream); xreadgroup delivers the next
#                    entry of it to a consumer of group g (XREADGROUP GROUP g c COUNT 1 STREAMS
#                    bench:stream >, each entry joining the PEL; the group is created on both
#                    servers first); xrange_10 reads the first 10 entries (XRANGE - + COUNT 10)
#                    Opt-in bitmap tests (not in the default list): bitcount_64mb counts the bits of a
#                    64 MB random string (BITCOUNT bench:bits64m); bitop_1mb ANDs two 1 MB random
#                    strings into a third (BITOP AND bench:bitsd bench:bits1m bench:bits1m2);
#                    pfcount_16 counts the union of 16 dense HyperLogLogs of 100,000 elements each
#                    (PFCOUNT bench:hll:0 ... bench:hll:15);
#                    bitfield_incr counts in one 8-bit field (BITFIELD bench:bitmap INCRBY u8 #100 1;
#                    redis-benchmark's zero-padded __rand_int__ is no valid offset, so one field)
#   ZSET_PREFILL     members ZADD finds in myzset before the runs (a 1M-member ZADD)  [1000000]
#   MEM_KINDS        memory tests: string (key -> 16 B), hash (5 fields), zset (5 members),
#                    stream (MEM_KEYS entries of 2 fields, 100 to a stream; bytes per entry)
#                                                                  [string hash zset stream]
#   PIPELINES        pipeline depths                                [1 16 64]
#   CLIENTS          redis-benchmark -c                             [50]
#   KEYSPACE         redis-benchmark -r (keyspace is pre-filled)    [1000000]
#   MEM_KEYS         keys loaded for the memory test                [1000000]
#   SKIP_MEM=1       skip the memory test                           [0]
#   ACL=1            run the benchmarks as an ACL user whose key patterns cover every benchmark
#                    key (ACL SETUSER bench on >bench ~key:* ~counter:* ~my* ~bench:* ~rl:* +@all),
#                    on both servers, so the permission check (commands and keys) is in every
#                    figure                                          [0]
#   SERVER_CPU / CLIENT_CPU   CPUs for the servers / redis-benchmark  [0 / 1]
#   RUN_TIMEOUT      seconds before one redis-benchmark run is abandoned  [300]
#   OUT              report file                                    [<repo>/target/bench-latest.txt]
#
# Exit status: 0 ok, 1 setup error, 2 report written but some run failed or a
# DBSIZE/load check did not match.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

REQUESTS=${REQUESTS:-250000}
REPS=${REPS:-3}
TESTS=${TESTS:-set,get,incr,mset,lpush,lpop,sadd,hset,zadd,lrange_100,evalsha,xadd,xreadgroup,xrange_10}
MEM_KINDS=${MEM_KINDS:-string hash zset stream}
ZSET_PREFILL=${ZSET_PREFILL:-1000000}
PIPELINES=${PIPELINES:-1 16 64}
CLIENTS=${CLIENTS:-50}
KEYSPACE=${KEYSPACE:-1000000}
MEM_KEYS=${MEM_KEYS:-1000000}
SKIP_BUILD=${SKIP_BUILD:-0}
SKIP_MEM=${SKIP_MEM:-0}
ACL=${ACL:-0}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
FERROKV_BIN=${FERROKV_BIN:-$ROOT/target/release/ferrokv-server}
OUT=${OUT:-$ROOT/target/bench-latest.txt}
HOST=127.0.0.1

log() { printf '[bench] %s\n' "$*" >&2; }
warn() { printf '[bench] WARNING: %s\n' "$*" >&2; }
die() { printf '[bench] ERROR: %s\n' "$*" >&2; exit 1; }

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
for v in REQUESTS REPS CLIENTS KEYSPACE MEM_KEYS RUN_TIMEOUT ZSET_PREFILL; do
    if ! is_uint "${!v}" || (( ${!v} == 0 )); then die "$v must be a positive integer (got '${!v}')"; fi
done
read -r -a PIPES <<<"$PIPELINES"
(( ${#PIPES[@]} > 0 )) || die "PIPELINES is empty"
for p in "${PIPES[@]}"; do
    if ! is_uint "$p" || (( p == 0 )); then die "bad pipeline depth '$p'"; fi
done
IFS=, read -r -a TEST_LIST <<<"$TESTS"
(( ${#TEST_LIST[@]} > 0 )) || die "TESTS is empty"

requests_for() { # pipeline depth -> -n
    if (( $1 <= 1 )); then echo "$REQUESTS"
    elif (( $1 <= 16 )); then echo $(( REQUESTS * 5 ))
    else echo $(( REQUESTS * 10 )); fi
}

# ---------------------------------------------------------------- prerequisites
missing=()
for t in redis-server redis-benchmark redis-cli taskset python3 getconf timeout; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
if (( ${#missing[@]} )); then
    die "missing tools: ${missing[*]} (redis tools: apt-get install -y redis-server redis-tools; taskset: util-linux)"
fi
REDIS_BIN=$(command -v redis-server)
taskset -c "$SERVER_CPU" true 2>/dev/null || die "cannot pin to SERVER_CPU=$SERVER_CPU (nproc=$(nproc))"
taskset -c "$CLIENT_CPU" true 2>/dev/null || die "cannot pin to CLIENT_CPU=$CLIENT_CPU (nproc=$(nproc))"
[[ $SERVER_CPU != "$CLIENT_CPU" ]] || warn "servers and redis-benchmark share CPU $CLIENT_CPU"
CLK_TCK=$(getconf CLK_TCK)

if [[ $SKIP_BUILD != 1 ]]; then
    command -v cargo >/dev/null 2>&1 || die "cargo not found (or set SKIP_BUILD=1 and FERROKV_BIN)"
    log "cargo build --release -p ferrokv-server"
    cargo build --release -p ferrokv-server
fi
[[ -x $FERROKV_BIN ]] || die "ferrokv binary not found or not executable: $FERROKV_BIN (build it, or set FERROKV_BIN)"
FERROKV_BIN=$(cd -- "$(dirname -- "$FERROKV_BIN")" && pwd)/$(basename -- "$FERROKV_BIN")

# Is the binary under test actually redis-server (redis-vs-redis mode)?
OURS_IS_REDIS=0
if [[ $(basename -- "$FERROKV_BIN") == redis-server* ]] \
    || [[ $(readlink -f -- "$FERROKV_BIN") == "$(readlink -f -- "$REDIS_BIN")" ]]; then
    OURS_IS_REDIS=1
fi
if [[ -n ${FERROKV_ARGS+set} ]]; then
    # shell-style split so that e.g. --save '' survives
    python3 -c '
import shlex, sys
sys.stdout.write("".join(a + "\0" for a in shlex.split(sys.argv[1])))' "$FERROKV_ARGS" >"${TMPDIR:-/tmp}/.ferrokv-args.$$" \
        || { rm -f "${TMPDIR:-/tmp}/.ferrokv-args.$$"; die "cannot parse FERROKV_ARGS: $FERROKV_ARGS"; }
    mapfile -d '' -t OURS_EXTRA <"${TMPDIR:-/tmp}/.ferrokv-args.$$"
    rm -f "${TMPDIR:-/tmp}/.ferrokv-args.$$"
elif (( OURS_IS_REDIS )); then
    OURS_EXTRA=(--save '' --appendonly no --daemonize no)
else
    OURS_EXTRA=(--appendonly no --save '')
fi
REDIS_ARGS=(--bind "$HOST" --save '' --appendonly no --daemonize no)

# ---------------------------------------------------------------- process handling
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferrokv-bench.XXXXXX")
PIDS=()

alive() { # running (not a zombie)?
    local st
    [[ -r /proc/$1/stat ]] || return 1
    st=$(</proc/"$1"/stat) 2>/dev/null || return 1
    st=${st##*) }
    [[ ${st:0:1} != Z ]]
}

stop_pid() {
    local pid=$1 i
    if alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for (( i = 0; i < 50; i++ )); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then
            warn "pid $pid ignored SIGTERM for 5s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local pid
    trap - EXIT INT TERM
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do stop_pid "$pid"; done
    rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_ports() { # two distinct free loopback ports
    python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])
for s in ss:
    s.close()'
}

# start_server NAME CMD... ; sets STARTED_PID. Runs in $WORK/NAME, pinned to SERVER_CPU.
start_server() {
    local dir=$WORK/$1
    shift
    mkdir -p "$dir"
    ( cd "$dir" && exec taskset -c "$SERVER_CPU" "$@" ) >"$dir/server.log" 2>&1 &
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
}

server_died() { # NAME PID
    warn "server '$1' (pid $2) is not running; last lines of its log:"
    tail -n 20 "$WORK/$1/server.log" >&2 || true
    exit 1
}

wait_ready() { # NAME PID PORT
    local i
    for (( i = 0; i < 100; i++ )); do
        alive "$2" || server_died "$1" "$2"
        if [[ $(timeout --foreground 2 redis-cli -h "$HOST" -p "$3" ping 2>/dev/null || true) == PONG ]]; then
            return 0
        fi
        sleep 0.1
    done
    die "server '$1' did not answer PING on port $3 within 10s"
}

proc_ticks() { # utime+stime (all threads) of PID, in clock ticks
    local s f
    s=$(</proc/"$1"/stat)
    s=${s##*) }
    read -r -a f <<<"$s"
    echo $(( f[11] + f[12] ))
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# ---------------------------------------------------------------- header
LOAD_START=$(cat /proc/loadavg)
if GIT_SHA=$(git -C "$ROOT" rev-parse --verify -q --short HEAD 2>/dev/null); then
    [[ -z $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]] || GIT_SHA+=" (dirty)"
else
    GIT_SHA=uncommitted
fi
REDIS_VERSION=$(redis-server --version 2>/dev/null || echo unknown)
# Only trust --version if it exits promptly with status 0 and prints something
# (a server that ignores unknown flags would otherwise keep running; timeout kills it).
FERROKV_VERSION=""
if out=$(cd "$WORK" && timeout --foreground -k 1 3 "$FERROKV_BIN" --version 2>/dev/null </dev/null); then
    FERROKV_VERSION=${out%%$'\n'*}
fi
CPU_MODEL=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
[[ -n $CPU_MODEL ]] || CPU_MODEL=$(uname -m)

REQ_DESC=""
for p in "${PIPES[@]}"; do REQ_DESC+="P$p=$(requests_for "$p") "; done

HEADER=$WORK/header.txt
{
    echo "ferrokv benchmark  $(date '+%Y-%m-%d %H:%M:%S %z')"
    echo "loadavg (start)  $LOAD_START"
    echo "git              $GIT_SHA"
    echo "redis-server     $REDIS_VERSION"
    [[ -z $FERROKV_VERSION ]] || echo "ferrokv          $FERROKV_VERSION"
    printf 'ferrokv binary   %s --port P --bind %s' "$FERROKV_BIN" "$HOST"
    (( ${#OURS_EXTRA[@]} == 0 )) || printf ' %q' "${OURS_EXTRA[@]}"
    (( ! OURS_IS_REDIS )) || printf '   [redis-server: redis-vs-redis mode]'
    echo
    echo "cpu              $CPU_MODEL, $(nproc) online; servers pinned to CPU $SERVER_CPU, redis-benchmark to CPU $CLIENT_CPU"
    echo "config           tests=$TESTS reps=$REPS clients=$CLIENTS keyspace=$KEYSPACE requests: ${REQ_DESC% }"
} >"$HEADER"
cat "$HEADER" >&2

# ---------------------------------------------------------------- helpers for loading data
# gen_resp FILE MODE N : write RESP commands.
#   bench:  key:%012d -> "xxx" and counter:%012d -> "0" (the exact keys redis-benchmark -r uses)
#   zfill:  N members element:%012d (redis-benchmark's ZADD members) with random scores in myzset
#   string: key:<n> -> 16-byte value
#   hash:   key:<n> -> 5 fields field:1..field:5 with 8-byte values
#   zset:   key:<n> -> 5 members member:1..member:5 with integer scores
gen_resp() {
    python3 - "$@" <<'PY'
import sys
import random
path, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def resp(*args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
def cmd(k, v):
    return resp(b"SET", k, v)
rng = random.Random(7)
with open(path, "wb", buffering=1 << 20) as f:
    out = []
    for i in range(n):
        if mode == "bench":
            out.append(cmd(b"key:%012d" % i, b"xxx"))
            out.append(cmd(b"counter:%012d" % i, b"0"))
        elif mode == "zfill":
            out.append(resp(b"ZADD", b"myzset", b"%d" % rng.randrange(1000000), b"element:%012d" % i))
        elif mode == "hash":
            args = [b"HSET", b"key:%d" % i]
            for j in range(1, 6):
                args += [b"field:%d" % j, b"v:%06d" % ((i + j) % 1000000)]
            out.append(resp(*args))
        elif mode == "stream":
            # 100 entries a stream, IDs rising within each; DBSIZE is n / 100 rounded up
            out.append(resp(b"XADD", b"stream:%d" % (i // 100), b"%d-1" % (i + 1),
                            b"field:1", b"v:%06d" % (i % 1000000), b"field:2", b"w:%06d" % (i % 999983)))
        elif mode == "zset":
            args = [b"ZADD", b"key:%d" % i]
            for j in range(1, 6):
                args += [b"%d" % ((i * 7 + j * 13) % 1000), b"member:%d" % j]
            out.append(resp(*args))
        else:
            out.append(cmd(b"key:%d" % i, b"val:%012d" % i))  # 16 bytes, not int-encodable
        if len(out) >= 20000:
            f.write(b"".join(out)); out.clear()
    f.write(b"".join(out))
PY
}

# pipe_load PORT FILE EXPECTED_REPLIES : redis-cli --pipe; succeeds only if all replies, 0 errors
pipe_load() {
    local out summary
    out=$(timeout --foreground -k 5 600 redis-cli -h "$HOST" -p "$1" --pipe --pipe-timeout 30 <"$2" 2>&1) || true
    summary=$(grep -E '^errors: [0-9]+, replies: [0-9]+' <<<"$out" | tail -n 1 || true)
    if [[ $summary == "errors: 0, replies: $3" ]]; then
        return 0
    fi
    warn "redis-cli --pipe on port $1: expected 'errors: 0, replies: $3', got: ${summary:-$(tail -n 3 <<<"$out" | tr '\n' ' ')}"
    [[ -n $summary ]] || warn "(redis-cli --pipe ends with an ECHO and waits for its reply; does the server implement ECHO?)"
    return 1
}

# ---------------------------------------------------------------- throughput benchmark
read -r PORT_OURS PORT_REDIS < <(free_ports)
start_server ferrokv "$FERROKV_BIN" --port "$PORT_OURS" --bind "$HOST" ${OURS_EXTRA[@]+"${OURS_EXTRA[@]}"}
PID_OURS=$STARTED_PID
start_server redis "$REDIS_BIN" --port "$PORT_REDIS" "${REDIS_ARGS[@]}"
PID_REDIS=$STARTED_PID
wait_ready ferrokv "$PID_OURS" "$PORT_OURS"
wait_ready redis "$PID_REDIS" "$PORT_REDIS"
log "ferrokv pid $PID_OURS on $HOST:$PORT_OURS, redis pid $PID_REDIS on $HOST:$PORT_REDIS"
AUTH_ARGS=()
if [[ $ACL == 1 ]]; then
    for port in "$PORT_OURS" "$PORT_REDIS"; do
        ok=$(timeout --foreground 10 redis-cli -h "$HOST" -p "$port" acl setuser bench on '>bench' \
            '~key:*' '~counter:*' '~my*' '~bench:*' '~rl:*' '+@all' 2>&1 || true)
        [[ $ok == OK ]] || die "ACL SETUSER on port $port failed: $ok"
    done
    AUTH_ARGS=(--user bench -a bench)
    log "benchmarks run as ACL user bench (key patterns ~key:* ~counter:* ~my* ~bench:* ~rl:*)"
fi

FAILURES=0
log "pre-filling keyspace: $KEYSPACE key:* and counter:* keys per server"
gen_resp "$WORK/fill.resp" bench "$KEYSPACE"
for s in ferrokv redis; do
    if [[ $s == ferrokv ]]; then port=$PORT_OURS; else port=$PORT_REDIS; fi
    if ! pipe_load "$port" "$WORK/fill.resp" $(( 2 * KEYSPACE )); then
        warn "falling back to filling $s with redis-benchmark SET (random keys, ~95% coverage)"
        taskset -c "$CLIENT_CPU" redis-benchmark -h "$HOST" -p "$port" -t set -P 64 -c "$CLIENTS" \
            -r "$KEYSPACE" -n $(( 3 * KEYSPACE )) -q >/dev/null 2>>"$WORK/benchmark.err" \
            || warn "fallback fill of $s failed"
    fi
done
rm -f "$WORK/fill.resp"
if (( ZSET_PREFILL > 0 )) && [[ ,$TESTS, == *,zadd,* ]]; then
    log "pre-filling myzset with $ZSET_PREFILL members per server (ZADD then runs against a large sorted set)"
    gen_resp "$WORK/zfill.resp" zfill "$ZSET_PREFILL"
    for port in "$PORT_OURS" "$PORT_REDIS"; do
        pipe_load "$port" "$WORK/zfill.resp" "$ZSET_PREFILL" || FAILURES=$(( FAILURES + 1 ))
    done
    rm -f "$WORK/zfill.resp"
fi

# The rate limiter the evalsha test runs: allow ARGV[1] hits per ARGV[2]-second window.
RATE_LIMITER='local n = redis.call("INCR", KEYS[1])
if n == 1 then redis.call("EXPIRE", KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then return 0 end
return 1'
RATE_LIMITER_SHA=""
if [[ ,$TESTS, == *,evalsha,* ]]; then
    for port in "$PORT_OURS" "$PORT_REDIS"; do
        sha=$(timeout --foreground 10 redis-cli -h "$HOST" -p "$port" script load "$RATE_LIMITER" 2>&1 || true)
        [[ $sha =~ ^[0-9a-f]{40}$ ]] || die "SCRIPT LOAD on port $port failed: $sha"
        [[ -z $RATE_LIMITER_SHA || $sha == "$RATE_LIMITER_SHA" ]] || die "SCRIPT LOAD digests differ: $sha vs $RATE_LIMITER_SHA"
        RATE_LIMITER_SHA=$sha
    done
fi

if [[ ,$TESTS, == *,xreadgroup,* ]]; then
    for port in "$PORT_OURS" "$PORT_REDIS"; do
        ok=$(timeout --foreground 10 redis-cli -h "$HOST" -p "$port" xgroup create bench:stream g 0 mkstream 2>&1 || true)
        [[ $ok == OK ]] || die "XGROUP CREATE on port $port failed: $ok"
    done
fi

# bitmap tests: the same random bytes loaded into both servers
if [[ ,$TESTS, == *,bitcount_64mb,* || ,$TESTS, == *,bitop_1mb,* ]]; then
    head -c $(( 64 << 20 )) /dev/urandom >"$WORK/bits64m"
    head -c $(( 1 << 20 )) /dev/urandom >"$WORK/bits1m"
    head -c $(( 1 << 20 )) /dev/urandom >"$WORK/bits1m2"
    for port in "$PORT_OURS" "$PORT_REDIS"; do
        for name in bits64m bits1m bits1m2; do
            ok=$(timeout --foreground 60 redis-cli -h "$HOST" -p "$port" -x set "bench:$name" <"$WORK/$name" 2>&1 || true)
            [[ $ok == OK ]] || die "SET bench:$name on port $port failed: $ok"
        done
    done
    rm -f "$WORK/bits64m" "$WORK/bits1m" "$WORK/bits1m2"
fi

if [[ ,$TESTS, == *,pfcount_16,* ]]; then
    python3 - "$WORK/hll.resp" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    for k in range(16):
        for b in range(100):
            args = [b"PFADD", b"bench:hll:%d" % k] + [b"e%d:%d" % (k, b * 1000 + i) for i in range(1000)]
            f.write(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
PY
    for port in "$PORT_OURS" "$PORT_REDIS"; do
        out=$(timeout --foreground 120 redis-cli -h "$HOST" -p "$port" --pipe <"$WORK/hll.resp" 2>&1 | tail -n 1)
        [[ $out == *"errors: 0, replies: 1600"* ]] || die "loading the HyperLogLogs on port $port failed: $out"
    done
    rm -f "$WORK/hll.resp"
fi

RESULTS=$WORK/results.tsv
: >"$RESULTS"
NCELLS=$(( ${#PIPES[@]} * ${#TEST_LIST[@]} ))
TOTAL_RUNS=$(( REPS * NCELLS * 2 ))
run_no=0

# bench_one REP SERVER TEST P N
bench_one() {
    local rep=$1 srv=$2 test=$3 p=$4 n=$5 pid port t0 t1 rc=0 csv parsed
    if [[ $srv == ferrokv ]]; then pid=$PID_OURS port=$PORT_OURS; else pid=$PID_REDIS port=$PORT_REDIS; fi
    alive "$pid" || server_died "$srv" "$pid"
    local what=(-t "$test")
    case $test in
        evalsha) what=(EVALSHA "$RATE_LIMITER_SHA" 1 rl:__rand_int__ 100 60) ;;
        xadd) what=(XADD bench:stream '*' field __rand_int__) ;;
        xreadgroup) what=(XREADGROUP GROUP g c COUNT 1 STREAMS bench:stream '>') ;;
        xrange_10) what=(XRANGE bench:stream - + COUNT 10) ;;
        bitcount_64mb) what=(BITCOUNT bench:bits64m) ;;
        bitop_1mb) what=(BITOP AND bench:bitsd bench:bits1m bench:bits1m2) ;;
        pfcount_16) what=(PFCOUNT bench:hll:{0..15}) ;;
        bitfield_incr) what=(BITFIELD bench:bitmap INCRBY u8 '#100' 1) ;;
    esac
    t0=$(proc_ticks "$pid")
    csv=$(timeout --foreground -k 5 "$RUN_TIMEOUT" taskset -c "$CLIENT_CPU" redis-benchmark -h "$HOST" -p "$port" \
        "${AUTH_ARGS[@]}" -P "$p" -c "$CLIENTS" -r "$KEYSPACE" -n "$n" --csv "${what[@]}" 2>"$WORK/run.err") || rc=$?
    cat "$WORK/run.err" >>"$WORK/benchmark.err"
    alive "$pid" || server_died "$srv" "$pid"
    t1=$(proc_ticks "$pid")
    # -> "rps p50 p99" (or "nan nan nan")
    parsed=$(python3 -c '
import csv, io, sys
rows = list(csv.reader(io.StringIO(sys.argv[1])))
rows = [r for r in rows if r]
try:
    hdr = rows[0]; row = rows[-1]  # lrange_* first reports the LPUSH that fills its list
    print(*(float(row[hdr.index(c)]) for c in ("rps", "p50_latency_ms", "p99_latency_ms")))
except Exception:
    print("nan nan nan")' "$csv")
    local rps p50 p99
    read -r rps p50 p99 <<<"$parsed"
    if (( rc != 0 )) || [[ $rps == nan ]]; then
        FAILURES=$(( FAILURES + 1 ))
        warn "$srv $test P$p rep $rep failed (exit $rc): $(grep -v '^WARNING: Could not fetch server CONFIG' "$WORK/run.err" | tail -n 2 | tr '\n' ' ' | cut -c1-200)"
        rps=nan p50=nan p99=nan
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$srv" "$test" "$p" "$n" "$rps" "$p50" "$p99" \
        "$(( t1 - t0 ))" >>"$RESULTS"
    run_no=$(( run_no + 1 ))
    log "$(printf '[%3d/%d] rep %d %-7s %-5s P%-3s %12s ops/s  p50 %s ms  p99 %s ms  cpu %d ticks' \
        "$run_no" "$TOTAL_RUNS" "$rep" "$srv" "$test" "$p" "$rps" "$p50" "$p99" "$(( t1 - t0 ))")"
}

log "running $TOTAL_RUNS benchmark runs"
for (( rep = 1; rep <= REPS; rep++ )); do
    cell=0
    for p in "${PIPES[@]}"; do
        n=$(requests_for "$p")
        for test in "${TEST_LIST[@]}"; do
            # alternate the order: A B, B A, A B ... within a rep and across reps
            if (( (rep + cell) % 2 )); then order=(ferrokv redis); else order=(redis ferrokv); fi
            for srv in "${order[@]}"; do bench_one "$rep" "$srv" "$test" "$p" "$n"; done
            cell=$(( cell + 1 ))
        done
    done
done
stop_pid "$PID_OURS"
stop_pid "$PID_REDIS"

# ---------------------------------------------------------------- memory
MEMRES=$WORK/mem.tsv
: >"$MEMRES"
if [[ $SKIP_MEM != 1 ]]; then
  for kind in $MEM_KINDS; do
    log "memory test ($kind): generating $MEM_KEYS commands"
    gen_resp "$WORK/mem.resp" "$kind" "$MEM_KEYS"
    read -r MPORT_OURS MPORT_REDIS < <(free_ports)
    for s in ferrokv redis; do
        if [[ $s == ferrokv ]]; then
            port=$MPORT_OURS
            start_server mem-ferrokv "$FERROKV_BIN" --port "$port" --bind "$HOST" ${OURS_EXTRA[@]+"${OURS_EXTRA[@]}"}
        else
            port=$MPORT_REDIS
            start_server mem-redis "$REDIS_BIN" --port "$port" "${REDIS_ARGS[@]}"
        fi
        pid=$STARTED_PID
        wait_ready "mem-$s" "$pid" "$port"
        sleep 1
        rss0=$(rss_kb "$pid")
        t0=$(date +%s.%N)
        load_ok=1
        pipe_load "$port" "$WORK/mem.resp" "$MEM_KEYS" || load_ok=0
        t1=$(date +%s.%N)
        sleep 2
        alive "$pid" || server_died "mem-$s" "$pid"
        rss1=$(rss_kb "$pid")
        dbsize=$(timeout --foreground 10 redis-cli -h "$HOST" -p "$port" dbsize 2>/dev/null || true)
        [[ $dbsize =~ ^[0-9]+$ ]] || dbsize="?"
        want_db=$MEM_KEYS
        [[ $kind != stream ]] || want_db=$(( (MEM_KEYS + 99) / 100 ))
        if [[ $dbsize != "$want_db" ]]; then
            FAILURES=$(( FAILURES + 1 ))
            warn "$s: DBSIZE is '$dbsize', expected $want_db"
        elif (( ! load_ok )); then
            FAILURES=$(( FAILURES + 1 ))
            warn "$s: DBSIZE is right but redis-cli --pipe did not finish cleanly (see above)"
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$s" "$rss0" "$rss1" "$dbsize" "$load_ok" \
            "$(python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.2f}")' "$t0" "$t1")" >>"$MEMRES"
        log "$kind $s: RSS ${rss0} kB -> ${rss1} kB, DBSIZE $dbsize"
        stop_pid "$pid"
    done
    rm -f "$WORK/mem.resp"
  done
fi

# ---------------------------------------------------------------- report
echo "loadavg (end)    $(cat /proc/loadavg)" >>"$HEADER"
REPORT=$WORK/report.txt
{
    cat "$HEADER"
    echo
    python3 - "$RESULTS" "$MEMRES" "$CLK_TCK" "$MEM_KEYS" "$TESTS" "$PIPELINES" <<'PY'
import math, statistics, sys
from collections import defaultdict

results, memres, clk, mem_keys = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
tests = sys.argv[5].split(",")
pipes = [int(p) for p in sys.argv[6].split()]

def fnum(x):
    return float(x)

runs = defaultdict(list)           # (test, p, srv) -> [(rep, rps, p50, p99, cpu_us)]
for line in open(results):
    rep, srv, test, p, n, rps, p50, p99, ticks = line.rstrip("\n").split("\t")
    cpu_us = int(ticks) / clk * 1e6 / int(n) if rps != "nan" else math.nan
    runs[(test, int(p), srv)].append((int(rep), fnum(rps), fnum(p50), fnum(p99), cpu_us))

def med(vals):
    vals = [v for v in vals if not math.isnan(v)]
    return statistics.median(vals) if vals else math.nan

def gmean(vals):
    vals = [v for v in vals if not math.isnan(v) and v > 0]
    return math.exp(sum(map(math.log, vals)) / len(vals)) if vals else math.nan

def fmt(v, spec, suffix=""):
    return "n/a" if math.isnan(v) else format(v, spec) + suffix

header = ["test", "pipe", "ferrokv ops/s", "redis ops/s", "ratio", "(min-max)",
          "p50 ferrokv", "p50 redis", "p99 ferrokv", "p99 redis", "cpu ferrokv", "cpu redis"]
rows = []
cell_ratio = {}
for p in pipes:
    for t in tests:
        a, b = runs.get((t, p, "ferrokv"), []), runs.get((t, p, "redis"), [])
        rb = {r[0]: r[1] for r in b}
        ratios = [r[1] / rb[r[0]] for r in a
                  if r[0] in rb and not math.isnan(r[1]) and not math.isnan(rb[r[0]]) and rb[r[0]] > 0]
        ratio = statistics.median(ratios) if ratios else math.nan
        cell_ratio[(t, p)] = ratio
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}" if len(ratios) > 1 else ""
        col = lambda rs, i: med([r[i] for r in rs])
        rows.append([t, f"P{p}", fmt(col(a, 1), ",.0f"), fmt(col(b, 1), ",.0f"), fmt(ratio, ".3f", "x"),
                     spread, fmt(col(a, 2), ".3f"), fmt(col(b, 2), ".3f"), fmt(col(a, 3), ".3f"),
                     fmt(col(b, 3), ".3f"), fmt(col(a, 4), ".2f"), fmt(col(b, 4), ".2f")])

widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
def line(r):
    out = []
    for i, (v, w) in enumerate(zip(r, widths)):
        out.append(str(v).ljust(w) if i < 2 else str(v).rjust(w))
    return "  ".join(out).rstrip()

print("Throughput (medians over repetitions; ratio = median of per-repetition ferrokv/redis ops/s)")
print("latency p50/p99 in ms as reported by redis-benchmark; cpu = µs of server CPU (utime+stime) per request")
print()
print(line(header))
print(line(["-" * w for w in widths]))
prev = None
for r in rows:
    if prev is not None and r[1] != prev:
        print()
    prev = r[1]
    print(line(r))
print()
parts = []
for p in pipes:
    parts.append(f"P{p} {fmt(gmean([cell_ratio[(t, p)] for t in tests]), '.3f', 'x')}")
parts.append(f"all {fmt(gmean(list(cell_ratio.values())), '.3f', 'x')}")
print("geomean ratio ferrokv/redis (ops/s):  " + "   ".join(parts))

mem = [l.rstrip("\n").split("\t") for l in open(memres) if l.strip()]
if mem:
    print()
    print(f"Memory: {mem_keys:,} keys loaded with redis-cli --pipe into a fresh instance: string = key:<n> -> 16-byte value,")
    print("hash = 5 fields of 8-byte values, zset = 5 members with integer scores,")
    print("stream = entries of 2 fields with 8-byte values, 100 to a stream (bytes/key is bytes per entry)")
    mh = ["kind", "server", "RSS before", "RSS after", "growth", "bytes/key", "DBSIZE", "load time"]
    mrows, per_key = [], {}
    for kind, srv, r0, r1, dbsize, ok, secs in mem:
        r0, r1 = int(r0), int(r1)
        pk = (r1 - r0) * 1024 / mem_keys
        per_key[(kind, srv)] = pk
        want_db = (mem_keys + 99) // 100 if kind == "stream" else mem_keys
        check = "MISMATCH" if dbsize != str(want_db) else ("ok" if ok == "1" else "ok (pipe err)")
        mrows.append([kind, srv, f"{r0 / 1024:.1f} MiB", f"{r1 / 1024:.1f} MiB", f"{(r1 - r0) / 1024:.1f} MiB",
                      f"{pk:.1f}", f"{dbsize} {check}", f"{float(secs):.2f} s"])
    mw = [max(len(r[i]) for r in mrows + [mh]) for i in range(len(mh))]
    fmtm = lambda r: "  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(r, mw)))
    print()
    print(fmtm(mh))
    print(fmtm(["-" * w for w in mw]))
    for r in mrows:
        print(fmtm(r))
    print()
    for kind in dict.fromkeys(k for k, _ in per_key):
        ours, theirs = per_key.get((kind, "ferrokv")), per_key.get((kind, "redis"))
        if ours is not None and theirs:
            print(f"memory ratio ferrokv/redis (bytes/key), {kind}: {ours / theirs:.3f}x")
PY
} >"$REPORT"

mkdir -p -- "$(dirname -- "$OUT")"
cp -- "$REPORT" "$OUT"
echo
cat "$REPORT"
log "report written to $OUT"
if (( FAILURES )); then
    warn "$FAILURES run(s)/check(s) failed; see warnings above"
    exit 2
fi
