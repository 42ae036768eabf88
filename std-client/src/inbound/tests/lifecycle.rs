//! Stopping and running again: cursors saved synchronously, Bye to senders, the `Poll`
//! handed back and usable for the next run.

use super::*;

#[test]
fn stop_saves_every_cursor_says_bye_and_returns_a_reusable_poll() {
    let mut rig = Rig::start(config());
    let mut open = rig.connect();
    open.handshake(51);
    open.send(&[data(1, b"a"), data(2, b"b")]);
    assert_eq!(open.acks_until(2), [2]);
    let mut closed = rig.connect();
    closed.handshake(52);
    closed.send(&[data(7, b"c")]);
    assert_eq!(closed.acks_until(7), [7]);
    // Closed or not yet noticed as closed: either way its cursor must be saved at stop.
    drop(closed);

    let poll = rig.stop();
    assert_eq!(open.recv(), Got::Bye);
    assert_eq!(open.recv(), Got::Closed);
    assert_eq!(rig.store.get(51), Some(2));
    assert_eq!(rig.store.get(52), Some(7));

    // Run again on the returned Poll (its waker is still registered) with a fresh thread:
    // the cursors now come from the store.
    let socket = mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    rig.addr = socket.local_addr().unwrap();
    rig.shared.running.store(true, Ordering::Release);
    let sink = rig.delivered.clone();
    let on_message: ReceiveCallback = Box::new(move |to, from, payload| {
        sink.lock().unwrap().push(Delivered {
            to: to.into(),
            from: from.into(),
            payload: payload.into(),
        });
    });
    let thread = spawn_with(
        rig.shared.clone(),
        poll,
        socket,
        rig.store.clone(),
        infallible(on_message),
    );
    rig.thread = Some(thread.unwrap());
    let mut again = rig.connect();
    assert_eq!(again.handshake(51), 2);
    again.send(&[data(2, b"b"), data(3, b"d")]);
    assert_eq!(again.acks_until(3), [3]);
    assert_eq!(
        rig.payloads(),
        [b"a".to_vec(), b"b".to_vec(), b"c".to_vec(), b"d".to_vec()]
    );
    rig.stop();
    assert_eq!(rig.store.get(51), Some(3));
}

#[test]
fn a_failed_save_at_stop_is_reported() {
    let mut rig = Rig::start(config());
    let mut peer = rig.connect();
    peer.handshake(61);
    peer.send(&[data(1, b"a")]);
    assert_eq!(peer.acks_until(1), [1]);
    rig.store.failing.store(true, Ordering::SeqCst);
    rig.stop();
    let reports = rig.reports_of(StatusKind::ListenerStoreError);
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].message.contains("61"), "{reports:?}");
}
