//! The four Lua libraries that Redis 7.0 preloads for scripts: `cjson`,
//! `cmsgpack`, `bit` and `struct`, written in Rust on top of `mlua`.
//!
//! Each library mirrors what redis-server 7.0.15 shows a script: the same
//! results byte for byte, the same error texts (including the
//! `source:line: ` prefix that `luaL_error` adds and the
//! `bad argument #n to 'name' (...)` form of `luaL_argerror`), and the same
//! limits (Lua's 8000-slot C stack limit is emulated where the C libraries
//! would hit it).
//!
//! `bit` consists of plain Lua C functions. Every other library function is
//! exposed to Lua as a small C closure (a trampoline) around an `mlua`
//! callback: the trampoline makes the function look like a C function to
//! Lua (so tail calls, function names and error positions behave as in
//! Redis), raises library errors as plain Lua strings (not `mlua` error
//! userdata, so `pcall` hands scripts the same string as Redis does), and
//! moves long argument and result lists through Lua tables so that no call
//! holds more than a bounded number of `mlua` references. Deep structures
//! are walked without recursion, keeping the open tables in a Lua table.

use std::os::raw::c_int;

use mlua::{ffi, Function, Lua, MultiValue, Table, Value};

mod bit;
mod cjson;
mod cmsgpack;
mod structlib;

/// Creates the `cjson`, `cmsgpack`, `bit` and `struct` library tables, sets
/// them as globals of `lua`, and registers them in `package.loaded` when a
/// `package` table with a `loaded` table exists.
pub fn install(lua: &Lua) -> mlua::Result<()> {
    let next = raw_next(lua)?;
    let libs = [
        ("cjson", cjson::create(lua, &next)?),
        ("cmsgpack", cmsgpack::create(lua, &next)?),
        ("bit", bit::create(lua)?),
        ("struct", structlib::create(lua)?),
    ];
    let globals = lua.globals();
    let loaded = match globals.raw_get::<Value>("package")? {
        Value::Table(package) => match package.raw_get::<Value>("loaded")? {
            Value::Table(loaded) => Some(loaded),
            _ => None,
        },
        _ => None,
    };
    for (name, table) in libs {
        globals.raw_set(name, table.clone())?;
        if let Some(loaded) = &loaded {
            loaded.raw_set(name, table)?;
        }
    }
    Ok(())
}

/// Lua's `LUAI_MAXCSTACK`: the most stack slots a C function may use.
pub(crate) const MAX_C_STACK: i64 = 8000;

/// The reason a library function failed.
pub(crate) enum Fail {
    /// A `luaL_error`-style error: the message gets the position prefix of
    /// the calling Lua function.
    Where(Vec<u8>),
    /// A runtime error raised without position (e.g. "table index is nil").
    Raw(Vec<u8>),
    /// An error from `mlua` itself (memory errors and the like).
    Lua(mlua::Error),
}

impl From<mlua::Error> for Fail {
    fn from(e: mlua::Error) -> Self {
        Fail::Lua(e)
    }
}

/// Builds a `luaL_error`-style failure from text.
pub(crate) fn fail(msg: impl Into<Vec<u8>>) -> Fail {
    Fail::Where(msg.into())
}

/// What a library function returns.
pub(crate) enum Ret {
    /// A few values, returned as they are.
    Vals(Vec<Value>),
    /// `n` values stored at `1..=n` of a table.
    Table(Table, usize),
}

impl Ret {
    /// A single value.
    pub(crate) fn one(v: Value) -> Ret {
        Ret::Vals(vec![v])
    }
}

/// A growing list of results: kept inline while short, moved to a Lua
/// table when long (so long lists hold no `mlua` references).
pub(crate) struct Results {
    vals: Vec<Value>,
    table: Option<Table>,
    n: usize,
}

/// Results kept inline at most.
const INLINE_RESULTS: usize = 32;

impl Results {
    /// An empty list.
    pub(crate) fn new() -> Results {
        Results {
            vals: Vec::new(),
            table: None,
            n: 0,
        }
    }

    /// Number of results.
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// Appends a value.
    pub(crate) fn push(&mut self, lua: &Lua, v: Value) -> mlua::Result<()> {
        if self.table.is_none() && self.vals.len() < INLINE_RESULTS {
            self.vals.push(v);
        } else {
            let t = match &self.table {
                Some(t) => t,
                None => {
                    let t = lua.create_table()?;
                    for (i, x) in self.vals.drain(..).enumerate() {
                        t.raw_set(i + 1, x)?;
                    }
                    self.table.insert(t)
                }
            };
            t.raw_set(self.n + 1, v)?;
        }
        self.n += 1;
        Ok(())
    }

