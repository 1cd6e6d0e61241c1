//! The CONFIG container: GET, SET, RESETSTAT, HELP (the settings live in [`crate::config`]).

use super::{container, help_reply};
use crate::command::{flags::*, CmdResult, Command};
use crate::error::{self, CmdError};
use crate::{cmd, Ctx};
use std::sync::atomic::Ordering::Relaxed;

/// `CONFIG GET parameter [parameter ...]`
fn config_get(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let found = ctx.engine.config.get(&args[2..]);
    ctx.out.map(found.len());
    for (name, value) in found {
        ctx.out.bulk(&name);
        ctx.out.bulk(value.as_bytes());
    }
    Ok(())
}

/// `CONFIG SET parameter value [parameter value ...]`: all or nothing.
fn config_set(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if !args.len().is_multiple_of(2) {
        // Redis compatibility: an unpaired value is a syntax error, not an arity error.
        return Err(error::SYNTAX);
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for p in args[2..].chunks(2) {
        let name = String::from_utf8_lossy(p[0]).to_ascii_lowercase();
        if pairs.iter().any(|(n, _)| *n == name) {
            return Err(CmdError::new(format!(
                "ERR CONFIG SET failed (possibly related to argument '{name}') - duplicate parameter"
            )));
        }
        pairs.push((name, String::from_utf8_lossy(p[1]).into_owned()));
    }
    let protected_ok = super::protected_action_allowed(
        ctx,
        ctx.engine.config.read(|v| v.enable_protected_configs),
    );
    for (name, _) in &pairs {
        let canonical = crate::config::param(name).map_or(name.as_str(), |p| p.name);
        if crate::config::PROTECTED.contains(&canonical) && !protected_ok {
            return Err(CmdError::new(format!(
                "ERR CONFIG SET failed (possibly related to argument '{name}') - can't set protected config"
            )));
        }
    }
    ctx.engine
        .config
        .set(&pairs, false)
        .map_err(|e| CmdError::new(format!("ERR {e}")))?;
    ctx.engine.sync_config();
    if pairs.iter().any(|(n, _)| n == "requirepass") {
        super::acl::sync_requirepass(ctx.engine);
    }
    if pairs.iter().any(|(n, _)| n == "acllog-max-len") {
        ctx.engine
            .acl
            .trim_log(ctx.engine.config.read(|v| v.acllog_max_len));
    }
    for (name, value) in &pairs {
        if let Some(x) = crate::config::inert(name).filter(|x| value != x.default) {
            tracing::warn!("'{} {value}' has no effect in ferrokv: {}", x.name, x.why);
        }
    }
    if let Some(p) = ctx.engine.persistence() {
        p.reconfigure()
            .map_err(|e| CmdError::new(format!("ERR {e}")))?;
    }
    ctx.out.ok();
    Ok(())
}

/// `CONFIG RESETSTAT`
fn config_resetstat(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let e = ctx.engine;
    e.registry.reset_stats();
    let s = &e.stats;
    for c in [
        &s.connections,
        &s.rejected_connections,
        &s.keyspace_hits,
        &s.keyspace_misses,
        &s.net_input_bytes,
        &s.net_output_bytes,
        &s.error_replies,
        &s.expire_cycle_us,
    ] {
        c.store(0, Relaxed);
    }
    s.errors_by_code
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clear();
    e.memory.reset_stats(e.clock.now_us());
    ctx.out.ok();
    Ok(())
}

/// `CONFIG REWRITE`: writes the current settings into the config file the server started
/// with ([`crate::config::rewrite`]), through a temporary file renamed over it once synced, so
/// a crash leaves the old file or the new one, never half of one.
fn config_rewrite(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let v = ctx.engine.config.values();
    if v.config_file.is_empty() {
        return Err(CmdError::from_static(
            "ERR The server is running without a config file",
        ));
    }
    let path = std::path::Path::new(&v.config_file);
    let failed = |e: std::io::Error| {
        tracing::warn!("CONFIG REWRITE failed: {e}");
        CmdError::new(format!("ERR Rewriting config file: {e}"))
    };
    let old = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(failed(e)),
    };
    let mut v = v.clone();
    v.acl_users = ctx
        .engine
        .acl
        .all()
        .iter()
        .map(|u| u.describe(&ctx.engine.acl.catalog))
        .collect();
    let text = crate::config::rewrite(&old, &v);
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map_or("config".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    let written = (|| {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if let Ok(m) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, m.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(failed(e));
    }
    tracing::info!("CONFIG REWRITE executed with success.");
    ctx.out.ok();
    Ok(())
}

/// `CONFIG HELP`
fn config_help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    help_reply(
        ctx,
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
    Ok(())
}

#[rustfmt::skip]
const SUBCOMMANDS: &[Command] = &[
    cmd!("get", -3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], config_get),
    cmd!("set", -4, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], config_set),
    cmd!("resetstat", 2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], config_resetstat),
    cmd!("rewrite", 2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], config_rewrite),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, [], config_help),
];

/// The config family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command {
        subcommands: SUBCOMMANDS,
        ..cmd!("config", -2, 0, 0, 0, 0, [], container)
    },
];
