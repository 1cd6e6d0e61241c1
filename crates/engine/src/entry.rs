//! The keyspace entry: key, value, expiry, type and access clock in one allocation.
//!
//! Memory per key is a design goal, so an entry is a single heap block, laid out as:
//!
//! ```text
//! offset 0   next     *mut u8   chain link of the hash table bucket (see table.rs)
//! offset 8   meta     AtomicU32 flags (high 8 bits) | access clock in seconds (low 24 bits)
//! offset 12  lengths  u8 key_len, u8 value_len      (SHORT form, both < 256)
//!                     u32 key_len, u32 value_len    (LONG form, unaligned)
//!                     ..., u32 capacity             (LONG form of a string APPEND or
//!                                                    SETRANGE changed: room to grow in place)
//! then       expire   u64 unix ms, unaligned        (only when HAS_EXPIRE)
//! then       key bytes, then value bytes
//! ```
//!
//! A 10-byte key with a 16-byte value and no expiry takes 40 bytes, which glibc's malloc serves
//! from a 48-byte chunk; Redis spends a dictEntry, a key sds, an robj and a value sds on the same
//! pair. The access clock is an atomic so a command holding only a shard's read lock can update
//! it: flags never change under a read lock, so storing `flags | clock` cannot lose a flag.
//!
//! Collections (lists, hashes, sets, sorted sets) keep the same header. A small collection stores
//! its compact encoding (see `types::pack` and `types::intset`) as the value bytes, so a
//! five-field hash is still one allocation; a large one stores a pointer to its out-of-line
//! structure ([`Big`]) and sets the BOXED flag, which tells `Drop` to free it.

use crate::types::Big;
use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicU32, Ordering};

const OFF_META: usize = 8;
const OFF_LENS: usize = 12;

const FLAG_HAS_EXPIRE: u32 = 1 << 24;
const FLAG_LONG: u32 = 1 << 25;
/// The string was modified in place (APPEND, SETRANGE): OBJECT ENCODING says `raw`, as Redis.
const FLAG_RAW: u32 = 1 << 26;
/// The string never takes the `int` encoding (INCRBYFLOAT results), as in Redis.
const FLAG_NOINT: u32 = 1 << 27;
/// A collection whose value bytes are a `*mut Big` this entry owns (the bit is FLAG_RAW's, which
/// only strings use).
const FLAG_BOXED: u32 = 1 << 26;
const KIND_SHIFT: u32 = 28;
const CLOCK_MASK: u32 = 0x00ff_ffff;

/// The type of a value, as TYPE names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Kind {
    /// A binary-safe string.
    #[default]
    String = 0,
    /// A list.
    List = 1,
    /// A hash.
    Hash = 2,
    /// A set.
    Set = 3,
    /// A sorted set.
    ZSet = 4,
    /// A stream.
    Stream = 5,
}

impl Kind {
    /// The name TYPE replies with.
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::List => "list",
            Kind::Hash => "hash",
            Kind::Set => "set",
            Kind::ZSet => "zset",
            Kind::Stream => "stream",
        }
    }

    fn from_bits(bits: u32) -> Kind {
        match bits {
            1 => Kind::List,
            2 => Kind::Hash,
            3 => Kind::Set,
            4 => Kind::ZSet,
            5 => Kind::Stream,
            _ => Kind::String,
        }
    }
}

/// Creation options for an entry.
#[derive(Clone, Copy, Debug, Default)]
pub struct EntryMeta {
    /// Absolute expiry in unix milliseconds.
    pub expire: Option<u64>,
    /// Marks a string modified in place (`raw` encoding).
    pub raw: bool,
    /// Marks a string that is never `int`-encoded.
    pub noint: bool,
    /// Access clock to start with.
    pub clock: u32,
    /// The value's type (strings by default).
    pub kind: Kind,
}

/// An owned entry. Moves in and out of the table as a raw pointer (see table.rs).
pub struct Entry(NonNull<u8>);

