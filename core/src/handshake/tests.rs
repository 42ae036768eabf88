use super::*;

const SECRET: &[u8] = b"correct horse battery staple";
const CONNECTOR_NONCE: Nonce = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
];
const ACCEPTOR_NONCE: Nonce = [
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
];

fn hello(nonce: Nonce) -> Hello<'static> {
    Connector::new(nonce).hello("a", "t", "b", 300)
}

fn hex(bytes: &[u8]) -> heapless::String<64> {
    let mut out = heapless::String::new();
    for byte in bytes {
        core::fmt::write(&mut out, format_args!("{byte:02x}")).unwrap();
    }
    out
}

/// Golden values, computed independently (Python's hashlib and hmac) from the layout in
/// docs/wire-protocol.md §5: sender "a", topic "t", listener "b", key 300, nonces
/// 00..0f and 10..1f, secret "correct horse battery staple", cursor 127.
#[test]
fn test_vectors() {
    let transcript = Transcript::new(&hello(CONNECTOR_NONCE), &ACCEPTOR_NONCE);
    assert_eq!(
        hex(&transcript.0),
        "c877d7b13488d3acdb2771a36d1a23f01bda2d24c91888daa3a1309ce6fd07c9"
    );
    assert_eq!(
        hex(&transcript.connector_proof(SECRET)),
        "513f4ec1c3946a679655be96efefff922807382da0d2cf75a624d8914e6b470b"
    );
    assert_eq!(
        hex(&transcript.acceptor_proof(SECRET, 127)),
        "ac106c592f427ebb7a1067f7e2ce1c035b74d04d0bbd8ac217f9bb2c9d60d21e"
    );
}

/// Runs a whole handshake; returns what the connector ended with.
fn run(
    connector_secret: Option<&[u8]>,
    acceptor_secret: Option<&[u8]>,
    cursor: u64,
) -> Result<ConnectorStep, HandshakeError> {
    let mut connector = Connector::new(CONNECTOR_NONCE);
    let hello = hello(CONNECTOR_NONCE);
    let (acceptor, step) = Acceptor::on_hello(acceptor_secret, &hello, ACCEPTOR_NONCE);
    if let AcceptorStep::Challenge(nonce) = step {
        let ConnectorStep::Send(proof) =
            connector.on_frame(&hello, connector_secret, &Frame::Challenge(nonce))?
        else {
            panic!("a Challenge is answered with a Proof");
        };
        let secret = acceptor_secret.unwrap();
        if acceptor.on_proof(secret, &proof).is_err() {
            let reject = Frame::Reject(RejectReason::Unauthorized);
            return connector.on_frame(&hello, connector_secret, &reject);
        }
    }
    let welcome = Frame::Welcome(acceptor.welcome(acceptor_secret, "b", cursor));
    connector.on_frame(&hello, connector_secret, &welcome)
}

#[test]
fn both_sides_with_the_secret_or_both_without_establish() {
    assert_eq!(
        run(Some(SECRET), Some(SECRET), 42),
        Ok(ConnectorStep::Established { cursor: 42 })
    );
    assert_eq!(
        run(None, None, 7),
        Ok(ConnectorStep::Established { cursor: 7 })
    );
}

#[test]
fn a_missing_or_wrong_secret_fails_on_the_side_that_checks() {
    let rejected = Err(HandshakeError::Rejected(RejectReason::Unauthorized));
    assert_eq!(run(Some(b"wrong secret"), Some(SECRET), 1), rejected);
    assert_eq!(run(None, Some(SECRET), 1), rejected);
    // An acceptor without the secret never challenges: the connector refuses it.
    assert_eq!(
        run(Some(SECRET), None, 1),
        Err(HandshakeError::Unauthorized)
    );
}

#[test]
fn a_recorded_proof_fails_against_a_fresh_acceptor_nonce() {
    let hello = hello(CONNECTOR_NONCE);
    let recorded = Transcript::new(&hello, &ACCEPTOR_NONCE).connector_proof(SECRET);
    let (acceptor, _) = Acceptor::on_hello(Some(SECRET), &hello, [0x99; NONCE_LEN]);
    assert_eq!(
        acceptor.on_proof(SECRET, &Frame::Proof(Some(recorded))),
        Err(HandshakeError::Unauthorized)
    );
}

#[test]
fn a_recorded_welcome_fails_against_a_fresh_connector_nonce() {
    let old = Transcript::new(&hello(CONNECTOR_NONCE), &ACCEPTOR_NONCE);
    let replayed = Frame::Welcome(Welcome {
        listener_name: "b",
        cursor: 5,
        proof: Some(old.acceptor_proof(SECRET, 5)),
    });
    let fresh = [0x42; NONCE_LEN];
    let mut connector = Connector::new(fresh);
    let hello = hello(fresh);
    connector
        .on_frame(&hello, Some(SECRET), &Frame::Challenge(ACCEPTOR_NONCE))
        .unwrap();
    assert_eq!(
        connector.on_frame(&hello, Some(SECRET), &replayed),
        Err(HandshakeError::Unauthorized)
    );
}

