//! Client state and operational behaviour, as Redis 7.0: pushes under CLIENT REPLY OFF and
//! SKIP, RESET, MOVE's counts, tracking invalidations, INFO clients, the startup log and the
//! default ports. Reply shapes are compared with redis-server by the differential suite.

use super::*;

fn push(parts: &[&str], n: i64) -> Value {
    let mut v: Vec<Value> = parts.iter().map(|p| bulk(p)).collect();
    v.push(Value::Int(n));
    Value::Array(v)
}

fn message(channel: &str, text: &str) -> Value {
    Value::Array(vec![bulk("message"), bulk(channel), bulk(text)])
}

#[test]
fn client_reply_off_still_delivers_pushes() {
    let s = TestServer::start();
    let mut sub = s.client();
    let mut publisher = s.client();
    sub.send_raw(b"CLIENT REPLY OFF\r\nSUBSCRIBE ch\r\n");
    // The confirmation is a push: it comes although replies are off.
    assert_eq!(sub.read_reply(), Some(push(&["subscribe", "ch"], 1)));
    assert_eq!(publisher.cmd("PUBLISH ch hello"), Value::Int(1));
    assert_eq!(sub.read_reply(), Some(message("ch", "hello")));
    // Replies (the subscribed PING's too), refusals and errors stay silent.
    sub.send_raw(b"PING\r\nGET k\r\nNOSUCHCOMMAND\r\nUNSUBSCRIBE\r\n");
    assert_eq!(sub.read_reply(), Some(push(&["unsubscribe", "ch"], 0)));
    sub.send_raw(b"UNSUBSCRIBE\r\n");
    assert_eq!(
        sub.read_reply(),
        Some(Value::Array(vec![
            bulk("unsubscribe"),
            Value::Null,
            Value::Int(0)
        ]))
    );
    sub.send_raw(b"MULTI\r\nSET k v\r\nDISCARD\r\nCLIENT REPLY ON\r\n");
    assert_eq!(sub.read_reply(), Some(ok()));
    assert_eq!(sub.cmd("GET k"), Value::Null);
}

#[test]
fn client_reply_skip_drops_one_reply_but_no_push() {
    let s = TestServer::start();
    let mut sub = s.client();
    sub.send_raw(b"CLIENT REPLY SKIP\r\nSUBSCRIBE ch\r\nPING\r\n");
    assert_eq!(sub.read_reply(), Some(push(&["subscribe", "ch"], 1)));
    assert_eq!(
        sub.read_reply(),
        Some(Value::Array(vec![bulk("pong"), bulk("")]))
    );
    assert_eq!(s.client().cmd("PUBLISH ch hi"), Value::Int(1));
    assert_eq!(sub.read_reply(), Some(message("ch", "hi")));
    // The skip ends with the next command even when it is refused or queued.
    assert_eq!(sub.cmd("RESET"), Value::Simple("RESET".into()));
    sub.send_raw(b"CLIENT REPLY SKIP\r\nNOSUCHCOMMAND\r\nPING\r\n");
    assert_eq!(sub.read_reply(), Some(Value::Simple("PONG".into())));
    sub.send_raw(b"HELLO 3\r\n");
    sub.read_reply();
    // In RESP3 a subscriber's own message is a push too, its PUBLISH reply is not.
    sub.send_raw(b"SUBSCRIBE me\r\nCLIENT REPLY OFF\r\nPUBLISH me self\r\nCLIENT REPLY ON\r\n");
    assert_eq!(
        sub.read_reply(),
        Some(Value::Push(vec![
            bulk("subscribe"),
            bulk("me"),
            Value::Int(1)
        ]))
    );
    assert_eq!(
        sub.read_reply(),
        Some(Value::Push(vec![bulk("message"), bulk("me"), bulk("self")]))
    );
    assert_eq!(sub.read_reply(), Some(ok()));
}
