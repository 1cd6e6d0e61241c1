//! ferrokv embedded: the same engine as `ferrokv-server`, in your process, with no server and no
//! async runtime.
//!
//! # Layout
//! - [`Db`]: a cheap `Clone + Send + Sync` handle. Typed helpers for the common cases ([`Db::get`],
//!   [`Db::set`], [`Db::set_with`], [`Db::del`], [`Db::exists`], [`Db::expire`], [`Db::ttl`],
//!   [`Db::incr`], [`Db::scan`]) and [`Db::execute`] for every command the server knows.
//! - [`Reply`]: a command's reply, typed (RESP3's types).
//! - [`Error`]: what can go wrong; a command's error reply keeps Redis's text.
//! - [`Config`]: the settings, with redis.conf names (`databases`, `hz`, `appendonly`, ...).
//!   [`Db::open`] keeps the data in `dir` as the server does (append-only file, snapshots);
//!   [`Db::in_memory`] keeps nothing.
//!
//! Every call runs through the same command table and command code as the RESP server and the
//! HTTP API. Expired keys are invisible at once; a background thread reclaims them while any
//! handle exists and stops after the last one is dropped. No global state: two `Db`s are two
//! independent keyspaces.
//!
//! ```
//! use ferrokv::{Db, Reply, Ttl};
//! use std::time::Duration;
//!
//! let db = Db::in_memory();
//! db.set("greeting", "hello", Some(Duration::from_secs(60)))?;
//! assert_eq!(db.get("greeting")?, Some(b"hello".to_vec()));
//! assert!(matches!(db.ttl("greeting")?, Ttl::ExpiresIn(_)));
//! assert_eq!(db.incr("visits", 1)?, 1);
//! assert_eq!(db.execute(["APPEND", "greeting", " world"])?, Reply::Int(11));
//! # Ok::<(), ferrokv::Error>(())
//! ```

#![deny(missing_docs)]

pub use engine::config::Values as Config;

use engine::propagate::NotDurable;
use engine::{Engine, ReplyBuf, Session, SystemClock};
use resp::{parse_value, Value};
use std::fmt;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// How long a call waits for its write to reach the disk under `appendfsync always` before
/// it reports that it could not.
const DURABLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A command's reply.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Reply {
    /// A status such as `OK`.
    Status(String),
    /// An integer.
    Int(i64),
    /// A binary-safe string.
    Bulk(Vec<u8>),
    /// No value (a missing key).
    Nil,
    /// An ordered list.
    Array(Vec<Reply>),
    /// Key-value pairs, in the server's order.
    Map(Vec<(Reply, Reply)>),
    /// An unordered collection.
    Set(Vec<Reply>),
    /// A floating-point number.
    Double(f64),
    /// A boolean.
    Bool(bool),
    /// An integer too large for `i64`, as text.
    BigNumber(String),
    /// Text with a format hint such as `txt` (INFO, CLIENT LIST).
    Verbatim {
        /// The three-letter format.
        format: String,
        /// The text.
        text: Vec<u8>,
    },
}

/// Errors.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The command replied with an error; the text is Redis's (`ERR syntax error`,
    /// `WRONGTYPE Operation against a key holding the wrong kind of value`, ...).
    Command(String),
    /// A reply had another shape than the helper expected (a bug; please report it).
    UnexpectedReply(String),
    /// The configuration was refused.
    Config(String),
    /// The data on disk could not be loaded (the text names the file and the offset), or a
    /// write could not be made durable.
    Persistence(String),
}

impl Error {
    /// The error code of a command error (`ERR`, `WRONGTYPE`, ...).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Command(text) => text.split(' ').next(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Command(text) => f.write_str(text),
            Error::UnexpectedReply(what) => write!(f, "unexpected reply: {what}"),
            Error::Config(text) => write!(f, "invalid configuration: {text}"),
            Error::Persistence(text) => write!(f, "persistence: {text}"),
        }
    }
}

impl std::error::Error for Error {}

/// The time to live of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ttl {
    /// The key does not exist.
    Missing,
    /// The key exists and does not expire.
    Persistent,
    /// The key expires after this long.
    ExpiresIn(Duration),
}

/// Options of [`Db::set_with`], as SET's.
#[derive(Clone, Debug, Default)]
pub struct SetOptions {
    /// Expire after this long (millisecond precision).
    pub ttl: Option<Duration>,
    /// Write only when the key does not exist (NX).
    pub only_if_absent: bool,
    /// Write only when the key exists (XX).
    pub only_if_present: bool,
    /// Keep the key's current expiry (KEEPTTL).
    pub keep_ttl: bool,
}

