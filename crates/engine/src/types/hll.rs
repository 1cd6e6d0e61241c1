//! HyperLogLog values, byte for byte as Redis 7.0 keeps them in strings (`hyperloglog.c`).
//!
//! A value is a 16-byte header (`HYLL`, the encoding byte, 3 unused bytes, the cached
//! cardinality as 8 little-endian bytes whose top bit marks it stale) followed by the
//! registers: 16384 registers of 6 bits packed LSB first (dense, 12288 bytes), or the sparse
//! run-length opcodes:
//!
//! | opcode  | bits                  | meaning                                     |
//! |---------|-----------------------|---------------------------------------------|
//! | ZERO    | `00xxxxxx`            | 1..=64 registers at 0                       |
//! | XZERO   | `01xxxxxx yyyyyyyy`   | 1..=16384 registers at 0                    |
//! | VAL     | `1vvvvvxx`            | 1..=4 registers at 1..=32                   |
//!
//! Every function takes the stored bytes as they are and trusts nothing: a payload a client
//! wrote with SET or SETRANGE is walked without reading out of bounds (a byte past the end
//! reads as 0, the NUL terminator Redis's strings carry), and corruption is reported as
//! [`Corrupt`] where Redis reports `INVALIDOBJ`. The walks are Redis's own, including where they
//! stop checking, so a corrupt value gets the reply Redis would give.

/// Bits of the hash that pick the register.
pub const P: u32 = 14;
/// Registers of every HyperLogLog.
pub const REGISTERS: usize = 1 << P;
/// Hash bits left after the index: a run of zeroes counts at most `Q + 1`.
pub const Q: usize = 64 - P as usize;
/// The largest register value (6 bits).
pub const REGISTER_MAX: u8 = 63;
/// Bytes of the header.
pub const HDR_SIZE: usize = 16;
/// Bytes of a dense value: header and 16384 six-bit registers.
pub const DENSE_SIZE: usize = HDR_SIZE + REGISTERS * 6 / 8;
/// Encoding byte of a dense value.
pub const DENSE: u8 = 0;
/// Encoding byte of a sparse value.
pub const SPARSE: u8 = 1;
/// The largest value a sparse VAL opcode holds; a larger register makes the value dense.
pub const SPARSE_VAL_MAX_VALUE: u8 = 32;
/// Registers one VAL opcode covers at most.
const SPARSE_VAL_MAX_LEN: usize = 4;
/// Registers one ZERO opcode covers at most.
const SPARSE_ZERO_MAX_LEN: usize = 64;
/// Registers one XZERO opcode covers at most.
const SPARSE_XZERO_MAX_LEN: usize = 16384;
/// Seed of the element hash (Redis's).
const HASH_SEED: u32 = 0xadc8_3b19;
/// The estimator's constant, 0.5 / ln 2.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
/// Offset of the encoding byte in the header.
const ENCODING: usize = 4;
/// Offset of the cached cardinality in the header.
const CARD: usize = 8;

