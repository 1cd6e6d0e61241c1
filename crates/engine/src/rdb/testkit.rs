//! Test-only helpers: a redis-server of our own (skipped when not installed), a minimal RESP
//! client, reading a key back as a [`Value`], fixtures of every type, and a small PRNG.

use super::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// xorshift64: deterministic test data.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Whether `bin` runs.
pub(crate) fn have(bin: &str) -> bool {
    Command::new(bin)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// redis-server's version (major, minor), if it runs.
fn redis_version() -> Option<(u32, u32)> {
    let out = Command::new("redis-server")
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let v = text.split_whitespace().find_map(|w| w.strip_prefix("v="))?;
    let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??))
}

/// True (after saying so) when redis-server is missing or older than 7.0 (these tests use its
/// listpack encodings, PEXPIRETIME and DEBUG QUICKLIST-PACKED-THRESHOLD) and the test should
/// return.
pub(crate) fn skip_without_redis(test: &str) -> bool {
    match redis_version() {
        Some(v) if v >= (7, 0) => false,
        Some((major, minor)) => {
            eprintln!("skipping {test}: redis-server {major}.{minor} is older than 7.0");
            true
        }
        None => {
            eprintln!(
                "skipping {test}: redis-server is not on PATH (apt-get install redis-server redis-tools)"
            );
            true
        }
    }
}

