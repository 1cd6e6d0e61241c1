//! WATCH: which connections watch which keys, and the "touched" flags EXEC checks.
//!
//! Every change to a key goes through the keyspace's locked-shard API, which calls
//! [`Watches::touch`]; with nobody watching, that is one relaxed atomic load. A connection's
//! flag turns true when any key it watches is modified, deleted, expired, flushed or swapped
//! away, and EXEC then fails, as in Redis.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// One connection's "a watched key changed" flag.
pub type Flag = Arc<AtomicBool>;

/// Watchers per (database, key).
type WatchMap = HashMap<(usize, Vec<u8>), Vec<Flag>>;

/// The registry of watched keys.
#[derive(Default)]
pub struct Watches {
    watched: AtomicUsize,
    map: Mutex<WatchMap>,
}

impl Watches {
    fn map(&self) -> std::sync::MutexGuard<'_, WatchMap> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `flag` watches `key` in database `db` (idempotent).
    pub fn watch(&self, db: usize, key: &[u8], flag: &Flag) {
        let mut m = self.map();
        let flags = m.entry((db, key.to_vec())).or_default();
        if !flags.iter().any(|f| Arc::ptr_eq(f, flag)) {
            flags.push(flag.clone());
            self.watched.fetch_add(1, Relaxed);
        }
    }

    /// Stops `flag` watching these keys.
    pub fn unwatch(&self, keys: &[(usize, Vec<u8>)], flag: &Flag) {
        let mut m = self.map();
        for k in keys {
            if let Some(flags) = m.get_mut(k) {
                let before = flags.len();
                flags.retain(|f| !Arc::ptr_eq(f, flag));
                self.watched.fetch_sub(before - flags.len(), Relaxed);
                if flags.is_empty() {
                    m.remove(k);
                }
            }
        }
    }

    /// True when nobody watches anything (the fast path of every write).
    pub fn is_idle(&self) -> bool {
        self.watched.load(Relaxed) == 0
    }

    /// `key` in `db` changed.
    pub fn touch(&self, db: usize, key: &[u8]) {
        if self.is_idle() {
            return;
        }
        if let Some(flags) = self.map().get(&(db, key.to_vec())) {
            for f in flags {
                f.store(true, Relaxed);
            }
        }
    }

    /// Database `db` is being emptied or swapped: touches its watched keys for which
    /// `affected` says so (Redis touches only keys that existed on either side).
    pub fn touch_db(&self, db: usize, mut affected: impl FnMut(&[u8]) -> bool) {
        if self.is_idle() {
            return;
        }
        for ((d, key), flags) in self.map().iter() {
            if *d == db && affected(key) {
                for f in flags {
                    f.store(true, Relaxed);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touch_sets_only_the_watchers_of_that_key() {
        let w = Watches::default();
        let (a, b): (Flag, Flag) = (Arc::default(), Arc::default());
        w.watch(0, b"k", &a);
        w.watch(0, b"k", &a);
        w.watch(1, b"k", &b);
        w.touch(0, b"k");
        assert!(a.load(Relaxed) && !b.load(Relaxed));
        w.unwatch(&[(0, b"k".to_vec())], &a);
        w.unwatch(&[(1, b"k".to_vec())], &b);
        assert!(w.is_idle());
    }
}
