//! Random command sequences checked against a model: strings, counters, lists and sets over a
//! few keys, each reply compared with what a `BTreeMap` of plain Rust values says it must be
//! (types, WRONGTYPE, emptied collections deleting their key, counters' overflow), and the
//! key count compared after every command.
#![no_main]

use engine::{Engine, ReplyBuf, Session};
use libfuzzer_sys::fuzz_target;
use resp::{parse_value, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

#[derive(Clone, Debug, PartialEq)]
enum V {
    Str(Vec<u8>),
    List(VecDeque<Vec<u8>>),
    Set(BTreeSet<Vec<u8>>),
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

fn err(s: &str) -> Value {
    Value::Error(s.to_string())
}

fn bulk(b: &[u8]) -> Value {
    Value::Bulk(b.to_vec())
}

/// What the model answers to `args`, updating itself.
fn model(m: &mut BTreeMap<Vec<u8>, V>, args: &[Vec<u8>]) -> Value {
    let name = String::from_utf8_lossy(&args[0]).to_ascii_uppercase();
    let key = args[1].clone();
    let val = args.get(2).cloned().unwrap_or_default();
    match name.as_str() {
        "SET" => {
            m.insert(key, V::Str(val));
            Value::Simple("OK".into())
        }
        "GET" => match m.get(&key) {
            None => Value::Null,
            Some(V::Str(s)) => bulk(s),
            Some(_) => err(WRONGTYPE),
        },
        "DEL" => Value::Int(i64::from(m.remove(&key).is_some())),
        "EXISTS" => Value::Int(i64::from(m.contains_key(&key))),
        "TYPE" => Value::Simple(
            match m.get(&key) {
                None => "none",
                Some(V::Str(_)) => "string",
                Some(V::List(_)) => "list",
                Some(V::Set(_)) => "set",
            }
            .into(),
        ),
        "APPEND" => match m.entry(key).or_insert_with(|| V::Str(Vec::new())) {
            V::Str(s) => {
                s.extend_from_slice(&val);
                Value::Int(s.len() as i64)
            }
            _ => err(WRONGTYPE),
        },
        "INCR" => {
            let cur = match m.get(&key) {
                None => Some(0i64),
                Some(V::Str(s)) => std::str::from_utf8(s)
                    .ok()
                    .filter(|t| !t.is_empty() && !t.starts_with('+') && t.len() <= 20)
                    .and_then(|t| t.parse::<i64>().ok())
                    .filter(|n| n.to_string().as_bytes() == &s[..]),
                Some(_) => return err(WRONGTYPE),
            };
            match cur {
                None => err("ERR value is not an integer or out of range"),
                Some(n) => match n.checked_add(1) {
                    None => err("ERR increment or decrement would overflow"),
                    Some(n) => {
                        m.insert(key, V::Str(n.to_string().into_bytes()));
                        Value::Int(n)
                    }
                },
            }
        }
        "LPUSH" | "RPUSH" => match m.entry(key).or_insert_with(|| V::List(VecDeque::new())) {
            V::List(l) => {
                if name == "LPUSH" {
                    l.push_front(val);
                } else {
                    l.push_back(val);
                }
                Value::Int(l.len() as i64)
            }
            _ => err(WRONGTYPE),
        },
        "LPOP" | "RPOP" => {
            let (got, empty) = match m.get_mut(&key) {
                None => return Value::Null,
                Some(V::List(l)) => {
                    let v = if name == "LPOP" {
                        l.pop_front()
                    } else {
                        l.pop_back()
                    };
                    (v, l.is_empty())
                }
                Some(_) => return err(WRONGTYPE),
            };
            if empty {
                m.remove(&key);
            }
            got.map_or(Value::Null, |v| bulk(&v))
        }
        "LLEN" => match m.get(&key) {
            None => Value::Int(0),
            Some(V::List(l)) => Value::Int(l.len() as i64),
            Some(_) => err(WRONGTYPE),
        },
        "SADD" => match m.entry(key).or_insert_with(|| V::Set(BTreeSet::new())) {
            V::Set(s) => Value::Int(i64::from(s.insert(val))),
            _ => err(WRONGTYPE),
        },
        "SREM" => {
            let (n, empty) = match m.get_mut(&key) {
                None => return Value::Int(0),
                Some(V::Set(s)) => (i64::from(s.remove(&val)), s.is_empty()),
                Some(_) => return err(WRONGTYPE),
            };
            if empty {
                m.remove(&key);
            }
            Value::Int(n)
        }
        "SCARD" => match m.get(&key) {
            None => Value::Int(0),
            Some(V::Set(s)) => Value::Int(s.len() as i64),
            Some(_) => err(WRONGTYPE),
        },
        "SISMEMBER" => match m.get(&key) {
            None => Value::Int(0),
            Some(V::Set(s)) => Value::Int(i64::from(s.contains(&val))),
            Some(_) => err(WRONGTYPE),
        },
        _ => unreachable!("not in the vocabulary"),
    }
}

/// (command, takes a value)
const COMMANDS: &[(&str, bool)] = &[
    ("SET", true),
    ("GET", false),
    ("DEL", false),
    ("EXISTS", false),
    ("TYPE", false),
    ("APPEND", true),
    ("INCR", false),
    ("LPUSH", true),
    ("RPUSH", true),
    ("LPOP", false),
    ("RPOP", false),
    ("LLEN", false),
    ("SADD", true),
    ("SREM", true),
    ("SCARD", false),
    ("SISMEMBER", true),
];

const VALUES: &[&[u8]] = &[
    b"1",
    b"-1",
    b"9223372036854775806",
    b"007",
    b"",
    b"x",
    b"a\0b",
    b"12",
];

fuzz_target!(|data: &[u8]| {
    let engine = Engine::with_defaults();
    let mut session = Session::detached(&engine.clients, "fuzz", 0, 0);
    let mut m: BTreeMap<Vec<u8>, V> = BTreeMap::new();
    for chunk in data.chunks(3).take(300) {
        let (cmd, with_value) = COMMANDS[chunk[0] as usize % COMMANDS.len()];
        let key = format!("k{}", chunk.get(1).copied().unwrap_or(0) % 4).into_bytes();
        let mut args = vec![cmd.as_bytes().to_vec(), key];
        if with_value {
            args.push(VALUES[chunk.get(2).copied().unwrap_or(0) as usize % VALUES.len()].to_vec());
        }
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
        let mut out = ReplyBuf::new(false);
        engine.execute(&mut session, &argv, &mut out);
        let (got, used) = parse_value(&out.buf).expect("one well-formed reply");
        assert_eq!(used, out.buf.len(), "exactly one reply to {args:?}");
        let want = model(&mut m, &args);
        assert_eq!(got, want, "{args:?}");
        let mut out = ReplyBuf::new(false);
        engine.execute(&mut session, &[b"DBSIZE"], &mut out);
        let (size, _) = parse_value(&out.buf).expect("DBSIZE");
        assert_eq!(size, Value::Int(m.len() as i64), "key count after {args:?}");
    }
});
