//! The static client table behind every `lnr_hClient`: [`TABLE_SIZE`] slots (default
//! `LNR_MAX_CLIENTS`, or `LINER_MAX_CLIENTS` from the build's environment), each holding at
//! most one client, its generation, its last error and the buffers of the strings handed
//! out for it. No allocation happens here; handles are encoded integers, never pointers.
//!
//! Handle = `(generation << 12) | (index + 1)`: never NULL, and a handle whose slot was
//! emptied or reused (its generation moved on) no longer matches, so stale, double-deleted
//! and forged handles are rejected. Generations count 1..=2^20-1 per slot and then wrap
//! (a handle kept across a million deletions of its slot could alias a later client).
//!
//! Locking: a slot's `RwLock` is held only to check the generation and clone the client's
//! `Arc`, never while calling into the client. So a receive callback can call back into the
//! API on its listener thread while another thread stops or deletes that client, and a
//! waiting writer (a delete) never blocks a reader that holds up a join.

use std::ffi::{c_char, c_void};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use liner::Client;

use super::consts::{LNR_MAX_ADDR_LEN, LNR_MAX_CLIENTS, LNR_MAX_NAME_LEN};
use super::error::{CallError, ErrorText, LastError};
use super::text::CText;
use super::types::lnr_hClient;

/// Buffer of a unique name or topic.
pub(crate) type NameText = CText<{ LNR_MAX_NAME_LEN + 1 }>;
/// Buffer of an address.
pub(crate) type AddrText = CText<{ LNR_MAX_ADDR_LEN + 1 }>;

const INDEX_BITS: u32 = 12;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// Generations fit in 20 bits so a handle fits a 32-bit `void*` too.
const GENERATION_MASK: u32 = (1 << 20) - 1;

/// Slots of the table: `LINER_MAX_CLIENTS` from the build's environment, else
/// `LNR_MAX_CLIENTS`. A value that is not a number in 1..=4095 fails the build.
pub(crate) const TABLE_SIZE: usize = match option_env!("LINER_MAX_CLIENTS") {
    Some(text) => parse_table_size(text),
    None => LNR_MAX_CLIENTS,
};

/// The decimal `text` as a table size, at compile time.
const fn parse_table_size(text: &str) -> usize {
    let bytes = text.as_bytes();
    assert!(!bytes.is_empty(), "LINER_MAX_CLIENTS is empty");
    let mut value = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        assert!(
            bytes[i].is_ascii_digit(),
            "LINER_MAX_CLIENTS is not a number"
        );
        value = value * 10 + (bytes[i] - b'0') as usize;
        assert!(value <= INDEX_MASK, "LINER_MAX_CLIENTS is above 4095");
        i += 1;
    }
    assert!(value > 0, "LINER_MAX_CLIENTS is 0");
    value
}

/// The client in a slot and what identifies it.
struct Occupant {
    generation: u32,
    client: Option<Arc<Client>>,
    unique_name: NameText,
    topic: NameText,
}

/// Strings handed out for a client: one buffer per function, overwritten by that
/// function's next call on the same handle.
pub(crate) struct HandedOut {
    pub error: ErrorText,
    pub advertise: AddrText,
    pub bound: AddrText,
    pub published: AddrText,
}

/// One entry of the table.
pub(crate) struct Slot {
    occupant: RwLock<Occupant>,
    pub last_error: LastError,
    handed_out: Mutex<HandedOut>,
}

impl Slot {
    const fn new() -> Self {
        Slot {
            occupant: RwLock::new(Occupant {
                generation: 0,
                client: None,
                unique_name: NameText::new(),
                topic: NameText::new(),
            }),
            last_error: LastError::new(),
            handed_out: Mutex::new(HandedOut {
                error: ErrorText::new(),
                advertise: AddrText::new(),
                bound: AddrText::new(),
                published: AddrText::new(),
            }),
        }
    }

    fn occupant(&self) -> std::sync::RwLockReadGuard<'_, Occupant> {
        // Nothing panics while a slot lock is held; recover the data if it ever did.
        self.occupant.read().unwrap_or_else(|p| p.into_inner())
    }

    fn occupant_mut(&self) -> std::sync::RwLockWriteGuard<'_, Occupant> {
        self.occupant.write().unwrap_or_else(|p| p.into_inner())
    }
}

static TABLE: [Slot; TABLE_SIZE] = [const { Slot::new() }; TABLE_SIZE];

/// A live client found through its handle (holds a reference, not the slot lock).
pub(crate) struct Entry {
    pub index: usize,
    pub slot: &'static Slot,
    pub client: Arc<Client>,
}

impl Entry {
    /// Records the outcome of a call as this client's last error.
    pub(crate) fn record<T>(&self, result: Result<T, CallError>) -> Option<T> {
        self.slot.last_error.record(result)
    }

