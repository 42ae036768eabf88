#!/usr/bin/env python3
"""Concurrent subscribe/unsubscribe while sending: one thread toggles the listener's
subscription to a side topic, another refreshes that topic and sends to it best-effort,
while the main thread streams at-least-once messages to the listener's own topic. The
stream arrives complete and in order, every side-topic delivery is labelled with the side
topic, every toggle succeeds, and the last unsubscribe leaves no catalog row."""

import threading

from _support import Scenario, check, main, wait_until

STREAM = 500
TOGGLES = 50


def body(s: Scenario) -> None:
    home, side = s.name("listener"), s.name("side")
    listener, inbox = s.running_listener()
    sender = s.running_sender(home)

    done = threading.Event()
    toggle_failures = []

    def toggle() -> None:
        for _ in range(TOGGLES):
            if not (listener.subscribe(side) and listener.unsubscribe(side)):
                toggle_failures.append(listener.last_error_message())
        done.set()

    side_sent = [0]

    def poke_side() -> None:
        n = 0
        while not done.is_set():
            sender.refresh_address_topic(side)
            side_sent[0] += sender.send_to(side, f"side {n}", at_least_once=False)
            n += 1

    threads = [threading.Thread(target=toggle), threading.Thread(target=poke_side)]
    for thread in threads:
        thread.start()
    for n in range(STREAM):
        check(sender.send_to(home, f"home {n}"), f"send {n}: {sender.last_error_message()}")
    for thread in threads:
        thread.join()

    check(not toggle_failures, f"subscribe/unsubscribe failed: {toggle_failures[:3]}")
    home_count = lambda: sum(1 for to, _, _ in inbox.items() if to == home)  # noqa: E731
    check(wait_until(lambda: home_count() >= STREAM), f"{home_count()} of {STREAM} arrived")
    stream = [data.decode() for to, _, data in inbox.items() if to == home]
    check(stream == [f"home {n}" for n in range(STREAM)], "the stream lost, repeated or reordered")
    strays = [(to, data) for to, _, data in inbox.items() if to not in (home, side)]
    check(not strays, f"messages under unknown topics: {strays[:3]}")
    side_received = [data for to, _, data in inbox.items() if to == side]
    check(all(data.startswith(b"side ") for data in side_received), "home data under the side topic")
    check(listener.list_addresses(side) == [], f"rows left: {listener.list_addresses(side)}")
    print(f"side topic: {side_sent[0]} sends accepted, {len(side_received)} delivered")


if __name__ == "__main__":
    main("concurrent_sub_unsub", body)
