//! The command table, the single source of truth, and the dispatcher that does all generic work
//! from it: lookup, arity errors with Redis's exact text, per-command stats, COMMAND's replies.
//!
//! Every family module ends with its rows (`pub const COMMANDS: &[Command]`); [`Registry`]
//! flattens them (subcommands as `container|sub`) and keeps a stats slot per row.

use crate::error::{c_str, CmdError};
use crate::Ctx;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a for the command-name maps: names are short and the maps fixed, so a keyed hash buys
/// nothing there and this one costs a few nanoseconds per command.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type NameMap<K> = HashMap<K, usize, BuildHasherDefault<Fnv>>;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// What a handler returns; an `Err` becomes the error reply and counts as a failed call.
pub type CmdResult = Result<(), CmdError>;
/// Says from the arguments whether a command must run alone (see [`Command::alone`]).
pub type Alone = fn(&[&[u8]]) -> bool;
/// Finds the key positions only the arguments tell (see [`Command::getkeys`]).
pub type GetKeys = fn(&[&[u8]]) -> Vec<usize>;
/// A command's implementation. `args[0]` is the command name as sent.
pub type Handler = fn(&mut Ctx<'_>, &[&[u8]]) -> CmdResult;

/// Command flags, named as COMMAND INFO names them.
pub mod flags {
    /// May modify the keyspace.
    pub const WRITE: u32 = 1 << 0;
    /// Only reads.
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory (refused when out of memory).
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative.
    pub const ADMIN: u32 = 1 << 3;
    /// Pub/sub related.
    pub const PUBSUB: u32 = 1 << 4;
    /// Not allowed in scripts.
    pub const NOSCRIPT: u32 = 1 << 5;
    /// May block the client.
    pub const BLOCKING: u32 = 1 << 6;
    /// Allowed while loading.
    pub const LOADING: u32 = 1 << 7;
    /// Allowed on a stale replica.
    pub const STALE: u32 = 1 << 8;
    /// O(1) or O(log N).
    pub const FAST: u32 = 1 << 9;
    /// Allowed before AUTH.
    pub const NO_AUTH: u32 = 1 << 10;
    /// Keys are optional.
    pub const NO_MANDATORY_KEYS: u32 = 1 << 11;
    /// Not allowed inside MULTI.
    pub const NO_MULTI: u32 = 1 << 12;
    /// Allowed while a script is busy.
    pub const ALLOW_BUSY: u32 = 1 << 13;
    /// Key positions depend on the arguments (`numkeys`, SORT ... STORE).
    pub const MOVABLE_KEYS: u32 = 1 << 17;
    /// Not shown to MONITOR.
    pub const SKIP_MONITOR: u32 = 1 << 14;
    /// Not logged in the slowlog.
    pub const SKIP_SLOWLOG: u32 = 1 << 15;
    /// Refused while a replica loads its master's data asynchronously.
    pub const NO_ASYNC_LOADING: u32 = 1 << 18;

    // What the call path needs to know of a command beyond Redis's flags. Not shown by COMMAND.

    /// May replicate even though it is not a write (PUBLISH, EVAL): held by CLIENT PAUSE
    /// WRITE. Redis 7.0 hides this flag from COMMAND too.
    pub const MAY_REPLICATE: u32 = 1 << 16;

    /// Runs a transaction (EXEC): takes the exec gate's exclusive side itself, holds CLIENT
    /// PAUSE WRITE when its queue writes, and a refusal ends the open MULTI with EXECABORT.
    pub const EXCLUSIVE: u32 = 1 << 24;
    /// Takes the exec gate's exclusive side itself, as EXEC does, but is otherwise an ordinary
    /// command (EVAL, FCALL: a script runs as one step).
    pub const GATE_ALONE: u32 = 1 << 28;
    /// Runs at once inside MULTI instead of being queued (MULTI, EXEC, DISCARD, WATCH, QUIT,
    /// RESET).
    pub const IN_MULTI: u32 = 1 << 25;
    /// Allowed in RESP2's subscribed mode ((P|S)(UN)SUBSCRIBE, PING, QUIT, RESET).
    pub const SUBSCRIBED: u32 = 1 << 26;
    /// Refused with `-MISCONF` while persistence fails although it writes nothing (PING, so a
    /// health check notices, as in Redis).
    pub const DENY_ON_DISK_ERROR: u32 = 1 << 27;

    /// Names in COMMAND INFO order.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLE_KEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// One row of the command table.
pub struct Command {
    /// Lowercase name.
    pub name: &'static str,
    /// N: exactly N arguments (name included); -N: at least N.
    pub arity: i32,
    /// [`flags`] bits.
    pub flags: u32,
    /// Position of the first key (0: none).
    pub first_key: i32,
    /// Position of the last key (-1: the last argument).
    pub last_key: i32,
    /// Step between keys.
    pub step: i32,
    /// ACL categories beyond those implied by flags (without `@`).
    pub acl: &'static [&'static str],
    /// The implementation (containers have one that is never called).
    pub handler: Handler,
    /// Subcommands, for containers such as CLIENT.
    pub subcommands: &'static [Command],
    /// Position of a `numkeys` argument whose keys follow it (ZUNION, LMPOP...; 0: none).
    pub numkeys: i32,
    /// Position of the field or member a command looks up in its key's collection (SADD,
    /// HGET, ZSCORE...; 0: none): pipelines prefetch its place in a large collection.
    pub member: i32,
    /// Key positions that only the arguments tell (SORT's STORE destination): Redis's
    /// `getkeys_proc`, added to the declared ones.
    pub getkeys: Option<GetKeys>,
    /// When this says so, the command runs with every other command held off, as EXEC does:
    /// SORT with STORE, BY or GET reads keys it learns only as it goes, so no shard locks
    /// taken up front could make it atomic.
    pub alone: Option<Alone>,
}

/// Declares a command row: `cmd!(name, arity, flags, first, last, step, [acl], handler)`. Its
/// documentation (summary, arguments, key specs) is in `command_spec.txt`.
#[macro_export]
macro_rules! cmd {
    ($name:expr, $arity:expr, $flags:expr, $first:expr, $last:expr, $step:expr, [$($acl:expr),*],
     $handler:expr) => {
        $crate::command::Command {
            name: $name, arity: $arity, flags: $flags, first_key: $first, last_key: $last,
            step: $step, acl: &[$($acl),*], handler: $handler, subcommands: &[], numkeys: 0,
            member: 0, getkeys: None, alone: None,
        }
    };
}

/// Runtime statistics of one command (INFO commandstats).
#[derive(Default)]
pub struct CommandStats {
    /// Successful or failed executions.
    pub calls: AtomicU64,
    /// Total microseconds spent executing.
    pub usec: AtomicU64,
    /// Refused before execution (arity, unknown subcommand...).
    pub rejected: AtomicU64,
    /// Executions that replied with an error.
    pub failed: AtomicU64,
    /// Latency histogram: executions that took at most `LATENCY_BUCKETS_US[i]` µs (the last
    /// slot counts the rest). Not cumulative; /metrics sums them into Prometheus buckets.
    pub latency: [AtomicU64; LATENCY_BUCKETS_US.len() + 1],
    /// The fine histogram INFO latencystats reads percentiles from (see [`Percentiles`]),
    /// made at a command's first call.
    pub fine: std::sync::OnceLock<Box<Percentiles>>,
}

/// Durations in nanoseconds in log-linear buckets: exact below 8 ns, then 8 buckets per
/// power of two (every bucket within 12.5% of its values), as an HDR histogram with about one
/// significant digit; 512 counters cover every `u64`.
pub struct Percentiles([AtomicU64; 512]);

impl Default for Percentiles {
    fn default() -> Percentiles {
        Percentiles(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

impl Percentiles {
    fn bucket(ns: u64) -> usize {
        if ns < 8 {
            return ns as usize;
        }
        let exp = 63 - ns.leading_zeros() as usize;
        let sub = ((ns >> (exp - 3)) & 7) as usize;
        8 + (exp - 3) * 8 + sub
    }

    /// The middle of bucket `i`, in ns.
    fn value(i: usize) -> f64 {
        if i < 8 {
            return i as f64;
        }
        let exp = (i - 8) / 8 + 3;
        let sub = ((i - 8) % 8) as u64;
        let low = (8 + sub) << (exp - 3);
        let width = 1u64 << (exp - 3);
        low as f64 + width as f64 / 2.0
    }

    /// Counts one duration.
    pub fn record(&self, ns: u64) {
        self.0[Self::bucket(ns)].fetch_add(1, Relaxed);
    }

    /// The value below which `pct` percent of the durations fall, in µs.
    pub fn percentile_us(&self, pct: f64) -> f64 {
        let counts: Vec<u64> = self.0.iter().map(|c| c.load(Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return 0.0;
        }
        let want = ((pct / 100.0) * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= want {
                return Self::value(i) / 1000.0;
            }
        }
        Self::value(counts.len() - 1) / 1000.0
    }

    /// The cumulative counts at powers of two from 1024 ns, in µs, where the count grows (the
    /// `histogram_usec` of LATENCY HISTOGRAM, as Redis's log iterator over its histogram).
    pub fn cdf_pow2_us(&self) -> Vec<(u64, u64)> {
        let counts: Vec<u64> = self.0.iter().map(|c| c.load(Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        let mut out = Vec::new();
        let (mut seen, mut prev) = (0u64, 0u64);
        let mut next = 0usize;
        for k in 0..54 {
            let bound = 1024u64 << k;
            // Buckets start at powers of two: those below `bucket(2 * bound)` hold values up
            // to about `2 * bound`, those up to `bucket(bound)` values up to `bound`.
            let end = (Self::bucket(bound) + 1).min(counts.len());
            while next < end {
                seen += counts[next];
                next += 1;
            }
            if seen > prev {
                out.push((bound / 1000, seen));
                prev = seen;
            }
            if seen == total {
                break;
            }
        }
        out
    }

    /// Clears the counts.
    pub fn reset(&self) {
        for c in &self.0 {
            c.store(0, Relaxed);
        }
    }
}

/// Upper bounds (µs) of the per-command latency histogram buckets.
pub const LATENCY_BUCKETS_US: [u64; 10] = [1, 5, 10, 25, 50, 100, 250, 1000, 10_000, 100_000];

/// A command ready to run: its row, its full name and its stats slot.
pub struct Entry {
    /// The row.
    pub cmd: &'static Command,
    /// `name` or `container|sub`.
    pub full_name: String,
    /// Index of the container's entry for subcommands.
    pub parent: Option<usize>,
    /// Stats.
    pub stats: CommandStats,
    /// Its documentation and key specifications.
    pub spec: &'static crate::command_spec::Spec,
}

/// The documentation entry of a command this build has: every one must have one.
fn spec_of(full_name: &str) -> &'static crate::command_spec::Spec {
    crate::command_spec::lookup(full_name)
        .unwrap_or_else(|| panic!("command {full_name} has no entry in command_spec.txt"))
}

/// All commands, flattened, with name lookup.
pub struct Registry {
    /// Every entry, top-level commands and subcommands.
    pub entries: Vec<Entry>,
    top: NameMap<&'static [u8]>,
    /// The commands by their own names, whatever `rename-command` did: what the AOF (which
    /// logs effects under those names) replays through.
    original: NameMap<&'static [u8]>,
    subs: NameMap<(usize, &'static [u8])>,
}

impl Registry {
    /// Builds the registry from the family tables.
    pub fn new(tables: &[&'static [Command]]) -> Registry {
        let mut r = Registry {
            entries: Vec::new(),
            top: NameMap::default(),
            original: NameMap::default(),
            subs: NameMap::default(),
        };
        for table in tables {
            for cmd in table.iter() {
                let idx = r.entries.len();
                r.entries.push(Entry {
                    cmd,
                    full_name: cmd.name.to_string(),
                    parent: None,
                    stats: CommandStats::default(),
                    spec: spec_of(cmd.name),
                });
                let dup = r.top.insert(cmd.name.as_bytes(), idx);
                assert!(dup.is_none(), "command {} declared twice", cmd.name);
                for sub in cmd.subcommands {
                    let sidx = r.entries.len();
                    let full_name = format!("{}|{}", cmd.name, sub.name);
                    r.entries.push(Entry {
                        cmd: sub,
                        spec: spec_of(&full_name),
                        full_name,
                        parent: Some(idx),
                        stats: CommandStats::default(),
                    });
                    r.subs.insert((idx, sub.name.as_bytes()), sidx);
                }
            }
        }
        r.original = r.top.clone();
        r
    }

    /// `rename-command old new` of the config file: clients call the command `new` from now
    /// on (an empty `new` takes it away); the AOF still replays it by its own name. Errors are
    /// Redis's texts.
    pub fn rename(&mut self, old: &str, new: &str) -> Result<(), String> {
        let old_l = old.to_ascii_lowercase();
        let Some(&idx) = self.top.get(old_l.as_bytes()) else {
            return Err("No such command in rename-command".into());
        };
        let new_l = new.to_ascii_lowercase();
        if !new_l.is_empty() && self.top.contains_key(new_l.as_bytes()) {
            return Err("Target command name already exists".into());
        }
        self.top.remove(old_l.as_bytes());
        if !new_l.is_empty() {
            // A handful of names, once at start-up: leaked to live as long as the table.
            let name: &'static [u8] = Box::leak(new_l.into_bytes().into_boxed_slice());
            self.top.insert(name, idx);
        }
        Ok(())
    }

    /// [`Self::resolve`] by the commands' own names (the AOF's replay, past `rename-command`).
    pub fn resolve_original(&self, args: &[&[u8]]) -> Result<usize, (Option<usize>, CmdError)> {
        match lower_lookup(args[0], |n| self.original.get(n).copied()) {
            Some(idx) if self.entries[idx].cmd.subcommands.is_empty() => {
                self.check_arity(idx, args).map(|_| idx)
            }
            _ => self.resolve(args),
        }
    }

    /// Finds a top-level command by name, case-insensitively.
    pub fn lookup(&self, name: &[u8]) -> Option<usize> {
        lower_lookup(name, |n| self.top.get(n).copied())
    }

    /// Finds a subcommand of container `parent`.
    pub fn lookup_sub(&self, parent: usize, name: &[u8]) -> Option<usize> {
        lower_lookup(name, |n| self.subs.get(&(parent, n)).copied())
    }

    /// Top-level entries only.
    pub fn top_level(&self) -> impl Iterator<Item = (usize, &Entry)> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.parent.is_none())
    }

    /// Subcommand entries of `parent`.
    pub fn children(&self, parent: usize) -> impl Iterator<Item = (usize, &Entry)> {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.parent == Some(parent))
    }

    /// Resolves `args` to the entry that will run (the subcommand for containers). Errors carry
    /// Redis's texts; the caller counts them as rejected.
    pub fn resolve(&self, args: &[&[u8]]) -> Result<usize, (Option<usize>, CmdError)> {
        let Some(idx) = self.lookup(args[0]) else {
            return Err((None, unknown_command(args)));
        };
        let e = &self.entries[idx];
        if !e.cmd.subcommands.is_empty() {
            // A container that accepts being called alone (COMMAND) runs its own handler.
            if args.len() < 2 && e.cmd.arity == -1 {
                return Ok(idx);
            }
            if args.len() < 2 {
                return Err((Some(idx), CmdError::arity(&e.full_name)));
            }
            let Some(sidx) = self.lookup_sub(idx, args[1]) else {
                let upper = e.cmd.name.to_uppercase();
                return Err((
                    Some(idx),
                    CmdError::concat(&[
                        b"ERR unknown subcommand '",
                        c_str(args[1], 128),
                        b"'. Try ",
                        upper.as_bytes(),
                        b" HELP.",
                    ]),
                ));
            };
            return self.check_arity(sidx, args).map(|_| sidx);
        }
        self.check_arity(idx, args).map(|_| idx)
    }

    /// Checks the argument count of resolved command `idx`.
    pub fn check_arity(&self, idx: usize, args: &[&[u8]]) -> Result<(), (Option<usize>, CmdError)> {
        let e = &self.entries[idx];
        let arity = e.cmd.arity;
        let n = args.len() as i64;
        if (arity > 0 && n != i64::from(arity)) || n < -i64::from(arity) {
            return Err((Some(idx), CmdError::arity(&e.full_name)));
        }
        Ok(())
    }

    /// The key positions of a resolved command: its first/last/step keys, then the keys of a
    /// `numkeys` argument, then SORT's STORE destination (Redis's movable keys).
    pub fn key_positions(&self, idx: usize, args: &[&[u8]]) -> Vec<usize> {
        let cmd = self.entries[idx].cmd;
        let mut out = self.fixed_key_positions(idx, args.len());
        if cmd.numkeys > 0 {
            let at = cmd.numkeys as usize;
            let n = args
                .get(at)
                .and_then(|a| resp::number::parse_i64(a))
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0);
            if n == 0 || at + n >= args.len() {
                // A bad numkeys: Redis finds no keys at all.
                return Vec::new();
            }
            out.extend(at + 1..=at + n);
        }
        if let Some(extra) = cmd.getkeys {
            out.extend(extra(args));
        }
        out
    }

    fn fixed_key_positions(&self, idx: usize, argc: usize) -> Vec<usize> {
        let cmd = self.entries[idx].cmd;
        if cmd.first_key <= 0 {
            return Vec::new();
        }
        let first = cmd.first_key as usize;
        let last = if cmd.last_key < 0 {
            argc as i64 + i64::from(cmd.last_key)
        } else {
            i64::from(cmd.last_key)
        };
        let step = cmd.step.max(1) as usize;
        let mut out = Vec::new();
        let mut i = first;
        while (i as i64) <= last && i < argc {
            out.push(i);
            i += step;
        }
        out
    }

    /// Redis's `getKeysFromCommandWithSpecs`: the keys of `args` (a whole command) and their flags.
    /// The key specs decide, unless their flags depend on the arguments or they cannot tell (an
    /// unknown or incomplete spec, a bad key count); then the command's own key finder does, as
    /// Redis's `getkeys_proc`.
    pub fn keys_and_flags(&self, idx: usize, args: &[&[u8]]) -> Vec<(usize, u16)> {
        let spec = self.entries[idx].spec;
        let has_keyspec = spec
            .keys
            .iter()
            .any(|k| k.flags & crate::command_spec::key_flags::NOT_KEY == 0);
        let has_varflags = spec
            .keys
            .iter()
            .any(|k| k.flags & crate::command_spec::key_flags::VARIABLE_FLAGS != 0);
        if has_keyspec && !has_varflags {
            if let Some(keys) = crate::command_spec::keys_from_specs(spec, args) {
                return keys;
            }
        }
        crate::command_spec::native_keys(&self.entries[idx].full_name, args)
    }

    /// Commands executed so far (INFO total_commands_processed).
    pub fn total_calls(&self) -> u64 {
        self.entries
            .iter()
            .map(|e| e.stats.calls.load(Relaxed))
            .sum()
    }

    /// The member argument of a resolved command, if its row declares one (for prefetching).
    pub fn member<'a>(&self, idx: usize, args: &[&'a [u8]]) -> Option<&'a [u8]> {
        let pos = self.entries[idx].cmd.member;
        (pos > 0).then(|| args.get(pos as usize).copied()).flatten()
    }

    /// The first key argument of a command, if its table row declares keys (for prefetching).
    pub fn first_key<'a>(&self, args: &[&'a [u8]]) -> Option<(usize, &'a [u8])> {
        let idx = self.lookup(args.first()?)?;
        let cmd = self.entries[idx].cmd;
        if cmd.first_key <= 0 || !cmd.subcommands.is_empty() {
            return None;
        }
        args.get(cmd.first_key as usize).map(|k| (idx, *k))
    }

    /// Records one execution that took `ns` nanoseconds.
    pub fn record(&self, idx: usize, ns: u64, failed: bool) {
        let s = &self.entries[idx].stats;
        let usec = ns / 1000;
        s.fine.get_or_init(Box::default).record(ns);
        s.calls.fetch_add(1, Relaxed);
        s.usec.fetch_add(usec, Relaxed);
        let bucket = LATENCY_BUCKETS_US
            .iter()
            .position(|&b| usec <= b)
            .unwrap_or(LATENCY_BUCKETS_US.len());
        s.latency[bucket].fetch_add(1, Relaxed);
        if failed {
            s.failed.fetch_add(1, Relaxed);
        }
    }

    /// Clears every counter (CONFIG RESETSTAT).
    pub fn reset_stats(&self) {
        for e in &self.entries {
            e.stats.calls.store(0, Relaxed);
            e.stats.usec.store(0, Relaxed);
            e.stats.rejected.store(0, Relaxed);
            e.stats.failed.store(0, Relaxed);
            for b in &e.stats.latency {
                b.store(0, Relaxed);
            }
            if let Some(f) = e.stats.fine.get() {
                f.reset();
            }
        }
    }
}

