"""Geo part of the differential compatibility suite (see compat.py).

GEOADD GEODIST GEOHASH GEOPOS GEORADIUS GEORADIUS_RO GEORADIUSBYMEMBER
GEORADIUSBYMEMBER_RO GEOSEARCH GEOSEARCHSTORE with Redis 7.0 semantics (the
reference redis-server is the oracle): every option and error (their order
too), ZSCORE / ZRANGE WITHSCORES of GEOADDed keys, STORE / STOREDIST /
GEOSEARCHSTORE results read back with ZRANGE WITHSCORES, WRONGTYPE, missing
keys, COMMAND INFO / GETKEYS, keyspace notifications, and a seeded random
part.

compat.py imports this module and calls ``install(core)`` with itself and,
for the part ``geo``, ``run_geo(h, filt, seed, count)`` once per protocol
pass.  The groups run on compat_streams' runner (``compat_streams._Run``:
named connections, FLUSHALL before each group, every reply compared); the
notify groups run on compat.run_pubsub.

Parts of the run:
  hand groups   ``geo:<name>``, each after FLUSHALL.
  notify groups ``geo:notify-*`` (the pmessages after each geo command).
  random        ``geo:random``: --geo-count random points (uniform over the
                whole map, and clusters at the poles' limits +-85.05, at the
                antimeridian, around a small centre for tiny radii), GEOADDed
                in batches into a small key (listpack) and a large key
                (skiplist), then --geo-count / 4 queries (GEORADIUS,
                GEORADIUS_RO, GEORADIUSBYMEMBER(_RO), GEOSEARCH BYRADIUS /
                BYBOX from a member or a point, GEOSEARCHSTORE) with random
                radii from 0 to 30000 km in every unit and random
                combinations of WITHCOORD WITHDIST WITHHASH, COUNT [ANY],
                ASC / DESC, STORE / STOREDIST (each stored key read back with
                ZRANGE WITHSCORES and OBJECT ENCODING), plus GEOPOS /
                GEOHASH / GEODIST of random members.  Seeded by --seed;
                labels ``geo:random#I``.

Comparison: every reply byte for byte, unsorted ones included: ferrokv scans
Redis's nine cells in Redis's order, so the order of an unsorted reply is
reproduced, and sorted replies order equal distances as Redis does (a stable
sort where Redis sorts everything with glibc's merge-sort qsort, Redis's own
partial quicksort where COUNT cuts the result); some random points reuse the
coordinates of an earlier one so that equal distances occur.  STORE is only
used with radii / boxes below 1000 km: at the largest radii Redis scans the
same cell twice and its STORE then fails an assertion (the reply of a search
returns such members twice on both servers, which the random queries do
compare).

COMMAND INFO of the geo commands (key specs with GEORADIUS's STORE /
STOREDIST keywords included) and COMMAND GETKEYS (STORE / STOREDIST
destinations included) are compared exactly.

Facts of Redis 7.0.15 the groups pin down:
  * GEOADD with both NX and XX is ``-ERR syntax error`` (not ZADD's
    message); coordinates are checked before the key's type.
  * Distances are ``fixedpoint_d2string(d, 4)``: llrint(d * 10000), so
    12568381.14165 ft prints as 12568381.1416 where ``%.4f`` says ...1417.
  * Sorted replies: glibc qsort (stable) when everything is returned, else
    Redis's pqsort, which in 7.0 has no switch to insertion sort.
  * GEOPOS of the limits: 180 / 85.0511287799999991 (the decoded centre is
    clamped); GEOADD at the upper limits stores scores past 2^52.
"""

import random
import shlex

import compat_streams as CSTR

K = None    # the compat core module (set by install)

DEFAULT_COUNT = 8000    # random points per pass (--geo-count); queries: a quarter of it


def install(core):
    global K
    K = core
    core.PART_GROUPS["geo"] = notify_groups


def X(*a, c="a", n=None):
    return ("c", c, K.argv(a), n)


def XS(text, c="a", n=None):
    return [("c", c, K.argv(shlex.split(x)), n) for x in text.split(";") if x.strip()]


