//! The encodings Redis wrote before listpacks, still found in older RDB files and DUMP
//! payloads: ziplists (Redis 2.6 to 6.2) and zipmaps (Redis 2.4 and older). Read only.
//!
//! Ziplist (`ziplist.c`):
//! ```text
//! <zlbytes: u32 LE> <zltail: u32 LE, offset of the last entry> <zllen: u16 LE, 65535 = unknown>
//! <entry>... 0xFF
//! entry = <prevlen: 1 byte if < 254, else 0xFE + u32 LE> <encoding> <data>
//! 00pppppp / 01pppppp qqqqqqqq / 10______ <u32 BE>   string of 6 / 14 / 32-bit length
//! 0xC0 / 0xD0 / 0xE0 / 0xF0 / 0xFE                   int16 / int32 / int64 / int24 / int8 (LE)
//! 0xF1..=0xFD                                         immediate 0..=12
//! ```
//! Zipmap (`zipmap.c`): `<count, 254 = unknown> (<len> field <len> <free> value <free bytes>)... 0xFF`
//! where a length is one byte below 254, or 254 followed by a u32 LE.
//!
//! Both are validated like Redis's deep sanitization: sizes, every entry inside the blob,
//! prevlen chains, the tail offset and the counts.

use super::listpack::Item;

fn short(at: usize) -> String {
    format!("ziplist entry at byte {at} runs past the end")
}

/// Decodes and validates a ziplist.
pub(crate) fn decode(zl: &[u8]) -> Result<Vec<Item<'_>>, String> {
    if zl.len() < 11 {
        return Err(format!(
            "ziplist of {} bytes is shorter than its header",
            zl.len()
        ));
    }
    let total = u32::from_le_bytes([zl[0], zl[1], zl[2], zl[3]]) as usize;
    if total != zl.len() {
        return Err(format!(
            "ziplist header says {total} bytes, the blob has {}",
            zl.len()
        ));
    }
    let tail = u32::from_le_bytes([zl[4], zl[5], zl[6], zl[7]]) as usize;
    let declared = usize::from(u16::from_le_bytes([zl[8], zl[9]]));
    let end = zl.len() - 1;
    if zl[end] != 0xFF {
        return Err("ziplist does not end with its terminator".to_string());
    }
    if tail > end {
        return Err(format!("ziplist tail offset {tail} is outside the blob"));
    }
    let mut items = Vec::with_capacity(declared.min(zl.len() / 2));
    let mut p = 10;
    let mut prev_size = 0usize;
    let mut last = None;
    while zl[p] != 0xFF {
        // Invariant: p < end, since the previous entry ended at or before `end`.
        let (prevlen, header) = if zl[p] < 254 {
            (usize::from(zl[p]), 1)
        } else {
            if p + 5 > end {
                return Err(short(p));
            }
            (
                u32::from_le_bytes([zl[p + 1], zl[p + 2], zl[p + 3], zl[p + 4]]) as usize,
                5,
            )
        };
        if prevlen != prev_size {
            return Err(format!(
                "ziplist entry at byte {p} says the previous entry has {prevlen} bytes, it has {prev_size}"
            ));
        }
        let q = p + header;
        if q >= end {
            return Err(short(p));
        }
        let enc = zl[q];
        let body = &zl[q + 1..end];
        let (item, enc_size, data_size) = match enc >> 6 {
            0 => {
                let len = usize::from(enc & 0x3f);
                (None, 1, len)
            }
            1 => {
                let Some(&b) = body.first() else {
                    return Err(short(p));
                };
                (None, 2, (usize::from(enc & 0x3f) << 8) | usize::from(b))
            }
            2 => {
                if body.len() < 4 {
                    return Err(short(p));
                }
                (
                    None,
                    5,
                    u32::from_be_bytes([body[0], body[1], body[2], body[3]]) as usize,
                )
            }
            _ => {
                let int =
                    |n: usize| -> Result<&[u8], String> { body.get(..n).ok_or_else(|| short(p)) };
                let v = match enc {
                    0xC0 => {
                        let b = int(2)?;
                        i64::from(i16::from_le_bytes([b[0], b[1]]))
                    }
                    0xD0 => {
                        let b = int(4)?;
                        i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    }
                    0xE0 => {
                        let b = int(8)?;
                        let mut a = [0u8; 8];
                        a.copy_from_slice(b);
                        i64::from_le_bytes(a)
                    }
                    0xF0 => {
                        let b = int(3)?;
                        i64::from(i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8)
                    }
                    0xFE => {
                        let b = int(1)?;
                        i64::from(b[0] as i8)
                    }
                    0xF1..=0xFD => i64::from(enc & 0x0f) - 1,
                    _ => {
                        return Err(format!(
                            "invalid ziplist entry encoding 0x{enc:02x} at byte {p}"
                        ))
                    }
                };
                let size = match enc {
                    0xC0 => 2,
                    0xD0 => 4,
                    0xE0 => 8,
                    0xF0 => 3,
                    0xFE => 1,
                    _ => 0,
                };
                (Some(Item::Int(v)), 1, size)
            }
        };
        let data_start = q + enc_size;
        let entry_end = data_start
            .checked_add(data_size)
            .filter(|&e| e <= end)
            .ok_or_else(|| short(p))?;
        items.push(item.unwrap_or(Item::Str(&zl[data_start..entry_end])));
        prev_size = entry_end - p;
        last = Some(p);
        p = entry_end;
    }
    if p != end {
        return Err(format!("ziplist terminator at byte {p}, before the end"));
    }
    if let Some(last) = last {
        if last != tail {
            return Err(format!(
                "ziplist tail offset {tail} is not the last entry's ({last})"
            ));
        }
    }
    if declared != 65535 && items.len() != declared {
        return Err(format!(
            "ziplist header says {declared} entries, found {}",
            items.len()
        ));
    }
    Ok(items)
}

