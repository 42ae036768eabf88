//! Files through which child processes report to the driver. Both survive a SIGKILL of
//! their writer: every record is one `write(2)` on an `O_APPEND` file (no user-space
//! buffer), done *before* the event it records is acknowledged to the library.
//!
//! - Delivery log (listener → driver), 16 bytes per receive-callback call:
//!   `stream u32 LE, outcome u16 LE, listener u16 LE, seq u64 LE`. All listener processes
//!   of a scenario (every incarnation, and twins serving the same topic under other unique
//!   names, told apart by `listener`) append to the same file, so its order is the order
//!   the callbacks saw.
//! - Accepted log (sender → driver), 8 bytes per `send_to` that returned `Ok`: `seq u64 LE`.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// What the receive callback did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Processed: the callback returned normally / `Ok`.
    Done = 0,
    /// Refused with `Err(Redeliver)`.
    Refused = 1,
    /// The callback panicked (recorded just before the panic).
    Panicked = 2,
    /// A payload that is not a chaos payload (corrupted or foreign).
    Garbage = 3,
    /// A forged payload of the hostile suite (`payload::Kind::Forged`): must never happen.
    Forged = 4,
    /// An insider message of the hostile suite: `stream` is the insider id, `seq` its n.
    Insider = 5,
}

impl Outcome {
    fn from_u16(v: u16) -> Outcome {
        match v {
            0 => Outcome::Done,
            1 => Outcome::Refused,
            2 => Outcome::Panicked,
            4 => Outcome::Forged,
            5 => Outcome::Insider,
            _ => Outcome::Garbage,
        }
    }
}

/// One receive-callback call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub stream: u32,
    pub outcome: Outcome,
    /// Which listener unique name took it (0: the scenario's listener; 1…: its twins), so
    /// order is judged per channel (sender → listener).
    pub listener: u16,
    pub seq: u64,
}

const DELIVERY_LEN: usize = 16;

/// Appends fixed-size records to a file, one `write` each.
pub struct Appender(File);

impl Appender {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map(Appender)
    }

    pub fn delivery(&mut self, d: Delivery) -> std::io::Result<()> {
        let mut rec = [0u8; DELIVERY_LEN];
        rec[..4].copy_from_slice(&d.stream.to_le_bytes());
        rec[4..6].copy_from_slice(&(d.outcome as u16).to_le_bytes());
        rec[6..8].copy_from_slice(&d.listener.to_le_bytes());
        rec[8..].copy_from_slice(&d.seq.to_le_bytes());
        self.0.write_all(&rec)
    }

    pub fn accepted(&mut self, seq: u64) -> std::io::Result<()> {
        self.0.write_all(&seq.to_le_bytes())
    }
}

/// The driver's incremental reader of a delivery log.
pub struct DeliveryLog {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
    pub records: Vec<Delivery>,
    done: usize,
}

impl DeliveryLog {
    pub fn new(path: PathBuf) -> Self {
        DeliveryLog {
            path,
            offset: 0,
            partial: Vec::new(),
            records: Vec::new(),
            done: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads what was appended since the last call; returns how many records came.
    pub fn refresh(&mut self) -> usize {
        let Ok(mut file) = File::open(&self.path) else {
            return 0;
        };
        if file.seek(SeekFrom::Start(self.offset)).is_err() {
            return 0;
        }
        let mut bytes = std::mem::take(&mut self.partial);
        let before = bytes.len();
        if file.read_to_end(&mut bytes).is_err() {
            bytes.truncate(before);
        }
        self.offset += (bytes.len() - before) as u64;
        let whole = bytes.len() / DELIVERY_LEN * DELIVERY_LEN;
        let old = self.records.len();
        for rec in bytes[..whole].chunks_exact(DELIVERY_LEN) {
            let delivery = Delivery {
                stream: u32::from_le_bytes(rec[..4].try_into().expect("4 bytes")),
                outcome: Outcome::from_u16(u16::from_le_bytes(
                    rec[4..6].try_into().expect("2 bytes"),
                )),
                listener: u16::from_le_bytes(rec[6..8].try_into().expect("2 bytes")),
                seq: u64::from_le_bytes(rec[8..].try_into().expect("8 bytes")),
            };
            if delivery.outcome == Outcome::Done {
                self.done += 1;
            }
            self.records.push(delivery);
        }
        self.partial = bytes[whole..].to_vec();
        self.records.len() - old
    }

    /// Calls that ended with the message processed.
    pub fn done_count(&self) -> usize {
        self.done
    }
}

/// The seqs of an accepted log (empty if the file does not exist yet).
pub fn read_accepted(path: &Path) -> Vec<u64> {
    let bytes = std::fs::read(path).unwrap_or_default();
    bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}
