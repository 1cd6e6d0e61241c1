"""Memory part of the differential compatibility suite (see compat.py).

MEMORY (HELP / USAGE / STATS / DOCTOR / PURGE / MALLOC-STATS), the memory and
eviction parameters of CONFIG (maxmemory and its units, maxmemory-policy,
maxmemory-samples, maxmemory-eviction-tenacity, lfu-log-factor,
lfu-decay-time, lazyfree-lazy-*), OBJECT FREQ / IDLETIME under LRU and LFU
policies (with RESTORE ... IDLETIME / FREQ), the OOM behaviour of a
noeviction server over its limit (denyoom commands, MULTI / EXEC, scripts and
functions, INFO errorstats), the field names of INFO memory and the eviction
fields of INFO stats, and eviction itself (allkeys-* / volatile-* policies,
keyspace notifications of evictions), with Redis 7.0 semantics (the
reference redis-server is the oracle).

compat.py imports this module and calls ``install(core)`` with itself (it
registers the comparators below) and, for the part ``memory``,
``run_memory(h, filt)`` once per protocol pass.

Groups (``memory:<name>``) run on named connections ("a" is the default; "b"
changes the configuration while "a" is inside MULTI; "pub" / "sub" for
keyspace notifications; RESP3 pass: each sends HELLO 3 first).  Every command
is sent followed by a sentinel PING and everything the server sends until the
sentinel reply is compared (so a reply whose aggregate header announces the
wrong number of elements shows up as extra replies instead of desynchronising
the connection); inside MULTI (T steps) exactly one reply is read.  Before
each group both servers get FLUSHALL; after each group -- also when a step
failed or timed out -- every connection is closed and, on a separate "probe"
connection, maxmemory is set back to 0 first, then every other parameter of
MEMORY_PARAMS to the reference's value at the start of the run (read once),
notify-keyspace-events to "", followed by FLUSHALL, SCRIPT FLUSH and FUNCTION
FLUSH.  A restore that ferrokv refuses is reported (``memory:teardown``, once
per pass and parameter).  No step is a "setup" step: a ferrokv without these
commands fails every step instead of skipping the part.

Determinism (nothing depends on memory sizes or on the clock):
  * OOM / eviction groups use ``maxmemory 1``: every server uses more than one
    byte, so a noeviction server refuses every denyoom command, and an
    allkeys-* server evicts every key (already while executing CONFIG SET
    maxmemory / the first command after a policy switch) and then still
    refuses the write with OOM; a volatile-* server evicts exactly the keys
    with a TTL.  The resulting DBSIZE / KEYS / replies are compared exactly;
    INFO stats evicted_keys is compared as "a positive integer" (an exact
    count is checked only right after CONFIG RESETSTAT: 0).
  * Idle times only through RESTORE ... IDLETIME n (n = 500 / 1000) or right
    after a write, compared within IDLE_TOL seconds ("idle").
  * LFU counters only right after SET (LFU_INIT_VAL 5) or RESTORE ... FREQ n,
    and in the "lfu-touch" group with lfu-log-factor 0 and lfu-decay-time 0:
    Redis increments a counter with probability 1 / ((counter - 5) *
    lfu-log-factor + 1), which is exactly 1 for log factor 0 (and for a
    counter <= 5), and decay time 0 disables the decay, so every access
    increments the counter by exactly one.  The string values are never
    integers below 10000 (Redis shares those objects and their LFU field).
  * Eviction notifications of several keys compare as a multiset (the order
    of the eviction pool is unspecified).

Normalisations (each documented at its comparator; everything else is
compared byte for byte):
  "posint"       MEMORY USAGE: both replies positive integers.
  "mstats"       MEMORY STATS: field names in order and the RESP type of
                 every value (nested db.N maps likewise), not the values.
  "blob"         MEMORY MALLOC-STATS: a non-empty bulk / verbatim string of
                 the same RESP type.
  "idle"         OBJECT IDLETIME: integers within IDLE_TOL.
  "doctor"       MEMORY DOCTOR: one of Redis's three reports on both sides,
                 of the same RESP type (which one depends on the memory used).
  "infonames"    INFO memory: every field name of Redis's reply is present in
                 ferrokv's (Redis's names a subset of ferrokv's), same section
                 headers and RESP type.  Values are not compared.
  "info=F,..."   INFO: only the values of the fields F (exact; a field absent
                 from both replies is equal).  E.g. errorstat_OOM,
                 maxmemory_policy.
  "info#F,..."   INFO: the fields F are present in both replies and
                 non-negative integers (values not compared).
  "info>F,..."   INFO: the fields F are present in both replies and positive
                 integers.
  "multiset"     (the pub/sub windows' normalisation) deliveries compared as
                 a multiset.

Not tested (differences seen while writing the groups, deliberately left
out because Redis's behaviour is an accident of strtoull / its clock):
``CONFIG SET maxmemory mb`` and ``CONFIG SET maxmemory ''`` (Redis: OK, sets
0), ``CONFIG SET maxmemory 99999999999999999999`` (Redis: OK, saturates to
18446744073709551615), ``CONFIG SET maxmemory-policy "volatile-lru\0..."``
(Redis: OK, compares C strings), MEMORY USAGE of a logically expired key
(Redis looks the key up without expiring it and reports its size until
active expiry deletes it: timing dependent), ``RESTORE ... IDLETIME
9999999999999`` (Redis wraps its 24-bit LRU clock),
OBJECT FREQ / IDLETIME of keys written under the other kind of policy, and
denyoom commands of data types ferrokv lacks (PFADD, SETBIT, BITOP, GEOADD).
"""

import re
import hashlib
import shlex

K = None    # the compat core module (set by install)

IDLE_TOL = 2    # seconds: OBJECT IDLETIME tolerance between the servers

# parameters the groups change; after every group maxmemory is set to 0 first,
# then the others to the reference's values at the start of the run
MEMORY_PARAMS = [b"maxmemory", b"maxmemory-policy", b"maxmemory-samples", b"maxmemory-eviction-tenacity",
                 b"lfu-log-factor", b"lfu-decay-time", b"lazyfree-lazy-eviction", b"lazyfree-lazy-expire",
                 b"lazyfree-lazy-server-del", b"lazyfree-lazy-user-del", b"lazyfree-lazy-user-flush",
                 b"slowlog-log-slower-than", b"slowlog-max-len", b"latency-tracking",
                 b"latency-tracking-info-percentiles"]
_params = {}


def install(core):
    global K
    K = core
    core.COMPARATORS.update({
        "posint": cmp_posint,
        "mstats": cmp_mstats,
        "blob": cmp_blob,
        "doctor": cmp_doctor,
        "slowlog": cmp_slowlog,
        "infonames-static": cmp_infonames_static,
        "latencystats": cmp_latencystats,
        "idle": core._tolerance(IDLE_TOL),
        "infonames": cmp_infonames,
        "debugobject": cmp_debugobject,
        "digits": cmp_digits,
        "lolwut6": cmp_lolwut6,
    })


# --------------------------------------------------------------------------
# Comparators
# --------------------------------------------------------------------------


def cmp_posint(a, b):
    # MEMORY USAGE: the number of bytes a key takes depends on the allocator
    # and the data structures, which differ by design.  Integer replies compare
    # as "both positive"; nil (missing key) and errors exactly.
    (ra, va), (rb, vb) = a, b
    if va is None or vb is None or va[0] != ":" or vb[0] != ":":
        return ra == rb
    return int(va[1]) > 0 and int(vb[1]) > 0


def _mstats_shape(v):
    t, p = v
    if t in "*%" and p is not None:
        if len(p) % 2:
            return (t, "odd", len(p))
        return (t, tuple((p[i][0], p[i][1], _mstats_shape(p[i + 1])) for i in range(0, len(p), 2)))
    return t


def cmp_mstats(a, b):
    # MEMORY STATS: the values (bytes, ratios) are allocator specific.  The
    # reply type (RESP2 array / RESP3 map), the field names in order and the
    # RESP type of every value (integer `:`, double -- a bulk string in RESP2,
    # `,` in RESP3 -- or a nested map for db.N, whose field names and value
    # types are compared likewise) must match.  Errors exactly.
    (ra, va), (rb, vb) = a, b
    if K._is_err(va) or K._is_err(vb):
        return ra == rb
    return _mstats_shape(va) == _mstats_shape(vb)


_DEBUG_OBJECT_VOLATILE = re.compile(rb"Value at:0x[0-9a-f]+ |lru:\d+ lru_seconds_idle:\d+")


def cmp_debugobject(a, b):
    # DEBUG OBJECT: the value's address and its LRU clock differ between
    # processes; they are masked, every other field (encoding, serialized
    # length, the quicklist figures) compares exactly.  Errors exactly.
    (ra, va), (rb, vb) = a, b
    if K._is_err(va) or K._is_err(vb) or va[0] != "+" or vb[0] != "+":
        return ra == rb
    return _DEBUG_OBJECT_VOLATILE.sub(b"", va[1]) == _DEBUG_OBJECT_VOLATILE.sub(b"", vb[1])


_DIGITS = re.compile(rb"\d+")


def cmp_digits(a, b):
    # LATENCY LATEST / HISTORY / GRAPH / HISTOGRAM of events both servers saw:
    # the times, the milliseconds and the histogram buckets are measurements,
    # so every run of digits (RESP lengths included) compares as one
    # placeholder; the rest (event names, structure, texts) exactly.
    (ra, _), (rb, _) = a, b
    return _DIGITS.sub(b"N", ra) == _DIGITS.sub(b"N", rb)


_CELL = re.compile(rb"\x1b\[0;\d+;\d+m \x1b\[0m")


