//! Sorted sets: a [`pack`] of member, score pairs kept in (score, member) order while within
//! `zset-max-listpack-entries` and `-value`, else a [`ZBig`]: a member → score table for O(1)
//! ZSCORE plus an order-statistics list ([`crate::ostree`]) for O(log n) ranks and ranges.
//!
//! Order is Redis's: by score, then by member bytes. Scores are never NaN (every command refuses
//! NaN before it gets here), so the float comparison is total.

use super::{hash_of, hasher, pack, Big, Limits, Open, View};
use crate::entry::{Entry, EntryMeta, EntryRef};
use crate::ostree::OsList;
use crate::table::Table;
use std::cmp::Ordering;

/// An ordered-index item: the score and the member's entry in the table, whose key bytes are
/// the member (stored once).
#[derive(Clone, Copy)]
pub struct ZItem {
    score: f64,
    entry: *mut u8,
}

// SAFETY: the pointer refers to an entry owned by the same ZBig, which is only reached through
// its shard's lock.
unsafe impl Send for ZItem {}
unsafe impl Sync for ZItem {}

impl ZItem {
    /// The member.
    pub fn member(&self) -> &[u8] {
        // SAFETY: an item lives in the list only while its entry lives in the table (removal
        // and rescoring update the list first), and the entry is never moved while listed.
        unsafe { EntryRef::from_ptr(self.entry).key() }
    }

    /// The score.
    pub fn score(&self) -> f64 {
        self.score
    }
}

impl PartialEq for ZItem {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for ZItem {}
impl PartialOrd for ZItem {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ZItem {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_score_member(self.score, self.member(), other.score, other.member())
    }
}

/// Redis's sorted-set order.
pub fn cmp_score_member(a: f64, am: &[u8], b: f64, bm: &[u8]) -> Ordering {
    a.partial_cmp(&b)
        .unwrap_or(Ordering::Equal)
        .then_with(|| am.cmp(bm))
}

/// A large sorted set.
#[derive(Default)]
pub struct ZBig {
    dict: Table,
    list: OsList<ZItem>,
}

impl Clone for ZBig {
    fn clone(&self) -> ZBig {
        let mut z = ZBig::default();
        for it in self.list.iter() {
            z.insert(it.member(), it.score);
        }
        z
    }
}

fn score_bytes(s: f64) -> [u8; 8] {
    s.to_le_bytes()
}

fn score_of(e: &EntryRef<'_>) -> f64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(e.value());
    f64::from_le_bytes(a)
}

impl ZBig {
    /// Estimated bytes (MEMORY USAGE): the member table, sampled, and the ranked list.
    pub fn usage(&self, samples: usize) -> usize {
        super::table_usage(&self.dict, samples) + self.list.heap_bytes()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.dict.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.dict.get(hash_of(member), member).map(|e| score_of(&e))
    }

    fn item(&self, member: &[u8]) -> Option<ZItem> {
        let e = self.dict.get(hash_of(member), member)?;
        Some(ZItem {
            score: score_of(&e),
            entry: entry_ptr(&e),
        })
    }

    /// Adds `member` or changes its score; returns the previous score.
    pub fn insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        self.upsert(member, |_| Some(score)).0
    }

    /// Looks `member` up once and gives it the score `decide` returns for its current one
    /// (None: leave it as it is). Returns the old and the new score.
    pub fn upsert(
        &mut self,
        member: &[u8],
        decide: impl FnOnce(Option<f64>) -> Option<f64>,
    ) -> (Option<f64>, Option<f64>) {
        let h = hash_of(member);
        let found = self.dict.get(h, member).map(|e| ZItem {
            score: score_of(&e),
            entry: entry_ptr(&e),
        });
        let cur = found.map(|it| it.score);
        let Some(score) = decide(cur) else {
            return (cur, None);
        };
        match found {
            // An equal score (0 and -0 included) changes nothing, as in Redis.
            Some(old) if old.score == score => {}
            Some(old) => {
                self.list.remove(&old);
                // SAFETY: the entry is owned by our table and we hold `&mut self`.
                let e = unsafe { EntryRef::from_ptr(old.entry) };
                e.overwrite(&score_bytes(score), EntryMeta::default());
                self.list.insert(ZItem {
                    score,
                    entry: old.entry,
                });
            }
            None => {
                let entry = Entry::new(member, &score_bytes(score), EntryMeta::default());
                // The allocation keeps its address in the table.
                let p = entry.view().as_ptr();
                self.dict.insert_new(h, entry, hasher());
                self.list.insert(ZItem { score, entry: p });
            }
        }
        (cur, Some(score))
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let it = self.item(member)?;
        self.list.remove(&it);
        self.dict.remove(hash_of(member), member, hasher());
        Some(it.score)
    }

