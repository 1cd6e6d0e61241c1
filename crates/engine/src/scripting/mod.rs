//! Lua scripting, as Redis 7.0 has it: EVAL's scripts and FUNCTION's libraries run in Lua 5.1
//! (built from source by `mlua`), call commands through the one call path ([`redis.call`] is
//! [`crate::Engine::call`] in [`crate::call::Mode::Script`]), and run as one step: a script holds
//! the exclusive side of the exec gate ([`crate::gate`]) for its whole run, so no other client
//! sees half of its effects, and its writes reach the write stream as one MULTI ... EXEC block
//! of the commands it ran (never the script itself).
//!
//! # Layout
//! - this module: the script cache of EVAL ([`Scripting`]), the run of one script or function
//!   ([`run`]: the gate, the write block, the busy state other clients see, the reply), and
//!   `redis.call` itself ([`Run`]).
//! - [`sandbox`]: a Lua state as Redis 7.0 builds one: its libraries, the read-only globals,
//!   the error handler, and the `redis` table.
//! - [`convert`]: command replies to Lua values, and a script's result to a reply.
//! - [`libs`]: `cjson`, `cmsgpack`, `bit`, `struct`.
//! - [`functions`]: FUNCTION's libraries, their payload (FUNCTION DUMP, RDB) and FCALL.
//!
//! Busy scripts: while one runs, other clients wait at the gate; once it has run for
//! `busy-reply-threshold` ms they get `-BUSY` instead, and the commands flagged `allow-busy`
//! (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE...) run without the gate ([`Busy`]). The
//! script's count hook stops it when killed.
//!
//! [`redis.call`]: Run::call

pub mod convert;
pub mod functions;
pub mod libs;
pub mod sandbox;

use crate::call::{CallSite, Mode};
use crate::command::flags;
use crate::error::CmdError;
use crate::session::Session;
use crate::{propagate, Ctx, Engine};
use mlua::{Function, Lua, Value};
use resp::ReplyBuf;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// Bytes a Lua state may allocate: a script cannot make the server allocate without bound
/// (a decision of this server; Redis does not limit its Lua heap). Past it the script fails
/// with Lua's `not enough memory`.
pub const LUA_MEMORY_LIMIT: usize = 1 << 30;

/// VM instructions between two looks of the count hook at SCRIPT KILL.
const HOOK_INSTRUCTIONS: u32 = 10_000;

/// Flags a script declares in its shebang (`#!lua flags=...`) or a function at registration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScriptFlags {
    /// The script had a shebang: without one, Redis applies its pre-7.0 defaults.
    pub shebang: bool,
    /// `no-writes`
    pub no_writes: bool,
    /// `allow-oom`
    pub allow_oom: bool,
    /// `allow-stale`
    pub allow_stale: bool,
    /// `no-cluster`
    pub no_cluster: bool,
    /// `allow-cross-slot-keys`
    pub allow_cross_slot_keys: bool,
}

impl ScriptFlags {
    /// Parses one flag name; false for an unknown one.
    pub fn set(&mut self, name: &[u8]) -> bool {
        match name {
            b"no-writes" => self.no_writes = true,
            b"allow-oom" => self.allow_oom = true,
            b"allow-stale" => self.allow_stale = true,
            b"no-cluster" => self.no_cluster = true,
            b"allow-cross-slot-keys" => self.allow_cross_slot_keys = true,
            _ => return false,
        }
        true
    }

    /// The flag names, as FUNCTION LIST shows them.
    pub fn names(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (on, name) in [
            (self.no_writes, "no-writes"),
            (self.allow_oom, "allow-oom"),
            (self.allow_stale, "allow-stale"),
            (self.no_cluster, "no-cluster"),
            (self.allow_cross_slot_keys, "allow-cross-slot-keys"),
        ] {
            if on {
                out.push(name);
            }
        }
        out
    }
}

/// One cached EVAL script.
pub struct Script {
    /// The compiled chunk.
    pub func: Function,
    /// Its shebang flags.
    pub flags: ScriptFlags,
    /// Its source.
    pub body: Arc<[u8]>,
}

/// EVAL's interpreter and its script cache (SCRIPT LOAD, EVALSHA).
pub struct Interp {
    /// The sandboxed state.
    pub sandbox: sandbox::Sandbox,
    /// Scripts by lowercase hex SHA1.
    pub scripts: HashMap<[u8; 40], Script>,
}

