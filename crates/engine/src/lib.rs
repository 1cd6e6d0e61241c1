//! The ferrokv engine: the keyspace and every command, as pure logic. Input: a parsed command and
//! a session; output: reply bytes and a [`Called`]. No sockets, no files, no async runtime: the
//! RESP server, the HTTP API and the embedded library all drive the same [`Engine::execute`].
//!
//! The path of a command: the door's parser hands the arguments to [`call`] (`execute`:
//! resolve, admit from the table's flags, queue in MULTI; `call`: gate, handler, side effects,
//! stats); the handler locks its keys' shards ([`keyspace`]), changes entries, and its record
//! joins the write stream ([`propagate`]) before the locks are released; the door sends the
//! reply once the log has made the call's ticket durable.
//!
//! # Layout
//! - [`call`]: the one call path ([`Engine::execute`], [`Ctx`], [`Called`]); [`prefetch`]:
//!   pipeline prefetching.
//! - [`command`]: the command table (one row per command, Redis's metadata and flags) and its
//!   registry; [`command_spec`]: each command's documentation and key specifications
//!   (COMMAND DOCS, key specs, tips), generated from redis-server.
//! - [`families`]: the commands, one module per family (`strings`, `bitmaps`, `keys`, `lists`,
//!   `hashes`, `sets`, `zsets`, `sort`, `hyperloglog`, `geo`, `connection`, `client`,
//!   `introspection`, `debug`, `config`, ...), each ending with its table rows.
//! - [`geohash`]: the 52-bit geohash arithmetic of the geo commands (encoding, cells,
//!   neighbours, the cells a radius or box search scans, haversine distances).
//! - [`entry`]: one keyspace entry (key, value, expiry, type, access clock) in one allocation.
//! - [`table`]: a shard's hash table of entries, with Redis's reverse-binary SCAN cursor.
//! - [`keyspace`]: databases split into shards behind reader-writer locks, the locking order,
//!   the one delete path and the per-shard deadline index; [`expire`]: active expiry.
//! - [`memory`]: the counting allocator behind `used_memory`, `maxmemory-policy` and the
//!   access clock (LRU seconds or LFU counter); [`evict`]: eviction when `maxmemory` is
//!   passed, and the OOM refusal; [`lazyfree`]: big values freed on a background thread.
//! - [`types`]: lists, hashes, sets and sorted sets, compact while small; [`ostree`] is the
//!   order-statistics list that ranks large sorted sets.
//! - [`blocking`]: clients waiting in BLPOP and friends, and the keys that wake them.
//! - [`propagate`]: the write stream (each change's effect, in order) the AOF drains, and the
//!   durability tickets replies wait on.
//! - [`snapshot`]: point-in-time snapshots without fork (a key's old value is kept when it
//!   changes during one).
//! - [`persistence`]: what the engine asks of the persistence layer (SAVE, BGSAVE,
//!   BGREWRITEAOF, INFO), which lives in crate `ferrokv-persist`.
//! - [`rdb`]: Redis's RDB format (version 10: files, DUMP payloads); [`dump`] converts entries
//!   to and from its values.
//! - [`state`]: loading, MISCONF, CLIENT PAUSE, shutdown.
//! - [`monitor`]: MONITOR's feed of every command; [`slowlog`]: SLOWLOG's entries;
//!   [`latency`]: the latency monitor's events.
//! - [`scripting`]: Lua scripts and functions (EVAL, FUNCTION, FCALL); [`busy`]: the running
//!   script as other clients see it (`-BUSY`, SCRIPT KILL).
//! - [`notify`]: keyspace notifications (`notify-keyspace-events`).
//! - [`gate`]: the lock every command shares and EXEC takes alone (transactions).
//! - [`pubsub`]: the pub/sub registry and the subscribers' mailboxes.
//! - [`acl`]: ACL users, selectors, the permission check and the ACL LOG.
//! - [`session`]: per-connection state and the registry of connected clients (CLIENT LIST/KILL).
//! - [`config`]: the settings CONFIG GET/SET know, with redis.conf names.
//! - [`info`]: the INFO reply.
//! - [`watch`]: WATCHed keys, touched by every change.
//! - [`tracking`]: client-side caching (CLIENT TRACKING) and its invalidations.
//! - [`glob`], [`float`], [`error`], [`clock`], [`rand`]: Redis's glob rules, Redis's float
//!   formatting, command errors whose `Display` is the wire text, the injected clock, and the
//!   one random number generator.

#![deny(missing_docs)]

pub mod acl;
pub mod blocking;
pub mod busy;
pub mod call;
pub mod clock;
pub mod command;
pub mod command_spec;
pub mod config;
pub mod dump;
pub mod entry;
pub mod error;
pub mod evict;
pub mod expire;
pub mod families;
pub mod float;
pub mod gate;
pub mod geohash;
pub mod glob;
pub mod info;
pub mod keyspace;
pub mod latency;
pub mod lazyfree;
pub mod memory;
pub mod monitor;
pub mod notify;
pub mod ostree;
pub mod persistence;
pub mod prefetch;
pub mod propagate;
pub mod pubsub;
pub mod rand;
pub mod rdb;
#[cfg(feature = "scripting")]
pub mod scripting;
pub mod session;
pub mod slowlog;
pub mod snapshot;
pub mod state;
pub mod table;
pub mod tracking;
pub mod types;
pub mod watch;

