//! The INFO reply, in Redis's `field:value` format and section order.

use crate::keyspace::SHARDS;
use crate::Engine;
use std::fmt::Write;
use std::sync::atomic::Ordering::Relaxed;

/// Every section, in the order Redis 7.0 prints them.
const SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];
/// Sections only `all` and `everything` add; the others are INFO's default.
const EXTRA_SECTIONS: &[&str] = &["commandstats", "latencystats"];

/// Sections INFO prints without arguments (and for `default`).
fn default_sections() -> impl Iterator<Item = &'static str> {
    SECTIONS
        .iter()
        .copied()
        .filter(|s| !EXTRA_SECTIONS.contains(s))
}

/// Redis's instantaneous metrics: every 100 ms the cron samples the command count and the
/// network byte counters; a figure is the mean rate over the last 16 samples.
#[derive(Default)]
pub struct Instantaneous {
    inner: std::sync::Mutex<Samples>,
}

#[derive(Default)]
struct Samples {
    last_ms: u64,
    last: [u64; 3],
    rates: [[f64; 16]; 3],
    at: usize,
}

impl Instantaneous {
    /// Takes a sample of (commands, input bytes, output bytes) at `now_ms`, if 100 ms passed.
    pub fn sample(&self, now_ms: u64, values: [u64; 3]) {
        let mut s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let dt = now_ms.saturating_sub(s.last_ms);
        if s.last_ms != 0 && dt < 100 {
            return;
        }
        if s.last_ms != 0 {
            let at = s.at;
            for (i, v) in values.iter().enumerate() {
                s.rates[i][at] = v.saturating_sub(s.last[i]) as f64 * 1000.0 / dt as f64;
            }
            s.at = (at + 1) % 16;
        }
        s.last_ms = now_ms;
        s.last = values;
    }

    /// The mean per-second rate of figure `i` (0 commands, 1 input bytes, 2 output bytes).
    pub fn rate(&self, i: usize) -> f64 {
        let s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        s.rates[i].iter().sum::<f64>() / 16.0
    }
}

/// The OS as Redis prints it: kernel name, release and machine (`uname -srm`).
fn os_name() -> String {
    let read = |f: &str| {
        std::fs::read_to_string(format!("/proc/sys/kernel/{f}"))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let (name, release) = (read("ostype"), read("osrelease"));
    if name.is_empty() {
        return std::env::consts::OS.to_string();
    }
    format!("{name} {release} {}", std::env::consts::ARCH)
}

/// Redis's `bytesToHuman`: `512B`, `1.50K`, `2.00M`...
pub(crate) fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b < 1024.0 {
        format!("{bytes}B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.2}K", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", b / (1024.0 * 1024.0))
    } else {
        format!("{:.2}G", b / (1024.0 * 1024.0 * 1024.0))
    }
}

/// (user, system) CPU seconds of this process, from /proc.
fn cpu_seconds() -> (f64, f64) {
    stat_cpu_seconds("/proc/self/stat")
}

/// (user, system) CPU seconds of the calling thread.
fn thread_cpu_seconds() -> (f64, f64) {
    stat_cpu_seconds("/proc/thread-self/stat")
}

/// utime and stime of a /proc `stat` file, in seconds.
fn stat_cpu_seconds(path: &str) -> (f64, f64) {
    let Ok(stat) = std::fs::read_to_string(path) else {
        return (0.0, 0.0);
    };
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 100.0;
    (tick(11), tick(12))
}

/// Renders the sections named in `args` (all default sections when empty).
pub fn render(engine: &Engine, args: &[&[u8]], now_ms: u64) -> String {
    let mut wanted: Vec<&str> = Vec::new();
    if args.is_empty() {
        wanted.extend(default_sections());
    }
    for a in args {
        let a = String::from_utf8_lossy(a).to_ascii_lowercase();
        match a.as_str() {
            "default" => wanted.extend(default_sections()),
            // `all` leaves out only modules' own sections (none here): the same as everything.
            "all" | "everything" => wanted.extend(SECTIONS),
            other => {
                if let Some(s) = SECTIONS.iter().find(|s| **s == other) {
                    wanted.push(s);
                }
            }
        }
    }
    let order: Vec<&str> = SECTIONS
        .iter()
        .copied()
        .filter(|s| wanted.contains(s))
        .collect();
    let mut out = String::new();
    for (i, section) in order.iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        section_text(engine, section, now_ms, &mut out);
    }
    out
}

