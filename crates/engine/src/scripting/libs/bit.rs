//! The `bit` library (LuaBitOp 1.0.2) as Redis 7.0 ships it for Lua 5.1:
//! `tobit`, `tohex`, `bnot`, `band`, `bor`, `bxor`, `lshift`, `rshift`,
//! `arshift`, `rol`, `ror` and `bswap` on 32-bit integers.
//!
//! Numbers are normalised as LuaBitOp does: `2^52 + 2^51` is added to the
//! double and the low 32 bits of its representation are taken (so values
//! are rounded to nearest-even and wrapped modulo 2^32); results are signed
//! 32-bit numbers. Argument errors match LuaBitOp's
//! `bad argument #n to 'f' (number expected, got T)`.

use std::os::raw::c_int;

use mlua::{ffi, Function, Lua, Table};

// These are plain Lua C functions, exactly as LuaBitOp's: argument errors
// come from `luaL_typerror`, so positions and names are Lua's own.

/// Converts argument `idx` to 32 bits the LuaBitOp way.
unsafe fn barg(l: *mut ffi::lua_State, idx: c_int) -> u32 {
    let n = ffi::lua_tonumber(l, idx);
    let b = (n + 6_755_399_441_055_744.0).to_bits() as u32;
    if b == 0 && ffi::lua_isnumber(l, idx) == 0 {
        ffi::luaL_typerror(l, idx, c"number".as_ptr());
    }
    b
}

unsafe fn push(l: *mut ffi::lua_State, b: u32) -> c_int {
    ffi::lua_pushnumber(l, b as i32 as f64);
    1
}

unsafe extern "C-unwind" fn tobit(l: *mut ffi::lua_State) -> c_int {
    push(l, barg(l, 1))
}

unsafe extern "C-unwind" fn bnot(l: *mut ffi::lua_State) -> c_int {
    push(l, !barg(l, 1))
}

unsafe fn fold(l: *mut ffi::lua_State, op: fn(u32, u32) -> u32) -> c_int {
    let mut b = barg(l, 1);
    let mut i = ffi::lua_gettop(l);
    while i > 1 {
        b = op(b, barg(l, i));
        i -= 1;
    }
    push(l, b)
}

unsafe extern "C-unwind" fn band(l: *mut ffi::lua_State) -> c_int {
    fold(l, |x, y| x & y)
}

unsafe extern "C-unwind" fn bor(l: *mut ffi::lua_State) -> c_int {
    fold(l, |x, y| x | y)
}

unsafe extern "C-unwind" fn bxor(l: *mut ffi::lua_State) -> c_int {
    fold(l, |x, y| x ^ y)
}

unsafe fn shift(l: *mut ffi::lua_State, op: fn(u32, u32) -> u32) -> c_int {
    let b = barg(l, 1);
    let n = barg(l, 2) & 31;
    push(l, op(b, n))
}

unsafe extern "C-unwind" fn lshift(l: *mut ffi::lua_State) -> c_int {
    shift(l, |x, n| x << n)
}

unsafe extern "C-unwind" fn rshift(l: *mut ffi::lua_State) -> c_int {
    shift(l, |x, n| x >> n)
}

unsafe extern "C-unwind" fn arshift(l: *mut ffi::lua_State) -> c_int {
    shift(l, |x, n| ((x as i32) >> n) as u32)
}

unsafe extern "C-unwind" fn rol(l: *mut ffi::lua_State) -> c_int {
    shift(l, |x, n| x.rotate_left(n))
}

unsafe extern "C-unwind" fn ror(l: *mut ffi::lua_State) -> c_int {
    shift(l, |x, n| x.rotate_right(n))
}

unsafe extern "C-unwind" fn bswap(l: *mut ffi::lua_State) -> c_int {
    push(l, barg(l, 1).swap_bytes())
}

unsafe extern "C-unwind" fn tohex(l: *mut ffi::lua_State) -> c_int {
    let mut b = barg(l, 1);
    let mut n: i32 = if ffi::lua_type(l, 2) == ffi::LUA_TNONE {
        8
    } else {
        barg(l, 2) as i32
    };
    let mut digits: &[u8; 16] = b"0123456789abcdef";
    if n < 0 {
        n = n.wrapping_neg();
        digits = b"0123456789ABCDEF";
    }
    let n = if n as u32 > 8 { 8 } else { n as usize };
    let mut buf = [0u8; 8];
    for slot in buf[..n].iter_mut().rev() {
        *slot = digits[(b & 15) as usize];
        b >>= 4;
    }
    ffi::lua_pushlstring(l, buf.as_ptr().cast(), n);
    1
}