def cmp_lolwut6(a, b):
    # LOLWUT VERSION 6: the skyline is random on both sides; every cell is a
    # grey block, so the picture compares as its size (cells per row, rows),
    # the caption and the reply type exactly (the length prefix varies with
    # the colours' escape codes).
    (ra, _), (rb, _) = a, b
    strip = lambda r: _CELL.sub(b"#", re.sub(rb"^([=$])\d+\r\n", rb"\1", r))
    return strip(ra) == strip(rb)


def cmp_blob(a, b):
    # MEMORY MALLOC-STATS: the allocator's report (jemalloc's in Redis) is
    # free text.  Both replies must be non-empty strings of the same RESP type
    # (bulk `$`, or verbatim `=` in RESP3); errors exactly.
    (ra, va), (rb, vb) = a, b
    if K._is_err(va) or K._is_err(vb) or va[0] not in "$=" or vb[0] not in "$=":
        return ra == rb
    return va[0] == vb[0] and bool(va[1]) and bool(vb[1])


DOCTOR_TEXTS = (
    b"Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions.",
    b"Hi Sam, I can't find any memory issue in your instance.",
    b"Sam, I detected a few issues in this Redis instance memory implants:",
)


def _doctor_kind(v):
    t, p = v
    if t not in "$=" or not isinstance(p, bytes):
        return None
    text = p[4:] if t == "=" else p
    for i, start in enumerate(DOCTOR_TEXTS):
        if text.startswith(start):
            return (t, i if i < 2 else (2, text.endswith(b"I'm here to keep you safe, Sam. I want to help you.\n")))
    return None


def cmp_doctor(a, b):
    # MEMORY DOCTOR: which report comes depends on how much memory each server
    # uses (under 5 MB is "empty"), which differs by design (and with what
    # earlier parts left allocated).  Both replies must be one of Redis's
    # three reports, of the same RESP type; a report of issues must end as
    # Redis's does.  Errors exactly.
    (ra, va), (rb, vb) = a, b
    if K._is_err(va) or K._is_err(vb):
        return ra == rb
    ka, kb = _doctor_kind(va), _doctor_kind(vb)
    return ka is not None and kb is not None and ka[0] == kb[0]


def _slowlog_shape(v):
    t, p = v
    if t != "*" or p is None:
        return v
    out = []
    for e in p:
        et, ep = e
        if et != "*" or ep is None or len(ep) != 6:
            return v
        ints = all(x[0] == ":" for x in ep[:3])
        out.append((ints, ep[3], ep[4][0], ep[5]))
    return ("*", out)


def cmp_slowlog(a, b):
    # SLOWLOG GET: an entry's id (counted since each server started), time,
    # duration and client address (ports differ) are compared as "integers"
    # and "a bulk string"; the arguments (as shortened and redacted) and the
    # client name exactly.  Errors exactly.
    (ra, va), (rb, vb) = a, b
    if K._is_err(va) or K._is_err(vb):
        return ra == rb
    return _slowlog_shape(va) == _slowlog_shape(vb)


def cmp_latencystats(a, b):
    # INFO latencystats: the percentiles are timings.  The same commands must be
    # listed (each server ran the same ones) with the same percentile labels,
    # each value a non-negative number with three decimals.
    (ra, va), (rb, vb) = a, b
    ia, ib = _info(va), _info(vb)
    if ia is None or ib is None:
        return ra == rb

    def shape(fields):
        out = {}
        for name, val in fields.items():
            labels = []
            for part in val.split(b","):
                label, _, num = part.partition(b"=")
                ok = num.count(b".") == 1 and len(num.split(b".")[1]) == 3 and num.replace(b".", b"").isdigit()
                labels.append((label, ok))
            out[name] = labels
        return out
    return va[0] == vb[0] and ia[0] == ib[0] and shape(ia[1]) == shape(ib[1])


def _info(v):
    """(section headers, {name: value}) of an INFO reply, or None."""
    if v is None or v[0] not in "$=" or v[1] is None:
        return None
    text = v[1][4:] if v[0] == "=" else v[1]
    heads, fields = [], {}
    for line in text.split(b"\r\n"):
        if line.startswith(b"#"):
            heads.append(line)
        elif b":" in line:
            name, _, val = line.partition(b":")
            fields[name] = val
    return heads, fields


def cmp_infonames(a, b):
    # INFO memory: the values are allocator and size specific, and ferrokv may
    # print additional fields.  Every field name Redis prints must be present
    # in ferrokv's reply (Redis's set of names a subset of ferrokv's), the
    # section headers and the RESP type (bulk / RESP3 verbatim) must match.
    # Errors and non-strings exactly.
    (ra, va), (rb, vb) = a, b
    ia, ib = _info(va), _info(vb)
    if ia is None or ib is None:
        return ra == rb
    return va[0] == vb[0] and ia[0] == ib[0] and set(ia[1]) <= set(ib[1])


_DYNAMIC_INFO = (b"cmdstat_", b"latency_percentiles_usec_", b"errorstat_")


def cmp_infonames_static(a, b):
    # INFO of any sections: as "infonames", but the per-command and per-error
    # lines (commandstats, latencystats, errorstats) are left out of the name
    # check: the harness sends the reference a few commands of its own (the
    # settings it restores), so those lists differ by design.  The section
    # headers are still compared exactly.
    (ra, va), (rb, vb) = a, b
    ia, ib = _info(va), _info(vb)
    if ia is None or ib is None:
        return ra == rb
    static = lambda f: {n for n in f if not n.startswith(_DYNAMIC_INFO)}
    return va[0] == vb[0] and ia[0] == ib[0] and static(ia[1]) <= static(ib[1])


def _info_cmp(kind, fields):
    # INFO with only some fields compared (see INFO_EQ / INFO_INT / INFO_POS):
    # "=" exact values (absent from both: equal), "#" present in both and
    # non-negative integers, ">" present in both and positive integers.  The
    # RESP type must match; errors and non-strings exactly.
    def ok(val):
        if val is None or not val.isdigit():
            return False
        return kind == "#" or int(val) > 0

    def cmp(a, b):
        (ra, va), (rb, vb) = a, b
        ia, ib = _info(va), _info(vb)
        if ia is None or ib is None:
            return ra == rb
        if va[0] != vb[0]:
            return False
        for f in fields:
            x, y = ia[1].get(f), ib[1].get(f)
            if kind == "=":
                if x != y:
                    return False
            elif not (ok(x) and ok(y)):
                return False
        return True
    return cmp


def _info_norm(kind, fields):
    name = "info%s%s" % (kind, ",".join(fields))
    if name not in K.COMPARATORS:
        K.COMPARATORS[name] = _info_cmp(kind, [f.encode() for f in fields])
    return name


def _info_show(replies, state, norm):
    """What a report shows of INFO replies compared by some fields only: those
    fields (the whole reply is long and mostly irrelevant)."""
    fields = [f.encode() for f in norm[5:].split(",")]
    out = []
    for raw, v in replies:
        i = _info(v)
        if i is None:
            out.append(raw)
        else:
            out.append(b"<INFO %s: %s>" % (v[0].encode(), b" ".join(
                b"%s:%s" % (f, i[1][f]) if f in i[1] else b"%s:<absent>" % f for f in fields)))
    return b"".join(out) + state


def INFO_EQ(*fields):
    return _info_norm("=", fields)


def INFO_INT(*fields):
    return _info_norm("#", fields)


def INFO_POS(*fields):
    return _info_norm(">", fields)


# --------------------------------------------------------------------------
# Step helpers
# --------------------------------------------------------------------------
# A step is (kind, conn, args, norm):
#   "c"  command on conn, all replies up to the sentinel compared with norm
#        (a comparator name; default: compat's DEFAULT_NORM of the command)
#   "t"  command on conn, exactly one reply, no sentinel (inside MULTI)
#   "n"  command on conn, then the deliveries pending on every other open
#        connection of the group, compared with norm ("multiset" or None:
#        exact sequence)


def X(*a, c="a", n=None):
    """One command on connection c (first str argument split on spaces)."""
    return ("c", c, K.argv(a), n)


def XS(text, c="a", n=None):
    """X steps from "CMD a b; CMD c" (shell-like quoting: '' is an empty
    argument)."""
    return [("c", c, K.argv(shlex.split(x)), n) for x in text.split(";") if x.strip()]


def T(*a, c="a", n=None):
    """One command, one reply, no sentinel (inside MULTI)."""
    return ("t", c, K.argv(a), n)


def N(*a, c="pub", n="multiset"):
    """Command on c, then compare the deliveries on the other connections."""
    return ("n", c, K.argv(a), n)


def U(*a, c="a"):
    """MEMORY USAGE (positive integer, see cmp_posint)."""
    return X("MEMORY USAGE", *a, c=c, n="posint")


def OI(key, c="a"):
    return X("OBJECT IDLETIME", key, c=c, n="idle")


def OF(key, c="a"):
    return X("OBJECT FREQ", key, c=c)


def oom_count(*steps):
    """CONFIG RESETSTAT, the steps, then INFO errorstats (errorstat_OOM)."""
    return [X("CONFIG RESETSTAT")] + list(steps) + [X("INFO errorstats", n=INFO_EQ("errorstat_OOM"))]


def sha(script):
    return hashlib.sha1(script.encode("latin-1")).hexdigest()


def members(prefix, n):
    return ["%s%d" % (prefix, i) for i in range(n)]


# a DUMP payload of the string "hello" (RDB version 10, as Redis 7.0 writes it)
HELLO_DUMP = b"\x00\x05hello\n\x00cr\xdfve4 \n"


def RESTORE(key, *opts, c="a"):
    return X("RESTORE", key, "0", HELLO_DUMP, *opts, c=c)


