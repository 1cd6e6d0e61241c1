//! LZF, the compression Redis uses for strings in RDB files (`rdbcompression yes`).
//!
//! The format (liblzf): a sequence of chunks, each starting with a control byte `c`:
//! - `c < 32`: a literal run of `c + 1` bytes follows;
//! - otherwise a back reference: length `(c >> 5) + 2` (when `c >> 5` is 7, one more byte is
//!   added to the length), then one byte `o`; the copy starts `((c & 0x1f) << 8 | o) + 1` bytes
//!   back in the output (it may overlap the bytes it produces).
//!
//! The decompressor checks every reference and length; the compressor is a small greedy
//! hash-chain-free matcher (one candidate per 3-byte hash), valid LZF but not byte-identical to
//! liblzf's output (nothing requires that: readers only decompress).

/// The largest output one input byte can produce: a 3-byte back reference yields 264 bytes.
pub(crate) const MAX_EXPANSION: usize = 88;

const MAX_LITERAL: usize = 32;
const MAX_OFFSET: usize = 1 << 13;
const MAX_MATCH: usize = 264;
const HASH_LOG: u32 = 14;

/// Decompresses `input`, which must produce exactly `out_len` bytes.
pub(crate) fn decompress(input: &[u8], out_len: usize) -> Result<Vec<u8>, String> {
    if out_len > input.len().saturating_mul(MAX_EXPANSION) {
        return Err(format!(
            "LZF: {} compressed bytes cannot produce {out_len} bytes",
            input.len()
        ));
    }
    let mut out: Vec<u8> = Vec::with_capacity(out_len);
    let mut ip = 0usize;
    while ip < input.len() {
        let ctrl = usize::from(input[ip]);
        ip += 1;
        if ctrl < MAX_LITERAL {
            let n = ctrl + 1;
            let Some(lit) = input.get(ip..ip + n) else {
                return Err(format!(
                    "LZF: literal run at {} past the end of the input",
                    ip - 1
                ));
            };
            if out.len() + n > out_len {
                return Err(format!(
                    "LZF: output longer than the declared {out_len} bytes"
                ));
            }
            out.extend_from_slice(lit);
            ip += n;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                let Some(&extra) = input.get(ip) else {
                    return Err("LZF: back reference truncated".to_string());
                };
                len += usize::from(extra);
                ip += 1;
            }
            let Some(&low) = input.get(ip) else {
                return Err("LZF: back reference truncated".to_string());
            };
            ip += 1;
            let back = ((ctrl & 0x1f) << 8) + usize::from(low) + 1;
            len += 2;
            if back > out.len() {
                return Err(format!(
                    "LZF: back reference {back} bytes back at output offset {}",
                    out.len()
                ));
            }
            if out.len() + len > out_len {
                return Err(format!(
                    "LZF: output longer than the declared {out_len} bytes"
                ));
            }
            let start = out.len() - back;
            if back >= len {
                out.extend_from_within(start..start + len);
            } else {
                for k in 0..len {
                    let b = out[start + k];
                    out.push(b);
                }
            }
        }
    }
    if out.len() != out_len {
        return Err(format!(
            "LZF: decompressed to {} bytes, expected {out_len}",
            out.len()
        ));
    }
    Ok(out)
}

fn hash(a: u8, b: u8, c: u8, log: u32) -> usize {
    let v = (u32::from(a) << 16) | (u32::from(b) << 8) | u32::from(c);
    (v.wrapping_mul(2_654_435_761) >> (32 - log)) as usize
}

fn put_literals(out: &mut Vec<u8>, lit: &[u8]) {
    for chunk in lit.chunks(MAX_LITERAL) {
        out.push((chunk.len() - 1) as u8);
        out.extend_from_slice(chunk);
    }
}

