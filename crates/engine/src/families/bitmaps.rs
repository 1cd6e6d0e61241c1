//! The bitmap family: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO,
//! bit operations on string values as Redis's `bitops.c`. Bit 0 is the most significant bit of
//! byte 0; a missing key is an endless run of zero bits; writes grow the string (zero-filled)
//! in place, up to `proto-max-bulk-len`.
//!
//! Counting and searching go a machine word at a time (the hardware population count when the
//! CPU has one), so BITCOUNT, BITPOS and BITOP run at memory speed.

use super::{expect_string, int_arg, is, read_key};
use crate::command::{flags::*, CmdResult, Command};
use crate::entry::EntryMeta;
use crate::error::{self, CmdError};
use crate::keyspace::Key;
use crate::notify::{GENERIC, STRING};
use crate::{cmd, Ctx};

const BAD_OFFSET: CmdError =
    CmdError::from_static("ERR bit offset is not an integer or out of range");
const BAD_TYPE: CmdError = CmdError::from_static(
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
);

/// Parses a bit offset as Redis's `getBitOffsetFromArgument`: a non-negative integer whose byte
/// stays below `proto-max-bulk-len` (not checked while replaying the AOF, which obeys). With
/// `hash_bits` (BITFIELD), `#N` means N times the field width.
fn bit_offset(ctx: &Ctx<'_>, arg: &[u8], hash_bits: Option<u32>) -> Result<u64, CmdError> {
    let (digits, times) = match (arg.first(), hash_bits) {
        (Some(b'#'), Some(bits)) => (&arg[1..], i64::from(bits)),
        _ => (arg, 1),
    };
    let v = resp::number::parse_i64(digits).ok_or(BAD_OFFSET)?;
    // Redis multiplies in 64-bit two's complement; a wrapped product is judged as it wraps.
    let v = v.wrapping_mul(times);
    let limit = if ctx.session.replaying {
        crate::entry::MAX_VALUE_LEN as u64
    } else {
        ctx.engine.config.proto_max_bulk_len()
    };
    if v < 0 || (v as u64 >> 3) >= limit {
        return Err(BAD_OFFSET);
    }
    Ok(v as u64)
}

/// The metadata of a string a bit command creates: `raw`, as Redis's `createObject`.
fn fresh_raw(ctx: &Ctx<'_>) -> EntryMeta {
    EntryMeta {
        raw: true,
        clock: ctx.clock(),
        ..Default::default()
    }
}

/// Makes the string at `k` at least `len` bytes long (zero-filled), creating it if missing, as
/// Redis's `lookupStringForBitCommand`: whether it was created or grew. The string is left in
/// the `raw` encoding (Redis unshares it) even when nothing else changes.
fn grow_to(
    ctx: &Ctx<'_>,
    l: &mut crate::keyspace::Locked<'_>,
    k: &Key<'_>,
    len: usize,
) -> Result<bool, CmdError> {
    let (db, now) = (ctx.db(), ctx.now);
    let (cur, raw, meta) = match l.get(db, k, now) {
        None => (None, false, fresh_raw(ctx)),
        Some(e) => {
            expect_string(&e)?;
            (Some(e.value().len()), e.is_raw(), e.meta_copy())
        }
    };
    match cur {
        Some(n) if n >= len => {
            if !raw {
                // Rewritten once as a raw string of the same bytes (only its encoding
                // changes); `n` >= `len` >= 1.
                let last = l.get(db, k, now).map_or(0, |e| e.value()[n - 1]);
                l.write_string(db, k, n - 1, &[last], meta);
            }
            Ok(false)
        }
        _ => {
            // `len` >= 1 here; the gap up to it is zero-filled.
            l.write_string(db, k, len - 1, &[0], meta);
            Ok(true)
        }
    }
}