# --------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------


def memory_groups():
    G = []
    G.append(("help-errors", [
        X("MEMORY HELP"), X("memory help"), X("Memory Help"), X("MEMORY HELP x"), X("MEMORY"),
        X("MEMORY FOO"), X("MEMORY foo bar"), X("MEMORY", ""), X("MEMORY USAGE"), X("memory usage"),
        X("MEMORY DOCTOR x"), X("MEMORY PURGE x"), X("MEMORY STATS x"), X("MEMORY MALLOC-STATS x"),
    ]))
    G.append(("usage", [
        X("SET s hello"), X("SET i 12345"), X("SET big", "x" * 5000), X("RPUSH l a b c"), X("HSET h f v"),
        X("SADD st a b"), X("SADD si 1 2 3"), X("ZADD z 1 a 2 b"), X("XADD x 1-1 f v"),
        X("RPUSH bl", *members("e", 300)),
        X("HSET bh", *[x for i in range(200) for x in ("f%d" % i, "v" * 70)]),
        X("SADD bs", *members("m", 600)), X("SADD bi", *[str(i) for i in range(600)]),
        X("ZADD bz", *[x for i in range(300) for x in (str(i), "m%d" % i)]),
        X("XADD bx 1-1", *[x for i in range(100) for x in ("f%d" % i, "v%d" % i)]),
        *[X("XADD bx", "%d-0" % i, "f", "v" * 50) for i in range(2, 60)],
        *[U(k, *o) for k in ("s", "i", "big", "l", "h", "st", "si", "z", "x", "bl", "bh", "bs", "bi", "bz", "bx")
          for o in ((), ("SAMPLES", "0"), ("SAMPLES", "1"), ("samples", "5"))],
        U("bz", "SAMPLES", "1", "SAMPLES", "2"), U("s", "SAMPLES", "9223372036854775807"),
        X("memory usage s", n="posint"), X("MEMORY usagE s", n="posint"),
        X("MEMORY USAGE nokey"), X("MEMORY USAGE nokey SAMPLES 0"), X("MEMORY USAGE nokey SAMPLES 1"),
        X("SELECT 3"), X("SET other v"), U("other"), X("MEMORY USAGE s"), X("SELECT 0"), X("MEMORY USAGE other"),
        X("MEMORY USAGE s SAMPLES -1"), X("MEMORY USAGE s SAMPLES x"), X("MEMORY USAGE s SAMPLES"),
        X("MEMORY USAGE s FOO"), X("MEMORY USAGE s FOO 1"), X("MEMORY USAGE s SAMPLES 1.5"),
        X("MEMORY USAGE s SAMPLES 99999999999999999999"), X("MEMORY USAGE s SAMPLES 5 x"),
        X("MEMORY USAGE s SAMPLES 1 SAMPLES -1"), X("MEMORY USAGE s SAMPLES", ""), X("MEMORY USAGE a b"),
        X("MEMORY USAGE nokey SAMPLES -1"), X("MEMORY USAGE nokey SAMPLES x"), X("MEMORY USAGE nokey FOO"),
        U("s", "SAMPLES", "0"),
    ]))
    G.append(("stats", [
        X("MEMORY STATS", n="mstats"), X("memory stats", n="mstats"),
        X("SET a 1"), X("MEMORY STATS", n="mstats"),
        X("SELECT 3"), X("SET b v"), X("SETEX c 100 v"), X("SELECT 0"), X("MEMORY STATS", n="mstats"),
        X("SELECT 15"), X("RPUSH l", *members("e", 200)), X("MEMORY STATS", n="mstats"), X("SELECT 0"),
        X("FLUSHALL"), X("MEMORY STATS", n="mstats"),
    ]))
    G.append(("doctor-purge-malloc", [
        X("MEMORY DOCTOR", n="doctor"), X("memory doctor", n="doctor"), X("MEMORY PURGE"),
        X("MEMORY MALLOC-STATS", n="blob"),
        X("MSET a 1 b 2 c 3"), X("RPUSH l", *members("e", 100)), X("MEMORY DOCTOR", n="doctor"), X("MEMORY PURGE"),
        X("MEMORY MALLOC-STATS", n="blob"), X("memory malloc-stats", n="blob"), X("MEMORY DOCTOR", n="doctor"),
    ]))
    return G


CFG_ERR_POLICIES = ("foo", "", "allkeys-lru,volatile-ttl", " noeviction", "noeviction ", "lru", "allkeys",
                    "all keys-lru")


def config_groups():
    G = []
    mm = []
    for v in ("100mb", "1gb", "1GB", "2gB", "100MB", "100k", "100kb", "1K", "1Kb", "1M", "5g", "1b", "1500",
              "0", "18446744073709551615", "9223372036854775807", "0"):
        mm += [X("CONFIG SET maxmemory", v), X("CONFIG GET maxmemory")]
    G.append(("config-maxmemory", mm + [
        X("CONFIG SET maxmemory -1"), X("CONFIG SET maxmemory abc"), X("CONFIG SET maxmemory 1.5gb"),
        X("CONFIG SET maxmemory 1tb"), X("CONFIG SET maxmemory +1mb"), X("CONFIG SET maxmemory 0x10"),
        X("CONFIG SET maxmemory 1e3"), X("CONFIG SET maxmemory 1mbb"),
        X("CONFIG SET maxmemory", " 1mb"), X("CONFIG SET maxmemory", "1 mb"), X("CONFIG SET maxmemory -0"),
        X("CONFIG GET maxmemory"), X("CONFIG SET maxmemory"), X("CONFIG SET maxmemory 1mb x"),
        X("config set MAXMEMORY 7mb"), X("config get MAXMEMORY"), X("CONFIG GET maxmemory"),
        X("CONFIG SET maxmemory 0"), X("CONFIG GET maxmemory"),
    ]))
    pol = []
    for p in ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu",
              "allkeys-random", "noeviction", "VOLATILE-LFU", "Allkeys-Random", "NoEviction", "allkeys-LRU",
              "Volatile-TTL"):
        pol += [X("CONFIG SET maxmemory-policy", p), X("CONFIG GET maxmemory-policy")]
    pol += [X("CONFIG SET maxmemory-policy allkeys-lfu")]
    for p in CFG_ERR_POLICIES:
        pol.append(X("CONFIG SET maxmemory-policy", p))
    pol += [X("CONFIG GET maxmemory-policy"), X("CONFIG SET maxmemory-policy"),
            X("CONFIG SET maxmemory-policy noeviction"), X("CONFIG GET maxmemory-policy")]
    G.append(("config-policy", pol))
    G.append(("config-samples-tenacity", [
        X("CONFIG GET maxmemory-samples"), X("CONFIG SET maxmemory-samples 0"), X("CONFIG SET maxmemory-samples -1"),
        X("CONFIG SET maxmemory-samples 64"), X("CONFIG GET maxmemory-samples"), X("CONFIG SET maxmemory-samples 65"),
        X("CONFIG GET maxmemory-samples"), X("CONFIG SET maxmemory-samples 1"), X("CONFIG GET maxmemory-samples"),
        X("CONFIG SET maxmemory-samples x"), X("CONFIG SET maxmemory-samples 1.5"),
        X("CONFIG SET maxmemory-samples 2147483648"), X("CONFIG SET maxmemory-samples", ""),
        X("CONFIG GET maxmemory-samples"), X("CONFIG SET maxmemory-samples 5"),
        X("CONFIG GET maxmemory-eviction-tenacity"), X("CONFIG SET maxmemory-eviction-tenacity -1"),
        X("CONFIG SET maxmemory-eviction-tenacity 101"), X("CONFIG SET maxmemory-eviction-tenacity 100"),
        X("CONFIG GET maxmemory-eviction-tenacity"), X("CONFIG SET maxmemory-eviction-tenacity 0"),
        X("CONFIG GET maxmemory-eviction-tenacity"), X("CONFIG SET maxmemory-eviction-tenacity x"),
        X("CONFIG SET maxmemory-eviction-tenacity 10"), X("CONFIG GET maxmemory-eviction-tenacity"),
    ]))
    G.append(("config-lfu", [
        X("CONFIG GET lfu-log-factor"), X("CONFIG SET lfu-log-factor 0"), X("CONFIG GET lfu-log-factor"),
        X("CONFIG SET lfu-log-factor -1"), X("CONFIG SET lfu-log-factor 100"), X("CONFIG GET lfu-log-factor"),
        X("CONFIG SET lfu-log-factor 2147483647"), X("CONFIG SET lfu-log-factor 2147483648"),
        X("CONFIG SET lfu-log-factor x"), X("CONFIG GET lfu-log-factor"), X("CONFIG SET lfu-log-factor 10"),
        X("CONFIG GET lfu-decay-time"), X("CONFIG SET lfu-decay-time 0"), X("CONFIG GET lfu-decay-time"),
        X("CONFIG SET lfu-decay-time -1"), X("CONFIG SET lfu-decay-time 2147483648"),
        X("CONFIG SET lfu-decay-time 1.5"), X("CONFIG SET lfu-decay-time 60"), X("CONFIG GET lfu-decay-time"),
        X("CONFIG SET lfu-decay-time 1"), X("CONFIG GET lfu-decay-time"),
    ]))
    lf = []
    for p in ("lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del", "lazyfree-lazy-user-del",
              "lazyfree-lazy-user-flush"):
        lf += [X("CONFIG GET", p), X("CONFIG SET", p, "yes"), X("CONFIG GET", p), X("CONFIG SET", p, "YES"),
               X("CONFIG SET", p, "maybe"), X("CONFIG SET", p, "1"), X("CONFIG SET", p, ""),
               X("CONFIG SET", p, "no"), X("CONFIG GET", p)]
    G.append(("config-lazyfree", lf))
    G.append(("config-globs", [
        X("CONFIG GET maxmemory-clients"),
        X("CONFIG GET maxmemory*"), X("CONFIG GET Maxmemory-*"),
        X("CONFIG GET lazyfree*"), X("CONFIG GET lfu*"), X("CONFIG GET *eviction*"), X("CONFIG GET lfu-*-*"),
        X("CONFIG GET MAXMEMORY-POLICY"), X("CONFIG GET Maxmemory-p*"), X("CONFIG GET maxmemory lfu-log-factor"),
        X("CONFIG GET maxmemory-s*"),
        X("CONFIG SET maxmemory 10mb maxmemory-policy allkeys-lru"), X("CONFIG GET maxmemory maxmemory-policy"),
        X("CONFIG SET maxmemory 20mb maxmemory-policy bogus"), X("CONFIG GET maxmemory maxmemory-policy"),
        X("CONFIG SET maxmemory 20mb maxmemory 30mb"), X("CONFIG GET maxmemory"),
        X("CONFIG SET maxmemory-samples 10 maxmemory-eviction-tenacity 200"),
        X("CONFIG GET maxmemory-samples maxmemory-eviction-tenacity"),
        X("CONFIG SET lazyfree-lazy-user-del yes lazyfree-lazy-eviction yes lfu-log-factor 3"),
        X("CONFIG GET lazyfree*"), X("CONFIG GET lfu*"), X("CONFIG GET maxmemory*"),
        X("CONFIG SET maxmemory 0 maxmemory-policy noeviction lazyfree-lazy-user-del no lazyfree-lazy-eviction no"),
        X("CONFIG SET lfu-log-factor 10 maxmemory-samples 5"), X("CONFIG GET maxmemory*"),
    ]))
    return G


