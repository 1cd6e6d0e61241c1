//! Streams, laid out as Redis 7.0 lays them out: an ordered map from each node's master ID to a
//! listpack holding up to `stream-node-max-entries` entries (and about `stream-node-max-bytes`
//! bytes), plus the consumer groups with their pending entries lists.
//!
//! A node's listpack is byte for byte what Redis's `streamAppendItem` builds, so the RDB and
//! DUMP forms are the nodes themselves, and memory per entry is Redis's:
//!
//! ```text
//! master entry: count | deleted | num-fields | field_1 ... field_N | 0
//! each entry:   flags | ms-diff | seq-diff | [num-fields | field value ...] or [value ...] | lp-count
//! ```
//!
//! An entry whose fields are the master's (SAMEFIELDS) stores only its values; XDEL and exact
//! trimming set the DELETED flag in place (a tombstone), and a node whose entries are all
//! deleted is dropped. IDs are delta-encoded against the node's master ID.

use crate::rdb::listpack::{self, Item};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

/// A stream entry ID: milliseconds and sequence number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id {
    /// Unix milliseconds (or whatever the client chose).
    pub ms: u64,
    /// Sequence within the millisecond.
    pub seq: u64,
}

impl Id {
    /// The smallest ID, `0-0`.
    pub const MIN: Id = Id { ms: 0, seq: 0 };
    /// The largest ID.
    pub const MAX: Id = Id {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// An ID.
    pub const fn new(ms: u64, seq: u64) -> Id {
        Id { ms, seq }
    }

    /// The next ID (None after [`Id::MAX`]), as Redis's `streamIncrID`.
    pub fn next(self) -> Option<Id> {
        if self.seq < u64::MAX {
            Some(Id::new(self.ms, self.seq + 1))
        } else if self.ms < u64::MAX {
            Some(Id::new(self.ms + 1, 0))
        } else {
            None
        }
    }

    /// The previous ID (None before `0-0`), as Redis's `streamDecrID`.
    pub fn prev(self) -> Option<Id> {
        if self.seq > 0 {
            Some(Id::new(self.ms, self.seq - 1))
        } else if self.ms > 0 {
            Some(Id::new(self.ms - 1, u64::MAX))
        } else {
            None
        }
    }

    /// True for `0-0`.
    pub fn is_zero(self) -> bool {
        self == Id::MIN
    }

    /// The 16-byte big-endian form (the node key in RDB files).
    pub fn to_bytes(self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.ms.to_be_bytes());
        b[8..].copy_from_slice(&self.seq.to_be_bytes());
        b
    }

    /// Reads the 16-byte big-endian form.
    pub fn from_bytes(b: &[u8; 16]) -> Id {
        let mut ms = [0u8; 8];
        let mut seq = [0u8; 8];
        ms.copy_from_slice(&b[..8]);
        seq.copy_from_slice(&b[8..]);
        Id::new(u64::from_be_bytes(ms), u64::from_be_bytes(seq))
    }

    /// `ms-seq` as bytes.
    pub fn text(self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// Redis's `string2ull`: a canonical integer, or what C's `strtoull` accepts in full (leading
/// spaces, a sign; a minus negates modulo 2^64), without overflow.
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    if let Some(v) = resp::number::parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    if i == s.len() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in &s[i..] {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// How an ID argument was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The ID (`-` is 0-0, `+` the maximum).
    pub id: Id,
    /// False for `ms-*` (the sequence is to be generated).
    pub seq_given: bool,
}

/// Redis's `streamGenericParseIDOrReply`: `ms-seq`, `ms` (sequence `missing_seq`), `-` and `+`
/// unless `strict`, `ms-*` where `star` allows it. None is `Invalid stream ID`.
pub fn parse_id(s: &[u8], missing_seq: u64, strict: bool, star: bool) -> Option<Parsed> {
    if s.len() > 127 {
        return None;
    }
    if s == b"-" || s == b"+" {
        if strict {
            return None;
        }
        let id = if s == b"-" { Id::MIN } else { Id::MAX };
        return Some(Parsed {
            id,
            seq_given: true,
        });
    }
    match s.iter().position(|&c| c == b'-') {
        Some(dot) => {
            let ms = parse_u64(&s[..dot])?;
            let rest = &s[dot + 1..];
            if star && rest == b"*" {
                return Some(Parsed {
                    id: Id::new(ms, 0),
                    seq_given: false,
                });
            }
            Some(Parsed {
                id: Id::new(ms, parse_u64(rest)?),
                seq_given: true,
            })
        }
        None => Some(Parsed {
            id: Id::new(parse_u64(s)?, missing_seq),
            seq_given: true,
        }),
    }
}

const FLAG_DELETED: i64 = 1;
const FLAG_SAMEFIELDS: i64 = 2;

/// The node limits (`stream-node-max-bytes`, `stream-node-max-entries`).
#[derive(Clone, Copy, Debug)]
pub struct NodeLimits {
    /// Bytes a node may reach; 0 means no limit (Redis caps it at 1 GB).
    pub max_bytes: u64,
    /// Entries (live and deleted) a node may hold; 0 means no limit.
    pub max_entries: u64,
}

/// Redis's cap on a node's size whatever the setting (`STREAM_LISTPACK_MAX_SIZE`).
pub const NODE_MAX_SIZE: u64 = 1 << 30;

/// The largest total of field and value bytes one entry may have.
pub const ENTRY_MAX_SIZE: u64 = NODE_MAX_SIZE;

/// A pending entry: delivered to `consumer`, not yet acknowledged.
#[derive(Clone, Debug, PartialEq)]
pub struct Nack {
    /// Unix ms of the last delivery.
    pub delivery_time: u64,
    /// Deliveries so far.
    pub delivery_count: u64,
    /// The consumer that owns it.
    pub consumer: Arc<[u8]>,
}

/// A consumer of a group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Consumer {
    /// Unix ms of its last read or claim.
    pub seen_time: u64,
    /// The IDs it owns in the group's PEL.
    pub pel: BTreeSet<Id>,
}

/// A consumer group.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// The last ID delivered to the group.
    pub last_id: Id,
    /// The group's logical read counter ([`INVALID_READ`] when unknown).
    pub entries_read: i64,
    /// Pending entries by ID.
    pub pel: BTreeMap<Id, Nack>,
    /// Consumers by name.
    pub consumers: BTreeMap<Arc<[u8]>, Consumer>,
}

