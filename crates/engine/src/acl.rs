//! Access control lists, as Redis 7.0: users with passwords, and selectors of commands, keys
//! and channels; the permission check every command passes in the call path; the ACL LOG.
//!
//! A user is a root [`Selector`] plus any number of further selectors; a command is allowed
//! when one selector allows the command, all its keys (with the read / write access its key
//! specs give them) and all its channels. Command permissions are one bit per registry entry
//! (subcommands have their own), as Redis's `allowed_commands` bitmap, and a `future` bit
//! that only `+@all` sets. ACL LIST and GETUSER describe the bitmap as Redis does
//! ([`Selector::describe_commands`]): the categories that cover it best, then the single
//! commands that differ, so the text matches Redis's for the same rules.
//!
//! Users are shared behind one lock; sessions hold their user's name and re-read it when the
//! [`Users::generation`] moves, so ACL SETUSER takes effect on the next command of every
//! connection of that user, and ACL DELUSER closes them, as in Redis.

use crate::command::{acl_categories, Registry, ACL_CATEGORIES};
use crate::command_spec::key_flags;
use crate::glob;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock};

/// Read permission on a key pattern (`%R~`).
pub const READ: u8 = 1;
/// Write permission on a key pattern (`%W~`).
pub const WRITE: u8 = 2;

/// The command catalog the bitmaps index: each registry entry's categories and tree.
pub struct Catalog {
    /// Category bits (positions in [`ACL_CATEGORIES`]) per registry entry.
    cats: Vec<u32>,
    /// Full names (`config|get`).
    names: Vec<String>,
    /// Subcommand entries of each entry.
    children: Vec<Vec<usize>>,
    /// Top-level entries.
    top: Vec<usize>,
}

impl Catalog {
    /// The catalog of `reg`.
    pub fn new(reg: &Registry) -> Catalog {
        let n = reg.entries.len();
        let mut children = vec![Vec::new(); n];
        let mut top = Vec::new();
        let mut cats = Vec::with_capacity(n);
        for (i, e) in reg.entries.iter().enumerate() {
            match e.parent {
                Some(p) => children[p].push(i),
                None => top.push(i),
            }
            let mut mask = 0u32;
            for c in acl_categories(e.cmd) {
                if let Some(b) = category(c.trim_start_matches('@')) {
                    mask |= 1 << b;
                }
            }
            cats.push(mask);
        }
        Catalog {
            cats,
            names: reg.entries.iter().map(|e| e.full_name.clone()).collect(),
            children,
            top,
        }
    }

    fn find(&self, name: &str) -> Option<usize> {
        let lower = name.to_ascii_lowercase();
        self.names.iter().position(|n| *n == lower)
    }

    /// The full names of the commands in category `cat` (ACL CAT).
    pub fn in_category(&self, cat: usize) -> Vec<&str> {
        (0..self.names.len())
            .filter(|&i| self.cats[i] & (1 << cat) != 0)
            .map(|i| self.names[i].as_str())
            .collect()
    }
}

/// The position of category `name` in [`ACL_CATEGORIES`].
pub fn category(name: &str) -> Option<usize> {
    ACL_CATEGORIES
        .iter()
        .position(|c| c.eq_ignore_ascii_case(name))
}

/// One selector: the commands, keys and channels it allows.
#[derive(Clone, Debug, PartialEq)]
pub struct Selector {
    allowed: Vec<bool>,
    /// `+@all`: commands added later are allowed too.
    future: bool,
    /// Allowed first arguments of commands otherwise denied (`+select|0`), per entry.
    firstargs: BTreeMap<usize, Vec<String>>,
    /// Key patterns with their [`READ`] / [`WRITE`] permissions.
    keys: Vec<(u8, Vec<u8>)>,
    allkeys: bool,
    channels: Vec<Vec<u8>>,
    allchannels: bool,
}

impl Selector {
    fn new(n: usize, allchannels: bool) -> Selector {
        Selector {
            allowed: vec![false; n],
            future: false,
            firstargs: BTreeMap::new(),
            keys: Vec::new(),
            allkeys: false,
            channels: Vec::new(),
            allchannels,
        }
    }

