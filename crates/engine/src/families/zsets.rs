//! The sorted-set family: ZADD and its options, ranks and ranges (by rank, score or lex, in
//! either direction, with LIMIT), removals by range, pops (and the blocking BZPOPMIN, BZPOPMAX,
//! BZMPOP), random members, and the algebra (ZUNION, ZINTER, ZDIFF, their STORE forms,
//! ZINTERCARD), with Redis 7.0's parsing, errors and reply shapes.

use super::hashes::{random_count, reply_pairs, reply_random};
use super::lists::{notify_deleted, parse_mpop, timeout_arg};
use super::sets::card_limit;
use super::{
    coll_of, int_arg, is, notify_store, pop_first_nonempty, read_coll, store_coll, write_coll,
    Written,
};
use crate::blocking::BlockRequest;
use crate::command::{flags::*, CmdResult, Command};
use crate::entry::Kind;
use crate::error::{self, CmdError};
use crate::float::{format_double, parse_double};
use crate::keyspace::Key;
use crate::notify::ZSET;
use crate::types::{list, set, zset, View};
use crate::{cmd, Ctx};
use resp::ReplyBuf;

/// Owned (member, score) pairs.
type Scored = Vec<(Vec<u8>, f64)>;

/// Writes a score: a bulk string in RESP2, a double in RESP3, `%.17g` as Redis 7.0.
pub fn reply_score(out: &mut ReplyBuf, s: f64) {
    out.double_text(&format_double(s));
}

/// Parses a score (no NaN).
fn score_arg(arg: &[u8]) -> Result<f64, CmdError> {
    parse_double(arg).ok_or(error::NOT_FLOAT)
}

/// One end of a score range.
#[derive(Clone, Copy, Debug)]
struct ScoreBound {
    value: f64,
    excl: bool,
}

fn score_bound(arg: &[u8]) -> Option<ScoreBound> {
    let (excl, rest) = match arg.first() {
        Some(b'(') => (true, &arg[1..]),
        _ => (false, arg),
    };
    // Redis parses bounds with a bare strtod on a C string: it ends at the first NUL, and an
    // empty string reads as 0.
    let rest = &rest[..rest.iter().position(|&c| c == 0).unwrap_or(rest.len())];
    let value = if rest.is_empty() {
        Some(0.0)
    } else {
        parse_double(rest)
    };
    value.map(|value| ScoreBound { value, excl })
}

fn score_range(min: &[u8], max: &[u8]) -> Result<(ScoreBound, ScoreBound), CmdError> {
    match (score_bound(min), score_bound(max)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(CmdError::from_static("ERR min or max is not a float")),
    }
}

impl ScoreBound {
    fn below_min(&self, s: f64) -> bool {
        s < self.value || (self.excl && s == self.value)
    }
    fn within_max(&self, s: f64) -> bool {
        s < self.value || (!self.excl && s == self.value)
    }
}

/// One end of a lex range.
#[derive(Clone, Debug)]
enum Lex<'a> {
    Min,
    Max,
    Incl(&'a [u8]),
    Excl(&'a [u8]),
}

fn lex_bound(arg: &[u8]) -> Option<Lex<'_>> {
    match arg.first() {
        Some(b'-') if arg.len() == 1 => Some(Lex::Min),
        Some(b'+') if arg.len() == 1 => Some(Lex::Max),
        Some(b'[') => Some(Lex::Incl(&arg[1..])),
        Some(b'(') => Some(Lex::Excl(&arg[1..])),
        _ => None,
    }
}

fn lex_range<'a>(min: &'a [u8], max: &'a [u8]) -> Result<(Lex<'a>, Lex<'a>), CmdError> {
    match (lex_bound(min), lex_bound(max)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(CmdError::from_static(
            "ERR min or max not valid string range item",
        )),
    }
}

fn lex_gte_min(m: &[u8], min: &Lex<'_>) -> bool {
    match min {
        Lex::Min => true,
        Lex::Max => false,
        Lex::Incl(b) => m >= *b,
        Lex::Excl(b) => m > *b,
    }
}

fn lex_lte_max(m: &[u8], max: &Lex<'_>) -> bool {
    match max {
        Lex::Min => false,
        Lex::Max => true,
        Lex::Incl(b) => m <= *b,
        Lex::Excl(b) => m < *b,
    }
}

/// The ranks `start..end` (ascending) a score range covers.
fn score_window(r: &zset::Ranked<'_>, min: ScoreBound, max: ScoreBound) -> (usize, usize) {
    let start = r.partition_point(|_, s| min.below_min(s));
    let end = r.partition_point(|_, s| max.within_max(s));
    (start, end.max(start))
}

