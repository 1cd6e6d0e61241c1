//! A Lua state as Redis 7.0 builds one for scripts: the base, table, string and math
//! libraries, `cjson`, `cmsgpack`, `bit`, `struct`, of `os` only `os.clock` (as Redis 7.2 has
//! it: a decision of this server, scripts written for newer Redis run), and the `redis` table.
//!
//! The sandbox: the globals a script sees are the ones Redis 7.0.15 has, read-only (creating
//! or changing a global, or a field of a library table, fails with `Attempt to modify a
//! readonly table`; reading one that does not exist with `Script attempted to access
//! nonexistent global variable`). Stock Lua 5.1 has no read-only tables, so the libraries and
//! the globals are proxies (empty tables whose metatable reads through to the real table and
//! refuses writes); `next`, `pairs`, `ipairs`, `rawget`, `rawset` and `setmetatable` see
//! through them, so scripts iterate `redis` or `_G` as in Redis. Bytecode is refused as
//! Redis's patched Lua refuses it (`loadstring` of a binary chunk answers as for text that
//! does not parse). `pcall` returns the message of Redis's error tables, as Redis's does.
//!
//! Functions of this server that a script calls (`redis.*`, the libraries) raise their
//! errors the way C functions do (a message with the caller's position, or Redis's error
//! tables as they are) through one C trampoline ([`raising`]): errors raised by `mlua`
//! callbacks would reach the script as userdata carrying a Rust traceback.

use super::{convert, with_run, ScriptFlags};
use mlua::{ffi, Function, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState};
use std::os::raw::c_int;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// A sandboxed Lua state and the handles its runs need.
pub struct Sandbox {
    /// The state.
    pub lua: Lua,
    /// The environment scripts run in (the read-only view of the globals).
    pub env: Table,
    /// The real globals, where KEYS and ARGV are set.
    globals: Table,
    /// `runner(f, keys, args)`: xpcall with Redis's error handler.
    runner: Function,
    /// `protect(t)`: a read-only view of `t`.
    protect: Function,
}

/// What a function raises: a message (given the caller's position, as `luaL_error` does) or a
/// value raised as it is (Redis's error tables).
pub enum Raise {
    /// A message.
    Msg(String),
    /// A value.
    Value(Value),
}

impl From<mlua::Error> for Raise {
    fn from(e: mlua::Error) -> Raise {
        Raise::Msg(message(&e))
    }
}

/// The message of an error, without what `mlua` wraps around a callback's own.
pub fn message(e: &mlua::Error) -> String {
    match e {
        mlua::Error::CallbackError { cause, .. } => message(cause),
        mlua::Error::RuntimeError(m) => m.clone(),
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::MemoryError(_) => "not enough memory".to_string(),
        other => other.to_string(),
    }
}

/// Raises Redis's `{err = "ERR <msg>"}` table.
pub fn raise_err(lua: &Lua, msg: &str) -> Result<MultiValue, Raise> {
    Err(Raise::Value(Value::Table(super::error_table(
        lua,
        msg.as_bytes(),
    )?)))
}

/// Calls upvalue 1 (a function answering `true, results...`, `false, message` or `nil,
/// value`) and raises its errors as a C function would.
unsafe extern "C-unwind" fn trampoline(state: *mut ffi::lua_State) -> c_int {
    let n = ffi::lua_gettop(state);
    ffi::lua_pushvalue(state, ffi::lua_upvalueindex(1));
    ffi::lua_insert(state, 1);
    ffi::lua_call(state, n, ffi::LUA_MULTRET);
    let results = ffi::lua_gettop(state);
    if results >= 1 && ffi::lua_toboolean(state, 1) != 0 {
        return results - 1;
    }
    if results < 2 {
        ffi::lua_pushnil(state);
    } else {
        ffi::lua_pushvalue(state, 2);
    }
    if ffi::lua_type(state, 1) == ffi::LUA_TBOOLEAN && ffi::lua_type(state, -1) == ffi::LUA_TSTRING
    {
        // The caller's position first, as luaL_error gives it.
        ffi::luaL_where(state, 1);
        ffi::lua_insert(state, -2);
        ffi::lua_concat(state, 2);
    }
    ffi::lua_error(state)
}

