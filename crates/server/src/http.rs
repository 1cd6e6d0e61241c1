//! The HTTP/JSON API and `/metrics`, on the same engine as RESP: every route runs commands
//! through [`Engine::execute`], so there is no second implementation of any command.
//!
//! # Reply to JSON mapping (RESP3 reply type -> JSON)
//! | RESP3 | JSON |
//! |---|---|
//! | simple string, verbatim string, big number | string |
//! | bulk string | string when UTF-8, else `{"base64": "..."}` |
//! | integer | number |
//! | double | number; `"inf"`, `"-inf"`, `"nan"` as strings (JSON has no such numbers) |
//! | boolean | `true` / `false` |
//! | null | `null` |
//! | array, set, push | array |
//! | map | object when every key is a UTF-8 string, else an array of `[key, value]` pairs |
//! | error | HTTP 4xx with `{"error": {"code": "WRONGTYPE", "message": "<Redis error text>"}}` |
//!
//! Command arguments in JSON are strings, numbers (sent as their decimal text) or
//! `{"base64": "..."}` for bytes that are not UTF-8. Keys in paths are percent-decoded bytes.
//!
//! # What a web page cannot do
//! A browser visiting another site may be made to send requests here (cross-site request
//! forgery), or to a name the attacker rebinds to 127.0.0.1 (DNS rebinding). So:
//! - no CORS headers are ever sent: a cross-origin script can never read a response, and
//!   anything but a "simple" request is stopped by the browser's preflight;
//! - a request with an `Origin` header from another origin than its `Host` is refused (403
//!   `cross_origin`): browsers send it on every cross-origin POST, so a simple request cannot
//!   run a command either;
//! - without a password, the `Host` must be an IP address or `localhost` (403 `bad_host`),
//!   which no rebound name is;
//! - routes that take JSON insist on `Content-Type: application/json` (415);
//! - with `protected-mode yes` and no password only loopback peers are served (403
//!   `DENIED`), as on the RESP port.
//!
//! `GET /` and `/v1/dashboard/*` are the live dashboard ([`crate::dashboard`]), behind the
//! same checks and password as every route but `/healthz`.
//!
//! Connections count against `maxclients` with RESP's; headers must arrive within
//! [`HEADER_TIMEOUT`] (also the idle limit between requests) and a body may pause at most
//! [`BODY_IDLE_TIMEOUT`] between chunks.

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use engine::{Engine, ReplyBuf, Session};
use resp::{parse_value, Value};
use serde_json::{json, Map as JsonMap, Value as Json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Every route served, as (method, OpenAPI path). The OpenAPI document and the router are both
/// checked against this list by the tests.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/dashboard/app.js"),
    ("GET", "/dashboard/style.css"),
    ("GET", "/v1/dashboard/snapshot"),
    ("GET", "/v1/dashboard/events"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/v1/openapi.json"),
    ("GET", "/v1/keys"),
    ("GET", "/v1/keys/{key}"),
    ("PUT", "/v1/keys/{key}"),
    ("DELETE", "/v1/keys/{key}"),
    ("GET", "/v1/keys/{key}/ttl"),
    ("PUT", "/v1/keys/{key}/ttl"),
    ("DELETE", "/v1/keys/{key}/ttl"),
    ("POST", "/v1/command"),
    ("POST", "/v1/pipeline"),
    ("GET", "/v1/subscribe"),
    ("POST", "/v1/publish/{channel}"),
];

type Shared = Arc<Engine>;
type Params = Query<HashMap<String, String>>;

/// The router of the HTTP API.
pub fn router(engine: Shared) -> Router {
    // Redis compatibility: a body may be as large as a bulk string may be.
    let limit = usize::try_from(engine.config.proto_max_bulk_len()).unwrap_or(usize::MAX);
    Router::new()
        .route("/", get(crate::dashboard::index))
        .route("/dashboard/app.js", get(crate::dashboard::app_js))
        .route("/dashboard/style.css", get(crate::dashboard::style_css))
        .route(
            "/v1/dashboard/snapshot",
            get(crate::dashboard::snapshot_route),
        )
        .route("/v1/dashboard/events", get(crate::dashboard::events))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/keys", get(scan_keys))
        .route(
            "/v1/keys/{key}",
            get(get_key).put(put_key).delete(delete_key),
        )
        .route(
            "/v1/keys/{key}/ttl",
            get(get_ttl).put(put_ttl).delete(delete_ttl),
        )
        .route("/v1/command", post(command))
        .route("/v1/pipeline", post(pipeline))
        .route("/v1/subscribe", get(subscribe))
        .route("/v1/publish/{channel}", post(publish))
        // Every route above needs the password when one is set; /healthz (added after the
        // layer) never does, so a load balancer can probe without credentials.
        .route_layer(middleware::from_fn_with_state(engine.clone(), require_auth))
        .route_layer(middleware::from_fn_with_state(engine.clone(), guard))
        .route("/healthz", get(healthz))
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(timed_body))
        .with_state(engine)
}

/// How long a client may take to send a request's headers, and how long a connection may sit
/// idle between requests.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request body may pause between two chunks.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// The addresses of the connection a request came on.
#[derive(Clone, Copy, Debug)]
struct Peer {
    addr: std::net::SocketAddr,
}