/// The ranks `start..end` a lex range covers. Lex ranges assume equal scores; with mixed scores
/// the compact encoding follows Redis's listpack walk exactly (first member at or past the
/// minimum, then on while within the maximum; backwards from the tail for `rev`).
fn lex_window(r: &zset::Ranked<'_>, min: &Lex<'_>, max: &Lex<'_>, rev: bool) -> (usize, usize) {
    match r {
        zset::Ranked::Packed(v) => {
            if rev {
                let Some(last) = v.iter().rposition(|(m, _)| lex_lte_max(m, max)) else {
                    return (0, 0);
                };
                let mut first = last + 1;
                while first > 0 && lex_gte_min(v[first - 1].0, min) {
                    first -= 1;
                }
                (first, last + 1)
            } else {
                let Some(first) = v.iter().position(|(m, _)| lex_gte_min(m, min)) else {
                    return (0, 0);
                };
                let mut end = first;
                while end < v.len() && lex_lte_max(v[end].0, max) {
                    end += 1;
                }
                (first, end)
            }
        }
        zset::Ranked::Big(_) => {
            let start = r.partition_point(|m, _| !lex_gte_min(m, min));
            let end = r.partition_point(|m, _| lex_lte_max(m, max));
            (start, end.max(start))
        }
    }
}

/// `ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]`
fn zadd(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (mut nx, mut xx, mut gt, mut lt, mut ch, mut incr) =
        (false, false, false, false, false, false);
    let mut j = 2;
    while j < args.len() {
        let a = args[j];
        if is(a, "nx") {
            nx = true;
        } else if is(a, "xx") {
            xx = true;
        } else if is(a, "gt") {
            gt = true;
        } else if is(a, "lt") {
            lt = true;
        } else if is(a, "ch") {
            ch = true;
        } else if is(a, "incr") {
            incr = true;
        } else {
            break;
        }
        j += 1;
    }
    let elements = args.len() - j;
    if !elements.is_multiple_of(2) || elements == 0 {
        return Err(error::SYNTAX);
    }
    if nx && xx {
        return Err(CmdError::from_static(
            "ERR XX and NX options at the same time are not compatible",
        ));
    }
    if (nx && (gt || lt)) || (gt && lt) {
        return Err(CmdError::from_static(
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if incr && elements > 2 {
        return Err(CmdError::from_static(
            "ERR INCR option supports a single increment-element pair",
        ));
    }
    let pairs: Vec<(f64, &[u8])> = args[j..]
        .chunks(2)
        .map(|p| score_arg(p[0]).map(|s| (s, p[1])))
        .collect::<Result<_, _>>()?;
    let opts = AddOpts {
        nx,
        xx,
        gt,
        lt,
        incr,
    };
    zadd_generic(ctx, args[1], &pairs, opts, ch)
}

#[derive(Clone, Copy)]
struct AddOpts {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    incr: bool,
}

fn zadd_generic(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    pairs: &[(f64, &[u8])],
    o: AddOpts,
    ch: bool,
) -> CmdResult {
    let w = write_coll(ctx, key, Kind::ZSet, !o.xx, |z, limits| {
        let (mut added, mut updated) = (0usize, 0usize);
        let mut last: Option<f64> = None;
        for &(score, member) in pairs {
            let mut nan = false;
            // One lookup decides and writes (ZADD into a large sorted set is the hot path).
            let (cur, new) = zset::upsert(z, limits, member, |cur| match cur {
                Some(_) if o.nx => None,
                None if o.xx => None,
                None => Some(score),
                Some(cur) => {
                    let next = if o.incr { cur + score } else { score };
                    if next.is_nan() {
                        nan = true;
                        return None;
                    }
                    let refused = (o.lt && next >= cur) || (o.gt && next <= cur);
                    (!refused).then_some(next)
                }
            });
            if nan {
                return Err(CmdError::from_static(
                    "ERR resulting score is not a number (NaN)",
                ));
            }
            let Some(next) = new else { continue };
            last = Some(next);
            match cur {
                None => added += 1,
                Some(cur) if next != cur => updated += 1,
                Some(_) => {}
            }
        }
        Ok(((added, updated, last), added + updated > 0))
    })?;
    let (added, updated, last) = w.map_or((0, 0, None), |w| w.value);
    if added + updated > 0 {
        ctx.notify(ZSET, if o.incr { "zincr" } else { "zadd" }, key);
    }
    if o.incr {
        match last {
            Some(s) => reply_score(ctx.out, s),
            None => ctx.out.null(),
        }
    } else {
        ctx.out.int((added + if ch { updated } else { 0 }) as i64);
    }
    Ok(())
}

/// `ZINCRBY key increment member`
fn zincrby(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let s = score_arg(args[2])?;
    let opts = AddOpts {
        nx: false,
        xx: false,
        gt: false,
        lt: false,
        incr: true,
    };
    zadd_generic(ctx, args[1], &[(s, args[3])], opts, false)
}

/// `ZREM key member [member ...]`
fn zrem(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let w = write_coll(ctx, args[1], Kind::ZSet, false, |z, _| {
        let n = args[2..]
            .iter()
            .filter(|m| zset::remove(z, m).is_some())
            .count();
        Ok((n, n > 0))
    })?;
    let n = match w {
        Some(w) => {
            if w.value > 0 {
                ctx.notify(ZSET, "zrem", args[1]);
            }
            notify_deleted(ctx, args[1], w.deleted);
            w.value
        }
        None => 0,
    };
    ctx.out.int(n as i64);
    Ok(())
}

/// `ZCARD key`
fn zcard(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    super::reply_len(ctx, args[1], Kind::ZSet, zset::len)
}

/// `ZSCORE key member`
fn zscore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_coll(ctx, args[1], Kind::ZSet, |out, v| {
        match v.and_then(|v| zset::score(v, args[2])) {
            Some(s) => reply_score(out, s),
            None => out.null(),
        }
        Ok(())
    })
}

/// `ZMSCORE key member [member ...]`
fn zmscore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_coll(ctx, args[1], Kind::ZSet, |out, v| {
        out.array(args.len() - 2);
        for m in &args[2..] {
            match v.and_then(|v| zset::score(v, m)) {
                Some(s) => reply_score(out, s),
                None => out.null(),
            }
        }
        Ok(())
    })
}

fn rank_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], rev: bool) -> CmdResult {
    read_coll(ctx, args[1], Kind::ZSet, |out, v| {
        let rank = v.and_then(|v| {
            let s = zset::score(v, args[2])?;
            let r = zset::Ranked::of(v);
            let i = r.rank(args[2], s);
            Some(if rev { r.len() - 1 - i } else { i })
        });
        match rank {
            Some(i) => out.int(i as i64),
            None => out.null(),
        }
        Ok(())
    })
}

