"""Data-type parts of the differential compatibility suite (see compat.py).

Lists, hashes, sets, sorted sets, SORT / SORT_RO and the blocking commands
(Redis 7.0 semantics).  compat.py imports this module and calls
``install(core)`` with itself, which registers:

  * the part ``types``: hand-picked groups (each on fresh connections after
    FLUSHALL, like the ``hand`` part; every group ends by restoring the
    encoding thresholds changed with CONFIG SET) followed by keyspace
    notification groups for the new commands (run on the named-connection
    runner of the notify part);
  * the part ``blocking``: multi-connection scenarios for BLPOP BRPOP BLMOVE
    BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP and CLIENT UNBLOCK (see the
    comment above run_blocking);
  * normalisations for commands whose output Redis does not specify
    (COMPARATORS / SPECIAL_CHECKS, documented where they are implemented);
  * the data-type generators of the random part, its final dataset
    comparison and its resynchronisation for every type.
"""

import re
import select
import shlex
import time

K = None    # the compat core module (set by install)

LIST, HASH, SET, ZSET = b"list", b"hash", b"set", b"zset"
ALL_TYPES = (LIST, HASH, SET, ZSET)

# Encoding thresholds.  Redis 7.0's *built-in* defaults (no redis.conf) are
# used by the suite's servers; the teardown of every group restores the
# values the reference had at the start of the run (read once).
THRESHOLDS = [b"hash-max-listpack-entries", b"hash-max-listpack-value", b"set-max-intset-entries",
              b"zset-max-listpack-entries", b"zset-max-listpack-value", b"list-max-listpack-size",
              b"list-compress-depth"]
_defaults = {}


def install(core):
    global K
    K = core
    core.SPECIAL_CHECKS.update({
        "rand": check_rand,
        "kscan": check_kscan,
        "sort": check_sort,
        "randomkey": check_randomkey,
        "lex": check_lex,
    })
    core.COMPARATORS["arrlen"] = cmp_arrlen
    core.COMPARATORS["exact"] = core.cmp_exact    # explicit: bypasses DEFAULT_NORM
    # Sets and hashes: Redis returns a hashtable-encoded collection in
    # hash-table order (per-process seed: two Redis servers disagree) and an
    # intset / listpack in its internal order, which is an implementation
    # detail.  Set-valued replies compare as sorted elements ("sorted", also
    # HKEYS / HVALS), HGETALL as unordered (field, value) pairs ("pairs"; RESP3
    # `%` maps likewise); the reply type byte (* ~ %) must match.
    for c in (b"SMEMBERS", b"SINTER", b"SUNION", b"SDIFF", b"HKEYS", b"HVALS"):
        core.DEFAULT_NORM[c] = "sorted"
    core.DEFAULT_NORM[b"HGETALL"] = "pairs"
    for c in (b"SRANDMEMBER", b"HRANDFIELD", b"ZRANDMEMBER", b"SPOP"):
        core.DEFAULT_NORM[c] = "rand"
    for c in (b"SSCAN", b"HSCAN", b"ZSCAN"):
        core.DEFAULT_NORM[c] = "kscan"
    core.DEFAULT_NORM[b"SORT"] = core.DEFAULT_NORM[b"SORT_RO"] = "sort"
    core.DEFAULT_NORM[b"RANDOMKEY"] = "randomkey"
    for c in (b"ZRANGEBYLEX", b"ZREVRANGEBYLEX", b"ZLEXCOUNT", b"ZREMRANGEBYLEX", b"ZRANGE", b"ZRANGESTORE"):
        core.DEFAULT_NORM[c] = "lex"
    core.PART_GROUPS["types"] = notify_groups


# --------------------------------------------------------------------------
# Reply helpers
# --------------------------------------------------------------------------


def _agg(v):
    return v is not None and v[0] in "*~%" and v[1] is not None


def _flat(v):
    """Payloads of an aggregate reply; nested arrays (RESP3 pairs) are
    flattened.  RESP2 and RESP3 forms of SMEMBERS / HGETALL / ZRANGE
    WITHSCORES give the same list (scores: the text of the double)."""
    out = []
    for x in v[1] or []:
        if x[0] == "*" and x[1] is not None:
            out.extend(y[1] for y in x[1])
        else:
            out.append(x[1])
    return out


def _pairs_of(items):
    """Items of a WITHSCORES / WITHVALUES reply as (member, value) tuples of
    parsed values: RESP3 nests each pair in a 2-array, RESP2 is flat.  None if
    the shape is neither."""
    if items and all(x[0] == "*" and x[1] is not None and len(x[1]) == 2 for x in items):
        return [(x[1][0], x[1][1]) for x in items]
    if any(x[0] == "*" for x in items) or len(items) % 2:
        return None
    return [(items[i], items[i + 1]) for i in range(0, len(items), 2)]


def _shape(v):
    """Type bytes of an aggregate and of its elements (nested one level)."""
    return v[0], tuple(x[0] if x[0] != "*" or x[1] is None else ("*",) + tuple(y[0] for y in x[1])
                       for x in v[1])


def cmp_arrlen(a, b):
    # Replies whose element *selection* is unspecified (SORT of a set BY
    # nosort with LIMIT: Redis takes the first N elements in hash-table
    # order): compare the aggregate type and the number of elements.  Errors
    # and non-aggregates compare exactly.
    (ra, va), (rb, vb) = a, b
    if not _agg(va) or not _agg(vb):
        return ra == rb
    return va[0] == vb[0] and len(va[1]) == len(vb[1])


# --------------------------------------------------------------------------
# Snapshots and key copies (SPOP, random part resync)
# --------------------------------------------------------------------------


def _type(call, key):
    _, t = call([b"TYPE", key])
    return t[1] if t is not None and t[0] == "+" else None


