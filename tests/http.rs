//! The HTTP API through a real HTTP client (ureq) against servers on 127.0.0.1:0.

use crate::{bulk, Client, TestServer};
use resp::Value;
use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, BTreeSet};

pub(super) struct Http {
    pub(super) base: String,
    pub(super) agent: ureq::Agent,
}

/// A response: status, content type, body bytes.
pub(super) struct Got {
    pub(super) status: u16,
    content_type: String,
    pub(super) body: Vec<u8>,
}

impl Got {
    fn json(&self) -> Json {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

impl Http {
    pub(super) fn new(s: &TestServer) -> Http {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Http {
            base: format!("http://{}", s.http),
            agent,
        }
    }

    pub(super) fn finish(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Got {
        let mut r = r.expect("HTTP request");
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = r
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap();
        Got {
            status,
            content_type,
            body,
        }
    }

    fn get(&self, path: &str) -> Got {
        Self::finish(self.agent.get(format!("{}{path}", self.base)).call())
    }

    fn get_json(&self, path: &str) -> Got {
        Self::finish(
            self.agent
                .get(format!("{}{path}", self.base))
                .header("Accept", "application/json")
                .call(),
        )
    }

    fn put(&self, path: &str, body: &[u8]) -> Got {
        Self::finish(self.agent.put(format!("{}{path}", self.base)).send(body))
    }

    fn delete(&self, path: &str) -> Got {
        Self::finish(self.agent.delete(format!("{}{path}", self.base)).call())
    }

    fn post(&self, path: &str, body: &str) -> Got {
        Self::finish(
            self.agent
                .post(format!("{}{path}", self.base))
                .header("Content-Type", "application/json")
                .send(body),
        )
    }

    fn request(&self, method: &str, path: &str) -> Got {
        let url = format!("{}{path}", self.base);
        match method {
            "GET" => Self::finish(self.agent.get(url).call()),
            "DELETE" => Self::finish(self.agent.delete(url).call()),
            "PUT" => Self::finish(self.agent.put(url).send(&b"x"[..])),
            "POST" => Self::finish(self.agent.post(url).send("[\"PING\"]")),
            other => panic!("method {other}"),
        }
    }
}

#[test]
fn keys_create_read_replace_delete() {
    let s = TestServer::start();
    let h = Http::new(&s);
    let put = h.put("/v1/keys/greeting?ttl=60", b"hello");
    assert_eq!((put.status, put.json()), (201, json!({"created": true})));
    assert_eq!(h.put("/v1/keys/greeting?ttl=60", b"hello").status, 200);
    let raw = h.get("/v1/keys/greeting");
    assert_eq!((raw.status, raw.body.as_slice()), (200, &b"hello"[..]));
    assert_eq!(raw.content_type, "application/octet-stream");
    let j = h.get_json("/v1/keys/greeting").json();
    assert_eq!(
        (j["key"].clone(), j["value"].clone()),
        (json!("greeting"), json!("hello"))
    );
    let ttl = j["ttl_ms"].as_i64().unwrap();
    assert!(ttl > 59_000 && ttl <= 60_000, "{ttl}");
    let nx = h.put("/v1/keys/greeting?nx", b"x");
    assert_eq!(
        (nx.status, nx.error_code()),
        (409, "condition_failed".to_string())
    );
    let xx = h.put("/v1/keys/absent?xx=true", b"x");
    assert_eq!(xx.status, 409);
    assert_eq!(h.put("/v1/keys/greeting?xx=1", b"bye").status, 200);
    assert_eq!(h.put("/v1/keys/fresh?nx=1", b"new").status, 201);
    assert_eq!(h.put("/v1/keys/k?nx=maybe", b"x").status, 400);
    assert_eq!(h.put("/v1/keys/k?nx&xx", b"x").status, 400);
    assert_eq!(h.put("/v1/keys/k?ttl=0", b"x").status, 400);
    assert_eq!(h.put("/v1/keys/k?ttl=1&ttl_ms=5", b"x").status, 400);
    assert_eq!(h.put("/v1/keys/k?db=99", b"x").status, 400);
    // The same data over RESP.
    assert_eq!(s.client().cmd("GET greeting"), bulk("bye"));
    assert_eq!(h.delete("/v1/keys/greeting").status, 204);
    let gone = h.delete("/v1/keys/greeting");
    assert_eq!(
        (gone.status, gone.error_code()),
        (404, "not_found".to_string())
    );
    let missing = h.get("/v1/keys/greeting");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.content_type, "application/json");
}

#[test]
fn keys_are_percent_decoded_and_binary_safe() {
    let s = TestServer::start();
    let h = Http::new(&s);
    let value = [0u8, 255, 13, 10, 7];
    assert_eq!(h.put("/v1/keys/a%00b%2Fc%FF", &value).status, 201);
    let mut c = s.client();
    assert_eq!(
        c.cmd_args(&[b"GET", b"a\0b/c\xff"]),
        Value::Bulk(value.to_vec())
    );
    assert_eq!(h.get("/v1/keys/a%00b%2Fc%FF").body, value);
    let j = h.get_json("/v1/keys/a%00b%2Fc%FF").json();
    assert!(
        j["key"]["base64"].is_string() && j["value"]["base64"].is_string(),
        "{j}"
    );
    assert_eq!(h.get("/v1/keys/bad%zz").status, 400);
    // Decoded exactly once: %25 is a literal percent sign.
    assert_eq!(h.put("/v1/keys/100%2541", b"p").status, 201);
    assert_eq!(c.cmd("GET 100%41"), bulk("p"));
    assert_eq!(h.put("/v1/keys/other?db=3", b"in three").status, 201);
    assert_eq!(h.get("/v1/keys/other").status, 404);
    assert_eq!(h.get("/v1/keys/other?db=3").body, b"in three");
}

#[test]
fn ttl_routes() {
    let s = TestServer::start();
    let h = Http::new(&s);
    h.put("/v1/keys/k", b"v");
    assert_eq!(h.get("/v1/keys/k/ttl").json(), json!({"ttl_ms": null}));
    let set = h.put("/v1/keys/k/ttl?ttl=100", b"");
    assert_eq!((set.status, set.json()), (200, json!({"ttl_ms": 100_000})));
    let left = h.get("/v1/keys/k/ttl").json()["ttl_ms"].as_i64().unwrap();
    assert!(left > 99_000 && left <= 100_000);
    assert_eq!(h.put("/v1/keys/k/ttl?ttl_ms=5000", b"").status, 200);
    assert_eq!(h.put("/v1/keys/k/ttl", b"").status, 400);
    assert_eq!(h.put("/v1/keys/k/ttl?ttl=-1", b"").status, 400);
    assert_eq!(h.delete("/v1/keys/k/ttl").status, 204);
    assert_eq!(
        h.delete("/v1/keys/k/ttl").status,
        204,
        "idempotent on a persistent key"
    );
    assert_eq!(h.get("/v1/keys/k/ttl").json(), json!({"ttl_ms": null}));
    assert_eq!(h.get("/v1/keys/nope/ttl").status, 404);
    assert_eq!(h.put("/v1/keys/nope/ttl?ttl=5", b"").status, 404);
    assert_eq!(h.delete("/v1/keys/nope/ttl").status, 404);
}

#[test]
fn scan_route_pages_through_every_key() {
    let s = TestServer::start();
    let h = Http::new(&s);
    for i in 0..60 {
        h.put(&format!("/v1/keys/user:{i}"), b"x");
    }
    h.put("/v1/keys/other", b"x");
    let mut seen = BTreeSet::new();
    let mut cursor = "0".to_string();
    loop {
        let page = h
            .get(&format!("/v1/keys?match=user:*&count=7&cursor={cursor}"))
            .json();
        for k in page["keys"].as_array().unwrap() {
            seen.insert(k.as_str().unwrap().to_string());
        }
        cursor = page["cursor"].as_str().unwrap().to_string();
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 60);
    assert!(!seen.contains("other"));
    let bad = h.get("/v1/keys?cursor=abc");
    assert_eq!((bad.status, bad.error_code()), (400, "ERR".to_string()));
    assert_eq!(
        h.get("/v1/keys?type=string&count=1000").json()["keys"]
            .as_array()
            .unwrap()
            .len(),
        61
    );
}

#[test]
fn command_and_pipeline_routes() {
    let s = TestServer::start();
    let h = Http::new(&s);
    let r = h.post("/v1/command", r#"["SET", "n", 10]"#);
    assert_eq!((r.status, r.json()), (200, json!({"reply": "OK"})));
    assert_eq!(
        h.post("/v1/command", r#"["INCRBY", "n", 5]"#).json(),
        json!({"reply": 15})
    );
    assert_eq!(
        h.post("/v1/command", r#"["GET", "missing"]"#).json(),
        json!({"reply": null})
    );
    let hello = h.post("/v1/command", r#"["HELLO", "3"]"#).json();
    assert_eq!(hello["reply"]["proto"], json!(3));
    let bin = h.post(
        "/v1/command",
        r#"["SET", {"base64": "AP8="}, {"base64": "/wA="}]"#,
    );
    assert_eq!(bin.status, 200);
    let got = h
        .post("/v1/command", r#"["GET", {"base64": "AP8="}]"#)
        .json();
    assert_eq!(got, json!({"reply": {"base64": "/wA="}}));
    let err = h.post("/v1/command", r#"["GET"]"#);
    assert_eq!(err.status, 400);
    assert_eq!(
        err.json(),
        json!({"error": {"code": "ERR", "message": "ERR wrong number of arguments for 'get' command"}})
    );
    assert_eq!(h.post("/v1/command", "not json").error_code(), "bad_json");
    assert_eq!(h.post("/v1/command", "[]").error_code(), "bad_command");
    assert_eq!(
        h.post("/v1/command", r#"[["nested"]]"#).error_code(),
        "bad_command"
    );
    let p = h.post(
        "/v1/pipeline",
        r#"[["SET","a","1"],["INCR","a"],["INCR","nope","x"],["MGET","a","zz"]]"#,
    );
    assert_eq!(p.status, 200);
    let replies = p.json();
    assert_eq!(replies[0], json!({"reply": "OK"}));
    assert_eq!(replies[1], json!({"reply": 2}));
    assert_eq!(replies[2]["error"]["code"], json!("ERR"));
    assert_eq!(replies[3], json!({"reply": ["2", null]}));
    assert_eq!(h.post("/v1/pipeline", r#"{"a": 1}"#).status, 400);
}

#[test]
fn health_readiness_and_unknown_routes() {
    let s = TestServer::start();
    let h = Http::new(&s);
    assert_eq!(h.get("/healthz").json(), json!({"status": "ok"}));
    assert_eq!(h.get("/readyz").json(), json!({"status": "ready"}));
    let none = h.get("/nope");
    assert_eq!(
        (none.status, none.error_code()),
        (404, "no_route".to_string())
    );
    let wrong = h.request("POST", "/healthz");
    assert_eq!(
        (wrong.status, wrong.error_code()),
        (405, "method_not_allowed".to_string())
    );
}

#[test]
fn bodies_larger_than_the_bulk_limit_are_refused() {
    let values = engine::config::Values {
        proto_max_bulk_len: 1024 * 1024,
        ..Default::default()
    };
    let s = TestServer::start_with(values);
    let h = Http::new(&s);
    assert_eq!(h.put("/v1/keys/big", &vec![b'x'; 1024 * 1024]).status, 201);
    assert_eq!(
        h.put("/v1/keys/big", &vec![b'x'; 1024 * 1024 + 1]).status,
        413
    );
}

#[test]
fn openapi_document_lists_exactly_the_routes_served() {
    let s = TestServer::start();
    let h = Http::new(&s);
    let doc = h.get("/v1/openapi.json").json();
    assert_eq!(doc["openapi"], json!("3.0.3"));
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let declared: BTreeSet<(String, String)> = ferrokv_server::http::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, declared);
    // Every declared route is really routed: neither the no-route fallback nor 405.
    for (method, path) in &declared {
        let mut concrete = path.replace("{key}", "some-key");
        if path == "/v1/dashboard/events" {
            // Endless without a count.
            concrete.push_str("?count=1");
        }
        let got = h.request(method, &concrete);
        assert!(
            got.status != 405 && !(got.status == 404 && got.error_code() == "no_route"),
            "{method} {path} is not served: {}",
            got.status
        );
    }
    // And methods that are not declared are refused.
    assert_eq!(h.request("DELETE", "/v1/command").status, 405);
}

/// Parses Prometheus text format 0.0.4 strictly: every sample line is `name{labels} value` with
/// a name declared by a preceding `# TYPE` line (histograms through their suffixes).
fn parse_prometheus(text: &str) -> BTreeMap<String, f64> {
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            assert!(
                types.insert(name.to_string(), kind.to_string()).is_none(),
                "duplicate {name}"
            );
            continue;
        }
        if line.starts_with("# HELP ") || line.is_empty() {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("sample value");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value in {line}")),
        };
        let name = series.split('{').next().unwrap();
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad name {name}"
        );
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.get(*f).is_some_and(|k| k == "histogram"))
            })
            .unwrap_or(name);
        assert!(types.contains_key(family), "sample {name} without # TYPE");
        if let Some(labels) = series.strip_prefix(name) {
            if !labels.is_empty() {
                assert!(labels.starts_with('{') && labels.ends_with('}'), "{line}");
                for pair in labels[1..labels.len() - 1].split(',') {
                    let (k, v) = pair.split_once('=').expect("label k=v");
                    assert!(
                        !k.is_empty() && v.starts_with('"') && v.ends_with('"'),
                        "{line}"
                    );
                }
            }
        }
        samples.insert(series.to_string(), value);
    }
    samples
}

#[test]
fn metrics_parse_and_move_with_commands() {
    let s = TestServer::start();
    let h = Http::new(&s);
    let mut c: Client = s.client();
    c.cmd("SET a 1");
    let before = parse_prometheus(&String::from_utf8(h.get("/metrics").body).unwrap());
    for _ in 0..5 {
        c.cmd("GET a");
    }
    c.cmd("GET missing");
    c.cmd("INCR a x");
    let got = h.get("/metrics");
    assert!(got.content_type.starts_with("text/plain"));
    let after = parse_prometheus(&String::from_utf8(got.body).unwrap());
    let get_calls = |m: &BTreeMap<String, f64>| {
        m.get("ferrokv_commands_total{cmd=\"get\"}")
            .copied()
            .unwrap_or(0.0)
    };
    assert_eq!(get_calls(&after) - get_calls(&before), 6.0);
    assert_eq!(
        after["ferrokv_command_duration_seconds_count{cmd=\"get\"}"],
        get_calls(&after)
    );
    assert_eq!(after["ferrokv_commands_rejected_total{cmd=\"incr\"}"], 1.0);
    assert!(after["ferrokv_keyspace_hits_total"] >= before["ferrokv_keyspace_hits_total"] + 5.0);
    assert!(after["ferrokv_keyspace_misses_total"] >= 1.0);
    assert_eq!(after["ferrokv_keys{db=\"0\"}"], 1.0);
    assert!(after["ferrokv_connected_clients"] >= 1.0);
    assert!(after["ferrokv_memory_used_bytes"] > 0.0);
}

#[test]
fn a_password_protects_every_route_but_healthz() {
    let s = TestServer::start_with(engine::config::Values {
        requirepass: "s3cret".into(),
        ..Default::default()
    });
    let h = Http::new(&s);
    assert_eq!(h.get("/healthz").status, 200);
    let denied = Http::finish(h.agent.get(format!("{}/v1/keys/k", h.base)).call());
    assert_eq!(
        (denied.status, denied.error_code()),
        (401, "NOAUTH".to_string())
    );
    for auth in ["Bearer wrong", "Basic ZGVmYXVsdDp3cm9uZw==", "Token s3cret"] {
        let got = Http::finish(
            h.agent
                .get(format!("{}/metrics", h.base))
                .header("Authorization", auth)
                .call(),
        );
        assert_eq!(got.status, 401, "{auth}");
    }
    let bearer = Http::finish(
        h.agent
            .get(format!("{}/v1/keys/k", h.base))
            .header("Authorization", "Bearer s3cret")
            .call(),
    );
    assert_eq!(
        (bearer.status, bearer.error_code()),
        (404, "not_found".to_string())
    );
    // Basic default:s3cret
    let basic = Http::finish(
        h.agent
            .put(format!("{}/v1/keys/k", h.base))
            .header("Authorization", "Basic ZGVmYXVsdDpzM2NyZXQ=")
            .send(&b"v"[..]),
    );
    assert_eq!(basic.status, 201);
}

#[test]
fn server_sent_events_stream_published_messages() {
    use std::io::{BufRead, BufReader};
    let s = TestServer::start();
    let h = Http::new(&s);
    let mut stream = h
        .agent
        .get(format!("{}/v1/subscribe?channel=news&pattern=n*", h.base))
        .call()
        .unwrap();
    assert_eq!(
        stream
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap(),
        "text/event-stream"
    );
    let mut reader = BufReader::new(stream.body_mut().as_reader());
    // The subscription is in place once NUMSUB shows it.
    let mut c = s.client();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while c.cmd("PUBSUB NUMSUB news") != Value::Array(vec![bulk("news"), Value::Int(1)]) {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let published = h.post("/v1/publish/news", "hello");
    assert_eq!(published.json(), json!({"receivers": 2}));
    let mut lines = Vec::new();
    while lines.len() < 6 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        lines.push(line.trim_end().to_string());
    }
    assert_eq!(lines[0], "event: message");
    assert_eq!(lines[1], r#"data: {"channel":"news","message":"hello"}"#);
    assert_eq!(lines[3], "event: pmessage");
    assert_eq!(
        lines[4],
        r#"data: {"channel":"news","message":"hello","pattern":"n*"}"#
    );
    assert_eq!(h.get("/v1/subscribe").status, 400);
}

/// The ids app.js fills, which tests and scripts/dashboard_check.sh look for.
const DASHBOARD_IDS: &[&str] = &[
    "ops",
    "ops-spark",
    "total-commands",
    "used-memory",
    "used-memory-peak",
    "maxmemory",
    "connected-clients",
    "blocked-clients",
    "rdb-bgsave",
    "rdb-last-save",
    "rdb-status",
    "aof-enabled",
    "aof-rewrite",
    "aof-status",
    "keyspace-rows",
    "latency-rows",
    "slowlog-table",
    "slowlog-rows",
];

#[test]
fn dashboard_page_and_its_assets_come_from_this_origin() {
    let s = TestServer::start();
    let h = Http::new(&s);
    let page = h.get("/");
    assert_eq!(
        (page.status, page.content_type.as_str()),
        (200, "text/html; charset=utf-8")
    );
    let html = String::from_utf8(page.body).unwrap();
    for id in DASHBOARD_IDS {
        assert!(html.contains(&format!("id=\"{id}\"")), "no element {id}");
    }
    for (path, kind) in [
        ("/dashboard/app.js", "text/javascript; charset=utf-8"),
        ("/dashboard/style.css", "text/css; charset=utf-8"),
    ] {
        let got = h.get(path);
        assert_eq!(
            (got.status, got.content_type.as_str()),
            (200, kind),
            "{path}"
        );
        let text = String::from_utf8(got.body).unwrap();
        assert!(
            !text.contains("http://") && !text.contains("https://"),
            "{path} names another origin"
        );
    }
    assert!(!html.contains("http://") && !html.contains("https://"));
    let r = h.agent.get(format!("{}/", h.base)).call().unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe") && !csp.contains('*'), "{csp}");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

/// The `data:` of each `event: snapshot` of a finite dashboard stream.
fn dashboard_events(h: &Http, query: &str) -> Vec<Json> {
    let got = h.get(&format!("/v1/dashboard/events{query}"));
    assert_eq!(
        (got.status, got.content_type.as_str()),
        (200, "text/event-stream")
    );
    let text = String::from_utf8(got.body).unwrap();
    let mut snapshots = Vec::new();
    for event in text.split("\n\n").filter(|e| !e.is_empty()) {
        let (kind, data) = event.split_once('\n').expect("event and data lines");
        assert_eq!(kind, "event: snapshot");
        let data = data.strip_prefix("data: ").expect("data line");
        snapshots.push(serde_json::from_str(data).unwrap());
    }
    snapshots
}

#[test]
fn dashboard_events_carry_info_figures_and_the_slowlog() {
    let s = TestServer::start();
    let h = Http::new(&s);
    let mut c = s.client();
    c.cmd("CONFIG SET slowlog-log-slower-than 0");
    for i in 0..7 {
        c.cmd(&format!("SET key:{i} v"));
    }
    c.cmd("SELECT 3");
    c.cmd("SET other v EX 100");
    let snaps = dashboard_events(&h, "?count=2");
    assert_eq!(snaps.len(), 2);
    let snap = &snaps[1];
    assert_eq!(snap["keyspace"]["db0"]["keys"], json!(7));
    assert_eq!(snap["keyspace"]["db3"]["expires"], json!(1));
    // The same figures INFO prints.
    let info = match c.cmd("INFO keyspace") {
        Value::Bulk(b) => String::from_utf8(b).unwrap(),
        other => panic!("{other:?}"),
    };
    assert!(info.contains("db0:keys=7,expires=0,avg_ttl=0"), "{info}");
    for (section, field) in [
        ("stats", "instantaneous_ops_per_sec"),
        ("stats", "total_commands_processed"),
        ("stats", "expired_keys"),
        ("stats", "evicted_keys"),
        ("memory", "used_memory"),
        ("memory", "used_memory_peak"),
        ("memory", "maxmemory"),
        ("clients", "connected_clients"),
        ("clients", "blocked_clients"),
        ("persistence", "rdb_bgsave_in_progress"),
        ("persistence", "rdb_last_save_time"),
        ("persistence", "aof_enabled"),
        ("persistence", "aof_rewrite_in_progress"),
        ("server", "uptime_in_seconds"),
    ] {
        assert!(
            snap[section][field].is_number(),
            "{section}.{field}: {snap}"
        );
    }
    assert!(snap["persistence"]["rdb_last_bgsave_status"].is_string());
    assert!(snap["clients"]["connected_clients"].as_u64() >= Some(1));
    assert!(snap["stats"]["total_commands_processed"].as_u64() >= Some(10));
    assert!(snap["time_ms"].as_u64() > snaps[0]["time_ms"].as_u64());
    let set = &snap["latencystats"]["set"];
    for p in ["p50", "p99", "p99.9"] {
        assert!(set[p].as_f64() > Some(0.0), "{p}: {set}");
    }
    assert_eq!(snap["commandstats"]["set"]["calls"], json!(8));
    let newest = &snap["slowlog"]["entries"][0];
    assert_eq!(newest["args"], json!(["SET", "other", "v", "EX", "100"]));
    assert!(snap["slowlog"]["len"].as_u64() >= Some(9));
    // One snapshot as plain JSON.
    let one = h.get("/v1/dashboard/snapshot");
    assert_eq!(one.content_type, "application/json");
    assert_eq!(one.json()["keyspace"]["db0"]["keys"], json!(7));
    assert_eq!(h.get("/v1/dashboard/events?count=0").status, 400);
    assert_eq!(h.get("/v1/dashboard/events?count=x").status, 400);
}

#[test]
fn the_dashboard_needs_the_password_and_lets_a_browser_prompt() {
    let s = TestServer::start_with(engine::config::Values {
        requirepass: "s3cret".into(),
        ..Default::default()
    });
    let h = Http::new(&s);
    assert_eq!(h.get("/healthz").status, 200);
    for path in [
        "/",
        "/dashboard/app.js",
        "/v1/dashboard/snapshot",
        "/v1/dashboard/events?count=1",
    ] {
        let r = h.agent.get(format!("{}{path}", h.base)).call().unwrap();
        assert_eq!(r.status(), 401, "{path}");
        let challenges: Vec<&str> = r
            .headers()
            .get_all("www-authenticate")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(
            challenges,
            ["Basic realm=\"ferrokv\"", "Bearer realm=\"ferrokv\""],
            "{path}"
        );
    }
    // What a browser sends after its prompt: Basic default:s3cret (or an empty user).
    for auth in ["Basic ZGVmYXVsdDpzM2NyZXQ=", "Basic OnMzY3JldA=="] {
        let page = Http::finish(
            h.agent
                .get(format!("{}/", h.base))
                .header("Authorization", auth)
                .call(),
        );
        assert_eq!(page.status, 200, "{auth}");
    }
    let events = Http::finish(
        h.agent
            .get(format!("{}/v1/dashboard/events?count=1", h.base))
            .header("Authorization", "Bearer s3cret")
            .call(),
    );
    assert_eq!(
        (events.status, events.content_type.as_str()),
        (200, "text/event-stream")
    );
}

/// Every metric name in a PromQL expression of contrib/grafana/ferrokv.json.
fn grafana_metric_names(v: &Json, out: &mut BTreeSet<String>) {
    match v {
        Json::Object(m) => {
            for (k, v) in m {
                match v {
                    Json::String(text) if ["expr", "query", "definition"].contains(&k.as_str()) => {
                        let mut rest = text.as_str();
                        while let Some(at) = rest.find("ferrokv_") {
                            let name: String = rest[at..]
                                .chars()
                                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                                .collect();
                            rest = &rest[at + name.len()..];
                            out.insert(name);
                        }
                    }
                    _ => grafana_metric_names(v, out),
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|i| grafana_metric_names(i, out)),
        _ => {}
    }
}

#[test]
fn the_grafana_dashboard_names_only_exported_metrics() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../contrib/grafana/ferrokv.json"
    );
    let doc: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut names = BTreeSet::new();
    grafana_metric_names(&doc, &mut names);
    assert!(names.len() > 20, "{names:?}");
    let s = TestServer::start();
    let h = Http::new(&s);
    let mut c = s.client();
    c.cmd("SET a 1");
    c.cmd("GET a");
    let metrics = parse_prometheus(&String::from_utf8(h.get("/metrics").body).unwrap());
    let exported: BTreeSet<String> = metrics
        .keys()
        .map(|series| series.split('{').next().unwrap().to_string())
        .collect();
    let missing: Vec<_> = names.difference(&exported).collect();
    assert!(missing.is_empty(), "not in /metrics: {missing:?}");
}

#[test]
fn a_blocked_client_shows_in_metrics_and_the_dashboard_as_in_info() {
    use std::io::Write;
    let s = TestServer::start();
    let h = Http::new(&s);
    let mut blocked = std::net::TcpStream::connect(s.addr).unwrap();
    blocked.write_all(b"BLPOP queue 0\r\n").unwrap();
    let mut c = s.client();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let info = match c.cmd("INFO clients") {
            Value::Bulk(b) => String::from_utf8(b).unwrap(),
            other => panic!("{other:?}"),
        };
        if info.contains("blocked_clients:1\r\n") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{info}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let metrics = parse_prometheus(&String::from_utf8(h.get("/metrics").body).unwrap());
    assert_eq!(metrics["ferrokv_blocked_clients"], 1.0);
    let snap = h.get("/v1/dashboard/snapshot").json();
    assert_eq!(snap["clients"]["blocked_clients"], json!(1));
}
