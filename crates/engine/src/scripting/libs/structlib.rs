//! The `struct` library (Roberto Ierusalimschy's struct 0.2, as patched in
//! Redis 7.0): `struct.pack`, `struct.unpack` and `struct.size`.
//!
//! Formats follow Redis on x86-64: `>`/`<` endianness (little is native),
//! `![n]` alignment (default 8), `x` padding, `b/B` 1, `h/H` 2, `l/L` 8,
//! `T` 8 (size_t), `i/I[n]` n bytes (default 4, at most 32), `f` float,
//! `d` double, `c[n]` chars (`c0`: whole string when packing, previous
//! number as length when unpacking), `s` zero-terminated string, and ` `
//! ignored. Conversions of doubles to integers reproduce the C casts, and
//! error texts and the stack limit on results are those of redis-server.

use mlua::{Lua, Table, Value};

use super::{
    arg_error, c_f64_to_i64, c_f64_to_u64, check_bytes, check_number, f64_to_f32, fail,
    opt_integer, to_number, Args, Fail, LibResult, Ret, VStack,
};

const MAXINTSIZE: i32 = 32;
const MAXALIGN: i32 = 8;

#[derive(Clone, Copy, PartialEq)]
enum Endian {
    Big,
    Little,
}

struct Header {
    endian: Endian,
    align: usize,
}

impl Header {
    fn new() -> Header {
        Header {
            endian: Endian::Little,
            align: 1,
        }
    }
}

/// A format string read the way C reads it (up to the first NUL).
struct Fmt<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Fmt<'_> {
    fn peek(&self) -> u8 {
        self.s.get(self.pos).copied().unwrap_or(0)
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        if c == 0 {
            None
        } else {
            self.pos += 1;
            Some(c)
        }
    }

    fn getnum(&mut self, df: i32) -> Result<i32, Fail> {
        if !self.peek().is_ascii_digit() {
            return Ok(df);
        }
        let mut a: i32 = 0;
        while self.peek().is_ascii_digit() {
            let d = (self.peek() - b'0') as i32;
            if a > i32::MAX / 10 || a * 10 > i32::MAX - d {
                return Err(fail("integral size overflow"));
            }
            a = a * 10 + d;
            self.pos += 1;
        }
        Ok(a)
    }
}

fn optsize(opt: u8, fmt: &mut Fmt) -> Result<usize, Fail> {
    Ok(match opt {
        b'B' | b'b' => 1,
        b'H' | b'h' => 2,
        b'L' | b'l' | b'T' | b'd' => 8,
        b'f' => 4,
        b'x' => 1,
        b'c' => fmt.getnum(1)? as usize,
        b'i' | b'I' => {
            let sz = fmt.getnum(4)?;
            if sz > MAXINTSIZE {
                return Err(fail(format!(
                    "integral size {sz} is larger than limit of {MAXINTSIZE}"
                )));
            }
            sz as usize
        }
        _ => 0,
    })
}

fn gettoalign(len: usize, h: &Header, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(h.align);
    (size.wrapping_sub(len & size.wrapping_sub(1))) & size.wrapping_sub(1)
}

fn controloptions(lua: &Lua, opt: u8, fmt: &mut Fmt, h: &mut Header) -> Result<(), Fail> {
    match opt {
        b' ' => Ok(()),
        b'>' => {
            h.endian = Endian::Big;
            Ok(())
        }
        b'<' => {
            h.endian = Endian::Little;
            Ok(())
        }
        b'!' => {
            let a = fmt.getnum(MAXALIGN)?;
            if a <= 0 || (a & (a - 1)) != 0 {
                return Err(fail(format!("alignment {a} is not a power of 2")));
            }
            h.align = a as usize;
            Ok(())
        }
        _ => {
            let mut msg = b"invalid format option '".to_vec();
            msg.push(opt);
            msg.push(b'\'');
            Err(arg_error(lua, 1, &msg))
        }
    }
}

/// The format argument: `luaL_checkstring(L, 1)` cut at the first NUL.
fn format_arg(lua: &Lua, args: &Args) -> Result<Vec<u8>, Fail> {
    let mut f = check_bytes(lua, args, 1)?;
    if let Some(p) = f.iter().position(|&c| c == 0) {
        f.truncate(p);
    }
    Ok(f)
}

