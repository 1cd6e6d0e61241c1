//! TLS: the real binary on `tls-port` with certificates the test makes (rcgen), reached by a
//! rustls client, `redis-cli --tls`, `redis-benchmark --tls` and redis-py (`ssl=True`);
//! client certificates (`tls-auth-clients`), a reload by CONFIG SET, HTTPS (`http-tls`), an
//! encrypted key (`tls-key-file-pass`, encrypted by the openssl CLI).
//! A missing tool fails the test: CI installs redis-tools, openssl and redis-py.

use super::TempDir;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A CA with a server certificate (for 127.0.0.1 and localhost) and a client certificate,
/// written as PEM files `{name}-ca.crt`, `{name}-server.crt`/`.key`, `{name}-client.crt`/`.key`.
struct Pki {
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

impl Pki {
    fn new(dir: &Path, name: &str) -> Pki {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, format!("ferrokv test CA {name}"));
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let leaf = |purpose: ExtendedKeyUsagePurpose, cn: &str| {
            let mut p =
                CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                    .unwrap();
            p.distinguished_name.push(DnType::CommonName, cn);
            p.extended_key_usages = vec![purpose];
            let key = KeyPair::generate().unwrap();
            let cert = p.signed_by(&key, &ca_cert, &ca_key).unwrap();
            (cert.pem(), key.serialize_pem())
        };
        let (server_pem, server_key_pem) = leaf(ExtendedKeyUsagePurpose::ServerAuth, "server");
        let (client_pem, client_key_pem) = leaf(ExtendedKeyUsagePurpose::ClientAuth, "client");
        let write = |file: &str, text: &str| {
            let p = dir.join(format!("{name}-{file}"));
            std::fs::write(&p, text).unwrap();
            p
        };
        Pki {
            ca: write("ca.crt", &ca_cert.pem()),
            server_cert: write("server.crt", &server_pem),
            server_key: write("server.key", &server_key_pem),
            client_cert: write("client.crt", &client_pem),
            client_key: write("client.key", &client_key_pem),
        }
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A loopback port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary serving TLS, started with `args` after the common ones; killed when dropped.
struct TlsServer {
    child: Child,
    port: u16,
    /// The HTTP API's address (from the log; `--http-port 0`, the default here, has none).
    http: Option<std::net::SocketAddr>,
    /// The start-up log up to the ready line.
    log: Vec<String>,
    _dir: TempDir,
}

impl TlsServer {
    fn spawn(pki: &Pki, args: &[&str]) -> TlsServer {
        let dir = TempDir::new("tls-server");
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferrokv-server"))
            .args(["--port", "0", "--bind", "127.0.0.1", "--http-port", "0"])
            .args(["--appendonly", "no", "--save", ""])
            .args(["--tls-port", &port.to_string()])
            .args(["--tls-cert-file", s(&pki.server_cert)])
            .args(["--tls-key-file", s(&pki.server_key)])
            .args(["--tls-ca-cert-file", s(&pki.ca)])
            .args(args)
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut log = Vec::new();
        let mut http = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(a) = line.split("Listening on http").nth(1) {
                let a = a.trim_start_matches('s').trim();
                http = a.split_whitespace().next().and_then(|a| a.parse().ok());
            }
            let done = line.contains("Ready to accept connections tls on");
            log.push(line);
            if done {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        assert!(
            log.iter()
                .any(|l| l.contains("Ready to accept connections tls on")),
            "no TLS ready line: {log:#?}"
        );
        TlsServer {
            child,
            port,
            http,
            log,
            _dir: dir,
        }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// The provider the server uses (see crates/server/src/tls.rs on its deprecation).
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A rustls client configuration trusting `ca`, presenting `client` (cert, key) if given.
fn client_config(ca: &Path, client: Option<(&Path, &Path)>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match client {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                CertificateDer::pem_file_iter(cert)
                    .unwrap()
                    .map(|c| c.unwrap())
                    .collect(),
                PrivateKeyDer::from_pem_file(key).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    Arc::new(config)
}

type Tls = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

fn connect(port: u16, config: Arc<rustls::ClientConfig>) -> Tls {
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(config, name).unwrap();
    rustls::StreamOwned::new(conn, tcp)
}

/// Sends one command (inline) and reads its reply: a simple or error line as sent, a bulk
/// string's text, an array's elements joined by spaces. Err when the TLS session or the
/// connection fails (a refused certificate, a closed connection).
fn try_cmd(tls: &mut Tls, line: &str) -> Result<String, String> {
    tls.write_all(format!("{line}\r\n").as_bytes())
        .and_then(|_| tls.flush())
        .map_err(|e| e.to_string())?;
    read_reply(tls)
}

fn read_reply(tls: &mut Tls) -> Result<String, String> {
    let mut out = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match tls.read(&mut byte) {
            Ok(0) => return Err(format!("closed after {out:?}")),
            Ok(_) => {
                out.push(byte[0]);
                if out.ends_with(b"\r\n") {
                    break;
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    let first = String::from_utf8_lossy(&out).trim_end().to_string();
    if let Some(n) = first
        .strip_prefix('$')
        .and_then(|n| n.parse::<usize>().ok())
    {
        let mut body = vec![0u8; n + 2];
        tls.read_exact(&mut body).map_err(|e| e.to_string())?;
        return Ok(String::from_utf8_lossy(&body[..n]).into_owned());
    }
    if let Some(n) = first
        .strip_prefix('*')
        .and_then(|n| n.parse::<usize>().ok())
    {
        let items: Result<Vec<String>, String> = (0..n).map(|_| read_reply(tls)).collect();
        return Ok(items?.join(" "));
    }
    Ok(first)
}

fn ping_with(port: u16, config: Arc<rustls::ClientConfig>) -> Result<String, String> {
    let mut c = connect(port, config);
    try_cmd(&mut c, "PING")
}

/// Runs a tool to completion and returns its standard output (and error, after it).
fn run_tool(cmd: &mut Command) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (CI installs redis-tools and redis-py)"));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn tls_only_serves_resp_to_rustls_redis_cli_benchmark_and_redis_py() {
    let dir = TempDir::new("tls-pki");
    let pki = Pki::new(dir.path(), "a");
    let other = Pki::new(dir.path(), "b");
    let server = TlsServer::spawn(&pki, &["--tls-auth-clients", "no"]);
    // `port 0` beside `tls-port`: no plain listener, as Redis.
    assert!(
        !server.log.iter().any(|l| l.contains("Listening on tcp")),
        "{:#?}",
        server.log
    );
    assert!(server
        .log
        .iter()
        .any(|l| l.contains(&format!("Listening on tls 127.0.0.1:{}", server.port))));

    let config = client_config(&pki.ca, None);
    let mut c = connect(server.port, config.clone());
    assert_eq!(try_cmd(&mut c, "PING").unwrap(), "+PONG");
    assert_eq!(try_cmd(&mut c, "SET greeting hello").unwrap(), "+OK");
    assert_eq!(try_cmd(&mut c, "GET greeting").unwrap(), "hello");
    let list = try_cmd(&mut c, "CLIENT LIST").unwrap();
    assert!(
        list.contains(&format!("laddr=127.0.0.1:{}", server.port)),
        "{list}"
    );
    let info = try_cmd(&mut c, "INFO clients").unwrap();
    assert!(info.contains("connected_clients:1"), "{info}");

    // A client that trusts another CA refuses the server.
    let refused = ping_with(server.port, client_config(&other.ca, None));
    assert!(refused.is_err(), "{refused:?}");

    let cli = |args: &[&str]| {
        run_tool(
            Command::new("redis-cli")
                .args(["-h", "127.0.0.1", "-p", &server.port.to_string()])
                .args(["--tls", "--cacert", s(&pki.ca)])
                .args(args),
        )
    };
    assert_eq!(cli(&["PING"]).trim(), "PONG");
    assert_eq!(cli(&["GET", "greeting"]).trim(), "hello");
    let bench = run_tool(
        Command::new("redis-benchmark")
            .args(["-h", "127.0.0.1", "-p", &server.port.to_string()])
            .args(["--tls", "--cacert", s(&pki.ca)])
            .args(["-t", "set,get", "-n", "1000", "-q"]),
    );
    for test in ["SET: ", "GET: "] {
        assert!(
            bench.contains(test) && bench.contains("requests per second"),
            "{bench}"
        );
    }

    let py = run_tool(Command::new("python3").args([
        "-c",
        "import sys, redis\n\
         r = redis.Redis(host='127.0.0.1', port=int(sys.argv[1]), ssl=True, ssl_ca_certs=sys.argv[2])\n\
         print(r.ping(), r.get('greeting'))",
        &server.port.to_string(),
        s(&pki.ca),
    ]));
    assert_eq!(py.trim(), "True b'hello'");
}

#[test]
fn tls_auth_clients_checks_client_certificates() {
    let dir = TempDir::new("tls-pki");
    let pki = Pki::new(dir.path(), "a");
    let other = Pki::new(dir.path(), "b");
    // Redis's default: `tls-auth-clients yes`.
    let server = TlsServer::spawn(&pki, &[]);
    let port = server.port;
    let none = ping_with(port, client_config(&pki.ca, None));
    assert!(none.is_err(), "no certificate: {none:?}");
    let wrong = ping_with(
        port,
        client_config(&pki.ca, Some((&other.client_cert, &other.client_key))),
    );
    assert!(wrong.is_err(), "a certificate of another CA: {wrong:?}");
    let right = ping_with(
        port,
        client_config(&pki.ca, Some((&pki.client_cert, &pki.client_key))),
    );
    assert_eq!(right.unwrap(), "+PONG");
    let cli = run_tool(
        Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "--tls"])
            .args(["--cacert", s(&pki.ca), "--cert", s(&pki.client_cert)])
            .args(["--key", s(&pki.client_key), "PING"]),
    );
    assert_eq!(cli.trim(), "PONG");

    // `optional`: no certificate is fine, a bad one is not.
    let mut admin = connect(
        port,
        client_config(&pki.ca, Some((&pki.client_cert, &pki.client_key))),
    );
    assert_eq!(
        try_cmd(&mut admin, "CONFIG SET tls-auth-clients optional").unwrap(),
        "+OK"
    );
    assert_eq!(
        ping_with(port, client_config(&pki.ca, None)).unwrap(),
        "+PONG"
    );
    let wrong = ping_with(
        port,
        client_config(&pki.ca, Some((&other.client_cert, &other.client_key))),
    );
    assert!(wrong.is_err(), "optional, another CA: {wrong:?}");
    assert_eq!(
        try_cmd(&mut admin, "CONFIG GET tls-auth-clients").unwrap(),
        "tls-auth-clients optional"
    );
}

#[test]
fn config_set_reloads_the_certificate_for_new_connections() {
    let dir = TempDir::new("tls-pki");
    let pki = Pki::new(dir.path(), "a");
    let next = Pki::new(dir.path(), "b");
    let server = TlsServer::spawn(&pki, &["--tls-auth-clients", "no"]);
    let port = server.port;
    let (old_ca, new_ca) = (client_config(&pki.ca, None), client_config(&next.ca, None));
    let mut admin = connect(port, old_ca.clone());
    assert_eq!(try_cmd(&mut admin, "PING").unwrap(), "+PONG");

    // A file that does not load: refused with Redis's text, the old configuration stays.
    let failed = try_cmd(
        &mut admin,
        "CONFIG SET tls-cert-file /nonexistent/server.crt",
    );
    assert_eq!(
        failed.unwrap(),
        "-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs."
    );
    assert_eq!(
        try_cmd(&mut admin, "CONFIG GET tls-cert-file").unwrap(),
        format!("tls-cert-file {}", s(&pki.server_cert))
    );
    assert_eq!(ping_with(port, old_ca.clone()).unwrap(), "+PONG");
    let bad = try_cmd(&mut admin, "CONFIG SET tls-protocols TLSv1.5").unwrap();
    assert!(bad.contains("'tls-protocols'"), "{bad}");
    assert_eq!(
        try_cmd(&mut admin, "CONFIG SET tls-ciphersuites FOO").unwrap(),
        "-ERR CONFIG SET failed (possibly related to argument 'tls-ciphersuites') - Unable to update TLS configuration. Check server logs."
    );

    // The new certificate and key together (all or nothing), from another CA.
    let set = format!(
        "CONFIG SET tls-cert-file {} tls-key-file {}",
        s(&next.server_cert),
        s(&next.server_key)
    );
    assert_eq!(try_cmd(&mut admin, &set).unwrap(), "+OK");
    assert_eq!(ping_with(port, new_ca).unwrap(), "+PONG");
    assert!(ping_with(port, old_ca).is_err());
    // The connection opened before keeps its session.
    assert_eq!(try_cmd(&mut admin, "PING").unwrap(), "+PONG");
}

#[test]
fn https_on_the_http_port_with_http_tls() {
    let dir = TempDir::new("tls-pki");
    let pki = Pki::new(dir.path(), "a");
    let http_port = free_port().to_string();
    let args = ["--tls-auth-clients", "no", "--http-tls", "yes"];
    let server = TlsServer::spawn(&pki, &[&args[..], &["--http-port", &http_port]].concat());
    let http = server.http.expect("the log names the HTTPS address");
    assert!(server
        .log
        .iter()
        .any(|l| l.contains(&format!("Listening on https {http}"))));
    let mut c = connect(http.port(), client_config(&pki.ca, None));
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = Vec::new();
    let _ = c.read_to_end(&mut reply);
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    // Plain HTTP gets no answer on that port.
    let mut plain = TcpStream::connect(http).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 64];
    let n = plain.read(&mut buf).unwrap_or(0);
    assert!(!buf[..n].starts_with(b"HTTP/1.1 200"));
}

#[test]
fn a_certificate_that_does_not_load_stops_start_up() {
    let dir = TempDir::new("tls-bad");
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_ferrokv-server"))
        .args(["--port", "0", "--http-port", "0", "--appendonly", "no"])
        .args(["--tls-port", &free_port().to_string()])
        .args(["--tls-cert-file", "/nonexistent/server.crt"])
        .args(["--tls-key-file", "/nonexistent/server.key"])
        .args(["--tls-auth-clients", "no"])
        .arg("--dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(started.elapsed() < Duration::from_secs(10));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains(
            "Failed to configure TLS: Failed to load certificate: /nonexistent/server.crt"
        ),
        "{log}"
    );
    assert!(!log.contains("Ready to accept"), "{log}");
}

#[test]
fn an_encrypted_key_opens_with_tls_key_file_pass() {
    let dir = TempDir::new("tls-pki");
    let pki = Pki::new(dir.path(), "a");
    // Encrypted as users encrypt keys: PKCS#8 with PBES2 (PBKDF2, AES-256-CBC).
    let enc = dir.path().join("a-server-encrypted.key");
    let out = run_tool(Command::new("openssl").args([
        "pkcs8",
        "-topk8",
        "-v2",
        "aes-256-cbc",
        "-in",
        s(&pki.server_key),
        "-out",
        s(&enc),
        "-passout",
        "pass:s3cret",
    ]));
    let text = std::fs::read_to_string(&enc).unwrap_or_default();
    assert!(text.contains("BEGIN ENCRYPTED PRIVATE KEY"), "{out}");
    let args = ["--tls-auth-clients", "no", "--tls-key-file-pass", "s3cret"];
    let server = TlsServer::spawn(&pki, &[&args[..], &["--tls-key-file", s(&enc)]].concat());
    let mut c = connect(server.port, client_config(&pki.ca, None));
    assert_eq!(try_cmd(&mut c, "PING").unwrap(), "+PONG");
    // A wrong passphrase does not load: refused, and the key in use stays.
    assert_eq!(
        try_cmd(&mut c, "CONFIG SET tls-key-file-pass wrong").unwrap(),
        "-ERR CONFIG SET failed (possibly related to argument 'tls-key-file-pass') - Unable to update TLS configuration. Check server logs."
    );
    assert_eq!(
        ping_with(server.port, client_config(&pki.ca, None)).unwrap(),
        "+PONG"
    );
}
