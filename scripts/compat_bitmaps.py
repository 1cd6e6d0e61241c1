"""Bitmaps part of the differential compatibility suite (see compat.py).

SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO with Redis 7.0
semantics (the reference redis-server is the oracle): every option and error
(arity, offsets past proto-max-bulk-len, bad bit values, field types, the
``#`` offsets, OVERFLOW WRAP / SAT / FAIL, BITFIELD_RO refusing writes), the
argument-order quirks of Redis (BITCOUNT / BITPOS look the key up before they
parse the range), BYTE and BIT ranges with negative indexes, BITOP over
strings of different lengths and missing keys (an empty result deletes the
destination), the value left behind compared byte for byte with GET, STRLEN
and OBJECT ENCODING after every write, WRONGTYPE both ways, keyspace
notifications (on compat.run_pubsub: the exact pmessages after each command)
and a seeded random stream.

compat.py imports this module and calls ``install(core)`` with itself and,
for the part ``bitmaps``, ``run_bitmaps(h, filt, seed, count)`` once per
protocol pass.  No step is a setup step: a ferrokv without bitmaps fails
every step instead of skipping the part.

Random part ``bitmaps:random#E``: --bitmap-count commands in episodes of
RANDOM_EPISODE commands, each from an empty keyspace (FLUSHALL) and seeded by
"seed:episode", so a failure is reproduced with the printed seed and
``-k bitmaps:random#E``.  Commands mix the bit commands with the string
writes that change what they read (SET of random bytes, SETRANGE, APPEND,
INCR for integer-encoded strings, EXPIRE so BITOP's replacement of the TTL
shows), with offsets mostly small (the strings stay short and the edges are
hit) and sometimes far out; every reply is compared, including GET of the
keys.  Nothing here depends on time.
"""

import random
import shlex

K = None    # the compat core module (set by install)

RANDOM_EPISODE = 50         # commands per random episode
DEFAULT_COUNT = 3000        # random commands per pass (--bitmap-count)
KEYS = ["b1", "b2", "b3", "{b}4"]

ARITY = {"setbit": 4, "getbit": 3, "bitcount": -2, "bitpos": -3, "bitop": -4, "bitfield": -2,
         "bitfield_ro": -2}


def install(core):
    global K
    K = core
    core.PART_GROUPS["bitmaps"] = notify_groups


def _args(text):
    """The arguments of "CMD a 'b c' '\\xff'": shell-like quoting, then Python escapes in
    arguments that have a backslash (so '\\x00' is byte 0)."""
    out = []
    for t in shlex.split(text):
        if "\\" in t:
            t = t.encode("latin-1").decode("unicode_escape").encode("latin-1")
        out.append(t)
    return out


def cs(text):
    """Steps from "CMD a b; CMD c"."""
    return [K.C(*_args(x)) for x in text.split(";") if x.strip()]


def C(*a):
    return K.C(*a)


def look(key):
    """The state of `key` as the bit commands left it."""
    return cs("GET %s; STRLEN %s; OBJECT ENCODING %s; TTL %s" % (key, key, key, key))


def arity_groups():
    steps = []
    for name, ar in ARITY.items():
        n = abs(ar)
        fill = ["k", "0", "0", "0", "0", "0"]
        steps.append(C(*([name.upper()] + fill[:n - 2])))      # one too few
        if ar > 0:
            steps.append(C(*([name] + fill[:n])))               # one too many
    # Exactly, key specs and tips included ("cmdinfo": subcommands as a multiset).
    steps.append(K.C("COMMAND INFO setbit getbit bitcount bitpos bitop bitfield bitfield_ro",
                     n="cmdinfo"))
    return [("arity", steps)]


