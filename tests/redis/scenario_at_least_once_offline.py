#!/usr/bin/env python3
"""At-least-once to an offline peer: the messages are parked, in order, in the channel's list
`lnr_connection:{ck}:messages`; pending_count/pending_by_peer report them; when the peer
returns they are delivered once each, in order, and the list drains to empty."""

from _support import Scenario, check, main, wait_until

COUNT = 50


def body(s: Scenario) -> None:
    topic = s.name("listener")
    listener, inbox = s.running_listener()
    sender = s.running_sender(topic)
    check(sender.send_to(topic, b"online"), sender.last_error_message())
    check(inbox.wait_for(1), "the online message did not arrive")

    check(listener.stop(), "listener stop")
    for n in range(COUNT):
        check(sender.send_to(topic, f"parked {n}"), f"send {n}: {sender.last_error_message()}")

    queue = s.queue_key("sender", "sender", "listener")
    check(queue is not None, "no connection key for the sender -> listener channel")
    check(wait_until(lambda: s.redis.llen(queue) == COUNT),
          f"{s.redis.llen(queue)} of {COUNT} parked in {queue}")
    parked = [raw for raw in s.redis.command("LRANGE", queue, 0, -1)]
    check(all(f"parked {n}".encode() in raw for n, raw in enumerate(parked)),
          "the parked list is not in send order (or does not hold the payloads)")
    check(sender.pending_count() == COUNT, f"pending_count {sender.pending_count()}")
    by_peer = sender.pending_by_peer()
    check(by_peer is not None and len(by_peer) == 1, f"pending_by_peer {by_peer}")
    check(by_peer[0].unique_name == s.name("listener") and by_peer[0].count == COUNT,
          f"pending_by_peer {by_peer}")
    check(len(inbox) == 1, "parked messages reached a stopped listener")

    check(listener.run(inbox), f"listener rerun: {listener.last_error_message()}")
    check(inbox.wait_for(1 + COUNT), f"{len(inbox) - 1} of {COUNT} parked messages arrived")
    check(wait_until(lambda: s.redis.llen(queue) == 0), f"{s.redis.llen(queue)} left in {queue}")
    check(wait_until(lambda: sender.pending_count() == 0), f"pending {sender.pending_count()}")
    check(inbox.texts() == ["online"] + [f"parked {n}" for n in range(COUNT)],
          f"received {inbox.texts()}")


if __name__ == "__main__":
    main("at_least_once_offline", body)
