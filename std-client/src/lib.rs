//! liner-p2p: a serverless peer-to-peer message broker. Peers send framed messages to
//! each other over TCP; Redis is the shared catalog (topic → addresses) and the parking
//! lot for at-least-once messages whose receiver is away. There is no broker process.
//!
//! # Example
//!
//! `bob` listens on the topic `greetings`; `alice` sends to it at-least-once. Every peer
//! of one deployment points at the same Redis URL.
//!
//! ```
//! use std::sync::mpsc;
//! use std::time::Duration;
//!
//! use liner_broker::Client;
//! # struct Redis(std::process::Child, String);
//! # impl Drop for Redis { fn drop(&mut self) { let _ = self.0.kill(); let _ = self.0.wait(); } }
//! # fn private_redis() -> Redis {
//! #     let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
//! #     let child = std::process::Command::new("redis-server")
//! #         .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
//! #         .stdout(std::process::Stdio::null()).spawn().expect("redis-server must be on PATH");
//! #     let redis = Redis(child, format!("redis://127.0.0.1:{port}/"));
//! #     for _ in 0..500 {
//! #         if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() { break }
//! #         std::thread::sleep(Duration::from_millis(10));
//! #     }
//! #     redis
//! # }
//! # let redis = private_redis();
//! # let url = redis.1.as_str();
//! // url: "redis://127.0.0.1:6379/", say.
//! let bob = Client::new_redis("bob", "greetings", "127.0.0.1:0", url).expect("Redis is reachable");
//! let alice = Client::new_redis("alice", "hellos", "127.0.0.1:0", url).expect("Redis is reachable");
//!
//! let (received, inbox) = mpsc::channel();
//! // The callback runs on bob's listener thread: (topic it came on, sender's topic, payload).
//! assert!(bob.run(move |to, from, payload| {
//!     received.send(format!("{from} -> {to}: {}", String::from_utf8_lossy(payload))).unwrap();
//! }));
//! assert!(alice.run(|_, _, _| {}));
//!
//! assert!(alice.send_to("greetings", b"hello bob", true), "{}", alice.last_error_message());
//! let line = inbox.recv_timeout(Duration::from_secs(10)).expect("bob got the message");
//! assert_eq!(line, "hellos -> greetings: hello bob");
//!
//! alice.stop();
//! bob.stop();
//! ```
//!
//! # The API in a few lines
//!
//! - Create a [`Client`] with [`Client::new_redis`] (default [`Config`], `None` with the
//!   reason in a log line) or [`Client::open`] (your `Config`, `Result`).
//! - [`Client::run`] binds, registers the client's topic in Redis and starts its threads;
//!   messages arrive in the callback. [`Client::run_fallible`] takes a callback that may
//!   refuse a message ([`Redeliver`]) so it comes again later.
//! - [`Client::send_to`] gives a message to one listener of a topic (round-robin),
//!   [`Client::send_all`] to every listener; `true` picks at-least-once delivery (parked in
//!   Redis while the listener is away), `false` best-effort.
//! - [`Client::stop`] (or dropping the client) unregisters, parks what is unacknowledged
//!   and joins the threads.
//! - Every `bool`/`Option` method has a `try_*` twin returning `Result<_, Error>`; after a
//!   `bool` call, [`Client::last_error_code`] and [`Client::last_error_message`] say why it
//!   failed.
//! - Observe: [`Client::stats`] (counters), [`Client::set_status_callback`] (peers coming
//!   and going, errors), [`set_log_hook`] (the library's log lines), [`Client::peers`]
//!   (who is alive), [`Client::pending_by_peer`] (what is parked).
//! - [`store`] is the Redis layer itself (keys, catalog, offline queues), for tools.
//!
//! # Features
//!
//! All on by default: `tls` (`rediss://` URLs, rustls with ring), `cluster` (Redis Cluster
//! URLs), `sentinel` (`redis+sentinel://` URLs). Boards that need a small binary turn them
//! off with `default-features = false`.
//!
//! # Further reading
//!
//! In the repository: docs/using-redis.md (URLs, delivery rules, memory), docs/operations.md
//! (every Redis key, the `liner` command-line tool), docs/metrics.md (the counters),
//! docs/architecture.md (threads and the delivery path), docs/wire-protocol.md, and
//! docs/c-api.md for the C library built on this crate.

#![warn(missing_docs)]

mod catalog;
mod client;
mod client_admin;
mod client_send;
mod compat;
mod config;
mod error;
mod event_hub;
mod events;
mod inbound;
mod jobs;
mod liveness;
mod log;
mod metrics;
mod names;
mod outage;
mod outbound;
mod peer;
mod probe;
mod registry;
mod retention;
mod secret;
mod shared;
mod stats;
mod status;
pub mod store;
mod worker;

pub use client::Client;
pub use config::Config;
pub use error::{Error, ErrorCode};
pub use inbound::{FallibleCallback, ReceiveCallback, Redeliver};
pub use log::{LogHook, set_log_hook};
pub use names::INTERNAL_PREFIX;
pub use probe::{ProbeError, ProbeIdentity, ping_listener};
pub use secret::{MIN_SECRET_LEN, SECRET_ENV, Secret};
pub use stats::Stats;
pub use status::{Status, StatusCallback, StatusKind};
pub use store::{ParkDurability, PeerBacklog, PeerInfo};

/// Version of the library (the crate version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
