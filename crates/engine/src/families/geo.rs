//! The geo family: points kept in sorted sets, their scores 52-bit geohashes ([`crate::geohash`]).
//! GEOADD, GEODIST, GEOHASH, GEOPOS, the radius and box searches (GEORADIUS,
//! GEORADIUSBYMEMBER, their `_RO` forms, GEOSEARCH) and their STORE forms (GEORADIUS ... STORE
//! | STOREDIST, GEOSEARCHSTORE), with Redis 7.0's parsing, errors, reply shapes and digits.
//!
//! A search scans the nine cells Redis scans, in Redis's order, and keeps the points within
//! the shape; unsorted replies therefore come in Redis's order too.

use super::{int_arg, is, notify_store, read_coll, store_coll, write_coll};
use crate::command::{flags::*, CmdResult, Command};
use crate::entry::Kind;
use crate::error::{self, CmdError};
use crate::float::parse_double;
use crate::geohash::{self, Search, Shape};
use crate::notify::ZSET;
use crate::types::{zset, View};
use crate::{cmd, Ctx};
use resp::ReplyBuf;

/// Parses a double as Redis's `getDoubleFromObjectOrReply`, with its error text.
fn double_or(arg: &[u8], err: &'static str) -> Result<f64, CmdError> {
    parse_double(arg).ok_or(CmdError::from_static(err))
}

/// A longitude and latitude pair, checked against the encodable limits.
fn lon_lat(args: &[&[u8]]) -> Result<(f64, f64), CmdError> {
    let lon = double_or(args[0], "ERR value is not a valid float")?;
    let lat = double_or(args[1], "ERR value is not a valid float")?;
    if !(geohash::LON_MIN..=geohash::LON_MAX).contains(&lon)
        || !(geohash::LAT_MIN..=geohash::LAT_MAX).contains(&lat)
    {
        return Err(CmdError::new(format!(
            "ERR invalid longitude,latitude pair {},{}",
            c_fixed6(lon),
            c_fixed6(lat)
        )));
    }
    Ok((lon, lat))
}

/// C's `%f` (six decimals, `inf`/`-inf` spelled out).
fn c_fixed6(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    format!("{v:.6}")
}

/// Metres per unit (`extractUnitOrReply`).
fn unit(arg: &[u8]) -> Result<f64, CmdError> {
    if is(arg, "m") {
        Ok(1.0)
    } else if is(arg, "km") {
        Ok(1000.0)
    } else if is(arg, "ft") {
        Ok(0.3048)
    } else if is(arg, "mi") {
        Ok(1609.34)
    } else {
        Err(CmdError::from_static(
            "ERR unsupported unit provided. please use M, KM, FT, MI",
        ))
    }
}

/// `radius unit`: the radius and metres per unit.
fn radius_arg(args: &[&[u8]]) -> Result<(f64, f64), CmdError> {
    let r = double_or(args[0], "ERR need numeric radius")?;
    if r < 0.0 {
        return Err(CmdError::from_static("ERR radius cannot be negative"));
    }
    Ok((r, unit(args[1])?))
}

/// `width height unit`.
fn box_arg(args: &[&[u8]]) -> Result<(f64, f64, f64), CmdError> {
    let w = double_or(args[0], "ERR need numeric width")?;
    let h = double_or(args[1], "ERR need numeric height")?;
    if h < 0.0 || w < 0.0 {
        return Err(CmdError::from_static(
            "ERR height or width cannot be negative",
        ));
    }
    Ok((w, h, unit(args[2])?))
}

/// Formats a coordinate as Redis's `addReplyHumanLongDouble`: `%.17Lf` without trailing
/// zeros (nor a trailing point).
fn human(v: f64) -> String {
    let s = format!("{v:.17}");
    let s = s.trim_end_matches('0');
    s.trim_end_matches('.').to_string()
}

/// A coordinate: a bulk string in RESP2, a double in RESP3.
fn reply_coord(out: &mut ReplyBuf, v: f64) {
    out.double_text(human(v).as_bytes());
}