#[test]
fn proofs_are_bound_to_every_identity_and_the_cursor() {
    let base = hello(CONNECTOR_NONCE);
    let proof = Transcript::new(&base, &ACCEPTOR_NONCE).connector_proof(SECRET);
    let others = [
        Hello {
            sender_name: "x",
            ..base
        },
        Hello {
            sender_topic: "x",
            ..base
        },
        Hello {
            listener_name: "x",
            ..base
        },
        Hello {
            connection_key: 301,
            ..base
        },
    ];
    for other in others {
        let transcript = Transcript::new(&other, &ACCEPTOR_NONCE);
        assert_eq!(
            transcript.check_connector(SECRET, Some(&proof)),
            Err(HandshakeError::Unauthorized),
            "{other:?}"
        );
    }
    let transcript = Transcript::new(&base, &ACCEPTOR_NONCE);
    let welcome_proof = transcript.acceptor_proof(SECRET, 10);
    assert!(
        transcript
            .check_acceptor(SECRET, 10, Some(&welcome_proof))
            .is_ok()
    );
    assert_eq!(
        transcript.check_acceptor(SECRET, 11, Some(&welcome_proof)),
        Err(HandshakeError::Unauthorized),
        "a tampered cursor"
    );
    assert_eq!(
        transcript.check_connector(SECRET, Some(&welcome_proof)),
        Err(HandshakeError::Unauthorized),
        "an acceptor proof is no connector proof"
    );
}

#[test]
fn names_cannot_be_shifted_between_fields() {
    // ("ab", "c") and ("a", "bc") must not hash alike: every name carries its length.
    let one = Hello {
        sender_name: "ab",
        sender_topic: "c",
        ..hello(CONNECTOR_NONCE)
    };
    let two = Hello {
        sender_name: "a",
        sender_topic: "bc",
        ..hello(CONNECTOR_NONCE)
    };
    assert_ne!(
        Transcript::new(&one, &ACCEPTOR_NONCE),
        Transcript::new(&two, &ACCEPTOR_NONCE)
    );
}

#[test]
fn frames_out_of_place_are_refused() {
    let hello = hello(CONNECTOR_NONCE);
    let mut connector = Connector::new(CONNECTOR_NONCE);
    for frame in [
        Frame::Ack(1),
        Frame::Bye,
        Frame::Proof(None),
        Frame::Ping(1),
    ] {
        assert_eq!(
            connector.on_frame(&hello, Some(SECRET), &frame),
            Err(HandshakeError::Unexpected)
        );
    }
    connector
        .on_frame(&hello, Some(SECRET), &Frame::Challenge(ACCEPTOR_NONCE))
        .unwrap();
    assert_eq!(
        connector.on_frame(&hello, Some(SECRET), &Frame::Challenge(ACCEPTOR_NONCE)),
        Err(HandshakeError::Unexpected),
        "a second Challenge"
    );
    let welcome = Frame::Welcome(Welcome {
        listener_name: "other",
        cursor: 0,
        proof: None,
    });
    assert_eq!(
        connector.on_frame(&hello, Some(SECRET), &welcome),
        Err(HandshakeError::WrongListener)
    );
    let (acceptor, _) = Acceptor::on_hello(None, &hello, ACCEPTOR_NONCE);
    assert_eq!(
        acceptor.on_proof(SECRET, &Frame::Proof(None)),
        Err(HandshakeError::Unexpected),
        "a Proof nobody asked for"
    );
    let (acceptor, _) = Acceptor::on_hello(Some(SECRET), &hello, ACCEPTOR_NONCE);
    assert_eq!(
        acceptor.on_proof(
            SECRET,
            &Frame::Data(crate::frame::Data {
                seq: 1,
                topic_key: 1,
                flags: 0,
                payload: b""
            })
        ),
        Err(HandshakeError::Unexpected)
    );
}

#[test]
fn a_welcome_cursor_past_max_seq_is_refused() {
    let hello = hello(CONNECTOR_NONCE);
    let mut connector = Connector::new(CONNECTOR_NONCE);
    let welcome = Frame::Welcome(Welcome {
        listener_name: "b",
        cursor: crate::ack::MAX_SEQ + 1,
        proof: None,
    });
    assert_eq!(
        connector.on_frame(&hello, None, &welcome),
        Err(HandshakeError::CursorOutOfRange)
    );
}
