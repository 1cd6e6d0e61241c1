"""ACL part of the differential compatibility suite (see compat.py).

ACL SETUSER / GETUSER / DELUSER / USERS / LIST / WHOAMI / CAT / GENPASS / LOG /
DRYRUN / HELP, every rule and error text, AUTH and HELLO AUTH with users, and
the permission checks: commands, subcommands, first arguments, categories, key
patterns with read / write access, channels, selectors, inside MULTI (at queue
time and at EXEC) and in scripts.

compat.py imports this module, calls ``install(core)`` and, for the part
``acl``, ``run_acl(h, filt, seed, count)`` once per protocol pass.  Each group
runs on one connection per server, which switches users with AUTH; the users
a group creates are deleted and the ACL LOG reset at its end.

Normalisations:
  "acl-rules"  ACL LIST / GETUSER: Redis emits the single-command part of a
               rule description in the order of its command dict (random per
               process); each run of single-command tokens compares as a set.
               Categories, keys, channels, selectors and their order exactly.
  "acl-log"    ACL LOG entries by count, reason, context, object and username
               (age and client-info are this connection's figures).
  "len"        ACL GENPASS: the length of the password.
  "sorted"     ACL CAT <category>: the commands as a set.
Random part ``acl:random``: --acl-count seeded SETUSER rule lists (valid and
not), each followed by GETUSER, LIST and DRYRUN of random commands; every reply
compared.
"""

import random
import re

K = None

DEFAULT_COUNT = 1000

_SINGLE = re.compile(rb"^[+-](?!@)[a-z_|0-9]+$")


def install(core):
    global K
    K = core
    core.COMPARATORS["acl-rules"] = cmp_rules
    core.COMPARATORS["acl-log"] = cmp_log
    core.COMPARATORS["len"] = cmp_len


def _norm_text(b):
    out, run = [], []
    for tok in b.replace(b"(", b"( ").replace(b")", b" )").split(b" "):
        if _SINGLE.match(tok):
            run.append(tok)
            continue
        if run:
            out.append(tuple(sorted(run)))
            run = []
        out.append(tok)
    if run:
        out.append(tuple(sorted(run)))
    return tuple(out)


def _norm(v):
    t, p = v
    if isinstance(p, list):
        return (t, tuple(_norm(x) for x in p))
    if t in "$+" and p is not None:
        return (t, _norm_text(p))
    return v


def cmp_rules(a, b):
    (ra, va), (rb, vb) = a, b
    if va is None or vb is None:
        return ra == rb
    return _norm(va) == _norm(vb)


def cmp_log(a, b):
    (ra, va), (rb, vb) = a, b
    if va is None or vb is None or va[0] != "*" or vb[0] != "*" or va[1] is None or vb[1] is None:
        return ra == rb

    def entries(v):
        out = []
        for e in v[1]:
            items = e[1] or []
            d = {items[i][1]: items[i + 1] for i in range(0, len(items) - 1, 2)}
            out.append(tuple(d.get(k) and (d[k][0], d[k][1]) for k in
                             (b"count", b"reason", b"context", b"object", b"username")))
        return out
    return entries(va) == entries(vb)


def cmp_len(a, b):
    (ra, va), (rb, vb) = a, b
    if va is None or vb is None or va[0] != "$" or vb[0] != "$":
        return ra == rb
    return len(va[1]) == len(vb[1])


def C(*a, n=None):
    return ("c", K.argv(a), n)


def S(*a, n=None):
    return ("s", K.argv(a), n)


def cleanup():
    return [C("AUTH default x"), S("ACL DELUSER u v w"), S("ACL LOG RESET")]