/// Compresses `input`; `None` when the result would be longer than `max_out` bytes.
pub(crate) fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let n = input.len();
    // A table sized to the input: small strings are common and must stay cheap.
    let log = (usize::BITS - n.leading_zeros()).clamp(6, HASH_LOG);
    let mut table = vec![0usize; 1 << log]; // position + 1; 0 = empty
    let mut out = Vec::with_capacity(max_out.min(n + n / MAX_LITERAL + 1));
    let mut lit_start = 0usize;
    let mut ip = 0usize;
    while ip + 2 < n {
        // The pending literals will be written whatever follows: give up early when they
        // alone no longer fit.
        let pending = ip - lit_start;
        if out.len() + pending + pending.div_ceil(MAX_LITERAL) > max_out {
            return None;
        }
        let h = hash(input[ip], input[ip + 1], input[ip + 2], log);
        let cand = table[h];
        table[h] = ip + 1;
        if cand > 0 {
            let r = cand - 1;
            let off = ip - r - 1;
            if off < MAX_OFFSET && input[r..r + 3] == input[ip..ip + 3] {
                let max_len = MAX_MATCH.min(n - ip);
                let mut len = 3;
                while len < max_len && input[r + len] == input[ip + len] {
                    len += 1;
                }
                put_literals(&mut out, &input[lit_start..ip]);
                let l = len - 2;
                if l < 7 {
                    out.push(((l << 5) | (off >> 8)) as u8);
                } else {
                    out.push(((7 << 5) | (off >> 8)) as u8);
                    out.push((l - 7) as u8);
                }
                out.push((off & 0xff) as u8);
                let end = ip + len;
                ip += 1;
                while ip < end && ip + 2 < n {
                    table[hash(input[ip], input[ip + 1], input[ip + 2], log)] = ip + 1;
                    ip += 1;
                }
                ip = end;
                lit_start = ip;
                continue;
            }
        }
        ip += 1;
    }
    put_literals(&mut out, &input[lit_start..]);
    (out.len() <= max_out).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(seed: u64) -> impl FnMut() -> u64 {
        let mut s = seed | 1;
        move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        }
    }

    #[test]
    fn round_trips_random_and_repetitive_data() {
        let mut next = rng(42);
        let mut inputs: Vec<Vec<u8>> = vec![
            vec![],
            b"a".to_vec(),
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(),
            vec![0u8; 100_000],
            b"abcabcabcabcabcabcabcabcabcabcabcabc".repeat(1000),
        ];
        for len in [3, 4, 31, 32, 33, 64, 1000, 9000, 70_000] {
            inputs.push((0..len).map(|_| next() as u8).collect());
            // Text-like: few symbols, many repeats at every distance.
            inputs.push(
                (0..len)
                    .map(|_| b"the quick brown fox "[(next() % 20) as usize])
                    .collect(),
            );
            // Repeats further back than the 8 KB window.
            let block: Vec<u8> = (0..9000).map(|_| next() as u8).collect();
            inputs.push(
                block
                    .iter()
                    .chain(block.iter())
                    .take(len * 2)
                    .copied()
                    .collect(),
            );
        }
        for input in &inputs {
            let c = compress(input, usize::MAX).expect("unbounded compression succeeds");
            assert_eq!(
                decompress(&c, input.len()).unwrap(),
                *input,
                "len {}",
                input.len()
            );
        }
        // Repetitive data shrinks a lot; random data does not fit in len - 4.
        let zeros = vec![0u8; 100_000];
        assert!(compress(&zeros, zeros.len() - 4).unwrap().len() < 1300);
        let random: Vec<u8> = (0..1000).map(|_| next() as u8).collect();
        assert!(compress(&random, random.len() - 4).is_none());
    }

    #[test]
    fn rejects_malformed_input() {
        let input = b"hello hello hello hello hello world".to_vec();
        let c = compress(&input, usize::MAX).unwrap();
        for cut in 0..c.len() {
            assert!(decompress(&c[..cut], input.len()).is_err(), "cut {cut}");
        }
        assert!(decompress(&c, input.len() + 1).is_err());
        assert!(decompress(&c, input.len() - 1).is_err());
        // Back reference before the start of the output.
        assert!(decompress(&[0x20, 0x00], 3).is_err());
        assert!(decompress(&[0x00, b'a', 0x20, 0x01], 4).is_err());
        // Declared length no input can produce.
        assert!(decompress(&[0x00, b'a'], 1 << 40).is_err());
        // Every byte value at every position: never panics.
        for pos in 0..c.len() {
            for v in 0..=255u8 {
                let mut m = c.clone();
                m[pos] = v;
                let _ = decompress(&m, input.len());
            }
        }
    }
}
