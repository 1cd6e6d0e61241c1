//! `/metrics` in Prometheus text format 0.0.4. Names follow Prometheus conventions
//! (`ferrokv_<what>_<unit>`, `_total` for counters) and report the same counters as INFO.

use engine::command::{CommandStats, LATENCY_BUCKETS_US};
use engine::keyspace::SHARDS;
use engine::Engine;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn single(out: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    family(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}

/// Picks one counter out of a command's stats.
type Counter = fn(&CommandStats) -> &AtomicU64;

/// Escapes a label value (backslash, quote, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Renders every metric.
pub fn render(engine: &Engine) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let s = &engine.stats;
    let used: Vec<_> = engine
        .registry
        .entries
        .iter()
        .filter(|e| {
            let st = &e.stats;
            st.calls.load(Relaxed) + st.rejected.load(Relaxed) + st.failed.load(Relaxed) > 0
        })
        .collect();

    let per_command: [(&str, &str, Counter); 3] = [
        (
            "ferrokv_commands_total",
            "Commands executed, by command.",
            |s| &s.calls,
        ),
        (
            "ferrokv_commands_failed_total",
            "Commands that replied with an error, by command.",
            |s| &s.failed,
        ),
        (
            "ferrokv_commands_rejected_total",
            "Commands refused before execution (arity, unknown subcommand, NOAUTH), by command.",
            |s| &s.rejected,
        ),
    ];
    for (name, help, counter) in per_command {
        family(&mut out, name, "counter", help);
        for e in &used {
            let _ = writeln!(
                out,
                "{name}{{cmd=\"{}\"}} {}",
                label(&e.full_name),
                counter(&e.stats).load(Relaxed)
            );
        }
    }
    family(
        &mut out,
        "ferrokv_command_duration_seconds",
        "histogram",
        "Command execution time, by command.",
    );
    for e in &used {
        let name = label(&e.full_name);
        let mut cumulative = 0u64;
        for (i, bound) in LATENCY_BUCKETS_US.iter().enumerate() {
            cumulative += e.stats.latency[i].load(Relaxed);
            let le = *bound as f64 / 1e6;
            let _ = writeln!(out, "ferrokv_command_duration_seconds_bucket{{cmd=\"{name}\",le=\"{le}\"}} {cumulative}");
        }
        cumulative += e.stats.latency[LATENCY_BUCKETS_US.len()].load(Relaxed);
        let _ = writeln!(
            out,
            "ferrokv_command_duration_seconds_bucket{{cmd=\"{name}\",le=\"+Inf\"}} {cumulative}"
        );
        let _ = writeln!(
            out,
            "ferrokv_command_duration_seconds_sum{{cmd=\"{name}\"}} {}",
            e.stats.usec.load(Relaxed) as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "ferrokv_command_duration_seconds_count{{cmd=\"{name}\"}} {cumulative}"
        );
    }

    single(
        &mut out,
        "ferrokv_connected_clients",
        "gauge",
        "Client connections open.",
        engine.clients.len(),
    );
    // The figures INFO prints (clients and persistence), read from its table rather than
    // counted here a second way.
    let now_ms = engine.clock.now_ms();
    let info: std::collections::HashMap<String, String> =
        crate::dashboard::info_sections(engine, &["clients", "persistence"], now_ms)
            .into_iter()
            .flat_map(|(_, fields)| fields)
            .collect();
    let field = |name: &str| info.get(name).map(String::as_str);
    single(
        &mut out,
        "ferrokv_blocked_clients",
        "gauge",
        "Clients blocked in a blocking command or paused (INFO blocked_clients).",
        field("blocked_clients").unwrap_or("0"),
    );
    single(
        &mut out,
        "ferrokv_connections_received_total",
        "counter",
        "Connections accepted.",
        s.connections.load(Relaxed),
    );
    single(
        &mut out,
        "ferrokv_rejected_connections_total",
        "counter",
        "Connections refused (maxclients).",
        s.rejected_connections.load(Relaxed),
    );

    family(&mut out, "ferrokv_keys", "gauge", "Keys per database.");
    let mut expiring = Vec::new();
    for d in 0..engine.keyspace.databases() {
        let db = engine.keyspace.db(d);
        let (mut keys, mut ttl) = (0usize, 0usize);
        for sh in 0..SHARDS {
            let g = db.read(sh);
            keys += g.table.len();
            ttl += g.ttl_keys();
        }
        if keys > 0 {
            let _ = writeln!(out, "ferrokv_keys{{db=\"{d}\"}} {keys}");
            expiring.push((d, ttl));
        }
    }
    family(
        &mut out,
        "ferrokv_expiring_keys",
        "gauge",
        "Keys with an expiry per database.",
    );
    for (d, ttl) in expiring {
        let _ = writeln!(out, "ferrokv_expiring_keys{{db=\"{d}\"}} {ttl}");
    }
    single(
        &mut out,
        "ferrokv_expired_keys_total",
        "counter",
        "Keys deleted because their expiry passed.",
        engine.expired_keys(),
    );
    single(
        &mut out,
        "ferrokv_expire_lag_seconds",
        "gauge",
        "How far behind its deadlines active expiry was at its last cycle.",
        s.expire_lag_ms.load(Relaxed) as f64 / 1e3,
    );
    single(
        &mut out,
        "ferrokv_keyspace_hits_total",
        "counter",
        "Key lookups that found a key.",
        s.keyspace_hits.load(Relaxed),
    );
    single(
        &mut out,
        "ferrokv_keyspace_misses_total",
        "counter",
        "Key lookups that found nothing.",
        s.keyspace_misses.load(Relaxed),
    );
    single(
        &mut out,
        "ferrokv_error_replies_total",
        "counter",
        "Error replies sent.",
        s.error_replies.load(Relaxed),
    );
    let m = engine.memory_report();
    single(
        &mut out,
        "ferrokv_memory_used_bytes",
        "gauge",
        "Bytes allocated (INFO used_memory).",
        m.used,
    );
    single(
        &mut out,
        "ferrokv_memory_rss_bytes",
        "gauge",
        "Resident memory of the process.",
        m.rss,
    );
    single(
        &mut out,
        "ferrokv_memory_peak_bytes",
        "gauge",
        "The largest used_memory seen.",
        m.peak,
    );
    single(
        &mut out,
        "ferrokv_memory_dataset_bytes",
        "gauge",
        "used_memory minus the overhead (start-up, hash tables, client buffers).",
        m.dataset,
    );
    single(
        &mut out,
        "ferrokv_maxmemory_bytes",
        "gauge",
        "The maxmemory limit (0: none).",
        engine.memory.maxmemory(),
    );
    single(
        &mut out,
        "ferrokv_evicted_keys_total",
        "counter",
        "Keys evicted to stay under maxmemory.",
        engine.memory.evicted_keys.load(Relaxed),
    );
    single(
        &mut out,
        "ferrokv_net_input_bytes_total",
        "counter",
        "Bytes read from RESP clients.",
        s.net_input_bytes.load(Relaxed),
    );
    single(
        &mut out,
        "ferrokv_net_output_bytes_total",
        "counter",
        "Bytes written to RESP clients.",
        s.net_output_bytes.load(Relaxed),
    );
    single(
        &mut out,
        "ferrokv_uptime_seconds",
        "gauge",
        "Seconds since the server started.",
        engine.uptime().as_secs_f64(),
    );
    let aof = field("aof_enabled") == Some("1");
    let snapshots = engine.persistence().is_some() && !engine.config.values().save.is_empty();
    single(
        &mut out,
        "ferrokv_persistence_enabled",
        "gauge",
        "1 when the append-only file or save points are on.",
        u8::from(aof || snapshots),
    );
    // (metric, INFO field, help); a status field is exported as 1 for ok, 0 for err.
    let persistence: [(&str, &str, &str); 9] = [
        (
            "ferrokv_loading",
            "loading",
            "1 while the dataset is being loaded.",
        ),
        (
            "ferrokv_rdb_changes_since_last_save",
            "rdb_changes_since_last_save",
            "Changes since the last snapshot.",
        ),
        (
            "ferrokv_rdb_bgsave_in_progress",
            "rdb_bgsave_in_progress",
            "1 while BGSAVE runs.",
        ),
        (
            "ferrokv_rdb_last_save_timestamp_seconds",
            "rdb_last_save_time",
            "Unix time of the last successful snapshot.",
        ),
        (
            "ferrokv_rdb_last_bgsave_ok",
            "rdb_last_bgsave_status",
            "1 when the last BGSAVE succeeded.",
        ),
        (
            "ferrokv_aof_enabled",
            "aof_enabled",
            "1 when the append-only file is on.",
        ),
        (
            "ferrokv_aof_rewrite_in_progress",
            "aof_rewrite_in_progress",
            "1 while the append-only file is rewritten.",
        ),
        (
            "ferrokv_aof_last_rewrite_ok",
            "aof_last_bgrewrite_status",
            "1 when the last rewrite succeeded.",
        ),
        (
            "ferrokv_aof_last_write_ok",
            "aof_last_write_status",
            "1 when the last append-only file write succeeded.",
        ),
    ];
    for (name, info_field, help) in persistence {
        let value = match field(info_field) {
            Some("ok") => "1",
            Some("err") => "0",
            Some(v) => v,
            None => continue,
        };
        single(&mut out, name, "gauge", help, value);
    }
    out
}
