//! The command families, one module each, every module ending with its command table rows.
//! This file holds the argument parsing every family shares.

pub mod acl;
pub mod bitmaps;
pub mod client;
pub mod config;
pub mod connection;
pub mod debug;
pub mod geo;
pub mod hashes;
pub mod hyperloglog;
pub mod introspection;
pub mod keys;
pub mod latency;
pub mod lists;
pub mod lolwut;
pub mod memory;
pub mod persistence;
pub mod pubsub;
#[cfg(feature = "scripting")]
pub mod scripting;
pub mod sets;
pub mod sort;
pub mod streams;
pub mod strings;
pub mod transactions;
pub mod zsets;

use crate::command::CmdResult;
use crate::entry::EntryMeta;
use crate::entry::{EntryRef, Kind};
use crate::error::{self, CmdError};
use crate::keyspace::Key;
use crate::types::{Limits, Open, View};
use crate::Ctx;
use resp::ReplyBuf;

/// Every family's rows, in the order the registry numbers them.
pub const TABLES: &[&[crate::command::Command]] = &[
    acl::COMMANDS,
    strings::COMMANDS,
    bitmaps::COMMANDS,
    keys::COMMANDS,
    connection::COMMANDS,
    introspection::COMMANDS,
    debug::COMMANDS,
    latency::COMMANDS,
    lolwut::COMMANDS,
    client::COMMANDS,
    config::COMMANDS,
    pubsub::COMMANDS,
    transactions::COMMANDS,
    lists::COMMANDS,
    hashes::COMMANDS,
    sets::COMMANDS,
    zsets::COMMANDS,
    sort::COMMANDS,
    streams::COMMANDS,
    persistence::COMMANDS,
    memory::COMMANDS,
    hyperloglog::COMMANDS,
    geo::COMMANDS,
    #[cfg(feature = "scripting")]
    scripting::COMMANDS,
];

/// Writes Redis's standard HELP reply: a header naming the command, the lines, and the footer.
pub fn help_reply(ctx: &mut Ctx<'_>, header: &str, lines: &[&str]) {
    ctx.out.array(lines.len() + 3);
    ctx.out.simple(header);
    for l in lines {
        ctx.out.simple(l);
    }
    ctx.out.simple("HELP");
    ctx.out.simple("    Prints this help.");
}

/// The handler of a container row (CLIENT, CONFIG): never called, the registry resolves a
/// subcommand first.
pub(crate) fn container(_: &mut Ctx<'_>, _: &[&[u8]]) -> CmdResult {
    Err(error::SYNTAX)
}

/// Case-insensitive comparison of an argument with an ASCII keyword.
pub fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// Parses a signed 64-bit integer argument (`ERR value is not an integer or out of range`).
pub fn int_arg(arg: &[u8]) -> Result<i64, CmdError> {
    resp::number::parse_i64(arg).ok_or(error::NOT_INTEGER)
}

/// Parses an argument that must fit a C `int`, with the two errors of Redis's
/// `getIntFromObjectOrReply`.
pub fn i32_arg(arg: &[u8]) -> Result<i32, CmdError> {
    i32::try_from(int_arg(arg)?).map_err(|_| {
        CmdError::from_static(
            "ERR value is out of range, value must between -2147483648 and 2147483647",
        )
    })
}

/// Parses a database index argument and checks its range.
pub fn db_arg(ctx: &Ctx<'_>, arg: &[u8]) -> Result<usize, CmdError> {
    let id = i32_arg(arg)?;
    usize::try_from(id)
        .ok()
        .filter(|&d| d < ctx.ks().databases())
        .ok_or(error::DB_RANGE)
}

/// Fails with WRONGTYPE unless the entry holds a string.
pub fn expect_string(e: &EntryRef<'_>) -> Result<(), CmdError> {
    if e.kind() == Kind::String {
        Ok(())
    } else {
        Err(error::WRONG_TYPE)
    }
}

/// Reads `key` under its shard's read lock, counting a hit or miss and updating the access
/// clock, and hands the reply buffer and the live entry (or None) to `f`.
pub fn read_key<R>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    f: impl FnOnce(&mut ReplyBuf, Option<EntryRef<'_>>) -> R,
) -> R {
    read_key_with(ctx, key, true, f)
}

/// [`read_key`], updating the access clock only when `touch` (EXISTS, TYPE and TTL do not
/// count as accesses, as Redis's `LOOKUP_NOTOUCH`).
pub fn read_key_with<R>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    touch: bool,
    f: impl FnOnce(&mut ReplyBuf, Option<EntryRef<'_>>) -> R,
) -> R {
    let k = ctx.key(key);
    let shard = ctx.ks().db(ctx.db()).read(k.shard);
    let e = shard.get(k.hash, key, ctx.now);
    if e.is_some() {
        ctx.hit(true);
    } else {
        ctx.miss(key);
    }
    if let Some(e) = e.as_ref().filter(|_| touch) {
        ctx.touch(e);
    }
    f(ctx.out, e)
}