/// A distance: always a bulk string with four decimals, as Redis 7.0's
/// `fixedpoint_d2string`: the distance times 10^4 rounded to an integer (ties to even, after
/// the multiplication has rounded), so `12568381.14165` shows as `12568381.1416` where `%.4f`
/// would say `...1417`.
fn reply_dist(out: &mut ReplyBuf, d: f64) {
    out.bulk(fixed4(d).as_bytes());
}

fn fixed4(d: f64) -> String {
    if d == 0.0 {
        return "0.0000".to_string();
    }
    let scaled = (d * 10000.0).round_ties_even();
    // llrint: out of range is LLONG_MIN (distances never are: they stay below 2e7 m).
    let v: i64 = if scaled > -9.3e18 && scaled < 9.2e18 {
        scaled as i64
    } else {
        i64::MIN
    };
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    format!("{sign}{}.{:04}", a / 10000, a % 10000)
}

/// C's `(long long)` cast of a score on x86-64 (WITHHASH).
fn score_ll(s: f64) -> i64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if s > -TWO63 - 1025.0 && s < TWO63 {
        s as i64
    } else {
        i64::MIN
    }
}

/// The point of `member`, None when it is not in the set.
fn member_pos(v: Option<View<'_>>, member: &[u8]) -> Option<(f64, f64)> {
    v.and_then(|v| zset::score(v, member))
        .map(geohash::decode_score)
}

/// `GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]`
fn geoadd(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (mut nx, mut xx, mut ch) = (false, false, false);
    let mut j = 2;
    while j < args.len() {
        if is(args[j], "nx") {
            nx = true;
        } else if is(args[j], "xx") {
            xx = true;
        } else if is(args[j], "ch") {
            ch = true;
        } else {
            break;
        }
        j += 1;
    }
    let rest = args.len() - j;
    if !rest.is_multiple_of(3) || (xx && nx) || rest == 0 {
        return Err(error::SYNTAX);
    }
    let mut points: Vec<(f64, &[u8])> = Vec::with_capacity(rest / 3);
    let mut scores: Vec<Vec<u8>> = Vec::with_capacity(rest / 3);
    for t in args[j..].chunks(3) {
        let (lon, lat) = lon_lat(t)?;
        let score = geohash::score_of(lon, lat).unwrap_or(0);
        points.push((score as f64, t[2]));
        scores.push(score.to_string().into_bytes());
    }
    // Redis runs (and so propagates) GEOADD as `ZADD key [options] score member ...`, the
    // scores as integers.
    let mut zadd: Vec<&[u8]> = Vec::with_capacity(j + points.len() * 2);
    zadd.push(b"ZADD");
    zadd.extend_from_slice(&args[1..j]);
    for (score, (_, member)) in scores.iter().zip(&points) {
        zadd.push(score);
        zadd.push(member);
    }
    let w = write_coll(ctx, args[1], Kind::ZSet, !xx, |z, limits| {
        let (mut added, mut updated) = (0usize, 0usize);
        for &(score, member) in &points {
            let (cur, new) = zset::upsert(z, limits, member, |cur| match cur {
                Some(_) if nx => None,
                None if xx => None,
                _ => Some(score),
            });
            match (cur, new) {
                (None, Some(_)) => added += 1,
                (Some(c), Some(n)) if c != n => updated += 1,
                _ => {}
            }
        }
        if added + updated > 0 {
            crate::propagate::replace(&[&zadd]);
        }
        Ok(((added, updated), added + updated > 0))
    })?;
    let (added, updated) = w.map_or((0, 0), |w| w.value);
    if added + updated > 0 {
        ctx.notify(ZSET, "zadd", args[1]);
    }
    ctx.out.int((added + if ch { updated } else { 0 }) as i64);
    Ok(())
}

/// `GEODIST key member1 member2 [M | KM | FT | MI]`
fn geodist(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let to_meters = match args.len() {
        4 => 1.0,
        5 => unit(args[4])?,
        _ => return Err(error::SYNTAX),
    };
    read_coll(ctx, args[1], Kind::ZSet, |out, v| {
        match (member_pos(v, args[2]), member_pos(v, args[3])) {
            (Some(a), Some(b)) => {
                reply_dist(out, geohash::distance(a.0, a.1, b.0, b.1) / to_meters)
            }
            _ => out.null(),
        }
        Ok(())
    })
}