/// Serves the API (or only /metrics) on `listener` until the task is dropped: one task per
/// connection, each admitted against `maxclients` and held to [`HEADER_TIMEOUT`]. With `tls`
/// (`http-tls yes`) each connection is HTTPS: the same certificate, key, CA and
/// `tls-auth-clients` as `tls-port`, reloaded by CONFIG SET as theirs are.
pub async fn serve(
    engine: Shared,
    listener: tokio::net::TcpListener,
    role: crate::HttpRole,
    tls: Option<Arc<crate::tls::Tls>>,
) {
    let app = match role {
        crate::HttpRole::Api => router(engine.clone()),
        crate::HttpRole::Metrics => Router::new()
            .route("/metrics", get(metrics))
            .route_layer(middleware::from_fn_with_state(engine.clone(), require_auth))
            .route_layer(middleware::from_fn_with_state(engine.clone(), guard))
            .fallback(no_route)
            .with_state(engine.clone()),
    };
    loop {
        let (mut stream, addr) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("HTTP accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let Some(slot) = crate::admit(&engine, &stream) else {
            tokio::spawn(async move {
                use tokio::io::AsyncWriteExt;
                let _ = stream.write_all(TOO_MANY_CLIENTS).await;
            });
            continue;
        };
        engine
            .stats
            .connections
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _slot = slot;
            match tls {
                Some(tls) => {
                    let peer = addr.to_string();
                    if let Some(stream) = crate::tls::handshake(&tls, stream, &peer).await {
                        serve_connection(app, addr, stream).await;
                    }
                }
                None => serve_connection(app, addr, stream).await,
            }
        });
    }
}

/// Serves HTTP/1.1 requests on one connection (plain or TLS) until it closes.
async fn serve_connection<S>(app: Router, addr: std::net::SocketAddr, stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(Peer { addr });
        let mut app = app.clone();
        async move { tower_service::Service::call(&mut app, req).await }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
    if let Err(e) = conn.await {
        tracing::debug!("HTTP connection from {addr}: {e}");
    }
}

/// The answer on a connection past `maxclients`, before it is closed.
const TOO_MANY_CLIENTS: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: 79\r\n\r\n{\"error\":{\"code\":\"max_clients\",\"message\":\"max number of clients reached\"}}\n";

/// Replaces the request body by one that fails when the client pauses longer than
/// [`BODY_IDLE_TIMEOUT`] between chunks (a body trickled byte by byte holds nothing for long).
async fn timed_body(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let chunks = body.into_data_stream();
    let timed = futures_util::stream::unfold(Some(chunks), |state| async move {
        let mut chunks = state?;
        match tokio::time::timeout(
            BODY_IDLE_TIMEOUT,
            futures_util::StreamExt::next(&mut chunks),
        )
        .await
        {
            Ok(Some(item)) => Some((item, Some(chunks))),
            Ok(None) => None,
            Err(_) => Some((Err(axum::Error::new("request body timed out")), None)),
        }
    });
    next.run(Request::from_parts(parts, Body::from_stream(timed)))
        .await
}

/// The checks every route but /healthz makes before anything else (see the module docs):
/// protected mode, the `Host` of a request without a password, a foreign `Origin`.
async fn guard(State(engine): State<Shared>, req: Request, next: Next) -> Response {
    let no_password = engine::families::acl::default_is_open(&engine);
    if no_password && engine.config.values().protected_mode {
        let remote = req
            .extensions()
            .get::<Peer>()
            .is_some_and(|p| !p.addr.ip().is_loopback());
        if remote {
            return error(
                StatusCode::FORBIDDEN,
                "DENIED",
                "ferrokv is running in protected mode because protected mode is enabled and no \
                 password is set for the default user. In this mode connections are only \
                 accepted from the loopback interface. Set a password (requirepass) or disable \
                 protected mode to accept remote clients.",
            );
        }
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    if no_password && host.is_some_and(|h| !host_is_address(h)) {
        return error(
            StatusCode::FORBIDDEN,
            "bad_host",
            "without a password, requests must name the server by IP address or localhost",
        );
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let same = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .is_some_and(|(_, o)| host.is_some_and(|h| o.eq_ignore_ascii_case(h)));
        if !same {
            return error(
                StatusCode::FORBIDDEN,
                "cross_origin",
                "requests from another origin are refused",
            );
        }
    }
    next.run(req).await
}

/// True when a `Host` header names an IP address or localhost: a name that DNS rebinding
/// can point at 127.0.0.1 is neither.
fn host_is_address(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [v6]:port
        return rest
            .split_once(']')
            .is_some_and(|(ip, _)| ip.parse::<std::net::Ipv6Addr>().is_ok());
    } else {
        host.rsplit_once(':').map_or(host, |(n, _)| n)
    };
    let name = name.trim_end_matches('.');
    name.parse::<std::net::Ipv4Addr>().is_ok()
        || name.eq_ignore_ascii_case("localhost")
        || name.to_ascii_lowercase().ends_with(".localhost")
}

/// Routes that take JSON refuse other content types (415): a browser's simple requests
/// (`text/plain`, forms) never pass.
fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
    if json {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the command as Content-Type: application/json",
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// An API error: a status and the JSON body `{"error": {"code", "message"}}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: &str) -> ApiError {
        ApiError {
            status,
            code: code.to_string(),
            message: message.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error(self.status, &self.code, &self.message)
    }
}

/// A JSON error body with a status.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"error": {"code": code, "message": message}});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn json_response(status: StatusCode, body: Json) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The HTTP status for a Redis error reply.
fn error_status(code: &str) -> StatusCode {
    match code {
        "WRONGTYPE" | "EXECABORT" => StatusCode::CONFLICT,
        "NOAUTH" | "WRONGPASS" => StatusCode::UNAUTHORIZED,
        "NOPERM" => StatusCode::FORBIDDEN,
        "LOADING" | "BUSY" | "MISCONF" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn redis_error(text: &str) -> Response {
    let code = text.split(' ').next().unwrap_or("ERR");
    error(error_status(code), code, text)
}

/// A session for one request (a pipeline shares one, so MULTI ... EXEC works inside it).
fn session(engine: &Engine, db: usize) -> Session {
    let s = Session::detached(&engine.clients, "http", db, engine.clock.now_ms());
    if let Ok(user) = HTTP_USER.try_with(|u| u.clone()) {
        s.client.set_user(&user);
    }
    s
}

/// Runs one command in database `db` and decodes its RESP3 reply, once it may be sent.
async fn run(engine: &Engine, db: usize, args: &[&[u8]]) -> Value {
    run_in(engine, &mut session(engine, db), args).await
}

/// Runs one command and decodes its reply, sent once its ticket is durable (as a RESP reply
/// is): a write that cannot be made durable is answered with the error instead.
async fn run_in(engine: &Engine, session: &mut Session, args: &[&[u8]]) -> Value {
    let (value, called) = exec(engine, session, args);
    match engine.keyspace.log.settle(called.ticket).await {
        Err(engine::propagate::NotDurable(why)) if called.wrote => Value::Error(why),
        _ => value,
    }
}

/// Runs one command and decodes its reply, without waiting for durability (the caller
/// settles the call's ticket).
fn exec(engine: &Engine, session: &mut Session, args: &[&[u8]]) -> (Value, engine::Called) {
    let mut out = ReplyBuf::new(session.resp3);
    let called = engine.execute(session, args, &mut out);
    let value = match parse_value(&out.buf) {
        Ok((v, _)) => v,
        Err(_) => Value::Error("ERR internal error: undecodable reply".into()),
    };
    (value, called)
}

/// Percent-decodes a raw path segment into bytes (binary-safe keys).
fn percent_decode(s: &str) -> Result<Vec<u8>, ApiError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(v) => out.push(v),
                None => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_key",
                        "invalid percent-encoding in key",
                    ))
                }
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// The `{key}` segment of `/v1/keys/{key}[/ttl]`, taken from the raw path and percent-decoded
/// once into bytes (axum's own extractors insist on UTF-8, and keys are binary).
fn key_param(uri: &Uri) -> Result<Vec<u8>, ApiError> {
    let path = uri.path();
    let rest = path
        .strip_prefix("/v1/keys/")
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "bad_key", "missing key"))?;
    let raw = rest.strip_suffix("/ttl").unwrap_or(rest);
    percent_decode(raw)
}