fn zipmap_len(zm: &[u8], p: usize, end: usize) -> Result<(usize, usize), String> {
    match zm.get(p) {
        Some(&b) if b < 254 => Ok((usize::from(b), 1)),
        Some(254) if p + 5 <= end => Ok((
            u32::from_le_bytes([zm[p + 1], zm[p + 2], zm[p + 3], zm[p + 4]]) as usize,
            5,
        )),
        _ => Err(format!(
            "zipmap length at byte {p} is invalid or runs past the end"
        )),
    }
}

/// A zipmap's (field, value) pairs, borrowed from it.
pub(crate) type ZipmapPairs<'a> = Vec<(&'a [u8], &'a [u8])>;

/// Decodes and validates a zipmap into (field, value) pairs.
pub(crate) fn decode_zipmap(zm: &[u8]) -> Result<ZipmapPairs<'_>, String> {
    if zm.len() < 2 {
        return Err("zipmap shorter than its header".to_string());
    }
    let end = zm.len() - 1;
    if zm[end] != 0xFF {
        return Err("zipmap does not end with its terminator".to_string());
    }
    let declared = usize::from(zm[0]);
    let mut pairs = Vec::new();
    let mut p = 1;
    let past = |p: usize| format!("zipmap entry at byte {p} runs past the end");
    while zm[p] != 0xFF {
        let start = p;
        let (flen, s) = zipmap_len(zm, p, end)?;
        p += s;
        let fend = p
            .checked_add(flen)
            .filter(|&e| e <= end)
            .ok_or_else(|| past(start))?;
        let field = &zm[p..fend];
        p = fend;
        let (vlen, s) = zipmap_len(zm, p, end)?;
        p += s;
        let free = usize::from(*zm.get(p).filter(|_| p < end).ok_or_else(|| past(start))?);
        p += 1;
        let vend = p
            .checked_add(vlen)
            .filter(|&e| e <= end)
            .ok_or_else(|| past(start))?;
        let value = &zm[p..vend];
        p = vend
            .checked_add(free)
            .filter(|&e| e <= end)
            .ok_or_else(|| past(start))?;
        pairs.push((field, value));
    }
    if p != end {
        return Err(format!("zipmap terminator at byte {p}, before the end"));
    }
    if pairs.is_empty() {
        return Err("empty zipmap".to_string());
    }
    if declared < 254 && declared != pairs.len() {
        return Err(format!(
            "zipmap header says {declared} entries, found {}",
            pairs.len()
        ));
    }
    Ok(pairs)
}