/// `GEOHASH key [member [member ...]]`
fn geohash_cmd(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_coll(ctx, args[1], Kind::ZSet, |out, v| {
        out.array(args.len() - 2);
        for m in &args[2..] {
            match member_pos(v, m) {
                Some((lon, lat)) => out.bulk(&geohash::standard_string(lon, lat)),
                None => out.null(),
            }
        }
        Ok(())
    })
}

/// `GEOPOS key [member [member ...]]`
fn geopos(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_coll(ctx, args[1], Kind::ZSet, |out, v| {
        out.array(args.len() - 2);
        for m in &args[2..] {
            match member_pos(v, m) {
                Some((lon, lat)) => {
                    out.array(2);
                    reply_coord(out, lon);
                    reply_coord(out, lat);
                }
                None => out.null_array(),
            }
        }
        Ok(())
    })
}

/// Which search command runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Centre {
    /// GEORADIUS / GEORADIUS_RO: centre and radius at fixed positions.
    Coords,
    /// GEORADIUSBYMEMBER / GEORADIUSBYMEMBER_RO.
    Member,
    /// GEOSEARCH / GEOSEARCHSTORE: FROM... and BY... options.
    Options,
}

/// A search command's variant.
#[derive(Clone, Copy)]
struct Variant {
    from: Centre,
    /// The `_RO` forms: no STORE / STOREDIST.
    no_store: bool,
    /// GEOSEARCHSTORE: the destination is `args[1]`.
    search_store: bool,
}

/// Result ordering.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    None,
    Asc,
    Desc,
}

/// A parsed search.
struct Query<'a> {
    search: Option<Search>,
    with_dist: bool,
    with_hash: bool,
    with_coord: bool,
    sort: Sort,
    any: bool,
    count: u64,
    store: Option<&'a [u8]>,
    store_dist: bool,
}

