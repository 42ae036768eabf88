//! The `liner` binary against a private redis-server and real liner clients: every
//! subcommand, its JSON output, and its refusals of bad input.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use liner_broker::{Client, Config};
use liner_tests::RedisServer;
use serde_json::Value;

fn liner(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liner"))
        .args(args)
        .env("LINER_REDIS_URL", url)
        .env_remove("LINER_SECRET")
        .output()
        .expect("liner runs")
}

fn spawn(url: &str, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_liner"))
        .args(args)
        .env("LINER_REDIS_URL", url)
        .env_remove("LINER_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("liner starts")
}

fn ok_json(url: &str, args: &[&str]) -> Value {
    let out = liner(url, args);
    assert!(
        out.status.success(),
        "liner {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "liner {args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A client listening on `topic`, its messages forwarded to the returned channel.
fn listener(url: &str, name: &str, topic: &str) -> (Client, mpsc::Receiver<Vec<u8>>) {
    let client = Client::open(name, topic, "127.0.0.1:0", url, Config::default()).expect("client");
    let (tx, rx) = mpsc::channel();
    client
        .try_run(move |_, _, payload| {
            let _ = tx.send(payload.to_vec());
        })
        .expect("run");
    (client, rx)
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn topics_peers_and_pending_answer_in_json() {
    let redis = RedisServer::start();
    let url = redis.url();
    let (live, _rx) = listener(url, "cli-live", "cli-orders");
    // A listener that stops: messages for it get parked.
    let (away, _rx2) = listener(url, "cli-away", "cli-audit");
    let sender = Client::open(
        "cli-sender",
        "cli-out",
        "127.0.0.1:0",
        url,
        Config::default(),
    )
    .unwrap();
    sender.try_run(|_, _, _| {}).unwrap();
    sender.try_send_to("cli-audit", b"warm-up", true).unwrap();
    wait_until("the sender connected", || {
        sender.stats().peers_connected == 1
    });
    away.try_stop().unwrap();
    for i in 0..5 {
        sender
            .try_send_to("cli-audit", format!("m{i}").as_bytes(), true)
            .unwrap();
    }
    sender.try_stop().unwrap();

    let topics = ok_json(url, &["topics", "--json"]);
    let orders = topics
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["topic"] == "cli-orders");
    let orders = orders.expect("cli-orders is listed");
    assert_eq!(
        (orders["listeners"].as_u64(), orders["live"].as_u64()),
        (Some(1), Some(1))
    );

    wait_until("a heartbeat published the counters", || {
        ok_json(url, &["peers", "cli-orders", "--json"])[0]["stats"].is_object()
    });
    let peers = ok_json(url, &["peers", "cli-orders", "--json"]);
    assert_eq!(peers[0]["unique_name"], "cli-live");
    assert_eq!(peers[0]["live"], true);
    assert_eq!(peers[0]["addr"].as_str(), live.published_addr().as_deref());
    let table = liner(url, &["peers", "cli-orders"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("cli-live"));

    let pending = ok_json(url, &["pending", "--json"]);
    let rows = pending.as_array().unwrap();
    assert_eq!(rows.len(), 1, "one parked channel: {pending}");
    assert_eq!(rows[0]["sender"], "cli-sender");
    assert_eq!(rows[0]["listener"], "cli-away");
    assert_eq!(rows[0]["topic"], "cli-audit");
    assert_eq!(
        rows[0]["count"], 5,
        "the five messages sent while it was away"
    );
}

#[test]
fn send_from_stdin_reaches_a_listen_that_exits_after_count() {
    let redis = RedisServer::start();
    let url = redis.url();
    let listen = spawn(
        url,
        &["listen", "cli-t", "--count", "1", "--name", "cli-listen"],
    );
    let mut store = redis.store();
    wait_until("liner listen registered", || {
        !store.peers("cli-t").unwrap().is_empty()
    });
    let mut send = spawn(url, &["send", "cli-t", "-"]);
    send.stdin.take().unwrap().write_all(b"from stdin").unwrap();
    let sent = send.wait_with_output().unwrap();
    assert!(
        sent.status.success(),
        "send failed: {}",
        String::from_utf8_lossy(&sent.stderr)
    );
    assert!(String::from_utf8_lossy(&sent.stdout).contains("accepted: 10 bytes"));
    let out = listen.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "liner-cli\tfrom stdin\n"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("joins the topic as a listener"));
}

#[test]
fn send_to_a_topic_nobody_serves_fails() {
    let redis = RedisServer::start();
    let out = liner(redis.url(), &["send", "cli-nobody", "x"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not accepted"),
        "{out:?}"
    );
}

#[test]
fn watch_sees_a_peer_join() {
    let redis = RedisServer::start();
    let url = redis.url();
    let mut watch = spawn(url, &["watch", "--count", "1", "--timeout", "10", "--json"]);
    let mut stderr = BufReader::new(watch.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.contains("watching"), "{line}");
    let (_client, _rx) = listener(url, "cli-joiner", "cli-w");
    let out = watch.wait_with_output().unwrap();
    assert!(out.status.success());
    let event: Value = serde_json::from_slice(&out.stdout).expect("one JSON event");
    assert_eq!(event["kind"], "connected");
    assert_eq!(event["unique_name"], "cli-joiner");
    assert_eq!(event["topic"], "cli-w");
}

#[test]
fn ping_measures_round_trips_to_each_listener() {
    let redis = RedisServer::start();
    let url = redis.url();
    let (_a, _ra) = listener(url, "cli-pa", "cli-p");
    let (_b, _rb) = listener(url, "cli-pb", "cli-p");
    let out = liner(url, &["ping", "cli-p", "-c", "4"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("4 round trips: min/avg/max = ").count(),
        2,
        "{text}"
    );
    let rows = ok_json(url, &["ping", "cli-p", "-c", "2", "--json"]);
    for row in rows.as_array().unwrap() {
        assert_eq!(row["rtt_us"].as_array().map(Vec::len), Some(2), "{row}");
        assert!(row["error"].is_null());
    }
}

#[test]
fn prune_dry_run_lists_and_prune_removes_only_dead_rows() {
    let redis = RedisServer::start();
    let url = redis.url();
    let (_live, _rx) = listener(url, "cli-alive", "cli-pr");
    let mut store = redis.store();
    // A row whose client died: its liveness lasted 1 ms.
    store
        .register(
            "cli-pr",
            "127.0.0.1:9",
            "cli-ghost",
            Duration::from_millis(1),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(20));

    let plan = ok_json(url, &["prune", "--dry-run", "--gone-for", "0", "--json"]);
    let dead = plan["dead_rows"].as_array().unwrap();
    assert_eq!(dead.len(), 1, "{plan}");
    assert_eq!(dead[0]["unique_name"], "cli-ghost");
    assert_eq!(
        store.peers("cli-pr").unwrap().len(),
        2,
        "a dry run removes nothing"
    );

    let done = ok_json(url, &["prune", "--gone-for", "0", "--json"]);
    assert_eq!(done["swept"]["dead_rows"], 1, "{done}");
    let left: Vec<String> = store
        .peers("cli-pr")
        .unwrap()
        .into_iter()
        .map(|p| p.unique_name)
        .collect();
    assert_eq!(left, ["cli-alive"], "only the dead row went");
}

#[test]
fn bench_delivers_every_message_once_in_order() {
    let redis = RedisServer::start();
    let summary = ok_json(
        redis.url(),
        &["bench", "--messages", "2000", "--size", "64", "--json"],
    );
    assert_eq!(summary["received"], 2000, "{summary}");
    assert_eq!(
        (summary["lost"].as_u64(), summary["duplicates"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(summary["out_of_order"], 0);
    assert!(summary["p99_us"].as_u64().is_some());
}

#[test]
fn bad_input_fails_clearly_without_printing_secrets() {
    let redis = RedisServer::start();
    let out = liner(redis.url(), &["peers", "cli-no-such-topic"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cli-no-such-topic"));

    let secret_url = "redis://user:hunter2-not-shown@127.0.0.1:1/0";
    let out = liner(secret_url, &["topics"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.starts_with("liner: Redis:"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "the password leaked: {stderr}");

    let out = Command::new(env!("CARGO_BIN_EXE_liner"))
        .arg("topics")
        .env_remove("LINER_REDIS_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("LINER_REDIS_URL"));
}