/// `SETBIT key offset value`: the bit's old value.
fn setbit(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let offset = bit_offset(ctx, args[2], None)?;
    let on = match resp::number::parse_i64(args[3]) {
        Some(0) => 0u8,
        Some(1) => 1u8,
        _ => {
            return Err(CmdError::from_static(
                "ERR bit is not an integer or out of range",
            ))
        }
    };
    let (db, now) = (ctx.db(), ctx.now);
    let byte = (offset >> 3) as usize;
    let shift = 7 - (offset & 7) as u8;
    let k = ctx.key(args[1]);
    let mut l = ctx.ks().lock(db, &[k]);
    let grew = grow_to(ctx, &mut l, &k, byte + 1)?;
    let (old, meta) = match l.get(db, &k, now) {
        Some(e) => (e.value()[byte], e.meta_copy()),
        None => unreachable!("grow_to leaves the string in place"),
    };
    let was = (old >> shift) & 1;
    if grew || was != on {
        let new = (old & !(1 << shift)) | (on << shift);
        l.write_string(db, &k, byte, &[new], meta);
        ctx.notify(STRING, "setbit", args[1]);
    }
    ctx.out.int(i64::from(was));
    Ok(())
}

/// `GETBIT key offset`
fn getbit(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let offset = bit_offset(ctx, args[2], None)?;
    read_key(ctx, args[1], |out, e| {
        let bit = match e {
            None => 0,
            Some(e) => {
                expect_string(&e)?;
                e.value()
                    .get((offset >> 3) as usize)
                    .map_or(0, |b| (b >> (7 - (offset & 7))) & 1)
            }
        };
        out.int(i64::from(bit));
        Ok(())
    })
}

/// A BITCOUNT / BITPOS range normalised as Redis does: negative indexes from the end, clamped
/// to the string, in bits. None when the range is empty.
fn bit_range(len: usize, start: i64, end: i64, in_bits: bool) -> Option<(u64, u64)> {
    let total = if in_bits { len as i64 * 8 } else { len as i64 };
    let mut start = if start < 0 {
        total.saturating_add(start)
    } else {
        start
    };
    let mut end = if end < 0 {
        total.saturating_add(end)
    } else {
        end
    };
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    if start > end {
        return None;
    }
    Some(if in_bits {
        (start as u64, end as u64)
    } else {
        (start as u64 * 8, end as u64 * 8 + 7)
    })
}

/// Parses an optional trailing `BYTE | BIT`.
fn unit_arg(arg: Option<&&[u8]>) -> Result<bool, CmdError> {
    match arg {
        None => Ok(false),
        Some(a) if is(a, "bit") => Ok(true),
        Some(a) if is(a, "byte") => Ok(false),
        Some(_) => Err(error::SYNTAX),
    }
}

/// `BITCOUNT key [start end [BYTE | BIT]]`. As Redis, the key is looked up before the range is
/// parsed: a missing key counts 0 whatever the arguments.
fn bitcount(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    read_key(ctx, args[1], |out, e| {
        let Some(e) = e else {
            out.int(0);
            return Ok(());
        };
        expect_string(&e)?;
        let v = e.value();
        let range = match args.len() {
            2 => bit_range(v.len(), 0, -1, false),
            4 | 5 => {
                let start = int_arg(args[2])?;
                let end = int_arg(args[3])?;
                if start < 0 && end < 0 && start > end {
                    out.int(0);
                    return Ok(());
                }
                let in_bits = unit_arg(args.get(4))?;
                bit_range(v.len(), start, end, in_bits)
            }
            _ => return Err(error::SYNTAX),
        };
        out.int(range.map_or(0, |(s, e)| count_bits(v, s, e)) as i64);
        Ok(())
    })
}