/// Test-only encoders, written after Redis's `ziplist.c` / `zipmap.c` (the interop tests check
/// them against redis-server with `sanitize-dump-payload yes`).
#[cfg(test)]
pub(crate) mod encode {
    /// A ziplist of `items`, integers encoded as Redis's `zipTryEncoding` would.
    pub(crate) fn ziplist(items: &[&[u8]]) -> Vec<u8> {
        let mut zl = vec![0u8; 10];
        let mut prev = 0usize;
        let mut tail = 10usize;
        for item in items {
            let start = zl.len();
            tail = start;
            if prev < 254 {
                zl.push(prev as u8);
            } else {
                zl.push(0xFE);
                zl.extend_from_slice(&(prev as u32).to_le_bytes());
            }
            let int = if item.len() < 32 {
                super::super::canonical_i64(item)
            } else {
                None
            };
            match int {
                Some(v @ 0..=12) => zl.push(0xF1 + v as u8),
                Some(v) if i8::try_from(v).is_ok() => zl.extend_from_slice(&[0xFE, v as u8]),
                Some(v) if i16::try_from(v).is_ok() => {
                    zl.push(0xC0);
                    zl.extend_from_slice(&(v as i16).to_le_bytes());
                }
                Some(v) if (-8_388_608..=8_388_607).contains(&v) => {
                    zl.push(0xF0);
                    zl.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
                }
                Some(v) if i32::try_from(v).is_ok() => {
                    zl.push(0xD0);
                    zl.extend_from_slice(&(v as i32).to_le_bytes());
                }
                Some(v) => {
                    zl.push(0xE0);
                    zl.extend_from_slice(&v.to_le_bytes());
                }
                None => {
                    let len = item.len();
                    if len <= 63 {
                        zl.push(len as u8);
                    } else if len <= 16383 {
                        zl.push(0x40 | (len >> 8) as u8);
                        zl.push((len & 0xff) as u8);
                    } else {
                        zl.push(0x80);
                        zl.extend_from_slice(&(len as u32).to_be_bytes());
                    }
                    zl.extend_from_slice(item);
                }
            }
            prev = zl.len() - start;
        }
        zl.push(0xFF);
        let total = zl.len() as u32;
        zl[0..4].copy_from_slice(&total.to_le_bytes());
        zl[4..8].copy_from_slice(&(tail as u32).to_le_bytes());
        zl[8..10].copy_from_slice(&(items.len().min(65535) as u16).to_le_bytes());
        zl
    }

    fn zipmap_len(zm: &mut Vec<u8>, len: usize) {
        if len < 254 {
            zm.push(len as u8);
        } else {
            zm.push(254);
            zm.extend_from_slice(&(len as u32).to_le_bytes());
        }
    }

    /// A zipmap of `pairs`; `free` unused bytes follow each value.
    pub(crate) fn zipmap(pairs: &[(&[u8], &[u8])], free: u8) -> Vec<u8> {
        let mut zm = vec![pairs.len().min(254) as u8];
        for (f, v) in pairs {
            zipmap_len(&mut zm, f.len());
            zm.extend_from_slice(f);
            zipmap_len(&mut zm, v.len());
            zm.push(free);
            zm.extend_from_slice(v);
            zm.extend(std::iter::repeat_n(b'#', usize::from(free)));
        }
        zm.push(0xFF);
        zm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[Vec<u8>]) -> Vec<&[u8]> {
        v.iter().map(|x| x.as_slice()).collect()
    }

