//! Delivery bookkeeping on both ends of a channel.
//!
//! Sender side: [`TxWindow`] keeps encoded frames in caller storage until they are
//! written (best-effort) or acknowledged (at-least-once), exposes the unsent bytes as
//! slices of many frames (one, or two where its ring wraps) and rewinds after a
//! reconnect; [`SeqCounter`] and [`resume_next_seq`] number the frames and apply the
//! resume rule. Receiver side: [`RxCursor`] drops duplicates, says
//! when a cumulative Ack is due and gives the resume value for `Welcome`.
//!
//! # Using the sender side
//!
//! 1. Seqs come from one [`SeqCounter`] per connection key; after each
//!    `Welcome { cursor }`, `seqs.resume(stored_tail, cursor)` (the counter never moves
//!    back, so what it handed out itself needs no passing).
//! 2. On `Welcome { cursor }` after a reconnect: `window.rewind()` and
//!    `window.ack(cursor)` (either order).
//! 3. Write `window.unsent()` (one slice, many frames) and call `window.mark_written(n)`
//!    with what the socket took, until it is empty; on `Ack(s)` call `window.ack(s)`.
//! 4. Peer gone: store `window.unacked()` in order, count `window.unwritten_best_effort()`
//!    as dropped, then `window.clear()`.
//! 5. Backlog drain: `push_encoded` each stored frame in order, then new frames. The
//!    window only takes increasing seqs, so while a backlog is still being read, new
//!    at-least-once frames must go behind it (in the store) — which is also what keeps
//!    the channel FIFO. A stored frame may leave the store once `window.acked_seq()`
//!    reaches its seq.

mod cursor;
mod error;
mod seq;
mod stored;
mod window;

pub use cursor::{Accept, AckPolicy, MAX_SEQ_GAP, RxCursor, SeqCheck};
pub use error::WindowError;
pub use seq::{MAX_SEQ, SeqCounter, resume_next_seq};
pub use window::TxWindow;
