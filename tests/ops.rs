//! Client state and operational behaviour, as Redis 7.0: pushes under CLIENT REPLY OFF and
//! SKIP, RESET, MOVE's counts, tracking invalidations, INFO clients, the startup log and the
//! default ports. Reply shapes are compared with redis-server by the differential suite.

use super::*;

fn push(parts: &[&str], n: i64) -> Value {
    let mut v: Vec<Value> = parts.iter().map(|p| bulk(p)).collect();
    v.push(Value::Int(n));
    Value::Array(v)
}

fn message(channel: &str, text: &str) -> Value {
    Value::Array(vec![bulk("message"), bulk(channel), bulk(text)])
}

#[test]
fn client_reply_off_still_delivers_pushes() {
    let s = TestServer::start();
    let mut sub = s.client();
    let mut publisher = s.client();
    sub.send_raw(b"CLIENT REPLY OFF\r\nSUBSCRIBE ch\r\n");
    // The confirmation is a push: it comes although replies are off.
    assert_eq!(sub.read_reply(), Some(push(&["subscribe", "ch"], 1)));
    assert_eq!(publisher.cmd("PUBLISH ch hello"), Value::Int(1));
    assert_eq!(sub.read_reply(), Some(message("ch", "hello")));
    // Replies (the subscribed PING's too), refusals and errors stay silent.
    sub.send_raw(b"PING\r\nGET k\r\nNOSUCHCOMMAND\r\nUNSUBSCRIBE\r\n");
    assert_eq!(sub.read_reply(), Some(push(&["unsubscribe", "ch"], 0)));
    sub.send_raw(b"UNSUBSCRIBE\r\n");
    assert_eq!(
        sub.read_reply(),
        Some(Value::Array(vec![
            bulk("unsubscribe"),
            Value::Null,
            Value::Int(0)
        ]))
    );
    sub.send_raw(b"MULTI\r\nSET k v\r\nDISCARD\r\nCLIENT REPLY ON\r\n");
    assert_eq!(sub.read_reply(), Some(ok()));
    assert_eq!(sub.cmd("GET k"), Value::Null);
}

#[test]
fn client_reply_skip_drops_one_reply_but_no_push() {
    let s = TestServer::start();
    let mut sub = s.client();
    sub.send_raw(b"CLIENT REPLY SKIP\r\nSUBSCRIBE ch\r\nPING\r\n");
    assert_eq!(sub.read_reply(), Some(push(&["subscribe", "ch"], 1)));
    assert_eq!(
        sub.read_reply(),
        Some(Value::Array(vec![bulk("pong"), bulk("")]))
    );
    assert_eq!(s.client().cmd("PUBLISH ch hi"), Value::Int(1));
    assert_eq!(sub.read_reply(), Some(message("ch", "hi")));
    // The skip ends with the next command even when it is refused or queued.
    assert_eq!(sub.cmd("RESET"), Value::Simple("RESET".into()));
    sub.send_raw(b"CLIENT REPLY SKIP\r\nNOSUCHCOMMAND\r\nPING\r\n");
    assert_eq!(sub.read_reply(), Some(Value::Simple("PONG".into())));
    sub.send_raw(b"HELLO 3\r\n");
    sub.read_reply();
    // In RESP3 a subscriber's own message is a push too, its PUBLISH reply is not.
    sub.send_raw(b"SUBSCRIBE me\r\nCLIENT REPLY OFF\r\nPUBLISH me self\r\nCLIENT REPLY ON\r\n");
    assert_eq!(
        sub.read_reply(),
        Some(Value::Push(vec![
            bulk("subscribe"),
            bulk("me"),
            Value::Int(1)
        ]))
    );
    assert_eq!(
        sub.read_reply(),
        Some(Value::Push(vec![bulk("message"), bulk("me"), bulk("self")]))
    );
    assert_eq!(sub.read_reply(), Some(ok()));
}

/// CLIENT INFO's `flags=` field.
fn client_flags(c: &mut Client) -> String {
    let Value::Bulk(info) = c.cmd("CLIENT INFO") else {
        panic!("CLIENT INFO")
    };
    let info = String::from_utf8(info).unwrap();
    info.split(' ')
        .find_map(|f| f.strip_prefix("flags="))
        .unwrap()
        .to_string()
}

