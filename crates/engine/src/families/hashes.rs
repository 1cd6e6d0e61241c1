//! The hash family: fields and values under one key, counters in fields, random fields, HSCAN.

use super::lists::notify_deleted;
use super::{int_arg, is, read_coll, write_coll};
use crate::command::{flags::*, CmdResult, Command};
use crate::entry::Kind;
use crate::error::{self, CmdError};
use crate::float::{incr_by_float, IncrFloatError};
use crate::notify::HASH;
use crate::types::hash;
use crate::{cmd, Ctx};
use resp::ReplyBuf;

fn hset_pairs(ctx: &mut Ctx<'_>, args: &[&[u8]], name: &str) -> Result<usize, CmdError> {
    if !args.len().is_multiple_of(2) {
        return Err(CmdError::arity(name));
    }
    let w = write_coll(ctx, args[1], Kind::Hash, true, |o, limits| {
        let mut created = 0;
        for pair in args[2..].chunks(2) {
            if hash::set(o, limits, pair[0], pair[1]) {
                created += 1;
            }
        }
        Ok((created, true))
    })?;
    ctx.notify(HASH, "hset", args[1]);
    Ok(w.map_or(0, |w| w.value))
}

/// `HSET key field value [field value ...]`
fn hset(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let n = hset_pairs(ctx, args, "hset")?;
    ctx.out.int(n as i64);
    Ok(())
}

/// `HMSET key field value [field value ...]`
fn hmset(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    hset_pairs(ctx, args, "hmset")?;
    ctx.out.ok();
    Ok(())
}

/// `HSETNX key field value`
fn hsetnx(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let w = write_coll(ctx, args[1], Kind::Hash, true, |o, limits| {
        if hash::get(o.view(), args[2]).is_some() {
            return Ok((false, false));
        }
        hash::set(o, limits, args[2], args[3]);
        Ok((true, true))
    })?;
    let set = w.is_some_and(|w| w.value);
    if set {
        ctx.notify(HASH, "hset", args[1]);
    }
    ctx.out.int(i64::from(set));
    Ok(())
}

/// `HGET key field`
fn hget(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_coll(ctx, args[1], Kind::Hash, |out, v| {
        match v.and_then(|v| hash::get(v, args[2])) {
            Some(x) => out.bulk(x),
            None => out.null(),
        }
        Ok(())
    })
}

/// `HMGET key field [field ...]`
fn hmget(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_coll(ctx, args[1], Kind::Hash, |out, v| {
        out.array(args.len() - 2);
        for f in &args[2..] {
            match v.and_then(|v| hash::get(v, f)) {
                Some(x) => out.bulk(x),
                None => out.null(),
            }
        }
        Ok(())
    })
}

/// `HDEL key field [field ...]`
fn hdel(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let w = write_coll(ctx, args[1], Kind::Hash, false, |o, _| {
        let n = args[2..].iter().filter(|f| hash::del(o, f)).count();
        Ok((n, n > 0))
    })?;
    let n = match w {
        Some(w) => {
            if w.value > 0 {
                ctx.notify(HASH, "hdel", args[1]);
            }
            notify_deleted(ctx, args[1], w.deleted);
            w.value
        }
        None => 0,
    };
    ctx.out.int(n as i64);
    Ok(())
}

/// `HLEN key`
fn hlen(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    super::reply_len(ctx, args[1], Kind::Hash, hash::len)
}

/// `HSTRLEN key field`
fn hstrlen(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_coll(ctx, args[1], Kind::Hash, |out, v| {
        out.int(v.and_then(|v| hash::get(v, args[2])).map_or(0, <[u8]>::len) as i64);
        Ok(())
    })
}

/// `HEXISTS key field`
fn hexists(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_coll(ctx, args[1], Kind::Hash, |out, v| {
        out.int(i64::from(v.and_then(|v| hash::get(v, args[2])).is_some()));
        Ok(())
    })
}

#[derive(Clone, Copy)]
enum Part {
    Keys,
    Values,
    Both,
}

fn hgetall_generic(ctx: &mut Ctx<'_>, key: &[u8], part: Part) -> CmdResult {
    read_coll(ctx, key, Kind::Hash, |out, v| {
        let n = v.map_or(0, hash::len);
        match part {
            Part::Both => out.map(n),
            _ => out.array(n),
        }
        if let Some(v) = v {
            for (f, x) in hash::iter(v) {
                if !matches!(part, Part::Values) {
                    out.bulk(f);
                }
                if !matches!(part, Part::Keys) {
                    out.bulk(x);
                }
            }
        }
        Ok(())
    })
}

