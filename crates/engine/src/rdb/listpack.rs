//! Listpacks (Redis 7's compact encoding of small lists, hashes and sorted sets), read and
//! written exactly as Redis's `listpack.c` lays them out.
//!
//! ```text
//! <total bytes: u32 LE> <entry count: u16 LE, 65535 = unknown> <entry>... 0xFF
//! entry = <encoding + data> <backlen: the size of encoding + data in 1..5 bytes, read backwards>
//! 0xxxxxxx                     7-bit unsigned integer
//! 10xxxxxx <data>              string of up to 63 bytes
//! 110xxxxx yyyyyyyy            13-bit signed integer
//! 1110xxxx yyyyyyyy <data>     string of up to 4095 bytes
//! 11110000 <len: u32 LE> <data> string
//! 11110001 / 0010 / 0011 / 0100 16 / 24 / 32 / 64-bit signed integer, little endian
//! ```
//! The reader validates like Redis's deep sanitization: header size and count, every entry
//! inside the blob, each backlen equal to what Redis would have written, the terminator last.

/// One decoded listpack or ziplist entry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Item<'a> {
    /// An integer entry (its string form is the decimal number).
    Int(i64),
    /// A string entry.
    Str(&'a [u8]),
}

impl Item<'_> {
    /// The entry as the string Redis would return.
    pub(crate) fn to_vec(self) -> Vec<u8> {
        match self {
            Item::Int(v) => v.to_string().into_bytes(),
            Item::Str(s) => s.to_vec(),
        }
    }

    /// The entry read as a sorted-set score, as Redis's `zzlGetScore` (strtod / the integer).
    pub(crate) fn score(self) -> Option<f64> {
        match self {
            Item::Int(v) => Some(v as f64),
            Item::Str(s) => super::parse_score(s),
        }
    }
}

/// Size of the backlen field for an entry whose encoding + data take `l` bytes
/// (`lpEncodeBacklen`; note the boundaries are exclusive above 127).
pub(crate) fn backlen_size(l: usize) -> usize {
    if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2_097_151 {
        3
    } else if l < 268_435_455 {
        4
    } else {
        5
    }
}

fn put_backlen(out: &mut Vec<u8>, l: usize) {
    let l = l as u64;
    match backlen_size(l as usize) {
        1 => out.push(l as u8),
        2 => out.extend_from_slice(&[(l >> 7) as u8, ((l & 127) | 128) as u8]),
        3 => out.extend_from_slice(&[
            (l >> 14) as u8,
            (((l >> 7) & 127) | 128) as u8,
            ((l & 127) | 128) as u8,
        ]),
        4 => out.extend_from_slice(&[
            (l >> 21) as u8,
            (((l >> 14) & 127) | 128) as u8,
            (((l >> 7) & 127) | 128) as u8,
            ((l & 127) | 128) as u8,
        ]),
        _ => out.extend_from_slice(&[
            (l >> 28) as u8,
            (((l >> 21) & 127) | 128) as u8,
            (((l >> 14) & 127) | 128) as u8,
            (((l >> 7) & 127) | 128) as u8,
            ((l & 127) | 128) as u8,
        ]),
    }
}

fn int_content_size(v: i64) -> usize {
    if (0..=127).contains(&v) {
        1
    } else if (-4096..=4095).contains(&v) {
        2
    } else if i16::try_from(v).is_ok() {
        3
    } else if (-8_388_608..=8_388_607).contains(&v) {
        4
    } else if i32::try_from(v).is_ok() {
        5
    } else {
        9
    }
}

fn str_content_size(len: usize) -> usize {
    if len < 64 {
        1 + len
    } else if len < 4096 {
        2 + len
    } else {
        5 + len
    }
}

/// The bytes one entry for `s` takes (encoding, data and backlen), as [`Builder::push`] writes it.
pub(crate) fn entry_size(s: &[u8]) -> usize {
    let content = match super::canonical_i64(s) {
        Some(v) => int_content_size(v),
        None => str_content_size(s.len()),
    };
    content + backlen_size(content)
}

/// Writes one entry for `s` (encoding, data, backlen), as an integer when it is one in
/// canonical form, as Redis's `lpAppend` does.
pub(crate) fn encode(out: &mut Vec<u8>, s: &[u8]) {
    match super::canonical_i64(s) {
        Some(v) => encode_int(out, v),
        None => encode_str(out, s),
    }
}

/// Writes one string entry.
pub(crate) fn encode_str(out: &mut Vec<u8>, s: &[u8]) {
    let start = out.len();
    let len = s.len();
    if len < 64 {
        out.push(0x80 | len as u8);
    } else if len < 4096 {
        out.push(0xE0 | (len >> 8) as u8);
        out.push((len & 0xff) as u8);
    } else {
        out.push(0xF0);
        out.extend_from_slice(&(len as u32).to_le_bytes());
    }
    out.extend_from_slice(s);
    let l = out.len() - start;
    put_backlen(out, l);
}

