//! DEBUG: Redis's debugging subcommands that test suites and tools use (SLEEP, RELOAD, OBJECT,
//! SET-ACTIVE-EXPIRE, DIGEST, DIGEST-VALUE, POPULATE, PROTOCOL, ERROR, LOG, CHANGE-REPL-ID,
//! LISTPACK, QUICKLIST, QUICKLIST-PACKED-THRESHOLD, STRINGMATCH-TEST, HELP), behind
//! `enable-debug-command` (`no` by default, as Redis 7.0; `local` allows loopback
//! connections). DEBUG runs alone: while it sleeps or reloads, no other command runs, as in
//! Redis's single thread.
//!
//! DIGEST is Redis's dataset digest, bit for bit (`computeDatasetDigest` in `debug.c`): SHA-1
//! mixes of keys and values, XORed where order does not matter (set members, hash fields,
//! sorted-set members, keys), so two servers holding the same data print the same digest.
//! LISTPACK and QUICKLIST describe, in the log, the listpack or quicklist Redis would hold the
//! value in (the layout the RDB writer produces, under the threshold of the moment: Redis keeps
//! nodes as they were made); QUICKLIST-PACKED-THRESHOLD moves the size
//! from which a list element is a PLAIN node of its own there. Subcommands of Redis's DEBUG
//! that poke at its C internals (JMAP, SDSLEN, MALLCTL, STRUCTSIZE, SEGFAULT...) are not
//! listed: they answer the unknown-subcommand error.

use super::is;
use crate::command::{flags::*, CmdResult, Command};
use crate::entry::{EntryRef, Kind};
use crate::error::CmdError;
use crate::rdb::Value;
use crate::{cmd, Ctx};
use sha1_smol::Sha1;

/// Whether this connection may run DEBUG under `enable-debug-command` (Redis's
/// `allowProtectedAction`): `yes`, or `local` and a loopback or Unix-socket peer.
fn allowed(ctx: &Ctx<'_>) -> bool {
    super::protected_action_allowed(ctx, ctx.engine.config.read(|v| v.enable_debug_command))
}

/// `DEBUG subcommand [argument ...]`
fn debug(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if !allowed(ctx) {
        return Err(CmdError::from_static(
            "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
        ));
    }
    let sub = args[1];
    let n = args.len();
    match () {
        _ if is(sub, "help") && n == 2 => help(ctx),
        _ if is(sub, "sleep") && n == 3 => sleep(ctx, args[2]),
        _ if is(sub, "reload") => reload(ctx, &args[2..]),
        _ if is(sub, "object") && n == 3 => object(ctx, args[2]),
        _ if is(sub, "set-active-expire") && n == 3 => {
            let on = super::int_arg(args[2])? != 0;
            ctx.engine
                .state
                .active_expire_off
                .store(!on, std::sync::atomic::Ordering::Relaxed);
            ctx.out.ok();
            Ok(())
        }
        _ if is(sub, "digest") && n == 2 => {
            let d = dataset_digest(ctx);
            ctx.out.simple(&hex(&d));
            Ok(())
        }
        _ if is(sub, "digest-value") && n >= 2 => {
            ctx.out.array(n - 2);
            for key in &args[2..] {
                // Logically expired keys count until they are deleted, as in Redis.
                let k = ctx.key(key);
                let shard = ctx.ks().db(ctx.db()).read(k.shard);
                let mut d = [0u8; 20];
                if let Some(e) = shard.table.get(k.hash, key) {
                    object_digest(&mut d, &e);
                }
                drop(shard);
                ctx.out.simple(&hex(&d));
            }
            Ok(())
        }
        _ if is(sub, "populate") && (3..=5).contains(&n) => populate(ctx, args),
        _ if is(sub, "protocol") && n == 3 => protocol(ctx, args[2]),
        _ if is(sub, "error") && n == 3 => {
            // The text as given after the `-` (Redis adds no code), line breaks made spaces so
            // the reply stays one line.
            let msg: Vec<u8> = args[2]
                .iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
                .collect();
            ctx.out.error(&msg);
            Ok(())
        }
        _ if is(sub, "change-repl-id") && n == 2 => {
            tracing::warn!("Changing replication IDs after receiving DEBUG change-repl-id");
            *ctx.engine.replid.lock().unwrap_or_else(|p| p.into_inner()) = crate::rand::hex_id();
            ctx.out.ok();
            Ok(())
        }
        _ if is(sub, "quicklist-packed-threshold") && n == 3 => {
            // Redis's quicklistisSetPackedThreshold: up to 4 GB less 1 MB; 0 restores 1 GB.
            let size = std::str::from_utf8(args[2])
                .ok()
                .and_then(crate::config::memtoull)
                .filter(|&sz| sz <= (1u64 << 32) - (1 << 20))
                .ok_or(CmdError::from_static(
                    "ERR argument must be a memory value bigger than 1 and smaller than 4gb",
                ))?;
            let size = if size == 0 {
                crate::rdb::PLAIN_THRESHOLD
            } else {
                usize::try_from(size).unwrap_or(usize::MAX)
            };
            ctx.engine
                .config
                .packed_threshold
                .store(size, std::sync::atomic::Ordering::Relaxed);
            ctx.out.ok();
            Ok(())
        }
        _ if is(sub, "listpack") && n == 3 => layout(ctx, args[2], "listpack"),
        _ if is(sub, "quicklist") && (n == 3 || n == 4) => layout(ctx, args[2], "quicklist"),
        _ if is(sub, "stringmatch-test") && n == 2 => {
            stringmatch_test();
            ctx.out
                .simple("Apparently Redis did not crash: test passed");
            Ok(())
        }
        _ if is(sub, "log") && n == 3 => {
            tracing::warn!("DEBUG LOG: {}", String::from_utf8_lossy(args[2]));
            ctx.out.ok();
            Ok(())
        }
        _ => Err(CmdError::concat(&[
            b"ERR unknown subcommand or wrong number of arguments for '",
            crate::error::c_str(sub, 128),
            b"'. Try DEBUG HELP.",
        ])),
    }
}

