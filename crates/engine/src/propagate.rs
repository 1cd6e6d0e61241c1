//! The write stream: every command that changed data, as the effect to replay, in the order the
//! changes were made. The append-only file (crate `ferrokv-persist`) drains it.
//!
//! Order is the hard part in a multi-threaded keyspace. A record is appended while the shard
//! locks of its command are still held (when its [`crate::keyspace::Locked`] guard drops), so
//! two commands that touch a common key are logged in the order they ran; commands on disjoint
//! keys commute, so their relative order does not matter. The dispatcher opens a pending record
//! for every write command ([`begin`]); anything that changes the keyspace marks it dirty
//! ([`mark_dirty`]); a command whose effect differs from its text (SPOP, INCRBYFLOAT, blocking
//! pops, relative expiries) replaces the record with its effect ([`replace`]) before its locks
//! are released. Expiry deletions are logged as DEL where they happen ([`emit`]). A transaction's
//! records are collected and logged as one MULTI ... EXEC block when EXEC ends (EXEC runs with
//! every other command held off, so nothing can slip in between).
//!
//! Records are RESP arrays, exactly what Redis writes into its AOF, with a SELECT whenever the
//! database changes. Every record gets a sequence number; `appendfsync always` holds a reply
//! until the AOF has made the sequence of its command durable.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::Mutex;

/// The shared log of records not yet taken by the AOF writer.
#[derive(Default)]
pub struct Log {
    enabled: AtomicBool,
    inner: Mutex<Inner>,
    appended: AtomicU64,
    durable: AtomicU64,
    hold_replies: AtomicBool,
    on_durable: Mutex<Option<DurableHook>>,
    on_wait: Mutex<Option<WaitHook>>,
    /// Threads blocked in [`Log::wait_durable`], and how many.
    durable_wait: (Mutex<()>, std::sync::Condvar),
    durable_waiters: AtomicU64,
    /// The sequence number up to which records are in the file (not necessarily fsynced):
    /// [`Log::write_through`] returns at once below it.
    written: AtomicU64,
    /// Installed by the AOF under `appendfsync everysec` and `no`: writes the records up to a
    /// sequence number to the file (not fsynced) on the caller's thread.
    write_through: std::sync::RwLock<Option<WriteThrough>>,
}

/// See [`Log::write_through`].
pub type WriteThrough = std::sync::Arc<dyn Fn(u64) + Send + Sync>;

/// Called when a reply starts waiting for durability (the AOF writer wakes at once instead of
/// at its next poll).
pub type WaitHook = Box<dyn Fn() + Send + Sync>;

