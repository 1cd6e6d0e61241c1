//! The connection family: PING, ECHO, SELECT, QUIT, RESET, AUTH, HELLO.

use super::{int_arg, is};
use crate::command::{flags::*, CmdResult, Command};
use crate::error::{self, c_str, CmdError};
use crate::{cmd, Ctx};
use std::sync::atomic::Ordering::Relaxed;

/// The version clients see in HELLO and INFO: the Redis release whose behaviour ferrokv
/// follows, so client libraries enable exactly the features that work.
pub const REDIS_VERSION: &str = "7.0.15";

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
    ctx.close_after_reply();
    Ok(())
}

/// `RESET`: back to a fresh connection's state, as Redis's `clearClientConnectionState`: no
/// transaction or WATCH, no subscriptions, no tracking, no MONITOR, replies on, database 0,
/// RESP2, no name, and authenticated only when no password is set. CLIENT NO-EVICT stays as
/// it was: Redis 7.0 leaves the flag alone (7.2 clears it).
fn reset(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.session.authenticated = super::acl::default_is_open(ctx.engine);
    ctx.session.client.set_user("default");
    ctx.session.acl_user = None;
    super::pubsub::reset(ctx);
    super::transactions::end(ctx);
    ctx.session.stop_tracking();
    if ctx.session.monitor.take().is_some() {
        ctx.session.client.monitor.store(false, Relaxed);
    }
    ctx.session.reply_off = false;
    ctx.session.reply_skip_next = false;
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
pub(super) fn valid_client_name(name: &[u8]) -> Result<(), CmdError> {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::from_static(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    Ok(())
}

pub(super) fn set_name(ctx: &mut Ctx<'_>, name: &[u8]) {
    *ctx.session
        .client
        .name
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = name.to_vec();
}

/// Checks credentials for AUTH and HELLO against the ACL users (a bare password is the
/// `default` user's; with `default` nopass that is an error, as in Redis). A failure is
/// logged in the ACL LOG with reason `auth`.
fn authenticate(ctx: &mut Ctx<'_>, cmd: &[u8], user: Option<&[u8]>, password: &[u8]) -> CmdResult {
    let name = match user {
        Some(u) => String::from_utf8_lossy(u).into_owned(),
        None => {
            if ctx.engine.acl.get("default").is_some_and(|u| u.nopass) {
                return Err(CmdError::from_static("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"));
            }
            "default".to_string()
        }
    };
    let ok = ctx
        .engine
        .acl
        .get(&name)
        .is_some_and(|u| u.accepts(password));
    if !ok {
        let context = if ctx.session.multi.is_some() {
            "multi"
        } else {
            "toplevel"
        };
        ctx.engine.acl_log(
            ctx.session,
            "auth",
            context,
            String::from_utf8_lossy(cmd).into_owned(),
            Some(name),
        );
        return Err(error::WRONGPASS);
    }
    ctx.session.authenticated = true;
    ctx.session.client.set_user(&name);
    ctx.session.acl_user = None;
    Ok(())
}

/// `AUTH [username] password`
fn auth(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    match args.len() {
        2 => authenticate(ctx, args[0], None, args[1])?,
        3 => authenticate(ctx, args[0], Some(args[1]), args[2])?,
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
            authenticate(ctx, args[0], Some(args[j + 1]), args[j + 2])?;
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
        return Err(CmdError::from_static("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"));
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

/// The connection family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    cmd!("ping", -1, SUBSCRIBED | DENY_ON_DISK_ERROR | FAST, 0, 0, 0, ["connection"], ping),
    cmd!("echo", 2, LOADING | STALE | FAST, 0, 0, 0, ["connection"], echo),
    cmd!("select", 2, LOADING | STALE | FAST, 0, 0, 0, ["connection"], select),
    cmd!("quit", -1, IN_MULTI | SUBSCRIBED | ALLOW_BUSY | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH, 0, 0, 0, ["connection"], quit),
    cmd!("reset", 1, IN_MULTI | SUBSCRIBED | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, 0, 0, 0, ["connection"], reset),
    cmd!("auth", -2, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, 0, 0, 0, ["connection"], auth),
    cmd!("hello", -1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, 0, 0, 0, ["connection"], hello),
];
