//! The write stream: every command that changed data, as the effect to replay, in the order the
//! changes were made. The append-only file (crate `ferrokv-persist`) drains it.
//!
//! Order is the hard part in a multi-threaded keyspace. A record is appended while the shard
//! locks of its command are still held (when its [`crate::keyspace::Locked`] guard drops), so
//! two commands that touch a common key are logged in the order they ran; commands on disjoint
//! keys commute, so their relative order does not matter. The call path opens a pending record
//! for every write command ([`begin`]); anything that changes the keyspace marks it dirty
//! ([`mark_dirty`]); a command whose effect differs from its text (SPOP, INCRBYFLOAT, blocking
//! pops, relative expiries) replaces the record with its effect ([`replace`]) before its locks
//! are released. The command's own text is encoded only when it is logged, and only once.
//! Expiry deletions are logged as DEL where they happen ([`emit`]). A transaction's records
//! are collected and logged as one MULTI ... EXEC block when EXEC ends (EXEC runs with every
//! other command held off, so nothing can slip in between).
//!
//! Records are RESP arrays, exactly what Redis writes into its AOF, with a SELECT whenever the
//! database changes. Every record gets a sequence number. A call's *ticket* ([`Log::ticket`])
//! is the last sequence number when it ended: every record it wrote, and every record of a
//! change it could have seen (those were appended before their locks were released). A door
//! sends a reply once [`Log::settle`] (or [`Log::settle_blocking`]) says its ticket is durable:
//! fsynced under `appendfsync always`, so no client, a reader neither, ever sees a write a
//! crash could lose; written to the file under `everysec` and `no`, so a crash of the process
//! loses nothing acknowledged.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// The shared log of records not yet taken by the AOF writer.
#[derive(Default)]
pub struct Log {
    enabled: AtomicBool,
    inner: Mutex<Inner>,
    appended: AtomicU64,
    durable: AtomicU64,
    hold_replies: AtomicBool,
    /// Nothing will become durable any more (the writer stopped for good): waiters give up.
    abandoned: AtomicBool,
    on_wait: Mutex<Option<WaitHook>>,
    /// Who waits for durability: threads (a condvar) and tasks (their wakers, by the sequence
    /// number they wait for). `waiters` counts both, so the writer's [`Log::set_durable`]
    /// takes no lock when nobody waits.
    waiting: Mutex<Vec<(u64, Waker)>>,
    durable_cv: Condvar,
    waiters: AtomicUsize,
    /// Signalled when the writer takes what was appended (see [`Log::room`]).
    drained: Condvar,
    room_waiters: AtomicUsize,
    /// The sequence number up to which records are in the file (not necessarily fsynced):
    /// a write-through returns at once below it.
    written: AtomicU64,
    /// Installed by the AOF under `appendfsync everysec` and `no`: writes the records up to a
    /// sequence number to the file (not fsynced) on the caller's thread.
    write_through: std::sync::RwLock<Option<WriteThrough>>,
}

/// Bytes of records the writer has not taken yet past which writers wait for it.
pub const LOG_BUFFER_MAX: usize = 64 << 20;

/// See [`Log::set_write_through`]: Err carries the `-MISCONF` text when the file could not
/// be written.
pub type WriteThrough = std::sync::Arc<dyn Fn(u64) -> Result<(), String> + Send + Sync>;

/// Called when a reply starts waiting for durability (the AOF writer wakes at once instead of
/// at its next poll).
pub type WaitHook = Box<dyn Fn() + Send + Sync>;

/// A reply that cannot be sent as an acknowledgement: its write is not durable and will not
/// be soon (the file cannot be written, or the server stops). The text is the error to send
/// instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotDurable(pub String);

impl NotDurable {
    fn stopping() -> NotDurable {
        NotDurable("MISCONF the append-only file is being closed: the write is not durable".into())
    }
}

#[derive(Default)]
struct Inner {
    buf: Vec<u8>,
    db: Option<usize>,
    seq: u64,
    /// The records before a [`Log::cut`], not yet taken, the sequence of the last one, and
    /// the cut's number.
    cut: Option<(Vec<u8>, u64, u64)>,
    /// Cuts made so far.
    cuts: u64,
}