/// Writes one integer entry in the smallest encoding.
pub(crate) fn encode_int(out: &mut Vec<u8>, v: i64) {
    let (b, n) = int_entry(v);
    out.extend_from_slice(&b[..n]);
}

/// The entry [`encode_int`] writes for `v` (encoding, data, backlen: at most 10 bytes) and
/// its length, built on the stack for in-place rewrites.
pub(crate) fn int_entry(v: i64) -> ([u8; 10], usize) {
    let mut b = [0u8; 10];
    let l = int_content_size(v);
    match l {
        1 => b[0] = v as u8,
        2 => {
            let u = (v as u64) & 0x1fff;
            b[0] = 0xC0 | (u >> 8) as u8;
            b[1] = (u & 0xff) as u8;
        }
        3 => {
            b[0] = 0xF1;
            b[1..3].copy_from_slice(&(v as i16).to_le_bytes());
        }
        4 => {
            b[0] = 0xF2;
            b[1..4].copy_from_slice(&(v as i32).to_le_bytes()[..3]);
        }
        5 => {
            b[0] = 0xF3;
            b[1..5].copy_from_slice(&(v as i32).to_le_bytes());
        }
        _ => {
            b[0] = 0xF4;
            b[1..9].copy_from_slice(&v.to_le_bytes());
        }
    }
    // Content of at most 9 bytes: its backlen is the one byte `l`.
    b[l] = l as u8;
    (b, l + 1)
}

/// Reads the entry of a well-formed listpack that starts at `at` (an offset into the whole
/// listpack): the item and the offset of the next entry (the terminator's after the last).
/// Only for listpacks this process built or validated: a malformed one panics.
#[inline]
pub(crate) fn entry_at(lp: &[u8], at: usize) -> (Item<'_>, usize) {
    let (item, len) = decode_entry(&lp[at..], at).expect("a validated listpack");
    (item, at + len + backlen_size(len))
}

/// The offset of the entry after the one at `at` in a well-formed listpack, from its
/// encoding alone (nothing is decoded): how readers step over items they do not need.
#[inline]
pub(crate) fn skip(lp: &[u8], at: usize) -> usize {
    let b = lp[at];
    let len = if b & 0x80 == 0 {
        1
    } else if b & 0xC0 == 0x80 {
        1 + usize::from(b & 0x3f)
    } else if b & 0xE0 == 0xC0 {
        2
    } else if b & 0xF0 == 0xE0 {
        2 + ((usize::from(b & 0x0f) << 8) | usize::from(lp[at + 1]))
    } else {
        match b {
            0xF0 => {
                5 + u32::from_le_bytes([lp[at + 1], lp[at + 2], lp[at + 3], lp[at + 4]]) as usize
            }
            0xF1 => 3,
            0xF2 => 4,
            0xF3 => 5,
            0xF4 => 9,
            _ => panic!("a validated listpack"),
        }
    };
    at + len + backlen_size(len)
}

/// The offset of the entry before the one at `at` (None at the first), reading the backlen
/// that ends just before `at`.
pub(crate) fn prev_at(lp: &[u8], at: usize) -> Option<usize> {
    if at <= 6 {
        return None;
    }
    let (mut p, mut len, mut shift) = (at, 0usize, 0u32);
    loop {
        p -= 1;
        let b = lp[p];
        len |= usize::from(b & 127) << shift;
        shift += 7;
        if b & 128 == 0 {
            break;
        }
    }
    Some(p - len)
}

/// Builds a listpack entry by entry.
pub(crate) struct Builder {
    buf: Vec<u8>,
    count: usize,
}

impl Builder {
    /// An empty listpack.
    pub(crate) fn new() -> Builder {
        Builder {
            buf: vec![0; 6],
            count: 0,
        }
    }

    /// Entries so far.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The size the listpack has now, terminator included.
    pub(crate) fn size(&self) -> usize {
        self.buf.len() + 1
    }

    /// Appends `s`, as an integer when it is one in canonical form (as Redis does).
    pub(crate) fn push(&mut self, s: &[u8]) {
        encode(&mut self.buf, s);
        self.count += 1;
    }

