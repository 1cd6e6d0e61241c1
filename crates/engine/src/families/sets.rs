//! The set family: members, random members and pops, moves, and the algebra (SINTER, SUNION,
//! SDIFF and their STORE and CARD forms).

use super::hashes::random_count;
use super::lists::notify_deleted;
use super::{int_arg, is, notify_store, read_coll, store_coll, write_coll};
use crate::command::{flags::*, CmdResult, Command};
use crate::entry::Kind;
use crate::error::{self, CmdError};
use crate::keyspace::{Key, Locked};
use crate::notify::SET;
use crate::types::{set, Open, View};
use crate::{cmd, Ctx};
use std::collections::HashSet;

/// `SADD key member [member ...]`
fn sadd(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let w = write_coll(ctx, args[1], Kind::Set, true, |o, limits| {
        let n = args[2..].iter().filter(|m| set::add(o, limits, m)).count();
        Ok((n, n > 0))
    })?;
    let n = w.map_or(0, |w| w.value);
    if n > 0 {
        ctx.notify(SET, "sadd", args[1]);
    }
    ctx.out.int(n as i64);
    Ok(())
}

/// `SREM key member [member ...]`
fn srem(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let w = write_coll(ctx, args[1], Kind::Set, false, |o, _| {
        let n = args[2..].iter().filter(|m| set::remove(o, m)).count();
        Ok((n, n > 0))
    })?;
    let n = match w {
        Some(w) => {
            if w.value > 0 {
                ctx.notify(SET, "srem", args[1]);
            }
            notify_deleted(ctx, args[1], w.deleted);
            w.value
        }
        None => 0,
    };
    ctx.out.int(n as i64);
    Ok(())
}

/// `SCARD key`
fn scard(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    super::reply_len(ctx, args[1], Kind::Set, set::len)
}

/// `SISMEMBER key member`
fn sismember(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_coll(ctx, args[1], Kind::Set, |out, v| {
        out.int(i64::from(v.is_some_and(|v| set::contains(v, args[2]))));
        Ok(())
    })
}

/// `SMISMEMBER key member [member ...]`
fn smismember(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_coll(ctx, args[1], Kind::Set, |out, v| {
        out.array(args.len() - 2);
        for m in &args[2..] {
            out.int(i64::from(v.is_some_and(|v| set::contains(v, m))));
        }
        Ok(())
    })
}

/// `SMEMBERS key`
fn smembers(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_coll(ctx, args[1], Kind::Set, |out, v| {
        let members = v.map(set::members).unwrap_or_default();
        out.set(members.len());
        for m in &members {
            out.bulk(m);
        }
        Ok(())
    })
}

/// `SRANDMEMBER key [count]`
fn srandmember(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if args.len() > 3 {
        return Err(error::SYNTAX);
    }
    let count = match args.get(2) {
        Some(a) => Some(random_count(a, args, "")?),
        None => None,
    };
    read_coll(ctx, args[1], Kind::Set, |out, v| {
        match count {
            None => match v.and_then(set::random) {
                Some(m) => out.bulk(&m.to_vec()),
                None => out.null(),
            },
            Some((count, unique)) => {
                // Streamed: a pick goes straight into the reply, which stops growing past
                // the client's output limit (see `ReplyBuf::limit`).
                let count = usize::try_from(count).unwrap_or(usize::MAX);
                let len = v.map_or(0, set::len);
                out.array(crate::rand::chosen(len, count, unique));
                if let Some(v) = v {
                    set::sample_each(v, count, unique, |m| {
                        member_reply(out, &m);
                        !out.over_limit()
                    });
                }
            }
        }
        Ok(())
    })
}

/// A set member as a bulk reply.
fn member_reply(out: &mut resp::ReplyBuf, m: &set::Member<'_>) {
    match m {
        set::Member::Bytes(b) => out.bulk(b),
        set::Member::Int(_) => out.bulk(&m.to_vec()),
    }
}

