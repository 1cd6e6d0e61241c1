//! Snapshots in Redis's RDB format: SAVE writes every database to `dbfilename`, and start-up
//! (with `appendonly no`) loads it, so a `dump.rdb` moves between Redis and ferrokv both ways.
//!
//! SAVE holds every shard of every database for its duration, which makes the file one point
//! in time (other clients wait, as they do during Redis's SAVE). [`write_at_instant`] writes
//! the dataset of one instant while commands go on (BGSAVE, the AOF rewrite's base), in RDB or
//! command form. Files are written to a temporary name, fsynced and renamed over the old one,
//! and the directory fsynced: a save killed half-way never damages the previous snapshot.

use engine::dump;
use engine::entry::EntryMeta;
use engine::keyspace::SHARDS;
use engine::rdb::{self, Writer};
use engine::Engine;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Writes a snapshot of every database to `path`. Returns the number of keys written.
pub fn save(engine: &Engine, path: &Path) -> Result<u64, String> {
    // Unique per save: two SAVEs at once (or SAVE and a shutdown's) never share a file.
    static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SAVES.fetch_add(1, Ordering::Relaxed);
    let tmp = parent(path).join(format!("temp-{}-{n}.rdb", std::process::id()));
    let result = write_snapshot(engine, &tmp).and_then(|n| {
        install(&tmp, path)?;
        Ok(n)
    });
    match result {
        Ok(n) => {
            tracing::info!("DB saved on disk ({n} keys)");
            Ok(n)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            let why = format!("Failed saving the DB: {e}");
            tracing::warn!("{why}");
            Err(why)
        }
    }
}

fn write_snapshot(engine: &Engine, tmp: &Path) -> std::io::Result<u64> {
    let file = std::fs::File::create(tmp)?;
    let mut w = Writer::with_options(BufWriter::new(file), engine.config.rdb_options())?;
    let ks = &engine.keyspace;
    let now = engine.clock.now_ms();
    for code in engine.function_codes() {
        w.write_function(&code)?;
    }
    let all: Vec<usize> = (0..ks.databases()).collect();
    let mut l = ks.lock_dbs(&all);
    let mut written = 0u64;
    for db in all {
        let (mut keys, mut expires) = (0u64, 0u64);
        for shard in l.shards_of(db) {
            shard.table.for_each(|e| {
                if !e.is_expired(now) {
                    keys += 1;
                    expires += u64::from(e.expire().is_some());
                }
            });
        }
        if keys == 0 {
            continue;
        }
        w.select_db(db, keys, expires)?;
        for shard in l.shards_of(db) {
            let mut failed = None;
            shard.table.for_each(|e| {
                if failed.is_some() || e.is_expired(now) {
                    return;
                }
                let hint = clock_hint(engine, &e, now);
                if let Err(err) =
                    w.write_entry_hinted(e.key(), &dump::to_value(&e), e.expire(), hint)
                {
                    failed = Some(err);
                }
            });
            if let Some(err) = failed {
                return Err(err);
            }
        }
        written += keys;
    }
    drop(l);
    let mut out = w.finish()?;
    out.flush()?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(written)
}

/// What loading a snapshot found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Keys loaded.
    pub keys: u64,
    /// Keys skipped because their expiry had passed.
    pub expired: u64,
}

/// Loads the snapshot at `path` into `engine`. A damaged file (bad checksum, bad data), a
/// database number beyond `databases` or a key twice refuse the load; the error names the file
/// and the offset.
pub fn load(engine: &Engine, path: &Path) -> Result<Loaded, String> {
    load_into(engine, path, false)
}

/// [`load`] into a keyspace that may hold keys (DEBUG RELOAD NOFLUSH): with `merge` a key of
/// the file replaces one in memory, else it refuses the load.
pub fn load_into(engine: &Engine, path: &Path, merge: bool) -> Result<Loaded, String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("Can't read {name}: {e}"))?;
    let (loaded, _) = load_bytes_with(engine, &bytes, false, merge, &name)?;
    Ok(loaded)
}

