//! Eviction: when `used_memory` passes `maxmemory`, keys go as `maxmemory-policy` says, before
//! the next command runs (and on the cron tick, as Redis's `evictionTimeProc` continues an
//! eviction that ran out of time). A command flagged `denyoom` is refused with `-OOM` while the
//! limit cannot be met.
//!
//! As Redis's `evict.c`: the LRU, LFU and TTL policies keep a pool of the [`POOL_SIZE`] best
//! candidates; each round samples `maxmemory-samples` keys of every database into it (a random
//! shard's keys, or its keys with an expiry for the `volatile-*` policies), then evicts the
//! best one still there. The random policies take a random key of the next database in turn.
//! Each eviction goes through the one delete path ([`Deletion::Evicted`]): the `evicted`
//! keyspace event, a `DEL` in the AOF, WATCH and tracking touched. One round may spend
//! `maxmemory-eviction-tenacity`'s time limit; past it the command runs and the rest is left
//! to the next command or tick.

use crate::entry::EntryRef;
use crate::keyspace::{Deletion, SHARDS};
use crate::memory::{self, Policy};
use crate::Engine;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Candidates the pool keeps (Redis's `EVPOOL_SIZE`).
pub const POOL_SIZE: usize = 16;

/// What [`Engine::perform_evictions`] achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Under the limit (or no limit).
    Ok,
    /// Keys were evicted but the time limit came first; more go on the next call.
    Running,
    /// Over the limit with nothing that may be evicted: denyoom commands are refused.
    Fail,
}

/// A key the pool holds: the higher the score, the better to evict.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Candidate {
    score: u64,
    db: usize,
    key: Vec<u8>,
}

/// The eviction pool and the database the random policies visit next.
#[derive(Default)]
pub struct Evictor {
    pool: Mutex<Vec<Candidate>>,
    next_db: AtomicUsize,
}

/// Inserts `c` into `pool` (ascending by score, at most [`POOL_SIZE`]), as
/// `evictionPoolPopulate`: a full pool drops its worst candidate for a better one.
fn pool_insert(pool: &mut Vec<Candidate>, c: Candidate) {
    if pool.iter().any(|p| p.db == c.db && p.key == c.key) {
        return;
    }
    if pool.len() == POOL_SIZE {
        if c.score <= pool[0].score {
            return;
        }
        pool.remove(0);
    }
    let at = pool.partition_point(|p| p.score < c.score);
    pool.insert(at, c);
}

/// Redis's `evictionTimeLimitUs`: how long one call may evict.
pub fn time_limit(tenacity: u32) -> Duration {
    if tenacity <= 10 {
        return Duration::from_micros(50 * u64::from(tenacity));
    }
    if tenacity < 100 {
        let us = 500.0 * 1.15f64.powi(tenacity as i32 - 10);
        return Duration::from_micros(us as u64);
    }
    Duration::MAX
}

impl Engine {
    /// The score a sampled key gets under `policy` at `now_ms` (higher: evict first).
    fn eviction_score(&self, policy: Policy, e: &EntryRef<'_>, now_ms: u64) -> u64 {
        match policy {
            Policy::VolatileTtl => u64::MAX - e.expire().unwrap_or(u64::MAX),
            p if p.is_lfu() => {
                255 - u64::from(memory::lfu_decayed(
                    e.clock(),
                    now_ms,
                    self.keyspace.access.decay_time(),
                ))
            }
            _ => memory::idle_seconds(e.clock(), now_ms) * 1000,
        }
    }

