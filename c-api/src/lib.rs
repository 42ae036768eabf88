//! C ABI of liner (`libliner_broker.so` / `libliner_broker.a`, declared in include/liner.h):
//! a superset of liner 1.4's `lnr_*` functions over liner-p2p's `Client`.
//!
//! Allocation-free at the interface: client handles are encoded slot indices of a static
//! table with a generation (`slots`), strings handed out live in per-slot buffers, and the
//! message path (`lnr_send_*`, the receive callback) borrows or copies into fixed buffers.
//! Every export runs behind a panic boundary (`boundary`). docs/c-api.md is the user guide.
//!
//! Files: `types` C types; `consts` error codes, status kinds, capacities; `slots` the
//! handle table; `boundary` panic barrier and callback scopes; `error` last error;
//! `text` strings; `lifecycle` create/run/stop/delete; `send` the message path; `admin`
//! catalog and store calls; `addrs` names and addresses; `callbacks` receive and status
//! shims; `stats` counters and the Prometheus text; `settings` process-wide settings;
//! `trust` the shared secret and inbound limits; `fanout` topics and listeners per client;
//! `durability` parking durability; `redis_ca` the CA file for `rediss://`; `logline` the
//! log sink.

// Modules import each other through `super::`, not `crate::`, so c-api/tests can compile
// this source as a module of a test (see c-api/tests/alloc_free.rs).
// Declaration order is the order of include/liner.h (cbindgen follows it); rustfmt sorts
// within each commented group.
// The C types and constants.
mod consts;
mod types;
// A client's life: create, run, stop, delete.
mod lifecycle;
// Errors, the message path and callbacks.
mod callbacks;
mod error;
mod send;
// Catalog, store, identity and addresses.
mod addrs;
mod admin;
mod stats;
// Process-wide settings and the log sink.
mod durability;
mod fanout;
mod logline;
mod redis_ca;
mod settings;
mod trust;
// Internals.
mod boundary;
mod slots;
mod text;

pub use addrs::*;
pub use admin::*;
pub use callbacks::lnr_set_status_cb;
pub use consts::*;
pub use error::{lnr_last_error_code, lnr_last_error_message};
pub use lifecycle::*;
pub use logline::lnr_set_log_cb;
pub use send::*;
pub use settings::*;
pub use stats::*;
pub use types::*;