/// `ZRANK key member`
fn zrank(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    rank_generic(ctx, args, false)
}

/// `ZREVRANK key member`
fn zrevrank(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    rank_generic(ctx, args, true)
}

/// `ZCOUNT key min max`
fn zcount(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (min, max) = score_range(args[2], args[3])?;
    read_coll(ctx, args[1], Kind::ZSet, |out, v| {
        let n = v.map_or(0, |v| {
            let (s, e) = score_window(&zset::Ranked::of(v), min, max);
            e - s
        });
        out.int(n as i64);
        Ok(())
    })
}

/// `ZLEXCOUNT key min max`
fn zlexcount(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (min, max) = lex_range(args[2], args[3])?;
    read_coll(ctx, args[1], Kind::ZSet, |out, v| {
        let n = v.map_or(0, |v| {
            let (s, e) = lex_window(&zset::Ranked::of(v), &min, &max, false);
            e - s
        });
        out.int(n as i64);
        Ok(())
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeBy {
    Rank,
    Score,
    Lex,
}

/// A parsed ZRANGE-family request.
struct RangeQuery<'a> {
    by: RangeBy,
    rev: bool,
    min: &'a [u8],
    max: &'a [u8],
    offset: i64,
    limit: i64,
    withscores: bool,
}

/// Parses the ZRANGE family as Redis's `zrangeGenericCommand`: `args[at]` and `args[at + 1]`
/// are the range, options follow. `by`/`rev` fixed by legacy commands are not accepted again.
fn parse_range<'a>(
    args: &[&'a [u8]],
    at: usize,
    by: Option<RangeBy>,
    rev: Option<bool>,
    store: bool,
) -> Result<RangeQuery<'a>, CmdError> {
    let (mut by_opt, mut rev_opt) = (by, rev);
    let mut withscores = false;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut j = at + 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        let a = args[j];
        if is(a, "withscores") && !store {
            withscores = true;
        } else if is(a, "limit") && left >= 2 {
            offset = int_arg(args[j + 1])?;
            limit = int_arg(args[j + 2])?;
            j += 2;
        } else if rev_opt.is_none() && is(a, "rev") {
            rev_opt = Some(true);
        } else if by_opt.is_none() && is(a, "bylex") {
            by_opt = Some(RangeBy::Lex);
        } else if by_opt.is_none() && is(a, "byscore") {
            by_opt = Some(RangeBy::Score);
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    let by = by_opt.unwrap_or(RangeBy::Rank);
    let rev = rev_opt.unwrap_or(false);
    // A count of -1 is Redis's "no LIMIT given", accepted with ranks too.
    if limit != -1 && by == RangeBy::Rank {
        return Err(CmdError::from_static(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && by == RangeBy::Lex {
        return Err(CmdError::from_static(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let (mut min, mut max) = (args[at], args[at + 1]);
    if rev && by != RangeBy::Rank {
        std::mem::swap(&mut min, &mut max);
    }
    Ok(RangeQuery {
        by,
        rev,
        min,
        max,
        offset,
        limit,
        withscores,
    })
}

/// Validated bounds of a query.
enum Bounds<'a> {
    Rank(i64, i64),
    Score(ScoreBound, ScoreBound),
    Lex(Lex<'a>, Lex<'a>),
}

fn bounds<'a>(q: &RangeQuery<'a>) -> Result<Bounds<'a>, CmdError> {
    Ok(match q.by {
        RangeBy::Rank => Bounds::Rank(int_arg(q.min)?, int_arg(q.max)?),
        RangeBy::Score => {
            let (a, b) = score_range(q.min, q.max)?;
            Bounds::Score(a, b)
        }
        RangeBy::Lex => {
            let (a, b) = lex_range(q.min, q.max)?;
            Bounds::Lex(a, b)
        }
    })
}

/// Runs a query against a sorted set: the selected (member, score) pairs in reply order.
fn run_range<'v>(v: View<'v>, q: &RangeQuery<'_>, b: &Bounds<'_>) -> Vec<(&'v [u8], f64)> {
    let r = zset::Ranked::of(v);
    let n = r.len();
    let (start, end) = match b {
        Bounds::Rank(s, e) => match list::clamp_range(n, *s, *e) {
            None => return Vec::new(),
            Some((s, e)) => {
                if q.rev {
                    (n - 1 - e, n - s)
                } else {
                    (s, e + 1)
                }
            }
        },
        Bounds::Score(min, max) => score_window(&r, *min, *max),
        Bounds::Lex(min, max) => lex_window(&r, min, max, q.rev),
    };
    let (mut start, mut end) = (start, end);
    if q.by != RangeBy::Rank {
        // LIMIT narrows the window before anything is read: `LIMIT 0 1` of a million-member
        // score range touches one member.
        if q.offset < 0 {
            return Vec::new();
        }
        let off = usize::try_from(q.offset).unwrap_or(usize::MAX);
        let take = usize::try_from(q.limit).unwrap_or(usize::MAX);
        if q.rev {
            end = end.saturating_sub(off);
            start = start.max(end.saturating_sub(take));
        } else {
            start = start.saturating_add(off);
            end = end.min(start.saturating_add(take));
        }
    }
    if start >= end {
        return Vec::new();
    }
    r.range(start, end - 1, q.rev)
}

/// Writes members, with scores when asked (flat in RESP2, pairs in RESP3).
fn reply_members(out: &mut ReplyBuf, items: &[(&[u8], f64)], withscores: bool) {
    if withscores {
        reply_pairs(out, items.len(), |out, i| {
            out.bulk(items[i].0);
            reply_score(out, items[i].1);
        });
    } else {
        out.array(items.len());
        for (m, _) in items {
            out.bulk(m);
        }
    }
}

fn range_generic(
    ctx: &mut Ctx<'_>,
    args: &[&[u8]],
    by: Option<RangeBy>,
    rev: Option<bool>,
) -> CmdResult {
    let q = parse_range(args, 2, by, rev, false)?;
    let b = bounds(&q)?;
    read_coll(ctx, args[1], Kind::ZSet, |out, v| {
        let items = v.map(|v| run_range(v, &q, &b)).unwrap_or_default();
        reply_members(out, &items, q.withscores);
        Ok(())
    })
}

/// `ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]`
fn zrange(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    range_generic(ctx, args, None, None)
}

/// `ZREVRANGE key start stop [WITHSCORES]`
fn zrevrange(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    range_generic(ctx, args, Some(RangeBy::Rank), Some(true))
}

/// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`
fn zrangebyscore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    range_generic(ctx, args, Some(RangeBy::Score), Some(false))
}

/// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`
fn zrevrangebyscore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    range_generic(ctx, args, Some(RangeBy::Score), Some(true))
}

/// `ZRANGEBYLEX key min max [LIMIT offset count]`
fn zrangebylex(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    range_generic(ctx, args, Some(RangeBy::Lex), Some(false))
}

/// `ZREVRANGEBYLEX key max min [LIMIT offset count]`
fn zrevrangebylex(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    range_generic(ctx, args, Some(RangeBy::Lex), Some(true))
}

/// `ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]`
fn zrangestore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let q = parse_range(args, 3, None, None, true)?;
    let b = bounds(&q)?;
    let (db, now, ks) = (ctx.db(), ctx.now, ctx.ks());
    let (dk, sk) = (ks.key(args[1]), ks.key(args[2]));
    let mut l = ks.lock(db, &[dk, sk]);
    let items: Vec<(Vec<u8>, f64)> = {
        let e = l.get(db, &sk, now);
        if e.is_some() {
            ctx.hit(true);
        } else {
            ctx.miss(args[2]);
        }
        match coll_of(e, Kind::ZSet)? {
            None => Vec::new(),
            Some(v) => run_range(v, &q, &b)
                .into_iter()
                .map(|(m, s)| (m.to_vec(), s))
                .collect(),
        }
    };
    let (n, existed) = store_coll(ctx, &mut l, &dk, Kind::ZSet, |o, limits| {
        for (m, s) in &items {
            zset::insert(o, limits, m, *s);
        }
    })?;
    drop(l);
    notify_store(ctx, ZSET, "zrangestore", args[1], n, existed);
    ctx.out.int(n as i64);
    Ok(())
}

fn remrange(ctx: &mut Ctx<'_>, args: &[&[u8]], by: RangeBy, event: &str) -> CmdResult {
    let q = RangeQuery {
        by,
        rev: false,
        min: args[2],
        max: args[3],
        offset: 0,
        limit: -1,
        withscores: false,
    };
    let b = bounds(&q)?;
    let w = write_coll(ctx, args[1], Kind::ZSet, false, |z, _| {
        let window = {
            let r = zset::Ranked::of(z.view());
            let n = r.len();
            match &b {
                Bounds::Rank(s, e) => list::clamp_range(n, *s, *e).map(|(s, e)| (s, e + 1)),
                Bounds::Score(min, max) => Some(score_window(&r, *min, *max)),
                Bounds::Lex(min, max) => Some(lex_window(&r, min, max, false)),
            }
        };
        let n = match window {
            Some((s, e)) if s < e => zset::remove_ranks(z, s, e - 1).len(),
            _ => 0,
        };
        Ok((n, n > 0))
    })?;
    let n = match w {
        Some(w) => {
            if w.value > 0 {
                ctx.notify(ZSET, event, args[1]);
            }
            notify_deleted(ctx, args[1], w.deleted);
            w.value
        }
        None => 0,
    };
    ctx.out.int(n as i64);
    Ok(())
}

/// `ZREMRANGEBYRANK key start stop`
fn zremrangebyrank(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    remrange(ctx, args, RangeBy::Rank, "zremrangebyrank")
}

/// `ZREMRANGEBYSCORE key min max`
fn zremrangebyscore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    remrange(ctx, args, RangeBy::Score, "zremrangebyscore")
}

