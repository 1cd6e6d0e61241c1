//! One client connection. Each read is parsed for every complete command it holds; they run in
//! order through [`Engine::execute_at`] and their replies leave together, which is what makes
//! pipelining cheap. A protocol error is answered with Redis's text and closes the connection
//! after the replies of the commands before it.
//!
//! What a connection holds is bounded: replies are sent once [`FLUSH_AT`] bytes of them wait,
//! so a long pipeline never sits in one buffer; `client-output-buffer-limit normal` closes a
//! client whose pending replies pass its hard limit, or its soft limit for longer than allowed
//! while the client does not read; `client-query-buffer-limit` bounds what it sent but did not
//! complete, while it waits in a blocking command too; `timeout` closes an idle client.
//!
//! A reply leaves only once the log says its ticket is durable (see `engine::propagate`); a
//! write whose record could not be written is answered with `-MISCONF`, never acknowledged.

use engine::propagate::NotDurable;
use engine::{CallSite, Called, Engine, ReplyBuf, Session};
use resp::{Limits, RequestParser};
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio::sync::Notify;

/// Bytes requested from the socket per read when the buffer has no spare room.
const READ_CHUNK: usize = 16 * 1024;
/// A read buffer that grew past this is given back once drained (a large value passed).
const KEEP_BUFFER_CAPACITY: usize = 1024 * 1024;
/// Replies waiting to be sent: past this many bytes they are sent before the next command of
/// the batch runs.
pub const FLUSH_AT: usize = 64 * 1024;

/// A client's byte stream: a TCP connection, a Unix-socket one or a TLS one ([`crate::tls`]).
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Accepts connections on the Unix socket at `path` forever, one task each. Their address is
/// `path:0`, as Redis names Unix-socket clients.
pub async fn accept_unix_loop(engine: Arc<Engine>, listener: UnixListener, path: String) {
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        engine.stats.connections.fetch_add(1, Relaxed);
        let engine = engine.clone();
        let path = path.clone();
        tokio::spawn(async move {
            serve_unix(engine, stream, path).await;
        });
    }
}

/// Serves one Unix-socket connection until it closes (local by nature: protected mode and
/// keepalive do not apply).
pub async fn serve_unix(engine: Arc<Engine>, mut stream: UnixStream, path: String) {
    let Some(slot) = crate::admit_slot(&engine) else {
        let _ = stream
            .write_all(b"-ERR max number of clients reached\r\n")
            .await;
        return;
    };
    let fd = i64::from(stream.as_raw_fd());
    let addr = format!("{path}:0");
    serve_session(engine, stream, addr.clone(), addr, fd, slot).await;
}

/// Accepts connections forever, one task each.
pub async fn accept_loop(engine: Arc<Engine>, listener: TcpListener) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        engine.stats.connections.fetch_add(1, Relaxed);
        let engine = engine.clone();
        tokio::spawn(async move {
            serve(engine, stream, peer.to_string()).await;
        });
    }
}

/// The reply to a remote client in protected mode.
pub(crate) const PROTECTED_MODE_DENIED: &[u8] = b"-DENIED ferrokv is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. Set a password (requirepass) or disable protected mode (CONFIG SET protected-mode no, from the loopback interface) to accept remote clients.\r\n";

pub(crate) fn is_loopback(stream: &TcpStream) -> bool {
    stream
        .peer_addr()
        .map(|a| a.ip().is_loopback())
        .unwrap_or(false)
}

/// Serves one TCP connection until it closes, is killed or the server stops.
pub async fn serve(engine: Arc<Engine>, mut stream: TcpStream, peer: String) {
    let _ = stream.set_nodelay(true);
    let Some(slot) = crate::admit(&engine, &stream) else {
        let _ = stream
            .write_all(b"-ERR max number of clients reached\r\n")
            .await;
        return;
    };
    let local = stream
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let fd = i64::from(stream.as_raw_fd());
    if engine::families::acl::default_is_open(&engine)
        && engine.config.values().protected_mode
        && !is_loopback(&stream)
    {
        // Redis compatibility: protected mode refuses remote clients while no password is set.
        let _ = stream.write_all(PROTECTED_MODE_DENIED).await;
        return;
    }
    serve_session(engine, stream, peer, local, fd, slot).await;
}

