//! HyperLogLog values in RDB files: a dump.rdb written by redis-server (sparse and dense
//! HyperLogLogs, cached and stale cardinalities, an expiry) loads here with the same bytes and
//! counts, and ferrokv's dump.rdb loads in redis-server the same way. And in the AOF: what
//! PFADD, PFMERGE, PFDEBUG and a PFCOUNT that refreshes the cache log replays to the same
//! bytes, here and in redis-server.

use super::persistence::{loaded, redis_server, start};
use super::{Binary, Client, TempDir};
use resp::Value;

/// Keys holding HyperLogLogs of every shape, and the commands that make them.
fn fill(c: &mut Client) {
    let elements = |prefix: &str, n: usize| -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| format!("{prefix}{i}").into_bytes())
            .collect()
    };
    let pfadd = |c: &mut Client, key: &str, els: &[Vec<u8>]| {
        let mut args: Vec<&[u8]> = vec![b"PFADD", key.as_bytes()];
        args.extend(els.iter().map(|e| e.as_slice()));
        assert!(matches!(c.cmd_args(&args), Value::Int(_)), "PFADD {key}");
    };
    c.cmd("PFADD empty");
    pfadd(c, "sparse", &elements("s", 12));
    pfadd(c, "sparse-counted", &elements("t", 40));
    c.cmd("PFCOUNT sparse-counted");
    pfadd(c, "dense", &elements("d", 5000));
    pfadd(c, "dense-counted", &elements("e", 3000));
    c.cmd("PFCOUNT dense-counted");
    c.cmd("PFMERGE merged sparse dense");
    pfadd(c, "todense", &elements("x", 3));
    c.cmd("PFDEBUG TODENSE todense");
    pfadd(c, "expiring", &elements("y", 7));
    c.cmd("PEXPIRE expiring 1000000");
}

const KEYS: [&str; 8] = [
    "empty",
    "sparse",
    "sparse-counted",
    "dense",
    "dense-counted",
    "merged",
    "todense",
    "expiring",
];

/// GET of every key, then PFCOUNT of each and of their union, then GET again (the counts
/// refresh stale caches), and the expiry.
fn observe(c: &mut Client) -> Vec<Value> {
    let mut out = Vec::new();
    for k in KEYS {
        out.push(c.cmd_args(&[b"GET", k.as_bytes()]));
    }
    let mut union: Vec<&[u8]> = vec![b"PFCOUNT"];
    union.extend(KEYS.iter().map(|k| k.as_bytes()));
    out.push(c.cmd_args(&union));
    for k in KEYS {
        out.push(c.cmd_args(&[b"PFCOUNT", k.as_bytes()]));
        out.push(c.cmd_args(&[b"GET", k.as_bytes()]));
        out.push(c.cmd_args(&[b"PFDEBUG", b"ENCODING", k.as_bytes()]));
    }
    out.push(Value::Int(i64::from(matches!(
        c.cmd("PTTL expiring"),
        Value::Int(n) if n > 0
    ))));
    // Loaded values are still HyperLogLogs to change.
    for k in KEYS {
        out.push(c.cmd_args(&[b"PFADD", k.as_bytes(), b"one-more"]));
        out.push(c.cmd_args(&[b"GET", k.as_bytes()]));
    }
    out
}

fn ferrokv(dir: &TempDir) -> Binary {
    Binary::spawn(&[
        "--port",
        "0",
        "--http-port",
        "0",
        "--appendonly",
        "no",
        "--dir",
        dir.path().to_str().unwrap(),
    ])
}