/// A query flag: present without value, `true` or `1` is on; `false` or `0` is off.
fn flag(q: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match q.get(name).map(|s| s.as_str()) {
        None => Ok(false),
        Some("" | "true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(other) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            &format!("{name} must be true, false, 1 or 0, not '{other}'"),
        )),
    }
}

fn positive_int(q: &HashMap<String, String>, name: &str) -> Result<Option<u64>, ApiError> {
    match q.get(name) {
        None => Ok(None),
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_parameter",
                &format!("{name} must be a positive integer"),
            )),
        },
    }
}

fn db_param(engine: &Engine, q: &HashMap<String, String>) -> Result<usize, ApiError> {
    match q.get("db") {
        None => Ok(0),
        Some(v) => match v.parse::<usize>() {
            Ok(d) if d < engine.keyspace.databases() => Ok(d),
            _ => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_parameter",
                "db is out of range",
            )),
        },
    }
}

/// A binary-safe string as JSON.
fn bytes_json(b: &[u8]) -> Json {
    match std::str::from_utf8(b) {
        Ok(s) => Json::String(s.to_string()),
        Err(_) => json!({ "base64": B64.encode(b) }),
    }
}

/// The documented reply mapping (see the module docs).
pub fn reply_json(v: &Value) -> Json {
    match v {
        Value::Simple(s) | Value::BigNumber(s) => Json::String(s.clone()),
        Value::Error(e) => {
            json!({"error": {"code": e.split(' ').next().unwrap_or("ERR"), "message": e}})
        }
        Value::Int(n) => json!(n),
        Value::Bulk(b) => bytes_json(b),
        Value::Verbatim(_, b) => bytes_json(b),
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Double(text) => match text.parse::<f64>() {
            Ok(d) if d.is_finite() => json!(d),
            _ => Json::String(text.clone()),
        },
        Value::Array(items) | Value::Set(items) | Value::Push(items) => {
            Json::Array(items.iter().map(reply_json).collect())
        }
        Value::Map(pairs) => {
            let all_strings = pairs.iter().all(|(k, _)| match k {
                Value::Simple(_) => true,
                Value::Bulk(b) => std::str::from_utf8(b).is_ok(),
                _ => false,
            });
            if all_strings {
                let mut m = JsonMap::new();
                for (k, v) in pairs {
                    let key = match k {
                        Value::Simple(s) => s.clone(),
                        Value::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                        _ => unreachable!("checked above"),
                    };
                    m.insert(key, reply_json(v));
                }
                Json::Object(m)
            } else {
                Json::Array(
                    pairs
                        .iter()
                        .map(|(k, v)| Json::Array(vec![reply_json(k), reply_json(v)]))
                        .collect(),
                )
            }
        }
    }
}

/// A command from JSON: an array of strings, numbers or `{"base64": "..."}`, decoded straight
/// into argument bytes (no JSON value tree in between, so a large body costs about its size).
struct JsonCommand(Vec<Vec<u8>>);

/// A pipeline from JSON: an array of commands.
struct JsonPipeline(Vec<Vec<Vec<u8>>>);

const COMMAND_SHAPE: &str = "a command is a JSON array such as [\"SET\", \"k\", \"v\"]";
const ARG_SHAPE: &str = "arguments must be strings, numbers or {\"base64\": \"...\"}";

struct Arg(Vec<u8>);

