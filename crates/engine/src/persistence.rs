//! What the engine asks of the persistence layer (crate `ferrokv-persist` implements it; the
//! engine itself touches no files): SAVE, BGSAVE, BGREWRITEAOF, settings that switch files on
//! and off, and the INFO persistence fields. An engine without one (the embedded in-memory
//! library, unit tests) answers SAVE with an error and reports nothing saved.

use crate::error::CmdError;
use std::fmt::Display;

/// The persistence layer.
pub trait Persistence: Send + Sync {
    /// SAVE: writes a snapshot now, or Redis's error.
    fn save(&self) -> Result<(), CmdError>;
    /// The snapshot of a shutdown: a background job in progress is stopped first (as Redis
    /// kills its child), then the dataset is saved.
    fn shutdown_save(&self) -> Result<(), CmdError>;
    /// `BGSAVE [SCHEDULE]`: the status reply, or Redis's error. Inside EXEC (`in_exec`) the
    /// job is scheduled, as Redis does.
    fn bgsave(&self, schedule: bool, in_exec: bool) -> Result<&'static str, CmdError>;
    /// BGREWRITEAOF: the status reply, or Redis's error.
    fn bgrewriteaof(&self, in_exec: bool) -> Result<&'static str, CmdError>;
    /// FLUSHALL emptied every database: with `save` points a background save in progress is
    /// stopped and the empty dataset saved, as Redis does (so a restart does not bring the
    /// data back).
    fn flushed_all(&self);
    /// Unix time (seconds) of the last successful save, or of start-up.
    fn last_save(&self) -> u64;
    /// Follows the configuration after CONFIG SET (`appendonly`, `appendfsync`, `save`...).
    /// The error is CONFIG SET's.
    fn reconfigure(&self) -> Result<(), String>;
    /// The INFO persistence fields after `loading` and `async_loading`.
    fn info(&self, line: &mut dyn FnMut(&str, &dyn Display));
    /// Whether shutdown writes a snapshot when SHUTDOWN says neither SAVE nor NOSAVE (`save`
    /// points are configured).
    fn saves_on_shutdown(&self) -> bool;
    /// DEBUG RELOAD: loads the RDB file into the (flushed or not) keyspace; with `merge` a key
    /// of the file replaces one in memory, else a key in both fails the load. The error is
    /// for the log.
    fn reload(&self, merge: bool) -> Result<(), String>;
}

/// Why writes are refused with `-MISCONF`: each source sets or clears its own reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The last background save failed and `stop-writes-on-bgsave-error` is on (Redis
    /// reports this one first).
    Rdb = 0,
    /// The append-only file cannot be written or fsynced.
    Aof = 1,
}
