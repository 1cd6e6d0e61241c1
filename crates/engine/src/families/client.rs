//! The CLIENT container: ID, INFO, LIST, KILL, SETNAME, GETNAME, PAUSE, UNPAUSE, TRACKING,
//! CACHING, GETREDIR, TRACKINGINFO, REPLY, UNBLOCK, NO-EVICT, HELP.

use super::connection::{set_name, valid_client_name};
use super::{container, help_reply, int_arg, is};
use crate::command::{flags::*, CmdResult, Command};
use crate::error::{self, c_str, CmdError};
use crate::session::ClientInfo;
use crate::{cmd, Ctx, Engine};
use std::sync::atomic::Ordering::Relaxed;

/// CLIENT LIST's `flags` field: P subscribed, e no-evict, N none.
fn client_flags(c: &ClientInfo, subs: &[usize], blocked: bool) -> String {
    let mut f = String::new();
    if c.monitor.load(Relaxed) {
        f.push('O');
    }
    if subs.iter().any(|&n| n > 0) {
        f.push('P');
    }
    if c.multi.load(Relaxed) >= 0 {
        f.push('x');
    }
    if blocked {
        f.push('b');
    }
    if c.redir.load(Relaxed) >= 0 {
        f.push('t');
    }
    if c.bcast.load(Relaxed) {
        f.push('B');
    }
    if c.no_evict.load(Relaxed) {
        f.push('e');
    }
    // A Unix-socket client: its address is the socket's path (`path:0`).
    if c.addr.starts_with('/') {
        f.push('U');
    }
    if f.is_empty() {
        f.push('N');
    }
    f
}

/// One CLIENT LIST line (CLIENT INFO, the ACL LOG's `client-info`).
pub fn client_line(engine: &Engine, c: &ClientInfo, now_ms: u64) -> String {
    let idle = now_ms.saturating_sub(c.last_interaction_ms.load(Relaxed)) / 1000;
    let age = now_ms.saturating_sub(c.created_ms) / 1000;
    let last = c.last_command.load(Relaxed);
    let cmd = engine
        .registry
        .entries
        .get(last)
        .map_or("NULL".to_string(), |e| e.full_name.clone());
    let qbuf = c.qbuf.load(Relaxed);
    let omem = c.omem.load(Relaxed);
    let subs: Vec<usize> = c.subscriptions.iter().map(|n| n.load(Relaxed)).collect();
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem={} tot-mem={} events=r cmd={} user={} redir={} resp={}\n",
        c.id,
        c.addr,
        c.laddr,
        c.fd,
        c.name_lossy(),
        age,
        idle,
        client_flags(c, &subs, engine.blocking.is_blocked(c.id)),
        c.db.load(Relaxed),
        subs[0],
        subs[1],
        subs[2],
        c.multi.load(Relaxed),
        qbuf,
        16384usize.saturating_sub(qbuf),
        omem,
        qbuf + omem + 16384,
        cmd,
        c.user_name(),
        c.redir.load(Relaxed),
        c.resp.load(Relaxed),
    )
}

/// A CLIENT LIST/KILL `TYPE` argument, lowercased.
fn client_type(arg: &[u8]) -> Result<String, CmdError> {
    let t = String::from_utf8_lossy(arg).to_ascii_lowercase();
    if !["normal", "master", "replica", "slave", "pubsub"].contains(&t.as_str()) {
        return Err(CmdError::concat(&[
            b"ERR Unknown client type '",
            c_str(arg, 128),
            b"'",
        ]));
    }
    Ok(t)
}

/// `CLIENT ID`
fn client_id(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.out.int(ctx.session.client.id as i64);
    Ok(())
}

/// `CLIENT SETNAME connection-name`
fn client_setname(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    valid_client_name(args[2])?;
    set_name(ctx, args[2]);
    ctx.out.ok();
    Ok(())
}

/// `CLIENT GETNAME`
fn client_getname(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let name = ctx
        .session
        .client
        .name
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    if name.is_empty() {
        ctx.out.null();
    } else {
        ctx.out.bulk(&name);
    }
    Ok(())
}

