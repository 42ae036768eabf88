#!/usr/bin/env python3
"""Refused messages come again: the receive callback raises on the first attempt of every
10th message. Every message is accepted exactly once and in the order sent, each refused one
is handed over exactly twice (the exception refuses it, it is not lost and not skipped), and
nothing stays parked."""

import threading

from _support import Scenario, check, main, wait_until

COUNT = 100
REFUSE_EVERY = 10


class RefusingInbox:
    """Raises on the first attempt of every ``REFUSE_EVERY``-th message, records the rest."""

    def __init__(self) -> None:
        self.attempts = [0] * COUNT
        self.accepted = []
        self._lock = threading.Lock()

    def __call__(self, _to: str, _from: str, data: bytes) -> None:
        n = int(data)
        with self._lock:
            self.attempts[n] += 1
            if n % REFUSE_EVERY == REFUSE_EVERY - 1 and self.attempts[n] == 1:
                raise RuntimeError(f"refusing message {n} once (expected by the scenario)")
            self.accepted.append(n)

    def accepted_count(self) -> int:
        with self._lock:
            return len(self.accepted)


def body(s: Scenario) -> None:
    inbox = RefusingInbox()
    listener = s.client("listener")
    check(listener.run(inbox), f"listener run: {listener.last_error_message()}")
    sender = s.running_sender(s.name("listener"))

    for n in range(COUNT):
        sent = sender.send_to(s.name("listener"), str(n))
        check(sent, f"send {n}: {sender.last_error_message()}")

    check(wait_until(lambda: inbox.accepted_count() >= COUNT),
          f"{inbox.accepted_count()} of {COUNT} accepted")
    check(wait_until(lambda: sender.pending_count() == 0),
          f"{sender.pending_count()} still pending in the store")
    check(listener.stop(), listener.last_error_message())  # the callback is done: lists are final
    check(inbox.accepted == list(range(COUNT)),
          f"not exactly 0..{COUNT - 1} in order: {len(inbox.accepted)} accepted, first wrong at "
          f"{next((i for i, n in enumerate(inbox.accepted) if n != i), len(inbox.accepted))}")
    expected = [2 if n % REFUSE_EVERY == REFUSE_EVERY - 1 else 1 for n in range(COUNT)]
    wrong = [(n, got) for n, (got, want) in enumerate(zip(inbox.attempts, expected)) if got != want]
    check(not wrong, f"(message, attempts) handed over other than expected: {wrong[:5]}")


if __name__ == "__main__":
    main("refused_redelivered", body)