/// `ZREMRANGEBYLEX key min max`
fn zremrangebylex(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    remrange(ctx, args, RangeBy::Lex, "zremrangebylex")
}

/// Pops up to `count` members from the low (`min`) or high end of the set at `key`.
fn pop_n(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    min: bool,
    count: usize,
) -> Result<Option<Scored>, CmdError> {
    let w = write_coll(ctx, key, Kind::ZSet, false, |z, _| {
        let n = zset::len(z.view());
        let take = count.min(n);
        if take == 0 {
            return Ok((Vec::new(), false));
        }
        let mut gone = if min {
            zset::remove_ranks(z, 0, take - 1)
        } else {
            zset::remove_ranks(z, n - take, n - 1)
        };
        if !min {
            gone.reverse();
        }
        // Blocking and multi-key pops are logged as the plain pop they did.
        let mut n = Vec::new();
        resp::number::write_u64(&mut n, take as u64);
        let cmd: &[u8] = if min { b"ZPOPMIN" } else { b"ZPOPMAX" };
        crate::propagate::replace(&[&[cmd, key, &n]]);
        Ok((gone, true))
    })?;
    Ok(w.map(|Written { value, deleted }| {
        if !value.is_empty() {
            ctx.notify(ZSET, if min { "zpopmin" } else { "zpopmax" }, key);
        }
        notify_deleted(ctx, key, deleted);
        value
    }))
}