/// `DEBUG LISTPACK key` and `DEBUG QUICKLIST key [0|1]`: the value's listpack (a small hash
/// or sorted set) or quicklist (a list) written to the log, entry by entry or node by node.
fn layout(ctx: &mut Ctx<'_>, key: &[u8], want: &str) -> CmdResult {
    let k = ctx.key(key);
    let opts = ctx.engine.config.rdb_options();
    let text = super::peek_key(ctx, &k, |e| {
        let e = e?;
        if super::keys::encoding_of(&e) != want {
            return Some(Err(()));
        }
        Some(Ok(match crate::dump::to_value(&e) {
            Value::Hash(pairs) => {
                let items: Vec<&[u8]> = pairs.iter().flat_map(|(f, v)| [&f[..], &v[..]]).collect();
                crate::rdb::listpack_repr(&items)
            }
            Value::ZSet(mut members) => {
                // In score order, as the listpack holds them.
                members.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
                let scores: Vec<Vec<u8>> = members
                    .iter()
                    .map(|(_, s)| crate::rdb::d2string(*s).into_bytes())
                    .collect();
                let items: Vec<&[u8]> = members
                    .iter()
                    .zip(&scores)
                    .flat_map(|((m, _), s)| [&m[..], &s[..]])
                    .collect();
                crate::rdb::listpack_repr(&items)
            }
            Value::List(items) => {
                let nodes = crate::rdb::quicklist_layout(&items, &opts);
                let mut out = format!(
                    "{{count : {}}}\n{{len   : {}}}\n{{fill  : {}}}\n",
                    items.len(),
                    nodes.len(),
                    opts.list_max_listpack_size
                );
                for (i, (plain, bytes, count)) in nodes.iter().enumerate() {
                    out += &format!(
                        "{{quicklist node({i})\n{{container : {}, count: {count}, sz: {bytes}}}\n}}\n",
                        if *plain { "PLAIN" } else { "PACKED" }
                    );
                }
                out
            }
            _ => String::new(),
        }))
    });
    match text {
        None => Err(crate::error::NO_SUCH_KEY),
        Some(Err(())) if want == "listpack" => {
            Err(CmdError::from_static("ERR Not a listpack encoded object."))
        }
        Some(Err(())) => Err(CmdError::from_static("ERR Not a quicklist encoded object.")),
        Some(Ok(text)) => {
            tracing::info!(
                "DEBUG {} {}:\n{text}",
                want.to_uppercase(),
                String::from_utf8_lossy(key)
            );
            ctx.out.simple(if want == "listpack" {
                "Listpack structure printed on stdout"
            } else {
                "Quicklist structure printed on stdout"
            });
            Ok(())
        }
    }
}

/// Redis's `stringmatchlen_fuzz_test`: glob matching over random patterns and strings must
/// terminate without a crash (deep `*` runs, unbalanced `[`, trailing `\\`).
fn stringmatch_test() {
    const ALPHABET: &[u8] = b"*?[]\\^-ab";
    for _ in 0..100_000 {
        let gen = |max: usize| -> Vec<u8> {
            let len = crate::rand::below(max);
            (0..len)
                .map(|_| ALPHABET[crate::rand::below(ALPHABET.len())])
                .collect()
        };
        let pattern = gen(32);
        let text = gen(32);
        std::hint::black_box(crate::glob::matches(&pattern, &text, false));
    }
}

