//! The incremental request parser.
//!
//! A request is either a multibulk array of bulk strings or an inline line, chosen by the first
//! byte as Redis does. The parser keeps its position inside an unfinished multibulk request, so a
//! command that arrives one byte at a time costs linear work, and it never allocates for a length
//! a client merely announces: a `$536870912` header reserves nothing, the bytes wait in the
//! caller's read buffer until they have all arrived.

use crate::number::parse_i64;
use std::fmt;
use std::ops::Range;

/// Redis's `PROTO_INLINE_MAX_SIZE`: the longest inline request, and the longest length header.
pub const INLINE_MAX_BYTES: usize = 64 * 1024;
/// Redis's default `proto-max-bulk-len`: 512 MB.
pub const DEFAULT_MAX_BULK_BYTES: usize = 512 * 1024 * 1024;

/// Limits a parser enforces.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest bulk string accepted (`proto-max-bulk-len`).
    pub max_bulk_len: usize,
    /// False until the client authenticated when a password is required: then, as in Redis,
    /// requests may hold at most 10 elements of at most 16 KB, so an unauthenticated client
    /// cannot make the server buffer much.
    pub authenticated: bool,
}

/// Largest multibulk count accepted before authentication.
pub const UNAUTHENTICATED_MAX_ARGS: i64 = 10;
/// Largest bulk length accepted before authentication.
pub const UNAUTHENTICATED_MAX_BULK: i64 = 16384;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bulk_len: DEFAULT_MAX_BULK_BYTES,
            authenticated: true,
        }
    }
}

/// A malformed request. Its `Display` is Redis's error text (without the `-ERR ` prefix); after
/// replying with it the server closes the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// `*` header is not a valid count.
    InvalidMultibulkLength,
    /// `$` header is not a valid length or exceeds the limit.
    InvalidBulkLength,
    /// A multibulk element did not start with `$`.
    ExpectedDollar(u8),
    /// No `\r\n` within 64 KB of a `*` header.
    TooBigMultibulkCount,
    /// No `\r\n` within 64 KB of a `$` header.
    TooBigBulkCount,
    /// More than 10 elements before authentication.
    UnauthenticatedMultibulkLength,
    /// A bulk longer than 16 KB before authentication.
    UnauthenticatedBulkLength,
    /// No `\n` within 64 KB of an inline request.
    TooBigInline,
    /// An inline request with an unterminated quote.
    UnbalancedQuotes,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::InvalidMultibulkLength => {
                f.write_str("Protocol error: invalid multibulk length")
            }
            ProtocolError::InvalidBulkLength => f.write_str("Protocol error: invalid bulk length"),
            ProtocolError::ExpectedDollar(c) => {
                write!(f, "Protocol error: expected '$', got '{}'", char::from(*c))
            }
            ProtocolError::TooBigMultibulkCount => {
                f.write_str("Protocol error: too big mbulk count string")
            }
            ProtocolError::TooBigBulkCount => {
                f.write_str("Protocol error: too big bulk count string")
            }
            ProtocolError::TooBigInline => f.write_str("Protocol error: too big inline request"),
            ProtocolError::UnauthenticatedMultibulkLength => {
                f.write_str("Protocol error: unauthenticated multibulk length")
            }
            ProtocolError::UnauthenticatedBulkLength => {
                f.write_str("Protocol error: unauthenticated bulk length")
            }
            ProtocolError::UnbalancedQuotes => {
                f.write_str("Protocol error: unbalanced quotes in request")
            }
        }
    }
}

impl std::error::Error for ProtocolError {}

/// The resumable parser. Feed it the unconsumed part of the read buffer; see [`Self::parse`].
#[derive(Debug, Default)]
pub struct RequestParser {
    limits: Limits,
    /// Bytes of the current request already parsed (relative to the slice passed to `parse`).
    pos: usize,
    /// Elements still expected in the current multibulk request; 0 when between requests.
    remaining: usize,
    /// Ranges of the arguments of a multibulk request, relative to the request's start.
    ranges: Vec<Range<usize>>,
    /// Arguments of an inline request (unescaped, so they are owned).
    inline: Vec<Vec<u8>>,
    is_inline: bool,
}

