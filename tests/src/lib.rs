//! Test harness shared by liner's integration tests: a private `redis-server` per test
//! ([`RedisServer`]), fake servers for failure cases ([`FakeRedis`]), child processes that
//! crash tests can SIGKILL ([`ChildProcess`]), and collision-free names ([`unique_prefix`]).

mod child;
mod fake_redis;
mod names;
mod redis_server;

pub use child::ChildProcess;
pub use fake_redis::FakeRedis;
pub use names::unique_prefix;
pub use redis_server::{EXTERNAL_URL_ENV, RedisServer};