/// A sparse payload that does not describe exactly 16384 registers (Redis's `INVALIDOBJ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// MurmurHash2, 64-bit version (`MurmurHash64A`), reading the input little endian as Redis
/// does on every architecture.
pub fn murmur64a(key: &[u8], seed: u32) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = u64::from(seed) ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let mut k = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element goes to and the length of its `000..1` pattern (Redis's
/// `hllPatLen`): the low 14 bits of the hash pick the register, the trailing zeroes of the
/// rest (with bit 50 set so the run ends) plus one are its count.
pub fn pat_len(ele: &[u8]) -> (usize, u8) {
    let hash = murmur64a(ele, HASH_SEED);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> P) | (1u64 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// True when `v` is a HyperLogLog Redis accepts (`isHLLObjectOrReply`): long enough for the
/// header, the magic, a known encoding, and exactly [`DENSE_SIZE`] bytes when dense. A sparse
/// payload is only checked when it is walked.
pub fn is_valid(v: &[u8]) -> bool {
    v.len() >= HDR_SIZE
        && &v[..4] == b"HYLL"
        && v[ENCODING] <= SPARSE
        && (v[ENCODING] != DENSE || v.len() == DENSE_SIZE)
}

/// The encoding byte of a valid value.
pub fn encoding(v: &[u8]) -> u8 {
    v[ENCODING]
}

/// An empty HyperLogLog as PFADD creates it: sparse, one XZERO of 16384 registers, the cached
/// cardinality 0 (and not marked stale: PFADD marks it when it stores the key).
pub fn new_sparse() -> Vec<u8> {
    let mut v = vec![0u8; HDR_SIZE];
    v[..4].copy_from_slice(b"HYLL");
    v[ENCODING] = SPARSE;
    let mut left = REGISTERS;
    while left > 0 {
        let run = left.min(SPARSE_XZERO_MAX_LEN);
        push_xzero(&mut v, run);
        left -= run;
    }
    v
}

/// The cached cardinality, unless it is marked stale.
pub fn cached(v: &[u8]) -> Option<u64> {
    if v[CARD + 7] & 0x80 != 0 {
        return None;
    }
    let mut b = [0u8; 8];
    b.copy_from_slice(&v[CARD..CARD + 8]);
    Some(u64::from_le_bytes(b))
}

/// Stores `card` as the cached cardinality (valid: it is below 2^63).
pub fn set_cached(v: &mut [u8], card: u64) {
    v[CARD..CARD + 8].copy_from_slice(&card.to_le_bytes());
}

/// Marks the cached cardinality stale.
pub fn invalidate(v: &mut [u8]) {
    v[CARD + 7] |= 0x80;
}

// --- dense registers ---------------------------------------------------------------------

/// Register `i` of packed dense registers. The byte after the last one reads as 0 (the last
/// register ends inside the array; Redis reads its NUL terminator).
pub fn dense_get(regs: &[u8], i: usize) -> u8 {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let b0 = u32::from(regs[byte]);
    let b1 = u32::from(regs.get(byte + 1).copied().unwrap_or(0));
    (((b0 >> fb) | (b1 << (8 - fb))) & u32::from(REGISTER_MAX)) as u8
}

/// Sets register `i` of packed dense registers to `val` (at most 63).
pub fn dense_put(regs: &mut [u8], i: usize, val: u8) {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let v = u32::from(val);
    let max = u32::from(REGISTER_MAX);
    regs[byte] = ((u32::from(regs[byte]) & !(max << fb)) | (v << fb)) as u8;
    if let Some(b) = regs.get_mut(byte + 1) {
        *b = ((u32::from(*b) & !(max >> (8 - fb))) | (v >> (8 - fb))) as u8;
    }
}

/// Raises register `index` of a dense value to `count`: true when it changed.
fn dense_set(v: &mut [u8], index: usize, count: u8) -> bool {
    let regs = &mut v[HDR_SIZE..];
    if count > dense_get(regs, index) {
        dense_put(regs, index, count);
        true
    } else {
        false
    }
}

/// Unpacks 16 registers from 12 bytes.
#[inline(always)]
fn unpack16(c: &[u8]) -> [u8; 16] {
    let lo = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
    let hi = u32::from_le_bytes([c[8], c[9], c[10], c[11]]);
    let mut out = [0u8; 16];
    // Registers 0..=9 lie in the first 60 bits; 10 straddles the two words.
    for (j, o) in out.iter_mut().enumerate().take(10) {
        *o = ((lo >> (6 * j)) & 63) as u8;
    }
    out[10] = (((lo >> 60) | (u64::from(hi) << 4)) & 63) as u8;
    for (j, o) in out.iter_mut().enumerate().skip(11) {
        *o = ((hi >> (6 * j - 64)) & 63) as u8;
    }
    out
}

/// Adds the register values of packed dense registers to `histo`.
fn dense_histo(regs: &[u8], histo: &mut [u32; 64]) {
    for c in regs[..REGISTERS * 6 / 8].chunks_exact(12) {
        for r in unpack16(c) {
            histo[r as usize] += 1;
        }
    }
}

// --- sparse opcodes ----------------------------------------------------------------------

fn is_zero(b: u8) -> bool {
    b & 0xc0 == 0
}

fn is_xzero(b: u8) -> bool {
    b & 0xc0 == 0x40
}

fn is_val(b: u8) -> bool {
    b & 0x80 != 0
}

fn zero_len(b: u8) -> usize {
    usize::from(b & 0x3f) + 1
}

fn xzero_len(b: u8, next: u8) -> usize {
    ((usize::from(b & 0x3f) << 8) | usize::from(next)) + 1
}

fn val_value(b: u8) -> u8 {
    ((b >> 2) & 0x1f) + 1
}

fn val_len(b: u8) -> usize {
    usize::from(b & 0x3) + 1
}

fn val_op(val: u8, len: usize) -> u8 {
    ((val - 1) << 2) | (len as u8 - 1) | 0x80
}

fn push_xzero(v: &mut Vec<u8>, len: usize) {
    let l = len - 1;
    v.push((l >> 8) as u8 | 0x40);
    v.push((l & 0xff) as u8);
}

/// Byte `i` of `v`, 0 past the end.
fn at(v: &[u8], i: usize) -> u8 {
    v.get(i).copied().unwrap_or(0)
}

/// One decoded sparse opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A run of zero registers (ZERO or, with `long`, XZERO).
    Zero {
        /// Registers covered.
        len: usize,
        /// XZERO (two bytes) rather than ZERO.
        long: bool,
    },
    /// A run of registers holding `value`.
    Val {
        /// The registers' value.
        value: u8,
        /// Registers covered.
        len: usize,
    },
}

/// The opcodes of a sparse payload (after the header), in order; an XZERO cut by the end
/// reads its second byte as 0.
pub fn ops(payload: &[u8]) -> impl Iterator<Item = Op> + '_ {
    let mut p = 0;
    std::iter::from_fn(move || {
        let b = *payload.get(p)?;
        Some(if is_zero(b) {
            p += 1;
            Op::Zero {
                len: zero_len(b),
                long: false,
            }
        } else if is_xzero(b) {
            let len = xzero_len(b, at(payload, p + 1));
            p += 2;
            Op::Zero { len, long: true }
        } else {
            p += 1;
            Op::Val {
                value: val_value(b),
                len: val_len(b),
            }
        })
    })
}