/// What [`Log::take`] returns.
pub struct Taken {
    /// Records, RESP-encoded.
    pub bytes: Vec<u8>,
    /// The sequence number of the last record in them.
    pub seq: u64,
    /// `Some(n)`: these are the last records of the current file, up to cut number `n`; the
    /// next ones go to a new file.
    pub cut: Option<u64>,
}

/// Appends one RESP array.
pub fn encode(out: &mut Vec<u8>, argv: &[&[u8]]) {
    out.push(b'*');
    resp::number::write_u64(out, argv.len() as u64);
    out.extend_from_slice(b"\r\n");
    for a in argv {
        out.push(b'$');
        resp::number::write_u64(out, a.len() as u64);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

impl Log {
    /// Turns logging on or off (`appendonly`).
    pub fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Relaxed);
    }

    /// True while writes are logged.
    pub fn enabled(&self) -> bool {
        self.enabled.load(Relaxed)
    }

    /// The sequence number of the last record appended.
    pub fn appended(&self) -> u64 {
        self.appended.load(Relaxed)
    }

    /// The sequence number up to which records are durable (fsynced under `always`, written
    /// to the operating system otherwise).
    pub fn durable(&self) -> u64 {
        self.durable.load(Relaxed)
    }

    /// The ticket of a call that ends now: the last record appended (0 while nothing is
    /// logged). See the module docs.
    pub fn ticket(&self) -> u64 {
        if self.enabled() {
            self.appended.load(Relaxed)
        } else {
            0
        }
    }

    /// Records that everything up to `seq` is durable, and wakes whoever waits for it.
    pub fn set_durable(&self, seq: u64) {
        self.durable.fetch_max(seq, SeqCst);
        // No lock and no system call when nobody waits.
        if self.waiters.load(SeqCst) > 0 {
            self.wake(|at| at <= seq);
        }
    }

    /// Nothing will become durable any more (the AOF writer is gone): every waiter, now and
    /// later, is told so.
    pub fn abandon(&self) {
        self.abandoned.store(true, SeqCst);
        self.wake(|_| true);
    }

    fn wake(&self, due: impl Fn(u64) -> bool) {
        let mut w = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        let mut i = 0;
        while i < w.len() {
            if due(w[i].0) {
                let (_, waker) = w.swap_remove(i);
                self.waiters.fetch_sub(1, SeqCst);
                waker.wake();
            } else {
                i += 1;
            }
        }
        drop(w);
        self.durable_cv.notify_all();
    }

    /// Installs the hook [`Self::waiting`] calls.
    pub fn on_wait(&self, hook: WaitHook) {
        *self.on_wait.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    /// A reply waits for its write to become durable: wakes the writer.
    fn waiting(&self) {
        if let Some(hook) = self
            .on_wait
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            hook();
        }
    }

    /// What a reply with `ticket` needs before it leaves, decided at once: under `always`,
    /// `Ok(true)` when it is fsynced already, `Ok(false)` when it must wait; otherwise the
    /// records up to it are written through first (`Ok(true)`, or the error when the write
    /// failed).
    fn settle_now(&self, ticket: u64) -> Result<bool, NotDurable> {
        if ticket == 0 || ticket <= self.durable.load(SeqCst) {
            return Ok(true);
        }
        if !self.holds_replies() {
            return self.write_through(ticket).map(|_| true);
        }
        if self.abandoned.load(SeqCst) {
            return Err(NotDurable::stopping());
        }
        Ok(false)
    }

    /// Waits until a reply with `ticket` may be sent (see the module docs). Err: it must not
    /// be sent as an acknowledgement.
    pub async fn settle(&self, ticket: u64) -> Result<(), NotDurable> {
        if self.settle_now(ticket)? {
            return Ok(());
        }
        self.waiting();
        Durable {
            log: self,
            seq: ticket,
        }
        .await
    }

    /// [`Log::settle`] for a thread (the embedded library): gives up after `timeout` (the AOF
    /// writer is stuck).
    pub fn settle_blocking(&self, ticket: u64, timeout: Duration) -> Result<(), NotDurable> {
        if self.settle_now(ticket)? {
            return Ok(());
        }
        self.waiting();
        let deadline = Instant::now() + timeout;
        let mut g = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        // Counted under the lock, and `durable` read after: a waker that missed the count set
        // `durable` before this reads it.
        self.waiters.fetch_add(1, SeqCst);
        let result = loop {
            if ticket <= self.durable.load(SeqCst) {
                break Ok(());
            }
            if self.abandoned.load(SeqCst) {
                break Err(NotDurable::stopping());
            }
            let now = Instant::now();
            if now >= deadline {
                break Err(NotDurable(
                    "MISCONF the write was not made durable in time (the append-only file \
                     cannot be written)"
                        .into(),
                ));
            }
            g = self
                .durable_cv
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        };
        self.waiters.fetch_sub(1, SeqCst);
        result
    }

    /// Records that the records up to `seq` are in the file (by the AOF writer, or by a
    /// connection writing through).
    pub fn set_written(&self, seq: u64) {
        self.written.fetch_max(seq, SeqCst);
    }

    /// Installs (or removes) what a write-through calls: under `appendfsync everysec` or `no`,
    /// the records up to a reply's ticket are handed to the operating system before the reply
    /// leaves, so a crash of the process (not of the machine) loses nothing acknowledged, as
    /// with Redis, which writes the AOF before it replies.
    pub fn set_write_through(&self, f: Option<WriteThrough>) {
        *self
            .write_through
            .write()
            .unwrap_or_else(|e| e.into_inner()) = f;
    }

    fn write_through(&self, seq: u64) -> Result<(), NotDurable> {
        if seq <= self.written.load(SeqCst) {
            return Ok(());
        }
        let f = self
            .write_through
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match f {
            Some(f) => f(seq).map_err(NotDurable),
            None => Ok(()),
        }
    }

    /// Whether replies wait for their writes to be durable (`appendfsync always`).
    pub fn holds_replies(&self) -> bool {
        self.hold_replies.load(Relaxed)
    }

    /// Sets [`Self::holds_replies`].
    pub fn set_hold_replies(&self, on: bool) {
        self.hold_replies.store(on, Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The log to append to, once it has room: past [`LOG_BUFFER_MAX`] bytes not taken by the
    /// writer (a disk that stalls), a writer waits, with its shard locks held, so the keys it
    /// changes wait with it: memory never grows without bound behind a slow disk.
    fn room(&self) -> std::sync::MutexGuard<'_, Inner> {
        loop {
            let inner = self.lock();
            if inner.buf.len() < LOG_BUFFER_MAX || !self.enabled() || self.abandoned.load(SeqCst) {
                return inner;
            }
            drop(inner);
            self.waiting();
            let inner = self.lock();
            if inner.buf.len() >= LOG_BUFFER_MAX {
                self.room_waiters.fetch_add(1, SeqCst);
                let _ = self
                    .drained
                    .wait_timeout(inner, Duration::from_millis(10))
                    .unwrap_or_else(|e| e.into_inner());
                self.room_waiters.fetch_sub(1, SeqCst);
            }
        }
    }

    /// Appends already encoded records for database `db`; returns their sequence number.
    pub fn append_encoded(&self, db: usize, records: &[u8]) -> u64 {
        let mut inner = self.room();
        if inner.db != Some(db) {
            let mut digits = Vec::new();
            resp::number::write_u64(&mut digits, db as u64);
            let mut select = Vec::new();
            encode(&mut select, &[b"SELECT", &digits]);
            inner.buf.extend_from_slice(&select);
            inner.db = Some(db);
        }
        inner.buf.extend_from_slice(records);
        inner.seq += 1;
        let seq = inner.seq;
        self.appended.store(seq, Relaxed);
        seq
    }

    /// Appends a block that selects its own databases and leaves `db` selected.
    pub fn append_block(&self, block: &[u8], db: usize) -> u64 {
        let mut inner = self.room();
        inner.buf.extend_from_slice(block);
        inner.db = Some(db);
        inner.seq += 1;
        let seq = inner.seq;
        self.appended.store(seq, Relaxed);
        seq
    }

    /// Takes everything appended so far, or, after a [`Self::cut`], everything before it.
    pub fn take(&self) -> Taken {
        let mut inner = self.lock();
        if self.room_waiters.load(SeqCst) > 0 {
            self.drained.notify_all();
        }
        if let Some((bytes, seq, n)) = inner.cut.take() {
            return Taken {
                bytes,
                seq,
                cut: Some(n),
            };
        }
        Taken {
            bytes: std::mem::take(&mut inner.buf),
            seq: inner.seq,
            cut: None,
        }
    }

    /// Ends the current file here (an AOF rewrite starts; every command is held off): the
    /// next [`Self::take`] returns the records up to now, marked with the cut's number, which
    /// this returns, and the records after them start with a SELECT. `None` when an earlier
    /// cut was not taken yet.
    pub fn cut(&self) -> Option<u64> {
        let mut inner = self.lock();
        if inner.cut.is_some() {
            return None;
        }
        inner.cuts += 1;
        let bytes = std::mem::take(&mut inner.buf);
        inner.cut = Some((bytes, inner.seq, inner.cuts));
        inner.db = None;
        Some(inner.cuts)
    }

    /// The next record starts with a SELECT (a new file begins).
    pub fn forget_db(&self) {
        self.lock().db = None;
    }
}

/// Resolves once `seq` is durable, or the log is abandoned.
struct Durable<'a> {
    log: &'a Log,
    seq: u64,
}

