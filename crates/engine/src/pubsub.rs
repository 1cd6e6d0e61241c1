//! The pub/sub registry: who listens to which channel, pattern or shard channel, and each
//! subscriber's mailbox.
//!
//! PUBLISH runs on the publisher's thread: it encodes the message in each subscriber's protocol
//! (a RESP2 array or a RESP3 push) into that subscriber's mailbox and wakes its connection, which
//! writes the mailbox after its own replies. Messages from one publisher therefore arrive in
//! publish order. A subscriber that does not read cannot grow memory without bound: past the
//! `client-output-buffer-limit pubsub` hard limit, or above the soft limit for longer than its
//! time, it is disconnected, as Redis does.

use crate::glob;
use crate::session::ClientInfo;
use resp::ReplyBuf;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, RwLock};

/// Output buffer limits of one client class (Redis's `client-output-buffer-limit`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BufferLimit {
    /// Disconnect as soon as this many bytes wait (0: no limit).
    pub hard: u64,
    /// Disconnect when this many bytes waited for `soft_seconds` (0: no limit).
    pub soft: u64,
    /// How long the soft limit may be exceeded.
    pub soft_seconds: u64,
}

/// A connection's mailbox for published messages.
pub struct Subscriber {
    /// The connection (id, kill, wake-up).
    pub client: Arc<ClientInfo>,
    resp3: AtomicBool,
    mailbox: Mutex<Vec<u8>>,
    soft_since_ms: AtomicU64,
}

impl Subscriber {
    /// A mailbox for `client`.
    pub fn new(client: Arc<ClientInfo>, resp3: bool) -> Subscriber {
        Subscriber {
            client,
            resp3: AtomicBool::new(resp3),
            mailbox: Mutex::new(Vec::new()),
            soft_since_ms: AtomicU64::new(0),
        }
    }

    /// True when the connection speaks RESP3.
    pub fn is_resp3(&self) -> bool {
        self.resp3.load(Relaxed)
    }

    /// Follows the connection's protocol (HELLO).
    pub fn set_resp3(&self, on: bool) {
        self.resp3.store(on, Relaxed);
    }

    /// Takes every waiting byte, for the connection to write.
    pub fn take(&self) -> Vec<u8> {
        // Fast path for the common empty mailbox: no lock. A message racing past this check
        // also woke the connection, which looks again.
        if self.client.omem.load(Relaxed) == 0 {
            return Vec::new();
        }
        let mut m = self.mailbox.lock().unwrap_or_else(|e| e.into_inner());
        self.soft_since_ms.store(0, Relaxed);
        self.client.omem.store(0, Relaxed);
        std::mem::take(&mut *m)
    }

    /// Appends one message (`kind`, then `parts`) and wakes the connection, or disconnects the
    /// client when the limit says so. Returns false when the client was dropped for it.
    fn deliver(&self, message: &Encoded<'_>, limit: BufferLimit, now_ms: u64) -> bool {
        self.deliver_raw(message.get(self.resp3.load(Relaxed)), limit, now_ms)
    }

    /// Appends already encoded bytes (a MONITOR line, a served reply) and wakes the
    /// connection, or disconnects the client when `limit` says so (past the hard limit, or
    /// past the soft one for longer than it allows). Returns false when it was dropped.
    pub fn deliver_raw(&self, bytes: &[u8], limit: BufferLimit, now_ms: u64) -> bool {
        if self.client.is_killed() {
            return false;
        }
        let len = {
            let mut m = self.mailbox.lock().unwrap_or_else(|e| e.into_inner());
            m.extend_from_slice(bytes);
            m.len() as u64
        };
        self.client.omem.store(len as usize, Relaxed);
        let over_hard = limit.hard > 0 && len > limit.hard;
        let over_soft = limit.soft > 0 && len > limit.soft && {
            let since = self.soft_since_ms.load(Relaxed);
            if since == 0 {
                self.soft_since_ms.store(now_ms, Relaxed);
                false
            } else {
                now_ms.saturating_sub(since) >= limit.soft_seconds * 1000
            }
        };
        if over_hard || over_soft {
            self.client.output_limit_hit.store(true, Relaxed);
            self.client.kill();
            return false;
        }
        self.client.wake();
        true
    }
}

/// One published message, encoded at most once per protocol however many receive it.
struct Encoded<'a> {
    kind: &'a [u8],
    parts: &'a [&'a [u8]],
    cache: [std::cell::OnceCell<Vec<u8>>; 2],
}

impl<'a> Encoded<'a> {
    fn new(kind: &'a [u8], parts: &'a [&'a [u8]]) -> Self {
        Encoded {
            kind,
            parts,
            cache: Default::default(),
        }
    }

    fn get(&self, resp3: bool) -> &[u8] {
        self.cache[usize::from(resp3)].get_or_init(|| {
            let mut out = ReplyBuf::new(resp3);
            out.push(self.parts.len() + 1);
            out.bulk(self.kind);
            for p in self.parts {
                out.bulk(p);
            }
            out.buf
        })
    }
}

type Subscribers = Vec<Arc<Subscriber>>;

/// Which of the three namespaces a subscription is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Space {
    /// SUBSCRIBE / PUBLISH.
    Channel = 0,
    /// PSUBSCRIBE.
    Pattern = 1,
    /// SSUBSCRIBE / SPUBLISH.
    Shard = 2,
}