/// `BITPOS key bit [start [end [BYTE | BIT]]]`: the first bit set to `bit` in the range, -1 when
/// there is none. Looking for a 0 without an explicit end finds the first bit past the string
/// (strings are zero-padded to the right), as Redis.
fn bitpos(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let want = match int_arg(args[2])? {
        0 => false,
        1 => true,
        _ => {
            return Err(CmdError::from_static(
                "ERR The bit argument must be 1 or 0.",
            ))
        }
    };
    if args.len() > 6 {
        return Err(error::SYNTAX);
    }
    read_key(ctx, args[1], |out, e| {
        let Some(e) = e else {
            out.int(if want { -1 } else { 0 });
            return Ok(());
        };
        expect_string(&e)?;
        let v = e.value();
        let start = match args.get(3) {
            Some(a) => int_arg(a)?,
            None => 0,
        };
        let in_bits = unit_arg(args.get(5))?;
        let end = match args.get(4) {
            Some(a) => Some(int_arg(a)?),
            None => None,
        };
        let Some((s, e)) = bit_range(v.len(), start, end.unwrap_or(-1), in_bits) else {
            out.int(-1);
            return Ok(());
        };
        let pos = match find_bit(v, want, s, e) {
            Some(p) => p as i64,
            None if !want && end.is_none() => e as i64 + 1,
            None => -1,
        };
        out.int(pos);
        Ok(())
    })
}

/// A BITOP operation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    And,
    Or,
    Xor,
    Not,
}

/// `BITOP AND | OR | XOR | NOT destkey key [key ...]`: the length of the result, which is as
/// long as the longest source (shorter ones read as zero bytes). An empty result deletes
/// `destkey`; a stored one replaces it (and its expiry).
fn bitop(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let op = match args[1] {
        a if is(a, "and") => Op::And,
        a if is(a, "or") => Op::Or,
        a if is(a, "xor") => Op::Xor,
        a if is(a, "not") => Op::Not,
        _ => return Err(error::SYNTAX),
    };
    if op == Op::Not && args.len() != 4 {
        return Err(CmdError::from_static(
            "ERR BITOP NOT must be called with a single source key.",
        ));
    }
    let (db, now) = (ctx.db(), ctx.now);
    let keys: Vec<Key<'_>> = args[2..].iter().map(|k| ctx.key(k)).collect();
    let mut l = ctx.ks().lock(db, &keys);
    let (dest, sources) = (&keys[0], &keys[1..]);
    let mut lens = Vec::with_capacity(sources.len());
    for k in sources {
        let len = match l.get(db, k, now) {
            None => 0,
            Some(e) => {
                expect_string(&e)?;
                e.value().len()
            }
        };
        lens.push(len);
    }
    let max = lens.iter().copied().max().unwrap_or(0);
    if max == 0 {
        let existed = l.get(db, dest, now).is_some();
        if existed {
            l.remove(db, dest);
            ctx.notify(GENERIC, "del", dest.bytes);
        }
        ctx.out.int(0);
        return Ok(());
    }
    let mut res = Vec::with_capacity(max);
    for (j, k) in sources.iter().enumerate() {
        let e = l.get(db, k, now);
        let src = e.as_ref().map_or(&[][..], |e| e.value());
        apply(op, j == 0, &mut res, src, max);
    }
    l.set(db, dest, &res, fresh_raw(ctx));
    ctx.notify(STRING, "set", dest.bytes);
    ctx.out.int(max as i64);
    Ok(())
}

/// Folds source `src` into `res`, which ends `max` bytes long (the longest source): the first
/// source is copied (NOT: inverted) into the empty `res` and padded with zeros, the others are
/// combined; bytes past a short source count as zero.
fn apply(op: Op, first: bool, res: &mut Vec<u8>, src: &[u8], max: usize) {
    let n = src.len().min(max);
    let src = &src[..n];
    if first {
        // Plain loops over slices: the compiler vectorises each.
        if op == Op::Not {
            res.extend(src.iter().map(|b| !b));
            res.resize(max, 0xff);
        } else {
            res.extend_from_slice(src);
            res.resize(max, 0);
        }
        return;
    }
    let (head, tail) = res.split_at_mut(n);
    match op {
        Op::And => {
            for (r, s) in head.iter_mut().zip(src) {
                *r &= s;
            }
            tail.fill(0);
        }
        Op::Or => {
            for (r, s) in head.iter_mut().zip(src) {
                *r |= s;
            }
        }
        Op::Xor => {
            for (r, s) in head.iter_mut().zip(src) {
                *r ^= s;
            }
        }
        Op::Not => unreachable!("NOT has one source"),
    }
}

