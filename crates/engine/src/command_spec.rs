//! The documentation half of the command table, as Redis 7.0 describes its commands: each
//! command's COMMAND DOCS (summary, history, the argument tree) and its COMMAND INFO key
//! specifications and tips.
//!
//! The data is `command_spec.txt`, generated from redis-server by `scripts/gen_command_spec.py`
//! (see its header for the format) and parsed once, at first use. What decides behaviour (arity,
//! flags, first/last/step, the handler) stays in the families' tables; this is what clients read
//! to learn a command's shape: redis-cli's hints, cluster clients' key extraction, and
//! [`keys_from_specs`], which is Redis's `getKeysUsingKeySpecs` for COMMAND GETKEYS(ANDFLAGS).
//! The file holds every Redis 7.0 command, also those not built here yet, so adding one needs no
//! regeneration; the registry links each of its commands to its entry and refuses to start
//! without one.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Key specification flags (Redis's `CMD_KEY_*`), in the order COMMAND INFO prints them.
pub mod key_flags {
    /// Read-only access to the key's value.
    pub const RO: u16 = 1 << 0;
    /// Read and write access.
    pub const RW: u16 = 1 << 1;
    /// Overwrite: the old value is not read.
    pub const OW: u16 = 1 << 2;
    /// The key is removed.
    pub const RM: u16 = 1 << 3;
    /// The value is returned or copied.
    pub const ACCESS: u16 = 1 << 4;
    /// The value is updated.
    pub const UPDATE: u16 = 1 << 5;
    /// Data is added to the value.
    pub const INSERT: u16 = 1 << 6;
    /// Data is deleted from the value.
    pub const DELETE: u16 = 1 << 7;
    /// Not a key (a shard channel): cluster routing only.
    pub const NOT_KEY: u16 = 1 << 8;
    /// The spec may miss keys.
    pub const INCOMPLETE: u16 = 1 << 9;
    /// The flags depend on the arguments.
    pub const VARIABLE_FLAGS: u16 = 1 << 10;

    /// Names as the wire shows them.
    pub const NAMES: &[(u16, &str)] = &[
        (RO, "RO"),
        (RW, "RW"),
        (OW, "OW"),
        (RM, "RM"),
        (ACCESS, "access"),
        (UPDATE, "update"),
        (INSERT, "insert"),
        (DELETE, "delete"),
        (NOT_KEY, "not_key"),
        (INCOMPLETE, "incomplete"),
        (VARIABLE_FLAGS, "variable_flags"),
    ];

    /// The names of the bits set in `flags`, in wire order.
    pub fn names(flags: u16) -> impl Iterator<Item = &'static str> {
        NAMES
            .iter()
            .filter(move |(bit, _)| flags & bit != 0)
            .map(|(_, n)| *n)
    }
}

/// Where the search for a spec's keys begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeginSearch {
    /// At this argument.
    Index(i32),
    /// After this keyword, searched from `startfrom` (negative: backwards from the end).
    Keyword {
        /// The keyword, matched case-insensitively.
        keyword: &'static str,
        /// Where the search starts.
        startfrom: i32,
    },
    /// Only the command's own code knows.
    Unknown,
}

/// How a spec's keys follow its beginning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindKeys {
    /// Keys up to `lastkey` (relative to the beginning; negative: from the end), every
    /// `keystep`; with `lastkey` -1, `limit` N > 1 keeps only 1/N of the remaining arguments.
    Range {
        /// The last key.
        lastkey: i32,
        /// Distance between keys.
        keystep: i32,
        /// The fraction of the rest that are keys' arguments.
        limit: i32,
    },
    /// The argument `keynumidx` after the beginning counts the keys, which start `firstkey`
    /// after the beginning, every `keystep`.
    Keynum {
        /// Where the count is.
        keynumidx: i32,
        /// Where the first key is.
        firstkey: i32,
        /// Distance between keys.
        keystep: i32,
    },
    /// Only the command's own code knows.
    Unknown,
}

