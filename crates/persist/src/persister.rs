//! The persistence layer the engine talks to ([`engine::persistence::Persistence`]): start-up
//! loading, SAVE, the background jobs (BGSAVE, BGREWRITEAOF, switching the AOF on), `save`
//! points, automatic AOF rewrites and the INFO persistence fields.
//!
//! As in Redis, one background job runs at a time (Redis has one child process): a BGSAVE
//! asked for while a rewrite runs is refused, or scheduled with `BGSAVE SCHEDULE`; a rewrite
//! asked for while a BGSAVE runs is scheduled. A cron thread, ten times a second, starts
//! scheduled jobs, BGSAVE when a `save` point is reached, a rewrite when the AOF has grown by
//! `auto-aof-rewrite-percentage` over `auto-aof-rewrite-min-size`, and the AOF when
//! `appendonly` was switched on.
//!
//! Paths are relative to `dir`, which the server resolves at start-up.

use crate::aof::{self, Aof};
use crate::snapshot::{self, Format};
use engine::config::Values;
use engine::persistence::{Failure, Persistence};
use engine::{CmdError, Engine};
use std::fmt::Display;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// How long after a failed background save a `save` point may try again (Redis's 5 s).
const RETRY_DELAY_S: u64 = 5;

/// The text of writes refused after a failed BGSAVE (`stop-writes-on-bgsave-error`).
const BGSAVE_MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's \
    currently unable to persist to disk. Commands that may modify the data set are disabled, \
    because this instance is configured to report errors during writes if RDB snapshotting \
    fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about \
    the RDB error.";

/// The persistence layer of one engine.
pub struct Persister {
    me: Weak<Persister>,
    engine: Weak<Engine>,
    /// The working directory (`dir`, absolute).
    dir: PathBuf,
    aof: Mutex<Option<Arc<Aof>>>,
    jobs: Mutex<Jobs>,
    /// Set to stop the running job (shutdown, `appendonly no` during a rewrite).
    cancel: Arc<AtomicBool>,
    last_save: AtomicU64,
    /// `Keyspace::changes` at the last successful save.
    changes_at_save: AtomicU64,
    stop: AtomicBool,
    /// Set while a shutdown saves: the cron thread starts nothing.
    holding: AtomicBool,
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Job {
    BgSave,
    Rewrite,
    /// Writing the first base of an AOF switched on at run time.
    EnableAof,
}

#[derive(Default)]
struct Jobs {
    running: Option<(Job, Instant)>,
    bgsave_scheduled: bool,
    rewrite_scheduled: bool,
    bgsave_failed: bool,
    last_bgsave_secs: Option<u64>,
    last_bgsave_try: u64,
    rdb_saves: u64,
    rewrite_failed: bool,
    rewrite_failures: u64,
    last_rewrite_secs: Option<u64>,
    last_rewrite_try: u64,
    rewrites: u64,
    loaded_keys: u64,
    loaded_expired: u64,
}

impl Persister {
    /// The persistence layer of `engine`, files under `dir`. Install it with
    /// [`Engine::set_persistence`], then [`Persister::load`].
    pub fn new(engine: &Arc<Engine>, dir: PathBuf) -> Arc<Persister> {
        Arc::new_cyclic(|me| Persister {
            me: me.clone(),
            engine: Arc::downgrade(engine),
            dir,
            aof: Mutex::new(None),
            jobs: Mutex::new(Jobs::default()),
            cancel: Arc::new(AtomicBool::new(false)),
            last_save: AtomicU64::new(engine.clock.now_ms() / 1000),
            changes_at_save: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            holding: AtomicBool::new(false),
            threads: Mutex::new(Vec::new()),
        })
    }

    fn jobs(&self) -> MutexGuard<'_, Jobs> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn running_aof(&self) -> Option<Arc<Aof>> {
        self.aof.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn settings(&self, v: &Values) -> aof::Settings {
        let mut s = aof::Settings::from_config(v);
        s.dir = self.dir.join(&s.dir);
        s.single_file = self.dir.join(&s.single_file);
        s
    }

