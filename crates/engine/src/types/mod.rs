//! Collection values: lists, hashes, sets and sorted sets, each in a compact encoding while
//! small and a large representation past its threshold, as Redis does.
//!
//! | type  | small (inline in the entry)           | large (`Big`, boxed)                      |
//! |-------|---------------------------------------|-------------------------------------------|
//! | list  | [`pack`] of elements                  | `VecDeque` of elements                     |
//! | hash  | [`pack`] of field, value, ...         | a [`Table`] of field → value entries        |
//! | set   | [`intset`] (integers only)            | a [`Table`] of member entries              |
//! | zset  | [`pack`] of member, score sorted      | [`zset::ZBig`]: member table + ordered list  |
//! | stream| (none)                                | [`stream::Stream`]: listpack nodes + groups  |
//!
//! Reading goes through a [`View`] (a borrowed value under a read lock); writing through an
//! [`Open`] collection: a small one is copied out, edited and stored back by the caller
//! (`families::write_coll`), a large one is edited in place. The per-type modules ([`list`],
//! [`hash`], [`set`], [`zset`]) hide the encoding: commands never look at it, and every
//! conversion (Redis's `hash-max-listpack-entries` and friends) happens inside them. Like
//! Redis 7.0, a collection never converts back to its compact form.
//!
//! [`hll`] is not a collection: it is the representation of the HyperLogLog strings PFADD and
//! friends keep (Redis's exact bytes).

pub mod hash;
pub mod hll;
pub mod intset;
pub mod list;
pub mod pack;
pub mod set;
pub mod stream;
pub mod zset;

use crate::entry::{Entry, EntryMeta, EntryRef, Kind};
use crate::table::Table;
use std::collections::VecDeque;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};
use std::sync::OnceLock;

/// The compact-encoding thresholds (redis.conf names in [`crate::config`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `hash-max-listpack-entries`
    pub hash_entries: i64,
    /// `hash-max-listpack-value`
    pub hash_value: i64,
    /// `set-max-intset-entries`
    pub set_intset_entries: i64,
    /// `zset-max-listpack-entries`
    pub zset_entries: i64,
    /// `zset-max-listpack-value`
    pub zset_value: i64,
    /// `list-max-listpack-size`: positive, elements; -1 to -5, 4 KB to 64 KB.
    pub list_size: i64,
    /// `list-compress-depth`: accepted and reported; large lists are never compressed here.
    pub list_compress_depth: i64,
}

impl Default for Limits {
    /// The defaults of Redis 7.0.15 as Debian builds it.
    fn default() -> Limits {
        Limits {
            hash_entries: 512,
            hash_value: 64,
            set_intset_entries: 512,
            zset_entries: 128,
            zset_value: 64,
            list_size: -2,
            list_compress_depth: 0,
        }
    }
}

/// [`Limits`] readable without a lock by every command.
#[derive(Default)]
pub struct SharedLimits([AtomicI64; 6]);

impl SharedLimits {
    /// Publishes new values (CONFIG SET).
    pub fn store(&self, l: &Limits) {
        let v = [
            l.hash_entries,
            l.hash_value,
            l.set_intset_entries,
            l.zset_entries,
            l.zset_value,
            l.list_size,
        ];
        for (a, v) in self.0.iter().zip(v) {
            a.store(v, Relaxed);
        }
    }

    /// The current values.
    pub fn load(&self) -> Limits {
        let v: [i64; 6] = std::array::from_fn(|i| self.0[i].load(Relaxed));
        Limits {
            hash_entries: v[0],
            hash_value: v[1],
            set_intset_entries: v[2],
            zset_entries: v[3],
            zset_value: v[4],
            list_size: v[5],
            list_compress_depth: 0,
        }
    }
}

impl Limits {
    /// Whether `n` is within `limit`.
    pub fn fits(limit: i64, n: usize) -> bool {
        i64::try_from(n).is_ok_and(|n| n <= limit)
    }

    /// Whether a list of `count` elements taking `bytes` stays compact.
    pub fn list_fits(&self, count: usize, bytes: usize) -> bool {
        if self.list_size >= 0 {
            Self::fits(self.list_size.max(1), count)
        } else {
            let kb = 4096usize << (self.list_size.unsigned_abs().clamp(1, 5) - 1);
            bytes <= kb
        }
    }
}

/// A large collection, owned by its keyspace entry.
pub enum Big {
    /// A list.
    List(VecDeque<Box<[u8]>>),
    /// A hash: field → value entries.
    Hash(Table),
    /// A set: member entries with empty values.
    Set(Table),
    /// A sorted set.
    ZSet(zset::ZBig),
    /// A stream (always this representation: Redis has one encoding for streams), held in
    /// place: it is no larger than the sorted set's representation.
    Stream(stream::Stream),
}

impl Big {
    /// Estimated bytes this structure takes (MEMORY USAGE): element sizes are averaged over
    /// the first `samples` elements (0: all of them), as Redis's `objectComputeSize` does.
    pub fn usage(&self, samples: usize) -> usize {
        use crate::memory::footprint;
        let samples = if samples == 0 { usize::MAX } else { samples };
        let own = footprint(std::mem::size_of::<Big>());
        own + match self {
            Big::List(l) => {
                let want = samples.min(l.len());
                let sum: usize = l.iter().take(want).map(|x| footprint(x.len())).sum();
                let slots = l.capacity() * std::mem::size_of::<Box<[u8]>>();
                let avg = sum.checked_div(want).unwrap_or(0);
                slots + avg.saturating_mul(l.len())
            }
            Big::Hash(t) | Big::Set(t) => table_usage(t, samples),
            Big::ZSet(z) => z.usage(samples),
            Big::Stream(x) => x.allocated(),
        }
    }
}