impl<'de> serde::Deserialize<'de> for Arg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Arg;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(ARG_SHAPE)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Arg, E> {
                Ok(Arg(v.as_bytes().to_vec()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Arg, E> {
                Ok(Arg(v.into_bytes()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Arg, E> {
                Ok(Arg(v.to_string().into_bytes()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Arg, E> {
                Ok(Arg(v.to_string().into_bytes()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Arg, E> {
                // As serde_json prints the number.
                serde_json::Number::from_f64(v)
                    .map(|n| Arg(n.to_string().into_bytes()))
                    .ok_or_else(|| E::custom(ARG_SHAPE))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Arg, A::Error> {
                let shape =
                    || serde::de::Error::custom("an object argument must be {\"base64\": \"...\"}");
                let Some(key) = m.next_key::<String>()? else {
                    return Err(shape());
                };
                if key != "base64" {
                    return Err(shape());
                }
                let text: String = m.next_value()?;
                if m.next_key::<String>()?.is_some() {
                    return Err(shape());
                }
                B64.decode(text)
                    .map(Arg)
                    .map_err(|e| serde::de::Error::custom(format!("invalid base64: {e}")))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> serde::Deserialize<'de> for JsonCommand {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = JsonCommand;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(COMMAND_SHAPE)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<JsonCommand, A::Error> {
                // The hint comes from the client: capped, the vector grows as items arrive.
                let mut args = Vec::with_capacity(s.size_hint().unwrap_or(0).min(1024));
                while let Some(Arg(a)) = s.next_element()? {
                    args.push(a);
                }
                if args.is_empty() {
                    return Err(serde::de::Error::custom(
                        "a command needs at least its name",
                    ));
                }
                Ok(JsonCommand(args))
            }
        }
        d.deserialize_seq(V)
    }
}

impl<'de> serde::Deserialize<'de> for JsonPipeline {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = JsonPipeline;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a pipeline is a JSON array of commands")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<JsonPipeline, A::Error> {
                let mut cmds = Vec::new();
                loop {
                    match s.next_element::<JsonCommand>() {
                        Ok(Some(JsonCommand(c))) => cmds.push(c),
                        Ok(None) => return Ok(JsonPipeline(cmds)),
                        Err(e) => {
                            return Err(serde::de::Error::custom(format!(
                                "command {}: {e}",
                                cmds.len()
                            )))
                        }
                    }
                }
            }
        }
        d.deserialize_seq(V)
    }
}

/// Decodes a JSON body: malformed JSON is `bad_json`, JSON of the wrong shape `bad_command`.
/// The database and the decoded JSON body of a route that takes JSON (the body is dropped once
/// decoded: only the arguments stay).
fn json_request<T: serde::de::DeserializeOwned>(
    engine: &Engine,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(usize, T), ApiError> {
    let db = db_param(engine, q)?;
    require_json(headers)?;
    Ok((db, parse_json_body(&body)?))
}

fn parse_json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        let (code, what) = match e.classify() {
            serde_json::error::Category::Data => ("bad_command", "invalid command"),
            _ => ("bad_json", "invalid JSON"),
        };
        ApiError::new(StatusCode::BAD_REQUEST, code, &format!("{what}: {e}"))
    })
}

/// A reply as the JSON of `/v1/command` and `/v1/pipeline`: `{"reply": ...}` or
/// `{"error": {...}}`, with the error text when it is one.
fn reply_body(v: Value) -> (Option<String>, Json) {
    match v {
        Value::Error(e) => {
            let body = reply_json(&Value::Error(e.clone()));
            (Some(e), body)
        }
        v => (None, json!({ "reply": reply_json(&v) })),
    }
}

fn argv(cmd: &[Vec<u8>]) -> Vec<&[u8]> {
    cmd.iter().map(|a| a.as_slice()).collect()
}

// ---------------------------------------------------------------------------------------------
// Authentication

tokio::task_local! {
    /// The ACL user a request authenticated as: its commands run with that user's permissions.
    static HTTP_USER: String;
}

/// Requests authenticate as ACL users: `Authorization: Basic <base64 of user:password>` (an
/// empty user is `default`) or `Authorization: Bearer <password>` (the `default` user's).
/// Without a header a request is the `default` user's, when that user needs no password.
/// Every command a request runs is then checked against its user's permissions in the call
/// path, as on the RESP port; `/metrics` and the dashboard read server figures directly, so
/// they need a user that may run `INFO`.
async fn require_auth(State(engine): State<Shared>, req: Request, next: Next) -> Response {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let user = match header {
        Some(h) => credentials_ok(&engine, h),
        None => engine::families::acl::default_is_open(&engine).then(|| "default".to_string()),
    };
    if let Some(user) = user {
        let path = req.uri().path();
        let reads_info = path == "/"
            || path == "/metrics"
            || path.starts_with("/dashboard/")
            || path.starts_with("/v1/dashboard/");
        if reads_info && !may_run(&engine, &user, &[b"info"]) {
            return error(
                StatusCode::FORBIDDEN,
                "NOPERM",
                "this user has no permissions to run the 'info' command",
            );
        }
        return HTTP_USER.scope(user, next.run(req)).await;
    }
    let mut r = error(
        StatusCode::UNAUTHORIZED,
        "NOAUTH",
        "Authentication required: send Authorization: Bearer <password>, or Basic with user \
         default (or empty) and the password.",
    );
    // One challenge per header: browsers take the Basic one and prompt for the password (the
    // dashboard at / is used that way); Basic comes first because some clients read only the
    // first header.
    for challenge in ["Basic realm=\"ferrokv\"", "Bearer realm=\"ferrokv\""] {
        r.headers_mut().append(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static(challenge),
        );
    }
    r
}

/// The user `header` authenticates, if it does (passwords compared as hashes, in constant
/// time).
fn credentials_ok(engine: &Engine, header: &str) -> Option<String> {
    let (user, password) = if let Some(token) = header.strip_prefix("Bearer ") {
        ("default".to_string(), token.trim().as_bytes().to_vec())
    } else {
        let encoded = header.strip_prefix("Basic ")?;
        let decoded = B64.decode(encoded.trim()).ok()?;
        let colon = decoded.iter().position(|&c| c == b':')?;
        let user = String::from_utf8_lossy(&decoded[..colon]).into_owned();
        let user = if user.is_empty() {
            "default".to_string()
        } else {
            user
        };
        (user, decoded[colon + 1..].to_vec())
    };
    engine
        .acl
        .get(&user)
        .is_some_and(|u| u.accepts(&password))
        .then_some(user)
}

/// Whether `user` may run `args`.
fn may_run(engine: &Engine, user: &str, args: &[&[u8]]) -> bool {
    engine
        .acl
        .get(user)
        .is_some_and(|u| u.may_run(&engine.registry, args))
}

// ---------------------------------------------------------------------------------------------
// Handlers

async fn healthz() -> Response {
    json_response(StatusCode::OK, json!({"status": "ok"}))
}

async fn readyz(State(engine): State<Shared>) -> Response {
    if engine.state.shutdown_requested() {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is shutting down",
        );
    }
    json_response(StatusCode::OK, json!({"status": "ready"}))
}

async fn metrics(State(engine): State<Shared>) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::metrics::render(&engine),
    )
        .into_response()
}

async fn openapi(State(engine): State<Shared>) -> Response {
    json_response(
        StatusCode::OK,
        openapi_document(engine.keyspace.databases()),
    )
}

async fn no_route(req: Request) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no_route",
        &format!("no route for {} {}", req.method(), req.uri().path()),
    )
}

