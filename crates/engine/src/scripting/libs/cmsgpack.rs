//! The `cmsgpack` library (lua-cmsgpack 0.4.0 as bundled with Redis 7.0):
//! `pack`, `unpack`, `unpack_one` and `unpack_limit`.
//!
//! Encoding follows lua-cmsgpack's choices: integral doubles become the
//! smallest fixint/uint/int form, other numbers a float (0xca) when the
//! value survives a round trip through `float`, else a double (0xcb);
//! strings use fixstr/str8/str16/str32; a table is an array when its keys
//! are exactly `1..n`, otherwise a map; tables nested 16 deep, functions and
//! other values become nil. Decoding accepts the same forms (bin and ext
//! types are "Bad data format"), and reproduces the C version's error texts,
//! its offset/limit handling and its Lua stack limits.

use mlua::{Function, Lua, Table, Value};

use super::{
    arg_error, c_f64_to_i32, c_f64_to_i64, check_bytes, check_integer, fail, next_pair,
    opt_integer, raw_get_exact, Args, Fail, LibResult, Ret, Spill, VStack,
};

const MAX_NESTING: usize = 16;
const TOO_MANY: &str = "too many return values at once; use unpack_one or unpack_limit instead.";

fn encode_int(out: &mut Vec<u8>, n: i64) {
    if n >= 0 {
        if n <= 127 {
            out.push(n as u8);
        } else if n <= 0xff {
            out.extend_from_slice(&[0xcc, n as u8]);
        } else if n <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encode_number(out: &mut Vec<u8>, n: f64) {
    if !n.is_infinite() && c_f64_to_i64(n) as f64 == n {
        encode_int(out, c_f64_to_i64(n));
    } else {
        let f = n as f32;
        if f as f64 == n {
            out.push(0xca);
            out.extend_from_slice(&f.to_be_bytes());
        } else {
            out.push(0xcb);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

fn encode_bytes(out: &mut Vec<u8>, s: &[u8]) {
    let len = s.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= 0xff {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(s);
}

fn encode_len(out: &mut Vec<u8>, n: usize, fix: u8, b16: u8, b32: u8) {
    if n <= 15 {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(b16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(b32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

struct Encoder<'a> {
    next: &'a Function,
    out: Vec<u8>,
}

impl Encoder<'_> {
    /// Whether the table's keys are exactly `1..n` (lua-cmsgpack's test).
    fn is_array(&self, t: &Table) -> Result<bool, Fail> {
        let mut count: i32 = 0;
        let mut max: i32 = 0;
        for pair in t.pairs::<Value, Value>() {
            let (k, _) = pair?;
            let n = match k {
                Value::Integer(i) if i != 0 => i as f64,
                Value::Number(n) => n,
                _ => return Ok(false),
            };
            if n <= 0.0 || n.is_infinite() || c_f64_to_i32(n) as f64 != n {
                return Ok(false);
            }
            max = max.max(n as i32);
            count = count.wrapping_add(1);
        }
        Ok(max == count)
    }

    /// Encodes `v`, which sits at slot `top` of the emulated C stack.
    fn value(&mut self, v: Value, level: usize, top: i64) -> Result<(), Fail> {
        match v {
            Value::String(s) => encode_bytes(&mut self.out, &s.as_bytes()),
            Value::Boolean(b) => self.out.push(if b { 0xc3 } else { 0xc2 }),
            Value::Number(n) => encode_number(&mut self.out, n),
            Value::Integer(i) => encode_number(&mut self.out, i as f64),
            Value::Table(t) if level < MAX_NESTING => self.table(&t, level, top)?,
            _ => self.out.push(0xc0),
        }
        Ok(())
    }

    fn table(&mut self, t: &Table, level: usize, top: i64) -> Result<(), Fail> {
        let vs = VStack { top };
        vs.check(2, "in function table_is_an_array")?;
        if self.is_array(t)? {
            let len = t.raw_len();
            encode_len(&mut self.out, len, 0x90, 0xdc, 0xdd);
            vs.check(1, "in function mp_encode_lua_table_as_array")?;
            for j in 1..=len {
                let v = raw_get_exact(t, j)?;
                self.value(v, level + 1, top + 1)?;
            }
        } else {
            vs.check(3, "in function mp_encode_lua_table_as_map")?;
            let mut len = 0usize;
            let mut key = Value::Nil;
            while let Some((k, _)) = next_pair(self.next, t, key)? {
                len += 1;
                key = k;
            }
            encode_len(&mut self.out, len, 0x80, 0xde, 0xdf);
            let mut key = Value::Nil;
            while let Some((k, v)) = next_pair(self.next, t, key)? {
                self.value(k.clone(), level + 1, top + 3)?;
                self.value(v, level + 1, top + 2)?;
                key = k;
            }
        }
        Ok(())
    }
}

fn pack(lua: &Lua, args: &Args, next: &Function) -> LibResult {
    let nargs = args.len() as i64;
    if nargs == 0 {
        return Err(arg_error(lua, 0, b"MessagePack pack needs input."));
    }
    if nargs + nargs > super::MAX_C_STACK {
        return Err(arg_error(
            lua,
            0,
            b"Too many arguments for MessagePack pack.",
        ));
    }
    let mut enc = Encoder {
        next,
        out: Vec::new(),
    };
    for i in 1..=args.len() {
        let top = nargs + i as i64 - 1;
        VStack { top }.check(1, "in function mp_check")?;
        enc.value(args.get(i)?, 0, top + 1)?;
    }
    Ok(Ret::one(Value::String(lua.create_string(&enc.out)?)))
}

enum DecErr {
    Eof,
    BadFmt,
    Fail(Fail),
}

impl From<Fail> for DecErr {
    fn from(f: Fail) -> Self {
        DecErr::Fail(f)
    }
}

impl From<mlua::Error> for DecErr {
    fn from(e: mlua::Error) -> Self {
        DecErr::Fail(Fail::Lua(e))
    }
}

/// An item read from the input: a scalar, or the header of a container.
enum Item {
    Scalar(Value),
    Arr(usize),
    Map(usize),
}

/// An open container while decoding.
enum Frame {
    Arr {
        left: usize,
        index: f64,
        waiting: bool,
    },
    Map {
        left: usize,
        state: MapState,
    },
}

#[derive(Clone, Copy, PartialEq)]
enum MapState {
    Idle,
    WaitKey,
    WaitValue,
}

struct Decoder<'a> {
    lua: &'a Lua,
    data: &'a [u8],
    pos: usize,
    /// Slots below the values being built (arguments and earlier results).
    base: i64,
    /// The values the C code would have on the Lua stack.
    spill: Spill,
}

impl Decoder<'_> {
    fn vstack(&self) -> VStack {
        VStack {
            top: self.base + self.spill.len() as i64,
        }
    }

    fn need(&self, n: usize) -> Result<(), DecErr> {
        if self.data.len() - self.pos < n {
            Err(DecErr::Eof)
        } else {
            Ok(())
        }
    }

    fn be(&self, at: usize, n: usize) -> u64 {
        self.data[at..at + n]
            .iter()
            .fold(0u64, |a, &b| (a << 8) | b as u64)
    }

    fn string(&mut self, hdr: usize, len: usize) -> Result<Item, DecErr> {
        self.need(hdr.saturating_add(len))?;
        let start = self.pos + hdr;
        let s = self.lua.create_string(&self.data[start..start + len])?;
        self.pos = start + len;
        Ok(Item::Scalar(Value::String(s)))
    }

    fn header_len(&mut self, n: usize) -> Result<usize, DecErr> {
        self.need(1 + n)?;
        let l = self.be(self.pos + 1, n) as usize;
        self.pos += 1 + n;
        Ok(l)
    }

    fn fixed(&mut self, n: usize) -> Result<usize, DecErr> {
        self.need(n)?;
        let p = self.pos;
        self.pos += n;
        Ok(p + 1)
    }

    /// Reads one item (the start of `mp_decode_to_lua_type`).
    fn item(&mut self) -> Result<Item, DecErr> {
        self.need(1)?;
        self.vstack().check(1, TOO_MANY)?;
        let c = self.data[self.pos];
        let num = |v: f64| Ok(Item::Scalar(Value::Number(v)));
        match c {
            0xcc => {
                let p = self.fixed(2)?;
                num(self.data[p] as f64)
            }
            0xd0 => {
                let p = self.fixed(2)?;
                num(self.data[p] as i8 as f64)
            }
            0xcd => {
                let p = self.fixed(3)?;
                num(self.be(p, 2) as f64)
            }
            0xd1 => {
                let p = self.fixed(3)?;
                num(self.be(p, 2) as u16 as i16 as f64)
            }
            0xce => {
                let p = self.fixed(5)?;
                num(self.be(p, 4) as f64)
            }
            0xd2 => {
                let p = self.fixed(5)?;
                num(self.be(p, 4) as u32 as i32 as f64)
            }
            0xcf | 0xd3 => {
                let p = self.fixed(9)?;
                num(self.be(p, 8) as i64 as f64)
            }
            0xc0 => {
                self.pos += 1;
                Ok(Item::Scalar(Value::Nil))
            }
            0xc2 | 0xc3 => {
                self.pos += 1;
                Ok(Item::Scalar(Value::Boolean(c == 0xc3)))
            }
            0xca => {
                let p = self.fixed(5)?;
                num(f32::from_bits(self.be(p, 4) as u32) as f64)
            }
            0xcb => {
                let p = self.fixed(9)?;
                num(f64::from_bits(self.be(p, 8)))
            }
            0xd9 => {
                self.need(2)?;
                let l = self.data[self.pos + 1] as usize;
                self.string(2, l)
            }
            0xda => {
                self.need(3)?;
                let l = self.be(self.pos + 1, 2) as usize;
                self.string(3, l)
            }
            0xdb => {
                self.need(5)?;
                let l = self.be(self.pos + 1, 4) as usize;
                self.string(5, l)
            }
            0xdc => Ok(Item::Arr(self.header_len(2)?)),
            0xdd => Ok(Item::Arr(self.header_len(4)?)),
            0xde => Ok(Item::Map(self.header_len(2)?)),
            0xdf => Ok(Item::Map(self.header_len(4)?)),
            _ if c & 0x80 == 0 => {
                self.pos += 1;
                num(c as f64)
            }
            _ if c & 0xe0 == 0xe0 => {
                self.pos += 1;
                num(c as i8 as f64)
            }
            _ if c & 0xe0 == 0xa0 => self.string(1, (c & 0x1f) as usize),
            _ if c & 0xf0 == 0x90 => {
                self.pos += 1;
                Ok(Item::Arr((c & 0xf) as usize))
            }
            _ if c & 0xf0 == 0x80 => {
                self.pos += 1;
                Ok(Item::Map((c & 0xf) as usize))
            }
            _ => Err(DecErr::BadFmt),
        }
    }

    /// `lua_settable(L, -3)`: pops a key and a value into the table below.
    fn settable(&mut self) -> Result<(), DecErr> {
        let v = self.spill.pop()?;
        let k = self.spill.pop()?;
        let t = match self.spill.peek()? {
            Value::Table(t) => t,
            _ => return Ok(()),
        };
        match k {
            Value::Nil => return Err(Fail::Raw(b"table index is nil".to_vec()).into()),
            Value::Number(n) if n.is_nan() => {
                return Err(Fail::Raw(b"table index is NaN".to_vec()).into());
            }
            _ => {}
        }
        t.raw_set(k, v)?;
        Ok(())
    }

    /// Decodes one complete value onto the emulated stack
    /// (`mp_decode_to_lua_type`), without recursion.
    fn value(&mut self) -> Result<(), DecErr> {
        let mut frames: Vec<Frame> = Vec::new();
        'read: loop {
            match self.item()? {
                Item::Scalar(v) => self.spill.push(self.lua, v)?,
                Item::Arr(left) => {
                    let t = self.lua.create_table()?;
                    self.spill.push(self.lua, Value::Table(t))?;
                    self.vstack()
                        .check(1, "in function mp_decode_to_lua_array")?;
                    frames.push(Frame::Arr {
                        left,
                        index: 1.0,
                        waiting: false,
                    });
                }
                Item::Map(left) => {
                    let t = self.lua.create_table()?;
                    self.spill.push(self.lua, Value::Table(t))?;
                    frames.push(Frame::Map {
                        left,
                        state: MapState::Idle,
                    });
                }
            }
            loop {
                let Some(frame) = frames.last_mut() else {
                    return Ok(());
                };
                match frame {
                    Frame::Arr {
                        left,
                        index,
                        waiting,
                    } => {
                        if *waiting {
                            *waiting = false;
                            self.settable()?;
                            continue;
                        }
                        if *left == 0 {
                            frames.pop();
                            continue;
                        }
                        *left -= 1;
                        let i = *index;
                        *index += 1.0;
                        *waiting = true;
                        self.spill.push(self.lua, Value::Number(i))?;
                        continue 'read;
                    }
                    Frame::Map { left, state } => match *state {
                        MapState::WaitKey => {
                            *state = MapState::WaitValue;
                            continue 'read;
                        }
                        MapState::WaitValue => {
                            *state = MapState::Idle;
                            self.settable()?;
                        }
                        MapState::Idle => {
                            if *left == 0 {
                                frames.pop();
                                continue;
                            }
                            *left -= 1;
                            *state = MapState::WaitKey;
                            continue 'read;
                        }
                    },
                }
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    All,
    One,
    Limit,
}

fn unpack(lua: &Lua, args: &Args, mode: Mode) -> LibResult {
    let (limit, offset, base) = match mode {
        Mode::All => (0, 0, args.len() as i64),
        Mode::One => (1, opt_integer(lua, args, 2, 0)?, args.len().min(1) as i64),
        Mode::Limit => {
            let limit = check_integer(lua, args, 2)?;
            let offset = opt_integer(lua, args, 3, 0)?;
            (limit, offset, args.len().min(1) as i64)
        }
    };
    let s = check_bytes(lua, args, 1)?;
    let len = s.len();
    let decode_all = limit == 0 && offset == 0;
    if offset < 0 || limit < 0 {
        return Err(fail(format!(
            "Invalid request to unpack with offset of {} and limit of {}.",
            offset as i32, len as i32
        )));
    } else if offset as u64 > len as u64 {
        return Err(fail(format!(
            "Start offset {} greater than input length {}.",
            offset as i32, len as i32
        )));
    }
    let limit = if decode_all { i32::MAX as i64 } else { limit };
    let mut results = super::Results::new();
    // The offset goes first in the results when it is returned.
    if !decode_all {
        results.push(lua, Value::Nil)?;
    }
    let mut dec = Decoder {
        lua,
        data: &s,
        pos: offset as usize,
        base,
        spill: Spill::new(),
    };
    let mut cnt: i64 = 0;
    while dec.pos < len && cnt < limit {
        match dec.value() {
            Ok(()) => {}
            Err(DecErr::Eof) => return Err(fail("Missing bytes in input.")),
            Err(DecErr::BadFmt) => return Err(fail("Bad data format in input.")),
            Err(DecErr::Fail(f)) => return Err(f),
        }
        let v = dec.spill.pop()?;
        results.push(lua, v)?;
        dec.base += 1;
        cnt += 1;
    }
    if !decode_all {
        VStack { top: dec.base }.check(1, "in function mp_unpack_full")?;
        let next = if dec.pos == len { -1.0 } else { dec.pos as f64 };
        results.set_first(Value::Number(next))?;
    }
    Ok(results.finish())
}

/// Creates the `cmsgpack` table.
pub(crate) fn create(lua: &Lua, next: &Function) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let next = next.clone();
    t.raw_set(
        "pack",
        super::make_fn(lua, move |lua, a| pack(lua, a, &next))?,
    )?;
    t.raw_set(
        "unpack",
        super::make_fn(lua, |lua, a| unpack(lua, a, Mode::All))?,
    )?;
    t.raw_set(
        "unpack_one",
        super::make_fn(lua, |lua, a| unpack(lua, a, Mode::One))?,
    )?;
    t.raw_set(
        "unpack_limit",
        super::make_fn(lua, |lua, a| unpack(lua, a, Mode::Limit))?,
    )?;
    t.raw_set("_NAME", "cmsgpack")?;
    t.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    t.raw_set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo")?;
    t.raw_set("_DESCRIPTION", "MessagePack C implementation for Lua")?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run;

    /// (script, reply) pairs observed from redis-server 7.0.15 (EVAL ... 0).
    const CASES: &[(&str, &str)] = &[
        (
            r#"local t = {} for k,v in pairs(cmsgpack) do t[#t+1] = k .. '=' .. type(v) end table.sort(t) return table.concat(t, ' ')"#,
            r#""_COPYRIGHT=string _DESCRIPTION=string _NAME=string _VERSION=string pack=function unpack=function unpack_limit=function unpack_one=function""#,
        ),
        (
            r#"return cmsgpack._NAME .. ' ' .. cmsgpack._VERSION .. ' ' .. cmsgpack._COPYRIGHT .. ' ' .. cmsgpack._DESCRIPTION"#,
            r#""cmsgpack lua-cmsgpack 0.4.0 Copyright (C) 2012, Salvatore Sanfilippo MessagePack C implementation for Lua""#,
        ),
        (r#"return tostring(cmsgpack.null)"#, r#""nil""#),
        (
            r#"local t = {} for k,v in pairs(cmsgpack) do t[#t+1] = k end return table.concat(t, ' ')"#,
            r#""_DESCRIPTION pack _NAME unpack _COPYRIGHT _VERSION unpack_one unpack_limit""#,
        ),
        (
            r#"return #cmsgpack.unpack(string.rep('\145', 10000) .. '\192')"#,
            r#"ERR(user_script:1: stack overflow (in function mp_decode_to_lua_array))"#,
        ),
        (
            r#"local ok, e = pcall(cmsgpack.unpack, string.rep('\145', 100000) .. '\192') return tostring(ok) .. ' ' .. tostring(e)"#,
            r#""false stack overflow (in function mp_decode_to_lua_array)""#,
        ),
        (
            r#"local ok, e = pcall(cmsgpack.unpack, string.rep('\129\192', 100000) .. '\192') return tostring(ok) .. ' ' .. tostring(e)"#,
            r#""false stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)""#,
        ),
        (
            r#"local t = {} local c = t for i=1,20 do c[1] = {} c = c[1] end local s = cmsgpack.pack(t) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end))"#,
            r#""91919191919191919191919191919191c0""#,
        ),
        (
            r#"return cmsgpack:pack()"#,
            r#""\x88\xac_DESCRIPTION\xd9$MessagePack C implementation for Lua\xa4pack\xc0\xa5_NAME\xa8cmsgpack\xa6unpack\xc0\xaa_COPYRIGHT\xd9(Copyright (C) 2012, Salvatore Sanfilippo\xa8_VERSION\xb2lua-cmsgpack 0.4.0\xaaunpack_one\xc0\xacunpack_limit\xc0""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(struct.unpack('<d', '\0\0\0\32\0\0\240\127')))"#,
            r#""cb7ff000002000000009""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(1e-300, -0.0, {1e-300}, {[1e-300]=1}))"#,
            r#""cb01a56e1fc2f8f3590091cb01a56e1fc2f8f35981cb01a56e1fc2f8f35901""#,
        ),
        (
            r#"local t = cmsgpack.unpack(cmsgpack.pack({x=1,y=2,z=3,w=4,v=5})) local r = {} for k,v in pairs(t) do r[#r+1] = k end return table.concat(r, ',')"#,
            r#""y,x,z,w,v""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end local t = {} for i=1,20 do t['k' .. i] = i end return h(cmsgpack.pack(t))"#,
            r#""de0014a36b313610a36b313913a36b31310ba36b313711a36b31350fa36b323014a36b31300aa26b3808a26b3101a36b31320ca26b3303a26b3202a26b3909a36b31330da36b313812a36b31340ea26b3606a26b3707a26b3404a26b3505""#,
        ),
        (
            r#"return tostring(cmsgpack.unpack('\203\128\0\0\0\0\0\0\0'))"#,
            r#""-0""#,
        ),
        (
            r#"return tostring(1/cmsgpack.unpack('\203\128\0\0\0\0\0\0\0'))"#,
            r#""-inf""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(cmsgpack.unpack('\203\128\0\0\0\0\0\0\0')))"#,
            r#""00""#,
        ),
        (
            r#"return cmsgpack.unpack(cmsgpack.pack(1,2,3,4,5,6))"#,
            r#"1"#,
        ),
        (
            r#"return {cmsgpack.unpack_limit('\1\2\3', 5, 1)}"#,
            r#"[-1, 2, 3]"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296))"#,
            r#""00017fcc80ccffcd0100cdffffce00010000ceffffffffcf0000000100000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(-1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649))"#,
            r#""ffe0d0dfd080d1ff7fd18000d2ffff7fffd280000000d3ffffffff7fffffff""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(2^53, 2^63, -2^63, 2^64, -2^64, 1e300))"#,
            r#""cf0020000000000000ca5f000000d38000000000000000ca5f800000cadf800000cb7e37e43c8800759c""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(0.5, 0.1, -0.0, 1.5, 1/0, -1/0, 0/0, -(0/0)))"#,
            r#""ca3f000000cb3fb999999999999a00ca3fc00000caff800000ca7f800000cbfff8000000000000cb7ff8000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(3.4028234663852886e38, 3.4028235677973366e38, 1e-45, 1.401298464324817e-45))"#,
            r#""ca7f7fffffcb47effffff0000000cb3696d601ad376ab9ca00000001""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(true, false, nil))"#,
            r#""c3c2c0""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(nil))"#,
            r#""c0""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(""))"#,
            r#""a0""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(string.rep("a", 31)))"#,
            r#""bf61616161616161616161616161616161616161616161616161616161616161""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(string.rep("a", 32))):sub(1,10)"#,
            r#""d920616161""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(string.rep("a", 255))):sub(1,10)"#,
            r#""d9ff616161""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(string.rep("a", 256))):sub(1,10)"#,
            r#""da01006161""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(string.rep("a", 65535))):sub(1,10)"#,
            r#""daffff6161""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(string.rep("a", 65536))):sub(1,12)"#,
            r#""db0001000061""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({}))"#,
            r#""90""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({1,2,3}))"#,
            r#""93010203""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({1,nil,3}))"#,
            r#""8201010303""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({[1]=1,[3]=3}))"#,
            r#""8201010303""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({[2]=1}))"#,
            r#""810201""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({a=1}))"#,
            r#""81a16101""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({a=1, b={1,2}, [1]=5}))"#,
            r#""83a161010105a162920102""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({[1.5]=1}))"#,
            r#""81ca3fc0000001""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({[0]=1}))"#,
            r#""810001""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({[-1]=1}))"#,
            r#""81ff01""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({[true]=1}))"#,
            r#""81c301""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({[2^31]=1}))"#,
            r#""81ce8000000001""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({[2^31-1]=1}))"#,
            r#""81ce7fffffff01""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end local t = {} for i=1,16 do t[i]=i end return h(cmsgpack.pack(t))"#,
            r#""dc00100102030405060708090a0b0c0d0e0f10""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end local t = {} for i=1,16 do t["k"..i]=i end return h(cmsgpack.pack(t)):sub(1,10)"#,
            r#""de0010a36b""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end local t = {} for i=1,65536 do t[i]=0 end return h(cmsgpack.pack(t)):sub(1,12)"#,
            r#""dd0001000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(function() end))"#,
            r#""c0""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(cjson.null))"#,
            r#""c0""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(coroutine.create(function() end)))"#,
            r#""c0""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(1, "a", {2}))"#,
            r#""01a1619102""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end local t = {} t[1] = t return h(cmsgpack.pack(t))"#,
            r#""91919191919191919191919191919191c0""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end local t = {} t.a = t return h(cmsgpack.pack(t))"#,
            r#""81a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a161c0""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end local t = {} local c = t for i=1,15 do c[1] = {} c = c[1] end return h(cmsgpack.pack(t))"#,
            r#""91919191919191919191919191919190""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end local t = {} local c = t for i=1,16 do c[1] = {} c = c[1] end return h(cmsgpack.pack(t))"#,
            r#""91919191919191919191919191919191c0""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end local t = {} local c = t for i=1,17 do c[1] = {} c = c[1] end c[1] = 5 return h(cmsgpack.pack(t))"#,
            r#""91919191919191919191919191919191c0""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end local t = {} local c = t for i=1,17 do c.x = {} c = c.x end return h(cmsgpack.pack(t))"#,
            r#""81a17881a17881a17881a17881a17881a17881a17881a17881a17881a17881a17881a17881a17881a17881a17881a178c0""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack({[{}]=1}))"#,
            r#""819001""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack("12", 12.0, "1.5"))"#,
            r#""a231320ca3312e35""#,
        ),
        (
            r#"return cmsgpack.pack()"#,
            r#"ERR(user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.))"#,
        ),
        (
            r#"return {pcall(cmsgpack.pack)}"#,
            r#"[nil, "bad argument #0 to '?' (MessagePack pack needs input.)"]"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(123456789012, -123456789012, 9007199254740993))"#,
            r#""cf0000001cbe991a14d3ffffffe34166e5eccf0020000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(-9.2233720368547758e18, 9.2233720368547748e18))"#,
            r#""d38000000000000000cf7ffffffffffffc00""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(cmsgpack.pack(4.5e15, -1e-310, 1e-310))"#,
            r#""cf000ffcb9e57d4000cb800012688b70e62bcb000012688b70e62b""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\0\1\127\204\128\204\255\205\1\0\205\255\255\206\0\1\0\0\206\255\255\255\255'))"##,
            r#""9 number:0 number:1 number:127 number:128 number:255 number:256 number:65535 number:65536 number:4294967295""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\207\0\0\0\1\0\0\0\0\207\255\255\255\255\255\255\255\255\207\128\0\0\0\0\0\0\0\207\127\255\255\255\255\255\255\255'))"##,
            r#""4 number:4294967296 number:-1 number:-9.2233720368548e+18 number:9.2233720368548e+18""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\255\224\208\128\208\127\209\128\0\209\255\127\210\128\0\0\0\211\255\255\255\255\255\255\255\255\211\128\0\0\0\0\0\0\0'))"##,
            r#""9 number:-1 number:-32 number:-128 number:127 number:-32768 number:-129 number:-2147483648 number:-1 number:-9.2233720368548e+18""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\202\63\0\0\0\203\63\185\153\153\153\153\153\154\202\127\128\0\0\202\255\192\0\0'))"##,
            r#""4 number:0.5 number:0.1 number:inf number:-nan""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\192\194\195'))"##,
            r#""3 nil:nil boolean:false boolean:true""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\160\161a\217\3abc\218\0\3abc\219\0\0\0\3abc'))"##,
            r#""5 string: string:a string:abc string:abc string:abc""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\196\3abc'))"##,
            r#"ERR(user_script:1: Bad data format in input.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\193'))"##,
            r#"ERR(user_script:1: Bad data format in input.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\199\1\1a'))"##,
            r#"ERR(user_script:1: Bad data format in input.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\212\1\1'))"##,
            r#"ERR(user_script:1: Bad data format in input.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\144\147\1\2\3\220\0\2\1\2\221\0\0\0\1\5'))"##,
            r#""4 {} {1=1,2=2,3=3} {1=1,2=2} {1=5}""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\128\130\161a\1\161b\2\222\0\1\1\2\223\0\0\0\1\3\4'))"##,
            r#""4 {} {a=1,b=2} {1=2} {3=4}""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\147\1\192\3'))"##,
            r#""1 {1=1,3=3}""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\129\192\1'))"##,
            r#"ERR(table index is nil)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\129\203\127\248\0\0\0\0\0\0\1'))"##,
            r#"ERR(table index is NaN)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\130\1\2\1\3'))"##,
            r#""1 {1=3}""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack(''))"##,
            r#""0 ""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\204'))"##,
            r#"ERR(user_script:1: Missing bytes in input.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\1\2\204'))"##,
            r#"ERR(user_script:1: Missing bytes in input.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\147\1\2'))"##,
            r#"ERR(user_script:1: Missing bytes in input.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\221\255\255\255\255'))"##,
            r#"ERR(user_script:1: Missing bytes in input.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\219\255\255\255\255abc'))"##,
            r#"ERR(user_script:1: Missing bytes in input.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\223\255\255\255\255\1'))"##,
            r#"ERR(user_script:1: Missing bytes in input.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\147\1\193\2'))"##,
            r#"ERR(user_script:1: Bad data format in input.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack(123))"##,
            r#""3 number:49 number:50 number:51""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack())"##,
            r#"ERR(user_script:1: bad argument #1 to 'unpack' (string expected, got no value))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack({}))"##,
            r#"ERR(user_script:1: bad argument #1 to 'unpack' (string expected, got table))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack('\1', 'x'))"##,
            r#""1 number:1""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one('\1\2\3'))"##,
            r#""2 number:1 number:1""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one('\1\2\3', 1))"##,
            r#""2 number:2 number:2""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one('\1\2\3', 2))"##,
            r#""2 number:-1 number:3""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one('\1\2\3', 3))"##,
            r#""1 number:-1""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one('\1\2\3', 4))"##,
            r#"ERR(user_script:1: Start offset 4 greater than input length 3.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one('\1\2\3', -1))"##,
            r#"ERR(user_script:1: Invalid request to unpack with offset of -1 and limit of 3.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one('\1\2\3', 'x'))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack_one' (number expected, got string))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one('\1\2\3', '1'))"##,
            r#""2 number:2 number:2""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one('\1\2\3', 1.7))"##,
            r#""2 number:2 number:2""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one(''))"##,
            r#""1 number:-1""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one())"##,
            r#"ERR(user_script:1: bad argument #1 to 'unpack_one' (string expected, got no value))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one('\204'))"##,
            r#"ERR(user_script:1: Missing bytes in input.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 2))"##,
            r#""3 number:2 number:1 number:2""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 2, 2))"##,
            r#""3 number:-1 number:3 number:4""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 10))"##,
            r#""5 number:-1 number:1 number:2 number:3 number:4""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 0))"##,
            r#""4 number:1 number:2 number:3 number:4""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 0, 1))"##,
            r#""1 number:1""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', -1))"##,
            r#"ERR(user_script:1: Invalid request to unpack with offset of 0 and limit of 4.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 1, -5))"##,
            r#"ERR(user_script:1: Invalid request to unpack with offset of -5 and limit of 4.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 1, 5))"##,
            r#"ERR(user_script:1: Start offset 5 greater than input length 4.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4'))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack_limit' (number expected, got no value))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 'a'))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack_limit' (number expected, got string))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 1, 'a'))"##,
            r#"ERR(user_script:1: bad argument #3 to 'unpack_limit' (number expected, got string))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 1, nil))"##,
            r#""2 number:1 number:1""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 4, 0))"##,
            r#""5 number:-1 number:1 number:2 number:3 number:4""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 2^32+1))"##,
            r#""5 number:-1 number:1 number:2 number:3 number:4""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 1, 2^32+1))"##,
            r#"ERR(user_script:1: Start offset 1 greater than input length 4.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one('\1\2\3', 2^32+1))"##,
            r#"ERR(user_script:1: Start offset 1 greater than input length 3.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 1e300))"##,
            r#"ERR(user_script:1: Invalid request to unpack with offset of 0 and limit of 4.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', -1e300))"##,
            r#"ERR(user_script:1: Invalid request to unpack with offset of 0 and limit of 4.)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('', 1))"##,
            r#""1 number:-1""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('', 0, 0))"##,
            r#""0 ""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_one('\1\2', 2))"##,
            r#""1 number:-1""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack(cmsgpack.pack(1.5, -2.25, 1e300)))"##,
            r#""3 number:1.5 number:-2.25 number:1e+300""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 1, 0))"##,
            r#""2 number:1 number:1""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 1, 4))"##,
            r#""1 number:-1""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) if type(v) == "table" then local p = {} for k,x in pairs(v) do p[#p+1] = tostring(k) .. "=" .. tostring(x) end table.sort(p) t[#t+1] = "{" .. table.concat(p, ",") .. "}" else t[#t+1] = type(v) .. ":" .. tostring(v) end end return select("#", ...) .. " " .. table.concat(t, " ") end return r(cmsgpack.unpack_limit('\1\2\3\4', 1, 3))"##,
            r#""2 number:-1 number:4""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return select('#', cmsgpack.unpack(string.rep('\1', n))) end)"#,
            r#""7999 | user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return select('#', cmsgpack.unpack(string.rep('\1', n), 1, 2)) end)"#,
            r#""7997 | user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return select('#', cmsgpack.unpack_limit(string.rep('\1', n), n)) end)"#,
            r#""7998 | user_script:1: stack overflow (in function mp_unpack_full)""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return cmsgpack.unpack(string.rep('\145', n) .. '\1') end)"#,
            r#""3999 | user_script:1: stack overflow (in function mp_decode_to_lua_array)""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return cmsgpack.unpack(string.rep('\129\1', n) .. '\1') end)"#,
            r#""3999 | user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return cmsgpack.unpack(string.rep('\129', n) .. '\1' .. string.rep('\1', n)) end)"#,
            r#""7997 | user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return cmsgpack.unpack('\1\1\1' .. string.rep('\145', n) .. '\1') end)"#,
            r#""3997 | user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return cmsgpack.unpack_one(string.rep('\145', n) .. '\1') end)"#,
            r#""3999 | user_script:1: stack overflow (in function mp_decode_to_lua_array)""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return #cmsgpack.pack(unpack({}, 1, n)) end)"#,
            r#""4000 | user_script:1: bad argument #0 to 'pack' (Too many arguments for MessagePack pack.)""#,
        ),
    ];

    #[test]
    fn matches_redis() {
        for (script, expected) in CASES {
            assert_eq!(run(script), *expected, "script: {script}");
        }
    }
}
