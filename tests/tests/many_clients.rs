//! Many clients in one process share what can be shared with Redis: each keeps two
//! connections of its own (API calls, listener cursors and event handling share one; the
//! store worker has the other) and all of them share one events subscription. Counted with
//! `CLIENT LIST` on a server this test started, while 200 clients run and exchange messages.

mod common;

use std::time::Duration;

use common::{Received, client};
use liner_tests::{RedisServer, unique_prefix};

const CLIENTS: usize = 200;

fn connections(redis: &RedisServer) -> usize {
    let mut con = redis.connection();
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut con).unwrap();
    // This connection of the test itself is not the clients'.
    list.lines().count() - 1
}

#[test]
fn two_hundred_clients_use_two_connections_each_plus_one_shared_subscription() {
    let redis = RedisServer::start_local();
    let prefix = unique_prefix();
    let received = Received::default();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let name = format!("{prefix}c{i}");
            let c = client(redis.url(), &name, &name);
            assert!(c.run(received.callback()), "{}", c.last_error_message());
            c
        })
        .collect();
    // Every client sends one message to the next one: events and routes still work.
    for (i, c) in clients.iter().enumerate() {
        let next = format!("{prefix}c{}", (i + 1) % CLIENTS);
        assert!(
            c.send_to(&next, &common::payload(i as u64, 100), true),
            "{}",
            c.last_error_message()
        );
    }
    assert!(
        received.wait_for(CLIENTS, Duration::from_secs(60)),
        "got {}",
        received.len()
    );
    let used = connections(&redis);
    eprintln!("{CLIENTS} clients hold {used} Redis connections");
    assert!(
        used <= 2 * CLIENTS + 2,
        "{used} connections for {CLIENTS} clients"
    );
    drop(clients);
    assert!(
        common::wait_until(Duration::from_secs(10), || connections(&redis) == 0),
        "{} connections left after every client stopped",
        connections(&redis)
    );
}
