//! The `cjson` library (lua-cjson 2.1.0 as bundled with Redis 7.0):
//! `encode`, `decode`, the configuration functions and `new`.
//!
//! Behaviour follows redis-server 7.0.15: numbers are written with
//! `%.14g` (configurable precision 1..14), strings escape `"`, `\`, `/`,
//! control characters and DEL, tables whose keys are all positive integers
//! are arrays unless "excessively sparse" (ratio 2, safe 10 by default),
//! `cjson.null` is the NULL light userdata, and decoding accepts what
//! lua-cjson accepts (numbers are read with glibc `strtod` rules, so hex,
//! `inf` and `nan` are allowed unless `decode_invalid_numbers(false)`).
//! Nesting is limited by `encode_max_depth`/`decode_max_depth` (1000) and by
//! the Lua C stack limit the C code runs into; every error text matches.

use std::sync::{Arc, Mutex};

use mlua::{Function, LightUserData, Lua, Table, Value};

use super::{
    arg_error, check_bytes, check_integer, fail, fmt_g, next_pair, raw_get_exact, to_bytes,
    type_name, Args, Fail, LibResult, Ret, Spill, MAX_C_STACK,
};

/// The `cjson.null` sentinel.
const NULL: Value = Value::LightUserData(LightUserData(std::ptr::null_mut()));

#[derive(Clone)]
struct Config {
    sparse_convert: i32,
    sparse_ratio: i32,
    sparse_safe: i32,
    encode_max_depth: i32,
    decode_max_depth: i32,
    encode_invalid_numbers: i32,
    decode_invalid_numbers: i32,
    keep_buffer: i32,
    precision: i32,
}

impl Config {
    fn new() -> Config {
        Config {
            sparse_convert: 0,
            sparse_ratio: 2,
            sparse_safe: 10,
            encode_max_depth: 1000,
            decode_max_depth: 1000,
            encode_invalid_numbers: 0,
            decode_invalid_numbers: 1,
            keep_buffer: 1,
            precision: 14,
        }
    }
}

type Shared = Arc<Mutex<Config>>;

fn snapshot(cfg: &Shared) -> Config {
    match cfg.lock() {
        Ok(g) => g.clone(),
        Err(p) => p.into_inner().clone(),
    }
}

fn update(cfg: &Shared, f: impl FnOnce(&mut Config)) {
    match cfg.lock() {
        Ok(mut g) => f(&mut g),
        Err(p) => f(&mut p.into_inner()),
    }
}

// ===== Configuration =====

/// `json_arg_init`: too many arguments is an error.
fn arg_init(lua: &Lua, args: &Args, max: usize) -> Result<(), Fail> {
    if args.len() > max {
        return Err(arg_error(lua, max as i64 + 1, b"found too many arguments"));
    }
    Ok(())
}

/// `json_integer_option`.
fn integer_option(
    lua: &Lua,
    args: &Args,
    idx: usize,
    setting: &mut i32,
    min: i32,
    max: i32,
) -> Result<Value, Fail> {
    if !matches!(args.get(idx)?, Value::Nil) {
        let value = check_integer(lua, args, idx)? as i32;
        if !(min <= value && value <= max) {
            let msg = format!("expected integer between {min} and {max}");
            return Err(arg_error(lua, 1, msg.as_bytes()));
        }
        *setting = value;
    }
    Ok(Value::Number(*setting as f64))
}

/// `json_enum_option`; `options` defaults to `off`/`on`.
fn enum_option(
    lua: &Lua,
    args: &Args,
    idx: usize,
    setting: &mut i32,
    options: &[&str],
) -> Result<Value, Fail> {
    let v = args.get(idx)?;
    match v {
        Value::Nil => {}
        Value::Boolean(b) => *setting = b as i32,
        _ => {
            let Some(name) = to_bytes(&v) else {
                return Err(super::type_error(lua, args, idx, "string"));
            };
            match options.iter().position(|o| o.as_bytes() == name.as_slice()) {
                Some(i) => *setting = i as i32,
                None => {
                    let mut msg = b"invalid option '".to_vec();
                    msg.extend_from_slice(&name);
                    msg.push(b'\'');
                    return Err(arg_error(lua, idx as i64, &msg));
                }
            }
        }
    }
    if *setting == 0 || *setting == 1 {
        Ok(Value::Boolean(*setting == 1))
    } else {
        let s = options.get(*setting as usize).copied().unwrap_or("");
        Ok(Value::String(lua.create_string(s)?))
    }
}

const ON_OFF: &[&str] = &["off", "on"];

fn cfg_fn(
    lua: &Lua,
    cfg: &Shared,
    f: fn(&Lua, &Args, &mut Config) -> Result<Vec<Value>, Fail>,
) -> mlua::Result<Function> {
    let cfg = cfg.clone();
    super::make_fn(lua, move |lua, args| {
        let mut c = snapshot(&cfg);
        let out = f(lua, args, &mut c)?;
        update(&cfg, |g| *g = c);
        Ok(Ret::Vals(out))
    })
}

fn sparse_array(lua: &Lua, args: &Args, c: &mut Config) -> Result<Vec<Value>, Fail> {
    arg_init(lua, args, 3)?;
    let a = enum_option(lua, args, 1, &mut c.sparse_convert, ON_OFF)?;
    let b = integer_option(lua, args, 2, &mut c.sparse_ratio, 0, i32::MAX)?;
    let d = integer_option(lua, args, 3, &mut c.sparse_safe, 0, i32::MAX)?;
    Ok(vec![a, b, d])
}

fn encode_max_depth(lua: &Lua, args: &Args, c: &mut Config) -> Result<Vec<Value>, Fail> {
    arg_init(lua, args, 1)?;
    Ok(vec![integer_option(
        lua,
        args,
        1,
        &mut c.encode_max_depth,
        1,
        i32::MAX,
    )?])
}

fn decode_max_depth(lua: &Lua, args: &Args, c: &mut Config) -> Result<Vec<Value>, Fail> {
    arg_init(lua, args, 1)?;
    Ok(vec![integer_option(
        lua,
        args,
        1,
        &mut c.decode_max_depth,
        1,
        i32::MAX,
    )?])
}

fn number_precision(lua: &Lua, args: &Args, c: &mut Config) -> Result<Vec<Value>, Fail> {
    arg_init(lua, args, 1)?;
    Ok(vec![integer_option(lua, args, 1, &mut c.precision, 1, 14)?])
}

fn keep_buffer(lua: &Lua, args: &Args, c: &mut Config) -> Result<Vec<Value>, Fail> {
    arg_init(lua, args, 1)?;
    Ok(vec![enum_option(lua, args, 1, &mut c.keep_buffer, ON_OFF)?])
}

fn encode_invalid(lua: &Lua, args: &Args, c: &mut Config) -> Result<Vec<Value>, Fail> {
    arg_init(lua, args, 1)?;
    let opts = &["off", "on", "null"];
    Ok(vec![enum_option(
        lua,
        args,
        1,
        &mut c.encode_invalid_numbers,
        opts,
    )?])
}

fn decode_invalid(lua: &Lua, args: &Args, c: &mut Config) -> Result<Vec<Value>, Fail> {
    arg_init(lua, args, 1)?;
    Ok(vec![enum_option(
        lua,
        args,
        1,
        &mut c.decode_invalid_numbers,
        ON_OFF,
    )?])
}

// ===== Encoding =====

fn serialise_error(ty: &str, reason: &str) -> Fail {
    fail(format!("Cannot serialise {ty}: {reason}"))
}

fn append_string(out: &mut Vec<u8>, s: &[u8]) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            8 => out.extend_from_slice(b"\\b"),
            9 => out.extend_from_slice(b"\\t"),
            10 => out.extend_from_slice(b"\\n"),
            12 => out.extend_from_slice(b"\\f"),
            13 => out.extend_from_slice(b"\\r"),
            0..=31 | 127 => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

#[derive(Clone, Copy)]
enum EFrame {
    Arr { len: i32, i: i32 },
    Obj { first: bool },
}

struct Encoder<'a> {
    lua: &'a Lua,
    cfg: Config,
    next: &'a Function,
    out: Vec<u8>,
    frames: Vec<EFrame>,
    /// Emulated C stack slots held by the open tables.
    held: i64,
    spill: Spill,
    cur: Option<Table>,
    key: Value,
}

