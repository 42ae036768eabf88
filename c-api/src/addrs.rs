//! A client's identity and addresses: the advertise address (set and read), the bound and
//! published addresses, the unique name and the topic. Strings are handed out from the
//! client's slot, never allocated for the caller.

use std::ffi::c_char;
use std::ptr;

use liner::Client;

use super::boundary::{guard, on_client, query_client};
use super::consts::LNR_MAX_ADDR_LEN;
use super::error::CallError;
use super::slots::{self, AddrText, HandedOut, Name};
use super::text::opt_str_arg;
use super::types::lnr_hClient;

/// The address `read` gets from the client behind `h`, copied into the slot's buffer that
/// `select` picks; NULL when there is none or for a bad handle.
fn hand_out(
    function: &'static str,
    h: lnr_hClient,
    read: fn(&Client) -> Option<String>,
    select: fn(&mut HandedOut) -> &mut AddrText,
) -> *const c_char {
    query_client(function, h, |entry| {
        let Some(value) = read(&entry.client) else {
            return ptr::null();
        };
        let mut handed_out = entry.handed_out();
        let buffer = select(&mut handed_out);
        buffer.set(&value);
        buffer.as_ptr()
    })
    .unwrap_or(ptr::null())
}

/// Publishes `addr` (`host:port`) in the catalog instead of the bound address (NAT,
/// containers); port 0 is replaced by the bound port. NULL goes back to the bound address.
/// Only while stopped (`LNR_ERR_ALREADY_RUNNING`); `LNR_ERR_INVALID_ARG` when `addr` is not
/// `host:port` or longer than `LNR_MAX_ADDR_LEN`.
///
/// Thread safety: any thread.
///
/// # Safety
/// `addr` is NULL or a NUL-terminated string valid for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_set_advertise_addr(h: lnr_hClient, addr: *const c_char) -> bool {
    on_client("lnr_set_advertise_addr", h, |entry| {
        // SAFETY: the export's contract.
        let addr = unsafe { opt_str_arg(addr, "addr") }?;
        if addr.is_some_and(|a| a.len() > LNR_MAX_ADDR_LEN) {
            return Err(CallError::TooLong {
                what: "addr",
                max: LNR_MAX_ADDR_LEN,
            });
        }
        Ok(entry.client.try_set_advertise_addr(addr)?)
    })
    .is_some()
}

/// The address set with `lnr_set_advertise_addr`; NULL when unset or for a bad handle.
/// Valid until the next `lnr_advertise_addr(h)` or `lnr_delete_client(h)`.
///
/// Thread safety: any thread, but not concurrently with itself on the same handle.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_advertise_addr(h: lnr_hClient) -> *const c_char {
    hand_out("lnr_advertise_addr", h, Client::advertise_addr, |out| {
        &mut out.advertise
    })
}

/// The address the listener is bound to (`ip:port`, known after the first `lnr_run` and kept
/// after `lnr_stop`); NULL before that or for a bad handle. Valid until the next
/// `lnr_bound_listen_addr(h)` or `lnr_delete_client(h)`.
///
/// Thread safety: any thread, but not concurrently with itself on the same handle.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_bound_listen_addr(h: lnr_hClient) -> *const c_char {
    hand_out(
        "lnr_bound_listen_addr",
        h,
        Client::bound_listen_addr,
        |out| &mut out.bound,
    )
}

/// The address published in the catalog while running; NULL when stopped or for a bad
/// handle. Valid until the next `lnr_published_addr(h)` or `lnr_delete_client(h)`.
///
/// Thread safety: any thread, but not concurrently with itself on the same handle.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_published_addr(h: lnr_hClient) -> *const c_char {
    hand_out("lnr_published_addr", h, Client::published_addr, |out| {
        &mut out.published
    })
}

/// The client's unique name; NULL for a bad handle. Valid until `lnr_delete_client(h)`.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_unique_name(h: lnr_hClient) -> *const c_char {
    guard("lnr_unique_name", ptr::null(), || {
        slots::name(h, Name::UniqueName)
    })
}

/// The client's source topic; NULL for a bad handle. Valid until `lnr_delete_client(h)`.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_topic(h: lnr_hClient) -> *const c_char {
    guard("lnr_topic", ptr::null(), || slots::name(h, Name::Topic))
}
