//! Bridges from liner-p2p's Rust callbacks to the C ones: the receive shims given to
//! `Client::try_run` and `Client::try_run_fallible`, and the status shim of
//! `lnr_set_status_cb`. They copy the names into NUL-terminated stack buffers (no
//! allocation per message) and mark the thread as running this client's callback while the
//! C function runs.

use std::ffi::c_char;
use std::sync::Arc;

use liner::{Redeliver, Status, StatusCallback};

use super::boundary::{Scope, in_scope, on_client};
use super::consts::status_constant;
use super::slots::{AddrText, NameText};
use super::text::CText;
use super::types::{
    UserData, lnr_fallible_receive_cb, lnr_hClient, lnr_receive_cb, lnr_status_cb, lnr_uData,
};

/// Longest status message handed to the status callback (longer ones are cut), NUL included.
const STATUS_MESSAGE_CAPACITY: usize = 512;

/// The receive closure for the client in slot `index`; with no C callback, messages are
/// accepted and dropped (a send-only client).
pub(crate) fn receive_shim(
    index: usize,
    callback: lnr_receive_cb,
    user: UserData,
) -> impl FnMut(&str, &str, &[u8]) + Send + 'static {
    move |to, from, payload| {
        let Some(callback) = callback else { return };
        // SAFETY: the registered callback has this signature; every pointer outlives the call.
        hand_over(index, to, from, |to, from| unsafe {
            callback(to, from, payload.as_ptr().cast(), payload.len(), user.get())
        });
    }
}

/// The receive closure of `lnr_run_fallible`: a non-zero return refuses the message.
/// With no C callback, messages are accepted and dropped, as for `lnr_run`.
pub(crate) fn fallible_receive_shim(
    index: usize,
    callback: lnr_fallible_receive_cb,
    user: UserData,
) -> impl FnMut(&str, &str, &[u8]) -> Result<(), Redeliver> + Send + 'static {
    move |to, from, payload| {
        let Some(callback) = callback else {
            return Ok(());
        };
        // SAFETY: the registered callback has this signature; every pointer outlives the call.
        let verdict = hand_over(index, to, from, |to, from| unsafe {
            callback(to, from, payload.as_ptr().cast(), payload.len(), user.get())
        });
        if verdict == 0 { Ok(()) } else { Err(Redeliver) }
    }
}

/// Runs `call` with `to` and `from` as C strings, marked as this client's callback.
fn hand_over<R>(
    index: usize,
    to: &str,
    from: &str,
    call: impl FnOnce(*const c_char, *const c_char) -> R,
) -> R {
    // Names are at most LNR_MAX_NAME_LEN bytes, so nothing is cut here.
    let to = NameText::from_str(to);
    let from = NameText::from_str(from);
    in_scope(Scope::Client(index), || call(to.as_ptr(), from.as_ptr()))
}

/// The status closure for the client in slot `index`; `None` without a C callback.
fn status_shim(index: usize, callback: lnr_status_cb, user: UserData) -> Option<StatusCallback> {
    let callback = callback?;
    Some(Arc::new(move |status: &Status<'_>| {
        let topic = NameText::from_str(status.topic);
        let peer = AddrText::from_str(status.peer);
        let message = CText::<STATUS_MESSAGE_CAPACITY>::from_str(status.message);
        // SAFETY: the registered callback has this signature; every pointer outlives the call.
        in_scope(Scope::Client(index), || unsafe {
            callback(
                status_constant(status.kind),
                topic.as_ptr(),
                peer.as_ptr(),
                message.as_ptr(),
                user.get(),
            )
        });
    }))
}

/// Sets (or, with NULL, removes) the status callback of `h`; allowed before or after
/// `lnr_run`. Reports run on library threads, and for `LNR_SENDER_BUSY` on the thread that
/// called `lnr_send_*`. Messages longer than 511 bytes are cut. False for a bad handle.
///
/// Thread safety: any thread; a report already under way may still reach the previous
/// callback.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_set_status_cb(
    h: lnr_hClient,
    callback: lnr_status_cb,
    user_data: lnr_uData,
) -> bool {
    on_client("lnr_set_status_cb", h, |entry| {
        let shim = status_shim(entry.index, callback, UserData::new(user_data));
        entry.client.set_status_callback(shim);
        Ok(())
    })
    .is_some()
}
