//! The sharded keyspace: databases, shards, locking order, lazy and active expiry.
//!
//! Each database is split into [`SHARDS`] shards, each a [`Table`] behind its own reader-writer
//! lock, so commands on different keys run in parallel. A key's shard is the top bits of its hash
//! and its bucket the low bits, so the two choices are independent. A command that touches several
//! shards locks them in ascending (database, shard) order, which rules out deadlock; holding all of
//! them for the command's duration makes MSET, RENAME, SWAPDB or FLUSHALL atomic to every other
//! client. Why `std::sync::RwLock` and not an async lock: no lock is ever held across an `.await`,
//! critical sections are short, and the std lock is a single futex word.
//!
//! Expiry: each shard keeps a min-heap of `(deadline, key hash)`. The active cycle pops what is
//! due and deletes the keys whose expiry really passed (a heap item is stale when the key's TTL
//! changed since; stale items are skipped, and the heap is rebuilt when stale items outnumber
//! live ones). That makes active expiry exact and prompt, at 16 heap bytes per TTL key, where
//! Redis samples a second dict at random.

use crate::entry::{Entry, EntryMeta, EntryRef, Kind};
use crate::error::{self, CmdError};
use crate::table::Table;
use crate::types::{self, Open};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// log2 of the shards per database.
pub const SHARD_BITS: u32 = 6;
/// Shards per database: several per core for up to 16 cores, few enough that whole-database
/// operations (DBSIZE, FLUSHDB, SCAN) stay cheap.
pub const SHARDS: usize = 1 << SHARD_BITS;

/// One shard: a table, its expiry index and counters.
#[derive(Default)]
pub struct Shard {
    /// The entries.
    pub table: Table,
    expires: BinaryHeap<Reverse<(u64, u64)>>,
    ttl_keys: usize,
    ttl_sum: u128,
    /// Keys deleted because their expiry passed.
    pub expired: u64,
}

impl Shard {
    /// Number of keys with an expiry.
    pub fn ttl_keys(&self) -> usize {
        self.ttl_keys
    }

    /// Sum of the deadlines of keys with an expiry (for INFO's avg_ttl).
    pub fn ttl_sum(&self) -> u128 {
        self.ttl_sum
    }

    /// The earliest pending deadline in the index (may be stale).
    pub fn next_deadline(&self) -> Option<u64> {
        self.expires.peek().map(|Reverse((at, _))| *at)
    }

    fn account_add(&mut self, hash: u64, expire: Option<u64>) {
        if let Some(at) = expire {
            self.ttl_keys += 1;
            self.ttl_sum += u128::from(at);
            self.expires.push(Reverse((at, hash)));
        }
    }

    fn account_remove(&mut self, expire: Option<u64>) {
        if let Some(at) = expire {
            self.ttl_keys -= 1;
            self.ttl_sum -= u128::from(at);
        }
    }

