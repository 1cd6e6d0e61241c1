//! The append-only file: loading at start-up and the writer thread.
//!
//! Files live in `appenddirname` as Redis 7 lays them out: `<appendfilename>.<n>.base.aof`,
//! `<appendfilename>.<n>.incr.aof` and `<appendfilename>.manifest`. A fresh directory gets an
//! empty base and an empty incremental file; writes are appended to the last incremental file.
//!
//! The writer thread drains the engine's write stream ([`engine::propagate::Log`]) in batches:
//! whatever accumulated while the previous batch was being written or fsynced goes out with
//! one `write` and (under `appendfsync always`) one `fdatasync`, so many clients share each
//! fsync (group commit). Under `always` a reply is held by its connection until the sequence
//! number of its write is durable ([`Log::durable`]); under `everysec` records are written at
//! once and fsynced about once a second; under `no` the operating system decides. A failed
//! write or fsync is never reported durable: the batch is kept and retried, and meanwhile the
//! engine refuses writes with `-MISCONF`.

use crate::manifest::{FileEntry, Manifest};
use crate::reader::{self, Read};
use engine::config::Fsync;
use engine::propagate::Log;
use engine::{Engine, ReplyBuf, Session};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Where and how the AOF is kept.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The AOF directory (`appenddirname`, relative to the working directory `dir`).
    pub dir: PathBuf,
    /// `appendfilename`: the prefix of every file name.
    pub filename: String,
    /// `appendfsync`.
    pub fsync: Fsync,
    /// `aof-load-truncated`.
    pub load_truncated: bool,
}

impl Settings {
    /// The settings of an engine's configuration.
    pub fn from_config(values: &engine::config::Values) -> Settings {
        Settings {
            dir: PathBuf::from(&values.appenddirname),
            filename: values.appendfilename.clone(),
            fsync: values.appendfsync,
            load_truncated: values.aof_load_truncated,
        }
    }

    fn manifest_name(&self) -> String {
        format!("{}.manifest", self.filename)
    }
}

/// What loading found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Commands replayed.
    pub commands: u64,
    /// Bytes of a torn last command that were dropped.
    pub truncated: u64,
}

/// Reads the manifest, creating a fresh AOF (empty base and incremental files) when there is
/// none.
fn prepare(s: &Settings) -> Result<Manifest, String> {
    std::fs::create_dir_all(&s.dir)
        .map_err(|e| format!("Can't open the append-only dir {}: {e}", s.dir.display()))?;
    let path = s.dir.join(s.manifest_name());
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let m = Manifest::parse(&text).map_err(|e| format!("{e} in {}", path.display()))?;
            if m.incrs.is_empty() && m.base.is_none() {
                return Err(format!("Found an empty AOF manifest: {}", path.display()));
            }
            Ok(m)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let m = Manifest {
                base: Some(FileEntry {
                    name: format!("{}.1.base.aof", s.filename),
                    seq: 1,
                    kind: 'b',
                }),
                incrs: vec![FileEntry {
                    name: format!("{}.1.incr.aof", s.filename),
                    seq: 1,
                    kind: 'i',
                }],
                history: Vec::new(),
            };
            for f in m.base.iter().chain(&m.incrs) {
                let p = s.dir.join(&f.name);
                File::create(&p)
                    .and_then(|f| f.sync_all())
                    .map_err(|e| format!("Can't create {}: {e}", p.display()))?;
            }
            m.store(&s.dir, &s.manifest_name())
                .map_err(|e| format!("Can't write the AOF manifest: {e}"))?;
            Ok(m)
        }
        Err(e) => Err(format!(
            "Can't read the AOF manifest {}: {e}",
            path.display()
        )),
    }
}