async fn method_not_allowed(req: Request) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &format!("{} is not allowed on {}", req.method(), req.uri().path()),
    )
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "no such key")
}

async fn get_key(
    State(engine): State<Shared>,
    uri: Uri,
    Query(q): Params,
    headers: HeaderMap,
) -> Response {
    let key = match key_param(&uri) {
        Ok(k) => k,
        Err(r) => return r.into_response(),
    };
    let db = match db_param(&engine, &q) {
        Ok(d) => d,
        Err(r) => return r.into_response(),
    };
    match run(&engine, db, &[b"GET", &key]).await {
        Value::Null => not_found(),
        Value::Error(e) => redis_error(&e),
        Value::Bulk(value) => {
            if !wants_json(&headers) {
                return (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/octet-stream")],
                    Body::from(value),
                )
                    .into_response();
            }
            let ttl = match run(&engine, db, &[b"PTTL", &key]).await {
                Value::Int(n) if n >= 0 => json!(n),
                _ => Json::Null,
            };
            json_response(
                StatusCode::OK,
                json!({"key": bytes_json(&key), "value": bytes_json(&value), "ttl_ms": ttl}),
            )
        }
        other => json_response(StatusCode::OK, reply_json(&other)),
    }
}

async fn put_key(
    State(engine): State<Shared>,
    uri: Uri,
    Query(q): Params,
    body: Bytes,
) -> Response {
    let key = match key_param(&uri) {
        Ok(k) => k,
        Err(r) => return r.into_response(),
    };
    let parsed = (|| {
        Ok::<_, ApiError>((
            db_param(&engine, &q)?,
            flag(&q, "nx")?,
            flag(&q, "xx")?,
            positive_int(&q, "ttl")?,
            positive_int(&q, "ttl_ms")?,
        ))
    })();
    let (db, nx, xx, ttl, ttl_ms) = match parsed {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    if nx && xx {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            "nx and xx exclude each other",
        );
    }
    if ttl.is_some() && ttl_ms.is_some() {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            "give ttl or ttl_ms, not both",
        );
    }
    let mut args: Vec<Vec<u8>> = vec![b"SET".to_vec(), key, body.to_vec()];
    if let Some(s) = ttl {
        args.extend([b"EX".to_vec(), s.to_string().into_bytes()]);
    }
    if let Some(ms) = ttl_ms {
        args.extend([b"PX".to_vec(), ms.to_string().into_bytes()]);
    }
    if nx {
        args.push(b"NX".to_vec());
    }
    if xx {
        args.push(b"XX".to_vec());
    }
    // GET tells created from replaced atomically: the old value, or null when there was none.
    args.push(b"GET".to_vec());
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
    let reply = match run(&engine, db, &argv).await {
        Value::Error(e) if e.starts_with("WRONGTYPE") && !nx && !xx => {
            // Replacing a value of another type: SET without GET, which always succeeds.
            match run(&engine, db, &argv[..argv.len() - 1]).await {
                Value::Error(e) => return redis_error(&e),
                _ => return json_response(StatusCode::OK, json!({"created": false})),
            }
        }
        Value::Error(e) => return redis_error(&e),
        v => v,
    };
    let existed = !matches!(reply, Value::Null);
    if (nx && existed) || (xx && !existed) {
        let why = if nx {
            "the key exists (nx)"
        } else {
            "the key does not exist (xx)"
        };
        return error(StatusCode::CONFLICT, "condition_failed", why);
    }
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    json_response(status, json!({"created": !existed}))
}

async fn delete_key(State(engine): State<Shared>, uri: Uri, Query(q): Params) -> Response {
    let (key, db) = match key_param(&uri).and_then(|k| Ok((k, db_param(&engine, &q)?))) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    match run(&engine, db, &[b"DEL", &key]).await {
        Value::Int(1) => StatusCode::NO_CONTENT.into_response(),
        Value::Error(e) => redis_error(&e),
        _ => not_found(),
    }
}

async fn scan_keys(State(engine): State<Shared>, Query(q): Params) -> Response {
    let db = match db_param(&engine, &q) {
        Ok(d) => d,
        Err(r) => return r.into_response(),
    };
    let mut args: Vec<Vec<u8>> = vec![
        b"SCAN".to_vec(),
        q.get("cursor").cloned().unwrap_or("0".into()).into_bytes(),
    ];
    for (param, opt) in [("match", "MATCH"), ("count", "COUNT"), ("type", "TYPE")] {
        if let Some(v) = q.get(param) {
            args.extend([opt.as_bytes().to_vec(), v.clone().into_bytes()]);
        }
    }
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
    match run(&engine, db, &argv).await {
        Value::Array(parts) if parts.len() == 2 => {
            let cursor = match &parts[0] {
                Value::Bulk(c) => String::from_utf8_lossy(c).into_owned(),
                _ => "0".into(),
            };
            json_response(
                StatusCode::OK,
                json!({"cursor": cursor, "keys": reply_json(&parts[1])}),
            )
        }
        Value::Error(e) => redis_error(&e),
        other => json_response(StatusCode::OK, reply_json(&other)),
    }
}

