//! Clients blocked in BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX and BZMPOP.
//!
//! A blocking command that finds nothing leaves a [`BlockRequest`] in its session instead of a
//! reply; the engine turns it into a [`Waiter`] queued on each of its keys, in arrival order.
//! Every write that leaves a list or sorted set behind signals its key ([`Blocking::signal`],
//! free when nobody waits). When the writing command (or the whole EXEC) has finished, the
//! engine serves the signalled keys: for each, the waiters in arrival order re-run their command
//! on their own behalf until one finds nothing. The reply goes to the waiter's mailbox and its
//! connection is woken, exactly like Redis's `handleClientsBlockedOnKeys`: the first client to
//! block is the first served, and nothing runs between the push and the serving.
//!
//! A waiter moves through its states with compare-and-swap, so the connection's timeout, a
//! disconnect, CLIENT UNBLOCK and the serving engine agree on one outcome: a command is never
//! served to a client that already timed out, and data is never popped for nobody.

use crate::pubsub::{BufferLimit, Subscriber};
use crate::session::ClientInfo;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{
    AtomicU8, AtomicUsize, Ordering::AcqRel, Ordering::Acquire, Ordering::Relaxed,
};
use std::sync::{Arc, Mutex};

/// What a blocking command asks for when it found nothing.
#[derive(Debug)]
pub struct BlockRequest {
    /// The keys it waits on.
    pub keys: Vec<Vec<u8>>,
    /// Absolute deadline in unix ms; None waits forever.
    pub deadline: Option<u64>,
    /// True when the command answers a null bulk string where it cannot wait (BLMOVE and
    /// BRPOPLPUSH inside MULTI), else a null array. A timeout is always a null array.
    pub null_bulk: bool,
    /// The command to re-run when a key is ready, where it differs from the one sent: XREAD's
    /// `$` becomes the last ID it saw when it blocked.
    pub rewritten: Option<Vec<Vec<u8>>>,
}

const WAITING: u8 = 0;
const SERVING: u8 = 1;
const DONE: u8 = 2;

/// A blocked client.
pub struct Waiter {
    /// The client.
    pub client: Arc<ClientInfo>,
    /// Where its reply goes.
    pub mailbox: Arc<Subscriber>,
    /// Its database.
    pub db: usize,
    /// The command's registry index.
    pub cmd: usize,
    /// The command.
    pub args: Vec<Vec<u8>>,
    /// Its protocol.
    pub resp3: bool,
    /// What it waits for.
    pub request: BlockRequest,
    state: AtomicU8,
}

impl Waiter {
    /// A waiter for `request`.
    pub fn new(
        client: Arc<ClientInfo>,
        mailbox: Arc<Subscriber>,
        db: usize,
        cmd: usize,
        args: Vec<Vec<u8>>,
        resp3: bool,
        request: BlockRequest,
    ) -> Waiter {
        Waiter {
            client,
            mailbox,
            db,
            cmd,
            args,
            resp3,
            request,
            state: AtomicU8::new(WAITING),
        }
    }

    /// True once served, timed out, unblocked or cancelled.
    pub fn is_done(&self) -> bool {
        self.state.load(Acquire) == DONE
    }

    /// The reply for a timeout (and CLIENT UNBLOCK ... TIMEOUT): a null array for every
    /// command, BLMOVE included, as Redis 7.0 answers.
    pub fn timeout_reply(&self) -> &'static [u8] {
        if self.resp3 {
            b"_\r\n"
        } else {
            b"*-1\r\n"
        }
    }

    /// Claims the waiter for serving; false when it is done or another server holds it.
    fn claim(&self) -> bool {
        self.state
            .compare_exchange(WAITING, SERVING, AcqRel, Acquire)
            .is_ok()
    }

    /// Ends the wait with `reply` unless something else ended it first. Spins through a
    /// concurrent serving attempt (it is short and never blocks).
    fn finish_with(&self, reply: &[u8]) -> bool {
        loop {
            match self.state.compare_exchange(WAITING, DONE, AcqRel, Acquire) {
                Ok(_) => {
                    self.deliver(reply);
                    return true;
                }
                Err(SERVING) => std::thread::yield_now(),
                Err(_) => return false,
            }
        }
    }

    fn deliver(&self, reply: &[u8]) {
        let unlimited = BufferLimit {
            hard: 0,
            soft: 0,
            soft_seconds: 0,
        };
        self.mailbox.deliver_raw(reply, unlimited, 0);
        self.client.wake();
    }
}

#[derive(Default)]
struct Inner {
    keys: HashMap<(usize, Vec<u8>), VecDeque<Arc<Waiter>>>,
    clients: HashMap<u64, Arc<Waiter>>,
    ready: Vec<(usize, Vec<u8>)>,
}

/// The registry of blocked clients.
#[derive(Default)]
pub struct Blocking {
    waiting: AtomicUsize,
    ready: AtomicUsize,
    inner: Mutex<Inner>,
}