    /// Removes and returns the last value.
    pub(crate) fn pop(&mut self) -> mlua::Result<Value> {
        if self.n == 0 {
            return Ok(Value::Nil);
        }
        let v = match &self.table {
            Some(t) => {
                let v = raw_get_exact(t, self.n)?;
                t.raw_set(self.n, Value::Nil)?;
                v
            }
            None => self.vals.pop().map(norm).unwrap_or(Value::Nil),
        };
        self.n -= 1;
        Ok(v)
    }

    /// Replaces the first value.
    pub(crate) fn set_first(&mut self, v: Value) -> mlua::Result<()> {
        match &self.table {
            Some(t) => t.raw_set(1, v),
            None => {
                if let Some(slot) = self.vals.first_mut() {
                    *slot = v;
                }
                Ok(())
            }
        }
    }

    /// The values as a function result.
    pub(crate) fn finish(self) -> Ret {
        match self.table {
            Some(t) => Ret::Table(t, self.n),
            None => Ret::Vals(self.vals),
        }
    }
}

/// Result type of library functions.
pub(crate) type LibResult = Result<Ret, Fail>;

/// The arguments a library function was called with.
pub(crate) struct Args {
    n: usize,
    direct: Vec<Value>,
    table: Option<Table>,
}

impl Args {
    /// Number of arguments (`lua_gettop` at entry).
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// Whether argument `i` (1-based) is absent (`lua_isnone`).
    pub(crate) fn is_none(&self, i: usize) -> bool {
        i == 0 || i > self.n
    }

    /// Argument `i` (1-based); numbers always come back as exact
    /// `Value::Number`. Absent arguments are `Nil`.
    pub(crate) fn get(&self, i: usize) -> mlua::Result<Value> {
        if self.is_none(i) {
            return Ok(Value::Nil);
        }
        match &self.table {
            Some(t) => {
                let v: Value = t.raw_get(i)?;
                match v {
                    Value::Integer(0) => Ok(Value::Number(t.raw_get::<f64>(i)?)),
                    v => Ok(norm(v)),
                }
            }
            None => Ok(norm(self.direct.get(i - 1).cloned().unwrap_or(Value::Nil))),
        }
    }
}

/// Turns `Value::Integer` into `Value::Number` (Lua 5.1 has only doubles).
pub(crate) fn norm(v: Value) -> Value {
    match v {
        Value::Integer(i) => Value::Number(i as f64),
        v => v,
    }
}

/// Reads `t[k]` exactly: `mlua` turns tiny numbers and `-0` into
/// `Integer(0)`, so those are fetched again as `f64`.
pub(crate) fn raw_get_exact(t: &Table, k: impl mlua::IntoLua + Clone) -> mlua::Result<Value> {
    match t.raw_get::<Value>(k.clone())? {
        Value::Integer(0) => Ok(Value::Number(t.raw_get::<f64>(k)?)),
        v => Ok(norm(v)),
    }
}

/// Lua's name for the type of a value (`lua_typename`).
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "nil",
        Value::Boolean(_) => "boolean",
        Value::Integer(_) | Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Table(_) => "table",
        Value::Function(_) => "function",
        Value::Thread(_) => "thread",
        _ => "userdata",
    }
}

/// The `luaL_where(L, 1)` prefix: position of the Lua code that called the
/// library function, or nothing when it was called from C.
pub(crate) fn where_prefix(lua: &Lua) -> Vec<u8> {
    // Level 0 is the mlua callback, 1 the trampoline, 2 its caller.
    if let Some(d) = lua.inspect_stack(2) {
        let line = d.curr_line();
        if line > 0 {
            let src = d
                .source()
                .short_src
                .map(|s| s.into_owned())
                .unwrap_or_default();
            return format!("{src}:{line}: ").into_bytes();
        }
    }
    Vec::new()
}

