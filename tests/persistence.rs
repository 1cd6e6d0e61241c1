//! Persistence against the real binary: acknowledged writes survive `kill -9` under
//! `appendfsync always`, a torn AOF tail is dropped (or refused), damage elsewhere refuses to
//! start, and the files load in Redis's tools.

use super::{bulk, Binary, Client, TempDir};
use resp::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn start(dir: &Path, extra: &[&str]) -> Binary {
    let mut args = vec![
        "--port",
        "0",
        "--http-port",
        "0",
        "--appendonly",
        "yes",
        "--dir",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    Binary::spawn(&args)
}

/// Waits until the server has loaded its data (commands stop getting -LOADING).
fn loaded(c: &mut Client) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match c.cmd("DBSIZE") {
            Value::Error(e) if e.starts_with("LOADING") => {}
            Value::Int(_) => return,
            other => panic!("DBSIZE: {other:?}"),
        }
        assert!(Instant::now() < deadline, "never finished loading");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn strings(v: Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Value::Bulk(b) => String::from_utf8(b).unwrap(),
                other => panic!("element {other:?}"),
            })
            .collect(),
        other => panic!("array expected, got {other:?}"),
    }
}

#[test]
fn acknowledged_writes_survive_kill_9_under_appendfsync_always() {
    const ROUNDS: usize = 20;
    const WRITERS: usize = 4;
    let dir = TempDir::new("crash");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for round in 0..ROUNDS {
        let server = start(dir.path(), &["--appendfsync", "always"]);
        let addr = server.addr;
        let mut check = Client::connect(addr);
        loaded(&mut check);
        // Everything acknowledged in earlier rounds is still there, exactly once.
        for r in 0..round {
            for t in 0..WRITERS {
                let list = strings(check.cmd(&format!("LRANGE list:{r}:{t} 0 -1")));
                let want: Vec<String> = (0..list.len()).map(|i| format!("{t}:{i}")).collect();
                assert_eq!(
                    list, want,
                    "round {r} writer {t}: lost, duplicated or reordered"
                );
                let Value::Bulk(n) = check.cmd(&format!("GET counter:{r}:{t}")) else {
                    panic!("counter {r}:{t} is missing")
                };
                let n: usize = String::from_utf8(n).unwrap().parse().unwrap();
                // Each INCR follows its RPUSH: the kill may fall between the two.
                assert!(
                    n + 1 >= list.len(),
                    "round {r} writer {t}: counter behind its list"
                );
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(Mutex::new(vec![(0usize, 0i64); WRITERS]));
        let writers: Vec<_> = (0..WRITERS)
            .map(|t| {
                let (stop, acked) = (stop.clone(), acked.clone());
                std::thread::spawn(move || {
                    let mut c = Client::connect(addr);
                    let mut i = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let v = format!("{t}:{i}");
                        let list = format!("list:{round}:{t}");
                        // The server dies under us: a missing reply ends the writer quietly.
                        let push = Client::encode(&[b"RPUSH", list.as_bytes(), v.as_bytes()]);
                        if c.stream.write_all(&push).is_err() {
                            return;
                        }
                        let Some(Value::Int(_)) = c.read_reply() else {
                            return;
                        };
                        acked.lock().unwrap()[t].0 = i + 1;
                        let counter = format!("counter:{round}:{t}");
                        let incr = Client::encode(&[b"INCR", counter.as_bytes()]);
                        if c.stream.write_all(&incr).is_err() {
                            return;
                        }
                        let Some(Value::Int(n)) = c.read_reply() else {
                            return;
                        };
                        acked.lock().unwrap()[t].1 = n;
                        i += 1;
                    }
                })
            })
            .collect();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(30 + seed % 120));
        // kill -9 while the writers are in full flight.
        let mut server = server;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            let _ = w.join();
        }
        let acked = acked.lock().unwrap().clone();
        let server = start(dir.path(), &["--appendfsync", "always"]);
        let mut c = Client::connect(server.addr);
        loaded(&mut c);
        for (t, &(pushes, incrs)) in acked.iter().enumerate() {
            let list = strings(c.cmd(&format!("LRANGE list:{round}:{t} 0 -1")));
            assert!(
                list.len() >= pushes,
                "round {round} writer {t}: {pushes} pushes acknowledged, {} survived",
                list.len()
            );
            let want: Vec<String> = (0..list.len()).map(|i| format!("{t}:{i}")).collect();
            assert_eq!(
                list, want,
                "round {round} writer {t}: duplicated or reordered"
            );
            let n = match c.cmd(&format!("GET counter:{round}:{t}")) {
                Value::Bulk(b) => String::from_utf8(b).unwrap().parse::<i64>().unwrap(),
                Value::Null => 0,
                other => panic!("counter: {other:?}"),
            };
            assert!(
                n >= incrs,
                "round {round} writer {t}: INCR acknowledged {incrs}, found {n}"
            );
        }
        drop(server);
    }
}