fn help(ctx: &mut Ctx<'_>) -> CmdResult {
    super::help_reply(
        ctx,
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "CHANGE-REPL-ID",
            "    Change the replication IDs of the instance.",
            "    Dangerous: should be used only for testing the replication subsystem.",
            "DIGEST",
            "    Output a hex signature representing the current DB content.",
            "DIGEST-VALUE <key> [<key> ...]",
            "    Output a hex signature of the values of all the specified keys.",
            "ERROR <string>",
            "    Return a Redis protocol error with <string> as message. Useful for clients",
            "    unit tests to simulate Redis errors.",
            "LOG <message>",
            "    Write <message> to the server log.",
            "OBJECT <key>",
            "    Show low level info about `key` and associated value.",
            "POPULATE <count> [<prefix>] [<size>]",
            "    Create <count> string keys named key:<num>. If <prefix> is specified then",
            "    it is used instead of the 'key' prefix. These are not propagated to",
            "    replicas. Cluster slots are not respected so keys not belonging to the",
            "    current node can be created in cluster mode.",
            "PROTOCOL <type>",
            "    Reply with a test value of the specified type. <type> can be: string,",
            "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
            "    true, false.",
            "RELOAD [option ...]",
            "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
            "    * MERGE: conflicting keys will be loaded from RDB.",
            "    * NOFLUSH: the existing database will not be removed before load, but",
            "      conflicting keys will generate an exception and kill the server.",
            "    * NOSAVE: the database will be loaded from an existing RDB file.",
            "    Examples:",
            "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
            "      the database.",
            "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
            "      existing RDB file.",
            "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
            "      file to the database.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not",
            "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
            "    default.",
            "QUICKLIST-PACKED-THRESHOLD <size>",
            "    Sets the threshold for elements to be inserted as plain vs packed nodes",
            "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
            "STRINGMATCH-TEST",
            "    Run a fuzz tester against the stringmatchlen() function.",
            "LISTPACK <key>",
            "    Show low level info about the listpack encoding of <key>.",
            "QUICKLIST <key> [<0|1>]",
            "    Show low level info about the quicklist encoding of <key>.",
            "    The optional argument (0 by default) sets the level of detail",
        ],
    );
    Ok(())
}

/// `DEBUG SLEEP seconds`: the server stops (DEBUG runs alone) for that long.
fn sleep(ctx: &mut Ctx<'_>, arg: &[u8]) -> CmdResult {
    let secs = std::str::from_utf8(arg)
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite())
        .unwrap_or(0.0);
    if secs > 0.0 {
        std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(1e9)));
    }
    ctx.out.ok();
    Ok(())
}

/// `DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]`: saves the RDB (unless NOSAVE), empties the
/// databases (unless NOFLUSH) and loads the file back; with MERGE a key of the file replaces
/// one in memory instead of failing the load.
fn reload(ctx: &mut Ctx<'_>, opts: &[&[u8]]) -> CmdResult {
    let (mut merge, mut noflush, mut nosave) = (false, false, false);
    for o in opts {
        if is(o, "merge") {
            merge = true;
        } else if is(o, "noflush") {
            noflush = true;
        } else if is(o, "nosave") {
            nosave = true;
        } else {
            return Err(CmdError::from_static(
                "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
            ));
        }
    }
    let p = ctx
        .engine
        .persistence()
        .ok_or(CmdError::from_static("ERR this server keeps no files"))?;
    if !nosave {
        p.save()?;
    }
    if !noflush {
        let all: Vec<usize> = (0..ctx.ks().databases()).collect();
        super::keys::flush(ctx, &all, false);
    }
    p.reload(merge).map_err(|e| {
        tracing::warn!("DEBUG RELOAD: {e}");
        CmdError::from_static("ERR Error trying to load the RDB dump, check server logs.")
    })?;
    tracing::info!("DB reloaded by DEBUG RELOAD");
    ctx.out.ok();
    Ok(())
}