    /// The buffers of strings handed out for this client.
    pub(crate) fn handed_out(&self) -> MutexGuard<'_, HandedOut> {
        self.slot
            .handed_out
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }
}

fn encode(index: usize, generation: u32) -> lnr_hClient {
    std::ptr::without_provenance_mut::<c_void>(((generation as usize) << INDEX_BITS) | (index + 1))
}

/// Slot index and generation of a well-formed handle.
fn decode(h: lnr_hClient) -> Option<(usize, u32)> {
    let raw = h.addr();
    let index = (raw & INDEX_MASK).checked_sub(1)?;
    let generation = u32::try_from(raw >> INDEX_BITS).ok()?;
    (index < TABLE_SIZE && generation != 0 && generation <= GENERATION_MASK)
        .then_some((index, generation))
}

/// Puts `client` in a free slot and returns its handle; `None` (the client is dropped) when
/// all [`TABLE_SIZE`] slots are taken.
pub(crate) fn insert(client: Client) -> Option<lnr_hClient> {
    for (index, slot) in TABLE.iter().enumerate() {
        if slot.occupant().client.is_some() {
            continue;
        }
        let mut occupant = slot.occupant_mut();
        if occupant.client.is_some() {
            continue; // taken meanwhile
        }
        let generation = (occupant.generation % GENERATION_MASK) + 1;
        occupant.generation = generation;
        occupant.unique_name.set(client.unique_name());
        occupant.topic.set(client.topic());
        occupant.client = Some(Arc::new(client));
        slot.last_error.reset();
        return Some(encode(index, generation));
    }
    None
}

/// The live client of `h`, or `None` for NULL, forged, stale or deleted handles.
pub(crate) fn lookup(h: lnr_hClient) -> Option<Entry> {
    let (index, generation) = decode(h)?;
    let slot = &TABLE[index];
    let occupant = slot.occupant();
    if occupant.generation != generation {
        return None;
    }
    let client = occupant.client.clone()?;
    Some(Entry {
        index,
        slot,
        client,
    })
}

/// Empties the slot of `h` and returns its client; `None` when `h` is not live (already
/// deleted, by this thread or a concurrent one).
pub(crate) fn remove(h: lnr_hClient) -> Option<Arc<Client>> {
    let (index, generation) = decode(h)?;
    let mut occupant = TABLE[index].occupant_mut();
    if occupant.generation != generation {
        return None;
    }
    let client = occupant.client.take()?;
    occupant.unique_name.clear();
    occupant.topic.clear();
    Some(client)
}

/// Which of a client's fixed names to hand out.
#[derive(Clone, Copy)]
pub(crate) enum Name {
    UniqueName,
    Topic,
}

/// Pointer to the unique name or topic of `h`, stored in its slot: valid until the client
/// is deleted. NULL for a bad handle.
pub(crate) fn name(h: lnr_hClient, which: Name) -> *const c_char {
    let Some((index, generation)) = decode(h) else {
        return std::ptr::null();
    };
    let occupant = TABLE[index].occupant();
    if occupant.generation != generation || occupant.client.is_none() {
        return std::ptr::null();
    }
    match which {
        Name::UniqueName => occupant.unique_name.as_ptr(),
        Name::Topic => occupant.topic.as_ptr(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_round_trip_and_reject_malformed_values() {
        for (index, generation) in [(0, 1), (TABLE_SIZE - 1, GENERATION_MASK), (5, 77)] {
            let h = encode(index, generation);
            assert!(!h.is_null());
            assert_eq!(decode(h), Some((index, generation)));
        }
        assert_eq!(decode(std::ptr::null_mut()), None);
        // Index bits 0 (NULL-like), index out of range, generation 0.
        assert_eq!(
            decode(std::ptr::without_provenance_mut(1 << INDEX_BITS)),
            None
        );
        assert_eq!(decode(encode(TABLE_SIZE, 1)), None);
        assert_eq!(decode(std::ptr::without_provenance_mut(1)), None);
    }

    #[test]
    fn table_sizes_parse_at_compile_time() {
        assert_eq!(parse_table_size("1"), 1);
        assert_eq!(parse_table_size("4095"), 4095);
        assert_eq!(
            TABLE_SIZE, LNR_MAX_CLIENTS,
            "tests build with the default size"
        );
    }

    #[test]
    fn unknown_handles_find_nothing() {
        // A well-formed handle whose slot holds no client with that generation.
        let forged = encode(TABLE_SIZE - 1, GENERATION_MASK);
        assert!(lookup(forged).is_none());
        assert!(remove(forged).is_none());
        assert!(name(forged, Name::Topic).is_null());
    }
}
