//! The one way into a command. Every door reaches commands here: a RESP connection, an HTTP
//! route, the embedded library and the AOF replay through [`Engine::execute`]; EXEC's queue and
//! a blocked client served by a write through [`Engine::call`], which runs a command already
//! admitted (scripts and replicas will come the same way).
//!
//! ```text
//! socket -> parser -> execute: resolve the row; admit it from its flags (auth, loading,
//!                     shutdown, MISCONF, subscribed mode); queue it inside MULTI
//!                  -> call:    exec gate -> handler (shard locks, change, log record while
//!                     the locks are held) -> tracking, MONITOR, blocking, CLIENT REPLY,
//!                     stats
//!                  -> Called { ticket, .. }: the door sends the reply once the log has made
//!                     the ticket durable (fsynced under `always`, written otherwise)
//! ```
//!
//! What a call produced is its return value ([`Called`]) and what it needs per call lives in
//! its [`Ctx`]; nothing is left on the session for the caller to clear.

use crate::blocking::{BlockRequest, Waiter};
use crate::command::{flags, CmdResult};
use crate::error::{self, CmdError};
use crate::keyspace::{Key, Keyspace};
use crate::session::{KeyHint, Session};
use crate::{gate, notify, propagate, tracking, Engine};
use resp::ReplyBuf;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

/// What the caller knows when it calls: the time every expiry check of the command uses, when
/// its timing starts (a pipeline passes the previous command's end), and what prefetching
/// already resolved.
#[derive(Clone, Copy, Debug)]
pub struct CallSite {
    /// Unix ms.
    pub now_ms: u64,
    /// When the command's timing starts.
    pub started: Instant,
    /// The command's row and first key's hash, when prefetching computed them.
    pub hint: Option<KeyHint>,
}

impl CallSite {
    /// A call now, by the engine's clock.
    pub fn now(engine: &Engine) -> CallSite {
        CallSite {
            now_ms: engine.clock.now_ms(),
            started: Instant::now(),
            hint: None,
        }
    }
}

/// What a call produced besides its reply.
#[derive(Clone, Copy, Debug)]
pub struct Called {
    /// The write-stream position the reply depends on: everything this command, and every
    /// command whose effect it could see, logged. The reply may leave once the log made it
    /// durable ([`crate::propagate::Log::settle`]); 0 when there is nothing to wait for.
    pub ticket: u64,
    /// The command logged a record of its own (its reply acknowledges a write).
    pub wrote: bool,
    /// It replied with an error.
    pub failed: bool,
    /// It found nothing and waits (a blocking command on a connection): the connection sends
    /// nothing more until the wait in `Session::blocked` ends.
    pub blocked: bool,
    /// The connection closes after this reply (QUIT, a refused HTTP request line).
    pub close: bool,
    /// When it finished: the next command of a pipeline starts its timing here.
    pub finished: Instant,
}

impl Called {
    fn nothing(at: Instant) -> Called {
        Called {
            ticket: 0,
            wrote: false,
            failed: false,
            blocked: false,
            close: false,
            finished: at,
        }
    }
}

/// How a command is being called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode<'a> {
    /// By a client (of any door).
    Client,
    /// From EXEC's queue: every other command is held off (no gate to take), blocking commands
    /// answer at once, and the reply is one element of EXEC's.
    Exec,
    /// For a blocked client, because this key gained data: only it may serve the command.
    Serving(&'a [u8]),
    /// From a script (`redis.call`): as from EXEC's queue (the script holds every other
    /// command off), and MONITOR shows it as `lua`'s.
    Script,
}

