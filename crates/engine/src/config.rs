//! Settings with redis.conf names. One table ([`PARAMS`]) drives the config file parser, the
//! command-line flags, CONFIG GET (glob patterns) and CONFIG SET.

use crate::glob;
use crate::pubsub::BufferLimit;

/// The client classes of `client-output-buffer-limit`, in CONFIG GET order.
const OUTPUT_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];
use std::sync::RwLock;

/// One setting's current values.
#[derive(Clone, Debug)]
pub struct Values {
    /// `port`
    pub port: u16,
    /// `bind`: addresses to listen on.
    pub bind: Vec<String>,
    /// `databases`
    pub databases: usize,
    /// `unixsocket`: the path of a Unix-socket listener (empty: none).
    pub unixsocket: String,
    /// `unixsocketperm`: the socket file's permission bits (octal; 0 leaves the umask's).
    pub unixsocketperm: u32,
    /// `enable-debug-command`: `no`, `yes` or `local` (connections from the loopback).
    pub enable_debug_command: &'static str,
    /// `enable-protected-configs`: whether CONFIG SET may change [`PROTECTED`] settings (`no`,
    /// `yes`, `local`).
    pub enable_protected_configs: &'static str,
    /// `dir`
    pub dir: String,
    /// `proto-max-bulk-len`
    pub proto_max_bulk_len: u64,
    /// `client-query-buffer-limit`
    pub client_query_buffer_limit: u64,
    /// `maxclients`: open connections of every door (RESP, HTTP) at most.
    pub maxclients: u64,
    /// `timeout`: seconds a RESP client may stay idle before it is closed (0: never). Blocked,
    /// subscribed and MONITOR clients are exempt, as in Redis.
    pub timeout: u64,
    /// `tcp-keepalive`: seconds of silence before TCP keepalive probes start (0: off).
    pub tcp_keepalive: u64,
    /// `hz`: active-expiry cycles per second. Redis compatibility: the default is 100, not
    /// Redis's 10, so a key nobody reads is reclaimed within about 10 ms of its deadline.
    pub hz: u64,
    /// `loglevel`
    pub loglevel: String,
    /// `logfile`: where the log goes (empty: standard error).
    pub logfile: String,
    /// `pidfile`: a file holding the process id while the server runs (empty: none, unless
    /// daemonized).
    pub pidfile: String,
    /// `daemonize`: detach from the terminal into the background at start-up.
    pub daemonize: bool,
    /// `acllog-max-len`: entries the ACL LOG keeps.
    pub acllog_max_len: usize,
    /// `aclfile`: where ACL SAVE writes and ACL LOAD and start-up read the users (empty: none;
    /// users then come from `user` lines of the config file).
    pub aclfile: String,
    /// `acl-pubsub-default`: new users start with every channel (`allchannels`) or none.
    pub acl_allchannels: bool,
    /// `user` lines of the config file, applied at start-up.
    pub acl_users: Vec<String>,
    /// `rename-command old new` lines of the config file (new empty: the command is gone).
    pub renames: Vec<(String, String)>,
    /// `syslog-enabled`: every log line also goes to the system logger.
    pub syslog_enabled: bool,
    /// `syslog-ident`: the program name syslog shows (Redis's default, `redis`, so an existing
    /// syslog filter keeps matching).
    pub syslog_ident: String,
    /// `syslog-facility`: `user` or `local0`..`local7`.
    pub syslog_facility: String,
    /// `shutdown-on-sigint`, `shutdown-on-sigterm`: how a signal stops the server
    /// ([`ShutdownFlags`]).
    pub shutdown_on_sig: [ShutdownFlags; 2],
    /// The Redis 7.0 settings ferrokv accepts but that change nothing here ([`INERT`]), by
    /// name: their values, for CONFIG GET and CONFIG REWRITE.
    pub inert: std::collections::BTreeMap<&'static str, String>,
    /// `busy-reply-threshold` (alias `lua-time-limit`): ms a script may run before other
    /// clients get `-BUSY` (and SCRIPT KILL may stop it); 0: at once.
    pub busy_reply_threshold: u64,
    /// `stream-node-max-bytes`: bytes a stream node may reach before a new one starts (0: no
    /// limit).
    pub stream_node_max_bytes: u64,
    /// `stream-node-max-entries`: entries a stream node may hold (0: no limit).
    pub stream_node_max_entries: u64,
    /// `hll-sparse-max-bytes`: bytes a sparse HyperLogLog may reach (header included) before
    /// it turns dense.
    pub hll_sparse_max_bytes: u64,
    /// `worker-threads`: connection-handling threads; 0 picks the CPUs this process may use.
    pub worker_threads: u64,
    /// `http-port`: the HTTP API's port; 0 disables it. Unless given, it follows `port`:
    /// `port` + 1000 (6379 gives 7379), so servers started on different ports do not compete
    /// for one HTTP port; with `port 0` (or a port past 64535) the HTTP API takes an ephemeral
    /// port of its own, which the log names. See [`Values::http_listen_port`]. `metrics-port`
    /// has no default (0: no second listener), so nothing follows `port` there.
    pub http_port: Option<u16>,
    /// `http-bind`: the HTTP API's address.
    pub http_bind: String,
    /// `metrics-port`: a second listener serving only /metrics; 0 for none (/metrics is always
    /// on the HTTP port too).
    pub metrics_port: u16,
    /// `requirepass`: the `default` user's password; empty means none is required.
    pub requirepass: String,
    /// `protected-mode`: without a password, refuse clients that are not on loopback.
    pub protected_mode: bool,
    /// `client-output-buffer-limit` for the normal, replica and pubsub classes.
    pub output_limits: [BufferLimit; 3],
    /// `notify-keyspace-events`, as flags of [`crate::notify`].
    pub notify_keyspace_events: u32,
    /// `tracking-table-max-keys`: keys CLIENT TRACKING remembers at most (0: no limit).
    pub tracking_table_max_keys: u64,
    /// `dbfilename`: the snapshot file SAVE writes and start-up loads (without `appendonly`).
    pub dbfilename: String,
    /// `appendonly`: log every write to the append-only file. On by default: acknowledged
    /// writes survive a restart unless the user opts out.
    pub appendonly: bool,
    /// `save`: (seconds, changes) pairs; a BGSAVE starts when at least `changes` keys changed
    /// and `seconds` passed since the last save. Empty: no automatic snapshots.
    pub save: Vec<(u64, u64)>,
    /// `stop-writes-on-bgsave-error`: refuse writes with `-MISCONF` after a failed BGSAVE
    /// (while `save` points are configured), until a save succeeds.
    pub stop_writes_on_bgsave_error: bool,
    /// `auto-aof-rewrite-percentage`: rewrite when the AOF grew this much over its size after
    /// the last rewrite (0: never automatically).
    pub auto_aof_rewrite_percentage: u64,
    /// `auto-aof-rewrite-min-size`: ...and is at least this big.
    pub auto_aof_rewrite_min_size: u64,
    /// `aof-use-rdb-preamble`: a rewrite writes the base in RDB format (else as commands).
    pub aof_use_rdb_preamble: bool,
    /// `appendfsync`: when the append-only file is made durable.
    pub appendfsync: Fsync,
    /// `appenddirname`: the directory (under `dir`) of the append-only files.
    pub appenddirname: String,
    /// `appendfilename`: the base name of the append-only files.
    pub appendfilename: String,
    /// `aof-load-truncated`: start with the complete prefix of an AOF whose last command was
    /// cut short, instead of refusing to start.
    pub aof_load_truncated: bool,
    /// `rdbcompression`: LZF-compress long strings in RDB files and DUMP payloads.
    pub rdbcompression: bool,
    /// `rdbchecksum`: end RDB files and DUMP payloads with their CRC-64 (else 0).
    pub rdbchecksum: bool,
    /// `maxmemory`: bytes of counted allocations past which keys are evicted (or writes
    /// refused) as `maxmemory-policy` says; 0: no limit.
    pub maxmemory: u64,
    /// `maxmemory-policy`.
    pub maxmemory_policy: crate::memory::Policy,
    /// `maxmemory-clients`: bytes, or a percentage of `maxmemory` when negative (-10: 10%).
    /// Redis compatibility: accepted and shown, but clients are not evicted for their
    /// buffers (a non-zero value is logged as having no effect); client output buffers are
    /// bounded by `client-output-buffer-limit` instead.
    pub maxmemory_clients: i64,
    /// `slowlog-log-slower-than`: µs from which a command is logged (-1: never, 0: all).
    pub slowlog_log_slower_than: i64,
    /// `latency-monitor-threshold`: ms from which an event is sampled (0: off).
    pub latency_monitor_threshold: u64,
    /// `slowlog-max-len`: entries the slow log keeps.
    pub slowlog_max_len: u64,
    /// `latency-tracking`: INFO latencystats reports per-command percentiles.
    pub latency_tracking: bool,
    /// `latency-tracking-info-percentiles`: which ones.
    pub latency_tracking_info_percentiles: Vec<f64>,
    /// The config file the server started with, absolute (INFO `config_file`); not a
    /// setting.
    pub config_file: String,
    /// `maxmemory-samples`: keys sampled per database for each eviction.
    pub maxmemory_samples: u64,
    /// `maxmemory-eviction-tenacity`: how long one command may spend evicting (0..=100, as
    /// Redis's `evictionTimeLimitUs`).
    pub maxmemory_eviction_tenacity: u64,
    /// `lfu-log-factor`: how slowly LFU counters grow.
    pub lfu_log_factor: u64,
    /// `lfu-decay-time`: minutes per step an idle key's LFU counter decays (0: never).
    pub lfu_decay_time: u64,
    /// `lazyfree-lazy-eviction`: evicted values are freed on the background thread.
    pub lazyfree_lazy_eviction: bool,
    /// `lazyfree-lazy-expire`: expired values are freed on the background thread.
    pub lazyfree_lazy_expire: bool,
    /// `lazyfree-lazy-server-del`: values the server deletes as a side effect (a key a
    /// command overwrites, RENAME's destination) are freed on the background thread.
    pub lazyfree_lazy_server_del: bool,
    /// `lazyfree-lazy-user-del`: DEL frees as UNLINK does.
    pub lazyfree_lazy_user_del: bool,
    /// `lazyfree-lazy-user-flush`: FLUSHALL / FLUSHDB without a mode free as ASYNC does.
    pub lazyfree_lazy_user_flush: bool,
    /// `hash-max-listpack-entries`, `hash-max-listpack-value`, `set-max-intset-entries`,
    /// `zset-max-listpack-entries`, `zset-max-listpack-value`, `list-max-listpack-size`.
    pub encodings: crate::types::Limits,
    /// The `tls-*` settings and `http-tls` ([`TlsValues`]).
    pub tls: TlsValues,
}

