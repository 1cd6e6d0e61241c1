//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, FUNCTION, FCALL, FCALL_RO
//! (Redis 7.0). The Lua side is [`crate::scripting`].
//!
//! SCRIPT DEBUG takes NO only: Redis's step debugger (LDB, YES and SYNC) is not built, and
//! those answer an error saying so.

use super::{container, help_reply};
use crate::command::{flags::*, CmdResult, Command};
use crate::error::{self, CmdError};
use crate::scripting::{self, sandbox, Invocation, Script};
use crate::{cmd, glob, propagate, Ctx};

const NOSCRIPT_ERR: CmdError =
    CmdError::from_static("NOSCRIPT No matching script. Please use EVAL.");

fn is(a: &[u8], word: &str) -> bool {
    a.eq_ignore_ascii_case(word.as_bytes())
}

/// Compiles an EVAL body into the cache (Redis's `luaCreateFunction`); returns its SHA1.
fn cache(interp: &mut scripting::Interp, body: &[u8]) -> Result<[u8; 40], CmdError> {
    let sha = scripting::sha1_hex(body);
    if interp.scripts.contains_key(&sha) {
        return Ok(sha);
    }
    let flags = match sandbox::parse_shebang(body) {
        Ok(f) => f.unwrap_or_default(),
        Err(e) => return Err(CmdError::new(format!("ERR {e}"))),
    };
    let code = sandbox::without_shebang(body);
    let func = interp
        .sandbox
        .compile(&code, "@user_script", None)
        .map_err(|e| CmdError::new(format!("ERR Error compiling script (new function): {e}")))?;
    interp.scripts.insert(
        sha,
        Script {
            func,
            flags,
            body: body.into(),
        },
    );
    Ok(sha)
}

/// EVAL and friends: `by_sha` (EVALSHA), `ro` (the `_RO` forms).
fn eval_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], by_sha: bool, ro: bool) -> CmdResult {
    if by_sha && args[1].len() != 40 {
        return Err(NOSCRIPT_ERR);
    }
    let (keys, argv) = scripting::split_keys(args)?;
    let engine = ctx.engine;
    // The gate before the interpreter's lock (every other command takes them in this order).
    let _alone = (!ctx.in_exec()).then(|| engine.gate.write());
    let mut guard = engine.scripting.interp()?;
    let interp = guard.as_mut().ok_or(error::SYNTAX)?;
    let sha = if by_sha {
        let given = args[1];
        if given.len() != 40 {
            return Err(NOSCRIPT_ERR);
        }
        let mut sha = [0u8; 40];
        for (d, s) in sha.iter_mut().zip(given) {
            *d = s.to_ascii_lowercase();
        }
        if !interp.scripts.contains_key(&sha) {
            return Err(NOSCRIPT_ERR);
        }
        sha
    } else {
        cache(interp, args[1])?
    };
    let script = &interp.scripts[&sha];
    let name = String::from_utf8_lossy(&sha).into_owned();
    let inv = Invocation {
        func: script.func.clone(),
        sandbox: &interp.sandbox,
        flags: script.flags,
        name: &name,
        function: false,
        read_only_command: ro,
        keys,
        argv,
    };
    scripting::run(ctx, inv, args)
}