/// `HKEYS key`
fn hkeys(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    hgetall_generic(ctx, args[1], Part::Keys)
}

/// `HVALS key`
fn hvals(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    hgetall_generic(ctx, args[1], Part::Values)
}

/// `HGETALL key`
fn hgetall(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    hgetall_generic(ctx, args[1], Part::Both)
}

/// `HINCRBY key field increment`
fn hincrby(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let incr = int_arg(args[3])?;
    let w = write_coll(ctx, args[1], Kind::Hash, true, |o, limits| {
        let cur = match hash::get(o.view(), args[2]) {
            Some(v) => resp::number::parse_i64(v)
                .ok_or(CmdError::from_static("ERR hash value is not an integer"))?,
            None => 0,
        };
        let next = cur.checked_add(incr).ok_or(error::OVERFLOW)?;
        let mut buf = Vec::with_capacity(20);
        resp::number::write_i64(&mut buf, next);
        hash::set(o, limits, args[2], &buf);
        Ok((next, true))
    })?;
    ctx.notify(HASH, "hincrby", args[1]);
    ctx.out.int(w.map_or(0, |w| w.value));
    Ok(())
}

/// `HINCRBYFLOAT key field increment`: in `long double`, formatted as Redis does.
fn hincrbyfloat(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    match crate::float::long_double_is_infinite(args[3]) {
        None => return Err(error::NOT_FLOAT),
        Some(true) => return Err(CmdError::from_static("ERR value is NaN or Infinity")),
        Some(false) => {}
    }
    let w = write_coll(ctx, args[1], Kind::Hash, true, |o, limits| {
        let next = incr_by_float(hash::get(o.view(), args[2]), args[3]).map_err(|e| match e {
            IncrFloatError::NotFloat => CmdError::from_static("ERR hash value is not a float"),
            IncrFloatError::BadIncrement => error::NOT_FLOAT,
            IncrFloatError::NanOrInfinity => {
                CmdError::from_static("ERR increment would produce NaN or Infinity")
            }
        })?;
        hash::set(o, limits, args[2], &next);
        crate::propagate::replace(&[&[b"HSET", args[1], args[2], &next]]);
        Ok((next, true))
    })?;
    ctx.notify(HASH, "hincrbyfloat", args[1]);
    ctx.out.bulk(&w.map(|w| w.value).unwrap_or_default());
    Ok(())
}

/// The largest reply a random-member command builds for a negative count (repeats allowed).
/// Redis 7.0 tries any count and stalls on huge ones; this server refuses instead of
/// allocating without bound.
pub const MAX_RANDOM_REPLY: u64 = 1 << 24;