    /// Redis's `ACLChangeSelectorPerm`: the command and all its subcommands.
    fn change(&mut self, cat: &Catalog, idx: usize, allow: bool) {
        self.allowed[idx] = allow;
        self.firstargs.remove(&idx);
        for &c in &cat.children[idx] {
            self.change(cat, c, allow);
        }
    }

    /// Redis's `ACLSetSelectorCommandBitsForCategory`.
    fn change_category(&mut self, cat: &Catalog, c: usize, allow: bool) {
        fn walk(s: &mut Selector, cat: &Catalog, list: &[usize], c: usize, allow: bool) {
            for &i in list {
                if cat.cats[i] & (1 << c) != 0 {
                    s.change(cat, i, allow);
                }
                walk(s, cat, &cat.children[i], c, allow);
            }
        }
        walk(self, cat, &cat.top, c, allow);
    }

    fn all(&mut self, allow: bool) {
        self.allowed.iter_mut().for_each(|b| *b = allow);
        self.firstargs.clear();
        self.future = allow;
    }

    /// Applies one selector rule; the error is Redis's errno text.
    fn apply(&mut self, cat: &Catalog, op: &str) -> Result<(), &'static str> {
        let lower = op.to_ascii_lowercase();
        match lower.as_str() {
            "allkeys" | "~*" => {
                self.allkeys = true;
                self.keys.clear();
                return Ok(());
            }
            "resetkeys" => {
                self.allkeys = false;
                self.keys.clear();
                return Ok(());
            }
            "allchannels" | "&*" => {
                self.allchannels = true;
                self.channels.clear();
                return Ok(());
            }
            "resetchannels" => {
                self.allchannels = false;
                self.channels.clear();
                return Ok(());
            }
            "allcommands" | "+@all" => {
                self.all(true);
                return Ok(());
            }
            "nocommands" | "-@all" => {
                self.all(false);
                return Ok(());
            }
            _ => {}
        }
        let b = op.as_bytes();
        if b.first() == Some(&b'~') || b.first() == Some(&b'%') {
            let (flags, pattern) = if b[0] == b'~' {
                (READ | WRITE, &b[1..])
            } else {
                let tilde = b.iter().position(|&c| c == b'~').ok_or(SYNTAX)?;
                let mut flags = 0;
                for &c in &b[1..tilde] {
                    match c.to_ascii_uppercase() {
                        b'R' => flags |= READ,
                        b'W' => flags |= WRITE,
                        _ => return Err(SYNTAX),
                    }
                }
                if flags == 0 {
                    return Err(SYNTAX);
                }
                (flags, &b[tilde + 1..])
            };
            // Only `~*` is allkeys: `%RW~*` is a pattern like any other, as in Redis.
            if self.allkeys {
                return Err(AFTER_ALLKEYS);
            }
            match self.keys.iter_mut().find(|(_, p)| p == pattern) {
                Some(k) => k.0 |= flags,
                None => self.keys.push((flags, pattern.to_vec())),
            }
            return Ok(());
        }
        if b.first() == Some(&b'&') {
            if self.allchannels {
                return Err(AFTER_ALLCHANNELS);
            }
            let pattern = b[1..].to_vec();
            if !self.channels.contains(&pattern) {
                self.channels.push(pattern);
            }
            return Ok(());
        }
        let allow = match b.first() {
            Some(b'+') => true,
            Some(b'-') => false,
            _ => return Err(SYNTAX),
        };
        let name = &op[1..];
        if let Some(c) = name.strip_prefix('@') {
            let c = category(c).ok_or(UNKNOWN)?;
            self.change_category(cat, c, allow);
            return Ok(());
        }
        if let Some(idx) = cat.find(name) {
            self.change(cat, idx, allow);
            return Ok(());
        }
        // `+cmd|firstarg`: a first argument of a command without subcommands.
        let (base, arg) = name.split_once('|').ok_or(UNKNOWN)?;
        let idx = cat.find(base).ok_or(UNKNOWN)?;
        if !cat.children[idx].is_empty() {
            return Err(UNKNOWN);
        }
        if arg.contains('|') {
            return Err(UNKNOWN);
        }
        if arg.is_empty() {
            return Err(SYNTAX);
        }
        if !allow {
            return Err(UNKNOWN);
        }
        if !self.allowed[idx] {
            let list = self.firstargs.entry(idx).or_default();
            let arg = arg.to_ascii_lowercase();
            if !list.contains(&arg) {
                list.push(arg);
            }
        }
        Ok(())
    }

    /// Commands and subcommands of category `c` allowed and denied.
    fn category_counts(&self, cat: &Catalog, c: usize) -> (usize, usize) {
        let (mut on, mut off) = (0, 0);
        for i in 0..cat.names.len() {
            if cat.cats[i] & (1 << c) != 0 {
                if self.allowed[i] {
                    on += 1;
                } else {
                    off += 1;
                }
            }
        }
        (on, off)
    }

    /// Redis's `ACLDescribeSelectorCommandRules`: `+@all` or `-@all`, the categories that
    /// best cover the bitmap (greedily, in category order), then the commands that differ.
    pub fn describe_commands(&self, cat: &Catalog) -> String {
        let additive = !self.future;
        let mut rules = String::from(if additive { "-@all " } else { "+@all " });
        let n = cat.names.len();
        let mut fake = Selector::new(n, false);
        fake.all(!additive);
        let mut temp = self.clone();
        let mut applied = [false; 32];
        loop {
            let mut best = None;
            let (mut mindiff, mut maxsame) = (usize::MAX, 0);
            for (j, done) in applied.iter().enumerate().take(ACL_CATEGORIES.len()) {
                if *done {
                    continue;
                }
                let (on, off) = temp.category_counts(cat, j);
                let (diff, same) = if additive { (off, on) } else { (on, off) };
                if same > diff && (diff < mindiff || (diff == mindiff && same > maxsame)) {
                    best = Some(j);
                    mindiff = diff;
                    maxsame = same;
                }
            }
            let Some(j) = best else { break };
            fake.change_category(cat, j, additive);
            temp.change_category(cat, j, !additive);
            rules += if additive { "+@" } else { "-@" };
            rules += ACL_CATEGORIES[j];
            rules.push(' ');
            applied[j] = true;
        }
        fn singles(
            s: &Selector,
            fake: &mut Selector,
            cat: &Catalog,
            list: &[usize],
            out: &mut String,
        ) {
            for &i in list {
                if s.allowed[i] != fake.allowed[i] {
                    out.push(if s.allowed[i] { '+' } else { '-' });
                    out.push_str(&cat.names[i]);
                    out.push(' ');
                    fake.change(cat, i, s.allowed[i]);
                }
                singles(s, fake, cat, &cat.children[i], out);
                if !s.allowed[i] {
                    for arg in s.firstargs.get(&i).into_iter().flatten() {
                        out.push('+');
                        out.push_str(&cat.names[i]);
                        out.push('|');
                        out.push_str(arg);
                        out.push(' ');
                    }
                }
            }
        }
        singles(self, &mut fake, cat, &cat.top, &mut rules);
        rules.pop();
        rules
    }

    /// The key patterns as ACL LIST shows them (`~*` for allkeys).
    pub fn describe_keys(&self) -> String {
        if self.allkeys {
            return "~*".into();
        }
        let parts: Vec<String> = self
            .keys
            .iter()
            .map(|(f, p)| {
                let prefix = match *f {
                    READ => "%R~",
                    WRITE => "%W~",
                    _ => "~",
                };
                format!("{prefix}{}", String::from_utf8_lossy(p))
            })
            .collect();
        parts.join(" ")
    }

    /// The channel patterns (`&*` for allchannels); `with_reset` prefixes `resetchannels`
    /// to a restricted list, as ACL LIST does.
    pub fn describe_channels(&self, with_reset: bool) -> String {
        if self.allchannels {
            return "&*".into();
        }
        let mut parts: Vec<String> = Vec::new();
        if with_reset {
            parts.push("resetchannels".into());
        }
        parts.extend(
            self.channels
                .iter()
                .map(|c| format!("&{}", String::from_utf8_lossy(c))),
        );
        parts.join(" ")
    }

    /// Whether this selector allows running entry `idx` with `args`, and on which object it
    /// refuses otherwise.
    fn check(&self, reg: &Registry, idx: usize, args: &[&[u8]]) -> Result<(), Denied> {
        if !self.allowed[idx] {
            let by_firstarg = args.get(1).is_some_and(|a| {
                let a = String::from_utf8_lossy(a).to_ascii_lowercase();
                self.firstargs.get(&idx).is_some_and(|l| l.contains(&a))
            });
            if !by_firstarg {
                return Err(Denied::Command);
            }
        }
        if !self.allkeys && !reg.entries[idx].spec.keys.is_empty() {
            for (pos, kf) in reg.keys_and_flags(idx, args) {
                if !self.key_allowed(args[pos], kf) {
                    return Err(Denied::Key(pos));
                }
            }
        }
        if !self.allchannels {
            if let Some((positions, patterns)) = channels_of(&reg.entries[idx].full_name, args) {
                for pos in positions {
                    if !self.channel_allowed(args[pos], patterns) {
                        return Err(Denied::Channel(pos));
                    }
                }
            }
        }
        Ok(())
    }

    fn key_allowed(&self, key: &[u8], spec_flags: u16) -> bool {
        if self.allkeys {
            return true;
        }
        let mut need = 0;
        if spec_flags & key_flags::ACCESS != 0 {
            need |= READ;
        }
        if spec_flags & (key_flags::INSERT | key_flags::DELETE | key_flags::UPDATE) != 0 {
            need |= WRITE;
        }
        self.keys
            .iter()
            .any(|(f, p)| f & need == need && glob::matches(p, key, false))
    }

    /// A channel is allowed by a matching pattern; a pattern (PSUBSCRIBE) only by the same
    /// pattern, as Redis compares them literally.
    fn channel_allowed(&self, channel: &[u8], is_pattern: bool) -> bool {
        self.allchannels
            || self.channels.iter().any(|p| {
                if is_pattern {
                    p == channel
                } else {
                    glob::matches(p, channel, false)
                }
            })
    }
}

