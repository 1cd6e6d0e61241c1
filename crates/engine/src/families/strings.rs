//! The string family: GET, SET and friends, counters, ranges, LCS.

use super::{check_string_length, expect_string, int_arg, is, read_key, read_keys};
use crate::command::{flags::*, CmdResult, Command};
use crate::entry::{EntryMeta, EntryRef};
use crate::error::{self, CmdError};
use crate::float::{incr_by_float, IncrFloatError};
use crate::keyspace::Key;
use crate::notify::{GENERIC, STRING};
use crate::{cmd, Ctx};

/// How an expiry argument is interpreted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Unit {
    /// EX: relative seconds.
    Ex,
    /// PX: relative milliseconds.
    Px,
    /// EXAT: absolute unix seconds.
    ExAt,
    /// PXAT: absolute unix milliseconds.
    PxAt,
}

#[derive(Default)]
struct SetOptions<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    expire: Option<(Unit, &'a [u8])>,
}

/// Parses SET's (or, with `getex`, GETEX's) options as Redis's
/// `parseExtendedStringArgumentsOrReply`: each option is refused only when it conflicts with a
/// different one already given (`EX 1 EX 2` is accepted, the last wins).
fn parse_set_options<'a>(args: &[&'a [u8]], getex: bool) -> Result<SetOptions<'a>, CmdError> {
    let mut o = SetOptions::default();
    let mut j = 0;
    while j < args.len() {
        let opt = args[j];
        let next = args.get(j + 1).copied();
        let unit = o.expire.map(|(u, _)| u);
        let other_expire = |mine: Unit| unit.is_some_and(|u| u != mine);
        if is(opt, "nx") && !o.xx && !getex {
            o.nx = true;
        } else if is(opt, "xx") && !o.nx && !getex {
            o.xx = true;
        } else if is(opt, "get") && !getex {
            o.get = true;
        } else if is(opt, "keepttl") && !o.persist && unit.is_none() && !getex {
            o.keepttl = true;
        } else if is(opt, "persist") && getex && unit.is_none() && !o.keepttl {
            o.persist = true;
        } else if let Some(u) = [
            ("ex", Unit::Ex),
            ("px", Unit::Px),
            ("exat", Unit::ExAt),
            ("pxat", Unit::PxAt),
        ]
        .iter()
        .find(|(name, _)| is(opt, name))
        .map(|(_, u)| *u)
        .filter(|&u| !o.keepttl && !o.persist && !other_expire(u))
        {
            let Some(value) = next else {
                return Err(error::SYNTAX);
            };
            o.expire = Some((u, value));
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// Turns an expiry argument into an absolute unix-ms deadline, with Redis's checks
/// (`getExpireMillisecondsOrReply`): positive, no overflow in unit conversion or addition.
fn expire_at(ctx: &Ctx<'_>, unit: Unit, raw: &[u8], name: &str) -> Result<u64, CmdError> {
    let v = int_arg(raw)?;
    let seconds = matches!(unit, Unit::Ex | Unit::ExAt);
    if v <= 0 || (seconds && v > i64::MAX / 1000) {
        return Err(CmdError::expire_time(name));
    }
    let mut ms = if seconds { v * 1000 } else { v };
    if matches!(unit, Unit::Ex | Unit::Px) {
        ms = ms
            .checked_add(ctx.base_time() as i64)
            .ok_or_else(|| CmdError::expire_time(name))?;
    }
    Ok(ms as u64)
}

/// The metadata of a freshly written string value.
fn fresh(ctx: &Ctx<'_>, expire: Option<u64>) -> EntryMeta {
    EntryMeta {
        expire,
        clock: ctx.clock(),
        ..Default::default()
    }
}

/// The common core of SET, SETNX, SETEX, PSETEX (Redis's `setGenericCommand`).
fn set_generic(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    value: &[u8],
    o: &SetOptions<'_>,
    name: &str,
) -> Result<bool, CmdError> {
    let expire = match o.expire {
        Some((unit, raw)) => Some(expire_at(ctx, unit, raw, name)?),
        None => None,
    };
    let (db, now) = (ctx.db(), ctx.now);
    let k = ctx.key(key);
    let mut l = ctx.ks().lock(db, &[k]);
    let old = l.get(db, &k, now);
    if o.get {
        match &old {
            Some(e) => {
                expect_string(e)?;
                ctx.out.bulk(e.value());
            }
            None => {
                ctx.miss(key);
                ctx.out.null();
            }
        }
    }
    let found = old.is_some();
    let kept = if o.keepttl {
        old.and_then(|e| e.expire())
    } else {
        None
    };
    if (o.nx && found) || (o.xx && !found) {
        return Ok(false);
    }
    let meta = fresh(ctx, expire.or(kept));
    l.set(db, &k, value, meta);
    // Logged without NX/XX/GET (they held) and with an absolute expiry.
    match expire {
        Some(at) => {
            let mut ms = Vec::new();
            resp::number::write_u64(&mut ms, at);
            crate::propagate::replace(&[&[b"SET", key, value, b"PXAT", &ms]]);
        }
        None if o.keepttl => crate::propagate::replace(&[&[b"SET", key, value, b"KEEPTTL"]]),
        None => crate::propagate::replace(&[&[b"SET", key, value]]),
    }
    ctx.notify(STRING, "set", key);
    if expire.is_some() {
        ctx.notify(GENERIC, "expire", key);
    }
    Ok(true)
}

/// ```text
/// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
///     PXAT unix-time-milliseconds | KEEPTTL]
/// ```
fn set(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let o = parse_set_options(&args[3..], false)?;
    let done = set_generic(ctx, args[1], args[2], &o, "set")?;
    if !o.get {
        if done {
            ctx.out.ok();
        } else {
            ctx.out.null();
        }
    }
    Ok(())
}

/// `SETNX key value`
fn setnx(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let o = SetOptions {
        nx: true,
        ..Default::default()
    };
    let done = set_generic(ctx, args[1], args[2], &o, "setnx")?;
    ctx.out.int(i64::from(done));
    Ok(())
}

/// `SETEX key seconds value`
fn setex(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let o = SetOptions {
        expire: Some((Unit::Ex, args[2])),
        ..Default::default()
    };
    set_generic(ctx, args[1], args[3], &o, "setex")?;
    ctx.out.ok();
    Ok(())
}

/// `PSETEX key milliseconds value`
fn psetex(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let o = SetOptions {
        expire: Some((Unit::Px, args[2])),
        ..Default::default()
    };
    set_generic(ctx, args[1], args[3], &o, "psetex")?;
    ctx.out.ok();
    Ok(())
}

/// `GET key`
fn get(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_key(ctx, args[1], |out, e| {
        match e {
            Some(e) => {
                expect_string(&e)?;
                out.bulk(e.value());
            }
            None => out.null(),
        }
        Ok(())
    })
}

/// `MGET key [key ...]`: non-string values read as nil, as in Redis.
fn mget(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_keys(ctx, &args[1..], |out, entries| {
        out.array(entries.len());
        for e in entries {
            match e {
                Some(e) if expect_string(e).is_ok() => out.bulk(e.value()),
                _ => out.null(),
            }
        }
    });
    Ok(())
}

fn lock_pairs<'k>(ctx: &Ctx<'_>, args: &[&'k [u8]]) -> Result<Vec<(Key<'k>, &'k [u8])>, CmdError> {
    if args.len().is_multiple_of(2) {
        return Err(CmdError::arity(
            &String::from_utf8_lossy(args[0]).to_ascii_lowercase(),
        ));
    }
    Ok(args[1..].chunks(2).map(|p| (ctx.key(p[0]), p[1])).collect())
}

/// `MSET key value [key value ...]`, atomic across shards.
fn mset(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let pairs = lock_pairs(ctx, args)?;
    let keys: Vec<Key<'_>> = pairs.iter().map(|(k, _)| *k).collect();
    let db = ctx.db();
    let mut l = ctx.ks().lock(db, &keys);
    for (k, v) in &pairs {
        l.set(db, k, v, fresh(ctx, None));
        ctx.notify(STRING, "set", k.bytes);
    }
    ctx.out.ok();
    Ok(())
}

/// `MSETNX key value [key value ...]`: all or nothing.
fn msetnx(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let pairs = lock_pairs(ctx, args)?;
    let keys: Vec<Key<'_>> = pairs.iter().map(|(k, _)| *k).collect();
    let (db, now) = (ctx.db(), ctx.now);
    let mut l = ctx.ks().lock(db, &keys);
    if keys.iter().any(|k| l.get(db, k, now).is_some()) {
        ctx.out.int(0);
        return Ok(());
    }
    for (k, v) in &pairs {
        l.set(db, k, v, fresh(ctx, None));
        ctx.notify(STRING, "set", k.bytes);
    }
    ctx.out.int(1);
    Ok(())
}

/// `GETSET key value`: sets and returns the old value; the expiry is dropped.
fn getset(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let o = SetOptions {
        get: true,
        ..Default::default()
    };
    set_generic(ctx, args[1], args[2], &o, "getset")?;
    Ok(())
}

/// `GETDEL key`
fn getdel(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (db, now) = (ctx.db(), ctx.now);
    let k = ctx.key(args[1]);
    let mut l = ctx.ks().lock(db, &[k]);
    match l.get(db, &k, now) {
        None => {
            ctx.miss(args[1]);
            ctx.out.null();
        }
        Some(e) => {
            expect_string(&e)?;
            ctx.hit(true);
            ctx.out.bulk(e.value());
            l.remove(db, &k);
            ctx.notify(GENERIC, "del", args[1]);
        }
    }
    Ok(())
}

/// `GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
/// PXAT unix-time-milliseconds | PERSIST]`
fn getex(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let o = parse_set_options(&args[2..], true)?;
    let (db, now) = (ctx.db(), ctx.now);
    let k = ctx.key(args[1]);
    let mut l = ctx.ks().lock(db, &[k]);
    let Some(e) = l.get(db, &k, now) else {
        ctx.miss(args[1]);
        ctx.out.null();
        return Ok(());
    };
    ctx.hit(true);
    expect_string(&e)?;
    let at = match o.expire {
        Some((unit, raw)) => Some(expire_at(ctx, unit, raw, "getex")?),
        None => None,
    };
    ctx.out.bulk(e.value());
    let had_expire = e.expire().is_some();
    match (o.expire, at) {
        (Some((Unit::ExAt | Unit::PxAt, _)), Some(at)) if at <= now => {
            l.remove(db, &k);
            crate::propagate::replace(&[&[b"DEL", args[1]]]);
            ctx.notify(GENERIC, "del", args[1]);
        }
        (_, Some(at)) => {
            l.set_expire(db, &k, Some(at));
            let mut ms = Vec::new();
            resp::number::write_u64(&mut ms, at);
            crate::propagate::replace(&[&[b"PEXPIREAT", args[1], &ms]]);
            ctx.notify(GENERIC, "expire", args[1]);
        }
        _ if o.persist && had_expire => {
            l.set_expire(db, &k, None);
            crate::propagate::replace(&[&[b"PERSIST", args[1]]]);
            ctx.notify(GENERIC, "persist", args[1]);
        }
        _ => {}
    }
    Ok(())
}

/// `APPEND key value`: returns the new length. The string grows in place (see
/// [`crate::keyspace::Locked::write_string`]).
fn append(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (db, now) = (ctx.db(), ctx.now);
    let k = ctx.key(args[1]);
    let mut l = ctx.ks().lock(db, &[k]);
    let new_len = match l.get(db, &k, now) {
        None => {
            l.set(db, &k, args[2], fresh(ctx, None));
            args[2].len()
        }
        Some(e) => {
            expect_string(&e)?;
            let len = e.value().len();
            check_string_length(ctx, len as u64, args[2].len() as u64)?;
            let meta = e.meta_copy();
            l.write_string(db, &k, len, args[2], meta)
        }
    };
    ctx.notify(STRING, "append", args[1]);
    ctx.out.int(new_len as i64);
    Ok(())
}

/// `STRLEN key`
fn strlen(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_key(ctx, args[1], |out, e| {
        match e {
            Some(e) => {
                expect_string(&e)?;
                out.int(e.value().len() as i64);
            }
            None => out.int(0),
        }
        Ok(())
    })
}

/// The common core of INCR, DECR, INCRBY, DECRBY. The expiry is kept.
fn incr_generic(ctx: &mut Ctx<'_>, key: &[u8], delta: i64) -> CmdResult {
    let (db, now) = (ctx.db(), ctx.now);
    let k = ctx.key(key);
    let mut l = ctx.ks().lock(db, &[k]);
    let (current, expire) = match l.get(db, &k, now) {
        None => (0, None),
        Some(e) => {
            expect_string(&e)?;
            let v = resp::number::parse_i64(e.value()).ok_or(error::NOT_INTEGER)?;
            (v, e.expire())
        }
    };
    let next = current.checked_add(delta).ok_or(error::OVERFLOW)?;
    let mut text = Vec::with_capacity(20);
    resp::number::write_i64(&mut text, next);
    l.set(db, &k, &text, fresh(ctx, expire));
    ctx.notify(STRING, "incrby", key);
    ctx.out.int(next);
    Ok(())
}

/// `INCR key`
fn incr(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    incr_generic(ctx, args[1], 1)
}

/// `DECR key`
fn decr(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    incr_generic(ctx, args[1], -1)
}

/// `INCRBY key increment`
fn incrby(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let delta = int_arg(args[2])?;
    incr_generic(ctx, args[1], delta)
}

/// `DECRBY key decrement`
fn decrby(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let delta = int_arg(args[2])?;
    let delta = delta
        .checked_neg()
        .ok_or(CmdError::from_static("ERR decrement would overflow"))?;
    incr_generic(ctx, args[1], delta)
}

/// `INCRBYFLOAT key increment`: long double arithmetic and formatting, as Redis.
fn incrbyfloat(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (db, now) = (ctx.db(), ctx.now);
    let k = ctx.key(args[1]);
    let mut l = ctx.ks().lock(db, &[k]);
    let (current, expire) = match l.get(db, &k, now) {
        None => (None, None),
        Some(e) => {
            expect_string(&e)?;
            (Some(e.value().to_vec()), e.expire())
        }
    };
    let next = incr_by_float(current.as_deref(), args[2]).map_err(|e| match e {
        IncrFloatError::NotFloat | IncrFloatError::BadIncrement => error::NOT_FLOAT,
        IncrFloatError::NanOrInfinity => {
            CmdError::from_static("ERR increment would produce NaN or Infinity")
        }
    })?;
    let meta = EntryMeta {
        noint: true,
        ..fresh(ctx, expire)
    };
    l.set(db, &k, &next, meta);
    // Logged as its result: float formatting must not be replayed.
    crate::propagate::replace(&[&[b"SET", args[1], &next, b"KEEPTTL"]]);
    ctx.notify(STRING, "incrbyfloat", args[1]);
    ctx.out.bulk(&next);
    Ok(())
}

/// `GETRANGE key start end` (and its old name SUBSTR).
fn getrange(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let start = int_arg(args[2])?;
    let end = int_arg(args[3])?;
    read_key(ctx, args[1], |out, e| {
        let Some(e) = e else {
            out.bulk(b"");
            return Ok(());
        };
        expect_string(&e)?;
        let v = e.value();
        out.bulk(range_of(v, start, end));
        Ok(())
    })
}

/// The bytes GETRANGE returns: negative indexes count from the end, both ends inclusive.
fn range_of(v: &[u8], mut start: i64, mut end: i64) -> &[u8] {
    let len = v.len() as i64;
    if start < 0 && end < 0 && start > end {
        return b"";
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return b"";
    }
    &v[start as usize..=end as usize]
}

/// `SETRANGE key offset value`: returns the new length.
fn setrange(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let offset = int_arg(args[2])?;
    if offset < 0 {
        return Err(CmdError::from_static("ERR offset is out of range"));
    }
    let offset = offset as u64;
    let value = args[3];
    let (db, now) = (ctx.db(), ctx.now);
    let k = ctx.key(args[1]);
    let mut l = ctx.ks().lock(db, &[k]);
    let meta = match l.get(db, &k, now) {
        None => {
            if value.is_empty() {
                ctx.out.int(0);
                return Ok(());
            }
            check_string_length(ctx, offset, value.len() as u64)?;
            fresh(ctx, None)
        }
        Some(e) => {
            expect_string(&e)?;
            if value.is_empty() {
                ctx.out.int(e.value().len() as i64);
                return Ok(());
            }
            check_string_length(ctx, offset, value.len() as u64)?;
            e.meta_copy()
        }
    };
    // Both terms were bounded by proto-max-bulk-len just above.
    let len = l.write_string(db, &k, offset as usize, value, meta);
    ctx.notify(STRING, "setrange", args[1]);
    ctx.out.int(len as i64);
    Ok(())
}

/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]`
fn lcs(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (a, b) = read_keys(ctx, &args[1..3], |_, e: &[Option<EntryRef<'_>>]| {
        if e.iter().flatten().any(|e| expect_string(e).is_err()) {
            return Err(CmdError::from_static(
                "ERR The specified keys must contain string values",
            ));
        }
        let v = |x: &Option<EntryRef<'_>>| x.map(|e| e.value().to_vec()).unwrap_or_default();
        Ok((v(&e[0]), v(&e[1])))
    })?;
    let (mut idx, mut len, mut withmatchlen, mut minmatchlen) = (false, false, false, 0i64);
    let mut j = 3;
    while j < args.len() {
        let opt = args[j];
        if is(opt, "idx") {
            idx = true;
        } else if is(opt, "len") {
            len = true;
        } else if is(opt, "withmatchlen") {
            withmatchlen = true;
        } else if is(opt, "minmatchlen") && j + 1 < args.len() {
            minmatchlen = int_arg(args[j + 1])?.max(0);
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    if idx && len {
        return Err(CmdError::from_static(
            "ERR If you want both the length and indexes, please just use IDX.",
        ));
    }
    if a.len() >= u32::MAX as usize - 1 || b.len() >= u32::MAX as usize - 1 {
        return Err(CmdError::from_static("ERR String too long for LCS"));
    }
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    let bytes = cells.checked_mul(4);
    if bytes.is_none_or(|n| n > ctx.engine.config.proto_max_bulk_len()) {
        return Err(CmdError::from_static(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ));
    }
    // dp[i][j] = LCS length of a[..i] and b[..j].
    let w = blen + 1;
    let mut dp = vec![0u32; cells as usize];
    for i in 1..=alen {
        for j in 1..=blen {
            dp[i * w + j] = if a[i - 1] == b[j - 1] {
                dp[(i - 1) * w + j - 1] + 1
            } else {
                dp[(i - 1) * w + j].max(dp[i * w + j - 1])
            };
        }
    }
    let total = dp[alen * w + blen] as usize;
    if len {
        ctx.out.int(total as i64);
        return Ok(());
    }
    // Walk back from the end, collecting the common string and the matching ranges.
    let mut result = vec![0u8; total];
    let mut ranges: Vec<[usize; 5]> = Vec::new();
    let (mut i, mut j, mut k) = (alen, blen, total);
    let none = alen;
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (none, 0, 0, 0);
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[k - 1] = a[i - 1];
            if a_start == none {
                a_start = i - 1;
                a_end = i - 1;
                b_start = j - 1;
                b_end = j - 1;
            } else if a_start == i && b_start == j {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            k -= 1;
            i -= 1;
            j -= 1;
        } else {
            if dp[(i - 1) * w + j] > dp[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if a_start != none {
                emit = true;
            }
        }
        if emit {
            let match_len = a_end - a_start + 1;
            if minmatchlen == 0 || match_len as i64 >= minmatchlen {
                ranges.push([a_start, a_end, b_start, b_end, match_len]);
            }
            a_start = none;
        }
    }
    if !idx {
        ctx.out.bulk(&result);
        return Ok(());
    }
    let out = &mut *ctx.out;
    out.map(2);
    out.bulk(b"matches");
    out.array(ranges.len());
    for r in &ranges {
        out.array(if withmatchlen { 3 } else { 2 });
        out.array(2);
        out.int(r[0] as i64);
        out.int(r[1] as i64);
        out.array(2);
        out.int(r[2] as i64);
        out.int(r[3] as i64);
        if withmatchlen {
            out.int(r[4] as i64);
        }
    }
    out.bulk(b"len");
    out.int(total as i64);
    Ok(())
}

/// The string family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    cmd!("get", 2, READONLY | FAST, 1, 1, 1, ["string"], get),
    cmd!("set", -3, WRITE | DENYOOM, 1, 1, 1, ["string"], set),
    cmd!("setnx", 3, WRITE | DENYOOM | FAST, 1, 1, 1, ["string"], setnx),
    cmd!("setex", 4, WRITE | DENYOOM, 1, 1, 1, ["string"], setex),
    cmd!("psetex", 4, WRITE | DENYOOM, 1, 1, 1, ["string"], psetex),
    cmd!("mget", -2, READONLY | FAST, 1, -1, 1, ["string"], mget),
    cmd!("mset", -3, WRITE | DENYOOM, 1, -1, 2, ["string"], mset),
    cmd!("msetnx", -3, WRITE | DENYOOM, 1, -1, 2, ["string"], msetnx),
    cmd!("getset", 3, WRITE | DENYOOM | FAST, 1, 1, 1, ["string"], getset),
    cmd!("getdel", 2, WRITE | FAST, 1, 1, 1, ["string"], getdel),
    cmd!("getex", -2, WRITE | FAST, 1, 1, 1, ["string"], getex),
    cmd!("append", 3, WRITE | DENYOOM | FAST, 1, 1, 1, ["string"], append),
    cmd!("strlen", 2, READONLY | FAST, 1, 1, 1, ["string"], strlen),
    cmd!("incr", 2, WRITE | DENYOOM | FAST, 1, 1, 1, ["string"], incr),
    cmd!("decr", 2, WRITE | DENYOOM | FAST, 1, 1, 1, ["string"], decr),
    cmd!("incrby", 3, WRITE | DENYOOM | FAST, 1, 1, 1, ["string"], incrby),
    cmd!("decrby", 3, WRITE | DENYOOM | FAST, 1, 1, 1, ["string"], decrby),
    cmd!("incrbyfloat", 3, WRITE | DENYOOM | FAST, 1, 1, 1, ["string"], incrbyfloat),
    cmd!("getrange", 4, READONLY, 1, 1, 1, ["string"], getrange),
    cmd!("substr", 4, READONLY, 1, 1, 1, ["string"], getrange),
    cmd!("setrange", 4, WRITE | DENYOOM, 1, 1, 1, ["string"], setrange),
    cmd!("lcs", -3, READONLY, 1, 2, 1, ["string"], lcs),
];

#[cfg(test)]
mod tests {
    use super::range_of;

    #[test]
    fn getrange_indexes() {
        let v = b"This is a string";
        assert_eq!(range_of(v, 0, 3), b"This");
        assert_eq!(range_of(v, -3, -1), b"ing");
        assert_eq!(range_of(v, 0, -1), v);
        assert_eq!(range_of(v, 10, 100), b"string");
        assert_eq!(range_of(v, -1, -5), b"");
        assert_eq!(range_of(b"", 0, -1), b"");
        assert_eq!(range_of(v, i64::MIN, i64::MAX), v);
    }
}
