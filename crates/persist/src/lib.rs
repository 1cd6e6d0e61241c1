//! ferrokv persistence: the append-only file and RDB snapshots, behind the engine's
//! [`engine::persistence::Persistence`] interface.
//!
//! # Layout
//! - [`persister`]: what the engine calls: start-up loading, SAVE, BGSAVE, BGREWRITEAOF,
//!   `save` points, automatic rewrites, `appendonly` at run time, INFO persistence.
//! - [`aof`]: Redis 7's multi-part AOF (`appendonlydir/` with a manifest, a base file and an
//!   incremental file), the writer thread that drains the engine's write stream
//!   ([`engine::propagate`]) with `appendfsync always` (group commit), `everysec` or `no`, and
//!   the loader that replays the files at start-up (a torn last command is dropped, corruption
//!   anywhere else refuses to start and names the file and offset).
//! - [`manifest`]: the manifest file format, read and written as Redis does.
//! - [`progress`]: start-up loading progress (a log line per 10%, a bar on a terminal).
//! - [`reader`]: a strict RESP command reader for replaying files.
//! - [`snapshot`]: SAVE into `dbfilename`, start-up loading of it, and the dataset of one
//!   instant written while commands go on (BGSAVE, the rewrite's base), in Redis's RDB format
//!   (the format itself is `engine::rdb`, which DUMP and RESTORE share).
//!
//! Errors a caller tells apart are typed: [`manifest::ManifestError`] (Redis's text and the
//! line) and `engine::rdb::Error` (footer, format at an offset, an entry refused). What
//! start-up, a background job or a rewrite returns otherwise is a `String`: a message for the
//! operator, logged or shown as a reply, never inspected by code.

pub mod aof;
pub mod manifest;
pub mod persister;
pub mod progress;
pub mod reader;
pub mod snapshot;

pub use aof::Aof;
pub use persister::Persister;