fn put_bytes(out: &mut Vec<u8>, mut bytes: Vec<u8>, endian: Endian) {
    if endian == Endian::Big {
        bytes.reverse();
    }
    out.extend_from_slice(&bytes);
}

/// Argument access for `pack`: C pushes a nil marker right after the
/// arguments, so the first missing argument reads as `nil`.
struct PackArgs<'a> {
    args: &'a Args,
}

impl PackArgs<'_> {
    fn number(&self, lua: &Lua, i: usize) -> Result<f64, Fail> {
        if i == self.args.len() + 1 {
            return Err(arg_error(lua, i as i64, b"number expected, got nil"));
        }
        check_number(lua, self.args, i)
    }

    fn bytes(&self, lua: &Lua, i: usize) -> Result<Vec<u8>, Fail> {
        if i == self.args.len() + 1 {
            return Err(arg_error(lua, i as i64, b"string expected, got nil"));
        }
        check_bytes(lua, self.args, i)
    }
}

fn pack(lua: &Lua, args: &Args) -> LibResult {
    let f = format_arg(lua, args)?;
    let pa = PackArgs { args };
    let mut fmt = Fmt { s: &f, pos: 0 };
    let mut h = Header::new();
    let mut arg = 2usize;
    let mut total: usize = 0;
    let mut out: Vec<u8> = Vec::new();
    while let Some(opt) = fmt.next() {
        let mut size = optsize(opt, &mut fmt)?;
        let toalign = gettoalign(total, &h, opt, size);
        total = total.wrapping_add(toalign);
        out.resize(out.len() + toalign, 0);
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let n = pa.number(lua, arg)?;
                arg += 1;
                let mut value = if n < 0.0 {
                    c_f64_to_i64(n) as u64
                } else {
                    c_f64_to_u64(n)
                };
                let mut bytes = vec![0u8; size];
                for b in bytes.iter_mut() {
                    *b = (value & 0xff) as u8;
                    value >>= 8;
                }
                put_bytes(&mut out, bytes, h.endian);
            }
            b'x' => out.push(0),
            b'f' => {
                let n = pa.number(lua, arg)?;
                arg += 1;
                put_bytes(&mut out, f64_to_f32(n).to_le_bytes().to_vec(), h.endian);
            }
            b'd' => {
                let n = pa.number(lua, arg)?;
                arg += 1;
                put_bytes(&mut out, n.to_le_bytes().to_vec(), h.endian);
            }
            b'c' | b's' => {
                let s = pa.bytes(lua, arg)?;
                arg += 1;
                if size == 0 {
                    size = s.len();
                }
                if s.len() < size {
                    return Err(arg_error(lua, arg as i64, b"string too short"));
                }
                out.extend_from_slice(&s[..size]);
                if opt == b's' {
                    out.push(0);
                    size += 1;
                }
            }
            _ => controloptions(lua, opt, &mut fmt, &mut h)?,
        }
        total = total.wrapping_add(size);
    }
    Ok(Ret::one(Value::String(lua.create_string(&out)?)))
}

fn getinteger(buf: &[u8], endian: Endian, signed: bool, size: usize) -> f64 {
    let mut l: u64 = 0;
    let mut push = |b: u8| l = (l << 8) | b as u64;
    if endian == Endian::Big {
        buf.iter().for_each(|&b| push(b));
    } else {
        buf.iter().rev().for_each(|&b| push(b));
    }
    if !signed {
        return l as f64;
    }
    let mask = (!0u64).wrapping_shl((size as u32).wrapping_mul(8).wrapping_sub(1));
    if l & mask != 0 {
        l |= mask;
    }
    l as i64 as f64
}