/// `SPOP key [count]`
fn spop(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if args.len() > 3 {
        return Err(error::SYNTAX);
    }
    let count = match args.get(2) {
        Some(a) => Some(
            int_arg(a)
                .ok()
                .filter(|&n| n >= 0)
                .ok_or(CmdError::from_static(
                    "ERR value is out of range, must be positive",
                ))? as u64,
        ),
        None => None,
    };
    if count == Some(0) {
        // Redis answers before looking at the key's type.
        read_coll(ctx, args[1], Kind::Set, |_, _| Ok(()))?;
        ctx.out.set(0);
        return Ok(());
    }
    let w = write_coll(ctx, args[1], Kind::Set, false, |o, _| {
        // Redis's SPOP cases, in O(count): a few members are picked and removed; when nearly
        // all go, the few that stay are picked and the rest popped.
        let len = set::len(o.view());
        let count = usize::try_from(count.unwrap_or(1))
            .unwrap_or(usize::MAX)
            .min(len);
        let popped: Vec<Vec<u8>> = if (len - count).saturating_mul(5) > count {
            set::sample(o.view(), count, true)
                .iter()
                .map(set::Member::to_vec)
                .collect()
        } else {
            let stay: std::collections::HashSet<Vec<u8>> = set::sample(o.view(), len - count, true)
                .iter()
                .map(set::Member::to_vec)
                .collect();
            set::iter(o.view())
                .map(|m| m.to_vec())
                .filter(|m| !stay.contains(m))
                .collect()
        };
        for m in &popped {
            set::remove(o, m);
        }
        // Logged as the members removed, not as a random choice.
        let mut record: Vec<&[u8]> = vec![b"SREM", args[1]];
        record.extend(popped.iter().map(|m| &m[..]));
        crate::propagate::replace(&[&record]);
        let dirty = !popped.is_empty();
        Ok((popped, dirty))
    })?;
    let popped = match w {
        Some(w) => {
            ctx.notify(SET, "spop", args[1]);
            notify_deleted(ctx, args[1], w.deleted);
            Some(w.value)
        }
        None => None,
    };
    match (count, popped) {
        (None, Some(p)) => ctx.out.bulk(&p[0]),
        (None, None) => ctx.out.null(),
        (Some(_), p) => {
            let p = p.unwrap_or_default();
            ctx.out.set(p.len());
            for m in &p {
                ctx.out.bulk(m);
            }
        }
    }
    Ok(())
}

/// `SMOVE source destination member`
fn smove(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (db, now) = (ctx.db(), ctx.now);
    let (sk, dk) = (ctx.key(args[1]), ctx.key(args[2]));
    let member = args[3];
    let mut l = ctx.ks().lock(db, &[sk, dk]);
    let src_kind = l.get(db, &sk, now).map(|e| e.kind());
    let dst_kind = l.get(db, &dk, now).map(|e| e.kind());
    let Some(src_kind) = src_kind else {
        ctx.out.int(0);
        return Ok(());
    };
    if src_kind != Kind::Set || dst_kind.is_some_and(|k| k != Kind::Set) {
        return Err(error::WRONG_TYPE);
    }
    if args[1] == args[2] {
        let present = members_in(&mut l, db, &sk, now, |v| set::contains(v, member))?;
        ctx.out.int(i64::from(present == Some(true)));
        return Ok(());
    }
    let removed = l.update(db, &sk, now, Kind::Set, None, |o| {
        let r = set::remove(o, member);
        Ok((r, r))
    })?;
    let Some((true, src_deleted)) = removed else {
        ctx.out.int(0);
        return Ok(());
    };
    // Redis publishes the source's events before the destination is created.
    ctx.notify(SET, "srem", args[1]);
    notify_deleted(ctx, args[1], src_deleted);
    let limits = ctx.engine.limits.load();
    let meta = crate::entry::EntryMeta {
        kind: Kind::Set,
        clock: ctx.clock(),
        ..Default::default()
    };
    let added = l.update(db, &dk, now, Kind::Set, Some(meta), |o| {
        let a = set::add(o, &limits, member);
        Ok((a, a))
    })?;
    drop(l);
    if added.is_some_and(|(a, _)| a) {
        ctx.notify(SET, "sadd", args[2]);
    }
    ctx.out.int(1);
    Ok(())
}

