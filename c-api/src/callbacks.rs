//! Bridges from liner-broker's Rust callbacks to the C ones: the receive shim given to
//! `Client::try_run` and the status shim of `lnr_set_status_cb`. Both copy the names into
//! NUL-terminated stack buffers (no allocation per message) and mark the thread as running
//! this client's callback while the C function runs.

use std::sync::Arc;

use liner::{Status, StatusCallback};

use super::boundary::{Scope, in_scope, on_client};
use super::consts::status_constant;
use super::slots::{AddrText, NameText};
use super::text::CText;
use super::types::{UserData, lnr_hClient, lnr_receive_cb, lnr_status_cb, lnr_uData};

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
        // Names are at most LNR_MAX_NAME_LEN bytes, so nothing is cut here.
        let to = NameText::from_str(to);
        let from = NameText::from_str(from);
        // SAFETY: the registered callback has this signature; every pointer outlives the call.
        in_scope(Scope::Client(index), || unsafe {
            callback(
                to.as_ptr(),
                from.as_ptr(),
                payload.as_ptr().cast(),
                payload.len(),
                user.get(),
            )
        });
    }
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
