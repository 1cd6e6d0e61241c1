//! What a client learns of the server: COMMAND (and its subcommands, from the command table),
//! INFO, MONITOR, TIME.

use super::{help_reply, is};
use crate::command::{acl_categories, flags, flags::*, CmdResult, Command, Registry};
use crate::command_spec::{key_flags, Arg, BeginSearch, FindKeys, KeySpec};
use crate::error::{self, CmdError};
use crate::{cmd, Ctx};
use resp::ReplyBuf;
use std::sync::atomic::Ordering::Relaxed;

/// `MONITOR`: from now on the connection receives every command the server runs.
fn monitor(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    if ctx.session.monitor.is_none() {
        let m = std::sync::Arc::new(crate::pubsub::Subscriber::new(
            ctx.session.client.clone(),
            false,
        ));
        ctx.engine.monitors.add(m.clone());
        ctx.session.client.monitor.store(true, Relaxed);
        ctx.session.monitor = Some(m);
    }
    ctx.out.ok();
    Ok(())
}

/// `TIME`
fn time(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let us = ctx.engine.clock.now_us();
    ctx.out.array(2);
    ctx.out.bulk((us / 1_000_000).to_string().as_bytes());
    ctx.out.bulk((us % 1_000_000).to_string().as_bytes());
    Ok(())
}

fn command_info(reg: &Registry, idx: usize, out: &mut ReplyBuf) {
    let e = &reg.entries[idx];
    let c = e.cmd;
    out.array(10);
    out.bulk(e.full_name.as_bytes());
    out.int(i64::from(c.arity));
    let names: Vec<&str> = flags::NAMES
        .iter()
        .filter(|(bit, _)| c.flags & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    out.set(names.len());
    for n in names {
        out.simple(n);
    }
    out.int(i64::from(c.first_key));
    out.int(i64::from(c.last_key));
    out.int(i64::from(c.step));
    let cats = acl_categories(c);
    out.set(cats.len());
    for cat in &cats {
        out.simple(cat);
    }
    out.set(e.spec.tips.len());
    for tip in &e.spec.tips {
        out.bulk(tip.as_bytes());
    }
    out.set(e.spec.keys.len());
    for ks in &e.spec.keys {
        key_spec(ks, out);
    }
    let children: Vec<usize> = reg.children(idx).map(|(i, _)| i).collect();
    // As Redis: a container's subcommands are an array, a plain command's none an empty set.
    if children.is_empty() {
        out.set(0);
    } else {
        out.array(children.len());
    }
    for i in children {
        command_info(reg, i, out);
    }
}

fn key_flag_set(flags: u16, out: &mut ReplyBuf) {
    out.set(key_flags::names(flags).count());
    for name in key_flags::names(flags) {
        out.simple(name);
    }
}

/// One key specification in Redis 7's shape.
fn key_spec(ks: &KeySpec, out: &mut ReplyBuf) {
    out.map(if ks.notes.is_some() { 4 } else { 3 });
    if let Some(notes) = ks.notes {
        out.bulk(b"notes");
        out.bulk(notes.as_bytes());
    }
    out.bulk(b"flags");
    key_flag_set(ks.flags, out);
    out.bulk(b"begin_search");
    out.map(2);
    out.bulk(b"type");
    match ks.begin {
        BeginSearch::Index(pos) => {
            out.bulk(b"index");
            out.bulk(b"spec");
            out.map(1);
            out.bulk(b"index");
            out.int(i64::from(pos));
        }
        BeginSearch::Keyword { keyword, startfrom } => {
            out.bulk(b"keyword");
            out.bulk(b"spec");
            out.map(2);
            out.bulk(b"keyword");
            out.bulk(keyword.as_bytes());
            out.bulk(b"startfrom");
            out.int(i64::from(startfrom));
        }
        BeginSearch::Unknown => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            out.map(0);
        }
    }
    out.bulk(b"find_keys");
    out.map(2);
    out.bulk(b"type");
    let fields: [(&[u8], i32); 3] = match ks.find {
        FindKeys::Range {
            lastkey,
            keystep,
            limit,
        } => {
            out.bulk(b"range");
            [
                (b"lastkey", lastkey),
                (b"keystep", keystep),
                (b"limit", limit),
            ]
        }
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            keystep,
        } => {
            out.bulk(b"keynum");
            [
                (b"keynumidx", keynumidx),
                (b"firstkey", firstkey),
                (b"keystep", keystep),
            ]
        }
        FindKeys::Unknown => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            out.map(0);
            return;
        }
    };
    out.bulk(b"spec");
    out.map(3);
    for (name, v) in fields {
        out.bulk(name);
        out.int(i64::from(v));
    }
}