/// Feeds the runs of a sparse payload to `f(first register, len, value)` as Redis's
/// `hllSparseToDense` and `hllMerge` walk it: a VAL run past the last register is corrupt
/// (Redis 7.0.15 as patched for CVE-2025-32023 refuses it; the original code stopped there and
/// accepted the registers seen), and the runs must cover exactly 16384 registers.
fn sparse_runs(payload: &[u8], mut f: impl FnMut(usize, usize, u8)) -> Result<(), Corrupt> {
    let mut idx = 0usize;
    for op in ops(payload) {
        match op {
            Op::Zero { len, .. } => idx += len,
            Op::Val { value, len } => {
                if idx + len > REGISTERS {
                    return Err(Corrupt);
                }
                f(idx, len, value);
                idx += len;
            }
        }
    }
    if idx == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// Converts a sparse value to dense in place (a dense one is left alone). The header is kept,
/// cached cardinality included, as Redis's `hllSparseToDense`.
pub fn to_dense(v: &mut Vec<u8>) -> Result<(), Corrupt> {
    if v[ENCODING] == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HDR_SIZE].copy_from_slice(&v[..HDR_SIZE]);
    dense[ENCODING] = DENSE;
    let regs = &mut dense[HDR_SIZE..];
    sparse_runs(&v[HDR_SIZE..], |first, len, value| {
        for i in first..first + len {
            dense_put(regs, i, value);
        }
    })?;
    *v = dense;
    Ok(())
}