    fn rdb_path(&self, v: &Values) -> PathBuf {
        self.dir.join(&v.dbfilename)
    }

    fn format(v: &Values) -> Format {
        if v.aof_use_rdb_preamble {
            Format::RdbAofBase
        } else {
            Format::Commands
        }
    }

    /// Loads the dataset (the AOF with `appendonly yes`, else `dump.rdb` if there is one) and
    /// starts the AOF and the cron thread. The engine answers `-LOADING` meanwhile. An error
    /// means the server must not start; it names the file and the offset.
    pub fn load(self: &Arc<Self>) -> Result<(), String> {
        let engine = self.engine.upgrade().ok_or("the engine is gone")?;
        let v = engine.config.values();
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("Can't create the directory {}: {e}", self.dir.display()))?;
        engine.state.set_loading(true);
        let stats = &engine.stats;
        stats.loading_started.store(self.now_s(), Relaxed);
        stats.loading_total_bytes.store(0, Relaxed);
        stats.loading_loaded_bytes.store(0, Relaxed);
        let settings = self.settings(&v);
        let rdb = self.rdb_path(&v);
        let load_rdb = || -> Result<(), String> {
            let l = snapshot::load(&engine, &rdb)?;
            let mut j = self.jobs();
            j.loaded_keys = l.keys;
            j.loaded_expired = l.expired;
            Ok(())
        };
        let loaded = if v.appendonly && !settings.exists() && rdb.is_file() {
            // The AOF is on but has never been written, and a dump.rdb is there (a server
            // that ran without the AOF, now on by default): its data is loaded and becomes
            // the AOF's first base. (Redis would start empty here, and its next save would
            // overwrite the file.)
            tracing::info!(
                "No AOF yet: loading {} and creating the AOF from it",
                rdb.display()
            );
            load_rdb().and_then(|()| {
                let a = Aof::enable(engine.clone(), &settings, Self::format(&v), &self.cancel)?;
                *self.aof.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(a));
                Ok(())
            })
        } else if v.appendonly {
            Aof::open(engine.clone(), &settings).map(|(a, loaded)| {
                if loaded.truncated > 0 {
                    tracing::warn!("{} bytes of a torn AOF tail were dropped", loaded.truncated);
                }
                *self.aof.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(a));
            })
        } else if rdb.is_file() {
            load_rdb()
        } else {
            Ok(())
        };
        // A load that failed leaves the server loading until it exits: no client may see
        // (or write to) the empty dataset meanwhile.
        loaded?;
        engine.state.set_loading(false);
        self.changes_at_save
            .store(engine.keyspace.changes(), Relaxed);
        let me = Arc::downgrade(self);
        let cron = std::thread::Builder::new()
            .name("persist-cron".into())
            .spawn(move || {
                while let Some(p) = me.upgrade() {
                    if p.stop.load(Relaxed) {
                        return;
                    }
                    p.cron();
                    drop(p);
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
            .map_err(|e| format!("Can't start the persistence thread: {e}"))?;
        self.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(cron);
        Ok(())
    }

    /// Stops everything: a background job is cancelled (its temporary file removed), the AOF
    /// is written and fsynced.
    pub fn shutdown(&self) {
        {
            // Under the jobs lock: no job starts after this.
            let _j = self.jobs();
            self.stop.store(true, Relaxed);
            self.cancel.store(true, Relaxed);
        }
        let threads: Vec<_> = self
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
            .collect();
        for t in threads {
            let _ = t.join();
        }
        if let Some(aof) = self.aof.lock().unwrap_or_else(|e| e.into_inner()).take() {
            tracing::info!("Calling fsync() on the AOF file.");
            aof.close();
            // What the writer did not make durable never will be: replies still waiting for
            // it are not sent as acknowledgements.
            if let Some(engine) = self.engine.upgrade() {
                let log = &engine.keyspace.log;
                if log.durable() < log.appended() {
                    log.abandon();
                } else {
                    log.set_durable(log.appended());
                }
            }
        }
    }

    /// Starts `job` on its own thread; the caller checked that none runs.
    fn spawn(self: &Arc<Self>, jobs: &mut Jobs, job: Job) -> Result<(), String> {
        if self.stop.load(Relaxed) {
            return Err("the server is shutting down".into());
        }
        let now = self.now_s();
        match job {
            Job::BgSave => {
                jobs.bgsave_scheduled = false;
                jobs.last_bgsave_try = now;
            }
            Job::Rewrite | Job::EnableAof => {
                jobs.rewrite_scheduled = false;
                jobs.last_rewrite_try = now;
            }
        }
        self.cancel.store(false, Relaxed);
        jobs.running = Some((job, Instant::now()));
        let me = self.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("{job:?}").to_lowercase())
            .spawn(move || me.run(job));
        match spawned {
            Ok(t) => {
                let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
                threads.retain(|t| !t.is_finished());
                threads.push(t);
                Ok(())
            }
            Err(e) => {
                jobs.running = None;
                Err(format!("Can't start a background job: {e}"))
            }
        }
    }

    fn now_s(&self) -> u64 {
        self.engine.upgrade().map_or(0, |e| e.clock.now_ms() / 1000)
    }

    /// Runs a background job to its end and records how it went.
    fn run(self: Arc<Self>, job: Job) {
        let Some(engine) = self.engine.upgrade() else {
            return;
        };
        let v = engine.config.values();
        let started = Instant::now();
        let changes = engine.keyspace.changes();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match job {
            Job::BgSave => self.bgsave_now(&engine, &v),
            Job::Rewrite => match self.running_aof() {
                Some(a) => a.rewrite(Self::format(&v), &self.cancel),
                None => self.rewrite_without_aof(&engine, &v),
            },
            Job::EnableAof => Aof::enable(
                engine.clone(),
                &self.settings(&v),
                Self::format(&v),
                &self.cancel,
            )
            .map(|a| {
                *self.aof.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(a));
            }),
        }))
        .unwrap_or_else(|_| Err("the background job panicked".into()));
        let secs = started.elapsed().as_secs();
        let mut j = self.jobs();
        j.running = None;
        if result.is_err() && self.cancel.load(Relaxed) {
            // Stopped on purpose (shutdown, FLUSHALL, `appendonly no`): not a failure, as a
            // killed child is not one in Redis.
            tracing::info!("Background {job:?} job stopped");
            return;
        }
        match (job, &result) {
            (Job::BgSave, Ok(())) => {
                j.bgsave_failed = false;
                j.last_bgsave_secs = Some(secs);
                j.rdb_saves += 1;
                self.saved(changes);
                tracing::info!(
                    "Background saving terminated with success ({:.3} s)",
                    started.elapsed().as_secs_f64()
                );
            }
            (Job::BgSave, Err(e)) => {
                j.bgsave_failed = true;
                j.last_bgsave_secs = Some(secs);
                tracing::warn!("Background saving error: {e}");
            }
            (_, Ok(())) => {
                j.rewrite_failed = false;
                j.rewrite_failures = 0;
                j.last_rewrite_secs = Some(secs);
                j.rewrites += 1;
                tracing::info!(
                    "Background AOF rewrite finished successfully ({:.3} s)",
                    started.elapsed().as_secs_f64()
                );
            }
            (_, Err(e)) => {
                j.rewrite_failed = true;
                j.rewrite_failures += 1;
                j.last_rewrite_secs = Some(secs);
                tracing::warn!("Background AOF rewrite failed: {e}");
            }
        }
        let rdb_failed = j.bgsave_failed;
        drop(j);
        self.check_stop_writes(&engine, rdb_failed);
    }

    /// Refuses writes after a failed BGSAVE while `stop-writes-on-bgsave-error` and `save`
    /// points say so (as configured now), as Redis does.
    fn check_stop_writes(&self, engine: &Engine, failed: bool) {
        let v = engine.config.values();
        let stop = failed && v.stop_writes_on_bgsave_error && !v.save.is_empty();
        engine
            .state
            .set_misconf(Failure::Rdb, stop.then(|| BGSAVE_MISCONF.to_string()));
    }

    fn saved(&self, changes_at_start: u64) {
        self.last_save.store(self.now_s(), Relaxed);
        self.changes_at_save.store(changes_at_start, Relaxed);
    }

    /// A background snapshot into `dbfilename`.
    fn bgsave_now(&self, engine: &Engine, v: &Values) -> Result<(), String> {
        let path = self.rdb_path(v);
        let tmp = snapshot::parent(&path).join(format!("temp-bg-{}.rdb", std::process::id()));
        let r = snapshot::write_at_instant(engine, &tmp, Format::Rdb, || (), &self.cancel)
            .and_then(|_| snapshot::install(&tmp, &path));
        if r.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        r.map_err(|e| e.to_string())
    }

    /// BGREWRITEAOF with the AOF off: the directory gets a manifest with a base only, the
    /// dataset now (as Redis 7 does).
    fn rewrite_without_aof(&self, engine: &Arc<Engine>, v: &Values) -> Result<(), String> {
        let s = self.settings(v);
        let aof = Aof::enable(engine.clone(), &s, Self::format(v), &self.cancel)?;
        aof.stop_logging();
        Ok(())
    }

    /// Ten times a second: scheduled jobs, `save` points, automatic rewrites, `appendonly`.
    fn cron(self: &Arc<Self>) {
        let Some(engine) = self.engine.upgrade() else {
            return;
        };
        let v = engine.config.values();
        let now = self.now_s();
        let mut j = self.jobs();
        if j.running.is_some() || self.holding.load(Relaxed) {
            return;
        }
        let mut aof = self.running_aof();
        if !v.appendonly && aof.is_some() {
            // Switched off while the job that switched it on was finishing.
            if let Some(a) = self.aof.lock().unwrap_or_else(|e| e.into_inner()).take() {
                a.stop_logging();
            }
            aof = None;
        }
        let enabling = v.appendonly && aof.is_none();
        let retry_ok =
            |failed: bool, last: u64| !failed || now.saturating_sub(last) >= RETRY_DELAY_S;
        let job = if enabling && retry_ok(j.rewrite_failed, j.last_rewrite_try) {
            // Switched on (CONFIG SET appendonly yes): the first base is written now, and
            // retried after a failure.
            Some(Job::EnableAof)
        } else if j.rewrite_scheduled && !enabling {
            Some(Job::Rewrite)
        } else if j.bgsave_scheduled {
            Some(Job::BgSave)
        } else if self.save_point_reached(&engine, &v, &j, now) {
            tracing::info!("Save point reached: saving in the background");
            Some(Job::BgSave)
        } else if let Some(a) = aof
            .as_ref()
            .filter(|_| v.auto_aof_rewrite_percentage > 0 && !enabling)
        {
            let (size, base) = a.sizes();
            let growth = size.saturating_mul(100) / base.max(1);
            let due = size > v.auto_aof_rewrite_min_size
                && growth >= 100 + v.auto_aof_rewrite_percentage
                && (!j.rewrite_failed || now.saturating_sub(j.last_rewrite_try) >= RETRY_DELAY_S);
            if due {
                tracing::info!(
                    "Starting automatic rewriting of AOF on {}% growth",
                    growth - 100
                );
            }
            due.then_some(Job::Rewrite)
        } else {
            None
        };
        if let Some(job) = job {
            if let Err(e) = self.spawn(&mut j, job) {
                tracing::warn!("{e}");
            }
        }
    }

    fn save_point_reached(&self, engine: &Engine, v: &Values, j: &Jobs, now: u64) -> bool {
        let changes = engine
            .keyspace
            .changes()
            .saturating_sub(self.changes_at_save.load(Relaxed));
        let elapsed = now.saturating_sub(self.last_save.load(Relaxed));
        let may_retry = !j.bgsave_failed || now.saturating_sub(j.last_bgsave_try) >= RETRY_DELAY_S;
        may_retry
            && v.save
                .iter()
                .any(|&(secs, n)| changes >= n && elapsed > secs)
    }
}