fn unpack(lua: &Lua, args: &Args) -> LibResult {
    let f = format_arg(lua, args)?;
    let data = check_bytes(lua, args, 2)?;
    let ld = data.len();
    let pos0 = opt_integer(lua, args, 3, 1)? as u64 as usize;
    if pos0 == 0 {
        return Err(arg_error(lua, 3, b"offset must be 1 or greater"));
    }
    let mut pos = pos0 - 1;
    let mut fmt = Fmt { s: &f, pos: 0 };
    let mut h = Header::new();
    let mut res = super::Results::new();
    let too_short = |lua: &Lua| arg_error(lua, 2, b"data string too short");
    while let Some(opt) = fmt.next() {
        let mut size = optsize(opt, &mut fmt)?;
        pos = pos.wrapping_add(gettoalign(pos, &h, opt, size));
        if !(size <= ld && pos <= ld - size) {
            return Err(too_short(lua));
        }
        let top = (args.len() + res.len()) as i64;
        VStack { top }.check(2, "too many results")?;
        let push = |v: Value, res: &mut super::Results| res.push(lua, v);
        match opt {
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let signed = opt.is_ascii_lowercase();
                let v = getinteger(&data[pos..pos + size], h.endian, signed, size);
                push(Value::Number(v), &mut res)?;
            }
            b'x' => {}
            b'f' => {
                let mut b = [0u8; 4];
                b.copy_from_slice(&data[pos..pos + 4]);
                let v = if h.endian == Endian::Big {
                    f32::from_be_bytes(b)
                } else {
                    f32::from_le_bytes(b)
                };
                push(Value::Number(v as f64), &mut res)?;
            }
            b'd' => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&data[pos..pos + 8]);
                let v = if h.endian == Endian::Big {
                    f64::from_be_bytes(b)
                } else {
                    f64::from_le_bytes(b)
                };
                push(Value::Number(v), &mut res)?;
            }
            b'c' => {
                if size == 0 {
                    let prev = if res.len() == 0 {
                        None
                    } else {
                        to_number(lua, &res.pop()?)?
                    };
                    let Some(len) = prev else {
                        return Err(fail("format 'c0' needs a previous size"));
                    };
                    size = c_f64_to_u64(len) as usize;
                    if !(size <= ld && pos <= ld - size) {
                        return Err(too_short(lua));
                    }
                }
                let s = lua.create_string(&data[pos..pos + size])?;
                push(Value::String(s), &mut res)?;
            }
            b's' => {
                let Some(e) = data[pos..].iter().position(|&c| c == 0) else {
                    return Err(fail("unfinished string in data"));
                };
                size = e + 1;
                let s = lua.create_string(&data[pos..pos + e])?;
                push(Value::String(s), &mut res)?;
            }
            _ => controloptions(lua, opt, &mut fmt, &mut h)?,
        }
        pos = pos.wrapping_add(size);
    }
    res.push(lua, Value::Number(pos.wrapping_add(1) as u64 as i64 as f64))?;
    Ok(res.finish())
}

fn size(lua: &Lua, args: &Args) -> LibResult {
    let f = format_arg(lua, args)?;
    let mut fmt = Fmt { s: &f, pos: 0 };
    let mut h = Header::new();
    let mut pos: usize = 0;
    while let Some(opt) = fmt.next() {
        let size = optsize(opt, &mut fmt)?;
        pos = pos.wrapping_add(gettoalign(pos, &h, opt, size));
        if opt == b's' {
            return Err(arg_error(lua, 1, b"option 's' has no fixed size"));
        } else if opt == b'c' && size == 0 {
            return Err(arg_error(lua, 1, b"option 'c0' has no fixed size"));
        }
        if !opt.is_ascii_alphanumeric() {
            controloptions(lua, opt, &mut fmt, &mut h)?;
        }
        pos = pos.wrapping_add(size);
    }
    Ok(Ret::one(Value::Number(pos as u64 as i64 as f64)))
}