impl Blocking {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of blocked clients.
    pub fn len(&self) -> usize {
        self.waiting.load(Relaxed)
    }

    /// True when nobody waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queues a waiter on each of its keys.
    pub fn block(&self, w: Arc<Waiter>) {
        let mut inner = self.inner();
        let mut seen: Vec<&[u8]> = Vec::new();
        for k in &w.request.keys {
            if seen.contains(&&k[..]) {
                continue;
            }
            seen.push(k);
            inner
                .keys
                .entry((w.db, k.clone()))
                .or_default()
                .push_back(w.clone());
        }
        if let Some(old) = inner.clients.insert(w.client.id, w.clone()) {
            Self::unlink(&mut inner, &old);
        } else {
            self.waiting.fetch_add(1, Relaxed);
        }
    }

    fn unlink(inner: &mut Inner, w: &Arc<Waiter>) {
        for k in &w.request.keys {
            let id = (w.db, k.clone());
            if let Some(q) = inner.keys.get_mut(&id) {
                q.retain(|x| !Arc::ptr_eq(x, w));
                if q.is_empty() {
                    inner.keys.remove(&id);
                }
            }
        }
    }

    fn remove(&self, w: &Arc<Waiter>) {
        let mut inner = self.inner();
        if inner
            .clients
            .get(&w.client.id)
            .is_some_and(|x| Arc::ptr_eq(x, w))
        {
            inner.clients.remove(&w.client.id);
            self.waiting.fetch_sub(1, Relaxed);
        }
        Self::unlink(&mut inner, w);
    }

    /// A write left `key` holding data: clients blocked on it get a chance once the command
    /// ends. Free when nobody is blocked.
    pub fn signal(&self, db: usize, key: &[u8]) {
        if self.waiting.load(Relaxed) == 0 {
            return;
        }
        let mut inner = self.inner();
        let id = (db, key.to_vec());
        if inner.keys.contains_key(&id) && !inner.ready.contains(&id) {
            inner.ready.push(id);
            self.ready.fetch_add(1, Relaxed);
        }
    }

    /// The keys of database `db` somebody is blocked on (SWAPDB looks them up).
    pub fn keys_in(&self, db: usize) -> Vec<Vec<u8>> {
        if self.waiting.load(Relaxed) == 0 {
            return Vec::new();
        }
        self.inner()
            .keys
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect()
    }

    /// True when signalled keys wait to be served.
    pub fn has_ready(&self) -> bool {
        self.ready.load(Relaxed) > 0
    }

    /// The next signalled key and its waiters in arrival order.
    pub fn next_ready(&self) -> Option<(Vec<u8>, Vec<Arc<Waiter>>)> {
        let mut inner = self.inner();
        if inner.ready.is_empty() {
            return None;
        }
        let id = inner.ready.remove(0);
        self.ready.fetch_sub(1, Relaxed);
        let waiters = inner
            .keys
            .get(&id)
            .map(|q| q.iter().cloned().collect())
            .unwrap_or_default();
        Some((id.1, waiters))
    }

    /// Serves `w` with `attempt`, which runs its command and returns the reply, or None when it
    /// still finds nothing. True when served.
    pub fn serve(&self, w: &Arc<Waiter>, attempt: impl FnOnce() -> Option<Vec<u8>>) -> bool {
        if !w.claim() {
            return false;
        }
        match attempt() {
            Some(reply) => {
                w.state.store(DONE, Relaxed);
                self.remove(w);
                w.deliver(&reply);
                true
            }
            None => {
                w.state.store(WAITING, Relaxed);
                false
            }
        }
    }

    /// Ends `w`'s wait with its timeout reply (the deadline passed). False when it was served
    /// first.
    pub fn time_out(&self, w: &Arc<Waiter>) -> bool {
        let done = w.finish_with(w.timeout_reply());
        self.remove(w);
        done
    }

    /// Forgets client `id`'s wait without a reply (disconnect).
    pub fn cancel(&self, id: u64) {
        let w = self.inner().clients.get(&id).cloned();
        if let Some(w) = w {
            w.finish_with(b"");
            self.remove(&w);
        }
    }

    /// CLIENT UNBLOCK: ends client `id`'s wait with the timeout reply or `error`. False when the
    /// client is not blocked.
    pub fn unblock(&self, id: u64, error: Option<&[u8]>) -> bool {
        let w = self.inner().clients.get(&id).cloned();
        let Some(w) = w else { return false };
        let done = match error {
            Some(e) => w.finish_with(e),
            None => w.finish_with(w.timeout_reply()),
        };
        self.remove(&w);
        done
    }

    /// True when client `id` is blocked.
    pub fn is_blocked(&self, id: u64) -> bool {
        self.inner().clients.contains_key(&id)
    }
}