impl Values {
    /// The port the HTTP API listens on: None when disabled (`http-port 0`), Some(0) for an
    /// ephemeral port. An explicit `http-port` wins; otherwise `port` + 1000, or an ephemeral
    /// port when `port` is 0 or past 64535.
    pub fn http_listen_port(&self) -> Option<u16> {
        match self.http_port {
            Some(0) => None,
            Some(p) => Some(p),
            None if self.port == 0 => Some(0),
            None => Some(self.port.checked_add(1000).unwrap_or(0)),
        }
    }
}

impl Default for Values {
    fn default() -> Self {
        Values {
            port: 6379,
            bind: vec!["127.0.0.1".to_string()],
            databases: 16,
            unixsocket: String::new(),
            unixsocketperm: 0,
            enable_debug_command: "no",
            enable_protected_configs: "no",
            dir: "./data".to_string(),
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            maxclients: 10000,
            timeout: 0,
            tcp_keepalive: 300,
            hz: 100,
            loglevel: "notice".to_string(),
            logfile: String::new(),
            pidfile: String::new(),
            daemonize: false,
            acllog_max_len: 128,
            aclfile: String::new(),
            acl_allchannels: false,
            acl_users: Vec::new(),
            renames: Vec::new(),
            syslog_enabled: false,
            syslog_ident: "redis".to_string(),
            syslog_facility: "local0".to_string(),
            shutdown_on_sig: [ShutdownFlags::default(); 2],
            inert: INERT
                .iter()
                .map(|x| (x.name, x.default.to_string()))
                .collect(),
            busy_reply_threshold: 5000,
            stream_node_max_bytes: 4096,
            hll_sparse_max_bytes: 3000,
            stream_node_max_entries: 100,
            worker_threads: 0,
            http_port: None,
            http_bind: "127.0.0.1".to_string(),
            metrics_port: 0,
            requirepass: String::new(),
            protected_mode: true,
            output_limits: [
                BufferLimit {
                    hard: 0,
                    soft: 0,
                    soft_seconds: 0,
                },
                BufferLimit {
                    hard: 256 << 20,
                    soft: 64 << 20,
                    soft_seconds: 60,
                },
                BufferLimit {
                    hard: 32 << 20,
                    soft: 8 << 20,
                    soft_seconds: 60,
                },
            ],
            notify_keyspace_events: 0,
            tracking_table_max_keys: 1_000_000,
            encodings: crate::types::Limits::default(),
            dbfilename: "dump.rdb".to_string(),
            appendonly: true,
            save: vec![(3600, 1), (300, 100), (60, 10000)],
            stop_writes_on_bgsave_error: true,
            auto_aof_rewrite_percentage: 100,
            auto_aof_rewrite_min_size: 64 << 20,
            aof_use_rdb_preamble: true,
            appendfsync: Fsync::EverySec,
            appenddirname: "appendonlydir".to_string(),
            appendfilename: "appendonly.aof".to_string(),
            aof_load_truncated: true,
            rdbcompression: true,
            maxmemory: 0,
            maxmemory_policy: crate::memory::Policy::NoEviction,
            maxmemory_clients: 0,
            slowlog_log_slower_than: 10_000,
            slowlog_max_len: 128,
            latency_monitor_threshold: 0,
            latency_tracking: true,
            latency_tracking_info_percentiles: vec![50.0, 99.0, 99.9],
            config_file: String::new(),
            maxmemory_samples: 5,
            maxmemory_eviction_tenacity: 10,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            lazyfree_lazy_eviction: false,
            lazyfree_lazy_expire: false,
            lazyfree_lazy_server_del: false,
            lazyfree_lazy_user_del: false,
            lazyfree_lazy_user_flush: false,
            rdbchecksum: true,
            tls: TlsValues::default(),
        }
    }
}

/// The `tls-*` settings (Redis 7.0's names and defaults) and ferrokv's `http-tls`. The server
/// crate reads them (its `tls` module); here they are only parsed and shown.
#[derive(Clone, Debug)]
pub struct TlsValues {
    /// `tls-port`: the TLS listener's port on every `bind` address (0: none).
    pub port: u16,
    /// `tls-cert-file`: the server's certificate chain (PEM).
    pub cert_file: String,
    /// `tls-key-file`: its private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key_file: String,
    /// `tls-key-file-pass`: the passphrase of an encrypted key.
    pub key_file_pass: String,
    /// `tls-client-cert-file`: the certificate of outgoing connections (replication).
    pub client_cert_file: String,
    /// `tls-client-key-file`: its key.
    pub client_key_file: String,
    /// `tls-client-key-file-pass`: that key's passphrase.
    pub client_key_file_pass: String,
    /// `tls-dh-params-file`: Diffie-Hellman parameters (rustls has no finite-field DH).
    pub dh_params_file: String,
    /// `tls-ca-cert-file`: the CA certificates client certificates are checked against.
    pub ca_cert_file: String,
    /// `tls-ca-cert-dir`: a directory of CA certificates, as `tls-ca-cert-file`.
    pub ca_cert_dir: String,
    /// `tls-auth-clients`: `yes` (a client certificate is required), `optional` (checked
    /// when given) or `no`.
    pub auth_clients: &'static str,
    /// `tls-protocols`: the versions allowed (`TLSv1.2 TLSv1.3`; empty: both).
    pub protocols: String,
    /// `tls-ciphers`: TLS 1.2 cipher suites, an OpenSSL-style list (empty: all).
    pub ciphers: String,
    /// `tls-ciphersuites`: TLS 1.3 cipher suites, colon-separated (empty: all).
    pub ciphersuites: String,
    /// `tls-prefer-server-ciphers`: the server's order of suites wins over the client's.
    pub prefer_server_ciphers: bool,
    /// `tls-session-caching`: resumable sessions.
    pub session_caching: bool,
    /// `tls-session-cache-size`: sessions the cache keeps.
    pub session_cache_size: u64,
    /// `tls-session-cache-timeout`: seconds a cached session stays valid.
    pub session_cache_timeout: u64,
    /// `tls-replication`: replication links use TLS (accepted; there is no replication yet).
    pub replication: bool,
    /// `tls-cluster`: the cluster bus uses TLS (accepted; there is no cluster mode yet).
    pub cluster: bool,
    /// `http-tls` (ferrokv's own): the HTTP API and `metrics-port` serve HTTPS with the same
    /// certificate, key, CA and `tls-auth-clients` as `tls-port`.
    pub http: bool,
}

impl TlsValues {
    /// Whether a TLS configuration is in use, so that a changed `tls-*` setting must load
    /// (Redis reloads only then: with TLS off a bad file is stored, and checked when used).
    pub fn active(&self) -> bool {
        self.port != 0 || self.http || self.replication || self.cluster
    }
}

impl Default for TlsValues {
    fn default() -> Self {
        TlsValues {
            port: 0,
            cert_file: String::new(),
            key_file: String::new(),
            key_file_pass: String::new(),
            client_cert_file: String::new(),
            client_key_file: String::new(),
            client_key_file_pass: String::new(),
            dh_params_file: String::new(),
            ca_cert_file: String::new(),
            ca_cert_dir: String::new(),
            auth_clients: "yes",
            protocols: String::new(),
            ciphers: String::new(),
            ciphersuites: String::new(),
            prefer_server_ciphers: false,
            session_caching: true,
            session_cache_size: 20480,
            session_cache_timeout: 300,
            replication: false,
            cluster: false,
            http: false,
        }
    }
}

/// A `tls-*` text setting (a file name, a list of names).
macro_rules! tls_text_param {
    ($name:literal, $field:ident) => {
        Param {
            name: $name,
            mutable: true,
            get: |v| v.tls.$field.clone(),
            set: |v, s| {
                v.tls.$field = s.to_string();
                Ok(())
            },
        }
    };
}

/// A yes/no `tls-*` setting.
macro_rules! tls_bool_param {
    ($name:literal, $field:ident, $mutable:literal) => {
        Param {
            name: $name,
            mutable: $mutable,
            get: |v| if v.tls.$field { "yes" } else { "no" }.to_string(),
            set: |v, s| {
                v.tls.$field = parse_bool(s)?;
                Ok(())
            },
        }
    };
}