    /// Samples keys of database `d` into the pool; returns how many keys it may evict from.
    fn sample_db(&self, d: usize, policy: Policy, pool: &mut Vec<Candidate>, now: u64) -> usize {
        let db = self.keyspace.db(d);
        let volatile = policy.volatile();
        let total: usize = (0..SHARDS).map(|s| db.approx_keys(s, volatile)).sum();
        if total == 0 {
            return 0;
        }
        let samples = self.memory.samples();
        let hasher = self.keyspace.hasher();
        // Shards are weighted by their keys, so every key is about equally likely.
        let mut taken = 0;
        let mut tries = 0;
        while taken < samples && tries < samples * 4 {
            tries += 1;
            let mut pick = crate::rand::below(total);
            let mut s = 0;
            while s < SHARDS - 1 && pick >= db.approx_keys(s, volatile) {
                pick -= db.approx_keys(s, volatile);
                s += 1;
            }
            let shard = db.read(s);
            let e = if volatile {
                shard.random_volatile(hasher)
            } else {
                shard.table.random(crate::rand::u64)
            };
            let Some(e) = e else { continue };
            taken += 1;
            let c = Candidate {
                score: self.eviction_score(policy, &e, now),
                db: d,
                key: e.key().to_vec(),
            };
            pool_insert(pool, c);
        }
        total
    }

    /// The next key to evict under `policy`, or None when there is none.
    fn pick_victim(
        &self,
        policy: Policy,
        pool: &mut Vec<Candidate>,
        now: u64,
    ) -> Option<(usize, Vec<u8>)> {
        let dbs = self.keyspace.databases();
        let volatile = policy.volatile();
        if matches!(policy, Policy::AllKeysRandom | Policy::VolatileRandom) {
            for _ in 0..dbs {
                let d = self.evictor.next_db.fetch_add(1, Relaxed) % dbs;
                let db = self.keyspace.db(d);
                let nonempty: Vec<usize> = (0..SHARDS)
                    .filter(|&s| db.approx_keys(s, volatile) > 0)
                    .collect();
                if nonempty.is_empty() {
                    continue;
                }
                let s = nonempty[crate::rand::below(nonempty.len())];
                let shard = db.read(s);
                let e = if volatile {
                    shard.random_volatile(self.keyspace.hasher())
                } else {
                    shard.table.random(crate::rand::u64)
                };
                if let Some(e) = e {
                    return Some((d, e.key().to_vec()));
                }
            }
            return None;
        }
        for _ in 0..16 {
            let total: usize = (0..dbs).map(|d| self.sample_db(d, policy, pool, now)).sum();
            if total == 0 {
                pool.clear();
                return None;
            }
            // The best candidate still in its database (with an expiry, for volatile-*).
            while let Some(c) = pool.pop() {
                let k = self.keyspace.key(&c.key);
                let there = self
                    .keyspace
                    .db(c.db)
                    .read(k.shard)
                    .table
                    .get(k.hash, &c.key)
                    .is_some_and(|e| !volatile || e.expire().is_some());
                if there {
                    return Some((c.db, c.key));
                }
            }
        }
        None
    }

    /// Evicts `key` of database `d`; false when it was gone.
    fn evict_key(&self, d: usize, key: &[u8], now: u64) -> bool {
        let _gate = self.gate.read();
        let k = self.keyspace.key(key);
        let mut l = self.keyspace.lock(d, &[k]);
        let idle = match l.shard(d, &k).table.get(k.hash, key) {
            None => return false,
            Some(e) if self.memory.policy().is_lfu() => {
                // The LFU clock keeps minutes since the last decrement.
                let minutes = ((now / 60_000) & 0xffff) as u32;
                let ldt = (e.clock() >> 8) & 0xffff;
                u64::from(minutes.wrapping_sub(ldt) & 0xffff) * 60
            }
            Some(e) => memory::idle_seconds(e.clock(), now),
        };
        let Some(old) = l.delete(d, &k, Deletion::Evicted { now }) else {
            return false;
        };
        drop(l);
        self.memory.count_eviction(idle);
        self.keyspace
            .lazyfree
            .free_entry(old, self.memory.lazy_eviction());
        true
    }

