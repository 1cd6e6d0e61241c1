//! The ferrokv engine: the keyspace and every command, as pure logic. Input: a parsed command and
//! a session; output: reply bytes. No sockets, no files, no async runtime: the RESP server, the
//! HTTP API and the embedded library all drive the same [`Engine::execute`].
//!
//! # Layout
//! - [`entry`]: one keyspace entry (key, value, expiry, type, access clock) in one allocation.
//! - [`table`]: a shard's hash table of entries, with Redis's reverse-binary SCAN cursor.
//! - [`keyspace`]: databases split into shards behind reader-writer locks, the locking order,
//!   lazy expiry and the per-shard deadline index behind active expiry.
//! - [`command`]: the command table (one row per command, Redis's metadata) and its registry.
//! - [`families`]: the commands, one module per family (`strings`, `keys`, `lists`, `hashes`,
//!   `sets`, `zsets`, `sort`, `server`, ...), each ending with its table rows.
//! - [`types`]: lists, hashes, sets and sorted sets, compact while small; [`ostree`] is the
//!   order-statistics list that ranks large sorted sets.
//! - [`blocking`]: clients waiting in BLPOP and friends, and the keys that wake them.
//! - [`propagate`]: the write stream (each change's effect, in order) the AOF drains.
//! - [`snapshot`]: point-in-time snapshots without fork (a key's old value is kept when it
//!   changes during one).
//! - [`persistence`]: what the engine asks of the persistence layer (SAVE, BGSAVE,
//!   BGREWRITEAOF, INFO), which lives in crate `ferrokv-persist`.
//! - [`rdb`]: Redis's RDB format (version 10: files, DUMP payloads); [`dump`] converts entries
//!   to and from its values.
//! - [`monitor`]: MONITOR's feed of every command.
//! - [`notify`]: keyspace notifications (`notify-keyspace-events`).
//! - [`gate`]: the lock every command shares and EXEC takes alone (transactions).
//! - [`pubsub`]: the pub/sub registry and the subscribers' mailboxes.
//! - [`session`]: per-connection state and the registry of connected clients (CLIENT LIST/KILL).
//! - [`config`]: the settings CONFIG GET/SET know, with redis.conf names.
//! - [`info`]: the INFO reply.
//! - [`watch`]: WATCHed keys, touched by every change.
//! - [`tracking`]: client-side caching (CLIENT TRACKING) and its invalidations.
//! - [`glob`], [`float`], [`error`], [`clock`]: Redis's glob rules, Redis's float formatting,
//!   command errors whose `Display` is the wire text, and the injected clock.

#![deny(missing_docs)]

pub mod blocking;
pub mod clock;
pub mod command;
pub mod config;
pub mod dump;
pub mod entry;
pub mod error;
pub mod families;
pub mod float;
pub mod gate;
pub mod glob;
pub mod info;
pub mod keyspace;
pub mod monitor;
pub mod notify;
pub mod ostree;
pub mod persistence;
pub mod propagate;
pub mod pubsub;
pub mod rdb;
pub mod session;
pub mod snapshot;
pub mod table;
pub mod tracking;
pub mod types;
pub mod watch;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use error::CmdError;
pub use resp::ReplyBuf;
pub use session::{ClientInfo, KeyHint, Session};

use command::Registry;
use keyspace::{Key, Keyspace, SHARDS};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
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
}

