//! The reply encoder.
//!
//! Commands write their replies straight into the connection's output buffer through
//! [`ReplyBuf`], as Redis's `addReply*` functions do, so a GET copies its value once. The buffer
//! knows whether the connection speaks RESP2 or RESP3 and picks the wire form of each type.

use crate::number::write_i64;

/// An output buffer with the connection's protocol version.
#[derive(Debug, Default, Clone)]
pub struct ReplyBuf {
    /// The encoded bytes.
    pub buf: Vec<u8>,
    /// True after `HELLO 3`.
    pub resp3: bool,
    /// Bytes past which nothing more is written (0: no limit): a connection sets its hard
    /// output limit here, so a reply bigger than the limit (SRANDMEMBER with a huge count,
    /// KEYS) stops growing once past it and the connection closes the client, as Redis stops
    /// adding replies to a client it will close. Checked per element: the buffer holds at
    /// most the limit plus one element.
    pub limit: usize,
}

impl ReplyBuf {
    /// An empty buffer for the given protocol.
    pub fn new(resp3: bool) -> Self {
        ReplyBuf {
            buf: Vec::new(),
            resp3,
            limit: 0,
        }
    }

    /// Whether the buffer passed its `limit` (what is written from then on is dropped).
    #[inline]
    pub fn over_limit(&self) -> bool {
        self.limit != 0 && self.buf.len() > self.limit
    }

    fn header(&mut self, prefix: u8, n: i64) {
        if self.over_limit() {
            return;
        }
        self.buf.push(prefix);
        write_i64(&mut self.buf, n);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// `+OK`-style status reply. `s` must not contain CR or LF.
    pub fn simple(&mut self, s: &str) {
        self.buf.push(b'+');
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// `+OK`.
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// An error reply. `msg` is the full text including its code (`ERR ...`, `WRONGTYPE ...`).
    /// Like Redis, newlines inside the message become spaces so the protocol stays intact.
    pub fn error(&mut self, msg: impl AsRef<[u8]>) {
        self.buf.push(b'-');
        self.buf.extend(msg.as_ref().iter().copied().map(|c| {
            if c == b'\r' || c == b'\n' {
                b' '
            } else {
                c
            }
        }));
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer reply.
    pub fn int(&mut self, v: i64) {
        self.header(b':', v);
    }

    /// A bulk string.
    pub fn bulk(&mut self, data: &[u8]) {
        if self.over_limit() {
            return;
        }
        self.header(b'$', data.len() as i64);
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding the decimal form of `v`.
    pub fn bulk_i64(&mut self, v: i64) {
        let mut tmp = Vec::with_capacity(20);
        write_i64(&mut tmp, v);
        self.bulk(&tmp);
    }

    /// The null bulk string (`$-1` in RESP2, `_` in RESP3).
    pub fn null(&mut self) {
        if self.resp3 {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"$-1\r\n");
        }
    }

    /// The null array (`*-1` in RESP2, `_` in RESP3).
    pub fn null_array(&mut self) {
        if self.resp3 {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"*-1\r\n");
        }
    }

    /// An array header of `n` elements; the elements follow.
    pub fn array(&mut self, n: usize) {
        self.header(b'*', n as i64);
    }

    /// A map header of `n` pairs (RESP2: an array of `2n` elements).
    pub fn map(&mut self, n: usize) {
        if self.resp3 {
            self.header(b'%', n as i64);
        } else {
            self.header(b'*', 2 * n as i64);
        }
    }

    /// A set header of `n` elements (RESP2: an array).
    pub fn set(&mut self, n: usize) {
        self.header(if self.resp3 { b'~' } else { b'*' }, n as i64);
    }

    /// A push header of `n` elements (RESP2: an array).
    pub fn push(&mut self, n: usize) {
        self.header(if self.resp3 { b'>' } else { b'*' }, n as i64);
    }

    /// A boolean (RESP2: the integer 1 or 0).
    pub fn bool(&mut self, v: bool) {
        if self.resp3 {
            self.buf
                .extend_from_slice(if v { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.int(i64::from(v));
        }
    }

    /// A double, given already formatted as Redis formats it (RESP2: a bulk string).
    pub fn double_text(&mut self, text: &[u8]) {
        if self.resp3 {
            self.buf.push(b',');
            self.buf.extend_from_slice(text);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(text);
        }
    }

    /// A verbatim string with a three-letter format such as `txt` (RESP2: a bulk string).
    pub fn verbatim(&mut self, format: &str, text: &[u8]) {
        if self.resp3 {
            self.header(b'=', (text.len() + 4) as i64);
            self.buf.extend_from_slice(format.as_bytes());
            self.buf.push(b':');
            self.buf.extend_from_slice(text);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(text);
        }
    }

    /// Appends already encoded RESP bytes.
    pub fn raw(&mut self, bytes: &[u8]) {
        if self.over_limit() {
            return;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Number of bytes written so far; with [`Self::truncate`] a command can undo a partial reply.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Drops everything written after `len`.
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_written_past_the_limit() {
        let mut out = ReplyBuf::new(false);
        out.limit = 100;
        out.array(1000);
        for _ in 0..1000 {
            out.bulk(b"0123456789");
            out.int(7);
            out.raw(b"+x\r\n");
        }
        assert!(out.over_limit());
        assert!(out.len() <= 100 + 17, "{}", out.len());
        out.limit = 0;
        assert!(!out.over_limit());
    }

    #[test]
    fn protocol_dependent_forms() {
        let mut r2 = ReplyBuf::new(false);
        let mut r3 = ReplyBuf::new(true);
        for r in [&mut r2, &mut r3] {
            r.null();
            r.map(1);
            r.bool(true);
            r.double_text(b"1.5");
        }
        assert_eq!(r2.buf, b"$-1\r\n*2\r\n:1\r\n$3\r\n1.5\r\n");
        assert_eq!(r3.buf, b"_\r\n%1\r\n#t\r\n,1.5\r\n");
    }

    #[test]
    fn errors_never_break_framing() {
        let mut r = ReplyBuf::default();
        r.error("ERR bad\r\nthing");
        assert_eq!(r.buf, b"-ERR bad  thing\r\n");
    }
}
