//! NATS roles (the `async-nats` client on a tokio runtime with one worker thread, which
//! runs the client's connection task in the background the way ZeroMQ's and liner's I/O
//! threads do) against the bench's own `nats-server -js`.
//!
//! `kind=core`: plain publish / subscribe. Best-effort: a subscriber that falls behind
//! loses messages (the client's subscription buffer, the server's slow-consumer limit).
//! `kind=js`: JetStream. The receiver creates the stream (`stream=`, file storage, the
//! server's default) on `subject=` and a durable pull consumer with `AckPolicy::All`
//! before it reports `ready`; it pulls batches of up to `FETCH` messages (the client's
//! pull stream, which keeps requests outstanding and never drops what the server sent)
//! and acknowledges every `FETCH` messages by acking the last one, and deletes the stream
//! at the end. The sender
//! publishes asynchronously and keeps at most `inflight=` publish acknowledgements
//! outstanding (awaiting the oldest when full, all of them on flush), so every counted
//! message was stored and acknowledged by the server.
//!
//! Arguments: `url=` (`nats://127.0.0.1:port`), `subject=`, `kind=`; JetStream `stream=`,
//! sender `inflight=`.

use std::collections::VecDeque;
use std::fmt::Display;
use std::future::IntoFuture;
use std::time::Duration;

use async_nats::jetstream::{self, consumer, context::PublishAckFuture};
use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use tokio::runtime::Runtime;

use crate::error::{BenchError, BenchResult};
use crate::report::Line;
use crate::role_io::{Args, Commands};
use crate::roles::receive::{Inbox, pull};
use crate::roles::send::{Outlet, run_sender};

/// Messages one JetStream pull asks for, and messages per acknowledgement.
const FETCH: usize = 1000;
/// Unacknowledged messages the consumer may have out: room for the batches in flight.
const MAX_ACK_PENDING: i64 = 10 * FETCH as i64;
/// How long one fetch or one wait for a core message may take, so loops notice the stop.
const WAIT: Duration = Duration::from_millis(50);
/// Name of the durable pull consumer.
const CONSUMER: &str = "bench";

fn nats_err(what: &str, e: impl Display) -> BenchError {
    BenchError::Transport(format!("nats {what}: {e}"))
}

fn runtime() -> BenchResult<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| nats_err("runtime", e))
}

async fn connect(url: &str) -> BenchResult<async_nats::Client> {
    async_nats::connect(url)
        .await
        .map_err(|e| nats_err("connect", e))
}

/// Receiver of `kind=core` or `kind=js`.
pub fn receive(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let url = args.text("url")?.to_string();
    let subject = args.text("subject")?.to_string();
    let stream = match args.text("kind")? {
        "core" => None,
        "js" => Some(args.text("stream")?.to_string()),
        other => return Err(BenchError::Args(format!("nats receiver kind '{other}'"))),
    };
    pull(args, cmds, move |inbox: &Inbox, ready| {
        runtime()?.block_on(async move {
            let client = connect(&url).await?;
            match stream {
                None => receive_core(&client, subject, inbox, ready).await,
                Some(stream) => receive_js(client, subject, stream, inbox, ready).await,
            }
        })
    })
}

async fn receive_core(
    client: &async_nats::Client,
    subject: String,
    inbox: &Inbox,
    ready: &dyn Fn(Line),
) -> BenchResult<()> {
    let mut subscriber = client
        .subscribe(subject)
        .await
        .map_err(|e| nats_err("subscribe", e))?;
    client.flush().await.map_err(|e| nats_err("flush", e))?;
    ready(Line::new("ready"));
    while inbox.keep_going() {
        // Wait (bounded) for one message, then take whatever else is already buffered
        // without a timer per message.
        let message = match tokio::time::timeout(WAIT, subscriber.next()).await {
            Ok(Some(message)) => message,
            Ok(None) => return Err(nats_err("subscription", "ended")),
            Err(_) => continue,
        };
        inbox.record(&message.payload);
        while let Some(Some(message)) = subscriber.next().now_or_never() {
            inbox.record(&message.payload);
        }
    }
    Ok(())
}

