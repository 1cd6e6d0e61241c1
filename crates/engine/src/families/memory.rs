//! MEMORY: USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP, with Redis 7.0's reply shapes
//! over this server's accounting (see [`crate::memory`]).

use super::{help_reply, int_arg, is};
use crate::command::{flags::*, CmdResult, Command};
use crate::error::{self, CmdError};
use crate::keyspace::SHARDS;
use crate::{cmd, Ctx, Engine};
use resp::ReplyBuf;
use std::sync::atomic::Ordering::Relaxed;

/// Redis's `OBJ_COMPUTE_SIZE_DEF_SAMPLES`.
const DEFAULT_SAMPLES: usize = 5;

/// `MEMORY USAGE key [SAMPLES count]`
fn memory_usage(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let mut samples = DEFAULT_SAMPLES;
    let mut j = 3;
    while j < args.len() {
        if is(args[j], "samples") && j + 1 < args.len() {
            let n = int_arg(args[j + 1])?;
            if n < 0 {
                return Err(error::SYNTAX);
            }
            samples = usize::try_from(n).unwrap_or(usize::MAX);
            j += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }
    // As Redis's `dbFind`: the key as stored, expired or not, and its access time untouched.
    let k = ctx.key(args[2]);
    let shard = ctx.ks().db(ctx.db()).read(k.shard);
    match shard.table.get(k.hash, args[2]) {
        Some(e) => ctx.out.int(Engine::key_usage(&e, samples) as i64),
        None => ctx.out.null(),
    }
    Ok(())
}

/// A float as Redis's MEMORY STATS sends it (computed in single precision).
fn float(out: &mut ReplyBuf, name: &str, v: f64) {
    out.bulk(name.as_bytes());
    out.double_text(&crate::float::format_double(f64::from(v as f32)));
}

fn int(out: &mut ReplyBuf, name: &str, v: i64) {
    out.bulk(name.as_bytes());
    out.int(v);
}

/// `MEMORY STATS`
fn memory_stats(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let e = ctx.engine;
    let m = e.memory_report();
    // Databases with keys, each with its table overhead.
    let mut dbs: Vec<(usize, u64, u64)> = Vec::new();
    for d in 0..e.keyspace.databases() {
        let db = e.keyspace.db(d);
        let (mut keys, mut buckets, mut expires) = (0usize, 0u64, 0u64);
        for s in 0..SHARDS {
            let g = db.read(s);
            keys += g.table.len();
            buckets += g.table.bucket_bytes() as u64;
            // The deadline index: 16 bytes an item.
            expires += (g.ttl_keys() * 16) as u64;
        }
        if keys > 0 {
            dbs.push((d, buckets, expires));
        }
    }
    #[cfg(feature = "scripting")]
    let (lua, functions) = e.scripting.cache_bytes();
    #[cfg(not(feature = "scripting"))]
    let (lua, functions) = (0usize, 0usize);
    let out = &mut *ctx.out;
    out.map(27 + dbs.len());
    int(out, "peak.allocated", m.peak as i64);
    int(out, "total.allocated", m.used as i64);
    int(out, "startup.allocated", m.startup as i64);
    int(out, "replication.backlog", 0);
    int(out, "clients.slaves", 0);
    int(out, "clients.normal", m.clients as i64);
    int(out, "cluster.links", 0);
    int(out, "aof.buffer", 0);
    int(out, "lua.caches", lua as i64);
    int(out, "functions.caches", functions as i64);
    for (d, buckets, expires) in &dbs {
        out.bulk(format!("db.{d}").as_bytes());
        out.map(3);
        int(out, "overhead.hashtable.main", *buckets as i64);
        int(out, "overhead.hashtable.expires", *expires as i64);
        int(out, "overhead.hashtable.slot-to-keys", 0);
    }
    int(out, "overhead.total", m.overhead as i64);
    int(out, "keys.count", m.keys as i64);
    let per_key = m.dataset.checked_div(m.keys).unwrap_or(0);
    int(out, "keys.bytes-per-key", per_key as i64);
    int(out, "dataset.bytes", m.dataset as i64);
    float(out, "dataset.percentage", m.dataset_perc());
    float(out, "peak.percentage", m.peak_perc());
    int(out, "allocator.allocated", m.used as i64);
    int(out, "allocator.active", m.used as i64);
    int(out, "allocator.resident", m.rss as i64);
    float(out, "allocator-fragmentation.ratio", 1.0);
    int(out, "allocator-fragmentation.bytes", 0);
    float(out, "allocator-rss.ratio", m.fragmentation());
    int(out, "allocator-rss.bytes", m.rss as i64 - m.used as i64);
    float(out, "rss-overhead.ratio", 1.0);
    int(out, "rss-overhead.bytes", 0);
    float(out, "fragmentation", m.fragmentation());
    int(out, "fragmentation.bytes", m.rss as i64 - m.used as i64);
    Ok(())
}

/// The report MEMORY DOCTOR gives, with Redis's texts and thresholds.
pub fn doctor_report(e: &Engine) -> String {
    let m = e.memory_report();
    let clients = e.clients.len().max(1) as u64;
    #[cfg(feature = "scripting")]
    let scripts = e.scripting.cached_scripts();
    #[cfg(not(feature = "scripting"))]
    let scripts = 0usize;
    if m.used < 5 * 1024 * 1024 {
        return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n".to_string();
    }
    let mut reports: Vec<String> = Vec::new();
    if m.peak as f64 / m.used as f64 > 1.5 {
        reports.push(" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n".to_string());
    }
    if m.fragmentation() > 1.4 && m.rss.saturating_sub(m.used) > 10 << 20 {
        reports.push(" * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n".to_string());
    }
    if m.clients / clients > 1024 * 200 {
        reports.push(" * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n".to_string());
    }
    if scripts > 1000 {
        reports.push(" * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your memory.\n\n".to_string());
    }
    if reports.is_empty() {
        return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n".to_string();
    }
    let mut s =
        String::from("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
    for r in reports {
        s.push_str(&r);
    }
    s.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
    s
}

/// `MEMORY DOCTOR`
fn memory_doctor(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let report = doctor_report(ctx.engine);
    ctx.out.verbatim("txt", report.as_bytes());
    Ok(())
}

/// `MEMORY MALLOC-STATS`: Redis prints its allocator's statistics; with the system allocator
/// this is what the counting allocator and the kernel know.
fn memory_malloc_stats(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let m = ctx.engine.memory_report();
    let lf = ctx.engine.keyspace.lazyfree.counters();
    let text = format!(
        "___ Begin malloc statistics ___\nallocator: libc (glibc malloc), counted by ferrokv\nallocated: {}\npeak: {}\nresident: {}\nlazyfree pending: {}\nlazyfreed: {}\n___ End malloc statistics ___\n",
        m.used,
        m.peak,
        m.rss,
        lf.pending.load(Relaxed),
        lf.freed.load(Relaxed),
    );
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// `MEMORY PURGE`: gives free pages back to the kernel (glibc's `malloc_trim`).
fn memory_purge(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    crate::memory::trim();
    ctx.out.ok();
    Ok(())
}

/// `MEMORY HELP`
fn memory_help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    help_reply(
        ctx,
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
    Ok(())
}

fn container(_: &mut Ctx<'_>, _: &[&[u8]]) -> CmdResult {
    Err(CmdError::from_static("ERR syntax error"))
}

/// MEMORY's subcommands.
#[rustfmt::skip]
const MEMORY: &[Command] = &[
    cmd!("doctor", 2, 0, 0, 0, 0, [], memory_doctor),
    cmd!("malloc-stats", 2, 0, 0, 0, 0, [], memory_malloc_stats),
    cmd!("purge", 2, 0, 0, 0, 0, [], memory_purge),
    cmd!("stats", 2, 0, 0, 0, 0, [], memory_stats),
    cmd!("usage", -3, READONLY, 2, 2, 1, ["read"], memory_usage),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, [], memory_help),
];

/// The memory family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command {
        subcommands: MEMORY,
        ..cmd!("memory", -2, 0, 0, 0, 0, [], container)
    },
];
