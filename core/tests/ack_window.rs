//! Scenario tests of the transmit window: one behaviour per test, with hand-checked bytes.

use liner_core::ack::{TxWindow, WindowError};
use liner_core::frame::{
    Data, DecodeError, EncodeError, FLAG_AT_LEAST_ONCE, Frame, encode, encoded_len,
};

const ALO: u8 = FLAG_AT_LEAST_ONCE;
const BE: u8 = 0;

/// The bytes `push_data(seq, 7, flags, payload)` must store.
fn frame(seq: u64, flags: u8, payload: &[u8]) -> Vec<u8> {
    let frame = Frame::Data(Data {
        seq,
        topic_key: 7,
        flags,
        payload,
    });
    let mut out = vec![0; encoded_len(&frame)];
    let n = encode(&frame, &mut out).unwrap();
    assert_eq!(n, out.len());
    out
}

fn window_with(cap: usize, frames: &[(u64, u8)]) -> TxWindow<Vec<u8>> {
    let mut window = TxWindow::new(vec![0; cap]);
    for &(seq, flags) in frames {
        window.push_data(seq, 7, flags, b"payload").unwrap();
    }
    window
}

fn bytes(frames: &[(u64, u8)]) -> Vec<u8> {
    frames
        .iter()
        .flat_map(|&(seq, flags)| frame(seq, flags, b"payload"))
        .collect()
}

fn unacked_seqs<B: AsRef<[u8]> + AsMut<[u8]>>(window: &TxWindow<B>) -> Vec<u64> {
    window.unacked().map(|(seq, _)| seq).collect()
}

#[test]
fn frames_are_stored_encoded_back_to_back() {
    let window = window_with(256, &[(1, ALO), (2, BE), (3, ALO)]);
    assert_eq!(window.unsent(), bytes(&[(1, ALO), (2, BE), (3, ALO)]));
    assert_eq!(window.used(), window.unsent().len());
    assert_eq!(window.last_seq(), Some(3));
}

#[test]
fn best_effort_is_freed_once_written_at_least_once_once_acked() {
    let mut window = window_with(256, &[(1, BE), (2, ALO)]);
    let first = frame(1, BE, b"payload").len();
    window.mark_written(first);
    assert_eq!(window.used(), frame(2, ALO, b"payload").len(), "BE 1 freed");
    window.mark_written(usize::MAX);
    assert!(window.unsent().is_empty());
    assert!(!window.is_empty(), "ALO 2 waits for its ack");
    assert_eq!(window.ack(2), 1);
    assert!(window.is_empty());
}

#[test]
fn written_best_effort_behind_unacked_frame_is_dropped_by_rewind() {
    let mut window = window_with(256, &[(1, ALO), (2, BE), (3, ALO), (4, BE)]);
    window.mark_written(usize::MAX);
    window.rewind();
    assert_eq!(window.unsent(), bytes(&[(1, ALO), (3, ALO)]));
    // Acked before it was resent: skipped, never written again.
    assert_eq!(window.ack(1), 1);
    assert_eq!(window.unsent(), bytes(&[(3, ALO)]));
}

#[test]
fn ack_frees_prefix_up_to_first_unacked_frame() {
    let mut window = window_with(256, &[(1, ALO), (2, BE), (3, ALO), (4, ALO)]);
    window.mark_written(usize::MAX);
    assert_eq!(window.ack(3), 2);
    assert_eq!(unacked_seqs(&window), [4]);
    assert_eq!(window.used(), frame(4, ALO, b"payload").len());
    assert_eq!(window.ack(3), 0, "repeated ack");
    assert_eq!(window.ack(1), 0, "older ack");
    assert_eq!(window.acked_seq(), 3);
}

#[test]
fn ack_of_partly_written_frame_finishes_it_and_skips_unstarted_ones() {
    let mut window = window_with(256, &[(1, ALO), (2, ALO), (3, BE), (4, ALO)]);
    let first = frame(1, ALO, b"payload").len();
    window.mark_written(first + 3);
    assert_eq!(window.ack(3), 2, "1 and 2 confirmed");
    let rest_of_2 = frame(2, ALO, b"payload").split_off(3);
    let mut expected = rest_of_2.clone();
    expected.extend(frame(3, BE, b"payload"));
    expected.extend(frame(4, ALO, b"payload"));
    assert_eq!(
        window.unsent(),
        expected,
        "frame 2 must be finished on the wire"
    );
    window.mark_written(rest_of_2.len());
    assert_eq!(
        window.unsent(),
        frame(4, ALO, b"payload"),
        "acked 3 not sent"
    );
    assert_eq!(unacked_seqs(&window), [4]);
}

#[test]
fn rewind_resends_partly_written_frames_whole() {
    let mut window = window_with(256, &[(1, ALO), (2, BE), (3, BE), (4, ALO)]);
    let two = bytes(&[(1, ALO), (2, BE)]).len();
    window.mark_written(two + 5);
    window.rewind();
    assert_eq!(window.unsent(), bytes(&[(1, ALO), (3, BE), (4, ALO)]));
}