/// The session of an admitted connection, from its first command to its last.
pub(crate) async fn serve_session<S: Stream>(
    engine: Arc<Engine>,
    mut stream: S,
    peer: String,
    local: String,
    fd: i64,
    _slot: engine::session::Slot,
) {
    let mut session = Session::new(&engine.clients, peer, local, fd, engine.clock.now_ms());
    session.authenticated = engine::families::acl::default_is_open(&engine);
    engine::families::pubsub::ensure_mailbox(&engine, &mut session);
    session.defers_shutdown = true;
    let kill = Arc::new(Notify::new());
    let waker = kill.clone();
    session
        .client
        .set_waker(Box::new(move || waker.notify_one()));
    let id = session.client.id;
    if !engine.state.shutdown_requested() {
        run(&engine, &mut stream, &mut session, &kill).await;
    }
    // A client that disconnects while blocked stops waiting.
    engine.blocking.cancel(id);
    engine.clients.unregister(id);
}

/// The replies of one batch waiting to be sent: the ticket they depend on, and where the
/// replies of commands that wrote are (on a failed write-through they become `-MISCONF`).
#[derive(Default)]
struct Batch {
    ticket: u64,
    writes: Vec<std::ops::Range<usize>>,
}

impl Batch {
    /// Records a command whose reply is `out[mark..]`.
    fn add(&mut self, called: &Called, mark: usize, out: &ReplyBuf) {
        self.ticket = self.ticket.max(called.ticket);
        if called.wrote && out.len() > mark {
            self.writes.push(mark..out.len());
        }
    }
}

/// Sends the batch's replies once the log has made them durable, within the normal client
/// class's output limits. False when the connection must close.
async fn send<S: Stream>(
    engine: &Engine,
    stream: &mut S,
    session: &Session,
    kill: &Notify,
    out: &mut ReplyBuf,
    batch: &mut Batch,
) -> bool {
    match settle(engine, session, kill, batch.ticket).await {
        Some(Ok(())) => {}
        Some(Err(NotDurable(why))) => refuse_writes(out, &batch.writes, &why),
        None => return false,
    }
    *batch = Batch::default();
    let limit = engine.config.read(|v| v.output_limits[0]);
    if limit.hard > 0 && out.len() as u64 > limit.hard {
        session.client.output_limit_hit.store(true, Relaxed);
        log_kill(session);
        return false;
    }
    engine
        .stats
        .net_output_bytes
        .fetch_add(out.len() as u64, Relaxed);
    let ok = write_unless_killed(engine, stream, &out.buf, session, kill).await;
    out.buf.clear();
    if out.buf.capacity() > KEEP_BUFFER_CAPACITY {
        out.buf = Vec::new();
    }
    ok
}

/// Waits for `ticket` (see `engine::propagate::Log::settle`). None when the client was killed
/// meanwhile.
async fn settle(
    engine: &Engine,
    session: &Session,
    kill: &Notify,
    ticket: u64,
) -> Option<Result<(), NotDurable>> {
    let settled = engine.keyspace.log.settle(ticket);
    tokio::pin!(settled);
    // A wake-up for published messages is handed back once the wait is over; meanwhile a
    // kill is still noticed.
    let mut woken = false;
    loop {
        tokio::select! {
            biased;
            r = &mut settled => {
                if woken {
                    kill.notify_one();
                }
                return Some(r);
            }
            _ = kill.notified(), if !woken => {
                if session.client.is_killed() {
                    log_kill(session);
                    return None;
                }
                woken = true;
            }
            _ = tokio::time::sleep(KILL_POLL), if woken => {
                if session.client.is_killed() {
                    log_kill(session);
                    return None;
                }
            }
        }
    }
}

/// How often a connection waiting for durability looks whether it was killed, once a
/// wake-up for messages has been set aside.
const KILL_POLL: Duration = Duration::from_millis(50);