#[test]
fn reset_clears_the_connection_state() {
    let s = TestServer::start();
    let mut c = s.client();
    let mut other = s.client();
    let Value::Int(other_id) = other.cmd("CLIENT ID") else {
        panic!()
    };
    c.cmd("HELLO 3");
    c.cmd("CLIENT SETNAME app");
    c.cmd("SELECT 3");
    c.cmd("SET k in3");
    c.cmd("CLIENT NO-EVICT on");
    c.cmd(&format!("CLIENT TRACKING ON REDIRECT {other_id} BCAST"));
    c.cmd("WATCH w");
    c.send_raw(b"CLIENT REPLY OFF\r\nMULTI\r\nGET k\r\nRESET\r\n");
    assert_eq!(c.read_reply(), Some(Value::Simple("RESET".into())));
    // RESP2, database 0, no name, no transaction, no tracking, replies on.
    assert_eq!(c.cmd("GET k"), Value::Null);
    assert_eq!(c.cmd("CLIENT GETNAME"), Value::Null);
    assert_eq!(c.cmd("EXEC"), Value::Error("ERR EXEC without MULTI".into()));
    let Value::Array(info) = c.cmd("CLIENT TRACKINGINFO") else {
        panic!()
    };
    assert_eq!(info[1], Value::Array(vec![bulk("off")]));
    assert!(matches!(c.cmd("HELLO"), Value::Array(_)), "RESP2 again");
    // No WATCH: a change of w no longer aborts a transaction.
    other.cmd("SET w changed");
    c.cmd("MULTI");
    c.cmd("SET w mine");
    assert_eq!(c.cmd("EXEC"), Value::Array(vec![ok()]));
    // Redis 7.0 keeps CLIENT NO-EVICT across RESET.
    assert_eq!(client_flags(&mut c), "e");
    // The redirect target hears nothing of c's keys any more.
    other.cmd("SET k changed");
    assert!(silent_for(&mut other, 100));
    // Subscriptions of every kind are dropped.
    c.cmd("SUBSCRIBE a");
    c.send_raw(b"PSUBSCRIBE b*\r\nSSUBSCRIBE c\r\n");
    c.read_reply();
    c.read_reply();
    assert_eq!(c.cmd("RESET"), Value::Simple("RESET".into()));
    assert_eq!(other.cmd("PUBLISH a x"), Value::Int(0));
    assert_eq!(other.cmd("PUBLISH bb x"), Value::Int(0));
    assert_eq!(other.cmd("SPUBLISH c x"), Value::Int(0));
    assert_eq!(c.cmd("GET k"), bulk("changed"));
}

#[test]
fn reset_forgets_the_authentication() {
    let s = TestServer::start_with(engine::config::Values {
        requirepass: "secret".into(),
        ..Default::default()
    });
    let mut c = s.client();
    assert_eq!(c.cmd("AUTH secret"), ok());
    assert_eq!(c.cmd("SET k v"), ok());
    assert_eq!(c.cmd("RESET"), Value::Simple("RESET".into()));
    let noauth = Value::Error("NOAUTH Authentication required.".into());
    assert_eq!(c.cmd("GET k"), noauth);
    assert_eq!(c.cmd("PING"), noauth);
    assert_eq!(
        c.cmd("HELLO 3"),
        Value::Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time".into())
    );
    assert_eq!(c.cmd("AUTH default secret"), ok());
    assert_eq!(c.cmd("GET k"), bulk("v"));
}

fn invalidate(keys: &[&str]) -> Value {
    Value::Push(vec![
        bulk("invalidate"),
        Value::Array(keys.iter().map(|k| bulk(k)).collect()),
    ])
}

#[test]
fn bcast_tracking_sends_one_message_per_command_and_prefix() {
    let s = TestServer::start();
    let mut t = s.client();
    let mut w = s.client();
    t.cmd("HELLO 3");
    assert_eq!(t.cmd("CLIENT TRACKING ON BCAST"), ok());
    w.cmd("MSET c 1 b 2 a 3 b 4");
    assert_eq!(t.read_reply(), Some(invalidate(&["a", "b", "c"])));
    w.cmd("DEL a b c x");
    assert_eq!(t.read_reply(), Some(invalidate(&["a", "b", "c"])));
    // A pipeline read at once is one batch, as one turn of Redis's event loop.
    w.send_raw(b"SET a 1\r\nSET b 2\r\nPING\r\n");
    for _ in 0..3 {
        w.read_reply();
    }
    assert_eq!(t.read_reply(), Some(invalidate(&["a", "b"])));
    // One message per prefix, prefixes and keys in order; NOLOOP leaves out the client's own.
    t.cmd("CLIENT TRACKING OFF");
    t.cmd("CLIENT TRACKING ON BCAST PREFIX b PREFIX a NOLOOP");
    w.cmd("MSET abc 1 b 2 ax 3 zz 4");
    assert_eq!(t.read_reply(), Some(invalidate(&["abc", "ax"])));
    assert_eq!(t.read_reply(), Some(invalidate(&["b"])));
    assert_eq!(t.cmd("MSET abc 1 b 2"), ok());
    assert!(silent_for(&mut t, 100));
    // RESP2 redirection: one __redis__:invalidate message per command and prefix.
    let mut rd = s.client();
    let Value::Int(rd_id) = rd.cmd("CLIENT ID") else {
        panic!()
    };
    rd.cmd("SUBSCRIBE __redis__:invalidate");
    let mut c = s.client();
    c.cmd(&format!(
        "CLIENT TRACKING ON BCAST PREFIX k REDIRECT {rd_id}"
    ));
    w.cmd("MULTI");
    w.cmd("SET k1 1");
    w.cmd("SET x 1");
    w.cmd("DEL k0 k1 k2");
    w.cmd("SET k0 1");
    w.cmd("EXEC");
    assert_eq!(
        rd.read_reply(),
        Some(Value::Array(vec![
            bulk("message"),
            bulk("__redis__:invalidate"),
            Value::Array(vec![bulk("k0"), bulk("k1")]),
        ]))
    );
    assert!(silent_for(&mut rd, 100));
}