SICILY = ("GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania "
          "12.758489 38.788135 edge1 17.241510 38.788135 edge2 -0.0001 51.5 Greenwich")


def basic_groups():
    G = []
    G.append(("geoadd", XS(
        SICILY + "; ZRANGE Sicily 0 -1 WITHSCORES; ZSCORE Sicily Palermo; "
        "GEOADD Sicily 13.361389 38.115556 Palermo; GEOADD Sicily CH 13.361389 38.2 Palermo; "
        "GEOADD Sicily NX 1 1 Palermo 2 2 New; GEOADD Sicily XX 3 3 Palermo 4 4 Newer; "
        "GEOADD Sicily XX CH 5 5 Palermo 6 6 Newest; GEOADD Sicily NX CH 5 5 Palermo 7 7 X; "
        "GEOADD Sicily CH NX XX 1 1 a; GEOADD Sicily NX XX 1 1 a; GEOADD Sicily 1 1; "
        "GEOADD Sicily 1 1 a 2; GEOADD Sicily NX CH 1; GEOADD Sicily 200 100 a; "
        "GEOADD Sicily -180.1 0 a; GEOADD Sicily 0 85.06 a; GEOADD Sicily 0 -85.06 a; "
        "GEOADD Sicily 180 85.05112878 ne -180 -85.05112878 sw 0 0 zero; "
        "GEOADD Sicily inf 0 a; GEOADD Sicily 0 -inf a; GEOADD Sicily nan 0 a; GEOADD Sicily x 0 a; "
        "GEOADD Sicily 0 x a; GEOADD Sicily 1 1 ok 999 0 bad; EXISTS ok; GEOADD Sicily '' 0 a; "
        "GEOADD Sicily ' 1' 0 a; GEOADD Sicily 1e1 0x10 hex; GEOADD Sicily 0 1e-320 tiny; "
        "ZRANGE Sicily 0 -1 WITHSCORES; GEOADD new XX 1 1 a; EXISTS new; GEOADD Sicily nx 8 8 lower; "
        "SET str v; GEOADD str 1 1 a; GEOADD str 200 0 a; GEOADD geoadd 1 1")))
    G.append(("geopos-geohash", XS(
        SICILY + "; GEOADD Sicily 180 85.05112878 ne -180 -85.05112878 sw 0 0 zero 179.9999999 0 am; "
        "GEOPOS Sicily Palermo Catania nosuch ne sw zero am Greenwich; GEOPOS Sicily; GEOPOS nokey a b; "
        "GEOHASH Sicily Palermo Catania nosuch ne sw zero am Greenwich; GEOHASH Sicily; GEOHASH nokey a; "
        "ZADD Sicily -1 neg 1e300 big 9.3e18 huge 4503599627370496 e52 -inf minf inf pinf 0.5 half; "
        "GEOPOS Sicily neg big huge e52 minf pinf half; GEOHASH Sicily neg big huge e52 minf pinf half; "
        "GEORADIUS Sicily 0 0 30000 km WITHHASH WITHCOORD; "
        "SET str v; GEOPOS str a; GEOHASH str a; GEOPOS")))
    G.append(("geodist", XS(
        SICILY + "; GEODIST Sicily Palermo Catania; GEODIST Sicily Palermo Catania m; "
        "GEODIST Sicily Palermo Catania KM; GEODIST Sicily Palermo Catania ft; GEODIST Sicily Palermo Catania Mi; "
        "GEODIST Sicily Palermo Catania yd; GEODIST Sicily Palermo Catania km extra; "
        "GEODIST Sicily Palermo nosuch; GEODIST Sicily Palermo Palermo; GEODIST nokey a b; "
        "GEODIST nokey a b yd; GEODIST Sicily edge1 edge2 km; GEODIST Sicily Greenwich Palermo mi; "
        "GEOADD m 10 20 a 10 30 b 10 -85 c 10.000001 30 d; GEODIST m a b; GEODIST m b c; GEODIST m b d; "
        "GEOADD tie -92.54248470067977905 25.571958981785194 p; "
        "GEORADIUS tie -57.90292534969785 46.324886754153596 20000 km WITHDIST; "
        "GEORADIUS tie -57.90292534969785 46.324886754153596 20000 ft WITHDIST; "
        "SET str v; GEODIST str a b; GEODIST str a b yd; GEODIST Sicily")))
    return G


