//! The latency monitor (Redis's `latency.c`): events that took at least
//! `latency-monitor-threshold` ms (0: off) are kept per event name, the last 160 samples of one
//! per second (a second's worst), with the worst ever seen. LATENCY LATEST, HISTORY, RESET,
//! GRAPH and DOCTOR read them. Events ferrokv records: `command` and `fast-command` (the call
//! path), `expire-cycle` (active expiry), `eviction-cycle` (an eviction episode's work),
//! `aof-write` and `aof-fsync-always` (the AOF writer).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

/// Samples kept per event (Redis's `LATENCY_TS_LEN`).
pub const SAMPLES: usize = 160;

/// One sample: unix seconds and milliseconds.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Unix seconds (0: an empty slot).
    pub time: u64,
    /// Milliseconds.
    pub latency: u64,
}

/// An event's ring of samples.
#[derive(Clone, Debug)]
pub struct Series {
    /// Where the next sample goes.
    idx: usize,
    /// The worst latency ever recorded.
    pub max: u64,
    samples: [Sample; SAMPLES],
}

impl Default for Series {
    fn default() -> Series {
        Series {
            idx: 0,
            max: 0,
            samples: [Sample::default(); SAMPLES],
        }
    }
}

impl Series {
    /// Adds a sample; a second that has one keeps the worse of the two.
    fn add(&mut self, now_s: u64, ms: u64) {
        self.max = self.max.max(ms);
        let prev = (self.idx + SAMPLES - 1) % SAMPLES;
        if self.samples[prev].time == now_s {
            let p = &mut self.samples[prev];
            p.latency = p.latency.max(ms);
            return;
        }
        self.samples[self.idx] = Sample {
            time: now_s,
            latency: ms,
        };
        self.idx = (self.idx + 1) % SAMPLES;
    }

    /// The latest sample.
    pub fn latest(&self) -> Sample {
        self.samples[(self.idx + SAMPLES - 1) % SAMPLES]
    }

    /// The samples, oldest first.
    pub fn history(&self) -> impl Iterator<Item = Sample> + '_ {
        (0..SAMPLES)
            .map(move |j| self.samples[(self.idx + j) % SAMPLES])
            .filter(|s| s.time != 0)
    }
}

/// The monitor: the threshold and the events seen.
#[derive(Default)]
pub struct Monitor {
    threshold_ms: AtomicU64,
    events: Mutex<BTreeMap<&'static str, Series>>,
}

impl Monitor {
    /// Follows `latency-monitor-threshold`.
    pub fn set_threshold(&self, ms: u64) {
        self.threshold_ms.store(ms, Relaxed);
    }

    /// The threshold in ms (0: off).
    pub fn threshold(&self) -> u64 {
        self.threshold_ms.load(Relaxed)
    }

    /// Records `event` if it took at least the threshold (Redis's
    /// `latencyAddSampleIfNeeded`); one atomic load when the monitor is off.
    pub fn add_if_needed(&self, event: &'static str, ms: u64, now_s: u64) {
        let t = self.threshold();
        if t == 0 || ms < t {
            return;
        }
        self.lock().entry(event).or_default().add(now_s, ms);
    }

    /// Records `event` as having taken the time since `started`, if that reaches the
    /// threshold: neither the elapsed time nor the clock is read while the monitor is off.
    pub fn record_since(
        &self,
        event: &'static str,
        started: std::time::Instant,
        clock: &dyn crate::Clock,
    ) {
        if self.threshold() == 0 {
            return;
        }
        let ms = started.elapsed().as_millis() as u64;
        self.add_if_needed(event, ms, clock.now_ms() / 1000);
    }

