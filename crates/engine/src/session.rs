//! Per-connection state ([`Session`]) and the registry of connected clients ([`Clients`]), which
//! CLIENT LIST, CLIENT INFO and CLIENT KILL read.

use crate::pubsub::{Hub, Space, Subscriber};
use crate::watch::{Flag, Watches};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// What other connections can see and change of a client.
pub struct ClientInfo {
    /// Unique, increasing id (CLIENT ID).
    pub id: u64,
    /// Peer address `ip:port`.
    pub addr: String,
    /// Local address `ip:port`.
    pub laddr: String,
    /// Socket descriptor, -1 when there is none.
    pub fd: i64,
    /// Unix ms of connection.
    pub created_ms: u64,
    /// CLIENT SETNAME value.
    pub name: Mutex<Vec<u8>>,
    /// Selected database.
    pub db: AtomicUsize,
    /// Registry index of the last command, `usize::MAX` before the first.
    pub last_command: AtomicUsize,
    /// Unix ms of the last command.
    pub last_interaction_ms: AtomicU64,
    /// Protocol version (2 or 3).
    pub resp: AtomicUsize,
    /// Bytes waiting in the query buffer.
    pub qbuf: AtomicUsize,
    /// Bytes waiting in the output buffer.
    pub omem: AtomicUsize,
    /// Channel, pattern and shard-channel subscriptions (CLIENT LIST sub, psub, ssub).
    pub subscriptions: [AtomicUsize; 3],
    /// Set when the client was dropped for exceeding its output buffer limit.
    pub output_limit_hit: AtomicBool,
    /// CLIENT NO-EVICT.
    pub no_evict: AtomicBool,
    /// Commands queued in an open MULTI, -1 outside one (CLIENT LIST `multi`, flag `x`).
    pub multi: std::sync::atomic::AtomicI64,
    /// CLIENT TRACKING redirection, 0 without one, -1 when not tracking (`redir`, flag `t`).
    pub redir: std::sync::atomic::AtomicI64,
    /// Tracking in BCAST mode (flag `B`).
    pub bcast: AtomicBool,
    /// A MONITOR connection (flag `O`).
    pub monitor: AtomicBool,
    /// The authenticated user's name (CLIENT LIST `user`).
    pub user: Mutex<String>,
    killed: AtomicBool,
    waker: Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
}

impl ClientInfo {
    fn new(id: u64, addr: String, laddr: String, fd: i64, now_ms: u64, resp: usize) -> ClientInfo {
        ClientInfo {
            id,
            addr,
            laddr,
            fd,
            created_ms: now_ms,
            name: Mutex::new(Vec::new()),
            db: AtomicUsize::new(0),
            last_command: AtomicUsize::new(usize::MAX),
            last_interaction_ms: AtomicU64::new(now_ms),
            resp: AtomicUsize::new(resp),
            qbuf: AtomicUsize::new(0),
            omem: AtomicUsize::new(0),
            subscriptions: Default::default(),
            output_limit_hit: AtomicBool::new(false),
            no_evict: AtomicBool::new(false),
            multi: std::sync::atomic::AtomicI64::new(-1),
            redir: std::sync::atomic::AtomicI64::new(-1),
            bcast: AtomicBool::new(false),
            monitor: AtomicBool::new(false),
            user: Mutex::new("default".to_string()),
            killed: AtomicBool::new(false),
            waker: Mutex::new(None),
        }
    }

    /// Marks the client for disconnection and wakes its connection task.
    pub fn kill(&self) {
        self.killed.store(true, Relaxed);
        self.wake();
    }

