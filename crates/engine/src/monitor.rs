//! MONITOR: every command any client runs, as a status line, to every monitoring connection.

use crate::pubsub::{BufferLimit, Subscriber};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, RwLock};

/// The monitoring connections.
#[derive(Default)]
pub struct Monitors {
    count: AtomicUsize,
    list: RwLock<Vec<Arc<Subscriber>>>,
}

impl Monitors {
    /// Adds a monitoring connection.
    pub fn add(&self, m: Arc<Subscriber>) {
        self.list.write().unwrap_or_else(|e| e.into_inner()).push(m);
        self.count.fetch_add(1, Relaxed);
    }

    /// True when someone monitors (the fast path of every command).
    pub fn active(&self) -> bool {
        self.count.load(Relaxed) > 0
    }

    /// Sends one command line: `+<sec>.<usec> [<db> <addr>] "arg" ...`. Password arguments of
    /// AUTH and HELLO ... AUTH are shown as `(redacted)`, as Redis does.
    pub fn feed(&self, now_us: u64, db: usize, addr: &str, args: &[&[u8]], limit: BufferLimit) {
        let mut line = format!(
            "+{}.{:06} [{db} {addr}]",
            now_us / 1_000_000,
            now_us % 1_000_000
        )
        .into_bytes();
        let auth = args[0].eq_ignore_ascii_case(b"auth");
        let hello_auth = args[0]
            .eq_ignore_ascii_case(b"hello")
            .then(|| args.iter().position(|a| a.eq_ignore_ascii_case(b"auth")))
            .flatten();
        for (i, a) in args.iter().enumerate() {
            line.push(b' ');
            let redacted = (auth && i > 0) || hello_auth.is_some_and(|p| i > p && i <= p + 2);
            if redacted {
                line.extend_from_slice(b"\"(redacted)\"");
            } else {
                resp::request::repr(&mut line, a);
            }
        }
        line.extend_from_slice(b"\r\n");
        let mut dead = false;
        for m in self.list.read().unwrap_or_else(|e| e.into_inner()).iter() {
            // Only the list still holds a monitor whose connection closed.
            if Arc::strong_count(m) == 1 || m.client.is_killed() {
                dead = true;
                continue;
            }
            m.deliver_raw(&line, limit, now_us / 1000);
        }
        if dead {
            let mut list = self.list.write().unwrap_or_else(|e| e.into_inner());
            list.retain(|m| Arc::strong_count(m) > 1 && !m.client.is_killed());
            self.count.store(list.len(), Relaxed);
        }
    }
}