    #[test]
    fn ziplist_round_trips_every_encoding() {
        let mut items: Vec<Vec<u8>> = Vec::new();
        let mut ints: Vec<i64> = (-2..=14).collect();
        for b in [
            i8::MIN as i64,
            i8::MAX as i64,
            i16::MIN as i64,
            i16::MAX as i64,
            -8_388_608,
            8_388_607,
            i32::MIN as i64,
            i32::MAX as i64,
            i64::MIN,
            i64::MAX,
        ] {
            ints.extend([b - (b > i64::MIN) as i64, b, b + (b < i64::MAX) as i64]);
        }
        for v in &ints {
            items.push(v.to_string().into_bytes());
        }
        // String length classes; entries of 254+ bytes make the next prevlen take 5 bytes.
        for len in [
            0usize, 1, 63, 64, 250, 251, 252, 253, 254, 300, 16383, 16384, 70_000,
        ] {
            items.push((0..len).map(|i| b'a' + (i % 26) as u8).collect());
            items.push(b"7".to_vec());
        }
        items.push(b"007".to_vec());
        items.push(b"-0".to_vec());
        let zl = encode::ziplist(&strings(&items));
        let back = decode(&zl).unwrap();
        assert_eq!(back.len(), items.len());
        for (item, s) in back.iter().zip(&items) {
            assert_eq!(item.to_vec(), *s);
        }
        // Integers came back as integers, strings as strings.
        assert_eq!(back[0], Item::Int(-2));
        assert!(matches!(back[ints.len()], Item::Str(_)));
        assert!(decode(&encode::ziplist(&[])).unwrap().is_empty());
    }

    #[test]
    fn ziplist_rejects_malformed_input() {
        let items: Vec<Vec<u8>> = vec![
            b"a".to_vec(),
            vec![b'b'; 300],
            b"-5".to_vec(),
            b"100000".to_vec(),
        ];
        let zl = encode::ziplist(&strings(&items));
        for cut in 0..zl.len() {
            assert!(decode(&zl[..cut]).is_err(), "cut {cut}");
        }
        let mut bad_tail = zl.clone();
        bad_tail[4] ^= 1;
        assert!(decode(&bad_tail).is_err());
        let mut bad_count = zl.clone();
        bad_count[8] = 5;
        assert!(decode(&bad_count).is_err());
        let mut bad_prevlen = zl.clone();
        assert_eq!(bad_prevlen[13], 3); // second entry's prevlen: the first entry "a" is 3 bytes
        bad_prevlen[13] = 4;
        assert!(decode(&bad_prevlen).is_err());
        for enc in [0xC1u8, 0xD1, 0xE1, 0xFF] {
            let mut m = encode::ziplist(&[b"x"]);
            m[11] = enc;
            assert!(decode(&m).is_err(), "encoding {enc:02x}");
        }
        for pos in 0..zl.len() {
            for v in 0..=255u8 {
                let mut m = zl.clone();
                m[pos] = v;
                let _ = decode(&m);
            }
        }
    }

    #[test]
    fn zipmap_round_trips_and_rejects_malformed_input() {
        let long = vec![b'v'; 300];
        let pairs: Vec<(&[u8], &[u8])> =
            vec![(b"a", b"1"), (b"field", &long), (&long, b""), (b"", b"x")];
        for free in [0u8, 3] {
            let zm = encode::zipmap(&pairs, free);
            assert_eq!(decode_zipmap(&zm).unwrap(), pairs);
            for cut in 0..zm.len() {
                assert!(decode_zipmap(&zm[..cut]).is_err(), "cut {cut}");
            }
            for pos in 0..zm.len() {
                for v in 0..=255u8 {
                    let mut m = zm.clone();
                    m[pos] = v;
                    let _ = decode_zipmap(&m);
                }
            }
        }
        let mut bad_count = encode::zipmap(&pairs, 0);
        bad_count[0] = 2;
        assert!(decode_zipmap(&bad_count).is_err());
        assert!(decode_zipmap(&[0, 0xFF]).is_err());
    }
}
