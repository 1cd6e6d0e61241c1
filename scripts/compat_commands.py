"""Command-table part of the differential compatibility suite (see compat.py).

What clients read to learn the commands: COMMAND INFO and COMMAND DOCS of
every command ferrokv lists (each subcommand too), and COMMAND GETKEYS /
GETKEYSANDFLAGS over argument lists generated from each command's own
COMMAND DOCS argument tree (read from the reference server, the oracle).

compat.py imports this module, calls ``install(core)`` with itself and, for
the part ``commands``, ``run_commands(h, filt, seed, count)`` once per
protocol pass.

Groups:
  commands:info   COMMAND INFO <name> for every top-level command ferrokv
                  lists: arity, flags, first/last/step, ACL categories, tips,
                  key specs and every subcommand's entry, exactly ("cmdinfo":
                  Redis lists subcommands in its dict's order, so that list
                  compares as a multiset).
  commands:docs   COMMAND DOCS <name> for the same commands ("docs": maps
                  compare as maps, the subcommands map in any order; every
                  value exactly: summary, since, group, complexity, doc flags,
                  deprecated_since, replaced_by, history, argument trees).
  commands:list-filterby  COMMAND LIST FILTERBY ACLCAT of the categories
                  whose commands are all built here, PATTERN, MODULE, errors
                  (as sets).
  commands:getkeys  for each command with key specs (or none: the error),
                  --commands-count seeded random argument lists built from its
                  argument tree (optional parts, oneof choices, repeats,
                  tokens; keys, numbers, numkeys that agree with the keys that
                  follow or not, keywords in the wrong place), each asked as
                  COMMAND GETKEYS and COMMAND GETKEYSANDFLAGS on both servers,
                  plus the list with its last argument dropped.  Every reply
                  exactly.
"""

import random

K = None    # the compat core module (set by install)

DEFAULT_COUNT = 40  # argument lists per command (--commands-count)

KEYS = ["k1", "k2", "{t}a", "{t}b", "dst"]
WORDS = ["v", "x", "STORE", "GET", "STREAMS", "KEYS", "BY", "LIMIT", "SET", "*", ""]
NUMBERS = ["0", "1", "2", "3", "-1", "1x", "10", "abc"]


def install(core):
    global K
    K = core
    core.COMPARATORS["docs"] = cmp_docs


def _map_items(v):
    """(key, value) pairs of a RESP3 map or a RESP2 flat array with bulk keys; None otherwise."""
    t, p = v
    if p is None or t not in "%*" or len(p) % 2:
        return None
    if t == "*" and not all(x[0] == "$" for x in p[0::2]):
        return None
    return [(p[i][1], p[i + 1]) for i in range(0, len(p), 2)]


def _docs(v):
    """A "name -> doc" map (the reply, or a doc's subcommands) in name order."""
    items = _map_items(v)
    if items is None:
        return _freeze(v)
    return tuple(sorted((name, _doc(doc)) for name, doc in items))


def _doc(v):
    """One command's doc: its fields in name order, subcommands through _docs."""
    items = _map_items(v)
    if items is None:
        return _freeze(v)
    return tuple(sorted((k, _docs(x) if k == b"subcommands" else _freeze(x)) for k, x in items))


def _freeze(v):
    if v is None:
        return None
    t, p = v
    if isinstance(p, list):
        return (t, tuple(_freeze(x) for x in p))
    return (t, p)


def cmp_docs(a, b):
    # COMMAND DOCS: maps as maps (RESP2's flat arrays too), the subcommands
    # map in any order (Redis's is its dict's); every value exactly.
    (ra, va), (rb, vb) = a, b
    if va is None or vb is None or K._is_err(va) or K._is_err(vb):
        return ra == rb
    return _docs(va) == _docs(vb)


# --------------------------------------------------------------------------
# Argument lists from COMMAND DOCS argument trees
# --------------------------------------------------------------------------

def _fields(arg):
    items = _map_items(arg) or []
    out = {}
    for k, v in items:
        k = k.decode()
        if k == "arguments":
            out[k] = v[1] or []
        elif k == "flags":
            out[k] = {x[1].decode() for x in (v[1] or [])}
        else:
            out[k] = v[1].decode("latin-1") if isinstance(v[1], bytes) else v[1]
    return out


