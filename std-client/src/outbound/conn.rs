//! One outbound connection's state machine: non-blocking connect (with timeout) → the
//! handshake (Hello, with a secret also Challenge/Proof, then Welcome; one timeout; the
//! steps are `liner_core::handshake::Connector`'s) → connected, then acks, pings and
//! liveness until it ends. The connection only ever reports what happened; the slot
//! decides about backoff and status.

use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use liner_core::frame::{Decoder, Frame, Hello, LEN_PREFIX, MAX_HEADER_LEN, RejectReason};
use liner_core::handshake::{Connector, ConnectorStep, HandshakeError};
use mio::net::TcpStream;
use mio::{Interest, Token};

use super::after;
use super::error::ConnError;
use super::link;
use super::writer::Writer;
use crate::peer::OutPeer;
use crate::secret::{Secret, fresh_nonce};
use crate::shared::Shared;

/// Receive buffer per connection: listeners only send small control frames.
const RECV_BUF: usize = 4096;
const _: () = assert!(RECV_BUF >= LEN_PREFIX + MAX_HEADER_LEN);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// TCP connect in progress.
    Connecting,
    /// Hello queued or sent, waiting for Welcome (or first a Challenge).
    Handshake,
    /// Frames flow.
    Connected,
}

/// What a readiness event led to, besides errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Progress {
    Quiet,
    /// The handshake just completed.
    Connected,
}

/// A frame from the listener after the handshake, detached from the receive buffer.
enum Incoming {
    Ack(u64),
    Ping(u64),
    Pong,
    Bye,
}

/// One connection (attempt) to a peer.
pub(super) struct Conn {
    pub peer: Arc<OutPeer>,
    pub addr: SocketAddr,
    stream: TcpStream,
    phase: Phase,
    /// The handshake's steps and this connection's nonce.
    connector: Connector,
    /// End of the connect or handshake phase.
    deadline: Instant,
    decoder: Decoder<Vec<u8>>,
    writer: Writer,
    last_rx: Instant,
    last_ping: Instant,
    pings: u64,
    /// Highest seq the listener confirmed (Welcome cursor or Ack).
    confirmed: u64,
    /// An Ack moved `confirmed` past the Welcome cursor: the channel worked end to end.
    delivered: bool,
}

impl Conn {
    /// Starts a non-blocking connect to `addr` and queues the Hello.
    pub fn start(
        peer: Arc<OutPeer>,
        addr: SocketAddr,
        shared: &Shared,
        registry: &mio::Registry,
        now: Instant,
    ) -> Result<Conn, ConnError> {
        let mut writer = Writer::new();
        let connector = Connector::new(fresh_nonce()?);
        let hello = Frame::Hello(hello(&connector, shared, &peer));
        if !writer.queue(&hello) {
            // Names are validated when the client and the peer are created.
            return Err(ConnError::Io(io::Error::other("Hello does not encode")));
        }
        let mut stream = TcpStream::connect(addr).map_err(ConnError::Connect)?;
        registry
            .register(
                &mut stream,
                Token(peer.id),
                Interest::READABLE | Interest::WRITABLE,
            )
            .map_err(ConnError::Connect)?;
        Ok(Conn {
            peer,
            addr,
            stream,
            phase: Phase::Connecting,
            connector,
            deadline: after(now, shared.config.connect_timeout),
            decoder: Decoder::new(vec![0; RECV_BUF], MAX_HEADER_LEN),
            writer,
            last_rx: now,
            last_ping: now,
            pings: 0,
            confirmed: 0,
            delivered: false,
        })
    }

    /// Closes the socket.
    pub fn close(mut self, registry: &mio::Registry) {
        // Deregistering a socket about to be closed cannot usefully fail.
        let _ = registry.deregister(&mut self.stream);
    }

    pub fn is_connected(&self) -> bool {
        self.phase == Phase::Connected
    }

    /// Whether the listener acknowledged anything sent on this connection. One that was
    /// accepted but whose first frame was refused (callback refusal, unknown topic) did
    /// not: its successor waits longer, so a refused frame is no hot loop.
    pub fn delivered(&self) -> bool {
        self.delivered
    }

