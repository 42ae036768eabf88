//! Tests of the sender thread against scripted listeners on 127.0.0.1 that speak liner-core
//! frames, without Redis, a store worker or the client API: the harness builds `Shared`
//! itself, adds peers to the registry and reads the job queue the worker would serve.

mod failures;
mod flow;
mod handshake;
mod writer;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use liner_core::frame::{DataHead, Decoder, FLAG_AT_LEAST_ONCE, Frame, Welcome, encode};
use mio::{Poll, Waker};

use crate::config::Config;
use crate::jobs::{Job, JobQueue};
use crate::peer::{Link, OutPeer, PeerState};
use crate::registry::Registry;
use crate::shared::{IN_WAKE, OUT_WAKE, Shared};
use crate::status::{StatusCallback, StatusKind, StatusSink};

/// How long a test waits for something that should happen soon.
const PATIENCE: Duration = Duration::from_secs(5);

pub(super) const SENDER: &str = "sender-1";
pub(super) const SENDER_TOPIC: &str = "src";
pub(super) const TOPIC_KEY: u64 = 7;

/// The head of the test topic's frames.
pub(super) fn head(at_least_once: bool) -> DataHead {
    let flags = if at_least_once { FLAG_AT_LEAST_ONCE } else { 0 };
    DataHead::new(TOPIC_KEY, flags).unwrap()
}

/// Short timers so failure paths run quickly.
pub(super) fn fast_config() -> Config {
    Config {
        window_bytes: 64 << 10,
        connect_timeout: Duration::from_millis(500),
        liveness_timeout: Duration::from_millis(2000),
        ping_interval: Duration::from_millis(500),
        reconnect_min: Duration::from_millis(10),
        reconnect_max: Duration::from_millis(40),
        ..Config::default()
    }
}

/// One status report, copied.
#[derive(Debug, Clone)]
pub(super) struct Report {
    pub kind: StatusKind,
    pub topic: String,
    pub peer: String,
    pub message: String,
}

type Reports = Arc<Mutex<Vec<Report>>>;

/// A running sender thread over a hand-built `Shared`.
pub(super) struct Harness {
    pub shared: Arc<Shared>,
    thread: Option<JoinHandle<Poll>>,
    reports: Reports,
    _listener_poll: Poll,
}

impl Harness {
    pub fn start(config: Config) -> Harness {
        let poll = Poll::new().unwrap();
        let listener_poll = Poll::new().unwrap();
        let reports = Reports::default();
        let status = StatusSink::default();
        let sink = reports.clone();
        let callback: StatusCallback = Arc::new(move |s| {
            sink.lock().unwrap().push(Report {
                kind: s.kind,
                topic: s.topic.to_string(),
                peer: s.peer.to_string(),
                message: s.message.to_string(),
            });
        });
        status.set(Some(callback));
        let shared = Arc::new(Shared {
            jobs: JobQueue::with_capacity(64),
            config,
            unique_name: SENDER.to_string(),
            topic: SENDER_TOPIC.to_string(),
            status,
            registry: Registry::new(),
            own_topics: RwLock::default(),
            cursors: Default::default(),
            out_waker: Waker::new(poll.registry(), OUT_WAKE).unwrap(),
            in_waker: Waker::new(listener_poll.registry(), IN_WAKE).unwrap(),
            running: AtomicBool::new(true),
            published: RwLock::new(None),
            listening: Mutex::new(vec![SENDER_TOPIC.to_string()]),
            listener_stats: Default::default(),
            highest_inbound_key: Default::default(),
            abandoned: Default::default(),
            present: Default::default(),
            parked_dropped: Default::default(),
            channels_removed: Default::default(),
        });
        let thread = super::spawn(shared.clone(), poll).unwrap();
        Harness {
            shared,
            thread: Some(thread),
            reports,
            _listener_poll: listener_poll,
        }
    }