def setbit_groups():
    G = []
    G.append(("setbit-basic", cs(
        "SETBIT k 7 1; SETBIT k 7 1; SETBIT k 7 0; GETBIT k 7; GETBIT k 6; GETBIT k 100; GETBIT missing 0; "
        "SETBIT k 0 1; SETBIT k 15 1; SETBIT k 100 0") + look("k") + cs(
        "SETBIT k 1 x; SETBIT k 1 2; SETBIT k 1 -1; SETBIT k 1 01; SETBIT k 1 ' 1'; SETBIT k -1 1; "
        "SETBIT k x 1; SETBIT k 4294967296 1; SETBIT k 1.5 1; GETBIT k -1; GETBIT k x; GETBIT missing x; "
        "GETBIT k 4294967296; GETBIT k 4294967295") + look("k")))
    G.append(("setbit-encodings", cs(
        "SET n 123; OBJECT ENCODING n; SETBIT n 0 0; OBJECT ENCODING n; GET n; "
        "SET e abc; OBJECT ENCODING e; GETBIT e 1; OBJECT ENCODING e; SETBIT e 2 1; GET e; OBJECT ENCODING e; "
        "SET big 18446744073709551616; SETBIT big 3 1; GET big; "
        "SET empty ''; GETBIT empty 0; SETBIT empty 0 1; GET empty; OBJECT ENCODING empty; "
        "SET x 1 EX 1000; SETBIT x 40 1; TTL x; GET x")))
    G.append(("setbit-limits", cs(
        "CONFIG SET proto-max-bulk-len 1048576; SETBIT k 8388607 1; STRLEN k; SETBIT k 8388608 1; "
        "GETBIT k 8388608; BITFIELD k SET u8 8388600 1; BITFIELD k SET u8 8388601 1; "
        "BITFIELD k GET u8 #1048575; BITFIELD k GET u8 #1048576; BITCOUNT k; BITPOS k 1; BITPOS k 1 1 -1; "
        "CONFIG SET proto-max-bulk-len 536870912")))
    return G


def bitcount_groups():
    G = []
    G.append(("bitcount", cs(
        "SET s foobar; BITCOUNT s; BITCOUNT s 0 0; BITCOUNT s 1 1; BITCOUNT s 1 1 BYTE; BITCOUNT s 5 30 BIT; "
        "BITCOUNT s 0 -1; BITCOUNT s -2 -1; BITCOUNT s -1 -2; BITCOUNT s -100 100; BITCOUNT s 3 2; "
        "BITCOUNT s 0 -1 bit; BITCOUNT s -5 -1 BIT; BITCOUNT s 7 7 BIT; BITCOUNT s 8 15 BIT; "
        "BITCOUNT s 47 47 BIT; BITCOUNT s 48 100 BIT; BITCOUNT s 0 -1 BYTE x; BITCOUNT s 0 -1 xx; "
        "BITCOUNT s 1; BITCOUNT s a b; BITCOUNT s 0 b; BITCOUNT missing; BITCOUNT missing 1; "
        "BITCOUNT missing a b; BITCOUNT missing 0 1 2 3; BITCOUNT s 0 1 2 3; "
        "BITCOUNT s -9223372036854775808 9223372036854775807; "
        "BITCOUNT s -9223372036854775808 9223372036854775807 BIT; SET e ''; BITCOUNT e; BITCOUNT e 0 -1 BIT; "
        "SET n 12345; BITCOUNT n; BITCOUNT n 1 2")))
    return G


def bitpos_groups():
    G = []
    G.append(("bitpos", cs(
        "SET z '\\x00\\x00\\x00'; SETRANGE f 0 '\\xff\\xf0\\x00'; SET s foobar; "
        "BITPOS f 0; BITPOS f 1; BITPOS f 0 1; BITPOS f 0 2 -1; BITPOS f 1 2; BITPOS f 0 0 0; BITPOS f 1 0 0; "
        "BITPOS f 0 0 0 BYTE; BITPOS f 0 0 7 BIT; BITPOS f 0 0 11 BIT; BITPOS f 0 0 12 BIT; BITPOS f 0 5 BIT; "
        "BITPOS f 1 13 BIT; BITPOS f 1 -3 -1 BIT; BITPOS f 0 -3 BIT; BITPOS f 1 3 2; BITPOS f 0 3 2; "
        "SET ones '\\xff\\xff'; BITPOS ones 0; BITPOS ones 0 0 -1; BITPOS ones 0 1; BITPOS ones 0 0 -1 BIT; "
        "BITPOS ones 0 3 BIT; BITPOS ones 1 16 BIT; BITPOS ones 0 15 BIT; BITPOS ones 0 15 15 BIT; "
        "BITPOS z 1; BITPOS z 0; BITPOS z 1 1; BITPOS z 0 -1 -1; BITPOS s 1; BITPOS s 0 3 30 BIT; "
        "BITPOS missing 1; BITPOS missing 0; BITPOS missing 0 x; BITPOS missing 2; BITPOS s 2; BITPOS s x; "
        "BITPOS s 1 a; BITPOS s 1 0 a; BITPOS s 1 0 -1 foo; BITPOS s 1 0 -1 bit extra; SET e ''; BITPOS e 0; "
        "BITPOS e 1; BITPOS e 0 0 -1 BIT; SET n 7; BITPOS n 1; BITPOS n 0 0 -1 BIT")))
    return G