/// What [`Db::set_with`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetOutcome {
    /// Written; the previous value, if there was one.
    Written(Option<Vec<u8>>),
    /// Not written because of `only_if_absent` / `only_if_present`.
    NotWritten,
}

struct Inner {
    engine: Arc<Engine>,
    running: Arc<AtomicBool>,
    /// The files, for a database opened with persistence.
    persister: Option<Arc<persist::Persister>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The expiry thread holds only a weak reference and would stop by itself within a tick;
        // this makes it stop at its next check.
        self.running
            .store(false, std::sync::atomic::Ordering::Relaxed);
        // As the server on SIGTERM: a snapshot when `save` points are set; everything logged
        // is written and fsynced; a background job is stopped.
        if let Some(p) = &self.persister {
            use engine::persistence::Persistence;
            if p.saves_on_shutdown() {
                if let Err(e) = p.shutdown_save() {
                    tracing::warn!("The last snapshot failed: {e}");
                }
            }
            p.shutdown();
        }
    }
}

/// A handle to an embedded keyspace. Clones share the data; the keyspace lives until the last
/// clone is dropped.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
    db: usize,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db")
            .field("database", &self.db)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// An empty in-memory keyspace with default settings and no files (`appendonly no`, no
    /// `save` points).
    pub fn in_memory() -> Db {
        Db::from_values(
            Config {
                appendonly: false,
                save: Vec::new(),
                ..Config::default()
            },
            Arc::new(SystemClock),
        )
    }

    /// A keyspace with these settings, its data kept in `dir` as the server keeps it: with
    /// `appendonly yes` (the default) the append-only file is loaded and every write logged
    /// (under `appendfsync always` a call returns once its write is on disk); otherwise
    /// `dump.rdb` is loaded if present. SAVE, BGSAVE, BGREWRITEAOF and `save` points work
    /// through [`Db::execute`]. With `appendonly no` and no `save` points nothing touches the
    /// disk. The directory may be shared with `ferrokv-server` (not at the same time).
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("ferrokv-doc-{}", std::process::id()));
    /// let config = ferrokv::Config { dir: dir.display().to_string(), ..Default::default() };
    /// {
    ///     let db = ferrokv::Db::open(config.clone())?;
    ///     db.set("greeting", "hello", None)?;
    /// } // the last handle flushes the append-only file
    /// let db = ferrokv::Db::open(config)?;
    /// assert_eq!(db.get("greeting")?, Some(b"hello".to_vec()));
    /// # drop(db);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), ferrokv::Error>(())
    /// ```
    pub fn open(config: Config) -> Result<Db, Error> {
        Db::open_with_clock(config, Arc::new(SystemClock))
    }

    /// [`Db::open`] with time from `clock` (tests drive expiry with an
    /// [`engine::ManualClock`] instead of sleeping).
    pub fn open_with_clock(config: Config, clock: Arc<dyn engine::Clock>) -> Result<Db, Error> {
        if config.databases == 0 {
            return Err(Error::Config("databases must be at least 1".into()));
        }
        let keeps_files = config.appendonly || !config.save.is_empty();
        let dir = std::path::PathBuf::from(&config.dir);
        let mut db = Db::from_values(config, clock);
        if keeps_files {
            let engine = &db.inner.engine;
            let persister = persist::Persister::new(engine, dir);
            engine.set_persistence(persister.clone());
            persister.load().map_err(Error::Persistence)?;
            // Only handle: the persister joins the new Inner before anyone can see it.
            if let Some(inner) = Arc::get_mut(&mut db.inner) {
                inner.persister = Some(persister);
            }
        }
        Ok(db)
    }

    fn from_values(values: Config, clock: Arc<dyn engine::Clock>) -> Db {
        let engine = Arc::new(Engine::new(engine::Config::new(values), clock));
        let running = Arc::new(AtomicBool::new(true));
        let weak = Arc::downgrade(&engine);
        let flag = running.clone();
        // A plain thread, not a task: the library starts no runtime behind the caller's back.
        let spawned = std::thread::Builder::new()
            .name("ferrokv-expire".into())
            .spawn(move || Engine::run_active_expiry(weak, flag));
        if spawned.is_err() {
            // Without the thread, expired keys are still invisible (lazy expiry); they are
            // reclaimed when written or scanned instead.
            running.store(false, std::sync::atomic::Ordering::Relaxed);
        }
        Db {
            inner: Arc::new(Inner {
                engine,
                running,
                persister: None,
            }),
            db: 0,
        }
    }

    /// A handle on database `index` (0 is the default), sharing the same keyspace.
    pub fn database(&self, index: usize) -> Result<Db, Error> {
        if index >= self.inner.engine.keyspace.databases() {
            return Err(Error::Command("ERR DB index is out of range".into()));
        }
        Ok(Db {
            inner: self.inner.clone(),
            db: index,
        })
    }

    /// Runs any command, exactly as a client of the server would, and returns its reply.
    /// Each call is its own connection: SELECT or HELLO do not carry over to the next call
    /// (use [`Db::database`] to pick a database).
    ///
    /// ```
    /// use ferrokv::{Db, Reply};
    /// let db = Db::in_memory();
    /// assert_eq!(db.execute(["SET", "k", "v", "NX"])?, Reply::Status("OK".into()));
    /// assert_eq!(db.execute(["SET", "k", "v", "NX"])?, Reply::Nil);
    /// let err = db.execute(["INCR", "k"]).unwrap_err();
    /// assert_eq!(err.to_string(), "ERR value is not an integer or out of range");
    /// # Ok::<(), ferrokv::Error>(())
    /// ```
    pub fn execute<I, A>(&self, args: I) -> Result<Reply, Error>
    where
        I: IntoIterator<Item = A>,
        A: AsRef<[u8]>,
    {
        let owned: Vec<A> = args.into_iter().collect();
        let argv: Vec<&[u8]> = owned.iter().map(|a| a.as_ref()).collect();
        self.run(&argv)
    }

    fn run(&self, argv: &[&[u8]]) -> Result<Reply, Error> {
        if argv.is_empty() {
            return Err(Error::Command("ERR empty command".into()));
        }
        let engine = &self.inner.engine;
        let mut session =
            Session::detached(&engine.clients, "embedded", self.db, engine.clock.now_ms());
        let mut out = ReplyBuf::new(true);
        let called = engine.execute(&mut session, argv, &mut out);
        // Nothing is acknowledged before its ticket is durable (fsynced under `always`,
        // written under `everysec` and `no`).
        if let Err(NotDurable(why)) = engine
            .keyspace
            .log
            .settle_blocking(called.ticket, DURABLE_TIMEOUT)
        {
            if called.wrote {
                return Err(Error::Persistence(why));
            }
        }
        let (value, _) =
            parse_value(&out.buf).map_err(|e| Error::UnexpectedReply(format!("{e:?}")))?;
        convert(value)
    }

    /// The string value of `key`, or None.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>, Error> {
        match self.run(&[b"GET", key.as_ref()])? {
            Reply::Bulk(v) => Ok(Some(v)),
            Reply::Nil => Ok(None),
            other => Err(unexpected(other)),
        }
    }

    /// Stores a string value, with an optional time to live (like `SET key value [PX ms]`).
    pub fn set(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        ttl: Option<Duration>,
    ) -> Result<(), Error> {
        let options = SetOptions {
            ttl,
            ..Default::default()
        };
        self.set_with(key, value, &options).map(|_| ())
    }

    /// SET with every option; returns the previous value.
    ///
    /// ```
    /// use ferrokv::{Db, SetOptions, SetOutcome};
    /// let db = Db::in_memory();
    /// let nx = SetOptions { only_if_absent: true, ..Default::default() };
    /// assert_eq!(db.set_with("k", "1", &nx)?, SetOutcome::Written(None));
    /// assert_eq!(db.set_with("k", "2", &nx)?, SetOutcome::NotWritten);
    /// # Ok::<(), ferrokv::Error>(())
    /// ```
    pub fn set_with(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        options: &SetOptions,
    ) -> Result<SetOutcome, Error> {
        let mut argv: Vec<Vec<u8>> = vec![
            b"SET".to_vec(),
            key.as_ref().to_vec(),
            value.as_ref().to_vec(),
        ];
        if let Some(ttl) = options.ttl {
            let ms = ttl.as_millis().max(1);
            argv.extend([b"PX".to_vec(), ms.to_string().into_bytes()]);
        }
        if options.only_if_absent {
            argv.push(b"NX".to_vec());
        }
        if options.only_if_present {
            argv.push(b"XX".to_vec());
        }
        if options.keep_ttl {
            argv.push(b"KEEPTTL".to_vec());
        }
        argv.push(b"GET".to_vec());
        let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        let previous = match self.run(&refs)? {
            Reply::Bulk(v) => Some(v),
            Reply::Nil => None,
            other => return Err(unexpected(other)),
        };
        // With GET, SET replies with the old value whether or not it wrote: NX fails exactly
        // when there was a value, XX exactly when there was none.
        let refused = (options.only_if_absent && previous.is_some())
            || (options.only_if_present && previous.is_none());
        let written = !refused;
        Ok(if written {
            SetOutcome::Written(previous)
        } else {
            SetOutcome::NotWritten
        })
    }

    /// Deletes keys; returns how many existed.
    pub fn del<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<u64, Error> {
        self.count(b"DEL", keys)
    }

    /// How many of `keys` exist (a key named twice counts twice).
    pub fn exists<K: AsRef<[u8]>>(&self, keys: &[K]) -> Result<u64, Error> {
        self.count(b"EXISTS", keys)
    }

    fn count<K: AsRef<[u8]>>(&self, cmd: &[u8], keys: &[K]) -> Result<u64, Error> {
        let mut argv: Vec<&[u8]> = vec![cmd];
        argv.extend(keys.iter().map(|k| k.as_ref()));
        match self.run(&argv)? {
            Reply::Int(n) => Ok(n.max(0) as u64),
            other => Err(unexpected(other)),
        }
    }

    /// Sets a time to live; false when the key does not exist.
    pub fn expire(&self, key: impl AsRef<[u8]>, ttl: Duration) -> Result<bool, Error> {
        let ms = ttl.as_millis().max(1).to_string();
        match self.run(&[b"PEXPIRE", key.as_ref(), ms.as_bytes()])? {
            Reply::Int(n) => Ok(n == 1),
            other => Err(unexpected(other)),
        }
    }

    /// The time to live of `key`.
    pub fn ttl(&self, key: impl AsRef<[u8]>) -> Result<Ttl, Error> {
        match self.run(&[b"PTTL", key.as_ref()])? {
            Reply::Int(-2) => Ok(Ttl::Missing),
            Reply::Int(-1) => Ok(Ttl::Persistent),
            Reply::Int(ms) => Ok(Ttl::ExpiresIn(Duration::from_millis(ms.max(0) as u64))),
            other => Err(unexpected(other)),
        }
    }

    /// Adds `by` to the integer at `key` (0 when missing) and returns the result.
    pub fn incr(&self, key: impl AsRef<[u8]>, by: i64) -> Result<i64, Error> {
        let by = by.to_string();
        match self.run(&[b"INCRBY", key.as_ref(), by.as_bytes()])? {
            Reply::Int(n) => Ok(n),
            other => Err(unexpected(other)),
        }
    }

    /// Iterates over key names matching a glob `pattern` (all keys for None), with SCAN's
    /// guarantee: a key present for the whole iteration is yielded at least once.
    ///
    /// ```
    /// let db = ferrokv::Db::in_memory();
    /// for i in 0..100 {
    ///     db.set(format!("user:{i}"), "x", None)?;
    /// }
    /// db.set("other", "x", None)?;
    /// let users: Result<Vec<Vec<u8>>, _> = db.scan(Some("user:*")).collect();
    /// assert_eq!(users?.len(), 100);
    /// # Ok::<(), ferrokv::Error>(())
    /// ```
    pub fn scan(&self, pattern: Option<&str>) -> Scan {
        Scan {
            db: self.clone(),
            pattern: pattern.map(str::to_string),
            cursor: Some("0".into()),
            page: Vec::new(),
        }
    }
}