/// BITFIELD's overflow behaviour for the SET and INCRBY that follow it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// One BITFIELD operation.
#[derive(Clone, Copy, Debug)]
enum FieldOp {
    Get,
    Set(i64),
    Incr(i64),
}

/// A parsed BITFIELD sub-command: the field (signed?, width, bit offset), what to do, and the
/// overflow rule in force.
#[derive(Clone, Copy, Debug)]
struct Field {
    signed: bool,
    bits: u32,
    offset: u64,
    op: FieldOp,
    overflow: Overflow,
}

/// Parses a field type: `i1`..`i64` or `u1`..`u63` (lower case only, as Redis).
fn field_type(arg: &[u8]) -> Result<(bool, u32), CmdError> {
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(BAD_TYPE),
    };
    let bits = resp::number::parse_i64(&arg[1..]).ok_or(BAD_TYPE)?;
    if bits < 1 || bits > if signed { 64 } else { 63 } {
        return Err(BAD_TYPE);
    }
    Ok((signed, bits as u32))
}

/// Parses BITFIELD's sub-commands in order, failing at the first bad one as Redis.
fn parse_fields(ctx: &Ctx<'_>, args: &[&[u8]]) -> Result<Vec<Field>, CmdError> {
    let mut fields = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut j = 2;
    while j < args.len() {
        let rest = args.len() - j - 1;
        let sub = args[j];
        let needs = if is(sub, "get") {
            2
        } else if is(sub, "set") || is(sub, "incrby") {
            3
        } else if is(sub, "overflow") && rest >= 1 {
            overflow = match args[j + 1] {
                a if is(a, "wrap") => Overflow::Wrap,
                a if is(a, "sat") => Overflow::Sat,
                a if is(a, "fail") => Overflow::Fail,
                _ => return Err(CmdError::from_static("ERR Invalid OVERFLOW type specified")),
            };
            j += 2;
            continue;
        } else {
            return Err(error::SYNTAX);
        };
        if rest < needs {
            return Err(error::SYNTAX);
        }
        let (signed, bits) = field_type(args[j + 1])?;
        let offset = bit_offset(ctx, args[j + 2], Some(bits))?;
        let op = if needs == 2 {
            FieldOp::Get
        } else {
            let v = int_arg(args[j + 3])?;
            if is(sub, "set") {
                FieldOp::Set(v)
            } else {
                FieldOp::Incr(v)
            }
        };
        fields.push(Field {
            signed,
            bits,
            offset,
            op,
            overflow,
        });
        j += 1 + needs;
    }
    Ok(fields)
}

/// `BITFIELD key [GET type offset | SET type offset value | INCRBY type offset increment |
/// OVERFLOW WRAP|SAT|FAIL ...]`
fn bitfield(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    bitfield_generic(ctx, args, false)
}

/// `BITFIELD_RO key [GET type offset ...]`
fn bitfield_ro(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    bitfield_generic(ctx, args, true)
}