    /// The live entry for `key` (an expired one is invisible).
    pub fn get(&self, hash: u64, key: &[u8], now: u64) -> Option<EntryRef<'_>> {
        self.table.get(hash, key).filter(|e| !e.is_expired(now))
    }

    /// Stores `value` under `key` with `meta`, replacing any previous entry. A value of the
    /// same length as the old one (INCR, most SETs of fixed-size values) is written in place,
    /// without an allocation.
    pub fn set<S: BuildHasher>(
        &mut self,
        hash: u64,
        key: &[u8],
        value: &[u8],
        meta: EntryMeta,
        hasher: &S,
    ) -> Option<Entry> {
        if let Some(e) = self.table.get(hash, key) {
            if e.can_overwrite(value.len(), &meta) {
                let old = e.expire();
                e.overwrite(value, meta);
                if old != meta.expire {
                    self.account_remove(old);
                    self.account_add(hash, meta.expire);
                    self.maybe_compact_index(hasher);
                }
                return None;
            }
        }
        let entry = Entry::new(key, value, meta);
        self.put(hash, key, entry, hasher)
    }

    /// Stores a built entry, replacing and returning any previous one.
    pub fn put<S: BuildHasher>(
        &mut self,
        hash: u64,
        key: &[u8],
        entry: Entry,
        hasher: &S,
    ) -> Option<Entry> {
        let expire = entry.view().expire();
        debug_assert_eq!(entry.view().key(), key);
        let old = self.table.upsert(hash, entry, hasher);
        if let Some(old) = &old {
            self.account_remove(old.view().expire());
        }
        self.account_add(hash, expire);
        old
    }

    /// Makes room for `keys` keys without rehashing (loading a file that announces its size).
    pub fn reserve<S: BuildHasher>(&mut self, keys: usize, hasher: &S) {
        self.table.reserve(keys, hasher);
    }

    /// Removes `key`, returning its entry.
    pub fn remove<S: BuildHasher>(&mut self, hash: u64, key: &[u8], hasher: &S) -> Option<Entry> {
        let old = self.table.remove(hash, key, hasher)?;
        self.account_remove(old.view().expire());
        Some(old)
    }

    /// Sets or clears the expiry of an existing key. Returns false when the key is missing.
    pub fn set_expire<S: BuildHasher>(
        &mut self,
        hash: u64,
        key: &[u8],
        at: Option<u64>,
        hasher: &S,
    ) -> bool {
        let Some(e) = self.table.get(hash, key) else {
            return false;
        };
        let old = e.expire();
        match (old, at) {
            (Some(_), Some(new)) => {
                e.set_expire_in_place(new);
            }
            (None, None) => return true,
            _ => {
                // The layout changes: rebuild the entry (a large collection moves along).
                let meta = EntryMeta {
                    expire: at,
                    ..e.meta_copy()
                };
                if let Some(old_entry) = self.table.remove(hash, key, hasher) {
                    self.table
                        .insert_new(hash, old_entry.with_meta(meta), hasher);
                }
            }
        }
        self.account_remove(old);
        self.account_add(hash, at);
        self.maybe_compact_index(hasher);
        true
    }

    /// Rebuilds the expiry index when stale items dominate, so repeated EXPIRE calls on one key
    /// cannot grow it without bound.
    fn maybe_compact_index<S: BuildHasher>(&mut self, hasher: &S) {
        if self.expires.len() > 2 * self.ttl_keys + 64 {
            let mut items = Vec::with_capacity(self.ttl_keys);
            self.table.for_each(|e| {
                if let Some(at) = e.expire() {
                    items.push(Reverse((at, hasher.hash_one(e.key()))));
                }
            });
            self.expires = BinaryHeap::from(items);
        }
    }

    /// Takes up to `budget` items whose deadline is at or before `now` off the expiry index and
    /// returns the keys (with their hash) whose expiry really passed, for the caller to delete
    /// ([`Locked::delete`]); a stale item finds nothing. Returns the keys and the number of
    /// items examined: the caller loops while that reaches `budget`.
    pub fn take_due<S: BuildHasher>(
        &mut self,
        now: u64,
        budget: usize,
        hasher: &S,
    ) -> (Vec<(u64, Vec<u8>)>, usize) {
        let mut due = Vec::new();
        let mut examined = 0;
        while examined < budget {
            match self.expires.peek() {
                Some(Reverse((at, _))) if *at <= now => {}
                _ => break,
            }
            let Some(Reverse((_, hash))) = self.expires.pop() else {
                break;
            };
            examined += 1;
            if self.table.is_empty() {
                continue;
            }
            // Every key in the bucket with this hash whose expiry passed goes.
            self.table.scan(hash, |e| {
                if e.is_expired(now) && hasher.hash_one(e.key()) == hash {
                    due.push((hash, e.key().to_vec()));
                }
            });
        }
        // Two items for one key (a TTL changed, then passed) name it once.
        due.sort_unstable();
        due.dedup();
        self.maybe_compact_index(hasher);
        (due, examined)
    }

    /// A key with an expiry, picked at random through the deadline index (a stale item of the
    /// index names nothing: a few tries are made).
    pub fn random_volatile<S: BuildHasher>(&self, hasher: &S) -> Option<EntryRef<'_>> {
        let items = self.expires.as_slice();
        if items.is_empty() || self.ttl_keys == 0 {
            return None;
        }
        for _ in 0..8 {
            let Reverse((_, hash)) = items[crate::rand::below(items.len())];
            let mut found = None;
            self.table.scan(hash, |e| {
                if found.is_none() && e.expire().is_some() && hasher.hash_one(e.key()) == hash {
                    found = Some(e);
                }
            });
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// Drops every key.
    pub fn clear(&mut self) {
        self.table.clear();
        self.expires = BinaryHeap::new();
        self.ttl_keys = 0;
        self.ttl_sum = 0;
    }
}

/// One database: its shards.
pub struct Db {
    shards: Box<[RwLock<Shard>]>,
    /// Where each shard's bucket array was when its write lock was last released, so the first
    /// prefetch stage can compute a slot address without taking the lock. A stale hint only
    /// makes a prefetch useless: prefetching never dereferences.
    hints: Box<[BucketHint]>,
}