fn zpop_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], min: bool) -> CmdResult {
    if args.len() > 3 {
        return Err(error::SYNTAX);
    }
    let count = match args.get(2) {
        Some(a) => {
            let c = int_arg(a)
                .ok()
                .filter(|&n| n >= 0)
                .ok_or(CmdError::from_static(
                    "ERR value is out of range, must be positive",
                ))?;
            Some(usize::try_from(c).unwrap_or(usize::MAX))
        }
        None => None,
    };
    let popped = if count == Some(0) {
        read_coll(ctx, args[1], Kind::ZSet, |_, _| Ok(()))?;
        Vec::new()
    } else {
        pop_n(ctx, args[1], min, count.unwrap_or(1))?.unwrap_or_default()
    };
    let items: Vec<(&[u8], f64)> = popped.iter().map(|(m, s)| (&m[..], *s)).collect();
    if count.is_some() {
        reply_members(ctx.out, &items, true);
    } else {
        ctx.out.array(items.len() * 2);
        for (m, s) in &items {
            ctx.out.bulk(m);
            reply_score(ctx.out, *s);
        }
    }
    Ok(())
}

/// `ZPOPMIN key [count]`
fn zpopmin(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    zpop_generic(ctx, args, true)
}

/// `ZPOPMAX key [count]`
fn zpopmax(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    zpop_generic(ctx, args, false)
}