impl std::future::Future for Durable<'_> {
    type Output = Result<(), NotDurable>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let log = self.log;
        if self.seq <= log.durable.load(SeqCst) {
            return Poll::Ready(Ok(()));
        }
        let mut w = log.waiting.lock().unwrap_or_else(|e| e.into_inner());
        // Registered, then looked at again: a `set_durable` in between finds the waker.
        w.push((self.seq, cx.waker().clone()));
        log.waiters.fetch_add(1, SeqCst);
        drop(w);
        if self.seq <= log.durable.load(SeqCst) {
            return Poll::Ready(Ok(()));
        }
        if log.abandoned.load(SeqCst) {
            return Poll::Ready(Err(NotDurable::stopping()));
        }
        Poll::Pending
    }
}

/// The record of the write command running on this thread.
#[derive(Default)]
struct Pending {
    active: bool,
    db: usize,
    /// The running command's arguments, between [`begin`] and [`end`]: its record unless it
    /// replaces it, encoded only when logged.
    argv: Option<*const [&'static [u8]]>,
    /// The record a command replaced its text with ([`replace`]).
    replaced: Option<Vec<u8>>,
    /// Where the command's own text is encoded (kept between commands).
    scratch: Vec<u8>,
    dirty: bool,
    appended: bool,
    /// Inside EXEC: records wait here, then go out as one MULTI ... EXEC block.
    tx: Option<Vec<u8>>,
    /// The database the transaction block has selected so far.
    tx_db: Option<usize>,
    /// Records (or transaction blocks) this thread appended to the log, ever.
    count: u64,
    /// A script's `redis.set_repl(REPL_NONE)`: its following commands are not logged.
    suppressed: bool,
}

thread_local! {
    static PENDING: RefCell<Pending> = RefCell::new(Pending::default());
}

/// Opens the record of a write command about to run in database `db`: its text, unless the
/// command replaces it. [`end`] must follow before `argv` goes away (the call path brackets
/// the handler with the two).
pub fn begin(db: usize, argv: &[&[u8]]) {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        p.active = true;
        p.db = db;
        p.dirty = false;
        p.appended = false;
        p.replaced = None;
        // Lifetime erased: only dereferenced before `end`, while the caller's `argv` lives.
        p.argv = Some(std::ptr::slice_from_raw_parts(
            argv.as_ptr().cast::<&'static [u8]>(),
            argv.len(),
        ));
    });
}

