//! The minimal ACL of docs/operations.md ("Commands and ACL") is enough: a private
//! redis-server gets the user exactly as the document writes it, liner lives a normal life as
//! that user (run, send, park while the listener is away, drain, a listener killed and
//! reaped, a name taken over, subscribe and unsubscribe, peers, heartbeats and retention
//! sweeps for a few seconds, clear_*, stop), and Redis's `ACL LOG` must show no refusal.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Received, listener_process, open, payload, sender_to, wait_until};
use liner_broker::{Client, Config, Status, StatusKind};
use liner_tests::{RedisServer, unique_prefix};

const WAIT: Duration = Duration::from_secs(30);

/// The `ACL SETUSER liner …` line of docs/operations.md, as arguments after `SETUSER`.
fn documented_acl() -> Vec<String> {
    let doc = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/operations.md");
    let text = std::fs::read_to_string(doc).unwrap_or_else(|e| panic!("reading {doc}: {e}"));
    let line = text
        .lines()
        .find(|l| l.starts_with("ACL SETUSER liner "))
        .unwrap_or_else(|| panic!("{doc} has no `ACL SETUSER liner …` line"));
    line.split_whitespace().skip(2).map(str::to_owned).collect()
}

/// Short heartbeats and sweeps, so a few seconds exercise them many times.
fn busy_config() -> Config {
    Config {
        liveness_ttl: Duration::from_millis(1000),
        retention: Duration::from_millis(2000),
        max_parked: 10_000,
        max_parked_age: Duration::from_secs(60),
        ..Config::default()
    }
}

/// Store trouble a client reported (a refused command shows up there first).
#[derive(Clone, Default)]
struct StoreTrouble(Arc<Mutex<Vec<String>>>);

impl StoreTrouble {
    fn watch(&self, client: &Client) {
        let seen = Arc::clone(&self.0);
        client.set_status_callback(Some(Arc::new(move |s: &Status<'_>| {
            if matches!(
                s.kind,
                StatusKind::SenderStoreError | StatusKind::ListenerStoreError
            ) {
                seen.lock()
                    .unwrap()
                    .push(format!("{:?}: {}", s.kind, s.message));
            }
        })));
    }
}

#[test]
fn the_documented_acl_lets_liner_live_a_normal_life() {
    let server = RedisServer::start_local();
    let mut admin = server.connection();
    let _: () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg(documented_acl())
        .query(&mut admin)
        .expect("the documented ACL SETUSER line is refused");
    let _: () = redis::cmd("ACL")
        .arg(&["LOG", "RESET"])
        .query(&mut admin)
        .unwrap();
    let url = format!("redis://liner:secret@127.0.0.1:{}/5", server.port());

    let trouble = StoreTrouble::default();
    normal_life(&url, &trouble);

    let refusals: Vec<HashMap<String, String>> =
        redis::cmd("ACL").arg("LOG").query(&mut admin).unwrap();
    let refused: Vec<String> = refusals
        .iter()
        .map(|entry| {
            let field = |name: &str| entry.get(name).map_or("?", String::as_str);
            format!(
                "{} '{}' ({}, {} times)",
                field("reason"),
                field("object"),
                field("context"),
                field("count")
            )
        })
        .collect();
    assert!(refused.is_empty(), "ACL LOG: {refused:#?}");
    assert!(
        trouble.0.lock().unwrap().is_empty(),
        "{:#?}",
        trouble.0.lock().unwrap()
    );
}

/// Everything a deployment does with Redis, as the ACL user of `url`.
fn normal_life(url: &str, trouble: &StoreTrouble) {
    let p = unique_prefix();
    let (topic, doomed_topic) = (format!("{p}work"), format!("{p}fragile"));
    let config = busy_config();
    // Drops what it parked for more than a second: the age limit's script runs too.
    let impatient = Config {
        max_parked_age: Duration::from_secs(1),
        ..busy_config()
    };

    let listener = open(url, &format!("{p}listener"), &topic, config.clone());
    trouble.watch(&listener);
    let received = Received::default();
    assert!(listener.run(received.callback()));
    assert!(listener.subscribe(&format!("{p}extra")));
    let doomed_name = format!("{p}doomed");
    let mut doomed = listener_process(url, &doomed_name, &doomed_topic);

    let sender = sender_to(url, &format!("{p}sender"), &topic, config.clone());
    let other = sender_to(url, &format!("{p}other"), &doomed_topic, impatient);
    for client in [&sender, &other] {
        trouble.watch(client);
    }
    for seq in 0..20 {
        assert!(sender.send_to(&topic, &payload(seq, 64), true));
        assert!(other.send_to(&doomed_topic, &payload(seq, 64), true));
    }
    assert!(sender.send_to(&topic, &payload(20, 64), false));
    assert!(sender.send_all(&topic, &payload(21, 64), true));
    assert!(received.wait_for(22, WAIT), "got {}", received.len());
    assert_eq!(sender.peers(&topic).unwrap().len(), 1);
    assert_eq!(other.list_addresses(&doomed_topic).unwrap().len(), 1);

    // One listener killed, the other stopped: messages for both are parked.
    doomed.kill9();
    assert!(listener.stop());
    for seq in 100..120 {
        assert!(sender.send_to(&topic, &payload(seq, 64), true));
        assert!(other.send_to(&doomed_topic, &payload(seq, 64), true));
    }
    assert!(wait_until(WAIT, || sender.pending_count() == 20));
    assert!(sender.pending_by_peer().is_some());
    // Heartbeats, the killed listener's row reaped, its parked messages aged out, sweeps.
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        wait_until(WAIT, || other.pending_count() == 0),
        "not aged out: {}",
        other.pending_count()
    );

    assert!(listener.run(received.callback()));
    assert!(
        wait_until(WAIT, || sender.pending_count() == 0),
        "not drained: {}",
        sender.pending_count()
    );
    let heir = open(url, &doomed_name, &doomed_topic, config);
    trouble.watch(&heir);
    assert!(heir.run(|_, _, _| {}), "{}", heir.last_error_message());
    assert!(listener.unsubscribe(&format!("{p}extra")));
    assert!(listener.subscribe(&format!("{p}more")));
    assert!(other.refresh_address_topic(&doomed_topic));

    for client in [&heir, &other, &sender, &listener] {
        assert!(client.stop(), "{}", client.last_error_message());
    }
    // The administrative calls of a stopped client.
    assert!(sender.clear_stored_messages());
    assert!(sender.clear_addresses_of_topic());
    assert!(sender.peers(&topic).is_some());
}
