//! A loopback TCP proxy that injects faults on command, for tests and the chaos suite
//! (`ci/chaos`). Put it in front of Redis (give a client [`FaultProxy::url`]) or in front of
//! a listener (make the listener advertise [`FaultProxy::addr`]).
//!
//! Faults, each switched on and off from the test thread at a moment the test chooses:
//!
//! - [`FaultProxy::stall`]: a network partition without RST. No byte moves in either
//!   direction and the proxy stops reading, so TCP flow control backs up into both ends;
//!   new connections are accepted (as a kernel would complete the handshake) but not
//!   connected upstream. Both ends see nothing but silence until [`FaultProxy::heal`],
//!   after which held bytes and held connections flow again in their original order.
//! - [`FaultProxy::sever`]: every open connection is closed (both ends see EOF) and new
//!   ones are closed as soon as they are accepted, until [`FaultProxy::heal`]. To the
//!   client this is "the server went away": commands fail at once instead of timing out.
//! - [`FaultProxy::delay_matching`]: a slow link for chosen requests. A chunk the client
//!   sends that contains the pattern (e.g. the name of one Redis key) is held for the delay
//!   before it is forwarded, and everything after it on that connection waits behind it,
//!   so the reply arrives late and in order. Deterministic: only the named request is slow.
//!
//! One acceptor thread, one thread per connection while it waits to be connected, then two
//! pump threads per connection. Pumps poll their socket with a short read timeout so they
//! notice a stall, a sever or the proxy being dropped within [`POLL`].

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How often a blocked pump or held connection re-checks the proxy's state.
const POLL: Duration = Duration::from_millis(20);
/// Connect timeout towards the upstream server.
const UPSTREAM_CONNECT: Duration = Duration::from_secs(2);

/// What the proxy does with bytes and connections right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Forward,
    Stalled,
    Severed,
}

/// State shared by the proxy handle and its threads.
struct State {
    mode: Mode,
    /// Bumped by every sever: a connection opened in an older epoch is closed.
    epoch: u64,
    /// Client→server chunks containing the pattern are held this long.
    delay: Option<(Vec<u8>, Duration)>,
    /// Chunks held so far because of `delay`.
    delayed: u64,
    stop: bool,
}

struct Control {
    state: Mutex<State>,
    changed: Condvar,
}

impl Control {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits while the proxy is stalled; false when the connection of `epoch` must close.
    fn wait_forwarding(&self, epoch: u64) -> bool {
        let mut state = self.lock();
        loop {
            if state.stop || state.epoch != epoch || state.mode == Mode::Severed {
                return false;
            }
            if state.mode == Mode::Forward {
                return true;
            }
            state = self
                .changed
                .wait_timeout(state, POLL)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// The delay for a client→server chunk (zero when it does not match).
    fn delay_for(&self, chunk: &[u8]) -> Duration {
        let mut state = self.lock();
        let hit = match &state.delay {
            Some((pattern, delay)) if contains(chunk, pattern) => *delay,
            _ => Duration::ZERO,
        };
        if !hit.is_zero() {
            state.delayed += 1;
        }
        hit
    }

    fn set(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.lock());
        self.changed.notify_all();
    }
}

/// The proxy; see the module docs. Dropping it stops accepting and closes every connection.
pub struct FaultProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    control: Arc<Control>,
    acceptor: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Proxies a fresh loopback port to `upstream`, forwarding normally.
    pub fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the fault proxy");
        let addr = listener.local_addr().expect("local addr");
        let control = Arc::new(Control {
            state: Mutex::new(State {
                mode: Mode::Forward,
                epoch: 0,
                delay: None,
                delayed: 0,
                stop: false,
            }),
            changed: Condvar::new(),
        });
        let shared = Arc::clone(&control);
        let acceptor = thread::Builder::new()
            .name("fault-proxy".into())
            .spawn(move || accept_loop(&listener, upstream, &shared))
            .expect("spawning the fault proxy");
        Self {
            addr,
            upstream,
            control,
            acceptor: Some(acceptor),
        }
    }

    /// Proxies a fresh loopback port to `127.0.0.1:{upstream_port}`.
    pub fn to_port(upstream_port: u16) -> Self {
        Self::start(SocketAddr::from(([127, 0, 0, 1], upstream_port)))
    }

    /// The proxy's own address (what clients connect to).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address it forwards to.
    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }

    /// `redis://127.0.0.1:PORT/` of the proxy, for a proxy in front of Redis.
    pub fn url(&self) -> String {
        format!("redis://{}/", self.addr)
    }

    /// Partition without RST: nothing moves, nothing is closed, until [`FaultProxy::heal`].
    pub fn stall(&self) {
        self.control.set(|s| s.mode = Mode::Stalled);
    }

    /// Closes every connection and refuses new ones until [`FaultProxy::heal`].
    pub fn sever(&self) {
        self.control.set(|s| {
            s.mode = Mode::Severed;
            s.epoch += 1;
        });
    }

    /// Forwards normally again (held bytes and connections go on where they stopped).
    pub fn heal(&self) {
        self.control.set(|s| s.mode = Mode::Forward);
    }

    /// From now on, holds every client→server chunk containing `pattern` for `delay`.
    pub fn delay_matching(&self, pattern: &[u8], delay: Duration) {
        let pattern = pattern.to_vec();
        self.control.set(|s| s.delay = Some((pattern, delay)));
    }

    /// Stops delaying.
    pub fn clear_delay(&self) {
        self.control.set(|s| s.delay = None);
    }

    /// How many chunks were held by [`FaultProxy::delay_matching`] so far (a test can
    /// check its fault actually hit).
    pub fn delayed_chunks(&self) -> u64 {
        self.control.lock().delayed
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.control.set(|s| s.stop = true);
        // Wakes the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, POLL);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, upstream: SocketAddr, control: &Arc<Control>) {
    for client in listener.incoming() {
        let (stop, epoch) = {
            let state = control.lock();
            (state.stop, state.epoch)
        };
        if stop {
            break;
        }
        let Ok(client) = client else { continue };
        let control = Arc::clone(control);
        let spawned = thread::Builder::new()
            .name("fault-proxy-conn".into())
            .spawn(move || connect_and_relay(client, upstream, control, epoch));
        if spawned.is_err() {
            continue;
        }
    }
}

