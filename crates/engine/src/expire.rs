//! Active expiry: keys nobody reads are reclaimed soon after their deadline.
//!
//! Each shard keeps an exact deadline index (see [`crate::keyspace`]), so a cycle finds what
//! is due without sampling: it visits only the shards whose earliest deadline passed and
//! deletes their due keys through the one delete path ([`Locked::delete`]), which logs `DEL`,
//! publishes `expired`, and touches WATCH and tracking as lazy expiry does. A cycle spends at
//! most a share of its tick, and holds a shard for at most [`ACTIVE_EXPIRE_KEYS_PER_LOCK`]
//! deletions at a time.

use crate::keyspace::{Deletion, Keyspace, SHARDS};
use crate::Engine;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Upper bound on work one active-expiry cycle does per lock acquisition, so a shard is never
/// held for long while many keys expire at once.
pub const ACTIVE_EXPIRE_KEYS_PER_LOCK: usize = 64;
/// Share of each active-expiry tick (1/hz) a cycle may spend deleting keys: Redis's 25% cap.
pub const ACTIVE_EXPIRE_CPU_SHARE: u32 = 4;

impl Engine {
    /// One active-expiry cycle over every shard: deletes due keys until none is due or
    /// `budget` has been spent. Returns the number of keys deleted.
    pub fn active_expire_cycle(&self, budget: Duration) -> usize {
        let started = Instant::now();
        let now = self.clock.now_ms();
        let ks = &self.keyspace;
        let mut deleted = 0;
        let mut lag = 0u64;
        'outer: for d in 0..ks.databases() {
            let db = ks.db(d);
            for s in 0..SHARDS {
                // Peek under the read lock first: most shards have nothing due.
                let due = matches!(db.read(s).next_deadline(), Some(at) if at <= now);
                if !due {
                    continue;
                }
                loop {
                    // Expiry is a write like any other: never in the middle of an EXEC.
                    let _gate = self.gate.read();
                    let mut l = ks.lock_shard(d, s);
                    let (keys, examined) =
                        l.shard_at(d, s)
                            .take_due(now, ACTIVE_EXPIRE_KEYS_PER_LOCK, ks.hasher());
                    let mut gone = Vec::with_capacity(keys.len());
                    for (hash, key) in &keys {
                        let k = Keyspace::key_with_hash(key, *hash);
                        gone.extend(l.delete(d, &k, Deletion::Expired { now }));
                    }
                    deleted += gone.len();
                    let pending = l.shard_at(d, s).next_deadline().filter(|&at| at <= now);
                    drop(l);
                    // Freed without the shard's lock, big values on the lazy free thread under
                    // `lazyfree-lazy-expire`.
                    let lazy = self.memory.lazy_expire();
                    for e in gone {
                        self.keyspace.lazyfree.free_entry(e, lazy);
                    }
                    if let Some(at) = pending {
                        lag = lag.max(now - at);
                    }
                    if examined < ACTIVE_EXPIRE_KEYS_PER_LOCK || pending.is_none() {
                        break;
                    }
                    if started.elapsed() >= budget {
                        break 'outer;
                    }
                }
            }
        }
        self.stats
            .expire_cycle_us
            .fetch_add(started.elapsed().as_micros() as u64, Relaxed);
        self.stats.expire_lag_ms.store(lag, Relaxed);
        deleted
    }

    /// Runs active expiry `hz` times a second on the calling thread until `engine` is gone or
    /// `running` turns false. The server runs it on a thread of its own; the embedded library
    /// holds only a weak reference, so the loop ends when the last `Db` handle drops.
    pub fn run_active_expiry(engine: std::sync::Weak<Engine>, running: Arc<AtomicBool>) {
        while running.load(Relaxed) {
            let Some(e) = engine.upgrade() else { return };
            // `hz` is read every cycle so CONFIG SET hz applies at once.
            let tick = Duration::from_secs(1) / e.config.hz().max(1) as u32;
            // Nothing expires while the data loads (an AOF may PERSIST a key later on).
            let s = &e.stats;
            s.instantaneous.sample(
                e.clock.now_ms(),
                [
                    e.registry.total_calls(),
                    s.net_input_bytes.load(Relaxed),
                    s.net_output_bytes.load(Relaxed),
                ],
            );
            let expiring = !e.state.active_expire_off.load(Relaxed);
            if !e.state.loading() {
                if expiring {
                    let started = Instant::now();
                    e.active_expire_cycle(tick / ACTIVE_EXPIRE_CPU_SHARE);
                    e.latency
                        .record_since("expire-cycle", started, e.clock.as_ref());
                }
                // An eviction that ran out of time goes on here too, as Redis's
                // `evictionTimeProc`, so memory comes down without waiting for a command.
                if e.memory.maxmemory() > 0 {
                    e.perform_evictions();
                }
            }
            drop(e);
            std::thread::sleep(tick);
        }
    }

    /// Keys deleted by expiry so far, over all shards.
    pub fn expired_keys(&self) -> u64 {
        let mut n = 0;
        for d in 0..self.keyspace.databases() {
            for s in 0..SHARDS {
                n += self.keyspace.db(d).read(s).expired;
            }
        }
        n
    }
}
