//! Floating-point parsing and formatting identical to Redis's.
//!
//! Redis 7.0 does INCRBYFLOAT in `long double` (80-bit on x86-64) and prints with `%.17Lf`, then
//! trims zeros; `10.1 + 0.1` prints `10.2` there only because of the extra precision. Matching
//! that byte for byte needs the platform's `long double`, which Rust lacks, so a 60-line C
//! helper (`ldouble.c`, built by build.rs) does exactly what Redis does.

use std::os::raw::{c_char, c_int};

extern "C" {
    fn ferrokv_incrbyfloat(
        cur: *const c_char,
        cur_len: usize,
        has_cur: c_int,
        incr: *const c_char,
        incr_len: usize,
        out: *mut c_char,
        cap: usize,
        outlen: *mut usize,
    ) -> c_int;
    fn ferrokv_parse_double(s: *const c_char, len: usize, out: *mut f64) -> c_int;
    fn ferrokv_format_g17(v: f64, out: *mut c_char, cap: usize) -> c_int;
    fn ferrokv_classify_ld(s: *const c_char, len: usize) -> c_int;
}

/// Reads `s` as a `long double` the way Redis parses increments: None when it is not a
/// float, Some(true) when it is infinite.
pub fn long_double_is_infinite(s: &[u8]) -> Option<bool> {
    // SAFETY: pointer and length describe a live slice.
    match unsafe { ferrokv_classify_ld(s.as_ptr() as *const c_char, s.len()) } {
        -1 => None,
        c => Some(c == 1),
    }
}

/// Why INCRBYFLOAT failed.
#[derive(Debug, PartialEq, Eq)]
pub enum IncrFloatError {
    /// The stored value is not a float.
    NotFloat,
    /// The increment is not a float.
    BadIncrement,
    /// The result would be NaN or infinite.
    NanOrInfinity,
}

/// Adds `incr` to `current` (None when the key is missing) in long double and formats the result
/// as Redis does.
pub fn incr_by_float(current: Option<&[u8]>, incr: &[u8]) -> Result<Vec<u8>, IncrFloatError> {
    let mut out = [0u8; 5200];
    let mut len = 0usize;
    let (cur, cur_len) = current.map_or((std::ptr::null(), 0), |c| (c.as_ptr(), c.len()));
    // SAFETY: pointers and lengths describe live slices; the helper writes at most `cap` bytes.
    let rc = unsafe {
        ferrokv_incrbyfloat(
            cur as *const c_char,
            cur_len,
            c_int::from(current.is_some()),
            incr.as_ptr() as *const c_char,
            incr.len(),
            out.as_mut_ptr() as *mut c_char,
            out.len(),
            &mut len,
        )
    };
    match rc {
        0 => Ok(out[..len].to_vec()),
        1 => Err(IncrFloatError::NotFloat),
        2 => Err(IncrFloatError::BadIncrement),
        _ => Err(IncrFloatError::NanOrInfinity),
    }
}

/// Parses a double as Redis does (`strtod` over the whole string, no NaN, no overflow).
pub fn parse_double(s: &[u8]) -> Option<f64> {
    let mut v = 0f64;
    // SAFETY: pointer and length describe a live slice.
    let ok = unsafe { ferrokv_parse_double(s.as_ptr() as *const c_char, s.len(), &mut v) };
    (ok == 1).then_some(v)
}

/// Formats a double with `%.17g` (Redis 7.0's reply format for doubles; `inf`/`-inf` as Redis).
pub fn format_double(v: f64) -> Vec<u8> {
    if v.is_infinite() {
        return if v > 0.0 {
            b"inf".to_vec()
        } else {
            b"-inf".to_vec()
        };
    }
    let mut out = [0u8; 64];
    // SAFETY: the buffer is large enough for any %.17g output.
    let n = unsafe { ferrokv_format_g17(v, out.as_mut_ptr() as *mut c_char, out.len()) };
    out[..n.max(0) as usize].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incrbyfloat_matches_redis_long_double() {
        assert_eq!(incr_by_float(Some(b"10.5"), b"0.1").unwrap(), b"10.6");
        assert_eq!(incr_by_float(None, b"3.0e3").unwrap(), b"3000");
        assert_eq!(incr_by_float(Some(b"10"), b"-10").unwrap(), b"0");
        assert_eq!(
            incr_by_float(Some(b"abc"), b"1"),
            Err(IncrFloatError::NotFloat)
        );
        assert_eq!(
            incr_by_float(Some(b"1"), b" 1"),
            Err(IncrFloatError::BadIncrement)
        );
        assert_eq!(
            incr_by_float(Some(b"1"), b"inf"),
            Err(IncrFloatError::NanOrInfinity)
        );
    }

    #[test]
    fn formats_like_printf() {
        assert_eq!(format_double(1.1), b"1.1000000000000001");
        assert_eq!(format_double(3.0), b"3");
        assert_eq!(format_double(f64::NEG_INFINITY), b"-inf");
        assert_eq!(parse_double(b"1e3"), Some(1000.0));
        assert_eq!(parse_double(b"nan"), None);
    }
}
