//! The slow log: commands that took at least `slowlog-log-slower-than` µs, the newest first,
//! at most `slowlog-max-len` of them (SLOWLOG GET / LEN / RESET).
//!
//! As Redis's `slowlog.c`: an entry keeps at most [`MAX_ARGC`] arguments (the last slot then
//! says how many more there were) and at most [`MAX_STRING`] bytes of each (with how many
//! more), the client's address and name; passwords (AUTH, HELLO's AUTH) are redacted.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;

/// Redis's `SLOWLOG_ENTRY_MAX_ARGC`.
pub const MAX_ARGC: usize = 32;
/// Redis's `SLOWLOG_ENTRY_MAX_STRING`.
pub const MAX_STRING: usize = 128;

/// One slow command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its number, counting from 0 since start (RESET does not restart it).
    pub id: u64,
    /// Unix seconds when it ran.
    pub time: u64,
    /// How long it took, µs.
    pub duration_us: u64,
    /// Its arguments, shortened.
    pub args: Vec<Vec<u8>>,
    /// The client's `ip:port`.
    pub addr: String,
    /// The client's name (CLIENT SETNAME).
    pub name: Vec<u8>,
}

/// The log and its settings.
pub struct SlowLog {
    entries: Mutex<VecDeque<Entry>>,
    next_id: AtomicU64,
    slower_than: AtomicI64,
    max_len: AtomicUsize,
}

impl Default for SlowLog {
    fn default() -> SlowLog {
        SlowLog {
            entries: Mutex::new(VecDeque::new()),
            next_id: AtomicU64::new(0),
            slower_than: AtomicI64::new(10_000),
            max_len: AtomicUsize::new(128),
        }
    }
}

/// The arguments as an entry keeps them (see the module docs).
pub fn shorten(args: &[&[u8]]) -> Vec<Vec<u8>> {
    let redact_from = redacted_from(args);
    let kept = args.len().min(MAX_ARGC);
    let mut out = Vec::with_capacity(kept);
    for (i, a) in args.iter().enumerate().take(kept) {
        if i == MAX_ARGC - 1 && args.len() > MAX_ARGC {
            out.push(format!("... ({} more arguments)", args.len() - MAX_ARGC + 1).into_bytes());
            break;
        }
        if redact_from.is_some_and(|(from, to)| i >= from && i < to) {
            out.push(b"(redacted)".to_vec());
        } else if a.len() > MAX_STRING {
            let mut s = a[..MAX_STRING].to_vec();
            s.extend_from_slice(format!("... ({} more bytes)", a.len() - MAX_STRING).as_bytes());
            out.push(s);
        } else {
            out.push(a.to_vec());
        }
    }
    out
}

/// The argument range holding secrets: AUTH's arguments, HELLO's AUTH user and password.
fn redacted_from(args: &[&[u8]]) -> Option<(usize, usize)> {
    let name = args.first()?;
    if name.eq_ignore_ascii_case(b"auth") {
        return Some((1, args.len()));
    }
    if name.eq_ignore_ascii_case(b"hello") {
        let at = args.iter().position(|a| a.eq_ignore_ascii_case(b"auth"))?;
        return Some((at + 1, (at + 3).min(args.len())));
    }
    None
}

impl SlowLog {
    /// Copies `slowlog-log-slower-than` and `slowlog-max-len`; a shorter length drops the
    /// oldest entries at once.
    pub fn configure(&self, slower_than: i64, max_len: usize) {
        self.slower_than.store(slower_than, Relaxed);
        self.max_len.store(max_len, Relaxed);
        let mut e = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        e.truncate(max_len);
    }

    /// Whether a command that took `usec` is logged.
    pub fn wants(&self, usec: u64) -> bool {
        let t = self.slower_than.load(Relaxed);
        t >= 0 && usec >= t as u64
    }

    /// Logs a command (the caller checked [`SlowLog::wants`]).
    pub fn push(&self, args: &[&[u8]], usec: u64, now_s: u64, addr: &str, name: Vec<u8>) {
        let max = self.max_len.load(Relaxed);
        let entry = Entry {
            id: self.next_id.fetch_add(1, Relaxed),
            time: now_s,
            duration_us: usec,
            args: shorten(args),
            addr: addr.to_string(),
            name,
        };
        let mut e = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        e.push_front(entry);
        e.truncate(max);
    }

    /// The newest `count` entries (all for None).
    pub fn get(&self, count: Option<usize>) -> Vec<Entry> {
        let e = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        e.iter()
            .take(count.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// SLOWLOG RESET.
    pub fn reset(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_bounded_shortened_and_redacted() {
        let log = SlowLog::default();
        log.configure(0, 2);
        assert!(log.wants(0));
        for i in 0..3u8 {
            log.push(
                &[b"SET", &[b'k', b'0' + i], b"v"],
                5,
                100,
                "1.2.3.4:5",
                vec![],
            );
        }
        let got = log.get(None);
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].id, got[1].id), (2, 1));
        let long = vec![b'x'; 130];
        let many: Vec<&[u8]> = std::iter::repeat_n(&b"a"[..], 40).collect();
        let s = shorten(&many);
        assert_eq!(s.len(), 32);
        assert_eq!(s[31], b"... (9 more arguments)".to_vec());
        let s = shorten(&[b"SET", b"k", &long]);
        assert_eq!(s[2].len(), 128 + "... (2 more bytes)".len());
        assert_eq!(
            shorten(&[b"AUTH", b"user", b"pw"]),
            vec![
                b"AUTH".to_vec(),
                b"(redacted)".to_vec(),
                b"(redacted)".to_vec()
            ]
        );
        assert_eq!(
            shorten(&[b"HELLO", b"3", b"AUTH", b"u", b"p", b"SETNAME", b"n"])[3..5],
            [b"(redacted)".to_vec(), b"(redacted)".to_vec()]
        );
        log.configure(-1, 2);
        assert!(!log.wants(1_000_000));
        log.reset();
        assert!(log.is_empty());
    }
}
