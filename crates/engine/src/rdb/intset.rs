//! Intsets (`intset.c`): the encoding of small sets of integers.
//!
//! `<encoding: u32 LE, the width 2, 4 or 8> <count: u32 LE> <count values, LE, strictly ascending>`

/// Decodes and validates an intset (strictly ascending, as Redis's deep sanitization requires).
pub(crate) fn decode(b: &[u8]) -> Result<Vec<i64>, String> {
    if b.len() < 8 {
        return Err(format!(
            "intset of {} bytes is shorter than its header",
            b.len()
        ));
    }
    let width = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err(format!("invalid intset encoding {width}"));
    }
    let count = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
    if count.checked_mul(width).and_then(|n| n.checked_add(8)) != Some(b.len()) {
        return Err(format!(
            "intset of {count} {width}-byte values cannot be {} bytes long",
            b.len()
        ));
    }
    if count == 0 {
        return Err("empty intset".to_string());
    }
    let mut out = Vec::with_capacity(count);
    for c in b[8..].chunks_exact(width) {
        let v = match width {
            2 => i64::from(i16::from_le_bytes([c[0], c[1]])),
            4 => i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            _ => i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
        };
        if out.last().is_some_and(|&prev| prev >= v) {
            return Err("intset values are not strictly ascending".to_string());
        }
        out.push(v);
    }
    Ok(out)
}

/// Encodes `values` (sorted and deduplicated here) in the narrowest width that holds them all.
pub(crate) fn encode(mut values: Vec<i64>) -> Vec<u8> {
    values.sort_unstable();
    values.dedup();
    let fits = |lo: i64, hi: i64| values.iter().all(|v| (lo..=hi).contains(v));
    let width: usize = if fits(i16::MIN.into(), i16::MAX.into()) {
        2
    } else if fits(i32::MIN.into(), i32::MAX.into()) {
        4
    } else {
        8
    };
    let mut out = Vec::with_capacity(8 + width * values.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_each_width() {
        for (values, width) in [
            (vec![3i64, -1, 2], 2usize),
            (vec![i16::MIN.into(), i16::MAX.into()], 2),
            (vec![1, i64::from(i16::MAX) + 1], 4),
            (vec![i32::MIN.into(), 0], 4),
            (vec![i64::from(i32::MIN) - 1, 5], 8),
            (vec![i64::MIN, i64::MAX, 0], 8),
        ] {
            let b = encode(values.clone());
            assert_eq!(b[0] as usize, width);
            let mut sorted = values;
            sorted.sort_unstable();
            assert_eq!(decode(&b).unwrap(), sorted);
        }
    }

    #[test]
    fn rejects_malformed_intsets() {
        let b = encode(vec![1, 2, 3]);
        for cut in 0..b.len() {
            assert!(decode(&b[..cut]).is_err());
        }
        let mut unsorted = b.clone();
        unsorted[8] = 9;
        assert!(decode(&unsorted).is_err());
        let mut dup = b.clone();
        dup[10] = 1;
        assert!(decode(&dup).is_err());
        let mut bad_width = b.clone();
        bad_width[0] = 3;
        assert!(decode(&bad_width).is_err());
        let mut bad_count = b.clone();
        bad_count[4] = 0xff;
        assert!(decode(&bad_count).is_err());
        assert!(decode(&[2, 0, 0, 0, 0, 0, 0, 0]).is_err());
    }
}
