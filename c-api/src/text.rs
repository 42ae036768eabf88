//! Strings across the boundary without allocating: reading the C strings callers pass in
//! (`str_arg`) and `CText`, a fixed-capacity NUL-terminated buffer for every string the
//! library hands out (per-slot buffers, stack buffers in callbacks, log lines).

use std::ffi::{CStr, c_char};
use std::fmt;

use super::error::CallError;

/// A NUL-terminated UTF-8 string in a fixed buffer of `N` bytes (at most `N - 1` bytes of
/// text). Text that does not fit is cut at the last whole character that does.
pub(crate) struct CText<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> CText<N> {
    /// An empty string.
    pub(crate) const fn new() -> Self {
        const { assert!(N > 0, "a CText needs room for its NUL") };
        CText {
            bytes: [0; N],
            len: 0,
        }
    }

    /// A buffer holding `text` (truncated to fit).
    pub(crate) fn from_str(text: &str) -> Self {
        let mut out = Self::new();
        out.push_str(text);
        out
    }

    /// Replaces the content with `text` (truncated to fit).
    pub(crate) fn set(&mut self, text: &str) {
        self.clear();
        self.push_str(text);
    }

    /// Makes the string empty.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
        self.bytes[0] = 0;
    }

    /// Appends as much of `text` as fits, never splitting a character.
    pub(crate) fn push_str(&mut self, text: &str) {
        let room = N - 1 - self.len;
        let mut take = text.len().min(room);
        while !text.is_char_boundary(take) {
            take -= 1;
        }
        self.bytes[self.len..self.len + take].copy_from_slice(&text.as_bytes()[..take]);
        self.len += take;
        self.bytes[self.len] = 0;
    }

    /// The text without its NUL.
    pub(crate) fn as_str(&self) -> &str {
        // Only whole characters of `&str`s are ever copied in.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }

    /// Pointer to the NUL-terminated text; valid while `self` is neither moved nor changed.
    pub(crate) fn as_ptr(&self) -> *const c_char {
        self.bytes.as_ptr().cast()
    }
}

impl<const N: usize> fmt::Write for CText<N> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        // Truncation is the documented behaviour, not an error.
        self.push_str(text);
        Ok(())
    }
}

/// Reads a required string argument: NULL and invalid UTF-8 are `INVALID_ARG` errors.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged for `'a`.
pub(crate) unsafe fn str_arg<'a>(
    ptr: *const c_char,
    what: &'static str,
) -> Result<&'a str, CallError> {
    if ptr.is_null() {
        return Err(CallError::Null(what));
    }
    // SAFETY: non-NULL and NUL-terminated per this function's contract.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str().map_err(|_| CallError::NotUtf8(what))
}

/// Like [`str_arg`], but NULL means "none".
///
/// # Safety
/// As for [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(
    ptr: *const c_char,
    what: &'static str,
) -> Result<Option<&'a str>, CallError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { str_arg(ptr, what) }.map(Some)
}

/// Reads a payload given as pointer + size. NULL with a non-zero size is an error; an empty
/// payload is passed through so the client reports it with its own message.
///
/// # Safety
/// `data` is NULL or points to `size` readable bytes that stay unchanged for `'a`.
pub(crate) unsafe fn payload_arg<'a>(
    data: *const c_char,
    size: usize,
) -> Result<&'a [u8], CallError> {
    if size == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(CallError::Null("data"));
    }
    // SAFETY: non-NULL with `size` readable bytes per this function's contract.
    Ok(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), size) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    #[test]
    fn text_is_nul_terminated_and_cut_at_a_character() {
        let mut text = CText::<6>::new();
        text.set("héllo");
        // "héllo" is 6 bytes; 5 fit, and the cut falls after "hél" + "l".
        assert_eq!(text.as_str(), "héll");
        // SAFETY: CText always keeps a NUL after its text.
        let c = unsafe { CStr::from_ptr(text.as_ptr()) };
        assert_eq!(c.to_str().unwrap(), "héll");
        text.set("ééé");
        assert_eq!(text.as_str(), "éé");
        text.clear();
        assert_eq!(text.as_str(), "");
    }

    #[test]
    fn formatting_appends_and_truncates() {
        let mut text = CText::<8>::new();
        let long = "abcdefgh";
        write!(text, "{}-{long}", 12).unwrap();
        assert_eq!(text.as_str(), "12-abcd");
    }

    #[test]
    fn string_arguments_are_checked() {
        assert!(matches!(
            unsafe { str_arg(std::ptr::null(), "topic") },
            Err(CallError::Null("topic"))
        ));
        let bad = c"\xff\xfe";
        assert!(matches!(
            unsafe { str_arg(bad.as_ptr(), "topic") },
            Err(CallError::NotUtf8("topic"))
        ));
        assert_eq!(unsafe { str_arg(c"ok".as_ptr(), "topic") }.unwrap(), "ok");
        assert_eq!(
            unsafe { opt_str_arg(std::ptr::null(), "addr") }.unwrap(),
            None
        );
    }

    #[test]
    fn payload_arguments_are_checked() {
        assert!(
            unsafe { payload_arg(std::ptr::null(), 0) }
                .unwrap()
                .is_empty()
        );
        assert!(unsafe { payload_arg(std::ptr::null(), 3) }.is_err());
        let data = [1u8, 2, 3];
        let got = unsafe { payload_arg(data.as_ptr().cast(), 3) }.unwrap();
        assert_eq!(got, &data);
    }
}
