//! Helpers shared by the client integration tests: collecting what a listener receives and
//! building sequence-numbered payloads.

#![allow(dead_code)] // each test file uses a different subset

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use liner_broker::Client;
use liner_tests::ChildProcess;

/// A payload of `len` bytes (at least 8) whose first 8 bytes carry `seq`.
pub fn payload(seq: u64, len: usize) -> Vec<u8> {
    let mut bytes = vec![0xA5; len.max(8)];
    bytes[..8].copy_from_slice(&seq.to_le_bytes());
    bytes
}

/// The seq carried by a payload made with [`payload`].
pub fn seq_of(payload: &[u8]) -> u64 {
    u64::from_le_bytes(
        payload[..8]
            .try_into()
            .expect("payload shorter than 8 bytes"),
    )
}

/// Seqs a listener received, in arrival order.
#[derive(Clone, Default)]
pub struct Received(Arc<Mutex<Vec<u64>>>);

impl Received {
    /// A receive callback recording seqs into this collector.
    pub fn callback(&self) -> impl FnMut(&str, &str, &[u8]) + Send + 'static {
        let sink = self.0.clone();
        move |_, _, payload| sink.lock().unwrap().push(seq_of(payload))
    }

    /// Reserves room for `n` seqs so recording does not allocate.
    pub fn reserve(&self, n: usize) {
        self.0.lock().unwrap().reserve(n);
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    pub fn seqs(&self) -> Vec<u64> {
        self.0.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages arrived; false after `timeout`.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        wait_until(timeout, || self.len() >= n)
    }
}

/// Waits until `done()` holds; false after `timeout`.
pub fn wait_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    true
}

/// A client on `url` bound to an ephemeral loopback port, panicking with the reason.
pub fn client(url: &str, unique: &str, topic: &str) -> Client {
    Client::new_redis(unique, topic, "127.0.0.1:0", url)
        .unwrap_or_else(|| panic!("client {unique} could not be created on {url}"))
}

/// Asserts `seqs` is exactly `expected` in order, with a short diagnosis otherwise.
pub fn assert_exactly_in_order(seqs: &[u64], expected: impl Iterator<Item = u64>) {
    let expected: Vec<u64> = expected.collect();
    if seqs != expected {
        let first_diff = seqs.iter().zip(&expected).position(|(a, b)| a != b);
        panic!(
            "received {} messages, expected {}; first difference at index {first_diff:?}",
            seqs.len(),
            expected.len()
        );
    }
}

/// The start of most delivery tests: a running listener recording the seqs it receives,
/// and a running sender that has loaded the listener's route. Both stop on drop.
pub struct Pair {
    pub topic: String,
    pub listener: Client,
    pub received: Received,
    pub sender_name: String,
    pub sender: Client,
}

impl Pair {
    /// Starts both clients on `url`; names start with `prefix`.
    pub fn start(url: &str, prefix: &str) -> Pair {
        Pair::start_with(url, prefix, liner_broker::Config::default())
    }

    /// [`Pair::start`] with both clients on `config`.
    pub fn start_with(url: &str, prefix: &str, config: liner_broker::Config) -> Pair {
        let topic = format!("{prefix}listener");
        let listener = open(url, &topic, &topic, config.clone());
        let received = Received::default();
        assert!(listener.run(received.callback()));
        let sender_name = format!("{prefix}sender");
        let sender = sender_to(url, &sender_name, &topic, config);
        Pair {
            topic,
            listener,
            received,
            sender_name,
            sender,
        }
    }

    /// Sends 100-byte payloads carrying `seqs` to the listener's topic, asserting each is
    /// accepted.
    pub fn send(&self, seqs: impl IntoIterator<Item = u64>, at_least_once: bool) {
        for seq in seqs {
            assert!(
                self.sender
                    .send_to(&self.topic, &payload(seq, 100), at_least_once),
                "seq {seq}: {}",
                self.sender.last_error_message()
            );
        }
    }

    /// Sends the at-least-once payload `seq`, retrying for up to `patience` while the sender
    /// refuses it (its window stays full while parking waits out a Redis failover): a
    /// refused message was not taken, so sending it again is exact. Returns the refusals.
    pub fn send_until_accepted(&self, seq: u64, patience: Duration) -> u64 {
        let deadline = Instant::now() + patience;
        let mut refusals = 0;
        while !self.sender.send_to(&self.topic, &payload(seq, 100), true) {
            refusals += 1;
            assert!(
                Instant::now() < deadline,
                "seq {seq} refused for {patience:?}"
            );
        }
        refusals
    }

    /// Runs the listener again (after `listener.stop()`), recording into the same collector.
    pub fn rerun_listener(&self) {
        assert!(self.listener.run(self.received.callback()));
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        self.sender.stop();
        self.listener.stop();
    }
}

/// Starts tests/src/bin/liner-test-peer in `mode` (`listen`, `drain`) in its own process, so
/// a test can SIGKILL it. Under qemu-user (cross tests) the child needs the emulator too:
/// `LINER_TEST_PEER_RUNNER` names it, e.g. `qemu-arm -L /usr/arm-linux-gnueabihf`.
pub fn peer_process(mode: &str, url: &str, unique: &str, topic: &str) -> ChildProcess {
    ChildProcess::spawn(&mut peer_command(mode, url, unique, topic))
}

/// The command [`peer_process`] runs, for a test that adds to it (environment variables).
pub fn peer_command(mode: &str, url: &str, unique: &str, topic: &str) -> Command {
    let program = env!("CARGO_BIN_EXE_liner-test-peer");
    let runner = std::env::var("LINER_TEST_PEER_RUNNER").unwrap_or_default();
    let mut words = runner.split_whitespace();
    let mut command = match words.next() {
        Some(emulator) => {
            let mut command = Command::new(emulator);
            command.args(words).arg(program);
            command
        }
        None => Command::new(program),
    };
    command.args([mode, url, unique, topic]);
    command
}

/// A listener process (see [`peer_process`]) that has started and registered.
pub fn listener_process(url: &str, unique: &str, topic: &str) -> ChildProcess {
    let child = peer_process("listen", url, unique, topic);
    child.wait_for_line(Duration::from_secs(60), |l| l.starts_with("ready"));
    child
}

/// A client on `url` with `config`, bound to an ephemeral loopback port.
pub fn open(url: &str, unique: &str, topic: &str, config: liner_broker::Config) -> Client {
    Client::open(unique, topic, "127.0.0.1:0", url, config)
        .unwrap_or_else(|e| panic!("client {unique}: {e}"))
}

/// A running client on `url` with `config` that has loaded the routes of `topic`.
pub fn sender_to(url: &str, unique: &str, topic: &str, config: liner_broker::Config) -> Client {
    let sender = open(url, unique, unique, config);
    assert!(sender.run(|_, _, _| {}));
    assert!(
        sender.refresh_address_topic(topic),
        "{}",
        sender.last_error_message()
    );
    sender
}
