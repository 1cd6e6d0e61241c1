//! Scripting against the real binary: a script's writes survive `kill -9` under `appendfsync
//! always`, scripts run as one step (no client sees half of one), and FUNCTION libraries
//! survive restarts and AOF rewrites and move both ways between redis-server and ferrokv in
//! dump.rdb. Replies and error texts are compared with redis-server by the differential
//! suite (scripts/compat_scripting.py).

use super::persistence::{loaded, redis_server, rewrite_and_wait, start};
use super::*;

/// A write counter as a script: INCR of two keys and an RPUSH of the new value.
const TWO_KEYS: &str = "local n = redis.call('incr', KEYS[1]) redis.call('incr', KEYS[2]) \
                        redis.call('rpush', KEYS[3], n) return n";

const LIB: &str = "#!lua name=lib\n\
                   redis.register_function('bump', function(k, a) return redis.call('incrby', k[1], a[1]) end)\n\
                   redis.register_function{function_name='peek', callback=function(k) return redis.call('get', k[1]) end, flags={'no-writes'}}";

fn int(v: Value) -> i64 {
    match v {
        Value::Int(n) => n,
        Value::Bulk(b) => String::from_utf8(b).unwrap().parse().unwrap(),
        other => panic!("not an integer: {other:?}"),
    }
}

#[test]
fn script_writes_survive_kill_9_under_appendfsync_always() {
    let dir = TempDir::new("script-crash");
    let server = start(dir.path(), &["--appendfsync", "always"]);
    let addr = server.addr;
    let acked = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let writer = {
        let acked = acked.clone();
        std::thread::spawn(move || {
            let mut c = Client::connect(addr);
            loop {
                let args: [&[u8]; 6] = [b"EVAL", TWO_KEYS.as_bytes(), b"3", b"a", b"b", b"l"];
                c.send_raw(&Client::encode(&args));
                match c.read_reply() {
                    Some(Value::Int(n)) => acked.store(n, std::sync::atomic::Ordering::SeqCst),
                    _ => return,
                }
            }
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    writer.join().unwrap();
    let acked = acked.load(std::sync::atomic::Ordering::SeqCst);
    assert!(acked > 0, "no script was acknowledged");
    let server = start(dir.path(), &["--appendfsync", "always"]);
    let mut c = Client::connect(server.addr);
    loaded(&mut c);
    let a = int(c.cmd("GET a"));
    // Every acknowledged script is there, and each one whole (its three writes together).
    assert!(a >= acked, "acknowledged {acked}, found {a}");
    assert_eq!(int(c.cmd("GET b")), a, "a script survived in part");
    assert_eq!(int(c.cmd("LLEN l")), a, "a script survived in part");
}

#[test]
fn scripts_run_as_one_step() {
    let b = Binary::spawn(&["--port", "0", "--http-port", "0", "--appendonly", "no"]);
    let addr = b.addr;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut c = Client::connect(addr);
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let args: [&[u8]; 6] = [b"EVAL", TWO_KEYS.as_bytes(), b"3", b"x", b"y", b"z"];
                    assert!(matches!(c.cmd_args(&args), Value::Int(_)));
                }
            })
        })
        .collect();
    let mut reader = Client::connect(addr);
    let mut violations = 0;
    let deadline = Instant::now() + Duration::from_millis(1500);
    let mut reads = 0;
    while Instant::now() < deadline {
        // x, y and z's length move together, whatever shards they live on.
        let Value::Array(v) = reader.cmd_args(&[
            b"EVAL",
            b"return {redis.call('get','x'), redis.call('get','y'), redis.call('llen','z')}",
            b"0",
        ]) else {
            panic!("EVAL")
        };
        let x = match &v[..] {
            [Value::Null, ..] => 0,
            [x, ..] => int(x.clone()),
            [] => 0,
        };
        let y = match v.get(1) {
            Some(Value::Null) | None => 0,
            Some(y) => int(y.clone()),
        };
        let z = v.get(2).map_or(0, |z| int(z.clone()));
        if x != y || y != z {
            violations += 1;
        }
        let m = reader.cmd("MGET x y");
        if let Value::Array(m) = m {
            let vals: Vec<i64> = m
                .into_iter()
                .map(|v| if v == Value::Null { 0 } else { int(v) })
                .collect();
            if vals[0] != vals[1] {
                violations += 1;
            }
        }
        reads += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    assert!(reads > 10);
    assert_eq!(violations, 0, "a client saw half of a script");
}

