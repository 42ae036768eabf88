#!/usr/bin/env python3
"""The shared secret from Python: a listener and a sender created after ``set_secret`` deliver
to each other; a sender without the secret gets nothing delivered — both sides report
``LNR_PEER_UNAUTHORIZED`` — and loses nothing either: its at-least-once messages stay parked,
and the same sender restarted with the secret delivers every one of them, in order."""

import threading

from _support import Inbox, Scenario, check, liner, main, wait_until

SECRET = "a shared secret of more than sixteen bytes"
COUNT = 20


class Statuses:
    """Status kinds a client reported, thread-safe."""

    def __init__(self) -> None:
        self.kinds = []
        self._lock = threading.Lock()

    def __call__(self, kind: int, _topic: str, _peer: str, _message: str) -> None:
        with self._lock:
            self.kinds.append(kind)

    def saw(self, kind: int) -> bool:
        with self._lock:
            return kind in self.kinds


def body(s: Scenario) -> None:
    check(not liner.set_secret("too short"), "a secret under 16 bytes is refused")
    check(liner.set_secret(SECRET) and liner.has_secret(), "set_secret")
    listener_status = Statuses()
    listener = s.client("listener")
    listener.set_status_callback(listener_status)
    inbox = Inbox()
    check(listener.run(inbox), f"listener run: {listener.last_error_message()}")
    topic = s.name("listener")

    # A sender without the secret: refused, reported on both sides, messages kept.
    check(liner.set_secret(None) and not liner.has_secret(), "clearing the secret")
    outsider_status = Statuses()
    outsider = s.client("sender")
    outsider.set_status_callback(outsider_status)
    check(outsider.run(None), outsider.last_error_message())
    check(outsider.refresh_address_topic(topic), outsider.last_error_message())
    for n in range(COUNT // 2):
        check(outsider.send_to(topic, f"{n}"), outsider.last_error_message())
    check(wait_until(lambda: outsider_status.saw(liner.LNR_PEER_UNAUTHORIZED)),
          f"the sender without the secret reported {outsider_status.kinds}")
    check(wait_until(lambda: listener_status.saw(liner.LNR_PEER_UNAUTHORIZED)),
          f"the listener reported {listener_status.kinds}")
    check(outsider.stop(), outsider.last_error_message())
    check(len(inbox) == 0, f"delivered without the secret: {inbox.texts()}")
    check(s.parked("sender", "sender", "listener") == COUNT // 2,
          f"parked: {s.parked('sender', 'sender', 'listener')} of {COUNT // 2}")
    outsider.close()

    # The same sender with the secret delivers the parked messages first, then new ones.
    check(liner.set_secret(SECRET), "set_secret again")
    sender = s.running_sender(topic)
    for n in range(COUNT // 2, COUNT):
        check(sender.send_to(topic, f"{n}"), sender.last_error_message())
    check(inbox.wait_for(COUNT), f"{len(inbox)} of {COUNT} delivered")
    check(inbox.texts() == [str(n) for n in range(COUNT)], f"order: {inbox.texts()}")
    liner.config_reset()


if __name__ == "__main__":
    main("shared_secret", body)
