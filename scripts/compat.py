#!/usr/bin/env python3
"""Differential compatibility test: ferrokv vs. a real redis-server (7.0).

Starts a reference redis-server and the ferrokv server on free ports, sends the
same commands to both and compares the raw RESP replies byte for byte.  Only
where Redis's output is unspecified or time dependent the replies are
normalised before comparing; every normalisation is documented at the
comparator that implements it (see ``COMPARATORS`` and ``SPECIAL_CHECKS``;
those of the data-type commands are in compat_types.py).

Parts:
  hand    hand-picked edge cases (groups of commands, each on fresh connections
          after FLUSHALL)
  proto   raw-socket protocol edge cases (everything the server sends until it
          closes the connection / a sentinel reply / 1 s of silence)
  pubsub  pub/sub: (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE confirmations, PUBLISH /
          SPUBLISH deliveries to several subscriber connections (globs,
          binary channels), PUBSUB introspection, RESP2 subscribed-mode
          restrictions, RESET / QUIT.  Groups of steps on named connections,
          each window delimited by a sentinel PING (see run_pubsub).  Skipped
          if ferrokv answers SUBSCRIBE with an error.
  tx      MULTI / EXEC / DISCARD / WATCH / UNWATCH (Redis 7.0 semantics):
          QUEUED replies, EXEC arrays with runtime errors in place,
          EXECABORT after queuing errors, nested MULTI / WATCH inside MULTI,
          WATCH + modifications from a second connection (SET, DEL, INCR,
          EXPIRE, RENAME, FLUSHDB/ALL, SWAPDB, MOVE, expiry ...) -> null EXEC,
          no-op modifications -> EXEC runs, UNWATCH / DISCARD / RESET / QUIT /
          SELECT inside MULTI.  Named connections, one reply per step (see
          tx_groups).
  notify  keyspace notifications: CONFIG SET/GET notify-keyspace-events
          (canonical flag string, invalid classes), then the exact sequence
          of pmessages a PSUBSCRIBE __key*__:* connection receives for each
          command (string and generic commands, class flags, keymiss `m`,
          new-key `n`, MULTI/EXEC, other dbs).  No expired events (active
          expiry timing differs).
  tracking
          client-side caching (Redis 7.0 semantics): CLIENT TRACKING ON/OFF
          with REDIRECT (to a __redis__:invalidate subscriber, or not
          subscribed), BCAST + PREFIX, OPTIN / OPTOUT + CLIENT CACHING,
          NOLOOP; the exact invalidation messages / RESP3 pushes after
          SET/DEL/INCR/EXPIRE/RENAME/MSET... by another connection and by the
          tracked one, "told once", FLUSHALL/FLUSHDB null invalidations, broken
          redirects; CLIENT GETREDIR / TRACKINGINFO and the error cases.  Client
          ids are looked up on each server and normalised (see
          tracking_groups).  Skipped if ferrokv answers SUBSCRIBE with an error.
  types   data types (compat_types.py): lists, hashes, sets, sorted sets,
          SORT / SORT_RO, every option and error of their commands (Redis 7.0
          arities, WRONGTYPE of every command against every other type,
          emptied collections deleting their key, TYPE / OBJECT ENCODING and
          the listpack/intset -> hashtable/skiplist conversions after CONFIG
          SET of the *-max-listpack-* / *-max-ziplist-* thresholds, SCAN
          TYPE, RENAME / COPY / MOVE / EXPIRE of collections), as hand groups
          (each on fresh connections after FLUSHALL; thresholds restored
          afterwards), then keyspace notification groups for these commands
          (notify-part runner).  Random picks (SPOP, SRANDMEMBER, HRANDFIELD,
          ZRANDMEMBER, RANDOMKEY) and unordered replies use the comparators
          documented in compat_types.py.
  blocking
          BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP on
          named connections: served at once, timeouts, several clients
          blocked on one key served in the order they blocked, pushes to
          several keys, BLMOVE chains, MULTI (never blocks; EXEC wakes
          waiters), CLIENT UNBLOCK [TIMEOUT|ERROR], keys created with another
          type / by RENAME, COPY, SORT STORE, MOVE, SWAPDB while clients wait
          (see compat_types.run_blocking).  A blocked client's reply is read
          only after the step that wakes it; the harness waits for INFO's
          blocked_clients to count each newly blocked client.
  scripting
          Lua scripting and functions (compat_scripting.py; Redis 7.0
          semantics): EVAL / EVALSHA / EVAL_RO / EVALSHA_RO (KEYS/ARGV,
          numkeys errors, NOSCRIPT, sha case), SCRIPT LOAD / EXISTS / FLUSH /
          KILL / HELP, Lua <-> RESP conversions in both protocols (status /
          error / double / map / set / big_number / verbatim tables,
          redis.setresp(3)), redis.call / redis.pcall errors, error texts
          with line numbers, the sandbox (readonly globals, removed base
          functions; `os` not tested: ferrokv has Redis 7.2's os.clock), the
          redis / cjson / cmsgpack / bit / struct libraries, shebang flags,
          writes and SELECT inside scripts, scripts in MULTI and against
          WATCH, FUNCTION LOAD / LIST / DELETE / FLUSH / DUMP / RESTORE /
          STATS / KILL and FCALL / FCALL_RO, and busy scripts on named
          connections (BUSY replies, SCRIPT KILL / FUNCTION KILL, UNKILLABLE
          after a write).  Groups on fresh connections after FLUSHALL, SCRIPT
          FLUSH and FUNCTION FLUSH; never skipped (a ferrokv without EVAL fails
          every step).  Normalisations are documented in compat_scripting.py.
  streams Redis streams (compat_streams.py; Redis 7.0 semantics): XADD (IDs,
          ms-*, `*`, NOMKSTREAM, MAXLEN / MINID = ~ LIMIT, errors), XRANGE /
          XREVRANGE, XLEN, XDEL, XTRIM, XSETID, XREAD, XGROUP, XREADGROUP,
          XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO (lag / entries-read),
          WRONGTYPE both ways, generic commands on stream keys, WATCH, DUMP /
          RESTORE (decoded and, in groups of their own, exact bytes),
          keyspace notifications, blocking XREAD / XREADGROUP on named
          connections (served by XADD, timeouts, FIFO, MULTI, CLIENT UNBLOCK,
          deleted keys / destroyed groups), and a seeded random stream of
          --stream-count commands (compared reply by reply; `-k streams:random`
          runs it alone).  Idle / delivery / seen times and `*` IDs go through
          the normalisers documented in compat_streams.py.  Never skipped.
  bitmaps SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO
          (compat_bitmaps.py; Redis 7.0 semantics): every option and error,
          the values left behind (GET, OBJECT ENCODING), notifications, and
          --bitmap-count seeded random commands.  Never skipped.
  memory  memory and eviction (compat_memory.py; Redis 7.0 semantics): MEMORY
          HELP / USAGE / STATS / DOCTOR / PURGE / MALLOC-STATS, CONFIG of
          maxmemory (units), maxmemory-policy / -samples /
          -eviction-tenacity, lfu-*, lazyfree-lazy-*, OBJECT FREQ / IDLETIME
          under LRU and LFU policies and RESTORE ... IDLETIME / FREQ, OOM
          replies of a noeviction server over maxmemory (denyoom commands,
          MULTI / EXEC, scripts and functions, INFO errorstats), INFO memory
          field names and INFO stats eviction fields, eviction with the
          allkeys-* / volatile-* policies and its keyspace notifications.
          Named connections; maxmemory and the other parameters are restored
          after every group.  Sizes go through the shape normalisers
          documented in compat_memory.py.  Never skipped.
  hll     HyperLogLog (compat_hll.py; Redis 7.0 semantics): PFADD PFCOUNT
          PFMERGE PFDEBUG PFSELFTEST, every error (arity, WRONGTYPE, strings
          that are not HyperLogLogs, INVALIDOBJ for payloads corrupted with
          SETRANGE), the values themselves byte for byte (GET after each
          change: sparse opcodes, cached cardinality, promotion to dense past
          hll-sparse-max-bytes or for a register above 32), unions of up to
          16 keys, DUMP bytes, WATCH, keyspace notifications, and a seeded
          random stream of --hll-count commands (`-k hll:random` runs it
          alone).  Never skipped.
  geo     geo commands (compat_geo.py; Redis 7.0 semantics): GEOADD (NX XX CH,
          coordinate errors), GEODIST units, GEOHASH, GEOPOS, GEORADIUS /
          GEORADIUSBYMEMBER (and _RO) / GEOSEARCH / GEOSEARCHSTORE with every
          option, STORE / STOREDIST read back with ZRANGE WITHSCORES, every
          option-conflict error, COMMAND INFO / GETKEYS, keyspace
          notifications, and a seeded random part of --geo-count points
          (poles, antimeridian, clusters; a small listpack key and a large
          one) and --geo-count / 4 queries in random option combinations.
          Every reply is compared exactly, unsorted ones included (see
          compat_geo.py).  Never skipped.
  commands  the command table as clients read it (compat_commands.py): COMMAND
          INFO and COMMAND DOCS of every command ferrokv lists, exactly (key
          specs, tips, argument trees, history), and COMMAND GETKEYS /
          GETKEYSANDFLAGS over --commands-count seeded random argument lists
          per command built from its COMMAND DOCS argument tree.  Never
          skipped.
  acl     ACL (compat_acl.py): every ACL subcommand, rule and error text,
          AUTH / HELLO AUTH with users, permission checks of commands,
          subcommands, keys (read / write), channels and selectors at top
          level, in MULTI and in scripts, the ACL LOG, and --acl-count seeded
          random SETUSER rule lists with GETUSER / LIST / DRYRUN after each.
  random  seeded random command stream over a small keyspace, followed by a
          comparison of the final dataset of databases 0..15.  After a
          mismatch the reference dataset is copied into ferrokv (disable with
          --no-resync) so one bug does not cascade into hundreds of mismatches;
          --exclude CMD,... keeps known-broken commands out of the stream.
          The stream includes the data-type commands (compat_types.TypeGen;
          only for the types ferrokv answers, probed first), with the
          encoding thresholds lowered so collections cross them; lists,
          hashes, sets and zsets are compared at the end with LRANGE /
          HGETALL / SMEMBERS / ZRANGE WITHSCORES and OBJECT ENCODING.
          To reproduce a random failure, rerun with the printed seed/count.

Protocols: by default the whole suite runs twice (``--protocols 2,3``): first
with plain RESP2 connections, then a second pass in which every connection of
the hand, pubsub, tx, notify, tracking, types, blocking, scripting, streams, memory, bitmaps, hll, geo and random
parts
sends ``HELLO 3`` first on both servers, so every reply is compared in its RESP3 encoding (``_`` nulls, ``%``
maps, ``~`` sets, ``,`` doubles, ``#`` booleans ...).  Mismatches of that pass are labelled
``[resp3:...]``.  The proto part is about request framing and runs only once,
on raw sockets, in the first pass.  ``--resp3`` is short for ``--protocols 3``.
The final ``N passed, M failed`` line counts all passes.

Usage:
  scripts/compat.sh [--ferrokv PATH] [--redis PATH] [--seed N] [--count N]
                    [--parts hand,proto,pubsub,tx,notify,tracking,types,blocking,scripting,streams,memory,bitmaps,
                             hll,geo,commands,acl,random]
                    [--stream-count N] [--bitmap-count N] [--hll-count N] [--geo-count N]
                    [--commands-count N] [--acl-count N] [-k SUBSTR]
                    [--verbose]
                    [--max-report N] [--exclude CMD,CMD] [--no-resync]
                    [--protocols 2,3 | --resp3]

  --ferrokv PATH: defaults to target/release/ferrokv-server if it exists, else
  target/debug/ferrokv-server.  If the basename of PATH is ``redis-server`` a
  second redis-server is started instead (develop/verify the suite itself:
  ``scripts/compat.sh --ferrokv /usr/bin/redis-server`` must pass cleanly).

Output: one ``MISMATCH`` line per failing comparison (up to --max-report), then
a final line ``N passed, M failed``.  Exit code 1 on any mismatch, 0 otherwise,
2 on harness errors (server did not start, ...).
"""

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import compat_acl
import compat_bitmaps
import compat_commands
import compat_hll
import compat_geo
import compat_memory
import compat_scripting
import compat_streams
import compat_types

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SEED = 20240917

# --------------------------------------------------------------------------
# RESP client
# --------------------------------------------------------------------------


class Incomplete(Exception):
    pass


class BadReply(Exception):
    pass


class ConnFailure(Exception):
    pass


class Abort(Exception):
    """ferrokv is unusable (died / keeps timing out): stop the run early."""


def parse(buf, pos=0):
    """Parse one RESP2/RESP3 value starting at buf[pos].

    Returns ((type_char, payload), end_pos).  payload is bytes for simple types
    and blobs (None for RESP2 nulls ``$-1``/``*-1``), a list of values for
    aggregates (maps/attributes: flat key, value, key, value ... list), and for
    ``|`` attributes a pair (attribute_items, actual_value).
    Raises Incomplete if more data is needed, BadReply on garbage.
    """
    if pos >= len(buf):
        raise Incomplete
    t = chr(buf[pos])
    eol = buf.find(b"\r\n", pos)
    if eol < 0:
        raise Incomplete
    line = bytes(buf[pos + 1:eol])
    nxt = eol + 2
    if t in "+-:_,#(":
        return (t, line), nxt
    if t in "$=!":
        try:
            n = int(line)
        except ValueError:
            raise BadReply("bad blob length %r" % line)
        if n < 0:
            return (t, None), nxt
        if len(buf) < nxt + n + 2:
            raise Incomplete
        if buf[nxt + n:nxt + n + 2] != b"\r\n":
            raise BadReply("blob not terminated by CRLF")
        return (t, bytes(buf[nxt:nxt + n])), nxt + n + 2
    if t in "*~>%|":
        try:
            n = int(line)
        except ValueError:
            raise BadReply("bad aggregate length %r" % line)
        if n < 0:
            return (t, None), nxt
        cnt = n * 2 if t in "%|" else n
        items = []
        for _ in range(cnt):
            v, nxt = parse(buf, nxt)
            items.append(v)
        if t == "|":  # attribute: followed by the real reply
            v, nxt = parse(buf, nxt)
            return (t, (items, v)), nxt
        return (t, items), nxt
    raise BadReply("unknown RESP type byte %r" % t)


class Seq(list):
    """Several commands sent together as one step (see PSEQ): their replies
    form one window."""


