//! The list family: pushes and pops at both ends, ranges, LPOS, moves between lists, and the
//! blocking pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP), which wait through
//! [`crate::blocking`] when they find nothing.

use super::{int_arg, is, pop_first_nonempty, read_coll, write_coll};
use crate::blocking::BlockRequest;
use crate::command::{flags::*, CmdResult, Command};
use crate::entry::Kind;
use crate::error::{self, CmdError};
use crate::notify::{GENERIC, LIST};
use crate::types::list;
use crate::{cmd, Ctx};

/// The parsed tail of an MPOP command: keys, side (LEFT or MIN: true) and count.
type MpopArgs<'a> = (Vec<&'a [u8]>, bool, usize);

/// Parses a blocking command's timeout (seconds, fractions allowed) into an absolute deadline,
/// None for 0 (wait forever), with Redis's errors.
pub fn timeout_arg(ctx: &Ctx<'_>, arg: &[u8]) -> Result<Option<u64>, CmdError> {
    let secs = crate::float::parse_double(arg).ok_or(CmdError::from_static(
        "ERR timeout is not a float or out of range",
    ))?;
    // Redis truncates to a long long (so -0.5 ms is 0, forever); infinities and values past
    // the range come out negative on x86-64.
    let ms = (secs * 1000.0).trunc();
    if !(0.0..9.223_372_036_854_775e18).contains(&ms) {
        return Err(CmdError::from_static("ERR timeout is negative"));
    }
    let ms = ms as u64;
    if ms == 0 {
        return Ok(None);
    }
    ctx.now
        .checked_add(ms)
        .filter(|&d| d <= i64::MAX as u64)
        .map(Some)
        .ok_or(CmdError::from_static("ERR timeout is out of range"))
}

/// LEFT or RIGHT; true for LEFT.
fn side_arg(arg: &[u8]) -> Result<bool, CmdError> {
    if is(arg, "left") {
        Ok(true)
    } else if is(arg, "right") {
        Ok(false)
    } else {
        Err(error::SYNTAX)
    }
}

fn pop_event(front: bool) -> &'static str {
    if front {
        "lpop"
    } else {
        "rpop"
    }
}

fn push_event(front: bool) -> &'static str {
    if front {
        "lpush"
    } else {
        "rpush"
    }
}

/// Publishes `del` for a collection that a command emptied.
pub fn notify_deleted(ctx: &Ctx<'_>, key: &[u8], deleted: bool) {
    if deleted {
        ctx.notify(GENERIC, "del", key);
    }
}

/// Pops up to `count` elements from one end of the list at `key`. None when the key is
/// missing (or, for `count` 0, left untouched).
fn pop_n(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    front: bool,
    count: usize,
) -> Result<Option<Vec<Vec<u8>>>, CmdError> {
    let w = write_coll(ctx, key, Kind::List, false, |o, _| {
        let mut out = Vec::new();
        while out.len() < count {
            match list::pop(o, front) {
                Some(e) => out.push(e),
                None => break,
            }
        }
        // Blocking and multi-key pops are logged as the plain pop they did.
        let mut n = Vec::new();
        resp::number::write_u64(&mut n, out.len() as u64);
        let cmd: &[u8] = if front { b"LPOP" } else { b"RPOP" };
        crate::propagate::replace(&[&[cmd, key, &n]]);
        let dirty = !out.is_empty();
        Ok((out, dirty))
    })?;
    Ok(w.map(|w| {
        if !w.value.is_empty() {
            ctx.notify(LIST, pop_event(front), key);
        }
        notify_deleted(ctx, key, w.deleted);
        w.value
    }))
}

fn push_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], front: bool, only_existing: bool) -> CmdResult {
    let key = args[1];
    let w = write_coll(ctx, key, Kind::List, !only_existing, |o, limits| {
        list::push(o, limits, &args[2..], front);
        Ok((list::len(o.view()), true))
    })?;
    match w {
        Some(w) => {
            ctx.notify(LIST, push_event(front), key);
            ctx.out.int(w.value as i64);
        }
        None => ctx.out.int(0),
    }
    Ok(())
}

/// `LPUSH key element [element ...]`
fn lpush(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    push_generic(ctx, args, true, false)
}

/// `RPUSH key element [element ...]`
fn rpush(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    push_generic(ctx, args, false, false)
}

/// `LPUSHX key element [element ...]`
fn lpushx(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    push_generic(ctx, args, true, true)
}

/// `RPUSHX key element [element ...]`
fn rpushx(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    push_generic(ctx, args, false, true)
}