/// What a command sees: the engine, its session, the reply buffer, the time it started, and
/// what it leaves for [`Engine::call`] (a wait, a close).
pub struct Ctx<'a> {
    /// The engine.
    pub engine: &'a Engine,
    /// The calling client's session.
    pub session: &'a mut Session,
    /// Where the reply goes.
    pub out: &'a mut ReplyBuf,
    /// Unix ms when the command started; every expiry check of the command uses it.
    pub now: u64,
    pub(crate) mode: Mode<'a>,
    hint: Option<KeyHint>,
    block: Option<BlockRequest>,
    /// Set by QUIT and friends: the connection closes after the reply.
    pub(crate) close: bool,
    /// This command's reply is dropped (it follows CLIENT REPLY SKIP); CLIENT REPLY ON clears
    /// it.
    pub(crate) skip_reply: bool,
    /// Set by CLIENT CACHING: its choice applies to the next command.
    pub(crate) caching_set: bool,
    /// Where in `out` this command wrote pushes (subscribe confirmations, messages): they
    /// reach the client even with CLIENT REPLY OFF or SKIP, as Redis's `CLIENT_PUSHING`.
    pushes: Vec<std::ops::Range<usize>>,
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
        if let Some(h) = self.hint {
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

    /// The access clock a key made now starts with (see [`crate::memory`]: LRU seconds, or
    /// an LFU counter under an LFU policy).
    pub fn clock(&self) -> u32 {
        self.engine.keyspace.access.new_clock(self.base_time())
    }

    /// Records an access to `e` in its access clock.
    pub fn touch(&self, e: &crate::entry::EntryRef<'_>) {
        e.touch(
            self.engine
                .keyspace
                .access
                .touched(e.clock(), self.base_time()),
        );
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

    /// True while EXEC runs this command from its queue, or a script runs it: every other
    /// command is held off.
    pub fn in_exec(&self) -> bool {
        matches!(self.mode, Mode::Exec | Mode::Script)
    }

    /// True while a script runs this command (`redis.call`).
    pub fn in_script(&self) -> bool {
        matches!(self.mode, Mode::Script)
    }

    /// True while the server runs this command for a blocked client.
    pub fn serving(&self) -> bool {
        matches!(self.mode, Mode::Serving(_))
    }

    /// Whether a blocking command may take data from `key` now: any key normally, only the
    /// key that became ready while serving a blocked client (as Redis serves a waiter from the
    /// key that gained data).
    pub fn may_serve(&self, key: &[u8]) -> bool {
        match self.mode {
            Mode::Serving(k) => k == key,
            _ => true,
        }
    }

    /// Writes a push (a pub/sub confirmation or message) to the reply: unlike the rest of the
    /// reply, it is sent under CLIENT REPLY OFF and SKIP too.
    pub fn pushing(&mut self, write: impl FnOnce(&mut ReplyBuf)) {
        let start = self.out.len();
        write(self.out);
        if self.mode == Mode::Client && self.out.len() > start {
            self.pushes.push(start..self.out.len());
        }
    }

    /// The connection closes once this reply is sent.
    pub fn close_after_reply(&mut self) {
        self.close = true;
    }

    /// A blocking command found nothing: wait (the connection holds the reply back until data,
    /// timeout, CLIENT UNBLOCK or disconnect), or, where waiting is impossible, answer as a
    /// timeout at once. Inside EXEC, as in Redis; for HTTP and library sessions, which have no
    /// connection to hold, as a decision of this server.
    pub fn block(&mut self, request: BlockRequest) -> CmdResult {
        let waits = match self.mode {
            Mode::Serving(_) => true,
            Mode::Exec | Mode::Script => false,
            Mode::Client => self.session.pubsub.is_some(),
        };
        if waits {
            self.block = Some(request);
        } else if request.null_bulk {
            self.out.null();
        } else {
            self.out.null_array();
        }
        Ok(())
    }
}

/// EVAL and FCALL are flagged `skip-monitor` (their effects are shown as `lua`'s commands),
/// yet Redis 7.0 shows the call itself too.
fn shown_with_script(cmd: &crate::command::Command) -> bool {
    matches!(
        cmd.name,
        "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro"
    )
}

/// True for the first word of an HTTP request line or header (`POST`, `Host:`): what a browser
/// sends when a web page makes it talk to the RESP port.
fn is_cross_protocol(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"post") || name.eq_ignore_ascii_case(b"host:")
}

