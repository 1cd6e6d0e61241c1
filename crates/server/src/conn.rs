//! One client connection. Each read is parsed for every complete command it holds; all of them
//! run in order and their replies leave in one write, which is what makes pipelining cheap. A
//! protocol error is answered with Redis's text and closes the connection after the replies of
//! the commands before it.

use engine::{Engine, ReplyBuf, Session};
use resp::{Limits, RequestParser};
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// Bytes requested from the socket per read when the buffer has no spare room.
const READ_CHUNK: usize = 16 * 1024;
/// A read buffer that grew past this is given back once drained (a large value passed).
const KEEP_BUFFER_CAPACITY: usize = 1024 * 1024;

/// Accepts connections forever, one task each.
pub async fn accept_loop(engine: Arc<Engine>, listener: TcpListener, durable: Durable) {
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
        let durable = durable.clone();
        tokio::spawn(async move {
            serve(engine, stream, peer.to_string(), durable).await;
        });
    }
}

/// The reply to a remote client in protected mode.
const PROTECTED_MODE_DENIED: &[u8] = b"-DENIED ferrokv is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. Set a password (requirepass) or disable protected mode (CONFIG SET protected-mode no, from the loopback interface) to accept remote clients.\r\n";

fn is_loopback(stream: &TcpStream) -> bool {
    stream
        .peer_addr()
        .map(|a| a.ip().is_loopback())
        .unwrap_or(false)
}

/// Serves one connection until it closes, is killed or the server stops.
pub async fn serve(engine: Arc<Engine>, mut stream: TcpStream, peer: String, durable: Durable) {
    let _ = stream.set_nodelay(true);
    let Some(_slot) = crate::admit(&engine, &stream) else {
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
    let password = engine.config.password();
    if password.is_none() && engine.config.values().protected_mode && !is_loopback(&stream) {
        // Redis compatibility: protected mode refuses remote clients while no password is set.
        let _ = stream.write_all(PROTECTED_MODE_DENIED).await;
        return;
    }
    let mut session = Session::new(&engine.clients, peer, local, fd, engine.clock.now_ms());
    session.authenticated = password.is_none();
    engine::families::pubsub::ensure_mailbox(&engine, &mut session);
    let kill = Arc::new(Notify::new());
    let waker = kill.clone();
    session
        .client
        .set_waker(Box::new(move || waker.notify_one()));
    let id = session.client.id;
    if !engine.shutdown_requested() {
        run(&engine, &mut stream, &mut session, &kill, durable).await;
    }
    // A client that disconnects while blocked stops waiting.
    engine.blocking.cancel(id);
    engine.clients.unregister(id);
}

/// The AOF's durable sequence number (see `engine::propagate`), watched by connections that
/// hold replies under `appendfsync always`.
pub type Durable = tokio::sync::watch::Receiver<u64>;

/// Under `appendfsync always`, waits until the writes up to `seq` are on disk; under
/// `everysec` and `no`, writes them to the file first (as Redis does before it replies). False
/// when the AOF writer is gone (the server is stopping): the reply must not be sent as durable.
async fn wait_durable(engine: &Engine, durable: &mut Durable, seq: u64) -> bool {
    let log = &engine.keyspace.log;
    if !log.holds_replies() {
        log.write_through(seq);
        return true;
    }
    if seq <= log.durable() {
        return true;
    }
    log.waiting();
    durable.wait_for(|&d| d >= seq).await.is_ok()
}

async fn run(
    engine: &Engine,
    stream: &mut TcpStream,
    session: &mut Session,
    kill: &Notify,
    mut durable: Durable,
) {
    let mut parser = RequestParser::new(limits(engine, session));
    let mut rbuf: Vec<u8> = Vec::with_capacity(READ_CHUNK);
    let mut out = ReplyBuf::new(false);
    loop {
        if rbuf.capacity() - rbuf.len() < READ_CHUNK / 4 {
            rbuf.reserve(READ_CHUNK);
        }
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
        };
        if session.client.is_killed() {
            log_kill(session);
            return;
        }
        engine.stats.net_input_bytes.fetch_add(n as u64, Relaxed);
        session
            .client
            .last_interaction_ms
            .store(engine.clock.now_ms(), Relaxed);
        loop {
            out.resp3 = session.resp3;
            let (consumed, outcome) = execute_all(engine, session, &mut parser, &rbuf, &mut out);
            rbuf.drain(..consumed);
            if matches!(outcome, Outcome::Paused | Outcome::Blocked) {
                // Commands parsed ahead of the held one are parsed again when it resumes.
                parser.reset();
            }
            session.client.qbuf.store(rbuf.len(), Relaxed);
            if !out.is_empty() {
                // Nothing acknowledged before it is durable (`appendfsync always`).
                if !wait_durable(engine, &mut durable, session.last_write_seq).await {
                    return;
                }
                engine
                    .stats
                    .net_output_bytes
                    .fetch_add(out.len() as u64, Relaxed);
                if !write_unless_killed(stream, &out.buf, session, kill).await {
                    return;
                }
                out.buf.clear();
                if out.buf.capacity() > KEEP_BUFFER_CAPACITY {
                    out.buf = Vec::new();
                }
            }
            // Messages published while the batch ran go out after its replies.
            if !flush_mailbox(engine, stream, session, kill).await {
                return;
            }
            match outcome {
                Outcome::Close => return,
                _ if session.close_after_reply => return,
                Outcome::Continue => break,
                Outcome::Blocked => {
                    // Nothing else from this client runs until the wait ends; what it sends
                    // meanwhile is read (so a disconnect is noticed) and runs afterwards.
                    let waited = wait_unblocked(engine, stream, session, kill, &mut rbuf);
                    if !waited.await
                        || !flush_served(engine, stream, session, kill, &mut durable).await
                    {
                        return;
                    }
                }
                Outcome::Paused => {
                    // CLIENT PAUSE: wait, then run the rest of what was read.
                    while engine.pause_remaining_ms() > 0 {
                        if session.client.is_killed() {
                            return;
                        }
                        let step = engine.pause_remaining_ms().min(PAUSE_POLL_MS);
                        tokio::time::sleep(std::time::Duration::from_millis(step)).await;
                    }
                }
            }
        }
        // Redis compatibility: a client whose unparsed input exceeds client-query-buffer-limit
        // is disconnected without a reply.
        if rbuf.len() as u64 > engine.config.client_query_buffer_limit() {
            tracing::warn!(
                "closing client {}: query buffer limit reached",
                session.client.addr
            );
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

/// Waits until the blocking command that just ran is served, times out or is unblocked (its
/// reply then waits in the mailbox, which the caller flushes), reading ahead meanwhile. False
/// when the connection closed or was killed.
async fn wait_unblocked(
    engine: &Engine,
    stream: &mut TcpStream,
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
                }
            },
        }
    }
    true
}

