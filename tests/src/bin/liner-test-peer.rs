//! A liner peer in its own process, for crash tests (SIGKILL needs a real process).
//!
//! ```text
//! liner-test-peer listen <redis-url> <unique> <topic>
//!     runs a listener; prints `ready <addr>`, then `got <seq>` per message (the seq is the
//!     payload's first 8 bytes, little endian); runs until killed.
//! liner-test-peer drain <redis-url> <unique> <topic>
//!     runs a sender that only drains its Redis backlog; prints `pending <n>` every 50 ms
//!     and `drained` once nothing is pending, then stops cleanly.
//! ```

use std::time::Duration;

use liner_broker::Client;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, mode, url, unique, topic] = &args[..] else {
        eprintln!("usage: liner-test-peer listen|drain <redis-url> <unique> <topic>");
        std::process::exit(2);
    };
    let client = Client::new_redis(unique, topic, "127.0.0.1:0", url).unwrap_or_else(|| {
        eprintln!("cannot create client");
        std::process::exit(1)
    });
    match mode.as_str() {
        "listen" => listen(&client),
        "drain" => drain(&client),
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    }
}

fn listen(client: &Client) {
    let ok = client.run(|_to, _from, payload| {
        let seq = u64::from_le_bytes(payload[..8].try_into().expect("8-byte seq"));
        println!("got {seq}");
    });
    assert!(ok, "run failed: {}", client.last_error_message());
    println!("ready {}", client.published_addr().unwrap_or_default());
    // The test ends this process with a signal; that is the point of running it apart.
    loop {
        std::thread::park();
    }
}

fn drain(client: &Client) {
    assert!(
        client.run(|_, _, _| {}),
        "run failed: {}",
        client.last_error_message()
    );
    loop {
        let pending = client.pending_count();
        println!("pending {pending}");
        if pending == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    client.stop();
    println!("drained");
}
