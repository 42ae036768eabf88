//! The attacks. Each is a function over the [`Target`] that runs on a thread of its own
//! while the driver watches the listener (RSS, descriptors, status reports, deliveries)
//! and admits a new legitimate sender in the middle of it. It opens raw loopback
//! connections only, bounded in number and time, and returns what it saw in an
//! [`Outcome`]: how each connection ended, what it expected and did not get
//! (`failures`), what it measured, and the inputs of the memory bound (connections it
//! held past the handshake, large frames). Forged payloads carry `payload::FORGED` or
//! `payload::FORGED_INC`; the driver fails the attack if any reached the callback.

mod auth;
mod cursor;
mod flood;
mod garbage;
mod outsider;
mod slow;

pub use outsider::OUTSIDER_STREAMS;

use std::collections::BTreeMap;
use std::time::Duration;

use liner_core::frame::RejectReason;

use super::net::End;
use super::target::Target;
use crate::world::World;

/// A status report kind the listener must have made during an attack (the discriminant is
/// its index in the driver's status counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// `StatusKind::PeerProtocolError`
    Protocol = 0,
    /// `StatusKind::PeerUnauthorized`
    Unauthorized = 1,
    /// `StatusKind::PeerLimited`
    Limited = 2,
}

/// What an attack saw; see the module docs.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Connections opened.
    pub conns: u64,
    /// Connections the listener ended (a Reject, a close or a reset).
    pub closed: u64,
    /// Connections that got a Reject.
    pub rejected: u64,
    /// How connections ended, by label (`unauthorized`, `busy`, `closed`, `open`, …).
    pub ends: BTreeMap<&'static str, u64>,
    /// Forged Data frames written (none may be delivered).
    pub forged_sent: u64,
    /// Insider messages the listener acknowledged (each must be in the delivery log).
    pub insider_acked: u64,
    /// Most connections past the handshake held at once (memory bound input).
    pub established: usize,
    /// Frames larger than the receive buffer were sent (the budget is in the bound).
    pub large: bool,
    /// Status reports the listener must have made: kind, at least how many.
    pub expect: Vec<(Report, u64)>,
    /// Measurements for the report.
    pub measured: Vec<String>,
    pub failures: Vec<String>,
}

impl Outcome {
    /// Books how one connection ended.
    pub fn end(&mut self, end: End) {
        self.conns += 1;
        if end.closed() {
            self.closed += 1;
        }
        if matches!(end, End::Rejected(_)) {
            self.rejected += 1;
        }
        *self.ends.entry(label(end)).or_insert(0) += 1;
    }

    /// Books `end` and fails the attack unless `ok(end)`; `what` names the case.
    pub fn check(&mut self, what: &str, end: End, ok: impl Fn(End) -> bool) {
        self.end(end);
        if !ok(end) {
            self.failures.push(format!("{what}: ended {}", label(end)));
        }
    }

    pub fn fail(&mut self, failure: String) {
        self.failures.push(failure);
    }

    pub fn measure(&mut self, text: String) {
        self.measured.push(text);
    }

    pub fn expect(&mut self, report: Report, at_least: u64) {
        self.expect.push((report, at_least));
    }

    /// `ends` as one short text: `unauthorized 4, closed 2`.
    pub fn ends_text(&self) -> String {
        let parts: Vec<String> = self.ends.iter().map(|(k, v)| format!("{k} {v}")).collect();
        parts.join(", ")
    }
}

/// Short name of how a connection ended.
pub fn label(end: End) -> &'static str {
    match end {
        End::Rejected(reason) => match reason {
            RejectReason::UnsupportedVersion => "rej-version",
            RejectReason::BadMagic => "rej-magic",
            RejectReason::WrongListener => "rej-wrong-listener",
            RejectReason::Unauthorized => "rej-unauthorized",
            RejectReason::Busy => "rej-busy",
            RejectReason::Malformed => "rej-malformed",
        },
        End::Closed => "closed",
        End::Reset => "reset",
        End::Garbled => "garbled",
        End::Welcomed => "WELCOMED",
        End::Open => "OPEN",
    }
}

/// Any end the listener chose (a Reject, a close, a reset).
pub fn any_close(end: End) -> bool {
    end.closed() && end != End::Garbled
}

/// `Reject(Unauthorized)`, then the close.
pub fn unauthorized(end: End) -> bool {
    end == End::Rejected(RejectReason::Unauthorized)
}

