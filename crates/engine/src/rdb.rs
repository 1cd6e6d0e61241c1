//! The Redis RDB format: the snapshot `SAVE` / `BGSAVE` write and start-up loads, and the
//! `DUMP` / `RESTORE` payloads. Engine-independent: values are plain [`Value`]s.
//!
//! - [`load`] (and [`load_prefix`]) read a whole file and hand every key to a callback, in file
//!   order; aux fields go to another callback.
//! - [`Writer`] streams a file that Redis 7.0 loads and `redis-check-rdb` accepts.
//! - [`dump_payload`] / [`restore_payload`] (with [`verify_payload`]) are `DUMP` and `RESTORE`.
//!
//! # The file
//! ```text
//! "REDIS" "0010"                        magic, 4-digit version (Redis 7.0 writes 10)
//! 0xFA <string> <string>                AUX field: redis-ver, redis-bits, ctime, used-mem, aof-base
//! 0xF5 <string>                         FUNCTION2: one function library's source
//! 0xFE <length>                         SELECTDB: the keys that follow are in this database
//! 0xFB <length> <length>                RESIZEDB: number of keys and of keys with an expiry (a hint)
//! 0xFC <i64 LE>                         EXPIRETIME_MS: absolute unix ms, for the next key
//! 0xFD <i32 LE>                         EXPIRETIME: the same in seconds (old files)
//! 0xF8 <length> / 0xF9 <u8>             IDLE / FREQ: LRU / LFU hints for the next key
//! <type u8> <string key> <value>        one key
//! 0xFF <u64 LE>                         EOF, then the CRC-64 of every byte before (0: not computed)
//! ```
//! A *length* is `00xxxxxx` (6 bits), `01xxxxxx xxxxxxxx` (14 bits, big endian), `0x80` + u32 BE
//! or `0x81` + u64 BE. A *string* is a length and its bytes, or a special form `11xxxxxx`:
//! `0xC0`/`0xC1`/`0xC2` + an 8/16/32-bit LE integer (the string is its decimal form), or
//! `0xC3` + compressed length + plain length + LZF data.
//!
//! # Value types
//! | type | encoding | load | write |
//! |---|---|---|---|
//! | 0 | string | yes | yes: integer form when the string is a canonical integer fitting 32 bits, LZF above 20 bytes when it saves 4+ bytes, else plain |
//! | 1 | list as strings | yes | no |
//! | 2 | set as strings | yes | sets that cannot be intsets |
//! | 3 | sorted set, scores as strings | yes | no |
//! | 4 | hash as strings | yes | hashes that cannot be listpacks |
//! | 5 | sorted set, binary double scores (`ZSET_2`) | yes | sorted sets that cannot be listpacks |
//! | 9 | hash as zipmap | yes | no |
//! | 10 | list as ziplist | yes | no |
//! | 11 | set as intset | yes | up to `set-max-intset-entries` (512) canonical integers |
//! | 12 / 13 | sorted set / hash as ziplist | yes | no |
//! | 14 | list as quicklist of ziplists | yes | no |
//! | 16 | hash as listpack | yes | up to 512 fields, fields and values up to 64 bytes |
//! | 17 | sorted set as listpack | yes | up to 128 members of up to 64 bytes |
//! | 18 | list as quicklist of listpacks (`QUICKLIST_2`, PLAIN or PACKED nodes) | yes | every list: PACKED nodes of up to 8 KB (`list-max-listpack-size -2`), PLAIN for elements of 1 GiB or more |
//! | 20 | set as listpack (Redis 7.2, RDB 11) | yes | no |
//! | 6, 7 / 15, 19, 21 | modules / streams | refused with an error | no |
//!
//! These are the choices Redis 7.0 makes with its default settings (`hash-max-listpack-entries`
//! 512, `hash-max-listpack-value` 64, `zset-max-listpack-entries` 128, `zset-max-listpack-value`
//! 64, `set-max-intset-entries` 512, `list-max-listpack-size` -2, `rdbcompression yes`), so a
//! file written here loads in Redis with the encodings Redis would have picked; [`Options`]
//! changes them. Listpacks are byte-identical to Redis's (integers in the narrowest encoding,
//! sorted-set scores formatted as Redis's `d2string`, `%.17g`); LZF output differs from
//! liblzf's (it is valid LZF; readers only decompress), so a compressed `DUMP` payload may differ
//! from Redis's byte for byte while meaning the same.
//!
//! # Checking
//! Everything read from a file is checked before use: every length against the bytes left (a
//! length larger than the input is an error, never an allocation; LZF's declared size against
//! what the compressed bytes can produce), listpacks, ziplists, zipmaps and intsets as Redis's
//! deep sanitization does (sizes, counts, backlens, prevlens, ordering), duplicate set members,
//! hash fields and sorted-set members, NaN scores. Errors name the byte offset. Nothing panics
//! on any input.
//!
//! # Loading semantics (as Redis)
//! Empty collections are skipped (Redis skips such keys when loading a file, and refuses them in
//! `RESTORE`). Sorted sets stored as skiplists (types 3, 5) are written by Redis highest score
//! first; they are returned reversed, so every sorted set Redis wrote comes back in ascending
//! (score, member) order. Keys already expired are returned with their expiry: dropping them
//! (Redis does, on a master, except for an AOF base) is the caller's choice. A negative expiry
//! (before 1970) is returned as 0. `FUNCTION2` records (function libraries) are not loaded:
//! each is reported to `on_aux` under the name `function` (not an aux field Redis writes) so
//! the caller can warn about it.

use std::borrow::Cow;
use std::fmt::{self, Display};
use std::io::{self, Write};

mod crc64;
mod intset;
pub(crate) mod listpack;
mod lzf;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
mod ziplist;

use listpack::Item;

/// The RDB version written by [`Writer`] and in `DUMP` payloads (Redis 7.0's).
pub const RDB_VERSION: u16 = 10;
/// The newest RDB version [`load`] accepts (Redis 7.2 writes 11; its only additions, set
/// listpacks and a stream variant, are handled: the first loaded, the second refused).
pub const MAX_LOAD_VERSION: u16 = 11;
/// The `redis-ver` aux field [`Writer`] writes.
pub const REDIS_VERSION: &str = "7.0.15";

const OP_FUNCTION2: u8 = 245;
const OP_FUNCTION_PRE_GA: u8 = 246;
const OP_MODULE_AUX: u8 = 247;
const OP_IDLE: u8 = 248;
const OP_FREQ: u8 = 249;
const OP_AUX: u8 = 250;
const OP_RESIZEDB: u8 = 251;
const OP_EXPIRETIME_MS: u8 = 252;
const OP_EXPIRETIME: u8 = 253;
const OP_SELECTDB: u8 = 254;
const OP_EOF: u8 = 255;

const T_STRING: u8 = 0;
const T_LIST: u8 = 1;
const T_SET: u8 = 2;
const T_ZSET: u8 = 3;
const T_HASH: u8 = 4;
const T_ZSET_2: u8 = 5;
const T_MODULE_PRE_GA: u8 = 6;
const T_MODULE_2: u8 = 7;
const T_HASH_ZIPMAP: u8 = 9;
const T_LIST_ZIPLIST: u8 = 10;
const T_SET_INTSET: u8 = 11;
const T_ZSET_ZIPLIST: u8 = 12;
const T_HASH_ZIPLIST: u8 = 13;
const T_LIST_QUICKLIST: u8 = 14;
const T_STREAM_LISTPACKS: u8 = 15;
const T_HASH_LISTPACK: u8 = 16;
const T_ZSET_LISTPACK: u8 = 17;
const T_LIST_QUICKLIST_2: u8 = 18;
const T_STREAM_LISTPACKS_2: u8 = 19;
const T_SET_LISTPACK: u8 = 20;
const T_STREAM_LISTPACKS_3: u8 = 21;

