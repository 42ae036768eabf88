//! Topic and connection keys are allocated race-free: concurrent clients agree on one value
//! per name, and different names never share a value.

use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use std::thread;

use liner_broker::store::Store;
use liner_tests::{RedisServer, unique_prefix};

const THREADS: usize = 8;

/// Runs `work` on `THREADS` threads, each with its own store connection, released together.
fn on_threads<T: Send + 'static>(
    server: &RedisServer,
    work: impl Fn(usize, &mut Store) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(THREADS));
    let work = Arc::new(work);
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let mut store = server.store();
            let (barrier, work) = (Arc::clone(&barrier), Arc::clone(&work));
            thread::spawn(move || {
                barrier.wait();
                work(i, &mut store)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn concurrent_allocations_of_one_topic_agree() {
    let server = RedisServer::start();
    for round in 0..20 {
        let topic = format!("{}shared{round}", unique_prefix());
        let keys = on_threads(&server, move |_, store| store.topic_key(&topic).unwrap());
        let distinct: HashSet<u64> = keys.iter().copied().collect();
        assert_eq!(distinct.len(), 1, "round {round}: {keys:?}");
    }
}

#[test]
fn concurrent_allocations_of_one_connection_agree() {
    let server = RedisServer::start();
    for round in 0..20 {
        let sender = format!("{}s{round}", unique_prefix());
        let keys = on_threads(&server, move |_, store| {
            store.connection_key(&sender, "src", "listener").unwrap()
        });
        let distinct: HashSet<u64> = keys.iter().copied().collect();
        assert_eq!(distinct.len(), 1, "round {round}: {keys:?}");
    }
}

#[test]
fn different_names_get_distinct_keys() {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let per_thread = 50;
    let all: Vec<u64> = on_threads(&server, move |i, store| {
        (0..per_thread)
            .flat_map(|j| {
                let topic = store.topic_key(&format!("{prefix}t{i}_{j}")).unwrap();
                let conn = store
                    .connection_key(&format!("{prefix}s{i}"), "src", &format!("l{j}"))
                    .unwrap();
                [topic, conn]
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    let distinct: HashSet<u64> = all.iter().copied().collect();
    assert_eq!(distinct.len(), THREADS * per_thread * 2);
}