async fn get_ttl(State(engine): State<Shared>, uri: Uri, Query(q): Params) -> Response {
    let (key, db) = match key_param(&uri).and_then(|k| Ok((k, db_param(&engine, &q)?))) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    match run(&engine, db, &[b"PTTL", &key]).await {
        Value::Int(-2) => not_found(),
        Value::Int(-1) => json_response(StatusCode::OK, json!({"ttl_ms": null})),
        Value::Int(n) => json_response(StatusCode::OK, json!({"ttl_ms": n})),
        Value::Error(e) => redis_error(&e),
        other => json_response(StatusCode::OK, reply_json(&other)),
    }
}

async fn put_ttl(State(engine): State<Shared>, uri: Uri, Query(q): Params) -> Response {
    let parsed = key_param(&uri).and_then(|k| {
        Ok((
            k,
            db_param(&engine, &q)?,
            positive_int(&q, "ttl")?,
            positive_int(&q, "ttl_ms")?,
        ))
    });
    let (key, db, ttl, ttl_ms) = match parsed {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let ms = match (ttl, ttl_ms) {
        (Some(s), None) => s.checked_mul(1000),
        (None, Some(ms)) => Some(ms),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "bad_parameter",
                "give exactly one of ttl or ttl_ms",
            )
        }
    };
    let Some(ms) = ms.filter(|&m| m <= i64::MAX as u64) else {
        return error(StatusCode::BAD_REQUEST, "bad_parameter", "ttl is too large");
    };
    match run(&engine, db, &[b"PEXPIRE", &key, ms.to_string().as_bytes()]).await {
        Value::Int(1) => json_response(StatusCode::OK, json!({"ttl_ms": ms})),
        Value::Error(e) => redis_error(&e),
        _ => not_found(),
    }
}

async fn delete_ttl(State(engine): State<Shared>, uri: Uri, Query(q): Params) -> Response {
    let (key, db) = match key_param(&uri).and_then(|k| Ok((k, db_param(&engine, &q)?))) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    match run(&engine, db, &[b"PERSIST", &key]).await {
        Value::Int(1) => StatusCode::NO_CONTENT.into_response(),
        Value::Error(e) => redis_error(&e),
        _ => match run(&engine, db, &[b"EXISTS", &key]).await {
            Value::Int(1) => StatusCode::NO_CONTENT.into_response(),
            _ => not_found(),
        },
    }
}

async fn command(
    State(engine): State<Shared>,
    Query(q): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (db, JsonCommand(cmd)) = match json_request(&engine, &q, &headers, body) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let reply = run_in(&engine, &mut session(&engine, db), &argv(&cmd)).await;
    match reply_body(reply) {
        (Some(e), _) => redis_error(&e),
        (None, body) => json_response(StatusCode::OK, body),
    }
}

async fn pipeline(
    State(engine): State<Shared>,
    Query(q): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (db, JsonPipeline(cmds)) = match json_request(&engine, &q, &headers, body) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    // The commands run in order, then the response waits once, for the last ticket; writes
    // whose records could not be made durable are answered with the error.
    let mut s = session(&engine, db);
    let mut ticket = 0;
    let mut replies = Vec::with_capacity(cmds.len());
    for c in &cmds {
        let (v, called) = exec(&engine, &mut s, &argv(c));
        ticket = ticket.max(called.ticket);
        replies.push((v, called.wrote));
    }
    let failed = engine.keyspace.log.settle(ticket).await.err();
    let replies: Vec<Json> = replies
        .into_iter()
        .map(|(v, wrote)| match &failed {
            Some(engine::propagate::NotDurable(why)) if wrote => {
                reply_body(Value::Error(why.clone())).1
            }
            _ => reply_body(v).1,
        })
        .collect();
    json_response(StatusCode::OK, Json::Array(replies))
}

/// `GET /v1/subscribe?channel=a&channel=b&pattern=n*`: a server-sent events stream of the
/// messages (`event: message` or `pmessage`, data `{"channel", "message"[, "pattern"]}`).
/// The subscriptions end when the client disconnects.
async fn subscribe(State(engine): State<Shared>, uri: Uri) -> Response {
    let mut channels = Vec::new();
    let mut patterns = Vec::new();
    for pair in uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = match percent_decode(&value.replace('+', " ")) {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        };
        match name {
            "channel" => channels.push(value),
            "pattern" => patterns.push(value),
            _ => {}
        }
    }
    if channels.is_empty() && patterns.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            "give at least one channel or pattern",
        );
    }
    let mut session = session(&engine, 0);
    let wake = Arc::new(tokio::sync::Notify::new());
    let waker = wake.clone();
    session
        .client
        .set_waker(Box::new(move || waker.notify_one()));
    for (cmd, names) in [
        (&b"SUBSCRIBE"[..], &channels),
        (&b"PSUBSCRIBE"[..], &patterns),
    ] {
        if !names.is_empty() {
            let mut args: Vec<&[u8]> = vec![cmd];
            args.extend(names.iter().map(|n| n.as_slice()));
            run_in(&engine, &mut session, &args).await;
        }
    }
    // The stream owns the session: dropping it (client gone) unsubscribes. What the mailbox
    // held is turned into events in one pass; the mailbox itself is bounded by the pub/sub
    // output limit while this stream is not polled (a client that stops reading is dropped).
    let events = futures_util::stream::unfold((session, wake), |(session, wake)| async move {
        loop {
            if session.client.is_killed() {
                return None;
            }
            let pending = session
                .pubsub
                .as_ref()
                .map(|p| p.mailbox.take())
                .unwrap_or_default();
            if pending.is_empty() {
                wake.notified().await;
                continue;
            }
            let mut batch = Vec::new();
            let mut at = 0;
            while let Ok((value, used)) = parse_value(&pending[at..]) {
                at += used;
                if let Some(event) = sse_event(&value) {
                    batch.extend_from_slice(&event);
                }
            }
            if !batch.is_empty() {
                return Some((
                    Ok::<_, std::convert::Infallible>(Bytes::from(batch)),
                    (session, wake),
                ));
            }
        }
    });
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(events),
    )
        .into_response()
}