impl Persistence for Persister {
    fn reload(&self, merge: bool) -> Result<(), String> {
        let engine = self.engine.upgrade().ok_or("the engine is gone")?;
        let rdb = self.rdb_path(&engine.config.values());
        snapshot::load_into(&engine, &rdb, merge).map(|_| ())
    }

    fn save(&self) -> Result<(), CmdError> {
        let engine = self.engine.upgrade().ok_or(CmdError::from_static("ERR"))?;
        if matches!(self.jobs().running, Some((Job::BgSave, _))) {
            return Err(CmdError::from_static(
                "ERR Background save already in progress",
            ));
        }
        let v = engine.config.values();
        let changes = engine.keyspace.changes();
        // Redis replies a bare "ERR" to a failed SAVE; the log says why.
        snapshot::save(&engine, &self.rdb_path(&v)).map_err(|_| CmdError::from_static("ERR"))?;
        self.saved(changes);
        let mut j = self.jobs();
        j.bgsave_failed = false;
        j.rdb_saves += 1;
        drop(j);
        self.check_stop_writes(&engine, false);
        Ok(())
    }

    fn shutdown_save(&self) -> Result<(), CmdError> {
        // No new job starts meanwhile (a SHUTDOWN that fails lets them start again).
        self.holding.store(true, Relaxed);
        if self.jobs().running.is_some() {
            tracing::warn!("There is a background job in progress: stopping it to save the DB");
            self.cancel.store(true, Relaxed);
            let deadline = Instant::now() + Duration::from_secs(60);
            while self.jobs().running.is_some() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        let saved = self.save();
        self.holding.store(false, Relaxed);
        saved
    }

    fn bgsave(&self, schedule: bool, in_exec: bool) -> Result<&'static str, CmdError> {
        let me = self.me()?;
        let mut j = self.jobs();
        match j.running {
            Some((Job::BgSave, _)) => Err(CmdError::from_static(
                "ERR Background save already in progress",
            )),
            // Inside EXEC the job waits for the transaction's end anyway: Redis schedules it.
            _ if in_exec => {
                j.bgsave_scheduled = true;
                Ok("Background saving scheduled")
            }
            Some(_) if schedule => {
                j.bgsave_scheduled = true;
                Ok("Background saving scheduled")
            }
            Some(_) => Err(CmdError::from_static(
                "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE \
                 SCHEDULE in order to schedule a BGSAVE whenever possible.",
            )),
            None => {
                me.spawn(&mut j, Job::BgSave)
                    .map_err(|e| CmdError::new(format!("ERR {e}")))?;
                Ok("Background saving started")
            }
        }
    }

