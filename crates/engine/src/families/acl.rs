//! ACL: SETUSER GETUSER DELUSER USERS LIST WHOAMI CAT GENPASS LOG DRYRUN SAVE LOAD HELP, and
//! the users a server starts with (`user` lines of the config file or the `aclfile`, and
//! `requirepass` as the `default` user's password). The model and the check are in
//! [`crate::acl`].

use super::{help_reply, int_arg, is};
use crate::acl::{self, User};
use crate::command::{flags::*, CmdResult, Command};
use crate::error::CmdError;
use crate::{cmd, Ctx, Engine};

/// Loads the users a server starts with: `user` lines of the config file, or the `aclfile`
/// (not both, as Redis), then `requirepass`. Errors stop the start-up.
pub fn load_at_startup(engine: &Engine) -> Result<(), String> {
    let v = engine.config.values();
    if !v.aclfile.is_empty() && !v.acl_users.is_empty() {
        return Err("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.".into());
    }
    sync_requirepass(engine);
    if !v.aclfile.is_empty() {
        return load_file(engine, &v.aclfile)
            .map_err(|e| format!("Aborting Redis startup because of ACL errors: {e}"));
    }
    let mut users = Vec::new();
    for line in &v.acl_users {
        let u = acl::parse_user_line(&engine.acl.catalog, line, v.acl_allchannels)?;
        if users.iter().any(|x: &User| x.name == u.name) {
            return Err(format!("Error in user declaration '{}': Duplicate user found. A user can only be defined once in config files", u.name));
        }
        users.push(u);
    }
    for u in users {
        engine.acl.put(u);
    }
    Ok(())
}

/// `requirepass` as the `default` user's only password (none: nopass).
pub fn sync_requirepass(engine: &Engine) {
    let Some(mut user) = engine.acl.get("default").map(|u| (*u).clone()) else {
        return;
    };
    let cat = &engine.acl.catalog;
    let allchannels = engine.config.read(|v| v.acl_allchannels);
    let _ = user.apply(cat, "resetpass", allchannels);
    match engine.config.password() {
        Some(p) => {
            let _ = user.apply(cat, &format!(">{p}"), allchannels);
        }
        None => {
            let _ = user.apply(cat, "nopass", allchannels);
        }
    }
    engine.acl.put(user);
}

/// Whether a new connection starts authenticated: as Redis, when `default` is on and nopass.
pub fn default_is_open(engine: &Engine) -> bool {
    engine
        .acl
        .get("default")
        .is_some_and(|u| u.enabled && u.nopass)
}

/// Reads an aclfile: every line must be a valid `user` line; on any error nothing changes.
fn load_file(engine: &Engine, path: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("Error loading ACLs, opening file '{path}': {e}"))?;
    let allchannels = engine.config.read(|v| v.acl_allchannels);
    let mut users: Vec<User> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let u = acl::parse_user_line(&engine.acl.catalog, line, allchannels)
            .map_err(|e| format!("{path}:{}: {e}. ", n + 1))?;
        if users.iter().any(|x| x.name == u.name) {
            return Err(format!(
                "{path}:{}: Duplicate user '{}' found. ",
                n + 1,
                u.name
            ));
        }
        users.push(u);
    }
    engine.acl.replace_all(users);
    Ok(())
}

const NO_ACLFILE: &str = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";

/// Closes connection `c`: the caller's own after its reply.
fn close(ctx: &mut Ctx<'_>, c: &crate::session::ClientInfo) {
    if c.id == ctx.session.client.id {
        ctx.close_after_reply();
    } else {
        c.kill();
    }
}

/// Closes the connections of the users `gone` says went away.
fn disconnect_users(ctx: &mut Ctx<'_>, gone: impl Fn(&str) -> bool) {
    for c in ctx.engine.clients.list() {
        if gone(&c.user_name()) {
            close(ctx, &c);
        }
    }
}