#[test]
fn welcome_cursor_applies_before_or_after_rewind() {
    let frames = [(1, ALO), (2, ALO), (3, BE), (4, ALO)];
    let mut before = window_with(256, &frames);
    let mut after = window_with(256, &frames);
    for window in [&mut before, &mut after] {
        window.mark_written(bytes(&frames[..1]).len() + 2);
    }
    before.ack(2);
    before.rewind();
    after.rewind();
    after.ack(2);
    assert_eq!(before.unsent(), bytes(&[(3, BE), (4, ALO)]));
    assert_eq!(after.unsent(), before.unsent());
}

#[test]
fn ack_above_last_pushed_seq_is_clamped() {
    let mut window = TxWindow::new([0u8; 128]);
    assert_eq!(window.ack(10), 0, "nothing pushed: ignored");
    assert_eq!(window.acked_seq(), 0);
    window.push_data(1, 7, ALO, b"x").unwrap();
    assert_eq!(window.ack(99), 1);
    assert_eq!(window.acked_seq(), 1);
    window.push_data(2, 7, ALO, b"x").unwrap();
    assert_eq!(
        window.unsent(),
        frame(2, ALO, b"x"),
        "2 is not taken as acked"
    );
    assert_eq!(unacked_seqs(&window), [2]);
}

#[test]
fn full_and_too_large_leave_the_window_unchanged() {
    let one = frame(1, ALO, b"payload").len();
    let mut window = window_with(2 * one + 3, &[(1, ALO), (2, ALO)]);
    assert_eq!(
        window.push_data(3, 7, ALO, b"payload"),
        Err(WindowError::Full {
            needed: one,
            free: 3
        })
    );
    assert_eq!(
        window.push_data(3, 7, ALO, &[0; 64]),
        Err(WindowError::TooLarge {
            needed: frame(3, ALO, &[0; 64]).len(),
            capacity: 2 * one + 3
        })
    );
    assert_eq!(window.unsent(), bytes(&[(1, ALO), (2, ALO)]));
    assert_eq!(window.last_seq(), Some(2));
}

#[test]
fn a_frame_wraps_into_room_freed_at_the_front_without_moving_any_byte() {
    let one = frame(1, ALO, b"payload").len();
    let mut window = window_with(3 * one, &[(1, ALO), (2, ALO), (3, ALO)]);
    window.mark_written(one + 1);
    assert_eq!(window.ack(1), 1);
    let unsent_at = window.unsent().as_ptr();
    window.push_data(4, 7, ALO, b"payload").unwrap();
    assert_eq!(window.unsent().as_ptr(), unsent_at, "nothing moved");
    // The unsent bytes come in two pieces: up to the end of the storage, then from its
    // start.
    let mut first_piece = frame(2, ALO, b"payload").split_off(1);
    first_piece.extend(bytes(&[(3, ALO)]));
    assert_eq!(window.unsent(), first_piece);
    assert_eq!(unacked_seqs(&window), [2, 3, 4]);
    assert_eq!(window.used(), window.capacity());
    window.mark_written(first_piece.len());
    assert_eq!(window.unsent(), bytes(&[(4, ALO)]));
    // Acks free the end part; the window is linear again and takes frames at its end.
    window.mark_written(one);
    assert_eq!(window.ack(3), 2);
    window.push_data(5, 7, ALO, b"payload").unwrap();
    window.push_data(6, 7, ALO, b"payload").unwrap();
    assert_eq!(window.unsent(), bytes(&[(5, ALO), (6, ALO)]));
    assert_eq!(unacked_seqs(&window), [4, 5, 6]);
}

#[test]
fn a_rewind_puts_wrapped_frames_back_in_order() {
    let one = frame(1, ALO, b"payload").len();
    let mut window = window_with(3 * one, &[(1, ALO), (2, ALO), (3, BE)]);
    window.mark_written(one);
    assert_eq!(window.ack(1), 1);
    window.push_data(4, 7, ALO, b"payload").unwrap();
    window.mark_written(2 * one);
    window.rewind();
    // The written best-effort frame 3 is dropped; 2 and the wrapped 4 are resent in order.
    assert_eq!(window.unsent(), bytes(&[(2, ALO), (4, ALO)]));
    assert_eq!(unacked_seqs(&window), [2, 4]);
}

/// A window with room at neither end for another big frame, though enough in total: a
/// small frame 1 was freed at the front, the end is a little shorter than a big frame.
fn fragmented_window() -> (TxWindow<Vec<u8>>, usize) {
    let small = frame(1, ALO, b"x").len();
    let big = frame(2, ALO, b"payload").len();
    let mut window = TxWindow::new(vec![0; small + 3 * big + (big - small)]);
    window.push_data(1, 7, ALO, b"x").unwrap();
    for seq in 2..=4 {
        window.push_data(seq, 7, ALO, b"payload").unwrap();
    }
    window.mark_written(small);
    assert_eq!(window.ack(1), 1);
    (window, big)
}