/// Replays one file into the engine. `last`: a torn tail may be dropped (and is, when
/// `aof-load-truncated` allows it, by truncating the file).
fn load_file(
    engine: &Engine,
    session: &mut Session,
    path: &Path,
    last: bool,
    s: &Settings,
    loaded: &mut Loaded,
) -> Result<(), String> {
    let name = path.display();
    let buf = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !last => {
            return Err(format!("The AOF file {name} doesn't exist"));
        }
        Err(e) => return Err(format!("Can't read the AOF file {name}: {e}")),
    };
    let max_bulk = engine.config.proto_max_bulk_len();
    let mut at = 0usize;
    if buf.starts_with(b"REDIS") {
        // An RDB base (`aof-use-rdb-preamble yes`, Redis's default), possibly followed by
        // commands in an old single-file AOF.
        let (_, used) = crate::snapshot::load_bytes(engine, &buf, true, &name.to_string())?;
        at = used;
    }
    // Where the open MULTI block (if any) started: a torn transaction is dropped whole.
    let mut multi_at: Option<usize> = None;
    let mut out = ReplyBuf::new(false);
    let total = buf.len().max(1);
    let mut next_report = total / 10;
    while at < buf.len() {
        match reader::read(&buf[at..], max_bulk) {
            Read::Command(args, n) => {
                let argv: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
                if engine.registry.lookup(argv[0]).is_none() {
                    return Err(format!(
                        "Unknown command '{}' reading the append only file {name} at offset {at}",
                        String::from_utf8_lossy(argv[0])
                    ));
                }
                if argv[0].eq_ignore_ascii_case(b"multi") {
                    multi_at = Some(at);
                } else if argv[0].eq_ignore_ascii_case(b"exec") {
                    multi_at = None;
                }
                out.buf.clear();
                engine.execute(session, &argv, &mut out);
                loaded.commands += 1;
                at += n;
                if at >= next_report {
                    tracing::info!(
                        "Loading {name}: {}% ({} commands)",
                        at * 100 / total,
                        loaded.commands
                    );
                    next_report = at + total / 10;
                }
            }
            Read::Incomplete if last => {
                let keep = multi_at.unwrap_or(at);
                if !s.load_truncated {
                    return Err(format!(
                        "Unexpected end of file reading the append only file {name} at offset {at}. \
                         Make a backup of it, then either set 'aof-load-truncated yes' to load its \
                         complete prefix or fix it with redis-check-aof --fix"
                    ));
                }
                tracing::warn!(
                    "!!! Warning: short read while loading the AOF file {name} at offset {at} !!! \
                     AOF loaded anyway because aof-load-truncated is enabled; truncating it to \
                     {keep} bytes"
                );
                truncate(path, keep as u64)?;
                loaded.truncated += (buf.len() - keep) as u64;
                if multi_at.is_some() {
                    tracing::warn!("Revert incomplete MULTI/EXEC transaction in AOF file {name}");
                    out.buf.clear();
                    engine.execute(session, &[b"DISCARD"], &mut out);
                }
                return Ok(());
            }
            Read::Incomplete => {
                return Err(format!(
                    "Unexpected end of file reading the append only file {name} at offset {at} \
                     (it is not the last file of the manifest)"
                ));
            }
            Read::Bad(why) => {
                return Err(format!(
                    "Bad file format reading the append only file {name} at offset {at}: {why}. \
                     Make a backup of it, then fix it with redis-check-aof --fix"
                ));
            }
        }
    }
    if multi_at.is_some() && last {
        // Complete commands, but the transaction never reached EXEC: the crash came in between.
        let keep = multi_at.unwrap_or(at);
        if !s.load_truncated {
            return Err(format!(
                "Unexpected end of file reading the append only file {name}: a MULTI block at \
                 offset {keep} has no EXEC"
            ));
        }
        tracing::warn!("Revert incomplete MULTI/EXEC transaction in AOF file {name}");
        out.buf.clear();
        engine.execute(session, &[b"DISCARD"], &mut out);
        truncate(path, keep as u64)?;
        loaded.truncated += (buf.len() - keep) as u64;
    }
    Ok(())
}

fn truncate(path: &Path, len: u64) -> Result<(), String> {
    OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| {
            f.set_len(len)?;
            f.sync_all()
        })
        .map_err(|e| format!("Can't truncate {}: {e}", path.display()))
}

/// A running AOF: the file being appended to and its writer thread.
pub struct Aof {
    shared: Arc<Shared>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

struct Shared {
    engine: Arc<Engine>,
    kick: Condvar,
    kicked: Mutex<bool>,
    stop: AtomicBool,
    fsync: AtomicU8,
}

impl Shared {
    fn kick(&self) {
        let mut k = self.kicked.lock().unwrap_or_else(|e| e.into_inner());
        *k = true;
        self.kick.notify_one();
    }
}

fn fsync_code(f: Fsync) -> u8 {
    match f {
        Fsync::Always => 0,
        Fsync::EverySec => 1,
        Fsync::No => 2,
    }
}

impl Aof {
    /// Loads the AOF of `s` into `engine` (creating a fresh one if there is none), then starts
    /// logging writes to it. The engine answers `-LOADING` meanwhile. An error means the server
    /// must not start: the message names the file and the offset.
    pub fn open(engine: Arc<Engine>, s: &Settings) -> Result<(Aof, Loaded), String> {
        let manifest = prepare(s)?;
        let started = Instant::now();
        let mut loaded = Loaded::default();
        let mut session = Session::detached(&engine.clients, "aof", 0, engine.clock.now_ms());
        session.replaying = true;
        let files: Vec<&FileEntry> = manifest.base.iter().chain(&manifest.incrs).collect();
        for (i, f) in files.iter().enumerate() {
            let last = i + 1 == files.len();
            load_file(
                &engine,
                &mut session,
                &s.dir.join(&f.name),
                last,
                s,
                &mut loaded,
            )?;
        }
        tracing::info!(
            "DB loaded from append only file: {:.3} seconds ({} commands)",
            started.elapsed().as_secs_f64(),
            loaded.commands
        );
        let current = manifest
            .incrs
            .last()
            .ok_or("the AOF manifest has no incremental file")?;
        let path = s.dir.join(&current.name);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("Can't open the append-only file {}: {e}", path.display()))?;
        let log = engine.keyspace.log.clone();
        log.forget_db();
        log.set_hold_replies(s.fsync == Fsync::Always);
        log.set_enabled(true);
        let shared = Arc::new(Shared {
            engine,
            kick: Condvar::new(),
            kicked: Mutex::new(false),
            stop: AtomicBool::new(false),
            fsync: AtomicU8::new(fsync_code(s.fsync)),
        });
        let kicker = Arc::downgrade(&shared);
        log.on_wait(Box::new(move || {
            if let Some(s) = kicker.upgrade() {
                s.kick();
            }
        }));
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("aof-writer".into())
            .spawn(move || writer(worker, file, log))
            .map_err(|e| format!("Can't start the AOF writer: {e}"))?;
        Ok((
            Aof {
                shared,
                thread: Mutex::new(Some(thread)),
            },
            loaded,
        ))
    }

