//! The transaction gate: every command holds its shared side, EXEC its exclusive side, so no
//! other client ever observes a transaction half done, whatever shards its keys live on.
//!
//! Why a gate and not the transaction's shard locks: the queued commands' keys are known, but a
//! transaction may SELECT, FLUSHALL or SWAPDB, so its lock set is not known before it runs; and
//! a command holding shard locks must not be handed them again. The shared side is split into
//! cache-line-sized slots picked per thread, so readers on different cores never touch the same
//! line; EXEC takes every slot. The cost is one uncontended lock per command.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};

/// Slots of the shared side: enough that threads rarely share one.
const SLOTS: usize = 16;

#[repr(align(64))]
#[derive(Default)]
struct Slot(RwLock<()>);

/// A command's way through the gate, released when dropped.
pub enum Pass<'a> {
    /// With other commands.
    Shared(RwLockReadGuard<'a, ()>),
    /// With every other command held off.
    Alone(Vec<RwLockWriteGuard<'a, ()>>),
}

/// The gate.
pub struct ExecGate {
    slots: Box<[Slot]>,
}

impl Default for ExecGate {
    fn default() -> Self {
        ExecGate {
            slots: (0..SLOTS).map(|_| Slot::default()).collect(),
        }
    }
}

static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static MY_SLOT: Cell<usize> = Cell::new(NEXT_SLOT.fetch_add(1, Relaxed) % SLOTS);
}

impl ExecGate {
    /// The shared side, for one command.
    pub fn read(&self) -> RwLockReadGuard<'_, ()> {
        let slot = MY_SLOT.with(Cell::get);
        self.slots[slot].0.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The shared side if no one holds the exclusive side now.
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, ()>> {
        let slot = MY_SLOT.with(Cell::get);
        match self.slots[slot].0.try_read() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// [`Self::write`] that gives up (releasing what it took) once `cancel` is set: for a
    /// background job, which a command waiting for it (SHUTDOWN) must be able to stop.
    pub fn write_unless(&self, cancel: &AtomicBool) -> Option<Vec<RwLockWriteGuard<'_, ()>>> {
        let mut held = Vec::with_capacity(self.slots.len());
        for s in self.slots.iter() {
            loop {
                match s.0.try_write() {
                    Ok(g) => break held.push(g),
                    Err(TryLockError::Poisoned(e)) => break held.push(e.into_inner()),
                    Err(TryLockError::WouldBlock) => {
                        if cancel.load(Relaxed) {
                            return None;
                        }
                        std::thread::sleep(std::time::Duration::from_micros(50));
                    }
                }
            }
        }
        Some(held)
    }

    /// The side a command takes: shared, or (`alone`) exclusive.
    pub fn enter(&self, alone: bool) -> Pass<'_> {
        if alone {
            Pass::Alone(self.write())
        } else {
            Pass::Shared(self.read())
        }
    }

    /// The exclusive side: waits for every running command to finish and holds the others off.
    pub fn write(&self) -> Vec<RwLockWriteGuard<'_, ()>> {
        self.slots
            .iter()
            .map(|s| s.0.write().unwrap_or_else(|e| e.into_inner()))
            .collect()
    }
}