def encode(args):
    if isinstance(args, Seq):
        return b"".join(encode(a) for a in args)
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    def __init__(self, port, timeout=3.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def call(self, args):
        """Send one command, return (raw_reply_bytes, parsed_value)."""
        try:
            self.sock.sendall(encode(args))
        except OSError as e:
            raise ConnFailure("send failed: %s" % e)
        return self.read_reply()

    def read_reply(self):
        while True:
            try:
                v, end = parse(self.buf, 0)
                raw = bytes(self.buf[:end])
                del self.buf[:end]
                return raw, v
            except Incomplete:
                pass
            except BadReply as e:
                raise ConnFailure("unparseable reply %r: %s" % (bytes(self.buf[:200]), e))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise ConnFailure("timeout (partial %r)" % bytes(self.buf[:200]))
            except OSError as e:
                raise ConnFailure("recv failed: %s" % e)
            if not data:
                raise ConnFailure("connection closed (partial %r)" % bytes(self.buf[:200]))
            self.buf += data


def argv(parts):
    """Normalise command arguments: the first argument, if a str, is split on
    single spaces (so C("SET k v") and C("SET k", "a b") both work); the others
    are literal.  str -> latin-1 bytes (so '\\xff' is byte 0xff); int -> str."""
    parts = list(parts)
    if parts and isinstance(parts[0], str) and " " in parts[0]:
        parts = parts[0].split(" ") + parts[1:]
    out = []
    for p in parts:
        if isinstance(p, bytes):
            out.append(p)
        elif isinstance(p, int):
            out.append(str(p).encode())
        else:
            out.append(p.encode("latin-1"))
    return out


def show(b, limit=300):
    r = repr(b)
    if len(r) > limit:
        r = r[:limit] + "...(%d bytes)" % len(b)
    return r


def cmd_str(args, limit=160):
    if isinstance(args, Seq):
        s = " ; ".join(cmd_str(a, limit) for a in args)
        return s if len(s) <= limit else s[:limit] + "..."

    def one(a):
        if a and all(33 <= c <= 126 for c in a) and not a.startswith((b"'", b'"')):
            return a.decode() if len(a) <= 60 else a[:60].decode() + "...(%d bytes)" % len(a)
        return show(a, 60)
    s = " ".join(one(a) for a in args)
    return s if len(s) <= limit else s[:limit] + "..."


# --------------------------------------------------------------------------
# Comparators / normalisations
# --------------------------------------------------------------------------


def _is_err(v):
    return v is None or v[0] in "-!"


def cmp_exact(a, b):
    return a[0] == b[0]


def _pairs(items):
    return [(items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)]


def cmp_sorted(a, b):
    # KEYS (and anything else returning an unordered collection): Redis returns
    # the elements in hash-table order, which is unspecified -> compare the
    # reply type and the sorted list of elements.  RESP3 sets (~) likewise;
    # RESP3 maps (%) are compared as unordered sets of (key, value) pairs.
    # The aggregate type byte (* vs ~ vs %) must match.  Errors compare exactly.
    (ra, va), (rb, vb) = a, b
    if _is_err(va) or _is_err(vb) or va[0] not in "*~%" or vb[0] not in "*~%" \
            or va[1] is None or vb[1] is None:
        return ra == rb
    if va[0] != vb[0]:
        return False
    if va[0] == "%":
        return sorted(_pairs(va[1]), key=repr) == sorted(_pairs(vb[1]), key=repr)
    return sorted(va[1], key=repr) == sorted(vb[1], key=repr)


def cmp_pairs(a, b):
    # CONFIG GET: Redis collects the matching parameters (several arguments,
    # globs) in dict order, which is unspecified.  The reply is a flat array
    # name, value, name, value ... in RESP2 and a map in RESP3; both compare as
    # the reply type plus the unordered set of (name, value) pairs.  Errors and
    # odd-length arrays compare exactly.
    (ra, va), (rb, vb) = a, b
    if _is_err(va) or _is_err(vb) or va[0] not in "*%" or vb[0] not in "*%" \
            or va[1] is None or vb[1] is None or len(va[1]) % 2 or len(vb[1]) % 2:
        return ra == rb
    return va[0] == vb[0] and sorted(_pairs(va[1]), key=repr) == sorted(_pairs(vb[1]), key=repr)


def _tolerance(tol):
    # Time-dependent integers (TTL, PTTL, EXPIRETIME, PEXPIRETIME): the two
    # servers execute the same command a few hundred microseconds apart, so the
    # remaining / absolute time differs slightly.  Non-negative integer replies
    # are equal if within `tol` (1 for second resolution, 50 for milliseconds);
    # negative replies (-1 no TTL, -2 no key) and errors must match exactly.
    def cmp(a, b):
        (ra, va), (rb, vb) = a, b
        if va is None or vb is None or va[0] != ":" or vb[0] != ":":
            return ra == rb
        x, y = int(va[1]), int(vb[1])
        if x < 0 or y < 0:
            return x == y
        return abs(x - y) <= tol
    return cmp


def cmp_hello(a, b):
    # HELLO: the values of server/version/id/mode/role/modules legitimately
    # differ.  Compare the reply type (RESP2 array vs RESP3 map), the ordered
    # list of field names (Redis's order is fixed), the RESP type byte of every
    # value (e.g. `modules` must be an array, not a set) and the full value of
    # the `proto` field.  Errors compare exactly.
    (ra, va), (rb, vb) = a, b
    if _is_err(va) or _is_err(vb) or va[1] is None or vb[1] is None \
            or va[0] not in "*%" or vb[0] not in "*%":
        return ra == rb

    def shape(v):
        items = v[1]
        keys = [items[i] for i in range(0, len(items), 2)]
        types = [items[i][0] for i in range(1, len(items), 2)]
        proto = None
        for i in range(0, len(items) - 1, 2):
            if items[i][1] == b"proto":
                proto = items[i + 1]
        return v[0], keys, types, proto
    return shape(va) == shape(vb)


def cmp_time(a, b):
    # TIME: values differ by construction; compare the shape (array of two bulk
    # strings of digits) and require the seconds to be within 2 s.
    (ra, va), (rb, vb) = a, b
    if _is_err(va) or _is_err(vb):
        return ra == rb

    def secs(v):
        if v[0] != "*" or v[1] is None or len(v[1]) != 2:
            return None
        if not all(x[0] == "$" and x[1] and x[1].isdigit() for x in v[1]):
            return None
        return int(v[1][0][1])
    sa, sb = secs(va), secs(vb)
    return sa is not None and sb is not None and abs(sa - sb) <= 2


# Commands whose check needs more than the two replies (a full cursor
# iteration, a look at the key before a random pick, ...): norm name ->
# function(harness, args, label) that runs the command on both servers itself
# and reports.  Filled by compat_types.install (see the functions there).
SPECIAL_CHECKS = {}

COMPARATORS = {
    None: cmp_exact,
    "sorted": cmp_sorted,
    "pairs": cmp_pairs,
    "ttl": _tolerance(1),       # TTL, EXPIRETIME (seconds)
    "pttl": _tolerance(50),     # PTTL, PEXPIRETIME (milliseconds)
    "hello": cmp_hello,
    "time": cmp_time,
}

# Commands whose reply needs a normalisation, used by the random generator and
# as default for hand-picked steps without an explicit `n=`.
DEFAULT_NORM = {
    b"KEYS": "sorted",
    b"TTL": "ttl",
    b"EXPIRETIME": "ttl",
    b"PTTL": "pttl",
    b"PEXPIRETIME": "pttl",
    b"HELLO": "hello",
    b"TIME": "time",
    b"CONFIG": "pairs",
}


# --------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server:
    def __init__(self, label, path, is_redis):
        self.label = label
        self.path = path
        self.is_redis = is_redis
        self.proc = None
        self.dir = None
        self.port = None

    def start(self, port):
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="compat-%s-" % self.label)
        # DEBUG on, on both sides (the ops-debug groups of the memory part compare it)
        cmd = [self.path, "--port", str(port), "--bind", "127.0.0.1", "--enable-debug-command", "yes"]
        if self.is_redis:
            cmd += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        else:
            # no HTTP listener: several suites (or a suite and a test) may run at once;
            # persistence off as the reference runs (ferrokv's defaults are appendonly yes,
            # save points and dir ./data), and any file it writes goes to this temp dir
            cmd += ["--http-port", "0", "--appendonly", "no", "--save", "", "--dir", self.dir]
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        # Redis sorts SORT ... ALPHA with strcoll(): run it in the C locale so
        # the collation is plain byte order
        env = dict(os.environ, LC_ALL="C") if self.is_redis else None
        self.proc = subprocess.Popen(cmd, cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)

    def log_tail(self, n=20):
        try:
            with open(os.path.join(self.dir, "server.log"), "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_ready(self, timeout=10.0):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s (%s) exited with code %s:\n%s" % (
                    self.label, self.path, self.proc.returncode, self.log_tail()))
            try:
                c = Conn(self.port, timeout=1.0)
                try:
                    raw, _ = c.call([b"PING"])
                finally:
                    c.close()
                if raw == b"+PONG\r\n":
                    return
                last = raw
            except (OSError, ConnFailure) as e:
                last = e
            time.sleep(0.05)
        raise RuntimeError("%s did not answer PING within %.0fs (last: %r)\n%s" % (
            self.label, timeout, last, self.log_tail()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # by our own pid only
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None:
            self.log.close()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------
# Harness
# --------------------------------------------------------------------------


class Side:
    """One server plus the current client connection and the client state we
    need to restore after a reconnect (selected db, protocol).

    `default_proto` is the protocol of a fresh connection: 3 means every new
    connection sends ``HELLO 3`` before its first command (RESP3 pass)."""

    def __init__(self, name, server):
        self.name = name
        self.server = server
        self.conn = None
        self.db = 0
        self.default_proto = 2
        self.proto = 2
        self.timeouts = 0

    def fresh(self):
        if self.conn:
            self.conn.close()
        self.conn = None
        self.db = 0
        self.proto = self.default_proto

    def call(self, args):
        if self.conn is None:
            try:
                self.conn = Conn(self.server.port)
                if self.db:
                    self.conn.call([b"SELECT", str(self.db).encode()])
                if self.proto == 3:
                    raw, v = self.conn.call([b"HELLO", b"3"])
                    if v is None or v[0] != "%":
                        # the command would be answered in RESP2: make that
                        # visible instead of a confusing encoding mismatch
                        self.conn.close()
                        self.conn = None
                        return b"<HELLO 3 handshake failed: %s>" % show(raw, 120).encode(), None
            except (OSError, ConnFailure) as e:
                if self.conn:
                    self.conn.close()
                self.conn = None
                return b"<connect failed: %s>" % str(e).encode(), None
        try:
            raw, v = self.conn.call(args)
        except ConnFailure as e:
            self.conn.close()
            self.conn = None
            if str(e).startswith("timeout"):
                self.timeouts += 1
                if self.timeouts >= 10:
                    raise Abort("%s timed out 10 times, giving up" % self.name)
            if not self.server.alive():
                raise Abort("%s process died (exit %s):\n%s" % (
                    self.name, self.server.proc.returncode, self.server.log_tail()))
            return b"<%s>" % str(e).encode(), None
        cmd = args[0].upper() if args else b""
        if cmd == b"SELECT" and v is not None and v[0] == "+":
            self.db = int(args[1])
        elif cmd == b"HELLO" and len(args) > 1 and v is not None and v[0] in "*%":
            self.proto = int(args[1])
        return raw, v

    def close(self):
        if self.conn:
            self.conn.close()
        self.conn = None


class Harness:
    def __init__(self, ref, test, verbose, max_report):
        self.ref = ref      # Side for redis
        self.test = test    # Side for ferrokv
        self.verbose = verbose
        self.max_report = max_report
        self.passed = 0
        self.failed = 0
        self.skipped_groups = 0
        self.skip_reasons = {}
        self.reported = 0
        self.resyncs = 0
        self.ps_late = 0    # pub/sub deliveries that arrived after a later PING reply
        self.tag = ""       # label prefix of the current pass ("resp3:")

    def set_proto(self, proto):
        """Protocol of every fresh connection from now on (2 or 3)."""
        self.ref.default_proto = self.test.default_proto = proto
        self.tag = "resp3:" if proto == 3 else ""
        self.fresh()

    def fresh(self):
        self.ref.fresh()
        self.test.fresh()

    def report(self, label, what, ra, rb, ok):
        label = self.tag + label
        if ok:
            self.passed += 1
            if self.verbose:
                print("ok       [%s] %s -> %s" % (label, what, show(ra, 200)))
            return
        self.failed += 1
        if self.reported < self.max_report or self.verbose:
            self.reported += 1
            print("MISMATCH [%s] %s | redis: %s | ferrokv: %s" % (label, what, show(ra), show(rb)))
        elif self.reported == self.max_report:
            self.reported += 1
            print("... (further mismatches not shown, raise --max-report)")

    def exchange(self, args):
        a = self.ref.call(args)
        b = self.test.call(args)
        return a, b

    def check(self, args, norm=None, label="", setup=False):
        """Run one command on both servers and compare.

        Returns True if equal.  For setup steps a mismatch where ferrokv replied
        with an error returns None (caller skips the rest of the group)."""
        if norm is None:
            norm = DEFAULT_NORM.get(args[0].upper() if args else b"")
        if norm == "scan":
            return self.check_scan(args, label)
        if norm in SPECIAL_CHECKS:
            return SPECIAL_CHECKS[norm](self, args, label)
        a, b = self.exchange(args)
        ok = COMPARATORS[norm](a, b)
        if setup:
            if ok:
                return True
            if b[1] is None or b[1][0] in "-!":
                return None
        self.report(label, cmd_str(args), a[0], b[0], ok)
        return ok

    @staticmethod
    def scan_all(side, extra):
        cursor = b"0"
        keys = set()
        for _ in range(100000):
            raw, v = side.call([b"SCAN", cursor] + extra)
            if v is None or v[0] != "*" or not v[1] or len(v[1]) != 2 \
                    or v[1][0][0] != "$" or v[1][1][0] != "*":
                return raw
            cursor = v[1][0][1]
            keys.update(x[1] for x in v[1][1][1])
            if cursor == b"0":
                return b"keys=" + repr(sorted(keys)).encode()
        return b"<SCAN did not terminate>"

    def check_scan(self, args, label):
        # SCAN: cursor values and the batching of keys are implementation
        # specific.  Run a full cursor iteration (starting at 0, with the given
        # MATCH/COUNT/TYPE options) on each server and compare the *set* of
        # returned keys (duplicates allowed by the SCAN contract are removed).
        # A non-array reply (error) is compared exactly.
        extra = args[2:]
        ra = self.scan_all(self.ref, extra)
        rb = self.scan_all(self.test, extra)
        self.report(label, "SCAN-ALL " + cmd_str(extra), ra, rb, ra == rb)
        return ra == rb

    def run_group(self, name, steps):
        self.fresh()
        r = self.check([b"FLUSHALL"], label=name, setup=True)
        if r is None:
            self.skip(name, "FLUSHALL")
            return
        for kind, args, norm in steps:
            r = self.check(args, norm, label=name, setup=(kind == "s"))
            if r is None:
                self.skip(name, args[0].decode("latin-1").upper())
                return

    def skip(self, name, reason):
        self.skipped_groups += 1
        key = self.tag + reason
        self.skip_reasons[key] = self.skip_reasons.get(key, 0) + 1
        if self.verbose:
            print("SKIP     [%s%s] setup %s failed on ferrokv" % (self.tag, name, reason))


# --------------------------------------------------------------------------
# Hand-picked cases
# --------------------------------------------------------------------------


def C(*a, n=None):
    return ("c", argv(a), n)


def S(*a):
    return ("s", argv(a), None)


def SCANALL(*a):
    return ("c", [b"SCAN", b"0"] + argv(a) if a else [b"SCAN", b"0"], "scan")


# Command arity table (Redis 7.0).  Negative = at least |n| args.
ARITY = {
    "get": 2, "set": -3, "setnx": 3, "setex": 4, "psetex": 4, "mget": -2, "mset": -3,
    "msetnx": -3, "getset": 3, "getdel": 2, "getex": -2, "append": 3, "strlen": 2,
    "incr": 2, "decr": 2, "incrby": 3, "decrby": 3, "incrbyfloat": 3, "getrange": 4,
    "setrange": 4, "substr": 4, "lcs": -3, "del": -2, "unlink": -2, "exists": -2,
    "type": 2, "rename": 3, "renamenx": 3, "keys": 2, "scan": -2, "dbsize": 1,
    "flushdb": -1, "flushall": -1, "touch": -2, "copy": -3, "move": 3, "swapdb": 3,
    "object": -2, "expire": -3, "pexpire": -3, "expireat": -3, "pexpireat": -3,
    "ttl": 2, "pttl": 2, "expiretime": 2, "pexpiretime": 2, "persist": 2, "ping": -1,
    "echo": 2, "select": 2, "hello": -1, "client": -2, "config": -2, "time": 1,
    "command": -1,
}
# (COMMAND GETKEYS is -4 in Redis 7.0: `COMMAND GETKEYS PING` is an arity error.)
SUB_ARITY = {("object", "encoding"): 3, ("client", "setname"): 3, ("client", "getname"): 2,
             ("config", "get"): -3, ("command", "getkeys"): -4, ("command", "count"): 2}


def arity_groups():
    steps = []
    for name, ar in ARITY.items():
        n = abs(ar)
        fill = ["k", "1", "2", "3", "4", "5"]
        if n > 1:
            steps.append(C(*([name.upper()] + fill[:n - 2])))  # one too few
        if ar > 0:
            steps.append(C(*([name.upper()] + fill[:n])))       # one too many
        if n > 1:
            steps.append(C(*([name] + fill[:n - 2])))  # lowercase, one too few
    steps2 = []
    for (cont, sub), ar in SUB_ARITY.items():
        n = abs(ar)
        fill = ["databases", "k", "v", "x"]
        steps2.append(C(*([cont.upper(), sub.upper()] + fill[:n - 3])))
        if ar > 0:
            steps2.append(C(*([cont.upper(), sub.upper()] + fill[:n - 1])))
    # odd argument counts of MSET/MSETNX are arity errors too
    steps2 += [C("MSET a 1 b"), C("MSETNX a 1 b"), C("MSET a 1 b 2 c")]
    return [("arity", steps), ("arity-subcommands", steps2)]


def hand_groups(now):
    fut = now + 100000          # absolute seconds far in the future
    futms = fut * 1000 + 123
    G = []
    G += arity_groups()
    G.append(("unknown-command", [
        C("FOO"), C("FOO a b"), C("foo a b c d e f g h i j k l m n o p q"),
        # (no "GET\x00" as command name: Redis matches it against GET only on a
        # hash-bucket collision with its per-process random seed -> flaky)
        C(""), C("", "x"), C("FOO", b"a\x00b\r\nc\xff"), C("X" * 300, "y" * 300),
        C("sEt k v"), C("GeT k"), C("GETT k"),
    ]))
    # ---------------------------------------------------------------- strings
    G.append(("set-basic", [
        C("SET k v"), C("GET k"), C("SET k v2"), C("GET k"), C("GET missing"),
        C("SET", "", ""), C("GET", ""), C("STRLEN", ""), C("EXISTS", ""),
        C("SET k v extra"), C("SET k v EX"), C("SET k v PX"), C("SET k v FOO"),
        C("set k lower"), C("GET k"), C("SET k v NX NX"), C("SET k v XX XX"),
        C("SET k v GET GET"), C("SET k v KEEPTTL KEEPTTL"),
    ]))
    G.append(("set-nx-xx", [
        C("SET k v NX"), C("SET k v2 NX"), C("GET k"), C("SET k2 v XX"), C("EXISTS k2"),
        C("SET k v3 XX"), C("GET k"), C("SET k v NX XX"), C("SET k v XX NX"),
        C("SET k v nx xx"), C("SET k v xx"), C("SET k2 v nx"),
    ]))
    G.append(("set-get", [
        C("SET k v GET"), C("SET k v2 GET"), C("SET k v3 NX GET"), C("SET k v4 XX GET"),
        C("SET nx v NX GET"), C("SET xx v XX GET"), C("GET xx"), C("SET k v5 GET EX 100"),
        C("TTL k"), C("SET k v6 GET KEEPTTL"), C("TTL k"), C("GET k"),
    ]))
    G.append(("set-expire-options", [
        C("SET k v EX 100"), C("TTL k"), C("PTTL k"), C("SET k v EX 0"), C("SET k v EX -1"),
        C("SET k v EX abc"), C("SET k v EX 1.5"), C("SET k v EX", ""),
        C("SET k v EX 9999999999999999"), C("SET k v EX 9223372036854775"),
        C("SET k v EX 9223372036854775807"), C("SET k v EX -9223372036854775808"),
        C("SET k v PX 100000"), C("PTTL k"), C("SET k v PX 0"), C("SET k v PX -5"),
        C("SET k v PX 9223372036854775807"), C("SET k v PX 9223372036854775806"),
        C("SET k v EXAT %d" % fut), C("EXPIRETIME k"), C("TTL k"),
        C("SET k v PXAT %d" % futms), C("PEXPIRETIME k"), C("EXPIRETIME k"),
        C("SET k v EXAT 0"), C("SET k v EXAT -1"), C("SET k v PXAT 0"),
        C("SET k v EXAT 9223372036854775"), C("SET k v EXAT 9223372036854775807"),
        C("SET k v PXAT 9223372036854775807"), C("TTL k"), C("PEXPIRETIME k"),
        C("SET k v EX 100 PX 100000"), C("SET k v EX 100 EX 200"), C("SET k v PX 100 EXAT %d" % fut),
        C("SET k v EX 100 KEEPTTL"), C("SET k v KEEPTTL EX 100"), C("SET k v PXAT %d KEEPTTL" % futms),
        C("SET k v ex 100"), C("TTL k"), C("SET k v2 KEEPTTL"), C("TTL k"), C("GET k"),
        C("SET k v3"), C("TTL k"), C("SET k v KEEPTTL"), C("TTL k"),
        C("SET k v EX 100 NX"), C("SET k v EX 200 XX GET"), C("TTL k"),
        C("SET k v GET NX EX 100"),
    ]))
    G.append(("set-exat-past", [
        # key is logically expired immediately (Redis 7.0 keeps it until
        # accessed, so DBSIZE is deliberately not asked here)
        C("SET k v EXAT 1"), C("GET k"), C("EXISTS k"), C("TTL k"),
        C("SET k v PXAT 1"), C("GET k"), C("SET k v PXAT %d" % ((now - 1000) * 1000)),
        C("STRLEN k"), C("SET k v XX"), C("EXISTS k"),
    ]))
    G.append(("setnx", [
        C("SETNX k v"), C("SETNX k v2"), C("GET k"), C("SETNX", "", "x"), C("GET", ""),
        C("SET t v EX 100"), C("SETNX t x"), C("TTL t"),
    ]))
    G.append(("setex-psetex", [
        C("SETEX k 100 v"), C("TTL k"), C("GET k"), C("SETEX k 0 v"), C("SETEX k -1 v"),
        C("SETEX k abc v"), C("SETEX k 1.5 v"), C("SETEX k 9223372036854775807 v"),
        C("SETEX k 9223372036854775 v"), C("SETEX k", "", "v"), C("GET k"),
        C("PSETEX k 100000 v2"), C("PTTL k"), C("GET k"), C("PSETEX k 0 v"), C("PSETEX k -1 v"),
        C("PSETEX k abc v"), C("PSETEX k 9223372036854775807 v"), C("setex k 200 lower"), C("TTL k"),
    ]))
    G.append(("mget-mset", [
        C("MSET a 1 b 2"), C("MGET a b c"), C("MGET c"), C("MSET a 3 a 4"), C("GET a"),
        C("MSETNX a 1 x 2"), C("EXISTS x"), C("MSETNX x 1 y 2"), C("MGET x y"),
        C("MSETNX z 1 z 2"), C("GET z"), C("MSET", "", "empty", "b", ""), C("MGET", "", "b"),
        C("SET t v EX 100"), C("MSET t v2"), C("TTL t"), C("mset lc 1"), C("mget lc lc lc"),
    ]))
    G.append(("getset-getdel", [
        C("GETSET k v"), C("GETSET k v2"), C("GET k"), C("SET t v EX 100"), C("GETSET t v2"),
        C("TTL t"), C("GETDEL k"), C("GETDEL k"), C("EXISTS k"), C("GETDEL missing"),
        C("SET n 123"), C("GETDEL n"), C("GETSET", "", "e"), C("GETDEL", ""),
    ]))
    G.append(("getex", [
        C("SET k v"), C("GETEX k"), C("GETEX k EX 100"), C("TTL k"), C("GETEX k PX 200000"),
        C("PTTL k"), C("GETEX k EXAT %d" % fut), C("EXPIRETIME k"), C("GETEX k PXAT %d" % futms),
        C("PEXPIRETIME k"), C("GETEX k PERSIST"), C("TTL k"), C("GETEX k EX 0"), C("GETEX k EX -1"),
        C("GETEX k EX abc"), C("GETEX k PX 0"), C("GETEX k EXAT 0"), C("GETEX k PXAT -1"),
        C("GETEX k EX 9223372036854775807"), C("GETEX k PX 9223372036854775807"),
        C("GETEX k EX 100 PX 100"), C("GETEX k PERSIST EX 100"), C("GETEX k EX 100 PERSIST"),
        C("GETEX k FOO"), C("GETEX k EX"), C("GETEX k PERSIST PERSIST"), C("GETEX k KEEPTTL"),
        C("GETEX missing"), C("GETEX missing EX 100"), C("GETEX missing FOO"),
        C("GETEX k ex 300"), C("TTL k"), C("GETEX k EXAT 1"), C("GET k"), C("EXISTS k"),
        C("SET k2 v2"), C("GETEX k2 PXAT 1"), C("EXISTS k2"), C("DBSIZE"),
    ]))
    G.append(("append-strlen", [
        C("APPEND k a"), C("APPEND k bc"), C("GET k"), C("STRLEN k"), C("STRLEN missing"),
        C("APPEND k", ""), C("APPEND e", ""), C("EXISTS e"), C("GET e"), C("SET n 10"),
        C("APPEND n 5"), C("GET n"), C("OBJECT ENCODING n"), C("STRLEN n"), C("SET t v EX 100"),
        C("APPEND t x"), C("TTL t"), C("SET big 12345678901234567890"), C("STRLEN big"),
        C("SET neg -1"), C("STRLEN neg"),
    ]))
    G.append(("incr-decr", [
        C("INCR k"), C("INCRBY k 10"), C("DECR k"), C("DECRBY k 5"), C("GET k"),
        C("INCRBY k abc"), C("INCRBY k 1.5"), C("INCRBY k", ""), C("INCRBY k 9223372036854775808"),
        C("INCRBY k -9223372036854775809"), C("DECRBY k abc"), C("INCRBY k +1"), C("INCRBY k 01"),
        C("INCRBY k -0"), C("INCRBY k 0"), C("GET k"), C("OBJECT ENCODING k"),
        C("SET k 9223372036854775807"), C("INCR k"), C("INCRBY k 0"), C("DECR k"), C("GET k"),
        C("SET k -9223372036854775808"), C("DECR k"), C("INCR k"), C("GET k"),
        C("SET o 1"), C("INCRBY o 9223372036854775807"), C("INCRBY o 9223372036854775807"), C("GET o"),
        C("SET p 0"), C("DECRBY p -9223372036854775808"), C("DECRBY p 9223372036854775807"),
        C("DECRBY p 9223372036854775807"), C("GET p"), C("SET q -2"), C("DECRBY q 9223372036854775807"),
        C("INCRBY q -9223372036854775808"), C("SET t 5 EX 100"), C("INCR t"), C("TTL t"),
        C("DECRBY new -9223372036854775807"), C("GET new"),
    ]))
    bad_ints = ["abc", "1.5", " 1", "1 ", "01", "+1", "-0", "0x10", "", "12345678901234567890",
                "9223372036854775808", "-9223372036854775809", "1e3", "- 1", "--1", "\x001"]
    steps = []
    for v in bad_ints:
        steps += [C("SET", "k", v), C("INCR k"), C("DECR k"), C("INCRBY k 1"), C("DECRBY k 1"),
                  C("GET k"), C("OBJECT ENCODING k")]
    for v in ["0", "-1", "9223372036854775806", "-9223372036854775807", "10000", "9999"]:
        steps += [C("SET", "k", v), C("INCR k"), C("OBJECT ENCODING k"), C("DECR k"), C("GET k")]
    G.append(("incr-on-odd-values", steps))
    steps = [C("INCRBYFLOAT k 10.5"), C("INCRBYFLOAT k 0.1"), C("INCRBYFLOAT k -5"),
             C("INCRBYFLOAT k 3.0e3"), C("INCRBYFLOAT k 5.0e-3"), C("GET k"), C("OBJECT ENCODING k")]
    for start, inc in [("0", "1e17"), ("0", "-1e17"), ("0", "1.23456789012345678"), ("0.1", "0.2"),
                       ("1.0", "1"), ("1.0", "0"), ("3.0e3", "0"), ("5", "1.5"), ("1e308", "1e308"),
                       ("0", "inf"), ("0", "-inf"), ("0", "+inf"), ("0", "nan"), ("0", "NaN"),
                       ("0", "abc"), ("0", ""), ("0", " 1"), ("0", "1 "), ("abc", "1"), (" 1", "1"),
                       ("1 ", "1"), ("", "1"), ("1.5.5", "1"), ("0", "1e400"), ("0", "1e-320"),
                       ("0", "1e5000"), ("0", "1.7976931348623157e308"), ("0", "0x10"), ("0", "1e"),
                       ("0", "-0"), ("-0", "0"), ("0", "0.00000000000000001"), ("10", "-10"),
                       ("9223372036854775807", "1"), ("0", "123456789012345678901234567890"),
                       ("1", "1e-17"), ("0", "2.5e-5"), ("100", "1e2"), ("0", ".5"), ("0", "5."),
                       ("0", "1_000"), ("0", "0.1e-30"), ("0", "-1.5e-7"), ("1\x00", "1"),
                       ("\x00", "1"), ("1.5\x002", "1"), ("0", "1\x00"), ("0", "\x001"), ("1", "0\x00")]:
        steps += [C("SET", "f", start), C("INCRBYFLOAT", "f", inc), C("GET f")]
    steps += [C("SET t 1 EX 100"), C("INCRBYFLOAT t 1"), C("TTL t"), C("INCRBYFLOAT new 0"), C("GET new")]
    G.append(("incrbyfloat", steps))
    steps = [C("SET", "k", "Hello World")]
    for a, b in [(0, 4), (-5, -1), (0, -1), (5, 2), (-100, 100), (100, 200), (0, 0), (-1, -1),
                 (-100, -50), (0, 9223372036854775807), (-9223372036854775808, 3),
                 (-9223372036854775808, 9223372036854775807), (3, -100), (-1, -5), (10, 10), (11, 11),
                 (-11, -11), (-12, 0), (1, -2)]:
        steps += [C("GETRANGE k %d %d" % (a, b)), C("SUBSTR k %d %d" % (a, b))]
    steps += [C("GETRANGE k a b"), C("GETRANGE k 0 b"), C("GETRANGE k 1.5 2"),
              C("GETRANGE k 0 9223372036854775808"), C("GETRANGE missing 0 -1"), C("SUBSTR missing 0 -1"),
              C("SET", "e", ""), C("GETRANGE e 0 -1"), C("GETRANGE e 0 0"), C("GETRANGE e -1 -1"),
              C("SET n 123456"), C("GETRANGE n 1 3"), C("GETRANGE n -2 -1"), C("SUBSTR n 0 0"),
              C("SET m -9223372036854775808"), C("GETRANGE m 0 -1"), C("GETRANGE m 1 1")]
    G.append(("getrange-substr", steps))
    G.append(("setrange", [
        C("SETRANGE k 0 abc"), C("GET k"), C("SETRANGE k 5 x"), C("GET k"), C("STRLEN k"),
        C("SETRANGE k 1 ZZZZZZZZZZ"), C("GET k"), C("SETRANGE k -1 x"), C("SETRANGE k 536870912 x"),
        C("SETRANGE k 536870911 xx"), C("SETRANGE k 9223372036854775807 x"), C("SETRANGE k abc x"),
        C("SETRANGE k 1.5 x"), C("SETRANGE m 5", ""), C("EXISTS m"), C("SETRANGE m 536870912", ""),
        C("SETRANGE m -1", ""), C("SETRANGE m 0", ""), C("EXISTS m"), C("SETRANGE k 100", ""),
        C("SETRANGE k 536870912", ""), C("SETRANGE k -1", ""), C("GET k"), C("SET n 12345"),
        C("SETRANGE n 1 x"), C("GET n"), C("OBJECT ENCODING n"), C("SET t v EX 100"),
        C("SETRANGE t 0 w"), C("TTL t"), C("SETRANGE b 3", b"\x00\xff\r\n"), C("GET b"),
        C("SETRANGE k 0", ""), C("GET k"),
    ]))
    G.append(("lcs", [
        C("SET a ohmytext"), C("SET b mynewtext"), C("LCS a b"), C("LCS a b LEN"), C("LCS a b IDX"),
        C("LCS a b IDX MINMATCHLEN 4"), C("LCS a b IDX WITHMATCHLEN"),
        C("LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN"), C("LCS a b WITHMATCHLEN IDX MINMATCHLEN 2"),
        C("LCS a b LEN IDX"), C("LCS a b IDX LEN"), C("LCS a missing"), C("LCS missing a"),
        C("LCS missing missing2"), C("LCS missing missing2 IDX"), C("LCS missing missing2 LEN"),
        C("LCS a b MINMATCHLEN abc"), C("LCS a b IDX MINMATCHLEN -1"), C("LCS a b IDX MINMATCHLEN 0"),
        C("LCS a b IDX MINMATCHLEN 100"), C("LCS a b FOO"), C("LCS a b MINMATCHLEN"), C("LCS a a"),
        C("LCS a a IDX"), C("LCS a b LEN WITHMATCHLEN"), C("LCS a b LEN MINMATCHLEN 3"),
        C("LCS a b MINMATCHLEN 3"), C("LCS a b idx withmatchlen"), C("LCS a b IDX IDX"),
        C("SET", "e", ""), C("LCS a e"), C("LCS e e IDX"), C("LCS a e LEN"),
        C("SET", "x", b"\x00\xffab\r\ncd"), C("SET", "y", b"ab\xff\x00cd\r\n"), C("LCS x y"),
        C("LCS x y IDX WITHMATCHLEN"), C("SET n 12345"), C("SET m 2468"), C("LCS n m"),
        C("SET p ABCBDAB"), C("SET q BDCABA"), C("LCS p q"), C("LCS q p"), C("LCS p q IDX WITHMATCHLEN"),
        C("LCS p q IDX MINMATCHLEN 2 WITHMATCHLEN"), C("LCS a b c"), C("LCS a b IDX MINMATCHLEN 9223372036854775808"),
    ]))
    # ------------------------------------------------------------------ keys
    G.append(("del-exists-touch", [
        S("SET a 1"), S("SET b 2"), S("SET c 3"), C("EXISTS a"), C("EXISTS a a b missing"), C("DEL a missing"),
        C("DEL a"), C("DEL b b c"), C("DBSIZE"), S("SET a 1"), S("SET b 2"), C("UNLINK a b c"), C("UNLINK a"),
        C("DBSIZE"), C("SET x 1"), C("TOUCH x x missing"), C("TOUCH missing"), C("TYPE x"),
        C("TYPE missing"), C("SET", "", "1"), C("DEL", ""), C("EXISTS", ""), C("del x"),
    ]))
    G.append(("rename", [
        C("SET a 1"), C("RENAME a b"), C("GET a"), C("GET b"), C("RENAME missing x"),
        C("RENAME missing missing"), C("RENAME b b"), C("GET b"), C("SET c 3"), C("RENAME b c"),
        C("GET c"), C("SET t v EX 100"), C("RENAME t t2"), C("TTL t2"), C("SET d 4"), C("RENAME d t2"),
        C("TTL t2"), C("RENAMENX t2 c"), C("RENAMENX t2 t2"), C("RENAMENX missing z"),
        C("RENAMENX t2 z"), C("GET z"), C("EXISTS t2"), C("SET e 5 EX 100"), C("RENAMENX e f"),
        C("TTL f"), C("RENAME f", ""), C("GET", ""), C("RENAME", "", b"\x00"), C("GET", b"\x00"),
    ]))
    kw = ["a", "b", "c", "ab", "abc", "a*", "*", "?", "[", "a[", "h\\llo", "hello", "hallo", "hxllo",
          "hllo", "heeeello", "x\x00y", "a" * 60, "a]", "-", "^", "\\", "a-c", "b-", "]"]
    steps = [S("SET", k, "v") for k in kw]
    for p in ["*", "?", "[abc]", "[^a]", "[^a]*", "[a-c]", "\\*", "[", "a[", "*[", "h[^e]llo",
              "h[a-b]llo", "h*llo", "h?llo", "h\\llo", "h\\\\llo", "a*a*a*a*a*a*a*a*a*a*a*a*b",
              "a*a*a*a*a*a*a*a*a*a*a*a*a", "[z-a]", "[a-]", "[-]", "[]]", "[]", "*\\", "\\", "a\\",
              "[\\]]", "[^]", "x*", "x?y", "x\x00*", "", "??", "???", "*a*", "[a-c]*", "[!a]",
              "a[*", "[[]", "\\[", "*]", "[a-c-]", "[^a-c]", "[^a-c]*", "h[el]*o", "*?*?*"]:
        steps.append(C("KEYS", p))
    steps += [C("KEYS *"), C("keys *"), C("SELECT 1"), C("KEYS *")]
    G.append(("keys-glob", steps))
    steps = [S("SET", "key:%d" % i, str(i)) for i in range(50)] + [S("SET a 1"), S("SET b 2"), S("SET other 3")]
    for opts in [(), ("COUNT", "1"), ("COUNT", "2"), ("COUNT", "1000"), ("MATCH", "key:1*"),
                 ("MATCH", "key:?", "COUNT", "3"), ("MATCH", "nomatch*"), ("TYPE", "string"),
                 ("TYPE", "list"), ("TYPE", "STRING"), ("TYPE", "foo"), ("MATCH", "*", "TYPE", "string"),
                 ("COUNT", "5", "MATCH", "[ab]"), ("MATCH", "a", "MATCH", "b"),
                 ("COUNT", "0"), ("COUNT", "-1"), ("COUNT", "abc"), ("COUNT",), ("MATCH",), ("TYPE",),
                 ("FOO", "bar"), ("COUNT", "9223372036854775808"), ("count", "3", "match", "key:2*")]:
        steps.append(SCANALL(*opts))
    for cur in ["abc", " 1", "1.5", "18446744073709551616", "-", "1a", "0x1"]:
        steps.append(C("SCAN", cur))
    # an empty cursor parses as 0 in Redis (strtoul); with a single key the
    # reply is fully determined
    steps += [C("SELECT 9"), C("SET only 1"), C("SCAN", ""), C("SCAN", "", "COUNT", "abc"), C("SELECT 0")]
    steps += [C("SCAN 0 COUNT 0"), C("SCAN 0 COUNT -5"), C("SCAN abc COUNT 0"), C("FLUSHDB"), C("SCAN 0"),
              SCANALL("MATCH", "*")]
    G.append(("scan", steps))
    G.append(("dbsize-flush", [
        C("DBSIZE"), S("SET a 1"), S("SET b 2"), C("DBSIZE"), C("SELECT 1"), C("SET c 3"), C("DBSIZE"),
        C("FLUSHDB"), C("DBSIZE"), C("SELECT 0"), C("DBSIZE"), C("FLUSHDB ASYNC"), C("DBSIZE"),
        C("SET a 1"), C("FLUSHDB SYNC"), C("DBSIZE"), C("FLUSHDB FOO"), C("FLUSHDB ASYNC SYNC"),
        C("flushdb async"), C("SET a 1"), C("SELECT 5"), C("SET b 2"), C("FLUSHALL"), C("DBSIZE"),
        C("SELECT 0"), C("DBSIZE"), C("SET a 1"), C("FLUSHALL ASYNC"), C("DBSIZE"), C("SET a 1"),
        C("FLUSHALL SYNC"), C("DBSIZE"), C("FLUSHALL FOO"), C("FLUSHALL SYNC ASYNC"), C("flushall sync"),
        C("DBSIZE x"),
    ]))
    G.append(("copy", [
        C("SET a 1"), C("COPY a b"), C("GET b"), C("COPY a b"), C("SET a 2"), C("COPY a b REPLACE"),
        C("GET b"), C("COPY a a"), C("COPY a a REPLACE"), C("COPY missing b"), C("COPY missing b REPLACE"),
        C("COPY a b DB 1"), C("SELECT 1"), C("GET b"), C("SELECT 0"), C("COPY a a DB 1"),
        C("COPY a a DB 1"), C("COPY a a DB 1 REPLACE"), C("COPY a a DB 0"), C("COPY a b DB 16"),
        C("COPY a b DB -1"), C("COPY a b DB abc"), C("COPY a b DB"), C("COPY a b FOO"),
        C("COPY a b REPLACE REPLACE"), C("COPY a c db 2 replace"), C("SELECT 2"), C("GET c"),
        C("SELECT 0"), C("SET t v EX 100"), C("COPY t t2"), C("TTL t2"), C("SET n 123"), C("COPY n n2"),
        C("OBJECT ENCODING n2"), C("SET r %s" % ("r" * 50)), C("COPY r r2"), C("OBJECT ENCODING r2"),
        C("SET s short"), C("COPY s s2"), C("OBJECT ENCODING s2"), C("COPY a b DB 9223372036854775808"),
    ]))
    G.append(("move", [
        C("SET a 1"), C("MOVE a 1"), C("EXISTS a"), C("MOVE a 1"), C("SELECT 1"), C("GET a"),
        C("MOVE a 1"), C("MOVE a 16"), C("MOVE a -1"), C("MOVE a abc"), C("MOVE a", ""), C("MOVE a 1.0"),
        C("SELECT 0"), C("SET a 2"), C("MOVE a 1"), C("GET a"), C("SET t v EX 100"), C("MOVE t 3"),
        C("SELECT 3"), C("TTL t"), C("MOVE missing 0"), C("MOVE missing 3"), C("MOVE missing 99"),
    ]))
    G.append(("swapdb", [
        C("SET a 0"), C("SELECT 1"), C("SET a 1"), C("SET b 1"), C("SWAPDB 0 1"), C("GET a"),
        C("DBSIZE"), C("SELECT 0"), C("GET a"), C("DBSIZE"), C("SWAPDB 0 0"), C("GET a"),
        C("SWAPDB 0 16"), C("SWAPDB 16 0"), C("SWAPDB a 0"), C("SWAPDB 0 b"), C("SWAPDB -1 0"),
        C("SWAPDB 0 -1"), C("SWAPDB 1.5 0"), C("SWAPDB", "", "0"), C("SWAPDB 15 0"), C("DBSIZE"),
        C("SELECT 15"), C("DBSIZE"), C("SET t v EX 100"), C("SWAPDB 15 3"), C("SELECT 3"), C("TTL t"),
    ]))
    G.append(("select", [
        C("SELECT 0"), C("SELECT 15"), C("SELECT 16"), C("SELECT -1"), C("SELECT abc"), C("SELECT 1.0"),
        C("SELECT", ""), C("SELECT 01"), C("SELECT +1"), C("SELECT 9223372036854775808"),
        C("SELECT 2147483648"), C("SELECT 4294967296"), C("SET k v"), C("SELECT 0"), C("GET k"),
    ]))
    G.append(("object-encoding", [
        C("SET a 1"), C("OBJECT ENCODING a"), C("SET a 123456789"), C("OBJECT ENCODING a"),
        C("SET a -1"), C("OBJECT ENCODING a"), C("SET a 0"), C("OBJECT ENCODING a"),
        C("SET a 00"), C("OBJECT ENCODING a"), C("SET", "a", " 1"), C("OBJECT ENCODING a"),
        C("SET a 12345678901234567890"), C("OBJECT ENCODING a"), C("SET a 9223372036854775807"),
        C("OBJECT ENCODING a"), C("SET a -9223372036854775808"), C("OBJECT ENCODING a"),
        C("SET a hello"), C("OBJECT ENCODING a"), C("SET a %s" % ("x" * 44)), C("OBJECT ENCODING a"),
        C("SET a %s" % ("x" * 45)), C("OBJECT ENCODING a"), C("SET", "a", ""), C("OBJECT ENCODING a"),
        C("SET a 1.5"), C("OBJECT ENCODING a"), C("APPEND a x"), C("OBJECT ENCODING a"),
        C("SET a x"), C("SETRANGE a 0 y"), C("OBJECT ENCODING a"), C("INCRBYFLOAT f 1.5"),
        C("OBJECT ENCODING f"), C("INCR i"), C("OBJECT ENCODING i"), C("SET b 5 EX 100"),
        C("OBJECT ENCODING b"), C("MSET c 7 d hi"), C("OBJECT ENCODING c"), C("OBJECT ENCODING d"),
        C("GETSET c 8"), C("OBJECT ENCODING c"), C("SETEX e 100 9"), C("OBJECT ENCODING e"),
        C("SET", "bin", b"\x00\xff"), C("OBJECT ENCODING bin"), C("OBJECT ENCODING missing"),
        C("OBJECT encoding a"), C("object ENCODING a"), C("OBJECT FOO"), C("OBJECT FOO a"),
        C("OBJECT ENCODING a b"), C("OBJECT"), C("SET a 10000"), C("OBJECT ENCODING a"),
        C("SET a %s" % ("7" * 21)), C("OBJECT ENCODING a"), C("SET a +5"), C("OBJECT ENCODING a"),
    ]))
    # ---------------------------------------------------------------- expire
    G.append(("expire-basic", [
        C("EXPIRE missing 100"), C("SET k v"), C("EXPIRE k 100"), C("TTL k"), C("PTTL k"),
        C("EXPIRETIME k"), C("PEXPIRETIME k"), C("PERSIST k"), C("PERSIST k"), C("TTL k"), C("PTTL k"),
        C("EXPIRETIME k"), C("PEXPIRETIME k"), C("TTL missing"), C("PTTL missing"), C("EXPIRETIME missing"),
        C("PEXPIRETIME missing"), C("PERSIST missing"), C("PEXPIRE k 100000"), C("PTTL k"), C("TTL k"),
        C("EXPIREAT k %d" % fut), C("EXPIRETIME k"), C("TTL k"), C("PEXPIREAT k %d" % futms),
        C("PEXPIRETIME k"), C("EXPIRETIME k"), C("EXPIRE k abc"), C("EXPIRE k 1.5"), C("EXPIRE k", ""),
        C("EXPIRE k 9223372036854775807"), C("EXPIRE k 9223372036854775"), C("EXPIRE k -9223372036854775808"),
        C("EXPIRE k -9223372036854775"), C("PEXPIRE k 9223372036854775807"), C("PEXPIRE k abc"),
        C("EXPIREAT k 9223372036854775807"), C("EXPIREAT k 9223372036854775"), C("EXPIREAT k abc"),
        C("PEXPIREAT k 9223372036854775807"), C("TTL k"), C("PEXPIREAT k abc"), C("EXISTS k"),
        C("expire k 300"), C("TTL k"),
    ]))
    G.append(("expire-delete", [
        C("SET a 1"), C("EXPIRE a 0"), C("EXISTS a"), C("SET a 1"), C("EXPIRE a -1"), C("EXISTS a"),
        C("SET a 1"), C("PEXPIRE a 0"), C("EXISTS a"), C("SET a 1"), C("PEXPIRE a -100"), C("GET a"),
        C("SET a 1"), C("EXPIREAT a 1"), C("EXISTS a"), C("SET a 1"), C("EXPIREAT a 0"), C("EXISTS a"),
        C("SET a 1"), C("EXPIREAT a -5"), C("EXISTS a"), C("SET a 1"), C("PEXPIREAT a %d" % ((now - 10) * 1000)),
        C("EXISTS a"), C("SET a 1"), C("EXPIREAT a %d" % (now - 100)), C("EXISTS a"), C("EXPIRE a -1"),
        C("EXPIREAT missing 1"), C("SET a 1"), C("PEXPIRE a -9223372036854775808"), C("EXISTS a"),
        C("DBSIZE"),
    ]))
    G.append(("expire-nx-xx-gt-lt", [
        C("SET k v"), C("EXPIRE k 100 XX"), C("EXPIRE k 100 GT"), C("TTL k"), C("EXPIRE k 100 NX"),
        C("TTL k"), C("EXPIRE k 300 NX"), C("EXPIRE k 500 XX"), C("TTL k"), C("EXPIRE k 200 GT"),
        C("EXPIRE k 900 GT"), C("TTL k"), C("EXPIRE k 1200 LT"), C("EXPIRE k 400 LT"), C("TTL k"),
        C("SET p v"), C("EXPIRE p 100 LT"), C("TTL p"), C("PERSIST p"), C("EXPIRE p 100 GT"),
        C("TTL p"), C("PEXPIRE p 100000 LT"), C("PTTL p"), C("PERSIST p"), C("PEXPIRE p 100000 XX"),
        C("PEXPIRE p 100000 NX"), C("PTTL p"), C("EXPIRE k 100 NX XX"), C("EXPIRE k 100 GT LT"),
        C("EXPIRE k 100 NX GT"), C("EXPIRE k 100 NX LT"), C("EXPIRE k 100 XX GT"), C("TTL k"),
        C("EXPIRE k 10000 XX LT"), C("TTL k"), C("EXPIRE k 100 FOO"), C("EXPIRE k 100 NX NX"),
        C("EXPIRE k 100 GT GT"), C("EXPIRE k 100 nx"), C("EXPIRE missing 100 XX"),
        C("EXPIRE missing 100 NX"), C("EXPIRE k -1 GT"), C("EXISTS k"), C("EXPIRE k -1 NX"),
        C("EXISTS k"), C("EXPIRE k -1 LT"), C("EXISTS k"), C("SET q v"), C("EXPIRE q -1 XX"),
        C("EXISTS q"), C("EXPIRE q -1 GT"), C("EXISTS q"), C("EXPIRE q 0 NX"), C("EXISTS q"),
        C("SET r v"), C("EXPIREAT r %d NX" % fut), C("EXPIREAT r %d GT" % (fut + 1000)), C("EXPIRETIME r"),
        C("EXPIREAT r %d GT" % fut), C("EXPIREAT r %d LT" % fut), C("EXPIRETIME r"),
        C("PEXPIREAT r %d LT" % (futms - 5000)), C("PEXPIRETIME r"), C("PEXPIREAT r %d XX GT" % (futms - 5000)),
        C("PEXPIREAT r %d XX GT" % (futms + 5000)), C("PEXPIRETIME r"), C("EXPIREAT r 1 GT"),
        C("EXISTS r"), C("EXPIREAT r 1 LT"), C("EXISTS r"), C("EXPIRE k 100 XX NX"),
        C("EXPIRE k abc NX XX"), C("EXPIRE k 100 NX abc"),
    ]))
    G.append(("expire-persist-interaction", [
        C("SET k v EX 100"), C("SET k v2"), C("TTL k"), C("SET k v EX 100"), C("APPEND k x"),
        C("TTL k"), C("INCR n"), C("EXPIRE n 100"), C("INCRBY n 5"), C("TTL n"), C("SETRANGE k 0 z"),
        C("TTL k"), C("GETSET k y"), C("TTL k"), C("SET k v PX 123456"), C("PERSIST k"), C("PTTL k"),
        C("SET e v EX 100"), C("DEL e"), C("SET e v"), C("TTL e"), C("MSETNX f v"), C("TTL f"),
    ]))
    # ------------------------------------------------------- connection/server
    G.append(("ping-echo", [
        C("PING"), C("PING hello"), C("PING", ""), C("PING a b"), C("ping"), C("ECHO x"), C("ECHO", ""),
        C("ECHO a b"), C("ECHO", b"\x00\r\n\xff"), C("ECHO", "x" * 10000), C("PING", b"\x00\r\n"),
    ]))
    G.append(("client-name", [
        C("CLIENT GETNAME"), C("CLIENT SETNAME foo"), C("CLIENT GETNAME"), C("CLIENT SETNAME", "a b"),
        C("CLIENT SETNAME", "a\nb"), C("CLIENT SETNAME", "a\x7f"), C("CLIENT SETNAME", "\x00"),
        C("CLIENT GETNAME"), C("CLIENT SETNAME", ""), C("CLIENT GETNAME"), C("CLIENT SETNAME bar"),
        C("client getname"), C("CLIENT setname x"), C("CLIENT GETNAME"), C("CLIENT FOO"),
        C("CLIENT FOO bar"), C("CLIENT SETNAME", "~!@#$%^&*()_+"), C("CLIENT GETNAME"),
    ]))
    G.append(("config-get", [
        C("CONFIG GET databases"), C("CONFIG GET DATABASES"), C("config get databases"),
        C("CONFIG GET nonexistent-setting"), C("CONFIG GET databases databases"),
        C("CONFIG GET databases nonexistent"), C("CONFIG FOO"), C("CONFIG GET databas*"),
    ]))
    G.append(("persistence-config", [
        C("CONFIG GET save"), C("CONFIG GET appendonly"), C("CONFIG GET stop-writes-on-bgsave-error"),
        C("CONFIG GET auto-aof-rewrite-percentage"), C("CONFIG GET auto-aof-rewrite-min-size"),
        C("CONFIG GET aof-use-rdb-preamble"), C("CONFIG GET appendfsync"),
        C("CONFIG SET save", "100"), C("CONFIG SET save", "10 x"), C("CONFIG SET save", "-1 5"),
        C("CONFIG SET save", "100 1 200 2"), C("CONFIG GET save"), C("CONFIG SET save", ""),
        C("CONFIG GET save"), C("CONFIG SET auto-aof-rewrite-percentage -1"),
        C("CONFIG SET auto-aof-rewrite-percentage 50"), C("CONFIG GET auto-aof-rewrite-percentage"),
        C("CONFIG SET auto-aof-rewrite-percentage 100"), C("CONFIG SET auto-aof-rewrite-min-size 1mb"),
        C("CONFIG GET auto-aof-rewrite-min-size"), C("CONFIG SET auto-aof-rewrite-min-size 64mb"),
        C("CONFIG SET aof-use-rdb-preamble maybe"), C("CONFIG SET stop-writes-on-bgsave-error x"),
        C("CONFIG SET appendfsync sometimes"), C("CONFIG SET appendonly maybe"),
        C("BGSAVE FOO"), C("BGSAVE SCHEDULE x"), C("BGREWRITEAOF x"), C("LASTSAVE x"), C("SAVE x"),
    ]))
    G.append(("time", [C("TIME"), C("time"), C("TIME x")]))
    G.append(("command-getkeys", [
        C("COMMAND GETKEYS SET k v"), C("COMMAND GETKEYS set k v EX 10 GET"), C("COMMAND GETKEYS GET k"),
        C("COMMAND GETKEYS MSET a 1 b 2"), C("COMMAND GETKEYS MGET a b c"), C("COMMAND GETKEYS DEL a b"),
        C("COMMAND GETKEYS COPY a b DB 1"), C("COMMAND GETKEYS RENAME a b"), C("COMMAND GETKEYS LCS a b"),
        C("COMMAND GETKEYS EXPIRE k 10"), C("COMMAND GETKEYS GETEX k PERSIST"),
        C("COMMAND GETKEYS TOUCH a b"), C("COMMAND GETKEYS EXISTS a b c"), C("COMMAND GETKEYS MOVE k 1"),
        C("COMMAND GETKEYS OBJECT ENCODING k"), C("COMMAND GETKEYS MSETNX a 1 b 2"),
        C("COMMAND GETKEYS SETRANGE k 0 v"), C("COMMAND GETKEYS INCRBYFLOAT k 1"),
        C("COMMAND GETKEYS SCAN 0"), C("COMMAND GETKEYS PING"), C("COMMAND GETKEYS SWAPDB 0 1"),
        C("COMMAND GETKEYS KEYS *"), C("COMMAND GETKEYS FLUSHALL"), C("COMMAND GETKEYS GET"),
        C("COMMAND GETKEYS SET k"), C("COMMAND GETKEYS foo"), C("COMMAND GETKEYS foo a"),
        C("COMMAND GETKEYS"), C("COMMAND GETKEYS MSET a"), C("COMMAND GETKEYS MSET a 1 b"),
        C("COMMAND GETKEYS GET a b"), C("command getkeys get k"), C("COMMAND GETKEYS", "GET", b"\x00\xff"),
        C("COMMAND GETKEYS UNLINK a"), C("COMMAND GETKEYS TTL k"), C("COMMAND GETKEYS SELECT 1"),
        C("COMMAND FOO"),
    ]))
    G.append(("hello", [
        C("HELLO"), C("HELLO 2"), C("HELLO 4"), C("HELLO 1"), C("HELLO 0"), C("HELLO -1"), C("HELLO abc"),
        C("HELLO 3 FOO"), C("HELLO 2 SETNAME hi"), C("CLIENT GETNAME"), C("HELLO 2 SETNAME", "a b"),
        C("HELLO 2 SETNAME"), C("HELLO 2 AUTH default"), C("hello 2"), C("HELLO 3"),
        C("HELLO"), C("HELLO 2"), C("PING"),
    ]))
    G.append(("resp3", [
        C("HELLO 3"), C("PING"), C("PING x"), C("GET missing"), C("SET k v"), C("GET k"),
        C("SET k v NX"), C("SET k v2 GET"), C("SET k2 v XX GET"), C("MGET k missing k2"),
        C("GETEX missing"), C("GETDEL missing"), C("GETSET missing v"), C("OBJECT ENCODING nope"),
        C("CLIENT GETNAME"), C("CLIENT SETNAME x"), C("CLIENT GETNAME"), C("CONFIG GET databases"),
        C("CONFIG GET nonexistent"), C("INCRBYFLOAT f 1.5"), C("INCR i"), C("TTL k"), C("EXISTS k"),
        C("KEYS *"), SCANALL(), C("SCAN abc"), C("TIME"), C("LCS k nokey"), C("SET a ohmytext"),
        C("SET b mynewtext"), C("LCS a b IDX"), C("LCS a b IDX WITHMATCHLEN MINMATCHLEN 2"),
        C("LCS a b LEN"), C("COMMAND GETKEYS MSET a 1 b 2"), C("GETRANGE nokey 0 1"),
        C("FOO"), C("GET"), C("ECHO", ""), C("TYPE k"), C("DEL k"), C("SELECT 1"), C("DBSIZE"),
        C("HELLO 2"), C("GET missing"), C("CONFIG GET databases"),
    ]))
    # ------------------------------------------------------- wrong type (lists)
    wt = [C("GET L"), C("SET L v GET"), C("GETSET L v"), C("GETDEL L"), C("GETEX L"), C("GETEX L EX 100"),
          C("APPEND L x"), C("STRLEN L"), C("INCR L"), C("DECR L"), C("INCRBY L 1"), C("DECRBY L 1"),
          C("INCRBYFLOAT L 1"), C("GETRANGE L 0 1"), C("SUBSTR L 0 1"), C("SETRANGE L 0 x"),
          C("SETRANGE L 0", ""), C("LCS L s"), C("LCS s L"), C("LCS L s LEN"), C("MGET s L s"),
          C("SETNX L v"), C("MSETNX L v z w"), C("EXISTS z"), C("TYPE L"), C("OBJECT ENCODING L"),
          C("EXISTS L"), C("TTL L"), C("EXPIRE L 100"), C("TTL L"), C("PERSIST L"),
          C("KEYS *"), SCANALL("TYPE", "list"), SCANALL("TYPE", "string"), SCANALL("TYPE", "LIST"),
          C("COPY L L2"), C("TYPE L2"), C("RENAME L2 L3"), C("TYPE L3"), C("MOVE L3 1"), C("TYPE L3"),
          C("TOUCH L s"), C("SET L v KEEPTTL"), C("TYPE L"), C("GET L")]
    G.append(("wrongtype-list", [S("RPUSH L a b c"), S("SET s str")] + wt))
    G.append(("wrongtype-list-2", [
        S("RPUSH L a b c"), C("SET L v NX"), C("SET L v XX"), C("TYPE L"), S("RPUSH M x"), C("MSET M 1"),
        C("TYPE M"), S("RPUSH N x"), C("DEL N"), S("RPUSH N x"), C("SETEX N 100 v"), C("TYPE N"),
        S("RPUSH O x"), C("PSETEX O 100000 v"), C("TYPE O"), S("RPUSH P x"), C("GETDEL P"), C("EXISTS P"),
        S("RPUSH Q " + "x" * 100), C("OBJECT ENCODING Q"), C("DBSIZE"), C("FLUSHALL"), C("DBSIZE"),
    ]))
    # ------------------------------------------------------------------ binary
    bk = b"\x00\r\n\xff"
    G.append(("binary", [
        C("SET", bk, bk), C("GET", bk), C("STRLEN", bk), C("APPEND", bk, b"\x00"), C("GET", bk),
        C("EXISTS", bk), C("KEYS", "*"), C("KEYS", b"\x00*"), C("KEYS", b"*\xff"), C("GETRANGE", bk, "1", "2"),
        C("SETRANGE", bk, "1", b"\xfe"), C("GET", bk), C("TYPE", bk), C("RENAME", bk, b"\xff"),
        C("GET", b"\xff"), C("COPY", b"\xff", b"\r\n"), C("MGET", b"\xff", b"\r\n", bk), C("DEL", b"\r\n"),
        C("SET", "", ""), C("GET", ""), C("STRLEN", ""), C("APPEND", "", ""), C("KEYS", ""),
        C("EXISTS", ""), C("TYPE", ""), C("OBJECT", "ENCODING", ""), C("EXPIRE", "", "100"), C("TTL", ""),
        C("DEL", ""), C("SET", b"k\x00", "1"), C("SET", "k", "2"), C("GET", b"k\x00"), C("GET", "k"),
        C("INCR", b"k\x00"), C("SET", "v", b"1\x00"), C("INCR", "v"), C("INCRBYFLOAT", "v", "1"),
        C("INCRBY", "k", b"1\x00"), C("EXPIRE", "k", b"100\x00"), C("SET", "big", "x" * 100000),
        C("GET", "big"), C("STRLEN", "big"), C("GETRANGE", "big", "99990", "-1"),
        C("SET", b"\xc3\xa9", b"\xe2\x82\xac"), C("GET", b"\xc3\xa9"), C("STRLEN", b"\xc3\xa9"),
    ]))
    return G


# --------------------------------------------------------------------------
# Protocol cases
# --------------------------------------------------------------------------

SENTINEL_CMD = b"*2\r\n$4\r\nECHO\r\n$7\r\n__END__\r\n"
SENTINEL_REPLY = b"$7\r\n__END__\r\n"


def proto_cases():
    """(name, list_of_chunks, sentinel, delay_between_chunks).

    If sentinel is true, an `ECHO __END__` command is appended and reading
    stops as soon as its reply arrived (the connection is expected to stay
    open); otherwise we read until EOF (server closes) or 1 s of silence."""
    P = []

    def add(name, data, sentinel=True, split=None, delay=0.0):
        if isinstance(data, str):
            data = data.encode("latin-1")
        chunks = [data] if split is None else [data[i:i + split] for i in range(0, len(data), split)]
        P.append((name, chunks, sentinel, delay))

    add("inline-ping", "PING\r\n")
    add("inline-ping-lf-only", "PING\n")
    add("inline-lowercase", "ping\r\necho hi\r\n")
    add("inline-set-quoted", 'SET a "b c"\r\nGET a\r\n')
    add("inline-single-quote-escape", "ECHO 'x\\'y'\r\n")
    add("inline-double-quote-escapes", 'ECHO "a\\x41\\n\\t\\"b\\\\"\r\n')
    add("inline-bad-hex-escape", 'ECHO "\\xzz\\q"\r\n')
    add("inline-unbalanced-double", 'SET "a\r\n', sentinel=False)
    add("inline-unbalanced-single", "SET 'a\r\n", sentinel=False)
    add("inline-quote-not-followed-by-space", 'ECHO "a"b\r\n', sentinel=False)
    add("inline-empty-lines", "\r\n\r\n\n   \r\nPING\r\n")
    add("inline-tabs-and-spaces", "ECHO \t  x  \r\n")
    add("inline-many-args", "SET k v EX 100 NX\r\nMGET k k k\r\n")
    add("inline-unknown-command", "FOO bar baz\r\n")
    add("inline-dollar-as-command", "$3\r\nfoo\r\n")
    add("inline-empty-quoted-arg", 'ECHO ""\r\nECHO \'\'\r\n')
    add("inline-wrong-arity", "GET\r\n")
    add("inline-too-big", b"a" * (70 * 1024), sentinel=False)
    add("inline-big-ok", b"ECHO " + b"b" * 60000 + b"\r\n")
    add("multibulk-null", "*-1\r\n")
    add("multibulk-negative", "*-5\r\n")
    add("multibulk-zero", "*0\r\n")
    add("multibulk-null-bulk", "*1\r\n$-1\r\n", sentinel=False)
    add("multibulk-negative-bulk", "*1\r\n$-5\r\n", sentinel=False)
    add("multibulk-bad-bulk-len", "*1\r\n$abc\r\n", sentinel=False)
    add("multibulk-bad-count", "*abc\r\n", sentinel=False)
    add("multibulk-count-plus", "*+1\r\n$4\r\nPING\r\n")
    add("multibulk-expected-dollar", "*1\r\nfoo\r\n", sentinel=False)
    add("multibulk-expected-dollar-int", "*2\r\n$3\r\nGET\r\n:1\r\n", sentinel=False)
    add("multibulk-bulk-too-big", "*1\r\n$536870913\r\n", sentinel=False)
    add("multibulk-bulk-way-too-big", "*1\r\n$4294967296\r\n", sentinel=False)
    add("multibulk-count-too-big", "*3000000000\r\n", sentinel=False)
    add("multibulk-count-int-max-plus", "*2147483648\r\n", sentinel=False)
    add("multibulk-count-line-too-big", b"*" + b"1" * (70 * 1024), sentinel=False)
    add("multibulk-bulk-line-too-big", b"*1\r\n$" + b"1" * (70 * 1024), sentinel=False)
    add("multibulk-empty-command", "*1\r\n$0\r\n\r\n")
    add("multibulk-empty-arg", "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n")
    add("multibulk-binary-arg", b"*2\r\n$4\r\nECHO\r\n$4\r\n\x00\r\n\xff\r\n")
    add("multibulk-bulk-without-crlf", "*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n")
    add("multibulk-crlf-in-count", "*1\n$4\r\nPING\r\n", sentinel=False)
    add("multibulk-count-with-space", "*1 \r\n$4\r\nPING\r\n", sentinel=False)
    add("multibulk-bulk-with-space", "*1\r\n$4 \r\nPING\r\n", sentinel=False)
    add("pipeline-mixed", "SET a 1\r\nINCR a\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\nPING\r\n*1\r\n$4\r\nPING\r\nDEL a\r\n")
    add("pipeline-many", b"".join(encode([b"INCR", b"pipe"]) for _ in range(200)) + encode([b"DEL", b"pipe"]))
    add("pipeline-then-error", "PING\r\nECHO x\r\n*1\r\n$x\r\nPING\r\n", sentinel=False)
    add("pipeline-error-midway-inline", "PING\r\nECHO \"bad\r\nPING\r\n", sentinel=False)
    add("split-multibulk-bytewise", encode([b"SET", b"split", b"value"]) + encode([b"GET", b"split"]) +
        encode([b"DEL", b"split"]), split=1, delay=0.001)
    add("split-inline-bytewise", "ECHO hello\r\n", split=1, delay=0.001)
    add("split-multibulk-3byte", encode([b"ECHO", b"x" * 20]), split=3, delay=0.002)
    add("split-bulk-payload", b"*2\r\n$4\r\nECHO\r\n$10000\r\n" + b"z" * 10000 + b"\r\n", split=4096, delay=0.005)
    add("quit", "PING\r\nQUIT\r\nPING\r\n", sentinel=False)
    return P


def read_all(port, chunks, sentinel, delay, idle=1.0):
    """Send chunks, then collect everything until EOF / sentinel / idle timeout."""
    out = bytearray()
    state = b"<TIMEOUT>"
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError as e:
        return b"<connect failed %s>" % str(e).encode()
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        try:
            for i, c in enumerate(chunks):
                s.sendall(c)
                if delay and i + 1 < len(chunks):
                    time.sleep(delay)
            if sentinel:
                s.sendall(SENTINEL_CMD)
        except OSError:
            pass  # server closed early; collect what it sent
        s.settimeout(idle)
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            except OSError:  # ECONNRESET: treat as close
                state = b"<EOF>"
                break
            if not d:
                state = b"<EOF>"
                break
            out += d
            if sentinel and out.endswith(SENTINEL_REPLY):
                state = b"<OPEN>"
                break
    finally:
        s.close()
    return bytes(out) + b" " + state


def run_proto(h, filt):
    for name, chunks, sentinel, delay in proto_cases():
        if filt and filt not in "proto:" + name:
            continue
        # fresh keyspace so pipelined SET/INCR start from the same state
        h.fresh()
        h.check([b"FLUSHALL"], label="proto:" + name, setup=True)
        h.fresh()
        ra = read_all(h.ref.server.port, chunks, sentinel, delay)
        rb = read_all(h.test.server.port, chunks, sentinel, delay)
        desc = show(b"".join(chunks), 80)
        h.report("proto:" + name, desc, ra, rb, ra == rb)


# --------------------------------------------------------------------------
# Pub/sub part
# --------------------------------------------------------------------------
#
# Pub/sub needs several connections per server (a publisher and subscribers)
# and replies that are not 1:1 with commands (SUBSCRIBE a b c confirms three
# times, UNSUBSCRIBE without arguments once per subscription, deliveries arrive
# unasked).  Every step therefore works on a named connection ("pub", "s1",
# "s2" ...; the same names exist on both servers) and collects a *window*: the
# command (if any) is sent pipelined with a sentinel ``PING __ps_sync_N__``,
# and everything the connection sends before the sentinel's reply (RESP2
# subscribed mode: ``*2 pong token``; otherwise ``$token``) is the step's
# output.  The sentinel reply itself is not compared (PING is tested by
# explicit steps).  Reads time out after PS_TIMEOUT; a timeout on ferrokv is
# reported and abandons the rest of the group (after PS_MAX_TIMEOUTS such
# groups the rest of the pass is skipped), so a server that does not answer
# never hangs the suite.  After each group every connection's pending output
# is compared (no unexpected deliveries), then it is RESET and closed, the
# keyspace flushed, and the harness waits until neither server reports any
# subscription.  QUIT / a closed connection ends the window with
# ``<EOF>``.
#
# Deliveries are read by a window on each subscriber after PUBLISH/SPUBLISH
# returned on the publisher.  Redis writes the message into the subscriber's
# output buffer before it replies to PUBLISH, so the delivery always precedes
# the sentinel reply.  If ferrokv answered the sentinel first but the message
# arrives within PS_GRACE afterwards, the window still counts (the late
# arrivals are counted and reported in a note, not as a failure).

PS_TIMEOUT = 1.0
PS_GRACE = 0.3
PS_MAX_TIMEOUTS = 4     # groups abandoned after a timeout before the rest of the pass is skipped


class PSSide:
    """The named pub/sub connections of one server."""

    def __init__(self, side, proto):
        self.side = side
        self.port = side.server.port
        self.proto = proto
        self.conns = {}     # name -> Conn, or None once closed
        self.late = 0
        self.ids = {}       # name -> CLIENT ID reply (bytes), tracking part

    def subst(self, args):
        """Replace "{name}" arguments by the recorded client id of `name`."""
        if args is None or not self.ids:
            return args
        if isinstance(args, Seq):
            return Seq(self.subst(a) for a in args)
        return [self.ids.get(a[1:-1].decode("latin-1"), a)
                if len(a) > 2 and a[:1] == b"{" and a[-1:] == b"}" else a for a in args]

    def norm_ids(self, replies):
        """Replies with every integer equal to a recorded client id replaced by
        ``:{name}`` (then re-parsed)."""
        out = []
        for raw, v in replies:
            for name, cid in self.ids.items():
                raw = raw.replace(b":%s\r\n" % cid, b":{%s}\r\n" % name.encode())
            out.append((raw, parse(raw)[0]))
        return out

    def _get(self, name):
        if name in self.conns:
            return self.conns[name], None
        try:
            c = Conn(self.port, timeout=PS_TIMEOUT)
        except OSError as e:
            self.conns[name] = None
            return None, b"<connect failed: %s>" % str(e).encode()
        self.conns[name] = c
        if self.proto == 3:
            try:
                raw, v = c.call([b"HELLO", b"3"])
            except ConnFailure as e:
                raw, v = str(e).encode(), None
            if v is None or v[0] != "%":
                self.close(name)
                return None, b"<HELLO 3 handshake failed: %s>" % show(raw, 120).encode()
        return c, None

    def close(self, name):
        c = self.conns.get(name)
        if c is not None:
            c.close()
        self.conns[name] = None

    def close_all(self):
        for name in list(self.conns):
            self.close(name)
        self.conns = {}

    def is_open(self, name):
        return self.conns.get(name) is not None

    def _failed(self, name, e):
        """Window end state for a ConnFailure (the connection is closed)."""
        msg = str(e)
        if msg.startswith("timeout"):
            state = b"<TIMEOUT>"
            if not self.side.server.alive():
                raise Abort("%s process died (exit %s):\n%s" % (
                    self.side.name, self.side.server.proc.returncode, self.side.server.log_tail()))
        elif msg.startswith(("connection closed", "recv failed")):
            state = b"<EOF>"
        else:
            state = b"<%s>" % msg.encode()
        self.close(name)
        return state

    def call1(self, name, args):
        """Send args on connection `name` and read exactly one reply, without a
        sentinel (inside MULTI the sentinel PING would be queued).  Returns
        (replies, state) like window()."""
        if name in self.conns and self.conns[name] is None:
            return [], b"<closed>"
        c, err = self._get(name)
        if c is None:
            return [], err
        try:
            c.sock.sendall(encode(args))
        except OSError:
            pass  # closed by the server: read what it sent before
        try:
            raw, v = c.read_reply()
        except ConnFailure as e:
            return [], self._failed(name, e)
        return [(raw, v)], b""

    def window(self, name, args, token, want=None):
        """Send args (None: nothing) + sentinel on connection `name`; return
        (replies, state): replies is a list of (raw, parsed), state b"" if the
        sentinel arrived, else <EOF> / <TIMEOUT> / <closed> / ...  `want`: the
        reference's reply count, to wait PS_GRACE for late deliveries."""
        if name in self.conns and self.conns[name] is None:
            return [], b"<closed>"
        c, err = self._get(name)
        if c is None:
            return [], err
        data = (encode(args) if args is not None else b"") + encode([b"PING", token])
        try:
            c.sock.sendall(data)
        except OSError:
            pass  # closed by the server: read what it sent before
        replies, state = [], b""
        while True:
            try:
                raw, v = c.read_reply()
            except ConnFailure as e:
                return replies, self._failed(name, e)
            if _ps_is_sentinel(v, token):
                break
            if v[0] == "-" and b"Can't execute 'ping'" in v[1]:
                replies.append((raw, v))
                return replies, b"<sentinel PING rejected>"
            replies.append((raw, v))
        if want is not None and len(replies) < want:
            c.sock.settimeout(PS_GRACE)
            try:
                while len(replies) < want:
                    raw, v = c.read_reply()
                    replies.append((raw, v))
                    self.late += 1
            except ConnFailure:
                pass
            finally:
                c.sock.settimeout(PS_TIMEOUT)
        return replies, state


def _ps_is_sentinel(v, token):
    if v[0] == "$":
        return v[1] == token
    if v[0] in "*>" and v[1] is not None and len(v[1]) == 2:
        a, b = v[1]
        return a == ("$", b"pong") and b == ("$", token)
    return False


def _ps_kind(v):
    """'message' / 'pmessage' / 'unsubscribe' ... for a pub/sub array/push."""
    if v[0] in "*>" and v[1] and v[1][0][0] == "$" and v[1][0][1] is not None:
        return v[1][0][1].lower()
    return None


def _ps_canon(replies, norm):
    """Comparable form of a window's replies (see PS_NORMS)."""
    raws = [r for r, _ in replies]
    if norm is None:
        return raws
    if norm == "multiset":
        return sorted(raws)
    if norm == "ids":
        return raws
    if norm == "tinfo":
        out = []
        for raw, v in replies:
            if v[0] in "*%" and v[1] is not None:
                out.append((v[0], [("~", sorted(x[1], key=repr)) if x[0] == "~" and x[1] is not None else x
                                   for x in v[1]]))
            else:
                out.append(raw)
        return out
    if norm == "sorted":
        out = []
        for raw, v in replies:
            if v[0] in "*~" and v[1] is not None:
                out.append((v[0], sorted(repr(x) for x in v[1])))
            else:
                out.append(raw)
        return out
    if norm == "deliv":
        slots = [i for i, (_, v) in enumerate(replies) if _ps_kind(v) == b"pmessage"]
        pm = sorted(raws[i] for i in slots)
        out = list(raws)
        for i, r in zip(slots, pm):
            out[i] = r
        return out
    if norm == "unsub":
        out, names = [], []
        for raw, v in replies:
            if _ps_kind(v) in (b"unsubscribe", b"punsubscribe", b"sunsubscribe") and len(v[1]) == 3:
                names.append(repr(v[1][1]))
                out.append((v[0], v[1][0], v[1][2]))
            else:
                out.append(raw)
        return out, sorted(names)
    raise ValueError(norm)


# Normalisations of pub/sub windows (all others compare the raw bytes of every
# reply, in order, plus how the window ended):
#   "unsub"    UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE without arguments:
#              Redis confirms the subscriptions in dict order (unspecified,
#              per-process hash seed).  Each confirmation is compared without
#              its channel name (type, kind and the remaining-subscriptions
#              count, in order: the counts must still go down one by one), and
#              the channel names are compared as a multiset.
#   "sorted"   PUBSUB CHANNELS / SHARDCHANNELS: the list is in dict order ->
#              compare the array type and the sorted elements.
#   "deliv"    deliveries read from a subscriber after one publish: pmessages
#              of several matching patterns come in dict order -> the pmessage
#              replies are compared as a multiset, but their positions (e.g.
#              the channel `message` first, as Redis always delivers) and all
#              other replies exactly.
#   "multiset" sorted raw replies.
#   "ids"      (tracking part) integers equal to a client id recorded with
#              ID(conn) on that server are replaced by the connection's name
#              before the raw replies are compared (ids differ between servers).
#   "tinfo"    CLIENT TRACKINGINFO: like "ids", and the RESP3 `~` flags set is
#              compared as a set (unspecified order); everything else exactly.
PS_NORMS = (None, "unsub", "sorted", "deliv", "multiset", "ids", "tinfo")


def P(conn, *a, n=None):
    """Command on connection `conn`, compare its window."""
    return ("c", conn, argv(a), n)


def PSEQ(conn, *cmds, n=None):
    """Several commands on `conn` in one window (each a str, or a tuple of
    arguments): CLIENT REPLY OFF / SKIP silence the sentinel PING, so what
    switches replies off and back on must share a window."""
    return ("c", conn, Seq(argv(c if isinstance(c, tuple) else (c,)) for c in cmds), n)


def PSETUP(conn, *a):
    """Setup command: if only ferrokv answers with an error, skip the group."""
    return ("s", conn, argv(a), None)


def PUB(*a):
    """PUBLISH/SPUBLISH on "pub", then read (and compare) the pending
    deliveries on every other connection used so far in the group."""
    return ("p", "pub", argv(a), None)


def R(conn, n="deliv"):
    """Read what is pending on `conn` (deliveries) without sending a command."""
    return ("c", conn, None, n)


def CLOSE(conn):
    """Close the client socket of `conn` on both servers."""
    return ("x", conn, None, None)


def WAIT(conn, pred, *a):
    """Repeat a command until pred(parsed replies) holds (max 1 s per server;
    closing a socket is processed asynchronously), then compare."""
    return ("w", conn, argv(a), pred)


def _last_int_is(n):
    want = ("%d" % n).encode()

    def pred(replies):
        if len(replies) != 1:
            return False
        v = replies[0][1]
        if v[0] == ":":
            return v[1] == want
        return v[0] == "*" and bool(v[1]) and v[1][-1] == (":", want)
    return pred


def pubsub_groups():
    G = []
    bin1 = b"bin\x00\r\n\xff"
    # ------------------------------------------------------- confirmations
    G.append(("confirm-subscribe", [
        PSETUP("s1", "SUBSCRIBE a"), P("s1", "SUBSCRIBE b c"), P("s1", "SUBSCRIBE a"), P("s1", "SUBSCRIBE d d"),
        P("s1", "subscribe e"), P("s1", "PSUBSCRIBE p*"), P("s1", "PSUBSCRIBE p* q?"),
        PSETUP("s1", "SSUBSCRIBE s1"), P("s1", "SSUBSCRIBE s2 s3 s2"), P("s1", "SUBSCRIBE f"),
        P("s1", "UNSUBSCRIBE b"), P("s1", "UNSUBSCRIBE nope b"), P("s1", "PUNSUBSCRIBE q?"),
        P("s1", "PUNSUBSCRIBE nope"), P("s1", "SUNSUBSCRIBE s2"), P("s1", "SUNSUBSCRIBE nope s2"),
        P("s1", "UNSUBSCRIBE", n="unsub"), P("s1", "UNSUBSCRIBE"), P("s1", "GET k"),
        P("s1", "PUNSUBSCRIBE", n="unsub"), P("s1", "PUNSUBSCRIBE"),
        P("s1", "SUNSUBSCRIBE", n="unsub"), P("s1", "SUNSUBSCRIBE"), P("s1", "GET k"),
        P("s1", "PING"), P("s1", "SUBSCRIBE a"), P("s1", "UNSUBSCRIBE a"), P("s1", "GET k"),
    ]))
    G.append(("confirm-unsubscribe-order", [
        PSETUP("s1", "SUBSCRIBE c1 c2 c3 c4 c5 c6 c7 c8 c9 c10"), P("s1", "PSUBSCRIBE x* y* z*"),
        P("s1", "PUNSUBSCRIBE", n="unsub"), P("s1", "PSUBSCRIBE w*"),
        P("s1", "UNSUBSCRIBE", n="unsub"), P("s1", "UNSUBSCRIBE", n="unsub"), P("s1", "PING"),
        P("s1", "PUNSUBSCRIBE", n="unsub"), P("s1", "PING"),
        P("s1", "SUBSCRIBE", *["m%d" % i for i in range(60)]), P("s1", "UNSUBSCRIBE", n="unsub"),
        P("s1", "PUNSUBSCRIBE"), P("s1", "SUNSUBSCRIBE"),
    ]))
    G.append(("unsubscribe-none", [
        PSETUP("s1", "UNSUBSCRIBE"), P("s1", "PUNSUBSCRIBE"), P("s1", "SUNSUBSCRIBE"),
        P("s1", "UNSUBSCRIBE a b"), P("s1", "PUNSUBSCRIBE a*"), P("s1", "SUNSUBSCRIBE a b"),
        P("s1", "unsubscribe"), P("s1", "GET k"), P("s1", "PING"), P("s1", "PING x"),
    ]))
    G.append(("arity", [
        PSETUP("s1", "PUBSUB NUMPAT"),
        P("s1", "SUBSCRIBE"), P("s1", "PSUBSCRIBE"), P("s1", "SSUBSCRIBE"), P("s1", "subscribe"),
        P("s1", "PUBLISH"), P("s1", "PUBLISH a"), P("s1", "PUBLISH a b c"), P("s1", "SPUBLISH"),
        P("s1", "SPUBLISH a"), P("s1", "SPUBLISH a b c"), P("s1", "publish a"),
        P("s1", "PUBSUB"), P("s1", "pubsub"), P("s1", "PUBSUB NUMPAT x"), P("s1", "PUBSUB CHANNELS a b"),
        P("s1", "PUBSUB SHARDCHANNELS a b"), P("s1", "PUBSUB FOO"), P("s1", "pubsub foo bar"),
        P("s1", "PUBSUB", ""), P("s1", "pubsub numpat"),
        P("s1", "PUBSUB numsub"), P("s1", "PUBSUB ShardNumSub"),
        # in subscribed mode, arity / unknown-command errors come first
        P("s1", "SUBSCRIBE a"), P("s1", "SUBSCRIBE"), P("s1", "PSUBSCRIBE"), P("s1", "SSUBSCRIBE"),
        P("s1", "GET"), P("s1", "FOO"), P("s1", "PUBLISH a"), P("s1", "PUBSUB"),
    ]))
    # ----------------------------------------------------- subscribed mode
    G.append(("subscribed-mode", [
        PSETUP("s1", "SUBSCRIBE a"), P("s1", "GET k"), P("s1", "GeT k"), P("s1", "SET k v"), P("s1", "PING"),
        P("s1", "PING hello"), P("s1", "ping", ""), P("s1", "PING a b"), P("s1", "ECHO x"),
        P("s1", "SELECT 0"), P("s1", "PUBLISH a x"), P("s1", "SPUBLISH a x"), P("s1", "PUBSUB NUMSUB a"),
        P("s1", "PUBSUB CHANNELS"), P("s1", "DBSIZE"), P("s1", "PSUBSCRIBE x*"), P("s1", "PUNSUBSCRIBE x*"),
        P("s1", "SSUBSCRIBE y"), P("s1", "SUNSUBSCRIBE y"), P("s1", "GET k"), P("s1", "UNSUBSCRIBE a"),
        P("s1", "GET k"), P("s1", "PING"),
        # a shard subscription alone is subscribed mode too
        P("s1", "SSUBSCRIBE y"), P("s1", "GET k"), P("s1", "PING"), P("s1", "SUNSUBSCRIBE"),
        P("s1", "GET k"), P("s1", "PING"),
        P("s1", "PSUBSCRIBE z*"), P("s1", "GET k"), P("s1", "PING zz"), P("s1", "PUNSUBSCRIBE"),
        P("s1", "GET k"), P("s1", "PING zz"),
    ]))
    G.append(("reset", [
        PSETUP("s1", "SUBSCRIBE a"), P("s1", "PSUBSCRIBE b*"), PSETUP("s1", "SSUBSCRIBE c"),
        P("pub", "PUBSUB NUMSUB a"), P("pub", "PUBSUB NUMPAT"), P("pub", "PUBSUB SHARDNUMSUB c"),
        P("s1", "RESET"), P("s1", "GET k"), P("s1", "PING"), P("s1", "PING x"),
        P("pub", "PUBSUB NUMSUB a"), P("pub", "PUBSUB NUMPAT"), P("pub", "PUBSUB SHARDNUMSUB c"),
        PUB("PUBLISH a x"), PUB("PUBLISH bb x"), PUB("SPUBLISH c x"),
        P("s1", "SUBSCRIBE a"), PUB("PUBLISH a y"), P("s1", "UNSUBSCRIBE"),
    ]))
    G.append(("quit", [
        PSETUP("s1", "SUBSCRIBE a"), P("s2", "PSUBSCRIBE a*"), P("s1", "QUIT"), P("s1", "PING"),
        WAIT("pub", _last_int_is(0), "PUBSUB NUMSUB a"), PUB("PUBLISH a x"),
        P("s2", "QUIT"), WAIT("pub", _last_int_is(0), "PUBSUB NUMPAT"), PUB("PUBLISH a y"),
    ]))
    G.append(("close-subscriber", [
        PSETUP("s1", "SUBSCRIBE a b"), P("s1", "PSUBSCRIBE a*"), PSETUP("s1", "SSUBSCRIBE sa"),
        P("s2", "SUBSCRIBE a"), P("pub", "PUBSUB NUMSUB a b"), P("pub", "PUBSUB NUMPAT"), PUB("PUBLISH a 1"),
        CLOSE("s1"), WAIT("pub", _last_int_is(1), "PUBSUB NUMSUB a"), WAIT("pub", _last_int_is(0), "PUBSUB NUMPAT"),
        WAIT("pub", _last_int_is(0), "PUBSUB SHARDNUMSUB sa"), P("pub", "PUBSUB NUMSUB a b"),
        P("pub", "PUBSUB CHANNELS", n="sorted"), P("pub", "PUBSUB SHARDCHANNELS", n="sorted"),
        PUB("PUBLISH a 2"), PUB("PUBLISH b 3"), PUB("SPUBLISH sa 4"),
    ]))
    # ------------------------------------------------------------ delivery
    G.append(("publish-basic", [
        PSETUP("pub", "PUBLISH a x"), PSETUP("s1", "SUBSCRIBE a"), P("s2", "SUBSCRIBE a b"),
        PUB("PUBLISH a hello"), PUB("PUBLISH b", ""), PUB("PUBLISH c x"), PUB("publish A x"),
        PUB("PUBLISH a", b"\x00\r\n\xff*\r\n$3\r\n"), PUB("PUBLISH a", "p" * 100000),
        PUB("PUBLISH a", "with space"), PUB("PUBLISH b", "-ERR not an error"),
        # several publishes before a read: deliveries keep the publish order
        P("pub", "PUBLISH a 1"), P("pub", "PUBLISH b 2"), P("pub", "PUBLISH a 3"), R("s2", n=None), R("s1", n=None),
        P("s1", "UNSUBSCRIBE a"), PUB("PUBLISH a gone"), P("s2", "UNSUBSCRIBE b"), PUB("PUBLISH b gone"),
    ]))
    G.append(("many-subscribers", [
        PSETUP("s1", "SUBSCRIBE ch"), P("s2", "SUBSCRIBE ch"), P("s3", "SUBSCRIBE ch other"),
        P("s4", "SUBSCRIBE ch"), P("s5", "PSUBSCRIBE c*"), P("pub", "PUBSUB NUMSUB ch other none"),
        PUB("PUBLISH ch m1"), P("s3", "UNSUBSCRIBE ch"), PUB("PUBLISH ch m2"), PUB("PUBLISH other m3"),
        CLOSE("s2"), WAIT("pub", _last_int_is(2), "PUBSUB NUMSUB ch"), PUB("PUBLISH ch m4"),
    ]))
    G.append(("binary-channels", [
        PSETUP("s1", "SUBSCRIBE", "", bin1, "sp ace", "*", "?", "\xc3\xa9"),
        P("s2", "PSUBSCRIBE", b"bin\x00*", "sp*", "\\*"),
        PUB("PUBLISH", "", "empty"), PUB("PUBLISH", bin1, bin1), PUB("PUBLISH", "sp ace", "x"),
        PUB("PUBLISH", "*", "star"), PUB("PUBLISH", "?", "q"), PUB("PUBLISH", "x", "nobody"),
        PUB("PUBLISH", "\xc3\xa9", "\xe2\x82\xac"), PUB("PUBLISH", b"bin\x00", "x"),
        P("pub", "PUBSUB CHANNELS", n="sorted"), P("pub", "PUBSUB CHANNELS", b"bin*", n="sorted"),
        P("pub", "PUBSUB CHANNELS", b"bin\x00*", n="sorted"), P("pub", "PUBSUB CHANNELS", "\\*", n="sorted"),
        P("pub", "PUBSUB CHANNELS", "", n="sorted"), P("pub", "PUBSUB CHANNELS", "?", n="sorted"),
        P("pub", "PUBSUB NUMSUB", "", bin1, "*", "nope"), P("pub", "PUBSUB NUMPAT"),
        P("s1", "UNSUBSCRIBE", bin1, ""), P("s2", "PUNSUBSCRIBE", b"bin\x00*"),
        PUB("PUBLISH", bin1, "x"), P("s1", "UNSUBSCRIBE", n="unsub"), P("s2", "PUNSUBSCRIBE", n="unsub"),
    ]))
    G.append(("patterns", [
        PSETUP("s1", "PSUBSCRIBE news.*"), P("s2", "PSUBSCRIBE h?llo [ab]*"),
        P("s3", "PSUBSCRIBE h[^e]llo h[a-c]llo a\\*b h\\?llo"), P("s4", "PSUBSCRIBE news.* news.[0-9]"),
        P("pub", "PUBSUB NUMPAT"), P("pub", "PUBSUB CHANNELS", n="sorted"), P("pub", "PUBSUB NUMSUB news.*"),
        PUB("PUBLISH news.tech x"), PUB("PUBLISH news.1 x"), PUB("PUBLISH news x"), PUB("PUBLISH news. x"),
        PUB("PUBLISH hello x"), PUB("PUBLISH hallo x"), PUB("PUBLISH hbllo x"), PUB("PUBLISH Hello x"),
        PUB("PUBLISH hllo x"), PUB("PUBLISH heello x"), PUB("PUBLISH h?llo x"), PUB("PUBLISH a*b x"),
        PUB("PUBLISH axb x"), PUB("PUBLISH a x"), PUB("PUBLISH b x"), PUB("PUBLISH c x"),
        PUB("PUBLISH", "", "x"), PUB("SPUBLISH news.tech x"),
        P("s4", "PUNSUBSCRIBE news.*"), P("pub", "PUBSUB NUMPAT"), PUB("PUBLISH news.2 x"),
        P("s1", "PUNSUBSCRIBE news.*"), P("pub", "PUBSUB NUMPAT"), PUB("PUBLISH news.2 y"),
    ]))
    G.append(("pattern-edge", [
        PSETUP("s1", "PSUBSCRIBE *"), P("s2", "PSUBSCRIBE [a-"), P("s3", "PSUBSCRIBE a[ b\\"),
        P("s4", "PSUBSCRIBE [z-a] [^a]? [\\]]"), P("s5", "PSUBSCRIBE ** *a*a*a*a*b"),
        PUB("PUBLISH x 1"), PUB("PUBLISH", "", "2"), PUB("PUBLISH a 3"), PUB("PUBLISH - 4"),
        PUB("PUBLISH [a- 5"), PUB("PUBLISH a[ 6"), PUB("PUBLISH b\\ 7"), PUB("PUBLISH b 8"),
        PUB("PUBLISH m 9"), PUB("PUBLISH ] 10"), PUB("PUBLISH bc 11"), PUB("PUBLISH aaaaaaaaaab 12"),
        PUB("PUBLISH aaaaaaaaaa 13"), PUB("SPUBLISH x 14"),
    ]))
    G.append(("channel-and-pattern", [
        PSETUP("s1", "SUBSCRIBE hello"), P("s1", "PSUBSCRIBE h* h?llo *llo"), P("s1", "PSUBSCRIBE h*"),
        P("s2", "PSUBSCRIBE h* hel*"), P("s2", "SUBSCRIBE hello"),
        PUB("PUBLISH hello x"), PUB("PUBLISH hallo y"), PUB("PUBLISH help z"),
        P("s1", "PUNSUBSCRIBE h*"), PUB("PUBLISH hello x2"), P("s1", "UNSUBSCRIBE hello"),
        PUB("PUBLISH hello x3"), P("s1", "PUNSUBSCRIBE", n="unsub"), PUB("PUBLISH hello x4"),
        P("pub", "PUBSUB NUMPAT"), P("pub", "PUBSUB NUMSUB hello"),
    ]))
    G.append(("shard", [
        PSETUP("s1", "SSUBSCRIBE sa"), P("s2", "SUBSCRIBE sa"), P("s3", "PSUBSCRIBE s*"),
        P("s4", "SSUBSCRIBE sa sb", bin1), P("s1", "SUBSCRIBE x"), P("s1", "SSUBSCRIBE sc"),
        PUB("SPUBLISH sa x"), PUB("PUBLISH sa y"), PUB("SPUBLISH sb z"), PUB("SPUBLISH nobody z"),
        PUB("SPUBLISH", bin1, bin1), PUB("spublish sc", ""), PUB("SPUBLISH x x"),
        P("pub", "PUBSUB SHARDCHANNELS", n="sorted"), P("pub", "PUBSUB SHARDCHANNELS s?", n="sorted"),
        P("pub", "PUBSUB SHARDCHANNELS", b"bin\x00*", n="sorted"), P("pub", "PUBSUB SHARDCHANNELS x*", n="sorted"),
        P("pub", "PUBSUB SHARDNUMSUB sa sb sc", bin1, "none", "sa"), P("pub", "PUBSUB SHARDNUMSUB"),
        P("pub", "PUBSUB CHANNELS", n="sorted"), P("pub", "PUBSUB NUMSUB sa x"),
        P("s4", "SUNSUBSCRIBE sb"), P("s4", "SUNSUBSCRIBE", n="unsub"), P("s4", "SUNSUBSCRIBE"),
        P("s4", "UNSUBSCRIBE"), P("s4", "GET k"),
        P("s1", "SUNSUBSCRIBE", n="unsub"), P("s1", "GET k"), P("s1", "UNSUBSCRIBE"), P("s1", "GET k"),
        PUB("SPUBLISH sa gone"), P("pub", "PUBSUB SHARDCHANNELS", n="sorted"),
    ]))
    G.append(("introspection", [
        PSETUP("pub", "PUBSUB CHANNELS"), P("pub", "PUBSUB NUMSUB"), P("pub", "PUBSUB NUMPAT"),
        P("pub", "PUBSUB SHARDCHANNELS"), P("pub", "PUBSUB SHARDNUMSUB"), P("pub", "PUBSUB NUMSUB a"),
        PSETUP("s1", "SUBSCRIBE a b news.1 news.22"), P("s2", "SUBSCRIBE a c"), P("s3", "PSUBSCRIBE a* b*"),
        P("s4", "SSUBSCRIBE sa sb"), P("s5", "SSUBSCRIBE sa"), P("s5", "PSUBSCRIBE a*"),
        P("pub", "PUBSUB CHANNELS", n="sorted"), P("pub", "PUBSUB CHANNELS *", n="sorted"),
        P("pub", "PUBSUB CHANNELS a*", n="sorted"), P("pub", "PUBSUB CHANNELS news.?", n="sorted"),
        P("pub", "PUBSUB CHANNELS [ab]", n="sorted"), P("pub", "PUBSUB CHANNELS nomatch", n="sorted"),
        P("pub", "PUBSUB CHANNELS s*", n="sorted"), P("pub", "pubsub channels NEWS.*", n="sorted"),
        P("pub", "PUBSUB NUMSUB"), P("pub", "PUBSUB NUMSUB a b c d a sa a*"), P("pub", "PUBSUB NUMPAT"),
        P("pub", "PUBSUB SHARDCHANNELS", n="sorted"), P("pub", "PUBSUB SHARDCHANNELS s?", n="sorted"),
        P("pub", "PUBSUB SHARDCHANNELS a", n="sorted"), P("pub", "PUBSUB SHARDNUMSUB sa sb sc a"),
        P("s1", "UNSUBSCRIBE a news.1"), P("s2", "UNSUBSCRIBE c"), P("s4", "SUNSUBSCRIBE sa"),
        P("pub", "PUBSUB CHANNELS", n="sorted"), P("pub", "PUBSUB NUMSUB a b c news.1"),
        P("pub", "PUBSUB SHARDCHANNELS", n="sorted"), P("pub", "PUBSUB SHARDNUMSUB sa sb"),
        P("s3", "PUNSUBSCRIBE a*"), P("pub", "PUBSUB NUMPAT"), P("s5", "PUNSUBSCRIBE a*"),
        P("pub", "PUBSUB NUMPAT"),
    ]))
    # RESP2: PUBLISH from a subscribed connection is refused; RESP3: allowed,
    # and the connection's own delivery (push) precedes the PUBLISH reply.
    G.append(("self-publish", [
        PSETUP("s1", "SUBSCRIBE a"), P("s1", "PUBLISH a x"), P("s1", "PSUBSCRIBE a*"), P("s1", "PUBLISH a y"),
        P("s1", "SSUBSCRIBE sa"), P("s1", "SPUBLISH sa z"), P("s1", "PUBLISH b w"), P("s1", "GET k"),
        P("s1", "SET k v"), P("s1", "GET k"), P("s1", "DEL k"), PUB("PUBLISH a from-pub"),
        P("s1", "RESET"), P("s1", "PUBLISH a v"),
    ]))
    # CLIENT REPLY OFF / SKIP hold back replies but not pushes: (un)subscribe
    # confirmations and messages still come (Redis's CLIENT_PUSHING); refusals,
    # errors and QUEUED are silenced like any reply.  In RESP2 subscribed mode
    # CLIENT REPLY ON is refused, so every window unsubscribes first.
    G.append(("client-reply", [
        PSETUP("s1", "PUBSUB NUMPAT"),
        PSEQ("s1", "CLIENT REPLY OFF", "SUBSCRIBE a b", "PSUBSCRIBE a*", "SSUBSCRIBE sa", "PING", "PING x",
             "GET k", "FOO", "GET", "UNSUBSCRIBE b", "UNSUBSCRIBE a", "PUNSUBSCRIBE", "SUNSUBSCRIBE sa",
             "UNSUBSCRIBE", "SET k v", "MULTI", "GET k", "DISCARD", "CLIENT REPLY ON"),
        P("s1", "GET k"),
        PSEQ("s1", "CLIENT REPLY OFF", "SUBSCRIBE a", "PUBLISH a x", "SPUBLISH a y", "UNSUBSCRIBE a",
             "CLIENT REPLY ON"),
        PSEQ("s1", "CLIENT REPLY SKIP", "SUBSCRIBE a", "PING", "CLIENT REPLY SKIP", "PSUBSCRIBE b*",
             "CLIENT REPLY SKIP", "FOO", "PING y", "CLIENT REPLY SKIP", "UNSUBSCRIBE", "PUNSUBSCRIBE"),
        PSEQ("s1", "CLIENT REPLY SKIP", "MULTI", "SET k 1", "CLIENT REPLY SKIP", "GET k", "EXEC",
             "CLIENT REPLY SKIP", "NOSUCH", "GET k"),
        PSEQ("s1", "CLIENT REPLY OFF", "CLIENT REPLY SKIP", "GET k", "CLIENT REPLY ON", "GET k"),
    ]))
    return G


# --------------------------------------------------------------------------
# Transactions (tx part) and keyspace notifications (notify part)
# --------------------------------------------------------------------------
#
# Both parts reuse the named-connection runner of the pub/sub part
# (run_pubsub): every group starts after FLUSHALL with fresh connections
# (RESP3 pass: each sends HELLO 3 first) and ends with RESET + close.
#
# tx: inside MULTI a sentinel PING would be queued, so transaction steps (T)
# send one command and read exactly one reply (raw bytes compared, plus
# <EOF> when the server closed the connection).  Connection "a" runs the
# transaction, "b" is a second client that modifies watched keys.  No step
# depends on timing except watch-expiring: a watched key with a 50 ms TTL is
# logically expired 100 ms later, whether or not the server has reclaimed it
# yet (Redis: EXEC checks the watched keys' expiry; active expiry touches
# them) -> EXEC returns null either way.
#
# notify: "pub" runs commands, "sub" is PSUBSCRIBEd to __key*__:*; after every
# NT step the exact sequence of pmessages delivered to "sub" (keyspace before
# keyevent, events in execution order) is compared.  Redis publishes the
# notifications while executing the command, i.e. before the command's reply,
# so they are all pending when the reply arrived (late ferrokv deliveries are
# tolerated like in the pub/sub part).  All TTLs are >= 100 s: active expiry
# timing differs (ferrokv reclaims within ~10 ms), so no `expired` events are
# tested.  The teardown resets notify-keyspace-events to "".


def T(conn, *a, n=None):
    """Transaction step: one command, one reply (no sentinel)."""
    return ("t", conn, argv(a), n)


def TSETUP(conn, *a):
    """Like T; if only ferrokv answers with an error, skip the group."""
    return ("T", conn, argv(a), None)


def SLEEP(secs):
    return ("z", None, None, secs)


def NT(*a):
    """Command on "pub", then compare the exact sequence of deliveries pending
    on every other connection of the group."""
    return ("n", "pub", argv(a), None)


def _watch_case(setup, mods, check="k"):
    """WATCH k on "a" after `setup` (run on "b"), `mods` on "b" (str: command;
    tuple: (conn, command); float: sleep), then a transaction that writes k.
    EXEC's reply (array or null) and the final value are compared."""
    steps = [TSETUP("b", "PING")]
    for c in setup:
        steps.append(T(*c) if isinstance(c, tuple) else T("b", c))
    steps.append(T("a", "WATCH k"))
    for c in mods:
        if isinstance(c, float):
            steps.append(SLEEP(c))
        else:
            steps.append(T(*c) if isinstance(c, tuple) else T("b", c))
    steps += [T("a", "MULTI"), T("a", "GET k"), T("a", "SET k mine"), T("a", "EXEC"),
              T("a", "MULTI"), T("a", "EXEC"), T("a", "GET", check)]
    return steps


def tx_groups():
    G = []
    # --------------------------------------------------------------- basics
    G.append(("basic", [
        TSETUP("a", "MULTI"), T("a", "SET k 1"), T("a", "INCR k"), T("a", "GET k"), T("a", "INCRBY k 5"),
        T("a", "GET missing"), T("a", "DEL missing"), T("a", "EXEC"), T("a", "GET k"),
        T("a", "MULTI"), T("a", "EXEC"), T("a", "multi"), T("a", "ping"), T("a", "exec"),
        T("a", "MULTI"), T("a", "PING"), T("a", "PING x"), T("a", "ECHO", ""), T("a", "SET", b"bin\x00\r\n", b"\xff"),
        T("a", "GET", b"bin\x00\r\n"), T("a", "DEL k missing"), T("a", "EXEC"),
        T("a", "EXEC"), T("a", "DISCARD"), T("a", "exec"), T("a", "discard"),
        T("a", "MULTI"), T("a", "SET k 9"), T("a", "DISCARD"), T("a", "GET k"), T("a", "DISCARD"),
        T("a", "EXEC"), T("a", "MULTI"), T("a", "DISCARD"), T("a", "PING"),
    ]))
    G.append(("reads-only", [
        TSETUP("a", "SET k hello"), T("a", "SET n 10"), T("a", "SET t v EX 100"),
        T("a", "MULTI"), T("a", "GET k"), T("a", "GET missing"), T("a", "MGET k missing n"), T("a", "EXISTS k n missing"),
        T("a", "STRLEN k"), T("a", "GETRANGE k 1 3"), T("a", "TYPE k"), T("a", "TYPE missing"), T("a", "TTL k"),
        T("a", "TTL missing"), T("a", "EXISTS t"), T("a", "DBSIZE"), T("a", "ECHO done"), T("a", "EXEC"),
        T("a", "DBSIZE"),
    ]))
    G.append(("runtime-errors", [
        TSETUP("a", "SET s abc"), T("a", "MULTI"), T("a", "SET k 1"), T("a", "INCR s"), T("a", "INCRBYFLOAT s 1"),
        T("a", "SET k 2 XX NX"), T("a", "SET k 3 EX 0"), T("a", "SET k 4 EX abc"), T("a", "SELECT 99"),
        T("a", "GETEX k EX -1"), T("a", "INCR k"), T("a", "INCRBY k x"), T("a", "SETRANGE k -1 x"),
        T("a", "APPEND s def"), T("a", "RENAME missing x"), T("a", "GET k"), T("a", "EXEC"),
        T("a", "GET k"), T("a", "GET s"), T("a", "PING"),
    ]))
    G.append(("queue-errors", [
        TSETUP("a", "SET k 0"), T("a", "MULTI"), T("a", "INCR k"), T("a", "FOO bar"), T("a", "INCR k"),
        T("a", "EXEC"), T("a", "GET k"), T("a", "EXEC"),
        T("a", "MULTI"), T("a", "GET"), T("a", "INCR k"), T("a", "EXEC"), T("a", "GET k"),
        T("a", "MULTI"), T("a", "SET k"), T("a", "INCR k"), T("a", "DISCARD"), T("a", "GET k"), T("a", "EXEC"),
        T("a", "MULTI"), T("a", "foo"), T("a", "get"), T("a", "mset a"), T("a", "INCR k"), T("a", "EXEC"),
        T("a", "MULTI"), T("a", "INCR k"), T("a", "EXEC x"), T("a", "EXEC"), T("a", "GET k"),
        T("a", "MULTI"), T("a", "INCR k"), T("a", "DISCARD x"), T("a", "EXEC"), T("a", "GET k"),
        T("a", "MULTI"), T("a", "INCR k"), T("a", "WATCH"), T("a", "EXEC"), T("a", "GET k"),
        T("a", "MULTI"), T("a", "FOO"), T("a", "DISCARD"), T("a", "EXEC"),
    ]))
    G.append(("nested-and-arity", [
        TSETUP("a", "MULTI"), T("a", "MULTI"), T("a", "SET k 1"), T("a", "multi"), T("a", "EXEC"), T("a", "GET k"),
        T("a", "MULTI"), T("a", "WATCH k"), T("a", "watch k x"), T("a", "SET k 2"), T("a", "EXEC"), T("a", "GET k"),
        T("a", "MULTI"), T("a", "UNWATCH"), T("a", "UNWATCH x"), T("a", "EXEC"),
        T("a", "MULTI"), T("a", "UNWATCH"), T("a", "EXEC"),
        T("a", "MULTI x"), T("a", "EXEC x"), T("a", "DISCARD x"), T("a", "WATCH"), T("a", "UNWATCH x"),
        T("a", "UNWATCH"), T("a", "EXEC"), T("a", "MULTI"), T("a", "MULTI x"), T("a", "EXEC"),
    ]))
    G.append(("select-in-multi", [
        TSETUP("a", "SET k db0"), T("a", "MULTI"), T("a", "SELECT 1"), T("a", "SET k db1"), T("a", "GET k"),
        T("a", "INCR n"), T("a", "EXEC"), T("a", "GET k"), T("a", "GET n"), T("b", "GET k"), T("b", "GET n"),
        T("b", "SELECT 1"), T("b", "GET k"), T("a", "MULTI"), T("a", "SELECT 0"), T("a", "GET k"),
        T("a", "SELECT 99"), T("a", "GET k"), T("a", "DISCARD"), T("a", "GET k"),
        T("a", "MULTI"), T("a", "SELECT 0"), T("a", "FOO"), T("a", "EXEC"), T("a", "GET k"),
        T("a", "MULTI"), T("a", "SELECT 0"), T("a", "GET k"), T("a", "SELECT 99"), T("a", "EXEC"), T("a", "GET k"),
    ]))
    G.append(("reset-in-multi", [
        TSETUP("a", "SET k v"), T("a", "WATCH k"), T("a", "SELECT 1"), T("a", "MULTI"), T("a", "SET k mine"),
        T("a", "RESET"), T("a", "EXEC"), T("a", "GET k"), T("b", "SET k other"), T("a", "MULTI"),
        T("a", "SET k mine"), T("a", "EXEC"), T("a", "GET k"), T("b", "SELECT 1"), T("b", "GET k"),
        T("a", "MULTI"), T("a", "FOO"), T("a", "RESET"), T("a", "MULTI"), T("a", "PING"), T("a", "EXEC"),
    ]))
    # RESET clears the name, the database, the protocol (RESP3 pass: replies
    # after it are RESP2), tracking;
    # Redis 7.0 keeps CLIENT NO-EVICT (compared through CLIENT NO-EVICT's own
    # replies only: CLIENT INFO differs in ids and sizes).
    G.append(("reset-state", [
        TSETUP("a", "CLIENT SETNAME app"), T("a", "SELECT 3"), T("a", "SET k in3"), T("a", "CLIENT NO-EVICT on"),
        T("a", "CLIENT TRACKING ON BCAST PREFIX p"), T("a", "CLIENT SETNAME other"), T("a", "RESET"),
        T("a", "CLIENT GETNAME"), T("a", "GET k"), T("a", "CLIENT TRACKINGINFO"), T("a", "SELECT 3"),
        T("a", "GET k"), T("a", "RESET"), T("a", "CLIENT NO-EVICT off"), T("a", "CLIENT SETNAME n2"),
        T("a", "RESET"), T("a", "CLIENT GETNAME"), T("a", "CLIENT TRACKING ON OPTIN"), T("a", "RESET"),
        T("a", "CLIENT TRACKINGINFO"), T("a", "CLIENT CACHING yes"),
    ]))
    G.append(("quit-in-multi", [
        TSETUP("a", "SET k v"), T("a", "MULTI"), T("a", "SET k mine"), T("a", "QUIT"), T("a", "PING"),
        T("b", "GET k"), T("b", "MULTI"), T("b", "SET k x"), T("b", "quit"), T("c", "GET k"),
    ]))
    # ---------------------------------------------------------------- WATCH
    W = [
        # modifications of the watched key from a second connection -> null
        ("set", ["SET k 1"], ["SET k 2"]),
        ("set-same-value", ["SET k 1"], ["SET k 1"]),
        ("set-missing-key", [], ["SET k 1"]),
        ("del", ["SET k 1"], ["DEL k"]),
        ("unlink", ["SET k 1"], ["UNLINK k other"]),
        ("incr", ["SET k 1"], ["INCR k"]),
        ("append", ["SET k 1"], ["APPEND k x"]),
        ("expire", ["SET k 1"], ["EXPIRE k 100"]),
        ("pexpire-negative", ["SET k 1"], ["PEXPIRE k -1"]),
        ("persist", ["SET k 1 EX 100"], ["PERSIST k"]),
        ("rename-from", ["SET k 1"], ["RENAME k k2"]),
        ("rename-to", ["SET k2 1"], ["RENAME k2 k"]),
        ("rename-to-existing", ["SET k 1", "SET k2 2"], ["RENAME k2 k"]),
        ("flushdb", ["SET k 1"], ["FLUSHDB"]),
        ("flushall", ["SET k 1"], ["FLUSHALL"]),
        ("flushall-from-other-db", ["SET k 1"], ["SELECT 1", "FLUSHALL"]),
        ("swapdb", ["SET k 1"], ["SWAPDB 0 1"]),
        ("swapdb-key-in-other-db", ["SELECT 1", "SET k 1", "SELECT 0"], ["SWAPDB 0 1"]),
        ("move", ["SET k 1"], ["MOVE k 1"]),
        ("same-connection", ["SET k 1"], [("a", "SET k 2")]),
        ("multiple-keys", ["SET k 1"], [("a", "WATCH x y"), "SET y 1"]),
        ("getdel", ["SET k 1"], ["GETDEL k"]),
        ("expiring", ["SET k 1", "PEXPIRE k 50"], [0.1]),
        # no modification of k -> EXEC runs
        ("none", ["SET k 1"], []),
        ("other-key", ["SET k 1"], ["SET other 1", "DEL other", "INCR n"]),
        ("other-db", ["SET k 1"], ["SELECT 1", "SET k 2", "DEL k", "FLUSHDB"]),
        ("reads", ["SET k 1"], ["GET k", "EXISTS k", "TTL k", "STRLEN k", "MGET k k"]),
        ("del-missing", [], ["DEL k", "UNLINK k"]),
        ("set-nx-existing", ["SET k 1"], ["SET k 2 NX", "SETNX k 3", "MSETNX k 4 j 5"]),
        ("set-xx-missing", [], ["SET k 2 XX"]),
        ("expire-missing", [], ["EXPIRE k 100", "PERSIST k"]),
        ("persist-no-ttl", ["SET k 1"], ["PERSIST k"]),
        ("flushdb-key-missing", ["SET other 1"], ["FLUSHDB"]),
        ("swapdb-key-missing", ["SET other 1"], ["SWAPDB 0 1"]),
        ("ttl-not-expired", ["SET k 1 PX 100000"], [0.05]),
        ("move-missing", ["SELECT 1", "SET k 1", "SELECT 0"], ["MOVE k 1"]),
    ]
    for name, setup, mods in W:
        G.append(("watch-" + name, _watch_case(setup, mods)))
    G.append(("watch-move-into-watched-db", [
        TSETUP("a", "SELECT 1"), T("a", "WATCH k"), T("b", "SET k 1"), T("b", "MOVE k 1"), T("a", "MULTI"),
        T("a", "GET k"), T("a", "EXEC"), T("a", "GET k"),
    ]))
    G.append(("watch-then-select", [
        TSETUP("b", "SET k 1"), T("a", "WATCH k"), T("a", "SELECT 1"), T("b", "SET k 2"), T("a", "MULTI"),
        T("a", "SET k mine"), T("a", "EXEC"), T("a", "GET k"),
    ]))
    G.append(("watch-during-multi", [
        TSETUP("b", "SET k 1"), T("a", "WATCH k"), T("a", "MULTI"), T("a", "SET k mine"), T("b", "SET k theirs"),
        T("a", "GET k"), T("a", "EXEC"), T("a", "GET k"),
    ]))
    G.append(("watch-inside-multi-ignored", [
        TSETUP("b", "SET k 1"), T("a", "MULTI"), T("a", "WATCH k"), T("a", "SET k mine"), T("b", "SET k theirs"),
        T("a", "EXEC"), T("a", "GET k"),
    ]))
    G.append(("unwatch", [
        TSETUP("b", "SET k 1"), T("a", "WATCH k"), T("a", "UNWATCH"), T("b", "SET k 2"), T("a", "MULTI"),
        T("a", "SET k mine"), T("a", "EXEC"), T("a", "GET k"), T("a", "UNWATCH"), T("a", "WATCH k x"),
        T("a", "WATCH k"), T("a", "UNWATCH"), T("b", "DEL k"), T("a", "MULTI"), T("a", "EXEC"),
    ]))
    G.append(("unwatch-queued", [
        TSETUP("b", "SET k 1"), T("a", "WATCH k"), T("a", "MULTI"), T("a", "UNWATCH"), T("a", "SET k mine"),
        T("b", "SET k 2"), T("a", "EXEC"), T("a", "GET k"), T("b", "SET k 3"), T("a", "MULTI"), T("a", "EXEC"),
    ]))
    G.append(("discard-unwatches", [
        TSETUP("b", "SET k 1"), T("a", "WATCH k"), T("a", "MULTI"), T("a", "SET k mine"), T("a", "DISCARD"),
        T("b", "SET k 2"), T("a", "MULTI"), T("a", "SET k mine"), T("a", "EXEC"), T("a", "GET k"),
    ]))
    G.append(("exec-unwatches", [
        TSETUP("b", "SET k 1"), T("a", "WATCH k"), T("b", "SET k 2"), T("a", "MULTI"), T("a", "SET k mine"),
        T("a", "EXEC"), T("b", "SET k 3"), T("a", "MULTI"), T("a", "SET k mine2"), T("a", "EXEC"), T("a", "GET k"),
        T("a", "WATCH k"), T("a", "MULTI"), T("a", "EXEC"), T("b", "SET k 4"), T("a", "MULTI"),
        T("a", "GET k"), T("a", "EXEC"),
    ]))
    G.append(("execabort-unwatches", [
        TSETUP("b", "SET k 1"), T("a", "WATCH k"), T("a", "MULTI"), T("a", "FOO"), T("a", "EXEC"),
        T("b", "SET k 2"), T("a", "MULTI"), T("a", "GET k"), T("a", "EXEC"),
    ]))
    G.append(("reset-unwatches", [
        TSETUP("b", "SET k 1"), T("a", "WATCH k"), T("a", "RESET"), T("b", "SET k 2"), T("a", "MULTI"),
        T("a", "GET k"), T("a", "EXEC"),
    ]))
    return G


def notify_groups():
    G = []
    CFG = "CONFIG SET notify-keyspace-events"
    SUB = PSETUP("sub", "PSUBSCRIBE __key*__:*")

    def cfg(flags):
        return P("pub", CFG, flags)
    G.append(("config", [
        PSETUP("pub", "CONFIG GET notify-keyspace-events"),
        *[x for f in ["KEA", "Kg$x", "Emn", "A", "K", "E", "KE", "gggKK", "g$lshzxetdKE", "g$lshzxetKE",
                      "AKEA", "AKEmn", "m", "n", "d", "t", "xeKE", "$E", "lshz", "Ag", "nmEK", "EK"]
          for x in (cfg(f), P("pub", "CONFIG GET notify-keyspace-events"))],
        cfg("KEAQ"), P("pub", "CONFIG GET notify-keyspace-events"), cfg("kea"), cfg("K E"), cfg("a"),
        cfg("M"), cfg("N"), cfg("K,E"), cfg("\xff"), P("pub", "CONFIG GET notify-keyspace-events"),
        cfg(""), P("pub", "CONFIG GET notify-keyspace-events"),
        P("pub", "config set NOTIFY-KEYSPACE-EVENTS Kl"), P("pub", "config get Notify-Keyspace-Events"),
        P("pub", CFG), P("pub", CFG, "K", "E"), P("pub", "CONFIG GET notify-keyspace-events"),
    ]))
    G.append(("strings", [
        PSETUP("pub", CFG, "KEA"), SUB,
        NT("SET k v"), NT("SET k v EX 100"), NT("SET k v2 KEEPTTL"), NT("SET k v NX"), NT("SET k2 v XX"),
        NT("SET k v3 XX GET"), NT("SET k v PX 100000"), NT("SET k v EX 0"), NT("SETEX k 100 v"),
        NT("PSETEX k 100000 v"), NT("SETEX k 0 v"), NT("MSET a 1 b 2 a 3"), NT("MSETNX c 1 a 2"),
        NT("MSETNX c 1 d 2"), NT("INCR n"), NT("INCRBY n 5"), NT("DECR n"), NT("DECRBY n 2"),
        NT("INCRBYFLOAT n 1.5"), NT("INCR k"), NT("INCRBYFLOAT k 1"), NT("APPEND ap x"), NT("APPEND ap yz"),
        NT("APPEND ap", ""), NT("SETRANGE ap 1 Q"), NT("SETRANGE ap 1", ""), NT("SETRANGE nosuch 0", ""),
        NT("SETRANGE nosuch 5", ""), NT("SETRANGE sr 3 x"), NT("GETDEL ap"), NT("GETDEL ap"),
        NT("GETEX k EX 100"), NT("GETEX k PERSIST"), NT("GETEX k PERSIST"), NT("GETEX k"),
        NT("GETEX k PXAT 99999999999999"), NT("GETEX missing EX 100"), NT("SETNX k x"), NT("SETNX nx1 x"),
        NT("GETSET k new"), NT("GETSET gs1 v"), NT("SET k v GET"), NT("STRLEN k"), NT("GET k"),
        NT("MGET k a missing"), NT("GETRANGE k 0 1"), NT("SET", "", "empty"), NT("SET", b"bin\x00\r\n", "x"),
        NT("DEL", "", b"bin\x00\r\n"),
    ]))
    G.append(("generic", [
        PSETUP("pub", CFG, "KEA"), SUB, NT("SET k v"),
        NT("EXPIRE k 100"), NT("PEXPIRE k 100000"), NT("EXPIRE k 100 NX"), NT("EXPIRE k 200 GT"),
        NT("EXPIRE k 100 GT"), NT("EXPIREAT k 99999999999"), NT("PEXPIREAT k 99999999999999"),
        NT("PERSIST k"), NT("PERSIST k"), NT("EXPIRE missing 100"), NT("PERSIST missing"),
        NT("EXPIRE k -1"), NT("SET k v"), NT("PEXPIRE k -5"), NT("SET k v"), NT("EXPIREAT k 1"),
        NT("SET k v"), NT("PEXPIREAT k 0"), NT("SET k v"), NT("EXPIRE k 0"), NT("EXPIRE k -1"),
        NT("SET a 1"), NT("RENAME a b"), NT("SET a 2"), NT("RENAME a b"), NT("RENAME b b"), NT("RENAME missing x"),
        NT("RENAMENX b c"), NT("SET a 1"), NT("RENAMENX a c"), NT("RENAMENX c c"), NT("SET t v EX 100"),
        NT("RENAME t t2"), NT("COPY c d"), NT("COPY c d"), NT("COPY c d REPLACE"), NT("COPY c d DB 1"),
        NT("COPY c d DB 1 REPLACE"), NT("COPY missing d"), NT("COPY c c"), NT("MOVE c 1"), NT("SET c 3"),
        NT("MOVE c 1"), NT("MOVE missing 1"), NT("DEL a b missing"), NT("DEL missing"),
        NT("UNLINK c d missing"), NT("SET x 1"), NT("SET y 2"), NT("DEL x y x"), NT("SET x 1"),
        NT("UNLINK x x"), NT("TOUCH d t2 missing"), NT("TYPE d"), NT("EXISTS d"),
        NT("SELECT 1"), NT("SET k v"), NT("DEL d c"), NT("MOVE k 0"), NT("SELECT 0"),
        NT("SET k v"), NT("SWAPDB 0 1"), NT("FLUSHDB"), NT("FLUSHALL"),
    ]))
    G.append(("class-flags", [
        PSETUP("pub", CFG, "K$"), SUB, NT("SET k v EX 100"), NT("INCR n"), NT("EXPIRE k 200"), NT("DEL k"),
        NT("GET missing"), cfg("Eg"), NT("SET k v"), NT("EXPIRE k 100"), NT("RENAME k k2"), NT("DEL k2"),
        NT("SETEX k 100 v"), cfg("Kg"), NT("COPY k k3"), NT("MOVE k3 1"), NT("PERSIST k"), NT("APPEND k x"),
        cfg("Kx"), NT("SET k v EX 100"), NT("DEL k"), cfg("A"), NT("SET k v"), NT("DEL k"),
        cfg("KE"), NT("SET k v"), NT("DEL k"), cfg(""), NT("SET k v"), NT("DEL k"),
        cfg("E$"), NT("SET k v PX 100000"), NT("GETDEL k"), cfg("Kl"), NT("SET k v"), NT("DEL k"),
        cfg("KEA"), NT("SET k v"), NT("DEL k"),
    ]))
    G.append(("keymiss", [
        PSETUP("pub", CFG, "KEm"), SUB, NT("GET missing"), NT("SET k v"), NT("GET k"), NT("MGET a k b a"),
        NT("GETDEL missing"), NT("GETEX missing"), NT("GETEX missing PERSIST"), NT("STRLEN missing"),
        NT("GETRANGE missing 0 1"), NT("INCR missing"), NT("APPEND ap x"), NT("SETRANGE sr 0 x"),
        NT("GETSET gs v"), NT("SET s v GET"), NT("DEL missing"), NT("RENAME missing x"),
        cfg("KEAm"), NT("GET missing2"), NT("SET k2 v"), NT("GET k2"), NT("MGET k2 missing2"),
        NT("GETDEL k2"), NT("GETDEL k2"), cfg("Em"), NT("GET missing3"), cfg("Km"), NT("GET missing4"),
        cfg("KEA"), NT("GET missing5"),
    ]))
    G.append(("new", [
        PSETUP("pub", CFG, "KEAn"), SUB, NT("SET k v"), NT("SET k v2"), NT("SET k v NX"), NT("SET j v XX"),
        NT("MSET k 1 a 2 b 3"), NT("MSETNX c 1 d 2"), NT("INCR cnt"), NT("INCR cnt"), NT("INCRBYFLOAT f 1.5"),
        NT("APPEND ap x"), NT("APPEND ap x"), NT("SETRANGE sr 2 x"), NT("SETRANGE sr2 0", ""), NT("SETNX z 1"),
        NT("GETSET g 1"), NT("SETEX e 100 v"), NT("SET px v PX 100000"), NT("COPY k k2"),
        NT("COPY k k2 REPLACE"), NT("RENAME k k3"), NT("RENAME a k3"), NT("RENAMENX b bb"), NT("MOVE k3 1"),
        NT("DEL bb"), NT("SELECT 1"), NT("SET k v"), NT("COPY k k5 DB 0"), NT("SELECT 0"),
        cfg("En"), NT("SET n1 v"), NT("SET n1 v"), NT("INCR n2"), cfg("Kn"), NT("SET n3 v"),
        cfg("n"), NT("SET n4 v"), cfg("KEn$"), NT("SET n5 v EX 100"), NT("SET n5 v"),
    ]))
    G.append(("multi-exec", [
        PSETUP("pub", CFG, "KEA"), SUB, T("pub", "MULTI"), T("pub", "SET a 1"), T("pub", "INCR a"),
        T("pub", "EXPIRE a 100"), T("pub", "INCR bad"), T("pub", "SET s x"), T("pub", "INCR s"), T("pub", "DEL a"),
        NT("EXEC"), T("pub", "MULTI"), T("pub", "SET b 1"), T("pub", "FOO"), NT("EXEC"),
        T("pub", "MULTI"), T("pub", "SET b 1"), NT("DISCARD"), NT("GET b"),
        T("pub", "MULTI"), T("pub", "SELECT 1"), T("pub", "SET b 1"), NT("EXEC"),
    ]))
    G.append(("db-and-subscribers", [
        PSETUP("pub", CFG, "KEA"), SUB, P("s2", "PSUBSCRIBE __keyevent@1__:*"),
        P("s3", "SUBSCRIBE __keyspace@0__:k"), NT("SET k v"), NT("SET j v"), NT("SELECT 1"), NT("SET k v"),
        NT("MOVE k 0"), NT("DEL k"), NT("SELECT 0"), NT("DEL k"), NT("SET k v"), NT("MOVE k 1"),
    ]))
    return G


# --------------------------------------------------------------------------
# Client-side caching (tracking part)
# --------------------------------------------------------------------------
#
# Runs on the named-connection runner of the pub/sub part (run_pubsub).
# Connections: "c" / "c2" track keys, "w" writes, "rd" / "rd2" are redirect
# targets SUBSCRIBEd to __redis__:invalidate (RESP2: invalidations arrive as
# `message` on that channel; RESP3: as `>2 invalidate` pushes, subscribed or
# not), "plain" is a redirect target that is not subscribed (RESP2: drops the
# invalidations).  Without REDIRECT a RESP2 connection receives nothing, a
# RESP3 one gets the push on the same connection (after the reply of its own
# command).  After every W step (a write) the exact sequence of what every
# other connection of the group has pending is compared.
#
# Client ids: ID(conn) runs CLIENT ID on each server separately and records
# it; an argument "{conn}" is replaced by that connection's id on each server
# (REDIRECT {rd}, CLIENT KILL ID {rd}).  Steps with n="ids" (GETREDIR,
# tracking-redir-broken pushes) compare replies with every integer equal to a
# recorded id of that server replaced by the connection's name; n="tinfo"
# (CLIENT TRACKINGINFO) does the same and compares the RESP3 `~` flags set as
# a set (Redis's set order is unspecified); RESP2's flags array, the redirect
# id (normalised) and the prefixes array (Redis returns them sorted) exactly.
#
# Determinism: Redis delivers invalidations while executing the write (BCAST:
# in beforeSleep of the same event-loop turn), i.e. before the writer's reply,
# so they are pending when the reply arrived.  Keys tracked by several
# clients are redirected to different targets (Redis iterates the clients of
# a key in radix-tree order of their ids, which differ between servers).
# BCAST: Redis groups all keys of one event-loop turn in one message per
# prefix (keys sorted, each once), ferrokv all keys of one read of the
# writer's connection (a command with the sentinel PING, or a pipeline: WSEQ);
# the bcast-multikey group compares MSET / multi-key DEL / RENAME / EXEC /
# scripts / pipelines, in RESP2 redirect mode and in RESP3.  In default mode
# Redis sends one message per key.  Redis broadcasts at the end of the event-loop turn, i.e. after the reply of a
# pipelined sentinel PING too: a BCAST client's own write (RESP3, no
# redirect) is therefore a single-reply step followed by a read.  OPTIN:
# CLIENT CACHING YES is sent as a single-reply step (T) right before the read,
# because the sentinel PING would consume it.


def ID(conn):
    """CLIENT ID on `conn`, recorded per server for "{conn}" arguments."""
    return ("i", conn, [b"CLIENT", b"ID"], "ids")


def W(conn, *a, n=None):
    """Command on `conn`, then compare what every other connection of the
    group has pending (invalidation messages / pushes)."""
    return ("n", conn, argv(a), n)


def WSEQ(conn, *cmds, n=None):
    """Like W, with several commands sent in one write (a pipeline)."""
    return ("n", conn, Seq(argv(c if isinstance(c, tuple) else (c,)) for c in cmds), n)


def GI(conn):
    return P(conn, "CLIENT TRACKINGINFO", n="tinfo")


def GR(conn):
    return P(conn, "CLIENT GETREDIR", n="ids")


def tracking_groups():
    G = []
    RD = [ID("rd"), PSETUP("rd", "SUBSCRIBE __redis__:invalidate")]
    RD2 = [ID("rd2"), PSETUP("rd2", "SUBSCRIBE __redis__:invalidate")]
    # --------------------------------------------------- state / introspection
    G.append(("info", RD + [
        PSETUP("c", "CLIENT TRACKINGINFO"), GR("c"), GI("c"),
        P("c", "CLIENT TRACKING ON"), GR("c"), GI("c"),
        P("c", "CLIENT TRACKING ON REDIRECT {rd}"), GR("c"), GI("c"),
        P("c", "CLIENT TRACKING ON"), GR("c"), GI("c"),
        P("c", "CLIENT TRACKING OFF"), GR("c"), GI("c"), P("c", "CLIENT TRACKING OFF"), GI("c"),
        P("c", "CLIENT TRACKING ON OPTIN NOLOOP REDIRECT {rd}"), GR("c"), GI("c"),
        T("c", "CLIENT CACHING YES"), T("c", "CLIENT TRACKINGINFO", n="tinfo"), P("c", "ECHO x"), GI("c"),
        P("c", "CLIENT TRACKING OFF"),
        P("c", "CLIENT TRACKING ON OPTOUT"), GI("c"),
        T("c", "CLIENT CACHING NO"), T("c", "CLIENT TRACKINGINFO", n="tinfo"), P("c", "ECHO x"), GI("c"),
        P("c", "CLIENT TRACKING OFF"),
        P("c", "CLIENT TRACKING ON BCAST"), GI("c"), P("c", "CLIENT TRACKING OFF"), GI("c"),
        P("c", "CLIENT TRACKING ON BCAST PREFIX b PREFIX a REDIRECT {rd} NOLOOP"), GI("c"), GR("c"),
        P("c", "CLIENT TRACKING ON BCAST PREFIX c"), GI("c"), GR("c"),
        P("c", "CLIENT TRACKING ON BCAST"), GI("c"),
        P("c", "CLIENT TRACKING OFF"), GI("c"),
        P("c", "client tracking on bcast prefix", b"bin\x00\r\n\xff"), GI("c"),
        P("c", "client tracking off"),
        P("c", "CLIENT GETREDIR x"), P("c", "CLIENT TRACKINGINFO x"), P("c", "client getredir"),
    ]))
    # ------------------------------------------------------------------ errors
    G.append(("errors", RD + [
        PSETUP("c", "CLIENT TRACKING OFF"),
        P("c", "CLIENT TRACKING"), P("c", "CLIENT TRACKING maybe"), P("c", "CLIENT TRACKING yes"),
        P("c", "CLIENT TRACKING", ""), P("c", "CLIENT TRACKING ON foo"), P("c", "CLIENT TRACKING ON REDIRECT"),
        P("c", "CLIENT TRACKING ON REDIRECT abc"), P("c", "CLIENT TRACKING ON REDIRECT 999999"),
        P("c", "CLIENT TRACKING ON REDIRECT 0"), P("c", "CLIENT TRACKING ON REDIRECT -1"),
        P("c", "CLIENT TRACKING OFF REDIRECT 999999"), P("c", "CLIENT TRACKING maybe REDIRECT 999999"),
        P("c", "CLIENT TRACKING maybe BCAST"), P("c", "CLIENT TRACKING OFF BCAST PREFIX a OPTIN OPTOUT"),
        P("c", "CLIENT TRACKING ON REDIRECT {rd} REDIRECT {rd}"),
        P("c", "CLIENT TRACKING ON PREFIX a"), P("c", "CLIENT TRACKING ON PREFIX"),
        P("c", "CLIENT TRACKING ON BCAST PREFIX"),
        P("c", "CLIENT TRACKING ON PREFIX a OPTIN OPTOUT"), P("c", "CLIENT TRACKING ON OPTIN OPTOUT"),
        P("c", "CLIENT TRACKING ON BCAST OPTIN"), P("c", "CLIENT TRACKING ON BCAST OPTOUT"),
        P("c", "CLIENT TRACKING ON BCAST OPTIN OPTOUT"), P("c", "CLIENT TRACKING ON OPTOUT BCAST"),
        P("c", "CLIENT TRACKING ON BCAST PREFIX ab PREFIX a"), P("c", "CLIENT TRACKING ON BCAST PREFIX a PREFIX ab"),
        P("c", "CLIENT TRACKING ON BCAST PREFIX a PREFIX a"),
        GR("c"), GI("c"),
        # CLIENT CACHING
        P("c", "CLIENT CACHING YES"), P("c", "CLIENT CACHING NO"), P("c", "CLIENT CACHING maybe"),
        P("c", "CLIENT CACHING"), P("c", "CLIENT CACHING YES extra"),
        P("c", "CLIENT TRACKING ON"), P("c", "CLIENT CACHING YES"), P("c", "CLIENT CACHING NO"),
        P("c", "CLIENT CACHING maybe"), P("c", "CLIENT TRACKING OFF"),
        P("c", "CLIENT TRACKING ON OPTIN"), P("c", "CLIENT CACHING NO"), P("c", "CLIENT CACHING maybe"),
        P("c", "client caching yes"), P("c", "CLIENT TRACKING ON OPTOUT"), P("c", "CLIENT TRACKING ON BCAST"),
        P("c", "CLIENT TRACKING ON OPTIN OPTOUT"), P("c", "CLIENT TRACKING ON OPTIN"), GI("c"),
        P("c", "CLIENT TRACKING OFF"),
        P("c", "CLIENT TRACKING ON OPTOUT"), P("c", "CLIENT CACHING YES"), P("c", "CLIENT CACHING no"),
        P("c", "CLIENT TRACKING ON OPTIN"), P("c", "CLIENT TRACKING ON BCAST"), GI("c"),
        P("c", "CLIENT TRACKING OFF"), P("c", "CLIENT CACHING NO"),
        # BCAST: switching modes and overlapping prefixes
        P("c", "CLIENT TRACKING ON BCAST PREFIX a"), P("c", "CLIENT TRACKING ON"),
        P("c", "CLIENT TRACKING ON OPTIN"), P("c", "CLIENT TRACKING ON BCAST PREFIX ab"),
        P("c", "CLIENT TRACKING ON BCAST PREFIX a"), P("c", "CLIENT TRACKING ON BCAST PREFIX b PREFIX", ""),
        P("c", "CLIENT CACHING YES"), GI("c"), P("c", "CLIENT TRACKING OFF"),
        P("c", "CLIENT TRACKING ON"), P("c", "CLIENT TRACKING ON BCAST"), P("c", "CLIENT TRACKING ON PREFIX a"),
        GI("c"),
    ]))
    # ------------------------------------------------------ default mode
    G.append(("default-other-conn", RD + [
        PSETUP("c", "CLIENT TRACKING ON REDIRECT {rd}"),
        W("w", "SET k 1"), P("c", "GET k"), W("w", "SET k 2"), W("w", "SET k 3"),
        P("c", "GET k"), W("w", "SET k 3"), P("c", "GET k"), W("w", "SET k 3 NX"), W("w", "DEL k"), W("w", "DEL k"),
        P("c", "GET k"), W("w", "SET k 1"), P("c", "GET k"), W("w", "INCR k"), W("w", "INCR k"),
        P("c", "GET k"), W("w", "EXPIRE k 100"), P("c", "GET k"), W("w", "EXPIRE missing 100"),
        W("w", "PERSIST k"), W("w", "RENAME k k2"),
        P("c", "GET k2"), P("c", "GET k"), W("w", "RENAME k2 k"), P("c", "MGET a b k"),
        W("w", "DEL a b"), W("w", "SET k 5"), P("c", "MGET a b"), W("w", "MSET a 1 b 2"), W("w", "MSET a 1 b 2"),
        P("c", "STRLEN s"), W("w", "APPEND s x"), P("c", "EXISTS s"), W("w", "SETRANGE s 0 y"),
        P("c", "GETRANGE s 0 -1"), W("w", "GETDEL s"), P("c", "TTL t"), W("w", "SETEX t 100 v"),
        P("c", "GET u"), W("w", "SET other 1"), W("w", "GET u"), W("w", "SET u 1 GET"),
        P("c", "GET", b"bin\x00\r\n\xff"), W("w", "SET", b"bin\x00\r\n\xff", "x"),
        P("c", "GET", ""), W("w", "SET", "", "x"),
        # tracking table is per key name, not per db
        P("c", "GET k"), W("w", "SELECT 1"), W("w", "SET k db1"),
        # OFF: no invalidations, but a write while OFF still drops the key
        # from the table; reads while OFF are not tracked; keys read before
        # OFF stay in the table (invalidated after ON again)
        P("c", "GET k"), P("c", "CLIENT TRACKING OFF"), W("w", "SET k 7"),
        P("c", "CLIENT TRACKING ON REDIRECT {rd}"), W("w", "SET k 8"),
        P("c", "CLIENT TRACKING OFF"), P("c", "GET k"), P("c", "CLIENT TRACKING ON REDIRECT {rd}"),
        W("w", "SET k 9"),
        P("c", "GET k"), P("c", "CLIENT TRACKING OFF"), P("c", "CLIENT TRACKING ON REDIRECT {rd}"),
        W("w", "SET k 10"), W("w", "SET k 11"),
    ]))
    G.append(("default-same-conn", RD + [
        PSETUP("c", "CLIENT TRACKING ON REDIRECT {rd}"), W("w", "PING"),
        P("c", "GET k"), W("c", "SET k 1"), W("c", "SET k 2"), P("c", "GET k"), W("c", "INCR k"),
        P("c", "GET k"), W("c", "EXPIRE k 100"), P("c", "GET k"), W("c", "RENAME k k2"), P("c", "GET k2"),
        W("c", "DEL k2"), P("c", "GET k"), W("c", "SET k x GET"), W("w", "SET k y"),
        # keys read inside MULTI are tracked; the invalidation of a key the
        # transaction writes itself
        P("c", "GET j"), T("c", "MULTI"), T("c", "GET k"), T("c", "SET j 1"), T("c", "GET j"), W("c", "EXEC"),
        W("w", "SET k z"), W("w", "SET j 2"),
    ]))
    G.append(("no-redirect", [
        PSETUP("c", "CLIENT TRACKING ON"), P("w", "PING"),
        P("c", "GET k"), W("w", "SET k 1"), W("w", "SET k 2"), P("c", "GET k"), W("c", "SET k 3"),
        W("c", "SET k 4"), P("c", "MGET a b"), W("c", "DEL a b"), W("c", "MSET a 1 b 2"), W("c", "MSET a 1 b 2"),
        P("c", "GET k"), W("c", "FLUSHALL"),
        P("c", "GET k"), W("w", "FLUSHALL"), W("w", "SET k 1"),
    ]))
    G.append(("redirect-not-subscribed", [
        ID("plain"), P("c", "CLIENT TRACKING ON REDIRECT {plain}"), P("w", "PING"),
        P("c", "GET k"), W("w", "SET k 1"), P("plain", "PING"), P("c", "GET k"), W("c", "SET k 2"),
        P("plain", "GET k"),
    ]))
    G.append(("two-clients", RD + RD2 + [
        PSETUP("c", "CLIENT TRACKING ON REDIRECT {rd}"), P("c2", "CLIENT TRACKING ON REDIRECT {rd2}"),
        P("c", "GET k"), P("c2", "GET k"), W("w", "SET k 1"), W("w", "SET k 2"),
        P("c", "GET k"), W("c2", "SET k 3"), P("c2", "GET k"), W("c2", "SET k 4"),
        P("c", "GET a"), P("c2", "GET b"), W("w", "MSET a 1 b 2"),
        P("c2", "CLIENT TRACKING ON REDIRECT {rd}"), P("c2", "GET x"), W("w", "SET x 1"),
    ]))
    G.append(("noloop", RD + [
        PSETUP("c", "CLIENT TRACKING ON REDIRECT {rd} NOLOOP"), W("w", "PING"),
        P("c", "GET k"), W("c", "SET k 1"), W("w", "SET k 2"),
        P("c", "GET k"), W("w", "SET k 3"), W("w", "SET k 4"),
        P("c", "GET k"), W("c", "DEL k"), P("c", "GET k"), W("c", "FLUSHALL"),
        P("c", "GET k"), W("w", "FLUSHALL"),
    ]))
    # ------------------------------------------------------------- OPTIN/OUT
    G.append(("optin", RD + [
        PSETUP("c", "CLIENT TRACKING ON OPTIN REDIRECT {rd}"), W("w", "PING"),
        P("c", "GET k"), W("w", "SET k 1"),
        T("c", "CLIENT CACHING YES"), P("c", "GET k"), W("w", "SET k 2"),
        P("c", "GET k"), W("w", "SET k 3"),
        T("c", "CLIENT CACHING YES"), P("c", "MGET a b"), W("w", "SET a 1"), W("w", "SET b 1"),
        T("c", "CLIENT CACHING YES"), P("c", "ECHO x"), P("c", "GET k"), W("w", "SET k 4"),
        T("c", "client caching yes"), P("c", "GET k"), W("c", "SET k 5"),
        P("c", "CLIENT TRACKING OFF"), P("c", "CLIENT TRACKING ON OPTIN NOLOOP REDIRECT {rd}"),
        T("c", "CLIENT CACHING YES"), P("c", "GET k"), W("c", "SET k 6"), W("w", "SET k 7"),
    ]))
    G.append(("optout", RD + [
        PSETUP("c", "CLIENT TRACKING ON OPTOUT REDIRECT {rd}"), W("w", "PING"),
        P("c", "GET k"), W("w", "SET k 1"), W("w", "SET k 2"),
        T("c", "CLIENT CACHING NO"), P("c", "GET k"), W("w", "SET k 3"),
        P("c", "GET k"), W("w", "SET k 4"),
        T("c", "CLIENT CACHING NO"), P("c", "ECHO x"), P("c", "GET k"), W("w", "SET k 5"),
        T("c", "CLIENT CACHING NO"), P("c", "MGET a b"), P("c", "GET a"), W("w", "SET a 1"), W("w", "SET b 1"),
    ]))
    # ----------------------------------------------------------------- BCAST
    G.append(("bcast", RD + RD2 + [
        PSETUP("c", "CLIENT TRACKING ON BCAST PREFIX user: PREFIX obj: REDIRECT {rd}"), W("w", "PING"),
        W("w", "SET user:1 x"), W("w", "SET user:1 y"), W("w", "SET other 1"), W("w", "DEL obj:9"),
        W("w", "SET obj:9 v"), W("w", "INCR user:n"), W("w", "EXPIRE user:1 100"), W("w", "DEL user:1"),
        W("w", "SET user: v"), W("w", "SET use v"), W("c", "SET user:2 v"), W("c", "GET user:2"),
        W("w", "APPEND obj:9 x"), W("w", "EXPIRE nope 100"), W("w", "SET obj:9 v NX"),
        P("c2", "CLIENT TRACKING ON BCAST REDIRECT {rd2}"), W("w", "SET any 1"), W("w", "SET user:3 1"),
        W("w", "SELECT 1"), W("w", "SET user:4 1"), W("w", "FLUSHDB"),
        P("c", "CLIENT TRACKING OFF"), W("w", "SET user:5 1"),
        P("c", "CLIENT TRACKING ON BCAST PREFIX obj: REDIRECT {rd} NOLOOP"),
        W("c", "SET obj:1 1"), W("w", "SET obj:1 2"),
        # ON BCAST again adds prefixes (and resets the options: NOLOOP off)
        P("c", "CLIENT TRACKING ON BCAST PREFIX new: REDIRECT {rd}"), W("w", "SET obj:2 1"), W("w", "SET new:1 1"),
        W("c", "SET obj:3 1"), W("w", "FLUSHALL"),
    ]))
    G.append(("bcast-multikey", RD + [
        PSETUP("c", "CLIENT TRACKING ON BCAST PREFIX b PREFIX a PREFIX x: REDIRECT {rd}"), W("w", "PING"),
        W("w", "MSET c 1 b2 2 a1 3 b1 4 a2 5 b2 6"), W("w", "DEL a1 a2 b1 zz"), W("w", "MSET a1 1 a2 2"),
        W("w", "RENAME a1 b9"), W("w", "MSETNX a3 1 b3 1"), W("w", "MSETNX a3 1 b4 1"),
        W("w", "SADD s1 m"), W("w", "SADD a5 m"), W("w", "SUNIONSTORE b5 a5 s1"), W("w", "UNLINK a5 b5 s1 nope"),
        W("w", "RPUSH al x y"), W("w", "LMOVE al bl LEFT RIGHT"), W("w", "COPY bl x:1"), W("w", "MSET x:2 1 x: 2"),
        T("w", "MULTI"), T("w", "SET a6 1"), T("w", "SET b6 1"), T("w", "DEL a6 a2"), W("w", "EXEC"),
        W("w", "EVAL", "redis.call('set','b7','1') redis.call('set','a7','1') redis.call('del','b7')", "0"),
        WSEQ("w", "SET a8 1", "SET b8 1", "SET a0 1", "INCR a8"), WSEQ("w", "RPUSH al z", "RPOPLPUSH al bl"),
        W("w", "DEL c zz"), W("w", "SELECT 1"), W("w", "MSET a1 1 b1 2"), W("w", "FLUSHALL"),
        P("c", "CLIENT TRACKING ON BCAST PREFIX b REDIRECT {rd} NOLOOP"),
        W("c", "MSET a1 1 b1 1 b2 1"), W("w", "MSET b1 2 b3 2"), WSEQ("c", "SET b4 1", "SET a4 1"),
        W("w", "MSET b4 2 b5 2"),
    ]))
    G.append(("bcast-no-redirect", [
        PSETUP("c", "CLIENT TRACKING ON BCAST PREFIX a"), P("w", "PING"),
        W("w", "SET a1 x"), W("w", "SET b1 x"), T("c", "SET a2 x"), R("c", n=None), T("c", "INCR a3"),
        R("c", n=None), W("w", "DEL a1"),
        P("c", "CLIENT TRACKING ON BCAST PREFIX b NOLOOP"), T("c", "SET b2 x"), R("c", n=None), W("w", "SET b2 y"),
        T("c", "MSET a9 1 b9 1 a8 2"), R("c", n=None), W("w", "MSET b9 2 a9 2 b8 2"), W("w", "DEL a8 a9 b8 b9"),
        W("c", "FLUSHALL"),
    ]))
    # --------------------------------------------------------------- FLUSH*
    G.append(("flush", RD + RD2 + [
        PSETUP("c", "CLIENT TRACKING ON REDIRECT {rd}"), P("c2", "CLIENT TRACKING ON REDIRECT {rd2}"),
        P("c", "GET k"), W("w", "FLUSHALL"), W("w", "SET k 1"), W("w", "FLUSHALL"), W("w", "FLUSHDB"),
        P("c", "GET k"), W("w", "SELECT 1"), W("w", "FLUSHDB"), W("w", "SET k 1"),
        W("w", "FLUSHALL ASYNC"), W("w", "FLUSHDB SYNC"), P("c2", "CLIENT TRACKING OFF"),
        W("c", "FLUSHALL"), P("c", "CLIENT TRACKING OFF"), W("w", "FLUSHALL"),
    ]))
    # ----------------------------------------------------- broken redirect
    G.append(("redirect-broken", RD + [
        PSETUP("c", "CLIENT TRACKING ON REDIRECT {rd}"), W("w", "PING"), P("c", "GET k"),
        W("w", "CLIENT KILL ID {rd}"), CLOSE("rd"), GI("c"), GR("c"),
        W("w", "SET k 1", n="ids"), GI("c"), GR("c"), P("c", "GET k"), W("w", "SET k 2", n="ids"),
        W("w", "SET k 3", n="ids"), P("c", "GET k"), W("c", "SET k 4", n="ids"), W("w", "FLUSHALL", n="ids"),
        P("c", "CLIENT TRACKING ON REDIRECT {rd}"), GI("c"),
        P("c", "CLIENT TRACKING ON"), GI("c"), P("c", "GET k"), W("w", "SET k 5", n="ids"),
    ]))
    return G


PART_GROUPS = {
    "pubsub": pubsub_groups,
    "tx": tx_groups,
    "notify": notify_groups,
    "tracking": tracking_groups,
}


def _ps_show(replies, state):
    return b"".join(r for r, _ in replies) + state


def run_pubsub(h, filt, part="pubsub"):
    """The pub/sub, tx, notify or tracking part (one protocol pass; see the
    comment above PS_TIMEOUT and the part's *_groups function)."""
    proto = h.ref.default_proto
    groups = [("%s:%s" % (part, name), steps) for name, steps in PART_GROUPS[part]()]
    groups = [g for g in groups if not filt or filt in g[0]]
    if not groups:
        return
    h.fresh()
    ref, test = PSSide(h.ref, proto), PSSide(h.test, proto)
    seq = [0]

    def token():
        seq[0] += 1
        return b"__ps_sync_%d__" % seq[0]

    def win(name, args, norm, label, setup=False, single=False, record=False, after=""):
        """One window (single: one reply, no sentinel) on both servers;
        returns True / False / None (skip) / "timeout".  Arguments "{conn}"
        are replaced by the client id of conn recorded on that server (record:
        the window is CLIENT ID, record its integer reply for `name`)."""
        if single:
            ra, sa = ref.call1(name, ref.subst(args))
            rb, sb = test.call1(name, test.subst(args))
        else:
            tok = token()
            ra, sa = ref.window(name, ref.subst(args), tok)
            rb, sb = test.window(name, test.subst(args), tok, want=len(ra))
        if record:
            for side, reps in ((ref, ra), (test, rb)):
                if reps and reps[0][1][0] == ":":
                    side.ids[name] = reps[0][1][1]
        ca, cb = ra, rb
        if norm in ("ids", "tinfo"):
            ca, cb = ref.norm_ids(ra), test.norm_ids(rb)
        ok = sa == sb and _ps_canon(ca, norm) == _ps_canon(cb, norm)
        if setup and not ok and rb and rb[0][1][0] in "-!" and sb == b"":
            return None
        what = "%s> %s" % (name, cmd_str(args) if args is not None else "(read%s)" % after)
        h.report(label, what, _ps_show(ra, sa), _ps_show(rb, sb), ok)
        if sb == b"<TIMEOUT>" or sa == b"<TIMEOUT>":
            return "timeout"
        return ok

    def teardown(label):
        # pending deliveries nobody expected?  then RESET (synchronous
        # unsubscribe-all, leaves MULTI, unwatches) and close; finally wait
        # until both servers report no subscriptions, so the next group starts
        # clean.  (tx: no pending check -- the sentinel PING would be queued
        # by a connection still in MULTI.)
        if part != "tx":
            for name in list(ref.conns):
                if name != "probe" and ref.is_open(name) and test.is_open(name):
                    win(name, None, "deliv", label + ":teardown")
        for side in (ref, test):
            for name in list(side.conns):
                if side.is_open(name):
                    side.window(name, [b"RESET"], token())
            side.close_all()
            if part in ("notify", "types", "streams", "bitmaps", "hll", "geo"):
                side.window("probe", [b"CONFIG", b"SET", b"notify-keyspace-events", b""], token())
            side.window("probe", [b"FLUSHALL"], token())
        for side in (ref, test):
            deadline = time.time() + 0.5
            while time.time() < deadline:
                reps, st = [], b""
                for q in ([b"PUBSUB", b"NUMPAT"], [b"PUBSUB", b"CHANNELS"], [b"PUBSUB", b"SHARDCHANNELS"]):
                    r, st = side.window("probe", q, token())
                    reps += r
                    if st:
                        break
                if st or any(v[0] in "-!" for _, v in reps) or len(reps) != 3:
                    break
                if reps[0][1] == (":", b"0") and all(v[1] == [] for _, v in reps[1:]):
                    break
                time.sleep(0.005)
            side.close_all()

    if part != "tx":
        # probe: without SUBSCRIBE in ferrokv the whole part is skipped
        tok = token()
        ra, sa = ref.window("probe", [b"SUBSCRIBE", b"__compat_probe"], tok)
        rb, sb = test.window("probe", [b"SUBSCRIBE", b"__compat_probe"], tok, want=len(ra))
        if _ps_canon(ra, None) != _ps_canon(rb, None) or sa != sb:
            if sb == b"" and rb and rb[0][1][0] == "-":
                if not h.tag:
                    print("note: SUBSCRIBE not supported by ferrokv (%s); %s part skipped" % (
                        show(rb[0][0], 100), part))
                for name, _ in groups:
                    h.skip(name, "SUBSCRIBE")
                ref.close_all()
                test.close_all()
                return
            h.report(part + ":probe", "SUBSCRIBE __compat_probe", _ps_show(ra, sa), _ps_show(rb, sb), False)
            print("note: ferrokv's SUBSCRIBE reply is unusable; %s part abandoned" % part)
            ref.close_all()
            test.close_all()
            return
    teardown(part + ":probe")

    timeouts = 0
    for gi, (label, steps) in enumerate(groups):
        if timeouts >= PS_MAX_TIMEOUTS:
            print("note: ferrokv timed out in %d %s groups; the remaining %d groups of this pass are "
                  "not run (run them with -k NAME)" % (timeouts, part, len(groups) - gi))
            for name, _ in groups[gi:]:
                h.skip(name, "%s-timeouts" % part)
            break
        used = []
        ref.ids, test.ids = {}, {}
        for kind, conn, args, norm in steps:
            if kind == "z":
                time.sleep(norm)
                continue
            if conn not in used:
                used.append(conn)
            if kind == "x":
                ref.close(conn)
                test.close(conn)
                continue
            if kind == "w":
                pred = norm
                for side in (ref, test):
                    deadline = time.time() + 1.0
                    while True:
                        r, st = side.window(conn, args, token())
                        if st or pred(r) or time.time() > deadline:
                            break
                        time.sleep(0.005)
                r = win(conn, args, None, label)
            elif kind in "tT":
                r = win(conn, args, norm, label, setup=(kind == "T"), single=True)
            elif kind == "i":
                r = win(conn, args, norm, label, setup=True, record=True)
            else:
                r = win(conn, args, norm, label, setup=(kind == "s"))
            if r is None:
                h.skip(label, args[0].decode("latin-1").upper())
                break
            if kind in "pn" and r != "timeout":
                # deliveries: "p" (PUB) compares pmessages as a multiset,
                # "n" (keyspace notifications, invalidations) the exact
                # sequence (tracking: with the step's id normalisation)
                for other in used:
                    if other != conn and ref.is_open(other):
                        r = win(other, None, "deliv" if kind == "p" else norm, label,
                                after=" after %s> %s" % (conn, cmd_str(args, 60)))
                        if r == "timeout":
                            break
            if r == "timeout":
                print("note: [%s%s] timed out, rest of the group abandoned" % (h.tag, label))
                timeouts += 1
                break
        teardown(label)
        if not h.test.server.alive():
            raise Abort("ferrokv process died (exit %s) during group %s%s:\n%s" % (
                h.test.server.proc.returncode, h.tag, label, h.test.server.log_tail()))
    h.ps_late += test.late


# --------------------------------------------------------------------------
# Random part
# --------------------------------------------------------------------------


class RandomGen:
    """Random commands over ~20 keys and databases 0..3.

    Determinism rules (so both servers must produce identical output):
      * relative expiries are >= 100 s and *unique* per command, spaced 200 s
        apart (100 + 200*i s).  Two expiries set at different moments of the
        run therefore never tie or cross, so NX/XX/GT/LT decisions do not
        depend on how many milliseconds passed between commands.
      * absolute expiries are base + 200*j s (base = start time), i.e. always
        >= 40 s away from any relative expiry set during the run.
      * past expiries only where Redis deletes the key immediately (EXPIRE*,
        GETEX); SET ...EXAT/PXAT in the past leaves a logically expired key
        that Redis may or may not have reclaimed yet, which would make DBSIZE
        flaky, so the random part does not use it.
      * SETRANGE offsets stay small (no 512 MB allocations); SCAN is only run
        as a full iteration from cursor 0.
    """

    def __init__(self, seed, base, types, exclude=()):
        self.r = random.Random(seed)
        self.exclude = set(exclude)
        self.base = base
        self.types = types
        self.used = set()
        self.keys = [b"k%d" % i for i in range(15)] + [b"", b"bin\x00\r\n\xff", b"{a}b", b"sp ace", b"*"]
        self.gens = [
            (8, self.g_set), (5, self.g_get), (1, self.g_setnx), (1, self.g_setex), (1, self.g_psetex),
            (2, self.g_mget), (2, self.g_mset), (1, self.g_msetnx), (1, self.g_getset), (1, self.g_getdel),
            (2, self.g_getex), (3, self.g_append), (2, self.g_strlen), (3, self.g_incr), (2, self.g_incrby),
            (2, self.g_incrbyfloat), (2, self.g_getrange), (2, self.g_setrange), (2, self.g_lcs),
            (2, self.g_del), (2, self.g_exists), (1, self.g_type), (2, self.g_rename), (1, self.g_keys),
            (1, self.g_scan), (1, self.g_dbsize), (0.15, self.g_flushdb), (0.05, self.g_flushall),
            (1, self.g_touch), (2, self.g_copy), (1.5, self.g_move), (0.7, self.g_swapdb),
            (1.5, self.g_encoding), (4, self.g_expire), (3, self.g_ttl), (1, self.g_persist),
            (1, self.g_select), (0.5, self.g_ping), (0.5, self.g_echo), (0.3, self.g_hello),
            (0.5, self.g_client), (0.2, self.g_config), (0.2, self.g_time), (1, self.g_getkeys),
            (1, self.g_arity), (0.2, self.g_unknown),
        ]
        if b"list" in types:
            self.gens.append((1.5, self.g_rpush))
        # lists / hashes / sets / sorted sets / SORT / blocking commands
        compat_types.extend_random(self, types)
        self.total = sum(w for w, _ in self.gens)

    # ---- value helpers
    def key(self):
        return self.r.choice(self.keys)

    def keys_n(self, lo=1, hi=4):
        return [self.key() for _ in range(self.r.randint(lo, hi))]

    def val(self):
        r = self.r
        x = r.random()
        if x < 0.45:
            return r.choice([b"0", b"1", b"-1", b"42", b"100", b"9223372036854775807", b"-9223372036854775808",
                             b"9223372036854775808", b"1.5", b"-2.5", b"3.0e3", b"5.0e-3", b"1e17", b"inf",
                             b"nan", b" 1", b"1 ", b"01", b"+1", b"-0", b"abc", b"hello world", b"",
                             b"\x00\xff\r\n", b"x" * 44, b"y" * 45, b"ohmytext", b"mynewtext", b"10000"])
        if x < 0.7:
            return str(r.randint(-1000, 100000)).encode()
        if x < 0.8:
            return ("%.*f" % (r.randint(0, 4), r.uniform(-1000, 1000))).encode()
        return bytes(r.choice(b"abcdefxyz0123 ") for _ in range(r.randint(0, 12)))

    def rel_s(self):
        while True:
            i = self.r.randrange(100000)
            if i not in self.used:
                self.used.add(i)
                return 100 + 200 * i

    def rel_ms(self):
        return self.rel_s() * 1000 + self.r.randrange(1000)

    def abs_s(self):
        return self.base + 200 * self.r.randrange(1, 100000)

    def abs_ms(self):
        return self.abs_s() * 1000 + self.r.randrange(1000)

    def bad_num(self):
        return self.r.choice([b"abc", b"", b"1.5", b"9223372036854775807", b"-9223372036854775808",
                              b"9223372036854775", b" 1", b"1e3"])

    def num(self, s):
        return str(s).encode()

    def db(self):
        r = self.r
        return self.num(r.randrange(4)) if r.random() < 0.9 else r.choice([b"16", b"-1", b"abc", b"15", b""])

    # ---- generators: return args
    def g_set(self):
        r = self.r
        a = [b"SET", self.key(), self.val()]
        opts = []
        if r.random() < 0.3:
            opts.append(r.choice([b"NX", b"XX", b"nx"]))
        if r.random() < 0.2:
            opts.append(b"GET")
        x = r.random()
        if x < 0.15:
            opts += [b"EX", self.num(self.rel_s())]
        elif x < 0.25:
            opts += [b"PX", self.num(self.rel_ms())]
        elif x < 0.3:
            opts += [b"EXAT", self.num(self.abs_s())]
        elif x < 0.35:
            opts += [b"PXAT", self.num(self.abs_ms())]
        elif x < 0.42:
            opts.append(b"KEEPTTL")
        elif x < 0.47:
            opts += [r.choice([b"EX", b"PX", b"EXAT", b"PXAT"]), self.bad_num()]
        if r.random() < 0.03:
            opts.append(r.choice([b"NX", b"XX", b"KEEPTTL", b"GET", b"FOO", b"EX"]))
        if r.random() < 0.1:
            r.shuffle(opts)
        return a + opts

    def g_get(self):
        return [b"GET", self.key()]

    def g_setnx(self):
        return [b"SETNX", self.key(), self.val()]

    def g_setex(self):
        t = self.num(self.rel_s()) if self.r.random() < 0.8 else self.r.choice([b"0", b"-1", self.bad_num()])
        return [b"SETEX", self.key(), t, self.val()]

    def g_psetex(self):
        t = self.num(self.rel_ms()) if self.r.random() < 0.8 else self.r.choice([b"0", b"-1", self.bad_num()])
        return [b"PSETEX", self.key(), t, self.val()]

    def g_mget(self):
        return [b"MGET"] + self.keys_n(1, 5)

    def g_mset(self):
        a = [b"MSET"]
        for k in self.keys_n(1, 4):
            a += [k, self.val()]
        if self.r.random() < 0.03:
            a.pop()
        return a

    def g_msetnx(self):
        a = self.g_mset()
        a[0] = b"MSETNX"
        return a

    def g_getset(self):
        return [b"GETSET", self.key(), self.val()]

    def g_getdel(self):
        return [b"GETDEL", self.key()]

    def g_getex(self):
        r = self.r
        a = [b"GETEX", self.key()]
        x = r.random()
        if x < 0.2:
            a += [b"EX", self.num(self.rel_s())]
        elif x < 0.35:
            a += [b"PX", self.num(self.rel_ms())]
        elif x < 0.45:
            a += [b"EXAT", self.num(self.abs_s() if r.random() < 0.7 else r.choice([1, self.base - 500]))]
        elif x < 0.55:
            a += [b"PXAT", self.num(self.abs_ms() if r.random() < 0.7 else 1)]
        elif x < 0.7:
            a.append(b"PERSIST")
        elif x < 0.78:
            a += [r.choice([b"EX", b"PX", b"EXAT", b"PXAT"]), r.choice([b"0", b"-1", self.bad_num()])]
        elif x < 0.8:
            a += [r.choice([b"FOO", b"KEEPTTL", b"EX"])]
        return a

    def g_append(self):
        return [b"APPEND", self.key(), self.val()]

    def g_strlen(self):
        return [b"STRLEN", self.key()]

    def g_incr(self):
        return [self.r.choice([b"INCR", b"DECR"]), self.key()]

    def g_incrby(self):
        r = self.r
        amt = r.choice([b"1", b"-1", b"0", b"5", b"100", b"-100", b"9223372036854775807",
                        b"-9223372036854775808", b"abc", b"1.5", b"", b"4611686018427387904"]) \
            if r.random() < 0.5 else self.num(r.randint(-1000000, 1000000))
        return [r.choice([b"INCRBY", b"DECRBY"]), self.key(), amt]

    def g_incrbyfloat(self):
        r = self.r
        amt = r.choice([b"0.1", b"-0.1", b"1.5", b"3.0e3", b"5.0e-3", b"1e17", b"-1e17", b"inf", b"-inf",
                        b"nan", b"abc", b"", b"1e308", b"10.5", b"0", b"-0", b"1e-5", b"7"]) \
            if r.random() < 0.6 else ("%.*f" % (r.randint(0, 6), r.uniform(-1e4, 1e4))).encode()
        return [b"INCRBYFLOAT", self.key(), amt]

    def g_getrange(self):
        r = self.r

        def off():
            return self.num(r.randint(-30, 30)) if r.random() < 0.85 else \
                r.choice([b"9223372036854775807", b"-9223372036854775808", b"abc", b"1000"])
        return [r.choice([b"GETRANGE", b"SUBSTR"]), self.key(), off(), off()]

    def g_setrange(self):
        r = self.r
        off = self.num(r.randint(0, 40)) if r.random() < 0.9 else r.choice([b"-1", b"536870912", b"abc", b"100"])
        v = self.val() if r.random() < 0.85 else b""
        return [b"SETRANGE", self.key(), off, v]

    def g_lcs(self):
        r = self.r
        a = [b"LCS", self.key(), self.key()]
        if r.random() < 0.2:
            a.append(b"LEN")
        if r.random() < 0.4:
            a.append(b"IDX")
        if r.random() < 0.3:
            a += [b"MINMATCHLEN", self.num(r.randint(-1, 5)) if r.random() < 0.9 else b"abc"]
        if r.random() < 0.3:
            a.append(b"WITHMATCHLEN")
        return a

    def g_del(self):
        return [self.r.choice([b"DEL", b"UNLINK"])] + self.keys_n(1, 3)

    def g_exists(self):
        return [b"EXISTS"] + self.keys_n(1, 4)

    def g_type(self):
        return [b"TYPE", self.key()]

    def g_rename(self):
        return [self.r.choice([b"RENAME", b"RENAMENX"]), self.key(), self.key()]

    def g_keys(self):
        return [b"KEYS", self.r.choice([b"*", b"k*", b"k1?", b"k[0-5]", b"k[^1]*", b"*a*", b"?", b"", b"[",
                                        b"\\*", b"b*", b"{a}*", b"*\x00*", b"*e", b"k1*", b"[a-z]?"])]

    def g_scan(self):
        r = self.r
        a = [b"SCAN", b"0"]
        if r.random() < 0.5:
            a += [b"MATCH", r.choice([b"*", b"k1*", b"k?", b"*a*", b"[b-s]*", b"nomatch"])]
        if r.random() < 0.5:
            a += [b"COUNT", r.choice([b"1", b"2", b"5", b"100"]) if r.random() < 0.9 else
                  r.choice([b"0", b"-1", b"abc"])]
        if r.random() < 0.3:
            a += [b"TYPE", r.choice([b"string", b"list", b"foo", b"hash", b"set", b"zset"])]
        return a

    def g_dbsize(self):
        return [b"DBSIZE"]

    def g_flushdb(self):
        return [b"FLUSHDB"] + ([self.r.choice([b"ASYNC", b"SYNC"])] if self.r.random() < 0.5 else [])

    def g_flushall(self):
        return [b"FLUSHALL"] + ([self.r.choice([b"ASYNC", b"SYNC"])] if self.r.random() < 0.5 else [])

    def g_touch(self):
        return [b"TOUCH"] + self.keys_n(1, 3)

    def g_copy(self):
        r = self.r
        a = [b"COPY", self.key(), self.key()]
        if r.random() < 0.5:
            a += [b"DB", self.db()]
        if r.random() < 0.4:
            a.append(b"REPLACE")
        return a

    def g_move(self):
        return [b"MOVE", self.key(), self.db()]

    def g_swapdb(self):
        return [b"SWAPDB", self.db(), self.db()]

    def g_encoding(self):
        return [b"OBJECT", b"ENCODING", self.key()]

    def g_expire(self):
        r = self.r
        cmd = r.choice([b"EXPIRE", b"PEXPIRE", b"EXPIREAT", b"PEXPIREAT"])
        x = r.random()
        if x < 0.8:
            t = {b"EXPIRE": self.rel_s, b"PEXPIRE": self.rel_ms, b"EXPIREAT": self.abs_s,
                 b"PEXPIREAT": self.abs_ms}[cmd]()
            t = self.num(t)
        elif x < 0.9:  # already in the past: key is deleted immediately
            t = r.choice([b"0", b"-1", b"-100"]) if cmd in (b"EXPIRE", b"PEXPIRE") else \
                self.num(r.choice([0, 1, -5, self.base - 1000] if cmd == b"EXPIREAT" else [0, 1, (self.base - 5) * 1000]))
        else:
            t = self.bad_num()
            if cmd == b"PEXPIRE" and t == b"9223372036854775":
                t = b"abc"  # a valid (fixed) far-future value: would tie under GT/LT
        a = [cmd, self.key(), t]
        y = r.random()
        if y < 0.4:
            a.append(r.choice([b"NX", b"XX", b"GT", b"LT"]))
        elif y < 0.45:
            a += r.sample([b"NX", b"XX", b"GT", b"LT", b"FOO"], 2)
        return a

    def g_ttl(self):
        return [self.r.choice([b"TTL", b"PTTL", b"EXPIRETIME", b"PEXPIRETIME"]), self.key()]

    def g_persist(self):
        return [b"PERSIST", self.key()]

    def g_select(self):
        return [b"SELECT", self.db()]

    def g_ping(self):
        return [b"PING"] + ([self.val()] if self.r.random() < 0.5 else [])

    def g_echo(self):
        return [b"ECHO", self.val()]

    def g_hello(self):
        return [b"HELLO", self.r.choice([b"2", b"3", b"2", b"3", b"4", b"x"])]

    def g_client(self):
        r = self.r
        if r.random() < 0.5:
            return [b"CLIENT", b"GETNAME"]
        return [b"CLIENT", b"SETNAME", r.choice([b"foo", b"bar", b"a b", b"", b"x\ny", b"n%d" % r.randrange(9)])]

    def g_config(self):
        return [b"CONFIG", b"GET", self.r.choice([b"databases", b"nonexistent"])]

    def g_time(self):
        return [b"TIME"]

    def g_getkeys(self):
        while True:
            _, g = self.pick()
            if g not in (self.g_getkeys, self.g_arity, self.g_unknown):
                break
        return [b"COMMAND", b"GETKEYS"] + g()

    def g_arity(self):
        while True:
            _, g = self.pick()
            if g not in (self.g_getkeys, self.g_arity, self.g_unknown, self.g_scan, self.g_hello,
                         self.g_flushall, self.g_flushdb):
                break
        a = g()
        if self.r.random() < 0.5 or len(a) < 2:
            return a + [b"extra"] * self.r.randint(1, 3)
        return a[:self.r.randint(1, len(a) - 1)]

    def g_unknown(self):
        return [self.r.choice([b"FOO", b"GETT", b"SETT", b"X"]), self.key()]

    def g_rpush(self):
        return [b"RPUSH", self.key()] + [self.val() for _ in range(self.r.randint(1, 3))]

    def pick(self):
        x = self.r.random() * self.total
        for w, g in self.gens:
            x -= w
            if x <= 0:
                return w, g
        return self.gens[-1]

    def next(self):
        while True:
            args = self.pick()[1]()
            if args[0].upper() not in self.exclude:
                return args


def resync(h, types):
    """Copy the reference dataset (all 16 dbs, values, expiries, raw encoding)
    into ferrokv after a mismatch in the random part, so that one bug yields
    one mismatch instead of a cascade of follow-up differences.  Uses separate
    connections, so the client state (db, protocol, name) of the main
    connections is untouched."""
    try:
        rc = Conn(h.ref.server.port)
        tc = Conn(h.test.server.port)
    except OSError:
        return
    try:
        tc.call([b"FLUSHALL"])
        for db in range(16):
            d = str(db).encode()
            rc.call([b"SELECT", d])
            tc.call([b"SELECT", d])
            _, v = rc.call([b"KEYS", b"*"])
            for _, k in (v[1] or []):
                _, t = rc.call([b"TYPE", k])
                if t[1] == b"string":
                    _, val = rc.call([b"GET", k])
                    tc.call([b"SET", k, val[1]])
                    _, enc = rc.call([b"OBJECT", b"ENCODING", k])
                    if enc[1] == b"raw" and len(val[1]) <= 44:
                        tc.call([b"APPEND", k, b""])  # APPEND converts to raw encoding
                    elif enc[1] == b"embstr" and tc.call([b"OBJECT", b"ENCODING", k])[1][1] == b"int":
                        # integer-looking embstr (e.g. an INCRBYFLOAT result):
                        # INCRBYFLOAT k 0 reproduces it; undo if the text changed
                        tc.call([b"INCRBYFLOAT", k, b"0"])
                        if tc.call([b"GET", k])[1][1] != val[1]:
                            tc.call([b"SET", k, val[1]])
                elif t[1] in types:
                    # list / hash / set / zset, with the reference's encoding
                    compat_types.copy_value(rc.call, tc.call, k, t[1])
                else:
                    continue
                _, pe = rc.call([b"PEXPIRETIME", k])
                if pe[0] == ":" and int(pe[1]) > 0:
                    tc.call([b"PEXPIREAT", k, pe[1]])
    except ConnFailure:
        pass
    finally:
        rc.close()
        tc.close()


def run_random(h, seed, count, exclude=(), do_resync=True):
    base = int(time.time())
    h.fresh()
    h.check([b"FLUSHALL"], label="random", setup=True)
    # Probe which data types ferrokv supports; only those the random stream creates.
    types = set()
    for typ, probe in ((b"list", [b"RPUSH", b"__compat_probe", b"x"]),
                       (b"hash", [b"HSET", b"__compat_probe", b"f", b"x"]),
                       (b"set", [b"SADD", b"__compat_probe", b"x"]),
                       (b"zset", [b"ZADD", b"__compat_probe", b"1", b"x"])):
        a, b = h.exchange(probe)
        if a[0] == b[0]:
            types.add(typ)
        elif not h.tag:
            print("note: %s not supported by ferrokv (%s); random part runs without %ss" % (
                probe[0].decode(), show(b[0], 100), typ.decode()))
        h.exchange([b"DEL", b"__compat_probe"])
    compat_types.random_start(h)
    gen = RandomGen(seed, base, types, exclude)
    for i in range(count):
        args = gen.next()
        cmd = args[0].upper()
        norm = "scan" if cmd == b"SCAN" and len(args) > 1 and args[1] == b"0" else None
        ok = h.check(args, norm, label="random#%d" % i)
        if not ok and do_resync:
            resync(h, types)
            h.resyncs += 1
        if i % 200 == 0 and not h.test.server.alive():
            raise Abort("ferrokv process died (exit %s) at random#%d:\n%s" % (
                h.test.server.proc.returncode, i, h.test.server.log_tail()))
    return types


def compare_final(h, types):
    """Compare the final dataset of databases 0..15 on fresh connections."""
    h.fresh()
    for db in range(16):
        label = "final:db%d" % db
        h.check([b"SELECT", str(db).encode()], label=label, setup=True)
        h.check([b"DBSIZE"], label=label)
        ka = h.ref.call([b"KEYS", b"*"])
        kb = h.test.call([b"KEYS", b"*"])
        h.report(label, "KEYS *", ka[0], kb[0], cmp_sorted(ka, kb))
        keys = set()
        for _, v in (ka, kb):
            if v is not None and v[0] == "*" and v[1]:
                keys.update(x[1] for x in v[1])
        for k in sorted(keys):
            t, _ = h.ref.call([b"TYPE", k])
            h.check([b"TYPE", k], label=label)
            if t == b"+string\r\n":
                h.check([b"GET", k], label=label)
            elif t[1:-2] in types:
                for args, norm in compat_types.dump_steps(t[1:-2], k):
                    h.check(args, norm, label=label)
            h.check([b"TTL", k], label=label)


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def default_ferrokv():
    for p in ("target/release/ferrokv-server", "target/debug/ferrokv-server"):
        full = os.path.join(REPO, p)
        if os.path.exists(full):
            return full
    return os.path.join(REPO, "target/debug/ferrokv-server")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ferrokv", default=None, help="ferrokv binary (basename redis-server: run a 2nd redis)")
    ap.add_argument("--redis", default=shutil.which("redis-server") or "/usr/bin/redis-server",
                    help="reference redis-server binary")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--count", type=int, default=5000, help="number of random commands")
    ap.add_argument("--parts",
                    default="hand,proto,pubsub,tx,notify,tracking,types,blocking,scripting,streams,memory,bitmaps,"
                            "hll,geo,commands,acl,random",
                    help="comma list of hand,proto,pubsub,tx,notify,tracking,types,blocking,scripting,streams,memory,"
                         "bitmaps,hll,geo,commands,acl,random (default all)")
    ap.add_argument("--acl-count", type=int, default=compat_acl.DEFAULT_COUNT,
                    help="random SETUSER rule lists of the acl part (per protocol pass; 0: none; seeded by --seed)")
    ap.add_argument("--commands-count", type=int, default=compat_commands.DEFAULT_COUNT,
                    help="random argument lists per command of the commands part's GETKEYS groups (per protocol "
                         "pass; 0: none; seeded by --seed)")
    ap.add_argument("--bitmap-count", type=int, default=compat_bitmaps.DEFAULT_COUNT,
                    help="number of random commands of the bitmaps part (per protocol pass)")
    ap.add_argument("--stream-count", type=int, default=compat_streams.DEFAULT_COUNT,
                    help="number of random stream commands of the streams part (per protocol pass; 0: none; "
                         "seeded by --seed)")
    ap.add_argument("--hll-count", type=int, default=compat_hll.DEFAULT_COUNT,
                    help="number of random HyperLogLog commands of the hll part (per protocol pass; 0: none; "
                         "seeded by --seed)")
    ap.add_argument("--geo-count", type=int, default=compat_geo.DEFAULT_COUNT,
                    help="number of random points of the geo part (per protocol pass; a quarter as many "
                         "queries; 0: no random part; seeded by --seed)")
    ap.add_argument("-k", dest="filter", default=None,
                    help="only run hand-picked / protocol / pubsub / tx / notify / tracking / types / blocking / "
                         "scripting / streams / memory / bitmaps / hll / geo cases whose name contains SUBSTR "
                         "(skips random; -k streams:random runs the streams part's random stream, -k hll:random "
                         "the hll part's, -k geo:random the geo part's random queries)")
    ap.add_argument("--exclude", default="",
                    help="comma list of commands the random part must not generate (e.g. MSET,MSETNX "
                         "while they are known broken, to avoid cascading mismatches)")
    ap.add_argument("--no-resync", action="store_true",
                    help="random part: do not copy redis's dataset into ferrokv after a mismatch "
                         "(by default it does, so one bug does not cause a cascade of mismatches)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every case")
    ap.add_argument("--max-report", type=int, default=200, help="max mismatch lines to print")
    ap.add_argument("--protocols", default="2,3",
                    help="comma list of protocol passes to run: 2 (plain RESP2 connections) and/or 3 "
                         "(every connection except proto's sends HELLO 3 first); default both")
    ap.add_argument("--resp3", action="store_true", help="short for --protocols 3")
    opts = ap.parse_args()
    try:
        protocols = [int(p) for p in ("3" if opts.resp3 else opts.protocols).split(",") if p.strip()]
    except ValueError:
        protocols = []
    if not protocols or any(p not in (2, 3) for p in protocols):
        print("error: --protocols takes a comma list of 2 and/or 3", file=sys.stderr)
        return 2

    fpath = opts.ferrokv or default_ferrokv()
    if os.sep not in fpath and not os.path.exists(fpath):
        fpath = shutil.which(fpath) or fpath
    if not os.path.exists(opts.redis):
        print("error: reference redis-server not found at %s" % opts.redis, file=sys.stderr)
        return 2
    if not os.path.exists(fpath):
        print("error: ferrokv binary not found at %s (build it or pass --ferrokv)" % fpath, file=sys.stderr)
        return 2
    # servers run with a temp dir as cwd, so relative paths must be resolved now
    fpath = os.path.abspath(fpath)
    opts.redis = os.path.abspath(opts.redis)
    parts = set(p.strip() for p in opts.parts.split(",") if p.strip())
    exclude = set(c.strip().upper().encode() for c in opts.exclude.split(",") if c.strip())
    if opts.filter:
        parts.discard("random")

    print("seed: %d  count: %d  protocols: %s  ferrokv: %s" % (
        opts.seed, opts.count, ",".join(map(str, protocols)), fpath))
    t0 = time.time()
    ref_srv = Server("redis", opts.redis, True)
    test_srv = Server("ferrokv", fpath, os.path.basename(fpath) == "redis-server")
    try:
        p1 = free_port()
        p2 = free_port()
        while p2 == p1:
            p2 = free_port()
        ref_srv.start(p1)
        test_srv.start(p2)
        ref_srv.wait_ready()
        test_srv.wait_ready()
        h = Harness(Side("redis", ref_srv), Side("ferrokv", test_srv), opts.verbose, opts.max_report)

        for i, proto in enumerate(protocols):
            tp, pp, fp = time.time(), h.passed, h.failed
            h.set_proto(proto)
            if "hand" in parts:
                for name, steps in hand_groups(int(time.time())):
                    if opts.filter and opts.filter not in name:
                        continue
                    h.run_group(name, steps)
                    if not test_srv.alive():
                        raise Abort("ferrokv process died (exit %s) during group %s%s:\n%s" % (
                            test_srv.proc.returncode, h.tag, name, test_srv.log_tail()))
            if "proto" in parts and i == 0:
                # framing cases use raw sockets (RESP2 requests): run them once
                h.set_proto(2)
                run_proto(h, opts.filter)
                h.set_proto(proto)
            for part in ("pubsub", "tx", "notify", "tracking"):
                if part in parts:
                    run_pubsub(h, opts.filter, part)
                    h.fresh()
            if "types" in parts:
                compat_types.run_types(h, opts.filter)
                h.fresh()
            if "blocking" in parts:
                compat_types.run_blocking(h, opts.filter)
                h.fresh()
            if "scripting" in parts:
                compat_scripting.run_scripting(h, opts.filter)
                h.fresh()
            if "streams" in parts:
                compat_streams.run_streams(h, opts.filter, opts.seed, opts.stream_count)
                h.fresh()
            if "memory" in parts:
                compat_memory.run_memory(h, opts.filter)
                h.fresh()
            if "bitmaps" in parts:
                compat_bitmaps.run_bitmaps(h, opts.filter, opts.seed, opts.bitmap_count)
                h.fresh()
            if "hll" in parts:
                compat_hll.run_hll(h, opts.filter, opts.seed, opts.hll_count)
                h.fresh()
            if "geo" in parts:
                compat_geo.run_geo(h, opts.filter, opts.seed, opts.geo_count)
                h.fresh()
            if "commands" in parts:
                compat_commands.run_commands(h, opts.filter, opts.seed, opts.commands_count)
                h.fresh()
            if "acl" in parts:
                compat_acl.run_acl(h, opts.filter, opts.seed, opts.acl_count)
                h.fresh()
            if "random" in parts:
                types = run_random(h, opts.seed, opts.count, exclude, not opts.no_resync)
                compare_final(h, types)
                compat_types.restore_config(h)
            h.ref.close()
            h.test.close()
            if len(protocols) > 1:
                print("RESP%d pass: %d passed, %d failed (%.1fs)" % (
                    proto, h.passed - pp, h.failed - fp, time.time() - tp))
    except Abort as e:
        print("ABORTED: %s" % e)
        h.failed += 1
    except (RuntimeError, OSError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 2
    finally:
        ref_srv.stop()
        test_srv.stop()

    if h.skipped_groups:
        print("skipped %d case groups whose setup failed on ferrokv (%s)" % (
            h.skipped_groups, ", ".join("%s x%d" % kv for kv in sorted(h.skip_reasons.items()))))
    if h.ps_late:
        print("note: %d pub/sub replies (deliveries) from ferrokv arrived only after the reply to a later "
              "PING on the same connection (Redis always sends them first; tolerated)" % h.ps_late)
    if h.resyncs:
        print("random part: dataset resynchronised %d times after mismatches" % h.resyncs)
    print("elapsed %.1fs" % (time.time() - t0))
    print("%d passed, %d failed" % (h.passed, h.failed))
    return 1 if h.failed else 0


compat_types.install(sys.modules[__name__])
compat_scripting.install(sys.modules[__name__])
compat_streams.install(sys.modules[__name__])
compat_memory.install(sys.modules[__name__])
compat_bitmaps.install(sys.modules[__name__])
compat_hll.install(sys.modules[__name__])
compat_geo.install(sys.modules[__name__])
compat_commands.install(sys.modules[__name__])
compat_acl.install(sys.modules[__name__])

if __name__ == "__main__":
    sys.exit(main())