/// The TLS settings, in one block of [`PARAMS`].
const TLS_PARAMS: [Param; 21] = [
    // Redis compatibility: `tls-port` is fixed at start-up, as `port` is here.
    Param {
        name: "tls-port",
        mutable: false,
        get: |v| v.tls.port.to_string(),
        set: |v, s| {
            v.tls.port = parse_u64(s, 0, 65535)? as u16;
            Ok(())
        },
    },
    tls_text_param!("tls-cert-file", cert_file),
    tls_text_param!("tls-key-file", key_file),
    tls_text_param!("tls-key-file-pass", key_file_pass),
    tls_text_param!("tls-client-cert-file", client_cert_file),
    tls_text_param!("tls-client-key-file", client_key_file),
    tls_text_param!("tls-client-key-file-pass", client_key_file_pass),
    tls_text_param!("tls-dh-params-file", dh_params_file),
    tls_text_param!("tls-ca-cert-file", ca_cert_file),
    tls_text_param!("tls-ca-cert-dir", ca_cert_dir),
    Param {
        name: "tls-auth-clients",
        mutable: true,
        get: |v| v.tls.auth_clients.to_string(),
        set: |v, s| {
            v.tls.auth_clients = match s.to_ascii_lowercase().as_str() {
                "no" => "no",
                "yes" => "yes",
                "optional" => "optional",
                _ => {
                    return Err(
                        "argument(s) must be one of the following: no, yes, optional".into(),
                    )
                }
            };
            Ok(())
        },
    },
    tls_text_param!("tls-protocols", protocols),
    tls_text_param!("tls-ciphers", ciphers),
    tls_text_param!("tls-ciphersuites", ciphersuites),
    tls_bool_param!("tls-prefer-server-ciphers", prefer_server_ciphers, true),
    tls_bool_param!("tls-session-caching", session_caching, true),
    Param {
        name: "tls-session-cache-size",
        mutable: true,
        get: |v| v.tls.session_cache_size.to_string(),
        set: |v, s| {
            v.tls.session_cache_size = parse_count(s, 0, i32::MAX as i64)? as u64;
            Ok(())
        },
    },
    Param {
        name: "tls-session-cache-timeout",
        mutable: true,
        get: |v| v.tls.session_cache_timeout.to_string(),
        set: |v, s| {
            v.tls.session_cache_timeout = parse_count(s, 0, i32::MAX as i64)? as u64;
            Ok(())
        },
    },
    tls_bool_param!("tls-replication", replication, true),
    tls_bool_param!("tls-cluster", cluster, true),
    // ferrokv's own: HTTPS on the HTTP ports, fixed at start-up like the listeners.
    tls_bool_param!("http-tls", http, false),
];

/// Checks a CONFIG SET about to be committed: given the new values and the settings named,
/// an error `(setting, message)` rejects the whole command and keeps the old values. The
/// server installs one to reload TLS certificates ([`Config::set_apply_hook`]).
pub type ApplyHook =
    Box<dyn Fn(&Values, &[(String, String)]) -> Result<(), (String, String)> + Send + Sync>;

/// `appendfsync`: when written records are made durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fsync {
    /// Before the reply of the write is sent (group commit across clients).
    Always,
    /// About once a second.
    EverySec,
    /// When the operating system decides.
    No,
}

impl Fsync {
    /// Parses a redis.conf value.
    pub fn parse(s: &str) -> Option<Fsync> {
        match s.to_ascii_lowercase().as_str() {
            "always" => Some(Fsync::Always),
            "everysec" => Some(Fsync::EverySec),
            "no" => Some(Fsync::No),
            _ => None,
        }
    }

    /// The redis.conf name.
    pub fn name(self) -> &'static str {
        match self {
            Fsync::Always => "always",
            Fsync::EverySec => "everysec",
            Fsync::No => "no",
        }
    }
}

/// How a parameter's value is read and printed.
#[derive(Clone, Copy)]
pub struct Param {
    /// redis.conf name.
    pub name: &'static str,
    /// False when only the config file and flags may set it.
    pub mutable: bool,
    get: fn(&Values) -> String,
    set: fn(&mut Values, &str) -> Result<(), String>,
}