fn lower_lookup(name: &[u8], f: impl FnOnce(&[u8]) -> Option<usize>) -> Option<usize> {
    let mut buf = [0u8; 32];
    if name.len() > buf.len() {
        return None;
    }
    for (d, s) in buf.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    f(&buf[..name.len()])
}

/// Redis's text, built as its `sdscatprintf` calls build it: each argument printed with
/// `'%.*s' ` until 128 bytes of them have been written.
fn unknown_command(args: &[&[u8]]) -> CmdError {
    let mut rest: Vec<u8> = Vec::new();
    for a in &args[1..] {
        if rest.len() >= 128 {
            break;
        }
        let room = 128 - rest.len();
        rest.push(b'\'');
        rest.extend_from_slice(c_str(a, room));
        rest.extend_from_slice(b"' ");
    }
    CmdError::concat(&[
        b"ERR unknown command '",
        c_str(args[0], 128),
        b"', with args beginning with: ",
        &rest,
    ])
}

/// Redis's ACL categories, in the order of its category table (`ACLCommandCategories`): the
/// order COMMAND INFO lists a command's categories in and ACL LIST describes rules in.
pub const ACL_CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// The ACL categories of a command, as COMMAND INFO lists them.
pub fn acl_categories(cmd: &Command) -> Vec<String> {
    const ORDER: &[&str] = ACL_CATEGORIES;
    let f = cmd.flags;
    let mut has: Vec<&str> = cmd.acl.to_vec();
    for (flag, name) in [
        (flags::WRITE, "write"),
        (flags::READONLY, "read"),
        (flags::ADMIN, "admin"),
        (flags::ADMIN, "dangerous"),
        (flags::PUBSUB, "pubsub"),
        (flags::BLOCKING, "blocking"),
    ] {
        // As Redis's setImplicitACLCategories: scripting commands are never @read.
        if f & flag != 0 && !(name == "read" && cmd.acl.contains(&"scripting")) {
            has.push(name);
        }
    }
    has.push(if f & flags::FAST != 0 { "fast" } else { "slow" });
    let rank = |c: &&str| ORDER.iter().position(|o| o == c).unwrap_or(ORDER.len());
    has.sort_by_key(rank);
    has.dedup();
    has.iter().map(|c| format!("@{c}")).collect()
}

