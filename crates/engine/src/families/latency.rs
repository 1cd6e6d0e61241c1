//! LATENCY: the latency monitor's events ([`crate::latency`]) and the per-command latency
//! histograms (LATEST, HISTORY, RESET, GRAPH, DOCTOR, HISTOGRAM, HELP), as Redis 7.0.

use super::help_reply;
use crate::command::{flags::*, CmdResult, Command};
use crate::error::{self, CmdError};
use crate::{cmd, Ctx};
use std::sync::atomic::Ordering::Relaxed;

/// `LATENCY LATEST`: each event's latest sample, its time and the worst ever.
fn latency_latest(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let events = ctx.engine.latency.events();
    ctx.out.array(events.len());
    for (name, s) in &events {
        let last = s.latest();
        ctx.out.array(4);
        ctx.out.bulk(name.as_bytes());
        ctx.out.int(last.time as i64);
        ctx.out.int(last.latency as i64);
        ctx.out.int(s.max as i64);
    }
    Ok(())
}

/// `LATENCY HISTORY event`: the event's samples, oldest first (none for an unknown event).
fn latency_history(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let events = ctx.engine.latency.events();
    let samples: Vec<_> = events
        .iter()
        .find(|(k, _)| k.as_bytes() == args[2])
        .map(|(_, s)| s.history().collect())
        .unwrap_or_default();
    ctx.out.array(samples.len());
    for s in samples {
        ctx.out.array(2);
        ctx.out.int(s.time as i64);
        ctx.out.int(s.latency as i64);
    }
    Ok(())
}

/// `LATENCY RESET [event ...]`: how many events were forgotten.
fn latency_reset(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let n = ctx.engine.latency.reset(&args[2..]);
    ctx.out.int(n as i64);
    Ok(())
}

/// `LATENCY GRAPH event`: an ASCII graph of the event's samples.
fn latency_graph(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let events = ctx.engine.latency.events();
    let Some((name, s)) = events.iter().find(|(k, _)| k.as_bytes() == args[2]) else {
        return Err(CmdError::concat(&[
            b"ERR No samples available for event '",
            crate::error::c_str(args[2], 128),
            b"'",
        ]));
    };
    let g = crate::latency::graph(name, s, ctx.engine.clock.now_ms() / 1000);
    ctx.out.verbatim("txt", g.as_bytes());
    Ok(())
}

/// `LATENCY DOCTOR`: a report on the events seen.
fn latency_doctor(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    let m = &ctx.engine.latency;
    let report = crate::latency::doctor(&m.events(), m.threshold());
    ctx.out.verbatim("txt", report.as_bytes());
    Ok(())
}

/// `LATENCY HISTOGRAM [command ...]`: for each command that ran (every one by default; a
/// container names its subcommands), its calls and the cumulative distribution of its
/// latencies at powers of two (µs). Unknown names are skipped, as in Redis.
fn latency_histogram(ctx: &mut Ctx<'_>, args: &[&[u8]]) -> CmdResult {
    let reg = &ctx.engine.registry;
    let mut picked: Vec<usize> = Vec::new();
    if args.len() == 2 {
        picked.extend(0..reg.entries.len());
    } else {
        for name in &args[2..] {
            let Some(i) = reg.lookup(name) else { continue };
            if reg.entries[i].cmd.subcommands.is_empty() {
                picked.push(i);
            } else {
                picked.extend(reg.children(i).map(|(c, _)| c));
            }
        }
    }
    let ran: Vec<(usize, Vec<(u64, u64)>)> = picked
        .into_iter()
        .filter_map(|i| {
            let st = &reg.entries[i].stats;
            let fine = st.fine.get()?;
            (st.calls.load(Relaxed) > 0).then(|| (i, fine.cdf_pow2_us()))
        })
        .collect();
    ctx.out.map(ran.len());
    for (i, cdf) in ran {
        let e = &reg.entries[i];
        ctx.out.bulk(e.full_name.as_bytes());
        ctx.out.map(2);
        ctx.out.bulk(b"calls");
        ctx.out.int(e.stats.calls.load(Relaxed) as i64);
        ctx.out.bulk(b"histogram_usec");
        ctx.out.map(cdf.len());
        for (us, n) in cdf {
            ctx.out.int(us as i64);
            ctx.out.int(n as i64);
        }
    }
    Ok(())
}

fn latency_help(ctx: &mut Ctx<'_>, _args: &[&[u8]]) -> CmdResult {
    help_reply(
        ctx,
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    );
    Ok(())
}

fn latency_container(_: &mut Ctx<'_>, _: &[&[u8]]) -> CmdResult {
    Err(error::SYNTAX)
}

#[rustfmt::skip]
const LATENCY: &[Command] = &[
    cmd!("reset", -2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["dangerous"], latency_reset),
    cmd!("latest", 2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["dangerous"], latency_latest),
    cmd!("history", 3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["dangerous"], latency_history),
    cmd!("histogram", -2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["dangerous"], latency_histogram),
    cmd!("doctor", 2, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["dangerous"], latency_doctor),
    cmd!("graph", 3, ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, ["dangerous"], latency_graph),
    cmd!("help", 2, LOADING | STALE, 0, 0, 0, [], latency_help),
];

/// The LATENCY row of the command table.
#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command {
        subcommands: LATENCY,
        ..cmd!("latency", -2, 0, 0, 0, 0, [], latency_container)
    },
];