fn pop_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], front: bool) -> CmdResult {
    if args.len() > 3 {
        let name = if front { "lpop" } else { "rpop" };
        return Err(CmdError::arity(name));
    }
    let count = match args.get(2) {
        Some(a) => Some(
            int_arg(a)
                .ok()
                .filter(|&n| n >= 0)
                .ok_or(CmdError::from_static(
                    "ERR value is out of range, must be positive",
                ))? as usize,
        ),
        None => None,
    };
    match count {
        None => match pop_n(ctx, args[1], front, 1)? {
            Some(v) if !v.is_empty() => ctx.out.bulk(&v[0]),
            _ => ctx.out.null(),
        },
        Some(n) => match pop_n(ctx, args[1], front, n)? {
            None => ctx.out.null_array(),
            Some(v) => {
                ctx.out.array(v.len());
                for e in &v {
                    ctx.out.bulk(e);
                }
            }
        },
    }
    Ok(())
}

/// `LPOP key [count]`
fn lpop(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    pop_generic(ctx, args, true)
}

/// `RPOP key [count]`
fn rpop(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    pop_generic(ctx, args, false)
}

/// `LLEN key`
fn llen(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    super::reply_len(ctx, args[1], Kind::List, list::len)
}

/// `LINDEX key index`
fn lindex(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    // Redis looks the key up before it parses the index.
    read_coll(ctx, args[1], Kind::List, |out, v| {
        let Some(v) = v else {
            out.null();
            return Ok(());
        };
        match list::index(v, int_arg(args[2])?) {
            Some(e) => out.bulk(e),
            None => out.null(),
        }
        Ok(())
    })
}

/// `LRANGE key start stop`
fn lrange(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (start, end) = (int_arg(args[2])?, int_arg(args[3])?);
    read_coll(ctx, args[1], Kind::List, |out, v| {
        let Some(v) = v else {
            out.array(0);
            return Ok(());
        };
        match list::clamp_range(list::len(v), start, end) {
            None => out.array(0),
            Some((s, e)) => {
                out.array(e - s + 1);
                for x in list::range(v, s, e) {
                    out.bulk(x);
                }
            }
        }
        Ok(())
    })
}

/// `LSET key index element`
fn lset(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    // Redis looks the key up before it parses the index.
    let w = write_coll(ctx, args[1], Kind::List, false, |o, limits| {
        let i = int_arg(args[2])?;
        if list::set(o, limits, i, args[3]) {
            Ok(((), true))
        } else {
            Err(CmdError::from_static("ERR index out of range"))
        }
    })?;
    if w.is_none() {
        return Err(error::NO_SUCH_KEY);
    }
    ctx.notify(LIST, "lset", args[1]);
    ctx.out.ok();
    Ok(())
}

/// `LINSERT key BEFORE|AFTER pivot element`
fn linsert(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let before = if is(args[2], "before") {
        true
    } else if is(args[2], "after") {
        false
    } else {
        return Err(error::SYNTAX);
    };
    let w = write_coll(ctx, args[1], Kind::List, false, |o, limits| {
        let done = list::insert(o, limits, args[3], args[4], before);
        Ok((done.then(|| list::len(o.view())), done))
    })?;
    match w {
        None => ctx.out.int(0),
        Some(Written { value: None, .. }) => ctx.out.int(-1),
        Some(Written { value: Some(n), .. }) => {
            ctx.notify(LIST, "linsert", args[1]);
            ctx.out.int(n as i64);
        }
    }
    Ok(())
}

use super::Written;

/// `LREM key count element`
fn lrem(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let count = int_arg(args[2])?;
    let w = write_coll(ctx, args[1], Kind::List, false, |o, _| {
        let n = list::remove(o, count, args[3]);
        Ok((n, n > 0))
    })?;
    match w {
        None => ctx.out.int(0),
        Some(w) => {
            if w.value > 0 {
                ctx.notify(LIST, "lrem", args[1]);
            }
            notify_deleted(ctx, args[1], w.deleted);
            ctx.out.int(w.value as i64);
        }
    }
    Ok(())
}

/// `LTRIM key start stop`
fn ltrim(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (start, end) = (int_arg(args[2])?, int_arg(args[3])?);
    let w = write_coll(ctx, args[1], Kind::List, false, |o, _| {
        let before = list::len(o.view());
        list::trim(o, start, end);
        Ok(((), list::len(o.view()) != before))
    })?;
    if let Some(w) = w {
        ctx.notify(LIST, "ltrim", args[1]);
        notify_deleted(ctx, args[1], w.deleted);
    }
    ctx.out.ok();
    Ok(())
}

