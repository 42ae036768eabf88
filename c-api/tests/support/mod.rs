//! Helpers the C API's Rust tests share: C strings and clients created through the C
//! functions themselves (each test compiles the crate's source as its `capi` module).

use std::ffi::CString;

use crate::capi;

/// A C string of a test literal.
pub fn cstr(text: &str) -> CString {
    CString::new(text).expect("no NUL in test strings")
}

/// `lnr_new_client_redis` on a free loopback port; panics when it fails.
pub fn new_client(name: &str, topic: &str, url: &CString) -> capi::lnr_hClient {
    let (name, topic, bind) = (cstr(name), cstr(topic), cstr("127.0.0.1:0"));
    // SAFETY: valid C strings for the call.
    let h = unsafe {
        capi::lnr_new_client_redis(name.as_ptr(), topic.as_ptr(), bind.as_ptr(), url.as_ptr())
    };
    assert!(!h.is_null(), "creating {name:?}");
    h
}