/// A Lua function around `f` that raises its errors as C functions do (see the module docs).
pub fn raising<F>(lua: &Lua, f: F) -> mlua::Result<Function>
where
    F: Fn(&Lua, MultiValue) -> Result<MultiValue, Raise> + Send + 'static,
{
    let inner = lua.create_function(move |lua, args: MultiValue| {
        let mut out = MultiValue::new();
        match f(lua, args) {
            Ok(values) => {
                out.push_back(Value::Boolean(true));
                out.extend(values);
            }
            Err(Raise::Msg(m)) => {
                out.push_back(Value::Boolean(false));
                out.push_back(Value::String(lua.create_string(m)?));
            }
            Err(Raise::Value(v)) => {
                out.push_back(Value::Nil);
                out.push_back(v);
            }
        }
        Ok(out)
    })?;
    wrap_c(lua, inner)
}

/// `trampoline` closed over `inner`.
fn wrap_c(lua: &Lua, inner: Function) -> mlua::Result<Function> {
    // SAFETY: pushes one C closure over the one value exec_raw pushed (the function).
    unsafe {
        lua.exec_raw::<Function>(inner, |state| {
            ffi::lua_pushcclosure(state, trampoline, 1);
        })
    }
}

/// The values of `args` as strings, for Redis's functions: numbers as `%.17g`, strings as they
/// are; None when one is neither (`Lua redis lib command arguments must be strings or
/// integers`).
pub fn string_args(args: &MultiValue) -> Option<Vec<Vec<u8>>> {
    args.iter()
        .map(|v| match v {
            Value::String(s) => Some(s.as_bytes().to_vec()),
            Value::Integer(i) => Some(i.to_string().into_bytes()),
            Value::Number(n) => Some(crate::float::format_double(*n)),
            _ => None,
        })
        .collect()
}

/// `lrand48` as Redis has it (`redisLrand48`): math.random gives the same sequence on every
/// platform for a seed.
struct Rand48(AtomicU64);

impl Rand48 {
    fn seed(&self, seed: i32) {
        self.0
            .store(((u64::from(seed as u32)) << 16) | 0x330e, Relaxed);
    }
    fn next(&self) -> i32 {
        let x = self.0.load(Relaxed);
        let x = x.wrapping_mul(0x5_deec_e66d).wrapping_add(0xb) & 0xffff_ffff_ffff;
        self.0.store(x, Relaxed);
        (x >> 17) as i32
    }
}

/// `lua_tonumber`: numbers, and strings that read as one.
pub fn to_number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Number(f) => Some(*f),
        Value::String(s) => {
            let t = s.to_str().ok()?;
            let t = t.trim();
            if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                return u64::from_str_radix(hex, 16).ok().map(|n| n as f64);
            }
            t.parse().ok()
        }
        _ => None,
    }
}

/// `lua_isstring`'s coercion: strings, and numbers as Lua prints them.
pub fn to_text(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Integer(i) => Some(i.to_string().into_bytes()),
        Value::Number(n) => Some(convert::lua_number_text(*n).into_bytes()),
        _ => None,
    }
}

fn number_arg(v: Option<&Value>, n: usize, fname: &str) -> Result<f64, Raise> {
    match v {
        Some(Value::Integer(i)) => Ok(*i as f64),
        Some(Value::Number(f)) => Ok(*f),
        Some(Value::String(s)) => s
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .ok_or_else(|| {
                Raise::Msg(format!(
                    "bad argument #{n} to '{fname}' (number expected, got string)"
                ))
            }),
        Some(other) => Err(Raise::Msg(format!(
            "bad argument #{n} to '{fname}' (number expected, got {})",
            other.type_name()
        ))),
        None => Err(Raise::Msg(format!(
            "bad argument #{n} to '{fname}' (number expected, got no value)"
        ))),
    }
}

const PRELUDE: &str = r#"
local rust = ...
local G = _G
local dbg = debug
local rawpcall, rawxpcall, rawsetmetatable, rawrawset, rawnext, rawrawget =
  pcall, xpcall, setmetatable, rawset, next, rawget