/// One pub/sub push as a server-sent event.
fn sse_event(v: &Value) -> Option<Bytes> {
    let Value::Push(parts) = v else { return None };
    let text = |i: usize| match parts.get(i) {
        Some(Value::Bulk(b)) => Some(bytes_json(b)),
        _ => None,
    };
    let (kind, data) = match parts.first() {
        Some(Value::Bulk(k)) if k == b"message" => {
            ("message", json!({"channel": text(1)?, "message": text(2)?}))
        }
        Some(Value::Bulk(k)) if k == b"pmessage" => (
            "pmessage",
            json!({"pattern": text(1)?, "channel": text(2)?, "message": text(3)?}),
        ),
        _ => return None,
    };
    Some(Bytes::from(format!("event: {kind}\ndata: {data}\n\n")))
}

/// `POST /v1/publish/{channel}`: the body is the message; replies `{"receivers": n}`.
async fn publish(State(engine): State<Shared>, uri: Uri, body: Bytes) -> Response {
    let raw = uri.path().strip_prefix("/v1/publish/").unwrap_or("");
    let channel = match percent_decode(raw) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    match run(&engine, 0, &[b"PUBLISH", &channel, &body]).await {
        Value::Int(n) => json_response(StatusCode::OK, json!({"receivers": n})),
        Value::Error(e) => redis_error(&e),
        other => json_response(StatusCode::OK, reply_json(&other)),
    }
}

// ---------------------------------------------------------------------------------------------
// OpenAPI

fn key_path_param() -> Json {
    json!({"name": "key", "in": "path", "required": true,
           "description": "The key, percent-encoded; any bytes.", "schema": {"type": "string"}})
}