/// An unknown `entries_read` (Redis's `SCG_INVALID_ENTRIES_READ`).
pub const INVALID_READ: i64 = -1;

impl Group {
    /// A group starting after `last_id`.
    pub fn new(last_id: Id, entries_read: i64) -> Group {
        Group {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// The consumer `name`, created with `now` as its seen time when missing; true when new.
    pub fn consumer(&mut self, name: &[u8], now: u64) -> (Arc<[u8]>, bool) {
        if let Some((k, _)) = self.consumers.get_key_value(name) {
            return (k.clone(), false);
        }
        let k: Arc<[u8]> = Arc::from(name);
        self.consumers.insert(
            k.clone(),
            Consumer {
                seen_time: now,
                pel: BTreeSet::new(),
            },
        );
        (k, true)
    }

    /// Removes consumer `name`, dropping its pending entries; the count it had, None when
    /// missing.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let c = self.consumers.remove(name)?;
        for id in &c.pel {
            self.pel.remove(id);
        }
        Some(c.pel.len())
    }

    /// Records that `id` was delivered to `consumer` at `now`: a new pending entry with one
    /// delivery, or an existing one moved to this consumer with its count reset to 1 (what
    /// Redis's `streamReplyWithRange` does).
    pub fn deliver(&mut self, id: Id, consumer: &Arc<[u8]>, now: u64) {
        if let Some(n) = self.pel.get_mut(&id) {
            if let Some(old) = self.consumers.get_mut(&n.consumer) {
                old.pel.remove(&id);
            }
            n.consumer = consumer.clone();
            n.delivery_time = now;
            n.delivery_count = 1;
        } else {
            self.pel.insert(
                id,
                Nack {
                    delivery_time: now,
                    delivery_count: 1,
                    consumer: consumer.clone(),
                },
            );
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }

    /// Gives pending entry `id` to `consumer` (XCLAIM, XAUTOCLAIM).
    pub fn reassign(&mut self, id: Id, consumer: &Arc<[u8]>) {
        let Some(n) = self.pel.get_mut(&id) else {
            return;
        };
        if n.consumer != *consumer {
            if let Some(old) = self.consumers.get_mut(&n.consumer) {
                old.pel.remove(&id);
            }
            n.consumer = consumer.clone();
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }

    /// Acknowledges `id`; true when it was pending.
    pub fn ack(&mut self, id: Id) -> bool {
        match self.pel.remove(&id) {
            Some(n) => {
                if let Some(c) = self.consumers.get_mut(&n.consumer) {
                    c.pel.remove(&id);
                }
                true
            }
            None => false,
        }
    }
}

/// One entry read from a node.
#[derive(Clone, Copy)]
pub struct EntryRef<'a> {
    /// Its ID.
    pub id: Id,
    node: &'a [u8],
    master_fields: usize,
    fields_at: usize,
    nfields: usize,
    same: bool,
    deleted: bool,
    /// Offset of its flags entry.
    at: usize,
    /// Offset of the entry after it.
    end: usize,
}

impl<'a> EntryRef<'a> {
    /// Number of field-value pairs.
    pub fn len(&self) -> usize {
        self.nfields
    }

    /// True when it has no fields (never, for entries XADD made).
    pub fn is_empty(&self) -> bool {
        self.nfields == 0
    }

    /// Its field-value pairs, in order.
    pub fn fields(&self) -> Fields<'a> {
        Fields {
            node: self.node,
            master: self.master_fields,
            at: self.fields_at,
            left: self.nfields,
            same: self.same,
        }
    }
}

/// The field-value pairs of an entry.
pub struct Fields<'a> {
    node: &'a [u8],
    master: usize,
    at: usize,
    left: usize,
    same: bool,
}

impl<'a> Iterator for Fields<'a> {
    type Item = (Item<'a>, Item<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let field = if self.same {
            let (f, next) = listpack::entry_at(self.node, self.master);
            self.master = next;
            f
        } else {
            let (f, next) = listpack::entry_at(self.node, self.at);
            self.at = next;
            f
        };
        let (v, next) = listpack::entry_at(self.node, self.at);
        self.at = next;
        Some((field, v))
    }
}

/// The text of a listpack item (an integer in decimal).
pub fn item_bytes<'a>(item: Item<'a>, buf: &'a mut [u8; 20]) -> &'a [u8] {
    match item {
        Item::Str(s) => s,
        Item::Int(v) => {
            let mut tmp = Vec::with_capacity(20);
            resp::number::write_i64(&mut tmp, v);
            buf[..tmp.len()].copy_from_slice(&tmp);
            &buf[..tmp.len()]
        }
    }
}

fn int_at(lp: &[u8], at: usize) -> (i64, usize) {
    match listpack::entry_at(lp, at) {
        (Item::Int(v), next) => (v, next),
        (Item::Str(s), next) => (resp::number::parse_i64(s).unwrap_or(0), next),
    }
}

/// A node's listpack, edited in place.
mod node {
    use super::*;

    /// An empty listpack.
    pub fn new() -> Vec<u8> {
        let mut lp = vec![0u8; 6];
        lp.push(0xFF);
        set_total(&mut lp);
        lp
    }

    fn set_total(lp: &mut [u8]) {
        let total = lp.len() as u32;
        lp[0..4].copy_from_slice(&total.to_le_bytes());
    }

    fn add_count(lp: &mut [u8], n: i64) {
        let c = u16::from_le_bytes([lp[4], lp[5]]);
        if c != u16::MAX {
            let c = (i64::from(c) + n).clamp(0, 65535) as u16;
            lp[4..6].copy_from_slice(&c.to_le_bytes());
        }
    }