impl Encoder<'_> {
    fn number(&mut self, n: f64) -> Result<(), Fail> {
        if n.is_nan() || n.is_infinite() {
            match self.cfg.encode_invalid_numbers {
                0 => return Err(serialise_error("number", "must not be NaN or Inf")),
                1 => {
                    let s = if n.is_nan() {
                        "nan"
                    } else if n < 0.0 {
                        "-inf"
                    } else {
                        "inf"
                    };
                    self.out.extend_from_slice(s.as_bytes());
                }
                _ => self.out.extend_from_slice(b"null"),
            }
            return Ok(());
        }
        let p = self.cfg.precision.clamp(1, 14) as usize;
        self.out.extend_from_slice(fmt_g(n, p).as_bytes());
        Ok(())
    }

    /// `lua_array_length`: the array size, or `None` for an object.
    fn array_length(&self, t: &Table) -> Result<Option<i32>, Fail> {
        let mut max: i32 = 0;
        let mut items: i32 = 0;
        for pair in t.pairs::<Value, Value>() {
            let (k, _) = pair?;
            let k = match k {
                Value::Integer(i) if i != 0 => i as f64,
                Value::Number(n) => n,
                _ => return Ok(None),
            };
            if k.floor() == k && k >= 1.0 {
                if k > max as f64 {
                    max = super::c_f64_to_i32(k);
                }
                items = items.wrapping_add(1);
            } else {
                return Ok(None);
            }
        }
        let c = &self.cfg;
        if c.sparse_ratio > 0 && max > items.wrapping_mul(c.sparse_ratio) && max > c.sparse_safe {
            if c.sparse_convert == 0 {
                return Err(serialise_error("table", "excessively sparse array"));
            }
            return Ok(None);
        }
        Ok(if max > 0 { Some(max) } else { None })
    }

    fn open(&mut self, t: Table) -> Result<(), Fail> {
        let depth = self.frames.len() as i64 + 1;
        let held = self.held
            + match self.frames.last() {
                Some(EFrame::Arr { .. }) => 1,
                Some(EFrame::Obj { .. }) => 2,
                None => 0,
            };
        if depth > self.cfg.encode_max_depth as i64 || 1 + held + 3 > MAX_C_STACK {
            return Err(fail(format!(
                "Cannot serialise, excessive nesting ({depth})"
            )));
        }
        let len = self.array_length(&t)?;
        if let Some(parent) = self.cur.take() {
            self.spill.push(self.lua, Value::Table(parent))?;
            let key = std::mem::replace(&mut self.key, Value::Nil);
            self.spill.push(self.lua, key)?;
        }
        self.held = held;
        self.cur = Some(t);
        self.key = Value::Nil;
        match len {
            Some(len) => {
                self.out.push(b'[');
                self.frames.push(EFrame::Arr { len, i: 1 });
            }
            None => {
                self.out.push(b'{');
                self.frames.push(EFrame::Obj { first: true });
            }
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(), Fail> {
        self.frames.pop();
        self.cur = None;
        if let Some(top) = self.frames.last() {
            self.held -= match top {
                EFrame::Arr { .. } => 1,
                EFrame::Obj { .. } => 2,
            };
            self.key = self.spill.pop()?;
            if let Value::Table(t) = self.spill.pop()? {
                self.cur = Some(t);
            }
        }
        Ok(())
    }

    fn value(&mut self, v: Value) -> Result<(), Fail> {
        match v {
            Value::String(s) => append_string(&mut self.out, &s.as_bytes()),
            Value::Number(n) => self.number(n)?,
            Value::Integer(i) => self.number(i as f64)?,
            Value::Boolean(b) => self
                .out
                .extend_from_slice(if b { b"true" } else { b"false" }),
            Value::Nil => self.out.extend_from_slice(b"null"),
            Value::LightUserData(p) if p.0.is_null() => self.out.extend_from_slice(b"null"),
            Value::Table(t) => self.open(t)?,
            other => return Err(serialise_error(type_name(&other), "type not supported")),
        }
        Ok(())
    }

    fn run(&mut self, v: Value) -> Result<(), Fail> {
        self.value(v)?;
        while let Some(&frame) = self.frames.last() {
            let Some(t) = self.cur.clone() else { break };
            let top = self.frames.len() - 1;
            match frame {
                EFrame::Arr { len, i } => {
                    if i > len {
                        self.out.push(b']');
                        self.close()?;
                        continue;
                    }
                    if i > 1 {
                        self.out.push(b',');
                    }
                    self.frames[top] = EFrame::Arr { len, i: i + 1 };
                    let v = raw_get_exact(&t, i)?;
                    self.value(v)?;
                }
                EFrame::Obj { first } => {
                    let key = std::mem::replace(&mut self.key, Value::Nil);
                    match next_pair(self.next, &t, key)? {
                        None => {
                            self.out.push(b'}');
                            self.close()?;
                        }
                        Some((k, v)) => {
                            if !first {
                                self.out.push(b',');
                            }
                            self.frames[top] = EFrame::Obj { first: false };
                            match &k {
                                Value::Number(n) => {
                                    self.out.push(b'"');
                                    self.number(*n)?;
                                    self.out.extend_from_slice(b"\":");
                                }
                                Value::String(s) => {
                                    append_string(&mut self.out, &s.as_bytes());
                                    self.out.push(b':');
                                }
                                other => {
                                    let ty = type_name(other);
                                    return Err(serialise_error(
                                        ty,
                                        "table key must be a number or string",
                                    ));
                                }
                            }
                            self.key = k;
                            self.value(v)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn encode(lua: &Lua, args: &Args, cfg: &Shared, next: &Function) -> LibResult {
    if args.len() != 1 {
        return Err(arg_error(lua, 1, b"expected 1 argument"));
    }
    let mut enc = Encoder {
        lua,
        cfg: snapshot(cfg),
        next,
        out: Vec::new(),
        frames: Vec::new(),
        held: 0,
        spill: Spill::new(),
        cur: None,
        key: Value::Nil,
    };
    enc.run(args.get(1)?)?;
    Ok(Ret::one(Value::String(lua.create_string(&enc.out)?)))
}

// ===== Decoding =====

enum Tok {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    Str(Vec<u8>),
    Num(f64),
    Bool(bool),
    Null,
    Colon,
    Comma,
    End,
    Error(&'static str),
}

impl Tok {
    fn name(&self) -> &'static str {
        match self {
            Tok::ObjBegin => "T_OBJ_BEGIN",
            Tok::ObjEnd => "T_OBJ_END",
            Tok::ArrBegin => "T_ARR_BEGIN",
            Tok::ArrEnd => "T_ARR_END",
            Tok::Str(_) => "T_STRING",
            Tok::Num(_) => "T_NUMBER",
            Tok::Bool(_) => "T_BOOLEAN",
            Tok::Null => "T_NULL",
            Tok::Colon => "T_COLON",
            Tok::Comma => "T_COMMA",
            Tok::End => "T_END",
            Tok::Error(e) => e,
        }
    }
}

struct Token {
    tok: Tok,
    index: usize,
}

/// Byte `i` of a NUL-terminated view of `d`.
fn at(d: &[u8], i: usize) -> u8 {
    d.get(i).copied().unwrap_or(0)
}

fn ci_prefix(d: &[u8], i: usize, word: &[u8]) -> bool {
    word.iter()
        .enumerate()
        .all(|(j, &w)| at(d, i + j).eq_ignore_ascii_case(&w))
}

/// Parses a NaN payload `n-char-sequence` the way glibc's `strtoull(s, 0)`
/// does; `None` unless the whole sequence is consumed.
fn nan_payload(s: &[u8]) -> Option<u64> {
    let (base, digits): (u32, &[u8]) =
        if s.len() > 2 && s[0] == b'0' && (s[1] | 0x20) == b'x' && s[2].is_ascii_hexdigit() {
            (16, &s[2..])
        } else if s.first() == Some(&b'0') {
            (8, s)
        } else {
            (10, s)
        };
    let mut v: u64 = 0;
    let mut overflow = false;
    for &c in digits {
        let d = (c as char).to_digit(base)?;
        match v
            .checked_mul(base as u64)
            .and_then(|x| x.checked_add(d as u64))
        {
            Some(x) => v = x,
            None => overflow = true,
        }
    }
    Some(if overflow { u64::MAX } else { v })
}

/// Rounds `m * 2^e2` (plus a sticky bit for dropped nonzero digits) to the
/// nearest double, ties to even.
fn compose(neg: bool, m: u64, e2: i64, sticky: bool) -> f64 {
    let sign = if neg { 1u64 << 63 } else { 0 };
    if m == 0 {
        return f64::from_bits(sign);
    }
    let lz = m.leading_zeros() as i64;
    let m = m << lz;
    let e = e2.saturating_sub(lz).saturating_add(63);
    if e > 1023 {
        return f64::from_bits(sign | 0x7ff0_0000_0000_0000);
    }
    let shift = if e >= -1022 {
        11
    } else {
        11i64.saturating_add(-1022 - e)
    };
    let (keep, rem, half) = if shift >= 128 {
        (0u128, 1u128, 2u128)
    } else {
        let m128 = m as u128;
        let s = shift as u32;
        let keep = m128 >> s;
        let rem = m128 & ((1u128 << s) - 1);
        (keep, rem, 1u128 << (s - 1))
    };
    let mut keep = keep as u64;
    if rem > half || (rem == half && (sticky || keep & 1 == 1)) {
        keep += 1;
    }
    if e >= -1022 {
        let mut e = e;
        if keep == 1u64 << 53 {
            keep >>= 1;
            e += 1;
            if e > 1023 {
                return f64::from_bits(sign | 0x7ff0_0000_0000_0000);
            }
        }
        f64::from_bits(sign | (((e + 1023) as u64) << 52) | (keep & ((1u64 << 52) - 1)))
    } else {
        f64::from_bits(sign | keep)
    }
}

/// glibc `strtod` in the C locale over a NUL-terminated view of `d`,
/// starting at `i`: the value and the end index, or `None` when nothing
/// converts.
fn strtod(d: &[u8], i: usize) -> Option<(f64, usize)> {
    let mut p = i;
    let mut neg = false;
    if at(d, p) == b'+' || at(d, p) == b'-' {
        neg = at(d, p) == b'-';
        p += 1;
    }
    let signed = |x: f64| if neg { -x } else { x };
    if ci_prefix(d, p, b"inf") {
        p += 3;
        if ci_prefix(d, p, b"inity") {
            p += 5;
        }
        return Some((signed(f64::INFINITY), p));
    }
    if ci_prefix(d, p, b"nan") {
        p += 3;
        let mut payload = 0u64;
        if at(d, p) == b'(' {
            let mut q = p + 1;
            while at(d, q).is_ascii_alphanumeric() || at(d, q) == b'_' {
                q += 1;
            }
            if at(d, q) == b')' {
                if let Some(v) = nan_payload(&d[p + 1..q]) {
                    payload = v;
                }
                p = q + 1;
            }
        }
        let bits = ((neg as u64) << 63) | 0x7ff8_0000_0000_0000 | (payload & 0x0007_ffff_ffff_ffff);
        return Some((f64::from_bits(bits), p));
    }
    if at(d, p) == b'0' && (at(d, p + 1) | 0x20) == b'x' {
        if let Some(r) = hex_float(d, p + 2, neg) {
            return Some(r);
        }
        // "0x" without digits: only the "0" converts.
        return Some((signed(0.0), p + 1));
    }
    let int_start = p;
    while at(d, p).is_ascii_digit() {
        p += 1;
    }
    let int_part = &d[int_start..p];
    let mut frac_part: &[u8] = &[];
    if at(d, p) == b'.' {
        let fs = p + 1;
        let mut q = fs;
        while at(d, q).is_ascii_digit() {
            q += 1;
        }
        frac_part = &d[fs..q];
        if !int_part.is_empty() || !frac_part.is_empty() {
            p = q;
        }
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut exp: i64 = 0;
    if at(d, p) | 0x20 == b'e' {
        let mut q = p + 1;
        let mut eneg = false;
        if at(d, q) == b'+' || at(d, q) == b'-' {
            eneg = at(d, q) == b'-';
            q += 1;
        }
        if at(d, q).is_ascii_digit() {
            while at(d, q).is_ascii_digit() {
                exp = (exp * 10 + (at(d, q) - b'0') as i64).min(1_000_000_000);
                q += 1;
            }
            if eneg {
                exp = -exp;
            }
            p = q;
        }
    }
    let mut text = String::with_capacity(int_part.len() + frac_part.len() + 16);
    text.push_str(if int_part.is_empty() {
        "0"
    } else {
        std::str::from_utf8(int_part).unwrap_or("0")
    });
    text.push('.');
    text.push_str(if frac_part.is_empty() {
        "0"
    } else {
        std::str::from_utf8(frac_part).unwrap_or("0")
    });
    text.push_str(&format!("e{exp}"));
    let v: f64 = text.parse().unwrap_or(0.0);
    Some((signed(v), p))
}

/// The hexadecimal part of `strtod` after "0x"; `None` without any digit.
fn hex_float(d: &[u8], start: usize, neg: bool) -> Option<(f64, usize)> {
    let mut p = start;
    let mut m: u64 = 0;
    let mut e2: i64 = 0;
    let mut sticky = false;
    let mut any = false;
    let add = |c: u8, frac: bool, m: &mut u64, e2: &mut i64, sticky: &mut bool| {
        let v = (c as char).to_digit(16).unwrap_or(0) as u64;
        if *m >> 60 == 0 {
            *m = (*m << 4) | v;
            if frac {
                *e2 -= 4;
            }
        } else {
            if v != 0 {
                *sticky = true;
            }
            if !frac {
                *e2 += 4;
            }
        }
    };
    while at(d, p).is_ascii_hexdigit() {
        add(at(d, p), false, &mut m, &mut e2, &mut sticky);
        any = true;
        p += 1;
    }
    if at(d, p) == b'.' {
        let mut q = p + 1;
        let mut fany = false;
        while at(d, q).is_ascii_hexdigit() {
            add(at(d, q), true, &mut m, &mut e2, &mut sticky);
            fany = true;
            q += 1;
        }
        if any || fany {
            p = q;
            any = true;
        }
    }
    if !any {
        return None;
    }
    if at(d, p) | 0x20 == b'p' {
        let mut q = p + 1;
        let mut eneg = false;
        if at(d, q) == b'+' || at(d, q) == b'-' {
            eneg = at(d, q) == b'-';
            q += 1;
        }
        if at(d, q).is_ascii_digit() {
            let mut exp: i64 = 0;
            while at(d, q).is_ascii_digit() {
                exp = (exp * 10 + (at(d, q) - b'0') as i64).min(1_000_000_000_000);
                q += 1;
            }
            e2 = e2.saturating_add(if eneg { -exp } else { exp });
            p = q;
        }
    }
    Some((compose(neg, m, e2, sticky), p))
}

struct Parser<'a> {
    d: &'a [u8],
    pos: usize,
    invalid_numbers: bool,
}

impl Parser<'_> {
    fn is_invalid_number(&self) -> bool {
        let d = self.d;
        let mut i = self.pos;
        if at(d, i) == b'+' {
            return true;
        }
        if at(d, i) == b'-' {
            i += 1;
        }
        if at(d, i) == b'0' {
            let c2 = at(d, i + 1);
            return (c2 | 0x20) == b'x' || c2.is_ascii_digit();
        } else if at(d, i) <= b'9' || at(d, i) >= 0x80 {
            return false;
        }
        ci_prefix(d, i, b"inf") || ci_prefix(d, i, b"nan")
    }

    fn number(&mut self) -> Token {
        let index = self.pos;
        match strtod(self.d, self.pos) {
            Some((v, end)) => {
                self.pos = end;
                Token {
                    tok: Tok::Num(v),
                    index,
                }
            }
            None => Token {
                tok: Tok::Error("invalid number"),
                index,
            },
        }
    }

    fn string(&mut self) -> Token {
        let d = self.d;
        self.pos += 1;
        let mut s = Vec::new();
        loop {
            let c = at(d, self.pos);
            match c {
                b'"' => break,
                0 => {
                    return Token {
                        tok: Tok::Error("unexpected end of string"),
                        index: self.pos,
                    }
                }
                b'\\' => {
                    let e = at(d, self.pos + 1);
                    let ch = match e {
                        b'"' | b'\\' | b'/' => e,
                        b'b' => 8,
                        b't' => 9,
                        b'n' => 10,
                        b'f' => 12,
                        b'r' => 13,
                        b'u' => match self.unicode(&mut s) {
                            Some(()) => continue,
                            None => {
                                let tok = Tok::Error("invalid unicode escape code");
                                return Token {
                                    tok,
                                    index: self.pos,
                                };
                            }
                        },
                        _ => {
                            return Token {
                                tok: Tok::Error("invalid escape code"),
                                index: self.pos,
                            }
                        }
                    };
                    s.push(ch);
                    self.pos += 2;
                }
                _ => {
                    s.push(c);
                    self.pos += 1;
                }
            }
        }
        self.pos += 1;
        Token {
            tok: Tok::Str(s),
            index: 0,
        }
    }

    fn hex4(&self, i: usize) -> Option<u32> {
        let mut v = 0;
        for j in 0..4 {
            v = (v << 4) | (at(self.d, i + j) as char).to_digit(16)?;
        }
        Some(v)
    }

    fn unicode(&mut self, s: &mut Vec<u8>) -> Option<()> {
        let mut cp = self.hex4(self.pos + 2)?;
        let mut len = 6;
        if cp & 0xF800 == 0xD800 {
            if cp & 0x400 != 0 {
                return None;
            }
            if at(self.d, self.pos + 6) != b'\\' || at(self.d, self.pos + 7) != b'u' {
                return None;
            }
            let low = self.hex4(self.pos + 8)?;
            if low & 0xFC00 != 0xDC00 {
                return None;
            }
            cp = (((cp & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
            len = 12;
        }
        let mut buf = [0u8; 4];
        let c = char::from_u32(cp)?;
        s.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        self.pos += len;
        Some(())
    }

    fn next(&mut self) -> Token {
        let d = self.d;
        while matches!(at(d, self.pos), b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
        let index = self.pos;
        let single = |t: Tok, p: &mut Parser| {
            p.pos += 1;
            Token { tok: t, index }
        };
        let c = at(d, self.pos);
        match c {
            b'{' => single(Tok::ObjBegin, self),
            b'}' => single(Tok::ObjEnd, self),
            b'[' => single(Tok::ArrBegin, self),
            b']' => single(Tok::ArrEnd, self),
            b',' => single(Tok::Comma, self),
            b':' => single(Tok::Colon, self),
            0 => Token {
                tok: Tok::End,
                index,
            },
            b'"' => {
                let mut t = self.string();
                if let Tok::Str(_) = t.tok {
                    t.index = index;
                }
                t
            }
            b'-' | b'0'..=b'9' => {
                if self.invalid_numbers || !self.is_invalid_number() {
                    self.number()
                } else {
                    Token {
                        tok: Tok::Error("invalid number"),
                        index,
                    }
                }
            }
            b'f' | b'i' | b'I' | b'n' | b'N' | b't' | b'+' => {
                if ci_eq(d, index, b"true") {
                    self.pos += 4;
                    Token {
                        tok: Tok::Bool(true),
                        index,
                    }
                } else if ci_eq(d, index, b"false") {
                    self.pos += 5;
                    Token {
                        tok: Tok::Bool(false),
                        index,
                    }
                } else if ci_eq(d, index, b"null") {
                    self.pos += 4;
                    Token {
                        tok: Tok::Null,
                        index,
                    }
                } else if self.invalid_numbers && self.is_invalid_number() {
                    self.number()
                } else {
                    Token {
                        tok: Tok::Error("invalid token"),
                        index,
                    }
                }
            }
            _ => Token {
                tok: Tok::Error("invalid token"),
                index,
            },
        }
    }
}

/// Exact (case-sensitive) prefix match, like `strncmp`.
fn ci_eq(d: &[u8], i: usize, word: &[u8]) -> bool {
    word.iter().enumerate().all(|(j, &w)| at(d, i + j) == w)
}

fn parse_error(exp: &str, t: &Token) -> Fail {
    fail(format!(
        "Expected {exp} but found {} at character {}",
        t.tok.name(),
        t.index + 1
    ))
}

#[derive(Clone, Copy)]
enum DFrame {
    Arr(i64),
    Obj,
}

struct Builder<'a> {
    lua: &'a Lua,
    frames: Vec<DFrame>,
    held: i64,
    spill: Spill,
    cur: Option<Table>,
    key: Value,
    max_depth: i64,
}

impl Builder<'_> {
    fn open(&mut self, kind: DFrame, slots: i64, pos: usize) -> Result<(), Fail> {
        let depth = self.frames.len() as i64 + 1;
        let held = self.held
            + match self.frames.last() {
                Some(DFrame::Arr(_)) => 1,
                Some(DFrame::Obj) => 2,
                None => 0,
            };
        if depth > self.max_depth || 1 + held + slots > MAX_C_STACK {
            return Err(fail(format!(
                "Found too many nested data structures ({depth}) at character {pos}"
            )));
        }
        let t = self.lua.create_table()?;
        if let Some(parent) = self.cur.take() {
            self.spill.push(self.lua, Value::Table(parent))?;
            let key = std::mem::replace(&mut self.key, Value::Nil);
            self.spill.push(self.lua, key)?;
        }
        self.held = held;
        self.cur = Some(t);
        self.frames.push(kind);
        Ok(())
    }

    fn close(&mut self) -> Result<Value, Fail> {
        self.frames.pop();
        let v = match self.cur.take() {
            Some(t) => Value::Table(t),
            None => Value::Nil,
        };
        if let Some(top) = self.frames.last() {
            self.held -= match top {
                DFrame::Arr(_) => 1,
                DFrame::Obj => 2,
            };
            self.key = self.spill.pop()?;
            if let Value::Table(t) = self.spill.pop()? {
                self.cur = Some(t);
            }
        }
        Ok(v)
    }

    fn set(&mut self, k: Value, v: Value) -> Result<(), Fail> {
        if let Some(t) = &self.cur {
            t.raw_set(k, v)?;
        }
        Ok(())
    }
}

fn decode_text(lua: &Lua, d: &[u8], cfg: &Config) -> Result<Value, Fail> {
    let mut p = Parser {
        d,
        pos: 0,
        invalid_numbers: cfg.decode_invalid_numbers != 0,
    };
    let mut b = Builder {
        lua,
        frames: Vec::new(),
        held: 0,
        spill: Spill::new(),
        cur: None,
        key: Value::Nil,
        max_depth: cfg.decode_max_depth as i64,
    };
    let mut t = p.next();
    // Reads `"key" :` and the token after it into `t`.
    fn member(p: &mut Parser, b: &mut Builder, t: &mut Token) -> Result<(), Fail> {
        let Tok::Str(s) = &t.tok else {
            return Err(parse_error("object key string", t));
        };
        b.key = Value::String(b.lua.create_string(s)?);
        *t = p.next();
        if !matches!(t.tok, Tok::Colon) {
            return Err(parse_error("colon", t));
        }
        *t = p.next();
        Ok(())
    }
    'value: loop {
        let mut v = match std::mem::replace(&mut t.tok, Tok::End) {
            Tok::Str(s) => Value::String(lua.create_string(&s)?),
            Tok::Num(n) => Value::Number(n),
            Tok::Bool(x) => Value::Boolean(x),
            Tok::Null => NULL,
            Tok::ObjBegin => {
                b.open(DFrame::Obj, 3, p.pos)?;
                t = p.next();
                if matches!(t.tok, Tok::ObjEnd) {
                    b.close()?
                } else {
                    member(&mut p, &mut b, &mut t)?;
                    continue 'value;
                }
            }
            Tok::ArrBegin => {
                b.open(DFrame::Arr(1), 2, p.pos)?;
                t = p.next();
                if matches!(t.tok, Tok::ArrEnd) {
                    b.close()?
                } else {
                    continue 'value;
                }
            }
            other => {
                t.tok = other;
                return Err(parse_error("value", &t));
            }
        };
        loop {
            let Some(&frame) = b.frames.last() else {
                t = p.next();
                if !matches!(t.tok, Tok::End) {
                    return Err(parse_error("the end", &t));
                }
                return Ok(v);
            };
            match frame {
                DFrame::Arr(i) => {
                    b.set(Value::Number(i as f64), v)?;
                    t = p.next();
                    match t.tok {
                        Tok::ArrEnd => v = b.close()?,
                        Tok::Comma => {
                            if let Some(f) = b.frames.last_mut() {
                                *f = DFrame::Arr(i + 1);
                            }
                            t = p.next();
                            continue 'value;
                        }
                        _ => return Err(parse_error("comma or array end", &t)),
                    }
                }
                DFrame::Obj => {
                    let k = std::mem::replace(&mut b.key, Value::Nil);
                    b.set(k, v)?;
                    t = p.next();
                    match t.tok {
                        Tok::ObjEnd => v = b.close()?,
                        Tok::Comma => {
                            t = p.next();
                            member(&mut p, &mut b, &mut t)?;
                            continue 'value;
                        }
                        _ => return Err(parse_error("comma or object end", &t)),
                    }
                }
            }
        }
    }
}

fn decode(lua: &Lua, args: &Args, cfg: &Shared) -> LibResult {
    if args.len() != 1 {
        return Err(arg_error(lua, 1, b"expected 1 argument"));
    }
    let d = check_bytes(lua, args, 1)?;
    if d.len() >= 2 && (d[0] == 0 || d[1] == 0) {
        return Err(fail("JSON parser does not support UTF-16 or UTF-32"));
    }
    let v = decode_text(lua, &d, &snapshot(cfg))?;
    Ok(Ret::one(v))
}

/// Creates a `cjson` table with its own configuration.
pub(crate) fn create(lua: &Lua, next: &Function) -> mlua::Result<Table> {
    let cfg: Shared = Arc::new(Mutex::new(Config::new()));
    let t = lua.create_table()?;
    let (c, n) = (cfg.clone(), next.clone());
    t.raw_set(
        "encode",
        super::make_fn(lua, move |lua, a| encode(lua, a, &c, &n))?,
    )?;
    let c = cfg.clone();
    t.raw_set(
        "decode",
        super::make_fn(lua, move |lua, a| decode(lua, a, &c))?,
    )?;
    t.raw_set("encode_sparse_array", cfg_fn(lua, &cfg, sparse_array)?)?;
    t.raw_set("encode_max_depth", cfg_fn(lua, &cfg, encode_max_depth)?)?;
    t.raw_set("decode_max_depth", cfg_fn(lua, &cfg, decode_max_depth)?)?;
    t.raw_set(
        "encode_number_precision",
        cfg_fn(lua, &cfg, number_precision)?,
    )?;
    t.raw_set("encode_keep_buffer", cfg_fn(lua, &cfg, keep_buffer)?)?;
    t.raw_set("encode_invalid_numbers", cfg_fn(lua, &cfg, encode_invalid)?)?;
    t.raw_set("decode_invalid_numbers", cfg_fn(lua, &cfg, decode_invalid)?)?;
    let n = next.clone();
    t.raw_set(
        "new",
        super::make_fn(lua, move |lua, _| {
            Ok(Ret::one(Value::Table(create(lua, &n)?)))
        })?,
    )?;
    t.raw_set("null", NULL)?;
    t.raw_set("_NAME", "cjson")?;
    t.raw_set("_VERSION", "2.1.0")?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run;

    /// (script, reply) pairs observed from redis-server 7.0.15 (EVAL ... 0).
    const CASES: &[(&str, &str)] = &[
        (
            r#"local t = {} for k,v in pairs(cjson) do t[#t+1] = k .. '=' .. type(v) end table.sort(t) return table.concat(t, ' ')"#,
            r#""_NAME=string _VERSION=string decode=function decode_invalid_numbers=function decode_max_depth=function encode=function encode_invalid_numbers=function encode_keep_buffer=function encode_max_depth=function encode_number_precision=function encode_sparse_array=function new=function null=userdata""#,
        ),
        (
            r#"local t = {} for k,v in pairs(cjson.new()) do t[#t+1] = k .. '=' .. type(v) end table.sort(t) return table.concat(t, ' ')"#,
            r#""_NAME=string _VERSION=string decode=function decode_invalid_numbers=function decode_max_depth=function encode=function encode_invalid_numbers=function encode_keep_buffer=function encode_max_depth=function encode_number_precision=function encode_sparse_array=function new=function null=userdata""#,
        ),
        (
            r#"return tostring(cjson.new().null == cjson.null)"#,
            r#""true""#,
        ),
        (r#"return tostring(getmetatable(cjson))"#, r#""nil""#),
        (r#"return tostring(cjson.null)"#, r#""userdata: (nil)""#),
        (r#"return tostring(cjson.new() == cjson)"#, r#""false""#),
        (
            r#"local t = {} for k,v in pairs(cjson) do t[#t+1] = k end return table.concat(t, ' ')"#,
            r#""_NAME encode decode_max_depth _VERSION decode_invalid_numbers encode_keep_buffer null encode_number_precision new encode_max_depth encode_invalid_numbers decode encode_sparse_array""#,
        ),
        (
            r#"local t = {} for k,v in pairs(cjson.new()) do t[#t+1] = k end return table.concat(t, ' ')"#,
            r#""_NAME encode decode_max_depth _VERSION decode_invalid_numbers encode_keep_buffer null encode_number_precision new encode_max_depth encode_invalid_numbers decode encode_sparse_array""#,
        ),
        (r#"return tostring(cjson.decode('-.5'))"#, r#""-0.5""#),
        (r#"return tostring(cjson.decode('1.e5'))"#, r#""100000""#),
        (r#"return tostring(cjson.decode('-1.e+5'))"#, r#""-100000""#),
        (
            r#"return tostring(cjson.decode('-.e5'))"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"return tostring(cjson.decode('1e5.5'))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 4)"#,
        ),
        (r#"return tostring(cjson.decode('0x1P+4'))"#, r#""16""#),
        (r#"return tostring(cjson.decode('0x1p-4'))"#, r#""0.0625""#),
        (
            r#"return tostring(cjson.decode('0xAbC.dEf'))"#,
            r#""2748.8708496094""#,
        ),
        (r#"return tostring(cjson.decode('  007  '))"#, r#""7""#),
        (
            r#"return string.format('%.17g', cjson.decode('0x1.fffffffffffff7ffffp0'))"#,
            r#""1.9999999999999998""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1.fffffffffffff80000000001p0'))"#,
            r#""2""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x0.0000000000000000000001p0'))"#,
            r#""3.2311742677852644e-27""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x100000000000000000000000000000000000000000p-100'))"#,
            r#""1.8446744073709552e+19""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1p-1022'))"#,
            r#""2.2250738585072014e-308""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x0.fffffffffffffp-1022'))"#,
            r#""2.2250738585072009e-308""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x0.fffffffffffff8p-1022'))"#,
            r#""2.2250738585072014e-308""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1.fffffffffffffp1023'))"#,
            r#""1.7976931348623157e+308""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1.fffffffffffff8p1023'))"#,
            r#""inf""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1p99999999999999999999'))"#,
            r#""inf""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1p-99999999999999999999'))"#,
            r#""0""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x0p99999999999999999999'))"#,
            r#""0""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('1e99999999999999999999'))"#,
            r#""inf""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0e99999999999999999999'))"#,
            r#""0""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('-0x0'))"#,
            r#""-0""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0.' .. string.rep('0', 400) .. '1e400'))"#,
            r#""0.10000000000000001""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('1' .. string.rep('0', 400) .. 'e-400'))"#,
            r#""1""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('9007199254740993'))"#,
            r#""9007199254740992""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('9007199254740993.0000000000000000000001'))"#,
            r#""9007199254740994""#,
        ),
        (r#"return cjson.encode({1,2,3})"#, r#""[1,2,3]""#),
        (r#"return cjson.encode({a=1})"#, r#""{\"a\":1}""#),
        (r#"return cjson.encode({})"#, r#""{}""#),
        (r#"return cjson.encode(0.1)"#, r#""0.1""#),
        (r#"return cjson.encode(1/3)"#, r#""0.33333333333333""#),
        (r#"return cjson.encode(1e20)"#, r#""1e+20""#),
        (r#"return cjson.encode(-0)"#, r#""-0""#),
        (r#"return cjson.encode(-1e-300)"#, r#""-1e-300""#),
        (
            r#"return cjson.encode(123456789012345678)"#,
            r#""1.2345678901235e+17""#,
        ),
        (
            r#"return cjson.encode(1/0)"#,
            r#"ERR(user_script:1: Cannot serialise number: must not be NaN or Inf)"#,
        ),
        (
            r#"return cjson.encode(-1/0)"#,
            r#"ERR(user_script:1: Cannot serialise number: must not be NaN or Inf)"#,
        ),
        (
            r#"return cjson.encode(0/0)"#,
            r#"ERR(user_script:1: Cannot serialise number: must not be NaN or Inf)"#,
        ),
        (
            r#"return cjson.encode("a\"b\\c/d\0\1\8\9\10\12\13\31\127\128\255")"#,
            r#""\"a\\\"b\\\\c\\/d\\u0000\\u0001\\b\\t\\n\\f\\r\\u001f\\u007f\x80\xff\"""#,
        ),
        (
            r#"return cjson.encode({[1]=1,[2]=2,[4]=4})"#,
            r#""[1,2,null,4]""#,
        ),
        (
            r#"return cjson.encode({[1]=1,[20]=2})"#,
            r#"ERR(user_script:1: Cannot serialise table: excessively sparse array)"#,
        ),
        (
            r#"return cjson.encode({[1]=1,[11]=2})"#,
            r#"ERR(user_script:1: Cannot serialise table: excessively sparse array)"#,
        ),
        (
            r#"return cjson.encode({[1]=1,[10]=2})"#,
            r#""[1,null,null,null,null,null,null,null,null,2]""#,
        ),
        (r#"return cjson.encode({[0]=1})"#, r#""{\"0\":1}""#),
        (r#"return cjson.encode({[1.5]=1})"#, r#""{\"1.5\":1}""#),
        (r#"return cjson.encode({[-1]=1})"#, r#""{\"-1\":1}""#),
        (
            r#"return cjson.encode({[true]=1})"#,
            r#"ERR(user_script:1: Cannot serialise boolean: table key must be a number or string)"#,
        ),
        (r#"return cjson.encode(nil)"#, r#""null""#),
        (r#"return cjson.encode(cjson.null)"#, r#""null""#),
        (r#"return cjson.encode(true)"#, r#""true""#),
        (r#"return cjson.encode({false})"#, r#""[false]""#),
        (
            r#"return cjson.encode(1, 2)"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode' (expected 1 argument))"#,
        ),
        (
            r#"return cjson.encode()"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode' (expected 1 argument))"#,
        ),
        (r#"return type(cjson.null)"#, r#""userdata""#),
        (r#"return tostring(cjson.null == nil)"#, r#""false""#),
        (r#"return cjson.version"#, r#"nil"#),
        (r#"return cjson._NAME"#, r#""cjson""#),
        (r#"return cjson._VERSION"#, r#""2.1.0""#),
        (r#"return cjson.encode({1, nil, 3})"#, r#""[1,null,3]""#),
        (r#"return cjson.encode({[2]=1})"#, r#""[null,1]""#),
        (r#"return cjson.encode({[3]=1})"#, r#""[null,null,1]""#),
        (
            r#"return cjson.encode({[1]=1, a=2})"#,
            r#""{\"1\":1,\"a\":2}""#,
        ),
        (r#"return cjson.encode({[2.0]=1, [1]=3})"#, r#""[3,1]""#),
        (r#"return cjson.encode({{{}}})"#, r#""[[{}]]""#),
        (
            r#"return cjson.encode({[1e10]=1})"#,
            r#""{\"10000000000\":1}""#,
        ),
        (
            r#"return cjson.encode({[2^31]=1})"#,
            r#""{\"2147483648\":1}""#,
        ),
        (
            r#"return cjson.encode({[2^31-1]=1})"#,
            r#"ERR(user_script:1: Cannot serialise table: excessively sparse array)"#,
        ),
        (
            r#"return cjson.encode({[1/0]=1})"#,
            r#"ERR(user_script:1: Cannot serialise number: must not be NaN or Inf)"#,
        ),
        (
            r#"return cjson.encode({[-1/0]=1})"#,
            r#"ERR(user_script:1: Cannot serialise number: must not be NaN or Inf)"#,
        ),
        (
            r#"return cjson.encode({a={b={c={}}}})"#,
            r#""{\"a\":{\"b\":{\"c\":{}}}}""#,
        ),
        (
            r#"return cjson.encode({1,{2,{3,{a="x"}}}})"#,
            r#""[1,[2,[3,{\"a\":\"x\"}]]]""#,
        ),
        (r#"return cjson.encode_invalid_numbers()"#, r#"nil"#),
        (
            r#"return tostring(cjson.encode_invalid_numbers(true))"#,
            r#""true""#,
        ),
        (
            r#"return tostring(cjson.encode_invalid_numbers(false))"#,
            r#""false""#,
        ),
        (
            r#"return cjson.encode_invalid_numbers("null")"#,
            r#""null""#,
        ),
        (
            r#"return tostring(cjson.encode_invalid_numbers("on"))"#,
            r#""true""#,
        ),
        (
            r#"return tostring(cjson.encode_invalid_numbers("off"))"#,
            r#""false""#,
        ),
        (
            r#"return cjson.encode_invalid_numbers("bogus")"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_invalid_numbers' (invalid option 'bogus'))"#,
        ),
        (
            r#"return cjson.encode_invalid_numbers(1)"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_invalid_numbers' (invalid option '1'))"#,
        ),
        (r#"return cjson.encode_invalid_numbers(nil)"#, r#"nil"#),
        (
            r#"return cjson.encode_invalid_numbers(1, 2)"#,
            r#"ERR(user_script:1: bad argument #2 to 'encode_invalid_numbers' (found too many arguments))"#,
        ),
        (
            r#"cjson.encode_invalid_numbers(true) return cjson.encode({1/0, -1/0, 0/0, -(0/0)})"#,
            r#""[inf,-inf,nan,nan]""#,
        ),
        (
            r#"cjson.encode_invalid_numbers("null") return cjson.encode({1/0, -1/0, 0/0})"#,
            r#""[null,null,null]""#,
        ),
        (
            r#"cjson.encode_invalid_numbers(true) return cjson.encode({[1/0]=1})"#,
            r#""{\"inf\":1}""#,
        ),
        (
            r#"cjson.encode_invalid_numbers("null") return cjson.encode({[1/0]=1})"#,
            r#""{\"null\":1}""#,
        ),
        (
            r#"return tostring(cjson.decode_invalid_numbers())"#,
            r#""true""#,
        ),
        (
            r#"return tostring(cjson.decode_invalid_numbers(false))"#,
            r#""false""#,
        ),
        (
            r#"return tostring(cjson.decode_invalid_numbers("on"))"#,
            r#""true""#,
        ),
        (
            r#"return tostring(cjson.decode_invalid_numbers("off"))"#,
            r#""false""#,
        ),
        (
            r#"return tostring(cjson.decode_invalid_numbers("null"))"#,
            r#"ERR(user_script:1: bad argument #1 to 'decode_invalid_numbers' (invalid option 'null'))"#,
        ),
        (
            r#"return tostring(cjson.decode_invalid_numbers(0))"#,
            r#"ERR(user_script:1: bad argument #1 to 'decode_invalid_numbers' (invalid option '0'))"#,
        ),
        (
            r#"return tostring(cjson.encode_keep_buffer())"#,
            r#""true""#,
        ),
        (
            r#"return tostring(cjson.encode_keep_buffer(false))"#,
            r#""false""#,
        ),
        (
            r#"return tostring(cjson.encode_keep_buffer("on"))"#,
            r#""true""#,
        ),
        (
            r#"return tostring(cjson.encode_keep_buffer("off"))"#,
            r#""false""#,
        ),
        (
            r#"return tostring(cjson.encode_keep_buffer("x"))"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_keep_buffer' (invalid option 'x'))"#,
        ),
        (
            r#"return tostring(cjson.encode_keep_buffer({}))"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_keep_buffer' (string expected, got table))"#,
        ),
        (r#"return cjson.encode_max_depth()"#, r#"1000"#),
        (r#"return cjson.encode_max_depth(5)"#, r#"5"#),
        (
            r#"return cjson.encode_max_depth(0)"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647))"#,
        ),
        (
            r#"return cjson.encode_max_depth(-1)"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647))"#,
        ),
        (r#"return cjson.encode_max_depth("7")"#, r#"7"#),
        (
            r#"return cjson.encode_max_depth("x")"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_max_depth' (number expected, got string))"#,
        ),
        (r#"return cjson.encode_max_depth(2.9)"#, r#"2"#),
        (r#"return cjson.encode_max_depth(4294967297)"#, r#"1"#),
        (
            r#"return cjson.encode_max_depth(2^31)"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647))"#,
        ),
        (
            r#"return cjson.encode_max_depth(1e300)"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647))"#,
        ),
        (
            r#"return cjson.encode_max_depth({})"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_max_depth' (number expected, got table))"#,
        ),
        (r#"return cjson.decode_max_depth()"#, r#"1000"#),
        (r#"return cjson.decode_max_depth(3)"#, r#"3"#),
        (
            r#"return cjson.decode_max_depth(0)"#,
            r#"ERR(user_script:1: bad argument #1 to 'decode_max_depth' (expected integer between 1 and 2147483647))"#,
        ),
        (r#"return cjson.encode_number_precision()"#, r#"14"#),
        (r#"return cjson.encode_number_precision(3)"#, r#"3"#),
        (
            r#"return cjson.encode_number_precision(0)"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14))"#,
        ),
        (
            r#"return cjson.encode_number_precision(15)"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14))"#,
        ),
        (r#"return cjson.encode_number_precision(14)"#, r#"14"#),
        (r#"return cjson.encode_number_precision(1)"#, r#"1"#),
        (
            r#"cjson.encode_number_precision(3) return cjson.encode({math.pi, 1234.5, 0.0001234, 1e21, 100, 12345})"#,
            r#""[3.14,1.23e+03,0.000123,1e+21,100,1.23e+04]""#,
        ),
        (
            r#"cjson.encode_number_precision(1) return cjson.encode({math.pi, 15, 0.05, 95})"#,
            r#""[3,2e+01,0.05,1e+02]""#,
        ),
        (
            r#"cjson.encode_number_precision(14) return cjson.encode({math.pi, 2^53, 2^63, 1e-5, 1e-4, 123456789012345, 12345678901234})"#,
            r#""[3.1415926535898,9.007199254741e+15,9.2233720368548e+18,1e-05,0.0001,1.2345678901234e+14,12345678901234]""#,
        ),
        (
            r#"return cjson.encode({0.1+0.2, 1e15, 1e14, 1e16, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308})"#,
            r#""[0.3,1e+15,1e+14,1e+16,4.9406564584125e-324,2.2250738585072e-308,1.7976931348623e+308]""#,
        ),
        (
            r#"return cjson.encode({-0.0, 0.5, 2.5, 1.25, 0.125, 1e-7})"#,
            r#""[-0,0.5,2.5,1.25,0.125,1e-07]""#,
        ),
        (
            r#"return table.concat({tostring(cjson.encode_sparse_array())}, ',')"#,
            r#""false""#,
        ),
        (
            r#"local a,b,c = cjson.encode_sparse_array() return tostring(a)..','..tostring(b)..','..tostring(c)"#,
            r#""false,2,10""#,
        ),
        (
            r#"local a,b,c = cjson.encode_sparse_array(true) return tostring(a)..','..tostring(b)..','..tostring(c)"#,
            r#""true,2,10""#,
        ),
        (
            r#"local a,b,c = cjson.encode_sparse_array(true, 3) return tostring(a)..','..tostring(b)..','..tostring(c)"#,
            r#""true,3,10""#,
        ),
        (
            r#"local a,b,c = cjson.encode_sparse_array(false, 3, 1) return tostring(a)..','..tostring(b)..','..tostring(c)"#,
            r#""false,3,1""#,
        ),
        (
            r#"local a,b,c = cjson.encode_sparse_array(nil, nil, 5) return tostring(a)..','..tostring(b)..','..tostring(c)"#,
            r#""false,2,5""#,
        ),
        (
            r#"local a,b,c = cjson.encode_sparse_array("on") return tostring(a)..','..tostring(b)..','..tostring(c)"#,
            r#""true,2,10""#,
        ),
        (
            r#"local a,b,c = cjson.encode_sparse_array("x") return tostring(a)..','..tostring(b)..','..tostring(c)"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_sparse_array' (invalid option 'x'))"#,
        ),
        (
            r#"local a,b,c = cjson.encode_sparse_array(1) return tostring(a)..','..tostring(b)..','..tostring(c)"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_sparse_array' (invalid option '1'))"#,
        ),
        (
            r#"local a,b,c = cjson.encode_sparse_array(true, -1) return tostring(a)..','..tostring(b)..','..tostring(c)"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647))"#,
        ),
        (
            r#"local a,b,c = cjson.encode_sparse_array(true, 1, -1) return tostring(a)..','..tostring(b)..','..tostring(c)"#,
            r#"ERR(user_script:1: bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647))"#,
        ),
        (
            r#"local a,b,c = cjson.encode_sparse_array(true, 1, 1, 1) return tostring(a)..','..tostring(b)..','..tostring(c)"#,
            r#"ERR(user_script:1: bad argument #4 to 'encode_sparse_array' (found too many arguments))"#,
        ),
        (
            r#"local a,b,c = cjson.encode_sparse_array(true, "x") return tostring(a)..','..tostring(b)..','..tostring(c)"#,
            r#"ERR(user_script:1: bad argument #2 to 'encode_sparse_array' (number expected, got string))"#,
        ),
        (
            r#"cjson.encode_sparse_array(true) return cjson.encode({[1]=1,[20]=2})"#,
            r#""{\"1\":1,\"20\":2}""#,
        ),
        (
            r#"cjson.encode_sparse_array(false, 0) return cjson.encode({[1]=1,[2000]=2})"#,
            r#""[1,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,2]""#,
        ),
        (
            r#"cjson.encode_sparse_array(false, 1, 0) return cjson.encode({[1]=1,[3]=2})"#,
            r#"ERR(user_script:1: Cannot serialise table: excessively sparse array)"#,
        ),
        (
            r#"cjson.encode_sparse_array(false, 1, 0) return cjson.encode({[1]=1,[2]=2})"#,
            r#""[1,2]""#,
        ),
        (
            r#"cjson.encode_sparse_array(false, 3, 0) return cjson.encode({[1]=1,[3]=2})"#,
            r#""[1,null,2]""#,
        ),
        (
            r#"cjson.encode_sparse_array(false, 3, 0) return cjson.encode({[1]=1,[7]=2})"#,
            r#"ERR(user_script:1: Cannot serialise table: excessively sparse array)"#,
        ),
        (
            r#"cjson.encode_sparse_array(false, 2, 100) return cjson.encode({[1]=1,[100]=2})"#,
            r#""[1,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,2]""#,
        ),
        (
            r#"cjson.encode_sparse_array(false, 2, 100) return cjson.encode({[1]=1,[101]=2})"#,
            r#"ERR(user_script:1: Cannot serialise table: excessively sparse array)"#,
        ),
        (
            r#"cjson.encode_sparse_array(true, 2, 100) return cjson.encode({[1]=1,[101]=2})"#,
            r#""{\"1\":1,\"101\":2}""#,
        ),
        (
            r#"cjson.encode_sparse_array(false, 2147483647, 0) return cjson.encode({[1]=1,[2]=2,[3]=3})"#,
            r#""[1,2,3]""#,
        ),
        (
            r#"return cjson.encode(cjson.decode('[1,2,3]'))"#,
            r#""[1,2,3]""#,
        ),
        (
            r#"return cjson.encode(cjson.decode('{"a":[1,{"b":null}],"c":true,"d":false}'))"#,
            r#""{\"a\":[1,{\"b\":null}],\"d\":false,\"c\":true}""#,
        ),
        (r#"return cjson.decode('"abc"')"#, r#""abc""#),
        (
            r#"return cjson.decode(' \t\r\n "abc" \t\r\n ')"#,
            r#""abc""#,
        ),
        (r#"return tostring(cjson.decode('123.5'))"#, r#""123.5""#),
        (r#"return tostring(cjson.decode('-0'))"#, r#""-0""#),
        (r#"return tostring(cjson.decode('1e400'))"#, r#""inf""#),
        (r#"return tostring(cjson.decode('-1e400'))"#, r#""-inf""#),
        (r#"return tostring(cjson.decode('1e-400'))"#, r#""0""#),
        (r#"return tostring(cjson.decode('0x1F'))"#, r#""31""#),
        (r#"return tostring(cjson.decode('0x1p4'))"#, r#""16""#),
        (r#"return tostring(cjson.decode('-0x10'))"#, r#""-16""#),
        (r#"return tostring(cjson.decode('+5'))"#, r#""5""#),
        (r#"return tostring(cjson.decode('007'))"#, r#""7""#),
        (r#"return tostring(cjson.decode('inf'))"#, r#""inf""#),
        (r#"return tostring(cjson.decode('-inf'))"#, r#""-inf""#),
        (r#"return tostring(cjson.decode('Infinity'))"#, r#""inf""#),
        (r#"return tostring(cjson.decode('-Infinity'))"#, r#""-inf""#),
        (r#"return tostring(cjson.decode('nan'))"#, r#""nan""#),
        (r#"return tostring(cjson.decode('NaN'))"#, r#""nan""#),
        (r#"return tostring(cjson.decode('-nan'))"#, r#""-nan""#),
        (r#"return tostring(cjson.decode('nan(123)'))"#, r#""nan""#),
        (r#"return tostring(cjson.decode('INF'))"#, r#""inf""#),
        (r#"return tostring(cjson.decode('iNf'))"#, r#""inf""#),
        (
            r#"return tostring(cjson.decode('infinit'))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 4)"#,
        ),
        (r#"return tostring(cjson.decode('1.'))"#, r#""1""#),
        (
            r#"return tostring(cjson.decode('.5'))"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"return tostring(cjson.decode('1e'))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 2)"#,
        ),
        (
            r#"return tostring(cjson.decode('1e+'))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 2)"#,
        ),
        (r#"return tostring(cjson.decode('1.5e3'))"#, r#""1500""#),
        (r#"return tostring(cjson.decode('1E3'))"#, r#""1000""#),
        (
            r#"return tostring(cjson.decode('-'))"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"return tostring(cjson.decode('+'))"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"return tostring(cjson.decode('0x'))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 2)"#,
        ),
        (
            r#"return tostring(cjson.decode('0xg'))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 2)"#,
        ),
        (
            r#"return tostring(cjson.decode('12abc'))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 3)"#,
        ),
        (
            r#"return tostring(cjson.decode('[12abc]'))"#,
            r#"ERR(user_script:1: Expected comma or array end but found invalid token at character 4)"#,
        ),
        (
            r#"return tostring(cjson.decode('123456789012345678901234567890'))"#,
            r#""1.2345678901235e+29""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0.1'))"#,
            r#""0.10000000000000001""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('2.2250738585072011e-308'))"#,
            r#""2.2250738585072009e-308""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('4.9e-324'))"#,
            r#""4.9406564584124654e-324""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('2.4703282292062327e-324'))"#,
            r#""0""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1.fffffffffffff8p0'))"#,
            r#""2""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1.00000000000008p0'))"#,
            r#""1""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1.00000000000018p0'))"#,
            r#""1.0000000000000004""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x.8'))"#,
            r#""0.5""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0X1P-1074'))"#,
            r#""4.9406564584124654e-324""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1p-1075'))"#,
            r#""0""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1.8p-1075'))"#,
            r#""4.9406564584124654e-324""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1p1024'))"#,
            r#""inf""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0xffffffffffffffffffffffff'))"#,
            r#""7.9228162514264338e+28""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1p'))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 4)"#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1p+'))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 4)"#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('0x1.'))"#,
            r#""1""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('1e-5'))"#,
            r#""1.0000000000000001e-05""#,
        ),
        (
            r#"return string.format('%.17g', cjson.decode('1.7976931348623159e308'))"#,
            r#""inf""#,
        ),
        (
            r#"return cjson.decode('')"#,
            r#"ERR(user_script:1: Expected value but found T_END at character 1)"#,
        ),
        (
            r#"return cjson.decode(' ')"#,
            r#"ERR(user_script:1: Expected value but found T_END at character 2)"#,
        ),
        (
            r#"return cjson.decode('x')"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"return cjson.decode('[')"#,
            r#"ERR(user_script:1: Expected value but found T_END at character 2)"#,
        ),
        (
            r#"return cjson.decode('[1')"#,
            r#"ERR(user_script:1: Expected comma or array end but found T_END at character 3)"#,
        ),
        (
            r#"return cjson.decode('[1,')"#,
            r#"ERR(user_script:1: Expected value but found T_END at character 4)"#,
        ),
        (
            r#"return cjson.decode('[1,]')"#,
            r#"ERR(user_script:1: Expected value but found T_ARR_END at character 4)"#,
        ),
        (
            r#"return cjson.decode('[,]')"#,
            r#"ERR(user_script:1: Expected value but found T_COMMA at character 2)"#,
        ),
        (
            r#"return cjson.decode('{')"#,
            r#"ERR(user_script:1: Expected object key string but found T_END at character 2)"#,
        ),
        (
            r#"return cjson.decode('{"a"')"#,
            r#"ERR(user_script:1: Expected colon but found T_END at character 5)"#,
        ),
        (
            r#"return cjson.decode('{"a":')"#,
            r#"ERR(user_script:1: Expected value but found T_END at character 6)"#,
        ),
        (
            r#"return cjson.decode('{"a":1')"#,
            r#"ERR(user_script:1: Expected comma or object end but found T_END at character 7)"#,
        ),
        (
            r#"return cjson.decode('{"a":1,}')"#,
            r#"ERR(user_script:1: Expected object key string but found T_OBJ_END at character 8)"#,
        ),
        (
            r#"return cjson.decode('{1:2}')"#,
            r#"ERR(user_script:1: Expected object key string but found T_NUMBER at character 2)"#,
        ),
        (
            r#"return cjson.decode('{"a" 1}')"#,
            r#"ERR(user_script:1: Expected colon but found T_NUMBER at character 6)"#,
        ),
        (
            r#"return cjson.decode('[1 2]')"#,
            r#"ERR(user_script:1: Expected comma or array end but found T_NUMBER at character 4)"#,
        ),
        (
            r#"return cjson.decode('{"a":1 "b":2}')"#,
            r#"ERR(user_script:1: Expected comma or object end but found T_STRING at character 8)"#,
        ),
        (
            r#"return cjson.decode('1 2')"#,
            r#"ERR(user_script:1: Expected the end but found T_NUMBER at character 3)"#,
        ),
        (
            r#"return cjson.decode('[1]]')"#,
            r#"ERR(user_script:1: Expected the end but found T_ARR_END at character 4)"#,
        ),
        (
            r#"return cjson.decode('{}}')"#,
            r#"ERR(user_script:1: Expected the end but found T_OBJ_END at character 3)"#,
        ),
        (
            r#"return cjson.decode('tru')"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"return cjson.decode('nul')"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"return cjson.decode('fals')"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"return cjson.decode('True')"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"return cjson.decode('"abc')"#,
            r#"ERR(user_script:1: Expected value but found unexpected end of string at character 5)"#,
        ),
        (
            r#"return cjson.decode('"ab\\')"#,
            r#"ERR(user_script:1: Expected value but found invalid escape code at character 4)"#,
        ),
        (
            r#"return cjson.decode('"ab\\x"')"#,
            r#"ERR(user_script:1: Expected value but found invalid escape code at character 4)"#,
        ),
        (
            r#"return cjson.decode('"ab\\u12"')"#,
            r#"ERR(user_script:1: Expected value but found invalid unicode escape code at character 4)"#,
        ),
        (
            r#"return cjson.decode('"ab\\u12g4"')"#,
            r#"ERR(user_script:1: Expected value but found invalid unicode escape code at character 4)"#,
        ),
        (
            r#"return cjson.decode('"\\ud800"')"#,
            r#"ERR(user_script:1: Expected value but found invalid unicode escape code at character 2)"#,
        ),
        (
            r#"return cjson.decode('"\\ud800\\u0041"')"#,
            r#"ERR(user_script:1: Expected value but found invalid unicode escape code at character 2)"#,
        ),
        (
            r#"return cjson.decode('"\\udc00"')"#,
            r#"ERR(user_script:1: Expected value but found invalid unicode escape code at character 2)"#,
        ),
        (
            r#"return cjson.decode('"\\ud800x"')"#,
            r#"ERR(user_script:1: Expected value but found invalid unicode escape code at character 2)"#,
        ),
        (
            r#"return cjson.decode('"\\ud83d\\ude00"')"#,
            r#""\xf0\x9f\x98\x80""#,
        ),
        (
            r#"return cjson.decode('"\\u00e9\\u20ac\\u0000\\u0041"')"#,
            r#""\xc3\xa9\xe2\x82\xac\x00A""#,
        ),
        (
            r#"return cjson.decode('"\\"\\\\\\/\\b\\f\\n\\r\\t"')"#,
            r#""\"\\/\x08\x0c\x0a\x0d\x09""#,
        ),
        (
            r#"return cjson.decode('"\1\2\31\127\255"')"#,
            r#""\x01\x02\x1f\x7f\xff""#,
        ),
        (
            r#"return cjson.decode('"a\0b"')"#,
            r#"ERR(user_script:1: Expected value but found unexpected end of string at character 3)"#,
        ),
        (r#"return cjson.decode('[1]\0garbage')"#, r#"[1]"#),
        (
            r#"return cjson.decode('\0a')"#,
            r#"ERR(user_script:1: JSON parser does not support UTF-16 or UTF-32)"#,
        ),
        (
            r#"return cjson.decode('a\0')"#,
            r#"ERR(user_script:1: JSON parser does not support UTF-16 or UTF-32)"#,
        ),
        (
            r#"return cjson.decode('\0')"#,
            r#"ERR(user_script:1: Expected value but found T_END at character 1)"#,
        ),
        (
            r#"return cjson.decode('1\0')"#,
            r#"ERR(user_script:1: JSON parser does not support UTF-16 or UTF-32)"#,
        ),
        (r#"return cjson.decode(123)"#, r#"123"#),
        (
            r#"return cjson.decode(nil)"#,
            r#"ERR(user_script:1: bad argument #1 to 'decode' (string expected, got nil))"#,
        ),
        (
            r#"return cjson.decode()"#,
            r#"ERR(user_script:1: bad argument #1 to 'decode' (expected 1 argument))"#,
        ),
        (
            r#"return cjson.decode({})"#,
            r#"ERR(user_script:1: bad argument #1 to 'decode' (string expected, got table))"#,
        ),
        (
            r#"return cjson.decode('1', 2)"#,
            r#"ERR(user_script:1: bad argument #1 to 'decode' (expected 1 argument))"#,
        ),
        (
            r#"return cjson.decode(true)"#,
            r#"ERR(user_script:1: bad argument #1 to 'decode' (string expected, got boolean))"#,
        ),
        (
            r#"return cjson.decode('[1,[2,[3]]]  x')"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 14)"#,
        ),
        (r#"return cjson.decode('{"a":1,"a":2}').a"#, r#"2"#),
        (r#"return type(cjson.decode('null'))"#, r#""userdata""#),
        (
            r#"return tostring(cjson.decode('null') == cjson.null)"#,
            r#""true""#,
        ),
        (
            r#"return tostring(cjson.decode('[null]')[1] == cjson.null)"#,
            r#""true""#,
        ),
        (r#"return #cjson.decode('[1,null,3]')"#, r#"3"#),
        (
            r#"return cjson.decode('  [  1  ,  2  ]  x')"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 18)"#,
        ),
        (
            r#"return cjson.decode('\f1')"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"return cjson.decode('\v1')"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"return cjson.decode('[1,2]\f')"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 6)"#,
        ),
        (
            r#"return cjson.decode('{"a":1}x')"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 8)"#,
        ),
        (
            r#"return cjson.decode('"\\u"')"#,
            r#"ERR(user_script:1: Expected value but found invalid unicode escape code at character 2)"#,
        ),
        (
            r#"return cjson.decode('"\\u0041')"#,
            r#"ERR(user_script:1: Expected value but found unexpected end of string at character 8)"#,
        ),
        (r#"return cjson.decode('"\\u00411"')"#, r#""A1""#),
        (
            r#"return cjson.decode('"\\U0041"')"#,
            r#"ERR(user_script:1: Expected value but found invalid escape code at character 2)"#,
        ),
        (
            r#"return cjson.decode('"\\uD834\\uDD1E"')"#,
            r#""\xf0\x9d\x84\x9e""#,
        ),
        (r#"return cjson.decode('"\\uffff"')"#, r#""\xef\xbf\xbf""#),
        (
            r#"return cjson.decode('"\\udbff\\udfff"')"#,
            r#""\xf4\x8f\xbf\xbf""#,
        ),
        (
            r#"return cjson.decode('nullx')"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 5)"#,
        ),
        (
            r#"return cjson.decode('truex')"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 5)"#,
        ),
        (
            r#"return cjson.decode('[true false]')"#,
            r#"ERR(user_script:1: Expected comma or array end but found T_BOOLEAN at character 7)"#,
        ),
        (
            r#"local t = {} local c = t for i=1,999 do c[1] = {} c = c[1] end return #cjson.encode(t)"#,
            r#"2000"#,
        ),
        (
            r#"local t = {} local c = t for i=1,1000 do c[1] = {} c = c[1] end return #cjson.encode(t)"#,
            r#"ERR(user_script:1: Cannot serialise, excessive nesting (1001))"#,
        ),
        (
            r#"local t = {} local c = t for i=1,1000 do c.a = {} c = c.a end return #cjson.encode(t)"#,
            r#"ERR(user_script:1: Cannot serialise, excessive nesting (1001))"#,
        ),
        (
            r#"cjson.encode_max_depth(100000) local t = {} local c = t for i=1,10000 do c[1] = {} c = c[1] end return #cjson.encode(t)"#,
            r#"ERR(user_script:1: Cannot serialise, excessive nesting (7998))"#,
        ),
        (
            r#"cjson.encode_max_depth(100000) local t = {} local c = t for i=1,10000 do c.a = {} c = c.a end return #cjson.encode(t)"#,
            r#"ERR(user_script:1: Cannot serialise, excessive nesting (4000))"#,
        ),
        (
            r#"cjson.encode_max_depth(100000) local t = {} local c = t for i=1,10000 do if i % 2 == 0 then c.a = {} c = c.a else c[1] = {} c = c[1] end end return #cjson.encode(t)"#,
            r#"ERR(user_script:1: Cannot serialise, excessive nesting (5333))"#,
        ),
        (
            r#"cjson.encode_max_depth(3) return cjson.encode({{{1}}})"#,
            r#""[[[1]]]""#,
        ),
        (
            r#"cjson.encode_max_depth(3) return cjson.encode({{{{1}}}})"#,
            r#"ERR(user_script:1: Cannot serialise, excessive nesting (4))"#,
        ),
        (
            r#"cjson.encode_max_depth(3) return cjson.encode({{{{[1]=1,[100]=2}}}})"#,
            r#"ERR(user_script:1: Cannot serialise, excessive nesting (4))"#,
        ),
        (
            r#"cjson.encode_max_depth(3) return cjson.encode({{{[1]=1,[100]=2}}})"#,
            r#"ERR(user_script:1: Cannot serialise table: excessively sparse array)"#,
        ),
        (
            r#"cjson.encode_max_depth(3) return cjson.encode({{{a={}}}})"#,
            r#"ERR(user_script:1: Cannot serialise, excessive nesting (4))"#,
        ),
        (
            r#"return #cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000))"#,
            r#"1"#,
        ),
        (
            r#"return #cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001))"#,
            r#"ERR(user_script:1: Found too many nested data structures (1001) at character 1001)"#,
        ),
        (
            r#"return #cjson.decode(string.rep('{"a":', 1001) .. '1' .. string.rep('}', 1001))"#,
            r#"ERR(user_script:1: Found too many nested data structures (1001) at character 5001)"#,
        ),
        (
            r#"return #cjson.decode(string.rep('[', 1001))"#,
            r#"ERR(user_script:1: Found too many nested data structures (1001) at character 1001)"#,
        ),
        (
            r#"cjson.decode_max_depth(100000) return #cjson.decode(string.rep('[', 10000) .. string.rep(']', 10000))"#,
            r#"ERR(user_script:1: Found too many nested data structures (7999) at character 7999)"#,
        ),
        (
            r#"cjson.decode_max_depth(100000) return #cjson.decode(string.rep('{"a":', 10000) .. '1' .. string.rep('}', 10000))"#,
            r#"ERR(user_script:1: Found too many nested data structures (4000) at character 19996)"#,
        ),
        (
            r#"cjson.decode_max_depth(100000) return #cjson.decode(string.rep('{"a":[', 10000))"#,
            r#"ERR(user_script:1: Found too many nested data structures (5333) at character 15997)"#,
        ),
        (
            r#"cjson.decode_max_depth(2) return #cjson.decode('[[1]]')"#,
            r#"1"#,
        ),
        (
            r#"cjson.decode_max_depth(2) return #cjson.decode('[[[1]]]')"#,
            r#"ERR(user_script:1: Found too many nested data structures (3) at character 3)"#,
        ),
        (
            r#"cjson.decode_max_depth(2) return #cjson.decode('  [ [ {"x" : 1}]]')"#,
            r#"ERR(user_script:1: Found too many nested data structures (3) at character 7)"#,
        ),
        (
            r#"return cjson:encode()"#,
            r#"ERR(user_script:1: Cannot serialise function: type not supported)"#,
        ),
        (
            r#"return cjson.encode({[1]=1, [2]=2, n=3})"#,
            r#""{\"1\":1,\"2\":2,\"n\":3}""#,
        ),
        (
            r#"return cjson.encode({["a\0b"]=1})"#,
            r#""{\"a\\u0000b\":1}""#,
        ),
        (
            r#"return cjson.encode(cjson.decode('{"\u0000":1}'))"#,
            r#""{\"u0000\":1}""#,
        ),
        (
            r#"return cjson.encode(setmetatable({}, {__index=function() return 1 end}))"#,
            r#""{}""#,
        ),
        (
            r#"return cjson.encode(setmetatable({1}, {__len=function() return 5 end}))"#,
            r#""[1]""#,
        ),
        (
            r#"return cjson.encode(cjson.decode('-nan'))"#,
            r#"ERR(user_script:1: Cannot serialise number: must not be NaN or Inf)"#,
        ),
        (
            r#"cjson.encode_invalid_numbers(true) return cjson.encode(cjson.decode('[-nan, nan, 1e999, -1e999]'))"#,
            r#""[nan,nan,inf,-inf]""#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return cjson.decode('+5')"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return cjson.decode('007')"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return cjson.decode('-007')"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return cjson.decode('0x10')"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return cjson.decode('0X10')"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return cjson.decode('inf')"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return cjson.decode('-inf')"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return cjson.decode('nan')"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return cjson.decode('NaN')"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return cjson.decode('Infinity')"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return cjson.decode('-Infinity')"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return tostring(cjson.decode('-0'))"#,
            r#""-0""#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return tostring(cjson.decode('0'))"#,
            r#""0""#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return tostring(cjson.decode('0.5e1'))"#,
            r#""5""#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return tostring(cjson.decode('-'))"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return tostring(cjson.decode('-a'))"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return tostring(cjson.decode('-x1'))"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return tostring(cjson.decode('1e5'))"#,
            r#""100000""#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return tostring(cjson.decode('0e5'))"#,
            r#""0""#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return tostring(cjson.decode('00'))"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"cjson.decode_invalid_numbers(false) return tostring(cjson.decode('x'))"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"return tostring(cjson.decode('-x1'))"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"return tostring(cjson.decode('-a'))"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"return tostring(cjson.decode('-i'))"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"return tostring(cjson.decode('i'))"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (
            r#"return tostring(cjson.decode('n'))"#,
            r#"ERR(user_script:1: Expected value but found invalid token at character 1)"#,
        ),
        (r#"return tostring(cjson.decode('-nan(abc)'))"#, r#""-nan""#),
        (
            r#"return tostring(cjson.decode('nan(ab-c)'))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 4)"#,
        ),
        (
            r#"return tostring(cjson.decode('nan('))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 4)"#,
        ),
        (r#"return tostring(cjson.decode('0x1.8p1'))"#, r#""3""#),
        (
            r#"return tostring(cjson.decode('0x.p1'))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 2)"#,
        ),
        (r#"return tostring(cjson.decode('0x1e'))"#, r#""30""#),
        (r#"return tostring(cjson.decode('1e+5'))"#, r#""100000""#),
        (
            r#"return tostring(cjson.decode('1e-5x'))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 5)"#,
        ),
        (
            r#"return tostring(cjson.decode('[1.5E+2]')[1])"#,
            r#""150""#,
        ),
        (r#"return tostring(cjson.decode('+inf'))"#, r#""inf""#),
        (
            r#"return tostring(cjson.decode('+-1'))"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (
            r#"return tostring(cjson.decode('--1'))"#,
            r#"ERR(user_script:1: Expected value but found invalid number at character 1)"#,
        ),
        (r#"return tostring(cjson.decode('infinity'))"#, r#""inf""#),
        (
            r#"return tostring(cjson.decode('INFINITYx'))"#,
            r#"ERR(user_script:1: Expected the end but found invalid token at character 9)"#,
        ),
        (
            r#"return cjson.decode('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]')[20]"#,
            r#"20"#,
        ),
        (
            r#"return cjson.encode({1,2,3,nil,5,nil,nil,8})"#,
            r#""[1,2,3,null,5,null,null,8]""#,
        ),
        (
            r#"return cjson.encode({nil,nil,nil,4})"#,
            r#""[null,null,null,4]""#,
        ),
        (
            r#"local t = {} for i = 1, 30 do t[i] = i end t[31] = nil t[40] = 1 return cjson.encode(t)"#,
            r#""[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,null,null,null,null,null,null,null,null,null,1]""#,
        ),
        (
            r#"return cjson.encode({1e-300, -1e-300, -0.0, 0, 5e-324})"#,
            r#""[1e-300,-1e-300,-0,-0,4.9406564584125e-324]""#,
        ),
        (
            r#"return cjson.encode({[1e-300]=1})"#,
            r#""{\"1e-300\":1}""#,
        ),
        (r#"return cjson.encode({[-0.0]=1})"#, r#""{\"-0\":1}""#),
        (
            r#"return cjson.encode({a=-0.0, b=1e-310})"#,
            r#""{\"a\":-0,\"b\":1e-310}""#,
        ),
        (r#"return cjson.decode(-0.0)"#, r#"0"#),
        (r#"return cjson.decode(1e-300)"#, r#"0"#),
        (r#"return cjson.encode(1e-300)"#, r#""1e-300""#),
        (
            r#"local c = cjson.new() c.encode_number_precision(2) return c.encode(math.pi) .. cjson.encode(math.pi)"#,
            r#""3.13.1415926535898""#,
        ),
        (
            r#"local c = cjson.new() c.encode_max_depth(1) return {pcall(c.encode, {{}})}"#,
            r#"[nil, "Cannot serialise, excessive nesting (2)"]"#,
        ),
        (r#"return (cjson.new()).encode_number_precision()"#, r#"14"#),
        (
            r#"local c = coroutine.wrap(function() return cjson.decode('[1,2') end) return c()"#,
            r#"ERR(user_script:1: user_script:1: Expected comma or array end but found T_END at character 5)"#,
        ),
        (
            r#"local c = coroutine.wrap(function() return cjson.encode({1,2}) end) return c()"#,
            r#""[1,2]""#,
        ),
        (
            r#"local ok, e = pcall(function() return cjson.decode('x') end) return e"#,
            r#""user_script:1: Expected value but found invalid token at character 1""#,
        ),
        (
            r#"local ok, e = pcall(function() local r = cjson.decode('x') return r end) return e"#,
            r#""user_script:1: Expected value but found invalid token at character 1""#,
        ),
        (
            r#"return cjson.decode('"' .. string.rep('a', 100000) .. '"'):len()"#,
            r#"100000"#,
        ),
        (r#"return #cjson.encode(string.rep('\0', 1000))"#, r#"6002"#),
        (
            r#"return cjson.encode(cjson.decode('"\u00e9\u0800\uffff\ud800\udc00"'))"#,
            r#""\"u00e9u0800uffffud800udc00\"""#,
        ),
        (
            r#"return cjson.encode({"\194\128", "\255\254"})"#,
            r#""[\"\xc2\x80\",\"\xff\xfe\"]""#,
        ),
        (
            r#"return cjson.encode({{}, {{}}, {a={}}})"#,
            r#""[{},[{}],{\"a\":{}}]""#,
        ),
        (
            r#"return cjson.encode({true, false, cjson.null})"#,
            r#""[true,false,null]""#,
        ),
        (
            r#"return cjson.decode('[true,false,null]')[3] == cjson.null and "yes" or "no""#,
            r#""yes""#,
        ),
        (
            r#"return cjson.encode(cjson.decode('{"a":{"b":[1,2,{"c":"d"}]}}'))"#,
            r#""{\"a\":{\"b\":[1,2,{\"c\":\"d\"}]}}""#,
        ),
        (
            r#"local t = {} for i=1,100 do t['k' .. i] = i end local s = cjson.encode(t) return s"#,
            r#""{\"k16\":16,\"k32\":32,\"k71\":71,\"k75\":75,\"k39\":39,\"k31\":31,\"k79\":79,\"k96\":96,\"k72\":72,\"k98\":98,\"k67\":67,\"k10\":10,\"k58\":58,\"k1\":1,\"k63\":63,\"k27\":27,\"k34\":34,\"k23\":23,\"k74\":74,\"k50\":50,\"k81\":81,\"k45\":45,\"k85\":85,\"k41\":41,\"k66\":66,\"k49\":49,\"k42\":42,\"k28\":28,\"k20\":20,\"k37\":37,\"k8\":8,\"k77\":77,\"k73\":73,\"k44\":44,\"k33\":33,\"k60\":60,\"k4\":4,\"k84\":84,\"k12\":12,\"k91\":91,\"k55\":55,\"k19\":19,\"k95\":95,\"k51\":51,\"k69\":69,\"k99\":99,\"k59\":59,\"k36\":36,\"k76\":76,\"k52\":52,\"k97\":97,\"k46\":46,\"k30\":30,\"k38\":38,\"k14\":14,\"k47\":47,\"k87\":87,\"k43\":43,\"k3\":3,\"k93\":93,\"k92\":92,\"k90\":90,\"k89\":89,\"k54\":54,\"k94\":94,\"k7\":7,\"k56\":56,\"k83\":83,\"k82\":82,\"k80\":80,\"k78\":78,\"k22\":22,\"k70\":70,\"k61\":61,\"k100\":100,\"k68\":68,\"k21\":21,\"k29\":29,\"k25\":25,\"k65\":65,\"k11\":11,\"k86\":86,\"k62\":62,\"k35\":35,\"k57\":57,\"k88\":88,\"k48\":48,\"k24\":24,\"k53\":53,\"k18\":18,\"k5\":5,\"k2\":2,\"k26\":26,\"k17\":17,\"k64\":64,\"k15\":15,\"k6\":6,\"k9\":9,\"k40\":40,\"k13\":13}""#,
        ),
        (
            r#"local t = cjson.decode('{"x":1,"y":2,"z":3,"w":4,"v":5}') local r = {} for k,v in pairs(t) do r[#r+1] = k end return table.concat(r, ',')"#,
            r#""y,x,z,w,v""#,
        ),
        (
            r#"return cjson.encode({[1]=1, [2]=2, [3]=3, [5]=5})"#,
            r#""[1,2,3,null,5]""#,
        ),
        (
            r#"return cjson.encode({1, 2, [2.5]=3})"#,
            r#""{\"1\":1,\"2\":2,\"2.5\":3}""#,
        ),
        (r#"return tostring(1/cjson.decode('-0'))"#, r#""-inf""#),
        (
            r#"return cjson.encode(cjson.decode('[1e-300, -0]'))"#,
            r#""[1e-300,-0]""#,
        ),
        (
            r#"return cjson.encode(cjson.decode('[' .. string.rep('1,', 200) .. '1]')):len()"#,
            r#"403"#,
        ),
        (
            r#"return cjson.encode(cjson.decode('{"a":1}').b)"#,
            r#""null""#,
        ),
        (
            r#"return cjson.encode("\226\130\172")"#,
            r#""\"\xe2\x82\xac\"""#,
        ),
        (r#"return cjson.decode('"\u20ac"')"#, r#""u20ac""#),
        (
            r#"return cjson.encode({[1]=1, [2]=2, [4]=4, [3]=cjson.null})"#,
            r#""[1,2,null,4]""#,
        ),
    ];

    #[test]
    fn matches_redis() {
        for (script, expected) in CASES {
            assert_eq!(run(script), *expected, "script: {script}");
        }
    }
}
