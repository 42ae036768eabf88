//! Catalog and store administration: subscriptions, route refreshes, catalog listings,
//! pending-message counts and the `lnr_clear_*` operations.

use std::ffi::{c_char, c_longlong};

use liner::Client;

use super::boundary::{Scope, in_scope, on_client};
use super::error::CallError;
use super::slots::{AddrText, NameText};
use super::text::str_arg;
use super::types::{UserData, lnr_addr_cb, lnr_hClient, lnr_peer_cb, lnr_pending_cb, lnr_uData};

/// Runs `call` on the client behind `h` with the string argument `topic`; true on success.
///
/// # Safety
/// `topic` is NULL or a NUL-terminated string valid for the call.
unsafe fn on_topic<T>(
    function: &'static str,
    h: lnr_hClient,
    topic: *const c_char,
    call: fn(&Client, &str) -> Result<T, liner::Error>,
) -> bool {
    on_client(function, h, |entry| {
        // SAFETY: this function's contract.
        let topic = unsafe { str_arg(topic, "topic") }?;
        call(&entry.client, topic)?;
        Ok(())
    })
    .is_some()
}

/// Listens on `topic` too: registers this client's address under it, now when running,
/// else at `lnr_run`. True if already subscribed. Errors: `LNR_ERR_INVALID_ARG`,
/// `LNR_ERR_INTERNAL_TOPIC`, `LNR_ERR_STORE`.
///
/// Thread safety: any thread.
///
/// # Safety
/// `topic` is NULL or a NUL-terminated string valid for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_subscribe(h: lnr_hClient, topic: *const c_char) -> bool {
    // SAFETY: the export's contract is `on_topic`'s.
    unsafe { on_topic("lnr_subscribe", h, topic, Client::try_subscribe) }
}

/// Stops listening on a subscribed topic and removes this client's catalog row for it.
/// `LNR_ERR_INVALID_ARG` for the client's own topic or a topic it is not subscribed to.
///
/// Thread safety: any thread.
///
/// # Safety
/// `topic` is NULL or a NUL-terminated string valid for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_unsubscribe(h: lnr_hClient, topic: *const c_char) -> bool {
    // SAFETY: the export's contract is `on_topic`'s.
    unsafe { on_topic("lnr_unsubscribe", h, topic, Client::try_unsubscribe) }
}

/// Reloads the addresses of `topic` from the catalog (a sender learns of new listeners).
///
/// Thread safety: any thread.
///
/// # Safety
/// `topic` is NULL or a NUL-terminated string valid for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_refresh_address_topic(h: lnr_hClient, topic: *const c_char) -> bool {
    // SAFETY: the export's contract is `on_topic`'s.
    unsafe {
        on_topic(
            "lnr_refresh_address_topic",
            h,
            topic,
            Client::try_refresh_address_topic,
        )
    }
}

/// Deletes this sender's messages parked in Redis. Only while stopped
/// (`LNR_ERR_CLEAR_WHILE_RUNNING`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_clear_stored_messages(h: lnr_hClient) -> bool {
    on_client("lnr_clear_stored_messages", h, |entry| {
        Ok(entry.client.try_clear_stored_messages()?)
    })
    .is_some()
}

/// Deletes every catalog row of this client's own topic. Only while stopped
/// (`LNR_ERR_CLEAR_WHILE_RUNNING`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_clear_addresses_of_topic(h: lnr_hClient) -> bool {
    on_client("lnr_clear_addresses_of_topic", h, |entry| {
        Ok(entry.client.try_clear_addresses_of_topic()?)
    })
    .is_some()
}

/// Calls `callback` once per catalog row of `topic` (address, unique name), on the calling
/// thread, before returning. True also when the topic has no row.
///
/// Thread safety: any thread.
///
/// # Safety
/// `topic` is NULL or a NUL-terminated string valid for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_list_addresses(
    h: lnr_hClient,
    topic: *const c_char,
    callback: lnr_addr_cb,
    user_data: lnr_uData,
) -> bool {
    on_client("lnr_list_addresses", h, |entry| {
        // SAFETY: the export's contract.
        let topic = unsafe { str_arg(topic, "topic") }?;
        let callback = callback.ok_or(CallError::Null("callback"))?;
        let rows = entry.client.try_list_addresses(topic)?;
        for (addr, unique_name) in &rows {
            let addr = AddrText::from_str(addr);
            let unique_name = NameText::from_str(unique_name);
            // SAFETY: the registered callback has this signature; pointers outlive the call.
            in_scope(Scope::Client(entry.index), || unsafe {
                callback(addr.as_ptr(), unique_name.as_ptr(), user_data)
            });
        }
        Ok(())
    })
    .is_some()
}