const QUICKLIST_PLAIN: u64 = 1;
const QUICKLIST_PACKED: u64 = 2;
/// Elements at least this long get a PLAIN quicklist node: Redis's default `packed_threshold`
/// (DEBUG QUICKLIST-PACKED-THRESHOLD changes it).
pub const PLAIN_THRESHOLD: usize = 1 << 30;
/// The writer hands its buffer to the output when it grows past this.
const FLUSH_AT: usize = 64 * 1024;

/// A value, independent of any engine's representation.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string.
    String(Vec<u8>),
    /// A list, head first.
    List(Vec<Vec<u8>>),
    /// A set's members, all distinct (loaded in file order).
    Set(Vec<Vec<u8>>),
    /// A hash's (field, value) pairs, fields distinct (loaded in file order).
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    /// A sorted set's (member, score) pairs, members distinct, no NaN score. Loaded in
    /// ascending order for every file Redis writes (see the module notes); any order is
    /// accepted when writing.
    ZSet(Vec<(Vec<u8>, f64)>),
    /// A stream: its nodes as Redis lays them out, its groups and their pending entries.
    Stream(Box<crate::types::stream::Stream>),
}

impl Value {
    /// The type name `TYPE` replies: `string`, `list`, `set`, `hash` or `zset`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Hash(_) => "hash",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    fn is_empty_collection(&self) -> bool {
        match self {
            Value::String(_) => false,
            Value::List(v) | Value::Set(v) => v.is_empty(),
            Value::Hash(v) => v.is_empty(),
            Value::ZSet(v) => v.is_empty(),
            Value::Stream(_) => false,
        }
    }
}

/// One key read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The database (`SELECTDB`; 0 before any). Not bounded here: check it against the
    /// configured number of databases.
    pub db: usize,
    /// The key.
    pub key: Vec<u8>,
    /// The value.
    pub value: Value,
    /// Absolute expiry in unix milliseconds, if any (possibly already past).
    pub expire_ms: Option<u64>,
    /// The `IDLE` or `FREQ` opcode before it, if any.
    pub hint: Option<Hint>,
    /// Where the entry ends in the file (progress reports).
    pub end: usize,
}

/// What Redis saves of a key's access clock under an LRU or LFU `maxmemory-policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hint {
    /// `IDLE`: seconds since the last access (LRU policies).
    Idle(u64),
    /// `FREQ`: the logarithmic access counter (LFU policies).
    Freq(u8),
}

/// What [`Writer`] and [`dump_payload_with`] write: aux fields and Redis's encoding
/// thresholds. [`Options::default`] is Redis 7.0's defaults.
#[derive(Clone, Debug)]
pub struct Options {
    /// The `aof-base` aux field: 1 when the file is the base of a multi-part AOF.
    pub aof_base: bool,
    /// The `ctime` aux field (unix seconds); `None`: now.
    pub ctime: Option<u64>,
    /// The `used-mem` aux field (bytes; Redis only logs it at load).
    pub used_mem: u64,
    /// `rdbcompression`: LZF-compress strings longer than 20 bytes when that saves space.
    pub compression: bool,
    /// `rdbchecksum`: write the CRC-64 trailer (else 0, which readers take as "not computed").
    pub checksum: bool,
    /// `hash-max-listpack-entries`.
    pub hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value`.
    pub hash_max_listpack_value: usize,
    /// `zset-max-listpack-entries`.
    pub zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value`.
    pub zset_max_listpack_value: usize,
    /// `set-max-intset-entries`.
    pub set_max_intset_entries: usize,
    /// `list-max-listpack-size`: -1 to -5 limit each quicklist node to 4, 8, 16, 32 or 64 KB,
    /// a positive number to that many elements (and 8 KB).
    pub list_max_listpack_size: i64,
    /// List elements at least this long are PLAIN quicklist nodes of their own.
    pub plain_threshold: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            aof_base: false,
            ctime: None,
            used_mem: 0,
            compression: true,
            checksum: true,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            set_max_intset_entries: 512,
            list_max_listpack_size: -2,
            plain_threshold: PLAIN_THRESHOLD,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// A length or the marker of a specially encoded string.
enum Len {
    Plain(u64),
    Special(u8),
}

/// A cursor over the input; every error names an absolute offset.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// The longest string it decodes: an entry's limit for files, `proto-max-bulk-len` for a
    /// RESTORE payload (a value no client could have written is refused before it is built).
    max_string: usize,
}

/// Why RDB bytes (a file, an AOF's RDB preamble, a DUMP payload) were refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A DUMP payload's footer: shorter than 10 bytes, a newer RDB version or a wrong CRC-64
    /// (RESTORE answers Redis's `DUMP payload version or checksum are wrong`).
    Footer(String),
    /// Bytes that are not what Redis writes, or that end too soon, at `offset` of the input
    /// (RESTORE answers `Bad data format`; loading names the file and the offset).
    Format {
        /// Byte offset into the input.
        offset: usize,
        /// What was wrong there.
        why: String,
    },
    /// An entry refused by whoever receives the entries (`on_entry`), returned as is.
    Refused(String),
}

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Footer(why) => write!(f, "DUMP payload version or checksum are wrong: {why}"),
            Error::Format { offset, why } => write!(f, "offset {offset}: {why}"),
            Error::Refused(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// The same error, naming the key whose value it was found in.
    fn in_key(self, key: &[u8]) -> Error {
        match self {
            Error::Format { offset, why } => Error::Format {
                offset,
                why: format!("{why} (key {})", Show(key)),
            },
            other => other,
        }
    }
}

/// The little-endian u64 at the start of `b` (8 bytes the caller checked are there).
fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

