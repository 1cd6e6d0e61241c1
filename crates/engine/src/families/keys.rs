//! The generic (keyspace) family: DEL, EXISTS, TYPE, RENAME, KEYS, SCAN, expiry commands,
//! FLUSHDB/FLUSHALL, COPY, MOVE, SWAPDB, OBJECT.

use super::{db_arg, i32_arg, int_arg, is, read_key_with, read_keys_with};
use crate::command::{flags::*, CmdResult, Command};
use crate::entry::{Entry, EntryRef, Kind};
use crate::error::{self, c_str, CmdError};
use crate::glob;
use crate::keyspace::{Key, Shard, SHARDS, SHARD_BITS};
use crate::notify::GENERIC;
use crate::{cmd, Ctx};

/// `DEL key [key ...]` and `UNLINK key [key ...]`: the number of keys removed.
fn del(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (db, now) = (ctx.db(), ctx.now);
    let keys: Vec<Key<'_>> = args[1..].iter().map(|k| ctx.key(k)).collect();
    let mut l = ctx.ks().lock(db, &keys);
    let mut gone = Vec::new();
    for k in &keys {
        if l.get(db, k, now).is_some() {
            gone.extend(l.remove(db, k));
            ctx.notify(GENERIC, "del", k.bytes);
        }
    }
    drop(l);
    ctx.out.int(gone.len() as i64);
    // The values are freed once the locks are released: UNLINK's (and DEL's under
    // `lazyfree-lazy-user-del`) big ones on the lazy free thread.
    let lazy = is(args[0], "unlink") || ctx.engine.memory.lazy_user_del();
    for e in gone {
        ctx.engine.keyspace.lazyfree.free_entry(e, lazy);
    }
    Ok(())
}

/// `EXISTS key [key ...]`: repeated keys count each time.
fn exists(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    count_existing(ctx, args, false)
}

/// EXISTS and TOUCH: how many of the keys exist; only TOUCH is an access.
fn count_existing(ctx: &mut Ctx<'_>, args: &[&[u8]], touch: bool) -> CmdResult {
    read_keys_with(ctx, &args[1..], touch, |out, e| {
        out.int(e.iter().filter(|e| e.is_some()).count() as i64)
    });
    Ok(())
}

/// `TOUCH key [key ...]`: updates access times, returns how many exist.
fn touch(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    count_existing(ctx, args, true)
}

/// `TYPE key`
fn type_(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_key_with(ctx, args[1], false, |out, e| {
        out.simple(e.map_or("none", |e| e.kind().name()))
    });
    Ok(())
}

/// The common core of RENAME and RENAMENX.
fn rename_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], nx: bool) -> CmdResult {
    let (db, now) = (ctx.db(), ctx.now);
    let (src, dst) = (ctx.key(args[1]), ctx.key(args[2]));
    let mut l = ctx.ks().lock(db, &[src, dst]);
    if l.get(db, &src, now).is_none() {
        return Err(error::NO_SUCH_KEY);
    }
    if src.bytes == dst.bytes {
        if nx {
            ctx.out.int(0);
        } else {
            ctx.out.ok();
        }
        return Ok(());
    }
    if l.get(db, &dst, now).is_some() {
        if nx {
            ctx.out.int(0);
            return Ok(());
        }
        // Redis compatibility: the old destination is deleted first, so the key counts as new.
        l.remove(db, &dst);
    }
    let Some(old) = l.remove(db, &src) else {
        return Err(error::NO_SUCH_KEY);
    };
    l.put(db, &dst, old.rekey(dst.bytes));
    ctx.notify(GENERIC, "rename_from", src.bytes);
    ctx.notify(GENERIC, "rename_to", dst.bytes);
    if nx {
        ctx.out.int(1);
    } else {
        ctx.out.ok();
    }
    Ok(())
}

/// `RENAME key newkey`
fn rename(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    rename_generic(ctx, args, false)
}