async fn receive_js(
    client: async_nats::Client,
    subject: String,
    name: String,
    inbox: &Inbox,
    ready: &dyn Fn(Line),
) -> BenchResult<()> {
    let js = jetstream::new(client);
    let stream = js
        .get_or_create_stream(jetstream::stream::Config {
            name: name.clone(),
            subjects: vec![subject],
            ..Default::default()
        })
        .await
        .map_err(|e| nats_err("create stream", e))?;
    let consumer = stream
        .create_consumer(consumer::pull::Config {
            durable_name: Some(CONSUMER.to_string()),
            ack_policy: consumer::AckPolicy::All,
            max_ack_pending: MAX_ACK_PENDING,
            ..Default::default()
        })
        .await
        .map_err(|e| nats_err("create consumer", e))?;
    let mut messages = consumer
        .stream()
        .max_messages_per_batch(FETCH)
        .messages()
        .await
        .map_err(|e| nats_err("pull", e))?;
    ready(Line::new("ready"));
    let mut unacked = 0;
    while inbox.keep_going() {
        let message = match tokio::time::timeout(WAIT, messages.next()).await {
            Ok(Some(message)) => message.map_err(|e| nats_err("pulled message", e))?,
            Ok(None) => return Err(nats_err("pull", "ended")),
            Err(_) => continue,
        };
        inbox.record(&message.payload);
        unacked += 1;
        // One ack per batch: with AckPolicy::All it covers every earlier message too.
        if unacked >= FETCH || !inbox.keep_going() {
            message.ack().await.map_err(|e| nats_err("ack", e))?;
            unacked = 0;
        }
    }
    js.delete_stream(&name)
        .await
        .map_err(|e| nats_err("delete stream", e))?;
    Ok(())
}

/// Publisher of `kind=core` or `kind=js`.
struct NatsOutlet {
    runtime: Runtime,
    client: async_nats::Client,
    subject: async_nats::Subject,
    /// JetStream: the context and the acknowledgements not yet awaited.
    jetstream: Option<(jetstream::Context, VecDeque<PublishAckFuture>, usize)>,
}

impl NatsOutlet {
    fn await_ack(&mut self, ack: PublishAckFuture) -> BenchResult<()> {
        self.runtime
            .block_on(ack.into_future())
            .map(drop)
            .map_err(|e| nats_err("publish ack", e))
    }
}

impl Outlet for NatsOutlet {
    fn send(&mut self, payload: &[u8]) -> BenchResult<()> {
        let payload = Bytes::copy_from_slice(payload);
        let subject = self.subject.clone();
        let Some((js, pending, inflight)) = &mut self.jetstream else {
            return self
                .runtime
                .block_on(self.client.publish(subject, payload))
                .map_err(|e| nats_err("publish", e));
        };
        let ack = self
            .runtime
            .block_on(js.publish(subject, payload))
            .map_err(|e| nats_err("publish", e))?;
        pending.push_back(ack);
        if pending.len() > *inflight {
            let oldest = pending.pop_front().expect("not empty");
            self.await_ack(oldest)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> BenchResult<()> {
        while let Some(oldest) = self.jetstream.as_mut().and_then(|(_, p, _)| p.pop_front()) {
            self.await_ack(oldest)?;
        }
        self.runtime
            .block_on(self.client.flush())
            .map_err(|e| nats_err("flush", e))
    }
}

/// Sender of `kind=core` or `kind=js`.
pub fn send(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let runtime = runtime()?;
    let client = runtime.block_on(connect(args.text("url")?))?;
    let jetstream = match args.text("kind")? {
        "core" => None,
        "js" => {
            let inflight = args.number("inflight")?.max(1) as usize;
            // The context spawns its acknowledgement task on the current runtime. Its own
            // limit of unacknowledged publishes (5 000 by default) must not stop this
            // sender before its `inflight` window does.
            let _entered = runtime.enter();
            let context = jetstream::context::ContextBuilder::new()
                .max_ack_inflight(inflight + 1)
                .build(client.clone());
            Some((context, VecDeque::new(), inflight))
        }
        other => return Err(BenchError::Args(format!("nats sender kind '{other}'"))),
    };
    let mut outlet = NatsOutlet {
        runtime,
        client,
        subject: async_nats::Subject::from(args.text("subject")?),
        jetstream,
    };
    run_sender(&mut outlet, args, cmds)
}