fn bitfield_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], read_only: bool) -> CmdResult {
    let fields = parse_fields(ctx, args)?;
    let highest = fields
        .iter()
        .filter(|f| !matches!(f.op, FieldOp::Get))
        .map(|f| f.offset + u64::from(f.bits) - 1)
        .max();
    let Some(highest) = highest else {
        // Only GETs: a read.
        return read_key(ctx, args[1], |out, e| {
            if let Some(e) = &e {
                expect_string(e)?;
            }
            let v = e.as_ref().map_or(&[][..], |e| e.value());
            out.array(fields.len());
            for f in &fields {
                out.int(read_field(v, f));
            }
            Ok(())
        });
    };
    if read_only {
        return Err(CmdError::from_static(
            "ERR BITFIELD_RO only supports the GET subcommand",
        ));
    }
    let (db, now) = (ctx.db(), ctx.now);
    let k = ctx.key(args[1]);
    let mut l = ctx.ks().lock(db, &[k]);
    // The offsets were bounded by proto-max-bulk-len: the byte fits in memory's terms.
    let grew = grow_to(ctx, &mut l, &k, (highest >> 3) as usize + 1)?;
    ctx.out.array(fields.len());
    let mut changes = 0;
    for f in &fields {
        let (window, meta) = match l.get(db, &k, now) {
            Some(e) => (window_of(e.value(), f), e.meta_copy()),
            None => unreachable!("grow_to leaves the string in place"),
        };
        let old = field_in(&window, f);
        let outcome = match f.op {
            FieldOp::Get => {
                ctx.out.int(old);
                continue;
            }
            FieldOp::Set(v) => overflowed(f, v, 0).map(|new| (new, old)),
            FieldOp::Incr(by) => overflowed(f, old, by).map(|new| (new, new)),
        };
        match outcome {
            Some((new, reply)) => {
                ctx.out.int(reply);
                let (bytes, len) = with_field(window, f, new);
                l.write_string(db, &k, (f.offset >> 3) as usize, &bytes[..len], meta);
                if grew || old != new {
                    changes += 1;
                }
            }
            None => ctx.out.null(),
        }
    }
    if changes > 0 {
        ctx.notify(STRING, "setbit", args[1]);
    }
    Ok(())
}

/// The 9 bytes of `v` (zero-padded past its end) that hold field `f`, at the front of 16.
fn window_of(v: &[u8], f: &Field) -> [u8; 16] {
    let byte = (f.offset >> 3) as usize;
    let mut w = [0u8; 16];
    if byte < v.len() {
        let n = (v.len() - byte).min(9);
        w[..n].copy_from_slice(&v[byte..byte + n]);
    }
    w
}

/// The field's value in `v` (zero-padded past its end), sign-extended when signed. Unsigned
/// fields are at most 63 bits wide, so both kinds fit an i64.
fn read_field(v: &[u8], f: &Field) -> i64 {
    field_in(&window_of(v, f), f)
}

/// The field's value in its [`window_of`].
fn field_in(w: &[u8; 16], f: &Field) -> i64 {
    let shift = 128 - (f.offset & 7) as u32 - f.bits;
    let raw = ((u128::from_be_bytes(*w) >> shift) as u64) & mask(f.bits);
    if f.signed && f.bits < 64 && raw >> (f.bits - 1) & 1 == 1 {
        (raw | !mask(f.bits)) as i64
    } else {
        raw as i64
    }
}

/// The window with field `f` set to `value`, and how many of its bytes the field touches.
fn with_field(w: [u8; 16], f: &Field, value: i64) -> ([u8; 16], usize) {
    let first = (f.offset & 7) as u32;
    let len = (first + f.bits).div_ceil(8) as usize;
    let shift = 128 - first - f.bits;
    let m = u128::from(mask(f.bits)) << shift;
    let word = (u128::from_be_bytes(w) & !m) | ((u128::from(value as u64) << shift) & m);
    (word.to_be_bytes(), len)
}