    /// Handles readiness of the socket.
    pub fn on_ready(
        &mut self,
        shared: &Shared,
        readable: bool,
        writable: bool,
        now: Instant,
    ) -> Result<Progress, ConnError> {
        if self.phase == Phase::Connecting {
            if !self.finish_connect()? {
                return Ok(Progress::Quiet);
            }
            self.phase = Phase::Handshake;
            self.deadline = after(now, shared.config.connect_timeout);
        }
        let progress = if readable {
            self.read(shared, now)?
        } else {
            Progress::Quiet
        };
        if writable || progress == Progress::Connected || !self.writer.idle() {
            self.flush(shared)?;
        }
        Ok(progress)
    }

    /// Checks timeouts and sends a ping when due; returns the next deadline.
    pub fn on_timer(&mut self, shared: &Shared, now: Instant) -> Result<Instant, ConnError> {
        let config = &shared.config;
        match self.phase {
            Phase::Connecting | Phase::Handshake if link::moved_away(&self.peer, self.addr) => {
                Err(ConnError::Moved)
            }
            Phase::Connecting if now >= self.deadline => Err(ConnError::ConnectTimeout),
            Phase::Handshake if now >= self.deadline => Err(ConnError::HandshakeTimeout),
            Phase::Connecting | Phase::Handshake => Ok(self.deadline),
            Phase::Connected => {
                let dead_at = after(self.last_rx, config.liveness_timeout);
                if now >= dead_at {
                    return Err(ConnError::Dead);
                }
                let mut ping_at = after(self.last_rx.max(self.last_ping), config.ping_interval);
                if now >= ping_at {
                    self.pings += 1;
                    // A full control queue already holds pings; dropping this one is fine.
                    self.writer.queue(&Frame::Ping(self.pings));
                    self.last_ping = now;
                    ping_at = after(now, config.ping_interval.max(Duration::from_millis(1)));
                }
                Ok(dead_at.min(ping_at))
            }
        }
    }

    /// Writes what can be written now: the Hello during the handshake, control frames and
    /// window bytes once connected.
    pub fn flush(&mut self, shared: &Shared) -> Result<(), ConnError> {
        if self.phase == Phase::Connecting {
            return Ok(());
        }
        let data = self.phase == Phase::Connected;
        if data {
            link::confirm_drain(&self.peer, &mut self.peer.lock(), shared, self.confirmed);
        }
        self.writer.flush(&mut self.stream, &self.peer, data)?;
        Ok(())
    }

    /// Best effort on exit, never waiting: apply acks already received (their frames need
    /// not go to Redis), write what is pending, then `Bye` and a FIN if the stream is
    /// between frames.
    pub fn say_bye(&mut self, shared: &Shared) {
        if self.phase != Phase::Connected {
            return;
        }
        // Errors here only mean the peer is gone too; the frames are kept either way.
        let _ = self.read(shared, Instant::now());
        if self.flush(shared).is_err() || !self.writer.idle() {
            return;
        }
        if self.writer.queue(&Frame::Bye) && self.flush(shared).is_ok() && self.writer.idle() {
            let _ = self.stream.shutdown(Shutdown::Write);
        }
    }