def bitop_groups():
    G = []
    G.append(("bitop", cs(
        "SET a abc; SET b '\\xff\\x00'; SET c x; BITOP AND d a b c; GET d; OBJECT ENCODING d; "
        "BITOP OR d a b c; GET d; BITOP XOR d a b c; GET d; BITOP NOT d a; GET d; BITOP not d b; GET d; "
        "BITOP and d a missing; GET d; BITOP or d missing a; GET d; BITOP XOR d a a; GET d; "
        "BITOP AND a a b; GET a; BITOP AND d missing; EXISTS d; BITOP OR d missing other; EXISTS d; "
        "SET d x EX 100; BITOP OR d c; TTL d; GET d; SET d x EX 100; BITOP AND d missing; EXISTS d; "
        "BITOP NOT d a b; BITOP NOT d; BITOP foo d a; BITOP AND d; SET n 42; BITOP NOT d n; GET d; "
        "BITOP OR d n b; GET d; SET e ''; BITOP NOT d e; EXISTS d; BITOP OR d e a; GET d")))
    G.append(("bitop-long", [C("SET", "l1", bytes(range(256)) * 5), C("SET", "l2", bytes(range(255, -1, -1)) * 3),
                             C("SETBIT", "l3", "20000", "1")] + cs(
        "BITOP AND r l1 l2 l3; GET r; BITOP OR r l1 l2 l3; GET r; BITOP XOR r l1 l2 l3; STRLEN r; BITCOUNT r; "
        "BITOP NOT r l3; BITCOUNT r; BITPOS r 0; BITPOS r 0 0 -1 BIT")))
    # A long string replaced by a result of the same length (stored raw), then grown in place.
    G.append(("bitop-same-length", [C("SET", "dst", "y" * 300), C("SET", "s300", "z" * 300)] + cs(
        "BITOP OR dst s300; GET dst; OBJECT ENCODING dst; APPEND dst x; STRLEN dst; GET dst; SETBIT dst 2500 1; "
        "GET dst; BITOP AND dst dst s300; GET dst")))
    return G