// SAFETY: an Entry owns its allocation exclusively; the only interior mutability is the atomic
// access clock, so sharing references across threads is sound.
unsafe impl Send for Entry {}
unsafe impl Sync for Entry {}

/// The longest key or value an entry holds (its lengths are `u32`). `proto-max-bulk-len` is
/// capped at it, and every path that builds a value from others (APPEND, SETRANGE, RESTORE)
/// checks against it before allocating.
pub const MAX_VALUE_LEN: usize = u32::MAX as usize;

/// True for the layout with a capacity field: a long string modified in place.
fn has_capacity(flags: u32) -> bool {
    flags & FLAG_LONG != 0 && flags & FLAG_RAW != 0 && (flags >> KIND_SHIFT) == Kind::String as u32
}

/// The capacity a string growing to `len` bytes gets: twice that, or 1 MB more past 1 MB (as
/// Redis's `sdsMakeRoomFor`), so appending a byte at a time costs linear time in all.
pub fn grown_capacity(len: usize) -> usize {
    const STEP: usize = 1 << 20;
    let cap = if len < STEP { len * 2 } else { len + STEP };
    cap.clamp(len, MAX_VALUE_LEN)
}

/// `value_len` is the capacity for entries that have one.
fn layout_for(flags: u32, key_len: usize, value_len: usize) -> Layout {
    let lens = if has_capacity(flags) {
        12
    } else if flags & FLAG_LONG != 0 {
        8
    } else {
        2
    };
    let expire = if flags & FLAG_HAS_EXPIRE != 0 { 8 } else { 0 };
    // Key and value lengths are bounded by proto-max-bulk-len (checked by callers) so this sum
    // cannot overflow; the checked form keeps a bug from turning into memory corruption.
    let size = (OFF_LENS + lens + expire)
        .checked_add(key_len)
        .and_then(|s| s.checked_add(value_len))
        .expect("entry size overflow");
    Layout::from_size_align(size, 8).expect("entry layout")
}

impl Entry {
    /// Allocates an entry holding `key` and a string `value`.
    pub fn new(key: &[u8], value: &[u8], meta: EntryMeta) -> Entry {
        Entry::with_capacity(key, value, meta, value.len())
    }

    /// [`Entry::new`] with room for the value to grow to `capacity` bytes in place (a string
    /// marked `raw`, as APPEND and SETRANGE make; other entries get no spare room).
    pub fn with_capacity(key: &[u8], value: &[u8], meta: EntryMeta, capacity: usize) -> Entry {
        assert!(key.len() <= MAX_VALUE_LEN && value.len() <= MAX_VALUE_LEN);
        let mut flags = (meta.kind as u32) << KIND_SHIFT;
        let spare = meta.raw && meta.kind == Kind::String && capacity > value.len();
        let long = key.len() > 255 || value.len() > 255 || spare;
        if long {
            flags |= FLAG_LONG;
        }
        if meta.expire.is_some() {
            flags |= FLAG_HAS_EXPIRE;
        }
        if meta.raw {
            flags |= FLAG_RAW;
        }
        if meta.noint {
            flags |= FLAG_NOINT;
        }
        let capacity = if has_capacity(flags) {
            capacity.clamp(value.len(), MAX_VALUE_LEN)
        } else {
            value.len()
        };
        let layout = layout_for(flags, key.len(), capacity);
        // SAFETY: the layout has non-zero size; every byte is initialised below before use
        // (spare capacity past the value is never read).
        unsafe {
            let p = alloc(layout);
            if p.is_null() {
                handle_alloc_error(layout);
            }
            ptr::write(p as *mut *mut u8, ptr::null_mut());
            ptr::write(
                p.add(OFF_META) as *mut u32,
                flags | (meta.clock & CLOCK_MASK),
            );
            let mut off = OFF_LENS;
            if long {
                ptr::write_unaligned(p.add(off) as *mut u32, key.len() as u32);
                ptr::write_unaligned(p.add(off + 4) as *mut u32, value.len() as u32);
                off += 8;
                if has_capacity(flags) {
                    ptr::write_unaligned(p.add(off) as *mut u32, capacity as u32);
                    off += 4;
                }
            } else {
                *p.add(off) = key.len() as u8;
                *p.add(off + 1) = value.len() as u8;
                off += 2;
            }
            if let Some(at) = meta.expire {
                ptr::write_unaligned(p.add(off) as *mut u64, at);
                off += 8;
            }
            ptr::copy_nonoverlapping(key.as_ptr(), p.add(off), key.len());
            ptr::copy_nonoverlapping(value.as_ptr(), p.add(off + key.len()), value.len());
            Entry(NonNull::new_unchecked(p))
        }
    }