    /// Appends `s` (as an integer when it is one, as `lpAppend`).
    pub fn push(lp: &mut Vec<u8>, s: &[u8]) {
        lp.pop();
        listpack::encode(lp, s);
        lp.push(0xFF);
        set_total(lp);
        add_count(lp, 1);
    }

    /// Appends an integer.
    pub fn push_int(lp: &mut Vec<u8>, v: i64) {
        lp.pop();
        listpack::encode_int(lp, v);
        lp.push(0xFF);
        set_total(lp);
        add_count(lp, 1);
    }

    /// Replaces the integer entry at `at`; returns how many bytes the listpack grew by.
    pub fn replace_int(lp: &mut Vec<u8>, at: usize, v: i64) -> isize {
        let end = listpack::skip(lp, at);
        let (enc, n) = listpack::int_entry(v);
        let delta = n as isize - (end - at) as isize;
        if delta == 0 {
            lp[at..end].copy_from_slice(&enc[..n]);
        } else {
            lp.splice(at..end, enc[..n].iter().copied());
            set_total(lp);
        }
        delta
    }

    /// The offset of the first entry.
    pub const FIRST: usize = 6;

    /// True at the terminator.
    pub fn at_end(lp: &[u8], at: usize) -> bool {
        at >= lp.len() - 1
    }
}

/// The header of a node: live and deleted counts, master fields.
struct Master {
    count: i64,
    deleted: i64,
    nfields: usize,
    /// Offset of the first master field.
    fields: usize,
    /// Offset of the first entry.
    first: usize,
}

fn master(lp: &[u8]) -> Master {
    let (count, p) = int_at(lp, node::FIRST);
    let (deleted, p) = int_at(lp, p);
    let (nfields, mut p) = int_at(lp, p);
    let fields = p;
    for _ in 0..nfields {
        p = listpack::entry_at(lp, p).1;
    }
    let (_, first) = listpack::entry_at(lp, p); // the master's 0 terminator
    Master {
        count,
        deleted,
        nfields: nfields as usize,
        fields,
        first,
    }
}

/// Reads the entry whose flags are at `at` in a node with master `m` and master ID `base`.
fn entry_at<'a>(lp: &'a [u8], m: &Master, base: Id, at: usize) -> EntryRef<'a> {
    let (flags, p) = int_at(lp, at);
    let (ms, p) = int_at(lp, p);
    let (seq, mut p) = int_at(lp, p);
    let same = flags & FLAG_SAMEFIELDS != 0;
    let nfields = if same {
        m.nfields
    } else {
        let (n, q) = int_at(lp, p);
        p = q;
        n as usize
    };
    let fields_at = p;
    let items = if same { nfields } else { nfields * 2 };
    for _ in 0..items {
        p = listpack::skip(lp, p);
    }
    let end = listpack::skip(lp, p); // lp-count
    EntryRef {
        id: Id::new(
            base.ms.wrapping_add(ms as u64),
            base.seq.wrapping_add(seq as u64),
        ),
        node: lp,
        master_fields: m.fields,
        fields_at,
        nfields,
        same,
        deleted: flags & FLAG_DELETED != 0,
        at,
        end,
    }
}

/// Every entry of a node (tombstones included), in order.
fn node_entries(lp: &[u8], base: Id) -> impl Iterator<Item = EntryRef<'_>> {
    let m = master(lp);
    let mut at = m.first;
    std::iter::from_fn(move || {
        if node::at_end(lp, at) {
            return None;
        }
        let e = entry_at(lp, &m, base, at);
        at = e.end;
        Some(e)
    })
}

/// Every entry of a node (tombstones included), last first: each entry's lp-count says how
/// many items to step back over to reach its flags, as Redis's reverse iterator reads them.
fn node_entries_rev(lp: &[u8], base: Id) -> impl Iterator<Item = EntryRef<'_>> {
    let m = master(lp);
    let mut end = lp.len() - 1;
    std::iter::from_fn(move || {
        if end <= m.first {
            return None;
        }
        let mut p = listpack::prev_at(lp, end)?;
        let (n, _) = int_at(lp, p);
        for _ in 0..n {
            p = listpack::prev_at(lp, p)?;
        }
        end = p;
        Some(entry_at(lp, &m, base, p))
    })
}

/// The ID of a node's last entry (tombstone or not).
fn node_last_id(lp: &[u8], base: Id) -> Id {
    node_entries_rev(lp, base).next().map_or(base, |e| e.id)
}

/// How a trim bounds the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trim {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Drop entries below this ID.
    MinId(Id),
}

/// A stream's nodes by master ID, in order: a sorted deque, not a B-tree. Nodes are added at
/// the end (XADD, loading) and leave mostly from the front (trims), which a deque does in
/// O(1); lookups are binary searches. A stream of one node costs one 40-byte slot here, where
/// a B-tree's first leaf is ~450 bytes (measured: 4.4 bytes more per entry than Redis on
/// 100-entry streams with the B-tree).
#[derive(Clone, Debug, Default, PartialEq)]
struct Nodes(std::collections::VecDeque<(Id, Vec<u8>)>);

impl Nodes {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn find(&self, k: &Id) -> Result<usize, usize> {
        self.0.binary_search_by(|(id, _)| id.cmp(k))
    }

    fn insert(&mut self, k: Id, lp: Vec<u8>) {
        if self.0.is_empty() {
            self.0.reserve_exact(1);
        }
        match self.0.back() {
            Some((last, _)) if *last < k => self.0.push_back((k, lp)),
            None => self.0.push_back((k, lp)),
            _ => match self.find(&k) {
                Ok(i) => self.0[i].1 = lp,
                Err(i) => self.0.insert(i, (k, lp)),
            },
        }
    }

    fn remove(&mut self, k: &Id) {
        if let Ok(i) = self.find(k) {
            if i == 0 {
                self.0.pop_front();
            } else {
                self.0.remove(i);
            }
        }
    }

    fn get(&self, k: &Id) -> Option<&Vec<u8>> {
        self.find(k).ok().map(|i| &self.0[i].1)
    }