    /// Evicts keys until `used_memory` is under `maxmemory` (Redis's `performEvictions`).
    pub fn perform_evictions(&self) -> Outcome {
        let max = self.memory.maxmemory();
        if max == 0 {
            return Outcome::Ok;
        }
        // The common case (under the limit, no episode open) reads no clock.
        if self.used_memory() as u64 <= max {
            if self.memory.exceeded_since_us.load(Relaxed) != 0 {
                let since = self.memory.exceeded_since_us.swap(0, Relaxed);
                if since > 0 {
                    let now_us = self.clock.now_us();
                    self.memory
                        .exceeded_us
                        .fetch_add(now_us.saturating_sub(since), Relaxed);
                }
            }
            return Outcome::Ok;
        }
        let now_us = self.clock.now_us();
        let _ = self
            .memory
            .exceeded_since_us
            .compare_exchange(0, now_us.max(1), Relaxed, Relaxed);
        let policy = self.memory.policy();
        if policy == Policy::NoEviction {
            return Outcome::Fail;
        }
        let mut pool = self.evictor.pool.lock().unwrap_or_else(|e| e.into_inner());
        let started = Instant::now();
        let limit = time_limit(self.memory.tenacity());
        let now = self.clock.now_ms();
        let mut evicted = 0u64;
        let outcome = loop {
            if self.used_memory() as u64 <= max {
                break Outcome::Ok;
            }
            let Some((d, key)) = self.pick_victim(policy, &mut pool, now) else {
                break self.evict_fail(max);
            };
            if self.evict_key(d, &key, now) {
                evicted += 1;
                if evicted.is_multiple_of(16) && started.elapsed() >= limit {
                    break Outcome::Running;
                }
            }
        };
        self.latency
            .record_since("eviction-cycle", started, self.clock.as_ref());
        outcome
    }

    /// Nothing more to evict: values still being freed in the background may bring memory
    /// under the limit in a moment (Redis waits as long as its time limit for them).
    fn evict_fail(&self, max: u64) -> Outcome {
        if self.keyspace.lazyfree.counters().pending.load(Relaxed) > 0 {
            std::thread::sleep(time_limit(self.memory.tenacity()).min(Duration::from_millis(1)));
            if self.used_memory() as u64 <= max {
                return Outcome::Ok;
            }
        }
        Outcome::Fail
    }

    /// The milliseconds spent over `maxmemory` so far, in total and in the current episode
    /// (INFO's `total_eviction_exceeded_time`, `current_eviction_exceeded_time`).
    pub fn eviction_exceeded_ms(&self) -> (u64, u64) {
        let since = self.memory.exceeded_since_us.load(Relaxed);
        let current = if since == 0 {
            0
        } else {
            self.clock.now_us().saturating_sub(since)
        };
        let total = self.memory.exceeded_us.load(Relaxed) + current;
        (total / 1000, current / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(score: u64, key: &str) -> Candidate {
        Candidate {
            score,
            db: 0,
            key: key.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_pool_keeps_the_best_candidates_in_order() {
        let mut pool = Vec::new();
        for i in 0..20u64 {
            pool_insert(&mut pool, c(i * 7 % 20, &format!("k{i}")));
        }
        assert_eq!(pool.len(), POOL_SIZE);
        let scores: Vec<u64> = pool.iter().map(|p| p.score).collect();
        assert_eq!(scores, (4..20).collect::<Vec<u64>>());
        // A key already there is not added twice; a worse one than all is not added.
        pool_insert(&mut pool, c(19, "k17"));
        pool_insert(&mut pool, c(1, "x"));
        assert_eq!(pool.len(), POOL_SIZE);
        assert_eq!(pool.last().map(|p| p.score), Some(19));
    }

    #[test]
    fn time_limits_follow_tenacity_as_redis() {
        assert_eq!(time_limit(0), Duration::ZERO);
        assert_eq!(time_limit(10), Duration::from_micros(500));
        assert_eq!(time_limit(11), Duration::from_micros(575));
        assert_eq!(time_limit(100), Duration::MAX);
    }
}