/// What a shard publishes for lock-free readers when its write lock is released.
#[derive(Default)]
struct BucketHint {
    base: AtomicUsize,
    mask: AtomicUsize,
    /// Keys changed in the shard, ever (`rdb_changes_since_last_save`, `save` points).
    changes: AtomicU64,
    /// Keys, and keys with an expiry, when the lock was last released (eviction picks among
    /// shards by them without taking every lock).
    keys: AtomicUsize,
    volatile: AtomicUsize,
}

impl BucketHint {
    fn publish(&self, shard: &Shard) {
        let (base, len) = shard.table.raw_buckets();
        self.base.store(base, Relaxed);
        self.mask.store(len.wrapping_sub(1), Relaxed);
        self.keys.store(shard.table.len(), Relaxed);
        self.volatile.store(shard.ttl_keys, Relaxed);
    }
}

impl Db {
    fn new() -> Db {
        Db {
            shards: (0..SHARDS).map(|_| RwLock::new(Shard::default())).collect(),
            hints: (0..SHARDS).map(|_| BucketHint::default()).collect(),
        }
    }

    /// Records shard `i`'s bucket array for lock-free prefetching; call with its lock held.
    pub fn publish_hint(&self, i: usize, shard: &Shard) {
        self.hints[i].publish(shard);
    }

    /// Keys (with an expiry only, when `volatile`) in shard `i` as of its last write, without
    /// its lock.
    pub fn approx_keys(&self, i: usize, volatile: bool) -> usize {
        let h = &self.hints[i];
        if volatile {
            h.volatile.load(Relaxed)
        } else {
            h.keys.load(Relaxed)
        }
    }

    /// Counts `n` keys of shard `i` changed outside a [`Locked`] (active expiry).
    pub fn count_changes(&self, i: usize, n: u64) {
        self.hints[i].changes.fetch_add(n, Relaxed);
    }

    /// Read-locks shard `i`.
    pub fn read(&self, i: usize) -> RwLockReadGuard<'_, Shard> {
        // A panic under a lock is caught by the dispatcher; the shard's data stays consistent
        // because every mutation completes before any code that can panic, so poisoning is
        // ignored rather than turned into an outage.
        self.shards[i].read().unwrap_or_else(|e| e.into_inner())
    }

    /// Read-locks shard `i` unless another thread holds it (prefetching never waits).
    pub fn try_read(&self, i: usize) -> Option<RwLockReadGuard<'_, Shard>> {
        self.shards[i].try_read().ok()
    }

    /// Write-locks shard `i`.
    pub fn write(&self, i: usize) -> RwLockWriteGuard<'_, Shard> {
        self.shards[i].write().unwrap_or_else(|e| e.into_inner())
    }
}

/// A key with its hash and shard, computed once per command.
#[derive(Clone, Copy, Debug)]
pub struct Key<'a> {
    /// The key bytes.
    pub bytes: &'a [u8],
    /// Its hash.
    pub hash: u64,
    /// Its shard index.
    pub shard: usize,
}

/// All databases.
pub struct Keyspace {
    dbs: Box<[Db]>,
    hasher: RandomState,
    /// WATCHed keys; every change made through [`Locked`] touches them.
    pub watches: std::sync::Arc<crate::watch::Watches>,
    /// Keyspace notifications (new and expired keys are published from here).
    pub events: std::sync::Arc<crate::notify::Events>,
    /// Client-side caching: every change made through [`Locked`] invalidates.
    pub tracking: std::sync::Arc<crate::tracking::Tracking>,
    /// Clients blocked on keys: every list or sorted set stored through [`Locked`] may wake
    /// them.
    pub blocking: std::sync::Arc<crate::blocking::Blocking>,
    /// The write stream the AOF drains: records are appended while their locks are held.
    pub log: std::sync::Arc<crate::propagate::Log>,
    /// The point-in-time snapshot in progress (BGSAVE): a shard is captured before its first
    /// change.
    pub snapshots: crate::snapshot::Snapshots,
    /// The background thread big values are freed on (UNLINK, `lazyfree-lazy-*`).
    pub lazyfree: crate::lazyfree::LazyFree,
    /// `lazyfree-lazy-server-del`: a big value a write replaces is freed in the background.
    pub lazy_server_del: std::sync::atomic::AtomicBool,
    /// How access clocks are kept (LRU or LFU): a write's lookup of a key is an access.
    pub access: crate::memory::AccessClock,
}

