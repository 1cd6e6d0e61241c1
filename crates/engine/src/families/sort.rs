//! SORT and SORT_RO: sort a list, set or sorted set numerically or by bytes, optionally by
//! weights read from other keys (`BY pattern`, `->field` of hashes), project other keys
//! (`GET pattern`, `#` for the element itself), page (`LIMIT`) and store the result as a list.
//!
//! The source is read atomically; `BY` and `GET` lookups read each key under its own shard
//! lock, so they see every other command's effect whole but not one snapshot of all keys.

use super::{coll_of, int_arg, is, notify_store, peek_key, read_key, store_coll};
use crate::command::{flags::*, CmdResult, Command};
use crate::entry::Kind;
use crate::error::{self, CmdError};
use crate::notify::LIST;
use crate::types::{hash, list, set, zset, View};
use crate::{cmd, Ctx};
use std::cmp::Ordering;

struct Options<'a> {
    desc: bool,
    alpha: bool,
    limit: Option<(i64, i64)>,
    by: Option<&'a [u8]>,
    dontsort: bool,
    gets: Vec<&'a [u8]>,
    store: Option<&'a [u8]>,
}

fn parse<'a>(args: &[&'a [u8]], readonly: bool) -> Result<Options<'a>, CmdError> {
    let mut o = Options {
        desc: false,
        alpha: false,
        limit: None,
        by: None,
        dontsort: false,
        gets: Vec::new(),
        store: None,
    };
    let mut j = 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        let a = args[j];
        if is(a, "asc") {
            o.desc = false;
        } else if is(a, "desc") {
            o.desc = true;
        } else if is(a, "alpha") {
            o.alpha = true;
        } else if is(a, "limit") && left >= 2 {
            o.limit = Some((int_arg(args[j + 1])?, int_arg(args[j + 2])?));
            j += 2;
        } else if is(a, "store") && left >= 1 && !readonly {
            o.store = Some(args[j + 1]);
            j += 1;
        } else if is(a, "by") && left >= 1 {
            o.by = Some(args[j + 1]);
            o.dontsort = !args[j + 1].contains(&b'*');
            j += 1;
        } else if is(a, "get") && left >= 1 {
            o.gets.push(args[j + 1]);
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// Redis's `lookupKeyByPattern`: the first `*` of `pattern` is replaced by `elem`; a `->field`
/// suffix reads a hash field, else the key must hold a string. `#` is the element itself.
fn lookup(ctx: &Ctx<'_>, pattern: &[u8], elem: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(elem.to_vec());
    }
    let star = pattern.iter().position(|&c| c == b'*')?;
    let after = &pattern[star + 1..];
    let (suffix, field) = match after.windows(2).position(|w| w == b"->") {
        Some(p) if p + 2 < after.len() => (&after[..p], Some(&after[p + 2..])),
        _ => (after, None),
    };
    let mut key = Vec::with_capacity(pattern.len() + elem.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(elem);
    key.extend_from_slice(suffix);
    let k = ctx.ks().key(&key);
    peek_key(ctx, &k, |e| {
        let e = e?;
        match field {
            Some(f) => match e.kind() {
                Kind::Hash => hash::get(View::of(&e)?, f).map(<[u8]>::to_vec),
                _ => None,
            },
            None => (e.kind() == Kind::String).then(|| e.value().to_vec()),
        }
    })
}

/// Reads a sort weight as Redis does with a bare `strtod` on a C string: it ends at the first
/// NUL, leading white space is skipped, the empty string is 0, the rest must be a whole float
/// (no NaN, no overflow).
fn sort_score(b: &[u8]) -> Option<f64> {
    let b = &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())];
    if b.is_empty() {
        return Some(0.0);
    }
    let start = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    crate::float::parse_double(&b[start..])
}

/// Redis converts a compact sorted set to its large encoding when SORT reads it; OBJECT
/// ENCODING shows that, so the conversion is made too (it changes nothing else: no WATCH or
/// tracking sees it).
fn convert_zset(ctx: &Ctx<'_>, key: &[u8]) {
    let (db, now) = (ctx.db(), ctx.now);
    let k = ctx.ks().key(key);
    let mut l = ctx.ks().lock(db, &[k]);
    let rebuilt = match l.get(db, &k, now) {
        Some(e) if e.kind() == Kind::ZSet => e.packed().map(|b| {
            crate::entry::Entry::new_big(key, Box::new(zset::to_skiplist(b)), e.meta_copy())
        }),
        _ => None,
    };
    if let Some(entry) = rebuilt {
        let hasher = ctx.ks().hasher();
        l.shard(db, &k).put(k.hash, key, entry, hasher);
    }
}

/// The elements of the value to sort, in their natural order.
fn elements(v: Option<View<'_>>, kind: Kind) -> Vec<Vec<u8>> {
    let Some(v) = v else { return Vec::new() };
    match kind {
        Kind::List => list::iter(v).map(<[u8]>::to_vec).collect(),
        Kind::Set => set::members(v),
        _ => zset::items(v)
            .into_iter()
            .map(|(m, _)| m.to_vec())
            .collect(),
    }
}