/// The channel arguments of a command (Redis's `getChannelsFromCommand`): positions, and
/// whether they are patterns. Unsubscribing is never checked.
fn channels_of(name: &str, args: &[&[u8]]) -> Option<(Vec<usize>, bool)> {
    match name {
        "publish" | "spublish" => Some((vec![1], false)),
        "subscribe" | "ssubscribe" => Some(((1..args.len()).collect(), false)),
        "psubscribe" => Some(((1..args.len()).collect(), true)),
        _ => None,
    }
}

const SYNTAX: &str = "Syntax error";
const UNKNOWN: &str = "Unknown command or category name in ACL";
const AFTER_ALLKEYS: &str = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
const AFTER_ALLCHANNELS: &str = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
const NO_SUCH_PASSWORD: &str = "The password you are trying to remove from the user does not exist";
const BAD_HASH: &str = "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";

/// Why a command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// The command itself.
    Command,
    /// The key at this argument.
    Key(usize),
    /// The channel at this argument.
    Channel(usize),
}

/// A user.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// Its name.
    pub name: String,
    /// `on` / `off`.
    pub enabled: bool,
    /// `nopass`: any password authenticates.
    pub nopass: bool,
    /// `sanitize-payload` (Some(true)), `skip-sanitize-payload` (Some(false)), or neither.
    pub sanitize: Option<bool>,
    /// SHA-256 hashes of its passwords, in lowercase hex, in the order added.
    pub passwords: Vec<String>,
    /// The root selector.
    pub root: Selector,
    /// Further selectors.
    pub selectors: Vec<Selector>,
    /// Every command, key and channel allowed: the check is skipped (computed when stored).
    open: bool,
}