def hand_groups():
    G = []
    G.append(("acl:basics", [
        C("ACL WHOAMI"), C("ACL USERS"), C("ACL LIST", n="acl-rules"), C("ACL GETUSER default", n="acl-rules"),
        C("ACL GETUSER nosuch"), C("ACL HELP"), C("ACL foo"), C("ACL"), C("ACL WHOAMI x"), C("ACL CAT"),
        *[C("ACL CAT", c, n="sorted") for c in ("string", "list", "hash", "set", "sortedset", "bitmap",
                                               "hyperloglog", "geo", "stream", "pubsub", "transaction",
                                               "scripting", "STRING")],
        C("ACL CAT nosuch"), C("ACL CAT a b"), C("ACL GENPASS", n="len"), C("ACL GENPASS 5", n="len"),
        C("ACL GENPASS 4096", n="len"), C("ACL GENPASS 0"), C("ACL GENPASS 4097"), C("ACL GENPASS x"),
        C("ACL GENPASS -1"), C("ACL DELUSER default"), C("ACL DELUSER nosuch"), C("ACL LOG x"), C("ACL LOG -1"),
        C("ACL LOG 0"), C("ACL LOG RESET"), C("ACL SAVE"), C("ACL LOAD"), C("ACL DRYRUN nosuch get a"),
        C("ACL DRYRUN default nocmd"), C("ACL DRYRUN default get"), C("ACL DRYRUN default get a"),
        C("ACL DRYRUN default config nosuch"),
    ] + cleanup()))
    G.append(("acl:setuser-rules", [
        C("ACL SETUSER u"), C("ACL GETUSER u", n="acl-rules"), C("ACL LIST", n="acl-rules"),
        C("ACL SETUSER u on >p1 >p2 #" + "a" * 64, "~k*", "%R~r*", "%W~w*", "%RW~rw*", "&ch*", "+get"),
        C("ACL GETUSER u", n="acl-rules"), C("ACL LIST", n="acl-rules"),
        C("ACL SETUSER u <p1 !" + "a" * 64), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER u <nope"), C("ACL SETUSER u !" + "b" * 64), C("ACL SETUSER u #abc"),
        C("ACL SETUSER u #" + "A" * 64), C("ACL SETUSER u nopass"), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER u >x resetpass"), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER u allkeys"), C("ACL SETUSER u ~x"), C("ACL SETUSER u resetkeys ~a ~a %R~a %W~b"),
        C("ACL GETUSER u", n="acl-rules"), C("ACL SETUSER u %X~a"), C("ACL SETUSER u %~a"), C("ACL SETUSER u %Ra"),
        C("ACL SETUSER u allchannels"), C("ACL SETUSER u &x"), C("ACL SETUSER u resetchannels &a &a &b"),
        C("ACL GETUSER u", n="acl-rules"), C("ACL SETUSER u +nosuch"), C("ACL SETUSER u +@nosuch"),
        C("ACL SETUSER u bogus"), C("ACL SETUSER u -get|x"), C("ACL SETUSER u +get|x|y"),
        C("ACL SETUSER u +config|nosuch"), C("ACL SETUSER u +select|0 +select|1"), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER u +select"), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER u -@all +config|get +config|set -config|set"), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER u +config -config|set"), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER u +@all -@string +get"), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER u nocommands +@hash -hget +@list"), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER u allcommands -@dangerous"), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER u skip-sanitize-payload"), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER u sanitize-payload off"), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER u (+get ~s*) (+set %W~t* &c)"), C("ACL GETUSER u", n="acl-rules"), C("ACL LIST", n="acl-rules"),
        C("ACL SETUSER u", "(+hget", "~h*)"), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER u (+get"), C("ACL SETUSER u (+nosuch)"), C("ACL SETUSER u clearselectors"),
        C("ACL GETUSER u", n="acl-rules"), C("ACL SETUSER u reset"), C("ACL GETUSER u", n="acl-rules"),
        C("ACL SETUSER", "a b", "on"), C("ACL SETUSER", "a\x00b"),
        C("ACL SETUSER v on nopass +@all ~* &*"), C("ACL USERS"), C("ACL DELUSER u v nosuch"), C("ACL USERS"),
        C("CONFIG SET acl-pubsub-default allchannels"), C("ACL SETUSER w"), C("ACL GETUSER w", n="acl-rules"),
        C("ACL SETUSER w reset"), C("ACL LIST", n="acl-rules"), C("CONFIG SET acl-pubsub-default resetchannels"),
        C("CONFIG SET acl-pubsub-default x"), C("CONFIG GET acl*"),
    ] + cleanup()))
    G.append(("acl:auth", [
        S("ACL SETUSER u on >pw ~a* +get +acl|whoami"), C("AUTH u pw"), C("ACL WHOAMI"), C("AUTH u bad"),
        C("ACL WHOAMI"), C("AUTH nosuch x"), C("AUTH default anything"), C("ACL WHOAMI"),
        C("HELLO 2 AUTH u pw"), C("ACL WHOAMI"), C("HELLO 2 AUTH u bad"), C("AUTH default x"),
        C("ACL SETUSER u off"), C("AUTH u pw"), C("ACL SETUSER u on nopass"), C("AUTH u whatever"),
        C("ACL WHOAMI"), C("AUTH default x"), C("AUTH onlypassword"), C("ACL LOG", n="acl-log"),
        C("CONFIG SET requirepass sec"), C("ACL GETUSER default", n="acl-rules"), C("AUTH sec"),
        C("AUTH default sec"), C("AUTH wrong"), C("ACL LIST", n="acl-rules"), C("CONFIG SET requirepass", ""),
        C("ACL GETUSER default", n="acl-rules"), C("ACL LOG", n="acl-log"),
    ] + cleanup()))
    G.append(("acl:permissions", [
        S("ACL SETUSER u on >pw %R~r* %W~w* ~rw* &c* +@read +@write +@pubsub +multi +exec +eval +evalsha "
          "+config|get +select|1 -flushall -flushdb"), S("SET r1 v"), S("SET rw1 v"), C("AUTH u pw"),
        C("GET r1"), C("GET w1"), C("SET r1 x"), C("SET w1 x"), C("GET rw1"), C("COPY rw1 w2"), C("COPY r1 w3"),
        C("COPY w1 rw2"), C("MGET r1 rw1"), C("MGET r1 w1"), C("MSET w1 a rw1 b"), C("MSET w1 a r1 b"),
        C("EXISTS r1 w1"), C("LPUSH w5 a"), C("LPOP r1"), C("SORT r1"), C("SORT rw1 STORE w9"),
        C("SORT rw1 STORE r9"), C("ZUNIONSTORE w1 2 rw1 r1"), C("ZUNIONSTORE w1 2 rw1 w1"),
        C("BITFIELD r1 GET u8 0"), C("BITFIELD r1 SET u8 0 1"), C("SET w2 v GET"), C("SET rw3 v GET"),
        C("PUBLISH c1 m"), C("PUBLISH d1 m"), C("SUBSCRIBE c1 d1"), C("PING"), C("CONFIG GET maxmemory"),
        C("CONFIG SET maxmemory 0"), C("SELECT 1"), C("SELECT 2"), C("FLUSHALL"), C("DEL rw1"),
        C("XREAD STREAMS r1 0"), C("XREAD STREAMS w1 0"), C("EVAL", "return redis.call('get','w1')", "0"),
        C("EVAL", "return redis.pcall('set','r1','x')", "0"), C("EVAL", "return redis.call('flushall')", "0"),
        C("EVAL", "return redis.acl_check_cmd('get','w1')", "0"),
        C("EVAL", "return redis.acl_check_cmd('get','r1')", "0"),
        C("EVAL", "return redis.call('publish','d','x')", "0"),
        C("MULTI"), C("GET r1"), C("GET w1"), C("EXEC"), C("MULTI"), C("GET r1"), C("SET w1 v"),
        S("AUTH default x"), S("ACL SETUSER u -@write"), S("AUTH u pw"), C("EXEC"),
        C("ACL LOG", n="acl-log"), C("AUTH default x"), C("ACL LOG 3", n="acl-log"),
        C("ACL DRYRUN u get r1"), C("ACL DRYRUN u get w1"), C("ACL DRYRUN u set w1 v"),
        C("ACL DRYRUN u publish x y"), C("ACL DRYRUN u subscribe c1 x"), C("ACL DRYRUN u psubscribe c*"),
        C("ACL DRYRUN u psubscribe c1*"), C("ACL DRYRUN u config set x y"), C("ACL DRYRUN u get"),
    ] + cleanup()))
    # Redis 7's protected settings (both servers run with enable-protected-configs no).
    G.append(("acl:protected-configs", [
        C("CONFIG GET enable-*"), C("CONFIG SET dir /tmp"), C("CONFIG SET dbfilename x.rdb"),
        C("CONFIG SET maxmemory-samples 7 dir /tmp"), C("CONFIG GET maxmemory-samples"),
        C("CONFIG SET enable-protected-configs yes"), C("CONFIG SET enable-debug-command no"),
        C("CONFIG GET dbfilename"), C("CONFIG SET maxmemory-samples 5"),
    ]))
    G.append(("acl:selectors", [
        S("ACL SETUSER u on nopass +get ~a* (+set ~b*) (+del %R~c*)"), C("AUTH u x"), C("GET a1"), C("SET b1 v"),
        C("SET a1 v"), C("GET b1"), C("DEL c1"), C("DEL a1"), C("HSET a1 f v"), C("AUTH default x"),
        C("ACL DRYRUN u del c1"), C("ACL DRYRUN u set b1 v"), C("ACL DRYRUN u get b1"),
        C("ACL GETUSER u", n="acl-rules"),
    ] + cleanup()))
    return G


