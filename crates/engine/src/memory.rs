//! Memory: what the process has allocated, the `maxmemory` limit and its policies, and the
//! access clock that ranks keys for eviction.
//!
//! - [`CountingAllocator`] is the global allocator the server binary installs: the system
//!   allocator with one relaxed atomic add per allocation and free, counting each block as
//!   glibc lays it out (request plus its 8-byte header, rounded to 16, at least 32 bytes). Its
//!   total is INFO's `used_memory`, what `maxmemory` is checked against. A program that embeds
//!   the engine without installing it gets the process RSS instead.
//! - [`Policy`] is `maxmemory-policy`; [`Memory`] holds the settings the call path reads
//!   without locks, the peak, and the eviction counters. The eviction itself lives in
//!   [`crate::evict`].
//! - The access clock: the 24 bits each entry keeps (see [`crate::entry`]) hold, as in Redis,
//!   either the last access in seconds (LRU policies and no eviction) or, under an LFU policy,
//!   the last decrement time in minutes (16 bits) and a logarithmic access counter (8 bits).
//!   [`AccessClock`] (the keyspace keeps one) says what a new key starts with, what an access
//!   and an overwrite leave.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed,
};

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

/// The bytes glibc's malloc takes for a request of `size` (its chunk: the request and an
/// 8-byte header, in 16-byte steps, 32 at least).
#[inline]
pub fn footprint(size: usize) -> usize {
    (size.saturating_add(8 + 15) & !15).max(32)
}

/// The system allocator, counting what is allocated (see the module docs).
pub struct CountingAllocator;

// SAFETY: every call goes to `System` unchanged; the counter is only arithmetic.
unsafe impl GlobalAlloc for CountingAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            ALLOCATED.fetch_add(footprint(layout.size()), Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            ALLOCATED.fetch_add(footprint(layout.size()), Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        ALLOCATED.fetch_sub(footprint(layout.size()), Relaxed);
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let (old, new) = (footprint(layout.size()), footprint(new_size));
            if new >= old {
                ALLOCATED.fetch_add(new - old, Relaxed);
            } else {
                ALLOCATED.fetch_sub(old - new, Relaxed);
            }
        }
        p
    }
}

/// Bytes allocated through [`CountingAllocator`], or None when it is not the global
/// allocator (nothing was ever counted).
pub fn counted() -> Option<usize> {
    let n = ALLOCATED.load(Relaxed);
    (n > 0).then_some(n)
}

/// Gives free memory at the top of the heap and in free pages back to the kernel (MEMORY
/// PURGE): glibc's `malloc_trim`; nothing elsewhere.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only walks the allocator's own free lists.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// The process's resident set size, from `/proc/self/statm` (0 where there is none).
pub fn rss() -> usize {
    let page = 4096;
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * page)
}

/// Physical memory of the machine (INFO `total_system_memory`), 0 when unknown.
pub fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024)
        })
        .unwrap_or(0)
}

/// `maxmemory-policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Policy {
    /// Refuse writes that may grow memory (`-OOM`).
    NoEviction = 0,
    /// Evict the least recently used key.
    AllKeysLru = 1,
    /// Evict the least frequently used key.
    AllKeysLfu = 2,
    /// Evict a random key.
    AllKeysRandom = 3,
    /// Evict the least recently used key among those with an expiry.
    VolatileLru = 4,
    /// Evict the least frequently used key among those with an expiry.
    VolatileLfu = 5,
    /// Evict a random key with an expiry.
    VolatileRandom = 6,
    /// Evict the key with an expiry closest to it.
    VolatileTtl = 7,
}

impl Policy {
    const ALL: [Policy; 8] = [
        Policy::NoEviction,
        Policy::AllKeysLru,
        Policy::AllKeysLfu,
        Policy::AllKeysRandom,
        Policy::VolatileLru,
        Policy::VolatileLfu,
        Policy::VolatileRandom,
        Policy::VolatileTtl,
    ];