impl Keyspace {
    /// A keyspace with `databases` empty databases.
    pub fn new(databases: usize) -> Keyspace {
        Keyspace {
            dbs: (0..databases).map(|_| Db::new()).collect(),
            hasher: RandomState::new(),
            watches: std::sync::Arc::default(),
            events: std::sync::Arc::default(),
            tracking: std::sync::Arc::default(),
            blocking: std::sync::Arc::default(),
            log: std::sync::Arc::default(),
            snapshots: crate::snapshot::Snapshots::default(),
            lazyfree: crate::lazyfree::LazyFree::default(),
            lazy_server_del: std::sync::atomic::AtomicBool::new(false),
            access: crate::memory::AccessClock::default(),
        }
    }

    /// Number of databases.
    pub fn databases(&self) -> usize {
        self.dbs.len()
    }

    /// Database `i`.
    pub fn db(&self, i: usize) -> &Db {
        &self.dbs[i]
    }

    /// The hasher every shard uses.
    pub fn hasher(&self) -> &RandomState {
        &self.hasher
    }

    /// Hashes a key and finds its shard.
    pub fn key<'a>(&self, bytes: &'a [u8]) -> Key<'a> {
        Self::key_with_hash(bytes, self.hasher.hash_one(bytes))
    }

    /// A key whose hash is already known.
    pub fn key_with_hash(bytes: &[u8], hash: u64) -> Key<'_> {
        Key {
            bytes,
            hash,
            shard: (hash >> (64 - SHARD_BITS)) as usize,
        }
    }

    /// Pipeline prefetching: stage 0 starts loading the key's bucket slot, stage 1 (once the
    /// slot is cached) the first entry of its chain. Skips a shard another thread holds.
    pub fn prefetch(&self, db: usize, key: &Key<'_>, stage: u8) {
        let Some(db) = self.dbs.get(db) else { return };
        if stage == 0 {
            let hint = &db.hints[key.shard];
            let mask = hint.mask.load(Relaxed);
            if mask != usize::MAX {
                let slot = hint.base.load(Relaxed)
                    + (key.hash as usize & mask) * std::mem::size_of::<usize>();
                crate::table::prefetch(slot as *const u8);
            }
        } else if let Ok(shard) = db.shards[key.shard].try_read() {
            shard.table.prefetch_head(key.hash);
        }
    }

    /// Keys changed since start-up, all databases together (`save` points count from it).
    pub fn changes(&self) -> u64 {
        self.dbs
            .iter()
            .flat_map(|d| d.hints.iter())
            .map(|h| h.changes.load(Relaxed))
            .sum()
    }

    /// Write-locks the shards of `keys` in database `db` (ascending order, each once).
    pub fn lock(&self, db: usize, keys: &[Key<'_>]) -> Locked<'_> {
        if let [k] = keys {
            // The common single-key case takes no allocation.
            let guard = self.dbs[db].write(k.shard);
            return Locked {
                ks: self,
                guards: Guards::One([((db, k.shard), guard)]),
                changes: Default::default(),
            };
        }
        let mut want: Vec<(usize, usize)> = keys.iter().map(|k| (db, k.shard)).collect();
        self.lock_pairs(&mut want)
    }

    /// Write-locks the given (database, shard) pairs in ascending order.
    pub fn lock_pairs(&self, want: &mut Vec<(usize, usize)>) -> Locked<'_> {
        want.sort_unstable();
        want.dedup();
        Locked {
            ks: self,
            guards: Guards::Many(
                want.iter()
                    .map(|&(d, s)| ((d, s), self.dbs[d].write(s)))
                    .collect(),
            ),
            changes: Default::default(),
        }
    }

    /// Write-locks one shard (active expiry works a shard at a time).
    pub fn lock_shard(&self, db: usize, shard: usize) -> Locked<'_> {
        Locked {
            ks: self,
            guards: Guards::One([((db, shard), self.dbs[db].write(shard))]),
            changes: Default::default(),
        }
    }

    /// Write-locks every shard of the given databases (ascending).
    pub fn lock_dbs(&self, dbs: &[usize]) -> Locked<'_> {
        let mut want: Vec<(usize, usize)> = dbs
            .iter()
            .flat_map(|&d| (0..SHARDS).map(move |s| (d, s)))
            .collect();
        self.lock_pairs(&mut want)
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        // The running command's record goes out before its locks are released (see
        // `propagate`), so conflicting commands are logged in the order they ran.
        crate::propagate::flush(&self.ks.log);
        let changes = self.changes.get();
        if changes > 0 {
            let (d, s) = self.guards[0].0;
            self.ks.dbs[d].hints[s].changes.fetch_add(changes, Relaxed);
        }
        for ((d, s), guard) in self.guards.iter() {
            self.ks.dbs[*d].hints[*s].publish(guard);
        }
    }
}

