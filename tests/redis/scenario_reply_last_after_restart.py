#!/usr/bin/env python3
"""Reply to the last message after a restart: the requester sends while the responder is
away and goes away itself; the responder restarts and echoes what it receives; the
requester restarts (same unique name), its parked request is delivered, and the reply sent
from inside the responder's callback reaches the restarted requester. Both queues drain."""

from _support import Inbox, Scenario, check, main, wait_until


def body(s: Scenario) -> None:
    responder_topic, requester_topic = s.name("responder"), s.name("requester")
    responder = s.client("responder")
    check(responder.run(None), f"responder run: {responder.last_error_message()}")
    requester = s.client("requester")
    check(requester.run(None), f"requester run: {requester.last_error_message()}")
    check(requester.refresh_address_topic(responder_topic), requester.last_error_message())
    check(responder.stop(), "responder stop")

    for n in range(3):
        check(requester.send_to(responder_topic, f"request {n}"), requester.last_error_message())
    check(wait_until(lambda: s.parked("requester", "requester", "responder") == 3),
          "the requests were not parked")
    requester.close()

    responder.close()
    responder = s.client("responder")
    seen = Inbox()
    failed_replies = []

    def echo_last(to: str, from_: str, data: bytes) -> None:
        seen(to, from_, data)
        if data == b"request 2" and not responder.send_to(from_, b"reply to " + data):
            failed_replies.append(responder.last_error_message())

    check(responder.run(echo_last), f"responder restart: {responder.last_error_message()}")
    replies = Inbox()
    requester = s.client("requester")
    check(requester.run(replies), f"requester restart: {requester.last_error_message()}")

    check(seen.wait_for(3), f"{len(seen)} of 3 parked requests reached the responder")
    check(replies.wait_for(1), f"no reply arrived; reply errors: {failed_replies}")
    check(replies.payloads() == [b"reply to request 2"], f"replies {replies.payloads()}")
    check(seen.texts() == [f"request {n}" for n in range(3)], f"requests seen {seen.texts()}")
    check(wait_until(lambda: s.parked("requester", "requester", "responder") == 0),
          "the request queue did not drain")
    check(wait_until(lambda: requester.pending_count() == 0 and responder.pending_count() == 0),
          "messages still pending")


if __name__ == "__main__":
    main("reply_last_after_restart", body)