/// `ACL SETUSER username [rule ...]`: every rule applies, or none.
fn setuser(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if args[2].iter().any(|&c| c == b' ' || c == 0) {
        return Err(CmdError::from_static(
            "ERR Usernames can't contain spaces or null characters",
        ));
    }
    let name = String::from_utf8_lossy(args[2]).into_owned();
    let cat = &ctx.engine.acl.catalog;
    let allchannels = ctx.engine.config.read(|v| v.acl_allchannels);
    let rules = acl::merge_selector_args(&args[3..]).map_err(CmdError::new)?;
    let mut user = match ctx.engine.acl.get(&name) {
        Some(u) => (*u).clone(),
        None => User::new(&name, cat, allchannels),
    };
    for rule in &rules {
        user.apply(cat, rule, allchannels).map_err(|e| {
            CmdError::new(format!("ERR Error in ACL SETUSER modifier '{rule}': {e}"))
        })?;
    }
    ctx.engine.acl.put(user);
    kill_pubsub_clients_if_needed(ctx, &name);
    ctx.out.ok();
    Ok(())
}

/// Redis's `ACLKillPubsubClientsIfNeeded`: a connection of `name` subscribed to a channel or
/// pattern the user may no longer use is closed (other connections of the user stay: their
/// next command is checked against the new rules).
fn kill_pubsub_clients_if_needed(ctx: &mut Ctx<'_>, name: &str) {
    let Some(user) = ctx.engine.acl.get(name) else {
        return;
    };
    for (client, space, channel) in ctx.engine.pubsub.subscriptions_of(name) {
        if !user.channel_allowed(&channel, space == crate::pubsub::Space::Pattern) {
            close(ctx, &client);
        }
    }
}

/// `ACL GETUSER username`
fn getuser(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let Some(u) = ctx.engine.acl.get(&String::from_utf8_lossy(args[2])) else {
        ctx.out.null();
        return Ok(());
    };
    let cat = &ctx.engine.acl.catalog;
    let out = &mut *ctx.out;
    out.map(6);
    out.bulk(b"flags");
    let flags = u.flags();
    out.set(flags.len());
    for f in flags {
        out.bulk(f.as_bytes());
    }
    out.bulk(b"passwords");
    out.array(u.passwords.len());
    for p in &u.passwords {
        out.bulk(p.as_bytes());
    }
    out.bulk(b"commands");
    out.bulk(u.root.describe_commands(cat).as_bytes());
    out.bulk(b"keys");
    out.bulk(u.root.describe_keys().as_bytes());
    out.bulk(b"channels");
    out.bulk(u.root.describe_channels(false).as_bytes());
    out.bulk(b"selectors");
    out.array(u.selectors.len());
    for s in &u.selectors {
        out.map(3);
        out.bulk(b"commands");
        out.bulk(s.describe_commands(cat).as_bytes());
        out.bulk(b"keys");
        out.bulk(s.describe_keys().as_bytes());
        out.bulk(b"channels");
        out.bulk(s.describe_channels(false).as_bytes());
    }
    Ok(())
}

/// `ACL DELUSER username [username ...]`
fn deluser(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let names: Vec<String> = args[2..]
        .iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    if names.iter().any(|n| n == "default") {
        return Err(CmdError::from_static(
            "ERR The 'default' user cannot be removed",
        ));
    }
    let n = ctx.engine.acl.delete(&names);
    disconnect_users(ctx, |user| names.iter().any(|n| n == user));
    ctx.out.int(n as i64);
    Ok(())
}

/// `ACL USERS`
fn users(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let all = ctx.engine.acl.all();
    ctx.out.array(all.len());
    for u in all {
        ctx.out.bulk(u.name.as_bytes());
    }
    Ok(())
}

/// `ACL LIST`
fn list(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let all = ctx.engine.acl.all();
    ctx.out.array(all.len());
    for u in all {
        ctx.out.bulk(u.describe(&ctx.engine.acl.catalog).as_bytes());
    }
    Ok(())
}

/// `ACL WHOAMI`
fn whoami(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.out.bulk(ctx.session.client.user_name().as_bytes());
    Ok(())
}

