//! Persistence against the real binary: acknowledged writes survive `kill -9` under
//! `appendfsync always`, a torn AOF tail is dropped (or refused), damage elsewhere refuses to
//! start, and the files load in Redis's tools.

use super::{bulk, ok, Binary, Client, TempDir};
use resp::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(super) fn start(dir: &Path, extra: &[&str]) -> Binary {
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
pub(super) fn loaded(c: &mut Client) {
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

pub(super) fn strings(v: Value) -> Vec<String> {
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

/// Writers doing RPUSH list:<tag>:<t> "<t>:<i>" then INCR counter:<tag>:<t>, each recording
/// what was acknowledged; a server that dies under them ends them quietly.
struct Load {
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<(usize, i64)>>>,
    writers: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    fn start(addr: std::net::SocketAddr, tag: &str, writers: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(Mutex::new(vec![(0usize, 0i64); writers]));
        let writers = (0..writers)
            .map(|t| {
                let (stop, acked, tag) = (stop.clone(), acked.clone(), tag.to_string());
                std::thread::spawn(move || {
                    let mut c = Client::connect(addr);
                    let mut i = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let v = format!("{t}:{i}");
                        let list = format!("list:{tag}:{t}");
                        let push = Client::encode(&[b"RPUSH", list.as_bytes(), v.as_bytes()]);
                        if c.stream.write_all(&push).is_err() {
                            return;
                        }
                        let Some(Value::Int(_)) = c.read_reply() else {
                            return;
                        };
                        acked.lock().unwrap()[t].0 = i + 1;
                        let counter = format!("counter:{tag}:{t}");
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
        Load {
            stop,
            acked,
            writers,
        }
    }

    /// Stops the writers; returns (pushes, last INCR reply) acknowledged per writer.
    fn stop(self) -> Vec<(usize, i64)> {
        self.stop.store(true, Ordering::Relaxed);
        for w in self.writers {
            let _ = w.join();
        }
        let acked = self.acked.lock().unwrap().clone();
        acked
    }

    /// Every acknowledged write of `tag` is present exactly once, in order.
    fn verify(c: &mut Client, tag: &str, acked: &[(usize, i64)]) {
        for (t, &(pushes, incrs)) in acked.iter().enumerate() {
            let list = strings(c.cmd(&format!("LRANGE list:{tag}:{t} 0 -1")));
            assert!(
                list.len() >= pushes,
                "{tag} writer {t}: {pushes} pushes acknowledged, {} survived",
                list.len()
            );
            let want: Vec<String> = (0..list.len()).map(|i| format!("{t}:{i}")).collect();
            assert_eq!(list, want, "{tag} writer {t}: duplicated or reordered");
            let n = match c.cmd(&format!("GET counter:{tag}:{t}")) {
                Value::Bulk(b) => String::from_utf8(b).unwrap().parse::<i64>().unwrap(),
                Value::Null => 0,
                other => panic!("counter: {other:?}"),
            };
            assert!(
                n >= incrs,
                "{tag} writer {t}: INCR acknowledged {incrs}, found {n}"
            );
        }
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
                // No counter yet when the kill fell right after the writer's first push.
                let n: usize = match check.cmd(&format!("GET counter:{r}:{t}")) {
                    Value::Bulk(n) => String::from_utf8(n).unwrap().parse().unwrap(),
                    Value::Null => 0,
                    other => panic!("counter {r}:{t}: {other:?}"),
                };
                // Each INCR follows its RPUSH: the kill may fall between the two.
                assert!(
                    n + 1 >= list.len(),
                    "round {r} writer {t}: counter behind its list"
                );
            }
        }
        let load = Load::start(addr, &round.to_string(), WRITERS);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(30 + seed % 120));
        // kill -9 while the writers are in full flight.
        let mut server = server;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        let acked = load.stop();
        let server = start(dir.path(), &["--appendfsync", "always"]);
        let mut c = Client::connect(server.addr);
        loaded(&mut c);
        Load::verify(&mut c, &round.to_string(), &acked);
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
        match persist::reader::read(&bytes[at..]) {
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
    let check = tool("redis-check-aof");
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

/// A tool the tests need: CI installs it (`.ci/run`), so a missing one fails the test rather
/// than letting it pass unchecked.
pub(super) fn tool(name: &str) -> PathBuf {
    which(name).unwrap_or_else(|| {
        panic!("{name} is not installed (apt-get install redis-server redis-tools util-linux)")
    })
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
pub(super) fn start_limited(dir: &Path, kib: u64, fsync: &str) -> Binary {
    use std::io::BufRead;
    let script = format!(
        "trap '' XFSZ; ulimit -S -f {kib}; exec {} --port 0 --http-port 0 --appendonly yes \
         --appendfsync {fsync} --dir {}",
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
        if let Some(a) = line.split("Listening on tcp ").nth(1) {
            break a.trim().trim_end_matches(" (loading)").parse().unwrap();
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
    tool("prlimit");
    let dir = TempDir::new("full");
    let b = start_limited(dir.path(), 64, "always");
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
    // Under `always` no reply, a read's neither, goes out before everything logged before it
    // is fsynced: a reader never sees a write a crash could lose. So a read waits too.
    let mut reader = Client::connect(b.addr);
    reader
        .stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    // The key of the held write is in memory already, but its record is not on disk.
    let held_key = format!("k{held}");
    reader.send_raw(&Client::encode(&[b"GET", held_key.as_bytes()]));
    assert_eq!(
        reader.read_reply(),
        None,
        "a reader saw a write that is not fsynced"
    );
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
    reader
        .stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    reader.buf.clear();
    assert_eq!(
        reader.read_reply(),
        Some(bulk(&value)),
        "the read of the held write"
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

/// A redis-server child, stopped (by its pid) when dropped, also when a test fails.
pub(super) struct Redis(std::process::Child);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `redis-server` on a free port in `dir` with `extra` flags.
pub(super) fn redis_server(dir: &Path, extra: &[&str]) -> (Redis, std::net::SocketAddr) {
    redis_try_start(dir, extra).expect("redis-server did not start")
}

/// Starts `redis-server` in `dir` and waits until it has loaded its data; None when it
/// refused to start (exited).
pub(super) fn redis_try_start(dir: &Path, extra: &[&str]) -> Option<(Redis, std::net::SocketAddr)> {
    let bin = tool("redis-server");
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
    let mut redis = Redis(child);
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if redis.0.try_wait().unwrap().is_some() {
            return None;
        }
        if pong(addr) {
            return Some((redis, addr));
        }
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether the server at `addr` answers PING with PONG (not -LOADING, not a closed
/// connection: a server that is refusing to start may still accept).
pub(super) fn pong(addr: std::net::SocketAddr) -> bool {
    use std::io::Read;
    std::net::TcpStream::connect(addr).is_ok_and(|mut s| {
        let mut reply = [0u8; 5];
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut reply).is_ok() && &reply == b"+PONG"
    })
}

/// Every key of databases 0 and 3 as a comparable text (type, value, expiry present).
pub(super) fn dataset(c: &mut Client) -> Vec<String> {
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

pub(super) fn fill(c: &mut Client) {
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
    let (redis, redis_addr) = redis_server(redis_dir.path(), &flags);
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
    drop(redis);
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
    fill_strings(&mut c, "filler", 100_000, "some filler value");
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

/// BGREWRITEAOF on `r` (ferrokv or redis-server), waiting until it is neither running nor
/// scheduled.
pub(super) fn rewrite_and_wait(r: &mut Client) {
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
}

#[test]
fn redis_appendonlydir_with_an_rdb_base_loads_here() {
    let (theirs, ours) = (TempDir::new("aof-redis"), TempDir::new("aof-ours"));
    let flags = ["--appendonly", "yes", "--appendfsync", "always"];
    let (redis, addr) = redis_server(theirs.path(), &flags);
    let mut r = Client::connect(addr);
    fill(&mut r);
    // Move what was written so far into an RDB base, then add increments after it.
    rewrite_and_wait(&mut r);
    r.cmd("RPUSH l after");
    r.cmd("INCR counter");
    let want = dataset(&mut r);
    drop(redis);
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

/// Sets `keys` keys `<prefix>:<n>` to `value`, 5000 to an MSET.
fn fill_strings(c: &mut Client, prefix: &str, keys: usize, value: &str) {
    for start in (0..keys).step_by(5000) {
        let mut mset: Vec<Vec<u8>> = vec![b"MSET".to_vec()];
        for i in start..keys.min(start + 5000) {
            mset.push(format!("{prefix}:{i}").into_bytes());
            mset.push(value.as_bytes().to_vec());
        }
        let argv: Vec<&[u8]> = mset.iter().map(|a| a.as_slice()).collect();
        assert_eq!(c.cmd_args(&argv), Value::Simple("OK".into()));
    }
}

/// One field of `INFO persistence`.
fn info(c: &mut Client, field: &str) -> String {
    super::info_field(c, "persistence", field)
}

/// Polls `INFO persistence` until `field` reads `want`.
fn wait_info(c: &mut Client, field: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while info(c, field) != want {
        assert!(Instant::now() < deadline, "{field} never became {want}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The AOF directory's file names, sorted, and the manifest's text.
fn aof_files(dir: &Path) -> (Vec<String>, String) {
    let aof = dir.join("appendonlydir");
    let mut names: Vec<String> = std::fs::read_dir(&aof)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let manifest = std::fs::read_to_string(aof.join("appendonly.aof.manifest")).unwrap();
    (names, manifest)
}

pub(super) fn check_aof(dir: &Path) {
    let check = tool("redis-check-aof");
    let manifest = dir.join("appendonlydir").join("appendonly.aof.manifest");
    let out = Command::new(check).arg(&manifest).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("All AOF files and manifest are valid"),
        "redis-check-aof: {text}"
    );
}

#[test]
fn bgrewriteaof_under_load_keeps_every_acknowledged_write() {
    const WRITERS: usize = 4;
    let dir = TempDir::new("rewrite");
    let flags = ["--appendfsync", "always", "--save", ""];
    let server = start(dir.path(), &flags);
    let mut c = Client::connect(server.addr);
    loaded(&mut c);
    // Something for the base beyond the load's own keys, in two databases.
    for i in 0..2000 {
        c.cmd(&format!("SET filler:{i} {i}"));
    }
    c.cmd("SELECT 3");
    c.cmd("HSET h a 1 b 2");
    c.cmd("SELECT 0");
    let load = Load::start(server.addr, "rw", WRITERS);
    for n in 1..=3 {
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(
            c.cmd("BGREWRITEAOF"),
            Value::Simple("Background append only file rewriting started".into())
        );
        wait_info(&mut c, "aof_rewrite_in_progress", "0");
        assert_eq!(info(&mut c, "aof_last_bgrewrite_status"), "ok");
        assert_eq!(info(&mut c, "aof_rewrites"), n.to_string());
        // The manifest names a new RDB base and the one incremental file since, and
        // nothing else is left in the directory.
        let (names, manifest) = aof_files(dir.path());
        let (base, incr) = (
            format!("appendonly.aof.{}.base.rdb", n + 1),
            format!("appendonly.aof.{}.incr.aof", n + 1),
        );
        assert_eq!(
            manifest,
            format!(
                "file {base} seq {} type b\nfile {incr} seq {} type i\n",
                n + 1,
                n + 1
            ),
        );
        let mut want = vec![base, incr, "appendonly.aof.manifest".to_string()];
        want.sort();
        assert_eq!(names, want);
    }
    std::thread::sleep(Duration::from_millis(50));
    // kill -9 with writes in flight, after three rewrites.
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let acked = load.stop();
    assert!(acked.iter().all(|&(p, _)| p > 0), "the load never ran");
    check_aof(dir.path());
    let server = start(dir.path(), &flags);
    let mut c = Client::connect(server.addr);
    loaded(&mut c);
    Load::verify(&mut c, "rw", &acked);
    assert_eq!(c.cmd("GET filler:1999"), bulk("1999"));
    c.cmd("SELECT 3");
    assert_eq!(c.cmd("HGET h b"), bulk("2"));
    drop(server);
    // redis-server reads the rewritten AOF the same way.
    let (redis, addr) = redis_server(dir.path(), &["--appendonly", "yes"]);
    let mut r = Client::connect(addr);
    loaded(&mut r);
    Load::verify(&mut r, "rw", &acked);
    assert_eq!(r.cmd("GET filler:1999"), bulk("1999"));
    drop(redis);
}

#[test]
fn appendonly_switches_on_and_off_at_run_time() {
    let dir = TempDir::new("switch");
    let mut b = start(dir.path(), &["--appendonly", "no", "--save", ""]);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    assert_eq!(info(&mut c, "aof_enabled"), "0");
    for i in 0..1000 {
        c.cmd(&format!("SET before:{i} {i}"));
    }
    assert_eq!(
        c.cmd("CONFIG SET appendonly yes"),
        Value::Simple("OK".into())
    );
    c.cmd("SET during x");
    assert_eq!(info(&mut c, "aof_enabled"), "1");
    // Switching on writes the first base, as a rewrite.
    wait_info(&mut c, "aof_rewrites", "1");
    wait_info(&mut c, "aof_rewrite_in_progress", "0");
    c.cmd("RPUSH on a b c");
    assert_eq!(
        c.cmd("CONFIG SET appendonly no"),
        Value::Simple("OK".into())
    );
    assert_eq!(info(&mut c, "aof_enabled"), "0");
    c.cmd("SET after y");
    let (_, manifest) = aof_files(dir.path());
    assert!(manifest.contains(".base.rdb seq"), "{manifest}");
    check_aof(dir.path());
    c.send_raw(&Client::encode(&[b"SHUTDOWN", b"NOSAVE"]));
    let _ = c.read_reply();
    b.wait_exit();
    // The AOF holds what was written while it was on, and nothing after.
    let b = start(dir.path(), &["--save", ""]);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    assert_eq!(c.cmd("GET before:999"), bulk("999"));
    assert_eq!(c.cmd("GET during"), bulk("x"));
    assert_eq!(
        c.cmd("LRANGE on 0 -1"),
        Value::Array(vec![bulk("a"), bulk("b"), bulk("c")])
    );
    assert_eq!(c.cmd("GET after"), Value::Null);
    assert_eq!(c.cmd("DBSIZE"), Value::Int(1002));
}

#[test]
fn automatic_rewrite_with_a_command_base() {
    let dir = TempDir::new("auto");
    let flags = [
        "--save",
        "",
        "--aof-use-rdb-preamble",
        "no",
        "--auto-aof-rewrite-min-size",
        "32kb",
        "--auto-aof-rewrite-percentage",
        "100",
    ];
    let b = start(dir.path(), &flags);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    // Overwrites grow the log, not the dataset: the rewrite shrinks it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut i = 0u64;
    while info(&mut c, "aof_rewrites") == "0" {
        for _ in 0..200 {
            c.cmd(&format!("SET key:{} {i}", i % 50));
            c.cmd(&format!("ZADD z {} m{}", i % 7, i % 30));
            i += 1;
        }
        assert!(Instant::now() < deadline, "no automatic rewrite");
    }
    wait_info(&mut c, "aof_rewrite_in_progress", "0");
    c.cmd("HSET h f v");
    c.cmd("PEXPIRE key:1 100000000");
    let want = dataset(&mut c);
    let (names, manifest) = aof_files(dir.path());
    assert!(manifest.contains(".base.aof seq"), "{manifest}");
    assert!(
        !names.iter().any(|n| n.starts_with("appendonly.aof.1.")),
        "{names:?}"
    );
    check_aof(dir.path());
    drop(b);
    let b = start(dir.path(), &flags);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    assert_eq!(dataset(&mut c), want);
}

#[test]
fn save_points_and_stop_writes_on_bgsave_error() {
    let dir = TempDir::new("savepoints");
    // dbfilename is a protected setting: CONFIG SET may change it only when allowed.
    let flags = [
        "--appendonly",
        "no",
        "--save",
        "1",
        "1",
        "--enable-protected-configs",
        "yes",
    ];
    let mut b = start(dir.path(), &flags);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    assert_eq!(
        c.cmd("CONFIG GET save"),
        Value::Array(vec![bulk("save"), bulk("1 1")])
    );
    c.cmd("SET k v");
    // One change and one second: the save point writes dump.rdb.
    wait_info(&mut c, "rdb_changes_since_last_save", "0");
    assert!(dir.path().join("dump.rdb").is_file());
    assert_eq!(info(&mut c, "rdb_last_bgsave_status"), "ok");
    // A snapshot that cannot be written (its name is taken by a directory) stops writes.
    std::fs::create_dir(dir.path().join("blocked.rdb")).unwrap();
    assert_eq!(c.cmd("CONFIG SET dbfilename blocked.rdb"), ok());
    c.cmd("SET k2 v2");
    wait_info(&mut c, "rdb_last_bgsave_status", "err");
    match c.cmd("SET k3 v3") {
        Value::Error(e) => assert!(e.starts_with("MISCONF "), "{e}"),
        other => panic!("a write after a failed BGSAVE: {other:?}"),
    }
    assert_eq!(c.cmd("GET k"), bulk("v"), "reads go on");
    assert_eq!(
        c.cmd("CONFIG SET stop-writes-on-bgsave-error no"),
        Value::Simple("OK".into())
    );
    assert_eq!(c.cmd("SET k3 v3"), Value::Simple("OK".into()));
    c.cmd("CONFIG SET stop-writes-on-bgsave-error yes");
    assert!(matches!(c.cmd("SET k4 v4"), Value::Error(_)));
    // Once a save works again, so do writes.
    std::fs::remove_dir(dir.path().join("blocked.rdb")).unwrap();
    assert_eq!(
        c.cmd("BGSAVE"),
        Value::Simple("Background saving started".into())
    );
    wait_info(&mut c, "rdb_last_bgsave_status", "ok");
    assert_eq!(c.cmd("SET k4 v4"), Value::Simple("OK".into()));
    // SHUTDOWN without arguments saves when save points are set.
    c.send_raw(&Client::encode(&[b"SHUTDOWN"]));
    let _ = c.read_reply();
    assert!(b.wait_exit().success());
    let b = start(
        dir.path(),
        &["--appendonly", "no", "--dbfilename", "blocked.rdb"],
    );
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    assert_eq!(
        c.cmd("MGET k k2 k3 k4"),
        Value::Array(vec![bulk("v"), bulk("v2"), bulk("v3"), bulk("v4")])
    );
}

#[test]
fn acknowledged_http_writes_survive_kill_9_under_appendfsync_always() {
    const WRITERS: usize = 3;
    let dir = TempDir::new("http-crash");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let flags = ["--appendfsync", "always", "--save", ""];
    for round in 0..5 {
        let mut b = start(dir.path(), &[&flags[..], &["--http-port", &port]].concat());
        let mut c = Client::connect(b.addr);
        loaded(&mut c);
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|t| {
                let (stop, base) = (stop.clone(), format!("http://127.0.0.1:{port}"));
                std::thread::spawn(move || {
                    let agent: ureq::Agent = ureq::Agent::config_builder()
                        .http_status_as_error(false)
                        .build()
                        .into();
                    let mut acked = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let url = format!("{base}/v1/keys/h:{round}:{t}:{acked}");
                        match agent.put(url).send(b"v".as_slice()) {
                            Ok(r) if r.status().is_success() => acked += 1,
                            _ => break,
                        }
                    }
                    acked
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(60 + 40 * round));
        b.child.kill().unwrap();
        b.child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        let acked: Vec<usize> = writers.into_iter().map(|w| w.join().unwrap()).collect();
        assert!(acked.iter().all(|&n| n > 0), "the HTTP load never ran");
        let b = start(dir.path(), &flags);
        let mut c = Client::connect(b.addr);
        loaded(&mut c);
        for (t, &n) in acked.iter().enumerate() {
            for i in 0..n {
                assert_eq!(
                    c.cmd(&format!("EXISTS h:{round}:{t}:{i}")),
                    Value::Int(1),
                    "round {round}: PUT h:{round}:{t}:{i} was acknowledged over HTTP and lost"
                );
            }
        }
    }
}

#[test]
fn everysec_loses_nothing_acknowledged_when_only_the_process_dies() {
    let dir = TempDir::new("everysec");
    let flags = ["--appendfsync", "everysec", "--save", ""];
    for round in 0..2 {
        let mut b = start(dir.path(), &flags);
        let addr = b.addr;
        let mut c = Client::connect(addr);
        loaded(&mut c);
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut c = Client::connect(addr);
                // When each push was acknowledged.
                let mut acked: Vec<Instant> = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let (list, v) = (format!("l:{round}"), acked.len().to_string());
                    let push = Client::encode(&[b"RPUSH", list.as_bytes(), v.as_bytes()]);
                    if c.stream.write_all(&push).is_err() {
                        break;
                    }
                    let Some(Value::Int(_)) = c.read_reply() else {
                        break;
                    };
                    acked.push(Instant::now());
                }
                acked
            })
        };
        // Longer than the bound, so a writer that held writes back longer would be caught.
        std::thread::sleep(Duration::from_millis(2500 + 400 * round));
        b.child.kill().unwrap();
        let killed = Instant::now();
        b.child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        let acked = writer.join().unwrap();
        assert!(acked.len() > 100, "the load never ran");
        let b = start(dir.path(), &flags);
        let mut c = Client::connect(b.addr);
        loaded(&mut c);
        let kept = strings(c.cmd(&format!("LRANGE l:{round} 0 -1")));
        let wrong = kept.iter().enumerate().find(|(i, v)| **v != i.to_string());
        assert!(
            wrong.is_none(),
            "round {round}: reordered or duplicated at {wrong:?}"
        );
        // Whatever was lost was acknowledged in the last two seconds before the kill (the
        // bound for a machine crash)...
        if let Some(first_lost) = acked.get(kept.len()) {
            assert!(
                killed.duration_since(*first_lost) <= Duration::from_secs(2),
                "round {round}: lost writes acknowledged {:?} before the kill",
                killed.duration_since(*first_lost)
            );
        }
        // ...and a crash of the process alone loses nothing: a reply goes out only once its
        // write is in the file, as with Redis.
        assert!(
            kept.len() >= acked.len(),
            "round {round}: {} acknowledged, {} survived a kill -9",
            acked.len(),
            kept.len()
        );
        drop(b);
    }
}

#[test]
fn nothing_expires_while_the_aof_replays() {
    let dir = TempDir::new("replay-expiry");
    let flags = ["--appendfsync", "always", "--save", ""];
    let mut b = start(dir.path(), &flags);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    // Both keys had a deadline that passes before the restart, and were then made
    // persistent: once in the incremental file, once after a rewrite put the deadline in the
    // base.
    c.cmd("SET based v PX 400");
    c.cmd("SET gone v PX 400");
    c.cmd("BGREWRITEAOF");
    wait_info(&mut c, "aof_rewrite_in_progress", "0");
    c.cmd("SET inc v PX 400");
    assert_eq!(c.cmd("PERSIST inc"), Value::Int(1));
    assert_eq!(c.cmd("PERSIST based"), Value::Int(1));
    c.cmd("INCR counter");
    c.cmd("PEXPIRE counter 400");
    c.cmd("INCR counter");
    c.cmd("PERSIST counter");
    c.send_raw(&Client::encode(&[b"SHUTDOWN", b"NOSAVE"]));
    let _ = c.read_reply();
    b.wait_exit();
    std::thread::sleep(Duration::from_millis(500));
    let b = start(dir.path(), &flags);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    assert_eq!(c.cmd("GET inc"), bulk("v"));
    assert_eq!(c.cmd("GET based"), bulk("v"));
    assert_eq!(c.cmd("TTL based"), Value::Int(-1));
    assert_eq!(c.cmd("GET counter"), bulk("2"));
    assert_eq!(
        c.cmd("GET gone"),
        Value::Null,
        "a key whose time passed is gone after loading"
    );
}

#[test]
fn a_first_start_with_the_aof_builds_it_from_dump_rdb() {
    let dir = TempDir::new("rdb-to-aof");
    let mut b = start(dir.path(), &["--appendonly", "no"]);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    c.cmd("SET k v");
    c.cmd("RPUSH l a b");
    // Without arguments SHUTDOWN saves (save points are on by default).
    c.send_raw(&Client::encode(&[b"SHUTDOWN"]));
    let _ = c.read_reply();
    assert!(b.wait_exit().success());
    assert!(!dir.path().join("appendonlydir").exists());
    for round in 0..2 {
        // The AOF (on by default) starts from dump.rdb, then stands on its own.
        let mut b = start(dir.path(), &["--save", ""]);
        let mut c = Client::connect(b.addr);
        loaded(&mut c);
        assert_eq!(c.cmd("GET k"), bulk("v"), "round {round}");
        assert_eq!(c.cmd("LLEN l"), Value::Int(2 + round));
        c.cmd("RPUSH l c");
        c.send_raw(&Client::encode(&[b"SHUTDOWN"]));
        let _ = c.read_reply();
        assert!(b.wait_exit().success());
        let (_, manifest) = aof_files(dir.path());
        assert!(manifest.contains(".base.rdb seq 1 type b"), "{manifest}");
    }
}

#[test]
fn rewrites_on_an_idle_server_keep_the_writes_after_them() {
    let dir = TempDir::new("idle-rewrite");
    let flags = ["--appendfsync", "always", "--save", ""];
    let mut b = start(dir.path(), &flags);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    for n in 1..=8 {
        assert_eq!(
            c.cmd("BGREWRITEAOF"),
            Value::Simple("Background append only file rewriting started".into())
        );
        wait_info(&mut c, "aof_rewrites", &n.to_string());
        wait_info(&mut c, "aof_rewrite_in_progress", "0");
        c.cmd(&format!("SET after:{n} v"));
    }
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    let b = start(dir.path(), &flags);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    for n in 1..=8 {
        assert_eq!(
            c.cmd(&format!("GET after:{n}")),
            bulk("v"),
            "after rewrite {n}"
        );
    }
}

#[test]
fn shutdown_right_after_bgsave_stops_it_and_saves() {
    let dir = TempDir::new("shutdown-bgsave");
    let mut b = start(dir.path(), &["--appendonly", "no"]);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    fill_strings(&mut c, "k", 200_000, "some value");
    // In one write: the BGSAVE job starts while SHUTDOWN already runs and waits for it.
    let mut both = Client::encode(&[b"BGSAVE"]);
    both.extend_from_slice(&Client::encode(&[b"SHUTDOWN", b"SAVE"]));
    c.send_raw(&both);
    assert_eq!(
        c.read_reply(),
        Some(Value::Simple("Background saving started".into()))
    );
    let _ = c.read_reply();
    assert!(b.wait_exit().success(), "SHUTDOWN did not finish");
    let b = start(dir.path(), &["--appendonly", "no", "--save", ""]);
    let mut c = Client::connect(b.addr);
    loaded(&mut c);
    assert_eq!(c.cmd("DBSIZE"), Value::Int(200_000));
}

#[test]
fn kill_9_during_a_rewrite_loses_nothing_and_leaves_no_debris() {
    const WRITERS: usize = 3;
    let dir = TempDir::new("kill-rewrite");
    let flags = ["--appendfsync", "always", "--save", ""];
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for round in 0..6 {
        let server = start(dir.path(), &flags);
        let mut c = Client::connect(server.addr);
        loaded(&mut c);
        if round == 0 {
            // Enough data that a rewrite takes a while.
            fill_strings(&mut c, "filler", 100_000, "a filler value");
        }
        let tag = format!("kr{round}");
        let load = Load::start(server.addr, &tag, WRITERS);
        std::thread::sleep(Duration::from_millis(20));
        c.cmd("BGREWRITEAOF");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Somewhere in the rewrite (or just after it).
        std::thread::sleep(Duration::from_millis(seed % 80));
        let mut server = server;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        let acked = load.stop();
        check_aof(dir.path());
        let b = start(dir.path(), &flags);
        let mut c = Client::connect(b.addr);
        loaded(&mut c);
        Load::verify(&mut c, &tag, &acked);
        assert_eq!(c.cmd("GET filler:99999"), bulk("a filler value"));
        let (names, _) = aof_files(dir.path());
        assert!(
            names.iter().all(|n| !n.starts_with("temp-")),
            "round {round}: {names:?}"
        );
    }
}

/// RDB files carry each key's access clock as Redis writes it (`FREQ` under an LFU policy,
/// `IDLE` under an LRU one), both ways between redis-server and ferrokv.
#[test]
fn lfu_and_lru_clocks_move_through_rdb_files_both_ways() {
    let rdir = TempDir::new("clock-redis");
    let (redis, raddr) = redis_server(rdir.path(), &["--maxmemory-policy", "allkeys-lfu"]);
    let mut r = Client::connect(raddr);
    assert_eq!(r.cmd("SET hot v"), ok());
    for _ in 0..300 {
        r.cmd("GET hot");
    }
    let freq = r.cmd("OBJECT FREQ hot");
    assert!(matches!(freq, Value::Int(f) if f > 5), "{freq:?}");
    assert_eq!(r.cmd("SAVE"), ok());
    drop(r);
    drop(redis);
    let fdir = TempDir::new("clock-ours");
    std::fs::copy(rdir.path().join("dump.rdb"), fdir.path().join("dump.rdb")).unwrap();
    let dir = fdir.path().to_str().unwrap();
    let b = Binary::spawn(&[
        "--port",
        "0",
        "--http-port",
        "0",
        "--appendonly",
        "no",
        "--save",
        "",
        "--maxmemory-policy",
        "allkeys-lfu",
        "--dir",
        dir,
    ]);
    let mut f = Client::connect(b.addr);
    assert_eq!(f.cmd("OBJECT FREQ hot"), freq, "the counter Redis saved");
    // Under LRU ferrokv saves idle times; redis-server reads them back.
    assert_eq!(f.cmd("CONFIG SET maxmemory-policy allkeys-lru"), ok());
    assert_eq!(f.cmd("SET cold v"), ok());
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(f.cmd("SAVE"), ok());
    drop(f);
    drop(b);
    let (_redis, raddr) = redis_server(fdir.path(), &["--maxmemory-policy", "allkeys-lru"]);
    let mut r = Client::connect(raddr);
    let idle = r.cmd("OBJECT IDLETIME cold");
    assert!(matches!(idle, Value::Int(2..=4)), "{idle:?}");
}