fn at(offset: usize, msg: impl Display) -> Error {
    Error::Format {
        offset,
        why: msg.to_string(),
    }
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`, with an entry's string limit.
    fn new(data: &'a [u8]) -> Self {
        Reader {
            data,
            pos: 0,
            max_string: crate::entry::MAX_VALUE_LEN,
        }
    }

    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], Error> {
        if n > self.remaining() {
            return Err(at(
                self.pos,
                format_args!("{what}: needs {n} bytes, {} left", self.remaining()),
            ));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], Error> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes(N, what)?);
        Ok(a)
    }

    fn byte(&mut self, what: &str) -> Result<u8, Error> {
        Ok(self.array::<1>(what)?[0])
    }

    fn raw_len(&mut self, what: &str) -> Result<Len, Error> {
        let start = self.pos;
        let b = self.byte(what)?;
        Ok(match b >> 6 {
            0 => Len::Plain(u64::from(b & 0x3f)),
            1 => Len::Plain((u64::from(b & 0x3f) << 8) | u64::from(self.byte(what)?)),
            2 => match b {
                0x80 => Len::Plain(u64::from(u32::from_be_bytes(self.array(what)?))),
                0x81 => Len::Plain(u64::from_be_bytes(self.array(what)?)),
                _ => {
                    return Err(at(
                        start,
                        format_args!("{what}: invalid length encoding 0x{b:02x}"),
                    ))
                }
            },
            _ => Len::Special(b & 0x3f),
        })
    }

    fn length(&mut self, what: &str) -> Result<u64, Error> {
        let start = self.pos;
        match self.raw_len(what)? {
            Len::Plain(n) => Ok(n),
            Len::Special(_) => Err(at(
                start,
                format_args!("{what}: expected a length, found a string encoding"),
            )),
        }
    }

    /// A count of items that each take at least `min_bytes` bytes: larger than the input can
    /// hold is an error.
    fn count(&mut self, what: &str, min_bytes: u64) -> Result<usize, Error> {
        let start = self.pos;
        let n = self.length(what)?;
        match n.checked_mul(min_bytes) {
            Some(need) if need <= self.remaining() as u64 => Ok(n as usize),
            _ => Err(at(
                start,
                format_args!(
                    "{what} {n} is more than the {} bytes left can hold",
                    self.remaining()
                ),
            )),
        }
    }

    fn check_string_len(&self, start: usize, n: u64, what: &str) -> Result<(), Error> {
        if n > self.max_string as u64 {
            return Err(at(
                start,
                format_args!(
                    "{what}: length {n} is over the limit of {}",
                    self.max_string
                ),
            ));
        }
        Ok(())
    }

    fn string(&mut self, what: &str) -> Result<Cow<'a, [u8]>, Error> {
        let start = self.pos;
        match self.raw_len(what)? {
            Len::Plain(n) => {
                self.check_string_len(start, n, what)?;
                if n > self.remaining() as u64 {
                    return Err(at(
                        start,
                        format_args!(
                            "{what}: length {n} is more than the {} bytes left",
                            self.remaining()
                        ),
                    ));
                }
                Ok(Cow::Borrowed(self.bytes(n as usize, what)?))
            }
            Len::Special(0) => Ok(Cow::Owned(
                i8::from_le_bytes(self.array(what)?)
                    .to_string()
                    .into_bytes(),
            )),
            Len::Special(1) => Ok(Cow::Owned(
                i16::from_le_bytes(self.array(what)?)
                    .to_string()
                    .into_bytes(),
            )),
            Len::Special(2) => Ok(Cow::Owned(
                i32::from_le_bytes(self.array(what)?)
                    .to_string()
                    .into_bytes(),
            )),
            Len::Special(3) => {
                let clen = self.length(what)?;
                let ulen = self.length(what)?;
                if clen > self.remaining() as u64 {
                    return Err(at(
                        start,
                        format_args!(
                            "{what}: LZF length {clen} is more than the {} bytes left",
                            self.remaining()
                        ),
                    ));
                }
                if clen == 0 || ulen == 0 {
                    return Err(at(start, format_args!("{what}: empty LZF string")));
                }
                self.check_string_len(start, ulen, what)?;
                let data = self.bytes(clen as usize, what)?;
                let ulen = usize::try_from(ulen).unwrap_or(usize::MAX);
                lzf::decompress(data, ulen)
                    .map(Cow::Owned)
                    .map_err(|e| at(start, format_args!("{what}: {e}")))
            }
            Len::Special(x) => Err(at(
                start,
                format_args!("{what}: unknown string encoding {x}"),
            )),
        }
    }

    /// A string holding an encoded blob (listpack, ziplist, ...), decoded by `decode`.
    /// A string holding a ziplist (`ziplist`) or a listpack, decoded into items that
    /// `convert` turns into the value.
    fn packed<T>(
        &mut self,
        ziplist: bool,
        convert: impl FnOnce(Vec<Item<'_>>) -> Result<T, String>,
    ) -> Result<T, Error> {
        if ziplist {
            self.blob("ziplist", |b| ziplist::decode(b).and_then(convert))
        } else {
            self.blob("listpack", |b| listpack::decode(b).and_then(convert))
        }
    }

    fn blob<T>(
        &mut self,
        what: &str,
        decode: impl FnOnce(&[u8]) -> Result<T, String>,
    ) -> Result<T, Error> {
        let start = self.pos;
        let blob = self.string(what)?;
        decode(&blob).map_err(|e| at(start, format_args!("invalid {what}: {e}")))
    }

    /// A score in the old string form (`rdbLoadDoubleValue`).
    fn double_str(&mut self) -> Result<f64, Error> {
        let start = self.pos;
        match self.byte("score")? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let s = self.bytes(usize::from(n), "score")?;
                parse_score(s).ok_or_else(|| at(start, format_args!("invalid score {}", Show(s))))
            }
        }
    }
}

/// Parses a score written as text (strtod's job in Redis: decimal, exponent, `inf`, `-inf`).
pub(crate) fn parse_score(s: &[u8]) -> Option<f64> {
    std::str::from_utf8(s).ok()?.parse::<f64>().ok()
}

/// The value of `s` when it is an integer in the canonical form Redis's `string2ll` accepts:
/// optional `-`, no leading zeros, no `+`, no `-0`, fitting an i64.
pub(crate) fn canonical_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if v > 1u64 << 63 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// Bytes shown in an error message: printable ASCII as is, the rest escaped, at most 64 bytes.
struct Show<'a>(&'a [u8]);

impl Display for Show<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for &b in self.0.iter().take(64) {
            match b {
                b'"' | b'\\' => write!(f, "\\{}", b as char)?,
                0x20..=0x7e => write!(f, "{}", b as char)?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        f.write_str(if self.0.len() > 64 { "\"..." } else { "\"" })
    }
}

fn check_distinct<'x>(
    start: usize,
    what: &str,
    items: impl Iterator<Item = &'x [u8]>,
) -> Result<(), Error> {
    let mut v: Vec<&[u8]> = items.collect();
    v.sort_unstable();
    match v.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(at(start, format_args!("duplicate {what} {}", Show(w[0])))),
        None => Ok(()),
    }
}

fn zset_from_items(items: &[Item<'_>]) -> Result<Vec<(Vec<u8>, f64)>, String> {
    if !items.len().is_multiple_of(2) {
        return Err("sorted set encoding with an odd number of entries".to_string());
    }
    let mut pairs = Vec::with_capacity(items.len() / 2);
    for pair in items.chunks_exact(2) {
        match pair[1].score() {
            Some(score) if !score.is_nan() => pairs.push((pair[0].to_vec(), score)),
            _ => return Err(format!("invalid score {}", Show(&pair[1].to_vec()))),
        }
    }
    Ok(pairs)
}

/// A hash's (field, value) pairs.
type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

fn hash_from_items(items: &[Item<'_>]) -> Result<Pairs, String> {
    if !items.len().is_multiple_of(2) {
        return Err("hash encoding with an odd number of entries".to_string());
    }
    Ok(items
        .chunks_exact(2)
        .map(|p| (p[0].to_vec(), p[1].to_vec()))
        .collect())
}

/// Reads the value of a key of type `ty` (the type byte, at `ty_at`, already read).
fn read_object(r: &mut Reader<'_>, ty: u8, ty_at: usize) -> Result<Value, Error> {
    let start = r.pos;
    let value = match ty {
        T_STRING => Value::String(r.string("string value")?.into_owned()),
        T_LIST => {
            let n = r.count("list length", 1)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(r.string("list element")?.into_owned());
            }
            Value::List(items)
        }
        T_SET => {
            let n = r.count("set size", 1)?;
            let mut members = Vec::with_capacity(n);
            for _ in 0..n {
                members.push(r.string("set member")?.into_owned());
            }
            check_distinct(start, "set member", members.iter().map(|m| m.as_slice()))?;
            Value::Set(members)
        }
        T_ZSET | T_ZSET_2 => {
            let n = r.count("sorted set size", if ty == T_ZSET { 2 } else { 9 })?;
            let mut pairs = Vec::with_capacity(n);
            for _ in 0..n {
                let member = r.string("sorted set member")?.into_owned();
                let score_at = r.pos;
                let score = if ty == T_ZSET {
                    r.double_str()?
                } else {
                    f64::from_le_bytes(r.array("score")?)
                };
                if score.is_nan() {
                    return Err(at(score_at, "NaN score"));
                }
                pairs.push((member, score));
            }
            // Redis writes skiplists from the highest score down.
            pairs.reverse();
            check_distinct(
                start,
                "sorted set member",
                pairs.iter().map(|p| p.0.as_slice()),
            )?;
            Value::ZSet(pairs)
        }
        T_HASH => {
            let n = r.count("hash size", 2)?;
            let mut pairs = Vec::with_capacity(n);
            for _ in 0..n {
                let field = r.string("hash field")?.into_owned();
                let value = r.string("hash value")?.into_owned();
                pairs.push((field, value));
            }
            check_distinct(start, "hash field", pairs.iter().map(|p| p.0.as_slice()))?;
            Value::Hash(pairs)
        }
        T_HASH_ZIPMAP => {
            let pairs = r.blob("zipmap", |b| {
                ziplist::decode_zipmap(b).map(|ps| {
                    ps.into_iter()
                        .map(|(f, v)| (f.to_vec(), v.to_vec()))
                        .collect::<Vec<_>>()
                })
            })?;
            check_distinct(start, "hash field", pairs.iter().map(|p| p.0.as_slice()))?;
            Value::Hash(pairs)
        }
        T_LIST_ZIPLIST => Value::List(r.packed(true, |items| {
            Ok(items.into_iter().map(Item::to_vec).collect())
        })?),
        T_SET_INTSET => Value::Set(r.blob("intset", |b| {
            intset::decode(b).map(|v| v.into_iter().map(|i| i.to_string().into_bytes()).collect())
        })?),
        T_SET_LISTPACK => {
            let members: Vec<Vec<u8>> = r.packed(false, |items| {
                Ok(items.into_iter().map(Item::to_vec).collect())
            })?;
            check_distinct(start, "set member", members.iter().map(|m| m.as_slice()))?;
            Value::Set(members)
        }
        T_ZSET_ZIPLIST | T_ZSET_LISTPACK => {
            let pairs = r.packed(ty == T_ZSET_ZIPLIST, |i| zset_from_items(&i))?;
            check_distinct(
                start,
                "sorted set member",
                pairs.iter().map(|p| p.0.as_slice()),
            )?;
            Value::ZSet(pairs)
        }
        T_HASH_ZIPLIST | T_HASH_LISTPACK => {
            let pairs = r.packed(ty == T_HASH_ZIPLIST, |i| hash_from_items(&i))?;
            check_distinct(start, "hash field", pairs.iter().map(|p| p.0.as_slice()))?;
            Value::Hash(pairs)
        }
        T_LIST_QUICKLIST | T_LIST_QUICKLIST_2 => {
            let v2 = ty == T_LIST_QUICKLIST_2;
            let n = r.count("quicklist node count", if v2 { 2 } else { 1 })?;
            let mut items = Vec::new();
            for _ in 0..n {
                let container = if v2 {
                    let c_at = r.pos;
                    let c = r.length("quicklist container")?;
                    if c != QUICKLIST_PLAIN && c != QUICKLIST_PACKED {
                        return Err(at(c_at, format_args!("invalid quicklist container {c}")));
                    }
                    c
                } else {
                    QUICKLIST_PACKED
                };
                let node_at = r.pos;
                let node = r.string("quicklist node")?;
                if node.is_empty() {
                    return Err(at(node_at, "empty quicklist node"));
                }
                if container == QUICKLIST_PLAIN {
                    items.push(node.into_owned());
                    continue;
                }
                let decoded = if v2 {
                    listpack::decode(&node)
                        .map_err(|e| at(node_at, format_args!("invalid listpack: {e}")))?
                } else {
                    ziplist::decode(&node)
                        .map_err(|e| at(node_at, format_args!("invalid ziplist: {e}")))?
                };
                items.extend(decoded.into_iter().map(Item::to_vec));
            }
            Value::List(items)
        }
        T_MODULE_PRE_GA | T_MODULE_2 => {
            return Err(at(
                ty_at,
                format_args!("module value (type {ty}): modules are not supported"),
            ))
        }
        T_STREAM_LISTPACKS | T_STREAM_LISTPACKS_2 | T_STREAM_LISTPACKS_3 => {
            Value::Stream(Box::new(read_stream(r, ty, start)?))
        }
        _ => return Err(at(ty_at, format_args!("unknown value type {ty}"))),
    };
    Ok(value)
}

/// Reads a stream of RDB type 15, 19 or 21 (Redis 5 to 7.2), validating it as Redis's deep
/// sanitization does: every node, the counters against the nodes, each group's PEL against its
/// consumers.
fn read_stream(
    r: &mut Reader<'_>,
    ty: u8,
    start: usize,
) -> Result<crate::types::stream::Stream, Error> {
    use crate::types::stream::{self, Group, Id, Nack, Stream};
    let mut st = Stream::new();
    let n = r.count("stream node count", 2)?;
    let mut nodes = Vec::with_capacity(n);
    for _ in 0..n {
        let key_at = r.pos;
        let key = r.string("stream node key")?;
        let key: [u8; 16] = key
            .as_ref()
            .try_into()
            .map_err(|_| at(key_at, "stream node key is not 16 bytes"))?;
        let lp_at = r.pos;
        let lp = r.string("stream node")?.into_owned();
        nodes.push((Id::from_bytes(&key), lp, lp_at));
    }
    let id = |r: &mut Reader<'_>, what: &str| -> Result<Id, Error> {
        Ok(Id::new(r.length(what)?, r.length(what)?))
    };
    let len_at = r.pos;
    st.length = r.length("stream length")?;
    st.last_id = id(r, "stream last ID")?;
    let v2 = ty != T_STREAM_LISTPACKS;
    if v2 {
        st.first_id = id(r, "stream first ID")?;
        st.max_deleted = id(r, "stream max deleted ID")?;
        st.entries_added = r.length("stream entries added")?;
    }
    let mut live = 0u64;
    let mut prev: Option<Id> = None;
    for (master, lp, lp_at) in nodes {
        if prev.is_some_and(|p| master <= p) {
            return Err(at(lp_at, "stream nodes out of order"));
        }
        prev = Some(master);
        live += stream::validate_node(&lp, master, st.last_id)
            .map_err(|e| at(lp_at, format_args!("invalid stream node: {e}")))?;
        st.insert_node(master, lp);
    }
    if live != st.length {
        return Err(at(
            len_at,
            format_args!("stream length {} but its nodes hold {live}", st.length),
        ));
    }
    if !v2 {
        st.entries_added = st.length;
        st.deleted();
    }
    let groups = r.count("stream group count", 3)?;
    for _ in 0..groups {
        let name_at = r.pos;
        let name = r.string("stream group name")?.into_owned();
        let last = id(r, "stream group last ID")?;
        let entries_read = if v2 {
            r.length("stream group entries read")? as i64
        } else {
            st.estimate_read(last)
        };
        let mut g = Group::new(last, entries_read);
        let pel = r.count("stream PEL size", 17)?;
        for _ in 0..pel {
            let pid = Id::from_bytes(&r.array::<16>("stream PEL ID")?);
            let delivery_time = u64::from_le_bytes(r.array::<8>("stream PEL delivery time")?);
            let delivery_count = r.length("stream PEL delivery count")?;
            let nack = Nack {
                delivery_time,
                delivery_count,
                consumer: std::sync::Arc::from(&b""[..]),
            };
            if g.pel.insert(pid, nack).is_some() {
                return Err(at(name_at, "duplicate ID in a stream PEL"));
            }
        }
        let consumers = r.count("stream consumer count", 2)?;
        let mut owned = 0usize;
        for _ in 0..consumers {
            let cname = r.string("stream consumer name")?.into_owned();
            let seen = u64::from_le_bytes(r.array::<8>("stream consumer seen time")?);
            if ty == T_STREAM_LISTPACKS_3 {
                r.array::<8>("stream consumer active time")?;
            }
            let (key, new) = g.consumer(&cname, seen);
            if !new {
                return Err(at(name_at, "duplicate stream consumer"));
            }
            let n = r.count("stream consumer PEL size", 16)?;
            for _ in 0..n {
                let pid_at = r.pos;
                let pid = Id::from_bytes(&r.array::<16>("stream consumer PEL ID")?);
                match g.pel.get_mut(&pid) {
                    Some(nack) if nack.consumer.is_empty() => nack.consumer = key.clone(),
                    _ => {
                        return Err(at(
                            pid_at,
                            "stream consumer PEL entry not in its group's PEL",
                        ))
                    }
                }
                if let Some(c) = g.consumers.get_mut(&key) {
                    c.pel.insert(pid);
                }
                owned += 1;
            }
        }
        if owned != g.pel.len() {
            return Err(at(name_at, "stream group PEL entry without a consumer"));
        }
        if st.groups.insert(name.into_boxed_slice(), g).is_some() {
            return Err(at(name_at, "duplicate stream group"));
        }
    }
    let _ = start;
    Ok(st)
}

/// Checks the magic and returns the version.
fn header(bytes: &[u8]) -> Result<u16, Error> {
    if bytes.len() < 9 {
        return Err(at(0, "too short for an RDB header"));
    }
    if &bytes[..5] != b"REDIS" {
        return Err(at(
            0,
            "wrong signature: not an RDB file (no \"REDIS\" magic)",
        ));
    }
    let digits = &bytes[5..9];
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(at(5, format_args!("invalid RDB version {}", Show(digits))));
    }
    let version = digits
        .iter()
        .fold(0u16, |v, d| v * 10 + u16::from(d - b'0'));
    if !(1..=MAX_LOAD_VERSION).contains(&version) {
        return Err(at(
            5,
            format_args!("can't handle RDB format version {version}"),
        ));
    }
    Ok(version)
}

fn parse(
    bytes: &[u8],
    version: u16,
    crc_verified: bool,
    on_aux: &mut dyn FnMut(&[u8], &[u8]),
    on_entry: &mut dyn FnMut(Entry) -> Result<(), Error>,
    on_resize: &mut dyn FnMut(usize, u64),
) -> Result<usize, Error> {
    let mut r = Reader {
        pos: 9,
        ..Reader::new(bytes)
    };
    let mut db = 0usize;
    let mut expire: Option<u64> = None;
    let mut hint: Option<Hint> = None;
    loop {
        let op_at = r.pos;
        let op = r.byte("opcode")?;
        match op {
            OP_EOF => break,
            OP_SELECTDB => {
                let n = r.length("database number")?;
                db = usize::try_from(n)
                    .map_err(|_| at(op_at, format_args!("database number {n} too large")))?;
            }
            OP_RESIZEDB => {
                let keys = r.length("RESIZEDB key count")?;
                r.length("RESIZEDB expires count")?;
                on_resize(db, keys);
            }
            OP_EXPIRETIME_MS => {
                let ms = i64::from_le_bytes(r.array("expire time")?);
                expire = Some(ms.max(0) as u64);
            }
            OP_EXPIRETIME => {
                let secs = i32::from_le_bytes(r.array("expire time")?);
                expire = Some((i64::from(secs) * 1000).max(0) as u64);
            }
            OP_AUX => {
                let key = r.string("aux field name")?;
                let value = r.string("aux field value")?;
                on_aux(&key, &value);
            }
            OP_IDLE => {
                hint = Some(Hint::Idle(r.length("LRU idle time")?));
            }
            OP_FREQ => {
                hint = Some(Hint::Freq(r.byte("LFU frequency")?));
            }
            OP_FUNCTION2 => {
                let code = r.string("function library")?;
                on_aux(b"function", &code);
            }
            OP_FUNCTION_PRE_GA => {
                return Err(at(
                    op_at,
                    "function library in Redis 7.0-rc format (opcode 246) is not supported",
                ))
            }
            OP_MODULE_AUX => {
                return Err(at(
                    op_at,
                    "module aux data (opcode 247): modules are not supported",
                ))
            }
            ty => {
                let key = r.string("key")?.into_owned();
                let value = read_object(&mut r, ty, op_at).map_err(|e| e.in_key(&key))?;
                let expire_ms = expire.take();
                let hint = hint.take();
                if value.is_empty_collection() {
                    continue;
                }
                on_entry(Entry {
                    db,
                    key,
                    value,
                    expire_ms,
                    hint,
                    end: r.pos,
                })?;
            }
        }
    }
    if version >= 5 {
        let end = r.pos;
        let stored = u64::from_le_bytes(r.array("checksum")?);
        if !crc_verified && stored != 0 {
            let computed = crc64::crc64(0, &bytes[..end]);
            if computed != stored {
                return Err(at(
                    end,
                    format_args!("wrong RDB checksum: the file says {stored:016x}, its content gives {computed:016x}"),
                ));
            }
        }
    }
    Ok(r.pos)
}

/// Loads a whole RDB file: aux fields go to `on_aux` (name, value; integer-encoded values as
/// their decimal text), every key to `on_entry`, in file order. Checks the magic, the version
/// (1 to [`MAX_LOAD_VERSION`]) and, from version 5, the CRC-64 trailer unless it is 0 (Redis
/// writes 0 under `rdbchecksum no`) — before any callback, since the trailer is the last 8
/// bytes. Nothing may follow the trailer. An error from `on_entry` stops the load and is
/// returned as is; other errors name the byte offset and what was wrong.
pub fn load(
    bytes: &[u8],
    on_aux: impl FnMut(&[u8], &[u8]),
    on_entry: impl FnMut(Entry) -> Result<(), Error>,
) -> Result<(), Error> {
    load_hinted(bytes, on_aux, |_, _| {}, on_entry)
}

/// [`load`], also calling `on_resize(db, keys)` with each database's announced key count
/// (`RESIZEDB`), so the caller can size its tables before the keys come.
pub fn load_hinted(
    bytes: &[u8],
    mut on_aux: impl FnMut(&[u8], &[u8]),
    mut on_resize: impl FnMut(usize, u64),
    mut on_entry: impl FnMut(Entry) -> Result<(), Error>,
) -> Result<(), Error> {
    let version = header(bytes)?;
    let verified = version >= 5;
    if verified {
        if bytes.len() < 18 {
            return Err(at(
                bytes.len(),
                "file ends before its EOF opcode and checksum",
            ));
        }
        let t = bytes.len() - 8;
        let stored = le_u64(&bytes[t..]);
        if stored != 0 {
            let computed = crc64::crc64(0, &bytes[..t]);
            if computed != stored {
                return Err(at(
                    t,
                    format_args!(
                        "wrong RDB checksum: the file says {stored:016x}, its content gives \
                         {computed:016x} (corrupt or truncated file)"
                    ),
                ));
            }
        }
    }
    let end = parse(
        bytes,
        version,
        verified,
        &mut on_aux,
        &mut on_entry,
        &mut on_resize,
    )?;
    if end != bytes.len() {
        return Err(at(
            end,
            format_args!(
                "{} unexpected bytes after the end of the RDB file",
                bytes.len() - end
            ),
        ));
    }
    Ok(())
}

/// Like [`load`] for an RDB file followed by other data (the RDB preamble of a Redis 4-6
/// `appendonly.aof`): returns the number of bytes the RDB part took (through its checksum),
/// verified once the end is found, so callbacks may already have run when it fails.
pub fn load_prefix(
    bytes: &[u8],
    on_aux: impl FnMut(&[u8], &[u8]),
    on_entry: impl FnMut(Entry) -> Result<(), Error>,
) -> Result<usize, Error> {
    load_prefix_hinted(bytes, on_aux, |_, _| {}, on_entry)
}

/// [`load_prefix`] with [`load_hinted`]'s `on_resize`.
pub fn load_prefix_hinted(
    bytes: &[u8],
    mut on_aux: impl FnMut(&[u8], &[u8]),
    mut on_resize: impl FnMut(usize, u64),
    mut on_entry: impl FnMut(Entry) -> Result<(), Error>,
) -> Result<usize, Error> {
    let version = header(bytes)?;
    parse(
        bytes,
        version,
        false,
        &mut on_aux,
        &mut on_entry,
        &mut on_resize,
    )
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

fn put_len(out: &mut Vec<u8>, n: u64) {
    if n < 1 << 6 {
        out.push(n as u8);
    } else if n < 1 << 14 {
        out.push(0x40 | (n >> 8) as u8);
        out.push((n & 0xff) as u8);
    } else if let Ok(n) = u32::try_from(n) {
        out.push(0x80);
        out.extend_from_slice(&n.to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// Writes a string as Redis's `rdbSaveRawString`: an integer form for canonical integers of up
/// to 11 characters fitting 32 bits, LZF for longer than 20 bytes when the result is at least
/// 4 bytes shorter, else plain.
fn put_string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11 {
        if let Some(v) = canonical_i64(s) {
            if let Ok(v) = i8::try_from(v) {
                out.extend_from_slice(&[0xC0, v as u8]);
                return;
            }
            if let Ok(v) = i16::try_from(v) {
                out.push(0xC1);
                out.extend_from_slice(&v.to_le_bytes());
                return;
            }
            if let Ok(v) = i32::try_from(v) {
                out.push(0xC2);
                out.extend_from_slice(&v.to_le_bytes());
                return;
            }
        }
    }
    if compress && s.len() > 20 {
        if let Some(c) = lzf::compress(s, s.len() - 4) {
            out.push(0xC3);
            put_len(out, c.len() as u64);
            put_len(out, s.len() as u64);
            out.extend_from_slice(&c);
            return;
        }
    }
    put_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// Redis's `d2string`: how a score is written into a listpack (then stored as an integer entry
/// when the text is a canonical integer).
pub(crate) fn d2string(v: f64) -> String {
    if v.is_nan() {
        "nan".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.to_string()
    } else if v > -4_503_599_627_370_495.0 && v < 4_503_599_627_370_496.0 && v == (v as i64) as f64
    {
        (v as i64).to_string()
    } else {
        fmt_g17(v)
    }
}

/// C's `printf("%.17g", v)` for a finite `v`.
fn fmt_g17(v: f64) -> String {
    let sci = format!("{v:.16e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let trim = |s: &str| s.trim_end_matches('0').to_string();
    let mut out = String::with_capacity(24);
    if neg {
        out.push('-');
    }
    if !(-4..17).contains(&exp) {
        out.push_str(&digits[..1]);
        let frac = trim(&digits[1..]);
        if !frac.is_empty() {
            out.push('.');
            out.push_str(&frac);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.unsigned_abs()));
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        out.push_str(&digits[..int_len]);
        let frac = trim(&digits[int_len..]);
        if !frac.is_empty() {
            out.push('.');
            out.push_str(&frac);
        }
    } else {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&trim(&digits));
    }
    out
}

/// Redis's sorted-set order: score, then member bytes; -0 and 0 are the same score.
fn zset_order(a: &&(Vec<u8>, f64), b: &&(Vec<u8>, f64)) -> std::cmp::Ordering {
    let norm = |x: f64| if x == 0.0 { 0.0 } else { x };
    norm(a.1).total_cmp(&norm(b.1)).then_with(|| a.0.cmp(&b.0))
}

/// (bytes per node, elements per node) for `list-max-listpack-size`.
fn quicklist_limits(fill: i64) -> (usize, usize) {
    const LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
    if fill < 0 {
        let i = usize::try_from(-(fill.max(-5)) - 1).unwrap_or(0);
        (LEVELS[i], usize::MAX)
    } else {
        (8192, usize::try_from(fill.max(1)).unwrap_or(usize::MAX))
    }
}

/// A quicklist node as Redis's RDB writer would lay the list out.
enum QuickNode<'a> {
    Packed(Vec<u8>),
    Plain(&'a [u8]),
}

/// `items` split into quicklist nodes: PACKED listpacks filled up to `list-max-listpack-size`,
/// PLAIN nodes for elements of `plain_threshold` (1 GiB) or more.
fn quicklist_nodes<'a>(items: &'a [Vec<u8>], o: &Options) -> Vec<QuickNode<'a>> {
    let (max_bytes, max_count) = quicklist_limits(o.list_max_listpack_size);
    let mut nodes = Vec::new();
    let mut lp = listpack::Builder::new();
    for item in items {
        if item.len() >= o.plain_threshold {
            if lp.count() > 0 {
                nodes.push(QuickNode::Packed(
                    std::mem::replace(&mut lp, listpack::Builder::new()).finish(),
                ));
            }
            nodes.push(QuickNode::Plain(item));
            continue;
        }
        let size = listpack::entry_size(item);
        if lp.count() > 0 && (lp.size() + size > max_bytes || lp.count() >= max_count) {
            nodes.push(QuickNode::Packed(
                std::mem::replace(&mut lp, listpack::Builder::new()).finish(),
            ));
        }
        lp.push(item);
    }
    if lp.count() > 0 {
        nodes.push(QuickNode::Packed(lp.finish()));
    }
    nodes
}

/// The quicklist a list of `items` makes under `opts`: its number of nodes and the bytes of
/// its nodes uncompressed (DEBUG OBJECT's `ql_nodes` and `ql_uncompressed_size`).
pub fn quicklist_shape(items: &[Vec<u8>], opts: &Options) -> (usize, usize) {
    let nodes = quicklist_nodes(items, opts);
    let bytes = nodes
        .iter()
        .map(|n| match n {
            QuickNode::Packed(b) => b.len(),
            QuickNode::Plain(b) => b.len(),
        })
        .sum();
    (nodes.len(), bytes)
}

/// The nodes of the quicklist a list of `items` makes under `opts`, as DEBUG QUICKLIST shows
/// them: (PLAIN, bytes, elements) per node.
pub fn quicklist_layout(items: &[Vec<u8>], opts: &Options) -> Vec<(bool, usize, usize)> {
    quicklist_nodes(items, opts)
        .iter()
        .map(|n| match n {
            QuickNode::Packed(b) => (false, b.len(), listpack::decode(b).map_or(0, |v| v.len())),
            QuickNode::Plain(b) => (true, b.len(), 1),
        })
        .collect()
}

/// The listpack Redis would hold `items` in, described entry by entry for DEBUG LISTPACK:
/// its header, then each entry's offset, size and content.
pub fn listpack_repr(items: &[&[u8]]) -> String {
    let mut b = listpack::Builder::new();
    for item in items {
        b.push(item);
    }
    let lp = b.finish();
    let mut out = format!(
        "{{total bytes {}}} {{num entries {}}}\n{{first entry pos 6}}\n",
        lp.len(),
        items.len()
    );
    let mut at = 6;
    for (i, item) in listpack::decode(&lp)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let (_, next) = listpack::entry_at(&lp, at);
        let shown = match item {
            listpack::Item::Int(v) => format!("[int]{v}"),
            listpack::Item::Str(s) => format!("[str]{}", String::from_utf8_lossy(s)),
        };
        out += &format!(
            "{{\n\tindex: {i:3},\n\toffset: {at:5},\n\thdr+entrylen+backlen: {},\n\t{shown}\n}}\n",
            next - at
        );
        at = next;
    }
    out + "{end}"
}

fn put_quicklist(out: &mut Vec<u8>, items: &[Vec<u8>], o: &Options) {
    let nodes = quicklist_nodes(items, o);
    put_len(out, nodes.len() as u64);
    for node in nodes {
        match node {
            QuickNode::Packed(blob) => {
                put_len(out, QUICKLIST_PACKED);
                put_string(out, &blob, o.compression);
            }
            QuickNode::Plain(item) => {
                put_len(out, QUICKLIST_PLAIN);
                put_string(out, item, o.compression);
            }
        }
    }
}

/// Writes the type byte, the key (if any) and the value, with the encodings Redis would pick.
fn put_object(out: &mut Vec<u8>, key: Option<&[u8]>, value: &Value, o: &Options) {
    let c = o.compression;
    let head = |out: &mut Vec<u8>, ty: u8| {
        out.push(ty);
        if let Some(key) = key {
            put_string(out, key, c);
        }
    };
    match value {
        Value::String(s) => {
            head(out, T_STRING);
            put_string(out, s, c);
        }
        Value::List(items) => {
            head(out, T_LIST_QUICKLIST_2);
            put_quicklist(out, items, o);
        }
        Value::Set(members) => {
            let ints: Option<Vec<i64>> = if members.len() <= o.set_max_intset_entries {
                members.iter().map(|m| canonical_i64(m)).collect()
            } else {
                None
            };
            match ints {
                Some(ints) => {
                    head(out, T_SET_INTSET);
                    put_string(out, &intset::encode(ints), c);
                }
                None => {
                    head(out, T_SET);
                    put_len(out, members.len() as u64);
                    for m in members {
                        put_string(out, m, c);
                    }
                }
            }
        }
        Value::Hash(pairs) => {
            let max = o.hash_max_listpack_value;
            if pairs.len() <= o.hash_max_listpack_entries
                && pairs.iter().all(|(f, v)| f.len() <= max && v.len() <= max)
            {
                head(out, T_HASH_LISTPACK);
                let mut lp = listpack::Builder::new();
                for (f, v) in pairs {
                    lp.push(f);
                    lp.push(v);
                }
                put_string(out, &lp.finish(), c);
            } else {
                head(out, T_HASH);
                put_len(out, pairs.len() as u64);
                for (f, v) in pairs {
                    put_string(out, f, c);
                    put_string(out, v, c);
                }
            }
        }
        Value::ZSet(pairs) => {
            let mut sorted: Vec<&(Vec<u8>, f64)> = pairs.iter().collect();
            sorted.sort_by(zset_order);
            if pairs.len() <= o.zset_max_listpack_entries
                && pairs
                    .iter()
                    .all(|(m, _)| m.len() <= o.zset_max_listpack_value)
            {
                head(out, T_ZSET_LISTPACK);
                let mut lp = listpack::Builder::new();
                for (m, score) in sorted {
                    lp.push(m);
                    lp.push(d2string(*score).as_bytes());
                }
                put_string(out, &lp.finish(), c);
            } else {
                head(out, T_ZSET_2);
                put_len(out, pairs.len() as u64);
                for (m, score) in sorted.into_iter().rev() {
                    put_string(out, m, c);
                    out.extend_from_slice(&score.to_le_bytes());
                }
            }
        }
        Value::Stream(st) => {
            head(out, T_STREAM_LISTPACKS_2);
            put_stream(out, st, c);
        }
    }
}

/// Writes a stream as Redis 7.0's `RDB_TYPE_STREAM_LISTPACKS_2`: the nodes (16-byte master ID,
/// listpack), length, last ID, first ID, max deleted ID, entries added, then each group (name,
/// last ID, entries read, PEL with delivery time and count, consumers with seen time and
/// their PEL IDs).
fn put_stream(out: &mut Vec<u8>, st: &crate::types::stream::Stream, c: bool) {
    let id = |out: &mut Vec<u8>, id: crate::types::stream::Id| {
        put_len(out, id.ms);
        put_len(out, id.seq);
    };
    put_len(out, st.node_count() as u64);
    for (master, lp) in st.nodes() {
        put_string(out, &master.to_bytes(), c);
        put_string(out, lp, c);
    }
    put_len(out, st.length);
    id(out, st.last_id);
    id(out, st.first_id);
    id(out, st.max_deleted);
    put_len(out, st.entries_added);
    put_len(out, st.groups.len() as u64);
    for (name, g) in &st.groups {
        put_string(out, name, c);
        id(out, g.last_id);
        put_len(out, g.entries_read as u64);
        put_len(out, g.pel.len() as u64);
        for (pid, n) in &g.pel {
            out.extend_from_slice(&pid.to_bytes());
            out.extend_from_slice(&n.delivery_time.to_le_bytes());
            put_len(out, n.delivery_count);
        }
        put_len(out, g.consumers.len() as u64);
        for (cname, cons) in &g.consumers {
            put_string(out, cname, c);
            out.extend_from_slice(&cons.seen_time.to_le_bytes());
            put_len(out, cons.pel.len() as u64);
            for pid in &cons.pel {
                out.extend_from_slice(&pid.to_bytes());
            }
        }
    }
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.to_string())
}

/// Streams an RDB file (version 10, as Redis 7.0 writes it) to `out`: the header and aux fields
/// at creation, then [`select_db`](Writer::select_db) before each database's keys,
/// [`write_entry`](Writer::write_entry) per key, and [`finish`](Writer::finish) for the EOF
/// opcode and checksum. Output is buffered internally (64 KB); the CRC is computed as it goes.
pub struct Writer<W: Write> {
    out: W,
    buf: Vec<u8>,
    crc: u64,
    opts: Options,
}

impl<W: Write> Writer<W> {
    /// Starts a file with Redis 7.0's defaults; `aof_base`: the `aof-base` aux field (1 for the
    /// base file of a multi-part AOF).
    pub fn new(out: W, aof_base: bool) -> io::Result<Self> {
        Self::with_options(
            out,
            Options {
                aof_base,
                ..Options::default()
            },
        )
    }

    /// Starts a file: writes the magic and the aux fields `redis-ver`, `redis-bits`, `ctime`,
    /// `used-mem` and `aof-base`, in Redis's order.
    pub fn with_options(out: W, opts: Options) -> io::Result<Self> {
        let mut w = Writer {
            out,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            crc: 0,
            opts,
        };
        w.buf
            .extend_from_slice(format!("REDIS{RDB_VERSION:04}").as_bytes());
        let ctime = w.opts.ctime.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        });
        let bits = usize::BITS.to_string();
        let ctime = ctime.to_string();
        let used_mem = w.opts.used_mem.to_string();
        let aof_base = if w.opts.aof_base { "1" } else { "0" };
        for (k, v) in [
            ("redis-ver", REDIS_VERSION),
            ("redis-bits", bits.as_str()),
            ("ctime", ctime.as_str()),
            ("used-mem", used_mem.as_str()),
            ("aof-base", aof_base),
        ] {
            w.put_aux(k.as_bytes(), v.as_bytes());
        }
        w.maybe_flush()?;
        Ok(w)
    }

    fn put_aux(&mut self, key: &[u8], value: &[u8]) {
        self.buf.push(OP_AUX);
        put_string(&mut self.buf, key, self.opts.compression);
        put_string(&mut self.buf, value, self.opts.compression);
    }

    /// Writes one more aux field (readers ignore names they do not know).
    pub fn write_aux(&mut self, key: &[u8], value: &[u8]) -> io::Result<()> {
        self.put_aux(key, value);
        self.maybe_flush()
    }

    /// Starts database `db`: `SELECTDB`, then `RESIZEDB` with its number of keys and of keys
    /// with an expiry (a sizing hint for the reader). Redis skips empty databases.
    pub fn select_db(&mut self, db: usize, keys: u64, expires: u64) -> io::Result<()> {
        self.buf.push(OP_SELECTDB);
        put_len(&mut self.buf, db as u64);
        self.buf.push(OP_RESIZEDB);
        put_len(&mut self.buf, keys);
        put_len(&mut self.buf, expires);
        self.maybe_flush()
    }

    /// Writes one key, preceded by `EXPIRETIME_MS` when it has an expiry (absolute unix ms).
    /// Refused (`InvalidInput`): empty collections (Redis never stores them and drops them
    /// when loading), NaN scores, an expiry past `i64::MAX`.
    pub fn write_entry(
        &mut self,
        key: &[u8],
        value: &Value,
        expire_ms: Option<u64>,
    ) -> io::Result<()> {
        self.write_entry_hinted(key, value, expire_ms, None)
    }

    /// [`Self::write_entry`] with the key's access clock as Redis saves it under an LRU or LFU
    /// policy (`IDLE` / `FREQ` after the expiry, before the key).
    pub fn write_entry_hinted(
        &mut self,
        key: &[u8],
        value: &Value,
        expire_ms: Option<u64>,
        hint: Option<Hint>,
    ) -> io::Result<()> {
        if value.is_empty_collection() {
            return Err(invalid("empty collections cannot be written"));
        }
        if let Value::ZSet(pairs) = value {
            if pairs.iter().any(|(_, s)| s.is_nan()) {
                return Err(invalid("NaN score in a sorted set"));
            }
        }
        if let Some(ms) = expire_ms {
            let ms = i64::try_from(ms).map_err(|_| invalid("expiry beyond i64::MAX ms"))?;
            self.buf.push(OP_EXPIRETIME_MS);
            self.buf.extend_from_slice(&ms.to_le_bytes());
        }
        match hint {
            Some(Hint::Idle(secs)) => {
                self.buf.push(OP_IDLE);
                put_len(&mut self.buf, secs);
            }
            Some(Hint::Freq(f)) => {
                self.buf.push(OP_FREQ);
                self.buf.push(f);
            }
            None => {}
        }
        put_object(&mut self.buf, Some(key), value, &self.opts);
        self.maybe_flush()
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        self.crc = crc64::crc64(self.crc, &self.buf);
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    fn maybe_flush(&mut self) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            self.flush_buf()?;
        }
        Ok(())
    }

    /// Ends the file (EOF opcode, then the CRC-64 of everything before it, or 0 when
    /// [`Options::checksum`] is off), flushes `out` and returns it. Syncing a file to disk is
    /// the caller's job.
    pub fn finish(mut self) -> io::Result<W> {
        self.buf.push(OP_EOF);
        self.flush_buf()?;
        let crc = if self.opts.checksum { self.crc } else { 0 };
        self.out.write_all(&crc.to_le_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

// ---------------------------------------------------------------------------------------------
// DUMP / RESTORE
// ---------------------------------------------------------------------------------------------

/// `DUMP`'s payload for `value` with Redis 7.0's default encodings: the type byte and the value
/// as in an RDB file, then the RDB version (10) as u16 LE and the CRC-64 of everything before
/// as u64 LE. (An empty collection or a NaN score gives a payload `RESTORE` refuses.)
pub fn dump_payload(value: &Value) -> Vec<u8> {
    dump_payload_with(value, &Options::default())
}

/// [`dump_payload`] with the encoding thresholds and compression of `opts`.
pub fn dump_payload_with(value: &Value, opts: &Options) -> Vec<u8> {
    let mut out = Vec::new();
    put_object(&mut out, None, value, opts);
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64::crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The footer check `RESTORE` makes first (Redis's `verifyDumpPayload`): at least 10 bytes, the
/// RDB version at most 10, the CRC-64 right (never skipped, even when 0). On failure Redis
/// replies `ERR DUMP payload version or checksum are wrong`: [`Error::Footer`].
pub fn verify_payload(bytes: &[u8]) -> Result<(), Error> {
    if bytes.len() < 10 {
        return Err(Error::Footer(format!(
            "{} bytes, shorter than the footer",
            bytes.len()
        )));
    }
    let f = bytes.len() - 10;
    let version = u16::from_le_bytes([bytes[f], bytes[f + 1]]);
    if version > RDB_VERSION {
        return Err(Error::Footer(format!(
            "RDB version {version} is newer than {RDB_VERSION}"
        )));
    }
    let stored = le_u64(&bytes[f + 2..]);
    let computed = crc64::crc64(0, &bytes[..f + 2]);
    if stored != computed {
        return Err(Error::Footer(format!(
            "checksum {stored:016x}, the payload gives {computed:016x}"
        )));
    }
    Ok(())
}

/// Decodes a `DUMP` payload (`RESTORE`): [`verify_payload`], then the value, which must use
/// every byte up to the footer and not be an empty collection. A value error (where Redis
/// replies `ERR Bad data format`) is an [`Error::Format`] with the offset into the payload.
pub fn restore_payload(bytes: &[u8]) -> Result<Value, Error> {
    restore_payload_within(bytes, crate::entry::MAX_VALUE_LEN)
}

/// [`restore_payload`] refusing any string longer than `max_string` bytes (RESTORE passes
/// `proto-max-bulk-len`), checked before the string is decompressed or copied.
pub fn restore_payload_within(bytes: &[u8], max_string: usize) -> Result<Value, Error> {
    verify_payload(bytes)?;
    decode_payload_body(&bytes[..bytes.len() - 10], max_string)
}

/// The value of a payload without its footer.
fn decode_payload_body(body: &[u8], max_string: usize) -> Result<Value, Error> {
    let mut r = Reader {
        data: body,
        pos: 0,
        max_string,
    };
    let ty = r.byte("value type")?;
    let value = read_object(&mut r, ty, 0)?;
    if r.pos != body.len() {
        return Err(at(
            r.pos,
            format_args!("{} unexpected bytes after the value", body.len() - r.pos),
        ));
    }
    if value.is_empty_collection() {
        return Err(at(0, "empty collection"));
    }
    Ok(value)
}

/// FUNCTION DUMP's payload (Redis 7.0's): for each library, the `FUNCTION2` opcode and its
/// code as an RDB string, then the footer of a DUMP payload.
pub fn function_payload(codes: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(OP_FUNCTION2);
        put_string(&mut out, code, true);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64::crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The libraries' code in a FUNCTION RESTORE payload: [`verify_payload`], then only
/// `FUNCTION2` records up to the footer.
pub fn parse_function_payload(bytes: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    verify_payload(bytes)?;
    let body = &bytes[..bytes.len() - 10];
    let mut r = Reader {
        data: body,
        pos: 0,
        max_string: crate::entry::MAX_VALUE_LEN,
    };
    let mut codes = Vec::new();
    while r.pos < body.len() {
        let op_at = r.pos;
        if r.byte("opcode")? != OP_FUNCTION2 {
            return Err(at(op_at, "not a function library"));
        }
        codes.push(r.string("function library")?.into_owned());
    }
    Ok(codes)
}

impl<W: Write> Writer<W> {
    /// Writes a function library (opcode `FUNCTION2` and its code), before the databases as
    /// Redis 7.0 does.
    pub fn write_function(&mut self, code: &[u8]) -> io::Result<()> {
        self.buf.push(OP_FUNCTION2);
        put_string(&mut self.buf, code, self.opts.compression);
        self.maybe_flush()
    }
}