/// Runs a script command as a long section (see [`crate::Engine::long_section`]).
fn long(
    ctx: &mut Ctx<'_>,
    args: &[&[u8]],
    f: fn(&mut Ctx<'_>, &[&[u8]], bool, bool) -> CmdResult,
    a: bool,
    b: bool,
) -> CmdResult {
    let engine = ctx.engine;
    engine.long_section(|| f(ctx, args, a, b))
}

/// `EVAL script numkeys [key ...] [arg ...]`
fn eval(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    long(ctx, args, eval_generic, false, false)
}

/// `EVALSHA sha1 numkeys [key ...] [arg ...]`
fn evalsha(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    long(ctx, args, eval_generic, true, false)
}

/// `EVAL_RO script numkeys [key ...] [arg ...]`
fn eval_ro(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    long(ctx, args, eval_generic, false, true)
}

/// `EVALSHA_RO sha1 numkeys [key ...] [arg ...]`
fn evalsha_ro(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    long(ctx, args, eval_generic, true, true)
}

/// `SCRIPT LOAD script`
fn script_load(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let mut guard = ctx.engine.scripting.interp()?;
    let interp = guard.as_mut().ok_or(error::SYNTAX)?;
    let sha = cache(interp, args[2])?;
    ctx.out.bulk(&sha);
    Ok(())
}

/// `SCRIPT EXISTS sha1 [sha1 ...]`
fn script_exists(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let guard = ctx.engine.scripting.interp()?;
    let interp = guard.as_ref().ok_or(error::SYNTAX)?;
    ctx.out.array(args.len() - 2);
    for a in &args[2..] {
        let found = a.len() == 40 && {
            let mut sha = [0u8; 40];
            for (d, s) in sha.iter_mut().zip(a.iter()) {
                *d = s.to_ascii_lowercase();
            }
            interp.scripts.contains_key(&sha)
        };
        ctx.out.int(i64::from(found));
    }
    Ok(())
}

/// The optional `ASYNC|SYNC` of SCRIPT FLUSH and FUNCTION FLUSH (both free at once here).
fn flush_mode(args: &[&[u8]]) -> CmdResult {
    match args.get(2) {
        None => Ok(()),
        Some(a) if args.len() == 3 && (is(a, "async") || is(a, "sync")) => Ok(()),
        Some(_) => Err(CmdError::from_static(
            "ERR SCRIPT FLUSH only support SYNC|ASYNC option",
        )),
    }
}

/// `SCRIPT FLUSH [ASYNC|SYNC]`
fn script_flush(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    flush_mode(args)?;
    ctx.engine.scripting.flush_scripts();
    ctx.out.ok();
    Ok(())
}

/// `SCRIPT KILL`
fn script_kill(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.engine.busy.kill(false)?;
    ctx.out.ok();
    Ok(())
}

/// `SCRIPT DEBUG YES|SYNC|NO`: NO is what runs here; the step debugger (YES, SYNC) is not
/// built, and says so.
fn script_debug(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let a = args[2];
    if is(a, "no") {
        ctx.out.ok();
        return Ok(());
    }
    if is(a, "yes") || is(a, "sync") {
        return Err(CmdError::from_static(
            "ERR SCRIPT DEBUG YES|SYNC: this server has no Lua debugger",
        ));
    }
    Err(CmdError::from_static("ERR Use SCRIPT DEBUG YES/SYNC/NO"))
}

/// `SCRIPT HELP`
fn script_help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    help_reply(
        ctx,
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
        ],
    );
    Ok(())
}

/// FCALL and FCALL_RO.
fn fcall_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], ro: bool) -> CmdResult {
    let (keys, argv) = scripting::split_keys(args).map_err(|e| {
        if e.as_bytes() == error::NOT_INTEGER.as_bytes() {
            CmdError::from_static("ERR Bad number of keys provided")
        } else {
            e
        }
    })?;
    let engine = ctx.engine;
    let _alone = (!ctx.in_exec()).then(|| engine.gate.write());
    let functions = engine.scripting.libraries();
    let name = String::from_utf8_lossy(args[1]).into_owned();
    let (Some(f), Some(sb)) = (functions.find(&name), functions.state()) else {
        return Err(CmdError::from_static("ERR Function not found"));
    };
    let inv = Invocation {
        func: f.callback.clone(),
        sandbox: sb,
        flags: f.flags,
        name: &name,
        function: true,
        read_only_command: ro,
        keys,
        argv,
    };
    scripting::run(ctx, inv, args)
}

/// `FCALL function numkeys [key ...] [arg ...]`
fn fcall(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    long(
        ctx,
        args,
        |c, a, ro, _| fcall_generic(c, a, ro),
        false,
        false,
    )
}

/// `FCALL_RO function numkeys [key ...] [arg ...]`
fn fcall_ro(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    long(
        ctx,
        args,
        |c, a, ro, _| fcall_generic(c, a, ro),
        true,
        false,
    )
}

fn functions<'a>(ctx: &Ctx<'a>) -> scripting::LibrariesGuard<'a> {
    ctx.engine.scripting.libraries()
}

