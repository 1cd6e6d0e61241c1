//! Memory against the real binary (whose global allocator counts what it allocates):
//! `maxmemory` holds under writes with each policy family, LRU and LFU keep what is used and
//! give up what is not, evictions reach the AOF as DEL and the `evicted` keyspace event,
//! noeviction refuses denyoom commands with Redis's -OOM, and UNLINK / FLUSHALL ASYNC free
//! big values in the background. Reply shapes and error texts are compared with redis-server
//! by the differential suite (scripts/compat_memory.py).

use super::persistence::start;
use super::*;

fn info_int(c: &mut Client, section: &str, field: &str) -> u64 {
    info_field(c, section, field).parse().unwrap()
}

fn spawn() -> Binary {
    Binary::spawn(&[
        "--port",
        "0",
        "--http-port",
        "0",
        "--appendonly",
        "no",
        "--save",
        "",
    ])
}

/// Writes `n` keys `prefix:i` of `size` bytes, pipelined.
fn fill(c: &mut Client, prefix: &str, n: usize, size: usize) {
    let value = vec![b'x'; size];
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut batch = Vec::new();
        for i in chunk {
            let k = format!("{prefix}:{i}");
            batch.extend(Client::encode(&[b"SET", k.as_bytes(), &value]));
        }
        c.send_raw(&batch);
        for _ in chunk {
            let r = c.read_reply().unwrap();
            assert!(
                r == Value::Simple("OK".into())
                    || matches!(&r, Value::Error(e) if e.starts_with("OOM")),
                "{r:?}"
            );
        }
    }
}

#[test]
fn used_memory_counts_allocations_and_maxmemory_holds_under_allkeys_lru() {
    let server = spawn();
    let mut c = Client::connect(server.addr);
    let before = info_int(&mut c, "memory", "used_memory");
    fill(&mut c, "k", 20_000, 100);
    let after = info_int(&mut c, "memory", "used_memory");
    // 20,000 keys of 100 bytes: at least 2 MB more, and not wildly more than the entries take.
    assert!(after - before > 2_000_000, "{before} -> {after}");
    assert!(after - before < 8_000_000, "{before} -> {after}");
    // The access clock counts seconds (as Redis's): the cold keys age past the hot ones.
    std::thread::sleep(Duration::from_millis(2100));
    for i in 0..200 {
        assert!(matches!(c.cmd(&format!("GET k:{i}")), Value::Bulk(_)));
    }
    let limit = after + 500_000;
    c.cmd(&format!("CONFIG SET maxmemory {limit}"));
    c.cmd("CONFIG SET maxmemory-policy allkeys-lru");
    for round in 0..5 {
        fill(&mut c, &format!("new{round}"), 2_000, 100);
        let used = info_int(&mut c, "memory", "used_memory");
        assert!(used <= limit + limit / 10, "used {used} over {limit}");
    }
    let hot = (0..200)
        .filter(|i| matches!(c.cmd(&format!("GET k:{i}")), Value::Bulk(_)))
        .count();
    assert!(hot >= 195, "{hot} of 200 recently read keys kept");
    let evicted = info_int(&mut c, "stats", "evicted_keys");
    assert!(evicted > 5_000, "evicted {evicted}");
    assert!(info_int(&mut c, "memory", "evicted_idle_lt_60s") > 0);
    assert_eq!(
        info_field(&mut c, "memory", "maxmemory_policy"),
        "allkeys-lru"
    );
    assert_eq!(info_int(&mut c, "memory", "maxmemory"), limit);
}

#[test]
fn volatile_policies_evict_only_keys_with_an_expiry_then_refuse() {
    let server = spawn();
    let mut c = Client::connect(server.addr);
    fill(&mut c, "persistent", 5_000, 200);
    for i in 0..2_000 {
        c.cmd(&format!("SET vol:{i} {} EX 10000", "y".repeat(200)));
    }
    let used = info_int(&mut c, "memory", "used_memory");
    c.cmd(&format!("CONFIG SET maxmemory {}", used - 200_000));
    c.cmd("CONFIG SET maxmemory-policy volatile-ttl");
    assert_eq!(c.cmd("SET one more"), Value::Simple("OK".into()));
    let Value::Int(keys) = c.cmd("DBSIZE") else {
        panic!()
    };
    assert!(keys < 7_001 && keys > 5_000, "{keys}");
    for i in (0..5_000).step_by(97) {
        assert!(matches!(
            c.cmd(&format!("GET persistent:{i}")),
            Value::Bulk(_)
        ));
    }
    // Nothing volatile is left to evict: writes that grow memory are refused as Redis does.
    // (Evicting may take a few commands' time limits first, as in Redis.)
    c.cmd(&format!("CONFIG SET maxmemory {}", used / 2));
    let refused = (0..1000).find_map(|i| match c.cmd(&format!("SET another:{i} one")) {
        Value::Error(e) => Some(e),
        _ => None,
    });
    assert_eq!(
        refused.as_deref(),
        Some("OOM command not allowed when used memory > 'maxmemory'.")
    );
    assert_eq!(
        info_field(&mut c, "keyspace", "db0").split(',').nth(1),
        Some("expires=0")
    );
    // Reads and deletes still work; a MULTI queue is refused and EXEC aborts.
    assert!(matches!(c.cmd("GET persistent:1"), Value::Bulk(_)));
    assert_eq!(c.cmd("DEL persistent:1"), Value::Int(1));
    assert_eq!(c.cmd("MULTI"), Value::Simple("OK".into()));
    assert!(matches!(c.cmd("GET persistent:2"), Value::Error(e) if e.starts_with("OOM")));
    assert!(matches!(c.cmd("EXEC"), Value::Error(e) if e.starts_with("EXECABORT")));
    c.cmd("CONFIG SET maxmemory 0");
    assert_eq!(c.cmd("SET another one"), Value::Simple("OK".into()));
}

