//! Lists: a [`pack`] of elements while it fits `list-max-listpack-size`, else a `VecDeque` of
//! elements (O(1) at both ends and by index). Redis 7.0 reports every list as `quicklist`.

use super::{pack, Big, Either, Limits, Open, View};
use std::collections::VecDeque;

/// Number of elements.
pub fn len(v: View<'_>) -> usize {
    match v {
        View::Packed(b) => pack::count(b),
        View::Big(Big::List(l)) => l.len(),
        View::Big(_) => 0,
    }
}

/// Turns a possibly negative index into a position, if it is in range.
pub fn position(len: usize, i: i64) -> Option<usize> {
    let n = i64::try_from(len).ok()?;
    let i = if i < 0 { i.checked_add(n)? } else { i };
    (0..n).contains(&i).then_some(i as usize)
}

/// Clamps a LRANGE/LTRIM-style inclusive range to `0..len`; None when it is empty.
pub fn clamp_range(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    let n = i64::try_from(len).ok()?;
    let mut s = if start < 0 {
        n.saturating_add(start)
    } else {
        start
    };
    let mut e = if end < 0 { n.saturating_add(end) } else { end };
    s = s.max(0);
    if s > e || s >= n {
        return None;
    }
    e = e.min(n - 1);
    Some((s as usize, e as usize))
}

/// The element at `i` (negative counts from the tail).
pub fn index<'a>(v: View<'a>, i: i64) -> Option<&'a [u8]> {
    let p = position(len(v), i)?;
    match v {
        View::Packed(b) => pack::iter(b).nth(p).map(|(_, e)| e),
        View::Big(Big::List(l)) => l.get(p).map(|e| &e[..]),
        View::Big(_) => None,
    }
}

/// Elements `start..=end` (already clamped), in order.
pub fn range<'a>(v: View<'a>, start: usize, end: usize) -> impl Iterator<Item = &'a [u8]> + 'a {
    let take = end + 1 - start;
    match v {
        View::Packed(b) => Either::A(pack::iter(b).skip(start).take(take).map(|(_, e)| e)),
        View::Big(big) => Either::B(match big {
            Big::List(l) => Either::A(l.range(start..=end).map(|e| &e[..])),
            _ => Either::B(std::iter::empty()),
        }),
    }
}

/// Every element, in order.
pub fn iter<'a>(v: View<'a>) -> impl Iterator<Item = &'a [u8]> + 'a {
    match v {
        View::Packed(b) => Either::A(pack::iter(b).map(|(_, e)| e)),
        View::Big(big) => Either::B(match big {
            Big::List(l) => Either::A(l.iter().map(|e| &e[..])),
            _ => Either::B(std::iter::empty()),
        }),
    }
}

fn to_deque(b: &[u8]) -> VecDeque<Box<[u8]>> {
    pack::iter(b).map(|(_, e)| Box::from(e)).collect()
}

fn maybe_convert(o: &mut Open<'_>, limits: &Limits) {
    if let Open::Packed(b) = o {
        if !limits.list_fits(pack::count(b), b.len()) {
            let l = to_deque(b);
            o.convert(Big::List(l));
        }
    }
}

fn deque<'o>(o: &'o mut Open<'_>) -> Option<&'o mut VecDeque<Box<[u8]>>> {
    match o.big() {
        Some(Big::List(l)) => Some(l),
        _ => None,
    }
}

/// Pushes elements one by one at the head (`front`) or the tail, as LPUSH/RPUSH.
pub fn push(o: &mut Open<'_>, limits: &Limits, elems: &[&[u8]], front: bool) {
    if let Open::Packed(b) = o {
        if front {
            let rev: Vec<&[u8]> = elems.iter().rev().copied().collect();
            pack::insert(b, 4, &rev);
        } else {
            pack::push(b, elems);
        }
        maybe_convert(o, limits);
        return;
    }
    if let Some(l) = deque(o) {
        for e in elems {
            if front {
                l.push_front(Box::from(*e));
            } else {
                l.push_back(Box::from(*e));
            }
        }
    }
}

/// Pops one element from the head or the tail.
pub fn pop(o: &mut Open<'_>, front: bool) -> Option<Vec<u8>> {
    match o {
        Open::Packed(b) => {
            let n = pack::count(b);
            let (off, e) = if front {
                pack::iter(b).next()?
            } else {
                pack::iter(b).nth(n.checked_sub(1)?)?
            };
            let e = e.to_vec();
            pack::remove(b, off, 1);
            Some(e)
        }
        _ => {
            let l = deque(o)?;
            let e = if front { l.pop_front() } else { l.pop_back() }?;
            Some(e.into_vec())
        }
    }
}

/// Replaces the element at `i`; false when out of range.
pub fn set(o: &mut Open<'_>, limits: &Limits, i: i64, value: &[u8]) -> bool {
    let Some(p) = position(len(o.view()), i) else {
        return false;
    };
    match o {
        Open::Packed(b) => {
            let off = pack::iter(b).nth(p).map(|(off, _)| off).unwrap_or(4);
            pack::replace(b, off, value);
            maybe_convert(o, limits);
        }
        _ => {
            if let Some(l) = deque(o) {
                l[p] = Box::from(value);
            }
        }
    }
    true
}

