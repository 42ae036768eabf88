#!/usr/bin/env python3
"""At-most-once to an offline peer: the sends are accepted but nothing is parked in Redis and
nothing reaches the peer when it comes back; an at-least-once message sent afterwards does
(so the silence is not a broken channel)."""

import time

from _support import Scenario, check, liner, main

COUNT = 20


def body(s: Scenario) -> None:
    topic = s.name("listener")
    listener, inbox = s.running_listener()
    sender = s.running_sender(topic)
    check(sender.send_to(topic, b"warm-up"), sender.last_error_message())
    check(inbox.wait_for(1), "the warm-up message did not arrive")

    check(listener.stop(), "listener stop")
    for n in range(COUNT):
        accepted = sender.send_to(topic, f"lossy {n}", at_least_once=False)
        # Either accepted for a peer that is away, or refused because its route is gone.
        check(accepted or sender.last_error_code() == liner.LNR_ERR_NO_ADDR,
              f"best-effort send {n}: {sender.last_error_message()}")
    time.sleep(0.5)
    check(s.parked("sender", "sender", "listener") == 0, "best-effort messages parked in Redis")
    check(sender.pending_count() == 0, f"pending_count {sender.pending_count()}")
    by_peer = sender.pending_by_peer()
    check(by_peer is not None and all(p.count == 0 for p in by_peer), f"pending_by_peer {by_peer}")

    check(listener.run(inbox), f"listener rerun: {listener.last_error_message()}")
    check(sender.refresh_address_topic(topic), sender.last_error_message())
    check(sender.send_to(topic, b"durable"), sender.last_error_message())
    check(inbox.wait_for(2), "the at-least-once message after the restart did not arrive")
    time.sleep(0.3)
    check(inbox.payloads() == [b"warm-up", b"durable"],
          f"best-effort messages delivered after the fact: {inbox.payloads()}")


if __name__ == "__main__":
    main("at_most_once_offline", body)
