//! ACL users as connections see them: rule changes apply to the next command, a deleted user's
//! connections close, `user` lines and the aclfile at start-up, aclfiles moving between
//! ferrokv and redis-server both ways, and the HTTP API under a user's permissions. Replies are
//! compared with redis-server by the differential suite (`scripts/compat_acl.py`).

use super::http::Http;
use super::persistence::{redis_server, start, strings};
use super::*;

fn list(c: &mut Client) -> Vec<String> {
    strings(c.cmd("ACL LIST"))
}

/// An ACL LIST line with each run of single-command rules (`+hset -hgetall`) sorted: Redis
/// emits them in its command dict's order, which changes from run to run.
fn canonical(lines: Vec<String>) -> Vec<Vec<String>> {
    lines
        .into_iter()
        .map(|l| {
            let mut out: Vec<String> = Vec::new();
            let mut run: Vec<String> = Vec::new();
            for tok in l.replace('(', "( ").replace(')', " )").split(' ') {
                let single = (tok.starts_with('+') || tok.starts_with('-')) && !tok.contains('@');
                if single {
                    run.push(tok.to_string());
                    continue;
                }
                run.sort();
                out.append(&mut run);
                out.push(tok.to_string());
            }
            run.sort();
            out.append(&mut run);
            out
        })
        .collect()
}

#[test]
fn rule_changes_apply_at_once_and_a_deleted_user_is_disconnected() {
    let s = TestServer::start();
    let mut admin = s.client();
    assert_eq!(admin.cmd("ACL SETUSER u on >pw ~* +@all"), ok());
    let mut c = s.client();
    assert_eq!(c.cmd("AUTH u pw"), ok());
    assert_eq!(c.cmd("SET k v"), ok());
    assert_eq!(admin.cmd("ACL SETUSER u -set"), ok());
    assert_eq!(
        c.cmd("SET k v"),
        Value::Error("NOPERM this user has no permissions to run the 'set' command".into())
    );
    assert_eq!(c.cmd("GET k"), bulk("v"));
    assert_eq!(admin.cmd("ACL DELUSER u"), Value::Int(1));
    c.send_raw(&Client::encode(&[b"GET", b"k"]));
    assert_eq!(
        c.read_reply(),
        None,
        "the connection of a deleted user closes"
    );
}

#[test]
fn user_lines_and_requirepass_at_start_up() {
    let dir = TempDir::new("acl-conf");
    let conf = dir.path().join("ferrokv.conf");
    std::fs::write(
        &conf,
        "user alice on >secret ~app:* +@read +@write\nuser bob off\nrequirepass top\n",
    )
    .unwrap();
    let b = Binary::spawn(&[
        conf.to_str().unwrap(),
        "--port",
        "0",
        "--http-port",
        "0",
        "--dir",
        dir.path().to_str().unwrap(),
    ]);
    let mut c = Client::connect(b.addr);
    assert_eq!(
        c.cmd("PING"),
        Value::Error("NOAUTH Authentication required.".into())
    );
    assert_eq!(c.cmd("AUTH alice secret"), ok());
    assert_eq!(c.cmd("SET app:1 x"), ok());
    assert!(matches!(c.cmd("SET other x"), Value::Error(e) if e.starts_with("NOPERM")));
    assert_eq!(c.cmd("AUTH top"), ok());
    assert_eq!(c.cmd("ACL WHOAMI"), bulk("default"));
    let users = list(&mut c);
    assert_eq!(users.len(), 3, "{users:?}");
    assert!(users[0].starts_with("user alice on #"), "{users:?}");
}

