//! The authenticated handshake of protocol v2, sans-IO: who sends which frame when, and the
//! HMAC-SHA256 proofs that both ends know the pre-shared secret.
//!
//! ```text
//! connector                                   acceptor
//!    | ---- Hello (names, key, nonce_c) ------> |
//!    | <--- Challenge (nonce_a) --------------- |   only when the acceptor has a secret
//!    | ---- Proof (connector proof | none) ---> |
//!    | <--- Welcome (cursor, acceptor proof) -- |   or Reject(Unauthorized)
//! ```
//!
//! Without a secret the acceptor answers the Hello with a Welcome straight away (proof
//! none), as in protocol v1 ("trusted network only"). Both proofs are HMAC-SHA256 tags over
//! a [`Transcript`]: a SHA-256 hash of every identity in the Hello (sender name, sender
//! topic, listener name, connection key) and of both fresh nonces, so a proof is good for
//! one handshake only and cannot be replayed or moved to another channel. The acceptor's
//! proof also covers the Welcome cursor. Nothing secret crosses the wire; tags are compared
//! in constant time. The byte layout is specified in `docs/wire-protocol.md` §5.
//!
//! The caller supplies the nonces (from a random source this crate does not own) and the
//! secret, and moves the frames; [`Connector`] and [`Acceptor`] say what to send next.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::ack::MAX_SEQ;
use crate::frame::{Frame, Hello, NONCE_LEN, PROOF_LEN, RejectReason, Welcome};

/// A fresh random value per connection and side.
pub type Nonce = [u8; NONCE_LEN];
/// An HMAC-SHA256 tag proving knowledge of the secret.
pub type Proof = [u8; PROOF_LEN];

/// Domain label hashed first into every transcript.
const TRANSCRIPT_LABEL: &[u8] = b"liner/2 transcript";
/// Label of the connector's proof.
const CONNECTOR_LABEL: &[u8] = b"liner/2 connector";
/// Label of the acceptor's proof.
const ACCEPTOR_LABEL: &[u8] = b"liner/2 acceptor";

/// Why a handshake did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum HandshakeError {
    /// The acceptor refused the Hello (or the Proof).
    Rejected(RejectReason),
    /// The peer's proof is missing or wrong: it does not know the secret.
    Unauthorized,
    /// The Welcome names another listener than the Hello asked for.
    WrongListener,
    /// A frame that has no place at this point of the handshake.
    Unexpected,
    /// The Welcome's cursor is above [`MAX_SEQ`](crate::ack::MAX_SEQ): no honest listener
    /// says so, and resuming there would leave the channel no seq to use.
    CursorOutOfRange,
}

impl core::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Rejected(reason) => write!(f, "handshake rejected: {reason}"),
            Self::Unauthorized => f.write_str("the peer did not prove knowledge of the secret"),
            Self::WrongListener => f.write_str("another listener answered"),
            Self::Unexpected => f.write_str("frame out of place in the handshake"),
            Self::CursorOutOfRange => f.write_str("Welcome cursor above the highest seq"),
        }
    }
}

impl core::error::Error for HandshakeError {}

/// SHA-256 over the handshake's identities and nonces; both proofs are bound to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Transcript([u8; 32]);

impl Transcript {
    /// The transcript of `hello` (which carries the connector's nonce) answered with
    /// `acceptor_nonce`. Names are at most 128 bytes, so one length byte each keeps the
    /// encoding unambiguous.
    pub fn new(hello: &Hello<'_>, acceptor_nonce: &Nonce) -> Self {
        let mut hash = Sha256::new();
        hash.update(TRANSCRIPT_LABEL);
        for name in [hello.sender_name, hello.sender_topic, hello.listener_name] {
            // Hellos that decode or encode have names of at most MAX_NAME_LEN (128) bytes.
            hash.update([u8::try_from(name.len()).unwrap_or(u8::MAX)]);
            hash.update(name.as_bytes());
        }
        hash.update(hello.connection_key.to_le_bytes());
        hash.update(hello.nonce);
        hash.update(acceptor_nonce);
        Transcript(hash.finalize().into())
    }

    /// The connector's proof: HMAC(secret, "liner/2 connector" ‖ transcript).
    pub fn connector_proof(&self, secret: &[u8]) -> Proof {
        self.mac(secret, CONNECTOR_LABEL, None)
            .finalize()
            .into_bytes()
            .into()
    }

    /// The acceptor's proof: HMAC(secret, "liner/2 acceptor" ‖ transcript ‖ cursor as u64 LE).
    pub fn acceptor_proof(&self, secret: &[u8], cursor: u64) -> Proof {
        self.mac(secret, ACCEPTOR_LABEL, Some(cursor))
            .finalize()
            .into_bytes()
            .into()
    }

    /// Checks a connector's proof in constant time.
    pub fn check_connector(
        &self,
        secret: &[u8],
        proof: Option<&Proof>,
    ) -> Result<(), HandshakeError> {
        let proof = proof.ok_or(HandshakeError::Unauthorized)?;
        self.mac(secret, CONNECTOR_LABEL, None)
            .verify_slice(proof)
            .map_err(|_| HandshakeError::Unauthorized)
    }

    /// Checks an acceptor's proof for `cursor` in constant time.
    pub fn check_acceptor(
        &self,
        secret: &[u8],
        cursor: u64,
        proof: Option<&Proof>,
    ) -> Result<(), HandshakeError> {
        let proof = proof.ok_or(HandshakeError::Unauthorized)?;
        self.mac(secret, ACCEPTOR_LABEL, Some(cursor))
            .verify_slice(proof)
            .map_err(|_| HandshakeError::Unauthorized)
    }

