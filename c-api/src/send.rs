//! The message path into the library: `lnr_send_to` and `lnr_send_all`. No allocation
//! here: the topic is borrowed from the caller's string, the payload from its buffer, the
//! handle lookup clones an `Arc`, and success only reads the last-error code.

use std::ffi::c_char;

use super::boundary::on_client;
use super::error::CallError;
use super::settings::max_message_size;
use super::text::{payload_arg, str_arg};
use super::types::lnr_hClient;

/// Whether one send goes to one listener (round-robin) or to every listener of the topic.
#[derive(Clone, Copy)]
enum Fanout {
    One,
    All,
}

fn send(
    function: &'static str,
    h: lnr_hClient,
    topic: *const c_char,
    data: *const c_char,
    size: usize,
    at_least_once: bool,
    fanout: Fanout,
) -> bool {
    on_client(function, h, |entry| {
        // SAFETY: the export's contract: `topic` is NULL or a valid C string, `data` is NULL
        // or `size` readable bytes, both valid for the call.
        let topic = unsafe { str_arg(topic, "topic") }?;
        // SAFETY: as above.
        let payload = unsafe { payload_arg(data, size) }?;
        let max = max_message_size();
        if payload.len() > max {
            return Err(CallError::PayloadTooLarge { size, max });
        }
        match fanout {
            Fanout::One => entry.client.try_send_to(topic, payload, at_least_once)?,
            Fanout::All => entry.client.try_send_all(topic, payload, at_least_once)?,
        }
        Ok(())
    })
    .is_some()
}

/// Sends `size` bytes at `data` to one listener of `topic` (round-robin over its addresses).
/// True means accepted: queued to the peer, or (at-least-once) parked in Redis while the
/// peer is away. With `at_least_once_delivery` false the message stays in RAM and is
/// dropped when the peer is unreachable or its window is full. The bytes are copied before
/// the call returns. Errors: `LNR_ERR_NOT_RUNNING`, `LNR_ERR_SELF_TOPIC`,
/// `LNR_ERR_INTERNAL_TOPIC`, `LNR_ERR_NO_ADDR`, `LNR_ERR_INVALID_ARG` (NULL, empty or
/// oversize payload), `LNR_ERR_STORE`, `LNR_ERR_BUSY` (window full for the send timeout).
///
/// Thread safety: any thread, including this client's receive callback (replies).
///
/// # Safety
/// `topic` is NULL or a NUL-terminated string; `data` is NULL or points to `size` readable
/// bytes; both valid for the duration of the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_send_to(
    h: lnr_hClient,
    topic: *const c_char,
    data: *const c_char,
    size: usize,
    at_least_once_delivery: bool,
) -> bool {
    send(
        "lnr_send_to",
        h,
        topic,
        data,
        size,
        at_least_once_delivery,
        Fanout::One,
    )
}

/// Like `lnr_send_to`, to every address registered under `topic`. On a partial failure
/// the message went to the other listeners and the first error is reported.
///
/// Thread safety: as `lnr_send_to`.
///
/// # Safety
/// As for `lnr_send_to`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_send_all(
    h: lnr_hClient,
    topic: *const c_char,
    data: *const c_char,
    size: usize,
    at_least_once_delivery: bool,
) -> bool {
    send(
        "lnr_send_all",
        h,
        topic,
        data,
        size,
        at_least_once_delivery,
        Fanout::All,
    )
}