/// The SHA-256 of `password` in lowercase hex (how ACL stores and shows passwords).
pub fn hash_password(password: &[u8]) -> String {
    hex(&Sha256::digest(password))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl User {
    /// A new user as ACL SETUSER creates one: off, no password, no commands, no keys, and
    /// the channels `acl-pubsub-default` gives.
    pub fn new(name: &str, cat: &Catalog, allchannels: bool) -> User {
        User {
            name: name.to_string(),
            enabled: false,
            nopass: false,
            sanitize: None,
            passwords: Vec::new(),
            root: Selector::new(cat.names.len(), allchannels),
            selectors: Vec::new(),
            open: false,
        }
    }

    /// The `default` user of a fresh server: on, nopass, every command, key and channel.
    pub fn default_user(cat: &Catalog) -> User {
        let mut u = User::new("default", cat, true);
        u.enabled = true;
        u.nopass = true;
        u.root.all(true);
        u.root.allkeys = true;
        u
    }

    /// Applies one rule (a selector in parentheses included); errors are Redis's texts.
    pub fn apply(
        &mut self,
        cat: &Catalog,
        op: &str,
        allchannels: bool,
    ) -> Result<(), &'static str> {
        let lower = op.to_ascii_lowercase();
        match lower.as_str() {
            "on" => self.enabled = true,
            "off" => self.enabled = false,
            "nopass" => {
                self.nopass = true;
                self.passwords.clear();
            }
            "resetpass" => {
                self.nopass = false;
                self.passwords.clear();
            }
            "skip-sanitize-payload" => self.sanitize = Some(false),
            "sanitize-payload" => self.sanitize = Some(true),
            "clearselectors" => self.selectors.clear(),
            "reset" => {
                for r in ["resetpass", "resetkeys", "resetchannels"] {
                    self.apply(cat, r, allchannels)?;
                }
                if allchannels {
                    self.apply(cat, "allchannels", allchannels)?;
                }
                for r in ["off", "clearselectors", "-@all", "sanitize-payload"] {
                    self.apply(cat, r, allchannels)?;
                }
            }
            _ => {
                let b = op.as_bytes();
                match b.first() {
                    Some(b'>') => {
                        let h = hash_password(&b[1..]);
                        if !self.passwords.contains(&h) {
                            self.passwords.push(h);
                        }
                        self.nopass = false;
                    }
                    Some(b'#') => {
                        let h = &op[1..];
                        if h.len() != 64
                            || !h.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                        {
                            return Err(BAD_HASH);
                        }
                        if !self.passwords.iter().any(|p| p == h) {
                            self.passwords.push(h.to_string());
                        }
                        self.nopass = false;
                    }
                    Some(b'<') | Some(b'!') => {
                        let h = if b[0] == b'<' {
                            hash_password(&b[1..])
                        } else {
                            let h = &op[1..];
                            if h.len() != 64
                                || !h.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                            {
                                return Err(BAD_HASH);
                            }
                            h.to_string()
                        };
                        let before = self.passwords.len();
                        self.passwords.retain(|p| *p != h);
                        if self.passwords.len() == before {
                            return Err(NO_SUCH_PASSWORD);
                        }
                    }
                    Some(b'(') if b.last() == Some(&b')') => {
                        let mut s = Selector::new(cat.names.len(), allchannels);
                        for rule in op[1..op.len() - 1].split(' ').filter(|r| !r.is_empty()) {
                            s.apply(cat, rule)?;
                        }
                        self.selectors.push(s);
                    }
                    _ => self.root.apply(cat, op)?,
                }
            }
        }
        Ok(())
    }

    /// Whether `password` authenticates this user (enabled, and nopass or a matching hash).
    pub fn accepts(&self, password: &[u8]) -> bool {
        if !self.enabled {
            return false;
        }
        if self.nopass {
            return true;
        }
        let h = hash_password(password);
        self.passwords
            .iter()
            .any(|p| crate::config::constant_time_eq(p.as_bytes(), h.as_bytes()))
    }

    /// True when nothing is restricted (the check can be skipped): read from what
    /// [`Users`] computed when it stored the user, so the default user costs nothing.
    pub fn unrestricted(&self) -> bool {
        self.open
    }

    fn compute_open(&mut self) {
        let r = &self.root;
        self.open = r.future && r.allowed.iter().all(|&b| b) && r.allkeys && r.allchannels;
    }

    /// Redis's `ACLCheckAllUserCommandPerm`: allowed when one selector allows everything;
    /// otherwise the root selector's reason (or the most telling one: a key or channel
    /// refusal of a selector that allowed the command).
    pub fn check(&self, reg: &Registry, idx: usize, args: &[&[u8]]) -> Result<(), Denied> {
        let mut reason = match self.root.check(reg, idx, args) {
            Ok(()) => return Ok(()),
            Err(r) => r,
        };
        for s in &self.selectors {
            match s.check(reg, idx, args) {
                Ok(()) => return Ok(()),
                Err(r) => {
                    if reason == Denied::Command {
                        reason = r;
                    }
                }
            }
        }
        Err(reason)
    }

    /// Whether this user may run the command `args` (its name first): known, and allowed.
    pub fn may_run(&self, reg: &Registry, args: &[&[u8]]) -> bool {
        reg.resolve(args)
            .is_ok_and(|idx| self.unrestricted() || self.check(reg, idx, args).is_ok())
    }

    /// Whether some selector allows `channel` (a PSUBSCRIBE pattern when `is_pattern`).
    pub fn channel_allowed(&self, channel: &[u8], is_pattern: bool) -> bool {
        std::iter::once(&self.root)
            .chain(&self.selectors)
            .any(|s| s.channel_allowed(channel, is_pattern))
    }

    /// The user's flags as ACL GETUSER lists them.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut f = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            f.push("nopass");
        }
        match self.sanitize {
            Some(true) => f.push("sanitize-payload"),
            Some(false) => f.push("skip-sanitize-payload"),
            None => {}
        }
        f
    }

    /// The user as one ACL LIST line (and an aclfile line).
    pub fn describe(&self, cat: &Catalog) -> String {
        let mut parts = vec![format!("user {}", self.name)];
        parts.extend(self.flags().iter().map(|f| f.to_string()));
        parts.extend(self.passwords.iter().map(|p| format!("#{p}")));
        let keys = self.root.describe_keys();
        if !keys.is_empty() {
            parts.push(keys);
        }
        parts.push(self.root.describe_channels(true));
        parts.push(self.root.describe_commands(cat));
        for s in &self.selectors {
            let mut inner = Vec::new();
            let keys = s.describe_keys();
            if !keys.is_empty() {
                inner.push(keys);
            }
            inner.push(s.describe_channels(true));
            inner.push(s.describe_commands(cat));
            parts.push(format!("({})", inner.join(" ")));
        }
        parts.join(" ")
    }
}