def object_groups():
    G = []
    lru_err = [X("OBJECT FREQ k"), X("OBJECT FREQ nokey")]
    G.append(("object-lru", [
        X("SET k hello"), *lru_err, OI("k"), X("OBJECT IDLETIME nokey"), X("OBJECT ENCODING nokey"),
        X("OBJECT REFCOUNT nokey"), X("OBJECT HELP"), X("object help"), X("OBJECT HELP x"), X("OBJECT"),
        X("OBJECT FOO k"), X("OBJECT FREQ"), X("OBJECT FREQ k x"), X("OBJECT IDLETIME"), X("OBJECT IDLETIME k x"),
        RESTORE("r1", "IDLETIME", "1000"), OI("r1"), X("OBJECT FREQ r1"),
        RESTORE("r2", "IDLETIME", "0"), OI("r2"),
        RESTORE("r3", "IDLETIME", "10", "IDLETIME", "20"), OI("r3"),
        RESTORE("r4", "FREQ", "255"), X("EXISTS r4"), X("OBJECT FREQ r4"), OI("r4"),
        RESTORE("r1", "IDLETIME", "500", "REPLACE"), OI("r1"),
        RESTORE("r5", "REPLACE", "IDLETIME", "700"), OI("r5"),
        RESTORE("e", "IDLETIME", "-1"), RESTORE("e", "IDLETIME", "x"), RESTORE("e", "IDLETIME", "1.5"),
        RESTORE("e", "FREQ", "256"), RESTORE("e", "FREQ", "-1"), RESTORE("e", "FREQ", "x"),
        RESTORE("e", "FREQ", "5", "IDLETIME", "10"), RESTORE("e", "IDLETIME", "10", "FREQ", "5"),
        RESTORE("e", "IDLETIME"), RESTORE("e", "FREQ"), RESTORE("e", "IDLETIME", "10", "FOO"),
        RESTORE("r1", "IDLETIME", "10"), X("EXISTS e"),
    ]))
    for pol in ("allkeys-lfu", "volatile-lfu"):
        G.append(("object-" + pol, [
            X("CONFIG SET maxmemory-policy", pol), X("SET k hello"), OF("k"), X("OBJECT IDLETIME k"),
            X("OBJECT IDLETIME nokey"), X("OBJECT FREQ nokey"),
            X("SET ex hello EX 100"), OF("ex"), X("HSET h f v"), OF("h"), X("RPUSH l a"), OF("l"),
            RESTORE("f1", "FREQ", "100"), OF("f1"), X("OBJECT IDLETIME f1"),
            RESTORE("f2", "FREQ", "0"), OF("f2"), RESTORE("f3", "FREQ", "255"), OF("f3"),
            RESTORE("f4"), OF("f4"), RESTORE("f5", "IDLETIME", "1000"), OF("f5"),
            RESTORE("f1", "FREQ", "7", "REPLACE"), OF("f1"), RESTORE("f6", "FREQ", "10", "FREQ", "20"), OF("f6"),
            RESTORE("e", "FREQ", "-1"), RESTORE("e", "FREQ", "256"), RESTORE("e", "FREQ", "1", "IDLETIME", "1"),
            # a RESTORE refused with BUSYKEY looks the key up for writing (an
            # access: counter 3 -> 4 with probability 1)
            RESTORE("f1", "FREQ", "3", "REPLACE"), OF("f1"), RESTORE("f1", "FREQ", "9"), OF("f1"),
            X("CONFIG SET maxmemory-policy noeviction"), X("OBJECT FREQ k"),
        ]))
    # access tracking (see the module docstring): under LRU a key restored with
    # IDLETIME 500 keeps that idle time through commands that look it up
    # without touching it (EXISTS, TYPE, OBJECT, MEMORY USAGE, TTL) and gets 0
    # from the ones that touch it (GET, TOUCH, DUMP, EXPIRE, RENAME, COPY ...)
    # each case on its own key, named after the command ("idle:EXISTS" ...);
    # the key checked afterwards: "src" the key itself, "dst" the command's
    # destination key, "db2" the key in db 2 (MOVE)
    lru = []
    for cmd, which in (("EXISTS", "src"), ("TYPE", "src"), ("OBJECT ENCODING", "src"), ("MEMORY USAGE", "src"),
                       ("TTL", "src"), ("PTTL", "src"), ("STRLEN", "src"), ("GET", "src"), ("TOUCH", "src"),
                       ("DUMP", "src"), ("EXPIRE", "src"), ("PERSIST", "src"), ("APPEND", "src"), ("SET", "src"),
                       ("RENAME", "dst"), ("COPY", "dst"), ("COPY", "src"), ("MOVE", "db2")):
        k = "idle:%s:%s" % (cmd.replace(" ", "_"), which)
        extra = {"EXPIRE": ["100"], "APPEND": ["x"], "SET": ["x"], "RENAME": [k + ":new"], "COPY": [k + ":new"],
                 "MOVE": ["2"]}.get(cmd, [])
        n = {"TTL": "ttl", "PTTL": "pttl", "MEMORY USAGE": "posint"}.get(cmd)
        lru += [RESTORE(k, "IDLETIME", "500"), X(cmd, k, *extra, n=n)]
        if which == "db2":
            lru += [X("SELECT 2"), OI(k), X("SELECT 0"), OI(k)]
        else:
            lru.append(OI(k + ":new" if which == "dst" else k))
    G.append(("lru-touch", lru))
    lfu = [X("CONFIG SET maxmemory-policy allkeys-lfu"), X("CONFIG SET lfu-log-factor 0"),
           X("CONFIG SET lfu-decay-time 0"), X("SET new hello"), OF("new"), X("GET new"), OF("new"), X("GET new"),
           OF("new")]
    for cmd, which in (("GET", "src"), ("EXISTS", "src"), ("TYPE", "src"), ("OBJECT ENCODING", "src"),
                       ("MEMORY USAGE", "src"), ("TTL", "src"), ("TOUCH", "src"), ("DUMP", "src"), ("STRLEN", "src"),
                       ("EXPIRE", "src"), ("APPEND", "src"), ("SET", "src"), ("SET_XX", "src"), ("RENAME", "dst"),
                       ("COPY", "dst"), ("COPY", "src")):
        k = "freq:%s:%s" % (cmd.replace(" ", "_"), which)
        extra = {"EXPIRE": ["100"], "APPEND": ["x"], "SET": ["x"], "SET_XX": ["x", "XX"], "RENAME": [k + ":new"],
                 "COPY": [k + ":new"]}.get(cmd, [])
        n = {"TTL": "ttl", "MEMORY USAGE": "posint"}.get(cmd)
        lfu += [RESTORE(k, "FREQ", "100"), X(cmd.replace("_XX", ""), k, *extra, n=n),
                OF(k + ":new" if which == "dst" else k)]
    lfu += [RESTORE("m", "FREQ", "255"), X("GET m"), OF("m"), RESTORE("z", "FREQ", "0"), X("GET z"), OF("z"),
            X("GET z"), OF("z"), X("MGET z m new"), OF("z"), OF("new")]
    G.append(("lfu-touch", lfu))
    return G


# denyoom commands (refused with OOM) and others (executed) of Redis 7.0, on
# the keys of OOM_KEYS
OOM_KEYS = ["SET k v", "RPUSH l a b c", "SADD s a b", "HSET h f v g w", "ZADD z 1 a 2 b", "XADD x 1-1 f v",
            "SET n 10000", "RPUSH l2 x"]
