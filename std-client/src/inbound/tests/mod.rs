//! Tests of the listener thread against scripted peers on 127.0.0.1 speaking liner-core
//! frames: a real `mio` listener, a hand-built `Shared` and an in-memory cursor store.

mod alloc;
mod auth;
mod delivery;
mod handshake;
mod lifecycle;

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use liner_core::frame::{
    self, Data, Decoder, FLAG_AT_LEAST_ONCE, Frame, Hello, LEN_PREFIX, NONCE_LEN, PROOF_LEN,
    RejectReason,
};

use super::cursors::CursorStore;
use super::{FallibleCallback, ReceiveCallback, Redeliver, infallible, spawn_with};
use crate::config::Config;
use crate::jobs::JobQueue;
use crate::registry::Registry;
use crate::shared::{IN_WAKE, OUT_WAKE, OwnTopics, Shared};
use crate::status::{StatusKind, StatusSink};
use crate::store::StoreError;

const LISTENER_NAME: &str = "bob";
/// Topic key of the listener's own topic `inbox`.
const INBOX: u64 = 7;
/// A topic key the listener never heard of.
const UNKNOWN_TOPIC: u64 = 99;
/// How long a test waits for something that should happen within milliseconds.
const PATIENCE: Duration = Duration::from_secs(5);

/// Cursor store kept in memory; can be told to fail.
#[derive(Clone, Default)]
struct MemStore {
    cursors: Arc<Mutex<HashMap<u64, u64>>>,
    failing: Arc<AtomicBool>,
}

impl MemStore {
    fn check(&self) -> Result<(), StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            Err(StoreError::ConnectionLost("test store is down".into()))
        } else {
            Ok(())
        }
    }

    fn get(&self, ck: u64) -> Option<u64> {
        self.cursors.lock().unwrap().get(&ck).copied()
    }

    fn set(&self, ck: u64, seq: u64) {
        self.cursors.lock().unwrap().insert(ck, seq);
    }
}

impl CursorStore for MemStore {
    fn load_cursor(&mut self, ck: u64) -> Result<u64, StoreError> {
        self.check()?;
        Ok(self.get(ck).unwrap_or(0))
    }

    fn save_cursor(&mut self, ck: u64, seq: u64) -> Result<(), StoreError> {
        self.check()?;
        self.set(ck, seq);
        Ok(())
    }
}

/// A status report as the tests see it.
#[derive(Debug, Clone)]
struct Report {
    kind: StatusKind,
    peer: String,
    message: String,
}

/// One delivered message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Delivered {
    to: String,
    from: String,
    payload: Vec<u8>,
}

/// A listener thread on 127.0.0.1:0 with its observers.
struct Rig {
    shared: Arc<Shared>,
    addr: SocketAddr,
    thread: Option<JoinHandle<mio::Poll>>,
    store: MemStore,
    delivered: Arc<Mutex<Vec<Delivered>>>,
    reports: Arc<Mutex<Vec<Report>>>,
    /// Keeps the sender-side waker's poll alive.
    _out_poll: mio::Poll,
}

impl Rig {
    fn start(config: Config) -> Rig {
        Rig::start_with(config, MemStore::default(), |_| {})
    }

    /// Starts a listener whose callback records every message after running `hook` on it.
    fn start_with(
        config: Config,
        store: MemStore,
        mut hook: impl FnMut(&[u8]) + Send + 'static,
    ) -> Rig {
        Rig::start_fallible(config, store, move |payload| {
            hook(payload);
            Ok(())
        })
    }

    /// Starts a listener whose callback runs `hook` first and records the messages it
    /// accepted.
    fn start_fallible(
        config: Config,
        store: MemStore,
        mut hook: impl FnMut(&[u8]) -> Result<(), Redeliver> + Send + 'static,
    ) -> Rig {
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let sink = delivered.clone();
        let on_message: FallibleCallback = Box::new(move |to, from, payload| {
            hook(payload)?;
            sink.lock().unwrap().push(Delivered {
                to: to.into(),
                from: from.into(),
                payload: payload.into(),
            });
            Ok(())
        });
        Rig::start_raw(config, store, delivered, on_message)
    }