/// Whether a client's reply is dropped, under CLIENT REPLY OFF or for the one command after
/// CLIENT REPLY SKIP (taken: as Redis's `resetClient`, the skip ends with the next command,
/// whether it ran, was queued or was refused).
fn silenced(session: &mut Session) -> bool {
    std::mem::take(&mut session.reply_skip_next) || session.reply_off
}

thread_local! {
    /// Errors counted on this thread, ever (a command's call compares before and after).
    static ERRORS_HERE: Cell<u64> = const { Cell::new(0) };
}

/// Unix seconds of the last cross-protocol warning (logged at most once a minute).
static SECURITY_WARNED: AtomicU64 = AtomicU64::new(0);

impl Engine {
    /// Runs one command from a client and appends its reply to `out`. Never panics into the
    /// caller: a bug in a command becomes an error reply.
    pub fn execute(&self, session: &mut Session, args: &[&[u8]], out: &mut ReplyBuf) -> Called {
        self.execute_at(session, args, out, CallSite::now(self))
    }

    /// [`Engine::execute`] at a known [`CallSite`] (a pipeline reads the clock once per
    /// command and passes what prefetching resolved).
    pub fn execute_at(
        &self,
        session: &mut Session,
        args: &[&[u8]],
        out: &mut ReplyBuf,
        site: CallSite,
    ) -> Called {
        let refused = Called::nothing(site.started);
        if args.is_empty() {
            return refused;
        }
        if is_cross_protocol(args[0]) {
            // Redis compatibility: an HTTP request sent to the RESP port (a web page posting
            // to 127.0.0.1:6379) is dropped before anything it carries runs.
            self.security_warning();
            return Called {
                close: true,
                ..refused
            };
        }
        let resolved = match site.hint {
            // Prefetching resolved the command already (never a container): only arity is left.
            Some(h) => self.registry.check_arity(h.cmd, args).map(|_| h.cmd),
            None if session.replaying => self.registry.resolve_original(args),
            None => self.registry.resolve(args),
        };
        let idx = match resolved {
            Ok(idx) => idx,
            Err((idx, err)) => {
                self.refuse(session, idx, &err, out);
                return refused;
            }
        };
        if let Err(err) = self.admit(&mut *session, idx, args) {
            self.refuse(session, Some(idx), &err, out);
            return refused;
        }
        let cmd = self.registry.entries[idx].cmd;
        if let Some(tx) = session.multi.as_mut() {
            if cmd.flags & flags::IN_MULTI == 0 {
                if cmd.flags & flags::NO_MULTI != 0 {
                    let err = CmdError::from_static("ERR Command not allowed inside a transaction");
                    self.refuse(session, Some(idx), &err, out);
                    return refused;
                }
                // What a client queues is query it sent but that has not run: it counts
                // against `client-query-buffer-limit`, and a client past it is closed without
                // a reply, as one whose query buffer overflows (a decision of this server:
                // Redis 7.0 bounds the queue only through client eviction).
                let size = args.iter().map(|a| a.len() + 16).sum::<usize>();
                tx.bytes = tx.bytes.saturating_add(size);
                if tx.bytes as u64 > self.config.client_query_buffer_limit() {
                    tracing::warn!(
                        "Closing client that reached max query buffer length with its MULTI queue: id={} addr={} queued={}",
                        session.client.id,
                        session.client.addr,
                        tx.bytes
                    );
                    session.end_transaction();
                    return Called {
                        close: true,
                        ..refused
                    };
                }
                tx.queued
                    .push((idx, args.iter().map(|a| a.to_vec()).collect()));
                session.client.multi.store(tx.queued.len() as i64, Relaxed);
                session.client.last_command.store(idx, Relaxed);
                if !silenced(session) {
                    out.simple("QUEUED");
                }
                return refused;
            }
        }
        self.call(session, idx, args, out, site, Mode::Client)
    }

