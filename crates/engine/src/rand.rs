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
}