fn section_text(e: &Engine, section: &str, now_ms: u64, out: &mut String) {
    let cfg = e.config.values();
    let s = &e.stats;
    // A key starting with "# " is a section header and has no value.
    let mut line = |k: &str, v: &dyn std::fmt::Display| {
        let _ = if k.starts_with("# ") {
            write!(out, "{k}\r\n")
        } else {
            write!(out, "{k}:{v}\r\n")
        };
    };
    match section {
        "server" => {
            let up = e.uptime().as_secs();
            line("# Server", &"");
            line("redis_version", &crate::families::connection::REDIS_VERSION);
            line("ferrokv_version", &env!("CARGO_PKG_VERSION"));
            line("redis_git_sha1", &"00000000");
            line("redis_git_dirty", &0);
            line("redis_build_id", &"0");
            line("redis_mode", &"standalone");
            line("os", &os_name());
            line("arch_bits", &(usize::BITS));
            line("monotonic_clock", &"POSIX clock_gettime");
            line("multiplexing_api", &"epoll");
            line("atomicvar_api", &"c11-builtin");
            // Redis names its C compiler; this is the Rust toolchain's version is not known at
            // run time, so the field is present but zero.
            line("gcc_version", &"0.0.0");
            line("process_id", &std::process::id());
            line("process_supervised", &"no");
            line("run_id", &e.run_id);
            line("tcp_port", &cfg.port);
            line("server_time_usec", &(now_ms * 1000));
            line("uptime_in_seconds", &up);
            line("uptime_in_days", &(up / 86400));
            line("hz", &cfg.hz);
            line("configured_hz", &cfg.hz);
            line("lru_clock", &((now_ms / 1000) & 0x00ff_ffff));
            line(
                "executable",
                &std::env::current_exe()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            );
            line("config_file", &cfg.config_file);
            line("io_threads_active", &0);
        }
        "clients" => {
            line("# Clients", &"");
            line("connected_clients", &e.clients.len());
            line("cluster_connections", &0);
            line("maxclients", &cfg.maxclients);
            // The largest query and output buffers among the clients connected now.
            let clients = e.clients.list();
            let max_of = |f: fn(&crate::session::ClientInfo) -> usize| {
                clients.iter().map(|c| f(c)).max().unwrap_or(0)
            };
            line(
                "client_recent_max_input_buffer",
                &max_of(|c| c.qbuf.load(Relaxed)),
            );
            line(
                "client_recent_max_output_buffer",
                &max_of(|c| c.omem.load(Relaxed)),
            );
            line(
                "blocked_clients",
                &(e.blocking.len() + e.state.paused_clients.load(Relaxed)),
            );
            line("tracking_clients", &e.keyspace.tracking.clients());
            line("clients_in_timeout_table", &0);
        }
        "memory" => {
            let m = e.memory_report();
            let max = e.memory.maxmemory();
            let pct = |v: f64| format!("{v:.2}%");
            let ratio = |v: f64| format!("{v:.2}");
            line("# Memory", &"");
            line("used_memory", &m.used);
            line("used_memory_human", &human(m.used));
            line("used_memory_rss", &m.rss);
            line("used_memory_rss_human", &human(m.rss));
            line("used_memory_peak", &m.peak);
            line("used_memory_peak_human", &human(m.peak));
            line("used_memory_peak_perc", &pct(m.peak_perc()));
            line("used_memory_overhead", &m.overhead);
            line("used_memory_startup", &m.startup);
            line("used_memory_dataset", &m.dataset);
            line("used_memory_dataset_perc", &pct(m.dataset_perc()));
            // The system allocator has no separate active/resident figures: allocated is what
            // was counted, resident the RSS.
            line("allocator_allocated", &m.used);
            line("allocator_active", &m.used);
            line("allocator_resident", &m.rss);
            line("total_system_memory", &m.system);
            line("total_system_memory_human", &human(m.system));
            #[cfg(feature = "scripting")]
            e.scripting.info(&mut line);
            line("maxmemory", &max);
            line("maxmemory_human", &human(max));
            line("maxmemory_policy", &e.memory.policy().name());
            line("allocator_frag_ratio", &ratio(1.0));
            line("allocator_frag_bytes", &0);
            line("allocator_rss_ratio", &ratio(m.fragmentation()));
            line("allocator_rss_bytes", &(m.rss as i64 - m.used as i64));
            line("rss_overhead_ratio", &ratio(1.0));
            line("rss_overhead_bytes", &0);
            line("mem_fragmentation_ratio", &ratio(m.fragmentation()));
            line("mem_fragmentation_bytes", &(m.rss as i64 - m.used as i64));
            line("mem_not_counted_for_evict", &0);
            line("mem_replication_backlog", &0);
            line("mem_total_replication_buffers", &0);
            line("mem_clients_slaves", &0);
            line("mem_clients_normal", &m.clients);
            line("mem_cluster_links", &0);
            line("mem_aof_buffer", &0);
            line("mem_allocator", &"libc");
            line("active_defrag_running", &0);
            let lf = e.keyspace.lazyfree.counters();
            line("lazyfree_pending_objects", &lf.pending.load(Relaxed));
            line("lazyfreed_objects", &lf.freed.load(Relaxed));
            // Beyond Redis: how idle the evicted keys were.
            for (i, c) in e.memory.evicted_idle.iter().enumerate() {
                let name = match crate::memory::EVICTED_IDLE_BOUNDS.get(i) {
                    Some(b) => format!("evicted_idle_lt_{b}s"),
                    None => "evicted_idle_longer".to_string(),
                };
                line(&name, &c.load(Relaxed));
            }
        }
        "persistence" => {
            line("# Persistence", &"");
            line("loading", &u8::from(e.state.loading()));
            line("async_loading", &0);
            match e.persistence() {
                Some(p) => p.info(&mut line),
                None => {
                    line("rdb_changes_since_last_save", &e.keyspace.changes());
                    line("rdb_bgsave_in_progress", &0);
                    line("rdb_last_save_time", &e.last_save());
                    line("aof_enabled", &0);
                }
            }
        }
        "stats" => {
            let inst = &s.instantaneous;
            let kbps = |v: f64| format!("{:.2}", v / 1024.0);
            let (tkeys, titems, tprefixes) = e.keyspace.tracking.table_sizes();
            line("# Stats", &"");
            line("total_connections_received", &s.connections.load(Relaxed));
            line("total_commands_processed", &e.registry.total_calls());
            line("instantaneous_ops_per_sec", &(inst.rate(0) as u64));
            line("total_net_input_bytes", &s.net_input_bytes.load(Relaxed));
            line("total_net_output_bytes", &s.net_output_bytes.load(Relaxed));
            line("total_net_repl_input_bytes", &0);
            line("total_net_repl_output_bytes", &0);
            line("instantaneous_input_kbps", &kbps(inst.rate(1)));
            line("instantaneous_output_kbps", &kbps(inst.rate(2)));
            line("instantaneous_input_repl_kbps", &"0.00");
            line("instantaneous_output_repl_kbps", &"0.00");
            line(
                "rejected_connections",
                &s.rejected_connections.load(Relaxed),
            );
            line("sync_full", &0);
            line("sync_partial_ok", &0);
            line("sync_partial_err", &0);
            line("expired_keys", &e.expired_keys());
            // The deadline index finds every due key: no sampling, nothing estimated stale.
            line("expired_stale_perc", &"0.00");
            line("expired_time_cap_reached_count", &0);
            line(
                "expire_cycle_cpu_milliseconds",
                &(s.expire_cycle_us.load(Relaxed) / 1000),
            );
            line("expire_cycle_lag_ms", &s.expire_lag_ms.load(Relaxed));
            line("evicted_keys", &e.memory.evicted_keys.load(Relaxed));
            line("evicted_clients", &0);
            let (total, current) = e.eviction_exceeded_ms();
            line("total_eviction_exceeded_time", &total);
            line("current_eviction_exceeded_time", &current);
            line("keyspace_hits", &s.keyspace_hits.load(Relaxed));
            line("keyspace_misses", &s.keyspace_misses.load(Relaxed));
            line("pubsub_channels", &e.pubsub.channels(false, None).len());
            line("pubsub_patterns", &e.pubsub.numpat());
            line("pubsubshard_channels", &e.pubsub.channels(true, None).len());
            // Snapshots are taken without fork.
            line("latest_fork_usec", &0);
            line("total_forks", &0);
            line("migrate_cached_sockets", &0);
            line("slave_expires_tracked_keys", &0);
            line("active_defrag_hits", &0);
            line("active_defrag_misses", &0);
            line("active_defrag_key_hits", &0);
            line("active_defrag_key_misses", &0);
            line("total_active_defrag_time", &0);
            line("current_active_defrag_time", &0);
            line("tracking_total_keys", &tkeys);
            line("tracking_total_items", &titems);
            line("tracking_total_prefixes", &tprefixes);
            line("unexpected_error_replies", &0);
            line("total_error_replies", &s.error_replies.load(Relaxed));
            line("dump_payload_sanitizations", &0);
            line("total_reads_processed", &s.reads_processed.load(Relaxed));
            line("total_writes_processed", &s.writes_processed.load(Relaxed));
            line("io_threaded_reads_processed", &0);
            line("io_threaded_writes_processed", &0);
            line("reply_buffer_shrinks", &0);
            line("reply_buffer_expands", &0);
        }
        "replication" => {
            line("# Replication", &"");
            line("role", &"master");
            line("connected_slaves", &0);
            line("master_failover_state", &"no-failover");
            line(
                "master_replid",
                &*e.replid.lock().unwrap_or_else(|p| p.into_inner()),
            );
            line(
                "master_replid2",
                &"0000000000000000000000000000000000000000",
            );
            line("master_repl_offset", &0);
            line("second_repl_offset", &-1);
            line("repl_backlog_active", &0);
            line("repl_backlog_size", &1_048_576);
            line("repl_backlog_first_byte_offset", &0);
            line("repl_backlog_histlen", &0);
        }
        "cpu" => {
            let (user, sys) = cpu_seconds();
            line("# CPU", &"");
            line("used_cpu_sys", &format!("{sys:.6}"));
            line("used_cpu_user", &format!("{user:.6}"));
            line("used_cpu_sys_children", &"0.000000");
            line("used_cpu_user_children", &"0.000000");
            // There is no main thread: these are the thread that serves INFO.
            let (tuser, tsys) = thread_cpu_seconds();
            line("used_cpu_sys_main_thread", &format!("{tsys:.6}"));
            line("used_cpu_user_main_thread", &format!("{tuser:.6}"));
        }
        "modules" => {
            line("# Modules", &"");
        }
        "cluster" => {
            line("# Cluster", &"");
            line("cluster_enabled", &0);
        }
        "latencystats" => {
            line("# Latencystats", &"");
            if cfg.latency_tracking {
                for entry in &e.registry.entries {
                    let Some(fine) = entry.stats.fine.get() else {
                        continue;
                    };
                    if entry.stats.calls.load(Relaxed) == 0 {
                        continue;
                    }
                    let values: Vec<String> = cfg
                        .latency_tracking_info_percentiles
                        .iter()
                        .map(|p| format!("p{p}={:.3}", fine.percentile_us(*p)))
                        .collect();
                    line(
                        &format!("latency_percentiles_usec_{}", entry.full_name),
                        &values.join(","),
                    );
                }
            }
        }
        "errorstats" => {
            line("# Errorstats", &"");
            let map = s.errors_by_code.lock().unwrap_or_else(|e| e.into_inner());
            for (code, n) in map.iter() {
                line(&format!("errorstat_{code}"), &format!("count={n}"));
            }
        }
        "commandstats" => {
            line("# Commandstats", &"");
            for entry in &e.registry.entries {
                let st = &entry.stats;
                let (calls, usec) = (st.calls.load(Relaxed), st.usec.load(Relaxed));
                let (rejected, failed) = (st.rejected.load(Relaxed), st.failed.load(Relaxed));
                if calls == 0 && rejected == 0 && failed == 0 {
                    continue;
                }
                let per = if calls == 0 {
                    0.0
                } else {
                    usec as f64 / calls as f64
                };
                line(
                    &format!("cmdstat_{}", entry.full_name),
                    &format!("calls={calls},usec={usec},usec_per_call={per:.2},rejected_calls={rejected},failed_calls={failed}"),
                );
            }
        }
        "keyspace" => {
            line("# Keyspace", &"");
            for d in 0..e.keyspace.databases() {
                let db = e.keyspace.db(d);
                let (mut keys, mut expires, mut sum) = (0usize, 0usize, 0u128);
                for sh in 0..SHARDS {
                    let g = db.read(sh);
                    keys += g.table.len();
                    expires += g.ttl_keys();
                    sum += g.ttl_sum();
                }
                if keys == 0 {
                    continue;
                }
                let avg_ttl = if expires == 0 {
                    0
                } else {
                    ((sum / expires as u128) as u64).saturating_sub(now_ms)
                };
                line(
                    &format!("db{d}"),
                    &format!("keys={keys},expires={expires},avg_ttl={avg_ttl}"),
                );
            }
        }
        _ => {}
    }
}