    /// The member → score table (ZSCAN walks it).
    pub fn table(&self) -> &Table {
        &self.dict
    }

    /// The ordered list.
    pub fn list(&self) -> &OsList<ZItem> {
        &self.list
    }

    /// Removes the members ranked `start..end`, returning them in order.
    pub fn remove_ranks(&mut self, start: usize, end: usize) -> Vec<(Vec<u8>, f64)> {
        let mut gone = Vec::new();
        self.list.remove_range(start, end, |it| {
            gone.push((it.member().to_vec(), it.score));
        });
        for (m, _) in &gone {
            self.dict.remove(hash_of(m), m, hasher());
        }
        gone
    }
}

fn entry_ptr(e: &EntryRef<'_>) -> *mut u8 {
    e.as_ptr()
}

/// Number of members.
pub fn len(v: View<'_>) -> usize {
    match v {
        View::Packed(b) => pack::count(b) / 2,
        View::Big(Big::ZSet(z)) => z.len(),
        View::Big(_) => 0,
    }
}

/// Decodes a compact sorted set: (member, score) in order.
fn decode(b: &[u8]) -> Vec<(&[u8], f64)> {
    let mut out = Vec::with_capacity(pack::count(b) / 2);
    let mut it = pack::iter(b);
    while let (Some((_, m)), Some((_, s))) = (it.next(), it.next()) {
        out.push((m, pack::decode_score(s)));
    }
    out
}

/// The score of `member`.
pub fn score(v: View<'_>, member: &[u8]) -> Option<f64> {
    match v {
        View::Packed(b) => decode(b)
            .into_iter()
            .find(|(m, _)| *m == member)
            .map(|(_, s)| s),
        View::Big(Big::ZSet(z)) => z.score(member),
        View::Big(_) => None,
    }
}