/// `RENAMENX key newkey`
fn renamenx(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    rename_generic(ctx, args, true)
}

/// `KEYS pattern`
fn keys(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let pattern = args[1];
    let all = pattern == b"*";
    let db = ctx.ks().db(ctx.db());
    let mut found: Vec<Vec<u8>> = Vec::new();
    for s in 0..SHARDS {
        let shard = db.read(s);
        shard.table.for_each(|e| {
            if !e.is_expired(ctx.now) && (all || glob::matches(pattern, e.key(), false)) {
                found.push(e.key().to_vec());
            }
        });
    }
    ctx.out.array(found.len());
    for k in &found {
        ctx.out.bulk(k);
    }
    Ok(())
}

/// Parses a SCAN cursor as Redis does with `strtoul`: optional sign, decimal digits, a negative
/// number wraps around, overflow and trailing garbage are refused, the empty string is 0.
pub fn parse_cursor(arg: &[u8]) -> Result<u64, CmdError> {
    let (neg, digits) = match arg.first() {
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        _ => (false, arg),
    };
    if arg.is_empty() {
        return Ok(0);
    }
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(error::INVALID_CURSOR);
    }
    let mut v: u64 = 0;
    for &c in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(c - b'0')))
            .ok_or(error::INVALID_CURSOR)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`
///
/// The cursor packs the shard (low [`SHARD_BITS`] bits) and the shard table's reverse-binary
/// bucket cursor (the rest), so every shard keeps Redis's guarantee across resizes.
fn scan(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let cursor = parse_cursor(args[1])?;
    let (count, pattern, kind) = super::scan_options(args, 2, true)?;
    let db = ctx.ks().db(ctx.db());
    let mut shard = (cursor & (SHARDS as u64 - 1)) as usize;
    let mut bucket = cursor >> SHARD_BITS;
    let max_iterations = count.saturating_mul(10);
    let mut iterations = 0i64;
    let mut examined = 0i64;
    let mut found: Vec<Vec<u8>> = Vec::new();
    while shard < SHARDS {
        let guard = db.read(shard);
        if guard.table.is_empty() {
            drop(guard);
            shard += 1;
            bucket = 0;
            continue;
        }
        bucket = guard.table.scan(bucket, |e| {
            examined += 1;
            if e.is_expired(ctx.now) {
                return;
            }
            if let Some(p) = pattern {
                if !glob::matches(p, e.key(), false) {
                    return;
                }
            }
            if let Some(t) = kind {
                if !t.eq_ignore_ascii_case(e.kind().name().as_bytes()) {
                    return;
                }
            }
            found.push(e.key().to_vec());
        });
        drop(guard);
        if bucket == 0 {
            shard += 1;
        }
        iterations += 1;
        if examined >= count || iterations >= max_iterations {
            break;
        }
    }
    let next = if shard >= SHARDS {
        0
    } else {
        (bucket << SHARD_BITS) | shard as u64
    };
    ctx.out.array(2);
    let mut text = Vec::new();
    resp::number::write_u64(&mut text, next);
    ctx.out.bulk(&text);
    ctx.out.array(found.len());
    for k in &found {
        ctx.out.bulk(k);
    }
    Ok(())
}

/// `RANDOMKEY`
fn randomkey(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let db = ctx.ks().db(ctx.db());
    // A handful of tries: an expired key found on the way is skipped, as Redis retries.
    for _ in 0..100 {
        let sizes: Vec<usize> = (0..SHARDS).map(|s| db.read(s).table.len()).collect();
        let total: usize = sizes.iter().sum();
        if total == 0 {
            break;
        }
        let mut r = (crate::rand::u64() % total as u64) as usize;
        let shard = sizes
            .iter()
            .position(|&n| {
                if r < n {
                    true
                } else {
                    r -= n;
                    false
                }
            })
            .unwrap_or(0);
        let guard = db.read(shard);
        if let Some(e) = guard.table.random(crate::rand::u64) {
            if !e.is_expired(ctx.now) {
                ctx.out.bulk(e.key());
                return Ok(());
            }
        }
    }
    ctx.out.null();
    Ok(())
}

/// `DBSIZE`: keys in the selected database (keys past their expiry but not yet reclaimed are
/// counted, as in Redis).
fn dbsize(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let db = ctx.ks().db(ctx.db());
    let n: usize = (0..SHARDS).map(|s| db.read(s).table.len()).sum();
    ctx.out.int(n as i64);
    Ok(())
}

/// Parses FLUSHDB/FLUSHALL's optional ASYNC|SYNC; true means asynchronous (without either,
/// as `lazyfree-lazy-user-flush` says).
fn flush_mode(ctx: &Ctx<'_>, args: &[&[u8]]) -> Result<bool, CmdError> {
    match args.len() {
        1 => Ok(ctx.engine.memory.lazy_user_flush()),
        2 if is(args[1], "async") => Ok(true),
        2 if is(args[1], "sync") => Ok(false),
        _ => Err(error::SYNTAX),
    }
}

/// Empties the given databases atomically; the memory is freed after the locks are released,
/// on a background thread when `lazy`.
pub(crate) fn flush(ctx: &Ctx<'_>, dbs: &[usize], lazy: bool) {
    let mut garbage: Vec<Shard> = Vec::new();
    {
        let ks = ctx.ks();
        let mut l = ks.lock_dbs(dbs);
        // A flush is logged even when there was nothing to flush, as in Redis.
        crate::propagate::mark_dirty();
        l.count_change();
        for &d in dbs {
            // Watchers of keys that existed see the flush.
            ks.watches.touch_db(d, |k| {
                let key = ks.key(k);
                l.shard_at(d, key.shard).table.get(key.hash, k).is_some()
            });
            // Clients blocked in XREADGROUP on a stream the flush removes get an error, as
            // in Redis (whose flush scans the blocked keys for deleted streams).
            for k in ks.blocking.keys_in(d) {
                let key = ks.key(&k);
                let stream = l
                    .shard_at(d, key.shard)
                    .table
                    .get(key.hash, &k)
                    .is_some_and(|e| e.kind() == crate::entry::Kind::Stream);
                if stream {
                    ks.blocking.signal(d, &k);
                }
            }
            for s in 0..crate::keyspace::SHARDS {
                l.before_shard(d, s);
            }
            for shard in l.shards_of(d) {
                let expired = shard.expired;
                let mut old = std::mem::take(shard);
                shard.expired = expired;
                old.expired = 0;
                garbage.push(old);
            }
        }
    }
    ctx.ks().tracking.invalidate_all();
    if lazy {
        ctx.engine.keyspace.lazyfree.free(garbage);
    } else {
        drop(garbage);
    }
}

/// `FLUSHDB [ASYNC | SYNC]`
fn flushdb(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let lazy = flush_mode(ctx, args)?;
    flush(ctx, &[ctx.db()], lazy);
    ctx.out.ok();
    Ok(())
}

/// `FLUSHALL [ASYNC | SYNC]`
fn flushall(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let lazy = flush_mode(ctx, args)?;
    let all: Vec<usize> = (0..ctx.ks().databases()).collect();
    flush(ctx, &all, lazy);
    if !ctx.session.replaying {
        if let Some(p) = ctx.engine.persistence() {
            p.flushed_all();
        }
    }
    ctx.out.ok();
    Ok(())
}

/// `COPY source destination [DB destination-db] [REPLACE]`
fn copy(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let src_db = ctx.db();
    let mut dst_db = src_db;
    let mut replace = false;
    let mut j = 3;
    while j < args.len() {
        if is(args[j], "replace") {
            replace = true;
        } else if is(args[j], "db") && j + 1 < args.len() {
            dst_db = db_arg(ctx, args[j + 1])?;
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    if src_db == dst_db && args[1] == args[2] {
        return Err(error::SAME_OBJECT);
    }
    let now = ctx.now;
    let (src, dst) = (ctx.key(args[1]), ctx.key(args[2]));
    let mut l = ctx
        .ks()
        .lock_pairs(&mut vec![(src_db, src.shard), (dst_db, dst.shard)]);
    let Some(e) = l.get(src_db, &src, now) else {
        ctx.out.int(0);
        return Ok(());
    };
    let copied = Entry::duplicate(&e, dst.bytes);
    // The copy is a new value: it starts its own access clock.
    copied.view().touch(ctx.clock());
    if l.get(dst_db, &dst, now).is_some() {
        if !replace {
            ctx.out.int(0);
            return Ok(());
        }
        l.remove(dst_db, &dst);
    }
    l.put(dst_db, &dst, copied);
    ctx.notify_db(GENERIC, "copy_to", dst_db, dst.bytes);
    ctx.out.int(1);
    Ok(())
}

/// `MOVE key db`
fn move_(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let dst_db = db_arg(ctx, args[2])?;
    let (src_db, now) = (ctx.db(), ctx.now);
    if src_db == dst_db {
        return Err(error::SAME_OBJECT);
    }
    let k = ctx.key(args[1]);
    let mut l = ctx
        .ks()
        .lock_pairs(&mut vec![(src_db, k.shard), (dst_db, k.shard)]);
    if l.get(src_db, &k, now).is_none() || l.get(dst_db, &k, now).is_some() {
        ctx.out.int(0);
        return Ok(());
    }
    if let Some(old) = l.remove(src_db, &k) {
        l.put(dst_db, &k, old);
        ctx.notify_db(GENERIC, "move_from", src_db, k.bytes);
        ctx.notify_db(GENERIC, "move_to", dst_db, k.bytes);
    }
    ctx.out.int(1);
    Ok(())
}

/// `SWAPDB index1 index2`
fn swapdb(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let a = i32_arg(args[1]).map_err(|_| CmdError::from_static("ERR invalid first DB index"))?;
    let b = i32_arg(args[2]).map_err(|_| CmdError::from_static("ERR invalid second DB index"))?;
    let n = ctx.ks().databases() as i64;
    if a < 0 || b < 0 || i64::from(a) >= n || i64::from(b) >= n {
        return Err(error::DB_RANGE);
    }
    let (a, b) = (a as usize, b as usize);
    if a != b {
        let mut l = ctx.ks().lock_dbs(&[a, b]);
        let ks = ctx.ks();
        for (d, other) in [(a, b), (b, a)] {
            // Watchers of a key that exists on either side see the swap.
            ks.watches.touch_db(d, |k| {
                let key = ks.key(k);
                l.shard_at(d, key.shard).table.get(key.hash, k).is_some()
                    || l.shard_at(other, key.shard)
                        .table
                        .get(key.hash, k)
                        .is_some()
            });
        }
        l.swap_dbs(a, b);
    }
    ctx.out.ok();
    Ok(())
}

/// Which way an expiry condition (NX XX GT LT) constrains EXPIRE.
#[derive(Default)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// The common core of EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT. `relative`: add the current time;
/// `seconds`: the argument is in seconds.
fn expire_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], relative: bool, seconds: bool) -> CmdResult {
    let name = String::from_utf8_lossy(args[0]).to_ascii_lowercase();
    let mut f = ExpireFlags::default();
    for opt in &args[3..] {
        if is(opt, "nx") {
            f.nx = true;
        } else if is(opt, "xx") {
            f.xx = true;
        } else if is(opt, "gt") {
            f.gt = true;
        } else if is(opt, "lt") {
            f.lt = true;
        } else {
            return Err(CmdError::concat(&[
                b"ERR Unsupported option ",
                c_str(opt, usize::MAX),
            ]));
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err(CmdError::from_static(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if f.gt && f.lt {
        return Err(CmdError::from_static(
            "ERR GT and LT options at the same time are not compatible",
        ));
    }
    let mut when = int_arg(args[2])?;
    if seconds {
        when = when
            .checked_mul(1000)
            .ok_or_else(|| CmdError::expire_time(&name))?;
    }
    if relative {
        when = when
            .checked_add(ctx.base_time() as i64)
            .ok_or_else(|| CmdError::expire_time(&name))?;
    }
    let (db, now) = (ctx.db(), ctx.now);
    let k = ctx.key(args[1]);
    let mut l = ctx.ks().lock(db, &[k]);
    let Some(e) = l.get(db, &k, now) else {
        ctx.out.int(0);
        return Ok(());
    };
    let current = e.expire().map(|at| at as i64);
    let refused = (f.nx && current.is_some())
        || (f.xx && current.is_none())
        || (f.gt && current.is_none_or(|c| when <= c))
        || (f.lt && current.is_some_and(|c| when >= c));
    if refused {
        ctx.out.int(0);
        return Ok(());
    }
    if when <= now as i64 {
        l.remove(db, &k);
        crate::propagate::replace(&[&[b"DEL", k.bytes]]);
        ctx.notify(GENERIC, "del", k.bytes);
    } else {
        l.set_expire(db, &k, Some(when as u64));
        // Logged as an absolute time, so a replay later sets the same deadline.
        let mut at = Vec::new();
        resp::number::write_i64(&mut at, when);
        crate::propagate::replace(&[&[b"PEXPIREAT", k.bytes, &at]]);
        ctx.notify(GENERIC, "expire", k.bytes);
    }
    ctx.out.int(1);
    Ok(())
}

/// `EXPIRE key seconds [NX | XX | GT | LT]`
fn expire(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    expire_generic(ctx, args, true, true)
}

/// `PEXPIRE key milliseconds [NX | XX | GT | LT]`
fn pexpire(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    expire_generic(ctx, args, true, false)
}

/// `EXPIREAT key unix-time-seconds [NX | XX | GT | LT]`
fn expireat(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    expire_generic(ctx, args, false, true)
}

/// `PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]`
fn pexpireat(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    expire_generic(ctx, args, false, false)
}

/// What TTL-family commands report.
#[derive(Clone, Copy)]
enum TtlKind {
    Ttl,
    Pttl,
    ExpireTime,
    PexpireTime,
}

fn ttl_generic(ctx: &mut Ctx<'_>, key: &[u8], kind: TtlKind) -> CmdResult {
    let now = ctx.now as i64;
    read_key_with(ctx, key, false, |out, e| {
        let Some(e) = e else {
            out.int(-2);
            return;
        };
        let Some(at) = e.expire().map(|at| at as i64) else {
            out.int(-1);
            return;
        };
        let left = (at - now).max(0);
        out.int(match kind {
            TtlKind::Ttl => (left + 500) / 1000,
            TtlKind::Pttl => left,
            TtlKind::ExpireTime => at / 1000,
            TtlKind::PexpireTime => at,
        });
    });
    Ok(())
}

/// `TTL key`
fn ttl(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    ttl_generic(ctx, args[1], TtlKind::Ttl)
}

/// `PTTL key`
fn pttl(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    ttl_generic(ctx, args[1], TtlKind::Pttl)
}

/// `EXPIRETIME key`
fn expiretime(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    ttl_generic(ctx, args[1], TtlKind::ExpireTime)
}

/// `PEXPIRETIME key`
fn pexpiretime(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    ttl_generic(ctx, args[1], TtlKind::PexpireTime)
}

/// `PERSIST key`
fn persist(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (db, now) = (ctx.db(), ctx.now);
    let k = ctx.key(args[1]);
    let mut l = ctx.ks().lock(db, &[k]);
    let had = l.get(db, &k, now).and_then(|e| e.expire()).is_some();
    if had {
        l.set_expire(db, &k, None);
        ctx.notify(GENERIC, "persist", k.bytes);
    }
    ctx.out.int(i64::from(had));
    Ok(())
}

/// Redis's name for how a string is stored: `int` for integers that fit 64 bits, `embstr` up
/// to 44 bytes, `raw` beyond and for strings modified in place.
pub fn encoding_of(e: &EntryRef<'_>) -> &'static str {
    match e.kind() {
        Kind::String => {
            let v = e.value();
            if e.is_raw() {
                "raw"
            } else if !e.is_noint() && v.len() <= 20 && resp::number::parse_i64(v).is_some() {
                "int"
            } else if v.len() <= 44 {
                "embstr"
            } else {
                "raw"
            }
        }
        kind => crate::types::View::of(e).map_or("raw", |v| crate::types::encoding_name(kind, v)),
    }
}

/// Redis shares the integers 0..10000 between keys; OBJECT REFCOUNT reports them as shared.
const SHARED_INTEGERS: i64 = 10_000;

fn object_lookup(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    f: impl FnOnce(&mut resp::ReplyBuf, EntryRef<'_>),
) -> CmdResult {
    let k = ctx.key(key);
    let shard = ctx.ks().db(ctx.db()).read(k.shard);
    match shard.get(k.hash, key, ctx.now) {
        Some(e) => f(ctx.out, e),
        None => ctx.out.null(),
    }
    Ok(())
}

/// `OBJECT ENCODING key`
fn object_encoding(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    object_lookup(ctx, args[2], |out, e| out.bulk(encoding_of(&e).as_bytes()))
}

/// `OBJECT REFCOUNT key`
fn object_refcount(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    object_lookup(ctx, args[2], |out, e| {
        let shared = encoding_of(&e) == "int"
            && resp::number::parse_i64(e.value())
                .is_some_and(|v| (0..SHARED_INTEGERS).contains(&v));
        out.int(if shared { i64::from(i32::MAX) } else { 1 });
    })
}

/// `OBJECT IDLETIME key`: seconds since the last access (not kept under an LFU policy).
fn object_idletime(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let now = ctx.base_time();
    let lfu = ctx.engine.memory.policy().is_lfu();
    let mut refused = false;
    object_lookup(ctx, args[2], |out, e| {
        if lfu {
            refused = true;
        } else {
            out.int(crate::memory::idle_seconds(e.clock(), now) as i64);
        }
    })?;
    if refused {
        return Err(CmdError::from_static("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."));
    }
    Ok(())
}

/// `OBJECT FREQ key`: the key's logarithmic access counter, decayed to now (kept only under
/// an LFU policy).
fn object_freq(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let now = ctx.base_time();
    let access = &ctx.engine.keyspace.access;
    let lfu = access.lfu();
    let decay = access.decay_time();
    let mut refused = false;
    object_lookup(ctx, args[2], |out, e| {
        if lfu {
            out.int(i64::from(crate::memory::lfu_decayed(e.clock(), now, decay)));
        } else {
            refused = true;
        }
    })?;
    if refused {
        return Err(CmdError::from_static("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."));
    }
    Ok(())
}

/// `OBJECT HELP`
fn object_help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    super::help_reply(
        ctx,
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
    Ok(())
}

fn container(_: &mut Ctx<'_>, _: &[&[u8]]) -> CmdResult {
    Err(error::SYNTAX)
}

/// OBJECT's subcommands.
#[rustfmt::skip]
const OBJECT: &[Command] = &[
    cmd!("encoding", 3, READONLY, 2, 2, 1, ["keyspace"], object_encoding),
    cmd!("freq", 3, READONLY, 2, 2, 1, ["keyspace"], object_freq),
    cmd!("idletime", 3, READONLY, 2, 2, 1, ["keyspace"], object_idletime),
    cmd!("refcount", 3, READONLY, 2, 2, 1, ["keyspace"], object_refcount),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, ["keyspace"], object_help),
];

/// The generic family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    cmd!("del", -2, WRITE, 1, -1, 1, ["keyspace"], del),
    cmd!("unlink", -2, WRITE | FAST, 1, -1, 1, ["keyspace"], del),
    cmd!("exists", -2, READONLY | FAST, 1, -1, 1, ["keyspace"], exists),
    cmd!("touch", -2, READONLY | FAST, 1, -1, 1, ["keyspace"], touch),
    cmd!("type", 2, READONLY | FAST, 1, 1, 1, ["keyspace"], type_),
    cmd!("rename", 3, WRITE, 1, 2, 1, ["keyspace"], rename),
    cmd!("renamenx", 3, WRITE | FAST, 1, 2, 1, ["keyspace"], renamenx),
    cmd!("keys", 2, READONLY, 0, 0, 0, ["keyspace", "dangerous"], keys),
    cmd!("scan", -2, READONLY, 0, 0, 0, ["keyspace"], scan),
    cmd!("randomkey", 1, READONLY, 0, 0, 0, ["keyspace"], randomkey),
    cmd!("dbsize", 1, READONLY | FAST, 0, 0, 0, ["keyspace"], dbsize),
    cmd!("flushdb", -1, WRITE, 0, 0, 0, ["keyspace", "dangerous"], flushdb),
    cmd!("flushall", -1, WRITE, 0, 0, 0, ["keyspace", "dangerous"], flushall),
    cmd!("copy", -3, WRITE | DENYOOM, 1, 2, 1, ["keyspace"], copy),
    cmd!("move", 3, WRITE | FAST, 1, 1, 1, ["keyspace"], move_),
    cmd!("swapdb", 3, WRITE | FAST, 0, 0, 0, ["keyspace", "dangerous"], swapdb),
    cmd!("expire", -3, WRITE | FAST, 1, 1, 1, ["keyspace"], expire),
    cmd!("pexpire", -3, WRITE | FAST, 1, 1, 1, ["keyspace"], pexpire),
    cmd!("expireat", -3, WRITE | FAST, 1, 1, 1, ["keyspace"], expireat),
    cmd!("pexpireat", -3, WRITE | FAST, 1, 1, 1, ["keyspace"], pexpireat),
    cmd!("ttl", 2, READONLY | FAST, 1, 1, 1, ["keyspace"], ttl),
    cmd!("pttl", 2, READONLY | FAST, 1, 1, 1, ["keyspace"], pttl),
    cmd!("expiretime", 2, READONLY | FAST, 1, 1, 1, ["keyspace"], expiretime),
    cmd!("pexpiretime", 2, READONLY | FAST, 1, 1, 1, ["keyspace"], pexpiretime),
    cmd!("persist", 2, WRITE | FAST, 1, 1, 1, ["keyspace"], persist),
    Command {
        subcommands: OBJECT,
        ..cmd!("object", -2, 0, 0, 0, 0, [], container)
    },
];

#[cfg(test)]
mod tests {
    use super::parse_cursor;

    #[test]
    fn cursor_parsing_follows_strtoul() {
        assert_eq!(parse_cursor(b"0"), Ok(0));
        assert_eq!(parse_cursor(b""), Ok(0));
        assert_eq!(parse_cursor(b"007"), Ok(7));
        assert_eq!(parse_cursor(b"+5"), Ok(5));
        assert_eq!(parse_cursor(b"-1"), Ok(u64::MAX));
        assert!(parse_cursor(b"18446744073709551616").is_err());
        assert!(parse_cursor(b"1x").is_err());
        assert!(parse_cursor(b" 1").is_err());
        assert!(parse_cursor(b"-").is_err());
    }
}
