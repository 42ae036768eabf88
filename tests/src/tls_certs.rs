//! Certificates for TLS tests, made with the `openssl` command in a directory the caller
//! owns: a CA, a server certificate it signed (for `127.0.0.1` and `localhost`), and a second
//! CA that signed nothing, for the "certificate not trusted" cases. EC P-256 keys, valid for
//! two days: nothing here is meant to outlive the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The files [`TestCerts::create`] writes.
#[derive(Debug, Clone)]
pub struct TestCerts {
    /// The CA certificate (PEM) that signed the server's certificate: the file to trust.
    pub ca_cert: PathBuf,
    /// The server's certificate (PEM).
    pub server_cert: PathBuf,
    /// The server's private key (PEM).
    pub server_key: PathBuf,
    /// A CA certificate (PEM) that did not sign the server's certificate.
    pub other_ca_cert: PathBuf,
}

/// The key type of every certificate: EC P-256, quick to make.
const CURVE: &str = "ec_paramgen_curve:prime256v1";

/// Extensions of the server certificate: webpki wants the address in a subjectAltName.
const SERVER_EXTENSIONS: &str = "subjectAltName = IP:127.0.0.1, DNS:localhost\n\
     basicConstraints = critical, CA:FALSE\n\
     keyUsage = critical, digitalSignature\n\
     extendedKeyUsage = serverAuth\n";

impl TestCerts {
    /// Writes the CA, the server certificate and the second CA into `dir` (created if
    /// needed); panics with openssl's output if a step fails.
    pub fn create(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        let file = |name: &str| dir.join(name);
        let certs = Self {
            ca_cert: file("ca.crt"),
            server_cert: file("server.crt"),
            server_key: file("server.key"),
            other_ca_cert: file("other-ca.crt"),
        };
        self_signed_ca(&file("ca.key"), &certs.ca_cert, "liner test CA");
        self_signed_ca(
            &file("other-ca.key"),
            &certs.other_ca_cert,
            "liner other CA",
        );
        let (csr, extensions) = (file("server.csr"), file("server.ext"));
        std::fs::write(&extensions, SERVER_EXTENSIONS)
            .unwrap_or_else(|e| panic!("writing {}: {e}", extensions.display()));
        let mut request = openssl();
        request
            .args(["req", "-new", "-newkey", "ec", "-pkeyopt", CURVE, "-nodes"])
            .args(["-subj", "/CN=localhost", "-keyout"])
            .arg(&certs.server_key)
            .arg("-out")
            .arg(&csr);
        run(request);
        let mut sign = openssl();
        sign.args(["x509", "-req", "-days", "2", "-set_serial", "2", "-in"])
            .arg(&csr)
            .arg("-CA")
            .arg(&certs.ca_cert)
            .arg("-CAkey")
            .arg(file("ca.key"))
            .arg("-extfile")
            .arg(&extensions)
            .arg("-out")
            .arg(&certs.server_cert);
        run(sign);
        certs
    }
}

/// A self-signed CA certificate `cert` with its key `key`.
fn self_signed_ca(key: &Path, cert: &Path, name: &str) {
    let mut command = openssl();
    command
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", CURVE, "-nodes"])
        .args(["-days", "2", "-subj", &format!("/CN={name}")])
        .args(["-addext", "basicConstraints = critical, CA:TRUE"])
        .args(["-addext", "keyUsage = critical, keyCertSign, cRLSign"])
        .arg("-keyout")
        .arg(key)
        .arg("-out")
        .arg(cert);
    run(command);
}

fn openssl() -> Command {
    let mut command = Command::new("openssl");
    command.stdin(Stdio::null());
    command
}

/// Runs an openssl command, panicking with its output when it fails.
fn run(mut command: Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("running openssl (bash ci/install-deps installs it): {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}
