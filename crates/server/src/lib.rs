//! The ferrokv server: configuration from redis.conf-style files and flags, the RESP listener,
//! the connection loop, background active expiry and graceful shutdown.
//!
//! # Layout
//! - [`args`]: command-line flags and config files into a [`engine::config::Values`].
//! - [`conn`]: one client connection: read, parse every complete command, execute, one write.
//! - [`http`]: the HTTP/JSON API (axum) on the same engine, and [`metrics`] for `/metrics`;
//!   [`dashboard`]: the live dashboard at `/` (its page is in `crates/server/dashboard/`).
//! - [`syslog`]: `syslog-enabled`, the log copied to the system logger.
//! - [`tls`]: the `tls-port` listener and HTTPS (`http-tls`), rustls with the `ring`
//!   provider, behind the default cargo feature `tls`.
//! - this file: [`Server`], which binds the listeners, runs the accept loops and the expiry
//!   thread, and stops on SHUTDOWN, SIGTERM or SIGINT.
//!
//! The binary (`main.rs`) only parses flags, sets up logging (standard error or `logfile`, and
//! syslog) and calls [`Server::run`]; tests
//! start a [`Server`] in-process on `127.0.0.1:0`.

#![deny(missing_docs)]

pub mod args;
pub mod conn;
pub mod dashboard;
pub mod http;
pub mod metrics;
pub mod syslog;
pub mod tls;

use engine::config::{Config, Values};
use engine::persistence::Persistence;
use engine::{Engine, SystemClock};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// A bound, not yet running server.
pub struct Server {
    engine: Arc<Engine>,
    listeners: Vec<TcpListener>,
    /// The `unixsocket` listener and its path.
    unix: Option<(tokio::net::UnixListener, String)>,
    http: Vec<(TcpListener, HttpRole)>,
    /// The `tls-port` listeners.
    tls_listeners: Vec<TcpListener>,
    /// The TLS configuration (loaded when TLS is in use; CONFIG SET reloads it).
    tls: Arc<tls::Tls>,
    stop: Arc<Notify>,
}

/// What an HTTP listener serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpRole {
    /// The whole HTTP API, /metrics included.
    Api,
    /// Only /metrics (`metrics-port`).
    Metrics,
}

impl Server {
    /// Creates the engine and binds every `bind` address on `port` (0: an ephemeral port).
    /// Must be called inside a tokio runtime.
    pub async fn bind(values: Values) -> std::io::Result<Server> {
        Server::bind_with_clock(values, Arc::new(SystemClock)).await
    }

