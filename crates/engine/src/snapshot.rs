//! Point-in-time snapshots without fork (BGSAVE, the AOF rewrite): the dataset as it was at one
//! instant, written while writes go on, with extra memory bounded by what changes meanwhile.
//!
//! The snapshot starts with every command held off for a moment ([`crate::gate`]): that is the
//! instant T. The snapshot thread then visits the shards one by one, each under its read lock.
//! A writer that is about to change a key in a shard not visited yet first saves that key's
//! value as of T, once (or that it did not exist). When the snapshot thread reaches the shard it
//! writes the saved values of changed keys and the current values of every other key: the
//! shard as it was at T. Extra memory is the old values of the keys written during the
//! snapshot in shards it had not reached, never a copy of the dataset: copy-on-write per key,
//! where fork's is per 4 KiB page.
//!
//! A change that is not about one key (FLUSHDB, SWAPDB) saves the whole shard first
//! ([`Snapshots::before_shard`]).

use crate::entry::{Entry, EntryRef};
use crate::keyspace::Shard;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Mutex;

/// The snapshot in progress, if any.
#[derive(Default)]
pub struct Snapshots {
    active: AtomicBool,
    state: Mutex<Option<State>>,
}

struct State {
    /// `shards[db][shard]`.
    shards: Vec<Vec<Saved>>,
    /// The instant T (unix ms): keys expired at T are left out.
    now: u64,
}

/// What writers saved of one shard before the snapshot thread got to it.
#[derive(Default)]
struct Saved {
    /// Written already: writers go on unhindered.
    visited: bool,
    /// Every key of the shard is in `keys` (a whole-shard change happened).
    whole: bool,
    /// Changed keys: their entry at T, or `None` when they did not exist then.
    keys: HashMap<Box<[u8]>, Option<Entry>>,
}

impl Saved {
    fn keep(&mut self, key: &[u8], at_t: Option<EntryRef<'_>>, now: u64) {
        if self.keys.contains_key(key) {
            return;
        }
        let old = at_t
            .filter(|e| !e.is_expired(now))
            .map(|e| Entry::duplicate(&e, key));
        self.keys.insert(key.into(), old);
    }
}

impl Snapshots {
    fn state(&self) -> std::sync::MutexGuard<'_, Option<State>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True while a snapshot is being taken.
    pub fn active(&self) -> bool {
        self.active.load(Relaxed)
    }

    /// Starts a snapshot of `dbs` databases of `shards` shards at `now`. The caller holds
    /// every command off (the exec gate's exclusive side). False when one is running already.
    pub fn begin(&self, dbs: usize, shards: usize, now: u64) -> bool {
        let mut s = self.state();
        if s.is_some() {
            return false;
        }
        *s = Some(State {
            shards: (0..dbs)
                .map(|_| (0..shards).map(|_| Saved::default()).collect())
                .collect(),
            now,
        });
        self.active.store(true, Relaxed);
        true
    }

    /// A writer holds shard `(db, i)` write-locked and may change `key` (hash `hash`): saves
    /// its value as of T unless the shard was written already or the key saved.
    pub fn before_key(&self, db: usize, i: usize, shard: &Shard, hash: u64, key: &[u8]) {
        self.unsaved(db, i, |saved, now| {
            saved.keep(key, shard.table.get(hash, key), now)
        });
    }

    /// A writer holds shard `(db, i)` write-locked and may change any of its keys: saves every
    /// key not saved yet.
    pub fn before_shard(&self, db: usize, i: usize, shard: &Shard) {
        self.unsaved(db, i, |saved, now| {
            shard.table.for_each(|e| saved.keep(e.key(), Some(e), now));
            saved.whole = true;
        });
    }

    /// Runs `f` on what is saved of shard `(db, i)` (with the instant T) while a snapshot
    /// still needs old values from it: not written yet, not saved whole.
    fn unsaved(&self, db: usize, i: usize, f: impl FnOnce(&mut Saved, u64)) {
        if !self.active() {
            return;
        }
        let mut s = self.state();
        let Some(st) = s.as_mut() else { return };
        let saved = &mut st.shards[db][i];
        if !saved.visited && !saved.whole {
            f(saved, st.now);
        }
    }

    /// The snapshot thread's turn at shard `(db, i)`, which it holds read-locked: calls `emit`
    /// with every key of the shard as it was at T (key, value, absolute expiry). From then on
    /// writers change the shard freely.
    pub fn take(
        &self,
        db: usize,
        i: usize,
        shard: &Shard,
        mut emit: impl FnMut(EntryRef<'_>),
    ) -> u64 {
        let (saved, now) = {
            let mut s = self.state();
            let Some(st) = s.as_mut() else { return 0 };
            let saved = &mut st.shards[db][i];
            let done = Saved {
                visited: true,
                ..Saved::default()
            };
            (std::mem::replace(saved, done), st.now)
        };
        let mut n = 0u64;
        if !saved.whole {
            shard.table.for_each(|e| {
                if !e.is_expired(now) && !saved.keys.contains_key(e.key()) {
                    emit(e);
                    n += 1;
                }
            });
        }
        for e in saved.keys.values().flatten() {
            emit(e.view());
            n += 1;
        }
        n
    }

    /// Old values held for shards not written yet (a test's view of the extra memory).
    pub fn saved_keys(&self) -> usize {
        self.state().as_ref().map_or(0, |st| {
            st.shards.iter().flatten().map(|s| s.keys.len()).sum()
        })
    }

    /// Ends the snapshot.
    pub fn end(&self) {
        self.active.store(false, Relaxed);
        *self.state() = None;
    }
}