DENYOOM = ["SET a b", "LPUSH l x", "RPUSH new x", "SETNX q 1", "SETEX z2 10 v", "PSETEX z2 10000 v", "MSET a 1",
           "MSETNX a 1", "APPEND k x", "SETRANGE k 0 x", "INCR n", "INCRBY n 1", "DECR n", "DECRBY n 1",
           "INCRBYFLOAT n 1", "GETSET k v", "HSET h f v", "HSETNX h q v", "HINCRBY h g 1", "HMSET h f v",
           "SADD s m", "ZADD z 1 m", "ZINCRBY z 1 a", "XADD x * f v", "XADD x 2-1 f v", "LSET l 0 x",
           "LINSERT l BEFORE a x", "LPUSHX l x", "RPUSHX l x", "LMOVE l l2 LEFT RIGHT", "RPOPLPUSH l l2",
           "SINTERSTORE d s s", "SUNIONSTORE d s s", "SDIFFSTORE d s s", "ZUNIONSTORE d 1 z", "ZRANGESTORE d z 0 -1",
           "SORT s ALPHA", "SORT s ALPHA STORE d", "COPY s s2", "RESTORE r 0 x", "SET k v GET",
           "FUNCTION LOAD x", "lpush l y", "Set a b"]
NOT_DENYOOM = ["GET k", "MGET k a", "STRLEN k", "EXISTS k", "TYPE k", "DEL nokey", "UNLINK nokey", "EXPIRE k 100",
               "TTL k", "PERSIST k", "PEXPIRE k 100000", "GETEX k", "LPOP l", "RPOP l", "LRANGE l 0 -1",
               "LLEN l", "LTRIM l 0 0", "LREM l 0 zz", "SREM s a", "SMEMBERS s", "SPOP nokey", "SMOVE s s3 b",
               "HDEL h f", "HGETALL h", "ZREM z a", "ZRANGE z 0 -1", "ZPOPMIN z", "XDEL x 1-1", "XTRIM x MAXLEN 0",
               "XLEN x", "XRANGE x - +", "RENAME h h2", "MOVE h2 1", "SORT_RO s ALPHA", "GETDEL k", "DEL l2",
               "DBSIZE", "KEYS *", "SELECT 1", "DBSIZE", "SELECT 0", "PING", "ECHO hi", "PUBLISH ch m",
               "CONFIG GET maxmemory", "MEMORY USAGE nokey", "OBJECT ENCODING z", "SWAPDB 0 1", "SWAPDB 0 1",
               "FLUSHDB", "DBSIZE"]


def oom_groups():
    G = []
    steps = [X("CONFIG RESETSTAT")] + [X(c) for c in OOM_KEYS] + [X("CONFIG SET maxmemory 1"),
                                                                  X("CONFIG GET maxmemory")]
    for c in DENYOOM:
        steps.append(X(c, n="sorted" if c.startswith("SORT") else None))
    for c in NOT_DENYOOM:
        steps.append(X(c, n="sorted" if c.startswith(("SMEMBERS", "SORT_RO")) else None))
    steps += [X("INFO errorstats", n=INFO_EQ("errorstat_OOM")), X("SET a b"), X("CONFIG SET maxmemory 0"),
              X("SET a b"), X("GET a"), X("INFO errorstats", n=INFO_EQ("errorstat_OOM"))]
    G.append(("oom-noeviction", steps))
    G.append(("oom-limits", [
        X("CONFIG SET maxmemory 1gb"), X("SET k v"), X("RPUSH l a"), X("GET k"),
        X("CONFIG SET maxmemory 1"), X("SET k v2"), X("CONFIG SET maxmemory-policy volatile-lru"), X("SET k v2"),
        X("DBSIZE"), X("CONFIG SET maxmemory-policy noeviction"), X("CONFIG SET maxmemory 0"), X("SET k v3"),
        X("GET k"), X("DBSIZE"),
    ]))
    G.append(("oom-multi", [
        T("SET k v"), T("CONFIG SET maxmemory 1"),
        T("MULTI"), T("GET k"), T("EXEC"), T("EXEC"),
        T("MULTI"), T("SET a b"), T("GET k"), T("EXEC"),
        T("MULTI"), T("DISCARD"), T("DISCARD"),
        T("MULTI"), T("PING"), T("EXEC"),
        T("MULTI"), T("DEL k"), T("EXEC"), T("GET k"),
        T("MULTI"), T("MULTI"), T("DISCARD"),
        T("WATCH k"), T("UNWATCH"), T("MULTI"), T("WATCH k"), T("EXEC"),
        T("CONFIG SET maxmemory 0"),
        # queued while under the limit, limit exceeded from another connection before EXEC
        T("MULTI"), T("SET k2 v"), T("GET k"), T("CONFIG SET maxmemory 1", c="b"), T("EXEC"), T("EXEC"),
        T("GET k2"),
        T("CONFIG SET maxmemory 0", c="b"), T("MULTI"), T("GET k"), T("CONFIG SET maxmemory 1", c="b"), T("EXEC"),
        T("CONFIG SET maxmemory 0", c="b"), T("MULTI"), T("GET k"), T("DEL nokey"),
        T("CONFIG SET maxmemory 1", c="b"), T("EXEC"),
        T("CONFIG SET maxmemory 0", c="b"), T("MULTI"), T("EVAL", "return 1", "0"),
        T("CONFIG SET maxmemory 1", c="b"), T("EXEC"),
        T("CONFIG SET maxmemory 0", c="b"), T("MULTI"), T("GET k"), T("CONFIG SET maxmemory 1", c="b"),
        T("DISCARD"), T("SET k v3"), T("GET k"),
        T("CONFIG RESETSTAT"), T("MULTI"), T("GET k"), T("EXEC"), T("INFO errorstats", n=INFO_EQ("errorstat_OOM")),
        T("CONFIG SET maxmemory 0"), T("MULTI"), T("SET k v4"), T("EXEC"), T("GET k"),
    ]))
    wr = "return redis.call('set','a','b')"
    lib = ("#!lua name=lib\n"
           "redis.register_function('w', function(k, a) return redis.call('set', k[1], 'x') end)\n"
           "redis.register_function{function_name='r', callback=function(k, a) return redis.call('get', k[1]) end, "
           "flags={'no-writes'}}\n"
           "redis.register_function{function_name='o', callback=function(k, a) return redis.call('set', k[1], "
           "'oom') end, flags={'allow-oom'}}\n"
           "redis.register_function('p', function(k, a) return 7 end)\n")
    G.append(("oom-scripts", [
        X("SET k v"), X("SCRIPT LOAD", wr), X("FUNCTION LOAD", lib), X("CONFIG SET maxmemory 1"),
        *oom_count(X("EVAL", wr, "0")),
        *oom_count(X("EVAL", "return redis.pcall('set','a','b')", "0")),
        *oom_count(X("EVAL", "redis.pcall('set','a','b'); return 1", "0")),
        *oom_count(X("EVAL", "redis.call('get','k'); return redis.call('set','x','y')", "0")),
        *oom_count(X("EVAL", "return redis.call('get','k')", "0")),
        *oom_count(X("EVAL", "return 1", "0")),
        *oom_count(X("EVAL", "#!lua\nreturn 1", "0")),
        *oom_count(X("EVAL", "#!lua\nreturn redis.call('get','k')", "0")),
        *oom_count(X("EVAL", "#!lua flags=no-writes\nreturn redis.call('get','k')", "0")),
        *oom_count(X("EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','a','oom')", "0")),
        X("GET a"),
        X("EVAL", "#!lua flags=allow-oom\nreturn redis.call('get','a')", "0"),
        X("EVAL", "#!lua flags=allow-oom,no-writes\nreturn redis.call('get','a')", "0"),
        X("EVAL_RO", "return redis.call('get','k')", "0"), X("EVAL_RO", "#!lua\nreturn redis.call('get','k')", "0"),
        X("EVAL", "return redis.call('del','k')", "0"), X("EVAL", "return redis.call('expire','a',100)", "0"),
        *oom_count(X("EVALSHA", sha(wr), "0")), X("EVALSHA_RO", sha(wr), "0"),
        X("SCRIPT LOAD", "return 2"), X("SCRIPT EXISTS", sha("return 2")),
        *oom_count(X("FCALL w 1 k")),
        *oom_count(X("FCALL p 0")),
        X("FCALL r 1 a"), X("FCALL_RO r 1 a"), X("FCALL o 1 k"), X("GET k"),
        X("FCALL_RO w 1 k"),
        *oom_count(X("FUNCTION LOAD", "#!lua name=lib2\nredis.register_function('z', function(k, a) return 1 end)")),
        X("FUNCTION DELETE lib"), X("FUNCTION LIST"), X("FUNCTION FLUSH"), X("SCRIPT FLUSH"),
        X("CONFIG SET maxmemory 0"), X("EVAL", wr, "0"), X("GET a"),
    ]))
    return G


INFO_MEMORY_VALUES = ("maxmemory", "maxmemory_human", "maxmemory_policy", "number_of_cached_scripts",
                      "number_of_functions", "number_of_libraries", "active_defrag_running",
                      "lazyfree_pending_objects")
EVICT_STATS = ("evicted_keys", "evicted_clients", "total_eviction_exceeded_time", "current_eviction_exceeded_time")