COMMANDS = ["get", "set", "del", "hget", "hset", "lpush", "lrange", "publish", "subscribe", "psubscribe",
            "config", "config|get", "config|set", "client|list", "select|0", "eval", "ping", "info",
            "keys", "mget", "mset", "sort", "zadd", "xadd", "flushall", "object|encoding", "copy"]
# Categories whose commands are all built here: a rule description counts the commands of every
# category, so @write, @keyspace, @admin, @dangerous, @slow and @connection (which hold MIGRATE,
# WAIT, READONLY, the cluster and replication commands) would be described differently until
# those exist. The hand groups use them; the random lists do not.
CATEGORIES = ["string", "list", "hash", "set", "sortedset", "bitmap", "hyperloglog", "geo", "stream", "pubsub",
              "transaction", "scripting", "read", "all"]
PATTERNS = ["*", "a*", "b?", "k", "[ab]*", "r*"]


def random_rule(rng):
    r = rng.random()
    if r < 0.35:
        return rng.choice("+-") + rng.choice(COMMANDS)
    if r < 0.5:
        return rng.choice("+-") + "@" + rng.choice(CATEGORIES)
    if r < 0.65:
        return rng.choice(["~", "%R~", "%W~", "%RW~"]) + rng.choice(PATTERNS)
    if r < 0.72:
        return "&" + rng.choice(PATTERNS)
    if r < 0.8:
        return rng.choice(["on", "off", "nopass", "resetpass", ">pw", "<pw", "allkeys", "resetkeys",
                           "allchannels", "resetchannels", "allcommands", "nocommands", "clearselectors",
                           "sanitize-payload", "skip-sanitize-payload"])
    if r < 0.85:
        return "(%s)" % " ".join(random_rule_simple(rng) for _ in range(rng.randint(1, 3)))
    if r < 0.9:
        return rng.choice(["reset", "+nosuch", "%Z~a", "bogus", "#x", "+@nosuch", "+get|x"])
    return random_rule_simple(rng)


