//! Keyspace entries as RDB values and back: what DUMP, RESTORE, SAVE and loading a `dump.rdb`
//! share. The value model of [`crate::rdb`] is independent of encodings; converting into an
//! entry re-applies this server's thresholds, so a small hash loaded from any file is compact
//! again.

use crate::entry::{Entry, EntryMeta, EntryRef, Kind};
use crate::rdb::Value;
use crate::types::{self, hash, list, set, zset, Limits, Open, View};

/// The RDB value of an entry.
pub fn to_value(e: &EntryRef<'_>) -> Value {
    let Some(v) = View::of(e) else {
        return Value::String(e.value().to_vec());
    };
    match e.kind() {
        Kind::List => Value::List(list::iter(v).map(<[u8]>::to_vec).collect()),
        Kind::Hash => Value::Hash(
            hash::iter(v)
                .map(|(f, x)| (f.to_vec(), x.to_vec()))
                .collect(),
        ),
        Kind::Set => Value::Set(set::members(v)),
        Kind::ZSet => Value::ZSet(
            zset::items(v)
                .into_iter()
                .map(|(m, s)| (m.to_vec(), s))
                .collect(),
        ),
        Kind::Stream => match v {
            View::Big(types::Big::Stream(st)) => Value::Stream(Box::new(st.clone())),
            _ => Value::Stream(Box::default()),
        },
        Kind::String => Value::String(e.value().to_vec()),
    }
}

/// An entry holding `value` under `key`, in the encoding `limits` choose.
pub fn to_entry(key: &[u8], value: &Value, limits: &Limits, meta: EntryMeta) -> Entry {
    let kind = match value {
        Value::String(s) => {
            return Entry::new(
                key,
                s,
                EntryMeta {
                    kind: Kind::String,
                    ..meta
                },
            )
        }
        Value::List(_) => Kind::List,
        Value::Hash(_) => Kind::Hash,
        Value::Set(_) => Kind::Set,
        Value::ZSet(_) => Kind::ZSet,
        Value::Stream(st) => {
            let meta = EntryMeta {
                kind: Kind::Stream,
                ..meta
            };
            return Entry::new_big(key, Box::new(types::Big::Stream((**st).clone())), meta);
        }
    };
    let mut o = Open::Packed(types::new_packed(kind));
    match value {
        Value::List(items) => {
            let items: Vec<&[u8]> = items.iter().map(|i| &i[..]).collect();
            list::push(&mut o, limits, &items, false);
        }
        Value::Hash(pairs) => {
            for (f, x) in pairs {
                hash::set(&mut o, limits, f, x);
            }
        }
        Value::Set(members) => {
            for m in members {
                set::add(&mut o, limits, m);
            }
        }
        Value::ZSet(items) => {
            for (m, s) in items {
                zset::insert(&mut o, limits, m, *s);
            }
        }
        Value::String(_) | Value::Stream(_) => {}
    }
    let meta = EntryMeta { kind, ..meta };
    match o {
        Open::Packed(b) => Entry::new(key, &b, meta),
        Open::New(big) => Entry::new_big(key, big, meta),
        Open::Big(big) => Entry::new_big(key, Box::new(big.clone()), meta),
    }
}

/// True when a value holds nothing (an empty collection is never stored).
pub fn is_empty(value: &Value) -> bool {
    match value {
        Value::String(_) | Value::Stream(_) => false,
        Value::List(v) | Value::Set(v) => v.is_empty(),
        Value::Hash(v) => v.is_empty(),
        Value::ZSet(v) => v.is_empty(),
    }
}