/// The scripting state of an engine.
#[derive(Default)]
pub struct Scripting {
    eval: Mutex<Option<Interp>>,
    /// FUNCTION's libraries.
    pub functions: Mutex<functions::Functions>,
    /// Libraries and functions loaded (FUNCTION STATS reads them while FCALL holds the lock).
    counts: (AtomicUsize, AtomicUsize),
}

impl Scripting {
    /// EVAL's interpreter, created on first use.
    pub fn interp(&self) -> Result<MutexGuard<'_, Option<Interp>>, CmdError> {
        let mut g = self.eval.lock().unwrap_or_else(|e| e.into_inner());
        if g.is_none() {
            *g = Some(Interp {
                sandbox: sandbox::Sandbox::new().map_err(internal)?,
                scripts: HashMap::new(),
            });
        }
        Ok(g)
    }

    /// The numbers of libraries and of functions.
    pub fn counts(&self) -> (usize, usize) {
        (self.counts.0.load(Relaxed), self.counts.1.load(Relaxed))
    }

    /// Locks the libraries; the counts are refreshed when the guard drops.
    pub fn libraries(&self) -> LibrariesGuard<'_> {
        LibrariesGuard {
            guard: self.functions.lock().unwrap_or_else(|e| e.into_inner()),
            counts: &self.counts,
        }
    }

    /// SCRIPT FLUSH: a new interpreter, no scripts (as Redis, which also resets the Lua state).
    pub fn flush_scripts(&self) {
        *self.eval.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// INFO memory's scripting fields, as Redis 7.0 names them: the Lua heaps (from Lua's
    /// allocator) and the sources kept. Counted without the locks a running script holds
    /// (its heap then reads as 0).
    pub fn info(&self, line: &mut dyn FnMut(&str, &dyn std::fmt::Display)) {
        let (vm_eval, scripts, script_bytes) = self.eval_usage();
        let (vm_functions, function_bytes) = self.function_usage();
        let (libraries, functions) = self.counts();
        let human = crate::info::human;
        line("used_memory_lua", &vm_eval);
        line("used_memory_vm_eval", &vm_eval);
        line("used_memory_lua_human", &human(vm_eval as u64));
        line("used_memory_scripts_eval", &script_bytes);
        line("number_of_cached_scripts", &scripts);
        line("number_of_functions", &functions);
        line("number_of_libraries", &libraries);
        line("used_memory_vm_functions", &vm_functions);
        line("used_memory_vm_total", &(vm_eval + vm_functions));
        line(
            "used_memory_vm_total_human",
            &human((vm_eval + vm_functions) as u64),
        );
        line("used_memory_functions", &function_bytes);
        line("used_memory_scripts", &(script_bytes + function_bytes));
        line(
            "used_memory_scripts_human",
            &human((script_bytes + function_bytes) as u64),
        );
    }

    /// Bytes of the cached scripts' sources and of the function libraries' code (MEMORY
    /// STATS `lua.caches`, `functions.caches`).
    pub fn cache_bytes(&self) -> (usize, usize) {
        (self.eval_usage().2, self.function_usage().1)
    }

    /// Scripts in the EVAL cache.
    pub fn cached_scripts(&self) -> usize {
        self.eval_usage().1
    }

    /// The EVAL interpreter's heap, its cached scripts and their source bytes.
    fn eval_usage(&self) -> (usize, usize, usize) {
        match self.eval.try_lock() {
            Ok(g) => g.as_ref().map_or((0, 0, 0), |i| {
                (
                    i.sandbox.lua.used_memory(),
                    i.scripts.len(),
                    i.scripts.values().map(|s| s.body.len()).sum::<usize>(),
                )
            }),
            Err(_) => (0, 0, 0),
        }
    }

    /// The function interpreter's heap and the libraries' code bytes.
    fn function_usage(&self) -> (usize, usize) {
        match self.functions.try_lock() {
            Ok(f) => (
                f.state().map_or(0, |s| s.lua.used_memory()),
                f.libraries.values().map(|l| l.code.len()).sum::<usize>(),
            ),
            Err(_) => (0, 0),
        }
    }
}

