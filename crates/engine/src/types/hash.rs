//! Hashes: a [`pack`] of alternating fields and values while small, a table of field → value
//! entries past `hash-max-listpack-entries` fields or `hash-max-listpack-value` bytes.

use super::{hash_of, pack, table_remove, table_set, Big, Either, Limits, Open, View};
use crate::table::Table;

/// Number of fields.
pub fn len(v: View<'_>) -> usize {
    match v {
        View::Packed(b) => pack::count(b) / 2,
        View::Big(Big::Hash(t)) => t.len(),
        View::Big(_) => 0,
    }
}

/// The value of `field`.
pub fn get<'a>(v: View<'a>, field: &[u8]) -> Option<&'a [u8]> {
    match v {
        View::Packed(b) => find(b, field).map(|(_, _, value)| value),
        View::Big(Big::Hash(t)) => t.get(hash_of(field), field).map(|e| e.value()),
        View::Big(_) => None,
    }
}

/// Finds `field` in a packed hash: (offset of the field, offset of the value, value).
fn find<'a>(b: &'a [u8], field: &[u8]) -> Option<(usize, usize, &'a [u8])> {
    let mut it = pack::iter(b);
    while let Some((off, f)) = it.next() {
        let (voff, value) = it.next()?;
        if f == field {
            return Some((off, voff, value));
        }
    }
    None
}

/// Every (field, value) pair.
pub fn iter<'a>(v: View<'a>) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
    match v {
        View::Packed(b) => {
            let mut it = pack::iter(b);
            Either::A(std::iter::from_fn(move || {
                let (_, f) = it.next()?;
                let (_, v) = it.next()?;
                Some((f, v))
            }))
        }
        View::Big(big) => {
            let mut pairs = Vec::new();
            if let Big::Hash(t) = big {
                pairs.reserve(t.len());
                t.for_each(|e| pairs.push((e.key(), e.value())));
            }
            Either::B(pairs.into_iter())
        }
    }
}

/// `count` (field, value) pairs at random (distinct when `unique`), in O(count) for a large
/// hash (see [`crate::rand::choose`]); a compact one is small and listed first.
pub fn sample(v: View<'_>, count: usize, unique: bool) -> Vec<(&[u8], &[u8])> {
    crate::rand::collect(|each| sample_each(v, count, unique, each))
}

/// [`sample`], each pair given to `each` as it is picked (false stops).
pub fn sample_each<'a>(
    v: View<'a>,
    count: usize,
    unique: bool,
    mut each: impl FnMut((&'a [u8], &'a [u8])) -> bool,
) {
    match v {
        View::Packed(_) => {
            let pairs: Vec<(&[u8], &[u8])> = iter(v).collect();
            let n = pairs.len();
            crate::rand::choose_index(n, count, unique, |i| each(pairs[i]))
        }
        View::Big(Big::Hash(t)) => t.sample(count, unique, |e| each((e.key(), e.value()))),
        View::Big(_) => {}
    }
}

fn to_table(b: &[u8]) -> Table {
    let mut t = Table::default();
    for (f, v) in iter(View::Packed(b)) {
        table_set(&mut t, f, v);
    }
    t
}

/// Converts to the large representation when `fields` entries or an element longer than
/// `hash-max-listpack-value` would break the compact encoding's limits.
fn maybe_convert(o: &mut Open<'_>, limits: &Limits, fields: usize, longest: usize) {
    if let Open::Packed(b) = o {
        if !Limits::fits(limits.hash_entries, fields) || !Limits::fits(limits.hash_value, longest) {
            let t = to_table(b);
            o.convert(Big::Hash(t));
        }
    }
}

/// Sets `field` to `value`; true when the field is new.
pub fn set(o: &mut Open<'_>, limits: &Limits, field: &[u8], value: &[u8]) -> bool {
    let n = len(o.view());
    maybe_convert(o, limits, n, field.len().max(value.len()));
    match o {
        Open::Packed(b) => match find(b, field) {
            Some((_, voff, _)) => {
                pack::replace(b, voff, value);
                false
            }
            None => {
                pack::push(b, &[field, value]);
                // A new field may cross the entry threshold only now.
                let fields = n + 1;
                maybe_convert(o, limits, fields, 0);
                true
            }
        },
        _ => match o.big() {
            Some(Big::Hash(t)) => table_set(t, field, value),
            _ => false,
        },
    }
}

/// Removes `field`; true when it existed.
pub fn del(o: &mut Open<'_>, field: &[u8]) -> bool {
    match o {
        Open::Packed(b) => match find(b, field) {
            Some((off, _, _)) => {
                pack::remove(b, off, 2);
                true
            }
            None => false,
        },
        _ => match o.big() {
            Some(Big::Hash(t)) => table_remove(t, field),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn behaves_like_a_map_across_the_conversion() {
        let limits = Limits {
            hash_entries: 8,
            hash_value: 16,
            ..Limits::default()
        };
        let mut o = Open::Packed(pack::new());
        let mut model: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
        let mut x = 12345u64;
        for i in 0..3000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let f = format!("f{}", (x >> 33) % 12).into_bytes();
            let v = if (x >> 20).is_multiple_of(50) {
                vec![b'x'; 20]
            } else {
                format!("v{i}").into_bytes()
            };
            if (x >> 40).is_multiple_of(3) {
                assert_eq!(del(&mut o, &f), model.remove(&f).is_some());
            } else {
                assert_eq!(set(&mut o, &limits, &f, &v), model.insert(f, v).is_none());
            }
            assert_eq!(len(o.view()), model.len());
            for (f, v) in &model {
                assert_eq!(get(o.view(), f), Some(&v[..]));
            }
            let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = iter(o.view())
                .map(|(f, v)| (f.to_vec(), v.to_vec()))
                .collect();
            pairs.sort();
            let mut want: Vec<(Vec<u8>, Vec<u8>)> = model.clone().into_iter().collect();
            want.sort();
            assert_eq!(pairs, want);
            if let Open::Packed(_) = o {
                assert!(model.len() <= 8);
            }
        }
        assert!(matches!(o, Open::New(_)));
    }
}
