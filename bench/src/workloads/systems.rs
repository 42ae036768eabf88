//! The systems the throughput workloads (A, C, F) compare, and the role processes that
//! measure each: liner (at-least-once, best-effort), ZeroMQ PUSH/PULL with its high-water
//! marks matched to liner's window and at libzmq's default, ZeroMQ PUB/SUB, Redis Pub/Sub,
//! List and Streams (consumer group), core NATS and NATS JetStream, and workload Z — a raw
//! loopback TCP stream of length-prefixed frames, the ceiling for all of them.

use liner_broker::Config;
use liner_core::frame::{Data, FLAG_AT_LEAST_ONCE, Frame, encoded_len};

use crate::error::BenchResult;
use crate::workloads::Ctx;
use crate::workloads::flow::{FlowSpec, RoleSpec};

/// Labels of the rows the driver's ratio lines read.
pub const A_LINER: &str = "liner at-least-once";
pub const ZMQ_MATCHED: &str = "ZeroMQ PUSH/PULL, HWM matched";
pub const RAW_TCP: &str = "Z raw TCP stream (ceiling)";

/// libzmq's default SNDHWM and RCVHWM, in messages.
pub const ZMQ_DEFAULT_HWM: u64 = 1000;

/// liner's at-least-once window in messages of `size` bytes: `Config::default()`'s
/// `window_bytes` ÷ the encoded size of one Data frame carrying `size` payload bytes (a
/// sequence number as large as `count`, a one-byte topic key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub bytes: usize,
    pub frame_bytes: usize,
    pub messages: u64,
}