fn parse_u64(v: &str, min: u64, max: u64) -> Result<u64, String> {
    let negative = v
        .strip_prefix('-')
        .is_some_and(|rest| parse_memory(rest).is_some_and(|n| n > 0));
    let n = parse_memory(v)
        .or(negative.then_some(0))
        .ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
    // A negative number is out of range, as Redis says, rather than unparsable.
    if negative || n < min || n > max {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(n)
}

/// `save`: pairs of non-negative integers, `""` or nothing for none.
fn parse_save(v: &str) -> Result<Vec<(u64, u64)>, String> {
    let words: Vec<&str> = v.split_whitespace().filter(|w| *w != "\"\"").collect();
    if !words.len().is_multiple_of(2) {
        return Err("Invalid save parameters".into());
    }
    words
        .chunks(2)
        .map(|p| match (p[0].parse::<u64>(), p[1].parse::<u64>()) {
            (Ok(s), Ok(c)) if s <= i32::MAX as u64 && c <= i32::MAX as u64 => Ok((s, c)),
            _ => Err("Invalid save parameters".into()),
        })
        .collect()
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

/// Parses `1gb`, `512mb`, `100k`, plain numbers (redis.conf memory units).
pub fn parse_memory(v: &str) -> Option<u64> {
    let lower = v.to_ascii_lowercase();
    let units: [(&str, u64); 8] = [
        ("kb", 1024),
        ("mb", 1024 * 1024),
        ("gb", 1024 * 1024 * 1024),
        ("k", 1000),
        ("m", 1000 * 1000),
        ("g", 1000 * 1000 * 1000),
        ("b", 1),
        ("", 1),
    ];
    for (suffix, mul) in units {
        if let Some(num) = lower.strip_suffix(suffix) {
            if num.is_empty() || !num.bytes().all(|c| c.is_ascii_digit()) {
                if suffix.is_empty() {
                    return None;
                }
                continue;
            }
            return num.parse::<u64>().ok()?.checked_mul(mul);
        }
    }
    None
}

/// A compact-encoding threshold and its pre-7.0 `ziplist` alias, which Redis 7.0 still accepts
/// and lists in CONFIG GET. `$parse` reads the value: [`parse_count`] for counts, [`parse_size`]
/// for byte sizes (which take memory units, as in Redis).
macro_rules! encoding_params {
    ($($name:literal, $alias:literal, $field:ident, $parse:ident, $min:expr, $max:expr;)*) => {
        [$(
            Param {
                name: $name,
                mutable: true,
                get: |v| v.encodings.$field.to_string(),
                set: |v, s| {
                    v.encodings.$field = $parse(s, $min, $max)?;
                    Ok(())
                },
            },
            Param {
                name: $alias,
                mutable: true,
                get: |v| v.encodings.$field.to_string(),
                set: |v, s| {
                    v.encodings.$field = $parse(s, $min, $max)?;
                    Ok(())
                },
            },
        )*]
    };
}

fn in_range(n: i64, min: i64, max: i64) -> Result<i64, String> {
    if n < min || n > max {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(n)
}

/// [`parse_memory`]'s forms with Redis's overflow rules (see [`parse_size`]).
pub fn memtoull(v: &str) -> Option<u64> {
    let lower = v.to_ascii_lowercase();
    let digits_end = lower.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = lower.split_at(digits_end);
    let mul = match unit {
        "" | "b" => 1u64,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if num.is_empty() {
        return None;
    }
    let n = num.parse::<u64>().unwrap_or(u64::MAX);
    Some(n.wrapping_mul(mul))
}

/// An integer setting: plain decimal, no units.
fn parse_count(v: &str, min: i64, max: i64) -> Result<i64, String> {
    let n = resp::number::parse_i64(v.as_bytes())
        .ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
    in_range(n, min, max)
}

/// A byte-size setting: digits with an optional memory unit (`1kb`, `2k`). Read as Redis's
/// `memtoull`: digits past `u64::MAX` saturate and the unit's product wraps, so an overlong
/// number is out of range rather than not a memory value.
fn parse_size(v: &str, min: i64, max: i64) -> Result<i64, String> {
    let n = parse_memory(v)
        .or_else(|| memtoull(v))
        .ok_or_else(|| "argument must be a memory value".to_string())?;
    match i64::try_from(n) {
        Ok(n) => in_range(n, min, max),
        Err(_) => Err(format!(
            "argument must be between {min} and {max} inclusive"
        )),
    }
}

const ENCODING_PARAMS: [Param; 10] = encoding_params! {
    "hash-max-listpack-entries", "hash-max-ziplist-entries", hash_entries, parse_count, 0, i64::MAX;
    "hash-max-listpack-value", "hash-max-ziplist-value", hash_value, parse_size, 0, i64::MAX;
    "zset-max-listpack-entries", "zset-max-ziplist-entries", zset_entries, parse_count, 0, i64::MAX;
    "zset-max-listpack-value", "zset-max-ziplist-value", zset_value, parse_size, 0, i64::MAX;
    "list-max-listpack-size", "list-max-ziplist-size", list_size, parse_count, i64::from(i32::MIN), i64::from(i32::MAX);
};

/// A yes/no `lazyfree-lazy-*` setting.
macro_rules! lazyfree_param {
    ($name:literal, $field:ident) => {
        Param {
            name: $name,
            mutable: true,
            get: |v| if v.$field { "yes" } else { "no" }.to_string(),
            set: |v, s| {
                v.$field = parse_bool(s)?;
                Ok(())
            },
        }
    };
}

/// `busy-reply-threshold`, also known by its pre-7.0 name `lua-time-limit`.
const BUSY_REPLY_THRESHOLD: Param = Param {
    name: "busy-reply-threshold",
    mutable: true,
    get: |v| v.busy_reply_threshold.to_string(),
    set: |v, s| {
        v.busy_reply_threshold = parse_u64(s, 0, i64::MAX as u64)?;
        Ok(())
    },
};

/// How SIGINT or SIGTERM stops the server (`shutdown-on-sigint`, `shutdown-on-sigterm`): by
/// default as SHUTDOWN without arguments (a final snapshot when save points are set, and a
/// snapshot that fails keeps the server running); `save` / `nosave` decide the snapshot;
/// `force` exits even when it fails; `now` is accepted (there are no replicas to wait for).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShutdownFlags {
    /// Some(true): save; Some(false): do not; None: as the save points say.
    pub save: Option<bool>,
    /// Exit even if the snapshot fails.
    pub force: bool,
    /// Do not wait for replicas.
    pub now: bool,
}

impl ShutdownFlags {
    fn parse(s: &str) -> Result<ShutdownFlags, String> {
        let mut f = ShutdownFlags::default();
        let words: Vec<String> = s.split_whitespace().map(str::to_ascii_lowercase).collect();
        let bad = || {
            "argument(s) must be one of the following: default, save, nosave, now, force"
                .to_string()
        };
        if words.is_empty() {
            return Err(bad());
        }
        for w in &words {
            match w.as_str() {
                "default" => {}
                "save" => f.save = Some(true),
                "nosave" => f.save = Some(false),
                "now" => f.now = true,
                "force" => f.force = true,
                _ => return Err(bad()),
            }
        }
        if words.iter().any(|w| w == "save") && words.iter().any(|w| w == "nosave") {
            return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into());
        }
        Ok(f)
    }

    fn show(&self) -> String {
        let mut w = Vec::new();
        match self.save {
            Some(true) => w.push("save"),
            Some(false) => w.push("nosave"),
            None => {}
        }
        if self.now {
            w.push("now");
        }
        if self.force {
            w.push("force");
        }
        if w.is_empty() {
            "default".to_string()
        } else {
            w.join(" ")
        }
    }
}

/// What an inert setting accepts.
#[derive(Clone, Copy, Debug)]
pub enum InertKind {
    /// yes / no.
    Bool,
    /// An integer in the range.
    Int(i64, i64),
    /// One of the words.
    Enum(&'static [&'static str]),
    /// Any text.
    Text,
}

/// A Redis 7.0 setting accepted for compatibility (a stock redis.conf starts ferrokv) that
/// has no effect here: a value other than Redis's default is logged, with what ferrokv does
/// instead, at start-up and by CONFIG SET.
#[derive(Clone, Copy, Debug)]
pub struct Inert {
    /// redis.conf name.
    pub name: &'static str,
    /// Redis 7.0's default, as CONFIG GET prints it.
    pub default: &'static str,
    /// Whether CONFIG SET may change it (as in Redis).
    pub mutable: bool,
    /// What it accepts.
    pub kind: InertKind,
    /// Why it changes nothing here.
    pub why: &'static str,
}

const NO_REPLICATION: &str = "replication is not available yet (REPLICAOF is unknown)";

/// The inert settings.
pub const INERT: &[Inert] = &[
    Inert { name: "activerehashing", default: "yes", mutable: true, kind: InertKind::Bool, why: "shard tables grow and shrink as they are written; there is no background rehash" },
    Inert { name: "enable-module-command", default: "no", mutable: false, kind: InertKind::Enum(&["no", "yes", "local"]), why: "there is no MODULE command: modules cannot be loaded" },
    Inert { name: "always-show-logo", default: "no", mutable: false, kind: InertKind::Bool, why: "ferrokv prints no logo" },
    Inert { name: "aof-rewrite-incremental-fsync", default: "yes", mutable: true, kind: InertKind::Bool, why: "a rewrite's files are synced once, when complete" },
    Inert { name: "aof-timestamp-enabled", default: "no", mutable: true, kind: InertKind::Bool, why: "the AOF carries no timestamp annotations" },
    Inert { name: "disable-thp", default: "yes", mutable: false, kind: InertKind::Bool, why: "there is no fork, so transparent huge pages cost nothing extra: they are left as the system sets them" },
    Inert { name: "dynamic-hz", default: "yes", mutable: true, kind: InertKind::Bool, why: "hz stays as set; active expiry follows an exact deadline index, not sampling" },
    Inert { name: "jemalloc-bg-thread", default: "yes", mutable: true, kind: InertKind::Bool, why: "ferrokv uses the system allocator" },
    Inert { name: "no-appendfsync-on-rewrite", default: "no", mutable: true, kind: InertKind::Bool, why: "rewrites run without fork and never hold back the AOF's fsyncs" },
    Inert { name: "oom-score-adj", default: "no", mutable: true, kind: InertKind::Enum(&["no", "yes", "relative", "absolute"]), why: "the OOM score is left as the system sets it" },
    Inert { name: "oom-score-adj-values", default: "0 200 800", mutable: true, kind: InertKind::Text, why: "the OOM score is left as the system sets it" },
    Inert { name: "proc-title-template", default: "{title} {listen-addr} {server-mode}", mutable: true, kind: InertKind::Text, why: "the process title is not changed" },
    Inert { name: "set-proc-title", default: "yes", mutable: false, kind: InertKind::Bool, why: "the process title is not changed" },
    Inert { name: "rdb-del-sync-files", default: "no", mutable: true, kind: InertKind::Bool, why: NO_REPLICATION },
    Inert { name: "rdb-save-incremental-fsync", default: "yes", mutable: true, kind: InertKind::Bool, why: "a snapshot is synced once, when complete" },
    Inert { name: "repl-disable-tcp-nodelay", default: "no", mutable: true, kind: InertKind::Bool, why: NO_REPLICATION },
    Inert { name: "repl-diskless-load", default: "disabled", mutable: true, kind: InertKind::Enum(&["disabled", "on-empty-db", "swapdb"]), why: NO_REPLICATION },
    Inert { name: "repl-diskless-sync", default: "yes", mutable: true, kind: InertKind::Bool, why: NO_REPLICATION },
    Inert { name: "repl-diskless-sync-delay", default: "5", mutable: true, kind: InertKind::Int(0, i32::MAX as i64), why: NO_REPLICATION },
    Inert { name: "repl-diskless-sync-max-replicas", default: "0", mutable: true, kind: InertKind::Int(0, i32::MAX as i64), why: NO_REPLICATION },
    Inert { name: "replica-lazy-flush", default: "no", mutable: true, kind: InertKind::Bool, why: NO_REPLICATION },
    Inert { name: "replica-priority", default: "100", mutable: true, kind: InertKind::Int(0, i32::MAX as i64), why: NO_REPLICATION },
    Inert { name: "replica-read-only", default: "yes", mutable: true, kind: InertKind::Bool, why: NO_REPLICATION },
    Inert { name: "replica-serve-stale-data", default: "yes", mutable: true, kind: InertKind::Bool, why: NO_REPLICATION },
    Inert { name: "tcp-backlog", default: "511", mutable: false, kind: InertKind::Int(0, i32::MAX as i64), why: "listeners use the runtime's backlog (1024)" },
];

/// Reads an inert setting's value as Redis would (the canonical text CONFIG GET shows).
fn parse_inert(x: &Inert, s: &str) -> Result<String, String> {
    match x.kind {
        InertKind::Bool => parse_bool(s).map(|b| if b { "yes" } else { "no" }.to_string()),
        InertKind::Int(min, max) => parse_count(s, min, max).map(|n| n.to_string()),
        InertKind::Enum(words) => words
            .iter()
            .find(|w| w.eq_ignore_ascii_case(s))
            // Redis shows an enum by the first name of its value: `relative` is `yes`.
            .map(|w| if *w == "relative" { "yes" } else { w }.to_string())
            .ok_or_else(|| {
                format!(
                    "argument(s) must be one of the following: {}",
                    words.join(", ")
                )
            }),
        InertKind::Text => Ok(s.to_string()),
    }
}

/// The inert setting `name`, if it is one.
pub fn inert(name: &str) -> Option<&'static Inert> {
    INERT.iter().find(|x| x.name.eq_ignore_ascii_case(name))
}

/// The inert settings whose value is not Redis's default, with why each changes nothing.
pub fn inert_changed(v: &Values) -> Vec<(&'static str, String, &'static str)> {
    INERT
        .iter()
        .filter_map(|x| {
            let value = v.inert.get(x.name)?;
            (value != x.default).then(|| (x.name, value.clone(), x.why))
        })
        .collect()
}

/// A [`Param`] for each inert setting (`$i` indexes [`INERT`]).
macro_rules! inert_params {
    ($($i:literal)*) => {
        [$(
            Param {
                name: INERT[$i].name,
                mutable: INERT[$i].mutable,
                get: |v| v.inert.get(INERT[$i].name).cloned().unwrap_or_default(),
                set: |v, s| {
                    let value = parse_inert(&INERT[$i], s)?;
                    v.inert.insert(INERT[$i].name, value);
                    Ok(())
                },
            },
        )*]
    };
}

const INERT_PARAMS: [Param; 25] =
    inert_params!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24);