/// Runs `f` on the set at `key` in locked shards (None when missing; WRONGTYPE checked).
fn members_in<R>(
    l: &mut Locked<'_>,
    db: usize,
    key: &Key<'_>,
    now: u64,
    f: impl FnOnce(View<'_>) -> R,
) -> Result<Option<R>, CmdError> {
    match l.get(db, key, now) {
        None => Ok(None),
        Some(e) if e.kind() != Kind::Set => Err(error::WRONG_TYPE),
        Some(e) => Ok(View::of(&e).map(f)),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Inter,
    Union,
    Diff,
}

/// Computes an operation over the sets at `keys` in locked shards.
fn compute(
    l: &mut Locked<'_>,
    ctx: &Ctx<'_>,
    keys: &[Key<'_>],
    op: Op,
    limit: usize,
) -> Result<Vec<Vec<u8>>, CmdError> {
    let (db, now) = (ctx.db(), ctx.now);
    let mut sets: Vec<Option<Vec<Vec<u8>>>> = Vec::with_capacity(keys.len());
    // Every key is looked up (and type-checked) before anything is computed, as Redis does; a
    // missing key counts as an empty set.
    for k in keys {
        let members = members_in(l, db, k, now, set::members)?;
        if members.is_some() {
            ctx.hit(true);
        } else {
            ctx.miss(k.bytes);
        }
        sets.push(members);
    }
    if op == Op::Inter && sets.iter().any(Option::is_none) {
        return Ok(Vec::new());
    }
    Ok(match op {
        Op::Inter => {
            let mut all: Vec<Vec<Vec<u8>>> = sets.into_iter().flatten().collect();
            all.sort_by_key(|s| s.len());
            let rest: Vec<HashSet<&[u8]>> = all[1..]
                .iter()
                .map(|s| s.iter().map(|m| &m[..]).collect())
                .collect();
            let mut out = Vec::new();
            for m in &all[0] {
                if out.len() >= limit {
                    break;
                }
                if rest.iter().all(|r| r.contains(&m[..])) {
                    out.push(m.clone());
                }
            }
            out
        }
        Op::Union => {
            let mut seen: HashSet<Vec<u8>> = HashSet::new();
            let mut out = Vec::new();
            for m in sets.into_iter().flatten().flatten() {
                if seen.insert(m.clone()) {
                    out.push(m);
                }
            }
            out
        }
        Op::Diff => {
            let mut it = sets.into_iter();
            let first = it.next().flatten().unwrap_or_default();
            let others: Vec<HashSet<Vec<u8>>> =
                it.flatten().map(|s| s.into_iter().collect()).collect();
            first
                .into_iter()
                .filter(|m| !others.iter().any(|o| o.contains(m)))
                .collect()
        }
    })
}

fn algebra(ctx: &mut Ctx<'_>, args: &[&[u8]], op: Op) -> CmdResult {
    let (db, ks) = (ctx.db(), ctx.ks());
    let keys: Vec<Key<'_>> = args[1..].iter().map(|k| ks.key(k)).collect();
    let mut l = ks.lock(db, &keys);
    let result = compute(&mut l, ctx, &keys, op, usize::MAX)?;
    drop(l);
    ctx.out.set(result.len());
    for m in &result {
        ctx.out.bulk(m);
    }
    Ok(())
}

fn algebra_store(ctx: &mut Ctx<'_>, args: &[&[u8]], op: Op, event: &str) -> CmdResult {
    let (db, ks) = (ctx.db(), ctx.ks());
    let keys: Vec<Key<'_>> = args[1..].iter().map(|k| ks.key(k)).collect();
    let mut l = ks.lock(db, &keys);
    let result = compute(&mut l, ctx, &keys[1..], op, usize::MAX)?;
    let (n, existed) = store_coll(
        ctx,
        &mut l,
        &keys[0],
        Kind::Set,
        |o: &mut Open<'_>, limits| {
            for m in &result {
                set::add(o, limits, m);
            }
        },
    )?;
    drop(l);
    notify_store(ctx, SET, event, args[1], n, existed);
    ctx.out.int(n as i64);
    Ok(())
}

/// `SINTER key [key ...]`
fn sinter(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    algebra(ctx, args, Op::Inter)
}

/// `SUNION key [key ...]`
fn sunion(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    algebra(ctx, args, Op::Union)
}

/// `SDIFF key [key ...]`
fn sdiff(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    algebra(ctx, args, Op::Diff)
}

/// `SINTERSTORE destination key [key ...]`
fn sinterstore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    algebra_store(ctx, args, Op::Inter, "sinterstore")
}

/// `SUNIONSTORE destination key [key ...]`
fn sunionstore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    algebra_store(ctx, args, Op::Union, "sunionstore")
}