/// A free loopback port whose +1000 neighbour is free too.
fn free_port_pair() -> u16 {
    loop {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        if port < 64000 && std::net::TcpListener::bind(("127.0.0.1", port + 1000)).is_ok() {
            return port;
        }
    }
}

fn http_status(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    reply.lines().next().unwrap_or("").to_string()
}

#[test]
fn the_http_port_follows_the_resp_port() {
    let (p1, p2) = (free_port_pair(), free_port_pair());
    let a = Binary::spawn(&["--port", &p1.to_string(), "--appendonly", "no"]);
    let b = Binary::spawn(&["--port", &p2.to_string(), "--appendonly", "no"]);
    for (bin, port) in [(&a, p1), (&b, p2)] {
        assert_eq!(bin.addr.port(), port);
        let mut c = Client::connect(bin.addr);
        assert_eq!(
            c.cmd("CONFIG GET http-port"),
            Value::Array(vec![bulk("http-port"), bulk(&(port + 1000).to_string())])
        );
        assert_eq!(http_status(port + 1000, "/healthz"), "HTTP/1.1 200 OK");
    }
    // With an explicit http-port, that one; 0 disables the API.
    let p3 = free_port_pair();
    let c = Binary::spawn(&["--port", "0", "--http-port", &p3.to_string()]);
    assert_eq!(http_status(p3, "/healthz"), "HTTP/1.1 200 OK");
    let mut cc = Client::connect(c.addr);
    assert_eq!(
        cc.cmd("CONFIG GET http-port"),
        Value::Array(vec![bulk("http-port"), bulk(&p3.to_string())])
    );
}

#[test]
fn clients_held_by_client_pause_count_as_blocked() {
    let s = TestServer::start();
    let mut admin = s.client();
    let mut writer = s.client();
    assert_eq!(admin.cmd("CLIENT PAUSE 10000 WRITE"), ok());
    writer.send_raw(&Client::encode(&[b"SET", b"k", b"v"]));
    // The write waits out the pause; INFO (a read) still runs and counts the writer.
    wait_blocked(&mut admin, 1);
    assert_eq!(admin.cmd("CLIENT UNPAUSE"), ok());
    assert_eq!(writer.read_reply(), Some(ok()));
    wait_blocked(&mut admin, 0);
}

#[test]
fn info_counts_tracking_clients() {
    let s = TestServer::start();
    let mut a = s.client();
    let mut admin = s.client();
    let field = |c: &mut Client| info_field(c, "clients", "tracking_clients");
    assert_eq!(field(&mut admin), "0");
    a.cmd("HELLO 3");
    assert_eq!(a.cmd("CLIENT TRACKING ON"), ok());
    assert_eq!(field(&mut admin), "1");
    assert_eq!(a.cmd("CLIENT TRACKING OFF"), ok());
    assert_eq!(field(&mut admin), "0");
}

/// The log lines of a binary run until it prints `until` (or exits), then the process.
fn log_until(args: &[&str], dir: &Path, until: &str) -> (Vec<String>, Child) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferrokv-server"))
        .args(args)
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.contains(until);
        seen.push(line);
        if done {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    (seen, child)
}

#[test]
fn ready_is_said_once_the_data_is_loaded_and_never_by_a_start_that_fails() {
    let dir = TempDir::new("ready-line");
    let args = ["--port", "0", "--http-port", "0", "--appendonly", "no"];
    let (lines, mut child) = log_until(&args, dir.path(), "Ready to accept connections tcp");
    let at = |what: &str| lines.iter().position(|l| l.contains(what));
    let (listening, loaded, ready) = (
        at("Listening on tcp"),
        at("DB loaded from disk"),
        at("Ready to accept connections tcp on"),
    );
    assert!(
        listening.is_some() && loaded.is_some() && ready.is_some(),
        "{lines:#?}"
    );
    assert!(listening < loaded && loaded < ready, "{lines:#?}");
    let _ = child.kill();
    let _ = child.wait();
    // A dump.rdb that cannot be loaded: the server says why and exits, never that it is ready.
    std::fs::write(
        dir.path().join("dump.rdb"),
        b"REDIS0010 not an rdb file at all",
    )
    .unwrap();
    let (lines, mut child) = log_until(&args, dir.path(), "Ready to accept connections");
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("Ready to accept connections")),
        "{lines:#?}"
    );
}

fn debug_server(mode: &'static str) -> TestServer {
    TestServer::start_with(engine::config::Values {
        enable_debug_command: mode,
        ..Default::default()
    })
}

#[test]
fn debug_is_refused_unless_enable_debug_command_allows_it() {
    let refused = Value::Error("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.".into());
    let s = TestServer::start();
    let mut c = s.client();
    assert_eq!(c.cmd("DEBUG DIGEST"), refused);
    assert_eq!(c.cmd("DEBUG POPULATE 10"), refused);
    assert_eq!(c.cmd("DBSIZE"), Value::Int(0));
    // It cannot be turned on at run time.
    assert!(matches!(
        c.cmd("CONFIG SET enable-debug-command yes"),
        Value::Error(_)
    ));
    // `local`: this test's connection comes from the loopback.
    for mode in ["local", "yes"] {
        let s = debug_server(mode);
        let mut c = s.client();
        assert_eq!(c.cmd("DEBUG POPULATE 10"), ok(), "{mode}");
        assert_eq!(c.cmd("DBSIZE"), Value::Int(10));
        assert_eq!(
            c.cmd("CONFIG GET enable-debug-command"),
            Value::Array(vec![bulk("enable-debug-command"), bulk(mode)])
        );
    }
}

