//! liner-p2p: a serverless peer-to-peer message broker. Peers send framed messages to
//! each other over TCP; Redis is the shared catalog (topic → addresses) and the parking
//! lot for at-least-once messages whose receiver is away.
//!
//! Start with [`Client::new_redis`], then [`Client::run`] with a receive callback, and
//! [`Client::send_to`]. Every bool/Option method has a `try_*` twin returning
//! `Result<_, Error>`. docs/architecture.md explains the threads and the delivery path.

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
mod names;
mod outage;
mod outbound;
mod peer;
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
pub use secret::{MIN_SECRET_LEN, SECRET_ENV, Secret};
pub use stats::Stats;
pub use status::{Status, StatusCallback, StatusKind};
pub use store::{ParkDurability, PeerBacklog, PeerInfo};

/// Version of the library (the crate version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