    /// The redis.conf name.
    pub fn name(self) -> &'static str {
        match self {
            Policy::NoEviction => "noeviction",
            Policy::AllKeysLru => "allkeys-lru",
            Policy::AllKeysLfu => "allkeys-lfu",
            Policy::AllKeysRandom => "allkeys-random",
            Policy::VolatileLru => "volatile-lru",
            Policy::VolatileLfu => "volatile-lfu",
            Policy::VolatileRandom => "volatile-random",
            Policy::VolatileTtl => "volatile-ttl",
        }
    }

    /// Parses a redis.conf name (case-insensitive).
    pub fn parse(s: &str) -> Option<Policy> {
        Policy::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
    }

    fn from_u8(n: u8) -> Policy {
        Policy::ALL
            .get(usize::from(n))
            .copied()
            .unwrap_or(Policy::NoEviction)
    }

    /// True for the LFU policies: the access clock holds a frequency.
    pub fn is_lfu(self) -> bool {
        matches!(self, Policy::AllKeysLfu | Policy::VolatileLfu)
    }

    /// True for the policies that pick among keys with an expiry only.
    pub fn volatile(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }
}

/// Redis's `LFU_INIT_VAL`: the counter a new key starts with, so it is not evicted at once.
pub const LFU_INIT_VAL: u8 = 5;
/// The access clock's mask (24 bits).
pub const CLOCK_MASK: u32 = 0x00ff_ffff;

/// The LRU clock for `now_ms`: seconds, 24 bits (Redis's `LRU_CLOCK` at 1000 ms resolution).
pub fn lru_clock(now_ms: u64) -> u32 {
    ((now_ms / 1000) as u32) & CLOCK_MASK
}

/// Seconds since `clock` was stored, as of `now_ms` (wrapping at 24 bits, as Redis's
/// `estimateObjectIdleTime`).
pub fn idle_seconds(clock: u32, now_ms: u64) -> u64 {
    u64::from(lru_clock(now_ms).wrapping_sub(clock) & CLOCK_MASK)
}

/// Minutes, 16 bits (Redis's `LFUGetTimeInMinutes`).
fn lfu_minutes(now_ms: u64) -> u32 {
    ((now_ms / 60_000) & 0xffff) as u32
}

/// The LFU counter of `clock` after the decay due by `now_ms` (Redis's `LFUDecrAndReturn`):
/// one less per `decay_time` minutes since the last decrement.
pub fn lfu_decayed(clock: u32, now_ms: u64, decay_time: u32) -> u8 {
    let ldt = (clock >> 8) & 0xffff;
    let counter = (clock & 255) as u8;
    if decay_time == 0 {
        return counter;
    }
    let now = lfu_minutes(now_ms);
    let elapsed = if now >= ldt {
        now - ldt
    } else {
        65535 - ldt + now
    };
    let periods = elapsed / decay_time;
    counter.saturating_sub(periods.min(255) as u8)
}

/// The counter after one access (Redis's `LFULogIncr`): grows with probability
/// `1 / ((counter - LFU_INIT_VAL) * log_factor + 1)`, so it reaches 255 only after about a
/// million accesses at the default factor of 10. `r` is uniform in [0, 1).
pub fn lfu_incremented(counter: u8, log_factor: u32, r: f64) -> u8 {
    if counter == 255 {
        return 255;
    }
    let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    if r < p {
        counter + 1
    } else {
        counter
    }
}

/// An LFU access clock: minutes and counter.
pub fn lfu_clock(now_ms: u64, counter: u8) -> u32 {
    (lfu_minutes(now_ms) << 8) | u32::from(counter)
}

/// How keys' access clocks are kept (the keyspace's copy of the policy's LRU/LFU choice and
/// the LFU settings): what a new key starts with, what an access and an overwrite leave.
#[derive(Default)]
pub struct AccessClock {
    lfu: AtomicBool,
    log_factor: AtomicU32,
    decay_time: AtomicU32,
}

impl AccessClock {
    /// Copies `maxmemory-policy`, `lfu-log-factor` and `lfu-decay-time`.
    pub fn configure(&self, v: &crate::config::Values) {
        self.lfu.store(v.maxmemory_policy.is_lfu(), Relaxed);
        self.log_factor.store(v.lfu_log_factor as u32, Relaxed);
        self.decay_time.store(v.lfu_decay_time as u32, Relaxed);
    }

    /// True under an LFU policy.
    pub fn lfu(&self) -> bool {
        self.lfu.load(Relaxed)
    }

    /// `lfu-decay-time`.
    pub fn decay_time(&self) -> u32 {
        self.decay_time.load(Relaxed)
    }

    /// The clock a new key starts with at `now_ms`.
    pub fn new_clock(&self, now_ms: u64) -> u32 {
        if self.lfu() {
            lfu_clock(now_ms, LFU_INIT_VAL)
        } else {
            lru_clock(now_ms)
        }
    }

