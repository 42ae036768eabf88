#!/usr/bin/env python3
"""Subscribe and unsubscribe while running: a topic subscribed at runtime gets a catalog row
and receives; after unsubscribe at runtime the row is gone, a sender's refresh and its
best-effort sends fail with NO_ADDR, and the client's own topic keeps working."""

from _support import Scenario, check, liner, main, wait_until


def body(s: Scenario) -> None:
    extra, home = s.name("extra"), s.name("listener")
    listener, inbox = s.running_listener()
    check(listener.subscribe(extra), f"subscribe at runtime: {listener.last_error_message()}")
    check(listener.list_addresses(extra) == [(listener.published_addr(), s.name("listener"))],
          f"rows of {extra}: {listener.list_addresses(extra)}")

    sender = s.running_sender(extra)
    check(sender.send_to(extra, b"while subscribed"), sender.last_error_message())
    check(inbox.wait_for(1), "the message to the runtime subscription did not arrive")
    check(inbox.items()[0][0] == extra, f"delivered to {inbox.items()[0][0]!r}")

    check(listener.unsubscribe(extra), f"unsubscribe at runtime: {listener.last_error_message()}")
    check(listener.list_addresses(extra) == [], f"rows left: {listener.list_addresses(extra)}")
    check(not sender.refresh_address_topic(extra), "refresh of a topic without address succeeded")
    check(sender.last_error_code() == liner.LNR_ERR_NO_ADDR, sender.last_error_message())
    check(wait_until(lambda: not sender.send_to(extra, b"after unsubscribe", at_least_once=False)
                     and sender.last_error_code() == liner.LNR_ERR_NO_ADDR),
          f"sends to the unsubscribed topic still accepted: {sender.last_error_message()}")

    check(sender.refresh_address_topic(home), sender.last_error_message())
    check(sender.send_to(home, b"home"), sender.last_error_message())
    check(wait_until(lambda: b"home" in inbox.payloads()), "the home topic stopped working")
    check(b"after unsubscribe" not in inbox.payloads(),
          "a message sent after unsubscribe and refresh was delivered")


if __name__ == "__main__":
    main("unsubscribe_runtime", body)