#[test]
fn debug_reload_brings_back_the_same_dataset() {
    let s = debug_server("yes");
    let mut c = s.client();
    assert_eq!(c.cmd("DEBUG POPULATE 2000 k 10"), ok());
    for cmd in [
        "RPUSH l a b c",
        "HSET h f v",
        "ZADD z 1.5 a",
        "SADD s x",
        "XADD x 1-1 f v",
        "SETBIT b 100 1",
    ] {
        c.cmd(cmd);
    }
    assert_eq!(c.cmd("EXPIRE l 1000"), Value::Int(1));
    let before = c.cmd("DEBUG DIGEST");
    assert_ne!(before, Value::Simple("0".repeat(40)));
    assert_eq!(c.cmd("DEBUG RELOAD"), ok());
    assert_eq!(c.cmd("DEBUG DIGEST"), before);
    assert_eq!(c.cmd("DBSIZE"), Value::Int(2006));
    assert!(matches!(c.cmd("TTL l"), Value::Int(t) if t > 990));
    // NOSAVE loads the file as it is: a key written since is gone, then MERGE keeps both.
    assert_eq!(c.cmd("SET extra 1"), ok());
    assert_eq!(c.cmd("DEBUG RELOAD NOSAVE"), ok());
    assert_eq!(c.cmd("EXISTS extra"), Value::Int(0));
    assert_eq!(c.cmd("SET extra 1"), ok());
    assert_eq!(c.cmd("DEBUG RELOAD NOSAVE NOFLUSH MERGE"), ok());
    assert_eq!(c.cmd("DBSIZE"), Value::Int(2007));
    // Without MERGE a key in both refuses the load (Redis stops; here the command fails).
    assert_eq!(
        c.cmd("DEBUG RELOAD NOSAVE NOFLUSH"),
        Value::Error("ERR Error trying to load the RDB dump, check server logs.".into())
    );
}

#[test]
fn debug_sleep_stops_every_client() {
    let s = debug_server("yes");
    let mut sleeper = s.client();
    let mut other = s.client();
    sleeper.send_raw(&Client::encode(&[b"DEBUG", b"SLEEP", b"0.5"]));
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    assert_eq!(other.cmd("SET k v"), ok());
    // A lower bound only: the write waited for the sleep to end (however slow the machine).
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(sleeper.read_reply(), Some(ok()));
}

#[test]
fn debug_set_active_expire_stops_and_restarts_active_expiry() {
    let s = debug_server("yes");
    let mut c = s.client();
    let zero = Value::Array(vec![Value::Simple("0".repeat(40))]);
    assert_eq!(c.cmd("DEBUG SET-ACTIVE-EXPIRE 0"), ok());
    assert_eq!(c.cmd("SET k v PX 20"), ok());
    std::thread::sleep(Duration::from_millis(500));
    // Still in the keyspace (DIGEST-VALUE sees logically expired keys, as Redis's).
    assert_ne!(c.cmd("DEBUG DIGEST-VALUE k"), zero);
    assert_eq!(c.cmd("DEBUG SET-ACTIVE-EXPIRE 1"), ok());
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.cmd("DEBUG DIGEST-VALUE k") != zero {
        assert!(Instant::now() < deadline, "active expiry never came back");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn config_rewrite_keeps_the_file_and_restarts_the_same() {
    let dir = TempDir::new("rewrite");
    let conf = dir.path().join("ferrokv.conf");
    std::fs::write(
        &conf,
        "# ferrokv test config\nport 0\nhttp-port 0\n\n# speed\nhz 20\nmaxmemory 1mb\nsave 900 1\n",
    )
    .unwrap();
    let conf_s = conf.to_str().unwrap().to_string();
    let data = dir.path().join("data");
    let mut b = Binary::spawn(&[&conf_s, "--dir", data.to_str().unwrap()]);
    let mut c = Client::connect(b.addr);
    assert_eq!(
        c.cmd_args(&[
            b"CONFIG",
            b"SET",
            b"hz",
            b"33",
            b"maxmemory",
            b"2mb",
            b"save",
            b"100 5 60 1000",
            b"requirepass",
            b"two words"
        ]),
        ok()
    );
    assert_eq!(c.cmd("CONFIG REWRITE"), ok());
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(
        text.starts_with("# ferrokv test config\nport 0\nhttp-port 0\n\n# speed\nhz 33\nmaxmemory 2097152\nsave 100 5\nsave 60 1000\n"),
        "{text}"
    );
    assert!(text.contains("# Generated by CONFIG REWRITE\n"), "{text}");
    assert!(text.contains("\nrequirepass \"two words\"\n"), "{text}");
    assert!(text.contains("\ndir "), "{text}");
    c.send_raw(&Client::encode(&[b"AUTH", b"two words"]));
    assert_eq!(c.read_reply(), Some(ok()));
    c.send_raw(&Client::encode(&[b"SHUTDOWN", b"NOSAVE"]));
    assert_eq!(c.read_reply(), None);
    assert!(b.wait_exit().success());
    // The rewritten file alone starts the same server.
    let b = Binary::spawn(&[&conf_s]);
    let mut c = Client::connect(b.addr);
    c.send_raw(&Client::encode(&[b"AUTH", b"two words"]));
    assert_eq!(c.read_reply(), Some(ok()));
    assert_eq!(
        c.cmd("CONFIG GET hz"),
        Value::Array(vec![bulk("hz"), bulk("33")])
    );
    assert_eq!(
        c.cmd("CONFIG GET save"),
        Value::Array(vec![bulk("save"), bulk("100 5 60 1000")])
    );
    // Without a config file there is nothing to rewrite.
    let s = TestServer::start();
    assert_eq!(
        s.client().cmd("CONFIG REWRITE"),
        Value::Error("ERR The server is running without a config file".into())
    );
}

#[test]
fn unixsocket_serves_clients_with_its_permissions() {
    use std::io::{Read, Write};
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("unix");
    let path = dir.path().join("ferrokv.sock");
    let p = path.to_str().unwrap().to_string();
    // A stale socket file from an earlier run is replaced.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    let mut b = Binary::spawn(&[
        "--port",
        "0",
        "--http-port",
        "0",
        "--unixsocket",
        &p,
        "--unixsocketperm",
        "700",
    ]);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
    let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"SET k v\r\nCLIENT INFO\r\nCONFIG GET unixsocketperm\r\n")
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.ends_with(b"700\r\n") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("+OK\r\n"), "{text}");
    assert!(text.contains(&format!("addr={p}:0 laddr={p}:0 ")), "{text}");
    assert!(text.contains(" flags=U "), "{text}");
    // The TCP door sees the same data.
    assert_eq!(Client::connect(b.addr).cmd("GET k"), bulk("v"));
    let mut c = Client::connect(b.addr);
    c.send_raw(&Client::encode(&[b"SHUTDOWN", b"NOSAVE"]));
    assert_eq!(c.read_reply(), None);
    assert!(b.wait_exit().success());
    assert!(!path.exists(), "the socket file goes with the server");
}