    /// Wakes the connection (a published message waits in its mailbox).
    pub fn wake(&self) {
        if let Some(w) = self
            .waker
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            w();
        }
    }

    /// True once killed.
    pub fn is_killed(&self) -> bool {
        self.killed.load(Relaxed)
    }

    /// Installs what [`Self::kill`] calls to wake the connection.
    pub fn set_waker(&self, w: Box<dyn Fn() + Send + Sync>) {
        *self.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(w);
    }

    /// The authenticated user's name.
    pub fn user_name(&self) -> String {
        self.user.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Records the user the connection authenticated as.
    pub fn set_user(&self, name: &str) {
        *self.user.lock().unwrap_or_else(|e| e.into_inner()) = name.to_string();
    }

    /// The name as text.
    pub fn name_lossy(&self) -> String {
        String::from_utf8_lossy(&self.name.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

/// All connected clients.
#[derive(Default)]
pub struct Clients {
    next_id: AtomicU64,
    map: Mutex<BTreeMap<u64, Arc<ClientInfo>>>,
    /// Open connections of every door (RESP, HTTP, its event streams): what `maxclients`
    /// bounds.
    connections: Arc<AtomicUsize>,
}

/// One admitted connection, counted until it drops (see [`Clients::admit`]).
pub struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

impl Clients {
    /// Admits one more connection unless `max` are open: a count taken and checked in one
    /// atomic step, so simultaneous accepts on several listeners cannot pass the limit
    /// together.
    pub fn admit(&self, max: usize) -> Option<Slot> {
        self.connections
            .fetch_update(Relaxed, Relaxed, |n| (n < max).then_some(n + 1))
            .ok()
            .map(|_| Slot(self.connections.clone()))
    }

    /// Connections open now, of every door.
    pub fn connections(&self) -> usize {
        self.connections.load(Relaxed)
    }

    /// Registers a new client.
    pub fn register(&self, addr: String, laddr: String, fd: i64, now_ms: u64) -> Arc<ClientInfo> {
        let id = self.next_id.fetch_add(1, Relaxed) + 1;
        let info = Arc::new(ClientInfo::new(id, addr, laddr, fd, now_ms, 2));
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, info.clone());
        info
    }

    /// A client that is not listed (HTTP requests, the embedded library): it gets an id but
    /// CLIENT LIST does not show it and nothing needs to unregister it.
    pub fn detached(&self, addr: &str, now_ms: u64) -> Arc<ClientInfo> {
        let id = self.next_id.fetch_add(1, Relaxed) + 1;
        Arc::new(ClientInfo::new(
            id,
            addr.to_string(),
            String::new(),
            -1,
            now_ms,
            3,
        ))
    }

    /// Removes a client that disconnected.
    pub fn unregister(&self, id: u64) {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    /// Every connected client, by id.
    pub fn list(&self) -> Vec<Arc<ClientInfo>> {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Number of connected clients.
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// True when nobody is connected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A connection's state as commands see it.
pub struct Session {
    /// The shared part (registry entry).
    pub client: Arc<ClientInfo>,
    /// Selected database.
    pub db: usize,
    /// True after `HELLO 3`.
    pub resp3: bool,
    /// False while a password is required and the client has not presented it.
    pub authenticated: bool,
    /// The user whose permissions apply, as of ACL generation `acl_gen` (re-read when users
    /// change; None until first needed).
    pub acl_user: Option<(u64, std::sync::Arc<crate::acl::User>)>,
    /// Subscriptions, once the connection subscribed to anything.
    pub pubsub: Option<Box<PubSubState>>,
    /// The open transaction, between MULTI and EXEC/DISCARD.
    pub multi: Option<Transaction>,
    /// The keys this connection WATCHes.
    pub watching: Option<Watching>,
    /// CLIENT TRACKING state, while tracking.
    pub tracking: Option<SessionTracking>,
    /// The mailbox of a MONITOR connection.
    pub monitor: Option<Arc<Subscriber>>,
    /// CLIENT REPLY OFF: no reply is sent.
    pub reply_off: bool,
    /// CLIENT REPLY SKIP: the next command's reply is not sent (the call path takes it).
    pub reply_skip_next: bool,
    /// The wait this connection is in: its connection sends nothing else until it ends.
    pub blocked: Option<Arc<crate::blocking::Waiter>>,
    /// Set for the session replaying the append-only file: it runs while the server loads and
    /// is never refused for a persistence error.
    pub replaying: bool,
    /// Set by a door that sends replies after the command ran (the RESP connection): a
    /// SHUTDOWN then only marks [`Session::shutdown_after_reply`], and the door stops the
    /// server once the replies before it went out. Other doors' SHUTDOWN stops it at once.
    pub defers_shutdown: bool,
    /// SHUTDOWN ran on this connection (see [`Session::defers_shutdown`]).
    pub shutdown_after_reply: bool,
    /// `maxmemory` could not be met when the running command was admitted (Redis's
    /// `pre_command_oom_state`: a script's first write is refused then).
    pub oom: bool,
}

/// A tracking connection's options.
pub struct SessionTracking {
    /// Where the tracker is registered (to unregister on close).
    pub table: Arc<crate::tracking::Tracking>,
    /// The registered tracker.
    pub tracker: Arc<crate::tracking::Tracker>,
    /// OPTIN: track only after CLIENT CACHING YES.
    pub optin: bool,
    /// OPTOUT: track unless after CLIENT CACHING NO.
    pub optout: bool,
    /// CLIENT CACHING for the next command (the call path takes it).
    pub caching: Option<bool>,
}

/// Commands queued by MULTI: registry index and arguments.
#[derive(Default)]
pub struct Transaction {
    /// The queue.
    pub queued: Vec<(usize, Vec<Vec<u8>>)>,
    /// Set by an error while queuing: EXEC then fails with EXECABORT.
    pub aborted: bool,
    /// Bytes of the queued arguments: bounded by `client-query-buffer-limit`.
    pub bytes: usize,
}

/// A connection's WATCHed keys.
pub struct Watching {
    /// The registry the keys are in.
    pub watches: Arc<Watches>,
    /// Turns true when any of them changes.
    pub flag: Flag,
    /// (database, key, whether it was already expired when watched).
    pub keys: Vec<(usize, Vec<u8>, bool)>,
}

impl Watching {
    /// Stops watching everything.
    pub fn clear(&mut self) {
        let keys: Vec<(usize, Vec<u8>)> = self.keys.drain(..).map(|(d, k, _)| (d, k)).collect();
        self.watches.unwatch(&keys, &self.flag);
    }
}

/// A connection's subscriptions, in subscription order, and its mailbox.
pub struct PubSubState {
    /// Where the subscriptions are registered.
    pub hub: Arc<Hub>,
    /// The mailbox published messages go to.
    pub mailbox: Arc<Subscriber>,
    /// SUBSCRIBE channels.
    pub channels: Vec<Vec<u8>>,
    /// PSUBSCRIBE patterns.
    pub patterns: Vec<Vec<u8>>,
    /// SSUBSCRIBE shard channels.
    pub shard_channels: Vec<Vec<u8>>,
}

impl PubSubState {
    /// The subscriptions of one namespace.
    pub fn list(&mut self, space: Space) -> &mut Vec<Vec<u8>> {
        match space {
            Space::Channel => &mut self.channels,
            Space::Pattern => &mut self.patterns,
            Space::Shard => &mut self.shard_channels,
        }
    }

    /// Drops every subscription from the hub.
    pub fn clear(&mut self) {
        let id = self.mailbox.client.id;
        for space in [Space::Channel, Space::Pattern, Space::Shard] {
            for name in std::mem::take(self.list(space)) {
                self.hub.remove(space, &name, id);
            }
            self.mailbox.client.subscriptions[space as usize].store(0, Relaxed);
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(ps) = self.pubsub.as_mut() {
            ps.clear();
        }
        if let Some(w) = self.watching.as_mut() {
            w.clear();
        }
        if let Some(t) = self.tracking.take() {
            t.table.disable(self.client.id);
        }
    }
}

/// A command's registry index and its first key's hash, computed while a pipeline is
/// prefetched so that running the command does not look them up again (see
/// [`crate::CallSite::hint`]).
#[derive(Clone, Copy, Debug)]
pub struct KeyHint {
    /// Address of the key argument the hash belongs to.
    pub ptr: usize,
    /// Its length.
    pub len: usize,
    /// Its hash.
    pub hash: u64,
    /// The command's registry index.
    pub cmd: usize,
    /// The hash of the field or member the command looks up in its key's collection.
    pub member: Option<u64>,
}

impl Session {
    /// A session for a new connection, registered with `clients`.
    pub fn new(clients: &Clients, addr: String, laddr: String, fd: i64, now_ms: u64) -> Session {
        Session::with_client(clients.register(addr, laddr, fd, now_ms), 0, false)
    }

    /// A RESP3 session on database `db` for one request of the HTTP API or the library.
    pub fn detached(clients: &Clients, addr: &str, db: usize, now_ms: u64) -> Session {
        let client = clients.detached(addr, now_ms);
        client.db.store(db, Relaxed);
        Session::with_client(client, db, true)
    }

    /// A session acting for a blocked client while the server serves its command (no
    /// subscriptions, transaction or tracking of its own).
    pub(crate) fn proxy(client: Arc<ClientInfo>, db: usize, resp3: bool) -> Session {
        Session::with_client(client, db, resp3)
    }

    fn with_client(client: Arc<ClientInfo>, db: usize, resp3: bool) -> Session {
        Session {
            client,
            db,
            resp3,
            authenticated: true,
            acl_user: None,
            pubsub: None,
            multi: None,
            watching: None,
            tracking: None,
            monitor: None,
            reply_off: false,
            reply_skip_next: false,
            blocked: None,
            replaying: false,
            oom: false,
            defers_shutdown: false,
            shutdown_after_reply: false,
        }
    }

    /// CLIENT TRACKING OFF (and RESET, and a closing connection).
    pub fn stop_tracking(&mut self) {
        if let Some(t) = self.tracking.take() {
            t.table.disable(self.client.id);
        }
        self.client.redir.store(-1, Relaxed);
        self.client.bcast.store(false, Relaxed);
    }

    /// Drops the open transaction and every WATCH (EXEC, DISCARD, RESET, a refused EXEC).
    pub fn end_transaction(&mut self) {
        self.multi = None;
        self.client.multi.store(-1, Relaxed);
        if let Some(mut w) = self.watching.take() {
            w.clear();
        }
    }

    /// Selects database `db`.
    pub fn select(&mut self, db: usize) {
        self.db = db;
        self.client.db.store(db, Relaxed);
    }

    /// True in RESP2 while subscribed: only (un)subscribe commands, PING, QUIT and RESET run.
    pub fn in_resp2_subscribed_mode(&self) -> bool {
        !self.resp3
            && self.pubsub.as_ref().is_some_and(|p| {
                !(p.channels.is_empty() && p.patterns.is_empty() && p.shard_channels.is_empty())
            })
    }

    /// Switches protocol.
    pub fn set_resp3(&mut self, on: bool) {
        if let Some(p) = &self.pubsub {
            p.mailbox.set_resp3(on);
        }
        self.resp3 = on;
        self.client.resp.store(if on { 3 } else { 2 }, Relaxed);
    }
}