    /// Allocates an entry holding `key` and a large collection it takes ownership of.
    pub fn new_big(key: &[u8], big: Box<Big>, meta: EntryMeta) -> Entry {
        let p = Box::into_raw(big) as usize;
        let e = Entry::new(key, &p.to_ne_bytes(), meta);
        let v = e.view();
        let m = v.meta();
        m.store(m.load(Ordering::Relaxed) | FLAG_BOXED, Ordering::Relaxed);
        e
    }

    /// This entry's value under another key (RENAME, MOVE): a large collection moves, it is
    /// not copied.
    pub fn rekey(self, key: &[u8]) -> Entry {
        let meta = self.view().meta_copy();
        self.rebuild(Some(key), meta)
    }

    /// This entry with other metadata (the value moves along).
    pub fn with_meta(self, meta: EntryMeta) -> Entry {
        self.rebuild(None, meta)
    }

    fn rebuild(self, key: Option<&[u8]>, meta: EntryMeta) -> Entry {
        let v = self.view();
        let boxed = v.flags() & FLAG_BOXED != 0;
        let e = Entry::new(key.unwrap_or(v.key()), v.value(), meta);
        if boxed {
            // The pointer now belongs to the new entry: clear the old one's claim before it drops.
            let m = v.meta();
            m.store(m.load(Ordering::Relaxed) & !FLAG_BOXED, Ordering::Relaxed);
            let nv = e.view();
            let n = nv.meta();
            n.store(n.load(Ordering::Relaxed) | FLAG_BOXED, Ordering::Relaxed);
        }
        e
    }

    /// A deep copy under `key` (COPY): a large collection is cloned.
    pub fn duplicate(e: &EntryRef<'_>, key: &[u8]) -> Entry {
        match e.big() {
            Some(big) => Entry::new_big(key, Box::new(big.clone()), e.meta_copy()),
            None => Entry::new(key, e.value(), e.meta_copy()),
        }
    }

    /// Takes ownership of a pointer produced by [`Entry::into_raw`].
    ///
    /// # Safety
    /// `p` must come from `into_raw` and not be owned by anything else.
    pub unsafe fn from_raw(p: *mut u8) -> Entry {
        Entry(NonNull::new_unchecked(p))
    }

    /// Gives up ownership; the table links entries through these pointers.
    pub fn into_raw(self) -> *mut u8 {
        let p = self.0.as_ptr();
        std::mem::forget(self);
        p
    }

    /// A borrowed view of this entry.
    pub fn view(&self) -> EntryRef<'_> {
        EntryRef {
            p: self.0.as_ptr(),
            _life: std::marker::PhantomData,
        }
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        let v = self.view();
        if let Some(big) = v.big_ptr() {
            // SAFETY: a BOXED entry owns the Box it points to (see `new_big` and `rebuild`).
            drop(unsafe { Box::from_raw(big) });
        }
        let layout = v.layout();
        // SAFETY: the allocation was made with this same layout in `Entry::with_capacity`.
        unsafe { dealloc(self.0.as_ptr(), layout) }
    }
}

/// A borrowed entry, valid while the table (and its shard lock) is borrowed.
#[derive(Clone, Copy)]
pub struct EntryRef<'a> {
    p: *mut u8,
    _life: std::marker::PhantomData<&'a Entry>,
}