#[test]
fn function_libraries_survive_restarts_and_rewrites_and_move_to_and_from_redis() {
    let (ours_dir, redis_dir) = (TempDir::new("fn-ours"), TempDir::new("fn-redis"));
    let server = start(ours_dir.path(), &[]);
    let mut c = Client::connect(server.addr);
    assert_eq!(
        c.cmd_args(&[b"FUNCTION", b"LOAD", LIB.as_bytes()]),
        Value::Bulk(b"lib".to_vec())
    );
    assert_eq!(c.cmd("FCALL bump 1 k 5"), Value::Int(5));
    // The AOF keeps FUNCTION LOAD; a rewrite keeps the library in its base.
    drop(c);
    drop(server);
    let server = start(ours_dir.path(), &[]);
    let mut c = Client::connect(server.addr);
    loaded(&mut c);
    assert_eq!(c.cmd("FCALL bump 1 k 1"), Value::Int(6));
    rewrite_and_wait(&mut c);
    drop(c);
    drop(server);
    let server = start(ours_dir.path(), &[]);
    let mut c = Client::connect(server.addr);
    loaded(&mut c);
    assert_eq!(c.cmd("FCALL_RO peek 1 k"), Value::Bulk(b"6".to_vec()));
    // dump.rdb with the library loads in redis-server.
    assert_eq!(c.cmd("SAVE"), Value::Simple("OK".into()));
    std::fs::copy(
        ours_dir.path().join("dump.rdb"),
        redis_dir.path().join("dump.rdb"),
    )
    .unwrap();
    let (redis, raddr) = redis_server(redis_dir.path(), &["--appendonly", "no"]);
    let mut r = Client::connect(raddr);
    assert_eq!(r.cmd("FCALL bump 1 k 4"), Value::Int(10));
    // And redis-server's dump.rdb with a library of its own loads here.
    let other = LIB
        .replace("name=lib", "name=theirs")
        .replace("'bump'", "'bump2'")
        .replace("'peek'", "'peek2'");
    assert_eq!(
        r.cmd_args(&[b"FUNCTION", b"LOAD", other.as_bytes()]),
        Value::Bulk(b"theirs".to_vec())
    );
    assert_eq!(r.cmd("SAVE"), Value::Simple("OK".into()));
    drop(redis);
    drop(c);
    drop(server);
    let fresh = TempDir::new("fn-load");
    std::fs::copy(
        redis_dir.path().join("dump.rdb"),
        fresh.path().join("dump.rdb"),
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
        fresh.path().to_str().unwrap(),
    ]);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    assert_eq!(c.cmd("FCALL bump2 1 k 1"), Value::Int(11));
    assert_eq!(c.cmd("FCALL_RO peek 1 k"), Value::Bulk(b"11".to_vec()));
}

#[test]
fn info_memory_counts_scripts_and_functions() {
    let b = Binary::spawn(&["--port", "0", "--http-port", "0", "--appendonly", "no"]);
    let mut c = Client::connect(b.addr);
    let field = |c: &mut Client, name: &str| -> String {
        let Value::Bulk(info) = c.cmd("INFO memory") else {
            panic!("INFO")
        };
        let info = String::from_utf8(info).unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
            .unwrap_or_else(|| panic!("INFO memory has no {name}"))
    };
    assert_eq!(field(&mut c, "number_of_cached_scripts"), "0");
    c.cmd_args(&[b"SCRIPT", b"LOAD", b"return 1"]);
    assert_eq!(c.cmd_args(&[b"EVAL", b"return 2", b"0"]), Value::Int(2));
    assert_eq!(field(&mut c, "number_of_cached_scripts"), "2");
    assert!(field(&mut c, "used_memory_lua").parse::<u64>().unwrap() > 0);
    c.cmd_args(&[b"FUNCTION", b"LOAD", LIB.as_bytes()]);
    assert_eq!(field(&mut c, "number_of_functions"), "2");
    assert_eq!(field(&mut c, "number_of_libraries"), "1");
    assert_eq!(
        field(&mut c, "used_memory_functions"),
        LIB.len().to_string()
    );
    c.cmd("SCRIPT FLUSH");
    assert_eq!(field(&mut c, "number_of_cached_scripts"), "0");
}
