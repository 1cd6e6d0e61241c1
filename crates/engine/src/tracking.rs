//! Client-side caching (CLIENT TRACKING): which clients may have cached which keys, and the
//! invalidation messages they get when those keys change.
//!
//! Default mode remembers the keys a tracking client read and tells it once when one changes
//! (it must read the key again to be told again). BCAST mode sends every change of a key under
//! one of the client's prefixes. A RESP3 client gets `>2 invalidate [keys]` pushes; a client with
//! REDIRECT has them sent to that connection, as a `__redis__:invalidate` message when it speaks
//! RESP2. Like Redis's, the table is keyed by key name alone, across databases.
//!
//! Messages are grouped as Redis groups them: a default-mode reader gets one message per key
//! (Redis sends each as the key changes), a BCAST client one message per prefix carrying every
//! key under it that changed, in key order, each once, for a whole batch ([`Tracking::batch`]):
//! one command (HTTP, the library), or every command of one read of a connection, as Redis
//! collects them until its event loop sleeps.

use crate::pubsub::{BufferLimit, Subscriber};
use resp::ReplyBuf;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

thread_local! {
    /// The client whose command runs on this thread (for NOLOOP).
    static CURRENT_CLIENT: Cell<u64> = const { Cell::new(0) };
    /// While a [`Batch`] is open on this thread: the keys changed so far, with the client
    /// that changed each, for BCAST clients.
    static PENDING: RefCell<Option<Changes>> = const { RefCell::new(None) };
}

/// Keys changed in a batch, each with the client that changed it.
type Changes = Vec<(Vec<u8>, u64)>;

/// The changes of one batch of commands, for BCAST clients: while it lives, changed keys are
/// collected; when the outermost one drops, each BCAST client gets one message per matching
/// prefix.
pub struct Batch<'a> {
    tracking: &'a Tracking,
    outer: bool,
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        if !self.outer {
            return;
        }
        let keys = PENDING.with(|p| p.borrow_mut().take()).unwrap_or_default();
        if !keys.is_empty() {
            self.tracking.broadcast(&keys);
        }
    }
}

/// Marks `id` as the client running the current command on this thread.
pub fn set_current_client(id: u64) {
    CURRENT_CLIENT.with(|c| c.set(id));
}

/// One tracking client's settings.
pub struct Tracker {
    /// The client's own id.
    pub id: u64,
    /// The client's own mailbox (invalidations without REDIRECT; broken-redirect notices).
    pub own: Arc<Subscriber>,
    /// The REDIRECT target's mailbox, while that connection lives.
    pub target: Option<std::sync::Weak<Subscriber>>,
    /// REDIRECT target id (0: none).
    pub redirect: u64,
    /// NOLOOP: not told about its own changes.
    pub noloop: bool,
    /// BCAST prefixes (None: default mode).
    pub bcast: Option<Vec<Vec<u8>>>,
    /// Set when the REDIRECT target is gone.
    pub broken: AtomicBool,
}

impl Tracker {
    /// Sends one invalidation message carrying `keys` (None: the null of a flush).
    fn send(&self, keys: Option<&[&[u8]]>, limit: BufferLimit, now_ms: u64) {
        let receiver = if self.redirect != 0 {
            let target = self
                .target
                .as_ref()
                .and_then(|w| w.upgrade())
                .filter(|t| !t.client.is_killed());
            match target {
                Some(t) => t,
                None => {
                    // Redis compatibility: a RESP3 client learns that its redirection broke.
                    self.broken.store(true, Relaxed);
                    if self.own.is_resp3() {
                        let mut out = ReplyBuf::new(true);
                        out.push(2);
                        out.bulk(b"tracking-redir-broken");
                        out.int(self.redirect as i64);
                        self.own.deliver_raw(&out.buf, limit, now_ms);
                    }
                    return;
                }
            }
        } else {
            self.own.clone()
        };
        let mut out = ReplyBuf::new(receiver.is_resp3());
        if out.resp3 {
            out.push(2);
            out.bulk(b"invalidate");
        } else if self.redirect != 0
            && receiver
                .client
                .subscriptions
                .iter()
                .any(|n| n.load(Relaxed) > 0)
        {
            // A RESP2 target hears it only while in subscribed mode, as a pub/sub message.
            out.push(3);
            out.bulk(b"message");
            out.bulk(b"__redis__:invalidate");
        } else {
            // RESP2 without a (subscribed) redirection has nowhere to receive invalidations.
            return;
        }
        match keys {
            Some(keys) => {
                out.array(keys.len());
                for k in keys {
                    out.bulk(k);
                }
            }
            None => out.null(),
        }
        receiver.deliver_raw(&out.buf, limit, now_ms);
    }
}