def bitfield_groups():
    G = []
    G.append(("bitfield-get-set", cs(
        "SET s foobar; BITFIELD s GET u8 0 GET u8 8 GET i8 0 GET u4 4 GET i4 4 GET u63 0 GET i64 0 "
        "GET i64 8 GET u1 47 GET u8 44 GET i16 40 GET u32 1000; "
        "BITFIELD s GET u8 #1 GET u8 #5 GET i5 #3 GET u63 #0 GET u8 #6; BITFIELD_RO s GET u8 0 GET i3 #2; "
        "BITFIELD missing GET u8 0; BITFIELD_RO missing GET i64 100; BITFIELD s; BITFIELD_RO s; "
        "BITFIELD k SET u8 0 255 GET u8 0 SET i8 8 -1 GET u8 8 SET u3 17 7 SET i64 100 -9223372036854775808 "
        "GET i64 100 SET u63 200 9223372036854775807 GET u63 200") + look("k") + cs(
        "BITFIELD k SET u8 #0 300 SET i8 #1 200 SET i8 #2 -200 SET u2 0 -1 GET u8 0 GET i8 8 GET i8 16") +
        look("k")))
    G.append(("bitfield-incrby-overflow", cs(
        "BITFIELD k INCRBY u2 100 1 INCRBY u2 100 1 INCRBY u2 100 1 INCRBY u2 100 1; "
        "BITFIELD k OVERFLOW SAT INCRBY u2 102 1 INCRBY u2 102 1 INCRBY u2 102 1 INCRBY u2 102 -5; "
        "BITFIELD k OVERFLOW FAIL INCRBY u2 104 1 INCRBY u2 104 1 INCRBY u2 104 1 INCRBY u2 104 1 GET u2 104; "
        "BITFIELD k INCRBY i8 0 100 INCRBY i8 0 100 OVERFLOW SAT INCRBY i8 0 100 INCRBY i8 0 -300 "
        "OVERFLOW FAIL INCRBY i8 0 -1 OVERFLOW WRAP INCRBY i8 0 -1; "
        "BITFIELD k INCRBY i64 64 9223372036854775807 INCRBY i64 64 1 OVERFLOW SAT INCRBY i64 64 -1 "
        "INCRBY i64 64 -9223372036854775808 INCRBY i64 64 -9223372036854775808 OVERFLOW FAIL INCRBY i64 64 -1; "
        "BITFIELD k INCRBY u63 200 9223372036854775807 INCRBY u63 200 1 OVERFLOW SAT INCRBY u63 200 5 "
        "INCRBY u63 200 -9223372036854775808 OVERFLOW FAIL INCRBY u63 200 -1; "
        "BITFIELD k OVERFLOW SAT SET i8 300 -9223372036854775808 SET i8 300 9223372036854775807 "
        "SET u8 300 -1 OVERFLOW WRAP SET i8 300 -9223372036854775808 SET i4 300 -9 GET i4 300; "
        "BITFIELD k OVERFLOW wrap SET u1 0 3 OVERFLOW sat SET u1 0 3 OVERFLOW Fail SET u1 0 3") + look("k") + cs(
        "BITFIELD new OVERFLOW FAIL INCRBY u2 200 5; EXISTS new; STRLEN new; GET new; "
        "BITFIELD new2 OVERFLOW FAIL SET u2 80 5; STRLEN new2")))
    G.append(("bitfield-errors", cs(
        "SET s foobar; BITFIELD s GET u64 0; BITFIELD s GET i65 0; BITFIELD s GET I8 0; BITFIELD s GET u0 0; "
        "BITFIELD s GET i 0; BITFIELD s GET 8 0; BITFIELD s GET u8 #-1; BITFIELD s GET u8 -1; "
        "BITFIELD s GET u8 x; BITFIELD s GET u8 #x; BITFIELD s GET u8 ##1; BITFIELD s GET u8 4294967296; "
        "BITFIELD s GET u8 #536870912; BITFIELD s GET u8 #536870911; BITFIELD s GET i64 #67108864; "
        "BITFIELD s GET u8 #2305843009213693952; BITFIELD s OVERFLOW foo; BITFIELD s OVERFLOW; BITFIELD s foo; "
        "BITFIELD s GET u8; BITFIELD s SET u8 0; BITFIELD s INCRBY u8 0; BITFIELD s SET u8 0 x; "
        "BITFIELD s SET u8 x 1; BITFIELD s INCRBY u8 0 1.5; BITFIELD s GET u8 0 SET u8 0 1 GET u64 0; "
        "BITFIELD_RO s SET u8 0 1; BITFIELD_RO s INCRBY u8 0 1; BITFIELD_RO s GET u8 0 INCRBY u8 0; "
        "BITFIELD_RO s OVERFLOW SAT GET u8 0; BITFIELD_RO s OVERFLOW foo; BITFIELD_RO s GET u8 0 OVERFLOW FAIL; "
        "GET s; BITFIELD s GET u8 0 OVERFLOW; BITFIELD s OVERFLOW SAT OVERFLOW FAIL GET u8 0")))
    return G


