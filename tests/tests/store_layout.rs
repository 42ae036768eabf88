//! The store writes exactly the seed's key layout: read back with raw Redis commands.

use std::collections::HashMap;

use liner_broker::store::ListenerHint;
use liner_tests::{RedisServer, unique_prefix};
use redis::Commands;

#[test]
fn catalog_is_a_hash_of_address_to_unique_name() {
    let server = RedisServer::start();
    let mut store = server.store();
    let mut raw = server.connection();
    let topic = format!("{}orders", unique_prefix());
    let key = format!("lnr_topic:{topic}:addr");

    store
        .register(
            &topic,
            "127.0.0.1:4001",
            "bob",
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    store
        .register(
            &topic,
            "127.0.0.1:4000",
            "alice",
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    let stored: HashMap<String, String> = raw.hgetall(&key).unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored["127.0.0.1:4000"], "alice");
    assert_eq!(stored["127.0.0.1:4001"], "bob");
    assert_eq!(
        store.addresses(&topic).unwrap(),
        [
            ("127.0.0.1:4000".to_string(), "alice".to_string()),
            ("127.0.0.1:4001".to_string(), "bob".to_string()),
        ]
    );

    store.unregister(&topic, "127.0.0.1:4001").unwrap();
    let left: HashMap<String, String> = raw.hgetall(&key).unwrap();
    assert_eq!(left.keys().collect::<Vec<_>>(), ["127.0.0.1:4000"]);

    store.clear_addresses_of_topic(&topic).unwrap();
    assert!(!raw.exists::<_, bool>(&key).unwrap());
    assert!(store.addresses(&topic).unwrap().is_empty());
}

#[test]
fn topic_and_connection_keys_live_where_the_seed_says() {
    let server = RedisServer::start();
    let mut store = server.store();
    let mut raw = server.connection();
    let p = unique_prefix();
    let (topic, sender, src, listener) = (
        format!("{p}t"),
        format!("{p}s"),
        format!("{p}src"),
        format!("{p}l"),
    );

    let tk = store.topic_key(&topic).unwrap();
    let raw_tk: u64 = raw.get(format!("lnr_topic:{topic}:key")).unwrap();
    assert_eq!(raw_tk, tk);
    assert_eq!(
        store.topic_key(&topic).unwrap(),
        tk,
        "second call reuses the key"
    );

    let ck = store.connection_key(&sender, &src, &listener).unwrap();
    let raw_ck: u64 = raw
        .get(format!("lnr_connection:{sender}:{src}:{listener}:key"))
        .unwrap();
    assert_eq!(raw_ck, ck);
    let sender_topic: String = raw.get(format!("lnr_connection:{ck}:sender")).unwrap();
    assert_eq!(sender_topic, src);
    assert_eq!(store.connection_key(&sender, &src, &listener).unwrap(), ck);
    assert_ne!(ck, tk, "both come from one counter");

    let counter: u64 = raw.get("lnr_unique_key").unwrap();
    assert!(
        counter >= ck.max(tk),
        "counter {counter} is behind {ck}/{tk}"
    );
}

#[test]
fn cursors_and_last_seqs_are_strings_per_connection_key() {
    let server = RedisServer::start();
    let mut store = server.store();
    let mut raw = server.connection();
    let p = unique_prefix();
    let ck = store.connection_key(&format!("{p}s"), "src", "l").unwrap();

    assert_eq!(
        store.load_cursor(ck).unwrap(),
        0,
        "no cursor yet reads as 0"
    );
    assert_eq!(store.load_last_seq(ck).unwrap(), 0);
    store.save_cursor(ck, 42).unwrap();
    store.save_last_seq(ck, 99).unwrap();
    let cursor: String = raw.get(format!("lnr_connection:{ck}:mess_number")).unwrap();
    let last: String = raw.get(format!("lnr_connection:{ck}:last_seq")).unwrap();
    assert_eq!((cursor.as_str(), last.as_str()), ("42", "99"));
    assert_eq!(store.load_cursor(ck).unwrap(), 42);
    assert_eq!(store.load_last_seq(ck).unwrap(), 99);
}

#[test]
fn sender_hints_map_listener_address_to_topic_and_name_as_liner_1_4_does() {
    let server = RedisServer::start();
    let mut store = server.store();
    let mut raw = server.connection();
    let p = unique_prefix();
    let (sender, src) = (format!("{p}s"), format!("{p}src"));
    let key = format!("lnr_sender:{sender}:{src}:listener");

    store
        .remember_listener(&sender, &src, "127.0.0.1:5001", "beta", "node-b")
        .unwrap();
    store
        .remember_listener(&sender, &src, "127.0.0.1:5000", "alpha", "node-a")
        .unwrap();
    // A hint written before names were stored: the topic alone.
    let _: () = raw.hset(&key, "127.0.0.1:5002", "gamma").unwrap();
    let stored: HashMap<String, String> = raw.hgetall(&key).unwrap();
    assert_eq!(stored["127.0.0.1:5000"], "alpha\x1fnode-a");
    assert_eq!(stored["127.0.0.1:5001"], "beta\x1fnode-b");
    let hint = |addr: &str, topic: &str, listener: Option<&str>| ListenerHint {
        addr: addr.into(),
        topic: topic.into(),
        listener: listener.map(Into::into),
    };
    assert_eq!(
        store.listeners_of(&sender, &src).unwrap(),
        [
            hint("127.0.0.1:5000", "alpha", Some("node-a")),
            hint("127.0.0.1:5001", "beta", Some("node-b")),
            hint("127.0.0.1:5002", "gamma", None),
        ]
    );

    // Forgetting is per topic: a hint about another topic stays.
    store
        .forget_listener(&sender, &src, "127.0.0.1:5000", "beta")
        .unwrap();
    store
        .forget_listener(&sender, &src, "127.0.0.1:5001", "beta")
        .unwrap();
    let mut left: Vec<String> = raw.hkeys(&key).unwrap();
    left.sort();
    assert_eq!(left, ["127.0.0.1:5000", "127.0.0.1:5002"]);
}

#[test]
fn database_number_in_the_url_is_used() {
    let server = RedisServer::start_local();
    let url = format!("{}3", server.url());
    let mut store = liner_broker::store::Store::connect(&url, Default::default()).unwrap();
    assert_eq!(store.db(), 3);
    let topic = format!("{}t", unique_prefix());
    store
        .register(
            &topic,
            "127.0.0.1:1",
            "n",
            std::time::Duration::from_secs(60),
        )
        .unwrap();

    let key = format!("lnr_topic:{topic}:addr");
    let mut raw = server.connection();
    assert!(
        !raw.exists::<_, bool>(&key).unwrap(),
        "db 0 must stay empty"
    );
    redis::cmd("SELECT").arg(3).exec(&mut raw).unwrap();
    assert!(raw.exists::<_, bool>(&key).unwrap());
}

#[test]
fn unix_socket_urls_reach_the_same_server() {
    let server = RedisServer::start_local();
    let url = server.unix_url().unwrap();
    let mut store = liner_broker::store::Store::connect(&url, Default::default()).unwrap();
    let topic = format!("{}t", unique_prefix());
    store
        .register(
            &topic,
            "127.0.0.1:2",
            "u",
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    let seen: Option<String> = server
        .connection()
        .hget(format!("lnr_topic:{topic}:addr"), "127.0.0.1:2")
        .unwrap();
    assert_eq!(seen.as_deref(), Some("u"));
}