/// Raises register `index` of a sparse value to `count` (Redis's `hllSparseSet`): true when it
/// changed. A count above 32, or a value that would pass `max_bytes`, converts it to dense
/// first. The opcode is split in place and equal VAL neighbours merged, as Redis does, so the
/// bytes come out the same.
fn sparse_set(v: &mut Vec<u8>, index: usize, count: u8, max_bytes: u64) -> Result<bool, Corrupt> {
    if count > SPARSE_VAL_MAX_VALUE {
        return promote(v, index, count);
    }
    // Step 1: find the opcode covering `index`.
    let mut end = v.len();
    let mut p = HDR_SIZE;
    let mut first = 0usize;
    let mut prev = None;
    let mut span = 0usize;
    while p < end {
        let b = v[p];
        let mut oplen = 1;
        if is_zero(b) {
            span = zero_len(b);
        } else if is_val(b) {
            span = val_len(b);
        } else {
            span = xzero_len(b, at(v, p + 1));
            oplen = 2;
        }
        if index < first + span {
            break;
        }
        prev = Some(p);
        p += oplen;
        first += span;
    }
    if span == 0 || p >= end {
        return Err(Corrupt);
    }
    let b = v[p];
    let next = if is_xzero(b) { p + 2 } else { p + 1 };
    let has_next = next < end;
    let (zero, xzero) = (is_zero(b), is_xzero(b));
    let runlen = if zero {
        zero_len(b)
    } else if xzero {
        xzero_len(b, at(v, p + 1))
    } else {
        val_len(b)
    };

    // Step 2: the trivial updates in place.
    let mut done = false;
    if !zero && !xzero {
        if val_value(b) >= count {
            return Ok(false);
        }
        if runlen == 1 {
            v[p] = val_op(count, 1);
            done = true;
        }
    }
    if !done && zero && runlen == 1 {
        v[p] = val_op(count, 1);
        done = true;
    }
    if !done {
        // The general case: split the opcode into up to three (XZERO-VAL-XZERO, 5 bytes).
        let mut seq: Vec<u8> = Vec::with_capacity(5);
        let last = first + span - 1;
        let zero_run = |seq: &mut Vec<u8>, len: usize| {
            if len > SPARSE_ZERO_MAX_LEN {
                push_xzero(seq, len);
            } else {
                seq.push((len - 1) as u8);
            }
        };
        if zero || xzero {
            if index != first {
                zero_run(&mut seq, index - first);
            }
            seq.push(val_op(count, 1));
            if index != last {
                zero_run(&mut seq, last - index);
            }
        } else {
            let cur = val_value(b);
            if index != first {
                seq.push(val_op(cur, index - first));
            }
            seq.push(val_op(count, 1));
            if index != last {
                seq.push(val_op(cur, last - index));
            }
        }
        // Step 3: put the sequence in place of the old opcode.
        let oldlen = if xzero { 2 } else { 1 };
        let new_len = v.len() + seq.len() - oldlen;
        if seq.len() > oldlen && new_len as u64 > max_bytes {
            return promote(v, index, count);
        }
        let tail_from = if has_next { next } else { v.len() };
        v.splice(p..tail_from, seq);
        // An XZERO cut by the end of the value: Redis's length still counts its missing
        // byte as replaced.
        v.truncate(new_len);
        end = v.len();
    }

    // Step 4: merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from the
    // previous one.
    let mut p = prev.unwrap_or(HDR_SIZE);
    let mut scan = 5;
    while p < end && scan > 0 {
        scan -= 1;
        let b = v[p];
        if is_xzero(b) {
            p += 2;
            continue;
        }
        if is_zero(b) {
            p += 1;
            continue;
        }
        if p + 1 < end && is_val(v[p + 1]) {
            let (v1, v2) = (val_value(b), val_value(v[p + 1]));
            let len = val_len(b) + val_len(v[p + 1]);
            if v1 == v2 && len <= SPARSE_VAL_MAX_LEN {
                v[p + 1] = val_op(v1, len);
                v.remove(p);
                end -= 1;
                continue;
            }
        }
        p += 1;
    }
    invalidate(v);
    Ok(true)
}

/// The sparse value must become dense to hold `count` at `index`.
fn promote(v: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    to_dense(v)?;
    dense_set(v, index, count);
    Ok(true)
}

/// Raises register `index` to `count` in a valid value of either encoding.
pub fn set_register(
    v: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: u64,
) -> Result<bool, Corrupt> {
    if v[ENCODING] == DENSE {
        Ok(dense_set(v, index, count))
    } else {
        sparse_set(v, index, count, max_bytes)
    }
}

/// Adds an element to a valid value (Redis's `hllAdd`): true when a register changed.
/// `max_bytes` is `hll-sparse-max-bytes`.
pub fn add(v: &mut Vec<u8>, ele: &[u8], max_bytes: u64) -> Result<bool, Corrupt> {
    let (index, count) = pat_len(ele);
    set_register(v, index, count, max_bytes)
}

/// Whether adding `elements` to a valid dense value would raise one of its registers.
pub fn dense_raises(v: &[u8], elements: &[&[u8]]) -> bool {
    let regs = &v[HDR_SIZE..];
    elements.iter().any(|e| {
        let (index, count) = pat_len(e);
        count > dense_get(regs, index)
    })
}

/// Raises `max[i]` to register `i` of a valid value, for every register (Redis's `hllMerge`).
pub fn merge(max: &mut [u8; REGISTERS], v: &[u8]) -> Result<(), Corrupt> {
    if v[ENCODING] == DENSE {
        let regs = &v[HDR_SIZE..];
        for (c, m) in regs.chunks_exact(12).zip(max.chunks_exact_mut(16)) {
            let r = unpack16(c);
            for j in 0..16 {
                m[j] = m[j].max(r[j]);
            }
        }
        Ok(())
    } else {
        sparse_runs(&v[HDR_SIZE..], |first, len, value| {
            for m in &mut max[first..first + len] {
                *m = (*m).max(value);
            }
        })
    }
}