/// The locked libraries (see [`Scripting::libraries`]).
pub struct LibrariesGuard<'a> {
    guard: MutexGuard<'a, functions::Functions>,
    counts: &'a (AtomicUsize, AtomicUsize),
}

impl std::ops::Deref for LibrariesGuard<'_> {
    type Target = functions::Functions;
    fn deref(&self) -> &Self::Target {
        &self.guard
    }
}

impl std::ops::DerefMut for LibrariesGuard<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.guard
    }
}

impl Drop for LibrariesGuard<'_> {
    fn drop(&mut self) {
        self.counts.0.store(self.guard.libraries.len(), Relaxed);
        self.counts.1.store(self.guard.function_count(), Relaxed);
    }
}

/// An engine failure (building the Lua state) as an error reply.
pub fn internal(e: mlua::Error) -> CmdError {
    CmdError::new(format!("ERR {e}"))
}

/// The lowercase hex SHA1 of a script body.
pub fn sha1_hex(body: &[u8]) -> [u8; 40] {
    let digest = sha1_smol::Sha1::from(body).digest().bytes();
    let mut out = [0u8; 40];
    for (i, b) in digest.iter().enumerate() {
        out[2 * i] = b"0123456789abcdef"[(b >> 4) as usize];
        out[2 * i + 1] = b"0123456789abcdef"[(b & 15) as usize];
    }
    out
}

/// The state of the script running on this thread, which `redis.call` reaches.
pub struct Run<'e> {
    engine: &'e Engine,
    /// The script's own session: the caller's client and database, the script's protocol.
    session: Session,
    now: u64,
    flags: ScriptFlags,
    /// EVAL_RO / FCALL_RO.
    read_only_command: bool,
    /// Where command replies go before they become Lua values.
    out: ReplyBuf,
    /// `redis.setresp`: 2 or 3.
    pub resp: u8,
    /// `maxmemory` could not be met when the script's command was admitted.
    oom: bool,
    /// The script has written.
    wrote: bool,
}

thread_local! {
    /// The [`Run`] of the script running on this thread (null when none runs).
    static CURRENT: Cell<*mut Run<'static>> = const { Cell::new(std::ptr::null_mut()) };
}

