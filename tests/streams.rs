//! Streams against the real binary: writes acknowledged under `appendfsync always` survive
//! `kill -9` (entries and the consumer group's deliveries), and streams with groups, pending
//! entries, consumers and tombstones move both ways between redis-server and ferrokv in
//! dump.rdb and DUMP payloads, and through an AOF rewrite. Replies and error texts are compared
//! with redis-server by the differential suite (scripts/compat_streams.py).

use super::persistence::{loaded, redis_server, rewrite_and_wait, start};
use super::*;

/// A stream with several nodes, fields that vary, tombstones, two groups (one with an unknown
/// read counter), pending entries owned by two consumers and a consumer without any.
fn fill_stream(c: &mut Client, key: &str) {
    for i in 1..=260 {
        let extra = if i % 7 == 0 { " g x" } else { "" };
        let line = format!("XADD {key} {i}-{} f v{i}{extra}", i % 3);
        assert!(matches!(c.cmd(&line), Value::Bulk(_)), "{line}");
    }
    assert_eq!(c.cmd(&format!("XDEL {key} 5-2 100-1")), Value::Int(2));
    assert_eq!(
        c.cmd(&format!("XGROUP CREATE {key} g 0")),
        Value::Simple("OK".into())
    );
    assert_eq!(
        c.cmd(&format!("XGROUP CREATE {key} h $ ENTRIESREAD 3")),
        Value::Simple("OK".into())
    );
    c.cmd(&format!("XREADGROUP GROUP g alice COUNT 3 STREAMS {key} >"));
    c.cmd(&format!("XREADGROUP GROUP g bob COUNT 2 STREAMS {key} >"));
    c.cmd(&format!("XGROUP CREATECONSUMER {key} g carol"));
    c.cmd(&format!("XCLAIM {key} g carol 0 2-2 RETRYCOUNT 7"));
}

/// Everything XINFO STREAM FULL shows, all entries and pending entries included.
fn info(c: &mut Client, key: &str) -> Value {
    c.cmd(&format!("XINFO STREAM {key} FULL COUNT 0"))
}

#[test]
fn stream_writes_survive_kill_9_under_appendfsync_always() {
    let dir = TempDir::new("stream-crash");
    let server = start(dir.path(), &["--appendfsync", "always"]);
    let addr = server.addr;
    let mut setup = Client::connect(addr);
    assert_eq!(
        setup.cmd("XGROUP CREATE jobs workers $ MKSTREAM"),
        Value::Simple("OK".into())
    );
    let added = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Vec<u8>>::new()));
    let taken = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Vec<u8>>::new()));
    let producer = {
        let added = added.clone();
        std::thread::spawn(move || {
            let mut c = Client::connect(addr);
            for i in 0.. {
                let n = i.to_string();
                let args: [&[u8]; 5] = [b"XADD", b"jobs", b"*", b"n", n.as_bytes()];
                c.send_raw(&Client::encode(&args));
                match c.read_reply() {
                    Some(Value::Bulk(id)) => added.lock().unwrap().push(id),
                    _ => return,
                }
            }
        })
    };
    let consumer = {
        let taken = taken.clone();
        std::thread::spawn(move || {
            let mut c = Client::connect(addr);
            loop {
                let args: [&[u8]; 9] = [
                    b"XREADGROUP",
                    b"GROUP",
                    b"workers",
                    b"w1",
                    b"COUNT",
                    b"10",
                    b"STREAMS",
                    b"jobs",
                    b">",
                ];
                c.send_raw(&Client::encode(&args));
                let Some(reply) = c.read_reply() else { return };
                let Value::Array(streams) = reply else {
                    continue;
                };
                for s in streams {
                    let Value::Array(kv) = s else { continue };
                    let Some(Value::Array(entries)) = kv.get(1) else {
                        continue;
                    };
                    for e in entries {
                        if let Value::Array(e) = e {
                            if let Some(Value::Bulk(id)) = e.first() {
                                taken.lock().unwrap().push(id.clone());
                            }
                        }
                    }
                }
            }
        })
    };
    std::thread::sleep(Duration::from_millis(400));
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    producer.join().unwrap();
    consumer.join().unwrap();
    let added = added.lock().unwrap().clone();
    let taken = taken.lock().unwrap().clone();
    assert!(
        added.len() > 10 && !taken.is_empty(),
        "too little traffic: {} {}",
        added.len(),
        taken.len()
    );
    let server = start(dir.path(), &["--appendfsync", "always"]);
    let mut c = Client::connect(server.addr);
    loaded(&mut c);
    let Value::Int(len) = c.cmd("XLEN jobs") else {
        panic!("XLEN")
    };
    assert!(
        len as usize >= added.len(),
        "acknowledged {} entries, found {len}",
        added.len()
    );
    for id in [&added[0], &added[added.len() / 2], added.last().unwrap()] {
        let args: [&[u8]; 4] = [b"XRANGE", b"jobs", id, id];
        let Value::Array(found) = c.cmd_args(&args) else {
            panic!("XRANGE")
        };
        assert_eq!(
            found.len(),
            1,
            "acknowledged entry {} lost",
            String::from_utf8_lossy(id)
        );
    }
    // Every delivery the consumer saw is pending for it after the restart.
    let last = taken.last().unwrap();
    let args: [&[u8]; 7] = [b"XPENDING", b"jobs", b"workers", last, last, b"1", b"w1"];
    let Value::Array(p) = c.cmd_args(&args) else {
        panic!("XPENDING")
    };
    assert_eq!(p.len(), 1, "a delivered entry is no longer pending");
}