/// Inserts `value` before or after the first `pivot`; false when there is no pivot.
pub fn insert(o: &mut Open<'_>, limits: &Limits, pivot: &[u8], value: &[u8], before: bool) -> bool {
    match o {
        Open::Packed(b) => {
            let mut it = pack::iter(b);
            let Some((off, _)) = it.by_ref().find(|(_, e)| *e == pivot) else {
                return false;
            };
            let at = if before {
                off
            } else {
                it.next().map_or(b.len(), |(next, _)| next)
            };
            pack::insert(b, at, &[value]);
            maybe_convert(o, limits);
            true
        }
        _ => {
            let Some(l) = deque(o) else { return false };
            let Some(p) = l.iter().position(|e| &e[..] == pivot) else {
                return false;
            };
            l.insert(if before { p } else { p + 1 }, Box::from(value));
            true
        }
    }
}

/// Removes up to `count` elements equal to `value` (from the head when positive, from the
/// tail when negative, all when 0); returns how many went.
pub fn remove(o: &mut Open<'_>, count: i64, value: &[u8]) -> usize {
    let limit = if count == 0 {
        usize::MAX
    } else {
        usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX)
    };
    match o {
        Open::Packed(b) => {
            let mut offs: Vec<usize> = pack::iter(b)
                .filter(|(_, e)| *e == value)
                .map(|(off, _)| off)
                .collect();
            if count < 0 {
                offs.reverse();
            }
            offs.truncate(limit);
            offs.sort_unstable();
            for &off in offs.iter().rev() {
                pack::remove(b, off, 1);
            }
            offs.len()
        }
        _ => {
            let Some(l) = deque(o) else { return 0 };
            let mut removed = 0;
            if count >= 0 {
                let mut i = 0;
                while i < l.len() && removed < limit {
                    if &l[i][..] == value {
                        l.remove(i);
                        removed += 1;
                    } else {
                        i += 1;
                    }
                }
            } else {
                let mut i = l.len();
                while i > 0 && removed < limit {
                    i -= 1;
                    if &l[i][..] == value {
                        l.remove(i);
                        removed += 1;
                    }
                }
            }
            removed
        }
    }
}

/// Keeps only elements `start..=end` (LTRIM semantics: out-of-range empties the list).
pub fn trim(o: &mut Open<'_>, start: i64, end: i64) {
    let n = len(o.view());
    let keep = clamp_range(n, start, end);
    match o {
        Open::Packed(b) => match keep {
            None => *b = pack::new(),
            Some((s, e)) => {
                if e + 1 < n {
                    let off = pack::iter(b).nth(e + 1).map_or(b.len(), |(o, _)| o);
                    pack::remove(b, off, n - e - 1);
                }
                if s > 0 {
                    pack::remove(b, 4, s);
                }
            }
        },
        _ => {
            let Some(l) = deque(o) else { return };
            match keep {
                None => l.clear(),
                Some((s, e)) => {
                    l.truncate(e + 1);
                    l.drain(..s);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(o: &Open<'_>) -> Vec<Vec<u8>> {
        iter(o.view()).map(<[u8]>::to_vec).collect()
    }

    #[test]
    fn behaves_like_a_deque_across_the_conversion() {
        let limits = Limits {
            list_size: 6,
            ..Limits::default()
        };
        let mut o = Open::Packed(pack::new());
        let mut model: VecDeque<Vec<u8>> = VecDeque::new();
        let mut x = 7u64;
        for _ in 0..4000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = format!("{}", (x >> 40) % 5).into_bytes();
            let i = ((x >> 20) % 9) as i64 - 4;
            match (x >> 55) % 8 {
                0 => {
                    push(&mut o, &limits, &[&v, b"z"], true);
                    model.push_front(v.clone());
                    model.push_front(b"z".to_vec());
                }
                1 => {
                    push(&mut o, &limits, &[&v], false);
                    model.push_back(v);
                }
                2 => assert_eq!(pop(&mut o, true), model.pop_front()),
                3 => assert_eq!(pop(&mut o, false), model.pop_back()),
                4 => {
                    let ok = set(&mut o, &limits, i, &v);
                    let p = position(model.len(), i);
                    assert_eq!(ok, p.is_some());
                    if let Some(p) = p {
                        model[p] = v;
                    }
                }
                5 => {
                    let before = x & 1 == 0;
                    let ok = insert(&mut o, &limits, b"3", &v, before);
                    let p = model.iter().position(|e| e == b"3");
                    assert_eq!(ok, p.is_some());
                    if let Some(p) = p {
                        model.insert(if before { p } else { p + 1 }, v);
                    }
                }
                6 => {
                    let got = remove(&mut o, i, &v);
                    let mut want = 0;
                    let limit = if i == 0 {
                        usize::MAX
                    } else {
                        i.unsigned_abs() as usize
                    };
                    let idx: Vec<usize> = if i >= 0 {
                        (0..model.len()).collect()
                    } else {
                        (0..model.len()).rev().collect()
                    };
                    let mut kill = Vec::new();
                    for j in idx {
                        if want < limit && model[j] == v {
                            kill.push(j);
                            want += 1;
                        }
                    }
                    kill.sort_unstable();
                    for j in kill.into_iter().rev() {
                        model.remove(j);
                    }
                    assert_eq!(got, want);
                }
                _ => {
                    let (s, e) = (i, ((x >> 10) % 7) as i64 - 2);
                    trim(&mut o, s, e);
                    match clamp_range(model.len(), s, e) {
                        None => model.clear(),
                        Some((s, e)) => {
                            model.truncate(e + 1);
                            model.drain(..s);
                        }
                    }
                }
            }
            assert_eq!(contents(&o), Vec::from(model.clone()));
            assert_eq!(len(o.view()), model.len());
            for k in -3..3 {
                assert_eq!(
                    index(o.view(), k),
                    position(model.len(), k).map(|p| &model[p][..])
                );
            }
        }
        assert!(matches!(o, Open::New(_)));
    }
}