/// Replaces the replies at `writes` (in order) by the error: the writes they acknowledge are
/// not durable.
fn refuse_writes(out: &mut ReplyBuf, writes: &[std::ops::Range<usize>], why: &str) {
    let mut rebuilt = Vec::with_capacity(out.len());
    let mut at = 0;
    for w in writes {
        rebuilt.extend_from_slice(&out.buf[at..w.start]);
        rebuilt.push(b'-');
        rebuilt.extend_from_slice(why.as_bytes());
        rebuilt.extend_from_slice(b"\r\n");
        at = w.end;
    }
    rebuilt.extend_from_slice(&out.buf[at..]);
    out.buf = rebuilt;
}

/// When an idle client is closed (`timeout`), if it may be: blocked, subscribed and MONITOR
/// clients are exempt, as in Redis.
fn idle_deadline(engine: &Engine, session: &Session) -> Option<tokio::time::Instant> {
    let secs = engine.config.read(|v| v.timeout);
    let exempt = session.monitor.is_some()
        || session.blocked.is_some()
        || session.pubsub.as_ref().is_some_and(|p| {
            !(p.channels.is_empty() && p.patterns.is_empty() && p.shard_channels.is_empty())
        });
    (secs > 0 && !exempt).then(|| tokio::time::Instant::now() + Duration::from_secs(secs))
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn run<S: Stream>(engine: &Engine, stream: &mut S, session: &mut Session, kill: &Notify) {
    let mut parser = RequestParser::new(limits(engine, session));
    let mut rbuf: Vec<u8> = Vec::with_capacity(READ_CHUNK);
    let mut out = ReplyBuf::new(false);
    let mut batch = Batch::default();
    loop {
        if rbuf.capacity() - rbuf.len() < READ_CHUNK / 4 {
            rbuf.reserve(READ_CHUNK);
        }
        let idle = idle_deadline(engine, session);
        let n = tokio::select! {
            r = stream.read_buf(&mut rbuf) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
            _ = kill.notified() => {
                // A kill, or published messages waiting in the mailbox.
                if session.client.is_killed() || !flush_mailbox(engine, stream, session, kill).await {
                    log_kill(session);
                    return;
                }
                continue;
            }
            _ = sleep_until(idle) => {
                tracing::debug!("Closing idle client {}", session.client.addr);
                return;
            }
        };
        if session.client.is_killed() {
            log_kill(session);
            return;
        }
        engine.stats.net_input_bytes.fetch_add(n as u64, Relaxed);
        engine.stats.reads_processed.fetch_add(1, Relaxed);
        session
            .client
            .last_interaction_ms
            .store(engine.clock.now_ms(), Relaxed);
        loop {
            out.resp3 = session.resp3;
            // Past the hard limit the reply stops growing; `send` then closes the client.
            out.limit = engine.config.read(|v| v.output_limits[0].hard) as usize;
            // As Redis until its event loop sleeps, BCAST tracking clients hear of the changes
            // of every command of this read together (per prefix).
            let (consumed, outcome) = {
                let _tracking = engine.keyspace.tracking.batch();
                execute_all(engine, session, &mut parser, &rbuf, &mut out, &mut batch)
            };
            rbuf.drain(..consumed);
            if matches!(outcome, Outcome::Paused | Outcome::Blocked | Outcome::Flush) {
                // Commands parsed ahead of where it stopped are parsed again when it resumes.
                parser.reset();
            }
            session.client.qbuf.store(rbuf.len(), Relaxed);
            let sent =
                out.is_empty() || send(engine, stream, session, kill, &mut out, &mut batch).await;
            if session.shutdown_after_reply {
                // SHUTDOWN: the replies before it went out (or the client is gone).
                engine.state.request_shutdown();
                return;
            }
            if !sent {
                return;
            }
            // Messages published while the batch ran go out after its replies.
            if !flush_mailbox(engine, stream, session, kill).await {
                return;
            }
            match outcome {
                Outcome::Close => return,
                Outcome::Continue => break,
                Outcome::Flush => {}
                Outcome::Blocked => {
                    // Nothing else from this client runs until the wait ends; what it sends
                    // meanwhile is read (so a disconnect is noticed) and runs afterwards.
                    let waited = wait_unblocked(engine, stream, session, kill, &mut rbuf);
                    if !waited.await || !flush_served(engine, stream, session, kill).await {
                        return;
                    }
                }
                Outcome::Paused => {
                    // CLIENT PAUSE: wait, then run the rest of what was read. Counted as
                    // blocked meanwhile, as Redis counts paused clients.
                    struct Held<'a>(&'a std::sync::atomic::AtomicUsize);
                    impl Drop for Held<'_> {
                        fn drop(&mut self) {
                            self.0.fetch_sub(1, Relaxed);
                        }
                    }
                    engine.state.paused_clients.fetch_add(1, Relaxed);
                    let _held = Held(&engine.state.paused_clients);
                    loop {
                        let left = engine.state.pause_remaining_ms(engine.clock.now_ms());
                        if left == 0 {
                            break;
                        }
                        if session.client.is_killed() {
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(left.min(PAUSE_POLL_MS))).await;
                    }
                }
            }
        }
        if over_query_limit(engine, session, &rbuf) {
            return;
        }
        if rbuf.is_empty() && rbuf.capacity() > KEEP_BUFFER_CAPACITY {
            rbuf = Vec::with_capacity(READ_CHUNK);
        }
        // CONFIG SET proto-max-bulk-len applies from the next request on.
        if !parser.in_progress() {
            parser.set_limits(limits(engine, session));
        }
    }
}