/// Parses a search as Redis's `georadiusGeneric`, in its order of checks: a member centre is
/// decoded while parsing (so `v` is the source set, None when missing), and the errors come in
/// the order Redis finds them.
fn parse_query<'a>(
    args: &[&'a [u8]],
    var: Variant,
    v: Option<View<'_>>,
) -> Result<Query<'a>, CmdError> {
    let not_member = || CmdError::from_static("ERR could not decode requested zset member");
    let mut q = Query {
        search: None,
        with_dist: false,
        with_hash: false,
        with_coord: false,
        sort: Sort::None,
        any: false,
        count: 0,
        store: None,
        store_dist: false,
    };
    let (mut centre, mut shape) = (None, None);
    let base = match var.from {
        Centre::Coords => {
            centre = Some(lon_lat(&args[2..4])?);
            let (r, u) = radius_arg(&args[4..6])?;
            shape = Some((Shape::Radius(r), u));
            6
        }
        Centre::Member => {
            if v.is_some() {
                centre = Some(member_pos(v, args[2]).ok_or_else(not_member)?);
                let (r, u) = radius_arg(&args[3..5])?;
                shape = Some((Shape::Radius(r), u));
            }
            5
        }
        Centre::Options => {
            if var.search_store {
                q.store = Some(args[1]);
                3
            } else {
                2
            }
        }
    };
    let by_options = var.from == Centre::Options;
    let (mut from_member, mut from_loc, mut by_radius, mut by_box) = (false, false, false, false);
    let n = args.len();
    let mut i = base;
    while i < n {
        let a = args[i];
        let left = n - i - 1;
        if is(a, "withdist") {
            q.with_dist = true;
        } else if is(a, "withhash") {
            q.with_hash = true;
        } else if is(a, "withcoord") {
            q.with_coord = true;
        } else if is(a, "any") {
            q.any = true;
        } else if is(a, "asc") {
            q.sort = Sort::Asc;
        } else if is(a, "desc") {
            q.sort = Sort::Desc;
        } else if is(a, "count") && left >= 1 {
            let c = int_arg(args[i + 1])?;
            if c <= 0 {
                return Err(CmdError::from_static("ERR COUNT must be > 0"));
            }
            q.count = c as u64;
            i += 1;
        } else if (is(a, "store") || is(a, "storedist"))
            && left >= 1
            && !var.no_store
            && !by_options
        {
            q.store = Some(args[i + 1]);
            q.store_dist = is(a, "storedist");
            i += 1;
        } else if is(a, "storedist") && by_options && var.search_store {
            q.store_dist = true;
        } else if is(a, "frommember") && left >= 1 && by_options && !from_loc {
            if v.is_some() {
                centre = Some(member_pos(v, args[i + 1]).ok_or_else(not_member)?);
            }
            from_member = true;
            i += 1;
        } else if is(a, "fromlonlat") && left >= 2 && by_options && !from_member {
            centre = Some(lon_lat(&args[i + 1..i + 3])?);
            from_loc = true;
            i += 2;
        } else if is(a, "byradius") && left >= 2 && by_options && !by_box {
            let (r, u) = radius_arg(&args[i + 1..i + 3])?;
            shape = Some((Shape::Radius(r), u));
            by_radius = true;
            i += 2;
        } else if is(a, "bybox") && left >= 3 && by_options && !by_radius {
            let (w, h, u) = box_arg(&args[i + 1..i + 4])?;
            shape = Some((Shape::Box(w, h), u));
            by_box = true;
            i += 3;
        } else {
            return Err(error::SYNTAX);
        }
        i += 1;
    }
    if q.store.is_some() && (q.with_dist || q.with_hash || q.with_coord) {
        return Err(CmdError::from_static(if var.search_store {
            "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        } else {
            "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        }));
    }
    if by_options && !(from_member || from_loc) {
        return Err(CmdError::concat(&[
            b"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ",
            args[0],
        ]));
    }
    if by_options && !(by_radius || by_box) {
        return Err(CmdError::concat(&[
            b"ERR exactly one of BYRADIUS and BYBOX can be specified for ",
            args[0],
        ]));
    }
    if q.any && q.count == 0 {
        return Err(CmdError::from_static(
            "ERR the ANY argument requires COUNT argument",
        ));
    }
    if let (Some((lon, lat)), Some((shape, to_meters))) = (centre, shape) {
        q.search = Some(Search {
            lon,
            lat,
            shape,
            to_meters,
        });
    }
    Ok(q)
}

/// A point found by a search.
struct Found {
    member: Vec<u8>,
    score: f64,
    lon: f64,
    lat: f64,
    /// Metres until the reply divides it by the unit.
    dist: f64,
}

/// Scans the cells of `s` in `v` in Redis's order (`membersOfAllNeighbors`): a cell equal to
/// the one scanned last is skipped, and with `limit` (ANY) the scan stops once that many
/// points were found.
fn scan(v: View<'_>, s: &Search, limit: u64) -> Vec<Found> {
    let r = zset::Ranked::of(v);
    let cells = s.cells();
    let mut found: Vec<Found> = Vec::new();
    let full = |found: &Vec<Found>| limit > 0 && found.len() as u64 >= limit;
    let mut last: usize = 0;
    for (i, cell) in cells.iter().enumerate() {
        if cell.is_zero() {
            continue;
        }
        if last != 0 && *cell == cells[last] {
            continue;
        }
        if full(&found) {
            break;
        }
        let (min, max) = cell.score_range();
        let start = r.partition_point(|_, sc| sc < min);
        let end = r.partition_point(|_, sc| sc < max);
        if start < end {
            for (m, sc) in r.range(start, end - 1, false) {
                let (lon, lat) = geohash::decode_score(sc);
                if let Some(dist) = s.contains(lon, lat) {
                    found.push(Found {
                        member: m.to_vec(),
                        score: sc,
                        lon,
                        lat,
                        dist,
                    });
                }
                if full(&found) {
                    break;
                }
            }
        }
        last = i;
    }
    found
}

/// Runs a parsed query against the source set: the points to reply or store, ordered and cut
/// to COUNT, distances in the query's unit.
fn results(q: &Query<'_>, v: View<'_>) -> Vec<Found> {
    let Some(s) = q.search else {
        return Vec::new();
    };
    let mut found = scan(v, &s, if q.any { q.count } else { 0 });
    let mut sort = q.sort;
    if q.count != 0 && sort == Sort::None && !q.any {
        sort = Sort::Asc;
    }
    if sort != Sort::None {
        let asc = |a: &Found, b: &Found| -> i32 {
            if a.dist > b.dist {
                1
            } else if a.dist == b.dist {
                0
            } else {
                -1
            }
        };
        let cmp = |a: &Found, b: &Found| {
            if sort == Sort::Asc {
                asc(a, b)
            } else {
                -asc(a, b)
            }
        };
        if q.count == 0 || (found.len() as u64) <= q.count {
            // All of them: glibc's qsort, a merge sort, so equal distances keep their scan
            // order, as a stable sort keeps them.
            found.sort_by(|a, b| cmp(a, b).cmp(&0));
        } else {
            // The first COUNT: Redis's partial quicksort, whose order of equal distances is
            // its own.
            let last = q.count as usize - 1;
            pqsort(&mut found, &cmp, 0, last);
            found.truncate(q.count as usize);
        }
    }
    for f in &mut found {
        f.dist /= s.to_meters;
    }
    found
}

/// Redis 7.0's `pqsort` (Bentley and McIlroy's quicksort, from NetBSD, that only sorts the
/// partitions overlapping ranks `lrange..=rrange`; 7.0 has no switch to insertion sort
/// after a pass without swaps), step for step: which of several equal
/// elements comes first depends on its partitioning, and replies show it.
fn pqsort<T>(v: &mut [T], cmp: &impl Fn(&T, &T) -> i32, lrange: usize, rrange: usize) {
    pqsort_at(v, 0, v.len(), cmp, lrange, rrange);
}

fn insertion<T>(v: &mut [T], a: usize, n: usize, cmp: &impl Fn(&T, &T) -> i32) {
    for pm in a + 1..a + n {
        let mut pl = pm;
        while pl > a && cmp(&v[pl - 1], &v[pl]) > 0 {
            v.swap(pl, pl - 1);
            pl -= 1;
        }
    }
}

fn med3<T>(v: &[T], a: usize, b: usize, c: usize, cmp: &impl Fn(&T, &T) -> i32) -> usize {
    if cmp(&v[a], &v[b]) < 0 {
        if cmp(&v[b], &v[c]) < 0 {
            b
        } else if cmp(&v[a], &v[c]) < 0 {
            c
        } else {
            a
        }
    } else if cmp(&v[b], &v[c]) > 0 {
        b
    } else if cmp(&v[a], &v[c]) < 0 {
        a
    } else {
        c
    }
}

fn vecswap<T>(v: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        v.swap(a + i, b + i);
    }
}

fn pqsort_at<T>(
    v: &mut [T],
    mut a: usize,
    mut n: usize,
    cmp: &impl Fn(&T, &T) -> i32,
    lrange: usize,
    rrange: usize,
) {
    // Whether the partition of `m` elements at `at` holds a wanted rank.
    let wanted = |at: usize, m: usize| {
        !((lrange < at && rrange < at) || (lrange >= at + m && rrange >= at + m))
    };
    loop {
        if n < 7 {
            insertion(v, a, n, cmp);
            return;
        }
        let mut pm = a + n / 2;
        if n > 7 {
            let mut pl = a;
            let mut pn = a + n - 1;
            if n > 40 {
                let d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d, cmp);
                pm = med3(v, pm - d, pm, pm + d, cmp);
                pn = med3(v, pn - 2 * d, pn - d, pn, cmp);
            }
            pm = med3(v, pl, pm, pn, cmp);
        }
        v.swap(a, pm);
        let (mut pa, mut pb) = (a + 1, a + 1);
        let (mut pc, mut pd) = (a + n - 1, a + n - 1);
        loop {
            while pb <= pc {
                let c = cmp(&v[pb], &v[a]);
                if c > 0 {
                    break;
                }
                if c == 0 {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb <= pc {
                let c = cmp(&v[pc], &v[a]);
                if c < 0 {
                    break;
                }
                if c == 0 {
                    v.swap(pc, pd);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            v.swap(pb, pc);
            pb += 1;
            pc -= 1;
        }
        let pn = a + n;
        let r = (pa - a).min(pb - pa);
        vecswap(v, a, pb - r, r);
        let r = (pd - pc).min(pn - pd - 1);
        vecswap(v, pb, pn - r, r);
        let m = pb - pa;
        if m > 1 && wanted(a, m) {
            pqsort_at(v, a, m, cmp, lrange, rrange);
        }
        let m = pd - pc;
        if m > 1 {
            a = pn - m;
            n = m;
            if wanted(a, m) {
                continue;
            }
        }
        return;
    }
}

fn reply_found(out: &mut ReplyBuf, q: &Query<'_>, found: &[Found]) {
    let opts = usize::from(q.with_dist) + usize::from(q.with_hash) + usize::from(q.with_coord);
    out.array(found.len());
    for f in found {
        if opts > 0 {
            out.array(opts + 1);
        }
        out.bulk(&f.member);
        if q.with_dist {
            reply_dist(out, f.dist);
        }
        if q.with_hash {
            out.int(score_ll(f.score));
        }
        if q.with_coord {
            out.array(2);
            reply_coord(out, f.lon);
            reply_coord(out, f.lat);
        }
    }
}

/// The destinations a search may store into, from its arguments alone: GEOSEARCHSTORE's
/// `args[1]`, or every argument after a STORE / STOREDIST keyword (the shards to lock before
/// the arguments are parsed against the source set).
fn store_candidates<'a>(args: &[&'a [u8]], var: Variant) -> Vec<&'a [u8]> {
    if var.search_store {
        return vec![args[1]];
    }
    if var.no_store || var.from == Centre::Options {
        return Vec::new();
    }
    let base = if var.from == Centre::Coords { 6 } else { 5 };
    (base..args.len().saturating_sub(1))
        .filter(|&i| is(args[i], "store") || is(args[i], "storedist"))
        .map(|i| args[i + 1])
        .collect()
}

fn search_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], var: Variant) -> CmdResult {
    let src = if var.search_store { 2 } else { 1 };
    let candidates = store_candidates(args, var);
    if candidates.is_empty() {
        return read_coll(ctx, args[src], Kind::ZSet, |out, v| {
            let q = parse_query(args, var, v)?;
            match v {
                None => out.array(0),
                Some(v) => reply_found(out, &q, &results(&q, v)),
            }
            Ok(())
        });
    }
    let (db, now, ks) = (ctx.db(), ctx.now, ctx.ks());
    let sk = ks.key(args[src]);
    let mut keys = vec![sk];
    keys.extend(candidates.iter().map(|c| ks.key(c)));
    let mut l = ks.lock(db, &keys);
    let (q, found) = {
        let e = l.get(db, &sk, now);
        if e.is_some() {
            ctx.hit(true);
        } else {
            ctx.miss(args[src]);
        }
        let v = super::coll_of(e, Kind::ZSet)?;
        let q = parse_query(args, var, v)?;
        let found = v.map_or_else(Vec::new, |v| results(&q, v));
        (q, found)
    };
    let Some(dst) = q.store else {
        drop(l);
        reply_found(ctx.out, &q, &found);
        return Ok(());
    };
    let dk = ks.key(dst);
    let (len, existed) = store_coll(ctx, &mut l, &dk, Kind::ZSet, |o, limits| {
        for f in &found {
            let score = if q.store_dist { f.dist } else { f.score };
            zset::insert(o, limits, &f.member, score);
        }
    })?;
    drop(l);
    let event = if var.from == Centre::Options {
        "geosearchstore"
    } else {
        "georadiusstore"
    };
    notify_store(ctx, ZSET, event, dst, len, existed);
    ctx.out.int(found.len() as i64);
    Ok(())
}

