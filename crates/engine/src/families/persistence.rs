//! DUMP and RESTORE (Redis's serialization, so payloads move between ferrokv and Redis), SAVE,
//! BGSAVE, BGREWRITEAOF and LASTSAVE. The files are the persistence layer's, which the server
//! installs ([`crate::persistence::Persistence`]): the engine itself touches no files.

use super::{int_arg, is};
use crate::command::{flags::*, CmdResult, Command};
use crate::dump;
use crate::entry::EntryMeta;
use crate::error::{self, CmdError};
use crate::notify::GENERIC;
use crate::{cmd, Ctx};

/// `DUMP key`
fn dump_cmd(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let k = ctx.key(args[1]);
    let shard = ctx.ks().db(ctx.db()).read(k.shard);
    match shard.get(k.hash, args[1], ctx.now) {
        Some(e) => {
            ctx.touch(&e);
            let value = dump::to_value(&e);
            drop(shard);
            let payload = crate::rdb::dump_payload_with(&value, &ctx.engine.config.rdb_options());
            ctx.hit(true);
            ctx.out.bulk(&payload);
        }
        None => {
            drop(shard);
            ctx.miss(args[1]);
            ctx.out.null();
        }
    }
    Ok(())
}

/// `RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]`
fn restore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<i64>, Option<i64>) = (None, None);
    let mut j = 4;
    while j < args.len() {
        let more = j + 1 < args.len();
        if is(args[j], "replace") {
            replace = true;
        } else if is(args[j], "absttl") {
            absttl = true;
        } else if is(args[j], "idletime") && more && freq.is_none() {
            let v = int_arg(args[j + 1])?;
            if v < 0 {
                return Err(CmdError::from_static(
                    "ERR Invalid IDLETIME value, must be >= 0",
                ));
            }
            idle = Some(v);
            j += 1;
        } else if is(args[j], "freq") && more && idle.is_none() {
            let v = int_arg(args[j + 1])?;
            if !(0..=255).contains(&v) {
                return Err(CmdError::from_static(
                    "ERR Invalid FREQ value, must be >= 0 and <= 255",
                ));
            }
            freq = Some(v);
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    const BUSY: CmdError = CmdError::from_static("BUSYKEY Target key name already exists.");
    // Redis's order: an existing key first, then the TTL, the footer and the value.
    // The lookup is an access (Redis's `lookupKeyWrite`), even when RESTORE is refused.
    let exists = |ctx: &Ctx<'_>| {
        super::peek_key(ctx, &ctx.key(args[1]), |e| {
            if let Some(e) = &e {
                ctx.touch(e);
            }
            e.is_some()
        })
    };
    if !replace && exists(ctx) {
        return Err(BUSY);
    }
    let ttl = int_arg(args[2])?;
    if ttl < 0 {
        return Err(CmdError::from_static("ERR Invalid TTL value, must be >= 0"));
    }
    // Decoded before the key's lock is taken (a large payload holds no shard meanwhile), and
    // no string longer than a client could write is ever built.
    let max_string = usize::try_from(ctx.engine.config.proto_max_bulk_len()).unwrap_or(usize::MAX);
    let value = match crate::rdb::restore_payload_within(args[3], max_string) {
        Ok(v) if !dump::is_empty(&v) => v,
        Err(crate::rdb::Error::Footer(_)) => {
            return Err(CmdError::from_static(
                "ERR DUMP payload version or checksum are wrong",
            ))
        }
        _ => return Err(CmdError::from_static("ERR Bad data format")),
    };
    let now = ctx.now;
    let at = if ttl == 0 {
        None
    } else if absttl {
        Some(ttl as u64)
    } else {
        Some((ttl as u64).saturating_add(ctx.base_time()))
    };
    let expired = at.is_some_and(|at| at <= now);
    // As Redis's `objectSetLRUOrLFU`: FREQ sets the counter under an LFU policy, IDLETIME
    // the last access under any other; the one that does not apply is ignored.
    let base = ctx.base_time();
    let clock = match (ctx.engine.memory.policy().is_lfu(), idle, freq) {
        (true, _, Some(f)) => crate::memory::lfu_clock(base, f as u8),
        (false, Some(secs), _) => {
            let secs = secs.min(i64::from(crate::memory::CLOCK_MASK)) as u32;
            crate::memory::lru_clock(base).wrapping_sub(secs) & crate::memory::CLOCK_MASK
        }
        _ => ctx.clock(),
    };
    let meta = EntryMeta {
        expire: at,
        clock,
        ..Default::default()
    };
    // Built before the lock too: a large collection's tables hold nobody up.
    let entry =
        (!expired).then(|| dump::to_entry(args[1], &value, &ctx.engine.limits.load(), meta));
    drop(value);
    let db = ctx.db();
    let k = ctx.key(args[1]);
    let mut l = ctx.ks().lock(db, &[k]);
    // Created while the payload was decoded: as if this RESTORE came after it.
    if !replace && l.get(db, &k, now).is_some() {
        return Err(BUSY);
    }
    let deleted = replace && l.remove(db, &k).is_some();
    let Some(entry) = entry else {
        // Already expired: nothing is created (an old key is deleted).
        if deleted {
            crate::propagate::replace(&[&[b"DEL", args[1]]]);
            ctx.notify(GENERIC, "del", args[1]);
        }
        ctx.out.ok();
        return Ok(());
    };
    l.put(db, &k, entry);
    if let (Some(at), false) = (at, absttl) {
        // Logged with the absolute deadline, as Redis propagates it.
        let mut ms = Vec::new();
        resp::number::write_u64(&mut ms, at);
        let mut record: Vec<&[u8]> = vec![b"RESTORE", args[1], &ms];
        record.extend_from_slice(&args[3..]);
        record.push(b"ABSTTL");
        crate::propagate::replace(&[&record]);
    }
    drop(l);
    ctx.notify(GENERIC, "restore", args[1]);
    ctx.out.ok();
    Ok(())
}

