//! The command families, one module each, every module ending with its command table rows.
//! This file holds the argument parsing every family shares.

pub mod keys;
pub mod pubsub;
pub mod server;
pub mod strings;
pub mod transactions;

use crate::entry::{EntryRef, Kind};
use crate::error::{self, CmdError};
use crate::keyspace::Key;
use crate::Ctx;
use resp::ReplyBuf;

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
    let k = ctx.key(key);
    let shard = ctx.ks().db(ctx.db()).read(k.shard);
    let e = shard.get(k.hash, key, ctx.now);
    if e.is_some() {
        ctx.hit(true);
    } else {
        ctx.miss(key);
    }
    if let Some(e) = &e {
        e.touch(ctx.clock());
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
    let ks = ctx.ks();
    let db = ks.db(ctx.db());
    let hashed: Vec<Key<'_>> = keys.iter().map(|k| ks.key(k)).collect();
    let mut shards: Vec<usize> = hashed.iter().map(|k| k.shard).collect();
    shards.sort_unstable();
    shards.dedup();
    let guards: Vec<_> = shards.iter().map(|&s| (s, db.read(s))).collect();
    let clock = ctx.clock();
    let entries: Vec<Option<EntryRef<'_>>> = hashed
        .iter()
        .map(|k| {
            let g = &guards[guards.iter().position(|(s, _)| *s == k.shard).unwrap_or(0)].1;
            let e = g.get(k.hash, k.bytes, ctx.now);
            if let Some(e) = &e {
                e.touch(clock);
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

/// Reads `key` without counting stats or touching its clock (TYPE-like inspection in SCAN).
pub fn peek_key<R>(ctx: &Ctx<'_>, k: &Key<'_>, f: impl FnOnce(Option<EntryRef<'_>>) -> R) -> R {
    let shard = ctx.ks().db(ctx.db()).read(k.shard);
    f(shard.get(k.hash, k.bytes, ctx.now))
}

/// Checks that a string of `size + append` bytes stays within `proto-max-bulk-len`, as Redis's
/// `checkStringLength`.
pub fn check_string_length(ctx: &Ctx<'_>, size: u64, append: u64) -> Result<(), CmdError> {
    match size.checked_add(append) {
        Some(total) if total <= ctx.engine.config.proto_max_bulk_len() => Ok(()),
        _ => Err(error::STRING_TOO_LONG),
    }
}