/// The running command changed data: its record will be logged.
pub fn mark_dirty() {
    PENDING.with(|p| {
        if let Ok(mut p) = p.try_borrow_mut() {
            p.dirty = true;
        }
    });
}

/// Whether the running command's record is being kept (logging is on and a write command is
/// running on this thread): commands that build a replacement record skip the work otherwise.
pub fn recording() -> bool {
    PENDING.with(|p| p.try_borrow().is_ok_and(|p| p.active))
}

/// Replaces the running command's record by `records` commands already encoded as RESP
/// arrays ([`encode`]): none logs nothing, several go out as one MULTI/EXEC block, as Redis
/// wraps what one command propagates.
pub fn replace_encoded(records: usize, encoded: &[u8]) {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if !p.active {
            return;
        }
        let mut record = p.replaced.take().unwrap_or_default();
        record.clear();
        if records > 1 {
            encode(&mut record, &[b"MULTI"]);
        }
        record.extend_from_slice(encoded);
        if records > 1 {
            encode(&mut record, &[b"EXEC"]);
        }
        p.replaced = Some(record);
    });
}

/// Replaces the running command's record by its effect (one or more commands), for commands
/// whose text would not replay to the same result. Call before the command's locks are
/// released.
pub fn replace(records: &[&[&[u8]]]) {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if !p.active {
            return;
        }
        let mut record = p.replaced.take().unwrap_or_default();
        record.clear();
        for r in records {
            encode(&mut record, r);
        }
        p.replaced = Some(record);
    });
}