def search_groups():
    G = []
    G.append(("georadius", XS(
        SICILY + "; GEORADIUS Sicily 15 37 200 km; GEORADIUS Sicily 15 37 200 km ASC; "
        "GEORADIUS Sicily 15 37 200 km DESC; GEORADIUS Sicily 15 37 200 km WITHDIST; "
        "GEORADIUS Sicily 15 37 200 km WITHCOORD; GEORADIUS Sicily 15 37 200 km WITHHASH; "
        "GEORADIUS Sicily 15 37 200 km WITHHASH WITHCOORD WITHDIST; GEORADIUS Sicily 15 37 200 km withdist withdist; "
        "GEORADIUS Sicily 15 37 200 km COUNT 1; GEORADIUS Sicily 15 37 200 km COUNT 1 DESC; "
        "GEORADIUS Sicily 15 37 200 km COUNT 1 ANY; GEORADIUS Sicily 15 37 200 km ANY COUNT 2 ASC; "
        "GEORADIUS Sicily 15 37 200 km COUNT 99; GEORADIUS Sicily 15 37 200000 m; GEORADIUS Sicily 15 37 124.27 mi; "
        "GEORADIUS Sicily 15 37 656168 ft WITHDIST; GEORADIUS Sicily 15 37 0 km; GEORADIUS Sicily 15 37 1 m; "
        "GEORADIUS Sicily 15 37 20000 km; GEORADIUS Sicily 15 37 30000 km WITHDIST; "
        "GEORADIUS Sicily 15 37 inf km; GEORADIUS Sicily 15 37 -0 km; "
        "GEORADIUS Sicily 15 37 -1 km; GEORADIUS Sicily 15 37 x km; GEORADIUS Sicily 15 37 nan km; "
        "GEORADIUS Sicily 15 37 1e999 km; GEORADIUS Sicily 15 37 200 yd; GEORADIUS Sicily 200 37 200 km; "
        "GEORADIUS Sicily 15 x 200 km; GEORADIUS Sicily 15 37 200 km COUNT 0; "
        "GEORADIUS Sicily 15 37 200 km COUNT -1; GEORADIUS Sicily 15 37 200 km COUNT x; "
        "GEORADIUS Sicily 15 37 200 km COUNT; GEORADIUS Sicily 15 37 200 km ANY; "
        "GEORADIUS Sicily 15 37 200 km bogus; GEORADIUS Sicily 15 37 200 km COUNT 9223372036854775807; "
        "GEORADIUS Sicily 15 37 200 km FROMLONLAT 1 1; GEORADIUS Sicily 15 37 200 km STOREDIST; "
        "GEORADIUS nokey 15 37 200 km; GEORADIUS nokey 15 37 200 yd; GEORADIUS nokey 200 37 200 km; "
        "SET str v; GEORADIUS str 15 37 200 km; GEORADIUS str 200 37 200 yd; GEORADIUS Sicily 15 37 200")))
    G.append(("georadius-store", XS(
        SICILY + "; GEORADIUS Sicily 15 37 200 km STORE dst; ZRANGE dst 0 -1 WITHSCORES; OBJECT ENCODING dst; "
        "EXPIRE dst 1000; GEORADIUS Sicily 15 37 200 km STORE dst; TTL dst; "
        "GEORADIUS Sicily 15 37 200 km STOREDIST dd; ZRANGE dd 0 -1 WITHSCORES; "
        "GEORADIUS Sicily 15 37 200 km STOREDIST dd COUNT 1 DESC; ZRANGE dd 0 -1 WITHSCORES; "
        "GEORADIUS Sicily 15 37 200 mi STOREDIST dd; ZRANGE dd 0 -1 WITHSCORES; "
        "GEORADIUS Sicily 15 37 200 km STORE a STOREDIST b; EXISTS a b; ZRANGE b 0 -1 WITHSCORES; "
        "GEORADIUS Sicily 15 37 200 km STOREDIST a STORE b; ZRANGE b 0 -1 WITHSCORES; "
        "GEORADIUS Sicily 15 37 200 km STORE dst WITHDIST; GEORADIUS Sicily 15 37 200 km WITHHASH STORE dst; "
        "GEORADIUS Sicily 15 37 200 km STORE; GEORADIUS Sicily 15 37 1 m STORE dst; EXISTS dst; "
        "SET s2 v; GEORADIUS Sicily 15 37 200 km STORE s2; TYPE s2; GEORADIUS nokey 15 37 1 km STORE s2; EXISTS s2; "
        "GEORADIUS nokey 15 37 1 km STORE s2; GEORADIUS Sicily 15 37 200 km STORE Sicily; ZRANGE Sicily 0 -1 WITHSCORES; "
        "GEORADIUS_RO Sicily 15 37 200 km STORE dst; GEORADIUS_RO Sicily 15 37 200 km WITHDIST ASC; "
        "GEORADIUS_RO Sicily 15 37 200 km STOREDIST dst")))
    G.append(("georadiusbymember", XS(
        SICILY + "; GEORADIUSBYMEMBER Sicily Palermo 200 km; GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST ASC; "
        "GEORADIUSBYMEMBER Sicily Palermo 200 km WITHCOORD WITHHASH DESC COUNT 2; "
        "GEORADIUSBYMEMBER Sicily Palermo 200 km COUNT 1 ANY; GEORADIUSBYMEMBER Sicily nosuch 200 km; "
        "GEORADIUSBYMEMBER Sicily nosuch -1 km; GEORADIUSBYMEMBER Sicily Palermo -1 km; "
        "GEORADIUSBYMEMBER Sicily Palermo x km; GEORADIUSBYMEMBER Sicily Palermo 1 yd; "
        "GEORADIUSBYMEMBER nokey Palermo x yd; GEORADIUSBYMEMBER nokey Palermo 1 km COUNT 0; "
        "GEORADIUSBYMEMBER nokey Palermo 1 km bogus; GEORADIUSBYMEMBER nokey Palermo 1 km STORE d WITHDIST; "
        "GEORADIUSBYMEMBER Sicily Palermo 200 km STORE d; ZRANGE d 0 -1 WITHSCORES; "
        "GEORADIUSBYMEMBER Sicily Palermo 200 km STOREDIST d; ZRANGE d 0 -1 WITHSCORES; "
        "GEORADIUSBYMEMBER Sicily Palermo 200 km STORE d WITHCOORD; "
        "GEORADIUSBYMEMBER_RO Sicily Palermo 200 km WITHDIST; GEORADIUSBYMEMBER_RO Sicily Palermo 200 km STORE d; "
        "GEORADIUSBYMEMBER_RO nokey Palermo 200 km; GEORADIUSBYMEMBER Sicily Palermo 0 km WITHDIST; "
        "SET str v; GEORADIUSBYMEMBER str a 1 km; GEORADIUSBYMEMBER_RO str a x yd; GEORADIUSBYMEMBER Sicily Palermo 1")))
    G.append(("geosearch", XS(
        SICILY + "; GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC WITHDIST WITHCOORD WITHHASH; "
        "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 200 km DESC; GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km WITHDIST ASC; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 4 400 km WITHDIST; GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 4 km; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 0 0 km; GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 40000 20000 km; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 mi COUNT 2; GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km COUNT 2 ANY; "
        "GEOSEARCH Sicily BYRADIUS 200 km FROMLONLAT 15 37; GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km FROMMEMBER Palermo; "
        "GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 200 km; "
        "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 200 km BYBOX 1 1 km; "
        "GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 1 km BYRADIUS 200 km; "
        "GEOSEARCH Sicily FROMMEMBER Palermo FROMMEMBER Catania BYRADIUS 200 km; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 FROMLONLAT 1 1 BYRADIUS 200 km; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km BYRADIUS 1 km; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 WITHDIST; geosearch Sicily BYRADIUS 200 km WITHDIST; "
        "GeoSearch Sicily FROMLONLAT 15 37 COUNT 1; GEOSEARCH Sicily FROMMEMBER nosuch BYRADIUS 200 km; "
        "GEOSEARCH Sicily FROMMEMBER nosuch BYRADIUS -1 km; GEOSEARCH Sicily FROMLONLAT 200 37 BYRADIUS 200 km; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS -1 km; GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS x km; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 yd; GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 -1 km; GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x 1 km; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 x km; GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 yd; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1; GEOSEARCH Sicily FROMLONLAT 15 BYRADIUS 1 km; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ANY; GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 0; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE d; GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST; "
        "GEOSEARCH nokey FROMMEMBER nosuch BYRADIUS 200 km; GEOSEARCH nokey FROMMEMBER a BYRADIUS x km; "
        "GEOSEARCH nokey FROMMEMBER a WITHDIST; GEOSEARCH nokey FROMLONLAT 1 1 BYBOX 1 1 km; "
        "SET str v; GEOSEARCH str FROMMEMBER a BYRADIUS 1 km; GEOSEARCH str FROMLONLAT 1 1 BYRADIUS 1 yd; "
        "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS")))
    G.append(("geosearchstore", XS(
        SICILY + "; GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km; ZRANGE d 0 -1 WITHSCORES; "
        "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST; ZRANGE d 0 -1 WITHSCORES; "
        "GEOSEARCHSTORE d Sicily FROMMEMBER Palermo BYBOX 400 400 km STOREDIST DESC COUNT 2; ZRANGE d 0 -1 WITHSCORES; "
        "GEOSEARCHSTORE d Sicily FROMMEMBER Palermo BYBOX 400 400 mi COUNT 1 ANY; ZRANGE d 0 -1 WITHSCORES; "
        "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST; "
        "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHCOORD WITHHASH; "
        "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE x; "
        "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 1 m; EXISTS d; "
        "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km; GEOSEARCHSTORE d nokey FROMLONLAT 15 37 BYRADIUS 200 km; "
        "EXISTS d; GEOSEARCHSTORE d nokey FROMMEMBER nosuch BYRADIUS 1 km; GEOSEARCHSTORE d Sicily FROMMEMBER nosuch BYRADIUS 1 km; "
        "GEOSEARCHSTORE d Sicily BYRADIUS 1 km; GEOSEARCHSTORE d Sicily FROMMEMBER Palermo; "
        "geosearchstore d Sicily FROMMEMBER Palermo COUNT 1; GEOSEARCHSTORE Sicily Sicily FROMMEMBER Palermo BYRADIUS 100 km; "
        "ZRANGE Sicily 0 -1 WITHSCORES; SET str v; GEOSEARCHSTORE d str FROMLONLAT 1 1 BYRADIUS 1 km; "
        "GEOSEARCHSTORE str Sicily FROMLONLAT 15 37 BYRADIUS 1 km; TYPE str; GEOSEARCHSTORE d Sicily FROMLONLAT 1 1")))
    return G