    /// Wakes the writer (a reply waits for durability).
    pub fn kick(&self) {
        self.shared.kick();
    }

    /// Follows `appendfsync` (CONFIG SET).
    pub fn set_fsync(&self, f: Fsync) {
        self.shared.fsync.store(fsync_code(f), Relaxed);
        self.shared
            .engine
            .keyspace
            .log
            .set_hold_replies(f == Fsync::Always);
    }

    /// Writes and fsyncs everything logged so far and stops the writer (shutdown).
    pub fn close(&self) {
        self.shared.stop.store(true, Relaxed);
        self.kick();
        if let Some(t) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = t.join();
        }
    }
}

/// How long an idle writer sleeps before looking at the log again (a kick wakes it sooner).
const IDLE_WAIT: Duration = Duration::from_millis(1);
/// How long a failing write waits before it is retried.
const RETRY_WAIT: Duration = Duration::from_millis(100);

fn writer(shared: Arc<Shared>, mut file: File, log: Arc<Log>) {
    let mut pending: Vec<u8> = Vec::new();
    let mut pending_seq = 0u64;
    let mut written_seq = 0u64;
    let mut synced_seq = 0u64;
    let mut last_fsync = Instant::now();
    // The file's length after the last complete write: a write that fails part-way is cut
    // back to it, so a retry never leaves half a batch in the middle of the file.
    let mut size = file.metadata().map(|m| m.len()).unwrap_or(0);
    loop {
        let stopping = shared.stop.load(Relaxed);
        let (more, seq) = log.take();
        if !more.is_empty() {
            pending.extend_from_slice(&more);
            pending_seq = seq;
        }
        let policy = shared.fsync.load(Relaxed);
        if !pending.is_empty() {
            if let Err(e) = file.write_all(&pending) {
                fail(&shared.engine, &e);
                let _ = file.set_len(size);
                std::thread::sleep(RETRY_WAIT);
                continue;
            }
            size += pending.len() as u64;
            pending.clear();
            written_seq = pending_seq;
        }
        let want_sync = written_seq > synced_seq
            && (policy == 0
                || stopping
                || (policy == 1 && last_fsync.elapsed() >= Duration::from_secs(1)));
        if want_sync {
            if let Err(e) = file.sync_data() {
                fail(&shared.engine, &e);
                std::thread::sleep(RETRY_WAIT);
                continue;
            }
            synced_seq = written_seq;
            last_fsync = Instant::now();
        }
        recovered(&shared.engine);
        // Under `always` a record is durable once fsynced; otherwise once written.
        let durable = if policy == 0 { synced_seq } else { written_seq };
        if durable > log.durable() {
            log.set_durable(durable);
        }
        if stopping && log.appended() <= written_seq {
            let _ = file.sync_data();
            return;
        }
        if log.appended() > written_seq {
            continue;
        }
        let k = shared.kicked.lock().unwrap_or_else(|e| e.into_inner());
        let (mut k, _) = shared
            .kick
            .wait_timeout_while(k, IDLE_WAIT, |kicked| !*kicked)
            .unwrap_or_else(|e| e.into_inner());
        *k = false;
    }
}

fn fail(engine: &Engine, e: &std::io::Error) {
    let why = e.to_string();
    let already = engine
        .persist_error
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_deref()
        == Some(why.as_str());
    if !already {
        tracing::warn!("Error writing to the AOF file: {why}");
    }
    engine.set_persist_error(Some(why));
}

fn recovered(engine: &Engine) {
    let failing = engine
        .persist_error
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_some();
    if failing {
        tracing::warn!("AOF write error looks solved, ferrokv can write again.");
        engine.set_persist_error(None);
    }
}