/// Every setting.
pub const PARAMS: &[Param] = &[
    ENCODING_PARAMS[0],
    ENCODING_PARAMS[1],
    ENCODING_PARAMS[2],
    ENCODING_PARAMS[3],
    ENCODING_PARAMS[4],
    ENCODING_PARAMS[5],
    ENCODING_PARAMS[6],
    ENCODING_PARAMS[7],
    ENCODING_PARAMS[8],
    ENCODING_PARAMS[9],
    Param {
        // Redis compresses inner list nodes at this depth; ferrokv's large lists are not
        // compressed, so the setting is kept (for configuration files and CONFIG GET) and
        // has no effect.
        name: "list-compress-depth",
        mutable: true,
        get: |v| v.encodings.list_compress_depth.to_string(),
        set: |v, s| {
            v.encodings.list_compress_depth = parse_count(s, 0, i64::from(i32::MAX))?;
            Ok(())
        },
    },
    Param {
        name: "set-max-intset-entries",
        mutable: true,
        get: |v| v.encodings.set_intset_entries.to_string(),
        set: |v, s| {
            v.encodings.set_intset_entries = parse_count(s, 0, i64::MAX)?;
            Ok(())
        },
    },
    Param {
        name: "stream-node-max-bytes",
        mutable: true,
        get: |v| v.stream_node_max_bytes.to_string(),
        set: |v, s| {
            v.stream_node_max_bytes = parse_size(s, 0, i64::MAX)? as u64;
            Ok(())
        },
    },
    Param {
        name: "stream-node-max-entries",
        mutable: true,
        get: |v| v.stream_node_max_entries.to_string(),
        set: |v, s| {
            v.stream_node_max_entries = parse_count(s, 0, i64::MAX)? as u64;
            Ok(())
        },
    },
    Param {
        name: "hll-sparse-max-bytes",
        mutable: true,
        get: |v| v.hll_sparse_max_bytes.to_string(),
        set: |v, s| {
            v.hll_sparse_max_bytes = parse_size(s, 0, i64::MAX)? as u64;
            Ok(())
        },
    },
    BUSY_REPLY_THRESHOLD,
    Param {
        name: "lua-time-limit",
        ..BUSY_REPLY_THRESHOLD
    },
    Param {
        name: "port",
        mutable: false,
        get: |v| v.port.to_string(),
        set: |v, s| {
            v.port = parse_u64(s, 0, 65535)? as u16;
            Ok(())
        },
    },
    Param {
        name: "bind",
        mutable: false,
        get: |v| v.bind.join(" "),
        set: |v, s| {
            v.bind = s.split_whitespace().map(str::to_string).collect();
            Ok(())
        },
    },
    Param {
        name: "databases",
        mutable: false,
        get: |v| v.databases.to_string(),
        set: |v, s| {
            v.databases = parse_u64(s, 1, 1 << 20)? as usize;
            Ok(())
        },
    },
    // Immutable as in Redis 7.0 (a protected config): only the config file and flags enable
    // DEBUG.
    Param {
        name: "unixsocket",
        mutable: false,
        get: |v| v.unixsocket.clone(),
        set: |v, s| {
            v.unixsocket = s.to_string();
            Ok(())
        },
    },
    Param {
        name: "unixsocketperm",
        mutable: false,
        get: |v| format!("{:o}", v.unixsocketperm),
        set: |v, s| {
            // Octal, as Redis reads it (`strtol(..., 8)` within 0..=0777).
            v.unixsocketperm = u32::from_str_radix(s, 8)
                .ok()
                .filter(|p| *p <= 0o777)
                .ok_or("argument must be between 0 and 511 inclusive")?;
            Ok(())
        },
    },
    Param {
        name: "enable-protected-configs",
        mutable: false,
        get: |v| v.enable_protected_configs.to_string(),
        set: |v, s| {
            v.enable_protected_configs = ["no", "yes", "local"]
                .into_iter()
                .find(|o| o.eq_ignore_ascii_case(s))
                .ok_or("argument(s) must be one of the following: no, yes, local")?;
            Ok(())
        },
    },
    Param {
        name: "enable-debug-command",
        mutable: false,
        get: |v| v.enable_debug_command.to_string(),
        set: |v, s| {
            v.enable_debug_command = ["no", "yes", "local"]
                .into_iter()
                .find(|o| o.eq_ignore_ascii_case(s))
                .ok_or("argument(s) must be one of the following: no, yes, local")?;
            Ok(())
        },
    },
    Param {
        name: "dir",
        mutable: false,
        get: |v| v.dir.clone(),
        set: |v, s| {
            v.dir = s.to_string();
            Ok(())
        },
    },
    Param {
        name: "proto-max-bulk-len",
        mutable: true,
        get: |v| v.proto_max_bulk_len.to_string(),
        set: |v, s| {
            // An entry stores lengths in 32 bits, so the limit stops just below 4 GB.
            v.proto_max_bulk_len = parse_u64(s, 1024 * 1024, u64::from(u32::MAX))?;
            Ok(())
        },
    },
    Param {
        name: "client-query-buffer-limit",
        mutable: true,
        get: |v| v.client_query_buffer_limit.to_string(),
        set: |v, s| {
            v.client_query_buffer_limit = parse_u64(s, 1024 * 1024, i64::MAX as u64)?;
            Ok(())
        },
    },
    Param {
        name: "maxclients",
        mutable: true,
        get: |v| v.maxclients.to_string(),
        set: |v, s| {
            v.maxclients = parse_u64(s, 1, u32::MAX as u64)?;
            Ok(())
        },
    },
    Param {
        name: "timeout",
        mutable: true,
        get: |v| v.timeout.to_string(),
        set: |v, s| {
            v.timeout = parse_u64(s, 0, i32::MAX as u64)?;
            Ok(())
        },
    },
    Param {
        name: "tcp-keepalive",
        mutable: true,
        get: |v| v.tcp_keepalive.to_string(),
        set: |v, s| {
            v.tcp_keepalive = parse_u64(s, 0, i32::MAX as u64)?;
            Ok(())
        },
    },
    Param {
        name: "hz",
        mutable: true,
        get: |v| v.hz.to_string(),
        set: |v, s| {
            // Redis clamps hz to 1..=500 rather than refusing.
            let n = parse_u64(s, 0, i64::MAX as u64)?;
            v.hz = n.clamp(1, 500);
            Ok(())
        },
    },
    Param {
        name: "logfile",
        mutable: false,
        get: |v| v.logfile.clone(),
        set: |v, s| {
            v.logfile = s.to_string();
            Ok(())
        },
    },
    Param {
        name: "pidfile",
        mutable: false,
        get: |v| v.pidfile.clone(),
        set: |v, s| {
            v.pidfile = s.to_string();
            Ok(())
        },
    },
    Param {
        name: "daemonize",
        mutable: false,
        get: |v| if v.daemonize { "yes" } else { "no" }.to_string(),
        set: |v, s| {
            v.daemonize = parse_bool(s)?;
            Ok(())
        },
    },
    Param {
        name: "acllog-max-len",
        mutable: true,
        get: |v| v.acllog_max_len.to_string(),
        set: |v, s| {
            v.acllog_max_len =
                usize::try_from(parse_u64(s, 0, i64::MAX as u64)?).unwrap_or(usize::MAX);
            Ok(())
        },
    },
    Param {
        name: "aclfile",
        mutable: false,
        get: |v| v.aclfile.clone(),
        set: |v, s| {
            v.aclfile = s.to_string();
            Ok(())
        },
    },
    Param {
        name: "acl-pubsub-default",
        mutable: true,
        get: |v| {
            if v.acl_allchannels {
                "allchannels"
            } else {
                "resetchannels"
            }
            .to_string()
        },
        set: |v, s| {
            v.acl_allchannels = match s.to_ascii_lowercase().as_str() {
                "allchannels" => true,
                "resetchannels" => false,
                _ => {
                    return Err(
                        "argument(s) must be one of the following: allchannels, resetchannels"
                            .into(),
                    )
                }
            };
            Ok(())
        },
    },
    Param {
        name: "syslog-enabled",
        mutable: false,
        get: |v| if v.syslog_enabled { "yes" } else { "no" }.to_string(),
        set: |v, s| {
            v.syslog_enabled = parse_bool(s)?;
            Ok(())
        },
    },
    Param {
        name: "syslog-ident",
        mutable: false,
        get: |v| v.syslog_ident.clone(),
        set: |v, s| {
            v.syslog_ident = s.to_string();
            Ok(())
        },
    },
    Param {
        name: "syslog-facility",
        mutable: false,
        get: |v| v.syslog_facility.clone(),
        set: |v, s| {
            let s = s.to_ascii_lowercase();
            if s != "user"
                && !(s.len() == 6
                    && s.starts_with("local")
                    && (b'0'..=b'7').contains(&s.as_bytes()[5]))
            {
                return Err("argument(s) must be one of the following: user, local0, local1, local2, local3, local4, local5, local6, local7".into());
            }
            v.syslog_facility = s;
            Ok(())
        },
    },
    Param {
        name: "shutdown-on-sigint",
        mutable: true,
        get: |v| v.shutdown_on_sig[0].show(),
        set: |v, s| {
            v.shutdown_on_sig[0] = ShutdownFlags::parse(s)?;
            Ok(())
        },
    },
    Param {
        name: "shutdown-on-sigterm",
        mutable: true,
        get: |v| v.shutdown_on_sig[1].show(),
        set: |v, s| {
            v.shutdown_on_sig[1] = ShutdownFlags::parse(s)?;
            Ok(())
        },
    },
    Param {
        name: "loglevel",
        mutable: false,
        get: |v| v.loglevel.clone(),
        set: |v, s| {
            let s = s.to_ascii_lowercase();
            if !["debug", "verbose", "notice", "warning", "nothing"].contains(&s.as_str()) {
                return Err("argument(s) must be one of the following: debug, verbose, notice, warning, nothing".into());
            }
            v.loglevel = s;
            Ok(())
        },
    },
    Param {
        name: "http-port",
        mutable: false,
        get: |v| v.http_listen_port().unwrap_or(0).to_string(),
        set: |v, s| {
            v.http_port = Some(parse_u64(s, 0, 65535)? as u16);
            Ok(())
        },
    },
    Param {
        name: "http-bind",
        mutable: false,
        get: |v| v.http_bind.clone(),
        set: |v, s| {
            v.http_bind = s.trim().to_string();
            Ok(())
        },
    },
    Param {
        name: "metrics-port",
        mutable: false,
        get: |v| v.metrics_port.to_string(),
        set: |v, s| {
            v.metrics_port = parse_u64(s, 0, 65535)? as u16;
            Ok(())
        },
    },
    Param {
        name: "client-output-buffer-limit",
        mutable: true,
        get: |v| {
            let parts: Vec<String> = OUTPUT_CLASSES
                .iter()
                .zip(v.output_limits.iter())
                .map(|(c, l)| format!("{c} {} {} {}", l.hard, l.soft, l.soft_seconds))
                .collect();
            parts.join(" ")
        },
        set: |v, s| {
            // "<class> <hard> <soft> <seconds>" groups, as redis.conf writes them.
            let words: Vec<&str> = s.split_whitespace().collect();
            if words.is_empty() || !words.len().is_multiple_of(4) {
                return Err("Wrong number of arguments in buffer limit configuration.".into());
            }
            let mut next = v.output_limits;
            for g in words.chunks(4) {
                let class = match g[0].to_ascii_lowercase().as_str() {
                    "normal" => 0,
                    "slave" | "replica" => 1,
                    "pubsub" => 2,
                    _ => {
                        return Err(
                            "Invalid client class specified in buffer limit configuration.".into(),
                        )
                    }
                };
                let hard = parse_memory(g[1]);
                let soft = parse_memory(g[2]);
                let secs = g[3].parse::<u64>().ok();
                let (Some(hard), Some(soft), Some(secs)) = (hard, soft, secs) else {
                    return Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".into());
                };
                next[class] = BufferLimit {
                    hard,
                    soft,
                    soft_seconds: secs,
                };
            }
            v.output_limits = next;
            Ok(())
        },
    },
    Param {
        name: "notify-keyspace-events",
        mutable: true,
        get: |v| crate::notify::format(v.notify_keyspace_events),
        set: |v, s| {
            v.notify_keyspace_events = crate::notify::parse(s)?;
            Ok(())
        },
    },
    Param {
        name: "tracking-table-max-keys",
        mutable: true,
        get: |v| v.tracking_table_max_keys.to_string(),
        set: |v, s| {
            v.tracking_table_max_keys = parse_u64(s, 0, i64::MAX as u64)?;
            Ok(())
        },
    },
    Param {
        name: "requirepass",
        mutable: true,
        get: |v| v.requirepass.clone(),
        set: |v, s| {
            v.requirepass = s.to_string();
            Ok(())
        },
    },
    Param {
        name: "protected-mode",
        mutable: true,
        get: |v| if v.protected_mode { "yes" } else { "no" }.to_string(),
        set: |v, s| {
            v.protected_mode = parse_bool(s)?;
            Ok(())
        },
    },
    Param {
        name: "save",
        mutable: true,
        get: |v| {
            let pairs: Vec<String> = v.save.iter().map(|(s, c)| format!("{s} {c}")).collect();
            pairs.join(" ")
        },
        set: |v, s| {
            v.save = parse_save(s)?;
            Ok(())
        },
    },
    Param {
        name: "stop-writes-on-bgsave-error",
        mutable: true,
        get: |v| {
            if v.stop_writes_on_bgsave_error {
                "yes"
            } else {
                "no"
            }
            .to_string()
        },
        set: |v, s| {
            v.stop_writes_on_bgsave_error = parse_bool(s)?;
            Ok(())
        },
    },
    Param {
        name: "auto-aof-rewrite-percentage",
        mutable: true,
        get: |v| v.auto_aof_rewrite_percentage.to_string(),
        set: |v, s| {
            v.auto_aof_rewrite_percentage = parse_u64(s, 0, i32::MAX as u64)?;
            Ok(())
        },
    },
    Param {
        name: "auto-aof-rewrite-min-size",
        mutable: true,
        get: |v| v.auto_aof_rewrite_min_size.to_string(),
        set: |v, s| {
            v.auto_aof_rewrite_min_size = parse_u64(s, 0, i64::MAX as u64)?;
            Ok(())
        },
    },
    Param {
        name: "aof-use-rdb-preamble",
        mutable: true,
        get: |v| if v.aof_use_rdb_preamble { "yes" } else { "no" }.to_string(),
        set: |v, s| {
            v.aof_use_rdb_preamble = parse_bool(s)?;
            Ok(())
        },
    },
    // Switching it on at run time starts a rewrite that creates the base (the AOF counts as
    // on once it is done); switching it off stops logging after an fsync.
    Param {
        name: "appendonly",
        mutable: true,
        get: |v| if v.appendonly { "yes" } else { "no" }.to_string(),
        set: |v, s| {
            v.appendonly = parse_bool(s)?;
            Ok(())
        },
    },
    Param {
        name: "dbfilename",
        mutable: true,
        get: |v| v.dbfilename.clone(),
        set: |v, s| {
            if s.is_empty() || s.contains('/') {
                return Err("dbfilename can't be a path, just a filename".into());
            }
            v.dbfilename = s.to_string();
            Ok(())
        },
    },
    Param {
        name: "appendfsync",
        mutable: true,
        get: |v| v.appendfsync.name().to_string(),
        set: |v, s| {
            v.appendfsync = Fsync::parse(s)
                .ok_or("argument(s) must be one of the following: everysec, always, no")?;
            Ok(())
        },
    },
    Param {
        name: "appenddirname",
        mutable: false,
        get: |v| v.appenddirname.clone(),
        set: |v, s| {
            if s.is_empty() || s.contains('/') {
                return Err("appenddirname can't be a path, just a dirname".into());
            }
            v.appenddirname = s.to_string();
            Ok(())
        },
    },
    Param {
        name: "appendfilename",
        mutable: false,
        get: |v| v.appendfilename.clone(),
        set: |v, s| {
            if s.is_empty() || s.contains('/') {
                return Err("appendfilename can't be a path, just a filename".into());
            }
            v.appendfilename = s.to_string();
            Ok(())
        },
    },
    Param {
        name: "rdbcompression",
        mutable: true,
        get: |v| if v.rdbcompression { "yes" } else { "no" }.to_string(),
        set: |v, s| {
            v.rdbcompression = parse_bool(s)?;
            Ok(())
        },
    },
    // Immutable as in Redis 7.0: set in the config file or on the command line.
    Param {
        name: "rdbchecksum",
        mutable: false,
        get: |v| if v.rdbchecksum { "yes" } else { "no" }.to_string(),
        set: |v, s| {
            v.rdbchecksum = parse_bool(s)?;
            Ok(())
        },
    },
    Param {
        name: "maxmemory",
        mutable: true,
        get: |v| v.maxmemory.to_string(),
        set: |v, s| {
            v.maxmemory = parse_memory(s).ok_or("argument must be a memory value")?;
            Ok(())
        },
    },
    Param {
        name: "maxmemory-policy",
        mutable: true,
        get: |v| v.maxmemory_policy.name().to_string(),
        set: |v, s| {
            v.maxmemory_policy = crate::memory::Policy::parse(s).ok_or(
                "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
            )?;
            Ok(())
        },
    },
    Param {
        name: "maxmemory-clients",
        mutable: true,
        get: |v| match v.maxmemory_clients {
            n if n < 0 => format!("{}%", -n),
            n => n.to_string(),
        },
        set: |v, s| {
            const BAD: &str = "argument must be a memory or percent value";
            let n = match s.strip_suffix('%') {
                Some(p) => {
                    let p: i64 = p.parse().map_err(|_| BAD)?;
                    if p < 0 {
                        return Err(BAD.into());
                    }
                    if p > 100 {
                        return Err("percentage argument must be less or equal to 100".into());
                    }
                    -p
                }
                None => i64::try_from(parse_memory(s).ok_or(BAD)?).map_err(|_| BAD)?,
            };
            if n != 0 && n != v.maxmemory_clients {
                tracing::warn!(
                    "maxmemory-clients is accepted but has no effect: clients are not evicted for their memory (client-output-buffer-limit bounds their buffers)"
                );
            }
            v.maxmemory_clients = n;
            Ok(())
        },
    },
    Param {
        name: "slowlog-log-slower-than",
        mutable: true,
        get: |v| v.slowlog_log_slower_than.to_string(),
        set: |v, s| {
            v.slowlog_log_slower_than = parse_count(s, -1, i64::MAX)?;
            Ok(())
        },
    },
    Param {
        name: "slowlog-max-len",
        mutable: true,
        get: |v| v.slowlog_max_len.to_string(),
        set: |v, s| {
            v.slowlog_max_len = parse_count(s, 0, i64::MAX)? as u64;
            Ok(())
        },
    },
    Param {
        name: "latency-monitor-threshold",
        mutable: true,
        get: |v| v.latency_monitor_threshold.to_string(),
        set: |v, s| {
            v.latency_monitor_threshold = parse_count(s, 0, i64::MAX)? as u64;
            Ok(())
        },
    },
    Param {
        name: "latency-tracking",
        mutable: true,
        get: |v| if v.latency_tracking { "yes" } else { "no" }.to_string(),
        set: |v, s| {
            v.latency_tracking = parse_bool(s)?;
            Ok(())
        },
    },
    Param {
        name: "latency-tracking-info-percentiles",
        mutable: true,
        get: |v| {
            v.latency_tracking_info_percentiles
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        },
        set: |v, s| {
            let mut out = Vec::new();
            for w in s.split_whitespace() {
                let p: f64 = w
                    .parse()
                    .ok()
                    .filter(|p: &f64| p.is_finite())
                    .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(
                        "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                            .into(),
                    );
                }
                out.push(p);
            }
            v.latency_tracking_info_percentiles = out;
            Ok(())
        },
    },
    Param {
        name: "maxmemory-samples",
        mutable: true,
        get: |v| v.maxmemory_samples.to_string(),
        set: |v, s| {
            v.maxmemory_samples = parse_count(s, 1, i64::from(i32::MAX))? as u64;
            Ok(())
        },
    },
    Param {
        name: "maxmemory-eviction-tenacity",
        mutable: true,
        get: |v| v.maxmemory_eviction_tenacity.to_string(),
        set: |v, s| {
            v.maxmemory_eviction_tenacity = parse_count(s, 0, 100)? as u64;
            Ok(())
        },
    },
    Param {
        name: "lfu-log-factor",
        mutable: true,
        get: |v| v.lfu_log_factor.to_string(),
        set: |v, s| {
            v.lfu_log_factor = parse_count(s, 0, i64::from(i32::MAX))? as u64;
            Ok(())
        },
    },
    Param {
        name: "lfu-decay-time",
        mutable: true,
        get: |v| v.lfu_decay_time.to_string(),
        set: |v, s| {
            v.lfu_decay_time = parse_count(s, 0, i64::from(i32::MAX))? as u64;
            Ok(())
        },
    },
    lazyfree_param!("lazyfree-lazy-eviction", lazyfree_lazy_eviction),
    lazyfree_param!("lazyfree-lazy-expire", lazyfree_lazy_expire),
    lazyfree_param!("lazyfree-lazy-server-del", lazyfree_lazy_server_del),
    lazyfree_param!("lazyfree-lazy-user-del", lazyfree_lazy_user_del),
    lazyfree_param!("lazyfree-lazy-user-flush", lazyfree_lazy_user_flush),
    Param {
        name: "aof-load-truncated",
        mutable: true,
        get: |v| if v.aof_load_truncated { "yes" } else { "no" }.to_string(),
        set: |v, s| {
            v.aof_load_truncated = parse_bool(s)?;
            Ok(())
        },
    },
    Param {
        name: "worker-threads",
        mutable: false,
        get: |v| v.worker_threads.to_string(),
        set: |v, s| {
            v.worker_threads = parse_u64(s, 0, 1024)?;
            Ok(())
        },
    },
    INERT_PARAMS[0],
    INERT_PARAMS[1],
    INERT_PARAMS[2],
    INERT_PARAMS[3],
    INERT_PARAMS[4],
    INERT_PARAMS[5],
    INERT_PARAMS[6],
    INERT_PARAMS[7],
    INERT_PARAMS[8],
    INERT_PARAMS[9],
    INERT_PARAMS[10],
    INERT_PARAMS[11],
    INERT_PARAMS[12],
    INERT_PARAMS[13],
    INERT_PARAMS[14],
    INERT_PARAMS[15],
    INERT_PARAMS[16],
    INERT_PARAMS[17],
    INERT_PARAMS[18],
    INERT_PARAMS[19],
    INERT_PARAMS[20],
    INERT_PARAMS[21],
    INERT_PARAMS[22],
    INERT_PARAMS[23],
    INERT_PARAMS[24],
    TLS_PARAMS[0],
    TLS_PARAMS[1],
    TLS_PARAMS[2],
    TLS_PARAMS[3],
    TLS_PARAMS[4],
    TLS_PARAMS[5],
    TLS_PARAMS[6],
    TLS_PARAMS[7],
    TLS_PARAMS[8],
    TLS_PARAMS[9],
    TLS_PARAMS[10],
    TLS_PARAMS[11],
    TLS_PARAMS[12],
    TLS_PARAMS[13],
    TLS_PARAMS[14],
    TLS_PARAMS[15],
    TLS_PARAMS[16],
    TLS_PARAMS[17],
    TLS_PARAMS[18],
    TLS_PARAMS[19],
    TLS_PARAMS[20],
];