    /// The clock an access at `now_ms` leaves on a key whose clock was `old` (Redis's
    /// `updateLFU`, or the LRU clock of now).
    pub fn touched(&self, old: u32, now_ms: u64) -> u32 {
        if self.lfu() {
            let counter = lfu_decayed(old, now_ms, self.decay_time());
            let r = (crate::rand::u64() >> 11) as f64 / (1u64 << 53) as f64;
            let counter = lfu_incremented(counter, self.log_factor.load(Relaxed), r);
            lfu_clock(now_ms, counter)
        } else {
            lru_clock(now_ms)
        }
    }

    /// The clock of a value that replaces one whose clock was `old` (`new` is what the new
    /// value came with): under LFU the frequency stays the key's, as Redis's `dbOverwrite`
    /// keeps it; under LRU the write is the access.
    pub fn overwritten(&self, old: u32, new: u32) -> u32 {
        if self.lfu() {
            old
        } else {
            new
        }
    }
}

/// The settings the call path reads on every command, copied from the config
/// ([`crate::Engine::sync_config`]), and the counters INFO reports.
#[derive(Default)]
pub struct Memory {
    maxmemory: AtomicU64,
    policy: AtomicU8,
    samples: AtomicU32,
    tenacity: AtomicU32,
    lazy_eviction: AtomicBool,
    lazy_expire: AtomicBool,
    lazy_user_del: AtomicBool,
    lazy_user_flush: AtomicBool,
    /// The largest `used_memory` seen (INFO `used_memory_peak`).
    pub peak: AtomicUsize,
    /// `used_memory` once the server was set up, before loading (INFO `used_memory_startup`).
    pub startup: AtomicUsize,
    /// Keys evicted (INFO `evicted_keys`).
    pub evicted_keys: AtomicU64,
    /// Microseconds spent over the limit, for finished episodes
    /// (INFO `total_eviction_exceeded_time`, reported in ms).
    pub exceeded_us: AtomicU64,
    /// When the current episode over the limit began (unix µs, 0: none).
    pub exceeded_since_us: AtomicU64,
    /// See [`Memory::set_meter`].
    meter: std::sync::OnceLock<fn(&crate::Engine) -> usize>,
    /// Evicted keys by idle time at eviction: < 1 min, < 10 min, < 1 h, < 1 day, more (INFO
    /// `evicted_idle_*`, beyond Redis: how cold what the cache gave up was).
    pub evicted_idle: [AtomicU64; 5],
}

/// The upper bounds (seconds) of [`Memory::evicted_idle`]'s buckets but the last.
pub const EVICTED_IDLE_BOUNDS: [u64; 4] = [60, 600, 3600, 86_400];

impl Memory {
    /// Copies the memory settings from `v`.
    pub fn configure(&self, v: &crate::config::Values) {
        self.maxmemory.store(v.maxmemory, Relaxed);
        self.policy.store(v.maxmemory_policy as u8, Relaxed);
        self.samples.store(v.maxmemory_samples as u32, Relaxed);
        self.tenacity
            .store(v.maxmemory_eviction_tenacity as u32, Relaxed);
        self.lazy_eviction.store(v.lazyfree_lazy_eviction, Relaxed);
        self.lazy_expire.store(v.lazyfree_lazy_expire, Relaxed);
        self.lazy_user_del.store(v.lazyfree_lazy_user_del, Relaxed);
        self.lazy_user_flush
            .store(v.lazyfree_lazy_user_flush, Relaxed);
    }

    /// `lazyfree-lazy-expire`.
    pub fn lazy_expire(&self) -> bool {
        self.lazy_expire.load(Relaxed)
    }

    /// `lazyfree-lazy-user-del`.
    pub fn lazy_user_del(&self) -> bool {
        self.lazy_user_del.load(Relaxed)
    }

    /// `lazyfree-lazy-user-flush`.
    pub fn lazy_user_flush(&self) -> bool {
        self.lazy_user_flush.load(Relaxed)
    }

    /// `maxmemory` (0: no limit).
    pub fn maxmemory(&self) -> u64 {
        self.maxmemory.load(Relaxed)
    }

    /// `maxmemory-policy`.
    pub fn policy(&self) -> Policy {
        Policy::from_u8(self.policy.load(Relaxed))
    }