/// The iterator of [`Db::scan`].
pub struct Scan {
    db: Db,
    pattern: Option<String>,
    cursor: Option<String>,
    page: Vec<Vec<u8>>,
}

impl Iterator for Scan {
    type Item = Result<Vec<u8>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(k) = self.page.pop() {
                return Some(Ok(k));
            }
            let cursor = self.cursor.take()?;
            let mut argv: Vec<&[u8]> = vec![b"SCAN", cursor.as_bytes(), b"COUNT", b"100"];
            if let Some(p) = &self.pattern {
                argv.extend([&b"MATCH"[..], p.as_bytes()]);
            }
            match self.db.run(&argv) {
                Ok(Reply::Array(mut parts)) if parts.len() == 2 => {
                    let (Reply::Array(keys), Reply::Bulk(next)) = (parts.pop()?, parts.pop()?)
                    else {
                        return Some(Err(Error::UnexpectedReply("SCAN page".into())));
                    };
                    let next = String::from_utf8_lossy(&next).into_owned();
                    if next != "0" {
                        self.cursor = Some(next);
                    }
                    for k in keys.into_iter().rev() {
                        if let Reply::Bulk(k) = k {
                            self.page.push(k);
                        }
                    }
                }
                Ok(other) => return Some(Err(unexpected(other))),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

fn unexpected(r: Reply) -> Error {
    Error::UnexpectedReply(format!("{r:?}"))
}

fn convert(v: Value) -> Result<Reply, Error> {
    Ok(match v {
        Value::Error(e) => return Err(Error::Command(e)),
        other => to_reply(other),
    })
}

fn to_reply(v: Value) -> Reply {
    match v {
        Value::Simple(s) => Reply::Status(s),
        // Errors nested in arrays (EXEC's replies) keep their text as a status.
        Value::Error(e) => Reply::Status(e),
        Value::Int(n) => Reply::Int(n),
        Value::Bulk(b) => Reply::Bulk(b),
        Value::Null => Reply::Nil,
        Value::Array(items) | Value::Push(items) => {
            Reply::Array(items.into_iter().map(to_reply).collect())
        }
        Value::Set(items) => Reply::Set(items.into_iter().map(to_reply).collect()),
        Value::Map(pairs) => Reply::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (to_reply(k), to_reply(v)))
                .collect(),
        ),
        Value::Double(text) => match text.as_str() {
            "inf" => Reply::Double(f64::INFINITY),
            "-inf" => Reply::Double(f64::NEG_INFINITY),
            t => t
                .parse()
                .map(Reply::Double)
                .unwrap_or(Reply::BigNumber(text)),
        },
        Value::Bool(b) => Reply::Bool(b),
        Value::BigNumber(s) => Reply::BigNumber(s),
        Value::Verbatim(format, text) => Reply::Verbatim { format, text },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_share_data_and_databases_are_separate() {
        let db = Db::in_memory();
        let other = db.clone();
        db.set("k", "v", None).unwrap();
        assert_eq!(other.get("k").unwrap(), Some(b"v".to_vec()));
        let db1 = db.database(1).unwrap();
        assert_eq!(db1.get("k").unwrap(), None);
        assert_eq!(db.exists(&["k", "k", "nope"]).unwrap(), 2);
        assert_eq!(db.del(&["k"]).unwrap(), 1);
    }

    #[test]
    fn errors_keep_redis_texts() {
        let db = Db::in_memory();
        db.set("s", "abc", None).unwrap();
        let e = db.incr("s", 1).unwrap_err();
        assert_eq!(e.code(), Some("ERR"));
        assert!(
            matches!(db.execute(["NOPE"]), Err(Error::Command(t)) if t.starts_with("ERR unknown command"))
        );
    }

    #[test]
    fn opened_databases_keep_their_data_and_always_waits_for_the_disk() {
        let dir = std::env::temp_dir().join(format!(
            "ferrokv-lib-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let config = Config {
            dir: dir.display().to_string(),
            appendfsync: engine::config::Fsync::Always,
            ..Config::default()
        };
        {
            let db = Db::open(config.clone()).unwrap();
            let log = db.inner.engine.keyspace.log.clone();
            for i in 0..200 {
                db.set(format!("k{i}"), "v", None).unwrap();
                // Acknowledged means on disk.
                assert!(log.durable() >= log.appended(), "a reply before its fsync");
            }
            db.execute(["RPUSH", "l", "a", "b"]).unwrap();
            assert_eq!(
                db.execute(["BGREWRITEAOF"]).unwrap(),
                Reply::Status("Background append only file rewriting started".into())
            );
            db.execute(["SADD", "s", "x"]).unwrap();
        }
        let db = Db::open(config).unwrap();
        assert_eq!(db.exists(&["k0", "k199", "l", "s"]).unwrap(), 4);
        assert_eq!(
            db.execute(["LRANGE", "l", "0", "-1"]).unwrap(),
            Reply::Array(vec![Reply::Bulk(b"a".to_vec()), Reply::Bulk(b"b".to_vec())])
        );
        drop(db);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn many_threads_at_once() {
        let db = Db::in_memory();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let db = db.clone();
                std::thread::spawn(move || {
                    for i in 0..1000 {
                        db.incr("shared", 1).unwrap();
                        db.set(format!("t{t}:{i}"), "x", None).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(db.get("shared").unwrap(), Some(b"8000".to_vec()));
        assert_eq!(db.scan(Some("t*")).count(), 8000);
    }

    #[test]
    fn expiry_runs_in_the_background_and_stops_with_the_last_handle() {
        let db = Db::in_memory();
        db.set("short", "x", Some(Duration::from_millis(5)))
            .unwrap();
        let weak = Arc::downgrade(&db.inner.engine);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        // DBSIZE counts keys not yet reclaimed; it reaches 0 only through active expiry.
        while db.execute(["DBSIZE"]).unwrap() != Reply::Int(0) {
            assert!(std::time::Instant::now() < deadline, "not reclaimed");
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(db);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while weak.upgrade().is_some() {
            assert!(
                std::time::Instant::now() < deadline,
                "engine outlived its handles"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
