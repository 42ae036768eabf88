//! liner-handshake-cost: what the shared secret costs a connection. Starts a private
//! redis-server and a listener client, then opens `N` connections in a row, each running
//! the wire-protocol handshake up to the Welcome (raw TCP and `liner_core::handshake`, as a
//! sender does), without and with the secret, alternating rounds; prints the median and
//! 99th percentile of connect → Welcome in µs, and the cost of computing the proofs alone.
//!
//! `cargo run --release -p liner-bench --bin liner-handshake-cost [N]` (default 2000).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use liner_broker::{Client, Config, Secret};
use liner_core::frame::{Decoder, Frame, MAX_HEADER_LEN, encode};
use liner_core::handshake::{Connector, ConnectorStep, Transcript};
use liner_tests::RedisServer;

const SECRET: &str = "a benchmark's shared secret";

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(2000, |arg| arg.parse().expect("N is a count"));
    let redis = RedisServer::start();
    let open = |name: &str, secret: Option<&str>| {
        let config = Config {
            secret: secret.map(|s| Secret::new(s).unwrap()),
            max_handshakes_per_source: 64,
            ..Config::default()
        };
        let client = Client::open(name, name, "127.0.0.1:0", redis.url(), config).unwrap();
        assert!(client.run(|_, _, _| {}));
        client
    };
    let plain = open("hc_plain", None);
    let secured = open("hc_secured", Some(SECRET));
    let mut times = [Vec::with_capacity(n), Vec::with_capacity(n)];
    for round in 0..n {
        for (side, (client, secret)) in [(&plain, None), (&secured, Some(SECRET))]
            .into_iter()
            .enumerate()
        {
            let addr = client.published_addr().unwrap();
            let started = Instant::now();
            handshake(
                &addr,
                client.unique_name(),
                secret.map(str::as_bytes),
                round as u64 + 1,
            );
            times[side].push(started.elapsed());
        }
    }
    let [plain_times, secured_times] = &mut times;
    println!("handshake (connect → Welcome) over loopback, {n} connections each:");
    println!("  without secret: {}", summary(plain_times));
    println!("  with secret:    {}", summary(secured_times));
    println!(
        "  proofs alone (transcript + 2 HMAC-SHA256 + 2 checks): {:.2} µs",
        proof_cost()
    );
}

/// One handshake as sender "hc_sender" on key `ck`, up to the Welcome; then closes.
fn handshake(addr: &str, listener: &str, secret: Option<&[u8]>, ck: u64) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut connector = Connector::new(nonce(ck));
    let hello = connector.hello("hc_sender", "hc_sender", listener, ck);
    send(&mut stream, &Frame::Hello(hello));
    let mut decoder = Decoder::new(vec![0; 1024], MAX_HEADER_LEN);
    loop {
        if let Some(frame) = decoder.next_frame().unwrap() {
            match connector.on_frame(&hello, secret, &frame).unwrap() {
                ConnectorStep::Send(reply) => send(&mut stream, &reply),
                ConnectorStep::Established { .. } => return,
            }
            continue;
        }
        let n = stream.read(decoder.spare_mut()).unwrap();
        assert!(n > 0, "the listener closed during the handshake");
        decoder.commit(n);
    }
}

fn send(stream: &mut TcpStream, frame: &Frame<'_>) {
    let mut out = [0u8; 512];
    let n = encode(frame, &mut out).unwrap();
    stream.write_all(&out[..n]).unwrap();
}

/// A distinct nonce per connection (uniqueness is what the handshake needs).
fn nonce(ck: u64) -> [u8; 16] {
    let mut nonce = [0u8; 16];
    nonce[..8].copy_from_slice(&ck.to_le_bytes());
    nonce
}

/// µs per handshake's worth of proof work: both sides' transcripts, proofs and checks.
fn proof_cost() -> f64 {
    const ROUNDS: u32 = 20_000;
    let connector = Connector::new([1; 16]);
    let hello = connector.hello("hc_sender", "hc_sender", "hc_secured", 1);
    let started = Instant::now();
    for round in 0..ROUNDS {
        let nonce = [round as u8; 16];
        let transcript = Transcript::new(&hello, &nonce);
        let proof = transcript.connector_proof(SECRET.as_bytes());
        transcript
            .check_connector(SECRET.as_bytes(), Some(&proof))
            .unwrap();
        let welcome = transcript.acceptor_proof(SECRET.as_bytes(), 7);
        transcript
            .check_acceptor(SECRET.as_bytes(), 7, Some(&welcome))
            .unwrap();
    }
    started.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS)
}

fn summary(times: &mut [Duration]) -> String {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    format!("p50 {:.0} µs, p99 {:.0} µs", at(0.5), at(0.99))
}