def random_rule_simple(rng):
    r = rng.random()
    if r < 0.5:
        return rng.choice("+-") + rng.choice(COMMANDS[:20])
    if r < 0.75:
        return rng.choice(["~", "%R~", "%W~"]) + rng.choice(PATTERNS)
    return "+@" + rng.choice(CATEGORIES[:12])


DRY = [["get", "K"], ["set", "K", "v"], ["mget", "K", "K"], ["copy", "K", "K"], ["publish", "C", "m"],
       ["subscribe", "C", "C"], ["psubscribe", "C"], ["config", "get", "x"], ["config", "set", "x", "y"],
       ["select", "0"], ["select", "1"], ["hset", "K", "f", "v"], ["sort", "K", "store", "K"], ["ping"],
       ["lrange", "K", "0", "1"], ["object", "encoding", "K"], ["client", "list"], ["client", "id"]]
NAMES = ["a1", "b2", "k", "r9", "zz", "a"]


def random_groups(seed, count):
    rng = random.Random(seed)
    steps = []
    for _ in range(count):
        rules = [random_rule(rng) for _ in range(rng.randint(1, 5))]
        if rng.random() < 0.2:
            steps.append(S("ACL DELUSER u"))
        steps.append(C("ACL SETUSER", "u", *rules))
        steps.append(C("ACL GETUSER u", n="acl-rules"))
        if rng.random() < 0.3:
            steps.append(C("ACL LIST", n="acl-rules"))
        for _ in range(2):
            cmd = [rng.choice(NAMES) if w in ("K", "C") else w for w in rng.choice(DRY)]
            steps.append(C("ACL DRYRUN", "u", *cmd))
    return [("acl:random", steps + cleanup())]


def run_acl(h, filt, seed, count=DEFAULT_COUNT):
    """Part "acl" (one protocol pass)."""
    groups = hand_groups()
    if count > 0:
        groups += random_groups(seed, count)
    for label, steps in groups:
        if filt and filt not in label:
            continue
        h.run_group(label, steps)
