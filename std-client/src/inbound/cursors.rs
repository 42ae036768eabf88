//! The listener's memory of delivered seqs: per connection key, the last seq handed to the
//! callback, loaded from the store the first time a key connects and kept for the rest of
//! the run, so a sender that reconnects resumes exactly where delivery stopped.
//!
//! Open connections hold their live cursor themselves and give it back here when they
//! close; while running, the store worker persists cursors (`Shared::cursors`) and at stop
//! [`CursorBook::persist_all`] saves them synchronously, so a graceful stop never causes a
//! duplicate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::shared::Shared;
use crate::status::StatusKind;
use crate::store::{Store, StoreError};

/// Where listener cursors are loaded from and saved to (the Redis [`Store`]; an in-memory
/// map in tests).
pub(super) trait CursorStore: Send + 'static {
    fn load_cursor(&mut self, ck: u64) -> Result<u64, StoreError>;
    fn save_cursor(&mut self, ck: u64, seq: u64) -> Result<(), StoreError>;
}

/// The client's store, shared with its API calls and events thread: locked per call.
impl CursorStore for Arc<Mutex<Store>> {
    fn load_cursor(&mut self, ck: u64) -> Result<u64, StoreError> {
        self.lock()
            .unwrap_or_else(|p| p.into_inner())
            .load_cursor(ck)
    }

    fn save_cursor(&mut self, ck: u64, seq: u64) -> Result<(), StoreError> {
        self.lock()
            .unwrap_or_else(|p| p.into_inner())
            .save_cursor(ck, seq)
    }
}

/// One connection key's delivered seq and the last value known to be in the store.
#[derive(Debug, Clone, Copy)]
struct Entry {
    delivered: u64,
    stored: u64,
}

/// Cursors of every connection key seen during this run.
pub(super) struct CursorBook<S> {
    store: S,
    entries: HashMap<u64, Entry>,
}

impl<S: CursorStore> CursorBook<S> {
    pub fn new(store: S) -> Self {
        CursorBook {
            store,
            entries: HashMap::new(),
        }
    }

    /// The seq to resume connection key `ck` at: the value kept from an earlier connection,
    /// else the store's. When the store fails the key starts at 0 (reported): frames the
    /// sender still holds may then be delivered again, within the at-least-once contract.
    pub fn resume(&mut self, ck: u64, shared: &Shared, peer: &str) -> u64 {
        if let Some(entry) = self.entries.get(&ck) {
            return entry.delivered;
        }
        match self.store.load_cursor(ck) {
            Ok(stored) => {
                self.entries.insert(
                    ck,
                    Entry {
                        delivered: stored,
                        stored,
                    },
                );
                stored
            }
            Err(err) => {
                let message = format!("loading the cursor of connection {ck}: {err}");
                crate::log::log!("{message} (delivery resumes from 0)");
                shared.report(StatusKind::ListenerStoreError, "", peer, &message);
                0
            }
        }
    }

    /// Records the cursor of a connection that is closing.
    pub fn record(&mut self, ck: u64, delivered: u64) {
        self.entries
            .entry(ck)
            .and_modify(|entry| entry.delivered = entry.delivered.max(delivered))
            .or_insert(Entry {
                delivered,
                // Unknown: the load failed. Saving it at stop is what matters.
                stored: 0,
            });
    }

    /// Saves every cursor that moved since it was loaded or last saved (at stop). Gives up
    /// at the first failure (Redis is down; `stop` must not wait a timeout per cursor): the
    /// cursors not saved can only cause duplicates after a restart, never a loss.
    pub fn persist_all(&mut self, shared: &Shared) {
        for (&ck, entry) in &mut self.entries {
            if entry.delivered == entry.stored {
                continue;
            }
            match self.store.save_cursor(ck, entry.delivered) {
                Ok(()) => entry.stored = entry.delivered,
                Err(err) => {
                    let message = format!("saving the cursor of connection {ck}: {err}");
                    crate::log::log!("{message}; not saving the others");
                    shared.report(StatusKind::ListenerStoreError, "", "", &message);
                    return;
                }
            }
        }
    }
}