/// Stops a server by its pid if a test fails before it exits (forgotten once it has).
struct Daemon(u32);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .arg("-9")
            .arg(self.0.to_string())
            .status();
    }
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn daemonize_with_pidfile_and_logfile() {
    let dir = TempDir::new("daemon");
    let pidfile = dir.path().join("ferrokv.pid");
    let logfile = dir.path().join("ferrokv.log");
    let data = dir.path().join("data");
    // The parent returns at once, successfully; the server goes on in the background.
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_ferrokv-server"))
        .args(["--port", "0", "--http-port", "0", "--daemonize", "yes"])
        .arg("--pidfile")
        .arg(&pidfile)
        .arg("--logfile")
        .arg(&logfile)
        .arg("--dir")
        .arg(&data)
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let (pid, addr) = loop {
        assert!(Instant::now() < deadline, "the daemon never got ready");
        let log = std::fs::read_to_string(&logfile).unwrap_or_default();
        let pid = std::fs::read_to_string(&pidfile).ok();
        let ready = log
            .lines()
            .find_map(|l| l.split("Ready to accept connections tcp on ").nth(1));
        if let (Some(pid), Some(addr)) = (pid, ready) {
            break (pid.trim().parse::<u32>().unwrap(), addr.trim().to_string());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let guard = Daemon(pid);
    assert_ne!(pid, std::process::id());
    let mut c = Client::connect(addr.parse().unwrap());
    assert_eq!(c.cmd("SET k v"), ok());
    assert_eq!(
        c.cmd("CONFIG GET daemonize"),
        Value::Array(vec![bulk("daemonize"), bulk("yes")])
    );
    c.send_raw(&Client::encode(&[b"SHUTDOWN", b"NOSAVE"]));
    assert_eq!(c.read_reply(), None);
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid)
        && std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
    {
        assert!(Instant::now() < deadline, "the daemon did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!pidfile.exists(), "the pid file goes with the server");
    let log = std::fs::read_to_string(&logfile).unwrap();
    assert!(log.contains("ready to exit"), "{log}");
    // Gone: its pid is no longer ours to signal.
    std::mem::forget(guard);
}

/// Starts the binary on `conf` and returns it with its log up to the ready line.
fn spawn_logged(conf: &std::path::Path) -> (std::process::Child, Vec<String>) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ferrokv-server"))
        .arg(conf)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut log = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.contains("Ready to accept connections") || line.contains("ERROR");
        log.push(line);
        if done {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    (child, log)
}

#[test]
fn a_stock_redis_conf_starts_ferrokv() {
    // Debian's redis.conf as installed with redis-server (the CI installs it), with only the
    // paths and the port moved into a temporary directory and the daemon kept in front.
    let stock = std::fs::read_to_string("/etc/redis/redis.conf")
        .expect("/etc/redis/redis.conf (apt-get install redis-server)");
    let dir = TempDir::new("stockconf");
    let d = dir.path().display().to_string();
    let mut text = String::new();
    for line in stock.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let line = match name {
            "port" => "port 0".to_string(),
            "daemonize" => "daemonize no".to_string(),
            "pidfile" => format!("pidfile {d}/ferrokv.pid"),
            "logfile" => "logfile \"\"".to_string(),
            "dir" => format!("dir {d}"),
            _ => line.to_string(),
        };
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str("http-port 0\nactiverehashing no\ntcp-backlog 100\n");
    let conf = dir.path().join("redis.conf");
    std::fs::write(&conf, &text).unwrap();
    let (mut child, log) = spawn_logged(&conf);
    let guard = Daemon(child.id());
    assert!(
        log.last()
            .is_some_and(|l| l.contains("Ready to accept connections")),
        "{log:#?}"
    );
    // What changes nothing here is said once, with what ferrokv does instead.
    let said = |what: &str| log.iter().filter(|l| l.contains(what)).count();
    assert_eq!(
        said("'activerehashing no' has no effect in ferrokv"),
        1,
        "{log:#?}"
    );
    assert_eq!(
        said("'tcp-backlog 100' has no effect in ferrokv"),
        1,
        "{log:#?}"
    );
    assert_eq!(
        said("has no effect"),
        2,
        "Debian's own values are Redis's defaults: {log:#?}"
    );
    let addr: SocketAddr = log
        .iter()
        .find_map(|l| l.split("Listening on tcp ").nth(1))
        .unwrap()
        .trim_end_matches(" (loading)")
        .parse()
        .unwrap();
    let mut c = Client::connect(addr);
    assert_eq!(
        c.cmd("CONFIG GET activerehashing"),
        Value::Array(vec![bulk("activerehashing"), bulk("no")])
    );
    assert_eq!(c.cmd("CONFIG SET replica-priority 7"), ok());
    assert!(
        matches!(c.cmd("CONFIG SET tcp-backlog 5"), Value::Error(e) if e.contains("immutable"))
    );
    assert!(matches!(
        c.cmd("CONFIG SET repl-diskless-load maybe"),
        Value::Error(_)
    ));
    assert_eq!(c.cmd("SET k v"), ok());
    c.send_raw(&Client::encode(&[b"SHUTDOWN", b"NOSAVE"]));
    assert_eq!(c.read_reply(), None);
    assert!(child.wait().unwrap().success());
    // Reaped: its pid is no longer ours to signal.
    std::mem::forget(guard);
}

/// Runs `redis-cli` against `addr` (line-buffered) and returns its output once `done` says so
/// (or it exits); the client is stopped by its own handle then. CI installs redis-tools.
fn redis_cli(addr: SocketAddr, args: &[&str], done: impl Fn(&str) -> bool) -> String {
    use std::io::BufRead;
    let mut child = std::process::Command::new("stdbuf")
        .args(["-oL", "redis-cli", "-h", "127.0.0.1", "-p"])
        .arg(addr.port().to_string())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("redis-cli (apt-get install redis-tools)");
    let (tx, rx) = std::sync::mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && !done(&text) {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                text.push_str(&line);
                text.push('\n');
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(_) => {}
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    text
}

#[test]
fn the_redis_cli_tools_work_against_ferrokv() {
    let s = TestServer::start();
    let a = s.addr;
    // --pipe: a mass insertion in the protocol.
    let mut input = Vec::new();
    for i in 0..300 {
        for cmd in [
            vec![
                b"SET".to_vec(),
                format!("key:{i}").into_bytes(),
                b"x".repeat(i % 50),
            ],
            vec![
                b"RPUSH".to_vec(),
                format!("list:{}", i % 3).into_bytes(),
                b"e".to_vec(),
            ],
            vec![
                b"HSET".to_vec(),
                format!("h:{}", i % 4).into_bytes(),
                format!("f{i}").into_bytes(),
                b"v".to_vec(),
            ],
        ] {
            let args: Vec<&[u8]> = cmd.iter().map(|x| &x[..]).collect();
            input.extend_from_slice(&Client::encode(&args));
        }
    }
    let mut pipe = std::process::Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &a.port().to_string(), "--pipe"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("redis-cli (apt-get install redis-tools)");
    use std::io::Write;
    pipe.stdin.take().unwrap().write_all(&input).unwrap();
    let out = String::from_utf8(pipe.wait_with_output().unwrap().stdout).unwrap();
    assert!(out.contains("errors: 0, replies: 900"), "{out}");
    let all = |_: &str| false;
    let big = redis_cli(a, &["--bigkeys"], all);
    // Every list has 100 items: which one is named depends on the scan order.
    assert!(
        big.contains("Biggest   list found '\"list:") && big.contains("' has 100 items"),
        "{big}"
    );
    assert!(big.contains("Biggest   hash found"), "{big}");
    assert!(big.contains("300 strings with"), "{big}");
    let mem = redis_cli(a, &["--memkeys"], all);
    assert!(mem.contains("3 lists with"), "{mem}");
    let scan = redis_cli(a, &["--scan", "--pattern", "list:*"], all);
    let mut keys: Vec<&str> = scan.lines().collect();
    keys.sort();
    assert_eq!(keys, ["list:0", "list:1", "list:2"]);
    let stat = redis_cli(a, &["--stat", "-i", "0.2"], |t| t.lines().count() >= 4);
    let rows: Vec<&str> = stat.lines().collect();
    assert!(rows[0].contains("------- data ------"), "{stat}");
    assert!(rows[2].starts_with("307 "), "keys column: {stat}");
    // One line per sample: min, max, average, samples so far.
    let lat = redis_cli(a, &["--latency", "--raw"], |t| t.lines().count() >= 2);
    let fields: Vec<&str> = lat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(fields.len(), 4, "{lat}");
    assert!(fields.iter().all(|f| f.parse::<f64>().is_ok()), "{lat}");
    // Not on a terminal, --latency-history prints the same raw lines.
    let hist = redis_cli(a, &["--latency-history", "-i", "1"], |t| {
        t.lines().count() >= 2
    });
    let first: Vec<&str> = hist
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(first.len(), 4, "{hist}");
    // --latency-dist: its legend, then one spectrum line per interval.
    let dist = redis_cli(a, &["--latency-dist", "-i", "1"], |t| {
        t.lines().filter(|l| l.contains("\u{1b}[38;5;0m")).count() >= 2
    });
    assert!(dist.contains("From 0 to 100%:"), "{dist}");
    assert!(
        dist.contains("K,L,M,N,O,P,Q,?  1,2,4,8,16,30,60,>60 seconds"),
        "{dist}"
    );
    // redis-benchmark's default test list (in db 9, away from the keys above): every test
    // completes with a rate.
    let bench = std::process::Command::new("redis-benchmark")
        .args(["-h", "127.0.0.1", "-p", &a.port().to_string()])
        .args(["-q", "-n", "500", "-c", "4", "-r", "100", "--dbnum", "9"])
        .output()
        .expect("redis-benchmark (apt-get install redis-tools)");
    let text = String::from_utf8_lossy(&bench.stdout).replace('\r', "\n");
    let done: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" requests per second"))
        .map(|l| l.split(':').next().unwrap_or(""))
        .collect();
    for test in [
        "PING_INLINE",
        "PING_MBULK",
        "SET",
        "GET",
        "INCR",
        "LPUSH",
        "RPUSH",
        "LPOP",
        "RPOP",
        "SADD",
        "HSET",
        "SPOP",
        "ZADD",
        "ZPOPMIN",
        "LRANGE_100 (first 100 elements)",
        "LRANGE_600 (first 600 elements)",
        "MSET (10 keys)",
    ] {
        assert!(done.contains(&test), "{test} missing from: {text}");
    }
    assert!(!text.contains("ERR"), "{text}");
    // --hotkeys needs an LFU policy, as in Redis.
    assert_eq!(
        s.client().cmd("CONFIG SET maxmemory-policy allkeys-lfu"),
        ok()
    );
    let hot = redis_cli(a, &["--hotkeys"], all);
    assert!(hot.contains("Sampled 307 keys in the keyspace!"), "{hot}");
}

#[test]
fn a_config_on_standard_input() {
    use std::io::{BufRead, Write};
    let dir = TempDir::new("stdinconf");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ferrokv-server"))
        .args(["-", "--port", "0", "--http-port", "0", "--dir"])
        .arg(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let guard = Daemon(child.id());
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"hz 44\nport 1\n")
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let addr: SocketAddr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split("Listening on tcp ")
                .nth(1)
                .map(|a| a.trim_end_matches(" (loading)").to_string())
        })
        .expect("listening")
        .parse()
        .unwrap();
    std::thread::spawn(move || for _ in lines {});
    wait_loaded(addr);
    let mut c = Client::connect(addr);
    // The flags come after standard input's lines: `--port 0` wins over `port 1`.
    assert_eq!(
        c.cmd("CONFIG GET hz"),
        Value::Array(vec![bulk("hz"), bulk("44")])
    );
    c.send_raw(&Client::encode(&[b"SHUTDOWN", b"NOSAVE"]));
    assert_eq!(c.read_reply(), None);
    assert!(child.wait().unwrap().success());
    std::mem::forget(guard);
}