/// The register histogram of a valid value; a sparse payload not covering exactly 16384
/// registers is corrupt (Redis's `hllSparseRegHisto`, which adds every run).
fn histogram(v: &[u8]) -> Result<[u32; 64], Corrupt> {
    let mut histo = [0u32; 64];
    if v[ENCODING] == DENSE {
        dense_histo(&v[HDR_SIZE..], &mut histo);
        return Ok(histo);
    }
    let mut idx = 0usize;
    for op in ops(&v[HDR_SIZE..]) {
        match op {
            Op::Zero { len, .. } => {
                idx += len;
                histo[0] = histo[0].wrapping_add(len as u32);
            }
            Op::Val { value, len } => {
                idx += len;
                histo[usize::from(value)] = histo[usize::from(value)].wrapping_add(len as u32);
            }
        }
    }
    if idx == REGISTERS {
        Ok(histo)
    } else {
        Err(Corrupt)
    }
}

/// The estimated cardinality of a valid value (Redis's `hllCount`).
pub fn count(v: &[u8]) -> Result<u64, Corrupt> {
    histogram(v).map(|h| estimate(&h))
}

/// The estimated cardinality of one register per byte (PFCOUNT of several keys).
pub fn count_raw(regs: &[u8; REGISTERS]) -> u64 {
    let mut histo = [0u32; 64];
    for c in regs.chunks_exact(8) {
        let w = u64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        if w == 0 {
            histo[0] += 8;
        } else {
            for &r in c {
                histo[usize::from(r & 63)] += 1;
            }
        }
    }
    estimate(&histo)
}

/// Ertl's improved estimator from the register histogram ("New cardinality estimation
/// algorithms for HyperLogLog sketches", arXiv:1702.01284), as Redis 7.0 computes it, in
/// the same order of floating-point operations.
pub fn estimate(histo: &[u32; 64]) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - f64::from(histo[Q + 1])) / m);
    for j in (1..=Q).rev() {
        z += f64::from(histo[j]);
        z *= 0.5;
    }
    z += m * sigma(f64::from(histo[0]) / m);
    llround(ALPHA_INF * m * m / z)
}

/// C's `llroundl` on x86-64 as Redis uses it, cast to `uint64_t`: a value past the range of a
/// `long long` (the infinite estimate of every register at 51) is `LLONG_MIN`, which PFCOUNT
/// replies as -9223372036854775808 and caches with the stale bit set.
fn llround(x: f64) -> u64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if x.is_nan() || x.abs() >= LIMIT {
        1 << 63
    } else {
        x.round() as i64 as u64
    }
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let before = z;
        z += x * y;
        y += y;
        if before == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let before = z;
        y *= 0.5;
        z -= (1.0 - x).powf(2.0) * y;
        if before == z {
            return z / 3.0;
        }
    }
}

