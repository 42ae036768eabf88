#!/usr/bin/env python3
"""send_all to two offline listeners of one topic: each gets its own queue in Redis holding
every message; when the first returns only its queue drains, then the second's; each
listener receives every message once, in order."""

from _support import Inbox, Scenario, check, main, wait_until

COUNT = 20


def body(s: Scenario) -> None:
    topic = s.name("shared")
    inboxes = {"one": Inbox(), "two": Inbox()}
    listeners = {role: s.client(role, "shared") for role in inboxes}
    for role, listener in listeners.items():
        check(listener.run(inboxes[role]), f"{role} run: {listener.last_error_message()}")
    sender = s.running_sender(topic)
    rows = sender.list_addresses(topic)
    check(sorted(name for _, name in rows) == [s.name("one"), s.name("two")], f"rows {rows}")

    for listener in listeners.values():
        check(listener.stop(), "listener stop")
    for n in range(COUNT):
        check(sender.send_all(topic, f"all {n}"), f"send_all {n}: {sender.last_error_message()}")

    parked = lambda role: s.parked("sender", "sender", role)  # noqa: E731
    check(wait_until(lambda: parked("one") == COUNT and parked("two") == COUNT),
          f"parked: one {parked('one')}, two {parked('two')}")
    queues = {s.queue_key("sender", "sender", role) for role in listeners}
    check(len(queues) == 2, f"the listeners share a queue: {queues}")
    by_peer = sorted((p.unique_name, p.count) for p in sender.pending_by_peer() or [])
    check(by_peer == [(s.name("one"), COUNT), (s.name("two"), COUNT)], f"pending_by_peer {by_peer}")

    expected = [f"all {n}" for n in range(COUNT)]
    check(listeners["one"].run(inboxes["one"]), "listener one rerun")
    check(inboxes["one"].wait_for(COUNT), f"one got {len(inboxes['one'])}")
    check(wait_until(lambda: parked("one") == 0), f"one's queue holds {parked('one')}")
    check(parked("two") == COUNT and len(inboxes["two"]) == 0, "two's queue drained while it was away")

    check(listeners["two"].run(inboxes["two"]), "listener two rerun")
    check(inboxes["two"].wait_for(COUNT), f"two got {len(inboxes['two'])}")
    check(wait_until(lambda: parked("two") == 0), f"two's queue holds {parked('two')}")
    check(wait_until(lambda: sender.pending_count() == 0), f"pending {sender.pending_count()}")
    for role, inbox in inboxes.items():
        check(inbox.texts() == expected, f"{role} received {inbox.texts()}")


if __name__ == "__main__":
    main("send_all_offline", body)