/// Estimated bytes of a collection table: its buckets, and its entries' average size over
/// the first `samples` of them times their number.
pub fn table_usage(t: &Table, samples: usize) -> usize {
    let n = t.len();
    let want = samples.min(n);
    let (mut seen, mut bytes, mut cursor) = (0usize, 0usize, 0u64);
    while seen < want {
        cursor = t.scan(cursor, |e| {
            if seen < want {
                bytes += crate::memory::footprint(e.alloc_size());
                seen += 1;
            }
        });
        if cursor == 0 {
            break;
        }
    }
    let avg = bytes.checked_div(seen).unwrap_or(0);
    t.bucket_bytes() + avg.saturating_mul(n)
}

impl Clone for Big {
    fn clone(&self) -> Big {
        match self {
            Big::List(l) => Big::List(l.clone()),
            Big::Hash(t) => Big::Hash(clone_table(t)),
            Big::Set(t) => Big::Set(clone_table(t)),
            Big::ZSet(z) => Big::ZSet(z.clone()),
            Big::Stream(x) => Big::Stream(x.clone()),
        }
    }
}

/// The hasher of every collection table: one per process, seeded at random.
pub fn hasher() -> &'static RandomState {
    static H: OnceLock<RandomState> = OnceLock::new();
    H.get_or_init(RandomState::new)
}

/// Hashes a field or member.
pub fn hash_of(bytes: &[u8]) -> u64 {
    hasher().hash_one(bytes)
}

/// A copy of a collection table.
pub fn clone_table(t: &Table) -> Table {
    let mut out = Table::default();
    t.for_each(|e| {
        out.insert_new(
            hash_of(e.key()),
            Entry::new(e.key(), e.value(), EntryMeta::default()),
            hasher(),
        );
    });
    out
}

/// Stores `key → value` in a collection table, replacing; true when the key is new.
pub fn table_set(t: &mut Table, key: &[u8], value: &[u8]) -> bool {
    let h = hash_of(key);
    if let Some(e) = t.get(h, key) {
        let meta = EntryMeta::default();
        if e.can_overwrite(value.len(), &meta) {
            e.overwrite(value, meta);
            return false;
        }
    }
    t.upsert(h, Entry::new(key, value, EntryMeta::default()), hasher())
        .is_none()
}

/// Removes `key` from a collection table; true when it was there.
pub fn table_remove(t: &mut Table, key: &[u8]) -> bool {
    t.remove(hash_of(key), key, hasher()).is_some()
}

/// A collection borrowed for reading.
#[derive(Clone, Copy)]
pub enum View<'a> {
    /// The compact encoding.
    Packed(&'a [u8]),
    /// The large representation.
    Big(&'a Big),
}

impl<'a> View<'a> {
    /// The collection an entry holds (None for strings).
    pub fn of(e: &EntryRef<'a>) -> Option<View<'a>> {
        if e.kind() == Kind::String {
            return None;
        }
        Some(match e.big() {
            Some(b) => View::Big(b),
            None => View::Packed(e.value()),
        })
    }
}

/// A collection opened for writing under its shard's write lock.
pub enum Open<'a> {
    /// A copy of the compact encoding, stored back when the command ends.
    Packed(Vec<u8>),
    /// The large representation, edited in place.
    Big(&'a mut Big),
    /// Converted to the large representation by this command; stored when it ends.
    New(Box<Big>),
}

impl Open<'_> {
    /// A read view of the current state.
    pub fn view(&self) -> View<'_> {
        match self {
            Open::Packed(b) => View::Packed(b),
            Open::Big(b) => View::Big(b),
            Open::New(b) => View::Big(b),
        }
    }

    /// The large representation, if the collection has one.
    pub fn big(&mut self) -> Option<&mut Big> {
        match self {
            Open::Packed(_) => None,
            Open::Big(b) => Some(b),
            Open::New(b) => Some(b),
        }
    }

    /// Replaces a compact collection by its large form.
    pub fn convert(&mut self, big: Big) {
        *self = Open::New(Box::new(big));
    }
}

/// Either of two iterators (the two encodings of a collection).
pub enum Either<A, B> {
    /// The first.
    A(A),
    /// The second.
    B(B),
}

impl<T, A: Iterator<Item = T>, B: Iterator<Item = T>> Iterator for Either<A, B> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match self {
            Either::A(a) => a.next(),
            Either::B(b) => b.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Either::A(a) => a.size_hint(),
            Either::B(b) => b.size_hint(),
        }
    }
}

/// An empty compact collection of `kind`.
pub fn new_packed(kind: Kind) -> Vec<u8> {
    match kind {
        Kind::Set => intset::new(),
        _ => pack::new(),
    }
}

/// Number of elements (members, fields, list elements) of a collection of `kind`.
pub fn len(kind: Kind, v: View<'_>) -> usize {
    match kind {
        Kind::List => list::len(v),
        Kind::Hash => hash::len(v),
        Kind::Set => set::len(v),
        Kind::ZSet => zset::len(v),
        Kind::Stream => match v {
            View::Big(Big::Stream(x)) => x.length as usize,
            _ => 0,
        },
        Kind::String => 0,
    }
}

/// Redis's OBJECT ENCODING name for a collection.
pub fn encoding_name(kind: Kind, v: View<'_>) -> &'static str {
    match (kind, v) {
        (Kind::List, _) => "quicklist",
        (Kind::Set, View::Packed(_)) => "intset",
        (Kind::Hash | Kind::ZSet, View::Packed(_)) => "listpack",
        (Kind::ZSet, View::Big(_)) => "skiplist",
        (Kind::Stream, _) => "stream",
        _ => "hashtable",
    }
}