def meta_groups():
    G = []
    steps = []
    for c in ("geoadd", "geodist", "geohash", "geopos", "georadius_ro", "georadiusbymember_ro", "geosearch",
              "georadius", "georadiusbymember", "geosearchstore"):
        steps.append(X("COMMAND", "INFO", c, n="cmdinfo"))
    steps += XS(
        "COMMAND GETKEYS GEOADD k 1 1 a; COMMAND GETKEYS GEOSEARCH k FROMLONLAT 1 1 BYRADIUS 1 km; "
        "COMMAND GETKEYS GEOSEARCHSTORE d k FROMLONLAT 1 1 BYRADIUS 1 km; "
        "COMMAND GETKEYS GEORADIUS k 0 0 1 km; COMMAND GETKEYS GEORADIUS k 0 0 1 km STORE d; "
        "COMMAND GETKEYS GEORADIUS k 0 0 1 km STOREDIST e; COMMAND GETKEYS GEORADIUS k 0 0 1 km store d storedist e; "
        "COMMAND GETKEYS GEORADIUSBYMEMBER k m 1 km STORE d; COMMAND GETKEYS GEORADIUS_RO k 0 0 1 km; "
        "COMMAND GETKEYS GEOPOS k a b")
    G.append(("command", steps))
    G.append(("types", XS(
        SICILY + "; TYPE Sicily; OBJECT ENCODING Sicily; ZCARD Sicily; ZRANGEBYSCORE Sicily 3479000000000000 +inf WITHSCORES; "
        "ZREM Sicily Palermo; GEOPOS Sicily Palermo; RPUSH l a; GEOPOS l a; GEOSEARCH l FROMLONLAT 1 1 BYRADIUS 1 km; "
        "GEODIST l a b; GEOHASH l a; GEOADD l 1 1 a; GEORADIUS l 1 1 1 km; GEORADIUSBYMEMBER l a 1 km; "
        "MULTI; GEOADD t 1 1 a; GEOSEARCHSTORE u t FROMMEMBER a BYRADIUS 1 km; GEOPOS u a; EXEC")))
    return G


