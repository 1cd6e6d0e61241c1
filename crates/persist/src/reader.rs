//! A strict reader of the RESP commands an AOF holds: unlike the network parser it checks the
//! `\r\n` after every bulk string, so a damaged file is found where it is damaged.
//!
//! It accepts every record the server can write, whatever the settings of the day: a command
//! of more than a million arguments (SADD of a big set, sent in one request) or an argument
//! longer than today's `proto-max-bulk-len` (the limit may have been raised when it was
//! written). The file is in memory, so a length is bounded by the bytes that follow it: a
//! damaged one ends as an incomplete command (a torn tail) or a bad byte, never a reservation.

/// What the reader found at an offset.
#[derive(Debug, PartialEq, Eq)]
pub enum Read<'a> {
    /// A complete command of this many bytes; the arguments borrow from the buffer.
    Command(Vec<&'a [u8]>, usize),
    /// An annotation line (`#TS:...` with `aof-timestamp-enabled`) of this many bytes, which
    /// Redis writes and skips on load.
    Annotation(usize),
    /// The bytes end inside a command (a torn tail if this is the end of the file).
    Incomplete,
    /// Not a RESP command: why.
    Bad(&'static str),
}

/// Longest length line accepted (a `*` or `$` header).
const MAX_HEADER: usize = 32;
/// Longest annotation line: Redis reads them into a buffer of this size
/// (`AOF_ANNOTATION_LINE_MAX_LEN`).
const MAX_ANNOTATION: usize = 1024;
/// Bytes an argument takes at least (`$0\r\n\r\n`): a count above what the rest of the file
/// can hold is not reserved for.
const MIN_ARG_BYTES: usize = 6;

fn line(buf: &[u8], at: usize) -> Result<Option<(i64, usize)>, &'static str> {
    let end = buf.len().min(at + MAX_HEADER);
    let Some(cr) = buf[at..end].iter().position(|&c| c == b'\r') else {
        return if end - at >= MAX_HEADER {
            Err("length line too long")
        } else {
            Ok(None)
        };
    };
    let cr = at + cr;
    if cr + 1 >= buf.len() {
        return Ok(None);
    }
    if buf[cr + 1] != b'\n' {
        return Err("expected \\r\\n");
    }
    let n = resp::number::parse_i64(&buf[at + 1..cr]).ok_or("bad length")?;
    Ok(Some((n, cr + 2)))
}

/// Reads the command (or annotation) starting at `buf[0]`.
pub fn read(buf: &[u8]) -> Read<'_> {
    if buf.is_empty() {
        return Read::Incomplete;
    }
    if buf[0] == b'#' {
        let end = buf.len().min(MAX_ANNOTATION);
        return match buf[..end].iter().position(|&c| c == b'\n') {
            Some(nl) => Read::Annotation(nl + 1),
            None if end == MAX_ANNOTATION => Read::Bad("annotation line too long"),
            None => Read::Incomplete,
        };
    }
    if buf[0] != b'*' {
        return Read::Bad("expected '*'");
    }
    let (count, mut at) = match line(buf, 0) {
        Err(e) => return Read::Bad(e),
        Ok(None) => return Read::Incomplete,
        Ok(Some(v)) => v,
    };
    let Ok(count) = usize::try_from(count) else {
        return Read::Bad("bad argument count");
    };
    if count == 0 {
        return Read::Bad("bad argument count");
    }
    let room = (buf.len() - at) / MIN_ARG_BYTES;
    let mut args = Vec::with_capacity(count.min(room).min(1 << 20));
    for _ in 0..count {
        if at >= buf.len() {
            return Read::Incomplete;
        }
        if buf[at] != b'$' {
            return Read::Bad("expected '$'");
        }
        let (len, body) = match line(buf, at) {
            Err(e) => return Read::Bad(e),
            Ok(None) => return Read::Incomplete,
            Ok(Some(v)) => v,
        };
        let Ok(len) = usize::try_from(len) else {
            return Read::Bad("bad bulk length");
        };
        let end = match body.checked_add(len) {
            Some(end) if end.saturating_add(2) <= buf.len() => end,
            _ => return Read::Incomplete,
        };
        if &buf[end..end + 2] != b"\r\n" {
            return Read::Bad("expected \\r\\n after a bulk string");
        }
        args.push(&buf[body..end]);
        at = end + 2;
    }
    Read::Command(args, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_torn_and_bad() {
        let cmd = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
        assert_eq!(
            read(cmd),
            Read::Command(vec![&b"GET"[..], &b"k"[..]], cmd.len())
        );
        for cut in 0..cmd.len() {
            assert_eq!(read(&cmd[..cut]), Read::Incomplete, "cut at {cut}");
        }
        assert!(matches!(read(b"+OK\r\n"), Read::Bad(_)));
        assert!(matches!(read(b"*1\r\n$3\r\nGETxx"), Read::Bad(_)));
        assert!(matches!(read(b"*0\r\n"), Read::Bad(_)));
        assert!(matches!(read(b"*-1\r\n"), Read::Bad(_)));
        assert!(matches!(read(b"*1\r\n$-1\r\n"), Read::Bad(_)));
        // A length past the end of the file is a torn tail, never a reservation.
        assert_eq!(read(b"*1\r\n$99999999999\r\nab"), Read::Incomplete);
        assert_eq!(read(b"*2000000000\r\n$1\r\na\r\n"), Read::Incomplete);
    }

    #[test]
    fn records_past_the_network_limits_read_back() {
        // More arguments than the network parser ever reserves for, and a bulk larger than
        // the default proto-max-bulk-len would be: what the server wrote, it reads.
        let members = 1_048_577;
        let mut rec = Vec::new();
        let mut argv: Vec<Vec<u8>> = vec![b"SADD".to_vec(), b"s".to_vec()];
        argv.extend((0..members).map(|i| i.to_string().into_bytes()));
        let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        engine::propagate::encode(&mut rec, &refs);
        match read(&rec) {
            Read::Command(args, n) => {
                assert_eq!(args.len(), members + 2);
                assert_eq!(n, rec.len());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn annotations_are_skipped_lines() {
        let buf = b"#TS:1700000000\r\n*1\r\n$4\r\nPING\r\n";
        assert_eq!(read(buf), Read::Annotation(16));
        assert!(matches!(read(&buf[16..]), Read::Command(..)));
        assert_eq!(read(b"#TS:17"), Read::Incomplete);
        assert!(matches!(read(&[b'#'; 2000]), Read::Bad(_)));
    }
}
