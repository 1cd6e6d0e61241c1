//! Snapshots in Redis's RDB format: SAVE writes every database to `dbfilename`, and start-up
//! (with `appendonly no`) loads it, so a `dump.rdb` moves between Redis and ferrokv both ways.
//!
//! SAVE holds every shard of every database for its duration, which makes the file one point
//! in time (other clients wait, as they do during Redis's SAVE). The file is written to a
//! temporary name, fsynced and renamed over the old one, and the directory fsynced: a SAVE
//! killed half-way never damages the previous snapshot.

use engine::dump;
use engine::entry::EntryMeta;
use engine::keyspace::SHARDS;
use engine::rdb::{self, Writer};
use engine::Engine;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Writes a snapshot of every database to `path`. Returns the number of keys written.
pub fn save(engine: &Engine, path: &Path) -> Result<u64, String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let tmp = dir.join(format!("temp-{}.rdb", std::process::id()));
    let result = write_snapshot(engine, &tmp).and_then(|n| {
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(&dir)?.sync_all()?;
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
    let mut w = Writer::new(BufWriter::new(file), false)?;
    let ks = &engine.keyspace;
    let now = engine.clock.now_ms();
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
                if let Err(err) = w.write_entry(e.key(), &dump::to_value(&e), e.expire()) {
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
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("Can't read {name}: {e}"))?;
    let (loaded, _) = load_bytes(engine, &bytes, false, &name)?;
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
    let ks = &engine.keyspace;
    let now = engine.clock.now_ms();
    let limits = engine.limits.load();
    let clock = ((now / 1000) & 0x00ff_ffff) as u32;
    let mut loaded = Loaded::default();
    let total = bytes.len().max(1);
    let on_aux = |k: &[u8], v: &[u8]| {
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
            return Err(format!(
                "the file selects database {}, beyond the {} configured",
                entry.db,
                ks.databases()
            ));
        }
        if entry.expire_ms.is_some_and(|at| at <= now) {
            loaded.expired += 1;
            return Ok(());
        }
        let k = ks.key(&entry.key);
        let mut l = ks.lock(entry.db, &[k]);
        if l.get(entry.db, &k, now).is_some() {
            return Err(format!(
                "duplicate key '{}' in database {}",
                String::from_utf8_lossy(&entry.key),
                entry.db
            ));
        }
        let meta = EntryMeta {
            expire: entry.expire_ms,
            clock,
            ..Default::default()
        };
        l.put(
            entry.db,
            &k,
            dump::to_entry(&entry.key, &entry.value, &limits, meta),
        );
        loaded.keys += 1;
        if loaded.keys % 1_000_000 == 0 {
            tracing::info!("Loading {name}: {} keys of {total} bytes", loaded.keys);
        }
        Ok(())
    };
    let used = if prefix {
        rdb::load_prefix(bytes, on_aux, on_entry)
    } else {
        rdb::load(bytes, on_aux, on_entry).map(|()| bytes.len())
    }
    .map_err(|e| {
        format!("Short read or OOM loading DB {name}: {e}. Unrecoverable error, aborting now.")
    })?;
    tracing::info!(
        "DB loaded from {name}: {} keys ({} already expired skipped)",
        loaded.keys,
        loaded.expired
    );
    Ok((loaded, used))
}

/// Starts a background snapshot to `path` (BGSAVE): the dataset as of the moment it starts,
/// written while commands go on (see `engine::snapshot`). Clears `bgsave_running` when done.
pub fn bgsave(engine: Arc<Engine>, path: PathBuf) {
    let running = engine.clone();
    let spawned = std::thread::Builder::new()
        .name("bgsave".into())
        .spawn(move || {
            let started = std::time::Instant::now();
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let tmp = dir.join(format!("temp-bg-{}.rdb", std::process::id()));
            let result = write_background(&engine, &tmp).and_then(|n| {
                std::fs::rename(&tmp, &path)?;
                std::fs::File::open(&dir)?.sync_all()?;
                Ok(n)
            });
            engine.keyspace.snapshots.end();
            match result {
                Ok(n) => {
                    engine.saved();
                    tracing::info!(
                        "Background saving terminated with success ({n} keys, {:.3} s)",
                        started.elapsed().as_secs_f64()
                    );
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    tracing::warn!("Background saving error: {e}");
                }
            }
            engine.bgsave_running.store(false, Ordering::Relaxed);
        });
    if spawned.is_err() {
        running.bgsave_running.store(false, Ordering::Relaxed);
    }
}

fn write_background(engine: &Engine, tmp: &Path) -> std::io::Result<u64> {
    let ks = &engine.keyspace;
    let dbs = ks.databases();
    // The instant T: nothing runs while the snapshot starts. Key counts are RESIZEDB hints.
    let hints: Vec<(u64, u64)> = {
        let _all = engine.gate.write();
        ks.snapshots.begin(dbs, SHARDS, engine.clock.now_ms());
        (0..dbs)
            .map(|d| {
                (0..SHARDS).fold((0, 0), |(k, e), s| {
                    let shard = ks.db(d).read(s);
                    (k + shard.table.len() as u64, e + shard.ttl_keys() as u64)
                })
            })
            .collect()
    };
    let file = std::fs::File::create(tmp)?;
    let mut w = Writer::new(BufWriter::new(file), false)?;
    let mut written = 0u64;
    for (db, &(keys, expires)) in hints.iter().enumerate() {
        if keys == 0 {
            continue;
        }
        w.select_db(db, keys, expires)?;
        for s in 0..SHARDS {
            // Written under the shard's read lock: writers to this shard wait for one shard's
            // serialization (a 64th of the database), and nothing is held in memory.
            let shard = ks.db(db).read(s);
            let mut failed = None;
            written += ks.snapshots.take(db, s, &shard, |e| {
                if failed.is_none() {
                    if let Err(err) = w.write_entry(e.key(), &dump::to_value(&e), e.expire()) {
                        failed = Some(err);
                    }
                }
            });
            drop(shard);
            if let Some(err) = failed {
                return Err(err);
            }
        }
    }
    let mut out = w.finish()?;
    out.flush()?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(written)
}
