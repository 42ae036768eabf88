//! A raw protocol-v2 connector driven by the suite: the handshake through
//! `liner_core::handshake::Connector`, so an insider's proofs are the real thing — or a
//! forged variant (no proof, a random one, one made with another secret, a recorded one) —
//! then Data frames and their Acks. Every byte it writes is kept in [`Peer::written`], so a
//! handshake can be replayed verbatim on another connection.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use liner_core::frame::{Data, FLAG_AT_LEAST_ONCE, Frame, Welcome, encode, encoded_len};
use liner_core::handshake::{Connector, ConnectorStep};

use super::net::{Conn, End, Got};
use super::target::{Ident, Target};
use crate::rng::Rng;

/// How long a handshake step may take before the attacker gives up (the listener answers
/// a Hello within a Redis round trip).
pub const STEP: Duration = Duration::from_secs(3);
/// How long an insider waits for the Ack of a message.
pub const ACK_WAIT: Duration = Duration::from_secs(5);

/// What the connector answers to the Challenge.
#[derive(Debug, Clone)]
pub enum Proof {
    /// The HMAC proof computed with these secret bytes (the right secret: an insider; any
    /// other: a forger with a wrong key).
    Secret(Vec<u8>),
    /// `Proof(None)`: no secret at all.
    Empty,
    /// These 32 bytes (random ones, or a proof taken from another handshake).
    Bytes([u8; 32]),
}

/// A fresh nonce (attackers need no cryptographic randomness).
pub fn nonce(rng: &mut Rng) -> [u8; 16] {
    let mut n = [0u8; 16];
    n[..8].copy_from_slice(&rng.next().to_le_bytes());
    n[8..].copy_from_slice(&rng.next().to_le_bytes());
    n
}

/// 32 random bytes (a made-up proof).
pub fn random32(rng: &mut Rng) -> [u8; 32] {
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        chunk.copy_from_slice(&rng.next().to_le_bytes());
    }
    out
}

/// One frame, encoded.
pub fn frame_bytes(frame: &Frame<'_>) -> Vec<u8> {
    let mut out = vec![0; encoded_len(frame)];
    let n = encode(frame, &mut out).expect("the suite's frames encode");
    out.truncate(n);
    out
}

/// An at-least-once Data frame for the listener's topic, encoded.
pub fn data_bytes(topic_key: u64, seq: u64, payload: &[u8]) -> Vec<u8> {
    frame_bytes(&Frame::Data(Data {
        seq,
        topic_key,
        flags: FLAG_AT_LEAST_ONCE,
        payload,
    }))
}

/// The Hello of `ident` to the target's listener with `nonce`, encoded.
pub fn hello_bytes(t: &Target, ident: &Ident, nonce: [u8; 16]) -> Vec<u8> {
    let connector = Connector::new(nonce);
    let hello = connector.hello(&ident.name, &ident.topic, &t.listener_name, ident.key);
    frame_bytes(&Frame::Hello(hello))
}

/// A connection past (or in) the handshake.
pub struct Peer {
    pub conn: Conn,
    pub topic_key: u64,
    /// Every byte written so far, handshake frames first.
    pub written: Vec<u8>,
    /// The Welcome's cursor.
    pub cursor: u64,
    /// The last seq this connection had acknowledged (the Welcome's cursor at first): the
    /// next message is `last + 1`.
    pub last: u64,
    /// The listener's proof in the Welcome.
    pub welcome_proof: Option<[u8; 32]>,
}

