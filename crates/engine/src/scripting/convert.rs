//! The two conversions of Redis 7.0's scripting: a command's reply (RESP2 or RESP3, as the
//! script chose with `redis.setresp`) to a Lua value, and a script's result to the caller's
//! reply.
//!
//! Reply to Lua: integer → number; bulk → string; null bulk / null array (RESP2) → false;
//! array → table; status → `{ok=...}`; error → `{err=...}`; RESP3 null → nil, map →
//! `{map={...}}`, set → `{set={member=true}}`, double → `{double=n}`, boolean → boolean, big
//! number → `{big_number=s}`, verbatim → `{verbatim_string={format=, string=}}`; attributes
//! are skipped.
//!
//! Lua to reply: string → bulk; number → integer (truncated); true → 1 and false → null
//! (under RESP2 scripts; booleans under RESP3); tables by their field `err`, `ok`, `double`,
//! `big_number`, `verbatim_string`, `map`, `set`, else an array up to the first nil; anything
//! else → null.

use super::error_table;
use crate::error::CmdError;
use mlua::{Lua, Table, Value};
use resp::ReplyBuf;

/// Nesting past which a result is refused (Redis runs out of Lua stack there).
const MAX_DEPTH: usize = 1000;

/// A command's reply, as the script sees it.
pub fn reply_to_lua(lua: &Lua, bytes: &[u8]) -> mlua::Result<Value> {
    let mut pos = 0;
    parse(lua, bytes, &mut pos, 0)
}

fn line<'a>(b: &'a [u8], pos: &mut usize) -> &'a [u8] {
    let start = (*pos).min(b.len());
    let end = b[start..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .map_or(b.len(), |i| start + i);
    *pos = (end + 2).min(b.len().max(end + 2));
    &b[start..end]
}

fn int(l: &[u8]) -> i64 {
    resp::number::parse_i64(l).unwrap_or(0)
}

fn blob<'a>(b: &'a [u8], pos: &mut usize, n: i64) -> &'a [u8] {
    let n = usize::try_from(n).unwrap_or(0);
    let start = (*pos).min(b.len());
    let end = start.saturating_add(n).min(b.len());
    *pos = end + 2;
    &b[start..end]
}

fn parse(lua: &Lua, b: &[u8], pos: &mut usize, depth: usize) -> mlua::Result<Value> {
    if depth > MAX_DEPTH {
        return Err(mlua::Error::runtime("reply nested too deeply"));
    }
    let Some(&kind) = b.get(*pos) else {
        return Ok(Value::Nil);
    };
    *pos += 1;
    let l = line(b, pos);
    let table1 = |k: &str, v: Value| -> mlua::Result<Value> {
        let t = lua.create_table()?;
        t.raw_set(k, v)?;
        Ok(Value::Table(t))
    };
    Ok(match kind {
        b':' => Value::Number(int(l) as f64),
        b'+' => table1("ok", Value::String(lua.create_string(l)?))?,
        b'-' => {
            let text = [b"-".as_slice(), l].concat();
            Value::Table(error_table(lua, &text)?)
        }
        b'$' | b'=' | b'!' => {
            let n = int(l);
            if n < 0 {
                return Ok(Value::Boolean(false));
            }
            let body = blob(b, pos, n);
            match kind {
                b'$' => Value::String(lua.create_string(body)?),
                b'!' => {
                    let text = [b"-".as_slice(), body].concat();
                    Value::Table(error_table(lua, &text)?)
                }
                _ => {
                    let (fmt, text) = body.split_at(body.len().min(4));
                    let v = lua.create_table()?;
                    v.raw_set("string", lua.create_string(text)?)?;
                    v.raw_set("format", lua.create_string(&fmt[..fmt.len().min(3)])?)?;
                    table1("verbatim_string", Value::Table(v))?
                }
            }
        }
        b'*' | b'~' | b'>' => {
            let n = int(l);
            if n < 0 {
                return Ok(Value::Boolean(false));
            }
            let t = lua.create_table()?;
            for i in 0..n {
                let v = parse(lua, b, pos, depth + 1)?;
                if kind == b'~' {
                    t.raw_set(v, true)?;
                } else {
                    t.raw_set(i + 1, v)?;
                }
            }
            if kind == b'~' {
                table1("set", Value::Table(t))?
            } else {
                Value::Table(t)
            }
        }
        b'%' => {
            let t = lua.create_table()?;
            for _ in 0..int(l).max(0) {
                let k = parse(lua, b, pos, depth + 1)?;
                let v = parse(lua, b, pos, depth + 1)?;
                if !k.is_nil() {
                    t.raw_set(k, v)?;
                }
            }
            table1("map", Value::Table(t))?
        }
        b'|' => {
            for _ in 0..int(l).max(0).saturating_mul(2) {
                parse(lua, b, pos, depth + 1)?;
            }
            parse(lua, b, pos, depth)?
        }
        b'_' => Value::Nil,
        b'#' => Value::Boolean(l == b"t"),
        b',' => {
            let d = match l {
                b"inf" => f64::INFINITY,
                b"-inf" => f64::NEG_INFINITY,
                _ => std::str::from_utf8(l)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(f64::NAN),
            };
            table1("double", Value::Number(d))?
        }
        b'(' => table1("big_number", Value::String(lua.create_string(l)?))?,
        _ => Value::Nil,
    })
}

