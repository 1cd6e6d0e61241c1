//! A shard's hash table: power-of-two buckets of intrusive chains of [`Entry`] allocations.
//!
//! Why chaining and not open addressing: the bucket of a key is `hash & mask`, exactly as in
//! Redis's dict, so SCAN can use Redis's reverse-binary cursor and keep its guarantee (a key
//! present for the whole iteration is returned at least once) while the table grows or shrinks
//! between calls. The link lives inside the entry, so the table costs one pointer per bucket
//! (1 to 2 per key) and nothing else. Resizing rehashes the whole shard at once under its write
//! lock; shards are small (the keyspace is split many ways), so the pause is short.

use crate::entry::{Entry, EntryRef};
use std::hash::BuildHasher;
use std::ptr;

const MIN_BUCKETS: usize = 4;

/// The table. Owns every entry reachable from its buckets.
pub struct Table {
    buckets: Box<[*mut u8]>,
    len: usize,
}

// SAFETY: the table exclusively owns its entries (see Entry's Send/Sync).
unsafe impl Send for Table {}
unsafe impl Sync for Table {}

impl Default for Table {
    fn default() -> Self {
        Table {
            buckets: Box::new([]),
            len: 0,
        }
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        self.clear();
    }
}

impl Table {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of buckets.
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }

    /// Drops every entry.
    pub fn clear(&mut self) {
        for b in self.buckets.iter_mut() {
            let mut p = std::mem::replace(b, ptr::null_mut());
            while !p.is_null() {
                // SAFETY: every non-null link points to an entry this table owns.
                let e = unsafe { Entry::from_raw(p) };
                p = e.view().next();
                drop(e);
            }
        }
        self.buckets = Box::new([]);
        self.len = 0;
    }

    fn bucket_of(&self, hash: u64) -> usize {
        (hash as usize) & (self.buckets.len() - 1)
    }

    /// Finds the entry for `key`.
    pub fn get(&self, hash: u64, key: &[u8]) -> Option<EntryRef<'_>> {
        if self.len == 0 {
            return None;
        }
        let mut p = self.buckets[self.bucket_of(hash)];
        while !p.is_null() {
            // SAFETY: links point to live entries owned by this table.
            let e = unsafe { EntryRef::from_ptr(p) };
            if e.key() == key {
                return Some(e);
            }
            p = e.next();
        }
        None
    }

    /// The link (bucket slot or previous entry's `next`) that points at `key`'s entry.
    fn link_of(&mut self, hash: u64, key: &[u8]) -> Option<*mut *mut u8> {
        if self.len == 0 {
            return None;
        }
        let b = self.bucket_of(hash);
        let mut link: *mut *mut u8 = &mut self.buckets[b];
        // SAFETY: `link` always points at a valid slot holding null or a live owned entry.
        unsafe {
            while !(*link).is_null() {
                let e = EntryRef::from_ptr(*link);
                if e.key() == key {
                    return Some(link);
                }
                link = e.next_slot();
            }
        }
        None
    }

    /// Grows the bucket array to hold `n` entries without a resize on the way.
    pub fn reserve<S: BuildHasher>(&mut self, n: usize, hasher: &S) {
        let target = n.next_power_of_two().max(MIN_BUCKETS);
        if target > self.buckets.len() {
            self.resize(target, hasher);
        }
    }

    /// Inserts an entry whose key is not present yet.
    pub fn insert_new<S: BuildHasher>(&mut self, hash: u64, entry: Entry, hasher: &S) {
        if self.len >= self.buckets.len() {
            let target = (self.len + 1).next_power_of_two().max(MIN_BUCKETS);
            self.resize(target, hasher);
        }
        let b = self.bucket_of(hash);
        let p = entry.into_raw();
        // SAFETY: `p` is a fresh entry we now own; we link it at the head of its bucket.
        unsafe { ptr::write(EntryRef::from_ptr(p).next_slot(), self.buckets[b]) };
        self.buckets[b] = p;
        self.len += 1;
    }

    /// Stores `entry`, replacing and returning the entry with the same key if there is one.
    pub fn upsert<S: BuildHasher>(&mut self, hash: u64, entry: Entry, hasher: &S) -> Option<Entry> {
        let p = entry.into_raw();
        // SAFETY: `p` is owned by us until linked; its key bytes stay valid while it lives.
        let key: &[u8] = unsafe { EntryRef::from_ptr(p).key() };
        if let Some(link) = self.link_of(hash, key) {
            // SAFETY: `link` points at the old entry; the new one takes its place in the chain.
            unsafe {
                let old = Entry::from_raw(*link);
                ptr::write(EntryRef::from_ptr(p).next_slot(), old.view().next());
                *link = p;
                ptr::write(old.view().next_slot(), ptr::null_mut());
                return Some(old);
            }
        }
        // SAFETY: `p` came from `into_raw` above and was not linked.
        self.insert_new(hash, unsafe { Entry::from_raw(p) }, hasher);
        None
    }

    /// Removes and returns the entry for `key`.
    pub fn remove<S: BuildHasher>(&mut self, hash: u64, key: &[u8], hasher: &S) -> Option<Entry> {
        let link = self.link_of(hash, key)?;
        // SAFETY: `link` points at the entry; unlinking it transfers ownership to the caller.
        let old = unsafe {
            let old = Entry::from_raw(*link);
            *link = old.view().next();
            ptr::write(old.view().next_slot(), ptr::null_mut());
            old
        };
        self.len -= 1;
        self.maybe_shrink(hasher);
        Some(old)
    }

    /// Shrinks when less than 1/8 of the buckets are used, as Redis does below 10% fill.
    pub fn maybe_shrink<S: BuildHasher>(&mut self, hasher: &S) {
        let n = self.buckets.len();
        if n > MIN_BUCKETS && self.len * 8 < n {
            let target = self.len.next_power_of_two().max(MIN_BUCKETS);
            self.resize(target, hasher);
        }
    }

    fn resize<S: BuildHasher>(&mut self, size: usize, hasher: &S) {
        let old = std::mem::replace(
            &mut self.buckets,
            vec![ptr::null_mut(); size].into_boxed_slice(),
        );
        let mask = size - 1;
        for mut p in old.into_vec() {
            while !p.is_null() {
                // SAFETY: moving owned entries from the old bucket array to the new one.
                unsafe {
                    let e = EntryRef::from_ptr(p);
                    let next = e.next();
                    let b = (hasher.hash_one(e.key()) as usize) & mask;
                    ptr::write(e.next_slot(), self.buckets[b]);
                    self.buckets[b] = p;
                    p = next;
                }
            }
        }
    }

    /// Calls `f` for every entry of the bucket `cursor` selects and returns the next cursor
    /// (0 when the iteration is complete), using Redis's reverse-binary increment so that
    /// buckets are visited in an order that survives resizing.
    pub fn scan<'t>(&'t self, cursor: u64, mut f: impl FnMut(EntryRef<'t>)) -> u64 {
        if self.buckets.is_empty() {
            return 0;
        }
        let mask = (self.buckets.len() - 1) as u64;
        let mut p = self.buckets[(cursor & mask) as usize];
        while !p.is_null() {
            // SAFETY: links point to live entries.
            let e = unsafe { EntryRef::from_ptr(p) };
            f(e);
            p = e.next();
        }
        let mut v = cursor | !mask;
        v = v.reverse_bits();
        v = v.wrapping_add(1);
        v.reverse_bits()
    }

    /// Visits every entry.
    pub fn for_each<'t>(&'t self, mut f: impl FnMut(EntryRef<'t>)) {
        for &b in self.buckets.iter() {
            let mut p = b;
            while !p.is_null() {
                // SAFETY: links point to live entries.
                let e = unsafe { EntryRef::from_ptr(p) };
                f(e);
                p = e.next();
            }
        }
    }

    /// A uniformly chosen bucket's chain, then a uniformly chosen entry of it: good enough for
    /// RANDOMKEY, as in Redis (`dictGetFairRandomKey` is also approximate). `rand` yields random
    /// numbers.
    pub fn random(&self, mut rand: impl FnMut() -> u64) -> Option<EntryRef<'_>> {
        if self.len == 0 {
            return None;
        }
        let mask = self.buckets.len() - 1;
        loop {
            let mut p = self.buckets[(rand() as usize) & mask];
            if p.is_null() {
                continue;
            }
            let head = p;
            let mut n = 0usize;
            while !p.is_null() {
                // SAFETY: links point to live entries.
                p = unsafe { EntryRef::from_ptr(p) }.next();
                n += 1;
            }
            p = head;
            for _ in 0..(rand() as usize) % n {
                // SAFETY: as above; fewer steps than the chain is long.
                p = unsafe { EntryRef::from_ptr(p) }.next();
            }
            // SAFETY: as above.
            return Some(unsafe { EntryRef::from_ptr(p) });
        }
    }

    /// `count` entries at random (distinct when `unique`), each given to `each` (false
    /// stops), in O(count): see [`crate::rand::choose`].
    pub fn sample<'t>(
        &'t self,
        count: usize,
        unique: bool,
        each: impl FnMut(EntryRef<'t>) -> bool,
    ) {
        crate::rand::choose(
            self.len,
            count,
            unique,
            || self.random(crate::rand::u64).expect("a non-empty table"),
            || {
                let mut all = Vec::with_capacity(self.len);
                self.for_each(|e| all.push(e));
                all
            },
            |e| e.key(),
            each,
        )
    }

    /// The bucket array's address and length, for lock-free prefetch hints.
    pub fn raw_buckets(&self) -> (usize, usize) {
        (self.buckets.as_ptr() as usize, self.buckets.len())
    }

    /// Asks the CPU to start loading the bucket slot of `hash` (first stage of pipeline
    /// prefetching: a batch of commands overlaps its cache misses instead of taking them in turn).
    pub fn prefetch_bucket(&self, hash: u64) {
        if !self.buckets.is_empty() {
            prefetch(&self.buckets[self.bucket_of(hash)] as *const *mut u8 as *const u8);
        }
    }

    /// Asks the CPU to start loading the first entry of `hash`'s chain (second stage).
    pub fn prefetch_head(&self, hash: u64) {
        if !self.buckets.is_empty() {
            let p = self.buckets[self.bucket_of(hash)];
            if !p.is_null() {
                prefetch(p);
                // The key of a small entry may start in the next cache line.
                prefetch(p.wrapping_add(32));
            }
        }
    }

    /// Bytes used by the bucket array.
    pub fn bucket_bytes(&self) -> usize {
        self.buckets.len() * std::mem::size_of::<*mut u8>()
    }
}