/// Finds a parameter by name (case-insensitive).
pub fn param(name: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// The live configuration.
#[derive(Default)]
pub struct Config {
    values: RwLock<Values>,
    /// DEBUG QUICKLIST-PACKED-THRESHOLD: list elements at least this long are PLAIN quicklist
    /// nodes (in RDB files and DEBUG OBJECT). Not a setting: Redis keeps it outside its config.
    pub packed_threshold: std::sync::atomic::AtomicUsize,
    /// Runs before a CONFIG SET is committed (see [`ApplyHook`]).
    apply: std::sync::OnceLock<ApplyHook>,
}

impl Config {
    /// A configuration with these values.
    pub fn new(values: Values) -> Config {
        Config {
            values: RwLock::new(values),
            packed_threshold: std::sync::atomic::AtomicUsize::new(crate::rdb::PLAIN_THRESHOLD),
            apply: std::sync::OnceLock::new(),
        }
    }

    /// A snapshot of every value.
    pub fn values(&self) -> Values {
        self.values
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reads values without copying them all (the per-connection paths use it).
    pub fn read<R>(&self, f: impl FnOnce(&Values) -> R) -> R {
        f(&self.values.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// `databases`.
    pub fn databases(&self) -> usize {
        self.values
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .databases
    }

    /// `proto-max-bulk-len`.
    pub fn proto_max_bulk_len(&self) -> u64 {
        self.values
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .proto_max_bulk_len
    }

    /// The password clients must present, if one is configured.
    pub fn password(&self) -> Option<String> {
        let v = self.values.read().unwrap_or_else(|e| e.into_inner());
        (!v.requirepass.is_empty()).then(|| v.requirepass.clone())
    }

    /// The output buffer limit of pub/sub subscribers.
    pub fn pubsub_limit(&self) -> BufferLimit {
        self.values
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .output_limits[2]
    }

    /// The limit pushes a client did not ask for in a reply are held to (MONITOR lines,
    /// tracking invalidations): the normal class's when it sets one, else the pubsub class's.
    /// Redis compatibility: Redis leaves them unbounded under the default `normal 0 0 0`; here
    /// a monitor or tracking client that stops reading is dropped like a slow subscriber.
    pub fn push_limit(&self) -> BufferLimit {
        self.read(|v| {
            let normal = v.output_limits[0];
            if normal.hard > 0 || normal.soft > 0 {
                normal
            } else {
                v.output_limits[2]
            }
        })
    }

    /// `tracking-table-max-keys`.
    pub fn tracking_table_max_keys(&self) -> usize {
        self.values
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .tracking_table_max_keys as usize
    }

    /// `hz`.
    pub fn hz(&self) -> u64 {
        self.values.read().unwrap_or_else(|e| e.into_inner()).hz
    }

    /// What RDB files and DUMP payloads are written with: `rdbcompression` and `rdbchecksum`.
    /// The encodings stay Redis's defaults (a value is written in the encoding Redis would
    /// give it under the default thresholds, which is what a loading Redis expects most).
    pub fn rdb_options(&self) -> crate::rdb::Options {
        let v = self.values.read().unwrap_or_else(|e| e.into_inner());
        crate::rdb::Options {
            compression: v.rdbcompression,
            checksum: v.rdbchecksum,
            plain_threshold: self
                .packed_threshold
                .load(std::sync::atomic::Ordering::Relaxed),
            ..crate::rdb::Options::default()
        }
    }

    /// `stream-node-max-bytes` and `stream-node-max-entries`.
    pub fn stream_limits(&self) -> crate::types::stream::NodeLimits {
        let v = self.values.read().unwrap_or_else(|e| e.into_inner());
        crate::types::stream::NodeLimits {
            max_bytes: v.stream_node_max_bytes,
            max_entries: v.stream_node_max_entries,
        }
    }

    /// `hll-sparse-max-bytes`.
    pub fn hll_sparse_max_bytes(&self) -> u64 {
        self.read(|v| v.hll_sparse_max_bytes)
    }

    /// `busy-reply-threshold`, in ms.
    pub fn busy_reply_threshold(&self) -> u64 {
        self.values
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .busy_reply_threshold
    }

    /// `client-query-buffer-limit`.
    pub fn client_query_buffer_limit(&self) -> u64 {
        self.values
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .client_query_buffer_limit
    }

    /// `(name, value)` of every parameter matching any of `patterns` (CONFIG GET), each once.
    /// Redis compatibility: a pattern without glob characters is looked up directly and the
    /// reply names it as the client spelled it (`CONFIG GET DATABASES` answers `DATABASES`).
    pub fn get(&self, patterns: &[&[u8]]) -> Vec<(Vec<u8>, String)> {
        let v = self.values.read().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<(Vec<u8>, String)> = Vec::new();
        let mut seen: Vec<&'static str> = Vec::new();
        for pat in patterns {
            if !pat.iter().any(|c| matches!(c, b'*' | b'?' | b'[')) {
                let found = std::str::from_utf8(pat).ok().and_then(param);
                if let Some(p) = found.filter(|p| !seen.contains(&p.name)) {
                    seen.push(p.name);
                    out.push((pat.to_vec(), (p.get)(&v)));
                }
                continue;
            }
            for p in PARAMS {
                if !seen.contains(&p.name) && glob::matches(pat, p.name.as_bytes(), true) {
                    seen.push(p.name);
                    out.push((p.name.as_bytes().to_vec(), (p.get)(&v)));
                }
            }
        }
        out
    }

    /// Applies settings all-or-nothing, from the config file or flags (`startup`) or CONFIG SET.
    /// Errors carry Redis's CONFIG SET wording.
    pub fn set(&self, pairs: &[(String, String)], startup: bool) -> Result<(), String> {
        let mut v = self.values.write().unwrap_or_else(|e| e.into_inner());
        let mut next = v.clone();
        for (name, value) in pairs {
            let Some(p) = param(name) else {
                return Err(format!(
                    "Unknown option or number of arguments for CONFIG SET - '{name}'"
                ));
            };
            if !startup && !p.mutable {
                return Err(format!(
                    "CONFIG SET failed (possibly related to argument '{}') - can't set immutable config",
                    p.name
                ));
            }
            (p.set)(&mut next, value).map_err(|e| {
                format!(
                    "CONFIG SET failed (possibly related to argument '{}') - {e}",
                    p.name
                )
            })?;
        }
        if !startup {
            if let Some(hook) = self.apply.get() {
                // Under the write lock: two CONFIG SETs never reload out of order.
                hook(&next, pairs).map_err(|(name, e)| {
                    format!("CONFIG SET failed (possibly related to argument '{name}') - {e}")
                })?;
            }
        }
        *v = next;
        Ok(())
    }

    /// Installs the check every later CONFIG SET passes before it is committed (once; a
    /// second call is ignored). The hook must not read this configuration: it runs under
    /// its write lock.
    pub fn set_apply_hook(&self, hook: ApplyHook) {
        let _ = self.apply.set(hook);
    }
}

/// Settings CONFIG SET changes only as `enable-protected-configs` allows (Redis 7.0's
/// PROTECTED_CONFIG: where files are written).
pub const PROTECTED: &[&str] = &["dir", "dbfilename"];

/// Old names CONFIG REWRITE folds into the current ones (a file's `hash-max-ziplist-entries`
/// line is rewritten as `hash-max-listpack-entries`, as Redis does).
const ALIASES: &[(&str, &str)] = &[
    ("hash-max-ziplist-entries", "hash-max-listpack-entries"),
    ("hash-max-ziplist-value", "hash-max-listpack-value"),
    ("zset-max-ziplist-entries", "zset-max-listpack-entries"),
    ("zset-max-ziplist-value", "zset-max-listpack-value"),
    ("list-max-ziplist-size", "list-max-listpack-size"),
    ("lua-time-limit", "busy-reply-threshold"),
];

/// Settings whose value is a list of words, written unquoted (`bind 127.0.0.1 ::1`).
const LIST_PARAMS: &[&str] = &[
    "bind",
    "client-output-buffer-limit",
    "latency-tracking-info-percentiles",
];

/// The line Redis puts before the settings CONFIG REWRITE appends.
pub const REWRITE_SIGNATURE: &str = "# Generated by CONFIG REWRITE";

/// A value as a config-file word: bare when it can be, else in double quotes with escapes.
fn conf_word(v: &str) -> String {
    let plain = !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' && b != b'\'');
    if plain {
        return v.to_string();
    }
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The text CONFIG REWRITE leaves in a config file that held `old` (Redis's `rewriteConfig`):
/// comments, blank lines and unknown lines stay where they are; a setting's first line takes
/// its current value and its other lines go; a setting the file does not name is appended
/// after [`REWRITE_SIGNATURE`] unless it has its default value. `save` is always written, one
/// line per save point (`save ""` for none). Runs of blank lines become one.
pub fn rewrite(old: &str, v: &Values) -> String {
    let canonical = |name: &str| -> String {
        let lower = name.to_ascii_lowercase();
        ALIASES
            .iter()
            .find(|(a, _)| *a == lower)
            .map_or(lower, |(_, c)| c.to_string())
    };
    let mut lines: Vec<Option<String>> = old.lines().map(|l| Some(l.to_string())).collect();
    let has_tail = lines
        .iter()
        .any(|l| l.as_deref() == Some(REWRITE_SIGNATURE));
    // Each known setting's lines in the file, in order.
    let mut at: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.as_deref().unwrap_or("").trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let name = canonical(t.split_whitespace().next().unwrap_or(""));
        if param(&name).is_none() {
            continue;
        }
        match at.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(i),
            None => at.push((name, vec![i])),
        }
    }
    let defaults = Values::default();
    let mut tail: Vec<String> = Vec::new();
    for p in PARAMS {
        if ALIASES.iter().any(|(a, _)| *a == p.name) {
            continue;
        }
        let value = (p.get)(v);
        let new_lines: Vec<String> = if p.name == "save" {
            let words: Vec<&str> = value.split_whitespace().collect();
            if words.is_empty() {
                vec!["save \"\"".to_string()]
            } else {
                words
                    .chunks(2)
                    .map(|c| format!("save {}", c.join(" ")))
                    .collect()
            }
        } else if LIST_PARAMS.contains(&p.name) && !value.trim().is_empty() {
            vec![format!("{} {}", p.name, value)]
        } else {
            vec![format!("{} {}", p.name, conf_word(&value))]
        };
        let old_at = at
            .iter()
            .find(|(n, _)| n == p.name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        // `http-port` left to follow `port` is not pinned to what it follows now.
        let derived = p.name == "http-port" && v.http_port.is_none();
        let forced = p.name == "save" || (!derived && value != (p.get)(&defaults));
        if old_at.is_empty() {
            if forced {
                tail.extend(new_lines);
            }
            continue;
        }
        // The file's lines for it are reused in order; extra new lines follow the last one,
        // extra old lines go.
        let mut new_lines = new_lines.into_iter();
        let last = *old_at.last().unwrap_or(&0);
        for &i in &old_at {
            lines[i] = new_lines.next();
        }
        let rest: Vec<String> = new_lines.collect();
        if !rest.is_empty() {
            let joined = std::iter::once(lines[last].take().unwrap_or_default())
                .chain(rest)
                .collect::<Vec<_>>()
                .join("\n");
            lines[last] = Some(joined);
        }
    }
    // ACL users (`acl_users`, one `user ...` line each) replace the file's user lines, as
    // Redis's rewriteConfigUserOption; with an aclfile the users live there and the lines go.
    let user_at: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            l.as_deref()
                .and_then(|l| l.split_whitespace().next())
                .is_some_and(|w| w.eq_ignore_ascii_case("user"))
        })
        .map(|(i, _)| i)
        .collect();
    let mut users = if v.aclfile.is_empty() {
        v.acl_users.clone().into_iter()
    } else {
        Vec::new().into_iter()
    };
    for &i in &user_at {
        lines[i] = users.next();
    }
    tail.extend(users);
    if !tail.is_empty() && !has_tail {
        lines.push(Some(REWRITE_SIGNATURE.to_string()));
    }
    lines.extend(tail.into_iter().map(Some));
    let mut out = String::new();
    let mut was_empty = false;
    for l in lines.into_iter().flatten() {
        let empty = l.trim().is_empty();
        if empty && was_empty {
            continue;
        }
        was_empty = empty;
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// Compares without an early exit, so the time taken does not tell how many leading bytes of a
/// guessed password were right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().max(b.len());
    let mut diff = (a.len() ^ b.len()) as u8 | u8::from(a.len() != b.len());
    for i in 0..n {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff);
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_with_globs_and_set_atomically() {
        let c = Config::default();
        let got = c.get(&[b"data*", b"DATABASES"]);
        assert_eq!(got, vec![(b"databases".to_vec(), "16".to_string())]);
        let got = c.get(&[b"DATABASES"]);
        assert_eq!(got, vec![(b"DATABASES".to_vec(), "16".to_string())]);
        assert!(c
            .set(
                &[
                    ("hz".into(), "20".into()),
                    ("maxclients".into(), "x".into())
                ],
                false
            )
            .is_err());
        assert_eq!(c.values().hz, 100, "a failed CONFIG SET changes nothing");
        c.set(&[("hz".into(), "1000".into())], false).unwrap();
        assert_eq!(c.values().hz, 500);
        assert!(c
            .set(&[("port".into(), "1".into())], false)
            .unwrap_err()
            .contains("immutable"));
        assert!(c
            .set(
                &[("auto-aof-rewrite-percentage".into(), "-1".into())],
                false
            )
            .unwrap_err()
            .ends_with("argument must be between 0 and 2147483647 inclusive"));
        assert!(c
            .set(&[("save".into(), "10".into())], false)
            .unwrap_err()
            .ends_with("Invalid save parameters"));
        c.set(&[("save".into(), "100 1 200 2".into())], false)
            .unwrap();
        assert_eq!(c.values().save, vec![(100, 1), (200, 2)]);
        assert_eq!(parse_memory("1gb"), Some(1 << 30));
        assert_eq!(parse_memory("12x"), None);
    }

    #[test]
    fn tls_settings_as_redis_shows_them() {
        let c = Config::default();
        let got = c.get(&[b"tls-*"]);
        let find = |n: &str| {
            got.iter()
                .find(|(k, _)| k == n.as_bytes())
                .map(|x| x.1.clone())
        };
        assert_eq!(got.len(), 20, "Redis 7.0 has 20 tls-* settings");
        assert_eq!(find("tls-port").as_deref(), Some("0"));
        assert_eq!(find("tls-auth-clients").as_deref(), Some("yes"));
        assert_eq!(find("tls-session-cache-size").as_deref(), Some("20480"));
        assert_eq!(find("tls-session-cache-timeout").as_deref(), Some("300"));
        assert_eq!(find("tls-session-caching").as_deref(), Some("yes"));
        assert_eq!(find("tls-protocols").as_deref(), Some(""));
        let err = |k: &str, v: &str| c.set(&[(k.into(), v.into())], false).unwrap_err();
        assert_eq!(
            err("tls-auth-clients", "maybe"),
            "CONFIG SET failed (possibly related to argument 'tls-auth-clients') - argument(s) must be one of the following: no, yes, optional"
        );
        assert!(err("tls-session-cache-size", "-1")
            .ends_with("argument must be between 0 and 2147483647 inclusive"));
        assert!(err("tls-session-cache-timeout", "abc")
            .ends_with("argument couldn't be parsed into an integer"));
        assert!(err("tls-port", "7000").ends_with("can't set immutable config"));
        // With TLS off nothing loads: a missing file is stored, as Redis stores it.
        c.set(&[("tls-cert-file".into(), "/nonexistent".into())], false)
            .unwrap();
        let v = c.values();
        assert_eq!(v.tls.cert_file, "/nonexistent");
        assert!(rewrite("", &v).contains("\ntls-cert-file /nonexistent\n"));
    }

    #[test]
    fn rewrite_keeps_the_file_and_changes_only_settings() {
        let old = "# my server\nport 7000\n\n\n# memory\nmaxmemory 1gb\nhash-max-ziplist-entries 64\nsave 900 1\nsave 300 10\nunknown-thing x\nmaxmemory 2gb\n";
        let mut v = Values {
            port: 7001,
            maxmemory: 0,
            requirepass: "pa ss\"word".to_string(),
            ..Values::default()
        };
        v.encodings.hash_entries = 64;
        v.save = vec![(3600, 1)];
        v.hz = 50;
        let new = rewrite(old, &v);
        assert_eq!(
            new,
            "# my server\nport 7001\n\n# memory\nmaxmemory 0\nhash-max-listpack-entries 64\nsave 3600 1\nunknown-thing x\n# Generated by CONFIG REWRITE\nhz 50\nrequirepass \"pa ss\\\"word\"\n"
        );
        // Written again, nothing moves.
        assert_eq!(rewrite(&new, &v), new);
        // No save points: `save ""`, so the defaults do not come back.
        v.save.clear();
        assert!(rewrite(&new, &v).contains("\nsave \"\"\n"));
    }

    #[test]
    fn rewrite_puts_the_users_where_their_lines_were() {
        let old = "port 7000
user alice on nopass +@all
user gone off
hz 20
";
        let v = Values {
            port: 7000,
            hz: 20,
            acl_users: vec![
                "user alice on nopass ~* +@all".into(),
                "user bob off".into(),
            ],
            ..Values::default()
        };
        // (The save points follow after the signature, as always.)
        let new = rewrite(old, &v);
        assert!(
            new.starts_with("port 7000\nuser alice on nopass ~* +@all\nuser bob off\nhz 20\n#"),
            "{new}"
        );
        // With an aclfile the users live there: their lines go.
        let with_file = Values {
            aclfile: "users.acl".into(),
            ..v
        };
        assert!(!rewrite(old, &with_file).contains("user "));
    }
}