    /// [`Server::bind`] with time from `clock` (integration tests of expiry use an
    /// [`engine::ManualClock`] and never sleep).
    pub async fn bind_with_clock(
        values: Values,
        clock: Arc<dyn engine::Clock>,
    ) -> std::io::Result<Server> {
        // Redis compatibility: `port 0` means no plain listener only beside a `tls-port` (a
        // TLS-only server); alone it picks an ephemeral port, which tests rely on.
        let plain = values.port != 0 || values.tls.port == 0;
        let listeners = if plain {
            bind_all(&values.bind, values.port).await?
        } else {
            Vec::new()
        };
        let tls_listeners = if values.tls.port != 0 {
            bind_all(&values.bind, values.tls.port).await?
        } else {
            Vec::new()
        };
        let unix = if values.unixsocket.is_empty() {
            None
        } else {
            Some((
                bind_unix(&values.unixsocket, values.unixsocketperm)?,
                values.unixsocket.clone(),
            ))
        };
        let mut http = Vec::new();
        if let Some(port) = values.http_listen_port() {
            let l = TcpListener::bind((values.http_bind.as_str(), port)).await?;
            http.push((l, HttpRole::Api));
        }
        if values.metrics_port != 0 {
            let l = TcpListener::bind((values.http_bind.as_str(), values.metrics_port)).await?;
            http.push((l, HttpRole::Metrics));
        }
        let tls_values = values.tls.clone();
        let engine = Arc::new(Engine::new(Config::new(values), clock));
        engine::families::acl::load_at_startup(&engine).map_err(std::io::Error::other)?;
        let tls = tls::start(&engine, &tls_values).map_err(|e| {
            tracing::error!("Failed to configure TLS: {e}");
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("Failed to configure TLS. Check logs for more info. ({e})"),
            )
        })?;
        // Nothing is loaded yet: until `run` has loaded the data, commands get -LOADING.
        engine.state.set_loading(true);
        let stop = Arc::new(Notify::new());
        let hook_stop = stop.clone();
        engine
            .state
            .on_shutdown(Box::new(move || hook_stop.notify_one()));
        Ok(Server {
            engine,
            listeners,
            unix,
            http,
            tls_listeners,
            tls,
            stop,
        })
    }

    /// Adds an HTTP listener on `addr` (port 0 picks a free one) and returns its address.
    pub async fn bind_http(
        &mut self,
        addr: SocketAddr,
        role: HttpRole,
    ) -> std::io::Result<SocketAddr> {
        let l = TcpListener::bind(addr).await?;
        let local = l.local_addr()?;
        self.http.push((l, role));
        Ok(local)
    }

    /// The addresses of the HTTP listeners.
    pub fn http_addrs(&self) -> Vec<SocketAddr> {
        self.http
            .iter()
            .filter_map(|(l, _)| l.local_addr().ok())
            .collect()
    }

    /// The addresses of the `tls-port` listeners.
    pub fn tls_addrs(&self) -> Vec<SocketAddr> {
        self.tls_listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// The engine, for embedding and tests.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.clone()
    }

    /// The addresses actually bound.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// Serves until SHUTDOWN, or until `signal` completes. With `appendonly yes` the AOF is
    /// loaded first while clients get `-LOADING`; an AOF that cannot be loaded stops the
    /// server with the error (which names the file and offset).
    pub async fn run(self, signal: impl std::future::Future<Output = ()>) -> Result<(), String> {
        let Server {
            engine,
            listeners,
            unix,
            http,
            tls_listeners,
            tls,
            stop,
        } = self;
        let running = Arc::new(AtomicBool::new(true));
        let expiry = spawn_active_expiry(engine.clone(), running.clone());
        let values = engine.config.values();
        // A stock redis.conf starts ferrokv; what it sets that changes nothing here is said.
        for (name, value, why) in engine::config::inert_changed(&values) {
            tracing::warn!("'{name} {value}' has no effect in ferrokv: {why}");
        }
        // Files live in `dir` (the binary has made it the working directory).
        let persister = persist::Persister::new(&engine, std::path::PathBuf::from(&values.dir));
        engine.set_persistence(persister.clone());
        // A script runs for as long as it runs: its worker hands its other tasks (the
        // connections that will get -BUSY, SCRIPT KILL) to another thread first.
        engine.set_long_section(Box::new(|f| {
            let multi = tokio::runtime::Handle::try_current()
                .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
            if multi {
                tokio::task::block_in_place(f)
            } else {
                f()
            }
        }));
        let loader = {
            let p = persister.clone();
            tokio::task::spawn_blocking(move || p.load())
        };
        // Connections are accepted while the data loads (they get -LOADING); the line that
        // names each address comes now, `Ready to accept connections` once loading is done,
        // as Redis says it (supervisors and test harnesses wait for it).
        let mut accepts = Vec::new();
        let mut ready = Vec::new();
        for l in listeners {
            if let Ok(addr) = l.local_addr() {
                tracing::info!("Listening on tcp {addr} (loading)");
                ready.push(format!("tcp on {addr}"));
            }
            accepts.push(tokio::spawn(conn::accept_loop(engine.clone(), l)));
        }
        for l in tls_listeners {
            if let Ok(addr) = l.local_addr() {
                tracing::info!("Listening on tls {addr} (loading)");
                ready.push(format!("tls on {addr}"));
            }
            accepts.push(tokio::spawn(tls::accept_loop(
                engine.clone(),
                l,
                tls.clone(),
            )));
        }
        let unix_path = unix.as_ref().map(|(_, p)| p.clone());
        if let Some((l, path)) = unix {
            tracing::info!("Listening on unix socket {path} (loading)");
            ready.push(format!("unix socket {path}"));
            accepts.push(tokio::spawn(conn::accept_unix_loop(
                engine.clone(),
                l,
                path,
            )));
        }
        // `http-tls yes`: every HTTP listener serves HTTPS with the `tls-*` certificate.
        let https = values.tls.http.then(|| tls.clone());
        let scheme = if https.is_some() { "https" } else { "http" };
        for (l, role) in http {
            if let Ok(addr) = l.local_addr() {
                tracing::info!("Listening on {scheme} {addr} ({role:?})");
                ready.push(format!("{scheme} on {addr} ({role:?})"));
            }
            accepts.push(tokio::spawn(http::serve(
                engine.clone(),
                l,
                role,
                https.clone(),
            )));
        }
        let started = std::time::Instant::now();
        let failure = match loader.await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(e) => Some(format!("the loader failed: {e}")),
        };
        if let Some(e) = &failure {
            tracing::error!("{e}");
        } else {
            tracing::info!(
                "DB loaded from disk: {:.3} seconds",
                started.elapsed().as_secs_f64()
            );
            for r in &ready {
                tracing::info!("Ready to accept connections {r}");
            }
            let mut signal = std::pin::pin!(signal);
            // After a signal whose snapshot failed, the next ones come from the process.
            let mut fired = false;
            loop {
                tokio::select! {
                    _ = stop.notified() => {
                        tracing::info!("User requested shutdown...");
                        break;
                    }
                    _ = &mut signal, if !fired => {
                        fired = true;
                        if signal_shutdown(&engine, &persister).await {
                            break;
                        }
                    }
                    _ = shutdown_signal(), if fired => {
                        if signal_shutdown(&engine, &persister).await {
                            break;
                        }
                    }
                }
            }
        }
        for a in &accepts {
            a.abort();
        }
        engine.state.request_shutdown();
        for c in engine.clients.list() {
            c.kill();
        }
        if let Some(p) = unix_path {
            // As Redis: the socket file goes with the server.
            let _ = std::fs::remove_file(p);
        }
        running.store(false, Ordering::Relaxed);
        let _ = expiry.join();
        persister.shutdown();
        match failure {
            Some(e) => Err(e),
            None => {
                tracing::info!("ferrokv is now ready to exit, bye bye...");
                Ok(())
            }
        }
    }
}