DUMP = {
    LIST: lambda k: [b"LRANGE", k, b"0", b"-1"],
    HASH: lambda k: [b"HGETALL", k],
    SET: lambda k: [b"SMEMBERS", k],
    ZSET: lambda k: [b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"],
}


def snapshot(call, key):
    """(type, members, pairs) of `key` read with `call`: members is the set
    of parsed member values (set members, hash fields, zset members), pairs
    the set of (member, value) parsed tuples for hashes (field, value) and
    zsets (member, score in the connection's protocol)."""
    typ = _type(call, key)
    if typ not in (HASH, SET, ZSET):
        return typ, set(), set()
    _, v = call(DUMP[typ](key))
    if not _agg(v):
        return typ, set(), set()
    if typ == SET:
        return typ, set(v[1]), set()
    prs = _pairs_of(v[1]) or []
    return typ, set(p[0] for p in prs), set(prs)


# Encoding forcing for copies: (compact encoding name, CONFIG values that keep
# a copy compact, CONFIG values that make it big).
FORCE = {
    HASH: (b"listpack", [(b"hash-max-listpack-entries", b"1000000"), (b"hash-max-listpack-value", b"1000000")],
           [(b"hash-max-listpack-entries", b"0")]),
    SET: (b"intset", [(b"set-max-intset-entries", b"1000000")], [(b"set-max-intset-entries", b"0")]),
    ZSET: (b"listpack", [(b"zset-max-listpack-entries", b"1000000"), (b"zset-max-listpack-value", b"1000000")],
           [(b"zset-max-listpack-entries", b"0")]),
}
CREATE = {LIST: b"RPUSH", HASH: b"HSET", SET: b"SADD", ZSET: b"ZADD"}


def copy_value(rcall, tcall, key, typ):
    """Create `key` (absent on the target) as a copy of the reference's list /
    hash / set / zset, with the reference's OBJECT ENCODING: the target's
    thresholds are changed for the creation and then set to the reference's
    current values.  TTLs are the caller's business."""
    _, v = rcall(DUMP[typ](key))
    if not _agg(v):
        return
    items = _flat(v)
    if typ == ZSET:  # ZRANGE gives member, score; ZADD wants score, member
        items = [x for i in range(0, len(items), 2) for x in (items[i + 1], items[i])]
    if not items:
        return
    force = FORCE.get(typ)
    restore = []
    if force:
        _, enc = rcall([b"OBJECT", b"ENCODING", key])
        sets = force[1] if enc is not None and enc[1] == force[0] else force[2]
        for p, val in sets:
            _, cur = rcall([b"CONFIG", b"GET", p])
            if _agg(cur) and len(cur[1]) == 2:
                restore.append((p, _flat(cur)[1]))
            tcall([b"CONFIG", b"SET", p, val])
    try:
        tcall([CREATE[typ], key] + items)
    finally:
        for p, val in restore:
            tcall([b"CONFIG", b"SET", p, val])


def copy_key(h, key):
    """Make `key` on ferrokv (current db of the main connection) equal to the
    reference's: value, encoding, TTL."""
    rcall, tcall = h.ref.call, h.test.call
    tcall([b"DEL", key])
    typ = _type(rcall, key)
    if typ is None or typ == b"none":
        return
    if typ == b"string":
        _, val = rcall([b"GET", key])
        tcall([b"SET", key, val[1]])
    elif typ in ALL_TYPES:
        copy_value(rcall, tcall, key, typ)
    _, pe = rcall([b"PEXPIRETIME", key])
    if pe is not None and pe[0] == ":" and int(pe[1]) > 0:
        tcall([b"PEXPIREAT", key, pe[1]])


def dump_steps(typ, key):
    """Final-dataset comparison commands for a key of type `typ` (random
    part): the value (HGETALL as pairs, SMEMBERS sorted, lists and zsets in
    order) and the OBJECT ENCODING."""
    return [(DUMP[typ](key), None), ([b"OBJECT", b"ENCODING", key], None)]


# --------------------------------------------------------------------------
# Special checks (commands with random / unspecified results)
# --------------------------------------------------------------------------


def _int(b):
    try:
        return int(b)
    except (TypeError, ValueError):
        return None


def _rand_valid(cmd, args, snap, v):
    """Does reply `v` of SRANDMEMBER / SPOP / HRANDFIELD / ZRANDMEMBER satisfy
    the command's contract for the collection `snap` taken just before?"""
    typ, members, pairs = snap
    if v[0] != "*" and v[0] != "~":
        # no count: one element, or null iff the key is empty
        if v[1] is None or v[0] == "_":
            return not members
        return ("$", v[1]) in members if v[0] == "$" else False
    count = _int(args[2]) if len(args) > 2 else 1
    items = v[1]
    withv = len(args) > 3
    if withv:
        elems = _pairs_of(items)
        if elems is None:
            return False
        valid = pairs
    else:
        elems = items
        valid = members
    if any(e not in valid for e in elems):
        return False
    n = len(members)
    if cmd == b"SPOP" or count >= 0:
        return len(elems) == min(count, n) and len(set(elems)) == len(elems)
    return len(elems) == (-count if n else 0)


def check_rand(h, args, label):
    # SRANDMEMBER / HRANDFIELD / ZRANDMEMBER / SPOP: the selection is random.
    # The key is read on the reference first (SMEMBERS / HGETALL / ZRANGE
    # WITHSCORES, same connection and protocol).  Errors, nulls and
    # non-aggregate replies of different kinds compare exactly.  Otherwise the
    # reply type byte and the shape (number of elements, type byte of every
    # element, RESP3 nested pairs) must match, and each reply on its own must
    # satisfy the contract: every element (with WITHVALUES/WITHSCORES every
    # (member, value) pair, the value formatted as ZRANGE WITHSCORES does) is
    # in the collection; positive counts (and SPOP) give min(count, size)
    # distinct elements, negative counts exactly |count| elements with
    # repetitions allowed (none if the key is missing); no count gives one
    # member (null iff empty).
    # SPOP additionally: after it, SMEMBERS on each server must equal the
    # collection minus that server's popped elements; then ferrokv's key is
    # overwritten with the reference's (copy_key) so the datasets stay equal.
    cmd = args[0].upper()
    if len(args) < 2:
        return K.Harness.check(h, args, "exact", label)
    key = args[1]
    snap = snapshot(h.ref.call, key)
    a, b = h.exchange(args)
    (ra, va), (rb, vb) = a, b
    if va is None or vb is None or va[0] in "-!" or vb[0] in "-!" or va[0] != vb[0] \
            or (va[1] is None) != (vb[1] is None):
        ok = ra == rb
    elif va[0] in "*~" and va[1] is not None:
        ok = _shape(va) == _shape(vb) and _rand_valid(cmd, args, snap, va) and \
            _rand_valid(cmd, args, snap, vb)
    elif va[0] == "$" and va[1] is not None:
        ok = _rand_valid(cmd, args, snap, va) and _rand_valid(cmd, args, snap, vb)
    else:
        ok = ra == rb
    if cmd == b"SPOP":
        if ok and va is not None and va[0] in "$*~" and va[1] is not None and snap[0] == SET:
            for side, v in ((h.ref, va), (h.test, vb)):
                gone = set(v[1]) if v[0] in "*~" else {("$", v[1])}
                _, rest = side.call([b"SMEMBERS", key])
                left = set(rest[1]) if _agg(rest) else set()
                if left != snap[1] - gone:
                    ok = False
                    rb = rb + b" <remaining: %s>" % K.show(repr(sorted(left)).encode(), 200).encode()
        if snap[0] == SET:      # (only a set can have changed)
            copy_key(h, key)
    h.report(label, K.cmd_str(args), ra, rb, ok)
    return ok


def _kscan_all(side, args):
    cmd = args[0].upper()
    cursor = b"0"
    got = set()
    for _ in range(100000):
        raw, v = side.call([args[0], args[1], cursor] + args[3:])
        if v is None or v[0] != "*" or not v[1] or len(v[1]) != 2 \
                or v[1][0][0] != "$" or v[1][1][0] != "*":
            return raw
        cursor = v[1][0][1]
        items = [x[1] for x in v[1][1][1]]
        if cmd == b"SSCAN":
            got.update(items)
        else:
            if len(items) % 2:
                return b"<odd element count> " + raw
            got.update((items[i], items[i + 1]) for i in range(0, len(items), 2))
        if cursor == b"0":
            return b"items=" + repr(sorted(got)).encode()
    return b"<scan did not terminate>"


def check_kscan(h, args, label):
    # SSCAN / HSCAN / ZSCAN from cursor 0: cursors and the batching are
    # implementation specific (Redis returns a whole listpack / intset in one
    # page and ignores COUNT there).  A full cursor iteration with the given
    # MATCH / COUNT options is run on each server and the *set* of returned
    # members (HSCAN / ZSCAN: of (field, value) / (member, score) pairs) is
    # compared.  Errors compare exactly.  Other cursors: exact comparison (the
    # hand groups only use invalid ones).
    if len(args) < 3 or args[2] != b"0":
        return K.Harness.check(h, args, "exact", label)
    ra = _kscan_all(h.ref, args)
    rb = _kscan_all(h.test, args)
    h.report(label, "SCAN-ALL " + K.cmd_str(args), ra, rb, ra == rb)
    return ra == rb


def check_sort(h, args, label):
    # SORT / SORT_RO: the order is specified except
    #  * BY <pattern without *> (nosort) on a set without STORE: hash-table
    #    order -> sorted elements ("sorted"), with LIMIT only the number of
    #    elements ("arrlen");
    #  * ALPHA with a BY pattern: elements whose weights compare equal
    #    (including missing weight keys) are in qsort order, which is not
    #    stable -> sorted / arrlen as above;
    #  * ALPHA without STORE compares with strcoll(), which stops at a NUL byte:
    #    if the sorted key holds an element with a NUL byte -> sorted / arrlen.
    # Everything else (numeric sorts: ties are broken by comparing the
    # elements; lists and zsets BY nosort keep their order) exactly.
    up = [x.upper() for x in args]
    norm = "exact"
    if len(args) >= 2:
        store = b"STORE" in up[2:] and up[0] == b"SORT"
        alpha = b"ALPHA" in up[2:]
        limit = b"LIMIT" in up[2:]
        nosort = bypat = False
        for i in range(2, len(args) - 1):
            if up[i] == b"BY":
                if b"*" in args[i + 1]:
                    bypat, nosort = True, False
                else:
                    nosort, bypat = True, False
        typ = _type(h.ref.call, args[1])
        unordered = False
        if nosort and typ == SET and not store:
            unordered = True
        elif alpha and bypat and not store:
            unordered = True
        elif alpha and not store and typ in (LIST, SET, ZSET):
            _, v = h.ref.call(DUMP[typ](args[1]) if typ != ZSET else [b"ZRANGE", args[1], b"0", b"-1"])
            if _agg(v) and any(x[1] is not None and b"\x00" in x[1] for x in v[1]):
                unordered = True
        if unordered:
            norm = "arrlen" if limit else "sorted"
    return K.Harness.check(h, args, norm, label)


def _mixed_scores(call, key):
    """Is `key` a zset whose members do not all have the same score?"""
    if _type(call, key) != ZSET:
        return False
    _, lo = call([b"ZRANGE", key, b"0", b"0", b"WITHSCORES"])
    _, hi = call([b"ZRANGE", key, b"-1", b"-1", b"WITHSCORES"])
    return _agg(lo) and _agg(hi) and _flat(lo)[1:] != _flat(hi)[1:]


def check_lex(h, args, label):
    # Lexicographical ranges (ZRANGEBYLEX, ZREVRANGEBYLEX, ZLEXCOUNT,
    # ZREMRANGEBYLEX, ZRANGE / ZRANGESTORE ... BYLEX) are only specified when
    # all members have the same score; otherwise the result depends on the
    # encoding and, for skiplists, on the random node levels (two Redis
    # servers with identical data disagree).  If the reference's key is a
    # zset with different scores, only the kind of reply is compared (type
    # byte; errors exactly) and a written key (ZREMRANGEBYLEX's key,
    # ZRANGESTORE's destination) is then copied from the reference into
    # ferrokv.  Everything else is compared exactly.
    up = args[0].upper()
    bylex = up in (b"ZRANGEBYLEX", b"ZREVRANGEBYLEX", b"ZLEXCOUNT", b"ZREMRANGEBYLEX") or \
        any(a.upper() == b"BYLEX" for a in args[3:])
    src = args[2] if up == b"ZRANGESTORE" and len(args) > 2 else (args[1] if len(args) > 1 else None)
    if not bylex or src is None or not _mixed_scores(h.ref.call, src):
        return K.Harness.check(h, args, "exact", label)
    (ra, va), (rb, vb) = h.exchange(args)
    if va is None or vb is None or va[0] in "-!" or vb[0] in "-!":
        ok = ra == rb
    else:
        ok = va[0] == vb[0]
    if up == b"ZREMRANGEBYLEX":
        copy_key(h, args[1])
    elif up == b"ZRANGESTORE":
        copy_key(h, args[1])
    h.report(label, K.cmd_str(args) + " (mixed scores: reply kind only)", ra, rb, ok)
    return ok


def check_randomkey(h, args, label):
    # RANDOMKEY: a random key of the current db.  The reference's KEYS * is
    # read first; both replies must be of the same kind (null iff the db is
    # empty) and name an existing key.  Errors compare exactly.
    if len(args) != 1:
        return K.Harness.check(h, args, "exact", label)
    _, kv = h.ref.call([b"KEYS", b"*"])
    keys = set(x[1] for x in kv[1]) if _agg(kv) else set()
    (ra, va), (rb, vb) = h.exchange(args)
    if va is None or vb is None or va[0] != "$" or vb[0] != "$" or va[1] is None or vb[1] is None:
        ok = ra == rb
    else:
        ok = va[1] in keys and vb[1] in keys
    h.report(label, K.cmd_str(args), ra, rb, ok)
    return ok


# --------------------------------------------------------------------------
# Configuration (encoding thresholds)
# --------------------------------------------------------------------------


def read_defaults(h):
    """The reference's values of the threshold parameters (once per run)."""
    if _defaults:
        return _defaults
    c = K.Conn(h.ref.server.port)
    try:
        for p in THRESHOLDS:
            _, v = c.call([b"CONFIG", b"GET", p])
            if _agg(v) and len(v[1]) == 2:
                _defaults[p] = v[1][1][1]
    finally:
        c.close()
    return _defaults


def restore_config(h, extra=()):
    """Set the threshold parameters back to the reference's initial values on
    both servers (separate connections)."""
    d = read_defaults(h)
    for srv in (h.ref.server, h.test.server):
        try:
            c = K.Conn(srv.port)
        except OSError:
            continue
        try:
            for p, v in list(d.items()) + list(extra):
                c.call([b"CONFIG", b"SET", p, v])
        except K.ConnFailure:
            pass
        finally:
            c.close()


# --------------------------------------------------------------------------
# Random part: data-type generators
# --------------------------------------------------------------------------
#
# Determinism rules on top of RandomGen's:
#   * blocking commands only with a 0.01 s timeout (or an invalid one), never
#     0: on an empty key they time out (null) on both servers;
#   * SPOP is checked by check_rand and followed by a copy of the popped key
#     into ferrokv; SRANDMEMBER / HRANDFIELD / ZRANDMEMBER / RANDOMKEY are
#     read-only and checked by property; counts are small or extremes that
#     Redis rejects / clamps (never a huge negative count that would make the
#     reply huge);
#   * SORT never combines ALPHA + BY pattern + STORE (ties in qsort order
#     would store lists in different orders); BY nosort + LIMIT on sets is
#     compared by length only (check_sort);
#   * the encoding thresholds are set low at the start (so small collections
#     cross them) and changed now and then by CONFIG SET (also via the
#     *-ziplist-* aliases); they are restored after the random part.

RANDOM_START_CONFIG = [(b"hash-max-listpack-entries", b"8"), (b"hash-max-listpack-value", b"16"),
                       (b"set-max-intset-entries", b"8"), (b"zset-max-listpack-entries", b"8"),
                       (b"zset-max-listpack-value", b"16")]

CONFIG_CHOICES = {
    b"hash-max-listpack-entries": [b"0", b"1", b"4", b"8", b"16", b"512"],
    b"hash-max-ziplist-entries": [b"2", b"8", b"512"],
    b"hash-max-listpack-value": [b"0", b"4", b"16", b"64"],
    b"hash-max-ziplist-value": [b"8", b"64"],
    b"set-max-intset-entries": [b"0", b"1", b"4", b"8", b"512"],
    b"zset-max-listpack-entries": [b"0", b"1", b"4", b"8", b"128"],
    b"zset-max-ziplist-entries": [b"2", b"128"],
    b"zset-max-listpack-value": [b"0", b"4", b"16", b"64"],
    b"zset-max-ziplist-value": [b"8", b"64"],
    b"list-max-listpack-size": [b"-2", b"-1", b"4", b"128"],
    b"list-max-ziplist-size": [b"-2", b"8"],
}


def random_start(h, label="random"):
    read_defaults(h)    # before changing them: restored after the random part
    for p, v in RANDOM_START_CONFIG:
        h.check([b"CONFIG", b"SET", p, v], label=label)


class TypeGen:
    """Generators for the data-type commands; added to a RandomGen `g` (they
    use its random source, keyspace and values)."""

    MEMBERS = [b"a", b"b", b"c", b"d", b"e", b"f", b"1", b"2", b"3", b"10", b"-5", b"100", b"1.5", b"",
               b"bin\x00\r\n\xff", b"x" * 17, b"y" * 65, b"k1", b"k2", b"9223372036854775807",
               b"-9223372036854775808", b"18446744073709551616"]
    SCORES = [b"0", b"1", b"-1", b"1.5", b"2", b"10", b"-0", b"inf", b"-inf", b"+inf", b"1e308", b"0.1",
              b"5", b"100", b"3.0e3", b"-2.5", b"1.5e-300", b"0.30000000000000004", b"12345678901234567"]

    def __init__(self, g, types):
        self.g = g
        self.r = g.r
        L = [
            (3, self.g_push), (2, self.g_pop), (0.5, self.g_llen), (1.5, self.g_lrange), (0.6, self.g_lindex),
            (0.6, self.g_lset), (0.6, self.g_linsert), (0.6, self.g_lrem), (0.4, self.g_ltrim),
            (0.8, self.g_lpos), (1, self.g_lmove), (0.6, self.g_lmpop),
        ]
        H = [
            (3, self.g_hset), (0.5, self.g_hsetnx), (1, self.g_hget), (1, self.g_hdel), (1, self.g_hsmall),
            (1, self.g_hall), (1, self.g_hincrby), (0.7, self.g_hincrbyfloat), (0.6, self.g_hrandfield),
            (0.4, self.g_hscan),
        ]
        S = [
            (3, self.g_sadd), (1, self.g_srem), (1, self.g_ssmall), (0.5, self.g_smembers),
            (0.6, self.g_srandmember), (0.5, self.g_spop), (0.6, self.g_smove), (0.8, self.g_sop),
            (0.8, self.g_sopstore), (0.4, self.g_sintercard), (0.4, self.g_sscan),
        ]
        Z = [
            (3.5, self.g_zadd), (0.8, self.g_zincrby), (0.8, self.g_zrem), (1, self.g_zsmall),
            (0.6, self.g_zrank), (0.6, self.g_zcount), (2.5, self.g_zrange), (0.6, self.g_zrangestore),
            (0.8, self.g_zremrange), (0.7, self.g_zpop), (0.4, self.g_zmpop), (0.5, self.g_zrandmember),
            (0.8, self.g_zsetop), (0.8, self.g_zsetopstore), (0.4, self.g_zintercard), (0.4, self.g_zscan),
        ]
        self.cur = LIST
        self.present = [t for t in ALL_TYPES if t in types] or [LIST]
        gens = []
        for typ, lst in ((LIST, L), (HASH, H), (SET, S), (ZSET, Z)):
            if typ in types:
                gens += [(w, self.wrap(typ, fn)) for w, fn in lst]
        if types:
            gens += [(1.2, self.g_sort), (0.3, self.g_randomkey), (0.3, self.g_config_set),
                     (0.2, self.g_config_get), (0.5, self.g_big)]
        if LIST in types or ZSET in types:
            gens.append((0.15, self.g_blocking))
        self.gens = gens

    # ---- keys: each type has its own small pool (l0..l2, h0..h2, s0..s2,
    # z0..z2) so collections grow and the commands mostly meet their type;
    # l0 h0 s0 z0 are also in RandomGen's keyspace (string and generic
    # commands overwrite / rename / move / expire them); some picks come from
    # the other pools and the general keyspace (WRONGTYPE, type changes).
    POOLS = {LIST: [b"l0", b"l1", b"l2"], HASH: [b"h0", b"h1", b"h2"], SET: [b"s0", b"s1", b"s2"],
             ZSET: [b"z0", b"z1", b"z2"]}

    def key(self, typ=None):
        r = self.r
        x = r.random()
        if typ is None:
            typ = self.cur
        if x < 0.84:
            return r.choice(self.POOLS[typ])
        if x < 0.92:
            return r.choice(self.POOLS[r.choice(ALL_TYPES)])
        return self.g.key()

    def keys(self, lo=1, hi=3, typ=None):
        return [self.key(typ) for _ in range(self.r.randint(lo, hi))]

    def wrap(self, typ, fn):
        def gen():
            self.cur = typ
            return fn()
        return gen

    # ---- values
    def member(self):
        r = self.r
        x = r.random()
        if x < 0.75:
            return r.choice(self.MEMBERS[:14]) if r.random() < 0.8 else r.choice(self.MEMBERS)
        if x < 0.9:
            return str(r.randint(-20, 200)).encode()
        return self.g.val()

    def members(self, lo=1, hi=4):
        return [self.member() for _ in range(self.r.randint(lo, hi))]

    def score(self):
        r = self.r
        x = r.random()
        if x < 0.5:
            return r.choice(self.SCORES)
        if x < 0.8:
            return str(r.randint(-10, 20)).encode()
        if x < 0.97:
            return ("%.*f" % (r.randint(0, 3), r.uniform(-50, 50))).encode()
        return r.choice([b"nan", b"abc", b"", b"1e", b"inf5", b"(1", b"0x10"])

    def index(self):
        r = self.r
        if r.random() < 0.9:
            return str(r.randint(-8, 8)).encode()
        return r.choice([b"9223372036854775807", b"-9223372036854775808", b"abc", b"1.5", b"100", b"-100"])

    def count(self):
        r = self.r
        if r.random() < 0.85:
            return str(r.randint(0, 6)).encode()
        return r.choice([b"-1", b"abc", b"100", b"9223372036854775807", b"-9223372036854775808"])

    def rcount(self, withv=False):
        """Count of the *RANDMEMBER / HRANDFIELD family (sign matters).  Never
        a huge negative count Redis accepts: it would really send that many
        elements (e.g. -9223372036854775807, or -4611686018427387904 without
        WITHVALUES)."""
        r = self.r
        if r.random() < 0.9:
            return str(r.randint(-6, 8)).encode()
        if withv:
            # (no -4611686018427387904: the out-of-range error needs WITHVALUES,
            # which g_arity may cut off)
            return r.choice([b"9223372036854775807", b"-9223372036854775808", b"4611686018427387904",
                             b"4611686018427387903", b"abc", b"1.5"])
        return r.choice([b"9223372036854775807", b"-9223372036854775808", b"4611686018427387904",
                         b"abc", b"1.5"])

    def sbound(self):
        r = self.r
        x = r.random()
        if x < 0.3:
            return r.choice([b"-inf", b"+inf", b"inf", b"(-inf", b"(+inf", b"0", b"(0"])
        if x < 0.9:
            v = r.choice(self.SCORES[:6] + [str(r.randint(-5, 20)).encode()])
            return (b"(" + v) if r.random() < 0.3 else v
        return r.choice([b"abc", b"((1", b"nan", b"", b"[1", b"1e", b"(nan"])

    def lbound(self):
        r = self.r
        x = r.random()
        if x < 0.25:
            return r.choice([b"-", b"+"])
        if x < 0.92:
            return r.choice([b"[", b"("]) + r.choice(self.MEMBERS[:14])
        return r.choice([b"a", b"", b"[", b"(", b"-a", b"+b"])

    def direction(self):
        return self.r.choice([b"LEFT", b"RIGHT"]) if self.r.random() < 0.97 else b"UP"

    def timeout(self):
        return b"0.01" if self.r.random() < 0.9 else self.r.choice([b"-1", b"abc", b"nan", b"-0.5"])

    def numkeys(self, ks):
        n = len(ks)
        if self.r.random() < 0.93:
            return str(n).encode()
        return self.r.choice([b"0", b"-1", str(n + 1).encode(), b"abc", str(max(0, n - 1)).encode()])

    # ---- lists
    def g_push(self):
        cmd = self.r.choice([b"LPUSH", b"RPUSH", b"LPUSH", b"RPUSH", b"LPUSHX", b"RPUSHX"])
        return [cmd, self.key()] + self.members(1, 4)

    def g_pop(self):
        a = [self.r.choice([b"LPOP", b"RPOP"]), self.key()]
        if self.r.random() < 0.5:
            a.append(self.count())
        return a

    def g_llen(self):
        return [b"LLEN", self.key()]

    def g_lrange(self):
        return [b"LRANGE", self.key(), self.index(), self.index()]

    def g_lindex(self):
        return [b"LINDEX", self.key(), self.index()]

    def g_lset(self):
        return [b"LSET", self.key(), self.index(), self.member()]

    def g_linsert(self):
        where = self.r.choice([b"BEFORE", b"AFTER", b"before"]) if self.r.random() < 0.95 else b"MIDDLE"
        return [b"LINSERT", self.key(), where, self.member(), self.member()]

    def g_lrem(self):
        return [b"LREM", self.key(), self.index(), self.member()]

    def g_ltrim(self):
        r = self.r
        if r.random() < 0.6:  # mostly keep most of the list
            return [b"LTRIM", self.key(), str(r.randint(0, 2)).encode(), str(r.randint(-3, -1)).encode()]
        return [b"LTRIM", self.key(), self.index(), self.index()]

    def g_lpos(self):
        r = self.r
        a = [b"LPOS", self.key(), self.member()]
        if r.random() < 0.4:
            a += [b"RANK", r.choice([b"1", b"-1", b"2", b"-2", b"3", b"0", b"-9223372036854775808",
                                     b"9223372036854775807", b"abc"])]
        if r.random() < 0.4:
            a += [b"COUNT", r.choice([b"0", b"1", b"2", b"5", b"-1", b"abc"])]
        if r.random() < 0.3:
            a += [b"MAXLEN", r.choice([b"0", b"1", b"3", b"-1", b"abc"])]
        if r.random() < 0.1:
            r.shuffle(a[3:])
        return a

    def g_lmove(self):
        if self.r.random() < 0.3:
            return [b"RPOPLPUSH", self.key(), self.key()]
        return [b"LMOVE", self.key(), self.key(), self.direction(), self.direction()]

    def g_lmpop(self):
        ks = self.keys(1, 3)
        a = [b"LMPOP", self.numkeys(ks)] + ks + [self.direction()]
        if self.r.random() < 0.5:
            a += [b"COUNT", self.count()]
        return a

    def g_blocking(self):
        r = self.r
        x = r.random()
        self.cur = LIST if x < 0.65 or ZSET not in self.present else ZSET
        if x < 0.25:
            return [r.choice([b"BLPOP", b"BRPOP"])] + self.keys(1, 3) + [self.timeout()]
        if x < 0.4:
            return [b"BLMOVE", self.key(), self.key(), self.direction(), self.direction(), self.timeout()]
        if x < 0.5:
            return [b"BRPOPLPUSH", self.key(), self.key(), self.timeout()]
        if x < 0.65:
            ks = self.keys(1, 3)
            a = [b"BLMPOP", self.timeout(), self.numkeys(ks)] + ks + [self.direction()]
            return a + ([b"COUNT", self.count()] if r.random() < 0.5 else [])
        if x < 0.85:
            return [r.choice([b"BZPOPMIN", b"BZPOPMAX"])] + self.keys(1, 3) + [self.timeout()]
        ks = self.keys(1, 3)
        a = [b"BZMPOP", self.timeout(), self.numkeys(ks)] + ks + [r.choice([b"MIN", b"MAX"])]
        return a + ([b"COUNT", self.count()] if r.random() < 0.5 else [])

    # ---- hashes
    def g_hset(self):
        a = [self.r.choice([b"HSET", b"HSET", b"HMSET"]), self.key()]
        for _ in range(self.r.randint(1, 4)):
            a += [self.member(), self.g.val() if self.r.random() < 0.7 else self.member()]
        if self.r.random() < 0.03:
            a.pop()
        return a

    def g_hsetnx(self):
        return [b"HSETNX", self.key(), self.member(), self.g.val()]

    def g_hget(self):
        if self.r.random() < 0.5:
            return [b"HGET", self.key(), self.member()]
        return [b"HMGET", self.key()] + self.members(1, 4)

    def g_hdel(self):
        return [b"HDEL", self.key()] + self.members(1, 3)

    def g_hsmall(self):
        r = self.r
        x = r.random()
        if x < 0.35:
            return [b"HLEN", self.key()]
        if x < 0.7:
            return [b"HEXISTS", self.key(), self.member()]
        return [b"HSTRLEN", self.key(), self.member()]

    def g_hall(self):
        return [self.r.choice([b"HGETALL", b"HKEYS", b"HVALS"]), self.key()]

    def g_hincrby(self):
        r = self.r
        amt = str(r.randint(-100, 100)).encode() if r.random() < 0.7 else r.choice(
            [b"9223372036854775807", b"-9223372036854775808", b"abc", b"1.5", b"", b"4611686018427387904"])
        return [b"HINCRBY", self.key(), self.member(), amt]

    def g_hincrbyfloat(self):
        r = self.r
        amt = ("%.*f" % (r.randint(0, 4), r.uniform(-100, 100))).encode() if r.random() < 0.6 else r.choice(
            [b"inf", b"-inf", b"nan", b"1e308", b"abc", b"", b"1.5", b"-0", b"5.0e3", b"1e-5", b"0x10"])
        return [b"HINCRBYFLOAT", self.key(), self.member(), amt]

    def g_hrandfield(self):
        r = self.r
        a = [b"HRANDFIELD", self.key()]
        if r.random() < 0.8:
            withv = r.random() < 0.5
            a.append(self.rcount(withv))
            if withv:
                a.append(b"WITHVALUES" if r.random() < 0.95 else b"WITHSCORES")
        return a

    def g_hscan(self):
        return [b"HSCAN", self.key(), b"0"] + self.scanopts()

    def scanopts(self):
        r = self.r
        a = []
        if r.random() < 0.4:
            a += [b"MATCH", r.choice([b"*", b"a*", b"?", b"[a-c]", b"*1*", b"nomatch", b"k*"])]
        if r.random() < 0.4:
            a += [b"COUNT", r.choice([b"1", b"2", b"10", b"100"]) if r.random() < 0.9 else
                  r.choice([b"0", b"-1", b"abc"])]
        return a

    # ---- sets
    def smember(self):
        r = self.r
        if r.random() < 0.5:
            return str(r.randint(-5, 30)).encode()
        return self.member()

    def g_sadd(self):
        return [b"SADD", self.key()] + [self.smember() for _ in range(self.r.randint(1, 5))]

    def g_srem(self):
        return [b"SREM", self.key()] + [self.smember() for _ in range(self.r.randint(1, 3))]

    def g_ssmall(self):
        r = self.r
        x = r.random()
        if x < 0.3:
            return [b"SCARD", self.key()]
        if x < 0.65:
            return [b"SISMEMBER", self.key(), self.smember()]
        return [b"SMISMEMBER", self.key()] + [self.smember() for _ in range(r.randint(1, 4))]

    def g_smembers(self):
        return [b"SMEMBERS", self.key()]

    def g_srandmember(self):
        a = [b"SRANDMEMBER", self.key()]
        if self.r.random() < 0.8:
            a.append(self.rcount())
        return a

    def g_spop(self):
        a = [b"SPOP", self.key()]
        if self.r.random() < 0.7:
            a.append(self.count())
        return a

    def g_smove(self):
        return [b"SMOVE", self.key(), self.key(), self.smember()]

    def g_sop(self):
        return [self.r.choice([b"SINTER", b"SUNION", b"SDIFF"])] + self.keys(1, 3)

    def g_sopstore(self):
        return [self.r.choice([b"SINTERSTORE", b"SUNIONSTORE", b"SDIFFSTORE"]), self.key()] + self.keys(1, 3)

    def g_sintercard(self):
        ks = self.keys(1, 3)
        a = [b"SINTERCARD", self.numkeys(ks)] + ks
        if self.r.random() < 0.4:
            a += [b"LIMIT", self.r.choice([b"0", b"1", b"2", b"-1", b"abc"])]
        return a

    def g_sscan(self):
        return [b"SSCAN", self.key(), b"0"] + self.scanopts()

    # ---- sorted sets
    def g_zadd(self):
        r = self.r
        a = [b"ZADD", self.key()]
        opts = []
        for o in (b"NX", b"XX", b"GT", b"LT", b"CH", b"INCR"):
            if r.random() < 0.1:
                opts.append(o)
        r.shuffle(opts)
        a += opts
        n = 1 if b"INCR" in opts and r.random() < 0.8 else r.randint(1, 4)
        for _ in range(n):
            a += [self.score(), self.member()]
        if r.random() < 0.02:
            a.pop()
        return a

    def g_zincrby(self):
        return [b"ZINCRBY", self.key(), self.score(), self.member()]

    def g_zrem(self):
        return [b"ZREM", self.key()] + self.members(1, 3)

    def g_zsmall(self):
        r = self.r
        x = r.random()
        if x < 0.3:
            return [b"ZCARD", self.key()]
        if x < 0.65:
            return [b"ZSCORE", self.key(), self.member()]
        return [b"ZMSCORE", self.key()] + self.members(1, 4)

    def g_zrank(self):
        return [self.r.choice([b"ZRANK", b"ZREVRANK"]), self.key(), self.member()]

    def g_zcount(self):
        if self.r.random() < 0.5:
            return [b"ZCOUNT", self.key(), self.sbound(), self.sbound()]
        return [b"ZLEXCOUNT", self.key(), self.lbound(), self.lbound()]

    def limit(self):
        r = self.r
        return [b"LIMIT", r.choice([b"0", b"1", b"2", b"-1", b"5"]),
                r.choice([b"0", b"1", b"2", b"-1", b"3", b"10"]) if r.random() < 0.95 else b"abc"]

    def zrange_args(self):
        """Arguments after the key(s) of ZRANGE / ZRANGESTORE."""
        r = self.r
        x = r.random()
        opts = []
        if x < 0.4:
            lo, hi = self.index(), self.index()
        elif x < 0.75:
            lo, hi = self.sbound(), self.sbound()
            opts.append(b"BYSCORE")
        else:
            lo, hi = self.lbound(), self.lbound()
            opts.append(b"BYLEX")
        if r.random() < 0.3:
            opts.append(b"REV")
        if r.random() < 0.3 and (opts or r.random() < 0.2):
            opts += self.limit()
        if r.random() < 0.03:
            opts.append(r.choice([b"BYSCORE", b"BYLEX", b"FOO", b"LIMIT"]))
        return [lo, hi], opts

    def g_zrange(self):
        r = self.r
        x = r.random()
        k = self.key()
        if x < 0.5:
            rng, opts = self.zrange_args()
            if r.random() < 0.4:
                opts.append(b"WITHSCORES")
            return [b"ZRANGE", k] + rng + opts
        if x < 0.7:
            a = [r.choice([b"ZRANGEBYSCORE", b"ZREVRANGEBYSCORE"]), k, self.sbound(), self.sbound()]
            if r.random() < 0.4:
                a.append(b"WITHSCORES")
            if r.random() < 0.3:
                a += self.limit()
            return a
        if x < 0.85:
            a = [r.choice([b"ZRANGEBYLEX", b"ZREVRANGEBYLEX"]), k, self.lbound(), self.lbound()]
            if r.random() < 0.3:
                a += self.limit()
            return a
        a = [b"ZREVRANGE", k, self.index(), self.index()]
        if r.random() < 0.4:
            a.append(b"WITHSCORES")
        return a

    def g_zrangestore(self):
        rng, opts = self.zrange_args()
        return [b"ZRANGESTORE", self.key(), self.key()] + rng + opts

    def g_zremrange(self):
        r = self.r
        x = r.random()
        if x < 0.33:
            return [b"ZREMRANGEBYRANK", self.key(), self.index(), self.index()]
        if x < 0.66:
            return [b"ZREMRANGEBYSCORE", self.key(), self.sbound(), self.sbound()]
        return [b"ZREMRANGEBYLEX", self.key(), self.lbound(), self.lbound()]

    def g_zpop(self):
        a = [self.r.choice([b"ZPOPMIN", b"ZPOPMAX"]), self.key()]
        if self.r.random() < 0.5:
            a.append(self.count())
        return a

    def g_zmpop(self):
        ks = self.keys(1, 3)
        a = [b"ZMPOP", self.numkeys(ks)] + ks + [self.r.choice([b"MIN", b"MAX", b"min"])
                                                 if self.r.random() < 0.97 else b"LEFT"]
        if self.r.random() < 0.5:
            a += [b"COUNT", self.count()]
        return a

    def g_zrandmember(self):
        r = self.r
        a = [b"ZRANDMEMBER", self.key()]
        if r.random() < 0.8:
            withv = r.random() < 0.5
            a.append(self.rcount(withv))
            if withv:
                a.append(b"WITHSCORES" if r.random() < 0.95 else b"WITHVALUES")
        return a

    def zsetop_opts(self, n, withscores):
        r = self.r
        a = []
        if r.random() < 0.35:
            a.append(b"WEIGHTS")
            m = n if r.random() < 0.93 else r.choice([n + 1, max(0, n - 1)])
            a += [r.choice([b"1", b"2", b"0", b"-1", b"0.5", b"inf", b"-inf", b"3"])
                  if r.random() < 0.97 else b"nan" for _ in range(m)]
        if r.random() < 0.35:
            a += [b"AGGREGATE", r.choice([b"SUM", b"MIN", b"MAX", b"sum"]) if r.random() < 0.97 else b"AVG"]
        if r.random() < 0.1 and len(a) > 2 and a[0] == b"WEIGHTS" and b"AGGREGATE" in a:
            i = a.index(b"AGGREGATE")
            a = a[i:] + a[:i]   # AGGREGATE before WEIGHTS
        if withscores and r.random() < 0.4:
            a.append(b"WITHSCORES")
        return a

    def g_zsetop(self):
        r = self.r
        cmd = r.choice([b"ZUNION", b"ZINTER", b"ZDIFF"])
        ks = self.keys(1, 3)
        a = [cmd, self.numkeys(ks)] + ks
        if cmd == b"ZDIFF":
            return a + ([b"WITHSCORES"] if r.random() < 0.4 else [])
        return a + self.zsetop_opts(len(ks), True)

    def g_zsetopstore(self):
        r = self.r
        cmd = r.choice([b"ZUNIONSTORE", b"ZINTERSTORE", b"ZDIFFSTORE"])
        ks = self.keys(1, 3)
        a = [cmd, self.key(), self.numkeys(ks)] + ks
        if cmd == b"ZDIFFSTORE":
            return a
        return a + self.zsetop_opts(len(ks), False)

    def g_zintercard(self):
        ks = self.keys(1, 3)
        a = [b"ZINTERCARD", self.numkeys(ks)] + ks
        if self.r.random() < 0.4:
            a += [b"LIMIT", self.r.choice([b"0", b"1", b"2", b"-1", b"abc"])]
        return a

    def g_zscan(self):
        return [b"ZSCAN", self.key(), b"0"] + self.scanopts()

    # ---- generic
    def g_sort(self):
        r = self.r
        self.cur = r.choice([t for t in self.present if t != HASH] or [LIST])
        a = [r.choice([b"SORT", b"SORT", b"SORT_RO"]), self.key()]
        alpha = r.random() < 0.4
        by = None
        if r.random() < 0.4:
            by = r.choice([b"nosort", b"k*", b"*", b"k*->a", b"w_*", b"nosuch"])
            a += [b"BY", by]
        if r.random() < 0.3:
            a += self.limit()
        for _ in range(r.choice([0, 0, 1, 2])):
            a += [b"GET", r.choice([b"#", b"k*", b"*", b"k*->a", b"*->1", b"nosuch"])]
        if r.random() < 0.3:
            a.append(r.choice([b"ASC", b"DESC"]))
        if alpha:
            a.append(b"ALPHA")
        if a[0] == b"SORT" and r.random() < 0.25 and not (alpha and by and b"*" in by):
            a += [b"STORE", self.key()]
        if r.random() < 0.02:
            a.append(r.choice([b"FOO", b"LIMIT", b"BY", b"STORE"]))
        return a

    def g_randomkey(self):
        return [b"RANDOMKEY"]

    def g_config_set(self):
        p = self.r.choice(sorted(CONFIG_CHOICES))
        return [b"CONFIG", b"SET", p, self.r.choice(CONFIG_CHOICES[p])]

    def g_config_get(self):
        return [b"CONFIG", b"GET", self.r.choice(sorted(CONFIG_CHOICES) + [b"*-max-listpack-*", b"*-ziplist-*"])]

    def g_big(self):
        """A collection large enough to cross the encoding thresholds."""
        r = self.r
        typ = self.cur = r.choice(self.present)
        k = self.key()
        n = r.randint(5, 40)
        if typ == LIST:
            return [b"RPUSH", k] + [self.member() for _ in range(n)]
        if typ == HASH:
            a = [b"HSET", k]
            for i in range(n):
                a += [b"f%d" % i, self.member()]
            return a
        if typ == SET:
            if r.random() < 0.05:
                return [b"SADD", k] + [b"%d" % i for i in range(520)]
            return [b"SADD", k] + [b"%d" % r.randint(-50, 500) if r.random() < 0.9 else self.member()
                                   for _ in range(n)]
        a = [b"ZADD", k]
        for i in range(n):
            a += [self.score() if r.random() < 0.3 else b"%d" % r.randint(0, 9), b"m%d" % i]
        return a


def extend_random(g, types):
    """Add the data-type generators to RandomGen `g` (types: the set of type
    names ferrokv supports, see compat.run_random)."""
    tg = TypeGen(g, types)
    g.keys += [tg.POOLS[t][0] for t in ALL_TYPES if t in types]
    g.gens.extend(tg.gens)
    g.total = sum(w for w, _ in g.gens)
    g.typegen = tg



# --------------------------------------------------------------------------
# Hand-picked groups (part "types")
# --------------------------------------------------------------------------


def cs(text):
    """C steps from "CMD a b; CMD c" (shell-like quoting: '' is an empty
    argument, ' 1' one with a space)."""
    return [K.C(*shlex.split(x)) for x in text.split(";") if x.strip()]


def C(*a, n=None):
    return K.C(*a, n=n)


def S(*a):
    return K.S(*a)


# Redis 7.0 arities of the data-type commands (negative: at least |n|).
TYPE_ARITY = {
    "lpush": -3, "rpush": -3, "lpushx": -3, "rpushx": -3, "lpop": -2, "rpop": -2, "llen": 2, "lrange": 4,
    "lindex": 3, "lset": 4, "linsert": 5, "lrem": 4, "ltrim": 4, "lpos": -3, "lmove": 5, "rpoplpush": 3,
    "lmpop": -4, "blpop": -3, "brpop": -3, "blmove": 6, "brpoplpush": 4, "blmpop": -5, "bzpopmin": -3,
    "bzpopmax": -3, "bzmpop": -5, "hset": -4, "hsetnx": 4, "hget": 3, "hmget": -3, "hmset": -4, "hdel": -3,
    "hlen": 2, "hstrlen": 3, "hexists": 3, "hkeys": 2, "hvals": 2, "hgetall": 2, "hincrby": 4,
    "hincrbyfloat": 4, "hrandfield": -2, "hscan": -3, "sadd": -3, "srem": -3, "scard": 2, "sismember": 3,
    "smismember": -3, "smembers": 2, "srandmember": -2, "spop": -2, "smove": 4, "sinter": -2,
    "sintercard": -3, "sunion": -2, "sdiff": -2, "sinterstore": -3, "sunionstore": -3, "sdiffstore": -3,
    "sscan": -3, "zadd": -4, "zincrby": 4, "zrem": -3, "zcard": 2, "zscore": 3, "zmscore": -3, "zrank": 3,
    "zrevrank": 3, "zcount": 4, "zlexcount": 4, "zrange": -4, "zrangestore": -5, "zrangebyscore": -4,
    "zrevrangebyscore": -4, "zrangebylex": -4, "zrevrangebylex": -4, "zrevrange": -4, "zremrangebyrank": 4,
    "zremrangebyscore": 4, "zremrangebylex": 4, "zpopmin": -2, "zpopmax": -2, "zmpop": -4,
    "zrandmember": -2, "zunion": -3, "zinter": -3, "zdiff": -3, "zunionstore": -4, "zinterstore": -4,
    "zdiffstore": -4, "zintercard": -3, "zscan": -3, "sort": -2, "sort_ro": -2, "randomkey": 1,
}


def arity_groups():
    steps = []
    for name, ar in TYPE_ARITY.items():
        n = abs(ar)
        fill = ["k", "0", "0", "0", "0", "0"]
        if n > 1:
            steps.append(C(*([name.upper()] + fill[:n - 2])))  # one too few
            steps.append(C(*([name] + fill[:n - 2])))
        if ar > 0:
            steps.append(C(*([name.upper()] + fill[:n])))       # one too many
    # odd field/value and score/member counts
    steps += cs("HSET h a 1 b; HMSET h a 1 b; HSET h a 1 b 2 c; ZADD z 1 a 2; ZADD z NX 1 a 2; "
                "ZADD z 1; ZADD z NX 1; ZADD z INCR; ZADD z CH")
    return [("arity", steps)]


def list_groups():
    G = []
    G.append(("list-push-pop", [S("RPUSH l a b c")] + cs(
        "LPUSH l x y; LRANGE l 0 -1; LLEN l; LPUSHX missing a; RPUSHX missing a b; EXISTS missing; "
        "LPUSHX l z1 z2; RPUSHX l w; LRANGE l 0 -1; LPOP l; RPOP l; LPOP l 2; RPOP l 2; LRANGE l 0 -1; "
        "LPOP l 0; RPOP l 0; LPOP l -1; RPOP l -1; LPOP l abc; LPOP l 1.5; LPOP l 1 2; LPOP missing; "
        "RPOP missing; LPOP missing 2; RPOP missing 0; LPOP missing 0; LPOP missing -1; LPOP l 100; "
        "EXISTS l; TYPE l; LPOP l; LPOP l 0; LLEN missing; RPUSH l 1 2 3; LPOP l 9223372036854775807; "
        "RPUSH l 1 2 3; RPOP l -9223372036854775808; RPOP l 9223372036854775808; LPOP l 1; RPOP l 1; LLEN l; "
        "rpush l lower; lpop l; lpush l A B C; RPOP l 3; EXISTS l") + [
        C("RPUSH", "e", ""), C("LRANGE e 0 -1"), C("LPUSH", "e", "", ""), C("LLEN e"), C("LPOP e 5"),
        C("RPUSH", "", "x"), C("LPOP", ""), C("EXISTS", ""),
    ]))
    G.append(("list-range-index", [S("RPUSH l a b c d e")] + cs(
        "LRANGE l 0 -1; LRANGE l 0 0; LRANGE l -1 -1; LRANGE l -100 100; LRANGE l 2 1; LRANGE l 5 10; "
        "LRANGE l 4 10; LRANGE l -3 -2; LRANGE l 1 -1; LRANGE l -6 -5; LRANGE l -5 -5; "
        "LRANGE l 9223372036854775807 -9223372036854775808; LRANGE l -9223372036854775808 9223372036854775807; "
        "LRANGE l 0 9223372036854775808; LRANGE l abc 1; LRANGE l 0 1.5; LRANGE l 01 +2; LRANGE missing 0 -1; "
        "LRANGE missing abc 1; LINDEX l 0; LINDEX l -1; LINDEX l 4; LINDEX l 5; LINDEX l -5; LINDEX l -6; "
        "LINDEX l abc; LINDEX l 9223372036854775807; LINDEX l -9223372036854775808; LINDEX missing 0; "
        "LINDEX missing abc; LLEN l")))
    G.append(("list-set-insert-rem", [S("RPUSH l a b c d e")] + cs(
        "LSET l 0 x; LSET l -1 y; LSET l 5 z; LSET l -6 z; LSET l abc x; LSET missing 0 x; LSET missing abc x; "
        "LRANGE l 0 -1; LINSERT l BEFORE b new; LINSERT l AFTER y new2; LINSERT l before x first; "
        "LINSERT l after new2 last; LINSERT l BEFORE nope x; LINSERT missing BEFORE a x; EXISTS missing; "
        "LINSERT l MIDDLE a x; LINSERT missing MIDDLE a x; LRANGE l 0 -1; LLEN l; "
        "RPUSH d a b a c a b a; LREM d 2 a; LRANGE d 0 -1; LREM d -1 a; LRANGE d 0 -1; LREM d 0 b; "
        "LRANGE d 0 -1; LREM d 0 nope; LREM d abc a; LREM missing 0 a; LREM d -9223372036854775808 a; "
        "LREM d 0 a; LREM d 0 c; EXISTS d; RPUSH d 1 1 1; LREM d 9223372036854775807 1; EXISTS d; "
        "RPUSH d x; LSET d 0 y; LINSERT d BEFORE y y; LRANGE d 0 -1") + [
        C("LINSERT", "l", "BEFORE", "", "e"), C("LSET l 0", ""), C("LINSERT", "l", "AFTER", "", "after-empty"),
        C("LRANGE l 0 -1"),
    ]))
    G.append(("list-trim", [S("RPUSH l a b c d e f")] + cs(
        "LTRIM l 1 -2; LRANGE l 0 -1; LTRIM l 0 100; LRANGE l 0 -1; LTRIM l -2 -1; LRANGE l 0 -1; "
        "LTRIM l abc 1; LTRIM l 0 1.5; LTRIM missing 0 1; EXISTS missing; LTRIM l 1 0; EXISTS l; "
        "RPUSH l a b c; LTRIM l 5 10; EXISTS l; RPUSH l a b c; LTRIM l -100 -4; EXISTS l; RPUSH l a b c; "
        "LTRIM l -9223372036854775808 9223372036854775807; LRANGE l 0 -1; LTRIM l 9223372036854775807 0; EXISTS l")))
    G.append(("list-lpos", [S("RPUSH l a b c 1 2 3 c c d c")] + cs(
        "LPOS l c; LPOS l nope; LPOS l c RANK 1; LPOS l c RANK 2; LPOS l c RANK -1; LPOS l c RANK -2; "
        "LPOS l c RANK 5; LPOS l c RANK -5; LPOS l c RANK 0; LPOS l c RANK -9223372036854775808; "
        "LPOS l c RANK -9223372036854775807; LPOS l c RANK 9223372036854775807; LPOS l c RANK abc; "
        "LPOS l c COUNT 0; LPOS l c COUNT 2; LPOS l c COUNT 100; LPOS l c COUNT -1; LPOS l c COUNT abc; "
        "LPOS l c MAXLEN 0; LPOS l c MAXLEN 2; LPOS l c MAXLEN 3; LPOS l c MAXLEN -1; LPOS l c MAXLEN abc; "
        "LPOS l c RANK 2 COUNT 0 MAXLEN 8; LPOS l c RANK -1 COUNT 0 MAXLEN 3; LPOS l c RANK -1 COUNT 2; "
        "LPOS l c COUNT 0 RANK -2; LPOS l c COUNT 1 COUNT 3; LPOS l c RANK 1 RANK -1; LPOS l c MAXLEN 1 COUNT 0; "
        "LPOS l nope COUNT 0; LPOS l nope COUNT 2; LPOS missing a; LPOS missing a COUNT 0; LPOS missing a COUNT 2; "
        "LPOS missing a RANK 0; LPOS l c FOO; LPOS l c RANK; LPOS l c COUNT; LPOS l c MAXLEN; LPOS l 1; "
        "lpos l c rank -1 count 0; LPOS l c RANK 9223372036854775807 COUNT 0; LPOS l c COUNT 9223372036854775807")))
    G.append(("list-lmove", [S("RPUSH a 1 2 3 4 5")] + cs(
        "LMOVE a b LEFT RIGHT; LMOVE a b RIGHT LEFT; LRANGE a 0 -1; LRANGE b 0 -1; LMOVE a b LEFT LEFT; "
        "LMOVE a b RIGHT RIGHT; LRANGE b 0 -1; LMOVE a a LEFT RIGHT; LRANGE a 0 -1; LMOVE a a RIGHT LEFT; "
        "LRANGE a 0 -1; LMOVE a b UP LEFT; LMOVE a b LEFT DOWN; LMOVE a b left right; LMOVE missing b LEFT LEFT; "
        "EXISTS missing; RPOPLPUSH b a; RPOPLPUSH a a; LRANGE a 0 -1; RPOPLPUSH missing a; LRANGE b 0 -1; "
        "LMOVE b c LEFT LEFT; LMOVE b c LEFT LEFT; LMOVE b c LEFT LEFT; EXISTS b; LRANGE c 0 -1; SET s x; "
        "LMOVE c s LEFT LEFT; LRANGE c 0 -1; LMOVE s c LEFT LEFT; RPOPLPUSH c s; RPOPLPUSH s c; "
        "LMOVE missing s LEFT LEFT; RPOPLPUSH missing s; LMOVE s s LEFT LEFT; LMOVE missing missing LEFT LEFT; "
        "RPUSH one x; RPOPLPUSH one one; LRANGE one 0 -1; LMOVE one two LEFT LEFT; EXISTS one; LRANGE two 0 -1; "
        "LMOVE c missing2 LEFT UP; EXISTS missing2")))
    G.append(("list-lmpop", [S("RPUSH a 1 2 3 4 5"), S("RPUSH b x y")] + cs(
        "LMPOP 1 a LEFT; LMPOP 1 a RIGHT; LMPOP 1 a LEFT COUNT 2; LMPOP 2 missing b RIGHT COUNT 10; EXISTS b; "
        "LMPOP 2 missing b LEFT; LMPOP 2 a b left count 1; LMPOP 1 a LEFT COUNT 0; LMPOP 1 a LEFT COUNT -1; "
        "LMPOP 1 a LEFT COUNT abc; LMPOP 1 a LEFT COUNT; LMPOP 1 a LEFT COUNT 1 COUNT 1; LMPOP 1 a UP; "
        "LMPOP 1 a LEFT FOO; LMPOP 0 a LEFT; LMPOP -1 a LEFT; LMPOP abc a LEFT; LMPOP 2 a LEFT; LMPOP 3 a b LEFT; "
        "LMPOP 2147483647 a LEFT; LMPOP 2147483648 a LEFT; LMPOP 9223372036854775807 a LEFT; "
        "LMPOP 9223372036854775808 a LEFT; LMPOP 1.5 a LEFT; LMPOP 1 missing LEFT; LMPOP 1 missing LEFT COUNT 5; "
        "SET s v; LMPOP 1 s LEFT; LMPOP 2 missing s LEFT; RPUSH a 1 2 3; LMPOP 2 a s RIGHT; LMPOP 2 s a RIGHT; "
        "LMPOP 1 a LEFT COUNT 9223372036854775807; EXISTS a; LMPOP 1 a LEFT; lmpop 1 a left")))
    G.append(("list-encoding-config", [S("RPUSH l a b c")] + cs(
        "OBJECT ENCODING l; CONFIG GET list-max-listpack-size; CONFIG GET list-max-ziplist-size; "
        "CONFIG GET list-compress-depth; CONFIG SET list-max-listpack-size 4; OBJECT ENCODING l; "
        "RPUSH l 1 2 3 4 5 6 7 8 9; OBJECT ENCODING l; LRANGE l 0 -1; CONFIG GET list-max-listpack-size; "
        "CONFIG SET list-max-ziplist-size 5; CONFIG GET list-max-listpack-size; CONFIG GET list-max-ziplist-size; "
        "CONFIG SET list-max-listpack-size -1; CONFIG SET list-max-listpack-size -5; "
        "CONFIG SET list-max-listpack-size -6; "
        "CONFIG SET list-max-listpack-size abc; CONFIG SET list-max-listpack-size 0; "
        "CONFIG GET list-max-listpack-size; "
        "CONFIG SET list-compress-depth 1; RPUSH l2 a b c d e f g h i j k l m n o p q; LRANGE l2 0 -1; LINDEX l2 8; "
        "LINSERT l2 AFTER h X; LRANGE l2 6 10; LPOS l2 X; CONFIG SET list-compress-depth -1; "
        "CONFIG SET list-compress-depth 0; OBJECT ENCODING l2; RPUSH big " + " ".join(str(i) for i in range(300)) +
        "; OBJECT ENCODING big; LLEN big; LINDEX big 250; LRANGE big 100 103; LREM big 0 150; LLEN big; "
        "LINSERT big BEFORE 200 x; LINDEX big 199; LPOS big x; LPOS big 299 MAXLEN 10; LPOS big 299 RANK -1 MAXLEN 10; "
        "LTRIM big 10 -10; LLEN big; LSET big 100 y; LINDEX big 100; LMPOP 1 big RIGHT COUNT 3") + [
        C("RPUSH", "huge", "x" * 10000, "y" * 70000), C("LINDEX huge 1"), C("LRANGE huge 0 0"),
        C("OBJECT ENCODING huge"),
        C("RPUSH", "bin", b"\x00\xff", b"a\r\nb", ""), C("LRANGE bin 0 -1"), C("LPOS", "bin", b"a\r\nb"),
        C("LREM", "bin", "0", b"\x00\xff"), C("LRANGE bin 0 -1"),
    ]))
    return G


def hash_groups():
    G = []
    G.append(("hash-basic", [S("HSET h a 1 b 2")] + cs(
        "HSET h a 3 c 4; HGET h a; HGET h nope; HGET missing a; HMGET h a nope c; HMGET missing a b; "
        "HMSET h x 1; HMSET h x 2 y 3; HSETNX h a 9; HSETNX h z 9; HSETNX missing2 f v; HGETALL missing2; HLEN h; "
        "HSTRLEN h a; HSTRLEN h nope; HSTRLEN missing a; HEXISTS h a; HEXISTS h nope; HEXISTS missing a; "
        "HKEYS h; HVALS h; HGETALL h; HKEYS missing; HVALS missing; HGETALL missing; HLEN missing; "
        "HDEL h a nope; HDEL h a; HDEL missing a; HDEL h b c x y z; HLEN h; HDEL h missing2 z; EXISTS h; "
        "HSET h a 1; HDEL h a a; EXISTS h; TYPE missing2; hset h lower 1; hget h lower; "
        "HSET h a 1 a 2; HGET h a; HLEN h; HSETNX h a 3; HMSET h a 4 a 5; HGET h a") + [
        C("HSET", "h", "", ""), C("HGET", "h", ""), C("HSTRLEN", "h", ""), C("HEXISTS", "h", ""),
        C("HSET", "h", b"f\x00\xff", b"v\r\n\x00"), C("HGET", "h", b"f\x00\xff"), C("HGETALL h"),
        C("HSET", "h", "long", "x" * 5000), C("HSTRLEN h long"), C("HSET h num 12345"), C("HSTRLEN h num"),
        C("HSET h neg -1.50"), C("HSTRLEN h neg"), C("HGET h neg"),
    ]))
    G.append(("hash-incr", [S("HSET h s str")] + cs(
        "HINCRBY h n 5; HINCRBY h n -10; HINCRBY h n 0; HGET h n; HINCRBY h n abc; HINCRBY h n 1.5; HINCRBY h n ''; "
        "HINCRBY h s 1; HSET h big 9223372036854775807; HINCRBY h big 1; HINCRBY h big 0; HGET h big; "
        "HSET h small -9223372036854775808; HINCRBY h small -1; HINCRBY h new 9223372036854775807; "
        "HINCRBY h new2 -9223372036854775808; HINCRBY h n 9223372036854775808; HINCRBY missing f 7; HGETALL missing; "
        "HSET h z 01; HINCRBY h z 1; HSET h sp1 ' 1'; HINCRBY h sp1 1; HSET h plus +1; HINCRBY h plus 1; "
        "HSET h fl 1.5; HINCRBY h fl 1; HINCRBYFLOAT h fl 1.5; HINCRBYFLOAT h fl 0.1; HINCRBYFLOAT h fl -3.1; "
        "HINCRBYFLOAT h f2 0.1; HINCRBYFLOAT h f2 0.2; HINCRBYFLOAT h f3 5.0e3; HINCRBYFLOAT h f4 -0; "
        "HINCRBYFLOAT h f5 1e-5; HINCRBYFLOAT h f6 10.50; HINCRBYFLOAT h f7 3; HINCRBYFLOAT h n 1; HGET h n; "
        "HINCRBYFLOAT h f8 inf; HINCRBYFLOAT h f8 -inf; HINCRBYFLOAT h f8 nan; HINCRBYFLOAT h f8 abc; "
        "HINCRBYFLOAT h f8 ''; HINCRBYFLOAT h f8 1e309; HINCRBYFLOAT h f8 0x10; HINCRBYFLOAT h f8 ' 1'; "
        "HINCRBYFLOAT h f9 1e308; HINCRBYFLOAT h f9 1e308; HGET h f9; HINCRBYFLOAT h s 1; HSET h inf inf; "
        "HINCRBYFLOAT h inf 1; HSET h nan nan; HINCRBYFLOAT h nan 1; HSET h e 1e3; HINCRBYFLOAT h e 1; "
        "HINCRBY h e 1; HSET h sp2 '1 '; HINCRBYFLOAT h sp2 1; HINCRBYFLOAT h big 1; HGET h big; "
        "HINCRBYFLOAT h m 1.23456789012345678; HINCRBYFLOAT h m 1e20; "
        "HINCRBYFLOAT h m2 123456789012345678901234567890; "
        "HINCRBYFLOAT h m3 0.1; HINCRBYFLOAT h m3 0.7; HGETALL h; HINCRBYFLOAT missing3 f 1.5; TYPE missing3")))
    G.append(("hash-randfield", [S("HSET h a 1 b 2 c 3 d 4 e 5")] + cs(
        "HRANDFIELD h; HRANDFIELD h 1; HRANDFIELD h 3; HRANDFIELD h 5; HRANDFIELD h 10; HRANDFIELD h -3; "
        "HRANDFIELD h -10; HRANDFIELD h 0; HRANDFIELD h 0 WITHVALUES; HRANDFIELD h 2 WITHVALUES; "
        "HRANDFIELD h 6 WITHVALUES; HRANDFIELD h -7 WITHVALUES; HRANDFIELD h 2 withvalues; "
        "HRANDFIELD h 9223372036854775807; HRANDFIELD h -9223372036854775808; "
        "HRANDFIELD h 9223372036854775807 WITHVALUES; "
        "HRANDFIELD h -9223372036854775808 WITHVALUES; HRANDFIELD h -4611686018427387904 WITHVALUES; "
        "HRANDFIELD h 4611686018427387904 WITHVALUES; HRANDFIELD h 4611686018427387903 WITHVALUES; "
        "HRANDFIELD h -9223372036854775809; HRANDFIELD h abc; HRANDFIELD h 1.5; HRANDFIELD h 1 WITHSCORES; "
        "HRANDFIELD h 1 WITHVALUES extra; HRANDFIELD missing; HRANDFIELD missing 5; HRANDFIELD missing -5; "
        "HRANDFIELD missing -5 WITHVALUES; HRANDFIELD missing abc; CONFIG SET hash-max-listpack-entries 2; "
        "HSET big a 1 b 2 c 3 d 4 e 5 f 6 g 7 h 8 i 9 j 10 k 11 l 12; OBJECT ENCODING big; HRANDFIELD big; "
        "HRANDFIELD big 3; HRANDFIELD big 11; HRANDFIELD big 12; HRANDFIELD big 20 WITHVALUES; HRANDFIELD big -20; "
        "HRANDFIELD big -5 WITHVALUES; HRANDFIELD big 8 WITHVALUES; HSET one f v; HRANDFIELD one -3 WITHVALUES")))
    G.append(("hash-scan", [S("HSET h a 1 b 2 c 3 ab 4 x1 5")] + cs(
        "HSCAN h 0; HSCAN h 0 COUNT 1; HSCAN h 0 MATCH a*; HSCAN h 0 MATCH *1 COUNT 100; HSCAN h 0 MATCH nomatch; "
        "HSCAN missing 0; HSCAN missing 0 MATCH *; HSCAN h abc; HSCAN h 0 COUNT 0; HSCAN h 0 COUNT -1; "
        "HSCAN h 0 COUNT abc; HSCAN h 0 MATCH; HSCAN h 0 FOO bar; HSCAN h 0 TYPE string; "
        "CONFIG SET hash-max-listpack-entries 4; HSET big " +
        " ".join("f%d v%d" % (i, i) for i in range(100)) + "; OBJECT ENCODING big; HSCAN big 0; "
        "HSCAN big 0 COUNT 3; HSCAN big 0 MATCH f1* COUNT 5; HSCAN big 0 MATCH f?5; "
        "HSCAN big 18446744073709551616; HSCAN big 1.5; SET s v; HSCAN s 0; hscan h 0 match A*")))
    G.append(("hash-encoding", [S("HSET h a 1")] + cs(
        "OBJECT ENCODING h; CONFIG GET hash-max-listpack-entries; CONFIG GET hash-max-listpack-value; "
        "CONFIG GET hash-max-ziplist-entries; CONFIG GET hash-max-ziplist-value; CONFIG GET hash-max-*; "
        "CONFIG SET hash-max-listpack-entries 4; HSET h b 2 c 3 d 4; OBJECT ENCODING h; HSET h e 5; "
        "OBJECT ENCODING h; HDEL h a b c d; OBJECT ENCODING h; HGETALL h; "
        "HSET many a 1 b 2 c 3 d 4 e 5; OBJECT ENCODING many; HSET four a 1 b 2 c 3 d 4; OBJECT ENCODING four; "
        "HSET four a 9; OBJECT ENCODING four; HSETNX four e 5; OBJECT ENCODING four; "
        "CONFIG SET hash-max-listpack-value 8; HSET v a 12345678; OBJECT ENCODING v; HSET v b 123456789; "
        "OBJECT ENCODING v; HSET w 123456789 a; OBJECT ENCODING w; HSET x a 1; HINCRBYFLOAT x a 0.123456789; "
        "OBJECT ENCODING x; HSET y a 1; HINCRBY y a 1234567890; OBJECT ENCODING y; HSET y2 a 1; "
        "HINCRBY y2 a 123456789; OBJECT ENCODING y2; HSETNX z a 123456789; OBJECT ENCODING z; "
        "HMSET m a 123456789; OBJECT ENCODING m; COPY many many2; OBJECT ENCODING many2; RENAME many2 many3; "
        "OBJECT ENCODING many3; CONFIG SET hash-max-ziplist-entries 2; CONFIG GET hash-max-listpack-entries; "
        "CONFIG GET hash-max-ziplist-entries; CONFIG SET hash-max-ziplist-value 3; CONFIG GET hash-max-listpack-value; "
        "HSET q a 1 b 2; OBJECT ENCODING q; HSET q2 a 1234; OBJECT ENCODING q2; "
        "CONFIG SET hash-max-listpack-entries 0; HSET zero a 1; OBJECT ENCODING zero; "
        "CONFIG SET hash-max-listpack-entries -1; CONFIG SET hash-max-listpack-entries abc; "
        "CONFIG SET hash-max-listpack-value -1; CONFIG SET hash-max-listpack-entries 9223372036854775807; "
        "CONFIG GET hash-max-listpack-entries; CONFIG SET hash-max-listpack-entries 9223372036854775808; "
        "CONFIG SET hash-max-listpack-entries 1.5; CONFIG SET hash-max-listpack-entries 10k; "
        "CONFIG GET hash-max-listpack-entries; CONFIG SET hash-max-listpack-entries 1kb; "
        "CONFIG GET hash-max-listpack-entries; CONFIG SET hash-max-listpack-value 1gb; "
        "CONFIG GET hash-max-listpack-value; CONFIG SET HASH-MAX-LISTPACK-ENTRIES 6; "
        "CONFIG GET hash-max-listpack-entries; "
        "CONFIG SET hash-max-listpack-entries 5 hash-max-listpack-value 10; CONFIG GET hash-max-listpack-*; "
        "CONFIG SET hash-max-listpack-entries 5 hash-max-ziplist-entries 6; "
        "CONFIG SET hash-max-listpack-entries 5 hash-max-listpack-entries 6; CONFIG GET hash-max-listpack-entries") + [
        C("CONFIG SET hash-max-listpack-entries", ""),
    ]))
    return G


def set_groups():
    G = []
    G.append(("set-basic", [S("SADD s a b c a")] + cs(
        "SADD s a; SADD s d e d; SCARD s; SISMEMBER s a; SISMEMBER s nope; SMISMEMBER s a x c; SMEMBERS s; "
        "SREM s a x; SREM s a; SREM missing a; SISMEMBER missing a; SMISMEMBER missing a b; SMEMBERS missing; "
        "SCARD missing; SREM s b c d e; EXISTS s; SADD s x; SREM s x x; EXISTS s; sadd s lower; smembers s; "
        "SISMEMBER s lower extra; SMISMEMBER s; SADD s 1 2 3; SMISMEMBER s 1 4 lower 1") + [
        C("SADD", "s", "", b"\x00\xff", b"a\r\nb"), C("SISMEMBER", "s", ""), C("SMEMBERS s"), C("SCARD s"),
        C("SREM", "s", b"\x00\xff"), C("SMISMEMBER", "s", b"a\r\nb", "", b"\x00\xff"),
    ]))
    G.append(("set-intset", [S("SADD i 1 2 3 -5 100")] + cs(
        "OBJECT ENCODING i; SMEMBERS i; SADD i 9223372036854775807 -9223372036854775808; OBJECT ENCODING i; "
        "SMEMBERS i; SADD i 9223372036854775808; OBJECT ENCODING i; SREM i 9223372036854775808; OBJECT ENCODING i; "
        "SADD j 1 a; OBJECT ENCODING j; SADD k 01; OBJECT ENCODING k; SADD k2 +1; OBJECT ENCODING k2; "
        "SADD k3 -0; OBJECT ENCODING k3; SADD k4 1.0; OBJECT ENCODING k4; SADD k5 0; OBJECT ENCODING k5; "
        "SADD k6 -1; OBJECT ENCODING k6; SADD k7 ' 1'; OBJECT ENCODING k7; SADD k8 18446744073709551615; "
        "OBJECT ENCODING k8; CONFIG GET set-max-intset-entries; CONFIG SET set-max-intset-entries 3; "
        "SADD m 1 2 3; OBJECT ENCODING m; SADD m 4; OBJECT ENCODING m; SREM m 4 3 2; OBJECT ENCODING m; SMEMBERS m; "
        "SADD m2 1 2 3 4; OBJECT ENCODING m2; SADD a1 1 2; SADD a2 2 3; SINTERSTORE d1 a1 a2; OBJECT ENCODING d1; "
        "SUNIONSTORE d2 a1 a2; OBJECT ENCODING d2; SUNIONSTORE d3 a1 a2 m2; OBJECT ENCODING d3; SADD a3 x 1; "
        "SINTERSTORE d4 a3 a1; OBJECT ENCODING d4; SMEMBERS d4; SDIFFSTORE d5 a3 a1; OBJECT ENCODING d5; "
        "SDIFFSTORE d6 m2 a1; OBJECT ENCODING d6; SMOVE a1 a3 2; OBJECT ENCODING a3; SMOVE a3 a2 x; "
        "OBJECT ENCODING a2; SMEMBERS a2; COPY m2 m3; OBJECT ENCODING m3; CONFIG SET set-max-intset-entries 0; "
        "SADD z 1; OBJECT ENCODING z; CONFIG SET set-max-intset-entries -1; CONFIG SET set-max-intset-entries abc; "
        "CONFIG SET set-max-intset-entries 2k; CONFIG GET set-max-intset-entries; "
        "CONFIG SET set-max-intset-entries 512; "
        "SADD big " + " ".join(str(i) for i in range(512)) + "; OBJECT ENCODING big; SADD big 512; "
        "OBJECT ENCODING big; SCARD big; SADD big2 " + " ".join(str(i) for i in range(513)) +
        "; OBJECT ENCODING big2; SISMEMBER big2 512; SMISMEMBER big2 0 511 512 513")))
    G.append(("set-ops", [S("SADD a 1 2 3 x"), S("SADD b 2 3 4 y"), S("SADD c 3 x z")] + cs(
        "SINTER a b; SINTER a b c; SINTER a missing; SINTER missing a; SINTER a; SUNION a b c; SUNION a missing; "
        "SUNION missing; SDIFF a b c; SDIFF a b; SDIFF missing a; SDIFF a missing; SDIFF a a; SINTER a a; "
        "SINTERSTORE d a b; SMEMBERS d; SINTERSTORE d a missing; EXISTS d; SUNIONSTORE d a b; SMEMBERS d; "
        "SDIFFSTORE d a b c; SMEMBERS d; SDIFFSTORE d a a; EXISTS d; SUNIONSTORE d missing; EXISTS d; "
        "SDIFFSTORE a a b; SMEMBERS a; SUNIONSTORE a a c; SMEMBERS a; SINTERSTORE a a; SMEMBERS a; "
        "SINTERCARD 2 a b; SINTERCARD 3 a b c; SINTERCARD 2 a b LIMIT 1; SINTERCARD 2 a b LIMIT 0; "
        "SINTERCARD 2 a b LIMIT 100; SINTERCARD 2 a b LIMIT -1; SINTERCARD 2 a b LIMIT abc; SINTERCARD 2 a b LIMIT; "
        "SINTERCARD 2 a b LIMIT 1 LIMIT 2; SINTERCARD 0 a; SINTERCARD -1 a; SINTERCARD 3 a b; SINTERCARD abc a; "
        "SINTERCARD 1 a FOO; SINTERCARD 1 missing; SINTERCARD 2 a missing; SINTERCARD 1 a; "
        "SINTERCARD 9223372036854775807 a; SINTERCARD 2147483648 a; sintercard 1 a limit 2; SET str v; "
        "SINTER a str; SINTER str a; SINTER missing str; SINTER str missing; SUNION a str; SUNION missing str; "
        "SDIFF a str; SDIFF str a; SDIFF missing str; SDIFF a missing str; SINTERCARD 2 a str; "
        "SINTERCARD 2 missing str; "
        "SINTERSTORE d a str; SUNIONSTORE d missing str; SDIFFSTORE d missing str; SINTERSTORE str a b; TYPE str; "
        "SUNIONSTORE str a; TYPE str; SMEMBERS str; SINTERSTORE str2 missing str; EXISTS str2; "
        "SADD e1 1; SADD e2 2; SINTERSTORE e3 e1 e2; EXISTS e3; SINTER e1 e2")))
    G.append(("set-smove", [S("SADD a 1 2 x"), S("SADD b y")] + cs(
        "SMOVE a b x; SMEMBERS a; SMEMBERS b; SMOVE a b nope; SMOVE missing b x; SMOVE a a 1; SMOVE a a nope; "
        "SMEMBERS a; SET str v; SMOVE a str 1; SMOVE str a 1; SMOVE missing str 1; SMEMBERS a; SMOVE a b 1; "
        "SMOVE a b 2; EXISTS a; SMEMBERS b; SMOVE b newset y; TYPE newset; SMOVE b b x; SMEMBERS b; "
        "SMOVE b b nope; SMOVE b newset x; SMOVE b newset 1; SMOVE b newset 2; EXISTS b; SMEMBERS newset")))
    G.append(("set-random", [S("SADD s a b c d e"), S("SADD i 1 2 3 4 5 6 7 8 9 10")] + cs(
        "SRANDMEMBER s; SRANDMEMBER s 1; SRANDMEMBER s 2; SRANDMEMBER s 5; SRANDMEMBER s 100; SRANDMEMBER s -3; "
        "SRANDMEMBER s -10; SRANDMEMBER s 0; SRANDMEMBER s 9223372036854775807; SRANDMEMBER s -9223372036854775808; "
        "SRANDMEMBER s -9223372036854775809; SRANDMEMBER s abc; SRANDMEMBER s 1.5; SRANDMEMBER s 1 2; "
        "SRANDMEMBER missing; SRANDMEMBER missing 2; SRANDMEMBER missing -2; SRANDMEMBER missing 0; "
        "SRANDMEMBER i 3; SRANDMEMBER i -20; SRANDMEMBER i 9; SCARD s; SPOP s 0; SPOP s; SCARD s; SPOP s 2; "
        "SCARD s; SPOP s 100; EXISTS s; SPOP s; SPOP s 2; SPOP s -1; SPOP s abc; SPOP s 1 2; SPOP missing; "
        "SPOP missing 0; SPOP missing -1; SPOP missing 5; SPOP i 3; SPOP i 6; OBJECT ENCODING i; SPOP i 1; "
        "SPOP i 9223372036854775807; EXISTS i; SADD j x y z; SPOP j 3; EXISTS j; SADD j x; SPOP j; EXISTS j; "
        "SADD k 1; SPOP k -9223372036854775808; SPOP k 9223372036854775808; SPOP k 1; EXISTS k; "
        "SADD big " + " ".join("m%d" % i for i in range(60)) + "; SPOP big 1; SPOP big 2; SPOP big 5; "
        "SPOP big 20; SPOP big 30; SCARD big; SPOP big 2; EXISTS big; "
        "SADD bigi " + " ".join(str(i) for i in range(60)) + "; SPOP bigi 50; OBJECT ENCODING bigi; SCARD bigi; "
        "CONFIG SET set-max-intset-entries 5; SADD ht 1 2 3 4 5 6 7 8 9 10; OBJECT ENCODING ht; SPOP ht 8; "
        "OBJECT ENCODING ht; SCARD ht")))
    G.append(("set-scan", [S("SADD s a b c ab x1 1 2")] + cs(
        "SSCAN s 0; SSCAN s 0 COUNT 1; SSCAN s 0 MATCH a*; SSCAN s 0 MATCH *1; SSCAN s 0 MATCH nomatch; "
        "SSCAN missing 0; SSCAN missing 0 COUNT 0; SSCAN missing 0 FOO bar; SSCAN s abc; SSCAN s 0 COUNT 0;"
        "SSCAN s 0 COUNT -1; SSCAN s 0 MATCH; SSCAN s 0 FOO bar; "
        "SADD i 1 2 3 10 11; SSCAN i 0; SSCAN i 0 MATCH 1*; SSCAN i 0 COUNT 1; "
        "SADD big " + " ".join("m%d" % i for i in range(200)) + "; SSCAN big 0; SSCAN big 0 COUNT 7; "
        "SSCAN big 0 MATCH m1?; SSCAN big 0 MATCH *9 COUNT 3; SET str v; SSCAN str 0; sscan s 0 match X*")))
    return G


def zset_groups():
    G = []
    G.append(("zset-add-options", [S("ZADD z 1 a 2 b")] + cs(
        "ZADD z 1 a; ZADD z NX 5 a 3 c; ZRANGE z 0 -1 WITHSCORES; ZADD z XX 5 a 4 d; ZRANGE z 0 -1 WITHSCORES; "
        "ZADD z XX CH 6 a 4 d; ZADD z CH 6 a 7 b 8 e; ZADD z GT 1 a; ZADD z GT CH 10 a; ZSCORE z a; "
        "ZADD z LT CH 20 a; ZADD z LT CH 1 a; ZSCORE z a; ZADD z GT 100 newgt; ZADD z LT 100 newlt; "
        "ZADD z GT CH 1 a 200 b 300 new2; ZRANGE z 0 -1 WITHSCORES; ZADD z XX GT CH 500 a 1 b 9 nope; "
        "ZADD z XX LT 0 a; ZRANGE z 0 -1 WITHSCORES; ZADD z NX XX 1 a; ZADD z NX GT 1 a; ZADD z NX LT 1 a; "
        "ZADD z GT LT 1 a; ZADD z NX GT LT XX 1 a; ZADD z INCR 1 a 2 b; ZADD z INCR 5 a; ZADD z INCR -5 a; "
        "ZADD z NX INCR 1 a; ZADD z XX INCR 1 nope; ZADD z GT INCR -1 a; ZADD z GT INCR 1 a; ZADD z LT INCR -1 a; "
        "ZADD z LT INCR 1 a; ZADD z CH INCR 1 a; ZADD z INCR 1 brandnew; ZADD z NX INCR 1 brandnew2; "
        "ZADD z XX 1 nope; ZCARD z; ZADD z nx 1 x; ZADD z Ch Gt 1 x; ZADD z INCR INCR 1 a; ZADD z NX NX 1 y; "
        "ZADD z FOO 1 a; ZADD z 1 a FOO; ZADD z 1 a 2; ZADD z XX; ZADD z XX 1; ZADD z NX CH; "
        "ZADD missing XX 1 a; EXISTS missing; ZADD missing XX INCR 1 a; EXISTS missing; ZADD missing GT 1 a; "
        "ZADD missing LT INCR 2 b; ZRANGE missing 0 -1 WITHSCORES")))
    G.append(("zset-scores", [S("ZADD z 0 zero")] + cs(
        "ZADD z 0.1 a 1e308 b 1.5e-300 c -0 d inf e -inf f +inf g 0.30000000000000004 h 12345678901234567 i; "
        "ZRANGE z 0 -1 WITHSCORES; ZSCORE z a; ZSCORE z b; ZSCORE z c; ZSCORE z d; ZSCORE z e; ZSCORE z f; "
        "ZSCORE z g; ZSCORE z h; ZSCORE z i; ZMSCORE z a b c nope; ZADD z nan x; ZADD z NaN x; ZADD z 1e309 x; "
        "ZADD z -1e309 x; ZADD z abc x; ZADD z '' x; ZADD z ' 1' x; ZADD z '1 ' x; ZADD z 1e x; ZADD z 0x10 x; "
        "ZADD z .5 x; ZADD z 5. y; ZADD z -.5 w; ZADD z +5 v; ZADD z 1_000 u; ZADD z 3.0e3 t; ZADD z 1E2 s; "
        "ZADD z 4.9e-324 r; ZADD z 2.5e-324 q; ZADD z 1e-400 p; ZADD z Infinity o; ZADD z -INF n; ZADD z inf5 m; "
        "ZADD z 100000000000000000000 l; ZADD z 0.1e1 k; ZADD z 1.7976931348623157e308 j; ZADD z 123.456 j2; "
        "ZADD z 9007199254740993 j3; ZADD z -1.5 j4; ZADD z 1e-7 j5; ZADD z 1e16 j6; ZADD z 1e15 j7; "
        "ZADD z 123456789012345.6 j8; ZADD z 0.000123 j9; ZRANGE z 0 -1 WITHSCORES; ZINCRBY z 1 a; ZINCRBY z inf a; "
        "ZINCRBY z -inf a; ZSCORE z a; ZINCRBY z 1 e; ZINCRBY z -inf e; ZINCRBY z nan a; ZINCRBY z abc a; "
        "ZINCRBY z 1e308 b; ZINCRBY z 1e308 b; ZSCORE z b; ZADD z INCR inf zz; ZADD z INCR -inf zz; ZSCORE zz x; "
        "ZSCORE z zz; ZINCRBY newz 2.5 m; ZRANGE newz 0 -1 WITHSCORES; ZINCRBY newz 0.1 m; ZINCRBY newz -2.6 m; "
        "ZSCORE newz m; ZINCRBY newz 1 m 2; ZINCRBY newz -0 m2; ZSCORE newz m2; ZADD z -0 negzero; ZSCORE z negzero; "
        "ZADD z INCR -0 d; ZSCORE z d; ZRANGEBYSCORE z -0 0 WITHSCORES; ZCOUNT z -0 +0")))
    G.append(("zset-read", [S("ZADD z 1 a 2 b 3 c 4 d 5 e 5 f 5 g")] + cs(
        "ZCARD z; ZCARD missing; ZSCORE z a; ZSCORE z nope; ZSCORE missing a; ZMSCORE z a nope c; ZMSCORE missing a b; "
        "ZMSCORE z; ZRANK z a; ZRANK z g; ZRANK z f; ZRANK z nope; ZRANK missing a; ZREVRANK z a; ZREVRANK z g; "
        "ZREVRANK z nope; ZRANK z a WITHSCORE; ZRANK z a b; ZCOUNT z -inf +inf; ZCOUNT z 2 4; ZCOUNT z (2 4; "
        "ZCOUNT z (2 (4; ZCOUNT z 5 5; ZCOUNT z (5 5; ZCOUNT z 4 2; ZCOUNT z -inf (1; ZCOUNT z (-inf (+inf; "
        "ZCOUNT z abc 1; ZCOUNT z 1 abc; ZCOUNT z ((1 2; ZCOUNT z [1 2; ZCOUNT z nan 2; ZCOUNT z (nan 2; "
        "ZCOUNT z '' 2; "
        "ZCOUNT z inf -inf; ZCOUNT missing 0 1; ZCOUNT missing abc 1; ZCOUNT z 1e0 0x5; "
        "ZADD lex 0 a 0 b 0 c 0 d 0 e 0 aa 0 ab 0 A 0 ''; ZLEXCOUNT lex - +; ZLEXCOUNT lex [a [c; ZLEXCOUNT lex (a (c; "
        "ZLEXCOUNT lex [aa +; ZLEXCOUNT lex - (b; ZLEXCOUNT lex + -; ZLEXCOUNT lex [c [a; ZLEXCOUNT lex a c; "
        "ZLEXCOUNT lex [a c; ZLEXCOUNT lex - a; ZLEXCOUNT lex -a +; ZLEXCOUNT lex [ +; ZLEXCOUNT lex ( +; "
        "ZLEXCOUNT lex - [; ZLEXCOUNT lex - (; ZLEXCOUNT lex [+ [-; ZLEXCOUNT missing - +; ZLEXCOUNT missing a b; "
        "ZLEXCOUNT lex ++ -; ZLEXCOUNT lex -- +") + [C("ZLEXCOUNT", "lex", "", "+"), C("ZADD", "lex", "0", ""),
                                                         C("ZLEXCOUNT", "lex", "[", "[")]))
    G.append(("zset-range", [S("ZADD z 1 a 2 b 3 c 4 d 5 e 5 f 6 g"), S("ZADD lz 0 a 0 b 0 c 0 d 0 e 0 f 0 g")] + cs(
        "ZRANGE z 0 -1; ZRANGE z 0 -1 WITHSCORES; ZRANGE z 1 3 WITHSCORES; ZRANGE z -2 -1; ZRANGE z 5 1; "
        "ZRANGE z -100 100; ZRANGE z 100 200; ZRANGE z 0 -1 REV; ZRANGE z 0 1 REV WITHSCORES; "
        "ZRANGE z 0 -1 withscores; "
        "ZRANGE z 9223372036854775807 -9223372036854775808; ZRANGE z 0 9223372036854775807; ZRANGE z abc 1; "
        "ZRANGE z 0 1.5; ZRANGE z 0 -1 LIMIT 0 1; ZRANGE z 0 -1 LIMIT 5 -1; ZRANGE z 0 -1 LIMIT 0 -5;"
        "ZRANGE z 0 -1 FOO; "
        "ZRANGE z 2 4 BYSCORE; ZRANGE z (2 4 BYSCORE; ZRANGE z 2 (4 BYSCORE WITHSCORES; ZRANGE z -inf +inf BYSCORE; "
        "ZRANGE z 4 2 BYSCORE; ZRANGE z 4 2 BYSCORE REV; ZRANGE z (4 (2 BYSCORE REV WITHSCORES; "
        "ZRANGE z -inf +inf BYSCORE LIMIT 1 2; ZRANGE z -inf +inf BYSCORE LIMIT 1 -1; "
        "ZRANGE z -inf +inf BYSCORE LIMIT -1 2; ZRANGE z -inf +inf BYSCORE LIMIT 0 0; "
        "ZRANGE z +inf -inf BYSCORE REV LIMIT 2 3 WITHSCORES; ZRANGE z -inf +inf BYSCORE LIMIT 100 1; "
        "ZRANGE z -inf +inf BYSCORE LIMIT 0 9223372036854775807; ZRANGE z -inf +inf BYSCORE LIMIT 1; "
        "ZRANGE z -inf +inf BYSCORE LIMIT a b; ZRANGE z abc 1 BYSCORE; ZRANGE z 1 (abc BYSCORE; "
        "ZRANGE z 5 5 BYSCORE; ZRANGE z (5 5 BYSCORE; ZRANGE z 1 1 BYSCORE BYSCORE; ZRANGE z - + BYSCORE; "
        "ZRANGE z - + BYLEX; ZRANGE lz [b [d BYLEX; ZRANGE lz (b (d BYLEX; ZRANGE lz [d [b BYLEX REV; "
        "ZRANGE z + - BYLEX REV; ZRANGE lz - + BYLEX LIMIT 1 2; ZRANGE lz + - BYLEX REV LIMIT 0 2; "
        "ZRANGE z a c BYLEX; ZRANGE lz - + BYLEX WITHSCORES; ZRANGE lz 0 1 BYSCORE BYLEX; ZRANGE lz 0 1 BYLEX BYSCORE; "
        "ZRANGE z - + BYLEX LIMIT 0 -1; ZRANGE lz - + BYLEX LIMIT -5 1; ZRANGE missing 0 -1; "
        "ZRANGE missing 0 -1 WITHSCORES; ZRANGE missing -inf +inf BYSCORE; ZRANGE missing abc 1 BYSCORE; "
        "ZRANGE missing a b BYLEX; ZRANGE z 0 -1 REV REV; ZRANGE z 0 -1 WITHSCORES WITHSCORES; "
        "ZRANGEBYSCORE z -inf +inf; ZRANGEBYSCORE z -inf +inf WITHSCORES; ZRANGEBYSCORE z 2 5 LIMIT 1 2; "
        "ZRANGEBYSCORE z 2 5 WITHSCORES LIMIT 1 2; ZRANGEBYSCORE z 2 5 LIMIT 1 2 WITHSCORES; "
        "ZRANGEBYSCORE z (1 (5; ZRANGEBYSCORE z 5 1; ZRANGEBYSCORE z abc 1; ZRANGEBYSCORE z 0 10 LIMIT 0; "
        "ZRANGEBYSCORE z 0 10 LIMIT; ZRANGEBYSCORE z 0 10 FOO; ZRANGEBYSCORE z 0 10 REV; ZRANGEBYSCORE z 0 10 BYLEX; "
        "ZREVRANGEBYSCORE z +inf -inf; ZREVRANGEBYSCORE z 5 2 WITHSCORES; ZREVRANGEBYSCORE z 2 5; "
        "ZREVRANGEBYSCORE z (5 (2 LIMIT 0 1; ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 2 -1; "
        "ZRANGEBYLEX z - +; ZRANGEBYLEX lz [b (e; ZRANGEBYLEX lz - + LIMIT 2 2; ZRANGEBYLEX lz a b; "
        "ZRANGEBYLEX z - + WITHSCORES; ZRANGEBYLEX lz - + LIMIT 1; ZREVRANGEBYLEX lz + -; ZREVRANGEBYLEX lz (e [b; "
        "ZREVRANGEBYLEX z - +; ZREVRANGEBYLEX lz + - LIMIT 1 1; ZREVRANGE z 0 -1; ZREVRANGE z 0 1 WITHSCORES; "
        "ZREVRANGE z -2 -1; ZREVRANGE z 0 -1 FOO; ZREVRANGE z 0 -1 LIMIT 0 1; ZREVRANGE missing 0 1; "
        "zrange z 0 0 rev")))
    G.append(("zset-lex", [S("ZADD z 0 a 0 b 0 c 0 aa 0 ab 0 B 0 bb")] + cs(
        "ZRANGE z - + BYLEX; ZRANGE z [a [b BYLEX; ZRANGE z [a (b BYLEX; ZRANGE z (a [b BYLEX; ZRANGE z [aa [ab BYLEX; "
        "ZRANGE z [B [a BYLEX; ZRANGE z - [a BYLEX; ZRANGE z (c + BYLEX; ZRANGE z [c + BYLEX; ZRANGE z [d + BYLEX; "
        "ZRANGE z + [a BYLEX; ZRANGE z [a - BYLEX; ZRANGEBYLEX z ( (; ZRANGEBYLEX z [ [; ZRANGEBYLEX z [ +; "
        "ZREVRANGEBYLEX z [b [a; ZREVRANGEBYLEX z [a [b; ZREMRANGEBYLEX z [aa [ab; ZRANGE z 0 -1; "
        "ZREMRANGEBYLEX z - (b; ZRANGE z 0 -1; ZREMRANGEBYLEX z a b; ZREMRANGEBYLEX z - +; EXISTS z; "
        "ZADD m 1 a 2 b 3 c; ZRANGEBYLEX m - +; ZRANGEBYLEX m [a [b; ZLEXCOUNT m [b +") + [
        C("ZADD", "bin", "0", b"\x00", "0", b"\xff", "0", b"a\x00b", "0", ""), C("ZRANGE bin - + BYLEX"),
        C("ZRANGE", "bin", b"[\x00", b"[\xff", "BYLEX"), C("ZRANGE", "bin", b"(", b"[a\x00b", "BYLEX"),
        C("ZLEXCOUNT", "bin", b"(\x00", "+"),
    ]))
    G.append(("zset-rangestore", [S("ZADD z 1 a 2 b 3 c 4 d 5 e")] + cs(
        "ZRANGESTORE dst z 0 -1; ZRANGE dst 0 -1 WITHSCORES; OBJECT ENCODING dst; ZRANGESTORE dst z 1 2; "
        "ZRANGE dst 0 -1 WITHSCORES; ZRANGESTORE dst z 5 10; EXISTS dst; ZRANGESTORE dst z (1 4 BYSCORE LIMIT 1 2; "
        "ZRANGE dst 0 -1 WITHSCORES; ZRANGESTORE dst z 4 1 BYSCORE REV; ZRANGE dst 0 -1 WITHSCORES; "
        "ZADD lz 0 a 0 b 0 c 0 d; ZRANGESTORE dst lz [b [d BYLEX; ZRANGE dst 0 -1; "
        "ZRANGESTORE dst lz + - BYLEX REV LIMIT 0 2; "
        "ZRANGE dst 0 -1; ZRANGESTORE dst z [b [d BYLEX; "
        "ZRANGESTORE dst z 0 -1 WITHSCORES; ZRANGESTORE dst z 0 -1 LIMIT 0 1; ZRANGESTORE dst missing 0 -1; "
        "EXISTS dst; SET str v; ZRANGESTORE dst str 0 -1; ZRANGESTORE str z 0 1; TYPE str; ZRANGE str 0 -1; "
        "ZRANGESTORE z z 1 2; ZRANGE z 0 -1 WITHSCORES; ZRANGESTORE dst z abc 1; ZRANGESTORE dst z a b BYLEX; "
        "ZRANGESTORE dst z 0; ZRANGESTORE dst; SADD set 1 2; ZRANGESTORE dst set 0 -1; "
        "CONFIG SET zset-max-listpack-entries 3; ZADD big 1 a 2 b 3 c 4 d 5 e; OBJECT ENCODING big; "
        "ZRANGESTORE small big 0 1; OBJECT ENCODING small; ZRANGESTORE all big 0 -1; OBJECT ENCODING all; "
        "ZRANGESTORE three big 0 2; OBJECT ENCODING three")))
    G.append(("zset-remrange", [S("ZADD z 1 a 2 b 3 c 4 d 5 e 6 f")] + cs(
        "ZREMRANGEBYRANK z 0 0; ZRANGE z 0 -1; ZREMRANGEBYRANK z -1 -1; ZREMRANGEBYRANK z 10 20; "
        "ZREMRANGEBYRANK z 2 1; "
        "ZREMRANGEBYRANK z abc 1; ZREMRANGEBYRANK missing 0 1; ZRANGE z 0 -1; ZREMRANGEBYSCORE z (2 4; ZRANGE z 0 -1; "
        "ZREMRANGEBYSCORE z abc 1; ZREMRANGEBYSCORE z 10 20; ZREMRANGEBYSCORE missing 0 1; ZREMRANGEBYSCORE z 5 1; "
        "ZADD z 0 x 0 y 0 z; ZREMRANGEBYLEX z [x (z; ZRANGE z 0 -1; ZREMRANGEBYLEX z a b; ZREMRANGEBYLEX missing - +; "
        "ZREMRANGEBYSCORE z -inf +inf; EXISTS z; ZADD z 1 a 2 b; ZREMRANGEBYRANK z 0 -1; EXISTS z; ZADD z 0 a 0 b; "
        "ZREMRANGEBYLEX z - +; EXISTS z; ZADD z 1 a; ZREMRANGEBYRANK z -9223372036854775808 9223372036854775807; "
        "EXISTS z; SET str v; ZREMRANGEBYRANK str 0 1; ZREMRANGEBYSCORE str 0 1; ZREMRANGEBYLEX str - +")))
    G.append(("zset-pop", [S("ZADD z 1 a 2 b 3 c 4 d 5 e 6 f")] + cs(
        "ZPOPMIN z; ZPOPMAX z; ZPOPMIN z 2; ZPOPMAX z 1; ZPOPMIN z 0; ZPOPMAX z 0; ZPOPMIN z -1; ZPOPMAX z abc; "
        "ZPOPMIN z 1 2; ZPOPMIN missing; ZPOPMIN missing 2; ZPOPMAX missing 0; ZPOPMIN missing -1; ZPOPMAX z 10; "
        "EXISTS z; ZADD z 1 a 1 b 1 c; ZPOPMIN z; ZPOPMAX z; ZPOPMIN z 9223372036854775807; EXISTS z; "
        "ZADD z 1 a 2 b 3 c 4 d; ZMPOP 1 z MIN; ZMPOP 1 z MAX; ZMPOP 1 z MIN COUNT 10; EXISTS z; "
        "ZADD z 1 a 2 b; ZADD y 5 x; ZMPOP 2 missing y MAX COUNT 2; EXISTS y; ZMPOP 2 missing z min; "
        "ZMPOP 1 missing MIN; ZMPOP 0 z MIN; ZMPOP -1 z MIN; ZMPOP abc z MIN; ZMPOP 2 z MIN; ZMPOP 1 z FOO; "
        "ZMPOP 1 z LEFT; ZMPOP 1 z MIN COUNT 0; ZMPOP 1 z MIN COUNT -1; ZMPOP 1 z MIN COUNT abc; ZMPOP 1 z MIN COUNT; "
        "ZMPOP 1 z MIN COUNT 1 COUNT 1; ZMPOP 1 z MIN FOO; ZMPOP 2147483648 z MIN; "
        "ZMPOP 1 z MIN COUNT 9223372036854775807; "
        "SET str v; ZPOPMIN str; ZMPOP 1 str MIN; ZMPOP 2 missing str MIN; ZADD z 1 a; ZMPOP 2 z str MIN; "
        "ZMPOP 2 str z MIN; ZADD inf -inf a inf b; ZPOPMIN inf; ZPOPMAX inf")))
    G.append(("zset-random", [S("ZADD z 1 a 2 b 3 c 4 d 5 e")] + cs(
        "ZRANDMEMBER z; ZRANDMEMBER z 1; ZRANDMEMBER z 3; ZRANDMEMBER z 5; ZRANDMEMBER z 10; ZRANDMEMBER z -3; "
        "ZRANDMEMBER z -10; ZRANDMEMBER z 0; ZRANDMEMBER z 0 WITHSCORES; ZRANDMEMBER z 2 WITHSCORES; "
        "ZRANDMEMBER z 7 WITHSCORES; ZRANDMEMBER z -7 WITHSCORES; ZRANDMEMBER z 2 withscores; "
        "ZRANDMEMBER z 9223372036854775807; ZRANDMEMBER z -9223372036854775808; "
        "ZRANDMEMBER z 9223372036854775807 WITHSCORES; "
        "ZRANDMEMBER z -9223372036854775808 WITHSCORES; ZRANDMEMBER z -4611686018427387904 WITHSCORES; "
        "ZRANDMEMBER z 4611686018427387904 WITHSCORES; ZRANDMEMBER z 4611686018427387903 WITHSCORES; "
        "ZRANDMEMBER z abc; ZRANDMEMBER z 1.5; ZRANDMEMBER z 1 WITHVALUES; ZRANDMEMBER z 1 WITHSCORES extra; "
        "ZRANDMEMBER missing; ZRANDMEMBER missing 3; ZRANDMEMBER missing -3 WITHSCORES; "
        "ZADD f 0.1 x 1e308 y -inf w; ZRANDMEMBER f 3 WITHSCORES; ZRANDMEMBER f -4 WITHSCORES; "
        "CONFIG SET zset-max-listpack-entries 2; ZADD big 1 a 2 b 3 c 4 d 5 e 6 f 7 g 8 h 9 i 10 j; "
        "OBJECT ENCODING big; ZRANDMEMBER big; ZRANDMEMBER big 4 WITHSCORES; ZRANDMEMBER big 9; ZRANDMEMBER big 10; "
        "ZRANDMEMBER big 30 WITHSCORES; ZRANDMEMBER big -30")))
    G.append(("zset-setops", [S("ZADD a 1 x 2 y 3 z"), S("ZADD b 10 y 20 z 30 w"), S("SADD s x w q")] + cs(
        "ZUNION 2 a b; ZUNION 2 a b WITHSCORES; ZINTER 2 a b WITHSCORES; ZDIFF 2 a b WITHSCORES; ZDIFF 2 b a; "
        "ZUNION 2 a b WEIGHTS 2 0.5 WITHSCORES; ZUNION 2 a b AGGREGATE MAX WITHSCORES; "
        "ZUNION 2 a b AGGREGATE MIN WITHSCORES; ZUNION 2 a b AGGREGATE SUM WITHSCORES; "
        "ZUNION 2 a b WEIGHTS 1 -1 AGGREGATE MIN WITHSCORES; ZUNION 2 a b AGGREGATE MAX WEIGHTS 2 3 WITHSCORES; "
        "ZUNION 3 a b s WITHSCORES; ZINTER 2 a s WITHSCORES; ZINTER 2 s a WEIGHTS 5 1 WITHSCORES; "
        "ZDIFF 2 s a WITHSCORES; ZUNION 1 s WITHSCORES; ZUNION 2 a missing WITHSCORES; ZINTER 2 a missing; "
        "ZDIFF 2 missing a; ZUNION 1 missing; ZINTER 1 a; ZDIFF 1 a WITHSCORES; ZUNION 2 a a WITHSCORES; "
        "ZINTER 2 a a WEIGHTS 1 2 WITHSCORES; ZDIFF 2 a a; ZUNION 2 a b WEIGHTS 1; ZUNION 2 a b WEIGHTS 1 2 3; "
        "ZUNION 2 a b WEIGHTS 1 nan; ZUNION 2 a b WEIGHTS 1 abc; ZUNION 2 a b WEIGHTS inf 1 WITHSCORES; "
        "ZUNION 2 a b AGGREGATE AVG; ZUNION 2 a b AGGREGATE; ZUNION 2 a b aggregate max withscores; "
        "ZUNION 0 a; ZINTER 0 a; ZDIFF 0 a; ZUNION -1 a; ZUNION 3 a b; ZUNION abc a; ZUNION 1 a WITHSCORES extra; "
        "ZUNION 2 a b FOO; ZDIFF 2 a b WEIGHTS 1 2; ZDIFF 2 a b AGGREGATE SUM; ZUNION 1 a LIMIT 1; "
        "ZUNION 9223372036854775807 a; ZUNION 2147483648 a; SET str v; ZUNION 2 a str; ZUNION 2 missing str; "
        "ZINTER 2 str missing; ZINTER 2 missing str; ZDIFF 2 missing str; ZDIFF 2 a str; HSET h f v; ZUNION 2 a h; "
        "ZUNIONSTORE dst 2 a b; ZRANGE dst 0 -1 WITHSCORES; ZINTERSTORE dst 2 a b AGGREGATE MAX; "
        "ZRANGE dst 0 -1 WITHSCORES; ZDIFFSTORE dst 2 a b; ZRANGE dst 0 -1 WITHSCORES; ZUNIONSTORE dst 1 missing; "
        "EXISTS dst; ZINTERSTORE dst 2 a missing; EXISTS dst; ZUNIONSTORE dst 2 a b WITHSCORES; "
        "ZDIFFSTORE dst 2 a b WEIGHTS 1 1; "
        "ZUNIONSTORE dst 0 a; ZINTERSTORE dst 0 a; ZDIFFSTORE dst 0 a; ZUNIONSTORE dst 2 a s WEIGHTS 1 10; "
        "ZRANGE dst 0 -1 WITHSCORES; ZINTERSTORE a 2 a b; ZRANGE a 0 -1 WITHSCORES; ZUNIONSTORE str 1 b; TYPE str; "
        "ZUNIONSTORE dst 2 b str; ZADD n1 -inf a inf b 0 c; ZADD n2 inf a -inf b 5 c; "
        "ZUNION 2 n1 n2 WITHSCORES; ZINTER 2 n1 n2 AGGREGATE MAX WITHSCORES; ZUNION 2 n1 n2 WEIGHTS 0 1 WITHSCORES; "
        "ZUNION 1 n1 WEIGHTS -1 WITHSCORES; ZUNION 1 n1 WEIGHTS 0 WITHSCORES; ZINTERCARD 2 n1 n2; "
        "ZINTERCARD 1 b; ZINTERCARD 2 b s; ZINTERCARD 2 b s LIMIT 1; ZINTERCARD 2 b b LIMIT 0; "
        "ZINTERCARD 2 b b LIMIT -1; "
        "ZINTERCARD 2 b b LIMIT abc; ZINTERCARD 0 b; ZINTERCARD 3 b s; ZINTERCARD 1 b FOO; ZINTERCARD 1 missing; "
        "ZINTERCARD 2 b str; ZINTERCARD 2 missing str; ZINTERCARD 1 b WEIGHTS 1; zunion 2 a b withscores")))
    G.append(("zset-scan", [S("ZADD z 1 a 2 b 3 c 1.5 ab 0.1 x1")] + cs(
        "ZSCAN z 0; ZSCAN z 0 COUNT 1; ZSCAN z 0 MATCH a*; ZSCAN z 0 MATCH *1; ZSCAN missing 0;"
        "ZSCAN missing 0 COUNT abc; "
        "ZSCAN z abc; "
        "ZSCAN z 0 COUNT 0; ZSCAN z 0 MATCH; ZSCAN z 0 FOO bar; ZADD big " +
        " ".join("%d m%d" % (i, i) for i in range(200)) + "; OBJECT ENCODING big; ZSCAN big 0; "
        "ZSCAN big 0 COUNT 9; ZSCAN big 0 MATCH m1*; SET str v; ZSCAN str 0; zscan z 0 match X*")))
    G.append(("zset-encoding", [S("ZADD z 1 a")] + cs(
        "OBJECT ENCODING z; CONFIG GET zset-max-listpack-entries; CONFIG GET zset-max-listpack-value; "
        "CONFIG GET zset-max-ziplist-entries; CONFIG GET zset-max-ziplist-value; CONFIG GET zset-max-*; "
        "CONFIG SET zset-max-listpack-entries 3; ZADD z 2 b 3 c; OBJECT ENCODING z; ZADD z 4 d; OBJECT ENCODING z; "
        "ZREM z a b c; OBJECT ENCODING z; ZADD four 1 a 2 b 3 c 4 d; OBJECT ENCODING four; "
        "CONFIG SET zset-max-listpack-value 8; ZADD v 1 12345678; OBJECT ENCODING v; ZADD v 2 123456789; "
        "OBJECT ENCODING v; ZADD v2 1 123456789; OBJECT ENCODING v2; ZINCRBY v3 1 123456789; OBJECT ENCODING v3; "
        "ZADD v4 INCR 1 123456789; OBJECT ENCODING v4; ZADD lp 1 a 2 b; ZUNIONSTORE u 2 lp four; OBJECT ENCODING u; "
        "ZUNIONSTORE u2 1 lp; OBJECT ENCODING u2; ZINTERSTORE i 2 four four; OBJECT ENCODING i; "
        "ZDIFFSTORE d 2 four lp; OBJECT ENCODING d; ZRANGE d 0 -1; COPY four four2; OBJECT ENCODING four2; "
        "CONFIG SET zset-max-ziplist-entries 5; CONFIG GET zset-max-listpack-entries; "
        "CONFIG SET zset-max-ziplist-value 10; CONFIG GET zset-max-listpack-value; "
        "CONFIG SET zset-max-listpack-entries 0; ZADD zero 1 a; OBJECT ENCODING zero; "
        "CONFIG SET zset-max-listpack-entries -1; CONFIG SET zset-max-listpack-value abc; "
        "CONFIG SET zset-max-listpack-entries 128; SADD s 1 2 3; ZUNIONSTORE fromset 1 s; OBJECT ENCODING fromset; "
        "ZRANGE fromset 0 -1 WITHSCORES")))
    return G


def generic_groups():
    G = []
    G.append(("sort-basic", [S("RPUSH l 3 1 2 10 -1.5 1e1")] + cs(
        "SORT l; SORT l DESC; SORT l ASC; SORT l ALPHA; SORT l ALPHA DESC; SORT l LIMIT 0 2; SORT l LIMIT 1 -1; "
        "SORT l LIMIT -1 2; SORT l LIMIT 0 9223372036854775807; SORT l LIMIT 9223372036854775807 1; "
        "SORT l LIMIT -9223372036854775808 9223372036854775807; SORT l LIMIT 5 1; SORT l LIMIT 6 1; SORT l LIMIT 2 0; "
        "SORT l LIMIT abc 1; SORT l LIMIT 0; SORT l LIMIT; SORT l DESC LIMIT 1 2; SORT l LIMIT 1 2 LIMIT 0 1; "
        "SORT l BY nosort; SORT l BY nosort DESC; SORT l BY nosort LIMIT 1 2; SORT l BY nosort DESC LIMIT 1 2; "
        "SORT l BY nosort LIMIT 4 10; SORT l BY nosort LIMIT 10 10; SORT l STORE dst; LRANGE dst 0 -1; TYPE dst; "
        "SORT l DESC STORE dst; LRANGE dst 0 -1; SORT missing; SORT missing STORE dst; EXISTS dst; SORT missing ALPHA; "
        "SET str v; SORT str; HSET h a 1; SORT h; SORT str STORE dst; SORT l STORE str; TYPE str; LRANGE str 0 -1; "
        "RPUSH bad a 1 b; SORT bad; SORT bad ALPHA; SORT bad DESC ALPHA LIMIT 0 2; SORT bad BY nosort; "
        "SORT_RO l; SORT_RO l DESC LIMIT 0 3; SORT_RO l STORE dst; SORT_RO missing; SORT_RO str; SORT l FOO; "
        "SORT l STORE; SORT l BY; SORT l GET; SORT l ALPHA ALPHA DESC ASC; sort l desc alpha; "
        "RPUSH nums 1.5 01 1 +1 0x10 inf -inf ' 2' 1e5; SORT nums; SORT nums DESC; SORT nums LIMIT 1 3; "
        "RPUSH nan nan; SORT nan; RPUSH empty '' -1 1; SORT empty; SORT empty ALPHA; "
        "RPUSH bin a b A B 10 9") + [C("RPUSH", "bin", b"\xff", b"\x01", "", "aa"), C("SORT bin ALPHA"),
                                      C("SORT bin ALPHA DESC"), C("SORT bin ALPHA STORE out"), C("LRANGE out 0 -1")] +
        # last: a number out of double range (Redis's numeric SORT then fails
        # until errno is reset by something else -- a Redis quirk not to test)
        cs("RPUSH huge 1e400; SORT huge")))
    G.append(("sort-by-get", [S("RPUSH ids 1 2 3 4")] + cs(
        "MSET w_1 30 w_2 10 w_3 20 w_4 20 name_1 one name_2 two name_3 three; HSET obj_1 f x g 3; "
        "HSET obj_2 f y g 1; HSET obj_3 f z g 2; SORT ids BY w_*; SORT ids BY w_* DESC; SORT ids BY w_* GET name_*; "
        "SORT ids BY w_* GET # GET name_*; SORT ids GET name_* GET # GET obj_*->f; SORT ids BY obj_*->g; "
        "SORT ids BY obj_*->g GET obj_*->f DESC; SORT ids GET nosuch_*; SORT ids GET nostar; "
        "SORT ids BY w_* LIMIT 0 2 GET name_*; "
        "SORT ids BY w_* DESC LIMIT 1 2 GET # GET w_*; SORT ids BY w_* STORE dst; LRANGE dst 0 -1; "
        "SORT ids BY w_* GET name_* STORE dst; LRANGE dst 0 -1; SORT ids BY nosort GET name_*; "
        "SORT ids BY nosort GET # GET obj_*->g DESC; SORT ids BY nosuch_*; SORT ids BY nosuch_* DESC; "
        "SORT ids GET obj_*->; SORT ids GET obj_*->nofield; SORT ids GET name_*->f; "
        "SORT ids BY name_* ALPHA LIMIT 0 3; "
        "SORT ids GET #->f; SORT ids GET *; SORT ids BY obj_*->f ALPHA; SORT ids BY obj_*->f ALPHA DESC GET obj_*->g; "
        "SET w_1 abc; SORT ids BY w_*; SORT ids BY w_* ALPHA; SORT_RO ids BY w_* ALPHA GET #; "
        "RPUSH w_2 x; SORT ids BY w_* ALPHA LIMIT 0 1; SORT ids GET w_*; SORT_RO ids GET # GET name_* LIMIT 1 2; "
        "SADD ks 1 2 3; SORT ks BY w_* ALPHA GET #; HSET hk f v; SORT ids GET hk; SORT ids BY hk")))
    G.append(("sort-set-zset", [S("SADD s 3 1 2 10"), S("SADD t b a c 1")] + cs(
        "SORT s; SORT s DESC; SORT s ALPHA; SORT s BY nosort; SORT s BY nosort STORE dst; LRANGE dst 0 -1; "
        "SORT s BY nosort DESC STORE dst; LRANGE dst 0 -1; SORT s BY nosort LIMIT 0 2 STORE dst; LRANGE dst 0 -1; "
        "SORT t; SORT t ALPHA; SORT t ALPHA DESC LIMIT 1 2; SORT t BY nosort; SORT t BY nosort STORE dst; "
        "LRANGE dst 0 -1; SORT t BY nosort LIMIT 0 2; SORT_RO t BY nosort ALPHA; ZADD z 1 c 2 a 3 b 3 d; "
        "SORT z ALPHA; SORT z BY nosort; SORT z BY nosort DESC; SORT z BY nosort LIMIT 1 2; "
        "SORT z BY nosort DESC LIMIT 0 3; SORT z BY nosort LIMIT 5 1; SORT z BY nosort STORE dst; LRANGE dst 0 -1; "
        "OBJECT ENCODING z; SORT z; ZADD zn 1 10 2 9 3 8; SORT zn; SORT zn BY nosort; "
        "SORT zn BY nosort GET # DESC LIMIT 0 2; OBJECT ENCODING zn; ZRANGE zn 0 -1 WITHSCORES")))
    G.append(("type-encoding-scan", [S("RPUSH l a"), S("HSET h f v"), S("SADD s a"), S("ZADD z 1 a")] + cs(
        "SET str v; SADD i 1; TYPE l; TYPE h; TYPE s; TYPE z; TYPE str; TYPE i; TYPE missing; OBJECT ENCODING l; "
        "OBJECT ENCODING h; OBJECT ENCODING s; OBJECT ENCODING z; OBJECT ENCODING i; OBJECT ENCODING missing; "
        "KEYS *; DBSIZE; RANDOMKEY; RANDOMKEY extra") + [
        K.SCANALL("TYPE", "list"), K.SCANALL("TYPE", "hash"), K.SCANALL("TYPE", "set"), K.SCANALL("TYPE", "zset"),
        K.SCANALL("TYPE", "string"), K.SCANALL("TYPE", "ZSET"), K.SCANALL("TYPE", "stream"),
        K.SCANALL("TYPE", "nosuchtype"), K.SCANALL("MATCH", "*", "TYPE", "set", "COUNT", "1"),
    ] + cs("FLUSHALL; RANDOMKEY")))
    G.append(("generic-ops", [S("RPUSH l a b"), S("HSET h f v"), S("SADD s 1 x"), S("ZADD z 1 a 2 b")] + cs(
        "RENAME l l2; TYPE l2; LRANGE l2 0 -1; RENAME h h2; HGETALL h2; RENAME s l2; TYPE l2; SMEMBERS l2; "
        "RENAMENX z l2; RENAMENX z z2; ZRANGE z2 0 -1 WITHSCORES; COPY h2 h3; HGETALL h3; COPY h2 h3; "
        "COPY h2 h3 REPLACE; "
        "COPY z2 l2; COPY z2 l2 REPLACE; TYPE l2; ZRANGE l2 0 -1; COPY z2 z9 DB 1; SELECT 1; TYPE z9; "
        "ZRANGE z9 0 -1 WITHSCORES; OBJECT ENCODING z9; ZADD z9 3 c; SELECT 0; ZCARD z2; COPY h2 h2; COPY h2 h2 DB 0; "
        "COPY h2 h4 DB 1 REPLACE; MOVE h2 1; EXISTS h2; SELECT 1; HGETALL h2; MOVE h2 0; MOVE h4 0; SELECT 0; "
        "HGETALL h4; RPUSH ml x; SELECT 1; RPUSH ml y; SELECT 0; MOVE ml 1; LRANGE ml 0 -1; "
        "EXPIRE h4 100; TTL h4; PERSIST h4; TTL h4; EXPIRE z2 100; RENAME z2 z5; TTL z5; COPY z5 z6; TTL z6; "
        "PEXPIRE l2 100000; PTTL l2; EXPIRE l2 0; EXISTS l2; SADD exp 1; EXPIRE exp -1; EXISTS exp; "
        "RPUSH e1 a; HSET e2 a b; SADD e3 a; ZADD e4 1 a; DEL e1 e2 e3 e4 missing; EXISTS e1 e2 e3 e4; "
        "RPUSH e1 a; HSET e2 a b; UNLINK e1 e2; EXISTS e1 e2; RPUSH t a; SET t v; TYPE t; HSET t f v; "
        "GETDEL t; HSET t f v; GETSET t v; SET t2 v; RPUSH t2 x; DBSIZE; SWAPDB 0 1; ZRANGE z9 0 -1; SWAPDB 0 1; "
        "TOUCH h3 z5 missing")))
    G.append(("emptied-keys", [S("RPUSH l a b")] + cs(
        "LPOP l; RPOP l; EXISTS l; RPUSH l a b; LPOP l 5; EXISTS l; RPUSH l a a; LREM l 0 a; EXISTS l; "
        "RPUSH l a b; LTRIM l 5 6; EXISTS l; RPUSH l a; LMOVE l l2 LEFT LEFT; EXISTS l; RPOPLPUSH l2 l; EXISTS l2; "
        "LMPOP 1 l LEFT COUNT 5; EXISTS l; HSET h a 1 b 2; HDEL h a b; EXISTS h; SADD s a b; SREM s a b; EXISTS s; "
        "SADD s a; SPOP s 5; EXISTS s; SADD s a; SPOP s; EXISTS s; SADD s a; SMOVE s s2 a; EXISTS s; SMOVE s2 s a; "
        "SREM s a; EXISTS s; ZADD z 1 a 2 b; ZREM z a b; EXISTS z; ZADD z 1 a; ZREMRANGEBYSCORE z -inf +inf; "
        "EXISTS z; ZADD z 1 a; ZREMRANGEBYLEX z - +; EXISTS z; ZADD z 1 a; ZREMRANGEBYRANK z 0 -1; EXISTS z; "
        "ZADD z 1 a 2 b; ZPOPMIN z 5; EXISTS z; ZADD z 1 a; ZPOPMAX z; EXISTS z; ZADD z 1 a; ZMPOP 1 z MAX COUNT 3; "
        "EXISTS z; SET dst x; SINTERSTORE dst missing; EXISTS dst; SET dst x; ZUNIONSTORE dst 1 missing; EXISTS dst; "
        "SET dst x; SORT missing STORE dst; EXISTS dst; SET dst x; ZRANGESTORE dst missing 0 -1; EXISTS dst; "
        "SET dst x; SDIFFSTORE dst missing; EXISTS dst; DBSIZE; KEYS *")))
    G.append(("config-thresholds", cs(
        "CONFIG GET hash-max-listpack-entries; CONFIG GET hash-max-listpack-value; CONFIG GET set-max-intset-entries; "
        "CONFIG GET zset-max-listpack-entries; CONFIG GET zset-max-listpack-value; CONFIG GET list-max-listpack-size; "
        "CONFIG GET list-compress-depth; CONFIG GET hash-max-ziplist-entries; CONFIG GET hash-max-ziplist-value; "
        "CONFIG GET zset-max-ziplist-entries; CONFIG GET zset-max-ziplist-value; CONFIG GET list-max-ziplist-size; "
        "CONFIG GET *-max-listpack-*; CONFIG GET *listpack*; CONFIG GET *ziplist*; CONFIG GET *intset*; "
        "CONFIG GET hash-max-listpack-entries zset-max-ziplist-value; "
        "CONFIG GET hash-max-listpack-entries hash-max-ziplist-entries; "
        "CONFIG SET hash-max-listpack-entries 64; CONFIG GET hash-max-*; CONFIG SET hash-max-ziplist-value 32; "
        "CONFIG GET hash-max-*; CONFIG SET set-max-intset-entries 16; CONFIG GET set-max-intset-entries; "
        "CONFIG SET zset-max-ziplist-entries 32 zset-max-listpack-value 16; CONFIG GET zset-max-*; "
        "CONFIG SET list-max-ziplist-size 16; CONFIG GET list-max-*; CONFIG SET set-max-intset-entries -5; "
        "CONFIG SET zset-max-listpack-entries 1.5; CONFIG SET list-max-listpack-size 1kb; "
        "CONFIG GET list-max-listpack-size; "
        "CONFIG SET list-max-listpack-size -2; CONFIG SET list-compress-depth abc; "
        "CONFIG SET set-max-listpack-entries 5; "
        "CONFIG GET set-max-listpack-entries; CONFIG SET set-max-intset-entries 0x10; "
        "CONFIG SET hash-max-listpack-value 5mb; "
        "CONFIG GET hash-max-listpack-value")))
    return G


WT_CMDS = {
    LIST: "LPUSH $ x; RPUSH $ x; LPUSHX $ x; RPUSHX $ x; LPOP $; RPOP $ 2; LLEN $; LRANGE $ 0 -1; LINDEX $ 0; "
          "LSET $ 0 x; LINSERT $ BEFORE a b; LREM $ 0 a; LTRIM $ 0 1; LPOS $ a; LPOS $ a COUNT 0; "
          "LMOVE $ ok LEFT LEFT; "
          "LMOVE ok $ LEFT LEFT; RPOPLPUSH $ ok; RPOPLPUSH ok $; LMPOP 1 $ LEFT; LMPOP 2 missing $ LEFT; "
          "BLPOP $ 0; BRPOP missing $ 0; BLMOVE $ ok LEFT LEFT 0; BLMOVE ok $ LEFT LEFT 0; BRPOPLPUSH $ ok 0; "
          "BLMPOP 0 1 $ LEFT; LPOP $ 0; LRANGE $ abc 1; LINDEX $ abc; LPOS $ a RANK 0",
    HASH: "HSET $ f v; HSETNX $ f v; HGET $ f; HMGET $ f g; HMSET $ f v; HDEL $ f; HLEN $; HSTRLEN $ f; "
          "HEXISTS $ f; HKEYS $; HVALS $; HGETALL $; HINCRBY $ f 1; HINCRBYFLOAT $ f 1; HRANDFIELD $; "
          "HRANDFIELD $ 2 WITHVALUES; HSCAN $ 0; HINCRBY $ f abc; HRANDFIELD $ abc; HSCAN $ abc",
    SET: "SADD $ a; SREM $ a; SCARD $; SISMEMBER $ a; SMISMEMBER $ a b; SMEMBERS $; SRANDMEMBER $; "
         "SRANDMEMBER $ 2; SPOP $; SPOP $ 2; SMOVE $ okset a; SMOVE okset $ a; SINTER $; SINTER okset $; "
         "SINTERCARD 1 $; SUNION $ okset; SDIFF okset $; SINTERSTORE dst $; SUNIONSTORE dst okset $; "
         "SDIFFSTORE dst $; SSCAN $ 0; SPOP $ -1; SRANDMEMBER $ abc",
    ZSET: "ZADD $ 1 a; ZADD $ INCR 1 a; ZINCRBY $ 1 a; ZREM $ a; ZCARD $; ZSCORE $ a; ZMSCORE $ a; ZRANK $ a; "
          "ZREVRANK $ a; ZCOUNT $ 0 1; ZLEXCOUNT $ - +; ZRANGE $ 0 -1; ZRANGE $ 0 1 BYSCORE; ZRANGESTORE dst $ 0 -1; "
          "ZRANGEBYSCORE $ 0 1; ZREVRANGEBYSCORE $ 1 0; ZRANGEBYLEX $ - +; ZREVRANGEBYLEX $ + -; ZREVRANGE $ 0 1; "
          "ZREMRANGEBYRANK $ 0 1; ZREMRANGEBYSCORE $ 0 1; ZREMRANGEBYLEX $ - +; ZPOPMIN $; ZPOPMAX $ 2; "
          "ZMPOP 1 $ MIN; ZRANDMEMBER $; ZRANDMEMBER $ 2 WITHSCORES; ZUNION 1 $; ZINTER 2 okz $; ZDIFF 1 $; "
          "ZUNIONSTORE dst 1 $; ZINTERSTORE dst 1 $; ZDIFFSTORE dst 1 $; ZINTERCARD 1 $; ZSCAN $ 0; "
          "BZPOPMIN $ 0; BZPOPMAX missing $ 0; BZMPOP 0 1 $ MIN; ZADD $ abc a; ZRANGE $ abc 1; ZCOUNT $ abc 1; "
          "ZPOPMIN $ -1",
    "generic": "SORT $; SORT_RO $; SORT $ ALPHA; SORT $ STORE dst2; SORT $ BY nosort",
}


def wrongtype_groups():
    """Every data-type command against a key of every other type (and a
    string): WRONGTYPE, or an argument error where Redis checks arguments
    first; the key must be unchanged afterwards."""
    G = []
    make = {"string": "SET $ str", LIST: "RPUSH $ a b", HASH: "HSET $ a b", SET: "SADD $ a b",
            ZSET: "ZADD $ 1 a 2 b"}
    dump = {"string": "GET $", LIST: "LRANGE $ 0 -1", HASH: "HGETALL $", SET: "SMEMBERS $",
            ZSET: "ZRANGE $ 0 -1 WITHSCORES"}
    for holder in ("string", LIST, HASH, SET, ZSET):
        mk, dp = make[holder].replace("$", "wk"), dump[holder].replace("$", "wk")
        steps = [S(mk), S("RPUSH ok x"), S("SADD okset a"), S("ZADD okz 1 a")]
        for typ in (LIST, HASH, SET, ZSET, "generic"):
            if typ == holder or (typ == "generic" and holder not in (HASH, "string")):
                continue
            steps += cs(WT_CMDS[typ].replace("$", "wk"))
            steps += cs(dp + "; TYPE wk; " + mk)
        steps += cs(dp + "; TYPE wk; LRANGE ok 0 -1; SMEMBERS okset; ZRANGE okz 0 -1; EXISTS dst dst2")
        G.append(("wrongtype-" + (holder if isinstance(holder, str) else holder.decode()), steps))
    return G


def types_groups():
    G = []
    G += arity_groups()
    G += list_groups()
    G += hash_groups()
    G += set_groups()
    G += zset_groups()
    G += generic_groups()
    G += wrongtype_groups()
    return G


def run_types(h, filt):
    """Part "types": the hand groups (restoring the encoding thresholds after
    each), then the keyspace notification groups (notify_groups, on the
    named-connection runner of compat.run_pubsub)."""
    read_defaults(h)
    for name, steps in types_groups():
        label = "types:" + name
        if filt and filt not in label:
            continue
        h.run_group(label, steps)
        restore_config(h)
        if not h.test.server.alive():
            raise K.Abort("ferrokv process died (exit %s) during group %s%s:\n%s" % (
                h.test.server.proc.returncode, h.tag, label, h.test.server.log_tail()))
    h.fresh()
    K.run_pubsub(h, filt, "types")



# --------------------------------------------------------------------------
# Keyspace notifications for the data-type commands (part "types", run on
# compat.run_pubsub: "pub" runs the command, "sub" is PSUBSCRIBEd to
# __key*__:* and the exact sequence of pmessages it received is compared
# after every step).  The command's own reply is compared too, so SPOP only
# pops whole sets (or single members) and unordered replies (SMEMBERS, SUNION
# ...) are compared sorted.
# --------------------------------------------------------------------------

UNORDERED = {b"SMEMBERS", b"SUNION", b"SINTER", b"SDIFF", b"SPOP", b"HKEYS", b"HVALS", b"KEYS"}


def nts(text):
    out = []
    for x in text.split(";"):
        if x.strip():
            a = K.argv(shlex.split(x))
            out.append(("n", "pub", a, "sorted" if a[0].upper() in UNORDERED else None))
    return out


def notify_groups():
    CFG = "CONFIG SET notify-keyspace-events"

    def setup(flags="KEA"):
        return [K.PSETUP("pub", CFG, flags), K.PSETUP("sub", "PSUBSCRIBE __key*__:*")]
    G = []
    G.append(("notify-lists", setup() + nts(
        "LPUSH l a b; RPUSH l c; LPUSHX l x; RPUSHX l y; LPUSHX nol x; RPUSHX nol y; LINSERT l BEFORE c new; "
        "LINSERT l AFTER nope x; LINSERT nol BEFORE a b; LSET l 0 z; LSET l 100 z; LSET nol 0 z; LREM l 1 a; "
        "LREM l 0 nope; LTRIM l 0 3; LTRIM l 0 100; LTRIM l 0 -1; LPOP l; RPOP l; LPOP l 0; LPOP nol; RPOP l 10; "
        "RPUSH l a b c; LMOVE l l2 LEFT RIGHT; LMOVE l l LEFT RIGHT; RPOPLPUSH l l2; RPOPLPUSH nol l2; "
        "LMOVE l l2 RIGHT LEFT; LMPOP 2 nol l2 RIGHT COUNT 2; LMPOP 1 l2 LEFT; LMPOP 1 l2 LEFT; RPUSH l a; "
        "LTRIM l 1 0; RPUSH l a b; LREM l 0 a; LREM l 0 b; RPUSH l a b c; BLPOP l 0; BRPOP l nol 0; "
        "BLMOVE l l2 LEFT LEFT 0; RPUSH l x; BRPOPLPUSH l l2 0; BLMPOP 0 1 l2 LEFT COUNT 5; LRANGE l 0 -1; "
        "LLEN l; LINDEX l 0; LPOS l a; RPUSH l a; SET s v; LPUSH s x; LMOVE l s LEFT LEFT; LLEN l")))
    G.append(("notify-hashes", setup() + nts(
        "HSET h a 1 b 2; HSET h a 1; HSETNX h a 2; HSETNX h c 3; HMSET h d 4; HDEL h a nope; HDEL h nope; "
        "HDEL noh a; HINCRBY h n 5; HINCRBY h a1 0; HINCRBY h b abc; HINCRBYFLOAT h f 1.5; HINCRBYFLOAT h f inf; "
        "HINCRBYFLOAT h f 0; HSET h s str; HINCRBY h s 1; HGET h a; HMGET h a b; HLEN h; "
        "HEXISTS h b; HSTRLEN h b; HRANDFIELD nohash 2; HDEL h b c d n a1 f s; EXISTS h; HGETALL h; HSET h a 1; "
        "HDEL h a a; "
        "HINCRBY noh2 f 1; HINCRBYFLOAT noh3 f 1; HSETNX noh4 f v; HMSET noh5 f v g w")))
    G.append(("notify-sets", setup() + nts(
        "SADD s a b; SADD s a; SADD s c 1; SREM s a nope; SREM s nope; SREM nos a; SMOVE s s2 b; SMOVE s s2 nope; "
        "SMOVE nos s2 a; SMOVE s s c; SMOVE s2 s b; SPOP s 0; SPOP nos; SPOP nos 2; SPOP s 3; EXISTS s; "
        "SADD s x; SPOP s; EXISTS s; SADD s x y z; SPOP s 10; EXISTS s; SADD s a b; SADD t b c; "
        "SINTERSTORE d s t; SINTERSTORE d s nos; "
        "SINTERSTORE d nos; SUNIONSTORE d s t; SUNIONSTORE d nos; SDIFFSTORE d s t; SDIFFSTORE d t t; "
        "SADD d x; SDIFFSTORE d s s; SINTERSTORE s s t; SUNIONSTORE t t; SMEMBERS s; SISMEMBER s a; SCARD s; "
        "SINTER s t; SUNION s t; SDIFF s t; SINTERCARD 2 s t; SRANDMEMBER s; SMOVE t s c; SREM s b c; EXISTS s")))
    G.append(("notify-zsets", setup() + nts(
        "ZADD z 1 a 2 b; ZADD z 1 a; ZADD z CH 5 a; ZADD z XX 1 nope; ZADD z NX 1 a; ZADD z GT 0 a; ZADD z INCR 1 a; "
        "ZADD z NX INCR 1 a; ZADD z 3 c 1 a; ZINCRBY z 1 a; ZINCRBY z 0 a; ZINCRBY noz 1 m; ZADD z nan x; "
        "ZINCRBY z -inf a; ZINCRBY z inf a; ZREM z a nope; ZREM z nope; ZREM noz a; ZADD z 1 a 4 d 5 e 6 f; "
        "ZREMRANGEBYSCORE z 1 1; ZREMRANGEBYSCORE z 10 20; ZREMRANGEBYRANK z 0 0; ZREMRANGEBYRANK z 10 20; "
        "ZADD lz 0 a 0 b 0 c; ZREMRANGEBYLEX lz [a [a; ZREMRANGEBYLEX lz (z +; ZPOPMIN z; ZPOPMAX z 2; ZPOPMIN z 0; "
        "ZPOPMIN noz; ZADD z 1 a 2 b 3 c; ZMPOP 1 z MIN; ZMPOP 2 noz z MAX COUNT 5; ZADD z 1 a; ZADD y 2 b; "
        "ZUNIONSTORE d 2 z y; ZINTERSTORE d 2 z y; ZDIFFSTORE d 2 z y; ZDIFFSTORE d 1 noz; ZRANGESTORE r y 0 -1; "
        "ZRANGESTORE r y 5 6; ZRANGESTORE r noz 0 -1; ZUNIONSTORE z 2 z y; BZPOPMIN z 0; BZPOPMAX z y 0; "
        "ZADD z 1 a 2 b; BZMPOP 0 1 z MAX COUNT 1; ZRANGE z 0 -1; ZSCORE z a; ZCARD z; ZRANK z a; ZRANDMEMBER z; "
        "ZREM z a; EXISTS z; ZADD z 1 a; ZREMRANGEBYSCORE z -inf +inf; ZADD lz2 0 a; ZREMRANGEBYLEX lz2 - +")))
    G.append(("notify-generic", setup() + nts(
        "RPUSH l a b c; HSET h f v; SADD s a; ZADD z 1 a; SORT l ALPHA STORE dst; SORT l ALPHA STORE dst; SORT nol STORE dst; "
        "SORT nol STORE dst; SORT_RO l; SORT l; RENAME l l2; RENAME h h2; COPY s s2; COPY z z2 DB 1; MOVE h2 1; "
        "EXPIRE s 100; PERSIST s; EXPIRE z 0; DEL l2 s s2; DEL nokey; UNLINK z2 dst; TYPE h2; SELECT 1; "
        "HDEL h2 f; ZPOPMIN z2; SELECT 0; RPUSH t a; SET t str; RPUSH t2 a; GETDEL t2; HSET t3 a b; GETSET t3 v; "
        "FLUSHALL")))
    G.append(("notify-class-flags", setup("Kl") + nts(
        "RPUSH l a; HSET h a b; SADD s a; ZADD z 1 a; DEL l") + [K.P("pub", CFG, "Eh")] + nts(
        "RPUSH l a; HSET h b c; HDEL h b; SADD s b; ZADD z 2 b; DEL h") + [K.P("pub", CFG, "Ks")] + nts(
        "SADD s c; SREM s c; SPOP s 0; SMOVE s s3 a; ZADD z 3 c; SINTERSTORE d s s; RPUSH l b") +
        [K.P("pub", CFG, "Ez")] + nts("ZADD z 4 d; ZINCRBY z 1 d; ZREM z d; ZPOPMIN z; SADD s x; HSET h a b; DEL z") +
        [K.P("pub", CFG, "Eg$")] + nts("RPUSH l c; DEL l; SORT s ALPHA STORE dst; EXPIRE h 100; RENAME h h9") +
        [K.P("pub", CFG, "KEl")] + nts("RPUSH l a; SORT l ALPHA STORE dst2; LPOP l; EXISTS l") +
        [K.P("pub", CFG, "KEg")] + nts("RPUSH l a; SORT l ALPHA STORE dst3; LPOP l")))
    G.append(("notify-keymiss-new", setup("KEAm") + nts(
        "LRANGE nol 0 -1; LPOP nol; LINDEX nol 0; HGET noh a; HGETALL noh; HMGET noh a; SMEMBERS nos; SISMEMBER nos a; "
        "SCARD nos; ZSCORE noz a; ZRANGE noz 0 -1; ZCARD noz; SORT nol; LLEN nol; HLEN noh; RPUSH l a; LINDEX l 0; "
        "LINDEX l 5; HSET h a b; HGET h nofield; SINTER nos l2; ZUNIONSTORE d 1 noz; BLPOP nol l 0; "
        "LMOVE nol l LEFT LEFT; SMOVE nos s a; ZMSCORE noz a b") + [K.P("pub", CFG, "KEAn")] + nts(
        "RPUSH n1 a; RPUSH n1 b; HSET n2 a b; HSET n2 a c; SADD n3 a; ZADD n4 1 a; ZINCRBY n5 1 a; "
        "LMOVE n1 n6 LEFT LEFT; "
        "SMOVE n3 n7 a; SINTERSTORE n8 n7; SUNIONSTORE n8 n7; ZUNIONSTORE n9 1 n4; SORT n6 ALPHA STORE n10; "
        "ZRANGESTORE n11 n4 0 -1; HINCRBY n12 f 1; LPUSHX n13 a; SADD n3 b")))
    return G



# --------------------------------------------------------------------------
# Blocking part
# --------------------------------------------------------------------------
#
# Named connections (the PSSide machinery of compat.run_pubsub: "a", "b",
# "c" block, "d" writes; in the RESP3 pass each sends HELLO 3 first).  Step
# kinds:
#   P(conn, cmd)   command + sentinel PING, compare everything up to the
#                  sentinel's reply (used for every non-blocking command,
#                  including blocking commands that are served at once);
#   T(conn, cmd)   one command, one reply, no sentinel (inside MULTI);
#   B(conn, cmd)   send a command that blocks; nothing is read.  The step
#                  waits until the server counts one more blocked client (INFO
#                  clients: blocked_clients) before the next step, so the order
#                  in which clients blocked is the order of the steps even on a
#                  loaded machine.  A reply that arrives instead (the command
#                  did not block) is compared against "<blocked>";
#   RD(conn)       read the one reply of a blocked connection (after the step
#                  that wakes it, or after its timeout; waits up to
#                  BL_READ_TIMEOUT) and compare it;
#   Q(conn)        the connection must still be blocked: nothing may arrive
#                  within BL_QUIET s (compared as "<blocked>");
#   ID(conn)       CLIENT ID, recorded per server; "{conn}" arguments are
#                  replaced by it (CLIENT UNBLOCK {a}); replies are compared
#                  with ids normalised (n="ids");
#   UNBLOCKED(n)   wait until the server reports n blocked clients (closed
#                  sockets are noticed asynchronously);
#   CLOSE(conn), SLEEP(s).
# At the end of a group every connection still marked blocked gets a Q check
# (a server that woke it wrongly is reported), then all connections are
# closed, the keyspace flushed, the thresholds restored, and the harness
# waits until neither server reports blocked clients.
#
# Timeouts are short (0.2 .. 0.4 s, several clients time out in parallel) and
# only used where nothing else can wake the client; Redis checks timeouts in
# its cron (up to 100 ms late).  A client the server counted as blocked is
# "<blocked>" even if its timeout reply arrived before the step ended (that
# reply is read by the next RD step), so a loaded machine does not turn a
# timeout into an immediate reply.  If
# ferrokv does not count blocked clients in INFO, B steps fall back to a
# 50 ms pause (noted once).

BL_READ_TIMEOUT = 2.0
BL_QUIET = 0.05
BL_WAIT = 1.0


def B(conn, *a):
    return ("b", conn, K.argv(a), None)


def RD(conn, n=None):
    return ("r", conn, None, n)


def Q(conn):
    return ("q", conn, None, None)


def UNBLOCKED(n):
    return ("u", None, None, n)


def P(conn, *a, n=None):
    return K.P(conn, *a, n=n)


def PS(conn, text):
    """P steps from "CMD a; CMD b" on one connection."""
    return [K.P(conn, *shlex.split(x)) for x in text.split(";") if x.strip()]


def TS(conn, text):
    return [K.T(conn, *shlex.split(x)) for x in text.split(";") if x.strip()]


_BLOCKED_RE = re.compile(rb"blocked_clients:(\d+)")


def blocked_count(side):
    """blocked_clients of INFO clients, via the side's "probe" connection."""
    reps, st = side.call1("probe", [b"INFO", b"clients"])
    if st or not reps:
        return None
    v = reps[0][1]
    if v[0] not in "$=" or v[1] is None:
        return None
    m = _BLOCKED_RE.search(v[1])
    return int(m.group(1)) if m else None


def _has_data(c, wait):
    if c.buf:
        return True
    try:
        r, _, _ = select.select([c.sock], [], [], wait)
    except (OSError, ValueError):
        return True
    return bool(r)


def _read_one(side, name, timeout):
    """One reply of connection `name`: (raw, state)."""
    c = side.conns.get(name)
    if c is None:
        return b"", b"<closed>"
    c.sock.settimeout(timeout)
    try:
        raw, v = c.read_reply()
        return raw, b""
    except K.ConnFailure as e:
        return b"", side._failed(name, e)
    finally:
        if side.conns.get(name) is not None:
            c.sock.settimeout(K.PS_TIMEOUT)


def blocking_groups():
    G = []
    # ---------------------------------------------------- served at once
    G.append(("immediate", [K.PSETUP("a", "RPUSH", "k", "a", "b", "c", "d", "e")] + PS("a",
        "BLPOP k 0; BRPOP k 0; BLPOP missing k 0; BRPOP missing missing2 k 1; BRPOPLPUSH k dst 0; "
        "BLMOVE dst k LEFT RIGHT 0; BLMOVE k k LEFT RIGHT 0; LRANGE k 0 -1; RPUSH k f g h i; "
        "BLMPOP 0 1 k RIGHT COUNT 2; BLMPOP 0 2 missing k LEFT; BLMPOP 0.5 1 k LEFT COUNT 10; EXISTS k; "
        "RPUSH k x; BLPOP k k 0; EXISTS k; "
        "ZADD z 1 a 2 b 3 c 4 d 5 e; BZPOPMIN z 0; BZPOPMAX z 0; BZPOPMIN missing z 0.5; BZMPOP 0 1 z MIN; "
        "BZMPOP 0 2 missing z MAX COUNT 2; ZADD z 6 f 7 g; BZMPOP 1 1 z MIN COUNT 10; EXISTS z; ZADD z -inf a inf b; "
        "BZPOPMIN z 0; BZPOPMAX z 0; RPUSH k 1; blpop k 0; RPUSH k 1 2; BLPOP k 0.0001; BLPOP k -0; "
        "RPUSH k 3; BLMPOP 0x10 1 k left")))
    G.append(("immediate-errors", [K.PSETUP("a", "RPUSH", "k", "a")] + PS("a",
        "BLPOP k -1; BLPOP k abc; BLPOP k inf; BLPOP k -inf; BLPOP k nan; BLPOP k 1e100; "
        "BLPOP k 9223372036854775807; BLPOP k 9223372036854776; BLPOP k ''; BLPOP k ' 1'; BLPOP k '1 '; "
        "BLPOP k 1,5; BLPOP k 1.5.5; BLPOP k -0.0001; BRPOP k -1; BLMOVE k d LEFT LEFT -1; "
        "BLMOVE k d LEFT LEFT abc; BLMOVE k d UP LEFT 0; BLMOVE k d LEFT LEFT; BRPOPLPUSH k d -1; "
        "BRPOPLPUSH k d abc; BLMPOP -1 1 k LEFT; BLMPOP abc 1 k LEFT; BLMPOP 0 0 k LEFT; BLMPOP 0 -1 k LEFT; "
        "BLMPOP 0 2 k LEFT; BLMPOP 0 1 k UP; BLMPOP 0 1 k LEFT COUNT 0; BLMPOP 0 1 k LEFT COUNT -1; "
        "BLMPOP 0 1 k LEFT COUNT abc; BLMPOP 0 1 k LEFT COUNT 1 COUNT 2; BLMPOP 0 1 k LEFT FOO; "
        "BLMPOP 0 abc k LEFT; BLMPOP 0 2147483648 k LEFT; BZPOPMIN z -1; BZPOPMAX z abc; BZMPOP -1 1 z MIN; "
        "BZMPOP 0 0 z MIN; BZMPOP 0 1 z LEFT; BZMPOP 0 1 z MIN COUNT 0; BZMPOP 0 2 z MIN; BZMPOP abc 1 z MIN; "
        "SET s v; BLPOP s 0; BLPOP missing s 0; BLPOP k s 0; BLPOP s k 0; RPUSH k a; BRPOP s 0; "
        "BLMOVE s d LEFT LEFT 0; "
        "BLMOVE k s LEFT LEFT 0; LRANGE k 0 -1; BLMOVE missing s LEFT LEFT 0.05; BRPOPLPUSH k s 0; BRPOPLPUSH s k 0; "
        "BLMPOP 0 2 missing s LEFT; BLMPOP 0 2 k s LEFT; BZPOPMIN s 0; BZPOPMIN missing s 0; RPUSH k a; "
        "BZPOPMAX k 0; "
        "RPUSH k a; BZMPOP 0 1 s MIN; BZMPOP 0 1 k MAX; LRANGE k 0 -1; BLPOP; BLPOP k; BRPOPLPUSH k d; BLMPOP 0 1 k")))
    # ---------------------------------------------------------- timeouts
    G.append(("timeouts", [K.PSETUP("d", "SET s v")] + [
        B("a", "BLPOP k 0.4"), B("b", "BRPOP k k2 0.4"), B("c", "BLMOVE k d LEFT RIGHT 0.4"),
        B("e", "BRPOPLPUSH k d 0.4"), B("f", "BLMPOP 0.4 2 k k2 LEFT COUNT 3"), B("g", "BZPOPMIN z 0.4"),
        B("h", "BZPOPMAX z z2 0.4"), B("i", "BZMPOP 0.4 1 z MIN"),
        RD("a"), RD("b"), RD("c"), RD("e"), RD("f"), RD("g"), RD("h"), RD("i"),
        P("a", "EXISTS k d z"), P("a", "PING"), P("i", "PING"),
        B("a", "BLPOP k 5"), B("b", "BLPOP k 0.2"), P("d", "RPUSH k x"), RD("a"), RD("b"),
        B("a", "blpop k 0.2"), RD("a"), B("a", "BLPOP k 2e-1"), RD("a"),
    ]))
    # ------------------------------------------------------ FIFO of waiters
    G.append(("fifo", [K.PSETUP("d", "DEL k")] + [
        B("a", "BLPOP k 0"), B("b", "BLPOP k 0"), B("c", "BLPOP k 0"), P("d", "RPUSH k 1 2"),
        RD("a"), RD("b"), Q("c"), P("d", "LLEN k"), P("d", "RPUSH k 3"), RD("c"), P("d", "EXISTS k"),
        B("a", "BRPOP k 0"), B("b", "BLPOP k 0"), B("c", "BRPOP k 0"), P("d", "RPUSH k x y z w"),
        RD("a"), RD("b"), RD("c"), P("d", "LRANGE k 0 -1"),
        B("a", "BLPOP k2 0"), B("b", "BLPOP k2 0"), P("d", "LPUSH k2 a b c"), RD("a"), RD("b"),
        P("d", "LRANGE k2 0 -1"), B("c", "BLPOP k3 0"), B("a", "BLPOP k3 0"), P("d", "RPUSH k3 only"),
        RD("c"), Q("a"), P("d", "LPUSH k3 next"), RD("a"),
    ]))
    G.append(("fifo-zset", [K.PSETUP("d", "DEL z")] + [
        B("a", "BZPOPMIN z 0"), B("b", "BZPOPMAX z 0"), B("c", "BZPOPMIN z 0"),
        P("d", "ZADD z 1 a 2 b 3 c 4 d"), RD("a"), RD("b"), RD("c"), P("d", "ZRANGE z 0 -1 WITHSCORES"),
        B("a", "BZMPOP 0 1 z2 MIN COUNT 10"), B("b", "BZPOPMIN z2 0"), P("d", "ZADD z2 1 a 2 b 3 c"),
        RD("a"), Q("b"), P("d", "ZINCRBY z2 2.5 m"), RD("b"), P("d", "EXISTS z2"),
        B("a", "BZPOPMIN z3 0"), P("d", "ZADD z3 INCR 1.5 x"), RD("a"),
        B("a", "BZPOPMAX z4 0"), P("d", "ZADD z4 1 a"), RD("a"), P("d", "ZADD z4 NX 1 a"), P("d", "EXISTS z4"),
    ]))
    G.append(("mixed-commands-fifo", [K.PSETUP("d", "DEL k")] + [
        B("a", "BLMPOP 0 1 k LEFT COUNT 2"), B("b", "BRPOPLPUSH k dst 0"), B("c", "BLMOVE k dst RIGHT RIGHT 0"),
        P("d", "RPUSH k 1 2 3 4 5"), RD("a"), RD("b"), RD("c"), P("d", "LRANGE k 0 -1"), P("d", "LRANGE dst 0 -1"),
        B("a", "BLMPOP 0 2 x y RIGHT COUNT 5"), P("d", "RPUSH y 1 2 3"), RD("a"), P("d", "EXISTS y"),
    ]))
    # ------------------------------------------------------- several keys
    G.append(("multi-key", [K.PSETUP("d", "DEL k1 k2")] + [
        B("a", "BLPOP k1 k2 0"), B("b", "BLPOP k2 0"), P("d", "RPUSH k2 x"), RD("a"), Q("b"),
        P("d", "RPUSH k1 y"), P("d", "LRANGE k1 0 -1"), P("d", "RPUSH k2 z"), RD("b"),
        B("a", "BRPOP k3 k4 k5 0"), P("d", "RPUSH k5 a b"), RD("a"), P("d", "LRANGE k5 0 -1"),
        B("a", "BLPOP k6 k6 0"), P("d", "RPUSH k6 v"), RD("a"),
        B("a", "BZPOPMIN z1 z2 0"), P("d", "ZADD z2 1 m"), RD("a"),
        B("a", "BLMPOP 0 3 m1 m2 m3 RIGHT COUNT 2"), P("d", "RPUSH m3 a b c"), RD("a"),
    ]))
    G.append(("exec-wakes-several", [K.PSETUP("d", "DEL k1 k2")] + [
        B("a", "BLPOP k1 0"), B("b", "BLPOP k2 0"), B("c", "BLPOP k2 k1 0"),
        K.T("d", "MULTI"), K.T("d", "RPUSH k1 a"), K.T("d", "RPUSH k2 b"), Q("a"), K.T("d", "EXEC"),
        RD("a"), RD("b"), Q("c"), P("d", "RPUSH k1 c"), RD("c"), P("d", "EXISTS k1 k2"),
        B("a", "BLPOP k1 k2 0"), B("b", "BLPOP k2 0"),
        K.T("d", "MULTI"), K.T("d", "RPUSH k2 x"), K.T("d", "RPUSH k1 y"), K.T("d", "EXEC"),
        RD("a"), Q("b"), P("d", "LRANGE k1 0 -1"), P("d", "LRANGE k2 0 -1"), P("d", "RPUSH k2 z"), RD("b"),
        B("a", "BLPOP k 0"), K.T("d", "MULTI"), K.T("d", "RPUSH k x"), K.T("d", "LPOP k"), K.T("d", "EXEC"),
        Q("a"), P("d", "RPUSH k y"), RD("a"),
        B("a", "BLPOP k 0"), K.T("d", "MULTI"), K.T("d", "RPUSH k 1 2"), K.T("d", "LRANGE k 0 -1"),
        K.T("d", "EXEC"), RD("a"), P("d", "LRANGE k 0 -1"),
        B("a", "BZPOPMIN z 0"), K.T("d", "MULTI"), K.T("d", "ZADD z 1 a"), K.T("d", "ZADD z 0 b"), K.T("d", "EXEC"),
        RD("a"), P("d", "ZRANGE z 0 -1 WITHSCORES"),
        P("d", "DEL k"), B("a", "BLPOP k 0"), K.T("d", "MULTI"), K.T("d", "RPUSH k x"), K.T("d", "DISCARD"),
        Q("a"),
        K.T("d", "MULTI"), K.T("d", "RPUSH k x"), K.T("d", "FOO"), K.T("d", "EXEC"), Q("a"), P("d", "RPUSH k z"),
        RD("a"),
    ]))
    # ------------------------------------------------------ chains
    G.append(("blmove-chain", [K.PSETUP("d", "DEL src dst")] + [
        B("a", "BLMOVE src dst RIGHT LEFT 0"), B("b", "BLPOP dst 0"), P("d", "RPUSH src x"), RD("a"), RD("b"),
        P("d", "EXISTS src dst"),
        B("a", "BRPOPLPUSH s1 s2 0"), B("b", "BRPOPLPUSH s2 s3 0"), B("c", "BLPOP s3 0"), P("d", "RPUSH s1 v"),
        RD("a"), RD("b"), RD("c"), P("d", "EXISTS s1 s2 s3"),
        B("a", "BRPOPLPUSH k k 0"), P("d", "RPUSH k a"), RD("a"), P("d", "LRANGE k 0 -1"),
        B("a", "BLMOVE m m LEFT RIGHT 0"), P("d", "RPUSH m 1 2 3"), RD("a"), P("d", "LRANGE m 0 -1"),
        B("a", "BLMOVE src2 dst2 LEFT LEFT 0"), B("b", "BLPOP src2 0"), P("d", "RPUSH src2 x"), RD("a"), Q("b"),
        P("d", "RPUSH src2 y"), RD("b"), P("d", "LRANGE dst2 0 -1"),
        B("a", "BLMOVE q1 q2 LEFT LEFT 0"), B("b", "BLMOVE q2 q1 LEFT LEFT 0"), P("d", "RPUSH q1 ping"),
        RD("a"), RD("b"), P("d", "LRANGE q1 0 -1"), P("d", "LRANGE q2 0 -1"),
        B("a", "BLMOVE w1 w2 LEFT LEFT 0"), P("d", "SET w2 str"), P("d", "RPUSH w1 x"), RD("a"),
        P("d", "LRANGE w1 0 -1"), P("d", "GET w2"),
    ]))
    # --------------------------------------------------- MULTI: no blocking
    G.append(("in-multi", [K.PSETUP("d", "SET s v")] + TS("a",
        "MULTI; BLPOP k 0; BRPOP k 1; BLMOVE k d LEFT LEFT 0; BRPOPLPUSH k d 0; BLMPOP 0 1 k LEFT; "
        "BZPOPMIN z 0; BZPOPMAX z 0; BZMPOP 0 1 z MIN COUNT 2; BLPOP s 0; BLPOP k -1; EXEC; "
        "RPUSH k a b; ZADD z 1 a; MULTI; BLPOP k 0; BRPOP k 0; BLPOP k 0; BZPOPMIN z 0; BZPOPMIN z 0; "
        "BLMPOP 0 1 k LEFT; EXEC; EXISTS k z") + [
        B("b", "BLPOP k 0"), K.T("a", "MULTI"), K.T("a", "BLPOP k 0"), K.T("a", "RPUSH k x"), K.T("a", "BLPOP k 0"),
        K.T("a", "EXEC"), Q("b"), P("a", "RPUSH k y"), RD("b"),
    ]))
    # ---------------------------------------------------- CLIENT UNBLOCK
    G.append(("client-unblock", [K.ID("a"), K.ID("b"), K.ID("d")] + [
        B("a", "BLPOP k 0"), P("d", "CLIENT UNBLOCK {a}"), RD("a"), P("d", "CLIENT UNBLOCK {a}"),
        B("a", "BLPOP k 0"), P("d", "CLIENT UNBLOCK {a} TIMEOUT"), RD("a"),
        B("a", "BLPOP k 0"), P("d", "CLIENT UNBLOCK {a} ERROR"), RD("a"), P("a", "PING"),
        B("a", "BRPOPLPUSH k dst 0"), P("d", "client unblock {a} error"), RD("a"),
        B("a", "BLMOVE k dst LEFT LEFT 0"), P("d", "CLIENT UNBLOCK {a}"), RD("a"),
        B("a", "BLMPOP 0 1 k LEFT COUNT 2"), P("d", "CLIENT UNBLOCK {a}"), RD("a"),
        B("a", "BZPOPMIN z 0"), P("d", "CLIENT UNBLOCK {a} TIMEOUT"), RD("a"),
        B("a", "BZPOPMAX z 0"), P("d", "CLIENT UNBLOCK {a} ERROR"), RD("a"),
        B("a", "BZMPOP 0 1 z MAX"), P("d", "CLIENT UNBLOCK {a}"), RD("a"),
        B("a", "BLPOP k 0"), B("b", "BLPOP k 0"), P("d", "CLIENT UNBLOCK {a}"), RD("a"), Q("b"),
        P("d", "RPUSH k v"), RD("b"),
        P("d", "CLIENT UNBLOCK {b}"), P("d", "CLIENT UNBLOCK {d}"), P("d", "CLIENT UNBLOCK 999999"),
        P("d", "CLIENT UNBLOCK 0"), P("d", "CLIENT UNBLOCK -1"), P("d", "CLIENT UNBLOCK abc"),
        P("d", "CLIENT UNBLOCK {b} FOO"), P("d", "CLIENT UNBLOCK {b} TIMEOUT extra"), P("d", "CLIENT UNBLOCK"),
        P("d", "CLIENT UNBLOCK 999999 ERROR"), P("d", "CLIENT UNBLOCK 999999 FOO"),
        B("a", "BLPOP k 5"), P("d", "CLIENT UNBLOCK {a} FOO"), Q("a"), P("d", "CLIENT UNBLOCK {a} timeout"), RD("a"),
    ]))
    # ------------------------------------------ type changes while blocked
    G.append(("type-changes", [K.PSETUP("d", "DEL k")] + [
        B("a", "BLPOP k 0"), P("d", "SET k str"), Q("a"), P("d", "DEL k"), P("d", "ZADD k 1 m"), Q("a"),
        P("d", "HSET k2 f v"), P("d", "RENAME k2 k"), Q("a"), P("d", "DEL k"), P("d", "RPUSH k v"), RD("a"),
        B("a", "BZPOPMIN z 0"), P("d", "RPUSH z x"), Q("a"), P("d", "DEL z"), P("d", "SADD z m"), Q("a"),
        P("d", "DEL z"), P("d", "ZADD z 1 m"), RD("a"),
        B("a", "BLPOP k 0"), B("b", "BZPOPMIN k 0"), P("d", "ZADD k 1 a"), RD("b"), Q("a"), P("d", "RPUSH k x"),
        RD("a"),
        B("a", "BLMPOP 0 2 k z LEFT"), P("d", "ZADD z 5 a"), Q("a"), P("d", "RPUSH k 1"), RD("a"),
        B("a", "BLPOP k 0"), P("d", "SET k v"), P("d", "GETDEL k"), P("d", "LPUSH k back"), RD("a"),
    ]))
    # -------------------------------------- keys appearing by other means
    G.append(("wake-by-other-commands", [K.PSETUP("d", "DEL k")] + [
        B("a", "BLPOP k 0"), P("d", "RPUSH src x"), P("d", "RENAME src k"), RD("a"), P("d", "EXISTS k"),
        B("a", "BLPOP k 0"), P("d", "LPUSH tmp y"), P("d", "LMOVE tmp k LEFT LEFT"), RD("a"),
        B("a", "BLPOP k 0"), P("d", "RPUSH t z"), P("d", "COPY t k"), RD("a"), P("d", "LRANGE t 0 -1"),
        B("a", "BLPOP k 0"), P("d", "RPUSH s1 3 1 2"), P("d", "SORT s1 STORE k"), RD("a"), P("d", "LRANGE k 0 -1"),
        P("d", "DEL k"),
        B("a", "BZPOPMIN z 0"), P("d", "ZADD z1 1 a 2 b"), P("d", "ZUNIONSTORE z 1 z1"), RD("a"),
        P("d", "ZRANGE z 0 -1"), P("d", "DEL z"),
        B("a", "BZPOPMAX z 0"), P("d", "ZRANGESTORE z z1 0 0"), RD("a"),
        B("a", "BZPOPMIN z 0"), P("d", "ZINTERSTORE z 2 z1 z1"), RD("a"), P("d", "DEL z"),
        B("a", "BZPOPMIN z 0"), P("d", "ZDIFFSTORE z 1 z1"), RD("a"), P("d", "DEL z"),
        B("a", "BLPOP k 0"), P("d", "SELECT 1"), P("d", "RPUSH k fromdb1"), P("d", "MOVE k 0"), RD("a"),
        B("a", "BLPOP k 0"), P("d", "RPUSH k swapped"), P("d", "SWAPDB 0 1"), RD("a"), P("d", "SELECT 0"),
        B("a", "BLPOP k 0"), P("d", "RPUSH r a b"), P("d", "RENAME r k"), RD("a"), P("d", "LRANGE k 0 -1"),
        P("d", "DEL k"),
        B("a", "BLPOP k 0"), P("d", "RPUSH k2 x"), P("d", "SET k str"), Q("a"), P("d", "COPY k2 k REPLACE"), RD("a"),
        B("a", "BLPOP k 0"), P("d", "RPUSH k1 a"), P("d", "RPUSHX k b"), P("d", "LPUSHX k c"), Q("a"),
        P("d", "LINSERT k BEFORE a b"), Q("a"), P("d", "RPUSH k last"), RD("a"),
        B("a", "BLPOP k 0"), P("d", "FLUSHALL"), Q("a"), P("d", "RPUSH k after-flush"), RD("a"),
        B("a", "BLPOP k 0"), P("d", "RPUSH k3 a"), P("d", "SELECT 2"), P("d", "COPY k3 k DB 0"), P("d", "SELECT 0"),
        P("d", "COPY k3 k DB 0"), RD("a"),
    ]))
    G.append(("other-db", [K.PSETUP("a", "SELECT 1")] + [
        B("a", "BLPOP k 0"), P("d", "RPUSH k db0"), Q("a"), P("d", "SELECT 1"), P("d", "RPUSH k db1"), RD("a"),
        P("d", "SELECT 0"), P("d", "LRANGE k 0 -1"), B("a", "BLPOP k 0"), P("d", "SWAPDB 0 1"), RD("a"),
        P("a", "DBSIZE"),
    ]))
    G.append(("close-while-blocked", [K.PSETUP("d", "DEL k")] + [
        B("a", "BLPOP k 0"), B("b", "BLPOP k 0"), K.CLOSE("a"), UNBLOCKED(1), P("d", "RPUSH k x"), RD("b"),
        B("c", "BLPOP k 0"), K.CLOSE("c"), UNBLOCKED(0), P("d", "RPUSH k y"), P("d", "LRANGE k 0 -1"),
        B("a", "BLPOP k2 0"), K.CLOSE("a"), UNBLOCKED(0), P("d", "RPUSH k2 z"), P("d", "LLEN k2"),
    ]))
    G.append(("resp-and-state-after-wake", [K.PSETUP("d", "DEL k")] + [
        B("a", "BLPOP k 0"), P("d", "RPUSH k 1"), RD("a"), P("a", "PING"), P("a", "BLPOP k 0.01"),
        B("a", "BLPOP k 0"), P("d", "RPUSH k 2"), RD("a"), P("a", "RPUSH k 3"), P("a", "BLPOP k 0"),
        B("a", "BLMPOP 0 1 k RIGHT COUNT 5"), P("d", "LPUSH k x y"), RD("a"),
        B("a", "BZMPOP 0 1 z MAX COUNT 5"), P("d", "ZADD z 1 a 2 b 3 c"), RD("a"), P("d", "ZCARD z"),
        B("a", "BRPOPLPUSH k d 0"), P("d", "RPUSH k", b"bin\x00\r\n\xff"), RD("a"), P("d", "LRANGE d 0 -1"),
    ]))
    return G


class _Blocking:
    def __init__(self, h):
        self.h = h
        proto = h.ref.default_proto
        self.ref = K.PSSide(h.ref, proto)
        self.test = K.PSSide(h.test, proto)
        self.seq = 0
        self.blocked = {}    # (side name, conn) -> True while blocked

    def token(self):
        self.seq += 1
        return b"__bl_sync_%d__" % self.seq

    def win(self, conn, args, norm, label, setup=False, single=False, record=False):
        """Like run_pubsub's window: returns True / False / None (setup failed
        on ferrokv) / "timeout"."""
        ref, test, h = self.ref, self.test, self.h
        if single:
            ra, sa = ref.call1(conn, ref.subst(args))
            rb, sb = test.call1(conn, test.subst(args))
        else:
            tok = self.token()
            ra, sa = ref.window(conn, ref.subst(args), tok)
            rb, sb = test.window(conn, test.subst(args), tok)
        if record:
            for side, reps in ((ref, ra), (test, rb)):
                if reps and reps[0][1][0] == ":":
                    side.ids[conn] = reps[0][1][1]
        ca, cb = ra, rb
        if norm == "ids":
            ca, cb = ref.norm_ids(ra), test.norm_ids(rb)
        # (a reference that times out is a bug of the group: reported)
        ok = sa == sb and K._ps_canon(ca, norm) == K._ps_canon(cb, norm) and sa != b"<TIMEOUT>"
        if setup and not ok and rb and rb[0][1][0] in "-!" and sb == b"":
            return None
        h.report(label, "%s> %s" % (conn, K.cmd_str(args)), K._ps_show(ra, sa), K._ps_show(rb, sb), ok)
        if b"<TIMEOUT>" in (sa, sb):
            return "timeout"
        return ok

    def block(self, conn, args, label):
        out = {}
        for side in (self.ref, self.test):
            before = blocked_count(side) if side.counts is not False else None
            c, err = side._get(conn)
            if c is None:
                out[side] = err or b"<closed>"
                continue
            try:
                c.sock.sendall(K.encode(side.subst(args)))
            except OSError:
                pass
            deadline = time.time() + BL_WAIT
            state = None
            observed = False
            if before is None:
                time.sleep(0.05)
            else:
                while time.time() < deadline:
                    if _has_data(c, 0):
                        break
                    n = blocked_count(side)
                    if n is not None and n > before:
                        side.counts = observed = True
                        break
                    time.sleep(0.002)
                else:
                    if side.counts is None and side is self.test:
                        side.counts = False
                        print("note: ferrokv's INFO clients does not count blocked clients "
                              "(blocked_clients); blocking steps wait 50 ms instead")
            # counted as blocked: blocked, even if a (timeout) reply is already
            # there (it is read by the next RD step)
            if not observed and _has_data(c, 0):
                raw, st = _read_one(side, conn, BL_READ_TIMEOUT)
                state = raw + st
            else:
                state = b"<blocked>"
                self.blocked[(side.side.name, conn)] = True
            out[side] = state
        ra, rb = out[self.ref], out[self.test]
        self.h.report(label, "%s> %s (blocks)" % (conn, K.cmd_str(args)), ra, rb, ra == rb)
        return ra == rb

    def read(self, conn, norm, label, what="(read)"):
        out = []
        for side in (self.ref, self.test):
            raw, st = _read_one(side, conn, BL_READ_TIMEOUT)
            self.blocked.pop((side.side.name, conn), None)
            if norm == "ids" and raw:
                raw = side.norm_ids([(raw, K.parse(raw)[0])])[0][0]
            out.append(raw + st)
        ra, rb = out
        ok = ra == rb and not ra.endswith(b"<TIMEOUT>")
        self.h.report(label, "%s> %s" % (conn, what), ra, rb, ok)
        if ra.endswith(b"<TIMEOUT>") or rb.endswith(b"<TIMEOUT>"):
            return "timeout"
        return ok

    def quiet(self, conn, label, what="(still blocked?)"):
        out = []
        for side in (self.ref, self.test):
            c = side.conns.get(conn)
            if c is None:
                out.append(b"<closed>")
            elif _has_data(c, BL_QUIET):
                raw, st = _read_one(side, conn, BL_READ_TIMEOUT)
                self.blocked.pop((side.side.name, conn), None)
                out.append(raw + st)
            else:
                out.append(b"<blocked>")
        ra, rb = out
        self.h.report(label, "%s> %s" % (conn, what), ra, rb, ra == rb)
        return ra == rb

    def wait_blocked(self, n):
        for side in (self.ref, self.test):
            if side.counts is False:
                time.sleep(0.05)
                continue
            deadline = time.time() + BL_WAIT
            while time.time() < deadline:
                c = blocked_count(side)
                if c is None or c <= n:
                    break
                time.sleep(0.005)

    def teardown(self, label, used):
        for conn in used:
            if any((side.side.name, conn) in self.blocked for side in (self.ref, self.test)):
                self.quiet(conn, label + ":teardown")
        self.blocked = {}
        for side in (self.ref, self.test):
            for name in list(side.conns):
                if name != "probe":
                    side.close(name)
            side.window("probe", [b"FLUSHALL"], self.token())
            for p, v in read_defaults(self.h).items():
                side.window("probe", [b"CONFIG", b"SET", p, v], self.token())
        self.wait_blocked(0)
        for side in (self.ref, self.test):
            for name in list(side.conns):
                if name != "probe":
                    side.conns.pop(name, None)

    def close(self):
        self.ref.close_all()
        self.test.close_all()


def run_blocking(h, filt):
    """Part "blocking" (one protocol pass; see the comment above BL_READ_TIMEOUT)."""
    groups = [("blocking:" + name, steps) for name, steps in blocking_groups()]
    groups = [g for g in groups if not filt or filt in g[0]]
    if not groups:
        return
    read_defaults(h)
    h.fresh()
    bl = _Blocking(h)
    bl.ref.counts = bl.test.counts = None
    timeouts = 0
    try:
        for gi, (label, steps) in enumerate(groups):
            if timeouts >= K.PS_MAX_TIMEOUTS:
                print("note: ferrokv timed out in %d blocking groups; the remaining %d groups of this pass "
                      "are not run (run them with -k NAME)" % (timeouts, len(groups) - gi))
                for name, _ in groups[gi:]:
                    h.skip(name, "blocking-timeouts")
                break
            used = []
            bl.ref.ids, bl.test.ids = {}, {}
            for kind, conn, args, norm in steps:
                if conn is not None and conn not in used:
                    used.append(conn)
                r = True
                if kind == "z":
                    time.sleep(norm)
                elif kind == "x":
                    for side in (bl.ref, bl.test):
                        side.close(conn)
                        side.conns.pop(conn, None)   # the name may be used again
                        bl.blocked.pop((side.side.name, conn), None)
                elif kind == "u":
                    bl.wait_blocked(norm)
                elif kind == "b":
                    r = bl.block(conn, args, label)
                elif kind == "r":
                    r = bl.read(conn, norm, label)
                elif kind == "q":
                    r = bl.quiet(conn, label)
                elif kind in "tT":
                    r = bl.win(conn, args, norm, label, setup=(kind == "T"), single=True)
                elif kind == "i":
                    r = bl.win(conn, args, norm, label, setup=True, record=True)
                else:
                    r = bl.win(conn, args, norm, label, setup=(kind == "s"))
                if r is None:
                    h.skip(label, args[0].decode("latin-1").upper())
                    break
                if r == "timeout":
                    print("note: [%s%s] timed out, rest of the group abandoned" % (h.tag, label))
                    timeouts += 1
                    break
            bl.teardown(label, used)
            if not h.test.server.alive():
                raise K.Abort("ferrokv process died (exit %s) during group %s%s:\n%s" % (
                    h.test.server.proc.returncode, h.tag, label, h.test.server.log_tail()))
    finally:
        bl.close()