def wrongtype_groups():
    return [("wrongtype", cs(
        "LPUSH l a; HSET h f v; SETBIT l 0 1; GETBIT l 0; BITCOUNT l; BITCOUNT l 0 1; BITCOUNT l x; "
        "BITPOS l 1; BITPOS l 1 x; BITPOS l 2; BITOP AND d l; BITOP AND d missing h; EXISTS d; SET s x; "
        "BITOP OR d s l; EXISTS d; BITFIELD l GET u8 0; BITFIELD l SET u8 0 1; BITFIELD_RO l GET u8 0; "
        "BITFIELD_RO l SET u8 0 1; BITFIELD l; BITFIELD l GET u99 0; SETBIT l x 1; TYPE l; "
        "SETBIT s 100 1; LPUSH s a; TYPE s"))]


def hand_groups():
    G = []
    G += arity_groups()
    G += setbit_groups()
    G += bitcount_groups()
    G += bitpos_groups()
    G += bitop_groups()
    G += bitfield_groups()
    G += wrongtype_groups()
    # WATCH / MULTI: a bit write invalidates the transaction, a no-op SETBIT of a raw string does not.
    G.append(("watch-multi", [C("SETBIT", "w", "3", "1"), C("WATCH", "w"), C("SETBIT", "w", "3", "1"),
                              C("MULTI"), C("GETBIT", "w", "3"), C("EXEC"), C("WATCH", "w"),
                              C("SETBIT", "w", "4", "1"), C("MULTI"), C("GETBIT", "w", "4"), C("EXEC"),
                              C("MULTI"), C("SETBIT", "w", "9", "1"), C("BITFIELD", "w", "INCRBY", "u4", "0", "3"),
                              C("BITOP", "NOT", "w2", "w"), C("BITCOUNT", "w2"), C("EXEC")]))
    return G


def nts(text):
    return [("n", "pub", K.argv(_args(x)), None) for x in text.split(";") if x.strip()]


def notify_groups():
    """Keyspace notifications (run by compat.run_pubsub with part "bitmaps")."""
    setup = [K.PSETUP("pub", "CONFIG SET notify-keyspace-events", "KEA"),
             K.PSETUP("sub", "PSUBSCRIBE __key*__:*")]
    return [("notify", setup + nts(
        "SETBIT k 7 1; SETBIT k 7 1; SETBIT k 7 0; SETBIT k 100 0; SET n 123; SETBIT n 0 0; "
        "BITFIELD k GET u8 0; BITFIELD k SET u8 0 0; BITFIELD k SET u8 0 1; BITFIELD k INCRBY u8 0 0; "
        "BITFIELD k OVERFLOW FAIL INCRBY u2 200 5; BITFIELD k2 OVERFLOW FAIL INCRBY u2 200 5; "
        "BITFIELD k3 SET u2 0 0; BITFIELD k3 SET u2 0 0; BITOP OR d k; BITOP AND d missing; "
        "BITOP AND d missing; BITOP NOT d k2; GETBIT k 7; BITCOUNT k; BITPOS k 1; BITFIELD_RO k GET u8 0"))]


# --------------------------------------------------------------------------
# Random part
# --------------------------------------------------------------------------

def _offset(rnd):
    r = rnd.random()
    if r < 0.7:
        return rnd.randrange(0, 96)
    if r < 0.95:
        return rnd.randrange(0, 2000)
    return rnd.randrange(0, 70000)


def _index(rnd, bits):
    r = rnd.random()
    span = 120 if bits else 15
    if r < 0.8:
        return rnd.randrange(-span, span)
    return rnd.choice([0, -1, 2 ** 63 - 1, -2 ** 63, rnd.randrange(-100000, 100000)])


def _value(rnd, bits, signed):
    r = rnd.random()
    if r < 0.5:
        return rnd.randrange(-300, 300)
    if r < 0.8:
        lim = 1 << (bits - 1 if signed else bits)
        return rnd.randrange(-lim - 3, lim + 3)
    return rnd.choice([2 ** 63 - 1, -2 ** 63, 0, 1, -1, rnd.randrange(-2 ** 63, 2 ** 63)])


def _field(rnd):
    signed = rnd.random() < 0.5
    bits = rnd.choice([1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 31, 32, 33, 63] + ([64] if signed else []))
    if rnd.random() < 0.05:
        return ("u64" if rnd.random() < 0.5 else "i0"), "0", signed, bits
    off = ("#%d" % rnd.randrange(0, 12)) if rnd.random() < 0.3 else str(_offset(rnd))
    return ("i" if signed else "u") + str(bits), off, signed, bits


