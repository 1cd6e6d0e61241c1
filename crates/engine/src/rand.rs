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

/// `count` random picks among `len` members, in O(count) whatever `len` is, as Redis's
/// SRANDMEMBER cases: with repeats (`!unique`) every pick is `pick()`; distinct picks of at
/// least the whole are `all()`; of more than a third, `all()` partly shuffled (fewer than
/// `3 * count` members listed); of fewer, `pick()` until `count` distinct ones (`key` tells
/// them apart) came up.
pub fn choose<T, K: std::hash::Hash + Eq>(
    len: usize,
    count: usize,
    unique: bool,
    mut pick: impl FnMut() -> T,
    all: impl FnOnce() -> Vec<T>,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    if len == 0 {
        return Vec::new();
    }
    if !unique {
        return (0..count).map(|_| pick()).collect();
    }
    if count >= len {
        return all();
    }
    if count.saturating_mul(3) > len {
        let mut v = all();
        for i in 0..count {
            let j = i + below(v.len() - i);
            v.swap(i, j);
        }
        v.truncate(count);
        return v;
    }
    let mut seen = std::collections::HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let t = pick();
        if seen.insert(key(&t)) {
            out.push(t);
        }
    }
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
            let got = super::choose(
                len,
                count,
                true,
                || super::below(len),
                || (0..len).collect(),
                |&i| i,
            );
            let mut d = got.clone();
            d.sort_unstable();
            d.dedup();
            assert_eq!(d.len(), got.len(), "{len} {count}");
            assert_eq!(got.len(), count.min(len));
            assert!(got.iter().all(|&i| i < len));
        }
        let repeats = super::choose(2, 100, false, || super::below(2), || unreachable!(), |&i| i);
        assert_eq!(repeats.len(), 100);
        assert!(super::choose(0, 5, true, || 0usize, Vec::new, |&i| i).is_empty());
    }
}