/// `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]`
fn lpos(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let mut rank: i64 = 1;
    let mut count: Option<i64> = None;
    let mut maxlen: i64 = 0;
    let mut j = 3;
    while j < args.len() {
        let Some(value) = args.get(j + 1) else {
            return Err(error::SYNTAX);
        };
        if is(args[j], "rank") {
            rank = int_arg(value)?;
            if rank == 0 {
                return Err(CmdError::from_static("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"));
            }
            // Redis 7.0 negates LONG_MIN into itself, which then means "the first match from
            // the tail".
            if rank == i64::MIN {
                rank = -1;
            }
        } else if is(args[j], "count") {
            const NEG: CmdError = CmdError::from_static("ERR COUNT can't be negative");
            let c = int_arg(value).map_err(|_| NEG)?;
            if c < 0 {
                return Err(NEG);
            }
            count = Some(c);
        } else if is(args[j], "maxlen") {
            const NEG: CmdError = CmdError::from_static("ERR MAXLEN can't be negative");
            maxlen = int_arg(value).map_err(|_| NEG)?;
            if maxlen < 0 {
                return Err(NEG);
            }
        } else {
            return Err(error::SYNTAX);
        }
        j += 2;
    }
    let element = args[2];
    read_coll(ctx, args[1], Kind::List, |out, v| {
        let Some(v) = v else {
            match count {
                Some(_) => out.array(0),
                None => out.null(),
            }
            return Ok(());
        };
        let n = list::len(v);
        let want = match count {
            Some(0) => usize::MAX,
            Some(c) => usize::try_from(c).unwrap_or(usize::MAX),
            None => 1,
        };
        let limit = if maxlen == 0 {
            n
        } else {
            n.min(usize::try_from(maxlen).unwrap_or(usize::MAX))
        };
        let mut skip = rank.unsigned_abs() - 1;
        let mut found: Vec<usize> = Vec::new();
        let mut visit = |i: usize, e: &[u8]| -> bool {
            if e == element {
                if skip > 0 {
                    skip -= 1;
                } else {
                    found.push(i);
                    if found.len() >= want {
                        return false;
                    }
                }
            }
            true
        };
        if rank > 0 {
            for (i, e) in list::iter(v).enumerate().take(limit) {
                if !visit(i, e) {
                    break;
                }
            }
        } else {
            let all: Vec<&[u8]> = list::iter(v).collect();
            for i in (0..n).rev().take(limit) {
                if !visit(i, all[i]) {
                    break;
                }
            }
        }
        match count {
            Some(_) => {
                out.array(found.len());
                for i in found {
                    out.int(i as i64);
                }
            }
            None => match found.first() {
                Some(&i) => out.int(i as i64),
                None => out.null(),
            },
        }
        Ok(())
    })
}

/// The common core of LMOVE, RPOPLPUSH and their blocking forms: pops from `src`'s `from` end
/// and pushes onto `dst`'s `to` end, atomically. Ok(None) when `src` is missing or empty.
fn move_one(
    ctx: &mut Ctx<'_>,
    src: &[u8],
    dst: &[u8],
    from_left: bool,
    to_left: bool,
) -> Result<Option<Vec<u8>>, CmdError> {
    let (db, now) = (ctx.db(), ctx.now);
    let (ks, sk, dk) = (ctx.ks(), ctx.key(src), ctx.key(dst));
    let limits = ctx.engine.limits.load();
    let mut l = ks.lock(db, &[sk, dk]);
    // BLMOVE and BRPOPLPUSH are logged as the LMOVE they did.
    let side = |left: bool| -> &'static [u8] {
        if left {
            b"LEFT"
        } else {
            b"RIGHT"
        }
    };
    crate::propagate::replace(&[&[b"LMOVE", src, dst, side(from_left), side(to_left)]]);
    // Both types are checked before anything changes, as Redis does.
    match l.get(db, &sk, now) {
        None => return Ok(None),
        // A waiter served for a source that now holds another type keeps waiting.
        Some(e) if e.kind() != Kind::List && ctx.serving() => return Ok(None),
        Some(e) if e.kind() != Kind::List => return Err(error::WRONG_TYPE),
        Some(_) => {}
    }
    if l.get(db, &dk, now).is_some_and(|e| e.kind() != Kind::List) {
        return Err(error::WRONG_TYPE);
    }
    if src == dst {
        // A rotation: one edit, so the list never looks empty in between.
        let r = l.update(db, &sk, now, Kind::List, None, |o| {
            let e = list::pop(o, from_left);
            if let Some(e) = &e {
                list::push(o, &limits, &[e], to_left);
            }
            let dirty = e.is_some();
            Ok((e, dirty))
        })?;
        drop(l);
        let value = r.and_then(|(v, _)| v);
        if value.is_some() {
            ctx.notify(LIST, push_event(to_left), dst);
            ctx.notify(LIST, pop_event(from_left), src);
        }
        return Ok(value);
    }
    let popped = l.update(db, &sk, now, Kind::List, None, |o| {
        let e = list::pop(o, from_left);
        let dirty = e.is_some();
        Ok((e, dirty))
    })?;
    let Some((Some(value), src_deleted)) = popped else {
        return Ok(None);
    };
    let meta = crate::entry::EntryMeta {
        kind: Kind::List,
        clock: ctx.clock(),
        ..Default::default()
    };
    l.update(db, &dk, now, Kind::List, Some(meta), |o| {
        list::push(o, &limits, &[&value], to_left);
        Ok(((), true))
    })?;
    drop(l);
    ctx.notify(LIST, push_event(to_left), dst);
    ctx.notify(LIST, pop_event(from_left), src);
    notify_deleted(ctx, src, src_deleted);
    Ok(Some(value))
}

/// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`
fn lmove(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (from, to) = (side_arg(args[3])?, side_arg(args[4])?);
    match move_one(ctx, args[1], args[2], from, to)? {
        Some(v) => ctx.out.bulk(&v),
        None => ctx.out.null(),
    }
    Ok(())
}

/// `RPOPLPUSH source destination`
fn rpoplpush(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    match move_one(ctx, args[1], args[2], false, true)? {
        Some(v) => ctx.out.bulk(&v),
        None => ctx.out.null(),
    }
    Ok(())
}

/// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`
fn blmove(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (from, to) = (side_arg(args[3])?, side_arg(args[4])?);
    let deadline = timeout_arg(ctx, args[5])?;
    blocking_move(ctx, args, from, to, deadline)
}

/// `BRPOPLPUSH source destination timeout`
fn brpoplpush(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let deadline = timeout_arg(ctx, args[3])?;
    blocking_move(ctx, args, false, true, deadline)
}

fn blocking_move(
    ctx: &mut Ctx<'_>,
    args: &[&[u8]],
    from: bool,
    to: bool,
    deadline: Option<u64>,
) -> CmdResult {
    match move_one(ctx, args[1], args[2], from, to)? {
        Some(v) => {
            ctx.out.bulk(&v);
            Ok(())
        }
        None => ctx.block(BlockRequest {
            keys: vec![args[1].to_vec()],
            deadline,
            null_bulk: true,
            rewritten: None,
        }),
    }
}

fn bpop_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], front: bool) -> CmdResult {
    let deadline = timeout_arg(ctx, args[args.len() - 1])?;
    let keys = &args[1..args.len() - 1];
    match pop_first_nonempty(ctx, keys, Kind::List, |ctx, key| pop_n(ctx, key, front, 1))? {
        Some((key, v)) => {
            ctx.out.array(2);
            ctx.out.bulk(&key);
            ctx.out.bulk(&v[0]);
            Ok(())
        }
        None => ctx.block(BlockRequest {
            keys: keys.iter().map(|k| k.to_vec()).collect(),
            deadline,
            null_bulk: false,
            rewritten: None,
        }),
    }
}

/// `BLPOP key [key ...] timeout`
fn blpop(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    bpop_generic(ctx, args, true)
}

/// `BRPOP key [key ...] timeout`
fn brpop(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    bpop_generic(ctx, args, false)
}

/// The parsed tail of LMPOP/ZMPOP and their blocking forms: `numkeys key [key ...] <where>
/// [COUNT count]`, starting at `args[at]`; `side` reads `<where>` (before COUNT, as Redis does).
/// Returns the keys, the side and the count.
pub fn parse_mpop<'a>(
    args: &[&'a [u8]],
    at: usize,
    side: fn(&[u8]) -> Result<bool, CmdError>,
) -> Result<MpopArgs<'a>, CmdError> {
    const NUMKEYS: CmdError = CmdError::from_static("ERR numkeys should be greater than 0");
    let numkeys = int_arg(args[at]).map_err(|_| NUMKEYS)?;
    if numkeys <= 0 {
        return Err(NUMKEYS);
    }
    let where_idx = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(at + 1))
        .filter(|&w| w < args.len())
        .ok_or(error::SYNTAX)?;
    let keys = args[at + 1..where_idx].to_vec();
    let front = side(args[where_idx])?;
    let mut count = None;
    let mut j = where_idx + 1;
    while j < args.len() {
        if count.is_none() && is(args[j], "count") && j + 1 < args.len() {
            const COUNT: CmdError = CmdError::from_static("ERR count should be greater than 0");
            let c = int_arg(args[j + 1]).map_err(|_| COUNT)?;
            if c <= 0 {
                return Err(COUNT);
            }
            count = Some(usize::try_from(c).unwrap_or(usize::MAX));
            j += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }
    Ok((keys, front, count.unwrap_or(1)))
}

