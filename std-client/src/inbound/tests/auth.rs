//! The trust boundary on the listener: the shared secret, a key belonging to its sender,
//! seq sanity, and the admission limits (per source, handshake slots, frame rate).

use liner_core::ack::MAX_SEQ_GAP;
use liner_core::frame::{MAX_HEADER_LEN, NONCE_LEN};
use liner_core::handshake::Transcript;

use super::*;
use crate::secret::Secret;

const SECRET: &[u8] = b"sixteen or more bytes of secret";

/// Makes the Proof a sender answers a Challenge with.
type Prover<'a> = &'a dyn Fn(&Transcript) -> Option<[u8; PROOF_LEN]>;

fn secured() -> Config {
    Config {
        secret: Some(Secret::new(SECRET).unwrap()),
        ..config()
    }
}

fn hello_from(sender: &'static str, ck: u64, nonce: [u8; NONCE_LEN]) -> Hello<'static> {
    Hello {
        sender_name: sender,
        sender_topic: "src",
        listener_name: LISTENER_NAME,
        connection_key: ck,
        nonce,
    }
}

impl Peer {
    /// Sends `hello`, expects a Challenge and answers it with the proof `prove` makes
    /// from the transcript; returns the transcript and what came back.
    fn challenged(
        &mut self,
        hello: Hello<'_>,
        prove: impl FnOnce(&Transcript) -> Option<[u8; PROOF_LEN]>,
    ) -> (Transcript, Got) {
        self.send(&[Frame::Hello(hello)]);
        let Got::Challenge(nonce) = self.recv() else {
            panic!("a listener with a secret challenges");
        };
        let transcript = Transcript::new(&hello, &nonce);
        self.send(&[Frame::Proof(prove(&transcript))]);
        (transcript, self.recv())
    }

    /// The whole authenticated handshake as sender `sender` on key `ck`; returns the cursor
    /// after checking the listener's proof.
    fn authenticate(&mut self, sender: &'static str, ck: u64) -> u64 {
        let hello = hello_from(sender, ck, [ck as u8; NONCE_LEN]);
        let (transcript, got) = self.challenged(hello, |t| Some(t.connector_proof(SECRET)));
        let Got::Welcome { cursor, proof, .. } = got else {
            panic!("expected Welcome, got {got:?}");
        };
        transcript
            .check_acceptor(SECRET, cursor, proof.as_ref())
            .expect("the listener proves the secret too");
        cursor
    }
}

#[test]
fn a_sender_with_the_secret_is_welcomed_with_a_proof_and_delivers() {
    let rig = Rig::start(secured());
    let mut peer = rig.connect();
    assert_eq!(peer.authenticate("alice", 3), 0);
    peer.send(&[data(1, b"hello")]);
    assert_eq!(peer.acks_until(1), [1]);
    assert_eq!(rig.payloads(), [b"hello".to_vec()]);
}

#[test]
fn a_missing_or_wrong_proof_is_rejected_reported_and_delivers_nothing() {
    let rig = Rig::start(secured());
    let wrong = |t: &Transcript| Some(t.connector_proof(b"another secret, 16+ bytes"));
    let provers: [Prover<'_>; 3] = [&|_| None, &|_| Some([0xab; PROOF_LEN]), &wrong];
    for (i, prove) in provers.into_iter().enumerate() {
        let mut peer = rig.connect();
        let (_, got) = peer.challenged(hello_from("mallory", 40 + i as u64, [1; NONCE_LEN]), prove);
        assert_eq!(got, Got::Reject(RejectReason::Unauthorized));
        assert_eq!(peer.recv(), Got::Closed);
    }
    let reports = rig.reports_of(StatusKind::PeerUnauthorized);
    assert_eq!(reports.len(), 3, "{reports:?}");
    assert!(reports[0].peer.starts_with("127.0.0.1:"), "{reports:?}");
    assert!(reports[0].message.contains("mallory"), "{reports:?}");
    assert!(rig.payloads().is_empty());
}

#[test]
fn data_before_the_proof_is_never_delivered() {
    let rig = Rig::start(secured());
    let mut peer = rig.connect();
    let hello = Frame::Hello(hello_from("mallory", 5, [2; NONCE_LEN]));
    peer.send(&[hello, data(1, b"FORGED")]);
    assert!(matches!(peer.recv(), Got::Challenge(_)));
    assert_eq!(peer.recv(), Got::Reject(RejectReason::Malformed));
    assert_eq!(peer.recv(), Got::Closed);
    assert!(rig.payloads().is_empty());
}

#[test]
fn a_recorded_proof_does_not_open_a_second_connection() {
    let rig = Rig::start(secured());
    let hello = hello_from("alice", 6, [3; NONCE_LEN]);
    let mut first = rig.connect();
    let mut recorded = None;
    let (_, got) = first.challenged(hello, |t| {
        recorded = Some(t.connector_proof(SECRET));
        recorded
    });
    assert!(matches!(got, Got::Welcome { .. }));
    // The same Hello and the same proof again: the listener's nonce is fresh.
    let mut replay = rig.connect();
    let (_, got) = replay.challenged(hello, |_| recorded);
    assert_eq!(got, Got::Reject(RejectReason::Unauthorized));
}

#[test]
fn a_key_belongs_to_its_sender() {
    let rig = Rig::start(secured());
    let mut alice = rig.connect();
    alice.authenticate("alice", 8);
    alice.send(&[data(1, b"one")]);
    assert_eq!(alice.acks_until(1), [1]);
    // Another sender, even one knowing the secret, cannot take the key over.
    let mut mallory = rig.connect();
    let hello = hello_from("mallory", 8, [4; NONCE_LEN]);
    let (_, got) = mallory.challenged(hello, |t| Some(t.connector_proof(SECRET)));
    assert_eq!(got, Got::Reject(RejectReason::Unauthorized));
    alice.send(&[data(2, b"two")]);
    assert_eq!(
        alice.acks_until(2),
        [2],
        "the owner's connection is untouched"
    );
    // The owner itself reconnecting takes over, at its cursor.
    let mut again = rig.connect();
    assert_eq!(again.authenticate("alice", 8), 2);
    assert_eq!(alice.recv(), Got::Closed);
    assert_eq!(rig.payloads(), [b"one".to_vec(), b"two".to_vec()]);
}

#[test]
fn a_seq_far_above_the_cursor_closes_without_moving_it() {
    let rig = Rig::start(secured());
    let mut peer = rig.connect();
    peer.authenticate("alice", 9);
    peer.send(&[
        data(1, b"one"),
        data(2 + MAX_SEQ_GAP, b"jump"),
        data(u64::MAX, b"top"),
    ]);
    assert_eq!(peer.acks_until_closed_or_last(), [1]);
    let reports = rig.reports_of(StatusKind::PeerProtocolError);
    assert!(reports[0].message.contains("out of range"), "{reports:?}");
    let mut again = rig.connect();
    assert_eq!(again.authenticate("alice", 9), 1, "the cursor did not jump");
    again.send(&[data(2, b"two")]);
    assert_eq!(again.acks_until(2), [2]);
    assert_eq!(rig.payloads(), [b"one".to_vec(), b"two".to_vec()]);
}

#[test]
fn frames_longer_than_a_handshake_frame_are_refused_before_the_handshake() {
    let rig = Rig::start(secured());
    let mut peer = rig.connect();
    let declared = u32::try_from(MAX_HEADER_LEN + 1).unwrap();
    peer.send_raw(&declared.to_le_bytes());
    assert_eq!(peer.recv(), Got::Reject(RejectReason::Malformed));
    assert_eq!(peer.recv(), Got::Closed);
}

#[test]
fn connections_per_source_are_capped() {
    let rig = Rig::start(Config {
        max_conns_per_source: 2,
        ..secured()
    });
    let mut first = rig.connect();
    first.authenticate("alice", 1);
    let _second = rig.connect();
    let mut third = rig.connect();
    assert_eq!(third.recv(), Got::Reject(RejectReason::Busy));
    assert_eq!(third.recv(), Got::Closed);
    let reports = rig.reports_of(StatusKind::PeerLimited);
    assert!(
        reports[0].message.contains("max_conns_per_source"),
        "{reports:?}"
    );
}

#[test]
fn handshakes_per_source_are_capped() {
    let rig = Rig::start(Config {
        max_handshakes_per_source: 2,
        ..secured()
    });
    let (_mute1, _mute2) = (rig.connect(), rig.connect());
    let mut third = rig.connect();
    assert_eq!(third.recv(), Got::Reject(RejectReason::Busy));
    let reports = rig.reports_of(StatusKind::PeerLimited);
    assert!(
        reports[0].message.contains("max_handshakes_per_source"),
        "{reports:?}"
    );
}

#[test]
fn a_full_set_of_handshake_slots_gives_way_to_a_newcomer() {
    let rig = Rig::start(Config {
        max_handshakes: 3,
        ..secured()
    });
    let mut mutes: Vec<Peer> = (0..3).map(|_| rig.connect()).collect();
    // Let the listener accept them in order before the newcomer arrives.
    std::thread::sleep(Duration::from_millis(50));
    let mut newcomer = rig.connect();
    assert_eq!(newcomer.authenticate("alice", 2), 0);
    assert_eq!(
        mutes[0].recv(),
        Got::Closed,
        "the oldest handshake lost its slot"
    );
    let reports = rig.reports_of(StatusKind::PeerLimited);
    assert!(reports[0].message.contains("max_handshakes"), "{reports:?}");
    newcomer.send(&[data(1, b"in")]);
    assert_eq!(newcomer.acks_until(1), [1]);
}

#[test]
fn a_trickled_frame_is_closed_for_its_rate() {
    let rig = Rig::start(Config {
        liveness_timeout: Duration::from_millis(300),
        ping_interval: Duration::from_millis(50),
        min_frame_rate: 10_000,
        ..secured()
    });
    let mut peer = rig.connect();
    peer.authenticate("alice", 4);
    // A 1 MB frame's prefix and header, then a byte every 50 ms (each resets liveness).
    peer.send_raw(&(1u32 << 20).to_le_bytes());
    peer.send_raw(&[4, 1, INBOX as u8, 1]);
    peer.stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let started = Instant::now();
    let mut closed = false;
    while started.elapsed() < PATIENCE && !closed {
        if peer.stream.write_all(b"x").is_err() {
            closed = true;
        }
        let mut byte = [0u8; 16];
        closed |= matches!(peer.stream.read(&mut byte), Ok(0));
    }
    assert!(closed, "a 1-byte trickle must not hold a connection");
    let reports = rig.reports_of(StatusKind::PeerLimited);
    assert!(
        reports.iter().any(|r| r.message.contains("min_frame_rate")),
        "{reports:?}"
    );
}