/// Parses the count of HRANDFIELD, SRANDMEMBER and ZRANDMEMBER in Redis's order: the count, then
/// the optional `with` word (WITHVALUES, WITHSCORES; SRANDMEMBER passes none), then the reply
/// size. Returns (count, unique).
pub fn random_count(arg: &[u8], args: &[&[u8]], with: &str) -> Result<(u64, bool), CmdError> {
    let l = int_arg(arg)?;
    if l == i64::MIN {
        return Err(CmdError::from_static(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    if args.len() > 4 || (args.len() == 4 && (with.is_empty() || !is(args[3], with))) {
        return Err(error::SYNTAX);
    }
    let with_values = args.len() == 4;
    let count = l.unsigned_abs();
    let range = CmdError::from_static("ERR value is out of range");
    if with_values && count > (i64::MAX / 2) as u64 {
        return Err(range);
    }
    if l < 0 && count > MAX_RANDOM_REPLY {
        return Err(range);
    }
    Ok((count, l >= 0))
}

/// Writes `pairs` as HRANDFIELD/ZRANDMEMBER do with values: flat in RESP2, pairs in RESP3.
pub fn reply_pairs(out: &mut ReplyBuf, n: usize, mut each: impl FnMut(&mut ReplyBuf, usize)) {
    pairs_header(out, n);
    for i in 0..n {
        pair(out);
        each(out, i);
    }
}

/// The header of `n` pairs as [`reply_pairs`] writes them; each pair starts with [`pair`].
pub fn pairs_header(out: &mut ReplyBuf, n: usize) {
    if out.resp3 {
        out.array(n);
    } else {
        out.array(n * 2);
    }
}

/// The start of one pair after [`pairs_header`] (RESP3: a two-element array; RESP2: nothing).
pub fn pair(out: &mut ReplyBuf) {
    if out.resp3 {
        out.array(2);
    }
}

/// The reply of HRANDFIELD or ZRANDMEMBER with a count: `n` picks, streamed from `sample` as
/// SRANDMEMBER's are (each goes straight into the reply, which stops past the client's
/// output limit); with `with` (WITHVALUES, WITHSCORES) as pairs whose second half `value`
/// writes.
pub fn reply_random<'a, V>(
    out: &mut ReplyBuf,
    n: usize,
    with: bool,
    sample: impl FnOnce(&mut dyn FnMut((&'a [u8], V)) -> bool),
    mut value: impl FnMut(&mut ReplyBuf, V),
) {
    if with {
        pairs_header(out, n);
    } else {
        out.array(n);
    }
    sample(&mut |(name, v)| {
        if with {
            pair(out);
        }
        out.bulk(name);
        if with {
            value(out, v);
        }
        !out.over_limit()
    });
}

/// `HRANDFIELD key [count [WITHVALUES]]`
fn hrandfield(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let count = match args.get(2) {
        Some(a) => Some(random_count(a, args, "withvalues")?),
        None => None,
    };
    let with_values = args.len() == 4;
    read_coll(ctx, args[1], Kind::Hash, |out, v| {
        match count {
            None => match v.and_then(|v| hash::sample(v, 1, false).pop()) {
                Some((f, _)) => out.bulk(f),
                None => out.null(),
            },
            Some((count, unique)) => {
                let count = usize::try_from(count).unwrap_or(usize::MAX);
                let n = crate::rand::chosen(v.map_or(0, hash::len), count, unique);
                reply_random(
                    out,
                    n,
                    with_values,
                    |each| {
                        if let Some(v) = v {
                            hash::sample_each(v, count, unique, each)
                        }
                    },
                    |out, value| out.bulk(value),
                );
            }
        }
        Ok(())
    })
}

/// `HSCAN key cursor [MATCH pattern] [COUNT count]`
fn hscan(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    super::scan_collection(ctx, args, Kind::Hash)
}

#[rustfmt::skip]
/// The hash family's table rows.
pub const COMMANDS: &[Command] = &[
    Command { member: 2, ..cmd!("hset", -4, WRITE | DENYOOM | FAST, 1, 1, 1, ["hash"], hset) },
    cmd!("hmset", -4, WRITE | DENYOOM | FAST, 1, 1, 1, ["hash"], hmset),
    Command { member: 2, ..cmd!("hsetnx", 4, WRITE | DENYOOM | FAST, 1, 1, 1, ["hash"], hsetnx) },
    Command { member: 2, ..cmd!("hget", 3, READONLY | FAST, 1, 1, 1, ["hash"], hget) },
    Command { member: 2, ..cmd!("hmget", -3, READONLY | FAST, 1, 1, 1, ["hash"], hmget) },
    Command { member: 2, ..cmd!("hdel", -3, WRITE | FAST, 1, 1, 1, ["hash"], hdel) },
    cmd!("hlen", 2, READONLY | FAST, 1, 1, 1, ["hash"], hlen),
    Command { member: 2, ..cmd!("hstrlen", 3, READONLY | FAST, 1, 1, 1, ["hash"], hstrlen) },
    Command { member: 2, ..cmd!("hexists", 3, READONLY | FAST, 1, 1, 1, ["hash"], hexists) },
    cmd!("hkeys", 2, READONLY, 1, 1, 1, ["hash"], hkeys),
    cmd!("hvals", 2, READONLY, 1, 1, 1, ["hash"], hvals),
    cmd!("hgetall", 2, READONLY, 1, 1, 1, ["hash"], hgetall),
    Command { member: 2, ..cmd!("hincrby", 4, WRITE | DENYOOM | FAST, 1, 1, 1, ["hash"], hincrby) },
    Command { member: 2, ..cmd!("hincrbyfloat", 4, WRITE | DENYOOM | FAST, 1, 1, 1, ["hash"], hincrbyfloat) },
    cmd!("hrandfield", -2, READONLY, 1, 1, 1, ["hash"], hrandfield),
    cmd!("hscan", -3, READONLY, 1, 1, 1, ["hash"], hscan),
];
