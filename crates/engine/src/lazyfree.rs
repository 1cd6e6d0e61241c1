//! Lazy freeing: values whose freeing takes long (a collection of many elements) are dropped
//! on a background thread, so UNLINK, FLUSHALL ASYNC and, as the `lazyfree-lazy-*` settings
//! ask, eviction, expiry, DEL and overwrites never stall other clients.
//!
//! As Redis's `lazyfree.c`: a value is sent away only when its free effort (about one unit per
//! allocation: elements of a large collection, nodes of a stream) exceeds
//! [`LAZYFREE_THRESHOLD`]; smaller ones cost less to free here than to hand over.

use crate::entry::{Entry, EntryRef};
use crate::types::{Big, View};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, OnceLock};

/// Redis's `LAZYFREE_THRESHOLD`.
pub const LAZYFREE_THRESHOLD: usize = 64;

type Garbage = Box<dyn Send>;

/// The background freeing thread and its counters.
#[derive(Default)]
pub struct LazyFree {
    tx: OnceLock<Mutex<Sender<Garbage>>>,
    counters: Arc<Counters>,
}

/// INFO's `lazyfree_pending_objects` and `lazyfreed_objects`.
#[derive(Default)]
pub struct Counters {
    /// Values handed over and not freed yet.
    pub pending: AtomicU64,
    /// Values freed in the background so far.
    pub freed: AtomicU64,
}

/// About how many allocations freeing the entry's value takes (Redis's
/// `lazyfreeGetFreeEffort`).
pub fn free_effort(e: &EntryRef<'_>) -> usize {
    match View::of(e) {
        Some(View::Big(b)) => match b {
            Big::List(l) => l.len(),
            Big::Hash(t) | Big::Set(t) => t.len(),
            Big::ZSet(z) => z.len(),
            Big::Stream(s) => {
                s.node_count() + s.groups.values().map(|g| g.pel.len()).sum::<usize>()
            }
        },
        _ => 1,
    }
}

impl LazyFree {
    /// The counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Frees `value` on the background thread.
    pub fn free<T: Send + 'static>(&self, value: T) {
        let tx = self.tx.get_or_init(|| {
            let (tx, rx) = channel::<Garbage>();
            let counters = self.counters.clone();
            let spawned = std::thread::Builder::new()
                .name("lazyfree".into())
                .spawn(move || {
                    for garbage in rx {
                        drop(garbage);
                        counters.pending.fetch_sub(1, Relaxed);
                        counters.freed.fetch_add(1, Relaxed);
                    }
                });
            if let Err(e) = spawned {
                tracing::warn!("Can't start the lazy free thread ({e}): values are freed in place");
            }
            Mutex::new(tx)
        });
        self.counters.pending.fetch_add(1, Relaxed);
        let sent = tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(Box::new(value));
        if let Err(back) = sent {
            // No thread: free it here.
            self.counters.pending.fetch_sub(1, Relaxed);
            drop(back);
        }
    }

    /// Frees an entry taken out of the keyspace: in the background when `lazy` and its
    /// effort is above the threshold, else at once.
    pub fn free_entry(&self, entry: Entry, lazy: bool) {
        if lazy && free_effort(&entry.view()) > LAZYFREE_THRESHOLD {
            self.free(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frees_in_the_background_and_counts() {
        let l = LazyFree::default();
        let big: Vec<Vec<u8>> = (0..1000).map(|i| vec![0u8; i]).collect();
        l.free(big);
        for _ in 0..1000 {
            if l.counters().freed.load(Relaxed) == 1 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(l.counters().freed.load(Relaxed), 1);
        assert_eq!(l.counters().pending.load(Relaxed), 0);
    }
}