    fn get_mut(&mut self, k: &Id) -> Option<&mut Vec<u8>> {
        self.find(k).ok().map(|i| &mut self.0[i].1)
    }

    /// Adds a node after every other (its master ID is above theirs).
    fn push_back(&mut self, k: Id, lp: Vec<u8>) {
        debug_assert!(self.last_key().is_none_or(|last| last < k));
        if self.0.is_empty() {
            self.0.reserve_exact(1);
        }
        self.0.push_back((k, lp));
    }

    /// The last node, for appends.
    fn last_mut(&mut self) -> Option<(Id, &mut Vec<u8>)> {
        self.0.back_mut().map(|(k, v)| (*k, v))
    }

    fn first_key(&self) -> Option<Id> {
        self.0.front().map(|(k, _)| *k)
    }

    fn last_key(&self) -> Option<Id> {
        self.0.back().map(|(k, _)| *k)
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = (&Id, &Vec<u8>)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    fn keys(&self) -> impl Iterator<Item = &Id> {
        self.0.iter().map(|(k, _)| k)
    }

    fn values(&self) -> impl Iterator<Item = &Vec<u8>> {
        self.0.iter().map(|(_, v)| v)
    }

    /// The nodes whose master IDs fall in `r`.
    fn range(
        &self,
        r: impl std::ops::RangeBounds<Id>,
    ) -> impl DoubleEndedIterator<Item = (&Id, &Vec<u8>)> {
        use std::ops::Bound::*;
        let lo = match r.start_bound() {
            Included(a) => self.0.partition_point(|(k, _)| k < a),
            Excluded(a) => self.0.partition_point(|(k, _)| k <= a),
            Unbounded => 0,
        };
        let hi = match r.end_bound() {
            Included(b) => self.0.partition_point(|(k, _)| k <= b),
            Excluded(b) => self.0.partition_point(|(k, _)| k < b),
            Unbounded => self.0.len(),
        };
        self.0.range(lo..hi.max(lo)).map(|(k, v)| (k, v))
    }
}

/// A stream's consumer groups by name: nothing but a null pointer for the many streams that
/// have none (a map is 24 bytes; this keeps [`Stream`] small enough to sit inside its
/// keyspace value without a box of its own).
#[derive(Clone, Debug, Default, PartialEq)]
// The box is the point: 8 bytes in the stream instead of the map's 24.
#[allow(clippy::box_collection)]
pub struct Groups(Option<Box<BTreeMap<Box<[u8]>, Group>>>);

impl Groups {
    /// Number of groups.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |m| m.len())
    }

    /// True without groups.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether group `name` exists.
    pub fn contains_key(&self, name: &[u8]) -> bool {
        self.get(name).is_some()
    }

    /// Group `name`.
    pub fn get(&self, name: &[u8]) -> Option<&Group> {
        self.0.as_ref()?.get(name)
    }

    /// Group `name`, to change.
    pub fn get_mut(&mut self, name: &[u8]) -> Option<&mut Group> {
        self.0.as_mut()?.get_mut(name)
    }

    /// Adds or replaces group `name`.
    pub fn insert(&mut self, name: Box<[u8]>, g: Group) -> Option<Group> {
        self.0.get_or_insert_with(Box::default).insert(name, g)
    }

    /// Removes group `name`.
    pub fn remove(&mut self, name: &[u8]) -> Option<Group> {
        let m = self.0.as_mut()?;
        let g = m.remove(name);
        if m.is_empty() {
            self.0 = None;
        }
        g
    }

    /// The groups, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&Box<[u8]>, &Group)> {
        self.0.iter().flat_map(|m| m.iter())
    }

    /// The groups.
    pub fn values(&self) -> impl Iterator<Item = &Group> {
        self.iter().map(|(_, g)| g)
    }
}

impl<'a> IntoIterator for &'a Groups {
    type Item = (&'a Box<[u8]>, &'a Group);
    type IntoIter = Box<dyn Iterator<Item = (&'a Box<[u8]>, &'a Group)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// A stream.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stream {
    nodes: Nodes,
    /// Live entries.
    pub length: u64,
    /// The last ID ever added (or set by XSETID).
    pub last_id: Id,
    /// The first live entry's ID (0-0 when empty).
    pub first_id: Id,
    /// The largest ID ever deleted.
    pub max_deleted: Id,
    /// Entries ever added.
    pub entries_added: u64,
    /// Consumer groups by name.
    pub groups: Groups,
}

/// Why an append failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendError {
    /// The ID is not above the last one (or no ID is left).
    NotGreater,
    /// The entry's fields and values exceed [`ENTRY_MAX_SIZE`].
    TooLarge,
}

impl Stream {
    /// An empty stream.
    pub fn new() -> Stream {
        Stream::default()
    }

