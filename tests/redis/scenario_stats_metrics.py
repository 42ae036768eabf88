#!/usr/bin/env python3
"""Metrics through the binding: ``Client.stats()`` counts what a listener delivered and
refused and a sender's peers, and ``Client.metrics_text()`` is the Prometheus text of the
same numbers (docs/metrics.md)."""

import re

from _support import Inbox, Scenario, check, main, wait_until

COUNT = 20
REFUSED_ONCE = 5  # message numbers refused once each, then accepted


def body(s: Scenario) -> None:
    listener = s.client("listener")
    fresh = listener.stats()
    check(fresh is not None and all(value == 0 for value in fresh[:10]),
          f"counters of a new client: {fresh}")
    inbox = Inbox()
    refused_once = set()

    def on_message(to: str, from_: str, data: bytes) -> None:
        n = int(data)
        if n < REFUSED_ONCE and n not in refused_once:
            refused_once.add(n)
            raise RuntimeError(f"refusing {n} once (expected by the scenario)")
        inbox(to, from_, data)

    check(listener.run(on_message), listener.last_error_message())
    sender = s.client("sender")
    check(sender.run(None), sender.last_error_message())
    check(sender.refresh_address_topic(s.name("listener")), sender.last_error_message())
    for n in range(COUNT):
        check(sender.send_to(s.name("listener"), str(n)), sender.last_error_message())
    check(inbox.wait_for(COUNT), f"{len(inbox)} of {COUNT} arrived")

    # The library counts a batch of messages after their callbacks returned.
    wait_until(lambda: listener.stats().delivered >= COUNT)
    got = listener.stats()
    check(got is not None, listener.last_error_message())
    check(got.delivered == COUNT, f"delivered {got.delivered} (refused ones not counted): {got}")
    check(got.refused == REFUSED_ONCE, f"refused {got.refused}")
    check(got.listening_topics == 1, f"listening_topics {got.listening_topics}")
    sent = sender.stats()
    check(sent.peers_known == 1 and sent.peers_connected == 1,
          f"sender peers known {sent.peers_known}, connected {sent.peers_connected}")

    text = listener.metrics_text()
    check(text is not None and text.endswith("\n"), f"metrics text {text!r}")
    delivered = re.search(r"^liner_messages_delivered_total\{[^}]*\} (\d+)$", text, re.M)
    check(delivered and int(delivered.group(1)) >= got.delivered,
          f"liner_messages_delivered_total in:\n{text}")
    check("# TYPE liner_peers_connected gauge" in text, f"gauge type line missing:\n{text}")

    check(listener.close(), "close")
    try:
        listener.stats()
    except Exception as error:  # noqa: BLE001 - the binding's LinerError
        check("closed" in str(error), f"stats on a closed client: {error}")
    else:
        check(False, "stats on a closed client did not raise")


if __name__ == "__main__":
    main("stats_metrics", body)