/// Why a key is deleted (see [`Locked::delete`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deletion {
    /// By the running command.
    Command,
    /// Its expiry passed (`now` is the time that decided it).
    Expired {
        /// Unix ms.
        now: u64,
    },
    /// `maxmemory` was passed and the policy chose it.
    Evicted {
        /// Unix ms.
        now: u64,
    },
}

/// A set of write-locked shards, released on drop.
pub struct Locked<'a> {
    ks: &'a Keyspace,
    guards: Guards<'a>,
    /// Keys changed under these locks, added to the shard counters on release.
    changes: std::cell::Cell<u64>,
}

type Guard<'a> = ((usize, usize), RwLockWriteGuard<'a, Shard>);

/// The held guards, inline for one shard.
enum Guards<'a> {
    One([Guard<'a>; 1]),
    Many(Vec<Guard<'a>>),
}

impl<'a> std::ops::Deref for Guards<'a> {
    type Target = [Guard<'a>];
    fn deref(&self) -> &Self::Target {
        match self {
            Guards::One(g) => g,
            Guards::Many(v) => v,
        }
    }
}

impl std::ops::DerefMut for Guards<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Guards::One(g) => g,
            Guards::Many(v) => v,
        }
    }
}

impl<'a> Locked<'a> {
    /// The locked shard holding `key` in `db`. Panics if it was not locked (a bug). A change
    /// made through it must first tell a snapshot in progress ([`Locked::get`] of the key or
    /// [`Locked::before_shard`]), as the other methods do.
    pub fn shard(&mut self, db: usize, key: &Key<'_>) -> &mut Shard {
        self.shard_at(db, key.shard)
    }

    /// The locked shard `(db, shard)`, to read.
    fn shard_at_ref(&self, db: usize, shard: usize) -> &Shard {
        &self.guards[self.index(db, shard)].1
    }

    /// The locked shard `(db, shard)` (see [`Locked::shard`] before changing it).
    pub fn shard_at(&mut self, db: usize, shard: usize) -> &mut Shard {
        let i = self
            .guards
            .iter()
            .position(|(id, _)| *id == (db, shard))
            .expect("shard not locked");
        &mut self.guards[i].1
    }

