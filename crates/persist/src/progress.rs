//! Start-up loading progress: a log line at every 10% of the file, and a progress bar on
//! stderr when it is a terminal.

use std::io::{IsTerminal, Write};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

/// The progress of loading one file, also reported to INFO through the engine's counters.
pub struct Progress<'a> {
    stats: &'a engine::Stats,
    /// Bytes of earlier files of the same load.
    before: u64,
    name: String,
    total: usize,
    next_tenth: usize,
    /// Draw a bar (stderr is a terminal).
    bar: bool,
    drawn: usize,
    started: Instant,
}

impl<'a> Progress<'a> {
    /// Starts reporting on `name`, `total` bytes long, one file of the load `stats` counts.
    pub fn new(stats: &'a engine::Stats, name: &str, total: usize) -> Progress<'a> {
        let before = stats.loading_total_bytes.fetch_add(total as u64, Relaxed);
        Progress {
            stats,
            before,
            name: name.to_string(),
            total: total.max(1),
            next_tenth: 1,
            bar: std::io::stderr().is_terminal(),
            drawn: usize::MAX,
            started: Instant::now(),
        }
    }

    /// `done` bytes of the file are loaded; `what` says how much that is (in commands or
    /// keys).
    pub fn at(&mut self, done: usize, what: impl FnOnce() -> String) {
        self.stats
            .loading_loaded_bytes
            .store(self.before + done as u64, Relaxed);
        let percent = (done.min(self.total) as u128 * 100 / self.total as u128) as usize;
        if self.bar && percent != self.drawn {
            self.drawn = percent;
            let filled = percent / 5;
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\rLoading {} [{}{}] {percent:3}%",
                self.name,
                "#".repeat(filled),
                " ".repeat(20 - filled)
            );
            if percent == 100 {
                let _ = writeln!(err);
            }
        }
        if percent >= self.next_tenth * 10 {
            self.next_tenth = percent / 10 + 1;
            tracing::info!(
                "Loading {}: {percent}% ({}, {:.1} s)",
                self.name,
                what(),
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}