/// How an attack runs.
pub enum Run {
    /// Raw connections from a thread of the driver, beside the admission of a legitimate
    /// sender.
    Raw(fn(&Target) -> Result<Outcome, String>),
    /// Child processes started through the world, on the driver's thread (the admission
    /// comes after it).
    Processes(fn(&mut World, &Target) -> Result<Outcome, String>),
}

/// One attack of the suite.
pub struct Attack {
    pub name: &'static str,
    /// One line for `--list`.
    pub about: &'static str,
    /// A memory attack (listed as such in the report; every attack's growth is bounded).
    pub memory: bool,
    /// The admitted legitimate sender must be through while the attack still runs.
    pub overlap: bool,
    /// When to start admitting a legitimate sender, after the attack started.
    pub admit_after: Duration,
    pub run: Run,
}

const fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// Every attack, in the order they run: the large-frame attacks after the others, because
/// the allocator keeps some of what they freed and would hide later growth.
pub const ALL: &[Attack] = &[
    Attack {
        name: "random-bytes",
        about: "connections that send random bytes instead of a Hello, and insiders that send garbage after the handshake: closed",
        memory: false,
        overlap: false,
        admit_after: ms(100),
        run: Run::Raw(garbage::random_bytes),
    },
    Attack {
        name: "oversize-pre",
        about: "declared lengths above MAX_HEADER_LEN (423 B … 4 GiB) before the handshake, then a few bytes: closed at once",
        memory: true,
        overlap: false,
        admit_after: ms(100),
        run: Run::Raw(garbage::oversize_pre),
    },
    Attack {
        name: "oversize-post",
        about: "insiders declaring lengths above max_message_size after the handshake: closed, nothing buffered",
        memory: true,
        overlap: false,
        admit_after: ms(100),
        run: Run::Raw(garbage::oversize_post),
    },
    Attack {
        name: "slowloris",
        about: "1 000 connections (200 quick) trickling a partial Hello, reopened as they are closed: handshake slots bounded, all closed",
        memory: true,
        overlap: true,
        admit_after: ms(1500),
        run: Run::Raw(slow::slowloris),
    },
    Attack {
        name: "conn-flood",
        about: "connect/close as fast as possible from several sources (half of them after a Hello without the secret)",
        memory: true,
        overlap: true,
        admit_after: ms(800),
        run: Run::Raw(flood::conn_flood),
    },
    Attack {
        name: "per-source",
        about: "one source opens many partial handshakes (beyond max_handshakes_per_source) and many insider channels (beyond max_conns_per_source): refused",
        memory: true,
        overlap: false,
        admit_after: ms(200),
        run: Run::Raw(flood::per_source),
    },
    Attack {
        name: "trickle-large",
        about: "insiders declaring large frames and sending 1 byte per second: closed by min_frame_rate after its grace",
        memory: true,
        overlap: true,
        admit_after: ms(1000),
        run: Run::Raw(slow::trickle_large),
    },
    Attack {
        name: "large-budget",
        about: "8 insiders holding max-size frames at once: at most the large-frame budget is buffered; a real large message passes afterwards",
        memory: true,
        overlap: true,
        admit_after: ms(1000),
        run: Run::Raw(slow::large_budget),
    },
    Attack {
        name: "forged-hello",
        about: "Hello without the secret: Proof none, random, made with another secret, Data instead of a Proof, Data pipelined, no Hello at all, no Proof ever",
        memory: false,
        overlap: false,
        admit_after: ms(200),
        run: Run::Raw(auth::forged_hello),
    },
    Attack {
        name: "replay",
        about: "an insider's recorded Hello and Proof replayed verbatim (live and after it closed, blind and stepwise, with its Welcome proof reflected)",
        memory: false,
        overlap: false,
        admit_after: ms(200),
        run: Run::Raw(auth::replay),
    },
    Attack {
        name: "stolen-key",
        about: "the legitimate sender's connection key in Hellos of another sender (with and without the secret) and of its own name without the secret",
        memory: false,
        overlap: false,
        admit_after: ms(200),
        run: Run::Raw(auth::stolen_key),
    },
    Attack {
        name: "wrong-secret",
        about: "real liner sender processes with another secret and with none: refused, told PeerUnauthorized, nothing delivered",
        memory: false,
        overlap: false,
        admit_after: ms(0),
        run: Run::Processes(outsider::wrong_secret),
    },
    Attack {
        name: "cursor-jump",
        about: "an insider sends Data seq = cursor + 2^40 + 1, u64::MAX and 2^63 + 1: closed, not delivered; its channel works on afterwards",
        memory: false,
        overlap: false,
        admit_after: ms(200),
        run: Run::Raw(cursor::cursor_jump),
    },
];
