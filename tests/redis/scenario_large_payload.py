#!/usr/bin/env python3
"""A 2 MiB payload arrives intact, both live and after being parked in Redis while the
listener was stopped; one above the configured maximum is refused with INVALID_ARG."""

import hashlib
import os

from _support import Scenario, check, liner, main, wait_until

SIZE = 2 * 1024 * 1024


def body(s: Scenario) -> None:
    topic = s.name("listener")
    check(liner.get_max_message_size() >= SIZE, f"max message size {liner.get_max_message_size()}")
    live, parked = os.urandom(SIZE), os.urandom(SIZE)
    listener, inbox = s.running_listener()
    sender = s.running_sender(topic)

    check(sender.send_to(topic, bytearray(live)), f"live send: {sender.last_error_message()}")
    check(inbox.wait_for(1), "the live 2 MiB message did not arrive")

    check(listener.stop(), "listener stop")
    check(sender.send_to(topic, parked), f"offline send: {sender.last_error_message()}")
    check(wait_until(lambda: sender.pending_count() == 1), f"pending {sender.pending_count()}")
    check(listener.run(inbox), f"listener rerun: {listener.last_error_message()}")
    check(inbox.wait_for(2), "the parked 2 MiB message did not arrive")
    digests = [hashlib.sha256(data).hexdigest() for data in inbox.payloads()]
    check(digests == [hashlib.sha256(live).hexdigest(), hashlib.sha256(parked).hexdigest()],
          f"payloads changed on the way: sizes {[len(d) for d in inbox.payloads()]}")

    previous = liner.get_max_message_size()
    check(liner.set_max_message_size(SIZE - 1), "set_max_message_size")
    try:
        check(not sender.send_to(topic, live), "a payload above the maximum was accepted")
        check(sender.last_error_code() == liner.LNR_ERR_INVALID_ARG,
              f"error {sender.last_error_code()}: {sender.last_error_message()}")
    finally:
        liner.set_max_message_size(previous)
    check(not liner.set_max_message_size(0), "a maximum of 0 was accepted")


if __name__ == "__main__":
    main("large_payload", body)