/// Holds a new connection while stalled, closes it when severed, else relays it.
fn connect_and_relay(client: TcpStream, upstream: SocketAddr, control: Arc<Control>, epoch: u64) {
    if !control.wait_forwarding(epoch) {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let Ok(server) = TcpStream::connect_timeout(&upstream, UPSTREAM_CONNECT) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (Ok(client_rx), Ok(server_tx)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let up = Arc::clone(&control);
    let _ = thread::Builder::new()
        .name("fault-proxy-up".into())
        .spawn(move || pump(client_rx, server_tx, &up, epoch, true));
    pump(server, client, &control, epoch, false);
}

/// Copies `from` → `to` while the proxy forwards; `requests` marks the client→server side
/// (the one `delay_matching` applies to).
fn pump(mut from: TcpStream, mut to: TcpStream, control: &Control, epoch: u64, requests: bool) {
    let _ = from.set_read_timeout(Some(POLL));
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        // Stalled: do not even read, so the sender's socket buffers fill like on a dead link.
        if !control.wait_forwarding(epoch) {
            break;
        }
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        if requests {
            let delay = control.delay_for(&buf[..n]);
            if !delay.is_zero() {
                thread::sleep(delay);
            }
        }
        // A stall that began while this chunk was read holds it until the link heals.
        if !control.wait_forwarding(epoch) || to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server on a fresh port; returns its address.
    fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                thread::spawn(move || {
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = conn.read(&mut buf) {
                        if n == 0 || conn.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    fn round_trip(conn: &mut TcpStream, text: &[u8]) -> std::io::Result<Vec<u8>> {
        conn.write_all(text)?;
        let mut back = vec![0u8; text.len()];
        conn.read_exact(&mut back)?;
        Ok(back)
    }

    #[test]
    fn forwards_stalls_without_closing_and_heals() {
        let proxy = FaultProxy::start(echo_server());
        let mut conn = TcpStream::connect(proxy.addr()).unwrap();
        assert_eq!(round_trip(&mut conn, b"one").unwrap(), b"one");
        proxy.stall();
        conn.set_read_timeout(Some(Duration::from_millis(150)))
            .unwrap();
        conn.write_all(b"two").unwrap();
        let mut buf = [0u8; 3];
        let err = conn.read_exact(&mut buf).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "a stall must look like silence, not a close: {err}"
        );
        proxy.heal();
        conn.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        conn.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"two", "the held bytes arrive after the heal");
    }

    #[test]
    fn sever_closes_and_refuses_until_healed() {
        let proxy = FaultProxy::start(echo_server());
        let mut conn = TcpStream::connect(proxy.addr()).unwrap();
        assert_eq!(round_trip(&mut conn, b"x").unwrap(), b"x");
        proxy.sever();
        conn.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut buf = [0u8; 1];
        assert!(
            matches!(conn.read(&mut buf), Ok(0) | Err(_)),
            "a severed connection is closed"
        );
        proxy.heal();
        let mut again = TcpStream::connect(proxy.addr()).unwrap();
        assert_eq!(round_trip(&mut again, b"y").unwrap(), b"y");
    }

    #[test]
    fn only_matching_requests_are_delayed() {
        let proxy = FaultProxy::start(echo_server());
        proxy.delay_matching(b"slow", Duration::from_millis(300));
        let mut conn = TcpStream::connect(proxy.addr()).unwrap();
        let started = std::time::Instant::now();
        round_trip(&mut conn, b"fast").unwrap();
        assert!(started.elapsed() < Duration::from_millis(250));
        let started = std::time::Instant::now();
        round_trip(&mut conn, b"slow").unwrap();
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(proxy.delayed_chunks(), 1);
    }
}