/// One ACL LOG entry.
#[derive(Clone, Debug)]
pub struct LogEntry {
    /// How many times it happened (identical entries within 60 s are merged).
    pub count: u64,
    /// `command`, `key`, `channel` or `auth`.
    pub reason: &'static str,
    /// `toplevel`, `multi` or `lua`.
    pub context: &'static str,
    /// The command, key, channel or `AUTH`.
    pub object: String,
    /// The user.
    pub username: String,
    /// When it last happened (ms).
    pub time_ms: u64,
    /// CLIENT INFO of the client.
    pub client_info: String,
}

/// Every user, the ACL LOG, and the generation sessions compare to notice changes.
pub struct Users {
    /// The catalog the bitmaps index.
    pub catalog: Catalog,
    users: RwLock<BTreeMap<String, Arc<User>>>,
    generation: AtomicU64,
    log: RwLock<VecDeque<LogEntry>>,
}

impl Users {
    /// The users of a fresh server: `default` alone.
    pub fn new(reg: &Registry) -> Users {
        let catalog = Catalog::new(reg);
        let mut users = BTreeMap::new();
        let mut default = User::default_user(&catalog);
        default.compute_open();
        users.insert("default".to_string(), Arc::new(default));
        Users {
            catalog,
            users: RwLock::new(users),
            generation: AtomicU64::new(0),
            log: RwLock::new(VecDeque::new()),
        }
    }