/// `tostring` of a Lua number (`%.14g`), for `redis.log`.
pub fn lua_number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    let s = format!("{n:.13e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-5..14).contains(&exp) {
        let digits = (13 - exp).max(0) as usize;
        let f = format!("{n:.digits$}");
        let f = if f.contains('.') {
            f.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            f
        };
        return f;
    }
    let m = mantissa.trim_end_matches('0').trim_end_matches('.');
    format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

/// Writes a script's result (`script_resp`: the protocol the script chose).
pub fn lua_to_reply(v: &Value, out: &mut ReplyBuf, script_resp: u8, depth: usize) {
    if depth > MAX_DEPTH {
        out.error("ERR reached lua stack limit");
        return;
    }
    match v {
        Value::String(s) => out.bulk(&s.as_bytes()),
        Value::Boolean(b) => {
            if script_resp == 2 {
                if *b {
                    out.int(1);
                } else {
                    out.null();
                }
            } else {
                out.bool(*b);
            }
        }
        Value::Integer(i) => out.int(*i),
        Value::Number(n) => out.int(*n as i64),
        Value::Table(t) => table_to_reply(t, out, script_resp, depth),
        _ => out.null(),
    }
}

fn field(t: &Table, name: &str) -> Value {
    t.get::<Value>(name).unwrap_or(Value::Nil)
}

fn no_newlines(b: &[u8]) -> Vec<u8> {
    b.iter()
        .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c })
        .collect()
}

fn table_to_reply(t: &Table, out: &mut ReplyBuf, script_resp: u8, depth: usize) {
    if let Value::String(e) = field(t, "err") {
        out.error(e.as_bytes());
        return;
    }
    if let Value::String(s) = field(t, "ok") {
        out.buf.push(b'+');
        out.buf.extend_from_slice(&no_newlines(&s.as_bytes()));
        out.buf.extend_from_slice(b"\r\n");
        return;
    }
    match field(t, "double") {
        Value::Number(d) => return out.double_text(&crate::float::format_double(d)),
        Value::Integer(i) => return out.double_text(&crate::float::format_double(i as f64)),
        _ => {}
    }
    if let Value::String(s) = field(t, "big_number") {
        let s = no_newlines(&s.as_bytes());
        if out.resp3 {
            out.buf.push(b'(');
            out.buf.extend_from_slice(&s);
            out.buf.extend_from_slice(b"\r\n");
        } else {
            out.bulk(&s);
        }
        return;
    }
    if let Value::Table(v) = field(t, "verbatim_string") {
        if let (Value::String(f), Value::String(s)) = (field(&v, "format"), field(&v, "string")) {
            let f = f.as_bytes();
            let f = String::from_utf8_lossy(&f[..f.len().min(3)]).into_owned();
            out.verbatim(&f, &s.as_bytes());
            return;
        }
    }
    if let Value::Table(m) = field(t, "map") {
        let pairs: Vec<(Value, Value)> = m.pairs::<Value, Value>().filter_map(Result::ok).collect();
        out.map(pairs.len());
        for (k, v) in &pairs {
            lua_to_reply(k, out, script_resp, depth + 1);
            lua_to_reply(v, out, script_resp, depth + 1);
        }
        return;
    }
    if let Value::Table(s) = field(t, "set") {
        let keys: Vec<Value> = s
            .pairs::<Value, Value>()
            .filter_map(|p| p.ok().map(|(k, _)| k))
            .collect();
        out.set(keys.len());
        for k in &keys {
            lua_to_reply(k, out, script_resp, depth + 1);
        }
        return;
    }
    let mut items = Vec::new();
    let mut j = 1i64;
    loop {
        let v: Value = t.get(j).unwrap_or(Value::Nil);
        if v.is_nil() {
            break;
        }
        items.push(v);
        j += 1;
    }
    out.array(items.len());
    for v in &items {
        lua_to_reply(v, out, script_resp, depth + 1);
    }
}