const RADIUS: Variant = Variant {
    from: Centre::Coords,
    no_store: false,
    search_store: false,
};

/// `GEORADIUS key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH]
/// [COUNT count [ANY]] [ASC|DESC] [STORE key | STOREDIST key]`
fn georadius(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    search_generic(ctx, args, RADIUS)
}

/// `GEORADIUS_RO key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH]
/// [COUNT count [ANY]] [ASC|DESC]`
fn georadius_ro(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    search_generic(
        ctx,
        args,
        Variant {
            no_store: true,
            ..RADIUS
        },
    )
}

const BY_MEMBER: Variant = Variant {
    from: Centre::Member,
    no_store: false,
    search_store: false,
};

/// `GEORADIUSBYMEMBER key member radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH]
/// [COUNT count [ANY]] [ASC|DESC] [STORE key | STOREDIST key]`
fn georadiusbymember(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    search_generic(ctx, args, BY_MEMBER)
}

/// `GEORADIUSBYMEMBER_RO key member radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH]
/// [COUNT count [ANY]] [ASC|DESC]`
fn georadiusbymember_ro(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    search_generic(
        ctx,
        args,
        Variant {
            no_store: true,
            ..BY_MEMBER
        },
    )
}

/// `GEOSEARCH key FROMMEMBER member | FROMLONLAT longitude latitude
/// BYRADIUS radius M|KM|FT|MI | BYBOX width height M|KM|FT|MI [ASC|DESC] [COUNT count [ANY]]
/// [WITHCOORD] [WITHDIST] [WITHHASH]`
fn geosearch(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    search_generic(
        ctx,
        args,
        Variant {
            from: Centre::Options,
            no_store: true,
            search_store: false,
        },
    )
}

