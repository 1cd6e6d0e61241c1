//! The compact encoding of small collections, the counterpart of Redis's listpack: a 4-byte
//! element count, then each element as a LEB128 length and its bytes.
//!
//! ```text
//! [count: u32 LE] [len varint][bytes] [len varint][bytes] ...
//! ```
//!
//! An element of up to 127 bytes costs one byte of overhead, so a five-field hash of short
//! strings fits in about 70 bytes, stored inline in its keyspace entry. Lists keep elements in
//! order, hashes alternate field and value, sorted sets alternate member and score (see
//! [`encode_score`]). Every edit is a splice of the byte vector (like listpack's memmove), which
//! is cheap below the conversion thresholds (`hash-max-listpack-entries` and friends) past which
//! a collection moves to its large representation.

/// An empty pack.
pub fn new() -> Vec<u8> {
    vec![0; 4]
}

/// Number of elements.
pub fn count(buf: &[u8]) -> usize {
    u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize
}

fn set_count(buf: &mut [u8], n: usize) {
    let n = u32::try_from(n).expect("pack count fits u32");
    buf[..4].copy_from_slice(&n.to_le_bytes());
}

fn varint_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

fn write_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads the element at byte offset `off`: (element, offset of the next one).
pub fn read(buf: &[u8], off: usize) -> (&[u8], usize) {
    let mut n = 0usize;
    let mut shift = 0;
    let mut p = off;
    loop {
        let b = buf[p];
        p += 1;
        n |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    (&buf[p..p + n], p + n)
}

/// The encoded form of one element.
fn encoded(elem: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(varint_len(elem.len()) + elem.len());
    write_varint(&mut v, elem.len());
    v.extend_from_slice(elem);
    v
}

/// Iterates elements with their byte offsets.
pub fn iter(buf: &[u8]) -> Iter<'_> {
    Iter {
        buf,
        off: 4,
        left: count(buf),
    }
}

/// Iterator over `(offset, element)`.
#[derive(Clone)]
pub struct Iter<'a> {
    buf: &'a [u8],
    off: usize,
    left: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (usize, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let at = self.off;
        let (e, next) = read(self.buf, at);
        self.off = next;
        self.left -= 1;
        Some((at, e))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Inserts `elems` at byte offset `off` (use `buf.len()` to append).
pub fn insert(buf: &mut Vec<u8>, off: usize, elems: &[&[u8]]) {
    let mut bytes = Vec::new();
    for e in elems {
        write_varint(&mut bytes, e.len());
        bytes.extend_from_slice(e);
    }
    buf.splice(off..off, bytes);
    let n = count(buf) + elems.len();
    set_count(buf, n);
}

/// Appends elements.
pub fn push(buf: &mut Vec<u8>, elems: &[&[u8]]) {
    let end = buf.len();
    insert(buf, end, elems);
}

/// Removes `n` consecutive elements starting at byte offset `off`.
pub fn remove(buf: &mut Vec<u8>, off: usize, n: usize) {
    let mut end = off;
    for _ in 0..n {
        end = read(buf, end).1;
    }
    buf.drain(off..end);
    let c = count(buf) - n;
    set_count(buf, c);
}

/// Replaces the element at byte offset `off`.
pub fn replace(buf: &mut Vec<u8>, off: usize, elem: &[u8]) {
    let end = read(buf, off).1;
    buf.splice(off..end, encoded(elem));
}

/// Builds a pack from elements.
pub fn from_elems<'e>(elems: impl IntoIterator<Item = &'e [u8]>) -> Vec<u8> {
    let mut buf = new();
    let mut n = 0;
    for e in elems {
        write_varint(&mut buf, e.len());
        buf.extend_from_slice(e);
        n += 1;
    }
    set_count(&mut buf, n);
    buf
}

/// Encodes a sorted-set score compactly: an integral score whose magnitude is below 2^53 as a
/// zigzag varint (1 to 8 bytes, usually 1 or 2), anything else (fractions, infinities, -0) as
/// the 9-byte form: a 0xff marker and the IEEE bits.
pub fn encode_score(score: f64) -> ([u8; 9], usize) {
    let mut out = [0u8; 9];
    let integral = score.fract() == 0.0 && score.abs() < 9_007_199_254_740_992.0;
    if integral && !(score == 0.0 && score.is_sign_negative()) {
        let i = score as i64;
        let mut z = ((i << 1) ^ (i >> 63)) as u64;
        let mut n = 0;
        loop {
            let b = (z & 0x7f) as u8;
            z >>= 7;
            if z == 0 {
                out[n] = b;
                n += 1;
                break;
            }
            out[n] = b | 0x80;
            n += 1;
        }
        (out, n)
    } else {
        out[0] = 0xff;
        out[1..].copy_from_slice(&score.to_le_bytes());
        (out, 9)
    }
}

/// Decodes a score written by [`encode_score`].
pub fn decode_score(b: &[u8]) -> f64 {
    if b.len() == 9 && b[0] == 0xff {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[1..]);
        return f64::from_le_bytes(a);
    }
    let mut z = 0u64;
    for (i, &x) in b.iter().enumerate() {
        z |= u64::from(x & 0x7f) << (7 * i);
    }
    let i = ((z >> 1) as i64) ^ -((z & 1) as i64);
    i as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_count_and_order() {
        let mut b = from_elems([&b"a"[..], b"bb", &[7u8; 300][..]]);
        assert_eq!(count(&b), 3);
        let offs: Vec<usize> = iter(&b).map(|(o, _)| o).collect();
        replace(&mut b, offs[1], b"ccc");
        insert(&mut b, 4, &[b"z"]);
        let all: Vec<Vec<u8>> = iter(&b).map(|(_, e)| e.to_vec()).collect();
        assert_eq!(all[0], b"z");
        assert_eq!(all[2], b"ccc");
        assert_eq!(all[3].len(), 300);
        let off = iter(&b).nth(1).unwrap().0;
        remove(&mut b, off, 2);
        let all: Vec<Vec<u8>> = iter(&b).map(|(_, e)| e.to_vec()).collect();
        assert_eq!(all.len(), 2);
        assert_eq!(count(&b), 2);
        assert_eq!(all[1].len(), 300);
    }

    #[test]
    fn scores_round_trip() {
        for s in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            63.0,
            64.0,
            -65.0,
            1e15,
            9_007_199_254_740_991.0,
            9_007_199_254_740_992.0,
            0.1,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e308,
            -2.5e-300,
        ] {
            let (b, n) = encode_score(s);
            let back = decode_score(&b[..n]);
            assert_eq!(back.to_bits(), s.to_bits(), "{s}");
        }
        assert_eq!(encode_score(5.0).1, 1);
    }
}
