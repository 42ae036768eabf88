//! liner-core: the sans-IO heart of liner.
//!
//! `#![no_std]` and allocation-free. It owns the wire format (module [`frame`]), the
//! authenticated handshake (module [`handshake`]), the sender's transmit window and the
//! receiver's dedup/ack cursor (module [`ack`]) and the fixed-capacity topic → address
//! table (module [`route`]). It never touches sockets, clocks, threads or random sources:
//! bytes, nonces and `now` (milliseconds) go in, bytes, events and deadlines come out.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ack;
pub mod frame;
pub mod handshake;
pub mod route;