/// `FUNCTION LOAD [REPLACE] function-code`
fn function_load(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let mut replace = false;
    let mut i = 2;
    while i < args.len() - 1 {
        if is(args[i], "replace") {
            replace = true;
        } else {
            return Err(CmdError::new(format!(
                "ERR Unknown option given: {}",
                String::from_utf8_lossy(args[i])
            )));
        }
        i += 1;
    }
    let code = args[args.len() - 1];
    let name = functions(ctx).load(code, replace)?;
    propagate::mark_dirty();
    ctx.out.bulk(name.as_bytes());
    Ok(())
}

/// `FUNCTION DELETE library-name`
fn function_delete(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let name = String::from_utf8_lossy(args[2]).into_owned();
    if functions(ctx).libraries.remove(&name).is_none() {
        return Err(CmdError::from_static("ERR Library not found"));
    }
    propagate::mark_dirty();
    ctx.out.ok();
    Ok(())
}

/// `FUNCTION FLUSH [ASYNC|SYNC]`
fn function_flush(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if args.len() > 3 {
        return Err(subcommand_syntax(args));
    }
    flush_mode(args)
        .map_err(|_| CmdError::from_static("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"))?;
    functions(ctx).flush();
    propagate::mark_dirty();
    ctx.out.ok();
    Ok(())
}

/// `FUNCTION KILL`
fn function_kill(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.engine.busy.kill(true)?;
    ctx.out.ok();
    Ok(())
}

/// `FUNCTION DUMP`
fn function_dump(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let payload = functions(ctx).dump();
    ctx.out.bulk(&payload);
    Ok(())
}

/// `FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE]`
fn function_restore(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let policy: &[u8] =
        match args.len() {
            3 => b"append",
            4 if is(args[3], "flush") || is(args[3], "append") || is(args[3], "replace") => args[3],
            4 => return Err(CmdError::from_static(
                "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            )),
            _ => return Err(subcommand_syntax(args)),
        };
    functions(ctx).restore(args[2], policy)?;
    propagate::mark_dirty();
    ctx.out.ok();
    Ok(())
}

fn unknown_argument(a: &[u8]) -> CmdError {
    CmdError::new(format!(
        "ERR Unknown argument {}",
        String::from_utf8_lossy(a)
    ))
}

/// Redis's reply to a FUNCTION subcommand with the wrong number of arguments.
fn subcommand_syntax(args: &[&[u8]]) -> CmdError {
    CmdError::new(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try FUNCTION HELP.",
        String::from_utf8_lossy(&args[1][..args[1].len().min(128)])
    ))
}

/// `FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]`
fn function_list(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let mut pattern: Option<&[u8]> = None;
    let mut with_code = false;
    let mut i = 2;
    while i < args.len() {
        if is(args[i], "withcode") {
            if with_code {
                return Err(unknown_argument(args[i]));
            }
            with_code = true;
        } else if is(args[i], "libraryname") {
            if pattern.is_some() {
                return Err(unknown_argument(args[i]));
            }
            let Some(p) = args.get(i + 1) else {
                return Err(CmdError::from_static(
                    "ERR library name argument was not given",
                ));
            };
            pattern = Some(p);
            i += 1;
        } else {
            return Err(unknown_argument(args[i]));
        }
        i += 1;
    }
    let f = functions(ctx);
    let libs: Vec<_> = f
        .libraries
        .iter()
        .filter(|(name, _)| pattern.is_none_or(|p| glob::matches(p, name.as_bytes(), false)))
        .collect();
    let out = &mut *ctx.out;
    out.array(libs.len());
    for (name, lib) in libs {
        out.map(if with_code { 4 } else { 3 });
        out.bulk(b"library_name");
        out.bulk(name.as_bytes());
        out.bulk(b"engine");
        out.bulk(b"LUA");
        out.bulk(b"functions");
        out.array(lib.functions.len());
        for (fname, func) in &lib.functions {
            out.map(3);
            out.bulk(b"name");
            out.bulk(fname.as_bytes());
            out.bulk(b"description");
            match &func.description {
                Some(d) => out.bulk(d),
                None => out.null(),
            }
            out.bulk(b"flags");
            let names = func.flags.names();
            out.set(names.len());
            for n in names {
                out.simple(n);
            }
        }
        if with_code {
            out.bulk(b"library_code");
            out.bulk(&lib.code);
        }
    }
    Ok(())
}

/// `FUNCTION STATS`
fn function_stats(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let busy = &ctx.engine.busy;
    if busy.running() && !busy.is_function() {
        return Err(busy.error());
    }
    let running = busy.running();
    let out = &mut *ctx.out;
    out.map(2);
    out.bulk(b"running_script");
    if running {
        let (name, command) = busy.what();
        out.map(3);
        out.bulk(b"name");
        out.bulk(name.as_bytes());
        out.bulk(b"command");
        out.array(command.len());
        for a in &command {
            out.bulk(a);
        }
        out.bulk(b"duration_ms");
        out.int(busy.elapsed_ms() as i64);
    } else {
        out.null();
    }
    // Counted without the libraries' lock, which a running FCALL holds.
    let (libraries, functions) = ctx.engine.scripting.counts();
    let out = &mut *ctx.out;
    out.bulk(b"engines");
    out.map(1);
    out.bulk(b"LUA");
    out.map(2);
    out.bulk(b"libraries_count");
    out.int(libraries as i64);
    out.bulk(b"functions_count");
    out.int(functions as i64);
    Ok(())
}

/// `FUNCTION HELP`
fn function_help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    help_reply(
        ctx,
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    );
    Ok(())
}