/// Loads RDB data into `engine`. With `prefix`, the RDB part may be followed by other data (an
/// AOF with an RDB preamble) and its length is returned. `name` names the source in errors.
pub fn load_bytes(
    engine: &Engine,
    bytes: &[u8],
    prefix: bool,
    name: &str,
) -> Result<(Loaded, usize), String> {
    load_bytes_with(engine, bytes, prefix, false, name)
}

/// [`load_bytes`]; with `merge` a key already present is replaced instead of refusing.
fn load_bytes_with(
    engine: &Engine,
    bytes: &[u8],
    prefix: bool,
    merge: bool,
    name: &str,
) -> Result<(Loaded, usize), String> {
    let ks = &engine.keyspace;
    let now = engine.clock.now_ms();
    let limits = engine.limits.load();
    let lfu = engine.memory.policy().is_lfu();
    let started = std::time::Instant::now();
    let mut loaded = Loaded::default();
    let mut progress = crate::progress::Progress::new(&engine.stats, name, bytes.len());
    let on_aux = |k: &[u8], v: &[u8]| {
        if k == b"function" {
            if let Err(e) = engine.load_function(v) {
                tracing::warn!("Failed loading a function library from the RDB: {e}");
            }
            return;
        }
        if k == b"redis-ver" || k == b"ctime" {
            tracing::info!(
                "Loading RDB {}: {}",
                String::from_utf8_lossy(k),
                String::from_utf8_lossy(v)
            );
        }
    };
    let on_entry = |entry: rdb::Entry| {
        if entry.db >= ks.databases() {
            return Err(rdb::Error::Refused(format!(
                "the file selects database {}, beyond the {} configured",
                entry.db,
                ks.databases()
            )));
        }
        // An AOF base keeps keys whose time passed: a later command may still PERSIST them
        // (Redis's rule); a dump.rdb drops them.
        if !prefix && entry.expire_ms.is_some_and(|at| at <= now) {
            loaded.expired += 1;
            return Ok(());
        }
        // As Redis's `objectSetLRUOrLFU`: the saved frequency under an LFU policy, the saved
        // idle time under any other, else a fresh key's clock.
        let clock = match (lfu, entry.hint) {
            (true, Some(rdb::Hint::Freq(f))) => engine::memory::lfu_clock(now, f),
            (false, Some(rdb::Hint::Idle(secs))) => {
                let secs = secs.min(u64::from(engine::memory::CLOCK_MASK)) as u32;
                engine::memory::lru_clock(now).wrapping_sub(secs) & engine::memory::CLOCK_MASK
            }
            _ => ks.access.new_clock(now),
        };
        let meta = EntryMeta {
            expire: entry.expire_ms,
            clock,
            ..Default::default()
        };
        let built = dump::to_entry(&entry.key, &entry.value, &limits, meta);
        // Straight into the shard: nobody can watch, track or block on a key while the
        // dataset loads, and one lookup both inserts and finds a duplicate.
        let k = ks.key(&entry.key);
        let old = ks
            .db(entry.db)
            .write(k.shard)
            .put(k.hash, &entry.key, built, ks.hasher());
        if old.is_some() && !merge {
            return Err(rdb::Error::Refused(format!(
                "duplicate key '{}' in database {}",
                String::from_utf8_lossy(&entry.key),
                entry.db
            )));
        }
        loaded.keys += 1;
        progress.at(entry.end, || format!("{} keys", loaded.keys));
        Ok(())
    };
    // RESIZEDB sizes every shard's table before its keys come (no rehashing on the way).
    // The counts are the file's word: together at most one key per 3 bytes of it.
    let mut budget = bytes.len() as u64 / 3;
    let on_resize = |db: usize, keys: u64| {
        if db < ks.databases() {
            let keys = keys.min(budget);
            budget -= keys;
            let keys = keys as usize;
            let per_shard = keys / SHARDS + keys / SHARDS / 8;
            for s in 0..SHARDS {
                ks.db(db).write(s).reserve(per_shard, ks.hasher());
            }
        }
    };
    let used = if prefix {
        rdb::load_prefix_hinted(bytes, on_aux, on_resize, on_entry)
    } else {
        rdb::load_hinted(bytes, on_aux, on_resize, on_entry).map(|()| bytes.len())
    }
    .map_err(|e| {
        format!("Short read or OOM loading DB {name}: {e}. Unrecoverable error, aborting now.")
    })?;
    for d in 0..ks.databases() {
        for s in 0..SHARDS {
            let shard = ks.db(d).read(s);
            ks.db(d).publish_hint(s, &shard);
        }
    }
    tracing::info!(
        "DB loaded from {name}: {:.3} seconds, {} keys ({} already expired skipped)",
        started.elapsed().as_secs_f64(),
        loaded.keys,
        loaded.expired
    );
    Ok((loaded, used))
}

