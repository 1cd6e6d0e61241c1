#!/usr/bin/env bash
# scripts/bgsave_rss.sh - peak resident memory during a background snapshot (BGSAVE, the default
# JOB=bgsave) or a background AOF rewrite (BGREWRITEAOF, JOB=bgrewriteaof) of 1M keys, relative to
# the resident memory before it, ferrokv beside redis-server, under a write load.
#
# Method (each server in turn, on its own port, bound to 127.0.0.1, in its own temp dir so that
# dump.rdb / appendonlydir/ land there):
#   JOB=bgsave        persistence otherwise off: --appendonly no --save ""
#   JOB=bgrewriteaof  AOF on, no snapshots: --appendonly yes --appendfsync everysec --save ""
#                     (automatic rewrites keep their defaults, 100% growth over 64mb)
#   1. Load exactly 1,000,000 keys key:000000000000 .. key:000000999999 (32-byte values) with
#      `redis-cli --pipe` from a RESP file generated once by python. These are exactly the names
#      redis-benchmark produces for `key:__rand_int__` with -r 1000000 (key:%012d), so the write
#      load below rewrites existing keys all over the keyspace instead of adding new ones.
#   2. Check DBSIZE == 1,000,000. JOB=bgrewriteaof: the load makes the AOF big (~75 MB of SETs),
#      so both servers start an automatic rewrite (auto-aof-rewrite-min-size 64mb) during or just
#      after it, which compacts it; wait until INFO persistence shows aof_enabled:1,
#      aof_rewrite_in_progress:0, aof_rewrite_scheduled:0 with aof_rewrites and aof_current_size
#      unchanged for 1.5 s (the number of rewrites so far is reported). Then wait 0.5 s and
#      record the RSS before: VmRSS of the server pid from /proc/PID/status.
#   3. Start the write load in the background:
#        redis-benchmark -t set -n $LOAD_REQUESTS -r 1000000 -d 32 -P 16 -c 50
#   4. After $LOAD_WARMUP seconds (so that the 50 clients are connected and writing), send BGSAVE
#      (or BGREWRITEAOF) and sample every 10 ms until the job has finished (a separate thread
#      polls INFO persistence until rdb_bgsave_in_progress:0 and rdb_last_save_time has changed,
#      or, for BGREWRITEAOF, until aof_rewrite_in_progress:0 and aof_rewrites has increased - so a
#      reply "...rewriting scheduled" is waited out too):
#        memory = VmRSS(server) + sum over the server's child processes of
#                 Private_Clean + Private_Dirty from /proc/CHILD/smaps_rollup
#      For redis this is the parent RSS plus what the forked child costs (its copy-on-write
#      pages); for ferrokv (no child process expected) it is simply the process RSS - the same
#      formula covers both, and a child is reported if one is seen. The maximum is the peak.
#      JOB=bgrewriteaof: the write load makes the AOF due for another automatic rewrite ~0.6-0.8 s
#      after it starts; a BGREWRITEAOF sent later than that is refused ("already in progress")
#      and the script stops with that error, so keep LOAD_WARMUP well under 0.6 s.
#   5. Wait for the write load to end, check DBSIZE, stop the server by its pid.
# Prints one line per server (before, peak, peak/before, BGSAVE or BGREWRITEAOF duration), each
# followed by an indented detail line, then both ratios.
#
# Usage: scripts/bgsave_rss.sh
#   JOB=bgsave|bgrewriteaof   the background job measured (default bgsave)
#   FERROKV=path          ferrokv-server binary (default target/release/ferrokv-server; no build)
#   REDIS_PORT=6390 FERROKV_PORT=6391   ports (must be free)
#   KEYS=1000000 LOAD_REQUESTS=2000000 LOAD_WARMUP=0.2
# Needs redis-server, redis-cli, redis-benchmark (apt-get install -y redis-server redis-tools)
# and python3.
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
FERROKV=${FERROKV:-$ROOT/target/release/ferrokv-server}
REDIS_PORT=${REDIS_PORT:-6390}
FERROKV_PORT=${FERROKV_PORT:-6391}
KEYS=${KEYS:-1000000}
LOAD_REQUESTS=${LOAD_REQUESTS:-2000000}
LOAD_WARMUP=${LOAD_WARMUP:-0.2}
JOB=${JOB:-bgsave}
case $JOB in
    bgsave) PERSIST=(--appendonly no) ;;
    bgrewriteaof) PERSIST=(--appendonly yes --appendfsync everysec) ;;
    *) echo "JOB must be bgsave or bgrewriteaof, not '$JOB'" >&2; exit 1 ;;
