//! Workload Z, the raw TCP ceiling: the same 100-byte payloads as A, each framed by a
//! little-endian `u32` length prefix, over one plain loopback TCP connection. The sender
//! gathers frames into `CHUNK`-byte buffers and writes each with one `write_all` (at the
//! end, and after every warm-up message, what is gathered); the receiver reads into a
//! `CHUNK`-byte buffer and parses every frame, recording each payload into its tally
//! (sequence, order, byte sum), exactly as every other receiver does. No acknowledgements,
//! no retention, no routing: what the loopback stack allows a parsing reader.
//!
//! The receiver binds 127.0.0.1 on any port and reports it (`ready ep=…`); the sender
//! connects to `eps=`.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use crate::error::{BenchError, BenchResult};
use crate::report::Line;
use crate::role_io::{Args, Commands};
use crate::roles::receive::{Inbox, pull};
use crate::roles::send::{Outlet, run_sender};

/// Bytes per sender write and receiver read buffer.
const CHUNK: usize = 256 << 10;
/// Bytes of the length prefix in front of every payload.
const PREFIX: usize = 4;
/// Read timeout and accept pause, so the loops notice when to stop.
const POLL: Duration = Duration::from_millis(50);

fn io_error(what: &str, e: std::io::Error) -> BenchError {
    BenchError::Transport(format!("raw tcp {what}: {e}"))
}

/// Waits for the sender's connection (giving up when the measurement stops).
fn accept(listener: &TcpListener, inbox: &Inbox) -> BenchResult<Option<TcpStream>> {
    listener
        .set_nonblocking(true)
        .map_err(|e| io_error("listener", e))?;
    while inbox.keep_going() {
        match listener.accept() {
            Ok((stream, _)) => {
                stream
                    .set_nonblocking(false)
                    .and_then(|()| stream.set_read_timeout(Some(POLL)))
                    .map_err(|e| io_error("accepted socket", e))?;
                return Ok(Some(stream));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(POLL / 50),
            Err(e) => return Err(io_error("accept", e)),
        }
    }
    Ok(None)
}

/// Records every whole frame of `bytes`; returns how many bytes it consumed.
fn parse_frames(bytes: &[u8], inbox: &Inbox) -> BenchResult<usize> {
    let mut at = 0;
    while let Some(prefix) = bytes.get(at..at + PREFIX) {
        let len = u32::from_le_bytes(prefix.try_into().expect("4 bytes")) as usize;
        if len > CHUNK - PREFIX {
            return Err(BenchError::Transport(format!(
                "raw tcp frame of {len} bytes"
            )));
        }
        let Some(payload) = bytes.get(at + PREFIX..at + PREFIX + len) else {
            break;
        };
        inbox.record(payload);
        at += PREFIX + len;
    }
    Ok(at)
}

/// Receiver: accepts one connection and parses frames until the measurement stops.
pub fn receive(args: &Args, cmds: &Commands) -> BenchResult<()> {
    pull(args, cmds, |inbox: &Inbox, ready| {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| io_error("bind", e))?;
        let addr = listener.local_addr().map_err(|e| io_error("bind", e))?;
        ready(Line::new("ready").field("ep", addr));
        let Some(mut stream) = accept(&listener, inbox)? else {
            return Ok(());
        };
        let mut buf = vec![0u8; CHUNK];
        let mut filled = 0;
        while inbox.keep_going() {
            match stream.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => {
                    filled += n;
                    let used = parse_frames(&buf[..filled], inbox)?;
                    buf.copy_within(used..filled, 0);
                    filled -= used;
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => return Err(io_error("read", e)),
            }
        }
        Ok(())
    })
}

/// Frames gathered into one chunk, written when the next would not fit.
struct ChunkOutlet {
    stream: TcpStream,
    chunk: Vec<u8>,
}

impl Outlet for ChunkOutlet {
    fn send(&mut self, payload: &[u8]) -> BenchResult<()> {
        if self.chunk.len() + PREFIX + payload.len() > CHUNK {
            self.flush()?;
        }
        let len = u32::try_from(payload.len())
            .map_err(|_| BenchError::Args("payload too large for a raw tcp frame".into()))?;
        self.chunk.extend_from_slice(&len.to_le_bytes());
        self.chunk.extend_from_slice(payload);
        Ok(())
    }

    fn flush(&mut self) -> BenchResult<()> {
        self.stream
            .write_all(&self.chunk)
            .map_err(|e| io_error("write", e))?;
        self.chunk.clear();
        Ok(())
    }
}

/// Sender: connects to `eps=` and sends through a [`ChunkOutlet`].
pub fn send(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let stream = TcpStream::connect(args.text("eps")?).map_err(|e| io_error("connect", e))?;
    stream
        .set_nodelay(true)
        .map_err(|e| io_error("connect", e))?;
    let mut outlet = ChunkOutlet {
        stream,
        chunk: Vec::with_capacity(CHUNK),
    };
    run_sender(&mut outlet, args, cmds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_across_reads_wait_for_the_rest() {
        let inbox = Inbox::for_test(3);
        let mut bytes = Vec::new();
        for payload in [&b"0123456789abcdef"[..], &[7u8; 20][..]] {
            bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            bytes.extend_from_slice(payload);
        }
        assert_eq!(parse_frames(&bytes[..30], &inbox).unwrap(), 20);
        assert_eq!(parse_frames(&bytes, &inbox).unwrap(), bytes.len());
        let huge = ((CHUNK as u32) * 2).to_le_bytes();
        assert!(parse_frames(&huge, &inbox).is_err());
    }
}