/// Admits a new connection of any door: counted against `maxclients` (None: refused, and
/// counted in `rejected_connections`), with `tcp-keepalive` applied to its socket.
pub fn admit(engine: &Engine, stream: &tokio::net::TcpStream) -> Option<engine::session::Slot> {
    let slot = admit_slot(engine)?;
    let values = engine.config.values();
    if values.tcp_keepalive > 0 {
        // Redis compatibility: probes start after `tcp-keepalive` seconds idle and repeat a
        // third of that apart (its `anetKeepAlive`).
        let secs = std::time::Duration::from_secs(values.tcp_keepalive);
        let ka = socket2::TcpKeepalive::new()
            .with_time(secs)
            .with_interval((secs / 3).max(std::time::Duration::from_secs(1)))
            .with_retries(3);
        let _ = socket2::SockRef::from(stream).set_tcp_keepalive(&ka);
    }
    Some(slot)
}

/// Stops on a signal as `shutdown-on-sigint` / `shutdown-on-sigterm` say (a signal from
/// elsewhere, as in tests, follows SIGTERM's): the final snapshot when asked for (or, by
/// default, when save points are set), every other command refused meanwhile. False when
/// the snapshot failed without `force`: the server goes on, as Redis does.
async fn signal_shutdown(engine: &Arc<Engine>, persister: &Arc<persist::Persister>) -> bool {
    let sig = LAST_SIGNAL.swap(0, Ordering::Relaxed);
    let name = if sig == libc::SIGINT {
        "SIGINT"
    } else {
        "SIGTERM"
    };
    tracing::info!("Received {name} scheduling shutdown...");
    let flags = engine
        .config
        .read(|v| v.shutdown_on_sig[usize::from(sig != libc::SIGINT)]);
    let save = flags.save.unwrap_or_else(|| persister.saves_on_shutdown());
    if !save || engine.state.loading() {
        return true;
    }
    tracing::info!("Saving the final RDB snapshot before exiting.");
    engine.state.set_closing(true);
    let p = persister.clone();
    let saved = tokio::task::spawn_blocking(move || p.shutdown_save())
        .await
        .unwrap_or_else(|e| Err(engine::error::CmdError::new(format!("ERR {e}"))));
    match saved {
        Ok(()) => true,
        Err(e) if flags.force => {
            tracing::warn!("Error trying to save the DB, exiting anyway (force): {e}");
            true
        }
        Err(e) => {
            tracing::warn!(
                "Error trying to save the DB: {e}. {name} received but errors trying to shut down the server, check the logs for more information"
            );
            engine.state.set_closing(false);
            false
        }
    }
}