/// Reads several keys atomically: read-locks their shards in ascending order, then hands the
/// live entries (in argument order) to `f`. Counts hits and misses.
pub fn read_keys<R>(
    ctx: &mut Ctx<'_>,
    keys: &[&[u8]],
    f: impl FnOnce(&mut ReplyBuf, &[Option<EntryRef<'_>>]) -> R,
) -> R {
    read_keys_with(ctx, keys, true, f)
}

/// [`read_keys`], updating the access clocks only when `touch`.
pub fn read_keys_with<R>(
    ctx: &mut Ctx<'_>,
    keys: &[&[u8]],
    touch: bool,
    f: impl FnOnce(&mut ReplyBuf, &[Option<EntryRef<'_>>]) -> R,
) -> R {
    let ks = ctx.ks();
    let db = ks.db(ctx.db());
    let hashed: Vec<Key<'_>> = keys.iter().map(|k| ks.key(k)).collect();
    let mut shards: Vec<usize> = hashed.iter().map(|k| k.shard).collect();
    shards.sort_unstable();
    shards.dedup();
    let guards: Vec<_> = shards.iter().map(|&s| (s, db.read(s))).collect();
    let entries: Vec<Option<EntryRef<'_>>> = hashed
        .iter()
        .map(|k| {
            let g = &guards[guards.iter().position(|(s, _)| *s == k.shard).unwrap_or(0)].1;
            let e = g.get(k.hash, k.bytes, ctx.now);
            if let Some(e) = e.as_ref().filter(|_| touch) {
                ctx.touch(e);
            }
            e
        })
        .collect();
    for (e, k) in entries.iter().zip(keys) {
        if e.is_some() {
            ctx.hit(true);
        } else {
            ctx.miss(k);
        }
    }
    f(ctx.out, &entries)
}

/// Redis's `allowProtectedAction`: a setting of `yes`, or `local` and a loopback or
/// Unix-socket peer (DEBUG, protected CONFIG SET).
pub fn protected_action_allowed(ctx: &Ctx<'_>, setting: &str) -> bool {
    match setting {
        "yes" => true,
        "local" => {
            let a = ctx.session.client.addr.as_str();
            a.starts_with("127.") || a.starts_with("[::1]") || a.starts_with('/') || a.is_empty()
        }
        _ => false,
    }
}

/// Reads `key` without counting stats or touching its clock (TYPE-like inspection in SCAN).
pub fn peek_key<R>(ctx: &Ctx<'_>, k: &Key<'_>, f: impl FnOnce(Option<EntryRef<'_>>) -> R) -> R {
    let shard = ctx.ks().db(ctx.db()).read(k.shard);
    f(shard.get(k.hash, k.bytes, ctx.now))
}

/// Checks that a string of `size + append` bytes stays within `proto-max-bulk-len`, as Redis's
/// `checkStringLength`. The AOF replay obeys without checking (Redis's `mustObeyClient`): what
/// was acknowledged under a larger limit loads under a smaller one; the hard bound of an
/// entry's length still applies.
pub fn check_string_length(ctx: &Ctx<'_>, size: u64, append: u64) -> Result<(), CmdError> {
    let limit = if ctx.session.replaying {
        crate::entry::MAX_VALUE_LEN as u64
    } else {
        ctx.engine.config.proto_max_bulk_len()
    };
    match size.checked_add(append) {
        Some(total) if total <= limit => Ok(()),
        _ => Err(error::STRING_TOO_LONG),
    }
}

/// Replies with the length of the collection of `kind` at `key` (0 when missing): LLEN, SCARD,
/// HLEN, ZCARD.
pub fn reply_len(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    kind: Kind,
    len: fn(View<'_>) -> usize,
) -> CmdResult {
    read_coll(ctx, key, kind, |out, v| {
        out.int(v.map_or(0, len) as i64);
        Ok(())
    })
}

/// Reads the collection of `kind` at `key` under its shard's read lock (a hit or miss is
/// counted): `f` gets the reply buffer and the collection, None when the key is missing.
/// Another type is WRONGTYPE.
pub fn read_coll<R>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    kind: Kind,
    f: impl FnOnce(&mut ReplyBuf, Option<View<'_>>) -> Result<R, CmdError>,
) -> Result<R, CmdError> {
    read_key(ctx, key, |out, e| match e {
        None => f(out, None),
        Some(e) if e.kind() == kind => f(out, View::of(&e)),
        Some(_) => Err(error::WRONG_TYPE),
    })
}

/// The collection of `kind` held by `e`; WRONGTYPE for another type.
pub fn coll_of<'a>(e: Option<EntryRef<'a>>, kind: Kind) -> Result<Option<View<'a>>, CmdError> {
    match e {
        None => Ok(None),
        Some(e) if e.kind() == kind => Ok(View::of(&e)),
        Some(_) => Err(error::WRONG_TYPE),
    }
}

/// What a collection write did.
pub struct Written<R> {
    /// The closure's result.
    pub value: R,
    /// True when the collection emptied and its key was deleted.
    pub deleted: bool,
}

/// Edits the collection of `kind` at `key` under its shard's write lock (see
/// [`crate::keyspace::Locked::update`]); with `create`, a missing key starts as an empty
/// collection. `f` returns its result and whether it changed anything.
pub fn write_coll<R>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    kind: Kind,
    create: bool,
    f: impl FnOnce(&mut Open<'_>, &Limits) -> Result<(R, bool), CmdError>,
) -> Result<Option<Written<R>>, CmdError> {
    let (db, now) = (ctx.db(), ctx.now);
    let k = ctx.key(key);
    let limits = ctx.engine.limits.load();
    let meta = create.then(|| EntryMeta {
        kind,
        clock: ctx.clock(),
        ..Default::default()
    });
    let mut l = ctx.ks().lock(db, &[k]);
    let r = l.update(db, &k, now, kind, meta, |o| f(o, &limits))?;
    drop(l);
    Ok(r.map(|(value, deleted)| Written { value, deleted }))
}

/// HSCAN, SSCAN and ZSCAN: `key cursor [MATCH pattern] [COUNT count]`. A compact collection is
/// returned whole with cursor 0, as Redis does; a large one is walked with the reverse-binary
/// cursor of its table, which keeps SCAN's guarantee while it grows or shrinks.
pub fn scan_collection(ctx: &mut Ctx<'_>, args: &[&[u8]], kind: Kind) -> CmdResult {
    let cursor = keys::parse_cursor(args[2])?;
    read_coll(ctx, args[1], kind, |out, v| {
        // Redis looks the key up first: a missing key is an empty scan whatever the options,
        // another type is WRONGTYPE before any option error.
        if v.is_none() {
            out.array(2);
            out.bulk(b"0");
            out.array(0);
            return Ok(());
        }
        let (count, pattern, _) = scan_options(args, 3, false)?;
        let mut items: Vec<(Vec<u8>, Option<Vec<u8>>)> = Vec::new();
        let mut next = 0u64;
        let wanted = |m: &[u8]| pattern.is_none_or(|p| crate::glob::matches(p, m, false));
        let value_of = |e: &EntryRef<'_>| -> Option<Vec<u8>> {
            match kind {
                Kind::Hash => Some(e.value().to_vec()),
                Kind::ZSet => {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(e.value());
                    Some(crate::float::format_double(f64::from_le_bytes(a)))
                }
                _ => None,
            }
        };
        match v {
            None => {}
            Some(View::Big(big)) => {
                let table = match big {
                    crate::types::Big::Hash(t) | crate::types::Big::Set(t) => Some(t),
                    crate::types::Big::ZSet(z) => Some(z.table()),
                    crate::types::Big::List(_) | crate::types::Big::Stream(_) => None,
                };
                if let Some(t) = table {
                    let mut c = cursor;
                    let max_iterations = count.saturating_mul(10);
                    let mut iterations = 0;
                    loop {
                        c = t.scan(c, |e| {
                            if wanted(e.key()) {
                                items.push((e.key().to_vec(), value_of(&e)));
                            }
                        });
                        iterations += 1;
                        if c == 0 || items.len() as i64 >= count || iterations >= max_iterations {
                            break;
                        }
                    }
                    next = c;
                }
            }
            Some(v @ View::Packed(_)) => match kind {
                Kind::Hash => {
                    for (f, x) in crate::types::hash::iter(v) {
                        if wanted(f) {
                            items.push((f.to_vec(), Some(x.to_vec())));
                        }
                    }
                }
                Kind::Set => {
                    for m in crate::types::set::iter(v) {
                        let m = m.to_vec();
                        if wanted(&m) {
                            items.push((m, None));
                        }
                    }
                }
                _ => {
                    for (m, s) in crate::types::zset::items(v) {
                        if wanted(m) {
                            items.push((m.to_vec(), Some(crate::float::format_double(s))));
                        }
                    }
                }
            },
        }
        out.array(2);
        let mut text = Vec::new();
        resp::number::write_u64(&mut text, next);
        out.bulk(&text);
        let n: usize = items
            .iter()
            .map(|(_, v)| 1 + usize::from(v.is_some()))
            .sum();
        out.array(n);
        for (k, v) in &items {
            out.bulk(k);
            if let Some(v) = v {
                out.bulk(v);
            }
        }
        Ok(())
    })
}

/// Replaces whatever `key` holds in the locked shards by a new collection of `kind` that `fill`
/// builds (SINTERSTORE, ZUNIONSTORE, SORT ... STORE and friends). An empty result leaves the
/// key deleted. Returns the new length and whether the key existed before.
pub fn store_coll(
    ctx: &Ctx<'_>,
    l: &mut crate::keyspace::Locked<'_>,
    key: &Key<'_>,
    kind: Kind,
    fill: impl FnOnce(&mut Open<'_>, &Limits),
) -> Result<(usize, bool), CmdError> {
    let (db, now) = (ctx.db(), ctx.now);
    let existed = l.get(db, key, now).is_some();
    let limits = ctx.engine.limits.load();
    let mut o = Open::Packed(crate::types::new_packed(kind));
    fill(&mut o, &limits);
    let len = crate::types::len(kind, o.view());
    if len == 0 {
        if existed {
            l.remove(db, key);
        }
        return Ok((0, existed));
    }
    let meta = EntryMeta {
        kind,
        clock: ctx.clock(),
        ..Default::default()
    };
    // Stored as one new value, replacing any old one (its expiry too), as Redis's setKey.
    let entry = match o {
        Open::Packed(b) => crate::entry::Entry::new(key.bytes, &b, meta),
        Open::New(big) => crate::entry::Entry::new_big(key.bytes, big, meta),
        Open::Big(_) => unreachable!("a fresh collection is never borrowed"),
    };
    l.put(db, key, entry);
    Ok((len, existed))
}

/// Publishes what a STORE command did to its destination: `event` when it stored something,
/// `del` when an empty result deleted an existing key.
pub fn notify_store(ctx: &Ctx<'_>, class: u32, event: &str, key: &[u8], len: usize, existed: bool) {
    if len > 0 {
        ctx.notify(class, event, key);
    } else if existed {
        ctx.notify(crate::notify::GENERIC, "del", key);
    }
}

/// What a multi-key pop took: the key and its elements.
pub type Popped<T> = (Vec<u8>, Vec<T>);

/// SCAN options: COUNT, MATCH and TYPE.
pub type ScanOptions<'a> = (i64, Option<&'a [u8]>, Option<&'a [u8]>);

/// The core of the blocking and multi-key pops: the first of `keys` (in order) holding a
/// non-empty collection of `kind` is popped with `pop`; a key holding another type fails the
/// command when reached, as in Redis. While a blocked client is served, only the key that
/// became ready is looked at, and another type there keeps the client waiting.
pub fn pop_first_nonempty<T>(
    ctx: &mut Ctx<'_>,
    keys: &[&[u8]],
    kind: Kind,
    mut pop: impl FnMut(&mut Ctx<'_>, &[u8]) -> Result<Option<Vec<T>>, CmdError>,
) -> Result<Option<Popped<T>>, CmdError> {
    for key in keys {
        if !ctx.may_serve(key) {
            continue;
        }
        let nonempty = {
            let k = ctx.key(key);
            let shard = ctx.ks().db(ctx.db()).read(k.shard);
            let e = shard.get(k.hash, key, ctx.now);
            match coll_of(e, kind) {
                Err(_) if ctx.serving() => false,
                r => r?.is_some_and(|v| crate::types::len(kind, v) > 0),
            }
        };
        if nonempty {
            if let Some(v) = pop(ctx, key)? {
                if !v.is_empty() {
                    return Ok(Some((key.to_vec(), v)));
                }
            }
        }
    }
    Ok(None)
}

/// The options of SCAN and of HSCAN, SSCAN and ZSCAN from `args[j]` on: COUNT (default 10),
/// MATCH (`*` means none) and, where `with_type`, TYPE.
pub fn scan_options<'a>(
    args: &[&'a [u8]],
    mut j: usize,
    with_type: bool,
) -> Result<ScanOptions<'a>, CmdError> {
    let (mut count, mut pattern, mut kind) = (10, None, None);
    while j < args.len() {
        let more = j + 1 < args.len();
        if is(args[j], "count") && more {
            count = int_arg(args[j + 1])?;
            if count < 1 {
                return Err(error::SYNTAX);
            }
        } else if is(args[j], "match") && more {
            pattern = Some(args[j + 1]).filter(|p| *p != b"*");
        } else if with_type && is(args[j], "type") && more {
            kind = Some(args[j + 1]);
        } else {
            return Err(error::SYNTAX);
        }
        j += 2;
    }
    Ok((count, pattern, kind))
}