/// One COMMAND DOCS argument, its members nested.
fn doc_arg(arg: &Arg, out: &mut ReplyBuf) {
    out.map(arg.fields.len() + usize::from(!arg.args.is_empty()));
    for (k, v) in &arg.fields {
        out.bulk(k.as_bytes());
        match *k {
            "key_spec_index" => out.int(v.parse().unwrap_or(-1)),
            "flags" => {
                out.set(v.split(',').count());
                for f in v.split(',') {
                    out.simple(f);
                }
            }
            _ => out.bulk(v.as_bytes()),
        }
    }
    if !arg.args.is_empty() {
        out.bulk(b"arguments");
        out.array(arg.args.len());
        for a in &arg.args {
            doc_arg(a, out);
        }
    }
}

/// One command's COMMAND DOCS map, in Redis's field order.
fn command_docs_entry(reg: &Registry, idx: usize, out: &mut ReplyBuf) {
    let d = reg.entries[idx].spec;
    let children: Vec<usize> = reg.children(idx).map(|(i, _)| i).collect();
    let len = 3
        + usize::from(d.complexity.is_some())
        + usize::from(!d.doc_flags.is_empty())
        + usize::from(d.deprecated_since.is_some())
        + usize::from(d.replaced_by.is_some())
        + usize::from(!d.history.is_empty())
        + usize::from(!d.args.is_empty())
        + usize::from(!children.is_empty());
    out.map(len);
    for (k, v) in [
        ("summary", Some(d.summary)),
        ("since", Some(d.since)),
        ("group", Some(d.group)),
        ("complexity", d.complexity),
    ] {
        if let Some(v) = v {
            out.bulk(k.as_bytes());
            out.bulk(v.as_bytes());
        }
    }
    if !d.doc_flags.is_empty() {
        out.bulk(b"doc_flags");
        out.set(d.doc_flags.len());
        for f in &d.doc_flags {
            out.simple(f);
        }
    }
    for (k, v) in [
        ("deprecated_since", d.deprecated_since),
        ("replaced_by", d.replaced_by),
    ] {
        if let Some(v) = v {
            out.bulk(k.as_bytes());
            out.bulk(v.as_bytes());
        }
    }
    if !d.history.is_empty() {
        out.bulk(b"history");
        out.set(d.history.len());
        for (version, change) in &d.history {
            out.array(2);
            out.bulk(version.as_bytes());
            out.bulk(change.as_bytes());
        }
    }
    if !d.args.is_empty() {
        out.bulk(b"arguments");
        out.array(d.args.len());
        for a in &d.args {
            doc_arg(a, out);
        }
    }
    if !children.is_empty() {
        out.bulk(b"subcommands");
        out.map(children.len());
        for i in children {
            out.bulk(reg.entries[i].full_name.as_bytes());
            command_docs_entry(reg, i, out);
        }
    }
}

/// `COMMAND`: every command's COMMAND INFO.
fn command_all(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let reg = &ctx.engine.registry;
    let top: Vec<usize> = reg.top_level().map(|(i, _)| i).collect();
    ctx.out.array(top.len());
    for i in top {
        command_info(reg, i, ctx.out);
    }
    Ok(())
}

/// `COMMAND COUNT`
fn command_count(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.out.int(ctx.engine.registry.top_level().count() as i64);
    Ok(())
}

/// Resolves `name` or `container|sub`.
fn find_command(reg: &Registry, name: &[u8]) -> Option<usize> {
    match name.iter().position(|&c| c == b'|') {
        Some(p) => reg.lookup_sub(reg.lookup(&name[..p])?, &name[p + 1..]),
        None => reg.lookup(name),
    }
}