/// `ACL CAT [category]`
fn cat(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    if args.len() > 3 {
        return Err(CmdError::from_static(
            "ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.",
        ));
    }
    match args.get(2) {
        None => {
            ctx.out.array(crate::command::ACL_CATEGORIES.len());
            for c in crate::command::ACL_CATEGORIES {
                ctx.out.bulk(c.as_bytes());
            }
        }
        Some(name) => {
            let name = String::from_utf8_lossy(name);
            let Some(c) = acl::category(&name) else {
                return Err(CmdError::new(format!("ERR Unknown category '{name}'")));
            };
            let names = ctx.engine.acl.catalog.in_category(c);
            ctx.out.array(names.len());
            for n in names {
                ctx.out.bulk(n.as_bytes());
            }
        }
    }
    Ok(())
}

/// `ACL GENPASS [bits]`: random bits from the kernel, in hex.
fn genpass(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let bits = match args.get(2) {
        Some(a) => int_arg(a)?,
        None => 256,
    };
    if !(1..=4096).contains(&bits) {
        return Err(CmdError::from_static("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"));
    }
    let chars = (bits as usize).div_ceil(4);
    let mut bytes = vec![0u8; chars.div_ceil(2)];
    std::io::Read::read_exact(
        &mut std::fs::File::open("/dev/urandom").map_err(|e| CmdError::new(format!("ERR {e}")))?,
        &mut bytes,
    )
    .map_err(|e| CmdError::new(format!("ERR {e}")))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    ctx.out.bulk(&hex.as_bytes()[..chars]);
    Ok(())
}

/// `ACL LOG [count | RESET]`
fn log(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let count = match args.get(2) {
        Some(a) if is(a, "reset") => {
            ctx.engine.acl.reset_log();
            ctx.out.ok();
            return Ok(());
        }
        Some(a) => {
            let n = int_arg(a)?;
            usize::try_from(n).unwrap_or(0)
        }
        None => 10,
    };
    let now = ctx.engine.clock.now_ms();
    let entries: Vec<acl::LogEntry> = ctx
        .engine
        .acl
        .log_entries()
        .into_iter()
        .take(count)
        .collect();
    let out = &mut *ctx.out;
    out.array(entries.len());
    for e in entries {
        out.map(7);
        out.bulk(b"count");
        out.int(e.count as i64);
        out.bulk(b"reason");
        out.bulk(e.reason.as_bytes());
        out.bulk(b"context");
        out.bulk(e.context.as_bytes());
        out.bulk(b"object");
        out.bulk(e.object.as_bytes());
        out.bulk(b"username");
        out.bulk(e.username.as_bytes());
        out.bulk(b"age-seconds");
        out.double_text(&crate::float::format_double(
            now.saturating_sub(e.time_ms) as f64 / 1000.0,
        ));
        out.bulk(b"client-info");
        out.bulk(e.client_info.as_bytes());
    }
    Ok(())
}

/// `ACL DRYRUN username command [arg ...]`: whether the user could run it, without running.
fn dryrun(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let name = String::from_utf8_lossy(args[2]);
    let Some(user) = ctx.engine.acl.get(&name) else {
        return Err(CmdError::new(format!("ERR User '{name}' not found")));
    };
    let cmd = &args[3..];
    let reg = &ctx.engine.registry;
    let idx = match reg.resolve(cmd) {
        Ok(i) => i,
        Err((p, _))
            if p.is_none_or(|i| {
                !reg.entries[i].cmd.subcommands.is_empty()
                    && cmd.get(1).is_some_and(|s| reg.lookup_sub(i, s).is_none())
            }) =>
        {
            return Err(CmdError::new(format!(
                "ERR Command '{}' not found",
                String::from_utf8_lossy(cmd[0])
            )))
        }
        Err((_, e)) => return Err(e),
    };
    match user.check(reg, idx, cmd) {
        Ok(()) => ctx.out.ok(),
        Err(acl::Denied::Command) => ctx.out.bulk(
            format!(
                "This user has no permissions to run the '{}' command",
                reg.entries[idx].full_name
            )
            .as_bytes(),
        ),
        Err(acl::Denied::Key(p)) => ctx.out.bulk(
            format!(
                "This user has no permissions to access the '{}' key",
                String::from_utf8_lossy(cmd[p])
            )
            .as_bytes(),
        ),
        Err(acl::Denied::Channel(p)) => ctx.out.bulk(
            format!(
                "This user has no permissions to access the '{}' channel",
                String::from_utf8_lossy(cmd[p])
            )
            .as_bytes(),
        ),
    }
    Ok(())
}

