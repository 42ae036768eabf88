//! Raw loopback sockets of the hostile suite's attackers: connect from a chosen source
//! address (all of 127.0.0.0/8 is loopback on Linux, so 127.x.y.z models many sources),
//! read whole frames with a deadline, and say how a connection ended — a Reject and its
//! reason, a close (EOF), a reset, or still open when the attacker stopped waiting.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd};
use std::time::{Duration, Instant};

use liner_core::frame::{Frame, RejectReason, parse_frame};

/// Longest a write to the listener may block (it may leave a connection unread on purpose).
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// How a connection ended, as the attacker saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The listener sent `Reject(reason)` (and closed, or was about to).
    Rejected(RejectReason),
    /// The listener closed the connection (EOF) without a Reject.
    Closed,
    /// The connection was reset (the listener closed with unread data, or refused it).
    Reset,
    /// The listener sent bytes that are not a frame.
    Garbled,
    /// The listener welcomed a handshake it should have refused.
    Welcomed,
    /// Nothing ended it within the time the attacker waited.
    Open,
}

impl End {
    /// Whether the listener ended the connection (a Reject counts).
    pub fn closed(self) -> bool {
        !matches!(self, End::Open | End::Welcomed)
    }
}

/// A frame from the listener, copied out of the read buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Got {
    Challenge([u8; 16]),
    Welcome {
        cursor: u64,
        proof: Option<[u8; 32]>,
    },
    Reject(RejectReason),
    Ack(u64),
    Ping(u64),
    Other,
}

impl Got {
    fn of(frame: &Frame<'_>) -> Got {
        match *frame {
            Frame::Challenge(nonce) => Got::Challenge(nonce),
            Frame::Welcome(w) => Got::Welcome {
                cursor: w.cursor,
                proof: w.proof,
            },
            Frame::Reject(reason) => Got::Reject(reason),
            Frame::Ack(seq) => Got::Ack(seq),
            Frame::Ping(nonce) => Got::Ping(nonce),
            _ => Got::Other,
        }
    }
}

/// A TCP connection to the listener and the bytes read from it that are not a whole
/// frame yet.
pub struct Conn {
    pub stream: TcpStream,
    buf: Vec<u8>,
    /// Set once a Reject arrived (reported by [`Conn::await_end`]).
    rejected: Option<RejectReason>,
    /// When the connection was established.
    pub opened: Instant,
}

impl Conn {
    /// Connects from `src` (port chosen by the kernel) to `dst` within `timeout`.
    /// Writes block at most [`WRITE_TIMEOUT`].
    pub fn open(src: Ipv4Addr, dst: SocketAddr, timeout: Duration) -> io::Result<Conn> {
        let stream = connect_from(src, dst, timeout)?;
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        Ok(Conn {
            stream,
            buf: Vec::new(),
            rejected: None,
            opened: Instant::now(),
        })
    }

