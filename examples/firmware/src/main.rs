//! Firmware-style use of liner-core on a Cortex-M4F, with static buffers only.
//!
//! Both ends of one liner channel run in the same main loop, joined by an in-memory "wire".
//! They first run the authenticated handshake of wire protocol v2 ([`Connector`] and
//! [`Acceptor`]: Hello, Challenge, Proof, Welcome, both sides proving the pre-shared secret).
//! Then the sender numbers sensor samples ([`SeqCounter`]), keeps them in its transmit
//! window ([`TxWindow`]) and picks a destination per sample from its route table
//! ([`RouteTable`]); the receiver frames the bytes ([`Decoder`]), drops duplicates, refuses
//! out-of-range seqs and decides when an Ack is due ([`RxCursor`]); the Ack travels back
//! encoded ([`frame::encode`]) and parsed ([`frame::parse_frame`]) and frees the window. A
//! real board would put a UART or a TCP stack where the wire is, and take the handshake
//! nonces from its hardware random number generator. Every result ends in `black_box` so
//! the optimiser keeps the work that `ci/size-report` measures.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

use cortex_m as _;
use cortex_m_rt::entry;
use liner_core::ack::{AckPolicy, RxCursor, SeqCheck, SeqCounter, TxWindow};
use liner_core::frame::{self, Decoder, FLAG_AT_LEAST_ONCE, Frame};
use liner_core::handshake::{Acceptor, AcceptorStep, Connector, ConnectorStep, Nonce};
use liner_core::route::RouteTable;
use panic_halt as _;

const NODE_NAME: &str = "node-7";
const SENSOR_TOPIC: &str = "sensors";
const GATEWAY_NAME: &str = "gateway";
const CONNECTION_KEY: u64 = 42;
const TOPIC_KEY: u64 = 3;
/// Pre-shared secret of both ends (at least 16 bytes; a real board keeps it out of the
/// firmware image, e.g. in a protected flash page).
const SECRET: &[u8] = b"example secret, not for production";
/// Largest body the receiver accepts; samples are far smaller.
const MAX_BODY_LEN: usize = 256;
/// Ack every 8 samples or after 5 ms, whichever comes first.
const ACK_POLICY: AckPolicy = AckPolicy {
    max_batch: 8,
    max_delay_ms: 5,
};

/// Sender and receiver state of the one channel, all over `'static` buffers.
struct Channel {
    seqs: SeqCounter,
    window: TxWindow<&'static mut [u8]>,
    decoder: Decoder<&'static mut [u8]>,
    cursor: RxCursor,
    /// Scratch for control frames (Hello, Challenge, Proof, Welcome, Ack) on their way
    /// across the wire.
    control: &'static mut [u8],
}

impl Channel {
    /// Hello → Challenge → Proof → Welcome: each end proves the secret, and the sender
    /// learns the receiver's cursor and resumes above it. Returns whether the channel opened.
    /// The nonces must be fresh and random for every connection.
    fn handshake(&mut self, connector_nonce: Nonce, acceptor_nonce: Nonce) -> bool {
        let mut connector = Connector::new(connector_nonce);
        let hello = connector.hello(NODE_NAME, SENSOR_TOPIC, GATEWAY_NAME, CONNECTION_KEY);

        // Receiver: decodes the Hello and challenges the sender.
        let Ok(len) = frame::encode(&Frame::Hello(hello), self.control) else {
            return false;
        };
        self.decoder.feed(&self.control[..len]);
        let (acceptor, step) = match self.decoder.next_frame() {
            Ok(Some(Frame::Hello(h))) if h.listener_name == GATEWAY_NAME => {
                Acceptor::on_hello(Some(SECRET), &h, acceptor_nonce)
            }
            _ => return false,
        };
        let AcceptorStep::Challenge(nonce) = step else {
            return false;
        };

        // Sender: answers the Challenge with its proof.
        let Some(challenge) = cross(self.control, &Frame::Challenge(nonce)) else {
            return false;
        };
        let Ok(ConnectorStep::Send(proof)) = connector.on_frame(&hello, Some(SECRET), &challenge)
        else {
            return false;
        };

        // Receiver: checks the proof (a wrong one is answered with Reject(Unauthorized)).
        let Some(proof) = cross(self.control, &proof) else {
            return false;
        };
        if acceptor.on_proof(SECRET, &proof).is_err() {
            return false;
        }

        // Sender: checks the receiver's proof in the Welcome, then resumes at its cursor.
        let welcome = acceptor.welcome(Some(SECRET), GATEWAY_NAME, self.cursor.cursor());
        let Some(welcome) = cross(self.control, &Frame::Welcome(welcome)) else {
            return false;
        };
        match connector.on_frame(&hello, Some(SECRET), &welcome) {
            Ok(ConnectorStep::Established { cursor }) => {
                let own_tail = self.seqs.tail();
                self.seqs.resume(own_tail, cursor);
                true
            }
            _ => false,
        }
    }

