//! The script that runs, as other clients see it (Redis's "busy script"): when it started,
//! whether it wrote (then it cannot be killed), whether SCRIPT KILL / FUNCTION KILL asked it to
//! stop. The call path reads it to refuse commands with `-BUSY` (see [`crate::call`]); it is
//! here, outside [`crate::scripting`], so a build without Lua has the same call path.

use crate::error::CmdError;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Instant;

/// What other clients see of the script that runs: when it started, whether it wrote (then
/// it cannot be killed), whether SCRIPT KILL / FUNCTION KILL asked it to stop.
#[derive(Default)]
pub struct Busy {
    running: AtomicBool,
    /// Microseconds since the engine started, when the running script started.
    started_us: AtomicU64,
    kill: AtomicBool,
    wrote: AtomicBool,
    function: AtomicBool,
    /// The running function's name and the command that runs it (FUNCTION STATS).
    what: Mutex<(String, Vec<Vec<u8>>)>,
    epoch: std::sync::OnceLock<Instant>,
}

impl Busy {
    fn now_us(&self) -> u64 {
        self.epoch.get_or_init(Instant::now).elapsed().as_micros() as u64
    }

    /// True while a script or function runs.
    pub fn running(&self) -> bool {
        self.running.load(Relaxed)
    }

    /// Milliseconds the running script has run (0 when none runs).
    pub fn elapsed_ms(&self) -> u64 {
        if !self.running() {
            return 0;
        }
        self.now_us().saturating_sub(self.started_us.load(Relaxed)) / 1000
    }

    /// True when the running one is a function (FCALL), false for EVAL.
    pub fn is_function(&self) -> bool {
        self.function.load(Relaxed)
    }

    /// The running function's name and command, for FUNCTION STATS.
    pub fn what(&self) -> (String, Vec<Vec<u8>>) {
        self.what.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A script starts (`function`: FCALL; `name` and `args` for FUNCTION STATS).
    pub fn start(&self, function: bool, name: &str, args: &[&[u8]]) {
        self.kill.store(false, Relaxed);
        self.wrote.store(false, Relaxed);
        self.function.store(function, Relaxed);
        if function {
            *self.what.lock().unwrap_or_else(|e| e.into_inner()) =
                (name.to_string(), args.iter().map(|a| a.to_vec()).collect());
        }
        self.started_us.store(self.now_us(), Relaxed);
        self.running.store(true, Relaxed);
    }

    /// The script ended.
    pub fn stop(&self) {
        self.running.store(false, Relaxed);
        self.kill.store(false, Relaxed);
    }

    /// SCRIPT KILL (`function` false) or FUNCTION KILL: Redis's replies.
    pub fn kill(&self, function: bool) -> Result<(), CmdError> {
        if !self.running() {
            return Err(CmdError::from_static(
                "NOTBUSY No scripts in execution right now.",
            ));
        }
        if self.wrote.load(Relaxed) {
            return Err(CmdError::from_static("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."));
        }
        if self.is_function() != function {
            return Err(self.error());
        }
        self.kill.store(true, Relaxed);
        Ok(())
    }

    /// The script ran a write command: SCRIPT KILL can no longer stop it.
    pub fn wrote(&self) {
        self.wrote.store(true, Relaxed);
    }

    /// True once SCRIPT KILL / FUNCTION KILL asked the running script to stop.
    pub fn killed(&self) -> bool {
        self.kill.load(Relaxed)
    }

    /// The `-BUSY` error for a client that must wait for the running script.
    pub fn error(&self) -> CmdError {
        CmdError::from_static(if self.is_function() {
            "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
        } else {
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
        })
    }
}