/// `ACL SAVE`: the users into the aclfile, replaced atomically.
fn save(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let path = ctx.engine.config.read(|v| v.aclfile.clone());
    if path.is_empty() {
        return Err(CmdError::from_static(NO_ACLFILE));
    }
    let mut text = String::new();
    for u in ctx.engine.acl.all() {
        text += &u.describe(&ctx.engine.acl.catalog);
        text.push('\n');
    }
    let tmp = format!("{path}.tmp-{}", std::process::id());
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            tracing::warn!("Saving ACL file: {e}");
            CmdError::from_static("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
        })?;
    ctx.out.ok();
    Ok(())
}

/// `ACL LOAD`: the aclfile replaces every user, or nothing changes.
fn load(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let path = ctx.engine.config.read(|v| v.aclfile.clone());
    if path.is_empty() {
        return Err(CmdError::from_static(NO_ACLFILE));
    }
    load_file(ctx.engine, &path).map_err(|e| CmdError::new(format!("ERR {e}")))?;
    // Connections of users that no longer exist are closed.
    let engine = ctx.engine;
    disconnect_users(ctx, |user| engine.acl.get(user).is_none());
    ctx.out.ok();
    Ok(())
}

/// Never called: the registry resolves ACL's subcommands.
fn container(_: &mut Ctx<'_>, _: &[&[u8]]) -> CmdResult {
    Ok(())
}

fn help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    help_reply(
        ctx,
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "CAT [<category>]",
            "    List all commands that belong to <category>, or all command categories",
            "    when no category is specified.",
            "DELUSER <username> [<username> ...]",
            "    Delete a list of users.",
            "DRYRUN <username> <command> [<arg> ...]",
            "    Returns whether the user can execute the given command without executing the command.",
            "GETUSER <username>",
            "    Get the user's details.",
            "GENPASS [<bits>]",
            "    Generate a secure 256-bit user password. The optional `bits` argument can",
            "    be used to specify a different size.",
            "LIST",
            "    Show users details in config file format.",
            "LOAD",
            "    Reload users from the ACL file.",
            "LOG [<count> | RESET]",
            "    Show the ACL log entries.",
            "SAVE",
            "    Save the current config to the ACL file.",
            "SETUSER <username> <attribute> [<attribute> ...]",
            "    Create or modify a user with the specified attributes.",
            "USERS",
            "    List all the registered usernames.",
            "WHOAMI",
            "    Return the current connection username.",
        ],
    );
    Ok(())
}

#[rustfmt::skip]
const SUBCOMMANDS: &[Command] = &[
    cmd!("cat", -2, NOSCRIPT | LOADING | STALE, 0, 0, 0, [], cat),
    cmd!("deluser", -3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], deluser),
    cmd!("dryrun", -4, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], dryrun),
    cmd!("genpass", -2, NOSCRIPT | LOADING | STALE, 0, 0, 0, [], genpass),
    cmd!("getuser", 3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], getuser),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, [], help),
    cmd!("list", 2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], list),
    cmd!("load", 2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], load),
    cmd!("log", -2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], log),
    cmd!("save", 2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], save),
    cmd!("setuser", -3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], setuser),
    cmd!("users", 2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], users),
    cmd!("whoami", 2, NOSCRIPT | LOADING | STALE, 0, 0, 0, [], whoami),
];

/// The ACL family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command { subcommands: SUBCOMMANDS, ..cmd!("acl", -2, 0, 0, 0, 0, [], container) },
];
