#!/usr/bin/env python3
"""Status for operators: ``peers(topic)`` reports a running listener as live since it
registered, with its last heartbeat; a row left by a client killed without ``stop`` (its
liveness written in the past, as such a client leaves it) reads as dead with its last
heartbeat, and reading does not remove it; a stopped listener leaves no row; and
``pending_by_peer`` names the topic and address of a listener that is away."""

from _support import Scenario, check, main, wait_until

PARKED = 10


def redis_now_ms(s: Scenario) -> int:
    secs, micros = s.redis.command("TIME")
    return int(secs) * 1000 + int(micros) // 1000


def body(s: Scenario) -> None:
    topic = s.name("listener")
    before_run = redis_now_ms(s)
    listener, _inbox = s.running_listener()
    listener_addr = listener.published_addr()
    sender = s.running_sender(topic)
    ops = s.client("ops")  # never runs: an operator's tool

    check(wait_until(lambda: (ops.peers(topic) or [None])[0] is not None
                     and ops.peers(topic)[0].last_seen_unix_ms is not None),
          f"no heartbeat of the running listener: {ops.peers(topic)}")
    now = redis_now_ms(s)
    rows = ops.peers(topic)
    check(len(rows) == 1, f"rows of {topic}: {rows}")
    row = rows[0]
    check((row.addr, row.unique_name, row.live) == (listener_addr, s.name("listener"), True),
          f"live row {row}")
    check(before_run <= row.since_unix_ms <= now,
          f"since {row.since_unix_ms} not between run ({before_run}) and now ({now})")
    check(row.since_unix_ms <= row.last_seen_unix_ms <= now, f"last seen of {row}")
    check(ops.list_addresses(topic) == [(row.addr, row.unique_name)],
          f"list_addresses {ops.list_addresses(topic)}")

    # What a client SIGKILLed 4 s ago leaves, on a topic nobody sends to (so nobody reaps).
    dead_topic, dead_name, dead_addr = s.name("abandoned"), s.name("crashed"), "127.0.0.1:9"
    s.redis.command("HSET", f"lnr_topic:{dead_topic}:addr", dead_addr, dead_name)
    s.redis.command("ZADD", f"lnr_topic:{dead_topic}:live", now - 1000, dead_addr)
    s.redis.command("HSET", f"lnr_topic:{dead_topic}:since", dead_addr, now - 60000)
    s.redis.command("SET", f"lnr_client:{dead_name}:seen", now - 4000)
    for _ in range(2):
        dead = ops.peers(dead_topic)
        check(dead is not None and len(dead) == 1, f"rows of {dead_topic}: {dead}")
        check((dead[0].addr, dead[0].unique_name, dead[0].live) == (dead_addr, dead_name, False),
              f"dead row {dead[0]}")
        check((dead[0].since_unix_ms, dead[0].last_seen_unix_ms) == (now - 60000, now - 4000),
              f"times of the dead row {dead[0]}")

    check(listener.stop(), "listener stop")
    check(ops.peers(topic) == [], f"a stopped listener's row stayed: {ops.peers(topic)}")
    check(ops.peers("") is None, "peers of an empty topic succeeded")

    for n in range(PARKED):
        check(sender.send_to(topic, f"parked {n}"), f"send {n}: {sender.last_error_message()}")
    check(wait_until(lambda: sender.pending_count() == PARKED),
          f"pending {sender.pending_count()} of {PARKED}")
    by_peer = sender.pending_by_peer()
    check(by_peer is not None and len(by_peer) == 1, f"pending_by_peer {by_peer}")
    check((by_peer[0].addr, by_peer[0].topic, by_peer[0].unique_name, by_peer[0].count)
          == (listener_addr, topic, s.name("listener"), PARKED),
          f"pending_by_peer of an away listener: {by_peer}")

    check(sender.stop(), "sender stop")
    check(sender.clear_stored_messages(), sender.last_error_message())


if __name__ == "__main__":
    main("peers_status", body)
