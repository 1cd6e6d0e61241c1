//! FUNCTION's libraries (Redis 7.0): code that starts with `#!lua name=<library>` and
//! registers functions with `redis.register_function`, loaded by FUNCTION LOAD, called by
//! FCALL, listed, deleted, dumped and restored; saved in RDB files (opcode `FUNCTION2`, the
//! library's code) and in the AOF (FUNCTION LOAD as written).
//!
//! A library's code runs once, at load, in an environment that offers only the loading API
//! (`redis.register_function`, `redis.log`, the version); afterwards the same environment
//! reads through to the full globals, so the registered functions see `redis.call` and the
//! libraries, as in Redis.

use super::sandbox::{self, raise_err, Sandbox};
use super::ScriptFlags;
use crate::error::CmdError;
use mlua::{Function, Lua, MultiValue, Table, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One registered function.
pub struct Func {
    /// Its callback.
    pub callback: Function,
    /// Its flags.
    pub flags: ScriptFlags,
    /// Its description, if it has one.
    pub description: Option<Vec<u8>>,
}

/// One library.
pub struct Library {
    /// Its code, as loaded.
    pub code: Arc<[u8]>,
    /// Its functions by name.
    pub functions: BTreeMap<String, Func>,
}

/// Every library and the Lua state they live in.
#[derive(Default)]
pub struct Functions {
    sandbox: Option<Sandbox>,
    /// Libraries by name.
    pub libraries: BTreeMap<String, Library>,
}

thread_local! {
    /// The functions the library being loaded registered so far (None outside FUNCTION LOAD).
    static LOADING: RefCell<Option<BTreeMap<String, Func>>> = const { RefCell::new(None) };
}

fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// `redis.register_function(name, callback)` or `redis.register_function{function_name=...,
/// callback=..., flags={...}, description=...}`.
pub fn register_function(lua: &Lua) -> mlua::Result<Function> {
    sandbox::raising(lua, |lua, args| {
        let args: Vec<Value> = args.into_iter().collect();
        let (name, callback, flags, description) = match args.as_slice() {
            [Value::Table(t)] => {
                let mut name = None;
                let mut callback = None;
                let mut flags = ScriptFlags::default();
                let mut description = None;
                for pair in t.pairs::<Value, Value>() {
                    let (k, v) = pair?;
                    let key = match &k {
                        Value::String(s) => s.as_bytes().to_vec(),
                        _ => return raise_err(lua, "named argument key given to redis.register_function is not a string"),
                    };
                    match key.as_slice() {
                        b"function_name" => match sandbox::to_text(&v) {
                            Some(s) => name = Some(s),
                            None => return raise_err(lua, "function_name argument given to redis.register_function must be a string"),
                        },
                        b"description" => match sandbox::to_text(&v) {
                            Some(s) => description = Some(s),
                            None => return raise_err(lua, "description argument given to redis.register_function must be a string"),
                        },
                        b"callback" => match v {
                            Value::Function(f) => callback = Some(f),
                            _ => return raise_err(lua, "callback argument given to redis.register_function must be a function"),
                        },
                        b"flags" => {
                            let Value::Table(list) = v else {
                                return raise_err(lua, "flags argument to redis.register_function must be a table representing function flags");
                            };
                            for f in list.sequence_values::<Value>() {
                                match f? {
                                    Value::String(s) if flags.set(&s.as_bytes()) => {}
                                    _ => return raise_err(lua, "unknown flag given"),
                                }
                            }
                        }
                        _ => return raise_err(lua, "unknown argument given to redis.register_function"),
                    }
                }
                let Some(name) = name else {
                    return raise_err(lua, "redis.register_function must get a function name argument");
                };
                let Some(callback) = callback else {
                    return raise_err(lua, "redis.register_function must get a callback argument");
                };
                (name, callback, flags, description)
            }
            [_] => return raise_err(lua, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments)."),
            [name, callback] => {
                let Some(name) = sandbox::to_text(name) else {
                    return raise_err(lua, "first argument to redis.register_function must be a string");
                };
                let Value::Function(callback) = callback else {
                    return raise_err(lua, "second argument to redis.register_function must be a function");
                };
                (name, callback.clone(), ScriptFlags::default(), None)
            }
            _ => return raise_err(lua, "wrong number of arguments to redis.register_function"),
        };
        if !valid_name(&name) {
            return raise_err(lua, "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
        }
        let name = String::from_utf8_lossy(&name).into_owned();
        let flags = ScriptFlags {
            shebang: true,
            ..flags
        };
        let outcome = LOADING.with(|l| {
            let mut l = l.borrow_mut();
            let Some(map) = l.as_mut() else {
                return Err("redis.register_function can only be called on FUNCTION LOAD command");
            };
            if map.keys().any(|k| k.eq_ignore_ascii_case(&name)) {
                return Err("Function already exists in the library");
            }
            map.insert(
                name,
                Func {
                    callback,
                    flags,
                    description,
                },
            );
            Ok(())
        });
        match outcome {
            Ok(()) => Ok(MultiValue::new()),
            Err(msg) => raise_err(lua, msg),
        }
    })
}

/// The library name in a library's first line (`#!lua name=<name>`).
fn metadata(code: &[u8]) -> Result<String, CmdError> {
    let Some(rest) = code.strip_prefix(b"#!") else {
        return Err(CmdError::from_static("ERR Missing library metadata"));
    };
    let line = rest.split(|&c| c == b'\n').next().unwrap_or(b"");
    let mut words = line.split(|&c| c == b' ').filter(|w| !w.is_empty());
    let engine = words.next().unwrap_or(b"");
    let mut name = None;
    for w in words {
        match w.strip_prefix(b"name=") {
            Some(_) if name.is_some() => {
                return Err(CmdError::from_static(
                    "ERR Invalid metadata value, name argument was given multiple times",
                ))
            }
            Some(n) => name = Some(n),
            None => {
                return Err(CmdError::new(format!(
                    "ERR Invalid metadata value given: {}",
                    String::from_utf8_lossy(w)
                )))
            }
        }
    }
    let Some(name) = name else {
        return Err(CmdError::from_static("ERR Library name was not given"));
    };
    if !engine.eq_ignore_ascii_case(b"lua") {
        return Err(CmdError::new(format!(
            "ERR Engine '{}' not found",
            String::from_utf8_lossy(engine)
        )));
    }
    if !valid_name(name) {
        return Err(CmdError::from_static("ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"));
    }
    Ok(String::from_utf8_lossy(name).into_owned())
}

/// The loading API a library's code sees while it runs at load: `redis` with
/// `register_function`, `log` and the version, nothing else (Redis's names for what is
/// missing).
fn load_api(sb: &Sandbox) -> mlua::Result<Table> {
    let lua = &sb.lua;
    let api = lua.create_table()?;
    let full: Table = sb.lua.globals().raw_get("redis")?;
    api.raw_set("register_function", register_function(lua)?)?;
    for name in [
        "log",
        "LOG_DEBUG",
        "LOG_VERBOSE",
        "LOG_NOTICE",
        "LOG_WARNING",
        "REDIS_VERSION",
        "REDIS_VERSION_NUM",
    ] {
        api.raw_set(name, full.get::<Value>(name)?)?;
    }
    lua.load(LOAD_ENV).set_name("=loader").call(api)
}

/// A table of `api` (only) whose missing names fail as Redis's globals do, and the
/// environment made of it.
const LOAD_ENV: &str = r#"
local api = ...
local function strict(t)
  return setmetatable({}, {
    __index = function(_, k)
      local v = rawget(t, k)
      if v == nil then
        error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
      end
      return v
    end,
    __newindex = function() error('Attempt to modify a readonly table', 2) end,
  })
end
return strict({redis = strict(api)})
"#;

impl Functions {
    fn sandbox(&mut self) -> Result<&Sandbox, CmdError> {
        if self.sandbox.is_none() {
            self.sandbox = Some(Sandbox::new().map_err(super::internal)?);
        }
        Ok(self.sandbox.as_ref().expect("created above"))
    }

    /// Runs a library's code and returns its name and library (not yet added).
    pub fn compile(&mut self, code: &[u8]) -> Result<(String, Library), CmdError> {
        let name = metadata(code)?;
        let sb = self.sandbox()?;
        let env = sb.library_env().map_err(super::internal)?;
        // While the code runs, its globals are the loading API only.
        let api = load_api(sb).map_err(super::internal)?;
        let mt = env
            .metatable()
            .ok_or_else(|| CmdError::from_static("ERR internal error"))?;
        let full = mt.raw_get::<Value>("__index").map_err(super::internal)?;
        mt.raw_set("__index", api).map_err(super::internal)?;
        let body = sandbox::without_shebang(code);
        let func = sb
            .compile(&body, "@user_function", Some(&env))
            .map_err(|e| CmdError::new(format!("ERR Error compiling function: {e}")))?;
        LOADING.with(|l| *l.borrow_mut() = Some(BTreeMap::new()));
        let result = sb.invoke(&func, &[], &[], false);
        let registered = LOADING.with(|l| l.borrow_mut().take()).unwrap_or_default();
        mt.raw_set("__index", full).map_err(super::internal)?;
        match result {
            Err(e) => {
                return Err(CmdError::new(format!(
                    "ERR Error registering functions: {}",
                    sandbox::message(&e)
                )))
            }
            Ok(Err(err)) => {
                let text = match &err {
                    Value::Table(t) => t
                        .raw_get::<Value>("err")
                        .ok()
                        .and_then(|v| v.as_string().map(|s| s.as_bytes().to_vec()))
                        .unwrap_or_default(),
                    other => other.to_string().unwrap_or_default().into_bytes(),
                };
                return Err(CmdError::new(format!(
                    "ERR Error registering functions: {}",
                    String::from_utf8_lossy(&text)
                )));
            }
            Ok(Ok(_)) => {}
        }
        if registered.is_empty() {
            return Err(CmdError::from_static("ERR No functions registered"));
        }
        Ok((
            name,
            Library {
                code: code.into(),
                functions: registered,
            },
        ))
    }

    /// FUNCTION LOAD: adds (or with `replace`, replaces) the library; returns its name.
    pub fn load(&mut self, code: &[u8], replace: bool) -> Result<String, CmdError> {
        let (name, lib) = self.compile(code)?;
        self.add(name, lib, replace)
    }

    fn add(&mut self, name: String, lib: Library, replace: bool) -> Result<String, CmdError> {
        if self.libraries.contains_key(&name) && !replace {
            return Err(CmdError::new(format!(
                "ERR Library '{name}' already exists"
            )));
        }
        for f in lib.functions.keys() {
            let taken = self
                .libraries
                .iter()
                .any(|(other, l)| *other != name && l.functions.contains_key(f));
            if taken {
                return Err(CmdError::new(format!("ERR Function {f} already exists")));
            }
        }
        self.libraries.insert(name.clone(), lib);
        Ok(name)
    }

    /// The library a function is in, and the function.
    pub fn find(&self, function: &str) -> Option<&Func> {
        self.libraries.values().find_map(|l| {
            l.functions
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(function))
                .map(|(_, f)| f)
        })
    }

    /// The state functions run in.
    pub fn state(&self) -> Option<&Sandbox> {
        self.sandbox.as_ref()
    }

    /// FUNCTION FLUSH.
    pub fn flush(&mut self) {
        self.libraries.clear();
        self.sandbox = None;
    }

    /// The number of functions.
    pub fn function_count(&self) -> usize {
        self.libraries.values().map(|l| l.functions.len()).sum()
    }

    /// FUNCTION DUMP's payload: each library's code, as RDB writes it.
    pub fn dump(&self) -> Vec<u8> {
        let codes: Vec<&[u8]> = self.libraries.values().map(|l| &*l.code).collect();
        crate::rdb::function_payload(&codes)
    }

    /// FUNCTION RESTORE: `policy` is APPEND, REPLACE or FLUSH. Nothing changes on an error.
    pub fn restore(&mut self, payload: &[u8], policy: &[u8]) -> Result<(), CmdError> {
        let codes = crate::rdb::parse_function_payload(payload)
            .map_err(|_| CmdError::from_static("ERR DUMP payload version or checksum are wrong"))?;
        let mut libs = Vec::new();
        for code in &codes {
            libs.push(self.compile(code)?);
        }
        let replace = policy.eq_ignore_ascii_case(b"replace");
        let flush = policy.eq_ignore_ascii_case(b"flush");
        if !flush {
            for (name, lib) in &libs {
                if !replace && self.libraries.contains_key(name) {
                    return Err(CmdError::new(format!("ERR Library {name} already exists")));
                }
                for f in lib.functions.keys() {
                    let taken = self
                        .libraries
                        .iter()
                        .any(|(other, l)| other != name && l.functions.contains_key(f));
                    if taken {
                        return Err(CmdError::new(format!("ERR Function {f} already exists")));
                    }
                }
            }
        } else {
            self.libraries.clear();
        }
        for (name, lib) in libs {
            self.libraries.insert(name, lib);
        }
        Ok(())
    }
}