/// The low `bits` bits set.
fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// The value a SET (`value`, `incr` 0) or INCRBY (`value` the old field, `incr` the step)
/// leaves under the field's overflow rule: None when it overflows under FAIL. Redis's
/// `checkSignedBitfieldOverflow` / `checkUnsignedBitfieldOverflow`, in their 64-bit
/// two's-complement arithmetic (extreme SET values saturate as Redis's do).
fn overflowed(f: &Field, value: i64, incr: i64) -> Option<i64> {
    let bits = f.bits;
    let (over, limit) = if f.signed {
        let max: i64 = if bits == 64 {
            i64::MAX
        } else {
            (1i64 << (bits - 1)) - 1
        };
        let min = -max - 1;
        let maxincr = (max as u64).wrapping_sub(value as u64) as i64;
        let minincr = min.wrapping_sub(value);
        if value > max
            || (bits != 64 && incr > maxincr)
            || (value >= 0 && incr > 0 && incr > maxincr)
        {
            (true, max)
        } else if value < min
            || (bits != 64 && incr < minincr)
            || (value < 0 && incr < 0 && incr < minincr)
        {
            (true, min)
        } else {
            (false, 0)
        }
    } else {
        let value = value as u64;
        let max = mask(bits);
        let maxincr = max.wrapping_sub(value) as i64;
        let minincr = value.wrapping_neg() as i64;
        if value > max || (incr > 0 && incr > maxincr) {
            (true, max as i64)
        } else if incr < 0 && incr < minincr {
            (true, 0)
        } else {
            (false, 0)
        }
    };
    let sum = (value as u64).wrapping_add(incr as u64);
    if !over {
        return Some(sum as i64);
    }
    match f.overflow {
        Overflow::Fail => None,
        Overflow::Sat => Some(limit),
        Overflow::Wrap if f.signed && bits < 64 => {
            let high = !mask(bits);
            Some(if sum >> (bits - 1) & 1 == 1 {
                sum | high
            } else {
                sum & !high
            } as i64)
        }
        Overflow::Wrap => Some((sum & mask(bits)) as i64),
    }
}

/// The number of set bits of `v` between bit positions `from` and `to` (inclusive, in range).
pub fn count_bits(v: &[u8], from: u64, to: u64) -> u64 {
    let (fb, lb) = ((from >> 3) as usize, (to >> 3) as usize);
    let mut n = popcount(&v[fb..=lb]);
    // Take away the bits of the edge bytes outside the range.
    let head = v[fb] & !(0xffu8 >> (from & 7));
    let tail = v[lb] & (0xffu16 >> ((to & 7) + 1)) as u8;
    n -= u64::from(head.count_ones()) + u64::from(tail.count_ones());
    n
}

/// The set bits of `b`, eight bytes at a time, with the CPU's population count instruction
/// when it has one.
pub fn popcount(b: &[u8]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU was just found to have the instruction.
        return unsafe { popcount_hw(b) };
    }
    popcount_words(b)
}

/// [`popcount_words`] compiled for the POPCNT instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn popcount_hw(b: &[u8]) -> u64 {
    popcount_words(b)
}

#[inline(always)]
fn popcount_words(b: &[u8]) -> u64 {
    let mut chunks = b.chunks_exact(32);
    let (mut a, mut c, mut d, mut e) = (0u64, 0u64, 0u64, 0u64);
    for ch in &mut chunks {
        let w = |i: usize| u64::from_ne_bytes(ch[i..i + 8].try_into().unwrap_or([0; 8]));
        a += u64::from(w(0).count_ones());
        c += u64::from(w(8).count_ones());
        d += u64::from(w(16).count_ones());
        e += u64::from(w(24).count_ones());
    }
    let rest: u64 = chunks
        .remainder()
        .iter()
        .map(|x| u64::from(x.count_ones()))
        .sum();
    a + c + d + e + rest
}