    /// Whether the client may run command `idx` now: every check comes from the command's
    /// flags, in Redis's order. The AOF replay obeys whatever the state.
    fn admit(&self, session: &mut Session, idx: usize, args: &[&[u8]]) -> Result<(), CmdError> {
        let entry = &self.registry.entries[idx];
        let f = entry.cmd.flags;
        if !session.authenticated && f & flags::NO_AUTH == 0 {
            return Err(error::NOAUTH);
        }
        if session.replaying {
            return Ok(());
        }
        if f & flags::NO_AUTH == 0 {
            let context = if session.multi.is_some() {
                "multi"
            } else {
                "toplevel"
            };
            self.acl_check(session, idx, args, context)?;
        }
        // A busy script refuses what is not allowed while it runs, queued or not.
        if f & flags::ALLOW_BUSY == 0
            && self.busy.running()
            && self.busy.elapsed_ms() >= self.config.busy_reply_threshold()
        {
            return Err(self.busy.error());
        }
        if self.state.loading() && f & flags::LOADING == 0 {
            return Err(CmdError::from_static(
                "LOADING Redis is loading the dataset in memory",
            ));
        }
        if self.state.closing() {
            // The final snapshot is being written: nothing may change after it.
            return Err(CmdError::from_static("ERR the server is shutting down"));
        }
        session.oom = false;
        if self.memory.maxmemory() > 0 {
            session.oom = self.perform_evictions() == crate::evict::Outcome::Fail;
            if session.oom && self.refused_on_oom(session, idx) {
                return Err(error::OOM);
            }
        }
        if f & (flags::WRITE | flags::DENY_ON_DISK_ERROR) != 0 {
            if let Some(why) = self.state.misconf() {
                return Err(CmdError::new(why));
            }
        }
        if session.in_resp2_subscribed_mode() && f & flags::SUBSCRIBED == 0 {
            let full = &entry.full_name;
            return Err(CmdError::new(format!("ERR Can't execute '{full}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")));
        }
        Ok(())
    }

    /// The user whose permissions apply to `session`, re-read when users changed; None when
    /// it was deleted (its connections are being closed).
    pub fn session_user(&self, session: &mut Session) -> Option<std::sync::Arc<crate::acl::User>> {
        let generation = self.acl.generation();
        if let Some((g, u)) = &session.acl_user {
            if *g == generation {
                return Some(u.clone());
            }
        }
        let user = self.acl.get(&session.client.user_name())?;
        session.acl_user = Some((generation, user.clone()));
        Some(user)
    }

    /// Redis's `ACLCheckAllPerm`: the session's user may run command `idx` with `args`, or
    /// `-NOPERM` and an ACL LOG entry (`context`: `toplevel`, `multi` or `lua`).
    pub(crate) fn acl_check(
        &self,
        session: &mut Session,
        idx: usize,
        args: &[&[u8]],
        context: &'static str,
    ) -> Result<(), CmdError> {
        let full = &self.registry.entries[idx].full_name;
        match self.acl_denied(session, idx, args, context) {
            None => Ok(()),
            Some(crate::acl::Denied::Command) => Err(CmdError::new(format!(
                "NOPERM this user has no permissions to run the '{full}' command"
            ))),
            Some(crate::acl::Denied::Key(_)) => Err(CmdError::from_static(
                "NOPERM this user has no permissions to access one of the keys used as arguments",
            )),
            Some(crate::acl::Denied::Channel(_)) => Err(CmdError::from_static(
                "NOPERM this user has no permissions to access one of the channels used as arguments",
            )),
        }
    }