    fn start_raw(
        config: Config,
        store: MemStore,
        delivered: Arc<Mutex<Vec<Delivered>>>,
        on_message: FallibleCallback,
    ) -> Rig {
        config.validate().unwrap();
        let poll = mio::Poll::new().unwrap();
        let out_poll = mio::Poll::new().unwrap();
        let mut own_topics = OwnTopics::default();
        own_topics.insert(INBOX, "inbox");
        let shared = Arc::new(Shared {
            jobs: JobQueue::with_capacity(16),
            config,
            unique_name: LISTENER_NAME.into(),
            topic: "inbox".into(),
            status: StatusSink::default(),
            registry: Registry::new(),
            own_topics: RwLock::new(own_topics),
            cursors: Default::default(),
            out_waker: mio::Waker::new(out_poll.registry(), OUT_WAKE).unwrap(),
            in_waker: mio::Waker::new(poll.registry(), IN_WAKE).unwrap(),
            running: AtomicBool::new(true),
            published: RwLock::new(None),
            listening: Mutex::new(vec!["inbox".into()]),
            listener_stats: Default::default(),
            highest_inbound_key: Default::default(),
            abandoned: Default::default(),
            present: Default::default(),
            parked_dropped: Default::default(),
            channels_removed: Default::default(),
        });
        let reports = Arc::new(Mutex::new(Vec::new()));
        let seen = reports.clone();
        shared
            .status
            .set(Some(Arc::new(move |s: &crate::status::Status<'_>| {
                seen.lock().unwrap().push(Report {
                    kind: s.kind,
                    peer: s.peer.into(),
                    message: s.message.into(),
                });
            })));
        let socket = mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = socket.local_addr().unwrap();
        let thread = spawn_with(shared.clone(), poll, socket, store.clone(), on_message).unwrap();
        Rig {
            shared,
            addr,
            thread: Some(thread),
            store,
            delivered,
            reports,
            _out_poll: out_poll,
        }
    }

    fn connect(&self) -> Peer {
        Peer::connect(self.addr)
    }

    /// Stops the thread the way the client does and returns its `Poll`.
    fn stop(&mut self) -> mio::Poll {
        self.shared.running.store(false, Ordering::Release);
        self.shared.wake_listener();
        self.thread.take().unwrap().join().unwrap()
    }

    fn payloads(&self) -> Vec<Vec<u8>> {
        let delivered = self.delivered.lock().unwrap();
        delivered.iter().map(|d| d.payload.clone()).collect()
    }

    fn reports_of(&self, kind: StatusKind) -> Vec<Report> {
        let reports = self.reports.lock().unwrap();
        reports.iter().filter(|r| r.kind == kind).cloned().collect()
    }

    fn stat(&self, pick: impl Fn(&super::ListenerStats) -> &std::sync::atomic::AtomicU64) -> u64 {
        pick(&self.shared.listener_stats).load(Ordering::Relaxed)
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop();
        }
    }
}

/// What a scripted peer received, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    Welcome {
        listener: String,
        cursor: u64,
        proof: Option<[u8; PROOF_LEN]>,
    },
    Challenge([u8; NONCE_LEN]),
    Reject(RejectReason),
    Ack(u64),
    Pong(u64),
    Bye,
    /// The listener closed the connection.
    Closed,
}

/// A sender speaking the wire protocol by hand.
struct Peer {
    stream: TcpStream,
    decoder: Decoder<Vec<u8>>,
}

impl Peer {
    fn connect(addr: SocketAddr) -> Peer {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        Peer {
            stream,
            decoder: Decoder::new(vec![0; 4096], 4096),
        }
    }