/// The format of a file written by [`write_at_instant`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `dump.rdb`.
    Rdb,
    /// An AOF base in RDB format (`aof-base` aux field set; `aof-use-rdb-preamble yes`).
    RdbAofBase,
    /// An AOF base as commands (`aof-use-rdb-preamble no`).
    Commands,
}

/// Where the dataset goes, entry by entry.
enum Out {
    Rdb(Writer<BufWriter<std::fs::File>>),
    Commands(BufWriter<std::fs::File>),
}

/// Items per command when a collection is written as commands (as Redis's rewrite does).
const ITEMS_PER_COMMAND: usize = 64;

impl Out {
    fn select_db(&mut self, db: usize, keys: u64, expires: u64) -> std::io::Result<()> {
        match self {
            Out::Rdb(w) => w.select_db(db, keys, expires),
            Out::Commands(w) => {
                let mut rec = Vec::new();
                engine::propagate::encode(&mut rec, &[b"SELECT", db.to_string().as_bytes()]);
                w.write_all(&rec)
            }
        }
    }

    fn entry(
        &mut self,
        e: &engine::entry::EntryRef<'_>,
        hint: Option<rdb::Hint>,
    ) -> std::io::Result<()> {
        let value = dump::to_value(e);
        match self {
            Out::Rdb(w) => w.write_entry_hinted(e.key(), &value, e.expire(), hint),
            Out::Commands(w) => {
                let mut rec = Vec::new();
                commands(&mut rec, e.key(), &value, e.expire());
                w.write_all(&rec)
            }
        }
    }

    fn finish(self) -> std::io::Result<()> {
        let mut out = match self {
            Out::Rdb(w) => w.finish()?,
            Out::Commands(w) => w,
        };
        out.flush()?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    }
}

/// The commands that rebuild one key, as Redis's AOF rewrite writes them: SET, RPUSH, SADD,
/// HMSET or ZADD (at most 64 items each), then PEXPIREAT.
pub fn commands(out: &mut Vec<u8>, key: &[u8], value: &rdb::Value, expire: Option<u64>) {
    use engine::propagate::encode;
    use rdb::Value;
    match value {
        Value::String(v) => encode(out, &[b"SET", key, v]),
        Value::List(items) | Value::Set(items) => {
            let name: &[u8] = if matches!(value, Value::List(_)) {
                b"RPUSH"
            } else {
                b"SADD"
            };
            for chunk in items.chunks(ITEMS_PER_COMMAND) {
                let mut argv: Vec<&[u8]> = vec![name, key];
                argv.extend(chunk.iter().map(Vec::as_slice));
                encode(out, &argv);
            }
        }
        Value::Hash(pairs) => {
            for chunk in pairs.chunks(ITEMS_PER_COMMAND) {
                let mut argv: Vec<&[u8]> = vec![b"HMSET", key];
                for (f, v) in chunk {
                    argv.push(f);
                    argv.push(v);
                }
                encode(out, &argv);
            }
        }
        Value::ZSet(pairs) => {
            for chunk in pairs.chunks(ITEMS_PER_COMMAND) {
                let scores: Vec<Vec<u8>> = chunk
                    .iter()
                    .map(|(_, s)| engine::float::format_double(*s))
                    .collect();
                let mut argv: Vec<&[u8]> = vec![b"ZADD", key];
                for ((m, _), s) in chunk.iter().zip(&scores) {
                    argv.push(s);
                    argv.push(m);
                }
                encode(out, &argv);
            }
        }
        Value::Stream(s) => stream_commands(out, key, s),
    }
    if let Some(at) = expire {
        encode(out, &[b"PEXPIREAT", key, at.to_string().as_bytes()]);
    }
}