/// One key specification.
#[derive(Debug)]
pub struct KeySpec {
    /// Redis's remark on it, if any.
    pub notes: Option<&'static str>,
    /// [`key_flags`] bits.
    pub flags: u16,
    /// Where to start.
    pub begin: BeginSearch,
    /// How keys follow.
    pub find: FindKeys,
}

/// One argument of COMMAND DOCS: its fields in Redis's order (`key_spec_index` an integer,
/// `flags` a comma-separated set, the others strings) and, for `oneof` and `block`, its
/// members.
#[derive(Debug)]
pub struct Arg {
    /// `(field, value)` pairs.
    pub fields: Vec<(&'static str, &'static str)>,
    /// Members of a `oneof` or `block`.
    pub args: Vec<Arg>,
}

impl Arg {
    /// The value of `field`.
    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == field)
            .map(|(_, v)| *v)
    }

    /// True when `flags` holds `flag` (`optional`, `multiple`, `multiple_token`).
    pub fn has_flag(&self, flag: &str) -> bool {
        self.get("flags")
            .is_some_and(|f| f.split(',').any(|x| x == flag))
    }
}

/// One command's documentation and key specifications.
#[derive(Debug, Default)]
pub struct Spec {
    /// One-line summary.
    pub summary: &'static str,
    /// First version.
    pub since: &'static str,
    /// Documentation group.
    pub group: &'static str,
    /// Time complexity.
    pub complexity: Option<&'static str>,
    /// `deprecated`, `syscmd`.
    pub doc_flags: Vec<&'static str>,
    /// Version that deprecated it.
    pub deprecated_since: Option<&'static str>,
    /// What to use instead.
    pub replaced_by: Option<&'static str>,
    /// (version, change) pairs.
    pub history: Vec<(&'static str, &'static str)>,
    /// Command tips (`nondeterministic_output`, `request_policy:all_shards`...).
    pub tips: Vec<&'static str>,
    /// Key specifications.
    pub keys: Vec<KeySpec>,
    /// The argument tree.
    pub args: Vec<Arg>,
}

const SOURCE: &str = include_str!("command_spec.txt");

/// The entry of `full_name` (`name` or `container|sub`, lowercase).
pub fn lookup(full_name: &str) -> Option<&'static Spec> {
    static SPECS: OnceLock<HashMap<&'static str, Spec>> = OnceLock::new();
    SPECS
        .get_or_init(|| parse(SOURCE).unwrap_or_else(|e| panic!("command_spec.txt: {e}")))
        .get(full_name)
}

fn int(s: &str, line: usize) -> Result<i32, String> {
    s.parse()
        .map_err(|_| format!("line {line}: {s:?} is not an integer"))
}

fn parse_flags(s: &str, line: usize) -> Result<u16, String> {
    s.split(',').try_fold(0, |acc, name| {
        key_flags::NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(bit, _)| acc | bit)
            .ok_or_else(|| format!("line {line}: unknown key flag {name:?}"))
    })
}