def info_groups():
    vals = INFO_EQ(*INFO_MEMORY_VALUES)
    steps = [X("INFO memory", n="infonames"), X("INFO MEMORY", n="infonames"), X("info Memory", n="infonames"),
             X("INFO memory", n=vals)]
    for v in ("100mb", "1500", "3gb", "1", "0"):
        steps += [X("CONFIG SET maxmemory", v), X("INFO memory", n=vals)]
    for p in ("allkeys-lfu", "Volatile-TTL", "noeviction"):
        steps += [X("CONFIG SET maxmemory-policy", p), X("INFO memory", n=vals)]
    steps += [X("SCRIPT LOAD", "return 1"), X("EVAL", "return 2", "0"), X("INFO memory", n=vals),
              X("FUNCTION LOAD", "#!lua name=l1\nredis.register_function('f1', function() return 1 end)\n"
                                 "redis.register_function('f2', function() return 2 end)"),
              X("INFO memory", n=vals), X("SCRIPT FLUSH"), X("FUNCTION FLUSH"), X("INFO memory", n=vals),
              X("SET k v"), X("RPUSH l", *members("e", 100)), X("INFO memory", n="infonames")]
    G = [("info-memory", steps)]
    # CONFIG RESETSTAT (with maxmemory 0, after evictions) zeroes the eviction
    # counters and times; with maxmemory 0 nothing starts the timer again
    G.append(("info-stats", [
        X("INFO stats", n=INFO_INT(*EVICT_STATS)), X("INFO", n=INFO_INT(*EVICT_STATS)),
        X("INFO all", n=INFO_INT(*EVICT_STATS)), X("INFO everything", n=INFO_INT(*EVICT_STATS)),
        X("INFO", n=INFO_EQ(*INFO_MEMORY_VALUES)),
        X("MSET a hello b hello"), X("CONFIG SET maxmemory-policy allkeys-lru"), X("CONFIG SET maxmemory 1"),
        X("DBSIZE"), X("INFO stats", n=INFO_POS("evicted_keys")), X("CONFIG SET maxmemory 0"),
        X("CONFIG RESETSTAT"), X("INFO stats", n=INFO_EQ(*EVICT_STATS)), X("INFO stats", n=INFO_INT(*EVICT_STATS)),
    ]))
    return G


def _evict_setup():
    return [X("MSET a hello b hello c hello"), X("SELECT 1"), X("SET d hello"), X("SETEX e 100 hello"), X("SELECT 0"),
            X("EXPIRE a 100"), X("SETEX f 1000 hello"), X("HSET h f v"), X("DBSIZE")]


def _evict_check():
    return [X("DBSIZE"), X("KEYS *"), X("SELECT 1"), X("KEYS *"), X("SELECT 0")]


def evict_groups():
    G = []
    for pol in ("allkeys-lru", "allkeys-random", "allkeys-lfu"):
        G.append(("evict-" + pol, [
            X("CONFIG RESETSTAT"), *_evict_setup(), X("CONFIG SET maxmemory-policy", pol),
            X("CONFIG SET maxmemory 1"), *_evict_check(), X("SET k v"), X("DBSIZE"), X("GET k"), X("GET a"),
            X("INFO stats", n=INFO_POS("evicted_keys")), X("INFO stats", n=INFO_INT(*EVICT_STATS)),
            X("INFO errorstats", n=INFO_EQ("errorstat_OOM")),
            X("EVAL", "return redis.call('set','a','b')", "0"),
            X("EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','a','b')", "0"), X("GET a"),
            X("CONFIG SET maxmemory 0"), X("SET k v"), X("DBSIZE"), X("GET k"),
        ]))
    for pol in ("volatile-lru", "volatile-ttl", "volatile-random", "volatile-lfu"):
        G.append(("evict-" + pol, [
            X("CONFIG RESETSTAT"), *_evict_setup(), X("CONFIG SET maxmemory-policy", pol),
            X("CONFIG SET maxmemory 1"), *_evict_check(), X("SET k v"), X("SETEX v 100 hello"), X("DBSIZE"),
            X("GET a"), X("GET b"), X("INFO stats", n=INFO_POS("evicted_keys")),
            X("CONFIG SET maxmemory 0"), X("SETEX v 100 hello"), X("CONFIG SET maxmemory 1"), X("EXISTS v"),
            X("DBSIZE"), X("CONFIG SET maxmemory 0"), X("SET k v"), X("DBSIZE"),
        ]))
    G.append(("evict-policy-switch", [
        *_evict_setup(), X("CONFIG SET maxmemory 1"), X("SET k v"), X("DBSIZE"),
        X("CONFIG SET maxmemory-policy volatile-ttl"), *_evict_check(), X("SET k v"),
        X("CONFIG SET maxmemory-policy allkeys-random"), *_evict_check(), X("SET k v"), X("DBSIZE"),
        X("CONFIG SET maxmemory-policy noeviction"), X("CONFIG SET maxmemory 0"), X("SET k v"), X("DBSIZE"),
    ]))
    G.append(("evict-lazyfree", [
        X("CONFIG SET lazyfree-lazy-eviction yes"), X("SADD bs", *members("m", 600)),
        X("RPUSH bl", *members("e", 600)), *_evict_setup(), X("CONFIG SET maxmemory-policy allkeys-lru"),
        X("CONFIG SET maxmemory 1"), *_evict_check(), X("SET k v"), X("EXISTS bs bl"),
        X("INFO stats", n=INFO_POS("evicted_keys")), X("CONFIG SET maxmemory 0"), X("SADD bs x"), X("SCARD bs"),
    ]))
    # keyspace notifications of evictions ("sub" subscribed, commands on "pub")
    G.append(("evict-notify", [
        X("CONFIG SET notify-keyspace-events Ee", c="pub"), X("SUBSCRIBE __keyevent@0__:evicted", c="sub"),
        N("SET a hello"), N("CONFIG SET maxmemory-policy allkeys-lru"), N("CONFIG SET maxmemory 1", n=None),
        N("SET b hello"), N("DBSIZE"), N("CONFIG SET maxmemory 0"),
        N("MSET a hello b hello c hello"), N("SELECT 1"), N("SET other hello"), N("SELECT 0"),
        N("CONFIG SET maxmemory 1"), N("DBSIZE"), N("SELECT 1"), N("DBSIZE"), N("SELECT 0"),
        N("CONFIG SET maxmemory 0"),
        X("PSUBSCRIBE __key*__:*", c="sub2"), X("CONFIG SET notify-keyspace-events KEA", c="pub"),
        N("SET x hello"), N("SETEX y 100 hello"), N("SELECT 2"), N("SET z hello"), N("SELECT 0"),
        N("CONFIG SET maxmemory-policy volatile-lru"), N("CONFIG SET maxmemory 1"), N("EXISTS x y"),
        N("CONFIG SET maxmemory-policy allkeys-random"), N("EXISTS x y"),
        N("CONFIG SET maxmemory 0"), N("CONFIG SET notify-keyspace-events Kx"), N("SET w hello"),
        N("CONFIG SET maxmemory 1"), N("EXISTS w"), N("CONFIG SET maxmemory 0"),
    ]))
    return G