pub use call::{CallSite, Called, Ctx};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use error::CmdError;
pub use resp::ReplyBuf;
pub use session::{ClientInfo, KeyHint, Session};

use command::Registry;
use keyspace::Keyspace;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Server-wide counters reported by INFO.
#[derive(Default)]
pub struct Stats {
    /// Connections accepted.
    pub connections: AtomicU64,
    /// Connections refused (maxclients).
    pub rejected_connections: AtomicU64,
    /// Lookups that found a key.
    pub keyspace_hits: AtomicU64,
    /// Lookups that found nothing.
    pub keyspace_misses: AtomicU64,
    /// Bytes read from clients.
    pub net_input_bytes: AtomicU64,
    /// Bytes written to clients.
    pub net_output_bytes: AtomicU64,
    /// Error replies sent.
    pub error_replies: AtomicU64,
    /// Error replies by error code (errorstats).
    pub errors_by_code: Mutex<std::collections::BTreeMap<String, u64>>,
    /// Microseconds spent in active expiry.
    pub expire_cycle_us: AtomicU64,
    /// How far behind its deadlines active expiry was at its last cycle, in ms.
    pub expire_lag_ms: AtomicU64,
    /// Start-up loading: when it began (unix seconds), the bytes of the files to load and the
    /// bytes loaded so far (INFO's `loading_*` fields).
    pub loading_started: AtomicU64,
    /// See [`Stats::loading_started`].
    pub loading_total_bytes: AtomicU64,
    /// See [`Stats::loading_started`].
    pub loading_loaded_bytes: AtomicU64,
    /// Reads from client sockets that returned data (INFO `total_reads_processed`).
    pub reads_processed: AtomicU64,
    /// Writes to client sockets (INFO `total_writes_processed`).
    pub writes_processed: AtomicU64,
    /// INFO's instantaneous figures (ops/s, input and output kbps).
    pub instantaneous: info::Instantaneous,
}

/// How the door runs a section that may take long (a script): the server's async runtime
/// hands the thread's other tasks to another thread first (`block_in_place`).
pub type LongSection = Box<dyn Fn(&mut dyn FnMut()) + Send + Sync>;

/// The engine: keyspace, command registry, configuration, clients and counters.
pub struct Engine {
    /// All databases, and what every change notifies (WATCH, tracking, events, blocked
    /// clients, the write stream, a snapshot in progress).
    pub keyspace: Keyspace,
    /// The command registry.
    pub registry: Registry,
    /// ACL users and the ACL LOG.
    pub acl: acl::Users,
    /// Settings.
    pub config: Config,
    /// Loading, MISCONF, CLIENT PAUSE, shutdown.
    pub state: state::ServerState,
    /// Counters.
    pub stats: Stats,
    /// Connected clients.
    pub clients: session::Clients,
    /// Pub/sub subscriptions (the same registry keyspace events publish to).
    pub pubsub: Arc<pubsub::Hub>,
    /// Shared by every command, exclusive for EXEC: what makes a transaction atomic.
    pub gate: gate::ExecGate,
    /// MONITOR connections.
    pub monitors: monitor::Monitors,
    /// The script that runs, as other clients see it.
    pub busy: busy::Busy,
    /// EVAL's scripts and FUNCTION's libraries.
    #[cfg(feature = "scripting")]
    pub scripting: scripting::Scripting,
    /// The compact-encoding thresholds, copied from the config for lock-free reads.
    pub limits: types::SharedLimits,
    /// Clients blocked in BLPOP and friends, and the keys that can wake them (the same
    /// registry the keyspace signals).
    pub blocking: Arc<blocking::Blocking>,
    persistence: std::sync::OnceLock<Arc<dyn persistence::Persistence>>,
    long_section: std::sync::OnceLock<LongSection>,
    /// Memory settings the call path reads without locks, the peak and eviction counters.
    pub memory: memory::Memory,
    /// SLOWLOG's entries.
    pub slowlog: slowlog::SlowLog,
    /// The latency monitor's events (LATENCY).
    pub latency: latency::Monitor,
    /// The eviction pool (the best candidates sampled so far), one evictor at a time.
    pub evictor: evict::Evictor,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// 40 hex characters identifying this run (INFO run_id).
    pub run_id: String,
    /// The replication ID (INFO master_replid): 40 hex characters, new at start-up and after
    /// DEBUG CHANGE-REPL-ID. The secondary ID is none (zeros) until a replica is promoted.
    pub replid: std::sync::Mutex<String>,
    started: Instant,
    /// Unix time (seconds) of start-up: LASTSAVE before any save.
    started_unix: u64,
}