#[test]
fn shutdown_on_signals_follows_its_setting() {
    let signal = |pid: u32, sig: &str| {
        let st = std::process::Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap();
        assert!(st.success());
    };
    // Save points set, but SIGTERM says nosave: no snapshot.
    let dir = TempDir::new("sigterm");
    let d = dir.path().to_str().unwrap().to_string();
    let mut b = Binary::spawn(&[
        "--port",
        "0",
        "--http-port",
        "0",
        "--appendonly",
        "no",
        "--save",
        "3600 1",
        "--shutdown-on-sigterm",
        "nosave",
        "--dir",
        &d,
    ]);
    assert_eq!(Client::connect(b.addr).cmd("SET k v"), ok());
    signal(b.child.id(), "-TERM");
    assert!(b.wait_exit().success());
    assert!(!dir.path().join("dump.rdb").exists());
    // No save points, but SIGINT says save: a snapshot, set at run time.
    let dir = TempDir::new("sigint");
    let d = dir.path().to_str().unwrap().to_string();
    let mut b = Binary::spawn(&[
        "--port",
        "0",
        "--http-port",
        "0",
        "--appendonly",
        "no",
        "--save",
        "",
        "--dir",
        &d,
    ]);
    let mut c = Client::connect(b.addr);
    assert_eq!(c.cmd("SET k v"), ok());
    assert_eq!(c.cmd("CONFIG SET shutdown-on-sigint save"), ok());
    assert_eq!(
        c.cmd("CONFIG GET shutdown-on-sigint"),
        Value::Array(vec![bulk("shutdown-on-sigint"), bulk("save")])
    );
    signal(b.child.id(), "-INT");
    assert!(b.wait_exit().success());
    assert!(dir.path().join("dump.rdb").exists());
}