    /// The finished listpack.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.buf.push(0xFF);
        let total = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        let count = self.count.min(65535) as u16;
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

fn need(s: &[u8], n: usize, at: usize) -> Result<(), String> {
    if s.len() < n {
        Err(format!("listpack entry at byte {at} runs past the end"))
    } else {
        Ok(())
    }
}

/// Decodes one entry's encoding + data from `s` (which starts at the entry and ends before the
/// terminator); returns the item and the size of encoding + data.
#[inline]
fn decode_entry(s: &[u8], at: usize) -> Result<(Item<'_>, usize), String> {
    let b = s[0];
    if b & 0x80 == 0 {
        return Ok((Item::Int(i64::from(b)), 1));
    }
    if b & 0xC0 == 0x80 {
        let len = usize::from(b & 0x3f);
        need(s, 1 + len, at)?;
        return Ok((Item::Str(&s[1..1 + len]), 1 + len));
    }
    if b & 0xE0 == 0xC0 {
        need(s, 2, at)?;
        let uv = (i64::from(b & 0x1f) << 8) | i64::from(s[1]);
        let v = if uv >= 1 << 12 { uv - (1 << 13) } else { uv };
        return Ok((Item::Int(v), 2));
    }
    if b & 0xF0 == 0xE0 {
        need(s, 2, at)?;
        let len = (usize::from(b & 0x0f) << 8) | usize::from(s[1]);
        need(s, 2 + len, at)?;
        return Ok((Item::Str(&s[2..2 + len]), 2 + len));
    }
    match b {
        0xF0 => {
            need(s, 5, at)?;
            let len = u32::from_le_bytes([s[1], s[2], s[3], s[4]]) as usize;
            let total = len
                .checked_add(5)
                .ok_or_else(|| format!("listpack entry at byte {at} is too long"))?;
            need(s, total, at)?;
            Ok((Item::Str(&s[5..total]), total))
        }
        0xF1 => {
            need(s, 3, at)?;
            Ok((Item::Int(i64::from(i16::from_le_bytes([s[1], s[2]]))), 3))
        }
        0xF2 => {
            need(s, 4, at)?;
            let uv = i64::from(s[1]) | (i64::from(s[2]) << 8) | (i64::from(s[3]) << 16);
            let v = if uv >= 1 << 23 { uv - (1 << 24) } else { uv };
            Ok((Item::Int(v), 4))
        }
        0xF3 => {
            need(s, 5, at)?;
            Ok((
                Item::Int(i64::from(i32::from_le_bytes([s[1], s[2], s[3], s[4]]))),
                5,
            ))
        }
        0xF4 => {
            need(s, 9, at)?;
            let mut a = [0u8; 8];
            a.copy_from_slice(&s[1..9]);
            Ok((Item::Int(i64::from_le_bytes(a)), 9))
        }
        _ => Err(format!(
            "invalid listpack entry encoding 0x{b:02x} at byte {at}"
        )),
    }
}

/// Decodes and validates a whole listpack.
pub(crate) fn decode(lp: &[u8]) -> Result<Vec<Item<'_>>, String> {
    if lp.len() < 7 {
        return Err(format!(
            "listpack of {} bytes is shorter than its header",
            lp.len()
        ));
    }
    let total = u32::from_le_bytes([lp[0], lp[1], lp[2], lp[3]]) as usize;
    if total != lp.len() {
        return Err(format!(
            "listpack header says {total} bytes, the blob has {}",
            lp.len()
        ));
    }
    let declared = usize::from(u16::from_le_bytes([lp[4], lp[5]]));
    let end = lp.len() - 1;
    if lp[end] != 0xFF {
        return Err("listpack does not end with its terminator".to_string());
    }
    let mut items = Vec::with_capacity(declared.min(lp.len() / 2));
    let mut p = 6;
    while p < end {
        if lp[p] == 0xFF {
            return Err(format!("listpack terminator at byte {p}, before the end"));
        }
        let (item, content) = decode_entry(&lp[p..end], p)?;
        let bl = backlen_size(content);
        let entry_end = p + content + bl;
        if entry_end > end {
            return Err(format!("listpack entry at byte {p} runs past the end"));
        }
        let mut expect = Vec::with_capacity(5);
        put_backlen(&mut expect, content);
        if lp[p + content..entry_end] != expect[..] {
            return Err(format!("listpack entry at byte {p} has a wrong backlen"));
        }
        items.push(item);
        p = entry_end;
    }
    if declared != 65535 && items.len() != declared {
        return Err(format!(
            "listpack header says {declared} entries, found {}",
            items.len()
        ));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(items: &[Vec<u8>]) -> Vec<u8> {
        let mut b = Builder::new();
        for i in items {
            b.push(i);
        }
        let size = b.size();
        let lp = b.finish();
        assert_eq!(lp.len(), size);
        lp
    }

    /// Every integer encoding boundary, both sides.
    pub(crate) fn boundary_ints() -> Vec<i64> {
        let mut v = vec![0, 1, 12, 13, 127, 128, -1];
        for (lo, hi) in [
            (-4096i64, 4095i64),
            (i16::MIN.into(), i16::MAX.into()),
            (-8_388_608, 8_388_607),
            (i32::MIN.into(), i32::MAX.into()),
            (i64::MIN, i64::MAX),
        ] {
            v.extend([
                lo,
                hi,
                lo.saturating_sub(1),
                hi.saturating_add(1),
                lo + 1,
                hi - 1,
            ]);
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    #[test]
    fn round_trips_every_integer_boundary() {
        let ints = boundary_ints();
        let items: Vec<Vec<u8>> = ints.iter().map(|v| v.to_string().into_bytes()).collect();
        let lp = build(&items);
        let back = decode(&lp).unwrap();
        assert_eq!(back.len(), ints.len());
        for (item, v) in back.iter().zip(&ints) {
            assert_eq!(*item, Item::Int(*v));
        }
        // The encoding sizes Redis uses.
        for (v, size) in [
            (0i64, 2usize),
            (127, 2),
            (128, 3),
            (-1, 3),
            (4095, 3),
            (-4096, 3),
            (4096, 4),
            (32767, 4),
            (32768, 5),
            (8_388_607, 5),
            (8_388_608, 6),
            (2_147_483_647, 6),
            (2_147_483_648, 10),
        ] {
            assert_eq!(entry_size(v.to_string().as_bytes()), size, "{v}");
            let lp = build(&[v.to_string().into_bytes()]);
            assert_eq!(lp.len(), 7 + size, "{v}");
        }
    }

    #[test]
    fn round_trips_every_string_length_class() {
        // Non-canonical integers stay strings.
        let mut items: Vec<Vec<u8>> = [
            "",
            "a",
            "-0",
            "007",
            "+1",
            " 1",
            "1 ",
            "-",
            "9223372036854775808",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        // Length classes and backlen boundaries (content 127/128, 16382/16383, 2097150/1).
        for len in [
            1usize, 63, 64, 125, 126, 127, 4095, 4096, 16377, 16378, 16379, 70_000, 2_097_145,
            2_097_146,
        ] {
            items.push((0..len).map(|i| b'a' + (i % 26) as u8).collect());
        }
        let lp = build(&items);
        let back = decode(&lp).unwrap();
        assert_eq!(back.len(), items.len());
        for (item, s) in back.iter().zip(&items) {
            assert_eq!(*item, Item::Str(s), "len {}", s.len());
        }
        for (len, size) in [
            (63usize, 65usize),
            (64, 67),
            (125, 128),
            (126, 130),
            (4095, 4099),
            (4096, 4103),
        ] {
            let s = vec![b'x'; len];
            assert_eq!(entry_size(&s), size, "len {len}");
        }
        assert_eq!(backlen_size(16382), 2);
        assert_eq!(backlen_size(16383), 3);
    }

    #[test]
    fn count_saturates_at_65535() {
        let items: Vec<Vec<u8>> = (0..70_000)
            .map(|i| (i % 100).to_string().into_bytes())
            .collect();
        let lp = build(&items);
        assert_eq!(&lp[4..6], &[0xff, 0xff]);
        assert_eq!(decode(&lp).unwrap().len(), 70_000);
    }

    #[test]
    fn rejects_malformed_listpacks() {
        let items: Vec<Vec<u8>> = vec![
            b"hello".to_vec(),
            b"12345".to_vec(),
            vec![b'z'; 200],
            b"-7".to_vec(),
        ];
        let lp = build(&items);
        for cut in 0..lp.len() {
            assert!(decode(&lp[..cut]).is_err(), "cut {cut}");
        }
        // Truncated but with a consistent header and terminator.
        for cut in 7..lp.len() - 1 {
            let mut m = lp[..cut].to_vec();
            m.push(0xFF);
            let n = m.len() as u32;
            m[0..4].copy_from_slice(&n.to_le_bytes());
            assert!(decode(&m).is_err(), "cut {cut}");
        }
        let mut bad_count = lp.clone();
        bad_count[4] = 3;
        assert!(decode(&bad_count).is_err());
        let mut unknown_count = lp.clone();
        unknown_count[4..6].copy_from_slice(&[0xff, 0xff]);
        assert_eq!(decode(&unknown_count).unwrap().len(), 4);
        let mut bad_backlen = lp.clone();
        bad_backlen[6 + 6] = 7; // "hello" is 6 bytes of content, backlen 6
        assert!(decode(&bad_backlen).is_err());
        for enc in 0xF5..=0xFEu8 {
            let mut m = Builder::new().finish();
            m.insert(6, enc);
            m.insert(7, 1);
            let n = m.len() as u32;
            m[0..4].copy_from_slice(&n.to_le_bytes());
            m[4] = 1;
            assert!(decode(&m).is_err(), "encoding {enc:02x}");
        }
        // Every byte value at every position: never panics.
        for pos in 0..lp.len() {
            for v in 0..=255u8 {
                let mut m = lp.clone();
                m[pos] = v;
                let _ = decode(&m);
            }
        }
    }
}