/// An aclfile ACL SAVE wrote in redis-server loads in ferrokv with the same users, and one
/// ferrokv wrote loads in redis-server.
#[test]
fn aclfiles_move_both_ways_between_redis_and_ferrokv() {
    let rules = [
        "ACL SETUSER alice on >secret ~app:* %R~ro:* &news:* +@read +@hash -hgetall",
        "ACL SETUSER bob off nopass ~* &* +@all -@dangerous",
        "ACL SETUSER carol on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 resetchannels +get (~x* +set)",
    ];
    // redis-server writes the file.
    let rdir = TempDir::new("acl-redis");
    let rfile = rdir.path().join("users.acl");
    std::fs::write(&rfile, "").unwrap();
    let (_redis, raddr) = redis_server(rdir.path(), &["--aclfile", rfile.to_str().unwrap()]);
    let mut r = Client::connect(raddr);
    for rule in rules {
        assert_eq!(r.cmd(rule), ok(), "{rule}");
    }
    assert_eq!(r.cmd("ACL SAVE"), ok());
    let redis_users = list(&mut r);
    // ferrokv loads it.
    let fdir = TempDir::new("acl-ours");
    let ffile = fdir.path().join("users.acl");
    std::fs::copy(&rfile, &ffile).unwrap();
    let b = start(fdir.path(), &["--aclfile", ffile.to_str().unwrap()]);
    let mut f = Client::connect(b.addr);
    assert_eq!(
        canonical(list(&mut f)),
        canonical(redis_users),
        "the same users, described the same way"
    );
    assert_eq!(f.cmd("AUTH carol password"), ok());
    assert_eq!(f.cmd("AUTH default x"), ok());
    // ferrokv writes one back; redis-server loads it.
    assert_eq!(f.cmd("ACL SETUSER dave on >pw ~d:* +@string"), ok());
    assert_eq!(f.cmd("ACL SAVE"), ok());
    let ours = list(&mut f);
    std::fs::copy(&ffile, &rfile).unwrap();
    assert_eq!(r.cmd("ACL LOAD"), ok());
    assert_eq!(canonical(list(&mut r)), canonical(ours.clone()));
    // A bad line: nothing changes, as in Redis.
    std::fs::write(&ffile, "user eve on +nosuch\n").unwrap();
    assert!(matches!(f.cmd("ACL LOAD"), Value::Error(e) if e.contains("Unknown command")));
    assert_eq!(list(&mut f), ours);
}

#[test]
fn the_http_api_runs_commands_as_the_authenticated_user() {
    let s = TestServer::start();
    let mut admin = s.client();
    assert_eq!(admin.cmd("ACL SETUSER web on >pw ~web:* +get +set"), ok());
    assert_eq!(admin.cmd("ACL SETUSER default resetpass >root"), ok());
    let h = Http::new(&s);
    let call = |auth: &str, body: &str| -> (u16, String) {
        let got = Http::finish(
            h.agent
                .post(format!("{}/v1/command", h.base))
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .send(body),
        );
        (got.status, String::from_utf8_lossy(&got.body).into_owned())
    };
    let basic = |user: &str, pw: &str| {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pw}"))
        )
    };
    let (status, _) = call(&basic("web", "pw"), r#"["SET","web:1","x"]"#);
    assert_eq!(status, 200);
    let (status, body) = call(&basic("web", "pw"), r#"["SET","other","x"]"#);
    assert!(status >= 400 && body.contains("NOPERM"), "{status} {body}");
    let (status, body) = call(&basic("web", "pw"), r#"["DEL","web:1"]"#);
    assert!(status >= 400 && body.contains("NOPERM"), "{status} {body}");
    assert_eq!(call(&basic("web", "bad"), r#"["PING"]"#).0, 401);
    assert_eq!(call("Bearer root", r#"["DEL","web:1"]"#).0, 200);
}

/// As Redis's ACLKillPubsubClientsIfNeeded: taking a channel away closes the user's connections
/// subscribed to it; its other connections stay.
#[test]
fn a_subscriber_whose_channel_is_revoked_is_disconnected() {
    let s = TestServer::start();
    let mut admin = s.client();
    assert_eq!(admin.cmd("ACL SETUSER k on nopass ~* &* +@all"), ok());
    let mut plain = s.client();
    assert_eq!(plain.cmd("AUTH k x"), ok());
    let mut sub = s.client();
    assert_eq!(sub.cmd("AUTH k x"), ok());
    sub.send_raw(&Client::encode(&[b"SUBSCRIBE", b"chan"]));
    assert!(sub.read_reply().is_some(), "subscribed");
    assert_eq!(admin.cmd("ACL SETUSER k resetkeys ~*"), ok());
    assert_eq!(plain.cmd("PING"), Value::Simple("PONG".into()));
    assert_eq!(admin.cmd("ACL SETUSER k resetchannels &other"), ok());
    assert_eq!(
        sub.read_reply(),
        None,
        "the subscriber of a revoked channel is closed"
    );
    assert_eq!(plain.cmd("PING"), Value::Simple("PONG".into()));
}