    fn local_addr(&self) -> String {
        self.stream.local_addr().unwrap().to_string()
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Sends `frames` with one write.
    fn send(&mut self, frames: &[Frame<'_>]) {
        let mut bytes = Vec::new();
        for f in frames {
            let at = bytes.len();
            bytes.resize(at + frame::encoded_len(f), 0);
            frame::encode(f, &mut bytes[at..]).unwrap();
        }
        self.send_raw(&bytes);
    }

    /// The next frame from the listener, or `Closed`.
    fn recv(&mut self) -> Got {
        loop {
            if let Some(f) = self.decoder.next_frame().unwrap() {
                return match f {
                    Frame::Welcome(w) => Got::Welcome {
                        listener: w.listener_name.into(),
                        cursor: w.cursor,
                        proof: w.proof,
                    },
                    Frame::Challenge(nonce) => Got::Challenge(nonce),
                    Frame::Reject(reason) => Got::Reject(reason),
                    Frame::Ack(seq) => Got::Ack(seq),
                    Frame::Pong(nonce) => Got::Pong(nonce),
                    Frame::Bye => Got::Bye,
                    other => panic!("a listener never sends {other:?}"),
                };
            }
            match self.stream.read(self.decoder.spare_mut()) {
                Ok(0) => return Got::Closed,
                Ok(n) => self.decoder.commit(n),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return Got::Closed,
                Err(e) => panic!("reading from the listener: {e}"),
            }
        }
    }

    /// Says Hello on connection key `ck` and returns the Welcome's cursor.
    fn handshake(&mut self, ck: u64) -> u64 {
        self.send(&[hello(ck)]);
        match self.recv() {
            Got::Welcome {
                listener, cursor, ..
            } => {
                assert_eq!(listener, LISTENER_NAME);
                cursor
            }
            other => panic!("expected Welcome, got {other:?}"),
        }
    }

    /// Reads Acks until the listener says Bye and closes the connection; returns them.
    fn acks_until_closed(&mut self) -> Vec<u64> {
        let mut acks = Vec::new();
        loop {
            match self.recv() {
                Got::Ack(s) => acks.push(s),
                Got::Bye => {
                    assert_eq!(self.recv(), Got::Closed, "Bye is the last frame");
                    return acks;
                }
                other => panic!("expected Acks then the close, got {other:?} after {acks:?}"),
            }
        }
    }

    /// Reads Acks until the listener closes the connection (with or without Bye).
    fn acks_until_closed_or_last(&mut self) -> Vec<u64> {
        let mut acks = Vec::new();
        loop {
            match self.recv() {
                Got::Ack(s) => acks.push(s),
                Got::Bye => {}
                Got::Closed => return acks,
                other => panic!("expected Acks then the close, got {other:?} after {acks:?}"),
            }
        }
    }

    /// Reads Acks until one covers `seq`; returns all of them.
    fn acks_until(&mut self, seq: u64) -> Vec<u64> {
        let mut acks = Vec::new();
        loop {
            match self.recv() {
                Got::Ack(s) => {
                    acks.push(s);
                    if s >= seq {
                        return acks;
                    }
                }
                other => panic!("expected Ack up to {seq}, got {other:?} after {acks:?}"),
            }
        }
    }
}

fn hello(ck: u64) -> Frame<'static> {
    hello_to(LISTENER_NAME, ck)
}

fn hello_to(listener: &'static str, ck: u64) -> Frame<'static> {
    Frame::Hello(Hello {
        sender_name: "alice",
        sender_topic: "src",
        listener_name: listener,
        connection_key: ck,
        nonce: [7; NONCE_LEN],
    })
}

fn data(seq: u64, payload: &[u8]) -> Frame<'_> {
    data_for(INBOX, seq, payload)
}

fn data_for(topic_key: u64, seq: u64, payload: &[u8]) -> Frame<'_> {
    Frame::Data(Data {
        seq,
        topic_key,
        flags: FLAG_AT_LEAST_ONCE,
        payload,
    })
}

/// A valid Hello's bytes with byte `at` of the body replaced by `value`.
fn patched_hello(at: usize, value: u8) -> Vec<u8> {
    let f = hello(1);
    let mut bytes = vec![0; frame::encoded_len(&f)];
    frame::encode(&f, &mut bytes).unwrap();
    bytes[LEN_PREFIX + at] = value;
    bytes
}

/// Small timeouts and batches so tests run fast; everything else default.
fn config() -> Config {
    Config {
        ack_delay: Duration::from_secs(10),
        ..Config::default()
    }
}