/// SCRIPT's subcommands.
#[rustfmt::skip]
const SCRIPT: &[Command] = &[
    cmd!("load", 3, NOSCRIPT | STALE, 0, 0, 0, ["scripting"], script_load),
    cmd!("debug", 3, NOSCRIPT, 0, 0, 0, ["scripting"], script_debug),
    cmd!("exists", -3, NOSCRIPT, 0, 0, 0, ["scripting"], script_exists),
    cmd!("flush", -2, NOSCRIPT, 0, 0, 0, ["scripting"], script_flush),
    cmd!("kill", 2, NOSCRIPT | ALLOW_BUSY, 0, 0, 0, ["scripting"], script_kill),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, ["scripting"], script_help),
];

/// FUNCTION's subcommands.
#[rustfmt::skip]
const FUNCTION: &[Command] = &[
    cmd!("load", -3, WRITE | DENYOOM | NOSCRIPT, 0, 0, 0, ["scripting"], function_load),
    cmd!("list", -2, NOSCRIPT, 0, 0, 0, ["scripting"], function_list),
    cmd!("delete", 3, WRITE | NOSCRIPT, 0, 0, 0, ["scripting"], function_delete),
    cmd!("dump", 2, NOSCRIPT, 0, 0, 0, ["scripting"], function_dump),
    cmd!("restore", -3, WRITE | DENYOOM | NOSCRIPT, 0, 0, 0, ["scripting"], function_restore),
    cmd!("flush", -2, WRITE | NOSCRIPT, 0, 0, 0, ["scripting"], function_flush),
    cmd!("stats", 2, NOSCRIPT | ALLOW_BUSY, 0, 0, 0, ["scripting"], function_stats),
    cmd!("kill", 2, NOSCRIPT | ALLOW_BUSY, 0, 0, 0, ["scripting"], function_kill),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, ["scripting"], function_help),
];

const RUN_FLAGS: u32 =
    NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLE_KEYS | GATE_ALONE;

/// The scripting family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command { numkeys: 2, ..cmd!("eval", -3, RUN_FLAGS | MAY_REPLICATE, 0, 0, 0, ["scripting"], eval) },
    Command { numkeys: 2, ..cmd!("evalsha", -3, RUN_FLAGS | MAY_REPLICATE, 0, 0, 0, ["scripting"], evalsha) },
    Command { numkeys: 2, ..cmd!("eval_ro", -3, RUN_FLAGS | READONLY, 0, 0, 0, ["scripting"], eval_ro) },
    Command { numkeys: 2, ..cmd!("evalsha_ro", -3, RUN_FLAGS | READONLY, 0, 0, 0, ["scripting"], evalsha_ro) },
    Command { numkeys: 2, ..cmd!("fcall", -3, RUN_FLAGS | MAY_REPLICATE, 0, 0, 0, ["scripting"], fcall) },
    Command { numkeys: 2, ..cmd!("fcall_ro", -3, RUN_FLAGS | READONLY, 0, 0, 0, ["scripting"], fcall_ro) },
    Command { subcommands: SCRIPT, ..cmd!("script", -2, 0, 0, 0, 0, [], container) },
    Command { subcommands: FUNCTION, ..cmd!("function", -2, 0, 0, 0, 0, [], container) },
];