#[cfg(test)]
mod tests {
    use super::Percentiles;

    #[test]
    fn percentiles_come_from_log_linear_buckets() {
        let p = Percentiles::default();
        assert_eq!(p.percentile_us(50.0), 0.0, "empty");
        // 90 fast calls of 1 µs, 9 of 100 µs, one of 10 ms.
        for _ in 0..90 {
            p.record(1_000);
        }
        for _ in 0..9 {
            p.record(100_000);
        }
        p.record(10_000_000);
        let within = |got: f64, want: f64| (got - want).abs() / want < 0.07;
        assert!(
            within(p.percentile_us(50.0), 1.0),
            "{}",
            p.percentile_us(50.0)
        );
        assert!(
            within(p.percentile_us(99.0), 100.0),
            "{}",
            p.percentile_us(99.0)
        );
        assert!(
            within(p.percentile_us(99.9), 10_000.0),
            "{}",
            p.percentile_us(99.9)
        );
        assert!(within(p.percentile_us(100.0), 10_000.0));
        for ns in [0u64, 7, 8, 9, 1023, 1024, u64::MAX] {
            let b = Percentiles::bucket(ns);
            assert!(b < 512, "{ns} -> {b}");
            if (8..u64::MAX / 2).contains(&ns) {
                let mid = Percentiles::value(b);
                assert!((mid - ns as f64).abs() <= ns as f64 / 8.0, "{ns}: {mid}");
            }
        }
        p.reset();
        assert_eq!(p.percentile_us(99.0), 0.0);
    }
}
