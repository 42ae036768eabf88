//! A loopback TCP proxy in front of a Redis server that can lose one reply on purpose: the
//! server executes the command, then the proxy closes the client's connection instead of
//! forwarding the answer. This is the "did my command happen?" case that store operations
//! must survive without duplicating or losing data.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};

/// The proxy; see the module docs. Stops accepting when dropped.
pub struct CutProxy {
    addr: SocketAddr,
    cut_armed: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl CutProxy {
    /// Proxies a fresh loopback port to `127.0.0.1:{upstream_port}`.
    pub fn start(upstream_port: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the proxy");
        let addr = listener.local_addr().expect("local addr");
        let upstream = SocketAddr::from(([127, 0, 0, 1], upstream_port));
        let cut_armed = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (armed, stopping) = (Arc::clone(&cut_armed), Arc::clone(&stop));
        let acceptor = thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::Acquire) {
                    break;
                }
                let (Ok(client), Ok(server)) = (client, TcpStream::connect(upstream)) else {
                    continue;
                };
                relay(client, server, Arc::clone(&armed));
            }
        });
        Self {
            addr,
            cut_armed,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// `redis://127.0.0.1:PORT/` of the proxy.
    pub fn url(&self) -> String {
        format!("redis://{}/", self.addr)
    }

    /// The next data the server sends on any connection is dropped and that connection closed.
    pub fn cut_next_reply(&self) {
        self.cut_armed.store(true, Ordering::Release);
    }

    /// True until an armed cut has happened.
    pub fn cut_pending(&self) -> bool {
        self.cut_armed.load(Ordering::Acquire)
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Pumps both directions on two threads until either side closes.
fn relay(client: TcpStream, server: TcpStream, cut_armed: Arc<AtomicBool>) {
    let (client_rx, server_tx) = (
        client.try_clone().expect("clone"),
        server.try_clone().expect("clone"),
    );
    thread::spawn(move || pump(client_rx, server_tx, None));
    thread::spawn(move || pump(server, client, Some(cut_armed)));
}

/// Copies `from` → `to`; with `cut_armed`, a chunk read while it is set is dropped and both
/// connections are shut down.
fn pump(mut from: TcpStream, mut to: TcpStream, cut_armed: Option<Arc<AtomicBool>>) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if cut_armed
            .as_ref()
            .is_some_and(|a| a.swap(false, Ordering::AcqRel))
        {
            break;
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