/// The error reply of a script that failed with `err` (Redis's `luaCallFunction`): `-<msg>
/// script: <name>, on <source>:<line>.` when the error carries its place.
pub fn script_error(err: &Value, name: &str) -> CmdError {
    let Value::Table(t) = err else {
        let msg = match err {
            Value::String(s) => String::from_utf8_lossy(&s.as_bytes()).into_owned(),
            _ => "execution failure".to_string(),
        };
        let msg: String = msg.chars().take(100).collect();
        return CmdError::new(format!("ERR Error running script {name}, {msg}"));
    };
    let text = |v: Value| -> Option<Vec<u8>> {
        match v {
            Value::String(s) => Some(s.as_bytes().to_vec()),
            Value::Integer(i) => Some(i.to_string().into_bytes()),
            Value::Number(n) => Some(lua_number_text(n).into_bytes()),
            _ => None,
        }
    };
    let msg = text(t.raw_get::<Value>("err").unwrap_or(Value::Nil)).unwrap_or_default();
    let source = text(t.raw_get::<Value>("source").unwrap_or(Value::Nil));
    let line = text(t.raw_get::<Value>("line").unwrap_or(Value::Nil));
    let mut out = msg;
    if let (Some(source), Some(line)) = (source, line) {
        out.extend_from_slice(b" script: ");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b", on ");
        out.extend_from_slice(&source);
        out.push(b':');
        out.extend_from_slice(&line);
        out.push(b'.');
    }
    let err = CmdError::new(String::from_utf8_lossy(&out).into_owned());
    // The error of a command the script called was counted when that command failed.
    if t.raw_get::<Value>("ignore_error_stats_update")
        .is_ok_and(|v| matches!(v, Value::Boolean(true)))
    {
        err.already_counted()
    } else {
        err
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_lua_does() {
        assert_eq!(lua_number_text(1.0), "1");
        assert_eq!(lua_number_text(1.5), "1.5");
        assert_eq!(lua_number_text(0.1), "0.1");
        assert_eq!(lua_number_text(1e20), "1e+20");
        assert_eq!(lua_number_text(-2.5e-7), "-2.5e-07");
    }

    #[test]
    fn replies_become_lua_values() {
        let lua = Lua::new();
        let v = reply_to_lua(&lua, b"*3\r\n:1\r\n$1\r\nx\r\n$-1\r\n").unwrap();
        let t = v.as_table().unwrap();
        assert_eq!(t.raw_get::<f64>(1).unwrap(), 1.0);
        assert_eq!(t.raw_get::<String>(2).unwrap(), "x");
        assert!(!t.raw_get::<bool>(3).unwrap());
        let v = reply_to_lua(&lua, b"-WRONGTYPE Operation\r\n").unwrap();
        assert_eq!(
            v.as_table().unwrap().raw_get::<String>("err").unwrap(),
            "WRONGTYPE Operation"
        );
        let v = reply_to_lua(&lua, b"%1\r\n+a\r\n,1.5\r\n").unwrap();
        assert!(v.as_table().unwrap().raw_get::<Table>("map").is_ok());
    }

    #[test]
    fn results_become_replies() {
        let lua = Lua::new();
        let v: Value = lua
            .load("return {1, 'a', true, false, 3.9, {ok='fine'}}")
            .eval()
            .unwrap();
        let mut out = ReplyBuf::new(false);
        lua_to_reply(&v, &mut out, 2, 0);
        assert_eq!(
            out.buf,
            b"*6\r\n:1\r\n$1\r\na\r\n:1\r\n$-1\r\n:3\r\n+fine\r\n"
        );
    }
}
