//! The compact encoding of small integer sets, as Redis's intset: sorted integers of one width
//! (2, 4 or 8 bytes, the smallest that fits every member), so membership is a binary search and
//! a 100-member set of small ids takes 201 bytes.
//!
//! ```text
//! [width: u8] [int LE] [int LE] ...
//! ```

/// An empty intset.
pub fn new() -> Vec<u8> {
    vec![2]
}

fn width(buf: &[u8]) -> usize {
    usize::from(buf[0])
}

/// Number of members.
pub fn len(buf: &[u8]) -> usize {
    (buf.len() - 1) / width(buf)
}

/// The member at index `i` (ascending order).
pub fn get(buf: &[u8], i: usize) -> i64 {
    let w = width(buf);
    let b = &buf[1 + i * w..1 + (i + 1) * w];
    match w {
        2 => i64::from(i16::from_le_bytes([b[0], b[1]])),
        4 => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        _ => i64::from_le_bytes(b.try_into().expect("8-byte member")),
    }
}

fn width_for(v: i64) -> usize {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

/// Binary search: Ok(index) when present, Err(insertion index) when not.
pub fn search(buf: &[u8], v: i64) -> Result<usize, usize> {
    let (mut lo, mut hi) = (0, len(buf));
    while lo < hi {
        let mid = (lo + hi) / 2;
        match get(buf, mid).cmp(&v) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Ok(mid),
        }
    }
    Err(lo)
}

/// True when `v` is a member.
pub fn contains(buf: &[u8], v: i64) -> bool {
    search(buf, v).is_ok()
}

fn put(out: &mut Vec<u8>, w: usize, v: i64) {
    out.extend_from_slice(&v.to_le_bytes()[..w]);
}

/// Adds `v`; false when it was already a member.
pub fn insert(buf: &mut Vec<u8>, v: i64) -> bool {
    let Err(at) = search(buf, v) else {
        return false;
    };
    let w = width(buf);
    let need = width_for(v);
    if need > w {
        // Upgrade every member to the wider encoding.
        let n = len(buf);
        let mut out = Vec::with_capacity(1 + (n + 1) * need);
        out.push(need as u8);
        for i in 0..n {
            if i == at {
                put(&mut out, need, v);
            }
            put(&mut out, need, get(buf, i));
        }
        if at == n {
            put(&mut out, need, v);
        }
        *buf = out;
    } else {
        let off = 1 + at * w;
        buf.splice(off..off, v.to_le_bytes()[..w].iter().copied());
    }
    true
}

/// Removes `v`; false when it was not a member.
pub fn remove(buf: &mut Vec<u8>, v: i64) -> bool {
    let Ok(at) = search(buf, v) else {
        return false;
    };
    let w = width(buf);
    buf.drain(1 + at * w..1 + (at + 1) * w);
    true
}

/// Iterates members in ascending order.
pub fn iter(buf: &[u8]) -> impl Iterator<Item = i64> + '_ {
    (0..len(buf)).map(move |i| get(buf, i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn matches_a_btreeset() {
        let mut buf = new();
        let mut model = BTreeSet::new();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for step in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = match x % 4 {
                0 => (x >> 8) as i64 % 100,
                1 => (x >> 8) as i64 % 100_000,
                2 => (x >> 8) as i64,
                _ => -((x >> 8) as i64 % 50_000),
            };
            if x & 0x100 == 0 {
                assert_eq!(insert(&mut buf, v), model.insert(v));
            } else {
                assert_eq!(remove(&mut buf, v), model.remove(&v));
            }
            if step % 997 == 0 {
                assert!(iter(&buf).eq(model.iter().copied()));
            }
        }
        assert_eq!(len(&buf), model.len());
        assert!(iter(&buf).eq(model.iter().copied()));
    }
}