def hand_groups():
    return basic_groups() + search_groups() + meta_groups()


def nts(text):
    return [("n", "pub", K.argv(shlex.split(x)), None) for x in text.split(";") if x.strip()]


def notify_groups():
    setup = [K.PSETUP("pub", "CONFIG SET notify-keyspace-events KEA"), K.PSETUP("sub", "PSUBSCRIBE __key*__:*")]
    return [("notify-geo", setup + nts(
        SICILY + "; GEOADD Sicily 13.361389 38.115556 Palermo; GEOADD Sicily XX 1 1 nosuch; "
        "GEOADD Sicily CH 1 1 Palermo; GEORADIUS Sicily 15 37 200 km; GEORADIUS Sicily 15 37 200 km STORE d; "
        "GEORADIUS Sicily 15 37 1 m STORE d; GEORADIUS Sicily 15 37 1 m STORE d; GEORADIUSBYMEMBER Sicily Catania 100 km STOREDIST e; "
        "GEOSEARCHSTORE f Sicily FROMMEMBER Catania BYRADIUS 100 km; GEOSEARCHSTORE f Sicily FROMMEMBER Catania BYRADIUS 1 m; "
        "GEOSEARCHSTORE f nokey FROMMEMBER Catania BYRADIUS 1 m; GEORADIUS nokey 1 1 1 km STORE e; "
        "GEOSEARCH Sicily FROMMEMBER Catania BYRADIUS 100 km; GEOPOS Sicily Catania"))]