/// Binds every `bind` address on `port`. As Redis: a `-` prefix makes an address optional,
/// skipped when this host has no such address or protocol (`bind 127.0.0.1 -::1` on a host
/// without IPv6).
async fn bind_all(bind: &[String], port: u16) -> std::io::Result<Vec<TcpListener>> {
    let mut listeners = Vec::new();
    for addr in bind {
        let optional = addr.starts_with('-');
        let addr = addr.trim_start_matches('-');
        match TcpListener::bind((addr, port)).await {
            Ok(l) => listeners.push(l),
            Err(e) if optional && skippable(&e) => {
                tracing::warn!("Skipping the optional address {addr}: {e}");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(listeners)
}

/// Whether a failed bind of an optional address is skipped: the address or its protocol does
/// not exist here.
fn skippable(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::AddrNotAvailable
        || matches!(
            e.raw_os_error(),
            Some(
                libc::EAFNOSUPPORT
                    | libc::EPROTONOSUPPORT
                    | libc::ENOPROTOOPT
                    | libc::EADDRNOTAVAIL
            )
        )
}

/// Binds the Unix socket at `path`, replacing a stale socket file a previous run left (as Redis
/// unlinks it first), with permissions `perm` when not 0.
fn bind_unix(path: &str, perm: u32) -> std::io::Result<tokio::net::UnixListener> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if m.file_type().is_socket() {
            std::fs::remove_file(path)?;
        }
    }
    let l = tokio::net::UnixListener::bind(path)?;
    if perm != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(perm))?;
    }
    Ok(l)
}

/// Counts a new connection against `maxclients` (None: refused, and counted as rejected).
pub fn admit_slot(engine: &Engine) -> Option<engine::session::Slot> {
    let max = engine.config.read(|v| v.maxclients) as usize;
    let slot = engine.clients.admit(max);
    if slot.is_none() {
        engine
            .stats
            .rejected_connections
            .fetch_add(1, Ordering::Relaxed);
    }
    slot
}

/// The background thread that reclaims expired keys nobody reads, `hz` times a second. With the
/// exact deadline index a cycle finds due keys without sampling, so a key is reclaimed about one
/// tick after its deadline. A plain thread, not a task: it takes shard locks and does CPU work,
/// which must not stall the runtime's workers.
fn spawn_active_expiry(
    engine: Arc<Engine>,
    running: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let weak = Arc::downgrade(&engine);
    std::thread::Builder::new()
        .name("active-expire".into())
        .spawn(move || Engine::run_active_expiry(weak, running))
        .expect("spawn active-expire thread")
}

/// Worker threads to use: the configured number, or the CPUs this process may run on (which
/// respects `taskset`), at least one.
pub fn worker_threads(values: &Values) -> usize {
    if values.worker_threads > 0 {
        return values.worker_threads as usize;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The signal [`shutdown_signal`] saw last (0: none), so shutdown follows its setting.
static LAST_SIGNAL: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// Resolves when SIGINT or SIGTERM arrives.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => LAST_SIGNAL.store(libc::SIGINT, Ordering::Relaxed),
            _ = term.recv() => LAST_SIGNAL.store(libc::SIGTERM, Ordering::Relaxed),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