    /// The nodes: master ID and listpack, in order (for RDB and DUMP).
    pub fn nodes(&self) -> impl Iterator<Item = (Id, &[u8])> {
        self.nodes.iter().map(|(k, v)| (*k, v.as_slice()))
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Adds a node loaded from a file (the caller validated it: see [`validate_node`]).
    pub fn insert_node(&mut self, master: Id, lp: Vec<u8>) {
        self.nodes.insert(master, lp);
    }

    /// The ID `*` gives now (`ms-*` when `ms` is given): None when no ID is left.
    pub fn next_id(&self, now: u64, ms: Option<u64>) -> Option<Id> {
        match ms {
            None => {
                if now > self.last_id.ms {
                    Some(Id::new(now, 0))
                } else {
                    self.last_id.next()
                }
            }
            Some(ms) if ms == self.last_id.ms => {
                (self.last_id.seq < u64::MAX).then(|| Id::new(ms, self.last_id.seq + 1))
            }
            Some(ms) => Some(Id::new(ms, 0)),
        }
    }

    /// Appends an entry with `id` and `fv` (field, value, field, value, ...), as Redis's
    /// `streamAppendItem`.
    pub fn append(&mut self, id: Id, fv: &[&[u8]], limits: NodeLimits) -> Result<(), AppendError> {
        if id <= self.last_id {
            return Err(AppendError::NotGreater);
        }
        let total: u64 = fv.iter().map(|s| s.len() as u64).sum();
        if total > ENTRY_MAX_SIZE {
            return Err(AppendError::TooLarge);
        }
        let numfields = fv.len() / 2;
        let max_bytes = if limits.max_bytes == 0 || limits.max_bytes > NODE_MAX_SIZE {
            NODE_MAX_SIZE
        } else {
            limits.max_bytes
        };
        // The tail node, if the entry fits in it (Redis's `streamAppendItem` checks the same).
        let mut tail = None;
        if let Some((k, lp)) = self.nodes.last_mut() {
            let m = master(lp);
            let full = lp.len() as u64 + total >= max_bytes
                || (limits.max_entries > 0 && (m.count + m.deleted) as u64 >= limits.max_entries);
            if full {
                lp.shrink_to_fit();
            } else {
                tail = Some((k, m));
            }
        }
        let (base, flags, lp) = match tail {
            None => {
                let prealloc = if limits.max_bytes > 0 && limits.max_bytes < 4096 {
                    limits.max_bytes as usize
                } else {
                    4096
                };
                let mut lp = Vec::with_capacity(prealloc);
                lp.extend_from_slice(&node::new());
                node::push_int(&mut lp, 1);
                node::push_int(&mut lp, 0);
                node::push_int(&mut lp, numfields as i64);
                for f in fv.iter().step_by(2) {
                    node::push(&mut lp, f);
                }
                node::push_int(&mut lp, 0);
                self.nodes.push_back(id, lp);
                let (_, lp) = self.nodes.last_mut().expect("just added");
                (id, FLAG_SAMEFIELDS, lp)
            }
            Some((k, m)) => {
                let (_, lp) = self.nodes.last_mut().expect("the tail node");
                let same = m.nfields == numfields && {
                    let mut p = m.fields;
                    fv.iter().step_by(2).all(|f| {
                        let (item, next) = listpack::entry_at(lp, p);
                        p = next;
                        let mut buf = [0u8; 20];
                        item_bytes(item, &mut buf) == *f
                    })
                };
                node::replace_int(lp, node::FIRST, m.count + 1);
                (k, if same { FLAG_SAMEFIELDS } else { 0 }, lp)
            }
        };
        node::push_int(lp, flags);
        node::push_int(lp, id.ms.wrapping_sub(base.ms) as i64);
        node::push_int(lp, id.seq.wrapping_sub(base.seq) as i64);
        let same = flags & FLAG_SAMEFIELDS != 0;
        if !same {
            node::push_int(lp, numfields as i64);
        }
        for pair in fv.chunks(2) {
            if !same {
                node::push(lp, pair[0]);
            }
            node::push(lp, pair[1]);
        }
        let mut lp_count = numfields as i64 + 3;
        if !same {
            lp_count += numfields as i64 + 1;
        }
        node::push_int(lp, lp_count);
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
        Ok(())
    }

    /// The live entries with IDs in `start..=end`, ascending, or descending when `rev`.
    pub fn range(
        &self,
        start: Id,
        end: Id,
        rev: bool,
    ) -> Box<dyn Iterator<Item = EntryRef<'_>> + '_> {
        if start > end {
            return Box::new(std::iter::empty());
        }
        let first = self
            .nodes
            .range(..=start)
            .next_back()
            .map_or(start, |(k, _)| *k);
        let nodes = self.nodes.range(first..=end);
        if rev {
            Box::new(
                nodes
                    .rev()
                    .flat_map(move |(k, lp)| node_entries_rev(lp, *k))
                    .skip_while(move |e| e.id > end)
                    .take_while(move |e| e.id >= start)
                    .filter(move |e| !e.deleted),
            )
        } else {
            Box::new(
                nodes
                    .flat_map(move |(k, lp)| node_entries(lp, *k))
                    .skip_while(move |e| e.id < start)
                    .take_while(move |e| e.id <= end)
                    .filter(move |e| !e.deleted),
            )
        }
    }

    /// The live entry `id`.
    pub fn get(&self, id: Id) -> Option<EntryRef<'_>> {
        self.range(id, id, false).next()
    }