/// Writes some data, stops cleanly and returns the incremental file's bytes and the offsets
/// where each command of it starts.
fn sample_aof(dir: &Path) -> (PathBuf, Vec<u8>, Vec<usize>) {
    let mut b = start(dir, &[]);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    for i in 0..10 {
        c.cmd(&format!("RPUSH l v{i}"));
    }
    c.cmd("SET k hello");
    c.cmd("MULTI");
    c.cmd("INCR n");
    c.cmd("SADD s a b");
    assert_eq!(
        c.cmd("EXEC"),
        Value::Array(vec![Value::Int(1), Value::Int(2)])
    );
    c.cmd("HSET h f v");
    c.send_raw(&Client::encode(&[b"SHUTDOWN"]));
    let _ = c.read_reply();
    assert!(b.wait_exit().success());
    let file = dir.join("appendonlydir").join("appendonly.aof.1.incr.aof");
    let bytes = std::fs::read(&file).unwrap();
    let mut starts = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        starts.push(at);
        match persist::reader::read(&bytes[at..], 1 << 20) {
            persist::reader::Read::Command(_, n) => at += n,
            other => panic!("the sample AOF does not parse at {at}: {other:?}"),
        }
    }
    (file, bytes, starts)
}

#[test]
fn a_torn_tail_is_dropped_or_refused_and_damage_refuses_to_start() {
    let dir = TempDir::new("torn");
    let (file, bytes, starts) = sample_aof(dir.path());
    // Cut inside each of the last commands (HSET, and the MULTI block before it), at every
    // byte offset for the last one and a sample of offsets for the block.
    let hset = *starts.last().unwrap();
    let multi = starts[starts.len() - 6];
    let mut cuts: Vec<usize> = (hset + 1..bytes.len()).collect();
    cuts.extend((multi + 1..hset).step_by(7));
    for &cut in &cuts {
        std::fs::write(&file, &bytes[..cut]).unwrap();
        // aof-load-truncated no: a torn tail refuses to start.
        let mut b = start(dir.path(), &["--aof-load-truncated", "no"]);
        assert!(
            !b.wait_exit().success(),
            "cut at {cut}: started despite a torn tail"
        );
        // yes (the default): the complete prefix is loaded, a torn transaction not at all.
        let b = start(dir.path(), &[]);
        let mut c = Client::connect(b.addr);
        loaded(&mut c);
        assert_eq!(c.cmd("LLEN l"), Value::Int(10), "cut at {cut}");
        assert_eq!(c.cmd("GET k"), bulk("hello"), "cut at {cut}");
        assert_eq!(c.cmd("EXISTS h"), Value::Int(0), "cut at {cut}");
        let tx_done = cut >= hset;
        assert_eq!(
            c.cmd("EXISTS n s"),
            Value::Int(if tx_done { 2 } else { 0 }),
            "cut at {cut}"
        );
        drop(b);
        // The file was cut back to a command boundary.
        let len = std::fs::metadata(&file).unwrap().len() as usize;
        assert!(starts.contains(&len), "cut at {cut}: truncated to {len}");
    }
    // Damage in the middle of the file (not at its end) refuses to start, whatever the setting.
    let middle = starts[starts.len() / 2];
    for (offset, byte) in [
        (middle, b'#'),
        (middle + 1, b'x'),
        (middle + 2, b'\n'),
        (middle + 5, b'9'),
    ] {
        let mut damaged = bytes.clone();
        damaged[offset] = byte;
        std::fs::write(&file, &damaged).unwrap();
        let mut b = start(dir.path(), &[]);
        assert!(
            !b.wait_exit().success(),
            "started from a file damaged at {offset}"
        );
    }
}