/// The engine: keyspace, command registry, configuration, clients and counters.
pub struct Engine {
    /// All databases.
    pub keyspace: Keyspace,
    /// The command registry.
    pub registry: Registry,
    /// Settings.
    pub config: Config,
    /// Counters.
    pub stats: Stats,
    /// Connected clients.
    pub clients: session::Clients,
    /// Pub/sub subscriptions.
    pub pubsub: Arc<pubsub::Hub>,
    /// Shared by every command, exclusive for EXEC: what makes a transaction atomic.
    pub gate: gate::ExecGate,
    /// MONITOR connections.
    pub monitors: monitor::Monitors,
    /// The compact-encoding thresholds, copied from the config for lock-free reads.
    pub limits: types::SharedLimits,
    /// Clients blocked in BLPOP and friends, and the keys that can wake them.
    pub blocking: Arc<blocking::Blocking>,
    /// True while the dataset is being loaded: commands without the `loading` flag get
    /// `-LOADING`.
    pub loading: AtomicBool,
    /// Why writes are refused with `-MISCONF`, by source ([`persistence::Failure`]): the full
    /// error text.
    misconf: Mutex<[Option<String>; 2]>,
    persist_failing: AtomicBool,
    persistence: std::sync::OnceLock<Arc<dyn persistence::Persistence>>,
    /// CLIENT PAUSE: until when (unix ms, 0 for not paused)...
    pause_end_ms: AtomicU64,
    /// ...and whether every command waits (ALL) or only writes (WRITE).
    pause_all: AtomicBool,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// 40 hex characters identifying this run (INFO run_id).
    pub run_id: String,
    started: Instant,
    /// Unix time (seconds) of start-up: LASTSAVE before any save.
    started_unix: u64,
    shutdown: AtomicBool,
    /// Set while the final snapshot of a shutdown is written: every other command is refused.
    closing: AtomicBool,
    shutdown_hook: Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
    /// Unix seconds of the last cross-protocol warning (logged at most once a minute).
    security_warned: AtomicU64,
}

/// What a command sees: the engine, its session, the reply buffer and the time it started.
pub struct Ctx<'a> {
    /// The engine.
    pub engine: &'a Engine,
    /// The calling client's session.
    pub session: &'a mut Session,
    /// Where the reply goes.
    pub out: &'a mut ReplyBuf,
    /// Unix ms when the command started; every expiry check of the command uses it.
    pub now: u64,
}

impl<'a> Ctx<'a> {
    /// The keyspace.
    pub fn ks(&self) -> &'a Keyspace {
        &self.engine.keyspace
    }

    /// The selected database.
    pub fn db(&self) -> usize {
        self.session.db
    }

    /// Hashes a key (reusing the hash computed while prefetching, when it is this argument).
    pub fn key<'k>(&self, bytes: &'k [u8]) -> Key<'k> {
        if let Some(h) = self.session.key_hint {
            if h.ptr == bytes.as_ptr() as usize && h.len == bytes.len() {
                return Keyspace::key_with_hash(bytes, h.hash);
            }
        }
        self.engine.keyspace.key(bytes)
    }

    /// Counts a keyspace hit or miss.
    pub fn hit(&self, found: bool) {
        let s = &self.engine.stats;
        if found {
            s.keyspace_hits.fetch_add(1, Relaxed);
        } else {
            s.keyspace_misses.fetch_add(1, Relaxed);
        }
    }

    /// Publishes a keyspace event about `key` in the selected database.
    pub fn notify(&self, class: u32, event: &str, key: &[u8]) {
        self.notify_db(class, event, self.db(), key);
    }

    /// Publishes a keyspace event about `key` in database `db`.
    pub fn notify_db(&self, class: u32, event: &str, db: usize, key: &[u8]) {
        self.engine
            .keyspace
            .events
            .emit(class, event, db, key, self.now);
    }

    /// A read found nothing: counts the miss and publishes `keymiss`.
    pub fn miss(&self, key: &[u8]) {
        self.hit(false);
        self.notify(notify::KEY_MISS, "keymiss", key);
    }

    /// The access clock value for now (seconds, 24 bits).
    pub fn clock(&self) -> u32 {
        ((self.base_time() / 1000) & 0x00ff_ffff) as u32
    }

    /// The time relative expiries (EX, EXPIRE, a RESTORE ttl) count from and access times
    /// record: `now`, except while the AOF is replayed, which runs at time 0 so that nothing
    /// expires while loading (Redis's rule: a later PERSIST may keep a key alive), yet
    /// relative times still count from the real time.
    pub fn base_time(&self) -> u64 {
        if self.session.replaying {
            self.engine.clock.now_ms()
        } else {
            self.now
        }
    }

    /// A blocking command found nothing: wait (the connection holds the reply back until data,
    /// timeout, CLIENT UNBLOCK or disconnect), or, where waiting is impossible, answer as a
    /// timeout at once. Inside EXEC, as in Redis; for HTTP and library sessions, which have no
    /// connection to hold, as a decision of this server.
    pub fn block(&mut self, request: blocking::BlockRequest) -> command::CmdResult {
        if self.session.serving() || (!self.session.no_block && self.session.pubsub.is_some()) {
            self.session.block_request = Some(request);
        } else if request.null_bulk {
            self.out.null();
        } else {
            self.out.null_array();
        }
        Ok(())
    }
}

