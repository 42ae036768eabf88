//! Probing a listener from outside a running client: one blocking TCP connection that does
//! the connector's side of the handshake (`liner_core::handshake`, with the shared secret
//! when there is one) and then measures Ping/Pong round trips — `liner ping`, and the
//! check whether a unique name is still alive at an address (`liveness::claim_name`).
//!
//! ```text
//! probe                         listener
//!   Hello ──────────────────────▶
//!        ◀────────────────────── Challenge     (with a secret)
//!   Proof ──────────────────────▶
//!        ◀────────────────────── Welcome
//!   Ping(1) ────────────────────▶             ┐ one round trip each,
//!        ◀────────────────────── Pong(1)      ┘ timed from write to answer
//!   …
//!   Bye ────────────────────────▶
//! ```
//!
//! Everything runs on the caller's thread with blocking I/O and a read timeout; no Data
//! frame is ever sent, so the channel's cursor does not move.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use liner_core::frame::{
    DecodeError, Decoder, Frame, Hello, LEN_PREFIX, MAX_HEADER_LEN, RejectReason, encode,
};
use liner_core::handshake::{Connector, ConnectorStep, HandshakeError};

use crate::secret::{Secret, fresh_nonce};

/// Why a probe failed.
#[derive(Debug)]
pub enum ProbeError {
    /// The TCP connection could not be made.
    Connect(io::Error),
    /// Writing failed (the peer reset the connection).
    Write(io::Error),
    /// Nothing arrived within the timeout (a stalled process, or not a liner listener).
    Silent,
    /// The peer closed the connection.
    Closed,
    /// The peer sent bytes that are no liner frame.
    Malformed(DecodeError),
    /// The handshake failed: refused (a `Reject`, e.g. `Unauthorized` without or with
    /// another secret), another listener answered, or a proof did not check out.
    Handshake(HandshakeError),
    /// A fresh nonce could not be drawn from the operating system.
    Nonce(io::Error),
}

impl ProbeError {
    /// Whether a liner process may still be listening there: it answered but refused our
    /// proof, or it did not answer in time (stalled rather than gone).
    pub fn suggests_alive(&self) -> bool {
        match self {
            ProbeError::Silent | ProbeError::Write(_) | ProbeError::Nonce(_) => true,
            ProbeError::Handshake(e) => is_unauthorized(e),
            ProbeError::Connect(_) | ProbeError::Closed | ProbeError::Malformed(_) => false,
        }
    }
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeError::Connect(e) => write!(f, "cannot connect: {e}"),
            ProbeError::Write(e) => write!(f, "connection broke: {e}"),
            ProbeError::Silent => f.write_str("no answer within the timeout"),
            ProbeError::Closed => f.write_str("the peer closed the connection"),
            ProbeError::Malformed(e) => write!(f, "the peer does not speak liner: {e}"),
            ProbeError::Handshake(e) => write!(f, "handshake failed: {e:?}"),
            ProbeError::Nonce(e) => write!(f, "no random nonce: {e}"),
        }
    }
}

impl std::error::Error for ProbeError {}

fn is_unauthorized(e: &HandshakeError) -> bool {
    matches!(
        e,
        HandshakeError::Unauthorized | HandshakeError::Rejected(RejectReason::Unauthorized)
    )
}

/// Who the probe says it is in its Hello: the channel (sender name and topic, connection
/// key) it opens towards `listener`.
#[derive(Debug, Clone, Copy)]
pub struct ProbeIdentity<'a> {
    /// The sender's unique name.
    pub sender: &'a str,
    /// The sender's topic.
    pub sender_topic: &'a str,
    /// The unique name expected to answer.
    pub listener: &'a str,
    /// The connection key: allocated for (sender, topic, listener) in Redis
    /// (`Store::connection_key`), or 0 to ask only whether the name is alive there (the
    /// listener then closes after its Welcome: no Ping is possible).
    pub connection_key: u64,
}

/// One open probe connection past the handshake.
pub struct Probe {
    stream: TcpStream,
    decoder: Decoder<Vec<u8>>,
    next_nonce: u64,
}

