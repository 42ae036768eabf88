//! liner-broker: blocking TCP peers and the Redis store behind the `Client` API.

pub mod store;