/// Logs the running command's record if it changed data (called when its locks are about to be
/// released, so records of conflicting commands keep their order).
pub fn flush(log: &Log) {
    if !log.enabled() {
        return;
    }
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if !p.active || !p.dirty || p.appended || p.suppressed {
            return;
        }
        p.appended = true;
        let p = &mut *p;
        let record: &[u8] = match (&p.replaced, p.argv) {
            (Some(r), _) => r,
            (None, Some(argv)) => {
                // SAFETY: `argv` was stored by `begin` from the arguments of the command
                // running on this thread; `active` is true, so `end` has not run yet and the
                // caller that passed them to `begin` still holds them.
                let argv = unsafe { &*argv };
                p.scratch.clear();
                encode(&mut p.scratch, argv);
                &p.scratch
            }
            (None, None) => return,
        };
        if record.is_empty() {
            return;
        }
        if p.tx.is_some() {
            let (db, record) = (p.db, record.to_vec());
            tx_push(p, db, &record);
        } else {
            log.append_encoded(p.db, record);
            p.count += 1;
        }
    });
}

/// Adds a record to the open transaction block, selecting its database first when needed.
fn tx_push(p: &mut Pending, db: usize, record: &[u8]) {
    if p.tx_db != Some(db) {
        let mut digits = Vec::new();
        resp::number::write_u64(&mut digits, db as u64);
        if let Some(tx) = p.tx.as_mut() {
            encode(tx, &[b"SELECT", &digits]);
        }
        p.tx_db = Some(db);
    }
    if let Some(tx) = p.tx.as_mut() {
        tx.extend_from_slice(record);
    }
}

/// Ends the running command, logging its record if that has not happened yet.
pub fn end(log: &Log) {
    flush(log);
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        p.active = false;
        p.argv = None;
        if p.scratch.capacity() > 1 << 20 {
            p.scratch = Vec::new();
        }
    });
}

/// Logs a record now (a key deleted because it expired, in database `db`), or into the open
/// transaction block. Records of the running command come after it.
pub fn emit(log: &Log, db: usize, argv: &[&[u8]]) {
    if !log.enabled() {
        return;
    }
    let mut record = Vec::new();
    encode(&mut record, argv);
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if p.tx.is_some() {
            tx_push(&mut p, db, &record);
        } else {
            log.append_encoded(db, &record);
            p.count += 1;
        }
    });
}

/// True between [`begin_transaction`] and [`end_transaction`] (a script run from EXEC joins
/// EXEC's block instead of opening its own).
pub fn in_transaction() -> bool {
    PENDING.with(|p| p.borrow().tx.is_some())
}

/// `redis.set_repl`: while set, the commands a script runs are not logged (their expiry
/// deletions still are). [`end_transaction`] clears it.
pub fn set_suppressed(on: bool) {
    PENDING.with(|p| p.borrow_mut().suppressed = on);
}

/// EXEC starts: records are collected until [`end_transaction`].
pub fn begin_transaction() {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        p.tx = Some(Vec::new());
        p.tx_db = None;
    });
}

/// EXEC ends: its records are logged as one MULTI ... EXEC block (if any command changed
/// data), which selects its own databases.
pub fn end_transaction(log: &Log) {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        p.suppressed = false;
        let Some(tx) = p.tx.take() else { return };
        let Some(db) = p.tx_db.take() else { return };
        if tx.is_empty() || !log.enabled() {
            return;
        }
        let mut block = Vec::with_capacity(tx.len() + 32);
        encode(&mut block, &[b"MULTI"]);
        block.extend_from_slice(&tx);
        encode(&mut block, &[b"EXEC"]);
        log.append_block(&block, db);
        p.count += 1;
    });
}

/// How many records (or transaction blocks) this thread has appended, ever: a call that saw
/// the count grow logged a write of its own.
pub fn appended_here() -> u64 {
    PENDING.with(|p| p.borrow().count)
}
