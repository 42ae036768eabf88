#!/usr/bin/env python3
"""No duplicate on listener restart: after the listener is stopped and run again, and after
it is closed and re-created under the same unique name (its cursor then comes from Redis),
the sender's stream continues where it was; nothing already delivered comes again."""

import time

from _support import Scenario, check, main, wait_until

BATCH = 100


def body(s: Scenario) -> None:
    topic = s.name("listener")
    listener, inbox = s.running_listener()
    sender = s.running_sender(topic)

    def send_batch(batch: int) -> None:
        for n in range(batch * BATCH, (batch + 1) * BATCH):
            check(sender.send_to(topic, f"m{n}"), f"send {n}: {sender.last_error_message()}")
        check(inbox.wait_for((batch + 1) * BATCH), f"{len(inbox)} arrived after batch {batch}")

    send_batch(0)
    check(listener.stop(), "listener stop")
    check(listener.run(inbox), f"listener rerun: {listener.last_error_message()}")
    send_batch(1)

    listener.close()
    listener = s.client("listener")
    check(listener.run(inbox), f"re-created listener run: {listener.last_error_message()}")
    send_batch(2)

    check(wait_until(lambda: sender.pending_count() == 0), f"pending {sender.pending_count()}")
    time.sleep(0.5)  # room for a late duplicate to show up
    check(inbox.texts() == [f"m{n}" for n in range(3 * BATCH)],
          f"{len(inbox)} received for {3 * BATCH} sent (duplicates or reordering)")


if __name__ == "__main__":
    main("no_duplicate_listener_restart", body)
