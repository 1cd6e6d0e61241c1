//! Settings from the command line and redis.conf-style files, with redis-server's conventions:
//! `ferrokv-server [/path/to/ferrokv.conf] [--directive value ...]`, later settings win, a flag
//! takes every following argument up to the next `--flag` as its value.

use engine::config::{Config, Values};
use resp::request::split_args;

/// What the command line asks for.
#[derive(Debug)]
pub enum Action {
    /// Run with these settings.
    Run(Box<Values>),
    /// Print the version and exit.
    Version,
    /// Print usage and exit.
    Help,
}

/// Usage text.
pub const USAGE: &str = "Usage: ferrokv-server [/path/to/ferrokv.conf] [options] [-]
       ferrokv-server - (read config from stdin)
       ferrokv-server -v or --version
       ferrokv-server -h or --help

Options are redis.conf directives given as flags, for example:
       ferrokv-server --port 7000 --bind 127.0.0.1 --databases 16 --dir ./data
       ferrokv-server ferrokv.conf --port 7001
       ferrokv-server \"--loglevel verbose\" (an option and its value in one argument)
       echo 'hz 20' | ferrokv-server - --port 7002";

/// Parses a config file's text into (directive, value) pairs.
pub fn parse_conf(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = Vec::new();
        split_args(line.as_bytes(), &mut words)
            .map_err(|_| format!("line {}: unbalanced quotes in configuration line", n + 1))?;
        let Some((name, values)) = words.split_first() else {
            continue;
        };
        let values: Vec<String> = values
            .iter()
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect();
        pairs.push((
            String::from_utf8_lossy(name).to_ascii_lowercase(),
            values.join(" "),
        ));
    }
    Ok(pairs)
}

