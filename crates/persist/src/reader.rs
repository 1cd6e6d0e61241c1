//! A strict reader of the RESP commands an AOF holds: unlike the network parser it checks the
//! `\r\n` after every bulk string, so a damaged file is found where it is damaged.

/// What the reader found at an offset.
#[derive(Debug, PartialEq, Eq)]
pub enum Read {
    /// A complete command of this many bytes.
    Command(Vec<Vec<u8>>, usize),
    /// The bytes end inside a command (a torn tail if this is the end of the file).
    Incomplete,
    /// Not a RESP command: why.
    Bad(&'static str),
}

/// Longest length line accepted (a `*` or `$` header).
const MAX_HEADER: usize = 32;

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

/// Reads the command starting at `buf[0]`. `max_bulk` bounds every argument, so a damaged
/// length never makes the reader wait for (or reserve) gigabytes.
pub fn read(buf: &[u8], max_bulk: u64) -> Read {
    if buf.is_empty() {
        return Read::Incomplete;
    }
    if buf[0] != b'*' {
        return Read::Bad("expected '*'");
    }
    let (count, mut at) = match line(buf, 0) {
        Err(e) => return Read::Bad(e),
        Ok(None) => return Read::Incomplete,
        Ok(Some(v)) => v,
    };
    if !(1..=1 << 20).contains(&count) {
        return Read::Bad("bad argument count");
    }
    let mut args = Vec::with_capacity(count.min(64) as usize);
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
        if len < 0 || len as u64 > max_bulk {
            return Read::Bad("bad bulk length");
        }
        let end = body + len as usize;
        if end + 2 > buf.len() {
            return Read::Incomplete;
        }
        if &buf[end..end + 2] != b"\r\n" {
            return Read::Bad("expected \\r\\n after a bulk string");
        }
        args.push(buf[body..end].to_vec());
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
            read(cmd, 1 << 20),
            Read::Command(vec![b"GET".to_vec(), b"k".to_vec()], cmd.len())
        );
        for cut in 0..cmd.len() {
            assert_eq!(read(&cmd[..cut], 1 << 20), Read::Incomplete, "cut at {cut}");
        }
        assert!(matches!(read(b"+OK\r\n", 1 << 20), Read::Bad(_)));
        assert!(matches!(read(b"*1\r\n$3\r\nGETxx", 1 << 20), Read::Bad(_)));
        assert!(matches!(read(b"*1\r\n$99\r\n", 8), Read::Bad(_)));
        assert!(matches!(read(b"*0\r\n", 8), Read::Bad(_)));
    }
}