def random_command(rnd):
    k = rnd.choice(KEYS)
    r = rnd.random()
    if r < 0.16:
        return ["SETBIT", k, str(_offset(rnd)), rnd.choice(["0", "1", "1", "0", "2"] if rnd.random() < 0.05
                                                         else ["0", "1"])]
    if r < 0.24:
        return ["GETBIT", k, str(_offset(rnd))]
    if r < 0.36:
        a = ["BITCOUNT", k]
        if rnd.random() < 0.8:
            unit = rnd.choice([None, "BIT", "BYTE", "bit"])
            a += [str(_index(rnd, unit and unit.lower() == "bit")), str(_index(rnd, unit and unit.lower() == "bit"))]
            if unit:
                a.append(unit)
        return a
    if r < 0.48:
        a = ["BITPOS", k, rnd.choice(["0", "1"])]
        n = rnd.randrange(0, 4)
        unit = rnd.choice(["BIT", "BYTE"])
        isbit = n == 3 and unit == "BIT"
        if n >= 1:
            a.append(str(_index(rnd, isbit)))
        if n >= 2:
            a.append(str(_index(rnd, isbit)))
        if n == 3:
            a.append(unit)
        return a
    if r < 0.58:
        op = rnd.choice(["AND", "OR", "XOR", "NOT"])
        n = 1 if op == "NOT" else rnd.randrange(1, 4)
        return ["BITOP", op, rnd.choice(KEYS)] + [rnd.choice(KEYS + ["missing"]) for _ in range(n)]
    if r < 0.76:
        ro = rnd.random() < 0.15
        a = ["BITFIELD_RO" if ro else "BITFIELD", k]
        for _ in range(rnd.randrange(1, 5)):
            if rnd.random() < 0.25:
                a += ["OVERFLOW", rnd.choice(["WRAP", "SAT", "FAIL"])]
            t, off, signed, bits = _field(rnd)
            sub = "GET" if ro and rnd.random() < 0.9 else rnd.choice(["GET", "SET", "INCRBY"])
            a += [sub, t, off]
            if sub != "GET":
                a.append(str(_value(rnd, bits, signed)))
        return a
    if r < 0.84:
        return ["GET", k]
    if r < 0.88:
        n = rnd.randrange(0, 12)
        return ["SET", k, bytes(rnd.choice([0, 255, rnd.randrange(256)]) for _ in range(n))]
    if r < 0.91:
        return ["SETRANGE", k, str(rnd.randrange(0, 20)), bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 4)))]
    if r < 0.93:
        return ["APPEND", k, bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 4)))]
    if r < 0.95:
        return ["SET", k, str(rnd.randrange(-1000, 100000))]
    if r < 0.97:
        return ["EXPIRE", k, "1000"]
    if r < 0.985:
        return ["OBJECT", "ENCODING", k]
    return ["STRLEN", k]


def random_groups(seed, count):
    groups = []
    for e in range((count + RANDOM_EPISODE - 1) // RANDOM_EPISODE):
        rnd = random.Random("%s:%d" % (seed, e))
        n = min(RANDOM_EPISODE, count - e * RANDOM_EPISODE)
        steps = [C(*random_command(rnd)) for _ in range(n)]
        steps += [C("TTL", x) for x in KEYS] + [C("GET", x) for x in KEYS]
        groups.append(("random#%d" % e, steps))
    return groups


def run_bitmaps(h, filt, seed, count):
    """Part "bitmaps" (one protocol pass): the hand groups, the notification groups, the random
    episodes."""
    for name, steps in hand_groups() + random_groups(seed, count):
        label = "bitmaps:" + name
        if filt and filt not in label:
            continue
        h.run_group(label, steps)
        if not h.test.server.alive():
            raise K.Abort("ferrokv process died (exit %s) during group %s%s:\n%s" % (
                h.test.server.proc.returncode, h.tag, label, h.test.server.log_tail()))
    h.check([b"CONFIG", b"SET", b"proto-max-bulk-len", b"536870912"], label="bitmaps:restore", setup=True)
    h.fresh()
    K.run_pubsub(h, filt, "bitmaps")