#[test]
fn our_aof_passes_redis_check_aof() {
    let Some(check) = which("redis-check-aof") else {
        eprintln!("redis-check-aof not installed: skipped");
        return;
    };
    let dir = TempDir::new("check");
    let (_, _, _) = sample_aof(dir.path());
    let manifest = dir
        .path()
        .join("appendonlydir")
        .join("appendonly.aof.manifest");
    let out = Command::new(check).arg(&manifest).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "redis-check-aof: {text}");
    assert!(
        text.contains("All AOF files and manifest are valid"),
        "{text}"
    );
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(tool))
        .find(|p| p.is_file())
}

/// Starts the binary with a file-size limit (the AOF hits it like a full disk: writes fail
/// with EFBIG) that the test can lift later with `prlimit`.
fn start_limited(dir: &Path, kib: u64) -> Binary {
    use std::io::BufRead;
    let script = format!(
        "trap '' XFSZ; ulimit -S -f {kib}; exec {} --port 0 --http-port 0 --appendonly yes \
         --appendfsync always --dir {}",
        env!("CARGO_BIN_EXE_ferrokv-server"),
        dir.display()
    );
    let mut child = Command::new("bash")
        .args(["-c", &script])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(a) = line.split("Ready to accept connections tcp on ").nth(1) {
            break a.trim().parse().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Binary {
        child,
        addr,
        _dir: None,
    }
}

#[test]
fn a_full_disk_refuses_writes_with_misconf_and_loses_nothing() {
    if which("prlimit").is_none() {
        eprintln!("prlimit not installed: skipped");
        return;
    }
    let dir = TempDir::new("full");
    let b = start_limited(dir.path(), 64);
    let pid = b.child.id().to_string();
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    let value = "x".repeat(1000);
    // Fill the 64 KiB the process may write; the write that does not fit is held (not
    // acknowledged) while the AOF cannot take it.
    let mut acked = 0;
    c.stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    loop {
        let key = format!("k{acked}");
        c.stream
            .write_all(&Client::encode(&[b"SET", key.as_bytes(), value.as_bytes()]))
            .unwrap();
        match c.read_reply() {
            Some(Value::Simple(ok)) if ok == "OK" => acked += 1,
            None => break,
            other => panic!("SET {key}: {other:?}"),
        }
        assert!(acked < 200, "the file-size limit never hit");
    }
    let held = acked;
    let mut other = Client::connect(b.addr);
    let Value::Error(e) = other.cmd("SET later 1") else {
        panic!("a write was accepted while the AOF cannot be written")
    };
    assert!(
        e.starts_with("MISCONF Errors writing to the AOF file"),
        "{e}"
    );
    assert_eq!(other.cmd("GET k0").clone(), bulk(&value), "reads go on");
    let Value::Bulk(info) = other.cmd("INFO persistence") else {
        panic!("INFO")
    };
    assert!(String::from_utf8_lossy(&info).contains("aof_last_write_status:err"));
    // Space returns: the held write is written and acknowledged, writes are accepted again.
    assert!(Command::new("prlimit")
        .args(["--pid", &pid, "--fsize=unlimited:"])
        .status()
        .unwrap()
        .success());
    c.stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    c.buf.clear();
    assert_eq!(
        c.read_reply(),
        Some(Value::Simple("OK".into())),
        "the held write"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while other.cmd("SET later 1") != Value::Simple("OK".into()) {
        assert!(Instant::now() < deadline, "writes never resumed");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Nothing acknowledged was lost.
    let mut b = b;
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    let b = start(dir.path(), &[]);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    for i in 0..=held {
        assert_eq!(c.cmd(&format!("EXISTS k{i}")), Value::Int(1), "k{i} lost");
    }
    assert_eq!(c.cmd("GET later"), bulk("1"));
}

/// Starts `redis-server` on a free port in `dir` with `extra` flags (None when it is not
/// installed).
fn redis_server(dir: &Path, extra: &[&str]) -> Option<(std::process::Child, std::net::SocketAddr)> {
    let bin = which("redis-server")?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(extra)
        .args(["--dir", dir.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Some((child, addr))
}

/// Every key of databases 0 and 3 as a comparable text (type, value, expiry present).
fn dataset(c: &mut Client) -> Vec<String> {
    let mut out = Vec::new();
    for db in [0, 3] {
        c.cmd(&format!("SELECT {db}"));
        let mut keys = strings(c.cmd("KEYS *"));
        keys.sort();
        for k in keys {
            let Value::Simple(t) = c.cmd_args(&[b"TYPE", k.as_bytes()]) else {
                panic!("TYPE")
            };
            let kb = k.as_bytes();
            let mut v = match t.as_str() {
                "string" => vec![format!("{:?}", c.cmd_args(&[b"GET", kb]))],
                "list" => strings(c.cmd_args(&[b"LRANGE", kb, b"0", b"-1"])),
                "hash" => strings(c.cmd_args(&[b"HGETALL", kb])),
                "set" => strings(c.cmd_args(&[b"SMEMBERS", kb])),
                _ => strings(c.cmd_args(&[b"ZRANGE", kb, b"0", b"-1", b"WITHSCORES"])),
            };
            if matches!(t.as_str(), "hash" | "set") {
                v.sort();
            }
            let ttl = matches!(c.cmd_args(&[b"PTTL", kb]), Value::Int(n) if n > 0);
            out.push(format!("{db} {k} {t} {v:?} ttl={ttl}"));
        }
    }
    c.cmd("SELECT 0");
    out
}

fn fill(c: &mut Client) {
    for cmd in [
        "SET s hello",
        "SET n 12345",
        "SET e v PX 100000",
        "RPUSH l a b c",
        "HSET h f v g w",
        "SADD is 1 2 3",
        "SADD ss x y",
        "ZADD z 1.5 a 2 b -inf c",
        "SELECT 3",
        "SET other db3",
        "SELECT 0",
    ] {
        c.cmd(cmd);
    }
    c.cmd_args(&[b"SET", b"long", "abc".repeat(200).as_bytes()]);
    for i in 0..300 {
        c.cmd(&format!("ZADD bigz {i} m{i}"));
        c.cmd(&format!("HSET bigh f{i} {}", "v".repeat(i % 80)));
        c.cmd(&format!("RPUSH bigl {i}"));
        c.cmd(&format!("SADD bigs s{i}"));
    }
}

#[test]
fn snapshots_and_dump_payloads_move_between_redis_and_ferrokv() {
    let (ours_dir, redis_dir) = (TempDir::new("rdb-ours"), TempDir::new("rdb-redis"));
    let flags = ["--appendonly", "no", "--enable-debug-command", "yes"];
    let Some((mut redis, redis_addr)) = redis_server(redis_dir.path(), &flags) else {
        eprintln!("redis-server not installed: skipped");
        return;
    };
    // ferrokv's SAVE loads in redis-server...
    let mut b = Binary::spawn(&[
        "--port",
        "0",
        "--http-port",
        "0",
        "--dir",
        ours_dir.path().to_str().unwrap(),
    ]);
    let mut ours = Client::connect(b.addr);
    fill(&mut ours);
    let want = dataset(&mut ours);
    assert_eq!(ours.cmd("SAVE"), Value::Simple("OK".into()));
    let mut r = Client::connect(redis_addr);
    std::fs::copy(
        ours_dir.path().join("dump.rdb"),
        redis_dir.path().join("dump.rdb"),
    )
    .unwrap();
    assert_eq!(r.cmd("DEBUG RELOAD NOSAVE"), Value::Simple("OK".into()));
    assert_eq!(
        dataset(&mut r),
        want,
        "redis-server read our dump.rdb differently"
    );
    // ...and redis-server's SAVE loads in ferrokv.
    r.cmd("RPUSH l d");
    r.cmd("HSET h x y");
    let want = dataset(&mut r);
    assert_eq!(r.cmd("SAVE"), Value::Simple("OK".into()));
    ours.send_raw(&Client::encode(&[b"SHUTDOWN", b"NOSAVE"]));
    let _ = ours.read_reply();
    b.wait_exit();
    std::fs::copy(
        redis_dir.path().join("dump.rdb"),
        ours_dir.path().join("dump.rdb"),
    )
    .unwrap();
    // Without the AOF, start-up loads dump.rdb.
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
        dataset(&mut ours),
        want,
        "we read redis-server's dump.rdb differently"
    );
    // DUMP payloads go both ways through RESTORE.
    for key in [
        "s", "l", "h", "is", "ss", "z", "bigz", "bigh", "bigl", "bigs", "long",
    ] {
        let Value::Bulk(theirs) = r.cmd_args(&[b"DUMP", key.as_bytes()]) else {
            panic!("DUMP {key} on redis")
        };
        let copy = format!("{key}:copy");
        assert_eq!(
            ours.cmd_args(&[b"RESTORE", copy.as_bytes(), b"0", &theirs]),
            Value::Simple("OK".into()),
            "RESTORE of redis-server's {key}"
        );
        let Value::Bulk(mine) = ours.cmd_args(&[b"DUMP", key.as_bytes()]) else {
            panic!("DUMP {key}")
        };
        assert_eq!(
            r.cmd_args(&[b"RESTORE", copy.as_bytes(), b"0", &mine]),
            Value::Simple("OK".into()),
            "RESTORE of our {key} in redis-server"
        );
    }
    assert_eq!(dataset(&mut ours), dataset(&mut r));
    assert_eq!(
        ours.cmd_args(&[b"RESTORE", b"s", b"0", b"junk"]),
        Value::Error("BUSYKEY Target key name already exists.".into())
    );
    assert_eq!(
        ours.cmd_args(&[b"RESTORE", b"new", b"0", b"junk"]),
        Value::Error("ERR DUMP payload version or checksum are wrong".into())
    );
    let _ = redis.kill();
    let _ = redis.wait();
}

#[test]
fn bgsave_is_one_point_in_time_while_transactions_go_on() {
    const ACCOUNTS: usize = 64;
    let dir = TempDir::new("bgsave");
    let args = [
        "--port",
        "0",
        "--http-port",
        "0",
        "--dir",
        dir.path().to_str().unwrap(),
    ];
    let mut b = Binary::spawn(&args);
    let addr = b.addr;
    let mut c = Client::connect(addr);
    for i in 0..ACCOUNTS {
        c.cmd(&format!("SET acct:{i} 1000"));
    }
    // Enough other data that a snapshot takes a while.
    for chunk in 0..40 {
        let mut mset: Vec<Vec<u8>> = vec![b"MSET".to_vec()];
        for i in 0..2500 {
            mset.push(format!("filler:{chunk}:{i}").into_bytes());
            mset.push(b"some filler value".to_vec());
        }
        let argv: Vec<&[u8]> = mset.iter().map(|a| a.as_slice()).collect();
        assert_eq!(c.cmd_args(&argv), Value::Simple("OK".into()));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let movers: Vec<_> = (0..2)
        .map(|t| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut c = Client::connect(addr);
                let mut x = 0x9e37_79b9u64 + t;
                let mut moved = 0;
                while !stop.load(Ordering::Relaxed) {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let (a, b) = (x as usize % ACCOUNTS, (x >> 20) as usize % ACCOUNTS);
                    c.cmd("MULTI");
                    c.cmd(&format!("DECRBY acct:{a} 7"));
                    c.cmd(&format!("INCRBY acct:{b} 7"));
                    let Value::Array(r) = c.cmd("EXEC") else {
                        panic!("EXEC")
                    };
                    assert_eq!(r.len(), 2);
                    moved += 1;
                }
                moved
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(50));
    let before = match c.cmd("LASTSAVE") {
        Value::Int(t) => t,
        other => panic!("LASTSAVE {other:?}"),
    };
    assert_eq!(
        c.cmd("BGSAVE"),
        Value::Simple("Background saving started".into())
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let Value::Bulk(info) = c.cmd("INFO persistence") else {
            panic!("INFO")
        };
        if String::from_utf8_lossy(&info).contains("rdb_bgsave_in_progress:0") {
            break;
        }
        assert!(Instant::now() < deadline, "BGSAVE never finished");
        std::thread::sleep(Duration::from_millis(5));
    }
    stop.store(true, Ordering::Relaxed);
    let moved: u64 = movers.into_iter().map(|m| m.join().unwrap()).sum();
    assert!(moved > 0, "no transfer ran during the snapshot");
    assert!(matches!(c.cmd("LASTSAVE"), Value::Int(t) if t >= before));
    c.send_raw(&Client::encode(&[b"SHUTDOWN", b"NOSAVE"]));
    let _ = c.read_reply();
    b.wait_exit();
    // The snapshot holds every account, and their sum as at one instant.
    let b = Binary::spawn(&args);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    let mut sum = 0i64;
    for i in 0..ACCOUNTS {
        let Value::Bulk(v) = c.cmd(&format!("GET acct:{i}")) else {
            panic!("acct:{i} missing from the snapshot")
        };
        sum += String::from_utf8(v).unwrap().parse::<i64>().unwrap();
    }
    assert_eq!(
        sum,
        1000 * ACCOUNTS as i64,
        "the snapshot mixes two instants"
    );
    assert_eq!(c.cmd("DBSIZE"), Value::Int((ACCOUNTS + 100_000) as i64));
}

#[test]
fn redis_appendonlydir_with_an_rdb_base_loads_here() {
    let (theirs, ours) = (TempDir::new("aof-redis"), TempDir::new("aof-ours"));
    let flags = ["--appendonly", "yes", "--appendfsync", "always"];
    let Some((mut redis, addr)) = redis_server(theirs.path(), &flags) else {
        eprintln!("redis-server not installed: skipped");
        return;
    };
    let mut r = Client::connect(addr);
    fill(&mut r);
    // Move what was written so far into an RDB base, then add increments after it.
    assert!(matches!(r.cmd("BGREWRITEAOF"), Value::Simple(_)));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let Value::Bulk(info) = r.cmd("INFO persistence") else {
            panic!("INFO")
        };
        let info = String::from_utf8_lossy(&info).into_owned();
        if info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0") {
            break;
        }
        assert!(Instant::now() < deadline, "BGREWRITEAOF never finished");
        std::thread::sleep(Duration::from_millis(20));
    }
    r.cmd("RPUSH l after");
    r.cmd("INCR counter");
    let want = dataset(&mut r);
    let _ = redis.kill();
    let _ = redis.wait();
    let src = theirs.path().join("appendonlydir");
    let dst = ours.path().join("appendonlydir");
    std::fs::create_dir_all(&dst).unwrap();
    let mut has_rdb_base = false;
    for f in std::fs::read_dir(&src).unwrap() {
        let f = f.unwrap();
        has_rdb_base |= f.file_name().to_string_lossy().ends_with(".base.rdb");
        std::fs::copy(f.path(), dst.join(f.file_name())).unwrap();
    }
    assert!(has_rdb_base, "redis-server did not write an RDB base");
    let b = start(ours.path(), &[]);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    assert_eq!(dataset(&mut c), want);
}