local rawloadstring, rawload, setfenv, type, error, tostring, select, ipairs0 =
  loadstring, load, setfenv, type, error, tostring, select, ipairs
local killed = rust.killed
local protected = rawsetmetatable({}, {__mode = 'k'})

local function readonly() error('Attempt to modify a readonly table', 2) end
local function protect(t)
  local mt = {__index = t, __newindex = readonly}
  local p = rawsetmetatable({}, mt)
  protected[p] = t
  -- getmetatable sees a read-only view of the metatable, as of a read-only table in Redis.
  local view = rawsetmetatable({}, {__index = mt, __newindex = readonly, __metatable = false})
  protected[view] = mt
  mt.__metatable = view
  return p
end
local function real(t) return protected[t] or t end

local E = protect(G)

local function after_pcall(ok, ...)
  if ok then return true, ... end
  if killed() then error((...), 0) end
  local e = ...
  if type(e) == 'table' then
    local m = rawrawget(e, 'err')
    if type(m) == 'string' or type(m) == 'number' then e = m end
  end
  return false, e
end
local function after_xpcall(ok, ...)
  if not ok and killed() then error((...), 0) end
  return ok, ...
end
local co_resume = coroutine.resume

local function chunkid(s)
  local first = s:match('^[^\n%z]*')
  if #first > 45 then first = first:sub(1, 42) .. '...' end
  return '[string "' .. first .. '"]'
end
local function guard_load(s, name)
  if s:byte(1) == 27 then
    return nil, (name and ('[string "' .. name .. '"]') or chunkid(s)) ..
      ":1: unexpected symbol near 'char(27)'"
  end
  local f, e = rawloadstring(s, name)
  if f then setfenv(f, E) end
  return f, e
end

local function handler(err)
  if killed() then err = {err = 'ERR Script killed by user with SCRIPT KILL...'} end
  local level = 2
  local i = dbg.getinfo(level, 'nSl')
  if i and i.what == 'C' then level = 3; i = dbg.getinfo(3, 'nSl') end
  -- The sandbox's own functions (the read-only guards) are not where the script failed.
  while i and (i.source == '=prelude' or i.source == '=loader') do
    level = level + 1
    i = dbg.getinfo(level, 'nSl')
  end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end