    /// The live entry for `key`, deleting it first if expired (lazy expiry).
    pub fn get(&mut self, db: usize, key: &Key<'_>, now: u64) -> Option<EntryRef<'_>> {
        let i = self.before_key(db, key);
        let expired = self.guards[i]
            .1
            .table
            .get(key.hash, key.bytes)
            .is_some_and(|e| e.is_expired(now));
        if expired {
            self.delete(db, key, Deletion::Expired { now });
            return None;
        }
        let e = self.guards[i].1.table.get(key.hash, key.bytes)?;
        // A write's lookup is an access (Redis's `lookupKeyWrite`).
        e.touch(self.ks.access.touched(e.clock(), now));
        Some(e)
    }

    /// The guard index of `key`'s shard, after a snapshot in progress saved the key's value
    /// (every path that may change a key comes through here first).
    fn before_key(&self, db: usize, key: &Key<'_>) -> usize {
        let i = self.index(db, key.shard);
        self.ks
            .snapshots
            .before_key(db, key.shard, &self.guards[i].1, key.hash, key.bytes);
        i
    }

    /// Counts a change made without a key (FLUSHDB, SWAPDB) for `save` points.
    pub fn count_change(&self) {
        self.changes.set(self.changes.get() + 1);
    }

    /// A change to any key of the locked shard `(db, shard)` is coming (FLUSHDB, SWAPDB).
    pub fn before_shard(&self, db: usize, shard: usize) {
        let i = self.index(db, shard);
        self.ks.snapshots.before_shard(db, shard, &self.guards[i].1);
    }

    fn index(&self, db: usize, shard: usize) -> usize {
        self.guards
            .iter()
            .position(|(id, _)| *id == (db, shard))
            .expect("shard not locked")
    }

    /// A stream left `key` (deleted or replaced): clients blocked in XREADGROUP on it are
    /// served an error, as Redis 7.0 does. Free when nobody is blocked.
    fn stream_gone(&self, db: usize, key: &[u8], old: &Entry) {
        if !self.ks.blocking.is_empty() && old.view().kind() == Kind::Stream {
            self.ks.blocking.signal(db, key);
        }
    }

    /// Stores a string value, replacing what was there.
    pub fn set(&mut self, db: usize, key: &Key<'_>, value: &[u8], meta: EntryMeta) {
        let hasher = &self.ks.hasher;
        let i = self.before_key(db, key);
        if !self.ks.blocking.is_empty() {
            if let Some(e) = self.guards[i].1.table.get(key.hash, key.bytes) {
                if e.kind() == Kind::Stream {
                    self.ks.blocking.signal(db, key.bytes);
                }
            }
        }
        let created = self.creates(i, key);
        let mut meta = meta;
        // Under LFU an overwrite keeps the key's counter (one more lookup, only then).
        if self.ks.access.lfu() {
            if let Some(e) = self.guards[i].1.table.get(key.hash, key.bytes) {
                meta.clock = self.ks.access.overwritten(e.clock(), meta.clock);
            }
        }
        let old = self.guards[i]
            .1
            .set(key.hash, key.bytes, value, meta, hasher);
        self.changed(db, key.bytes, created);
        self.ready(db, key.bytes, meta.kind);
        if let Some(old) = old {
            self.replaced(old);
        }
    }

    /// Frees an entry a write replaced: on the lazy free thread when it is big and
    /// `lazyfree-lazy-server-del` is on, else here.
    fn replaced(&self, old: Entry) {
        let lazy = self.ks.lazy_server_del.load(Relaxed);
        self.ks.lazyfree.free_entry(old, lazy);
    }

    /// Writes `bytes` at `offset` of the string at `key` (a gap is zero-filled; an absent key
    /// starts empty with `meta`), marking it `raw`: in place while the entry has room, else in
    /// a new entry with room to grow (APPEND and SETRANGE run in amortised linear time, as
    /// Redis's strings grow). The caller checked the type and the length. Returns the new
    /// length.
    pub fn write_string(
        &mut self,
        db: usize,
        key: &Key<'_>,
        offset: usize,
        bytes: &[u8],
        meta: EntryMeta,
    ) -> usize {
        let i = self.before_key(db, key);
        let old = self.guards[i].1.table.get(key.hash, key.bytes);
        if let Some(len) = old.and_then(|e| e.write_in_place(offset, bytes)) {
            self.changed(db, key.bytes, false);
            return len;
        }
        let old = old.map_or(&[][..], |e| e.value());
        let len = old.len().max(offset + bytes.len());
        let mut value = Vec::with_capacity(len);
        value.extend_from_slice(old);
        value.resize(len, 0);
        value[offset..offset + bytes.len()].copy_from_slice(bytes);
        let meta = EntryMeta {
            raw: true,
            noint: false,
            ..meta
        };
        let capacity = crate::entry::grown_capacity(len);
        self.put(
            db,
            key,
            Entry::with_capacity(key.bytes, &value, meta, capacity),
        );
        len
    }

    /// A list or sorted set now holds data at `key`: clients blocked on it get their turn
    /// once the command ends (free when nobody is blocked).
    fn ready(&self, db: usize, key: &[u8], kind: Kind) {
        if matches!(kind, Kind::List | Kind::ZSet | Kind::Stream) {
            self.ks.blocking.signal(db, key);
        }
    }

    /// Stores a built entry for `key`, replacing what was there.
    pub fn put(&mut self, db: usize, key: &Key<'_>, entry: Entry) {
        let hasher = &self.ks.hasher;
        let i = self.before_key(db, key);
        let created = self.creates(i, key);
        let kind = entry.view().kind();
        let old = self.guards[i].1.put(key.hash, key.bytes, entry, hasher);
        if let Some(old) = &old {
            self.stream_gone(db, key.bytes, old);
        }
        self.changed(db, key.bytes, created);
        self.ready(db, key.bytes, kind);
        if let Some(old) = old {
            self.replaced(old);
        }
    }

    /// Whether storing `key` in locked shard `i` creates it (only asked when someone listens
    /// for `new` events).
    fn creates(&self, i: usize, key: &Key<'_>) -> bool {
        self.ks.events.enabled(crate::notify::NEW)
            && self.guards[i].1.table.get(key.hash, key.bytes).is_none()
    }

    /// What every change of a key owes the rest of the server: WATCH, client tracking, the
    /// `save` point counter and, for a key that did not exist, the `new` event. The running
    /// command's record is marked for the log.
    fn changed(&self, db: usize, key: &[u8], created: bool) {
        if self.ks.log.enabled() {
            crate::propagate::mark_dirty();
        }
        self.touched_key(db, key);
        if created {
            self.ks.events.emit(crate::notify::NEW, "new", db, key, 0);
        }
    }

    /// The side effects any change of `key` has, whoever made it.
    fn touched_key(&self, db: usize, key: &[u8]) {
        self.count_change();
        self.ks.watches.touch(db, key);
        self.ks.tracking.invalidate(key);
    }

    /// Removes `key` (expired or not) for the running command, returning its entry.
    pub fn remove(&mut self, db: usize, key: &Key<'_>) -> Option<Entry> {
        self.delete(db, key, Deletion::Command)
    }

    /// The one delete path: removes `key` with every side effect its cause owes. A command's
    /// deletion (DEL, a collection left empty, a key replaced) is logged and announced by the
    /// command; expiry (lazy, when a command finds the key past its deadline, or active) is
    /// logged as its own `DEL` and announced as `expired`. Both touch WATCH, tracking and the
    /// snapshot in progress the same way.
    pub fn delete(&mut self, db: usize, key: &Key<'_>, cause: Deletion) -> Option<Entry> {
        let i = self.before_key(db, key);
        let old = self.guards[i]
            .1
            .remove(key.hash, key.bytes, &self.ks.hasher)?;
        self.stream_gone(db, key.bytes, &old);
        match cause {
            Deletion::Command => self.changed(db, key.bytes, false),
            Deletion::Expired { now } => {
                self.guards[i].1.expired += 1;
                self.touched_key(db, key.bytes);
                self.ks
                    .events
                    .emit(crate::notify::EXPIRED, "expired", db, key.bytes, now);
                crate::propagate::emit(&self.ks.log, db, &[b"DEL", key.bytes]);
            }
            Deletion::Evicted { now } => {
                self.touched_key(db, key.bytes);
                self.ks
                    .events
                    .emit(crate::notify::EVICTED, "evicted", db, key.bytes, now);
                crate::propagate::emit(&self.ks.log, db, &[b"DEL", key.bytes]);
            }
        }
        Some(old)
    }

    /// Reports a change made in place (a large collection edited through [`Locked::update`]).
    pub fn touched(&self, db: usize, key: &[u8]) {
        self.changed(db, key, false);
    }

    /// Edits the collection of `kind` at `key`: `f` gets it [`Open`] and returns its result and
    /// whether it changed anything. A compact collection is copied out and stored back (in its
    /// large form if `f` converted it); a large one is edited in place. A collection left empty
    /// deletes its key. A missing key is created empty with `create`'s metadata when given,
    /// else the result is `Ok(None)`; another type is WRONGTYPE. On success returns `f`'s
    /// result and whether the key was deleted.
    pub fn update<R>(
        &mut self,
        db: usize,
        key: &Key<'_>,
        now: u64,
        kind: Kind,
        create: Option<EntryMeta>,
        f: impl FnOnce(&mut Open<'_>) -> Result<(R, bool), CmdError>,
    ) -> Result<Option<(R, bool)>, CmdError> {
        let (meta, mut open) = match self.get(db, key, now) {
            None => match create {
                None => return Ok(None),
                Some(meta) => (meta, Open::Packed(types::new_packed(kind))),
            },
            Some(e) => {
                if e.kind() != kind {
                    return Err(error::WRONG_TYPE);
                }
                let open = match e.packed() {
                    Some(b) => Open::Packed(b.to_vec()),
                    // SAFETY: the shard is write-locked by `self`, which `f` cannot reach, and
                    // this is the only reference made to the collection until `open` ends,
                    // before anything below touches the table.
                    None => Open::Big(unsafe { e.big_mut() }.expect("a boxed collection")),
                };
                (e.meta_copy(), open)
            }
        };
        let (r, dirty) = f(&mut open)?;
        if !dirty {
            return Ok(Some((r, false)));
        }
        // An emptied collection deletes its key; a stream stays (XDEL and XTRIM keep it).
        let empty = kind != Kind::Stream && types::len(kind, open.view()) == 0;
        enum Store {
            Packed(Vec<u8>),
            New(Box<types::Big>),
            InPlace,
        }
        let store = match open {
            Open::Packed(b) => Store::Packed(b),
            Open::New(b) => Store::New(b),
            Open::Big(_) => Store::InPlace,
        };
        let meta = EntryMeta { kind, ..meta };
        if empty {
            self.remove(db, key);
            return Ok(Some((r, true)));
        }
        match store {
            Store::Packed(b) => self.set(db, key, &b, meta),
            Store::New(b) => self.put(db, key, Entry::new_big(key.bytes, b, meta)),
            Store::InPlace => {
                self.touched(db, key.bytes);
                self.ready(db, key.bytes, kind);
            }
        }
        Ok(Some((r, false)))
    }

    /// Sets or clears the expiry of an existing key.
    pub fn set_expire(&mut self, db: usize, key: &Key<'_>, at: Option<u64>) -> bool {
        let hasher = &self.ks.hasher;
        let i = self.before_key(db, key);
        let changed = self.guards[i].1.set_expire(key.hash, key.bytes, at, hasher);
        if changed {
            self.changed(db, key.bytes, false);
        }
        changed
    }

    /// The locked shards of database `db`, in shard order.
    pub fn shards_of(&mut self, db: usize) -> impl Iterator<Item = &mut Shard> + use<'_, 'a> {
        self.guards
            .iter_mut()
            .filter(move |((d, _), _)| *d == db)
            .map(|(_, g)| &mut **g)
    }

    /// Swaps the contents of two fully locked databases.
    pub fn swap_dbs(&mut self, a: usize, b: usize) {
        for s in 0..SHARDS {
            self.before_shard(a, s);
            self.before_shard(b, s);
        }
        for s in 0..SHARDS {
            let ia = self.index(a, s);
            let ib = self.index(b, s);
            let (lo, hi) = (ia.min(ib), ia.max(ib));
            let (left, right) = self.guards.split_at_mut(hi);
            std::mem::swap(&mut *left[lo].1, &mut *right[0].1);
        }
        crate::propagate::mark_dirty();
        self.count_change();
        // Keys that now hold lists, sorted sets or streams may wake clients blocked in either
        // database; a blocked key that held a stream before the swap and now holds nothing
        // ends the XREADGROUPs waiting on it (Redis's scanDatabaseForDeletedStreams).
        for d in [a, b] {
            let other = if d == a { b } else { a };
            for key in self.ks.blocking.keys_in(d) {
                let k = self.ks.key(&key);
                let kind = |l: &Self, db: usize| {
                    l.shard_at_ref(db, k.shard)
                        .table
                        .get(k.hash, &key)
                        .map(|e| e.kind())
                };
                match kind(self, d) {
                    Some(kind) => self.ready(d, &key, kind),
                    None if kind(self, other) == Some(Kind::Stream) => {
                        self.ks.blocking.signal(d, &key)
                    }
                    None => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_expiry_is_exact_and_skips_stale_items() {
        let ks = Keyspace::new(1);
        let k1 = ks.key(b"a");
        let mut l = ks.lock(0, &[k1]);
        l.set(
            0,
            &k1,
            b"1",
            EntryMeta {
                expire: Some(100),
                ..Default::default()
            },
        );
        // Push the deadline later: the first heap item becomes stale.
        assert!(l.set_expire(0, &k1, Some(500)));
        let h = ks.hasher().clone();
        let shard = l.shard(0, &k1);
        assert_eq!(shard.take_due(200, 100, &h), (vec![], 1));
        assert_eq!(
            shard.take_due(500, 100, &h),
            (vec![(k1.hash, b"a".to_vec())], 1)
        );
        l.delete(0, &k1, Deletion::Expired { now: 500 });
        let shard = l.shard(0, &k1);
        assert_eq!(shard.table.len(), 0);
        assert_eq!(shard.ttl_keys(), 0);
        assert_eq!(shard.expired, 1);
    }

    #[test]
    fn repeated_expire_does_not_grow_the_index_without_bound() {
        let ks = Keyspace::new(1);
        let k = ks.key(b"a");
        let mut l = ks.lock(0, &[k]);
        l.set(0, &k, b"1", EntryMeta::default());
        for i in 0..10_000 {
            l.set_expire(0, &k, Some(1_000_000 + i));
            l.set_expire(0, &k, None);
        }
        assert!(l.shard(0, &k).expires.len() < 200);
    }

    #[test]
    fn lazy_expiry_hides_and_deletes() {
        let ks = Keyspace::new(1);
        let k = ks.key(b"a");
        let mut l = ks.lock(0, &[k]);
        l.set(
            0,
            &k,
            b"1",
            EntryMeta {
                expire: Some(10),
                ..Default::default()
            },
        );
        assert!(l.shard(0, &k).get(k.hash, b"a", 9).is_some());
        assert!(l.shard(0, &k).get(k.hash, b"a", 10).is_none());
        assert!(l.get(0, &k, 10).is_none());
        assert_eq!(l.shard(0, &k).table.len(), 0);
    }
}