/// A stream as Redis's AOF rewrite writes it: XADD per entry (an empty stream as `XADD key
/// MAXLEN 0 0-1 x y`), XSETID with the counters, then per group XGROUP CREATE, XCLAIM ...
/// JUSTID FORCE per pending entry and XGROUP CREATECONSUMER for consumers without any.
fn stream_commands(out: &mut Vec<u8>, key: &[u8], s: &engine::types::stream::Stream) {
    use engine::propagate::encode;
    use engine::types::stream::{item_bytes, Id};
    if s.length > 0 {
        for e in s.range(Id::MIN, Id::MAX, false) {
            let id = e.id.text();
            let mut owned: Vec<Vec<u8>> = Vec::with_capacity(e.len() * 2);
            for (f, v) in e.fields() {
                let mut buf = [0u8; 20];
                owned.push(item_bytes(f, &mut buf).to_vec());
                owned.push(item_bytes(v, &mut buf).to_vec());
            }
            let mut argv: Vec<&[u8]> = vec![b"XADD", key, &id];
            argv.extend(owned.iter().map(Vec::as_slice));
            encode(out, &argv);
        }
    } else {
        encode(out, &[b"XADD", key, b"MAXLEN", b"0", b"0-1", b"x", b"y"]);
    }
    let (last, added, deleted) = (
        s.last_id.text(),
        s.entries_added.to_string(),
        s.max_deleted.text(),
    );
    encode(
        out,
        &[
            b"XSETID",
            key,
            &last,
            b"ENTRIESADDED",
            added.as_bytes(),
            b"MAXDELETEDID",
            &deleted,
        ],
    );
    for (name, g) in &s.groups {
        let (gl, read) = (g.last_id.text(), g.entries_read.to_string());
        encode(
            out,
            &[
                b"XGROUP",
                b"CREATE",
                key,
                name,
                &gl,
                b"ENTRIESREAD",
                read.as_bytes(),
            ],
        );
        for (cname, c) in &g.consumers {
            if c.pel.is_empty() {
                encode(out, &[b"XGROUP", b"CREATECONSUMER", key, name, cname]);
                continue;
            }
            for id in &c.pel {
                let Some(n) = g.pel.get(id) else { continue };
                let (idt, time, count) = (
                    id.text(),
                    n.delivery_time.to_string(),
                    n.delivery_count.to_string(),
                );
                encode(
                    out,
                    &[
                        b"XCLAIM",
                        key,
                        name,
                        cname,
                        b"0",
                        &idt,
                        b"TIME",
                        time.as_bytes(),
                        b"RETRYCOUNT",
                        count.as_bytes(),
                        b"JUSTID",
                        b"FORCE",
                    ],
                );
            }
        }
    }
}

/// Writes the dataset as it is at one instant to `tmp` (and fsyncs it) while commands go on
/// (see `engine::snapshot`). The instant is taken with every command held off; `at_instant`
/// runs then too (an AOF rewrite cuts the log there). Stops with an error when `cancel` is
/// set. Returns the number of keys written.
pub fn write_at_instant(
    engine: &Engine,
    tmp: &Path,
    format: Format,
    at_instant: impl FnOnce(),
    cancel: &AtomicBool,
) -> std::io::Result<u64> {
    let ks = &engine.keyspace;
    let dbs = ks.databases();
    let file = std::fs::File::create(tmp)?;
    // The instant T: nothing runs while the snapshot starts. Key counts are RESIZEDB hints.
    let (hints, functions): (Vec<(u64, u64)>, Vec<Vec<u8>>) = {
        // Cancellable: a command waiting for this job (SHUTDOWN) holds the gate's shared side.
        let Some(_all) = engine.gate.write_unless(cancel) else {
            return Err(std::io::Error::other("cancelled"));
        };
        if !ks.snapshots.begin(dbs, SHARDS, engine.clock.now_ms()) {
            return Err(std::io::Error::other("a snapshot is in progress already"));
        }
        at_instant();
        let hints = (0..dbs)
            .map(|d| {
                (0..SHARDS).fold((0, 0), |(k, e), s| {
                    let shard = ks.db(d).read(s);
                    (k + shard.table.len() as u64, e + shard.ttl_keys() as u64)
                })
            })
            .collect();
        (hints, engine.function_codes())
    };
    // Ended however this returns, a panic included: writers stop keeping old values.
    struct End<'a>(&'a engine::snapshot::Snapshots);
    impl Drop for End<'_> {
        fn drop(&mut self) {
            self.0.end();
        }
    }
    let _end = End(&ks.snapshots);
    write_snapshot_shards(engine, file, format, &hints, &functions, cancel)
}