impl RequestParser {
    /// A parser enforcing `limits`.
    pub fn new(limits: Limits) -> Self {
        RequestParser {
            limits,
            ..Default::default()
        }
    }

    /// Changes the limits (takes effect for the next header read).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Parses one request from the start of `buf`, which must begin where the previous complete
    /// request ended (and hold the same bytes as last time, plus more, while a request is
    /// unfinished).
    ///
    /// Returns `Ok(Some(n))` when a request of `n` bytes is complete: its arguments are then
    /// available through [`Self::args`] (an empty list for requests Redis ignores, such as `*0` or a
    /// blank line). `Ok(None)` means more bytes are needed.
    pub fn parse(&mut self, buf: &[u8]) -> Result<Option<usize>, ProtocolError> {
        if self.remaining == 0 {
            self.pos = 0;
            self.ranges.clear();
            self.inline.clear();
            let Some(&first) = buf.first() else {
                return Ok(None);
            };
            if first != b'*' {
                self.is_inline = true;
                return self.parse_inline(buf);
            }
            self.is_inline = false;
            let Some(line_end) = find_cr(buf, 0) else {
                if buf.len() > INLINE_MAX_BYTES {
                    return Err(ProtocolError::TooBigMultibulkCount);
                }
                return Ok(None);
            };
            let count = match parse_i64(&buf[1..line_end]) {
                Some(n) if n <= i64::from(i32::MAX) => n,
                _ => return Err(ProtocolError::InvalidMultibulkLength),
            };
            if count > UNAUTHENTICATED_MAX_ARGS && !self.limits.authenticated {
                return Err(ProtocolError::UnauthenticatedMultibulkLength);
            }
            if count <= 0 {
                return Ok(Some(line_end + 2));
            }
            self.pos = line_end + 2;
            // Redis compatibility: like Redis we cap what we reserve for the argument vector, so
            // an announced count of two billion reserves nothing large.
            self.ranges.reserve((count as usize).min(1024));
            self.remaining = count as usize;
        }
        while self.remaining > 0 {
            let start = self.pos;
            let Some(line_end) = find_cr(buf, start) else {
                if buf.len() - start > INLINE_MAX_BYTES {
                    return Err(ProtocolError::TooBigBulkCount);
                }
                return Ok(None);
            };
            if buf[start] != b'$' {
                return Err(ProtocolError::ExpectedDollar(buf[start]));
            }
            let len = match parse_i64(&buf[start + 1..line_end]) {
                Some(n) if n >= 0 && (n as u64) <= self.limits.max_bulk_len as u64 => n,
                _ => return Err(ProtocolError::InvalidBulkLength),
            };
            if len > UNAUTHENTICATED_MAX_BULK && !self.limits.authenticated {
                return Err(ProtocolError::UnauthenticatedBulkLength);
            }
            let len = len as usize;
            let body = line_end + 2;
            // Redis compatibility: the two bytes after the body are skipped, not checked.
            let end = body + len;
            if buf.len() < end + 2 {
                return Ok(None);
            }
            self.ranges.push(body..end);
            self.pos = end + 2;
            self.remaining -= 1;
        }
        Ok(Some(self.pos))
    }

    fn parse_inline(&mut self, buf: &[u8]) -> Result<Option<usize>, ProtocolError> {
        let Some(nl) = buf.iter().position(|&c| c == b'\n') else {
            if buf.len() > INLINE_MAX_BYTES {
                return Err(ProtocolError::TooBigInline);
            }
            return Ok(None);
        };
        let mut line = &buf[..nl];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        split_args(line, &mut self.inline)?;
        Ok(Some(nl + 1))
    }