/// Creates the `struct` table.
pub(crate) fn create(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(0, 3)?;
    t.raw_set("pack", super::make_fn(lua, pack)?)?;
    t.raw_set("unpack", super::make_fn(lua, unpack)?)?;
    t.raw_set("size", super::make_fn(lua, size)?)?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run;

    /// (script, reply) pairs observed from redis-server 7.0.15 (EVAL ... 0).
    const CASES: &[(&str, &str)] = &[
        (
            r#"local t = {} for k,v in pairs(struct) do t[#t+1] = k .. '=' .. type(v) end table.sort(t) return table.concat(t, ' ')"#,
            r#""pack=function size=function unpack=function""#,
        ),
        (r#"return struct._NAME"#, r#"nil"#),
        (
            r#"local t = {} for k,v in pairs(struct) do t[#t+1] = k end return table.concat(t, ' ')"#,
            r#""pack size unpack""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('', 'abc', -1))"##,
            r#""1 number:-1""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('', 'abc', 2^53))"##,
            r#""1 number:9.007199254741e+15""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('', 'abc', 1e300))"##,
            r#""1 number:-9.2233720368548e+18""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('y', 'abc', 10))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack' (data string too short))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('x', 'abc', 4))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack' (data string too short))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('!', 'abc', 10))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack' (data string too short))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b2', 'abc'))"##,
            r#"ERR(user_script:1: bad argument #1 to 'unpack' (invalid format option '2'))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('#', 'abc'))"##,
            r#"ERR(user_script:1: bad argument #1 to 'unpack' (invalid format option '#'))"#,
        ),
        (
            r#"return struct.size('#')"#,
            r#"ERR(user_script:1: bad argument #1 to 'size' (invalid format option '#'))"#,
        ),
        (r#"return struct.size('y1')"#, r#"0"#),
        (r#"return struct.size('c')"#, r#"1"#),
        (r#"return struct.size('!')"#, r#"0"#),
        (r#"return struct.size('!2i')"#, r#"4"#),
        (r#"return struct.size('bi!2')"#, r#"5"#),
        (r#"return struct.size(' <>')"#, r#"0"#),
        (r#"return struct.size('i0')"#, r#"0"#),
        (
            r#"return struct:pack()"#,
            r#"ERR(user_script:1: calling 'pack' on bad self (string expected, got table))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>c3', 'abc'))"##,
            r#""2 string:abc number:4""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('f', '\0\0\192\127'))"##,
            r#""2 number:nan number:5""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('d', '\1\0\0\0\0\0\240\127'))"##,
            r#""2 number:nan number:9""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('d', '\0\0\0\0\0\0\240\255'))"##,
            r#""2 number:-inf number:9""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('<d', cjson.decode('nan(0x123)')))"#,
            r#""230100000000f87f""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('<d', cjson.decode('-nan')))"#,
            r#""000000000000f8ff""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('<d', cjson.decode('nan')))"#,
            r#""000000000000f87f""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('<d', 0/0))"#,
            r#""000000000000f8ff""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('<f', struct.unpack('<d', '\1\0\0\0\0\0\248\127')))"#,
            r#""0000c07f""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('<f', struct.unpack('<d', '\0\0\0\32\0\0\240\127')))"#,
            r#""0100c07f""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('<f', 1e-46, 3.4028235e38, 3.40282357e38, 1.5e-45))"#,
            r#""00000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('<ffff', 1e-46, 3.4028235e38, 3.40282357e38, 1.5e-45))"#,
            r#""00000000ffff7f7f0000807f01000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('<dd', -0.0, 1e-300))"#,
            r#""000000000000008059f3f8c21f6ea501""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('<dddddd', 1, 2, 3, 4, -0.0, 1e-300))"#,
            r#""000000000000f03f000000000000004000000000000008400000000000001040000000000000008059f3f8c21f6ea501""#,
        ),
        (
            r#"local function f() return struct.pack('y') end return f()"#,
            r#"ERR(user_script:1: bad argument #1 to 'pack' (invalid format option 'y'))"#,
        ),
        (
            r#"return struct.unpack('<d', struct.pack('<d', -0.0)) == 0 and tostring(1/struct.unpack('<d', struct.pack('<d', -0.0))) or 'x'"#,
            r#""-inf""#,
        ),
        (
            r#"return struct.pack(string.rep('b', 10), 1,2,3,4,5,6,7,8,9,10):len()"#,
            r#"10"#,
        ),
        (
            r#"return struct.unpack('>s', 'hello\0world')"#,
            r#""hello""#,
        ),
        (
            r#"return {struct.unpack('>bc0', '\3abcdef')}"#,
            r#"["abc", 5]"#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return select('#', struct.unpack(string.rep('b', n), string.rep('\1', n))) end)"#,
            r#""7997 | user_script:1: stack overflow (too many results)""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return select('#', struct.unpack(string.rep('b', n), string.rep('\1', n), 1)) end)"#,
            r#""7996 | user_script:1: stack overflow (too many results)""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return select('#', struct.unpack(string.rep('c1', n), string.rep('\1', n))) end)"#,
            r#""7997 | user_script:1: stack overflow (too many results)""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return select('#', struct.unpack(string.rep('x', n), string.rep('\1', n))) end)"#,
            r#""20000 | 1""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) local t = {} for i=1,n do t[i] = 'a' end return #struct.pack(string.rep('s', n), unpack(t)) end)"#,
            r#""7999 | user_script:1: too many results to unpack""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('bBhHlLTiI', -1, 255, -2, 65535, -3, 7, 8, -4, 9))"#,
            r#""fffffefffffffdffffffffffffff07000000000000000800000000000000fcffffff09000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>bBhHlLTiI', -1, 255, -2, 65535, -3, 7, 8, -4, 9))"#,
            r#""fffffffefffffffffffffffffffd00000000000000070000000000000008fffffffc00000009""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('<i1i2i3i4i5i6i7i8', 1, 2, 3, 4, 5, 6, 7, 8))"#,
            r#""010200030000040000000500000000060000000000070000000000000800000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>i16', -1))"#,
            r#""0000000000000000ffffffffffffffff""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('<i16', -1))"#,
            r#""ffffffffffffffff0000000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>I16', 2^70))"#,
            r#""00000000000000000000000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>i32', 1))"#,
            r#""0000000000000000000000000000000000000000000000000000000000000001""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>i33', 1))"#,
            r#"ERR(user_script:1: integral size 33 is larger than limit of 32)"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>i0', 1))"#,
            r#""""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>I8', 1e20))"#,
            r#""0000000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>I8', 2^63))"#,
            r#""8000000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>I8', 2^64))"#,
            r#""0000000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>I8', 1/0))"#,
            r#""0000000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>I8', -1/0))"#,
            r#""8000000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>I8', 0/0))"#,
            r#""8000000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>I8', -2^63))"#,
            r#""8000000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>I8', -2^64))"#,
            r#""8000000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>i4', 1.9))"#,
            r#""00000001""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>i4', -1.9))"#,
            r#""ffffffff""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>B', 256))"#,
            r#""00""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>B', -1))"#,
            r#""ff""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>fd', 1.5, 1.5))"#,
            r#""3fc000003ff8000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('<fd', 0.1, 0.1))"#,
            r#""cdcccc3d9a9999999999b93f""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>f', 1e300))"#,
            r#""7f800000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>f', 0/0))"#,
            r#""ffc00000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('c', 'abc'))"#,
            r#""61""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('c2', 'abc'))"#,
            r#""6162""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('c0', 'abc'))"#,
            r#""616263""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('c5', 'abc'))"#,
            r#"ERR(user_script:1: bad argument #3 to 'pack' (string too short))"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('s', 'abc'))"#,
            r#""61626300""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('s', 'a\0c'))"#,
            r#""61006300""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('bxb', 1, 2))"#,
            r#""010002""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('!4bi', 1, 2))"#,
            r#""0100000002000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('!bi', 1, 2))"#,
            r#""0100000002000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('!2bi', 1, 2))"#,
            r#""010002000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('!8bd', 1, 2))"#,
            r#""01000000000000000000000000000040""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('!8bhbibd', 1, 2, 3, 4, 5, 6))"#,
            r#""010002000300000004000000050000000000000000001840""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('!3bi', 1, 2))"#,
            r#"ERR(user_script:1: alignment 3 is not a power of 2)"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('!0bi', 1, 2))"#,
            r#"ERR(user_script:1: alignment 0 is not a power of 2)"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('! b i', 1, 2))"#,
            r#""0100000002000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('!4bc3i', 1, 'abc', 2))"#,
            r#""0161626302000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('!4bsi', 1, 'abc', 2))"#,
            r#""016162630000000002000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('!16bi16', 1, 2))"#,
            r#""0100000000000000000000000000000002000000000000000000000000000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('y', 1))"#,
            r#"ERR(user_script:1: bad argument #1 to 'pack' (invalid format option 'y'))"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('b'))"#,
            r#"ERR(user_script:1: bad argument #2 to 'pack' (number expected, got nil))"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('b', 'x'))"#,
            r#"ERR(user_script:1: bad argument #2 to 'pack' (number expected, got string))"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('b', '12'))"#,
            r#""0c""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('c', 1))"#,
            r#""31""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('c', {}))"#,
            r#"ERR(user_script:1: bad argument #2 to 'pack' (string expected, got table))"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack())"#,
            r#"ERR(user_script:1: bad argument #1 to 'pack' (string expected, got no value))"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack(12))"#,
            r#"ERR(user_script:1: bad argument #1 to 'pack' (invalid format option '1'))"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack(''))"#,
            r#""""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('i99999999999'))"#,
            r#"ERR(user_script:1: integral size overflow)"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('c99999999999', 'a'))"#,
            r#"ERR(user_script:1: integral size overflow)"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('c2147483648', 'a'))"#,
            r#"ERR(user_script:1: integral size overflow)"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('c2147483647', 'a'))"#,
            r#"ERR(user_script:1: bad argument #3 to 'pack' (string too short))"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('!99999999999b', 1))"#,
            r#"ERR(user_script:1: integral size overflow)"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('i2147483647', 1))"#,
            r#"ERR(user_script:1: integral size 2147483647 is larger than limit of 32)"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('i2147483648', 1))"#,
            r#"ERR(user_script:1: integral size overflow)"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('b\0b', 1, 2))"#,
            r#""01""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('bb', 1, 2, 3))"#,
            r#""0102""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('xxxx'))"#,
            r#""00000000""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('Bb', 1))"#,
            r#"ERR(user_script:1: bad argument #3 to 'pack' (number expected, got nil))"#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>h', 40000))"#,
            r#""9c40""#,
        ),
        (
            r#"local function h(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end return h(struct.pack('>h', 2^63 + 2^12))"#,
            r#""1000""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('bBhHlLTiI', struct.pack('bBhHlLTiI', -1, 255, -2, 65535, -3, 7, 8, -4, 9)))"##,
            r#""10 number:-1 number:255 number:-2 number:65535 number:-3 number:7 number:8 number:-4 number:9 number:39""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>i16', string.rep('\255', 16)))"##,
            r#""2 number:-1 number:17""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>I16', string.rep('\255', 16)))"##,
            r#""2 number:1.844674407371e+19 number:17""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>i9', '\1' .. string.rep('\0', 8)))"##,
            r#""2 number:0 number:10""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>i9', '\128' .. string.rep('\0', 7) .. '\1'))"##,
            r#""2 number:1 number:10""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('<i9', '\1' .. string.rep('\0', 7) .. '\128'))"##,
            r#""2 number:1 number:10""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>I8', string.rep('\255', 8)))"##,
            r#""2 number:1.844674407371e+19 number:9""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>i8', '\128' .. string.rep('\0', 7)))"##,
            r#""2 number:-9.2233720368548e+18 number:9""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>i3', '\255\255\254'))"##,
            r#""2 number:-2 number:4""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>I3', '\255\255\254'))"##,
            r#""2 number:16777214 number:4""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>i0', ''))"##,
            r#""2 number:0 number:1""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>I0', 'abc'))"##,
            r#""2 number:0 number:1""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>fd', struct.pack('>fd', 1.5, 0.1)))"##,
            r#""3 number:1.5 number:0.1 number:13""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('c', 'abc'))"##,
            r#""2 string:a number:2""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('c2', 'abc'))"##,
            r#""2 string:ab number:3""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('c0', 'abc'))"##,
            r#"ERR(user_script:1: format 'c0' needs a previous size)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('bc0', '\2abc'))"##,
            r#""2 string:ab number:4""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('bc0', '\5abc'))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack' (data string too short))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('sc0', 'a\0bc'))"##,
            r#"ERR(user_script:1: format 'c0' needs a previous size)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('c1c0', '3abcd'))"##,
            r#""2 string:abc number:5""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('c1c0', 'xabcd'))"##,
            r#"ERR(user_script:1: format 'c0' needs a previous size)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('bxc0', '\2\0ab'))"##,
            r#""2 string:ab number:5""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('bc0', '\255abc'))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack' (data string too short))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('dc0', struct.pack('d', 1.5) .. 'abc'))"##,
            r#""2 string:a number:10""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('s', 'abc\0def'))"##,
            r#""2 string:abc number:5""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('s', 'abc'))"##,
            r#"ERR(user_script:1: unfinished string in data)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('ss', 'a\0b\0'))"##,
            r#""3 string:a string:b number:5""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b', 'abc', 2))"##,
            r#""2 number:98 number:3""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b', 'abc', 3))"##,
            r#""2 number:99 number:4""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b', 'abc', 4))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack' (data string too short))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b', 'abc', 5))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack' (data string too short))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b', 'abc', 0))"##,
            r#"ERR(user_script:1: bad argument #3 to 'unpack' (offset must be 1 or greater))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b', 'abc', -1))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack' (data string too short))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('', 'abc', 4))"##,
            r#""1 number:4""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('', 'abc', 5))"##,
            r#""1 number:5""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b', 'abc', 'x'))"##,
            r#"ERR(user_script:1: bad argument #3 to 'unpack' (number expected, got string))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b', 'abc', 1.9))"##,
            r#""2 number:97 number:2""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b', 'abc', nil))"##,
            r#""2 number:97 number:2""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('i4', 'abc'))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack' (data string too short))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('y', 'abc'))"##,
            r#"ERR(user_script:1: bad argument #1 to 'unpack' (invalid format option 'y'))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b'))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack' (string expected, got no value))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack())"##,
            r#"ERR(user_script:1: bad argument #1 to 'unpack' (string expected, got no value))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b', 12))"##,
            r#""2 number:49 number:2""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('!4bi', '\1\0\0\0\2\0\0\0'))"##,
            r#""3 number:1 number:2 number:9""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('!4bi', '\1\0\0\0\2\0\0'))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack' (data string too short))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('xxb', '\1\2\3'))"##,
            r#""2 number:3 number:4""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('c99999999999', 'abc'))"##,
            r#"ERR(user_script:1: integral size overflow)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>i33', string.rep('a', 40)))"##,
            r#"ERR(user_script:1: integral size 33 is larger than limit of 32)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('!3b', 'a'))"##,
            r#"ERR(user_script:1: alignment 3 is not a power of 2)"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b c2', 'abc'))"##,
            r#""3 number:97 string:bc number:4""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('<I4', '\1\2\3\4'))"##,
            r#""2 number:67305985 number:5""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('>I4', '\1\2\3\4'))"##,
            r#""2 number:16909060 number:5""#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b', 'a\0', 18446744073709551615))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack' (data string too short))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('b', 'abc', 2^63))"##,
            r#"ERR(user_script:1: bad argument #2 to 'unpack' (data string too short))"#,
        ),
        (
            r##"local function r(...) local t = {} for i=1,select("#", ...) do local v = select(i, ...) t[#t+1] = type(v) .. ":" .. tostring(v) end return select("#", ...) .. " " .. table.concat(t, " ") end return r(struct.unpack('c0', 'abc', 2))"##,
            r#"ERR(user_script:1: format 'c0' needs a previous size)"#,
        ),
        (r#"return struct.size('bhilfdT')"#, r#"35"#),
        (r#"return struct.size('!8bhilfdT')"#, r#"40"#),
        (r#"return struct.size('c10')"#, r#"10"#),
        (
            r#"return struct.size('c0')"#,
            r#"ERR(user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size))"#,
        ),
        (
            r#"return struct.size('s')"#,
            r#"ERR(user_script:1: bad argument #1 to 'size' (option 's' has no fixed size))"#,
        ),
        (r#"return struct.size('i3')"#, r#"3"#),
        (r#"return struct.size('x y')"#, r#"1"#),
        (r#"return struct.size('>!4<')"#, r#"0"#),
        (
            r#"return struct.size('!3')"#,
            r#"ERR(user_script:1: alignment 3 is not a power of 2)"#,
        ),
        (
            r#"return struct.size()"#,
            r#"ERR(user_script:1: bad argument #1 to 'size' (string expected, got no value))"#,
        ),
        (
            r#"return struct.size('i40')"#,
            r#"ERR(user_script:1: integral size 40 is larger than limit of 32)"#,
        ),
        (r#"return struct.size('b', 1)"#, r#"1"#),
        (r#"return struct.size('!4bc3i')"#, r#"8"#),
        (
            r#"return struct.size('c99999999999')"#,
            r#"ERR(user_script:1: integral size overflow)"#,
        ),
        (
            r#"return struct.size('c2147483647c2147483647')"#,
            r#"4294967294"#,
        ),
        (r#"return struct.size('i16i16')"#, r#"32"#),
        (r#"return struct.size('!16bi16')"#, r#"32"#),
    ];

    #[test]
    fn matches_redis() {
        for (script, expected) in CASES {
            assert_eq!(run(script), *expected, "script: {script}");
        }
    }
}
