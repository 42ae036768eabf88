#!/usr/bin/env python3
"""The Python binding's own contract, call by call: constructor failures raise LinerError
with the library's reason, each documented error code comes back through last_error_code,
payload types, limits, the Redis CA file setting, log and status callbacks, addresses, close
and the context manager."""

import threading
from pathlib import Path

from _support import Inbox, Scenario, check, liner, main


def expect_error(client: liner.Client, ok: bool, code: int, what: str) -> None:
    check(not ok, f"{what}: accepted")
    check(client.last_error_code() == code,
          f"{what}: code {liner.ERROR_NAMES.get(client.last_error_code())} "
          f"({client.last_error_message()}), expected {liner.ERROR_NAMES[code]}")
    check(client.last_error_message() != "", f"{what}: empty error message")


def constructor_failures(s: Scenario) -> None:
    for args, reason in [
        (("", "t", "127.0.0.1:0", s.url), "unique_name"),
        ((s.name("bad:name"), "t", "127.0.0.1:0", s.url), "':'"),
        ((s.name("x"), "t", "127.0.0.1:0", "redis://127.0.0.1:1/"), "127.0.0.1:1"),
    ]:
        try:
            liner.Client(*args)
        except liner.LinerError as error:
            check(reason in str(error), f"constructor error {str(error)!r} lacks {reason!r}")
        else:
            check(False, f"Client{args} did not raise")


def log_callback_sees_lines(s: Scenario) -> None:
    lines = []
    liner.set_log_callback(lines.append)
    try:
        liner.Client(s.name("y"), "t", "127.0.0.1:0", "redis://127.0.0.1:1/")
    except liner.LinerError:
        pass
    finally:
        liner.set_log_callback(None)
    check(any("127.0.0.1:1" in line for line in lines), f"log lines {lines}")


def limits() -> None:
    for setter, getter in [
        (liner.set_max_message_size, liner.get_max_message_size),
        (liner.set_compress_threshold, liner.get_compress_threshold),
    ]:
        before = getter()
        check(setter(4096) and getter() == 4096, f"{setter.__name__}(4096)")
        check(not setter(0) and getter() == 4096, f"{setter.__name__}(0) accepted")
        check(setter(before), f"restoring {setter.__name__}")
    default_queue = liner.get_max_send_queue()
    check(default_queue > 0, f"max send queue {default_queue}")
    check(liner.set_max_send_queue(2 * default_queue), "set_max_send_queue")
    check(liner.get_max_send_queue() == 2 * default_queue, "get_max_send_queue")
    check(liner.set_max_send_queue(0) and liner.get_max_send_queue() == default_queue,
          "set_max_send_queue(0) does not restore the default")


def redis_ca_file(s: Scenario) -> None:
    """config_set("redis_ca_file", …): used for rediss:// (a missing file is named), cleared
    by None and by config_reset, not readable back."""
    missing = Path("/nonexistent") / f"{s.name('ca')}.pem"

    def creation_error() -> str:
        try:
            liner.Client(s.name("tls"), "t", "127.0.0.1:0", "rediss://127.0.0.1:1/")
        except liner.LinerError as error:
            return str(error)
        check(False, "a rediss:// client to port 1 was created")
        return ""

    check(str(missing) not in creation_error(), "a CA file named before any was set")
    check(liner.config_set("redis_ca_file", missing), "config_set(redis_ca_file, Path)")
    check(str(missing) in creation_error(), "the CA file set is not used")
    check(liner.config_set("redis_ca_file", None), "config_set(redis_ca_file, None)")
    check(str(missing) not in creation_error(), "None did not clear the CA file")
    check(liner.config_set("redis_ca_file", str(missing)) and liner.config_reset(),
          "config_set(redis_ca_file, str) then config_reset")
    check(str(missing) not in creation_error(), "config_reset did not clear the CA file")
    for wrong, error in [(5, TypeError), ("a\0b", ValueError)]:
        try:
            liner.config_set("redis_ca_file", wrong)
        except error:
            pass
        else:
            check(False, f"config_set(redis_ca_file, {wrong!r}) did not raise {error.__name__}")
    try:
        liner.config_get("redis_ca_file")
    except ValueError:
        pass
    else:
        check(False, "config_get(redis_ca_file) did not raise ValueError")


