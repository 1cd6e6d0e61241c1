//! Sets: an [`intset`] while every member is an integer and there are at most
//! `set-max-intset-entries` of them, else a table of member entries.

use super::{hash_of, intset, table_remove, table_set, Big, Either, Limits, Open, View};
use crate::table::Table;

/// The integer a member stands for, when it is one in canonical form (Redis's `string2ll`:
/// no sign on zero, no leading zeros, no spaces).
pub fn as_int(member: &[u8]) -> Option<i64> {
    if member.len() > 20 {
        return None;
    }
    let v = resp::number::parse_i64(member)?;
    let mut buf = Vec::with_capacity(20);
    resp::number::write_i64(&mut buf, v);
    (buf == member).then_some(v)
}

/// Number of members.
pub fn len(v: View<'_>) -> usize {
    match v {
        View::Packed(b) => intset::len(b),
        View::Big(Big::Set(t)) => t.len(),
        View::Big(_) => 0,
    }
}

/// True when `member` belongs to the set.
pub fn contains(v: View<'_>, member: &[u8]) -> bool {
    match v {
        View::Packed(b) => as_int(member).is_some_and(|i| intset::contains(b, i)),
        View::Big(Big::Set(t)) => t.get(hash_of(member), member).is_some(),
        View::Big(_) => false,
    }
}

/// A set member, borrowed from a table or formatted from an intset.
pub enum Member<'a> {
    /// Bytes of a table member.
    Bytes(&'a [u8]),
    /// An intset member.
    Int(i64),
}

impl Member<'_> {
    /// The member's bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Member::Bytes(b) => b.to_vec(),
            Member::Int(i) => i.to_string().into_bytes(),
        }
    }
}

/// Every member (intsets in ascending order).
pub fn iter<'a>(v: View<'a>) -> impl Iterator<Item = Member<'a>> + 'a {
    match v {
        View::Packed(b) => Either::A(intset::iter(b).map(Member::Int)),
        View::Big(big) => {
            let mut all = Vec::new();
            if let Big::Set(t) = big {
                all.reserve(t.len());
                t.for_each(|e| all.push(Member::Bytes(e.key())));
            }
            Either::B(all.into_iter())
        }
    }
}

/// Every member as owned bytes.
pub fn members(v: View<'_>) -> Vec<Vec<u8>> {
    iter(v).map(|m| m.to_vec()).collect()
}

fn to_table(b: &[u8]) -> Table {
    let mut t = Table::default();
    for i in intset::iter(b) {
        table_set(&mut t, i.to_string().as_bytes(), b"");
    }
    t
}

/// Adds `member`; true when it is new.
pub fn add(o: &mut Open<'_>, limits: &Limits, member: &[u8]) -> bool {
    if let Open::Packed(b) = o {
        match as_int(member) {
            Some(i) => {
                if !intset::insert(b, i) {
                    return false;
                }
                if !Limits::fits(limits.set_intset_entries, intset::len(b)) {
                    let t = to_table(b);
                    o.convert(Big::Set(t));
                }
                return true;
            }
            None => {
                let t = to_table(b);
                o.convert(Big::Set(t));
            }
        }
    }
    match o.big() {
        Some(Big::Set(t)) => table_set(t, member, b""),
        _ => false,
    }
}

/// Removes `member`; true when it was there.
pub fn remove(o: &mut Open<'_>, member: &[u8]) -> bool {
    match o {
        Open::Packed(b) => as_int(member).is_some_and(|i| intset::remove(b, i)),
        _ => match o.big() {
            Some(Big::Set(t)) => table_remove(t, member),
            _ => false,
        },
    }
}

/// A member chosen at random (uniform over intset members; over buckets then chain members for
/// tables, as Redis's `dictGetFairRandomKey` approximates).
pub fn random(v: View<'_>) -> Option<Member<'_>> {
    sample(v, 1, false).pop()
}

/// `count` members at random (distinct when `unique`), in O(count): nothing but what is
/// picked is copied or listed (see [`crate::rand::choose`]).
pub fn sample(v: View<'_>, count: usize, unique: bool) -> Vec<Member<'_>> {
    crate::rand::collect(|each| sample_each(v, count, unique, each))
}

/// [`sample`], each member given to `each` as it is picked (false stops).
pub fn sample_each<'a>(
    v: View<'a>,
    count: usize,
    unique: bool,
    mut each: impl FnMut(Member<'a>) -> bool,
) {
    match v {
        View::Packed(b) => {
            let n = intset::len(b);
            crate::rand::choose_index(n, count, unique, |i| each(Member::Int(intset::get(b, i))))
        }
        View::Big(Big::Set(t)) => t.sample(count, unique, |e| each(Member::Bytes(e.key()))),
        View::Big(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn canonical_integers_only() {
        assert_eq!(as_int(b"12"), Some(12));
        assert_eq!(as_int(b"-7"), Some(-7));
        for bad in [
            &b"012"[..],
            b"+1",
            b"-0",
            b" 1",
            b"1.0",
            b"",
            b"99999999999999999999",
        ] {
            assert_eq!(as_int(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn behaves_like_a_set_across_the_conversion() {
        let limits = Limits {
            set_intset_entries: 16,
            ..Limits::default()
        };
        for mixed in [false, true] {
            let mut o = Open::Packed(intset::new());
            let mut model = BTreeSet::new();
            let mut x = 99u64;
            for _ in 0..2000 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let n = (x >> 33) % 40;
                let m = if mixed && n == 39 {
                    b"abc".to_vec()
                } else {
                    n.to_string().into_bytes()
                };
                if (x >> 50).is_multiple_of(3) {
                    assert_eq!(remove(&mut o, &m), model.remove(&m));
                } else {
                    assert_eq!(add(&mut o, &limits, &m), model.insert(m.clone()));
                }
                assert_eq!(len(o.view()), model.len());
                let got: BTreeSet<Vec<u8>> = members(o.view()).into_iter().collect();
                assert_eq!(got, model);
                assert!(model.iter().all(|m| contains(o.view(), m)));
            }
        }
    }
}