fn sort_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], readonly: bool) -> CmdResult {
    let mut o = parse(args, readonly)?;
    let (kind, mut elems) = read_key(ctx, args[1], |_, e| -> Result<_, CmdError> {
        let kind = match e.map(|e| e.kind()) {
            None => Kind::List,
            Some(k @ (Kind::List | Kind::Set | Kind::ZSet)) => k,
            Some(_) => return Err(error::WRONG_TYPE),
        };
        Ok((kind, elements(coll_of(e, kind)?, kind)))
    })?;
    if kind == Kind::ZSet {
        convert_zset(ctx, args[1]);
    }
    // A set has no order of its own: stored results are sorted so they are deterministic.
    if o.dontsort && kind == Kind::Set && o.store.is_some() {
        o.dontsort = false;
        o.alpha = true;
        o.by = None;
    }
    let n = elems.len() as i64;
    let (start, end) = match o.limit {
        None => (0, n - 1),
        Some((s, c)) => {
            let start = s.max(0);
            let mut end = if c < 0 {
                n - 1
            } else {
                start.saturating_add(c) - 1
            };
            let mut start = start;
            if start >= n {
                start = n - 1;
                end = n - 2;
            }
            if end >= n {
                end = n - 1;
            }
            (start, end)
        }
    };
    if !o.dontsort {
        let mut keyed: Vec<(Vec<u8>, Option<Vec<u8>>, f64)> = Vec::with_capacity(elems.len());
        for e in elems.drain(..) {
            let by = match o.by {
                Some(p) => lookup(ctx, p, &e),
                None => Some(e.clone()),
            };
            let mut score = 0.0;
            if !o.alpha {
                if let Some(b) = &by {
                    score = sort_score(b).ok_or(CmdError::from_static(
                        "ERR One or more scores can't be converted into double",
                    ))?;
                }
            }
            keyed.push((e, by, score));
        }
        let by_pattern = o.by.is_some();
        keyed.sort_by(|a, b| {
            let cmp = if !o.alpha {
                a.2.partial_cmp(&b.2)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| a.0.cmp(&b.0))
            } else if by_pattern {
                match (&a.1, &b.1) {
                    (None, None) => Ordering::Equal,
                    (None, _) => Ordering::Less,
                    (_, None) => Ordering::Greater,
                    (Some(x), Some(y)) => x.cmp(y),
                }
            } else {
                a.0.cmp(&b.0)
            };
            if o.desc {
                cmp.reverse()
            } else {
                cmp
            }
        });
        elems = keyed.into_iter().map(|(e, _, _)| e).collect();
    } else if o.desc && kind != Kind::Set {
        // Without sorting, DESC still walks a list from its tail and a sorted set from its
        // top, as Redis does.
        elems.reverse();
    }
    let picked: &[Vec<u8>] = if start > end || n == 0 {
        &[]
    } else {
        &elems[start as usize..=end as usize]
    };
    let mut outputs: Vec<Option<Vec<u8>>> = Vec::new();
    for e in picked {
        if o.gets.is_empty() {
            outputs.push(Some(e.clone()));
        }
        for g in &o.gets {
            outputs.push(lookup(ctx, g, e));
        }
    }
    match o.store {
        None => {
            ctx.out.array(outputs.len());
            for v in &outputs {
                match v {
                    Some(v) => ctx.out.bulk(v),
                    None => ctx.out.null(),
                }
            }
        }
        Some(dst) => {
            let (db, ks) = (ctx.db(), ctx.ks());
            let dk = ks.key(dst);
            let mut l = ks.lock(db, &[dk]);
            let items: Vec<&[u8]> = outputs
                .iter()
                .map(|v| v.as_deref().unwrap_or(b""))
                .collect();
            let (len, existed) = store_coll(ctx, &mut l, &dk, Kind::List, |w, limits| {
                list::push(w, limits, &items, false);
            })?;
            // Logged as its effect (the list it stored), so a replay never depends on keys
            // that BY and GET read: one transaction, unless this already runs in one.
            let mut push: Vec<&[u8]> = vec![b"RPUSH", dst];
            push.extend_from_slice(&items);
            let del: &[&[u8]] = &[b"DEL", dst];
            match (len, ctx.in_exec()) {
                (0, _) => crate::propagate::replace(&[del]),
                (_, true) => crate::propagate::replace(&[del, &push]),
                (_, false) => crate::propagate::replace(&[&[b"MULTI"], del, &push, &[b"EXEC"]]),
            }
            drop(l);
            notify_store(ctx, LIST, "sortstore", dst, len, existed);
            ctx.out.int(len as i64);
        }
    }
    Ok(())
}

/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE dst]`
fn sort(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    sort_generic(ctx, args, false)
}

/// `SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]`
fn sort_ro(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    sort_generic(ctx, args, true)
}

/// SORT's movable key: the destination of STORE. The arguments of LIMIT, GET and BY are
/// skipped as Redis's `sortGetKeys` skips them.
fn store_key(args: &[&[u8]]) -> Vec<usize> {
    store_position(args).into_iter().collect()
}

fn store_position(args: &[&[u8]]) -> Option<usize> {
    let mut j = 2;
    let mut store = None;
    while j < args.len() {
        let a = args[j];
        let skip = if is(a, "limit") {
            2
        } else if is(a, "get") || is(a, "by") {
            1
        } else if is(a, "store") && j + 1 < args.len() {
            store = Some(j + 1);
            1
        } else {
            0
        };
        j += skip + 1;
    }
    store
}

/// Whether SORT (or SORT_RO) must run alone: STORE writes what it read, BY and GET read keys
/// named by the elements; either must see one state of the keyspace.
fn reads_other_keys(args: &[&[u8]]) -> bool {
    args[2..]
        .iter()
        .any(|a| is(a, "store") || is(a, "by") || is(a, "get"))
}

/// SORT's table rows.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command { getkeys: Some(store_key), alone: Some(reads_other_keys), ..cmd!("sort", -2, WRITE | DENYOOM | MOVABLE_KEYS, 1, 1, 1, ["set", "sortedset", "list", "dangerous"], sort) },
    Command { alone: Some(reads_other_keys), ..cmd!("sort_ro", -2, READONLY | MOVABLE_KEYS, 1, 1, 1, ["set", "sortedset", "list", "dangerous"], sort_ro) },
];