/// A directory removed on drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let p =
            std::env::temp_dir().join(format!("ferrokv-rdb-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A redis-server child bound to 127.0.0.1 on a free port; killed (by its own pid) on drop.
pub(crate) struct Redis {
    child: Child,
    pub(crate) port: u16,
    dir: PathBuf,
}

impl Redis {
    /// Starts redis-server in `dir` (its `--dir`), with `extra` arguments, and waits until it
    /// answers PING (after loading any file).
    pub(crate) fn start(dir: &Path, extra: &[&str]) -> Redis {
        for _attempt in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let _ = std::fs::remove_file(dir.join("redis.log"));
            let mut cmd = Command::new("redis-server");
            cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--dir"])
                .arg(dir)
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .args(["--logfile", "redis.log", "--enable-debug-command", "yes"])
                .args(extra)
                .current_dir(dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let child = cmd.spawn().expect("spawn redis-server");
            let mut redis = Redis {
                child,
                port,
                dir: dir.to_path_buf(),
            };
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if let Ok(Some(status)) = redis.child.try_wait() {
                    let log = redis.log();
                    if log.contains("Address already in use") {
                        break; // another attempt, another port
                    }
                    panic!("redis-server exited with {status} while starting; log:\n{log}");
                }
                if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) {
                    let mut c = Client::new(stream);
                    if c.cmd_s(&["PING"]) == Reply::Status("PONG".into()) {
                        return redis;
                    }
                }
                assert!(
                    Instant::now() < deadline,
                    "redis-server did not start; log:\n{}",
                    redis.log()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("could not find a free port for redis-server");
    }

    pub(crate) fn client(&self) -> Client {
        Client::new(TcpStream::connect(("127.0.0.1", self.port)).unwrap())
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A RESP2 reply.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

impl Reply {
    pub(crate) fn bulk(self) -> Vec<u8> {
        match self {
            Reply::Bulk(Some(b)) => b,
            other => panic!("expected a bulk string, got {other:?}"),
        }
    }

    pub(crate) fn int(self) -> i64 {
        match self {
            Reply::Int(i) => i,
            other => panic!("expected an integer, got {other:?}"),
        }
    }

    pub(crate) fn status(self) -> String {
        match self {
            Reply::Status(s) => s,
            other => panic!("expected a status, got {other:?}"),
        }
    }

    pub(crate) fn bulks(self) -> Vec<Vec<u8>> {
        match self {
            Reply::Array(Some(items)) => items.into_iter().map(Reply::bulk).collect(),
            other => panic!("expected an array, got {other:?}"),
        }
    }
}

/// A minimal blocking RESP2 client.
pub(crate) struct Client {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Client {
    fn new(stream: TcpStream) -> Client {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Client {
            r: BufReader::new(stream.try_clone().unwrap()),
            w: stream,
        }
    }

    pub(crate) fn cmd(&mut self, args: &[&[u8]]) -> Reply {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        self.w.write_all(&out).unwrap();
        self.read()
    }

    pub(crate) fn cmd_s(&mut self, args: &[&str]) -> Reply {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.cmd(&args)
    }

    /// Runs a command that must reply +OK.
    pub(crate) fn ok(&mut self, args: &[&str]) {
        assert_eq!(self.cmd_s(args), Reply::Status("OK".into()), "{args:?}");
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.r.read_line(&mut l).unwrap();
        l.trim_end_matches("\r\n").to_string()
    }

    fn read(&mut self) -> Reply {
        let l = self.line();
        let (t, rest) = l.split_at(1);
        match t {
            "+" => Reply::Status(rest.to_string()),
            "-" => Reply::Error(rest.to_string()),
            ":" => Reply::Int(rest.parse().unwrap()),
            "$" => {
                let n: i64 = rest.parse().unwrap();
                if n < 0 {
                    return Reply::Bulk(None);
                }
                let mut b = vec![0u8; n as usize + 2];
                self.r.read_exact(&mut b).unwrap();
                b.truncate(n as usize);
                Reply::Bulk(Some(b))
            }
            "*" => {
                let n: i64 = rest.parse().unwrap();
                if n < 0 {
                    return Reply::Array(None);
                }
                Reply::Array(Some((0..n).map(|_| self.read()).collect()))
            }
            _ => panic!("bad reply line {l:?}"),
        }
    }
}

/// Sets, hashes and sorted sets in a canonical order, for comparisons.
pub(crate) fn normalize(v: &Value) -> Value {
    match v {
        Value::Set(m) => {
            let mut m = m.clone();
            m.sort();
            Value::Set(m)
        }
        Value::Hash(p) => {
            let mut p = p.clone();
            p.sort();
            Value::Hash(p)
        }
        Value::ZSet(p) => {
            let mut refs: Vec<&(Vec<u8>, f64)> = p.iter().collect();
            refs.sort_by(super::zset_order);
            Value::ZSet(refs.into_iter().cloned().collect())
        }
        other => other.clone(),
    }
}

/// Reads `key` (in the selected database) back from Redis: (value, PEXPIRETIME) or None.
pub(crate) fn read_back(c: &mut Client, key: &[u8]) -> Option<(Value, Option<u64>)> {
    let ty = c.cmd(&[b"TYPE", key]).status();
    let value = match ty.as_str() {
        "none" => return None,
        "string" => Value::String(c.cmd(&[b"GET", key]).bulk()),
        "list" => Value::List(c.cmd(&[b"LRANGE", key, b"0", b"-1"]).bulks()),
        "set" => Value::Set(c.cmd(&[b"SMEMBERS", key]).bulks()),
        "hash" => {
            let flat = c.cmd(&[b"HGETALL", key]).bulks();
            Value::Hash(
                flat.chunks(2)
                    .map(|p| (p[0].clone(), p[1].clone()))
                    .collect(),
            )
        }
        "zset" => {
            let flat = c.cmd(&[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"]).bulks();
            Value::ZSet(
                flat.chunks(2)
                    .map(|p| (p[0].clone(), super::parse_score(&p[1]).expect("score")))
                    .collect(),
            )
        }
        other => panic!("unexpected type {other}"),
    };
    let ttl = c.cmd(&[b"PEXPIRETIME", key]).int();
    Some((normalize(&value), u64::try_from(ttl).ok()))
}

/// Creates `key` in Redis with the commands a client would use (the key must not exist).
pub(crate) fn create(c: &mut Client, key: &[u8], value: &Value, expire_ms: Option<u64>) {
    fn batched(c: &mut Client, cmd: &[u8], key: &[u8], args: &[Vec<u8>]) {
        for chunk in args.chunks(512) {
            let mut a: Vec<&[u8]> = vec![cmd, key];
            a.extend(chunk.iter().map(|x| x.as_slice()));
            let r = c.cmd(&a);
            assert!(matches!(r, Reply::Int(_)), "{r:?}");
        }
    }
    match value {
        Value::String(s) => assert_eq!(c.cmd(&[b"SET", key, s]), Reply::Status("OK".into())),
        Value::List(items) => batched(c, b"RPUSH", key, items),
        Value::Set(m) => batched(c, b"SADD", key, m),
        Value::Hash(p) => {
            let flat: Vec<Vec<u8>> = p.iter().flat_map(|(f, v)| [f.clone(), v.clone()]).collect();
            batched(c, b"HSET", key, &flat);
        }
        Value::ZSet(p) => {
            let flat: Vec<Vec<u8>> = p
                .iter()
                .flat_map(|(m, s)| [s.to_string().into_bytes(), m.clone()])
                .collect();
            batched(c, b"ZADD", key, &flat);
        }
        Value::Stream(_) => panic!("the fixtures hold no stream (streams have their own tests)"),
    }
    if let Some(ms) = expire_ms {
        assert_eq!(
            c.cmd(&[b"PEXPIREAT", key, ms.to_string().as_bytes()]),
            Reply::Int(1)
        );
    }
}

/// One fixture key: database, key, value, expiry, and the encoding Redis reports for it
/// (`OBJECT ENCODING`) when created with the default settings or loaded from our file.
pub(crate) struct Fixture {
    pub(crate) db: usize,
    pub(crate) key: Vec<u8>,
    pub(crate) value: Value,
    pub(crate) expire_ms: Option<u64>,
    pub(crate) encoding: &'static str,
}

fn strs(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

/// Keys of every type, small and large, in several databases, some with an expiry
/// (`now_ms` + an hour and more, so Redis keeps them when loading).
pub(crate) fn fixtures(now_ms: u64) -> Vec<Fixture> {
    let mut rng = Rng::new(7);
    let mut f = Vec::new();
    let mut add = |db: usize, key: &[u8], value: Value, expire: bool, encoding: &'static str| {
        let expire_ms = expire.then(|| now_ms + 3_600_000 + f.len() as u64 * 1000 + 123);
        f.push(Fixture {
            db,
            key: key.to_vec(),
            value,
            expire_ms,
            encoding,
        });
    };
    // Strings: integer forms at each boundary, non-canonical integers, short, LZF-able, binary.
    for (i, s) in [
        "0",
        "-1",
        "127",
        "128",
        "-128",
        "-129",
        "32767",
        "32768",
        "-32769",
        "2147483647",
        "2147483648",
        "-2147483648",
        "-2147483649",
        "9223372036854775807",
        "-9223372036854775808",
    ]
    .iter()
    .enumerate()
    {
        add(
            0,
            format!("str:int:{i}").as_bytes(),
            Value::String(s.as_bytes().to_vec()),
            i % 5 == 0,
            "int",
        );
    }
    for (i, s) in [
        "",
        "a",
        "007",
        "+1",
        "-0",
        "1.5",
        " 1",
        "12345678901234567890123",
    ]
    .iter()
    .enumerate()
    {
        add(
            0,
            format!("str:text:{i}").as_bytes(),
            Value::String(s.as_bytes().to_vec()),
            false,
            "embstr",
        );
    }
    add(0, b"str:20", Value::String(vec![b'x'; 20]), false, "embstr");
    add(
        0,
        b"str:21-compressible",
        Value::String(vec![b'x'; 21]),
        true,
        "embstr",
    );
    add(
        0,
        b"str:binary",
        Value::String(rng.bytes(100)),
        false,
        "raw",
    );
    add(
        0,
        b"str:big-compressible",
        Value::String(b"0123456789abcdef".repeat(6400)),
        false,
        "raw",
    );
    add(
        0,
        b"str:big-random",
        Value::String(rng.bytes(50_000)),
        false,
        "raw",
    );
    add(
        0,
        b"\x00\xffbinary key\r\n",
        Value::String(b"v".to_vec()),
        false,
        "embstr",
    );
    add(
        0,
        &b"long-compressible-key-".repeat(10),
        Value::String(b"v".to_vec()),
        false,
        "embstr",
    );
    // Lists.
    add(
        0,
        b"list:small",
        Value::List(strs(&["a", "1", "-1", "hello", "", "a"])),
        true,
        "quicklist",
    );
    let mut ints: Vec<Vec<u8>> = Vec::new();
    for b in [0i64, 127, 4095, 32767, 8_388_607, 2_147_483_647, i64::MAX] {
        for v in [Some(b), b.checked_add(1), Some(-b), (-b).checked_sub(1)]
            .into_iter()
            .flatten()
        {
            ints.push(v.to_string().into_bytes());
        }
    }
    ints.push(i64::MIN.to_string().into_bytes());
    add(
        0,
        b"list:int-boundaries",
        Value::List(ints),
        false,
        "quicklist",
    );
    add(
        0,
        b"list:lengths",
        Value::List(
            [0usize, 1, 63, 64, 4095, 4096, 9000]
                .iter()
                .map(|&n| vec![b'q'; n])
                .collect(),
        ),
        false,
        "quicklist",
    );
    let big: Vec<Vec<u8>> = (0..20_000)
        .map(|i| match i % 3 {
            0 => format!("item:{i}").into_bytes(),
            1 => i.to_string().into_bytes(),
            _ if i % 1000 == 2 => rng.bytes(9000),
            _ => format!("{:>40}", i).into_bytes(),
        })
        .collect();
    add(1, b"list:big", Value::List(big), true, "quicklist");
    // Sets.
    add(
        0,
        b"set:intset",
        Value::Set(strs(&["3", "1", "2", "-5"])),
        false,
        "intset",
    );
    add(
        0,
        b"set:intset64",
        Value::Set(strs(&["-9223372036854775808", "9223372036854775807", "0"])),
        true,
        "intset",
    );
    add(
        0,
        b"set:strings",
        Value::Set(strs(&["a", "b", "c"])),
        false,
        "hashtable",
    );
    add(
        0,
        b"set:mixed",
        Value::Set(strs(&["1", "a", "01"])),
        false,
        "hashtable",
    );
    add(
        0,
        b"set:ints-512",
        Value::Set(
            (0..512)
                .map(|i| (i * 7 - 100).to_string().into_bytes())
                .collect(),
        ),
        false,
        "intset",
    );
    add(
        1,
        b"set:ints-1000",
        Value::Set(
            (0..1000)
                .map(|i| (i * 3).to_string().into_bytes())
                .collect(),
        ),
        false,
        "hashtable",
    );
    add(
        1,
        b"set:strings-1000",
        Value::Set(
            (0..1000)
                .map(|i| format!("member-{i}").into_bytes())
                .collect(),
        ),
        true,
        "hashtable",
    );
    // Hashes.
    add(
        0,
        b"hash:small",
        Value::Hash(vec![
            (b"f1".to_vec(), b"v1".to_vec()),
            (b"n".to_vec(), b"123".to_vec()),
            (b"neg".to_vec(), b"-5".to_vec()),
            (b"".to_vec(), b"".to_vec()),
            (vec![b'k'; 64], vec![b'v'; 64]),
        ]),
        true,
        "listpack",
    );
    add(
        0,
        b"hash:long-value",
        Value::Hash(vec![(b"f".to_vec(), vec![b'v'; 65])]),
        false,
        "hashtable",
    );
    add(
        15,
        b"hash:600",
        Value::Hash(
            (0..600)
                .map(|i| {
                    (
                        format!("field:{i}").into_bytes(),
                        i.to_string().into_bytes(),
                    )
                })
                .collect(),
        ),
        false,
        "hashtable",
    );
    add(
        15,
        b"hash:512",
        Value::Hash(
            (0..512)
                .map(|i| {
                    (
                        format!("f{i}").into_bytes(),
                        format!("value {i}").into_bytes(),
                    )
                })
                .collect(),
        ),
        true,
        "listpack",
    );
    // Sorted sets.
    let scores = [
        0.0,
        1.0,
        -1.0,
        0.1,
        1.5,
        1e300,
        -1e-300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        9_007_199_254_740_992.0,
        1e17,
        123_456_789.123,
        4_503_599_627_370_495.0,
        -4_503_599_627_370_496.0,
        2.5e-5,
    ];
    add(
        0,
        b"zset:small",
        Value::ZSet(
            scores
                .iter()
                .enumerate()
                .map(|(i, &s)| (format!("m{i}").into_bytes(), s))
                .collect(),
        ),
        true,
        "listpack",
    );
    add(
        0,
        b"zset:int-members",
        Value::ZSet(vec![
            (b"1".to_vec(), 2.0),
            (b"200000".to_vec(), 2.0),
            (b"x".to_vec(), 2.0),
        ]),
        false,
        "listpack",
    );
    add(
        0,
        b"zset:long-member",
        Value::ZSet(vec![(vec![b'm'; 65], 1.0)]),
        false,
        "skiplist",
    );
    add(
        0,
        b"zset:128",
        Value::ZSet(
            (0..128)
                .map(|i| (format!("m{i}").into_bytes(), f64::from(i) / 4.0))
                .collect(),
        ),
        false,
        "listpack",
    );
    let mut z200: Vec<(Vec<u8>, f64)> = (0..200)
        .map(|i| {
            (
                format!("member:{i}").into_bytes(),
                f64::from(i) * 1.37 - 50.0 + 1.0 / 3.0,
            )
        })
        .collect();
    z200[0].1 = f64::INFINITY;
    z200[1].1 = f64::NEG_INFINITY;
    z200[2].1 = 0.1;
    z200[3].1 = 0.1; // a tie, ordered by member
    add(1, b"zset:200", Value::ZSet(z200), true, "skiplist");
    f
}