/// `SAVE`: a snapshot of every database in `dir/dbfilename`, taken with every shard locked (a
/// consistent point in time; other clients wait, as with Redis's SAVE).
fn save(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.engine.save()?;
    ctx.out.ok();
    Ok(())
}

/// `BGSAVE [SCHEDULE]`: a point-in-time snapshot written in the background while commands go
/// on (see [`crate::snapshot`]).
fn bgsave(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if args.len() > 2 || (args.len() == 2 && !is(args[1], "schedule")) {
        return Err(error::SYNTAX);
    }
    let reply = persistence(ctx)?.bgsave(args.len() == 2, ctx.in_exec())?;
    ctx.out.simple(reply);
    Ok(())
}

/// `BGREWRITEAOF`: compacts the append-only file in the background: a new base (the dataset
/// at one instant, in RDB format) and a new incremental file from that instant on.
fn bgrewriteaof(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let reply = persistence(ctx)?.bgrewriteaof(ctx.in_exec())?;
    ctx.out.simple(reply);
    Ok(())
}

fn persistence<'a>(
    ctx: &Ctx<'a>,
) -> Result<&'a std::sync::Arc<dyn crate::persistence::Persistence>, CmdError> {
    ctx.engine
        .persistence()
        .ok_or(CmdError::from_static("ERR this server keeps no files"))
}

/// `LASTSAVE`: unix time of the last successful save (start-up time before any).
fn lastsave(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.out.int(ctx.engine.last_save() as i64);
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
        && !engine.state.loading();
    if save {
        // Nothing else runs from here: no write may be acknowledged after the snapshot.
        engine.state.set_closing(true);
        let saved = match engine.persistence() {
            Some(p) => p.shutdown_save(),
            None => engine.save(),
        };
        if saved.is_err() && !force {
            engine.state.set_closing(false);
            return Err(CmdError::from_static(
                "ERR Errors trying to SHUTDOWN. Check logs.",
            ));
        }
    }
    ctx.close_after_reply();
    // A RESP connection sends what its pipeline answered before SHUTDOWN, then asks the
    // server to stop; HTTP and library sessions have nothing left to send.
    if ctx.session.defers_shutdown {
        ctx.session.shutdown_after_reply = true;
    } else {
        ctx.engine.state.request_shutdown();
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// CLIENT

/// DUMP, RESTORE, SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE and SHUTDOWN's table rows.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    cmd!("shutdown", -1, ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY, 0, 0, 0, [], shutdown),
    cmd!("dump", 2, READONLY, 1, 1, 1, ["keyspace"], dump_cmd),
    cmd!("restore", -4, WRITE | DENYOOM, 1, 1, 1, ["keyspace", "dangerous"], restore),
    cmd!("save", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, 0, 0, 0, ["dangerous"], save),
    cmd!("bgsave", -1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, 0, 0, 0, ["dangerous"], bgsave),
    cmd!("bgrewriteaof", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, 0, 0, 0, ["dangerous"], bgrewriteaof),
    cmd!("lastsave", 1, LOADING | STALE | FAST, 0, 0, 0, ["admin", "dangerous"], lastsave),
];