# --------------------------------------------------------------------------
# Random part
# --------------------------------------------------------------------------

LAT_LIM = 85.05112878
UNITS = [("m", 1.0), ("km", 1000.0), ("ft", 0.3048), ("mi", 1609.34)]


def _f(x):
    return repr(float(x)).encode()


class GeoGen:
    def __init__(self, r, n):
        self.r = r
        self.n = n
        self.members = {b"small": [], b"big": []}
        self.seen = []
        self.centres = [(r.uniform(-180, 180), r.uniform(-LAT_LIM, LAT_LIM)) for _ in range(3)]

    def point(self):
        r = self.r
        if self.seen and r.random() < 0.03:
            # the same place as an earlier point: equal distances in every reply
            return r.choice(self.seen)
        p = self.fresh_point()
        self.seen.append(p)
        return p

    def fresh_point(self):
        r = self.r
        k = r.random()
        if k < 0.4:
            return r.uniform(-180, 180), r.uniform(-LAT_LIM, LAT_LIM)
        if k < 0.55:    # the poles' limits
            lat = r.uniform(83, LAT_LIM) * r.choice((1, -1))
            return r.uniform(-180, 180), lat
        if k < 0.7:     # the antimeridian
            lon = r.uniform(178, 180) * r.choice((1, -1))
            return lon, r.uniform(-LAT_LIM, LAT_LIM)
        c = r.choice(self.centres)
        s = r.choice((0.001, 0.05, 2.0))
        lon = min(180, max(-180, c[0] + r.uniform(-s, s)))
        lat = min(LAT_LIM, max(-LAT_LIM, c[1] + r.uniform(-s, s)))
        return lon, lat

    def loads(self):
        """GEOADD commands: up to 100 points in the small key, the rest in the big one."""
        out = []
        small = min(100, self.n // 10)
        for key, total in ((b"small", small), (b"big", self.n - small)):
            i = 0
            while i < total:
                cmd = [b"GEOADD", key]
                for _ in range(min(200, total - i)):
                    lon, lat = self.point()
                    m = b"m%d" % len(self.members[key])
                    self.members[key].append(m)
                    cmd += [_f(lon), _f(lat), m]
                    i += 1
                out.append(cmd)
        return out

    def centre(self):
        r = self.r
        k = r.random()
        if k < 0.3:
            return r.uniform(-180, 180), r.uniform(-LAT_LIM, LAT_LIM)
        if k < 0.45:
            return r.uniform(-180, 180), r.uniform(80, LAT_LIM) * r.choice((1, -1))
        if k < 0.6:
            return r.uniform(179, 180) * r.choice((1, -1)), r.uniform(-80, 80)
        return self.point()

    def distance(self, store):
        """(value, unit) of a radius or a box side, log-uniform 0.1 m .. 30000 km (1000 km with STORE)."""
        r = self.r
        name, per = r.choice(UNITS)
        top = 6.0 if store else 7.5
        metres = 0.0 if r.random() < 0.02 else 10 ** r.uniform(-1, top)
        return _f(round(metres / per, r.choice((0, 3, 6)))), name.encode() if r.random() < 0.7 else name.upper().encode()

    def options(self):
        """WITHCOORD WITHDIST WITHHASH, COUNT n [ANY], ASC | DESC: a random subset in random order."""
        r = self.r
        groups = [[w] for w in (b"WITHCOORD", b"WITHDIST", b"WITHHASH") if r.random() < 0.35]
        if r.random() < 0.5:
            groups.append([b"COUNT", str(r.choice((1, 2, 3, 5, 10, 50, 1000))).encode()])
            if r.random() < 0.3:
                groups.append([b"ANY"])
        s = r.random()
        if s < 0.3:
            groups.append([b"ASC"])
        elif s < 0.6:
            groups.append([b"DESC"])
        r.shuffle(groups)
        return [x for g in groups for x in g]

    def query(self):
        """A query and, for stores, the key to read back."""
        r = self.r
        key = r.choice((b"small", b"big", b"big"))
        kind = r.choice(("radius", "radius_ro", "bymember", "bymember_ro", "search", "search", "searchstore"))
        store = kind in ("radius", "bymember", "searchstore") and r.random() < (1.0 if kind == "searchstore" else 0.25)
        opts = self.options()
        if store:
            opts = [o for o in opts if o not in (b"WITHCOORD", b"WITHDIST", b"WITHHASH")]
        member = r.choice(self.members[key]) if self.members[key] else b"m0"
        dist, unit = self.distance(store)
        if kind.startswith("radius"):
            lon, lat = self.centre()
            cmd = [b"GEORADIUS" if kind == "radius" else b"GEORADIUS_RO", key, _f(lon), _f(lat), dist, unit]
        elif kind.startswith("bymember"):
            cmd = [b"GEORADIUSBYMEMBER" if kind == "bymember" else b"GEORADIUSBYMEMBER_RO", key, member, dist, unit]
        else:
            cmd = [b"GEOSEARCHSTORE", b"dst", key] if kind == "searchstore" else [b"GEOSEARCH", key]
            if r.random() < 0.5:
                cmd += [b"FROMMEMBER", member]
            else:
                lon, lat = self.centre()
                cmd += [b"FROMLONLAT", _f(lon), _f(lat)]
            if r.random() < 0.5:
                cmd += [b"BYRADIUS", dist, unit]
            else:
                w, _ = self.distance(store)
                cmd += [b"BYBOX", w, dist, unit]
            if kind == "searchstore" and r.random() < 0.5:
                opts.append(b"STOREDIST")
        if store and kind != "searchstore":
            opts += [r.choice((b"STORE", b"STOREDIST")), b"dst"]
        return cmd + opts, (b"dst" if store else None)

    def lookup(self):
        r = self.r
        key = r.choice((b"small", b"big"))
        ms = [r.choice(self.members[key]) for _ in range(r.randint(1, 4))]
        c = r.random()
        if c < 0.4:
            return [b"GEOPOS", key] + ms + [b"nosuch"]
        if c < 0.7:
            return [b"GEOHASH", key] + ms
        if c < 0.85:
            return [b"ZSCORE", key, ms[0]]
        return [b"GEODIST", key, ms[0], r.choice(self.members[key])] + (
            [r.choice(UNITS)[0].encode()] if r.random() < 0.7 else [])


def run_random(run, h, seed, count):
    label = "geo:random"
    r = random.Random("geo:%d" % seed)
    gen = GeoGen(r, count)
    run.flush()
    steps = gen.loads() + [[b"ZRANGE", b"small", b"0", b"-1", b"WITHSCORES"], [b"ZCARD", b"big"],
                           [b"OBJECT", b"ENCODING", b"small"], [b"OBJECT", b"ENCODING", b"big"]]
    for _ in range(max(1, count // 4)):
        if r.random() < 0.2:
            steps.append(gen.lookup())
        else:
            q, readback = gen.query()
            steps.append(q)
            if readback:
                steps.append([b"ZRANGE", readback, b"0", b"-1", b"WITHSCORES"])
                steps.append([b"OBJECT", b"ENCODING", readback])
    failed = 0
    for i, args in enumerate(steps):
        a = run.one(run.ref, "a", args)
        b = run.one(run.test, "a", args)
        ok = run.equal(a, b, None)
        h.report("%s#%d" % (label, i), "a> " + K.cmd_str(args), a[0] + a[2], b[0] + b[2], ok)
        if not ok:
            failed += 1
        if b"<TIMEOUT>" in (a[2], b[2]):
            break
        if not h.test.server.alive():
            raise K.Abort("ferrokv process died during %s%s#%d:\n%s" % (
                h.tag, label, i, h.test.server.log_tail()))
    if failed:
        print("note: [%s%s] %d of %d random geo commands differ (rerun with --seed %d --geo-count %d -k geo:random)"
              % (h.tag, label, failed, len(steps), seed, count))
    for side in run.sides():
        side.close("a")
        side.conns.pop("a", None)
    run.flush()


def run_geo(h, filt, seed, count=DEFAULT_COUNT):
    """Part "geo" (one protocol pass): hand groups, the notify groups, then
    the random part."""
    groups = [("geo:" + name, steps) for name, steps in hand_groups()]
    groups = [g for g in groups if not filt or filt in g[0]]
    do_random = count > 0 and (not filt or filt in "geo:random")
    CSTR.read_params(h)
    h.fresh()
    run = CSTR._Run(h)
    try:
        for label, steps in groups:
            run.flush()
            used = []
            for kind, conn, args, norm in steps:
                if conn is not None and conn not in used:
                    used.append(conn)
                if run.step(label, kind, conn, args, norm) == "timeout":
                    print("note: [%s%s] timed out, rest of the group abandoned" % (h.tag, label))
                    break
            run.teardown(label, used)
            if not h.test.server.alive():
                raise K.Abort("ferrokv process died (exit %s) during group %s%s:\n%s" % (
                    h.test.server.proc.returncode, h.tag, label, h.test.server.log_tail()))
        if do_random:
            run_random(run, h, seed, count)
            run.teardown("geo:random", ["a"])
    finally:
        run.close()
    h.fresh()
    K.run_pubsub(h, filt, "geo")