    /// The arguments of the request `parse` just completed; `buf` is the slice that was parsed.
    pub fn args<'a>(&'a self, buf: &'a [u8], out: &mut Vec<&'a [u8]>) {
        out.clear();
        if self.is_inline {
            out.extend(self.inline.iter().map(|a| a.as_slice()));
        } else {
            out.extend(self.ranges.iter().map(|r| &buf[r.clone()]));
        }
    }

    /// The argument ranges of the multibulk request `parse` just completed, relative to the
    /// slice that was parsed; None for an inline request (whose arguments are unescaped copies).
    pub fn ranges(&self) -> Option<&[Range<usize>]> {
        (!self.is_inline).then_some(&self.ranges[..])
    }

    /// Forgets a partly read request: the next `parse` starts a request at the start of its
    /// buffer (used when the caller rewinds to re-parse requests it parsed ahead).
    pub fn reset(&mut self) {
        self.remaining = 0;
    }

    /// True while a multibulk request is partly read.
    pub fn in_progress(&self) -> bool {
        self.remaining > 0
    }
}

/// Position of the `\r` of a complete `\r\n`-terminated line starting at `from`, if the `\n` has
/// arrived too. Like Redis's `strchr(p, '\r')`, the first `\r` ends the line.
fn find_cr(buf: &[u8], from: usize) -> Option<usize> {
    let i = from + buf[from..].iter().position(|&c| c == b'\r')?;
    if i + 1 < buf.len() {
        Some(i)
    } else {
        None
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex_value(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Where the argument after a closing quote at `i` may start: a closing quote must be followed
/// by a space or the end.
fn after_closing_quote(line: &[u8], i: usize) -> Result<usize, ProtocolError> {
    if i + 1 < line.len() && !is_space(line[i + 1]) {
        return Err(ProtocolError::UnbalancedQuotes);
    }
    Ok(i + 1)
}

/// Splits an inline request line into arguments with the rules of Redis's `sdssplitargs`:
/// whitespace separates, `"..."` understands `\xHH`, `\n`, `\r`, `\t`, `\b`, `\a` and `\<c>`,
/// `'...'` understands only `\'`, and a closing quote must be followed by a space or the end.
pub fn split_args(line: &[u8], out: &mut Vec<Vec<u8>>) -> Result<(), ProtocolError> {
    out.clear();
    let mut i = 0;
    loop {
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        if i == line.len() {
            return Ok(());
        }
        let mut arg = Vec::new();
        let mut in_double = false;
        let mut in_single = false;
        loop {
            if in_double {
                let Some(&c) = line.get(i) else {
                    return Err(ProtocolError::UnbalancedQuotes);
                };
                if c == b'\\'
                    && i + 3 < line.len()
                    && line[i + 1] == b'x'
                    && hex_value(line[i + 2]).is_some()
                    && hex_value(line[i + 3]).is_some()
                {
                    arg.push(
                        hex_value(line[i + 2]).unwrap_or(0) * 16
                            + hex_value(line[i + 3]).unwrap_or(0),
                    );
                    i += 3;
                } else if c == b'\\' && i + 1 < line.len() {
                    i += 1;
                    arg.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    i = after_closing_quote(line, i)?;
                    break;
                } else {
                    arg.push(c);
                }
            } else if in_single {
                let Some(&c) = line.get(i) else {
                    return Err(ProtocolError::UnbalancedQuotes);
                };
                if c == b'\\' && i + 1 < line.len() && line[i + 1] == b'\'' {
                    i += 1;
                    arg.push(b'\'');
                } else if c == b'\'' {
                    i = after_closing_quote(line, i)?;
                    break;
                } else {
                    arg.push(c);
                }
            } else {
                match line.get(i) {
                    None => break,
                    Some(&c) if is_space(c) => break,
                    Some(b'"') => in_double = true,
                    Some(b'\'') => in_single = true,
                    Some(&c) => arg.push(c),
                }
            }
            i += 1;
        }
        out.push(arg);
    }
}

/// Appends `arg` quoted and escaped as Redis's `sdscatrepr` does (what MONITOR shows and
/// the AOF manifest writes): `split_args` reads it back as `arg`.
pub fn repr(out: &mut Vec<u8>, arg: &[u8]) {
    out.push(b'"');
    for &c in arg {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(c),
            _ => out.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// Whether `arg` must be quoted (`repr`) to be read back whole by `split_args`, as Redis's
/// `sdsneedsrepr` decides, and also for a `'` (which Redis leaves bare and then cannot read
/// back: quoting it is what Redis's own reader accepts).
pub fn needs_repr(arg: &[u8]) -> bool {
    arg.is_empty()
        || arg
            .iter()
            .any(|&c| matches!(c, b'\\' | b'"' | b'\'') || !(0x21..=0x7e).contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, ProtocolError> {
        let mut p = RequestParser::default();
        let mut out = Vec::new();
        let mut start = 0;
        while let Some(n) = p.parse(&input[start..])? {
            let mut args = Vec::new();
            p.args(&input[start..], &mut args);
            out.push(args.iter().map(|a| a.to_vec()).collect());
            start += n;
        }
        Ok(out)
    }

    #[test]
    fn repr_quotes_like_sdscatrepr_and_split_args_reads_it_back() {
        let arg = b"a\"b\\\n\x01\xff z'";
        let mut out = Vec::new();
        repr(&mut out, arg);
        assert_eq!(out, b"\"a\\\"b\\\\\\n\\x01\\xff z'\"");
        let mut back = Vec::new();
        split_args(&out, &mut back).unwrap();
        assert_eq!(back, vec![arg.to_vec()]);
        assert!(needs_repr(arg) && needs_repr(b"it's") && needs_repr(b"a b") && needs_repr(b""));
        assert!(!needs_repr(b"appendonly.aof.1.base.rdb"));
    }

    #[test]
    fn multibulk_and_inline() {
        let cmds = parse_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\nSET a \"b c\"\r\n").unwrap();
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[0], vec![b"GET".to_vec(), b"k".to_vec()]);
        assert_eq!(cmds[1], vec![b"PING".to_vec()]);
        assert_eq!(
            cmds[2],
            vec![b"SET".to_vec(), b"a".to_vec(), b"b c".to_vec()]
        );
    }

    #[test]
    fn every_split_point_works() {
        let input = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n";
        for split in 0..input.len() {
            let mut p = RequestParser::default();
            assert_eq!(p.parse(&input[..split]).unwrap(), None, "split at {split}");
            assert_eq!(p.parse(&input[..]).unwrap(), Some(input.len()));
            let mut args = Vec::new();
            p.args(input, &mut args);
            assert_eq!(args, vec![&b"SET"[..], b"key", b"va\r\nl"]);
        }
    }

    #[test]
    fn protocol_errors_have_redis_texts() {
        let cases: &[(&[u8], &str)] = &[
            (b"*abc\r\n", "Protocol error: invalid multibulk length"),
            (
                b"*3000000000\r\n",
                "Protocol error: invalid multibulk length",
            ),
            (b"*1\r\n$-1\r\n", "Protocol error: invalid bulk length"),
            (
                b"*1\r\n$536870913\r\n",
                "Protocol error: invalid bulk length",
            ),
            (b"*1\r\nfoo\r\n", "Protocol error: expected '$', got 'f'"),
            (
                b"SET \"a\r\n",
                "Protocol error: unbalanced quotes in request",
            ),
            (
                b"ECHO \"a\"b\r\n",
                "Protocol error: unbalanced quotes in request",
            ),
        ];
        for (input, text) in cases {
            let err = parse_all(input).unwrap_err();
            assert_eq!(
                err.to_string(),
                *text,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        let long = vec![b'a'; INLINE_MAX_BYTES + 1];
        assert_eq!(parse_all(&long).unwrap_err(), ProtocolError::TooBigInline);
    }

    #[test]
    fn unauthenticated_clients_get_small_limits() {
        let mut p = RequestParser::new(Limits {
            authenticated: false,
            ..Limits::default()
        });
        assert_eq!(
            p.parse(b"*11\r\n"),
            Err(ProtocolError::UnauthenticatedMultibulkLength)
        );
        let mut p = RequestParser::new(Limits {
            authenticated: false,
            ..Limits::default()
        });
        assert_eq!(
            p.parse(b"*2\r\n$4\r\nAUTH\r\n$16385\r\n"),
            Err(ProtocolError::UnauthenticatedBulkLength)
        );
    }

    #[test]
    fn announced_bulk_does_not_allocate() {
        let mut p = RequestParser::default();
        assert_eq!(p.parse(b"*1\r\n$536870912\r\nabc").unwrap(), None);
        assert!(p.ranges.capacity() <= 1024);
    }

    #[test]
    fn empty_requests_are_skipped() {
        let cmds = parse_all(b"*0\r\n*-1\r\n\r\n  \r\nPING\r\n").unwrap();
        assert_eq!(cmds.iter().filter(|c| !c.is_empty()).count(), 1);
    }

    /// A tiny deterministic generator, so the property tests need no dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Parses `input` fed in the given chunk sizes, as a connection would receive it.
    fn parse_chunked(input: &[u8], cuts: &[usize]) -> Result<Vec<Vec<Vec<u8>>>, ProtocolError> {
        let mut p = RequestParser::default();
        let mut buf: Vec<u8> = Vec::new();
        let mut out = Vec::new();
        let mut fed = 0;
        for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
            let cut = cut.clamp(fed, input.len());
            buf.extend_from_slice(&input[fed..cut]);
            fed = cut;
            let mut start = 0;
            while let Some(n) = p.parse(&buf[start..])? {
                let mut args = Vec::new();
                p.args(&buf[start..], &mut args);
                out.push(args.iter().map(|a| a.to_vec()).collect());
                start += n;
            }
            buf.drain(..start);
        }
        Ok(out)
    }

    #[test]
    fn random_streams_parse_the_same_however_they_are_split() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let pieces: &[&[u8]] = &[
            b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
            b"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$4\r\n\r\n\r\n\r\n",
            b"PING\r\n",
            b"SET a \"b\\x41 c\"\r\n",
            b"*0\r\n",
            b"\r\n",
            b"*1\r\n$4\r\nPING\r\n",
            b"ECHO 'it\\'s'\n",
        ];
        for _ in 0..300 {
            let mut input = Vec::new();
            for _ in 0..rng.below(12) + 1 {
                input.extend_from_slice(pieces[rng.below(pieces.len())]);
            }
            let whole = parse_all(&input).unwrap();
            let mut cuts: Vec<usize> = (0..rng.below(8))
                .map(|_| rng.below(input.len() + 1))
                .collect();
            cuts.sort_unstable();
            assert_eq!(parse_chunked(&input, &cuts).unwrap(), whole);
        }
    }

    #[test]
    fn garbage_never_panics_and_errors_consistently() {
        let mut rng = Rng(42);
        let alphabet = b"*$\r\n0123456789-abc \"'\\x";
        for _ in 0..3000 {
            let len = rng.below(40);
            let input: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            let whole = parse_all(&input);
            let cut = rng.below(input.len() + 1);
            let split = parse_chunked(&input, &[cut]);
            // Splitting may only delay an error or a command, never change what it is.
            match (&whole, &split) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{:?}", String::from_utf8_lossy(&input)),
                (Err(a), Err(b)) => assert_eq!(a, b, "{:?}", String::from_utf8_lossy(&input)),
                _ => panic!(
                    "{:?}: {whole:?} vs {split:?}",
                    String::from_utf8_lossy(&input)
                ),
            }
        }
    }

    #[test]
    fn inline_escapes() {
        let mut out = Vec::new();
        split_args(br#"set "\x41\n" 'it\'s' plain"#, &mut out).unwrap();
        assert_eq!(
            out,
            vec![
                b"set".to_vec(),
                b"A\n".to_vec(),
                b"it's".to_vec(),
                b"plain".to_vec()
            ]
        );
    }
}
