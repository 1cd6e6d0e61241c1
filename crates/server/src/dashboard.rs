//! The live dashboard on the HTTP API port: `GET /` serves a page (HTML, CSS and JS embedded in
//! the binary from `crates/server/dashboard/`) that follows `GET /v1/dashboard/events`, a
//! server-sent events stream of one [`snapshot`] a second.
//!
//! Every figure of a snapshot is read from the INFO reply ([`engine::info::render`]) and the
//! slow log, the sources INFO, SLOWLOG and `/metrics` use: nothing is counted a second way.
//! The snapshot's sections are INFO's sections with their field names; the `field=v,field=v`
//! values of `keyspace`, `commandstats`, `latencystats` and `errorstats` become objects, and
//! those sections' prefixes (`cmdstat_`, `latency_percentiles_usec_`, `errorstat_`) are dropped.
//!
//! The page loads nothing from another origin: its Content-Security-Policy is
//! [`CONTENT_SECURITY_POLICY`].

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use engine::Engine;
use serde_json::{json, Map as JsonMap, Value as Json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The page.
const INDEX_HTML: &str = include_str!("../dashboard/index.html");
/// Its script: follows the event stream and fills the page.
const APP_JS: &str = include_str!("../dashboard/app.js");
/// Its style sheet.
const STYLE_CSS: &str = include_str!("../dashboard/style.css");

/// Only this origin: no CDN, no inline script or style, no framing by another site.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// How often the event stream sends a snapshot: INFO's instantaneous figures are means over
/// 1.6 s, so a faster stream would show little more.
pub const SNAPSHOT_INTERVAL: Duration = Duration::from_secs(1);

/// The newest slow log entries a snapshot carries.
pub const SLOWLOG_ENTRIES: usize = 10;

/// INFO's sections a snapshot carries.
const SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "commandstats",
    "latencystats",
    "errorstats",
    "keyspace",
];

/// Sections whose values are `field=value,...` lists, with the prefix their fields carry.
const LIST_SECTIONS: &[(&str, &str)] = &[
    ("keyspace", ""),
    ("commandstats", "cmdstat_"),
    ("latencystats", "latency_percentiles_usec_"),
    ("errorstats", "errorstat_"),
];

/// A static asset with its type and the dashboard's security headers.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut r = (StatusCode::OK, Body::from(body)).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    secure(h);
    r
}

/// The headers every dashboard response carries.
fn secure(h: &mut axum::http::HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
}

/// `GET /`: the page.
pub async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

/// `GET /dashboard/app.js`.
pub async fn app_js() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

/// `GET /dashboard/style.css`.
pub async fn style_css() -> Response {
    asset("text/css; charset=utf-8", STYLE_CSS)
}

/// An INFO value as JSON: a number when it reads as one, else the string.
fn scalar(v: &str) -> Json {
    if let Ok(n) = v.parse::<i64>() {
        return json!(n);
    }
    match v.parse::<f64>() {
        // "inf" and "nan" parse too; JSON has no such numbers.
        Ok(f) if f.is_finite() => json!(f),
        _ => Json::String(v.to_string()),
    }
}

/// `keys=1,expires=0,avg_ttl=0` as an object.
fn pairs(v: &str) -> Json {
    let mut m = JsonMap::new();
    for part in v.split(',') {
        if let Some((k, v)) = part.split_once('=') {
            m.insert(k.to_string(), scalar(v));
        }
    }
    Json::Object(m)
}

/// The INFO sections `names` as `(section, [(field, value)])`, as INFO prints them at `now_ms`.
pub fn info_sections(
    engine: &Engine,
    names: &[&str],
    now_ms: u64,
) -> Vec<(String, Vec<(String, String)>)> {
    let args: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
    let text = engine::info::render(engine, &args, now_ms);
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.split("\r\n") {
        if let Some(header) = line.strip_prefix("# ") {
            out.push((header.to_ascii_lowercase(), Vec::new()));
        } else if let (Some((k, v)), Some(section)) = (line.split_once(':'), out.last_mut()) {
            section.1.push((k.to_string(), v.to_string()));
        }
    }
    out
}