#[test]
fn only_a_best_effort_frame_moves_the_kept_frames_to_make_room() {
    let (mut window, big) = fragmented_window();
    // An at-least-once frame waits for room at either end.
    assert_eq!(
        window.push_data(5, 7, ALO, b"payload"),
        Err(WindowError::Full {
            needed: big,
            free: big
        })
    );
    // A best-effort frame would be dropped instead, so it takes the room now.
    window.push_data(5, 7, BE, b"payload").unwrap();
    assert_eq!(window.used(), window.capacity());
    assert_eq!(
        window.unsent(),
        bytes(&[(2, ALO), (3, ALO), (4, ALO), (5, BE)])
    );
}

#[test]
fn a_pinned_window_appends_and_wraps_but_never_moves_unsent_bytes() {
    let (mut window, _) = fragmented_window();
    window.pin();
    let unsent_at = window.unsent().as_ptr();
    assert_eq!(
        window.push_data(5, 7, BE, b"payload"),
        Err(WindowError::Pinned)
    );
    window.mark_written(frame(2, ALO, b"payload").len());
    assert_eq!(window.ack(2), 1);
    window.push_data(5, 7, ALO, b"payload").unwrap();
    assert_eq!(
        window.unsent().as_ptr(),
        unsent_at.wrapping_add(frame(2, ALO, b"payload").len()),
        "the unsent bytes stayed put"
    );
    assert_eq!(window.unsent(), bytes(&[(3, ALO), (4, ALO)]));
    window.unpin();
    assert_eq!(unacked_seqs(&window), [3, 4, 5]);
}

#[test]
fn seqs_start_at_one_and_strictly_increase() {
    let mut window = TxWindow::new([0u8; 128]);
    assert_eq!(
        window.push_data(0, 7, BE, b""),
        Err(WindowError::SeqNotIncreasing { last: 0, got: 0 })
    );
    window.push_data(5, 7, BE, b"").unwrap();
    assert_eq!(
        window.push_data(5, 7, BE, b""),
        Err(WindowError::SeqNotIncreasing { last: 5, got: 5 })
    );
    window.mark_written(usize::MAX);
    assert!(window.is_empty());
    assert_eq!(
        window.push_encoded(&frame(4, BE, b"")),
        Err(WindowError::SeqNotIncreasing { last: 5, got: 4 }),
        "an empty window still remembers the last seq"
    );
}

#[test]
fn push_data_refuses_unknown_flags() {
    let mut window = TxWindow::new([0u8; 128]);
    assert_eq!(
        window.push_data(1, 7, 0x80, b"x"),
        Err(WindowError::Encode(EncodeError::UnknownFlags(0x80)))
    );
    assert!(window.is_empty());
}

#[test]
fn push_encoded_validates_its_input() {
    let mut window = TxWindow::new([0u8; 256]);
    let data = frame(3, ALO, b"backlog");
    let mut ack = [0u8; 16];
    let ack_len = encode(&Frame::Ack(3), &mut ack).unwrap();
    let mut trailing = data.clone();
    trailing.push(0);
    let cases: [(&[u8], WindowError); 5] = [
        (&ack[..ack_len], WindowError::NotData),
        (
            &data[..data.len() - 1],
            WindowError::Malformed(DecodeError::Truncated),
        ),
        (&[], WindowError::Malformed(DecodeError::Truncated)),
        (&trailing, WindowError::Malformed(DecodeError::Malformed)),
        (
            &[1, 0, 0, 0, 0xee],
            WindowError::Malformed(DecodeError::UnknownKind(0xee)),
        ),
    ];
    for (input, err) in cases {
        assert_eq!(window.push_encoded(input), Err(err), "{input:?}");
    }
    assert!(window.is_empty());
    assert_eq!(window.push_encoded(&data), Ok(3));
    assert_eq!(window.unsent(), data);
    assert_eq!(window.unacked().collect::<Vec<_>>(), [(3, &data[..])]);
}

#[test]
fn clear_forgets_everything_for_the_backlog_drain() {
    let mut window = window_with(256, &[(5, ALO), (6, ALO)]);
    window.mark_written(usize::MAX);
    window.ack(5);
    let spilled: Vec<Vec<u8>> = window.unacked().map(|(_, f)| f.to_vec()).collect();
    assert_eq!(spilled, [frame(6, ALO, b"payload")]);
    window.clear();
    assert!(window.is_empty());
    assert_eq!((window.last_seq(), window.acked_seq()), (None, 0));
    // Reconnected: the backlog (older seqs) goes in first.
    assert_eq!(window.push_encoded(&spilled[0]), Ok(6));
    window.push_data(7, 7, ALO, b"payload").unwrap();
    assert_eq!(window.unsent(), bytes(&[(6, ALO), (7, ALO)]));
}

#[test]
fn borrowed_storage_works_too() {
    let mut storage = [0u8; 64];
    let mut window = TxWindow::new(&mut storage[..]);
    window.push_data(1, 7, BE, b"hi").unwrap();
    assert_eq!(window.capacity(), 64);
    assert_eq!(window.unsent(), frame(1, BE, b"hi"));
}