/// `luaL_argerror(L, narg, extramsg)`.
pub(crate) fn arg_error(lua: &Lua, narg: i64, extra: &[u8]) -> Fail {
    let (name, what) = match lua.inspect_stack(1) {
        Some(d) => {
            let n = d.names();
            (n.name.map(|s| s.into_owned()), n.name_what)
        }
        None => (None, None),
    };
    let mut narg = narg;
    let mut msg = Vec::new();
    if what == Some("method") {
        narg -= 1;
        if narg == 0 {
            msg.extend_from_slice(b"calling '");
            msg.extend_from_slice(name.as_deref().unwrap_or("?").as_bytes());
            msg.extend_from_slice(b"' on bad self (");
            msg.extend_from_slice(extra);
            msg.push(b')');
            return Fail::Where(msg);
        }
    }
    msg.extend_from_slice(format!("bad argument #{narg} to '").as_bytes());
    msg.extend_from_slice(name.as_deref().unwrap_or("?").as_bytes());
    msg.extend_from_slice(b"' (");
    msg.extend_from_slice(extra);
    msg.push(b')');
    Fail::Where(msg)
}

/// `luaL_typerror`: "`expected` expected, got `typename`".
pub(crate) fn type_error(lua: &Lua, args: &Args, narg: usize, expected: &str) -> Fail {
    let got = if args.is_none(narg) {
        "no value"
    } else {
        match args.get(narg) {
            Ok(v) => type_name(&v),
            Err(e) => return Fail::Lua(e),
        }
    };
    arg_error(
        lua,
        narg as i64,
        format!("{expected} expected, got {got}").as_bytes(),
    )
}

/// `lua_tonumber` semantics: numbers, and strings Lua can convert.
pub(crate) fn to_number(lua: &Lua, v: &Value) -> mlua::Result<Option<f64>> {
    match v {
        Value::Number(n) => Ok(Some(*n)),
        Value::Integer(i) => Ok(Some(*i as f64)),
        Value::String(_) => lua.coerce_number(v.clone()),
        _ => Ok(None),
    }
}

/// `luaL_checknumber`.
pub(crate) fn check_number(lua: &Lua, args: &Args, i: usize) -> Result<f64, Fail> {
    let v = args.get(i)?;
    match to_number(lua, &v)? {
        Some(n) => Ok(n),
        None => Err(type_error(lua, args, i, "number")),
    }
}

/// `luaL_checkinteger` (a C cast of the number to a 64-bit integer).
pub(crate) fn check_integer(lua: &Lua, args: &Args, i: usize) -> Result<i64, Fail> {
    Ok(c_f64_to_i64(check_number(lua, args, i)?))
}

/// `luaL_optinteger`.
pub(crate) fn opt_integer(lua: &Lua, args: &Args, i: usize, def: i64) -> Result<i64, Fail> {
    match args.get(i)? {
        Value::Nil => Ok(def),
        _ => check_integer(lua, args, i),
    }
}

/// `lua_tolstring` semantics: strings, and numbers formatted with `%.14g`.
pub(crate) fn to_bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Number(n) => Some(fmt_g(*n, 14).into_bytes()),
        Value::Integer(i) => Some(fmt_g(*i as f64, 14).into_bytes()),
        _ => None,
    }
}

/// `luaL_checklstring`.
pub(crate) fn check_bytes(lua: &Lua, args: &Args, i: usize) -> Result<Vec<u8>, Fail> {
    let v = args.get(i)?;
    match to_bytes(&v) {
        Some(b) => Ok(b),
        None => Err(type_error(lua, args, i, "string")),
    }
}

/// 2^63 as a double.
const TWO63: f64 = (1u64 << 63) as f64;

/// A C `(int64_t)double` conversion as x86-64 performs it (out of range and
/// NaN give `INT64_MIN`).
pub(crate) fn c_f64_to_i64(x: f64) -> i64 {
    if x.is_nan() || !(-TWO63..TWO63).contains(&x) {
        i64::MIN
    } else {
        x as i64
    }
}

/// A C `(int)double` conversion as x86-64 performs it.
pub(crate) fn c_f64_to_i32(x: f64) -> i32 {
    if x.is_nan() || !(-2_147_483_648.0..2_147_483_648.0).contains(&x) {
        i32::MIN
    } else {
        x as i32
    }
}

/// A C `(uint64_t)double` conversion as gcc compiles it for x86-64.
pub(crate) fn c_f64_to_u64(x: f64) -> u64 {
    if x >= TWO63 {
        (c_f64_to_i64(x - TWO63) as u64) ^ (1u64 << 63)
    } else {
        c_f64_to_i64(x) as u64
    }
}