/// `GEOSEARCHSTORE destination source FROMMEMBER member | FROMLONLAT longitude latitude
/// BYRADIUS radius M|KM|FT|MI | BYBOX width height M|KM|FT|MI [ASC|DESC] [COUNT count [ANY]]
/// [STOREDIST]`
fn geosearchstore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    search_generic(
        ctx,
        args,
        Variant {
            from: Centre::Options,
            no_store: false,
            search_store: true,
        },
    )
}

/// The STORE / STOREDIST destinations of GEORADIUS (from `args[6]`) and GEORADIUSBYMEMBER
/// (from `args[5]`), as Redis's keyword key specs find them: the argument after the first
/// STORE and after the first STOREDIST.
fn store_keys(args: &[&[u8]], from: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for word in ["store", "storedist"] {
        if let Some(i) = (from..args.len().saturating_sub(1)).find(|&i| is(args[i], word)) {
            out.push(i + 1);
        }
    }
    out
}

fn radius_store_keys(args: &[&[u8]]) -> Vec<usize> {
    store_keys(args, 6)
}

fn member_store_keys(args: &[&[u8]]) -> Vec<usize> {
    store_keys(args, 5)
}

#[rustfmt::skip]
/// The geo family's table rows.
pub const COMMANDS: &[Command] = &[
    cmd!("geoadd", -5, WRITE | DENYOOM, 1, 1, 1, ["geo"], geoadd),
    cmd!("geodist", -4, READONLY, 1, 1, 1, ["geo"], geodist),
    cmd!("geohash", -2, READONLY, 1, 1, 1, ["geo"], geohash_cmd),
    cmd!("geopos", -2, READONLY, 1, 1, 1, ["geo"], geopos),
    Command { getkeys: Some(radius_store_keys), ..cmd!("georadius", -6, WRITE | DENYOOM | MOVABLE_KEYS, 1, 1, 1, ["geo"], georadius) },
    cmd!("georadius_ro", -6, READONLY, 1, 1, 1, ["geo"], georadius_ro),
    Command { getkeys: Some(member_store_keys), ..cmd!("georadiusbymember", -5, WRITE | DENYOOM | MOVABLE_KEYS, 1, 1, 1, ["geo"], georadiusbymember) },
    cmd!("georadiusbymember_ro", -5, READONLY, 1, 1, 1, ["geo"], georadiusbymember_ro),
    cmd!("geosearch", -7, READONLY, 1, 1, 1, ["geo"], geosearch),
    cmd!("geosearchstore", -8, WRITE | DENYOOM, 1, 2, 1, ["geo"], geosearchstore),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_have_redis_digits() {
        // Values seen from redis-server 7.0.15.
        assert_eq!(fixed4(3830842.57197492 / 0.3048), "12568381.1416");
        assert_eq!(fixed4(166274.15156960033), "166274.1516");
        assert_eq!(fixed4(0.0), "0.0000");
        assert_eq!(fixed4(0.00004), "0.0000");
        assert_eq!(fixed4(0.00006), "0.0001");
        assert_eq!(fixed4(0.5), "0.5000");
    }

    #[test]
    fn coordinates_have_redis_digits() {
        assert_eq!(human(180.0), "180");
        assert_eq!(human(85.05112878), "85.0511287799999991");
        assert_eq!(human(13.361389338970184), "13.36138933897018433");
        assert_eq!(human(-0.5), "-0.5");
    }

    #[test]
    fn partial_sort_orders_the_wanted_ranks() {
        let cmp = |a: &(i32, usize), b: &(i32, usize)| a.0 - b.0;
        let mut x = 12345u64;
        for n in [0usize, 1, 5, 7, 8, 39, 41, 200, 1000] {
            let mut v: Vec<(i32, usize)> = (0..n)
                .map(|i| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                    (((x >> 33) % 50) as i32, i)
                })
                .collect();
            let mut sorted: Vec<i32> = v.iter().map(|e| e.0).collect();
            sorted.sort();
            let k = n / 3;
            if n > 0 {
                pqsort(&mut v, &cmp, 0, k);
                let head: Vec<i32> = v[..=k].iter().map(|e| e.0).collect();
                assert_eq!(head, sorted[..=k], "n {n}");
            }
        }
    }

    #[test]
    fn partial_sort_orders_ties_as_redis() {
        // Redis 7.0's pqsort of these keys for ranks 0..=11 picks these original positions
        // (equal keys in its partition order, not in input order).
        let keys = [
            1, 0, 4, 3, 3, 2, 1, 8, 1, 9, 6, 0, 0, 1, 3, 3, 8, 9, 0, 8, 3, 8, 6, 3, 7, 9, 4, 0, 2,
            6, 5, 4, 2, 3, 5, 1, 1, 6, 1, 5, 5, 9, 4, 0, 7, 8, 1, 6, 1, 8, 4, 9, 5, 9, 3, 1, 0, 3,
            4, 1,
        ];
        let mut v: Vec<(i32, usize)> = keys.iter().enumerate().map(|(i, &k)| (k, i)).collect();
        pqsort(
            &mut v,
            &|a: &(i32, usize), b: &(i32, usize)| a.0 - b.0,
            0,
            11,
        );
        let got: Vec<usize> = v[..12].iter().map(|e| e.1).collect();
        assert_eq!(got, [12, 27, 56, 43, 11, 18, 1, 35, 38, 6, 59, 8]);
    }

    #[test]
    fn c_casts() {
        assert_eq!(score_ll(3.0e15), 3_000_000_000_000_000);
        assert_eq!(score_ll(-1.5), -1);
        assert_eq!(score_ll(1e300), i64::MIN);
        assert_eq!(c_fixed6(200.0), "200.000000");
        assert_eq!(c_fixed6(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn store_key_positions() {
        let args: Vec<&[u8]> = [
            "georadius",
            "k",
            "0",
            "0",
            "1",
            "km",
            "store",
            "d",
            "storedist",
            "e",
        ]
        .iter()
        .map(|s| s.as_bytes())
        .collect();
        assert_eq!(radius_store_keys(&args), vec![7, 9]);
        assert_eq!(member_store_keys(&args[..6]), Vec::<usize>::new());
    }
}
