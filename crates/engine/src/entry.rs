//! The keyspace entry: key, value, expiry, type and access clock in one allocation.
//!
//! Memory per key is a design goal, so an entry is a single heap block, laid out as:
//!
//! ```text
//! offset 0   next     *mut u8   chain link of the hash table bucket (see table.rs)
//! offset 8   meta     AtomicU32 flags (high 8 bits) | access clock in seconds (low 24 bits)
//! offset 12  lengths  u8 key_len, u8 value_len      (SHORT form, both < 256)
//!                     u32 key_len, u32 value_len    (LONG form, unaligned)
//! then       expire   u64 unix ms, unaligned        (only when HAS_EXPIRE)
//! then       key bytes, then value bytes
//! ```
//!
//! A 10-byte key with a 16-byte value and no expiry takes 40 bytes, which glibc's malloc serves
//! from a 48-byte chunk; Redis spends a dictEntry, a key sds, an robj and a value sds on the same
//! pair. The access clock is an atomic so a command holding only a shard's read lock can update
//! it: flags never change under a read lock, so storing `flags | clock` cannot lose a flag.
//!
//! Only strings exist so far. Other types will keep the same header and store a pointer to their
//! out-of-line structure as the "value bytes", with `Kind` telling `Drop` how to free it.

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
const KIND_SHIFT: u32 = 28;
const CLOCK_MASK: u32 = 0x00ff_ffff;

/// The type of a value, as TYPE names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A binary-safe string.
    String = 0,
}

impl Kind {
    /// The name TYPE replies with.
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
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
}

/// An owned entry. Moves in and out of the table as a raw pointer (see table.rs).
pub struct Entry(NonNull<u8>);

// SAFETY: an Entry owns its allocation exclusively; the only interior mutability is the atomic
// access clock, so sharing references across threads is sound.
unsafe impl Send for Entry {}
unsafe impl Sync for Entry {}

fn layout_for(flags: u32, key_len: usize, value_len: usize) -> Layout {
    let lens = if flags & FLAG_LONG != 0 { 8 } else { 2 };
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
        assert!(key.len() <= u32::MAX as usize && value.len() <= u32::MAX as usize);
        let mut flags = (Kind::String as u32) << KIND_SHIFT;
        let long = key.len() > 255 || value.len() > 255;
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
        let layout = layout_for(flags, key.len(), value.len());
        // SAFETY: the layout has non-zero size; every byte is initialised below before use.
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
        let layout = layout_for(v.flags(), v.key().len(), v.value().len());
        // SAFETY: the allocation was made with this same layout in `Entry::new`.
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
                (k, v, OFF_LENS + 8)
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
        Kind::String
    }

    /// True for strings modified in place.
    pub fn is_raw(&self) -> bool {
        self.flags() & FLAG_RAW != 0
    }

    /// True for strings that are never `int`-encoded.
    pub fn is_noint(&self) -> bool {
        self.flags() & FLAG_NOINT != 0
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
        }
    }

    /// True when a value of `len` bytes with (or without) an expiry fits this entry's layout
    /// exactly, so [`Self::overwrite`] can replace the value without reallocating.
    pub fn can_overwrite(&self, len: usize, has_expire: bool) -> bool {
        self.value().len() == len && (self.flags() & FLAG_HAS_EXPIRE != 0) == has_expire
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
        let mut flags = self.flags() & !(FLAG_RAW | FLAG_NOINT);
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

    pub(crate) fn next(&self) -> *mut u8 {
        // SAFETY: offset 0 holds the chain link.
        unsafe { ptr::read(self.p as *const *mut u8) }
    }

    pub(crate) fn next_slot(&self) -> *mut *mut u8 {
        self.p as *mut *mut u8
    }

    /// Bytes this entry occupies (without allocator overhead).
    pub fn alloc_size(&self) -> usize {
        let (k, v, _) = self.lens();
        layout_for(self.flags(), k, v).size()
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
    fn small_pair_fits_forty_bytes() {
        let e = Entry::new(b"key:000001", b"0123456789abcdef", EntryMeta::default());
        assert_eq!(e.view().alloc_size(), 40);
    }
}