    fn mac(&self, secret: &[u8], label: &[u8], cursor: Option<u64>) -> Hmac<Sha256> {
        // HMAC takes keys of any length (longer ones are hashed), so this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(label);
        mac.update(&self.0);
        if let Some(cursor) = cursor {
            mac.update(&cursor.to_le_bytes());
        }
        mac
    }
}

/// What the connector does with a frame received during the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectorStep {
    /// Send this `Proof` frame and wait for the Welcome.
    Send(Frame<'static>),
    /// The channel is open; resume at `cursor`.
    Established {
        /// The Welcome's cursor: the last seq the acceptor delivered on this key.
        cursor: u64,
    },
}

/// The connector's side: sends [`hello`](Self::hello), feeds every frame received to
/// [`on_frame`](Self::on_frame) until it says `Established` or fails.
#[derive(Debug, Clone, Copy)]
pub struct Connector {
    nonce: Nonce,
    /// Set once the Challenge arrived: the Welcome must then carry the acceptor's proof.
    transcript: Option<Transcript>,
}

impl Connector {
    /// A handshake with the connector's fresh `nonce`.
    pub const fn new(nonce: Nonce) -> Self {
        Connector {
            nonce,
            transcript: None,
        }
    }

    /// The Hello to send first (the same one must be passed to `on_frame`).
    pub const fn hello<'a>(
        &self,
        sender_name: &'a str,
        sender_topic: &'a str,
        listener_name: &'a str,
        connection_key: u64,
    ) -> Hello<'a> {
        Hello {
            sender_name,
            sender_topic,
            listener_name,
            connection_key,
            nonce: self.nonce,
        }
    }

    /// Handles a frame from the acceptor. With a `secret` the acceptor must challenge and
    /// prove itself; without one a Challenge is answered with an empty Proof (the acceptor
    /// then rejects: it wants a secret this side does not have).
    pub fn on_frame(
        &mut self,
        hello: &Hello<'_>,
        secret: Option<&[u8]>,
        frame: &Frame<'_>,
    ) -> Result<ConnectorStep, HandshakeError> {
        match (*frame, self.transcript) {
            (Frame::Reject(reason), _) => Err(HandshakeError::Rejected(reason)),
            (Frame::Challenge(acceptor_nonce), None) => {
                let transcript = Transcript::new(hello, &acceptor_nonce);
                self.transcript = Some(transcript);
                let proof = secret.map(|secret| transcript.connector_proof(secret));
                Ok(ConnectorStep::Send(Frame::Proof(proof)))
            }
            (Frame::Welcome(welcome), transcript) => {
                if welcome.listener_name != hello.listener_name {
                    return Err(HandshakeError::WrongListener);
                }
                if welcome.cursor > MAX_SEQ {
                    return Err(HandshakeError::CursorOutOfRange);
                }
                if let Some(secret) = secret {
                    // No Challenge means an acceptor without the secret (or an impostor).
                    let transcript = transcript.ok_or(HandshakeError::Unauthorized)?;
                    transcript.check_acceptor(secret, welcome.cursor, welcome.proof.as_ref())?;
                }
                Ok(ConnectorStep::Established {
                    cursor: welcome.cursor,
                })
            }
            _ => Err(HandshakeError::Unexpected),
        }
    }
}

/// What the acceptor answers to a Hello.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptorStep {
    /// Send `Frame::Challenge(nonce)` and wait for the Proof.
    Challenge(Nonce),
    /// No secret: send the Welcome now (see [`Acceptor::welcome`]).
    Welcome,
}

/// The acceptor's side, created by [`on_hello`](Self::on_hello).
#[derive(Debug, Clone, Copy)]
pub struct Acceptor {
    /// Present when a secret is configured and the connector was challenged.
    transcript: Option<Transcript>,
}

impl Acceptor {
    /// Starts the acceptor's side for `hello`: with a `secret` it challenges the connector
    /// with its fresh `nonce`, without one it welcomes straight away.
    pub fn on_hello(
        secret: Option<&[u8]>,
        hello: &Hello<'_>,
        nonce: Nonce,
    ) -> (Self, AcceptorStep) {
        match secret {
            Some(_) => {
                let transcript = Some(Transcript::new(hello, &nonce));
                (Acceptor { transcript }, AcceptorStep::Challenge(nonce))
            }
            None => (Acceptor { transcript: None }, AcceptorStep::Welcome),
        }
    }

    /// Checks the connector's Proof frame; an error means `Reject(Unauthorized)`.
    pub fn on_proof(&self, secret: &[u8], frame: &Frame<'_>) -> Result<(), HandshakeError> {
        match (frame, self.transcript) {
            (Frame::Proof(proof), Some(transcript)) => {
                transcript.check_connector(secret, proof.as_ref())
            }
            _ => Err(HandshakeError::Unexpected),
        }
    }

    /// The Welcome to send, carrying this side's proof when it challenged the connector.
    pub fn welcome<'a>(
        &self,
        secret: Option<&[u8]>,
        listener_name: &'a str,
        cursor: u64,
    ) -> Welcome<'a> {
        let proof = match (secret, self.transcript) {
            (Some(secret), Some(transcript)) => Some(transcript.acceptor_proof(secret, cursor)),
            _ => None,
        };
        Welcome {
            listener_name,
            cursor,
            proof,
        }
    }
}

#[cfg(test)]
mod tests;
