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
