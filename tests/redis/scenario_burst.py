#!/usr/bin/env python3
"""Burst: LINER_TEST_BURST_N (default 1000) at-least-once messages sent back to back all
arrive, once each and in order, and nothing is left in the store afterwards."""

import os

from _support import Scenario, check, main, wait_until


def body(s: Scenario) -> None:
    count = int(os.environ.get("LINER_TEST_BURST_N", "1000"))
    listener, inbox = s.running_listener()
    sender = s.running_sender(s.name("listener"))

    for n in range(count):
        check(sender.send_to(s.name("listener"), n.to_bytes(4, "big") * 16),
              f"send {n}: {sender.last_error_message()}")

    check(inbox.wait_for(count), f"{len(inbox)} of {count} arrived")
    check(wait_until(lambda: sender.pending_count() == 0),
          f"{sender.pending_count()} still pending in the store")
    received = [int.from_bytes(data[:4], "big") for data in inbox.payloads()]
    check(received == list(range(count)),
          f"not exactly 0..{count - 1} in order: {len(received)} received, first wrong at "
          f"{next((i for i, n in enumerate(received) if n != i), len(received))}")


if __name__ == "__main__":
    main("burst", body)
