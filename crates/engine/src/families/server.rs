//! Connection and server commands: PING, ECHO, HELLO, SELECT, QUIT, RESET, CLIENT, COMMAND,
//! INFO, CONFIG, TIME, SHUTDOWN.

use super::{int_arg, is};
use crate::command::{acl_categories, flags, flags::*, CmdResult, Command, Registry};
use crate::error::{self, c_str, CmdError};
use crate::session::ClientInfo;
use crate::{cmd, Ctx, Engine};
use resp::ReplyBuf;
use std::sync::atomic::Ordering::Relaxed;

/// The version clients see in HELLO and INFO: the Redis release whose behaviour ferrokv
/// follows, so client libraries enable exactly the features that work.
pub const REDIS_VERSION: &str = "7.0.15";

/// Writes Redis's standard HELP reply: a header naming the command, the lines, and the footer.
pub fn help_reply(ctx: &mut Ctx<'_>, header: &str, lines: &[&str]) {
    ctx.out.array(lines.len() + 3);
    ctx.out.simple(header);
    for l in lines {
        ctx.out.simple(l);
    }
    ctx.out.simple("HELP");
    ctx.out.simple("    Print this help.");
}

/// `PING [message]`
fn ping(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if super::pubsub::subscribed_ping(ctx, args) {
        return Ok(());
    }
    match args.len() {
        1 => ctx.out.simple("PONG"),
        2 => ctx.out.bulk(args[1]),
        _ => return Err(CmdError::arity("ping")),
    }
    Ok(())
}

/// `ECHO message`
fn echo(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    ctx.out.bulk(args[1]);
    Ok(())
}

/// `SELECT index`
fn select(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let db = super::db_arg(ctx, args[1])?;
    ctx.session.select(db);
    ctx.out.ok();
    Ok(())
}

/// `QUIT`: replies OK, then the connection closes.
fn quit(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.out.ok();
    ctx.session.close_after_reply = true;
    Ok(())
}

/// `RESET`: back to a fresh connection's state.
fn reset(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.session.authenticated = ctx.engine.config.password().is_none();
    super::pubsub::reset(ctx);
    super::transactions::end(ctx);
    ctx.session.select(0);
    ctx.session.set_resp3(false);
    ctx.out.resp3 = false;
    ctx.session
        .client
        .name
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clear();
    ctx.out.simple("RESET");
    Ok(())
}

/// Checks a client name as Redis does: printable ASCII without spaces.
fn valid_client_name(name: &[u8]) -> Result<(), CmdError> {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::from_static(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    Ok(())
}

fn set_name(ctx: &mut Ctx<'_>, name: &[u8]) {
    *ctx.session
        .client
        .name
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = name.to_vec();
}

/// Checks credentials for AUTH and HELLO. The only user is `default`; without `requirepass` it
/// needs no password (AUTH with a bare password is then an error, as in Redis).
fn authenticate(ctx: &mut Ctx<'_>, user: Option<&[u8]>, password: &[u8]) -> CmdResult {
    let config = &ctx.engine.config;
    let ok = match user {
        Some(u) if u != b"default" => false,
        Some(_) => config.password().is_none() || config.check_password(password),
        None => {
            if config.password().is_none() {
                return Err(CmdError::from_static("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"));
            }
            config.check_password(password)
        }
    };
    if !ok {
        return Err(error::WRONGPASS);
    }
    ctx.session.authenticated = true;
    Ok(())
}

/// `AUTH [username] password`
fn auth(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    match args.len() {
        2 => authenticate(ctx, None, args[1])?,
        3 => authenticate(ctx, Some(args[1]), args[2])?,
        _ => return Err(error::SYNTAX),
    }
    ctx.out.ok();
    Ok(())
}

/// `HELLO [protover [AUTH username password] [SETNAME clientname]]`
fn hello(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let mut version = None;
    if args.len() >= 2 {
        let v = int_arg(args[1]).map_err(|_| {
            CmdError::from_static("ERR Protocol version is not an integer or out of range")
        })?;
        if !(2..=3).contains(&v) {
            return Err(CmdError::from_static(
                "NOPROTO unsupported protocol version",
            ));
        }
        version = Some(v);
    }
    let mut name = None;
    let mut j = 2;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if is(args[j], "auth") && more >= 2 {
            authenticate(ctx, Some(args[j + 1]), args[j + 2])?;
            j += 3;
        } else if is(args[j], "setname") && more >= 1 {
            valid_client_name(args[j + 1])?;
            name = Some(args[j + 1]);
            j += 2;
        } else {
            return Err(CmdError::concat(&[
                b"ERR Syntax error in HELLO option '",
                c_str(args[j], 128),
                b"'",
            ]));
        }
    }
    if !ctx.session.authenticated {
        return Err(CmdError::from_static("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"));
    }
    if let Some(n) = name {
        set_name(ctx, n);
    }
    if let Some(v) = version {
        ctx.session.set_resp3(v == 3);
        ctx.out.resp3 = v == 3;
    }
    let out = &mut *ctx.out;
    out.map(7);
    out.bulk(b"server");
    // Redis compatibility: clients branch on this field, so it names the protocol's dialect.
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(REDIS_VERSION.as_bytes());
    out.bulk(b"proto");
    out.int(if ctx.session.resp3 { 3 } else { 2 });
    out.bulk(b"id");
    out.int(ctx.session.client.id as i64);
    out.bulk(b"mode");
    out.bulk(b"standalone");
    out.bulk(b"role");
    out.bulk(b"master");
    out.bulk(b"modules");
    out.array(0);
    Ok(())
}

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

