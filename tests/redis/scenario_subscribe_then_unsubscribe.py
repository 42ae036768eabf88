#!/usr/bin/env python3
"""Subscribe then unsubscribe before run: the unsubscribed topic is never registered (no
catalog row, refreshing and sending to it fail with NO_ADDR) while a topic that stays
subscribed and the client's own topic work."""

from _support import Inbox, Scenario, check, liner, main


def body(s: Scenario) -> None:
    dropped, kept, home = s.name("dropped"), s.name("kept"), s.name("listener")
    inbox = Inbox()
    listener = s.client("listener")
    check(listener.subscribe(dropped) and listener.subscribe(kept), "subscribe before run")
    check(listener.unsubscribe(dropped), f"unsubscribe: {listener.last_error_message()}")
    check(listener.run(inbox), f"listener run: {listener.last_error_message()}")

    check(listener.list_addresses(dropped) == [], f"rows of {dropped}: {listener.list_addresses(dropped)}")
    check(listener.list_addresses(kept) == [(listener.published_addr(), s.name("listener"))],
          f"rows of {kept}: {listener.list_addresses(kept)}")

    sender = s.client("sender")
    check(sender.run(None), f"sender run: {sender.last_error_message()}")
    check(not sender.refresh_address_topic(dropped), "refresh of the unsubscribed topic succeeded")
    check(sender.last_error_code() == liner.LNR_ERR_NO_ADDR, sender.last_error_message())
    for topic in (kept, home):
        check(sender.refresh_address_topic(topic), sender.last_error_message())
    check(not sender.send_to(dropped, b"nobody"), "send to the unsubscribed topic accepted")
    check(sender.last_error_code() == liner.LNR_ERR_NO_ADDR,
          f"error {sender.last_error_code()}: {sender.last_error_message()}")
    check(sender.send_to(kept, b"to kept"), sender.last_error_message())
    check(sender.send_to(home, b"to home"), sender.last_error_message())
    check(inbox.wait_for(2), f"{len(inbox)} of 2 arrived")
    check([(to, data) for to, _, data in inbox.items()] == [(kept, b"to kept"), (home, b"to home")],
          f"received {inbox.items()}")


if __name__ == "__main__":
    main("subscribe_then_unsubscribe", body)