    /// Moves with every change of any user.
    pub fn generation(&self) -> u64 {
        self.generation.load(Relaxed)
    }

    /// The user called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<User>> {
        self.users
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// Every user, by name.
    pub fn all(&self) -> Vec<Arc<User>> {
        self.users
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Stores `user` (new or replacing the one of its name).
    pub fn put(&self, mut user: User) {
        user.compute_open();
        self.users
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(user.name.clone(), Arc::new(user));
        self.generation.fetch_add(1, Relaxed);
    }

    /// Replaces every user at once (ACL LOAD); `default` is kept when `users` lacks it.
    pub fn replace_all(&self, users: Vec<User>) {
        let mut map = self.users.write().unwrap_or_else(|e| e.into_inner());
        let default = map.get("default").cloned();
        map.clear();
        for mut u in users {
            u.compute_open();
            map.insert(u.name.clone(), Arc::new(u));
        }
        if let (false, Some(d)) = (map.contains_key("default"), default) {
            map.insert("default".into(), d);
        }
        self.generation.fetch_add(1, Relaxed);
    }

    /// Removes the users named (not `default`); returns how many existed.
    pub fn delete(&self, names: &[String]) -> usize {
        let mut map = self.users.write().unwrap_or_else(|e| e.into_inner());
        let n = names
            .iter()
            .filter(|n| map.remove(n.as_str()).is_some())
            .count();
        drop(map);
        self.generation.fetch_add(1, Relaxed);
        n
    }

    /// Adds an entry to the ACL LOG (merged with an identical one of the last 60 s), keeping
    /// at most `max` entries.
    pub fn log(&self, mut entry: LogEntry, max: usize) {
        let mut log = self.log.write().unwrap_or_else(|e| e.into_inner());
        if let Some(pos) = log.iter().position(|e| {
            e.reason == entry.reason
                && e.context == entry.context
                && e.object == entry.object
                && e.username == entry.username
                && entry.time_ms.saturating_sub(e.time_ms) < 60_000
        }) {
            let old = log.remove(pos).expect("found");
            entry.count = old.count + 1;
        }
        log.push_front(entry);
        log.truncate(max);
    }

    /// The ACL LOG, newest first.
    pub fn log_entries(&self) -> Vec<LogEntry> {
        self.log
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// ACL LOG RESET.
    pub fn reset_log(&self) {
        self.log.write().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Trims the log to `max` entries (acllog-max-len lowered).
    pub fn trim_log(&self, max: usize) {
        self.log
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .truncate(max);
    }
}

/// Splits SETUSER arguments into rules, joining a selector given over several arguments
/// (`(~x*` `+get)`) as Redis's `ACLMergeSelectorArguments`.
pub fn merge_selector_args(args: &[&[u8]]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut open: Option<String> = None;
    for a in args {
        let a = String::from_utf8_lossy(a).into_owned();
        match open.as_mut() {
            Some(sel) => {
                sel.push(' ');
                sel.push_str(&a);
                if a.ends_with(')') {
                    out.push(open.take().expect("open"));
                }
            }
            None if a.starts_with('(') && !a.ends_with(')') => open = Some(a),
            None => out.push(a),
        }
    }
    if let Some(sel) = open {
        return Err(format!(
            "ERR Unmatched parenthesis in acl selector starting at '{sel}'."
        ));
    }
    Ok(out)
}

/// Parses one aclfile or config `user` line into a user (the rules after `user <name>`).
pub fn parse_user_line(cat: &Catalog, line: &str, allchannels: bool) -> Result<User, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.len() < 2 || words[0] != "user" {
        return Err("should start with user keyword".into());
    }
    let mut user = User::new(words[1], cat, allchannels);
    let rest: Vec<&[u8]> = words[2..].iter().map(|w| w.as_bytes()).collect();
    for rule in merge_selector_args(&rest)? {
        user.apply(cat, &rule, allchannels)
            .map_err(|e| format!("Error in user declaration '{}': {e}", words[1]))?;
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> (Registry, Catalog) {
        let reg = Registry::new(crate::families::TABLES);
        let cat = Catalog::new(&reg);
        (reg, cat)
    }

    fn user(cat: &Catalog, rules: &str) -> User {
        let mut u = User::new("u", cat, false);
        for r in rules.split(' ') {
            u.apply(cat, r, false)
                .unwrap_or_else(|e| panic!("{r}: {e}"));
        }
        u
    }

    #[test]
    fn command_rules_are_described_as_redis_does() {
        let (_, cat) = catalog();
        let d = |rules: &str| user(&cat, rules).root.describe_commands(&cat);
        assert_eq!(d("+get +@string"), "-@all +@string");
        assert_eq!(d("+get -@string"), "-@all");
        assert_eq!(d("-@string +get"), "-@all +get");
        assert_eq!(d("+@all -get"), "+@all -get");
        assert_eq!(d("+config|get"), "-@all +config|get");
        assert_eq!(d("+select|0"), "-@all +select|0");
        assert_eq!(d("+@hash -hget +hget"), "-@all +@hash");
        assert_eq!(d("+get nocommands +set"), "-@all +set");
    }

    #[test]
    fn keys_are_checked_with_their_access() {
        let (reg, cat) = catalog();
        let u = user(&cat, "+@all %R~r* %W~w* ~rw*");
        let run = |cmd: &str| {
            let args: Vec<&[u8]> = cmd.split(' ').map(str::as_bytes).collect();
            let idx = reg.resolve(&args).map_err(|_| ()).unwrap();
            u.check(&reg, idx, &args)
        };
        assert_eq!(run("GET r1"), Ok(()));
        assert_eq!(run("SET r1 v"), Err(Denied::Key(1)));
        assert_eq!(run("SET w1 v"), Ok(()));
        assert_eq!(run("GET w1"), Err(Denied::Key(1)));
        assert_eq!(run("COPY rw1 w2"), Ok(()));
        assert_eq!(run("COPY w1 rw"), Err(Denied::Key(1)));
        assert_eq!(run("PUBLISH ch x"), Err(Denied::Channel(1)));
    }

    #[test]
    fn selectors_grant_alternatives() {
        let (reg, cat) = catalog();
        let mut u = user(&cat, "+get ~a*");
        u.apply(&cat, "(+set ~b*)", false).unwrap();
        let run = |cmd: &str| {
            let args: Vec<&[u8]> = cmd.split(' ').map(str::as_bytes).collect();
            let idx = reg.resolve(&args).map_err(|_| ()).unwrap();
            u.check(&reg, idx, &args)
        };
        assert_eq!(run("GET a"), Ok(()));
        assert_eq!(run("SET b v"), Ok(()));
        assert_eq!(run("SET a v"), Err(Denied::Key(1)));
        assert_eq!(run("DEL a"), Err(Denied::Command));
        assert!(
            u.describe(&cat).ends_with("(~b* resetchannels -@all +set)"),
            "{}",
            u.describe(&cat)
        );
    }

    #[test]
    fn rule_errors_are_redis_s() {
        let (_, cat) = catalog();
        let mut u = User::new("u", &cat, false);
        assert_eq!(u.apply(&cat, "+nosuch", false), Err(UNKNOWN));
        assert_eq!(u.apply(&cat, "+@nosuch", false), Err(UNKNOWN));
        assert_eq!(u.apply(&cat, "bogus", false), Err(SYNTAX));
        assert_eq!(u.apply(&cat, "#abc", false), Err(BAD_HASH));
        assert_eq!(u.apply(&cat, "<nope", false), Err(NO_SUCH_PASSWORD));
        u.apply(&cat, "allkeys", false).unwrap();
        assert_eq!(u.apply(&cat, "~x", false), Err(AFTER_ALLKEYS));
        assert!(merge_selector_args(&[b"(+get", b"~x"]).is_err());
        assert_eq!(
            merge_selector_args(&[b"on", b"(+get", b"~x)"]).unwrap(),
            ["on", "(+get ~x)"]
        );
    }

    #[test]
    fn passwords_are_sha256() {
        assert_eq!(
            hash_password(b"p1"),
            "f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a"
        );
    }
}