    /// `maxmemory-samples`.
    pub fn samples(&self) -> usize {
        self.samples.load(Relaxed).max(1) as usize
    }

    /// `maxmemory-eviction-tenacity`.
    pub fn tenacity(&self) -> u32 {
        self.tenacity.load(Relaxed)
    }

    /// `lazyfree-lazy-eviction`.
    pub fn lazy_eviction(&self) -> bool {
        self.lazy_eviction.load(Relaxed)
    }

    /// Replaces how `used_memory` is measured (an embedding program with accounting of its
    /// own; tests that make memory a function of the keyspace). Set once.
    pub fn set_meter(&self, meter: fn(&crate::Engine) -> usize) {
        let _ = self.meter.set(meter);
    }

    /// CONFIG RESETSTAT: the eviction counters start again (an episode over the limit in
    /// progress counts from now).
    pub fn reset_stats(&self, now_us: u64) {
        self.evicted_keys.store(0, Relaxed);
        self.exceeded_us.store(0, Relaxed);
        for c in &self.evicted_idle {
            c.store(0, Relaxed);
        }
        let _ = self
            .exceeded_since_us
            .fetch_update(Relaxed, Relaxed, |since| {
                (since > 0).then_some(now_us.max(1))
            });
    }

    /// Records an eviction of a key idle for `idle_s` seconds.
    pub fn count_eviction(&self, idle_s: u64) {
        self.evicted_keys.fetch_add(1, Relaxed);
        let b = EVICTED_IDLE_BOUNDS
            .iter()
            .position(|&limit| idle_s < limit)
            .unwrap_or(EVICTED_IDLE_BOUNDS.len());
        self.evicted_idle[b].fetch_add(1, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footprints_are_glibc_chunks() {
        assert_eq!(footprint(0), 32);
        assert_eq!(footprint(24), 32);
        assert_eq!(footprint(25), 48);
        assert_eq!(footprint(40), 48);
        assert_eq!(footprint(41), 64);
        assert_eq!(footprint(usize::MAX), usize::MAX & !15);
    }

    #[test]
    fn policies_parse_by_their_names() {
        for p in Policy::ALL {
            assert_eq!(Policy::parse(&p.name().to_uppercase()), Some(p));
            assert_eq!(Policy::from_u8(p as u8), p);
        }
        assert_eq!(Policy::parse("lru"), None);
        assert!(Policy::VolatileTtl.volatile() && !Policy::AllKeysLfu.volatile());
        assert!(Policy::VolatileLfu.is_lfu() && !Policy::AllKeysLru.is_lfu());
    }

    #[test]
    fn lru_idle_time_wraps_at_24_bits() {
        let t0 = 1_000_000_000u64;
        let c = lru_clock(t0);
        assert_eq!(idle_seconds(c, t0 + 59_999), 59);
        // The clock wraps every 2^24 s (194 days): the idle time still counts forward.
        let near_wrap = (u64::from(CLOCK_MASK)) * 1000;
        let c = lru_clock(near_wrap);
        assert_eq!(idle_seconds(c, near_wrap + 10_000), 10);
    }

    #[test]
    fn lfu_counters_grow_logarithmically_and_decay_per_period() {
        // Below LFU_INIT_VAL + 1 every access counts.
        assert_eq!(lfu_incremented(3, 10, 0.999), 4);
        // At 105 with factor 10 the chance is 1/1001.
        assert_eq!(lfu_incremented(105, 10, 0.0009), 106);
        assert_eq!(lfu_incremented(105, 10, 0.0011), 105);
        assert_eq!(lfu_incremented(255, 10, 0.0), 255);
        let t0 = 120 * 60_000u64;
        let c = lfu_clock(t0, 20);
        assert_eq!(lfu_decayed(c, t0 + 59_000, 1), 20);
        assert_eq!(lfu_decayed(c, t0 + 3 * 60_000, 1), 17);
        assert_eq!(lfu_decayed(c, t0 + 3 * 60_000, 2), 19);
        assert_eq!(lfu_decayed(c, t0 + 1000 * 60_000, 1), 0);
        assert_eq!(
            lfu_decayed(c, t0 + 1000 * 60_000, 0),
            20,
            "decay time 0: never"
        );
        // The 16-bit minutes wrap.
        let c = lfu_clock(65535 * 60_000, 9);
        assert_eq!(
            lfu_decayed(c, 65539 * 60_000, 1),
            6,
            "Redis counts 3 minutes across the wrap"
        );
    }

    #[test]
    fn evictions_fill_the_idle_histogram() {
        let m = Memory::default();
        for idle in [0, 59, 60, 3599, 100_000] {
            m.count_eviction(idle);
        }
        let got: Vec<u64> = m.evicted_idle.iter().map(|c| c.load(Relaxed)).collect();
        assert_eq!(got, [2, 1, 1, 0, 1]);
        assert_eq!(m.evicted_keys.load(Relaxed), 5);
    }
}

/// Where the process's memory goes, as INFO memory, MEMORY STATS and `/metrics` report it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Report {
    /// `used_memory`: counted allocations (the RSS without the counting allocator).
    pub used: u64,
    /// Whether `used` comes from the counting allocator.
    pub counted: bool,
    /// `used_memory_rss`.
    pub rss: u64,
    /// `used_memory_peak`.
    pub peak: u64,
    /// `used_memory_startup`.
    pub startup: u64,
    /// The keyspace's hash tables (bucket arrays), `overhead.hashtable.main`.
    pub tables: u64,
    /// Keys in all databases.
    pub keys: u64,
    /// Clients' query and output buffers (`mem_clients_normal`).
    pub clients: u64,
    /// `used_memory_overhead`: startup, tables and clients.
    pub overhead: u64,
    /// `used_memory_dataset`: used minus overhead.
    pub dataset: u64,
    /// `total_system_memory`.
    pub system: u64,
}

impl Report {
    /// `used_memory_dataset_perc`: the dataset's share of what was allocated after start-up.
    pub fn dataset_perc(&self) -> f64 {
        let net = self.used.saturating_sub(self.startup);
        if net == 0 {
            0.0
        } else {
            self.dataset as f64 * 100.0 / net as f64
        }
    }