impl<'a> EntryRef<'a> {
    /// # Safety
    /// `p` must point to a live entry that outlives `'a`.
    pub(crate) unsafe fn from_ptr(p: *mut u8) -> EntryRef<'a> {
        EntryRef {
            p,
            _life: std::marker::PhantomData,
        }
    }

    fn meta(&self) -> &AtomicU32 {
        // SAFETY: offset 8 of a live entry holds an initialised, 4-aligned u32.
        unsafe { &*(self.p.add(OFF_META) as *const AtomicU32) }
    }

    fn flags(&self) -> u32 {
        self.meta().load(Ordering::Relaxed) & !CLOCK_MASK
    }

    fn lens(&self) -> (usize, usize, usize) {
        // SAFETY: the length fields were written by `Entry::new` in the form the flag names.
        unsafe {
            if self.flags() & FLAG_LONG != 0 {
                let k = ptr::read_unaligned(self.p.add(OFF_LENS) as *const u32) as usize;
                let v = ptr::read_unaligned(self.p.add(OFF_LENS + 4) as *const u32) as usize;
                let lens = if has_capacity(self.flags()) { 12 } else { 8 };
                (k, v, OFF_LENS + lens)
            } else {
                (
                    *self.p.add(OFF_LENS) as usize,
                    *self.p.add(OFF_LENS + 1) as usize,
                    OFF_LENS + 2,
                )
            }
        }
    }

    fn data_offset(&self) -> (usize, usize, usize) {
        let (k, v, off) = self.lens();
        let off = if self.flags() & FLAG_HAS_EXPIRE != 0 {
            off + 8
        } else {
            off
        };
        (k, v, off)
    }

    /// The key.
    pub fn key(&self) -> &'a [u8] {
        let (k, _, off) = self.data_offset();
        // SAFETY: key bytes live at `off` for `k` bytes.
        unsafe { std::slice::from_raw_parts(self.p.add(off), k) }
    }

    /// The string value.
    pub fn value(&self) -> &'a [u8] {
        let (k, v, off) = self.data_offset();
        // SAFETY: value bytes follow the key.
        unsafe { std::slice::from_raw_parts(self.p.add(off + k), v) }
    }

    /// The absolute expiry in unix ms, if any.
    pub fn expire(&self) -> Option<u64> {
        if self.flags() & FLAG_HAS_EXPIRE == 0 {
            return None;
        }
        let (_, _, off) = self.lens();
        // SAFETY: the expiry follows the lengths when the flag is set.
        Some(unsafe { ptr::read_unaligned(self.p.add(off) as *const u64) })
    }

    /// True when the entry has an expiry at or before `now`.
    pub fn is_expired(&self, now: u64) -> bool {
        matches!(self.expire(), Some(at) if at <= now)
    }

    /// The value's type.
    pub fn kind(&self) -> Kind {
        Kind::from_bits(self.meta().load(Ordering::Relaxed) >> KIND_SHIFT)
    }

    /// True for strings modified in place.
    pub fn is_raw(&self) -> bool {
        self.kind() == Kind::String && self.flags() & FLAG_RAW != 0
    }

    /// True for strings that are never `int`-encoded.
    pub fn is_noint(&self) -> bool {
        self.flags() & FLAG_NOINT != 0
    }

    fn big_ptr(&self) -> Option<*mut Big> {
        if self.kind() == Kind::String || self.flags() & FLAG_BOXED == 0 {
            return None;
        }
        let mut b = [0u8; 8];
        b.copy_from_slice(self.value());
        Some(usize::from_ne_bytes(b) as *mut Big)
    }

    /// The large collection this entry holds, if it holds one.
    pub fn big(&self) -> Option<&'a Big> {
        // SAFETY: the Box lives as long as the entry, which outlives 'a.
        self.big_ptr().map(|p| unsafe { &*p })
    }

    /// The large collection, mutably.
    ///
    /// # Safety
    /// The caller holds the shard's write lock (exclusive access to the entry) and no other
    /// reference to the collection is alive.
    pub(crate) unsafe fn big_mut(&self) -> Option<&'a mut Big> {
        self.big_ptr().map(|p| &mut *p)
    }

    /// The compact encoding of a small collection (None for strings and large collections).
    pub fn packed(&self) -> Option<&'a [u8]> {
        (self.kind() != Kind::String && self.flags() & FLAG_BOXED == 0).then(|| self.value())
    }

    /// The access clock (seconds, 24 bits).
    pub fn clock(&self) -> u32 {
        self.meta().load(Ordering::Relaxed) & CLOCK_MASK
    }

    /// Records an access.
    pub fn touch(&self, clock: u32) {
        let m = self.meta();
        let old = m.load(Ordering::Relaxed);
        m.store(
            (old & !CLOCK_MASK) | (clock & CLOCK_MASK),
            Ordering::Relaxed,
        );
    }

    /// The options that recreate this entry's metadata.
    pub fn meta_copy(&self) -> EntryMeta {
        EntryMeta {
            expire: self.expire(),
            raw: self.is_raw(),
            noint: self.is_noint(),
            clock: self.clock(),
            kind: self.kind(),
        }
    }

    /// True when a value of `len` bytes with `meta` fits this entry's layout exactly, so
    /// [`Self::overwrite`] can replace the value without reallocating. An entry with spare
    /// capacity is rebuilt instead, and so is a long string about to be marked `raw` (its
    /// flags would then promise a capacity field the layout does not have).
    pub fn can_overwrite(&self, len: usize, meta: &EntryMeta) -> bool {
        let to_capacity = meta.raw && meta.kind == Kind::String && self.flags() & FLAG_LONG != 0;
        self.value().len() == len
            && !to_capacity
            && (self.flags() & FLAG_HAS_EXPIRE != 0) == meta.expire.is_some()
            && self.flags() & FLAG_BOXED == 0
            && !has_capacity(self.flags())
    }

    /// The bytes the value may grow to in place.
    fn capacity(&self) -> usize {
        if !has_capacity(self.flags()) {
            return self.value().len();
        }
        // SAFETY: the capacity follows the two u32 lengths in this layout.
        unsafe { ptr::read_unaligned(self.p.add(OFF_LENS + 8) as *const u32) as usize }
    }

    fn layout(&self) -> Layout {
        layout_for(self.flags(), self.key().len(), self.capacity())
    }

    /// Writes `bytes` at `offset` of the string value (a gap up to it is zero-filled), in
    /// place, when the entry has the room: the new length, or None when it must be rebuilt.
    /// Callers hold the shard's write lock and checked the length against the limits.
    pub(crate) fn write_in_place(&self, offset: usize, bytes: &[u8]) -> Option<usize> {
        let (k, v, off) = self.data_offset();
        let end = offset.checked_add(bytes.len())?;
        let len = v.max(end);
        if !has_capacity(self.flags()) || len > self.capacity() {
            return None;
        }
        // SAFETY: `off + k .. off + k + capacity` is this entry's value region, exclusively
        // ours under the lock; `len` fits in it, and the length field is a u32 of the LONG
        // form (capacity entries are LONG).
        unsafe {
            let value = self.p.add(off + k);
            if offset > v {
                ptr::write_bytes(value.add(v), 0, offset - v);
            }
            ptr::copy_nonoverlapping(bytes.as_ptr(), value.add(offset), bytes.len());
            ptr::write_unaligned(self.p.add(OFF_LENS + 4) as *mut u32, len as u32);
        }
        Some(len)
    }

    /// Replaces the value bytes, expiry, encoding flags and clock in place. Callers hold the
    /// shard's write lock and checked [`Self::can_overwrite`]; no reference into the old value
    /// is alive.
    pub(crate) fn overwrite(&self, value: &[u8], meta: EntryMeta) {
        let (k, v, off) = self.data_offset();
        assert_eq!(v, value.len(), "overwrite needs an equal length");
        if let Some(at) = meta.expire {
            self.set_expire_in_place(at);
        }
        let mut flags = self.flags() & !(FLAG_RAW | FLAG_NOINT | (0xf << KIND_SHIFT));
        flags |= (meta.kind as u32) << KIND_SHIFT;
        if meta.raw {
            flags |= FLAG_RAW;
        }
        if meta.noint {
            flags |= FLAG_NOINT;
        }
        self.meta()
            .store(flags | (meta.clock & CLOCK_MASK), Ordering::Relaxed);
        // SAFETY: the value region is `v` bytes at `off + k`, exclusively ours under the lock.
        unsafe { ptr::copy_nonoverlapping(value.as_ptr(), self.p.add(off + k), v) };
    }

    /// Overwrites the expiry in place; only valid when one exists.
    pub(crate) fn set_expire_in_place(&self, at: u64) -> bool {
        if self.flags() & FLAG_HAS_EXPIRE == 0 {
            return false;
        }
        let (_, _, off) = self.lens();
        // SAFETY: callers hold the shard's write lock; the slot exists because the flag is set.
        unsafe { ptr::write_unaligned(self.p.add(off) as *mut u64, at) };
        true
    }

    /// The entry's address (stable while it stays in its table and is not rebuilt).
    pub(crate) fn as_ptr(&self) -> *mut u8 {
        self.p
    }

    pub(crate) fn next(&self) -> *mut u8 {
        // SAFETY: offset 0 holds the chain link.
        unsafe { ptr::read(self.p as *const *mut u8) }
    }

    pub(crate) fn next_slot(&self) -> *mut *mut u8 {
        self.p as *mut *mut u8
    }

    /// Bytes this entry occupies (without allocator overhead).
    pub fn alloc_size(&self) -> usize {
        self.layout().size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_short_and_long() {
        for (k, v) in [
            (&b"key"[..], &b"value"[..]),
            (&[7u8; 300][..], &b""[..]),
            (b"", &[1u8; 70000][..]),
        ] {
            for expire in [None, Some(1_700_000_000_000u64)] {
                let e = Entry::new(
                    k,
                    v,
                    EntryMeta {
                        expire,
                        raw: true,
                        noint: false,
                        clock: 99,
                        kind: Kind::String,
                    },
                );
                let r = e.view();
                assert_eq!(r.key(), k);
                assert_eq!(r.value(), v);
                assert_eq!(r.expire(), expire);
                assert!(r.is_raw());
                assert_eq!(r.clock(), 99);
                r.touch(5);
                assert_eq!(r.clock(), 5);
                assert_eq!(r.expire(), expire);
            }
        }
    }

    #[test]
    fn a_raw_string_grows_in_place_within_its_capacity() {
        let meta = EntryMeta {
            raw: true,
            ..Default::default()
        };
        let e = Entry::with_capacity(b"k", b"abc", meta, 8);
        let r = e.view();
        assert_eq!(r.write_in_place(3, b"de"), Some(5));
        assert_eq!(r.value(), b"abcde");
        assert_eq!(r.write_in_place(7, b"z"), Some(8));
        assert_eq!(r.value(), b"abcde\0\0z");
        assert_eq!(r.write_in_place(8, b"!"), None, "past the capacity");
        assert_eq!(r.write_in_place(0, b"A"), Some(8));
        assert_eq!(r.value(), b"Abcde\0\0z");
        assert!(!r.can_overwrite(8, &EntryMeta::default()));
        // A long string written as `raw` (BITOP's result, an HLL) is rebuilt, not overwritten:
        // the raw flag changes a long entry's layout.
        let long = Entry::new(b"k", &[7u8; 300], EntryMeta::default());
        assert!(long.view().can_overwrite(300, &EntryMeta::default()));
        assert!(!long.view().can_overwrite(300, &meta));
        // A string never changed in place has no spare room.
        let plain = Entry::with_capacity(b"k", b"abc", EntryMeta::default(), 8);
        assert_eq!(plain.view().write_in_place(3, b"d"), None);
        assert_eq!(grown_capacity(10), 20);
        assert_eq!(grown_capacity(3 << 20), 4 << 20);
    }

    #[test]
    fn small_pair_fits_forty_bytes() {
        let e = Entry::new(b"key:000001", b"0123456789abcdef", EntryMeta::default());
        assert_eq!(e.view().alloc_size(), 40);
    }
}