    /// The last live entry.
    pub fn last_entry(&self) -> Option<EntryRef<'_>> {
        self.range(Id::MIN, Id::MAX, true).next()
    }

    /// The ID of the last live entry (0-0 when empty), Redis's `streamLastValidID`.
    pub fn last_valid_id(&self) -> Id {
        self.last_entry().map_or(Id::MIN, |e| e.id)
    }

    fn refresh_first_id(&mut self) {
        self.first_id = if self.length == 0 {
            Id::MIN
        } else {
            self.range(Id::MIN, Id::MAX, false)
                .next()
                .map_or(Id::MAX, |e| e.id)
        };
    }

    /// Marks the entry at `at` of node `base` deleted and updates the node's counters;
    /// drops the node when it has no live entry left.
    fn tombstone(&mut self, base: Id, at: usize, flags: i64) {
        let Some(lp) = self.nodes.get_mut(&base) else {
            return;
        };
        let delta = node::replace_int(lp, at, flags | FLAG_DELETED);
        debug_assert_eq!(delta, 0);
        let m = master(lp);
        if m.count <= 1 {
            self.nodes.remove(&base);
        } else {
            let (_, p) = listpack::entry_at(lp, node::FIRST);
            node::replace_int(lp, p, m.deleted + 1);
            node::replace_int(lp, node::FIRST, m.count - 1);
        }
        self.length -= 1;
    }

    /// XDEL of one ID: true when a live entry was deleted. The caller updates `first_id`
    /// through [`Stream::deleted`] once all IDs are done.
    pub fn delete(&mut self, id: Id) -> bool {
        let Some((base, lp)) = self.nodes.range(..=id).next_back() else {
            return false;
        };
        let base = *base;
        let found = node_entries(lp, base)
            .find(|e| e.id == id)
            .filter(|e| !e.deleted)
            .map(|e| (e.at, if e.same { FLAG_SAMEFIELDS } else { 0 }));
        let Some((at, flags)) = found else {
            return false;
        };
        self.tombstone(base, at, flags);
        if id > self.max_deleted {
            self.max_deleted = id;
        }
        true
    }

    /// After deletions: the first ID again.
    pub fn deleted(&mut self) {
        self.refresh_first_id();
    }

    /// Redis's `streamTrim`: removes entries from the head per `trim`; with `approx` only
    /// whole nodes; `limit` (0: none) bounds the entries removed. Returns how many were.
    pub fn trim(&mut self, trim: Trim, approx: bool, limit: u64) -> u64 {
        let mut deleted = 0u64;
        // Every pass removes the first node or ends the loop.
        while let Some(base) = self.nodes.first_key() {
            if let Trim::MaxLen(max) = trim {
                if self.length <= max {
                    break;
                }
            }
            let lp = self.nodes.get(&base).expect("the node");
            let m = master(lp);
            let entries = m.count as u64;
            if limit > 0 && deleted + entries > limit {
                break;
            }
            let remove = match trim {
                Trim::MaxLen(max) => self.length - entries >= max,
                Trim::MinId(min) => node_last_id(lp, base) < min,
            };
            if remove {
                self.nodes.remove(&base);
                self.length -= entries;
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            // Tombstones inside this node, from its first entry on.
            let mut marks = Vec::new();
            let mut length = self.length;
            for e in node_entries(lp, base) {
                let stop = match trim {
                    Trim::MaxLen(max) => length <= max,
                    Trim::MinId(min) => e.id >= min,
                };
                if stop {
                    break;
                }
                if !e.deleted {
                    marks.push((e.at, if e.same { FLAG_SAMEFIELDS } else { 0 }));
                    length -= 1;
                }
            }
            let lp = self.nodes.get_mut(&base).expect("the node");
            for (at, flags) in &marks {
                let delta = node::replace_int(lp, *at, flags | FLAG_DELETED);
                debug_assert_eq!(delta, 0);
            }
            let n = marks.len() as i64;
            let (_, p) = listpack::entry_at(lp, node::FIRST);
            node::replace_int(lp, p, m.deleted + n);
            node::replace_int(lp, node::FIRST, m.count - n);
            self.length -= n as u64;
            deleted += n as u64;
            // Redis keeps a node whose live count reached 0 here (it is freed by the next
            // trim or XDEL that reaches it).
            break;
        }
        if self.length == 0 {
            self.first_id = Id::MIN;
        } else if deleted > 0 {
            self.refresh_first_id();
        }
        deleted
    }

    /// Redis's `streamRangeHasTombstones` for `start..=end`.
    pub fn has_tombstones(&self, start: Id, end: Id) -> bool {
        if self.length == 0 || self.max_deleted.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted {
            return false;
        }
        start <= self.max_deleted && self.max_deleted <= end
    }

    /// Redis's `streamEstimateDistanceFromFirstEverEntry`: the logical read counter of `id`,
    /// [`INVALID_READ`] when it cannot be known. As in 7.0 (later versions also give up on an
    /// ID below the last tombstone; 7.0 does not).
    pub fn estimate_read(&self, id: Id) -> i64 {
        let added = self.entries_added as i64;
        if self.entries_added == 0 {
            return 0;
        }
        if self.length == 0 && id <= self.last_id {
            return added;
        }
        match id.cmp(&self.last_id) {
            std::cmp::Ordering::Equal => return added,
            std::cmp::Ordering::Greater => return INVALID_READ,
            std::cmp::Ordering::Less => {}
        }
        if self.max_deleted.is_zero() || self.max_deleted < self.first_id {
            match id.cmp(&self.first_id) {
                std::cmp::Ordering::Less => return added - self.length as i64,
                std::cmp::Ordering::Equal => return added - self.length as i64 + 1,
                std::cmp::Ordering::Greater => {}
            }
        }
        INVALID_READ
    }

    /// A group's lag (None when it cannot be known), as XINFO GROUPS reports it.
    pub fn lag(&self, g: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        let added = self.entries_added as i64;
        if g.entries_read != INVALID_READ && !self.has_tombstones(g.last_id, Id::MAX) {
            return Some(added - g.entries_read);
        }
        let read = self.estimate_read(g.last_id);
        (read != INVALID_READ).then(|| added - read)
    }

    /// A group's counter after delivering `id` (above its last ID), as `streamReplyWithRange`.
    pub fn advance_group(&self, g: &mut Group, id: Id) {
        if g.entries_read != INVALID_READ && !self.has_tombstones(id, Id::MAX) {
            g.entries_read += 1;
        } else if self.entries_added > 0 {
            g.entries_read = self.estimate_read(id);
        }
        g.last_id = id;
    }

    /// The number of nodes in Redis's radix tree of these node keys (XINFO STREAM's
    /// `radix-tree-nodes`): a compressed trie over the 16-byte keys.
    pub fn rax_nodes(&self) -> u64 {
        let keys: Vec<[u8; 16]> = self.nodes.keys().map(|k| k.to_bytes()).collect();
        if keys.is_empty() {
            return 1;
        }
        rax_count(&keys, 0)
    }

    /// Bytes held by the nodes and groups, roughly as Redis's `objectComputeSize` counts them.
    pub fn allocated(&self) -> usize {
        let nodes: usize = self.nodes.values().map(|lp| lp.capacity() + 48).sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|(name, g)| {
                name.len()
                    + 64
                    + g.pel.len() * 56
                    + g.consumers
                        .iter()
                        .map(|(n, c)| n.len() + 48 + c.pel.len() * 24)
                        .sum::<usize>()
            })
            .sum();
        nodes + groups
    }
}