impl Peer {
    /// Connects from `src` and runs the handshake of `ident` answering the Challenge with
    /// `proof` and, in the same write, `then` (pipelined bytes, e.g. a forged Data frame);
    /// `Err` is how the listener ended it (`End::Welcomed` never: a Welcome is `Ok`). With
    /// `Proof::Secret` the listener's own proof must verify too.
    pub fn handshake(
        t: &Target,
        src: Ipv4Addr,
        ident: &Ident,
        proof: &Proof,
        nonce: [u8; 16],
        then: &[u8],
    ) -> Result<Peer, End> {
        let conn = Conn::open(src, t.addr, STEP).map_err(|_| End::Reset)?;
        let mut peer = Peer {
            conn,
            topic_key: t.topic_key,
            written: Vec::new(),
            cursor: 0,
            last: 0,
            welcome_proof: None,
        };
        let mut connector = Connector::new(nonce);
        let hello = connector.hello(&ident.name, &ident.topic, &t.listener_name, ident.key);
        peer.write(&frame_bytes(&Frame::Hello(hello)));
        let challenge = match peer.conn.next(STEP)? {
            Got::Challenge(nonce) => Frame::Challenge(nonce),
            Got::Welcome { .. } => return Err(End::Welcomed),
            Got::Reject(reason) => return Err(peer.conn_end(End::Rejected(reason))),
            _ => return Err(End::Garbled),
        };
        let answer = match proof {
            Proof::Secret(secret) => match connector.on_frame(&hello, Some(secret), &challenge) {
                Ok(ConnectorStep::Send(frame)) => frame,
                _ => return Err(End::Garbled),
            },
            Proof::Empty => Frame::Proof(None),
            Proof::Bytes(bytes) => Frame::Proof(Some(*bytes)),
        };
        let mut bytes = frame_bytes(&answer);
        bytes.extend_from_slice(then);
        peer.write(&bytes);
        let (cursor, welcome_proof) = match peer.conn.next(STEP)? {
            Got::Welcome { cursor, proof } => (cursor, proof),
            Got::Reject(reason) => return Err(peer.conn_end(End::Rejected(reason))),
            _ => return Err(End::Garbled),
        };
        if let Proof::Secret(secret) = proof {
            let welcome = Frame::Welcome(Welcome {
                listener_name: &t.listener_name,
                cursor,
                proof: welcome_proof,
            });
            if connector.on_frame(&hello, Some(secret), &welcome).is_err() {
                // The listener's proof does not verify: not the listener we know.
                return Err(End::Garbled);
            }
        }
        peer.cursor = cursor;
        peer.last = cursor;
        peer.welcome_proof = welcome_proof;
        Ok(peer)
    }

    /// An insider: the real handshake with the target's secret.
    pub fn insider(t: &Target, src: Ipv4Addr, ident: &Ident, nonce: [u8; 16]) -> Result<Peer, End> {
        Peer::handshake(t, src, ident, &Proof::Secret(t.secret.clone()), nonce, &[])
    }

    /// Writes and records `bytes`; false once the listener closed.
    pub fn write(&mut self, bytes: &[u8]) -> bool {
        self.written.extend_from_slice(bytes);
        self.conn.send(bytes)
    }

    /// Sends Data `seq` with `payload` and waits for an Ack covering it.
    pub fn deliver(&mut self, seq: u64, payload: &[u8]) -> Result<(), End> {
        let frame = data_bytes(self.topic_key, seq, payload);
        if !self.conn.send(&frame) {
            return Err(self.conn.await_end(STEP));
        }
        self.wait_ack(seq, ACK_WAIT)?;
        self.last = self.last.max(seq);
        Ok(())
    }

    /// Reads until an Ack of at least `seq` (answering Pings), or how the connection ended.
    pub fn wait_ack(&mut self, seq: u64, timeout: Duration) -> Result<(), End> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.conn.next(left)? {
                Got::Ack(acked) if acked >= seq => return Ok(()),
                Got::Ping(nonce) => {
                    self.conn.send(&frame_bytes(&Frame::Pong(nonce)));
                }
                Got::Reject(reason) => return Err(self.conn_end(End::Rejected(reason))),
                _ => {}
            }
        }
    }

    /// After a Reject: waits briefly for the close that must follow (a Reject on a
    /// connection left open is reported as `End::Open`, a listener bug).
    fn conn_end(&mut self, rejected: End) -> End {
        match self.conn.await_end(STEP) {
            End::Open => End::Open,
            _ => rejected,
        }
    }
}