fn bzpop_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], min: bool) -> CmdResult {
    let deadline = timeout_arg(ctx, args[args.len() - 1])?;
    let keys = &args[1..args.len() - 1];
    match pop_first_nonempty(ctx, keys, Kind::ZSet, |ctx, key| pop_n(ctx, key, min, 1))? {
        Some((key, v)) => {
            ctx.out.array(3);
            ctx.out.bulk(&key);
            ctx.out.bulk(&v[0].0);
            reply_score(ctx.out, v[0].1);
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

/// `BZPOPMIN key [key ...] timeout`
fn bzpopmin(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    bzpop_generic(ctx, args, true)
}

/// `BZPOPMAX key [key ...] timeout`
fn bzpopmax(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    bzpop_generic(ctx, args, false)
}

fn min_max_arg(arg: &[u8]) -> Result<bool, CmdError> {
    if is(arg, "min") {
        Ok(true)
    } else if is(arg, "max") {
        Ok(false)
    } else {
        Err(error::SYNTAX)
    }
}

fn reply_mpop(out: &mut ReplyBuf, key: &[u8], v: &[(Vec<u8>, f64)]) {
    out.array(2);
    out.bulk(key);
    out.array(v.len());
    for (m, s) in v {
        out.array(2);
        out.bulk(m);
        reply_score(out, *s);
    }
}

/// `ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]`
fn zmpop(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (keys, min, count) = parse_mpop(args, 1, min_max_arg)?;
    match pop_first_nonempty(ctx, &keys, Kind::ZSet, |ctx, key| {
        pop_n(ctx, key, min, count)
    })? {
        Some((key, v)) => reply_mpop(ctx.out, &key, &v),
        None => ctx.out.null_array(),
    }
    Ok(())
}

/// `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]`
fn bzmpop(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    // Redis reads the keys, side and COUNT before the timeout.
    let (keys, min, count) = parse_mpop(args, 2, min_max_arg)?;
    let deadline = timeout_arg(ctx, args[1])?;
    match pop_first_nonempty(ctx, &keys, Kind::ZSet, |ctx, key| {
        pop_n(ctx, key, min, count)
    })? {
        Some((key, v)) => {
            reply_mpop(ctx.out, &key, &v);
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

/// `ZRANDMEMBER key [count [WITHSCORES]]`
fn zrandmember(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let count = match args.get(2) {
        Some(a) => Some(random_count(a, args, "withscores")?),
        None => None,
    };
    let withscores = args.len() == 4;
    read_coll(ctx, args[1], Kind::ZSet, |out, v| {
        match count {
            None => match v.and_then(|v| zset::sample(v, 1, false).pop()) {
                Some((m, _)) => out.bulk(m),
                None => out.null(),
            },
            Some((count, unique)) => {
                let count = usize::try_from(count).unwrap_or(usize::MAX);
                let n = crate::rand::chosen(v.map_or(0, zset::len), count, unique);
                reply_random(
                    out,
                    n,
                    withscores,
                    |each| {
                        if let Some(v) = v {
                            zset::sample_each(v, count, unique, each)
                        }
                    },
                    reply_score,
                );
            }
        }
        Ok(())
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

fn aggregate(a: Aggregate, acc: &mut f64, v: f64) {
    match a {
        Aggregate::Sum => {
            *acc += v;
            // Redis compatibility: inf + -inf counts as 0.
            if acc.is_nan() {
                *acc = 0.0;
            }
        }
        Aggregate::Min => {
            if v < *acc {
                *acc = v;
            }
        }
        Aggregate::Max => {
            if v > *acc {
                *acc = v;
            }
        }
    }
}

/// An input of the algebra: (member, score) pairs; plain sets count as score 1.
type Input = Option<Vec<(Vec<u8>, f64)>>;

fn input_of(v: Option<View<'_>>, kind: Kind) -> Input {
    let v = v?;
    Some(match kind {
        Kind::Set => set::iter(v).map(|m| (m.to_vec(), 1.0)).collect(),
        _ => zset::items(v)
            .into_iter()
            .map(|(m, s)| (m.to_vec(), s))
            .collect(),
    })
}

/// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD, as Redis's
/// `zunionInterDiffGenericCommand`: keys are type-checked before the options are parsed.
fn algebra(ctx: &mut Ctx<'_>, args: &[&[u8]], op: SetOp, store: bool, card: bool) -> CmdResult {
    let numkeys_at = if store { 2 } else { 1 };
    let name = String::from_utf8_lossy(args[0]).to_ascii_lowercase();
    let n = int_arg(args[numkeys_at])?;
    if n < 1 {
        return Err(CmdError::new(format!(
            "ERR at least 1 input key is needed for '{name}' command"
        )));
    }
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    if n > args.len() - numkeys_at - 1 {
        return Err(error::SYNTAX);
    }
    let names = &args[numkeys_at + 1..numkeys_at + 1 + n];
    let (db, now, ks) = (ctx.db(), ctx.now, ctx.ks());
    let mut all: Vec<Key<'_>> = names.iter().map(|k| ks.key(k)).collect();
    let dst = store.then(|| ks.key(args[1]));
    all.extend(dst);
    let mut l = ks.lock(db, &all);
    let mut inputs: Vec<Input> = Vec::with_capacity(n);
    for k in &all[..n] {
        let e = l.get(db, k, now);
        if e.is_some() {
            ctx.hit(true);
        } else {
            ctx.miss(k.bytes);
        }
        let input = match e.map(|e| e.kind()) {
            None => None,
            Some(kind @ (Kind::Set | Kind::ZSet)) => input_of(View::of(&e.expect("present")), kind),
            Some(_) => return Err(error::WRONG_TYPE),
        };
        inputs.push(input);
    }
    let mut weights = vec![1.0f64; n];
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = usize::MAX;
    let mut j = numkeys_at + 1 + n;
    while j < args.len() {
        let remaining = args.len() - j;
        let a = args[j];
        if op != SetOp::Diff && !card && remaining > n && is(a, "weights") {
            for (i, w) in weights.iter_mut().enumerate() {
                *w = parse_double(args[j + 1 + i])
                    .ok_or(CmdError::from_static("ERR weight value is not a float"))?;
            }
            j += 1 + n;
        } else if op != SetOp::Diff && !card && remaining >= 2 && is(a, "aggregate") {
            let v = args[j + 1];
            agg = if is(v, "sum") {
                Aggregate::Sum
            } else if is(v, "min") {
                Aggregate::Min
            } else if is(v, "max") {
                Aggregate::Max
            } else {
                return Err(error::SYNTAX);
            };
            j += 2;
        } else if !store && !card && is(a, "withscores") {
            withscores = true;
            j += 1;
        } else if card && remaining >= 2 && is(a, "limit") {
            limit = card_limit(args, j)?;
            j = args.len();
        } else {
            return Err(error::SYNTAX);
        }
    }
    let weigh = |s: f64, w: f64| {
        let v = s * w;
        if v.is_nan() {
            0.0
        } else {
            v
        }
    };
    let mut result: Vec<(Vec<u8>, f64)> = Vec::new();
    match op {
        SetOp::Union => {
            let mut index: std::collections::HashMap<Vec<u8>, usize> = Default::default();
            for (i, input) in inputs.iter().enumerate() {
                for (m, s) in input.iter().flatten() {
                    let v = weigh(*s, weights[i]);
                    match index.get(m) {
                        Some(&at) => aggregate(agg, &mut result[at].1, v),
                        None => {
                            index.insert(m.clone(), result.len());
                            result.push((m.clone(), v));
                        }
                    }
                }
            }
        }
        SetOp::Inter => {
            if inputs.iter().all(Option::is_some) {
                let maps: Vec<std::collections::HashMap<&[u8], f64>> = inputs
                    .iter()
                    .map(|i| i.iter().flatten().map(|(m, s)| (&m[..], *s)).collect())
                    .collect();
                let smallest = (0..n).min_by_key(|&i| maps[i].len()).unwrap_or(0);
                for (m, _) in inputs[smallest].iter().flatten() {
                    if result.len() >= limit {
                        break;
                    }
                    if maps.iter().all(|mp| mp.contains_key(&m[..])) {
                        let mut acc = weigh(maps[0][&m[..]], weights[0]);
                        for i in 1..n {
                            aggregate(agg, &mut acc, weigh(maps[i][&m[..]], weights[i]));
                        }
                        result.push((m.clone(), acc));
                    }
                }
            }
        }
        SetOp::Diff => {
            let others: Vec<std::collections::HashSet<&[u8]>> = inputs[1..]
                .iter()
                .map(|i| i.iter().flatten().map(|(m, _)| &m[..]).collect())
                .collect();
            for (m, s) in inputs[0].iter().flatten() {
                if !others.iter().any(|o| o.contains(&m[..])) {
                    result.push((m.clone(), *s));
                }
            }
        }
    }
    if card {
        drop(l);
        ctx.out.int(result.len().min(limit) as i64);
        return Ok(());
    }
    result.sort_by(|a, b| zset::cmp_score_member(a.1, &a.0, b.1, &b.0));
    if let Some(dk) = dst {
        let (len, existed) = store_coll(ctx, &mut l, &dk, Kind::ZSet, |o, limits| {
            for (m, s) in &result {
                zset::insert(o, limits, m, *s);
            }
        })?;
        drop(l);
        let event = match op {
            SetOp::Union => "zunionstore",
            SetOp::Inter => "zinterstore",
            SetOp::Diff => "zdiffstore",
        };
        notify_store(ctx, ZSET, event, args[1], len, existed);
        ctx.out.int(len as i64);
        return Ok(());
    }
    drop(l);
    let items: Vec<(&[u8], f64)> = result.iter().map(|(m, s)| (&m[..], *s)).collect();
    reply_members(ctx.out, &items, withscores);
    Ok(())
}

/// `ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`
fn zunion(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    algebra(ctx, args, SetOp::Union, false, false)
}

/// `ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`
fn zinter(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    algebra(ctx, args, SetOp::Inter, false, false)
}

/// `ZDIFF numkeys key [key ...] [WITHSCORES]`
fn zdiff(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    algebra(ctx, args, SetOp::Diff, false, false)
}

/// `ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...]`
fn zunionstore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    algebra(ctx, args, SetOp::Union, true, false)
}

/// `ZINTERSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...]`
fn zinterstore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    algebra(ctx, args, SetOp::Inter, true, false)
}

/// `ZDIFFSTORE destination numkeys key [key ...]`
fn zdiffstore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    algebra(ctx, args, SetOp::Diff, true, false)
}

/// `ZINTERCARD numkeys key [key ...] [LIMIT limit]`
fn zintercard(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    algebra(ctx, args, SetOp::Inter, false, true)
}

/// `ZSCAN key cursor [MATCH pattern] [COUNT count]`
fn zscan(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    super::scan_collection(ctx, args, Kind::ZSet)
}

#[rustfmt::skip]
/// The sorted-set family's table rows.
pub const COMMANDS: &[Command] = &[
    Command { member: 3, ..cmd!("zadd", -4, WRITE | DENYOOM | FAST, 1, 1, 1, ["sortedset"], zadd) },
    Command { member: 3, ..cmd!("zincrby", 4, WRITE | DENYOOM | FAST, 1, 1, 1, ["sortedset"], zincrby) },
    Command { member: 2, ..cmd!("zrem", -3, WRITE | FAST, 1, 1, 1, ["sortedset"], zrem) },
    cmd!("zcard", 2, READONLY | FAST, 1, 1, 1, ["sortedset"], zcard),
    Command { member: 2, ..cmd!("zscore", 3, READONLY | FAST, 1, 1, 1, ["sortedset"], zscore) },
    Command { member: 2, ..cmd!("zmscore", -3, READONLY | FAST, 1, 1, 1, ["sortedset"], zmscore) },
    Command { member: 2, ..cmd!("zrank", 3, READONLY | FAST, 1, 1, 1, ["sortedset"], zrank) },
    Command { member: 2, ..cmd!("zrevrank", 3, READONLY | FAST, 1, 1, 1, ["sortedset"], zrevrank) },
    cmd!("zcount", 4, READONLY | FAST, 1, 1, 1, ["sortedset"], zcount),
    cmd!("zlexcount", 4, READONLY | FAST, 1, 1, 1, ["sortedset"], zlexcount),
    cmd!("zrange", -4, READONLY, 1, 1, 1, ["sortedset"], zrange),
    cmd!("zrangestore", -5, WRITE | DENYOOM, 1, 2, 1, ["sortedset"], zrangestore),
    cmd!("zrangebyscore", -4, READONLY, 1, 1, 1, ["sortedset"], zrangebyscore),
    cmd!("zrevrangebyscore", -4, READONLY, 1, 1, 1, ["sortedset"], zrevrangebyscore),
    cmd!("zrangebylex", -4, READONLY, 1, 1, 1, ["sortedset"], zrangebylex),
    cmd!("zrevrangebylex", -4, READONLY, 1, 1, 1, ["sortedset"], zrevrangebylex),
    cmd!("zrevrange", -4, READONLY, 1, 1, 1, ["sortedset"], zrevrange),
    cmd!("zremrangebyrank", 4, WRITE, 1, 1, 1, ["sortedset"], zremrangebyrank),
    cmd!("zremrangebyscore", 4, WRITE, 1, 1, 1, ["sortedset"], zremrangebyscore),
    cmd!("zremrangebylex", 4, WRITE, 1, 1, 1, ["sortedset"], zremrangebylex),
    cmd!("zpopmin", -2, WRITE | FAST, 1, 1, 1, ["sortedset"], zpopmin),
    cmd!("zpopmax", -2, WRITE | FAST, 1, 1, 1, ["sortedset"], zpopmax),
    cmd!("bzpopmin", -3, WRITE | FAST | NOSCRIPT | BLOCKING, 1, -2, 1, ["sortedset"], bzpopmin),
    cmd!("bzpopmax", -3, WRITE | FAST | NOSCRIPT | BLOCKING, 1, -2, 1, ["sortedset"], bzpopmax),
    Command { numkeys: 1, ..cmd!("zmpop", -4, WRITE | MOVABLE_KEYS, 0, 0, 0, ["sortedset"], zmpop) },
    Command { numkeys: 2, ..cmd!("bzmpop", -5, WRITE | BLOCKING | MOVABLE_KEYS, 0, 0, 0, ["sortedset"], bzmpop) },
    cmd!("zrandmember", -2, READONLY, 1, 1, 1, ["sortedset"], zrandmember),
    Command { numkeys: 1, ..cmd!("zunion", -3, READONLY | MOVABLE_KEYS, 0, 0, 0, ["sortedset"], zunion) },
    Command { numkeys: 1, ..cmd!("zinter", -3, READONLY | MOVABLE_KEYS, 0, 0, 0, ["sortedset"], zinter) },
    Command { numkeys: 1, ..cmd!("zdiff", -3, READONLY | MOVABLE_KEYS, 0, 0, 0, ["sortedset"], zdiff) },
    Command { numkeys: 2, ..cmd!("zunionstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, 1, 1, 1, ["sortedset"], zunionstore) },
    Command { numkeys: 2, ..cmd!("zinterstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, 1, 1, 1, ["sortedset"], zinterstore) },
    Command { numkeys: 2, ..cmd!("zdiffstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, 1, 1, 1, ["sortedset"], zdiffstore) },
    Command { numkeys: 1, ..cmd!("zintercard", -3, READONLY | MOVABLE_KEYS, 0, 0, 0, ["sortedset"], zintercard) },
    cmd!("zscan", -3, READONLY, 1, 1, 1, ["sortedset"], zscan),
];