/// Redis compatibility: a client whose unparsed input exceeds client-query-buffer-limit is
/// disconnected without a reply.
fn over_query_limit(engine: &Engine, session: &Session, rbuf: &[u8]) -> bool {
    let over = rbuf.len() as u64 > engine.config.client_query_buffer_limit();
    if over {
        tracing::warn!(
            "Closing client that reached max query buffer length: id={} addr={} qbuf={}",
            session.client.id,
            session.client.addr,
            rbuf.len()
        );
    }
    over
}

/// Waits until the blocking command that just ran is served, times out or is unblocked (its
/// reply then waits in the mailbox, which the caller flushes), reading ahead meanwhile. False
/// when the connection closed or was killed.
async fn wait_unblocked<S: Stream>(
    engine: &Engine,
    stream: &mut S,
    session: &mut Session,
    kill: &Notify,
    rbuf: &mut Vec<u8>,
) -> bool {
    let Some(w) = session.blocked.take() else {
        return true;
    };
    while !w.is_done() {
        let sleep = async {
            match w.request.deadline {
                Some(at) => {
                    let left = at.saturating_sub(engine.clock.now_ms());
                    tokio::time::sleep(std::time::Duration::from_millis(left)).await
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = kill.notified() => {
                if session.client.is_killed() {
                    log_kill(session);
                    return false;
                }
            }
            _ = sleep => {
                engine.blocking.time_out(&w);
            }
            r = stream.read_buf(rbuf) => match r {
                Ok(0) | Err(_) => return false,
                Ok(n) => {
                    engine.stats.net_input_bytes.fetch_add(n as u64, Relaxed);
                    engine.stats.reads_processed.fetch_add(1, Relaxed);
                    session.client.qbuf.store(rbuf.len(), Relaxed);
                    if over_query_limit(engine, session, rbuf) {
                        return false;
                    }
                }
            },
        }
    }
    true
}

/// Sends the reply a blocked command got when it was served (it waits in the mailbox), once
/// the pop it reports is durable. A pop whose record could not be written is answered with
/// the error instead.
async fn flush_served<S: Stream>(
    engine: &Engine,
    stream: &mut S,
    session: &Session,
    kill: &Notify,
) -> bool {
    match settle(engine, session, kill, engine.keyspace.log.ticket()).await {
        None => false,
        Some(Ok(())) => flush_mailbox(engine, stream, session, kill).await,
        Some(Err(NotDurable(why))) => {
            let served = session
                .pubsub
                .as_ref()
                .map(|p| p.mailbox.take())
                .unwrap_or_default();
            let mut error = format!("-{why}\r\n").into_bytes();
            if served.is_empty() {
                error.clear();
            }
            write_unless_killed(engine, stream, &error, session, kill).await
        }
    }
}

/// Writes whatever pub/sub messages wait for this connection. False when the socket failed.
async fn flush_mailbox<S: Stream>(
    engine: &Engine,
    stream: &mut S,
    session: &Session,
    kill: &Notify,
) -> bool {
    let mut bytes = session
        .monitor
        .as_ref()
        .map(|m| m.take())
        .unwrap_or_default();
    if let Some(ps) = session.pubsub.as_ref() {
        bytes.extend_from_slice(&ps.mailbox.take());
    }
    if bytes.is_empty() {
        return true;
    }
    engine
        .stats
        .net_output_bytes
        .fetch_add(bytes.len() as u64, Relaxed);
    write_unless_killed(engine, stream, &bytes, session, kill).await
}

/// Writes all of `bytes`, unless the client is killed meanwhile (CLIENT KILL, output limits)
/// or stops reading: a write that makes no progress for longer than the soft output limit
/// allows, or than `timeout`, closes the connection, so no task stays parked in a write
/// forever.
async fn write_unless_killed<S: Stream>(
    engine: &Engine,
    stream: &mut S,
    bytes: &[u8],
    session: &Session,
    kill: &Notify,
) -> bool {
    let (limit, idle) = engine.config.read(|v| (v.output_limits[0], v.timeout));
    engine.stats.writes_processed.fetch_add(1, Relaxed);
    let mut pos = 0;
    let mut woken = false;
    let mut stalled: Option<tokio::time::Instant> = None;
    while pos < bytes.len() {
        // The connection reads and runs nothing more while a write is stuck, so what a client
        // that stopped reading holds is one flush of replies (or one reply), never more: with a
        // soft limit set it is closed once its writes made no progress for the limit's
        // seconds, as Redis closes a client that stayed past its soft limit that long.
        let patience = if limit.soft > 0 {
            Some(Duration::from_secs(limit.soft_seconds))
        } else if idle > 0 {
            Some(Duration::from_secs(idle))
        } else {
            None
        };
        let deadline = patience.map(|p| *stalled.get_or_insert_with(tokio::time::Instant::now) + p);
        tokio::select! {
            r = stream.write(&bytes[pos..]) => match r {
                Ok(0) | Err(_) => return false,
                Ok(n) => {
                    pos += n;
                    stalled = None;
                }
            },
            _ = kill.notified() => {
                if session.client.is_killed() {
                    log_kill(session);
                    return false;
                }
                // Only a wake-up for new messages: they wait in the mailbox.
                woken = true;
            }
            _ = sleep_until(deadline) => {
                session.client.output_limit_hit.store(true, Relaxed);
                log_kill(session);
                return false;
            }
        }
    }
    // A TLS stream may still hold the last records (a TCP or Unix flush does nothing).
    let patience = if limit.soft > 0 {
        Some(Duration::from_secs(limit.soft_seconds))
    } else if idle > 0 {
        Some(Duration::from_secs(idle))
    } else {
        None
    };
    let deadline = patience.map(|p| tokio::time::Instant::now() + p);
    loop {
        tokio::select! {
            r = stream.flush() => {
                if r.is_err() {
                    return false;
                }
                break;
            }
            _ = kill.notified() => {
                if session.client.is_killed() {
                    log_kill(session);
                    return false;
                }
                woken = true;
            }
            _ = sleep_until(deadline) => {
                session.client.output_limit_hit.store(true, Relaxed);
                log_kill(session);
                return false;
            }
        }
    }
    if woken {
        // Hand the wake-up back to the main loop, which flushes the mailbox.
        kill.notify_one();
    }
    true
}

fn log_kill(session: &Session) {
    if session.client.output_limit_hit.load(Relaxed) {
        tracing::warn!(
            "Client id={} addr={} closed for overcoming of output buffer limits.",
            session.client.id,
            session.client.addr
        );
    }
}

fn limits(engine: &Engine, session: &Session) -> Limits {
    Limits {
        max_bulk_len: usize::try_from(engine.config.proto_max_bulk_len()).unwrap_or(usize::MAX),
        authenticated: session.authenticated,
    }
}

/// How often a paused client looks again (CLIENT UNPAUSE takes effect within this).
const PAUSE_POLL_MS: u64 = 10;

/// Commands parsed ahead before they run: a whole pipeline of common depth.
const PREFETCH_GROUP: usize = 64;
/// How many commands ahead of the one running its key's bucket slot is prefetched...
const PREFETCH_BUCKET_AHEAD: usize = 8;
/// ...and its chain head (by then the slot has arrived, so reading it does not stall).
const PREFETCH_HEAD_AHEAD: usize = 4;
/// For a field or member in a large collection (SADD, HSET, ZADD...): its bucket slot in the
/// collection's table this many commands ahead (the key's entry is cached by then)...
const PREFETCH_MEMBER_SLOT_AHEAD: usize = 2;
/// ...and the first entry of its chain.
const PREFETCH_MEMBER_HEAD_AHEAD: usize = 1;

/// Runs every complete command in `buf`. Returns the bytes consumed and how the batch ended.
///
/// Multibulk commands are parsed in groups of [`PREFETCH_GROUP`]; each group's keys are hashed
/// and their bucket slots, then their chain heads, are prefetched before the commands run in
/// order, so a pipeline's lookups miss the cache together instead of one after another.
fn execute_all(
    engine: &Engine,
    session: &mut Session,
    parser: &mut RequestParser,
    buf: &[u8],
    out: &mut ReplyBuf,
    batch: &mut Batch,
) -> (usize, Outcome) {
    let mut start = 0;
    let mut group = Group::default();
    loop {
        match parser.parse(&buf[start..]) {
            Ok(Some(n)) => {
                if let Some(ranges) = parser.ranges() {
                    group.push(start, ranges);
                    start += n;
                    group.end = start;
                    if group.len() == PREFETCH_GROUP {
                        match group.run(engine, session, buf, out, batch) {
                            (_, Outcome::Continue) => {}
                            (at, outcome) => return (at, outcome),
                        }
                    }
                } else {
                    // An inline command: run what is queued, then it.
                    match group.run(engine, session, buf, out, batch) {
                        (_, Outcome::Continue) => {}
                        (at, outcome) => return (at, outcome),
                    }
                    let mut args = Vec::new();
                    parser.args(&buf[start..], &mut args);
                    if !args.is_empty() {
                        if engine.paused_for(session, &args) {
                            return (start, Outcome::Paused);
                        }
                        let mark = out.len();
                        let called = engine.execute(session, &args, out);
                        batch.add(&called, mark, out);
                        start += n;
                        if let Some(outcome) = stop_after(&called, out) {
                            return (start, outcome);
                        }
                    } else {
                        start += n;
                    }
                }
            }
            Ok(None) => {
                return match group.run(engine, session, buf, out, batch) {
                    (_, Outcome::Continue) => (start, Outcome::Continue),
                    other => other,
                };
            }
            Err(e) => {
                match group.run(engine, session, buf, out, batch) {
                    (_, Outcome::Continue) => {}
                    (at, outcome) => return (at, outcome),
                }
                tracing::debug!("protocol error from {}: {e}", session.client.addr);
                out.error(format!("ERR {e}"));
                return (start, Outcome::Close);
            }
        }
    }
}

/// Whether the batch stops after a command: it closes the connection, waits, or its replies
/// are many enough to be sent first.
fn stop_after(called: &Called, out: &ReplyBuf) -> Option<Outcome> {
    if called.close {
        Some(Outcome::Close)
    } else if called.blocked {
        Some(Outcome::Blocked)
    } else if out.len() >= FLUSH_AT {
        Some(Outcome::Flush)
    } else {
        None
    }
}

/// The key argument a hint was computed from: hints of grouped commands point into `buf`.
fn key_of<'b>(buf: &'b [u8], h: &engine::KeyHint) -> &'b [u8] {
    let off = h.ptr.wrapping_sub(buf.as_ptr() as usize);
    buf.get(off..off.saturating_add(h.len)).unwrap_or(&[])
}

