//! The one random number generator: xorshift64* per thread, seeded from the process's random
//! hash keys. Random members (SRANDMEMBER, SPOP, HRANDFIELD, ZRANDMEMBER), RANDOMKEY and the
//! run id draw from it. Not for secrets: nothing here needs to be unpredictable to a client.

use std::cell::Cell;

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let s = std::hash::BuildHasher::hash_one(
        &std::hash::RandomState::new(),
        std::time::SystemTime::now(),
    );
    s | 1
}

/// A random 64-bit number.
pub fn u64() -> u64 {
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

/// A random number below `n` (0 when `n` is 0), without modulo bias worth speaking of for the
/// sizes collections have.
pub fn below(n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    ((u128::from(u64()) * n as u128) >> 64) as usize
}

/// How many picks [`choose`] makes: `count` with repeats, else at most the whole.
pub fn chosen(len: usize, count: usize, unique: bool) -> usize {
    match (len, unique) {
        (0, _) => 0,
        (_, false) => count,
        (_, true) => count.min(len),
    }
}

/// `count` random picks among `len` members, each given to `each` (which returns false to
/// stop: a reply past its client's limit), in O(count) whatever `len` is, as Redis's
/// SRANDMEMBER cases: with repeats (`!unique`) every pick is `pick()`, streamed (nothing is
/// held, so a count of 2^24 costs no memory); distinct picks of at least the whole are
/// `all()`; of more than a third, `all()` partly shuffled (fewer than `3 * count` members
/// listed); of fewer, `pick()` until `count` distinct ones (`key` tells them apart) came up.
pub fn choose<T, K: std::hash::Hash + Eq>(
    len: usize,
    count: usize,
    unique: bool,
    mut pick: impl FnMut() -> T,
    all: impl FnOnce() -> Vec<T>,
    key: impl Fn(&T) -> K,
    mut each: impl FnMut(T) -> bool,
) {
    if len == 0 {
        return;
    }
    if !unique {
        for _ in 0..count {
            if !each(pick()) {
                return;
            }
        }
        return;
    }
    if count >= len {
        let _ = all().into_iter().try_for_each(|t| each(t).then_some(()));
        return;
    }
    if count.saturating_mul(3) > len {
        let mut v = all();
        for i in 0..count {
            let j = i + below(v.len() - i);
            v.swap(i, j);
        }
        v.truncate(count);
        let _ = v.into_iter().try_for_each(|t| each(t).then_some(()));
        return;
    }
    let mut seen = std::collections::HashSet::with_capacity(count);
    while seen.len() < count {
        let t = pick();
        if seen.insert(key(&t)) && !each(t) {
            return;
        }
    }
}

/// [`choose`] over positions `0..len` (intsets, listpacks, ranks of a sorted set).
pub fn choose_index(len: usize, count: usize, unique: bool, each: impl FnMut(usize) -> bool) {
    choose(
        len,
        count,
        unique,
        || below(len),
        || (0..len).collect(),
        |&i| i,
        each,
    )
}

/// What a streaming sampler (`choose`, the types' `sample_each`) gives, collected.
pub fn collect<T>(sample: impl FnOnce(&mut dyn FnMut(T) -> bool)) -> Vec<T> {
    let mut out = Vec::new();
    sample(&mut |t| {
        out.push(t);
        true
    });
    out
}

/// 40 random hex characters (INFO's `run_id`).
pub fn hex_id() -> String {
    (0..5).map(|_| format!("{:08x}", u64() as u32)).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn below_stays_below_and_covers_the_range() {
        let mut seen = [false; 7];
        for _ in 0..10_000 {
            let r = super::below(7);
            seen[r] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(super::below(0), 0);
        assert_eq!(super::hex_id().len(), 40);
    }

    #[test]
    fn choose_takes_distinct_members_in_every_case() {
        for (len, count) in [(10, 3), (10, 4), (10, 10), (10, 50), (1000, 5), (1, 1)] {
            let got = super::collect(|each| {
                super::choose(
                    len,
                    count,
                    true,
                    || super::below(len),
                    || (0..len).collect(),
                    |&i| i,
                    each,
                )
            });
            let mut d = got.clone();
            d.sort_unstable();
            d.dedup();
            assert_eq!(d.len(), got.len(), "{len} {count}");
            assert_eq!(got.len(), count.min(len));
            assert!(got.iter().all(|&i| i < len));
        }
        let repeats = super::collect(|each| super::choose_index(2, 100, false, each));
        assert_eq!(repeats.len(), 100);
        assert!(super::collect(|each| super::choose(
            0,
            5,
            true,
            || 0usize,
            Vec::new,
            |&i| i,
            each
        ))
        .is_empty());
        // A sink that stops ends the picking.
        let mut n = 0;
        super::choose(
            9,
            1 << 30,
            false,
            || 0usize,
            || unreachable!(),
            |&i| i,
            |_| {
                n += 1;
                n < 5
            },
        );
        assert_eq!(n, 5);
        assert_eq!(super::chosen(3, 10, true), 3);
        assert_eq!(super::chosen(3, 10, false), 10);
        assert_eq!(super::chosen(0, 10, false), 0);
    }
}
