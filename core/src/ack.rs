//! Delivery bookkeeping on both ends of a channel.
//!
//! Sender side: [`TxWindow`] keeps encoded frames in caller storage until they are
//! written (best-effort) or acknowledged (at-least-once), exposes the unsent bytes as one
//! slice and rewinds after a reconnect; [`SeqCounter`] and [`resume_next_seq`] number the
//! frames and apply the resume rule. Receiver side: [`RxCursor`] drops duplicates, says
//! when a cumulative Ack is due and gives the resume value for `Welcome`.
//!
//! # Reconnect, from the sender's side
//!
//! 1. On `Welcome { cursor }`: `window.rewind()`, `window.ack(cursor)`, and
//!    `seqs.resume(own_tail, cursor)`.
//! 2. Write `window.unsent()`, call `window.mark_written(n)` with what the socket took.
//! 3. On `Ack(s)`: `window.ack(s)`.
//!
//! When the peer is gone instead, park `window.unacked()` in the store, in order, then
//! `window.clear()`.

mod cursor;
mod error;
mod seq;
mod stored;
mod window;

pub use cursor::{Accept, AckPolicy, RxCursor};
pub use error::WindowError;
pub use seq::{SeqCounter, resume_next_seq};
pub use window::TxWindow;
