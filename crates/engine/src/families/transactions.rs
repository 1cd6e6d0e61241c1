//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! The dispatcher queues commands between MULTI and EXEC (see `Engine::execute_at`); EXEC takes
//! the exclusive side of the gate ([`crate::gate`]), checks the WATCHed keys and runs the queue
//! with no other command in between, so the transaction is atomic across every shard.

use crate::command::{flags::*, CmdResult, Command, Entry};
use crate::error::CmdError;
use crate::session::{Transaction, Watching};
use crate::{cmd, Ctx};
use std::sync::atomic::Ordering::Relaxed;

/// Commands that run at once inside MULTI instead of being queued.
pub fn runs_inside_multi(entry: &Entry) -> bool {
    entry.parent.is_none()
        && matches!(
            entry.cmd.name,
            "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
        )
}

/// Drops the open transaction and every WATCH (EXEC, DISCARD, RESET).
pub fn end(ctx: &mut Ctx<'_>) {
    ctx.session.multi = None;
    ctx.session.client.multi.store(-1, Relaxed);
    if let Some(mut w) = ctx.session.watching.take() {
        w.clear();
    }
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
    // Blocking commands inside a transaction answer at once, as if they timed out.
    ctx.session.no_block = true;
    crate::propagate::begin_transaction();
    for (idx, args) in &tx.queued {
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
        let started = std::time::Instant::now();
        let failed = engine.dispatch(ctx.session, *idx, &argv, ctx.out, ctx.now);
        if ctx.session.tracking.is_some() {
            engine.track_read(ctx.session, *idx, &argv, failed);
        }
        engine
            .registry
            .record(*idx, started.elapsed().as_micros() as u64, failed);
        if ctx.session.close_after_reply {
            break;
        }
    }
    ctx.session.no_block = false;
    crate::propagate::end_transaction(&engine.keyspace.log);
    ctx.session.last_write_seq = ctx.session.last_write_seq.max(crate::propagate::last_seq());
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
    cmd!("multi", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, 0, 0, 0, ["transaction"], "transactions", "Starts a transaction.", "1.2.0", "O(1)", multi),
    cmd!("exec", 1, NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG, 0, 0, 0, ["transaction"], "transactions", "Executes all commands in a transaction.", "1.2.0", "Depends on commands in the transaction", exec),
    cmd!("discard", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, 0, 0, 0, ["transaction"], "transactions", "Discards a transaction.", "2.0.0", "O(N), when N is the number of queued commands", discard),
    cmd!("watch", -2, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, 1, -1, 1, ["transaction"], "transactions", "Monitors changes to keys to determine the execution of a transaction.", "2.2.0", "O(1) for every key.", watch),
    cmd!("unwatch", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, 0, 0, 0, ["transaction"], "transactions", "Forgets about watched keys of a transaction.", "2.2.0", "O(1)", unwatch),
];