fn parse_key(f: &[&'static str], line: usize) -> Result<KeySpec, String> {
    let bad = || format!("line {line}: malformed key spec");
    let begin_f: Vec<&str> = f.get(2).ok_or_else(bad)?.split(':').collect();
    let begin = match begin_f[..] {
        ["index", pos] => BeginSearch::Index(int(pos, line)?),
        ["keyword", ..] if begin_f.len() >= 3 => {
            // The keyword itself could hold a colon: the start is the last field.
            let text = &f[2]["keyword:".len()..];
            let cut = text.rfind(':').ok_or_else(bad)?;
            BeginSearch::Keyword {
                keyword: &text[..cut],
                startfrom: int(&text[cut + 1..], line)?,
            }
        }
        ["unknown"] => BeginSearch::Unknown,
        _ => return Err(bad()),
    };
    let find_f: Vec<&str> = f.get(3).ok_or_else(bad)?.split(':').collect();
    let find = match find_f[..] {
        ["range", a, b, c] => FindKeys::Range {
            lastkey: int(a, line)?,
            keystep: int(b, line)?,
            limit: int(c, line)?,
        },
        ["keynum", a, b, c] => FindKeys::Keynum {
            keynumidx: int(a, line)?,
            firstkey: int(b, line)?,
            keystep: int(c, line)?,
        },
        ["unknown"] => FindKeys::Unknown,
        _ => return Err(bad()),
    };
    Ok(KeySpec {
        notes: f.get(4).copied(),
        flags: parse_flags(f[1], line)?,
        begin,
        find,
    })
}

/// Parses the whole file; errors name the line.
fn parse(text: &'static str) -> Result<HashMap<&'static str, Spec>, String> {
    let mut out = HashMap::new();
    let mut current: Option<(&'static str, Spec)> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        let depth = raw.len() - raw.trim_start_matches(' ').len();
        let f: Vec<&'static str> = raw[depth..].split('\t').collect();
        let value = || f.get(1).copied().ok_or(format!("line {line}: no value"));
        if f[0] == "command" {
            if let Some((name, spec)) = current.take() {
                out.insert(name, spec);
            }
            current = Some((value()?, Spec::default()));
            continue;
        }
        let (_, spec) = current
            .as_mut()
            .ok_or(format!("line {line}: a field before any command"))?;
        match f[0] {
            "summary" => spec.summary = value()?,
            "since" => spec.since = value()?,
            "group" => spec.group = value()?,
            "complexity" => spec.complexity = Some(value()?),
            "deprecated_since" => spec.deprecated_since = Some(value()?),
            "replaced_by" => spec.replaced_by = Some(value()?),
            "doc_flags" => spec.doc_flags = value()?.split(',').collect(),
            "history" => spec
                .history
                .push((value()?, f.get(2).copied().unwrap_or(""))),
            "tips" => spec.tips = f[1..].to_vec(),
            "key" => spec.keys.push(parse_key(&f, line)?),
            "arg" => {
                let mut fields = Vec::with_capacity(f.len() - 1);
                for kv in &f[1..] {
                    let (k, v) = kv
                        .split_once('=')
                        .ok_or(format!("line {line}: {kv:?} is not field=value"))?;
                    fields.push((k, v));
                }
                let mut list = &mut spec.args;
                for _ in 0..depth {
                    list = &mut list
                        .last_mut()
                        .ok_or(format!("line {line}: nested argument without a parent"))?
                        .args;
                }
                list.push(Arg {
                    fields,
                    args: Vec::new(),
                });
            }
            other => return Err(format!("line {line}: unknown record {other:?}")),
        }
    }
    if let Some((name, spec)) = current.take() {
        out.insert(name, spec);
    }
    Ok(out)
}

/// Redis's `getKeysUsingKeySpecs`: the positions in `args` (the command's own arguments, its
/// name first) of the keys the specs find, with each key's flags. `None` when a spec cannot
/// tell (an unknown or incomplete spec, a count that is not a number, keys past the
/// end): the caller then asks the command's own key finder, as Redis does. Specs for things
/// that are not keys (shard channels) are skipped.
pub fn keys_from_specs(spec: &Spec, args: &[&[u8]]) -> Option<Vec<(usize, u16)>> {
    let argc = i64::try_from(args.len()).ok()?;
    let mut out = Vec::new();
    for ks in &spec.keys {
        if ks.flags & key_flags::NOT_KEY != 0 {
            continue;
        }
        let first: i64 = match ks.begin {
            BeginSearch::Index(pos) => i64::from(pos),
            BeginSearch::Keyword { keyword, startfrom } => {
                let start = if startfrom > 0 {
                    i64::from(startfrom)
                } else {
                    argc + i64::from(startfrom)
                };
                let end = if startfrom > 0 { argc - 1 } else { 0 };
                let mut i = start;
                let mut found = None;
                // As Redis: the end index itself is never looked at.
                while i != end {
                    if i >= argc || i < 1 {
                        break;
                    }
                    if args[i as usize].eq_ignore_ascii_case(keyword.as_bytes()) {
                        found = Some(i + 1);
                        break;
                    }
                    i += if start <= end { 1 } else { -1 };
                }
                match found {
                    Some(f) => f,
                    None => continue,
                }
            }
            BeginSearch::Unknown => return None,
        };
        let (first, last, step) = match ks.find {
            FindKeys::Range {
                lastkey,
                keystep,
                limit,
            } => {
                let last = if lastkey >= 0 {
                    first + i64::from(lastkey)
                } else if limit == 0 {
                    argc + i64::from(lastkey)
                } else {
                    first + ((argc - first) / i64::from(limit) + i64::from(lastkey))
                };
                (first, last, i64::from(keystep))
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                let at = usize::try_from(first + i64::from(keynumidx)).ok()?;
                let numkeys = args.get(at).and_then(|a| resp::number::parse_i64(a))?;
                if numkeys < 0 {
                    return None;
                }
                let first = first + i64::from(firstkey);
                (first, first + numkeys - 1, i64::from(keystep))
            }
            FindKeys::Unknown => return None,
        };
        // Out of bounds (no key where one must be, or a count past the end): a syntax error
        // the command itself will report.
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut i = first;
        while i <= last {
            out.push((i as usize, ks.flags));
            i += step.max(1);
        }
        if ks.flags & key_flags::INCOMPLETE != 0 {
            return None;
        }
    }
    Some(out)
}

/// The key finders of the commands whose key specs cannot always tell (Redis's `setGetKeys`,
/// `bitfieldGetKeys`, `sortGetKeys`, and `genericGetKeys` behind the `numkeys` commands, which
/// read the count as `atoi` does and give no flags).
pub fn native_keys(name: &str, args: &[&[u8]]) -> Vec<(usize, u16)> {
    use key_flags::*;
    let counted = |store: usize, count_at: usize, first: usize| {
        let n = args.get(count_at).map_or(0, |a| atoi(a));
        let Ok(n) = usize::try_from(n) else {
            return Vec::new();
        };
        if n < 1 || n > args.len().saturating_sub(first) {
            return Vec::new();
        }
        let mut keys: Vec<(usize, u16)> = (first..first + n).map(|p| (p, 0)).collect();
        if store > 0 {
            keys.push((store, 0));
        }
        keys
    };
    match name {
        "set" => {
            let get = args.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
            let flags = if get {
                RW | ACCESS | UPDATE
            } else {
                OW | UPDATE
            };
            vec![(1, flags)]
        }
        "bitfield" => {
            let mut readonly = true;
            let mut i = 2;
            while i < args.len() {
                let rest = args.len() - i - 1;
                let a = args[i];
                if a.eq_ignore_ascii_case(b"get") && rest >= 2 {
                    i += 2;
                } else if (a.eq_ignore_ascii_case(b"set") || a.eq_ignore_ascii_case(b"incrby"))
                    && rest >= 3
                {
                    readonly = false;
                    break;
                } else if a.eq_ignore_ascii_case(b"overflow") && rest >= 1 {
                    i += 1;
                } else {
                    // A syntax error: safer to assume a write.
                    readonly = false;
                    break;
                }
                i += 1;
            }
            let flags = if readonly {
                RO | ACCESS
            } else {
                RW | ACCESS | UPDATE
            };
            vec![(1, flags)]
        }
        "sort" => {
            let mut keys = vec![(1, RO | ACCESS)];
            let mut store = None;
            let mut i = 2;
            while i < args.len() {
                let a = args[i];
                if a.eq_ignore_ascii_case(b"limit") {
                    i += 2;
                } else if a.eq_ignore_ascii_case(b"get") || a.eq_ignore_ascii_case(b"by") {
                    i += 1;
                } else if a.eq_ignore_ascii_case(b"store") && i + 1 < args.len() {
                    // The last STORE wins, as SORT itself reads it.
                    store = Some(i + 1);
                }
                i += 1;
            }
            keys.extend(store.map(|p| (p, OW | UPDATE)));
            keys
        }
        "sort_ro" => vec![(1, RO | ACCESS)],
        "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro" => counted(0, 2, 3),
        "blmpop" | "bzmpop" => counted(0, 2, 3),
        "zunionstore" | "zinterstore" | "zdiffstore" => counted(1, 2, 3),
        "zunion" | "zinter" | "zdiff" | "zintercard" | "sintercard" | "lmpop" | "zmpop" => {
            counted(0, 1, 2)
        }
        _ => Vec::new(),
    }
}

/// C's `atoi`: leading blanks, a sign, digits, and whatever follows ignored.
fn atoi(s: &[u8]) -> i64 {
    let mut i = s.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut n: i64 = 0;
    for &c in s[i..].iter().take_while(|c| c.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    if neg {
        -n
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<&[u8]> {
        s.split(' ').map(str::as_bytes).collect()
    }

    #[test]
    fn the_file_parses_and_holds_the_shapes_it_should() {
        let set = lookup("set").expect("set");
        assert_eq!(set.group, "string");
        assert_eq!(set.keys.len(), 1);
        assert_eq!(set.keys[0].begin, BeginSearch::Index(1));
        assert!(set.keys[0].flags & key_flags::VARIABLE_FLAGS != 0);
        let expiration = set
            .args
            .iter()
            .find(|a| a.get("name") == Some("expiration"));
        let expiration = expiration.expect("SET has an expiration argument");
        assert_eq!(expiration.get("type"), Some("oneof"));
        assert!(expiration.has_flag("optional"));
        assert_eq!(expiration.args.len(), 5);
        assert!(lookup("config|get").is_some());
        let migrate = lookup("migrate").expect("migrate");
        assert_eq!(
            migrate.keys[1].begin,
            BeginSearch::Keyword {
                keyword: "KEYS",
                startfrom: -2
            }
        );
    }

    #[test]
    fn atoi_reads_as_c_does() {
        assert_eq!(atoi(b"12"), 12);
        assert_eq!(atoi(b"  -3x"), -3);
        assert_eq!(atoi(b"+7"), 7);
        assert_eq!(atoi(b"x1"), 0);
        assert_eq!(atoi(b""), 0);
        assert_eq!(atoi(b"99999999999999999999999"), i64::MAX);
    }

    #[test]
    fn parse_errors_name_the_line() {
        let e = parse("command\tx\nkey\tRO\tindex:1\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = parse("summary\tx\n").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        let e = parse("command\tx\n arg\tname=a\n").unwrap_err();
        assert!(e.contains("nested"), "{e}");
    }

    #[test]
    fn keys_by_index_keyword_and_count() {
        let get = lookup("get").unwrap();
        assert_eq!(keys_from_specs(get, &argv("get k")).unwrap()[0].0, 1);
        let mset = lookup("mset").unwrap();
        let pos: Vec<usize> = keys_from_specs(mset, &argv("mset a 1 b 2"))
            .unwrap()
            .iter()
            .map(|k| k.0)
            .collect();
        assert_eq!(pos, [1, 3]);
        // XREAD: after STREAMS, the first half of the rest.
        let xread = lookup("xread").unwrap();
        let pos: Vec<usize> = keys_from_specs(xread, &argv("xread count 2 streams a b 0 0"))
            .unwrap()
            .iter()
            .map(|k| k.0)
            .collect();
        assert_eq!(pos, [4, 5]);
        // ZUNIONSTORE: the destination, then numkeys keys.
        let z = lookup("zunionstore").unwrap();
        let keys = keys_from_specs(z, &argv("zunionstore d 2 a b")).unwrap();
        assert_eq!(keys.iter().map(|k| k.0).collect::<Vec<_>>(), [1, 3, 4]);
        assert_eq!(keys[0].1, key_flags::OW | key_flags::UPDATE);
        // A count past the end or not a number: the specs cannot tell.
        assert!(keys_from_specs(z, &argv("zunionstore d 3 a")).is_none());
        assert!(keys_from_specs(z, &argv("zunionstore d x a")).is_none());
        // SORT's STORE is unknown to its specs.
        assert!(keys_from_specs(lookup("sort").unwrap(), &argv("sort k")).is_none());
    }
}