    /// Writes all of `bytes`; a write the listener refused because it already closed is
    /// not an error here (the end is read afterwards).
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).is_ok()
    }

    /// The next frame within `timeout`, or how the connection ended (`End::Open`: nothing
    /// came in time).
    pub fn next(&mut self, timeout: Duration) -> Result<Got, End> {
        let deadline = Instant::now() + timeout;
        loop {
            match parse_frame(&self.buf) {
                Ok(Some((frame, used))) => {
                    let got = Got::of(&frame);
                    self.buf.drain(..used);
                    if let Got::Reject(reason) = got {
                        self.rejected = Some(reason);
                    }
                    return Ok(got);
                }
                Ok(None) => {}
                Err(_) => return Err(End::Garbled),
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(End::Open);
            }
            let _ = self.stream.set_read_timeout(Some(left));
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(self.rejected.map_or(End::Closed, End::Rejected)),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(self.rejected.map_or(End::Reset, End::Rejected)),
            }
        }
    }

    /// Reads until the connection ends or `timeout` passes, ignoring frames other than a
    /// Reject (remembered: the end is then `Rejected`) or a Welcome (an end of its own: the
    /// listener accepted). A connection still open at the timeout is `Open`, even after a
    /// Reject.
    pub fn await_end(&mut self, timeout: Duration) -> End {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left) {
                Ok(Got::Welcome { .. }) => return End::Welcomed,
                Ok(_) => {}
                Err(end) => return end,
            }
        }
    }

    /// Reads what is there without blocking (the socket must be non-blocking); how the
    /// connection ended, or `None` while it is open.
    pub fn poll_end(&mut self) -> Option<End> {
        loop {
            match parse_frame(&self.buf) {
                Ok(Some((frame, used))) => {
                    let got = Got::of(&frame);
                    self.buf.drain(..used);
                    match got {
                        Got::Reject(reason) => self.rejected = Some(reason),
                        Got::Welcome { .. } => return Some(End::Welcomed),
                        _ => {}
                    }
                    continue;
                }
                Ok(None) => {}
                Err(_) => return Some(End::Garbled),
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Some(self.rejected.map_or(End::Closed, End::Rejected)),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return None,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Some(self.rejected.map_or(End::Reset, End::Rejected)),
            }
        }
    }

    /// Closes with an RST instead of a FIN (no TIME_WAIT left behind on this side).
    pub fn reset(self) {
        set_linger_zero(&self.stream);
    }
}

/// Waits up to `timeout` for every connection to end; per connection how it ended and
/// how long after its opening the attacker saw that (`End::Open` and the whole wait when
/// it did not end).
pub fn await_all(conns: &mut [Conn], timeout: Duration) -> Vec<(End, Duration)> {
    let deadline = Instant::now() + timeout;
    let mut ends: Vec<Option<(End, Duration)>> = vec![None; conns.len()];
    for conn in conns.iter() {
        let _ = conn.stream.set_nonblocking(true);
    }
    while ends.iter().any(Option::is_none) && Instant::now() < deadline {
        for (conn, end) in conns.iter_mut().zip(ends.iter_mut()) {
            if end.is_none()
                && let Some(e) = conn.poll_end()
            {
                *end = Some((e, conn.opened.elapsed()));
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    conns
        .iter()
        .zip(ends)
        .map(|(conn, end)| end.unwrap_or((End::Open, conn.opened.elapsed())))
        .collect()
}

/// Connects a TCP socket bound to `src` to `dst` within `timeout`.
pub fn connect_from(src: Ipv4Addr, dst: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    let SocketAddr::V4(dst) = dst else {
        return Err(io::Error::other("IPv4 loopback only"));
    };
    if !src.is_loopback() || !dst.ip().is_loopback() {
        return Err(io::Error::other("the hostile suite stays on loopback"));
    }
    let check = |rc: libc::c_int| {
        if rc < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(rc)
        }
    };
    // SAFETY: plain socket calls on a descriptor this function owns until it is wrapped in a
    // TcpStream (which closes it), with sockaddr_in values that live across each call.
    unsafe {
        let fd = check(libc::socket(
            libc::AF_INET,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            0,
        ))?;
        let stream = TcpStream::from_raw_fd(fd);
        let local = sockaddr(src, 0);
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        check(libc::bind(fd, (&raw const local).cast(), len))?;
        let remote = sockaddr(*dst.ip(), dst.port());
        if libc::connect(fd, (&raw const remote).cast(), len) < 0 {
            let err = io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EINPROGRESS) {
                return Err(err);
            }
            let mut pfd = libc::pollfd {
                fd,
                events: libc::POLLOUT,
                revents: 0,
            };
            let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
            if check(libc::poll(&mut pfd, 1, ms))? == 0 {
                return Err(io::Error::from(io::ErrorKind::TimedOut));
            }
            if let Some(err) = stream.take_error()? {
                return Err(err);
            }
        }
        stream.set_nonblocking(false)?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

fn sockaddr(ip: Ipv4Addr, port: u16) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    }
}

/// SO_LINGER 0: the close that follows sends an RST.
pub fn set_linger_zero(stream: &TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt on a live descriptor with a linger value that outlives the call.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}
