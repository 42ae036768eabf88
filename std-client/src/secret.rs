//! The pre-shared secret of peer authentication (wire protocol v2, docs/operations.md
//! "Trust boundary"): where it comes from, and keeping it out of every printout.
//!
//! Both ends of a connection prove knowledge of it with HMAC-SHA256 over the handshake
//! (`liner_core::handshake`); it never crosses the wire. A client without a secret accepts
//! any peer — trusted networks only.

use std::fmt;
use std::sync::Arc;

use liner_core::handshake::Nonce;

/// Environment variable read when `Config::secret` is not set, so C programs enable
/// authentication without a code change.
pub const SECRET_ENV: &str = "LINER_SECRET";

/// Shortest accepted secret, in bytes: shorter ones are guessable offline from one
/// recorded handshake.
pub const MIN_SECRET_LEN: usize = 16;

/// A pre-shared secret. `Debug` and `Display` never show it; the bytes are zeroed when
/// the last copy is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<Bytes>);

#[derive(PartialEq, Eq)]
struct Bytes(Box<[u8]>);

impl Drop for Bytes {
    fn drop(&mut self) {
        self.0.fill(0);
        // Keep the zeroing from being optimised away as a dead store.
        std::hint::black_box(&self.0);
    }
}

impl Secret {
    /// A secret of at least [`MIN_SECRET_LEN`] bytes (any bytes; a passphrase works).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Secret, String> {
        let bytes = bytes.into();
        if bytes.len() < MIN_SECRET_LEN {
            return Err(format!(
                "the secret must be at least {MIN_SECRET_LEN} bytes long (got {})",
                bytes.len()
            ));
        }
        Ok(Secret(Arc::new(Bytes(bytes.into_boxed_slice()))))
    }

    /// The secret in [`SECRET_ENV`], if that variable is set and not empty.
    pub fn from_env() -> Result<Option<Secret>, String> {
        match std::env::var_os(SECRET_ENV) {
            Some(value) if !value.is_empty() => {
                let bytes = value.into_encoded_bytes();
                Secret::new(bytes)
                    .map(Some)
                    .map_err(|why| format!("{SECRET_ENV}: {why}"))
            }
            _ => Ok(None),
        }
    }

    /// The key bytes, for the handshake proofs only.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0.0
    }
}

/// A fresh handshake nonce from the operating system's random source (nonces must never
/// repeat, or a recorded handshake could be replayed).
pub(crate) fn fresh_nonce() -> std::io::Result<Nonce> {
    let mut nonce = Nonce::default();
    getrandom::fill(&mut nonce)
        .map_err(|e| std::io::Error::other(format!("random source: {e}")))?;
    Ok(nonce)
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_refused_and_none_is_ever_printed() {
        assert!(Secret::new("short").unwrap_err().contains("at least 16"));
        let secret = Secret::new("correct horse battery staple").unwrap();
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(secret.bytes(), b"correct horse battery staple");
    }
}