/// `DEBUG OBJECT key`: Redis's one-line description of the value (its address, encoding,
/// serialized length, LRU clock and idle time).
fn object(ctx: &mut Ctx<'_>, key: &[u8]) -> CmdResult {
    let k = ctx.key(key);
    let now = ctx.base_time();
    let lfu = ctx.engine.memory.policy().is_lfu();
    let opts = ctx.engine.config.rdb_options();
    let compress = ctx.engine.config.read(|v| v.encodings.list_compress_depth);
    let line = super::peek_key(ctx, &k, |e| {
        e.map(|e| {
            let value = crate::dump::to_value(&e);
            // The payload less its type byte and its 10-byte footer: rdbSavedObjectLen.
            let len = crate::rdb::dump_payload_with(&value, &opts).len() - 11;
            let clock = e.clock();
            let idle = if lfu { 0 } else { crate::memory::idle_seconds(clock, now) };
            let mut line = format!(
                "Value at:{:p} refcount:1 encoding:{} serializedlength:{len} lru:{clock} lru_seconds_idle:{idle}",
                e.value().as_ptr(),
                super::keys::encoding_of(&e),
            );
            if let Value::List(items) = &value {
                // The quicklist Redis would hold these elements in (as its RDB writer lays
                // a list out): node count, fill, compression and bytes.
                let (nodes, bytes) = crate::rdb::quicklist_shape(items, &opts);
                let avg = items.len() as f64 / nodes.max(1) as f64;
                line += &format!(
                    " ql_nodes:{nodes} ql_avg_node:{avg:.2} ql_listpack_max:{} ql_compressed:{} ql_uncompressed_size:{bytes}",
                    opts.list_max_listpack_size,
                    u8::from(compress != 0),
                );
            }
            line
        })
    });
    match line {
        Some(l) => ctx.out.simple(&l),
        None => return Err(CmdError::from_static("ERR no such key")),
    }
    Ok(())
}

/// `DEBUG POPULATE count [prefix] [size]`: creates `prefix:N` = `value:N` (or `size` bytes of
/// it, zero-padded) for N below `count`, skipping keys that exist. Not logged, as in Redis.
fn populate(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    const POSITIVE: CmdError = CmdError::from_static("ERR value is out of range, must be positive");
    // Redis's getPositiveLongFromObjectOrReply: one error for a non-number and a negative.
    let positive = |a: &[u8]| {
        resp::number::parse_i64(a)
            .filter(|v| *v >= 0)
            .ok_or(POSITIVE)
    };
    let count = positive(args[2])?;
    let size = match args.get(4) {
        Some(a) => {
            let s = positive(a)?;
            super::check_string_length(ctx, s as u64, 0)?;
            s as usize
        }
        None => 0,
    };
    let prefix = args.get(3).copied().unwrap_or(b"key");
    let (db, now) = (ctx.db(), ctx.now);
    let meta = crate::entry::EntryMeta {
        clock: ctx.clock(),
        ..Default::default()
    };
    let mut name = Vec::new();
    let mut value = Vec::new();
    for j in 0..count as u64 {
        name.clear();
        name.extend_from_slice(prefix);
        name.push(b':');
        resp::number::write_u64(&mut name, j);
        // Redis formats the name into a 128-byte buffer.
        name.truncate(127);
        let k = ctx.key(&name);
        let mut l = ctx.ks().lock(db, &[k]);
        if l.get(db, &k, now).is_some() {
            continue;
        }
        value.clear();
        value.extend_from_slice(b"value:");
        resp::number::write_u64(&mut value, j);
        if size > 0 {
            value.resize(size, 0);
        }
        l.set(db, &k, &value, meta);
    }
    ctx.out.ok();
    Ok(())
}

/// `DEBUG PROTOCOL type`: a sample reply of each RESP type, as Redis sends it.
fn protocol(ctx: &mut Ctx<'_>, name: &[u8]) -> CmdResult {
    let resp3 = ctx.session.resp3;
    let out = &mut *ctx.out;
    match name {
        n if is(n, "string") => out.bulk(b"Hello World"),
        n if is(n, "integer") => out.int(12345),
        n if is(n, "double") => out.double_text(b"3.141"),
        n if is(n, "bignum") => {
            let digits = b"1234567999999999999999999999999999999";
            if resp3 {
                out.raw(b"(");
                out.raw(digits);
                out.raw(b"\r\n");
            } else {
                out.bulk(digits);
            }
        }
        n if is(n, "null") => out.null(),
        n if is(n, "array") || is(n, "set") => {
            if is(n, "set") {
                out.set(3);
            } else {
                out.array(3);
            }
            for j in 0..3 {
                out.int(j);
            }
        }
        n if is(n, "map") => {
            out.map(3);
            for j in 0..3 {
                out.int(j);
                out.bool(j == 1);
            }
        }
        n if is(n, "attrib") => {
            if resp3 {
                out.raw(b"|1\r\n");
                out.bulk(b"key-popularity");
                out.array(2);
                out.bulk(b"key:123");
                out.int(90);
            }
            out.bulk(b"Some real reply following the attribute");
        }
        n if is(n, "push") => {
            if !resp3 {
                return Err(CmdError::from_static("ERR RESP2 is not supported by this command"));
            }
            out.push(2);
            out.bulk(b"server-cpu-usage");
            out.int(42);
            out.bulk(b"Some real reply following the push reply");
        }
        n if is(n, "true") => out.bool(true),
        n if is(n, "false") => out.bool(false),
        n if is(n, "verbatim") => out.verbatim("txt", b"This is a verbatim\nstring"),
        _ => {
            return Err(CmdError::from_static(
                "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
            ))
        }
    }
    Ok(())
}