/// PFDEBUG DECODE's text of a sparse payload: `z:N`, `Z:N` and `v:VALUE,N`, space separated.
pub fn decode(payload: &[u8]) -> String {
    let parts: Vec<String> = ops(payload)
        .map(|op| match op {
            Op::Zero { len, long: false } => format!("z:{len}"),
            Op::Zero { len, long: true } => format!("Z:{len}"),
            Op::Val { value, len } => format!("v:{value},{len}"),
        })
        .collect();
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Register values of a valid value, through the dense conversion.
    fn registers(v: &[u8]) -> Vec<u8> {
        let mut d = v.to_vec();
        to_dense(&mut d).unwrap();
        (0..REGISTERS)
            .map(|i| dense_get(&d[HDR_SIZE..], i))
            .collect()
    }

    #[test]
    fn murmur_vectors() {
        // Where Redis 7.0 puts each element (PFADD to an empty key, then PFDEBUG DECODE:
        // `Z:index v:count,1 ...`).
        assert_eq!(murmur64a(b"", 0), 0);
        let cases: [(&[u8], usize, u8); 6] = [
            (b"", 5938, 2),
            (b"a", 12711, 2),
            (b"hello", 9216, 1),
            (b"foobar12", 15489, 2),
            (b"the quick brown fox", 15795, 1),
            (b"0123456789abcdef", 5949, 1),
        ];
        for (ele, index, count) in cases {
            assert_eq!(pat_len(ele), (index, count), "{ele:?}");
        }
        assert_ne!(murmur64a(b"a", 0), murmur64a(b"a", 1));
        // Eight bytes and more use the block loop; the tail covers every length.
        let data: Vec<u8> = (0u8..40).collect();
        let mut seen = std::collections::HashSet::new();
        for n in 0..=data.len() {
            assert!(seen.insert(murmur64a(&data[..n], HASH_SEED)), "length {n}");
        }
    }

    #[test]
    fn pattern_length() {
        // count = trailing zeroes of (hash >> 14 | 1 << 50) + 1, at most 51.
        for e in 0..2000u32 {
            let ele = e.to_le_bytes();
            let (i, c) = pat_len(&ele);
            let h = murmur64a(&ele, HASH_SEED);
            assert_eq!(i as u64, h & 16383);
            assert!((1..=51).contains(&c));
            assert_eq!(
                u64::from(c - 1),
                ((h >> 14) | (1 << 50)).trailing_zeros() as u64
            );
        }
    }

    #[test]
    fn dense_packing() {
        let mut regs = vec![0u8; REGISTERS * 6 / 8];
        let vals: Vec<u8> = (0..REGISTERS).map(|i| ((i * 37 + 11) % 64) as u8).collect();
        for (i, &v) in vals.iter().enumerate() {
            dense_put(&mut regs, i, v);
        }
        for (i, &v) in vals.iter().enumerate() {
            assert_eq!(dense_get(&regs, i), v, "register {i}");
        }
        // Registers are 6 bits LSB first: register 0 is the low 6 bits of byte 0, register 1
        // its top 2 bits and the low 4 of byte 1.
        let mut r = vec![0u8; 3];
        dense_put(&mut r, 0, 0x3f);
        assert_eq!(r, [0x3f, 0, 0]);
        dense_put(&mut r, 1, 0x3f);
        assert_eq!(r, [0xff, 0x0f, 0]);
        dense_put(&mut r, 3, 1);
        assert_eq!(r, [0xff, 0x0f, 0x04]);
        // unpack16 agrees with the register reader.
        let mut histo = [0u32; 64];
        dense_histo(&regs, &mut histo);
        let mut want = [0u32; 64];
        for &v in &vals {
            want[v as usize] += 1;
        }
        assert_eq!(histo, want);
    }

    #[test]
    fn empty_value() {
        let v = new_sparse();
        assert_eq!(v.len(), 18);
        assert_eq!(&v[..5], b"HYLL\x01");
        assert_eq!(&v[16..], [0x7f, 0xff]);
        assert_eq!(decode(&v[HDR_SIZE..]), "Z:16384");
        assert_eq!(count(&v), Ok(0));
        assert!(is_valid(&v));
    }

    #[test]
    fn sparse_splits_and_merges_runs() {
        let mut v = new_sparse();
        assert_eq!(sparse_set(&mut v, 100, 3, 3000), Ok(true));
        assert_eq!(decode(&v[HDR_SIZE..]), "Z:100 v:3,1 Z:16283");
        assert_eq!(sparse_set(&mut v, 100, 2, 3000), Ok(false));
        assert_eq!(sparse_set(&mut v, 101, 3, 3000), Ok(true));
        assert_eq!(decode(&v[HDR_SIZE..]), "Z:100 v:3,2 Z:16282");
        assert_eq!(sparse_set(&mut v, 0, 1, 3000), Ok(true));
        assert_eq!(decode(&v[HDR_SIZE..]), "v:1,1 Z:99 v:3,2 Z:16282");
        assert_eq!(sparse_set(&mut v, 99, 3, 3000), Ok(true));
        assert_eq!(decode(&v[HDR_SIZE..]), "v:1,1 Z:98 v:3,3 Z:16282");
        assert_eq!(sparse_set(&mut v, 98, 3, 3000), Ok(true));
        assert_eq!(decode(&v[HDR_SIZE..]), "v:1,1 Z:97 v:3,4 Z:16282");
        // A VAL run of 4 split in the middle; zero runs up to 64 are ZERO.
        assert_eq!(sparse_set(&mut v, 99, 5, 3000), Ok(true));
        assert_eq!(
            decode(&v[HDR_SIZE..]),
            "v:1,1 Z:97 v:3,1 v:5,1 v:3,2 Z:16282"
        );
        let mut w = new_sparse();
        assert_eq!(sparse_set(&mut w, 64, 1, 3000), Ok(true));
        assert_eq!(sparse_set(&mut w, 130, 1, 3000), Ok(true));
        assert_eq!(decode(&w[HDR_SIZE..]), "z:64 v:1,1 Z:65 v:1,1 Z:16253");
        assert_eq!(sparse_set(&mut v, 30, 2, 3000), Ok(true));
        assert_eq!(
            decode(&v[HDR_SIZE..]),
            "v:1,1 z:29 v:2,1 Z:67 v:3,1 v:5,1 v:3,2 Z:16282"
        );
        let regs = registers(&v);
        assert_eq!(
            (regs[0], regs[98], regs[99], regs[100], regs[101]),
            (1, 3, 5, 3, 3)
        );
        assert_eq!(regs.iter().filter(|&&r| r != 0).count(), 6);
        // Stale cache after an update.
        assert_eq!(cached(&v), None);
    }

    #[test]
    fn sparse_promotes_to_dense() {
        // A count above 32.
        let mut v = new_sparse();
        sparse_set(&mut v, 5, 7, 3000).unwrap();
        assert_eq!(sparse_set(&mut v, 9, 33, 3000), Ok(true));
        assert_eq!(v.len(), DENSE_SIZE);
        assert_eq!(encoding(&v), DENSE);
        assert_eq!(dense_get(&v[HDR_SIZE..], 5), 7);
        assert_eq!(dense_get(&v[HDR_SIZE..], 9), 33);
        // The size limit: 18 bytes + 3 for a split XZERO passes 20.
        let mut v = new_sparse();
        assert_eq!(sparse_set(&mut v, 500, 2, 20), Ok(true));
        assert_eq!(encoding(&v), DENSE);
        let mut v = new_sparse();
        assert_eq!(sparse_set(&mut v, 500, 2, 21), Ok(true));
        assert_eq!(encoding(&v), SPARSE);
    }

    #[test]
    fn sparse_and_dense_agree() {
        let mut s = new_sparse();
        let mut d = new_sparse();
        to_dense(&mut d).unwrap();
        for e in 0..1500u32 {
            add(&mut s, &e.to_be_bytes(), 1 << 20).unwrap();
            add(&mut d, &e.to_be_bytes(), 1 << 20).unwrap();
            if e % 97 == 0 {
                assert_eq!(count(&s), count(&d));
            }
        }
        assert_eq!(encoding(&s), SPARSE);
        assert_eq!(registers(&s), registers(&d));
        // Re-adding the same elements raises nothing; a new one usually does.
        let again: Vec<[u8; 4]> = (0..1500u32).map(|e| e.to_be_bytes()).collect();
        let again: Vec<&[u8]> = again.iter().map(|e| e.as_slice()).collect();
        assert!(!dense_raises(&d, &again));
        let fresh: Vec<[u8; 4]> = (5000..5100u32).map(|e| e.to_be_bytes()).collect();
        let fresh: Vec<&[u8]> = fresh.iter().map(|e| e.as_slice()).collect();
        assert!(dense_raises(&d, &fresh));
        let mut max = [0u8; REGISTERS];
        merge(&mut max, &s).unwrap();
        assert_eq!(count_raw(&max), count(&d).unwrap());
        let mut max2 = [0u8; REGISTERS];
        merge(&mut max2, &d).unwrap();
        assert_eq!(max, max2);
    }

    #[test]
    fn estimator_error_is_small() {
        let mut d = new_sparse();
        to_dense(&mut d).unwrap();
        let mut checkpoint = 1u64;
        for e in 1..=200_000u64 {
            add(&mut d, &e.to_le_bytes(), 0).unwrap();
            if e == checkpoint {
                let est = count(&d).unwrap() as f64;
                let err = (est - e as f64).abs();
                assert!(
                    err <= (1.04 / 128.0 * 6.0 * e as f64).ceil().max(1.0),
                    "{e}: {est}"
                );
                checkpoint *= 10;
            }
        }
        // Redis 7.0's PFCOUNT of "e0" .. "e<n-1>".
        for (n, want) in [
            (1u32, 1u64),
            (10, 10),
            (100, 100),
            (1000, 1008),
            (10000, 9973),
            (100000, 100853),
        ] {
            let mut v = new_sparse();
            for i in 0..n {
                add(&mut v, format!("e{i}").as_bytes(), 3000).unwrap();
            }
            assert_eq!(count(&v), Ok(want), "{n} elements");
        }
        // Redis 7.0's PFCOUNT of dense values made with SET: registers (all at 51, every
        // other one at 51, i * 7 % 52, i % 3).
        let dense_of = |f: &dyn Fn(usize) -> u8| {
            let mut v = new_sparse();
            to_dense(&mut v).unwrap();
            for i in 0..REGISTERS {
                dense_put(&mut v[HDR_SIZE..], i, f(i));
            }
            v
        };
        assert_eq!(count(&dense_of(&|_| 51)), Ok(1 << 63));
        assert_eq!(
            count(&dense_of(&|i| if i % 2 == 1 { 51 } else { 0 })),
            Ok(13268)
        );
        assert_eq!(count(&dense_of(&|i| (i * 7 % 52) as u8)), Ok(303929));
        assert_eq!(count(&dense_of(&|i| (i % 3) as u8)), Ok(16419));
        // Known inputs: all registers 0 is 0; one register at 1 is 1.
        let mut h = [0u32; 64];
        h[0] = REGISTERS as u32;
        assert_eq!(estimate(&h), 0);
        h[0] -= 1;
        h[1] = 1;
        assert_eq!(estimate(&h), 1);
    }

    #[test]
    fn corrupt_payloads_are_refused() {
        let mut base = new_sparse();
        for e in 0..20u32 {
            add(&mut base, &e.to_le_bytes(), 3000).unwrap();
        }
        // Bad header: magic, encoding byte, dense length, too short.
        let mut v = base.clone();
        v[0] = b'X';
        assert!(!is_valid(&v));
        let mut v = base.clone();
        v[4] = 2;
        assert!(!is_valid(&v));
        let mut v = base.clone();
        v[4] = 255;
        assert!(!is_valid(&v));
        let mut v = base.clone();
        v[4] = DENSE;
        assert!(!is_valid(&v));
        assert!(!is_valid(&base[..15]));
        // Truncated payloads cover fewer than 16384 registers.
        for cut in HDR_SIZE..base.len() {
            let t = &base[..cut];
            assert_eq!(count(t), Err(Corrupt), "cut at {cut}");
            assert_eq!(merge(&mut [0u8; REGISTERS], t), Err(Corrupt));
            assert_eq!(to_dense(&mut t.to_vec()), Err(Corrupt));
        }
        // Runs past 16384: an extra opcode, an XZERO made longer, VAL runs at the end.
        let mut v = base.clone();
        v.push(0x00);
        assert_eq!(count(&v), Err(Corrupt));
        assert_eq!(merge(&mut [0u8; REGISTERS], &v), Err(Corrupt));
        // VAL runs past the end.
        let mut v = base.clone();
        v.extend_from_slice(&[0xff; 50]);
        assert_eq!(count(&v), Err(Corrupt));
        assert_eq!(merge(&mut [0u8; REGISTERS], &v), Err(Corrupt));
        assert_eq!(to_dense(&mut v.clone()), Err(Corrupt));
        // Every byte value at every payload position: never a panic, and any walk that
        // succeeds covered exactly 16384 registers.
        for pos in HDR_SIZE..base.len() {
            for b in 0..=255u8 {
                let mut v = base.clone();
                v[pos] = b;
                let c = count(&v);
                let mut max = [0u8; REGISTERS];
                let m = merge(&mut max, &v);
                let mut d = v.clone();
                let t = to_dense(&mut d);
                assert_eq!(c.is_ok(), t.is_ok());
                if m.is_ok() {
                    assert!(t.is_ok());
                }
                let _ = add(&mut v.clone(), b"x", 3000);
                let _ = decode(&v[HDR_SIZE..]);
            }
        }
        // A payload of many XZERO opcodes (registers far past 16384) is refused without
        // overflowing.
        let mut v = base[..HDR_SIZE].to_vec();
        for _ in 0..200_000 {
            v.extend_from_slice(&[0x7f, 0xff]);
        }
        v.push(0xff);
        assert_eq!(count(&v), Err(Corrupt));
        assert_eq!(merge(&mut [0u8; REGISTERS], &v), Err(Corrupt));
        assert_eq!(to_dense(&mut v.clone()), Err(Corrupt));
        // An empty sparse payload: nothing to set.
        let mut v = base[..HDR_SIZE].to_vec();
        assert_eq!(add(&mut v, b"x", 3000), Err(Corrupt));
    }
}
