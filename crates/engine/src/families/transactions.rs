//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! [`crate::Engine::execute`] queues commands between MULTI and EXEC (what runs at once carries
//! the `IN_MULTI` flag); EXEC takes the exclusive side of the gate ([`crate::gate`]), checks the
//! WATCHed keys and runs the queue through [`crate::Engine::call`] with no other command in
//! between, so the transaction is atomic across every shard.

use crate::call::{CallSite, Mode};
use crate::command::{flags::*, CmdResult, Command};
use crate::error::CmdError;
use crate::session::{Transaction, Watching};
use crate::{cmd, Ctx};
use std::sync::atomic::Ordering::Relaxed;

/// Drops the open transaction and every WATCH (EXEC, DISCARD, RESET).
pub fn end(ctx: &mut Ctx<'_>) {
    ctx.session.end_transaction();
}

/// `MULTI`
fn multi(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    if ctx.session.multi.is_some() {
        return Err(CmdError::from_static("ERR MULTI calls can not be nested"));
    }
    ctx.session.multi = Some(Transaction::default());
    ctx.session.client.multi.store(0, Relaxed);
    ctx.out.ok();
    Ok(())
}

/// `DISCARD`
fn discard(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    if ctx.session.multi.is_none() {
        return Err(CmdError::from_static("ERR DISCARD without MULTI"));
    }
    end(ctx);
    ctx.out.ok();
    Ok(())
}

/// True when a WATCHed key changed, or expired since it was watched.
fn watch_broken(ctx: &Ctx<'_>) -> bool {
    let Some(w) = &ctx.session.watching else {
        return false;
    };
    if w.flag.load(Relaxed) {
        return true;
    }
    let ks = ctx.ks();
    w.keys.iter().any(|(db, key, expired_when_watched)| {
        if *expired_when_watched {
            return false;
        }
        let k = ks.key(key);
        let shard = ks.db(*db).read(k.shard);
        shard
            .table
            .get(k.hash, key)
            .is_some_and(|e| e.is_expired(ctx.now))
    })
}

/// `EXEC`
fn exec(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let Some(tx) = ctx.session.multi.take() else {
        return Err(CmdError::from_static("ERR EXEC without MULTI"));
    };
    ctx.session.client.multi.store(-1, Relaxed);
    if tx.aborted {
        end(ctx);
        return Err(CmdError::from_static(
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    let engine = ctx.engine;
    // Nothing else runs from here on: the WATCH check and the queue see one state.
    let _exclusive = engine.gate.write();
    if watch_broken(ctx) {
        end(ctx);
        ctx.out.null_array();
        return Ok(());
    }
    end(ctx);
    ctx.out.array(tx.queued.len());
    crate::propagate::begin_transaction();
    for (idx, args) in &tx.queued {
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
        // One instant for the whole transaction: nothing expires half-way through it.
        let site = CallSite {
            now_ms: ctx.now,
            started: std::time::Instant::now(),
            hint: None,
        };
        // Permissions may have changed since the command was queued (Redis checks again).
        if let Some(d) = engine.acl_denied(ctx.session, *idx, &argv, "multi") {
            let why = match d {
                crate::acl::Denied::Command => "no permission to execute the command or subcommand",
                crate::acl::Denied::Key(_) => "no permission to touch the specified keys",
                crate::acl::Denied::Channel(_) => {
                    "no permission to access one of the channels used as arguments"
                }
            };
            ctx.out.error(format!("NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: {why}").as_bytes());
            continue;
        }
        // Blocking commands inside a transaction answer at once, as if they timed out.
        let called = engine.call(ctx.session, *idx, &argv, ctx.out, site, Mode::Exec);
        if called.close {
            ctx.close_after_reply();
            break;
        }
    }
    crate::propagate::end_transaction(&engine.keyspace.log);
    Ok(())
}

/// `WATCH key [key ...]`
fn watch(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if ctx.session.multi.is_some() {
        return Err(CmdError::from_static(
            "ERR WATCH inside MULTI is not allowed",
        ));
    }
    let (db, now) = (ctx.db(), ctx.now);
    let ks = ctx.ks();
    let watching = ctx.session.watching.get_or_insert_with(|| Watching {
        watches: ks.watches.clone(),
        flag: Default::default(),
        keys: Vec::new(),
    });
    for key in &args[1..] {
        if watching.keys.iter().any(|(d, k, _)| *d == db && k == key) {
            continue;
        }
        let k = ks.key(key);
        let expired = ks
            .db(db)
            .read(k.shard)
            .table
            .get(k.hash, key)
            .is_some_and(|e| e.is_expired(now));
        ks.watches.watch(db, key, &watching.flag);
        watching.keys.push((db, key.to_vec(), expired));
    }
    ctx.out.ok();
    Ok(())
}

/// `UNWATCH`
fn unwatch(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    if let Some(mut w) = ctx.session.watching.take() {
        w.clear();
    }
    ctx.out.ok();
    Ok(())
}

/// The transaction family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    cmd!("multi", 1, IN_MULTI | NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, 0, 0, 0, ["transaction"], multi),
    cmd!("exec", 1, EXCLUSIVE | IN_MULTI | NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG, 0, 0, 0, ["transaction"], exec),
    cmd!("discard", 1, IN_MULTI | NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, 0, 0, 0, ["transaction"], discard),
    cmd!("watch", -2, IN_MULTI | NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, 1, -1, 1, ["transaction"], watch),
    cmd!("unwatch", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, 0, 0, 0, ["transaction"], unwatch),
];
