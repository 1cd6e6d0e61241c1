//! Random command sequences from a small vocabulary over a few keys: every command gets exactly
//! one well-formed reply, and no command ever reaches the "internal error" path (a panic caught
//! by the dispatcher).
#![no_main]

use engine::{Engine, ReplyBuf, Session};
use libfuzzer_sys::fuzz_target;

const WORDS: &[&str] = &[
    "GET",
    "SET",
    "DEL",
    "INCR",
    "INCRBY",
    "DECRBY",
    "INCRBYFLOAT",
    "APPEND",
    "SETRANGE",
    "GETRANGE",
    "EXPIRE",
    "PEXPIRE",
    "PERSIST",
    "TTL",
    "GETEX",
    "GETDEL",
    "MSET",
    "MGET",
    "RENAME",
    "COPY",
    "MOVE",
    "SWAPDB",
    "SCAN",
    "KEYS",
    "LCS",
    "EXISTS",
    "OBJECT",
    "ENCODING",
    "SELECT",
    "FLUSHDB",
    "EX",
    "PX",
    "NX",
    "XX",
    "GT",
    "LT",
    "KEEPTTL",
    "MATCH",
    "COUNT",
    "TYPE",
    "IDX",
    "LEN",
    "k1",
    "k2",
    "k3",
    "0",
    "1",
    "-1",
    "10",
    "9223372036854775807",
    "-9223372036854775808",
    "1.5",
    "inf",
    "*",
    "k*",
    "[a-",
    "",
    "\u{0}",
];

fuzz_target!(|data: &[u8]| {
    let engine = Engine::with_defaults();
    let mut session = Session::detached(&engine.clients, "fuzz", 0, 0);
    for cmd in data.split(|&b| b == 0xff).take(64) {
        let args: Vec<&[u8]> = cmd
            .iter()
            .take(12)
            .map(|&b| WORDS[b as usize % WORDS.len()].as_bytes())
            .collect();
        if args.is_empty() {
            continue;
        }
        let mut out = ReplyBuf::new(session.resp3);
        engine.execute(&mut session, &args, &mut out);
        let (value, used) = resp::parse_value(&out.buf).expect("a complete reply");
        assert_eq!(used, out.buf.len(), "exactly one reply");
        if let resp::Value::Error(e) = value {
            assert!(!e.contains("internal error"), "{args:?} panicked: {e}");
        }
    }
});