/// What to do with a frame read by [`Probe::read_until`].
enum Next<T> {
    Done(T),
    Reply(Frame<'static>),
    Skip,
}

impl Probe {
    /// Connects to `addr` and completes the handshake as `who`, proving `secret` when
    /// given. `timeout` bounds the connection and every read.
    pub fn open(
        addr: SocketAddr,
        who: ProbeIdentity<'_>,
        secret: Option<&Secret>,
        timeout: Duration,
    ) -> Result<Probe, ProbeError> {
        let stream = TcpStream::connect_timeout(&addr, timeout).map_err(ProbeError::Connect)?;
        stream
            .set_read_timeout(Some(timeout))
            .and_then(|()| stream.set_nodelay(true))
            .map_err(ProbeError::Connect)?;
        let mut probe = Probe {
            stream,
            decoder: Decoder::new(vec![0; 1024], MAX_HEADER_LEN),
            next_nonce: 1,
        };
        let mut connector = Connector::new(fresh_nonce().map_err(ProbeError::Nonce)?);
        let hello = connector.hello(
            who.sender,
            who.sender_topic,
            who.listener,
            who.connection_key,
        );
        probe.send(&Frame::Hello(hello))?;
        probe.handshake(&mut connector, &hello, secret.map(Secret::bytes))?;
        Ok(probe)
    }

    fn handshake(
        &mut self,
        connector: &mut Connector,
        hello: &Hello<'_>,
        secret: Option<&[u8]>,
    ) -> Result<(), ProbeError> {
        self.read_until(|frame| match connector.on_frame(hello, secret, frame) {
            Ok(ConnectorStep::Send(reply)) => Ok(Next::Reply(reply)),
            Ok(ConnectorStep::Established { .. }) => Ok(Next::Done(())),
            Err(e) => Err(ProbeError::Handshake(e)),
        })
    }

    /// One Ping/Pong round trip: the time from writing the Ping to reading its Pong
    /// (Acks and other frames in between are skipped).
    pub fn ping(&mut self) -> Result<Duration, ProbeError> {
        let nonce = self.next_nonce;
        self.next_nonce += 1;
        let started = Instant::now();
        self.send(&Frame::Ping(nonce))?;
        self.read_until(|frame| {
            Ok(match frame {
                Frame::Pong(n) if *n == nonce => Next::Done(started.elapsed()),
                _ => Next::Skip,
            })
        })
    }

    /// Says goodbye (a `Bye`) and closes the connection.
    pub fn close(mut self) {
        // The listener closes on its own when this end goes: a lost Bye costs nothing.
        let _ = self.send(&Frame::Bye);
    }

    fn send(&mut self, frame: &Frame<'_>) -> Result<(), ProbeError> {
        write_frame(&mut self.stream, frame)
    }

    /// Feeds every frame to `on_frame` until it says done, writing the replies it asks for.
    fn read_until<T>(
        &mut self,
        mut on_frame: impl FnMut(&Frame<'_>) -> Result<Next<T>, ProbeError>,
    ) -> Result<T, ProbeError> {
        loop {
            while let Some(frame) = self.decoder.next_frame().map_err(ProbeError::Malformed)? {
                match on_frame(&frame)? {
                    Next::Done(value) => return Ok(value),
                    Next::Reply(reply) => write_frame(&mut self.stream, &reply)?,
                    Next::Skip => {}
                }
            }
            match self.stream.read(self.decoder.spare_mut()) {
                Ok(0) => return Err(ProbeError::Closed),
                Ok(n) => self.decoder.commit(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(ProbeError::Silent),
            }
        }
    }
}

/// Writes one control frame (the probe sends no Data).
fn write_frame(stream: &mut TcpStream, frame: &Frame<'_>) -> Result<(), ProbeError> {
    let mut out = [0u8; LEN_PREFIX + MAX_HEADER_LEN];
    let n = encode(frame, &mut out).expect("control frames fit the header buffer");
    stream.write_all(&out[..n]).map_err(ProbeError::Write)
}

/// Connects to the listener at `addr`, handshakes as `who` and measures `count` Ping/Pong
/// round trips; says goodbye at the end.
pub fn ping_listener(
    addr: SocketAddr,
    who: ProbeIdentity<'_>,
    secret: Option<&Secret>,
    count: usize,
    timeout: Duration,
) -> Result<Vec<Duration>, ProbeError> {
    let mut probe = Probe::open(addr, who, secret, timeout)?;
    let rtts = (0..count)
        .map(|_| probe.ping())
        .collect::<Result<Vec<_>, _>>()?;
    probe.close();
    Ok(rtts)
}