#[test]
fn streams_move_both_ways_between_redis_and_ferrokv() {
    let (ours_dir, redis_dir) = (TempDir::new("stream-ours"), TempDir::new("stream-redis"));
    let flags = ["--appendonly", "no", "--enable-debug-command", "yes"];
    let (redis, redis_addr) = redis_server(redis_dir.path(), &flags);
    let b = Binary::spawn(&[
        "--port",
        "0",
        "--http-port",
        "0",
        "--appendonly",
        "no",
        "--dir",
        ours_dir.path().to_str().unwrap(),
    ]);
    let mut ours = Client::connect(b.addr);
    let mut r = Client::connect(redis_addr);
    fill_stream(&mut ours, "s");
    ours.cmd("XGROUP CREATE empty g $ MKSTREAM");
    // Our dump.rdb in redis-server.
    let want = (info(&mut ours, "s"), info(&mut ours, "empty"));
    assert_eq!(ours.cmd("SAVE"), Value::Simple("OK".into()));
    std::fs::copy(
        ours_dir.path().join("dump.rdb"),
        redis_dir.path().join("dump.rdb"),
    )
    .unwrap();
    assert_eq!(r.cmd("DEBUG RELOAD NOSAVE"), Value::Simple("OK".into()));
    assert_eq!(
        (info(&mut r, "s"), info(&mut r, "empty")),
        want,
        "redis-server read our stream differently"
    );
    // redis-server's dump.rdb here.
    fill_stream(&mut r, "t");
    let want = (info(&mut r, "s"), info(&mut r, "t"));
    assert_eq!(r.cmd("SAVE"), Value::Simple("OK".into()));
    drop(ours);
    drop(b);
    std::fs::copy(
        redis_dir.path().join("dump.rdb"),
        ours_dir.path().join("dump.rdb"),
    )
    .unwrap();
    let b = Binary::spawn(&[
        "--port",
        "0",
        "--http-port",
        "0",
        "--appendonly",
        "no",
        "--dir",
        ours_dir.path().to_str().unwrap(),
    ]);
    let mut ours = Client::connect(b.addr);
    loaded(&mut ours);
    assert_eq!(
        (info(&mut ours, "s"), info(&mut ours, "t")),
        want,
        "we read redis-server's stream differently"
    );
    // DUMP payloads both ways.
    let Value::Bulk(theirs) = r.cmd("DUMP t") else {
        panic!("DUMP on redis")
    };
    assert_eq!(
        ours.cmd_args(&[b"RESTORE", b"t2", b"0", &theirs]),
        Value::Simple("OK".into())
    );
    let Value::Bulk(mine) = ours.cmd("DUMP t") else {
        panic!("DUMP")
    };
    assert_eq!(
        r.cmd_args(&[b"RESTORE", b"t2", b"0", &mine]),
        Value::Simple("OK".into())
    );
    assert_eq!(info(&mut ours, "t2"), info(&mut r, "t2"));
    assert_eq!(info(&mut ours, "t2"), info(&mut ours, "t"));
    // A corrupted payload is refused, never trusted.
    let mut bad = mine.clone();
    let at = bad.len() / 2;
    bad[at] ^= 0x40;
    assert!(matches!(
        ours.cmd_args(&[b"RESTORE", b"t3", b"0", &bad]),
        Value::Error(_)
    ));
    drop(redis);
}

#[test]
fn an_aof_rewrite_keeps_streams_and_their_groups() {
    for preamble in ["yes", "no"] {
        let dir = TempDir::new("stream-rewrite");
        let flags = ["--aof-use-rdb-preamble", preamble];
        let server = start(dir.path(), &flags);
        let mut c = Client::connect(server.addr);
        fill_stream(&mut c, "s");
        c.cmd("XGROUP CREATE empty g $ MKSTREAM");
        let before = (info(&mut c, "s"), info(&mut c, "empty"));
        rewrite_and_wait(&mut c);
        drop(c);
        drop(server);
        let server = start(dir.path(), &flags);
        let mut c = Client::connect(server.addr);
        loaded(&mut c);
        let after = (info(&mut c, "s"), info(&mut c, "empty"));
        if preamble == "yes" {
            assert_eq!(after, before, "rewrite with an RDB preamble");
        } else {
            // Replaying commands gives consumers the load time as their seen time, as in Redis;
            // everything else is the same.
            assert_eq!(without_seen_times(after), without_seen_times(before));
        }
    }
}

/// Blanks every value that follows a `seen-time` field.
fn without_seen_times(v: (Value, Value)) -> (Value, Value) {
    fn walk(v: Value) -> Value {
        match v {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut blank = false;
                for i in items {
                    if blank {
                        out.push(Value::Null);
                        blank = false;
                        continue;
                    }
                    blank = i == Value::Bulk(b"seen-time".to_vec());
                    out.push(walk(i));
                }
                Value::Array(out)
            }
            other => other,
        }
    }
    (walk(v.0), walk(v.1))
}