/// The first bit position in `from..=to` of `v` (in range) whose bit is `want`.
pub fn find_bit(v: &[u8], want: bool, from: u64, to: u64) -> Option<u64> {
    let (fb, lb) = ((from >> 3) as usize, (to >> 3) as usize);
    let flip = if want { 0 } else { 0xff };
    let edge = |i: usize| {
        let mut b = v[i] ^ flip;
        if i == fb {
            b &= 0xff >> (from & 7);
        }
        if i == lb {
            b &= 0xff << (7 - (to & 7));
        }
        b
    };
    let at = |i: usize, b: u8| Some(i as u64 * 8 + u64::from(b.leading_zeros()));
    let b = edge(fb);
    if b != 0 {
        return at(fb, b);
    }
    if fb == lb {
        return None;
    }
    // The whole bytes between the edges, a word at a time.
    let mut i = fb + 1;
    let skip = if want { 0u64 } else { u64::MAX };
    while i + 8 <= lb {
        let w = u64::from_be_bytes(v[i..i + 8].try_into().unwrap_or([0; 8]));
        if w != skip {
            break;
        }
        i += 8;
    }
    while i < lb {
        let b = v[i] ^ flip;
        if b != 0 {
            return at(i, b);
        }
        i += 1;
    }
    let b = edge(lb);
    if b != 0 {
        return at(lb, b);
    }
    None
}