    /// `used_memory_peak_perc`.
    pub fn peak_perc(&self) -> f64 {
        if self.peak == 0 {
            0.0
        } else {
            self.used as f64 * 100.0 / self.peak as f64
        }
    }

    /// `mem_fragmentation_ratio`: RSS over used.
    pub fn fragmentation(&self) -> f64 {
        if self.used == 0 {
            0.0
        } else {
            self.rss as f64 / self.used as f64
        }
    }
}

impl crate::Engine {
    /// What `maxmemory` is checked against (INFO `used_memory`): the counted allocations,
    /// else the RSS, or what the meter set with [`Memory::set_meter`] says. Updates the peak.
    pub fn used_memory(&self) -> usize {
        let used = match self.memory.meter.get() {
            Some(meter) => meter(self),
            None => counted().unwrap_or_else(rss),
        };
        if used > self.memory.peak.load(Relaxed) {
            self.memory.peak.fetch_max(used, Relaxed);
        }
        used
    }

    /// Measures where memory goes now (takes every shard's read lock once).
    pub fn memory_report(&self) -> Report {
        let used = self.used_memory() as u64;
        let mut tables = 0u64;
        let mut keys = 0u64;
        for d in 0..self.keyspace.databases() {
            let db = self.keyspace.db(d);
            for s in 0..crate::keyspace::SHARDS {
                let g = db.read(s);
                tables += g.table.bucket_bytes() as u64;
                keys += g.table.len() as u64;
            }
        }
        let clients: u64 = self
            .clients
            .list()
            .iter()
            .map(|c| (c.qbuf.load(Relaxed) + c.omem.load(Relaxed)) as u64)
            .sum();
        let startup = self.memory.startup.load(Relaxed) as u64;
        let overhead = startup + tables + clients;
        Report {
            used,
            counted: counted().is_some(),
            rss: rss() as u64,
            peak: (self.memory.peak.load(Relaxed) as u64).max(used),
            startup,
            tables,
            keys,
            clients,
            overhead,
            dataset: used.saturating_sub(overhead),
            system: total_system_memory(),
        }
    }

    /// MEMORY USAGE's estimate for a key: its entry (with the table slot pointing to it) and
    /// what its value owns, element sizes averaged over `samples` elements (0: all).
    pub fn key_usage(e: &crate::entry::EntryRef<'_>, samples: usize) -> usize {
        footprint(e.alloc_size())
            + std::mem::size_of::<*mut u8>()
            + e.big().map_or(0, |b| b.usage(samples))
    }
}