/// Asks the CPU to load the cache line at `p`. Any address is fine: a prefetch never faults.
#[inline(always)]
pub fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint to the cache; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch(p as *const i8, std::arch::x86_64::_MM_HINT_T0)
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::EntryMeta;
    use std::collections::{BTreeSet, HashSet};
    use std::hash::RandomState;

    #[test]
    fn insert_get_remove_and_resize() {
        let h = RandomState::new();
        let mut t = Table::default();
        for i in 0..1000u32 {
            let k = i.to_be_bytes();
            t.insert_new(h.hash_one(k), Entry::new(&k, &k, EntryMeta::default()), &h);
        }
        assert_eq!(t.len(), 1000);
        for i in 0..1000u32 {
            let k = i.to_be_bytes();
            assert_eq!(t.get(h.hash_one(k), &k).unwrap().value(), &k);
        }
        for i in 0..990u32 {
            let k = i.to_be_bytes();
            assert!(t.remove(h.hash_one(k), &k, &h).is_some());
        }
        assert_eq!(t.len(), 10);
        assert!(t.buckets() <= 128);
        let k = 995u32.to_be_bytes();
        let old = t.upsert(
            h.hash_one(k),
            Entry::new(&k, b"new", EntryMeta::default()),
            &h,
        );
        assert_eq!(old.unwrap().view().value(), &k);
        assert_eq!(t.get(h.hash_one(k), &k).unwrap().value(), b"new");
    }

    #[test]
    fn scan_survives_growth_and_shrink() {
        let h = RandomState::new();
        let mut t = Table::default();
        let insert = |t: &mut Table, i: u32| {
            let k = i.to_be_bytes();
            t.insert_new(h.hash_one(k), Entry::new(&k, b"", EntryMeta::default()), &h);
        };
        for i in 0..100 {
            insert(&mut t, i);
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut step = 0u32;
        loop {
            cursor = t.scan(cursor, |e| {
                seen.insert(e.key().to_vec());
            });
            step += 1;
            // Grow hard in the middle of the iteration, then shrink back below the start.
            if step == 5 {
                for i in 100..5000 {
                    insert(&mut t, i);
                }
            }
            if step == 40 {
                for i in 100..5000u32 {
                    let k = i.to_be_bytes();
                    t.remove(h.hash_one(k), &k, &h);
                }
            }
            if cursor == 0 {
                break;
            }
        }
        let want: BTreeSet<Vec<u8>> = (0..100u32).map(|i| i.to_be_bytes().to_vec()).collect();
        for k in &want {
            assert!(seen.contains(k), "key present throughout was not returned");
        }
    }
}