    /// What the session's user may not do in running `idx` with `args`, logged in the ACL
    /// LOG under `context`; None when allowed. A deleted user's connection is closed.
    pub(crate) fn acl_denied(
        &self,
        session: &mut Session,
        idx: usize,
        args: &[&[u8]],
        context: &'static str,
    ) -> Option<crate::acl::Denied> {
        // The common case first, without touching the user's reference count.
        if let Some((g, u)) = &session.acl_user {
            if *g == self.acl.generation() && u.unrestricted() {
                return None;
            }
        }
        let Some(user) = self.session_user(session) else {
            session.client.kill();
            return Some(crate::acl::Denied::Command);
        };
        if user.unrestricted() {
            return None;
        }
        let denied = user.check(&self.registry, idx, args).err()?;
        let (reason, object) = match denied {
            crate::acl::Denied::Command => {
                ("command", self.registry.entries[idx].full_name.clone())
            }
            crate::acl::Denied::Key(p) => ("key", String::from_utf8_lossy(args[p]).into_owned()),
            crate::acl::Denied::Channel(p) => {
                ("channel", String::from_utf8_lossy(args[p]).into_owned())
            }
        };
        self.acl_log(session, reason, context, object, None);
        Some(denied)
    }

    /// Adds an ACL LOG entry for `session` (`username`: the one tried, for AUTH failures).
    pub fn acl_log(
        &self,
        session: &Session,
        reason: &'static str,
        context: &'static str,
        object: String,
        username: Option<String>,
    ) {
        let now = self.clock.now_ms();
        let entry = crate::acl::LogEntry {
            count: 1,
            reason,
            context,
            object,
            username: username.unwrap_or_else(|| session.client.user_name()),
            time_ms: now,
            client_info: crate::families::client::client_line(self, &session.client, now)
                .trim_end()
                .to_string(),
        };
        let max = self.config.read(|v| v.acllog_max_len);
        self.acl.log(entry, max);
    }

    /// Whether command `idx` is refused while `maxmemory` cannot be met (Redis's
    /// `reject_cmd_on_oom`): a `denyoom` command, EXEC of a transaction holding one, and,
    /// inside MULTI, anything but EXEC, DISCARD, QUIT and RESET (a queue grows memory too).
    fn refused_on_oom(&self, session: &Session, idx: usize) -> bool {
        let cmd = self.registry.entries[idx].cmd;
        if cmd.flags & flags::DENYOOM != 0 {
            return true;
        }
        let Some(tx) = session.multi.as_ref() else {
            return false;
        };
        match cmd.name {
            "exec" => tx
                .queued
                .iter()
                .any(|(i, _)| self.registry.entries[*i].cmd.flags & flags::DENYOOM != 0),
            "discard" | "quit" | "reset" => false,
            _ => true,
        }
    }

