//! Engine tests through `Engine::execute`, with an injected clock: no sockets, no sleeps.

use crate::clock::ManualClock;
use crate::config::Config;
use crate::{Engine, ReplyBuf, Session};
use resp::{parse_value, Value};
use std::collections::HashSet;
use std::sync::Arc;

const T0: u64 = 1_700_000_000_000;

struct Harness {
    engine: Engine,
    clock: Arc<ManualClock>,
    session: Session,
}

impl Harness {
    fn new() -> Harness {
        let clock = Arc::new(ManualClock::new(T0));
        let engine = Engine::new(Config::default(), clock.clone());
        let session = Session::new(&engine.clients, "test:1".into(), "test:0".into(), -1, T0);
        Harness {
            engine,
            clock,
            session,
        }
    }

    fn run(&mut self, cmd: &str) -> Value {
        let args: Vec<&[u8]> = cmd.split(' ').map(str::as_bytes).collect();
        self.run_args(&args)
    }

    fn run_args(&mut self, args: &[&[u8]]) -> Value {
        let mut out = ReplyBuf::new(self.session.resp3);
        self.engine.execute(&mut self.session, args, &mut out);
        let (v, n) = parse_value(&out.buf).expect("one complete reply");
        assert_eq!(n, out.buf.len(), "exactly one reply");
        v
    }
}

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

fn err(s: &str) -> Value {
    Value::Error(s.to_string())
}

#[test]
fn lazy_expiry_hides_keys_at_their_deadline() {
    let mut h = Harness::new();
    assert_eq!(h.run("SET k v PX 100"), Value::Simple("OK".into()));
    h.clock.advance(99);
    assert_eq!(h.run("GET k"), bulk("v"));
    assert_eq!(h.run("PTTL k"), Value::Int(1));
    h.clock.advance(1);
    assert_eq!(h.run("GET k"), Value::Null);
    assert_eq!(h.run("EXISTS k"), Value::Int(0));
    assert_eq!(h.run("TTL k"), Value::Int(-2));
    // A write access reclaims it and counts it as expired.
    assert_eq!(h.run("SETNX k w"), Value::Int(1));
    assert_eq!(h.engine.expired_keys(), 1);
}

#[test]
fn active_expiry_reclaims_unread_keys_exactly() {
    let mut h = Harness::new();
    for i in 0..1000 {
        let ttl = if i % 2 == 0 { "50" } else { "5000" };
        h.run(&format!("SET key:{i} v PX {ttl}"));
    }
    h.run("SET forever v");
    assert_eq!(h.run("DBSIZE"), Value::Int(1001));
    h.clock.advance(49);
    assert_eq!(
        h.engine
            .active_expire_cycle(std::time::Duration::from_secs(1)),
        0
    );
    h.clock.advance(1);
    assert_eq!(
        h.engine
            .active_expire_cycle(std::time::Duration::from_secs(1)),
        500
    );
    assert_eq!(h.run("DBSIZE"), Value::Int(501));
    h.clock.advance(5000);
    h.engine
        .active_expire_cycle(std::time::Duration::from_secs(1));
    assert_eq!(h.run("DBSIZE"), Value::Int(1));
    assert_eq!(h.engine.expired_keys(), 1000);
}

#[test]
fn expire_options_follow_redis() {
    let mut h = Harness::new();
    h.run("SET k v");
    assert_eq!(h.run("EXPIRE k 100 XX"), Value::Int(0));
    assert_eq!(h.run("EXPIRE k 100 GT"), Value::Int(0));
    assert_eq!(h.run("EXPIRE k 100 LT"), Value::Int(1));
    assert_eq!(h.run("EXPIRE k 50 NX"), Value::Int(0));
    assert_eq!(h.run("EXPIRE k 200 GT"), Value::Int(1));
    assert_eq!(h.run("TTL k"), Value::Int(200));
    assert_eq!(h.run("EXPIRETIME k"), Value::Int((T0 / 1000) as i64 + 200));
    assert_eq!(
        h.run("EXPIRE k 1 NX XX"),
        err("ERR NX and XX, GT or LT options at the same time are not compatible")
    );
    assert_eq!(h.run("EXPIRE k 1 FOO"), err("ERR Unsupported option FOO"));
    assert_eq!(
        h.run("EXPIRE k 9223372036854775807"),
        err("ERR invalid expire time in 'expire' command")
    );
    assert_eq!(h.run("PERSIST k"), Value::Int(1));
    assert_eq!(h.run("TTL k"), Value::Int(-1));
    assert_eq!(h.run("EXPIRE k -1"), Value::Int(1));
    assert_eq!(h.run("EXISTS k"), Value::Int(0));
}