/// Calls `callback` once per catalog row of `topic`, sorted by address, on the calling
/// thread before returning: its address and unique name as `lnr_list_addresses` gives them,
/// whether the client behind it is alive (it sent a heartbeat within its liveness TTL),
/// when the row was registered ("live since" for a live row) and when that client last sent
/// a heartbeat (the last sign of life of a dead one), both in unix milliseconds of the
/// Redis clock, -1 when unknown. True also when the topic has no row. A read: rows of dead
/// clients are reported, not removed. Added (not in liner 1.4).
///
/// Thread safety: any thread.
///
/// # Safety
/// `topic` is NULL or a NUL-terminated string valid for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_list_peers(
    h: lnr_hClient,
    topic: *const c_char,
    callback: lnr_peer_cb,
    user_data: lnr_uData,
) -> bool {
    on_client("lnr_list_peers", h, |entry| {
        // SAFETY: the export's contract.
        let topic = unsafe { str_arg(topic, "topic") }?;
        let callback = callback.ok_or(CallError::Null("callback"))?;
        for peer in &entry.client.try_peers(topic)? {
            let addr = AddrText::from_str(&peer.addr);
            let unique_name = NameText::from_str(&peer.unique_name);
            let since = unix_ms(peer.since_unix_ms);
            let last_seen = unix_ms(peer.last_seen_unix_ms);
            // SAFETY: the registered callback has this signature; pointers outlive the call.
            in_scope(Scope::Client(entry.index), || unsafe {
                callback(
                    addr.as_ptr(),
                    unique_name.as_ptr(),
                    peer.live,
                    since,
                    last_seen,
                    user_data,
                )
            });
        }
        Ok(())
    })
    .is_some()
}

/// A time for C: unix ms, -1 when unknown.
fn unix_ms(ms: Option<u64>) -> i64 {
    ms.map_or(-1, |ms| i64::try_from(ms).unwrap_or(i64::MAX))
}

/// At-least-once messages of this sender parked in Redis, all listeners together; -1 on
/// error or for a bad handle.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_pending_count(h: lnr_hClient) -> c_longlong {
    on_client("lnr_pending_count", h, |entry| {
        let count = entry.client.try_pending_count()?;
        Ok(c_longlong::try_from(count).unwrap_or(c_longlong::MAX))
    })
    .unwrap_or(-1)
}

/// Calls `callback` once per listener that has messages of this sender parked in Redis:
/// its address and topic (also while it is away: where this sender last met it; "" only
/// for a listener it has no named hint of), unique name and count. On the calling thread,
/// before returning.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_pending_by_peer(
    h: lnr_hClient,
    callback: lnr_pending_cb,
    user_data: lnr_uData,
) -> bool {
    let user = UserData::new(user_data);
    on_client("lnr_pending_by_peer", h, |entry| {
        let callback = callback.ok_or(CallError::Null("callback"))?;
        for backlog in entry.client.try_pending_by_peer()? {
            let addr = AddrText::from_str(backlog.listener_addr.as_deref().unwrap_or(""));
            let topic = NameText::from_str(backlog.listener_topic.as_deref().unwrap_or(""));
            let unique_name = NameText::from_str(&backlog.listener_unique);
            let count = c_longlong::try_from(backlog.count).unwrap_or(c_longlong::MAX);
            // SAFETY: the registered callback has this signature; pointers outlive the call.
            in_scope(Scope::Client(entry.index), || unsafe {
                callback(
                    addr.as_ptr(),
                    topic.as_ptr(),
                    unique_name.as_ptr(),
                    count,
                    user.get(),
                )
            });
        }
        Ok(())
    })
    .is_some()
}
