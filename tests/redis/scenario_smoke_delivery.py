#!/usr/bin/env python3
"""Smoke: a client asks, an echo peer answers from inside its receive callback.

Also checks what the binding reports around it: catalog rows, bound and published
addresses, unique names, the callback's `to`/`from` topics, str payloads sent as UTF-8.
"""

from _support import Inbox, Scenario, check, main

COUNT = 10


def body(s: Scenario) -> None:
    echo = s.client("echo")
    echo_topic, asker_topic = s.name("echo"), s.name("asker")
    seen_by_echo = Inbox()
    failed_replies = []

    def on_message(to: str, from_: str, data: bytes) -> None:
        seen_by_echo(to, from_, data)
        if not echo.send_to(from_, b"echo:" + data):
            failed_replies.append(echo.last_error_message())

    check(echo.run(on_message), f"echo run: {echo.last_error_message()}")
    check(echo.is_running(), "echo reports not running after run")
    check(echo.unique_name() == s.name("echo"), f"unique_name {echo.unique_name()!r}")
    published = echo.published_addr()
    check(published and published == echo.bound_listen_addr(),
          f"published {published!r} vs bound {echo.bound_listen_addr()!r}")
    rows = echo.list_addresses(echo_topic)
    check(rows == [(published, s.name("echo"))], f"catalog rows of the echo topic: {rows}")

    replies = Inbox()
    asker = s.client("asker")
    check(asker.run(replies), f"asker run: {asker.last_error_message()}")
    check(asker.refresh_address_topic(echo_topic), asker.last_error_message())
    for n in range(COUNT):
        check(asker.send_to(echo_topic, f"ping {n}"), f"send {n}: {asker.last_error_message()}")

    check(replies.wait_for(COUNT), f"{len(replies)} of {COUNT} echoes arrived; {failed_replies}")
    check(not failed_replies, f"echo replies refused: {failed_replies}")
    check(replies.texts() == [f"echo:ping {n}" for n in range(COUNT)], f"echoes {replies.texts()}")
    check(all(to == asker_topic and from_ == echo_topic for to, from_, _ in replies.items()),
          f"reply topics {[(to, f) for to, f, _ in replies.items()][:3]}")
    check(all(to == echo_topic and from_ == asker_topic for to, from_, _ in seen_by_echo.items()),
          f"request topics {[(to, f) for to, f, _ in seen_by_echo.items()][:3]}")

    check(asker.stop() and not asker.is_running(), "asker stop")
    check(asker.published_addr() is None, "published address kept after stop")
    check(asker.bound_listen_addr() is not None, "bound address lost after stop")


if __name__ == "__main__":
    main("smoke", body)
