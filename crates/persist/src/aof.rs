//! The append-only file: loading at start-up, the writer thread, and the rewrite.
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
//!
//! A rewrite ([`Aof::rewrite`]) needs no fork and stops nothing: at one instant, with every
//! command held off, the write stream is cut ([`Log::cut`]) and a snapshot begins. The writer
//! finishes the old incremental file at the cut and moves to a new one; the snapshot of that
//! instant becomes the new base. Then one manifest swap makes base + new file the AOF and the
//! old files are deleted. Switching the AOF on at run time ([`Aof::enable`]) is the same with
//! no old files.

use crate::manifest::{FileEntry, Manifest};
use crate::reader::{self, Read};
use crate::snapshot::Format;
use engine::config::Fsync;
use engine::persistence::Failure;
use engine::propagate::Log;
use engine::{Engine, ReplyBuf, Session};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Where and how the AOF is kept.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The AOF directory (`appenddirname`, relative to the working directory `dir`).
    pub dir: PathBuf,
    /// Where Redis 6 and older kept the whole AOF in one file: `appendfilename` in `dir`.
    pub single_file: PathBuf,
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
            single_file: PathBuf::from(&values.appendfilename),
            filename: values.appendfilename.clone(),
            fsync: values.appendfsync,
            load_truncated: values.aof_load_truncated,
        }
    }

    fn manifest_name(&self) -> String {
        format!("{}.manifest", self.filename)
    }

    /// Whether an AOF exists here: its manifest, or a Redis 6 single file to upgrade.
    pub fn exists(&self) -> bool {
        self.dir.join(self.manifest_name()).exists() || self.single_file.is_file()
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

/// Reads the manifest, upgrading a Redis 6 single-file AOF first (`upgrade`), and creating a
/// fresh AOF (empty base and incremental files) when there is none.
fn prepare(s: &Settings) -> Result<Manifest, String> {
    std::fs::create_dir_all(&s.dir)
        .map_err(|e| format!("Can't open the append-only dir {}: {e}", s.dir.display()))?;
    // What a rewrite or a manifest update killed half-way left behind: never in a manifest.
    if let Ok(entries) = std::fs::read_dir(&s.dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with("temp-") {
                tracing::info!(
                    "Removing {}, left by an interrupted rewrite",
                    e.path().display()
                );
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let path = s.dir.join(s.manifest_name());
    let manifest = match std::fs::read(&path) {
        Ok(text) => Manifest::parse(&text).map_err(|e| {
            format!(
                "*** FATAL AOF MANIFEST FILE ERROR *** {}: {e}",
                path.display()
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
        Err(e) => {
            return Err(format!(
                "Can't read the AOF manifest {}: {e}",
                path.display()
            ))
        }
    };
    let manifest = upgrade(s, manifest)?;
    if manifest.base.is_some() || !manifest.incrs.is_empty() {
        return Ok(manifest);
    }
    // No manifest, or one that lists no file (Redis starts empty from either).
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
        history: manifest.history,
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

/// Moves a Redis 6 single-file AOF (`appendfilename` in `dir`) into the AOF directory as the
/// base of a manifest, as Redis 7 does at start-up (`aofUpgradePrepare`): first the manifest
/// naming it is stored, then the file is renamed into the directory. A crash in between is
/// resumed at the next start, since the manifest then names a base that is not there yet
/// while the single file still is. An AOF directory with files of its own is left alone.
fn upgrade(s: &Settings, manifest: Manifest) -> Result<Manifest, String> {
    if !s.single_file.is_file() {
        return Ok(manifest);
    }
    let interrupted = manifest.incrs.is_empty()
        && manifest
            .base
            .as_ref()
            .is_some_and(|b| b.name == s.filename && !s.dir.join(&b.name).exists());
    let listed = manifest.base.is_some() || !manifest.incrs.is_empty();
    if listed && !interrupted {
        return Ok(manifest);
    }
    let m = Manifest {
        base: Some(FileEntry {
            name: s.filename.clone(),
            seq: 1,
            kind: 'b',
        }),
        incrs: Vec::new(),
        history: manifest.history,
    };
    m.store(&s.dir, &s.manifest_name())
        .map_err(|e| format!("Can't write the AOF manifest: {e}"))?;
    let to = s.dir.join(&s.filename);
    std::fs::rename(&s.single_file, &to).map_err(|e| {
        format!(
            "Error trying to move the old AOF file {} into dir {}: {e}",
            s.single_file.display(),
            s.dir.display()
        )
    })?;
    if let Err(e) = std::fs::File::open(&s.dir).and_then(|d| d.sync_all()) {
        tracing::warn!("Can't fsync the AOF directory {}: {e}", s.dir.display());
    }
    tracing::info!(
        "Successfully migrated an old-style AOF file ({}) into the AOF directory ({}).",
        s.single_file.display(),
        s.dir.display()
    );
    Ok(m)
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
    let mut progress = crate::progress::Progress::new(&engine.stats, &name.to_string(), buf.len());
    while at < buf.len() {
        match reader::read(&buf[at..]) {
            Read::Annotation(n) => at += n,
            Read::Command(argv, n) => {
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
                // At time 0: nothing expires while the AOF replays (see `Ctx::base_time`).
                let site = engine::CallSite {
                    now_ms: 0,
                    started: Instant::now(),
                    hint: None,
                };
                engine.execute_at(session, &argv, &mut out, site);
                loaded.commands += 1;
                at += n;
                progress.at(at, || format!("{} commands", loaded.commands));
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
    io: Mutex<Io>,
    kick: Condvar,
    kicked: Mutex<bool>,
    /// The writer is about to sleep or sleeps: a kick must wake it.
    sleeping: AtomicBool,
    stop: AtomicBool,
    fsync: AtomicU8,
    files: Mutex<Files>,
    /// The writer's answers to cuts: (cut number, the incremental file it closed, the new
    /// one's sequence number or why there is none).
    rotation: Mutex<Vec<Rotation>>,
    rotated: Condvar,
    /// Bytes in the files of the manifest (`aof_current_size`).
    size: AtomicU64,
    /// The size after the last rewrite or load (`aof_base_size`): automatic rewrites measure
    /// growth from it.
    base_size: AtomicU64,
}

/// See [`Shared::rotation`].
type Rotation = (u64, u64, Result<u64, String>);

/// The files of a running AOF.
struct Files {
    settings: Settings,
    manifest: Manifest,
    /// Whether `manifest` is on disk (not while the first base is being written).
    stored: bool,
}

impl Shared {
    /// Wakes the writer if it sleeps. A busy writer looks at the log again before it sleeps,
    /// so the many replies that wait for one fsync cost no system call each.
    fn kick(&self) {
        if !self.sleeping.load(SeqCst) {
            return;
        }
        let mut k = self.kicked.lock().unwrap_or_else(|e| e.into_inner());
        *k = true;
        self.kick.notify_one();
    }

    fn files(&self) -> std::sync::MutexGuard<'_, Files> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens the next incremental file and adds it to the manifest (stored if the manifest is
    /// on disk): the records after a cut go there.
    fn rotate(&self) -> Result<(File, u64), String> {
        let mut f = self.files();
        let (_, seq) = next_seqs(&f.manifest);
        let name = format!("{}.{seq}.incr.aof", f.settings.filename);
        let path = f.settings.dir.join(&name);
        let file = create_append(&path)?;
        f.manifest.incrs.push(FileEntry {
            name,
            seq,
            kind: 'i',
        });
        if f.stored {
            let manifest_name = f.settings.manifest_name();
            if let Err(e) = f.manifest.store(&f.settings.dir, &manifest_name) {
                f.manifest.incrs.pop();
                let _ = std::fs::remove_file(&path);
                return Err(format!("Can't write the AOF manifest: {e}"));
            }
        }
        Ok((file, seq))
    }

    fn rotated(&self, r: Rotation) {
        self.rotation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(r);
        self.rotated.notify_all();
    }

    /// Waits for the writer to act on cut number `cut`: the sequence number of the
    /// incremental file it closed there (the last one the records before the cut are in).
    fn wait_rotation(&self, cut: u64, cancel: &AtomicBool) -> Result<u64, String> {
        let mut r = self.rotation.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(i) = r.iter().position(|(n, _, _)| *n == cut) {
                let (_, closed, new) = r.remove(i);
                // Answers to earlier cuts nobody waits for any more are dropped too.
                r.retain(|(n, _, _)| *n > cut);
                return new.map(|_| closed);
            }
            if cancel.load(Relaxed) || self.stop.load(Relaxed) {
                return Err("cancelled".into());
            }
            r = self
                .rotated
                .wait_timeout(r, Duration::from_millis(100))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// The sequence numbers of the next base and the next incremental file of `m` (each kind
/// counts on its own, as in Redis).
fn next_seqs(m: &Manifest) -> (u64, u64) {
    let base = m.base.as_ref().map_or(0, |e| e.seq);
    let incr = m.incrs.iter().map(|e| e.seq).max().unwrap_or(0);
    (base + 1, incr + 1)
}

/// Creates (or empties) `path` and opens it for appending.
fn create_append(path: &Path) -> Result<File, String> {
    File::create(path)
        .and_then(|_| OpenOptions::new().append(true).open(path))
        .map_err(|e| format!("Can't open the append-only file {}: {e}", path.display()))
}

fn fsync_code(f: Fsync) -> u8 {
    match f {
        Fsync::Always => 0,
        Fsync::EverySec => 1,
        Fsync::No => 2,
    }
}

/// The total size of the files of `m`.
fn files_size(dir: &Path, m: &Manifest) -> u64 {
    m.base
        .iter()
        .chain(&m.incrs)
        .filter_map(|e| std::fs::metadata(dir.join(&e.name)).ok())
        .map(|md| md.len())
        .sum()
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
            // The last incremental file may not exist yet (Redis names it in the manifest of a
            // rewrite done with the AOF off); it is created when logging starts.
            if last && f.kind == 'i' && !s.dir.join(&f.name).exists() {
                continue;
            }
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
        let mut manifest = manifest;
        if manifest.incrs.is_empty() {
            // A base alone (as Redis leaves after a rewrite with the AOF off): writes go to a
            // new incremental file, named in the manifest before any is logged.
            let (_, seq) = next_seqs(&manifest);
            manifest.incrs.push(FileEntry {
                name: format!("{}.{seq}.incr.aof", s.filename),
                seq,
                kind: 'i',
            });
            manifest
                .store(&s.dir, &s.manifest_name())
                .map_err(|e| format!("Can't write the AOF manifest: {e}"))?;
        }
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
        let aof = Aof::start(engine, s, manifest, true, file)?;
        aof.shared.engine.keyspace.log.set_enabled(true);
        Ok((aof, loaded))
    }

    /// Starts the writer on `file`, the last incremental file of `manifest` (`stored`: the
    /// manifest is on disk). Logging itself is switched on by the caller.
    fn start(
        engine: Arc<Engine>,
        s: &Settings,
        manifest: Manifest,
        stored: bool,
        file: File,
    ) -> Result<Aof, String> {
        let log = engine.keyspace.log.clone();
        log.forget_db();
        let size = files_size(&s.dir, &manifest);
        let current = manifest.incrs.last().map_or(0, |e| e.seq);
        let length = file.metadata().map(|m| m.len()).unwrap_or(0);
        let shared = Arc::new(Shared {
            io: Mutex::new(Io {
                file,
                pending: Vec::new(),
                pending_seq: 0,
                written_seq: 0,
                synced_seq: 0,
                cut: None,
                current,
                size: length,
                unsynced: Vec::new(),
                synced_size: length,
            }),
            engine,
            kick: Condvar::new(),
            kicked: Mutex::new(false),
            sleeping: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            fsync: AtomicU8::new(fsync_code(s.fsync)),
            files: Mutex::new(Files {
                settings: s.clone(),
                manifest,
                stored,
            }),
            rotation: Mutex::new(Vec::new()),
            rotated: Condvar::new(),
            size: AtomicU64::new(size),
            base_size: AtomicU64::new(size),
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
            .spawn(move || writer(worker, log))
            .map_err(|e| format!("Can't start the AOF writer: {e}"))?;
        let aof = Aof {
            shared,
            thread: Mutex::new(Some(thread)),
        };
        aof.set_fsync(s.fsync);
        Ok(aof)
    }

    /// Switches the AOF on while the server runs (`CONFIG SET appendonly yes`): logging starts
    /// at an instant T into a new incremental file, and the dataset at T is written as the new
    /// base; only then is the manifest stored, and the files of an older AOF in the directory
    /// removed. On error nothing is logged any more and the directory is as it was.
    pub fn enable(
        engine: Arc<Engine>,
        s: &Settings,
        format: Format,
        cancel: &AtomicBool,
    ) -> Result<Aof, String> {
        std::fs::create_dir_all(&s.dir)
            .map_err(|e| format!("Can't open the append-only dir {}: {e}", s.dir.display()))?;
        let old = std::fs::read(s.dir.join(s.manifest_name()))
            .ok()
            .and_then(|t| Manifest::parse(&t).ok())
            .unwrap_or_default();
        let (base_seq, seq) = next_seqs(&old);
        let incr = FileEntry {
            name: format!("{}.{seq}.incr.aof", s.filename),
            seq,
            kind: 'i',
        };
        let incr_path = s.dir.join(&incr.name);
        let file = create_append(&incr_path)?;
        let manifest = Manifest {
            base: None,
            incrs: vec![incr],
            history: Vec::new(),
        };
        let aof = Aof::start(engine.clone(), s, manifest, false, file)?;
        let log = &engine.keyspace.log;
        let at_instant = || {
            // Left over from an earlier AOF: before T, so in the base.
            let _ = log.take();
            log.forget_db();
            log.set_enabled(true);
        };
        // Nothing is replaced: the new incremental file is the only one.
        let result = aof.write_base(format, base_seq, cancel, at_instant, || Ok(0));
        match result {
            Ok(()) => {
                for e in old.base.iter().chain(&old.incrs).chain(&old.history) {
                    let _ = std::fs::remove_file(s.dir.join(&e.name));
                }
                Ok(aof)
            }
            Err(e) => {
                aof.stop_logging();
                let _ = std::fs::remove_file(&incr_path);
                Err(e)
            }
        }
    }

    /// Compacts the AOF while writes go on (BGREWRITEAOF): at an instant T the log is cut, so
    /// the writer moves to a new incremental file, and the dataset at T becomes the new base.
    /// The new manifest (new base, the files from T on) replaces the old one atomically, then
    /// the old files are deleted. A failure leaves the old base and every incremental file in
    /// the manifest: nothing is lost.
    pub fn rewrite(&self, format: Format, cancel: &AtomicBool) -> Result<(), String> {
        let sh = &self.shared;
        let (base_seq, _) = next_seqs(&sh.files().manifest);
        let log = &sh.engine.keyspace.log;
        let cut = std::cell::Cell::new(None);
        let at_instant = || {
            cut.set(log.cut());
            sh.kick();
        };
        // The base replaces every incremental file up to the one the writer closed at the
        // cut, and the new manifest must list the file it moved to: both are known once it
        // has rotated.
        self.write_base(format, base_seq, cancel, at_instant, || match cut.get() {
            Some(n) => sh.wait_rotation(n, cancel),
            None => Err("the writer has not reached an earlier rewrite's cut yet".into()),
        })
    }

    /// Writes the dataset at an instant (when `at_instant` runs, every command held off) as
    /// base number `seq`. Then, once `ready` says which incremental files it replaces (up to
    /// that sequence number), stores the manifest with it as the base and the incremental
    /// files from the instant on, and deletes the files it replaced.
    fn write_base(
        &self,
        format: Format,
        seq: u64,
        cancel: &AtomicBool,
        at_instant: impl FnOnce(),
        ready: impl FnOnce() -> Result<u64, String>,
    ) -> Result<(), String> {
        let sh = &self.shared;
        let (dir, filename, manifest_name) = {
            let f = sh.files();
            (
                f.settings.dir.clone(),
                f.settings.filename.clone(),
                f.settings.manifest_name(),
            )
        };
        let tmp = dir.join(format!("temp-rewriteaof-bg-{}.aof", std::process::id()));
        let written =
            crate::snapshot::write_at_instant(&sh.engine, &tmp, format, at_instant, cancel);
        // Waited for even when writing failed: a rotation nobody waits for is dropped.
        let replaced = ready();
        let replaced_up_to = match written.map_err(|e| e.to_string()).and(replaced) {
            Ok(seq) => seq,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(format!("Can't write the AOF base: {e}"));
            }
        };
        let ext = if format == Format::Commands {
            "aof"
        } else {
            "rdb"
        };
        let base = FileEntry {
            name: format!("{filename}.{seq}.base.{ext}"),
            seq,
            kind: 'b',
        };
        let base_path = dir.join(&base.name);
        if let Err(e) = std::fs::rename(&tmp, &base_path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(format!("Can't install the AOF base: {e}"));
        }
        let mut f = sh.files();
        let mut next = f.manifest.clone();
        let mut old: Vec<FileEntry> = next.base.take().into_iter().collect();
        old.extend(
            next.incrs
                .iter()
                .filter(|e| e.seq <= replaced_up_to)
                .cloned(),
        );
        next.incrs.retain(|e| !old.contains(e));
        old.append(&mut next.history);
        next.base = Some(base);
        if let Err(e) = next.store(&dir, &manifest_name) {
            drop(f);
            let _ = std::fs::remove_file(&base_path);
            return Err(format!("Can't write the AOF manifest: {e}"));
        }
        f.manifest = next;
        f.stored = true;
        let size = files_size(&dir, &f.manifest);
        drop(f);
        for e in old {
            let _ = std::fs::remove_file(dir.join(&e.name));
        }
        sh.size.store(size, Relaxed);
        sh.base_size.store(size, Relaxed);
        Ok(())
    }

    /// Bytes in the AOF's files now, and after the last rewrite or load.
    pub fn sizes(&self) -> (u64, u64) {
        (
            self.shared.size.load(Relaxed),
            self.shared.base_size.load(Relaxed),
        )
    }

    /// Follows `appendfsync` (CONFIG SET): under `always` replies wait for the writer's
    /// fsync, otherwise connections write their records themselves before replying.
    pub fn set_fsync(&self, f: Fsync) {
        self.shared.fsync.store(fsync_code(f), Relaxed);
        let log = &self.shared.engine.keyspace.log;
        log.set_hold_replies(f == Fsync::Always);
        if f == Fsync::Always {
            log.set_write_through(None);
        } else {
            let shared = Arc::downgrade(&self.shared);
            let through: engine::propagate::WriteThrough =
                Arc::new(move |seq| match shared.upgrade() {
                    Some(s) => s.write_through(&s.engine.keyspace.log, seq),
                    None => Ok(()),
                });
            log.set_write_through(Some(through));
        }
    }

    /// Writes and fsyncs everything logged so far and stops the writer (shutdown).
    pub fn close(&self) {
        self.shared.engine.keyspace.log.set_write_through(None);
        self.shared.stop.store(true, Relaxed);
        self.shared.kick();
        if let Some(t) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = t.join();
        }
    }

    /// Stops logging (`CONFIG SET appendonly no`): what was logged is written and fsynced,
    /// nothing after. Replies waiting for durability are released.
    pub fn stop_logging(&self) {
        let engine = &self.shared.engine;
        let log = &engine.keyspace.log;
        // Not under the exec gate: CONFIG SET, which calls this, runs inside it. A command
        // that appends after the writer's last look is simply not logged.
        log.set_enabled(false);
        log.set_hold_replies(false);
        self.close();
        // Anything a command appended after the writer's last look is dropped with the file.
        let _ = log.take();
        log.set_durable(log.appended());
    }
}

/// How long an idle writer sleeps before looking at the log again (a kick wakes it sooner).
const IDLE_WAIT: Duration = Duration::from_millis(1);
/// How long a failing write waits before it is retried.
const RETRY_WAIT: Duration = Duration::from_millis(100);
/// Written but not yet fsynced bytes kept for a rewrite after a failed fsync: beyond this the
/// writer fsyncs early, so the copy stays bounded.
const UNSYNCED_MAX: usize = 8 << 20;
/// Buffer capacity kept after a burst.
const KEEP_BUFFER: usize = 1 << 20;
/// Failed attempts in a row after which a stopping writer gives up (about 2 s).
const STOP_RETRIES: u32 = 20;

/// The file being appended to and what is on its way there. The writer thread and, under
/// `appendfsync everysec` and `no`, connections about to reply ([`Shared::write_through`])
/// write through it, one at a time; fsyncs happen outside the lock, on a second handle of the
/// same file, so a slow disk never holds up a write.
struct Io {
    file: File,
    /// Taken from the log, not written yet (a failed write is retried).
    pending: Vec<u8>,
    pending_seq: u64,
    written_seq: u64,
    synced_seq: u64,
    /// A cut was taken: once `pending` is written and fsynced, move to a new file; nothing is
    /// taken from the log until then.
    cut: Option<u64>,
    /// The sequence number of the incremental file being written.
    current: u64,
    /// The file's length after the last complete write: a write that fails part-way is cut
    /// back to it, so a retry never leaves half a batch in the middle of the file.
    size: u64,
    /// What was written since the last good fsync, and the length then. A failed fsync may
    /// have lost those pages (the kernel drops them and a later fsync succeeds anyway), so
    /// they are cut off and written again. Not kept under `appendfsync no`.
    unsynced: Vec<u8>,
    synced_size: u64,
}

impl Io {
    /// Takes what the log holds (not past a cut) and writes it. On error the file is cut back
    /// and the bytes kept for a retry.
    fn write(&mut self, shared: &Shared, log: &Log) -> std::io::Result<()> {
        if self.cut.is_none() {
            let taken = log.take();
            self.pending.extend_from_slice(&taken.bytes);
            self.pending_seq = self.pending_seq.max(taken.seq);
            self.cut = taken.cut;
        }
        if !self.pending.is_empty() {
            if let Err(e) = self.file.write_all(&self.pending) {
                let _ = self.file.set_len(self.size);
                return Err(e);
            }
            let n = self.pending.len() as u64;
            self.size += n;
            shared.size.fetch_add(n, Relaxed);
            if shared.fsync.load(Relaxed) == 2 {
                self.pending.clear();
            } else {
                self.unsynced.append(&mut self.pending);
            }
        }
        self.written_seq = self.written_seq.max(self.pending_seq);
        log.set_written(self.written_seq);
        Ok(())
    }

    /// An fsync covering the file up to `size` (records up to `seq`) succeeded.
    fn synced(&mut self, seq: u64, size: u64) {
        let done = size.saturating_sub(self.synced_size) as usize;
        self.unsynced.drain(..done.min(self.unsynced.len()));
        // A burst of writes leaves no big buffers behind.
        for buf in [&mut self.unsynced, &mut self.pending] {
            if buf.capacity() > KEEP_BUFFER && buf.len() < KEEP_BUFFER / 4 {
                buf.shrink_to(KEEP_BUFFER / 4);
            }
        }
        self.synced_size = self.synced_size.max(size);
        self.synced_seq = self.synced_seq.max(seq);
    }

    /// An fsync failed: the file is cut back to the last good one and what followed is
    /// written again.
    fn unsync(&mut self, shared: &Shared) {
        let _ = self.file.set_len(self.synced_size);
        shared
            .size
            .fetch_sub(self.size.saturating_sub(self.synced_size), Relaxed);
        self.size = self.synced_size;
        self.unsynced.append(&mut self.pending);
        self.pending = std::mem::take(&mut self.unsynced);
        self.written_seq = self.synced_seq;
    }
}

impl Shared {
    fn io(&self) -> std::sync::MutexGuard<'_, Io> {
        self.io.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection about to reply (`appendfsync everysec` or `no`): writes the records up
    /// to `seq` now, unless that is done already. A failure is the writer's to retry, and the
    /// reply must not acknowledge the write: the error is the `-MISCONF` text to send instead.
    fn write_through(&self, log: &Log, seq: u64) -> Result<(), String> {
        let mut io = self.io();
        if io.written_seq >= seq {
            return Ok(());
        }
        if let Err(e) = io.write(self, log) {
            drop(io);
            let why = fail(&self.engine, &e);
            self.kick();
            return Err(why);
        }
        if io.cut.is_some() && io.written_seq < seq {
            // The records after a rewrite's cut wait for the writer to move to the next file:
            // the reply waits for them like a reply under `always` does.
            drop(io);
            self.kick();
            return self.wait_written(log, seq);
        }
        Ok(())
    }

    /// Waits until the writer has moved past a cut and written the records up to `seq`
    /// (a rewrite is switching files), or fails.
    fn wait_written(&self, log: &Log, seq: u64) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let io = self.io();
            if io.written_seq >= seq {
                return Ok(());
            }
            if io.cut.is_none() {
                drop(io);
                return self.write_through(log, seq);
            }
            drop(io);
            if Instant::now() >= deadline || self.stop.load(Relaxed) {
                return Err("MISCONF the append-only file could not be written in time".to_string());
            }
            self.kick();
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

/// Samples an AOF event for the latency monitor (LATENCY), as Redis's `aof-write` and
/// `aof-fsync-always`.
fn note_latency(e: &Engine, event: &'static str, started: Instant) {
    e.latency.record_since(event, started, e.clock.as_ref());
}

fn writer(shared: Arc<Shared>, log: Arc<Log>) {
    let mut last_fsync = Instant::now();
    // A second handle on the file, for fsyncs outside the lock.
    let mut sync_file = shared.io().file.try_clone().ok();
    // Failures in a row: when stopping, the writer gives up after a while.
    let mut failures = 0u32;
    loop {
        let stopping = shared.stop.load(Relaxed);
        if stopping && failures >= STOP_RETRIES {
            let io = shared.io();
            tracing::error!(
                "Giving up writing the AOF on shutdown: {} bytes are not on disk",
                io.pending.len() + io.unsynced.len()
            );
            return;
        }
        let policy = shared.fsync.load(Relaxed);
        let (want_sync, seq, size) = {
            let mut io = shared.io();
            let write_started = Instant::now();
            let written = io.write(&shared, &log);
            note_latency(&shared.engine, "aof-write", write_started);
            if let Err(e) = written {
                drop(io);
                fail(&shared.engine, &e);
                failures += 1;
                std::thread::sleep(RETRY_WAIT);
                continue;
            }
            let want = io.written_seq > io.synced_seq
                && (policy == 0
                    || stopping
                    || io.cut.is_some()
                    || io.unsynced.len() > UNSYNCED_MAX
                    || (policy == 1 && last_fsync.elapsed() >= Duration::from_secs(1)));
            (want, io.written_seq, io.size)
        };
        if want_sync {
            let sync_started = Instant::now();
            let synced = match &sync_file {
                Some(f) => f.sync_data(),
                None => shared.io().file.sync_data(),
            };
            if policy == 0 {
                note_latency(&shared.engine, "aof-fsync-always", sync_started);
            }
            if let Err(e) = synced {
                fail(&shared.engine, &e);
                failures += 1;
                shared.io().unsync(&shared);
                std::thread::sleep(RETRY_WAIT);
                continue;
            }
            shared.io().synced(seq, size);
            last_fsync = Instant::now();
        }
        failures = 0;
        recovered(&shared.engine);
        let mut io = shared.io();
        // Under `always` a record is durable once fsynced; otherwise once written.
        let durable = if policy == 0 {
            io.synced_seq
        } else {
            io.written_seq
        };
        if io.cut.is_some() && io.synced_seq < io.written_seq {
            // Written past the fsync above by a connection: once more before the cut.
            continue;
        }
        if let Some(n) = io.cut.take() {
            // Everything before the cut is in the old file: the rest goes to a new one. If
            // it cannot be opened, the rewrite fails and the old file goes on.
            match shared.rotate() {
                Ok((next, seq)) => {
                    sync_file = next.try_clone().ok();
                    io.file = next;
                    io.size = 0;
                    io.synced_size = 0;
                    io.unsynced.clear();
                    let closed = io.current;
                    io.current = seq;
                    shared.rotated((n, closed, Ok(seq)));
                }
                Err(e) => {
                    tracing::warn!("{e}");
                    shared.rotated((n, io.current, Err(e)));
                }
            }
            drop(io);
            if durable > log.durable() {
                log.set_durable(durable);
            }
            continue;
        }
        let written_seq = io.written_seq;
        drop(io);
        if durable > log.durable() {
            log.set_durable(durable);
        }
        if stopping && log.appended() <= written_seq {
            let _ = shared.io().file.sync_data();
            return;
        }
        if log.appended() > written_seq {
            continue;
        }
        let k = shared.kicked.lock().unwrap_or_else(|e| e.into_inner());
        shared.sleeping.store(true, SeqCst);
        // Appended between the look above and `sleeping`: a kick may have been skipped.
        let (mut k, _) = if log.appended() > written_seq {
            (k, ())
        } else {
            let (k, _) = shared
                .kick
                .wait_timeout_while(k, IDLE_WAIT, |kicked| !*kicked)
                .unwrap_or_else(|e| e.into_inner());
            (k, ())
        };
        shared.sleeping.store(false, SeqCst);
        *k = false;
    }
}

/// Records a failed write or fsync: writes are refused with the returned `-MISCONF` text
/// until one succeeds.
fn fail(engine: &Engine, e: &std::io::Error) -> String {
    // Redis shows the system's text alone ("No space left on device").
    let text = e.to_string();
    let plain = text.split(" (os error").next().unwrap_or(&text);
    let why = format!("MISCONF Errors writing to the AOF file: {plain}");
    if engine.state.misconf().as_deref() != Some(why.as_str()) {
        tracing::warn!("Error writing to the AOF file: {e}");
    }
    engine.state.set_misconf(Failure::Aof, Some(why.clone()));
    why
}

fn recovered(engine: &Engine) {
    if engine.state.failing(Failure::Aof) {
        tracing::warn!("AOF write error looks solved, ferrokv can write again.");
        engine.state.set_misconf(Failure::Aof, None);
    }
}