    /// Whether the non-blocking connect finished (`Ok(false)`: still in progress).
    fn finish_connect(&mut self) -> Result<bool, ConnError> {
        if let Some(e) = self.stream.take_error().map_err(ConnError::Connect)? {
            return Err(ConnError::Connect(e));
        }
        match self.stream.peer_addr() {
            Ok(_) => {
                self.stream.set_nodelay(true)?;
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(false),
            Err(e) => Err(ConnError::Connect(e)),
        }
    }

    /// Reads until the socket is drained (edge-triggered), handling every frame. Acks of
    /// one read burst are applied once, with the highest value, even when the burst ends
    /// in an error (an Ack followed by Bye must still free its frames).
    fn read(&mut self, shared: &Shared, now: Instant) -> Result<Progress, ConnError> {
        let mut ack = None;
        let result = self.read_frames(shared, now, &mut ack);
        if let Some(seq) = ack {
            self.delivered |= seq > self.confirmed;
            self.confirmed = self.confirmed.max(seq);
            link::acked(&self.peer, shared, seq);
        }
        result
    }

    fn read_frames(
        &mut self,
        shared: &Shared,
        now: Instant,
        ack: &mut Option<u64>,
    ) -> Result<Progress, ConnError> {
        let mut progress = Progress::Quiet;
        loop {
            // Never full: whatever stays buffered is part of one frame of at most
            // LEN_PREFIX + MAX_HEADER_LEN bytes, so a 0 here is the end of the stream.
            match self.stream.read(self.decoder.spare_mut()) {
                Ok(0) => return Err(ConnError::Closed),
                Ok(n) => {
                    self.decoder.commit(n);
                    self.last_rx = now;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(progress),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ConnError::Io(e)),
            }
            while let Some(frame) = self.decoder.next_frame().map_err(ConnError::Protocol)? {
                if self.phase == Phase::Handshake {
                    let step = handshake_step(&mut self.connector, shared, &self.peer, &frame)?;
                    match step {
                        ConnectorStep::Send(reply) => {
                            self.writer.queue(&reply);
                        }
                        ConnectorStep::Established { cursor } => {
                            // Callers writing directly get their own handle on the socket.
                            let socket = self.stream.as_fd().try_clone_to_owned()?;
                            link::connected(&self.peer, shared, cursor, socket.into());
                            self.phase = Phase::Connected;
                            self.confirmed = cursor;
                            self.last_ping = now;
                            progress = Progress::Connected;
                        }
                    }
                    continue;
                }
                match classify(frame)? {
                    Incoming::Ack(seq) => *ack = (*ack).max(Some(seq)),
                    Incoming::Ping(nonce) => {
                        self.writer.queue(&Frame::Pong(nonce));
                    }
                    Incoming::Pong => {}
                    Incoming::Bye => return Err(ConnError::Bye),
                }
            }
        }
    }
}

/// This client's Hello to `peer`, carrying the connector's nonce.
fn hello<'a>(connector: &Connector, shared: &'a Shared, peer: &'a OutPeer) -> Hello<'a> {
    connector.hello(&shared.unique_name, &shared.topic, &peer.name, peer.ck)
}

/// Feeds a frame received during the handshake to the connector.
fn handshake_step(
    connector: &mut Connector,
    shared: &Shared,
    peer: &OutPeer,
    frame: &Frame<'_>,
) -> Result<ConnectorStep, ConnError> {
    if let Frame::Welcome(w) = frame
        && w.listener_name != peer.name
    {
        return Err(ConnError::WrongListener(w.listener_name.to_string()));
    }
    let secret = shared.config.secret.as_ref().map(Secret::bytes);
    let hello = hello(connector, shared, peer);
    connector
        .on_frame(&hello, secret, frame)
        .map_err(|err| match err {
            HandshakeError::Rejected(RejectReason::Unauthorized) if secret.is_some() => {
                ConnError::Unauthorized(
                    "the listener refused this client's proof: the secrets differ",
                )
            }
            HandshakeError::Rejected(RejectReason::Unauthorized) => ConnError::Unauthorized(
                "the listener requires the shared secret (Config::secret or LINER_SECRET)",
            ),
            HandshakeError::Rejected(reason) => ConnError::Rejected(reason),
            HandshakeError::Unauthorized => ConnError::Unauthorized(
                "the listener did not prove the shared secret (it has none or another one)",
            ),
            HandshakeError::WrongListener => ConnError::WrongListener(String::new()),
            HandshakeError::Unexpected => ConnError::Unexpected("frame during the handshake"),
            HandshakeError::CursorOutOfRange => ConnError::Unexpected("Welcome cursor past 2^63"),
        })
}

/// Checks a frame from the listener after the handshake and detaches it from the buffer.
fn classify(frame: Frame<'_>) -> Result<Incoming, ConnError> {
    Ok(match frame {
        Frame::Ack(seq) => Incoming::Ack(seq),
        Frame::Ping(nonce) => Incoming::Ping(nonce),
        Frame::Pong(_) => Incoming::Pong,
        Frame::Bye => Incoming::Bye,
        Frame::Reject(reason) => return Err(ConnError::Rejected(reason)),
        Frame::Welcome(_) => return Err(ConnError::Unexpected("second Welcome")),
        Frame::Challenge(_) | Frame::Proof(_) => {
            return Err(ConnError::Unexpected("handshake frame after the handshake"));
        }
        Frame::Hello(_) => return Err(ConnError::Unexpected("Hello from the listener")),
        Frame::Data(_) => return Err(ConnError::Unexpected("Data from the listener")),
    })
}
