#!/usr/bin/env python3
"""Writes crates/engine/src/command_spec.txt from a running redis-server 7.0.

The file is the documentation half of the command table: for every Redis 7.0 command and
subcommand, what COMMAND DOCS says of it (summary, since, group, complexity, doc flags,
history, the argument tree) and what COMMAND INFO says of its keys (key specifications) and
tips. ferrokv's own table (commands.rs and the families) keeps what decides behaviour: arity,
flags, first/last/step, ACL categories, the handler. Asking the reference server rather than
typing 240 argument trees by hand keeps the two in step; the differential suite then checks
that ferrokv's COMMAND INFO, COMMAND DOCS and COMMAND GETKEYSANDFLAGS replies equal Redis's.

Usage: redis-server --port 7101 & ; scripts/gen_command_spec.py --port 7101

Format (tab-separated, one record per line; see crates/engine/src/command_spec.rs):
    command <full name>           starts a command ("config|get" for a subcommand)
    summary|since|group|complexity|deprecated_since|replaced_by <text>
    doc_flags <flag,flag>
    history <version> <text>
    tips <tip> [<tip> ...]
    key <flags,...> <begin_search> <find_keys> [notes]
        begin_search: index:<pos> | keyword:<keyword>:<startfrom> | unknown
        find_keys:    range:<lastkey>:<keystep>:<limit> | keynum:<idx>:<first>:<step> | unknown
    arg <field>=<value> ...       an argument; leading spaces give its depth in the tree
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compat import Conn  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "crates", "engine", "src", "command_spec.txt")


def s(v):
    t, p = v
    assert t in "$+", v
    text = p.decode()
    assert "\t" not in text and "\n" not in text and "\r" not in text, text
    return text


def pairs(v):
    t, items = v
    assert t == "%", v
    return [(s(items[i]), items[i + 1]) for i in range(0, len(items), 2)]


def flag_list(v):
    t, items = v
    assert t == "~", v
    return ",".join(s(x) for x in items)


def write_args(out, args, depth):
    t, items = args
    assert t == "*"
    for a in items:
        fields = []
        nested = None
        for k, v in pairs(a):
            if k == "arguments":
                nested = v
            elif k == "flags":
                fields.append("flags=" + flag_list(v))
            elif k == "key_spec_index":
                assert v[0] == ":"
                fields.append("key_spec_index=" + v[1].decode())
            else:
                fields.append("%s=%s" % (k, s(v)))
        out.append(" " * depth + "arg\t" + "\t".join(fields))
        if nested is not None:
            write_args(out, nested, depth + 1)


def write_keyspec(out, spec):
    d = dict(pairs(spec))
    flags = flag_list(d["flags"])
    bs = dict(pairs(d["begin_search"]))
    bst = s(bs["type"])
    bspec = dict(pairs(bs["spec"]))
    if bst == "index":
        begin = "index:%s" % bspec["index"][1].decode()
    elif bst == "keyword":
        begin = "keyword:%s:%s" % (s(bspec["keyword"]), bspec["startfrom"][1].decode())
    else:
        assert bst == "unknown", bst
        begin = "unknown"
    fk = dict(pairs(d["find_keys"]))
    fkt = s(fk["type"])
    fspec = dict(pairs(fk["spec"]))
    if fkt == "range":
        find = "range:%s:%s:%s" % tuple(fspec[k][1].decode() for k in ("lastkey", "keystep", "limit"))
    elif fkt == "keynum":
        find = "keynum:%s:%s:%s" % tuple(fspec[k][1].decode() for k in ("keynumidx", "firstkey", "keystep"))
    else:
        assert fkt == "unknown", fkt
        find = "unknown"
    line = ["key", flags, begin, find]
    if "notes" in d:
        line.append(s(d["notes"]))
    out.append("\t".join(line))


def write_command(out, name, docs, info):
    out.append("command\t" + name)
    d = pairs(docs)
    for k, v in d:
        if k in ("summary", "since", "group", "complexity", "deprecated_since", "replaced_by"):
            out.append("%s\t%s" % (k, s(v)))
        elif k == "doc_flags":
            out.append("doc_flags\t" + flag_list(v))
        elif k == "history":
            for h in v[1]:
                ver, text = h[1]
                out.append("history\t%s\t%s" % (s(ver), s(text)))
        elif k in ("arguments", "subcommands"):
            pass
        else:
            raise SystemExit("unknown COMMAND DOCS field %r of %s" % (k, name))
    tips = [s(t) for t in info[1][7][1]]
    if tips:
        out.append("tips\t" + "\t".join(tips))
    for spec in info[1][8][1]:
        write_keyspec(out, spec)
    for k, v in d:
        if k == "arguments":
            write_args(out, v, 0)
    subs_docs = dict(pairs(dict(d).get("subcommands", ("%", []))))
    subs_info = {s(x[1][0]): x for x in info[1][9][1]}
    assert set(subs_docs) == set(subs_info), name
    for sub in sorted(subs_docs):
        write_command(out, sub, subs_docs[sub], subs_info[sub])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=6379)
    ap.add_argument("--out", default=OUT)
    a = ap.parse_args()
    c = Conn(a.port, timeout=10)
    c.call([b"HELLO", b"3"])
    _, version = c.call([b"INFO", b"server"])
    ver = [l for l in version[1].decode().splitlines() if l.startswith("redis_version:")][0]
    _, docs = c.call([b"COMMAND", b"DOCS"])
    _, infos = c.call([b"COMMAND", b"INFO"])
    docs = dict(pairs(docs))
    infos = {s(i[1][0]): i for i in infos[1]}
    assert set(docs) == set(infos)
    out = ["# Generated by scripts/gen_command_spec.py from redis-server (%s): do not edit." % ver]
    for name in sorted(docs):
        write_command(out, name, docs[name], infos[name])
    with open(a.out, "w") as f:
        f.write("\n".join(out) + "\n")
    print("wrote %d commands to %s" % (len(docs), a.out))


if __name__ == "__main__":
    main()