local keep = {
  _G = true, _VERSION = true, assert = true, bit = true, cjson = true, cmsgpack = true,
  collectgarbage = true, coroutine = true, error = true, gcinfo = true, getmetatable = true,
  ipairs = true, load = true, loadstring = true, math = true, next = true, pairs = true,
  pcall = true, rawequal = true, rawget = true, rawset = true, redis = true, select = true,
  setmetatable = true, string = true, struct = true, table = true, tonumber = true,
  tostring = true, type = true, unpack = true, xpcall = true, os = true,
}
local names = {}
for k in rawnext, G do names[#names + 1] = k end
for _, k in ipairs0(names) do
  if not keep[k] then rawrawset(G, k, nil) end
end
rawrawset(G, 'os', {clock = rust.clock})
rawrawset(G, 'pcall', function(...) return after_pcall(rawpcall(...)) end)
rawrawset(G, 'xpcall', function(f, h) return after_xpcall(rawxpcall(f, h)) end)
coroutine.resume = function(...) return after_xpcall(co_resume(...)) end
rawrawset(G, 'next', function(t, k) return rawnext(real(t), k) end)
local next2 = rawrawget(G, 'next')
rawrawset(G, 'pairs', function(t) real(t) return next2, t, nil end)
rawrawset(G, 'ipairs', function(t) return ipairs0(real(t)) end)
rawrawset(G, 'rawget', function(t, k) return rawrawget(real(t), k) end)
rawrawset(G, 'rawset', function(t, k, v)
  if protected[t] or t == G then error('Attempt to modify a readonly table', 0) end
  return rawrawset(t, k, v)
end)
rawrawset(G, 'setmetatable', function(t, mt)
  if protected[t] or t == G then error('Attempt to modify a readonly table', 0) end
  return rawsetmetatable(t, mt)
end)
rawrawset(G, 'loadstring', function(s, name)
  if type(s) ~= 'string' then return rawloadstring(s, name) end
  return guard_load(s, name)
end)
rawrawset(G, 'load', function(f, name)
  if type(f) ~= 'function' then return rawload(f, name) end
  local parts = {}
  while true do
    local piece = f()
    if piece == nil or piece == '' then break end
    if type(piece) ~= 'string' then return nil, 'reader function must return a string' end
    parts[#parts + 1] = piece
  end
  return guard_load(table.concat(parts), name or '=(load)')
end)
local smt = getmetatable('')
for _, lib in ipairs0({'string', 'table', 'math', 'redis', 'bit', 'cjson', 'cmsgpack',
                       'struct', 'coroutine', 'os'}) do
  local t = rawrawget(G, lib)
  if t then rawrawset(G, lib, protect(t)) end
end
smt.__index = rawrawget(G, 'string')
smt.__metatable = protect(smt)
rawrawset(G, '__redis__err__handler', handler)
rawrawset(G, '_G', E)
rawsetmetatable(G, {
  __index = function(_, k)
    error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
  end,
  __newindex = readonly,
  __metatable = false,
})

local function runner(f, keys, args)
  if keys == nil then return rawxpcall(f, handler) end
  return rawxpcall(function() return f(keys, args) end, handler)
end
return runner, E, protect
"#;

impl Sandbox {
    /// Builds a state (EVAL's and FUNCTION's are alike; a library's loading API is added by
    /// [`super::functions`] while its code runs).
    pub fn new() -> mlua::Result<Sandbox> {
        // SAFETY: the debug library is loaded for the error handler only; the prelude keeps
        // it in a local and removes the global before any script runs.
        let lua = unsafe {
            Lua::unsafe_new_with(
                StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::DEBUG,
                LuaOptions::new(),
            )
        };
        lua.set_memory_limit(super::LUA_MEMORY_LIMIT)?;
        super::libs::install(&lua)?;
        let globals = lua.globals();
        let redis = redis_table(&lua)?;
        globals.raw_set("redis", redis)?;
        let rand = Arc::new(Rand48(AtomicU64::new(0)));
        rand.seed(0);
        install_math(&lua, &globals, rand)?;
        let rust = lua.create_table()?;
        rust.raw_set(
            "killed",
            lua.create_function(|_, ()| {
                Ok(with_run(|r| r.engine().busy.killed()).unwrap_or(false))
            })?,
        )?;
        let started = std::time::Instant::now();
        rust.raw_set(
            "clock",
            lua.create_function(move |_, ()| Ok(started.elapsed().as_secs_f64()))?,
        )?;
        let (runner, env, protect): (Function, Table, Function) =
            lua.load(PRELUDE).set_name("=prelude").call(rust)?;
        lua.set_hook(
            mlua::HookTriggers::new().every_nth_instruction(super::HOOK_INSTRUCTIONS),
            |_, _| {
                if with_run(|r| r.engine().busy.killed()).unwrap_or(false) {
                    Err(mlua::Error::runtime(
                        "Script killed by user with SCRIPT KILL...",
                    ))
                } else {
                    Ok(VmState::Continue)
                }
            },
        );
        Ok(Sandbox {
            lua,
            env,
            globals,
            runner,
            protect,
        })
    }

    /// Compiles a script body (EVAL: chunk name `@user_script`) in the read-only environment,
    /// or `env` when given (a function library's).
    pub fn compile(
        &self,
        body: &[u8],
        chunk: &str,
        env: Option<&Table>,
    ) -> Result<Function, String> {
        let env = env.unwrap_or(&self.env).clone();
        self.lua
            .load(body)
            .set_name(chunk)
            .set_environment(env)
            .set_mode(mlua::ChunkMode::Text)
            .into_function()
            .map_err(|e| message(&e))
    }

    /// A fresh environment for a function library: reads through to the globals, refuses
    /// writes.
    pub fn library_env(&self) -> mlua::Result<Table> {
        self.protect.call(self.globals.clone())
    }

    /// Runs `func` under Redis's error handler: EVAL's with KEYS and ARGV set as globals,
    /// a function's with `(keys, args)`. `Ok(Err(v))`: the script failed with `v` (normally
    /// Redis's error table with its source and line).
    pub fn invoke(
        &self,
        func: &Function,
        keys: &[&[u8]],
        argv: &[&[u8]],
        function: bool,
    ) -> mlua::Result<Result<Value, Value>> {
        let lua = &self.lua;
        let k = lua.create_sequence_from(
            keys.iter()
                .map(|k| lua.create_string(k))
                .collect::<mlua::Result<Vec<_>>>()?,
        )?;
        let a = lua.create_sequence_from(
            argv.iter()
                .map(|k| lua.create_string(k))
                .collect::<mlua::Result<Vec<_>>>()?,
        )?;
        let mut out: MultiValue = if function {
            self.runner.call((func.clone(), k, a))?
        } else {
            self.globals.raw_set("KEYS", k)?;
            self.globals.raw_set("ARGV", a)?;
            self.runner.call((func.clone(), Value::Nil, Value::Nil))?
        };
        let ok = matches!(out.pop_front(), Some(Value::Boolean(true)));
        let first = out.pop_front().unwrap_or(Value::Nil);
        Ok(if ok { Ok(first) } else { Err(first) })
    }
}

/// Replaces math.random and math.randomseed with Redis's (see [`Rand48`]).
fn install_math(lua: &Lua, globals: &Table, rand: Arc<Rand48>) -> mlua::Result<()> {
    let math: Table = globals.raw_get("math")?;
    let r = rand.clone();
    math.raw_set(
        "random",
        raising(lua, move |_, args| {
            if with_run(|_| ()).is_none() {
                return Err(Raise::Msg(
                    "math.random can only be called inside a script invocation".into(),
                ));
            }
            const MAX: i32 = i32::MAX;
            let x = f64::from(r.next() % MAX) / f64::from(MAX);
            let args: Vec<Value> = args.into_iter().collect();
            let v = match args.len() {
                0 => x,
                1 => {
                    let u = number_arg(args.first(), 1, "random")? as i32;
                    if u < 1 {
                        return Err(Raise::Msg(
                            "bad argument #1 to 'random' (interval is empty)".into(),
                        ));
                    }
                    (x * f64::from(u)).floor() + 1.0
                }
                2 => {
                    let l = number_arg(args.first(), 1, "random")? as i32;
                    let u = number_arg(args.get(1), 2, "random")? as i32;
                    if l > u {
                        return Err(Raise::Msg(
                            "bad argument #2 to 'random' (interval is empty)".into(),
                        ));
                    }
                    (x * (f64::from(u) - f64::from(l) + 1.0)).floor() + f64::from(l)
                }
                _ => return Err(Raise::Msg("wrong number of arguments".into())),
            };
            Ok(MultiValue::from_iter([Value::Number(v)]))
        })?,
    )?;
    math.raw_set(
        "randomseed",
        raising(lua, move |_, args| {
            if with_run(|_| ()).is_none() {
                return Err(Raise::Msg(
                    "math.randomseed can only be called inside a script invocation".into(),
                ));
            }
            let args: Vec<Value> = args.into_iter().collect();
            rand.seed(number_arg(args.first(), 1, "randomseed")? as i32);
            Ok(MultiValue::new())
        })?,
    )?;
    Ok(())
}

fn one(v: Value) -> MultiValue {
    MultiValue::from_iter([v])
}

/// The `redis` table.
fn redis_table(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    for (name, raise) in [("call", true), ("pcall", false)] {
        t.raw_set(
            name,
            raising(lua, move |lua, args| {
                let Some(argv) = string_args(&args) else {
                    let e = super::error_table(
                        lua,
                        b"Lua redis lib command arguments must be strings or integers",
                    )?;
                    return if raise {
                        Err(Raise::Value(Value::Table(e)))
                    } else {
                        Ok(one(Value::Table(e)))
                    };
                };
                let r = with_run(|run| run.call(lua, &argv));
                match r {
                    None => raise_err(
                        lua,
                        "redis.call/pcall can only be called inside a script invocation",
                    ),
                    Some(r) => match r? {
                        Ok(v) => Ok(one(v)),
                        Err(e) if raise => Err(Raise::Value(Value::Table(e))),
                        Err(e) => Ok(one(Value::Table(e))),
                    },
                }
            })?,
        )?;
    }
    t.raw_set(
        "log",
        raising(lua, |lua, args| {
            let args: Vec<Value> = args.into_iter().collect();
            if args.len() < 2 {
                return raise_err(lua, "redis.log() requires two arguments or more.");
            }
            let level = match &args[0] {
                Value::Integer(i) => *i as f64,
                Value::Number(n) => *n,
                Value::String(s) => match s.to_str().ok().and_then(|s| s.trim().parse().ok()) {
                    Some(n) => n,
                    None => return raise_err(lua, "First argument must be a number (log level)."),
                },
                _ => return raise_err(lua, "First argument must be a number (log level)."),
            } as i64;
            if !(0..=3).contains(&level) {
                return raise_err(lua, "Invalid debug level.");
            }
            let mut text = Vec::new();
            for (i, v) in args[1..].iter().enumerate() {
                let piece = match v {
                    Value::String(s) => s.as_bytes().to_vec(),
                    Value::Integer(n) => n.to_string().into_bytes(),
                    Value::Number(n) => convert::lua_number_text(*n).into_bytes(),
                    _ => continue,
                };
                if i != 0 {
                    text.push(b' ');
                }
                text.extend_from_slice(&piece);
            }
            let text = String::from_utf8_lossy(&text);
            match level {
                0 => tracing::debug!("{text}"),
                1 => tracing::info!(verbose = true, "{text}"),
                2 => tracing::info!("{text}"),
                _ => tracing::warn!("{text}"),
            }
            Ok(MultiValue::new())
        })?,
    )?;
    for (name, level) in [
        ("LOG_DEBUG", 0),
        ("LOG_VERBOSE", 1),
        ("LOG_NOTICE", 2),
        ("LOG_WARNING", 3),
    ] {
        t.raw_set(name, level)?;
    }
    let version = crate::families::connection::REDIS_VERSION;
    let num = version
        .split('.')
        .take(3)
        .fold(0i64, |acc, p| (acc << 8) | p.parse::<i64>().unwrap_or(0));
    t.raw_set("REDIS_VERSION", version)?;
    t.raw_set("REDIS_VERSION_NUM", num)?;
    t.raw_set(
        "setresp",
        raising(lua, |lua, args| {
            if args.len() != 1 {
                return raise_err(lua, "redis.setresp() requires one argument.");
            }
            let resp = args.front().and_then(to_number).unwrap_or(0.0) as i64;
            if resp != 2 && resp != 3 {
                return raise_err(lua, "RESP version must be 2 or 3.");
            }
            match with_run(|r| r.resp = resp as u8) {
                Some(()) => Ok(MultiValue::new()),
                None => raise_err(
                    lua,
                    "redis.setresp can only be called inside a script invocation",
                ),
            }
        })?,
    )?;
    t.raw_set(
        "sha1hex",
        raising(lua, |lua, args| {
            if args.len() != 1 {
                return raise_err(lua, "wrong number of arguments");
            }
            let bytes = string_args(&args)
                .and_then(|mut v| v.pop())
                .unwrap_or_default();
            let hex = super::sha1_hex(&bytes);
            Ok(one(Value::String(lua.create_string(hex)?)))
        })?,
    )?;
    for (name, field) in [("error_reply", "err"), ("status_reply", "ok")] {
        t.raw_set(
            name,
            raising(lua, move |lua, args| {
                let s = match (args.len(), args.front()) {
                    (1, Some(Value::String(s))) => s.as_bytes().to_vec(),
                    _ => {
                        let e = super::error_table(lua, b"wrong number or type of arguments")?;
                        return Ok(one(Value::Table(e)));
                    }
                };
                if field == "err" {
                    let text = if s.first() == Some(&b'-') {
                        s
                    } else {
                        [b"-".as_slice(), &s].concat()
                    };
                    return Ok(one(Value::Table(super::error_table(lua, &text)?)));
                }
                let t = lua.create_table()?;
                t.raw_set(field, lua.create_string(s)?)?;
                Ok(one(Value::Table(t)))
            })?,
        )?;
    }
    t.raw_set(
        "set_repl",
        raising(lua, |lua, args| {
            if with_run(|_| ()).is_none() {
                return raise_err(
                    lua,
                    "redis.set_repl can only be called inside a script invocation",
                );
            }
            if args.len() != 1 {
                return raise_err(lua, "redis.set_repl() requires two arguments.");
            }
            let flags = args.front().and_then(to_number).unwrap_or(0.0) as i64;
            if flags & !3 != 0 {
                return raise_err(
                    lua,
                    "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                );
            }
            // The AOF is the only target so far: without REPL_AOF the script's following
            // writes are not logged (replicas will take REPL_REPLICA the same way).
            crate::propagate::set_suppressed(flags & 1 == 0);
            Ok(MultiValue::new())
        })?,
    )?;
    for (name, v) in [
        ("REPL_NONE", 0),
        ("REPL_AOF", 1),
        ("REPL_SLAVE", 2),
        ("REPL_REPLICA", 2),
        ("REPL_ALL", 3),
    ] {
        t.raw_set(name, v)?;
    }
    t.raw_set(
        "replicate_commands",
        lua.create_function(|_, _: MultiValue| Ok(true))?,
    )?;
    t.raw_set(
        "breakpoint",
        lua.create_function(|_, _: MultiValue| Ok(false))?,
    )?;
    t.raw_set("debug", lua.create_function(|_, _: MultiValue| Ok(()))?)?;
    t.raw_set(
        "acl_check_cmd",
        raising(lua, |lua, args| {
            if with_run(|_| ()).is_none() {
                return raise_err(
                    lua,
                    "redis.acl_check_cmd can only be called inside a script invocation",
                );
            }
            let Some(argv) = string_args(&args) else {
                return raise_err(
                    lua,
                    "Lua redis lib command arguments must be strings or integers",
                );
            };
            if argv.is_empty() {
                return raise_err(
                    lua,
                    "Please specify at least one argument for this redis lib call",
                );
            }
            let known = with_run(|r| {
                let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
                r.engine().registry.resolve(&refs).is_ok()
            })
            .unwrap_or(false);
            if !known {
                return raise_err(lua, "Invalid command passed to redis.acl_check_cmd()");
            }
            let allowed = with_run(|r| {
                let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
                r.acl_allows(&refs)
            })
            .unwrap_or(false);
            Ok(one(Value::Boolean(allowed)))
        })?,
    )?;
    Ok(t)
}

/// True for the shebang flags a script may not use with EVAL (`name=` belongs to functions).
pub fn parse_shebang(body: &[u8]) -> Result<Option<ScriptFlags>, String> {
    let Some(rest) = body.strip_prefix(b"#!") else {
        return Ok(None);
    };
    if !rest.contains(&b'\n') {
        return Err("Invalid script shebang".into());
    }
    let line = rest.split(|&c| c == b'\n').next().unwrap_or(b"");
    let mut words = line.split(|&c| c == b' ').filter(|w| !w.is_empty());
    let engine = words.next().unwrap_or(b"");
    if engine != b"lua" {
        let l = body.split(|&c| c == b'\n').next().unwrap_or(b"");
        return Err(format!(
            "Unexpected engine in script shebang: {}",
            String::from_utf8_lossy(l)
        ));
    }
    let mut flags = ScriptFlags {
        shebang: true,
        ..ScriptFlags::default()
    };
    for w in words {
        let Some(list) = w.strip_prefix(b"flags=") else {
            return Err(format!(
                "Unknown lua shebang option: {}",
                String::from_utf8_lossy(w)
            ));
        };
        for f in list.split(|&c| c == b',').filter(|f| !f.is_empty()) {
            if !flags.set(f) {
                return Err(format!(
                    "Unexpected flag in script shebang: {}",
                    String::from_utf8_lossy(f)
                ));
            }
        }
    }
    Ok(Some(flags))
}

/// The body Lua compiles: a shebang line becomes a comment, so line numbers stay.
pub fn without_shebang(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if body.starts_with(b"#!") {
        std::borrow::Cow::Owned([b"--".as_slice(), body].concat())
    } else {
        std::borrow::Cow::Borrowed(body)
    }
}
