//! A decoder for any RESP2/RESP3 reply, for clients and tests.

use crate::number::parse_i64;

/// One decoded reply.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `+...`
    Simple(String),
    /// `-...`, or `!len` (blob error).
    Error(String),
    /// `:n`
    Int(i64),
    /// `$len` bulk string.
    Bulk(Vec<u8>),
    /// `$-1`, `*-1` or `_`.
    Null,
    /// `*n`
    Array(Vec<Value>),
    /// `%n`
    Map(Vec<(Value, Value)>),
    /// `~n`
    Set(Vec<Value>),
    /// `>n`
    Push(Vec<Value>),
    /// `,d` (kept as its text so nothing is lost).
    Double(String),
    /// `#t` / `#f`
    Bool(bool),
    /// `(n`
    BigNumber(String),
    /// `=len fmt:text`
    Verbatim(String, Vec<u8>),
}

/// Why a reply could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// More bytes are needed.
    Incomplete,
    /// The bytes are not RESP.
    Invalid(&'static str),
}

/// Decodes one reply from the start of `buf`, returning it and the bytes it used.
pub fn parse_value(buf: &[u8]) -> Result<(Value, usize), DecodeError> {
    parse_at(buf, 0, 0)
}

const MAX_DEPTH: usize = 128;

fn line(buf: &[u8], pos: usize) -> Result<(&[u8], usize), DecodeError> {
    let rest = buf.get(pos..).ok_or(DecodeError::Incomplete)?;
    let i = rest
        .windows(2)
        .position(|w| w == b"\r\n")
        .ok_or(DecodeError::Incomplete)?;
    Ok((&rest[..i], pos + i + 2))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn parse_at(buf: &[u8], pos: usize, depth: usize) -> Result<(Value, usize), DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError::Invalid("nesting too deep"));
    }
    let kind = *buf.get(pos).ok_or(DecodeError::Incomplete)?;
    let (l, next) = line(buf, pos + 1)?;
    let num = || parse_i64(l).ok_or(DecodeError::Invalid("bad length"));
    let blob = |n: i64| -> Result<(&[u8], usize), DecodeError> {
        let n = usize::try_from(n).map_err(|_| DecodeError::Invalid("bad length"))?;
        let end = next
            .checked_add(n)
            .ok_or(DecodeError::Invalid("bad length"))?;
        if buf.len() < end + 2 {
            return Err(DecodeError::Incomplete);
        }
        Ok((&buf[next..end], end + 2))
    };
    let many = |n: i64, pairs: bool| -> Result<(Vec<Value>, usize), DecodeError> {
        let count = usize::try_from(n).map_err(|_| DecodeError::Invalid("bad length"))?;
        let count = if pairs { count * 2 } else { count };
        let mut items = Vec::with_capacity(count.min(1024));
        let mut p = next;
        for _ in 0..count {
            let (v, np) = parse_at(buf, p, depth + 1)?;
            items.push(v);
            p = np;
        }
        Ok((items, p))
    };
    Ok(match kind {
        b'+' => (Value::Simple(text(l)), next),
        b'-' => (Value::Error(text(l)), next),
        b':' => (Value::Int(num()?), next),
        b'_' => (Value::Null, next),
        b',' => (Value::Double(text(l)), next),
        b'(' => (Value::BigNumber(text(l)), next),
        b'#' => (Value::Bool(l == b"t"), next),
        b'$' | b'!' | b'=' => {
            let n = num()?;
            if n < 0 {
                return Ok((Value::Null, next));
            }
            let (b, end) = blob(n)?;
            let v = match kind {
                b'$' => Value::Bulk(b.to_vec()),
                b'!' => Value::Error(text(b)),
                _ => {
                    let (fmt, body) = if b.len() >= 4 {
                        b.split_at(4)
                    } else {
                        (b, &b[b.len()..])
                    };
                    Value::Verbatim(text(&fmt[..fmt.len().saturating_sub(1)]), body.to_vec())
                }
            };
            (v, end)
        }
        b'*' | b'~' | b'>' => {
            let n = num()?;
            if n < 0 {
                return Ok((Value::Null, next));
            }
            let (items, end) = many(n, false)?;
            let v = match kind {
                b'*' => Value::Array(items),
                b'~' => Value::Set(items),
                _ => Value::Push(items),
            };
            (v, end)
        }
        b'%' | b'|' => {
            let (items, end) = many(num()?, true)?;
            let mut pairs = Vec::with_capacity(items.len() / 2);
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                pairs.push((k, v));
            }
            if kind == b'|' {
                // An attribute precedes the real reply; clients skip it.
                let (v, end2) = parse_at(buf, end, depth + 1)?;
                return Ok((v, end2));
            }
            (Value::Map(pairs), end)
        }
        _ => return Err(DecodeError::Invalid("unknown type byte")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_nested() {
        let (v, n) = parse_value(b"*3\r\n$1\r\na\r\n:5\r\n%1\r\n+k\r\n_\r\nrest").unwrap();
        assert_eq!(n, 26);
        assert_eq!(
            v,
            Value::Array(vec![
                Value::Bulk(b"a".to_vec()),
                Value::Int(5),
                Value::Map(vec![(Value::Simple("k".into()), Value::Null)])
            ])
        );
        assert_eq!(parse_value(b"$5\r\nab"), Err(DecodeError::Incomplete));
    }
}