    /// Queues one sample for `to`; returns false when the window is full (sample dropped).
    fn send(&mut self, sample: &[u8], to: Option<SocketAddr>) -> bool {
        black_box(to);
        // Seqs end at MAX_SEQ: an exhausted counter numbers no more frames.
        let Some(seq) = self.seqs.allocate() else {
            return false;
        };
        self.window
            .push_data(seq, TOPIC_KEY, FLAG_AT_LEAST_ONCE, sample)
            .is_ok()
    }

    /// Moves as many unsent bytes across the wire as the receiver has room for.
    fn transmit(&mut self) {
        let taken = self.decoder.feed(self.window.unsent());
        self.window.mark_written(taken);
    }

    /// Delivers every complete frame; returns the sum of delivered payload bytes.
    fn receive(&mut self, now_ms: u64) -> u32 {
        let mut delivered = 0;
        while let Ok(Some(Frame::Data(data))) = self.decoder.next_frame() {
            match self.cursor.check(data.seq) {
                SeqCheck::New => {
                    delivered += data.payload.iter().map(|&b| u32::from(b)).sum::<u32>();
                    self.cursor.accept(data.seq, now_ms);
                }
                SeqCheck::Duplicate => {}
                // A protocol error: a real receiver closes the connection, acking none of it.
                SeqCheck::OutOfRange => break,
            }
        }
        delivered
    }

    /// Sends the Ack the policy asks for and applies it to the window; returns frames freed.
    fn acknowledge(&mut self, now_ms: u64) -> usize {
        let Some(seq) = self.cursor.ack_due(now_ms) else {
            return 0;
        };
        let Ok(len) = frame::encode(&Frame::Ack(seq), self.control) else {
            return 0;
        };
        self.cursor.on_ack_sent(seq);
        match frame::parse_frame(&self.control[..len]) {
            Ok(Some((Frame::Ack(acked), _))) => self.window.ack(acked),
            _ => 0,
        }
    }
}

/// Encodes `frame` into `scratch` and decodes it back: one trip across the wire.
fn cross<'s>(scratch: &'s mut [u8], frame: &Frame<'_>) -> Option<Frame<'s>> {
    let len = frame::encode(frame, scratch).ok()?;
    match frame::parse_frame(&scratch[..len]) {
        Ok(Some((frame, _))) => Some(frame),
        _ => None,
    }
}

#[entry]
fn main() -> ! {
    static mut TX_STORAGE: [u8; 1024] = [0; 1024];
    static mut RX_STORAGE: [u8; 512] = [0; 512];
    static mut CONTROL: [u8; 256] = [0; 256];
    static mut ROUTES: RouteTable<4, 2> = RouteTable::new();

    let routes: &'static mut RouteTable<4, 2> = ROUTES;
    for port in [7000, 7001] {
        let gateway = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port));
        black_box(routes.insert(SENSOR_TOPIC, gateway).is_ok());
    }

    let tx_storage: &'static mut [u8] = TX_STORAGE;
    let rx_storage: &'static mut [u8] = RX_STORAGE;
    let mut channel = Channel {
        seqs: SeqCounter::new(1),
        window: TxWindow::new(tx_storage),
        decoder: Decoder::new(rx_storage, MAX_BODY_LEN),
        cursor: RxCursor::new(0, ACK_POLICY),
        control: CONTROL,
    };
    // Stand-ins for two reads of the board's random number generator.
    let connector_nonce: Nonce = black_box([0x5a; 16]);
    let acceptor_nonce: Nonce = black_box([0xa5; 16]);
    black_box(channel.handshake(connector_nonce, acceptor_nonce));

    // Stand-in for a SysTick millisecond counter and an ADC reading.
    let mut now_ms: u64 = 0;
    let mut reading: u16 = 0;
    loop {
        now_ms = black_box(now_ms + 1);
        reading = black_box(reading.wrapping_add(17));
        let sample = reading.to_le_bytes();

        let queued = channel.send(&sample, routes.next(SENSOR_TOPIC));
        channel.transmit();
        let delivered = channel.receive(now_ms);
        let freed = channel.acknowledge(now_ms);
        black_box((queued, delivered, freed, channel.cursor.poll_at()));
    }
}
