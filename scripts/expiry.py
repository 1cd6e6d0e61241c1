#!/usr/bin/env python3
"""Active-expiry side by side: ferrokv and redis-server, same keys, same deadlines.

For each server: load N keys without TTL and read RSS growth, FLUSHALL, load N keys whose
deadlines are spread evenly over the next SPREAD seconds, and read RSS growth again; the
difference is the memory cost of a TTL per key. Then, without reading any key, sample DBSIZE
every 50 ms and report how many keys whose deadline has passed are still held (stale keys):
the mean and maximum over the run, and how long after the last deadline the database is empty.

Usage: python3 scripts/expiry.py [--ferrokv PATH] [--keys N] [--spread SECONDS]
"""
import argparse
import os
import shutil
import socket
import subprocess
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cli(port, *args):
    out = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, check=True)
    return out.stdout.decode().strip()


def load(port, n, ttl_base_ms=None, spread_ms=0):
    lines = []
    for i in range(n):
        key = f"key:{i}"
        val = "v" * 16
        if ttl_base_ms is None:
            args = ["SET", key, val]
        else:
            at = ttl_base_ms + (i * spread_ms) // n
            args = ["SET", key, val, "PXAT", str(at)]
        lines.append("*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in args))
    data = "".join(lines).encode()
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=data, capture_output=True, check=True)


def start(name, cmd):
    port = free_port()
    d = tempfile.mkdtemp(prefix=f"expiry-{name}-")
    proc = subprocess.Popen(cmd + ["--port", str(port), "--bind", "127.0.0.1", "--dir", d], cwd=d,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            if cli(port, "PING") == "PONG":
                break
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.05)
    return port, proc, d


def stop(proc, d):
    proc.terminate()
    proc.wait()
    shutil.rmtree(d, ignore_errors=True)


def measure(name, cmd, n, spread_s):
    # A fresh process for each load: memory freed by a flush stays in the allocator and would
    # hide the second load's growth.
    port, proc, d = start(name, cmd)
    try:
        base = rss_kb(proc.pid)
        load(port, n)
        plain = (rss_kb(proc.pid) - base) * 1024 / n
    finally:
        stop(proc, d)
    port, proc, d = start(name, cmd)
    try:
        base = rss_kb(proc.pid)
        start_ms = int(time.time() * 1000) + 2000
        spread_ms = int(spread_s * 1000)
        load(port, n, start_ms, spread_ms)
        with_ttl = (rss_kb(proc.pid) - base) * 1024 / n
        stale = []
        empty_after = None
        end_ms = start_ms + spread_ms
        while True:
            now = int(time.time() * 1000)
            size = int(cli(port, "DBSIZE"))
            passed = 0 if now < start_ms else min(n, (now - start_ms) * n // max(spread_ms, 1) + 1)
            if now >= start_ms:
                stale.append(max(0, size - (n - passed)))
            if size == 0:
                empty_after = now - end_ms
                break
            if now > end_ms + 30000:
                break
            time.sleep(0.05)
        return plain, with_ttl, stale, empty_after
    finally:
        stop(proc, d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ferrokv", default="target/release/ferrokv-server")
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--spread", type=float, default=5.0)
    a = ap.parse_args()
    servers = [
        ("ferrokv", [os.path.abspath(a.ferrokv), "--appendonly", "no", "--save", ""]),
        ("redis", ["redis-server", "--save", "", "--appendonly", "no"]),
    ]
    print(f"{a.keys} keys, 16-byte values, deadlines spread over {a.spread}s, nobody reads them")
    print(f"{'server':8} {'B/key':>7} {'B/key+TTL':>10} {'TTL cost':>9} {'stale mean':>11} {'stale max':>10} {'empty after last deadline':>26}")
    for name, cmd in servers:
        plain, ttl, stale, empty = measure(name, cmd, a.keys, a.spread)
        mean = sum(stale) / len(stale) if stale else 0
        empty_s = f"{empty} ms" if empty is not None else "not within 30 s"
        print(f"{name:8} {plain:7.1f} {ttl:10.1f} {ttl - plain:9.1f} {mean:11.0f} {max(stale or [0]):10} {empty_s:>26}")


if __name__ == "__main__":
    main()
