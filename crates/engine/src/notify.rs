//! Keyspace notifications (`notify-keyspace-events`): the event classes, their letters, and the
//! publisher every command and the expiry paths call.
//!
//! An event goes to `__keyspace@<db>__:<key>` (message: the event name) when `K` is on and to
//! `__keyevent@<db>__:<event>` (message: the key) when `E` is on, for the classes enabled.

use crate::pubsub::{BufferLimit, Hub};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// `K`: publish to `__keyspace@<db>__:<key>`.
pub const KEYSPACE: u32 = 1 << 0;
/// `E`: publish to `__keyevent@<db>__:<event>`.
pub const KEYEVENT: u32 = 1 << 1;
/// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
pub const GENERIC: u32 = 1 << 2;
/// `$`: string commands.
pub const STRING: u32 = 1 << 3;
/// `l`: list commands.
pub const LIST: u32 = 1 << 4;
/// `s`: set commands.
pub const SET: u32 = 1 << 5;
/// `h`: hash commands.
pub const HASH: u32 = 1 << 6;
/// `z`: sorted set commands.
pub const ZSET: u32 = 1 << 7;
/// `x`: expired keys.
pub const EXPIRED: u32 = 1 << 8;
/// `e`: evicted keys.
pub const EVICTED: u32 = 1 << 9;
/// `t`: stream commands.
pub const STREAM: u32 = 1 << 10;
/// `m`: key misses.
pub const KEY_MISS: u32 = 1 << 11;
/// `d`: module key types.
pub const MODULE: u32 = 1 << 12;
/// `n`: new keys.
pub const NEW: u32 = 1 << 13;
/// `A`: alias for `g$lshzxetd`.
pub const ALL: u32 =
    GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

const LETTERS: [(char, u32); 10] = [
    ('g', GENERIC),
    ('$', STRING),
    ('l', LIST),
    ('s', SET),
    ('h', HASH),
    ('z', ZSET),
    ('x', EXPIRED),
    ('e', EVICTED),
    ('t', STREAM),
    ('d', MODULE),
];

/// Parses a `notify-keyspace-events` value.
pub fn parse(s: &str) -> Result<u32, String> {
    let mut flags = 0;
    for c in s.chars() {
        flags |= match c {
            'A' => ALL,
            'K' => KEYSPACE,
            'E' => KEYEVENT,
            'm' => KEY_MISS,
            'n' => NEW,
            c => LETTERS
                .iter()
                .find(|(l, _)| *l == c)
                .map(|(_, f)| *f)
                .ok_or_else(|| {
                    "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".to_string()
                })?,
        };
    }
    Ok(flags)
}

/// Formats flags the way CONFIG GET shows them. Redis compatibility: `n` is written among the
/// class letters and left out when `A` is (the flag itself is kept).
pub fn format(flags: u32) -> String {
    let mut s = String::new();
    if flags & ALL == ALL {
        s.push('A');
    } else {
        s.extend(
            LETTERS
                .iter()
                .filter(|(_, f)| flags & f != 0)
                .map(|(l, _)| *l),
        );
        if flags & NEW != 0 {
            s.push('n');
        }
    }
    for (c, f) in [('K', KEYSPACE), ('E', KEYEVENT), ('m', KEY_MISS)] {
        if flags & f != 0 {
            s.push(c);
        }
    }
    s
}

/// Where events go, with the settings they need (copied from the configuration).
#[derive(Default)]
pub struct Events {
    flags: AtomicU32,
    /// The pub/sub registry events are published to.
    pub hub: Arc<Hub>,
    limit: Mutex<Option<BufferLimit>>,
}

impl Events {
    /// Applies `notify-keyspace-events` and the pub/sub output limit.
    pub fn configure(&self, flags: u32, limit: BufferLimit) {
        self.flags.store(flags, Relaxed);
        *self.limit.lock().unwrap_or_else(|e| e.into_inner()) = Some(limit);
    }

    /// True when events of `class` are published at all (one relaxed load: the fast path).
    pub fn enabled(&self, class: u32) -> bool {
        let f = self.flags.load(Relaxed);
        f & class != 0 && f & (KEYSPACE | KEYEVENT) != 0
    }

    /// Publishes `event` about `key` in database `db`.
    pub fn emit(&self, class: u32, event: &str, db: usize, key: &[u8], now_ms: u64) {
        if !self.enabled(class) {
            return;
        }
        let flags = self.flags.load(Relaxed);
        let now_ms = if now_ms > 0 {
            now_ms
        } else {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64)
        };
        let limit = self
            .limit
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or(BufferLimit {
                hard: 0,
                soft: 0,
                soft_seconds: 0,
            });
        if flags & KEYSPACE != 0 {
            let mut channel = format!("__keyspace@{db}__:").into_bytes();
            channel.extend_from_slice(key);
            self.hub
                .publish(&channel, event.as_bytes(), false, limit, now_ms);
        }
        if flags & KEYEVENT != 0 {
            let channel = format!("__keyevent@{db}__:{event}");
            self.hub
                .publish(channel.as_bytes(), key, false, limit, now_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_like_redis() {
        assert_eq!(format(parse("KEA").unwrap()), "AKE");
        assert_eq!(format(parse("Kg$x").unwrap()), "g$xK");
        assert_eq!(format(parse("Emn").unwrap()), "nEm");
        assert_eq!(format(parse("AKEmn").unwrap()), "AKEm");
        assert_eq!(format(parse("").unwrap()), "");
        assert!(parse("Q").is_err());
    }
}