/// Runs `f` with this thread's running script; None outside a script invocation (a function
/// called while FUNCTION LOAD runs the library's code, for one).
pub fn with_run<R>(f: impl FnOnce(&mut Run<'_>) -> R) -> Option<R> {
    let p = CURRENT.with(Cell::get);
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` was set by `execute` from a `Run` that lives on its stack frame for the whole
    // Lua call, and is cleared before that frame ends. The Lua state runs on this thread only
    // (it is behind a mutex, and the gate is held alone), and `execute` does not touch the
    // `Run` while Lua runs, so this is the only reference. `redis.call` does not recurse: a
    // script cannot run EVAL (flagged `noscript`).
    Some(f(unsafe { &mut *p }))
}

/// A command reply turned Lua error: `{err = "CODE message"}` as Redis builds it.
pub fn error_table(lua: &Lua, text: &[u8]) -> mlua::Result<mlua::Table> {
    let t = lua.create_table()?;
    t.raw_set("err", lua.create_string(error_text(text))?)?;
    Ok(t)
}

/// Redis's `luaPushErrorBuff`: `-CODE msg` keeps its code, a bare message gets `ERR`, and
/// the trailing CR/LF goes.
pub fn error_text(text: &[u8]) -> Vec<u8> {
    let (code, msg): (&[u8], &[u8]) = match text.strip_prefix(b"-") {
        Some(rest) => match rest.iter().position(|&c| c == b' ') {
            Some(p) => (&rest[..p], &rest[p + 1..]),
            None => (b"ERR", rest),
        },
        None => (b"ERR", text),
    };
    let mut msg = msg;
    while let [rest @ .., b'\r' | b'\n'] = msg {
        msg = rest;
    }
    while let [b'\r' | b'\n', rest @ ..] = msg {
        msg = rest;
    }
    let mut out = Vec::with_capacity(code.len() + 1 + msg.len());
    out.extend_from_slice(code);
    out.push(b' ');
    out.extend_from_slice(msg);
    out
}

impl Run<'_> {
    /// redis.acl_check_cmd: whether the script's user may run `args` (nothing is logged).
    pub fn acl_allows(&mut self, args: &[&[u8]]) -> bool {
        let engine = self.engine;
        engine
            .session_user(&mut self.session)
            .is_some_and(|u| u.may_run(&engine.registry, args))
    }

    /// `redis.call` (`raise`) and `redis.pcall`: runs a command for the script. Returns the
    /// reply as a Lua value, or `Err` with the error table to raise (`redis.call`) — pcall
    /// returns it as its value.
    pub fn call(
        &mut self,
        lua: &Lua,
        args: &[Vec<u8>],
    ) -> mlua::Result<Result<Value, mlua::Table>> {
        // A refusal of the call path (Redis's `scriptCall`): counted in the error statistics
        // here, as the command's failure, and not again when the script raises it.
        let refuse = |text: &str| -> mlua::Result<Result<Value, mlua::Table>> {
            let wire = error_text(text.as_bytes());
            self.engine.count_error(&wire);
            let t = error_table(lua, text.as_bytes())?;
            t.raw_set("ignore_error_stats_update", true)?;
            Ok(Err(t))
        };
        if args.is_empty() {
            return Ok(Err(error_table(
                lua,
                b"Please specify at least one argument for this redis lib call",
            )?));
        }
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
        let engine = self.engine;
        let idx = match engine.registry.resolve(&argv) {
            Ok(idx) => idx,
            Err((Some(idx), _))
                if engine.registry.entries[idx].cmd.subcommands.is_empty() || argv.len() < 2 =>
            {
                return refuse("Wrong number of args calling Redis command from script")
            }
            Err((Some(idx), _)) if engine.registry.lookup_sub(idx, argv[1]).is_some() => {
                return refuse("Wrong number of args calling Redis command from script")
            }
            Err(_) => return refuse("Unknown Redis command called from script"),
        };
        let cmd = engine.registry.entries[idx].cmd;
        if cmd.flags & flags::NOSCRIPT != 0 {
            return refuse("This Redis command is not allowed from script");
        }
        if let Some(d) = engine.acl_denied(&mut self.session, idx, &argv, "lua") {
            return refuse(match d {
                crate::acl::Denied::Command => {
                    "The user executing the script can't run this command or subcommand"
                }
                crate::acl::Denied::Key(_) => "The user executing the script can't access at least one of the keys mentioned in the command arguments",
                crate::acl::Denied::Channel(_) => {
                    "The user executing the script can't publish to the channel mentioned in the command"
                }
            });
        }
        if cmd.flags & flags::WRITE != 0 {
            if self.flags.no_writes || self.read_only_command {
                return refuse("Write commands are not allowed from read-only scripts.");
            }
            if let Some(why) = engine.state.misconf() {
                return refuse(&format!("-{why}"));
            }
        }
        // Redis's `scriptVerifyOOM`: under OOM a script may not start writing (once it wrote,
        // it finishes, or the data would be half changed).
        if cmd.flags & flags::DENYOOM != 0 && self.oom && !self.wrote && !self.flags.allow_oom {
            return refuse("-OOM command not allowed when used memory > 'maxmemory'.");
        }
        if cmd.flags & flags::WRITE != 0 {
            engine.busy.wrote();
            self.wrote = true;
        }
        self.out.buf.clear();
        self.out.resp3 = self.resp == 3;
        self.session.resp3 = self.resp == 3;
        let site = CallSite {
            now_ms: self.now,
            started: Instant::now(),
            hint: None,
        };
        engine.call(
            &mut self.session,
            idx,
            &argv,
            &mut self.out,
            site,
            Mode::Script,
        );
        let value = convert::reply_to_lua(lua, &self.out.buf)?;
        if self.out.buf.first() == Some(&b'-') {
            if let Value::Table(t) = &value {
                t.raw_set("ignore_error_stats_update", true)?;
                return Ok(Err(t.clone()));
            }
        }
        Ok(Ok(value))
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        self.engine
    }
}

/// How a script is being invoked.
pub struct Invocation<'a> {
    /// The compiled chunk or the function's callback.
    pub func: Function,
    /// The sandbox it runs in.
    pub sandbox: &'a sandbox::Sandbox,
    /// Its flags.
    pub flags: ScriptFlags,
    /// The name errors cite: the SHA1 for EVAL, the function's name for FCALL.
    pub name: &'a str,
    /// True for FCALL.
    pub function: bool,
    /// EVAL_RO / FCALL_RO.
    pub read_only_command: bool,
    /// KEYS and ARGV.
    pub keys: &'a [&'a [u8]],
    /// See [`Invocation::keys`].
    pub argv: &'a [&'a [u8]],
}

/// Clears what a run set up, also when the script panics: this thread's [`Run`], the busy
/// state, the open write block.
struct RunGuard<'e> {
    engine: &'e Engine,
    own_block: bool,
}

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(std::ptr::null_mut()));
        self.engine.busy.stop();
        if self.own_block {
            propagate::end_transaction(&self.engine.keyspace.log);
        }
    }
}

/// Runs a script or function for the calling client and writes its reply. The caller holds
/// the gate alone (EVAL and FCALL take it before their interpreter's lock; inside EXEC, EXEC
/// holds it). The writes are logged as one MULTI ... EXEC block (EXEC's own inside EXEC); the
/// script is killable by SCRIPT KILL / FUNCTION KILL until it writes.
pub fn run(ctx: &mut Ctx<'_>, inv: Invocation<'_>, args: &[&[u8]]) -> Result<(), CmdError> {
    let engine = ctx.engine;
    if inv.flags.shebang && !inv.flags.no_writes {
        // A script that declares it may write is `denyoom` unless it says `allow-oom`: Redis
        // refuses it with the command, before the script is looked at further.
        if !inv.flags.allow_oom && ctx.session.oom {
            return Err(crate::error::OOM);
        }
        if inv.read_only_command {
            return Err(CmdError::from_static(
                "ERR Can not execute a script with write flag using *_ro command.",
            ));
        }
        // Redis 7.0 refuses a script that may write while persistence fails, before it runs.
        if let Some(why) = engine.state.misconf() {
            return Err(CmdError::new(why));
        }
    }
    let own_block = !propagate::in_transaction();
    if own_block {
        propagate::begin_transaction();
    }
    engine.busy.start(inv.function, inv.name, args);
    let guard = RunGuard { engine, own_block };
    let mut script_session = Session::proxy(ctx.session.client.clone(), ctx.session.db, false);
    // Reads a script makes are tracked for its caller, as in Redis.
    script_session.tracking = ctx.session.tracking.take();
    let mut run = Run {
        engine,
        session: script_session,
        now: ctx.now,
        flags: inv.flags,
        read_only_command: inv.read_only_command,
        out: ReplyBuf::new(false),
        resp: 2,
        oom: ctx.session.oom,
        wrote: false,
    };
    let ptr = (&mut run as *mut Run<'_>).cast::<Run<'static>>();
    CURRENT.with(|c| c.set(ptr));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        inv.sandbox
            .invoke(&inv.func, inv.keys, inv.argv, inv.function)
    }));
    CURRENT.with(|c| c.set(std::ptr::null_mut()));
    ctx.session.tracking = run.session.tracking.take();
    drop(guard);
    let result = match result {
        Ok(r) => r,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    let resp = run.resp;
    match result {
        Err(e) => Err(CmdError::new(format!(
            "ERR Error running script {}, {}",
            inv.name,
            sandbox::message(&e).chars().take(100).collect::<String>()
        ))),
        Ok(Err(err)) => Err(convert::script_error(&err, inv.name)),
        Ok(Ok(value)) => {
            convert::lua_to_reply(&value, ctx.out, resp, 0);
            Ok(())
        }
    }
}

/// The KEYS and ARGV of an EVAL or FCALL.
pub type KeysAndArgs<'a> = (&'a [&'a [u8]], &'a [&'a [u8]]);

/// Parses `numkeys key ... arg ...` of EVAL and FCALL (at `args[2]`).
pub fn split_keys<'a>(args: &'a [&'a [u8]]) -> Result<KeysAndArgs<'a>, CmdError> {
    let n = resp::number::parse_i64(args[2]).ok_or(crate::error::NOT_INTEGER)?;
    if n < 0 {
        return Err(CmdError::from_static(
            "ERR Number of keys can't be negative",
        ));
    }
    let rest = &args[3..];
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    if n > rest.len() {
        return Err(CmdError::from_static(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    Ok(rest.split_at(n))
}
