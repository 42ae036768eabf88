//! Firmware-style use of liner-core on a Cortex-M4F, with static buffers only.
//!
//! Both ends of one liner channel run in the same main loop, joined by an in-memory "wire":
//! the sender numbers sensor samples ([`SeqCounter`]), keeps them in its transmit window
//! ([`TxWindow`]) and picks a destination per sample from its route table ([`RouteTable`]);
//! the receiver frames the bytes ([`Decoder`]), drops duplicates and decides when an Ack is
//! due ([`RxCursor`]); the Ack travels back encoded ([`frame::encode`]) and parsed
//! ([`frame::parse_frame`]) and frees the window. A real board would put a UART or a TCP
//! stack where the wire is. Every result ends in `black_box` so the optimiser keeps the work
//! that `ci/size-report` measures.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

use cortex_m as _;
use cortex_m_rt::entry;
use liner_core::ack::{Accept, AckPolicy, RxCursor, SeqCounter, TxWindow};
use liner_core::frame::{self, Decoder, FLAG_AT_LEAST_ONCE, Frame, Hello, Welcome};
use liner_core::route::RouteTable;
use panic_halt as _;

const NODE_NAME: &str = "node-7";
const SENSOR_TOPIC: &str = "sensors";
const GATEWAY_NAME: &str = "gateway";
const CONNECTION_KEY: u64 = 42;
const TOPIC_KEY: u64 = 3;
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
    /// Scratch for control frames (Hello, Welcome, Ack) on their way across the wire.
    control: &'static mut [u8],
}

impl Channel {
    /// Hello → Welcome: the sender learns the receiver's cursor and resumes above it.
    fn handshake(&mut self) {
        let hello = Frame::Hello(Hello {
            sender_name: NODE_NAME,
            sender_topic: SENSOR_TOPIC,
            listener_name: GATEWAY_NAME,
            connection_key: CONNECTION_KEY,
            auth: None,
        });
        if let Ok(len) = frame::encode(&hello, self.control) {
            self.decoder.feed(&self.control[..len]);
        }
        let accepted = matches!(self.decoder.next_frame(), Ok(Some(Frame::Hello(h)))
            if h.connection_key == CONNECTION_KEY);
        if !accepted {
            return;
        }
        let welcome = Frame::Welcome(Welcome {
            listener_name: GATEWAY_NAME,
            cursor: self.cursor.cursor(),
        });
        let Ok(len) = frame::encode(&welcome, self.control) else {
            return;
        };
        if let Ok(Some((Frame::Welcome(w), _))) = frame::parse_frame(&self.control[..len]) {
            let own_tail = self.seqs.tail();
            self.seqs.resume(own_tail, w.cursor);
        }
    }

    /// Queues one sample for `to`; returns false when the window is full (sample dropped).
    fn send(&mut self, sample: &[u8], to: Option<SocketAddr>) -> bool {
        black_box(to);
        let seq = self.seqs.allocate();
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
            if self.cursor.accept(data.seq, now_ms) == Accept::New {
                delivered += data.payload.iter().map(|&b| u32::from(b)).sum::<u32>();
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
    channel.handshake();

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
