//! The pub/sub family: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH,
//! SPUBLISH, PUBSUB. The registry and mailboxes are in [`crate::pubsub`].

use crate::command::{flags::*, CmdResult, Command};
use crate::error::{c_str, CmdError};
use crate::pubsub::{Space, Subscriber};
use crate::session::PubSubState;
use crate::{cmd, Ctx};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// The session's subscription state and mailbox, created on first use (subscribing, or
/// tracking, whose invalidations use the same mailbox).
pub fn state<'s>(ctx: &'s mut Ctx<'_>) -> &'s mut PubSubState {
    ensure_mailbox(ctx.engine, ctx.session)
}

/// Gives a session its mailbox now; the server does this for every connection, so any
/// connection can be a CLIENT TRACKING REDIRECT target.
pub fn ensure_mailbox<'s>(
    engine: &crate::Engine,
    session: &'s mut crate::Session,
) -> &'s mut PubSubState {
    let hub = engine.pubsub.clone();
    let client = session.client.clone();
    let resp3 = session.resp3;
    let tracking = &engine.keyspace.tracking;
    session.pubsub.get_or_insert_with(|| {
        let mailbox = Arc::new(Subscriber::new(client, resp3));
        tracking.register_mailbox(mailbox.client.id, &mailbox);
        Box::new(PubSubState {
            hub,
            mailbox,
            channels: Vec::new(),
            patterns: Vec::new(),
            shard_channels: Vec::new(),
        })
    })
}

/// The count Redis puts in (un)subscribe confirmations: channels plus patterns, or shard
/// channels alone for the shard commands.
fn count(ps: &mut PubSubState, space: Space) -> i64 {
    match space {
        Space::Shard => ps.shard_channels.len() as i64,
        _ => (ps.channels.len() + ps.patterns.len()) as i64,
    }
}

/// A confirmation is a push: CLIENT REPLY OFF and SKIP do not hold it back.
fn confirm(ctx: &mut Ctx<'_>, kind: &str, name: Option<&[u8]>, n: i64) {
    ctx.pushing(|out| {
        out.push(3);
        out.bulk(kind.as_bytes());
        match name {
            Some(name) => out.bulk(name),
            None => out.null(),
        }
        out.int(n);
    });
}

fn subscribe_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], space: Space, kind: &str) -> CmdResult {
    for name in &args[1..] {
        let ps = state(ctx);
        if !ps.list(space).iter().any(|c| c == name) {
            ps.list(space).push(name.to_vec());
            ps.hub.add(space, name, &ps.mailbox);
            let len = ps.list(space).len();
            ps.mailbox.client.subscriptions[space as usize].store(len, Relaxed);
        }
        let n = count(ps, space);
        confirm(ctx, kind, Some(name), n);
    }
    Ok(())
}

fn unsubscribe_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], space: Space, kind: &str) -> CmdResult {
    let names: Vec<Vec<u8>> = if args.len() > 1 {
        args[1..].iter().map(|a| a.to_vec()).collect()
    } else {
        ctx.session
            .pubsub
            .as_mut()
            .map(|ps| ps.list(space).clone())
            .unwrap_or_default()
    };
    if names.is_empty() {
        let n = ctx.session.pubsub.as_mut().map_or(0, |ps| count(ps, space));
        confirm(ctx, kind, None, n);
        return Ok(());
    }
    for name in names {
        let ps = state(ctx);
        if let Some(i) = ps.list(space).iter().position(|c| *c == name) {
            ps.list(space).remove(i);
            ps.hub.remove(space, &name, ps.mailbox.client.id);
            let len = ps.list(space).len();
            ps.mailbox.client.subscriptions[space as usize].store(len, Relaxed);
        }
        let n = count(ps, space);
        confirm(ctx, kind, Some(&name), n);
    }
    Ok(())
}

/// `SUBSCRIBE channel [channel ...]`
fn subscribe(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    subscribe_generic(ctx, args, Space::Channel, "subscribe")
}

/// `UNSUBSCRIBE [channel [channel ...]]`
fn unsubscribe(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    unsubscribe_generic(ctx, args, Space::Channel, "unsubscribe")
}

/// `PSUBSCRIBE pattern [pattern ...]`
fn psubscribe(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    subscribe_generic(ctx, args, Space::Pattern, "psubscribe")
}

/// `PUNSUBSCRIBE [pattern [pattern ...]]`
fn punsubscribe(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    unsubscribe_generic(ctx, args, Space::Pattern, "punsubscribe")
}

/// `SSUBSCRIBE shardchannel [shardchannel ...]`
fn ssubscribe(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    subscribe_generic(ctx, args, Space::Shard, "ssubscribe")
}

/// `SUNSUBSCRIBE [shardchannel [shardchannel ...]]`
fn sunsubscribe(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    unsubscribe_generic(ctx, args, Space::Shard, "sunsubscribe")
}

/// `PUBLISH channel message`: the number of clients that received it.
fn publish(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    publish_generic(ctx, args, false)
}

/// `SPUBLISH shardchannel message`
fn spublish(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    publish_generic(ctx, args, true)
}