fn query_param(name: &str, description: &str, schema: Json) -> Json {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn db_query(databases: usize) -> Json {
    query_param(
        "db",
        "Database index (default 0).",
        json!({"type": "integer", "minimum": 0, "maximum": databases.saturating_sub(1)}),
    )
}

fn err_response(description: &str) -> Json {
    json!({"description": description,
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn flag_schema() -> Json {
    json!({"type": "string", "enum": ["", "true", "false", "1", "0"]})
}

/// The OpenAPI 3 document describing [`ROUTES`] for a server with `databases` databases.
pub fn openapi_document(databases: usize) -> Json {
    let command_body = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Command"}}}});
    json!({
        "openapi": "3.0.3",
        "info": {"title": "ferrokv HTTP API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Key-value access and any Redis command over HTTP. Replies map to JSON as documented in crates/server/src/http.rs."},
        "paths": {
            "/": {"get": {"operationId": "dashboard", "summary": "The live dashboard (HTML page).",
                "responses": {"200": {"description": "The page; its script follows /v1/dashboard/events.",
                    "content": {"text/html": {"schema": {"type": "string"}}}}}}},
            "/dashboard/app.js": {"get": {"operationId": "dashboardScript", "summary": "The dashboard's script.",
                "responses": {"200": {"description": "JavaScript.",
                    "content": {"text/javascript": {"schema": {"type": "string"}}}}}}},
            "/dashboard/style.css": {"get": {"operationId": "dashboardStyle", "summary": "The dashboard's style sheet.",
                "responses": {"200": {"description": "CSS.",
                    "content": {"text/css": {"schema": {"type": "string"}}}}}}},
            "/v1/dashboard/snapshot": {"get": {"operationId": "dashboardSnapshot",
                "summary": "The dashboard's figures now: INFO's sections, the newest slow log entries.",
                "responses": {"200": {"description": "One snapshot.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Snapshot"}}}}}}},
            "/v1/dashboard/events": {"get": {"operationId": "dashboardEvents",
                "summary": "Server-sent events: event: snapshot, data: a snapshot, once a second.",
                "parameters": [query_param("count", "End the stream after this many snapshots (default: never).",
                    json!({"type": "integer", "minimum": 1}))],
                "responses": {"200": {"description": "event: snapshot, data: a Snapshot as JSON.",
                    "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                    "400": err_response("count is not a positive integer.")}}},
            "/healthz": {"get": {"operationId": "healthz", "summary": "Liveness.",
                "responses": {"200": {"description": "The process serves requests."}}}},
            "/readyz": {"get": {"operationId": "readyz", "summary": "Readiness.",
                "responses": {"200": {"description": "Ready."}, "503": err_response("Loading or shutting down.")}}},
            "/metrics": {"get": {"operationId": "metrics", "summary": "Prometheus metrics.",
                "responses": {"200": {"description": "Prometheus text format 0.0.4.",
                    "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/v1/openapi.json": {"get": {"operationId": "openapi", "summary": "This document.",
                "responses": {"200": {"description": "OpenAPI 3 document.",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/v1/keys": {"get": {"operationId": "scanKeys", "summary": "Iterate key names (SCAN).",
                "parameters": [
                    query_param("cursor", "Cursor from the previous call; 0 starts.", json!({"type": "string"})),
                    query_param("match", "Glob pattern.", json!({"type": "string"})),
                    query_param("count", "Work hint per call.", json!({"type": "integer", "minimum": 1})),
                    query_param("type", "Only keys of this type.", json!({"type": "string"})),
                    db_query(databases)],
                "responses": {"200": {"description": "A page of keys; iteration ends when cursor is \"0\".",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ScanPage"}}}},
                    "400": err_response("Invalid cursor or parameters.")}}},
            "/v1/keys/{key}": {
                "get": {"operationId": "getKey", "summary": "Read a value.",
                    "parameters": [key_path_param(), db_query(databases)],
                    "responses": {"200": {"description": "The value: raw bytes, or JSON when Accept asks for application/json.",
                        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                                    "application/json": {"schema": {"$ref": "#/components/schemas/KeyValue"}}}},
                        "404": err_response("No such key (or it expired)."),
                        "409": err_response("The key holds another type."),
                        "400": err_response("Bad key or parameter.")}},
                "put": {"operationId": "putKey", "summary": "Write a value (SET).",
                    "parameters": [key_path_param(), db_query(databases),
                        query_param("ttl", "Expire after this many seconds.", json!({"type": "integer", "minimum": 1})),
                        query_param("ttl_ms", "Expire after this many milliseconds.", json!({"type": "integer", "minimum": 1})),
                        query_param("nx", "Only if the key does not exist.", flag_schema()),
                        query_param("xx", "Only if the key exists.", flag_schema())],
                    "requestBody": {"required": false, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                    "responses": {"201": {"description": "Created.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Written"}}}},
                        "200": {"description": "Replaced.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Written"}}}},
                        "409": err_response("nx or xx prevented the write."),
                        "400": err_response("Bad key or parameter."),
                        "413": {"description": "Body larger than proto-max-bulk-len."}}},
                "delete": {"operationId": "deleteKey", "summary": "Delete a key.",
                    "parameters": [key_path_param(), db_query(databases)],
                    "responses": {"204": {"description": "Deleted."}, "404": err_response("No such key."),
                        "400": err_response("Bad key or parameter.")}}},
            "/v1/keys/{key}/ttl": {
                "get": {"operationId": "getTtl", "summary": "Remaining time to live.",
                    "parameters": [key_path_param(), db_query(databases)],
                    "responses": {"200": {"description": "ttl_ms, null when the key does not expire.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ttl"}}}},
                        "404": err_response("No such key."), "400": err_response("Bad key or parameter.")}},
                "put": {"operationId": "putTtl", "summary": "Set the time to live.",
                    "parameters": [key_path_param(), db_query(databases),
                        query_param("ttl", "Seconds.", json!({"type": "integer", "minimum": 1})),
                        query_param("ttl_ms", "Milliseconds.", json!({"type": "integer", "minimum": 1}))],
                    "responses": {"200": {"description": "Set.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ttl"}}}},
                        "404": err_response("No such key."), "400": err_response("Bad key or parameter.")}},
                "delete": {"operationId": "deleteTtl", "summary": "Remove the expiry (PERSIST).",
                    "parameters": [key_path_param(), db_query(databases)],
                    "responses": {"204": {"description": "The key no longer expires."},
                        "404": err_response("No such key."), "400": err_response("Bad key or parameter.")}}},
            "/v1/command": {"post": {"operationId": "command", "summary": "Run any command.",
                "parameters": [db_query(databases)], "requestBody": command_body,
                "responses": {"200": {"description": "The reply.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Reply"}}}},
                    "400": err_response("Bad JSON, or the command replied with an error."),
                    "409": err_response("WRONGTYPE and similar conflicts."),
                    "415": err_response("The body is not sent as application/json.")}}},
            "/v1/subscribe": {"get": {"operationId": "subscribe", "summary": "Stream pub/sub messages (server-sent events).",
                "parameters": [
                    query_param("channel", "A channel to subscribe to (repeatable).", json!({"type": "string"})),
                    query_param("pattern", "A glob pattern to subscribe to (repeatable).", json!({"type": "string"}))],
                "responses": {"200": {"description": "event: message|pmessage, data: {channel, message[, pattern]}.",
                    "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                    "400": err_response("No channel or pattern.")}}},
            "/v1/publish/{channel}": {"post": {"operationId": "publish", "summary": "Publish the body to a channel.",
                "parameters": [{"name": "channel", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": false, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": {"200": {"description": "How many subscribers received it.",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {"receivers": {"type": "integer"}}}}}},
                    "400": err_response("Bad channel.")}}},
            "/v1/pipeline": {"post": {"operationId": "pipeline", "summary": "Run commands in order.",
                "parameters": [db_query(databases)],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Command"}}}}},
                "responses": {"200": {"description": "One {\"reply\"} or {\"error\"} per command, in order.",
                    "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}},
                    "400": err_response("Bad JSON."),
                    "415": err_response("The body is not sent as application/json.")}}}
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
                "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
            "Command": {"type": "array", "minItems": 1, "items": {"oneOf": [{"type": "string"}, {"type": "number"},
                {"type": "object", "required": ["base64"], "properties": {"base64": {"type": "string"}}}]}},
            "Reply": {"type": "object", "required": ["reply"], "properties": {"reply": {}}},
            "KeyValue": {"type": "object", "properties": {"key": {}, "value": {}, "ttl_ms": {"type": "integer", "nullable": true}}},
            "Written": {"type": "object", "properties": {"created": {"type": "boolean"}}},
            "Ttl": {"type": "object", "properties": {"ttl_ms": {"type": "integer", "nullable": true}}},
            "Snapshot": {"type": "object",
                "required": ["time_ms", "server", "clients", "memory", "persistence", "stats", "commandstats",
                             "latencystats", "errorstats", "keyspace", "slowlog"],
                "properties": {"time_ms": {"type": "integer"},
                    "server": {"type": "object"}, "clients": {"type": "object"}, "memory": {"type": "object"},
                    "persistence": {"type": "object"}, "stats": {"type": "object"},
                    "commandstats": {"type": "object"}, "latencystats": {"type": "object"},
                    "errorstats": {"type": "object"}, "keyspace": {"type": "object"},
                    "slowlog": {"type": "object", "required": ["len", "entries"],
                        "properties": {"len": {"type": "integer"}, "entries": {"type": "array", "items": {"type": "object"}}}}}},
            "ScanPage": {"type": "object", "properties": {"cursor": {"type": "string"}, "keys": {"type": "array"}}}
        }}
    })
}
