//! The server's state as commands see it: loading, refusing writes (`-MISCONF`), CLIENT
//! PAUSE, shutting down. Every flag is read on the command path, so each is an atomic; what
//! changes rarely and carries text (the MISCONF reason) sits behind a mutex beside its flag.

use crate::persistence::Failure;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

/// See the module docs.
#[derive(Default)]
pub struct ServerState {
    /// True while the dataset is being loaded: commands without the `loading` flag get
    /// `-LOADING`.
    loading: AtomicBool,
    /// Why writes are refused with `-MISCONF`, by source ([`Failure`]): the full error text.
    misconf: Mutex<[Option<String>; 2]>,
    /// True while any source of `misconf` is set (the command path reads only this).
    failing: AtomicBool,
    /// CLIENT PAUSE: until when (unix ms, 0 for not paused)...
    pause_end_ms: AtomicU64,
    /// ...and whether every command waits (ALL) or only writes (WRITE).
    pause_all: AtomicBool,
    /// Clients waiting out a CLIENT PAUSE now (INFO counts them in `blocked_clients`).
    pub paused_clients: std::sync::atomic::AtomicUsize,
    shutdown: AtomicBool,
    /// Set while the final snapshot of a shutdown is written: every other command is refused.
    closing: AtomicBool,
    shutdown_hook: Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
    /// `DEBUG SET-ACTIVE-EXPIRE 0` stopped active expiry (keys still expire when read).
    pub active_expire_off: AtomicBool,
}

impl ServerState {
    /// True while the dataset loads.
    pub fn loading(&self) -> bool {
        self.loading.load(Relaxed)
    }

    /// Marks loading as started or finished.
    pub fn set_loading(&self, on: bool) {
        self.loading.store(on, Relaxed);
    }

    /// Records that `source` fails (`Some(error text)`: writes are refused with it) or works
    /// again (`None`).
    pub fn set_misconf(&self, source: Failure, why: Option<String>) {
        let mut m = self.misconf.lock().unwrap_or_else(|e| e.into_inner());
        m[source as usize] = why;
        self.failing.store(m.iter().any(Option::is_some), Relaxed);
    }

    /// The error writes get while persistence fails.
    pub fn misconf(&self) -> Option<String> {
        if !self.failing.load(Relaxed) {
            return None;
        }
        let m = self.misconf.lock().unwrap_or_else(|e| e.into_inner());
        m.iter().flatten().next().cloned()
    }

    /// Whether `source` fails now.
    pub fn failing(&self, source: Failure) -> bool {
        self.misconf.lock().unwrap_or_else(|e| e.into_inner())[source as usize].is_some()
    }

    /// CLIENT PAUSE: holds commands until `end_ms` (the later of this and any current pause).
    pub fn pause(&self, end_ms: u64, all: bool) {
        self.pause_all.store(all, Relaxed);
        self.pause_end_ms.fetch_max(end_ms, Relaxed);
    }

    /// CLIENT UNPAUSE.
    pub fn unpause(&self) {
        self.pause_end_ms.store(0, Relaxed);
    }

    /// Milliseconds the current pause still lasts at `now_ms` (0: not paused).
    pub fn pause_remaining_ms(&self, now_ms: u64) -> u64 {
        let end = self.pause_end_ms.load(Relaxed);
        if end == 0 {
            return 0;
        }
        end.saturating_sub(now_ms)
    }

    /// Whether the current pause holds every command (ALL) rather than writes only.
    pub fn pause_all(&self) -> bool {
        self.pause_all.load(Relaxed)
    }

    /// Asks the server to shut down (SHUTDOWN, signals).
    pub fn request_shutdown(&self) {
        self.shutdown.store(true, Relaxed);
        if let Some(hook) = self
            .shutdown_hook
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            hook();
        }
    }

    /// True once shutdown was requested.
    pub fn shutdown_requested(&self) -> bool {
        self.shutdown.load(Relaxed)
    }

    /// Installs the function SHUTDOWN calls to stop the server.
    pub fn on_shutdown(&self, hook: Box<dyn Fn() + Send + Sync>) {
        *self.shutdown_hook.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    /// Refuses every command from now on (`true`: a shutdown writes its final snapshot) or
    /// serves again (`false`: the shutdown failed).
    pub fn set_closing(&self, on: bool) {
        self.closing.store(on, Relaxed);
    }

    /// True while the final snapshot of a shutdown is written.
    pub fn closing(&self) -> bool {
        self.closing.load(Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misconf_reports_a_failed_bgsave_first_until_all_recover() {
        let s = ServerState::default();
        assert_eq!(s.misconf(), None);
        s.set_misconf(Failure::Aof, Some("MISCONF aof".into()));
        s.set_misconf(Failure::Rdb, Some("MISCONF rdb".into()));
        assert!(s.failing(Failure::Aof));
        assert_eq!(s.misconf().as_deref(), Some("MISCONF rdb"));
        s.set_misconf(Failure::Rdb, None);
        assert_eq!(s.misconf().as_deref(), Some("MISCONF aof"));
        s.set_misconf(Failure::Aof, None);
        assert_eq!(s.misconf(), None);
    }

    #[test]
    fn a_pause_lasts_until_the_latest_end() {
        let s = ServerState::default();
        s.pause(1_000, false);
        s.pause(500, true);
        assert_eq!(s.pause_remaining_ms(400), 600);
        assert!(s.pause_all());
        s.unpause();
        assert_eq!(s.pause_remaining_ms(400), 0);
    }
}