/// `syslog-enabled yes` copies the log to `/dev/log` with `syslog-ident`, the pid and
/// `syslog-facility`. The server runs in a mount namespace of its own (`unshare -m`) whose
/// `/dev/log` is this test's datagram socket, so the host's logger is neither needed nor touched.
#[test]
fn syslog_enabled_sends_the_log_to_the_system_logger() {
    let dir = TempDir::new("syslog");
    let sock_path = dir.path().join("log");
    let sock = std::os::unix::net::UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let script = "mount -t tmpfs none /dev && touch /dev/log && mount --bind \"$1\" /dev/log && \
                  shift && exec \"$@\"";
    let mut child = std::process::Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script, "sh"])
        .arg(&sock_path)
        .arg(env!("CARGO_BIN_EXE_ferrokv-server"))
        .args([
            "--port",
            "0",
            "--http-port",
            "0",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args(["--syslog-enabled", "yes", "--syslog-ident", "fkv-test"])
        .args(["--syslog-facility", "local3", "--dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("unshare (util-linux) runs the server in its own mount namespace");
    // unshare and sh exec: the child's pid is the server's.
    let pid = child.id();
    let mut lines = Vec::new();
    let mut buf = [0u8; 4096];
    while !lines
        .iter()
        .any(|l: &String| l.contains("Ready to accept connections"))
    {
        let n = sock.recv(&mut buf).unwrap_or_else(|e| {
            let _ = child.kill();
            panic!("no syslog line within 20 s ({e}); got {lines:?}")
        });
        lines.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    child.wait().unwrap();
    // local3 (19) * 8 + notice (5): <157>, then the time, the ident and the pid.
    let ready = lines.last().unwrap();
    assert!(ready.starts_with("<157>"), "{ready}");
    assert!(ready.contains(&format!(" fkv-test[{pid}]: ")), "{ready}");
    assert!(
        lines.iter().any(|l| l.contains("DB loaded from disk")),
        "{lines:?}"
    );
}

#[test]
fn syslog_settings_are_checked_and_shown() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ferrokv-server"))
        .args(["--port", "0", "--syslog-facility", "local8"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("argument(s) must be one of the following: user, local0"),
        "{err}"
    );
    let s = TestServer::start();
    let mut c = s.client();
    let Value::Array(items) = c.cmd("CONFIG GET syslog-*") else {
        panic!("CONFIG GET answers an array")
    };
    let mut pairs: Vec<(Value, Value)> = items
        .chunks(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect();
    pairs.sort_by_key(|p| format!("{:?}", p.0));
    assert_eq!(
        pairs,
        vec![
            (bulk("syslog-enabled"), bulk("no")),
            (bulk("syslog-facility"), bulk("local0")),
            (bulk("syslog-ident"), bulk("redis")),
        ]
    );
    assert!(
        matches!(c.cmd("CONFIG SET syslog-ident x"), Value::Error(e) if e.contains("immutable"))
    );
}

/// `rename-command` in the config file: the new name works, the old one is unknown, an empty
/// name takes the command away, and the AOF still replays after a restart.
#[test]
fn rename_command_in_the_config_file() {
    let dir = TempDir::new("rename");
    let conf = dir.path().join("ferrokv.conf");
    std::fs::write(
        &conf,
        "rename-command CONFIG \"\"\nrename-command get fetch\n",
    )
    .unwrap();
    let args = [
        conf.to_str().unwrap(),
        "--port",
        "0",
        "--http-port",
        "0",
        "--appendonly",
        "yes",
        "--dir",
        dir.path().to_str().unwrap(),
    ];
    let b = Binary::spawn(&args);
    let mut c = Client::connect(b.addr);
    assert!(
        matches!(c.cmd("CONFIG GET hz"), Value::Error(e) if e.starts_with("ERR unknown command 'CONFIG'"))
    );
    assert_eq!(c.cmd("SET a 1"), ok());
    assert!(
        matches!(c.cmd("GET a"), Value::Error(e) if e.starts_with("ERR unknown command 'GET'"))
    );
    assert_eq!(c.cmd("FETCH a"), bulk("1"));
    drop(c);
    drop(b);
    let b = Binary::spawn(&args);
    let mut c = Client::connect(b.addr);
    assert_eq!(
        c.cmd("fetch a"),
        bulk("1"),
        "the AOF replays past the rename"
    );
    for (line, err) in [
        (
            "rename-command nosuch x",
            "No such command in rename-command",
        ),
        (
            "rename-command get set",
            "Target command name already exists",
        ),
    ] {
        std::fs::write(&conf, line).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ferrokv-server"))
            .arg(&conf)
            .args(["--port", "0"])
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains(err), "{line}");
    }
}