/// `SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]`: SAVE writes a snapshot first, as does
/// neither when `save` points are configured; the AOF is fsynced on the way out in any case.
/// The server stops after the current replies are flushed.
fn shutdown(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let mut abort = false;
    let (mut save, mut nosave, mut force) = (false, false, false);
    for a in &args[1..] {
        if is(a, "nosave") {
            nosave = true;
        } else if is(a, "save") {
            save = true;
        } else if is(a, "force") {
            force = true;
        } else if is(a, "now") {
        } else if is(a, "abort") {
            abort = true;
        } else {
            return Err(error::SYNTAX);
        }
    }
    if (save && nosave) || (abort && args.len() > 2) {
        return Err(error::SYNTAX);
    }
    if abort {
        return Err(CmdError::from_static("ERR No shutdown in progress."));
    }
    // Without SAVE or NOSAVE a snapshot is written when `save` points are configured; never
    // while loading (it would replace the file with part of it), as in Redis.
    let engine = ctx.engine;
    let save = (save || (!nosave && engine.persistence().is_some_and(|p| p.saves_on_shutdown())))
        && !engine.loading.load(Relaxed);
    if save {
        // Nothing else runs from here: no write may be acknowledged after the snapshot.
        engine.set_closing(true);
        let saved = match engine.persistence() {
            Some(p) => p.shutdown_save(),
            None => engine.save(),
        };
        if saved.is_err() && !force {
            engine.set_closing(false);
            return Err(CmdError::from_static(
                "ERR Errors trying to SHUTDOWN. Check logs.",
            ));
        }
    }
    ctx.session.close_after_reply = true;
    ctx.engine.request_shutdown();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// CLIENT

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
    if f.is_empty() {
        f.push('N');
    }
    f
}

