//! TLS for `rediss://` URLs: which CA to trust, the `redis` client that speaks TLS, and what
//! a failed TLS handshake means in words.
//!
//! TLS is rustls with the ring crypto provider, behind the crate feature `tls` (on by
//! default). Without it a `rediss://` URL is refused with an error that says so. The server's
//! certificate is checked against the CA file given in `Config::redis_ca_file` or, when that
//! is not set, in the environment variable [`CA_FILE_ENV`] (so C programs need no code
//! change); without either, against the system's trust store. A CA file replaces the system
//! store: only certificates it signed are accepted.

use std::path::Path;
#[cfg(any(feature = "tls", test))]
use std::path::PathBuf;

use redis::{Client, ConnectionInfo};

use super::error::StoreError;

/// Environment variable naming the CA file (PEM) to trust when `Config::redis_ca_file` is not
/// set. Empty counts as not set.
pub const CA_FILE_ENV: &str = "LINER_REDIS_CA_FILE";

/// True for the URL schemes the `redis` crate connects to with TLS.
pub(crate) fn is_tls_url(url: &str) -> bool {
    url.trim_start()
        .split_once(':')
        .is_some_and(|(scheme, rest)| {
            rest.starts_with("//")
                && (scheme.eq_ignore_ascii_case("rediss") || scheme.eq_ignore_ascii_case("valkeys"))
        })
}

/// Refuses a TLS URL (`shown`, password masked) when this build has no TLS.
pub(crate) fn check_built_in(shown: &str) -> Result<(), StoreError> {
    if cfg!(feature = "tls") {
        Ok(())
    } else {
        Err(not_built_in(shown))
    }
}

fn not_built_in(shown: &str) -> StoreError {
    StoreError::InvalidUrl(format!(
        "{shown}: TLS (rediss://) is not available: liner was built without the `tls` feature"
    ))
}

/// The CA file to trust: `configured`, else the one named by [`CA_FILE_ENV`].
#[cfg(feature = "tls")]
fn ca_file(configured: Option<&Path>) -> Option<PathBuf> {
    let from_env = std::env::var_os(CA_FILE_ENV);
    choose_ca_file(configured, from_env.as_deref().map(Path::new))
}

#[cfg(any(feature = "tls", test))]
fn choose_ca_file(configured: Option<&Path>, from_env: Option<&Path>) -> Option<PathBuf> {
    configured
        .or(from_env)
        .filter(|path| !path.as_os_str().is_empty())
        .map(Path::to_path_buf)
}

/// A client for the `rediss://` address of `info` that trusts the CA file (PEM)
/// `configured`, else the one named by [`CA_FILE_ENV`], else the system's trust store. The
/// file is read here, once: a missing or unusable file is reported when the store is opened,
/// not at each connection.
#[cfg(feature = "tls")]
pub(crate) fn client(
    info: ConnectionInfo,
    configured: Option<&Path>,
) -> Result<Client, StoreError> {
    match certificates(configured)? {
        None => Client::open(info).map_err(|e| StoreError::InvalidUrl(e.to_string())),
        Some(certificates) => Client::build_with_tls(info, certificates)
            .map_err(|e| StoreError::Tls(format!("CA file: {e}"))),
    }
}

/// The CA certificates to trust instead of the system's (see [`client`]), `None` when no
/// CA file is configured. Also makes sure rustls has its crypto provider.
#[cfg(feature = "tls")]
pub(crate) fn certificates(
    configured: Option<&Path>,
) -> Result<Option<redis::TlsCertificates>, StoreError> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};

    install_ring_provider();
    let ca_file = ca_file(configured);
    let Some(path) = ca_file.as_deref() else {
        return Ok(None);
    };
    let bad_file = |why: String| StoreError::Tls(format!("CA file {}: {why}", path.display()));
    let pem = std::fs::read(path).map_err(|e| bad_file(e.to_string()))?;
    // An empty trust store would refuse every server with a puzzling "unknown issuer".
    if CertificateDer::pem_slice_iter(&pem).next().is_none() {
        return Err(bad_file("holds no PEM certificate".into()));
    }
    Ok(Some(redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(pem),
    }))
}

#[cfg(not(feature = "tls"))]
pub(crate) fn client(
    info: ConnectionInfo,
    _configured: Option<&Path>,
) -> Result<Client, StoreError> {
    Err(not_built_in(&info.addr().to_string()))
}

/// rustls needs a process-wide crypto provider. It would pick one by itself only while
/// exactly one is compiled in; another crate of the program enabling aws-lc-rs would make it
/// panic on the first handshake. Installing ring first avoids that; a provider the program
/// installed itself is kept.
#[cfg(feature = "tls")]
fn install_ring_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _already_installed = rustls::crypto::ring::default_provider().install_default();
    });
}

/// What went wrong in words, when `err` is a TLS failure (certificate refused, handshake
/// failed); `None` for anything else.
#[cfg(feature = "tls")]
pub(crate) fn failure(err: &redis::RedisError) -> Option<String> {
    use std::error::Error as _;
    // The `redis` crate keeps causes as `Arc<dyn Error>` and hands out the `Arc` itself, whose
    // own `source` skips a level: the cause is what the `Arc` holds.
    let held = err.source()?;
    let cause = &**held.downcast_ref::<std::sync::Arc<dyn std::error::Error + Send + Sync>>()?;
    let tls = match cause.downcast_ref::<std::io::Error>() {
        Some(io) => io.get_ref()?.downcast_ref::<rustls::Error>()?,
        None => cause.downcast_ref::<rustls::Error>()?,
    };
    let hint = match tls {
        rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => {
            "the server's certificate is not signed by a trusted CA; set Config::redis_ca_file \
             or LINER_REDIS_CA_FILE to the CA file (PEM) that signed it"
        }
        rustls::Error::InvalidCertificate(_) => "the server's certificate was refused",
        rustls::Error::InvalidMessage(_) => {
            "the TLS handshake failed: the server does not speak TLS on this port"
        }
        rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired) => {
            "the server wants a client certificate, which liner does not send \
             (set tls-auth-clients to no or optional on the server)"
        }
        _ => "the TLS handshake failed",
    };
    Some(format!("{hint} ({tls})"))
}

#[cfg(not(feature = "tls"))]
pub(crate) fn failure(_err: &redis::RedisError) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_tls_schemes() {
        assert!(is_tls_url("rediss://h/"));
        assert!(is_tls_url("REDISS://h:1/2"));
        assert!(is_tls_url("valkeys://h"));
        assert!(!is_tls_url("redis://h/"));
        assert!(!is_tls_url("redis+unix:///r.sock"));
        assert!(!is_tls_url("rediss"));
    }

    #[test]
    fn the_configured_ca_file_wins_over_the_environment() {
        let (config, env) = (Path::new("/c/ca.pem"), Path::new("/e/ca.pem"));
        assert_eq!(
            choose_ca_file(Some(config), Some(env)).as_deref(),
            Some(config)
        );
        assert_eq!(choose_ca_file(None, Some(env)).as_deref(), Some(env));
        assert_eq!(choose_ca_file(None, Some(Path::new(""))), None);
        assert_eq!(choose_ca_file(None, None), None);
    }

    #[test]
    fn a_build_without_tls_says_so() {
        let refused = check_built_in("rediss://h/");
        if cfg!(feature = "tls") {
            assert_eq!(refused, Ok(()));
        } else {
            let shown = refused.unwrap_err().to_string();
            assert!(shown.contains("without the `tls` feature"), "{shown}");
        }
    }
}