esac

for tool in redis-server redis-cli redis-benchmark python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y redis-server redis-tools)" >&2; exit 1; }
done
[[ -x $FERROKV ]] || { echo "no ferrokv binary at $FERROKV (set FERROKV=path)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferrokv-$JOB-rss.XXXXXX")
PIDS=()   # servers and load generators we started; stopped by pid only
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

alive() { kill -0 "$1" 2>/dev/null; }
pong() { [[ $(redis-cli -p "$1" ping 2>/dev/null) == PONG ]]; }

# wait_ready PORT PID: 0 once the server answers PONG, 1 if the process exited first.
wait_ready() {
    for _ in $(seq 200); do
        pong "$1" && return 0
        alive "$2" || return 1
        sleep 0.05
    done
    echo "server pid $2 gave no PONG on port $1" >&2; exit 1
}

# forget PID: drop a pid from PIDS once it has ended.
forget() {
    local keep=() p
    for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}
# stop PID: stop one server we started, by its pid.
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; forget "$1"; }

# start_server NAME PORT -> sets SERVER_PID. Runs in $WORK/NAME as working directory.
start_server() {
    local name=$1 port=$2 dir=$WORK/$1
    mkdir -p "$dir"
    if pong "$port"; then echo "port $port already has a server on it; choose another" >&2; exit 1; fi
    if [[ $name == redis ]]; then
        (cd "$dir" && exec redis-server --port "$port" --bind 127.0.0.1 --save "" "${PERSIST[@]}" \
            --dir "$dir" --daemonize no) >"$dir/server.log" 2>&1 &
        SERVER_PID=$!; PIDS+=("$SERVER_PID")
        wait_ready "$port" "$SERVER_PID" || { cat "$dir/server.log" >&2; exit 1; }
    else
        # Try with --save "" first; older builds may refuse the directive, then retry without.
        (cd "$dir" && exec "$FERROKV" --port "$port" --bind 127.0.0.1 --http-port 0 \
            "${PERSIST[@]}" --save "" --dir "$dir") >"$dir/server.log" 2>&1 &
        SERVER_PID=$!; PIDS+=("$SERVER_PID")
        if ! wait_ready "$port" "$SERVER_PID"; then
            echo "ferrokv refused --save \"\"; retrying without it" >&2
            stop "$SERVER_PID"
            (cd "$dir" && exec "$FERROKV" --port "$port" --bind 127.0.0.1 --http-port 0 \
                "${PERSIST[@]}" --dir "$dir") >"$dir/server.log" 2>&1 &
            SERVER_PID=$!; PIDS+=("$SERVER_PID")
            wait_ready "$port" "$SERVER_PID" || { cat "$dir/server.log" >&2; exit 1; }
        fi
    fi
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# persist_field PORT FIELD: one field of INFO persistence.
persist_field() { redis-cli -p "$1" info persistence | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'; }

# aof_settle NAME PORT: wait until the AOF is on and no rewrite is running or scheduled (the key
# load starts an automatic one), with aof_rewrites and aof_current_size unchanged for 1.5 s - so
# that AOF writes still buffered by everysec have landed and a rewrite they make due (cron, 10
# times a second) has been started and waited for; prints aof_rewrites.
aof_settle() {
    local i state prev='' quiet=0
    for i in $(seq 1800); do
        state=$(redis-cli -p "$2" info persistence | tr -d '\r' | awk -F: '
            $1 ~ /^aof_(enabled|rewrite_in_progress|rewrite_scheduled|rewrites|current_size)$/ {v[$1] = $2}
            END {print v["aof_enabled"], v["aof_rewrite_in_progress"], v["aof_rewrite_scheduled"],
                       v["aof_rewrites"], v["aof_current_size"]}')
        if [[ $state == "1 0 0 "* && $state == "$prev" ]]; then
            if (( ++quiet >= 15 )); then read -r _ _ _ i _ <<<"$state"; echo "$i"; return 0; fi
        else
            quiet=0
        fi
        prev=$state
        sleep 0.1
    done
    echo "$1: AOF not quiet (rewrite running or scheduled, or still growing) 180 s after the load" >&2
    return 1
}

# The 1M-key RESP load file, generated once, shared by both servers.
python3 - "$KEYS" >"$WORK/load.resp" <<'PY'
import sys
n = int(sys.argv[1])
val = b"x" * 32          # redis-benchmark -d 32 writes 32 'x' bytes too
out = sys.stdout.buffer
buf = []
for i in range(n):
    key = b"key:%012d" % i  # redis-benchmark's key:__rand_int__ format
    buf.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$32\r\n%s\r\n" % (len(key), key, val))
    if len(buf) == 10000:
        out.write(b"".join(buf)); buf.clear()
out.write(b"".join(buf))
PY

# The sampler: sends BGSAVE (or BGREWRITEAOF) on its own connection, then every 10 ms reads the
# memory of the server (and of its children, if any) and INFO persistence, until the job has
# finished.
cat >"$WORK/sample.py" <<'PY'
import glob, socket, sys, threading, time
pid, port, timeout, job = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]

sock = socket.create_connection(("127.0.0.1", port))
f = sock.makefile("rb")
def cmd(*args):
    sock.sendall(b"".join([b"*%d\r\n" % len(args)] + [b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in args]))
    line = f.readline()
    if line[:1] == b"$":
        n = int(line[1:])
        return f.read(n + 2)[:-2].decode() if n >= 0 else None
    if line[:1] == b"-":
        raise SystemExit("server error: " + line.decode().strip())
    return line[1:].decode().strip()
def persistence():
    return dict(l.split(":", 1) for l in cmd("INFO", "persistence").splitlines() if ":" in l)
def kb(path, fields):
    total = 0
    try:
        with open(path) as fh:
            for l in fh:
                k = l.split(":", 1)[0]
                if k in fields:
                    total += int(l.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return total
def children():
    kids = set()
    for p in glob.glob("/proc/%d/task/*/children" % pid):
        try:
            kids.update(int(c) for c in open(p).read().split())
        except FileNotFoundError:
            pass
    return kids

if job == "BGSAVE":
    last = int(cmd("LASTSAVE"))
    while int(time.time()) <= last:   # LASTSAVE has 1 s resolution: make the change detectable
        time.sleep(0.05)
    def job_done(info):
        return info.get("rdb_bgsave_in_progress") == "0" and int(info.get("rdb_last_save_time", last)) != last
else:
    # aof_rewrites counts rewrites (redis 7: when one starts, ferrokv: when one ends); the job is
    # over once it has increased and none is in progress. A "scheduled" reply just takes longer.
    last = int(persistence()["aof_rewrites"])
    def job_done(info):
        return info.get("aof_rewrite_in_progress") == "0" and int(info.get("aof_rewrites", last)) > last
t0 = time.monotonic()
try:
    reply = cmd(job)
except SystemExit as e:
    if job == "BGSAVE":
        raise
    raise SystemExit("%s on port %d: %s (an automatic rewrite started first? the write load grows"
                     " the AOF; try a smaller LOAD_WARMUP)" % (job, port, e))

# INFO round trips are slow while the server is busy with the write load, so a thread polls for
# the end of the job and the main loop keeps reading /proc every 10 ms.
done = threading.Event()
state = {}
def poll():
    while True:
        info = persistence()
        if job_done(info):
            state["elapsed"], state["info"] = time.monotonic() - t0, info
            done.set()
            return
        time.sleep(0.01)
threading.Thread(target=poll, daemon=True).start()

peak = peak_parent = peak_child = samples = 0
seen = set()
while True:
    finished = done.is_set()      # one last sample after the end is seen
    parent = kb("/proc/%d/status" % pid, ("VmRSS",))
    kids = children()
    seen |= kids
    child = sum(kb("/proc/%d/smaps_rollup" % c, ("Private_Clean", "Private_Dirty")) for c in kids)
    samples += 1
    if parent + child > peak:
        peak, peak_parent, peak_child = parent + child, parent, child
    if finished:
        break
    if time.monotonic() - t0 > timeout:
        raise SystemExit("%s did not finish within %.0f s" % (job, timeout))
    time.sleep(0.01)
elapsed, info = state["elapsed"], state["info"]
if job == "BGSAVE":
    status = info.get("rdb_last_bgsave_status", "?")
    # peak_kb secs parent_kb_at_peak child_kb_at_peak samples children_seen bgsave_status
    print(peak, "%.3f" % elapsed, peak_parent, peak_child, samples, len(seen), status)
else:
    status = info.get("aof_last_bgrewrite_status", "?")
    # ... as above, with the rewrite status, then the reply's last word (started/scheduled)
    print(peak, "%.3f" % elapsed, peak_parent, peak_child, samples, len(seen), status,
          reply.split()[-1])
PY

# measure NAME PORT -> prints the result lines, writes the ratio to $WORK/NAME/ratio.
# (Runs in the main shell, not in $(...), so that PIDS and the EXIT trap see every pid.)
measure() {
    local name=$1 port=$2 dir=$WORK/$1
    start_server "$name" "$port"
    local pid=$SERVER_PID

    redis-cli -p "$port" --pipe <"$WORK/load.resp" >"$dir/pipe.log" 2>&1 \
        || { cat "$dir/pipe.log" >&2; exit 1; }
    local keys; keys=$(redis-cli -p "$port" dbsize)
    [[ $keys == "$KEYS" ]] || { echo "$name: DBSIZE $keys after load, expected $KEYS" >&2; exit 1; }
    local auto=-
    if [[ $JOB == bgrewriteaof ]]; then auto=$(aof_settle "$name" "$port") || exit 1; fi
    sleep 0.5
    local before; before=$(rss_kb "$pid")

    redis-benchmark -p "$port" -t set -n "$LOAD_REQUESTS" -r "$KEYS" -d 32 -P 16 -c 50 -q \
        >"$dir/load.log" 2>&1 &
    local load=$!; PIDS+=("$load")
    sleep "$LOAD_WARMUP"
    local out; out=$(python3 "$WORK/sample.py" "$pid" "$port" 90 "${JOB^^}")
    local peak secs parent child samples nkids status reply
    read -r peak secs parent child samples nkids status reply <<<"$out"
    local during=no; alive "$load" && during=yes
    wait "$load" || { echo "$name: write load failed:" >&2; cat "$dir/load.log" >&2; exit 1; }
    forget "$load"
    local after_keys; after_keys=$(redis-cli -p "$port" dbsize)
    local rdb=missing; [[ -f $dir/dump.rdb ]] && rdb="$(( $(stat -c %s "$dir/dump.rdb") / 1024 / 1024 )) MB"
    local aof=missing; [[ -d $dir/appendonlydir ]] && aof="$(( $(du -sb "$dir/appendonlydir" | cut -f1) / 1024 / 1024 )) MB"
    local rewrites=-; [[ $JOB == bgrewriteaof ]] && rewrites=$(persist_field "$port" aof_rewrites)
    local rps; rps=$(tr '\r' '\n' <"$dir/load.log" | grep -E 'requests per second' | tail -n 1 \
        | sed -E 's/^SET: ([0-9.]+) requests per second.*/\1/')
    stop "$pid"

    python3 - "$name" "$before" "$peak" "$secs" "$parent" "$child" "$samples" "$nkids" "$status" \
        "$during" "$after_keys" "$rdb" "$rps" "$dir/ratio" "$JOB" "$reply" "$auto" "$rewrites" \
        "$aof" <<'PY'
import sys, pathlib
name, before, peak, secs, parent, child, samples, nkids, status, during, keys, rdb, rps = sys.argv[1:14]
job, reply, auto, rewrites, aof = sys.argv[15:20]
before, peak, parent, child = (int(x) / 1024 for x in (before, peak, parent, child))
if job == "bgsave":
    print(f"{name}: before {before:.1f} MB, peak {peak:.1f} MB, ratio {peak / before:.2f}"
          f" (BGSAVE took {float(secs):.2f} s)")
    print(f"  detail: at peak parent RSS {parent:.1f} MB + child private {child:.1f} MB;"
          f" child processes seen {nkids}; {samples} samples; bgsave status {status};"
          f" load still running when save finished: {during}; load {float(rps or 0):,.0f} SET/s;"
          f" DBSIZE after {keys}; dump.rdb {rdb}")
else:
    print(f"{name}: before {before:.1f} MB, peak {peak:.1f} MB, ratio {peak / before:.2f}"
          f" (BGREWRITEAOF took {float(secs):.2f} s)")
    print(f"  detail: at peak parent RSS {parent:.1f} MB + child private {child:.1f} MB;"
          f" child processes seen {nkids}; {samples} samples; bgrewriteaof status {status}"
          f" (reply: {reply}); automatic rewrites during the key load {auto},"
          f" aof_rewrites at the end {rewrites};"
          f" load still running when rewrite finished: {during}; load {float(rps or 0):,.0f} SET/s;"
          f" DBSIZE after {keys}; appendonlydir {aof}")
pathlib.Path(sys.argv[14]).write_text(f"{peak / before:.2f}")
PY
}

measure ferrokv "$FERROKV_PORT"
measure redis "$REDIS_PORT"
echo "peak/before ratios: ferrokv $(cat "$WORK/ferrokv/ratio"), redis $(cat "$WORK/redis/ratio")"