impl Engine {
    /// An engine with the given configuration and clock.
    pub fn new(config: Config, clock: Arc<dyn Clock>) -> Engine {
        let keyspace = Keyspace::new(config.databases());
        let pubsub = keyspace.events.hub.clone();
        let blocking = keyspace.blocking.clone();
        let started_unix = clock.now_ms() / 1000;
        let mut registry = Registry::new(families::TABLES);
        for (old, new) in &config.values().renames {
            // Checked when the config was read (args.rs): an error here is a bug.
            if let Err(e) = registry.rename(old, new) {
                tracing::warn!("rename-command {old} {new}: {e}");
            }
        }
        let engine = Engine {
            keyspace,
            acl: acl::Users::new(&registry),
            registry,
            config,
            state: state::ServerState::default(),
            stats: Stats::default(),
            clients: session::Clients::default(),
            pubsub,
            gate: gate::ExecGate::default(),
            monitors: monitor::Monitors::default(),
            busy: busy::Busy::default(),
            #[cfg(feature = "scripting")]
            scripting: scripting::Scripting::default(),
            limits: types::SharedLimits::default(),
            blocking,
            persistence: std::sync::OnceLock::new(),
            long_section: std::sync::OnceLock::new(),
            memory: memory::Memory::default(),
            evictor: evict::Evictor::default(),
            slowlog: slowlog::SlowLog::default(),
            latency: latency::Monitor::default(),
            clock,
            run_id: rand::hex_id(),
            replid: std::sync::Mutex::new(rand::hex_id()),
            started: Instant::now(),
            started_unix,
        };
        engine.sync_config();
        let used = engine.used_memory();
        engine
            .memory
            .startup
            .store(used, std::sync::atomic::Ordering::Relaxed);
        engine
    }

    /// Copies the settings the hot paths read without locks (keyspace events, the pub/sub
    /// output limit); CONFIG SET calls it after every change.
    pub fn sync_config(&self) {
        let v = self.config.values();
        self.keyspace
            .events
            .configure(v.notify_keyspace_events, v.output_limits[2]);
        self.limits.store(&v.encodings);
        self.keyspace.tracking.set_limit(self.config.push_limit());
        self.memory.configure(&v);
        self.keyspace.access.configure(&v);
        self.slowlog.configure(
            v.slowlog_log_slower_than,
            usize::try_from(v.slowlog_max_len).unwrap_or(usize::MAX),
        );
        self.latency.set_threshold(v.latency_monitor_threshold);
        self.keyspace.lazy_server_del.store(
            v.lazyfree_lazy_server_del,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// An engine with default settings and the system clock.
    pub fn with_defaults() -> Engine {
        Engine::new(Config::default(), Arc::new(SystemClock))
    }

    /// Seconds since start.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Installs the persistence layer (the server does, before loading).
    pub fn set_persistence(&self, p: Arc<dyn persistence::Persistence>) {
        let _ = self.persistence.set(p);
    }

    /// Installs how a long section runs (see [`LongSection`]).
    pub fn set_long_section(&self, f: LongSection) {
        let _ = self.long_section.set(f);
    }

    /// Runs `f`, which may take long (a script), as the door asked.
    pub fn long_section<R>(&self, f: impl FnOnce() -> R) -> R {
        let Some(section) = self.long_section.get() else {
            return f();
        };
        let mut f = Some(f);
        let mut out = None;
        section(&mut || {
            if let Some(f) = f.take() {
                out = Some(f());
            }
        });
        match out {
            Some(r) => r,
            None => unreachable!("a long section runs its closure"),
        }
    }

    /// The code of every FUNCTION library, for snapshots and AOF rewrites (empty without
    /// scripting).
    pub fn function_codes(&self) -> Vec<Vec<u8>> {
        #[cfg(feature = "scripting")]
        {
            self.scripting
                .libraries()
                .libraries
                .values()
                .map(|l| l.code.to_vec())
                .collect()
        }
        #[cfg(not(feature = "scripting"))]
        Vec::new()
    }

    /// Loads a FUNCTION library from a file (RDB, AOF base), replacing one of its name.
    pub fn load_function(&self, code: &[u8]) -> Result<(), String> {
        #[cfg(feature = "scripting")]
        {
            self.scripting
                .libraries()
                .load(code, true)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        #[cfg(not(feature = "scripting"))]
        {
            let _ = code;
            Err("this build has no scripting".into())
        }
    }

    /// The persistence layer, if one is installed.
    pub fn persistence(&self) -> Option<&Arc<dyn persistence::Persistence>> {
        self.persistence.get()
    }

    /// Writes a snapshot (SAVE, SHUTDOWN SAVE).
    pub fn save(&self) -> Result<(), CmdError> {
        self.persistence()
            .ok_or(CmdError::from_static("ERR this server keeps no files"))?
            .save()
    }

    /// Unix time (seconds) of the last successful save, or of start-up.
    pub fn last_save(&self) -> u64 {
        match self.persistence() {
            Some(p) => p.last_save(),
            None => self.started_unix,
        }
    }
}

#[cfg(test)]
mod tests;