    /// Runs command `idx`, admitted already, and does everything generic around it (see the
    /// module docs). An error (or a panic, turned into one) replaces whatever it wrote.
    pub(crate) fn call(
        &self,
        session: &mut Session,
        idx: usize,
        args: &[&[u8]],
        out: &mut ReplyBuf,
        site: CallSite,
        mode: Mode<'_>,
    ) -> Called {
        let cmd = self.registry.entries[idx].cmd;
        // BCAST tracking clients hear of this command's changes together, once it is done.
        let _tracking = self.keyspace.tracking.batch();
        // Every command runs under the shared side of the gate, but EXEC (and EVAL), which
        // take the exclusive side to run with nothing else in between, and what they run.
        // A command that must run alone (SORT ... STORE) takes the exclusive side.
        let outer = !matches!(mode, Mode::Exec | Mode::Script);
        let gate = if outer {
            match self.enter_gate(cmd, args) {
                Ok(g) => g,
                Err(err) => {
                    let mark = out.len();
                    self.reject(Some(idx), &err, out);
                    if mode == Mode::Client && silenced(session) {
                        out.truncate(mark);
                    }
                    return Called {
                        failed: true,
                        ..Called::nothing(site.started)
                    };
                }
            }
        } else {
            None
        };
        let mark = out.len();
        // Set by the previous command: CLIENT CACHING for tracking (it lasts until this
        // command ends, so CLIENT TRACKINGINFO shows it), CLIENT REPLY SKIP.
        let caching = session.tracking.as_ref().and_then(|t| t.caching);
        let skip_reply = mode == Mode::Client && std::mem::take(&mut session.reply_skip_next);
        session.client.last_command.store(idx, Relaxed);
        tracking::set_current_client(session.client.id);
        let appended = propagate::appended_here();
        let mut ctx = Ctx {
            engine: self,
            session: &mut *session,
            out: &mut *out,
            now: site.now_ms,
            mode,
            hint: site.hint,
            block: None,
            close: false,
            skip_reply,
            caching_set: false,
            pushes: Vec::new(),
        };
        let errors_before = ERRORS_HERE.with(Cell::get);
        let failed = self.run(&mut ctx, idx, args, mark);
        // As Redis: a script fails when an error was replied while it ran (a `redis.pcall`
        // of a failing command), not only when it replies one (EXEC does not count so).
        let failed =
            failed || (shown_with_script(cmd) && ERRORS_HERE.with(Cell::get) != errors_before);
        let Ctx {
            block,
            close,
            skip_reply,
            caching_set,
            pushes,
            ..
        } = ctx;
        if !caching_set {
            if let Some(t) = session.tracking.as_mut() {
                t.caching = None;
            }
        }
        if session.tracking.is_some() {
            self.track_read(session, idx, args, failed, caching);
        }
        if self.monitors.active()
            && !session.replaying
            && !matches!(mode, Mode::Serving(_))
            && (cmd.flags & (flags::ADMIN | flags::SKIP_MONITOR) == 0 || shown_with_script(cmd))
        {
            let addr = if mode == Mode::Script {
                "lua"
            } else {
                &session.client.addr
            };
            let limit = self.config.push_limit();
            self.monitors
                .feed(self.clock.now_us(), session.db, addr, args, limit);
        }
        let blocked = block.is_some();
        if let (Some(request), Mode::Client) = (block, mode) {
            self.enter_wait(session, idx, args, request);
        }
        drop(gate);
        if mode == Mode::Client {
            if self.blocking.has_ready() {
                self.serve_blocked();
            }
            if session.reply_off || skip_reply {
                // Only the pushes are sent (an error replaced whatever the command wrote).
                let kept: Vec<u8> = if failed {
                    Vec::new()
                } else {
                    pushes
                        .iter()
                        .flat_map(|r| out.buf[r.clone()].to_vec())
                        .collect()
                };
                out.truncate(mark);
                out.raw(&kept);
            }
        }
        let finished = Instant::now();
        let ns = finished.duration_since(site.started).as_nanos() as u64;
        let usec = ns / 1000;
        self.registry.record(idx, ns, failed);
        if !blocked && self.latency.threshold() > 0 {
            let event = if cmd.flags & flags::FAST != 0 {
                "fast-command"
            } else {
                "command"
            };
            self.latency
                .add_if_needed(event, ns / 1_000_000, self.clock.now_ms() / 1000);
        }
        // The slow log takes what clients and transactions ran (EXEC itself is flagged
        // skip-slowlog: its commands are logged one by one, as in Redis).
        if matches!(mode, Mode::Client | Mode::Exec)
            && !blocked
            && !session.replaying
            && cmd.flags & flags::SKIP_SLOWLOG == 0
            && self.slowlog.wants(usec)
        {
            let name = session
                .client
                .name
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            let now_s = self.clock.now_ms() / 1000;
            self.slowlog
                .push(args, usec, now_s, &session.client.addr, name);
        }
        Called {
            ticket: self.keyspace.log.ticket(),
            wrote: propagate::appended_here() > appended,
            failed,
            blocked,
            close,
            finished,
        }
    }

