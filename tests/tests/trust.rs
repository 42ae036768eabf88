//! The shared secret between real clients over a real redis-server: clients with the same
//! secret deliver; a listener that cannot prove it is refused by the sender, which keeps
//! every message (parked) and delivers them in order to a listener that can; and a process
//! takes its secret from `LINER_SECRET` when its `Config` has none.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Pair, assert_exactly_in_order, open, payload, peer_command, sender_to, wait_until};
use liner_broker::{Config, Secret, Status, StatusKind};
use liner_tests::{ChildProcess, RedisServer, unique_prefix};

const WAIT: Duration = Duration::from_secs(30);
const SECRET: &str = "the deployment's shared secret";

fn with_secret(secret: &str) -> Config {
    Config {
        secret: Some(Secret::new(secret).unwrap()),
        ..Config::default()
    }
}

/// Records the status kinds a client reports.
#[derive(Clone, Default)]
struct Kinds(Arc<Mutex<Vec<(StatusKind, String)>>>);

impl Kinds {
    fn watch(&self, client: &liner_broker::Client) {
        let seen = self.0.clone();
        client.set_status_callback(Some(Arc::new(move |s: &Status<'_>| {
            seen.lock().unwrap().push((s.kind, s.message.to_string()));
        })));
    }

    fn messages_of(&self, kind: StatusKind) -> Vec<String> {
        let seen = self.0.lock().unwrap();
        seen.iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, m)| m.clone())
            .collect()
    }
}

#[test]
fn clients_with_the_same_secret_deliver_everything_in_order() {
    let redis = RedisServer::start();
    let pair = Pair::start_with(redis.url(), &unique_prefix(), with_secret(SECRET));
    pair.send(1..=2000, true);
    assert!(pair.received.wait_for(2000, WAIT));
    assert_exactly_in_order(&pair.received.seqs(), 1..=2000);
}

#[test]
fn a_listener_that_cannot_prove_the_secret_gets_nothing_and_nothing_is_lost() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let topic = format!("{p}listener");
    let impostor = open(redis.url(), &topic, &topic, Config::default());
    let stolen = common::Received::default();
    assert!(impostor.run(stolen.callback()));
    let sender_kinds = Kinds::default();
    let sender = sender_to(
        redis.url(),
        &format!("{p}sender"),
        &topic,
        with_secret(SECRET),
    );
    sender_kinds.watch(&sender);
    for seq in 1..=50 {
        assert!(sender.send_to(&topic, &payload(seq, 100), true));
    }
    assert!(
        wait_until(WAIT, || !sender_kinds
            .messages_of(StatusKind::PeerUnauthorized)
            .is_empty()),
        "the sender reports the listener that did not prove the secret"
    );
    let reports = sender_kinds.messages_of(StatusKind::PeerUnauthorized);
    assert!(reports[0].contains("did not prove"), "{reports:?}");
    assert!(
        wait_until(WAIT, || sender.pending_count() == 50),
        "every message parked, {} pending",
        sender.pending_count()
    );
    assert_eq!(
        stolen.len(),
        0,
        "nothing reached the listener without the secret"
    );
    impostor.stop();
    drop(impostor);

    let listener = open(redis.url(), &topic, &topic, with_secret(SECRET));
    let received = common::Received::default();
    assert!(listener.run(received.callback()));
    for seq in 51..=60 {
        assert!(sender.send_to(&topic, &payload(seq, 100), true));
    }
    assert!(received.wait_for(60, WAIT), "{} of 60", received.len());
    assert_exactly_in_order(&received.seqs(), 1..=60);
    sender.stop();
    listener.stop();
}

#[test]
fn a_process_takes_its_secret_from_the_environment() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let topic = format!("{p}listener");
    let mut command = peer_command("listen", redis.url(), &topic, &topic);
    command.env("LINER_SECRET", SECRET);
    let child = ChildProcess::spawn(&mut command);
    child.wait_for_line(WAIT, |l| l.starts_with("ready"));

    // Without the secret: refused (so the child has one), nothing delivered.
    let outsider_kinds = Kinds::default();
    let outsider = sender_to(
        redis.url(),
        &format!("{p}outsider"),
        &topic,
        Config::default(),
    );
    outsider_kinds.watch(&outsider);
    assert!(outsider.send_to(&topic, &payload(1, 100), true));
    assert!(wait_until(WAIT, || !outsider_kinds
        .messages_of(StatusKind::PeerUnauthorized)
        .is_empty()));
    let reports = outsider_kinds.messages_of(StatusKind::PeerUnauthorized);
    assert!(
        reports[0].contains("requires the shared secret"),
        "{reports:?}"
    );

    // With it: delivered (the child prints what it got).
    let sender = sender_to(
        redis.url(),
        &format!("{p}sender"),
        &topic,
        with_secret(SECRET),
    );
    assert!(sender.send_to(&topic, &payload(7, 100), true));
    child.wait_for_line(WAIT, |l| l == "got 7");
    outsider.stop();
    sender.stop();
}
