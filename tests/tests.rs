//! Integration tests against real ferrokv servers on 127.0.0.1:0: in-process servers for
//! protocol and semantics, the real binary for flags, config files, SHUTDOWN and signals.
//! Raw RESP bytes are asserted where the protocol itself is under test.

mod acl;
mod aof_files;
mod geo;
mod hardening;
mod hll;
mod http;
mod memory;
mod ops;
mod persistence;
mod scripting;
mod streams;
mod tls;

use ferrokv_server::{HttpRole, Server};
use resp::{parse_value, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!("ferrokv-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Waits until the server at `addr` has loaded its data (answers other than `-LOADING`), or
/// is gone (a server refusing to start).
fn wait_loaded(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let Ok(mut s) = TcpStream::connect(addr) else {
            return;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let mut reply = [0u8; 8];
        let loading = s.write_all(b"PING\r\n").is_ok()
            && s.read(&mut reply)
                .is_ok_and(|n| reply[..n].starts_with(b"-LOADING"));
        if !loading {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A server running on its own runtime thread, with its files in a temporary directory;
/// stopped when dropped.
struct TestServer {
    addr: SocketAddr,
    http: SocketAddr,
    _dir: TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    fn start() -> TestServer {
        Self::start_with(engine::config::Values::default())
    }

    fn start_with(values: engine::config::Values) -> TestServer {
        Self::start_with_clock(values, std::sync::Arc::new(engine::SystemClock))
    }

    fn start_with_clock(
        values: engine::config::Values,
        clock: std::sync::Arc<dyn engine::Clock>,
    ) -> TestServer {
        let dir = TempDir::new("server");
        let values = engine::config::Values {
            dir: dir.path().display().to_string(),
            ..values
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let values = engine::config::Values {
                    port: 0,
                    http_port: Some(0),
                    ..values
                };
                let mut server = Server::bind_with_clock(values, clock).await.unwrap();
                let engine = server.engine();
                let http = server
                    .bind_http("127.0.0.1:0".parse().unwrap(), HttpRole::Api)
                    .await
                    .unwrap();
                tx.send((server.local_addrs()[0], http, engine)).unwrap();
                let _ = server
                    .run(async {
                        let _ = stop_rx.await;
                    })
                    .await;
            });
        });
        let (addr, http, engine) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        // Commands get -LOADING until the (empty) data directory is loaded.
        let deadline = Instant::now() + Duration::from_secs(10);
        while engine.state.loading() {
            assert!(
                Instant::now() < deadline,
                "the server never finished loading"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        TestServer {
            addr,
            http,
            stop: Some(stop_tx),
            thread: Some(thread),
            _dir: dir,
        }
    }

    fn client(&self) -> Client {
        Client::connect(self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A minimal RESP client over a blocking socket.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    fn encode(args: &[&[u8]]) -> Vec<u8> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    fn cmd(&mut self, line: &str) -> Value {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        self.cmd_args(&args)
    }

    fn cmd_args(&mut self, args: &[&[u8]]) -> Value {
        self.send_raw(&Self::encode(args));
        self.read_reply().expect("a reply")
    }

    /// Reads one reply; None when the server closed the connection.
    fn read_reply(&mut self) -> Option<Value> {
        loop {
            if let Ok((v, n)) = parse_value(&self.buf) {
                self.buf.drain(..n);
                return Some(v);
            }
            let mut chunk = [0u8; 65536];
            let n = self.stream.read(&mut chunk).ok()?;
            if n == 0 {
                return None;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads everything until the server closes (or the timeout).
    fn read_to_close(&mut self) -> Vec<u8> {
        let mut all = std::mem::take(&mut self.buf);
        let _ = self.stream.read_to_end(&mut all);
        all
    }
}

/// One field of `INFO section`.
fn info_field(c: &mut Client, section: &str, field: &str) -> String {
    let Value::Bulk(text) = c.cmd(&format!("INFO {section}")) else {
        panic!("INFO")
    };
    let text = String::from_utf8(text).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("INFO has no {field}: {text}"))
        .to_string()
}

fn ok() -> Value {
    Value::Simple("OK".into())
}

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

#[test]
fn pipelined_commands_get_all_replies_in_order() {
    let s = TestServer::start();
    let mut c = s.client();
    let mut batch = Vec::new();
    for i in 0..100 {
        batch.extend(Client::encode(&[
            b"SET",
            format!("k{i}").as_bytes(),
            format!("{i}").as_bytes(),
        ]));
        batch.extend(Client::encode(&[b"INCR", format!("k{i}").as_bytes()]));
    }
    c.send_raw(&batch);
    for i in 0..100 {
        assert_eq!(c.read_reply(), Some(ok()));
        assert_eq!(c.read_reply(), Some(Value::Int(i + 1)));
    }
}

#[test]
fn a_command_split_at_every_byte_works() {
    let s = TestServer::start();
    let mut c = s.client();
    let frame = Client::encode(&[b"SET", b"split", b"a\r\nb"]);
    for b in &frame {
        c.send_raw(std::slice::from_ref(b));
        std::thread::sleep(Duration::from_micros(200));
    }
    assert_eq!(c.read_reply(), Some(ok()));
    assert_eq!(c.cmd("GET split"), Value::Bulk(b"a\r\nb".to_vec()));
}

#[test]
fn inline_commands_and_quotes() {
    let s = TestServer::start();
    let mut c = s.client();
    c.send_raw(b"SET greeting \"hello world\"\r\nGET greeting\r\nPING\r\n");
    assert_eq!(c.read_reply(), Some(ok()));
    assert_eq!(c.read_reply(), Some(bulk("hello world")));
    assert_eq!(c.read_reply(), Some(Value::Simple("PONG".into())));
}

#[test]
fn protocol_errors_reply_then_close() {
    let s = TestServer::start();
    let cases: &[(&[u8], &[u8])] = &[
        (
            b"*abc\r\n",
            b"-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*1\r\n$x\r\n",
            b"-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\nfoo\r\n",
            b"-ERR Protocol error: expected '$', got 'f'\r\n",
        ),
        (
            b"SET \"a\r\n",
            b"-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
        (
            b"PING\r\n*1\r\n$536870913\r\n",
            b"+PONG\r\n-ERR Protocol error: invalid bulk length\r\n",
        ),
    ];
    for (input, expected) in cases {
        let mut c = s.client();
        c.send_raw(input);
        assert_eq!(
            &c.read_to_close(),
            expected,
            "{}",
            String::from_utf8_lossy(input)
        );
    }
    let mut c = s.client();
    c.send_raw(&vec![b'a'; 70 * 1024]);
    assert_eq!(
        c.read_to_close(),
        b"-ERR Protocol error: too big inline request\r\n"
    );
}

#[test]
fn an_announced_huge_bulk_waits_without_allocating() {
    let s = TestServer::start();
    let mut c = s.client();
    c.send_raw(b"*2\r\n$4\r\nECHO\r\n$536870912\r\nabc");
    // The connection stays open and the server keeps serving others.
    let mut other = s.client();
    assert_eq!(other.cmd("PING"), Value::Simple("PONG".into()));
    let Value::Bulk(info) = other.cmd("INFO memory") else {
        panic!()
    };
    let info = String::from_utf8(info).unwrap();
    let rss: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("used_memory_rss:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        rss < 256 * 1024 * 1024,
        "rss {rss} suggests the bulk was allocated up front"
    );
}

#[test]
fn resp3_after_hello() {
    let s = TestServer::start();
    let mut c = s.client();
    c.send_raw(&Client::encode(&[b"HELLO", b"3"]));
    assert!(matches!(c.read_reply(), Some(Value::Map(_))));
    c.send_raw(&Client::encode(&[b"GET", b"nothing"]));
    let mut raw = [0u8; 3];
    c.stream.read_exact(&mut raw).unwrap();
    assert_eq!(&raw, b"_\r\n");
}

#[test]
fn keys_expire_actively_without_being_read() {
    let s = TestServer::start();
    let mut c = s.client();
    for i in 0..200 {
        c.cmd(&format!("SET volatile:{i} v PX 20"));
    }
    c.cmd("SET stays v");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if c.cmd("DBSIZE") == Value::Int(1) {
            break;
        }
        assert!(Instant::now() < deadline, "expired keys were not reclaimed");
        std::thread::sleep(Duration::from_millis(20));
    }
    let Value::Bulk(info) = c.cmd("INFO stats") else {
        panic!()
    };
    assert!(String::from_utf8(info)
        .unwrap()
        .contains("expired_keys:200"));
}

#[test]
fn concurrent_clients_never_lose_an_increment() {
    let s = TestServer::start();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let addr = s.addr;
            std::thread::spawn(move || {
                let mut c = Client::connect(addr);
                for _ in 0..500 {
                    c.cmd("INCR counter");
                    c.cmd("MSET a 1 b 1");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(s.client().cmd("GET counter"), bulk("4000"));
}

#[test]
fn client_kill_closes_the_other_connection() {
    let s = TestServer::start();
    let mut victim = s.client();
    let Value::Int(id) = victim.cmd("CLIENT ID") else {
        panic!()
    };
    let mut admin = s.client();
    assert_eq!(admin.cmd(&format!("CLIENT KILL ID {id}")), Value::Int(1));
    assert_eq!(victim.read_reply(), None);
    assert_eq!(admin.cmd("CLIENT KILL ID 999999"), Value::Int(0));
}

#[test]
fn quit_replies_then_closes() {
    let s = TestServer::start();
    let mut c = s.client();
    c.send_raw(b"QUIT\r\nPING\r\n");
    assert_eq!(c.read_to_close(), b"+OK\r\n");
}

/// The real binary, with its stderr log read for the bound address.
struct Binary {
    child: Child,
    addr: SocketAddr,
    /// The `--dir` given when the caller gave none.
    _dir: Option<TempDir>,
}

impl Binary {
    fn spawn(args: &[&str]) -> Binary {
        let dir = (!args.contains(&"--dir")).then(|| TempDir::new("binary"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferrokv-server"));
        // After the arguments: a config file must come first.
        cmd.args(args);
        if let Some(d) = &dir {
            cmd.arg("--dir").arg(d.path());
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("server exited before listening")
                .unwrap();
            if let Some(a) = line.split("Listening on tcp ").nth(1) {
                break a.trim().trim_end_matches(" (loading)").parse().unwrap();
            }
        };
        // Connections are accepted while the data loads; the server says it is ready once
        // loaded (even when a password keeps PING from telling). A start that fails ends the
        // log instead.
        for line in lines.by_ref() {
            if line.is_ok_and(|l| l.contains("Ready to accept connections")) {
                break;
            }
        }
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        wait_loaded(addr);
        Binary {
            child,
            addr,
            _dir: dir,
        }
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(Instant::now() < deadline, "server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn binary_takes_config_file_then_flags_and_stops_on_shutdown() {
    let dir = std::env::temp_dir().join(format!("ferrokv-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("ferrokv.conf");
    std::fs::write(&conf, "port 1\nhz 20\ndatabases 4\n").unwrap();
    let mut b = Binary::spawn(&[
        conf.to_str().unwrap(),
        "--port",
        "0",
        "--hz",
        "30",
        "--http-port",
        "0",
    ]);
    let mut c = Client::connect(b.addr);
    assert_eq!(
        c.cmd("CONFIG GET hz"),
        Value::Array(vec![bulk("hz"), bulk("30")])
    );
    assert_eq!(
        c.cmd("SELECT 4"),
        Value::Error("ERR DB index is out of range".into())
    );
    c.send_raw(&Client::encode(&[b"SHUTDOWN"]));
    assert_eq!(c.read_reply(), None);
    assert!(b.wait_exit().success());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn binary_exits_cleanly_on_sigterm() {
    let mut b = Binary::spawn(&["--port", "0", "--http-port", "0"]);
    let mut c = Client::connect(b.addr);
    assert_eq!(c.cmd("PING"), Value::Simple("PONG".into()));
    let pid = b.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert!(b.wait_exit().success());
}

#[test]
fn binary_refuses_unknown_directives() {
    let out = Command::new(env!("CARGO_BIN_EXE_ferrokv-server"))
        .args(["--no-such-thing", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Bad directive"));
}

#[test]
fn requirepass_gates_every_command_until_auth() {
    let s = TestServer::start_with(engine::config::Values {
        requirepass: "s3cret".into(),
        ..Default::default()
    });
    let mut c = s.client();
    assert_eq!(
        c.cmd("GET k"),
        Value::Error("NOAUTH Authentication required.".into())
    );
    assert_eq!(
        c.cmd("PING"),
        Value::Error("NOAUTH Authentication required.".into())
    );
    assert!(
        matches!(c.cmd("HELLO 3"), Value::Error(e) if e.starts_with("NOAUTH HELLO must be called"))
    );
    assert_eq!(
        c.cmd("AUTH wrong"),
        Value::Error("WRONGPASS invalid username-password pair or user is disabled.".into())
    );
    assert_eq!(
        c.cmd("AUTH nobody s3cret"),
        Value::Error("WRONGPASS invalid username-password pair or user is disabled.".into())
    );
    assert_eq!(c.cmd("AUTH s3cret"), ok());
    assert_eq!(c.cmd("SET k v"), ok());
    assert_eq!(c.cmd("RESET"), Value::Simple("RESET".into()));
    assert_eq!(
        c.cmd("GET k"),
        Value::Error("NOAUTH Authentication required.".into())
    );
    assert!(matches!(
        c.cmd("HELLO 3 AUTH default s3cret"),
        Value::Map(_)
    ));
    assert_eq!(c.cmd("GET k"), bulk("v"));
    // Before authentication a request may not announce much.
    let mut raw = s.client();
    raw.send_raw(b"*11\r\n");
    assert_eq!(
        raw.read_to_close(),
        b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    );
}

#[test]
fn auth_without_a_password_configured() {
    let s = TestServer::start();
    let mut c = s.client();
    assert!(
        matches!(c.cmd("AUTH x"), Value::Error(e) if e.starts_with("ERR AUTH <password> called without"))
    );
    assert_eq!(c.cmd("AUTH default anything"), ok());
    assert_eq!(c.cmd("AUTH a b c"), Value::Error("ERR syntax error".into()));
}

fn push3(kind: &str, a: &str, n: i64) -> Value {
    Value::Array(vec![bulk(kind), bulk(a), Value::Int(n)])
}

#[test]
fn pubsub_delivers_messages_and_pattern_messages() {
    let s = TestServer::start();
    let mut sub = s.client();
    assert_eq!(sub.cmd("SUBSCRIBE news"), push3("subscribe", "news", 1));
    sub.send_raw(&Client::encode(&[b"PSUBSCRIBE", b"n*", b"x?"]));
    assert_eq!(sub.read_reply(), Some(push3("psubscribe", "n*", 2)));
    assert_eq!(sub.read_reply(), Some(push3("psubscribe", "x?", 3)));
    let mut publisher = s.client();
    assert_eq!(publisher.cmd("PUBLISH news hello"), Value::Int(2));
    assert_eq!(publisher.cmd("PUBLISH other hello"), Value::Int(0));
    assert_eq!(
        sub.read_reply(),
        Some(Value::Array(vec![
            bulk("message"),
            bulk("news"),
            bulk("hello")
        ]))
    );
    assert_eq!(
        sub.read_reply(),
        Some(Value::Array(vec![
            bulk("pmessage"),
            bulk("n*"),
            bulk("news"),
            bulk("hello")
        ]))
    );
    // In order, per publisher.
    for i in 0..100 {
        publisher.cmd(&format!("PUBLISH xy m{i}"));
    }
    for i in 0..100 {
        assert_eq!(
            sub.read_reply(),
            Some(Value::Array(vec![
                bulk("pmessage"),
                bulk("x?"),
                bulk("xy"),
                bulk(&format!("m{i}"))
            ]))
        );
    }
    assert_eq!(
        publisher.cmd("PUBSUB NUMSUB news none"),
        Value::Array(vec![
            bulk("news"),
            Value::Int(1),
            bulk("none"),
            Value::Int(0)
        ])
    );
    assert_eq!(publisher.cmd("PUBSUB NUMPAT"), Value::Int(2));
    // RESP2 subscribed mode allows only subscription commands, PING, QUIT and RESET.
    assert_eq!(
        sub.cmd("GET k"),
        Value::Error("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context".into())
    );
    assert_eq!(sub.cmd("PING"), Value::Array(vec![bulk("pong"), bulk("")]));
    drop(sub);
    // A closed subscriber leaves no subscription behind.
    let deadline = Instant::now() + Duration::from_secs(5);
    while publisher.cmd("PUBSUB NUMPAT") != Value::Int(0) {
        assert!(
            Instant::now() < deadline,
            "subscriptions outlived the connection"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(publisher.cmd("PUBLISH news again"), Value::Int(0));
}

#[test]
fn pubsub_in_resp3_uses_push_and_allows_commands() {
    let s = TestServer::start();
    let mut sub = s.client();
    sub.cmd("HELLO 3");
    sub.send_raw(&Client::encode(&[b"SSUBSCRIBE", b"shard"]));
    assert_eq!(
        sub.read_reply(),
        Some(Value::Push(vec![
            bulk("ssubscribe"),
            bulk("shard"),
            Value::Int(1)
        ]))
    );
    assert_eq!(
        sub.cmd("SET k v"),
        ok(),
        "RESP3 clients may run commands while subscribed"
    );
    assert_eq!(s.client().cmd("SPUBLISH shard hi"), Value::Int(1));
    assert_eq!(
        sub.read_reply(),
        Some(Value::Push(vec![
            bulk("smessage"),
            bulk("shard"),
            bulk("hi")
        ]))
    );
    assert_eq!(sub.cmd("RESET"), Value::Simple("RESET".into()));
    assert_eq!(s.client().cmd("SPUBLISH shard hi"), Value::Int(0));
}

#[test]
fn a_subscriber_that_does_not_read_is_disconnected() {
    let s = TestServer::start();
    let mut admin = s.client();
    assert_eq!(
        admin.cmd_args(&[
            b"CONFIG",
            b"SET",
            b"client-output-buffer-limit",
            b"pubsub 1mb 256kb 60"
        ]),
        ok()
    );
    let mut slow = s.client();
    assert_eq!(
        slow.cmd("SUBSCRIBE firehose"),
        push3("subscribe", "firehose", 1)
    );
    let payload = vec![b'x'; 64 * 1024];
    let mut delivered = 0;
    // The socket buffers absorb some megabytes; after that the mailbox grows past the hard
    // limit and the subscriber is dropped, so PUBLISH stops counting it.
    for _ in 0..2000 {
        match admin.cmd_args(&[b"PUBLISH", b"firehose", &payload]) {
            Value::Int(1) => delivered += 1,
            Value::Int(0) => break,
            other => panic!("{other:?}"),
        }
    }
    assert!(
        delivered < 2000,
        "the slow subscriber was never disconnected"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let Value::Bulk(list) = admin.cmd("CLIENT LIST") else {
            panic!()
        };
        if !String::from_utf8_lossy(&list).contains("sub=1") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the slow subscriber's connection stayed open"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn exec_is_atomic_across_shards_under_concurrent_readers() {
    let s = TestServer::start();
    let accounts: Vec<String> = (0..8).map(|i| format!("acct:{i}")).collect();
    let mut setup = s.client();
    for a in &accounts {
        setup.cmd(&format!("SET {a} 1000"));
    }
    let total = 8 * 1000;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (addr, accounts, stop) = (s.addr, accounts.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut c = Client::connect(addr);
                let (mut reads, mut violations) = (0u64, 0u64);
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let mut args: Vec<&[u8]> = vec![b"MGET"];
                    args.extend(accounts.iter().map(|a| a.as_bytes()));
                    let Value::Array(vals) = c.cmd_args(&args) else {
                        panic!()
                    };
                    let sum: i64 = vals
                        .iter()
                        .map(|v| match v {
                            Value::Bulk(b) => String::from_utf8_lossy(b).parse::<i64>().unwrap(),
                            _ => 0,
                        })
                        .sum();
                    reads += 1;
                    if sum != total {
                        violations += 1;
                    }
                }
                (reads, violations)
            })
        })
        .collect();
    let started = Instant::now();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (addr, accounts) = (s.addr, accounts.clone());
            std::thread::spawn(move || {
                let mut c = Client::connect(addr);
                for i in 0..250usize {
                    let from = &accounts[(w + i) % 8];
                    let to = &accounts[(w * 3 + i * 5 + 1) % 8];
                    let mut batch = Client::encode(&[b"MULTI"]);
                    batch.extend(Client::encode(&[b"DECRBY", from.as_bytes(), b"7"]));
                    batch.extend(Client::encode(&[b"INCRBY", to.as_bytes(), b"7"]));
                    batch.extend(Client::encode(&[b"EXEC"]));
                    c.send_raw(&batch);
                    for _ in 0..3 {
                        c.read_reply();
                    }
                    assert!(matches!(c.read_reply(), Some(Value::Array(r)) if r.len() == 2));
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let elapsed = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut reads, mut violations) = (0, 0);
    for r in readers {
        let (n, v) = r.join().unwrap();
        reads += n;
        violations += v;
    }
    println!(
        "1000 transactions in {elapsed:?} ({:.0}/s), {reads} invariant reads, {violations} violations",
        1000.0 / elapsed.as_secs_f64()
    );
    assert_eq!(violations, 0);
    assert!(reads > 0);
}

#[test]
fn transactions_over_http_pipelines() {
    let s = TestServer::start();
    let body = r#"[["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["EXEC"]]"#;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let text = agent
        .post(format!("http://{}/v1/pipeline", s.http))
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json[3], serde_json::json!({"reply": ["OK", 2]}), "{text}");
}

#[test]
fn keyspace_notifications_name_each_change() {
    let s = TestServer::start();
    let mut admin = s.client();
    assert_eq!(
        admin.cmd_args(&[b"CONFIG", b"SET", b"notify-keyspace-events", b"KEA"]),
        ok()
    );
    assert_eq!(
        admin.cmd_args(&[b"CONFIG", b"GET", b"notify-keyspace-events"]),
        Value::Array(vec![bulk("notify-keyspace-events"), bulk("AKE")])
    );
    let mut sub = s.client();
    sub.send_raw(&Client::encode(&[b"PSUBSCRIBE", b"__keyevent@0__:*"]));
    sub.read_reply();
    for cmd in [
        "SET a 1 EX 100",
        "INCRBY a 2",
        "APPEND a x",
        "RENAME a b",
        "PERSIST b",
        "DEL b",
        "SET t v PX 1",
    ] {
        admin.cmd(cmd);
    }
    let mut events = Vec::new();
    for _ in 0..10 {
        let Some(Value::Array(m)) = sub.read_reply() else {
            panic!()
        };
        let (Value::Bulk(channel), Value::Bulk(key)) = (&m[2], &m[3]) else {
            panic!()
        };
        let channel = String::from_utf8_lossy(channel).into_owned();
        events.push(format!(
            "{} {}",
            channel.trim_start_matches("__keyevent@0__:"),
            String::from_utf8_lossy(key)
        ));
    }
    assert_eq!(
        events,
        [
            "set a",
            "expire a",
            "incrby a",
            "append a",
            "rename_from a",
            "rename_to b",
            "persist b",
            "del b",
            "set t",
            "expire t"
        ]
    );
    // The expired key is reclaimed by active expiry and announced.
    let Some(Value::Array(m)) = sub.read_reply() else {
        panic!()
    };
    assert_eq!(m[2], bulk("__keyevent@0__:expired"));
    assert_eq!(m[3], bulk("t"));
}

#[test]
fn client_pause_write_holds_writes_until_unpause() {
    let s = TestServer::start();
    let mut admin = s.client();
    assert_eq!(admin.cmd("CLIENT PAUSE 10000 WRITE"), ok());
    let mut c = s.client();
    assert_eq!(
        c.cmd("GET k"),
        Value::Null,
        "reads go on during a WRITE pause"
    );
    c.send_raw(&Client::encode(&[b"SET", b"k", b"v"]));
    c.stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut byte = [0u8; 1];
    assert!(c.stream.read(&mut byte).is_err(), "the write was not held");
    c.stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert_eq!(admin.cmd("CLIENT UNPAUSE"), ok());
    assert_eq!(c.read_reply(), Some(ok()));
    assert_eq!(admin.cmd("GET k"), bulk("v"));
    assert_eq!(
        admin.cmd("CLIENT PAUSE -1"),
        Value::Error("ERR timeout is negative".into())
    );
}

#[test]
fn client_tracking_invalidates_read_keys() {
    let s = TestServer::start();
    let mut cached = s.client();
    cached.cmd("HELLO 3");
    assert_eq!(cached.cmd("CLIENT TRACKING ON"), ok());
    assert_eq!(cached.cmd("GET k"), Value::Null);
    let mut writer = s.client();
    writer.cmd("SET k 1");
    assert_eq!(
        cached.read_reply(),
        Some(Value::Push(vec![
            bulk("invalidate"),
            Value::Array(vec![bulk("k")])
        ]))
    );
    // Told once: a second change is not announced until the key is read again.
    writer.cmd("SET k 2");
    assert_eq!(cached.cmd("GET k"), bulk("2"));
    // RESP2 clients redirect to a connection subscribed to __redis__:invalidate.
    let mut inbox = s.client();
    let Value::Int(inbox_id) = inbox.cmd("CLIENT ID") else {
        panic!()
    };
    inbox.cmd("SUBSCRIBE __redis__:invalidate");
    let mut resp2 = s.client();
    assert_eq!(
        resp2.cmd(&format!("CLIENT TRACKING ON REDIRECT {inbox_id}")),
        ok()
    );
    assert_eq!(resp2.cmd("CLIENT GETREDIR"), Value::Int(inbox_id));
    resp2.cmd("GET other");
    writer.cmd("SET other x");
    assert_eq!(
        inbox.read_reply(),
        Some(Value::Array(vec![
            bulk("message"),
            bulk("__redis__:invalidate"),
            Value::Array(vec![bulk("other")])
        ]))
    );
    // FLUSHALL invalidates everything at once (null).
    writer.cmd("FLUSHALL");
    assert_eq!(
        cached.read_reply(),
        Some(Value::Push(vec![bulk("invalidate"), Value::Null]))
    );
    assert_eq!(
        resp2.cmd("CLIENT TRACKING ON PREFIX a"),
        Value::Error("ERR PREFIX option requires BCAST mode to be enabled".into())
    );
}

#[test]
fn the_tracking_table_is_bounded() {
    let s = TestServer::start();
    let mut admin = s.client();
    assert_eq!(admin.cmd("CONFIG SET tracking-table-max-keys 10"), ok());
    let mut c = s.client();
    c.cmd("HELLO 3");
    c.cmd("CLIENT TRACKING ON");
    // Each key forgotten beyond the tenth is announced as invalidated (pushes arrive between
    // the replies).
    let mut invalidated = 0;
    for i in 0..15 {
        c.send_raw(&Client::encode(&[
            b"GET",
            format!("missing:{i}").as_bytes(),
        ]));
        loop {
            match c.read_reply() {
                Some(Value::Push(p)) => {
                    assert_eq!(p[0], bulk("invalidate"));
                    invalidated += 1;
                }
                Some(Value::Null) => break,
                other => panic!("{other:?}"),
            }
        }
    }
    c.stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    while let Some(Value::Push(_)) = c.read_reply() {
        invalidated += 1;
    }
    assert_eq!(invalidated, 5);
}

/// Waits until the server reports `n` blocked clients.
fn wait_blocked(admin: &mut Client, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let Value::Bulk(info) = admin.cmd("INFO clients") else {
            panic!("INFO reply")
        };
        let text = String::from_utf8_lossy(&info).into_owned();
        if text.contains(&format!("blocked_clients:{n}\r\n")) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "never reached {n} blocked: {text}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// True when nothing arrives on `c` within `ms`.
fn silent_for(c: &mut Client, ms: u64) -> bool {
    c.stream
        .set_read_timeout(Some(Duration::from_millis(ms)))
        .unwrap();
    let mut byte = [0u8; 1];
    let silent = c.buf.is_empty() && c.stream.read(&mut byte).is_err();
    c.stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    silent
}

fn pair(k: &str, v: &str) -> Value {
    Value::Array(vec![bulk(k), bulk(v)])
}

#[test]
fn blocked_clients_are_served_in_arrival_order() {
    let s = TestServer::start();
    let mut admin = s.client();
    let mut waiters: Vec<Client> = Vec::new();
    for i in 0..3 {
        let mut c = s.client();
        c.send_raw(&Client::encode(&[b"BLPOP", b"q", b"other", b"0"]));
        wait_blocked(&mut admin, i + 1);
        waiters.push(c);
    }
    assert_eq!(admin.cmd("RPUSH q 1 2"), Value::Int(2));
    assert_eq!(waiters[0].read_reply(), Some(pair("q", "1")));
    assert_eq!(waiters[1].read_reply(), Some(pair("q", "2")));
    assert!(
        silent_for(&mut waiters[2], 200),
        "the third waiter got data"
    );
    assert_eq!(
        admin.cmd("LLEN q"),
        Value::Int(0),
        "emptied list is deleted"
    );
    assert_eq!(admin.cmd("EXISTS q"), Value::Int(0));
    // Any of its keys wakes a waiter.
    assert_eq!(admin.cmd("LPUSH other 3"), Value::Int(1));
    assert_eq!(waiters[2].read_reply(), Some(pair("other", "3")));
    wait_blocked(&mut admin, 0);
}

#[test]
fn blocking_timeouts_unblock_and_disconnects() {
    let s = TestServer::start();
    let mut admin = s.client();
    let mut c = s.client();
    let started = Instant::now();
    assert_eq!(c.cmd("BLPOP q 0.15"), Value::Null);
    assert!(started.elapsed() >= Duration::from_millis(140));
    assert_eq!(c.cmd("BLMOVE q d LEFT RIGHT 0.05"), Value::Null);
    assert_eq!(
        c.cmd("BLPOP q -1"),
        Value::Error("ERR timeout is negative".into())
    );
    // Commands pipelined behind a blocked one run after it, in order.
    c.send_raw(b"*3\r\n$5\r\nBRPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n");
    wait_blocked(&mut admin, 1);
    assert!(silent_for(&mut c, 100), "PING ran before the blocked BRPOP");
    assert_eq!(admin.cmd("RPUSH q a b"), Value::Int(2));
    assert_eq!(c.read_reply(), Some(pair("q", "b")));
    assert_eq!(c.read_reply(), Some(Value::Simple("PONG".into())));
    // CLIENT UNBLOCK, with the timeout reply and with the error.
    let Value::Int(id) = c.cmd("CLIENT ID") else {
        panic!("CLIENT ID")
    };
    for (how, want) in [
        ("TIMEOUT", Value::Null),
        (
            "ERROR",
            Value::Error("UNBLOCKED client unblocked via CLIENT UNBLOCK".into()),
        ),
    ] {
        c.send_raw(&Client::encode(&[b"BZPOPMIN", b"z", b"0"]));
        wait_blocked(&mut admin, 1);
        assert_eq!(
            admin.cmd(&format!("CLIENT UNBLOCK {id} {how}")),
            Value::Int(1)
        );
        assert_eq!(c.read_reply(), Some(want));
    }
    assert_eq!(admin.cmd(&format!("CLIENT UNBLOCK {id}")), Value::Int(0));
    // A client that disconnects while blocked stops waiting: nothing is popped for it.
    let mut gone = s.client();
    gone.send_raw(&Client::encode(&[b"BLPOP", b"r", b"0"]));
    wait_blocked(&mut admin, 1);
    drop(gone);
    wait_blocked(&mut admin, 0);
    assert_eq!(admin.cmd("RPUSH r x"), Value::Int(1));
    assert_eq!(admin.cmd("LRANGE r 0 -1"), Value::Array(vec![bulk("x")]));
}

#[test]
fn transactions_and_moves_wake_blocked_clients() {
    let s = TestServer::start();
    let mut admin = s.client();
    // A push inside MULTI/EXEC wakes the waiter once EXEC is done; BLMOVE's push wakes the
    // next waiter down the chain.
    let mut mover = s.client();
    mover.send_raw(&Client::encode(&[
        b"BLMOVE", b"a", b"b", b"LEFT", b"RIGHT", b"0",
    ]));
    wait_blocked(&mut admin, 1);
    let mut popper = s.client();
    popper.send_raw(&Client::encode(&[b"BLPOP", b"b", b"0"]));
    wait_blocked(&mut admin, 2);
    assert_eq!(admin.cmd("MULTI"), ok());
    assert_eq!(admin.cmd("RPUSH a v"), Value::Simple("QUEUED".into()));
    assert_eq!(admin.cmd("EXEC"), Value::Array(vec![Value::Int(1)]));
    assert_eq!(mover.read_reply(), Some(bulk("v")));
    assert_eq!(popper.read_reply(), Some(pair("b", "v")));
    assert_eq!(admin.cmd("EXISTS a b"), Value::Int(0));
    // Inside MULTI a blocking command does not block.
    assert_eq!(admin.cmd("MULTI"), ok());
    assert_eq!(admin.cmd("BLPOP nothing 0"), Value::Simple("QUEUED".into()));
    assert_eq!(admin.cmd("EXEC"), Value::Array(vec![Value::Null]));
}

#[test]
fn concurrent_producers_and_blocked_consumers_lose_nothing() {
    let s = TestServer::start();
    const PRODUCERS: usize = 3;
    const PER_PRODUCER: usize = 2000;
    const CONSUMERS: usize = 4;
    let addr = s.addr;
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            std::thread::spawn(move || {
                let mut c = Client::connect(addr);
                let mut got = Vec::new();
                loop {
                    match c.cmd("BLPOP jobs1 jobs2 2") {
                        Value::Array(kv) => match &kv[1] {
                            Value::Bulk(v) => got.push(String::from_utf8(v.clone()).unwrap()),
                            other => panic!("element {other:?}"),
                        },
                        Value::Null => return got,
                        other => panic!("reply {other:?}"),
                    }
                }
            })
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            std::thread::spawn(move || {
                let mut c = Client::connect(addr);
                for i in 0..PER_PRODUCER {
                    let key = if i % 2 == 0 { "jobs1" } else { "jobs2" };
                    let v = format!("{p}:{i}");
                    let cmd = if i % 3 == 0 { "LPUSH" } else { "RPUSH" };
                    c.cmd_args(&[cmd.as_bytes(), key.as_bytes(), v.as_bytes()]);
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let mut all: Vec<String> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    all.sort();
    let mut want: Vec<String> = (0..PRODUCERS)
        .flat_map(|p| (0..PER_PRODUCER).map(move |i| format!("{p}:{i}")))
        .collect();
    want.sort();
    assert_eq!(all.len(), want.len(), "lost or duplicated elements");
    assert_eq!(all, want);
}

#[test]
fn expiry_follows_the_injected_clock_on_every_door() {
    let clock = std::sync::Arc::new(engine::ManualClock::new(1_700_000_000_000));
    let s = TestServer::start_with_clock(engine::config::Values::default(), clock.clone());
    let mut c = s.client();
    assert_eq!(c.cmd("SET k v EX 10"), ok());
    assert_eq!(c.cmd("SET forever v"), ok());
    let http = |path: &str| {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        agent
            .get(format!("http://{}{path}", s.http))
            .call()
            .unwrap()
            .status()
            .as_u16()
    };
    clock.advance(9_999);
    assert_eq!(c.cmd("GET k"), bulk("v"));
    assert_eq!(http("/v1/keys/k"), 200);
    clock.advance(1);
    // Lazy expiry hides it at once, on RESP and HTTP alike, and SCAN skips it.
    assert_eq!(c.cmd("GET k"), Value::Null);
    assert_eq!(http("/v1/keys/k"), 404);
    assert_eq!(
        c.cmd("SCAN 0 COUNT 100"),
        Value::Array(vec![bulk("0"), Value::Array(vec![bulk("forever")])])
    );
    // Active expiry reclaims it without a read, at the clock's time.
    let deadline = Instant::now() + Duration::from_secs(5);
    while c.cmd("DBSIZE") != Value::Int(1) {
        assert!(Instant::now() < deadline, "never reclaimed");
        std::thread::sleep(Duration::from_millis(5));
    }
    let Value::Bulk(info) = c.cmd("INFO stats") else {
        panic!()
    };
    assert!(String::from_utf8_lossy(&info).contains("expired_keys:1"));
}
