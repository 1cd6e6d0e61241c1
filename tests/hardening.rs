//! Hardening: what the server acknowledged it can load again, and no client, web page or
//! payload reaches past its limits. Each test sends the input to a real server and checks the
//! refusal, the bound, and that the server still serves.

use super::{ok, Binary, Client, TempDir};
use resp::Value;
use std::path::Path;

fn start(dir: &Path, extra: &[&str]) -> Binary {
    let mut args = vec![
        "--port",
        "0",
        "--http-port",
        "0",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--dir",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    Binary::spawn(&args)
}

fn kill_9(mut server: Binary) {
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

#[test]
fn a_sadd_of_a_million_members_survives_kill_9_and_restart() {
    const MEMBERS: usize = 1_048_577;
    let dir = TempDir::new("bigsadd");
    let server = start(dir.path(), &[]);
    let mut c = Client::connect(server.addr);
    let names: Vec<Vec<u8>> = (0..MEMBERS).map(|i| i.to_string().into_bytes()).collect();
    let mut argv: Vec<&[u8]> = vec![b"SADD", b"s"];
    argv.extend(names.iter().map(|m| m.as_slice()));
    assert_eq!(c.cmd_args(&argv), Value::Int(MEMBERS as i64));
    assert_eq!(c.cmd("SET after 1"), ok());
    kill_9(server);
    let server = start(dir.path(), &[]);
    let mut c = Client::connect(server.addr);
    assert_eq!(c.cmd("SCARD s"), Value::Int(MEMBERS as i64));
    assert_eq!(c.cmd("SISMEMBER s 1048576"), Value::Int(1));
    // The write after the big one was not cut away either.
    assert_eq!(c.cmd("GET after"), Value::Bulk(b"1".to_vec()));
}

#[test]
fn values_written_under_a_larger_bulk_limit_load_under_a_smaller_one() {
    let dir = TempDir::new("bulklimit");
    let server = start(dir.path(), &["--proto-max-bulk-len", "4mb"]);
    let mut c = Client::connect(server.addr);
    let big = vec![b'x'; 3 << 20];
    assert_eq!(c.cmd_args(&[b"SET", b"big", &big]), ok());
    let part = vec![b'y'; 900 << 10];
    for n in 1..=3 {
        assert_eq!(
            c.cmd_args(&[b"APPEND", b"grown", &part]),
            Value::Int(n * (900 << 10))
        );
    }
    kill_9(server);
    let server = start(dir.path(), &["--proto-max-bulk-len", "1mb"]);
    let mut c = Client::connect(server.addr);
    assert_eq!(c.cmd("STRLEN big"), Value::Int(3 << 20));
    assert_eq!(c.cmd("STRLEN grown"), Value::Int(3 * (900 << 10)));
    // The smaller limit holds for new writes.
    assert!(matches!(
        c.cmd_args(&[b"APPEND", b"grown", b"z"]),
        Value::Error(e) if e.starts_with("ERR string exceeds maximum allowed size")
    ));
}

#[test]
fn an_http_request_to_the_resp_port_is_dropped_before_it_runs() {
    let server = super::TestServer::start();
    // What `curl --data-binary $'SET xp 1\r\n' http://127.0.0.1:6379/` sends.
    let mut c = Client::connect(server.addr);
    c.send_raw(
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1:6379\r\nContent-Length: 10\r\n\r\nSET xp 1\r\n",
    );
    assert_eq!(c.read_to_close(), b"");
    // A GET request line is a wrong-arity GET; its Host: header then closes the connection.
    let mut c = Client::connect(server.addr);
    c.send_raw(b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\nSET xp 2\r\n");
    let reply = c.read_to_close();
    assert!(reply.starts_with(b"-ERR wrong number of arguments for 'get' command"));
    assert!(!reply.windows(3).any(|w| w == b"+OK"), "{reply:?}");
    let mut c = server.client();
    assert_eq!(c.cmd("EXISTS xp"), Value::Int(0));
}

/// Sends one raw HTTP/1.1 request and returns the status line's code and the body.
fn http_raw(addr: std::net::SocketAddr, request: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    let text = String::from_utf8_lossy(&all).into_owned();
    let code = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (code, body)
}

fn post(host: &str, extra: &str, body: &str) -> String {
    format!(
        "POST /v1/command HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn a_web_page_cannot_run_commands_through_the_http_api() {
    let server = super::TestServer::start();
    let host = server.http.to_string();
    let cmd = r#"["SET","csrf","1"]"#;
    // A cross-site "simple request": text/plain, the page's Origin.
    let (code, body) = http_raw(
        server.http,
        &post(
            &host,
            "Origin: http://evil.example\r\nContent-Type: text/plain\r\n",
            cmd,
        ),
    );
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("cross_origin"), "{body}");
    // DNS rebinding: the page's origin is the rebound name, so Origin and Host agree.
    let (code, body) = http_raw(
        server.http,
        &post(
            "evil.example:7379",
            "Origin: http://evil.example:7379\r\nContent-Type: application/json\r\n",
            cmd,
        ),
    );
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("bad_host"), "{body}");
    // The same origin, but a form body: JSON routes want JSON.
    let (code, body) = http_raw(
        server.http,
        &post(
            &host,
            "Content-Type: application/x-www-form-urlencoded\r\n",
            cmd,
        ),
    );
    assert_eq!(code, 415, "{body}");
    let mut c = server.client();
    assert_eq!(c.cmd("EXISTS csrf"), Value::Int(0));
    // A tool on this machine (no Origin, JSON) works, by address or by localhost.
    let port = server.http.port();
    for h in [host.clone(), format!("localhost:{port}")] {
        let (code, body) = http_raw(
            server.http,
            &post(&h, "Content-Type: application/json\r\n", cmd),
        );
        assert_eq!(code, 200, "{body}");
    }
    assert_eq!(c.cmd("EXISTS csrf"), Value::Int(1));
    // No CORS header is ever sent, so a cross-origin script could not read a reply anyway.
    let (code, _) = http_raw(
        server.http,
        &format!(
            "OPTIONS /v1/command HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nOrigin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\n\r\n"
        ),
    );
    assert_ne!(code, 204);
}

#[test]
fn with_a_password_any_host_name_may_be_used() {
    let server = super::TestServer::start_with(engine::config::Values {
        requirepass: "s3cret".into(),
        ..Default::default()
    });
    let (code, body) = http_raw(
        server.http,
        &post(
            "kv.internal.example:7379",
            "Authorization: Bearer s3cret\r\nContent-Type: application/json\r\n",
            r#"["PING"]"#,
        ),
    );
    assert_eq!(code, 200, "{body}");
}

#[test]
fn a_slow_http_client_is_cut_off_and_maxclients_counts_every_door() {
    use std::io::{Read, Write};
    let server = super::TestServer::start_with(engine::config::Values {
        maxclients: 3,
        ..Default::default()
    });
    // Headers that never end: the connection is closed after the header timeout.
    let started = std::time::Instant::now();
    let mut slow = std::net::TcpStream::connect(server.http).unwrap();
    slow.write_all(b"GET /v1/keys HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    // Two RESP clients and the slow HTTP one fill maxclients: the next of either kind waits
    // for nothing and is refused.
    let mut a = server.client();
    let mut b = server.client();
    assert_eq!(a.cmd("PING"), Value::Simple("PONG".into()));
    assert_eq!(b.cmd("PING"), Value::Simple("PONG".into()));
    let mut refused = Client::connect(server.addr);
    assert_eq!(
        refused.read_to_close(),
        b"-ERR max number of clients reached\r\n"
    );
    let (code, _) = http_raw(
        server.http,
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 503);
    slow.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_secs(9) && waited < std::time::Duration::from_secs(25),
        "closed after {waited:?}"
    );
    // Its slot is free again.
    let (code, _) = http_raw(
        server.http,
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 200);
}

/// True once the server closed `c`'s connection (reads end), within `within`.
fn closed_within(c: &mut Client, within: std::time::Duration) -> bool {
    use std::io::Read;
    c.stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 65536];
    let deadline = std::time::Instant::now() + within;
    loop {
        match c.stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
    }
}

fn config(c: &mut Client, name: &str, value: &str) {
    assert_eq!(
        c.cmd_args(&[b"CONFIG", b"SET", name.as_bytes(), value.as_bytes()]),
        ok()
    );
}

#[test]
fn normal_clients_are_held_to_their_output_limits() {
    use std::io::Write;
    let server = super::TestServer::start();
    let mut admin = server.client();
    let big = vec![b'v'; 100 << 10];
    assert_eq!(admin.cmd_args(&[b"SET", b"big", &big]), ok());
    // Hard limit: one reply past it closes the client.
    config(&mut admin, "client-output-buffer-limit", "normal 1mb 0 0");
    let mut greedy = server.client();
    let mut argv: Vec<&[u8]> = vec![b"MGET"];
    argv.extend(std::iter::repeat_n(&b"big"[..], 20));
    greedy.send_raw(&Client::encode(&argv));
    assert!(closed_within(
        &mut greedy,
        std::time::Duration::from_secs(5)
    ));
    // Soft limit: a client that stops reading is closed once it stayed past it too long.
    config(&mut admin, "client-output-buffer-limit", "normal 0 256kb 1");
    let mut sleeper = server.client();
    let mut pipeline = Vec::new();
    for _ in 0..300 {
        pipeline.extend_from_slice(&Client::encode(&[b"GET", b"big"]));
    }
    sleeper.stream.write_all(&pipeline).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(closed_within(
        &mut sleeper,
        std::time::Duration::from_secs(5)
    ));
    // Others are served throughout.
    assert_eq!(admin.cmd("PING"), Value::Simple("PONG".into()));
    config(&mut admin, "client-output-buffer-limit", "normal 0 0 0");
}

#[test]
fn idle_clients_are_closed_after_timeout_but_not_waiting_ones() {
    let server = super::TestServer::start();
    let mut admin = server.client();
    config(&mut admin, "timeout", "1");
    drop(admin);
    let mut idle = server.client();
    assert_eq!(idle.cmd("PING"), Value::Simple("PONG".into()));
    let mut subscriber = server.client();
    subscriber.cmd("SUBSCRIBE news");
    let mut blocked = server.client();
    blocked.send_raw(&Client::encode(&[b"BLPOP", b"queue", b"0"]));
    assert!(closed_within(&mut idle, std::time::Duration::from_secs(4)));
    std::thread::sleep(std::time::Duration::from_millis(500));
    // The waiting ones are still there: the blocked one is served, the subscriber hears (the
    // idle admin connection was closed too: a new one).
    let mut admin = server.client();
    config(&mut admin, "timeout", "0");
    assert_eq!(admin.cmd("RPUSH queue job"), Value::Int(1));
    assert_eq!(
        blocked.read_reply(),
        Some(Value::Array(vec![
            Value::Bulk(b"queue".to_vec()),
            Value::Bulk(b"job".to_vec())
        ]))
    );
    assert_eq!(admin.cmd("PUBLISH news hi"), Value::Int(1));
}

#[test]
fn query_limits_hold_while_blocked_and_for_a_multi_queue() {
    let server = super::TestServer::start();
    let mut admin = server.client();
    config(&mut admin, "client-query-buffer-limit", "1mb");
    // Blocked in BLPOP, a client keeps sending a command that never completes.
    let mut blocked = server.client();
    blocked.send_raw(&Client::encode(&[b"BLPOP", b"nothing", b"0"]));
    std::thread::sleep(std::time::Duration::from_millis(100));
    let mut partial = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n".to_vec();
    partial.extend(std::iter::repeat_n(b'x', 2 << 20));
    let _ = std::io::Write::write_all(&mut blocked.stream, &partial);
    assert!(closed_within(
        &mut blocked,
        std::time::Duration::from_secs(5)
    ));
    // A MULTI queue is query that has not run: it is held to the same limit.
    let mut queuer = server.client();
    assert_eq!(queuer.cmd("MULTI"), ok());
    let value = vec![b'q'; 16 << 10];
    let mut closed = false;
    for _ in 0..200 {
        queuer.send_raw(&Client::encode(&[b"SET", b"k", &value]));
        match queuer.read_reply() {
            Some(Value::Simple(q)) if q == "QUEUED" => {}
            None => {
                closed = true;
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(closed, "3 MB queued under a 1 MB limit");
    assert_eq!(admin.cmd("EXISTS k"), Value::Int(0));
}

#[test]
fn a_monitor_that_does_not_read_is_dropped() {
    let server = super::TestServer::start();
    let mut admin = server.client();
    config(&mut admin, "client-output-buffer-limit", "pubsub 256kb 0 0");
    let mut monitor = server.client();
    assert_eq!(monitor.cmd("MONITOR"), ok());
    let value = vec![b'm'; 8 << 10];
    for _ in 0..2000 {
        assert_eq!(admin.cmd_args(&[b"SET", b"k", &value]), ok());
    }
    assert!(closed_within(
        &mut monitor,
        std::time::Duration::from_secs(5)
    ));
    let Value::Bulk(list) = admin.cmd("CLIENT LIST") else {
        panic!()
    };
    assert!(!String::from_utf8_lossy(&list).contains("flags=O"));
}

#[test]
fn under_everysec_a_write_that_cannot_be_written_is_never_acknowledged() {
    let dir = TempDir::new("fulleverysec");
    let b = super::persistence::start_limited(dir.path(), 64, "everysec");
    let mut c = Client::connect(b.addr);
    super::persistence::loaded(&mut c);
    let value = "x".repeat(1000);
    let mut acked = 0;
    let refusal = loop {
        let key = format!("k{acked}");
        match c.cmd_args(&[b"SET", key.as_bytes(), value.as_bytes()]) {
            Value::Simple(s) if s == "OK" => acked += 1,
            Value::Error(e) => break e,
            other => panic!("SET {key}: {other:?}"),
        }
        assert!(acked < 200, "the file-size limit never hit");
    };
    assert!(refusal.starts_with("MISCONF"), "{refusal}");
    // Every acknowledged write is in the file.
    kill_9(b);
    let b = Binary::spawn(&[
        "--port",
        "0",
        "--http-port",
        "0",
        "--dir",
        dir.path().to_str().unwrap(),
    ]);
    let mut c = Client::connect(b.addr);
    for i in 0..acked {
        assert_eq!(c.cmd(&format!("EXISTS k{i}")), Value::Int(1), "k{i} lost");
    }
}

/// The peak resident memory of process `pid` so far (`VmHWM`: a transient allocation counts
/// even when it was freed before the test looks), in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn is_error(v: &Value, prefix: &str) -> bool {
    matches!(v, Value::Error(e) if e.starts_with(prefix))
}

/// Inputs of the classes Redis's CVEs came from, each refused with Redis's error while the
/// server's memory stays where it was and other clients are served.
#[test]
fn redis_cve_inputs_are_refused_without_growing_memory() {
    let b = Binary::spawn(&[
        "--port",
        "0",
        "--http-port",
        "0",
        "--appendonly",
        "no",
        "--save",
        "",
        "--requirepass",
        "pw",
    ]);
    let pid = b.child.id();
    let mut admin = Client::connect(b.addr);
    assert_eq!(admin.cmd("AUTH pw"), ok());
    admin.cmd("SADD s a b c");
    admin.cmd("ZADD z 1 a 2 b");
    admin.cmd("HSET h f v");
    let before = rss_kib(pid);

    // Unauthenticated memory exhaustion (CVE-2021-32675): announced sizes are refused before
    // anything is reserved, and the connection closes.
    for (input, error) in [
        (
            &b"*1000000\r\n"[..],
            "-ERR Protocol error: unauthenticated multibulk length",
        ),
        (
            &b"*1\r\n$100000000\r\n"[..],
            "-ERR Protocol error: unauthenticated bulk length",
        ),
    ] {
        let mut c = Client::connect(b.addr);
        c.send_raw(input);
        let reply = c.read_to_close();
        assert!(reply.starts_with(error.as_bytes()), "{reply:?}");
    }
    let mut c = Client::connect(b.addr);
    c.send_raw(&vec![b'a'; 100 << 10]);
    assert!(c
        .read_to_close()
        .starts_with(b"-ERR Protocol error: too big inline request"));

    // Size settings past what the entries hold (CVE-2021-41099, CVE-2021-32687).
    for (name, value) in [
        ("proto-max-bulk-len", "9223372036854775807"),
        ("client-query-buffer-limit", "-1"),
    ] {
        assert!(is_error(
            &admin.cmd_args(&[b"CONFIG", b"SET", name.as_bytes(), value.as_bytes()]),
            "ERR CONFIG SET failed"
        ));
    }
    // Random-member counts that overflow (CVE-2023-25155, CVE-2023-22458).
    for cmd in [
        "SRANDMEMBER s -9223372036854775808",
        "ZRANDMEMBER z -9223372036854775807 WITHSCORES",
        "HRANDFIELD h -9223372036854775807 WITHVALUES",
        "SRANDMEMBER s -9223372036854775807",
    ] {
        assert!(
            is_error(&admin.cmd(cmd), "ERR value is out of range"),
            "{cmd}"
        );
    }
    // Offsets past proto-max-bulk-len (the SETRANGE / GETRANGE class).
    for cmd in ["SETRANGE k 536870912 x", "SETRANGE k 9223372036854775807 x"] {
        assert!(
            is_error(&admin.cmd(cmd), "ERR string exceeds maximum allowed size"),
            "{cmd}"
        );
    }
    assert!(is_error(
        &admin.cmd("SETRANGE k -1 x"),
        "ERR offset is out of range"
    ));
    assert_eq!(
        admin.cmd("GETRANGE s -9223372036854775808 9223372036854775807"),
        Value::Error("WRONGTYPE Operation against a key holding the wrong kind of value".into())
    );
    // LCS's transient table (CVE-2021-29477) is bounded by proto-max-bulk-len.
    let long = vec![b'a'; 20_000];
    admin.cmd_args(&[b"SET", b"l1", &long]);
    admin.cmd_args(&[b"SET", b"l2", &long]);
    assert!(is_error(
        &admin.cmd("LCS l1 l2"),
        "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
    ));
    // A glob that backtracks exponentially (CVE-2022-36021) answers.
    admin.cmd_args(&[b"SET", &[b'a'; 100], b"1"]);
    let pattern = "*a".repeat(50) + "b";
    assert_eq!(
        admin.cmd_args(&[b"KEYS", pattern.as_bytes()]),
        Value::Array(vec![])
    );
    // A RESTORE payload that decompresses far past its size is refused before it is built.
    let mut small = Client::connect(b.addr);
    small.cmd("AUTH pw");
    let Value::Bulk(_) = admin.cmd("DUMP s") else {
        panic!()
    };
    assert!(is_error(
        &admin.cmd_args(&[b"RESTORE", b"r", b"0", b"\x00\x03abc\x0a\x00junkjunk"]),
        "ERR DUMP payload version or checksum are wrong"
    ));

    assert_eq!(small.cmd("PING"), Value::Simple("PONG".into()));
    let after = rss_kib(pid);
    assert!(
        after < before + 64 * 1024,
        "RSS grew from {before} KiB to {after} KiB"
    );
}

/// A reply far past the `normal` hard limit (SRANDMEMBER with a count of -3,000,000) stops
/// growing at the limit: the clients are closed, the server's
/// memory grows by about the limit per client, not by the reply, and others are served.
#[test]
fn a_reply_past_the_hard_limit_stops_growing() {
    let b = Binary::spawn(&[
        "--port",
        "0",
        "--http-port",
        "0",
        "--appendonly",
        "no",
        "--save",
        "",
    ]);
    let pid = b.child.id();
    let mut admin = Client::connect(b.addr);
    for i in 0..10 {
        let members: Vec<String> = (0..100).map(|j| format!("member:{i}:{j}")).collect();
        let mut argv: Vec<&[u8]> = vec![b"SADD", b"s"];
        argv.extend(members.iter().map(|m| m.as_bytes()));
        admin.cmd_args(&argv);
    }
    config(&mut admin, "client-output-buffer-limit", "normal 4mb 0 0");
    let before = rss_kib(pid);
    // Unbounded, each reply would be 3,000,000 x 18 bytes: 54 MB.
    let mut greedy: Vec<Client> = (0..4).map(|_| Client::connect(b.addr)).collect();
    for g in &mut greedy {
        g.send_raw(&Client::encode(&[b"SRANDMEMBER", b"s", b"-3000000"]));
    }
    for g in &mut greedy {
        assert!(closed_within(g, std::time::Duration::from_secs(60)));
    }
    let after = rss_kib(pid);
    assert!(
        after < before + 4 * 16 * 1024,
        "RSS grew from {before} KiB to {after} KiB"
    );
    assert_eq!(admin.cmd("SCARD s"), Value::Int(1000));
}