/// Sends the reply a blocked command got when it was served (it waits in the mailbox), once
/// the pop it reports is durable under `appendfsync always`.
async fn flush_served(
    engine: &Engine,
    stream: &mut TcpStream,
    session: &Session,
    kill: &Notify,
    durable: &mut Durable,
) -> bool {
    let seq = engine.keyspace.log.appended();
    wait_durable(engine, durable, seq).await && flush_mailbox(engine, stream, session, kill).await
}

/// Writes whatever pub/sub messages wait for this connection. False when the socket failed.
async fn flush_mailbox(
    engine: &Engine,
    stream: &mut TcpStream,
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
    write_unless_killed(stream, &bytes, session, kill).await
}

/// Writes all of `bytes`, unless the client is killed meanwhile: a client that stopped reading
/// must not keep its connection task parked in a write forever (CLIENT KILL, output limits).
async fn write_unless_killed(
    stream: &mut TcpStream,
    bytes: &[u8],
    session: &Session,
    kill: &Notify,
) -> bool {
    let mut pos = 0;
    let mut woken = false;
    while pos < bytes.len() {
        tokio::select! {
            r = stream.write(&bytes[pos..]) => match r {
                Ok(0) | Err(_) => return false,
                Ok(n) => pos += n,
            },
            _ = kill.notified() => {
                if session.client.is_killed() {
                    log_kill(session);
                    return false;
                }
                // Only a wake-up for new messages: they wait in the mailbox.
                woken = true;
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

/// Runs every complete command in `buf`. Returns the bytes consumed and whether the connection
/// must close (protocol error, QUIT).
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
                        match group.run(engine, session, buf, out) {
                            (_, Outcome::Continue) => {}
                            (at, outcome) => return (at, outcome),
                        }
                    }
                } else {
                    // An inline command: run what is queued, then it.
                    match group.run(engine, session, buf, out) {
                        (_, Outcome::Continue) => {}
                        (at, outcome) => return (at, outcome),
                    }
                    let mut args = Vec::new();
                    parser.args(&buf[start..], &mut args);
                    if !args.is_empty() {
                        if engine.paused_for(session, &args) {
                            return (start, Outcome::Paused);
                        }
                        engine.execute(session, &args, out);
                    }
                    start += n;
                    if session.close_after_reply {
                        return (start, Outcome::Close);
                    }
                    if session.blocked.is_some() {
                        return (start, Outcome::Blocked);
                    }
                }
            }
            Ok(None) => {
                return match group.run(engine, session, buf, out) {
                    (_, Outcome::Continue) => (start, Outcome::Continue),
                    other => other,
                };
            }
            Err(e) => {
                match group.run(engine, session, buf, out) {
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
    /// are on their way into the cache. Returns how it ended and, for Close or Paused, the
    /// buffer offset to resume from.
    fn run(
        &mut self,
        engine: &Engine,
        session: &mut Session,
        buf: &[u8],
        out: &mut ReplyBuf,
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
            session.key_hint = hints[i];
            started = engine.execute_at(session, &args, out, now, started);
            session.key_hint = None;
            if session.close_after_reply {
                outcome = (0, Outcome::Close);
                break;
            }
            if session.blocked.is_some() {
                let next = self.frames.get(i + 1).map_or(self.end, |f| f.2);
                outcome = (next, Outcome::Blocked);
                break;
            }
        }
        self.ranges.clear();
        self.frames.clear();
        outcome
    }
}