/// One snapshot: INFO's sections (see the module docs), the newest [`SLOWLOG_ENTRIES`] slow
/// log entries and the time it was taken (`time_ms`, unix milliseconds).
pub fn snapshot(engine: &Engine) -> Json {
    let now_ms = engine.clock.now_ms();
    let mut doc = JsonMap::new();
    doc.insert("time_ms".into(), json!(now_ms));
    for (section, fields) in info_sections(engine, SECTIONS, now_ms) {
        let list = LIST_SECTIONS.iter().find(|(s, _)| *s == section);
        let mut m = JsonMap::new();
        for (k, v) in fields {
            match list {
                Some((_, prefix)) => {
                    let name = k.strip_prefix(prefix).unwrap_or(&k).to_string();
                    m.insert(name, pairs(&v));
                }
                None => {
                    m.insert(k, scalar(&v));
                }
            }
        }
        doc.insert(section, Json::Object(m));
    }
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let slowlog: Vec<Json> = engine
        .slowlog
        .get(Some(SLOWLOG_ENTRIES))
        .into_iter()
        .map(|e| {
            json!({"id": e.id, "time": e.time, "duration_us": e.duration_us,
                   "args": e.args.iter().map(|a| text(a)).collect::<Vec<_>>(),
                   "addr": e.addr, "name": text(&e.name)})
        })
        .collect();
    doc.insert(
        "slowlog".into(),
        json!({"len": engine.slowlog.len(), "entries": slowlog}),
    );
    Json::Object(doc)
}

/// `GET /v1/dashboard/snapshot`: one snapshot as JSON.
pub async fn snapshot_route(engine: axum::extract::State<Arc<Engine>>) -> Response {
    let mut r = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        snapshot(&engine).to_string(),
    )
        .into_response();
    secure(r.headers_mut());
    r
}

/// `GET /v1/dashboard/events[?count=N]`: `event: snapshot` with a snapshot as data, one at once
/// and then one every [`SNAPSHOT_INTERVAL`]; with `count`, the stream ends after N of them
/// (scripts and tests), else when the client goes away or the server shuts down.
pub async fn events(
    axum::extract::State(engine): axum::extract::State<Arc<Engine>>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let count = match q.get("count").map(|c| c.parse::<u64>()) {
        None => None,
        Some(Ok(n)) if n > 0 => Some(n),
        Some(_) => {
            return crate::http::error(
                StatusCode::BAD_REQUEST,
                "bad_parameter",
                "count must be a positive integer",
            )
        }
    };
    let stream = futures_util::stream::unfold(0u64, move |sent| {
        let engine = engine.clone();
        async move {
            if count.is_some_and(|n| sent >= n) || engine.state.shutdown_requested() {
                return None;
            }
            if sent > 0 {
                tokio::time::sleep(SNAPSHOT_INTERVAL).await;
            }
            let event = format!("event: snapshot\ndata: {}\n\n", snapshot(&engine));
            Some((
                Ok::<_, std::convert::Infallible>(Bytes::from(event)),
                sent + 1,
            ))
        }
    });
    let mut r = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(stream),
    )
        .into_response();
    secure(r.headers_mut());
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_values_become_json() {
        assert_eq!(scalar("12"), json!(12));
        assert_eq!(scalar("0.50"), json!(0.5));
        assert_eq!(scalar("1.50K"), json!("1.50K"));
        assert_eq!(scalar("inf"), json!("inf"));
        assert_eq!(scalar("nan"), json!("nan"));
        assert_eq!(scalar(""), json!(""));
        assert_eq!(
            pairs("keys=3,expires=1,avg_ttl=0"),
            json!({"keys": 3, "expires": 1, "avg_ttl": 0})
        );
        assert_eq!(
            pairs("p50=1.003,p99=2.007,p99.9=3.000"),
            json!({"p50": 1.003, "p99": 2.007, "p99.9": 3.0})
        );
    }

    #[test]
    fn a_snapshot_has_info_figures_and_the_slowlog() {
        let engine = Engine::with_defaults();
        let mut s = engine::Session::detached(&engine.clients, "test", 0, engine.clock.now_ms());
        let mut out = engine::ReplyBuf::new(false);
        engine.execute(&mut s, &[b"SET", b"k", b"v"], &mut out);
        engine.execute(
            &mut s,
            &[b"CONFIG", b"SET", b"slowlog-log-slower-than", b"0"],
            &mut out,
        );
        engine.execute(&mut s, &[b"GET", b"k"], &mut out);
        let snap = snapshot(&engine);
        assert_eq!(snap["keyspace"]["db0"]["keys"], json!(1));
        assert!(snap["stats"]["instantaneous_ops_per_sec"].is_number());
        assert!(snap["stats"]["total_commands_processed"].as_u64() >= Some(3));
        assert!(snap["memory"]["used_memory"].as_u64() > Some(0));
        assert!(snap["clients"]["connected_clients"].is_number());
        assert!(snap["persistence"]["rdb_last_save_time"].is_number());
        assert_eq!(snap["commandstats"]["get"]["calls"], json!(1));
        assert!(snap["latencystats"]["get"]["p99"].is_number(), "{snap}");
        assert_eq!(snap["slowlog"]["entries"][0]["args"], json!(["GET", "k"]));
    }
}