/// Every subscription of the server.
#[derive(Default)]
pub struct Hub {
    channels: RwLock<HashMap<Vec<u8>, Subscribers>>,
    shard_channels: RwLock<HashMap<Vec<u8>, Subscribers>>,
    /// Patterns with their subscribers, in subscription order.
    patterns: RwLock<Vec<(Vec<u8>, Subscribers)>>,
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

impl Hub {
    /// Adds a subscription (the caller knows it is new for this subscriber).
    pub fn add(&self, space: Space, name: &[u8], sub: &Arc<Subscriber>) {
        match space {
            Space::Channel => write(&self.channels)
                .entry(name.to_vec())
                .or_default()
                .push(sub.clone()),
            Space::Shard => write(&self.shard_channels)
                .entry(name.to_vec())
                .or_default()
                .push(sub.clone()),
            Space::Pattern => {
                let mut p = write(&self.patterns);
                match p.iter_mut().find(|(pat, _)| pat == name) {
                    Some((_, subs)) => subs.push(sub.clone()),
                    None => p.push((name.to_vec(), vec![sub.clone()])),
                }
            }
        }
    }

    /// Every subscription of the clients authenticated as `user`: (client, space, name).
    pub fn subscriptions_of(&self, user: &str) -> Vec<(Arc<ClientInfo>, Space, Vec<u8>)> {
        let mut out = Vec::new();
        let mut take = |space: Space, name: &[u8], subs: &Subscribers| {
            for s in subs.iter().filter(|s| s.client.user_name() == user) {
                out.push((s.client.clone(), space, name.to_vec()));
            }
        };
        for (name, subs) in read(&self.channels).iter() {
            take(Space::Channel, name, subs);
        }
        for (name, subs) in read(&self.shard_channels).iter() {
            take(Space::Shard, name, subs);
        }
        for (name, subs) in read(&self.patterns).iter() {
            take(Space::Pattern, name, subs);
        }
        out
    }

    /// Removes a subscription of client `id`.
    pub fn remove(&self, space: Space, name: &[u8], id: u64) {
        let drop_from = |map: &RwLock<HashMap<Vec<u8>, Subscribers>>| {
            let mut m = write(map);
            if let Some(subs) = m.get_mut(name) {
                subs.retain(|s| s.client.id != id);
                if subs.is_empty() {
                    m.remove(name);
                }
            }
        };
        match space {
            Space::Channel => drop_from(&self.channels),
            Space::Shard => drop_from(&self.shard_channels),
            Space::Pattern => {
                let mut p = write(&self.patterns);
                if let Some(i) = p.iter().position(|(pat, _)| pat == name) {
                    p[i].1.retain(|s| s.client.id != id);
                    if p[i].1.is_empty() {
                        p.remove(i);
                    }
                }
            }
        }
    }

    /// PUBLISH (or SPUBLISH with `shard`): delivers to channel subscribers and, for PUBLISH,
    /// to every matching pattern. Returns the number of deliveries.
    pub fn publish(
        &self,
        channel: &[u8],
        message: &[u8],
        shard: bool,
        limit: BufferLimit,
        now_ms: u64,
    ) -> i64 {
        let mut n = 0;
        let (map, kind): (&RwLock<HashMap<Vec<u8>, Subscribers>>, &[u8]) = if shard {
            (&self.shard_channels, b"smessage")
        } else {
            (&self.channels, b"message")
        };
        if let Some(subs) = read(map).get(channel) {
            let parts = [channel, message];
            let encoded = Encoded::new(kind, &parts);
            for s in subs {
                if s.deliver(&encoded, limit, now_ms) {
                    n += 1;
                }
            }
        }
        if !shard {
            for (pat, subs) in read(&self.patterns).iter() {
                if glob::matches(pat, channel, false) {
                    let parts = [pat.as_slice(), channel, message];
                    let encoded = Encoded::new(b"pmessage", &parts);
                    for s in subs {
                        if s.deliver(&encoded, limit, now_ms) {
                            n += 1;
                        }
                    }
                }
            }
        }
        n
    }

    /// Channels (or shard channels) with at least one subscriber, optionally matching a glob.
    pub fn channels(&self, shard: bool, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        let map = if shard {
            &self.shard_channels
        } else {
            &self.channels
        };
        read(map)
            .keys()
            .filter(|c| pattern.is_none_or(|p| glob::matches(p, c, false)))
            .cloned()
            .collect()
    }

    /// Subscribers of a channel (or shard channel).
    pub fn numsub(&self, shard: bool, channel: &[u8]) -> usize {
        let map = if shard {
            &self.shard_channels
        } else {
            &self.channels
        };
        read(map).get(channel).map_or(0, |s| s.len())
    }

    /// Distinct patterns with subscribers.
    pub fn numpat(&self) -> usize {
        read(&self.patterns).len()
    }
}
