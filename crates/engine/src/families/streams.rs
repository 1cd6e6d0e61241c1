//! The stream family (Redis 7.0): XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID, XREAD and
//! XREADGROUP (blocking through [`crate::blocking`]), the consumer groups (XGROUP, XACK,
//! XPENDING, XCLAIM, XAUTOCLAIM) and XINFO. The data structure is [`crate::types::stream`].
//!
//! Writes that Redis propagates as their effect are logged the same way: XADD with the ID it
//! generated and an approximate trim made exact, XREADGROUP, XCLAIM and XAUTOCLAIM as the
//! XCLAIM ... FORCE JUSTID commands and XGROUP SETID / CREATECONSUMER that rebuild the group.

use super::{container, help_reply, int_arg, is, read_coll, write_coll};
use crate::blocking::BlockRequest;
use crate::command::{flags::*, CmdResult, Command};
use crate::entry::Kind;
use crate::error::{self, c_str, CmdError};
use crate::notify::STREAM;
use crate::rdb::listpack::Item;
use crate::types::stream::{
    item_bytes, parse_id, AppendError, EntryRef, Group, Id, Stream, Trim, INVALID_READ,
};
use crate::types::{Big, Open, View};
use crate::{cmd, Ctx};
use resp::ReplyBuf;
use std::sync::Arc;

const INVALID_ID: CmdError =
    CmdError::from_static("ERR Invalid stream ID specified as stream command argument");
const NO_SUCH_KEY: CmdError = CmdError::from_static("ERR no such key");

/// A strict ID argument (`ms` or `ms-seq`, no `-`/`+`).
fn strict_id(arg: &[u8]) -> Result<Id, CmdError> {
    parse_id(arg, 0, true, false)
        .map(|p| p.id)
        .ok_or(INVALID_ID)
}

/// A range bound: `-`, `+`, an ID (a missing sequence is `missing_seq`), or `(ID` exclusive.
fn interval_id(arg: &[u8], missing_seq: u64) -> Result<(Id, bool), CmdError> {
    if arg.len() > 1 && arg[0] == b'(' {
        let p = parse_id(&arg[1..], missing_seq, true, false).ok_or(INVALID_ID)?;
        return Ok((p.id, true));
    }
    let p = parse_id(arg, missing_seq, false, false).ok_or(INVALID_ID)?;
    Ok((p.id, false))
}

fn start_bound(arg: &[u8]) -> Result<Id, CmdError> {
    let (id, ex) = interval_id(arg, 0)?;
    if ex {
        return id.next().ok_or(CmdError::from_static(
            "ERR invalid start ID for the interval",
        ));
    }
    Ok(id)
}

fn end_bound(arg: &[u8]) -> Result<Id, CmdError> {
    let (id, ex) = interval_id(arg, u64::MAX)?;
    if ex {
        return id
            .prev()
            .ok_or(CmdError::from_static("ERR invalid end ID for the interval"));
    }
    Ok(id)
}

/// Writes an ID as a bulk string.
fn bulk_id(out: &mut ReplyBuf, id: Id) {
    let mut b = Vec::with_capacity(41);
    resp::number::write_u64(&mut b, id.ms);
    b.push(b'-');
    resp::number::write_u64(&mut b, id.seq);
    out.bulk(&b);
}

fn bulk_item(out: &mut ReplyBuf, item: Item<'_>) {
    let mut buf = [0u8; 20];
    out.bulk(item_bytes(item, &mut buf));
}

/// One entry: `[id, [field, value, ...]]`.
fn reply_entry(out: &mut ReplyBuf, e: &EntryRef<'_>) {
    out.array(2);
    bulk_id(out, e.id);
    out.array(e.len() * 2);
    for (f, v) in e.fields() {
        bulk_item(out, f);
        bulk_item(out, v);
    }
}

/// The stream of a borrowed collection.
fn stream_of<'a>(v: View<'a>) -> &'a Stream {
    match v {
        View::Big(Big::Stream(s)) => s,
        _ => unreachable!("a stream entry holds a stream"),
    }
}

/// The stream being written (a new key starts empty).
fn stream_mut<'o>(o: &'o mut Open<'_>) -> &'o mut Stream {
    if matches!(o, Open::Packed(_)) {
        o.convert(Big::Stream(Stream::default()));
    }
    match o.big() {
        Some(Big::Stream(s)) => s,
        _ => unreachable!("a stream entry holds a stream"),
    }
}

/// The trimming part of XADD and XTRIM.
#[derive(Default)]
struct TrimArgs {
    trim: Option<Trim>,
    approx: bool,
    limit: u64,
    /// Index of the threshold argument (rewritten for replicas and the AOF).
    arg: usize,
}