/// Called with the new durable sequence number (the server wakes held replies).
pub type DurableHook = Box<dyn Fn(u64) + Send + Sync>;

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

    /// Records that everything up to `seq` is durable, and tells the hook and the waiting
    /// threads.
    pub fn set_durable(&self, seq: u64) {
        self.durable.fetch_max(seq, SeqCst);
        // Only the embedded library's calls block here: no system call when none does.
        if self.durable_waiters.load(SeqCst) > 0 {
            let _g = self
                .durable_wait
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            self.durable_wait.1.notify_all();
        }
        if let Some(hook) = self
            .on_durable
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            hook(seq);
        }
    }

    /// Installs the hook [`Self::set_durable`] calls.
    pub fn on_durable(&self, hook: DurableHook) {
        *self.on_durable.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    /// Installs the hook [`Self::waiting`] calls.
    pub fn on_wait(&self, hook: WaitHook) {
        *self.on_wait.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    /// A reply waits for its write to become durable: wakes the writer.
    pub fn waiting(&self) {
        if let Some(hook) = self
            .on_wait
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            hook();
        }
    }

    /// Blocks the calling thread until the record `seq` is durable (the embedded library's
    /// replies under `appendfsync always`). False if it is not after `timeout` (the AOF
    /// writer is stuck or gone).
    pub fn wait_durable(&self, seq: u64, timeout: std::time::Duration) -> bool {
        if seq <= self.durable() {
            return true;
        }
        self.waiting();
        let deadline = std::time::Instant::now() + timeout;
        let mut g = self
            .durable_wait
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Counted under the lock, and `durable` read after: a notifier that missed the count
        // set `durable` before this reads it.
        self.durable_waiters.fetch_add(1, SeqCst);
        let mut done = true;
        while seq > self.durable.load(SeqCst) {
            let now = std::time::Instant::now();
            if now >= deadline {
                done = false;
                break;
            }
            g = self
                .durable_wait
                .1
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        self.durable_waiters.fetch_sub(1, SeqCst);
        done
    }

    /// Records that the records up to `seq` are in the file (by the AOF writer, or by a
    /// connection writing through).
    pub fn set_written(&self, seq: u64) {
        self.written.fetch_max(seq, SeqCst);
    }

    /// Installs (or removes) what [`Self::write_through`] calls.
    pub fn set_write_through(&self, f: Option<WriteThrough>) {
        *self
            .write_through
            .write()
            .unwrap_or_else(|e| e.into_inner()) = f;
    }

    /// Before a reply is sent under `appendfsync everysec` or `no`: the records up to `seq`
    /// are handed to the operating system, so a crash of the process (not of the machine)
    /// loses nothing acknowledged, as with Redis, which writes the AOF before it replies.
    pub fn write_through(&self, seq: u64) {
        if seq <= self.written.load(SeqCst) {
            return;
        }
        let f = self
            .write_through
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(f) = f {
            f(seq);
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

    /// Appends already encoded records for database `db`; returns their sequence number.
    pub fn append_encoded(&self, db: usize, records: &[u8]) -> u64 {
        let mut inner = self.lock();
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
        let mut inner = self.lock();
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

/// The record of the write command running on this thread.
#[derive(Default)]
struct Pending {
    active: bool,
    db: usize,
    record: Vec<u8>,
    dirty: bool,
    appended: bool,
    /// Inside EXEC: records wait here, then go out as one MULTI ... EXEC block.
    tx: Option<Vec<u8>>,
    /// The database the transaction block has selected so far.
    tx_db: Option<usize>,
    /// Sequence number of the last record this thread appended.
    last_seq: u64,
}

thread_local! {
    static PENDING: RefCell<Pending> = RefCell::new(Pending::default());
}

/// Opens the record of a write command about to run in database `db`: its text, unless the
/// command replaces it.
pub fn begin(db: usize, argv: &[&[u8]]) {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        p.active = true;
        p.db = db;
        p.dirty = false;
        p.appended = false;
        p.record.clear();
        encode(&mut p.record, argv);
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

/// Replaces the running command's record by its effect (one or more commands), for commands
/// whose text would not replay to the same result. Call before the command's locks are
/// released.
pub fn replace(records: &[&[&[u8]]]) {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if !p.active {
            return;
        }
        p.record.clear();
        for r in records {
            encode(&mut p.record, r);
        }
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
        if !p.active || !p.dirty || p.appended || p.record.is_empty() {
            return;
        }
        p.appended = true;
        let p = &mut *p;
        if p.tx.is_some() {
            let (db, record) = (p.db, std::mem::take(&mut p.record));
            tx_push(p, db, &record);
            p.record = record;
        } else {
            p.last_seq = log.append_encoded(p.db, &p.record);
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
    PENDING.with(|p| p.borrow_mut().active = false);
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
            p.last_seq = log.append_encoded(db, &record);
        }
    });
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
        let Some(tx) = p.tx.take() else { return };
        let Some(db) = p.tx_db.take() else { return };
        if tx.is_empty() || !log.enabled() {
            return;
        }
        let mut block = Vec::with_capacity(tx.len() + 32);
        encode(&mut block, &[b"MULTI"]);
        block.extend_from_slice(&tx);
        encode(&mut block, &[b"EXEC"]);
        p.last_seq = log.append_block(&block, db);
    });
}

/// The sequence number of the last record this thread appended (what a reply must wait for
/// under `appendfsync always`).
pub fn last_seq() -> u64 {
    PENDING.with(|p| p.borrow().last_seq)
}