class Gen:
    def __init__(self, rng):
        self.rng = rng
        self.pending_keys = None    # a numkeys value the next repeated key argument follows

    def value(self, f):
        r = self.rng
        t = f.get("type")
        name = f.get("name", "")
        if t == "key":
            return [r.choice(KEYS)]
        if t == "integer":
            if name in ("numkeys", "numkeys_or_zero") or name.endswith("numkeys"):
                n = r.choice([1, 1, 2, 3, 0, 5])
                self.pending_keys = n if r.random() < 0.75 else None
                return [r.choice([str(n), str(n), str(n), "-1", "1x"])]
            return [r.choice(NUMBERS)]
        if t == "double":
            return [r.choice(["1.5", "0", "-2", "inf", "x"])]
        if t == "unix-time":
            return [r.choice(["100", "0", "x"])]
        if t == "pure-token":
            return []
        return [r.choice(WORDS)]

    def arg(self, arg, out):
        f = _fields(arg)
        r = self.rng
        flags = f.get("flags", set())
        if "optional" in flags and r.random() < 0.5:
            return
        if "multiple" in flags:
            reps = r.choice([1, 1, 2, 3])
            if f.get("type") == "key" and self.pending_keys:
                reps = self.pending_keys
                self.pending_keys = None
        else:
            reps = 1
        for i in range(reps):
            if "token" in f and (i == 0 or "multiple_token" in flags):
                out.append(f["token"])
            t = f.get("type")
            if t == "oneof":
                members = f.get("arguments", [])
                if members:
                    self.arg_required(r.choice(members), out)
            elif t == "block":
                for m in f.get("arguments", []):
                    self.arg(m, out)
            else:
                out.extend(self.value(f))

    def arg_required(self, arg, out):
        # A oneof member is chosen: it is present even when marked optional.
        f = _fields(arg)
        if "optional" in f.get("flags", set()):
            t, p = arg
            items = [x for x in (_map_items(arg) or []) if x[0] != b"flags"]
            flat = []
            for k, v in items:
                flat += [("$", k), v]
            arg = ("%", flat)
        self.arg(arg, out)

    def argv(self, name, args):
        out = list(name)
        for a in args:
            self.arg(a, out)
        return out


def _docs_args(doc):
    """The argument list of one command's COMMAND DOCS entry (parsed reply)."""
    for k, v in _map_items(doc) or []:
        if k == b"arguments":
            return v[1] or []
    return []


def _subcommands(doc):
    for k, v in _map_items(doc) or []:
        if k == b"subcommands":
            return _map_items(v) or []
    return []


def getkeys_groups(h, names, seed, count):
    rng = random.Random(seed)
    groups = []
    for name in names:
        _, docs = h.ref.call([b"COMMAND", b"DOCS", name])
        entries = _map_items(docs) or []
        if not entries:
            continue
        doc = entries[0][1]
        targets = [([name.decode()], _docs_args(doc))]
        for sub_name, sub_doc in _subcommands(doc):
            sub = sub_name.decode().split("|", 1)[1]
            targets.append(([name.decode(), sub], _docs_args(sub_doc)))
        steps = []
        for head, args in targets:
            for _ in range(count):
                argv = Gen(rng).argv(head, args)
                for variant in (argv, argv[:-1] if len(argv) > len(head) else None):
                    if variant is None:
                        continue
                    b = [x.encode("latin-1") for x in variant]
                    steps.append(("c", [b"COMMAND", b"GETKEYS"] + b, None))
                    steps.append(("c", [b"COMMAND", b"GETKEYSANDFLAGS"] + b, None))
        groups.append(("commands:getkeys:" + name.decode(), steps))
    return groups


def run_commands(h, filt, seed, count=DEFAULT_COUNT):
    """Part "commands" (one protocol pass)."""
    _, listed = h.test.call([b"COMMAND", b"LIST"])
    names = sorted(x[1] for x in listed[1] if b"|" not in x[1])
    groups = [
        ("commands:info", [("c", [b"COMMAND", b"INFO", n], "cmdinfo") for n in names]),
        ("commands:docs", [("c", [b"COMMAND", b"DOCS", n], "docs") for n in names]),
        ("commands:docs-several", [("c", [b"COMMAND", b"DOCS", b"get", b"nosuch", b"config|get",
                                          b"object"], "docs"),
                                   ("c", [b"COMMAND", b"INFO", b"get", b"nosuch", b"config|set"],
                                    "cmdinfo")]),
        # The families built here in full: the same commands in each category (any order).
        ("commands:list-filterby", [("c", [b"COMMAND", b"LIST", b"FILTERBY", b"ACLCAT", c], "sorted")
                                    for c in (b"string", b"list", b"hash", b"set", b"sortedset", b"bitmap",
                                              b"hyperloglog", b"geo", b"stream", b"pubsub", b"transaction",
                                              b"scripting", b"nosuch")] +
         [("c", [b"COMMAND", b"LIST", b"FILTERBY", b"PATTERN", p], "sorted")
          for p in (b"x*", b"z*", b"object|*", b"[sx]*|help", b"[gh]*", b"nosuch")] +
         [("c", [b"COMMAND", b"LIST", b"FILTERBY", b"MODULE", b"m"], None),
          ("c", [b"COMMAND", b"LIST", b"FILTERBY", b"NOSUCH", b"m"], None),
          ("c", [b"COMMAND", b"LIST", b"FILTERBY"], None),
          ("c", [b"COMMAND", b"LIST", b"FOO", b"ACLCAT", b"geo"], None)]),
    ]
    if count > 0:
        groups += getkeys_groups(h, names, seed, count)
    for label, steps in groups:
        if filt and filt not in label:
            continue
        h.run_group(label, steps)