    /// Adds a peer named `name` (without an address yet).
    pub fn peer(&self, name: &str) -> Arc<OutPeer> {
        let window = self.shared.config.window_bytes;
        self.shared
            .registry
            .add_peer(name, 16, |id| {
                OutPeer::new(id, name.to_string(), 100 + id as u64, window, 1, u64::MAX)
            })
            .unwrap()
    }

    /// Points `peer` at `addr` and asks for an immediate connect.
    pub fn point(&self, peer: &OutPeer, addr: SocketAddr) {
        let mut st = peer.lock();
        st.addr = Some(addr);
        st.connect_now = true;
        drop(st);
        self.shared.wake_sender();
    }

    /// Queues one message the way `send_to` does.
    pub fn send(&self, peer: &OutPeer, payload: &[u8], at_least_once: bool) {
        let wake = peer
            .enqueue(
                &self.shared.jobs,
                &head(at_least_once),
                payload,
                PATIENCE,
                true,
            )
            .unwrap();
        if wake {
            self.shared.wake_sender();
        }
    }

    /// Stops the thread (as `stop` does) and returns its Poll.
    pub fn stop(&mut self) -> Poll {
        self.shared.running.store(false, Ordering::Release);
        self.shared.wake_sender();
        self.thread.take().unwrap().join().unwrap()
    }

    pub fn count(&self, kind: StatusKind) -> usize {
        let reports = self.reports.lock().unwrap();
        reports.iter().filter(|r| r.kind == kind).count()
    }

    /// Waits until `kind` was reported `n` times; returns the `n`th such report's message.
    pub fn wait_report(&self, kind: StatusKind, n: usize) -> String {
        self.wait_full_report(kind, n).message
    }

    /// Waits until `kind` was reported `n` times; returns the `n`th such report.
    pub fn wait_full_report(&self, kind: StatusKind, n: usize) -> Report {
        wait_for(&format!("{n} x {kind:?}"), || {
            let reports = self.reports.lock().unwrap();
            let mut matching = reports.iter().filter(|r| r.kind == kind);
            matching.nth(n - 1).cloned()
        })
    }

    /// Every job queued so far (taken from the queue).
    pub fn jobs(&self) -> Vec<Job> {
        std::iter::from_fn(|| self.shared.jobs.pop(Duration::ZERO)).collect()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop();
        }
    }
}

/// The name of the one peer most tests send to.
pub(super) const LISTENER: &str = "listener-a";

/// A running harness, a scripted listener and the peer [`LISTENER`] (not yet pointed at it).
pub(super) fn one_peer(config: Config) -> (Harness, Script, Arc<OutPeer>) {
    let h = Harness::start(config);
    let script = Script::bind();
    let peer = h.peer(LISTENER);
    (h, script, peer)
}

/// [`one_peer`] pointed at its script, which accepted the connection and welcomed it with
/// cursor 0 (the sender may not have seen the Welcome yet).
pub(super) fn welcomed(config: Config) -> (Harness, Script, Arc<OutPeer>, Side) {
    let (h, script, peer) = one_peer(config);
    h.point(&peer, script.addr());
    let side = script.accept_welcome(LISTENER, 0);
    (h, script, peer, side)
}

/// [`welcomed`], once the sender has taken the Welcome and the link is up.
pub(super) fn connected(config: Config) -> (Harness, Script, Arc<OutPeer>, Side) {
    let (h, script, peer, side) = welcomed(config);
    wait_link(&peer, Link::Connected);
    (h, script, peer, side)
}

/// Polls `probe` until it returns something, panicking after [`PATIENCE`].
pub(super) fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Waits until the peer's state satisfies `check`.
pub(super) fn wait_state(peer: &OutPeer, what: &str, check: impl Fn(&PeerState) -> bool) {
    wait_for(what, || check(&peer.lock()).then_some(()));
}

pub(super) fn wait_link(peer: &OutPeer, link: Link) {
    wait_state(peer, &format!("link {link:?}"), |st| st.link == link);
}

