//! Pipeline prefetching: while a connection runs command `i` of a pipeline, the hash-table
//! slots and chain heads of the commands a few places behind it are already on their way into
//! the cache, so a pipeline's lookups miss the cache together instead of one after another.
//! Nothing here dereferences what is not cached by an earlier stage, and a shard another thread
//! holds is skipped: prefetching never waits and never changes anything.

use crate::keyspace::Keyspace;
use crate::session::KeyHint;
use crate::{types, Engine};

impl Engine {
    /// The first key of a command, hashed, for [`Engine::prefetch`] and [`crate::CallSite::hint`].
    pub fn key_hint(&self, args: &[&[u8]]) -> Option<KeyHint> {
        let (cmd, key) = self.registry.first_key(args)?;
        let k = self.keyspace.key(key);
        Some(KeyHint {
            ptr: key.as_ptr() as usize,
            len: key.len(),
            hash: k.hash,
            cmd,
            member: self.registry.member(cmd, args).map(types::hash_of),
        })
    }

    /// Member-level prefetching for commands that look a field or member up in a large
    /// collection: stage 2 starts loading its bucket slot in the collection's table, stage 3
    /// (once the slot arrived) the first entry of its chain. `key` is the hint's key argument.
    /// Nothing is dereferenced that is not already cached by the earlier stages, and a shard
    /// another thread holds is skipped.
    pub fn prefetch_member(&self, db: usize, key: &[u8], hint: KeyHint, stage: u8) {
        let Some(member) = hint.member else { return };
        if db >= self.keyspace.databases() {
            return;
        }
        let k = Keyspace::key_with_hash(key, hint.hash);
        let Some(shard) = self.keyspace.db(db).try_read(k.shard) else {
            return;
        };
        let Some(big) = shard.table.get(k.hash, key).and_then(|e| e.big()) else {
            return;
        };
        let table = match big {
            types::Big::Hash(t) | types::Big::Set(t) => t,
            types::Big::ZSet(z) => z.table(),
            types::Big::List(_) | types::Big::Stream(_) => return,
        };
        if stage == 2 {
            table.prefetch_bucket(member);
        } else {
            table.prefetch_head(member);
        }
    }

    /// Starts loading what a command on this key will touch (see [`Keyspace::prefetch`]).
    pub fn prefetch(&self, db: usize, hint: KeyHint, stage: u8) {
        let k = Keyspace::key_with_hash(&[], hint.hash);
        self.keyspace.prefetch(db, &k, stage);
    }
}