/// A sorted set's members by rank, for range queries over either encoding.
pub enum Ranked<'a> {
    /// A decoded compact set.
    Packed(Vec<(&'a [u8], f64)>),
    /// The ordered list of a large set.
    Big(&'a OsList<ZItem>),
}

impl<'a> Ranked<'a> {
    /// Opens a view for ranked access.
    pub fn of(v: View<'a>) -> Ranked<'a> {
        match v {
            View::Packed(b) => Ranked::Packed(decode(b)),
            View::Big(Big::ZSet(z)) => Ranked::Big(&z.list),
            View::Big(_) => Ranked::Packed(Vec::new()),
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            Ranked::Packed(v) => v.len(),
            Ranked::Big(l) => l.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of leading members (in ascending order) for which `pred(member, score)` holds;
    /// `pred` must be monotone.
    pub fn partition_point(&self, mut pred: impl FnMut(&[u8], f64) -> bool) -> usize {
        match self {
            Ranked::Packed(v) => v.partition_point(|(m, s)| pred(m, *s)),
            Ranked::Big(l) => l.partition_point(|it| pred(it.member(), it.score)),
        }
    }

    /// Members ranked `start..=end` (ascending ranks), in ascending or (`rev`) descending order.
    pub fn range(&self, start: usize, end: usize, rev: bool) -> Vec<(&'a [u8], f64)> {
        if start > end || start >= self.len() {
            return Vec::new();
        }
        let end = end.min(self.len() - 1);
        let n = end - start + 1;
        match self {
            Ranked::Packed(v) => {
                let mut out = v[start..=end].to_vec();
                if rev {
                    out.reverse();
                }
                out
            }
            Ranked::Big(l) => {
                if rev {
                    l.iter_rev_from(end)
                        .take(n)
                        .map(|it| (it.member(), it.score))
                        .collect()
                } else {
                    l.iter_from(start)
                        .take(n)
                        .map(|it| (it.member(), it.score))
                        .collect()
                }
            }
        }
    }

    /// The member of ascending rank `i`.
    pub fn at(&self, i: usize) -> Option<(&'a [u8], f64)> {
        match self {
            Ranked::Packed(v) => v.get(i).copied(),
            Ranked::Big(l) => l.get(i).map(|it| (it.member(), it.score)),
        }
    }

    /// The 0-based ascending rank of `member` with `score`.
    pub fn rank(&self, member: &[u8], score: f64) -> usize {
        self.partition_point(|m, s| cmp_score_member(s, m, score, member) == Ordering::Less)
    }
}

/// `count` (member, score) pairs at random (distinct when `unique`), in O(count log N): each
/// pick is a random rank (see [`crate::rand::choose`]).
pub fn sample(v: View<'_>, count: usize, unique: bool) -> Vec<(&[u8], f64)> {
    crate::rand::collect(|each| sample_each(v, count, unique, each))
}

/// [`sample`], each pair given to `each` as it is picked (false stops).
pub fn sample_each<'a>(
    v: View<'a>,
    count: usize,
    unique: bool,
    mut each: impl FnMut((&'a [u8], f64)) -> bool,
) {
    let r = Ranked::of(v);
    let n = r.len();
    crate::rand::choose_index(n, count, unique, |i| r.at(i).is_none_or(&mut each))
}

/// Every (member, score) in order.
pub fn items(v: View<'_>) -> Vec<(&[u8], f64)> {
    match v {
        View::Packed(b) => decode(b),
        View::Big(Big::ZSet(z)) => z.list.iter().map(|it| (it.member(), it.score)).collect(),
        View::Big(_) => Vec::new(),
    }
}

/// The large form of a compact sorted set (SORT converts the sorted sets it reads, as Redis
/// does).
pub fn to_skiplist(b: &[u8]) -> Big {
    Big::ZSet(to_big(b))
}

fn to_big(b: &[u8]) -> ZBig {
    let mut z = ZBig::default();
    for (m, s) in decode(b) {
        z.insert(m, s);
    }
    z
}

/// Adds `member` with `score` or changes its score; returns the previous score.
pub fn insert(o: &mut Open<'_>, limits: &Limits, member: &[u8], score: f64) -> Option<f64> {
    if let Open::Packed(b) = o {
        let n = pack::count(b) / 2;
        let known = decode(b).iter().any(|(m, _)| *m == member);
        let too_many = !known && !Limits::fits(limits.zset_entries, n + 1);
        if too_many || !Limits::fits(limits.zset_value, member.len()) {
            let z = to_big(b);
            o.convert(Big::ZSet(z));
        }
    }
    if matches!(o, Open::Packed(_)) {
        let old = remove(o, member);
        if let Open::Packed(b) = o {
            let pos = decode(b)
                .iter()
                .position(|(m, s)| cmp_score_member(*s, m, score, member) == Ordering::Greater);
            let off = match pos {
                Some(p) => pack::iter(b).nth(2 * p).map_or(b.len(), |(off, _)| off),
                None => b.len(),
            };
            // Redis's listpack stores -0 as 0 (its skiplist keeps -0, and so does ZBig).
            let (enc, n) = pack::encode_score(score + 0.0);
            pack::insert(b, off, &[member, &enc[..n]]);
        }
        return old;
    }
    match o.big() {
        Some(Big::ZSet(z)) => z.insert(member, score),
        _ => None,
    }
}

/// Looks `member` up and gives it the score `decide` returns for its current one (None: leave
/// it); one lookup in a large sorted set. Returns the old and the new score.
pub fn upsert(
    o: &mut Open<'_>,
    limits: &Limits,
    member: &[u8],
    decide: impl FnOnce(Option<f64>) -> Option<f64>,
) -> (Option<f64>, Option<f64>) {
    if let Some(Big::ZSet(z)) = o.big() {
        return z.upsert(member, decide);
    }
    let cur = score(o.view(), member);
    match decide(cur) {
        None => (cur, None),
        Some(s) => {
            insert(o, limits, member, s);
            (cur, Some(s))
        }
    }
}

/// Removes `member`; returns its score.
pub fn remove(o: &mut Open<'_>, member: &[u8]) -> Option<f64> {
    match o {
        Open::Packed(b) => {
            let mut it = pack::iter(b);
            while let (Some((off, m)), Some((_, s))) = (it.next(), it.next()) {
                if m == member {
                    let score = pack::decode_score(s);
                    pack::remove(b, off, 2);
                    return Some(score);
                }
            }
            None
        }
        _ => match o.big() {
            Some(Big::ZSet(z)) => z.remove(member),
            _ => None,
        },
    }
}

/// Removes the members ranked `start..=end` (ascending), returning them in order.
pub fn remove_ranks(o: &mut Open<'_>, start: usize, end: usize) -> Vec<(Vec<u8>, f64)> {
    match o {
        Open::Packed(b) => {
            let all = decode(b);
            if start > end || start >= all.len() {
                return Vec::new();
            }
            let end = end.min(all.len() - 1);
            let gone: Vec<(Vec<u8>, f64)> = all[start..=end]
                .iter()
                .map(|(m, s)| (m.to_vec(), *s))
                .collect();
            let off = pack::iter(b).nth(2 * start).map_or(b.len(), |(o, _)| o);
            pack::remove(b, off, 2 * gone.len());
            gone
        }
        _ => match o.big() {
            Some(Big::ZSet(z)) => z.remove_ranks(start, end.saturating_add(1)),
            _ => Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn model_items(m: &BTreeMap<Vec<u8>, f64>) -> Vec<(Vec<u8>, f64)> {
        let mut v: Vec<(Vec<u8>, f64)> = m.iter().map(|(k, s)| (k.clone(), *s)).collect();
        v.sort_by(|a, b| cmp_score_member(a.1, &a.0, b.1, &b.0));
        v
    }

    #[test]
    fn behaves_like_a_sorted_map_across_the_conversion() {
        let limits = Limits {
            zset_entries: 10,
            zset_value: 12,
            ..Limits::default()
        };
        let mut o = Open::Packed(pack::new());
        let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
        let mut x = 3u64;
        for _ in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let m = if (x >> 30).is_multiple_of(97) {
                vec![b'm'; 13]
            } else {
                format!("m{}", (x >> 33) % 25).into_bytes()
            };
            let s = match (x >> 45) % 4 {
                0 => ((x >> 50) % 5) as f64,
                1 => -1.5,
                2 => f64::INFINITY,
                _ => 0.25 * ((x >> 52) % 7) as f64,
            };
            match (x >> 58) % 4 {
                0 => assert_eq!(remove(&mut o, &m), model.remove(&m)),
                1 => {
                    let n = len(o.view());
                    if n > 0 {
                        let (a, b) = (((x >> 8) as usize) % n, ((x >> 16) as usize) % n);
                        let (a, b) = (a.min(b), a.max(b));
                        let gone = remove_ranks(&mut o, a, b);
                        let want: Vec<(Vec<u8>, f64)> = model_items(&model)[a..=b].to_vec();
                        for (k, _) in &want {
                            model.remove(k);
                        }
                        assert_eq!(gone, want);
                    }
                }
                _ => assert_eq!(insert(&mut o, &limits, &m, s), model.insert(m, s)),
            }
            let got: Vec<(Vec<u8>, f64)> = items(o.view())
                .into_iter()
                .map(|(m, s)| (m.to_vec(), s))
                .collect();
            assert_eq!(got, model_items(&model));
            let r = Ranked::of(o.view());
            for (i, (m, s)) in model_items(&model).iter().enumerate() {
                assert_eq!(r.rank(m, *s), i);
                assert_eq!(score(o.view(), m), Some(*s));
            }
        }
        assert!(matches!(o, Open::New(_)));
    }
}