fn write_snapshot_shards(
    engine: &Engine,
    file: std::fs::File,
    format: Format,
    hints: &[(u64, u64)],
    functions: &[Vec<u8>],
    cancel: &AtomicBool,
) -> std::io::Result<u64> {
    let ks = &engine.keyspace;
    let opts = engine.config.rdb_options();
    let mut out = match format {
        Format::Rdb => Out::Rdb(Writer::with_options(BufWriter::new(file), opts)?),
        Format::RdbAofBase => Out::Rdb(Writer::with_options(
            BufWriter::new(file),
            engine::rdb::Options {
                aof_base: true,
                ..opts
            },
        )?),
        Format::Commands => Out::Commands(BufWriter::new(file)),
    };
    // FUNCTION libraries first, as Redis writes them (before the databases).
    for code in functions {
        match &mut out {
            Out::Rdb(w) => w.write_function(code)?,
            Out::Commands(f) => {
                let mut record = Vec::new();
                engine::propagate::encode(&mut record, &[b"FUNCTION", b"LOAD", b"REPLACE", code]);
                f.write_all(&record)?;
            }
        }
    }
    let mut written = 0u64;
    let now = engine.clock.now_ms();
    for (db, &(keys, expires)) in hints.iter().enumerate() {
        // Every shard is visited, empty databases too: from then on writers there keep no
        // old values. A database is selected before its first key.
        let mut selected = false;
        for s in 0..SHARDS {
            if cancel.load(Ordering::Relaxed) {
                return Err(std::io::Error::other("cancelled"));
            }
            // Written under the shard's read lock: writers to this shard wait for one shard's
            // serialization (a 64th of the database), and nothing is held in memory.
            let shard = ks.db(db).read(s);
            let mut failed = None;
            written += ks.snapshots.take(db, s, &shard, |e| {
                if failed.is_some() {
                    return;
                }
                let r = if selected {
                    Ok(())
                } else {
                    selected = true;
                    out.select_db(db, keys, expires)
                };
                let hint = clock_hint(engine, &e, now);
                if let Err(err) = r.and_then(|()| out.entry(&e, hint)) {
                    failed = Some(err);
                }
            });
            drop(shard);
            if let Some(err) = failed {
                return Err(err);
            }
        }
    }
    out.finish()?;
    Ok(written)
}

/// Moves a finished temporary file into place and makes the rename durable.
/// What Redis saves of a key's access clock (`rdbSaveKeyValuePair`): its idle seconds under
/// allkeys-lru / volatile-lru, its decayed frequency under the LFU policies, nothing else.
fn clock_hint(engine: &Engine, e: &engine::entry::EntryRef<'_>, now_ms: u64) -> Option<rdb::Hint> {
    use engine::memory::Policy;
    match engine.memory.policy() {
        Policy::AllKeysLru | Policy::VolatileLru => Some(rdb::Hint::Idle(
            engine::memory::idle_seconds(e.clock(), now_ms),
        )),
        Policy::AllKeysLfu | Policy::VolatileLfu => Some(rdb::Hint::Freq(
            engine::memory::lfu_decayed(e.clock(), now_ms, engine.keyspace.access.decay_time()),
        )),
        _ => None,
    }
}

pub fn install(tmp: &Path, path: &Path) -> std::io::Result<()> {
    std::fs::rename(tmp, path)?;
    std::fs::File::open(parent(path))?.sync_all()
}

/// The directory of `path` (`.` for a bare name).
pub fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