/// True for the first word of an HTTP request line or header (`POST`, `Host:`): what a browser
/// sends when a web page makes it talk to the RESP port.
fn is_cross_protocol(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"post") || name.eq_ignore_ascii_case(b"host:")
}

/// Upper bound on work one active-expiry cycle does per lock acquisition, so a shard is never
/// held for long while many keys expire at once.
pub const ACTIVE_EXPIRE_KEYS_PER_LOCK: usize = 64;
/// Share of each active-expiry tick (1/hz) a cycle may spend deleting keys: Redis's 25% cap.
pub const ACTIVE_EXPIRE_CPU_SHARE: u32 = 4;

impl Engine {
    /// An engine with the given configuration and clock.
    pub fn new(config: Config, clock: Arc<dyn Clock>) -> Engine {
        let databases = config.databases();
        let mut seed = [0u8; 20];
        let mut x =
            std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), clock.now_ms());
        for b in seed.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        let keyspace = Keyspace::new(databases);
        let pubsub = keyspace.events.hub.clone();
        let blocking = keyspace.blocking.clone();
        let started_unix = clock.now_ms() / 1000;
        let engine = Engine {
            keyspace,
            registry: Registry::new(&[
                families::strings::COMMANDS,
                families::keys::COMMANDS,
                families::server::COMMANDS,
                families::pubsub::COMMANDS,
                families::transactions::COMMANDS,
                families::lists::COMMANDS,
                families::hashes::COMMANDS,
                families::sets::COMMANDS,
                families::zsets::COMMANDS,
                families::sort::COMMANDS,
                families::persistence::COMMANDS,
            ]),
            config,
            stats: Stats::default(),
            clients: session::Clients::default(),
            pubsub,
            gate: gate::ExecGate::default(),
            monitors: monitor::Monitors::default(),
            limits: types::SharedLimits::default(),
            blocking,
            loading: AtomicBool::new(false),
            misconf: Mutex::new([None, None]),
            persist_failing: AtomicBool::new(false),
            persistence: std::sync::OnceLock::new(),
            pause_end_ms: AtomicU64::new(0),
            pause_all: AtomicBool::new(false),
            clock,
            run_id: seed.iter().map(|b| format!("{b:02x}")).collect(),
            started: Instant::now(),
            started_unix,
            shutdown: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            shutdown_hook: Mutex::new(None),
            security_warned: AtomicU64::new(0),
        };
        engine.sync_config();
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
    }

    /// An engine with default settings and the system clock.
    pub fn with_defaults() -> Engine {
        Engine::new(Config::default(), Arc::new(SystemClock))
    }

    /// Seconds since start.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Runs one command and appends its reply to `out`. Never panics into the caller: a bug in
    /// a command becomes an error reply.
    pub fn execute(&self, session: &mut Session, args: &[&[u8]], out: &mut ReplyBuf) {
        self.execute_at(session, args, out, self.clock.now_ms(), Instant::now());
    }

    /// [`Engine::execute`] for callers that run many commands at once (a pipeline): `now_ms` is
    /// the time every expiry check of the command uses, `started` when its timing starts.
    /// Returns when it finished, which serves as the next command's `started`, so a pipeline
    /// reads the clock once per command instead of three times.
    pub fn execute_at(
        &self,
        session: &mut Session,
        args: &[&[u8]],
        out: &mut ReplyBuf,
        now_ms: u64,
        started: Instant,
    ) -> Instant {
        if args.is_empty() {
            return started;
        }
        if is_cross_protocol(args[0]) {
            // Redis compatibility: an HTTP request sent to the RESP port (a web page posting
            // to 127.0.0.1:6379) is dropped before anything it carries runs.
            self.security_warning();
            session.close_after_reply = true;
            return started;
        }
        let resolved = match session.key_hint {
            // Prefetching resolved the command already (never a container): only arity is left.
            Some(h) => self.registry.check_arity(h.cmd, args).map(|_| h.cmd),
            None => self.registry.resolve(args),
        };
        let idx = match resolved {
            Ok(idx) => idx,
            Err((idx, err)) => return self.refuse(session, idx, &err, out, started),
        };
        let entry = &self.registry.entries[idx];
        let cmd = entry.cmd;
        if !session.authenticated && cmd.flags & command::flags::NO_AUTH == 0 {
            return self.refuse(session, Some(idx), &error::NOAUTH, out, started);
        }
        if self.loading.load(Relaxed)
            && cmd.flags & command::flags::LOADING == 0
            && !session.replaying
        {
            let err = CmdError::from_static("LOADING Redis is loading the dataset in memory");
            return self.refuse(session, Some(idx), &err, out, started);
        }
        if self.closing.load(Relaxed) && !session.replaying {
            // The final snapshot is being written: nothing may change after it.
            let err = CmdError::from_static("ERR the server is shutting down");
            return self.refuse(session, Some(idx), &err, out, started);
        }
        // Redis refuses PING too, so a health check notices.
        if self.persist_failing.load(Relaxed)
            && (cmd.flags & command::flags::WRITE != 0 || cmd.name == "ping")
            && !session.replaying
        {
            let why = self.misconf().unwrap_or_default();
            let err = CmdError::new(why);
            return self.refuse(session, Some(idx), &err, out, started);
        }
        if session.in_resp2_subscribed_mode()
            && !families::pubsub::allowed_when_subscribed(cmd.name)
        {
            let full = &entry.full_name;
            let err = CmdError::new(format!("ERR Can't execute '{full}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"));
            return self.refuse(session, Some(idx), &err, out, started);
        }
        if let Some(tx) = session.multi.as_mut() {
            if !families::transactions::runs_inside_multi(entry) {
                if cmd.flags & command::flags::NO_MULTI != 0 {
                    let err = CmdError::from_static("ERR Command not allowed inside a transaction");
                    return self.refuse(session, Some(idx), &err, out, started);
                }
                tx.queued
                    .push((idx, args.iter().map(|a| a.to_vec()).collect()));
                session.client.multi.store(tx.queued.len() as i64, Relaxed);
                session.client.last_command.store(idx, Relaxed);
                out.simple("QUEUED");
                return started;
            }
        }
        // Every command but EXEC runs under the shared side of the gate; EXEC takes the
        // exclusive side to run its queue with nothing else in between.
        let gate = (cmd.name != "exec").then(|| self.gate.read());
        let mark = out.len();
        let skip_this = session.reply == session::ReplyMode::SkipNext;
        tracking::set_current_client(session.client.id);
        let failed = self.dispatch(session, idx, args, out, now_ms);
        if session.tracking.is_some() {
            self.track_read(session, idx, args, failed);
        }
        if self.monitors.active()
            && cmd.flags & (command::flags::ADMIN | command::flags::SKIP_MONITOR) == 0
        {
            let client = &session.client;
            self.monitors
                .feed(self.clock.now_us(), session.db, &client.addr, args);
        }
        if let Some(request) = session.block_request.take() {
            self.enter_wait(session, idx, args, request);
        }
        drop(gate);
        if self.blocking.has_ready() {
            self.serve_blocked();
        }
        if std::mem::take(&mut session.reply_set_now) {
            // CLIENT REPLY itself: OFF and SKIP were silent, SKIP applies to the next command.
        } else if session.reply == session::ReplyMode::Off || skip_this {
            out.truncate(mark);
            if skip_this {
                session.reply = session::ReplyMode::On;
            }
        }
        let finished = Instant::now();
        self.registry.record(
            idx,
            finished.duration_since(started).as_micros() as u64,
            failed,
        );
        finished
    }

    /// Logs Redis's warning about a cross-protocol request, at most once a minute.
    fn security_warning(&self) {
        let now = self.clock.now_ms() / 1000;
        let last = self.security_warned.load(Relaxed);
        if now.abs_diff(last) > 60 && self.security_warned.swap(now, Relaxed) == last {
            tracing::warn!(
                "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or \
                 Host: commands to Redis. This is likely due to an attacker attempting to use \
                 Cross Protocol Scripting to compromise your Redis instance. Connection aborted."
            );
        }
    }

    /// Installs the persistence layer (the server does, before loading).
    pub fn set_persistence(&self, p: Arc<dyn persistence::Persistence>) {
        let _ = self.persistence.set(p);
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

    /// Records that `source` fails (`Some(error text)`: writes are refused with it) or works
    /// again (`None`).
    pub fn set_misconf(&self, source: persistence::Failure, why: Option<String>) {
        let mut m = self.misconf.lock().unwrap_or_else(|e| e.into_inner());
        m[source as usize] = why;
        self.persist_failing
            .store(m.iter().any(Option::is_some), Relaxed);
    }

    /// The error writes get while persistence fails.
    pub fn misconf(&self) -> Option<String> {
        let m = self.misconf.lock().unwrap_or_else(|e| e.into_inner());
        m.iter().flatten().next().cloned()
    }

    /// Whether `source` fails now.
    pub fn failing(&self, source: persistence::Failure) -> bool {
        self.misconf.lock().unwrap_or_else(|e| e.into_inner())[source as usize].is_some()
    }

    /// Queues the session's client as a waiter for `request`.
    fn enter_wait(
        &self,
        session: &mut Session,
        idx: usize,
        args: &[&[u8]],
        request: blocking::BlockRequest,
    ) {
        let Some(ps) = session.pubsub.as_ref() else {
            return;
        };
        let w = Arc::new(blocking::Waiter::new(
            session.client.clone(),
            ps.mailbox.clone(),
            session.db,
            idx,
            args.iter().map(|a| a.to_vec()).collect(),
            session.resp3,
            request,
        ));
        self.blocking.block(w.clone());
        session.blocked = Some(w);
    }

    /// Serves the clients blocked on keys that writes signalled, in arrival order per key, each
    /// re-running its command on its own behalf (see [`blocking`]). Runs under the shared side
    /// of the exec gate, like any command.
    pub fn serve_blocked(&self) {
        let _gate = self.gate.read();
        while let Some((key, waiters)) = self.blocking.next_ready() {
            for w in waiters {
                self.blocking.serve(&w, || {
                    let mut session = Session::proxy(w.client.clone(), w.db, w.resp3);
                    session.serving = Some(key.clone());
                    let mut out = ReplyBuf::new(w.resp3);
                    let args: Vec<&[u8]> = w.args.iter().map(|a| a.as_slice()).collect();
                    let now = self.clock.now_ms();
                    self.dispatch(&mut session, w.cmd, &args, &mut out, now);
                    // Still nothing for it (the key emptied, or holds another type, which keeps a
                    // Redis 7.0 client blocked): the waiter stays queued. Anything else, an
                    // error too (BLMOVE to a destination of another type), ends the wait.
                    session.block_request.is_none().then_some(out.buf)
                });
            }
        }
    }

    /// Runs resolved command `idx` and writes its reply; an error (or a panic, turned into
    /// one) replaces whatever it wrote. Returns true when it failed.
    pub(crate) fn dispatch(
        &self,
        session: &mut Session,
        idx: usize,
        args: &[&[u8]],
        out: &mut ReplyBuf,
        now_ms: u64,
    ) -> bool {
        let cmd = self.registry.entries[idx].cmd;
        session.client.last_command.store(idx, Relaxed);
        let mark = out.len();
        let result = {
            let mut ctx = Ctx {
                engine: self,
                session: &mut *session,
                out: &mut *out,
                now: now_ms,
            };
            let log = &self.keyspace.log;
            let logged = cmd.flags & command::flags::WRITE != 0 && log.enabled();
            if logged {
                propagate::begin(ctx.session.db, args);
            }
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                (cmd.handler)(&mut ctx, args)
            }));
            if logged {
                propagate::end(log);
                ctx.session.last_write_seq = propagate::last_seq();
            }
            r
        };
        match result {
            Ok(Ok(())) => false,
            Ok(Err(err)) => {
                out.truncate(mark);
                self.count_error(err.as_bytes());
                out.error(err.as_bytes());
                true
            }
            Err(_) => {
                out.truncate(mark);
                let msg = "ERR internal error while executing the command";
                self.count_error(msg.as_bytes());
                out.error(msg);
                true
            }
        }
    }

    /// CLIENT TRACKING in default mode: remembers the keys a read-only command read, honouring
    /// OPTIN/OPTOUT and CLIENT CACHING (which covers exactly the next command).
    pub(crate) fn track_read(
        &self,
        session: &mut Session,
        idx: usize,
        args: &[&[u8]],
        failed: bool,
    ) {
        let Some(t) = session.tracking.as_mut() else {
            return;
        };
        if std::mem::take(&mut t.caching_set_now) {
            return;
        }
        let caching = t.caching.take();
        let cmd = self.registry.entries[idx].cmd;
        if failed || t.tracker.bcast.is_some() || cmd.flags & command::flags::READONLY == 0 {
            return;
        }
        let wanted = if t.optin {
            caching == Some(true)
        } else if t.optout {
            caching != Some(false)
        } else {
            true
        };
        if wanted {
            for p in self.registry.key_positions(idx, args) {
                let max = self.config.tracking_table_max_keys();
                self.keyspace
                    .tracking
                    .remember(session.client.id, args[p], max);
            }
        }
    }

    /// Refuses a command before it runs; inside MULTI that also dooms the transaction, as
    /// Redis's `rejectCommand` does.
    fn refuse(
        &self,
        session: &mut Session,
        idx: Option<usize>,
        err: &CmdError,
        out: &mut ReplyBuf,
        started: Instant,
    ) -> Instant {
        if let Some(tx) = session.multi.as_mut() {
            tx.aborted = true;
        }
        if idx.is_some_and(|i| self.registry.entries[i].cmd.name == "exec") {
            // Redis compatibility: a refused EXEC ends the transaction and says why.
            session.multi = None;
            session.client.multi.store(-1, Relaxed);
            if let Some(mut w) = session.watching.take() {
                w.clear();
            }
            let text = err.as_bytes();
            let reason = text
                .iter()
                .position(|&c| c == b' ')
                .map_or(text, |p| &text[p + 1..]);
            let abort =
                CmdError::concat(&[b"EXECABORT Transaction discarded because of: ", reason]);
            self.reject(idx, &abort, out);
            return started;
        }
        self.reject(idx, err, out);
        started
    }

    /// Refuses a command before it runs: Redis counts these as rejected calls.
    fn reject(&self, idx: Option<usize>, err: &CmdError, out: &mut ReplyBuf) {
        if let Some(i) = idx {
            self.registry.entries[i]
                .stats
                .rejected
                .fetch_add(1, Relaxed);
        }
        self.count_error(err.as_bytes());
        out.error(err.as_bytes());
    }

    fn count_error(&self, msg: &[u8]) {
        self.stats.error_replies.fetch_add(1, Relaxed);
        let code = msg.split(|&c| c == b' ').next().unwrap_or(b"ERR");
        let code = String::from_utf8_lossy(code).into_owned();
        let mut map = self
            .stats
            .errors_by_code
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Redis caps the distinct error codes it tracks at 128.
        if map.len() < 128 || map.contains_key(&code) {
            *map.entry(code).or_insert(0) += 1;
        }
    }

    /// The first key of a command, hashed, for [`Engine::prefetch`] and [`Session::key_hint`].
    pub fn key_hint(&self, args: &[&[u8]]) -> Option<KeyHint> {
        let (cmd, key) = self.registry.first_key(args)?;
        let k = self.keyspace.key(key);
        Some(KeyHint {
            ptr: key.as_ptr() as usize,
            len: key.len(),
            hash: k.hash,
            cmd,
            member: self.registry.member(cmd, args).map(types::hash_of),
        })
    }

    /// Member-level prefetching for commands that look a field or member up in a large
    /// collection: stage 2 starts loading its bucket slot in the collection's table, stage 3
    /// (once the slot arrived) the first entry of its chain. `key` is the hint's key argument.
    /// Nothing is dereferenced that is not already cached by the earlier stages, and a shard
    /// another thread holds is skipped.
    pub fn prefetch_member(&self, db: usize, key: &[u8], hint: KeyHint, stage: u8) {
        let Some(member) = hint.member else { return };
        if db >= self.keyspace.databases() {
            return;
        }
        let k = Keyspace::key_with_hash(key, hint.hash);
        let Some(shard) = self.keyspace.db(db).try_read(k.shard) else {
            return;
        };
        let Some(big) = shard.table.get(k.hash, key).and_then(|e| e.big()) else {
            return;
        };
        let table = match big {
            types::Big::Hash(t) | types::Big::Set(t) => t,
            types::Big::ZSet(z) => z.table(),
            types::Big::List(_) => return,
        };
        if stage == 2 {
            table.prefetch_bucket(member);
        } else {
            table.prefetch_head(member);
        }
    }

    /// Starts loading what a command on this key will touch (see [`Keyspace::prefetch`]).
    pub fn prefetch(&self, db: usize, hint: KeyHint, stage: u8) {
        let k = Keyspace::key_with_hash(&[], hint.hash);
        self.keyspace.prefetch(db, &k, stage);
    }

    /// One active-expiry cycle over every shard: deletes due keys until none is due or
    /// `budget` has been spent. Returns the number of keys deleted.
    pub fn active_expire_cycle(&self, budget: Duration) -> usize {
        let started = Instant::now();
        let now = self.clock.now_ms();
        let hasher = self.keyspace.hasher();
        let mut deleted = 0;
        let mut lag = 0u64;
        'outer: for d in 0..self.keyspace.databases() {
            let db = self.keyspace.db(d);
            for s in 0..SHARDS {
                // Peek under the read lock first: most shards have nothing due.
                let due = matches!(db.read(s).next_deadline(), Some(at) if at <= now);
                if !due {
                    continue;
                }
                loop {
                    // Expiry is a write like any other: never in the middle of an EXEC.
                    let _gate = self.gate.read();
                    let mut shard = db.write(s);
                    let ks = &self.keyspace;
                    let (watches, events) = (&ks.watches, &ks.events);
                    let (n, examined) = shard.active_expire(
                        now,
                        ACTIVE_EXPIRE_KEYS_PER_LOCK,
                        hasher,
                        |sh, hash, k| {
                            ks.snapshots.before_key(d, s, sh, hash, k);
                            watches.touch(d, k);
                            self.keyspace.tracking.invalidate(k);
                            events.emit(notify::EXPIRED, "expired", d, k, now);
                            propagate::emit(&self.keyspace.log, d, &[b"DEL", k]);
                        },
                    );
                    db.publish_hint(s, &shard);
                    db.count_changes(s, n as u64);
                    deleted += n;
                    let pending = shard.next_deadline().filter(|&at| at <= now);
                    drop(shard);
                    if let Some(at) = pending {
                        lag = lag.max(now - at);
                    }
                    if examined < ACTIVE_EXPIRE_KEYS_PER_LOCK || pending.is_none() {
                        break;
                    }
                    if started.elapsed() >= budget {
                        break 'outer;
                    }
                }
            }
        }
        self.stats
            .expire_cycle_us
            .fetch_add(started.elapsed().as_micros() as u64, Relaxed);
        self.stats.expire_lag_ms.store(lag, Relaxed);
        deleted
    }

    /// Runs active expiry `hz` times a second on the calling thread until `engine` is gone or
    /// `running` turns false. The server runs it on a thread of its own; the embedded library
    /// holds only a weak reference, so the loop ends when the last `Db` handle drops.
    pub fn run_active_expiry(engine: std::sync::Weak<Engine>, running: Arc<AtomicBool>) {
        while running.load(Relaxed) {
            let Some(e) = engine.upgrade() else { return };
            // `hz` is read every cycle so CONFIG SET hz applies at once.
            let tick = Duration::from_secs(1) / e.config.hz().max(1) as u32;
            // Nothing expires while the data loads (an AOF may PERSIST a key later on).
            if !e.loading.load(Relaxed) {
                e.active_expire_cycle(tick / ACTIVE_EXPIRE_CPU_SHARE);
            }
            drop(e);
            std::thread::sleep(tick);
        }
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

    /// Milliseconds the current pause still lasts (0: not paused).
    pub fn pause_remaining_ms(&self) -> u64 {
        let end = self.pause_end_ms.load(Relaxed);
        if end == 0 {
            return 0;
        }
        end.saturating_sub(self.clock.now_ms())
    }

    /// True when CLIENT PAUSE holds this command: every command under ALL; under WRITE, those
    /// that may change data or replicate (writes, PUBLISH, an EXEC with a queued write).
    pub fn paused_for(&self, session: &Session, args: &[&[u8]]) -> bool {
        if self.pause_remaining_ms() == 0 {
            return false;
        }
        if self.pause_all.load(Relaxed) {
            return true;
        }
        let writes = |idx: usize| {
            self.registry.entries[idx].cmd.flags
                & (command::flags::WRITE | command::flags::MAY_REPLICATE)
                != 0
        };
        let Some(idx) = args.first().and_then(|name| self.registry.lookup(name)) else {
            return false;
        };
        if self.registry.entries[idx].cmd.name == "exec" {
            return session
                .multi
                .as_ref()
                .is_some_and(|tx| tx.queued.iter().any(|(i, _)| writes(*i)));
        }
        // Queued inside MULTI, a write only waits at EXEC.
        session.multi.is_none() && writes(idx)
    }

    /// Keys deleted by expiry so far, over all shards.
    pub fn expired_keys(&self) -> u64 {
        let mut n = 0;
        for d in 0..self.keyspace.databases() {
            for s in 0..SHARDS {
                n += self.keyspace.db(d).read(s).expired;
            }
        }
        n
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

    /// Refuses every command from now on (`true`: a shutdown writes its final snapshot) or
    /// serves again (`false`: the shutdown failed).
    pub fn set_closing(&self, on: bool) {
        self.closing.store(on, Relaxed);
    }

    /// True once shutdown was requested.
    pub fn shutdown_requested(&self) -> bool {
        self.shutdown.load(Relaxed)
    }

    /// Installs the function SHUTDOWN calls to stop the server.
    pub fn on_shutdown(&self, hook: Box<dyn Fn() + Send + Sync>) {
        *self.shutdown_hook.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }
}

#[cfg(test)]
mod tests;