    fn bgrewriteaof(&self, in_exec: bool) -> Result<&'static str, CmdError> {
        let me = self.me()?;
        let mut j = self.jobs();
        match j.running {
            Some((Job::Rewrite | Job::EnableAof, _)) => Err(CmdError::from_static(
                "ERR Background append only file rewriting already in progress",
            )),
            Some(_) => {
                j.rewrite_scheduled = true;
                Ok("Background append only file rewriting scheduled")
            }
            None if in_exec => {
                j.rewrite_scheduled = true;
                Ok("Background append only file rewriting scheduled")
            }
            None => {
                me.spawn(&mut j, Job::Rewrite).map_err(|_| {
                    CmdError::from_static(
                        "ERR Can't execute an AOF background rewriting. Please check the server \
                         logs for more information.",
                    )
                })?;
                Ok("Background append only file rewriting started")
            }
        }
    }

    fn flushed_all(&self) {
        if self.saves_on_shutdown() {
            // A snapshot of the old data must not land after the flush; the empty dataset is
            // saved instead (Redis kills its child and saves).
            let _ = self.shutdown_save();
        }
    }

    fn last_save(&self) -> u64 {
        self.last_save.load(Relaxed)
    }

    fn reconfigure(&self) -> Result<(), String> {
        let Some(engine) = self.engine.upgrade() else {
            return Ok(());
        };
        let v = engine.config.values();
        if let Some(a) = self.running_aof() {
            a.set_fsync(v.appendfsync);
        }
        if !v.appendonly {
            // Off: switching it on is abandoned, as is a rewrite of the running AOF; logging
            // stops after an fsync. (A BGREWRITEAOF with the AOF off goes on.)
            let running = self.jobs().running.map(|(job, _)| job);
            let aof = self.aof.lock().unwrap_or_else(|e| e.into_inner()).take();
            let stops = match running {
                Some(Job::EnableAof) => true,
                Some(Job::Rewrite) => aof.is_some(),
                _ => false,
            };
            if stops {
                self.cancel.store(true, Relaxed);
            }
            if let Some(a) = aof {
                a.stop_logging();
                tracing::info!("Append only file switched off");
            }
        }
        // `appendonly yes` is picked up by the cron thread, which writes the first base.
        let failed = self.jobs().bgsave_failed;
        self.check_stop_writes(&engine, failed);
        Ok(())
    }

    fn info(&self, line: &mut dyn FnMut(&str, &dyn Display)) {
        let Some(engine) = self.engine.upgrade() else {
            return;
        };
        let j = self.jobs();
        let running = |job: Job| j.running.filter(|(r, _)| *r == job).map(|(_, t)| t);
        let rewriting = running(Job::Rewrite).or(running(Job::EnableAof));
        let secs = |t: Option<Instant>| t.map_or(-1, |t| t.elapsed().as_secs() as i64);
        let last = |s: Option<u64>| s.map_or(-1, |s| s as i64);
        let status = |failed: bool| if failed { "err" } else { "ok" };
        // No fork: nothing is copied on write by a child process.
        line("current_cow_peak", &0);
        line("current_cow_size", &0);
        line("current_cow_size_age", &0);
        line("current_fork_perc", &"0.00");
        line("current_save_keys_processed", &0);
        line("current_save_keys_total", &0);
        line(
            "rdb_changes_since_last_save",
            &engine
                .keyspace
                .changes()
                .saturating_sub(self.changes_at_save.load(Relaxed)),
        );
        line(
            "rdb_bgsave_in_progress",
            &u8::from(running(Job::BgSave).is_some()),
        );
        line("rdb_last_save_time", &self.last_save.load(Relaxed));
        line("rdb_last_bgsave_status", &status(j.bgsave_failed));
        line("rdb_last_bgsave_time_sec", &last(j.last_bgsave_secs));
        line("rdb_current_bgsave_time_sec", &secs(running(Job::BgSave)));
        line("rdb_saves", &j.rdb_saves);
        line("rdb_last_cow_size", &0);
        line("rdb_last_load_keys_expired", &j.loaded_expired);
        line("rdb_last_load_keys_loaded", &j.loaded_keys);
        let aof = self.running_aof();
        // As Redis: on from the moment it is switched on, while its first base is written.
        let enabled = aof.is_some() || engine.config.values().appendonly;
        line("aof_enabled", &u8::from(enabled));
        line("aof_rewrite_in_progress", &u8::from(rewriting.is_some()));
        line("aof_rewrite_scheduled", &u8::from(j.rewrite_scheduled));
        line("aof_last_rewrite_time_sec", &last(j.last_rewrite_secs));
        line("aof_current_rewrite_time_sec", &secs(rewriting));
        line("aof_last_bgrewrite_status", &status(j.rewrite_failed));
        line("aof_rewrites", &j.rewrites);
        line("aof_rewrites_consecutive_failures", &j.rewrite_failures);
        line(
            "aof_last_write_status",
            &status(engine.state.failing(Failure::Aof)),
        );
        line("aof_last_cow_size", &0);
        line("module_fork_in_progress", &0);
        line("module_fork_last_cow_size", &0);
        if let Some(a) = aof {
            let (size, base) = a.sizes();
            let log = &engine.keyspace.log;
            line("aof_current_size", &size);
            line("aof_base_size", &base);
            line("aof_pending_rewrite", &u8::from(j.rewrite_scheduled));
            // Records logged but not yet durable (written, or fsynced under `always`).
            line(
                "aof_buffer_length",
                &log.appended().saturating_sub(log.durable()),
            );
            line("aof_pending_bio_fsync", &0);
            line("aof_delayed_fsync", &0);
        }
        if engine.state.loading() {
            let s = &engine.stats;
            let started = s.loading_started.load(Relaxed);
            let total = s.loading_total_bytes.load(Relaxed);
            let done = s.loading_loaded_bytes.load(Relaxed);
            let perc = if total == 0 {
                0.0
            } else {
                done as f64 * 100.0 / total as f64
            };
            let elapsed = self.now_s().saturating_sub(started);
            let eta = if done == 0 {
                1
            } else {
                (total.saturating_sub(done) as f64 * elapsed as f64 / done as f64) as u64
            };
            line("loading_start_time", &started);
            line("loading_total_bytes", &total);
            line("loading_rdb_used_mem", &0);
            line("loading_loaded_bytes", &done);
            line("loading_loaded_perc", &format!("{perc:.2}"));
            line("loading_eta_seconds", &eta);
        }
    }

    fn saves_on_shutdown(&self) -> bool {
        self.engine
            .upgrade()
            .is_some_and(|e| !e.config.values().save.is_empty())
    }
}