/// `COMMAND INFO [command-name ...]`
fn command_info_cmd(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if args.len() == 2 {
        return command_all(ctx, args);
    }
    let reg = &ctx.engine.registry;
    ctx.out.array(args.len() - 2);
    for name in &args[2..] {
        match find_command(reg, name) {
            Some(i) => command_info(reg, i, ctx.out),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

/// `COMMAND DOCS [command-name ...]`
fn command_docs(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let reg = &ctx.engine.registry;
    let wanted: Vec<usize> = if args.len() == 2 {
        reg.top_level().map(|(i, _)| i).collect()
    } else {
        args[2..]
            .iter()
            .filter_map(|n| find_command(reg, n))
            .collect()
    };
    ctx.out.map(wanted.len());
    for i in wanted {
        ctx.out.bulk(reg.entries[i].full_name.as_bytes());
        command_docs_entry(reg, i, ctx.out);
    }
    Ok(())
}

/// `COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]`
fn command_list(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let reg = &ctx.engine.registry;
    let filter: Option<(&[u8], &[u8])> = match args.len() {
        2 => None,
        5 if is(args[2], "filterby") => Some((args[3], args[4])),
        _ => return Err(error::SYNTAX),
    };
    let mut names = Vec::new();
    for e in &reg.entries {
        let keep = match filter {
            None => true,
            // No modules are loaded: no command belongs to one.
            Some((kind, _)) if is(kind, "module") => false,
            Some((kind, value)) if is(kind, "aclcat") => {
                let want = format!("@{}", String::from_utf8_lossy(value).to_ascii_lowercase());
                acl_categories(e.cmd).contains(&want)
            }
            Some((kind, value)) if is(kind, "pattern") => {
                crate::glob::matches(value, e.full_name.as_bytes(), true)
            }
            Some(_) => return Err(error::SYNTAX),
        };
        if keep {
            names.push(e.full_name.clone());
        }
    }
    ctx.out.array(names.len());
    for n in names {
        ctx.out.bulk(n.as_bytes());
    }
    Ok(())
}

/// `COMMAND GETKEYS command [arg ...]` and `COMMAND GETKEYSANDFLAGS command [arg ...]`.
fn getkeys(ctx: &mut Ctx<'_>, args: &[&[u8]], with_flags: bool) -> CmdResult {
    let reg = &ctx.engine.registry;
    let sub = &args[2..];
    let Some(top) = reg.lookup(sub[0]) else {
        return Err(CmdError::from_static("ERR Invalid command specified"));
    };
    let idx = if reg.entries[top].cmd.subcommands.is_empty() || sub.len() == 1 {
        top
    } else {
        match reg.lookup_sub(top, sub[1]) {
            Some(i) => i,
            None => return Err(CmdError::from_static("ERR Invalid command specified")),
        }
    };
    let entry = &reg.entries[idx];
    let has_keys = entry
        .spec
        .keys
        .iter()
        .any(|k| k.flags & key_flags::NOT_KEY == 0);
    if !has_keys {
        return Err(CmdError::from_static(
            "ERR The command has no key arguments",
        ));
    }
    let argc = sub.len() as i64;
    let arity = i64::from(entry.cmd.arity);
    if (arity > 0 && arity != argc) || argc < -arity {
        return Err(CmdError::from_static(
            "ERR Invalid number of arguments specified for command",
        ));
    }
    let keys = reg.keys_and_flags(idx, sub);
    if keys.is_empty() && entry.cmd.flags & NO_MANDATORY_KEYS == 0 {
        return Err(CmdError::from_static(
            "ERR Invalid arguments specified for command",
        ));
    }
    ctx.out.array(keys.len());
    for (pos, flags) in keys {
        if with_flags {
            ctx.out.array(2);
            ctx.out.bulk(sub[pos]);
            key_flag_set(flags, ctx.out);
        } else {
            ctx.out.bulk(sub[pos]);
        }
    }
    Ok(())
}

/// `COMMAND GETKEYS command [arg ...]`
fn command_getkeys(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    getkeys(ctx, args, false)
}

/// `COMMAND GETKEYSANDFLAGS command [arg ...]`
fn command_getkeysandflags(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    getkeys(ctx, args, true)
}

/// `COMMAND HELP`
fn command_help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    help_reply(
        ctx,
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// CONFIG and INFO

/// `INFO [section [section ...]]`
fn info(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let text = crate::info::render(ctx.engine, &args[1..], ctx.now);
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// `SLOWLOG GET [count]`
fn slowlog_get(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::concat(&[
            b"ERR unknown subcommand or wrong number of arguments for '",
            args[1],
            b"'. Try SLOWLOG HELP.",
        ]));
    }
    let count = match args.get(2) {
        None => Some(10),
        Some(a) => match resp::number::parse_i64(a) {
            Some(-1) => None,
            Some(n) if n >= 0 => Some(n as usize),
            _ => {
                return Err(CmdError::from_static(
                    "ERR count should be greater than or equal to -1",
                ))
            }
        },
    };
    let entries = ctx.engine.slowlog.get(count);
    ctx.out.array(entries.len());
    for e in entries {
        ctx.out.array(6);
        ctx.out.int(e.id as i64);
        ctx.out.int(e.time as i64);
        ctx.out.int(e.duration_us as i64);
        ctx.out.array(e.args.len());
        for a in &e.args {
            ctx.out.bulk(a);
        }
        ctx.out.bulk(e.addr.as_bytes());
        ctx.out.bulk(&e.name);
    }
    Ok(())
}

/// `SLOWLOG LEN`
fn slowlog_len(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.out.int(ctx.engine.slowlog.len() as i64);
    Ok(())
}

/// `SLOWLOG RESET`
fn slowlog_reset(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.engine.slowlog.reset();
    ctx.out.ok();
    Ok(())
}

/// `SLOWLOG HELP`
fn slowlog_help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    help_reply(
        ctx,
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
    Ok(())
}

fn slowlog_container(_: &mut Ctx<'_>, _: &[&[u8]]) -> CmdResult {
    Err(error::SYNTAX)
}

#[rustfmt::skip]
const SLOWLOG: &[Command] = &[
    cmd!("get", -2, ADMIN | LOADING | STALE, 0, 0, 0, [], slowlog_get),
    cmd!("len", 2, ADMIN | LOADING | STALE, 0, 0, 0, [], slowlog_len),
    cmd!("reset", 2, ADMIN | LOADING | STALE, 0, 0, 0, [], slowlog_reset),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, [], slowlog_help),
];

#[rustfmt::skip]
const SUBCOMMANDS: &[Command] = &[
    cmd!("count", 2, LOADING | STALE, 0, 0, 0, ["connection"], command_count),
    cmd!("info", -2, LOADING | STALE, 0, 0, 0, ["connection"], command_info_cmd),
    cmd!("docs", -2, LOADING | STALE, 0, 0, 0, ["connection"], command_docs),
    cmd!("list", -2, LOADING | STALE, 0, 0, 0, ["connection"], command_list),
    cmd!("getkeys", -4, LOADING | STALE, 0, 0, 0, ["connection"], command_getkeys),
    cmd!("getkeysandflags", -4, LOADING | STALE, 0, 0, 0, ["connection"], command_getkeysandflags),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, ["connection"], command_help),
];

/// The introspection family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    cmd!("time", 1, LOADING | STALE | FAST, 0, 0, 0, [], time),
    cmd!("monitor", 1, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], monitor),
    cmd!("info", -1, LOADING | STALE, 0, 0, 0, ["dangerous"], info),
    Command {
        subcommands: SLOWLOG,
        ..cmd!("slowlog", -2, 0, 0, 0, 0, [], slowlog_container)
    },
    Command {
        subcommands: SUBCOMMANDS,
        ..cmd!("command", -1, LOADING | STALE, 0, 0, 0, ["connection"], command_all)
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command_spec::Arg;

    /// One argument list for `args`: every optional part present, `oneof` by `choice`, each
    /// repeated argument twice, numkeys agreeing with the keys after it.
    fn sample(args: &[Arg], choice: usize, out: &mut Vec<Vec<u8>>) {
        for a in args {
            let reps = if a.has_flag("multiple") { 2 } else { 1 };
            for i in 0..reps {
                if let Some(token) = a.get("token") {
                    if i == 0 || a.has_flag("multiple_token") {
                        out.push(token.as_bytes().to_vec());
                    }
                }
                let name = a.get("name").unwrap_or("");
                match a.get("type").unwrap_or("") {
                    "oneof" => sample(&a.args[choice % a.args.len()..][..1], choice, out),
                    "block" => sample(&a.args, choice, out),
                    "pure-token" => {}
                    "key" => out.push(format!("key{}", out.len()).into_bytes()),
                    "integer" if name.contains("numkeys") => out.push(b"2".to_vec()),
                    "integer" | "double" | "unix-time" => out.push(b"1".to_vec()),
                    _ => out.push(b"v".to_vec()),
                }
            }
        }
    }

    /// The call path locks the shards of `Registry::key_positions` (first/last/step, numkeys,
    /// the command's finder); every key the key specs name must be among them, or a command
    /// could touch a key it holds no lock for.
    #[test]
    fn every_key_the_specs_name_is_a_key_the_call_path_locks() {
        let reg = Registry::new(crate::families::TABLES);
        let mut checked = 0;
        for (idx, e) in reg.entries.iter().enumerate() {
            if !e.cmd.subcommands.is_empty() {
                continue;
            }
            for choice in 0..3 {
                let mut argv: Vec<Vec<u8>> = e
                    .full_name
                    .split('|')
                    .map(|s| s.as_bytes().to_vec())
                    .collect();
                sample(&e.spec.args, choice, &mut argv);
                let args: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
                let locked = reg.key_positions(idx, &args);
                for (pos, _) in reg.keys_and_flags(idx, &args) {
                    assert!(
                        locked.contains(&pos),
                        "{}: key at {pos} of {:?} is not locked ({locked:?})",
                        e.full_name,
                        String::from_utf8_lossy(&argv.join(&b' '))
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 300, "only {checked} keys checked");
    }
}
