//! What a client learns of the server: COMMAND (and its subcommands, from the command table),
//! INFO, MONITOR, TIME.

use super::{help_reply, is};
use crate::command::{acl_categories, flags, flags::*, CmdResult, Command, Registry};
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
    out.set(0);
    key_specs(c, out);
    let children: Vec<usize> = reg.children(idx).map(|(i, _)| i).collect();
    out.array(children.len());
    for i in children {
        command_info(reg, i, out);
    }
}

/// Key specifications derived from first/last/step, in Redis 7's shape.
fn key_specs(c: &Command, out: &mut ReplyBuf) {
    if c.first_key <= 0 {
        out.array(0);
        return;
    }
    out.array(1);
    out.map(3);
    out.bulk(b"flags");
    let f: &[&str] = if c.flags & WRITE != 0 {
        &["RW", "UPDATE"]
    } else {
        &["RO", "ACCESS"]
    };
    out.set(f.len());
    for x in f {
        out.simple(x);
    }
    out.bulk(b"begin_search");
    out.map(2);
    out.bulk(b"type");
    out.bulk(b"index");
    out.bulk(b"spec");
    out.map(1);
    out.bulk(b"index");
    out.int(i64::from(c.first_key));
    out.bulk(b"find_keys");
    out.map(2);
    out.bulk(b"type");
    out.bulk(b"range");
    out.bulk(b"spec");
    out.map(3);
    out.bulk(b"lastkey");
    out.int(if c.last_key < 0 {
        i64::from(c.last_key)
    } else {
        i64::from(c.last_key - c.first_key)
    });
    out.bulk(b"keystep");
    out.int(i64::from(c.step));
    out.bulk(b"limit");
    out.int(0);
}

fn command_docs_entry(reg: &Registry, idx: usize, out: &mut ReplyBuf) {
    let e = &reg.entries[idx];
    let c = e.cmd;
    let children: Vec<usize> = reg.children(idx).map(|(i, _)| i).collect();
    out.map(if children.is_empty() { 4 } else { 5 });
    out.bulk(b"summary");
    out.bulk(c.summary.as_bytes());
    out.bulk(b"since");
    out.bulk(c.since.as_bytes());
    out.bulk(b"group");
    out.bulk(c.group.as_bytes());
    out.bulk(b"complexity");
    out.bulk(c.complexity.as_bytes());
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
            None => ctx.out.null_array(),
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
    for (i, e) in reg.entries.iter().enumerate() {
        let keep = match filter {
            None => true,
            Some((kind, value)) if is(kind, "module") => {
                let _ = value;
                false
            }
            Some((kind, value)) if is(kind, "aclcat") => {
                let want = format!("@{}", String::from_utf8_lossy(value).to_ascii_lowercase());
                acl_categories(e.cmd).contains(&want)
            }
            Some((kind, value)) if is(kind, "pattern") => {
                crate::glob::matches(value, e.full_name.as_bytes(), true)
            }
            Some(_) => return Err(error::SYNTAX),
        };
        let _ = i;
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

/// `COMMAND GETKEYS command [arg ...]`
fn command_getkeys(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let reg = &ctx.engine.registry;
    let sub = &args[2..];
    let Some(top) = reg.lookup(sub[0]) else {
        return Err(CmdError::from_static("ERR Invalid command specified"));
    };
    let idx = if reg.entries[top].cmd.subcommands.is_empty() {
        top
    } else {
        match sub.get(1).and_then(|s| reg.lookup_sub(top, s)) {
            Some(i) => i,
            None => return Err(CmdError::from_static("ERR Invalid command specified")),
        }
    };
    let cmd = reg.entries[idx].cmd;
    if cmd.first_key <= 0 && cmd.numkeys <= 0 && cmd.getkeys.is_none() {
        return Err(CmdError::from_static(
            "ERR The command has no key arguments",
        ));
    }
    let argc = sub.len() as i64;
    if (cmd.arity > 0 && i64::from(cmd.arity) != argc) || argc < -i64::from(cmd.arity) {
        return Err(CmdError::from_static(
            "ERR Invalid number of arguments specified for command",
        ));
    }
    let pos = reg.key_positions(idx, sub);
    if pos.is_empty() {
        return Err(CmdError::from_static(
            "ERR Invalid arguments specified for command",
        ));
    }
    ctx.out.array(pos.len());
    for p in pos {
        ctx.out.bulk(sub[p]);
    }
    Ok(())
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
    cmd!("get", -2, ADMIN | LOADING | STALE, 0, 0, 0, [], "server", "Returns the slow log's entries.", "2.2.12", "O(N) where N is the number of entries returned", slowlog_get),
    cmd!("len", 2, ADMIN | LOADING | STALE, 0, 0, 0, [], "server", "Returns the number of entries in the slow log.", "2.2.12", "O(1)", slowlog_len),
    cmd!("reset", 2, ADMIN | LOADING | STALE, 0, 0, 0, [], "server", "Clears all entries from the slow log.", "2.2.12", "O(N) where N is the number of entries in the slowlog", slowlog_reset),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, [], "server", "Show helpful text about the different subcommands", "6.2.0", "O(1)", slowlog_help),
];

#[rustfmt::skip]
const SUBCOMMANDS: &[Command] = &[
    cmd!("count", 2, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Returns a count of commands.", "2.8.13", "O(1)", command_count),
    cmd!("info", -2, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Returns information about one, multiple or all commands.", "2.8.13", "O(N) where N is the number of commands to look up", command_info_cmd),
    cmd!("docs", -2, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Returns documentary information about one, multiple or all commands.", "7.0.0", "O(N) where N is the number of commands to look up", command_docs),
    cmd!("list", -2, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Returns a list of command names.", "7.0.0", "O(N) where N is the total number of Redis commands", command_list),
    cmd!("getkeys", -4, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Extracts the key names from an arbitrary command.", "2.8.13", "O(N) where N is the number of arguments to the command", command_getkeys),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Returns helpful text about the different subcommands.", "5.0.0", "O(1)", command_help),
];

/// The introspection family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    cmd!("time", 1, LOADING | STALE | FAST, 0, 0, 0, [], "server", "Returns the server time.", "2.6.0", "O(1)", time),
    cmd!("monitor", 1, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], "server", "Listens for all requests received by the server in real-time.", "1.0.0", "", monitor),
    cmd!("info", -1, LOADING | STALE, 0, 0, 0, ["dangerous"], "server", "Returns information and statistics about the server.", "1.0.0", "O(1)", info),
    Command {
        subcommands: SLOWLOG,
        ..cmd!("slowlog", -2, 0, 0, 0, 0, [], "server", "A container for slow log commands.", "2.2.12", "Depends on subcommand.", slowlog_container)
    },
    Command {
        subcommands: SUBCOMMANDS,
        ..cmd!("command", -1, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Returns detailed information about all commands.", "2.8.13", "O(N) where N is the total number of Redis commands", command_all)
    },
];