#[test]
fn set_options_and_errors() {
    let mut h = Harness::new();
    assert_eq!(h.run("SET k v NX XX"), err("ERR syntax error"));
    assert_eq!(
        h.run("SET k v EX 0"),
        err("ERR invalid expire time in 'set' command")
    );
    assert_eq!(
        h.run("SET k v EX abc"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(h.run("SET k v KEEPTTL EX 1"), err("ERR syntax error"));
    assert_eq!(
        h.run("EXISTS k"),
        Value::Int(0),
        "a refused SET changes nothing"
    );
    assert_eq!(h.run("SET k v EX 10 GET"), Value::Null);
    assert_eq!(h.run("SET k w KEEPTTL GET"), bulk("v"));
    assert_eq!(h.run("TTL k"), Value::Int(10));
    assert_eq!(h.run("SET k x NX GET"), bulk("w"));
    assert_eq!(h.run("SET k x XX"), Value::Simple("OK".into()));
    assert_eq!(h.run("TTL k"), Value::Int(-1));
}

#[test]
fn counters_check_overflow_and_keep_ttl() {
    let mut h = Harness::new();
    h.run("SET n 9223372036854775806 EX 100");
    assert_eq!(h.run("INCR n"), Value::Int(i64::MAX));
    assert_eq!(
        h.run("INCR n"),
        err("ERR increment or decrement would overflow")
    );
    assert_eq!(h.run("GET n"), bulk("9223372036854775807"));
    assert_eq!(h.run("TTL n"), Value::Int(100));
    assert_eq!(
        h.run("DECRBY n -9223372036854775808"),
        err("ERR decrement would overflow")
    );
    h.run("SET f 1.5");
    assert_eq!(
        h.run("INCR f"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(h.run("INCRBYFLOAT f 0.1"), bulk("1.6"));
    assert_eq!(h.run("OBJECT ENCODING f"), bulk("embstr"));
    assert_eq!(
        h.run("INCRBYFLOAT f inf"),
        err("ERR increment would produce NaN or Infinity")
    );
    h.run("SET i 12");
    assert_eq!(h.run("OBJECT ENCODING i"), bulk("int"));
    h.run("APPEND i 3");
    assert_eq!(h.run("OBJECT ENCODING i"), bulk("raw"));
    assert_eq!(h.run("INCR i"), Value::Int(124));
    assert_eq!(h.run("OBJECT ENCODING i"), bulk("int"));
}

#[test]
fn setrange_and_getrange_limits() {
    let mut h = Harness::new();
    assert_eq!(
        h.run("SETRANGE k 536870912 x"),
        err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    );
    assert_eq!(h.run("SETRANGE k 0 "), Value::Int(0));
    assert_eq!(h.run("EXISTS k"), Value::Int(0));
    assert_eq!(h.run("SETRANGE k 3 abc"), Value::Int(6));
    assert_eq!(h.run("GET k"), Value::Bulk(b"\0\0\0abc".to_vec()));
    assert_eq!(h.run("GETRANGE k -3 -1"), bulk("abc"));
    assert_eq!(h.run("SETRANGE k -1 x"), err("ERR offset is out of range"));
}

#[test]
fn lcs_matches_redis_examples() {
    let mut h = Harness::new();
    h.run("MSET key1 ohmytext key2 mynewtext");
    assert_eq!(h.run("LCS key1 key2"), bulk("mytext"));
    assert_eq!(h.run("LCS key1 key2 LEN"), Value::Int(6));
    let idx = h.run("LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN");
    let range = |a: i64, b: i64| Value::Array(vec![Value::Int(a), Value::Int(b)]);
    assert_eq!(
        idx,
        Value::Array(vec![
            bulk("matches"),
            Value::Array(vec![Value::Array(vec![
                range(4, 7),
                range(5, 8),
                Value::Int(4)
            ])]),
            bulk("len"),
            Value::Int(6),
        ])
    );
}

#[test]
fn scan_returns_every_key_present_throughout_while_the_keyspace_grows() {
    let mut h = Harness::new();
    for i in 0..500 {
        h.run(&format!("SET base:{i} v"));
    }
    let mut seen = HashSet::new();
    let mut cursor = b"0".to_vec();
    let mut round = 0;
    loop {
        let reply = h.run_args(&[b"SCAN", &cursor, b"COUNT", b"20"]);
        let Value::Array(parts) = reply else {
            panic!("{reply:?}")
        };
        let (Value::Bulk(next), Value::Array(keys)) = (&parts[0], &parts[1]) else {
            panic!()
        };
        for k in keys {
            if let Value::Bulk(k) = k {
                seen.insert(k.clone());
            }
        }
        round += 1;
        if round < 40 {
            for j in 0..100 {
                h.run(&format!("SET grow:{round}:{j} v"));
            }
        }
        if next == b"0" {
            break;
        }
        cursor = next.clone();
    }
    for i in 0..500 {
        assert!(
            seen.contains(format!("base:{i}").as_bytes()),
            "base:{i} missed"
        );
    }
}

#[test]
fn keys_and_scan_match_and_type() {
    let mut h = Harness::new();
    h.run("MSET hello 1 hallo 2 hxllo 3 other 4");
    let Value::Array(mut keys) = h.run("KEYS h[ae]llo") else {
        panic!()
    };
    keys.sort_by_key(|v| match v {
        Value::Bulk(b) => b.clone(),
        _ => Vec::new(),
    });
    assert_eq!(keys, vec![bulk("hallo"), bulk("hello")]);
    let Value::Array(parts) = h.run("SCAN 0 MATCH h*llo COUNT 1000 TYPE string") else {
        panic!()
    };
    assert_eq!(parts[0], bulk("0"));
    assert!(matches!(&parts[1], Value::Array(k) if k.len() == 3));
    assert_eq!(h.run("SCAN 0 COUNT 0"), err("ERR syntax error"));
    assert_eq!(h.run("SCAN x"), err("ERR invalid cursor"));
}

#[test]
fn databases_copy_move_swap() {
    let mut h = Harness::new();
    h.run("SET k v EX 100");
    assert_eq!(
        h.run("COPY k k"),
        err("ERR source and destination objects are the same")
    );
    assert_eq!(h.run("COPY k k DB 1"), Value::Int(1));
    assert_eq!(h.run("MOVE k 1"), Value::Int(0));
    assert_eq!(h.run("MOVE k 16"), err("ERR DB index is out of range"));
    assert_eq!(h.run("SWAPDB 0 1"), Value::Simple("OK".into()));
    h.run("SELECT 1");
    assert_eq!(h.run("TTL k"), Value::Int(100));
    assert_eq!(h.run("SWAPDB 0 x"), err("ERR invalid second DB index"));
    assert_eq!(h.run("RENAME k j"), Value::Simple("OK".into()));
    assert_eq!(h.run("TTL j"), Value::Int(100));
    assert_eq!(h.run("RENAME nope j"), err("ERR no such key"));
    assert_eq!(h.run("FLUSHALL ASYNC"), Value::Simple("OK".into()));
    assert_eq!(h.run("DBSIZE"), Value::Int(0));
}

#[test]
fn dispatcher_errors_and_stats() {
    let mut h = Harness::new();
    assert_eq!(
        h.run("GET"),
        err("ERR wrong number of arguments for 'get' command")
    );
    assert_eq!(
        h.run("NOPE a b"),
        err("ERR unknown command 'NOPE', with args beginning with: 'a' 'b' ")
    );
    assert_eq!(
        h.run("CLIENT SETNAME"),
        err("ERR wrong number of arguments for 'client|setname' command")
    );
    assert_eq!(
        h.run("CLIENT FOO"),
        err("ERR unknown subcommand 'FOO'. Try CLIENT HELP.")
    );
    h.run("GET x");
    let Value::Bulk(info) = h.run("INFO commandstats") else {
        panic!()
    };
    let info = String::from_utf8(info).unwrap();
    assert!(info.contains("cmdstat_get:calls=1,"), "{info}");
    assert!(info.contains("rejected_calls=1"), "{info}");
    assert_eq!(
        h.run("COMMAND GETKEYS MSET a 1 b 2"),
        Value::Array(vec![bulk("a"), bulk("b")])
    );
}

#[test]
fn hello_switches_protocol() {
    let mut h = Harness::new();
    let Value::Map(fields) = h.run("HELLO 3") else {
        panic!()
    };
    assert!(fields.contains(&(bulk("proto"), Value::Int(3))));
    assert_eq!(h.run("GET missing"), Value::Null);
    assert_eq!(
        h.run("HELLO 4"),
        err("NOPROTO unsupported protocol version")
    );
    assert_eq!(h.run("RESET"), Value::Simple("RESET".into()));
    assert!(!h.session.resp3);
}

#[test]
fn in_place_overwrites_keep_expiry_accounting_exact() {
    let mut h = Harness::new();
    h.run("SET k 10 EX 100");
    assert_eq!(h.run("INCR k"), Value::Int(11));
    assert_eq!(h.run("TTL k"), Value::Int(100));
    assert_eq!(h.run("SET k 12 PX 50"), Value::Simple("OK".into()));
    assert_eq!(h.run("GET k"), bulk("12"));
    h.run("SET j ab EX 100");
    h.run("SET j cd");
    assert_eq!(h.run("TTL j"), Value::Int(-1));
    h.clock.advance(50);
    assert_eq!(
        h.engine
            .active_expire_cycle(std::time::Duration::from_secs(1)),
        1
    );
    assert_eq!(h.run("EXISTS k"), Value::Int(0));
    assert_eq!(h.run("GET j"), bulk("cd"));
    let Value::Bulk(info) = h.run("INFO keyspace") else {
        panic!()
    };
    assert!(String::from_utf8(info)
        .unwrap()
        .contains("db0:keys=1,expires=0,"));
}

impl Harness {
    fn other_session(&self) -> Session {
        Session::new(
            &self.engine.clients,
            "test:2".into(),
            "test:0".into(),
            -1,
            T0,
        )
    }

    fn run_as(&self, session: &mut Session, cmd: &str) -> Value {
        let args: Vec<&[u8]> = cmd.split(' ').map(str::as_bytes).collect();
        let mut out = ReplyBuf::new(session.resp3);
        self.engine.execute(session, &args, &mut out);
        parse_value(&out.buf).expect("one reply").0
    }
}

#[test]
fn multi_exec_queues_and_runs_in_order() {
    let mut h = Harness::new();
    assert_eq!(h.run("EXEC"), err("ERR EXEC without MULTI"));
    assert_eq!(h.run("DISCARD"), err("ERR DISCARD without MULTI"));
    h.run("SET s abc");
    assert_eq!(h.run("MULTI"), Value::Simple("OK".into()));
    assert_eq!(h.run("MULTI"), err("ERR MULTI calls can not be nested"));
    assert_eq!(h.run("SET a 1"), Value::Simple("QUEUED".into()));
    assert_eq!(h.run("INCR a"), Value::Simple("QUEUED".into()));
    assert_eq!(
        h.run("INCR s"),
        Value::Simple("QUEUED".into()),
        "fails only when it runs"
    );
    assert_eq!(
        h.run("WATCH a"),
        err("ERR WATCH inside MULTI is not allowed")
    );
    assert_eq!(
        h.run("EXEC"),
        Value::Array(vec![
            Value::Simple("OK".into()),
            Value::Int(2),
            err("ERR value is not an integer or out of range"),
        ])
    );
}

#[test]
fn errors_while_queuing_abort_the_transaction() {
    let mut h = Harness::new();
    h.run("MULTI");
    h.run("SET a 1");
    assert_eq!(
        h.run("GET"),
        err("ERR wrong number of arguments for 'get' command")
    );
    assert_eq!(
        h.run("EXEC"),
        err("EXECABORT Transaction discarded because of previous errors.")
    );
    assert_eq!(h.run("EXISTS a"), Value::Int(0));
    h.run("MULTI");
    assert!(matches!(h.run("NOPE"), Value::Error(e) if e.starts_with("ERR unknown command")));
    assert!(matches!(h.run("EXEC"), Value::Error(e) if e.starts_with("EXECABORT")));
    h.run("MULTI");
    h.run("SET a 1");
    assert_eq!(h.run("DISCARD"), Value::Simple("OK".into()));
    assert_eq!(h.run("EXISTS a"), Value::Int(0));
}

#[test]
fn watch_fails_exec_when_a_watched_key_changes() {
    let mut h = Harness::new();
    let mut other = h.other_session();
    h.run("SET k 1");
    // Modified by someone else.
    h.run("WATCH k");
    h.run_as(&mut other, "INCR k");
    h.run("MULTI");
    h.run("SET k 10");
    assert_eq!(h.run("EXEC"), Value::Null);
    assert_eq!(h.run("GET k"), bulk("2"));
    // Untouched: runs. A write that changes nothing (DEL of another key) does not count.
    h.run("WATCH k");
    h.run_as(&mut other, "DEL unrelated");
    h.run("MULTI");
    h.run("SET k 10");
    assert_eq!(
        h.run("EXEC"),
        Value::Array(vec![Value::Simple("OK".into())])
    );
    // Expired since WATCH.
    h.run("SET t v PX 100");
    h.run("WATCH t");
    h.clock.advance(100);
    h.run("MULTI");
    h.run("SET x 1");
    assert_eq!(h.run("EXEC"), Value::Null);
    assert_eq!(h.run("EXISTS x"), Value::Int(0));
    // Flushed.
    h.run("WATCH k");
    h.run_as(&mut other, "FLUSHALL");
    h.run("MULTI");
    h.run("SET x 1");
    assert_eq!(h.run("EXEC"), Value::Null);
    // A flush of a database without the key does not count.
    h.run("SET k 1");
    h.run("WATCH k");
    h.run_as(&mut other, "SELECT 3");
    h.run_as(&mut other, "FLUSHDB");
    h.run("MULTI");
    h.run("SET x 1");
    assert_eq!(
        h.run("EXEC"),
        Value::Array(vec![Value::Simple("OK".into())])
    );
    // UNWATCH forgets.
    h.run("WATCH k");
    h.run_as(&mut other, "SELECT 0");
    h.run_as(&mut other, "SET k 5");
    h.run("UNWATCH");
    h.run("MULTI");
    h.run("GET k");
    assert_eq!(h.run("EXEC"), Value::Array(vec![bulk("5")]));
    // RESP3: a failed EXEC is a null.
    h.run("HELLO 3");
    h.run("WATCH k");
    h.run_as(&mut other, "SET k 6");
    h.run("MULTI");
    assert_eq!(h.run("EXEC"), Value::Null);
}

/// HSCAN, SSCAN and ZSCAN keep SCAN's guarantee on large collections: a member present from
/// the first call to the last is returned at least once, while members come and go and the
/// table grows and shrinks between calls.
#[test]
fn collection_scans_keep_the_scan_guarantee_while_resizing() {
    let mut h = Harness::new();
    for (cmd, add, del) in [
        ("SSCAN", "SADD s m{}", "SREM s t{}"),
        ("HSCAN", "HSET s m{} v", "HDEL s t{}"),
        ("ZSCAN", "ZADD s {} m{}", "ZREM s t{}"),
    ] {
        h.run("DEL s");
        let stable: Vec<String> = (0..600).map(|i| format!("m{i}")).collect();
        for i in 0..600 {
            h.run(&add.replace("{}", &i.to_string()));
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = "0".to_string();
        let mut round = 0;
        loop {
            // Grow to several times the size, then shrink back, while the scan goes on.
            let transient = if round < 20 { 0..200 } else { 0..0 };
            for j in transient {
                let n = round * 200 + j;
                let t = add
                    .replace("m{}", &format!("t{n}"))
                    .replace("{}", &n.to_string());
                h.run(&t);
            }
            if round >= 20 {
                for n in (round - 20) * 200..(round - 19) * 200 {
                    h.run(&del.replace("{}", &n.to_string()));
                }
            }
            let Value::Array(reply) = h.run(&format!("{cmd} s {cursor} COUNT 20")) else {
                panic!("{cmd} reply")
            };
            let Value::Bulk(next) = &reply[0] else {
                panic!("cursor")
            };
            let Value::Array(items) = &reply[1] else {
                panic!("items")
            };
            let step = if cmd == "SSCAN" { 1 } else { 2 };
            for item in items.iter().step_by(step) {
                if let Value::Bulk(m) = item {
                    seen.insert(String::from_utf8(m.clone()).unwrap());
                }
            }
            cursor = String::from_utf8(next.clone()).unwrap();
            round += 1;
            if cursor == "0" {
                break;
            }
            assert!(round < 10_000, "{cmd} never finished");
        }
        for m in &stable {
            assert!(seen.contains(m), "{cmd} missed {m}");
        }
    }
}

/// Every live key of every database as (db, key) -> (value, expiry), read now.
fn dataset(
    engine: &Engine,
) -> std::collections::BTreeMap<(usize, Vec<u8>), (crate::rdb::Value, Option<u64>)> {
    let now = engine.clock.now_ms();
    let ks = &engine.keyspace;
    let mut out = std::collections::BTreeMap::new();
    for d in 0..ks.databases() {
        for s in 0..crate::keyspace::SHARDS {
            ks.db(d).read(s).table.for_each(|e| {
                if !e.is_expired(now) {
                    out.insert(
                        (d, e.key().to_vec()),
                        (crate::dump::to_value(&e), e.expire()),
                    );
                }
            });
        }
    }
    out
}

#[test]
fn a_snapshot_is_the_dataset_at_its_start_whatever_writers_do_meanwhile() {
    let mut h = Harness::new();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut rand = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    // Every type, expiries, two databases.
    fn rand_cmd(h: &mut Harness, rand: &mut dyn FnMut(u64) -> u64) {
        let k = rand(300);
        let v = rand(1000);
        let cmd = match rand(16) {
            0 | 1 => format!("SET s:{k} v{v}"),
            2 => format!("DEL s:{k} l:{k} h:{k}"),
            3 => format!("RPUSH l:{k} a{v} b{v}"),
            4 => format!("LPOP l:{k}"),
            5 => format!("HSET h:{k} f{} {v}", v % 7),
            6 => format!("SADD t:{k} {v}"),
            7 => format!("SPOP t:{k}"),
            8 => format!("ZADD z:{k} {v} m{}", v % 9),
            9 => format!("PEXPIRE s:{k} {}", 1 + v),
            10 => format!("PERSIST s:{k}"),
            11 => format!("RENAME s:{k} s:{}", rand(300)),
            12 => format!("INCR n:{k}"),
            13 => format!("APPEND s:{k} x"),
            14 => format!("SELECT {}", rand(3)),
            _ => format!("COPY h:{k} h:{}", rand(300)),
        };
        h.run(&cmd);
    }
    for _ in 0..6000 {
        rand_cmd(&mut h, &mut rand);
    }
    let engine = &h.engine;
    let before = dataset(engine);
    let dbs = engine.keyspace.databases();
    let shards = crate::keyspace::SHARDS;
    assert!(engine
        .keyspace
        .snapshots
        .begin(dbs, shards, engine.clock.now_ms()));
    let mut taken = std::collections::BTreeMap::new();
    let mut take = |engine: &Engine, d: usize, s: usize| {
        let shard = engine.keyspace.db(d).read(s);
        engine.keyspace.snapshots.take(d, s, &shard, |e| {
            let old = taken.insert(
                (d, e.key().to_vec()),
                (crate::dump::to_value(&e), e.expire()),
            );
            assert!(old.is_none(), "a key written twice");
        });
    };
    // The snapshot thread's walk, interleaved with writes, expiry, a flush and a swap.
    let order: Vec<(usize, usize)> = (0..dbs)
        .flat_map(|d| (0..shards).map(move |s| (d, s)))
        .collect();
    for (n, &(d, s)) in order.iter().enumerate() {
        // Writers only use databases 0 to 2, the first 192 shards of the walk.
        for _ in 0..if d < 3 { 40 } else { 0 } {
            rand_cmd(&mut h, &mut rand);
        }
        match n {
            10 => {
                h.clock.advance(300);
                h.engine
                    .active_expire_cycle(std::time::Duration::from_secs(1));
            }
            20 => drop(h.run("SWAPDB 0 1")),
            140 => {
                h.run("SELECT 2");
                h.run("FLUSHDB");
            }
            _ => {}
        }
        take(&h.engine, d, s);
    }
    // Every shard is written: changes now cost the snapshot nothing.
    assert_eq!(h.engine.keyspace.snapshots.saved_keys(), 0);
    for _ in 0..500 {
        rand_cmd(&mut h, &mut rand);
    }
    h.run("FLUSHALL");
    assert_eq!(
        h.engine.keyspace.snapshots.saved_keys(),
        0,
        "old values kept for written shards"
    );
    h.engine.keyspace.snapshots.end();
    assert_eq!(taken.len(), before.len());
    assert!(
        taken == before,
        "the snapshot differs from the dataset at its start"
    );
    assert_ne!(
        dataset(&h.engine),
        before,
        "the writes changed nothing: a vacuous test"
    );
}

#[test]
fn restore_refuses_strings_longer_than_a_client_could_write() {
    let mut h = Harness::new();
    // 2 MB of one byte compresses to a few KB: the payload is small, its value is not.
    let payload = crate::rdb::dump_payload(&crate::rdb::Value::String(vec![b'a'; 2 << 20]));
    assert!(payload.len() < 64 << 10, "{} bytes", payload.len());
    assert_eq!(
        h.run("CONFIG SET proto-max-bulk-len 1mb"),
        Value::Simple("OK".into())
    );
    assert_eq!(
        h.run_args(&[b"RESTORE", b"k", b"0", &payload]),
        err("ERR Bad data format")
    );
    assert_eq!(h.run("EXISTS k"), Value::Int(0));
    assert_eq!(
        h.run("CONFIG SET proto-max-bulk-len 4mb"),
        Value::Simple("OK".into())
    );
    assert_eq!(
        h.run_args(&[b"RESTORE", b"k", b"0", &payload]),
        Value::Simple("OK".into())
    );
    assert_eq!(h.run("STRLEN k"), Value::Int(2 << 20));
    // BUSYKEY still comes before any look at the payload, as in Redis.
    assert_eq!(
        h.run_args(&[b"RESTORE", b"k", b"0", b"junk"]),
        err("BUSYKEY Target key name already exists.")
    );
}

#[test]
fn append_and_setrange_grow_in_place_and_keep_the_ttl() {
    let mut h = Harness::new();
    assert_eq!(h.run("SET s ab EX 100"), Value::Simple("OK".into()));
    let mut want = b"ab".to_vec();
    for i in 0..5000u32 {
        let part = format!("{}", i % 10);
        want.extend_from_slice(part.as_bytes());
        assert_eq!(
            h.run_args(&[b"APPEND", b"s", part.as_bytes()]),
            Value::Int(want.len() as i64)
        );
    }
    assert_eq!(h.run("GET s"), Value::Bulk(want.clone()));
    assert_eq!(h.run("TTL s"), Value::Int(100));
    assert_eq!(h.run("OBJECT ENCODING s"), bulk("raw"));
    // A gap past the end is zero-filled, within the room or not.
    let end = want.len();
    assert_eq!(
        h.run(&format!("SETRANGE s {} xy", end + 3)),
        Value::Int(end as i64 + 5)
    );
    want.extend_from_slice(b"\0\0\0xy");
    assert_eq!(h.run("SETRANGE s 0 Q"), Value::Int(want.len() as i64));
    want[0] = b'Q';
    assert_eq!(h.run("GET s"), Value::Bulk(want.clone()));
    // Overwritten by SET, the entry is rebuilt exactly.
    assert_eq!(h.run("SET s tiny"), Value::Simple("OK".into()));
    assert_eq!(h.run("APPEND s !"), Value::Int(5));
    assert_eq!(h.run("GET s"), bulk("tiny!"));
}

#[test]
fn sort_store_is_logged_as_the_list_it_stored() {
    let mut h = Harness::new();
    h.engine.keyspace.log.set_enabled(true);
    h.run("RPUSH src 3 1 2");
    h.run("SET w_1 30");
    h.run("SET w_2 10");
    h.run("SET w_3 20");
    let _ = h.engine.keyspace.log.take();
    assert_eq!(h.run("SORT src BY w_* STORE dst"), Value::Int(3));
    let logged = h.engine.keyspace.log.take().bytes;
    let text = String::from_utf8_lossy(&logged).replace("\r\n", " ");
    assert!(
        text.contains("*1 $5 MULTI *2 $3 DEL $3 dst *5 $5 RPUSH $3 dst $1 2 $1 3 $1 1 *1 $4 EXEC"),
        "{text}"
    );
    assert!(!text.contains("SORT"), "{text}");
    // An empty result that deletes nothing changes nothing, and logs nothing.
    assert_eq!(h.run("SORT nothing STORE none"), Value::Int(0));
    assert!(h.engine.keyspace.log.take().bytes.is_empty());
}

/// Memory as a function of the keyspace (1,000 bytes, and 100 a key of database 0), so
/// eviction tests do not depend on the allocator.
fn keys_meter(e: &Engine) -> usize {
    let db = e.keyspace.db(0);
    1000 + 100
        * (0..crate::keyspace::SHARDS)
            .map(|s| db.approx_keys(s, false))
            .sum::<usize>()
}

impl Harness {
    /// Runs `cmd` on a session of its own (outside this session's transaction).
    fn run_as_config(&self, cmd: &str) -> Value {
        let mut other = self.other_session();
        self.run_as(&mut other, cmd)
    }
}

fn dbsize(h: &mut Harness) -> i64 {
    match h.run("DBSIZE") {
        Value::Int(n) => n,
        other => panic!("{other:?}"),
    }
}

#[test]
fn allkeys_lru_evicts_the_keys_idle_longest() {
    let mut h = Harness::new();
    h.engine.memory.set_meter(keys_meter);
    for i in 0..50 {
        h.run(&format!("SET cold{i} v"));
    }
    h.clock.advance(10_000);
    for i in 0..10 {
        h.run(&format!("GET cold{i}"));
    }
    h.clock.advance(10_000);
    h.run("CONFIG SET maxmemory-samples 10");
    h.run("CONFIG SET maxmemory-policy allkeys-lru");
    h.run("CONFIG SET maxmemory 6000");
    for i in 0..20 {
        assert_eq!(h.run(&format!("SET new{i} v")), Value::Simple("OK".into()));
        h.clock.advance(1000);
    }
    // 50 keys fit: each command runs once the limit is met (a SET then adds its key; DBSIZE
    // itself evicts the one too many first).
    assert_eq!(dbsize(&mut h), 50);
    for i in 0..10 {
        assert_eq!(
            h.run(&format!("EXISTS cold{i}")),
            Value::Int(1),
            "read key cold{i}"
        );
    }
    for i in 0..20 {
        assert_eq!(
            h.run(&format!("EXISTS new{i}")),
            Value::Int(1),
            "new key new{i}"
        );
    }
    assert_eq!(h.run("OBJECT IDLETIME cold3"), Value::Int(30));
    let info = h.run("INFO stats");
    let Value::Bulk(text) = info else { panic!() };
    // The first SET found the limit met; each command after evicted one key.
    assert!(String::from_utf8(text)
        .unwrap()
        .contains("evicted_keys:20\r\n"));
}

#[test]
fn allkeys_lfu_keeps_what_is_read_often() {
    let mut h = Harness::new();
    h.engine.memory.set_meter(keys_meter);
    h.run("CONFIG SET maxmemory-policy allkeys-lfu");
    // Factor 0: every access counts, so the counters are exact.
    h.run("CONFIG SET lfu-log-factor 0");
    for i in 0..30 {
        h.run(&format!("SET k{i} v"));
    }
    assert_eq!(h.run("OBJECT FREQ k0"), Value::Int(5));
    for _ in 0..3 {
        for i in 0..10 {
            h.run(&format!("GET k{i}"));
        }
    }
    assert_eq!(h.run("OBJECT FREQ k0"), Value::Int(8));
    // A write's lookup counts too, and an overwrite keeps the key's frequency.
    h.run("SET k0 other");
    assert_eq!(h.run("OBJECT FREQ k0"), Value::Int(9));
    h.run("CONFIG SET maxmemory-samples 30");
    h.run("CONFIG SET maxmemory 3000");
    for i in 0..10 {
        h.run(&format!("SET new{i} v"));
    }
    for i in 0..10 {
        assert_eq!(
            h.run(&format!("EXISTS k{i}")),
            Value::Int(1),
            "hot key k{i}"
        );
    }
    assert!(matches!(h.run("OBJECT IDLETIME k0"), Value::Error(_)));
    // Decay: one step per lfu-decay-time minutes without access.
    h.clock.advance(2 * 60_000);
    assert_eq!(h.run("OBJECT FREQ k0"), Value::Int(7));
}

#[test]
fn volatile_ttl_evicts_the_nearest_expiry_and_noeviction_refuses() {
    let mut h = Harness::new();
    h.engine.memory.set_meter(keys_meter);
    for i in 0..10 {
        h.run(&format!("SET keep{i} v"));
    }
    for (i, ttl) in [500, 100, 400, 300, 600, 200].iter().enumerate() {
        h.run(&format!("SET vol{i} v EX {ttl}"));
    }
    h.run("CONFIG SET maxmemory-samples 64");
    h.run("CONFIG SET maxmemory-policy volatile-ttl");
    h.run("CONFIG SET maxmemory 2300");
    assert_eq!(h.run("SET more v"), Value::Simple("OK".into()));
    // 13 keys fit: the three nearest deadlines (100, 200, 300 s) went before SET, and the
    // fourth (400 s) before DBSIZE.
    assert_eq!(dbsize(&mut h), 13);
    for i in [1, 5, 3] {
        assert_eq!(h.run(&format!("EXISTS vol{i}")), Value::Int(0), "vol{i}");
    }
    assert_eq!(h.run("EXISTS vol2"), Value::Int(0), "vol2");
    for i in [0, 4] {
        assert_eq!(h.run(&format!("EXISTS vol{i}")), Value::Int(1), "vol{i}");
    }
    h.run("CONFIG SET maxmemory-policy noeviction");
    h.run("CONFIG SET maxmemory 2000");
    let oom = err("OOM command not allowed when used memory > 'maxmemory'.");
    assert_eq!(h.run("SET another v"), oom);
    assert_eq!(h.run("LPUSH l a"), oom);
    assert_eq!(h.run("GET keep1"), bulk("v"));
    assert_eq!(h.run("DEL keep1"), Value::Int(1));
    assert_eq!(h.run("MULTI"), Value::Simple("OK".into()));
    assert_eq!(h.run("GET keep2"), oom);
    assert_eq!(
        h.run("EXEC"),
        err("EXECABORT Transaction discarded because of previous errors.")
    );
    // A transaction that queued a denyoom command before the limit was passed is refused
    // at EXEC.
    h.run("CONFIG SET maxmemory 0");
    assert_eq!(h.run("MULTI"), Value::Simple("OK".into()));
    assert_eq!(h.run("SET queued v"), Value::Simple("QUEUED".into()));
    h.run_as_config("CONFIG SET maxmemory 2000");
    assert_eq!(
        h.run("EXEC"),
        err("EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.")
    );
    h.run("CONFIG SET maxmemory 0");
    assert_eq!(h.run("SET another v"), Value::Simple("OK".into()));
}

/// Keys in database `db`, by its per-shard counters (what eviction samples from).
fn approx_keys(e: &Engine, db: usize) -> usize {
    let db = e.keyspace.db(db);
    (0..crate::keyspace::SHARDS)
        .map(|s| db.approx_keys(s, false))
        .sum()
}

#[test]
fn move_counts_the_key_out_of_the_source_database() {
    let mut h = Harness::new();
    h.run("SET mykey v");
    assert_eq!(h.run("MOVE mykey 10"), Value::Int(1));
    assert_eq!(h.run("DBSIZE"), Value::Int(0));
    assert_eq!(approx_keys(&h.engine, 0), 0);
    assert_eq!(approx_keys(&h.engine, 10), 1);
    // Ten keys over many shards, some with an expiry, one of them moved inside MULTI.
    for i in 0..10 {
        h.run(&format!("SET key:{i} v EX {}", 100 + i));
    }
    for i in 0..9 {
        assert_eq!(h.run(&format!("MOVE key:{i} 10")), Value::Int(1));
    }
    h.run("MULTI");
    h.run("MOVE key:9 10");
    h.run("DBSIZE");
    assert_eq!(
        h.run("EXEC"),
        Value::Array(vec![Value::Int(1), Value::Int(0)])
    );
    assert_eq!(h.run("DBSIZE"), Value::Int(0));
    assert_eq!(approx_keys(&h.engine, 0), 0);
    assert_eq!(approx_keys(&h.engine, 10), 11);
    let Value::Bulk(info) = h.run("INFO keyspace") else {
        panic!()
    };
    let info = String::from_utf8(info).unwrap();
    assert!(!info.contains("db0:"), "{info}");
    assert!(info.contains("db10:keys=11,expires=10,"), "{info}");
    h.run("SELECT 10");
    assert_eq!(h.run("DBSIZE"), Value::Int(11));
    assert_eq!(h.run("TTL key:3"), Value::Int(103));
    // Back again: a key that exists in the destination is not moved.
    h.run("SELECT 0");
    h.run("SET mykey other");
    h.run("SELECT 10");
    assert_eq!(h.run("MOVE mykey 0"), Value::Int(0));
    assert_eq!(h.run("DBSIZE"), Value::Int(11));
    assert_eq!(h.run("MOVE key:0 0"), Value::Int(1));
    assert_eq!(h.run("DBSIZE"), Value::Int(10));
    assert_eq!(approx_keys(&h.engine, 0), 2);
    assert_eq!(approx_keys(&h.engine, 10), 10);
}

#[test]
fn command_getkeysandflags_follows_key_specs_and_the_commands_own_finders() {
    let mut h = Harness::new();
    let pair = |key: &str, flags: &[&str]| {
        Value::Array(vec![
            bulk(key),
            Value::Array(flags.iter().map(|f| Value::Simple(f.to_string())).collect()),
        ])
    };
    // Key specs: a destination and numkeys sources, each with its own flags.
    assert_eq!(
        h.run("COMMAND GETKEYSANDFLAGS ZUNIONSTORE d 2 a b"),
        Value::Array(vec![
            pair("d", &["OW", "update"]),
            pair("a", &["RO", "access"]),
            pair("b", &["RO", "access"]),
        ])
    );
    // SET's flags depend on GET: its own finder decides.
    assert_eq!(
        h.run("COMMAND GETKEYSANDFLAGS SET k v"),
        Value::Array(vec![pair("k", &["OW", "update"])])
    );
    assert_eq!(
        h.run("COMMAND GETKEYSANDFLAGS SET k v get"),
        Value::Array(vec![pair("k", &["RW", "access", "update"])])
    );
    // SORT's STORE is unknown to its specs; the last STORE wins.
    assert_eq!(
        h.run("COMMAND GETKEYSANDFLAGS SORT k STORE a BY x STORE b"),
        Value::Array(vec![
            pair("k", &["RO", "access"]),
            pair("b", &["OW", "update"])
        ])
    );
    // A count the specs cannot read goes to Redis's atoi-based finder, without flags.
    assert_eq!(
        h.run("COMMAND GETKEYSANDFLAGS ZUNIONSTORE d 1x a"),
        Value::Array(vec![pair("a", &[]), pair("d", &[])])
    );
    assert_eq!(
        h.run("COMMAND GETKEYS ZUNIONSTORE d 3 a"),
        err("ERR Invalid arguments specified for command")
    );
    // EVAL's keys are optional.
    assert_eq!(h.run("COMMAND GETKEYS EVAL s 0"), Value::Array(vec![]));
    assert_eq!(
        h.run("COMMAND GETKEYS SPUBLISH ch m"),
        err("ERR The command has no key arguments")
    );
    assert_eq!(
        h.run("COMMAND GETKEYS CONFIG nosuch x"),
        err("ERR Invalid command specified")
    );
}