/// Nodes of a compressed radix tree holding `keys` (sorted, distinct, same length) below a
/// node at `depth`.
fn rax_count(keys: &[[u8; 16]], depth: usize) -> u64 {
    if depth >= 16 {
        return 1;
    }
    if keys.len() == 1 {
        return 2;
    }
    let (first, last) = (&keys[0], &keys[keys.len() - 1]);
    let mut lcp = depth;
    while lcp < 16 && first[lcp] == last[lcp] {
        lcp += 1;
    }
    if lcp > depth {
        return 1 + rax_count(keys, lcp);
    }
    let mut total = 1;
    let mut i = 0;
    while i < keys.len() {
        let b = keys[i][depth];
        let mut j = i;
        while j < keys.len() && keys[j][depth] == b {
            j += 1;
        }
        total += rax_count(&keys[i..j], depth + 1);
        i = j;
    }
    total
}

/// Checks a node read from a file as Redis's deep sanitization of stream listpacks does:
/// the master entry, every entry's layout and lp-count, IDs ascending from `base` and not past
/// `last_id`, the live and deleted counts. Returns the live count.
pub fn validate_node(lp: &[u8], base: Id, last_id: Id) -> Result<u64, String> {
    let items = listpack::decode(lp)?;
    let int = |i: usize| -> Result<i64, String> {
        match items.get(i) {
            Some(Item::Int(v)) => Ok(*v),
            Some(Item::Str(s)) => resp::number::parse_i64(s)
                .ok_or_else(|| "stream listpack integer expected".to_string()),
            None => Err("stream listpack ends early".to_string()),
        }
    };
    let count = int(0)?;
    let deleted = int(1)?;
    let nfields = int(2)?;
    if count < 0 || deleted < 0 || nfields < 0 {
        return Err("negative stream listpack counter".into());
    }
    let nf = nfields as usize;
    let mut i = 3usize.checked_add(nf).ok_or("too many master fields")?;
    if int(i)? != 0 {
        return Err("stream master entry without its terminator".into());
    }
    i += 1;
    let (mut live, mut dead) = (0i64, 0i64);
    let mut prev: Option<Id> = None;
    while i < items.len() {
        let start = i;
        let flags = int(i)?;
        let ms = int(i + 1)?;
        let seq = int(i + 2)?;
        i += 3;
        let id = Id::new(
            base.ms.wrapping_add(ms as u64),
            base.seq.wrapping_add(seq as u64),
        );
        if id < base || prev.is_some_and(|p| id <= p) || id > last_id {
            return Err(format!("stream entry ID {id} out of order"));
        }
        prev = Some(id);
        let n = if flags & FLAG_SAMEFIELDS != 0 {
            nf
        } else {
            let n = int(i)?;
            if n < 0 {
                return Err("negative field count".into());
            }
            i += 1;
            n as usize * 2
        };
        i = i.checked_add(n).ok_or("stream entry too long")?;
        if i > items.len() {
            return Err("stream entry runs past its listpack".into());
        }
        let lp_count = int(i)?;
        i += 1;
        if lp_count != (i - 1 - start) as i64 {
            return Err("stream entry lp-count mismatch".into());
        }
        if flags & FLAG_DELETED != 0 {
            dead += 1;
        } else {
            live += 1;
        }
    }
    if live != count || dead != deleted {
        return Err("stream node counters do not match its entries".into());
    }
    if live == 0 {
        return Err("empty stream node".into());
    }
    Ok(live as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: NodeLimits = NodeLimits {
        max_bytes: 4096,
        max_entries: 100,
    };

    fn add(s: &mut Stream, ms: u64, fv: &[&str]) {
        let fv: Vec<&[u8]> = fv.iter().map(|x| x.as_bytes()).collect();
        s.append(Id::new(ms, 0), &fv, LIMITS).unwrap();
    }

    fn ids(s: &Stream, rev: bool) -> Vec<u64> {
        s.range(Id::MIN, Id::MAX, rev).map(|e| e.id.ms).collect()
    }

    fn text(e: &EntryRef<'_>) -> Vec<String> {
        e.fields()
            .flat_map(|(f, v)| [f.to_vec(), v.to_vec()])
            .map(|b| String::from_utf8(b).unwrap())
            .collect()
    }

    #[test]
    fn parses_ids_as_redis() {
        let p = |s: &str| parse_id(s.as_bytes(), 0, false, true).map(|p| (p.id, p.seq_given));
        assert_eq!(p("1-2"), Some((Id::new(1, 2), true)));
        assert_eq!(p("5"), Some((Id::new(5, 0), true)));
        assert_eq!(p("5-*"), Some((Id::new(5, 0), false)));
        assert_eq!(p("-"), Some((Id::MIN, true)));
        assert_eq!(p("+"), Some((Id::MAX, true)));
        assert_eq!(
            p("18446744073709551615-18446744073709551615"),
            Some((Id::MAX, true))
        );
        assert_eq!(p("18446744073709551616"), None);
        assert_eq!(p("-1"), None);
        assert_eq!(p("1-x"), None);
        assert_eq!(p(""), None);
        assert_eq!(p("+5"), Some((Id::new(5, 0), true)));
        assert_eq!(parse_id(b"-", 0, true, false), None);
        assert_eq!(parse_id(b"1-*", 0, false, false), None);
        assert_eq!(
            parse_id(b"7", u64::MAX, false, false).unwrap().id,
            Id::new(7, u64::MAX)
        );
    }

    #[test]
    fn appends_reads_and_compresses_like_redis() {
        let mut s = Stream::new();
        add(&mut s, 1, &["a", "1", "b", "x"]);
        add(&mut s, 2, &["a", "2", "b", "y"]);
        add(&mut s, 3, &["c", "300"]);
        assert_eq!(s.length, 3);
        assert_eq!(ids(&s, false), [1, 2, 3]);
        assert_eq!(ids(&s, true), [3, 2, 1]);
        assert_eq!(text(&s.get(Id::new(2, 0)).unwrap()), ["a", "2", "b", "y"]);
        assert_eq!(text(&s.get(Id::new(3, 0)).unwrap()), ["c", "300"]);
        assert_eq!(s.node_count(), 1);
        // Redis: master (1 0 2 a b 0), entry 1 SAMEFIELDS (2 0 0 1 x 5), entry 2 (2 1 0 2 y
        // 5), entry 3 (0 2 0 1 c 300 6).
        let (_, lp) = s.nodes().next().unwrap();
        let items: Vec<Vec<u8>> = listpack::decode(lp)
            .unwrap()
            .into_iter()
            .map(|i| i.to_vec())
            .collect();
        let want: Vec<&str> = "3 0 2 a b 0 2 0 0 1 x 5 2 1 0 2 y 5 0 2 0 1 c 300 6"
            .split(' ')
            .collect();
        assert_eq!(
            items,
            want.iter()
                .map(|w| w.as_bytes().to_vec())
                .collect::<Vec<_>>()
        );
        assert_eq!(validate_node(lp, Id::new(1, 0), s.last_id), Ok(3));
    }

    #[test]
    fn splits_nodes_at_the_entry_limit_and_rejects_old_ids() {
        let mut s = Stream::new();
        for ms in 1..=250 {
            add(&mut s, ms, &["f", "v"]);
        }
        assert_eq!(s.node_count(), 3);
        // As Redis 7.0 reports for the same XADDs.
        assert_eq!(s.rax_nodes(), 8);
        let fv: [&[u8]; 2] = [b"f", b"v"];
        assert_eq!(
            s.append(Id::new(250, 0), &fv, LIMITS),
            Err(AppendError::NotGreater)
        );
        assert_eq!(s.range(Id::new(99, 0), Id::new(102, 0), false).count(), 4);
        assert_eq!(
            s.range(Id::new(99, 0), Id::new(102, 0), true)
                .map(|e| e.id.ms)
                .collect::<Vec<_>>(),
            [102, 101, 100, 99]
        );
    }

    #[test]
    fn a_stream_fits_in_the_keyspace_value_without_growing_it() {
        // Held in place in `Big`, whose size the sorted set sets: a larger stream would grow
        // every large collection's allocation.
        assert!(std::mem::size_of::<Stream>() <= std::mem::size_of::<crate::types::zset::ZBig>());
        assert_eq!(std::mem::size_of::<Groups>(), 8);
    }

    #[test]
    fn reverse_ranges_walk_nodes_backwards_past_tombstones() {
        let mut s = Stream::new();
        let limits = NodeLimits {
            max_bytes: 4096,
            max_entries: 4,
        };
        for ms in 1..=30u64 {
            // Entries of other fields than the node's master take the long form.
            let fv: Vec<&[u8]> = if ms % 3 == 0 {
                vec![b"other", b"x", b"more", b"y"]
            } else {
                vec![b"f", b"v"]
            };
            s.append(Id::new(ms, 0), &fv, limits).unwrap();
        }
        for ms in [1u64, 4, 5, 6, 7, 8, 17, 30] {
            assert!(s.delete(Id::new(ms, 0)));
        }
        s.deleted();
        let forward = ids(&s, false);
        let mut backward = ids(&s, true);
        backward.reverse();
        assert_eq!(forward, backward);
        assert_eq!(s.last_valid_id(), Id::new(29, 0));
        let mid: Vec<u64> = s
            .range(Id::new(3, 0), Id::new(18, 0), true)
            .map(|e| e.id.ms)
            .collect();
        assert_eq!(mid, [18, 16, 15, 14, 13, 12, 11, 10, 9, 3]);
        let fields: Vec<Vec<String>> = s
            .range(Id::new(9, 0), Id::new(10, 0), true)
            .map(|e| text(&e))
            .collect();
        assert_eq!(fields, [vec!["f", "v"], vec!["other", "x", "more", "y"]]);
    }

    #[test]
    fn deletes_and_trims_with_tombstones() {
        let mut s = Stream::new();
        for ms in 1..=10 {
            add(&mut s, ms, &["f", "v"]);
        }
        assert!(s.delete(Id::new(1, 0)));
        assert!(!s.delete(Id::new(1, 0)));
        s.deleted();
        assert_eq!(s.first_id, Id::new(2, 0));
        assert_eq!(s.max_deleted, Id::new(1, 0));
        assert_eq!(s.trim(Trim::MaxLen(5), false, 0), 4);
        assert_eq!(ids(&s, false), [6, 7, 8, 9, 10]);
        assert_eq!(s.trim(Trim::MinId(Id::new(8, 0)), false, 0), 2);
        assert_eq!(ids(&s, true), [10, 9, 8]);
        // Approximate trimming never cuts inside a node.
        assert_eq!(s.trim(Trim::MaxLen(1), true, 0), 0);
        assert_eq!(s.trim(Trim::MaxLen(0), false, 0), 3);
        assert_eq!(s.length, 0);
        assert_eq!(s.first_id, Id::MIN);
    }

    #[test]
    fn estimates_read_counters_as_redis() {
        let mut s = Stream::new();
        for ms in 1..=5 {
            add(&mut s, ms, &["f", "v"]);
        }
        assert_eq!(s.estimate_read(Id::new(5, 0)), 5);
        assert_eq!(s.estimate_read(Id::new(1, 0)), 1);
        assert_eq!(s.estimate_read(Id::MIN), 0);
        assert_eq!(s.estimate_read(Id::new(3, 0)), INVALID_READ);
        let g = Group::new(Id::MIN, 0);
        assert_eq!(s.lag(&g), Some(5));
        s.delete(Id::new(3, 0));
        s.deleted();
        let g = Group::new(Id::new(2, 0), INVALID_READ);
        assert_eq!(s.lag(&g), None);
    }

    #[test]
    fn counts_radix_tree_nodes() {
        let mut s = Stream::new();
        assert_eq!(s.rax_nodes(), 1);
        add(&mut s, 1, &["a", "1"]);
        assert_eq!(s.rax_nodes(), 2);
        // Redis 7.0 after XADD s <i*7919>-<i> f v for i in 1..=1000: 10 nodes, 22 rax nodes.
        let mut s = Stream::new();
        for i in 1..=1000u64 {
            let fv: [&[u8]; 2] = [b"f", b"v"];
            s.append(Id::new(i * 7919, i), &fv, LIMITS).unwrap();
        }
        assert_eq!(s.node_count(), 10);
        assert_eq!(s.rax_nodes(), 22);
    }
}