impl Persister {
    /// This persister as an `Arc` (the engine holds it as one).
    fn me(&self) -> Result<Arc<Persister>, CmdError> {
        self.me
            .upgrade()
            .ok_or(CmdError::from_static("ERR the server is shutting down"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::{ReplyBuf, Session};

    fn temp_dir(tag: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!(
            "ferrokv-persister-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    #[test]
    fn a_shutdown_save_stops_a_running_bgsave_first() {
        let engine = Arc::new(Engine::with_defaults());
        let mut session = Session::detached(&engine.clients, "test", 0, engine.clock.now_ms());
        let mut out = ReplyBuf::new(false);
        for chunk in 0..100 {
            let mut argv: Vec<Vec<u8>> = vec![b"MSET".to_vec()];
            for i in 0..2000 {
                argv.push(format!("key:{chunk}:{i}").into_bytes());
                argv.push(b"a value of some length".to_vec());
            }
            let argv: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
            engine.execute(&mut session, &argv, &mut out);
        }
        let dir = temp_dir("shutdown");
        let p = Persister::new(&engine, dir.clone());
        engine.set_persistence(p.clone());
        assert_eq!(p.bgsave(false, false).unwrap(), "Background saving started");
        assert_eq!(
            p.save().unwrap_err().to_string(),
            "ERR Background save already in progress"
        );
        p.shutdown_save().expect("the shutdown's save");
        assert!(p.jobs().running.is_none());
        let loaded = Arc::new(Engine::with_defaults());
        let l = snapshot::load(&loaded, &dir.join("dump.rdb")).unwrap();
        assert_eq!(l.keys, 200_000);
        p.shutdown();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