/// The tracking table.
#[derive(Default)]
pub struct Tracking {
    trackers: AtomicUsize,
    clients: Mutex<HashMap<u64, Arc<Tracker>>>,
    keys: Mutex<HashMap<Vec<u8>, HashSet<u64>>>,
    /// Keys remembered, for INFO.
    pub tracked_keys: AtomicU64,
    /// Connections' mailboxes by client id, so REDIRECT can reach another connection.
    mailboxes: Mutex<HashMap<u64, std::sync::Weak<Subscriber>>>,
    /// The output limit invalidation pushes are held to (see `Config::push_limit`).
    limit: Mutex<BufferLimit>,
}

/// Unix ms, for the soft output limit's clock.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Tracking {
    /// Sets the output limit of invalidation pushes (CONFIG SET client-output-buffer-limit).
    pub fn set_limit(&self, limit: BufferLimit) {
        *self.limit.lock().unwrap_or_else(|e| e.into_inner()) = limit;
    }

    fn limit(&self) -> BufferLimit {
        *self.limit.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Clients with tracking on (INFO `tracking_clients`).
    pub fn clients(&self) -> usize {
        self.trackers.load(Relaxed)
    }

    /// INFO's `tracking_total_keys`, `tracking_total_items` (key-client pairs) and
    /// `tracking_total_prefixes` (BCAST prefixes, each counted once).
    pub fn table_sizes(&self) -> (usize, usize, usize) {
        let (keys, items) = {
            let k = self.keys.lock().unwrap_or_else(|e| e.into_inner());
            (k.len(), k.values().map(HashSet::len).sum())
        };
        let clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        let prefixes: HashSet<&Vec<u8>> = clients
            .values()
            .filter_map(|t| t.bcast.as_ref())
            .flatten()
            .collect();
        (keys, items, prefixes.len())
    }

    /// True when no client tracks anything and no key is remembered (the fast path of every
    /// write; keys read before a client turned tracking off are still forgotten on change).
    pub fn is_idle(&self) -> bool {
        self.trackers.load(Relaxed) == 0 && self.tracked_keys.load(Relaxed) == 0
    }

    /// Turns tracking on (or reconfigures it) for a client.
    pub fn enable(&self, t: Arc<Tracker>) {
        let mut c = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if c.insert(t.id, t).is_none() {
            self.trackers.fetch_add(1, Relaxed);
        }
    }

    /// Turns tracking off for a client.
    pub fn disable(&self, id: u64) {
        let mut c = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if c.remove(&id).is_some() {
            self.trackers.fetch_sub(1, Relaxed);
        }
    }

    /// A default-mode client read `key`. Past `max_keys` remembered keys, one is forgotten and
    /// its readers told to drop it (Redis's `tracking-table-max-keys`), so tracking clients
    /// reading ever new names cannot grow the table without bound.
    pub fn remember(&self, id: u64, key: &[u8], max_keys: usize) {
        let evicted = {
            let mut k = self.keys.lock().unwrap_or_else(|e| e.into_inner());
            k.entry(key.to_vec()).or_default().insert(id);
            let evicted = if max_keys > 0 && k.len() > max_keys {
                let victim = k.keys().find(|v| v.as_slice() != key).cloned();
                victim.and_then(|v| k.remove(&v).map(|readers| (v, readers)))
            } else {
                None
            };
            self.tracked_keys.store(k.len() as u64, Relaxed);
            evicted
        };
        if let Some((victim, readers)) = evicted {
            let clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
            for r in readers {
                if let Some(t) = clients.get(&r) {
                    t.send(Some(&[&victim]), self.limit(), now_ms());
                }
            }
        }
    }

    /// `key` changed: tells its default-mode readers (once) and matching BCAST clients.
    pub fn invalidate(&self, key: &[u8]) {
        if self.is_idle() {
            return;
        }
        let writer = CURRENT_CLIENT.with(Cell::get);
        let readers = {
            let mut k = self.keys.lock().unwrap_or_else(|e| e.into_inner());
            let r = k.remove(key);
            self.tracked_keys.store(k.len() as u64, Relaxed);
            r
        };
        let clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(readers) = readers {
            for id in readers {
                if let Some(t) = clients.get(&id) {
                    if t.bcast.is_none() && !(t.noloop && id == writer) {
                        t.send(Some(&[key]), self.limit(), now_ms());
                    }
                }
            }
        }
        if !clients.values().any(|t| t.bcast.is_some()) {
            return;
        }
        let batched = PENDING.with(|p| {
            p.borrow_mut()
                .as_mut()
                .map(|keys| keys.push((key.to_vec(), writer)))
                .is_some()
        });
        if batched {
            return;
        }
        for t in clients.values() {
            if let Some(prefixes) = &t.bcast {
                if !(t.noloop && t.id == writer) && prefixes.iter().any(|p| key.starts_with(p)) {
                    t.send(Some(&[key]), self.limit(), now_ms());
                }
            }
        }
    }

    /// Opens a batch (see [`Batch`]): a connection opens one per read, every command one of
    /// its own; nested ones (the commands of a read, of EXEC, of a script) join the outermost.
    pub fn batch(&self) -> Batch<'_> {
        // Nobody tracks: nothing to gather (a change made while a client turns BCAST on in
        // the middle of the batch is then sent at once, unbatched).
        if self.is_idle() {
            return Batch {
                tracking: self,
                outer: false,
            };
        }
        let outer = PENDING.with(|p| {
            let mut p = p.borrow_mut();
            let outer = p.is_none();
            if outer {
                *p = Some(Vec::new());
            }
            outer
        });
        Batch {
            tracking: self,
            outer,
        }
    }

    /// Sends a batch's changed keys to the BCAST clients: for each client, one message per
    /// prefix (in prefix order) with the keys under it in key order, each once; a NOLOOP
    /// client is not told of the keys it was the last to change.
    fn broadcast(&self, keys: &Changes) {
        let clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        let (limit, now) = (self.limit(), now_ms());
        for t in clients.values() {
            let Some(prefixes) = &t.bcast else { continue };
            let mut prefixes: Vec<&Vec<u8>> = prefixes.iter().collect();
            prefixes.sort();
            for p in prefixes {
                let mut last_writer: BTreeMap<&[u8], u64> = BTreeMap::new();
                for (k, w) in keys.iter().filter(|(k, _)| k.starts_with(p)) {
                    last_writer.insert(k, *w);
                }
                let list: Vec<&[u8]> = last_writer
                    .iter()
                    .filter(|(_, &w)| !(t.noloop && w == t.id))
                    .map(|(k, _)| *k)
                    .collect();
                if !list.is_empty() {
                    t.send(Some(&list), limit, now);
                }
            }
        }
    }

    /// A database was flushed: every tracking client drops its whole cache (a null message).
    pub fn invalidate_all(&self) {
        if self.is_idle() {
            return;
        }
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.tracked_keys.store(0, Relaxed);
        for t in self
            .clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            t.send(None, self.limit(), now_ms());
        }
    }

    /// The mailbox of client `id` as a weak reference (a REDIRECT target).
    pub fn weak_mailbox_of(&self, id: u64) -> Option<std::sync::Weak<Subscriber>> {
        let m = self.mailboxes.lock().unwrap_or_else(|e| e.into_inner());
        m.get(&id).cloned()
    }

    /// Makes a connection's mailbox reachable as a REDIRECT target.
    pub fn register_mailbox(&self, id: u64, mailbox: &Arc<Subscriber>) {
        let mut m = self.mailboxes.lock().unwrap_or_else(|e| e.into_inner());
        m.retain(|_, w| w.strong_count() > 0);
        m.insert(id, Arc::downgrade(mailbox));
    }

    /// The mailbox of client `id`, if it has one and is connected.
    pub fn mailbox_of(&self, id: u64) -> Option<Arc<Subscriber>> {
        let m = self.mailboxes.lock().unwrap_or_else(|e| e.into_inner());
        m.get(&id)
            .and_then(|w| w.upgrade())
            .filter(|s| !s.client.is_killed())
    }

    /// The tracker of client `id`, if tracking.
    pub fn get(&self, id: u64) -> Option<Arc<Tracker>> {
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
    }
}