/// `SDIFFSTORE destination key [key ...]`
fn sdiffstore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    algebra_store(ctx, args, Op::Diff, "sdiffstore")
}

/// Parses `numkeys key [key ...]` at `args[at]` as SINTERCARD and ZINTERCARD do, returning the
/// keys and the index after them.
pub fn numkeys<'a>(args: &[&'a [u8]], at: usize) -> Result<(Vec<&'a [u8]>, usize), CmdError> {
    const NUMKEYS: CmdError = CmdError::from_static("ERR numkeys should be greater than 0");
    let n = int_arg(args[at]).map_err(|_| NUMKEYS)?;
    if n <= 0 {
        return Err(NUMKEYS);
    }
    let end = usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_add(at + 1))
        .filter(|&e| e <= args.len())
        .ok_or(CmdError::from_static(
            "ERR Number of keys can't be greater than number of args",
        ))?;
    Ok((args[at + 1..end].to_vec(), end))
}

/// Parses the optional `LIMIT limit` of the CARD commands (0: no limit).
pub fn card_limit(args: &[&[u8]], mut j: usize) -> Result<usize, CmdError> {
    let mut limit = 0usize;
    while j < args.len() {
        if is(args[j], "limit") && j + 1 < args.len() {
            const NEG: CmdError = CmdError::from_static("ERR LIMIT can't be negative");
            let l = int_arg(args[j + 1]).map_err(|_| NEG)?;
            if l < 0 {
                return Err(NEG);
            }
            limit = usize::try_from(l).unwrap_or(usize::MAX);
            j += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }
    Ok(if limit == 0 { usize::MAX } else { limit })
}

/// `SINTERCARD numkeys key [key ...] [LIMIT limit]`
fn sintercard(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (names, end) = numkeys(args, 1)?;
    let limit = card_limit(args, end)?;
    let (db, ks) = (ctx.db(), ctx.ks());
    let keys: Vec<Key<'_>> = names.iter().map(|k| ks.key(k)).collect();
    let mut l = ks.lock(db, &keys);
    let n = compute(&mut l, ctx, &keys, Op::Inter, limit)?.len();
    ctx.out.int(n as i64);
    Ok(())
}

/// `SSCAN key cursor [MATCH pattern] [COUNT count]`
fn sscan(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    super::scan_collection(ctx, args, Kind::Set)
}

#[rustfmt::skip]
/// The set family's table rows.
pub const COMMANDS: &[Command] = &[
    Command { member: 2, ..cmd!("sadd", -3, WRITE | DENYOOM | FAST, 1, 1, 1, ["set"], sadd) },
    Command { member: 2, ..cmd!("srem", -3, WRITE | FAST, 1, 1, 1, ["set"], srem) },
    cmd!("scard", 2, READONLY | FAST, 1, 1, 1, ["set"], scard),
    Command { member: 2, ..cmd!("sismember", 3, READONLY | FAST, 1, 1, 1, ["set"], sismember) },
    Command { member: 2, ..cmd!("smismember", -3, READONLY | FAST, 1, 1, 1, ["set"], smismember) },
    cmd!("smembers", 2, READONLY, 1, 1, 1, ["set"], smembers),
    cmd!("srandmember", -2, READONLY, 1, 1, 1, ["set"], srandmember),
    cmd!("spop", -2, WRITE | FAST, 1, 1, 1, ["set"], spop),
    cmd!("smove", 4, WRITE | FAST, 1, 2, 1, ["set"], smove),
    cmd!("sinter", -2, READONLY, 1, -1, 1, ["set"], sinter),
    Command { numkeys: 1, ..cmd!("sintercard", -3, READONLY | MOVABLE_KEYS, 0, 0, 0, ["set"], sintercard) },
    cmd!("sunion", -2, READONLY, 1, -1, 1, ["set"], sunion),
    cmd!("sdiff", -2, READONLY, 1, -1, 1, ["set"], sdiff),
    cmd!("sinterstore", -3, WRITE | DENYOOM, 1, -1, 1, ["set"], sinterstore),
    cmd!("sunionstore", -3, WRITE | DENYOOM, 1, -1, 1, ["set"], sunionstore),
    cmd!("sdiffstore", -3, WRITE | DENYOOM, 1, -1, 1, ["set"], sdiffstore),
    cmd!("sscan", -3, READONLY, 1, 1, 1, ["set"], sscan),
];