pub fn liner_window(size: usize, count: u64) -> Window {
    let payload = vec![0u8; size];
    let frame = Frame::Data(Data {
        seq: count,
        topic_key: 1,
        flags: FLAG_AT_LEAST_ONCE,
        payload: &payload,
    });
    let bytes = Config::default().window_bytes;
    let frame_bytes = encoded_len(&frame);
    Window {
        bytes,
        frame_bytes,
        messages: (bytes / frame_bytes).max(1) as u64,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    LinerAtLeastOnce,
    LinerBestEffort,
    /// PUSH/PULL with SNDHWM = RCVHWM = liner's window in messages.
    ZmqPushPullMatched,
    /// PUSH/PULL with libzmq's default high-water marks.
    ZmqPushPullDefault,
    ZmqPubSub,
    RedisPubSub,
    RedisList,
    RedisStreams,
    NatsCore,
    NatsJetStream,
    RawTcp,
}

impl System {
    pub fn label(self, listeners: u64) -> &'static str {
        match self {
            System::LinerAtLeastOnce if listeners > 1 => "liner send_all, at-least-once",
            System::LinerAtLeastOnce => A_LINER,
            System::LinerBestEffort => "liner best-effort",
            System::ZmqPushPullMatched => ZMQ_MATCHED,
            System::ZmqPushPullDefault => "ZeroMQ PUSH/PULL, HWM 1000 (default)",
            System::ZmqPubSub => "ZeroMQ PUB/SUB",
            System::RedisPubSub => "Redis Pub/Sub",
            System::RedisList => "Redis List RPUSH/LPOP",
            System::RedisStreams => "Redis Streams XADD/XREADGROUP+XACK",
            System::NatsCore => "NATS core pub/sub",
            System::NatsJetStream => "NATS JetStream (acked publish, pull+ack)",
            System::RawTcp => RAW_TCP,
        }
    }

    pub fn is_liner(self) -> bool {
        matches!(self, System::LinerAtLeastOnce | System::LinerBestEffort)
    }

    /// Whether the system may drop messages by design (its loss is reported, not checked).
    pub fn is_lossy(self) -> bool {
        matches!(self, System::LinerBestEffort | System::NatsCore)
    }

    pub fn needs_nats(self) -> bool {
        matches!(self, System::NatsCore | System::NatsJetStream)
    }

    /// Systems that go through a broker process, which a quick run measures only once.
    pub fn is_brokered_extra(self) -> bool {
        matches!(
            self,
            System::RedisStreams | System::NatsCore | System::NatsJetStream
        )
    }

    /// The flow measuring this system with `listeners` receivers.
    pub fn flow(
        self,
        ctx: &mut Ctx,
        count: u64,
        size: usize,
        listeners: u64,
    ) -> BenchResult<FlowSpec> {
        let url = ctx.url.clone();
        let window = liner_window(size, count).messages.to_string();
        let mut server_pid = None;
        let role = |role: &'static str, args: Vec<(&'static str, String)>| RoleSpec { role, args };
        let (sender, receiver) = match self {
            System::LinerAtLeastOnce | System::LinerBestEffort => {
                let topic = ctx.name("topic");
                let alo = u8::from(self == System::LinerAtLeastOnce);
                let sender = role(
                    "liner-send",
                    vec![
                        ("url", url.clone()),
                        ("name", ctx.name("tx")),
                        ("topic", ctx.name("txtopic")),
                        ("dest", topic.clone()),
                        ("alo", alo.to_string()),
                        ("all", u8::from(listeners > 1).to_string()),
                    ],
                );
                let receivers = (0..listeners)
                    .map(|_| {
                        let args = vec![
                            ("url", url.clone()),
                            ("name", ctx.name("rx")),
                            ("topic", topic.clone()),
                        ];
                        role("liner-recv", args)
                    })
                    .collect();
                return Ok(FlowSpec {
                    sender,
                    receivers,
                    count,
                    size,
                    server_pid,
                });
            }
            System::ZmqPushPullMatched | System::ZmqPushPullDefault => {
                let hwm = match self {
                    System::ZmqPushPullMatched => window,
                    _ => ZMQ_DEFAULT_HWM.to_string(),
                };
                let sender = role(
                    "zmq-send",
                    vec![("kind", "push".into()), ("hwm", hwm.clone())],
                );
                (
                    sender,
                    role("zmq-recv", vec![("kind", "pull".into()), ("hwm", hwm)]),
                )
            }
            System::ZmqPubSub => (
                role("zmq-send", vec![("kind", "pub".into())]),
                role("zmq-recv", vec![("kind", "sub".into())]),
            ),
            System::RedisPubSub | System::RedisList | System::RedisStreams => {
                server_pid = ctx.redis_pid;
                let key = ctx.name("key");
                // About 1 MB per round trip, at most 1000 messages.
                let batch = (1_000_000 / size).clamp(1, 1000).to_string();
                let (send_role, recv_role, send_kind, recv_kind) = match self {
                    System::RedisPubSub => ("redis-send", "redis-recv", "pub", "sub"),
                    System::RedisList => ("redis-send", "redis-recv", "list", "list"),
                    _ => ("redis-stream-send", "redis-stream-recv", "stream", "stream"),
                };
                let common = vec![("url", url.clone()), ("key", key)];
                let mut sender_args = common.clone();
                sender_args.extend([("kind", send_kind.to_string()), ("batch", batch)]);
                let mut receiver_args = common;
                receiver_args.push(("kind", recv_kind.to_string()));
                (role(send_role, sender_args), role(recv_role, receiver_args))
            }
            System::NatsCore | System::NatsJetStream => {
                let (nats_url, pid) = ctx.nats()?;
                server_pid = Some(pid);
                let subject = ctx.name("subject");
                let common = vec![("url", nats_url), ("subject", subject)];
                let (mut sender_args, mut receiver_args) = (common.clone(), common);
                if self == System::NatsCore {
                    sender_args.push(("kind", "core".into()));
                    receiver_args.push(("kind", "core".into()));
                } else {
                    sender_args.extend([("kind", "js".into()), ("inflight", window)]);
                    receiver_args.extend([("kind", "js".into()), ("stream", ctx.name("stream"))]);
                }
                (
                    role("nats-send", sender_args),
                    role("nats-recv", receiver_args),
                )
            }
            System::RawTcp => (role("tcp-send", Vec::new()), role("tcp-recv", Vec::new())),
        };
        let receivers = (0..listeners)
            .map(|_| RoleSpec {
                role: receiver.role,
                args: receiver.args.clone(),
            })
            .collect();
        Ok(FlowSpec {
            sender,
            receivers,
            count,
            size,
            server_pid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_in_messages_follows_the_frame_size() {
        let small = liner_window(100, 1_000_000);
        assert_eq!(small.bytes, Config::default().window_bytes);
        assert!(
            small.frame_bytes > 100 && small.frame_bytes < 120,
            "{small:?}"
        );
        assert_eq!(small.messages, (small.bytes / small.frame_bytes) as u64);
        assert!(liner_window(64 << 10, 10_000).messages < 20);
    }
}