def client_errors(s: Scenario) -> None:
    c = s.client("api")
    expect_error(c, c.send_to(s.name("peer"), b"x"), liner.LNR_ERR_NOT_RUNNING, "send before run")
    check(c.set_advertise_addr("127.0.0.1:0"), f"set_advertise_addr: {c.last_error_message()}")
    check(c.advertise_addr() == "127.0.0.1:0", f"advertise_addr {c.advertise_addr()!r}")
    check(c.bound_listen_addr() is None and c.published_addr() is None, "addresses before run")
    check(c.run(None), f"run: {c.last_error_message()}")
    check(c.last_error_code() == liner.LNR_OK and c.last_error_message() == "", "OK after run")
    check(c.run(None), "a second run is not idempotent")
    bound_port = c.bound_listen_addr().rsplit(":", 1)[1]
    check(c.published_addr() == f"127.0.0.1:{bound_port}", f"published {c.published_addr()!r}")
    expect_error(c, c.set_advertise_addr(None), liner.LNR_ERR_ALREADY_RUNNING, "advertise while running")
    expect_error(c, c.send_to(s.name("api"), b"x"), liner.LNR_ERR_SELF_TOPIC, "send to own topic")
    expect_error(c, c.send_to("lnr_internal", b"x"), liner.LNR_ERR_INTERNAL_TOPIC, "internal topic")
    expect_error(c, c.send_to(s.name("nobody"), b"x"), liner.LNR_ERR_NO_ADDR, "topic nobody serves")
    expect_error(c, c.send_to(s.name("nobody"), b""), liner.LNR_ERR_INVALID_ARG, "empty payload")
    expect_error(c, c.clear_stored_messages(), liner.LNR_ERR_CLEAR_WHILE_RUNNING, "clear while running")
    expect_error(c, c.clear_addresses_of_topic(), liner.LNR_ERR_CLEAR_WHILE_RUNNING, "clear while running")
    check(c.pending_count() == 0 and c.pending_by_peer() == [], "pending on a fresh client")
    for bad in (42, None, [1, 2]):
        try:
            c.send_to(s.name("nobody"), bad)
        except TypeError:
            continue
        check(False, f"send_to accepted data of type {type(bad).__name__}")
    check(c.stop() and c.stop(), "stop is not idempotent")
    check(c.clear_stored_messages() and c.clear_addresses_of_topic(), "clear while stopped")
    check(c.close() and not c.close(), "close is not True once, then False")
    try:
        c.is_running()
    except liner.LinerError:
        pass
    else:
        check(False, "a closed client did not raise LinerError")


def status_and_context_manager(s: Scenario) -> None:
    events = []
    got_connected = threading.Event()

    def on_status(kind, topic, peer, message):
        events.append((kind, topic, peer, message))
        if kind == liner.LNR_PEER_CONNECTED:
            got_connected.set()

    inbox = Inbox()
    with s.client("ctx_listener") as listener, s.client("ctx_sender") as sender:
        check(listener.run(inbox), listener.last_error_message())
        check(sender.set_status_callback(on_status), "set_status_callback")
        check(sender.run(None), sender.last_error_message())
        check(sender.send_to(s.name("ctx_listener"), "héllo"), sender.last_error_message())
        check(inbox.wait_for(1), "no delivery")
        check(inbox.payloads() == ["héllo".encode("utf-8")], f"str payload {inbox.payloads()}")
        check(got_connected.wait(10), f"no LNR_PEER_CONNECTED status; got {events}")
        check(sender.set_status_callback(None), "removing the status callback")
    try:
        listener.run(None)
    except liner.LinerError:
        pass
    else:
        check(False, "the context manager did not close the client")
    connected = [e for e in events if e[0] == liner.LNR_PEER_CONNECTED]
    check(connected[0][1] == s.name("ctx_listener"), f"status event {connected[0]}")


def body(s: Scenario) -> None:
    check(liner.version(), "empty version")
    check(liner.max_clients() == 256, f"handle table of {liner.max_clients()} slots, not the default 256")
    constructor_failures(s)
    log_callback_sees_lines(s)
    limits()
    redis_ca_file(s)
    client_errors(s)
    status_and_context_manager(s)


if __name__ == "__main__":
    main("binding_api", body)