#[test]
fn lfu_keeps_the_frequently_read_keys_and_object_freq_counts() {
    let server = spawn();
    let mut c = Client::connect(server.addr);
    c.cmd("CONFIG SET maxmemory-policy allkeys-lfu");
    // No decay: a minute boundary during the test must not lower the counters.
    c.cmd("CONFIG SET lfu-decay-time 0");
    fill(&mut c, "k", 10_000, 100);
    // A hot set read many times before the pressure starts.
    for _ in 0..30 {
        let mut batch = Vec::new();
        for i in 0..300 {
            batch.extend(Client::encode(&[b"GET", format!("k:{i}").as_bytes()]));
        }
        c.send_raw(&batch);
        for _ in 0..300 {
            c.read_reply().unwrap();
        }
    }
    let Value::Int(freq) = c.cmd("OBJECT FREQ k:1") else {
        panic!()
    };
    assert!(freq > 5, "freq {freq}");
    assert_eq!(c.cmd("OBJECT FREQ k:9999"), Value::Int(5));
    assert!(
        matches!(c.cmd("OBJECT IDLETIME k:1"), Value::Error(e) if e.contains("LFU maxmemory policy is selected"))
    );
    let used = info_int(&mut c, "memory", "used_memory");
    c.cmd(&format!("CONFIG SET maxmemory {used}"));
    fill(&mut c, "new", 20_000, 100);
    let hot = (0..300)
        .filter(|i| matches!(c.cmd(&format!("GET k:{i}")), Value::Bulk(_)))
        .count();
    assert!(hot >= 290, "{hot} of 300 hot keys kept");
    assert!(info_int(&mut c, "stats", "evicted_keys") > 15_000);
}

#[test]
fn evictions_are_logged_as_del_and_announced() {
    let dir = TempDir::new("evict-aof");
    let server = start(dir.path(), &["--save", "", "--appendfsync", "always"]);
    let mut c = Client::connect(server.addr);
    let mut sub = Client::connect(server.addr);
    c.cmd("CONFIG SET notify-keyspace-events Ee");
    sub.cmd("SUBSCRIBE __keyevent@0__:evicted");
    fill(&mut c, "k", 3_000, 300);
    let used = info_int(&mut c, "memory", "used_memory");
    c.cmd("CONFIG SET maxmemory-policy allkeys-random");
    c.cmd(&format!("CONFIG SET maxmemory {}", used - 300_000));
    assert_eq!(c.cmd("SET trigger 1"), Value::Simple("OK".into()));
    let evicted = info_int(&mut c, "stats", "evicted_keys");
    assert!(evicted > 0);
    let Some(Value::Array(msg)) = sub.read_reply() else {
        panic!()
    };
    assert_eq!(msg[1], bulk("__keyevent@0__:evicted"));
    let Value::Bulk(key) = &msg[2] else { panic!() };
    assert_eq!(c.cmd_args(&[b"EXISTS", key]), Value::Int(0));
    // The AOF replays to the same keyspace: the evictions were logged as DEL.
    c.cmd("CONFIG SET maxmemory 0");
    let Value::Int(keys) = c.cmd("DBSIZE") else {
        panic!()
    };
    drop(server);
    let server = start(dir.path(), &["--save", "", "--appendfsync", "always"]);
    let mut c = Client::connect(server.addr);
    super::persistence::loaded(&mut c);
    assert_eq!(c.cmd("DBSIZE"), Value::Int(keys));
    assert_eq!(c.cmd_args(&[b"EXISTS", key]), Value::Int(0));
}

#[test]
fn unlink_and_flushall_async_free_big_values_in_the_background() {
    let server = spawn();
    let mut c = Client::connect(server.addr);
    for k in ["big1", "big2"] {
        let mut batch = Vec::new();
        for chunk in 0..100 {
            let mut args: Vec<Vec<u8>> = vec![b"SADD".to_vec(), k.as_bytes().to_vec()];
            args.extend((0..1000).map(|i| format!("member:{chunk}:{i}").into_bytes()));
            let refs: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
            batch.extend(Client::encode(&refs));
        }
        c.send_raw(&batch);
        for _ in 0..100 {
            c.read_reply().unwrap();
        }
    }
    assert_eq!(c.cmd("SCARD big1"), Value::Int(100_000));
    let Value::Int(usage) = c.cmd("MEMORY USAGE big1 SAMPLES 0") else {
        panic!()
    };
    assert!(usage > 3_000_000, "usage {usage}");
    let used = info_int(&mut c, "memory", "used_memory");
    assert_eq!(c.cmd("UNLINK big1"), Value::Int(1));
    c.cmd("FLUSHALL ASYNC");
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_int(&mut c, "memory", "lazyfreed_objects") < 2 {
        assert!(Instant::now() < deadline, "never freed");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(info_int(&mut c, "memory", "lazyfree_pending_objects"), 0);
    let after = info_int(&mut c, "memory", "used_memory");
    assert!(after + 5_000_000 < used, "{used} -> {after}");
}