fn client_line(engine: &Engine, c: &ClientInfo, now_ms: u64) -> String {
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
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem={} tot-mem={} events=r cmd={} user=default redir={} resp={}\n",
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
            if val != b"default" {
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
    let _ = user;
    let mut killed = 0;
    for c in ctx.engine.clients.list() {
        let matched = id.is_none_or(|i| i == c.id)
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
        ctx.session.close_after_reply = true;
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
        table.disable(id);
        ctx.session.tracking = None;
        ctx.session.client.redir.store(-1, Relaxed);
        ctx.session.client.bcast.store(false, Relaxed);
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
        caching_set_now: false,
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
    t.caching_set_now = true;
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
    ctx.engine.pause(end, all);
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
    ctx.engine.unpause();
    ctx.out.ok();
    Ok(())
}

/// `CLIENT REPLY ON | OFF | SKIP`: OFF and SKIP themselves get no reply.
fn client_reply(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    use crate::session::ReplyMode;
    let mode = if is(args[2], "on") {
        ReplyMode::On
    } else if is(args[2], "off") {
        ReplyMode::Off
    } else if is(args[2], "skip") {
        ReplyMode::SkipNext
    } else {
        return Err(error::SYNTAX);
    };
    if mode == ReplyMode::On {
        ctx.out.ok();
    }
    ctx.session.reply = mode;
    ctx.session.reply_set_now = true;
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

// ---------------------------------------------------------------------------------------------
// COMMAND

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
    if cmd.first_key <= 0 && cmd.numkeys <= 0 {
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

/// `CONFIG GET parameter [parameter ...]`
fn config_get(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let found = ctx.engine.config.get(&args[2..]);
    ctx.out.map(found.len());
    for (name, value) in found {
        ctx.out.bulk(&name);
        ctx.out.bulk(value.as_bytes());
    }
    Ok(())
}

/// `CONFIG SET parameter value [parameter value ...]`: all or nothing.
fn config_set(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if !args.len().is_multiple_of(2) {
        // Redis compatibility: an unpaired value is a syntax error, not an arity error.
        return Err(error::SYNTAX);
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for p in args[2..].chunks(2) {
        let name = String::from_utf8_lossy(p[0]).to_ascii_lowercase();
        if pairs.iter().any(|(n, _)| *n == name) {
            return Err(CmdError::new(format!(
                "ERR CONFIG SET failed (possibly related to argument '{name}') - duplicate parameter"
            )));
        }
        pairs.push((name, String::from_utf8_lossy(p[1]).into_owned()));
    }
    ctx.engine
        .config
        .set(&pairs, false)
        .map_err(|e| CmdError::new(format!("ERR {e}")))?;
    ctx.engine.sync_config();
    if let Some(p) = ctx.engine.persistence() {
        p.reconfigure()
            .map_err(|e| CmdError::new(format!("ERR {e}")))?;
    }
    ctx.out.ok();
    Ok(())
}

/// `CONFIG RESETSTAT`
fn config_resetstat(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let e = ctx.engine;
    e.registry.reset_stats();
    let s = &e.stats;
    for c in [
        &s.connections,
        &s.rejected_connections,
        &s.keyspace_hits,
        &s.keyspace_misses,
        &s.net_input_bytes,
        &s.net_output_bytes,
        &s.error_replies,
        &s.expire_cycle_us,
    ] {
        c.store(0, Relaxed);
    }
    s.errors_by_code
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clear();
    ctx.out.ok();
    Ok(())
}

/// `CONFIG HELP`
fn config_help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    help_reply(
        ctx,
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
        ],
    );
    Ok(())
}

/// `INFO [section [section ...]]`
fn info(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let text = crate::info::render(ctx.engine, &args[1..], ctx.now);
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

fn container(_: &mut Ctx<'_>, _: &[&[u8]]) -> CmdResult {
    Err(error::SYNTAX)
}

#[rustfmt::skip]
const CLIENT: &[Command] = &[
    cmd!("id", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Returns the unique client ID of the connection.", "5.0.0", "O(1)", client_id),
    cmd!("info", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Returns information about the connection.", "6.2.0", "O(1)", client_info),
    cmd!("list", -2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Lists open connections.", "2.4.0", "O(N) where N is the number of client connections", client_list),
    cmd!("kill", -3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Terminates open connections.", "2.4.0", "O(N) where N is the number of client connections", client_kill),
    cmd!("setname", 3, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Sets the connection name.", "2.6.9", "O(1)", client_setname),
    cmd!("getname", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Returns the name of the connection.", "2.6.9", "O(1)", client_getname),
    cmd!("pause", -3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Suspends commands processing.", "3.0.0", "O(1)", client_pause),
    cmd!("unpause", 2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Resumes processing commands from paused clients.", "6.2.0", "O(N) Where N is the number of paused clients", client_unpause),
    cmd!("tracking", -3, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Controls server-assisted client-side caching for the connection.", "6.0.0", "O(1). Some options may introduce additional complexity.", client_tracking),
    cmd!("caching", 3, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Instructs the server whether to track the keys in the next request.", "6.0.0", "O(1)", client_caching),
    cmd!("getredir", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Returns the client ID to which the connection's tracking notifications are redirected.", "6.0.0", "O(1)", client_getredir),
    cmd!("trackinginfo", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Returns information about server-assisted client-side caching for the connection.", "6.2.0", "O(1)", client_trackinginfo),
    cmd!("reply", 3, NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Instructs the server whether to reply to commands.", "3.2.0", "O(1)", client_reply),
    cmd!("unblock", -3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Unblocks a client blocked by a blocking command from a different connection.", "5.0.0", "O(log N) where N is the number of client connections", client_unblock),
    cmd!("no-evict", 3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Sets the client eviction mode of the connection.", "7.0.0", "O(1)", client_no_evict),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, ["connection"], "connection", "Returns helpful text about the different subcommands.", "5.0.0", "O(1)", client_help),
];

#[rustfmt::skip]
const COMMAND: &[Command] = &[
    cmd!("count", 2, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Returns a count of commands.", "2.8.13", "O(1)", command_count),
    cmd!("info", -2, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Returns information about one, multiple or all commands.", "2.8.13", "O(N) where N is the number of commands to look up", command_info_cmd),
    cmd!("docs", -2, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Returns documentary information about one, multiple or all commands.", "7.0.0", "O(N) where N is the number of commands to look up", command_docs),
    cmd!("list", -2, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Returns a list of command names.", "7.0.0", "O(N) where N is the total number of Redis commands", command_list),
    cmd!("getkeys", -4, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Extracts the key names from an arbitrary command.", "2.8.13", "O(N) where N is the number of arguments to the command", command_getkeys),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Returns helpful text about the different subcommands.", "5.0.0", "O(1)", command_help),
];

#[rustfmt::skip]
const CONFIG: &[Command] = &[
    cmd!("get", -3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], "server", "Returns the effective values of configuration parameters.", "2.0.0", "O(N) when N is the number of configuration parameters provided", config_get),
    cmd!("set", -4, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], "server", "Sets configuration parameters in-flight.", "2.0.0", "O(N) when N is the number of configuration parameters provided", config_set),
    cmd!("resetstat", 2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], "server", "Resets the server's statistics.", "2.0.0", "O(1)", config_resetstat),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, [], "server", "Returns helpful text about the different subcommands.", "5.0.0", "O(1)", config_help),
];

/// The server family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    cmd!("ping", -1, FAST, 0, 0, 0, ["connection"], "connection", "Returns the server's liveliness response.", "1.0.0", "O(1)", ping),
    cmd!("echo", 2, FAST, 0, 0, 0, ["connection"], "connection", "Returns the given string.", "1.0.0", "O(1)", echo),
    cmd!("select", 2, LOADING | STALE | FAST, 0, 0, 0, ["connection"], "connection", "Changes the selected database.", "1.0.0", "O(1)", select),
    cmd!("quit", -1, ALLOW_BUSY | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH, 0, 0, 0, ["connection"], "connection", "Closes the connection.", "1.0.0", "O(1)", quit),
    cmd!("reset", 1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, 0, 0, 0, ["connection"], "connection", "Resets the connection.", "6.2.0", "O(1)", reset),
    cmd!("auth", -2, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, 0, 0, 0, ["connection"], "connection", "Authenticates the connection.", "1.0.0", "O(N) where N is the number of passwords defined for the user", auth),
    cmd!("hello", -1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, 0, 0, 0, ["connection"], "connection", "Handshakes with the Redis server.", "6.0.0", "O(1)", hello),
    cmd!("time", 1, LOADING | STALE | FAST, 0, 0, 0, [], "server", "Returns the server time.", "2.6.0", "O(1)", time),
    cmd!("shutdown", -1, ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY, 0, 0, 0, [], "server", "Synchronously saves the database(s) to disk and shuts down the Redis server.", "1.0.0", "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", shutdown),
    cmd!("monitor", 1, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], "server", "Listens for all requests received by the server in real-time.", "1.0.0", "", monitor),
    cmd!("info", -1, LOADING | STALE, 0, 0, 0, [], "server", "Returns information and statistics about the server.", "1.0.0", "O(1)", info),
    Command {
        subcommands: CLIENT,
        ..cmd!("client", -2, 0, 0, 0, 0, [], "connection", "A container for client connection commands.", "2.4.0", "Depends on subcommand.", container)
    },
    Command {
        subcommands: COMMAND,
        ..cmd!("command", -1, LOADING | STALE, 0, 0, 0, ["connection"], "server", "Returns detailed information about all commands.", "2.8.13", "O(N) where N is the total number of Redis commands", command_all)
    },
    Command {
        subcommands: CONFIG,
        ..cmd!("config", -2, 0, 0, 0, 0, [], "server", "A container for server configuration commands.", "2.0.0", "Depends on subcommand.", container)
    },
];