/// Interprets the command line (without the program name).
pub fn parse(args: &[String]) -> Result<Action, String> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut rest = args;
    // As redis-server: `-` as the first or last argument reads a config from standard input
    // (after the file, before the flags).
    let from_stdin =
        args.first().is_some_and(|a| a == "-") || args.last().is_some_and(|a| a == "-");
    let mut stdin_pairs = Vec::new();
    if from_stdin {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| format!("Fatal error, can't read the config from standard input: {e}"))?;
        stdin_pairs = parse_conf(&text).map_err(|e| format!("standard input: {e}"))?;
        if rest.first().is_some_and(|a| a == "-") {
            rest = &rest[1..];
        }
        if rest.last().is_some_and(|a| a == "-") {
            rest = &rest[..rest.len() - 1];
        }
    }
    if let Some(first) = rest.first() {
        match first.as_str() {
            "-v" | "--version" => return Ok(Action::Version),
            "-h" | "--help" => return Ok(Action::Help),
            path if !path.starts_with("--") => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("Fatal error, can't open config file '{path}': {e}"))?;
                pairs.extend(parse_conf(&text).map_err(|e| format!("{path}: {e}"))?);
                rest = &rest[1..];
            }
            _ => {}
        }
    }
    pairs.extend(stdin_pairs);
    let mut i = 0;
    while i < rest.len() {
        let Some(name) = rest[i].strip_prefix("--") else {
            return Err(format!(
                "Invalid argument '{}': options start with --",
                rest[i]
            ));
        };
        if name == "version" {
            return Ok(Action::Version);
        }
        let mut values = Vec::new();
        // One argument may hold the option and its value (`"--loglevel verbose"`), split as
        // redis-server splits it.
        let mut words = Vec::new();
        let name = if name.trim().contains(char::is_whitespace) {
            resp::request::split_args(name.as_bytes(), &mut words)
                .map_err(|_| format!("Invalid argument '{}': unbalanced quotes", rest[i]))?;
            let mut w = words
                .iter()
                .map(|x| String::from_utf8_lossy(x).into_owned());
            let n = w.next().unwrap_or_default();
            values.extend(w);
            n
        } else {
            name.trim().to_string()
        };
        i += 1;
        while words.is_empty() && i < rest.len() && !rest[i].starts_with("--") {
            values.push(rest[i].clone());
            i += 1;
        }
        pairs.push((name.to_ascii_lowercase(), values.join(" ")));
    }
    // As in redis.conf, `save` lines add up (`save ""` clears what came before): they become
    // one setting, where the first one was.
    let mut saves = pairs.iter().filter(|(n, _)| n == "save").peekable();
    if saves.peek().is_some() {
        let mut joined = String::new();
        for (_, v) in saves {
            if v.trim().is_empty() || v.trim() == "\"\"" {
                joined.clear();
            } else {
                joined.push(' ');
                joined.push_str(v);
            }
        }
        let first = pairs.iter().position(|(n, _)| n == "save").unwrap_or(0);
        pairs.retain(|(n, _)| n != "save");
        pairs.insert(first.min(pairs.len()), ("save".to_string(), joined));
    }
    // `user` lines define ACL users (applied at start-up, as an aclfile's lines).
    let users: Vec<String> = pairs
        .iter()
        .filter(|(n, _)| n == "user")
        .map(|(_, v)| format!("user {v}"))
        .collect();
    pairs.retain(|(n, _)| n != "user");
    // `rename-command old new`: checked against the command table now, applied when the
    // engine builds its registry.
    let mut renames = Vec::new();
    let mut table = engine::command::Registry::new(engine::families::TABLES);
    for (_, v) in pairs.iter().filter(|(n, _)| n == "rename-command") {
        // The line's two words joined by one space (an empty new name leaves just the space).
        let Some((old, new)) = v
            .split_once(' ')
            .filter(|(o, n)| !o.is_empty() && !n.contains(' '))
        else {
            return Err(format!(
                "'rename-command {v}': Bad directive or wrong number of arguments"
            ));
        };
        let (old, new) = (old.to_string(), new.to_string());
        table
            .rename(&old, &new)
            .map_err(|e| format!("'rename-command {v}': {e}"))?;
        renames.push((old, new));
    }
    pairs.retain(|(n, _)| n != "rename-command");
    let config = Config::default();
    for (name, value) in &pairs {
        if engine::config::param(name).is_none() {
            return Err(format!(
                "Bad directive or wrong number of arguments: '{name}'"
            ));
        }
        config
            .set(&[(name.clone(), value.clone())], true)
            .map_err(|e| format!("'{name} {value}': {e}"))?;
    }
    let mut values = config.values();
    values.acl_users = users;
    values.renames = renames;
    if let Some(path) = args.first().filter(|a| !a.starts_with('-')) {
        values.config_file = std::fs::canonicalize(path)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| path.clone());
    }
    Ok(Action::Run(Box::new(values)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Values {
        match parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap() {
            Action::Run(v) => *v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flags_and_defaults() {
        let v = run(&[]);
        assert_eq!((v.port, v.databases), (6379, 16));
        assert_eq!(v.bind, vec!["127.0.0.1".to_string()]);
        let v = run(&[
            "--port",
            "7000",
            "--bind",
            "127.0.0.1",
            "::1",
            "--databases",
            "4",
        ]);
        assert_eq!(v.port, 7000);
        assert_eq!(v.bind.len(), 2);
        assert_eq!(v.databases, 4);
        assert!(parse(&["--nonsense".to_string(), "1".to_string()]).is_err());
        // The HTTP API follows the RESP port unless given.
        assert_eq!(run(&[]).http_listen_port(), Some(7379));
        assert_eq!(run(&["--port", "7000"]).http_listen_port(), Some(8000));
        assert_eq!(run(&["--port", "0"]).http_listen_port(), Some(0));
        assert_eq!(run(&["--port", "65000"]).http_listen_port(), Some(0));
        let explicit = run(&["--http-port", "9000", "--port", "7000"]);
        assert_eq!(explicit.http_listen_port(), Some(9000));
        assert_eq!(
            run(&["--port", "7000", "--http-port", "0"]).http_listen_port(),
            None
        );
        assert!(parse(&["--port".to_string(), "99999".to_string()]).is_err());
    }

    #[test]
    fn config_file_then_flags_later_wins() {
        let dir = std::env::temp_dir().join(format!("ferrokv-conf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ferrokv.conf");
        std::fs::write(&path, "# comment\nport 7001\nbind \"127.0.0.1\"\nhz 20\n").unwrap();
        let v = run(&[path.to_str().unwrap(), "--port", "7002"]);
        assert_eq!((v.port, v.hz), (7002, 20));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_option_and_its_value_in_one_argument() {
        let v = run(&["--loglevel verbose", "--port", "7003", "--save 60 10"]);
        assert_eq!((v.loglevel.as_str(), v.port), ("verbose", 7003));
        assert_eq!(v.save, vec![(60, 10)]);
        // `--save` followed by another option means `save ""`.
        assert!(run(&["--save", "--port", "7004"]).save.is_empty());
        assert!(parse(&["--port \"7005".to_string()]).is_err());
    }
}