/// Creates the `bit` table.
pub(crate) fn create(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(0, 12)?;
    let funcs: [(&str, ffi::lua_CFunction); 12] = [
        ("tobit", tobit),
        ("bnot", bnot),
        ("band", band),
        ("bor", bor),
        ("bxor", bxor),
        ("lshift", lshift),
        ("rshift", rshift),
        ("arshift", arshift),
        ("rol", rol),
        ("ror", ror),
        ("bswap", bswap),
        ("tohex", tohex),
    ];
    for (name, f) in funcs {
        // SAFETY: the functions follow the Lua C API protocol and hold no
        // values with destructors when Lua raises an error through them.
        let f: Function = unsafe { lua.create_c_function(f)? };
        t.raw_set(name, f)?;
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run;

    /// (script, reply) pairs observed from redis-server 7.0.15 (EVAL ... 0).
    const CASES: &[(&str, &str)] = &[
        (
            r#"local f = bit.tobit return (function() return f() end)()"#,
            r#"ERR(user_script:1: bad argument #1 to 'f' (number expected, got no value))"#,
        ),
        (r#"return tostring(bit.tohex(-1, -2))"#, r#""FF""#),
        (
            r#"return tostring(bit.tobit(-0.0)) .. tostring(bit.tobit(1e-300))"#,
            r#""00""#,
        ),
        (
            r#"local t = {f = bit.tobit} return t.f()"#,
            r#"ERR(user_script:1: bad argument #1 to 'f' (number expected, got no value))"#,
        ),
        (
            r#"local t = {f = bit.tobit} return t:f()"#,
            r#"ERR(user_script:1: calling 'f' on bad self (number expected, got table))"#,
        ),
        (r#"return bit.band(1,3,5,7,9,11,13,15)"#, r#"1"#),
        (
            r#"return bit.bor(1, 2, 4, 8, 16, "x")"#,
            r#"ERR(user_script:1: bad argument #6 to 'bor' (number expected, got string))"#,
        ),
        (
            r#"return bit.bxor(1, {}, "x")"#,
            r#"ERR(user_script:1: bad argument #3 to 'bxor' (number expected, got string))"#,
        ),
        (r#"return bit.band(1, 2, 3, 4, 5, 6, -0.0)"#, r#"0"#),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) return bit.band(unpack({}, 1, n)) end)"#,
            r#""1 | user_script:1: bad argument #1 to 'band' (number expected, got nil)""#,
        ),
        (
            r#"local function bs(f) local lo, hi = 1, 20000 while lo < hi do local m = math.floor((lo + hi + 1) / 2) if pcall(f, m) then lo = m else hi = m - 1 end end local ok, e = pcall(f, lo + 1) return lo .. " | " .. tostring(e) end return bs(function(n) local t = {} for i=1,n do t[i] = 1 end return bit.band(unpack(t, 1, n)) end)"#,
            r#""7997 | user_script:1: too many results to unpack""#,
        ),
        (r#"return tostring(bit.tobit(0xffffffff))"#, r#""-1""#),
        (r#"return tostring(bit.tobit(0xffffffff + 1))"#, r#""0""#),
        (r#"return tostring(bit.tobit(2^40 + 1234))"#, r#""1234""#),
        (r#"return tostring(bit.tobit(1.5))"#, r#""2""#),
        (r#"return tostring(bit.tobit(2.5))"#, r#""2""#),
        (r#"return tostring(bit.tobit(-1.5))"#, r#""-2""#),
        (r#"return tostring(bit.tobit(-2.5))"#, r#""-2""#),
        (r#"return tostring(bit.tobit(0.5))"#, r#""0""#),
        (r#"return tostring(bit.tobit(2^52))"#, r#""0""#),
        (r#"return tostring(bit.tobit(2^53 + 2))"#, r#""1""#),
        (
            r#"return tostring(bit.tobit(2^60 + 2^33 + 7))"#,
            r#""33554432""#,
        ),
        (r#"return tostring(bit.tobit(-2^60 - 5))"#, r#""0""#),
        (r#"return tostring(bit.tobit(1e300))"#, r#""-2013235812""#),
        (r#"return tostring(bit.tobit(1/0))"#, r#""0""#),
        (r#"return tostring(bit.tobit(-1/0))"#, r#""0""#),
        (r#"return tostring(bit.tobit(0/0))"#, r#""0""#),
        (r#"return tostring(bit.tobit(-(0/0)))"#, r#""0""#),
        (r#"return tostring(bit.tobit("12"))"#, r#""12""#),
        (r#"return tostring(bit.tobit("0x10"))"#, r#""16""#),
        (r#"return tostring(bit.tobit(" 7 "))"#, r#""7""#),
        (
            r#"return tostring(bit.tobit("abc"))"#,
            r#"ERR(user_script:1: bad argument #1 to 'tobit' (number expected, got string))"#,
        ),
        (
            r#"return tostring(bit.tobit({}))"#,
            r#"ERR(user_script:1: bad argument #1 to 'tobit' (number expected, got table))"#,
        ),
        (
            r#"return tostring(bit.tobit(nil))"#,
            r#"ERR(user_script:1: bad argument #1 to 'tobit' (number expected, got nil))"#,
        ),
        (
            r#"return tostring(bit.tobit())"#,
            r#"ERR(user_script:1: bad argument #1 to 'tobit' (number expected, got no value))"#,
        ),
        (
            r#"return tostring(bit.tobit(true))"#,
            r#"ERR(user_script:1: bad argument #1 to 'tobit' (number expected, got boolean))"#,
        ),
        (r#"return tostring(bit.tobit(1, 2))"#, r#""1""#),
        (r#"return tostring(bit.tobit("0"))"#, r#""0""#),
        (
            r#"return tostring(bit.tobit(""))"#,
            r#"ERR(user_script:1: bad argument #1 to 'tobit' (number expected, got string))"#,
        ),
        (r#"return bit.tohex(1)"#, r#""00000001""#),
        (r#"return bit.tohex(-1)"#, r#""ffffffff""#),
        (r#"return bit.tohex(0x1234abcd, 4)"#, r#""abcd""#),
        (r#"return bit.tohex(0x1234abcd, -4)"#, r#""ABCD""#),
        (r#"return bit.tohex(0x1234abcd, -8)"#, r#""1234ABCD""#),
        (r#"return bit.tohex(0x1234abcd, 0)"#, r#""""#),
        (r#"return bit.tohex(0x1234abcd, 9)"#, r#""1234abcd""#),
        (r#"return bit.tohex(0x1234abcd, -9)"#, r#""1234ABCD""#),
        (r#"return bit.tohex(0x1234abcd, -2^31)"#, r#""1234ABCD""#),
        (r#"return bit.tohex(0x1234abcd, 2^31)"#, r#""1234ABCD""#),
        (r#"return bit.tohex(0x1234abcd, 2^32-1)"#, r#""D""#),
        (
            r#"return bit.tohex(0x1234abcd, nil)"#,
            r#"ERR(user_script:1: bad argument #2 to 'tohex' (number expected, got nil))"#,
        ),
        (
            r#"return bit.tohex(0x1234abcd, "x")"#,
            r#"ERR(user_script:1: bad argument #2 to 'tohex' (number expected, got string))"#,
        ),
        (r#"return bit.tohex(0x1234abcd, 1.5)"#, r#""cd""#),
        (
            r#"return bit.tohex()"#,
            r#"ERR(user_script:1: bad argument #1 to 'tohex' (number expected, got no value))"#,
        ),
        (r#"return bit.tohex(2^32 + 255)"#, r#""000000ff""#),
        (r#"return tostring(bit.bnot(0))"#, r#""-1""#),
        (r#"return tostring(bit.bnot(5))"#, r#""-6""#),
        (
            r#"return tostring(bit.bnot())"#,
            r#"ERR(user_script:1: bad argument #1 to 'bnot' (number expected, got no value))"#,
        ),
        (
            r#"return tostring(bit.band(0xff00, 0x0ff0, 0x00ff + 0x0f00))"#,
            r#""3840""#,
        ),
        (r#"return tostring(bit.band(5))"#, r#""5""#),
        (
            r#"return tostring(bit.band())"#,
            r#"ERR(user_script:1: bad argument #1 to 'band' (number expected, got no value))"#,
        ),
        (
            r#"return tostring(bit.band(1, nil))"#,
            r#"ERR(user_script:1: bad argument #2 to 'band' (number expected, got nil))"#,
        ),
        (
            r#"return tostring(bit.band(1, 2, "x"))"#,
            r#"ERR(user_script:1: bad argument #3 to 'band' (number expected, got string))"#,
        ),
        (
            r#"return tostring(bit.band(1, 2, {}))"#,
            r#"ERR(user_script:1: bad argument #3 to 'band' (number expected, got table))"#,
        ),
        (r#"return tostring(bit.bor(1, 2, 4, 8))"#, r#""15""#),
        (r#"return tostring(bit.bxor(0xff, 0x0f, 0x01))"#, r#""241""#),
        (r#"return tostring(bit.bor(-1, 0))"#, r#""-1""#),
        (r#"return tostring(bit.lshift(1, 31))"#, r#""-2147483648""#),
        (r#"return tostring(bit.lshift(1, 32))"#, r#""1""#),
        (r#"return tostring(bit.lshift(1, 33))"#, r#""2""#),
        (r#"return tostring(bit.lshift(1, -1))"#, r#""-2147483648""#),
        (r#"return tostring(bit.lshift(3, 1.5))"#, r#""12""#),
        (r#"return tostring(bit.rshift(-1, 1))"#, r#""2147483647""#),
        (r#"return tostring(bit.rshift(-1, 28))"#, r#""15""#),
        (r#"return tostring(bit.arshift(-256, 4))"#, r#""-16""#),
        (r#"return tostring(bit.arshift(256, 4))"#, r#""16""#),
        (r#"return tostring(bit.arshift(-1, 31))"#, r#""-1""#),
        (
            r#"return tostring(bit.rol(0x12345678, 4))"#,
            r#""591751041""#,
        ),
        (
            r#"return tostring(bit.rol(0x12345678, 36))"#,
            r#""591751041""#,
        ),
        (
            r#"return tostring(bit.ror(0x12345678, 4))"#,
            r#""-2128394905""#,
        ),
        (
            r#"return tostring(bit.ror(0x12345678, -4))"#,
            r#""591751041""#,
        ),
        (
            r#"return tostring(bit.rol(0x12345678, 0))"#,
            r#""305419896""#,
        ),
        (
            r#"return tostring(bit.bswap(0x12345678))"#,
            r#""2018915346""#,
        ),
        (r#"return tostring(bit.bswap(-1))"#, r#""-1""#),
        (r#"return tostring(bit.bswap(0xff))"#, r#""-16777216""#),
        (
            r#"return tostring(bit.lshift(1))"#,
            r#"ERR(user_script:1: bad argument #2 to 'lshift' (number expected, got no value))"#,
        ),
        (
            r#"return tostring(bit.lshift())"#,
            r#"ERR(user_script:1: bad argument #1 to 'lshift' (number expected, got no value))"#,
        ),
        (
            r#"return tostring(bit.rshift(1, "x"))"#,
            r#"ERR(user_script:1: bad argument #2 to 'rshift' (number expected, got string))"#,
        ),
        (r#"return tostring(bit.tohex(255, "2"))"#, r#""ff""#),
        (r#"return tostring(bit.tobit(4294967296.5))"#, r#""0""#),
        (r#"return tostring(bit.tobit(-0.0))"#, r#""0""#),
        (r#"return tostring(bit.tobit(2^51))"#, r#""0""#),
        (r#"return tostring(bit.tobit(2^51 + 0.5))"#, r#""0""#),
        (r#"return tostring(bit.tobit(-2^51 - 0.5))"#, r#""-1""#),
        (r#"return tostring(bit.tobit(-2^52))"#, r#""0""#),
        (
            r#"return tostring(bit.tobit(2^31 - 0.5))"#,
            r#""-2147483648""#,
        ),
        (r#"return tostring(bit.tobit(2^53))"#, r#""0""#),
        (r#"return tostring(bit.tobit(3 * 2^51))"#, r#""0""#),
        (r#"return tostring(bit.tobit(-3 * 2^51))"#, r#""0""#),
        (r#"return tostring(bit.tobit(2^1023))"#, r#""0""#),
        (r#"return tostring(bit.tobit("1e2"))"#, r#""100""#),
        (r#"return tostring(bit.tobit("  0x1F  "))"#, r#""31""#),
        (r#"return tostring(bit.tobit("1\0"))"#, r#""1""#),
        (
            r#"return tostring(bit.tobit(cjson.null))"#,
            r#"ERR(user_script:1: bad argument #1 to 'tobit' (number expected, got userdata))"#,
        ),
    ];

    #[test]
    fn matches_redis() {
        for (script, expected) in CASES {
            assert_eq!(run(script), *expected, "script: {script}");
        }
    }
}