/// The bitmap family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    cmd!("setbit", 4, WRITE | DENYOOM, 1, 1, 1, ["bitmap"], setbit),
    cmd!("getbit", 3, READONLY | FAST, 1, 1, 1, ["bitmap"], getbit),
    cmd!("bitcount", -2, READONLY, 1, 1, 1, ["bitmap"], bitcount),
    cmd!("bitpos", -3, READONLY, 1, 1, 1, ["bitmap"], bitpos),
    cmd!("bitop", -4, WRITE | DENYOOM, 2, -1, 1, ["bitmap"], bitop),
    cmd!("bitfield", -2, WRITE | DENYOOM, 1, 1, 1, ["bitmap"], bitfield),
    cmd!("bitfield_ro", -2, READONLY | FAST, 1, 1, 1, ["bitmap"], bitfield_ro),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit `i` of `v` the slow way.
    fn bit(v: &[u8], i: u64) -> bool {
        v[(i / 8) as usize] >> (7 - i % 8) & 1 == 1
    }

    fn sample(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Runs of 0x00 and 0xff so the word skips are taken.
                match x % 5 {
                    0 => 0,
                    1 => 0xff,
                    _ => x as u8,
                }
            })
            .collect()
    }

    #[test]
    fn count_and_find_agree_with_a_bit_by_bit_scan() {
        for seed in 1..40 {
            let v = sample(70 + seed as usize, seed);
            let bits = v.len() as u64 * 8;
            for (from, to) in [(0, bits - 1), (3, bits - 5), (9, 9), (17, 80), (64, 200)] {
                let to = to.min(bits - 1);
                let slow = (from..=to).filter(|&i| bit(&v, i)).count() as u64;
                assert_eq!(count_bits(&v, from, to), slow, "count {from}..{to}");
                for want in [false, true] {
                    let slow = (from..=to).find(|&i| bit(&v, i) == want);
                    assert_eq!(
                        find_bit(&v, want, from, to),
                        slow,
                        "find {want} {from}..{to}"
                    );
                }
            }
        }
        assert_eq!(popcount(&[0xff; 100]), 800);
        assert_eq!(find_bit(&[0; 40], true, 0, 319), None);
        assert_eq!(find_bit(&[0xff; 40], false, 0, 319), None);
    }

    #[test]
    fn ranges_follow_redis_index_rules() {
        assert_eq!(bit_range(6, 0, -1, false), Some((0, 47)));
        assert_eq!(bit_range(6, 1, 1, false), Some((8, 15)));
        assert_eq!(bit_range(6, 5, 30, true), Some((5, 30)));
        assert_eq!(bit_range(6, -3, -1, true), Some((45, 47)));
        assert_eq!(bit_range(6, 4, 2, false), None);
        assert_eq!(bit_range(0, 0, -1, false), None);
        assert_eq!(bit_range(6, i64::MIN, i64::MAX, false), Some((0, 47)));
    }

    #[test]
    fn bitop_pads_short_sources_with_zeros() {
        let mut r = Vec::new();
        apply(Op::And, true, &mut r, &[0xff, 0x0f, 0xf0, 0xff], 4);
        apply(Op::And, false, &mut r, &[0x3c, 0xff], 4);
        assert_eq!(r, [0x3c, 0x0f, 0, 0]);
        let mut r = Vec::new();
        apply(Op::Or, true, &mut r, &[1], 4);
        apply(Op::Xor, false, &mut r, &[3, 3, 3, 3], 4);
        assert_eq!(r, [2, 3, 3, 3]);
        let mut r = Vec::new();
        apply(Op::Not, true, &mut r, &[0x0f], 1);
        assert_eq!(r, [0xf0]);
        let mut r = Vec::new();
        apply(Op::Or, true, &mut r, &[], 2);
        assert_eq!(r, [0, 0]);
    }

    fn field(signed: bool, bits: u32, offset: u64, overflow: Overflow) -> Field {
        Field {
            signed,
            bits,
            offset,
            op: FieldOp::Get,
            overflow,
        }
    }

    #[test]
    fn fields_read_big_endian_and_sign_extend() {
        let v = [0b1010_1100, 0xff, 0x01];
        assert_eq!(read_field(&v, &field(false, 4, 0, Overflow::Wrap)), 0b1010);
        assert_eq!(read_field(&v, &field(true, 4, 0, Overflow::Wrap)), -6);
        assert_eq!(read_field(&v, &field(false, 8, 4, Overflow::Wrap)), 0xcf);
        assert_eq!(
            read_field(&v, &field(false, 63, 0, Overflow::Wrap)),
            0x567f_8080_0000_0000
        );
        assert_eq!(
            read_field(&v, &field(true, 64, 0, Overflow::Wrap)),
            0xacff_0100_0000_0000u64 as i64
        );
        assert_eq!(read_field(&v, &field(false, 8, 1000, Overflow::Wrap)), 0);
    }

    #[test]
    fn overflow_rules_match_redis() {
        let f = |signed, bits, o| field(signed, bits, 0, o);
        // Unsigned: wrap, saturate, fail.
        assert_eq!(overflowed(&f(false, 8, Overflow::Wrap), 250, 10), Some(4));
        assert_eq!(overflowed(&f(false, 8, Overflow::Sat), 250, 10), Some(255));
        assert_eq!(overflowed(&f(false, 8, Overflow::Sat), 5, -10), Some(0));
        assert_eq!(overflowed(&f(false, 8, Overflow::Fail), 5, -10), None);
        assert_eq!(overflowed(&f(false, 8, Overflow::Wrap), -1, 0), Some(255));
        // Signed.
        assert_eq!(overflowed(&f(true, 8, Overflow::Wrap), 120, 10), Some(-126));
        assert_eq!(overflowed(&f(true, 8, Overflow::Sat), 120, 10), Some(127));
        assert_eq!(
            overflowed(&f(true, 8, Overflow::Sat), -120, -10),
            Some(-128)
        );
        assert_eq!(
            overflowed(&f(true, 64, Overflow::Wrap), i64::MAX, 1),
            Some(i64::MIN)
        );
        assert_eq!(overflowed(&f(true, 64, Overflow::Fail), i64::MIN, -1), None);
        assert_eq!(
            overflowed(&f(true, 64, Overflow::Sat), 5, i64::MIN),
            Some(5 + i64::MIN)
        );
        // Redis's arithmetic: the most negative SET value saturates high in an i8.
        assert_eq!(
            overflowed(&f(true, 8, Overflow::Sat), i64::MIN, 0),
            Some(127)
        );
        assert_eq!(
            overflowed(&f(true, 8, Overflow::Wrap), i64::MIN, 0),
            Some(0)
        );
    }

    #[test]
    fn field_types_are_lower_case_and_bounded() {
        assert_eq!(field_type(b"i64").ok(), Some((true, 64)));
        assert_eq!(field_type(b"u63").ok(), Some((false, 63)));
        for bad in [&b"u64"[..], b"i65", b"I8", b"u0", b"u", b"", b"x8", b"u-1"] {
            assert!(field_type(bad).is_err(), "{bad:?}");
        }
    }
}