/// XORs the SHA-1 of `bytes` into `digest` (Redis's `xorDigest`).
fn xor_digest(digest: &mut [u8; 20], bytes: &[u8]) {
    let h = Sha1::from(bytes).digest().bytes();
    for (d, x) in digest.iter_mut().zip(h) {
        *d ^= x;
    }
}

/// XORs in the SHA-1 of `bytes`, then replaces `digest` by its own SHA-1 (Redis's
/// `mixDigest`): the order of mixes matters.
fn mix_digest(digest: &mut [u8; 20], bytes: &[u8]) {
    xor_digest(digest, bytes);
    *digest = Sha1::from(&digest[..]).digest().bytes();
}

/// Redis's type number, as the digest mixes it (big-endian u32).
fn type_code(kind: Kind) -> u32 {
    match kind {
        Kind::String => 0,
        Kind::List => 1,
        Kind::Set => 2,
        Kind::ZSet => 3,
        Kind::Hash => 4,
        Kind::Stream => 6,
    }
}

/// Mixes one value and its expiry into `d` (Redis's `xorObjectDigest`).
fn object_digest(d: &mut [u8; 20], e: &EntryRef<'_>) {
    mix_digest(d, &type_code(e.kind()).to_be_bytes());
    let pair = |a: &[u8], b: &[u8]| {
        let mut x = [0u8; 20];
        mix_digest(&mut x, a);
        mix_digest(&mut x, b);
        x
    };
    match crate::dump::to_value(e) {
        Value::String(s) => mix_digest(d, &s),
        Value::List(items) => {
            for i in &items {
                mix_digest(d, i);
            }
        }
        Value::Set(members) => {
            for m in &members {
                xor_digest(d, m);
            }
        }
        Value::Hash(pairs) => {
            for (f, v) in &pairs {
                xor_digest(d, &pair(f, v));
            }
        }
        Value::ZSet(items) => {
            for (m, score) in &items {
                xor_digest(d, &pair(m, &crate::float::format_double(*score)));
            }
        }
        Value::Stream(st) => {
            let mut buf = [0u8; 20];
            for entry in st.range(
                crate::types::stream::Id::MIN,
                crate::types::stream::Id::MAX,
                false,
            ) {
                let id = format!("{}.{}", entry.id.ms, entry.id.seq);
                mix_digest(d, id.as_bytes());
                for (f, v) in entry.fields() {
                    mix_digest(d, crate::types::stream::item_bytes(f, &mut buf));
                    mix_digest(d, crate::types::stream::item_bytes(v, &mut buf));
                }
            }
        }
    }
    if e.expire().is_some() {
        xor_digest(d, b"!!expire!!");
    }
}

/// The digest of every database (Redis's `computeDatasetDigest`): all zeros when empty.
/// Logically expired keys count until they are deleted, as in Redis.
fn dataset_digest(ctx: &Ctx<'_>) -> [u8; 20] {
    let ks = ctx.ks();
    let mut fin = [0u8; 20];
    for db in 0..ks.databases() {
        let mut any = false;
        let mut keys = [0u8; 20];
        for s in 0..crate::keyspace::SHARDS {
            let shard = ks.db(db).read(s);
            shard.table.for_each(|e| {
                any = true;
                let mut d = [0u8; 20];
                mix_digest(&mut d, e.key());
                object_digest(&mut d, &e);
                xor_digest(&mut keys, &d);
            });
        }
        if any {
            // The database number first, so the same data in another database differs.
            mix_digest(&mut fin, &(db as u32).to_be_bytes());
            for (a, b) in fin.iter_mut().zip(keys) {
                *a ^= b;
            }
        }
    }
    fin
}

fn hex(d: &[u8; 20]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The DEBUG row of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command { alone: Some(|_| true), ..cmd!("debug", -2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["dangerous"], debug) },
];

#[cfg(test)]
mod tests {
    #[test]
    fn stringmatch_test_terminates() {
        super::stringmatch_test();
    }
}