def ops_groups():
    """INFO sections and field names, SLOWLOG and the latency settings."""
    G = []
    steps = []
    for sec in ("server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
                "errorstats", "cluster", "keyspace", "commandstats", "latencystats"):
        steps.append(X("INFO", sec, n="infonames-static"))
    steps += [X("SET k v"), X("INFO", n="infonames-static"), X("INFO default", n="infonames-static"),
              X("INFO all", n="infonames-static"), X("INFO everything", n="infonames-static"),
              X("INFO server clients", n="infonames-static"), X("INFO keyspace CPU nosuch", n="infonames-static"),
              X("INFO nosuch", n="infonames-static"), X("INFO cluster"), X("INFO modules")]
    G.append(("ops-info-sections", steps))
    G.append(("ops-latencystats", [
        X("CONFIG RESETSTAT"), X("SET a 1"), X("GET a"), X("INCR a"),
        X("INFO latencystats", n="latencystats"),
        X("CONFIG SET latency-tracking-info-percentiles", "0 12.5 100"), X("CONFIG GET latency-tracking-info-percentiles"),
        X("INFO latencystats", n="latencystats"),
        X("CONFIG SET latency-tracking-info-percentiles", ""), X("INFO latencystats", n="latencystats"),
        X("CONFIG SET latency-tracking-info-percentiles", "50 x"), X("CONFIG SET latency-tracking-info-percentiles", "101"),
        X("CONFIG SET latency-tracking no"), X("INFO latencystats"), X("CONFIG GET latency-tracking"),
        X("CONFIG SET latency-tracking maybe"),
    ]))
    # DEBUG (both servers run with enable-debug-command yes); HELP lists only what each has.
    G.append(("ops-debug", [
        X("DEBUG"), X("DEBUG foo"), X("DEBUG OBJECT"), X("DEBUG OBJECT nokey"), X("DEBUG DIGEST"),
        X("DEBUG DIGEST-VALUE nokey"), X("SET s hello"), X("SET n 12345"), X("SET big", "x" * 100),
        X("RPUSH l a b 3"), X("RPUSH biglist", *members("element-of-a-long-list", 400)), X("HSET h f v g 7"),
        X("ZADD z 1 a 2.5 b 1e300 c -0.1 d"), X("ZADD bigz", *[x for i in range(200) for x in (str(i * 0.3), "m%d" % i)]),
        X("SADD st 1 2 x"), X("SADD ints 1 2 3"), X("XADD x 1-1 f v g 5"), X("XADD x 2-1 f w"),
        *[X("DEBUG OBJECT", k, n="debugobject") for k in ("s", "n", "big", "l", "biglist", "h", "z", "bigz", "st",
                                                         "ints", "x")],
        X("DEBUG DIGEST"), X("DEBUG DIGEST-VALUE s n big l biglist h z bigz st ints x nokey"),
        X("EXPIRE s 1000"), X("DEBUG DIGEST"), X("DEBUG DIGEST-VALUE s"), X("SELECT 5"), X("SET s hello"),
        X("DEBUG DIGEST"), X("FLUSHDB"), X("SELECT 0"),
        *[X("DEBUG PROTOCOL", t) for t in ("string", "integer", "double", "bignum", "null", "array", "set", "map",
                                          "attrib", "true", "false", "verbatim", "nosuch", "STRING")],
        X("DEBUG ERROR foo"), X("DEBUG ERROR", "-FOO bar"), X("DEBUG ERROR", "ERR x"),
        X("DEBUG POPULATE 5"), X("DEBUG POPULATE 3 pre 20"), X("GET pre:1"), X("GET key:4"), X("DBSIZE"),
        X("DEBUG POPULATE 2 pre"), X("DEBUG POPULATE -1"), X("DEBUG POPULATE x"), X("DEBUG POPULATE 2 p -1"),
        X("DEBUG POPULATE 2 p 3"), X("GET p:1"), X("OBJECT ENCODING key:1"), X("DEBUG DIGEST"),
        X("DEBUG RELOAD"), X("DEBUG DIGEST"), X("DBSIZE"), X("TTL s"), X("DEBUG RELOAD NOSAVE"), X("DEBUG DIGEST"),
        X("DEL s"), X("DEBUG RELOAD NOSAVE NOFLUSH MERGE"), X("GET s"), X("DEBUG DIGEST"),
        X("DEBUG SET-ACTIVE-EXPIRE 0"), X("DEBUG SET-ACTIVE-EXPIRE 1"), X("DEBUG SLEEP 0"), X("DEBUG SLEEP 0.01"),
        X("DEBUG LOG hello"), X("DEBUG DIGEST"),
        # Layout reports go to the log; the replies and errors are compared.
        X("DEBUG LISTPACK h"), X("DEBUG LISTPACK z"), X("DEBUG LISTPACK bigz"), X("DEBUG LISTPACK l"),
        X("DEBUG LISTPACK st"), X("DEBUG LISTPACK nokey"), X("DEBUG LISTPACK"), X("DEBUG QUICKLIST l"),
        X("DEBUG QUICKLIST biglist 1"), X("DEBUG QUICKLIST h"), X("DEBUG QUICKLIST nokey"),
        X("DEBUG QUICKLIST-PACKED-THRESHOLD 5gb"), X("DEBUG QUICKLIST-PACKED-THRESHOLD x"),
        X("DEBUG QUICKLIST-PACKED-THRESHOLD -1"), X("DEBUG QUICKLIST-PACKED-THRESHOLD 4293918720"),
        X("DEBUG QUICKLIST-PACKED-THRESHOLD 100"), X("RPUSH plain a", "p" * 300, "b", "q" * 100, "c"),
        X("DEBUG OBJECT plain", n="debugobject"), X("DEBUG RELOAD"), X("LRANGE plain 0 -1"),
        # (Redis keeps the PLAIN nodes it made; ferrokv lays a list out when it is written or shown,
        # under the threshold of that moment: DEBUG OBJECT of "plain" differs from here on.)
        X("DEBUG QUICKLIST-PACKED-THRESHOLD 0"),
        X("DEBUG CHANGE-REPL-ID"), X("DEBUG CHANGE-REPL-ID x"),
    ]))
    G.append(("ops-latency", [
        X("LATENCY"), X("LATENCY HELP"), X("LATENCY foo"), X("LATENCY LATEST x"), X("LATENCY HISTORY"),
        X("LATENCY GRAPH"), X("LATENCY DOCTOR x"), X("LATENCY LATEST"), X("LATENCY HISTORY command"),
        X("LATENCY RESET"), X("LATENCY RESET a b"), X("LATENCY GRAPH command"), X("LATENCY DOCTOR"),
        X("CONFIG GET latency-monitor-threshold"), X("CONFIG SET latency-monitor-threshold -1"),
        X("CONFIG SET latency-monitor-threshold 1x"), X("CONFIG SET latency-monitor-threshold 100"),
        X("LATENCY DOCTOR"), X("DEBUG SLEEP 0.15"), X("LATENCY LATEST", n="digits"),
        X("LATENCY HISTORY command", n="digits"), X("LATENCY HISTORY fast-command"),
        X("LATENCY GRAPH command", n="digits"), X("LATENCY RESET command nosuch"), X("LATENCY LATEST"),
        X("CONFIG SET latency-monitor-threshold 0"),
        X("CONFIG RESETSTAT"), X("SET hk 1"), X("GET hk"), X("LATENCY HISTOGRAM set get", n="digits"),
        X("LATENCY HISTOGRAM nosuch"), X("LATENCY HISTOGRAM lpush"), X("OBJECT ENCODING hk"),
        # One subcommand of a container ran (several would come in dict order in Redis).
        X("LATENCY HISTOGRAM object nosuch", n="digits"), X("LATENCY RESET"),
    ]))
    # Schotter without tilt (two rows of squares or fewer) is deterministic: compared exactly.
    G.append(("ops-lolwut", [
        X("LOLWUT"), X("lolwut foo bar"), X("LOLWUT VERSION 1"), X("LOLWUT VERSION 7"), X("LOLWUT VERSION -1"),
        X("LOLWUT VERSION 4294967301 10 2 2"), X("LOLWUT VERSION 5 1 1 1"), X("LOLWUT VERSION 5 20 4 2"),
        X("LOLWUT VERSION 5 0 -5 0"), X("LOLWUT VERSION 5 66 8 1"), X("LOLWUT VERSION 5 x"), X("LOLWUT VERSION x"),
        X("LOLWUT VERSION"), X("LOLWUT VERSION 6 x"), X("LOLWUT VERSION 6 10 3", n="lolwut6"),
        X("LOLWUT VERSION 6", n="lolwut6"), X("LOLWUT VERSION 6 0 0", n="lolwut6"),
    ]))
    # Settings ferrokv accepts without effect: Redis's defaults, parsing and errors.
    inert = ["acllog-max-len", "activerehashing", "always-show-logo", "aof-rewrite-incremental-fsync",
             "aof-timestamp-enabled", "disable-thp", "dynamic-hz", "jemalloc-bg-thread", "no-appendfsync-on-rewrite",
             "oom-score-adj", "oom-score-adj-values", "proc-title-template", "set-proc-title", "rdb-del-sync-files",
             "rdb-save-incremental-fsync", "repl-disable-tcp-nodelay", "repl-diskless-load", "repl-diskless-sync",
             "repl-diskless-sync-delay", "repl-diskless-sync-max-replicas", "replica-lazy-flush", "replica-priority",
             "replica-read-only", "replica-serve-stale-data", "tcp-backlog"]
    G.append(("ops-inert-config", [X("CONFIG GET", name) for name in inert] + [
        X("CONFIG SET activerehashing no"), X("CONFIG GET activerehashing"), X("CONFIG SET activerehashing YES"),
        X("CONFIG SET activerehashing maybe"), X("CONFIG SET replica-priority -1"), X("CONFIG SET replica-priority x"),
        X("CONFIG SET replica-priority 7"), X("CONFIG GET replica-priority"), X("CONFIG SET replica-priority 100"),
        X("CONFIG SET repl-diskless-load swapdb"), X("CONFIG GET repl-diskless-load"),
        X("CONFIG SET repl-diskless-load SWAPDB"), X("CONFIG SET repl-diskless-load nope"),
        X("CONFIG SET repl-diskless-load disabled"), X("CONFIG SET tcp-backlog 5"), X("CONFIG SET disable-thp no"),
        X("CONFIG SET set-proc-title no"), X("CONFIG SET always-show-logo yes"),
        X("CONFIG SET oom-score-adj relative"), X("CONFIG GET oom-score-adj"), X("CONFIG SET oom-score-adj no"),
        X("CONFIG SET acllog-max-len 5"), X("CONFIG GET acllog-max-len"), X("CONFIG SET acllog-max-len 128"),
        X("CONFIG GET shutdown-on-sigint"), X("CONFIG GET shutdown-on-sigterm"),
        X("CONFIG GET syslog-*", n="pairs"), X("CONFIG SET syslog-enabled yes"), X("CONFIG SET syslog-ident x"),
        X("CONFIG SET syslog-facility local1"),
        X("CONFIG SET shutdown-on-sigint", "nosave force"), X("CONFIG GET shutdown-on-sigint"),
        X("CONFIG SET shutdown-on-sigint", "save nosave"), X("CONFIG SET shutdown-on-sigint", "default save"),
        X("CONFIG GET shutdown-on-sigint"), X("CONFIG SET shutdown-on-sigint", "force now"),
        X("CONFIG GET shutdown-on-sigint"), X("CONFIG SET shutdown-on-sigint bogus"),
        X("CONFIG SET shutdown-on-sigint", ""), X("CONFIG SET shutdown-on-sigterm NOW"),
        X("CONFIG GET shutdown-on-sigterm"), X("CONFIG SET shutdown-on-sigint default"),
        X("CONFIG SET shutdown-on-sigterm default"),
    ]))
    # TLS settings with TLS off (both servers run without tls-port): Redis's defaults, parsing,
    # errors, and a reload that cannot load (tls-replication needs a certificate).
    tls = ["tls-port", "tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file",
           "tls-client-key-file", "tls-client-key-file-pass", "tls-dh-params-file", "tls-ca-cert-file",
           "tls-ca-cert-dir", "tls-auth-clients", "tls-protocols", "tls-ciphers", "tls-ciphersuites",
           "tls-prefer-server-ciphers", "tls-session-caching", "tls-session-cache-size",
           "tls-session-cache-timeout", "tls-replication", "tls-cluster"]
    G.append(("ops-tls-config", [X("CONFIG GET", name) for name in tls] + [
        X("CONFIG GET tls-*", n="pairs"), X("CONFIG SET tls-auth-clients maybe"),
        X("CONFIG SET tls-auth-clients OPTIONAL"), X("CONFIG GET tls-auth-clients"),
        X("CONFIG SET tls-auth-clients yes"), X("CONFIG SET tls-session-cache-size -1"),
        X("CONFIG SET tls-session-cache-size 100"), X("CONFIG GET tls-session-cache-size"),
        X("CONFIG SET tls-session-cache-size 20480"), X("CONFIG SET tls-session-cache-timeout abc"),
        X("CONFIG SET tls-prefer-server-ciphers x"), X("CONFIG SET tls-session-caching no"),
        X("CONFIG GET tls-session-caching"), X("CONFIG SET tls-session-caching yes"),
        X("CONFIG SET tls-cert-file /nonexistent/server.crt"), X("CONFIG GET tls-cert-file"),
        X("CONFIG SET tls-cert-file", ""), X("CONFIG SET tls-protocols TLSv1.5"),
        X("CONFIG SET tls-protocols", ""), X("CONFIG SET tls-replication yes"),
        X("CONFIG GET tls-replication"), X("CONFIG SET tls-cluster yes"), X("CONFIG GET tls-cluster"),
    ]))
    G.append(("ops-slowlog", [
        X("SLOWLOG HELP"), X("slowlog help"), X("SLOWLOG FOO"), X("SLOWLOG"), X("SLOWLOG LEN x"),
        X("SLOWLOG RESET x"), X("SLOWLOG GET 1 2"),
        X("CONFIG GET slowlog*"), X("CONFIG SET slowlog-log-slower-than -2"),
        X("CONFIG SET slowlog-max-len -1"), X("CONFIG SET slowlog-log-slower-than x"),
        X("CONFIG SET slowlog-log-slower-than -1"), X("SLOWLOG RESET"), X("SET a b"), X("SLOWLOG LEN"),
        X("CONFIG SET slowlog-log-slower-than 0"), X("SLOWLOG RESET"),
        X("SET a b"), X("CLIENT SETNAME slowpoke"), X("GET a"), X("SET big", "x" * 200),
        X("RPUSH many", *members("e", 40)), X("AUTH secret"), X("HELLO 2 AUTH default pw"),
        X("SLOWLOG LEN"), X("SLOWLOG GET", n="slowlog"), X("SLOWLOG GET 3", n="slowlog"),
        X("SLOWLOG GET 0"), X("SLOWLOG GET -1", n="slowlog"), X("SLOWLOG GET -2"), X("SLOWLOG GET x"),
        T("MULTI", c="b"), T("INCR counter", c="b"), T("EXEC", c="b"), X("SLOWLOG GET 4", n="slowlog"),
        X("CONFIG SET slowlog-max-len 2"), X("SLOWLOG LEN"), X("SLOWLOG GET -1", n="slowlog"),
        X("CONFIG SET slowlog-max-len 128"), X("CLIENT SETNAME x"), X("SLOWLOG RESET"), X("SLOWLOG LEN"),
        X("CONFIG SET slowlog-log-slower-than 10000"),
    ]))
    return G