/// Redis's `streamParseAddOrTrimArgsOrReply`: options from `args[2]` on. For XADD, returns
/// the position of the ID and the parsed ID (None for `*`) and whether NOMKSTREAM was given.
fn parse_add_or_trim(
    ctx: &Ctx<'_>,
    args: &[&[u8]],
    xadd: bool,
) -> Result<(TrimArgs, usize, Option<crate::types::stream::Parsed>, bool), CmdError> {
    let mut t = TrimArgs::default();
    let mut limit: Option<i64> = None;
    let mut nomkstream = false;
    let mut id = None;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let opt = args[i];
        if xadd && opt == b"*" {
            break;
        } else if (is(opt, "maxlen") || is(opt, "minid")) && more > 0 {
            if t.trim.is_some() {
                return Err(CmdError::from_static(
                    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible",
                ));
            }
            let maxlen = is(opt, "maxlen");
            t.approx = false;
            let next = args[i + 1];
            if more >= 2 && next == b"~" {
                t.approx = true;
                i += 1;
            } else if more >= 2 && next == b"=" {
                i += 1;
            }
            let v = args[i + 1];
            t.trim = Some(if maxlen {
                let n = int_arg(v)?;
                if n < 0 {
                    return Err(CmdError::from_static(
                        "ERR The MAXLEN argument must be >= 0.",
                    ));
                }
                Trim::MaxLen(n as u64)
            } else {
                Trim::MinId(strict_id(v)?)
            });
            i += 1;
            t.arg = i;
        } else if is(opt, "limit") && more > 0 {
            let n = int_arg(args[i + 1])?;
            if n < 0 {
                return Err(CmdError::from_static(
                    "ERR The LIMIT argument must be >= 0.",
                ));
            }
            limit = Some(n);
            i += 1;
        } else if xadd && is(opt, "nomkstream") {
            nomkstream = true;
        } else if xadd {
            id = Some(parse_id(opt, 0, true, true).ok_or(INVALID_ID)?);
            break;
        } else {
            return Err(error::SYNTAX);
        }
        i += 1;
    }
    if limit.is_some_and(|l| l > 0) && t.trim.is_none() {
        return Err(CmdError::from_static(
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && t.trim.is_none() {
        return Err(CmdError::from_static(
            "ERR syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    if ctx.session.replaying {
        // What the AOF holds was rewritten exact (Redis's `mustObeyClient`).
        t.limit = 0;
    } else if let Some(l) = limit {
        if !t.approx {
            return Err(CmdError::from_static(
                "ERR syntax error, LIMIT cannot be used without the special ~ option",
            ));
        }
        t.limit = l as u64;
    } else if t.approx {
        let entries = ctx.engine.config.stream_limits().max_entries;
        t.limit = entries.saturating_mul(100);
        if t.limit == 0 {
            t.limit = 10_000;
        }
        t.limit = t.limit.min(1_000_000);
    }
    Ok((t, i, id, nomkstream))
}

/// After an approximate trim, the command replicas and the AOF get trims exactly what this one
/// did: `~` becomes `=`, the threshold the resulting length or first ID.
/// Logs `args` as the command's record with `id` (XADD's ID argument at `idpos`, when
/// given) and an approximate trim as the exact one it made (`= <length>` or `= <first ID>`),
/// as Redis propagates XADD and XTRIM.
fn record_with(args: &[&[u8]], id: Option<(usize, Id)>, t: &TrimArgs, s: &Stream) {
    if !crate::propagate::recording() {
        return;
    }
    let mut refs: Vec<&[u8]> = args.to_vec();
    let id_text = id.map(|(_, id)| id.text());
    if let (Some((at, _)), Some(text)) = (id, &id_text) {
        refs[at] = text;
    }
    let threshold = t.approx.then(|| match t.trim {
        Some(Trim::MaxLen(_)) => s.length.to_string().into_bytes(),
        _ => s.first_id.text(),
    });
    if let Some(th) = &threshold {
        refs[t.arg - 1] = b"=";
        refs[t.arg] = th;
    }
    crate::propagate::replace(&[&refs]);
}

/// A consumer-group change (a read, claim or ack, XGROUP but for a new key): logged and
/// replicated, yet not a modification of the key for WATCH and client tracking, as in Redis,
/// whose group commands do not signal the key. Returns the `dirty` flag the write closure
/// gives back (false: nothing to store, the stream was edited in place).
fn group_changed(changed: bool) -> bool {
    if changed {
        crate::propagate::mark_dirty();
    }
    false
}

/// `XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...`
fn xadd(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (t, idpos, id, nomkstream) = parse_add_or_trim(ctx, args, true)?;
    let fields = &args[idpos + 1..];
    if fields.len() < 2 || !fields.len().is_multiple_of(2) {
        return Err(CmdError::arity("xadd"));
    }
    if let Some(p) = id {
        if p.seq_given && p.id.is_zero() {
            return Err(CmdError::from_static(
                "ERR The ID specified in XADD must be greater than 0-0",
            ));
        }
    }
    let limits = ctx.engine.config.stream_limits();
    let now = ctx.base_time();
    let key = args[1];
    let written = write_coll(ctx, key, Kind::Stream, !nomkstream, |o, _| {
        let s = stream_mut(o);
        if s.last_id == Id::MAX {
            return Err(CmdError::from_static(
                "ERR The stream has exhausted the last possible ID, unable to add more items",
            ));
        }
        let new_id = match id {
            Some(p) if p.seq_given => Some(p.id),
            Some(p) => s.next_id(now, Some(p.id.ms)),
            None => s.next_id(now, None),
        };
        // `ms-*` with the top item at `ms-18446744073709551615`: Redis's streamAppendItem
        // fails with EDOM, which XADD reports as a size error.
        let Some(new_id) = new_id else {
            return Err(CmdError::from_static(
                "ERR Elements are too large to be stored",
            ));
        };
        match s.append(new_id, fields, limits) {
            Ok(()) => {}
            Err(AppendError::NotGreater) => return Err(CmdError::from_static(
                "ERR The ID specified in XADD is equal or smaller than the target stream top item",
            )),
            Err(AppendError::TooLarge) => {
                return Err(CmdError::from_static(
                    "ERR Elements are too large to be stored",
                ))
            }
        }
        let trimmed = match t.trim {
            Some(trim) => s.trim(trim, t.approx, t.limit) > 0,
            None => false,
        };
        record_with(args, Some((idpos, new_id)), &t, s);
        Ok(((new_id, trimmed), true))
    })?;
    match written {
        None => ctx.out.null(),
        Some(w) => {
            let (new_id, trimmed) = w.value;
            bulk_id(ctx.out, new_id);
            ctx.notify(STREAM, "xadd", key);
            if trimmed {
                ctx.notify(STREAM, "xtrim", key);
            }
        }
    }
    Ok(())
}

/// `XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]`
fn xtrim(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (t, _, _, _) = parse_add_or_trim(ctx, args, false)?;
    let key = args[1];
    let written = write_coll(ctx, key, Kind::Stream, false, |o, _| {
        let s = stream_mut(o);
        let n = s.trim(t.trim.expect("a strategy"), t.approx, t.limit);
        record_with(args, None, &t, s);
        Ok((n, n > 0))
    })?;
    let n = written.map_or(0, |w| w.value);
    if n > 0 {
        ctx.notify(STREAM, "xtrim", key);
    }
    ctx.out.int(n as i64);
    Ok(())
}

fn range_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], rev: bool) -> CmdResult {
    let (a, b) = if rev {
        (args[3], args[2])
    } else {
        (args[2], args[3])
    };
    let start = interval_id(a, 0)?;
    let end = interval_id(b, u64::MAX)?;
    let start = if start.1 {
        start.0.next().ok_or(CmdError::from_static(
            "ERR invalid start ID for the interval",
        ))?
    } else {
        start.0
    };
    let end = if end.1 {
        end.0
            .prev()
            .ok_or(CmdError::from_static("ERR invalid end ID for the interval"))?
    } else {
        end.0
    };
    let mut count: Option<usize> = None;
    let mut j = 4;
    while j < args.len() {
        if is(args[j], "count") && j + 1 < args.len() {
            let n = int_arg(args[j + 1])?;
            count = Some(n.max(0) as usize);
            j += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }
    read_coll(ctx, args[1], Kind::Stream, |out, v| {
        let Some(v) = v else {
            out.array(0);
            return Ok(());
        };
        if count == Some(0) {
            out.null_array();
            return Ok(());
        }
        let s = stream_of(v);
        let entries: Vec<EntryRef<'_>> = s
            .range(start, end, rev)
            .take(count.unwrap_or(usize::MAX))
            .collect();
        out.array(entries.len());
        for e in &entries {
            reply_entry(out, e);
        }
        Ok(())
    })
}

/// `XRANGE key start end [COUNT count]`
fn xrange(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    range_generic(ctx, args, false)
}

/// `XREVRANGE key end start [COUNT count]`
fn xrevrange(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    range_generic(ctx, args, true)
}

/// `XLEN key`
fn xlen(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_coll(ctx, args[1], Kind::Stream, |out, v| {
        out.int(v.map_or(0, |v| stream_of(v).length as i64));
        Ok(())
    })
}

/// `XDEL key id [id ...]`
fn xdel(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let key = args[1];
    let written = write_coll(ctx, key, Kind::Stream, false, |o, _| {
        // As Redis: the key and its type first, then every ID before any is deleted.
        let ids = args[2..]
            .iter()
            .map(|a| strict_id(a))
            .collect::<Result<Vec<Id>, CmdError>>()?;
        let s = stream_mut(o);
        let mut n = 0i64;
        for id in &ids {
            if s.delete(*id) {
                n += 1;
            }
        }
        if n > 0 {
            s.deleted();
        }
        Ok((n, n > 0))
    })?;
    let n = written.map_or(0, |w| w.value);
    if n > 0 {
        ctx.notify(STREAM, "xdel", key);
    }
    ctx.out.int(n);
    Ok(())
}

/// `XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]`
fn xsetid(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let id = strict_id(args[2])?;
    let mut entries_added: Option<u64> = None;
    let mut max_deleted = Id::MIN;
    let mut i = 3;
    while i < args.len() {
        let more = i + 1 < args.len();
        if is(args[i], "entriesadded") && more {
            let n = int_arg(args[i + 1])?;
            if n < 0 {
                return Err(CmdError::from_static("ERR entries_added must be positive"));
            }
            entries_added = Some(n as u64);
        } else if is(args[i], "maxdeletedid") && more {
            max_deleted = strict_id(args[i + 1])?;
            if id < max_deleted {
                return Err(CmdError::from_static(
                    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
        } else {
            return Err(error::SYNTAX);
        }
        i += 2;
    }
    let key = args[1];
    let written = write_coll(ctx, key, Kind::Stream, false, |o, _| {
        let s = stream_mut(o);
        // Redis 7.0 checks the ID against the top item only (not the recorded maximal
        // deleted ID: a later version added that check).
        if s.length > 0 {
            if id < s.last_valid_id() {
                return Err(CmdError::from_static(
                    "ERR The ID specified in XSETID is smaller than the target stream top item",
                ));
            }
            if entries_added.is_some_and(|n| s.length > n) {
                return Err(CmdError::from_static(
                    "ERR The entries_added specified in XSETID is smaller than the target stream length",
                ));
            }
        }
        s.last_id = id;
        if let Some(n) = entries_added {
            s.entries_added = n;
        }
        if !max_deleted.is_zero() {
            s.max_deleted = max_deleted;
        }
        // Redis 7.0's XSETID does not signal the key (WATCH and tracking miss it).
        Ok(((), group_changed(true)))
    })?;
    if written.is_none() {
        return Err(NO_SUCH_KEY);
    }
    ctx.notify(STREAM, "xsetid", key);
    ctx.out.ok();
    Ok(())
}

// ------------------------------------------------------------------------------ XREAD

/// What an XREAD or XREADGROUP asks for.
struct ReadArgs<'a> {
    count: usize,
    block: Option<Option<u64>>,
    group: Option<(&'a [u8], &'a [u8])>,
    noack: bool,
    keys: &'a [&'a [u8]],
    ids: &'a [&'a [u8]],
}

/// The BLOCK argument: ms, None for 0 (forever).
fn block_arg(ctx: &Ctx<'_>, arg: &[u8]) -> Result<Option<u64>, CmdError> {
    let ms = resp::number::parse_i64(arg).ok_or(CmdError::from_static(
        "ERR timeout is not an integer or out of range",
    ))?;
    if ms < 0 {
        return Err(CmdError::from_static("ERR timeout is negative"));
    }
    if ms == 0 {
        return Ok(None);
    }
    ctx.now
        .checked_add(ms as u64)
        .filter(|&d| d <= i64::MAX as u64)
        .map(Some)
        .ok_or(CmdError::from_static("ERR timeout is out of range"))
}

fn parse_read<'a>(
    ctx: &Ctx<'_>,
    args: &'a [&'a [u8]],
    xreadgroup: bool,
) -> Result<ReadArgs<'a>, CmdError> {
    let mut r = ReadArgs {
        count: 0,
        block: None,
        group: None,
        noack: false,
        keys: &[],
        ids: &[],
    };
    let mut streams = None;
    let mut i = 1;
    while i < args.len() {
        let more = args.len() - i - 1;
        let o = args[i];
        if is(o, "block") && more > 0 {
            if ctx.in_script() {
                return Err(CmdError::concat(&[
                    b"ERR ",
                    c_str(args[0], 128),
                    b" command is not allowed with BLOCK option from scripts",
                ]));
            }
            i += 1;
            r.block = Some(block_arg(ctx, args[i])?);
        } else if is(o, "count") && more > 0 {
            i += 1;
            r.count = int_arg(args[i])?.max(0) as usize;
        } else if is(o, "streams") && more > 0 {
            let n = args.len() - i - 1;
            if !n.is_multiple_of(2) {
                // Redis 7.0 says XREAD and '$' for XREADGROUP too.
                return Err(CmdError::from_static(
                    "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            streams = Some(i + 1);
            break;
        } else if is(o, "group") && more >= 2 {
            if !xreadgroup {
                return Err(CmdError::from_static(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.group = Some((args[i + 1], args[i + 2]));
            i += 2;
        } else if is(o, "noack") {
            if !xreadgroup {
                return Err(CmdError::from_static(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.noack = true;
        } else {
            return Err(error::SYNTAX);
        }
        i += 1;
    }
    let Some(at) = streams else {
        return Err(error::SYNTAX);
    };
    if xreadgroup && r.group.is_none() {
        return Err(CmdError::from_static(
            "ERR Missing GROUP option for XREADGROUP",
        ));
    }
    let n = (args.len() - at) / 2;
    r.keys = &args[at..at + n];
    r.ids = &args[at + n..];
    Ok(r)
}

/// XREAD and XREADGROUP's key positions: the first half of what follows STREAMS.
fn read_keys(args: &[&[u8]]) -> Vec<usize> {
    let Some(at) = args
        .iter()
        .skip(1)
        .position(|a| is(a, "streams"))
        .map(|p| p + 2)
    else {
        return Vec::new();
    };
    let n = args.len().saturating_sub(at) / 2;
    (at..at + n).collect()
}

/// `XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]`
fn xread(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let r = parse_read(ctx, args, false)?;
    // Resolve the IDs first (`$` is the stream's last ID now), as Redis does, so a type error
    // or a bad ID fails the command before anything is read.
    let mut ids = Vec::with_capacity(r.keys.len());
    for (k, a) in r.keys.iter().zip(r.ids) {
        let last = super::read_key(ctx, k, |_, e| match e {
            None => Ok(None),
            Some(e) if e.kind() == Kind::Stream => Ok(View::of(&e).map(|v| stream_of(v).last_id)),
            Some(_) => Err(error::WRONG_TYPE),
        });
        let last = match last {
            Err(e) if ctx.serving() => {
                let _ = e;
                None
            }
            r => r?,
        };
        if *a == b"$" {
            ids.push(last.unwrap_or(Id::MIN));
        } else if *a == b">" {
            return Err(CmdError::from_static(
                "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
            ));
        } else {
            ids.push(strict_id(a)?);
        }
    }
    let resp3 = ctx.session.resp3;
    let serving = ctx.serving();
    let mut served = 0usize;
    let mark = ctx.out.len();
    let mut body = ReplyBuf::new(resp3);
    for (k, gt) in r.keys.iter().zip(&ids) {
        if !ctx.may_serve(k) {
            continue;
        }
        let count = r.count;
        let got = read_coll(ctx, k, Kind::Stream, |_, v| {
            let Some(v) = v else { return Ok(false) };
            let s = stream_of(v);
            // Served at once when a live entry is newer; a blocked client is served (maybe
            // with no entries) once the last ID passed its own, as Redis serves them.
            let newer = if serving {
                s.last_id > *gt
            } else {
                s.length > 0 && s.last_valid_id() > *gt
            };
            if !newer {
                return Ok(false);
            }
            let Some(start) = gt.next() else {
                return Ok(false);
            };
            let entries: Vec<EntryRef<'_>> = s
                .range(start, Id::MAX, false)
                .take(if count == 0 { usize::MAX } else { count })
                .collect();
            if !resp3 {
                body.array(2);
            }
            body.bulk(k);
            body.array(entries.len());
            for e in &entries {
                reply_entry(&mut body, e);
            }
            Ok(true)
        });
        match got {
            Ok(true) => served += 1,
            Ok(false) => {}
            Err(_) if ctx.serving() => {}
            Err(e) => return Err(e),
        }
    }
    ctx.out.truncate(mark);
    if served > 0 {
        if resp3 {
            ctx.out.map(served);
        } else {
            ctx.out.array(served);
        }
        ctx.out.raw(&body.buf);
        return Ok(());
    }
    match r.block {
        None => {
            ctx.out.null_array();
            Ok(())
        }
        Some(deadline) => {
            // Re-run on wake with the IDs as they are now and Redis's default count of 1000
            // for a blocked read.
            let mut argv: Vec<Vec<u8>> = vec![
                args[0].to_vec(),
                b"BLOCK".to_vec(),
                b"0".to_vec(),
                b"COUNT".to_vec(),
            ];
            argv.push(
                if r.count == 0 { 1000 } else { r.count }
                    .to_string()
                    .into_bytes(),
            );
            argv.push(b"STREAMS".to_vec());
            argv.extend(r.keys.iter().map(|k| k.to_vec()));
            argv.extend(ids.iter().map(|i| i.text()));
            ctx.block(BlockRequest {
                keys: r.keys.iter().map(|k| k.to_vec()).collect(),
                deadline,
                null_bulk: false,
                rewritten: Some(argv),
            })
        }
    }
}

fn nogroup_read(key: &[u8], group: &[u8]) -> CmdError {
    CmdError::concat(&[
        b"NOGROUP No such key '",
        c_str(key, usize::MAX),
        b"' or consumer group '",
        c_str(group, usize::MAX),
        b"' in XREADGROUP with GROUP option",
    ])
}

/// Records of what a consumer-group read or claim changed, for replicas and the AOF, encoded
/// as they are made (nothing is built when the command is not being recorded).
struct GroupRecords {
    on: bool,
    count: usize,
    buf: Vec<u8>,
}

impl Default for GroupRecords {
    fn default() -> GroupRecords {
        GroupRecords {
            on: crate::propagate::recording(),
            count: 0,
            buf: Vec::new(),
        }
    }
}

impl GroupRecords {
    fn push(&mut self, argv: &[&[u8]]) {
        crate::propagate::encode(&mut self.buf, argv);
    }

    /// Counts one record; false when it need not be built.
    fn wanted(&mut self) -> bool {
        self.count += 1;
        self.on
    }

    fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn xclaim(&mut self, key: &[u8], group: &[u8], g: &Group, id: Id) {
        if let Some(n) = g.pel.get(&id) {
            self.xclaim_gone(key, group, g, id, n);
        }
    }

    /// The XCLAIM Redis propagates for pending entry `id` (also for one whose message is
    /// gone: the replica deletes it).
    fn xclaim_gone(
        &mut self,
        key: &[u8],
        group: &[u8],
        g: &Group,
        id: Id,
        n: &crate::types::stream::Nack,
    ) {
        if !self.wanted() {
            return;
        }
        let mut time = itoa::Buffer::new();
        let mut retry = itoa::Buffer::new();
        self.push(&[
            b"XCLAIM",
            key,
            group,
            &n.consumer,
            b"0",
            &id.text(),
            b"TIME",
            time.format(n.delivery_time).as_bytes(),
            b"RETRYCOUNT",
            retry.format(n.delivery_count).as_bytes(),
            b"FORCE",
            b"JUSTID",
            b"LASTID",
            &g.last_id.text(),
        ]);
    }

    fn setid(&mut self, key: &[u8], group: &[u8], g: &Group) {
        if !self.wanted() {
            return;
        }
        let mut read = itoa::Buffer::new();
        self.push(&[
            b"XGROUP",
            b"SETID",
            key,
            group,
            &g.last_id.text(),
            b"ENTRIESREAD",
            read.format(g.entries_read).as_bytes(),
        ]);
    }

    fn createconsumer(&mut self, key: &[u8], group: &[u8], consumer: &[u8]) {
        if !self.wanted() {
            return;
        }
        self.push(&[b"XGROUP", b"CREATECONSUMER", key, group, consumer]);
    }

    /// Replaces the command's record by these (none: nothing is logged; several: one
    /// MULTI/EXEC block).
    fn replace(self) {
        if self.on {
            crate::propagate::replace_encoded(self.count, &self.buf);
        }
    }
}

/// `XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key
/// [key ...] id [id ...]`
fn xreadgroup(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let r = parse_read(ctx, args, true)?;
    let (gname, cname) = r.group.expect("checked");
    let serving = ctx.serving();
    // Check every key and group and parse the IDs before serving any.
    let mut ids: Vec<Option<Id>> = Vec::with_capacity(r.keys.len());
    for (k, a) in r.keys.iter().zip(r.ids) {
        let state = super::read_key(ctx, k, |_, e| match e {
            None => Err(0u8),
            Some(e) if e.kind() != Kind::Stream => Err(1),
            Some(e) => {
                let v = View::of(&e).expect("a stream");
                if stream_of(v).groups.contains_key(gname) {
                    Ok(())
                } else {
                    Err(2)
                }
            }
        });
        match state {
            Ok(()) => {}
            Err(0 | 1) if serving => {
                return Err(CmdError::from_static(
                    "UNBLOCKED the stream key no longer exists",
                ))
            }
            Err(2) if serving => {
                return Err(CmdError::from_static(
                    "NOGROUP the consumer group this client was blocked on no longer exists",
                ))
            }
            Err(1) => return Err(error::WRONG_TYPE),
            Err(_) => return Err(nogroup_read(k, gname)),
        }
        if *a == b"$" {
            return Err(CmdError::from_static(
                "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
            ));
        } else if *a == b">" {
            ids.push(None);
        } else {
            ids.push(Some(strict_id(a)?));
        }
    }
    let resp3 = ctx.session.resp3;
    let now = ctx.base_time();
    let mut served = 0usize;
    let mut body = ReplyBuf::new(resp3);
    let mut created: Vec<&[u8]> = Vec::new();
    for (k, id) in r.keys.iter().zip(&ids) {
        if !ctx.may_serve(k) {
            continue;
        }
        let count = if r.count == 0 { usize::MAX } else { r.count };
        let noack = r.noack;
        let written = write_coll(ctx, k, Kind::Stream, false, |o, _| {
            let s = stream_mut(o);
            let Some(mut g) = s.groups.remove(gname) else {
                return Ok(((false, false), false));
            };
            let serve = match id {
                Some(_) => true,
                None if serving => s.last_id > g.last_id,
                None => s.length > 0 && s.last_valid_id() > g.last_id,
            };
            if !serve {
                s.groups.insert(gname.to_vec().into_boxed_slice(), g);
                return Ok(((false, false), false));
            }
            // The consumer is created (and seen) only when it is served, as in Redis.
            let (consumer, new) = g.consumer(cname, now);
            if let Some(c) = g.consumers.get_mut(&consumer) {
                c.seen_time = now;
            }
            let mut rec = GroupRecords::default();
            if new {
                rec.createconsumer(k, gname, cname);
            }
            match id {
                Some(start) => {
                    // The consumer's own history after `start` (Redis reads from the ID
                    // following the one given, as XREAD does).
                    if !resp3 {
                        body.array(2);
                    }
                    body.bulk(k);
                    let after = (
                        std::ops::Bound::Excluded(*start),
                        std::ops::Bound::Unbounded,
                    );
                    let pending: Vec<Id> = g.consumers[&consumer]
                        .pel
                        .range(after)
                        .take(count)
                        .copied()
                        .collect();
                    body.array(pending.len());
                    for pid in pending {
                        match s.get(pid) {
                            Some(e) => {
                                reply_entry(&mut body, &e);
                                if let Some(n) = g.pel.get_mut(&pid) {
                                    n.delivery_time = now;
                                    n.delivery_count += 1;
                                }
                            }
                            None => {
                                body.array(2);
                                bulk_id(&mut body, pid);
                                body.null_array();
                            }
                        }
                    }
                }
                None => {
                    if !resp3 {
                        body.array(2);
                    }
                    body.bulk(k);
                    let start = g.last_id.next().unwrap_or(Id::MAX);
                    let entries: Vec<EntryRef<'_>> =
                        s.range(start, Id::MAX, false).take(count).collect();
                    body.array(entries.len());
                    let mut delivered = Vec::with_capacity(entries.len());
                    for e in &entries {
                        reply_entry(&mut body, e);
                        delivered.push(e.id);
                    }
                    let advanced = !delivered.is_empty();
                    for id in delivered {
                        s.advance_group(&mut g, id);
                        if !noack {
                            g.deliver(id, &consumer, now);
                            rec.xclaim(k, gname, &g, id);
                        }
                    }
                    if advanced {
                        rec.setid(k, gname, &g);
                    }
                }
            }
            s.groups.insert(gname.to_vec().into_boxed_slice(), g);
            let dirty = group_changed(true);
            rec.replace();
            Ok(((serve, new), dirty))
        })?;
        if let Some(w) = written {
            let (serve, new) = w.value;
            if new {
                created.push(k);
            }
            if serve {
                served += 1;
            }
        }
    }
    for k in created {
        ctx.notify(STREAM, "xgroup-createconsumer", k);
    }
    if served > 0 {
        if resp3 {
            ctx.out.map(served);
        } else {
            ctx.out.array(served);
        }
        ctx.out.raw(&body.buf);
        return Ok(());
    }
    match r.block {
        None => {
            ctx.out.null_array();
            Ok(())
        }
        Some(deadline) => {
            let mut argv: Vec<Vec<u8>> = vec![
                args[0].to_vec(),
                b"GROUP".to_vec(),
                gname.to_vec(),
                cname.to_vec(),
                b"BLOCK".to_vec(),
                b"0".to_vec(),
                b"COUNT".to_vec(),
                if r.count == 0 { 1000 } else { r.count }
                    .to_string()
                    .into_bytes(),
            ];
            if r.noack {
                argv.push(b"NOACK".to_vec());
            }
            argv.push(b"STREAMS".to_vec());
            argv.extend(r.keys.iter().map(|k| k.to_vec()));
            argv.extend(r.ids.iter().map(|i| i.to_vec()));
            ctx.block(BlockRequest {
                keys: r.keys.iter().map(|k| k.to_vec()).collect(),
                deadline,
                null_bulk: false,
                rewritten: Some(argv),
            })
        }
    }
}

// ------------------------------------------------------------------------------ groups

fn nogroup(key: &[u8], group: &[u8]) -> CmdError {
    CmdError::concat(&[
        b"NOGROUP No such key '",
        c_str(key, usize::MAX),
        b"' or consumer group '",
        c_str(group, usize::MAX),
        b"'",
    ])
}

fn nogroup_for_key(key: &[u8], group: &[u8]) -> CmdError {
    CmdError::concat(&[
        b"NOGROUP No such consumer group '",
        c_str(group, usize::MAX),
        b"' for key name '",
        c_str(key, usize::MAX),
        b"'",
    ])
}

fn subcommand_syntax(args: &[&[u8]], container: &str) -> CmdError {
    CmdError::concat(&[
        b"ERR unknown subcommand or wrong number of arguments for '",
        c_str(args[1], 128),
        b"'. Try ",
        container.as_bytes(),
        b" HELP.",
    ])
}

const KEY_REQUIRED: CmdError = CmdError::from_static(
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
);

/// ENTRIESREAD's value.
fn entries_read_arg(arg: &[u8]) -> Result<i64, CmdError> {
    let n = int_arg(arg)?;
    if n < 0 && n != INVALID_READ {
        return Err(CmdError::from_static(
            "ERR value for ENTRIESREAD must be positive or -1",
        ));
    }
    Ok(n)
}

/// `XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]`
fn xgroup_create(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if args.len() > 8 {
        return Err(subcommand_syntax(args, "XGROUP"));
    }
    let mut mkstream = false;
    let mut entries_read = INVALID_READ;
    let mut i = 5;
    while i < args.len() {
        if is(args[i], "mkstream") {
            mkstream = true;
            i += 1;
        } else if is(args[i], "entriesread") && i + 1 < args.len() {
            entries_read = entries_read_arg(args[i + 1])?;
            i += 2;
        } else {
            return Err(subcommand_syntax(args, "XGROUP"));
        }
    }
    let (key, gname) = (args[2], args[3]);
    let id_arg = args[4];
    let written = write_coll(ctx, key, Kind::Stream, mkstream, |o, _| {
        let fresh = matches!(o, Open::Packed(_));
        let last = if fresh {
            Id::MIN
        } else {
            stream_mut(o).last_id
        };
        let id = if id_arg == b"$" {
            last
        } else {
            strict_id(id_arg)?
        };
        let s = stream_mut(o);
        if s.groups.contains_key(gname) {
            return Err(CmdError::from_static(
                "BUSYGROUP Consumer Group name already exists",
            ));
        }
        s.groups.insert(
            gname.to_vec().into_boxed_slice(),
            Group::new(id, entries_read),
        );
        // A key MKSTREAM made is stored (and signalled); a group added to an existing
        // stream is not a modification of the key for WATCH, as in Redis.
        Ok(((), fresh || group_changed(true)))
    })?;
    if written.is_none() {
        return Err(KEY_REQUIRED);
    }
    ctx.notify(STREAM, "xgroup-create", key);
    ctx.out.ok();
    Ok(())
}

/// Runs `f` on group `gname` of the stream at `key` (which must exist), with XGROUP's errors.
fn with_group<R>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    gname: &[u8],
    f: impl FnOnce(&mut Stream, &mut Group) -> Result<(R, bool), CmdError>,
) -> Result<R, CmdError> {
    let written = write_coll(ctx, key, Kind::Stream, false, |o, _| {
        let s = stream_mut(o);
        let Some(mut g) = s.groups.remove(gname) else {
            return Err(nogroup_for_key(key, gname));
        };
        let r = f(s, &mut g);
        s.groups.insert(gname.to_vec().into_boxed_slice(), g);
        r.map(|(v, changed)| (v, group_changed(changed)))
    })?;
    written.map(|w| w.value).ok_or(KEY_REQUIRED)
}

/// `XGROUP SETID key group id|$ [ENTRIESREAD entries-read]`
fn xgroup_setid(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let mut entries_read = INVALID_READ;
    match args.len() {
        5 => {}
        7 if is(args[5], "entriesread") => entries_read = entries_read_arg(args[6])?,
        _ => return Err(subcommand_syntax(args, "XGROUP")),
    }
    let (key, gname, id_arg) = (args[2], args[3], args[4]);
    with_group(ctx, key, gname, |s, g| {
        let id = if id_arg == b"$" {
            s.last_id
        } else {
            parse_id(id_arg, 0, false, false).ok_or(INVALID_ID)?.id
        };
        g.last_id = id;
        g.entries_read = entries_read;
        Ok(((), true))
    })?;
    ctx.notify(STREAM, "xgroup-setid", key);
    ctx.out.ok();
    Ok(())
}

/// `XGROUP DESTROY key group`
fn xgroup_destroy(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (key, gname) = (args[2], args[3]);
    let written = write_coll(ctx, key, Kind::Stream, false, |o, _| {
        let s = stream_mut(o);
        let gone = s.groups.remove(gname).is_some();
        Ok((gone, group_changed(gone)))
    })?;
    let Some(w) = written else {
        return Err(KEY_REQUIRED);
    };
    if w.value {
        // Clients blocked in XREADGROUP on this group get -NOGROUP.
        ctx.ks().blocking.signal(ctx.db(), key);
        ctx.notify(STREAM, "xgroup-destroy", key);
    }
    ctx.out.int(i64::from(w.value));
    Ok(())
}

/// `XGROUP CREATECONSUMER key group consumer`
fn xgroup_createconsumer(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (key, gname, cname) = (args[2], args[3], args[4]);
    let now = ctx.base_time();
    let new = with_group(ctx, key, gname, |_, g| {
        let (_, new) = g.consumer(cname, now);
        Ok((new, new))
    })?;
    if new {
        ctx.notify(STREAM, "xgroup-createconsumer", key);
    }
    ctx.out.int(i64::from(new));
    Ok(())
}

/// `XGROUP DELCONSUMER key group consumer`
fn xgroup_delconsumer(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (key, gname, cname) = (args[2], args[3], args[4]);
    let pending = with_group(ctx, key, gname, |_, g| {
        let p = g.delete_consumer(cname);
        Ok((p, p.is_some()))
    })?;
    if pending.is_some() {
        ctx.notify(STREAM, "xgroup-delconsumer", key);
    }
    ctx.out.int(pending.unwrap_or(0) as i64);
    Ok(())
}

/// `XGROUP HELP`
fn xgroup_help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    help_reply(
        ctx,
        "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "CREATE <key> <groupname> <id|$> [option]",
            "    Create a new consumer group. Options are:",
            "    * MKSTREAM",
            "      Create the empty stream if it does not exist.",
            "    * ENTRIESREAD entries_read",
            "      Set the group's entries_read counter (internal use).",
            "CREATECONSUMER <key> <groupname> <consumer>",
            "    Create a new consumer in the specified group.",
            "DELCONSUMER <key> <groupname> <consumer>",
            "    Remove the specified consumer.",
            "DESTROY <key> <groupname>",
            "    Remove the specified group.",
            "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
            "    Set the current group ID and entries_read counter.",
        ],
    );
    Ok(())
}

/// `XACK key group id [id ...]`
fn xack(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (key, gname) = (args[1], args[2]);
    // As Redis: a type error first; no key or no group acks nothing, whatever the IDs; then
    // every ID is checked before any is acknowledged.
    let group = read_coll(ctx, key, Kind::Stream, |_, v| {
        Ok(v.is_some_and(|v| stream_of(v).groups.contains_key(gname)))
    })?;
    if !group {
        ctx.out.int(0);
        return Ok(());
    }
    let ids = args[3..]
        .iter()
        .map(|a| strict_id(a))
        .collect::<Result<Vec<Id>, CmdError>>()?;
    let written = write_coll(ctx, key, Kind::Stream, false, |o, _| {
        let s = stream_mut(o);
        let Some(g) = s.groups.get_mut(gname) else {
            return Ok((0, false));
        };
        let n = ids.iter().filter(|id| g.ack(**id)).count() as i64;
        Ok((n, group_changed(n > 0)))
    })?;
    ctx.out.int(written.map_or(0, |w| w.value));
    Ok(())
}

/// `XPENDING key group [[IDLE min-idle-time] start end count [consumer]]`
fn xpending(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if args.len() != 3 && !(6..=9).contains(&args.len()) {
        return Err(error::SYNTAX);
    }
    let (key, gname) = (args[1], args[2]);
    let mut extended = None;
    if args.len() >= 6 {
        let mut at = 3;
        let mut minidle = 0i64;
        if is(args[3], "idle") {
            minidle = int_arg(args[4])?;
            if args.len() < 8 {
                return Err(error::SYNTAX);
            }
            at += 2;
        }
        let count = int_arg(args[at + 2])?.max(0) as usize;
        let start = start_bound(args[at])?;
        let end = end_bound(args[at + 1])?;
        // Redis ignores what follows the consumer.
        let consumer = args.get(at + 3).copied();
        extended = Some((minidle, start, end, count, consumer));
    }
    let now = ctx.base_time();
    read_coll(ctx, key, Kind::Stream, |out, v| {
        let g = v.and_then(|v| stream_of(v).groups.get(gname));
        let Some(g) = g else {
            return Err(nogroup(key, gname));
        };
        match extended {
            None => {
                out.array(4);
                out.int(g.pel.len() as i64);
                if g.pel.is_empty() {
                    out.null();
                    out.null();
                    out.null_array();
                    return Ok(());
                }
                bulk_id(out, *g.pel.keys().next().expect("non-empty"));
                bulk_id(out, *g.pel.keys().next_back().expect("non-empty"));
                let busy: Vec<_> = g
                    .consumers
                    .iter()
                    .filter(|(_, c)| !c.pel.is_empty())
                    .collect();
                out.array(busy.len());
                for (name, c) in busy {
                    out.array(2);
                    out.bulk(name);
                    out.bulk_i64(c.pel.len() as i64);
                }
            }
            Some((minidle, start, end, count, consumer)) => {
                let ids: Vec<Id> = match consumer {
                    Some(c) => match g.consumers.get(c) {
                        None => {
                            out.array(0);
                            return Ok(());
                        }
                        Some(c) => c
                            .pel
                            .range(start..)
                            .copied()
                            .take_while(|i| *i <= end)
                            .collect(),
                    },
                    None => g
                        .pel
                        .range(start..)
                        .map(|(i, _)| *i)
                        .take_while(|i| *i <= end)
                        .collect(),
                };
                let mut rows = Vec::new();
                for id in ids {
                    if rows.len() >= count {
                        break;
                    }
                    let n = &g.pel[&id];
                    let idle = now as i64 - n.delivery_time as i64;
                    if minidle != 0 && idle < minidle {
                        continue;
                    }
                    rows.push((id, n));
                }
                out.array(rows.len());
                for (id, n) in rows {
                    out.array(4);
                    bulk_id(out, id);
                    out.bulk(&n.consumer);
                    out.int((now as i64 - n.delivery_time as i64).max(0));
                    out.int(n.delivery_count as i64);
                }
            }
        }
        Ok(())
    })
}

/// `XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-ms]
/// [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]`
fn xclaim(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (key, gname, cname) = (args[1], args[2], args[3]);
    let exists = read_coll(ctx, key, Kind::Stream, |_, v| {
        Ok(v.is_some_and(|v| stream_of(v).groups.contains_key(gname)))
    })?;
    if !exists {
        return Err(nogroup(key, gname));
    }
    let minidle = resp::number::parse_i64(args[4])
        .ok_or(CmdError::from_static(
            "ERR Invalid min-idle-time argument for XCLAIM",
        ))?
        .max(0);
    let mut ids = Vec::new();
    let mut j = 5;
    while j < args.len() {
        match parse_id(args[j], 0, true, false) {
            Some(p) => ids.push(p.id),
            None => break,
        }
        j += 1;
    }
    let now = ctx.base_time() as i64;
    let (mut force, mut justid) = (false, false);
    let mut retrycount: Option<i64> = None;
    let mut delivery: Option<i64> = None;
    let mut last_id = Id::MIN;
    while j < args.len() {
        let more = j + 1 < args.len();
        let opt = args[j];
        let num = |a: &[u8], what: &'static str| {
            resp::number::parse_i64(a).ok_or(CmdError::from_static(what))
        };
        if is(opt, "force") {
            force = true;
        } else if is(opt, "justid") {
            justid = true;
        } else if is(opt, "idle") && more {
            j += 1;
            delivery = Some(now - num(args[j], "ERR Invalid IDLE option argument for XCLAIM")?);
        } else if is(opt, "time") && more {
            j += 1;
            delivery = Some(num(args[j], "ERR Invalid TIME option argument for XCLAIM")?);
        } else if is(opt, "retrycount") && more {
            j += 1;
            retrycount = Some(num(
                args[j],
                "ERR Invalid RETRYCOUNT option argument for XCLAIM",
            )?);
        } else if is(opt, "lastid") && more {
            j += 1;
            last_id = strict_id(args[j])?;
        } else {
            return Err(CmdError::concat(&[
                b"ERR Unrecognized XCLAIM option '",
                c_str(opt, usize::MAX),
                b"'",
            ]));
        }
        j += 1;
    }
    let delivery = match delivery {
        Some(d) if (0..=now).contains(&d) => d as u64,
        _ => now as u64,
    };
    let resp3 = ctx.session.resp3;
    let mut body = ReplyBuf::new(resp3);
    let mut created = false;
    let written = write_coll(ctx, key, Kind::Stream, false, |o, _| {
        let s = stream_mut(o);
        let Some(mut g) = s.groups.remove(gname) else {
            return Err(nogroup(key, gname));
        };
        let mut rec = GroupRecords::default();
        let mut dirty = false;
        let mut propagate_last = false;
        if last_id > g.last_id {
            g.last_id = last_id;
            propagate_last = true;
            dirty = true;
        }
        let mut consumer: Option<Arc<[u8]>> = None;
        let mut n = 0usize;
        for id in &ids {
            let id = *id;
            if s.get(id).is_none() {
                if let Some(nack) = g.pel.get(&id).cloned() {
                    rec.xclaim_gone(key, gname, &g, id, &nack);
                    propagate_last = false;
                    g.ack(id);
                    dirty = true;
                }
                continue;
            }
            let fresh = force && !g.pel.contains_key(&id);
            if fresh {
                g.pel.insert(
                    id,
                    crate::types::stream::Nack {
                        delivery_time: 0,
                        // streamCreateNACK starts the count at 1; the claim below adds one.
                        delivery_count: 1,
                        consumer: Arc::from(&b""[..]),
                    },
                );
            }
            let Some(nack) = g.pel.get(&id) else { continue };
            if !fresh && minidle > 0 && (now - nack.delivery_time as i64) < minidle {
                continue;
            }
            let c = match &consumer {
                Some(c) => c.clone(),
                None => {
                    let (c, new) = g.consumer(cname, now as u64);
                    created |= new;
                    if let Some(x) = g.consumers.get_mut(&c) {
                        x.seen_time = now as u64;
                    }
                    consumer = Some(c.clone());
                    c
                }
            };
            g.reassign(id, &c);
            if let Some(nack) = g.pel.get_mut(&id) {
                nack.delivery_time = delivery;
                match retrycount {
                    Some(r) if r >= 0 => nack.delivery_count = r as u64,
                    _ if !justid => nack.delivery_count += 1,
                    _ => {}
                }
            }
            if justid {
                bulk_id(&mut body, id);
            } else {
                match s.get(id) {
                    Some(e) => reply_entry(&mut body, &e),
                    None => body.null(),
                }
            }
            n += 1;
            rec.xclaim(key, gname, &g, id);
            propagate_last = false;
            dirty = true;
        }
        if propagate_last {
            rec.setid(key, gname, &g);
        }
        s.groups.insert(gname.to_vec().into_boxed_slice(), g);
        rec.replace();
        Ok((n, group_changed(dirty)))
    })?;
    if created {
        ctx.notify(STREAM, "xgroup-createconsumer", key);
    }
    let n = written.map_or(0, |w| w.value);
    ctx.out.array(n);
    ctx.out.raw(&body.buf);
    Ok(())
}

/// `XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]`
fn xautoclaim(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (key, gname, cname) = (args[1], args[2], args[3]);
    let minidle = resp::number::parse_i64(args[4])
        .ok_or(CmdError::from_static(
            "ERR Invalid min-idle-time argument for XAUTOCLAIM",
        ))?
        .max(0);
    let start = start_bound(args[5])?;
    let mut count = 100usize;
    let mut justid = false;
    let mut j = 6;
    while j < args.len() {
        let more = j + 1 < args.len();
        if is(args[j], "count") && more {
            let max = i64::MAX / 16;
            let n = resp::number::parse_i64(args[j + 1])
                .filter(|n| (1..=max).contains(n))
                .ok_or(CmdError::from_static("ERR COUNT must be > 0"))?;
            count = n as usize;
            j += 1;
        } else if is(args[j], "justid") {
            justid = true;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    let exists = read_coll(ctx, key, Kind::Stream, |_, v| {
        Ok(v.is_some_and(|v| stream_of(v).groups.contains_key(gname)))
    })?;
    if !exists {
        return Err(nogroup(key, gname));
    }
    let now = ctx.base_time();
    let resp3 = ctx.session.resp3;
    let mut body = ReplyBuf::new(resp3);
    let mut created = false;
    let written = write_coll(ctx, key, Kind::Stream, false, |o, _| {
        let s = stream_mut(o);
        let Some(mut g) = s.groups.remove(gname) else {
            return Err(nogroup(key, gname));
        };
        let mut rec = GroupRecords::default();
        let mut attempts = count.saturating_mul(10);
        let mut left = count;
        let mut cursor = Some(start);
        let mut claimed = 0usize;
        let mut deleted = Vec::new();
        let mut consumer: Option<Arc<[u8]>> = None;
        while attempts > 0 && left > 0 {
            attempts -= 1;
            let Some(from) = cursor else { break };
            let Some(id) = g.pel.range(from..).next().map(|(i, _)| *i) else {
                cursor = None;
                break;
            };
            cursor = id.next();
            if s.get(id).is_none() {
                if let Some(nack) = g.pel.get(&id).cloned() {
                    rec.xclaim_gone(key, gname, &g, id, &nack);
                }
                g.ack(id);
                deleted.push(id);
                left -= 1;
                continue;
            }
            let idle = now as i64 - g.pel[&id].delivery_time as i64;
            if minidle > 0 && idle < minidle {
                continue;
            }
            let c = match &consumer {
                Some(c) => c.clone(),
                None => {
                    let (c, new) = g.consumer(cname, now);
                    created |= new;
                    if let Some(x) = g.consumers.get_mut(&c) {
                        x.seen_time = now;
                    }
                    consumer = Some(c.clone());
                    c
                }
            };
            g.reassign(id, &c);
            if let Some(nack) = g.pel.get_mut(&id) {
                nack.delivery_time = now;
                if !justid {
                    nack.delivery_count += 1;
                }
            }
            if justid {
                bulk_id(&mut body, id);
            } else if let Some(e) = s.get(id) {
                reply_entry(&mut body, &e);
            }
            claimed += 1;
            left -= 1;
            rec.xclaim(key, gname, &g, id);
        }
        let next = cursor
            .and_then(|c| g.pel.range(c..).next().map(|(i, _)| *i))
            .unwrap_or(Id::MIN);
        let dirty = group_changed(!rec.is_empty());
        s.groups.insert(gname.to_vec().into_boxed_slice(), g);
        rec.replace();
        Ok(((next, claimed, deleted), dirty))
    })?;
    if created {
        ctx.notify(STREAM, "xgroup-createconsumer", key);
    }
    let (next, claimed, deleted) = written.map(|w| w.value).unwrap_or_default();
    ctx.out.array(3);
    bulk_id(ctx.out, next);
    ctx.out.array(claimed);
    ctx.out.raw(&body.buf);
    ctx.out.array(deleted.len());
    for id in deleted {
        bulk_id(ctx.out, id);
    }
    Ok(())
}

// ------------------------------------------------------------------------------ XINFO

/// Writes a map of `n` pairs (a flat array under RESP2).
fn map(out: &mut ReplyBuf, n: usize) {
    out.map(n);
}

fn reply_lag(out: &mut ReplyBuf, s: &Stream, g: &Group) {
    match s.lag(g) {
        Some(l) => out.int(l),
        None => out.null(),
    }
}

fn reply_entries_read(out: &mut ReplyBuf, g: &Group) {
    if g.entries_read != INVALID_READ {
        out.int(g.entries_read);
    } else {
        out.null();
    }
}

/// `XINFO STREAM key [FULL [COUNT count]]`
fn xinfo_stream(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let mut full = false;
    let mut count: usize = 10;
    if args.len() > 3 {
        if args.len() > 6 || !is(args[3], "full") {
            return Err(subcommand_syntax(args, "XINFO"));
        }
        full = true;
        if args.len() > 4 {
            if args.len() != 6 || !is(args[4], "count") {
                return Err(subcommand_syntax(args, "XINFO"));
            }
            let n = int_arg(args[5])?;
            count = if n < 0 { 10 } else { n as usize };
        }
    }
    let limit = if count == 0 { usize::MAX } else { count };
    let now = ctx.base_time();
    read_coll(ctx, args[2], Kind::Stream, |out, v| {
        let Some(v) = v else { return Err(NO_SUCH_KEY) };
        let s = stream_of(v);
        map(out, if full { 9 } else { 10 });
        out.bulk(b"length");
        out.int(s.length as i64);
        out.bulk(b"radix-tree-keys");
        out.int(s.node_count() as i64);
        out.bulk(b"radix-tree-nodes");
        out.int(s.rax_nodes() as i64);
        out.bulk(b"last-generated-id");
        bulk_id(out, s.last_id);
        out.bulk(b"max-deleted-entry-id");
        bulk_id(out, s.max_deleted);
        out.bulk(b"entries-added");
        out.int(s.entries_added as i64);
        out.bulk(b"recorded-first-entry-id");
        bulk_id(out, s.first_id);
        if !full {
            out.bulk(b"groups");
            out.int(s.groups.len() as i64);
            out.bulk(b"first-entry");
            match s.range(Id::MIN, Id::MAX, false).next() {
                Some(e) => reply_entry(out, &e),
                None => out.null(),
            }
            out.bulk(b"last-entry");
            match s.last_entry() {
                Some(e) => reply_entry(out, &e),
                None => out.null(),
            }
            return Ok(());
        }
        out.bulk(b"entries");
        let entries: Vec<EntryRef<'_>> = s.range(Id::MIN, Id::MAX, false).take(limit).collect();
        out.array(entries.len());
        for e in &entries {
            reply_entry(out, e);
        }
        out.bulk(b"groups");
        out.array(s.groups.len());
        for (name, g) in &s.groups {
            map(out, 7);
            out.bulk(b"name");
            out.bulk(name);
            out.bulk(b"last-delivered-id");
            bulk_id(out, g.last_id);
            out.bulk(b"entries-read");
            reply_entries_read(out, g);
            out.bulk(b"lag");
            reply_lag(out, s, g);
            out.bulk(b"pel-count");
            out.int(g.pel.len() as i64);
            out.bulk(b"pending");
            let pel: Vec<_> = g.pel.iter().take(limit).collect();
            out.array(pel.len());
            for (id, n) in pel {
                out.array(4);
                bulk_id(out, *id);
                out.bulk(&n.consumer);
                out.int(n.delivery_time as i64);
                out.int(n.delivery_count as i64);
            }
            out.bulk(b"consumers");
            out.array(g.consumers.len());
            for (cname, c) in &g.consumers {
                map(out, 4);
                out.bulk(b"name");
                out.bulk(cname);
                out.bulk(b"seen-time");
                out.int(c.seen_time as i64);
                out.bulk(b"pel-count");
                out.int(c.pel.len() as i64);
                out.bulk(b"pending");
                let pel: Vec<_> = c.pel.iter().take(limit).collect();
                out.array(pel.len());
                for id in pel {
                    let n = &g.pel[id];
                    out.array(3);
                    bulk_id(out, *id);
                    out.int(n.delivery_time as i64);
                    out.int(n.delivery_count as i64);
                }
            }
        }
        let _ = now;
        Ok(())
    })
}

/// `XINFO GROUPS key`
fn xinfo_groups(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_coll(ctx, args[2], Kind::Stream, |out, v| {
        let Some(v) = v else { return Err(NO_SUCH_KEY) };
        let s = stream_of(v);
        out.array(s.groups.len());
        for (name, g) in &s.groups {
            map(out, 6);
            out.bulk(b"name");
            out.bulk(name);
            out.bulk(b"consumers");
            out.int(g.consumers.len() as i64);
            out.bulk(b"pending");
            out.int(g.pel.len() as i64);
            out.bulk(b"last-delivered-id");
            bulk_id(out, g.last_id);
            out.bulk(b"entries-read");
            reply_entries_read(out, g);
            out.bulk(b"lag");
            reply_lag(out, s, g);
        }
        Ok(())
    })
}

/// `XINFO CONSUMERS key group`
fn xinfo_consumers(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let (key, gname) = (args[2], args[3]);
    let now = ctx.base_time();
    read_coll(ctx, key, Kind::Stream, |out, v| {
        let Some(v) = v else { return Err(NO_SUCH_KEY) };
        let s = stream_of(v);
        let Some(g) = s.groups.get(gname) else {
            return Err(nogroup_for_key(key, gname));
        };
        out.array(g.consumers.len());
        for (name, c) in &g.consumers {
            map(out, 3);
            out.bulk(b"name");
            out.bulk(name);
            out.bulk(b"pending");
            out.int(c.pel.len() as i64);
            out.bulk(b"idle");
            out.int((now as i64 - c.seen_time as i64).max(0));
        }
        Ok(())
    })
}

/// `XINFO HELP`
fn xinfo_help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    help_reply(
        ctx,
        "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "CONSUMERS <key> <groupname>",
            "    Show consumers of <groupname>.",
            "GROUPS <key>",
            "    Show the stream consumer groups.",
            "STREAM <key> [FULL [COUNT <count>]",
            "    Show information about the stream.",
        ],
    );
    Ok(())
}

#[rustfmt::skip]
const XGROUP_SUBCOMMANDS: &[Command] = &[
    cmd!("create", -5, WRITE | DENYOOM, 2, 2, 1, ["stream"], xgroup_create),
    cmd!("setid", -5, WRITE, 2, 2, 1, ["stream"], xgroup_setid),
    cmd!("destroy", 4, WRITE, 2, 2, 1, ["stream"], xgroup_destroy),
    cmd!("createconsumer", 5, WRITE | DENYOOM, 2, 2, 1, ["stream"], xgroup_createconsumer),
    cmd!("delconsumer", 5, WRITE, 2, 2, 1, ["stream"], xgroup_delconsumer),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, ["stream"], xgroup_help),
];

#[rustfmt::skip]
const XINFO_SUBCOMMANDS: &[Command] = &[
    cmd!("stream", -3, READONLY, 2, 2, 1, ["stream"], xinfo_stream),
    cmd!("groups", 3, READONLY, 2, 2, 1, ["stream"], xinfo_groups),
    cmd!("consumers", 4, READONLY, 2, 2, 1, ["stream"], xinfo_consumers),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, ["stream"], xinfo_help),
];

/// The stream family's rows.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    cmd!("xadd", -5, WRITE | DENYOOM | FAST, 1, 1, 1, ["stream"], xadd),
    cmd!("xrange", -4, READONLY, 1, 1, 1, ["stream"], xrange),
    cmd!("xrevrange", -4, READONLY, 1, 1, 1, ["stream"], xrevrange),
    cmd!("xlen", 2, READONLY | FAST, 1, 1, 1, ["stream"], xlen),
    cmd!("xdel", -3, WRITE | FAST, 1, 1, 1, ["stream"], xdel),
    cmd!("xtrim", -4, WRITE, 1, 1, 1, ["stream"], xtrim),
    cmd!("xsetid", -3, WRITE | DENYOOM | FAST, 1, 1, 1, ["stream"], xsetid),
    Command { getkeys: Some(read_keys), ..cmd!("xread", -4, READONLY | BLOCKING | MOVABLE_KEYS, 0, 0, 0, ["stream"], xread) },
    Command { getkeys: Some(read_keys), ..cmd!("xreadgroup", -7, WRITE | BLOCKING | MOVABLE_KEYS, 0, 0, 0, ["stream"], xreadgroup) },
    cmd!("xack", -4, WRITE | FAST, 1, 1, 1, ["stream"], xack),
    cmd!("xpending", -3, READONLY, 1, 1, 1, ["stream"], xpending),
    cmd!("xclaim", -6, WRITE | FAST, 1, 1, 1, ["stream"], xclaim),
    cmd!("xautoclaim", -6, WRITE | FAST, 1, 1, 1, ["stream"], xautoclaim),
    Command { subcommands: XGROUP_SUBCOMMANDS, ..cmd!("xgroup", -2, 0, 0, 0, 0, [], container) },
    Command { subcommands: XINFO_SUBCOMMANDS, ..cmd!("xinfo", -2, 0, 0, 0, 0, [], container) },
];