/// A C `(float)double` conversion (round to nearest; NaN keeps its sign
/// and the top of its payload, and becomes quiet).
pub(crate) fn f64_to_f32(x: f64) -> f32 {
    if x.is_nan() {
        let b = x.to_bits();
        let sign = ((b >> 63) as u32) << 31;
        let mant = ((b >> 29) & 0x7f_ffff) as u32;
        f32::from_bits(sign | 0x7fc0_0000 | mant)
    } else {
        x as f32
    }
}

/// Formats like C's `printf("%.{prec}g", x)` with glibc.
pub(crate) fn fmt_g(x: f64, prec: usize) -> String {
    let neg = x.is_sign_negative();
    let sign = if neg { "-" } else { "" };
    if x.is_nan() {
        return format!("{sign}nan");
    }
    if x.is_infinite() {
        return format!("{sign}inf");
    }
    let p = prec.max(1);
    let a = x.abs();
    let sci = format!("{:.*e}", p - 1, a);
    let (mant, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i64>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    if exp < p as i64 && exp >= -4 {
        let digits = (p as i64 - 1 - exp).max(0) as usize;
        let fixed = format!("{:.*}", digits, a);
        format!("{sign}{}", strip_zeros(&fixed))
    } else {
        let es = if exp < 0 { '-' } else { '+' };
        format!("{sign}{}e{es}{:02}", strip_zeros(&mant), exp.unsigned_abs())
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// An emulated count of the Lua stack slots the C library would be using,
/// to reproduce its `lua_checkstack` failures.
pub(crate) struct VStack {
    /// Slots in use.
    pub(crate) top: i64,
}

impl VStack {
    /// Whether `n` more slots are available.
    pub(crate) fn has(&self, n: i64) -> bool {
        self.top + n <= MAX_C_STACK
    }

    /// `luaL_checkstack(L, n, msg)`.
    pub(crate) fn check(&self, n: i64, msg: &str) -> Result<(), Fail> {
        if self.has(n) {
            Ok(())
        } else {
            Err(fail(format!("stack overflow ({msg})")))
        }
    }
}

/// A stack of Lua values kept in a Lua table, so that deep structures need
/// only a bounded number of `mlua` references.
pub(crate) struct Spill {
    t: Option<Table>,
    n: usize,
}

impl Spill {
    /// An empty stack (the table is created on first use).
    pub(crate) fn new() -> Spill {
        Spill { t: None, n: 0 }
    }

    /// Pushes a value.
    pub(crate) fn push(&mut self, lua: &Lua, v: Value) -> mlua::Result<()> {
        let t = match &self.t {
            Some(t) => t,
            None => self.t.insert(lua.create_table()?),
        };
        self.n += 1;
        t.raw_set(self.n, v)
    }

    /// Number of values on the stack.
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// The top value (Nil when empty).
    pub(crate) fn peek(&self) -> mlua::Result<Value> {
        match &self.t {
            Some(t) if self.n > 0 => raw_get_exact(t, self.n),
            _ => Ok(Value::Nil),
        }
    }

    /// Pops the top value.
    pub(crate) fn pop(&mut self) -> mlua::Result<Value> {
        match &self.t {
            Some(t) if self.n > 0 => {
                let v = raw_get_exact(t, self.n)?;
                t.raw_set(self.n, Value::Nil)?;
                self.n -= 1;
                Ok(v)
            }
            _ => Ok(Value::Nil),
        }
    }
}

/// A raw `next(t, k)` returning `(k, v, kn, vn)` where `kn`/`vn` repeat the
/// key/value exactly when they are numbers (0 otherwise).
pub(crate) fn raw_next(lua: &Lua) -> mlua::Result<Function> {
    unsafe extern "C-unwind" fn next(l: *mut ffi::lua_State) -> c_int {
        ffi::lua_settop(l, 2);
        if ffi::lua_next(l, 1) == 0 {
            ffi::lua_pushnil(l);
            ffi::lua_pushnil(l);
            ffi::lua_pushnumber(l, 0.0);
            ffi::lua_pushnumber(l, 0.0);
            return 4;
        }
        for idx in [2, 3] {
            if ffi::lua_type(l, idx) == ffi::LUA_TNUMBER {
                ffi::lua_pushvalue(l, idx);
            } else {
                ffi::lua_pushnumber(l, 0.0);
            }
        }
        // Stack: t, k, v, kn, vn
        4
    }
    // SAFETY: `next` follows the Lua C API protocol and holds no values with
    // destructors when `lua_next` raises an error.
    unsafe { lua.create_c_function(next) }
}

/// Calls `next` and returns the exact key and value, or `None` at the end.
pub(crate) fn next_pair(
    next: &Function,
    t: &Table,
    k: Value,
) -> mlua::Result<Option<(Value, Value)>> {
    let (k, v, kn, vn): (Value, Value, f64, f64) = next.call((t, k))?;
    if let Value::Nil = k {
        return Ok(None);
    }
    let fix = |x: Value, n: f64| match x {
        Value::Integer(_) | Value::Number(_) => Value::Number(n),
        x => x,
    };
    Ok(Some((fix(k, kn), fix(v, vn))))
}

const STATUS_ERROR: i64 = 0;
const STATUS_VALUES: i64 = 1;
const STATUS_TABLE: i64 = 2;

/// The C face of every library function: forwards the arguments to the
/// `mlua` callback stored as upvalue 1 and turns its reply into results or
/// a string error.
unsafe extern "C-unwind" fn trampoline(l: *mut ffi::lua_State) -> c_int {
    let nargs = ffi::lua_gettop(l);
    let mut direct = nargs <= 4;
    if direct {
        for i in 1..=nargs {
            if ffi::lua_type(l, i) == ffi::LUA_TNUMBER {
                let x = ffi::lua_tonumber(l, i);
                if (x != 0.0 && x.abs() < f64::EPSILON) || (x == 0.0 && x.is_sign_negative()) {
                    direct = false;
                }
            }
        }
    }
    if direct {
        ffi::lua_pushvalue(l, ffi::lua_upvalueindex(1));
        ffi::lua_insert(l, 1);
        ffi::lua_pushinteger(l, nargs as ffi::lua_Integer);
        ffi::lua_insert(l, 2);
        ffi::lua_call(l, nargs + 1, ffi::LUA_MULTRET);
    } else {
        ffi::lua_createtable(l, nargs, 0);
        for i in 1..=nargs {
            ffi::lua_pushvalue(l, i);
            ffi::lua_rawseti(l, -2, i as ffi::lua_Integer);
        }
        ffi::lua_replace(l, 1);
        ffi::lua_settop(l, 1);
        ffi::lua_pushvalue(l, ffi::lua_upvalueindex(1));
        ffi::lua_insert(l, 1);
        ffi::lua_pushinteger(l, -(nargs as ffi::lua_Integer) - 1);
        ffi::lua_insert(l, 2);
        ffi::lua_call(l, 2, ffi::LUA_MULTRET);
    }
    let top = ffi::lua_gettop(l);
    let status = ffi::lua_tonumber(l, 1) as i64;
    if status == STATUS_VALUES {
        return top - 1;
    }
    if status == STATUS_TABLE {
        let n = ffi::lua_tonumber(l, 3) as c_int;
        ffi::lua_settop(l, 2);
        ffi::lua_replace(l, 1);
        if ffi::lua_checkstack(l, n) == 0 {
            ffi::lua_pushstring(l, c"stack overflow".as_ptr());
            ffi::lua_error(l);
        }
        for i in 1..=n {
            ffi::lua_rawgeti(l, 1, i as ffi::lua_Integer);
        }
        return n;
    }
    ffi::lua_settop(l, 2);
    ffi::lua_error(l)
}

/// Wraps a library function as a Lua C closure.
pub(crate) fn make_fn<F>(lua: &Lua, f: F) -> mlua::Result<Function>
where
    F: Fn(&Lua, &Args) -> LibResult + Send + 'static,
{
    let inner = lua.create_function(move |lua, mv: MultiValue| {
        let mut it = mv.into_iter();
        let head = match it.next() {
            Some(Value::Integer(i)) => i,
            Some(Value::Number(n)) => n as i64,
            _ => 0,
        };
        let args = if head >= 0 {
            Args {
                n: head as usize,
                direct: it.collect(),
                table: None,
            }
        } else {
            let table = match it.next() {
                Some(Value::Table(t)) => Some(t),
                _ => None,
            };
            Args {
                n: (-head - 1) as usize,
                direct: Vec::new(),
                table,
            }
        };
        let mut out = MultiValue::new();
        match f(lua, &args) {
            Ok(Ret::Vals(vals)) => {
                out.push_back(Value::Integer(STATUS_VALUES));
                out.extend(vals);
            }
            Ok(Ret::Table(t, n)) => {
                out.push_back(Value::Integer(STATUS_TABLE));
                out.push_back(Value::Table(t));
                out.push_back(Value::Integer(n as i64));
            }
            Err(Fail::Where(msg)) => {
                let mut full = where_prefix(lua);
                full.extend_from_slice(&msg);
                out.push_back(Value::Integer(STATUS_ERROR));
                out.push_back(Value::String(lua.create_string(&full)?));
            }
            Err(Fail::Raw(msg)) => {
                out.push_back(Value::Integer(STATUS_ERROR));
                out.push_back(Value::String(lua.create_string(&msg)?));
            }
            Err(Fail::Lua(e)) => return Err(e),
        }
        Ok(out)
    })?;
    // SAFETY: the closure only turns the pushed callback into the upvalue of
    // a new C closure; `trampoline` follows the Lua C API protocol and holds
    // no values with destructors when Lua raises an error through it.
    unsafe { lua.exec_raw::<Function>(inner, |l| ffi::lua_pushcclosure(l, trampoline, 1)) }
}

/// Test support: runs a script the way the reference probes did and renders
/// its result as Redis would reply, in a compact text form.
#[cfg(test)]
pub(crate) mod testutil {
    use mlua::{Lua, Value};

    fn quote(b: &[u8]) -> String {
        let mut s = String::from("\"");
        for &c in b {
            match c {
                b'"' => s.push_str("\\\""),
                b'\\' => s.push_str("\\\\"),
                32..=126 => s.push(c as char),
                _ => s.push_str(&format!("\\x{c:02x}")),
            }
        }
        s.push('"');
        s
    }

    fn reply(v: &Value) -> String {
        match v {
            Value::String(s) => quote(&s.as_bytes()),
            Value::Integer(i) => i.to_string(),
            Value::Number(n) => super::c_f64_to_i64(*n).to_string(),
            Value::Boolean(true) => "1".into(),
            Value::Table(t) => {
                if let Ok(Value::String(e)) = t.raw_get::<Value>("err") {
                    return format!("ERR({})", String::from_utf8_lossy(&e.as_bytes()));
                }
                if let Ok(Value::String(e)) = t.raw_get::<Value>("ok") {
                    return format!("+{}", quote(&e.as_bytes()));
                }
                let mut parts = Vec::new();
                let mut i = 1;
                loop {
                    match t.raw_get::<Value>(i) {
                        Ok(Value::Nil) | Err(_) => break,
                        Ok(v) => parts.push(reply(&v)),
                    }
                    i += 1;
                }
                format!("[{}]", parts.join(", "))
            }
            _ => "nil".into(),
        }
    }

    /// Runs `script` in a fresh state with the libraries installed.
    pub(crate) fn run(script: &str) -> String {
        let lua = Lua::new();
        super::install(&lua).expect("install");
        match lua.load(script).set_name("@user_script").eval::<Value>() {
            Ok(v) => reply(&v),
            Err(e) => {
                let msg = match e {
                    mlua::Error::RuntimeError(m) => m,
                    mlua::Error::CallbackError { cause, .. } => cause.to_string(),
                    other => other.to_string(),
                };
                let msg = match msg.find("\nstack traceback:") {
                    Some(p) => msg[..p].to_string(),
                    None => msg,
                };
                format!("ERR({msg})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::run;

    #[test]
    fn error_position_follows_the_calling_line() {
        // redis-server 7.0.15: "ERR user_script:2: Expected value but found
        // invalid token at character 1 script: ..."
        assert_eq!(
            run("local x = 1\nreturn cjson.decode(\"x\")"),
            "ERR(user_script:2: Expected value but found invalid token at character 1)"
        );
    }

    #[test]
    fn registers_in_package_loaded() {
        let lua = mlua::Lua::new();
        super::install(&lua).expect("install");
        let ok: bool = lua
            .load(
                "return package.loaded.cjson == cjson and package.loaded.struct == struct \
                   and package.loaded.bit == bit and package.loaded.cmsgpack == cmsgpack",
            )
            .eval()
            .expect("eval");
        assert!(ok);
    }
}