def memory_part_groups():
    return (memory_groups() + config_groups() + object_groups() + oom_groups() + info_groups()
            + evict_groups() + ops_groups())


# --------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------


def read_params(h):
    """The reference's values of MEMORY_PARAMS (once per run)."""
    if _params:
        return _params
    c = K.Conn(h.ref.server.port)
    try:
        for p in MEMORY_PARAMS:
            _, v = c.call([b"CONFIG", b"GET", p])
            if v is not None and v[0] == "*" and v[1] and len(v[1]) == 2:
                _params[p] = v[1][1][1]
    finally:
        c.close()
    return _params


class _Run:
    def __init__(self, h):
        self.h = h
        proto = h.ref.default_proto
        self.ref = K.PSSide(h.ref, proto)
        self.test = K.PSSide(h.test, proto)
        self.seq = 0
        self.teardown_reported = set()

    def sides(self):
        return (self.ref, self.test)

    def token(self):
        self.seq += 1
        return b"__mem_sync_%d__" % self.seq

    @staticmethod
    def probe(side, args):
        """One command on the side's "probe" connection (reopened after a
        failure); returns the raw reply + end state."""
        if "probe" in side.conns and side.conns["probe"] is None:
            side.conns.pop("probe")
        reps, st = side.call1("probe", args)
        if st:
            side.conns.pop("probe", None)
        return (reps[0][0] if reps else b"") + st

    def equal(self, ra, sa, rb, sb, norm):
        if sa or sb:
            return not sa and K._ps_show(ra, sa) == K._ps_show(rb, sb)
        if norm in ("multiset", "deliv"):
            return K._ps_canon(ra, norm) == K._ps_canon(rb, norm)
        if len(ra) != len(rb):
            return False
        return all(K.COMPARATORS[norm](x, y) for x, y in zip(ra, rb))

    def command(self, label, kind, conn, args, norm):
        if norm is None:
            # the core's default normalisation of the command, if it is a
            # comparator of two replies (not a SPECIAL_CHECK: every step here
            # is deterministic, e.g. ZRANGE / SPOP compare exactly)
            norm = K.DEFAULT_NORM.get(args[0].upper() if args else b"")
            if norm not in K.COMPARATORS:
                norm = None
        if kind == "t":
            ra, sa = self.ref.call1(conn, args)
            rb, sb = self.test.call1(conn, args)
        else:
            tok = self.token()
            ra, sa = self.ref.window(conn, args, tok)
            rb, sb = self.test.window(conn, args, tok)
        ok = self.equal(ra, sa, rb, sb, norm)
        if norm and norm[:5] in ("info=", "info#", "info>"):
            shown = _info_show(ra, sa, norm), _info_show(rb, sb, norm)
        else:
            shown = K._ps_show(ra, sa), K._ps_show(rb, sb)
        self.h.report(label, "%s> %s" % (conn, K.cmd_str(args)), shown[0], shown[1], ok)
        if b"<TIMEOUT>" in (sa, sb):
            return "timeout"
        return ok

    def deliveries(self, label, conn, after, norm):
        tok = self.token()
        ra, sa = self.ref.window(conn, None, tok)
        rb, sb = self.test.window(conn, None, tok, want=len(ra))
        ok = self.equal(ra, sa, rb, sb, norm) and sa != b"<TIMEOUT>"
        self.h.report(label, "%s> (deliveries after %s)" % (conn, K.cmd_str(after, 60)),
                      K._ps_show(ra, sa), K._ps_show(rb, sb), ok)
        if b"<TIMEOUT>" in (sa, sb):
            return "timeout"
        return ok

    def step(self, label, kind, conn, args, norm, used):
        r = self.command(label, kind, conn, args, norm if kind != "n" else None)
        if kind == "n" and r != "timeout":
            for other in used:
                if other != conn and self.ref.is_open(other):
                    r2 = self.deliveries(label, other, args, norm)
                    if r2 == "timeout":
                        return r2
        return r

    def flush(self):
        for side in self.sides():
            self.probe(side, [b"FLUSHALL"])

    def teardown(self, label):
        """Close the group's connections, restore the parameters (maxmemory 0
        first), notify-keyspace-events, flush data, scripts and functions."""
        aborted = None
        for side in self.sides():
            for name in list(side.conns):
                if name != "probe":
                    side.close(name)
                    side.conns.pop(name, None)
        params = read_params(self.h)
        restore = [(b"maxmemory", b"0")] + [(p, v) for p, v in params.items() if p != b"maxmemory"]
        restore.append((b"notify-keyspace-events", b""))
        for p, v in restore:
            got = []
            for side in self.sides():
                try:
                    got.append(self.probe(side, [b"CONFIG", b"SET", p, v]))
                except K.Abort as e:
                    aborted = aborted or e
                    got.append(b"<aborted>")
            key = (self.h.tag, p)
            if got[0] == b"+OK\r\n" and got[1] != b"+OK\r\n" and key not in self.teardown_reported:
                self.teardown_reported.add(key)
                self.h.report("memory:teardown", "CONFIG SET %s %s (after each group; reported once per pass)" % (
                    p.decode(), v.decode() or "''"), got[0], got[1], False)
        for side in self.sides():
            for args in ([b"FLUSHALL"], [b"SCRIPT", b"FLUSH"], [b"FUNCTION", b"FLUSH"]):
                try:
                    self.probe(side, args)
                except K.Abort as e:
                    aborted = aborted or e
        if aborted is not None:
            raise aborted

    def close(self):
        self.ref.close_all()
        self.test.close_all()


def run_memory(h, filt):
    """Part "memory" (one protocol pass)."""
    groups = [("memory:" + name, steps) for name, steps in memory_part_groups()]
    groups = [g for g in groups if not filt or filt in g[0]]
    if not groups:
        return
    read_params(h)
    h.fresh()
    run = _Run(h)
    timeouts = 0
    try:
        for gi, (label, steps) in enumerate(groups):
            if timeouts >= K.PS_MAX_TIMEOUTS:
                print("note: ferrokv timed out in %d memory groups; the remaining %d groups of this pass are "
                      "not run (run them with -k NAME)" % (timeouts, len(groups) - gi))
                for name, _ in groups[gi:]:
                    h.skip(name, "memory-timeouts")
                break
            run.flush()
            used = []
            try:
                for kind, conn, args, norm in steps:
                    if conn is not None and conn not in used:
                        used.append(conn)
                    r = run.step(label, kind, conn, args, norm, used)
                    if r == "timeout":
                        print("note: [%s%s] timed out, rest of the group abandoned" % (h.tag, label))
                        timeouts += 1
                        break
            finally:
                run.teardown(label)
            if not h.test.server.alive():
                raise K.Abort("ferrokv process died (exit %s) during group %s%s:\n%s" % (
                    h.test.server.proc.returncode, h.tag, label, h.test.server.log_tail()))
            if not h.ref.server.alive():
                raise K.Abort("redis process died (exit %s) during group %s%s:\n%s" % (
                    h.ref.server.proc.returncode, h.tag, label, h.ref.server.log_tail()))
    finally:
        run.close()
    h.fresh()