/// How a batch of commands ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Every complete command ran.
    Continue,
    /// The connection must close (QUIT, protocol error).
    Close,
    /// CLIENT PAUSE holds the next command: resume from the returned offset later.
    Paused,
    /// A blocking command is waiting: resume from the returned offset once it is answered.
    Blocked,
    /// Enough replies wait: send them, then resume from the returned offset.
    Flush,
}

/// Parsed commands waiting to run: argument ranges (absolute offsets into the read buffer).
#[derive(Default)]
struct Group {
    ranges: Vec<std::ops::Range<usize>>,
    /// Each command's argument slice of `ranges` and where it starts in the buffer.
    frames: Vec<(usize, usize, usize)>,
    /// Where the last queued command ends in the buffer.
    end: usize,
}

impl Group {
    fn len(&self) -> usize {
        self.frames.len()
    }

    fn push(&mut self, base: usize, ranges: &[std::ops::Range<usize>]) {
        let lo = self.ranges.len();
        self.ranges
            .extend(ranges.iter().map(|r| r.start + base..r.end + base));
        self.frames.push((lo, self.ranges.len(), base));
    }

    /// Runs every queued command, software-pipelined: while command `i` runs, command
    /// `i + PREFETCH_HEAD_AHEAD`'s chain head and command `i + PREFETCH_BUCKET_AHEAD`'s bucket slot
    /// are on their way into the cache. Returns how it ended and, unless it ran everything,
    /// the buffer offset to resume from.
    fn run(
        &mut self,
        engine: &Engine,
        session: &mut Session,
        buf: &[u8],
        out: &mut ReplyBuf,
        batch: &mut Batch,
    ) -> (usize, Outcome) {
        let n = self.frames.len();
        if n == 0 {
            return (0, Outcome::Continue);
        }
        let mut args: Vec<&[u8]> = Vec::new();
        let mut hints = [None; PREFETCH_GROUP];
        if n > 1 {
            for (i, &(lo, hi, _)) in self.frames.iter().enumerate() {
                args.clear();
                args.extend(self.ranges[lo..hi].iter().map(|r| &buf[r.clone()]));
                hints[i] = engine.key_hint(&args);
            }
            for h in hints[..n.min(PREFETCH_BUCKET_AHEAD)].iter().flatten() {
                engine.prefetch(session.db, *h, 0);
            }
            for h in hints[..n.min(PREFETCH_HEAD_AHEAD)].iter().flatten() {
                engine.prefetch(session.db, *h, 1);
            }
            for h in hints[..n.min(PREFETCH_MEMBER_SLOT_AHEAD)].iter().flatten() {
                engine.prefetch_member(session.db, key_of(buf, h), *h, 2);
            }
            for h in hints[..n.min(PREFETCH_MEMBER_HEAD_AHEAD)].iter().flatten() {
                engine.prefetch_member(session.db, key_of(buf, h), *h, 3);
            }
        }
        let mut outcome = (0, Outcome::Continue);
        let now = engine.clock.now_ms();
        let mut started = std::time::Instant::now();
        for (i, &(lo, hi, at)) in self.frames.iter().enumerate() {
            if let Some(Some(h)) = hints
                .get(i + PREFETCH_BUCKET_AHEAD)
                .filter(|_| i + PREFETCH_BUCKET_AHEAD < n)
            {
                engine.prefetch(session.db, *h, 0);
            }
            if let Some(Some(h)) = hints
                .get(i + PREFETCH_HEAD_AHEAD)
                .filter(|_| i + PREFETCH_HEAD_AHEAD < n)
            {
                engine.prefetch(session.db, *h, 1);
            }
            for (ahead, stage) in [
                (PREFETCH_MEMBER_SLOT_AHEAD, 2),
                (PREFETCH_MEMBER_HEAD_AHEAD, 3),
            ] {
                if let Some(Some(h)) = hints.get(i + ahead).filter(|_| i + ahead < n) {
                    if h.member.is_some() {
                        engine.prefetch_member(session.db, key_of(buf, h), *h, stage);
                    }
                }
            }
            args.clear();
            args.extend(self.ranges[lo..hi].iter().map(|r| &buf[r.clone()]));
            if args.is_empty() {
                continue;
            }
            if engine.paused_for(session, &args) {
                outcome = (at, Outcome::Paused);
                break;
            }
            let site = CallSite {
                now_ms: now,
                started,
                hint: hints[i],
            };
            let mark = out.len();
            let called = engine.execute_at(session, &args, out, site);
            started = called.finished;
            batch.add(&called, mark, out);
            if let Some(stop) = stop_after(&called, out) {
                let next = self.frames.get(i + 1).map_or(self.end, |f| f.2);
                outcome = (next, stop);
                break;
            }
        }
        self.ranges.clear();
        self.frames.clear();
        outcome
    }
}