fn reply_mpop(ctx: &mut Ctx<'_>, key: &[u8], v: &[Vec<u8>]) {
    ctx.out.array(2);
    ctx.out.bulk(key);
    ctx.out.array(v.len());
    for e in v {
        ctx.out.bulk(e);
    }
}

/// `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`
fn lmpop(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (keys, front, count) = parse_mpop(args, 1, side_arg)?;
    match pop_first_nonempty(ctx, &keys, Kind::List, |ctx, key| {
        pop_n(ctx, key, front, count)
    })? {
        Some((key, v)) => reply_mpop(ctx, &key, &v),
        None => ctx.out.null_array(),
    }
    Ok(())
}

/// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`
fn blmpop(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    // Redis reads the keys, side and COUNT before the timeout.
    let (keys, front, count) = parse_mpop(args, 2, side_arg)?;
    let deadline = timeout_arg(ctx, args[1])?;
    match pop_first_nonempty(ctx, &keys, Kind::List, |ctx, key| {
        pop_n(ctx, key, front, count)
    })? {
        Some((key, v)) => {
            reply_mpop(ctx, &key, &v);
            Ok(())
        }
        None => ctx.block(BlockRequest {
            keys: keys.iter().map(|k| k.to_vec()).collect(),
            deadline,
            null_bulk: false,
            rewritten: None,
        }),
    }
}

#[rustfmt::skip]
/// The list family's table rows.
pub const COMMANDS: &[Command] = &[
    cmd!("lpush", -3, WRITE | DENYOOM | FAST, 1, 1, 1, ["list"], lpush),
    cmd!("rpush", -3, WRITE | DENYOOM | FAST, 1, 1, 1, ["list"], rpush),
    cmd!("lpushx", -3, WRITE | DENYOOM | FAST, 1, 1, 1, ["list"], lpushx),
    cmd!("rpushx", -3, WRITE | DENYOOM | FAST, 1, 1, 1, ["list"], rpushx),
    cmd!("lpop", -2, WRITE | FAST, 1, 1, 1, ["list"], lpop),
    cmd!("rpop", -2, WRITE | FAST, 1, 1, 1, ["list"], rpop),
    cmd!("llen", 2, READONLY | FAST, 1, 1, 1, ["list"], llen),
    cmd!("lindex", 3, READONLY, 1, 1, 1, ["list"], lindex),
    cmd!("lrange", 4, READONLY, 1, 1, 1, ["list"], lrange),
    cmd!("lset", 4, WRITE | DENYOOM, 1, 1, 1, ["list"], lset),
    cmd!("linsert", 5, WRITE | DENYOOM, 1, 1, 1, ["list"], linsert),
    cmd!("lrem", 4, WRITE, 1, 1, 1, ["list"], lrem),
    cmd!("ltrim", 4, WRITE, 1, 1, 1, ["list"], ltrim),
    cmd!("lpos", -3, READONLY, 1, 1, 1, ["list"], lpos),
    cmd!("lmove", 5, WRITE | DENYOOM, 1, 2, 1, ["list"], lmove),
    cmd!("rpoplpush", 3, WRITE | DENYOOM, 1, 2, 1, ["list"], rpoplpush),
    Command { numkeys: 1, ..cmd!("lmpop", -4, WRITE | MOVABLE_KEYS, 0, 0, 0, ["list"], lmpop) },
    cmd!("blpop", -3, WRITE | NOSCRIPT | BLOCKING, 1, -2, 1, ["list"], blpop),
    cmd!("brpop", -3, WRITE | NOSCRIPT | BLOCKING, 1, -2, 1, ["list"], brpop),
    cmd!("blmove", 6, WRITE | DENYOOM | NOSCRIPT | BLOCKING, 1, 2, 1, ["list"], blmove),
    cmd!("brpoplpush", 4, WRITE | DENYOOM | NOSCRIPT | BLOCKING, 1, 2, 1, ["list"], brpoplpush),
    Command { numkeys: 2, ..cmd!("blmpop", -5, WRITE | BLOCKING | MOVABLE_KEYS, 0, 0, 0, ["list"], blmpop) },
];