/// `CLIENT INFO`
fn client_info(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let line = client_line(ctx.engine, &ctx.session.client, ctx.now);
    ctx.out.verbatim("txt", line.as_bytes());
    Ok(())
}

/// `CLIENT LIST [TYPE NORMAL | MASTER | REPLICA | PUBSUB] [ID client-id [client-id ...]]`
fn client_list(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let mut ids: Option<Vec<u64>> = None;
    let mut type_filter: Option<String> = None;
    let mut j = 2;
    while j < args.len() {
        if is(args[j], "type") && j + 1 < args.len() {
            type_filter = Some(client_type(args[j + 1])?);
            j += 2;
        } else if is(args[j], "id") && j + 1 < args.len() {
            let mut list = Vec::new();
            j += 1;
            while j < args.len() {
                match resp::number::parse_i64(args[j]) {
                    Some(v) if v > 0 => list.push(v as u64),
                    _ => return Err(CmdError::from_static("ERR Invalid client ID")),
                }
                j += 1;
            }
            ids = Some(list);
        } else {
            return Err(error::SYNTAX);
        }
    }
    let mut text = String::new();
    for c in ctx.engine.clients.list() {
        if ids.as_ref().is_some_and(|ids| !ids.contains(&c.id)) {
            continue;
        }
        // Every client is a normal client until replication and pub/sub exist.
        if type_filter.as_deref().is_some_and(|t| t != "normal") {
            continue;
        }
        text.push_str(&client_line(ctx.engine, &c, ctx.now));
    }
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// `CLIENT KILL ip:port` or `CLIENT KILL [ID id] [TYPE type] [ADDR ip:port] [LADDR ip:port]
/// [USER username] [SKIPME yes|no] ...`
fn client_kill(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let me = ctx.session.client.id;
    if args.len() == 3 {
        let addr = args[2];
        let target = ctx
            .engine
            .clients
            .list()
            .into_iter()
            .find(|c| c.addr.as_bytes() == addr);
        let Some(c) = target else {
            return Err(CmdError::from_static("ERR No such client"));
        };
        kill(ctx, &c, me);
        ctx.out.ok();
        return Ok(());
    }
    if !args.len().is_multiple_of(2) {
        return Err(error::SYNTAX);
    }
    let mut id: Option<u64> = None;
    let mut addr: Option<&[u8]> = None;
    let mut laddr: Option<&[u8]> = None;
    let mut user: Option<&[u8]> = None;
    let mut ctype: Option<String> = None;
    let mut skipme = true;
    for pair in args[2..].chunks(2) {
        let (opt, val) = (pair[0], pair[1]);
        if is(opt, "id") {
            match resp::number::parse_i64(val) {
                Some(v) if v > 0 => id = Some(v as u64),
                _ => {
                    return Err(CmdError::from_static(
                        "ERR client-id should be greater than 0",
                    ))
                }
            }
        } else if is(opt, "type") {
            ctype = Some(client_type(val)?);
        } else if is(opt, "addr") {
            addr = Some(val);
        } else if is(opt, "laddr") {
            laddr = Some(val);
        } else if is(opt, "user") {
            if ctx.engine.acl.get(&String::from_utf8_lossy(val)).is_none() {
                return Err(CmdError::concat(&[
                    b"ERR No such user '",
                    c_str(val, 128),
                    b"'",
                ]));
            }
            user = Some(val);
        } else if is(opt, "skipme") {
            if is(val, "yes") {
                skipme = true;
            } else if is(val, "no") {
                skipme = false;
            } else {
                return Err(error::SYNTAX);
            }
        } else {
            return Err(error::SYNTAX);
        }
    }
    let mut killed = 0;
    for c in ctx.engine.clients.list() {
        let matched = id.is_none_or(|i| i == c.id)
            && user.is_none_or(|u| u == c.user_name().as_bytes())
            && addr.is_none_or(|a| a == c.addr.as_bytes())
            && laddr.is_none_or(|a| a == c.laddr.as_bytes())
            && ctype.as_deref().is_none_or(|t| t == "normal")
            && !(skipme && c.id == me);
        if matched {
            kill(ctx, &c, me);
            killed += 1;
        }
    }
    ctx.out.int(killed);
    Ok(())
}

fn kill(ctx: &mut Ctx<'_>, c: &ClientInfo, me: u64) {
    if c.id == me {
        ctx.close_after_reply();
    } else {
        c.kill();
    }
}

/// `CLIENT TRACKING ON | OFF [REDIRECT client-id] [PREFIX prefix ...] [BCAST] [OPTIN] [OPTOUT]
/// [NOLOOP]`
fn client_tracking(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (mut redirect, mut bcast, mut optin, mut optout, mut noloop) =
        (0u64, false, false, false, false);
    let mut prefixes: Vec<Vec<u8>> = Vec::new();
    // Redis compatibility: the options are read before the ON/OFF word is looked at.
    let mut j = 3;
    while j < args.len() {
        let more = j + 1 < args.len();
        if is(args[j], "redirect") && more {
            j += 1;
            if redirect != 0 {
                return Err(CmdError::from_static(
                    "ERR A client can only redirect to a single other client",
                ));
            }
            let id = int_arg(args[j])?;
            let exists = id > 0 && ctx.engine.clients.list().iter().any(|c| c.id == id as u64);
            if !exists {
                return Err(CmdError::from_static(
                    "ERR The client ID you want redirect to does not exist",
                ));
            }
            redirect = id as u64;
        } else if is(args[j], "bcast") {
            bcast = true;
        } else if is(args[j], "optin") {
            optin = true;
        } else if is(args[j], "optout") {
            optout = true;
        } else if is(args[j], "noloop") {
            noloop = true;
        } else if is(args[j], "prefix") && more {
            j += 1;
            prefixes.push(args[j].to_vec());
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    let on = on_off(args[2])?;
    let id = ctx.session.client.id;
    let table = ctx.engine.keyspace.tracking.clone();
    if !on {
        ctx.session.stop_tracking();
        ctx.out.ok();
        return Ok(());
    }
    if !bcast && !prefixes.is_empty() {
        return Err(CmdError::from_static(
            "ERR PREFIX option requires BCAST mode to be enabled",
        ));
    }
    if let Some(t) = &ctx.session.tracking {
        if t.tracker.bcast.is_some() != bcast {
            return Err(CmdError::from_static("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."));
        }
    }
    if bcast && (optin || optout) {
        return Err(CmdError::from_static(
            "ERR OPTIN and OPTOUT are not compatible with BCAST",
        ));
    }
    if optin && optout {
        return Err(CmdError::from_static(
            "ERR You can't specify both OPTIN mode and OPTOUT mode",
        ));
    }
    if let Some(t) = &ctx.session.tracking {
        if (optin && t.optout) || (optout && t.optin) {
            return Err(CmdError::from_static("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."));
        }
    }
    let existing: Vec<Vec<u8>> = ctx
        .session
        .tracking
        .as_ref()
        .and_then(|t| t.tracker.bcast.clone())
        .unwrap_or_default();
    for (i, a) in prefixes.iter().enumerate() {
        for b in &existing {
            if a.starts_with(b) || b.starts_with(a) {
                return Err(CmdError::concat(&[
                    b"ERR Prefix '",
                    a,
                    b"' overlaps with an existing prefix '",
                    b,
                    b"'. Prefixes for a single client must not overlap.",
                ]));
            }
        }
        for b in &prefixes[i + 1..] {
            if a.starts_with(b) || b.starts_with(a) {
                return Err(CmdError::concat(&[
                    b"ERR Prefix '",
                    a,
                    b"' overlaps with another provided prefix '",
                    b,
                    b"'. Prefixes for a single client must not overlap.",
                ]));
            }
        }
    }
    let own = super::pubsub::state(ctx).mailbox.clone();
    let target = (redirect != 0)
        .then(|| table.weak_mailbox_of(redirect))
        .flatten();
    // BCAST adds to the prefixes already registered; no PREFIX means every key ("").
    let bcast_prefixes = bcast.then(|| {
        let mut all = existing.clone();
        let new = if prefixes.is_empty() {
            vec![Vec::new()]
        } else {
            prefixes
        };
        for p in new {
            if !all.contains(&p) {
                all.push(p);
            }
        }
        all
    });
    let tracker = std::sync::Arc::new(crate::tracking::Tracker {
        id,
        own,
        target,
        redirect,
        noloop,
        bcast: bcast_prefixes,
        broken: std::sync::atomic::AtomicBool::new(false),
    });
    table.enable(tracker.clone());
    ctx.session.client.redir.store(redirect as i64, Relaxed);
    ctx.session
        .client
        .bcast
        .store(tracker.bcast.is_some(), Relaxed);
    let (optin, optout) = match &ctx.session.tracking {
        Some(t) => (t.optin || optin, t.optout || optout),
        None => (optin, optout),
    };
    ctx.session.tracking = Some(crate::session::SessionTracking {
        table,
        tracker,
        optin,
        optout,
        caching: None,
    });
    ctx.out.ok();
    Ok(())
}

/// `CLIENT CACHING YES | NO`
fn client_caching(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let Some(t) = ctx.session.tracking.as_mut() else {
        return Err(CmdError::from_static("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"));
    };
    if is(args[2], "yes") {
        if !t.optin {
            return Err(CmdError::from_static(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            ));
        }
        t.caching = Some(true);
    } else if is(args[2], "no") {
        if !t.optout {
            return Err(CmdError::from_static(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            ));
        }
        t.caching = Some(false);
    } else {
        return Err(error::SYNTAX);
    }
    ctx.caching_set = true;
    ctx.out.ok();
    Ok(())
}

/// `CLIENT GETREDIR`: -1 when not tracking, 0 without redirection, else the target id.
fn client_getredir(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let v = match &ctx.session.tracking {
        None => -1,
        Some(t) => t.tracker.redirect as i64,
    };
    ctx.out.int(v);
    Ok(())
}

/// `CLIENT TRACKINGINFO`
fn client_trackinginfo(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let out = &mut *ctx.out;
    out.map(3);
    out.bulk(b"flags");
    match &ctx.session.tracking {
        None => {
            out.set(1);
            out.bulk(b"off");
            out.bulk(b"redirect");
            out.int(-1);
            out.bulk(b"prefixes");
            out.array(0);
        }
        Some(t) => {
            let mut flags: Vec<&[u8]> = vec![b"on"];
            if t.tracker.bcast.is_some() {
                flags.push(b"bcast");
            }
            if t.optin {
                flags.push(b"optin");
                if t.caching == Some(true) {
                    flags.push(b"caching-yes");
                }
            }
            if t.optout {
                flags.push(b"optout");
                if t.caching == Some(false) {
                    flags.push(b"caching-no");
                }
            }
            if t.tracker.noloop {
                flags.push(b"noloop");
            }
            if t.tracker.broken.load(Relaxed) {
                flags.push(b"broken_redirect");
            }
            out.set(flags.len());
            for f in flags {
                out.bulk(f);
            }
            out.bulk(b"redirect");
            out.int(t.tracker.redirect as i64);
            out.bulk(b"prefixes");
            let mut prefixes: Vec<&Vec<u8>> = t.tracker.bcast.iter().flatten().collect();
            // Redis keeps prefixes in a radix tree: they come out sorted.
            prefixes.sort();
            out.array(prefixes.len());
            for p in prefixes {
                out.bulk(p);
            }
        }
    }
    Ok(())
}

/// `CLIENT PAUSE timeout [WRITE | ALL]`
fn client_pause(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let timeout = resp::number::parse_i64(args[2]).ok_or(CmdError::from_static(
        "ERR timeout is not an integer or out of range",
    ))?;
    if timeout < 0 {
        return Err(CmdError::from_static("ERR timeout is negative"));
    }
    let all = match args.get(3) {
        None => true,
        Some(m) if is(m, "all") => true,
        Some(m) if is(m, "write") => false,
        Some(_) => return Err(error::SYNTAX),
    };
    if args.len() > 4 {
        return Err(error::SYNTAX);
    }
    let end = ctx.now.saturating_add(timeout as u64);
    ctx.engine.state.pause(end, all);
    ctx.out.ok();
    Ok(())
}

/// `CLIENT UNPAUSE`
/// `CLIENT UNBLOCK client-id [TIMEOUT | ERROR]`
fn client_unblock(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if args.len() > 4 {
        return Err(CmdError::concat(&[
            b"ERR unknown subcommand or wrong number of arguments for '",
            args[1],
            b"'. Try CLIENT HELP.",
        ]));
    }
    let error = match args.get(3) {
        None => false,
        Some(a) if is(a, "timeout") => false,
        Some(a) if is(a, "error") => true,
        Some(_) => {
            return Err(CmdError::from_static(
                "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ))
        }
    };
    let id = int_arg(args[2])?;
    let done = u64::try_from(id).is_ok_and(|id| {
        let reply: &[u8] = b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n";
        ctx.engine.blocking.unblock(id, error.then_some(reply))
    });
    ctx.out.int(i64::from(done));
    Ok(())
}

fn client_unpause(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.engine.state.unpause();
    ctx.out.ok();
    Ok(())
}

/// `CLIENT REPLY ON | OFF | SKIP`: OFF and SKIP themselves get no reply; SKIP drops the next
/// command's (the call path takes `reply_skip_next`), unless replies are off anyway.
fn client_reply(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if is(args[2], "on") {
        ctx.session.reply_off = false;
        ctx.session.reply_skip_next = false;
        ctx.skip_reply = false;
        ctx.out.ok();
    } else if is(args[2], "off") {
        ctx.session.reply_off = true;
    } else if is(args[2], "skip") {
        if !ctx.session.reply_off {
            ctx.session.reply_skip_next = true;
        }
    } else {
        return Err(error::SYNTAX);
    }
    Ok(())
}

/// Parses an ON | OFF argument.
fn on_off(arg: &[u8]) -> Result<bool, CmdError> {
    if is(arg, "on") {
        Ok(true)
    } else if is(arg, "off") {
        Ok(false)
    } else {
        Err(error::SYNTAX)
    }
}

/// `CLIENT NO-EVICT ON | OFF`: there is no client eviction yet, so this only records the
/// flag (CLIENT LIST shows it as `e`).
fn client_no_evict(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let on = on_off(args[2])?;
    ctx.session.client.no_evict.store(on, Relaxed);
    ctx.out.ok();
    Ok(())
}

/// `CLIENT HELP`
fn client_help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    help_reply(
        ctx,
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "    * ID <client-id>",
            "      Kill connections by client id.",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
        ],
    );
    Ok(())
}

#[rustfmt::skip]
const SUBCOMMANDS: &[Command] = &[
    cmd!("id", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_id),
    cmd!("info", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_info),
    cmd!("list", -2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_list),
    cmd!("kill", -3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_kill),
    cmd!("setname", 3, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_setname),
    cmd!("getname", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_getname),
    cmd!("pause", -3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_pause),
    cmd!("unpause", 2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_unpause),
    cmd!("tracking", -3, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_tracking),
    cmd!("caching", 3, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_caching),
    cmd!("getredir", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_getredir),
    cmd!("trackinginfo", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_trackinginfo),
    cmd!("reply", 3, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_reply),
    cmd!("unblock", -3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_unblock),
    cmd!("no-evict", 3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], client_no_evict),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, ["connection"], client_help),
];

/// The client family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command {
        subcommands: SUBCOMMANDS,
        ..cmd!("client", -2, 0, 0, 0, 0, [], container)
    },
];