    /// The gate for a client's command. While a script runs, the command waits for it; once
    /// the script has run `busy-reply-threshold` ms, the command is refused with `-BUSY`,
    /// unless it is flagged `allow-busy` (SCRIPT KILL, SHUTDOWN...), which then runs
    /// without the gate, as Redis runs those between two steps of the script.
    fn enter_gate(
        &self,
        cmd: &crate::command::Command,
        args: &[&[u8]],
    ) -> Result<Option<gate::Pass<'_>>, CmdError> {
        let exclusive = cmd.flags & (flags::EXCLUSIVE | flags::GATE_ALONE) != 0;
        let alone = cmd.alone.is_some_and(|alone| alone(args));
        let busy = &self.busy;
        let mut spins = 0u32;
        loop {
            if !busy.running() {
                if exclusive {
                    return Ok(None);
                }
                if alone {
                    return Ok(Some(self.gate.enter(true)));
                }
                if let Some(g) = self.gate.try_read() {
                    return Ok(Some(gate::Pass::Shared(g)));
                }
                // EXEC holds the gate for a moment, or a script just started.
                spins += 1;
                if spins < 64 {
                    std::thread::yield_now();
                    continue;
                }
            } else if busy.elapsed_ms() >= self.config.busy_reply_threshold() {
                if cmd.flags & flags::ALLOW_BUSY != 0 {
                    return Ok(None);
                }
                return Err(busy.error());
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
    }

    /// The handler itself, inside its write record (see [`crate::propagate`]). Returns true
    /// when it failed; its reply is then only the error.
    fn run(&self, ctx: &mut Ctx<'_>, idx: usize, args: &[&[u8]], mark: usize) -> bool {
        let cmd = self.registry.entries[idx].cmd;
        let log = &self.keyspace.log;
        let logged = cmd.flags & flags::WRITE != 0 && log.enabled();
        if logged {
            propagate::begin(ctx.session.db, args);
        }
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (cmd.handler)(ctx, args)));
        if logged {
            propagate::end(log);
        }
        let text = match result {
            Ok(Ok(())) => return false,
            Ok(Err(err)) => err,
            Err(_) => CmdError::from_static("ERR internal error while executing the command"),
        };
        ctx.out.truncate(mark);
        if !text.is_counted() {
            self.count_error(text.as_bytes());
        }
        ctx.out.error(text.as_bytes());
        true
    }

    /// Serves the clients blocked on keys that writes signalled, in arrival order per key, each
    /// re-running its command on its own behalf through [`Engine::call`] (see [`crate::blocking`]).
    pub fn serve_blocked(&self) {
        while let Some((key, waiters)) = self.blocking.next_ready() {
            for w in waiters {
                self.blocking.serve(&w, || {
                    let mut session = Session::proxy(w.client.clone(), w.db, w.resp3);
                    let mut out = ReplyBuf::new(w.resp3);
                    let args: Vec<&[u8]> = w.args.iter().map(|a| a.as_slice()).collect();
                    let site = CallSite::now(self);
                    let called = self.call(
                        &mut session,
                        w.cmd,
                        &args,
                        &mut out,
                        site,
                        Mode::Serving(&key),
                    );
                    // Still nothing for it (the key emptied, or holds another type, which keeps a
                    // Redis 7.0 client blocked): the waiter stays queued. Anything else, an
                    // error too (BLMOVE to a destination of another type), ends the wait.
                    (!called.blocked).then_some(out.buf)
                });
            }
        }
    }

    /// Queues the session's client as a waiter for `request`.
    fn enter_wait(&self, session: &mut Session, idx: usize, args: &[&[u8]], request: BlockRequest) {
        let Some(ps) = session.pubsub.as_ref() else {
            return;
        };
        let mut request = request;
        let args = request
            .rewritten
            .take()
            .unwrap_or_else(|| args.iter().map(|a| a.to_vec()).collect());
        let w = Arc::new(Waiter::new(
            session.client.clone(),
            ps.mailbox.clone(),
            session.db,
            idx,
            args,
            session.resp3,
            request,
        ));
        self.blocking.block(w.clone());
        session.blocked = Some(w);
    }

    /// CLIENT TRACKING in default mode: remembers the keys a read-only command read, honouring
    /// OPTIN/OPTOUT and the CLIENT CACHING of the command before (`caching`).
    fn track_read(
        &self,
        session: &mut Session,
        idx: usize,
        args: &[&[u8]],
        failed: bool,
        caching: Option<bool>,
    ) {
        let Some(t) = session.tracking.as_mut() else {
            return;
        };
        let cmd = self.registry.entries[idx].cmd;
        if failed || t.tracker.bcast.is_some() || cmd.flags & flags::READONLY == 0 {
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
            let max = self.config.tracking_table_max_keys();
            for p in self.registry.key_positions(idx, args) {
                self.keyspace
                    .tracking
                    .remember(session.client.id, args[p], max);
            }
        }
    }

    /// Refuses a command before it runs; inside MULTI that also dooms the transaction, as
    /// Redis's `rejectCommand` does, and a refused EXEC ends it.
    fn refuse(
        &self,
        session: &mut Session,
        idx: Option<usize>,
        err: &CmdError,
        out: &mut ReplyBuf,
    ) {
        if let Some(tx) = session.multi.as_mut() {
            tx.aborted = true;
        }
        let mark = out.len();
        self.refuse_reply(session, idx, err, out);
        if silenced(session) {
            out.truncate(mark);
        }
    }

    fn refuse_reply(
        &self,
        session: &mut Session,
        idx: Option<usize>,
        err: &CmdError,
        out: &mut ReplyBuf,
    ) {
        let exclusive =
            idx.is_some_and(|i| self.registry.entries[i].cmd.flags & flags::EXCLUSIVE != 0);
        if exclusive {
            // Redis compatibility: a refused EXEC ends the transaction and says why (with
            // EXECABORT, so the client knows it left the MULTI state, even outside one).
            session.end_transaction();
            // As Redis's `execCommandAbort`: a shared error (OOM, MISCONF, LOADING...) keeps
            // its code, a formatted one (`ERR ...`) is given without it.
            let text = err.as_bytes();
            let reason = text.strip_prefix(b"ERR ").unwrap_or(text);
            let abort =
                CmdError::concat(&[b"EXECABORT Transaction discarded because of: ", reason]);
            self.reject(idx, &abort, out);
            return;
        }
        self.reject(idx, err, out);
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

    pub(crate) fn count_error(&self, msg: &[u8]) {
        self.stats.error_replies.fetch_add(1, Relaxed);
        ERRORS_HERE.with(|n| n.set(n.get().wrapping_add(1)));
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

    /// Logs Redis's warning about a cross-protocol request, at most once a minute.
    fn security_warning(&self) {
        let now = self.clock.now_ms() / 1000;
        let last = SECURITY_WARNED.load(Relaxed);
        if now.abs_diff(last) > 60 && SECURITY_WARNED.swap(now, Relaxed) == last {
            tracing::warn!(
                "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or \
                 Host: commands to Redis. This is likely due to an attacker attempting to use \
                 Cross Protocol Scripting to compromise your Redis instance. Connection aborted."
            );
        }
    }

    /// True when CLIENT PAUSE holds this command: every command under ALL; under WRITE, those
    /// that may change data or replicate (writes, PUBLISH, an EXEC with a queued write).
    pub fn paused_for(&self, session: &Session, args: &[&[u8]]) -> bool {
        if self.state.pause_remaining_ms(self.clock.now_ms()) == 0 {
            return false;
        }
        if self.state.pause_all() {
            return true;
        }
        let writes = |idx: usize| {
            self.registry.entries[idx].cmd.flags & (flags::WRITE | flags::MAY_REPLICATE) != 0
        };
        let Some(idx) = args.first().and_then(|name| self.registry.lookup(name)) else {
            return false;
        };
        if self.registry.entries[idx].cmd.flags & flags::EXCLUSIVE != 0 {
            return session
                .multi
                .as_ref()
                .is_some_and(|tx| tx.queued.iter().any(|(i, _)| writes(*i)));
        }
        // Queued inside MULTI, a write only waits at EXEC.
        session.multi.is_none() && writes(idx)
    }
}