fn publish_generic(ctx: &mut Ctx<'_>, args: &[&[u8]], shard: bool) -> CmdResult {
    let limit = ctx.engine.config.pubsub_limit();
    let hub = &ctx.engine.pubsub;
    let n = hub.publish(args[1], args[2], shard, limit, ctx.now);
    // A client publishing to a channel it listens to gets the message before the reply, as
    // in Redis, where both go to the same output buffer in that order.
    if let Some(ps) = &ctx.session.pubsub {
        let mine = ps.mailbox.take();
        ctx.pushing(|out| out.raw(&mine));
    }
    ctx.out.int(n);
    Ok(())
}

fn channels_reply(ctx: &mut Ctx<'_>, args: &[&[u8]], shard: bool) -> CmdResult {
    if args.len() > 3 {
        // Redis compatibility: PUBSUB checks this itself, echoing the subcommand as typed.
        return Err(CmdError::concat(&[
            b"ERR unknown subcommand or wrong number of arguments for '",
            c_str(args[1], 128),
            b"'. Try PUBSUB HELP.",
        ]));
    }
    let list = ctx.engine.pubsub.channels(shard, args.get(2).copied());
    ctx.out.array(list.len());
    for c in &list {
        ctx.out.bulk(c);
    }
    Ok(())
}

fn numsub_reply(ctx: &mut Ctx<'_>, args: &[&[u8]], shard: bool) -> CmdResult {
    // Redis compatibility: a flat array of channel, count pairs, in RESP3 too.
    ctx.out.array(2 * (args.len() - 2));
    for c in &args[2..] {
        ctx.out.bulk(c);
        ctx.out.int(ctx.engine.pubsub.numsub(shard, c) as i64);
    }
    Ok(())
}

/// `PUBSUB CHANNELS [pattern]`
fn pubsub_channels(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    channels_reply(ctx, args, false)
}

/// `PUBSUB SHARDCHANNELS [pattern]`
fn pubsub_shardchannels(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    channels_reply(ctx, args, true)
}

/// `PUBSUB NUMSUB [channel ...]`
fn pubsub_numsub(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    numsub_reply(ctx, args, false)
}

/// `PUBSUB SHARDNUMSUB [shardchannel ...]`
fn pubsub_shardnumsub(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    numsub_reply(ctx, args, true)
}

/// `PUBSUB NUMPAT`
fn pubsub_numpat(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    ctx.out.int(ctx.engine.pubsub.numpat() as i64);
    Ok(())
}

/// `PUBSUB HELP`
fn pubsub_help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    super::help_reply(
        ctx,
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
    Ok(())
}

fn container(_: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    Err(CmdError::concat(&[
        b"ERR unknown subcommand '",
        c_str(args.get(1).copied().unwrap_or(b""), 128),
        b"'. Try PUBSUB HELP.",
    ]))
}

/// Whether a PING in RESP2 subscribed mode answers in the subscribed form.
pub fn subscribed_ping(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> bool {
    if !ctx.session.in_resp2_subscribed_mode() || args.len() > 2 {
        return false;
    }
    ctx.out.array(2);
    ctx.out.bulk(b"pong");
    ctx.out.bulk(args.get(1).copied().unwrap_or(b""));
    true
}

/// Leaves every subscription (RESET).
pub fn reset(ctx: &mut Ctx<'_>) {
    if let Some(ps) = ctx.session.pubsub.as_mut() {
        ps.clear();
    }
}

#[rustfmt::skip]
const SUBCOMMANDS: &[Command] = &[
    cmd!("channels", -2, PUBSUB | LOADING | STALE, 0, 0, 0, [], pubsub_channels),
    cmd!("numpat", 2, PUBSUB | LOADING | STALE, 0, 0, 0, [], pubsub_numpat),
    cmd!("numsub", -2, PUBSUB | LOADING | STALE, 0, 0, 0, [], pubsub_numsub),
    cmd!("shardchannels", -2, PUBSUB | LOADING | STALE, 0, 0, 0, [], pubsub_shardchannels),
    cmd!("shardnumsub", -2, PUBSUB | LOADING | STALE, 0, 0, 0, [], pubsub_shardnumsub),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, [], pubsub_help),
];

/// The pub/sub family's rows of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    cmd!("subscribe", -2, SUBSCRIBED | PUBSUB | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], subscribe),
    cmd!("unsubscribe", -1, SUBSCRIBED | PUBSUB | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], unsubscribe),
    cmd!("psubscribe", -2, SUBSCRIBED | PUBSUB | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], psubscribe),
    cmd!("punsubscribe", -1, SUBSCRIBED | PUBSUB | NOSCRIPT | LOADING | STALE, 0, 0, 0, [], punsubscribe),
    cmd!("ssubscribe", -2, SUBSCRIBED | PUBSUB | NOSCRIPT | LOADING | STALE, 1, -1, 1, [], ssubscribe),
    cmd!("sunsubscribe", -1, SUBSCRIBED | PUBSUB | NOSCRIPT | LOADING | STALE, 1, -1, 1, [], sunsubscribe),
    cmd!("publish", 3, PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE, 0, 0, 0, [], publish),
    cmd!("spublish", 3, PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE, 1, 1, 1, [], spublish),
    Command {
        subcommands: SUBCOMMANDS,
        ..cmd!("pubsub", -2, 0, 0, 0, 0, [], container)
    },
];