    /// A copy of the events, by name.
    pub fn events(&self) -> BTreeMap<&'static str, Series> {
        self.lock().clone()
    }

    /// Forgets the given events (every event with none): how many there were.
    pub fn reset(&self, names: &[&[u8]]) -> usize {
        let mut e = self.lock();
        if names.is_empty() {
            let n = e.len();
            e.clear();
            return n;
        }
        let mut n = 0;
        for name in names {
            let found = e.keys().find(|k| k.as_bytes() == *name).copied();
            if let Some(k) = found {
                e.remove(k);
                n += 1;
            }
        }
        n
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, Series>> {
        self.events.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// LATENCY GRAPH's picture of a series, as Redis's sparkline (`sparkline.c`): a header, a rule
/// of 80 dashes, four rows of `_o#|` filled columns, one per sample, and under each column the
/// age of its sample read downwards (`5s`, `12m`, `3h`, `2d`).
pub fn graph(event: &str, s: &Series, now_s: u64) -> String {
    const COLS: usize = 80;
    const ROWS: usize = 4;
    let samples: Vec<(u64, String)> = s
        .history()
        .map(|x| {
            let elapsed = now_s.saturating_sub(x.time);
            let label = match elapsed {
                e if e < 60 => format!("{e}s"),
                e if e < 3600 => format!("{}m", e / 60),
                e if e < 86400 => format!("{}h", e / 3600),
                e => format!("{}d", e / 86400),
            };
            (x.latency, label)
        })
        .collect();
    let min = samples.iter().map(|x| x.0).min().unwrap_or(0);
    let max = samples.iter().map(|x| x.0).max().unwrap_or(0);
    let mut out = format!(
        "{event} - high {max} ms, low {min} ms (all time high {} ms)\n",
        s.max
    );
    out.push_str(&"-".repeat(COLS));
    out.push('\n');
    for (i, chunk) in samples.chunks(COLS).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_range(&mut out, chunk, min as f64, max as f64, ROWS);
    }
    out
}

/// One band of up to 80 columns (Redis's `sparklineRenderRange` with SPARKLINE_FILL).
fn render_range(out: &mut String, samples: &[(u64, String)], min: f64, max: f64, rows: usize) {
    const FILL: &[u8] = b"_o#";
    let steps = (FILL.len() * rows) as f64;
    let relmax = if max - min == 0.0 { 1.0 } else { max - min };
    let mut row = 0usize;
    loop {
        let mut chars = vec![b' '; samples.len()];
        let mut more = false;
        for (j, (value, label)) in samples.iter().enumerate() {
            // C's `(int) (relval*steps)/relmax`: truncated, divided, truncated again.
            let relval = *value as f64 - min;
            let step = (((relval * steps).trunc() / relmax) as i64).clamp(0, steps as i64 - 1);
            if row < rows {
                more = true;
                let idx = step - ((rows - row - 1) * FILL.len()) as i64;
                if (0..FILL.len() as i64).contains(&idx) {
                    chars[j] = FILL[idx as usize];
                } else if idx >= FILL.len() as i64 {
                    chars[j] = b'|';
                }
            } else {
                // One blank row between the graph and the labels.
                if row == rows {
                    more = true;
                    break;
                }
                let at = row - rows - 1;
                if let Some(&c) = label.as_bytes().get(at) {
                    more = true;
                    chars[j] = c;
                }
            }
        }
        if !more {
            break;
        }
        if row == rows {
            chars.fill(b' ');
        }
        row += 1;
        out.push_str(&String::from_utf8_lossy(&chars));
        out.push('\n');
    }
}

/// LATENCY DOCTOR's report on the events (Redis's `createLatencyReport`, its wording for the
/// quiet and disabled cases; the advice is about what ferrokv can change).
pub fn doctor(events: &BTreeMap<&'static str, Series>, threshold: u64) -> String {
    if events.is_empty() && threshold == 0 {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".to_string();
    }
    if events.is_empty() {
        return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n".to_string();
    }
    let mut out = String::from(
        "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n",
    );
    let mut advices = Vec::new();
    for (i, (name, s)) in events.iter().enumerate() {
        let h: Vec<Sample> = s.history().collect();
        let n = h.len().max(1) as u64;
        let avg = h.iter().map(|x| x.latency).sum::<u64>() / n;
        let dev = h.iter().map(|x| x.latency.abs_diff(avg)).sum::<u64>() / n;
        let period = match (h.first(), h.last()) {
            (Some(a), Some(b)) if h.len() > 1 => (b.time - a.time) as f64 / (h.len() - 1) as f64,
            _ => 0.0,
        };
        out += &format!(
            "{}. {name}: {} latency spikes (average {avg}ms, mean deviation {dev}ms, period {period:.2} sec). Worst all time event {}ms.\n",
            i + 1,
            h.len(),
            s.max
        );
        let advice = match *name {
            "command" => "- Check your slow log (SLOWLOG GET) for the commands with a cost: O(N) commands on big values (KEYS, SMEMBERS, LRANGE of whole lists, SORT) are the usual cause.",
            "fast-command" => "- Fast commands were slow: the machine was short of CPU (other processes, swapping, a noisy neighbour) or the server's threads were starved.",
            "expire-cycle" => "- Many keys expired at the same time: spread the expiry times of keys written together (add a random offset to their TTL).",
            "eviction-cycle" => "- Eviction had a lot to free: raise maxmemory, or free big values in the background with lazyfree-lazy-eviction yes.",
            "aof-write" | "aof-fsync-always" => "- The disk was slow for the append-only file: with appendfsync always every write waits for fsync; consider everysec, or a faster disk.",
            _ => "- Look at what the server was doing at the times LATENCY HISTORY gives.",
        };
        if !advices.contains(&advice) {
            advices.push(advice);
        }
    }
    out += "\nI have a few advices for you:\n\n";
    for a in advices {
        out += a;
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_keeps_its_worst_sample_and_the_ring_wraps() {
        let m = Monitor::default();
        m.add_if_needed("command", 500, 1);
        assert!(m.events().is_empty(), "off at threshold 0");
        m.set_threshold(100);
        m.add_if_needed("command", 99, 1);
        assert!(m.events().is_empty());
        m.add_if_needed("command", 150, 10);
        m.add_if_needed("command", 120, 10);
        m.add_if_needed("command", 300, 10);
        let e = m.events();
        let s = &e["command"];
        assert_eq!(
            s.history().collect::<Vec<_>>(),
            [Sample {
                time: 10,
                latency: 300
            }]
        );
        for t in 11..11 + SAMPLES as u64 {
            m.add_if_needed("command", 100 + t, t);
        }
        let e = m.events();
        let h: Vec<Sample> = e["command"].history().collect();
        assert_eq!(h.len(), SAMPLES);
        assert_eq!(h[0].time, 11);
        assert_eq!(e["command"].latest().time, 10 + SAMPLES as u64);
        assert_eq!(e["command"].max, 300);
        assert_eq!(m.reset(&[b"nosuch", b"command"]), 1);
        assert_eq!(m.reset(&[]), 0);
    }

    #[test]
    fn the_graph_is_redis_sparkline() {
        let mut s = Series::default();
        s.add(100, 10);
        s.add(101, 20);
        s.add(102, 40);
        let g = graph("command", &s, 110);
        let want = "command - high 40 ms, low 10 ms (all time high 40 ms)\n".to_string()
            + &"-".repeat(80)
            + "\n  #\n  |\n o|\n_||\n   \n198\n0ss\ns  \n";
        assert_eq!(g, want);
    }
}
