#!/usr/bin/env python3
"""Memory limit benchmark: ferrokv beside redis-server, same workload, same run.

Two measurements, each on a fresh pair of servers (127.0.0.1, ports chosen free):

1. fill: `maxmemory` = --limit-mb with allkeys-lru; SET --fill-factor times the limit's
   worth of --value-size values on fresh keys (pipelined); RSS and used_memory are sampled
   every batch. Reports the peak RSS and the final used_memory against the limit, and
   evicted_keys. The limit holds when used_memory stays within 10% of it.
2. hit ratio: for each policy (allkeys-lru, allkeys-lfu), a cache workload over a keyspace of
   --keys keys drawn from a Zipf distribution (exponent --zipf): GET; on a miss, SET the key.
   The limit holds about --cache-share of the keyspace. After --warmup operations, the hit
   ratio of the next --ops operations is reported for both servers.

The key sequence is seeded (--seed), so both servers see the same requests. Prints one table;
exit status 0 unless a server failed. Example:

    python3 scripts/bench_memory.py --ferrokv target/release/ferrokv-server
"""

import argparse
import bisect
import os
import random
import socket
import subprocess
import sys
import tempfile
import time


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-"):
            return rest if kind == b"+" else Exception(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.s.recv(1 << 20)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise ValueError(line)

    def pipeline(self, cmds):
        self.s.sendall(b"".join(encode(*c) for c in cmds))
        return [self._read() for _ in cmds]

    def cmd(self, *args):
        return self.pipeline([args])[0]

    def info(self, section):
        text = self.cmd("INFO", section).decode()
        return dict(l.split(":", 1) for l in text.splitlines() if ":" in l)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name, binary, is_redis):
        self.name = name
        self.port = free_port()
        self.dir = tempfile.TemporaryDirectory(prefix=f"bench-memory-{name}-")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no"]
        if not is_redis:
            args += ["--http-port", "0"]
        self.proc = subprocess.Popen(args, cwd=self.dir.name, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            try:
                self.conn = Conn(self.port)
                if self.conn.cmd("PING") == b"PONG":
                    break
            except (ConnectionError, OSError):
                pass
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"{name} did not start")
            time.sleep(0.05)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.dir.cleanup()


def fill(server, limit, value_size, factor):
    c = server.conn
    c.cmd("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    c.cmd("CONFIG", "SET", "maxmemory", limit)
    value = b"x" * value_size
    total = int(limit * factor / value_size)
    peak_rss = 0
    for start in range(0, total, 1000):
        replies = c.pipeline([("SET", f"fill:{i}", value) for i in range(start, min(total, start + 1000))])
        bad = [r for r in replies if isinstance(r, Exception)]
        if bad:
            raise RuntimeError(f"{server.name}: {bad[0]}")
        if start % 10000 == 0:
            peak_rss = max(peak_rss, int(server.conn.info("memory")["used_memory_rss"]))
    mem = c.info("memory")
    peak_rss = max(peak_rss, int(mem["used_memory_rss"]))
    return {
        "used": int(mem["used_memory"]),
        "rss": peak_rss,
        "evicted": int(c.info("stats")["evicted_keys"]),
        "keys": c.cmd("DBSIZE"),
    }


def zipf_sampler(n, s, rng):
    weights = [1.0 / (i ** s) for i in range(1, n + 1)]
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    perm = list(range(n))
    rng.shuffle(perm)

    def draw():
        return perm[bisect.bisect_left(cum, rng.random() * acc)]

    return draw


def hit_ratio(server, policy, limit, opts):
    c = server.conn
    c.cmd("FLUSHALL")
    c.cmd("CONFIG", "SET", "maxmemory-policy", policy)
    c.cmd("CONFIG", "SET", "maxmemory", limit)
    rng = random.Random(opts.seed)
    draw = zipf_sampler(opts.keys, opts.zipf, rng)
    value = b"v" * opts.value_size
    hits = misses = 0
    done = 0
    batch = 200
    while done < opts.warmup + opts.ops:
        keys = [f"key:{draw()}" for _ in range(batch)]
        got = c.pipeline([("GET", k) for k in keys])
        missing = [k for k, v in zip(keys, got) if v is None]
        if missing:
            c.pipeline([("SET", k, value) for k in missing])
        if done >= opts.warmup:
            hits += batch - len(missing)
            misses += len(missing)
        done += batch
    return hits / max(1, hits + misses)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ferrokv", default=os.path.join(root, "target/release/ferrokv-server"))
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--limit-mb", type=int, default=64)
    ap.add_argument("--fill-factor", type=float, default=2.0)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--keys", type=int, default=200_000)
    ap.add_argument("--zipf", type=float, default=1.0)
    ap.add_argument("--cache-share", type=float, default=0.1,
                    help="share of the keyspace's values the hit-ratio limit holds")
    ap.add_argument("--warmup", type=int, default=300_000)
    ap.add_argument("--ops", type=int, default=300_000)
    ap.add_argument("--seed", type=int, default=7)
    opts = ap.parse_args()

    limit = opts.limit_mb * 1024 * 1024
    print(f"# fill: maxmemory {opts.limit_mb} MB allkeys-lru, {opts.fill_factor}x the limit of "
          f"{opts.value_size}-byte values")
    print(f"{'server':10} {'used/limit':>11} {'peak RSS/limit':>15} {'evicted':>9} {'keys':>8}")
    for name, binary, is_redis in (("redis", opts.redis, True), ("ferrokv", opts.ferrokv, False)):
        s = Server(name, binary, is_redis)
        try:
            r = fill(s, limit, opts.value_size, opts.fill_factor)
        finally:
            s.stop()
        print(f"{name:10} {r['used'] / limit:11.3f} {r['rss'] / limit:15.3f} {r['evicted']:9d} {r['keys']:8d}")

    print(f"# hit ratio: Zipf s={opts.zipf} over {opts.keys} keys, GET then SET on a miss, "
          f"{opts.warmup} warm-up then {opts.ops} measured operations")
    results = {}
    for name, binary, is_redis in (("redis", opts.redis, True), ("ferrokv", opts.ferrokv, False)):
        s = Server(name, binary, is_redis)
        try:
            # The limit: the share of the keyspace's values, above what the empty server uses.
            base = int(s.conn.info("memory")["used_memory"])
            s.conn.cmd("SET", "probe", b"v" * opts.value_size)
            s.conn.pipeline([("SET", f"probe:{i}", b"v" * opts.value_size) for i in range(10000)])
            per_key = (int(s.conn.info("memory")["used_memory"]) - base) / 10001
            s.conn.cmd("FLUSHALL")
            limit_h = int(base + per_key * opts.keys * opts.cache_share)
            for policy in ("allkeys-lru", "allkeys-lfu"):
                results[(name, policy)] = (hit_ratio(s, policy, limit_h, opts), limit_h, per_key)
        finally:
            s.stop()
    print(f"{'policy':12} {'redis':>8} {'ferrokv':>8} {'ratio':>7}")
    for policy in ("allkeys-lru", "allkeys-lfu"):
        r, f = results[("redis", policy)][0], results[("ferrokv", policy)][0]
        print(f"{policy:12} {r:8.4f} {f:8.4f} {f / r if r else 0:7.3f}")
    for name in ("redis", "ferrokv"):
        _, lim, per_key = results[(name, "allkeys-lru")]
        print(f"# {name}: limit {lim} bytes, {per_key:.1f} bytes per cached key")
    return 0


if __name__ == "__main__":
    sys.exit(main())