#[test]
fn redis_rdb_hyperloglogs_load_here() {
    let (ours_dir, redis_dir) = (TempDir::new("hll-ours"), TempDir::new("hll-redis"));
    let (_redis, redis_addr) = redis_server(redis_dir.path(), &["--appendonly", "no"]);
    let mut r = Client::connect(redis_addr);
    fill(&mut r);
    assert_eq!(r.cmd("SAVE"), Value::Simple("OK".into()));
    std::fs::copy(
        redis_dir.path().join("dump.rdb"),
        ours_dir.path().join("dump.rdb"),
    )
    .unwrap();
    let b = ferrokv(&ours_dir);
    let mut ours = Client::connect(b.addr);
    loaded(&mut ours);
    let (want, got) = (observe(&mut r), observe(&mut ours));
    assert_eq!(want.len(), got.len());
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(w, g, "observation {i} differs from redis-server's");
    }
    // The dense values really were dense, the sparse ones sparse.
    assert_eq!(
        ours.cmd("PFDEBUG ENCODING sparse"),
        Value::Simple("sparse".into())
    );
    assert_eq!(
        ours.cmd("PFDEBUG ENCODING dense"),
        Value::Simple("dense".into())
    );
}

#[test]
fn our_rdb_hyperloglogs_load_in_redis() {
    let (ours_dir, redis_dir) = (TempDir::new("hll-ours2"), TempDir::new("hll-redis2"));
    let b = ferrokv(&ours_dir);
    let mut ours = Client::connect(b.addr);
    fill(&mut ours);
    assert_eq!(ours.cmd("SAVE"), Value::Simple("OK".into()));
    std::fs::copy(
        ours_dir.path().join("dump.rdb"),
        redis_dir.path().join("dump.rdb"),
    )
    .unwrap();
    // redis-server loads dump.rdb from its directory at start.
    let (_redis, redis_addr) = redis_server(redis_dir.path(), &["--appendonly", "no"]);
    let mut r = Client::connect(redis_addr);
    assert_eq!(r.cmd("DBSIZE"), Value::Int(KEYS.len() as i64));
    let (want, got) = (observe(&mut ours), observe(&mut r));
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(
            w, g,
            "observation {i}: redis-server read our dump.rdb differently"
        );
    }
}

/// GET of every key of `keys`.
fn values(c: &mut Client, keys: &[&str]) -> Vec<Value> {
    keys.iter()
        .map(|k| c.cmd_args(&[b"GET", k.as_bytes()]))
        .collect()
}

#[test]
fn the_aof_replays_hyperloglog_changes_byte_for_byte() {
    let dir = TempDir::new("hll-aof");
    let mut b = start(dir.path(), &[]);
    let mut c = Client::connect(b.addr);
    fill(&mut c);
    // Logged: the cache refreshes of PFCOUNT (a read-only command), the conversion of
    // PFDEBUG GETREG, and both inside MULTI.
    for k in KEYS {
        c.cmd_args(&[b"PFCOUNT", k.as_bytes()]);
    }
    c.cmd("PFADD sparse again");
    c.cmd("PFDEBUG GETREG sparse");
    c.cmd("MULTI");
    c.cmd("PFADD tx a b");
    c.cmd("PFCOUNT tx");
    c.cmd("PFMERGE tx2 tx");
    c.cmd("PFCOUNT tx2");
    assert!(matches!(c.cmd("EXEC"), Value::Array(_)));
    let mut keys = KEYS.to_vec();
    keys.extend(["tx", "tx2"]);
    let want = values(&mut c, &keys);
    assert!(want.iter().all(|v| matches!(v, Value::Bulk(_))));
    c.send_raw(&Client::encode(&[b"SHUTDOWN", b"NOSAVE"]));
    let _ = c.read_reply();
    b.wait_exit();
    let redis_dir = TempDir::new("hll-aof-redis");
    copy_dir(
        &dir.path().join("appendonlydir"),
        &redis_dir.path().join("appendonlydir"),
    );
    let b = start(dir.path(), &[]);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    assert_eq!(values(&mut c, &keys), want, "replayed here");
    let (_redis, addr) = redis_server(redis_dir.path(), &["--appendonly", "yes"]);
    let mut r = Client::connect(addr);
    assert_eq!(values(&mut r, &keys), want, "replayed by redis-server");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}
