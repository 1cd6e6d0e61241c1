//! Point-in-time snapshots without fork (BGSAVE): every shard is captured as it was at one
//! instant, while writes go on.
//!
//! The snapshot starts with every command held off for a moment ([`crate::gate`]): that is the
//! instant T. From then on each shard is captured exactly once, by whoever reaches it first
//! while holding its lock: the snapshot thread, in order, or a writer that is about to change a
//! shard nobody has captured yet (it serializes the shard's state as of T first, then goes
//! on). Either way a shard is captured before any change made after T, so the file is the
//! dataset at T. Extra memory is bounded by the shards writers captured ahead of the snapshot
//! thread, in the compact RDB value form, not a copy of the dataset; a writer that captures pays
//! the serialization of one shard (a 64th of a database) once per snapshot.

use crate::dump;
use crate::keyspace::Shard;
use crate::rdb::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Mutex;

/// One key as captured: key, value, absolute expiry.
pub type Captured = (Vec<u8>, Value, Option<u64>);

/// The snapshot in progress, if any.
#[derive(Default)]
pub struct Snapshots {
    active: AtomicBool,
    state: Mutex<Option<State>>,
}

struct State {
    /// `visited[db][shard]`: captured already.
    visited: Vec<Vec<bool>>,
    /// Shards writers captured before the snapshot thread got to them.
    early: HashMap<(usize, usize), Vec<Captured>>,
    /// The instant T (unix ms): keys expired at T are left out.
    now: u64,
}

/// Serializes a shard's live keys.
pub fn capture(shard: &Shard, now: u64) -> Vec<Captured> {
    let mut out = Vec::with_capacity(shard.table.len());
    shard.table.for_each(|e| {
        if !e.is_expired(now) {
            out.push((e.key().to_vec(), dump::to_value(&e), e.expire()));
        }
    });
    out
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
            visited: vec![vec![false; shards]; dbs],
            early: HashMap::new(),
            now,
        });
        self.active.store(true, Relaxed);
        true
    }

    /// A writer holds shard `(db, i)` write-locked and may change it: captures it first unless
    /// it was captured already.
    pub fn before_write(&self, db: usize, i: usize, shard: &Shard) {
        if !self.active() {
            return;
        }
        let mut s = self.state();
        let Some(st) = s.as_mut() else { return };
        if st.visited[db][i] {
            return;
        }
        st.visited[db][i] = true;
        let keys = capture(shard, st.now);
        st.early.insert((db, i), keys);
    }

    /// The snapshot thread's turn at shard `(db, i)`, which it holds locked: what a writer
    /// captured earlier, or the shard as it is now (unchanged since T).
    pub fn take(&self, db: usize, i: usize, shard: &Shard) -> Vec<Captured> {
        let mut s = self.state();
        let Some(st) = s.as_mut() else {
            return Vec::new();
        };
        if st.visited[db][i] {
            return st.early.remove(&(db, i)).unwrap_or_default();
        }
        st.visited[db][i] = true;
        capture(shard, st.now)
    }

    /// Ends the snapshot.
    pub fn end(&self) {
        self.active.store(false, Relaxed);
        *self.state() = None;
    }
}