/// A frame as the scripted listener saw it, detached from its buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Got {
    Hello {
        sender: String,
        topic: String,
        listener: String,
        ck: u64,
    },
    Data {
        seq: u64,
        at_least_once: bool,
        payload: Vec<u8>,
    },
    Ping(u64),
    Pong(u64),
    Bye,
    Other(String),
}

/// The listener side of the test: a plain blocking socket.
pub(super) struct Script {
    listener: TcpListener,
}

impl Script {
    pub fn bind() -> Script {
        Script {
            listener: TcpListener::bind("127.0.0.1:0").unwrap(),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap()
    }

    /// Accepts the next connection (panics after [`PATIENCE`]).
    pub fn accept(&self) -> Side {
        self.listener.set_nonblocking(true).unwrap();
        let stream = wait_for("a connection", || self.listener.accept().ok()).0;
        stream.set_nonblocking(false).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        Side {
            stream,
            decoder: Decoder::new(vec![0; 1 << 16], 1 << 20),
        }
    }

    /// Accepts, checks the Hello is for `listener` and answers Welcome with `cursor`.
    pub fn accept_welcome(&self, listener: &str, cursor: u64) -> Side {
        let mut side = self.accept();
        match side.next() {
            Some(Got::Hello { listener: l, .. }) if l == listener => {}
            other => panic!("expected a Hello for {listener}, got {other:?}"),
        }
        side.welcome(listener, cursor);
        side
    }
}

/// One accepted connection.
pub(super) struct Side {
    pub stream: TcpStream,
    decoder: Decoder<Vec<u8>>,
}

impl Side {
    pub fn send(&mut self, frame: &Frame<'_>) {
        let mut buf = [0u8; 1024];
        let n = encode(frame, &mut buf).unwrap();
        self.stream.write_all(&buf[..n]).unwrap();
    }

    pub fn welcome(&mut self, listener: &str, cursor: u64) {
        self.send(&Frame::Welcome(Welcome {
            listener_name: listener,
            cursor,
            proof: None,
        }));
    }

    /// The next frame, or `None` at the end of the stream (panics when nothing comes).
    pub fn next(&mut self) -> Option<Got> {
        loop {
            if let Some(frame) = self.decoder.next_frame().unwrap() {
                return Some(detach(frame));
            }
            match self.stream.read(self.decoder.spare_mut()) {
                Ok(0) => return None,
                Ok(n) => self.decoder.commit(n),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    panic!("scripted listener got nothing for {PATIENCE:?}")
                }
                // Reset by the sender: the end of the stream too.
                Err(_) => return None,
            }
        }
    }

    /// The next `n` Data frames as `(seq, payload)`, skipping pings.
    pub fn data(&mut self, n: usize) -> Vec<(u64, Vec<u8>)> {
        let mut out = Vec::new();
        while out.len() < n {
            match self.next() {
                Some(Got::Data { seq, payload, .. }) => out.push((seq, payload)),
                Some(Got::Ping(_)) => {}
                other => panic!("expected Data, got {other:?}"),
            }
        }
        out
    }
}

fn detach(frame: Frame<'_>) -> Got {
    match frame {
        Frame::Hello(h) => Got::Hello {
            sender: h.sender_name.to_string(),
            topic: h.sender_topic.to_string(),
            listener: h.listener_name.to_string(),
            ck: h.connection_key,
        },
        Frame::Data(d) => Got::Data {
            seq: d.seq,
            at_least_once: d.at_least_once(),
            payload: d.payload.to_vec(),
        },
        Frame::Ping(n) => Got::Ping(n),
        Frame::Pong(n) => Got::Pong(n),
        Frame::Bye => Got::Bye,
        other => Got::Other(format!("{other:?}")),
    }
}

/// Seqs of `(seq, payload)` pairs.
pub(super) fn seqs(frames: &[(u64, Vec<u8>)]) -> Vec<u64> {
    frames.iter().map(|f| f.0).collect()
}
