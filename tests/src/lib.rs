//! Test harness shared by liner's integration tests: a private `redis-server` per test
//! ([`RedisServer`]), a private Redis Cluster ([`RedisCluster`]) and Sentinel deployment
//! ([`RedisSentinelSet`]), fake servers and a reply-dropping proxy for failure cases
//! ([`FakeRedis`], [`CutProxy`]), a proxy that stalls, severs or slows a link on command
//! ([`FaultProxy`]), encoded Data frames ([`data_frame`]), child processes that crash tests can SIGKILL
//! ([`ChildProcess`]), collision-free names ([`unique_prefix`]), and certificates for TLS
//! tests ([`TestCerts`]).

mod child;
mod cut_proxy;
mod fake_redis;
mod fault_proxy;
mod frames;
mod names;
mod redis_cluster;
mod redis_proc;
mod redis_sentinel;
mod redis_server;
mod tls_certs;

pub use child::ChildProcess;
pub use cut_proxy::CutProxy;
pub use fake_redis::FakeRedis;
pub use fault_proxy::FaultProxy;
pub use frames::data_frame;
pub use names::unique_prefix;
pub use redis_cluster::{CLUSTER_SLOTS, RedisCluster};
pub use redis_sentinel::{RedisSentinelSet, SENTINEL_MASTER_NAME};
pub use redis_server::{EXTERNAL_URL_ENV, RedisServer};
pub use tls_certs::TestCerts;
